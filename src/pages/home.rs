//! `/`: connect to PagerDuty when signed out (or use another app's credentials file), a
//! summary of the session when signed in.

use crate::auth::{use_auth, AuthState};
use crate::components::auth_views::{AuthErrorView, ConnectButton};
use crate::components::credentials::OtherApp;
use crate::context::{href, use_config};
use crate::routes::AppRoute;
use leptos::prelude::*;

/// The home page: connect when signed out, a summary when signed in.
#[component]
pub fn Home() -> impl IntoView {
    let config = use_config();
    let auth = use_auth();
    let cfg = config.clone();
    // What config.json says, or once signed in, what the sign-in told and how.
    let region = move || match (cfg.region, auth.session()) {
        (Some(r), _) => format!("{} ({})", r.label(), cfg.region_api_url(r)),
        (None, Some(s)) => match (s.region, s.region_source) {
            (Some(r), src) => format!(
                "{} ({}), {}",
                r.label(),
                cfg.region_api_url(r),
                src.map_or("learned at sign-in", |s| s.label())
            ),
            (None, _) => "not named by the sign-in: set \"region\" in config.json".into(),
        },
        (None, None) => "learned at sign-in".into(),
    };
    let api = config.api_url_override.clone();
    let facts = view! {
        <dl class="facts">
            <dt>"Client id"</dt>
            <dd><code>{config.client_id.clone()}</code></dd>
            <dt>"Scopes requested"</dt>
            <dd>{config.scopes.join(" ")}</dd>
            <dt>"Region"</dt>
            <dd>{region}</dd>
            {api.map(|a| view! { <dt>"API"</dt><dd><code>{a}</code></dd> })}
            <dt>"Identity service"</dt>
            <dd><code>{config.authorize_url.clone()}</code></dd>
        </dl>
    };
    let warnings = (!config.warnings.is_empty()).then(|| {
        view! {
            <ul class="warnings">
                {config.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}
            </ul>
        }
    });
    let status = move || match auth.state.get() {
        AuthState::SignedIn(s) => {
            let missing = s.missing_scopes();
            view! {
                <p class="lead">"You are signed in."</p>
                <dl class="facts">
                    <dt>"Granted scopes"</dt>
                    <dd>{s.granted_scopes.join(" ")}</dd>
                    <dt>"API"</dt>
                    <dd><code>{s.api_url.clone().unwrap_or_else(|| "unknown: set region in config.json".into())}</code></dd>
                </dl>
                {(!missing.is_empty()).then(|| view! {
                    <p class="warnings">{format!("PagerDuty did not grant: {}.", missing.join(", "))}</p>
                })}
                <div class="actions">
                    <a href=href(&AppRoute::Services.path()) class="button">"Services"</a>
                    <a href=href(&AppRoute::Users.path()) class="button">"Users"</a>
                    <a href=href(&AppRoute::Import.path()) class="button">"Import"</a>
                    <a href=href(&AppRoute::Token.path()) class="button">"Token inspector"</a>
                </div>
            }
            .into_any()
        }
        AuthState::Failed(e) => view! { <AuthErrorView error=e /> }.into_any(),
        AuthState::Redirecting => {
            view! { <p role="status">"Opening PagerDuty's sign-in page…"</p> }.into_any()
        }
        _ => view! {
            <p class="lead">
                "Sign in with PagerDuty in this browser tab and see what your token can see."
            </p>
            <div class="actions"><ConnectButton /></div>
            <OtherApp />
        }
        .into_any(),
    };
    view! {
        <section class="card">
            <h1>"pdscope"</h1>
            {status}
            {facts}
            {warnings}
        </section>
    }
}
