//! pd-sandbox: a local stand-in for PagerDuty's identity service (sign-in, consent, tokens)
//! and REST API v2 (services, integrations, users, teams, escalation policies, schedules,
//! on-calls, incidents, licenses), on two ports so that the browser sees two origins.
//!
//! Behaviour follows PagerDuty's documented and observed behaviour; where that is unknown
//! it follows the OAuth RFCs. Each such choice is listed in the README.
//!
//! This file only declares the modules and wires the two apps: `identity` and `rest` each
//! have a `router`, over the shared `state` (the account in `data`, the tokens, the
//! `options`). A new REST resource is one file in `rest/` and one `merge` in `rest/mod.rs`.
//!
//! ## Layers
//!
//! Arrows point down: a module uses only modules on its own line or below it, and no two
//! files import each other, directly or around a loop.
//!
//! - `rest`, `identity`
//! - `state`, `html`, `jwt`
//! - `data`, `options`, `timing`
//! - `error`, `tz`

pub mod data;
pub mod error;
pub mod html;
pub mod identity;
pub mod jwt;
pub mod options;
pub mod rest;
pub mod state;
pub mod timing;
pub mod tz;

pub use options::{
    AppType, CallbackParam, DeleteReferenced, FixedTeamRoles, FromHeader, IncidentAssignments,
    LayerOrder, Offboarding, Options, Region, Scenario, TeamRemovalBlock,
};
pub use state::{sandbox, try_sandbox, Shared};

/// The identity service router.
pub fn identity_app(shared: Shared) -> axum::Router {
    identity::router(shared)
}

/// The REST API router.
pub fn api_app(shared: Shared) -> axum::Router {
    rest::router(shared)
}
