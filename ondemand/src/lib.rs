//! pdscope's pages that most visits never open, as a second WebAssembly module, so the first
//! load of the app does not carry them: the Import page (bulk jobs: check, plan, run, report),
//! the Audit page, the token inspector, the user page's notification rules and team roles, and the credentials
//! file picker. The app
//! fetches `ondemand.js` and `ondemand_bg.wasm` when someone opens one of them (or exports for
//! import) and calls the entry points below, named on both sides by `pdscope::host::Entry`. Everything here is this crate's alone, so Cargo, not
//! dead-code elimination, keeps it out of the first load; the logic it drives (`pdscope::bulk`,
//! `pdscope::inspect`) is the app library's, pure and tested natively.
//! `scripts/build-ondemand.sh` builds it (a Trunk hook).
//!
//! ## Layers
//!
//! Arrows point down: a module uses only modules on its own line or below it, and no two
//! files import each other, directly or around a loop.
//!
//! - `pages`
//! - `components`
//! - `io`
//! - `host`

#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod host;
#[cfg(target_arch = "wasm32")]
pub mod io;
#[cfg(target_arch = "wasm32")]
pub mod pages;

// The exported names below must equal `pdscope::host::Entry::name()` (wasm-bindgen takes a
// literal name); the end-to-end tests open every entry (Import, the token inspector, export,
// the user page's rules and roles).
#[cfg(target_arch = "wasm32")]
mod entries {
    use std::any::Any;
    use std::cell::RefCell;
    use wasm_bindgen::prelude::*;

    thread_local! {
        static MOUNTED: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
        static TOKEN: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
        static USER: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
        static CREDENTIALS: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
        static AUDIT: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
    }

    /// `Entry::Mount`: the Import page into `el`; `host` is the app's session.
    #[wasm_bindgen]
    pub fn mount(el: web_sys::HtmlElement, host: js_sys::Function) {
        console_error_panic_hook::set_once();
        let handle = crate::pages::bulk::mount(el, host);
        MOUNTED.with(|m| *m.borrow_mut() = Some(Box::new(handle)));
    }

    /// `Entry::ExportForImport` of `kind` (a `pdscope::bulk::Kind`'s noun): a promise of what
    /// was exported, in words, after the file was offered for download.
    #[wasm_bindgen]
    pub fn export_for_import(kind: String, host: js_sys::Function) -> js_sys::Promise {
        console_error_panic_hook::set_once();
        wasm_bindgen_futures::future_to_promise(async move {
            crate::pages::bulk::export_for_import(&kind, host)
                .await
                .map(JsValue::from)
                .map_err(|e| js_sys::Error::new(&e).into())
        })
    }

    /// `Entry::ExportRoutingKeys`: a promise of what was exported, in words, after the
    /// routing keys file was offered for download.
    #[wasm_bindgen]
    pub fn export_routing_keys(host: js_sys::Function) -> js_sys::Promise {
        console_error_panic_hook::set_once();
        wasm_bindgen_futures::future_to_promise(async move {
            crate::pages::bulk::export_routing_keys(host)
                .await
                .map(JsValue::from)
                .map_err(|e| js_sys::Error::new(&e).into())
        })
    }

    /// `Entry::OffboardSoon`: the Import page opens on offboarding with a file of `emails`
    /// (one a line) checked; nothing is read or written until the person asks.
    #[wasm_bindgen]
    pub fn offboard_soon(emails: String) {
        let people: Vec<String> = emails.lines().map(str::to_string).collect();
        crate::pages::bulk::offboard_soon(&people, "from the Users list");
    }

    /// `Entry::MountToken`: the token inspector into `el` (a new one replaces the last).
    #[wasm_bindgen]
    pub fn mount_token(el: web_sys::HtmlElement, host: js_sys::Function) {
        console_error_panic_hook::set_once();
        let handle = crate::pages::token::mount(el, host);
        let old = TOKEN.with(|m| m.borrow_mut().replace(Box::new(handle)));
        drop(old);
    }

    /// `Entry::UnmountToken`: removes the token inspector (the app calls it when its page goes).
    #[wasm_bindgen]
    pub fn unmount_token() {
        let old = TOKEN.with(|m| m.borrow_mut().take());
        drop(old);
    }

    /// `Entry::MountUserExtras`: the notification rules and team roles of the user `id`
    /// into `el` (a new one replaces the last).
    #[wasm_bindgen]
    pub fn mount_user_extras(el: web_sys::HtmlElement, host: js_sys::Function, id: String) {
        console_error_panic_hook::set_once();
        let handle = crate::pages::user::mount(el, host, id);
        let old = USER.with(|m| m.borrow_mut().replace(Box::new(handle)));
        drop(old);
    }

    /// `Entry::UnmountUserExtras`: removes them (the app calls it when the user page goes).
    #[wasm_bindgen]
    pub fn unmount_user_extras() {
        let old = USER.with(|m| m.borrow_mut().take());
        drop(old);
    }

    /// `Entry::MountCredentials`: the credentials file picker into `el` (a new one replaces
    /// the last).
    #[wasm_bindgen]
    pub fn mount_credentials(el: web_sys::HtmlElement, host: js_sys::Function) {
        console_error_panic_hook::set_once();
        let handle = crate::pages::credentials::mount(el, host);
        let old = CREDENTIALS.with(|m| m.borrow_mut().replace(Box::new(handle)));
        drop(old);
    }

    /// `Entry::UnmountCredentials`: removes it.
    #[wasm_bindgen]
    pub fn unmount_credentials() {
        let old = CREDENTIALS.with(|m| m.borrow_mut().take());
        drop(old);
    }

    /// `Entry::MountAudit`: the Audit page into `el` (a new one replaces the last).
    #[wasm_bindgen]
    pub fn mount_audit(el: web_sys::HtmlElement, host: js_sys::Function) {
        console_error_panic_hook::set_once();
        let handle = crate::pages::audit::mount(el, host);
        let old = AUDIT.with(|m| m.borrow_mut().replace(Box::new(handle)));
        drop(old);
    }

    /// `Entry::UnmountAudit`: removes it (the app calls it when its page goes).
    #[wasm_bindgen]
    pub fn unmount_audit() {
        let old = AUDIT.with(|m| m.borrow_mut().take());
        drop(old);
    }

    /// `Entry::Unmount`: removes the Import page and drops its state (the app calls it when
    /// the session ends); a run in progress is cancelled.
    #[wasm_bindgen]
    pub fn unmount() {
        let old = MOUNTED.with(|m| m.borrow_mut().take());
        drop(old);
    }
}
