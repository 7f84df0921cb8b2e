//! Schedule overrides: `GET` and `POST /schedules/{id}/overrides`, `DELETE
//! /schedules/{id}/overrides/{override_id}` (reference §10.1, §10.3): the GET needs `since`
//! and `until` and answers 201 as the spec says, the POST answers 201 with a status per
//! item (so a 201 can hide failures), the DELETE is 204, or 200 when an override in progress
//! is cut to now, and refused for a past one.

use super::body::{invalid, Body, Payload};
use super::caller::Caller;
use super::members::{fresh_ids, member_of, time_field};
use super::paging::value;
use super::schedules::time_param;
use crate::data::{Dataset, Override};
use crate::error::ApiError;
use crate::state::Shared;
use crate::tz::Zone;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{json, Value};

/// The routes of overrides.
pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/schedules/{id}/overrides",
            get(list_overrides).post(create_overrides),
        )
        .route(
            "/schedules/{id}/overrides/{override_id}",
            delete(delete_override),
        )
}

/// The body of `POST /schedules/{id}/overrides`: `{"overrides":[…]}`, or the deprecated
/// single `{"override":{…}}`.
struct Overrides;

impl Payload for Overrides {
    const KEY: Option<&'static str> = None;
}

const STAKEHOLDERS: &str = "Stakeholders cannot be added to schedules";

/// `GET /schedules/{id}/overrides?since=…&until=…`: the overrides overlapping the range, cut
/// at it unless `overflow=true`; `editable=true`: only future ones, ids only.
async fn list_overrides(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let data = sb.data();
    caller.require("schedules.read")?;
    let s = data.schedule_index(&id).ok_or(ApiError::NotFound)?;
    let sched = &data.schedules[s];
    let zone = sched.zone();
    let (Some(since), Some(until)) = (
        time_param(&raw, "since", zone)?,
        time_param(&raw, "until", zone)?,
    ) else {
        return Err(invalid("since and until are required"));
    };
    if until < since {
        return Err(invalid("until must not be before since"));
    }
    let overflow = value(&raw, "overflow").as_deref() == Some("true");
    let editable = value(&raw, "editable").as_deref() == Some("true");
    let now = sb.now_secs();
    let mut found: Vec<&Override> = sched
        .overrides
        .iter()
        .filter(|o| o.start < until.max(since + 1) && o.end > since)
        .filter(|o| !editable || o.start > now)
        .collect();
    found.sort_by_key(|o| (o.start, o.end));
    let api = sb.options.api_url();
    let list: Vec<Value> = found
        .iter()
        .map(|o| {
            if editable {
                json!({ "id": o.id })
            } else {
                let cut = (!overflow).then_some((since, until));
                data.override_json(&api, o, Some(zone), cut)
            }
        })
        .collect();
    Ok((StatusCode::CREATED, Json(json!({ "overrides": list }))).into_response())
}

/// One requested override, checked: the override, or the errors of its item. Naive times are
/// read in its `time_zone`, else the schedule's.
fn override_in(
    data: &Dataset,
    item: &Value,
    id: String,
    default_zone: Zone,
) -> Result<Override, String> {
    let zone = item
        .get("time_zone")
        .and_then(Value::as_str)
        .and_then(Zone::named)
        .unwrap_or(default_zone);
    let text = |e: ApiError| match e {
        ApiError::InvalidInput(t) => t,
        _ => "Invalid override".to_string(),
    };
    (|| {
        let start = time_field(item, "start", zone).map_err(text)?;
        let end = time_field(item, "end", zone).map_err(text)?;
        if end <= start {
            return Err("Override must end after its start".to_string());
        }
        let reference = item.get("user").unwrap_or(&Value::Null);
        let user = member_of(data, reference, &[], STAKEHOLDERS).map_err(|e| match e {
            ApiError::NotFound => format!(
                "User {} was not found",
                reference
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            ),
            e => text(e),
        })?;
        Ok(Override {
            id,
            start,
            end,
            user,
        })
    })()
}

/// What an item that failed is answered with: what was sent, the user as a reference when
/// they are known.
fn echo(data: &Dataset, api: &str, item: &Value) -> Value {
    let mut v =
        json!({"start": item.get("start"), "end": item.get("end"), "user": item.get("user")});
    let id = item
        .pointer("/user/id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(u) = data.user_by_id(id) {
        v["user"] = data.user_reference(api, u);
    }
    v
}

/// `POST /schedules/{id}/overrides`: 201 with `[{"status","errors"?,"override"}]`, one per
/// item, times in UTC (as the spec's example); the deprecated single form answers 201
/// `{"override":…}` or the error envelope.
async fn create_overrides(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Body<Overrides>, ApiError>,
) -> Result<Response, ApiError> {
    caller.require_write("schedules.write")?;
    caller.require_manager_role()?;
    let mut data = sb.data_mut();
    let s = data.schedule_index(&id).ok_or(ApiError::NotFound)?;
    let m = body?.fields;
    let zone = data.schedules[s].zone();
    let api = sb.options.api_url();
    if let Some(single) = m.get("override").filter(|o| o.is_object()) {
        let new_id = fresh_ids(&data, 1).remove(0);
        let o = override_in(&data, single, new_id, zone).map_err(invalid)?;
        let v = data.override_json(&api, &o, None, None);
        data.schedules[s].overrides.push(o);
        return Ok((StatusCode::CREATED, Json(json!({ "override": v }))).into_response());
    }
    let items = m
        .get("overrides")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| invalid("overrides is required."))?;
    let mut ids = fresh_ids(&data, items.len()).into_iter();
    let mut answers = Vec::with_capacity(items.len());
    for item in items {
        let checked = override_in(&data, item, ids.next().unwrap_or_default(), zone);
        answers.push(match checked {
            Ok(o) => {
                let v = data.override_json(&api, &o, None, None);
                data.schedules[s].overrides.push(o);
                json!({"status": 201, "override": v})
            }
            Err(e) => json!({"status": 400, "errors": [e], "override": echo(&data, &api, item)}),
        });
    }
    Ok((StatusCode::CREATED, Json(json!(answers))).into_response())
}

/// `DELETE /schedules/{id}/overrides/{override_id}`: 204 for a future override; 200 for one
/// in progress, cut to now; a past one is refused (spec: "You cannot remove a past
/// override"; its status is not documented: 400 here).
async fn delete_override(
    State(sb): State<Shared>,
    caller: Caller,
    Path((id, override_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require_write("schedules.write")?;
    caller.require_manager_role()?;
    let mut data = sb.data_mut();
    let s = data.schedule_index(&id).ok_or(ApiError::NotFound)?;
    let overrides = &mut data.schedules[s].overrides;
    let at = overrides
        .iter()
        .position(|o| o.id == override_id)
        .ok_or(ApiError::NotFound)?;
    let now = sb.now_secs();
    if overrides[at].end <= now {
        return Err(invalid("You cannot remove a past override"));
    }
    if overrides[at].start > now {
        overrides.remove(at);
        Ok(StatusCode::NO_CONTENT)
    } else {
        overrides[at].end = now;
        Ok(StatusCode::OK)
    }
}
