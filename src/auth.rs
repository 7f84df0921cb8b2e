//! Sign-in state and the browser side of the flow: starting a sign-in, the callback, the
//! session in sessionStorage, refresh (automatic and on demand) and sign-out with revocation.
//! The decisions are made in the pure `oauth` and `refresh` modules; this is the glue.

use crate::browser::{self, StorageError};
use crate::config::Config;
use crate::inspect::{mask_json, mask_query, Step};
use crate::json::{self, FromJson};
use crate::oauth::{self, Attempt, CallbackError, Session, TokenError};
use crate::pkce;
use crate::refresh::{AutoRefresh, Due, HttpReply, RefreshFailure, Refresher, Transport};
use crate::routes;
use futures::future::{FutureExt, LocalBoxFuture};
use leptos::prelude::*;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::time::Duration;
use thiserror::Error;

const ATTEMPTS_KEY: &str = "attempts";
const SESSION_KEY: &str = "session";
const TIMELINE_KEY: &str = "timeline";

/// A list kept in this tab's sessionStorage (missing or unreadable: empty; damaged entries
/// are dropped).
fn load_list<T: FromJson>(key: &str) -> Vec<T> {
    browser::session_get(key)
        .ok()
        .flatten()
        .and_then(|s| json::parse(&s))
        .map(|v| json::items(&v))
        .unwrap_or_default()
}

/// Keeps a list in this tab's sessionStorage.
fn save_list(key: &str, items: Vec<Value>) -> Result<(), StorageError> {
    browser::session_set(key, &Value::Array(items).to_string())
}

/// The recorded steps of the last sign-in (secrets masked), for the inspector.
pub fn load_timeline() -> Vec<Step> {
    load_list(TIMELINE_KEY)
}

fn record(steps: Vec<Step>, replace: bool) {
    let mut all = if replace { Vec::new() } else { load_timeline() };
    all.extend(steps);
    // Bounded: a long-lived tab refreshing every few seconds must not grow without end.
    let keep = all.len().saturating_sub(40);
    let _ = save_list(
        TIMELINE_KEY,
        all[keep..].iter().map(Step::to_json).collect(),
    );
}

fn step(title: &str, detail: String) -> Step {
    Step {
        at_ms: now_ms(),
        title: title.to_string(),
        detail,
    }
}

/// Where sign-in stands. One enum, never a set of booleans.
#[derive(Clone, Debug, PartialEq)]
pub enum AuthState {
    SignedOut,
    Redirecting,
    Exchanging,
    SignedIn(Box<Session>),
    Failed(AuthError),
}

/// Everything that can end a sign-in, each with its own message.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum AuthError {
    #[error(transparent)]
    Callback(#[from] CallbackError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("The browser could not make random numbers for the sign-in ({0}). Use a current browser over https or localhost.")]
    Random(String),
}

/// The auth context: state plus a one-line notice (sign-out results, refresh problems).
#[derive(Clone, Copy)]
pub struct Auth {
    pub state: RwSignal<AuthState>,
    pub notice: RwSignal<Option<String>>,
    /// Set when automatic refresh has given up (the token expired after failed refreshes):
    /// the last error. The page then offers Retry and Sign in again.
    pub refresh_stalled: RwSignal<Option<String>>,
    /// Counts the times the session ended in this tab (sign-out, or PagerDuty refusing the
    /// refresh token), raised only by `end_session`. What holds data of the account apart
    /// from the session (the second module) watches it and lets go.
    pub ended: RwSignal<u64>,
}

