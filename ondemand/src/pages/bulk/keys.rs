//! The routing keys a services run made: masked, each with Reveal and Copy, and the one
//! file that carries them (Download routing keys). They are kept in this page's memory only:
//! never in the report, the journal or the address bar.

use crate::components::MaskedKey;
use leptos::prelude::*;
use pdscope::bulk::services::keys::{self, RoutingKey};
use std::sync::Arc;

/// Shown at most on the page (the file has them all).
const SHOWN: usize = 100;

/// The run's routing keys and their download.
#[component]
pub(super) fn RoutingKeys(
    /// The keys the run made.
    keys: Arc<Vec<RoutingKey>>,
    /// The session's region, for the events URL in the file.
    region: Option<pdscope::config::Region>,
) -> impl IntoView {
    let n = keys.len();
    let all = keys.clone();
    let download = move |_| {
        pdscope::browser::download(
            &keys::file_name(&pdscope::browser::local_time(js_sys::Date::now())),
            "text/csv;charset=utf-8",
            &keys::csv(&all, region),
        )
    };
    let rows = keys
        .iter()
        .take(SHOWN)
        .map(|k| {
            let label = format!("routing key of {}", k.service);
            view! {
                <tr>
                    <td>{k.service.clone()}</td>
                    <td><code>{k.integration_id.clone()}</code></td>
                    <td><MaskedKey secret=k.key.clone() label=label /></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="routing-keys" aria-labelledby="routing-keys-title">
            <h3 id="routing-keys-title">"Routing keys"</h3>
            <p class="warnings">{format!(
                "This run made {}. A routing key is a credential: anyone who has it can open and resolve incidents on its service. It is not in the report; Download routing keys writes the file that has them (with the events URL); keep it where you keep passwords.",
                pdscope::bulk::words::count(n, "Events API v2 integration", "Events API v2 integrations")
            )}</p>
            <div class="actions">
                <button on:click=download>"Download routing keys"</button>
            </div>
            <table class="keys">
                <caption class="muted">{(n > SHOWN).then(|| format!("The first {SHOWN}; the file has all {n}."))}</caption>
                <thead><tr><th scope="col">"service"</th><th scope="col">"integration"</th><th scope="col">"routing key"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}
