//! Escalation policies: rules with user and schedule targets, `user_ids[]`, one policy with
//! its includes, create, update and delete with PagerDuty's checks (reference §10.2).
mod common;

use axum::http::StatusCode;
use common::*;
use pd_sandbox::data::{Member, Target};
use serde_json::{json, Value};
use std::collections::HashSet;

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

async fn all_policies(sb: &Sb, t: &str, query: &str) -> Vec<Value> {
    let r = get(
        &sb.api,
        &format!("/escalation_policies?limit=100{query}"),
        Some(t),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["more"], false);
    v["escalation_policies"].as_array().unwrap().clone()
}

/// A user on no schedule layer and no rule of a policy, and able to be on call.
fn free_user(sb: &Sb) -> String {
    let d = sb.shared.data();
    let named: HashSet<usize> = d
        .policies
        .iter()
        .flat_map(|p| &p.rules)
        .flat_map(|r| &r.targets)
        .filter_map(|t| match t {
            Target::User(Member::User(u)) => Some(*u),
            _ => None,
        })
        .collect();
    d.users
        .iter()
        .enumerate()
        .find(|(i, u)| !named.contains(i) && ["user", "admin"].contains(&u.role))
        .map(|(_, u)| u.id.clone())
        .unwrap()
}

fn policy_body(name: &str, targets: Value) -> Value {
    json!({"escalation_policy": {"type": "escalation_policy", "name": name,
        "escalation_rules": [{"escalation_delay_in_minutes": 30, "targets": targets}]}})
}

#[tokio::test]
async fn policies_have_rules_of_users_and_schedules_and_filter_by_direct_user() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let eps = all_policies(&sb, &t, "").await;
    let mut kinds = HashSet::new();
    for ep in &eps {
        let rules = ep["escalation_rules"].as_array().unwrap();
        assert!((1..=3).contains(&rules.len()), "{ep}");
        for r in rules {
            assert!(r["id"].is_string() && r["escalation_delay_in_minutes"].is_u64());
            let targets = r["targets"].as_array().unwrap();
            assert!((1..=10).contains(&targets.len()), "{r}");
            for target in targets {
                let kind = target["type"].as_str().unwrap();
                kinds.insert(kind.to_string());
                let path = match kind {
                    "user_reference" => "users",
                    "schedule_reference" => "schedules",
                    other => panic!("{other}"),
                };
                assert!(target["summary"].is_string());
                // A deleted user's stub left by a past deletion (seeded): no `self`.
                if target["deleted_at"].is_string() {
                    assert!(target["self"].is_null(), "{target}");
                    continue;
                }
                assert_eq!(
                    target["self"],
                    format!(
                        "http://127.0.0.1:8789/{path}/{}",
                        target["id"].as_str().unwrap()
                    )
                );
            }
        }
        assert!(ep["num_loops"].is_u64());
        assert_eq!(ep["on_call_handoff_notifications"], "if_has_services");
    }
    assert_eq!(kinds.len(), 2, "{kinds:?}");

    // user_ids[]: the policies where the user is a direct target of a rule, no others.
    let direct = |ep: &Value, uid: &str| {
        ep["escalation_rules"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["targets"].as_array().unwrap())
            .any(|x| x["type"] == "user_reference" && x["id"] == uid)
    };
    let uid = eps[0]["escalation_rules"][0]["targets"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let found = all_policies(&sb, &t, &format!("&user_ids[]={uid}")).await;
    assert!(!found.is_empty());
    assert!(found.iter().all(|ep| direct(ep, &uid)));
    let want = eps.iter().filter(|ep| direct(ep, &uid)).count();
    assert_eq!(found.len(), want);
    // Two users: either one.
    let other = free_user(&sb);
    let both = all_policies(&sb, &t, &format!("&user_ids[]={other}&user_ids[]={uid}")).await;
    assert_eq!(both.len(), want);
    // Someone only on a schedule layer is not a target of the schedule's policies.
    let (layer_only, _) = {
        let d = sb.shared.data();
        let direct_users: HashSet<usize> = d
            .policies
            .iter()
            .flat_map(|p| &p.rules)
            .flat_map(|r| &r.targets)
            .filter_map(|t| match t {
                Target::User(m) => m.user(),
                _ => None,
            })
            .collect();
        let u = d.schedules[0]
            .layers
            .iter()
            .flat_map(|l| &l.members)
            .filter_map(Member::user)
            .find(|u| !direct_users.contains(u))
            .unwrap();
        (d.users[u].id.clone(), ())
    };
    assert!(all_policies(&sb, &t, &format!("&user_ids[]={layer_only}"))
        .await
        .is_empty());
    // team_ids[] still works.
    let team = sb.shared.data().teams[1].id.clone();
    let on_team = all_policies(&sb, &t, &format!("&team_ids[]={team}")).await;
    assert!(on_team.iter().all(|ep| ids(&ep["teams"]).contains(&team)));
}

