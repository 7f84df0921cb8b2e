//! pd-token-relay: a token-mediating backend (RFC 10017) for PagerDuty Scoped OAuth apps.
//!
//! It holds the client secret and nothing else. The browser still builds the authorize
//! request, handles the callback, keeps the session and calls the REST API; only
//! `POST /oauth/token` and `POST /oauth/revoke` pass through here, where the secret is added
//! for the one configured client id. No cookies, no sessions, no token storage, and log lines
//! carry only method, path, status and duration.
//!
//! What goes upstream is rebuilt from an allow-list per endpoint and grant, never copied:
//! a repeated parameter is refused (PagerDuty might read another copy than the relay checked),
//! and parameters outside the list are dropped.

mod client;
mod error;
mod options;

pub use client::Cidr;
use error::RelayError;
pub use options::{check_identity_url, read_credentials_json, RelayConfig, DEFAULT_MAX_TRACKED};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Form bodies larger than this are refused (a code exchange is a few hundred bytes).
pub const MAX_BODY: usize = 4 * 1024;

/// The rate limit's window.
const WINDOW: Duration = Duration::from_secs(60);

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

/// Where log lines go (stderr in the binary, a buffer in tests).
pub type LogSink = Arc<dyn Fn(String) + Send + Sync>;

/// Per-address sliding windows with bounded memory. An address whose newest request is a
/// window old has nothing left to remember and is dropped; beyond the cap the least recently
/// seen address goes first. Both use an index ordered by last request, so no request scans
/// the map: each costs O(log n).
#[derive(Default)]
struct Windows {
    hits: HashMap<IpAddr, VecDeque<Instant>>,
    /// `(newest request, address)` for every address in `hits`.
    by_last_seen: BTreeSet<(Instant, IpAddr)>,
}

impl Windows {
    /// `Ok` when `ip` may make another request at `now` (then it is counted); otherwise how
    /// long until its window has room again.
    fn admit(
        &mut self,
        ip: IpAddr,
        now: Instant,
        per_minute: usize,
        cap: usize,
    ) -> Result<(), Duration> {
        while let Some(&(seen, idle)) = self.by_last_seen.first() {
            if now.saturating_duration_since(seen) < WINDOW {
                break;
            }
            self.by_last_seen.pop_first();
            self.hits.remove(&idle);
        }
        if let Some(w) = self.hits.get_mut(&ip) {
            while w
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
            {
                w.pop_front();
            }
            if w.len() >= per_minute {
                let oldest = w.front().copied().unwrap_or(now);
                return Err(WINDOW.saturating_sub(now.saturating_duration_since(oldest)));
            }
            if let Some(&last) = w.back() {
                self.by_last_seen.remove(&(last, ip));
            }
            w.push_back(now);
        } else {
            if per_minute == 0 {
                return Err(WINDOW);
            }
            while self.hits.len() >= cap.max(1) {
                let Some((_, oldest)) = self.by_last_seen.pop_first() else {
                    break;
                };
                self.hits.remove(&oldest);
            }
            self.hits.insert(ip, VecDeque::from([now]));
        }
        self.by_last_seen.insert((now, ip));
        Ok(())
    }

    fn len(&self) -> usize {
        self.hits.len()
    }
}

/// Shared state: configuration, HTTP client, rate windows and the log sink.
pub struct Relay {
    pub config: RelayConfig,
    client: reqwest::Client,
    windows: Mutex<Windows>,
    log: LogSink,
}

impl Relay {
    pub fn new(config: RelayConfig, log: LogSink) -> Result<Arc<Relay>, String> {
        let client = reqwest::Client::builder()
            .timeout(config.upstream_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Arc::new(Relay {
            config,
            client,
            windows: Mutex::new(Windows::default()),
            log,
        }))
    }

    /// How many client addresses the rate limiter currently remembers.
    pub fn tracked_addresses(&self) -> usize {
        self.windows.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Sliding-window limit: `Ok` when `ip` may make another request now, else the wait.
    fn admit(&self, ip: IpAddr) -> Result<(), Duration> {
        self.windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .admit(
                rate_key(ip),
                Instant::now(),
                self.config.per_minute,
                self.config.max_tracked,
            )
    }
}

/// The address a request is counted under: IPv4 as is, IPv6 by its /64, which one
/// subscriber usually holds whole (so rotating within it does not escape the limit).
pub fn rate_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        v4 => v4,
    }
}

/// The relay's router.
pub fn app(relay: Arc<Relay>) -> Router {
    let origins: Vec<HeaderValue> = relay
        .config
        .allow_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        // The page backs off by it (the browser hides it from cross-origin pages otherwise).
        .expose_headers([header::RETRY_AFTER]);
    Router::new()
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .fallback(|| async { RelayError::UnknownPath })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(cors)
        .with_state(relay)
}

