use crate::app::use_config;
use leptos::prelude::*;

/// The home page.
#[component]
pub fn Home() -> impl IntoView {
    let config = use_config();
    let region = config
        .region
        .map(|r| format!("{} ({})", r.label(), r.api_url()))
        .unwrap_or_else(|| "learned at sign-in".into());
    let api = config.api_url_override.clone();
    view! {
        <section class="card">
            <h1>"pdscope"</h1>
            <p class="lead">
                "Sign in with PagerDuty in this browser tab and see what your token can see."
            </p>
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
            {(!config.warnings.is_empty())
                .then(|| {
                    view! {
                        <ul class="warnings">
                            {config.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}
                        </ul>
                    }
                })}
        </section>
    }
}
