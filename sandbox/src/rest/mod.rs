//! The REST API v2: one module per resource, each holding its reads and writes and returning
//! its own `router()`, merged here under the layers every request passes (latency, CORS,
//! rate limit and faults). What resources share has a module of its own: the caller and its
//! checks (`caller`), list parameters and paging (`paging`), write bodies (`body`).

mod abilities;
mod body;
mod caller;
mod contact_methods;
mod cors;
mod escalation_policies;
mod incidents;
mod integrations;
mod licenses;
mod limits;
mod members;
mod notification_rules;
mod oncalls;
mod overrides;
mod paging;
mod schedule_body;
mod schedules;
mod services;
mod teams;
mod users;

use crate::error::ApiError;
use crate::state::Shared;
use axum::middleware;
use axum::Router;

/// The REST API's routes, with PagerDuty's answer to an unknown path (404, code 2100).
pub fn router(shared: Shared) -> Router {
    Router::new()
        .merge(services::router())
        .merge(integrations::router())
        .merge(users::router())
        .merge(contact_methods::router())
        .merge(notification_rules::router())
        .merge(teams::router())
        .merge(escalation_policies::router())
        .merge(incidents::router())
        .merge(schedules::router())
        .merge(overrides::router())
        .merge(oncalls::router())
        .merge(abilities::router())
        .merge(licenses::router())
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            limits::limits_and_faults,
        ))
        .layer(cors::layer(&shared.options))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            limits::latency,
        ))
        .with_state(shared)
}
