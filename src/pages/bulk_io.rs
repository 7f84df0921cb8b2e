//! The Import page's browser glue: requests through the app's session ([`Host`]), the
//! account reads a plan makes, time zone names, reading a chosen file, and the journal in
//! sessionStorage.

use crate::api::ApiError;
use crate::client;
use crate::host::Host;
use crate::import::account::{self, AService, AUser, Account, Named};
use crate::import::run::Method;
use crate::import::run::Transport;
use crate::import::Kind;
use crate::json::FromJson;
use crate::paging::{self, HasId};
use crate::task::Abort;
use futures::future::LocalBoxFuture;
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// One request with `token` and PagerDuty's headers (a JSON body with its content type).
fn once(
    api_url: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
    token: &str,
    abort: &Abort,
) -> Result<gloo_net::http::Request, gloo_net::Error> {
    use gloo_net::http::Request;
    let url = format!("{api_url}{path}");
    let req = match method {
        Method::Get => Request::get(&url),
        Method::Post => Request::post(&url),
        Method::Put => Request::put(&url),
    }
    .header("Authorization", &format!("Bearer {token}"))
    .header("Accept", crate::api::ACCEPT)
    .abort_signal(abort.signal());
    match body {
        Some(b) => req
            .header("Content-Type", "application/json")
            .body(b.to_string()),
        None => req.build(),
    }
}

/// Requests as the signed-in user: the app's token, and on a 401 one refresh by the app and
/// one more try (rule 17).
pub async fn send(
    host: &Host,
    method: Method,
    path: &str,
    body: Option<&Value>,
    abort: &Abort,
) -> Result<Value, ApiError> {
    let api_url = host.api_url().ok_or(ApiError::NoApiUrl)?;
    let token = host.token().ok_or(ApiError::Unauthorized)?;
    let api_url = api_url.as_str();
    let go = |token: String| async move {
        let resp = client::send(once(api_url, method, path, body, &token, abort)).await?;
        // PagerDuty's limit, where the server lets the browser read it (CORS).
        if let Some(n) = resp
            .headers()
            .get("ratelimit-limit")
            .and_then(|v| v.trim().parse::<u32>().ok())
        {
            SEEN_LIMIT.with(|l| l.set(Some(n)));
        }
        client::read(resp, path).await
    };
    match go(token.clone()).await {
        Err(ApiError::Unauthorized) => {
            // Another request in flight may have refreshed already: one rotation, not six.
            if host.token().as_ref() == Some(&token) && !host.refresh().await {
                return Err(ApiError::Unauthorized);
            }
            go(host.token().ok_or(ApiError::Unauthorized)?).await
        }
        other => other,
    }
}

thread_local! {
    /// The last `ratelimit-limit` PagerDuty sent (requests a minute), when readable.
    static SEEN_LIMIT: std::cell::Cell<Option<u32>> = const { std::cell::Cell::new(None) };
}

/// The importer's transport, and the plan's page source.
#[derive(Clone)]
pub struct Io {
    pub host: Host,
    pub abort: Abort,
}

impl Transport for Io {
    fn send(
        &self,
        method: Method,
        path: String,
        body: Option<Value>,
    ) -> LocalBoxFuture<'static, Result<Value, ApiError>> {
        let (host, abort) = (self.host.clone(), self.abort.clone());
        Box::pin(async move { send(&host, method, &path, body.as_ref(), &abort).await })
    }
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'static, ()> {
        Box::pin(client::sleep_ms(ms))
    }
    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }
    fn jitter(&self) -> f64 {
        js_sys::Math::random()
    }
    fn limit_per_min(&self) -> Option<u32> {
        SEEN_LIMIT.with(|l| l.get())
    }
}

impl paging::PageSource for Io {
    fn get(&self, path_and_query: String) -> LocalBoxFuture<'static, Result<Value, ApiError>> {
        Transport::send(self, Method::Get, path_and_query, None)
    }
    fn sleep(&self, ms: u64) -> LocalBoxFuture<'static, ()> {
        Box::pin(client::sleep_ms(ms))
    }
    fn jitter(&self) -> f64 {
        js_sys::Math::random()
    }
}

/// Any listed object: one paging instantiation serves every read (size).
#[derive(Clone)]
struct Raw(Value);

impl FromJson for Raw {
    fn from_json(v: &Value) -> Option<Raw> {
        v.is_object().then(|| Raw(v.clone()))
    }
}

