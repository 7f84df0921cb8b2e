//! The REST API's writes: users, contact methods, notification rules (reference §8).
mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};

const ADMIN: &str = "admin@example.com";

fn new_user(name: &str, email: &str) -> Value {
    json!({"user": {"type": "user", "name": name, "email": email}})
}

async fn users_total(sb: &Sb, t: &str) -> u64 {
    let r = get(&sb.api, "/users?total=true&limit=1", Some(t)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["total"].as_u64().unwrap()
}

fn invalid_input(r: &Resp, detail: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{detail}: {}", r.body);
    assert_eq!(
        r.json(),
        json!({"error": {"message": "Invalid Input Provided", "code": 2001, "errors": [detail]}}),
        "{detail}"
    );
}

fn missing_scope(r: &Resp, scope: &str) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let e = r.json();
    assert_eq!(e["error"]["message"], "Token missing required scopes");
    assert_eq!(e["error"]["required_scopes"], scope);
}

/// Creates a user as the admin (Classic `write`) and returns its id.
async fn create(sb: &Sb, t: &str, name: &str, email: &str) -> String {
    let r = send_json(&sb.api, "POST", "/users", t, Some(new_user(name, email))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["user"]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn admin_creates_a_user_with_default_contact_method_and_rule() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    assert_eq!(users_total(&sb, &t).await, 120);
    let body = json!({"user": {
        "type": "user", "name": "Earline Greenholt", "email": "earline@example.org",
        "time_zone": "America/Lima", "color": "green", "role": "limited_user",
        "job_title": "Director of Engineering", "description": "I'm the boss",
    }});
    let r = send_json(&sb.api, "POST", "/users", &t, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let u = r.json()["user"].clone();
    assert_eq!(u["type"], "user");
    assert_eq!(u["name"], "Earline Greenholt");
    assert_eq!(u["email"], "earline@example.org");
    assert_eq!(u["role"], "limited_user");
    assert_eq!(u["time_zone"], "America/Lima");
    assert_eq!(u["invitation_sent"], true);
    assert_eq!(u["contact_methods"][0]["summary"], "Default");
    assert_eq!(
        u["contact_methods"][0]["type"],
        "email_contact_method_reference"
    );
    assert_eq!(u["notification_rules"][0]["summary"], "Default");
    let id = u["id"].as_str().unwrap();
    assert_eq!(users_total(&sb, &t).await, 121);
    let got = get(&sb.api, &format!("/users/{id}"), Some(&t)).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json()["user"]["email"], "earline@example.org");
    let cms = get(&sb.api, &format!("/users/{id}/contact_methods"), Some(&t))
        .await
        .json();
    assert_eq!(cms["contact_methods"][0]["address"], "earline@example.org");
    assert_eq!(cms["contact_methods"][0]["label"], "Default");
    // The new person can sign in.
    access_token(&sb, "earline@example.org", "read", &[]).await;
}

#[tokio::test]
async fn classic_read_cannot_write_classic_write_can() {
    let sb = start(&[]);
    let read = access_token(&sb, ADMIN, "read", &[]).await;
    let r = send_json(
        &sb.api,
        "POST",
        "/users",
        &read,
        Some(new_user("A", "a@x.io")),
    )
    .await;
    missing_scope(&r, "users.write");
    let id = sb.shared.data().users[5].id.clone();
    let r = send_json(&sb.api, "DELETE", &format!("/users/{id}"), &read, None).await;
    missing_scope(&r, "users.write");
    let write = access_token(&sb, ADMIN, "write", &[]).await;
    create(&sb, &write, "A", "a@x.io").await;
}

#[tokio::test]
async fn scoped_writes_need_the_write_scope_which_grants_no_read() {
    let sb = start(&[
        "--app-type",
        "scoped",
        "--client-secret",
        SECRET,
        "--app-scopes",
        "users.read users.write users:contact_methods.write",
    ]);
    let secret = [("client_secret", SECRET)];
    let w = access_token(&sb, ADMIN, "users.write", &secret).await;
    let r = send_json(&sb.api, "POST", "/users", &w, Some(new_user("B", "b@x.io"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["user"]["id"].as_str().unwrap().to_string();
    missing_scope(&get(&sb.api, "/users", Some(&w)).await, "users.read");
    let cm = json!({"contact_method": {"type": "phone_contact_method", "label": "Work", "address": "5551234567", "country_code": 1}});
    let r = send_json(
        &sb.api,
        "POST",
        &format!("/users/{id}/contact_methods"),
        &w,
        Some(cm.clone()),
    )
    .await;
    missing_scope(&r, "users:contact_methods.write");
    let rd = access_token(&sb, ADMIN, "users.read", &secret).await;
    let r = send_json(
        &sb.api,
        "POST",
        "/users",
        &rd,
        Some(new_user("C", "c@x.io")),
    )
    .await;
    missing_scope(&r, "users.write");
    let cmw = access_token(&sb, ADMIN, "users:contact_methods.write", &secret).await;
    let r = send_json(
        &sb.api,
        "POST",
        &format!("/users/{id}/contact_methods"),
        &cmw,
        Some(cm),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn only_owners_and_admins_manage_users_whatever_the_scopes() {
    let sb = start(&[]);
    let target = sb.shared.data().user_by_email(ADMIN).unwrap().id.clone();
    for who in [
        "user@example.com",
        "limited@example.com",
        "observer@example.com",
        "stakeholder@example.com",
        "responder@example.com",
    ] {
        let t = access_token(&sb, who, "write", &[]).await;
        let r = send_json(&sb.api, "POST", "/users", &t, Some(new_user("D", "d@x.io"))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body);
        assert_eq!(
            r.json(),
            json!({"error": {"message": "Access Denied", "code": 2010}})
        );
        let r = send_json(
            &sb.api,
            "PUT",
            &format!("/users/{target}"),
            &t,
            Some(json!({"user": {"name": "X"}})),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        let r = send_json(&sb.api, "DELETE", &format!("/users/{target}"), &t, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    let owner = access_token(&sb, "owner@example.com", "write", &[]).await;
    create(&sb, &owner, "E", "e@x.io").await;
    assert_eq!(sb.shared.data().users.len(), 121);
}

#[tokio::test]
async fn user_validation_answers_pagerdutys_2001_texts() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let long = "n".repeat(101);
    let cases = [
        (
            json!({"type": "user", "email": "f@x.io"}),
            "Name can't be blank",
        ),
        (json!({"type": "user", "name": "F"}), "Email can't be blank"),
        (
            json!({"type": "user", "name": long, "email": "f@x.io"}),
            "Name is too long (maximum is 100 characters)",
        ),
        (
            json!({"type": "user", "name": "F", "email": "not-an-email"}),
            "Email is invalid",
        ),
        (
            json!({"type": "user", "name": "F", "email": "f @x.io"}),
            "Email is invalid",
        ),
        (
            json!({"type": "user", "name": "F", "email": "ADMIN@example.com"}),
            "Email has already been taken",
        ),
        (
            json!({"type": "user", "name": "F", "email": "f@x.io", "role": "owner"}),
            "Role owner is not a valid role",
        ),
        (
            json!({"type": "user", "name": "F", "email": "f@x.io", "role": "wizard"}),
            "Role wizard is not a valid role",
        ),
        (
            json!({"type": "user", "name": "F", "email": "f@x.io", "time_zone": "Mars/Olympus"}),
            "Time zone is not a valid time zone",
        ),
    ];
    for (user, detail) in cases {
        let r = send_json(&sb.api, "POST", "/users", &t, Some(json!({ "user": user }))).await;
        invalid_input(&r, detail);
    }
    // A role the account lacks the ability for is PagerDuty's 402 (tests/refusals.rs).
    let observer =
        json!({"user": {"type": "user", "name": "F", "email": "f@x.io", "role": "observer"}});
    let r = send_json(&sb.api, "POST", "/users", &t, Some(observer)).await;
    assert_eq!(r.status, StatusCode::PAYMENT_REQUIRED, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], 2014);
    let r = send_json(&sb.api, "POST", "/users", &t, Some(json!({"nope": 1}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], 2001);
    let exactly_100 = "n".repeat(100);
    create(&sb, &t, &exactly_100, "f@x.io").await;
    assert_eq!(users_total(&sb, &t).await, 121);
}

#[tokio::test]
async fn put_and_delete_users() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let id = create(&sb, &t, "Gina", "gina@x.io").await;
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/users/{id}"),
        &t,
        Some(json!({"user": {"name": "Aaron Renamed", "role": "user", "job_title": "SRE"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let u = r.json()["user"].clone();
    assert_eq!(u["name"], "Aaron Renamed");
    assert_eq!(u["email"], "gina@x.io");
    assert_eq!(u["job_title"], "SRE");
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/users/{id}"),
        &t,
        Some(json!({"user": {"email": "user@example.com"}})),
    )
    .await;
    invalid_input(&r, "Email has already been taken");
    // Its own address is not taken by itself.
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/users/{id}"),
        &t,
        Some(json!({"user": {"email": "gina@x.io"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for (method, body) in [
        ("PUT", Some(json!({"user": {"name": "Z"}}))),
        ("DELETE", None),
    ] {
        let r = send_json(&sb.api, method, "/users/PNOSUCH", &t, body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method}");
        assert_eq!(r.json()["error"]["code"], 2100);
    }
    assert_eq!(users_total(&sb, &t).await, 121);
    let r = send_json(&sb.api, "DELETE", &format!("/users/{id}"), &t, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&sb.api, &format!("/users/{id}"), Some(&t)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(users_total(&sb, &t).await, 120);
    // Escalation policies still name existing users after the list moved.
    let eps = get(&sb.api, "/escalation_policies?limit=100", Some(&t))
        .await
        .json();
    for ep in eps["escalation_policies"].as_array().unwrap() {
        for target in ep["escalation_rules"][0]["targets"].as_array().unwrap() {
            let r = get(
                &sb.api,
                &format!("/users/{}", target["id"].as_str().unwrap()),
                Some(&t),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK);
        }
    }
}

fn phone(kind: &str, address: &str, cc: Value) -> Value {
    json!({"contact_method": {"type": kind, "label": "Mobile", "address": address, "country_code": cc}})
}

#[tokio::test]
async fn contact_methods_are_validated_and_limited() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let id = create(&sb, &t, "Hana", "hana@x.io").await;
    let path = format!("/users/{id}/contact_methods");
    let post = |body: Value| {
        let (sb, t, path) = (&sb, &t, &path);
        async move { send_json(&sb.api, "POST", path, t, Some(body)).await }
    };
    let r = post(phone("phone_contact_method", "5550000001", json!(1))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cm = r.json()["contact_method"].clone();
    assert_eq!(cm["type"], "phone_contact_method");
    assert_eq!(cm["address"], "5550000001");
    assert_eq!(cm["country_code"], 1);
    let r = post(phone("phone_contact_method", "5550000001", json!(1))).await;
    invalid_input(&r, "User Contact method must be unique");
    let r = post(json!({"contact_method": {"type": "email_contact_method", "label": "Work", "address": "hana@x.io"}})).await;
    invalid_input(&r, "User Contact method must be unique");
    for bad in ["05550000002", "1555000000", "555-000", "", &"5".repeat(41)] {
        let r = post(phone("sms_contact_method", bad, json!(1))).await;
        invalid_input(&r, "Address is invalid");
    }
    for cc in [json!(0), json!(2000), json!("1"), Value::Null] {
        let r = post(phone("phone_contact_method", "5550000002", cc)).await;
        invalid_input(&r, "Country code is invalid");
    }
    let r = post(json!({"contact_method": {"type": "email_contact_method", "label": "Work", "address": "nope"}})).await;
    invalid_input(&r, "Address is invalid");
    for n in 2..=3 {
        let r = post(phone(
            "phone_contact_method",
            &format!("555000000{n}"),
            json!(1),
        ))
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r = post(phone("phone_contact_method", "5550000004", json!(1))).await;
    invalid_input(&r, "User cannot have more than 3 phone contact methods");
    for n in 1..=3 {
        let r = post(phone(
            "sms_contact_method",
            &format!("555000000{n}"),
            json!(44),
        ))
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r = post(phone("sms_contact_method", "5550000009", json!(44))).await;
    invalid_input(&r, "User cannot have more than 3 SMS contact methods");
    for n in 1..=3 {
        let email = json!({"contact_method": {"type": "email_contact_method", "label": "Work", "address": format!("h{n}@x.io")}});
        assert_eq!(post(email).await.status, StatusCode::CREATED);
    }
    let email = json!({"contact_method": {"type": "email_contact_method", "label": "Work", "address": "h4@x.io"}});
    invalid_input(
        &post(email).await,
        "User cannot have more than 10 contact methods",
    );
    // Delete one: 204, gone from the list; unknown ids 404.
    let cm_id = cm["id"].as_str().unwrap();
    let r = send_json(&sb.api, "DELETE", &format!("{path}/{cm_id}"), &t, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let list = get(&sb.api, &path, Some(&t)).await.json();
    assert_eq!(list["contact_methods"].as_array().unwrap().len(), 9);
    let r = send_json(&sb.api, "DELETE", &format!("{path}/{cm_id}"), &t, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send_json(
        &sb.api,
        "POST",
        "/users/PNOSUCH/contact_methods",
        &t,
        Some(phone("phone_contact_method", "5550000001", json!(1))),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn people_manage_their_own_contact_methods_only() {
    let sb = start(&[]);
    let (me, other) = {
        let data = sb.shared.data();
        (
            data.user_by_email("limited@example.com")
                .unwrap()
                .id
                .clone(),
            data.user_by_email(ADMIN).unwrap().id.clone(),
        )
    };
    let t = access_token(&sb, "limited@example.com", "write", &[]).await;
    let body = phone("phone_contact_method", "5557654321", json!(49));
    let r = send_json(
        &sb.api,
        "POST",
        &format!("/users/{me}/contact_methods"),
        &t,
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = send_json(
        &sb.api,
        "POST",
        &format!("/users/{other}/contact_methods"),
        &t,
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn notification_rules_are_unique_per_contact_method_and_delay() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let id = create(&sb, &t, "Ivan", "ivan@x.io").await;
    let r = send_json(
        &sb.api,
        "POST",
        &format!("/users/{id}/contact_methods"),
        &t,
        Some(phone("phone_contact_method", "5551112222", json!(1))),
    )
    .await;
    let cm = r.json()["contact_method"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rule = |delay: u32, cm: &str| {
        json!({"notification_rule": {
            "type": "assignment_notification_rule", "start_delay_in_minutes": delay,
            "contact_method": {"id": cm, "type": "phone_contact_method"}, "urgency": "high",
        }})
    };
    let path = format!("/users/{id}/notification_rules");
    let r = send_json(&sb.api, "POST", &path, &t, Some(rule(3, &cm))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json()["notification_rule"].clone();
    assert_eq!(v["type"], "assignment_notification_rule");
    assert_eq!(v["start_delay_in_minutes"], 3);
    assert_eq!(v["contact_method"]["id"], cm.as_str());
    assert_eq!(v["urgency"], "high");
    let r = send_json(&sb.api, "POST", &path, &t, Some(rule(3, &cm))).await;
    invalid_input(
        &r,
        "Channel Start delay must be unique for a given contact method",
    );
    let r = send_json(&sb.api, "POST", &path, &t, Some(rule(0, "PNOSUCH"))).await;
    invalid_input(&r, "Contact method is invalid");
    let r = send_json(&sb.api, "POST", &path, &t, Some(rule(0, &cm))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let list = get(&sb.api, &path, Some(&t)).await.json();
    assert_eq!(list["notification_rules"].as_array().unwrap().len(), 3);
    // Deleting the contact method takes its rules with it.
    let r = send_json(
        &sb.api,
        "DELETE",
        &format!("/users/{id}/contact_methods/{cm}"),
        &t,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let list = get(&sb.api, &path, Some(&t)).await.json();
    assert_eq!(list["notification_rules"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn writes_count_against_the_rate_limit() {
    let sb = start(&["--rate-limit", "3"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    for n in 0..3 {
        let r = send_json(
            &sb.api,
            "POST",
            "/users",
            &t,
            Some(new_user("R", &format!("r{n}@x.io"))),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED);
        assert_eq!(
            r.header("ratelimit-remaining").as_deref(),
            Some(&*(2 - n).to_string())
        );
    }
    let r = send_json(
        &sb.api,
        "POST",
        "/users",
        &t,
        Some(new_user("R", "r9@x.io")),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        r.json(),
        json!({"error": {"message": "Rate Limit Exceeded", "code": 2020}})
    );
    assert_eq!(r.header("ratelimit-limit").as_deref(), Some("3"));
    assert!(sb.shared.data().user_by_email("r9@x.io").is_none());
}

#[tokio::test]
async fn fail_rate_fails_writes_before_applying_them() {
    let sb = start(&["--fail-rate", "1"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let r = send_json(&sb.api, "POST", "/users", &t, Some(new_user("S", "s@x.io"))).await;
    assert!(r.status.is_server_error(), "{}", r.status);
    assert!(sb.shared.data().user_by_email("s@x.io").is_none());
    assert_eq!(sb.shared.data().users.len(), 120);
}

#[tokio::test]
async fn a_lost_response_still_applied_the_write() {
    let sb = start(&["--lost-response-rate", "1"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let r = send_json(&sb.api, "POST", "/users", &t, Some(new_user("L", "l@x.io"))).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.body);
    // Reads are not lost: the user is there, and a blind retry is told the e-mail is taken.
    let v = get(&sb.api, "/users?query=l@x.io&total=true", Some(&t))
        .await
        .json();
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["users"][0]["email"], "l@x.io");
    assert_eq!(users_total(&sb, &t).await, 121);
    let r = send_json(&sb.api, "POST", "/users", &t, Some(new_user("L", "l@x.io"))).await;
    invalid_input(&r, "Email has already been taken");
}

#[test]
fn role_accounts_keep_the_seeded_counts() {
    let data = pd_sandbox::data::Dataset::generate(1, 10, 8);
    assert_eq!(data.users.len(), 8);
    for (role, email) in pd_sandbox::data::ROLE_EMAILS {
        let u = data
            .user_by_email(email)
            .unwrap_or_else(|| panic!("{email}"));
        assert_eq!(u.role, *role);
        assert_eq!(u.contact_methods[0].address, *email);
    }
    assert_eq!(
        pd_sandbox::data::Dataset::generate(1, 10, 2).users.len(),
        2,
        "two users: only the admin and the responder"
    );
}

#[tokio::test]
async fn teams_are_created_and_take_members_with_roles() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let team = json!({"team": {"type": "team", "name": "Onboarding", "description": "New people"}});
    let r = send_json(&sb.api, "POST", "/teams", &t, Some(team.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let tid = r.json()["team"]["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["team"]["name"], "Onboarding");
    invalid_input(
        &send_json(&sb.api, "POST", "/teams", &t, Some(team)).await,
        "Name has already been taken",
    );
    invalid_input(
        &send_json(
            &sb.api,
            "POST",
            "/teams",
            &t,
            Some(json!({"team": {"type": "team"}})),
        )
        .await,
        "Name can't be blank",
    );
    assert_eq!(
        get(&sb.api, &format!("/teams/{tid}"), Some(&t))
            .await
            .status,
        StatusCode::OK
    );
    let uid = create(&sb, &t, "Jun", "jun@x.io").await;
    let member = format!("/teams/{tid}/users/{uid}");
    let r = send_json(
        &sb.api,
        "PUT",
        &member,
        &t,
        Some(json!({"role": "observer"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let m = get(&sb.api, &format!("/teams/{tid}/members"), Some(&t))
        .await
        .json();
    assert_eq!(m["members"][0]["user"]["id"], uid.as_str());
    assert_eq!(m["members"][0]["role"], "observer");
    let r = send_json(
        &sb.api,
        "PUT",
        &member,
        &t,
        Some(json!({"role": "manager"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let m = get(&sb.api, &format!("/teams/{tid}/members"), Some(&t))
        .await
        .json();
    assert_eq!(m["members"].as_array().unwrap().len(), 1);
    assert_eq!(m["members"][0]["role"], "manager");
    invalid_input(
        &send_json(&sb.api, "PUT", &member, &t, Some(json!({"role": "boss"}))).await,
        "Role must be one of observer, responder, manager",
    );
    // A read_only_user cannot be on a team.
    let stakeholder = sb
        .shared
        .data()
        .user_by_email("stakeholder@example.com")
        .unwrap()
        .id
        .clone();
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/teams/{tid}/users/{stakeholder}"),
        &t,
        None,
    )
    .await;
    invalid_input(&r, "A read_only_user cannot be added to a team");
    for path in [
        format!("/teams/PNOSUCH/users/{uid}"),
        format!("/teams/{tid}/users/PNOSUCH"),
    ] {
        let r = send_json(&sb.api, "PUT", &path, &t, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    let r = send_json(&sb.api, "DELETE", &member, &t, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let m = get(&sb.api, &format!("/teams/{tid}/members"), Some(&t))
        .await
        .json();
    assert!(m["members"].as_array().unwrap().is_empty());
    assert_eq!(
        send_json(&sb.api, "DELETE", &member, &t, None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn team_and_service_writes_need_their_scopes_and_a_manager_role() {
    let sb = start(&[
        "--app-type",
        "scoped",
        "--client-secret",
        SECRET,
        "--app-scopes",
        "teams.read teams.write services.read services.write",
    ]);
    let secret = [("client_secret", SECRET)];
    let team = json!({"team": {"type": "team", "name": "T1"}});
    let read = access_token(&sb, ADMIN, "teams.read services.read", &secret).await;
    missing_scope(
        &send_json(&sb.api, "POST", "/teams", &read, Some(team.clone())).await,
        "teams.write",
    );
    let ep = sb.shared.data().policies[0].id.clone();
    let service = json!({"service": {"type": "service", "name": "S1",
        "escalation_policy": {"id": ep, "type": "escalation_policy_reference"}}});
    missing_scope(
        &send_json(&sb.api, "POST", "/services", &read, Some(service.clone())).await,
        "services.write",
    );
    let limited = access_token(
        &sb,
        "limited@example.com",
        "teams.write services.write",
        &secret,
    )
    .await;
    for (path, body) in [("/teams", team.clone()), ("/services", service.clone())] {
        let r = send_json(&sb.api, "POST", path, &limited, Some(body)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    }
    let user = access_token(
        &sb,
        "user@example.com",
        "teams.write services.write",
        &secret,
    )
    .await;
    for (path, body) in [("/teams", team), ("/services", service)] {
        let r = send_json(&sb.api, "POST", path, &user, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.body);
    }
}

#[tokio::test]
async fn services_need_a_policy_and_a_free_name_and_follow_the_policys_teams() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (ep, ep_teams, other_ep, taken) = {
        let data = sb.shared.data();
        let p = data
            .policies
            .iter()
            .position(|p| p.teams.len() == 1)
            .unwrap();
        let q = data
            .policies
            .iter()
            .position(|q| q.teams.is_empty())
            .unwrap();
        (
            data.policies[p].id.clone(),
            data.policies[p]
                .teams
                .iter()
                .map(|t| data.teams[*t].id.clone())
                .collect::<Vec<_>>(),
            data.policies[q].id.clone(),
            data.services[3].name.clone(),
        )
    };
    let body = |name: &str, ep: Option<&str>| {
        let mut s = json!({"type": "service", "name": name, "description": "New",
            "auto_resolve_timeout": null, "acknowledgement_timeout": 600});
        if let Some(ep) = ep {
            s["escalation_policy"] = json!({"id": ep, "type": "escalation_policy_reference"});
        }
        json!({ "service": s })
    };
    let before = get(&sb.api, "/services?total=true&limit=1", Some(&t))
        .await
        .json()["total"]
        .as_u64()
        .unwrap();
    let r = send_json(
        &sb.api,
        "POST",
        "/services",
        &t,
        Some(body("Onboarding API", Some(&ep))),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s = r.json()["service"].clone();
    let sid = s["id"].as_str().unwrap().to_string();
    assert_eq!(s["escalation_policy"]["id"], ep.as_str());
    let teams: Vec<&str> = s["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(teams, ep_teams);
    assert!(s["auto_resolve_timeout"].is_null());
    assert_eq!(s["acknowledgement_timeout"], 600);
    assert_eq!(s["status"], "active");
    let v = get(
        &sb.api,
        "/services?name=Onboarding%20API&total=true",
        Some(&t),
    )
    .await
    .json();
    assert_eq!(v["total"], 1);
    let after = get(&sb.api, "/services?total=true&limit=1", Some(&t))
        .await
        .json()["total"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before + 1);
    invalid_input(
        &send_json(
            &sb.api,
            "POST",
            "/services",
            &t,
            Some(body(&taken, Some(&ep))),
        )
        .await,
        "Name has already been taken",
    );
    invalid_input(
        &send_json(&sb.api, "POST", "/services", &t, Some(body("X", None))).await,
        "Escalation policy can't be blank",
    );
    invalid_input(
        &send_json(
            &sb.api,
            "POST",
            "/services",
            &t,
            Some(body("X", Some("PNOSUCH"))),
        )
        .await,
        "Escalation policy is invalid",
    );
    // A new policy brings its teams.
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/services/{sid}"),
        &t,
        Some(json!({"service": {"name": "Onboarding API v2",
            "escalation_policy": {"id": other_ep, "type": "escalation_policy_reference"}}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let s = r.json()["service"].clone();
    assert_eq!(s["name"], "Onboarding API v2");
    assert_eq!(s["description"], "New");
    assert!(s["teams"].as_array().unwrap().is_empty());
    invalid_input(
        &send_json(
            &sb.api,
            "PUT",
            &format!("/services/{sid}"),
            &t,
            Some(json!({"service": {"name": taken}})),
        )
        .await,
        "Name has already been taken",
    );
    let r = send_json(&sb.api, "DELETE", &format!("/services/{sid}"), &t, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&sb.api, &format!("/services/{sid}"), Some(&t))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for (method, body) in [
        ("PUT", Some(json!({"service": {"name": "Z"}}))),
        ("DELETE", None),
    ] {
        let r = send_json(&sb.api, method, "/services/PNOSUCH", &t, body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method}");
    }
}

/// A fresh directory under the system's temporary one.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir =
        std::env::temp_dir().join(format!("pd-sandbox-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn state_file_keeps_a_created_user_across_a_restart() {
    let dir = temp_dir("state");
    let path = dir.join("state.json");
    let path_arg = path.to_str().unwrap().to_string();
    let sb = start(&["--state-file", &path_arg]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let id = create(&sb, &t, "Persisted Person", "persisted@example.org").await;
    assert!(path.exists(), "the write saved {}", path.display());
    assert!(
        !dir.join("state.json.tmp").exists(),
        "no temporary file left"
    );
    drop(sb);

    // A restart with the same options (the seeding flags are not applied to a loaded state).
    let sb = start(&["--state-file", &path_arg, "--seed", "7"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let got = get(&sb.api, &format!("/users/{id}"), Some(&t)).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.json()["user"]["email"], "persisted@example.org");
    assert_eq!(users_total(&sb, &t).await, 121);
    // The new person can sign in after the restart, with the Default contact method kept.
    access_token(&sb, "persisted@example.org", "read", &[]).await;
    let cms = get(&sb.api, &format!("/users/{id}/contact_methods"), Some(&t))
        .await
        .json();
    assert_eq!(
        cms["contact_methods"][0]["address"],
        "persisted@example.org"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_damaged_state_file_is_a_startup_error_naming_the_file() {
    use clap::Parser;
    let dir = temp_dir("damaged");
    let path = dir.join("state.json");
    std::fs::write(&path, "{\"teams\": [").unwrap();
    let path_arg = path.to_str().unwrap();
    let options = pd_sandbox::Options::parse_from(["pd-sandbox", "--state-file", path_arg]);
    let err = match pd_sandbox::try_sandbox(options) {
        Ok(_) => panic!("a damaged state file was accepted"),
        Err(e) => e,
    };
    assert!(err.contains(path_arg), "names the file: {err}");
    // Never silently reseeded over.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"teams\": [");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn every_time_zone_the_importer_checks_against_is_taken_and_no_other() {
    // One list for both (pdscope::bulk::users::zones): Asia/Singapore was refused before.
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    for (i, zone) in ["Asia/Singapore", "Asia/Calcutta", "Pacific/Chatham", "UTC"]
        .iter()
        .enumerate()
    {
        let body = json!({"user": {"type": "user", "name": "Z", "email": format!("z{i}@example.org"), "time_zone": zone}});
        let r = send_json(&sb.api, "POST", "/users", &t, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{zone}: {}", r.body);
        assert_eq!(r.json()["user"]["time_zone"], *zone);
    }
    // Names are taken as the database spells them.
    for zone in [
        "asia/singapore",
        "Mars/Olympus",
        "Eastern Time (US & Canada)",
    ] {
        let body = json!({"user": {"type": "user", "name": "Z", "email": "zz@example.org", "time_zone": zone}});
        let r = send_json(&sb.api, "POST", "/users", &t, Some(body)).await;
        invalid_input(&r, "Time zone is not a valid time zone");
    }
}
