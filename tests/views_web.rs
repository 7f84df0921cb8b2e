//! Browser tests of the list error view and the inspector's JWT view.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use pdscope::api::ApiError;
use pdscope::app::ConfigCtx;
use pdscope::auth::{Auth, AuthState};
use pdscope::browser;
use pdscope::components::api_error::ApiErrorView;
use pdscope::config;
use pdscope::nav::provide_nav;
use pdscope::pages::token::JwtView;
use wasm_bindgen_test::*;

mod common;

wasm_bindgen_test_configure!(run_in_browser);

fn buttons(el: &web_sys::HtmlElement) -> Vec<String> {
    let list = el.get_elements_by_tag_name("button");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|b| b.text_content())
        .collect()
}

#[wasm_bindgen_test]
fn a_missing_scope_is_explained_with_a_way_to_ask_for_it() {
    let el = common::container();
    let page = browser::page_context();
    let cfg = config::parse(r#"{"client_id":"v","scopes":["services.read"]}"#, &page).unwrap();
    let _h = leptos::mount::mount_to(el.clone(), move || {
        provide_context(ConfigCtx(cfg.clone()));
        provide_context(Auth::new(AuthState::SignedOut));
        let error = ApiError::MissingScope {
            required: vec!["users.read".into()],
            granted: vec!["openid".into(), "services.read".into()],
        };
        provide_nav("/", false);
        view! { <ApiErrorView error=error /> }
    });
    let text = el.text_content().unwrap();
    assert!(
        text.contains("This token lacks users.read. It has: openid services.read."),
        "{text}"
    );
    assert_eq!(buttons(&el), vec!["Sign in again with users.read"]);
    assert!(el.query_selector("[role=alert]").unwrap().is_some());
}

#[wasm_bindgen_test]
fn server_errors_are_shown_without_a_sign_in_button() {
    let el = common::container();
    let page = browser::page_context();
    let cfg = config::parse(r#"{"client_id":"v"}"#, &page).unwrap();
    let _h = leptos::mount::mount_to(el.clone(), move || {
        provide_context(ConfigCtx(cfg.clone()));
        provide_context(Auth::new(AuthState::SignedOut));
        let error = ApiError::Server {
            status: 503,
            endpoint: "/services".into(),
        };
        provide_nav("/", false);
        view! { <ApiErrorView error=error /> }
    });
    assert!(el
        .text_content()
        .unwrap()
        .contains("server error (503) at /services"));
    assert!(buttons(&el).is_empty());
}

#[wasm_bindgen_test]
fn jwts_are_decoded_locally_and_opaque_tokens_say_so() {
    let el = common::container();
    // {"alg":"RS256"} . {"exp":1646086260,"sub":"<b>x</b>"}
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE2NDYwODYyNjAsInN1YiI6IjxiPng8L2I-In0.sig";
    let _h = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <JwtView label="id_token" token=jwt.to_string() />
            <JwtView label="Access token" token="pdus+_0XBPWQQ_b2b2060b".to_string() />
        }
    });
    let text = el.text_content().unwrap();
    assert!(
        text.contains("id_token: JWT, decoded locally, signature not verified"),
        "{text}"
    );
    assert!(
        text.contains("2022-02-28 22:11:00 UTC (1646086260)"),
        "{text}"
    );
    assert!(text.contains("<b>x</b>"), "claims are text: {text}");
    assert!(
        el.query_selector("b").unwrap().is_none(),
        "claims never become markup"
    );
    assert!(text.contains("Access token: opaque"), "{text}");
}
