//! The JWKS and the OpenID discovery document, under `/global/oauth/anonymous/`.

use crate::jwt;
use crate::state::Shared;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::json;

pub(super) async fn jwks() -> Json<serde_json::Value> {
    Json(jwt::keys().jwks())
}

pub(super) async fn discovery(
    State(sb): State<Shared>,
    _headers: HeaderMap,
) -> Json<serde_json::Value> {
    let o = &sb.options;
    let base = o.identity_url();
    let mut scopes: Vec<&String> = sb.app_scopes.iter().collect();
    scopes.sort();
    Json(json!({
        "issuer": o.issuer(),
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "jwks_uri": format!("{base}/global/oauth/anonymous/jwks"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": std::iter::once(&"openid".to_string()).chain(scopes).collect::<Vec<_>>(),
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
    }))
}
