use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode, Uri};
use axum::Router;
use base64::Engine;
use clap::Parser;
use http_body_util::BodyExt;
use pd_token_relay::{app, Relay, RelayConfig};
use serde_json::Value;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

const SECRET: &str = "s3cret-value-xyz";
const ORIGIN: &str = "http://127.0.0.1:8080";
const REDIRECT: &str = "http://127.0.0.1:8080/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

struct Setup {
    relay: Router,
    state: Arc<Relay>,
    log: Arc<Mutex<Vec<String>>>,
    sandbox: pd_sandbox::Shared,
}

async fn setup_with(upstream: Option<String>, per_minute: usize, timeout: Duration) -> Setup {
    setup_config(upstream, per_minute, timeout, |_| {}).await
}

async fn setup_config(
    upstream: Option<String>,
    per_minute: usize,
    timeout: Duration,
    adjust: impl FnOnce(&mut RelayConfig),
) -> Setup {
    let options = pd_sandbox::Options::parse_from([
        "pd-sandbox",
        "--app-type",
        "scoped",
        "--client-secret",
        SECRET,
        "--app-scopes",
        "services.read",
        "--services",
        "20",
        "--users",
        "5",
        "--redirect-uri",
        REDIRECT,
    ]);
    let sandbox = pd_sandbox::sandbox(options);
    let identity_url = match upstream {
        Some(u) => u,
        None => serve(pd_sandbox::identity_app(sandbox.clone())).await,
    };
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = log.clone();
    let mut config = RelayConfig {
        identity_url,
        client_id: "pdscope-local".into(),
        client_secret: SECRET.into(),
        allow_origins: vec![ORIGIN.into()],
        per_minute,
        upstream_timeout: timeout,
        trusted_proxies: vec![],
        max_tracked: pd_token_relay::DEFAULT_MAX_TRACKED,
        allow_cross_site: false,
        body_timeout: Duration::from_secs(5),
        request_timeout: timeout + Duration::from_secs(10),
    };
    adjust(&mut config);
    let relay = Relay::new(
        config,
        Arc::new(move |line| sink.lock().unwrap().push(line)),
    )
    .unwrap();
    Setup {
        relay: app(relay.clone()),
        state: relay,
        log,
        sandbox,
    }
}

async fn setup() -> Setup {
    setup_with(None, 100, Duration::from_secs(5)).await
}

async fn call(router: &Router, req: Request<Body>) -> (StatusCode, Value, axum::http::HeaderMap) {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        headers,
    )
}

/// A form POST as the page sends it: from its own origin (`Origin: ORIGIN`).
fn form(path: &str, pairs: &[(&str, &str)]) -> Request<Body> {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    raw(path, &body)
}

/// A form body exactly as written (repeated keys, escapes and all), from the page's origin.
fn raw(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, ORIGIN)
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// `req` with its `Origin` replaced (`None`: removed) and `Sec-Fetch-Site` set if given.
fn sent_from(origin: Option<&str>, site: Option<&str>, mut req: Request<Body>) -> Request<Body> {
    let h = req.headers_mut();
    h.remove(header::ORIGIN);
    if let Some(o) = origin {
        h.insert(header::ORIGIN, o.parse().unwrap());
    }
    if let Some(site) = site {
        h.insert("sec-fetch-site", site.parse().unwrap());
    }
    req
}

/// `req` as if it arrived over a connection from `peer`, carrying `X-Forwarded-For: xff`.
fn via(peer: &str, xff: Option<&str>, mut req: Request<Body>) -> Request<Body> {
    let addr = SocketAddr::new(peer.parse().unwrap(), 40000);
    req.extensions_mut().insert(ConnectInfo(addr));
    if let Some(xff) = xff {
        req.headers_mut()
            .insert("x-forwarded-for", xff.parse().unwrap());
    }
    req
}

type Received = Arc<Mutex<Vec<(String, String)>>>;

/// A stand-in for PagerDuty that records the path and raw body of every request it gets and
/// answers `{}`: what the relay really sent, byte for byte.
async fn recorder() -> (String, Received) {
    let received: Received = Arc::default();
    let store = received.clone();
    let url = serve(Router::new().fallback(move |uri: Uri, body: Bytes| {
        let store = store.clone();
        async move {
            store.lock().unwrap().push((
                uri.path().to_string(),
                String::from_utf8_lossy(&body).into_owned(),
            ));
            axum::Json(serde_json::json!({}))
        }
    }))
    .await;
    (url, received)
}

