//! What every page reads from its surroundings: the configuration, the way to reload it, and
//! app links. Provided by the root (`app.rs`); pages and components import this module, never
//! the root, so the import graph has no circle.

use crate::config::Config;
use leptos::prelude::*;

/// The validated configuration, provided to every page.
#[derive(Clone, Debug)]
pub struct ConfigCtx(pub Config);

/// Loads `config.json` again (after importing credentials).
#[derive(Clone, Copy)]
pub struct ReloadConfig(pub Callback<()>);

/// Reads the configuration context; only valid inside the app's shell (or a test that
/// provides [`ConfigCtx`]).
pub fn use_config() -> Config {
    expect_context::<ConfigCtx>().0
}

/// The full href of an app path under the page's base path (the path as is outside the
/// router, e.g. in a test that mounts one view).
pub fn href(path: &str) -> String {
    use_context::<crate::nav::Nav>()
        .map(|nav| nav.href(path))
        .unwrap_or_else(|| path.to_string())
}
