//! PagerDuty's timing (reference §8, §12.1, §12.4, §4.8): writes that lists show late, user
//! creates that fail on the account lock, and 429s without headers or body.
mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use std::time::Duration;

const ADMIN: &str = "admin@example.com";

fn ids(r: &Resp, key: &str) -> Vec<String> {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn lists_and_searches_show_writes_after_the_visibility_lag() {
    let sb = start(&["--visibility-lag-ms", "5000"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let ep = sb.shared.data().policies[0].id.clone();

    // A service: the GET by id finds it at once; the list and `query` only after the lag.
    let r = send_json(
        &sb.api,
        "POST",
        "/services",
        &t,
        Some(json!({"service": {"type": "service", "name": "Laggard",
            "escalation_policy": {"id": ep, "type": "escalation_policy_reference"}}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sid = r.json()["service"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        get(&sb.api, &format!("/services/{sid}"), Some(&t))
            .await
            .status,
        StatusCode::OK
    );
    let search = "/services?query=laggard";
    assert!(ids(&get(&sb.api, search, Some(&t)).await, "services").is_empty());
    assert!(ids(
        &get(&sb.api, "/services?name=Laggard", Some(&t)).await,
        "services"
    )
    .is_empty());

    // A user.
    let r = send_json(
        &sb.api,
        "POST",
        "/users",
        &t,
        Some(json!({"user": {"type": "user", "name": "Lagging Person", "email": "lag@x.io"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let uid = r.json()["user"]["id"].as_str().unwrap().to_string();
    assert!(ids(
        &get(&sb.api, "/users?query=lag%40x.io", Some(&t)).await,
        "users"
    )
    .is_empty());
    assert_eq!(
        get(&sb.api, &format!("/users/{uid}"), Some(&t))
            .await
            .status,
        StatusCode::OK
    );

    // An integration on a seeded service: its GET at once, the service's list later.
    let seeded = sb.shared.data().services[1].id.clone();
    let r = send_json(
        &sb.api,
        "POST",
        &format!("/services/{seeded}/integrations"),
        &t,
        Some(json!({"integration": {"type": "events_api_v2_inbound_integration", "name": "Late"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let iid = r.json()["integration"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        get(
            &sb.api,
            &format!("/services/{seeded}/integrations/{iid}"),
            Some(&t)
        )
        .await
        .status,
        StatusCode::OK
    );
    let listed = |r: &Resp| {
        r.json()["service"]["integrations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == iid.as_str())
    };
    let with_integrations = format!("/services/{seeded}?include[]=integrations");
    assert!(!listed(&get(&sb.api, &with_integrations, Some(&t)).await));

    // A team member.
    let team = sb.shared.data().teams[3].id.clone();
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/teams/{team}/users/{uid}"),
        &t,
        Some(json!({"role": "responder"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let members = format!("/teams/{team}/members?limit=100");
    let member_ids = |r: &Resp| -> Vec<String> {
        r.json()["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["user"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!member_ids(&get(&sb.api, &members, Some(&t)).await).contains(&uid));

    sb.shared.advance(Duration::from_millis(5000));
    assert_eq!(
        ids(&get(&sb.api, search, Some(&t)).await, "services"),
        vec![sid.clone()]
    );
    assert_eq!(
        ids(
            &get(&sb.api, "/users?query=lag%40x.io", Some(&t)).await,
            "users"
        ),
        vec![uid.clone()]
    );
    assert!(listed(&get(&sb.api, &with_integrations, Some(&t)).await));
    assert!(member_ids(&get(&sb.api, &members, Some(&t)).await).contains(&uid));
}

#[tokio::test]
async fn without_a_lag_writes_are_listed_at_once() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let r = send_json(
        &sb.api,
        "POST",
        "/users",
        &t,
        Some(json!({"user": {"type": "user", "name": "Prompt", "email": "prompt@x.io"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        ids(
            &get(&sb.api, "/users?query=prompt%40x.io", Some(&t)).await,
            "users"
        )
        .len(),
        1
    );
}

async fn create_user(sb: &Sb, t: &str, k: usize) -> Resp {
    let body = json!({"user": {"type": "user", "name": format!("Parallel {k}"), "email": format!("p{k}@x.io")}});
    send_json(&sb.api, "POST", "/users", t, Some(body)).await
}

#[tokio::test]
async fn concurrent_user_creates_fail_on_the_account_lock() {
    let sb = start(&["--lock-contention", "1"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (a, b) = tokio::join!(create_user(&sb, &t, 1), create_user(&sb, &t, 2));
    let (ok, locked) = if a.status == StatusCode::CREATED {
        (a, b)
    } else {
        (b, a)
    };
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    assert_eq!(locked.status, StatusCode::BAD_REQUEST, "{}", locked.body);
    let e = locked.json();
    assert_eq!(e["error"]["code"], 2001);
    assert!(
        e["error"]["errors"][0]
            .as_str()
            .unwrap()
            .contains("could not be locked"),
        "{e}"
    );
    assert_eq!(sb.shared.data().users.len(), 121);
    // One at a time, creates succeed.
    assert_eq!(create_user(&sb, &t, 3).await.status, StatusCode::CREATED);
    assert_eq!(create_user(&sb, &t, 4).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn without_lock_contention_concurrent_creates_succeed() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (a, b) = tokio::join!(create_user(&sb, &t, 1), create_user(&sb, &t, 2));
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
}

#[tokio::test]
async fn a_bare_429_has_no_headers_and_no_body() {
    let sb = start(&["--bare-429-rate", "1"]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let r = get(&sb.api, "/services", Some(&t)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.is_empty(), "{}", r.body);
    for h in [
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "content-type",
        "retry-after",
    ] {
        assert!(r.header(h).is_none(), "{h}");
    }
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    assert_eq!(
        get(&sb.api, "/services", Some(&t)).await.status,
        StatusCode::OK
    );
}
