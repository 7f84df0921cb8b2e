//! The caller of a REST API request: the user and scopes behind its bearer token, taken by
//! handlers as an extractor (401 without a valid token), with the scope and role checks
//! the handlers ask of it.

use crate::data::User;
use crate::error::ApiError;
use crate::state::{Sandbox, Shared};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

/// The user and scopes behind a valid bearer token.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub scopes: Vec<String>,
    pub client_id: String,
}

impl Caller {
    /// The caller behind the request's bearer token; unknown, expired and revoked tokens (or
    /// families) are `None`.
    pub fn of(parts: &Parts, sb: &Sandbox) -> Option<Caller> {
        let token = bearer(parts)?;
        let inner = sb.lock();
        let access = inner.access.get(&token)?;
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

    /// Classic `read`/`write` cover every read; scoped tokens need the named scope.
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self
            .scopes
            .iter()
            .any(|s| s == "read" || s == "write" || s == scope)
        {
            Ok(())
        } else {
            Err(self.missing(scope))
        }
    }

    /// Writes: Classic `write` (not `read`), or the named Scoped scope. A Scoped `*.write`
    /// grants no read, as `require` only takes the exact scope (reference §3).
    pub fn require_write(&self, scope: &str) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == "write" || s == scope) {
            Ok(())
        } else {
            Err(self.missing(scope))
        }
    }

    fn missing(&self, scope: &str) -> ApiError {
        ApiError::MissingScopes {
            required: scope.to_string(),
            token: self.scopes.join(" "),
        }
    }

    /// Under `--strict-includes` (`strict`), the scopes of the included objects (the first
    /// one missing answers the 403). Classic `read`/`write` cover them, as every read.
    pub fn require_includes(&self, strict: bool, include: &[String]) -> Result<(), ApiError> {
        if !strict {
            return Ok(());
        }
        include
            .iter()
            .filter_map(|i| include_scope(i))
            .try_for_each(|scope| self.require(scope))
    }

    /// Only the account owner and admins may create, change or delete users (PagerDuty help
    /// centre); scopes cannot widen a person's permissions.
    pub fn require_user_manager(&self) -> Result<(), ApiError> {
        if ["owner", "admin"].contains(&self.user.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// A person may change their own contact methods and rules; owners and admins anyone's.
    pub fn require_self_or_manager(&self, user_id: &str) -> Result<(), ApiError> {
        if self.user.id == user_id {
            Ok(())
        } else {
            self.require_user_manager()
        }
    }

    /// The Account Owner's role, contact methods and deletion are theirs alone (reference
    /// §10.8; help centre): anyone else, admins included, is refused 403 code 2010 (the
    /// status PagerDuty gives is unknown, reference §9).
    pub fn require_owner_or_self(&self, target: &User) -> Result<(), ApiError> {
        if target.role == "owner" && target.id != self.user.id {
            Err(ApiError::Forbidden)
        } else {
            Ok(())
        }
    }

    /// Teams and services: owners, admins and the `user` role (PagerDuty's Manager base role)
    /// may change them; Responders (`limited_user`), Observers, Restricted Access and
    /// Stakeholders not.
    pub fn require_manager_role(&self) -> Result<(), ApiError> {
        if ["owner", "admin", "user"].contains(&self.user.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
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

fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, sb: &Shared) -> Result<Self, Self::Rejection> {
        Caller::of(parts, sb).ok_or(if sb.options.plain_401 {
            ApiError::UnauthorizedPlain
        } else {
            ApiError::Unauthorized
        })
    }
}
