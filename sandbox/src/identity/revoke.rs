//! `POST /oauth/revoke` (not in PagerDuty's docs; shaped after its web app's calls).

use crate::error::OAuthError;
use crate::state::Shared;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::collections::HashMap;

pub(super) async fn revoke(
    State(sb): State<Shared>,
    RawQuery(query): RawQuery,
    body: String,
) -> Response {
    // PagerDuty's web app sends token and client_id in the query; others in the body.
    let mut params: HashMap<String, String> = HashMap::new();
    for src in [query.unwrap_or_default(), body] {
        for (k, v) in form_urlencoded::parse(src.as_bytes()) {
            params.entry(k.to_string()).or_insert(v.to_string());
        }
    }
    let client_id = params.get("client_id").cloned().unwrap_or_default();
    if client_id.is_empty() {
        return OAuthError::invalid_request("client_id is required.").into_response();
    }
    if client_id != sb.options.client_id {
        return OAuthError::invalid_client("Unknown client.").into_response();
    }
    let token = params.get("token").cloned().unwrap_or_default();
    let mut inner = sb.lock();
    if let Some(a) = inner.access.get_mut(&token) {
        a.revoked = true;
    } else if let Some(family) = inner.refresh.get(&token).map(|r| r.family.clone()) {
        // Revoking a refresh token ends the whole authorization (RFC 7009 section 2.1).
        if let Some(f) = inner.families.get_mut(&family) {
            f.revoked = true;
        }
    }
    // 200 for known and unknown tokens alike (RFC 7009 section 2.2).
    (StatusCode::OK, Json(json!({}))).into_response()
}
