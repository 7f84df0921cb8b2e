//! The app's router, kept small on purpose: the address bar as one signal, same-app link
//! clicks handled in the page, and Back/Forward. Which page a path names is decided by the
//! pure [`AppRoute::parse`]; this module is only the browser glue around it.
//!
//! (leptos_router did this job before, at about a fifth of the release's wasm: see the README's
//! size table.)

use crate::routes::{AppRoute, Location};
use crate::url;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// The router handle, provided as context by [`provide_nav`].
#[derive(Clone, Copy)]
pub struct Nav {
    /// The base path without its trailing slash (`""` at the root).
    base: StoredValue<String>,
    location: RwSignal<Location>,
}

/// Reads the address bar as an app location under `base` (`None` outside the base).
fn read_location(base: &str) -> Location {
    let loc = web_sys::window().map(|w| w.location());
    let pathname = loc
        .as_ref()
        .and_then(|l| l.pathname().ok())
        .unwrap_or_default();
    let search = loc.and_then(|l| l.search().ok()).unwrap_or_default();
    let path = match url::app_path(base, &pathname) {
        Some(p) => p.to_string(),
        // Outside the base: not a page of this app.
        None => AppRoute::NotFound.path(),
    };
    Location {
        path,
        query: search.trim_start_matches('?').to_string(),
    }
}

impl Nav {
    /// The current location (tracked).
    pub fn location(&self) -> Location {
        self.location.get()
    }

    /// The current location, without tracking.
    pub fn location_untracked(&self) -> Location {
        self.location.get_untracked()
    }

    /// The page the address names (tracked).
    pub fn route(&self) -> AppRoute {
        self.location.with(Location::route)
    }

    /// One decoded query parameter of the current location (tracked).
    pub fn query(&self, key: &str) -> Option<String> {
        self.location.with(|l| l.param(key))
    }

    /// The full href of an app path (base added).
    pub fn href(&self, to: &str) -> String {
        format!("{}{to}", self.base.get_value())
    }

    /// Goes to an app path (with optional query): a new history entry, or with `replace` the
    /// current one. With `new_page` (not for a changed search or sort) it scrolls to the top
    /// and moves focus to `<main>`, so keyboard and screen-reader users start at the new
    /// page's content rather than on the link they left.
    pub fn navigate(&self, to: &str, replace: bool, new_page: bool) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let full = self.href(to);
        if let Ok(history) = window.history() {
            let null = wasm_bindgen::JsValue::NULL;
            let _ = if replace {
                history.replace_state_with_url(&null, "", Some(&full))
            } else {
                history.push_state_with_url(&null, "", Some(&full))
            };
        }
        self.location.set(Location::parse(to));
        if new_page {
            window.scroll_to_with_x_and_y(0.0, 0.0);
            if let Some(main) = window
                .document()
                .and_then(|d| d.get_element_by_id("main"))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = main.focus();
            }
        }
    }

    /// Follows Back/Forward and handles clicks on links into the app in the page, until the
    /// owner that provided the router goes (a shell rebuilt after a credentials import makes
    /// its own router: the old one must not answer clicks with its disposed signals).
    fn listen(self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let on_pop = Closure::<dyn Fn()>::new(move || {
            let base = self.base.get_value();
            let _ = self.location.try_set(read_location(&base));
        });
        let on_click =
            Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
                self.on_click(ev)
            });
        let target: web_sys::EventTarget = window.clone().into();
        let doc: Option<web_sys::EventTarget> = window.document().map(Into::into);
        let _ =
            target.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
        if let Some(doc) = &doc {
            let _ =
                doc.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
        }
        // Not `Send`: kept in the owner's arena, which outlives its cleanups (as in `task`).
        let held = StoredValue::new_local(Some((target, doc, on_pop, on_click)));
        on_cleanup(move || {
            if let Some(Some((target, doc, on_pop, on_click))) = held.try_update_value(Option::take)
            {
                let _ = target.remove_event_listener_with_callback(
                    "popstate",
                    on_pop.as_ref().unchecked_ref(),
                );
                if let Some(doc) = doc {
                    let _ = doc.remove_event_listener_with_callback(
                        "click",
                        on_click.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }

    fn on_click(&self, ev: web_sys::MouseEvent) {
        if ev.default_prevented()
            || ev.button() != 0
            || ev.meta_key()
            || ev.ctrl_key()
            || ev.shift_key()
            || ev.alt_key()
        {
            return;
        }
        let Some(anchor) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a[href]").ok().flatten())
            .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        else {
            return;
        };
        let raw = anchor.get_attribute("href").unwrap_or_default();
        // `#id` links (the skip link): with a <base href> the browser would resolve them to
        // another page, so move focus in this page instead.
        if let Some(id) = raw.strip_prefix('#') {
            ev.prevent_default();
            if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(id))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
                el.scroll_into_view();
            }
            return;
        }
        let target = anchor.target();
        if (!target.is_empty() && target != "_self") || anchor.has_attribute("download") {
            return;
        }
        let Ok(dest) = web_sys::Url::new(&anchor.href()) else {
            return;
        };
        let here = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        if dest.origin() != here {
            return;
        }
        let pathname = dest.pathname();
        let Some(app) = url::app_path(&self.base.get_value(), &pathname) else {
            // Same site, outside the app: let the browser load it.
            return;
        };
        if AppRoute::parse(app) == AppRoute::NotFound {
            // Not one of the app's pages (a file hosted beside it, say): the server's answer.
            return;
        }
        ev.prevent_default();
        let to = format!("{app}{}", dest.search());
        let same = self.location.with_untracked(|l| l.path_and_query() == to);
        self.navigate(&to, same, true);
    }
}

/// Creates the router for an app living under `base_path` (as in [`crate::config::PageContext`])
/// and provides it as context. With `listen`, it also follows the browser's Back/Forward and
/// link clicks (the app shell does this once; tests that mount a single page do not).
pub fn provide_nav(base_path: &str, listen: bool) -> Nav {
    let base = url::router_base(base_path);
    let nav = Nav {
        location: RwSignal::new(read_location(&base)),
        base: StoredValue::new(base),
    };
    provide_context(nav);
    if listen {
        nav.listen();
    }
    nav
}

/// The router provided by the shell.
pub fn use_nav() -> Nav {
    expect_context::<Nav>()
}
