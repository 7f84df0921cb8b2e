//! Incidents: `GET /incidents` (`user_ids[]`, `service_ids[]`, `team_ids[]`, `statuses[]`,
//! `urgencies[]`, `incident_key`, `sort_by`, and the one-month window of `since`/`until`
//! unless `date_range=all`), `GET /incidents/{id}` (an id or a number), `PUT /incidents/{id}`
//! and bulk `PUT /incidents` (at most 250, all or nothing) to reassign, acknowledge or resolve,
//! made as the user the `From` header names (reference §10.1, §10.4).

use super::body::{invalid, string_field, Body, Payload};
use super::caller::Caller;
use super::paging::ListQuery;
use crate::data::{pageable, Dataset, Incident, IncidentChange};
use crate::error::ApiError;
use crate::options::{FromHeader, IncidentAssignments};
use crate::state::Shared;
use crate::tz::{parse_utc, rfc3339};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use std::cmp::Ordering;

/// The routes of incidents.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/incidents", get(list_incidents).put(update_incidents))
        .route("/incidents/{id}", get(get_incident).put(update_incident))
}

impl Payload for Incident {
    const KEY: Option<&'static str> = Some("incident");
}

/// The body of a bulk `PUT /incidents`: `{"incidents":[…]}`.
struct Incidents;

impl Payload for Incidents {
    const KEY: Option<&'static str> = None;
}

/// `include[]` values of `/incidents` and `/incidents/{id}` (PagerDuty's spec); those the
/// sandbox has no objects for are accepted and change nothing.
const INCLUDES: &[&str] = &[
    "acknowledgers",
    "agents",
    "assignees",
    "conference_bridge",
    "custom_fields",
    "escalation_policies",
    "first_trigger_log_entries",
    "priorities",
    "services",
    "teams",
    "users",
];
const STATUSES: &[&str] = &["triggered", "acknowledged", "resolved"];
const SORTS: &[&str] = &["incident_number", "created_at", "resolved_at", "urgency"];
const DAY: i64 = 86_400;
/// The default window, "1 month", counted as 30 days.
const MONTH: i64 = 30 * DAY;
/// The longest window, "6 months", counted as 183 days.
const MAX_RANGE: i64 = 183 * DAY;
/// The most incidents one bulk update may name.
const MAX_BULK: usize = 250;

/// The filters and order of `GET /incidents` beyond what `ListQuery` reads.
#[derive(Default)]
struct Filters {
    user_ids: Vec<String>,
    service_ids: Vec<String>,
    statuses: Vec<String>,
    urgencies: Vec<String>,
    incident_key: Option<String>,
    /// `[since, until)` in seconds; `None` with `date_range=all`.
    window: Option<(i64, i64)>,
    /// Fields and whether descending.
    sort: Vec<(String, bool)>,
}

