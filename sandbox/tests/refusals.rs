//! PagerDuty's refusals (reference §8, §10.7–10.8, §12.2–12.3): fixed team roles, the Account
//! Owner kept from admins, and 402 for abilities the account lacks.
mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};

const ADMIN: &str = "admin@example.com";
const OWNER: &str = "owner@example.com";

fn id_of(sb: &Sb, email: &str) -> String {
    sb.shared.data().user_by_email(email).unwrap().id.clone()
}

/// A team the user with `email` is not on.
fn other_team(sb: &Sb, email: &str) -> String {
    let data = sb.shared.data();
    let u = data.user_by_email(email).unwrap();
    let t = (0..data.teams.len())
        .find(|t| !u.teams.contains(t))
        .unwrap();
    data.teams[t].id.clone()
}

async fn members(sb: &Sb, t: &str, team: &str) -> Vec<(String, String)> {
    let r = get(
        &sb.api,
        &format!("/teams/{team}/members?limit=100"),
        Some(t),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user"]["id"].as_str().unwrap().to_string(),
                m["role"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn role_on(members: &[(String, String)], uid: &str) -> Option<String> {
    members
        .iter()
        .find(|(u, _)| u == uid)
        .map(|(_, r)| r.clone())
}

fn invalid_input(r: &Resp, detail: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{detail}: {}", r.body);
    assert_eq!(
        r.json(),
        json!({"error": {"message": "Invalid Input Provided", "code": 2001, "errors": [detail]}}),
        "{detail}"
    );
}

fn access_denied(r: &Resp) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"error": {"message": "Access Denied", "code": 2010}})
    );
}

/// PagerDuty's 402 (spec `PaymentRequired`, code 2014 from the errors page), naming the
/// ability.
fn payment_required(r: &Resp, ability: &str) {
    assert_eq!(
        r.status,
        StatusCode::PAYMENT_REQUIRED,
        "{ability}: {}",
        r.body
    );
    let e = r.json();
    assert_eq!(
        e["error"]["message"],
        "Account does not have the abilities to perform the action"
    );
    assert_eq!(e["error"]["code"], 2014);
    let errors = e["error"]["errors"].to_string();
    assert!(errors.contains(ability), "{ability}: {errors}");
}

async fn put_member(sb: &Sb, t: &str, team: &str, uid: &str, body: Option<Value>) -> Resp {
    send_json(
        &sb.api,
        "PUT",
        &format!("/teams/{team}/users/{uid}"),
        t,
        body,
    )
    .await
}

#[tokio::test]
async fn admins_and_owners_are_always_managers_by_default_refused_otherwise() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    for email in [ADMIN, OWNER] {
        let uid = id_of(&sb, email);
        let team = other_team(&sb, email);
        for role in ["responder", "observer"] {
            let r = put_member(&sb, &t, &team, &uid, Some(json!({ "role": role }))).await;
            let role_of = if email == ADMIN { "admin" } else { "owner" };
            invalid_input(
                &r,
                &format!("Team role {role} cannot be given to a user whose base role is {role_of}: it is always manager"),
            );
        }
        assert_eq!(role_on(&members(&sb, &t, &team).await, &uid), None);
        let r = put_member(&sb, &t, &team, &uid, Some(json!({"role": "manager"}))).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_eq!(
            role_on(&members(&sb, &t, &team).await, &uid).as_deref(),
            Some("manager")
        );
    }
}

#[tokio::test]
async fn stakeholders_are_always_observers_and_get_observer_without_a_role() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let email = "limited-stakeholder@example.com";
    let uid = id_of(&sb, email);
    let team = other_team(&sb, email);
    for role in ["manager", "responder"] {
        let r = put_member(&sb, &t, &team, &uid, Some(json!({ "role": role }))).await;
        invalid_input(
            &r,
            &format!("Team role {role} cannot be given to a user whose base role is read_only_limited_user: it is always observer"),
        );
    }
    let r = put_member(&sb, &t, &team, &uid, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        role_on(&members(&sb, &t, &team).await, &uid).as_deref(),
        Some("observer")
    );
}

