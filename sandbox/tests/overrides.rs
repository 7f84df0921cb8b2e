//! Schedule overrides: GET needs `since` and `until` (and answers 201, as the spec says),
//! POST answers per item, DELETE is 204 or, for one in progress, 200 and cut to now
//! (reference §10.1, §10.3).
mod common;

use axum::http::StatusCode;
use common::*;
use pd_sandbox::tz::rfc3339;
use serde_json::{json, Value};

const ADMIN: &str = "admin@example.com";
const HOUR: i64 = 3600;

/// A seeded schedule's id and two people able to be on call who are not on it.
fn schedule_and_people(sb: &Sb) -> (String, String, String, String) {
    let d = sb.shared.data();
    let s = &d.schedules[0];
    let on: Vec<usize> = s
        .layers
        .iter()
        .flat_map(|l| &l.members)
        .filter_map(|m| m.user())
        .collect();
    let mut free = (0..d.users.len()).filter(|u| !on.contains(u) && d.users[*u].role == "user");
    let (a, b) = (free.next().unwrap(), free.next().unwrap());
    let stakeholder = d.user_by_email("stakeholder@example.com").unwrap();
    (
        s.id.clone(),
        d.users[a].id.clone(),
        d.users[b].id.clone(),
        stakeholder.id.clone(),
    )
}

fn item(start: i64, end: i64, user: &str) -> Value {
    json!({"start": rfc3339(start), "end": rfc3339(end),
        "user": {"id": user, "type": "user_reference"}, "time_zone": "UTC"})
}

