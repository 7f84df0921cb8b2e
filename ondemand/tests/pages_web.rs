//! Browser tests of the on-demand module's pages (Import, the token inspector's views),
//! mounted with a host function like the one the app hands them.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use pdscope::host::{host_function, HostCall};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

#[path = "../../tests/common/mod.rs"]
mod common;

wasm_bindgen_test_configure!(run_in_browser);

/// A host with no session (signed out): the check works without one.
fn signed_out_host() -> js_sys::Function {
    host_function(Box::new(|call: HostCall, _| match call {
        HostCall::Refresh => js_sys::Promise::resolve(&JsValue::FALSE).into(),
        HostCall::Scoped => JsValue::FALSE,
        _ => JsValue::UNDEFINED,
    }))
}

fn click(el: &web_sys::HtmlElement, text: &str) {
    let buttons = el.get_elements_by_tag_name("button");
    let b = (0..buttons.length())
        .filter_map(|i| buttons.item(i))
        .find(|b| b.text_content().as_deref() == Some(text))
        .unwrap_or_else(|| panic!("no button {text}"));
    b.unchecked_into::<web_sys::HtmlElement>().click();
}

/// Pastes `text` into the page's CSV box and presses "Check pasted text".
async fn paste_and_check(el: &web_sys::HtmlElement, text: &str) {
    let textarea: web_sys::HtmlTextAreaElement = el
        .query_selector("textarea")
        .unwrap()
        .unwrap()
        .unchecked_into();
    textarea.set_value(text);
    textarea
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    click(el, "Check pasted text");
    common::sleep(50).await;
}

#[wasm_bindgen_test]
async fn hostile_csv_text_is_shown_as_text_and_every_problem_named() {
    let el = common::container();
    let _h = pdscope_ondemand::pages::bulk::mount(el.clone(), signed_out_host());
    let hostile = "name,email,role\n\"<img src=x onerror=alert(1)>\",\"<b>x</b>@example.com\",<script>alert(2)</script>\nAda,ada@example.com,Responder\n";
    paste_and_check(&el, hostile).await;
    let text = el.text_content().unwrap();
    assert!(
        text.contains("pasted text: read as pdscope users. 2 users: 1 ready, 1 with problems."),
        "{text}"
    );
    assert!(
        text.contains("<script>alert(2)</script>\" is not a PagerDuty role"),
        "{text}"
    );
    assert!(text.contains("<b>x</b>@example.com"), "{text}");
    // Text, not markup: no element came from the file.
    assert!(el.query_selector("img").unwrap().is_none());
    assert!(el.query_selector("script").unwrap().is_none());
    assert!(el.query_selector("td b").unwrap().is_none());
    // Signed out, the plan step asks for sign-in rather than failing.
    assert!(
        text.contains("Sign in to compare the file with your PagerDuty account."),
        "{text}"
    );
}

#[wasm_bindgen_test]
async fn a_file_that_is_not_csv_says_why() {
    let el = common::container();
    let _h = pdscope_ondemand::pages::bulk::mount(el.clone(), signed_out_host());
    paste_and_check(&el, "name,title\nAda,SRE\n").await;
    let alert = el.query_selector("[role=alert]").unwrap().unwrap();
    assert!(
        alert
            .text_content()
            .unwrap()
            .contains("pasted text: The file has no email column."),
        "{:?}",
        alert.text_content()
    );
}

#[wasm_bindgen_test]
fn jwts_are_decoded_locally_and_opaque_tokens_say_so() {
    let el = common::container();
    // {"alg":"RS256"} . {"exp":1646086260,"sub":"<b>x</b>"}
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE2NDYwODYyNjAsInN1YiI6IjxiPng8L2I-In0.sig";
    let _h = leptos::mount::mount_to(el.clone(), move || {
        view! {
            <pdscope_ondemand::pages::token::JwtView label="id_token" token=jwt.to_string() />
            <pdscope_ondemand::pages::token::JwtView label="Access token" token="pdus+_0XBPWQQ_b2b2060b".to_string() />
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
