//! pdscope's pages that most visits never open, as their own WebAssembly module, so the
//! first load of the app does not carry them: the Import page (CSV reading, checks, planner,
//! executor and their views) and the token inspector. The app fetches `importer.js` and
//! `importer_bg.wasm` when someone opens Import or the token inspector (or exports for
//! import) and calls [`mount`] or [`mount_token`]. The code is the `pdscope` library's
//! (`pdscope::import`, `pdscope::pages::bulk`, `pdscope::pages::token`); this crate only
//! exports it. `scripts/build-importer.sh` builds it (a Trunk hook).

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::any::Any;
    use std::cell::RefCell;
    use wasm_bindgen::prelude::*;

    thread_local! {
        static MOUNTED: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
        static TOKEN: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
    }

    /// Mounts the Import page into `el`; `host` is the app's session (`pdscope::host`).
    #[wasm_bindgen]
    pub fn mount(el: web_sys::HtmlElement, host: js_sys::Function) {
        console_error_panic_hook::set_once();
        let handle = pdscope::pages::bulk::mount(el, host);
        MOUNTED.with(|m| *m.borrow_mut() = Some(Box::new(handle)));
    }

    /// "Export for import" of `kind` (`users` or `services`): a promise of what was exported,
    /// in words, after the file was offered for download.
    #[wasm_bindgen]
    pub fn export_for_import(kind: String, host: js_sys::Function) -> js_sys::Promise {
        console_error_panic_hook::set_once();
        wasm_bindgen_futures::future_to_promise(async move {
            pdscope::pages::bulk::export_for_import(&kind, host)
                .await
                .map(JsValue::from)
                .map_err(|e| js_sys::Error::new(&e).into())
        })
    }

    /// Mounts the token inspector into `el` (one at a time: a new one replaces the last).
    #[wasm_bindgen]
    pub fn mount_token(el: web_sys::HtmlElement, host: js_sys::Function) {
        console_error_panic_hook::set_once();
        let handle = pdscope::pages::token::mount(el, host);
        let old = TOKEN.with(|m| m.borrow_mut().replace(Box::new(handle)));
        drop(old);
    }

    /// Removes the token inspector (the app calls it when its page goes).
    #[wasm_bindgen]
    pub fn unmount_token() {
        let old = TOKEN.with(|m| m.borrow_mut().take());
        drop(old);
    }

    /// Removes the page and drops its state (the app calls it on sign-out); a run in progress
    /// is cancelled.
    #[wasm_bindgen]
    pub fn unmount() {
        let old = MOUNTED.with(|m| m.borrow_mut().take());
        drop(old);
    }
}
