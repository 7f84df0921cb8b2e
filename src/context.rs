//! What every page and component reads from its surroundings: the configuration, the way to
//! reload it, app links, who is signed in, and the outcome of importing a credentials file.
//! Provided by the root (`app.rs`); pages and components import this module for state, never
//! the root or another component, so the import graph has no circle. (The auth context has
//! its own module, `auth`.)

use crate::auth::use_auth;
use crate::client;
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

/// The signed-in person as `/users/me` describes them.
#[derive(Clone, Debug, PartialEq)]
pub struct Me {
    pub name: String,
    pub email: Option<String>,
    /// PagerDuty's role value (`admin`, `limited_user`, …).
    pub role: Option<String>,
}

/// `/users/me` for the person signed in: loaded once per person (not per token refresh) and
/// shared by the header and the lists. The inner `None`: the token cannot read it.
#[derive(Clone, Copy)]
pub struct MeCtx(pub RwSignal<Option<Option<Me>>>);

/// Starts loading `/users/me` whenever the person changes, and provides it.
pub fn provide_me() {
    let auth = use_auth();
    let identity = Memo::new(move |_| auth.session().map(|s| (s.client_id, s.id_token)));
    let me = crate::task::load_keyed(
        // `get`, not `track`: a memo nobody reads is never computed, so never changes.
        move || identity.get(),
        move |who, abort| async move {
            who.as_ref()?;
            let v = client::get_json_retrying(auth, "/users/me", &abort)
                .await
                .ok()?;
            let user = &v["user"];
            let text = |k: &str| crate::json::string(user, k);
            Some(Me {
                name: text("name").unwrap_or_else(|| "PagerDuty user".into()),
                email: text("email"),
                role: text("role"),
            })
        },
    );
    provide_context(MeCtx(me));
}

/// The signed-in person's role, once known.
pub fn use_role() -> Option<String> {
    use_context::<MeCtx>().and_then(|m| m.0.get().flatten().and_then(|me| me.role))
}

/// The last credentials file import's outcome (`true`: it worked) and what to tell the
/// person, provided by the app root so it survives the reload of the configuration.
#[derive(Clone, Copy)]
pub struct CredentialsNotice(pub RwSignal<Option<(bool, String)>>);
