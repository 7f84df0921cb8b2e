//! Users: `GET /users`, `/users/{id}` and `/users/me`; `POST /users`, `PUT` and `DELETE
//! /users/{id}`, with PagerDuty's scopes, permissions and validation texts (reference §8), and
//! the delete's refusals while the user has open incidents or is in a rule or layer (§10.5).

use super::abilities::require_ability;
use super::body::{invalid, string_field, valid_email, Body, Payload};
use super::caller::Caller;
use super::licenses::check_license;
use super::paging::ListQuery;
use crate::data::{ContactMethod, Dataset, NotificationRule, Tier, User};
use crate::error::ApiError;
use crate::options::{DeleteReferenced, Offboarding, Options};
use crate::state::Shared;
use crate::timing::{Timing, LOCK_HOLD};
use crate::tz::{now_rfc3339, rfc3339};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rand::Rng;
use serde_json::{json, Map, Value};

/// The routes of users.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/me", get(get_me))
        .route(
            "/users/{id}",
            get(get_user).put(update_user).delete(delete_user),
        )
}

impl Payload for User {
    const KEY: Option<&'static str> = Some("user");
}

/// `include[]` values of `/users`.
const USER_INCLUDES: &[&str] = &[
    "contact_methods",
    "notification_rules",
    "teams",
    "subdomains",
];
/// `include[]` values of `/users/{id}` and `/users/me` (the list adds no `calendar_urls`).
const USER_ONE_INCLUDES: &[&str] = &[
    "contact_methods",
    "notification_rules",
    "teams",
    "subdomains",
    "calendar_urls",
];
/// Roles the API may set (PagerDuty's spec; `owner` cannot be set).
const SETTABLE_ROLES: &[&str] = &[
    "admin",
    "user",
    "limited_user",
    "observer",
    "restricted_access",
    "read_only_user",
    "read_only_limited_user",
];
/// The ability a role needs (spec; reference §8, §10.7): without it, 402.
fn role_ability(role: &str) -> Option<&'static str> {
    match role {
        "observer" | "restricted_access" => Some("advanced_permissions"),
        "read_only_user" | "read_only_limited_user" => Some("read_only_users"),
        _ => None,
    }
}
/// PagerDuty's user colours (spec).
const COLORS: &[&str] = &[
    "purple",
    "red",
    "green",
    "blue",
    "teal",
    "orange",
    "brown",
    "turquoise",
    "dark-slate-blue",
    "cayenne",
    "dark-orchid",
    "olive",
    "forest-green",
    "navy",
    "indigo",
    "crimson",
    "goldenrod",
];

async fn list_users(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("users.read")?;
    let q = ListQuery::parse(raw, USER_INCLUDES, &[])?;
    caller.require_includes(sb.options.strict_includes, &q.include)?;
    let now = sb.now();
    let rows: Vec<_> = data
        .users
        .iter()
        .filter(|u| {
            q.query.as_ref().is_none_or(|n| {
                u.name.to_lowercase().contains(n) || u.email.to_lowercase().contains(n)
            })
        })
        .filter(|u| q.in_teams(&data, &u.teams))
        .filter(|u| sb.timing.visible(&Timing::key("user", &[&u.id]), now))
        .collect();
    let api = sb.options.api_url();
    Ok(q.page(rows, "users", |u| data.user_json(&api, u, &q.include)))
}

async fn get_user(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("users.read")?;
    let q = ListQuery::parse(raw, USER_ONE_INCLUDES, &[])?;
    caller.require_includes(sb.options.strict_includes, &q.include)?;
    let u = data.user_by_id(&id).ok_or(ApiError::NotFound)?;
    Ok(Json(
        json!({"user": data.user_json(&sb.options.api_url(), u, &q.include)}),
    ))
}

/// `/users/me` declares no scope in PagerDuty's spec: any valid user token may call it.
async fn get_me(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    let q = ListQuery::parse(raw, USER_ONE_INCLUDES, &[])?;
    caller.require_includes(sb.options.strict_includes, &q.include)?;
    Ok(Json(
        json!({"user": data.user_json(&sb.options.api_url(), &caller.user, &q.include)}),
    ))
}

/// The checked fields of a user body; `existing` is the user being changed (PUT).
struct UserFields {
    name: Option<String>,
    email: Option<String>,
    role: Option<&'static str>,
    time_zone: Option<String>,
    color: Option<String>,
    job_title: Option<String>,
    description: Option<String>,
}