#[tokio::test]
async fn one_policy_with_its_includes() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "read", &[]).await;
    let eps = all_policies(&sb, &t, "").await;
    let ep = eps
        .iter()
        .find(|e| e["escalation_rules"].as_array().unwrap().len() == 3)
        .unwrap();
    let id = ep["id"].as_str().unwrap();
    let r = get(&sb.api, &format!("/escalation_policies/{id}"), Some(&t)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["escalation_policy"], *ep);
    let full = get(
        &sb.api,
        &format!("/escalation_policies/{id}?include[]=targets&include[]=services&include[]=escalation_rule_assignment_strategies"),
        Some(&t),
    )
    .await
    .json();
    let p = &full["escalation_policy"];
    let targets: Vec<&Value> = p["escalation_rules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["targets"].as_array().unwrap())
        .collect();
    assert!(targets
        .iter()
        .any(|x| x["type"] == "user" && x["email"].is_string()));
    assert!(targets
        .iter()
        .any(|x| x["type"] == "schedule" && x["time_zone"].is_string()));
    assert!(p["services"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["type"] == "service"));
    assert_eq!(
        p["escalation_rules"][0]["escalation_rule_assignment_strategy"]["type"],
        "assign_to_everyone"
    );
    let r = get(&sb.api, "/escalation_policies/PNOSUCH", Some(&t)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], 2100);
    let r = get(
        &sb.api,
        &format!("/escalation_policies/{id}?include[]=nonsense"),
        Some(&t),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn create_update_and_delete_a_policy() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (user, schedule, team) = {
        let d = sb.shared.data();
        (
            free_user(&sb),
            d.schedules[0].id.clone(),
            d.teams[2].id.clone(),
        )
    };
    let mut body = policy_body(
        "Night Watch",
        json!([{"id": user, "type": "user_reference"}, {"id": schedule, "type": "schedule_reference"}]),
    );
    body["escalation_policy"]["num_loops"] = json!(2);
    body["escalation_policy"]["description"] = json!("Who answers at night.");
    body["escalation_policy"]["teams"] = json!([{"id": team, "type": "team_reference"}]);
    let r = send_json(&sb.api, "POST", "/escalation_policies", &t, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ep = r.json()["escalation_policy"].clone();
    let id = ep["id"].as_str().unwrap().to_string();
    assert_eq!(ep["type"], "escalation_policy");
    assert_eq!(ep["name"], "Night Watch");
    assert_eq!(ep["num_loops"], 2);
    assert_eq!(ep["description"], "Who answers at night.");
    assert_eq!(ids(&ep["teams"]), vec![team.clone()]);
    assert_eq!(ep["services"], json!([]));
    let rule_id = ep["escalation_rules"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        ids(&ep["escalation_rules"][0]["targets"]),
        vec![user.clone(), schedule.clone()]
    );
    // The user is now found by user_ids[].
    let found = all_policies(&sb, &t, &format!("&user_ids[]={user}")).await;
    assert_eq!(ids(&json!(found)), vec![id.clone()]);

    // PUT what was read, with the user replaced in the same place and a second rule.
    let other = sb.shared.data().users[0].id.clone();
    let mut put = ep.clone();
    put["escalation_rules"][0]["targets"][0] = json!({"id": other, "type": "user_reference"});
    put["escalation_rules"].as_array_mut().unwrap().push(
        json!({"escalation_delay_in_minutes": 10, "targets": [{"id": user, "type": "user"}]}),
    );
    put.as_object_mut().unwrap().remove("services");
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/escalation_policies/{id}"),
        &t,
        Some(json!({ "escalation_policy": put })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ep = r.json()["escalation_policy"].clone();
    let rules = ep["escalation_rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["id"], rule_id.as_str(), "a rule keeps its id");
    assert_ne!(rules[1]["id"], rule_id.as_str());
    assert_eq!(ids(&rules[0]["targets"]), vec![other, schedule.clone()]);
    assert_eq!(rules[1]["escalation_delay_in_minutes"], 10);
    assert_eq!(
        get(&sb.api, &format!("/escalation_policies/{id}"), Some(&t))
            .await
            .json()["escalation_policy"],
        ep
    );

    // A service on the policy takes its teams, and follows a change of them.
    let r = send_json(
        &sb.api,
        "POST",
        "/services",
        &t,
        Some(json!({"service": {
        "type": "service", "name": "Night Service",
        "escalation_policy": {"id": id, "type": "escalation_policy_reference"}}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let service = r.json()["service"]["id"].as_str().unwrap().to_string();
    assert_eq!(ids(&r.json()["service"]["teams"]), vec![team]);
    let team2 = sb.shared.data().teams[3].id.clone();
    let mut put = ep.clone();
    put["teams"] = json!([{"id": team2, "type": "team_reference"}]);
    put.as_object_mut().unwrap().remove("services");
    let r = send_json(
        &sb.api,
        "PUT",
        &format!("/escalation_policies/{id}"),
        &t,
        Some(json!({ "escalation_policy": put })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        ids(&r.json()["escalation_policy"]["services"]),
        vec![service.clone()]
    );
    let s = get(&sb.api, &format!("/services/{service}"), Some(&t))
        .await
        .json();
    assert_eq!(ids(&s["service"]["teams"]), vec![team2]);

    // DELETE: refused while a service uses the policy, then 204.
    let r = send_json(
        &sb.api,
        "DELETE",
        &format!("/escalation_policies/{id}"),
        &t,
        None,
    )
    .await;
    invalid_input(
        &r,
        "The escalation policy must not be in use by any services",
    );
    let r = send_json(&sb.api, "DELETE", &format!("/services/{service}"), &t, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let before: Vec<(String, String)> = {
        let d = sb.shared.data();
        d.services
            .iter()
            .map(|s| (s.id.clone(), d.policies[s.policy].id.clone()))
            .collect()
    };
    let r = send_json(
        &sb.api,
        "DELETE",
        &format!("/escalation_policies/{id}"),
        &t,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = get(&sb.api, &format!("/escalation_policies/{id}"), Some(&t)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Every service still names the policy it named.
    let after: Vec<(String, String)> = {
        let d = sb.shared.data();
        d.services
            .iter()
            .map(|s| (s.id.clone(), d.policies[s.policy].id.clone()))
            .collect()
    };
    assert_eq!(before, after);
    let r = send_json(&sb.api, "DELETE", "/escalation_policies/PNOSUCH", &t, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn policy_writes_are_checked_as_pagerduty_does() {
    let sb = start(&[]);
    let t = access_token(&sb, ADMIN, "write", &[]).await;
    let (user, stakeholder, schedule, teams) = {
        let d = sb.shared.data();
        let stakeholder = d
            .user_by_email("stakeholder@example.com")
            .unwrap()
            .id
            .clone();
        (
            free_user(&sb),
            stakeholder,
            d.schedules[0].id.clone(),
            (d.teams[0].id.clone(), d.teams[1].id.clone()),
        )
    };
    let u = json!([{"id": user, "type": "user_reference"}]);
    let post = |body: Value| send_json(&sb.api, "POST", "/escalation_policies", &t, Some(body));
    let r = post(
        json!({"escalation_policy": {"type": "escalation_policy", "name": "X",
        "escalation_rules": []}}),
    )
    .await;
    invalid_input(&r, "At least one escalation rule must be provided");
    let r = post(json!({"escalation_policy": {"type": "escalation_policy", "name": "X"}})).await;
    invalid_input(&r, "At least one escalation rule must be provided");
    invalid_input(
        &post(policy_body("", u.clone())).await,
        "Name can't be blank",
    );
    let taken = sb.shared.data().policies[0].name.clone();
    invalid_input(
        &post(policy_body(&taken, u.clone())).await,
        "Name has already been taken",
    );
    invalid_input(
        &post(policy_body("X", json!([]))).await,
        "Escalation rules must have between 1 and 10 targets",
    );
    let eleven: Vec<Value> = (0..11)
        .map(|_| json!({"id": schedule, "type": "schedule_reference"}))
        .collect();
    invalid_input(
        &post(policy_body("X", json!(eleven))).await,
        "Escalation rules must have between 1 and 10 targets",
    );
    // An unknown target: 404 (heimweh/go-pagerduty#33).
    for target in [
        json!({"id": "PNOSUCH", "type": "user_reference"}),
        json!({"id": "PNOSUCH", "type": "schedule_reference"}),
        // No type: taken as a user, so a schedule's id is not found.
        json!({"id": schedule}),
    ] {
        let r = post(policy_body("X", json!([target]))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{target}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], 2100);
    }
    invalid_input(
        &post(policy_body(
            "X",
            json!([{"id": schedule, "type": "schedule_v3_reference"}]),
        ))
        .await,
        "Target type schedule_v3_reference is not supported",
    );
    invalid_input(
        &post(policy_body(
            "X",
            json!([{"id": stakeholder, "type": "user_reference"}]),
        ))
        .await,
        "Stakeholders cannot be added to escalation policies",
    );
    let mut b = policy_body("X", u.clone());
    b["escalation_policy"]["escalation_rules"][0]["escalation_delay_in_minutes"] = json!(0);
    invalid_input(
        &post(b).await,
        "Escalation delay in minutes must be at least 1",
    );
    let mut b = policy_body("X", u.clone());
    b["escalation_policy"]["num_loops"] = json!(-1);
    invalid_input(&post(b).await, "Num loops must be a non-negative integer");
    let mut b = policy_body("X", u.clone());
    b["escalation_policy"]["on_call_handoff_notifications"] = json!("never");
    invalid_input(
        &post(b).await,
        "On call handoff notifications must be if_has_services or always",
    );
    let mut b = policy_body("X", u.clone());
    b["escalation_policy"]["teams"] = json!([{"id": teams.0}, {"id": teams.1}]);
    invalid_input(
        &post(b).await,
        "Only one team may be associated with the policy",
    );
    let mut b = policy_body("X", u.clone());
    b["escalation_policy"]["description"] = Value::Null;
    invalid_input(&post(b).await, "Description must be a string");
    // Round robin needs a plan the account lacks: 403, as terraform-provider-pagerduty sees.
    let mut b = policy_body("X", u.clone());
    b["escalation_policy"]["escalation_rules"][0]["escalation_rule_assignment_strategy"] =
        json!({"type": "round_robin"});
    let r = post(b).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let mut b = policy_body("X", u.clone());
    b["escalation_policy"]["escalation_rules"][0]["escalation_rule_assignment_strategy"] =
        json!("assign_to_everyone");
    assert_eq!(post(b).await.status, StatusCode::CREATED);
    assert_eq!(
        post(json!({"name": "no wrapper"})).await.status,
        StatusCode::BAD_REQUEST
    );

    // PUT: the rules and the name are required; a policy keeps at least one rule.
    let id = sb.shared.data().policies[0].id.clone();
    let path = format!("/escalation_policies/{id}");
    let put = |body: Value| send_json(&sb.api, "PUT", &path, &t, Some(body));
    invalid_input(
        &put(
            json!({"escalation_policy": {"type": "escalation_policy", "name": "Renamed",
            "escalation_rules": []}}),
        )
        .await,
        "At least one escalation rule must be provided",
    );
    invalid_input(
        &put(json!({"escalation_policy": {"type": "escalation_policy", "name": "Renamed"}})).await,
        "At least one escalation rule must be provided",
    );
    invalid_input(
        &put(json!({"escalation_policy": {"type": "escalation_policy",
            "escalation_rules": [{"escalation_delay_in_minutes": 5, "targets": u}]}}))
        .await,
        "Name can't be blank",
    );
    // A policy on two teams (as seeded) may be written back with both.
    let two = sb
        .shared
        .data()
        .policies
        .iter()
        .find(|p| p.teams.len() == 2)
        .map(|p| p.id.clone())
        .unwrap();
    let read = get(&sb.api, &format!("/escalation_policies/{two}"), Some(&t))
        .await
        .json();
    // As read, with its null description: refused (what PagerDuty's script guards against).
    assert!(read["escalation_policy"]["description"].is_null());
    let path2 = format!("/escalation_policies/{two}");
    let r = send_json(&sb.api, "PUT", &path2, &t, Some(read.clone())).await;
    invalid_input(&r, "Description must be a string");
    let mut back = read.clone();
    back["escalation_policy"]
        .as_object_mut()
        .unwrap()
        .remove("description");
    let r = send_json(&sb.api, "PUT", &path2, &t, Some(back)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), read, "writing back what was read changes nothing");
    let r = put(policy_body(
        "Z",
        json!([{"id": "PNOSUCH", "type": "user_reference"}]),
    ))
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send_json(
        &sb.api,
        "PUT",
        "/escalation_policies/PNOSUCH",
        &t,
        Some(policy_body("Z", u)),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn policy_writes_need_the_write_scope_and_a_manager_role() {
    let sb = start(&[
        "--app-type",
        "scoped",
        "--client-secret",
        SECRET,
        "--app-scopes",
        "escalation_policies.read escalation_policies.write",
    ]);
    let secret = [("client_secret", SECRET)];
    let user = free_user(&sb);
    let body = policy_body("Scoped", json!([{"id": user, "type": "user_reference"}]));
    let read = access_token(&sb, ADMIN, "escalation_policies.read", &secret).await;
    let r = send_json(
        &sb.api,
        "POST",
        "/escalation_policies",
        &read,
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json()["error"]["required_scopes"],
        "escalation_policies.write"
    );
    let write = access_token(&sb, ADMIN, "escalation_policies.write", &secret).await;
    let r = get(&sb.api, "/escalation_policies", Some(&write)).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a write scope grants no read"
    );
    let id = sb.shared.data().policies[0].id.clone();
    let r = get(&sb.api, &format!("/escalation_policies/{id}"), Some(&write)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let limited = access_token(
        &sb,
        "limited@example.com",
        "escalation_policies.write",
        &secret,
    )
    .await;
    let r = send_json(
        &sb.api,
        "POST",
        "/escalation_policies",
        &limited,
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["code"], 2010);
    let r = send_json(&sb.api, "POST", "/escalation_policies", &write, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}
