//! Schedules: `GET` and `POST /schedules`, `GET`, `PUT` and `DELETE /schedules/{id}`, and
//! `GET /schedules/{id}/users` (reference §10.1, §10.3): layers given by GET in the opposite
//! order to the one PUT takes (`--schedule-layer-order`), never deleted, stakeholders
//! refused, rendered entries over `since`/`until`, and no delete while a policy uses one.

use super::body::{invalid, Body, Payload};
use super::caller::Caller;
use super::paging::{value, ListQuery};
use super::schedule_body::{fields, merge_layers};
use crate::data::{rotation, Schedule, ScheduleView, HORIZON};
use crate::error::ApiError;
use crate::options::LayerOrder;
use crate::state::Shared;
use crate::tz::{parse_datetime, Zone};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// The routes of schedules (their overrides are in `overrides`).
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/schedules", get(list_schedules).post(create_schedule))
        .route(
            "/schedules/{id}",
            get(get_schedule)
                .put(update_schedule)
                .delete(delete_schedule),
        )
        .route("/schedules/{id}/users", get(schedule_users))
}

impl Payload for Schedule {
    const KEY: Option<&'static str> = Some("schedule");
}

/// `include[]` values of `GET /schedules` (spec).
const SCHEDULE_INCLUDES: &[&str] = &["schedule_layers", "overrides_subschedule", "final_schedule"];
/// A missing `since` or `until` is the other one two weeks away (spec).
const TWO_WEEKS: i64 = 14 * 86_400;
/// The longest range entries are rendered for (PagerDuty's limit, if any, is unknown).
const MAX_RANGE: i64 = 366 * 86_400;

/// The `time_zone` of a request; an unknown name answers 400.
pub fn zone_param(raw: &Option<String>) -> Result<Option<Zone>, ApiError> {
    value(raw, "time_zone")
        .map(|name| {
            Zone::named(&name)
                .ok_or_else(|| invalid(format!("time_zone \"{name}\" is not a known time zone.")))
        })
        .transpose()
}

/// A date-time parameter (`since`, `until`), naive times read in `zone`.
pub fn time_param(raw: &Option<String>, key: &str, zone: Zone) -> Result<Option<i64>, ApiError> {
    value(raw, key)
        .map(|v| {
            parse_datetime(&v, zone)
                .ok_or_else(|| invalid(format!("{key} must be an ISO 8601 date-time")))
        })
        .transpose()
}

/// `since` and `until`, a missing one two weeks from the other; neither: `None`.
fn range(raw: &Option<String>, zone: Zone) -> Result<Option<(i64, i64)>, ApiError> {
    let range = match (
        time_param(raw, "since", zone)?,
        time_param(raw, "until", zone)?,
    ) {
        (None, None) => return Ok(None),
        (Some(s), None) => (s, s + TWO_WEEKS),
        (None, Some(u)) => (u - TWO_WEEKS, u),
        (Some(s), Some(u)) => (s, u),
    };
    if range.1 < range.0 {
        return Err(invalid("until must not be before since"));
    }
    if range.1 - range.0 > MAX_RANGE {
        return Err(invalid("The date range may be at most a year"));
    }
    Ok(Some(range))
}

fn utc() -> Zone {
    Zone::named("UTC").expect("UTC is known")
}

/// `GET /schedules`: `query`, `team_ids[]`, `include[]`, `time_zone` (default the caller's),
/// `since`/`until`; no user filter, as PagerDuty (reference §10.1).
async fn list_schedules(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("schedules.read")?;
    let zone = zone_param(&raw)?.or_else(|| Zone::named(&caller.user.time_zone));
    let range = range(&raw, zone.unwrap_or_else(utc))?;
    let q = ListQuery::parse(raw, SCHEDULE_INCLUDES, &[])?;
    let mut rows: Vec<usize> = (0..data.schedules.len()).collect();
    rows.sort_by_key(|s| (data.schedules[*s].name.to_lowercase(), *s));
    rows.retain(|s| {
        let sched = &data.schedules[*s];
        q.query
            .as_ref()
            .is_none_or(|n| sched.name.to_lowercase().contains(n))
            && q.in_teams(&data, &sched.teams)
    });
    let has = |i: &str| q.include.iter().any(|x| x == i);
    let view = ScheduleView {
        zone,
        layers: has("schedule_layers"),
        overrides_subschedule: has("overrides_subschedule"),
        final_schedule: has("final_schedule"),
        range,
        overflow: false,
        reversed: sb.options.schedule_layer_order == LayerOrder::Reversed,
        now: sb.now_secs(),
    };
    let api = sb.options.api_url();
    Ok(q.page(rows, "schedules", |s| data.schedule_json(&api, *s, &view)))
}