impl Filters {
    /// Reads the query string; the window is counted back from `now`.
    fn parse(raw: &str, now: i64) -> Result<Filters, ApiError> {
        let mut f = Filters::default();
        let (mut since, mut until, mut all) = (None, None, false);
        let time = |name: &str, v: &str| {
            parse_time(v).ok_or_else(|| invalid(format!("{name} \"{v}\" is not a valid time.")))
        };
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            let v = v.to_string();
            match k.as_ref() {
                "user_ids[]" | "user_ids" => f.user_ids.push(v),
                "service_ids[]" | "service_ids" => f.service_ids.push(v),
                // PagerDuty's text (hubot-pager-me #57).
                "statuses[]" | "statuses" if !STATUSES.contains(&v.as_str()) => {
                    return Err(invalid(
                        "Status must be a list of triggered, acknowledged, or resolved.",
                    ))
                }
                "statuses[]" | "statuses" => f.statuses.push(v),
                "urgencies[]" | "urgencies" if !["high", "low"].contains(&v.as_str()) => {
                    return Err(invalid("Urgencies must be a list of high or low."))
                }
                "urgencies[]" | "urgencies" => f.urgencies.push(v),
                "incident_key" => f.incident_key = Some(v),
                "date_range" if v == "all" => all = true,
                "date_range" => return Err(invalid("Date range must be all.")),
                "since" => since = Some(time("since", &v)?),
                "until" => until = Some(time("until", &v)?),
                "sort_by" | "sort_by[]" => {
                    for s in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        let (field, dir) = s.split_once(':').unwrap_or((s, "asc"));
                        if !SORTS.contains(&field) || !["asc", "desc"].contains(&dir) {
                            return Err(invalid(format!("sort_by does not accept \"{s}\".")));
                        }
                        f.sort.push((field.to_string(), dir == "desc"));
                    }
                }
                _ => {}
            }
        }
        if f.sort.len() > 2 {
            return Err(invalid("sort_by takes at most two fields."));
        }
        if !all {
            let (s, u) = match (since, until) {
                (Some(s), Some(u)) => (s, u),
                (Some(s), None) => (s, now),
                (None, Some(u)) => (u - MONTH, u),
                (None, None) => (now - MONTH, now),
            };
            if u < s {
                return Err(invalid("until must not be before since."));
            }
            if u - s > MAX_RANGE {
                return Err(invalid("The date range must not exceed 6 months."));
            }
            f.window = Some((s, u));
        }
        Ok(f)
    }

    fn matches(&self, i: &Incident) -> bool {
        let any = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
        any(&self.statuses, i.status)
            && any(&self.urgencies, i.urgency)
            && any(&self.service_ids, &i.service)
            && (self.user_ids.is_empty()
                || i.assignments
                    .iter()
                    .any(|a| self.user_ids.contains(&a.user)))
            && self
                .incident_key
                .as_ref()
                .is_none_or(|k| *k == i.incident_key)
            && self
                .window
                .is_none_or(|(s, u)| parse_utc(&i.created_at).is_some_and(|c| s <= c && c < u))
    }

    /// By the `sort_by` fields, then by number (PagerDuty's order when none is given is not
    /// documented; numbers follow creation).
    fn sort(&self, rows: &mut [&Incident]) {
        rows.sort_by(|a, b| {
            for (field, desc) in &self.sort {
                let o = match field.as_str() {
                    "incident_number" => a.number.cmp(&b.number),
                    "created_at" => a.created_at.cmp(&b.created_at),
                    "resolved_at" => a.resolved_at.cmp(&b.resolved_at),
                    _ => a.urgency.cmp(b.urgency),
                };
                let o = if *desc { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            a.number.cmp(&b.number)
        });
    }
}

/// Seconds since the epoch of an ISO 8601 time: a date (`2026-11-01`), or a date and time
/// with seconds optional, with `Z`, an offset (`+02:00`, `+0200`) or none (UTC, the
/// sandbox's account time zone).
fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let date = s.get(..10)?;
    let day = parse_utc(&format!("{date}T00:00:00Z"))?;
    // Month 13 or 31 February parse to another day: only a date that prints back is one.
    if !rfc3339(day).starts_with(date) {
        return None;
    }
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(day);
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    let cut = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (time, zone) = rest.split_at(cut);
    let mut parts = time.split(':');
    let number = |p: Option<&str>, max: f64| {
        p.and_then(|x| x.parse::<f64>().ok())
            .filter(|n| (0.0..max).contains(n))
    };
    let h = number(parts.next(), 24.0)? as i64;
    let m = number(parts.next(), 60.0)? as i64;
    let sec = match parts.next() {
        Some(p) => number(Some(p), 61.0)? as i64,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let offset = match zone {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
            if !matches!(digits.len(), 2 | 4) || !digits.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let oh: i64 = digits[..2].parse().ok()?;
            let om: i64 = digits
                .get(2..)
                .filter(|d| !d.is_empty())
                .map_or(Some(0), |d| d.parse().ok())?;
            sign * (oh * 3_600 + om * 60)
        }
    };
    Some(day + h * 3_600 + m * 60 + sec - offset)
}

/// `GET /incidents`: the caller's visible incidents matching the filters, classic paging.
async fn list_incidents(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("incidents.read")?;
    let f = Filters::parse(raw.as_deref().unwrap_or_default(), sb.now_secs())?;
    let q = ListQuery::parse(raw, INCLUDES, &[])?;
    caller.require_includes(sb.options.strict_includes, &q.include)?;
    let mut rows: Vec<&Incident> = data
        .incidents
        .iter()
        .filter(|i| data.can_see_incident(&caller.user, i) && f.matches(i))
        .filter(|i| q.in_teams(&data, &data.incident_teams(i)))
        .collect();
    f.sort(&mut rows);
    let api = sb.options.api_url();
    Ok(q.page(rows, "incidents", |i| {
        data.incident_json(&api, i, &q.include)
    }))
}

