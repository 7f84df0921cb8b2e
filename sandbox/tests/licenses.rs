//! Licenses (reference §12.1, §10.7): `GET /licenses`, `GET /license_allocations`,
//! `GET /users/{id}/license`, and `--licenses N` Full User licenses, past which a create or a
//! role change answers PagerDuty's "License is not available".
mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};

const ADMIN: &str = "admin@example.com";
const FULL_ROLES: [&str; 6] = [
    "owner",
    "admin",
    "user",
    "limited_user",
    "observer",
    "restricted_access",
];

/// Every row of a classic-paged list.
async fn walk(sb: &Sb, t: &str, path: &str, key: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let r = get(
            &sb.api,
            &format!("{path}{sep}limit=100&offset={}", rows.len()),
            Some(t),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let v = r.json();
        rows.extend(v[key].as_array().unwrap().iter().cloned());
        if v["more"] == false {
            return rows;
        }
    }
}

/// How many users hold a Full User license (any role but the two stakeholder roles).
async fn full_users(sb: &Sb, t: &str) -> u64 {
    walk(sb, t, "/users", "users")
        .await
        .iter()
        .filter(|u| FULL_ROLES.contains(&u["role"].as_str().unwrap()))
        .count() as u64
}

fn license_not_available(r: &Resp) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"error": {"message": "Invalid Input Provided", "code": 2001,
            "errors": ["License is not available"]}})
    );
}

fn new_user(email: &str, role: &str) -> Value {
    json!({"user": {"type": "user", "name": "New Person", "email": email, "role": role}})
}

