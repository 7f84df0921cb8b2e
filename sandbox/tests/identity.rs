mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use clap::Parser;
use common::*;
use pd_sandbox::jwt::decode_claims;
use pd_sandbox::state::{MapSizes, CODE_KEEP, MAX_PENDING, MAX_TOKENS, PENDING_TTL};
use pd_sandbox::Options;
use sha2::{Digest, Sha256};
use std::time::Duration;

#[tokio::test]
async fn full_classic_pkce_flow_issues_pagerduty_shaped_tokens() {
    let sb = start(&[]);
    let loc = consent_as(&sb, "admin@example.com", "read", "allow").await;
    assert!(loc.starts_with(REDIRECT), "{loc}");
    assert_eq!(param(&loc, "state").as_deref(), Some("st4te"));
    let code = param(&loc, "code").unwrap();
    let resp = exchange(&sb, &code, &[]).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.body);
    assert_eq!(resp.header("cache-control").as_deref(), Some("no-store"));
    let t = resp.json();
    assert!(t["access_token"].as_str().unwrap().starts_with("pdus+_0"));
    assert!(t["refresh_token"].as_str().unwrap().starts_with("pdus+_1"));
    assert_eq!(t["token_type"], "bearer");
    assert_eq!(t["scope"], "openid read");
    assert_eq!(t["expires_in"], 30 * 24 * 3600);
    assert_eq!(t["client_info"], "prefix_legacy_app");
    let claims = decode_claims(t["id_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims["aud"][0], "http://127.0.0.1:8789");
    assert_eq!(claims["aud"][1], "pdscope-local");
    assert_eq!(claims["subdomain"], "sandbox");
    assert_eq!(claims["region"], "UnitedStates");
    assert_eq!(
        claims["iss"],
        "http://127.0.0.1:8788/global/oauth/anonymous"
    );
    for c in ["account_id", "user_id", "iat", "exp"] {
        assert!(!claims[c].is_null(), "{c}");
    }
    // The token works on the API.
    let me = get(&sb.api, "/users/me", t["access_token"].as_str()).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["user"]["email"], "admin@example.com");
}

fn param_names(location: &str) -> Vec<String> {
    query_of(location).into_iter().map(|(k, _)| k).collect()
}

#[tokio::test]
async fn the_redirect_back_carries_code_and_state_only() {
    let sb = start(&[]);
    let loc = consent_as(&sb, "admin@example.com", "read", "allow").await;
    assert_eq!(param_names(&loc), ["code", "state"], "{loc}");
    let sb = start(&["--region", "eu"]);
    let loc = consent_as(&sb, "admin@example.com", "read", "allow").await;
    assert_eq!(param_names(&loc), ["code", "state"], "{loc}");
}

#[tokio::test]
async fn callback_params_restores_subdomain_and_service_region() {
    let sb = start(&["--callback-params", "subdomain,service_region"]);
    let loc = consent_as(&sb, "admin@example.com", "read", "allow").await;
    assert_eq!(
        param_names(&loc),
        ["code", "state", "subdomain", "service_region"],
        "{loc}"
    );
    assert_eq!(param(&loc, "subdomain").as_deref(), Some("sandbox"));
    assert_eq!(param(&loc, "service_region").as_deref(), Some("us"));
    // service_region follows --region; each name can be asked for alone.
    let sb = start(&["--callback-params", "service_region", "--region", "eu"]);
    let loc = consent_as(&sb, "admin@example.com", "read", "allow").await;
    assert_eq!(param_names(&loc), ["code", "state", "service_region"]);
    assert_eq!(param(&loc, "service_region").as_deref(), Some("eu"));
    let sb = start(&["--callback-params", "subdomain"]);
    let loc = consent_as(&sb, "admin@example.com", "read", "allow").await;
    assert_eq!(param_names(&loc), ["code", "state", "subdomain"]);
    // A denial carries no extras.
    let sb = start(&["--callback-params", "subdomain,service_region"]);
    let loc = consent_as(&sb, "admin@example.com", "read", "deny").await;
    assert_eq!(param_names(&loc), ["error", "error_description", "state"]);
}