/// The view of one schedule: its layers, overrides and final schedule, in `time_zone`
/// (default the schedule's), entries over `since`/`until`, whole with `overflow=true`.
fn one_view(sb: &Shared, raw: &Option<String>, sched: &Schedule) -> Result<ScheduleView, ApiError> {
    let zone = zone_param(raw)?;
    Ok(ScheduleView {
        zone,
        layers: true,
        overrides_subschedule: true,
        final_schedule: true,
        range: range(raw, zone.unwrap_or_else(|| sched.zone()))?,
        overflow: value(raw, "overflow").as_deref() == Some("true"),
        reversed: sb.options.schedule_layer_order == LayerOrder::Reversed,
        now: sb.now_secs(),
    })
}

async fn get_schedule(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("schedules.read")?;
    let s = data.schedule_index(&id).ok_or(ApiError::NotFound)?;
    let view = one_view(&sb, &raw, &data.schedules[s])?;
    Ok(Json(
        json!({"schedule": data.schedule_json(&sb.options.api_url(), s, &view)}),
    ))
}

/// `POST /schedules`: 201 with the schedule.
async fn create_schedule(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    body: Result<Body<Schedule>, ApiError>,
) -> Result<Response, ApiError> {
    caller.require_write("schedules.write")?;
    caller.require_manager_role()?;
    let m = body?.fields;
    let mut data = sb.data_mut();
    let f = fields(&data, &sb.options, &m, None)?;
    let layers = merge_layers(&data, &[], f.layers.unwrap_or_default(), false, 0)?;
    let mut id = data.new_id();
    while layers.iter().any(|l| l.id == id) {
        id = data.new_id();
    }
    data.schedules.push(Schedule {
        id,
        name: f.name.unwrap_or_default(),
        description: f.description.flatten(),
        time_zone: f.time_zone,
        teams: f.teams.unwrap_or_default(),
        layers,
        overrides: vec![],
    });
    let s = data.schedules.len() - 1;
    let view = one_view(&sb, &raw, &data.schedules[s])?;
    let v = data.schedule_json(&sb.options.api_url(), s, &view);
    Ok((StatusCode::CREATED, Json(json!({ "schedule": v }))).into_response())
}

/// `PUT /schedules/{id}`: 200 with the schedule. Layers are taken in the order given.
async fn update_schedule(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Result<Body<Schedule>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    caller.require_write("schedules.write")?;
    caller.require_manager_role()?;
    let mut data = sb.data_mut();
    let s = data.schedule_index(&id).ok_or(ApiError::NotFound)?;
    let m = body?.fields;
    let f = fields(&data, &sb.options, &m, Some(&data.schedules[s]))?;
    let layers = match f.layers {
        Some(given) => Some(merge_layers(
            &data,
            &data.schedules[s].layers,
            given,
            sb.options.end_omitted_layers,
            sb.now_secs(),
        )?),
        None => None,
    };
    let sched = &mut data.schedules[s];
    sched.time_zone = f.time_zone;
    if let Some(n) = f.name {
        sched.name = n;
    }
    if let Some(d) = f.description {
        sched.description = d;
    }
    if let Some(t) = f.teams {
        sched.teams = t;
    }
    if let Some(l) = layers {
        sched.layers = l;
    }
    let view = one_view(&sb, &raw, &data.schedules[s])?;
    Ok(Json(
        json!({"schedule": data.schedule_json(&sb.options.api_url(), s, &view)}),
    ))
}

/// `DELETE /schedules/{id}`: 204; 400 while a policy uses it (terraform-provider-pagerduty
/// #561 quotes PagerDuty's text).
async fn delete_schedule(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_write("schedules.write")?;
    caller.require_manager_role()?;
    let mut data = sb.data_mut();
    let s = data.schedule_index(&id).ok_or(ApiError::NotFound)?;
    if !data.policies_using_schedule(s).is_empty() {
        return Err(invalid(
            "Schedule can't be deleted if it's being used by escalation policies",
        ));
    }
    data.remove_schedule(s);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /schedules/{id}/users`: the users on call in the schedule over `since`/`until`
/// (default: from now, two weeks; unknown on PagerDuty), in full, in the order they first
/// are; deleted users' stubs left out. Scope `users.read`, not `schedules.read` (spec).
async fn schedule_users(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("users.read")?;
    let s = data.schedule_index(&id).ok_or(ApiError::NotFound)?;
    let sched = &data.schedules[s];
    let now = sb.now_secs();
    let (since, until) = range(&raw, sched.zone())?.unwrap_or((now, now + TWO_WEEKS));
    let mut users: Vec<usize> = Vec::new();
    let entries = rotation::entries_overlapping(sched, sched.zone(), since, until, HORIZON);
    for u in entries.iter().filter_map(|e| e.member.user()) {
        if !users.contains(&u) {
            users.push(u);
        }
    }
    let api = sb.options.api_url();
    Ok(Json(json!({
        "users": users.iter().map(|u| data.user_json(&api, &data.users[*u], &[])).collect::<Vec<_>>(),
    })))
}
