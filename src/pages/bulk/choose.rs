//! The Import page's first step: users or services, the template, and the file (picked,
//! dropped or pasted), handed to the page's check.

use super::{use_bulk, Source};
use crate::import::{services, users, Kind};
use crate::pages::bulk_io;
use leptos::prelude::*;
use std::sync::Arc;

/// Users or services, the template, and the file (pick, drop or paste).
#[component]
pub(super) fn Choose() -> impl IntoView {
    let ctx = use_bulk();
    let paste = RwSignal::new(String::new());
    let over = RwSignal::new(false);
    let on_kind = move |k: Kind| {
        ctx.kind.set(k);
        ctx.source.set(None);
        ctx.read.set(None);
    };
    let template = move |_| {
        let (text, kind) = match ctx.kind.get_untracked() {
            Kind::Users => (users::TEMPLATE, "users"),
            Kind::Services => (services::TEMPLATE, "services"),
        };
        crate::browser::download(
            &format!("pdscope-{kind}-template.csv"),
            "text/csv;charset=utf-8",
            &format!("\u{feff}{text}"),
        );
    };
    let take_file = move |file: Option<web_sys::File>| {
        let Some(file) = file else { return };
        leptos::task::spawn_local(async move {
            let name = file.name();
            match bulk_io::file_bytes(&file).await {
                Ok(bytes) => ctx.take(name, &bytes),
                Err(e) => ctx.source.set(Some(Arc::new(Source {
                    name,
                    input: Err(e),
                }))),
            }
        });
    };
    let on_pick = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let input = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        take_file(
            input
                .as_ref()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0)),
        );
        // Choosing the same file again (after fixing it) must fire again.
        if let Some(i) = input {
            i.set_value("");
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        over.set(false);
        take_file(
            ev.data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0)),
        );
    };
    let noun = move || ctx.kind.get().noun();
    view! {
        <fieldset class="kind">
            <legend>"What to import"</legend>
            <label>
                <input type="radio" name="kind" prop:checked=move || ctx.kind.get() == Kind::Users on:change=move |_| on_kind(Kind::Users) />
                " Users"
            </label>
            <label>
                <input type="radio" name="kind" prop:checked=move || ctx.kind.get() == Kind::Services on:change=move |_| on_kind(Kind::Services) />
                " Services"
            </label>
        </fieldset>
        <p class="hint">
            {move || match ctx.kind.get() {
                Kind::Users => "Columns: name and email (required), role, job_title, time_zone, country_code, phone_number, sms_number, extra_emails, teams, team_roles, notify, description. Lists in a cell are separated by ;. PagerDuty's import_users files (no header row) work as they are.",
                Kind::Services => "Columns: name and escalation_policy (required: its exact name or id), description, urgency (high, low, severity_based), ack_timeout_min, auto_resolve_min (minutes; empty or off: no timeout on a new service, unchanged on an existing one). PagerDuty's create_services files work as they are.",
            }}
        </p>
        <div
            class="drop"
            class:over=move || over.get()
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                over.set(true);
            }
            on:dragleave=move |_| over.set(false)
            on:drop=on_drop
        >
            <label class="button">
                {move || format!("Choose a {} file…", if ctx.kind.get() == Kind::Users { "users" } else { "services" })}
                <input class="visually-hidden" type="file" accept=".csv,text/csv,text/plain" on:change=on_pick />
            </label>
            <span>" or drop it here. "</span>
            <button on:click=template>{move || format!("Download {} template", noun())}</button>
        </div>
        <details class="paste">
            <summary>"Paste CSV text instead"</summary>
            <label>
                <span class="visually-hidden">"CSV text"</span>
                <textarea rows="6" prop:value=move || paste.get() on:input=move |ev| paste.set(event_target_value(&ev))></textarea>
            </label>
            <div class="actions">
                <button on:click=move |_| ctx.take("pasted text".into(), paste.get_untracked().as_bytes())>"Check pasted text"</button>
            </div>
        </details>
    }
}
