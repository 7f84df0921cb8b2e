//! The credentials file picker (the JSON file PagerDuty offers when an app is registered,
//! read by `pdscope::credentials`), moved out of the app's first load: the app mounts it from
//! here on its setup screen and behind "Use another PagerDuty app" on the home page. A client id imported is kept in this tab;
//! the app then reloads its configuration (`HostCall::ReloadConfig`, with what to tell the
//! person). A client secret in the file is never kept.

use crate::host::Host;
use leptos::prelude::*;
use pdscope::{browser, credentials};
use wasm_bindgen::JsCast;

/// Mounts the picker into `el`.
pub fn mount(
    el: web_sys::HtmlElement,
    host: js_sys::Function,
) -> leptos::mount::UnmountHandle<impl Mountable> {
    let host = Host(host);
    leptos::mount::mount_to(el, move || view! { <CredentialsFile host=host.clone() /> })
}

/// Choose the JSON file PagerDuty offers when an app is registered: its client id is used in
/// this tab; a client secret in it is never kept.
#[component]
pub fn CredentialsFile(
    /// The app, which reloads its configuration once a client id is kept.
    host: Host,
) -> impl IntoView {
    // Failures only: a success reloads the app, which says so itself.
    let message = RwSignal::new(None::<String>);
    let reload = StoredValue::new_local(host);
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            let result = browser::read_chosen_file(&input)
                .await
                .map_err(|e| format!("Import failed: {e}."))
                .and_then(|(name, text)| {
                    credentials::parse(&name, &text).map_err(|e| format!("Import failed: {e}"))
                });
            input.set_value("");
            let done = result.and_then(|creds| {
                browser::session_set(browser::CREDENTIALS_CLIENT_ID_KEY, &creds.client_id)
                    .map(|()| creds.message())
                    .map_err(|e| e.to_string())
            });
            match done {
                Ok(said) => reload.with_value(|h| h.reload_config(&said)),
                Err(e) => {
                    message.try_set(Some(e));
                }
            }
        });
    };
    // An imported client id lasts for this tab: offer the way back to config.json's.
    let imported = browser::session_get(browser::CREDENTIALS_CLIENT_ID_KEY)
        .ok()
        .flatten();
    let undo = imported.map(|id| {
        view! {
            <p>
                {format!("This tab uses the imported client id {id}. ")}
                <button on:click=move |_| {
                    browser::session_remove(browser::CREDENTIALS_CLIENT_ID_KEY);
                    reload.with_value(|h| h.reload_config("Using the app configured in config.json again."));
                }>"Use the configured app again"</button>
            </p>
        }
    });
    view! {
        <div class="credentials">
            {undo}
            <label>
                "Import the app's credentials file (JSON, from PagerDuty's App Registration) "
                <input type="file" accept=".json,application/json" on:change=on_change />
            </label>
            <p role="status" aria-live="polite" class="error">{move || message.get()}</p>
        </div>
    }
}
