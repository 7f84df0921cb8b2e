//! Browser tests (wasm-bindgen-test, headless Chromium and Firefox): mount real components
//! and touch the real sessionStorage.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use pdscope::app::Shell;
use pdscope::browser;
use pdscope::config::{self, ConfigError, PageContext};
use pdscope::pages::setup::Setup;
use wasm_bindgen_test::*;

mod common;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

#[wasm_bindgen_test]
fn setup_screen_says_what_is_wrong_and_shows_a_valid_example() {
    let el = common::container();
    let handle = leptos::mount::mount_to(el.clone(), || {
        view! { <Setup error=ConfigError::UnknownRegion("apac".into()) /> }
    });
    let text = el.text_content().unwrap();
    assert!(text.contains("Unknown region \"apac\""), "{text}");
    assert!(text.contains("\"client_id\""), "shows the example: {text}");
    assert!(el.query_selector("[role=alert]").unwrap().is_some());
    drop(handle);
}

#[wasm_bindgen_test]
async fn shell_renders_header_navigation_and_home() {
    let page = browser::page_context();
    let cfg = config::parse(
        r#"{"client_id":"test-client","scopes":["read"],"region":"eu"}"#,
        &page,
    )
    .unwrap();
    let el = common::container();
    let handle = leptos::mount::mount_to(
        el.clone(),
        move || view! { <Shell config=cfg.clone() page=page.clone() /> },
    );
    common::sleep(20).await;
    let links: Vec<String> = {
        let list = el.query_selector_all("nav a").unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.text_content())
            .collect()
    };
    assert_eq!(links, vec!["Services", "Users", "Import", "Audit", "Token"]);
    let text = el.text_content().unwrap();
    assert!(text.contains("test-client"), "{text}");
    assert!(text.contains("api.eu.pagerduty.com"), "{text}");
    drop(handle);
}

#[wasm_bindgen_test]
fn page_context_reads_origin_and_base() {
    let page = browser::page_context();
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    assert_eq!(page.origin, origin);
    assert!(page.base_path.starts_with('/') && page.base_path.ends_with('/'));
    assert!(page.default_redirect_uri().ends_with("/callback"));
}

#[wasm_bindgen_test]
fn page_context_follows_a_base_element() {
    let base = document().create_element("base").unwrap();
    base.set_attribute("href", "/tools/pdscope/").unwrap();
    document()
        .head()
        .unwrap()
        .prepend_with_node_1(&base)
        .unwrap();
    let page = browser::page_context();
    base.remove();
    assert_eq!(page.base_path, "/tools/pdscope/");
    assert_eq!(
        page.default_redirect_uri(),
        format!("{}/tools/pdscope/callback", page.origin)
    );
}

#[wasm_bindgen_test]
fn session_storage_round_trip_and_isolation_from_local_storage() {
    browser::session_set("test.key", "pdus+_0abc").unwrap();
    assert_eq!(
        browser::session_get("test.key").unwrap().as_deref(),
        Some("pdus+_0abc")
    );
    let raw = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap();
    assert_eq!(
        raw.get_item("pdscope.test.key").unwrap().as_deref(),
        Some("pdus+_0abc")
    );
    let local = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    assert_eq!(local.get_item("pdscope.test.key").unwrap(), None);
    browser::session_remove("test.key");
    assert_eq!(browser::session_get("test.key").unwrap(), None);
}

#[wasm_bindgen_test]
async fn config_loading_reports_missing_and_invalid_files() {
    let page = PageContext {
        origin: web_sys::window().unwrap().location().origin().unwrap(),
        base_path: "/".into(),
    };
    // The test server serves the repository root, so these are real fetches.
    match browser::load_config_from("does-not-exist.json", &page).await {
        Err(ConfigError::NotFound { status }) => assert_eq!(status, 404),
        other => panic!("expected NotFound, got {other:?}"),
    }
    match browser::load_config_from("Cargo.toml", &page).await {
        Err(ConfigError::NotJson(_)) => {}
        other => panic!("expected NotJson, got {other:?}"),
    }
    let cfg = browser::load_config_from("config.json", &page)
        .await
        .unwrap();
    assert_eq!(cfg.client_id, "pdscope-local");
    assert_eq!(cfg.redirect_uri, format!("{}/callback", page.origin));
}