#[tokio::test]
async fn fixed_team_roles_ignore_keeps_the_fixed_role_and_answers_success() {
    let sb = start(&["--fixed-team-roles", "ignore"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let uid = id_of(&sb, OWNER);
    let team = other_team(&sb, OWNER);
    let r = put_member(&sb, &t, &team, &uid, Some(json!({"role": "observer"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        role_on(&members(&sb, &t, &team).await, &uid).as_deref(),
        Some("manager")
    );
    let uid = id_of(&sb, "limited-stakeholder@example.com");
    let r = put_member(&sb, &t, &team, &uid, Some(json!({"role": "manager"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        role_on(&members(&sb, &t, &team).await, &uid).as_deref(),
        Some("observer")
    );
}

#[tokio::test]
async fn flexible_roles_take_any_team_role() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    for email in [
        "user@example.com",
        "limited@example.com",
        "observer@example.com",
    ] {
        let uid = id_of(&sb, email);
        let team = other_team(&sb, email);
        let r = put_member(&sb, &t, &team, &uid, Some(json!({"role": "responder"}))).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{email}: {}", r.body);
    }
}

#[tokio::test]
async fn the_account_owner_is_off_limits_to_admins() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let owner = id_of(&sb, OWNER);
    // Role, contact methods and deletion.
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/users/{owner}"),
        &t,
        Some(json!({"user": {"role": "user"}})),
    )
    .await;
    access_denied(&r);
    let cm = json!({"contact_method": {"type": "email_contact_method", "label": "Work", "address": "o2@example.org"}});
    let path = format!("/users/{owner}/contact_methods");
    access_denied(&send_json(&sb.api, "POST", &path, &t, Some(cm.clone())).await);
    let first = sb.shared.data().user_by_id(&owner).unwrap().contact_methods[0]
        .id
        .clone();
    access_denied(&send_json(&sb.api, "DELETE", &format!("{path}/{first}"), &t, None).await);
    access_denied(&send_json(&sb.api, "DELETE", &format!("/users/{owner}"), &t, None).await);
    {
        let data = sb.shared.data();
        let o = data.user_by_id(&owner).unwrap();
        assert_eq!(o.role, "owner");
        assert!(o.contact_methods.iter().any(|c| c.id == first));
        assert!(!o
            .contact_methods
            .iter()
            .any(|c| c.address == "o2@example.org"));
    }
    // Other fields stay open to admins, and the owner keeps their own contact methods.
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/users/{owner}"),
        &t,
        Some(json!({"user": {"job_title": "CEO"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let own = access_token(&sb, OWNER, "write", &[]).await;
    let r = send_json(&sb.api, "POST", &path, &own, Some(cm)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn abilities_list_and_check_follow_the_flags() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let r = get(&sb.api, "/abilities", Some(&t)).await;
    assert_eq!(
        r.json(),
        json!({"abilities": ["teams", "read_only_users", "service_support_hours", "urgencies"]})
    );
    let r = get(&sb.api, "/abilities/teams", Some(&t)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert!(r.body.is_empty());
    payment_required(
        &get(&sb.api, "/abilities/advanced_permissions", Some(&t)).await,
        "advanced_permissions",
    );

    let sb = start(&[
        "--without-ability",
        "teams,urgencies",
        "--with-ability",
        "advanced_permissions",
    ]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let r = get(&sb.api, "/abilities", Some(&t)).await;
    assert_eq!(
        r.json(),
        json!({"abilities": ["read_only_users", "service_support_hours", "advanced_permissions"]})
    );
    payment_required(&get(&sb.api, "/abilities/teams", Some(&t)).await, "teams");
    let r = get(&sb.api, "/abilities/advanced_permissions", Some(&t)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

fn new_user(email: &str, role: &str) -> Value {
    json!({"user": {"type": "user", "name": "New Person", "email": email, "role": role}})
}

#[tokio::test]
async fn roles_the_account_cannot_give_answer_402() {
    // Today's account lacks advanced_permissions.
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    for (k, role) in ["observer", "restricted_access"].iter().enumerate() {
        let email = format!("n{k}@x.io");
        let r = send_json(&sb.api, "POST", "/users", &t, Some(new_user(&email, role))).await;
        payment_required(&r, "advanced_permissions");
        assert!(sb.shared.data().user_by_email(&email).is_none());
    }
    let uid = id_of(&sb, "user@example.com");
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/users/{uid}"),
        &t,
        Some(json!({"user": {"role": "observer"}})),
    )
    .await;
    payment_required(&r, "advanced_permissions");
    // Stakeholder roles are allowed by default ...
    let r = send_json(
        &sb.api,
        "POST",
        "/users",
        &t,
        Some(new_user("s@x.io", "read_only_user")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // ... and need read_only_users; observers are allowed with advanced_permissions.
    let sb = start(&[
        "--without-ability",
        "read_only_users",
        "--with-ability",
        "advanced_permissions",
    ]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    for role in ["read_only_user", "read_only_limited_user"] {
        let r = send_json(
            &sb.api,
            "POST",
            "/users",
            &t,
            Some(new_user("s@x.io", role)),
        )
        .await;
        payment_required(&r, "read_only_users");
        let r = send_json(
            &sb.api,
            "PUT",
            &format!("/users/{uid2}", uid2 = id_of(&sb, "user@example.com")),
            &t,
            Some(json!({"user": { "role": role }})),
        )
        .await;
        payment_required(&r, "read_only_users");
    }
    let r = send_json(
        &sb.api,
        "POST",
        "/users",
        &t,
        Some(new_user("o@x.io", "observer")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["user"]["role"], "observer");
}

#[tokio::test]
async fn teams_endpoints_answer_402_without_the_teams_ability() {
    let sb = start(&["--without-ability", "teams"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let team = sb.shared.data().teams[0].id.clone();
    let uid = id_of(&sb, "user@example.com");
    let member = format!("/teams/{team}/users/{uid}");
    for (method, path, body) in [
        ("GET", "/teams".to_string(), None),
        (
            "POST",
            "/teams".to_string(),
            Some(json!({"team": {"type": "team", "name": "New"}})),
        ),
        ("GET", format!("/teams/{team}"), None),
        ("GET", format!("/teams/{team}/members"), None),
        ("PUT", member.clone(), Some(json!({"role": "responder"}))),
        ("DELETE", member.clone(), None),
        // Before looking the team up.
        ("GET", "/teams/PNOSUCH".to_string(), None),
    ] {
        let r = send_json(&sb.api, method, &path, &t, body).await;
        payment_required(&r, "teams");
    }
    // The rest of the API answers as before.
    assert_eq!(
        get(&sb.api, "/users", Some(&t)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn low_urgency_answers_402_without_the_urgencies_ability() {
    let sb = start(&["--without-ability", "urgencies"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let uid = id_of(&sb, "user@example.com");
    let cm = sb.shared.data().user_by_id(&uid).unwrap().contact_methods[0]
        .id
        .clone();
    let rule = |urgency: &str, delay: u32| {
        json!({"notification_rule": {"type": "assignment_notification_rule",
            "start_delay_in_minutes": delay, "urgency": urgency,
            "contact_method": {"id": cm, "type": "email_contact_method_reference"}}})
    };
    let path = format!("/users/{uid}/notification_rules");
    payment_required(
        &send_json(&sb.api, "POST", &path, &t, Some(rule("low", 7))).await,
        "urgencies",
    );
    let r = send_json(&sb.api, "POST", &path, &t, Some(rule("high", 7))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ep = sb.shared.data().policies[0].id.clone();
    let service = |name: &str, urgency: &str| {
        json!({"service": {"type": "service", "name": name,
            "escalation_policy": {"id": ep, "type": "escalation_policy_reference"},
            "incident_urgency_rule": {"type": "constant", "urgency": urgency}}})
    };
    payment_required(
        &send_json(
            &sb.api,
            "POST",
            "/services",
            &t,
            Some(service("Low one", "low")),
        )
        .await,
        "urgencies",
    );
    let r = send_json(
        &sb.api,
        "POST",
        "/services",
        &t,
        Some(service("High one", "high")),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sid = r.json()["service"]["id"].as_str().unwrap().to_string();
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/services/{sid}"),
        &t,
        Some(json!({"service": {"incident_urgency_rule": {"type": "constant", "urgency": "low"}}})),
    )
    .await;
    payment_required(&r, "urgencies");
}
