//! The root component: loads `config.json`, then either the setup screen or the routed shell.

use crate::auth::{provide_auth, use_auth};
use crate::browser;
use crate::components::header::Header;
use crate::config::{Config, PageContext};
use crate::pages::{
    callback::Callback,
    detail::{ServiceDetail, UserDetail},
    home::Home,
    lists::{ServicesPage, UsersPage},
    not_found::NotFound,
    setup::Setup,
    token::TokenPage,
};
use crate::url;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The validated configuration, provided to every page.
#[derive(Clone, Debug)]
pub struct ConfigCtx(pub Config);

/// Where the page lives, provided to every page.
#[derive(Clone, Debug)]
pub struct PageCtx(pub PageContext);

/// Loads `config.json` again (after importing credentials).
#[derive(Clone, Copy)]
pub struct ReloadConfig(pub Callback<()>);

/// Reads the configuration context; only valid inside [`Shell`].
pub fn use_config() -> Config {
    expect_context::<ConfigCtx>().0
}

/// The base path prefix for app paths (`""` at the root, `/tools/pdscope` under a sub-path).
pub fn base_prefix() -> String {
    use_context::<PageCtx>()
        .map(|p| url::router_base(&p.0.base_path))
        .unwrap_or_default()
}

/// The full href of an app path under the page's base path (the router's `<A>` does not
/// add the base itself).
pub fn href(path: &str) -> String {
    format!("{}{path}", base_prefix())
}

/// An address-bar path with the base path removed, as a route to return to.
pub fn strip_base(path: &str) -> String {
    let prefix = base_prefix();
    path.strip_prefix(&prefix).unwrap_or(path).to_string()
}

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let page = browser::page_context();
    let page_for_load = page.clone();
    let loaded = LocalResource::new(move || {
        let page = page_for_load.clone();
        async move { browser::load_config_with_import(&page).await }
    });
    provide_context(ReloadConfig(Callback::new(move |_| loaded.refetch())));
    provide_context(crate::components::import::ImportNotice(RwSignal::new(None)));
    view! {
        {move || match loaded.get() {
            None => view! { <p class="loading" role="status">"Loading configuration…"</p> }.into_any(),
            Some(Err(error)) => view! { <Setup error=error /> }.into_any(),
            Some(Ok(config)) => view! { <Shell config=config page=page.clone() /> }.into_any(),
        }}
    }
}

/// A one-line notice from sign-in and sign-out (announced to screen readers).
#[component]
fn Notice() -> impl IntoView {
    let auth = use_auth();
    view! {
        <div class="notice-area" role="status" aria-live="polite">
            {move || auth.notice.get().map(|n| view! {
                <p class="notice">
                    {n}
                    " "
                    <button class="link" on:click=move |_| auth.notice.set(None)>"Dismiss"</button>
                </p>
            })}
        </div>
    }
}

/// The routed app once the configuration is valid.
#[component]
pub fn Shell(
    /// The validated configuration.
    config: Config,
    /// Where the page lives (origin and base path).
    page: PageContext,
) -> impl IntoView {
    let base = url::router_base(&page.base_path);
    provide_context(ConfigCtx(config));
    provide_context(PageCtx(page));
    provide_auth();
    view! {
        <Router base=base>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header />
            <main id="main" tabindex="-1">
                <Notice />
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/callback") view=Callback />
                    <Route path=path!("/services") view=ServicesPage />
                    <Route path=path!("/services/:id") view=ServiceDetail />
                    <Route path=path!("/users") view=UsersPage />
                    <Route path=path!("/users/:id") view=UserDetail />
                    <Route path=path!("/token") view=TokenPage />
                </Routes>
            </main>
        </Router>
    }
}
