//! The REST API's CORS: any origin, PagerDuty's methods and request headers, and (with
//! `--expose-rate-limit-headers`) the rate-limit headers for browsers to read.

use super::limits::RATE_HEADERS;
use crate::options::Options;
use axum::http::{HeaderName, Method};
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

/// The CORS layer of the REST API.
pub fn layer(options: &Options) -> CorsLayer {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers(
            ALLOWED_HEADERS
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect::<Vec<_>>(),
        );
    if options.expose_rate_limit_headers {
        cors.expose_headers(
            RATE_HEADERS
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect::<Vec<_>>(),
        )
    } else {
        cors
    }
}
