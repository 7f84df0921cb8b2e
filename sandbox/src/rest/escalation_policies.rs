//! Escalation policies: `GET` and `POST /escalation_policies`, `GET`, `PUT` and `DELETE
//! /escalation_policies/{id}`: rules of 1 to 10 user or schedule targets, at least one rule,
//! read-only `services`, and no delete while a service uses the policy (reference §10.2).

use super::body::{invalid, name_field, string_field, Body, Payload};
use super::caller::Caller;
use super::members::{fresh_ids, member_of, stubs};
use super::paging::{values, ListQuery};
use crate::data::{Dataset, Member, Policy, Rule, Target};
use crate::error::ApiError;
use crate::state::Shared;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

/// The routes of escalation policies.
pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/escalation_policies",
            get(list_policies).post(create_policy),
        )
        .route(
            "/escalation_policies/{id}",
            get(get_policy).put(update_policy).delete(delete_policy),
        )
}

impl Payload for Policy {
    const KEY: Option<&'static str> = Some("escalation_policy");
}

/// `include[]` values of `/escalation_policies` and `/escalation_policies/{id}` (spec).
const POLICY_INCLUDES: &[&str] = &[
    "services",
    "teams",
    "targets",
    "escalation_rule_assignment_strategies",
];
/// At most this many targets per rule (spec; some accounts have been seen to allow 5,
/// terraform-provider-pagerduty#344).
const MAX_TARGETS: usize = 10;
const STAKEHOLDERS: &str = "Stakeholders cannot be added to escalation policies";

/// `GET /escalation_policies`: `query`, `user_ids[]` (direct targets of a rule only),
/// `team_ids[]`, `include[]`, `sort_by=name[:asc|:desc]`.
async fn list_policies(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("escalation_policies.read")?;
    let user_ids = values(&raw, "user_ids");
    let q = ListQuery::parse(raw, POLICY_INCLUDES, &["name"])?;
    caller.require_includes(sb.options.strict_includes, &q.include)?;
    let users: Vec<usize> = user_ids
        .iter()
        .filter_map(|id| data.user_index(id))
        .collect();
    let mut rows: Vec<usize> = (0..data.policies.len()).collect();
    rows.sort_by_key(|p| (data.policies[*p].name.to_lowercase(), *p));
    rows.retain(|p| {
        let policy = &data.policies[*p];
        let targets_user = || {
            policy
                .rules
                .iter()
                .flat_map(|r| &r.targets)
                .any(|t| matches!(t, Target::User(Member::User(u)) if users.contains(u)))
        };
        q.query
            .as_ref()
            .is_none_or(|n| policy.name.to_lowercase().contains(n))
            && q.in_teams(&data, &policy.teams)
            && (user_ids.is_empty() || targets_user())
    });
    if q.sort_desc {
        rows.reverse();
    }
    let api = sb.options.api_url();
    Ok(q.page(rows, "escalation_policies", |p| {
        data.policy_json(&api, *p, &q.include)
    }))
}

/// `GET /escalation_policies/{id}` with `include[]`.
async fn get_policy(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("escalation_policies.read")?;
    let q = ListQuery::parse(raw, POLICY_INCLUDES, &[])?;
    caller.require_includes(sb.options.strict_includes, &q.include)?;
    let p = data.policy_index(&id).ok_or(ApiError::NotFound)?;
    Ok(Json(
        json!({"escalation_policy": data.policy_json(&sb.options.api_url(), p, &q.include)}),
    ))
}

/// A rule as a write gives it: its id when it names one of the policy's rules.
struct RuleIn {
    id: Option<String>,
    delay_minutes: u32,
    targets: Vec<Target>,
}

/// The checked fields of a policy body; `None`: not given (kept on PUT).
struct Fields {
    name: String,
    rules: Vec<RuleIn>,
    description: Option<Option<String>>,
    num_loops: Option<u32>,
    handoff: Option<&'static str>,
    teams: Option<Vec<usize>>,
}

