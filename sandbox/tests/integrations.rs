//! Integrations on a service (reference §11): `POST /services/{id}/integrations`,
//! `GET /services/{id}/integrations/{integration_id}`, `include[]=integrations` on services,
//! the integration key, and names that are not unique.
mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};

const ADMIN: &str = "admin@example.com";

/// PagerDuty's spec example (`examples/create-integration-events-v2-request.json`) for `sid`.
fn events_v2(sid: &str, name: &str) -> Value {
    json!({"integration": {"type": "events_api_v2_inbound_integration", "name": name,
        "service": {"id": sid, "type": "service_reference"}}})
}

fn is_key(v: &Value) -> bool {
    v.as_str().is_some_and(|k| {
        k.len() == 32
            && k.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
    })
}

/// A service the restricted responder cannot see, and one they can.
fn service_ids(sb: &Sb) -> (String, String) {
    let data = sb.shared.data();
    let responder = data.user_by_email("responder@example.com").unwrap().clone();
    let hidden = data
        .services
        .iter()
        .find(|s| !data.can_see_service(&responder, s))
        .unwrap();
    let seen = data
        .services
        .iter()
        .find(|s| data.can_see_service(&responder, s))
        .unwrap();
    (hidden.id.clone(), seen.id.clone())
}

async fn create(sb: &Sb, t: &str, sid: &str, name: &str) -> Resp {
    send_json(
        &sb.api,
        "POST",
        &format!("/services/{sid}/integrations"),
        t,
        Some(events_v2(sid, name)),
    )
    .await
}

