//! The identity service: `/oauth/authorize` with sign-in and consent pages, `/oauth/token`
//! (authorization_code with PKCE, refresh_token with rotation), `/oauth/revoke`, and the
//! JWKS and discovery documents at PagerDuty's paths.

use crate::data::{ADMIN_EMAIL, PASSWORD, RESPONDER_EMAIL, SUBDOMAIN};
use crate::error::OAuthError;
use crate::html::Page;
use crate::jwt;
use crate::state::{self, Code, Family, Pending, CODE_TTL, PENDING_TTL};
use crate::{origin_of, AppType, Shared};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tower_http::cors::{AllowOrigin, CorsLayer};

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
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .layer(token_cors);
    let public_cors = CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET]);
    let discovery = Router::new()
        .route("/global/oauth/anonymous/jwks", get(jwks))
        .route(
            "/global/oauth/anonymous/.well-known/openid-configuration",
            get(discovery),
        )
        .layer(public_cors);
    Router::new()
        .route("/", get(index))
        .route("/oauth/authorize", get(authorize))
        .route("/oauth/authorize/sign_in", post(sign_in))
        .route("/oauth/authorize/consent", post(consent))
        .merge(oauth)
        .merge(discovery)
        .with_state(shared)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
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

/// An error page for requests that must never be redirected (RFC 6749 section 4.1.2.1).
fn error_page(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = Page::new()
        .raw("<h1>")
        .text(title)
        .raw("</h1><p class=\"error\">")
        .text(detail)
        .raw("</p><p class=\"hint\">Go back to the app and start the sign-in again.</p>")
        .finish(title);
    (status, Html(body)).into_response()
}

/// Appends `pairs` to a redirect URI's query.
fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", ser.finish())
}

fn redirect_error(p: &Pending, error: &str, description: &str, drop_state: bool) -> Response {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let (Some(s), false) = (p.state.as_deref(), drop_state) {
        pairs.push(("state", s));
    }
    Redirect::to(&with_query(&p.redirect_uri, &pairs)).into_response()
}

fn is_pkce_value(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

fn scope_words(scope: &str) -> String {
    match scope {
        "openid" => "Know who you are (your PagerDuty user and account ids)".into(),
        "read" => "Read everything you can see in PagerDuty".into(),
        "write" => "Read and change everything you can change in PagerDuty".into(),
        s => match s.split_once('.') {
            Some((object, "read")) => format!("Read {}", object.replace('_', " ")),
            Some((object, "write")) => {
                format!("Create, change and delete {}", object.replace('_', " "))
            }
            _ => format!("Use the scope {s}"),
        },
    }
}

async fn authorize(State(sb): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let mut params: HashMap<String, String> = HashMap::new();
    let mut duplicate = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if params.insert(k.to_string(), v.to_string()).is_some() {
            duplicate = Some(k.to_string());
        }
    }
    let o = &sb.options;
    let client_id = params.get("client_id").cloned().unwrap_or_default();
    if client_id != o.client_id {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Unknown application",
            &format!("No OAuth app is registered with the client id \"{client_id}\"."),
        );
    }
    let redirect_uri = params.get("redirect_uri").cloned().unwrap_or_default();
    if !o.redirect_uris.contains(&redirect_uri) {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Redirect URI mismatch",
            &format!("\"{redirect_uri}\" is not a redirect URI registered for this app."),
        );
    }
    let requested: Vec<String> = params
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let mut granted = vec!["openid".to_string()];
    for s in &requested {
        if sb.app_scopes.contains(s) && !granted.contains(s) {
            granted.push(s.clone());
        }
    }
    let pending = Pending {
        client_id,
        redirect_uri,
        scopes: granted,
        state: params.get("state").cloned(),
        code_challenge: params.get("code_challenge").cloned(),
        user_id: None,
        created: sb.now(),
    };
    let drop_state = o.drop_state;
    if let Some(k) = duplicate {
        return redirect_error(
            &pending,
            "invalid_request",
            &format!("The parameter {k} was given more than once."),
            drop_state,
        );
    }
    if params.get("response_type").map(String::as_str) != Some("code") {
        return redirect_error(
            &pending,
            "unsupported_response_type",
            "Only response_type=code is supported.",
            drop_state,
        );
    }
    if requested.is_empty() {
        return redirect_error(
            &pending,
            "invalid_scope",
            "The scope parameter is required.",
            drop_state,
        );
    }
    let public = o.client_secret.is_none() || o.app_type == AppType::Scoped;
    match (
        pending.code_challenge.as_deref(),
        params.get("code_challenge_method").map(String::as_str),
    ) {
        (None, _) if public => {
            return redirect_error(
                &pending,
                "invalid_request",
                "code_challenge is required (PKCE with S256).",
                drop_state,
            )
        }
        (None, _) => {}
        (Some(_), Some("S256")) => {}
        (Some(_), _) => {
            return redirect_error(
                &pending,
                "invalid_request",
                "code_challenge_method must be S256; plain is not supported.",
                drop_state,
            )
        }
    }
    if let Some(c) = &pending.code_challenge {
        if c.len() != 43 || !is_pkce_value(c) {
            return redirect_error(
                &pending,
                "invalid_request",
                "code_challenge must be the base64url SHA-256 of the verifier (43 characters).",
                drop_state,
            );
        }
    }
    let id = state::random_string(32);
    sb.lock().add_pending(sb.now(), id.clone(), pending);
    Html(sign_in_page(&id, None)).into_response()
}

