//! Using another PagerDuty app in this tab: the picker for the credentials file PagerDuty
//! offers when an app is registered (read by `crate::credentials`), and the way back to
//! `config.json`'s app. Shown on the setup screen and on the home page.

use crate::browser;
use crate::context::{CredentialsNotice, ReloadConfig};
use crate::credentials;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Choose (or drop on the button) the JSON file PagerDuty offers when an app is registered:
/// its client id is used in this tab; a client secret in it is never kept.
#[component]
pub fn CredentialsFile(
    /// Show behind a "Use another PagerDuty app" disclosure (open while there is a message).
    #[prop(optional)]
    collapsible: bool,
) -> impl IntoView {
    // Kept above the shell: importing reloads the configuration and rebuilds the pages.
    let message = use_context::<CredentialsNotice>()
        .map(|n| n.0)
        .unwrap_or_else(|| RwSignal::new(None));
    let reload = use_context::<ReloadConfig>();
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
            match result {
                Ok(creds) => {
                    match browser::session_set(browser::CREDENTIALS_CLIENT_ID_KEY, &creds.client_id)
                    {
                        Ok(()) => {
                            message.set(Some((true, creds.message())));
                            if let Some(r) = reload {
                                r.0.run(());
                            }
                        }
                        Err(e) => message.set(Some((false, e.to_string()))),
                    }
                }
                Err(e) => message.set(Some((false, e))),
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
                    message.set(Some((true, "Using the app configured in config.json again.".into())));
                    if let Some(r) = reload {
                        r.0.run(());
                    }
                }>"Use the configured app again"</button>
            </p>
        }
    });
    let body = view! {
        <div class="credentials">
            {undo}
            <label>
                "Import the app's credentials file (JSON, from PagerDuty's App Registration) "
                <input type="file" accept=".json,application/json" on:change=on_change />
            </label>
            <p role="status" aria-live="polite" class=move || match message.get() {
                Some((false, _)) => "error",
                _ => "",
            }>{move || message.get().map(|(_, m)| m)}</p>
        </div>
    };
    if collapsible {
        view! {
            <details open=move || message.get().is_some()>
                <summary>"Use another PagerDuty app"</summary>
                {body}
            </details>
        }
        .into_any()
    } else {
        body.into_any()
    }
}
