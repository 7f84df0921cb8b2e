mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use std::collections::HashSet;

async fn admin_token(sb: &Sb) -> String {
    token_for(sb, "admin@example.com", "read", &[]).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn classic_pagination_matches_pagerduty() {
    let sb = start(&[]);
    let t = admin_token(&sb).await;
    let r = get(&sb.api, "/services", Some(&t)).await;
    let v = r.json();
    assert_eq!(v["limit"], 25);
    assert_eq!(v["offset"], 0);
    assert_eq!(v["more"], true);
    assert!(v["total"].is_null(), "total is null unless total=true");
    assert_eq!(v["services"].as_array().unwrap().len(), 25);
    let v = get(&sb.api, "/services?limit=1000&total=true", Some(&t))
        .await
        .json();
    assert_eq!(v["limit"], 100, "limit is capped at 100");
    assert_eq!(v["total"], 250);
    // Walk every page and get every service exactly once, in order.
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let v = get(
            &sb.api,
            &format!("/services?limit=100&offset={offset}"),
            Some(&t),
        )
        .await
        .json();
        let page = v["services"].as_array().unwrap();
        seen.extend(page.iter().map(|s| s["id"].as_str().unwrap().to_string()));
        offset += page.len();
        if v["more"] == false {
            break;
        }
    }
    assert_eq!(seen.len(), 250);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 250);
    let last = get(&sb.api, "/services?limit=100&offset=200", Some(&t))
        .await
        .json();
    assert_eq!(last["more"], false);
    assert_eq!(last["services"].as_array().unwrap().len(), 50);
}

/// What scripts/dev.sh starts: the default options (300 services, 300 users, seed 1).
fn start_default() -> Sb {
    let options = pd_sandbox::Options::defaults();
    options.validate().expect("valid options");
    let shared = pd_sandbox::sandbox(options);
    Sb {
        identity: pd_sandbox::identity_app(shared.clone()),
        api: pd_sandbox::api_app(shared.clone()),
        shared,
    }
}

fn looks_hostile(text: &str) -> bool {
    text.contains('<') || text.contains('>') || text.to_lowercase().contains("alert(")
}

#[tokio::test]
async fn the_first_page_a_new_user_sees_has_no_hostile_names() {
    let sb = start_default();
    let t = admin_token(&sb).await;
    for list in ["services", "users"] {
        // limit=100: more than PagerDuty's first page (25) and the app's first page (50).
        let v = get(&sb.api, &format!("/{list}?limit=100"), Some(&t))
            .await
            .json();
        let rows = v[list].as_array().unwrap();
        assert_eq!(rows.len(), 100);
        for row in rows {
            for field in ["name", "description"] {
                let text = row[field].as_str().unwrap_or_default();
                assert!(!looks_hostile(text), "{list} first page: {field} {text:?}");
            }
        }
    }
    // The hostile names are still there, further down, for the escaping tests.
    let v = get(&sb.api, "/services?query=onerror&total=true", Some(&t))
        .await
        .json();
    assert!(v["total"].as_u64().unwrap() > 0, "{v}");
    let v = get(&sb.api, "/users?query=onmouseover&total=true", Some(&t))
        .await
        .json();
    assert!(v["total"].as_u64().unwrap() > 0, "{v}");
    assert!(sb
        .shared
        .data()
        .services
        .iter()
        .any(|s| s.description.as_deref().is_some_and(looks_hostile)));
}

