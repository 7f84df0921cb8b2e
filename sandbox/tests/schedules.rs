//! Schedules: lists and reads with layers and rendered entries, the layer-order quirk, writes
//! with PagerDuty's checks, layers never deleted, and the schedule's on-call users
//! (reference §10.1, §10.3).
mod common;

use axum::http::StatusCode;
use common::*;
use pd_sandbox::data::{DeletedUser, Member, Target};
use serde_json::{json, Value};

const ADMIN: &str = "admin@example.com";

fn invalid_input(r: &Resp, detail: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{detail}: {}", r.body);
    assert_eq!(
        r.json(),
        json!({"error": {"message": "Invalid Input Provided", "code": 2001, "errors": [detail]}}),
        "{detail}"
    );
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

/// The index and id of a seeded schedule with at least `n` layers, none ended.
fn schedule_with_layers(sb: &Sb, n: usize) -> (usize, String) {
    let d = sb.shared.data();
    let s = d
        .schedules
        .iter()
        .position(|s| s.layers.len() >= n && s.layers.iter().all(|l| l.end.is_none()))
        .unwrap();
    (s, d.schedules[s].id.clone())
}

async fn read(sb: &Sb, t: &str, path: &str) -> Value {
    let r = get(&sb.api, path, Some(t)).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.json()
}

/// A schedule as GET gave it, made a PUT body: read-only fields left out, layers in `order`.
fn put_body(schedule: &Value, reverse: bool) -> Value {
    let mut s = schedule.clone();
    let o = s.as_object_mut().unwrap();
    for k in [
        "users",
        "escalation_policies",
        "final_schedule",
        "overrides_subschedule",
    ] {
        o.remove(k);
    }
    if reverse {
        o["schedule_layers"].as_array_mut().unwrap().reverse();
    }
    json!({ "schedule": s })
}

async fn put(sb: &Sb, t: &str, id: &str, body: Value) -> Resp {
    send_json(&sb.api, "PUT", &format!("/schedules/{id}"), t, Some(body)).await
}

fn layer_ids(s: &Value) -> Vec<String> {
    ids(&s["schedule_layers"])
}

#[tokio::test]
async fn schedules_list_without_layers_unless_asked_and_has_no_user_filter() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let v = read(&sb, &t, "/schedules?limit=100&total=true").await;
    let list = v["schedules"].as_array().unwrap();
    assert_eq!(v["total"], sb.shared.data().schedules.len());
    assert!(list.len() >= 8);
    let names: Vec<&str> = list.iter().map(|s| s["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted, "by name");
    for s in list {
        assert_eq!(s["type"], "schedule");
        assert!(s["time_zone"].is_string() && s["summary"] == s["name"]);
        assert!(s["escalation_policies"].is_array() && s["users"].is_array());
        assert!(s["teams"].is_array());
        assert!(s.get("schedule_layers").is_none(), "{s}");
        for u in s["users"].as_array().unwrap() {
            assert_eq!(u["type"], "user_reference");
        }
    }
    assert!(list
        .iter()
        .any(|s| s["escalation_policies"].as_array().unwrap().is_empty()));
    let uid = list[0]["users"][0]["id"].as_str().unwrap();
    let same = read(&sb, &t, &format!("/schedules?limit=100&user_ids[]={uid}")).await;
    assert_eq!(same["schedules"].as_array().unwrap().len(), list.len());
    let with = read(&sb, &t, "/schedules?limit=100&include[]=schedule_layers").await;
    for s in with["schedules"].as_array().unwrap() {
        for l in s["schedule_layers"].as_array().unwrap() {
            for key in [
                "id",
                "name",
                "start",
                "rotation_virtual_start",
                "rotation_turn_length_seconds",
                "users",
                "restrictions",
            ] {
                assert!(!l[key].is_null(), "{key}: {l}");
            }
            assert!(l.get("end").is_some());
            assert_eq!(l["users"][0]["user"]["type"], "user_reference");
        }
    }
    let v = read(&sb, &t, "/schedules?query=PLATFORM").await;
    assert!(v["schedules"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["name"].as_str().unwrap().contains("Platform")));
    let r = get(&sb.api, "/schedules?include[]=users", Some(&t)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn get_gives_layers_in_the_opposite_order_to_put() {
    for (flag, reversed) in [(None, true), (Some("same"), false)] {
        let sb = match flag {
            Some(f) => start(&["--schedule-layer-order", f]),
            None => start(&[]),
        };
        let t = access_token(&sb, ADMIN, "write", &[]).await;
        let (s, id) = schedule_with_layers(&sb, 2);
        let mut stored: Vec<String> = sb.shared.data().schedules[s]
            .layers
            .iter()
            .map(|l| l.id.clone())
            .collect();
        if reversed {
            stored.reverse();
        }
        let before = read(&sb, &t, &format!("/schedules/{id}")).await["schedule"].clone();
        assert_eq!(layer_ids(&before), stored);
        // Written back as read: with the quirk, the order (and who wins) flips.
        let r = put(&sb, &t, &id, put_body(&before, false)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let after = read(&sb, &t, &format!("/schedules/{id}")).await["schedule"].clone();
        let mut flipped = layer_ids(&before);
        flipped.reverse();
        assert_eq!(
            layer_ids(&after),
            if reversed {
                flipped
            } else {
                layer_ids(&before)
            }
        );
        if reversed {
            // Reversed before the PUT, as PagerDuty's own scripts do: back as it was.
            let r = put(&sb, &t, &id, put_body(&after, true)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let again = read(&sb, &t, &format!("/schedules/{id}")).await["schedule"].clone();
            assert_eq!(layer_ids(&again), layer_ids(&after));
            let r = put(&sb, &t, &id, put_body(&after, true)).await;
            assert_eq!(layer_ids(&r.json()["schedule"]), layer_ids(&after));
        }
    }
}

#[tokio::test]
async fn one_schedule_renders_entries_over_since_and_until() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let (_, id) = schedule_with_layers(&sb, 2);
    let plain = read(&sb, &t, &format!("/schedules/{id}")).await["schedule"].clone();
    assert_eq!(plain["final_schedule"]["name"], "Final Schedule");
    assert_eq!(plain["overrides_subschedule"]["name"], "Overrides");
    assert_eq!(
        plain["final_schedule"]["rendered_schedule_entries"],
        json!([])
    );
    assert!(plain["schedule_layers"][0]["rendered_coverage_percentage"].is_null());
    let zone = plain["time_zone"].as_str().unwrap().to_string();
    let path = format!(
        "/schedules/{id}?since=2026-03-02T00:00:00Z&until=2026-03-09T00:00:00Z&time_zone=UTC"
    );
    let v = read(&sb, &t, &path).await["schedule"].clone();
    let fin = v["final_schedule"]["rendered_schedule_entries"]
        .as_array()
        .unwrap();
    assert!(!fin.is_empty());
    assert_eq!(fin[0]["start"], "2026-03-02T00:00:00+00:00");
    assert_eq!(fin.last().unwrap()["end"], "2026-03-09T00:00:00+00:00");
    for w in fin.windows(2) {
        assert_eq!(
            w[0]["end"], w[1]["start"],
            "the final schedule has no gaps here"
        );
        assert_ne!(w[0]["user"]["id"], w[1]["user"]["id"]);
    }
    assert_eq!(v["final_schedule"]["rendered_coverage_percentage"], 100.0);
    for l in v["schedule_layers"].as_array().unwrap() {
        let c = l["rendered_coverage_percentage"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&c));
    }
    // Without time_zone: the schedule's zone. overflow=true: whole turns.
    let path = format!(
        "/schedules/{id}?since=2026-03-04T12:00:00Z&until=2026-03-04T13:00:00Z&overflow=true"
    );
    let v = read(&sb, &t, &path).await["schedule"].clone();
    assert_eq!(v["time_zone"], zone.as_str());
    let fin = v["final_schedule"]["rendered_schedule_entries"]
        .as_array()
        .unwrap();
    assert!(!fin.is_empty());
    assert!(!fin[0]["start"].as_str().unwrap().ends_with("Z"));
    for bad in [
        "?since=yesterday",
        "?since=2026-03-09T00:00:00Z&until=2026-03-01T00:00:00Z",
        "?since=2020-01-01T00:00:00Z&until=2026-01-01T00:00:00Z",
        "?time_zone=Mars/Olympus",
    ] {
        let r = get(&sb.api, &format!("/schedules/{id}{bad}"), Some(&t)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
    assert_eq!(
        get(&sb.api, "/schedules/PNOSUCH", Some(&t)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn replacing_a_user_in_place_keeps_the_rotation() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (s, id) = schedule_with_layers(&sb, 1);
    let range = "since=2026-04-06T00:00:00Z&until=2026-05-04T00:00:00Z&time_zone=UTC";
    let before = read(&sb, &t, &format!("/schedules/{id}?{range}")).await["schedule"].clone();
    // The weekly layer: replace its first user with someone on no layer.
    let (layer_id, old, new) = {
        let d = sb.shared.data();
        let l = d.schedules[s]
            .layers
            .iter()
            .find(|l| l.name == "Weekly rotation" && l.members.len() >= 2)
            .unwrap();
        let on_layers: Vec<usize> = d.schedules[s]
            .layers
            .iter()
            .flat_map(|l| &l.members)
            .filter_map(Member::user)
            .collect();
        let new = (0..d.users.len())
            .find(|u| !on_layers.contains(u) && d.users[*u].role == "user")
            .unwrap();
        (
            l.id.clone(),
            d.users[l.members[0].user().unwrap()].id.clone(),
            d.users[new].id.clone(),
        )
    };
    let mut body = put_body(&before, true);
    for l in body["schedule"]["schedule_layers"].as_array_mut().unwrap() {
        if l["id"] == layer_id.as_str() {
            assert_eq!(l["users"][0]["user"]["id"], old.as_str());
            l["users"][0] = json!({"user": {"id": new, "type": "user_reference"}});
        }
    }
    let r = put(&sb, &t, &id, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after = read(&sb, &t, &format!("/schedules/{id}?{range}")).await["schedule"].clone();
    let layer = |v: &Value| {
        v["schedule_layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == layer_id.as_str())
            .unwrap()["rendered_schedule_entries"]
            .clone()
    };
    let (b, a) = (layer(&before), layer(&after));
    assert_eq!(b.as_array().unwrap().len(), a.as_array().unwrap().len());
    let mut replaced = 0;
    for (x, y) in b.as_array().unwrap().iter().zip(a.as_array().unwrap()) {
        assert_eq!(
            (&x["start"], &x["end"]),
            (&y["start"], &y["end"]),
            "same turns"
        );
        if x["user"]["id"] == old.as_str() {
            assert_eq!(y["user"]["id"], new.as_str());
            replaced += 1;
        } else {
            assert_eq!(x["user"]["id"], y["user"]["id"]);
        }
    }
    assert!(replaced > 0);
    let users = ids(&after["users"]);
    assert!(users.contains(&new));
}

#[tokio::test]
async fn layers_are_ended_never_deleted() {
    for end_omitted in [false, true] {
        let sb = if end_omitted {
            start(&["--end-omitted-layers"])
        } else {
            start(&[])
        };
        let t = access_token(&sb, ADMIN, "write", &[]).await;
        let (_, id) = schedule_with_layers(&sb, 2);
        let before = read(&sb, &t, &format!("/schedules/{id}")).await["schedule"].clone();
        let mut body = put_body(&before, true);
        let dropped = body["schedule"]["schedule_layers"]
            .as_array_mut()
            .unwrap()
            .remove(0);
        let r = put(&sb, &t, &id, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let after = read(&sb, &t, &format!("/schedules/{id}")).await["schedule"].clone();
        let kept = after["schedule_layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == dropped["id"])
            .expect("a layer left out of a PUT is still there")
            .clone();
        assert_eq!(kept["end"].is_null(), !end_omitted, "{kept}");
    }
    // Ending a layer: still listed, with its end; its people leave the schedule's users
    // unless another layer has them.
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (s, id) = schedule_with_layers(&sb, 2);
    let before = read(&sb, &t, &format!("/schedules/{id}")).await["schedule"].clone();
    let mut body = put_body(&before, true);
    let last = body["schedule"]["schedule_layers"]
        .as_array()
        .unwrap()
        .len()
        - 1;
    body["schedule"]["schedule_layers"][last]["end"] = json!("2026-01-01T00:00:00Z");
    let ended_id = body["schedule"]["schedule_layers"][last]["id"].clone();
    let r = put(&sb, &t, &id, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json()["schedule"].clone();
    let ended = v["schedule_layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == ended_id)
        .unwrap()
        .clone();
    assert!(ended["end"].is_string());
    let d = sb.shared.data();
    let live: Vec<String> = d.schedules[s]
        .layers
        .iter()
        .filter(|l| l.end.is_none())
        .flat_map(|l| &l.members)
        .filter_map(Member::user)
        .map(|u| d.users[u].id.clone())
        .collect();
    for u in ids(&v["users"]) {
        assert!(live.contains(&u), "{u} is only on the ended layer");
    }
}

#[tokio::test]
async fn schedule_writes_are_checked() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (s, id) = schedule_with_layers(&sb, 1);
    let (stakeholder, member) = {
        let d = sb.shared.data();
        (
            d.user_by_email("stakeholder@example.com")
                .unwrap()
                .id
                .clone(),
            d.users[d.schedules[s].layers[0].members[0].user().unwrap()]
                .id
                .clone(),
        )
    };
    let layer = |users: Value| {
        json!({"start": "2026-01-05T09:00:00-05:00", "rotation_virtual_start": "2026-01-05T09:00:00-05:00",
            "rotation_turn_length_seconds": 604800, "users": users})
    };
    let body = |layers: Value| {
        json!({"schedule": {"type": "schedule", "name": "Checked", "time_zone": "America/New_York",
            "schedule_layers": layers}})
    };
    let u = |id: &str| json!([{"user": {"id": id, "type": "user_reference"}}]);
    let post = |b: Value| send_json(&sb.api, "POST", "/schedules", &t, Some(b));
    invalid_input(
        &post(body(json!([layer(u(&stakeholder))]))).await,
        "Stakeholders cannot be added to schedules",
    );
    invalid_input(
        &post(body(json!([layer(json!([]))]))).await,
        "Users can't be blank",
    );
    let r = post(body(json!([layer(u("PNOSUCH"))]))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    invalid_input(
        &post(body(json!([]))).await,
        "Schedule layers can't be blank",
    );
    let mut b = body(json!([layer(u(&member))]));
    b["schedule"]["time_zone"] = json!("Mars/Olympus");
    invalid_input(&post(b.clone()).await, "Time zone is not a valid time zone");
    b["schedule"].as_object_mut().unwrap().remove("time_zone");
    invalid_input(&post(b).await, "Time zone can't be blank");
    let mut l = layer(u(&member));
    l["rotation_turn_length_seconds"] = json!(60);
    invalid_input(
        &post(body(json!([l]))).await,
        "Rotation turn length seconds must be between 3600 and 31536000",
    );
    let mut l = layer(u(&member));
    l["start"] = json!("next monday");
    invalid_input(
        &post(body(json!([l]))).await,
        "start must be an ISO 8601 date-time",
    );
    for (r, text) in [
        (
            json!({"type": "hourly_restriction", "start_time_of_day": "09:00:00", "duration_seconds": 60}),
            "Restriction type must be daily_restriction or weekly_restriction",
        ),
        (
            json!({"type": "daily_restriction", "start_time_of_day": "9am", "duration_seconds": 60}),
            "Start time of day must be HH:MM:SS",
        ),
        (
            json!({"type": "daily_restriction", "start_time_of_day": "09:00:00", "duration_seconds": 86400}),
            "Duration seconds must be between 1 and 86399 for a daily restriction",
        ),
        (
            json!({"type": "weekly_restriction", "start_time_of_day": "09:00:00", "duration_seconds": 3600}),
            "Start day of week must be between 1 and 7",
        ),
    ] {
        let mut l = layer(u(&member));
        l["restrictions"] = json!([r]);
        invalid_input(&post(body(json!([l]))).await, text);
    }
    // PUT: an id that is not one of the schedule's layers.
    let mut l = layer(u(&member));
    l["id"] = json!("PNOSUCH");
    invalid_input(
        &put(&sb, &t, &id, body(json!([l]))).await,
        "Schedule layer PNOSUCH is not on this schedule",
    );
    let mut l = layer(u(&stakeholder));
    l["id"] = json!(sb.shared.data().schedules[s].layers[0].id.clone());
    invalid_input(
        &put(&sb, &t, &id, body(json!([l]))).await,
        "Stakeholders cannot be added to schedules",
    );
    assert_eq!(
        put(&sb, &t, "PNOSUCH", body(json!([layer(u(&member))])))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // --allow-empty-layers: a layer with nobody is kept, and puts nobody on call.
    let sb = start(&["--allow-empty-layers"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let r = send_json(
        &sb.api,
        "POST",
        "/schedules",
        &t,
        Some(body(json!([layer(json!([]))]))),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["schedule"]["users"], json!([]));
}

#[tokio::test]
async fn deleted_user_stubs_are_kept_only_when_asked() {
    for keep in [false, true] {
        let sb = if keep {
            start(&["--keep-deleted-user-stubs"])
        } else {
            start(&[])
        };
        let t = access_token(&sb, ADMIN, "write", &[]).await;
        let (s, id) = schedule_with_layers(&sb, 1);
        let stub = Member::Deleted(DeletedUser {
            id: "PDELUS1".into(),
            name: "Former Employee".into(),
            deleted_at: "2026-01-15T10:00:00Z".into(),
        });
        sb.shared.data_mut().schedules[s].layers[0]
            .members
            .push(stub.clone());
        let v = read(&sb, &t, &format!("/schedules/{id}")).await["schedule"].clone();
        let r = put(&sb, &t, &id, put_body(&v, true)).await;
        if keep {
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(
                sb.shared.data().schedules[s].layers[0].members.last(),
                Some(&stub)
            );
        } else {
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        }
    }
}

#[tokio::test]
async fn create_and_delete_schedules() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (member, team) = {
        let d = sb.shared.data();
        let s = &d.schedules[0];
        (
            d.users[s.layers.last().unwrap().members[0].user().unwrap()]
                .id
                .clone(),
            d.teams[0].id.clone(),
        )
    };
    let body = json!({"schedule": {"type": "schedule", "name": "Weekend Cover",
        "time_zone": "Europe/Berlin", "description": "Saturdays and Sundays",
        "teams": [{"id": team, "type": "team_reference"}],
        "schedule_layers": [
            {"name": "Nights", "start": "2026-01-03T00:00:00", "rotation_virtual_start": "2026-01-03T00:00:00",
             "rotation_turn_length_seconds": 86400,
             "users": [{"user": {"id": member, "type": "user_reference"}}],
             "restrictions": [{"type": "weekly_restriction", "start_day_of_week": 6,
                               "start_time_of_day": "00:00:00", "duration_seconds": 172800}]},
            {"start": "2026-01-03T00:00:00+01:00", "rotation_virtual_start": "2026-01-03T00:00:00+01:00",
             "rotation_turn_length_seconds": 604800,
             "users": [{"user": {"id": member, "type": "user"}}]}]}});
    let r = send_json(&sb.api, "POST", "/schedules", &t, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json()["schedule"].clone();
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(v["name"], "Weekend Cover");
    assert_eq!(ids(&v["teams"]), vec![team]);
    let layers = v["schedule_layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    // GET order is the opposite of what was sent; an unnamed layer is named by position.
    assert_eq!(layers[0]["name"], "Layer 2");
    assert_eq!(layers[1]["name"], "Nights");
    // A naive time is the schedule's wall clock: both starts are the same instant.
    assert_eq!(layers[0]["start"], "2026-01-03T00:00:00+01:00");
    assert_eq!(layers[1]["start"], layers[0]["start"]);
    assert_eq!(layers[1]["restrictions"][0]["start_day_of_week"], 6);
    assert!(layers.iter().all(|l| l["id"].is_string()));

    // A schedule used by a policy cannot be deleted; one unused can.
    let used = sb.shared.data().schedules[0].id.clone();
    let r = send_json(&sb.api, "DELETE", &format!("/schedules/{used}"), &t, None).await;
    invalid_input(
        &r,
        "Schedule can't be deleted if it's being used by escalation policies",
    );
    let targets_before: Vec<Vec<String>> = policy_schedule_targets(&sb);
    let holiday = {
        let d = sb.shared.data();
        d.schedules
            .iter()
            .find(|s| s.name == "Holiday Cover")
            .unwrap()
            .id
            .clone()
    };
    for gone in [holiday, id] {
        let r = send_json(&sb.api, "DELETE", &format!("/schedules/{gone}"), &t, None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_eq!(
            get(&sb.api, &format!("/schedules/{gone}"), Some(&t))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(policy_schedule_targets(&sb), targets_before);
}

/// The schedule ids each policy's rules target.
fn policy_schedule_targets(sb: &Sb) -> Vec<Vec<String>> {
    let d = sb.shared.data();
    d.policies
        .iter()
        .map(|p| {
            p.rules
                .iter()
                .flat_map(|r| &r.targets)
                .filter_map(|t| match t {
                    Target::Schedule(s) => Some(d.schedules[*s].id.clone()),
                    Target::User(_) => None,
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn schedule_users_are_who_is_on_call_and_need_users_read() {
    let sb = start(&[
        "--app-type",
        "scoped",
        "--client-secret",
        SECRET,
        "--app-scopes",
        "schedules.read schedules.write users.read",
    ]);
    let secret = [("client_secret", SECRET)];
    let (s, id) = schedule_with_layers(&sb, 2);
    let sched_only = access_token(&sb, ADMIN, "schedules.read", &secret).await;
    let path =
        format!("/schedules/{id}/users?since=2026-03-02T00:00:00Z&until=2026-03-16T00:00:00Z");
    let r = get(&sb.api, &path, Some(&sched_only)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["required_scopes"], "users.read");
    let users_read = access_token(&sb, ADMIN, "users.read", &secret).await;
    let r = get(&sb.api, &format!("/schedules/{id}"), Some(&users_read)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["required_scopes"], "schedules.read");
    let v = read(&sb, &users_read, &path).await;
    let users = v["users"].as_array().unwrap();
    assert!(!users.is_empty());
    let members: Vec<String> = {
        let d = sb.shared.data();
        d.schedules[s]
            .layers
            .iter()
            .flat_map(|l| &l.members)
            .filter_map(Member::user)
            .map(|u| d.users[u].id.clone())
            .collect()
    };
    for u in users {
        assert_eq!(u["type"], "user");
        assert!(u["email"].is_string());
        assert!(members.contains(&u["id"].as_str().unwrap().to_string()));
    }
    // The final schedule over the same range names the same people.
    let v = read(
        &sb,
        &sched_only,
        &format!("/schedules/{id}?since=2026-03-02T00:00:00Z&until=2026-03-16T00:00:00Z"),
    )
    .await;
    let mut on_call: Vec<String> = v["schedule"]["final_schedule"]["rendered_schedule_entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["user"]["id"].as_str().unwrap().to_string())
        .collect();
    on_call.dedup();
    let mut a = on_call.clone();
    a.sort();
    a.dedup();
    let mut b = ids(&json!(users));
    b.sort();
    assert_eq!(a, b);
    assert_eq!(
        get(&sb.api, "/schedules/PNOSUCH/users", Some(&users_read))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Writes: schedules.write, and a manager role.
    let write = access_token(&sb, ADMIN, "schedules.write", &secret).await;
    let body = json!({"schedule": {"type": "schedule", "time_zone": "UTC"}});
    let r = put(&sb, &sched_only, &id, body.clone()).await;
    assert_eq!(r.json()["error"]["required_scopes"], "schedules.write");
    let r = put(&sb, &write, &id, body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let limited = access_token(&sb, "limited@example.com", "schedules.write", &secret).await;
    let r = put(&sb, &limited, &id, body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], 2010);
}
