//! The credentials file picker (the JSON file PagerDuty offers when an app is registered,
//! read by `pdscope::credentials`) and the setup screen's help (a valid `config.json`), moved
//! out of the app's first load: the app mounts them from here on its setup screen and behind
//! "Use another PagerDuty app" on the home page. A client id imported is kept in this tab;
//! the app then reloads its configuration (`HostCall::ReloadConfig`, with what to tell the
//! person). A client secret in the file is never kept.

use crate::host::Host;
use leptos::prelude::*;
use pdscope::{browser, credentials};
use wasm_bindgen::JsCast;

/// Mounts the picker into `el`; with `error` (the configuration's problem), the setup
/// screen's help above it.
pub fn mount(
    el: web_sys::HtmlElement,
    host: js_sys::Function,
    error: String,
) -> leptos::mount::UnmountHandle<impl Mountable> {
    let host = Host(host);
    leptos::mount::mount_to(el, move || {
        let help = (!error.is_empty()).then(|| {
            view! {
                <p>
                    "Put a file named " <code>"config.json"</code>
                    " beside index.html. A valid file looks like this:"
                </p>
                <pre tabindex="0"><code>{pdscope::config::EXAMPLE}</code></pre>
                <p>
                    "Every field is described in " <code>"config.example.json"</code>
                    " and in the README. Then reload this page."
                </p>
                <h2>"Or use your app's credentials in this tab"</h2>
            }
        });
        view! { {help} <CredentialsFile host=host.clone() /> }
    })
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
