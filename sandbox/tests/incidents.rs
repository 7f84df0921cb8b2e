//! Incidents (reference §10.1, §10.4): seeded open incidents assigned through services and
//! their escalation policies, `GET /incidents` with `user_ids[]`, `statuses[]`, the one-month
//! window unless `date_range=all`, `since`/`until`; `GET /incidents/{id}`; `PUT
//! /incidents/{id}` and bulk `PUT /incidents` (at most 250) to reassign or resolve, with the
//! `From` header.
mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;

const ADMIN: &str = "admin@example.com";
const DAY: i64 = 86_400;

/// Sends a write with PagerDuty's headers and, when given, `From`.
async fn put(sb: &Sb, uri: &str, token: &str, from: Option<&str>, body: Value) -> Resp {
    let mut req = Request::put(uri)
        .header(header::ACCEPT, "application/vnd.pagerduty+json;version=2")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(from) = from {
        req = req.header("From", from);
    }
    send(&sb.api, req.body(Body::from(body.to_string())).unwrap()).await
}

/// Every row of a classic-paged list.
async fn walk(sb: &Sb, t: &str, path: &str) -> Vec<Value> {
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
        rows.extend(v["incidents"].as_array().unwrap().iter().cloned());
        if v["more"] == false {
            return rows;
        }
    }
}

