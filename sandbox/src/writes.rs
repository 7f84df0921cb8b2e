//! REST API v2 writes for bulk onboarding: users, contact methods and notification rules, with
//! PagerDuty's scopes, permissions and validation texts (reference §8).

use crate::api::Caller;
use crate::data::{ContactMethod, Dataset, NotificationRule, User};
use crate::error::ApiError;
use crate::state::Shared;
use crate::tz::Zone;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

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
/// Roles that need the `advanced_permissions` ability, which the sandbox's account lacks
/// (`GET /abilities`).
const ADVANCED_ROLES: &[&str] = &["observer", "restricted_access"];
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
const MAX_CONTACT_METHODS: usize = 10;
const MAX_PHONE_OR_SMS: usize = 3;

fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::InvalidInput(detail.into())
}

/// The object under `key` in a JSON body (`{"user":{…}}`); anything else is 400 code 2001.
fn body_object(body: &Bytes, key: &str) -> Result<Map<String, Value>, ApiError> {
    let v: Value =
        serde_json::from_slice(body).map_err(|_| invalid("The request body is not valid JSON."))?;
    match v.get(key) {
        Some(Value::Object(m)) => Ok(m.clone()),
        _ => Err(invalid(format!("{key} is required."))),
    }
}

/// A string field: `Ok(None)` when absent or null, 400 when not a string.
fn string_field(m: &Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("{} must be a string", capitalized(key)))),
    }
}