fn user_fields(
    data: &Dataset,
    m: &Map<String, Value>,
    existing: Option<&str>,
    options: &Options,
) -> Result<UserFields, ApiError> {
    let creating = existing.is_none();
    let name = string_field(m, "name")?.map(|n| n.trim().to_string());
    match &name {
        None if creating => return Err(invalid("Name can't be blank")),
        Some(n) if n.is_empty() => return Err(invalid("Name can't be blank")),
        Some(n) if n.chars().count() > 100 => {
            return Err(invalid("Name is too long (maximum is 100 characters)"))
        }
        _ => {}
    }
    let email = string_field(m, "email")?.map(|e| e.trim().to_string());
    match &email {
        None if creating => return Err(invalid("Email can't be blank")),
        Some(e) if e.is_empty() => return Err(invalid("Email can't be blank")),
        Some(e) if !valid_email(e) => return Err(invalid("Email is invalid")),
        Some(e) => {
            let taken = data
                .user_by_email(e)
                .is_some_and(|u| Some(u.id.as_str()) != existing);
            if taken {
                return Err(invalid("Email has already been taken"));
            }
        }
        None => {}
    }
    let role = match string_field(m, "role")? {
        None => None,
        Some(r) => match SETTABLE_ROLES.iter().find(|k| **k == r) {
            None => return Err(invalid(format!("Role {r} is not a valid role"))),
            Some(k) => {
                if let Some(ability) = role_ability(k) {
                    require_ability(options, ability)?;
                }
                Some(*k)
            }
        },
    };
    let time_zone = string_field(m, "time_zone")?;
    if let Some(tz) = &time_zone {
        // The names PagerDuty takes (IANA, as tzinfo spells them): the importer's own list.
        if pdscope::bulk::users::zones::canonical(tz) != Some(tz.as_str()) {
            return Err(invalid("Time zone is not a valid time zone"));
        }
    }
    let color = string_field(m, "color")?;
    if let Some(c) = &color {
        if !COLORS.contains(&c.as_str()) {
            return Err(invalid("Color is not a valid color"));
        }
    }
    Ok(UserFields {
        name,
        email,
        role,
        time_zone,
        color,
        job_title: string_field(m, "job_title")?,
        description: string_field(m, "description")?,
    })
}

/// `POST /users`: 201 with the user, who already has a "Default" email contact method for the
/// login address and a "Default" notification rule (spec's example), and is invited.
async fn create_user(
    State(sb): State<Shared>,
    caller: Caller,
    body: Result<Body<User>, ApiError>,
) -> Result<Response, ApiError> {
    caller.require_write("users.write")?;
    caller.require_user_manager()?;
    let m = body?.fields;
    // PagerDuty's account lock: a create begun while another is under way may fail to get it.
    let _creating = if sb.options.lock_contention > 0.0 {
        let creating = sb.timing.begin_create();
        if creating.contended && rand::thread_rng().gen_bool(sb.options.lock_contention) {
            return Err(invalid("Account could not be locked. Please try again."));
        }
        tokio::time::sleep(LOCK_HOLD).await;
        Some(creating)
    } else {
        None
    };
    let mut data = sb.data_mut();
    let f = user_fields(&data, &m, None, &sb.options)?;
    let (Some(name), Some(email)) = (f.name, f.email) else {
        return Err(invalid("Name can't be blank"));
    };
    let role = f.role.unwrap_or("user");
    check_license(&data, role, None, m.get("license"), sb.options.licenses)?;
    let id = data.new_id();
    let cm_id = data.new_id();
    let rule_id = {
        // Distinct from the two above, which are not in the data set yet.
        let mut r = data.new_id();
        while r == id || r == cm_id {
            r = data.new_id();
        }
        r
    };
    let user = User {
        id: id.clone(),
        name,
        email: email.clone(),
        role,
        job_title: f.job_title,
        time_zone: f.time_zone.unwrap_or_else(|| "Etc/UTC".into()),
        color: f.color.unwrap_or_else(|| "purple".into()),
        description: f.description,
        teams: vec![],
        team_roles: vec![],
        contact_methods: vec![ContactMethod {
            id: cm_id,
            kind: "email_contact_method",
            label: "Default".into(),
            address: email,
            country_code: None,
            enabled: true,
            blacklisted: false,
            send_short_email: false,
        }],
        notification_rules: vec![NotificationRule {
            id: rule_id,
            start_delay_in_minutes: 0,
            contact_method: 0,
            urgency: "high",
            created_at: now_rfc3339(),
        }],
        created_via_sso: false,
        invitation_sent: true,
        license_allocated_at: Some(now_rfc3339()),
    };
    sb.timing.written(Timing::key("user", &[&id]), sb.now());
    let at = data.insert_user(user);
    let v = data.user_json(&sb.options.api_url(), &data.users[at], &[]);
    Ok((StatusCode::CREATED, Json(json!({ "user": v }))).into_response())
}

