//! `GET /oncalls`: who is on call for each escalation policy and level, computed from the
//! schedules' layers and overrides and the rules' direct targets (reference §10.1).
mod common;

use axum::http::StatusCode;
use common::*;
use pd_sandbox::data::{rotation, Member, Target};
use pd_sandbox::tz::{parse_datetime, rfc3339, Zone};
use serde_json::{json, Value};
use std::collections::HashSet;

const ADMIN: &str = "admin@example.com";

fn secs(v: &Value) -> i64 {
    parse_datetime(v.as_str().unwrap(), Zone::named("UTC").unwrap()).unwrap()
}

async fn walk(sb: &Sb, t: &str, query: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    loop {
        let path = format!("/oncalls?limit=100&offset={}&total=true{query}", rows.len());
        let r = get(&sb.api, &path, Some(t)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let v = r.json();
        rows.extend(v["oncalls"].as_array().unwrap().iter().cloned());
        if v["more"] == false {
            assert_eq!(v["total"], rows.len());
            return rows;
        }
    }
}

#[tokio::test]
async fn oncalls_now_come_from_the_layers_and_the_direct_targets() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let now = sb.shared.now_secs();
    let all = walk(&sb, &t, "").await;
    let d = sb.shared.data();
    let mut expected = 0;
    for p in &d.policies {
        for (level, r) in p.rules.iter().enumerate() {
            for target in &r.targets {
                // A schedule may put a deleted user's stub on call (the seeded "Legacy
                // rotation"); a direct stub target is never on call.
                let id_of = |m: &Member| match m {
                    Member::User(u) => (d.users[*u].id.clone(), d.users[*u].name.clone()),
                    Member::Deleted(x) => (x.id.clone(), x.name.clone()),
                };
                let (user, schedule) = match target {
                    Target::User(m @ Member::User(_)) => (Some(id_of(m)), None),
                    Target::User(Member::Deleted(_)) => (None, None),
                    Target::Schedule(s) => {
                        let sched = &d.schedules[*s];
                        let who = rotation::final_at(sched, sched.zone(), now);
                        (who.map(id_of), Some(sched.id.clone()))
                    }
                };
                let Some((uid, uname)) = user else { continue };
                expected += 1;
                let found = all.iter().any(|o| {
                    o["escalation_policy"]["id"] == p.id.as_str()
                        && o["escalation_level"] == level + 1
                        && o["user"]["id"] == uid.as_str()
                        && o["schedule"]["id"].as_str().map(str::to_string) == schedule
                });
                assert!(found, "{} level {} {}", p.name, level + 1, uname);
            }
        }
    }
    assert_eq!(all.len(), expected);
    for o in &all {
        assert_eq!(
            o["escalation_policy"]["type"],
            "escalation_policy_reference"
        );
        assert_eq!(o["user"]["type"], "user_reference");
        if o["schedule"].is_null() {
            assert!(o["start"].is_null() && o["end"].is_null(), "{o}");
        } else {
            assert_eq!(o["schedule"]["type"], "schedule_reference");
            assert!(o["start"].as_str().unwrap().ends_with('Z'));
            assert!(secs(&o["start"]) <= now && now < secs(&o["end"]), "{o}");
        }
    }
    assert!(all.iter().any(|o| o["schedule"].is_null()));
    assert!(all.iter().any(|o| o["schedule"].is_object()));
}

