//! Abilities: `GET /abilities`, the account's abilities, and `GET /abilities/{id}` (204 or
//! 402); `require_ability`, the 402 every endpoint that needs an ability answers without it
//! (reference §12.3).

use super::caller::Caller;
use crate::error::ApiError;
use crate::options::Options;
use crate::state::Shared;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// The routes of abilities.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/abilities", get(list_abilities))
        .route("/abilities/{id}", get(test_ability))
}

/// PagerDuty's 402 unless the account has `ability` (`--without-ability`, `--with-ability`).
pub fn require_ability(options: &Options, ability: &str) -> Result<(), ApiError> {
    if options.has_ability(ability) {
        Ok(())
    } else {
        Err(ApiError::PaymentRequired(ability.to_string()))
    }
}

/// `GET /abilities`: the account's abilities (by default those of PagerDuty's example answer).
async fn list_abilities(State(sb): State<Shared>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require("abilities.read")?;
    Ok(Json(json!({ "abilities": sb.options.abilities() })))
}

/// `GET /abilities/{id}`: 204 if the account has it, else 402 (spec).
async fn test_ability(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require("abilities.read")?;
    require_ability(&sb.options, &id)?;
    Ok(StatusCode::NO_CONTENT)
}
