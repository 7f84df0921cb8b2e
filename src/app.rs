//! The root component: loads `config.json`, then either the setup screen or the routed shell.

use crate::auth::{provide_auth, use_auth};
use crate::browser;
use crate::components::auth_views::RequireAuth;
use crate::components::header::Header;
use crate::components::ondemand::OnDemand;
use crate::config::{Config, PageContext};
use crate::context::{use_config, ConfigCtx, CredentialsNotice, ReloadConfig};
use crate::nav::provide_nav;
use crate::pages::{
    callback::Callback,
    detail::{ServiceDetail, UserDetail},
    home::Home,
    lists::{ServicesPage, UsersPage},
    not_found::NotFound,
    setup::Setup,
};
use crate::routes::AppRoute;
use leptos::prelude::*;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let page = browser::page_context();
    let page_for_load = page.clone();
    let loaded = RwSignal::new(None);
    let load = move || {
        let page = page_for_load.clone();
        leptos::task::spawn_local(async move {
            let config = browser::load_config_with_credentials(&page).await;
            loaded.set(Some(config));
        });
    };
    load();
    provide_context(ReloadConfig(Callback::new(move |_| load())));
    provide_context(CredentialsNotice(RwSignal::new(None)));
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

/// Automatic refresh gave up (the token expired after failed refreshes): say so and offer
/// the two ways on. Nothing retries by itself from here.
#[component]
fn RefreshStalled() -> impl IntoView {
    let auth = use_auth();
    let config = use_config();
    let nav = crate::nav::use_nav();
    let retrying = RwSignal::new(false);
    let retry = move |_| {
        retrying.set(true);
        leptos::task::spawn_local(async move {
            let _ = crate::auth::refresh_now(auth).await;
            retrying.set(false);
        });
    };
    move || {
        auth.refresh_stalled.get().map(|why| {
            let config = config.clone();
            let sign_in = move |_| {
                let here = nav.location_untracked().path_and_query();
                crate::auth::start_sign_in(auth, &config, &[], &here);
            };
            view! {
                <div class="card stalled" role="alert">
                    <p class="error">
                        "Could not refresh the session: the access token has expired and PagerDuty's identity service did not give a new one ("
                        {why}
                        "). pdscope stopped trying on its own."
                    </p>
                    <div class="actions">
                        <button on:click=retry disabled=move || retrying.get()>
                            {move || if retrying.get() { "Retrying…" } else { "Retry" }}
                        </button>
                        <button class="primary" on:click=sign_in>"Sign in again"</button>
                    </div>
                </div>
            }
        })
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
    let nav = provide_nav(&page.base_path, true);
    provide_context(ConfigCtx(config));
    provide_auth();
    // The second module answers for this shell's session: it goes when the session ends,
    // and with the shell.
    crate::components::ondemand::follow_session();
    crate::context::provide_me();
    // Only a change of page re-renders: a new query string (search, sort) does not.
    let route = Memo::new(move |_| nav.route());
    // Each page names itself in the tab and to screen readers (WCAG 2.4.2): static titles
    // only, never anything from a token or an API answer.
    Effect::new(move |_| {
        let title = match route.get() {
            AppRoute::Home => "pdscope".to_string(),
            r => format!("{} · pdscope", r.title()),
        };
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            doc.set_title(&title);
        }
    });
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Header />
        <main id="main" tabindex="-1">
            <Notice />
            <RefreshStalled />
            {move || match route.get() {
                AppRoute::Home => view! { <Home /> }.into_any(),
                AppRoute::Callback => view! { <Callback /> }.into_any(),
                AppRoute::Services => view! { <ServicesPage /> }.into_any(),
                AppRoute::Service(id) => view! { <ServiceDetail id=id /> }.into_any(),
                AppRoute::Users => view! { <UsersPage /> }.into_any(),
                AppRoute::User(id) => view! { <UserDetail id=id /> }.into_any(),
                // Pages of the second module, mounted in a box (one arm: each view costs the
                // first load).
                r @ (AppRoute::Token | AppRoute::Audit) => {
                    let (what, entry) = if r == AppRoute::Token {
                        ("the token inspector", crate::host::Entry::MountToken)
                    } else {
                        ("the audit", crate::host::Entry::MountAudit)
                    };
                    view! {
                        <RequireAuth what=r.title()>
                            <OnDemand what=what entry=entry />
                        </RequireAuth>
                    }
                    .into_any()
                }
                // Signed out (or after sign-out, which unloads the module), the same prompt as
                // every other page: never a blank page.
                AppRoute::Import => view! {
                    <RequireAuth what="Import">
                        <OnDemand what="the importer" entry=crate::host::Entry::Mount keep=true />
                    </RequireAuth>
                }
                .into_any(),
                AppRoute::NotFound => view! { <NotFound /> }.into_any(),
            }}
        </main>
    }
}