/// Reads a policy body; `existing` is the policy a PUT changes. Name and rules are required
/// on both (spec: `name` and `escalation_rules` are required).
fn fields(
    data: &Dataset,
    m: &Map<String, Value>,
    existing: Option<usize>,
    keep_stubs: bool,
) -> Result<Fields, ApiError> {
    let current = existing.map(|p| &data.policies[p]);
    let rules = match m.get("escalation_rules").and_then(Value::as_array) {
        Some(rules) if !rules.is_empty() => rules,
        _ => return Err(invalid("At least one escalation rule must be provided")),
    };
    let kept: Vec<Member> = if keep_stubs {
        let targets = current
            .iter()
            .flat_map(|p| &p.rules)
            .flat_map(|r| &r.targets);
        stubs(targets.filter_map(|t| match t {
            Target::User(m) => Some(m),
            Target::Schedule(_) => None,
        }))
    } else {
        vec![]
    };
    let rules = rules
        .iter()
        .map(|r| rule_in(data, r, &kept))
        .collect::<Result<Vec<_>, _>>()?;
    let name = name_field(m, 255)?;
    let taken = data
        .policies
        .iter()
        .enumerate()
        .any(|(i, p)| p.name.eq_ignore_ascii_case(&name) && Some(i) != existing);
    if taken {
        return Err(invalid("Name has already been taken"));
    }
    let description = match m.get("description") {
        None => None,
        // PagerDuty's own script leaves a null description out of its PUTs "in case it is
        // null" (reference §10.2): a null is refused here.
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => return Err(invalid("Description must be a string")),
    };
    let num_loops = match m.get("num_loops") {
        None | Some(Value::Null) => None,
        Some(n) => Some(
            n.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| invalid("Num loops must be a non-negative integer"))?,
        ),
    };
    let handoff = match string_field(m, "on_call_handoff_notifications")? {
        None => None,
        Some(h) => Some(
            ["if_has_services", "always"]
                .into_iter()
                .find(|k| *k == h)
                .ok_or_else(|| {
                    invalid("On call handoff notifications must be if_has_services or always")
                })?,
        ),
    };
    let teams = match m.get("teams") {
        None => None,
        Some(Value::Null) => Some(vec![]),
        Some(Value::Array(list)) => {
            let mut teams = list
                .iter()
                .map(|t| {
                    let id = t.get("id").and_then(Value::as_str).unwrap_or_default();
                    data.team_index(id)
                        .ok_or_else(|| invalid("Teams is invalid"))
                })
                .collect::<Result<Vec<usize>, _>>()?;
            teams.dedup();
            // Only one team (spec); a seeded policy on two may be written back as it is.
            let unchanged = current.is_some_and(|p| {
                let (mut a, mut b) = (p.teams.clone(), teams.clone());
                a.sort_unstable();
                b.sort_unstable();
                a == b
            });
            if teams.len() > 1 && !unchanged {
                return Err(invalid("Only one team may be associated with the policy"));
            }
            Some(teams)
        }
        Some(_) => return Err(invalid("Teams is invalid")),
    };
    Ok(Fields {
        name,
        rules,
        description,
        num_loops,
        handoff,
        teams,
    })
}

