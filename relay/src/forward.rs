//! Forwarding: the token and revoke handlers. A request is checked (a form, each key once,
//! for the one client id, no secret from the browser, a grant the relay serves), then the
//! upstream body is rebuilt from the allow-list for its endpoint and grant, the secret added,
//! and PagerDuty's answer passed back if it is JSON and does not carry the secret.

use crate::deadline::read_body;
use crate::error::RelayError;
use crate::state::Relay;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;

/// Form bodies larger than this are refused (a code exchange is a few hundred bytes).
pub(crate) const MAX_BODY: usize = 4 * 1024;

/// The token endpoint, here and at PagerDuty.
pub(crate) const TOKEN_PATH: &str = "/oauth/token";
/// The revocation endpoint, here and at PagerDuty.
pub(crate) const REVOKE_PATH: &str = "/oauth/revoke";

/// The parameters forwarded for an authorization code exchange.
const AUTHORIZATION_CODE: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "client_id",
];
/// The parameters forwarded for a refresh.
const REFRESH_TOKEN: &[&str] = &["grant_type", "refresh_token", "client_id", "scope"];
/// The parameters forwarded for a revocation.
const REVOKE: &[&str] = &["token", "token_type_hint", "client_id"];

/// `POST /oauth/token`: an authorization code exchange or a refresh.
pub(crate) async fn token(
    State(r): State<Arc<Relay>>,
    params: Params,
) -> Result<Response, RelayError> {
    params.check_client(&r)?;
    let allowed = match params.get("grant_type") {
        Some("authorization_code") => AUTHORIZATION_CODE,
        Some("refresh_token") => REFRESH_TOKEN,
        _ => return Err(RelayError::UnsupportedGrant),
    };
    forward(&r, TOKEN_PATH, &params, allowed).await
}

/// `POST /oauth/revoke`: a revocation (RFC 7009).
pub(crate) async fn revoke(
    State(r): State<Arc<Relay>>,
    params: Params,
) -> Result<Response, RelayError> {
    params.check_client(&r)?;
    forward(&r, REVOKE_PATH, &params, REVOKE).await
}

/// A request's form parameters: the body read whole (at most [`MAX_BODY`], within the body
/// timeout), form-encoded, no key twice (PagerDuty might read another copy than the relay
/// checked).
pub(crate) struct Params(Vec<(String, String)>);

impl FromRequest<Arc<Relay>> for Params {
    type Rejection = RelayError;

    async fn from_request(req: Request, r: &Arc<Relay>) -> Result<Params, RelayError> {
        let (parts, body) = req.into_parts();
        let body = read_body(body, MAX_BODY, r.config.body_timeout).await?;
        let form_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !form_type {
            return Err(RelayError::NotForm);
        }
        let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
        // Keys compare decoded, as PagerDuty reads them (`grant%5Ftype` is `grant_type`).
        let mut seen = HashSet::new();
        if let Some((k, _)) = pairs.iter().find(|(k, _)| !seen.insert(k.as_str())) {
            return Err(RelayError::Repeated(k.clone()));
        }
        Ok(Params(pairs))
    }
}

impl Params {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// For this relay's one client id, and without a secret (the relay adds it).
    fn check_client(&self, r: &Relay) -> Result<(), RelayError> {
        if self.get("client_id") != Some(r.config.client_id.as_str()) {
            return Err(RelayError::OtherClient);
        }
        if self.get("client_secret").is_some() {
            return Err(RelayError::SecretFromBrowser);
        }
        Ok(())
    }
}

/// True when PagerDuty's answer holds `secret` anywhere: as sent (raw or form-encoded, `+`
/// or `%20` for a space), or in any JSON string or key once its escapes (`\u0073`, `\/`)
/// are decoded. Such an answer is never passed on, whatever its status.
fn carries(raw: &[u8], answer: &serde_json::Value, secret: &str) -> bool {
    fn in_json(v: &serde_json::Value, secret: &str) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains(secret),
            serde_json::Value::Array(a) => a.iter().any(|v| in_json(v, secret)),
            serde_json::Value::Object(o) => o
                .iter()
                .any(|(k, v)| k.contains(secret) || in_json(v, secret)),
            _ => false,
        }
    }
    let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let contains = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
    secret.is_empty()
        || contains(secret.as_bytes())
        || contains(form.as_bytes())
        || contains(form.replace('+', "%20").as_bytes())
        || in_json(answer, secret)
}

/// Sends the allow-listed parameters and the secret to PagerDuty's `path`, and passes its
/// answer back: JSON only, never cached.
async fn forward(
    r: &Relay,
    path: &str,
    params: &Params,
    allowed: &[&str],
) -> Result<Response, RelayError> {
    // The upstream body is rebuilt from the allow-list; anything else is dropped. The
    // serializer is not Send: finish it before any await.
    let form = {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params
            .0
            .iter()
            .filter(|(k, _)| allowed.contains(&k.as_str()))
        {
            ser.append_pair(k, v);
        }
        ser.append_pair("client_secret", &r.config.client_secret);
        ser.finish()
    };
    let upstream = r
        .http
        .post(format!("{}{path}", r.config.identity_url))
        .header(
            header::CONTENT_TYPE.as_str(),
            "application/x-www-form-urlencoded",
        )
        .header(header::ACCEPT.as_str(), "application/json")
        .body(form)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                RelayError::UpstreamTimeout
            } else {
                RelayError::UpstreamUnreachable
            }
        })?;
    let status =
        StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let bytes = upstream
        .bytes()
        .await
        .map_err(|_| RelayError::UpstreamBrokeOff)?;
    if bytes.is_empty() && status.is_success() {
        return Ok((status, Json(json!({}))).into_response());
    }
    let Ok(answer) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Err(RelayError::UpstreamNotJson(status));
    };
    if carries(&bytes, &answer, &r.config.client_secret) {
        return Err(RelayError::UpstreamCarriesSecret);
    }
    let mut resp = (status, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
