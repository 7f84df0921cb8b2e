//! Helpers shared by the browser test files.
#![allow(dead_code)]

use wasm_bindgen::JsCast;

/// Waits `ms` milliseconds on the browser's timer (lets effects and fetches run).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// A fresh `<div>` in the document for one test's view.
pub fn container() -> web_sys::HtmlElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let el = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

/// Starts Leptos's task executor (mounting does, as the app's start does) and makes a new
/// reactive owner current, for tests that spawn tasks or effects outside a mounted view.
pub fn executor_owner() -> leptos::prelude::Owner {
    leptos::mount::mount_to(container(), || ()).forget();
    let owner = leptos::prelude::Owner::new();
    owner.set();
    owner
}
