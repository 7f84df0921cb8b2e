//! Numbers as PagerDuty keeps them (reference §8, §9): `severity_based` urgency, the trunk
//! prefix refused per country, Mexico's SMS rule, and push and WhatsApp contact methods that
//! count toward the ten.
mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};

const ADMIN: &str = "admin@example.com";

#[tokio::test]
async fn severity_based_urgency_is_kept_as_written() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let ep = sb.shared.data().policies[0].id.clone();
    let rule = json!({"type": "constant", "urgency": "severity_based"});
    let r = send_json(
        &sb.api,
        "POST",
        "/services",
        &t,
        Some(json!({"service": {"type": "service", "name": "By severity",
            "escalation_policy": {"id": ep, "type": "escalation_policy_reference"},
            "incident_urgency_rule": rule}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["service"]["incident_urgency_rule"], rule);
    let sid = r.json()["service"]["id"].as_str().unwrap().to_string();
    let r = get(&sb.api, &format!("/services/{sid}"), Some(&t)).await;
    assert_eq!(r.json()["service"]["incident_urgency_rule"], rule);
    // PUT changes it, and back.
    let put = |urgency: &str| json!({"service": {"incident_urgency_rule": {"type": "constant", "urgency": urgency}}});
    let path = format!("/services/{sid}");
    let r = send_json(&sb.api, "PUT", &path, &t, Some(put("low"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json()["service"]["incident_urgency_rule"]["urgency"],
        "low"
    );
    let r = send_json(&sb.api, "PUT", &path, &t, Some(put("severity_based"))).await;
    assert_eq!(r.json()["service"]["incident_urgency_rule"], rule);
    let r = send_json(&sb.api, "PUT", &path, &t, Some(put("sometimes"))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

async fn add(sb: &Sb, t: &str, uid: &str, kind: &str, cc: u64, address: &str) -> Resp {
    let body = json!({"contact_method": {"type": kind, "label": format!("L {address}"),
        "address": address, "country_code": cc}});
    send_json(
        &sb.api,
        "POST",
        &format!("/users/{uid}/contact_methods"),
        t,
        Some(body),
    )
    .await
}

#[tokio::test]
async fn the_trunk_prefix_is_refused_only_where_pagerduty_refuses_it() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let r = send_json(
        &sb.api,
        "POST",
        "/users",
        &t,
        Some(json!({"user": {"type": "user", "name": "Phones", "email": "phones@x.io"}})),
    )
    .await;
    let uid = r.json()["user"]["id"].as_str().unwrap().to_string();
    let refused = [
        ("phone_contact_method", 44, "07700900123"),
        ("phone_contact_method", 33, "0612345678"),
        ("sms_contact_method", 49, "015112345678"),
        ("phone_contact_method", 61, "0412345678"),
        ("phone_contact_method", 91, "09876543210"),
        ("phone_contact_method", 40, "0721234567"),
        ("phone_contact_method", 45, "020123456"),
        ("phone_contact_method", 66, "0812345678"),
        ("phone_contact_method", 1, "12125550142"),
        ("sms_contact_method", 1, "12125550142"),
        ("phone_contact_method", 1, "02125550142"),
        // Mexico: a leading 1 (the old mobile prefix) on SMS only.
        ("sms_contact_method", 52, "15512345678"),
    ];
    for (kind, cc, address) in refused {
        let r = add(&sb, &t, &uid, kind, cc, address).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{kind} +{cc} {address}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["errors"][0], "Address is invalid");
    }
    // Elsewhere PagerDuty takes a leading 0 (Italy keeps it; Japan, Brazil untested by
    // PagerDuty's rule), and a Mexican voice number may start with 1.
    let user = sb
        .shared
        .data()
        .user_by_id(&uid)
        .unwrap()
        .contact_methods
        .len();
    assert_eq!(user, 1);
    for (kind, cc, address) in [
        ("phone_contact_method", 39, "0612345678"),
        ("phone_contact_method", 81, "09012345678"),
        ("phone_contact_method", 52, "15512345678"),
        ("sms_contact_method", 52, "5512345678"),
        ("sms_contact_method", 44, "7700900123"),
    ] {
        let r = add(&sb, &t, &uid, kind, cc, address).await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "{kind} +{cc} {address}: {}",
            r.body
        );
        assert_eq!(r.json()["contact_method"]["address"], address);
    }
}

fn kinds(cms: &Value) -> Vec<String> {
    cms.as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn push_and_whatsapp_are_seeded_and_count_toward_ten() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let r = get(
        &sb.api,
        "/users?limit=100&include[]=contact_methods",
        Some(&t),
    )
    .await;
    let users = r.json()["users"].as_array().unwrap().clone();
    let with = |kind: &str| {
        users
            .iter()
            .filter(|u| kinds(&u["contact_methods"]).iter().any(|k| k == kind))
            .count()
    };
    assert!(with("push_notification_contact_method") >= 5);
    assert!(with("whatsapp_contact_method") >= 3);
    // Shapes (spec `PushContactMethod`, `WhatsAppContactMethod`).
    let all: Vec<Value> = users
        .iter()
        .flat_map(|u| u["contact_methods"].as_array().unwrap().clone())
        .collect();
    let push = all
        .iter()
        .find(|c| c["type"] == "push_notification_contact_method")
        .unwrap();
    assert!(["ios", "android"].contains(&push["device_type"].as_str().unwrap()));
    assert!(push["created_at"].is_string());
    assert!(push["sounds"].is_array());
    let whatsapp = all
        .iter()
        .find(|c| c["type"] == "whatsapp_contact_method")
        .unwrap();
    assert!(whatsapp["country_code"].is_u64());
    // The seeded sign-ins people use keep their contact methods as they were.
    for u in &users {
        let email = u["email"].as_str().unwrap();
        if email == ADMIN || email == "responder@example.com" {
            let k = kinds(&u["contact_methods"]);
            assert!(k
                .iter()
                .all(|k| !k.starts_with("push") && !k.starts_with("whatsapp")));
        }
    }
    // A user with a push method reaches the limit of ten one method sooner.
    let u = users
        .iter()
        .find(|u| {
            kinds(&u["contact_methods"])
                .iter()
                .any(|k| k.starts_with("push"))
        })
        .unwrap();
    let uid = u["id"].as_str().unwrap();
    let have = u["contact_methods"].as_array().unwrap().len();
    for k in have..10 {
        let body = json!({"contact_method": {"type": "email_contact_method",
            "label": format!("E{k}"), "address": format!("e{k}@x.io")}});
        let r = send_json(
            &sb.api,
            "POST",
            &format!("/users/{uid}/contact_methods"),
            &t,
            Some(body),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let body = json!({"contact_method": {"type": "email_contact_method",
        "label": "One too many", "address": "e11@x.io"}});
    let r = send_json(
        &sb.api,
        "POST",
        &format!("/users/{uid}/contact_methods"),
        &t,
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["error"]["errors"][0],
        "User cannot have more than 10 contact methods"
    );
}
