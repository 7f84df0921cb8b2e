//! Import lives in a second WebAssembly module (`importer/`), fetched the first time someone
//! opens it, so the first load does not carry it. This is the app's side: it loads the
//! module, answers its questions about the session ([`crate::host`]), and keeps its box in
//! `<main>` (hidden on other pages) so a run goes on while the person looks elsewhere.
//! Kept small on purpose: everything here is in the first load.

use crate::auth::{start_sign_in, use_auth};
use crate::routes::AppRoute;
use leptos::prelude::*;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(inline_js = "export async function load_importer(url, el, host) {
  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = url.replace(/[.]js$/, '.css');
  document.head.append(css);
  const m = await import(url);
  await m.default();
  m.mount(el, host);
  return m;
}")]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn load_importer(
        url: String,
        el: web_sys::HtmlElement,
        host: js_sys::Function,
    ) -> Result<JsValue, JsValue>;
}

thread_local! {
    /// The loaded module and the box it is mounted in.
    static LOADED: RefCell<Option<(JsValue, web_sys::HtmlElement)>> = const { RefCell::new(None) };
}

/// Removes the importer and what it held (sign-out calls it).
pub fn unload() {
    if let Some((module, el)) = LOADED.with(|l| l.borrow_mut().take()) {
        if let Ok(f) = js_sys::Reflect::get(&module, &"unmount".into()) {
            let _ = f.unchecked_into::<js_sys::Function>().call0(&module);
        }
        el.remove();
    }
}

/// The app's answers to the importer (see `crate::host`).
fn host() -> js_sys::Function {
    let auth = use_auth();
    let config = crate::app::use_config();
    let me = use_context::<crate::components::header::MeCtx>().map(|m| m.0);
    crate::host::host_function(Box::new(move |name: String, arg: JsValue| {
        let session = auth.session_untracked();
        let person = || me.and_then(|m| m.get_untracked().flatten());
        let text: Option<String> = match name.as_str() {
            "apiUrl" => session.and_then(|s| s.api_url),
            "token" => session.map(|s| s.access_token),
            "granted" => session.map(|s| s.granted_scopes.join(" ")),
            "requested" => session.map(|s| s.requested_scopes.join(" ")),
            "role" => person().and_then(|p| p.role),
            "who" => person().map(|p| match p.email {
                Some(e) => format!("{} ({e})", p.name),
                None => p.name,
            }),
            "scoped" => return JsValue::from_bool(config.is_scoped_app()),
            "refresh" => {
                return wasm_bindgen_futures::future_to_promise(async move {
                    Ok(JsValue::from_bool(
                        crate::auth::refresh_now(auth).await.is_ok(),
                    ))
                })
                .into()
            }
            "signIn" => {
                let extra: Vec<String> = arg
                    .as_string()
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                start_sign_in(auth, &config, &extra, &AppRoute::Import.path());
                None
            }
            _ => None,
        };
        text.map_or(JsValue::UNDEFINED, JsValue::from)
    }))
}

/// The Import page in the app: loads the importer the first time (or says why it could not)
/// and shows its box while here.
#[component]
pub fn ImporterStatus() -> impl IntoView {
    // None: loading; Some(""): loaded; Some(why): failed. (A signal type the app already
    // has: a new one costs the first load about half a kilobyte.)
    let state: RwSignal<Option<String>> =
        RwSignal::new(LOADED.with(|l| l.borrow().is_some()).then(String::new));
    let set_hidden = |hidden: bool| {
        LOADED.with(|l| {
            if let Some((_, el)) = &*l.borrow() {
                el.set_hidden(hidden)
            }
        })
    };
    set_hidden(false);
    on_cleanup(move || set_hidden(true));
    let host = StoredValue::new_local(host());
    let load = move || {
        let doc = web_sys::window().and_then(|w| w.document());
        let (Some(main), Some(el)) = (
            doc.as_ref().and_then(|d| d.get_element_by_id("main")),
            doc.as_ref()
                .and_then(|d| d.create_element("div").ok())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
        ) else {
            return;
        };
        let url = doc
            .and_then(|d| d.base_uri().ok().flatten())
            .and_then(|base| web_sys::Url::new_with_base("importer.js", &base).ok())
            .map_or_else(|| "importer.js".into(), |u| u.href());
        state.set(None);
        let _ = main.append_child(&el);
        let host = host.get_value();
        leptos::task::spawn_local(async move {
            match load_importer(url, el.clone(), host).await {
                Ok(m) => {
                    // Left the page meanwhile: the box waits, hidden.
                    if state.try_set(Some(String::new())).is_some() {
                        el.set_hidden(true);
                    }
                    LOADED.with(|l| *l.borrow_mut() = Some((m, el)));
                }
                Err(e) => {
                    el.remove();
                    let why = e.as_string().unwrap_or_else(|| {
                        js_sys::Reflect::get(&e, &"message".into())
                            .ok()
                            .and_then(|m| m.as_string())
                            .unwrap_or_default()
                    });
                    state.try_set(Some(why));
                }
            }
        });
    };
    if state.get_untracked().is_none() {
        // After this render is in the document (on a first load at /import, <main> is not yet).
        leptos::task::spawn_local(async move { load() });
    }
    move || {
        match state.get() {
        None => Some(view! { <p class="loading" role="status">"Loading the importer…"</p> }.into_any()),
        Some(why) if !why.is_empty() => Some(view! {
            <p class="error" role="alert">
                {format!("The importer could not be loaded ({why}). Check the connection, then ")}
                <button on:click=move |_| load()>"Try again"</button>
            </p>
        }.into_any()),
        Some(_) => None,
    }
    }
}
