//! Starting a sign-in (PKCE and `state` from the browser's CSPRNG, the attempt saved in this
//! tab, then off to the authorize page) and handling `/callback` (validation, the address bar
//! cleaned, the code redeemed once). The checks are the pure `oauth` module's.

use super::store::{self, load_attempts, record, save_attempts, step};
use super::transport::BrowserTransport;
use super::{new_epoch, now_ms, Auth, AuthError, AuthState};
use crate::config::Config;
use crate::inspect::{mask_json, mask_query};
use crate::oauth::{self, Attempt, CallbackError, Session, TokenError};
use crate::pkce;
use crate::refresh::Transport;
use crate::routes;
use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::BTreeSet;

/// `n` bytes from the browser's CSPRNG.
fn random_bytes(n: usize) -> Result<Vec<u8>, AuthError> {
    let crypto = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or_else(|| AuthError::Random("window.crypto is unavailable".into()))?;
    let mut bytes = vec![0u8; n];
    crypto
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|e| AuthError::Random(format!("{e:?}")))?;
    Ok(bytes)
}

/// Starts a sign-in: PKCE and state from the CSPRNG, saved in this tab, then off to the
/// authorize page. It asks for the configured scopes, what this session was granted, and
/// `extra_scopes` ([`crate::oauth::more_scopes`]). `return_to` is validated; anything unsafe
/// returns to `/`.
pub fn start_sign_in(auth: Auth, config: &Config, extra_scopes: &[String], return_to: &str) {
    let granted = auth
        .session_untracked()
        .map(|s| s.granted_scopes)
        .unwrap_or_default();
    let scopes = crate::oauth::more_scopes(&config.scopes, &granted, extra_scopes);
    start_sign_in_with(auth, config, scopes, return_to);
}

/// Starts a sign-in asking for exactly `scopes` (the configured ones when empty: a request
/// without scopes is never sent).
pub fn start_sign_in_with(auth: Auth, config: &Config, scopes: Vec<String>, return_to: &str) {
    let scopes = if scopes.is_empty() {
        config.scopes.clone()
    } else {
        scopes
    };
    match prepare_with(config, scopes, return_to) {
        Ok(url) => {
            auth.state.set(AuthState::Redirecting);
            if let Some(w) = web_sys::window() {
                let _ = w.location().assign(&url);
            }
        }
        Err(e) => auth.state.set(AuthState::Failed(e)),
    }
}

/// Saves a new attempt and returns the authorize URL to open.
pub fn prepare_sign_in(
    config: &Config,
    extra_scopes: &[String],
    return_to: &str,
) -> Result<String, AuthError> {
    prepare_with(
        config,
        crate::oauth::more_scopes(&config.scopes, &[], extra_scopes),
        return_to,
    )
}

fn prepare_with(
    config: &Config,
    scopes: Vec<String>,
    return_to: &str,
) -> Result<String, AuthError> {
    let verifier = pkce::verifier_from(&random_bytes(pkce::VERIFIER_BYTES)?);
    let state = pkce::b64url(&random_bytes(pkce::STATE_BYTES)?);
    let url = oauth::authorize_url(config, &scopes, &state, &pkce::challenge(&verifier));
    let attempt = Attempt {
        state,
        verifier,
        return_to: routes::safe_return_path(return_to).unwrap_or_else(|| "/".into()),
        created_ms: now_ms(),
        redirect_uri: config.redirect_uri.clone(),
        client_id: config.client_id.clone(),
        scopes,
        authorize_url: url.clone(),
    };
    let mut attempts = load_attempts();
    attempts.push(attempt);
    save_attempts(&attempts)?;
    Ok(url)
}

thread_local! {
    /// Codes this page has started to redeem: a code is redeemed at most once even if the
    /// callback view runs twice.
    static REDEEMED: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
}

/// Removes the authorization response parameters from the address bar (SECURITY.md rule 8).
fn strip_callback_params() {
    let Some(w) = web_sys::window() else { return };
    let loc = w.location();
    let path = loc.pathname().unwrap_or_default();
    let search = loc.search().unwrap_or_default();
    let kept: Vec<String> = crate::url::parse_query(&search)
        .into_iter()
        .filter(|(k, _)| !oauth::RESPONSE_PARAMS.contains(&k.as_str()))
        .map(|(k, v)| format!("{}={}", crate::url::encode(&k), crate::url::encode(&v)))
        .collect();
    let clean = if kept.is_empty() {
        path
    } else {
        format!("{path}?{}", kept.join("&"))
    };
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&clean));
    }
}

