//! The browser's REST client: `Authorization: Bearer` and PagerDuty's `Accept` header and no
//! other custom header; a 401 triggers at most one refresh and one retry (rule 17).

use crate::api::{self, ApiError};
use crate::auth::{self, Auth};
use crate::task::Abort;
use serde_json::Value;

/// A GET with the bearer token and PagerDuty's `Accept`, and no other custom header
/// (PagerDuty's CORS preflight allows only a short list).
pub fn signed_get(url: &str, token: &str) -> gloo_net::http::RequestBuilder {
    gloo_net::http::Request::get(url)
        .header("Authorization", &format!("Bearer {token}"))
        .header("Accept", api::ACCEPT)
}

/// Sends a built request and reads PagerDuty's answer: a non-2xx is classified (with
/// `ratelimit-reset` when readable), an empty body (a 204) is `null`.
pub async fn answer(
    req: Result<gloo_net::http::Request, gloo_net::Error>,
    path: &str,
) -> Result<Value, ApiError> {
    read(send(req).await?, path).await
}

/// Sends a built request (a network failure is [`ApiError::Network`]).
pub async fn send(
    req: Result<gloo_net::http::Request, gloo_net::Error>,
) -> Result<gloo_net::http::Response, ApiError> {
    let net = |e: gloo_net::Error| ApiError::Network(e.to_string());
    req.map_err(net)?.send().await.map_err(net)
}

/// Reads an answer (see [`answer`]).
pub async fn read(resp: gloo_net::http::Response, path: &str) -> Result<Value, ApiError> {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !(200..300).contains(&status) {
        let reset = resp
            .headers()
            .get("ratelimit-reset")
            .and_then(|v| v.trim().parse::<u64>().ok());
        return Err(api::classify(status, &text, path, reset));
    }
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).map_err(|e| ApiError::Malformed {
        endpoint: path.to_string(),
        detail: e.to_string(),
    })
}

async fn get_once(
    api_url: &str,
    path: &str,
    token: &str,
    abort: &Abort,
) -> Result<Value, ApiError> {
    let resp = signed_get(&format!("{api_url}{path}"), token)
        .abort_signal(abort.signal())
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    read(resp, path).await
}

/// GETs `path` (e.g. `/users/me`) as the signed-in user; `abort` ends it with its page.
pub async fn get_json(auth: Auth, path: &str, abort: &Abort) -> Result<Value, ApiError> {
    let session = auth.session_untracked().ok_or(ApiError::Unauthorized)?;
    let api_url = session.api_url.clone().ok_or(ApiError::NoApiUrl)?;
    match get_once(&api_url, path, &session.access_token, abort).await {
        Err(ApiError::Unauthorized) => {
            auth::refresh_now(auth)
                .await
                .map_err(|_| ApiError::Unauthorized)?;
            let fresh = auth.session_untracked().ok_or(ApiError::Unauthorized)?;
            get_once(&api_url, path, &fresh.access_token, abort).await
        }
        other => other,
    }
}

/// Waits `ms` milliseconds on the browser's timer.
pub async fn sleep_ms(ms: u64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                ms.min(i32::MAX as u64) as i32,
            );
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// The paging fetcher's view of the browser: signed-in GETs, timers and randomness.
#[derive(Clone)]
pub struct BrowserSource {
    pub auth: Auth,
    /// Ends the listing's requests when its page is left or its search changes.
    pub abort: Abort,
}

impl crate::paging::PageSource for BrowserSource {
    fn get(
        &self,
        path_and_query: String,
    ) -> futures::future::LocalBoxFuture<'static, Result<Value, ApiError>> {
        let (auth, abort) = (self.auth, self.abort.clone());
        Box::pin(async move { get_json(auth, &path_and_query, &abort).await })
    }
    fn sleep(&self, ms: u64) -> futures::future::LocalBoxFuture<'static, ()> {
        Box::pin(sleep_ms(ms))
    }
    fn jitter(&self) -> f64 {
        js_sys::Math::random()
    }
}

/// [`get_json`] with bounded retries (backoff and jitter) on 429 and 5xx, for single reads
/// such as detail pages. Listings retry per page in `paging` instead.
pub async fn get_json_retrying(auth: Auth, path: &str, abort: &Abort) -> Result<Value, ApiError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match get_json(auth, path, abort).await {
            Err(e) if e.retryable() && attempt < 4 => {
                sleep_ms(crate::paging::backoff_ms(
                    attempt,
                    &e,
                    js_sys::Math::random(),
                ))
                .await
            }
            other => return other,
        }
    }
}