/// `GET /incidents/{id}`: by id or by number.
async fn get_incident(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("incidents.read")?;
    let q = ListQuery::parse(raw, INCLUDES, &[])?;
    caller.require_includes(sb.options.strict_includes, &q.include)?;
    let at = visible(&data, &caller, &id)?;
    let api = sb.options.api_url();
    Ok(Json(
        json!({"incident": data.incident_json(&api, &data.incidents[at], &q.include)}),
    ))
}

/// Where the incident `id` is, if the caller may see it (else 404).
fn visible(data: &Dataset, caller: &Caller, id: &str) -> Result<usize, ApiError> {
    data.incident_index(id)
        .filter(|at| data.can_see_incident(&caller.user, &data.incidents[*at]))
        .ok_or(ApiError::NotFound)
}

/// Stakeholders and Observers may not act on incidents (assumed from PagerDuty's base roles;
/// not in the reference); Responders and up may.
fn require_responder(caller: &Caller) -> Result<(), ApiError> {
    if pageable(caller.user.role) && caller.user.role != "observer" {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// The id of the user a write is made as: the one the `From` header names. Without one,
/// PagerDuty's 400 code 2016 (go-pagerduty #32, pdpyras #78), or under `--from-header
/// optional` the token's user; an address of no user answers "Requester User Not Found"
/// (code 1008, dropbox/pygerduty #64).
fn requester(
    sb: &Shared,
    caller: &Caller,
    headers: &HeaderMap,
    data: &Dataset,
) -> Result<String, ApiError> {
    let from = headers
        .get("from")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let refuse = |message, code| ApiError::Other {
        status: StatusCode::BAD_REQUEST,
        message,
        code: Some(code),
        errors: vec![],
    };
    match from {
        Some(email) => data
            .user_by_email(email)
            .map(|u| u.id.clone())
            .ok_or_else(|| refuse("Requester User Not Found", 1008)),
        None if sb.options.from_header == FromHeader::Optional => Ok(caller.user.id.clone()),
        None => Err(refuse(
            "You must specify a user's email address in the \"From\" header to perform this action",
            2016,
        )),
    }
}

/// The change an incident body asks for, checked (400 code 2001 with the sandbox's texts).
fn change_of(
    data: &Dataset,
    m: &Map<String, Value>,
    add: bool,
) -> Result<IncidentChange, ApiError> {
    match string_field(m, "type")?.as_deref() {
        None => return Err(invalid("Type can't be blank")),
        Some("incident" | "incident_reference") => {}
        Some(_) => return Err(invalid("Type must be incident or incident_reference")),
    }
    let status = match string_field(m, "status")? {
        None => None,
        Some(s) => Some(
            *STATUSES
                .iter()
                .find(|k| **k == s)
                .ok_or_else(|| invalid("Status must be triggered, acknowledged, or resolved"))?,
        ),
    };
    let urgency = match string_field(m, "urgency")?.as_deref() {
        None => None,
        Some("high") => Some("high"),
        Some("low") => Some("low"),
        Some(_) => return Err(invalid("Urgency must be high or low")),
    };
    let title = string_field(m, "title")?.map(|t| t.trim().to_string());
    if title.as_deref() == Some("") {
        return Err(invalid("Title can't be blank"));
    }
    let assign = match m.get("assignments") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) if list.is_empty() => {
            return Err(invalid("Assignments can't be blank"))
        }
        Some(Value::Array(list)) => {
            let mut ids: Vec<String> = Vec::new();
            for a in list {
                let id = a["assignee"]["id"].as_str().unwrap_or_default();
                let u = data.user_by_id(id).ok_or_else(|| {
                    invalid(format!("Assignee {id} is not a user of this account"))
                })?;
                if !pageable(u.role) {
                    return Err(invalid("Assignee cannot be a stakeholder"));
                }
                if !ids.contains(&u.id) {
                    ids.push(u.id.clone());
                }
            }
            Some(ids)
        }
        Some(_) => return Err(invalid("Assignments must be a list")),
    };
    let policy = match m.get("escalation_policy") {
        None | Some(Value::Null) => None,
        Some(ep) => Some(
            data.policy_index(ep["id"].as_str().unwrap_or_default())
                .ok_or_else(|| invalid("Escalation policy is invalid"))?,
        ),
    };
    if assign.is_some() && policy.is_some() {
        return Err(invalid(
            "Assignments and escalation policy cannot both be given",
        ));
    }
    Ok(IncidentChange {
        status,
        resolution: string_field(m, "resolution")?,
        title,
        urgency,
        assign,
        policy,
        add,
    })
}

