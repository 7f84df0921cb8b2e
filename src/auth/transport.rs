//! The token endpoint's transport in the browser (code exchange, refresh, revocation).

use crate::refresh::{HttpReply, Transport};
use futures::future::{FutureExt, LocalBoxFuture};

/// POSTs form bodies with gloo-net. Any failure to get an HTTP answer (network, CORS) is `Err`.
#[derive(Clone, Copy)]
pub(super) struct BrowserTransport;

impl Transport for BrowserTransport {
    fn post_form(
        &self,
        url: &str,
        body: String,
    ) -> LocalBoxFuture<'static, Result<HttpReply, String>> {
        let url = url.to_string();
        async move {
            let req = gloo_net::http::Request::post(&url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .map_err(|e| e.to_string())?;
            let resp = req.send().await.map_err(|e| e.to_string())?;
            let status = resp.status();
            // Seconds only (the HTTP-date form is rare on token endpoints); readable only
            // when the server exposes it to the page.
            let retry_after_s = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.trim().parse::<u32>().ok())
                .map(f64::from);
            let body = resp.text().await.unwrap_or_default();
            Ok(HttpReply {
                status,
                body,
                retry_after_s,
            })
        }
        .boxed_local()
    }
}
