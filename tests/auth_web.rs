//! Browser tests of the sign-in glue: the transaction in sessionStorage, the address bar
//! clean-up, and a callback handled twice redeeming its code once.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use pdscope::auth::{self, Auth, AuthError, AuthState};
use pdscope::browser;
use pdscope::config::{self, Config};
use pdscope::oauth::{Attempt, CallbackError, TokenError};
use pdscope::pkce;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen_test::*;

mod common;

wasm_bindgen_test_configure!(run_in_browser);

fn config() -> Config {
    let page = browser::page_context();
    // A token URL on this origin that answers 404: a real request, never a real token.
    config::parse(
        &format!(
            r#"{{"client_id":"web-test","scopes":["read"],"token_url":"{}/no-token-endpoint"}}"#,
            page.origin
        ),
        &page,
    )
    .unwrap()
}

fn new_auth() -> Auth {
    Auth::new(AuthState::SignedOut)
}

fn set_url(url: &str) {
    let history = web_sys::window().unwrap().history().unwrap();
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url))
        .unwrap();
}

fn location() -> (String, String) {
    let l = web_sys::window().unwrap().location();
    (l.pathname().unwrap(), l.search().unwrap())
}

fn stored_attempts() -> Vec<Attempt> {
    browser::session_get("attempts")
        .unwrap()
        .map(|s| pdscope::json::items(&serde_json::from_str(&s).unwrap()))
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn a_sign_in_attempt_is_saved_in_this_tab_with_pkce_and_state() {
    browser::session_remove("attempts");
    let cfg = config();
    let url = auth::prepare_sign_in(&cfg, &["users.read".into()], "//evil.example/x").unwrap();
    let attempts = stored_attempts();
    assert_eq!(attempts.len(), 1);
    let a = &attempts[0];
    assert!(pkce::is_valid_verifier(&a.verifier));
    assert!(a.state.len() >= 22, "at least 128 bits of state");
    assert_eq!(a.return_to, "/", "an unsafe return path falls back to /");
    assert_eq!(a.scopes, vec!["read", "users.read"]);
    assert!(url.contains(&format!("code_challenge={}", pkce::challenge(&a.verifier))));
    assert!(url.contains(&format!("state={}", a.state)));
    assert!(
        !url.contains(&a.verifier),
        "the verifier never leaves the tab"
    );
    // A second attempt gets fresh values.
    auth::prepare_sign_in(&cfg, &[], "/services").unwrap();
    let attempts = stored_attempts();
    assert_eq!(attempts.len(), 2);
    assert_ne!(attempts[0].verifier, attempts[1].verifier);
    assert_ne!(attempts[0].state, attempts[1].state);
    assert_eq!(attempts[1].return_to, "/services");
    assert!(
        web_sys::window()
            .unwrap()
            .local_storage()
            .unwrap()
            .unwrap()
            .length()
            .unwrap()
            == 0
    );
    browser::session_remove("attempts");
}

#[wasm_bindgen_test]
async fn the_callback_cleans_the_url_and_redeems_its_code_once_even_if_run_twice() {
    let (path, search) = location();
    browser::session_remove("attempts");
    let _owner = common::executor_owner();
    let cfg = config();
    auth::prepare_sign_in(&cfg, &[], "/users").unwrap();
    let state = stored_attempts()[0].state.clone();
    set_url(&format!(
        "/callback?code=c0de%2B1&state={state}&subdomain=acme&service_region=eu&keep=1"
    ));
    let a = new_auth();
    let errors = Rc::new(Cell::new(0));
    let done = Rc::new(Cell::new(0));
    for _ in 0..2 {
        let (e, d) = (errors.clone(), done.clone());
        auth::handle_callback(
            a,
            cfg.clone(),
            move |_| d.set(d.get() + 1),
            move |_| e.set(e.get() + 1),
        );
        // The response parameters are gone from the address bar at once; others stay.
        assert_eq!(location(), ("/callback".to_string(), "?keep=1".to_string()));
    }
    assert!(
        stored_attempts().is_empty(),
        "the attempt is consumed before redeeming"
    );
    common::sleep(300).await;
    // One exchange ran (against a 404 endpoint) and failed once; the second run did nothing.
    assert_eq!(errors.get(), 1);
    assert_eq!(done.get(), 0);
    match a.state.get_untracked() {
        AuthState::Failed(AuthError::Token(TokenError::Malformed(m))) => {
            assert!(m.contains("404"), "{m}")
        }
        other => panic!("unexpected state {other:?}"),
    }
    // A third run with the cleaned URL is a stale link, not a second exchange.
    let e = errors.clone();
    auth::handle_callback(a, cfg, |_| {}, move |_| e.set(e.get() + 1));
    assert_eq!(errors.get(), 2);
    assert_eq!(
        a.state.get_untracked(),
        AuthState::Failed(AuthError::Callback(CallbackError::Stale))
    );
    set_url(&format!("{path}{search}"));
}

#[wasm_bindgen_test]
fn an_error_with_a_forged_state_is_not_trusted_and_keeps_the_attempt() {
    let (path, search) = location();
    browser::session_remove("attempts");
    let _owner = Owner::new();
    let cfg = config();
    auth::prepare_sign_in(&cfg, &[], "/").unwrap();
    set_url("/callback?error=access_denied&state=forged");
    let a = new_auth();
    auth::handle_callback(a, cfg, |_| {}, |_| {});
    assert_eq!(
        a.state.get_untracked(),
        AuthState::Failed(AuthError::Callback(CallbackError::UntrustedError))
    );
    assert_eq!(
        stored_attempts().len(),
        1,
        "a forged answer does not consume the real attempt"
    );
    assert_eq!(location().1, "");
    browser::session_remove("attempts");
    set_url(&format!("{path}{search}"));
}

#[wasm_bindgen_test]
async fn sign_out_removes_every_key_the_app_keeps_and_only_those() {
    let _owner = common::executor_owner();
    let page = browser::page_context();
    // Revocation goes to a 404 on this origin: a real request, never a real token.
    let cfg = config::parse(
        &format!(
            r#"{{"client_id":"web-test","revoke_url":"{}/no-revoke-endpoint"}}"#,
            page.origin
        ),
        &page,
    )
    .unwrap();
    let tokens = pdscope::oauth::parse_token_response(
        200,
        r#"{"access_token":"a1","token_type":"bearer","expires_in":60,"refresh_token":"r1"}"#,
        &[],
    )
    .unwrap();
    let session = pdscope::oauth::Session::new(tokens, &cfg, &["read".into()], 0.0, None, None);
    let storage = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap();
    for key in [
        "session",
        "attempts",
        "timeline",
        browser::CREDENTIALS_CLIENT_ID_KEY,
        "some_future_key",
    ] {
        browser::session_set(key, "x").unwrap();
    }
    storage.set_item("not-ours", "kept").unwrap();
    let a = new_auth();
    a.state.set(AuthState::SignedIn(Box::new(session)));
    a.refresh_stalled.set(Some("failed".into()));
    auth::sign_out(a);
    let left = pdscope_keys();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert_eq!(
        storage.get_item("not-ours").unwrap().as_deref(),
        Some("kept")
    );
    assert_eq!(a.state.get_untracked(), AuthState::SignedOut);
    assert_eq!(a.refresh_stalled.get_untracked(), None);
    assert_eq!(
        a.ended.get_untracked(),
        1,
        "the session-ended signal is raised"
    );
    // The revocation failed (404): the tab is still signed out and says so.
    common::sleep(300).await;
    let notice = a.notice.get_untracked().unwrap_or_default();
    assert!(notice.contains("could not be revoked"), "{notice}");
    storage.remove_item("not-ours").unwrap();
}

/// A session that expired long ago and has no refresh token: refreshing it is refused
/// (invalid_grant) without a request, and the tab cannot use it again.
fn expired_without_refresh_token() -> pdscope::oauth::Session {
    let tokens = pdscope::oauth::parse_token_response(
        200,
        r#"{"access_token":"a1","token_type":"bearer","expires_in":60}"#,
        &[],
    )
    .unwrap();
    pdscope::oauth::Session::new(tokens, &config(), &["read".into()], 0.0, None, None)
}

/// The keys this app keeps in the tab's sessionStorage.
fn pdscope_keys() -> Vec<String> {
    let storage = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap();
    (0..storage.length().unwrap())
        .filter_map(|i| storage.key(i).unwrap())
        .filter(|k| k.starts_with("pdscope."))
        .collect()
}

#[wasm_bindgen_test]
async fn a_refused_refresh_ends_the_session_like_sign_out_but_keeps_the_tabs_app() {
    let _owner = common::executor_owner();
    // A session without a refresh token: refreshing it is refused (invalid_grant) without
    // a request.
    let session = expired_without_refresh_token();
    for key in [
        "session",
        "attempts",
        "timeline",
        pdscope::bulk::journal::KEY,
    ] {
        browser::session_set(key, "x").unwrap();
    }
    browser::session_set(browser::CREDENTIALS_CLIENT_ID_KEY, "imported-id").unwrap();
    let a = new_auth();
    a.state.set(AuthState::SignedIn(Box::new(session)));
    let out = auth::refresh_now(a).await;
    assert!(matches!(out, Err(TokenError::InvalidGrant(_))), "{out:?}");
    assert_eq!(
        pdscope_keys(),
        vec![format!("pdscope.{}", browser::CREDENTIALS_CLIENT_ID_KEY)],
        "only the tab's app is left"
    );
    assert_eq!(a.state.get_untracked(), AuthState::SignedOut);
    assert_eq!(
        a.ended.get_untracked(),
        1,
        "the session-ended signal is raised"
    );
    let notice = a.notice.get_untracked().unwrap_or_default();
    assert!(notice.contains("Sign in again"), "{notice}");
    browser::session_remove(browser::CREDENTIALS_CLIENT_ID_KEY);
}

#[wasm_bindgen_test]
async fn a_saved_session_that_can_no_longer_be_used_ends_like_a_refused_refresh() {
    let _owner = common::executor_owner();
    // Expired long ago, and no refresh token: the tab cannot use it again.
    let session = expired_without_refresh_token();
    browser::session_set("session", &session.to_json().to_string()).unwrap();
    for key in ["attempts", "timeline", pdscope::bulk::journal::KEY] {
        browser::session_set(key, "x").unwrap();
    }
    browser::session_set(browser::CREDENTIALS_CLIENT_ID_KEY, "imported-id").unwrap();
    let a = auth::provide_auth();
    assert_eq!(a.state.get_untracked(), AuthState::SignedOut);
    // What it read of the account (the journal), its timeline and attempts went with it.
    assert_eq!(
        pdscope_keys(),
        vec![format!("pdscope.{}", browser::CREDENTIALS_CLIENT_ID_KEY)]
    );
    browser::session_remove(browser::CREDENTIALS_CLIENT_ID_KEY);
}
