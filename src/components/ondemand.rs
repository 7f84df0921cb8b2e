//! Import and the token inspector live in a second WebAssembly module (`ondemand/`), fetched
//! the first time someone opens one of them, so the first load does not carry them. This is
//! the app's side: it loads the module, calls its entry points ([`Entry`]), answers its
//! questions about the session ([`HostCall`]), and keeps the Import page's box in `<main>`
//! (hidden on other pages) so a run goes on while the person looks elsewhere. Kept small on
//! purpose: everything here is in the first load.

use crate::auth::{start_sign_in, start_sign_in_with, use_auth};
use crate::host::{Entry, HostCall};
use crate::routes::AppRoute;
use leptos::prelude::*;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

// The module's files carry a content hash in their names (scripts/build-ondemand.sh), which
// the build writes into index.html as `<html data-ondemand="ondemand-HASH.js">`; resolved
// against the page's base, like the app's own assets.
#[wasm_bindgen(inline_js = "let loading = null;
export function ondemand() {
  loading ??= (async () => {
    const name = document.documentElement.dataset.ondemand;
    if (!name) throw new Error('index.html names no on-demand module');
    const url = new URL(name, document.baseURI).href;
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = url.replace(/[.]js$/, '.css');
    document.head.append(css);
    const m = await import(url);
    await m.default();
    return m;
  })().catch((e) => { loading = null; throw e; });
  return loading;
}")]
extern "C" {
    /// The on-demand module, fetched and started once (a failed load is tried again).
    #[wasm_bindgen(catch)]
    async fn ondemand() -> Result<JsValue, JsValue>;
}

/// Calls `entry(a, b, c)` on the loaded module (an entry that takes two ignores `c`).
fn call(
    module: &JsValue,
    entry: Entry,
    a: &JsValue,
    b: &JsValue,
    c: &JsValue,
) -> Result<JsValue, JsValue> {
    js_sys::Reflect::get(module, &entry.name().into())?
        .unchecked_into::<js_sys::Function>()
        .call3(module, a, b, c)
}

/// An error from loading or calling the importer, in words.
fn why(e: JsValue) -> String {
    e.as_string().unwrap_or_else(|| {
        js_sys::Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| "unknown error".into())
    })
}