#[tokio::test]
async fn bad_pagination_parameters_get_pagerduty_400_envelope() {
    let sb = start(&[]);
    let t = admin_token(&sb).await;
    for q in [
        "limit=-1",
        "limit=0",
        "offset=-5",
        "limit=abc",
        "offset=1e3",
        "offset=99999999999999999999",
        "include[]=bogus",
        "sort_by=color",
    ] {
        let r = get(&sb.api, &format!("/services?{q}"), Some(&t)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.body);
        let e = r.json();
        assert_eq!(e["error"]["code"], 2001, "{q}");
        assert_eq!(e["error"]["message"], "Invalid Input Provided");
        assert!(e["error"]["errors"][0].is_string());
    }
    // Exactly at the ceiling is allowed.
    let r = get(&sb.api, "/services?offset=9900&limit=100", Some(&t)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["services"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn the_paging_ceiling_answers_pagerdutys_2002() {
    let sb = start(&[]);
    let t = admin_token(&sb).await;
    // As PagerDuty answered (faros-ai/airbyte-connectors#991, apache/devlake#5107).
    let expected = serde_json::json!({"error": {
        "message": "Arguments Caused Error",
        "code": 2002,
        "errors": ["Offset+limit exceeds maximum allowed value of 10000. Please try to refine your search to reduce the returned set of records below this number, like adding a date range."],
    }});
    for q in [
        "offset=9950&limit=100",
        "offset=10000",
        "offset=9901&limit=1000",
    ] {
        for list in ["services", "users"] {
            let r = get(&sb.api, &format!("/{list}?{q}"), Some(&t)).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{list}?{q}");
            assert_eq!(r.json(), expected, "{list}?{q}");
        }
    }
    for q in ["offset=9900&limit=100", "offset=9975"] {
        let r = get(&sb.api, &format!("/users?{q}"), Some(&t)).await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
    }
}

#[tokio::test]
async fn query_team_and_include_filters() {
    let sb = start(&[]);
    let t = admin_token(&sb).await;
    let v = get(
        &sb.api,
        "/services?query=PAYMENTS&total=true&limit=100",
        Some(&t),
    )
    .await
    .json();
    let hits = v["services"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|s| s["name"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("payments")));
    assert_eq!(v["total"], hits.len());
    let team = sb.shared.data().teams[0].id.clone();
    let v = get(
        &sb.api,
        &format!("/services?team_ids%5B%5D={team}&limit=100&include%5B%5D=teams"),
        Some(&t),
    )
    .await
    .json();
    for s in v["services"].as_array().unwrap() {
        assert!(s["teams"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == team.as_str()));
        assert_eq!(s["teams"][0]["type"], "team");
    }
    let v = get(
        &sb.api,
        "/users?query=example.com&limit=5&include[]=contact_methods",
        Some(&t),
    )
    .await
    .json();
    assert_eq!(v["users"].as_array().unwrap().len(), 5);
    assert!(v["users"][0]["contact_methods"][0]["address"].is_string());
    let phones: Vec<&serde_json::Value> = v["users"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| u["contact_methods"].as_array().unwrap())
        .filter(|c| c["type"] == "phone_contact_method")
        .collect();
    assert!(!phones.is_empty());
    assert!(phones.iter().all(|c| c["country_code"] == 1), "{phones:?}");
    // PagerDuty's /users takes no sort_by: it is ignored, the order stays by name.
    let plain = get(&sb.api, "/users?limit=100", Some(&t)).await.json();
    for q in ["sort_by=email:desc", "sort_by=bogus"] {
        let r = get(&sb.api, &format!("/users?{q}&limit=100"), Some(&t)).await;
        assert_eq!(r.status, StatusCode::OK, "{q}");
        assert_eq!(r.json()["users"], plain["users"], "{q}");
    }
}

#[tokio::test]
async fn services_exact_name_filter_and_time_zone() {
    let sb = start(&[]);
    let t = admin_token(&sb).await;
    let target = sb.shared.data().services[7].clone();
    let mut ser = form_urlencoded::Serializer::new(String::new());
    ser.append_pair("name", &target.name);
    let v = get(
        &sb.api,
        &format!("/services?{}&total=true", ser.finish()),
        Some(&t),
    )
    .await
    .json();
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["services"][0]["id"], target.id.as_str());
    let prefix = target.name.split(' ').next().unwrap();
    let v = get(
        &sb.api,
        &format!("/services?name={prefix}&total=true"),
        Some(&t),
    )
    .await
    .json();
    assert_eq!(v["total"], 0, "name is exact, not a substring: {v}");

    // Times in UTC by default; with time_zone, in that zone's offset on that date.
    let s = sb
        .shared
        .data()
        .services
        .iter()
        .find(|s| s.last_incident_timestamp.is_some())
        .unwrap()
        .clone();
    let utc = get(&sb.api, &format!("/services/{}", s.id), Some(&t))
        .await
        .json();
    assert_eq!(utc["service"]["created_at"], s.created_at.as_str());
    for (zone, check) in [
        ("Asia/Tokyo", "+09:00"),
        ("Asia/Kolkata", "+05:30"),
        ("UTC", "+00:00"),
    ] {
        let v = get(
            &sb.api,
            &format!("/services/{}?time_zone={zone}", s.id),
            Some(&t),
        )
        .await
        .json();
        let created = v["service"]["created_at"].as_str().unwrap();
        assert!(created.ends_with(check), "{zone}: {created}");
        assert!(v["service"]["last_incident_timestamp"]
            .as_str()
            .unwrap()
            .ends_with(check));
    }
    let one = |zone: &str| {
        let sb = &sb;
        let t = t.clone();
        let zone = zone.to_string();
        async move {
            get(
                &sb.api,
                &format!("/services?limit=100&time_zone={zone}"),
                Some(&t),
            )
            .await
            .json()["services"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["created_at"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    // New York: -05:00 in winter, -04:00 in summer.
    let ny = one("America/New_York").await;
    assert!(ny.iter().any(|c| c.ends_with("-05:00")) && ny.iter().any(|c| c.ends_with("-04:00")));
    assert!(
        ny.iter().all(|c| {
            let month: u32 = c[5..7].parse().unwrap();
            match month {
                4..=10 => c.ends_with("-04:00"),
                12 | 1 | 2 => c.ends_with("-05:00"),
                _ => true,
            }
        }),
        "{ny:?}"
    );
    let sydney = one("Australia/Sydney").await;
    assert!(
        sydney.iter().all(|c| {
            let month: u32 = c[5..7].parse().unwrap();
            match month {
                11 | 12 | 1 | 2 | 3 => c.ends_with("+11:00"),
                5..=9 => c.ends_with("+10:00"),
                _ => true,
            }
        }),
        "{sydney:?}"
    );
    let r = get(&sb.api, "/services?time_zone=Mars/Olympus", Some(&t)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], 2001);
}

#[tokio::test]
async fn objects_are_shaped_like_the_spec() {
    let sb = start(&[]);
    let t = admin_token(&sb).await;
    let v = get(&sb.api, "/services?limit=100", Some(&t)).await.json();
    let s = &v["services"][0];
    for f in [
        "id",
        "type",
        "summary",
        "self",
        "html_url",
        "name",
        "status",
        "escalation_policy",
        "teams",
        "created_at",
    ] {
        assert!(!s[f].is_null(), "service.{f}");
    }
    assert_eq!(s["type"], "service");
    assert_eq!(
        s["escalation_policy"]["type"],
        "escalation_policy_reference"
    );
    let id = s["id"].as_str().unwrap();
    let one = get(&sb.api, &format!("/services/{id}"), Some(&t))
        .await
        .json();
    assert_eq!(one["service"]["id"], id);
    let u = get(&sb.api, "/users?limit=1", Some(&t)).await.json()["users"][0].clone();
    for f in [
        "id",
        "type",
        "name",
        "email",
        "role",
        "time_zone",
        "color",
        "avatar_url",
        "contact_methods",
        "teams",
    ] {
        assert!(!u[f].is_null(), "user.{f}");
    }
    let uid = u["id"].as_str().unwrap();
    assert_eq!(
        get(&sb.api, &format!("/users/{uid}"), Some(&t))
            .await
            .json()["user"]["id"],
        uid
    );
    let r = get(&sb.api, "/services/PNOPE00", Some(&t)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], 2100);
}

#[tokio::test]
async fn restricted_user_sees_only_their_teams_services() {
    let sb = start(&[]);
    let t = token_for(&sb, "responder@example.com", "read", &[]).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let v = get(&sb.api, "/services?limit=100&total=true", Some(&t))
        .await
        .json();
    let total = v["total"].as_u64().unwrap();
    assert!(total > 0 && total < 250, "{total}");
    let hidden = {
        let data = sb.shared.data();
        let responder = data.user_by_email("responder@example.com").unwrap();
        let team = &data.teams[responder.teams[0]].id;
        for s in v["services"].as_array().unwrap() {
            assert!(s["teams"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == team.as_str()));
        }
        data.services
            .iter()
            .find(|s| !data.can_see_service(responder, s))
            .unwrap()
            .id
            .clone()
    };
    let r = get(&sb.api, &format!("/services/{hidden}"), Some(&t)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn scoped_token_without_users_read_gets_the_missing_scope_403() {
    let (sb, t) = scoped_services_read_token().await;
    let t = t["access_token"].as_str().unwrap();
    assert_eq!(
        get(&sb.api, "/services", Some(t)).await.status,
        StatusCode::OK
    );
    let r = get(&sb.api, "/users", Some(t)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json(),
        serde_json::json!({"error":{"message":"Token missing required scopes","required_scopes":"users.read","token_scopes":"openid services.read"}})
    );
    // /users/me declares no scope.
    assert_eq!(
        get(&sb.api, "/users/me", Some(t)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn missing_unknown_and_malformed_tokens_get_401() {
    let sb = start(&[]);
    for auth in [
        None,
        Some("Bearer nope"),
        Some("Token token=abc"),
        Some("Bearer"),
    ] {
        let mut req = Request::get("/services");
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        let r = send(&sb.api, req.body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(r.json()["error"]["code"], 2006);
    }
}

#[tokio::test]
async fn plain_401_answers_a_body_that_is_not_json() {
    let sb = start(&["--plain-401"]);
    for auth in [None, Some("Bearer nope"), Some("Token token=abc")] {
        let mut req = Request::get("/users/me");
        if let Some(a) = auth {
            req = req.header(header::AUTHORIZATION, a);
        }
        let r = send(&sb.api, req.body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert!(
            serde_json::from_str::<serde_json::Value>(&r.body).is_err(),
            "{auth:?}: {}",
            r.body
        );
        assert_eq!(r.body, "Unauthorized");
        let ct = r.header("content-type").unwrap_or_default();
        assert!(ct.starts_with("text/plain"), "{ct}");
    }
    // Valid tokens and other errors are unchanged.
    let t = admin_token(&sb).await;
    assert_eq!(
        get(&sb.api, "/users/me", Some(&t)).await.status,
        StatusCode::OK
    );
    let r = get(&sb.api, "/services/PNOPE00", Some(&t)).await;
    assert_eq!(r.json()["error"]["code"], 2100);
}

#[tokio::test]
async fn expired_tokens_get_401() {
    let sb = start(&["--token-ttl", "1"]);
    let t = admin_token(&sb).await;
    {
        let mut inner = sb.shared.lock();
        let a = inner.access.get_mut(&t).unwrap();
        a.expires = std::time::Instant::now();
    }
    assert_eq!(
        get(&sb.api, "/users/me", Some(&t)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn rate_limit_headers_and_429() {
    let sb = start(&["--rate-limit", "3"]);
    let t = admin_token(&sb).await;
    for remaining in [2, 1, 0] {
        let r = get(&sb.api, "/users/me", Some(&t)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("ratelimit-limit").as_deref(), Some("3"));
        assert_eq!(r.header("ratelimit-remaining"), Some(remaining.to_string()));
        let reset: u64 = r.header("ratelimit-reset").unwrap().parse().unwrap();
        assert!((1..=60).contains(&reset));
    }
    let r = get(&sb.api, "/users/me", Some(&t)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json()["error"]["code"], 2020);
}

async fn preflight(sb: &Sb, headers: &str) -> Resp {
    let req = Request::builder()
        .method("OPTIONS")
        .uri("/services")
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", headers)
        .body(Body::empty())
        .unwrap();
    send(&sb.api, req).await
}

/// `--latency-ms` is the network's round trip, which a preflight pays as well as the request
/// after it. (A lower bound only: a busy machine can make it slower, never faster.)
#[tokio::test]
async fn latency_applies_to_preflights_and_requests() {
    let sb = start(&["--latency-ms", "150"]);
    let t0 = std::time::Instant::now();
    assert!(preflight(&sb, "authorization").await.status.is_success());
    assert!(t0.elapsed() >= std::time::Duration::from_millis(150));
    let t = admin_token(&sb).await;
    let t1 = std::time::Instant::now();
    assert!(get(&sb.api, "/users/me", Some(&t))
        .await
        .status
        .is_success());
    assert!(t1.elapsed() >= std::time::Duration::from_millis(150));
}

#[tokio::test]
async fn cors_preflight_allows_only_pagerdutys_headers() {
    let sb = start(&[]);
    let r = preflight(&sb, "authorization").await;
    assert!(r.status.is_success());
    let allowed = r
        .header("access-control-allow-headers")
        .unwrap()
        .to_lowercase();
    assert!(allowed.contains("authorization"));
    assert!(
        !allowed.contains("x-requested-with"),
        "a forbidden header must not pass: {allowed}"
    );
    let r = preflight(&sb, "x-requested-with").await;
    let allowed = r
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(!allowed.split(',').any(|h| h.trim() == "x-requested-with"));
    assert_eq!(r.header("access-control-expose-headers"), None);
    let exposed = start(&["--expose-rate-limit-headers"]);
    let t = admin_token(&exposed).await;
    let req = Request::get("/users/me")
        .header(header::ORIGIN, "http://127.0.0.1:8080")
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .body(Body::empty())
        .unwrap();
    let r = send(&exposed.api, req).await;
    assert!(r
        .header("access-control-expose-headers")
        .unwrap()
        .contains("ratelimit-remaining"));
}

#[tokio::test]
async fn fail_rate_injects_pagerduty_shaped_5xx() {
    let sb = start(&["--fail-rate", "1"]);
    let t = admin_token(&sb).await;
    let r = get(&sb.api, "/users/me", Some(&t)).await;
    assert!(matches!(r.status.as_u16(), 500 | 502 | 503), "{}", r.status);
    assert!(r.json()["error"]["message"].is_string());
}

#[tokio::test]
async fn a_real_socket_on_port_zero() {
    let sb = start(&[]);
    let t = admin_token(&sb).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = sb.api.clone();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let req = format!("GET /services?limit=2&total=true HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {t}\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = String::new();
    stream.read_to_string(&mut buf).await.unwrap();
    assert!(buf.starts_with("HTTP/1.1 200"), "{buf}");
    assert!(buf.contains("\"total\":250"));
    server.abort();
}

/// A Scoped app registered for `scopes`, under `extra` flags, and the admin's access token
/// for all of them.
async fn scoped_token(scopes: &str, extra: &[&str]) -> (Sb, String) {
    let mut args = vec![
        "--app-type",
        "scoped",
        "--client-secret",
        SECRET,
        "--app-scopes",
        scopes,
    ];
    args.extend_from_slice(extra);
    let sb = start(&args);
    let t = token_for(
        &sb,
        "admin@example.com",
        scopes,
        &[("client_secret", SECRET)],
    )
    .await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    (sb, t)
}

fn missing_scope(r: &Resp, scope: &str) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let v = r.json();
    assert_eq!(v["error"]["message"], "Token missing required scopes");
    assert_eq!(v["error"]["required_scopes"], scope);
    assert!(v["error"]["code"].is_null() && v["error"]["errors"].is_null());
}

#[tokio::test]
async fn strict_includes_need_the_included_objects_scopes() {
    let (sb, t) = scoped_token("services.read users.read", &["--strict-includes"]).await;
    let uid = sb.shared.data().users[0].id.clone();
    for path in [
        "/services?include[]=teams".to_string(),
        "/services?include[]=escalation_policies&include[]=teams".to_string(),
        format!(
            "/services/{}?include[]=teams",
            sb.shared.data().services[0].id
        ),
        "/users?include[]=teams".to_string(),
        format!("/users/{uid}?include[]=teams"),
        "/users/me?include[]=teams".to_string(),
    ] {
        missing_scope(&get(&sb.api, &path, Some(&t)).await, "teams.read");
    }
    for path in [
        "/users?include[]=contact_methods".to_string(),
        "/users?include[]=notification_rules".to_string(),
        format!("/users/{uid}?include[]=contact_methods"),
        "/users/me?include[]=notification_rules".to_string(),
    ] {
        missing_scope(
            &get(&sb.api, &path, Some(&t)).await,
            "users:contact_methods.read",
        );
    }
    // Includes with no scope of their own, and no includes, still answer.
    for path in ["/services", "/users", "/services?include[]=integrations"] {
        assert_eq!(get(&sb.api, path, Some(&t)).await.status, StatusCode::OK);
    }

    // With the scopes, the same requests answer.
    let (sb, t) = scoped_token(
        "services.read users.read teams.read users:contact_methods.read",
        &["--strict-includes"],
    )
    .await;
    for path in [
        "/services?include[]=teams",
        "/users?include[]=teams&include[]=contact_methods&include[]=notification_rules",
        "/users/me?include[]=contact_methods",
    ] {
        let r = get(&sb.api, path, Some(&t)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
}

#[tokio::test]
async fn includes_need_no_extra_scope_by_default_or_with_classic_tokens() {
    let (sb, t) = scoped_token("services.read users.read", &[]).await;
    for path in [
        "/services?include[]=teams",
        "/users?include[]=teams&include[]=contact_methods&include[]=notification_rules",
    ] {
        assert_eq!(get(&sb.api, path, Some(&t)).await.status, StatusCode::OK);
    }
    let sb = start(&["--strict-includes"]);
    let t = admin_token(&sb).await;
    for path in [
        "/services?include[]=teams",
        "/users?include[]=teams&include[]=contact_methods&include[]=notification_rules",
    ] {
        assert_eq!(get(&sb.api, path, Some(&t)).await.status, StatusCode::OK);
    }
}

/// Walks a classic-paginated list to its end and returns every row.
async fn walk(sb: &Sb, t: &str, path: &str, key: &str) -> Vec<serde_json::Value> {
    let mut rows = Vec::new();
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let r = get(
            &sb.api,
            &format!("{path}{sep}limit=3&offset={}&total=true", rows.len()),
            Some(t),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let v = r.json();
        assert_eq!(v["limit"], 3);
        assert!(v["total"].is_u64(), "{v}");
        rows.extend(v[key].as_array().unwrap().iter().cloned());
        if v["more"] == false {
            assert_eq!(v["total"], rows.len());
            return rows;
        }
    }
}

#[tokio::test]
async fn teams_escalation_policies_and_abilities() {
    let sb = start(&[]);
    let t = admin_token(&sb).await;
    let teams = walk(&sb, &t, "/teams", "teams").await;
    assert_eq!(teams.len(), sb.shared.data().teams.len());
    for team in &teams {
        assert_eq!(team["type"], "team");
        assert!(team["name"].is_string() && team["self"].is_string());
    }
    let v = get(&sb.api, "/teams?query=PLATF", Some(&t)).await.json();
    assert_eq!(v["teams"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["teams"][0]["name"], "Platform");
    let id = v["teams"][0]["id"].as_str().unwrap();
    let one = get(&sb.api, &format!("/teams/{id}"), Some(&t)).await.json();
    assert_eq!(one["team"]["name"], "Platform");
    assert_eq!(
        get(&sb.api, "/teams/PNOPE00", Some(&t)).await.status,
        StatusCode::NOT_FOUND
    );
    // Members with their team roles; the admin manages Platform.
    let members = walk(&sb, &t, &format!("/teams/{id}/members"), "members").await;
    assert!(members
        .iter()
        .any(|m| m["user"]["summary"] == "Avery Admin" && m["role"] == "manager"));
    assert!(members.iter().all(|m| m["user"]["type"] == "user_reference"
        && ["manager", "responder", "observer"].contains(&m["role"].as_str().unwrap())));

    let eps = walk(&sb, &t, "/escalation_policies", "escalation_policies").await;
    assert_eq!(eps.len(), sb.shared.data().policies.len());
    let names: HashSet<_> = eps.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), eps.len(), "policy names are unique");
    for ep in &eps {
        assert_eq!(ep["type"], "escalation_policy");
        assert!(ep["escalation_rules"][0]["targets"][0]["type"] == "user_reference");
        assert!(ep["teams"].is_array() && ep["services"].is_array());
    }
    let v = get(&sb.api, "/escalation_policies?query=platform", Some(&t))
        .await
        .json();
    assert!(!v["escalation_policies"].as_array().unwrap().is_empty());
    assert!(v["escalation_policies"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("platform")));
    // A service's teams are its escalation policy's.
    let by_id: std::collections::HashMap<_, _> = eps
        .iter()
        .map(|e| (e["id"].as_str().unwrap().to_string(), e.clone()))
        .collect();
    let services = get(&sb.api, "/services?limit=100", Some(&t)).await.json();
    for s in services["services"].as_array().unwrap() {
        let ep = &by_id[s["escalation_policy"]["id"].as_str().unwrap()];
        let ids = |v: &serde_json::Value| {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&s["teams"]), ids(&ep["teams"]), "{}", s["name"]);
        assert!(ids(&ep["services"]).contains(&s["id"].as_str().unwrap().to_string()));
    }

    let v = get(&sb.api, "/abilities", Some(&t)).await.json();
    assert!(v["abilities"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("teams")));
    for path in [
        "/teams?offset=9990&limit=20",
        "/escalation_policies?offset=9999&limit=2",
    ] {
        let r = get(&sb.api, path, Some(&t)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.json()["error"]["code"], 2002);
    }
}

#[tokio::test]
async fn new_reads_need_their_scopes() {
    let (sb, t) = scoped_token("services.read users.read", &[]).await;
    let uid = sb.shared.data().users[0].id.clone();
    let tid = sb.shared.data().teams[0].id.clone();
    for (path, scope) in [
        ("/teams".to_string(), "teams.read"),
        (format!("/teams/{tid}"), "teams.read"),
        (format!("/teams/{tid}/members"), "teams.read"),
        ("/escalation_policies".into(), "escalation_policies.read"),
        ("/abilities".into(), "abilities.read"),
        (
            format!("/users/{uid}/contact_methods"),
            "users:contact_methods.read",
        ),
        (
            format!("/users/{uid}/notification_rules"),
            "users:contact_methods.read",
        ),
    ] {
        missing_scope(&get(&sb.api, &path, Some(&t)).await, scope);
    }
    let (sb, t) = scoped_token(
        "teams.read escalation_policies.read abilities.read users:contact_methods.read",
        &[],
    )
    .await;
    let uid = sb.shared.data().users[0].id.clone();
    for path in [
        "/teams".to_string(),
        "/escalation_policies".into(),
        "/abilities".into(),
        format!("/users/{uid}/contact_methods"),
        format!("/users/{uid}/notification_rules"),
    ] {
        let r = get(&sb.api, &path, Some(&t)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
}

#[tokio::test]
async fn users_carry_contact_methods_notification_rules_and_every_role() {
    let sb = start_default();
    let t = admin_token(&sb).await;
    let users = walk(
        &sb,
        &t,
        "/users?include[]=contact_methods&include[]=notification_rules",
        "users",
    )
    .await;
    assert_eq!(users.len(), 300);
    let roles: HashSet<_> = users.iter().map(|u| u["role"].as_str().unwrap()).collect();
    for role in [
        "owner",
        "admin",
        "user",
        "limited_user",
        "observer",
        "restricted_access",
        "read_only_user",
        "read_only_limited_user",
    ] {
        assert!(roles.contains(role), "{role}");
    }
    assert!(users.iter().any(|u| u["created_via_sso"] == true));
    assert!(users.iter().any(|u| u["invitation_sent"] == true));
    for u in &users {
        assert!(u["created_via_sso"].is_boolean() && u["invitation_sent"].is_boolean());
        for c in u["contact_methods"].as_array().unwrap() {
            assert!(
                c["enabled"].is_boolean() && c["blacklisted"].is_boolean(),
                "{c}"
            );
            match c["type"].as_str().unwrap() {
                "email_contact_method" => assert!(c["send_short_email"].is_boolean()),
                "phone_contact_method" | "sms_contact_method" => {
                    assert_eq!(c["country_code"], 1)
                }
                "whatsapp_contact_method" => assert!(c["country_code"].is_u64(), "{c}"),
                "push_notification_contact_method" => {
                    assert!(c["device_type"].is_string() && c.get("country_code").is_none())
                }
                other => panic!("{other}"),
            }
        }
        let rules = u["notification_rules"].as_array().unwrap();
        assert!(rules.iter().any(|r| r["start_delay_in_minutes"] == 0
            && r["urgency"] == "high"
            && r["contact_method"]["type"] == "email_contact_method"));
        for r in rules {
            assert_eq!(r["type"], "assignment_notification_rule");
        }
    }
    assert!(users.iter().any(|u| u["contact_methods"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["type"] == "sms_contact_method")));
    // The seeded accounts are as before.
    let admin = users
        .iter()
        .find(|u| u["email"] == "admin@example.com")
        .unwrap();
    assert_eq!(admin["name"], "Avery Admin");
    assert_eq!(admin["role"], "admin");
    let responder = users
        .iter()
        .find(|u| u["email"] == "responder@example.com")
        .unwrap();
    assert_eq!(responder["name"], "Riley Responder");
    assert_eq!(responder["role"], "restricted_access");

    // The sub-resources, not paginated.
    let uid = admin["id"].as_str().unwrap();
    let v = get(&sb.api, &format!("/users/{uid}/contact_methods"), Some(&t))
        .await
        .json();
    assert_eq!(v["contact_methods"], admin["contact_methods"]);
    assert!(v["limit"].is_null());
    let v = get(
        &sb.api,
        &format!("/users/{uid}/notification_rules"),
        Some(&t),
    )
    .await
    .json();
    assert!(!v["notification_rules"].as_array().unwrap().is_empty());
    assert!(v["notification_rules"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["urgency"] == "high"
            && r["contact_method"]["type"]
                .as_str()
                .unwrap()
                .ends_with("_reference")));
    let v = get(
        &sb.api,
        &format!("/users/{uid}/notification_rules?urgency=all&include[]=contact_methods"),
        Some(&t),
    )
    .await
    .json();
    assert!(v["notification_rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["urgency"] == "low"));
    assert!(v["notification_rules"][0]["contact_method"]["address"].is_string());
    for path in [
        "/users/PNOPE00/contact_methods",
        "/users/PNOPE00/notification_rules",
    ] {
        assert_eq!(
            get(&sb.api, path, Some(&t)).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn services_carry_integrations_urgency_rules_and_support_hours() {
    let sb = start(&[]);
    let t = admin_token(&sb).await;
    let v = get(&sb.api, "/services?limit=100", Some(&t)).await.json();
    let rows = v["services"].as_array().unwrap();
    assert!(rows
        .iter()
        .any(|s| !s["integrations"].as_array().unwrap().is_empty()));
    assert!(rows
        .iter()
        .any(|s| s["integrations"].as_array().unwrap().is_empty()));
    for s in rows {
        for i in s["integrations"].as_array().unwrap() {
            assert!(i["type"]
                .as_str()
                .unwrap()
                .ends_with("_integration_reference"));
        }
        let rule = &s["incident_urgency_rule"];
        match rule["type"].as_str().unwrap() {
            "constant" => assert!(s["support_hours"].is_null()),
            "use_support_hours" => {
                assert_eq!(s["support_hours"]["type"], "fixed_time_per_day");
                assert!(rule["during_support_hours"]["urgency"].is_string());
            }
            other => panic!("{other}"),
        }
    }
    assert!(rows
        .iter()
        .any(|s| s["incident_urgency_rule"]["type"] == "use_support_hours"));
    let v = get(
        &sb.api,
        "/services?limit=100&include[]=integrations",
        Some(&t),
    )
    .await
    .json();
    let full = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["integrations"].as_array().unwrap().clone())
        .next()
        .unwrap();
    assert!(full["type"].as_str().unwrap().ends_with("_integration"));
    assert!(full["name"].is_string() && full["service"]["type"] == "service_reference");
}