fn capitalized(key: &str) -> String {
    let words = key.replace('_', " ");
    let mut c = words.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// A plausible e-mail address: one `@`, a local part, a dotted domain, no spaces.
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Only the account owner and admins may create, change or delete users (PagerDuty help
/// centre); scopes cannot widen a person's permissions.
fn require_user_manager(caller: &Caller) -> Result<(), ApiError> {
    if ["owner", "admin"].contains(&caller.user.role) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// A person may change their own contact methods and rules; owners and admins anyone's.
fn require_self_or_manager(caller: &Caller, user_id: &str) -> Result<(), ApiError> {
    if caller.user.id == user_id {
        Ok(())
    } else {
        require_user_manager(caller)
    }
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
            Some(k) if ADVANCED_ROLES.contains(k) => {
                return Err(invalid(format!(
                    "Role {r} requires the advanced_permissions ability, which this account does not have"
                )))
            }
            Some(k) => Some(*k),
        },
    };
    let time_zone = string_field(m, "time_zone")?;
    if let Some(tz) = &time_zone {
        if Zone::named(tz).is_none() {
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

fn user_index(data: &Dataset, id: &str) -> Result<usize, ApiError> {
    data.users
        .iter()
        .position(|u| u.id == id)
        .ok_or(ApiError::NotFound)
}

fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    crate::tz::rfc3339(secs)
}

/// `POST /users`: 201 with the user, who already has a "Default" email contact method for the
/// login address and a "Default" notification rule (spec's example), and is invited.
pub async fn create_user(
    State(sb): State<Shared>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_write("users.write")?;
    require_user_manager(&caller)?;
    let m = body_object(&body, "user")?;
    let mut data = sb.data_mut();
    let f = user_fields(&data, &m, None)?;
    let (Some(name), Some(email)) = (f.name, f.email) else {
        return Err(invalid("Name can't be blank"));
    };
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
        role: f.role.unwrap_or("user"),
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
    };
    let at = data.insert_user(user);
    let v = data.user_json(&sb.options.api_url(), &data.users[at], &[]);
    Ok((StatusCode::CREATED, Json(json!({ "user": v }))).into_response())
}

/// `PUT /users/{id}`: changes the given fields; 200 with the user.
pub async fn update_user(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.require_write("users.write")?;
    require_user_manager(&caller)?;
    let mut data = sb.data_mut();
    let at = user_index(&data, &id)?;
    let m = body_object(&body, "user")?;
    let f = user_fields(&data, &m, Some(&id))?;
    let user = &mut data.users[at];
    if let Some(n) = f.name {
        user.name = n;
    }
    if let Some(e) = f.email {
        user.email = e;
    }
    if let Some(r) = f.role {
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
    let at = user_index(&data, &id)?;
    Ok(Json(
        json!({"user": data.user_json(&sb.options.api_url(), &data.users[at], &[])}),
    ))
}

/// `DELETE /users/{id}`: 204.
pub async fn delete_user(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_write("users.write")?;
    require_user_manager(&caller)?;
    let mut data = sb.data_mut();
    let at = user_index(&data, &id)?;
    data.remove_user(at);
    Ok(StatusCode::NO_CONTENT)
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
/// country code or a trunk prefix (`0`; `1` in North America).
fn valid_phone(address: &str, country_code: u64) -> bool {
    let first = address.chars().next();
    !address.is_empty()
        && address.len() <= 40
        && address
            .chars()
            .all(|c| c.is_ascii_digit() || [',', '*', '#'].contains(&c))
        && first.is_some_and(|c| c.is_ascii_digit())
        && first != Some('0')
        && !(country_code == 1 && first == Some('1'))
}

/// `POST /users/{id}/contact_methods`: 201 with the contact method.
pub async fn create_contact_method(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_write("users:contact_methods.write")?;
    require_self_or_manager(&caller, &id)?;
    let mut data = sb.data_mut();
    let at = user_index(&data, &id)?;
    let m = body_object(&body, "contact_method")?;
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
        if !valid_phone(&address, cc) {
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
pub async fn delete_contact_method(
    State(sb): State<Shared>,
    caller: Caller,
    Path((id, cm)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require_write("users:contact_methods.write")?;
    require_self_or_manager(&caller, &id)?;
    let mut data = sb.data_mut();
    let at = user_index(&data, &id)?;
    let user = &mut data.users[at];
    let k = user
        .contact_methods
        .iter()
        .position(|c| c.id == cm)
        .ok_or(ApiError::NotFound)?;
    user.contact_methods.remove(k);
    user.notification_rules.retain(|r| r.contact_method != k);
    for r in &mut user.notification_rules {
        if r.contact_method > k {
            r.contact_method -= 1;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /users/{id}/notification_rules`: 201 with the rule.
pub async fn create_notification_rule(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_write("users:contact_methods.write")?;
    require_self_or_manager(&caller, &id)?;
    let mut data = sb.data_mut();
    let at = user_index(&data, &id)?;
    let m = body_object(&body, "notification_rule")?;
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
        // The account has the `urgencies` ability (GET /abilities), so low is allowed.
        Some("low") => "low",
        Some(_) => return Err(invalid("Urgency must be high or low")),
    };
    let cm_id = m
        .get("contact_method")
        .and_then(|c| c.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let user = &data.users[at];
    let cm = user
        .contact_methods
        .iter()
        .position(|c| c.id == cm_id)
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

/// Teams and services: owners, admins and the `user` role (PagerDuty's Manager base role) may
/// change them; Responders (`limited_user`), Observers, Restricted Access and Stakeholders not.
fn require_manager_role(caller: &Caller) -> Result<(), ApiError> {
    if ["owner", "admin", "user"].contains(&caller.user.role) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// A required, trimmed name of at most `max` characters.
fn name_field(m: &Map<String, Value>, max: usize) -> Result<String, ApiError> {
    let name = string_field(m, "name")?.map(|n| n.trim().to_string());
    match name {
        Some(n) if n.chars().count() > max => Err(invalid(format!(
            "Name is too long (maximum is {max} characters)"
        ))),
        Some(n) if !n.is_empty() => Ok(n),
        _ => Err(invalid("Name can't be blank")),
    }
}

/// `POST /teams`: 201 with the team; names are unique.
pub async fn create_team(
    State(sb): State<Shared>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_write("teams.write")?;
    require_manager_role(&caller)?;
    let m = body_object(&body, "team")?;
    let mut data = sb.data_mut();
    let name = name_field(&m, 100)?;
    if data
        .teams
        .iter()
        .any(|t| t.name.eq_ignore_ascii_case(&name))
    {
        return Err(invalid("Name has already been taken"));
    }
    let team = crate::data::Team {
        id: data.new_id(),
        name,
        description: string_field(&m, "description")?,
    };
    data.teams.push(team);
    let v = data.team_json(&sb.options.api_url(), data.teams.len() - 1, true);
    Ok((StatusCode::CREATED, Json(json!({ "team": v }))).into_response())
}

/// `PUT /teams/{id}/users/{user_id}`: adds the user (or changes their role), 204. A
/// `read_only_user` cannot be on a team (spec).
pub async fn add_team_member(
    State(sb): State<Shared>,
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    caller.require_write("teams.write")?;
    require_manager_role(&caller)?;
    let mut data = sb.data_mut();
    let t = crate::api::team_index(&data, &id)?;
    let at = user_index(&data, &user_id)?;
    // The body is optional.
    let role = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let v: Value = serde_json::from_slice(&body)
            .map_err(|_| invalid("The request body is not valid JSON."))?;
        match v.get("role") {
            None | Some(Value::Null) => None,
            Some(r) => Some(
                ["observer", "responder", "manager"]
                    .into_iter()
                    .find(|k| r.as_str() == Some(*k))
                    .ok_or_else(|| invalid("Role must be one of observer, responder, manager"))?,
            ),
        }
    };
    let user = &mut data.users[at];
    if user.role == "read_only_user" {
        return Err(invalid("A read_only_user cannot be added to a team"));
    }
    let role = role.unwrap_or("manager");
    match user.teams.iter().position(|x| *x == t) {
        Some(k) => user.team_roles[k] = role,
        None => {
            user.teams.push(t);
            user.team_roles.push(role);
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /teams/{id}/users/{user_id}`: 204; a user not on the team is 404.
pub async fn remove_team_member(
    State(sb): State<Shared>,
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require_write("teams.write")?;
    require_manager_role(&caller)?;
    let mut data = sb.data_mut();
    let t = crate::api::team_index(&data, &id)?;
    let at = user_index(&data, &user_id)?;
    let user = &mut data.users[at];
    let k = user
        .teams
        .iter()
        .position(|x| *x == t)
        .ok_or(ApiError::NotFound)?;
    user.teams.remove(k);
    user.team_roles.remove(k);
    Ok(StatusCode::NO_CONTENT)
}

/// The escalation policy a service body names: required, and must exist.
fn policy_field(data: &Dataset, m: &Map<String, Value>) -> Result<Option<usize>, ApiError> {
    match m.get("escalation_policy") {
        None | Some(Value::Null) => Ok(None),
        Some(ep) => {
            let id = ep.get("id").and_then(Value::as_str).unwrap_or_default();
            data.policies
                .iter()
                .position(|p| p.id == id)
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

fn service_status(m: &Map<String, Value>, default: &'static str) -> Result<&'static str, ApiError> {
    match string_field(m, "status")? {
        None => Ok(default),
        Some(s) => ["active", "warning", "critical", "maintenance", "disabled"]
            .into_iter()
            .find(|k| *k == s)
            .ok_or_else(|| invalid("Status is not a valid status")),
    }
}

fn service_name_taken(data: &Dataset, name: &str, except: Option<&str>) -> bool {
    data.services
        .iter()
        .any(|s| s.name.eq_ignore_ascii_case(name) && Some(s.id.as_str()) != except)
}

fn sort_services(data: &mut Dataset) {
    data.services
        .sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));
}

fn service_answer(sb: &Shared, data: &Dataset, id: &str) -> Value {
    data.services
        .iter()
        .find(|s| s.id == id)
        .map(|s| data.service_json(&sb.options.api_url(), s, &[]))
        .unwrap_or(Value::Null)
}

/// `POST /services`: 201; an escalation policy is required, names are unique, and the
/// service's teams are its policy's (spec: read-only, they follow the policy).
pub async fn create_service(
    State(sb): State<Shared>,
    caller: Caller,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_write("services.write")?;
    require_manager_role(&caller)?;
    let m = body_object(&body, "service")?;
    let mut data = sb.data_mut();
    let name = name_field(&m, 255)?;
    if service_name_taken(&data, &name, None) {
        return Err(invalid("Name has already been taken"));
    }
    let policy =
        policy_field(&data, &m)?.ok_or_else(|| invalid("Escalation policy can't be blank"))?;
    let urgency = match m
        .get("incident_urgency_rule")
        .and_then(|r| r.get("urgency"))
        .and_then(Value::as_str)
    {
        Some("low") => crate::data::Urgency::Constant("low"),
        _ => crate::data::Urgency::Constant("high"),
    };
    let id = data.new_id();
    let service = crate::data::Service {
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
    sort_services(&mut data);
    let v = service_answer(&sb, &data, &id);
    Ok((StatusCode::CREATED, Json(json!({ "service": v }))).into_response())
}

fn service_index(data: &Dataset, id: &str) -> Result<usize, ApiError> {
    data.services
        .iter()
        .position(|s| s.id == id)
        .ok_or(ApiError::NotFound)
}

/// `PUT /services/{id}`: changes the given fields; 200 with the service.
pub async fn update_service(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    caller.require_write("services.write")?;
    require_manager_role(&caller)?;
    let mut data = sb.data_mut();
    let at = service_index(&data, &id)?;
    let m = body_object(&body, "service")?;
    let name = if m.contains_key("name") {
        let n = name_field(&m, 255)?;
        if service_name_taken(&data, &n, Some(&id)) {
            return Err(invalid("Name has already been taken"));
        }
        Some(n)
    } else {
        None
    };
    let policy = policy_field(&data, &m)?;
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
    sort_services(&mut data);
    Ok(Json(json!({"service": service_answer(&sb, &data, &id)})))
}

/// `DELETE /services/{id}`: 204.
pub async fn delete_service(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_write("services.write")?;
    require_manager_role(&caller)?;
    let mut data = sb.data_mut();
    let at = service_index(&data, &id)?;
    data.services.remove(at);
    Ok(StatusCode::NO_CONTENT)
}