thread_local! {
    /// The loaded module and the box it is mounted in.
    static LOADED: RefCell<Option<(JsValue, web_sys::HtmlElement)>> = const { RefCell::new(None) };
    /// The host function, made once: each one is a closure kept for the page's life.
    static HOST: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// Removes the importer and what it held.
fn unload() {
    if let Some((module, el)) = LOADED.with(|l| l.borrow_mut().take()) {
        unmount(&module, Entry::Unmount, &el);
    }
}

/// Ties the second module to the shell's session, for the shell's life: it is unloaded
/// whenever the session ends (sign-out, a refused refresh), shown or not (the Import page's
/// box stays, hidden, while a run goes on), and forgotten with the shell (see [`forget`]).
pub fn follow_session() {
    let auth = use_auth();
    Effect::watch(move || auth.ended.get(), |_, _, _| unload(), false);
    on_cleanup(forget);
}

/// Removes the importer and forgets the host function, whose session is the shell's: a new
/// shell (after importing a credentials file) makes its own.
fn forget() {
    unload();
    HOST.with(|h| h.borrow_mut().take());
}

/// The app's answers to the importer (see `crate::host`), made the first time it is asked for.
/// On the setup screen (no shell, no session) only `reloadConfig` is answered.
fn host() -> js_sys::Function {
    if use_context::<crate::auth::Auth>().is_none() {
        let reload = reloader();
        return crate::host::host_function(Box::new(move |call, arg| {
            if call == HostCall::ReloadConfig {
                reload(&arg)
            }
            JsValue::UNDEFINED
        }));
    }
    if let Some(f) = HOST.with(|h| h.borrow().clone()) {
        return f;
    }
    let f = make_host();
    HOST.with(|h| *h.borrow_mut() = Some(f.clone()));
    f
}

/// A host call's argument as words (scopes).
fn words(arg: &JsValue) -> Vec<String> {
    arg.as_string()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// `reloadConfig(said)`: the app's configuration loaded again (a client id imported or
/// forgotten in this tab), and `said` told on the home page (it outlives the shell).
fn reloader() -> impl Fn(&JsValue) {
    let notice = use_context::<crate::context::CredentialsNotice>();
    let reload = use_context::<crate::context::ReloadConfig>();
    move |said| {
        if let Some(n) = notice {
            n.0.set(said.as_string().map(|s| (true, s)));
        }
        if let Some(r) = reload {
            r.0.run(());
        }
    }
}

fn make_host() -> js_sys::Function {
    let auth = use_auth();
    let reload = reloader();
    let config = crate::context::use_config();
    let me = use_context::<crate::context::MeCtx>().map(|m| m.0);
    crate::host::host_function(Box::new(move |call: HostCall, arg: JsValue| {
        let session = auth.session_untracked();
        let person = || me.and_then(|m| m.get_untracked().flatten());
        let text: Option<String> = match call {
            HostCall::ApiUrl => session.and_then(|s| s.api_url),
            HostCall::Token => session.map(|s| s.access_token),
            // The inspector shows the refresh token masked: it never gets the real one.
            HostCall::Session => session.map(|mut s| {
                s.refresh_token = s.refresh_token.map(|t| crate::inspect::mask(&t));
                s.to_json().to_string()
            }),
            // The recorded steps are masked when recorded.
            HostCall::Timeline => Some(
                serde_json::Value::Array(
                    crate::auth::load_timeline()
                        .iter()
                        .map(crate::inspect::Step::to_json)
                        .collect(),
                )
                .to_string(),
            ),
            HostCall::Granted => session.map(|s| s.granted_scopes.join(" ")),
            HostCall::Requested => session.map(|s| s.requested_scopes.join(" ")),
            HostCall::Role => person().and_then(|p| p.role),
            HostCall::Email => person().and_then(|p| p.email),
            HostCall::Who => person().map(|p| match p.email {
                Some(e) => format!("{} ({e})", p.name),
                None => p.name,
            }),
            HostCall::Scoped => return JsValue::from_bool(config.is_scoped_app()),
            HostCall::Refresh => {
                return wasm_bindgen_futures::future_to_promise(async move {
                    Ok(match crate::auth::refresh_now(auth).await {
                        Ok(()) => JsValue::TRUE,
                        Err(e) => JsValue::from(e.to_string()),
                    })
                })
                .into()
            }
            HostCall::SignIn => {
                start_sign_in(auth, &config, &words(&arg), &AppRoute::Import.path());
                None
            }
            HostCall::Rescope => {
                start_sign_in_with(auth, &config, words(&arg), &AppRoute::Token.path());
                None
            }
            HostCall::ReloadConfig => {
                reload(&arg);
                None
            }
            HostCall::SignOut => {
                // After the click that asked: sign-out unmounts the view the click came from.
                leptos::task::spawn_local(async move { crate::auth::sign_out(auth) });
                None
            }
        };
        text.map_or(JsValue::UNDEFINED, JsValue::from)
    }))
}

/// A page, or part of one, that lives in the second module: loads it the first time (or says
/// why it could not) and mounts it in a box at the end of `<main>` with `entry`. The Import
/// page's box stays, hidden, when the person looks elsewhere, so that a run goes on (`keep`);
/// another is unmounted with its `Entry::unmount` when its page goes.
#[component]
pub fn OnDemand(
    /// What is loaded, for the loading and error lines (`the importer`).
    what: &'static str,
    /// The module's entry that mounts the page into a box.
    entry: Entry,
    /// Whether the box stays when the page goes (only one such page: the importer).
    #[prop(optional)]
    keep: bool,
    /// The entry's argument after the box and the host (the user page's user id).
    #[prop(optional)]
    arg: String,
) -> impl IntoView {
    // None: loading; Some(""): loaded; Some(why): failed. (A signal type the app already
    // has: a new one costs the first load about half a kilobyte.)
    let kept = keep && LOADED.with(|l| l.borrow().is_some());
    let state: RwSignal<Option<String>> = RwSignal::new(kept.then(String::new));
    let set_hidden = move |hidden: bool| {
        LOADED.with(|l| match &*l.borrow() {
            Some((_, el)) if keep => el.set_hidden(hidden),
            _ => {}
        })
    };
    set_hidden(false);
    // This visit's box when it is not kept, to unmount when the page goes.
    let mine: StoredValue<Option<(JsValue, web_sys::HtmlElement)>, LocalStorage> =
        StoredValue::new_local(None);
    on_cleanup(move || {
        set_hidden(true);
        if let Some(Some((module, el))) = mine.try_update_value(Option::take) {
            unmount(&module, entry.unmount(), &el);
        }
    });
    let host = StoredValue::new_local(host());
    let arg = StoredValue::new(arg);
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
        state.set(None);
        let _ = main.append_child(&el);
        let (host, arg) = (host.get_value(), JsValue::from(arg.get_value()));
        leptos::task::spawn_local(async move {
            match ondemand()
                .await
                .and_then(|m| call(&m, entry, &el, &host, &arg).map(|_| m))
            {
                // Left the page meanwhile: a kept box waits, hidden; another goes.
                Ok(m) if keep => {
                    if state.try_set(Some(String::new())).is_some() {
                        el.set_hidden(true);
                    }
                    LOADED.with(|l| *l.borrow_mut() = Some((m, el)));
                }
                Ok(m) => {
                    if state.try_set(Some(String::new())).is_some() {
                        unmount(&m, entry.unmount(), &el);
                    } else {
                        mine.set_value(Some((m, el)));
                    }
                }
                Err(e) => {
                    el.remove();
                    state.try_set(Some(why(e)));
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
        None => Some(view! { <p class="loading" role="status">{format!("Loading {what}…")}</p> }.into_any()),
        Some(why) if !why.is_empty() => Some(view! {
            <p class="error" role="alert">
                {format!("{} could not be loaded ({why}). Check the connection, then ", upper_first(what))}
                <button on:click=move |_| load()>"Try again"</button>
            </p>
        }.into_any()),
        Some(_) => None,
    }
    }
}

/// Calls the unmounting `entry` and removes its box.
fn unmount(module: &JsValue, entry: Entry, el: &web_sys::HtmlElement) {
    let none = JsValue::UNDEFINED;
    let _ = call(module, entry, &none, &none, &none);
    el.remove();
}

/// `the importer` → `The importer`.
fn upper_first(what: &str) -> String {
    let mut chars = what.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// "Export for import": every user (with contact methods, rules and teams) or service, in the
/// importer's own format, so export → edit in a spreadsheet → import is a bulk edit; with
/// `keys`, "Export routing keys": every service's Events API v2 routing keys. The work is the
/// importer's (loaded on demand); this is the button and its outcome.
#[component]
pub fn ExportForImport(
    /// What to export.
    kind: crate::bulk::Kind,
    /// The routing keys file instead.
    #[prop(optional)]
    keys: bool,
) -> impl IntoView {
    // None: idle; Some(""): working; Some(text): the outcome.
    let state: RwSignal<Option<String>> = RwSignal::new(None);
    let host = StoredValue::new_local(host());
    let label = if keys {
        "Export routing keys".to_string()
    } else {
        // "all": the list's search box does not apply to it.
        format!("Export all {} for import", kind.noun())
    };
    let go = move |_| {
        state.set(Some(String::new()));
        let host = host.get_value();
        leptos::task::spawn_local(async move {
            let done = async {
                let m = ondemand().await?;
                let none = JsValue::UNDEFINED;
                let p = if keys {
                    call(&m, Entry::ExportRoutingKeys, &host, &none, &none)
                } else {
                    call(
                        &m,
                        Entry::ExportForImport,
                        &kind.noun().into(),
                        &host,
                        &none,
                    )
                }?;
                wasm_bindgen_futures::JsFuture::from(p.unchecked_into::<js_sys::Promise>()).await
            };
            let text = match done.await {
                Ok(v) => v.as_string().unwrap_or_default(),
                Err(e) => format!("Export failed: {}", why(e)),
            };
            state.try_set(Some(text));
        });
    };
    view! {
        <button on:click=go disabled=move || state.get().is_some_and(|s| s.is_empty())>
            {label}
        </button>
        <span class="export-note" role="status">
            {move || match state.get() {
                Some(s) if s.is_empty() => "Reading everything PagerDuty has…".to_string(),
                Some(s) => s,
                None => String::new(),
            }}
        </span>
    }
}

/// "Offboard these N…" on the Users list when a search shows a few people: the Import page
/// opens on offboarding with a file of them checked (the plan and the run are still the
/// person's to ask for). Should the module not load, the Import page says why.
#[component]
pub fn OffboardThese(table: crate::components::table::Table) -> impl IntoView {
    let nav = crate::nav::use_nav();
    move || {
        let emails = table
            .searched_column("email", crate::bulk::offboard::MAX_NAMED)?
            .join("\n");
        let n = emails.lines().count();
        let go = move |_| {
            let emails = JsValue::from(emails.as_str());
            leptos::task::spawn_local(async move {
                if let Ok(m) = ondemand().await {
                    let none = JsValue::UNDEFINED;
                    let _ = call(&m, Entry::OffboardSoon, &emails, &none, &none);
                }
                nav.navigate(&AppRoute::Import.path(), false, true);
            });
        };
        let label = match n {
            1 => "Offboard this person…".to_string(),
            n => format!("Offboard these {n}…"),
        };
        Some(view! { <button on:click=go>{label}</button> })
    }
}
