//! Escalation policies: `GET /escalation_policies` (reads only, for now).

use super::caller::Caller;
use super::paging::ListQuery;
use crate::error::ApiError;
use crate::state::Shared;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

/// The routes of escalation policies.
pub fn router() -> Router<Shared> {
    Router::new().route("/escalation_policies", get(list_policies))
}

/// `include[]` values of `/escalation_policies` (PagerDuty's spec).
const POLICY_INCLUDES: &[&str] = &[
    "services",
    "teams",
    "targets",
    "escalation_rule_assignment_strategies",
];

/// `GET /escalation_policies`: `query`, `team_ids[]`, `include[]`, `sort_by=name[:asc|:desc]`.
async fn list_policies(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("escalation_policies.read")?;
    let q = ListQuery::parse(raw, POLICY_INCLUDES, &["name"])?;
    caller.require_includes(sb.options.strict_includes, &q.include)?;
    let mut rows: Vec<usize> = (0..data.policies.len()).collect();
    rows.sort_by_key(|p| (data.policies[*p].name.to_lowercase(), *p));
    rows.retain(|p| {
        let policy = &data.policies[*p];
        q.query
            .as_ref()
            .is_none_or(|n| policy.name.to_lowercase().contains(n))
            && q.in_teams(&data, &policy.teams)
    });
    if q.sort_desc {
        rows.reverse();
    }
    let api = sb.options.api_url();
    Ok(q.page(rows, "escalation_policies", |p| {
        data.policy_json(&api, *p, &q.include)
    }))
}