/// Seconds since the epoch of `2026-12-06T20:11:40Z` (UTC, as the sandbox writes them).
fn secs(s: &Value) -> i64 {
    let s = s.as_str().unwrap();
    assert!(s.len() == 20 && s.ends_with('Z'), "{s}");
    let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    days * DAY + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn ids(rows: &[Value]) -> HashSet<String> {
    rows.iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

fn assignees(i: &Value) -> Vec<String> {
    i["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["assignee"]["id"].as_str().unwrap().to_string())
        .collect()
}

fn invalid(r: &Resp, detail: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{detail}: {}", r.body);
    assert_eq!(
        r.json(),
        json!({"error": {"message": "Invalid Input Provided", "code": 2001, "errors": [detail]}}),
        "{detail}"
    );
}

#[tokio::test]
async fn seeded_incidents_are_open_assigned_through_services_and_some_are_old() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let all = walk(&sb, &t, "/incidents?date_range=all").await;
    let open: Vec<&Value> = all.iter().filter(|i| i["status"] != "resolved").collect();
    let resolved: Vec<&Value> = all.iter().filter(|i| i["status"] == "resolved").collect();
    assert!(open.len() >= 24, "a few dozen open: {}", open.len());
    assert!(!resolved.is_empty());
    assert!(open.iter().any(|i| i["status"] == "triggered"));
    assert!(open.iter().any(|i| i["status"] == "acknowledged"));
    let month_ago = now() - 31 * DAY;
    let old = open
        .iter()
        .filter(|i| secs(&i["created_at"]) < month_ago)
        .count();
    assert!(old >= 5, "open incidents older than a month: {old}");
    assert!(open.len() - old >= 5);
    let mut numbers = HashSet::new();
    for i in &all {
        assert_eq!(i["type"], "incident");
        let id = i["id"].as_str().unwrap();
        let n = i["incident_number"].as_u64().unwrap();
        assert!(numbers.insert(n), "numbers are unique");
        assert_eq!(
            i["summary"],
            format!("[#{n}] {}", i["title"].as_str().unwrap())
        );
        assert!(i["self"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/incidents/{id}")));
        assert_eq!(
            i["html_url"],
            format!("https://sandbox.pagerduty.com/incidents/{id}")
        );
        assert!(["high", "low"].contains(&i["urgency"].as_str().unwrap()));
        assert_eq!(i["service"]["type"], "service_reference");
        assert_eq!(
            i["escalation_policy"]["type"],
            "escalation_policy_reference"
        );
        assert_eq!(
            i["first_trigger_log_entry"]["type"],
            "trigger_log_entry_reference"
        );
        assert!(i["incident_key"].as_str().unwrap().len() == 32);
        assert!(secs(&i["updated_at"]) >= secs(&i["created_at"]));
        assert!(secs(&i["created_at"]) <= now());
        // The service's escalation policy and teams, as PagerDuty assigns through them.
        let sid = i["service"]["id"].as_str().unwrap();
        let s = get(&sb.api, &format!("/services/{sid}"), Some(&t))
            .await
            .json()["service"]
            .clone();
        assert_eq!(i["escalation_policy"]["id"], s["escalation_policy"]["id"]);
        let team_ids = |v: &Value| -> Vec<Value> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].clone())
                .collect()
        };
        assert_eq!(team_ids(&i["teams"]), team_ids(&s["teams"]));
        assert!(secs(&i["created_at"]) >= secs(&s["created_at"]));
        if i["status"] == "resolved" {
            assert!(i["assignments"].as_array().unwrap().is_empty());
            assert!(secs(&i["resolved_at"]) >= secs(&i["created_at"]));
            assert_eq!(i["last_status_change_at"], i["resolved_at"]);
            assert_eq!(i["alert_counts"]["resolved"], 1);
        } else {
            assert!(i["resolved_at"].is_null());
            let who = assignees(i);
            assert_eq!(who.len(), 1, "{i}");
            assert_eq!(i["assigned_via"], "escalation_policy");
            let a = &i["assignments"][0];
            assert_eq!(a["assignee"]["type"], "user_reference");
            let u = get(&sb.api, &format!("/users/{}", who[0]), Some(&t)).await;
            assert_eq!(u.status, StatusCode::OK, "assigned to a seeded user");
            let role = u.json()["user"]["role"].as_str().unwrap().to_string();
            assert!(!role.starts_with("read_only"), "no stakeholder: {role}");
        }
        if i["status"] == "acknowledged" {
            assert_eq!(
                i["acknowledgements"][0]["acknowledger"]["id"]
                    .as_str()
                    .unwrap(),
                assignees(i)[0]
            );
        }
    }
    // The same for the same seed.
    let again = start(&[]);
    let t2 = access_token(&again, ADMIN, "read", &[]).await;
    assert_eq!(
        ids(&walk(&again, &t2, "/incidents?date_range=all").await),
        ids(&all)
    );
}

#[tokio::test]
async fn the_list_shows_the_last_month_unless_date_range_all() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let all = walk(&sb, &t, "/incidents?date_range=all").await;
    let recent = walk(&sb, &t, "/incidents").await;
    let month_ago = now() - 30 * DAY;
    let want: HashSet<String> = ids(&all
        .iter()
        .filter(|i| secs(&i["created_at"]) >= month_ago + 60)
        .cloned()
        .collect::<Vec<_>>());
    let got = ids(&recent);
    assert!(want.is_subset(&got), "the last month is listed");
    assert!(recent
        .iter()
        .all(|i| secs(&i["created_at"]) >= month_ago - 60));
    assert!(got.len() < all.len());
    // Ordered by incident number (creation order).
    let numbers: Vec<u64> = all
        .iter()
        .map(|i| i["incident_number"].as_u64().unwrap())
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
    let desc = get(
        &sb.api,
        "/incidents?date_range=all&sort_by=incident_number:desc&limit=1",
        Some(&t),
    )
    .await
    .json();
    assert_eq!(desc["incidents"][0]["id"], all.last().unwrap()["id"]);

    // The window moves with the clock: forty days later the recent ones are out of it.
    sb.shared.advance(Duration::from_secs(40 * DAY as u64));
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let later = walk(&sb, &t, "/incidents").await;
    assert!(later.len() < recent.len());
    assert_eq!(
        walk(&sb, &t, "/incidents?date_range=all").await.len(),
        all.len()
    );

    // since/until pick a window: 90 to 30 days ago.
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let (since, until) = (utc(now() - 90 * DAY), utc(now() - 30 * DAY));
    let rows = walk(&sb, &t, &format!("/incidents?since={since}&until={until}")).await;
    assert!(!rows.is_empty());
    for i in &rows {
        let c = secs(&i["created_at"]);
        assert!(
            c >= now() - 90 * DAY - 60 && c < now() - 30 * DAY + 60,
            "{i}"
        );
    }
    // Offsets and dates are read too.
    let day = &since[..10];
    let r = get(
        &sb.api,
        &format!("/incidents?since={day}&until={until}"),
        Some(&t),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = get(
        &sb.api,
        &format!("/incidents?since={}%2B02:00", &since[..19]),
        Some(&t),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// `secs` as `YYYY-MM-DDTHH:MM:SSZ`.
fn utc(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(DAY), secs.rem_euclid(DAY));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[tokio::test]
async fn filters_and_their_errors() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let all = walk(&sb, &t, "/incidents?date_range=all").await;
    // A user with an open incident older than a month: only date_range=all finds it.
    let month_ago = now() - 31 * DAY;
    let old = all
        .iter()
        .find(|i| i["status"] != "resolved" && secs(&i["created_at"]) < month_ago)
        .unwrap();
    let uid = assignees(old)[0].clone();
    let open_q = "statuses[]=triggered&statuses[]=acknowledged";
    let mine = walk(&sb, &t, &format!("/incidents?user_ids[]={uid}&{open_q}")).await;
    assert!(!ids(&mine).contains(old["id"].as_str().unwrap()));
    let mine = walk(
        &sb,
        &t,
        &format!("/incidents?user_ids[]={uid}&{open_q}&date_range=all"),
    )
    .await;
    assert!(ids(&mine).contains(old["id"].as_str().unwrap()));
    assert!(mine.iter().all(|i| assignees(i).contains(&uid)));
    let want = all.iter().filter(|i| assignees(i).contains(&uid)).count();
    assert_eq!(mine.len(), want);
    let none = walk(
        &sb,
        &t,
        &format!("/incidents?user_ids[]={uid}&statuses[]=resolved&date_range=all"),
    )
    .await;
    assert!(none.is_empty(), "resolved incidents are assigned to nobody");
    for status in ["triggered", "acknowledged", "resolved"] {
        let rows = walk(
            &sb,
            &t,
            &format!("/incidents?statuses[]={status}&date_range=all"),
        )
        .await;
        assert!(!rows.is_empty() && rows.iter().all(|i| i["status"] == status));
    }
    let sid = old["service"]["id"].as_str().unwrap();
    let rows = walk(
        &sb,
        &t,
        &format!("/incidents?service_ids[]={sid}&date_range=all"),
    )
    .await;
    assert!(rows.iter().all(|i| i["service"]["id"] == sid) && !rows.is_empty());
    let rows = walk(&sb, &t, "/incidents?urgencies[]=low&date_range=all").await;
    assert!(rows.iter().all(|i| i["urgency"] == "low"));
    let v = get(
        &sb.api,
        "/incidents?date_range=all&total=true&limit=3",
        Some(&t),
    )
    .await
    .json();
    assert_eq!(v["total"], all.len());
    assert_eq!(v["limit"], 3);
    assert_eq!(v["more"], true);

    // One incident, by id or by number, with include[].
    let id = old["id"].as_str().unwrap();
    let one = get(&sb.api, &format!("/incidents/{id}"), Some(&t)).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(one.json()["incident"], *old);
    let n = old["incident_number"].as_u64().unwrap();
    let by_number = get(&sb.api, &format!("/incidents/{n}"), Some(&t)).await;
    assert_eq!(by_number.json()["incident"]["id"], id);
    let full = get(
        &sb.api,
        &format!("/incidents/{id}?include[]=assignees&include[]=services&include[]=teams"),
        Some(&t),
    )
    .await
    .json()["incident"]
        .clone();
    assert_eq!(full["assignments"][0]["assignee"]["type"], "user");
    assert!(full["assignments"][0]["assignee"]["email"].is_string());
    assert_eq!(full["service"]["type"], "service");
    assert_eq!(
        get(&sb.api, "/incidents/PNOSUCH", Some(&t)).await.status,
        StatusCode::NOT_FOUND
    );

    // PagerDuty's texts for what it refuses.
    invalid(
        &get(&sb.api, "/incidents?statuses[]=open", Some(&t)).await,
        "Status must be a list of triggered, acknowledged, or resolved.",
    );
    for bad in [
        "/incidents?since=yesterday",
        "/incidents?until=2026-13-01",
        "/incidents?include[]=everything",
        "/incidents?urgencies[]=medium",
        "/incidents?sort_by=title",
        "/incidents?since=2025-01-01T00:00:00Z&until=2025-12-01T00:00:00Z",
        "/incidents?since=2025-02-01T00:00:00Z&until=2025-01-01T00:00:00Z",
    ] {
        let r = get(&sb.api, bad, Some(&t)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], 2001, "{bad}");
    }
    let r = get(&sb.api, "/incidents?offset=9950&limit=100", Some(&t)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], 2002);
}

