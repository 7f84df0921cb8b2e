//! Integrations on a service: `POST /services/{id}/integrations` and `GET
//! /services/{id}/integrations/{integration_id}` (reference §11). Names are not unique, as on
//! PagerDuty: a retried create makes a second integration with a second key. There is no list
//! and no delete (PagerDuty's spec has neither); `include[]=integrations` on services lists
//! them.

use super::body::{invalid, name_field, string_field, Body, Payload};
use super::caller::Caller;
use super::paging::ListQuery;
use crate::data::{integration_key, takes_events, Integration};
use crate::error::ApiError;
use crate::state::Shared;
use crate::timing::Timing;
use crate::tz::now_rfc3339;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// The routes of integrations.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/services/{id}/integrations", post(create_integration))
        .route(
            "/services/{id}/integrations/{integration_id}",
            get(get_integration),
        )
}

impl Payload for Integration {
    const KEY: Option<&'static str> = Some("integration");
}

/// The integration types PagerDuty's spec lists (`Integration.type`).
const KINDS: &[&str] = &[
    "aws_cloudwatch_inbound_integration",
    "cloudkick_inbound_integration",
    "event_transformer_api_inbound_integration",
    "generic_email_inbound_integration",
    "generic_events_api_inbound_integration",
    "keynote_inbound_integration",
    "nagios_inbound_integration",
    "pingdom_inbound_integration",
    "sql_monitor_inbound_integration",
    "events_api_v2_inbound_integration",
];

/// `POST /services/{id}/integrations`: 201 with the integration (its key only under
/// `--integration-key-on-create`); 400 while the service is newer than
/// `--integration-create-lag-ms`. The service is the path's; a `service` in the body is
/// not read. A `vendor` instead of a `type` is not supported (no vendors are seeded).
async fn create_integration(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Body<Integration>, ApiError>,
) -> Result<Response, ApiError> {
    caller.require_write("services.write")?;
    caller.require_manager_role()?;
    let mut data = sb.data_mut();
    let at = data.service_index(&id).ok_or(ApiError::NotFound)?;
    if sb.timing.service_too_new(&id, sb.now()) {
        return Err(invalid(
            "Service is not ready for integrations yet (--integration-create-lag-ms)",
        ));
    }
    let m = body?.fields;
    let name = name_field(&m, 255)?;
    let kind = match string_field(&m, "type")? {
        None => return Err(invalid("Type can't be blank")),
        Some(t) => KINDS
            .iter()
            .find(|k| **k == t)
            .ok_or_else(|| invalid("Type is not a valid integration type"))?,
    };
    let integration = Integration {
        id: data.new_id(),
        kind,
        name,
        created_at: Some(now_rfc3339()),
        integration_key: takes_events(kind).then(|| integration_key(&mut rand::thread_rng())),
    };
    sb.timing
        .written(Timing::key("integration", &[&integration.id]), sb.now());
    data.services[at].integrations.push(integration);
    let s = &data.services[at];
    let i = s.integrations.last().ok_or(ApiError::NotFound)?;
    let mut v = data.integration_json(&sb.options.api_url(), s, i, true);
    if !sb.options.integration_key_on_create {
        if let Some(o) = v.as_object_mut() {
            o.remove("integration_key");
        }
    }
    Ok((StatusCode::CREATED, Json(json!({ "integration": v }))).into_response())
}

/// `GET /services/{id}/integrations/{integration_id}`: the integration in full, with its key;
/// `include[]=services` gives its service in full.
async fn get_integration(
    State(sb): State<Shared>,
    caller: Caller,
    Path((id, integration_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("services.read")?;
    let q = ListQuery::parse(raw, &["services", "vendors"], &[])?;
    caller.require_includes(sb.options.strict_includes, &q.include)?;
    let s = data
        .service_by_id(&id)
        .filter(|s| data.can_see_service(&caller.user, s))
        .ok_or(ApiError::NotFound)?;
    let i = s
        .integrations
        .iter()
        .find(|i| i.id == integration_id)
        .ok_or(ApiError::NotFound)?;
    let api = sb.options.api_url();
    let mut v = data.integration_json(&api, s, i, true);
    if q.include.iter().any(|x| x == "services") {
        v["service"] = data.service_json(&api, s, &[]);
    }
    Ok(Json(json!({ "integration": v })))
}
