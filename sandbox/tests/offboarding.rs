//! Taking people out (reference §10.5–10.6): `DELETE /users/{id}` refused while the user has
//! assigned open incidents (`--offboarding`) or is in a rule or layer (`--delete-referenced`,
//! whose `stub` leaves deleted users' stubs), the seeded stubs of past deletions,
//! `DELETE /teams/{id}/users/{uid}` refused while a policy of the team names the user
//! (`--team-removal-blocked-by`), and `--scenario offboarding`.
mod common;

use axum::http::StatusCode;
use common::*;
use pd_sandbox::data::{Dataset, Member, Target, UserPlace, OFFBOARDING_PEOPLE};
use serde_json::{json, Value};

const ADMIN: &str = "admin@example.com";
const INCIDENTS_TEXT: &str = "User cannot be deleted while they have assigned incidents";
const REFERENCED_TEXT: &str =
    "User cannot be deleted while they belong to a schedule or an escalation policy";
const TEAM_TEXT: &str =
    "User cannot be removed as they belong to an escalation policy on this team";

fn invalid_input(r: &Resp, detail: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{detail}: {}", r.body);
    assert_eq!(
        r.json(),
        json!({"error": {"message": "Invalid Input Provided", "code": 2001, "errors": [detail]}}),
    );
}

fn open_incidents(d: &Dataset, id: &str) -> bool {
    d.incidents
        .iter()
        .any(|i| i.status != "resolved" && i.assignments.iter().any(|a| a.user == id))
}

/// A user (not the owner or admin) chosen by `want(data, index, has open incidents, in a rule or layer)`.
fn user_where(sb: &Sb, want: impl Fn(&Dataset, usize, bool, bool) -> bool) -> String {
    let d = sb.shared.data();
    let u = (0..d.users.len())
        .find(|u| {
            let user = &d.users[*u];
            let placed = d
                .user_places(*u)
                .iter()
                .any(|p| matches!(p, UserPlace::Rule { .. } | UserPlace::Layer { .. }));
            user.role != "owner"
                && user.email != ADMIN
                && want(&d, *u, open_incidents(&d, &user.id), placed)
        })
        .expect("such a user");
    d.users[u].id.clone()
}

async fn delete(sb: &Sb, t: &str, path: &str) -> Resp {
    send_json(&sb.api, "DELETE", path, t, None).await
}

#[tokio::test]
async fn a_user_with_assigned_open_incidents_is_not_deleted() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let id = user_where(&sb, |_, _, open, _| open);
    invalid_input(
        &delete(&sb, &t, &format!("/users/{id}")).await,
        INCIDENTS_TEXT,
    );
    assert!(sb.shared.data().user_by_id(&id).is_some());
}