#[tokio::test]
async fn an_events_v2_integration_is_created_and_its_key_read_back() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (sid, _) = service_ids(&sb);
    let r = create(&sb, &t, &sid, "Events V2").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let i = r.json()["integration"].clone();
    let iid = i["id"].as_str().unwrap().to_string();
    assert!(iid.starts_with('P') && iid.len() == 7, "{iid}");
    assert_eq!(i["type"], "events_api_v2_inbound_integration");
    assert_eq!(i["name"], "Events V2");
    assert_eq!(i["summary"], "Events V2");
    assert!(i["self"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/services/{sid}/integrations/{iid}")));
    assert_eq!(
        i["html_url"],
        format!("https://sandbox.pagerduty.com/services/{sid}/integrations/{iid}")
    );
    assert_eq!(i["service"]["id"], sid.as_str());
    assert_eq!(i["service"]["type"], "service_reference");
    assert!(i["created_at"].as_str().unwrap().ends_with('Z'));
    // Whether the 201 carries the key is unknown: by default it does not.
    assert!(i.get("integration_key").is_none(), "{i}");

    let path = format!("/services/{sid}/integrations/{iid}");
    let r = get(&sb.api, &path, Some(&t)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let got = r.json()["integration"].clone();
    assert!(is_key(&got["integration_key"]), "{got}");
    assert_eq!(got["id"], iid.as_str());
    assert_eq!(got["created_at"], i["created_at"]);
    let key = got["integration_key"].clone();
    assert_eq!(
        get(&sb.api, &path, Some(&t)).await.json()["integration"]["integration_key"],
        key,
        "the key does not change"
    );

    // A retried create makes a second integration with a second key, as on PagerDuty.
    let r = create(&sb, &t, &sid, "Events V2").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let second = r.json()["integration"]["id"].as_str().unwrap().to_string();
    assert_ne!(second, iid);
    let v = get(
        &sb.api,
        &format!("/services/{sid}?include[]=integrations"),
        Some(&t),
    )
    .await
    .json();
    let mine: Vec<&Value> = v["service"]["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["name"] == "Events V2")
        .collect();
    assert_eq!(mine.len(), 2, "{v}");
    assert!(mine.iter().all(|i| is_key(&i["integration_key"])));
    assert_ne!(mine[0]["integration_key"], mine[1]["integration_key"]);
    // The list carries them too, with include[]=integrations only.
    let v = get(
        &sb.api,
        &format!(
            "/services?include[]=integrations&name={}",
            urlencode(&v["service"]["name"])
        ),
        Some(&t),
    )
    .await
    .json();
    let listed = v["services"][0]["integrations"].as_array().unwrap().clone();
    assert!(listed.iter().any(|i| i["integration_key"] == key));
    let v = get(&sb.api, &format!("/services/{sid}"), Some(&t))
        .await
        .json();
    for i in v["service"]["integrations"].as_array().unwrap() {
        assert!(i["type"].as_str().unwrap().ends_with("_reference"));
        assert!(i.get("integration_key").is_none(), "references only: {i}");
    }
}

fn urlencode(v: &Value) -> String {
    form_urlencoded::byte_serialize(v.as_str().unwrap().as_bytes()).collect()
}

#[tokio::test]
async fn integration_key_on_create_shows_it_on_the_201() {
    let sb = start(&["--integration-key-on-create"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (sid, _) = service_ids(&sb);
    let r = create(&sb, &t, &sid, "Alerts").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let i = r.json()["integration"].clone();
    assert!(is_key(&i["integration_key"]), "{i}");
    let got = get(
        &sb.api,
        &format!("/services/{sid}/integrations/{}", i["id"].as_str().unwrap()),
        Some(&t),
    )
    .await
    .json();
    assert_eq!(got["integration"]["integration_key"], i["integration_key"]);
}

#[tokio::test]
async fn seeded_integrations_have_keys_or_addresses() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let v = get(
        &sb.api,
        "/services?limit=100&include[]=integrations",
        Some(&t),
    )
    .await
    .json();
    let all: Vec<Value> = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["integrations"].as_array().unwrap().clone())
        .collect();
    let events: Vec<&Value> = all
        .iter()
        .filter(|i| i["type"] == "events_api_v2_inbound_integration")
        .collect();
    assert!(!events.is_empty());
    assert!(events.iter().all(|i| is_key(&i["integration_key"])));
    let email = all
        .iter()
        .find(|i| i["type"] == "generic_email_inbound_integration")
        .unwrap();
    assert!(email.get("integration_key").is_none());
    assert!(email["integration_email"]
        .as_str()
        .unwrap()
        .ends_with("@sandbox.pagerduty.com"));
    // One read of a seeded integration, with its service in full.
    let s = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| !s["integrations"].as_array().unwrap().is_empty())
        .unwrap();
    let path = format!(
        "/services/{}/integrations/{}?include[]=services",
        s["id"].as_str().unwrap(),
        s["integrations"][0]["id"].as_str().unwrap()
    );
    let r = get(&sb.api, &path, Some(&t)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let i = r.json()["integration"].clone();
    assert_eq!(i["service"]["type"], "service");
    assert_eq!(i["service"]["name"], s["name"]);
    assert_eq!(i, {
        let mut want = s["integrations"][0].clone();
        want["service"] = i["service"].clone();
        want
    });
}

#[tokio::test]
async fn integration_writes_are_checked() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (sid, _) = service_ids(&sb);
    let post = |body: Value| {
        let (sb, t, sid) = (&sb, t.clone(), sid.clone());
        async move {
            send_json(
                &sb.api,
                "POST",
                &format!("/services/{sid}/integrations"),
                &t,
                Some(body),
            )
            .await
        }
    };
    let invalid = |r: Resp, detail: &str| {
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{detail}: {}", r.body);
        assert_eq!(
            r.json(),
            json!({"error": {"message": "Invalid Input Provided", "code": 2001, "errors": [detail]}})
        );
    };
    invalid(
        post(json!({"integration": {"type": "events_api_v2_inbound_integration"}})).await,
        "Name can't be blank",
    );
    invalid(
        post(json!({"integration": {"name": "X"}})).await,
        "Type can't be blank",
    );
    invalid(
        post(json!({"integration": {"name": "X", "type": "pager_inbound_integration"}})).await,
        "Type is not a valid integration type",
    );
    invalid(post(json!({"name": "X"})).await, "integration is required.");
    let r = create(&sb, &t, "PNOSUCH", "X").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // The service's path wins over the body's service reference.
    let r = post(events_v2("PNOSUCH", "Mine")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["integration"]["service"]["id"], sid.as_str());
    // An integration is read under its own service only.
    let iid = r.json()["integration"]["id"].as_str().unwrap().to_string();
    let other = {
        let data = sb.shared.data();
        let s = data.services.iter().find(|s| s.id != sid).unwrap();
        s.id.clone()
    };
    for path in [
        format!("/services/{other}/integrations/{iid}"),
        format!("/services/{sid}/integrations/PNOSUCH"),
        format!("/services/PNOSUCH/integrations/{iid}"),
    ] {
        let r = get(&sb.api, &path, Some(&t)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
    }
}

#[tokio::test]
async fn integrations_need_service_scopes_and_rights() {
    let sb = start(&[
        "--app-type",
        "scoped",
        "--client-secret",
        SECRET,
        "--app-scopes",
        "services.read services.write",
    ]);
    let token = |scope: &'static str| {
        let sb = &sb;
        async move {
            token_for(sb, ADMIN, scope, &[("client_secret", SECRET)]).await["access_token"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let read = token("services.read").await;
    let write = token("services.write").await;
    let (sid, _) = service_ids(&sb);
    let r = create(&sb, &read, &sid, "X").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"]["required_scopes"], "services.write");
    let r = create(&sb, &write, &sid, "X").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let path = format!(
        "/services/{sid}/integrations/{}",
        r.json()["integration"]["id"].as_str().unwrap()
    );
    let r = get(&sb.api, &path, Some(&write)).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "write grants no read: {}",
        r.body
    );
    assert_eq!(r.json()["error"]["required_scopes"], "services.read");
    assert_eq!(
        get(&sb.api, &path, Some(&read)).await.status,
        StatusCode::OK
    );

    // Classic: `read` cannot write; a Responder may not change services; a restricted user
    // does not see other teams' services.
    let sb = start(&[]);
    let (hidden, seen) = service_ids(&sb);
    let read = access_token(&sb, ADMIN, "read", &[]).await;
    let r = create(&sb, &read, &hidden, "X").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let limited = access_token(&sb, "limited@example.com", "write", &[]).await;
    let r = create(&sb, &limited, &hidden, "X").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], 2010);
    let admin = access_token(&sb, ADMIN, "write", &[]).await;
    let mut paths = Vec::new();
    for sid in [&hidden, &seen] {
        let r = create(&sb, &admin, sid, "Events V2").await;
        let iid = r.json()["integration"]["id"].as_str().unwrap().to_string();
        paths.push(format!("/services/{sid}/integrations/{iid}"));
    }
    let responder = access_token(&sb, "responder@example.com", "read", &[]).await;
    let r = get(&sb.api, &paths[0], Some(&responder)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = get(&sb.api, &paths[1], Some(&responder)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_new_service_refuses_integrations_for_integration_create_lag_ms() {
    let sb = start(&["--integration-create-lag-ms", "60000"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let policy = sb.shared.data().policies[0].id.clone();
    let r = send_json(
        &sb.api,
        "POST",
        "/services",
        &t,
        Some(json!({"service": {"type": "service", "name": "Fresh",
            "escalation_policy": {"id": policy, "type": "escalation_policy_reference"}}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sid = r.json()["service"]["id"].as_str().unwrap().to_string();
    let r = create(&sb, &t, &sid, "Events API v2").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // A service made before is not held back.
    let (old, _) = service_ids(&sb);
    assert_eq!(create(&sb, &t, &old, "x").await.status, StatusCode::CREATED);
    // A minute later it takes one.
    sb.shared.advance(std::time::Duration::from_secs(61));
    let r = create(&sb, &t, &sid, "Events API v2").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}
