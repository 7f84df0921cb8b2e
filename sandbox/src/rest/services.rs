//! Services: `GET` and `POST /services`, `GET`, `PUT` and `DELETE /services/{id}`, with
//! times in a requested `time_zone` and the teams of a service following its escalation
//! policy.

use super::abilities::require_ability;
use super::body::{capitalized, invalid, name_field, string_field, Body, Payload};
use super::caller::Caller;
use super::paging::ListQuery;
use crate::data::{Dataset, Service, Urgency};
use crate::error::ApiError;
use crate::options::Options;
use crate::state::Shared;
use crate::timing::Timing;
use crate::tz::{now_rfc3339, parse_utc, Zone};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

/// The routes of services.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/services", get(list_services).post(create_service))
        .route(
            "/services/{id}",
            get(get_service).put(update_service).delete(delete_service),
        )
}

impl Payload for Service {
    const KEY: Option<&'static str> = Some("service");
}

/// `include[]` values of `/services` and `/services/{id}` (PagerDuty's spec).
const SERVICE_INCLUDES: &[&str] = &[
    "escalation_policies",
    "teams",
    "integrations",
    "auto_pause_notifications_parameters",
];

/// The `time_zone` of a services request; an unknown name answers 400.
fn zone_of(q: &ListQuery) -> Result<Option<Zone>, ApiError> {
    q.time_zone
        .as_deref()
        .map(|name| {
            Zone::named(name).ok_or_else(|| {
                ApiError::InvalidInput(format!("time_zone \"{name}\" is not a known time zone."))
            })
        })
        .transpose()
}

/// A service's times rendered in `zone` (none: UTC, as seeded).
fn in_zone(mut v: Value, zone: Option<Zone>) -> Value {
    let Some(zone) = zone else { return v };
    let fix = |x: &mut Value| {
        if let Some(secs) = x.as_str().and_then(parse_utc) {
            *x = json!(zone.render(secs));
        }
    };
    fix(&mut v["created_at"]);
    fix(&mut v["last_incident_timestamp"]);
    if let Some(list) = v["integrations"].as_array_mut() {
        list.iter_mut().for_each(|i| {
            if i.get("created_at").is_some() {
                fix(&mut i["created_at"])
            }
        });
    }
    v
}

/// A service without the integrations lists do not show yet (`--visibility-lag-ms`): a
/// service's `integrations` is the only list of them.
fn recent_hidden(sb: &Shared, mut v: Value) -> Value {
    let now = sb.now();
    if let Some(list) = v["integrations"].as_array_mut() {
        list.retain(|i| {
            let id = i["id"].as_str().unwrap_or_default();
            sb.timing.visible(&Timing::key("integration", &[id]), now)
        });
    }
    v
}

async fn list_services(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("services.read")?;
    let q = ListQuery::parse(raw, SERVICE_INCLUDES, &["name"])?;
    caller.require_includes(sb.options.strict_includes, &q.include)?;
    let now = sb.now();
    let mut rows: Vec<_> = data
        .services
        .iter()
        .filter(|s| data.can_see_service(&caller.user, s))
        .filter(|s| {
            q.query
                .as_ref()
                .is_none_or(|needle| s.name.to_lowercase().contains(needle))
        })
        .filter(|s| q.name.as_ref().is_none_or(|n| s.name == *n))
        .filter(|s| q.in_teams(&data, &s.teams))
        .filter(|s| sb.timing.visible(&Timing::key("service", &[&s.id]), now))
        .collect();
    if q.sort_desc {
        rows.reverse();
    }
    let zone = zone_of(&q)?;
    let api = sb.options.api_url();
    Ok(q.page(rows, "services", |s| {
        recent_hidden(&sb, in_zone(data.service_json(&api, s, &q.include), zone))
    }))
}

async fn get_service(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("services.read")?;
    let q = ListQuery::parse(raw, SERVICE_INCLUDES, &[])?;
    caller.require_includes(sb.options.strict_includes, &q.include)?;
    let s = data
        .service_by_id(&id)
        .filter(|s| data.can_see_service(&caller.user, s))
        .ok_or(ApiError::NotFound)?;
    let zone = zone_of(&q)?;
    let v = in_zone(
        data.service_json(&sb.options.api_url(), s, &q.include),
        zone,
    );
    Ok(Json(json!({ "service": recent_hidden(&sb, v) })))
}

/// The escalation policy a service body names: required, and must exist.
fn policy_field(data: &Dataset, m: &Map<String, Value>) -> Result<Option<usize>, ApiError> {
    match m.get("escalation_policy") {
        None | Some(Value::Null) => Ok(None),
        Some(ep) => {
            let id = ep.get("id").and_then(Value::as_str).unwrap_or_default();
            data.policy_index(id)
                .map(Some)
                .ok_or_else(|| invalid("Escalation policy is invalid"))
        }
    }
}

/// A timeout in seconds, or null to disable it; absent: `default`.
fn timeout_field(
    m: &Map<String, Value>,
    key: &str,
    default: Option<u32>,
) -> Result<Option<u32>, ApiError> {
    match m.get(key) {
        None => Ok(default),
        Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| invalid(format!("{} must be a positive integer", capitalized(key)))),
    }
}