fn field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap() + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

async fn text(router: &Router, req: Request<Body>) -> (StatusCode, String, axum::http::HeaderMap) {
    let resp = router.clone().oneshot(req).await.unwrap();
    let (s, h) = (resp.status(), resp.headers().clone());
    let b = resp.into_body().collect().await.unwrap().to_bytes();
    (s, String::from_utf8_lossy(&b).into_owned(), h)
}

/// A real authorization code from the sandbox (sign-in and consent through its pages).
async fn code(sandbox: &pd_sandbox::Shared) -> String {
    let identity = pd_sandbox::identity_app(sandbox.clone());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(<sha2::Sha256 as sha2::Digest>::digest(VERIFIER.as_bytes()));
    let q: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", "pdscope-local"),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "services.read users.read"),
            ("state", "s"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let (_, page, _) = text(
        &identity,
        Request::get(format!("/oauth/authorize?{q}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let id = field(&page, "request_id");
    let (_, page, _) = text(
        &identity,
        form(
            "/oauth/authorize/sign_in",
            &[
                ("request_id", &id),
                ("email", "admin@example.com"),
                ("password", "sandbox"),
            ],
        ),
    )
    .await;
    let id = field(&page, "request_id");
    let (_, _, h) = text(
        &identity,
        form(
            "/oauth/authorize/consent",
            &[("request_id", &id), ("decision", "allow")],
        ),
    )
    .await;
    let loc = h
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    form_urlencoded::parse(loc.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

fn assert_log_is_clean(s: &Setup, secrets: &[&str]) {
    let lines = s.log.lock().unwrap().clone();
    assert!(!lines.is_empty());
    for line in &lines {
        assert!(line.starts_with("POST /oauth/"), "{line}");
        for secret in secrets.iter().chain([&SECRET]) {
            assert!(!line.contains(secret), "log line leaks a secret: {line}");
        }
    }
}

#[tokio::test]
async fn the_secret_is_added_and_the_scoped_flow_works_through_the_relay() {
    let s = setup().await;
    let code = code(&s.sandbox).await;
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", "pdscope-local"),
        ("code_verifier", VERIFIER),
    ];
    let (status, body, headers) = call(&s.relay, form("/oauth/token", &exchange)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "openid services.read");
    assert_eq!(headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    let access = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    let (status, body, _) = call(
        &s.relay,
        form(
            "/oauth/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh),
                ("client_id", "pdscope-local"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let refresh2 = body["refresh_token"].as_str().unwrap().to_string();
    let (status, _, _) = call(
        &s.relay,
        form(
            "/oauth/revoke",
            &[
                ("token", &refresh2),
                ("client_id", "pdscope-local"),
                ("token_type_hint", "refresh_token"),
            ],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // PagerDuty's (the sandbox's) errors pass through unchanged: the code is spent.
    let (status, body, _) = call(&s.relay, form("/oauth/token", &exchange)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_log_is_clean(&s, &[&code, &access, &refresh, &refresh2, VERIFIER]);
}

#[tokio::test]
async fn other_clients_grants_paths_and_secrets_are_refused() {
    let s = setup().await;
    let cases = [
        (
            form(
                "/oauth/token",
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", "someone-else"),
                    ("code", "x"),
                ],
            ),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            form(
                "/oauth/token",
                &[("grant_type", "authorization_code"), ("code", "x")],
            ),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            form(
                "/oauth/token",
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", "pdscope-local"),
                    ("scope", "as_account-us.x"),
                ],
            ),
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            form(
                "/oauth/token",
                &[("grant_type", "password"), ("client_id", "pdscope-local")],
            ),
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            form(
                "/oauth/token",
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", "pdscope-local"),
                    ("client_secret", "guess"),
                ],
            ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            form(
                "/oauth/token",
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", "pdscope-local"),
                    ("client_id", "other"),
                ],
            ),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            form("/oauth/authorize", &[("client_id", "pdscope-local")]),
            StatusCode::NOT_FOUND,
            "invalid_request",
        ),
        (
            form("/users/me", &[]),
            StatusCode::NOT_FOUND,
            "invalid_request",
        ),
        (
            Request::post("/oauth/token")
                .header(header::ORIGIN, ORIGIN)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            form(
                "/oauth/token",
                &[
                    ("client_id", "pdscope-local"),
                    ("grant_type", "refresh_token"),
                    ("pad", &"x".repeat(8000)),
                ],
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
        ),
    ];
    for (req, status, error) in cases {
        let uri = req.uri().to_string();
        let (got, body, _) = call(&s.relay, req).await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(error)),
            "{uri}: {body}"
        );
    }
    let (status, _, _) = call(
        &s.relay,
        Request::get("/oauth/token").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn cors_only_for_the_configured_origins() {
    let s = setup().await;
    for (origin, allowed) in [(ORIGIN, true), ("https://evil.example", false)] {
        let req = Request::builder()
            .method("OPTIONS")
            .uri("/oauth/token")
            .header(header::ORIGIN, origin)
            .header("access-control-request-method", "POST")
            .body(Body::empty())
            .unwrap();
        let (_, _, h) = call(&s.relay, req).await;
        assert_eq!(
            h.get("access-control-allow-origin")
                .map(|v| v == origin)
                .unwrap_or(false),
            allowed,
            "{origin}"
        );
        assert!(
            h.get("access-control-allow-credentials").is_none(),
            "no cookies"
        );
    }
}

#[tokio::test]
async fn upstream_failures_become_oauth_errors() {
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", "r"),
        ("client_id", "pdscope-local"),
    ];
    // Unreachable: nothing listens on this port.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let s = setup_with(Some(dead), 100, Duration::from_secs(2)).await;
    let (status, body, _) = call(&s.relay, form("/oauth/token", &refresh)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("temporarily_unavailable"))
    );
    // Slow: answers after the relay's timeout.
    let slow = serve(Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        "{}"
    }))
    .await;
    let s = setup_with(Some(slow), 100, Duration::from_millis(300)).await;
    let (status, body, _) = call(&s.relay, form("/oauth/token", &refresh)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::GATEWAY_TIMEOUT, Some("temporarily_unavailable"))
    );
    // Not JSON: an HTML error page from a proxy in between.
    let html =
        serve(Router::new().fallback(|| async { (StatusCode::BAD_GATEWAY, "<html>oops</html>") }))
            .await;
    let s = setup_with(Some(html), 100, Duration::from_secs(2)).await;
    let (status, body, _) = call(&s.relay, form("/oauth/token", &refresh)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("server_error"))
    );
    assert!(body["error_description"].as_str().unwrap().contains("502"));
    assert_log_is_clean(&s, &["r"]);
}

#[tokio::test]
async fn the_relay_cannot_be_used_to_hammer_pagerduty() {
    let s = setup_with(None, 3, Duration::from_secs(2)).await;
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", "nope"),
        ("client_id", "pdscope-local"),
    ];
    for _ in 0..3 {
        let (status, _, _) = call(&s.relay, form("/oauth/token", &refresh)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "forwarded (invalid_grant)");
    }
    let mut req = form("/oauth/token", &refresh);
    req.headers_mut()
        .insert(header::ORIGIN, ORIGIN.parse().unwrap());
    let (status, body, h) = call(&s.relay, req).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("slow_down"))
    );
    // When to come back, readable by the page (the app's refresh back-off honours it).
    let after: u64 = h
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&after), "{after}");
    let exposed = h
        .get("access-control-expose-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(exposed.contains("retry-after"), "{exposed:?}");
}