impl Auth {
    /// A context in `state`, with no notice.
    pub fn new(state: AuthState) -> Auth {
        Auth {
            state: RwSignal::new(state),
            notice: RwSignal::new(None),
            refresh_stalled: RwSignal::new(None),
            ended: RwSignal::new(0),
        }
    }
    pub fn session(&self) -> Option<Session> {
        match self.state.get() {
            AuthState::SignedIn(s) => Some(*s),
            _ => None,
        }
    }
    pub fn session_untracked(&self) -> Option<Session> {
        untrack(|| self.session())
    }
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

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

/// Pending attempts in this tab, without stale ones.
pub fn load_attempts() -> Vec<Attempt> {
    let now = now_ms();
    load_list::<Attempt>(ATTEMPTS_KEY)
        .into_iter()
        .filter(|a| now - a.created_ms < oauth::ATTEMPT_TTL_MS)
        .collect()
}

fn save_attempts(attempts: &[Attempt]) -> Result<(), StorageError> {
    if attempts.is_empty() {
        browser::session_remove(ATTEMPTS_KEY);
        return Ok(());
    }
    save_list(
        ATTEMPTS_KEY,
        attempts.iter().map(Attempt::to_json).collect(),
    )
}

fn save_session(session: &Session) -> Result<(), StorageError> {
    browser::session_set(SESSION_KEY, &session.to_json().to_string())
}

/// Creates the auth context, restoring a session saved in this tab.
pub fn provide_auth() -> Auth {
    let initial = match browser::session_get(SESSION_KEY) {
        Err(e) => AuthState::Failed(e.into()),
        Ok(None) => AuthState::SignedOut,
        Ok(Some(text)) => match json::parse(&text).as_ref().and_then(Session::from_json) {
            Some(s) if s.is_expired(now_ms()) && s.refresh_token.is_none() => {
                browser::session_remove(SESSION_KEY);
                AuthState::SignedOut
            }
            Some(s) => AuthState::SignedIn(Box::new(s)),
            None => {
                browser::session_remove(SESSION_KEY);
                AuthState::SignedOut
            }
        },
    };
    let auth = Auth::new(initial);
    provide_context(auth);
    // Refresh shortly before expiry: a cheap once-a-second check, robust to sleep and
    // timer throttling in background tabs. After a failure it backs off, and once the token
    // has expired it stops and asks the person (`refresh::AutoRefresh`).
    let handle = set_interval_with_handle(
        move || {
            let Some(s) = auth.session_untracked() else {
                return;
            };
            if REFRESHER.with(|r| r.busy()) {
                return;
            }
            match AUTO.with(|a| a.borrow().due(&s, now_ms())) {
                Due::Wait => {}
                Due::Refresh => leptos::task::spawn_local(async move {
                    let _ = refresh_now(auth).await;
                }),
                Due::Stalled => {
                    if auth.refresh_stalled.get_untracked().is_none() {
                        let why = s
                            .last_refresh
                            .clone()
                            .unwrap_or_else(|| "the token endpoint did not answer".into());
                        auth.refresh_stalled.set(Some(why));
                    }
                }
            }
        },
        Duration::from_secs(1),
    );
    if let Ok(h) = handle {
        on_cleanup(move || h.clear());
    }
    auth
}

/// The scopes a sign-in asks for: the configured ones plus `extra`, without duplicates.
pub fn scopes_with(config: &Config, extra: &[String]) -> Vec<String> {
    let mut scopes = config.scopes.clone();
    for s in extra {
        if !scopes.contains(s) {
            scopes.push(s.clone());
        }
    }
    scopes
}

/// Starts a sign-in: PKCE and state from the CSPRNG, saved in this tab, then off to the
/// authorize page. `return_to` is validated; anything unsafe returns to `/`.
pub fn start_sign_in(auth: Auth, config: &Config, extra_scopes: &[String], return_to: &str) {
    start_sign_in_with(auth, config, scopes_with(config, extra_scopes), return_to);
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
    prepare_with(config, scopes_with(config, extra_scopes), return_to)
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
    static REFRESHER: Refresher<BrowserTransport> = Refresher::new(BrowserTransport);
    /// Backoff of the automatic refresh after failures.
    static AUTO: RefCell<AutoRefresh> = RefCell::new(AutoRefresh::default());
    /// Bumped by sign-out and by every new sign-in: a refresh that started under another
    /// epoch belongs to a session that is gone.
    static EPOCH: Cell<u64> = const { Cell::new(0) };
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
                if let Err(e) = save_session(&session) {
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
                EPOCH.with(|e| e.set(e.get() + 1));
                auth.state.set(AuthState::SignedIn(Box::new(session)));
                on_done(ok.attempt.return_to);
            }
            Err(e) => fail(e),
        }
    });
}

