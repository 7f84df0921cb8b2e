//! pd-sandbox: a local stand-in for PagerDuty's identity service (sign-in, consent, tokens)
//! and REST API v2 (services, users), on two ports so that the browser sees two origins.
//!
//! Behaviour follows PagerDuty's documented and observed behaviour; where that is unknown
//! it follows the OAuth RFCs. Each such choice is listed in the README.

pub mod data;
pub mod error;
pub mod html;
pub mod identity;
pub mod jwt;
pub mod options;
pub mod rest;
pub mod state;
pub mod tz;

pub use options::{AppType, CallbackParam, Options, Region};
pub use state::{sandbox, try_sandbox, Shared};

/// The identity service router.
pub fn identity_app(shared: Shared) -> axum::Router {
    identity::router(shared)
}

/// The REST API router.
pub fn api_app(shared: Shared) -> axum::Router {
    rest::router(shared)
}