/// The From header PagerDuty wants on incident writes, and its answer without one.
fn from_missing(r: &Resp) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"error": {"message": "You must specify a user's email address in the \"From\" header to perform this action", "code": 2016}})
    );
}

/// A triggered incident of the seeded data, its assignee, and a Responder who is not them
/// (their id and e-mail).
async fn open_incident(sb: &Sb) -> (String, String, String, String) {
    let t = access_token(sb, ADMIN, "read", &[]).await;
    open_incident_with(sb, &t).await
}

/// `open_incident` with a token that may read incidents and users.
async fn open_incident_with(sb: &Sb, t: &str) -> (String, String, String, String) {
    let rows = walk(sb, t, "/incidents?date_range=all&statuses[]=triggered").await;
    let i = &rows[0];
    let assignee = assignees(i)[0].clone();
    let users = get(&sb.api, "/users?limit=100", Some(t)).await.json();
    let other = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["role"] == "limited_user" && u["id"] != assignee.as_str())
        .unwrap()
        .clone();
    (
        i["id"].as_str().unwrap().to_string(),
        assignee,
        other["id"].as_str().unwrap().to_string(),
        other["email"].as_str().unwrap().to_string(),
    )
}

fn reassign(to: &str) -> Value {
    json!({"incident": {"type": "incident_reference",
        "assignments": [{"assignee": {"id": to, "type": "user_reference"}}]}})
}