fn adds(sb: &Shared) -> bool {
    sb.options.incident_assignments == IncidentAssignments::Add
}

/// `PUT /incidents/{id}`: 200 with the incident.
async fn update_incident(
    State(sb): State<Shared>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Body<Incident>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    caller.require_write("incidents.write")?;
    require_responder(&caller)?;
    let mut data = sb.data_mut();
    let by = requester(&sb, &caller, &headers, &data)?;
    let at = visible(&data, &caller, &id)?;
    let c = change_of(&data, &body?.fields, adds(&sb))?;
    data.change_incident(at, &c, &by, &rfc3339(sb.now_secs()))
        .map_err(invalid)?;
    let api = sb.options.api_url();
    Ok(Json(
        json!({"incident": data.incident_json(&api, &data.incidents[at], &[])}),
    ))
}

/// `PUT /incidents`: `{"incidents":[{"id","type",…}]}`, at most 250 (else 413); every item is
/// checked before any is applied, and one that fails leaves all unchanged (PagerDuty's answer
/// to a partial failure is unknown). 200 with the incidents, in the request's order.
async fn update_incidents(
    State(sb): State<Shared>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Body<Incidents>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    caller.require_write("incidents.write")?;
    require_responder(&caller)?;
    let mut data = sb.data_mut();
    let by = requester(&sb, &caller, &headers, &data)?;
    let m = body?.fields;
    let Some(Value::Array(items)) = m.get("incidents") else {
        return Err(invalid("incidents is required."));
    };
    if items.len() > MAX_BULK {
        // The status is the spec's; the body's message and details are the sandbox's.
        return Err(ApiError::Other {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: "Request Entity Too Large",
            code: None,
            errors: vec![format!(
                "A maximum of {MAX_BULK} incidents may be updated at a time."
            )],
        });
    }
    let mut planned = Vec::with_capacity(items.len());
    for item in items {
        let fields = item
            .as_object()
            .ok_or_else(|| invalid("incidents must be a list of incidents"))?;
        let id = string_field(fields, "id")?.ok_or_else(|| invalid("Id can't be blank"))?;
        let at = visible(&data, &caller, &id)?;
        planned.push((at, change_of(&data, fields, adds(&sb))?));
    }
    let before = data.incidents.clone();
    let now = rfc3339(sb.now_secs());
    for (at, c) in &planned {
        if let Err(e) = data.change_incident(*at, c, &by, &now) {
            data.incidents = before;
            return Err(invalid(e));
        }
    }
    let api = sb.options.api_url();
    let rows: Vec<Value> = planned
        .iter()
        .map(|(at, _)| data.incident_json(&api, &data.incidents[*at], &[]))
        .collect();
    Ok(Json(json!({ "incidents": rows })))
}

#[cfg(test)]
mod tests {
    use super::parse_time;
    use crate::tz::parse_utc;

    #[test]
    fn times_are_read_with_their_offsets() {
        let t = parse_utc("2026-11-01T10:00:00Z");
        assert_eq!(parse_time("2026-11-01T10:00:00Z"), t);
        assert_eq!(parse_time("2026-11-01T12:00:00+02:00"), t);
        assert_eq!(parse_time("2026-11-01T05:00:00-0500"), t);
        assert_eq!(parse_time("2026-11-01T10:00"), t);
        assert_eq!(parse_time("2026-11-01T10:00:00.250Z"), t);
        assert_eq!(parse_time("2026-11-01"), parse_utc("2026-11-01T00:00:00Z"));
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-02-30",
            "2026-11-01T25:00:00Z",
            "2026-11-01T10:00:00+2",
            "2026-11-01X10:00",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