#[tokio::test]
async fn offboarding_reassign_restarts_their_incidents_on_the_policy() {
    let sb = start(&["--offboarding", "reassign", "--delete-referenced", "stub"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let id = user_where(&sb, |_, _, open, _| open);
    let theirs: Vec<String> = {
        let d = sb.shared.data();
        d.incidents
            .iter()
            .filter(|i| i.status != "resolved" && i.assignments.iter().any(|a| a.user == id))
            .map(|i| i.id.clone())
            .collect()
    };
    let r = delete(&sb, &t, &format!("/users/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    for inc in theirs {
        let v = get(&sb.api, &format!("/incidents/{inc}"), Some(&t))
            .await
            .json();
        let assignees: Vec<&str> = v["incident"]["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["assignee"]["id"].as_str().unwrap())
            .collect();
        assert!(!assignees.contains(&id.as_str()), "{v}");
    }
}

#[tokio::test]
async fn a_user_in_a_rule_or_layer_is_not_deleted_by_default() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let id = user_where(&sb, |_, _, open, placed| !open && placed);
    invalid_input(
        &delete(&sb, &t, &format!("/users/{id}")).await,
        REFERENCED_TEXT,
    );
    let id = user_where(&sb, |_, _, open, placed| !open && !placed);
    let r = delete(&sb, &t, &format!("/users/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}

fn is_stub_of(v: &Value, id: &str, name: &str) -> bool {
    v["id"] == id
        && v["type"] == "user_reference"
        && v["summary"] == name
        && v["self"].is_null()
        && v["deleted_at"].as_str().is_some_and(|s| s.ends_with('Z'))
}

#[tokio::test]
async fn delete_referenced_stub_leaves_deleted_user_stubs_in_rules_and_layers() {
    let sb = start(&["--delete-referenced", "stub"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    // Someone in both a rule and a layer.
    let id = user_where(&sb, |d, u, open, _| {
        let places = d.user_places(u);
        !open
            && places.iter().any(|p| matches!(p, UserPlace::Rule { .. }))
            && places.iter().any(|p| matches!(p, UserPlace::Layer { .. }))
    });
    let (name, policy, schedule) = {
        let d = sb.shared.data();
        let u = d.user_index(&id).unwrap();
        let places = d.user_places(u);
        let p = places.iter().find_map(|p| match p {
            UserPlace::Rule { policy, .. } => Some(d.policies[*policy].id.clone()),
            _ => None,
        });
        let s = places.iter().find_map(|p| match p {
            UserPlace::Layer { schedule, .. } => Some(d.schedules[*schedule].id.clone()),
            _ => None,
        });
        (d.users[u].name.clone(), p.unwrap(), s.unwrap())
    };
    let r = delete(&sb, &t, &format!("/users/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        get(&sb.api, &format!("/users/{id}"), Some(&t)).await.status,
        StatusCode::NOT_FOUND
    );
    let v = get(&sb.api, &format!("/escalation_policies/{policy}"), Some(&t))
        .await
        .json();
    let targets: Vec<Value> = v["escalation_policy"]["escalation_rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["targets"].as_array().unwrap().clone())
        .collect();
    assert!(targets.iter().any(|x| is_stub_of(x, &id, &name)), "{v}");
    let v = get(&sb.api, &format!("/schedules/{schedule}"), Some(&t))
        .await
        .json();
    let users: Vec<Value> = v["schedule"]["schedule_layers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["users"].as_array().unwrap().clone())
        .collect();
    assert!(
        users.iter().any(|x| is_stub_of(&x["user"], &id, &name)),
        "{v}"
    );
}

#[tokio::test]
async fn past_deletions_left_stubs_in_two_policies_and_a_schedule() {
    let sb = start(&[]);
    let legacy = {
        let d = sb.shared.data();
        let stubbed_policies = d
            .policies
            .iter()
            .filter(|p| {
                p.rules
                    .iter()
                    .flat_map(|r| &r.targets)
                    .any(|t| matches!(t, Target::User(Member::Deleted(_))))
            })
            .count();
        assert_eq!(stubbed_policies, 2);
        let stubbed_schedules = d
            .schedules
            .iter()
            .filter(|s| {
                s.layers
                    .iter()
                    .flat_map(|l| &l.members)
                    .any(|m| matches!(m, Member::Deleted(_)))
            })
            .count();
        assert_eq!(stubbed_schedules, 1);
        // No first rule pages a stub: every policy still pages a person of the account first.
        for p in &d.policies {
            assert!(p.rules[0]
                .targets
                .iter()
                .all(|t| !matches!(t, Target::User(Member::Deleted(_)))));
        }
        d.schedules
            .iter()
            .find(|s| s.name == "Legacy rotation")
            .unwrap()
            .id
            .clone()
    };
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let v = get(&sb.api, &format!("/schedules/{legacy}"), Some(&t))
        .await
        .json();
    let users = v["schedule"]["schedule_layers"][0]["users"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        users
            .iter()
            .any(|u| u["user"]["self"].is_null() && u["user"]["deleted_at"].is_string()),
        "{v}"
    );
}

/// A team, and a member of it whom a policy of the team names directly (`direct`) or only
/// through a schedule.
fn team_member(sb: &Sb, direct: bool) -> Option<(String, String)> {
    let d = sb.shared.data();
    let now = sb.shared.now_secs();
    for t in 0..d.teams.len() {
        for u in 0..d.users.len() {
            if !d.users[u].teams.contains(&t) {
                continue;
            }
            let named = d.team_policy_names(t, u, false, now);
            let through = d.team_policy_names(t, u, true, now);
            if (direct && named) || (!direct && through && !named) {
                return Some((d.teams[t].id.clone(), d.users[u].id.clone()));
            }
        }
    }
    None
}

#[tokio::test]
async fn a_member_named_by_their_teams_policy_is_not_removed_from_the_team() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (team, uid) = team_member(&sb, true).expect("a member named directly");
    invalid_input(
        &delete(&sb, &t, &format!("/teams/{team}/users/{uid}")).await,
        TEAM_TEXT,
    );
    let (team, uid) = team_member(&sb, false).expect("a member named through a schedule");
    invalid_input(
        &delete(&sb, &t, &format!("/teams/{team}/users/{uid}")).await,
        TEAM_TEXT,
    );
}

#[tokio::test]
async fn team_removal_blocked_by_targets_lets_schedule_members_go() {
    let sb = start(&["--team-removal-blocked-by", "targets"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (team, uid) = team_member(&sb, false).expect("a member named through a schedule");
    let r = delete(&sb, &t, &format!("/teams/{team}/users/{uid}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let (team, uid) = team_member(&sb, true).expect("a member named directly");
    invalid_input(
        &delete(&sb, &t, &format!("/teams/{team}/users/{uid}")).await,
        TEAM_TEXT,
    );
}

#[tokio::test]
async fn the_offboarding_scenario_seeds_people_who_are_hard_to_take_out() {
    let sb = start(&["--scenario", "offboarding"]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let id = |email: &str| sb.shared.data().user_by_email(email).unwrap().id.clone();
    for (_, _, email) in OFFBOARDING_PEOPLE {
        assert!(sb.shared.data().user_by_email(email).is_some(), "{email}");
    }
    // The only member of a layer.
    {
        let d = sb.shared.data();
        let solo = d.user_index(&id("solo@example.com")).unwrap();
        assert!(d
            .schedules
            .iter()
            .flat_map(|s| &s.layers)
            .any(|l| l.members == [Member::User(solo)]));
        let many = d.user_index(&id("many-policies@example.com")).unwrap();
        let places = d.user_places(many);
        let direct = places
            .iter()
            .filter(|p| matches!(p, UserPlace::Rule { .. }))
            .count();
        assert!(direct >= 2, "{places:?}");
        assert!(places.iter().any(|p| matches!(p, UserPlace::Layer { .. })));
    }
    invalid_input(
        &delete(&sb, &t, &format!("/users/{}", id("solo@example.com"))).await,
        REFERENCED_TEXT,
    );
    // Open incidents older than a month: only `date_range=all` finds them.
    let old = id("old-incidents@example.com");
    let q = format!("/incidents?user_ids[]={old}&statuses[]=triggered&statuses[]=acknowledged");
    let v = get(&sb.api, &q, Some(&t)).await.json();
    assert_eq!(v["incidents"].as_array().unwrap().len(), 0, "{v}");
    let v = get(&sb.api, &format!("{q}&date_range=all"), Some(&t))
        .await
        .json();
    assert_eq!(v["incidents"].as_array().unwrap().len(), 2, "{v}");
    invalid_input(
        &delete(&sb, &t, &format!("/users/{old}")).await,
        INCIDENTS_TEXT,
    );
    // Future overrides.
    {
        let d = sb.shared.data();
        let f = d.user_index(&id("future-overrides@example.com")).unwrap();
        let now = sb.shared.now_secs();
        let future = d
            .schedules
            .iter()
            .flat_map(|s| &s.overrides)
            .filter(|o| o.user == Member::User(f) && o.start > now)
            .count();
        assert_eq!(future, 2);
    }
    // The team member whose team's policy names them.
    let teamed = id("team-policy@example.com");
    let team = sb.shared.data().teams[0].id.clone();
    invalid_input(
        &delete(&sb, &t, &format!("/teams/{team}/users/{teamed}")).await,
        TEAM_TEXT,
    );
}