fn sign_in_page(request_id: &str, error: Option<&str>) -> String {
    let mut page = Page::new().raw("<h1>Sign in</h1>");
    if let Some(e) = error {
        page = page
            .raw("<p class=\"error\" role=\"alert\">")
            .text(e)
            .raw("</p>");
    }
    page.raw("<form method=\"post\" action=\"/oauth/authorize/sign_in\">")
        .hidden("request_id", request_id)
        .raw("<label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required>")
        .raw("<label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>")
        .raw("<button class=\"primary\" type=\"submit\">Sign In</button></form>")
        .raw("<p class=\"hint\">Sandbox accounts: <code>")
        .text(ADMIN_EMAIL)
        .raw("</code> (sees everything), <code>")
        .text(RESPONDER_EMAIL)
        .raw("</code> (sees only their team's services). Password: <code>")
        .text(PASSWORD)
        .raw("</code></p>")
        .finish("Sign in")
}

fn expired_request() -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "This sign-in has expired",
        "The sign-in request is unknown or older than 15 minutes.",
    )
}

async fn sign_in(State(sb): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let id = form.get("request_id").cloned().unwrap_or_default();
    let email = form.get("email").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let user = sb
        .data
        .user_by_email(&email)
        .filter(|_| password == PASSWORD)
        .cloned();
    let now = sb.now();
    let mut inner = sb.lock();
    let Some(pending) = inner
        .pending
        .get_mut(&id)
        .filter(|p| now.saturating_duration_since(p.created) < PENDING_TTL)
    else {
        return expired_request();
    };
    let Some(user) = user else {
        return Html(sign_in_page(&id, Some("Wrong email or password."))).into_response();
    };
    pending.user_id = Some(user.id.clone());
    let mut page = Page::new()
        .raw("<h1>Allow access?</h1><p>The app <code>")
        .text(&pending.client_id)
        .raw("</code> asks to act as <strong>")
        .text(&user.name)
        .raw("</strong> (")
        .text(&user.email)
        .raw(") with these permissions:</p><ul>");
    for s in &pending.scopes {
        page = page
            .raw("<li>")
            .text(&scope_words(s))
            .raw(" (<code>")
            .text(s)
            .raw("</code>)</li>");
    }
    Html(
        page.raw("</ul><form method=\"post\" action=\"/oauth/authorize/consent\">")
            .hidden("request_id", &id)
            .raw("<button class=\"primary\" type=\"submit\" name=\"decision\" value=\"allow\">Submit Consent</button>")
            .raw("<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>")
            .finish("Allow access"),
    )
    .into_response()
}

async fn consent(State(sb): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let id = form.get("request_id").cloned().unwrap_or_default();
    let now = sb.now();
    let mut inner = sb.lock();
    let Some(pending) = inner
        .pending
        .remove(&id)
        .filter(|p| now.saturating_duration_since(p.created) < PENDING_TTL)
    else {
        return expired_request();
    };
    let Some(user_id) = pending.user_id.clone() else {
        return expired_request();
    };
    let drop_state = sb.options.drop_state;
    if form.get("decision").map(String::as_str) != Some("allow") {
        return redirect_error(
            &pending,
            "access_denied",
            "The resource owner or authorization server denied the request.",
            drop_state,
        );
    }
    let code = state::random_string(40);
    inner.add_code(
        now,
        code.clone(),
        Code {
            client_id: pending.client_id.clone(),
            redirect_uri: pending.redirect_uri.clone(),
            user_id,
            scopes: pending.scopes.clone(),
            code_challenge: pending.code_challenge.clone(),
            issued: now,
            redeemed_family: None,
        },
    );
    let mut pairs = vec![("code", code.as_str())];
    if let (Some(s), false) = (pending.state.as_deref(), drop_state) {
        pairs.push(("state", s));
    }
    pairs.push(("subdomain", SUBDOMAIN));
    pairs.push(("service_region", "us"));
    Redirect::to(&with_query(&pending.redirect_uri, &pairs)).into_response()
}

