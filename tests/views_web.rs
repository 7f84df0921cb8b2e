//! Browser tests of the list error view, the loader every page shows answers with, and the shared
//! table (searched and sorted in the page, rows without links).
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use pdscope::api::ApiError;
use pdscope::auth::{Auth, AuthState};
use pdscope::browser;
use pdscope::components::api_error::ApiErrorView;
use pdscope::config;
use pdscope::context::ConfigCtx;
use pdscope::nav::provide_nav;
use wasm_bindgen::JsCast;
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
async fn loaded_shows_loading_then_the_error_then_the_data() {
    use pdscope::components::load::Loaded;
    let el = common::container();
    let page = browser::page_context();
    let cfg = config::parse(r#"{"client_id":"v"}"#, &page).unwrap();
    let data = RwSignal::new(None::<Result<String, ApiError>>);
    let _h = leptos::mount::mount_to(el.clone(), move || {
        provide_context(ConfigCtx(cfg.clone()));
        provide_context(Auth::new(AuthState::SignedOut));
        provide_nav("/", false);
        view! { <Loaded data=data let:text><p class="data">{text}</p></Loaded> }
    });
    assert_eq!(el.text_content().unwrap(), "Loading…");
    assert!(el.query_selector("[role=status]").unwrap().is_some());
    data.set(Some(Err(ApiError::Server {
        status: 503,
        endpoint: "/services".into(),
    })));
    common::sleep(10).await;
    assert!(el.query_selector("[role=alert]").unwrap().is_some());
    assert!(el.text_content().unwrap().contains("server error (503)"));
    data.set(Some(Ok("<b>rows</b>".into())));
    common::sleep(10).await;
    assert_eq!(el.text_content().unwrap(), "<b>rows</b>");
    assert!(el.query_selector("b").unwrap().is_none(), "data is text");
    assert!(el.query_selector("[role=alert]").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn a_table_with_local_search_and_sort_and_rows_without_links() {
    use pdscope::components::table::{Rows, Table, TableQuery, TableTools, TableView};
    use std::sync::Arc;
    const COLUMNS: &[(&str, &str)] = &[("name", "Name"), ("status", "Status")];
    let el = common::container();
    let before = web_sys::window().unwrap().location().href().unwrap();
    let _h = leptos::mount::mount_to(el.clone(), move || {
        provide_nav("/", false);
        let rows = Memo::new(|_| {
            Some(Rows {
                index: Arc::new(pdscope::table::Index::new(vec![
                    vec!["b <img src=x>".into(), "active".into()],
                    vec!["a".into(), "nonsense".into()],
                ])),
                classes: Arc::new(["row-create", "row-error"]),
                note: Some("1 row could not be read".into()),
                ..Rows::default()
            })
        });
        let table = Table::new(COLUMNS, rows, TableQuery::local());
        view! {
            <TableTools table=table noun="rows" />
            <TableView table=table label="Preview" empty="No rows." />
        }
    });
    let cells = |sel: &str| {
        let list = el.query_selector_all(sel).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.text_content())
            .collect::<Vec<_>>()
    };
    assert_eq!(cells("tbody td:first-child"), vec!["b <img src=x>", "a"]);
    assert!(
        el.query_selector("tbody a, tbody img").unwrap().is_none(),
        "no links, no markup"
    );
    assert!(el
        .query_selector("tr.row-error td[data-col=Status] .badge-unknown")
        .unwrap()
        .is_some());
    assert!(el
        .text_content()
        .unwrap()
        .contains("1 row could not be read"));
    // Sorting by a header stays in the page: the address does not change.
    let name: web_sys::HtmlElement = el
        .query_selector("th button.sort")
        .unwrap()
        .unwrap()
        .unchecked_into();
    name.click();
    common::sleep(10).await;
    assert_eq!(cells("tbody td:first-child"), vec!["a", "b <img src=x>"]);
    let th = el.query_selector("th").unwrap().unwrap();
    assert_eq!(th.get_attribute("aria-sort").as_deref(), Some("ascending"));
    name.click();
    common::sleep(10).await;
    assert_eq!(cells("tbody td:first-child"), vec!["b <img src=x>", "a"]);
    assert_eq!(th.get_attribute("aria-sort").as_deref(), Some("descending"));
    // Search filters at once; nothing matching says so.
    let input: web_sys::HtmlInputElement = el
        .query_selector("input[type=search]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(input.placeholder(), "Search rows…");
    input.set_value("zzz");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    common::sleep(10).await;
    assert!(cells("tbody tr").is_empty());
    assert!(el
        .text_content()
        .unwrap()
        .contains("Nothing matches this search."));
    assert_eq!(
        web_sys::window().unwrap().location().href().unwrap(),
        before
    );
}

#[wasm_bindgen_test]
fn export_for_import_says_it_exports_the_whole_account() {
    let el = common::container();
    let page = browser::page_context();
    let cfg = config::parse(r#"{"client_id":"v","scopes":["users.read"]}"#, &page).unwrap();
    let _h = leptos::mount::mount_to(el.clone(), move || {
        provide_context(ConfigCtx(cfg.clone()));
        provide_context(Auth::new(AuthState::SignedOut));
        view! { <pdscope::components::ondemand::ExportForImport kind=pdscope::bulk::Kind::Users /> }
    });
    assert_eq!(buttons(&el), ["Export all users for import"]);
}
