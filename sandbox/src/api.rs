//! REST API v2: services and users, with PagerDuty's classic pagination, permissions and
//! scopes, rate limits, CORS, and faults on demand.

use crate::data::{Dataset, User};
use crate::error::ApiError;
use crate::state::{Shared, Window, RATE_WINDOW};
use crate::tz::{parse_utc, Zone};
use crate::writes;
use axum::extract::{FromRequestParts, Path, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use rand::Rng;
use serde_json::{json, Value};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The request headers PagerDuty's CORS preflight allows.
pub const ALLOWED_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "from",
    "x-early-access",
    "x-pagerduty-api-local",
    "user-agent",
];
/// PagerDuty refuses `offset + limit` above this.
pub const OFFSET_CEILING: i64 = 10_000;
const RATE_HEADERS: [&str; 3] = ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"];

pub fn router(shared: Shared) -> Router {
    let mut cors = CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers(
            ALLOWED_HEADERS
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect::<Vec<_>>(),
        );
    if shared.options.expose_rate_limit_headers {
        cors = cors.expose_headers(
            RATE_HEADERS
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect::<Vec<_>>(),
        );
    }
    Router::new()
        .route("/services", get(list_services).post(writes::create_service))
        .route(
            "/services/{id}",
            get(get_service)
                .put(writes::update_service)
                .delete(writes::delete_service),
        )
        .route("/users", get(list_users).post(writes::create_user))
        .route("/users/me", get(get_me))
        .route(
            "/users/{id}",
            get(get_user)
                .put(writes::update_user)
                .delete(writes::delete_user),
        )
        .route(
            "/users/{id}/contact_methods",
            get(list_contact_methods).post(writes::create_contact_method),
        )
        .route(
            "/users/{id}/contact_methods/{cm}",
            delete(writes::delete_contact_method),
        )
        .route(
            "/users/{id}/notification_rules",
            get(list_notification_rules).post(writes::create_notification_rule),
        )
        .route("/teams", get(list_teams).post(writes::create_team))
        .route(
            "/teams/{id}/users/{user_id}",
            put(writes::add_team_member).delete(writes::remove_team_member),
        )
        .route("/teams/{id}", get(get_team))
        .route("/teams/{id}/members", get(list_members))
        .route("/escalation_policies", get(list_policies))
        .route("/abilities", get(list_abilities))
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            limits_and_faults,
        ))
        .layer(cors)
        .layer(middleware::from_fn_with_state(shared.clone(), latency))
        .with_state(shared)
}

/// The network's round trip, for every request to the API host: a CORS preflight is a round
/// trip too, and a browser sends one before each cross-origin request with `Authorization`
/// (its preflight cache is per URL, so before each page of a list).
async fn latency(State(sb): State<Shared>, req: Request, next: Next) -> Response {
    if sb.options.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(sb.options.latency_ms)).await;
    }
    next.run(req).await
}

/// The user and scopes behind a valid bearer token.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub scopes: Vec<String>,
    pub client_id: String,
}

impl Caller {
    /// Classic `read`/`write` cover every read; scoped tokens need the named scope.
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self
            .scopes
            .iter()
            .any(|s| s == "read" || s == "write" || s == scope)
        {
            Ok(())
        } else {
            Err(ApiError::MissingScopes {
                required: scope.to_string(),
                token: self.scopes.join(" "),
            })
        }
    }
}

impl Caller {
    /// Writes: Classic `write` (not `read`), or the named Scoped scope. A Scoped `*.write`
    /// grants no read, as `require` only takes the exact scope (reference §3).
    pub fn require_write(&self, scope: &str) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == "write" || s == scope) {
            Ok(())
        } else {
            Err(ApiError::MissingScopes {
                required: scope.to_string(),
                token: self.scopes.join(" "),
            })
        }
    }
}

/// The scope an `include[]` value needs of its own under `--strict-includes`.
fn include_scope(include: &str) -> Option<&'static str> {
    match include {
        "teams" => Some("teams.read"),
        "contact_methods" | "notification_rules" => Some("users:contact_methods.read"),
        _ => None,
    }
}