#[tokio::test]
async fn licenses_are_listed_with_their_counts_and_roles() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let full = full_users(&sb, &t).await;
    let r = get(&sb.api, "/licenses", Some(&t)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert!(v.get("limit").is_none(), "no paging fields: {v}");
    let list = v["licenses"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let (f, s) = (&list[0], &list[1]);
    assert_eq!(f["role_group"], "FullUser");
    assert_eq!(f["type"], "license");
    assert!(f["self"].is_null() && f["html_url"].is_null());
    assert_eq!(f["summary"], f["name"]);
    assert_eq!(f["valid_roles"], json!(FULL_ROLES));
    assert_eq!(f["current_value"], full);
    // Without --licenses the account has a generous number: creates never run out.
    assert_eq!(f["allocations_available"], 1_000_000 - full);
    assert_eq!(s["role_group"], "Stakeholder");
    assert_eq!(
        s["valid_roles"],
        json!(["read_only_user", "read_only_limited_user"])
    );
    assert_eq!(s["current_value"], 120 - full);
    assert!(f["id"].as_str().unwrap().starts_with('P'));
    assert_ne!(f["id"], s["id"]);

    let sb = start(&["--licenses", "200"]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let full = full_users(&sb, &t).await;
    let v = get(&sb.api, "/licenses", Some(&t)).await.json();
    assert_eq!(v["licenses"][0]["allocations_available"], 200 - full);
    let sb = start(&["--licenses", "1"]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let v = get(&sb.api, "/licenses", Some(&t)).await.json();
    assert_eq!(
        v["licenses"][0]["allocations_available"], 0,
        "never negative"
    );
}

#[tokio::test]
async fn allocations_name_every_user_with_the_license_of_their_role() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let v = get(&sb.api, "/license_allocations?total=true&limit=7", Some(&t))
        .await
        .json();
    assert_eq!(v["total"], 120);
    assert_eq!(v["limit"], 7);
    assert_eq!(v["more"], true);
    let licenses = get(&sb.api, "/licenses", Some(&t)).await.json()["licenses"].clone();
    let users = walk(&sb, &t, "/users", "users").await;
    let rows = walk(&sb, &t, "/license_allocations", "license_allocations").await;
    assert_eq!(rows.len(), 120);
    for (a, u) in rows.iter().zip(&users) {
        assert_eq!(a["user"]["id"], u["id"]);
        assert_eq!(a["user"]["type"], "user_reference");
        let want = if FULL_ROLES.contains(&u["role"].as_str().unwrap()) {
            &licenses[0]
        } else {
            &licenses[1]
        };
        assert_eq!(a["license"]["id"], want["id"]);
        assert_eq!(a["license"]["role_group"], want["role_group"]);
        assert_eq!(a["license"]["valid_roles"], want["valid_roles"]);
        assert!(a["license"].get("current_value").is_none());
        let at = a["allocated_at"].as_str().unwrap();
        assert!(at.len() >= 20 && at.contains('T'), "{at}");
    }
    let uid = users[5]["id"].as_str().unwrap();
    let r = get(&sb.api, &format!("/users/{uid}/license"), Some(&t)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["license"]["id"], rows[5]["license"]["id"]);
    let r = get(&sb.api, "/users/PNOSUCH/license", Some(&t)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn license_reads_need_licenses_read_and_allocations_an_admin() {
    let sb = start(&[
        "--app-type",
        "scoped",
        "--client-secret",
        SECRET,
        "--app-scopes",
        "users.read licenses.read",
    ]);
    let scoped = |scope: &'static str| {
        let sb = &sb;
        async move {
            token_for(sb, ADMIN, scope, &[("client_secret", SECRET)]).await["access_token"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let without = scoped("users.read").await;
    let with = scoped("licenses.read").await;
    let admin_id = sb.shared.data().user_by_email(ADMIN).unwrap().id.clone();
    for path in [
        "/licenses".to_string(),
        "/license_allocations".to_string(),
        format!("/users/{admin_id}/license"),
    ] {
        let r = get(&sb.api, &path, Some(&without)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
        assert_eq!(r.json()["error"]["required_scopes"], "licenses.read");
        let r = get(&sb.api, &path, Some(&with)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    // An Observer was refused license allocations (terraform-provider-pagerduty #770); the
    // licenses themselves and their own allocation stay readable.
    let sb = start(&[]);
    let t = access_token(&sb, "observer@example.com", "read", &[]).await;
    let me = sb
        .shared
        .data()
        .user_by_email("observer@example.com")
        .unwrap()
        .id
        .clone();
    assert_eq!(
        get(&sb.api, "/licenses", Some(&t)).await.status,
        StatusCode::OK
    );
    let own = get(&sb.api, &format!("/users/{me}/license"), Some(&t)).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let r = get(&sb.api, "/license_allocations", Some(&t)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"error": {"message": "Cannot read license allocations"}})
    );
    let r = get(&sb.api, &format!("/users/{admin_id}/license"), Some(&t)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn creates_and_role_changes_past_the_licenses_are_refused() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let full = full_users(&sb, &t).await;
    drop(sb);
    let n = full.to_string();
    let sb = start(&["--licenses", &n]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let post = |email: &'static str, role: &'static str| {
        let (sb, t) = (&sb, t.clone());
        async move { send_json(&sb.api, "POST", "/users", &t, Some(new_user(email, role))).await }
    };
    // Every Full User license is taken: a new responder (or the default role) is refused.
    license_not_available(&post("a@example.org", "limited_user").await);
    let r = send_json(
        &sb.api,
        "POST",
        "/users",
        &t,
        Some(json!({"user": {"type": "user", "name": "N", "email": "b@example.org"}})),
    )
    .await;
    license_not_available(&r);
    // A stakeholder takes a Stakeholder license.
    let r = post("c@example.org", "read_only_user").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let stakeholder = r.json()["user"]["id"].as_str().unwrap().to_string();
    let put = |id: String, body: Value| {
        let (sb, t) = (&sb, t.clone());
        async move {
            send_json(
                &sb.api,
                "PUT",
                &format!("/users/{id}"),
                &t,
                Some(json!({ "user": body })),
            )
            .await
        }
    };
    // Stakeholder to responder needs a Full User license: refused.
    license_not_available(&put(stakeholder.clone(), json!({"role": "limited_user"})).await);
    // A change between Full User roles takes no new license.
    let someone = {
        let data = sb.shared.data();
        data.users
            .iter()
            .find(|u| u.role == "limited_user")
            .unwrap()
            .id
            .clone()
    };
    let r = put(someone.clone(), json!({"role": "user"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Only a stakeholder role frees one; then the stakeholder can take it.
    let r = put(someone.clone(), json!({"role": "read_only_limited_user"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = get(&sb.api, "/licenses", Some(&t)).await.json();
    assert_eq!(v["licenses"][0]["allocations_available"], 1);
    let r = put(stakeholder.clone(), json!({"role": "limited_user"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    license_not_available(&put(someone.clone(), json!({"role": "user"})).await);
    // Deleting a Full User frees their license.
    let r = send_json(
        &sb.api,
        "DELETE",
        &format!("/users/{stakeholder}"),
        &t,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = post("d@example.org", "limited_user").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn a_license_sent_must_fit_the_role() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let v = get(&sb.api, "/licenses", Some(&t)).await.json();
    let full_id = v["licenses"][0]["id"].as_str().unwrap().to_string();
    let stake_id = v["licenses"][1]["id"].as_str().unwrap().to_string();
    let with = |email: &str, role: &str, license: &str| {
        json!({"user": {"type": "user", "name": "L", "email": email, "role": role,
            "license": {"id": license, "type": "license_reference"}}})
    };
    let r = send_json(
        &sb.api,
        "POST",
        "/users",
        &t,
        Some(with("e@example.org", "limited_user", &full_id)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = send_json(
        &sb.api,
        "POST",
        "/users",
        &t,
        Some(with("f@example.org", "limited_user", &stake_id)),
    )
    .await;
    license_not_available(&r);
    // A stakeholder made a responder while the old Stakeholder license is sent back: refused
    // (terraform-provider-pagerduty #715), without it: fine.
    let r = send_json(
        &sb.api,
        "POST",
        "/users",
        &t,
        Some(with("g@example.org", "read_only_user", &stake_id)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["user"]["id"].as_str().unwrap().to_string();
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/users/{id}"),
        &t,
        Some(json!({"user": {"role": "limited_user",
            "license": {"id": stake_id, "type": "license_reference"}}})),
    )
    .await;
    license_not_available(&r);
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/users/{id}"),
        &t,
        Some(json!({"user": {"role": "limited_user"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