/// Handles `/callback`: validates, cleans the URL, redeems the code once. Returns the route
/// to go to on success (already validated) through `on_done`, and every failure through
/// `on_error`. A failure while already signed in (an old callback URL reopened) leaves the
/// session alone.
pub fn handle_callback(
    auth: Auth,
    config: Config,
    on_done: impl FnOnce(String) + 'static,
    on_error: impl Fn(AuthError) + 'static,
) {
    let fail = move |e: AuthError| {
        if !matches!(auth.state.get_untracked(), AuthState::SignedIn(_)) {
            auth.state.set(AuthState::Failed(e.clone()));
        }
        on_error(e);
    };
    if matches!(auth.state.get_untracked(), AuthState::Exchanging) {
        return;
    }
    let Some(w) = web_sys::window() else { return };
    let search = w.location().search().unwrap_or_default();
    let hash = w.location().hash().unwrap_or_default();
    strip_callback_params();
    if search.is_empty()
        && hash.is_empty()
        && matches!(auth.state.get_untracked(), AuthState::SignedIn(_))
    {
        // The view ran again after a successful sign-in: nothing to do.
        return;
    }
    let attempts = load_attempts();
    let result = oauth::validate_callback(
        &search,
        &hash,
        &attempts,
        now_ms(),
        config.issuer.as_deref(),
    );
    // Any answer tied to an attempt consumes it, success or error.
    let matched_state = match &result {
        Ok(ok) => Some(ok.attempt.state.clone()),
        Err(
            CallbackError::Denied
            | CallbackError::InvalidScope { .. }
            | CallbackError::Server { .. }
            | CallbackError::ErrorWithoutState
            | CallbackError::Malformed,
        ) => crate::url::parse_query(&search)
            .into_iter()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v)
            .or_else(|| (attempts.len() == 1).then(|| attempts[0].state.clone())),
        Err(_) => None,
    };
    if let Some(state) = matched_state {
        let rest: Vec<Attempt> = attempts.into_iter().filter(|a| a.state != state).collect();
        let _ = save_attempts(&rest);
    }
    let ok = match result {
        Ok(ok) => ok,
        Err(e) => {
            fail(e.into());
            return;
        }
    };
    let first = REDEEMED.with(|r| r.borrow_mut().insert(ok.code.clone()));
    if !first {
        return;
    }
    auth.state.set(AuthState::Exchanging);
    let callback_url = format!("{}{search}", config.redirect_uri);
    leptos::task::spawn_local(async move {
        let body = oauth::code_exchange_body(&ok.attempt, &ok.code);
        let mut steps = vec![
            step(
                "Authorization request (PKCE challenge S256, state)",
                mask_query(&ok.attempt.authorize_url),
            ),
            step("Callback", mask_query(&callback_url)),
            step(
                "Token request",
                format!("POST {}\n{}", config.token_url, mask_query(&body)),
            ),
        ];
        let outcome = match BrowserTransport.post_form(&config.token_url, body).await {
            Err(e) => Err(AuthError::Token(TokenError::Network(e))),
            Ok(reply) => {
                steps.push(step(
                    &format!("Token response (HTTP {})", reply.status),
                    mask_json(&reply.body),
                ));
                oauth::parse_token_response(reply.status, &reply.body, &ok.attempt.scopes)
                    .map_err(AuthError::from)
            }
        };
        record(steps, true);
        match outcome {
            Ok(tokens) => {
                let session = Session::new(
                    tokens,
                    &config,
                    &ok.attempt.scopes,
                    now_ms(),
                    ok.region,
                    ok.subdomain,
                );
                if let Err(e) = store::save_session(&session) {
                    fail(e.into());
                    return;
                }
                let missing = session.missing_scopes();
                if !missing.is_empty() {
                    auth.notice.set(Some(format!(
                        "PagerDuty granted fewer scopes than requested: missing {}. Pages that need them will say so.",
                        missing.join(", ")
                    )));
                }
                new_epoch();
                auth.state.set(AuthState::SignedIn(Box::new(session)));
                on_done(ok.attempt.return_to);
            }
            Err(e) => fail(e),
        }
    });
}