/// Under `--strict-includes`, the scopes of the included objects (the first one missing
/// answers the 403). Classic `read`/`write` cover them, as every read.
fn require_includes(sb: &Shared, caller: &Caller, include: &[String]) -> Result<(), ApiError> {
    if !sb.options.strict_includes {
        return Ok(());
    }
    include
        .iter()
        .filter_map(|i| include_scope(i))
        .try_for_each(|scope| caller.require(scope))
}

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Looks a token up: unknown, expired and revoked tokens (or families) are `None`.
fn resolve(sb: &Shared, token: &str) -> Option<Caller> {
    let inner = sb.lock();
    let access = inner.access.get(token)?;
    let family = inner.families.get(&access.family)?;
    if access.revoked || family.revoked || access.expires <= sb.now() {
        return None;
    }
    Some(Caller {
        user: sb.data().user_by_id(&family.user_id)?.clone(),
        scopes: family.scopes.clone(),
        client_id: family.client_id.clone(),
    })
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, sb: &Shared) -> Result<Self, Self::Rejection> {
        bearer(parts)
            .and_then(|t| resolve(sb, &t))
            .ok_or(if sb.options.plain_401 {
                ApiError::UnauthorizedPlain
            } else {
                ApiError::Unauthorized
            })
    }
}

/// The per-app-per-user rate limit with its headers, and injected failures.
async fn limits_and_faults(State(sb): State<Shared>, req: Request, next: Next) -> Response {
    if req.method() == Method::OPTIONS {
        return next.run(req).await;
    }
    let o = &sb.options;
    let (parts, body) = req.into_parts();
    let caller = bearer(&parts).and_then(|t| resolve(&sb, &t));
    let req = Request::from_parts(parts, body);
    let mut headers = None;
    if let Some(c) = &caller {
        let now = sb.now();
        let mut inner = sb.lock();
        let w = inner
            .windows
            .entry((c.client_id.clone(), c.user.id.clone()))
            .or_insert(Window {
                start: now,
                count: 0,
            });
        if now.saturating_duration_since(w.start) >= RATE_WINDOW {
            *w = Window {
                start: now,
                count: 0,
            };
        }
        let age = now.saturating_duration_since(w.start).as_secs();
        let reset = RATE_WINDOW.as_secs().saturating_sub(age).max(1);
        let limited = w.count >= o.rate_limit;
        if !limited {
            w.count += 1;
        }
        headers = Some((o.rate_limit, o.rate_limit - w.count, reset));
        if limited {
            drop(inner);
            return with_rate_headers(ApiError::RateLimited.into_response(), headers);
        }
    }
    let write = ![Method::GET, Method::HEAD].contains(req.method());
    let fault = o.fail_rate > 0.0 && rand::thread_rng().gen_bool(o.fail_rate);
    let resp = if fault {
        let statuses = [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::BAD_GATEWAY,
            StatusCode::SERVICE_UNAVAILABLE,
        ];
        ApiError::Fault(statuses[rand::thread_rng().gen_range(0..3)]).into_response()
    } else {
        let resp = next.run(req).await;
        if write && resp.status().is_success() {
            if let Err(e) = sb.save_state() {
                eprintln!("pd-sandbox: {e}");
            }
        }
        // The write is applied; only its answer is lost on the way back.
        let lost = write
            && resp.status().is_success()
            && o.lost_response_rate > 0.0
            && rand::thread_rng().gen_bool(o.lost_response_rate);
        if lost {
            ApiError::LostResponse.into_response()
        } else {
            resp
        }
    };
    with_rate_headers(resp, headers)
}

fn with_rate_headers(mut resp: Response, h: Option<(u32, u32, u64)>) -> Response {
    if let Some((limit, remaining, reset)) = h {
        for (name, value) in RATE_HEADERS
            .iter()
            .zip([limit as u64, remaining as u64, reset])
        {
            if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
                resp.headers_mut().insert(*name, v);
            }
        }
    }
    resp
}

/// Parsed list parameters.
#[derive(Debug, Default)]
struct ListQuery {
    limit: i64,
    offset: i64,
    total: bool,
    query: Option<String>,
    team_ids: Vec<String>,
    include: Vec<String>,
    sort_desc: bool,
    /// `name`: the exact name (`/services`).
    name: Option<String>,
    /// `time_zone` (`/services`).
    time_zone: Option<String>,
}

fn parse_number(name: &str, v: &str) -> Result<i64, ApiError> {
    v.trim()
        .parse::<i64>()
        .map_err(|_| ApiError::InvalidInput(format!("{name} must be an integer, not \"{v}\".")))
}