#[test]
fn credentials_json_from_app_registration() {
    let (id, secret) = pd_token_relay::read_credentials_json(
        r#"{"client_id":"abc","client_secret":"def","redirect_uris":[]}"#,
    )
    .unwrap();
    assert_eq!(
        (id.as_deref(), secret.as_deref()),
        (Some("abc"), Some("def"))
    );
    assert!(pd_token_relay::read_credentials_json("nope").is_err());
}

#[tokio::test]
async fn repeated_parameters_are_refused_and_nothing_reaches_pagerduty() {
    let (upstream, received) = recorder().await;
    let s = setup_with(Some(upstream), 100, Duration::from_secs(2)).await;
    for (path, body, name) in [
        // PagerDuty might read the last grant_type and mint an account-level token.
        (
            "/oauth/token",
            "grant_type=refresh_token&grant_type=client_credentials&client_id=pdscope-local",
            "grant_type",
        ),
        (
            "/oauth/token",
            "grant_type=refresh_token&refresh_token=r&client_id=pdscope-local\
             &grant%5Ftype=client_credentials",
            "grant_type",
        ),
        (
            "/oauth/token",
            "grant_type=authorization_code&code=a&code=b&client_id=pdscope-local",
            "code",
        ),
        (
            "/oauth/token",
            "grant_type=refresh_token&refresh_token=r&client_id=pdscope-local&scope=a&scope=b",
            "scope",
        ),
        (
            "/oauth/token",
            "grant_type=refresh_token&refresh_token=r&client_id=pdscope-local\
             &client_id=pdscope-local",
            "client_id",
        ),
        (
            "/oauth/token",
            "grant_type=refresh_token&refresh_token=r&client_id=pdscope-local&x=1&x=2",
            "x",
        ),
        (
            "/oauth/revoke",
            "token=t&token=u&client_id=pdscope-local",
            "token",
        ),
    ] {
        let (status, body, _) = call(&s.relay, raw(path, body)).await;
        assert_eq!(
            (
                status,
                body["error"].as_str(),
                body["error_description"].as_str()
            ),
            (
                StatusCode::BAD_REQUEST,
                Some("invalid_request"),
                Some(format!("repeated parameter: {name}").as_str())
            ),
            "{path} {body}"
        );
    }
    assert_eq!(
        *received.lock().unwrap(),
        vec![],
        "nothing was sent upstream"
    );
}