/// Refreshes now (joining a refresh in flight). `invalid_grant` signs the tab out; any other
/// failure backs off the automatic refresh. The outcome is applied once, by the run itself
/// (`apply_refresh`), and the run is driven on its own, so leaving the page that asked never
/// strands it. Tokens that arrive after the tab signed out (or signed in anew) are revoked.
pub async fn refresh_now(auth: Auth) -> Result<(), TokenError> {
    let Some(session) = auth.session_untracked() else {
        return Err(TokenError::InvalidGrant(Some("not signed in".into())));
    };
    let refresher = REFRESHER.with(|r| r.clone());
    let epoch = EPOCH.with(Cell::get);
    let run = refresher.refresh(session, now_ms(), move |out| {
        apply_refresh(auth, epoch, out)
    });
    leptos::task::spawn_local(run.clone().map(|_| ()));
    match run.await {
        Ok(_) if auth.session_untracked().is_some() => Ok(()),
        Ok(_) => Err(TokenError::InvalidGrant(Some("signed out".into()))),
        Err(f) => Err(f.error),
    }
}

/// A refresh succeeded, or the session ended: no back-off, no "could not refresh" prompt.
fn refresh_trouble_over(auth: Auth) {
    AUTO.with(|a| a.borrow_mut().reset());
    auth.refresh_stalled.set(None);
}

/// What a finished refresh means for the tab; runs once per refresh.
fn apply_refresh(auth: Auth, epoch: u64, out: &Result<Session, RefreshFailure>) {
    if EPOCH.with(Cell::get) != epoch {
        // Signed out (or in again) while it ran: keep nothing, revoke what it brought, and
        // write nothing to the tab, which sign-out cleared.
        if let Ok(new) = out {
            let new = new.clone();
            leptos::task::spawn_local(async move {
                let _ = revoke_all(&new).await;
            });
        }
        return;
    }
    match out {
        Ok(new) => {
            refresh_trouble_over(auth);
            record(
                vec![step(
                    &format!("Refresh (rotation {})", new.rotations),
                    "New access and refresh tokens received; the old refresh token is spent."
                        .into(),
                )],
                false,
            );
            let _ = save_session(new);
            auth.state.set(AuthState::SignedIn(Box::new(new.clone())));
        }
        Err(RefreshFailure {
            error: TokenError::InvalidGrant(_),
            ..
        }) => {
            end_session(auth, Ended::Refused);
            auth.notice.set(Some(
                "Your PagerDuty session ended (the refresh token is no longer valid). Sign in again.".into(),
            ));
        }
        Err(RefreshFailure {
            error,
            retry_after_s,
        }) => {
            let wait_ms = AUTO.with(|a| {
                a.borrow_mut()
                    .failed(now_ms(), error, *retry_after_s, js_sys::Math::random())
            });
            record(
                vec![step(
                    "Refresh failed",
                    format!(
                        "{error}\nNext automatic attempt in {} s at the earliest (none once the access token has expired).",
                        // Whole seconds as an integer: formatting an f64 costs the
                        // release ~10 KB of float printing.
                        (wait_ms / 1000.0).ceil() as u64
                    ),
                )],
                false,
            );
            if let Some(mut s) = auth.session_untracked() {
                s.last_refresh = Some(format!("failed: {error}"));
                if auth.refresh_stalled.get_untracked().is_some() {
                    auth.refresh_stalled.set(Some(format!("failed: {error}")));
                }
                let _ = save_session(&s);
                auth.state.set(AuthState::SignedIn(Box::new(s)));
            }
        }
    }
}