fn list_query(
    raw: Option<String>,
    includes: &[&str],
    sorts: &[&str],
) -> Result<ListQuery, ApiError> {
    let mut q = ListQuery {
        limit: 25,
        ..Default::default()
    };
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "limit" => q.limit = parse_number("limit", &v)?,
            "offset" => q.offset = parse_number("offset", &v)?,
            "total" => q.total = v == "true",
            "query" => q.query = Some(v.to_lowercase()).filter(|s| !s.is_empty()),
            "name" => q.name = Some(v.to_string()),
            "time_zone" => q.time_zone = Some(v.to_string()),
            "team_ids[]" | "team_ids" => q.team_ids.push(v.to_string()),
            "include[]" | "include" => {
                if !includes.contains(&v.as_ref()) {
                    return Err(ApiError::InvalidInput(format!(
                        "include[] does not accept \"{v}\"; allowed: {}.",
                        includes.join(", ")
                    )));
                }
                q.include.push(v.to_string());
            }
            // Endpoints without sort_by in PagerDuty's spec ignore it, as other unknown
            // parameters.
            "sort_by" if !sorts.is_empty() => {
                let (field, dir) = v.split_once(':').unwrap_or((&v, "asc"));
                if !sorts.contains(&field) || !["asc", "desc"].contains(&dir) {
                    return Err(ApiError::InvalidInput(format!(
                        "sort_by does not accept \"{v}\"."
                    )));
                }
                q.sort_desc = dir == "desc";
            }
            _ => {}
        }
    }
    if q.limit < 1 {
        return Err(ApiError::InvalidInput("limit must be at least 1.".into()));
    }
    q.limit = q.limit.min(100);
    if q.offset < 0 {
        return Err(ApiError::InvalidInput(
            "offset must not be negative.".into(),
        ));
    }
    if q.offset.saturating_add(q.limit) > OFFSET_CEILING {
        // PagerDuty's answer, seen on /incidents (faros-ai/airbyte-connectors#991,
        // apache/devlake#5107, cloudquery/cloudquery#12750); that /services and /users word it
        // the same is assumed. Another wording, "Offset must be less than …", is also matched
        // by that connector (the check #991 extends); when PagerDuty uses which is unknown.
        return Err(ApiError::ArgumentsCausedError(format!(
            "Offset+limit exceeds maximum allowed value of {OFFSET_CEILING}. Please try to refine your search to reduce the returned set of records below this number, like adding a date range."
        )));
    }
    Ok(q)
}

/// `include[]` values of `/services` and `/services/{id}` (PagerDuty's spec).
const SERVICE_INCLUDES: &[&str] = &[
    "escalation_policies",
    "teams",
    "integrations",
    "auto_pause_notifications_parameters",
];
/// `include[]` values of `/users/{id}` and `/users/me` (the list adds no `calendar_urls`).
const USER_ONE_INCLUDES: &[&str] = &[
    "contact_methods",
    "notification_rules",
    "teams",
    "subdomains",
    "calendar_urls",
];

/// Whether an object on `teams` passes the `team_ids[]` filter (none given: everything).
fn in_teams(data: &Dataset, q: &ListQuery, teams: &[usize]) -> bool {
    q.team_ids.is_empty()
        || team_ids_of(data, teams)
            .iter()
            .any(|t| q.team_ids.contains(t))
}

fn team_ids_of(data: &Dataset, teams: &[usize]) -> Vec<String> {
    teams.iter().map(|t| data.teams[*t].id.clone()).collect()
}

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

fn page<T>(q: &ListQuery, rows: Vec<T>, key: &str, render: impl Fn(&T) -> Value) -> Json<Value> {
    let total = rows.len();
    let start = (q.offset as usize).min(total);
    let end = (start + q.limit as usize).min(total);
    let items: Vec<Value> = rows[start..end].iter().map(render).collect();
    Json(json!({
        key: items,
        "limit": q.limit, "offset": q.offset, "more": end < total,
        "total": if q.total { json!(total) } else { Value::Null },
    }))
}