#[tokio::test]
async fn only_allow_listed_parameters_reach_pagerduty() {
    let (upstream, received) = recorder().await;
    let s = setup_with(Some(upstream), 100, Duration::from_secs(2)).await;
    type Pairs<'a> = &'a [(&'a str, &'a str)];
    // (path, what the browser sends, what PagerDuty gets besides the secret)
    let cases: [(&str, Pairs, Pairs); 3] = [
        (
            "/oauth/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", "c+1"),
                ("redirect_uri", REDIRECT),
                ("client_id", "pdscope-local"),
                ("code_verifier", VERIFIER),
                ("scope", "as_account-us.x"),
                ("refresh_token", "r"),
                ("audience", "a"),
            ],
            &[
                ("grant_type", "authorization_code"),
                ("code", "c+1"),
                ("redirect_uri", REDIRECT),
                ("client_id", "pdscope-local"),
                ("code_verifier", VERIFIER),
            ],
        ),
        (
            "/oauth/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", "pdus+r"),
                ("client_id", "pdscope-local"),
                ("scope", "services.read"),
                ("code", "c"),
                ("redirect_uri", REDIRECT),
                ("subdomain", "x"),
            ],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", "pdus+r"),
                ("client_id", "pdscope-local"),
                ("scope", "services.read"),
            ],
        ),
        (
            "/oauth/revoke",
            &[
                ("token", "pdus+t"),
                ("token_type_hint", "refresh_token"),
                ("client_id", "pdscope-local"),
                ("grant_type", "client_credentials"),
                ("scope", "as_account-us.x"),
            ],
            &[
                ("token", "pdus+t"),
                ("token_type_hint", "refresh_token"),
                ("client_id", "pdscope-local"),
            ],
        ),
    ];
    for (path, sent, forwarded) in cases {
        received.lock().unwrap().clear();
        let (status, body, _) = call(&s.relay, form(path, sent)).await;
        assert_eq!(status, StatusCode::OK, "{path} {body}");
        let got = received.lock().unwrap().clone();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, path);
        let mut got: Vec<(String, String)> = form_urlencoded::parse(got[0].1.as_bytes())
            .into_owned()
            .collect();
        let mut want: Vec<(String, String)> = forwarded
            .iter()
            .chain(&[("client_secret", SECRET)])
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{path}");
    }
}