/// Revokes a session's refresh and access tokens (RFC 7009). Returns the failures.
async fn revoke_all(s: &Session) -> Vec<String> {
    let mut failures = Vec::new();
    let tokens = [
        (s.refresh_token.clone(), "refresh_token"),
        (Some(s.access_token.clone()), "access_token"),
    ];
    for (token, hint) in tokens {
        let Some(token) = token else { continue };
        let body = oauth::revoke_body(&s.client_id, &token, hint);
        match BrowserTransport.post_form(&s.revoke_url, body).await {
            Ok(r) if (200..300).contains(&r.status) => {}
            Ok(r) => failures.push(format!("HTTP {}", r.status)),
            Err(e) => failures.push(e),
        }
    }
    failures
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ended {
    /// The person signed out.
    SignedOut,
    /// PagerDuty refused the refresh token (`invalid_grant`).
    Refused,
}

/// Ends the session in this tab, the one way both sign-out and a refused refresh go: a
/// refresh still in flight now belongs to a gone session (it revokes what it brings), every
/// key the app keeps in this tab goes, the tab is signed out, and [`Auth::ended`] is raised.
/// What each path tells the person is its own.
fn end_session(auth: Auth, why: Ended) {
    EPOCH.with(|e| e.set(e.get() + 1));
    // A client id imported from a credentials file is the tab's app, not its session: the
    // person did not sign out, and signing in again (a new page load) must use the same app.
    let app = match why {
        Ended::Refused => browser::session_get(browser::IMPORTED_KEY).ok().flatten(),
        Ended::SignedOut => None,
    };
    browser::session_clear_all();
    if let Some(id) = app {
        let _ = browser::session_set(browser::IMPORTED_KEY, &id);
    }
    refresh_trouble_over(auth);
    auth.state.set(AuthState::SignedOut);
    auth.ended.update(|n| *n += 1);
}

/// Signs out: the session ends first (`end_session`: every key the app keeps in this tab
/// goes), then the refresh and access tokens are revoked. A refresh still in flight revokes
/// what it brings when it lands (`apply_refresh`).
pub fn sign_out(auth: Auth) {
    let session = auth.session_untracked();
    end_session(auth, Ended::SignedOut);
    let Some(s) = session else { return };
    auth.notice
        .set(Some("Signed out. Revoking the token…".into()));
    leptos::task::spawn_local(async move {
        let failures = revoke_all(&s).await;
        auth.notice.set(Some(if failures.is_empty() {
            "Signed out, and PagerDuty revoked the token.".into()
        } else {
            let until = s
                .expires_ms
                .map(|e| format!(" until {}", crate::timefmt::iso(e)))
                .unwrap_or_default();
            format!(
                "Signed out in this tab, but the token could not be revoked ({}). It may stay valid{until}.",
                failures.join("; ")
            )
        }));
    });
}

/// POSTs form bodies with gloo-net. Any failure to get an HTTP answer (network, CORS) is `Err`.
#[derive(Clone, Copy)]
pub struct BrowserTransport;

impl Transport for BrowserTransport {
    fn post_form(
        &self,
        url: &str,
        body: String,
    ) -> LocalBoxFuture<'static, Result<HttpReply, String>> {
        let url = url.to_string();
        async move {
            let req = gloo_net::http::Request::post(&url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .map_err(|e| e.to_string())?;
            let resp = req.send().await.map_err(|e| e.to_string())?;
            let status = resp.status();
            // Seconds only (the HTTP-date form is rare on token endpoints); readable only
            // when the server exposes it to the page.
            let retry_after_s = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.trim().parse::<u32>().ok())
                .map(f64::from);
            let body = resp.text().await.unwrap_or_default();
            Ok(HttpReply {
                status,
                body,
                retry_after_s,
            })
        }
        .boxed_local()
    }
}
