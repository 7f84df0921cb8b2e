//! Licenses: `GET /licenses`, `GET /license_allocations` and `GET /users/{id}/license`
//! (scope `licenses.read`), and the check a user create or role change passes: a Full User
//! license must be free under `--licenses` (reference §12.1, §10.7).

use super::caller::Caller;
use super::paging::ListQuery;
use crate::data::{Dataset, Tier, STAKEHOLDER_SEATS};
use crate::error::ApiError;
use crate::state::Shared;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// The routes of licenses.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/licenses", get(list_licenses))
        .route("/license_allocations", get(list_allocations))
        .route("/users/{id}/license", get(user_license))
}

/// PagerDuty's answer to a create or role change the account has no license for (400 code
/// 2001, terraform-provider-pagerduty #745, #715).
fn not_available() -> ApiError {
    ApiError::InvalidInput("License is not available".into())
}

/// Whether a user with `role` (who had `old_role`, when changed) may be given it: a `license`
/// sent must be the account's and fit the role, and a role that needs a Full User license,
/// for someone who did not hold one, needs one of the `seats` free.
pub fn check_license(
    data: &Dataset,
    role: &str,
    old_role: Option<&str>,
    sent: Option<&Value>,
    seats: u64,
) -> Result<(), ApiError> {
    let tier = Tier::of(role);
    if let Some(license) = sent.filter(|l| !l.is_null()) {
        let id = license
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if data.license_tier(id) != Some(tier) {
            return Err(not_available());
        }
    }
    let had = old_role.map(Tier::of);
    if tier == Tier::Full && had != Some(Tier::Full) && data.licenses_used(Tier::Full) >= seats {
        return Err(not_available());
    }
    Ok(())
}

/// `GET /licenses`: both licenses, not paginated.
async fn list_licenses(State(sb): State<Shared>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require("licenses.read")?;
    let data = sb.data();
    Ok(Json(json!({"licenses": [
        data.license_json(Tier::Full, Some(sb.options.licenses)),
        data.license_json(Tier::Stakeholder, Some(STAKEHOLDER_SEATS)),
    ]})))
}

/// An Observer was seen refused license allocations with this 403, no code
/// (terraform-provider-pagerduty #770); the sandbox refuses every role but owner and admin.
fn require_allocation_reader(caller: &Caller, user_id: Option<&str>) -> Result<(), ApiError> {
    let own = user_id.is_some_and(|id| id == caller.user.id);
    if own || ["owner", "admin"].contains(&caller.user.role) {
        Ok(())
    } else {
        Err(ApiError::Other {
            status: StatusCode::FORBIDDEN,
            message: "Cannot read license allocations",
            code: None,
            errors: vec![],
        })
    }
}

/// `GET /license_allocations`: every user's license, in user order, classic paging.
async fn list_allocations(
    State(sb): State<Shared>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    caller.require("licenses.read")?;
    require_allocation_reader(&caller, None)?;
    let q = ListQuery::parse(raw, &[], &[])?;
    let data = sb.data();
    let rows: Vec<_> = data.users.iter().collect();
    Ok(q.page(rows, "license_allocations", |u| {
        data.license_allocation_json(u)
    }))
}

/// `GET /users/{id}/license`: `{"license":{…}}`.
async fn user_license(
    State(sb): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require("licenses.read")?;
    let data = sb.data();
    let u = data.user_by_id(&id).ok_or(ApiError::NotFound)?;
    require_allocation_reader(&caller, Some(&id))?;
    Ok(Json(
        json!({"license": data.license_json(Tier::of(u.role), None)}),
    ))
}
