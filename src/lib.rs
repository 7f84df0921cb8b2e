//! pdscope: a browser-only console for PagerDuty, on PagerDuty's OAuth.
//!
//! The house rule: *arrows point down; a kind is a folder; a lazy page is in the lazy crate.*
//! - **Arrows point down.** The layers below, top first: a module uses only modules on its own
//!   line or below it, and no two files import each other. Views get state from `context`
//!   and `auth`, never from another component; the end of a session reaches what lies above
//!   `auth` through `Auth::ended`. `tests/architecture.rs` holds this in `cargo test`.
//! - **A kind is a folder.** Every bulk job (`bulk`) has the same spine: read the file →
//!   check → plan → run → report; each kind (`bulk/users/`, `bulk/services/`) is a folder
//!   with its columns, check, plan, steps and export, dispatched in one place (`bulk/mod.rs`).
//!   A new kind is its folder plus one arm in `Kind`, `File`, `plan::Work` and the Import
//!   page's picker.
//! - **A lazy page is in the lazy crate.** Pages most visits never open (Import, the token
//!   inspector) live in `ondemand/`, a second WebAssembly module loaded when they are opened;
//!   `host` names the calls across that seam on both sides.
//!
//! The pure modules (from `audit` down, except `browser`) use no browser API and are tested
//! with plain `cargo test`; the views and the browser glue build only for `wasm32`.
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
//! - `auth`, `task`
//! - `audit`
//! - `bulk`
//! - `browser`
//! - `paging`, `inspect`, `refresh`
//! - `table`, `oauth`
//! - `api`, `config`, `credentials`, `jwt`, `models`, `routes`
//! - `csvfile`, `host`, `json`, `numfmt`, `pkce`, `timefmt`, `url`

pub mod api;
pub mod audit;
pub mod bulk;
pub mod config;
pub mod credentials;
pub mod csvfile;
pub mod host;
pub mod inspect;
pub mod json;
pub mod jwt;
pub mod models;
pub mod numfmt;
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