/// One rule of a body: delay, 1 to 10 targets, and an assignment strategy the account has.
fn rule_in(data: &Dataset, r: &Value, stubs: &[Member]) -> Result<RuleIn, ApiError> {
    let delay_minutes = match r.get("escalation_delay_in_minutes") {
        None | Some(Value::Null) => {
            return Err(invalid("Escalation delay in minutes can't be blank"))
        }
        Some(d) => d
            .as_u64()
            .filter(|d| *d >= 1)
            .and_then(|d| u32::try_from(d).ok())
            .ok_or_else(|| invalid("Escalation delay in minutes must be at least 1"))?,
    };
    let strategy = match r.get("escalation_rule_assignment_strategy") {
        Some(Value::Object(o)) => o.get("type").and_then(Value::as_str),
        Some(v) => v.as_str(),
        None => None,
    };
    match strategy {
        None | Some("assign_to_everyone") => {}
        // Round robin needs a plan this account lacks; terraform-provider-pagerduty sees 403
        // and retries without the field (reference §10.2).
        Some("round_robin") => return Err(ApiError::Forbidden),
        Some(_) => return Err(invalid("Escalation rule assignment strategy is not valid")),
    }
    let list = r
        .get("targets")
        .and_then(Value::as_array)
        .filter(|t| (1..=MAX_TARGETS).contains(&t.len()))
        .ok_or_else(|| {
            invalid(format!(
                "Escalation rules must have between 1 and {MAX_TARGETS} targets"
            ))
        })?;
    let targets = list
        .iter()
        .map(|t| {
            // A target without a type is taken as a user (heimweh/go-pagerduty#33).
            match t
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("user_reference")
            {
                "user_reference" | "user" => {
                    member_of(data, t, stubs, STAKEHOLDERS).map(Target::User)
                }
                "schedule_reference" | "schedule" => {
                    let id = t.get("id").and_then(Value::as_str).unwrap_or_default();
                    let s = data.schedule_index(id).ok_or(ApiError::NotFound)?;
                    Ok(Target::Schedule(s))
                }
                other => Err(invalid(format!("Target type {other} is not supported"))),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RuleIn {
        id: r.get("id").and_then(Value::as_str).map(str::to_string),
        delay_minutes,
        targets,
    })
}

/// The rules of a write: a rule keeps its id when it names one of `current`'s, once.
fn build_rules(data: &Dataset, current: &[Rule], rules: Vec<RuleIn>) -> Vec<Rule> {
    let mut free: Vec<&str> = current.iter().map(|r| r.id.as_str()).collect();
    let mut new_ids = fresh_ids(data, rules.len()).into_iter();
    rules
        .into_iter()
        .map(|r| {
            let kept = r.id.as_deref().and_then(|id| {
                let at = free.iter().position(|f| *f == id)?;
                Some(free.remove(at).to_string())
            });
            Rule {
                id: kept.or_else(|| new_ids.next()).unwrap_or_default(),
                delay_minutes: r.delay_minutes,
                targets: r.targets,
            }
        })
        .collect()
}

/// `POST /escalation_policies`: 201 with the policy.
async fn create_policy(
    State(sb): State<Shared>,
    caller: Caller,
    body: Result<Body<Policy>, ApiError>,
) -> Result<Response, ApiError> {
    caller.require_write("escalation_policies.write")?;
    caller.require_manager_role()?;
    let m = body?.fields;
    let mut data = sb.data_mut();
    let f = fields(&data, &m, None, false)?;
    let mut ids = fresh_ids(&data, 1);
    let rules = build_rules(&data, &[], f.rules);
    // Distinct from the rules' new ids, which are not in the account yet.
    while rules.iter().any(|r| r.id == ids[0]) {
        ids = fresh_ids(&data, 1);
    }
    data.policies.push(Policy {
        id: ids.remove(0),
        name: f.name,
        description: f.description.flatten(),
        teams: f.teams.unwrap_or_default(),
        num_loops: f.num_loops.unwrap_or(0),
        handoff_notifications: f.handoff.unwrap_or("if_has_services"),
        rules,
    });
    let v = data.policy_json(&sb.options.api_url(), data.policies.len() - 1, &[]);
    Ok((StatusCode::CREATED, Json(json!({ "escalation_policy": v }))).into_response())
}

/// `PUT /escalation_policies/{id}`: 200 with the policy; its services follow its teams.
async fn update_policy(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Body<Policy>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    caller.require_write("escalation_policies.write")?;
    caller.require_manager_role()?;
    let mut data = sb.data_mut();
    let at = data.policy_index(&id).ok_or(ApiError::NotFound)?;
    let m = body?.fields;
    let f = fields(&data, &m, Some(at), sb.options.keep_deleted_user_stubs)?;
    let rules = build_rules(&data, &data.policies[at].rules, f.rules);
    let p = &mut data.policies[at];
    p.name = f.name;
    p.rules = rules;
    if let Some(d) = f.description {
        p.description = d;
    }
    if let Some(n) = f.num_loops {
        p.num_loops = n;
    }
    if let Some(h) = f.handoff {
        p.handoff_notifications = h;
    }
    if let Some(teams) = f.teams {
        p.teams = teams.clone();
        for s in data.services.iter_mut().filter(|s| s.policy == at) {
            s.teams = teams.clone();
        }
    }
    Ok(Json(
        json!({"escalation_policy": data.policy_json(&sb.options.api_url(), at, &[])}),
    ))
}

/// `DELETE /escalation_policies/{id}`: 204; 400 while a service uses it (spec: "The
/// escalation policy must not be in use by any services"; the status is not documented).
async fn delete_policy(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_write("escalation_policies.write")?;
    caller.require_manager_role()?;
    let mut data = sb.data_mut();
    let at = data.policy_index(&id).ok_or(ApiError::NotFound)?;
    if data.services.iter().any(|s| s.policy == at) {
        return Err(invalid(
            "The escalation policy must not be in use by any services",
        ));
    }
    data.remove_policy(at);
    Ok(StatusCode::NO_CONTENT)
}
