//! pd-token-relay: a token-mediating backend (RFC 10017) for PagerDuty Scoped OAuth apps.
//!
//! It holds the client secret and nothing else. The browser still builds the authorize
//! request, handles the callback, keeps the session and calls the REST API; only
//! `POST /oauth/token` and `POST /oauth/revoke` pass through here, where the secret is added
//! for the one configured client id, and only for the page at an `--allow-origin` origin
//! (`Origin` and `Sec-Fetch-Site` checked before the body is read). No cookies, no sessions, no token storage, and log lines
//! carry only method, path, status and duration.
//!
//! What goes upstream is rebuilt from an allow-list per endpoint and grant, never copied:
//! a repeated parameter is refused (PagerDuty might read another copy than the relay checked),
//! and parameters outside the list are dropped.
//!
//! ## Layers
//!
//! Arrows point down: a module uses only modules on its own line or below it, and no two
//! files import each other, directly or around a loop.
//!
//! - `forward`
//! - `state`
//! - `limit`, `access_log`, `origin`, `deadline`
//! - `options`
//! - `client`, `error`

mod access_log;
mod client;
mod deadline;
mod error;
mod forward;
mod limit;
mod options;
mod origin;
mod state;

pub use client::Cidr;
pub use options::{
    check_allow_origin, check_identity_url, read_credentials_json, RelayConfig, DEFAULT_MAX_TRACKED,
};
pub use state::Relay;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method};
use axum::middleware;
use axum::routing::{post, MethodRouter};
use axum::Router;
use error::RelayError;
use forward::{MAX_BODY, REVOKE_PATH, TOKEN_PATH};
use std::sync::Arc;
use tower_http::cors::{AllowOrigin, CorsLayer};

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
    // Route layers wrap the POST handlers only, not the 405 answer to other methods (and CORS
    // answers preflights before any of them). The limit counts a request before its body is
    // read; inside it the page check refuses what is not from an allowed origin, so those
    // requests cost their sender too. The request deadline covers all of that; the log line
    // is outermost, so it reports what the deadline, the limit and the page check refuse.
    let page = middleware::from_fn_with_state(relay.page.clone(), origin::from_page);
    let deadline = middleware::from_fn_with_state(relay.config.request_timeout, deadline::deadline);
    let limit = middleware::from_fn_with_state(relay.limiter.clone(), limit::limit);
    let log = middleware::from_fn_with_state(relay.log.clone(), access_log::access_log);
    let forwarded = |route: MethodRouter<Arc<Relay>>| {
        route
            .route_layer(page.clone())
            .route_layer(limit.clone())
            .route_layer(deadline.clone())
            .route_layer(log.clone())
    };
    Router::new()
        .route(TOKEN_PATH, forwarded(post(forward::token)))
        .route(REVOKE_PATH, forwarded(post(forward::revoke)))
        .fallback(|| async { RelayError::UnknownPath })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(cors)
        .with_state(relay)
}
