//! Browser tests of the app's router (src/nav.rs): navigation and history, which clicks it
//! takes over and which it leaves to the browser, and Back/Forward.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use pdscope::nav::provide_nav;
use pdscope::routes::AppRoute;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod common;

wasm_bindgen_test_configure!(run_in_browser);

fn window() -> web_sys::Window {
    web_sys::window().unwrap()
}

fn address() -> String {
    let l = window().location();
    format!("{}{}", l.pathname().unwrap(), l.search().unwrap())
}

/// Clicks `#id` (with Ctrl when `ctrl`); what the window's guard saw: true when the router
/// took the click over.
fn click(root: &web_sys::HtmlElement, id: &str, ctrl: bool, seen: &Rc<RefCell<Vec<bool>>>) -> bool {
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_ctrl_key(ctrl);
    let ev = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
    let target = root.query_selector(&format!("#{id}")).unwrap().unwrap();
    target.dispatch_event(&ev).unwrap();
    *seen.borrow().last().unwrap()
}

fn route(nav: &pdscope::nav::Nav) -> AppRoute {
    untrack(|| nav.route())
}

#[wasm_bindgen_test]
fn the_router_follows_links_and_history_and_leaves_other_clicks_alone() {
    let start = window().location().href().unwrap();
    let owner = Owner::new();
    owner.with(|| {
        let nav = provide_nav("/", true);
        // A window listener (it runs after the router's document listener) records what the
        // router did and stops the browser from leaving the test page.
        let taken = Rc::new(RefCell::new(Vec::<bool>::new()));
        let record = taken.clone();
        let guard = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
            record.borrow_mut().push(ev.default_prevented());
            ev.prevent_default();
        });
        window()
            .add_event_listener_with_callback("click", guard.as_ref().unchecked_ref())
            .unwrap();

        // navigate: a history entry, the route and the query follow.
        let before = window().history().unwrap().length().unwrap();
        nav.navigate("/services?q=db%20one&sort=name", false, false);
        assert_eq!(address(), "/services?q=db%20one&sort=name");
        assert_eq!(route(&nav), AppRoute::Services);
        assert_eq!(untrack(|| nav.query("q")).as_deref(), Some("db one"));
        assert_eq!(untrack(|| nav.query("dir")), None);
        assert_eq!(window().history().unwrap().length().unwrap(), before + 1);
        nav.navigate("/services?sort=status", true, false);
        assert_eq!(
            window().history().unwrap().length().unwrap(),
            before + 1,
            "replace adds no entry"
        );

        let root = common::container();
        root.set_inner_html(
            r##"<a id="in" href="/users/P%2F1"><span id="inner">a user</span></a>
            <a id="out" href="https://example.com/users">elsewhere</a>
            <a id="blank" href="/token" target="_blank">new tab</a>
            <a id="file" href="/token" download>download</a>
            <a id="beside" href="/notes.txt">a file beside the app</a>
            <a id="skip" href="#skip-target">skip</a><p id="skip-target" tabindex="-1">here</p>"##,
        );
        // A link into the app, even clicked on an element inside it, is handled in the page.
        assert!(click(&root, "inner", false, &taken));
        assert_eq!(route(&nav), AppRoute::User("P/1".into()));
        assert_eq!(address(), "/users/P%2F1");
        // Other origins, new tabs, downloads, paths that are no page of the app and modified
        // clicks are the browser's.
        for (id, ctrl) in [
            ("out", false),
            ("blank", false),
            ("file", false),
            ("beside", false),
            ("in", true),
        ] {
            assert!(!click(&root, id, ctrl, &taken), "{id} ctrl={ctrl}");
        }
        assert_eq!(
            *taken.borrow(),
            vec![true, false, false, false, false, false]
        );
        assert_eq!(route(&nav), AppRoute::User("P/1".into()), "no route change");
        // An #id link moves focus in the page instead of loading the base URL.
        assert!(click(&root, "skip", false, &taken));
        let focused = window().document().unwrap().active_element().unwrap();
        assert_eq!(focused.id(), "skip-target");
        assert_eq!(address(), "/users/P%2F1");

        // Back/Forward: the router reads the address bar again on popstate.
        window()
            .history()
            .unwrap()
            .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/token"))
            .unwrap();
        window()
            .dispatch_event(&web_sys::Event::new("popstate").unwrap())
            .unwrap();
        assert_eq!(route(&nav), AppRoute::Token);

        window()
            .remove_event_listener_with_callback("click", guard.as_ref().unchecked_ref())
            .unwrap();
        root.remove();
    });
    window()
        .history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&start))
        .unwrap();
}

#[wasm_bindgen_test]
fn a_path_outside_the_base_is_not_a_page_of_the_app() {
    let owner = Owner::new();
    owner.with(|| {
        let nav = provide_nav("/somewhere-else/", false);
        assert_eq!(route(&nav), AppRoute::NotFound);
        assert_eq!(nav.href("/token"), "/somewhere-else/token");
    });
}