#[tokio::test]
async fn oncalls_filter_include_and_cover_a_range() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let now = sb.shared.now_secs();
    let all = walk(&sb, &t, "").await;
    let with_schedule = all.iter().find(|o| o["schedule"].is_object()).unwrap();
    let uid = with_schedule["user"]["id"].as_str().unwrap();
    let sid = with_schedule["schedule"]["id"].as_str().unwrap();
    let pid = with_schedule["escalation_policy"]["id"].as_str().unwrap();
    let by_user = walk(&sb, &t, &format!("&user_ids[]={uid}")).await;
    assert!(!by_user.is_empty() && by_user.iter().all(|o| o["user"]["id"] == uid));
    let by_policy = walk(&sb, &t, &format!("&escalation_policy_ids[]={pid}")).await;
    assert!(by_policy
        .iter()
        .all(|o| o["escalation_policy"]["id"] == pid));
    let levels: HashSet<u64> = by_policy
        .iter()
        .map(|o| o["escalation_level"].as_u64().unwrap())
        .collect();
    assert!(levels.len() >= 2, "{levels:?}");
    let by_schedule = walk(&sb, &t, &format!("&schedule_ids[]={sid}")).await;
    assert!(!by_schedule.is_empty());
    assert!(by_schedule.iter().all(|o| o["schedule"]["id"] == sid));
    // `null` among schedule_ids[] adds the direct targets.
    let with_null = walk(
        &sb,
        &t,
        &format!("&schedule_ids[]={sid}&schedule_ids[]=null"),
    )
    .await;
    let direct = all.iter().filter(|o| o["schedule"].is_null()).count();
    assert_eq!(with_null.len(), by_schedule.len() + direct);

    // Two weeks ahead: every turn of the schedule's people, earliest=true the first each.
    let range = format!(
        "&since={}&until={}",
        rfc3339(now),
        rfc3339(now + 14 * 86_400)
    );
    let ahead = walk(&sb, &t, &format!("{range}&schedule_ids[]={sid}")).await;
    assert!(ahead.len() > by_schedule.len());
    for o in &ahead {
        assert!(secs(&o["start"]) < now + 56 * 86_400 && secs(&o["end"]) > now);
    }
    let earliest = walk(
        &sb,
        &t,
        &format!("{range}&schedule_ids[]={sid}&earliest=true"),
    )
    .await;
    let keys: Vec<(String, u64, String)> = earliest
        .iter()
        .map(|o| {
            (
                o["escalation_policy"]["id"].as_str().unwrap().to_string(),
                o["escalation_level"].as_u64().unwrap(),
                o["user"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(keys.iter().collect::<HashSet<_>>().len(), keys.len());
    // The first of each policy, level and user among all of them.
    let mut want: Vec<&Value> = Vec::new();
    for o in &ahead {
        let same = |w: &&Value| {
            w["escalation_policy"]["id"] == o["escalation_policy"]["id"]
                && w["escalation_level"] == o["escalation_level"]
                && w["user"]["id"] == o["user"]["id"]
        };
        match want.iter().position(same) {
            Some(i) if secs(&want[i]["start"]) > secs(&o["start"]) => want[i] = o,
            Some(_) => {}
            None => want.push(o),
        }
    }
    assert_eq!(earliest.len(), want.len());
    for w in want {
        assert!(earliest.contains(w), "{w}");
    }
    // On-calls end 90 days ahead at the latest.
    let far = walk(
        &sb,
        &t,
        &format!(
            "&since={}&until={}&schedule_ids[]={sid}",
            rfc3339(now),
            rfc3339(now + 400 * 86_400)
        ),
    )
    .await;
    assert!(far.iter().all(|o| secs(&o["start"]) <= now + 90 * 86_400));

    // Includes and time_zone.
    let v = get(
        &sb.api,
        &format!("/oncalls?schedule_ids[]={sid}&include[]=users&include[]=schedules&include[]=escalation_policies&time_zone=Asia/Tokyo"),
        Some(&t),
    )
    .await
    .json();
    let o = &v["oncalls"][0];
    assert_eq!(o["user"]["type"], "user");
    assert!(o["user"]["email"].is_string());
    assert_eq!(o["schedule"]["type"], "schedule");
    assert_eq!(o["escalation_policy"]["type"], "escalation_policy");
    assert!(o["start"].as_str().unwrap().ends_with("+09:00"));
    for bad in [
        format!("?since={}&until={}", rfc3339(now), rfc3339(now - 60)),
        "?since=soon".to_string(),
        "?include[]=teams".to_string(),
        "?time_zone=Mars/Olympus".to_string(),
    ] {
        let r = get(&sb.api, &format!("/oncalls{bad}"), Some(&t)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
}

#[tokio::test]
async fn an_override_changes_who_is_on_call() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let now = sb.shared.now_secs();
    let (sid, stand_in) = {
        let d = sb.shared.data();
        let s = d
            .schedules
            .iter()
            .position(|s| {
                !d.policies_using_schedule(d.schedule_index(&s.id).unwrap())
                    .is_empty()
            })
            .unwrap();
        let on: Vec<usize> = d.schedules[s]
            .layers
            .iter()
            .flat_map(|l| &l.members)
            .filter_map(Member::user)
            .collect();
        let u = (0..d.users.len())
            .find(|u| !on.contains(u) && d.users[*u].role == "user")
            .unwrap();
        (d.schedules[s].id.clone(), d.users[u].id.clone())
    };
    let before = walk(&sb, &t, &format!("&schedule_ids[]={sid}")).await;
    assert!(before.iter().all(|o| o["user"]["id"] != stand_in.as_str()));
    let r = send_json(
        &sb.api,
        "POST",
        &format!("/schedules/{sid}/overrides"),
        &t,
        Some(
            json!({"overrides": [{"start": rfc3339(now - 60), "end": rfc3339(now + 3600),
            "user": {"id": stand_in, "type": "user_reference"}}]}),
        ),
    )
    .await;
    assert_eq!(r.json()[0]["status"], 201, "{}", r.body);
    let after = walk(&sb, &t, &format!("&schedule_ids[]={sid}")).await;
    assert!(!after.is_empty());
    for o in &after {
        assert_eq!(o["user"]["id"], stand_in.as_str());
        assert_eq!(secs(&o["start"]), now - 60);
        assert_eq!(secs(&o["end"]), now + 3600);
    }
}

#[tokio::test]
async fn oncalls_need_oncalls_read() {
    let sb = start(&[
        "--app-type",
        "scoped",
        "--client-secret",
        SECRET,
        "--app-scopes",
        "schedules.read oncalls.read",
    ]);
    let secret = [("client_secret", SECRET)];
    let t = access_token(&sb, ADMIN, "schedules.read", &secret).await;
    let r = get(&sb.api, "/oncalls", Some(&t)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["required_scopes"], "oncalls.read");
    let t = access_token(&sb, ADMIN, "oncalls.read", &secret).await;
    assert_eq!(
        get(&sb.api, "/oncalls", Some(&t)).await.status,
        StatusCode::OK
    );
}
