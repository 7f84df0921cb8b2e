//! pdscope: a browser-only console for PagerDuty OAuth.
//!
//! The pure modules (`config`, `routes`, `url`, ...) use no browser API and are tested with
//! plain `cargo test`. The views and the browser glue build only for `wasm32`: in the layers
//! below, `app` to `browser` (views, context, and browser glue: sign-in, the second module's
//! host, async loads, storage and fetch); from `import` down the modules are pure. Views get
//! state from `context` and `auth`, never from another component; the end of a session
//! reaches what lies above `auth` through `Auth::ended`.
//!
//! ## Layers
//!
//! Arrows point down: a module uses only modules on its own line or below it, and no two
//! files import each other, directly or around a loop.
//!
//! - `app`
//! - `pages`
//! - `components`
//! - `context`, `nav`, `client`
//! - `auth`, `host`, `task`
//! - `browser`
//! - `import`
//! - `paging`, `inspect`, `refresh`
//! - `table`, `oauth`
//! - `api`, `config`, `credentials`, `jwt`, `models`, `routes`
//! - `csvfile`, `json`, `pkce`, `timefmt`, `url`

pub mod api;
pub mod config;
pub mod credentials;
pub mod csvfile;
pub mod import;
pub mod inspect;
pub mod json;
pub mod jwt;
pub mod models;
pub mod oauth;
pub mod paging;
pub mod pkce;
pub mod refresh;
pub mod routes;
pub mod table;
pub mod timefmt;
pub mod url;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod auth;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod client;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod context;
#[cfg(target_arch = "wasm32")]
pub mod host;
#[cfg(target_arch = "wasm32")]
pub mod nav;
#[cfg(target_arch = "wasm32")]
pub mod pages;
#[cfg(target_arch = "wasm32")]
pub mod task;

/// Installs the panic hook and mounts the app on `<body>`.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