#[test]
fn callback_params_refuses_other_names_at_startup() {
    for bad in [
        "subdomain,region",
        "account",
        "Subdomain",
        "service-region",
        "",
    ] {
        let e = Options::try_parse_from(["pd-sandbox", "--callback-params", bad])
            .err()
            .unwrap_or_else(|| panic!("{bad:?} accepted"))
            .to_string();
        assert!(
            e.contains("--callback-params") && e.contains("subdomain, service_region"),
            "{bad:?}: {e}"
        );
    }
    let o = Options::try_parse_from([
        "pd-sandbox",
        "--callback-params",
        "service_region,subdomain",
    ])
    .expect("both names");
    assert_eq!(o.callback_params.len(), 2);
    assert!(Options::defaults().callback_params.is_empty());
}

/// The id_token of a fresh sign-in as the admin, its claims and the access token.
async fn id_token_claims(sb: &Sb) -> (serde_json::Value, String) {
    let t = token_for(sb, "admin@example.com", "read", &[]).await;
    let claims = decode_claims(t["id_token"].as_str().unwrap()).unwrap();
    (claims, t["access_token"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn id_token_claims_follow_pagerdutys_for_us_and_eu() {
    for (args, region) in [
        (&[][..], "UnitedStates"),
        (&["--region", "us"][..], "UnitedStates"),
        (&["--region", "eu"][..], "Europe"),
    ] {
        let sb = start(args);
        let (c, access) = id_token_claims(&sb).await;
        assert_eq!(
            c["aud"],
            serde_json::json!(["http://127.0.0.1:8789", "pdscope-local"]),
            "{args:?}"
        );
        assert_eq!(c["region"], region, "{args:?}");
        assert_eq!(c["purpose"], "id");
        // OIDC Core 3.1.3.6: base64url of the left half of SHA-256 of the access token.
        let digest = Sha256::digest(access.as_bytes());
        assert_eq!(c["at_hash"], B64.encode(&digest[..16]));
        assert_eq!(c["at_hash"].as_str().unwrap().len(), 22);
        let admin = sb
            .shared
            .data()
            .user_by_email("admin@example.com")
            .cloned()
            .unwrap();
        assert_eq!(c["user_id"], admin.id.as_str());
        assert_eq!(c["sub"], admin.id.as_str());
        assert_eq!(c["subdomain"], "sandbox");
        assert_eq!(c["azp"], "pdscope-local");
        for claim in [
            "acr",
            "amr",
            "sid",
            "delegation_id",
            "account_id",
            "jti",
            "auth_time",
            "nbf",
        ] {
            assert!(
                c[claim].as_str().is_some_and(|v| !v.is_empty()) || c[claim].is_u64(),
                "{claim}: {c}"
            );
        }
        for absent in ["name", "email", "nonce"] {
            assert!(c.get(absent).is_none(), "{absent}: {c}");
        }
        assert_eq!(
            c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(),
            3600
        );
        assert_eq!(c["iss"], "http://127.0.0.1:8788/global/oauth/anonymous");
        // Nothing in the token names a person.
        assert!(!c.to_string().contains("example.com"), "{c}");
    }
    // Two sign-ins are two authorizations and two sessions.
    let sb = start(&[]);
    let (a, _) = id_token_claims(&sb).await;
    let (b, _) = id_token_claims(&sb).await;
    assert_ne!(a["delegation_id"], b["delegation_id"]);
    assert_ne!(a["sid"], b["sid"]);
}

#[tokio::test]
async fn delegation_id_is_stable_across_a_refresh() {
    let sb = start(&[]);
    let t = token_for(&sb, "admin@example.com", "read", &[]).await;
    let claims = decode_claims(t["id_token"].as_str().unwrap()).unwrap();
    let delegation = claims["delegation_id"].as_str().unwrap().to_string();
    let delegation_of = |access: &str| {
        let inner = sb.shared.lock();
        inner.access.get(access).map(|a| a.family.clone())
    };
    assert_eq!(
        delegation_of(t["access_token"].as_str().unwrap()).as_deref(),
        Some(delegation.as_str())
    );
    let mut refresh = t["refresh_token"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let r = post_form(
            &sb.identity,
            "/oauth/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh),
                ("client_id", "pdscope-local"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let n = r.json();
        // PagerDuty's documented refresh response carries no id_token.
        assert!(n.get("id_token").is_none(), "{n}");
        assert_eq!(
            delegation_of(n["access_token"].as_str().unwrap()).as_deref(),
            Some(delegation.as_str()),
            "the refreshed token belongs to the same delegation"
        );
        refresh = n["refresh_token"].as_str().unwrap().to_string();
    }
}

#[tokio::test]
async fn issuer_flag_sets_iss_and_the_discovery_document_agrees() {
    const LIVE: &str = "https://app.pagerduty.com/global/oauth/anonymous";
    for (args, iss) in [
        (&[][..], "http://127.0.0.1:8788/global/oauth/anonymous"),
        (&["--issuer", LIVE][..], LIVE),
    ] {
        let sb = start(args);
        let (c, _) = id_token_claims(&sb).await;
        assert_eq!(c["iss"], iss);
        let d = get(
            &sb.identity,
            "/global/oauth/anonymous/.well-known/openid-configuration",
            None,
        )
        .await
        .json();
        assert_eq!(d["issuer"], iss);
        // The endpoints stay on the identity service, as PagerDuty's JWKS on identity.
        assert_eq!(
            d["jwks_uri"],
            "http://127.0.0.1:8788/global/oauth/anonymous/jwks"
        );
    }
    let o = Options::try_parse_from(["pd-sandbox", "--issuer", "app.pagerduty.com"]).unwrap();
    assert!(o.validate().unwrap_err().contains("--issuer"));
}

#[tokio::test]
async fn drop_state_omits_state_and_deny_redirects_access_denied() {
    let sb = start(&["--drop-state"]);
    let loc = consent_as(&sb, "admin@example.com", "read", "allow").await;
    assert!(param(&loc, "code").is_some());
    assert_eq!(param(&loc, "state"), None);
    let sb = start(&[]);
    let loc = consent_as(&sb, "admin@example.com", "read", "deny").await;
    assert_eq!(param(&loc, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        param(&loc, "error_description").as_deref(),
        Some("The resource owner or authorization server denied the request.")
    );
    assert_eq!(param(&loc, "state").as_deref(), Some("st4te"));
    assert_eq!(param(&loc, "code"), None);
}

#[tokio::test]
async fn unknown_client_and_wrong_redirect_never_redirect() {
    let sb = start(&[]);
    let bad_client =
        authorize_uri("read", "s").replace("client_id=pdscope-local", "client_id=evil");
    let r = get(&sb.identity, &bad_client, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.location().is_empty());
    assert!(r.body.contains("Unknown application"));
    let bad_redirect = authorize_uri("read", "s").replace("8080%2Fcallback", "8080%2Fother");
    let r = get(&sb.identity, &bad_redirect, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.location().is_empty());
    assert!(r.body.contains("Redirect URI mismatch"));
    // Hostile values are escaped on the error page.
    let hostile =
        authorize_uri("read", "s").replace("client_id=pdscope-local", "client_id=%3Cscript%3E");
    let r = get(&sb.identity, &hostile, None).await;
    assert!(!r.body.contains("<script>") && r.body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn pkce_rules_at_authorize() {
    let sb = start(&[]);
    let plain = authorize_uri("read", "s")
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let r = get(&sb.identity, &plain, None).await;
    assert_eq!(
        param(&r.location(), "error").as_deref(),
        Some("invalid_request")
    );
    assert_eq!(param(&r.location(), "state").as_deref(), Some("s"));
    let missing = authorize_uri("read", "s").replace("code_challenge=", "x=");
    let r = get(&sb.identity, &missing, None).await;
    assert_eq!(
        param(&r.location(), "error").as_deref(),
        Some("invalid_request")
    );
    let wrong_type =
        authorize_uri("read", "s").replace("response_type=code", "response_type=token");
    let r = get(&sb.identity, &wrong_type, None).await;
    assert_eq!(
        param(&r.location(), "error").as_deref(),
        Some("unsupported_response_type")
    );
}

#[tokio::test]
async fn scopes_the_app_may_not_have_are_dropped_silently() {
    let sb = start(&[]);
    let t = token_for(&sb, "admin@example.com", "services.read read banana", &[]).await;
    assert_eq!(t["scope"], "openid read");
    let (sb, t) = scoped_services_read_token().await;
    assert_eq!(t["scope"], "openid services.read");
    assert_eq!(t["expires_in"], 86400);
    let t = token_for(
        &sb,
        "admin@example.com",
        "users.read",
        &[("client_secret", SECRET)],
    )
    .await;
    assert_eq!(t["scope"], "openid");
}

#[tokio::test]
async fn wrong_or_missing_verifier_is_invalid_grant() {
    let sb = start(&[]);
    let code = code_for(&sb, "admin@example.com", "read").await;
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", "pdscope-local"),
    ];
    let r = post_form(&sb.identity, "/oauth/token", &pairs).await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let mut wrong = pairs.to_vec();
    wrong.push(("code_verifier", "x".repeat(43).leak()));
    let r = post_form(&sb.identity, "/oauth/token", &wrong).await;
    assert_eq!(r.json()["error"], "invalid_grant");
    let mut short = pairs.to_vec();
    short.push(("code_verifier", "abc"));
    let r = post_form(&sb.identity, "/oauth/token", &short).await;
    assert_eq!(r.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn reused_code_fails_and_revokes_the_first_tokens() {
    let sb = start(&[]);
    let code = code_for(&sb, "admin@example.com", "read").await;
    let first = exchange(&sb, &code, &[]).await.json();
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(
        get(&sb.api, "/users/me", Some(access)).await.status,
        StatusCode::OK
    );
    let second = exchange(&sb, &code, &[]).await;
    assert_eq!(second.status, StatusCode::BAD_REQUEST);
    assert_eq!(second.json()["error"], "invalid_grant");
    assert_eq!(
        get(&sb.api, "/users/me", Some(access)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn expired_code_is_invalid_grant() {
    let sb = start(&[]);
    let code = code_for(&sb, "admin@example.com", "read").await;
    // Waiting 30 real seconds is too slow for a test: age the code instead.
    {
        let mut inner = sb.shared.lock();
        let c = inner.codes.get_mut(&code).unwrap();
        c.issued = c
            .issued
            .checked_sub(std::time::Duration::from_secs(31))
            .unwrap();
    }
    let r = exchange(&sb, &code, &[]).await;
    assert_eq!(r.json()["error"], "invalid_grant");
    assert!(r.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("expired"));
}

#[tokio::test]
async fn wrong_redirect_uri_and_unknown_client_at_token() {
    let sb = start(&[]);
    let code = code_for(&sb, "admin@example.com", "read").await;
    let r = post_form(
        &sb.identity,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:8080/other"),
            ("client_id", "pdscope-local"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(r.json()["error"], "invalid_grant");
    let r = exchange(&sb, &code, &[("client_id", "evil")]).await;
    // A repeated client_id is refused before anything else.
    assert_eq!(r.json()["error"], "invalid_request");
    let r = post_form(
        &sb.identity,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "evil"),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "invalid_client");
    let r = post_form(
        &sb.identity,
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "pdscope-local"),
        ],
    )
    .await;
    assert_eq!(r.json()["error"], "unsupported_grant_type");
    let r = post_form(
        &sb.identity,
        "/oauth/token",
        &[("client_id", "pdscope-local")],
    )
    .await;
    assert_eq!(r.json()["error"], "invalid_request");
}

#[tokio::test]
async fn scoped_exchange_without_the_secret_is_invalid_client() {
    let sb = start(&["--app-type", "scoped", "--client-secret", "s3cret"]);
    let code = code_for(&sb, "admin@example.com", "services.read").await;
    let r = exchange(&sb, &code, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"], "invalid_client");
    let r = exchange(&sb, &code, &[("client_secret", "wrong")]).await;
    assert_eq!(r.json()["error"], "invalid_client");
    let r = exchange(&sb, &code, &[("client_secret", "s3cret")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let sb = start(&[]);
    let t = token_for(&sb, "admin@example.com", "read", &[]).await;
    let r1 = t["refresh_token"].as_str().unwrap().to_string();
    let refresh = |token: String| {
        let sb = &sb;
        async move {
            post_form(
                &sb.identity,
                "/oauth/token",
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &token),
                    ("client_id", "pdscope-local"),
                ],
            )
            .await
        }
    };
    let n = refresh(r1.clone()).await;
    assert_eq!(n.status, StatusCode::OK, "{}", n.body);
    let n = n.json();
    let r2 = n["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    assert_eq!(n["scope"], "openid read");
    let a2 = n["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        get(&sb.api, "/users/me", Some(&a2)).await.status,
        StatusCode::OK
    );
    // Reusing the rotated token fails and revokes everything, including r2 and a2.
    let reuse = refresh(r1).await;
    assert_eq!(reuse.json()["error"], "invalid_grant");
    assert_eq!(refresh(r2).await.json()["error"], "invalid_grant");
    assert_eq!(
        get(&sb.api, "/users/me", Some(&a2)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn revoke_accepts_body_or_query_and_answers_200_for_unknown_tokens() {
    let sb = start(&[]);
    let t = token_for(&sb, "admin@example.com", "read", &[]).await;
    let access = t["access_token"].as_str().unwrap();
    let refresh = t["refresh_token"].as_str().unwrap();
    // Query form, as PagerDuty's web app sends it; the + must be encoded.
    let uri = format!(
        "/oauth/revoke?token={}&client_id=pdscope-local",
        form_urlencoded::byte_serialize(access.as_bytes()).collect::<String>()
    );
    let r = send(
        &sb.identity,
        Request::post(uri).body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        get(&sb.api, "/users/me", Some(access)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = post_form(
        &sb.identity,
        "/oauth/revoke",
        &[
            ("token", refresh),
            ("client_id", "pdscope-local"),
            ("token_type_hint", "refresh_token"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let again = post_form(
        &sb.identity,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", "pdscope-local"),
        ],
    )
    .await;
    assert_eq!(again.json()["error"], "invalid_grant");
    let r = post_form(
        &sb.identity,
        "/oauth/revoke",
        &[("token", "nope"), ("client_id", "pdscope-local")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = post_form(&sb.identity, "/oauth/revoke", &[("token", "nope")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn token_cors_only_for_registered_origins() {
    let sb = start(&[
        "--redirect-uri",
        "http://127.0.0.1:8080/callback",
        "--redirect-uri",
        "http://localhost:9000/x/callback",
    ]);
    for (origin, allowed) in [
        ("http://127.0.0.1:8080", true),
        ("http://localhost:9000", true),
        ("http://evil.example", false),
    ] {
        let req = Request::builder()
            .method("OPTIONS")
            .uri("/oauth/token")
            .header(header::ORIGIN, origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .unwrap();
        let r = send(&sb.identity, req).await;
        assert_eq!(
            r.header("access-control-allow-origin").as_deref() == Some(origin),
            allowed,
            "{origin}"
        );
    }
}

#[tokio::test]
async fn sign_in_rejects_wrong_password_and_stale_requests() {
    let sb = start(&[]);
    let page = get(&sb.identity, &authorize_uri("read", "s"), None).await;
    assert!(page.body.contains("<label for=\"email\">Email</label>"));
    assert!(page
        .body
        .contains("<label for=\"password\">Password</label>"));
    assert!(page.body.contains(">Sign In</button>"));
    assert!(!page.body.contains("<script"));
    let id = request_id(&page.body);
    let r = post_form(
        &sb.identity,
        "/oauth/authorize/sign_in",
        &[
            ("request_id", &id),
            ("email", "admin@example.com"),
            ("password", "nope"),
        ],
    )
    .await;
    assert!(r.body.contains("Wrong email or password"));
    let r = post_form(
        &sb.identity,
        "/oauth/authorize/sign_in",
        &[
            ("request_id", "forged"),
            ("email", "admin@example.com"),
            ("password", "sandbox"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = post_form(
        &sb.identity,
        "/oauth/authorize/consent",
        &[("request_id", &id), ("decision", "allow")],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "consent before sign-in is refused"
    );
}

#[tokio::test]
async fn jwks_and_discovery_are_published() {
    let sb = start(&[]);
    let r = get(&sb.identity, "/global/oauth/anonymous/jwks", None).await;
    assert_eq!(r.json()["keys"][0]["alg"], "RS256");
    let r = get(
        &sb.identity,
        "/global/oauth/anonymous/.well-known/openid-configuration",
        None,
    )
    .await;
    let d = r.json();
    assert_eq!(d["code_challenge_methods_supported"][0], "S256");
    assert_eq!(d["issuer"], "http://127.0.0.1:8788/global/oauth/anonymous");
}

/// Signs in to the sign-in attempt `id` as the admin; true when the consent page answers.
async fn signs_in(sb: &Sb, id: &str) -> bool {
    let r = post_form(
        &sb.identity,
        "/oauth/authorize/sign_in",
        &[
            ("request_id", id),
            ("email", "admin@example.com"),
            ("password", "sandbox"),
        ],
    )
    .await;
    r.status == StatusCode::OK && r.body.contains("Submit Consent")
}

#[tokio::test]
async fn a_flood_of_authorize_requests_keeps_at_most_the_cap_of_sign_in_attempts() {
    const REQUESTS: usize = 100_000;
    let sb = start(&[]);
    let uri = authorize_uri("read", "s");
    let started = std::time::Instant::now();
    let (mut first, mut recent, mut last) = (String::new(), String::new(), String::new());
    let mut most = 0;
    for i in 0..REQUESTS {
        let page = get(&sb.identity, &uri, None).await;
        assert_eq!(page.status, StatusCode::OK, "request {i}");
        let pending = sb.shared.map_sizes().pending;
        assert!(
            pending <= MAX_PENDING,
            "{pending} attempts after request {i}"
        );
        most = most.max(pending);
        if i == 0 || i == REQUESTS - MAX_PENDING / 2 || i == REQUESTS - 1 {
            let id = request_id(&page.body);
            match i {
                0 => first = id,
                i if i == REQUESTS - 1 => last = id,
                _ => recent = id,
            }
        }
    }
    eprintln!(
        "{REQUESTS} authorize requests in {:?}; at most {most} attempts kept",
        started.elapsed()
    );
    assert_eq!(most, MAX_PENDING, "the cap is reached, not undercut");
    // The oldest attempts were dropped first; the newest still work.
    assert!(!signs_in(&sb, &first).await, "the first attempt is dropped");
    assert!(signs_in(&sb, &recent).await, "a recent attempt is kept");
    assert!(signs_in(&sb, &last).await, "the last attempt is kept");
}

#[tokio::test]
async fn expired_codes_tokens_and_sign_in_attempts_are_pruned() {
    let sb = start(&["--token-ttl", "60"]);
    let t = token_for(&sb, "admin@example.com", "read", &[]).await;
    let access = t["access_token"].as_str().unwrap();
    let refresh = t["refresh_token"].as_str().unwrap().to_string();
    let me = get(&sb.api, "/users/me", Some(access)).await;
    assert_eq!(me.status, StatusCode::OK);
    let open = get(&sb.identity, &authorize_uri("read", "s"), None).await;
    let open = request_id(&open.body);
    let sizes = sb.shared.map_sizes();
    assert_eq!(
        sizes,
        MapSizes {
            pending: 1,
            codes: 1,
            families: 1,
            access: 1,
            refresh: 1,
            windows: 1
        }
    );
    // Past the code's lifetime (and the access token's, and the rate-limit window's): the next
    // new sign-in attempt prunes them. The open sign-in page and the refresh token are kept.
    sb.shared.advance(CODE_KEEP + Duration::from_secs(1));
    get(&sb.identity, &authorize_uri("read", "s"), None).await;
    let sizes = sb.shared.map_sizes();
    assert_eq!(
        sizes,
        MapSizes {
            pending: 2,
            codes: 0,
            families: 1,
            access: 0,
            refresh: 1,
            windows: 0
        }
    );
    assert_eq!(
        get(&sb.api, "/users/me", Some(access)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let refreshed = post_form(
        &sb.identity,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", "pdscope-local"),
        ],
    )
    .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let refresh2 = refreshed.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    // The rotated refresh token is kept while its authorization lives (its reuse revokes it).
    assert_eq!(
        (sb.shared.map_sizes().access, sb.shared.map_sizes().refresh),
        (1, 2)
    );
    // Past a sign-in page's lifetime: the first attempt is gone, and it no longer signs in.
    sb.shared.advance(PENDING_TTL - CODE_KEEP);
    get(&sb.identity, &authorize_uri("read", "s"), None).await;
    assert_eq!(sb.shared.map_sizes().pending, 2);
    assert!(!signs_in(&sb, &open).await);
    // A revoked authorization is dropped with all its tokens at the next pruning.
    let r = post_form(
        &sb.identity,
        "/oauth/revoke",
        &[("token", &refresh2), ("client_id", "pdscope-local")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    sb.shared.advance(Duration::from_secs(2));
    get(&sb.identity, &authorize_uri("read", "s"), None).await;
    let sizes = sb.shared.map_sizes();
    assert_eq!(
        (sizes.families, sizes.access, sizes.refresh),
        (0, 0, 0),
        "{sizes:?}"
    );
}

#[tokio::test]
async fn a_refresh_loop_keeps_at_most_the_cap_of_tokens() {
    let sb = start(&[]);
    let t = token_for(&sb, "admin@example.com", "read", &[]).await;
    let mut refresh = t["refresh_token"].as_str().unwrap().to_string();
    let mut access = String::new();
    let started = std::time::Instant::now();
    let rounds = MAX_TOKENS + MAX_TOKENS / 5;
    for i in 0..rounds {
        let r = post_form(
            &sb.identity,
            "/oauth/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh),
                ("client_id", "pdscope-local"),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "round {i}: {}", r.body);
        let t = r.json();
        refresh = t["refresh_token"].as_str().unwrap().to_string();
        access = t["access_token"].as_str().unwrap().to_string();
        let sizes = sb.shared.map_sizes();
        assert!(
            sizes.access <= MAX_TOKENS && sizes.refresh <= MAX_TOKENS,
            "round {i}: {sizes:?}"
        );
    }
    eprintln!("{rounds} refreshes in {:?}", started.elapsed());
    assert_eq!(
        get(&sb.api, "/users/me", Some(&access)).await.status,
        StatusCode::OK
    );
}
