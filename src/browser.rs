//! Thin browser glue: where the page lives, the tab's sessionStorage, fetching config.json.
//! Nothing here unwraps a browser API: storage can be disabled and fetches can fail.

use crate::config::{self, Config, ConfigError, PageContext};
use crate::url;

/// The page's origin and base path (from `<base href>`, i.e. `document.baseURI`).
pub fn page_context() -> PageContext {
    let window = web_sys::window();
    let origin = window
        .as_ref()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let base = window
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .and_then(|b| web_sys::Url::new(&b).ok())
        .map(|u| u.pathname())
        .unwrap_or_else(|| "/".into());
    // baseURI without a <base> tag is the document URL itself: keep only its directory.
    let dir = match base.rfind('/') {
        Some(i) => &base[..=i],
        None => "/",
    };
    PageContext {
        origin,
        base_path: url::normalise_base(dir),
    }
}

/// Fetches and validates `config.json` from beside `index.html`.
pub async fn load_config(page: &PageContext) -> Result<Config, ConfigError> {
    load_config_from("config.json", page).await
}

/// Fetches and validates a configuration file at `path` (relative to the page's base).
pub async fn load_config_from(path: &str, page: &PageContext) -> Result<Config, ConfigError> {
    // `no-store`: hosts change config.json without rebuilding, so never use a stale copy.
    let resp = gloo_net::http::Request::get(path)
        .cache(web_sys::RequestCache::NoStore)
        .send()
        .await
        .map_err(|e| ConfigError::Unreachable(e.to_string()))?;
    if !resp.ok() {
        return Err(ConfigError::NotFound {
            status: resp.status(),
        });
    }
    let text = resp
        .text()
        .await
        .map_err(|e| ConfigError::Unreachable(e.to_string()))?;
    config::parse(&text, page)
}

/// sessionStorage key of a client id taken from PagerDuty's credentials file
/// (`crate::credentials`).
pub const CREDENTIALS_CLIENT_ID_KEY: &str = "imported_client_id";

/// `config.json`, with a client id imported in this tab taking precedence; with no usable
/// `config.json`, an imported client id alone gives PagerDuty's defaults.
pub async fn load_config_with_credentials(page: &PageContext) -> Result<Config, ConfigError> {
    let imported = session_get(CREDENTIALS_CLIENT_ID_KEY).ok().flatten();
    match (load_config(page).await, imported) {
        (Ok(mut c), Some(id)) => {
            c.warnings.push(format!(
                "Client id {id} was imported in this tab and overrides config.json."
            ));
            c.client_id = id;
            Ok(c)
        }
        (Err(_), Some(id)) => {
            let minimal = serde_json::json!({ "client_id": id }).to_string();
            config::parse(&minimal, page)
        }
        (result, None) => result,
    }
}

/// Reads the text of the file chosen in a file input.
pub async fn read_chosen_file(
    input: &web_sys::HtmlInputElement,
) -> Result<(String, String), String> {
    let file = input
        .files()
        .and_then(|f| f.get(0))
        .ok_or_else(|| "no file was chosen".to_string())?;
    let name = file.name();
    if file.size() > 64.0 * 1024.0 {
        return Err("the file is larger than a credentials file can be".into());
    }
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| "the file could not be read".to_string())?;
    text.as_string()
        .map(|t| (name.clone(), t))
        .ok_or_else(|| format!("{name} is not text"))
}

/// Why sessionStorage could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    #[error("This browser tab does not allow sessionStorage (private mode or a site setting). pdscope keeps the sign-in only there: allow site data for this page and reload.")]
    Unavailable,
    #[error("sessionStorage refused to save ({0}). Close other pdscope tabs or clear this site's data, then try again.")]
    Write(String),
}

fn session() -> Result<web_sys::Storage, StorageError> {
    web_sys::window()
        .and_then(|w| w.session_storage().ok().flatten())
        .ok_or(StorageError::Unavailable)
}

/// Reads a sessionStorage key (all keys are prefixed `pdscope.`).
pub fn session_get(key: &str) -> Result<Option<String>, StorageError> {
    session()?
        .get_item(&format!("pdscope.{key}"))
        .map_err(|_| StorageError::Unavailable)
}

/// Writes a sessionStorage key.
pub fn session_set(key: &str, value: &str) -> Result<(), StorageError> {
    session()?
        .set_item(&format!("pdscope.{key}"), value)
        .map_err(|e| StorageError::Write(format!("{e:?}")))
}

/// Removes a sessionStorage key; a missing store is not an error here.
pub fn session_remove(key: &str) {
    if let Ok(s) = session() {
        let _ = s.remove_item(&format!("pdscope.{key}"));
    }
}

/// Today in the person's time zone, `2026-11-29`.
pub fn local_date() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

/// A time in the person's time zone, `2026-11-28 10:30:00 Europe/Berlin` (the zone's name
/// where the browser knows it, else its offset from UTC).
pub fn local_time(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    let offset_min = d.get_timezone_offset();
    let local = crate::timefmt::iso(ms - offset_min * 60_000.0);
    let local = local.trim_end_matches(" UTC");
    let zone = js_sys::Reflect::get(
        &js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
            .resolved_options(),
        &"timeZone".into(),
    )
    .ok()
    .and_then(|z| z.as_string())
    .unwrap_or_else(|| {
        let east = -offset_min as i64;
        format!(
            "UTC{}{:02}:{:02}",
            if east < 0 { '-' } else { '+' },
            east.abs() / 60,
            east.abs() % 60
        )
    });
    format!("{local} {zone}")
}

/// Removes every key the app keeps in this tab's sessionStorage (all `pdscope.*`: session,
/// attempts, timeline, an imported client id, the import's journal, and any added later).
pub fn session_clear_all() {
    let Ok(s) = session() else { return };
    let len = s.length().unwrap_or(0);
    let ours: Vec<String> = (0..len)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with("pdscope."))
        .collect();
    for k in &ours {
        let _ = s.remove_item(k);
    }
}

/// Offers `text` as a file download, built entirely in the browser.
pub fn download(filename: &str, mime: &str, text: &str) {
    use wasm_bindgen::JsCast;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let bag = web_sys::BlobPropertyBag::new();
    bag.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &bag) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        if let Ok(a) = doc.create_element("a") {
            if let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() {
                a.set_href(&url);
                a.set_download(filename);
                a.click();
            }
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}