/// `PUT /users/{id}`: changes the given fields; 200 with the user.
async fn update_user(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Body<User>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    caller.require_write("users.write")?;
    caller.require_user_manager()?;
    let mut data = sb.data_mut();
    let at = data.user_index(&id).ok_or(ApiError::NotFound)?;
    let m = body?.fields;
    let f = user_fields(&data, &m, Some(&id), &sb.options)?;
    let old_role = data.users[at].role;
    if f.role.is_some() && old_role == "owner" {
        caller.require_owner_or_self(&data.users[at])?;
        return Err(invalid(
            "The Account Owner's role cannot be changed; transfer the account ownership first",
        ));
    }
    if f.role.is_some() || m.contains_key("license") {
        let role = f.role.unwrap_or(old_role);
        check_license(
            &data,
            role,
            Some(old_role),
            m.get("license"),
            sb.options.licenses,
        )?;
    }
    let user = &mut data.users[at];
    if let Some(n) = f.name {
        user.name = n;
    }
    if let Some(e) = f.email {
        user.email = e;
    }
    if let Some(r) = f.role {
        if Tier::of(r) != Tier::of(user.role) {
            user.license_allocated_at = Some(now_rfc3339());
        }
        user.role = r;
    }
    if let Some(tz) = f.time_zone {
        user.time_zone = tz;
    }
    if let Some(c) = f.color {
        user.color = c;
    }
    if m.contains_key("job_title") {
        user.job_title = f.job_title;
    }
    if m.contains_key("description") {
        user.description = f.description;
    }
    // A new name moves the user in the name order.
    data.sort_users();
    let at = data.user_index(&id).ok_or(ApiError::NotFound)?;
    Ok(Json(
        json!({"user": data.user_json(&sb.options.api_url(), &data.users[at], &[])}),
    ))
}

/// The 400 of a delete while the user has assigned open incidents (PagerDuty's text is unknown).
pub const DELETE_INCIDENTS_TEXT: &str = "User cannot be deleted while they have assigned incidents";
/// The 400 of a delete while the user is in a layer or rule (PagerDuty's text is unknown).
pub const DELETE_REFERENCED_TEXT: &str =
    "User cannot be deleted while they belong to a schedule or an escalation policy";

/// `DELETE /users/{id}`: 204; 400 while the user has assigned open incidents (unless
/// `--offboarding reassign`) or is in a schedule layer or policy rule (unless
/// `--delete-referenced stub`, which leaves a deleted user's stub there).
async fn delete_user(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_write("users.write")?;
    caller.require_user_manager()?;
    let mut data = sb.data_mut();
    let at = data.user_index(&id).ok_or(ApiError::NotFound)?;
    // The Account Owner cannot be deleted, by admins or themselves (reference §10.8).
    if data.users[at].role == "owner" {
        return Err(ApiError::Forbidden);
    }
    let reassign = sb.options.offboarding == Offboarding::Reassign;
    if !reassign && !data.open_incidents_assigned(&id).is_empty() {
        return Err(invalid(DELETE_INCIDENTS_TEXT));
    }
    let stub = sb.options.delete_referenced == DeleteReferenced::Stub;
    if !stub && data.in_rule_or_layer(at) {
        return Err(invalid(DELETE_REFERENCED_TEXT));
    }
    let now = sb.now_secs();
    if reassign {
        data.restart_incidents_of(&id, now, &rfc3339(now));
    }
    if stub {
        data.stub_user(at, &rfc3339(now));
    }
    data.remove_user(at);
    Ok(StatusCode::NO_CONTENT)
}
