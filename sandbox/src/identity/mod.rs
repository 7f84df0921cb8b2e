//! The identity service: `/oauth/authorize` with sign-in and consent pages, `/oauth/token`
//! (authorization_code with PKCE, refresh_token with rotation), `/oauth/revoke`, and the
//! JWKS and discovery documents at PagerDuty's paths. One module per endpoint; this one
//! holds the router and what several of them share.

mod authorize;
mod discovery;
mod revoke;
mod token;

use crate::data::{ADMIN_EMAIL, PASSWORD, RESPONDER_EMAIL};
use crate::html::Page;
use crate::state::Shared;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method};
use axum::response::Html;
use axum::routing::{get, post};
use axum::Router;
use pdscope::url::origin_of;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The identity service's routes.
pub fn router(shared: Shared) -> Router {
    let origins: Vec<HeaderValue> = shared
        .options
        .redirect_uris
        .iter()
        .filter_map(|u| origin_of(u))
        .filter_map(|o| HeaderValue::from_str(&o).ok())
        .collect();
    // Only the registered apps' origins may call the token and revoke endpoints.
    let token_cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::POST])
        .allow_headers([header::CONTENT_TYPE]);
    let oauth = Router::new()
        .route("/oauth/token", post(token::token))
        .route("/oauth/revoke", post(revoke::revoke))
        .layer(token_cors);
    let public_cors = CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET]);
    let discovery = Router::new()
        .route("/global/oauth/anonymous/jwks", get(discovery::jwks))
        .route(
            "/global/oauth/anonymous/.well-known/openid-configuration",
            get(discovery::discovery),
        )
        .layer(public_cors);
    Router::new()
        .route("/", get(index))
        .route("/oauth/authorize", get(authorize::authorize))
        .route("/oauth/authorize/sign_in", post(authorize::sign_in))
        .route("/oauth/authorize/consent", post(authorize::consent))
        .merge(oauth)
        .merge(discovery)
        .with_state(shared)
}

async fn index(State(sb): State<Shared>) -> Html<String> {
    Html(
        Page::new()
            .raw("<h1>Identity service</h1><p>Start a sign-in from your app. Seeded accounts: <code>")
            .text(ADMIN_EMAIL)
            .raw("</code> and <code>")
            .text(RESPONDER_EMAIL)
            .raw("</code>, password <code>")
            .text(PASSWORD)
            .raw("</code>.</p><p class=\"hint\">Registered client: <code>")
            .text(&sb.options.client_id)
            .raw("</code></p>")
            .finish("Identity service"),
    )
}

/// A PKCE verifier or challenge: 43 to 128 characters of `[A-Za-z0-9-._~]` (RFC 7636).
fn is_pkce_value(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}