/// Reads a form body into pairs, refusing repeated parameters (RFC 6749 section 3.2).
fn form_map(pairs: Vec<(String, String)>) -> Result<HashMap<String, String>, OAuthError> {
    let mut map = HashMap::new();
    for (k, v) in pairs {
        if map.insert(k.clone(), v).is_some() {
            return Err(OAuthError::invalid_request(format!(
                "The parameter {k} was given more than once."
            )));
        }
    }
    Ok(map)
}

/// Checks the client id and, where required, the secret.
fn authenticate_client(sb: &Shared, form: &HashMap<String, String>) -> Result<bool, OAuthError> {
    let o = &sb.options;
    let client_id = form.get("client_id").map(String::as_str).unwrap_or("");
    if client_id.is_empty() {
        return Err(OAuthError::invalid_request("client_id is required."));
    }
    if client_id != o.client_id {
        return Err(OAuthError::invalid_client("Unknown client."));
    }
    match (form.get("client_secret"), &o.client_secret) {
        (Some(given), Some(secret)) if given == secret => Ok(true),
        (Some(_), _) => Err(OAuthError::invalid_client("Client authentication failed.")),
        (None, _) if o.app_type == AppType::Scoped => Err(OAuthError::invalid_client(
            "Scoped OAuth apps are confidential clients: the token request needs the client_secret.",
        )),
        (None, _) => Ok(false),
    }
}

fn token_response(body: serde_json::Value) -> Response {
    let mut resp = Json(body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

async fn token(State(sb): State<Shared>, Form(pairs): Form<Vec<(String, String)>>) -> Response {
    match token_inner(&sb, pairs) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn token_inner(sb: &Shared, pairs: Vec<(String, String)>) -> Result<Response, OAuthError> {
    let form = form_map(pairs)?;
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => exchange_code(sb, &form),
        Some("refresh_token") => refresh(sb, &form),
        Some(other) => Err(OAuthError::unsupported_grant_type(format!(
            "The grant type {other} is not supported here."
        ))),
        None => Err(OAuthError::invalid_request("grant_type is required.")),
    }
}

fn exchange_code(sb: &Shared, form: &HashMap<String, String>) -> Result<Response, OAuthError> {
    let authenticated = authenticate_client(sb, form)?;
    let code = form
        .get("code")
        .ok_or_else(|| OAuthError::invalid_request("code is required."))?;
    let mut inner = sb.lock();
    let Some(grant) = inner.codes.get(code).cloned() else {
        return Err(OAuthError::invalid_grant(
            "The authorization code is invalid.",
        ));
    };
    if let Some(family) = &grant.redeemed_family {
        // A replayed code: revoke everything the first redemption issued (RFC 6749 4.1.2).
        if let Some(f) = inner.families.get_mut(family) {
            f.revoked = true;
        }
        return Err(OAuthError::invalid_grant(
            "The authorization code was already used; the tokens it issued are revoked.",
        ));
    }
    if sb.now().saturating_duration_since(grant.issued) > CODE_TTL {
        return Err(OAuthError::invalid_grant(
            "The authorization code has expired (codes live 30 seconds).",
        ));
    }
    if form.get("client_id") != Some(&grant.client_id) {
        return Err(OAuthError::invalid_grant(
            "The code was issued to another client.",
        ));
    }
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request.",
        ));
    }
    match (&grant.code_challenge, form.get("code_verifier")) {
        (Some(challenge), Some(verifier)) => {
            if !is_pkce_value(verifier) {
                return Err(OAuthError::invalid_grant(
                    "code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~].",
                ));
            }
            if B64.encode(Sha256::digest(verifier.as_bytes())) != *challenge {
                return Err(OAuthError::invalid_grant(
                    "code_verifier does not match the code_challenge.",
                ));
            }
        }
        (Some(_), None) => return Err(OAuthError::invalid_grant("code_verifier is required.")),
        (None, _) if !authenticated => {
            return Err(OAuthError::invalid_grant(
                "PKCE is required for clients without a secret.",
            ))
        }
        (None, _) => {}
    }
    let family_id = format!("PD{}", state::random_string(12).to_uppercase());
    if let Some(c) = inner.codes.get_mut(code) {
        c.redeemed_family = Some(family_id.clone());
    }
    let (access, refresh) = issue(sb, &mut inner, &family_id, Some(&grant));
    let user = sb.data.user_by_id(&grant.user_id).cloned();
    let now = now_secs();
    let o = &sb.options;
    let id_token = jwt::keys().sign(&json!({
        "iss": o.issuer(), "aud": [o.api_url(), o.client_id],
        "sub": grant.user_id, "user_id": grant.user_id,
        "account_id": "PSANDBOX", "subdomain": SUBDOMAIN, "region": "UnitedStates",
        "delegation_id": family_id, "azp": o.client_id,
        "email": user.as_ref().map(|u| u.email.clone()), "name": user.map(|u| u.name),
        "iat": now, "nbf": now, "exp": now + 3600, "auth_time": now,
        "jti": state::random_string(24), "purpose": "id_token",
    }));
    Ok(token_response(json!({
        "client_info": "prefix_legacy_app",
        "id_token": id_token,
        "token_type": "bearer",
        "access_token": access,
        "refresh_token": refresh,
        "scope": grant.scopes.join(" "),
        "expires_in": o.token_ttl_secs(),
    })))
}