async fn list_services(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("services.read")?;
    let q = list_query(raw, SERVICE_INCLUDES, &["name"])?;
    require_includes(&sb, &caller, &q.include)?;
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
        .filter(|s| in_teams(&data, &q, &s.teams))
        .collect();
    if q.sort_desc {
        rows.reverse();
    }
    let zone = zone_of(&q)?;
    let api = sb.options.api_url();
    Ok(page(&q, rows, "services", |s| {
        in_zone(data.service_json(&api, s, &q.include), zone)
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
    let q = list_query(raw, SERVICE_INCLUDES, &[])?;
    require_includes(&sb, &caller, &q.include)?;
    let s = data
        .services
        .iter()
        .find(|s| s.id == id && data.can_see_service(&caller.user, s))
        .ok_or(ApiError::NotFound)?;
    let zone = zone_of(&q)?;
    Ok(Json(
        json!({"service": in_zone(data.service_json(&sb.options.api_url(), s, &q.include), zone)}),
    ))
}

const USER_INCLUDES: &[&str] = &[
    "contact_methods",
    "notification_rules",
    "teams",
    "subdomains",
];

async fn list_users(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("users.read")?;
    let q = list_query(raw, USER_INCLUDES, &[])?;
    require_includes(&sb, &caller, &q.include)?;
    let rows: Vec<_> = data
        .users
        .iter()
        .filter(|u| {
            q.query.as_ref().is_none_or(|n| {
                u.name.to_lowercase().contains(n) || u.email.to_lowercase().contains(n)
            })
        })
        .filter(|u| in_teams(&data, &q, &u.teams))
        .collect();
    let api = sb.options.api_url();
    Ok(page(&q, rows, "users", |u| {
        data.user_json(&api, u, &q.include)
    }))
}

async fn get_user(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("users.read")?;
    let q = list_query(raw, USER_ONE_INCLUDES, &[])?;
    require_includes(&sb, &caller, &q.include)?;
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
    let q = list_query(raw, USER_ONE_INCLUDES, &[])?;
    require_includes(&sb, &caller, &q.include)?;
    Ok(Json(
        json!({"user": data.user_json(&sb.options.api_url(), &caller.user, &q.include)}),
    ))
}

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

async fn list_teams(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("teams.read")?;
    let q = list_query(raw, &[], &[])?;
    let rows: Vec<usize> = (0..data.teams.len())
        .filter(|t| {
            q.query
                .as_ref()
                .is_none_or(|n| data.teams[*t].name.to_lowercase().contains(n))
        })
        .collect();
    let api = sb.options.api_url();
    Ok(page(&q, rows, "teams", |t| data.team_json(&api, *t, true)))
}

pub(crate) fn team_index(data: &Dataset, id: &str) -> Result<usize, ApiError> {
    data.teams
        .iter()
        .position(|t| t.id == id)
        .ok_or(ApiError::NotFound)
}

async fn get_team(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("teams.read")?;
    let t = team_index(&data, &id)?;
    Ok(Json(
        json!({"team": data.team_json(&sb.options.api_url(), t, true)}),
    ))
}

/// `GET /teams/{id}/members`: `{"members":[{"user":…,"role":…}]}`, classic paging.
async fn list_members(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("teams.read")?;
    let t = team_index(&data, &id)?;
    let q = list_query(raw, &["users"], &[])?;
    let api = sb.options.api_url();
    let full = q.include.iter().any(|i| i == "users");
    Ok(page(&q, data.members(t), "members", |(u, role)| {
        let user = if full {
            data.user_json(&api, u, &[])
        } else {
            data.user_reference(&api, u)
        };
        json!({"user": user, "role": role})
    }))
}

/// `GET /escalation_policies`: `query`, `team_ids[]`, `include[]`, `sort_by=name[:asc|:desc]`.
async fn list_policies(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let data = sb.data();
    caller.require("escalation_policies.read")?;
    let q = list_query(
        raw,
        &[
            "services",
            "teams",
            "targets",
            "escalation_rule_assignment_strategies",
        ],
        &["name"],
    )?;
    require_includes(&sb, &caller, &q.include)?;
    let mut rows: Vec<usize> = (0..data.policies.len()).collect();
    rows.sort_by_key(|p| (data.policies[*p].name.to_lowercase(), *p));
    rows.retain(|p| {
        let policy = &data.policies[*p];
        q.query
            .as_ref()
            .is_none_or(|n| policy.name.to_lowercase().contains(n))
            && in_teams(&data, &q, &policy.teams)
    });
    if q.sort_desc {
        rows.reverse();
    }
    let api = sb.options.api_url();
    Ok(page(&q, rows, "escalation_policies", |p| {
        data.policy_json(&api, *p, &q.include)
    }))
}

/// `GET /abilities`: the account's abilities (those of PagerDuty's example answer).
async fn list_abilities(caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require("abilities.read")?;
    Ok(Json(json!({
        "abilities": ["teams", "read_only_users", "service_support_hours", "urgencies"]
    })))
}
