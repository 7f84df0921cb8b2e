//! Abilities: `GET /abilities`, the account's abilities.

use super::caller::Caller;
use crate::error::ApiError;
use crate::state::Shared;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// The routes of abilities.
pub fn router() -> Router<Shared> {
    Router::new().route("/abilities", get(list_abilities))
}

/// `GET /abilities`: the account's abilities (those of PagerDuty's example answer).
async fn list_abilities(caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require("abilities.read")?;
    Ok(Json(json!({
        "abilities": ["teams", "read_only_users", "service_support_hours", "urgencies"]
    })))
}
