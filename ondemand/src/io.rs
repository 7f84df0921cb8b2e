//! The Import page's browser glue: requests through the app's session ([`Host`]) for the
//! run ([`Transport`]) and the plan's reads ([`paging::PageSource`]), and reading a chosen
//! file.

use crate::host::Host;
use futures::future::LocalBoxFuture;
use pdscope::api::ApiError;
use pdscope::bulk::run::Method;
use pdscope::bulk::run::Transport;
use pdscope::client;
use pdscope::paging;
use pdscope::task::Abort;
use serde_json::Value;

/// One request with `token` and PagerDuty's headers (a JSON body with its content type).
fn once(
    api_url: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
    token: &str,
    from: Option<&str>,
    abort: &Abort,
) -> Result<gloo_net::http::Request, gloo_net::Error> {
    use gloo_net::http::Request;
    let url = format!("{api_url}{path}");
    let req = match method {
        Method::Get => Request::get(&url),
        Method::Post => Request::post(&url),
        Method::Put => Request::put(&url),
        Method::Delete => Request::delete(&url),
    }
    .header("Authorization", &format!("Bearer {token}"))
    .header("Accept", pdscope::api::ACCEPT)
    .abort_signal(abort.signal());
    // PagerDuty's spec requires `From` (a user of the account) on incident updates.
    let req = match from {
        Some(from) if method == Method::Put && path.starts_with("/incidents") => {
            req.header("From", from)
        }
        _ => req,
    };
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
    let from = host.email();
    let from = from.as_deref();
    let go = |token: String| async move {
        let resp = client::send(once(api_url, method, path, body, &token, from, abort)).await?;
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

/// A chosen or dropped file's bytes; a file too big is refused before it is read.
pub async fn file_bytes(file: &web_sys::File) -> Result<Vec<u8>, String> {
    if file.size() > pdscope::csvfile::MAX_BYTES as f64 {
        return Err(pdscope::csvfile::CsvError::TooLarge(file.size() as usize).to_string());
    }
    let buf = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| "The file could not be read; choose it again.".to_string())?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}