#[tokio::test]
async fn overrides_are_created_per_item_and_win_in_the_final_schedule() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (id, a, b, stakeholder) = schedule_and_people(&sb);
    let now = sb.shared.now_secs();
    let day = now - now.rem_euclid(86_400) + 10 * 86_400;
    let body = json!({"overrides": [
        item(day + 9 * HOUR, day + 17 * HOUR, &a),
        item(day + 12 * HOUR, day + 13 * HOUR, &b),
        item(day + 20 * HOUR, day + 20 * HOUR, &a),
        item(day + 20 * HOUR, day + 21 * HOUR, &stakeholder),
        item(day + 20 * HOUR, day + 21 * HOUR, "PNOSUCH"),
    ]});
    let path = format!("/schedules/{id}/overrides");
    let r = send_json(&sb.api, "POST", &path, &t, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let items = r.json();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 5);
    let statuses: Vec<u64> = items
        .iter()
        .map(|i| i["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![201, 201, 400, 400, 400]);
    assert!(items[0]["override"]["id"].is_string());
    assert_eq!(items[0]["override"]["user"]["id"], a.as_str());
    assert_eq!(items[0]["override"]["start"], rfc3339(day + 9 * HOUR));
    assert!(items[0].get("errors").is_none());
    assert_eq!(
        items[2]["errors"],
        json!(["Override must end after its start"])
    );
    assert!(items[2]["override"].get("id").is_none());
    assert_eq!(
        items[3]["errors"],
        json!(["Stakeholders cannot be added to schedules"])
    );
    assert_eq!(items[4]["errors"], json!(["User PNOSUCH was not found"]));

    // The later override wins over the earlier; both over the layers.
    let q = format!(
        "since={}&until={}&time_zone=UTC",
        rfc3339(day + 8 * HOUR),
        rfc3339(day + 18 * HOUR)
    );
    let v = get(&sb.api, &format!("/schedules/{id}?{q}"), Some(&t))
        .await
        .json();
    let fin = v["schedule"]["final_schedule"]["rendered_schedule_entries"]
        .as_array()
        .unwrap()
        .clone();
    let who_at = |h: i64| {
        let at = day + h * HOUR;
        fin.iter()
            .find(|e| {
                let s = pd_sandbox::tz::parse_datetime(
                    e["start"].as_str().unwrap(),
                    pd_sandbox::tz::Zone::named("UTC").unwrap(),
                )
                .unwrap();
                let en = pd_sandbox::tz::parse_datetime(
                    e["end"].as_str().unwrap(),
                    pd_sandbox::tz::Zone::named("UTC").unwrap(),
                )
                .unwrap();
                s <= at && at < en
            })
            .map(|e| e["user"]["id"].as_str().unwrap().to_string())
    };
    assert_eq!(who_at(10).as_deref(), Some(a.as_str()));
    assert_eq!(who_at(12).as_deref(), Some(b.as_str()));
    assert_eq!(who_at(14).as_deref(), Some(a.as_str()));
    assert_ne!(who_at(8).as_deref(), Some(a.as_str()));
    let subs = v["schedule"]["overrides_subschedule"]["rendered_schedule_entries"]
        .as_array()
        .unwrap();
    assert_eq!(subs.len(), 3);

    // The legacy single form.
    let r = send_json(
        &sb.api,
        "POST",
        &path,
        &t,
        Some(json!({"override": item(day + 30 * HOUR, day + 31 * HOUR, &b)})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["override"]["user"]["id"], b.as_str());
    for bad in [
        json!({}),
        json!({"overrides": []}),
        json!({"overrides": "x"}),
    ] {
        let r = send_json(&sb.api, "POST", &path, &t, Some(bad.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
    let r = send_json(
        &sb.api,
        "POST",
        "/schedules/PNOSUCH/overrides",
        &t,
        Some(json!({"overrides": [item(day, day + HOUR, &a)]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn listing_overrides_needs_since_and_until() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (id, a, b, _) = schedule_and_people(&sb);
    let now = sb.shared.now_secs();
    let path = format!("/schedules/{id}/overrides");
    let body = json!({"overrides": [
        item(now - 48 * HOUR, now - 47 * HOUR, &a),
        item(now + 24 * HOUR, now + 26 * HOUR, &b),
    ]});
    let r = send_json(&sb.api, "POST", &path, &t, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let future_id = r.json()[1]["override"]["id"].as_str().unwrap().to_string();
    for q in [
        String::new(),
        format!("?since={}", rfc3339(now)),
        format!("?until={}", rfc3339(now)),
    ] {
        let r = get(&sb.api, &format!("{path}{q}"), Some(&t)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], 2001);
    }
    let range =
        |from: i64, to: i64| format!("{path}?since={}&until={}", rfc3339(from), rfc3339(to));
    // The spec answers 201 to this GET.
    let r = get(&sb.api, &range(now - 72 * HOUR, now + 72 * HOUR), Some(&t)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let all = r.json()["overrides"].as_array().unwrap().clone();
    assert_eq!(all.len(), 2);
    assert!(all
        .iter()
        .all(|o| o["id"].is_string() && o["user"]["type"] == "user_reference"));
    // Cut at the bounds, unless overflow=true.
    let r = get(&sb.api, &range(now + 25 * HOUR, now + 72 * HOUR), Some(&t)).await;
    let cut = r.json()["overrides"].as_array().unwrap().clone();
    assert_eq!(cut.len(), 1);
    let start = |v: &Value| {
        pd_sandbox::tz::parse_datetime(
            v["start"].as_str().unwrap(),
            pd_sandbox::tz::Zone::named("UTC").unwrap(),
        )
        .unwrap()
    };
    assert_eq!(start(&cut[0]), now + 25 * HOUR);
    let r = get(
        &sb.api,
        &format!("{}&overflow=true", range(now + 25 * HOUR, now + 72 * HOUR)),
        Some(&t),
    )
    .await;
    assert_eq!(start(&r.json()["overrides"][0]), now + 24 * HOUR);
    // editable=true: only the future ones, ids only.
    let r = get(
        &sb.api,
        &format!("{}&editable=true", range(now - 72 * HOUR, now + 72 * HOUR)),
        Some(&t),
    )
    .await;
    assert_eq!(r.json()["overrides"], json!([{ "id": future_id }]));
    assert_eq!(
        get(
            &sb.api,
            "/schedules/PNOSUCH/overrides?since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z",
            Some(&t)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn deleting_an_override_removes_a_future_one_and_cuts_one_in_progress() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (id, a, b, _) = schedule_and_people(&sb);
    let now = sb.shared.now_secs();
    let path = format!("/schedules/{id}/overrides");
    let body = json!({"overrides": [
        item(now + 24 * HOUR, now + 26 * HOUR, &a),
        item(now - HOUR, now + HOUR, &b),
        item(now - 3 * HOUR, now - 2 * HOUR, &a),
    ]});
    let r = send_json(&sb.api, "POST", &path, &t, Some(body)).await;
    let created: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["override"]["id"].as_str().unwrap().to_string())
        .collect();
    let del = |oid: &str| format!("{path}/{oid}");
    let r = send_json(&sb.api, "DELETE", &del(&created[0]), &t, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = send_json(&sb.api, "DELETE", &del(&created[1]), &t, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send_json(&sb.api, "DELETE", &del(&created[2]), &t, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(
        r.json()["error"]["errors"],
        json!(["You cannot remove a past override"])
    );
    let left: Vec<(String, i64)> = {
        let d = sb.shared.data();
        d.schedules[0]
            .overrides
            .iter()
            .map(|o| (o.id.clone(), o.end))
            .collect()
    };
    assert_eq!(left.len(), 2);
    assert_eq!(left[0].0, created[1]);
    assert!((left[0].1 - now).abs() <= 5, "cut to now");
    let r = send_json(&sb.api, "DELETE", &del("PNOSUCH"), &t, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The one cut to now is past: it cannot be removed again.
    sb.shared.advance(std::time::Duration::from_secs(10));
    let r = send_json(&sb.api, "DELETE", &del(&created[1]), &t, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn override_scopes_and_roles() {
    let sb = start(&[
        "--app-type",
        "scoped",
        "--client-secret",
        SECRET,
        "--app-scopes",
        "schedules.read schedules.write",
    ]);
    let secret = [("client_secret", SECRET)];
    let (id, a, _, _) = schedule_and_people(&sb);
    let now = sb.shared.now_secs();
    let path = format!("/schedules/{id}/overrides");
    let body = json!({"overrides": [item(now + HOUR, now + 2 * HOUR, &a)]});
    let read = access_token(&sb, ADMIN, "schedules.read", &secret).await;
    let r = send_json(&sb.api, "POST", &path, &read, Some(body.clone())).await;
    assert_eq!(r.json()["error"]["required_scopes"], "schedules.write");
    let q = format!(
        "{path}?since={}&until={}",
        rfc3339(now),
        rfc3339(now + HOUR)
    );
    assert_eq!(
        get(&sb.api, &q, Some(&read)).await.status,
        StatusCode::CREATED
    );
    let write = access_token(&sb, ADMIN, "schedules.write", &secret).await;
    assert_eq!(
        get(&sb.api, &q, Some(&write)).await.status,
        StatusCode::FORBIDDEN
    );
    let limited = access_token(&sb, "limited@example.com", "schedules.write", &secret).await;
    let r = send_json(&sb.api, "POST", &path, &limited, Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send_json(&sb.api, "POST", &path, &write, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED);
}
