//! The Import page's first step: users or services, the template, and the file (picked,
//! dropped or pasted), handed to the page's check.

use super::{use_bulk, Source};
use crate::io;
use leptos::prelude::*;
use pdscope::bulk::Kind;
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
        let kind = ctx.kind.get_untracked();
        pdscope::browser::download(
            &format!("pdscope-{}-template.csv", kind.noun()),
            "text/csv;charset=utf-8",
            &pdscope::bulk::template(kind),
        );
    };
    let take_file = move |file: Option<web_sys::File>| {
        let Some(file) = file else { return };
        leptos::task::spawn_local(async move {
            let name = file.name();
            match io::file_bytes(&file).await {
                Ok(bytes) => ctx.take(name, &bytes),
                Err(e) => ctx
                    .source
                    .set(Some(Arc::new(Source { name, file: Err(e) }))),
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
            <legend>"What to do"</legend>
            {Kind::ALL.map(|k| view! {
                <label>
                    <input type="radio" name="kind" prop:checked=move || ctx.kind.get() == k on:change=move |_| on_kind(k) />
                    {format!(" {}", k.title())}
                </label>
            })}
        </fieldset>
        <p class="hint">
            {move || ctx.kind.get().help()}
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
                {move || match ctx.kind.get() {
                    Kind::Offboard => "Choose an offboarding file…".to_string(),
                    _ => format!("Choose a {} file…", noun()),
                }}
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