/// Issues an access and a refresh token in `family` (created from `grant` when given).
fn issue(
    sb: &Shared,
    inner: &mut state::Inner,
    family_id: &str,
    grant: Option<&Code>,
) -> (String, String) {
    let access = state::pd_token(0);
    let refresh = state::pd_token(1);
    let now = sb.now();
    let expires = now + Duration::from_secs(sb.options.token_ttl_secs());
    // The tokens first: adding them may prune, and a family with none of its tokens kept yet
    // would be pruned.
    inner.add_tokens(now, family_id, (access.clone(), expires), refresh.clone());
    if let Some(g) = grant {
        inner.families.insert(
            family_id.to_string(),
            Family {
                client_id: g.client_id.clone(),
                user_id: g.user_id.clone(),
                scopes: g.scopes.clone(),
                revoked: false,
                current_refresh: refresh.clone(),
                rotations: 0,
            },
        );
    } else if let Some(f) = inner.families.get_mut(family_id) {
        f.current_refresh = refresh.clone();
        f.rotations += 1;
    }
    (access, refresh)
}

fn refresh(sb: &Shared, form: &HashMap<String, String>) -> Result<Response, OAuthError> {
    authenticate_client(sb, form)?;
    let token = form
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required."))?;
    let mut inner = sb.lock();
    let family_id = inner
        .refresh
        .get(token)
        .map(|r| r.family.clone())
        .ok_or_else(|| OAuthError::invalid_grant("The refresh token is invalid."))?;
    let family = inner
        .families
        .get_mut(&family_id)
        .ok_or_else(|| OAuthError::invalid_grant("The refresh token is invalid."))?;
    if family.revoked {
        return Err(OAuthError::invalid_grant("The refresh token was revoked."));
    }
    if Some(&family.client_id) != form.get("client_id") {
        return Err(OAuthError::invalid_grant(
            "The refresh token was issued to another client.",
        ));
    }
    if family.current_refresh != *token {
        // Reuse of a rotated refresh token: someone holds a copy. Revoke the whole family.
        family.revoked = true;
        return Err(OAuthError::invalid_grant(
            "The refresh token was already used; every token of this authorization is now revoked.",
        ));
    }
    let scopes = family.scopes.join(" ");
    let (access, refresh) = issue(sb, &mut inner, &family_id, None);
    Ok(token_response(json!({
        "token_type": "bearer",
        "access_token": access,
        "refresh_token": refresh,
        "scope": scopes,
        "expires_in": sb.options.token_ttl_secs(),
    })))
}

async fn revoke(State(sb): State<Shared>, RawQuery(query): RawQuery, body: String) -> Response {
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

async fn jwks() -> Json<serde_json::Value> {
    Json(jwt::keys().jwks())
}

async fn discovery(State(sb): State<Shared>, _headers: HeaderMap) -> Json<serde_json::Value> {
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
