//! `GET /oauth/authorize` and its pages: sign-in, consent, and the error page shown when a
//! request must not be redirected.

use super::is_pkce_value;
use crate::data::{ADMIN_EMAIL, PASSWORD, RESPONDER_EMAIL, SUBDOMAIN};
use crate::html::Page;
use crate::options::{AppType, CallbackParam};
use crate::state::{self, Code, Pending, Shared, PENDING_TTL};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use std::collections::HashMap;

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

pub(super) async fn authorize(State(sb): State<Shared>, RawQuery(query): RawQuery) -> Response {
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

pub(super) async fn sign_in(
    State(sb): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let id = form.get("request_id").cloned().unwrap_or_default();
    let email = form.get("email").cloned().unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let user = sb
        .data()
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

pub(super) async fn consent(
    State(sb): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
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
            sid: state::random_string(16),
            redeemed_family: None,
        },
    );
    let mut pairs = vec![("code", code.as_str())];
    if let (Some(s), false) = (pending.state.as_deref(), drop_state) {
        pairs.push(("state", s));
    }
    // PagerDuty sends only code (and state); the extras only when --callback-params asks.
    let extras = &sb.options.callback_params;
    for param in [CallbackParam::Subdomain, CallbackParam::ServiceRegion] {
        if extras.contains(&param) {
            let value = match param {
                CallbackParam::Subdomain => SUBDOMAIN,
                CallbackParam::ServiceRegion => sb.options.region.code(),
            };
            pairs.push((param.name(), value));
        }
    }
    Redirect::to(&with_query(&pending.redirect_uri, &pairs)).into_response()
}