impl HasId for Raw {
    /// The object's id; a team member (`{"user":…,"role":…}`) is known by its user's.
    fn id(&self) -> &str {
        self.0
            .get("id")
            .or_else(|| self.0.get("user").and_then(|u| u.get("id")))
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// What a plan read, and how much of it PagerDuty's paging ceiling left out.
pub struct Read {
    pub account: Account,
    pub not_listed: u64,
}

/// Reads what a plan of `kind` compares against; `progress(what, done, total)` follows it.
/// `role_teams`: the teams (by name or id) whose members' roles the file may change.
pub async fn read_account(
    kind: Kind,
    source: Io,
    role_teams: &[String],
    progress: impl Fn(&'static str, u64, u64) + Clone,
) -> Result<Read, ApiError> {
    let conc = paging::DEFAULT_CONCURRENCY;
    let list = |path: &'static str, key: &'static str| {
        let (source, progress) = (source.clone(), progress.clone());
        async move {
            let l =
                paging::fetch_all::<Raw, _>(&source, path, key, conc, |d, t| progress(key, d, t))
                    .await?;
            Ok::<_, ApiError>((l.rows, l.not_listed))
        }
    };
    let mut account = Account::default();
    let not_listed;
    match kind {
        Kind::Users => {
            let (users, n) = list(account::USERS_PATH, "users").await?;
            let (teams, _) = list(account::TEAMS_PATH, "teams").await?;
            account.users = items::<AUser>(&users);
            account.teams = items::<Named>(&teams);
            // Each team once, however the file names it (by name, by id, or both).
            let mut ids: Vec<String> = role_teams
                .iter()
                .filter_map(|name| account.team_by_name(name).map(|t| t.id.clone()))
                .collect();
            ids.sort();
            ids.dedup();
            for id in ids {
                let path = account::members_path(&id);
                let members =
                    paging::fetch_all::<Raw, _>(&source, &path, "members", conc, |d, t| {
                        progress("members", d, t)
                    })
                    .await?;
                account.members.extend(
                    members
                        .rows
                        .iter()
                        .filter_map(|m| account::member(&m.0))
                        .map(|(user, role)| ((id.clone(), user), role)),
                );
            }
            not_listed = n;
        }
        Kind::Services => {
            let (services, n) = list(account::SERVICES_PATH, "services").await?;
            let (policies, _) = list(account::POLICIES_PATH, "escalation_policies").await?;
            account.services = items::<AService>(&services);
            account.policies = items::<Named>(&policies);
            not_listed = n;
        }
    }
    Ok(Read {
        account,
        not_listed,
    })
}

fn items<T: FromJson>(rows: &[Raw]) -> Vec<T> {
    rows.iter().filter_map(|r| T::from_json(&r.0)).collect()
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Intl, js_name = DateTimeFormat)]
    type DateTimeFormat;
    #[wasm_bindgen(constructor, catch, js_namespace = Intl, js_class = "DateTimeFormat")]
    fn new(locales: &JsValue, options: &js_sys::Object) -> Result<DateTimeFormat, JsValue>;
    #[wasm_bindgen(method, js_name = resolvedOptions)]
    fn resolved_options(this: &DateTimeFormat) -> js_sys::Object;
}

/// A time zone name as PagerDuty spells it, when the browser's IANA database knows it (the
/// names PagerDuty takes): `europe/berlin` gives `Europe/Berlin`. A name the browser maps to
/// an older alias (`Asia/Kolkata` to `Asia/Calcutta`) is kept as written.
pub fn zone(name: &str) -> Option<String> {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"timeZone".into(), &name.into()).ok()?;
    let format = DateTimeFormat::new(&JsValue::UNDEFINED, &options).ok()?;
    let resolved = js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string())
        .filter(|r| r.eq_ignore_ascii_case(name));
    Some(resolved.unwrap_or_else(|| name.to_string()))
}

/// A chosen or dropped file's bytes; a file too big is refused before it is read.
pub async fn file_bytes(file: &web_sys::File) -> Result<Vec<u8>, String> {
    if file.size() > crate::csvfile::MAX_BYTES as f64 {
        return Err(crate::csvfile::CsvError::TooLarge(file.size() as usize).to_string());
    }
    let buf = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| "The file could not be read; choose it again.".to_string())?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

/// Where the last run's journal is kept (removed with every other `pdscope.` key on sign-out).
const JOURNAL_KEY: &str = "import.journal";

pub fn save_journal(text: &str) -> Result<(), String> {
    crate::browser::session_set(JOURNAL_KEY, text).map_err(|e| e.to_string())
}

pub fn load_journal() -> Option<String> {
    crate::browser::session_get(JOURNAL_KEY).ok().flatten()
}

pub fn clear_journal() {
    crate::browser::session_remove(JOURNAL_KEY)
}