/// The `incident_urgency_rule` of a service body (`None`: absent). A constant `high`,
/// `low` or `severity_based` is kept as written (spec); `low` and `severity_based` need the
/// `urgencies` ability (402 without; for `severity_based` assumed). `use_support_hours` is
/// not supported: it becomes constant `high`, as before.
fn urgency_field(m: &Map<String, Value>, options: &Options) -> Result<Option<Urgency>, ApiError> {
    let rule = match m.get("incident_urgency_rule") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(rule)) => rule,
        Some(_) => return Err(invalid("Incident urgency rule is invalid")),
    };
    let kind = rule
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("constant");
    let urgency = rule
        .get("urgency")
        .and_then(Value::as_str)
        .unwrap_or("high");
    match (kind, urgency) {
        ("use_support_hours", _) => Ok(Some(Urgency::Constant("high"))),
        ("constant", "high") => Ok(Some(Urgency::Constant("high"))),
        ("constant", "low") => {
            require_ability(options, "urgencies")?;
            Ok(Some(Urgency::Constant("low")))
        }
        ("constant", "severity_based") => {
            require_ability(options, "urgencies")?;
            Ok(Some(Urgency::Constant("severity_based")))
        }
        _ => Err(invalid("Incident urgency rule is invalid")),
    }
}

fn service_status(m: &Map<String, Value>, default: &'static str) -> Result<&'static str, ApiError> {
    match string_field(m, "status")? {
        None => Ok(default),
        Some(s) => ["active", "warning", "critical", "maintenance", "disabled"]
            .into_iter()
            .find(|k| *k == s)
            .ok_or_else(|| invalid("Status is not a valid status")),
    }
}

/// The service with `id` as a write answers it (null when it is gone).
fn service_answer(sb: &Shared, data: &Dataset, id: &str) -> Value {
    data.service_by_id(id)
        .map(|s| data.service_json(&sb.options.api_url(), s, &[]))
        .unwrap_or(Value::Null)
}

/// `POST /services`: 201; an escalation policy is required, names are unique, and the
/// service's teams are its policy's (spec: read-only, they follow the policy).
async fn create_service(
    State(sb): State<Shared>,
    caller: Caller,
    body: Result<Body<Service>, ApiError>,
) -> Result<Response, ApiError> {
    caller.require_write("services.write")?;
    caller.require_manager_role()?;
    let m = body?.fields;
    let mut data = sb.data_mut();
    let name = name_field(&m, 255)?;
    if data.service_name_taken(&name, None) {
        return Err(invalid("Name has already been taken"));
    }
    let policy =
        policy_field(&data, &m)?.ok_or_else(|| invalid("Escalation policy can't be blank"))?;
    let urgency = urgency_field(&m, &sb.options)?.unwrap_or(Urgency::Constant("high"));
    let id = data.new_id();
    let service = Service {
        id: id.clone(),
        name,
        description: string_field(&m, "description")?,
        status: service_status(&m, "active")?,
        created_at: now_rfc3339(),
        policy,
        teams: data.policies[policy].teams.clone(),
        auto_resolve_timeout: timeout_field(&m, "auto_resolve_timeout", Some(14400))?,
        acknowledgement_timeout: timeout_field(&m, "acknowledgement_timeout", Some(1800))?,
        last_incident_timestamp: None,
        integrations: vec![],
        urgency,
    };
    data.services.push(service);
    data.sort_services();
    sb.timing.written(Timing::key("service", &[&id]), sb.now());
    sb.timing.service_created(&id, sb.now());
    let v = service_answer(&sb, &data, &id);
    Ok((StatusCode::CREATED, Json(json!({ "service": v }))).into_response())
}

/// `PUT /services/{id}`: changes the given fields; 200 with the service.
async fn update_service(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Body<Service>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    caller.require_write("services.write")?;
    caller.require_manager_role()?;
    let mut data = sb.data_mut();
    let at = data.service_index(&id).ok_or(ApiError::NotFound)?;
    let m = body?.fields;
    let name = if m.contains_key("name") {
        let n = name_field(&m, 255)?;
        if data.service_name_taken(&n, Some(&id)) {
            return Err(invalid("Name has already been taken"));
        }
        Some(n)
    } else {
        None
    };
    let policy = policy_field(&data, &m)?;
    let urgency = urgency_field(&m, &sb.options)?;
    let current = data.services[at].clone();
    let status = service_status(&m, current.status)?;
    let auto = timeout_field(&m, "auto_resolve_timeout", current.auto_resolve_timeout)?;
    let ack = timeout_field(
        &m,
        "acknowledgement_timeout",
        current.acknowledgement_timeout,
    )?;
    let description = if m.contains_key("description") {
        string_field(&m, "description")?
    } else {
        current.description
    };
    let teams = policy.map(|p| data.policies[p].teams.clone());
    let s = &mut data.services[at];
    if let Some(n) = name {
        s.name = n;
    }
    if let (Some(p), Some(t)) = (policy, teams) {
        s.policy = p;
        s.teams = t;
    }
    s.status = status;
    s.auto_resolve_timeout = auto;
    s.acknowledgement_timeout = ack;
    s.description = description;
    if let Some(u) = urgency {
        s.urgency = u;
    }
    data.sort_services();
    Ok(Json(json!({"service": service_answer(&sb, &data, &id)})))
}

/// `DELETE /services/{id}`: 204.
async fn delete_service(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_write("services.write")?;
    caller.require_manager_role()?;
    let mut data = sb.data_mut();
    let at = data.service_index(&id).ok_or(ApiError::NotFound)?;
    data.services.remove(at);
    // Its incidents go with it (assumed: what PagerDuty does with them is not in the reference).
    data.incidents.retain(|i| i.service != id);
    Ok(StatusCode::NO_CONTENT)
}
