//! A user's notification rules: `GET` and `POST /users/{id}/notification_rules`.

use super::abilities::require_ability;
use super::body::{invalid, string_field, Body, Payload};
use super::caller::Caller;
use crate::data::NotificationRule;
use crate::error::ApiError;
use crate::state::Shared;
use crate::tz::now_rfc3339;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// The routes of notification rules.
pub fn router() -> Router<Shared> {
    Router::new().route(
        "/users/{id}/notification_rules",
        get(list_notification_rules).post(create_notification_rule),
    )
}

impl Payload for NotificationRule {
    const KEY: Option<&'static str> = Some("notification_rule");
}

/// `GET /users/{id}/notification_rules`: `urgency` high (the default), low or all;
/// `include[]=contact_methods`. Not paginated.
async fn list_notification_rules(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("users:contact_methods.read")?;
    let mut urgency = "high".to_string();
    let mut full_cm = false;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "urgency" if ["high", "low", "all"].contains(&v.as_ref()) => urgency = v.into(),
            "urgency" => {
                return Err(ApiError::InvalidInput(format!(
                    "urgency does not accept \"{v}\"; allowed: high, low, all."
                )))
            }
            "include[]" | "include" if v == "contact_methods" => full_cm = true,
            "include[]" | "include" => {
                return Err(ApiError::InvalidInput(format!(
                    "include[] does not accept \"{v}\"; allowed: contact_methods."
                )))
            }
            _ => {}
        }
    }
    let u = data.user_by_id(&id).ok_or(ApiError::NotFound)?;
    let api = sb.options.api_url();
    let rules: Vec<Value> = u
        .notification_rules
        .iter()
        .filter(|r| urgency == "all" || r.urgency == urgency)
        .map(|r| data.notification_rule_json(&api, u, r, true, full_cm))
        .collect();
    Ok(Json(json!({ "notification_rules": rules })))
}

/// `POST /users/{id}/notification_rules`: 201 with the rule.
async fn create_notification_rule(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Body<NotificationRule>, ApiError>,
) -> Result<Response, ApiError> {
    caller.require_write("users:contact_methods.write")?;
    caller.require_self_or_manager(&id)?;
    let mut data = sb.data_mut();
    let at = data.user_index(&id).ok_or(ApiError::NotFound)?;
    let m = body?.fields;
    if string_field(&m, "type")?.as_deref() != Some("assignment_notification_rule") {
        return Err(invalid("Type must be assignment_notification_rule"));
    }
    let delay = m
        .get("start_delay_in_minutes")
        .and_then(Value::as_u64)
        .and_then(|d| u32::try_from(d).ok())
        .ok_or_else(|| invalid("Start delay in minutes must be a non-negative integer"))?;
    let urgency = match string_field(&m, "urgency")?.as_deref() {
        None | Some("high") => "high",
        // Low urgency needs the `urgencies` ability (spec; 402 without).
        Some("low") => {
            require_ability(&sb.options, "urgencies")?;
            "low"
        }
        Some(_) => return Err(invalid("Urgency must be high or low")),
    };
    let cm_id = m
        .get("contact_method")
        .and_then(|c| c.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let user = &data.users[at];
    let cm = user
        .contact_method_index(cm_id)
        .ok_or_else(|| invalid("Contact method is invalid"))?;
    let duplicate = user.notification_rules.iter().any(|r| {
        r.contact_method == cm && r.start_delay_in_minutes == delay && r.urgency == urgency
    });
    if duplicate {
        return Err(invalid(
            "Channel Start delay must be unique for a given contact method",
        ));
    }
    let rule = NotificationRule {
        id: data.new_id(),
        start_delay_in_minutes: delay,
        contact_method: cm,
        urgency,
        created_at: now_rfc3339(),
    };
    data.users[at].notification_rules.push(rule);
    let user = &data.users[at];
    let v = user
        .notification_rules
        .last()
        .map(|r| data.notification_rule_json(&sb.options.api_url(), user, r, true, false))
        .unwrap_or(Value::Null);
    Ok((StatusCode::CREATED, Json(json!({ "notification_rule": v }))).into_response())
}