#[tokio::test]
async fn oversized_bodies_count_against_the_senders_limit() {
    let (upstream, received) = recorder().await;
    let s = setup_with(Some(upstream), 2, Duration::from_secs(2)).await;
    let pad = "x".repeat(8000);
    let big = [
        ("grant_type", "refresh_token"),
        ("refresh_token", "r"),
        ("client_id", "pdscope-local"),
        ("pad", pad.as_str()),
    ];
    for _ in 0..2 {
        let (status, _, _) = call(&s.relay, form("/oauth/token", &big)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    }
    let (status, body, _) = call(&s.relay, form("/oauth/token", &big[..3])).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("slow_down"))
    );
    assert_eq!(*received.lock().unwrap(), vec![]);
}

fn refresh_form() -> Request<Body> {
    form(
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "r"),
            ("client_id", "pdscope-local"),
        ],
    )
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_a_trusted_proxy_and_only_its_own_entry() {
    let (upstream, _) = recorder().await;
    let s = setup_config(Some(upstream), 1, Duration::from_secs(2), |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let proxy = "127.0.0.1";
    let go = |peer: &'static str, xff: Option<&'static str>| {
        let relay = s.relay.clone();
        async move { call(&relay, via(peer, xff, refresh_form())).await.0 }
    };
    // Behind the proxy the client gets one request a minute, whatever it writes in front of
    // the entry the proxy added.
    assert_eq!(go(proxy, Some("203.0.113.7")).await, StatusCode::OK);
    assert_eq!(
        go(proxy, Some("198.51.100.1, 203.0.113.7")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        go(proxy, Some("198.51.100.2,203.0.113.7")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the proxy has its own window.
    assert_eq!(go(proxy, Some("203.0.113.8")).await, StatusCode::OK);
    // A client connecting directly cannot choose its address: the header is ignored.
    assert_eq!(go("192.0.2.50", Some("203.0.113.9")).await, StatusCode::OK);
    assert_eq!(
        go("192.0.2.50", Some("203.0.113.10")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn the_address_map_stays_bounded() {
    let (upstream, received) = recorder().await;
    let s = setup_config(Some(upstream), 1, Duration::from_secs(2), |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.max_tracked = 1_000;
    })
    .await;
    let client = |i: u32| Ipv4Addr::from(0xC000_0000 + i).to_string();
    // An empty form is admitted (counted) and then refused before anything goes upstream.
    let empty = || form("/oauth/token", &[]);
    for i in 0..50_000 {
        let (status, _, _) = call(&s.relay, via("127.0.0.1", Some(&client(i)), empty())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "request {i}");
        if i % 997 == 0 {
            assert!(s.state.tracked_addresses() <= 1_000, "after {i}");
        }
    }
    assert!(s.state.tracked_addresses() <= 1_000);
    assert!(received.lock().unwrap().is_empty());
    // The newest addresses are still limited; the oldest were forgotten first.
    let (status, _, _) = call(&s.relay, via("127.0.0.1", Some(&client(49_999)), empty())).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, _, _) = call(&s.relay, via("127.0.0.1", Some(&client(0)), empty())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Runs the relay binary for at most a few seconds: its exit status (None if it was still
/// serving) and what it wrote to stderr.
fn run_relay(extra: &[&str]) -> (Option<i32>, String) {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_pd-token-relay"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--client-id",
            "pdscope-local",
            "--allow-origin",
            ORIGIN,
        ])
        .args(extra)
        .env_clear()
        .env("PD_CLIENT_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > Duration::from_secs(5) {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (code, err)
}

#[test]
fn unsafe_startup_options_are_refused_with_a_clear_message() {
    let (code, err) = run_relay(&["--trust-forwarded-for"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--trusted-proxy"), "{err}");
    let (code, err) = run_relay(&["--identity-url", "http://127.0.0.1.nip.io"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--identity-url"), "{err}");
    let (code, err) = run_relay(&["--trusted-proxy", "10.0.0.0/33"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("10.0.0.0/33"), "{err}");
    // The Origin header is compared byte for byte: a trailing slash would refuse every page.
    let (code, err) = run_relay(&["--allow-origin", "https://intranet.example/"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("write https://intranet.example"), "{err}");
}

#[tokio::test]
async fn token_and_revoke_answer_only_the_page_at_an_allowed_origin() {
    let (upstream, received) = recorder().await;
    let s = setup_with(Some(upstream), 1000, Duration::from_secs(2)).await;
    let revoke = || {
        form(
            "/oauth/revoke",
            &[("token", "t"), ("client_id", "pdscope-local")],
        )
    };
    for make in [refresh_form, revoke] {
        // Refused before the body is read: no Origin (curl, a script anywhere), another
        // origin, the opaque `null` of a sandboxed frame, the allowed origin written another
        // way, and a browser that says the request comes from another site.
        for (origin, site) in [
            (None, None),
            (None, Some("same-origin")),
            (Some("https://evil.example"), None),
            (Some("https://evil.example"), Some("cross-site")),
            (Some("null"), None),
            (Some("http://127.0.0.1:8080/"), None),
            (Some("HTTP://127.0.0.1:8080"), None),
            (Some("http://127.0.0.1:8081"), Some("same-site")),
            (Some(ORIGIN), Some("cross-site")),
        ] {
            let (status, body, _) = call(&s.relay, sent_from(origin, site, make())).await;
            assert_eq!(
                (status, body["error"].as_str()),
                (StatusCode::FORBIDDEN, Some("invalid_request")),
                "{origin:?} {site:?}: {body}"
            );
        }
        assert_eq!(*received.lock().unwrap(), vec![], "nothing went upstream");
        // What a browser on the page sends: the relay on the same origin, on another port of
        // the same host (same-site), or a browser without Fetch Metadata.
        for site in [Some("same-origin"), Some("same-site"), None] {
            let (status, body, _) = call(&s.relay, sent_from(Some(ORIGIN), site, make())).await;
            assert_eq!(status, StatusCode::OK, "{site:?}: {body}");
        }
        assert_eq!(received.lock().unwrap().len(), 3);
        received.lock().unwrap().clear();
    }
    // Refused requests are logged, and the description names what the relay wants.
    let (_, body, _) = call(&s.relay, sent_from(None, None, refresh_form())).await;
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("--allow-origin"),
        "{body}"
    );
    assert_log_is_clean(&s, &[]);
    assert!(s.log.lock().unwrap().iter().any(|l| l.contains(" 403 ")));
}

#[tokio::test]
async fn a_relay_on_another_site_takes_cross_site_requests_only_when_told_and_only_from_allowed_origins(
) {
    let (upstream, received) = recorder().await;
    let s = setup_config(Some(upstream), 1000, Duration::from_secs(2), |c| {
        c.allow_cross_site = true;
    })
    .await;
    let (status, body, _) = call(
        &s.relay,
        sent_from(Some(ORIGIN), Some("cross-site"), refresh_form()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for origin in [None, Some("https://evil.example")] {
        let (status, _, _) = call(
            &s.relay,
            sent_from(origin, Some("cross-site"), refresh_form()),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{origin:?}");
    }
    assert_eq!(received.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn requests_from_other_origins_count_against_the_senders_limit() {
    let (upstream, received) = recorder().await;
    let s = setup_with(Some(upstream), 2, Duration::from_secs(2)).await;
    for _ in 0..2 {
        let (status, _, _) = call(&s.relay, sent_from(None, None, refresh_form())).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _, _) = call(&s.relay, refresh_form()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(*received.lock().unwrap(), vec![]);
}

#[tokio::test]
async fn a_slow_body_is_cut_off_and_its_connection_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (upstream, received) = recorder().await;
    let s = setup_config(Some(upstream), 1000, Duration::from_secs(2), |c| {
        c.body_timeout = Duration::from_millis(500);
    })
    .await;
    let url = serve(s.relay.clone()).await;
    let conn = tokio::net::TcpStream::connect(url.trim_start_matches("http://"))
        .await
        .unwrap();
    let (mut read, mut write) = conn.into_split();
    let head = format!(
        "POST /oauth/token HTTP/1.1\r\nHost: relay\r\nOrigin: {ORIGIN}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n"
    );
    write.write_all(head.as_bytes()).await.unwrap();
    // One byte every 100 ms: each well within any per-read timeout, the whole body never
    // within 500 ms (a slow-loris body).
    let trickle = tokio::spawn(async move {
        for b in b"grant_type=refresh_token&client_id=pdscope-local&refresh_token=r"
            .iter()
            .cycle()
            .take(200)
        {
            if write.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), read.read_to_end(&mut answer))
        .await
        .expect("the relay answers and closes the connection in time")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"invalid_request\""), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3));
    trickle.abort();
    assert_eq!(*received.lock().unwrap(), vec![]);
    assert!(s.log.lock().unwrap().iter().any(|l| l.contains(" 408 ")));
}

#[tokio::test]
async fn every_request_is_answered_within_the_request_timeout() {
    let slow = serve(Router::new().fallback(|| async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        "{}"
    }))
    .await;
    let s = setup_config(Some(slow), 1000, Duration::from_secs(5), |c| {
        c.request_timeout = Duration::from_millis(400);
    })
    .await;
    let started = std::time::Instant::now();
    let (status, body, h) = call(&s.relay, refresh_form()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::GATEWAY_TIMEOUT, Some("temporarily_unavailable")),
        "{body}"
    );
    assert_eq!(h.get(header::CACHE_CONTROL).unwrap(), "no-store");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(s.log.lock().unwrap().iter().any(|l| l.contains(" 504 ")));
}

#[tokio::test]
async fn an_upstream_answer_that_carries_the_secret_is_never_passed_on() {
    // A secret with characters JSON and forms escape.
    const ODD: &str = "s3cret/+value \"xyz\"";
    let form_encoded: String = form_urlencoded::byte_serialize(ODD.as_bytes()).collect();
    let json_escaped = serde_json::to_string(ODD).unwrap();
    let unicode_escaped = format!("\"\\u0073{}", &json_escaped[2..]);
    let solidus_escaped = json_escaped.replace('/', "\\/");
    let bodies: Vec<(StatusCode, String)> = vec![
        (
            StatusCode::OK,
            format!(
                r#"{{"access_token":"a","debug":"{}"}}"#,
                ODD.replace('"', "")
            ),
        ),
        (
            StatusCode::OK,
            format!(r#"{{"access_token":"a","echo":{json_escaped}}}"#),
        ),
        (
            StatusCode::OK,
            format!(r#"{{"access_token":"a","echo":{unicode_escaped}}}"#),
        ),
        (
            StatusCode::OK,
            format!(r#"{{"access_token":"a","echo":{solidus_escaped}}}"#),
        ),
        (
            StatusCode::BAD_REQUEST,
            format!(
                r#"{{"error":"invalid_client","error_description":"bad client_secret={form_encoded}"}}"#
            ),
        ),
        (
            StatusCode::BAD_REQUEST,
            format!(r#"{{"error":"invalid_client",{json_escaped}:1}}"#),
        ),
    ];
    for (status, answer) in bodies {
        let plain = answer.contains(&ODD.replace('"', ""));
        let upstream = {
            let answer = answer.clone();
            serve(Router::new().fallback(move || {
                let answer = answer.clone();
                async move { (status, [(header::CONTENT_TYPE, "application/json")], answer) }
            }))
            .await
        };
        let s = setup_config(Some(upstream), 1000, Duration::from_secs(2), |c| {
            c.client_secret = if plain {
                ODD.replace('"', "")
            } else {
                ODD.into()
            };
        })
        .await;
        let resp = s.relay.clone().oneshot(refresh_form()).await.unwrap();
        let got = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(got, StatusCode::BAD_GATEWAY, "{answer} -> {text}");
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["error"], "server_error", "{text}");
        for leak in ["s3cret", "value", &form_encoded] {
            assert!(!text.contains(leak), "{text}");
        }
    }
}

#[tokio::test]
async fn a_client_inside_a_trusted_range_cannot_pick_its_rate_key() {
    let (upstream, _) = recorder().await;
    let s = setup_config(Some(upstream), 1, Duration::from_secs(2), |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
    })
    .await;
    let go = |peer: &'static str, xff: &'static str| {
        let relay = s.relay.clone();
        async move { call(&relay, via(peer, Some(xff), refresh_form())).await.0 }
    };
    // Connecting directly from 10.9.9.9 and naming another address of the trusted range: the
    // window is its own connection's, however it varies the header.
    assert_eq!(go("10.9.9.9", "10.7.7.1").await, StatusCode::OK);
    assert_eq!(
        go("10.9.9.9", "10.7.7.2").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        go("10.9.9.9", "unknown, 10.7.7.3").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Through the proxy, writing trusted addresses in front of the one the proxy added.
    assert_eq!(go("127.0.0.1", "10.7.7.4, 10.8.8.8").await, StatusCode::OK);
    assert_eq!(
        go("127.0.0.1", "10.7.7.5, 10.8.8.9").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}
