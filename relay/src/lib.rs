//! pd-token-relay: a token-mediating backend (RFC 10017) for PagerDuty Scoped OAuth apps.
//!
//! It holds the client secret and nothing else. The browser still builds the authorize
//! request, handles the callback, keeps the session and calls the REST API; only
//! `POST /oauth/token` and `POST /oauth/revoke` pass through here, where the secret is added
//! for the one configured client id. No cookies, no sessions, no token storage, and log lines
//! carry only method, path, status and duration.

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Form bodies larger than this are refused (a code exchange is a few hundred bytes).
pub const MAX_BODY: usize = 4 * 1024;

/// Where log lines go (stderr in the binary, a buffer in tests).
pub type LogSink = Arc<dyn Fn(String) + Send + Sync>;

/// What the relay needs to know.
#[derive(Clone)]
pub struct RelayConfig {
    /// e.g. `https://identity.pagerduty.com` (no trailing slash).
    pub identity_url: String,
    pub client_id: String,
    pub client_secret: String,
    /// Exact origins allowed to call the relay from a browser.
    pub allow_origins: Vec<String>,
    /// Requests per client address per minute (sliding window).
    pub per_minute: usize,
    pub upstream_timeout: Duration,
    /// Use the first `X-Forwarded-For` address as the client (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
}

/// Shared state: configuration, HTTP client, rate windows and the log sink.
pub struct Relay {
    pub config: RelayConfig,
    client: reqwest::Client,
    windows: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
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
            windows: Mutex::new(HashMap::new()),
            log,
        }))
    }

    /// Sliding-window limit: true when `ip` may make another request now.
    fn admit(&self, ip: IpAddr) -> bool {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let w = windows.entry(ip).or_default();
        while w
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
        {
            w.pop_front();
        }
        if w.len() >= self.config.per_minute {
            return false;
        }
        w.push_back(now);
        true
    }
}

/// An RFC 6749 style error body.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut resp = (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
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
        .allow_headers([header::CONTENT_TYPE]);
    Router::new()
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .fallback(|| async {
            oauth_error(
                StatusCode::NOT_FOUND,
                "invalid_request",
                "pd-token-relay only forwards POST /oauth/token and POST /oauth/revoke.",
            )
        })
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

fn client_ip(r: &Relay, peer: Option<SocketAddr>, headers: &HeaderMap) -> IpAddr {
    let direct = peer.map(|c| c.ip()).unwrap_or(IpAddr::from([127, 0, 0, 1]));
    if r.config.trust_forwarded_for {
        if let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
        {
            return ip;
        }
    }
    direct
}

async fn relay(r: &Relay, path: &'static str, req: Request) -> Response {
    let started = Instant::now();
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let (parts, body) = req.into_parts();
    let ip = client_ip(r, peer, &parts.headers);
    let resp = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => relay_inner(r, path, ip, &parts.headers, bytes).await,
        Err(_) => oauth_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            "The request body is larger than a token request can be.",
        ),
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
    ip: IpAddr,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    if !r.admit(ip) {
        return oauth_error(
            StatusCode::TOO_MANY_REQUESTS,
            "slow_down",
            "Too many requests from this address; wait a minute.",
        );
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The body must be application/x-www-form-urlencoded.",
        );
    }
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if pairs.iter().filter(|(k, _)| k == "client_id").count() != 1
        || get("client_id").as_deref() != Some(r.config.client_id.as_str())
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "This relay serves one client id, and the request is not for it.",
        );
    }
    if get("client_secret").is_some() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The browser must never send a client secret; the relay adds it.",
        );
    }
    if path == "/oauth/token" {
        match get("grant_type").as_deref() {
            Some("authorization_code" | "refresh_token") => {}
            _ => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    "The relay forwards only authorization_code and refresh_token grants.",
                )
            }
        }
    }
    pairs.push(("client_secret".into(), r.config.client_secret.clone()));
    // The serializer is not Send: finish it before any await.
    let form = {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            ser.append_pair(k, v);
        }
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
        .await;
    let upstream = match upstream {
        Ok(u) => u,
        Err(e) if e.is_timeout() => {
            return oauth_error(
                StatusCode::GATEWAY_TIMEOUT,
                "temporarily_unavailable",
                "PagerDuty's identity service did not answer in time; try again.",
            )
        }
        Err(_) => {
            return oauth_error(
                StatusCode::BAD_GATEWAY,
                "temporarily_unavailable",
                "PagerDuty's identity service could not be reached from the relay.",
            )
        }
    };
    let status =
        StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let bytes = match upstream.bytes().await {
        Ok(b) => b,
        Err(_) => {
            return oauth_error(
                StatusCode::BAD_GATEWAY,
                "temporarily_unavailable",
                "PagerDuty's identity service broke off its answer.",
            )
        }
    };
    if bytes.is_empty() && status.is_success() {
        return (status, Json(json!({}))).into_response();
    }
    if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() {
        return oauth_error(
            StatusCode::BAD_GATEWAY,
            "server_error",
            &format!(
                "PagerDuty's identity service answered HTTP {} with a body that is not JSON.",
                status.as_u16()
            ),
        );
    }
    let mut resp = (status, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Reads PagerDuty's app registration JSON: returns `(client_id, client_secret)`.
pub fn read_credentials_json(text: &str) -> Result<(Option<String>, Option<String>), String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("the credentials file is not JSON: {e}"))?;
    let find = |keys: &[&str]| -> Option<String> {
        keys.iter()
            .find_map(|k| v.get(*k).and_then(|x| x.as_str()).map(str::to_string))
    };
    Ok((
        find(&["client_id", "clientId", "PD_CLIENT_ID"]),
        find(&["client_secret", "clientSecret", "PD_CLIENT_SECRET"]),
    ))
}