async fn token(State(r): State<Arc<Relay>>, req: Request) -> Response {
    relay(&r, "/oauth/token", req).await
}

async fn revoke(State(r): State<Arc<Relay>>, req: Request) -> Response {
    relay(&r, "/oauth/revoke", req).await
}

async fn relay(r: &Relay, path: &'static str, req: Request) -> Response {
    let started = Instant::now();
    let ip = client::address_of(&req, &r.config.trusted_proxies);
    let (parts, body) = req.into_parts();
    // Counted before the body is read: a refused request still costs its sender.
    let resp = if let Err(wait) = r.admit(ip) {
        RelayError::SlowDown(wait).into_response()
    } else {
        match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(bytes) => relay_inner(r, path, &parts.headers, bytes)
                .await
                .into_response(),
            Err(_) => RelayError::BodyTooLarge.into_response(),
        }
    };
    (r.log)(format!(
        "POST {path} {} {}ms",
        resp.status().as_u16(),
        started.elapsed().as_millis()
    ));
    resp
}

async fn relay_inner(
    r: &Relay,
    path: &'static str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, RelayError> {
    let form_type = headers
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
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("client_id") != Some(r.config.client_id.as_str()) {
        return Err(RelayError::OtherClient);
    }
    if get("client_secret").is_some() {
        return Err(RelayError::SecretFromBrowser);
    }
    let allowed = match (path, get("grant_type")) {
        ("/oauth/revoke", _) => REVOKE,
        (_, Some("authorization_code")) => AUTHORIZATION_CODE,
        (_, Some("refresh_token")) => REFRESH_TOKEN,
        _ => return Err(RelayError::UnsupportedGrant),
    };
    // The upstream body is rebuilt from the allow-list; anything else is dropped. The
    // serializer is not Send: finish it before any await.
    let form = {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.iter().filter(|(k, _)| allowed.contains(&k.as_str())) {
            ser.append_pair(k, v);
        }
        ser.append_pair("client_secret", &r.config.client_secret);
        ser.finish()
    };
    let upstream = r
        .client
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
    if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() {
        return Err(RelayError::UpstreamNotJson(status));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_is_counted_by_its_64_and_ipv4_by_its_address() {
        assert_eq!(
            rate_key(ip("2001:db8:1:2:aaaa::1")),
            rate_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            rate_key(ip("2001:db8:1:2::1")),
            rate_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(rate_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_ne!(rate_key(ip("192.0.2.7")), rate_key(ip("192.0.2.8")));
    }

    #[test]
    fn idle_addresses_are_forgotten_and_the_oldest_go_first_at_the_cap() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let (a, b, c, d) = (
            ip("192.0.2.1"),
            ip("192.0.2.2"),
            ip("192.0.2.3"),
            ip("192.0.2.4"),
        );
        let mut w = Windows::default();
        // The sliding window itself.
        assert!(w.admit(a, at(0), 2, 3).is_ok());
        assert!(w.admit(a, at(1), 2, 3).is_ok());
        assert!(w.admit(a, at(59), 2, 3).is_err(), "two a minute");
        assert_eq!(
            w.admit(a, at(59), 2, 3),
            Err(Duration::from_secs(1)),
            "room again when the request at 0 leaves the window"
        );
        assert!(
            w.admit(a, at(60), 2, 3).is_ok(),
            "the first request left the window"
        );
        assert!(w.admit(a, at(60), 2, 3).is_err());
        // At the cap the least recently seen address is forgotten, not the newest.
        assert!(w.admit(b, at(61), 2, 3).is_ok());
        assert!(w.admit(c, at(62), 2, 3).is_ok());
        assert!(w.admit(a, at(63), 2, 3).is_ok());
        assert!(
            w.admit(b, at(64), 2, 3).is_ok(),
            "b seen again: now newer than c"
        );
        assert!(w.admit(d, at(65), 2, 3).is_ok());
        assert_eq!(w.len(), 3);
        assert!(!w.hits.contains_key(&c), "c was the least recently seen");
        assert!(w.hits.contains_key(&a) && w.hits.contains_key(&b));
        assert!(w.admit(b, at(66), 2, 3).is_err(), "b's window survived");
        // A minute after its newest request an address is gone, without any cap.
        assert!(w.admit(ip("192.0.2.9"), at(64 + 60), 2, 1000).is_ok());
        assert_eq!(
            w.len(),
            2,
            "a (last seen at 63) and b (64) forgotten; d (65) kept"
        );
        assert!(w.hits.contains_key(&d));
        assert!(w.admit(ip("192.0.2.9"), at(65 + 60 + 59), 2, 1000).is_ok());
        assert_eq!(w.len(), 1);
        assert_eq!(w.by_last_seen.len(), w.hits.len());
    }
}
