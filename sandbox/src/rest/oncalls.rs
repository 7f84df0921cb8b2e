//! On-calls: `GET /oncalls`, who is on call for each escalation policy and level over a
//! range (default: now), computed from the schedules' layers and overrides and the rules'
//! direct targets (reference §10.1).

use super::body::invalid;
use super::caller::Caller;
use super::paging::{value, values, ListQuery};
use super::schedules::{time_param, zone_param};
use crate::data::{time_in, Member, OnCall};
use crate::error::ApiError;
use crate::state::Shared;
use crate::tz::Zone;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// The routes of on-calls.
pub fn router() -> Router<Shared> {
    Router::new().route("/oncalls", get(list_oncalls))
}

/// `include[]` values of `/oncalls` (spec).
const ONCALL_INCLUDES: &[&str] = &["escalation_policies", "users", "schedules"];
/// On-call shifts are limited to 90 days in the future (spec).
const AHEAD: i64 = 90 * 86_400;

/// `GET /oncalls`: `since`/`until` (default now; cut to 90 days ahead), `user_ids[]`,
/// `escalation_policy_ids[]`, `schedule_ids[]` (`null` among them adds the direct targets),
/// `earliest=true`, `include[]`, `time_zone` (default UTC, the sandbox's account zone).
/// Schedule on-calls are whole spans overlapping the range (followed up to 31 days either
/// side); direct targets have no `start` or `end`. By policy name, level, then start.
async fn list_oncalls(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("oncalls.read")?;
    let zone = zone_param(&raw)?;
    let read_zone = zone.or_else(|| Zone::named("UTC")).expect("UTC is known");
    let now = sb.now_secs();
    let since = time_param(&raw, "since", read_zone)?.unwrap_or(now);
    let until = time_param(&raw, "until", read_zone)?.unwrap_or(since.max(now));
    if until < since {
        return Err(invalid("until must not be before since"));
    }
    let (since, until) = (since.min(now + AHEAD), until.min(now + AHEAD));
    let user_ids = values(&raw, "user_ids");
    let policy_ids = values(&raw, "escalation_policy_ids");
    let schedule_ids = values(&raw, "schedule_ids");
    let earliest = value(&raw, "earliest").as_deref() == Some("true");
    let q = ListQuery::parse(raw, ONCALL_INCLUDES, &[])?;
    let member_id = |m: &Member| match m {
        Member::User(u) => data.users[*u].id.clone(),
        Member::Deleted(d) => d.id.clone(),
    };
    let mut rows: Vec<OnCall> = data
        .oncalls(since, until)
        .into_iter()
        .filter(|o| user_ids.is_empty() || user_ids.contains(&member_id(&o.member)))
        .filter(|o| policy_ids.is_empty() || policy_ids.contains(&data.policies[o.policy].id))
        .filter(|o| {
            schedule_ids.is_empty()
                || match o.schedule {
                    Some(s) => schedule_ids.contains(&data.schedules[s].id),
                    None => schedule_ids.iter().any(|s| s == "null" || s.is_empty()),
                }
        })
        .collect();
    rows.sort_by_key(|o| {
        (
            data.policies[o.policy].name.to_lowercase(),
            o.policy,
            o.level,
            o.start,
        )
    });
    if earliest {
        let mut seen = Vec::new();
        rows.retain(|o| {
            let key = (o.policy, o.level, member_id(&o.member));
            let first = !seen.contains(&key);
            seen.push(key);
            first
        });
    }
    let api = sb.options.api_url();
    let has = |i: &str| q.include.iter().any(|x| x == i);
    Ok(q.page(rows, "oncalls", |o| {
        let user = match &o.member {
            Member::User(u) if has("users") => data.user_json(&api, &data.users[*u], &[]),
            m => data.member_reference(&api, m),
        };
        let schedule = match o.schedule {
            Some(s) if has("schedules") => data.schedule_summary_json(&api, s),
            Some(s) => data.schedule_reference(&api, s),
            None => Value::Null,
        };
        let policy = if has("escalation_policies") {
            data.policy_json(&api, o.policy, &[])
        } else {
            data.policy_reference(&api, o.policy)
        };
        json!({
            "escalation_policy": policy, "escalation_level": o.level,
            "schedule": schedule, "user": user,
            "start": o.start.map(|s| time_in(zone, s)),
            "end": o.end.map(|e| time_in(zone, e)),
        })
    }))
}
