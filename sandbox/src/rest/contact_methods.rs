//! A user's contact methods: `GET` and `POST /users/{id}/contact_methods`, `DELETE
//! /users/{id}/contact_methods/{cm}`, with PagerDuty's limits and validation texts. Every
//! kind counts toward the ten (seeded push and WhatsApp ones too); the Account Owner's are
//! theirs alone.

use super::body::{invalid, string_field, valid_email, Body, Payload};
use super::caller::Caller;
use crate::data::ContactMethod;
use crate::error::ApiError;
use crate::state::Shared;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use pdscope::bulk::users::phones;
use serde_json::{json, Value};

/// The routes of contact methods.
pub fn router() -> Router<Shared> {
    Router::new()
        .route(
            "/users/{id}/contact_methods",
            get(list_contact_methods).post(create_contact_method),
        )
        .route(
            "/users/{id}/contact_methods/{cm}",
            delete(delete_contact_method),
        )
}

impl Payload for ContactMethod {
    const KEY: Option<&'static str> = Some("contact_method");
}

const MAX_CONTACT_METHODS: usize = 10;
const MAX_PHONE_OR_SMS: usize = 3;

/// `GET /users/{id}/contact_methods`: every contact method in full, not paginated (PagerDuty's
/// spec gives this list no paging).
async fn list_contact_methods(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("users:contact_methods.read")?;
    let u = data.user_by_id(&id).ok_or(ApiError::NotFound)?;
    Ok(Json(
        json!({"contact_methods": data.contact_methods_json(&sb.options.api_url(), u)}),
    ))
}

/// The kind of a contact method type the API accepts.
fn contact_kind(t: &str) -> Option<&'static str> {
    [
        "email_contact_method",
        "phone_contact_method",
        "sms_contact_method",
    ]
    .into_iter()
    .find(|k| *k == t)
}

/// A phone number as PagerDuty takes it: digits (and `, * #`), at most 40, without the
/// country code or the trunk prefix PagerDuty refuses for that country (`phones`: a `0` in
/// some countries, a `1` in North America and on Mexican SMS).
fn valid_phone(address: &str, country_code: u16, sms: bool) -> bool {
    let first = address.chars().next();
    !address.is_empty()
        && address.len() <= 40
        && address
            .chars()
            .all(|c| c.is_ascii_digit() || [',', '*', '#'].contains(&c))
        && first.is_some_and(|c| c.is_ascii_digit())
        && !phones::starts_with_refused_prefix(address, country_code, sms)
}

/// `POST /users/{id}/contact_methods`: 201 with the contact method.
async fn create_contact_method(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Body<ContactMethod>, ApiError>,
) -> Result<Response, ApiError> {
    caller.require_write("users:contact_methods.write")?;
    caller.require_self_or_manager(&id)?;
    let mut data = sb.data_mut();
    let at = data.user_index(&id).ok_or(ApiError::NotFound)?;
    caller.require_owner_or_self(&data.users[at])?;
    let m = body?.fields;
    let kind = string_field(&m, "type")?
        .as_deref()
        .and_then(contact_kind)
        .ok_or_else(|| invalid("Type is not a valid contact method type"))?;
    let address = string_field(&m, "address")?.unwrap_or_default();
    let label = string_field(&m, "label")?
        .filter(|l| !l.trim().is_empty())
        .ok_or_else(|| invalid("Label can't be blank"))?;
    let country_code = if kind == "email_contact_method" {
        if !valid_email(&address) {
            return Err(invalid("Address is invalid"));
        }
        None
    } else {
        let cc = m
            .get("country_code")
            .and_then(Value::as_u64)
            .filter(|c| (1..=1999).contains(c))
            .ok_or_else(|| invalid("Country code is invalid"))?;
        if !valid_phone(&address, cc as u16, kind == "sms_contact_method") {
            return Err(invalid("Address is invalid"));
        }
        Some(cc as u16)
    };
    let user = &data.users[at];
    let duplicate = user.contact_methods.iter().any(|c| {
        c.kind == kind && c.address.eq_ignore_ascii_case(&address) && c.country_code == country_code
    });
    if duplicate {
        return Err(invalid("User Contact method must be unique"));
    }
    if user.contact_methods.len() >= MAX_CONTACT_METHODS {
        return Err(invalid(format!(
            "User cannot have more than {MAX_CONTACT_METHODS} contact methods"
        )));
    }
    if kind != "email_contact_method"
        && user
            .contact_methods
            .iter()
            .filter(|c| c.kind == kind)
            .count()
            >= MAX_PHONE_OR_SMS
    {
        let what = if kind == "sms_contact_method" {
            "SMS"
        } else {
            "phone"
        };
        return Err(invalid(format!(
            "User cannot have more than {MAX_PHONE_OR_SMS} {what} contact methods"
        )));
    }
    let cm = ContactMethod {
        id: data.new_id(),
        kind,
        label,
        address,
        country_code,
        enabled: true,
        blacklisted: false,
        send_short_email: m
            .get("send_short_email")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    };
    data.users[at].contact_methods.push(cm);
    let user = &data.users[at];
    let v = data
        .contact_methods_json(&sb.options.api_url(), user)
        .pop()
        .unwrap_or(Value::Null);
    Ok((StatusCode::CREATED, Json(json!({ "contact_method": v }))).into_response())
}

/// `DELETE /users/{id}/contact_methods/{cm}`: 204; its notification rules go with it.
async fn delete_contact_method(
    State(sb): State<Shared>,
    caller: Caller,
    Path((id, cm)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require_write("users:contact_methods.write")?;
    caller.require_self_or_manager(&id)?;
    let mut data = sb.data_mut();
    let at = data.user_index(&id).ok_or(ApiError::NotFound)?;
    caller.require_owner_or_self(&data.users[at])?;
    let user = &mut data.users[at];
    let k = user.contact_method_index(&cm).ok_or(ApiError::NotFound)?;
    user.contact_methods.remove(k);
    user.notification_rules.retain(|r| r.contact_method != k);
    for r in &mut user.notification_rules {
        if r.contact_method > k {
            r.contact_method -= 1;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
