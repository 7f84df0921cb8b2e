//! Helpers for driving the sandbox through `tower::ServiceExt::oneshot`.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use clap::Parser;
use http_body_util::BodyExt;
use pd_sandbox::{api_app, identity_app, sandbox, Options, Shared};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tower::ServiceExt;

pub const REDIRECT: &str = "http://127.0.0.1:8080/callback";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub struct Sb {
    pub shared: Shared,
    pub identity: Router,
    pub api: Router,
}

pub fn start(args: &[&str]) -> Sb {
    let mut argv = vec!["pd-sandbox", "--services", "250", "--users", "120"];
    argv.extend_from_slice(args);
    let options = Options::parse_from(argv);
    options.validate().expect("valid options");
    let shared = sandbox(options);
    Sb {
        identity: identity_app(shared.clone()),
        api: api_app(shared.clone()),
        shared,
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

pub async fn send(router: &Router, req: Request<Body>) -> Resp {
    let resp = router.clone().oneshot(req).await.expect("infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub async fn get(router: &Router, uri: &str, token: Option<&str>) -> Resp {
    let mut req =
        Request::get(uri).header(header::ACCEPT, "application/vnd.pagerduty+json;version=2");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    send(router, req.body(Body::empty()).expect("request")).await
}

pub async fn post_form(router: &Router, uri: &str, pairs: &[(&str, &str)]) -> Resp {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(ser.finish()))
        .expect("request");
    send(router, req).await
}

pub fn challenge(verifier: &str) -> String {
    B64.encode(Sha256::digest(verifier.as_bytes()))
}

pub fn query_of(location: &str) -> Vec<(String, String)> {
    let q = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

pub fn param(location: &str, name: &str) -> Option<String> {
    query_of(location)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The authorize URL with PKCE for `scope`.
pub fn authorize_uri(scope: &str, state: &str) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    ser.append_pair("client_id", "pdscope-local")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("response_type", "code")
        .append_pair("scope", scope)
        .append_pair("state", state)
        .append_pair("code_challenge", &challenge(VERIFIER))
        .append_pair("code_challenge_method", "S256");
    format!("/oauth/authorize?{}", ser.finish())
}

/// Extracts the hidden request id from a sign-in or consent page.
pub fn request_id(page: &str) -> String {
    let marker = "name=\"request_id\" value=\"";
    let start = page.find(marker).expect("request_id field") + marker.len();
    page[start..].split('"').next().expect("value").to_string()
}

/// Signs in and consents; returns the redirect location.
pub async fn consent_as(sb: &Sb, email: &str, scope: &str, decision: &str) -> String {
    let page = get(&sb.identity, &authorize_uri(scope, "st4te"), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let id = request_id(&page.body);
    let consent = post_form(
        &sb.identity,
        "/oauth/authorize/sign_in",
        &[
            ("request_id", &id),
            ("email", email),
            ("password", "sandbox"),
        ],
    )
    .await;
    assert!(consent.body.contains("Submit Consent"), "{}", consent.body);
    let done = post_form(
        &sb.identity,
        "/oauth/authorize/consent",
        &[
            ("request_id", &request_id(&consent.body)),
            ("decision", decision),
        ],
    )
    .await;
    assert!(done.status.is_redirection(), "{}", done.status);
    done.location()
}

/// A fresh authorization code for the admin.
pub async fn code_for(sb: &Sb, email: &str, scope: &str) -> String {
    let loc = consent_as(sb, email, scope, "allow").await;
    param(&loc, "code").expect("code in redirect")
}

/// Exchanges a code with the test verifier (and extra pairs such as a secret).
pub async fn exchange(sb: &Sb, code: &str, extra: &[(&str, &str)]) -> Resp {
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("client_id", "pdscope-local"),
        ("code_verifier", VERIFIER),
    ];
    pairs.extend_from_slice(extra);
    post_form(&sb.identity, "/oauth/token", &pairs).await
}

/// Signs in as `email` with `scope` and returns the token response.
pub async fn token_for(sb: &Sb, email: &str, scope: &str, extra: &[(&str, &str)]) -> Value {
    let code = code_for(sb, email, scope).await;
    let resp = exchange(sb, &code, extra).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.body);
    resp.json()
}

/// The client secret the tests register for Scoped apps.
pub const SECRET: &str = "s3cret";

/// A sandbox with a Scoped app registered for `services.read` only, and the admin's token
/// response to a sign-in that asked for `services.read users.read` (sent with the secret).
pub async fn scoped_services_read_token() -> (Sb, Value) {
    let sb = start(&[
        "--app-type",
        "scoped",
        "--client-secret",
        SECRET,
        "--app-scopes",
        "services.read",
    ]);
    let t = token_for(
        &sb,
        "admin@example.com",
        "services.read users.read",
        &[("client_secret", SECRET)],
    )
    .await;
    (sb, t)
}

/// Sends `method uri` with a JSON body (PagerDuty's headers) and a bearer token.
pub async fn send_json(
    router: &Router,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> Resp {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::ACCEPT, "application/vnd.pagerduty+json;version=2")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .expect("request");
    send(router, req).await
}

/// An access token for `email` with `scope`, on a Classic sandbox.
pub async fn access_token(sb: &Sb, email: &str, scope: &str, extra: &[(&str, &str)]) -> String {
    token_for(sb, email, scope, extra).await["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}
