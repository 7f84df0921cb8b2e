//! Using another PagerDuty app in this tab: behind "Use another PagerDuty app" on the home
//! page, the picker for the credentials file PagerDuty offers when an app is registered. The
//! picker (and reading the file) lives in the on-demand module, loaded only when the
//! disclosure is opened; what the last import did is told here, above the shell, so it
//! survives the reload of the configuration.

use crate::components::ondemand::OnDemand;
use crate::context::CredentialsNotice;
use crate::host::Entry;
use leptos::prelude::*;

/// "Use another PagerDuty app": open while there is something to tell.
#[component]
pub fn OtherApp() -> impl IntoView {
    let notice = use_context::<CredentialsNotice>().map(|n| n.0);
    let said = move || notice.and_then(|n| n.get()).map(|(_, m)| m);
    let open = RwSignal::new(said().is_some());
    view! {
        <details prop:open=open on:toggle=move |ev| {
            let now = ev.target().and_then(|t| js_sys::Reflect::get(&t, &"open".into()).ok());
            open.set(now.and_then(|o| o.as_bool()).unwrap_or(false));
        }>
            <summary>"Use another PagerDuty app"</summary>
            <p role="status" aria-live="polite">{said}</p>
            {move || open.get().then(|| view! {
                <OnDemand what="the credentials file picker" entry=Entry::MountCredentials />
            })}
        </details>
    }
}