#[tokio::test]
async fn incident_writes_need_the_from_header() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (id, _, to, _) = open_incident(&sb).await;
    let path = format!("/incidents/{id}");
    from_missing(&put(&sb, &path, &t, None, reassign(&to)).await);
    let bulk =
        json!({"incidents": [{"id": id, "type": "incident_reference", "status": "acknowledged"}]});
    from_missing(&put(&sb, "/incidents", &t, None, bulk.clone()).await);
    let r = put(&sb, &path, &t, Some("nobody@example.org"), reassign(&to)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.json()["error"]["message"], "Requester User Not Found");
    // Nothing was changed by the refused writes.
    let v = get(&sb.api, &path, Some(&t)).await.json();
    assert_eq!(v["incident"]["status"], "triggered");
    assert_ne!(assignees(&v["incident"]), vec![to.clone()]);
    let r = put(&sb, &path, &t, Some(ADMIN), reassign(&to)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // With --from-header optional (python-pagerduty: not needed with a user's token).
    let sb = start(&["--from-header", "optional"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (id, _, to, _) = open_incident(&sb).await;
    let r = put(&sb, &format!("/incidents/{id}"), &t, None, reassign(&to)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Acknowledged as the token's user.
    let ack = json!({"incident": {"type": "incident_reference", "status": "acknowledged"}});
    let r = put(&sb, &format!("/incidents/{id}"), &t, None, ack).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let admin_id = sb.shared.data().user_by_email(ADMIN).unwrap().id.clone();
    let i = r.json()["incident"].clone();
    assert_eq!(
        i["acknowledgements"][0]["acknowledger"]["id"],
        admin_id.as_str()
    );
    assert_eq!(i["last_status_change_by"]["id"], admin_id.as_str());
}

#[tokio::test]
async fn an_incident_is_reassigned_acknowledged_and_resolved() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (id, from_user, to, to_email) = open_incident(&sb).await;
    let path = format!("/incidents/{id}");
    let r = put(&sb, &path, &t, Some(ADMIN), reassign(&to)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let i = r.json()["incident"].clone();
    assert_eq!(
        assignees(&i),
        vec![to.clone()],
        "assignments replace the assignees"
    );
    assert_eq!(i["assigned_via"], "direct_assignment");
    assert_eq!(i["status"], "triggered");
    let mine = walk(
        &sb,
        &t,
        &format!("/incidents?user_ids[]={from_user}&date_range=all"),
    )
    .await;
    assert!(!ids(&mine).contains(&id));
    let theirs = walk(
        &sb,
        &t,
        &format!("/incidents?user_ids[]={to}&date_range=all"),
    )
    .await;
    assert!(ids(&theirs).contains(&id));

    // Acknowledged by the person in From.
    let ack = json!({"incident": {"type": "incident_reference", "status": "acknowledged"}});
    let r = put(&sb, &path, &t, Some(&to_email), ack).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let i = r.json()["incident"].clone();
    assert_eq!(i["status"], "acknowledged");
    assert_eq!(i["acknowledgements"][0]["acknowledger"]["id"], to.as_str());
    assert_eq!(i["last_status_change_by"]["id"], to.as_str());

    // Resolved: assigned to nobody, with the time and who did it.
    let admin_id = sb.shared.data().user_by_email(ADMIN).unwrap().id.clone();
    let resolve = json!({"incident": {"type": "incident_reference", "status": "resolved",
        "resolution": "Handed over while offboarding."}});
    let r = put(&sb, &path, &t, Some(ADMIN), resolve.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let i = r.json()["incident"].clone();
    assert_eq!(i["status"], "resolved");
    assert!(i["assignments"].as_array().unwrap().is_empty());
    assert_eq!(i["last_status_change_by"]["id"], admin_id.as_str());
    assert_eq!(i["resolved_at"], i["last_status_change_at"]);
    assert!((secs(&i["resolved_at"]) - now()).abs() < 60);
    invalid(
        &put(&sb, &path, &t, Some(ADMIN), resolve).await,
        "Incident Already Resolved",
    );
    invalid(
        &put(&sb, &path, &t, Some(ADMIN), reassign(&to)).await,
        "Incident Already Resolved",
    );

    // What a body may not say.
    let (id, _, _, _) = open_incident(&sb).await;
    let path = format!("/incidents/{id}");
    let stakeholder = sb
        .shared
        .data()
        .user_by_email("stakeholder@example.com")
        .unwrap()
        .id
        .clone();
    for (body, detail) in [
        (
            json!({"incident": {"status": "resolved"}}),
            "Type can't be blank",
        ),
        (
            json!({"incident": {"type": "incident_reference", "status": "closed"}}),
            "Status must be triggered, acknowledged, or resolved",
        ),
        (
            reassign("PNOSUCH"),
            "Assignee PNOSUCH is not a user of this account",
        ),
        (reassign(&stakeholder), "Assignee cannot be a stakeholder"),
        (
            json!({"incident": {"type": "incident_reference", "assignments": []}}),
            "Assignments can't be blank",
        ),
        (
            json!({"incident": {"type": "incident_reference", "urgency": "medium"}}),
            "Urgency must be high or low",
        ),
        (
            json!({"incident": {"type": "incident_reference",
                "escalation_policy": {"id": "PNOSUCH", "type": "escalation_policy_reference"}}}),
            "Escalation policy is invalid",
        ),
    ] {
        invalid(&put(&sb, &path, &t, Some(ADMIN), body).await, detail);
    }
    let r = put(
        &sb,
        "/incidents/PNOSUCH",
        &t,
        Some(ADMIN),
        reassign(&admin_id),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reassigning_to_a_policy_pages_its_first_level() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (id, _, _, _) = open_incident(&sb).await;
    let eps = get(&sb.api, "/escalation_policies?limit=100", Some(&t))
        .await
        .json();
    let ep = eps["escalation_policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            !p["escalation_rules"][0]["targets"]
                .as_array()
                .unwrap()
                .is_empty()
        })
        .unwrap()
        .clone();
    let targets: Vec<String> = ep["escalation_rules"][0]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["type"] == "user_reference")
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    let body = json!({"incident": {"type": "incident_reference",
        "escalation_policy": {"id": ep["id"], "type": "escalation_policy_reference"}}});
    let r = put(&sb, &format!("/incidents/{id}"), &t, Some(ADMIN), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let i = r.json()["incident"].clone();
    assert_eq!(i["escalation_policy"]["id"], ep["id"]);
    assert_eq!(i["assigned_via"], "escalation_policy");
    assert_eq!(assignees(&i), targets);
}

#[tokio::test]
async fn assignments_can_be_made_to_add_rather_than_replace() {
    let sb = start(&["--incident-assignments", "add"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (id, before, to, _) = open_incident(&sb).await;
    let r = put(
        &sb,
        &format!("/incidents/{id}"),
        &t,
        Some(ADMIN),
        reassign(&to),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(assignees(&r.json()["incident"]), vec![before, to]);
}

#[tokio::test]
async fn bulk_updates_take_at_most_250_and_apply_all_or_nothing() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let all = walk(
        &sb,
        &t,
        "/incidents?date_range=all&statuses[]=triggered&statuses[]=acknowledged",
    )
    .await;
    let (a, b, c) = (&all[0], &all[1], &all[2]);
    let admin_id = sb.shared.data().user_by_email(ADMIN).unwrap().id.clone();
    let item = |i: &Value, extra: Value| {
        let mut v = json!({"id": i["id"], "type": "incident_reference"});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    let to_admin =
        json!({"assignments": [{"assignee": {"id": admin_id, "type": "user_reference"}}]});
    let many: Vec<Value> = (0..251)
        .map(|_| item(a, json!({"status": "resolved"})))
        .collect();
    let r = put(
        &sb,
        "/incidents",
        &t,
        Some(ADMIN),
        json!({ "incidents": many }),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(r.json()["error"]["message"], "Request Entity Too Large");
    // One bad item: nothing is applied.
    let bad = json!({"incidents": [
        item(a, json!({"status": "resolved"})),
        item(b, json!({"status": "sleeping"})),
    ]});
    let r = put(&sb, "/incidents", &t, Some(ADMIN), bad).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = put(
        &sb,
        "/incidents",
        &t,
        Some(ADMIN),
        json!({"incidents": [item(a, json!({"status": "resolved"})),
            {"id": "PNOSUCH", "type": "incident_reference", "status": "resolved"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let still = get(
        &sb.api,
        &format!("/incidents/{}", a["id"].as_str().unwrap()),
        Some(&t),
    )
    .await;
    assert_ne!(still.json()["incident"]["status"], "resolved");
    invalid(
        &put(&sb, "/incidents", &t, Some(ADMIN), json!({"incident": {}})).await,
        "incidents is required.",
    );

    let body = json!({"incidents": [
        item(a, json!({"status": "resolved", "resolution": "Offboarding"})),
        item(b, to_admin.clone()),
        item(c, to_admin),
    ]});
    let r = put(&sb, "/incidents", &t, Some(ADMIN), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    let rows = v["incidents"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["status"], "resolved");
    assert_eq!(assignees(&rows[1]), vec![admin_id.clone()]);
    assert_eq!(assignees(&rows[2]), vec![admin_id.clone()]);
    let exactly: Vec<Value> = (0..250)
        .map(|_| item(b, json!({"urgency": "low"})))
        .collect();
    let r = put(
        &sb,
        "/incidents",
        &t,
        Some(ADMIN),
        json!({ "incidents": exactly }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "250 is allowed: {}", r.body);
}

#[tokio::test]
async fn incidents_need_their_scopes_and_a_responder() {
    let sb = start(&[
        "--app-type",
        "scoped",
        "--client-secret",
        SECRET,
        "--app-scopes",
        "incidents.read incidents.write services.read users.read",
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
    let read = token("incidents.read").await;
    let write = token("incidents.write").await;
    let other = token("services.read").await;
    let lookup = token("incidents.read users.read").await;
    let (id, _, to, _) = open_incident_with(&sb, &lookup).await;
    for path in ["/incidents".to_string(), format!("/incidents/{id}")] {
        let r = get(&sb.api, &path, Some(&other)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["error"]["required_scopes"], "incidents.read");
        let r = get(&sb.api, &path, Some(&write)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "write grants no read");
        assert_eq!(
            get(&sb.api, &path, Some(&read)).await.status,
            StatusCode::OK
        );
    }
    let path = format!("/incidents/{id}");
    let r = put(&sb, &path, &read, Some(ADMIN), reassign(&to)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["required_scopes"], "incidents.write");
    let r = put(&sb, &path, &write, Some(ADMIN), reassign(&to)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Stakeholders and Observers may not act on incidents; a restricted user sees and acts on
    // their teams' services' incidents only.
    let sb = start(&[]);
    let (id, _, to, _) = open_incident(&sb).await;
    for email in ["stakeholder@example.com", "observer@example.com"] {
        let t = access_token(&sb, email, "write", &[]).await;
        let r = put(
            &sb,
            &format!("/incidents/{id}"),
            &t,
            Some(email),
            reassign(&to),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], 2010);
    }
    let t = access_token(&sb, "limited@example.com", "write", &[]).await;
    let r = put(
        &sb,
        &format!("/incidents/{id}"),
        &t,
        Some("limited@example.com"),
        reassign(&to),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "a Responder may: {}", r.body);
    let admin = access_token(&sb, ADMIN, "read", &[]).await;
    let responder = access_token(&sb, "responder@example.com", "write", &[]).await;
    let all = walk(&sb, &admin, "/incidents?date_range=all").await;
    let seen = walk(&sb, &responder, "/incidents?date_range=all").await;
    assert!(seen.len() < all.len());
    let seen_ids = ids(&seen);
    let hidden = all
        .iter()
        .find(|i| !seen_ids.contains(i["id"].as_str().unwrap()))
        .unwrap();
    let hid = hidden["id"].as_str().unwrap();
    assert_eq!(
        get(&sb.api, &format!("/incidents/{hid}"), Some(&responder))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = put(
        &sb,
        &format!("/incidents/{hid}"),
        &responder,
        Some("responder@example.com"),
        reassign(&to),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn the_state_file_keeps_incidents_keys_and_licenses_and_old_files_still_load() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "pd-sandbox-incidents-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let arg = path.to_str().unwrap().to_string();
    let sb = start(&["--state-file", &arg]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (id, _, to, _) = open_incident(&sb).await;
    let r = put(
        &sb,
        &format!("/incidents/{id}"),
        &t,
        Some(ADMIN),
        reassign(&to),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let before = get(&sb.api, "/incidents?date_range=all&limit=100", Some(&t))
        .await
        .json();
    let licenses = get(&sb.api, "/licenses", Some(&t)).await.json();
    let svc = get(
        &sb.api,
        "/services?include[]=integrations&limit=100",
        Some(&t),
    )
    .await
    .json();
    drop(sb);
    let sb = start(&["--state-file", &arg]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    assert_eq!(
        get(&sb.api, "/incidents?date_range=all&limit=100", Some(&t))
            .await
            .json(),
        before
    );
    assert_eq!(get(&sb.api, "/licenses", Some(&t)).await.json(), licenses);
    assert_eq!(
        get(
            &sb.api,
            "/services?include[]=integrations&limit=100",
            Some(&t)
        )
        .await
        .json(),
        svc
    );
    drop(sb);

    // A file saved before incidents, keys and licenses existed loads, with none of them.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("incidents");
    v.as_object_mut().unwrap().remove("licenses");
    for u in v["users"].as_array_mut().unwrap() {
        u.as_object_mut().unwrap().remove("license_allocated_at");
    }
    for s in v["services"].as_array_mut().unwrap() {
        for i in s["integrations"].as_array_mut().unwrap() {
            let i = i.as_object_mut().unwrap();
            i.remove("integration_key");
            i.remove("created_at");
        }
    }
    std::fs::write(&path, v.to_string()).unwrap();
    let sb = start(&["--state-file", &arg]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let r = get(&sb.api, "/incidents?date_range=all", Some(&t)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json()["incidents"].as_array().unwrap().is_empty());
    let r = get(&sb.api, "/license_allocations?limit=1", Some(&t)).await;
    assert!(r.json()["license_allocations"][0]["allocated_at"].is_string());
    let _ = std::fs::remove_dir_all(&dir);
}
