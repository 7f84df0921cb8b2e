//! Browser tests of the Services table: rows render, hostile names stay text, search filters,
//! and a failing API shows its error. The test server serves `tests/fixtures/api/services`
//! as the API's answer (it ignores the query string), so the real client code runs.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use pdscope::auth::{Auth, AuthState};
use pdscope::browser;
use pdscope::config;
use pdscope::context::ConfigCtx;
use pdscope::nav::provide_nav;
use pdscope::oauth::{parse_token_response, Session};
use pdscope::pages::lists::ServicesPage;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod common;

wasm_bindgen_test_configure!(run_in_browser);

fn mount_services(api_path: &str) -> web_sys::HtmlElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let el: web_sys::HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&el).unwrap();
    let page = browser::page_context();
    let cfg = config::parse(
        &format!(
            r#"{{"client_id":"web","api_url":"{}{}"}}"#,
            page.origin, api_path
        ),
        &page,
    )
    .unwrap();
    let tokens = parse_token_response(
        200,
        r#"{"access_token":"t","token_type":"bearer","expires_in":3600}"#,
        &[],
    )
    .unwrap();
    let session = Session::new(
        tokens,
        &cfg,
        &["read".into()],
        js_sys::Date::now(),
        None,
        None,
    );
    leptos::mount::mount_to(el.clone(), move || {
        provide_context(ConfigCtx(cfg.clone()));
        provide_context(Auth::new(AuthState::SignedIn(Box::new(session.clone()))));
        provide_nav("/", false);
        view! { <ServicesPage /> }
    })
    .forget();
    el
}

fn rows(el: &web_sys::HtmlElement) -> Vec<String> {
    let list = el.query_selector_all("tbody tr").unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.text_content())
        .collect()
}

#[wasm_bindgen_test]
async fn the_table_renders_rows_as_text_and_filters() {
    let el = mount_services("/tests/fixtures/api");
    for _ in 0..50 {
        if rows(&el).len() == 3 {
            break;
        }
        common::sleep(20).await;
    }
    let r = rows(&el);
    assert_eq!(r.len(), 3, "{r:?}");
    assert!(
        r[0].contains("Payments API")
            && r[0].contains("Payments EP")
            && r[0].contains("Takes the money")
    );
    assert!(
        r[1].contains("<img src=x onerror=alert(1)>"),
        "hostile name shown as text"
    );
    assert!(
        el.query_selector("tbody img").unwrap().is_none(),
        "never as markup"
    );
    assert!(r[2].contains("Zürich 支付"));
    assert!(el.text_content().unwrap().contains("3 services"));
    let input: web_sys::HtmlInputElement = el
        .query_selector("input[type=search]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    let search = |text: &str| {
        input.set_value(text);
        input
            .dispatch_event(
                &web_sys::Event::new_with_event_init_dict("input", &{
                    let init = web_sys::EventInit::new();
                    init.set_bubbles(true);
                    init
                })
                .unwrap(),
            )
            .unwrap();
    };
    // Each row slot's link and badge follow the row in it, not the row it was built for.
    let links_and_badges = || {
        let list = el.query_selector_all("tbody tr").unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|tr| {
                let tr: web_sys::Element = tr.unchecked_into();
                let attr = |sel: &str, name: &str| {
                    tr.query_selector(sel)
                        .unwrap()
                        .and_then(|e| e.get_attribute(name))
                        .unwrap_or_default()
                };
                (attr("a", "href"), attr("span", "class"))
            })
            .collect::<Vec<_>>()
    };
    let all = links_and_badges();
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(all[2].0.ends_with("/services/PA00003"), "{all:?}");
    assert!(all[2].1.contains("badge-critical"), "{all:?}");
    search("zürich");
    common::sleep(20).await;
    let r = rows(&el);
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(r[0].contains("Zürich 支付"), "{r:?}");
    assert_eq!(links_and_badges(), vec![all[2].clone()]);
    assert!(el.text_content().unwrap().contains("1 of 3 services match"));
    search("");
    common::sleep(20).await;
    assert_eq!(rows(&el).len(), 3);
    assert_eq!(links_and_badges(), all, "every slot back on its row");
}

#[wasm_bindgen_test]
async fn a_failing_api_shows_its_error() {
    let el = mount_services("/tests/fixtures/no-such-api");
    for _ in 0..50 {
        if el.query_selector("[role=alert]").unwrap().is_some() {
            break;
        }
        common::sleep(20).await;
    }
    let text = el.text_content().unwrap();
    assert!(
        text.contains("PagerDuty answered 404 for its services list"),
        "{text}"
    );
    assert!(rows(&el).is_empty());
}

#[wasm_bindgen_test]
async fn a_load_is_aborted_when_its_key_changes_and_when_its_page_goes() {
    use std::cell::Cell;
    use std::rc::Rc;
    // Mounting starts Leptos's task executor; the loads run under their own owner below.
    leptos::mount::mount_to(common::container(), || ()).forget();
    // Each run counts its steps into its own cell and keeps its abort signal.
    let steps: Rc<std::cell::RefCell<Vec<Rc<Cell<u32>>>>> = Rc::default();
    let signals: Rc<std::cell::RefCell<Vec<pdscope::task::Abort>>> = Rc::default();
    let owner = Owner::new();
    let key = owner.with(|| {
        let key = RwSignal::new(0u32);
        let (steps, signals) = (steps.clone(), signals.clone());
        let _out = pdscope::task::load_keyed(
            move || key.get(),
            move |_, abort| {
                let count = Rc::new(Cell::new(0));
                steps.borrow_mut().push(count.clone());
                signals.borrow_mut().push(abort);
                async move {
                    loop {
                        count.set(count.get() + 1);
                        common::sleep(10).await;
                    }
                }
            },
        );
        key
    });
    common::sleep(100).await;
    assert_eq!(steps.borrow().len(), 1);
    key.set(1);
    common::sleep(50).await;
    assert_eq!(steps.borrow().len(), 2, "a new key starts a new run");
    let first = steps.borrow()[0].get();
    let aborted = |i: usize| signals.borrow()[i].signal().map(|s| s.aborted());
    assert_eq!(
        aborted(0),
        Some(true),
        "the superseded run's requests are aborted"
    );
    assert_eq!(aborted(1), Some(false));
    common::sleep(100).await;
    assert_eq!(steps.borrow()[0].get(), first, "the superseded run stopped");
    owner.cleanup();
    let second = steps.borrow()[1].get();
    assert_eq!(
        aborted(1),
        Some(true),
        "leaving the page aborts the last run"
    );
    common::sleep(100).await;
    assert_eq!(steps.borrow()[1].get(), second, "and its future is dropped");
}

#[wasm_bindgen_test]
async fn a_row_that_is_not_an_object_is_skipped_and_said_not_fatal() {
    // The fixture's second row is a number: the other two show, and the page says one is missing.
    let el = mount_services("/tests/fixtures/odd-rows");
    for _ in 0..50 {
        if rows(&el).len() == 2 {
            break;
        }
        common::sleep(20).await;
    }
    let r = rows(&el);
    assert_eq!(r.len(), 2, "{r:?}");
    let text = el.text_content().unwrap();
    assert!(
        text.contains("1 row PagerDuty returned could not be read"),
        "{text}"
    );
    assert!(
        el.query_selector("[role=alert]").unwrap().is_none(),
        "no error"
    );
}
