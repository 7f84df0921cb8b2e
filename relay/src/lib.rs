//! pd-token-relay: a token-mediating backend (RFC 10017) for PagerDuty Scoped OAuth apps.
//!
//! It holds the client secret and nothing else. The browser still builds the authorize
//! request, handles the callback, keeps the session and calls the REST API; only
//! `POST /oauth/token` and `POST /oauth/revoke` pass through here, where the secret is added
//! for the one configured client id. No cookies, no sessions, no token storage, and log lines
//! carry only method, path, status and duration.
//!
//! What goes upstream is rebuilt from an allow-list per endpoint and grant, never copied:
//! a repeated parameter is refused (PagerDuty might read another copy than the relay checked),
//! and parameters outside the list are dropped.

mod access_log;
mod client;
mod error;
mod limit;
mod options;
mod state;

pub use client::Cidr;
use error::RelayError;
pub use options::{check_identity_url, read_credentials_json, RelayConfig, DEFAULT_MAX_TRACKED};
pub use state::Relay;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use axum::{Json, Router};
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Form bodies larger than this are refused (a code exchange is a few hundred bytes).
pub const MAX_BODY: usize = 4 * 1024;

/// The parameters forwarded for an authorization code exchange.
const AUTHORIZATION_CODE: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "client_id",
];
/// The parameters forwarded for a refresh.
const REFRESH_TOKEN: &[&str] = &["grant_type", "refresh_token", "client_id", "scope"];
/// The parameters forwarded for a revocation.
const REVOKE: &[&str] = &["token", "token_type_hint", "client_id"];

/// The relay's router.
pub fn app(relay: Arc<Relay>) -> Router {
    let origins: Vec<HeaderValue> = relay
        .config
        .allow_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        // The page backs off by it (the browser hides it from cross-origin pages otherwise).
        .expose_headers([header::RETRY_AFTER]);
    // The log line is outermost, so it reports what the limit refuses too.
    let limit = middleware::from_fn_with_state(relay.limiter.clone(), limit::limit);
    let log = middleware::from_fn_with_state(relay.log.clone(), access_log::access_log);
    let forwarded =
        |route: MethodRouter<Arc<Relay>>| route.route_layer(limit.clone()).route_layer(log.clone());
    Router::new()
        .route("/oauth/token", forwarded(post(token)))
        .route("/oauth/revoke", forwarded(post(revoke)))
        .fallback(|| async { RelayError::UnknownPath })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(cors)
        .with_state(relay)
}

async fn token(State(r): State<Arc<Relay>>, req: Request) -> Response {
    relay(&r, "/oauth/token", req).await
}

async fn revoke(State(r): State<Arc<Relay>>, req: Request) -> Response {
    relay(&r, "/oauth/revoke", req).await
}

async fn relay(r: &Relay, path: &'static str, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => relay_inner(r, path, &parts.headers, bytes)
            .await
            .into_response(),
        Err(_) => RelayError::BodyTooLarge.into_response(),
    }
}

async fn relay_inner(
    r: &Relay,
    path: &'static str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, RelayError> {
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return Err(RelayError::NotForm);
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    // Keys compare decoded, as PagerDuty reads them (`grant%5Ftype` is `grant_type`).
    let mut seen = HashSet::new();
    if let Some((k, _)) = pairs.iter().find(|(k, _)| !seen.insert(k.as_str())) {
        return Err(RelayError::Repeated(k.clone()));
    }
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("client_id") != Some(r.config.client_id.as_str()) {
        return Err(RelayError::OtherClient);
    }
    if get("client_secret").is_some() {
        return Err(RelayError::SecretFromBrowser);
    }
    let allowed = match (path, get("grant_type")) {
        ("/oauth/revoke", _) => REVOKE,
        (_, Some("authorization_code")) => AUTHORIZATION_CODE,
        (_, Some("refresh_token")) => REFRESH_TOKEN,
        _ => return Err(RelayError::UnsupportedGrant),
    };
    // The upstream body is rebuilt from the allow-list; anything else is dropped. The
    // serializer is not Send: finish it before any await.
    let form = {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.iter().filter(|(k, _)| allowed.contains(&k.as_str())) {
            ser.append_pair(k, v);
        }
        ser.append_pair("client_secret", &r.config.client_secret);
        ser.finish()
    };
    let upstream = r
        .http
        .post(format!("{}{path}", r.config.identity_url))
        .header(
            header::CONTENT_TYPE.as_str(),
            "application/x-www-form-urlencoded",
        )
        .header(header::ACCEPT.as_str(), "application/json")
        .body(form)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                RelayError::UpstreamTimeout
            } else {
                RelayError::UpstreamUnreachable
            }
        })?;
    let status =
        StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let bytes = upstream
        .bytes()
        .await
        .map_err(|_| RelayError::UpstreamBrokeOff)?;
    if bytes.is_empty() && status.is_success() {
        return Ok((status, Json(json!({}))).into_response());
    }
    if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() {
        return Err(RelayError::UpstreamNotJson(status));
    }
    let mut resp = (status, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
