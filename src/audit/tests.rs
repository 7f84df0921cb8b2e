//! The audit against a fake account that holds one case of every rule: someone nothing pages,
//! someone on call only through a schedule (push only), a stakeholder on a team, a pending
//! invitation, a layer that ended, one-person policies, services without a team or an
//! integration, and deleted users' placeholders in policies and schedules.

use super::account::{self, Account};
use super::people::Finding as P;
use super::services::Finding as S;
use super::*;
use crate::api::ApiError;
use futures::executor::block_on;
use futures::future::LocalBoxFuture;
use serde_json::{json, Value};
use std::cell::RefCell;

struct Fake {
    data: Value,
    licences_refused: bool,
    asked: RefCell<Vec<String>>,
}

impl crate::paging::PageSource for Fake {
    fn get(&self, url: String) -> LocalBoxFuture<'static, Result<Value, ApiError>> {
        self.asked.borrow_mut().push(url.clone());
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        let param = |k: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                .and_then(|v| v.parse::<usize>().ok())
        };
        let answer = if path == "/licenses" {
            if self.licences_refused {
                Err(ApiError::Forbidden("licenses".into()))
            } else {
                Ok(json!({"licenses": self.data["licenses"]}))
            }
        } else {
            let key = path.rsplit('/').next().unwrap_or_default().to_string();
            let filters: Vec<&str> = query
                .split('&')
                .filter(|kv| {
                    !["limit=", "offset=", "total="]
                        .iter()
                        .any(|p| kv.starts_with(p))
                })
                .filter(|kv| !kv.is_empty())
                .collect();
            let base = match filters.join("&") {
                f if f.is_empty() => path.trim_start_matches('/').to_string(),
                f => format!("{}?{f}", path.trim_start_matches('/')),
            };
            let all = self.data[base.as_str()]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let (limit, offset) = (param("limit").unwrap_or(100), param("offset").unwrap_or(0));
            let page: Vec<Value> = all.iter().skip(offset).take(limit).cloned().collect();
            Ok(json!({key: page, "limit": limit, "offset": offset,
                "total": all.len(), "more": offset + limit < all.len()}))
        };
        Box::pin(async move { answer })
    }
    fn sleep(&self, _: u64) -> LocalBoxFuture<'static, ()> {
        Box::pin(async {})
    }
    fn jitter(&self) -> f64 {
        0.5
    }
}

fn cm(id: &str, kind: &str, address: &str, cc: Option<u32>) -> Value {
    json!({"id": id, "type": format!("{kind}_contact_method"), "address": address,
        "country_code": cc, "label": if kind == "push_notification" { "Cy's iPhone" } else { "Work" }})
}

fn rule(cm_id: &str, kind: &str, urgency: &str) -> Value {
    json!({"id": format!("R{cm_id}"), "urgency": urgency, "start_delay_in_minutes": 0,
        "contact_method": {"id": cm_id, "type": format!("{kind}_contact_method_reference")}})
}

fn user(
    id: &str,
    name: &str,
    role: &str,
    cms: Vec<Value>,
    rules: Vec<Value>,
    teams: &[&str],
) -> Value {
    json!({"id": id, "name": name, "email": format!("{}@example.com", name.to_lowercase()),
        "role": role, "time_zone": "Europe/London", "job_title": "Engineer",
        "html_url": format!("https://acme.pagerduty.com/users/{id}"),
        "invitation_sent": id == "U5",
        "contact_methods": cms, "notification_rules": rules,
        "teams": teams.iter().map(|t| json!({"id": t, "type": "team"})).collect::<Vec<_>>()})
}

fn u(id: &str) -> Value {
    json!({"id": id, "type": "user_reference", "summary": id, "self": format!("https://api/users/{id}")})
}

fn sched(id: &str) -> Value {
    json!({"id": id, "type": "schedule_reference", "summary": id})
}

/// A deleted user's placeholder: `self` null (PDCLI) and `deleted_at` (§10.5).
fn stub(id: &str, name: &str) -> Value {
    json!({"id": id, "type": "user_reference", "summary": name, "self": null, "html_url": null,
        "deleted_at": "2025-11-03T16:20:00Z"})
}

fn policy(id: &str, name: &str, levels: Vec<Vec<Value>>) -> Value {
    json!({"id": id, "name": name, "html_url": format!("https://acme.pagerduty.com/escalation_policies/{id}"),
        "escalation_rules": levels.into_iter().enumerate().map(|(i, t)| json!({"id": format!("{id}R{i}"),
            "escalation_delay_in_minutes": 30, "targets": t})).collect::<Vec<_>>()})
}

fn layer(id: &str, name: &str, ended: bool, users: Vec<Value>) -> Value {
    json!({"id": id, "name": name, "start": "2024-01-01T00:00:00Z",
        "end": if ended { json!("2025-01-01T00:00:00Z") } else { Value::Null },
        "users": users.into_iter().map(|u| json!({"user": u})).collect::<Vec<_>>()})
}

fn service(id: &str, name: &str, policy: &str, teams: &[&str], integrations: usize) -> Value {
    json!({"id": id, "name": name, "status": "active", "html_url": format!("https://acme.pagerduty.com/service-directory/{id}"),
        "escalation_policy": {"id": policy, "type": "escalation_policy_reference"},
        "teams": teams.iter().map(|t| json!({"id": t, "type": "team_reference", "summary": "Platform"})).collect::<Vec<_>>(),
        "integrations": (0..integrations).map(|i| json!({"id": format!("I{i}"), "type": "generic_events_api_inbound_integration_reference", "summary": "Events"})).collect::<Vec<_>>()})
}

fn data() -> Value {
    json!({
        "users?include%5B%5D=contact_methods&include%5B%5D=notification_rules&include%5B%5D=teams": [
            user("U1", "Ada", "admin", vec![cm("C1", "phone", "7700 900001", Some(44)), cm("C2", "sms", "7700 900002", Some(44)), cm("C3", "email", "ada@example.com", None)], vec![rule("C1", "phone", "high")], &["T1"]),
            user("U2", "Bob", "user", vec![cm("C4", "email", "bob@example.com", None)], vec![rule("C4", "email", "high")], &[]),
            user("U3", "Cy", "limited_user", vec![cm("C5", "push_notification", "device-token", None)], vec![rule("C5", "push_notification", "high")], &[]),
            user("U4", "Di", "read_only_user", vec![], vec![], &["T1"]),
            user("U5", "Ed", "observer", vec![cm("C6", "sms", "555 0100", Some(1))], vec![rule("C6", "sms", "low")], &[]),
        ],
        "teams": [{"id": "T1", "name": "Platform", "type": "team"}],
        "teams/T1/members": [
            {"user": {"id": "U1", "type": "user_reference"}, "role": "manager"},
            {"user": {"id": "U4", "type": "user_reference"}, "role": "observer"},
        ],
        "services?include%5B%5D=teams": [
            service("SV1", "Web", "P1", &["T1"], 1),
            service("SV2", "Db", "P2", &[], 0),
            service("SV3", "Queue", "P4", &["T1"], 1),
            service("SV4", "Clean", "P5", &["T1"], 2),
        ],
        "escalation_policies": [
            policy("P1", "Solo policy", vec![vec![u("U1")], vec![u("U1")]]),
            policy("P2", "Team policy", vec![vec![sched("S1")], vec![u("U1"), stub("PGONE01", "Robin Former")]]),
            policy("P3", "Legacy", vec![vec![u("U1")], vec![json!({"id": "PGONE02", "type": "user_reference", "summary": "Sam Departed", "deleted_at": "2026-01-15T10:00:00Z"})]]),
            policy("P4", "Pages legacy", vec![vec![sched("S2")]]),
            policy("P5", "Clean policy", vec![vec![sched("S1")], vec![u("U1")]]),
        ],
        "schedules?include%5B%5D=schedule_layers": [
            {"id": "S1", "name": "Primary", "html_url": "https://acme.pagerduty.com/schedules/S1", "schedule_layers": [
                layer("L1", "Weekly", false, vec![u("U3")]), layer("L2", "Old nights", true, vec![u("U5")])]},
            {"id": "S2", "name": "Legacy rotation", "schedule_layers": [
                layer("L3", "Legacy weekly", false, vec![u("U3"), stub("PGONE01", "Robin Former")])]},
        ],
        "licenses": [
            {"id": "L1", "name": "Full User", "role_group": "FullUser", "current_value": 4, "allocations_available": 6,
             "valid_roles": ["owner", "admin", "user", "limited_user", "observer", "restricted_access"]},
            {"id": "L2", "name": "Full Stakeholder", "role_group": "Stakeholder", "current_value": 1, "allocations_available": 9,
             "valid_roles": ["read_only_user", "read_only_limited_user"]},
        ],
    })
}

fn read(licences_refused: bool) -> (Account, Vec<String>) {
    let fake = Fake {
        data: data(),
        licences_refused,
        asked: RefCell::new(Vec::new()),
    };
    let a = block_on(account::read(&fake, 1.8e12, &|_, _, _| {})).expect("read");
    (a, fake.asked.into_inner())
}

fn person<'a>(a: &'a Audit, id: &str) -> &'a people::Row {
    a.people.iter().find(|r| r.id == id).expect(id)
}

fn cell(cols: &[(&str, &str)], row: &[String], key: &str) -> String {
    row[cols.iter().position(|(k, _)| *k == key).expect(key)].clone()
}

#[test]
fn reads_are_one_paged_list_per_kind_never_a_request_per_user() {
    let (a, asked) = read(false);
    assert_eq!(a.users.len(), 5);
    assert_eq!(asked.len(), 7, "{asked:#?}");
    assert!(
        asked.iter().all(|p| !p.starts_with("/users/")),
        "no per-user GET"
    );
    assert!(asked.iter().any(|p| p.starts_with("/teams/T1/members")));
    assert!(
        asked.iter().all(|p| !p.contains("integrations")),
        "routing keys stay in PagerDuty"
    );
}

#[test]
fn people_are_found_by_every_rule() {
    let audit = audit(&read(false).0);
    let cols = people::COLUMNS;
    let ada = person(&audit, "U1");
    assert_eq!(ada.findings, vec![P::Admin]);
    assert_eq!(
        cell(cols, &ada.cells, "phone"),
        "44 7700 900001",
        "<country_code> <address>"
    );
    assert_eq!(cell(cols, &ada.cells, "sms"), "44 7700 900002");
    assert_eq!(cell(cols, &ada.cells, "team_roles"), "Platform: manager");
    assert_eq!(cell(cols, &ada.cells, "licence"), "Full User");
    assert_eq!(
        cell(cols, &ada.cells, "policies"),
        "Clean policy; Legacy; Solo policy; Team policy"
    );
    // E-mail only: nothing wakes them; on no schedule or policy.
    let bob = person(&audit, "U2");
    assert_eq!(bob.findings, vec![P::Unreachable, P::NotOnCall]);
    assert_eq!(cell(cols, &bob.cells, "high_urgency"), "yes");
    assert_eq!(cell(cols, &bob.cells, "phone_or_sms"), "no");
    // Push only, on call through a schedule: the policies that page the schedule count.
    let cy = person(&audit, "U3");
    assert_eq!(cy.findings, vec![]);
    assert_eq!(
        cell(cols, &cy.cells, "push"),
        "Cy's iPhone",
        "a push method by its device, not its token"
    );
    assert_eq!(
        cell(cols, &cy.cells, "schedules"),
        "Legacy rotation; Primary"
    );
    assert_eq!(
        cell(cols, &cy.cells, "policies"),
        "Clean policy; Pages legacy; Team policy"
    );
    // A stakeholder on a team is flagged; not being on call is no finding for them.
    let di = person(&audit, "U4");
    assert_eq!(di.findings, vec![P::Unreachable, P::StakeholderOnTeam]);
    assert_eq!(cell(cols, &di.cells, "licence"), "Full Stakeholder");
    assert_eq!(cell(cols, &di.cells, "team_roles"), "Platform: observer");
    // Only in a layer that ended; an SMS number but only a low-urgency rule; invited.
    let ed = person(&audit, "U5");
    assert_eq!(ed.findings, vec![P::Unreachable, P::NotOnCall, P::Invited]);
    assert_eq!(cell(cols, &ed.cells, "phone_or_sms"), "yes");
    assert_eq!(cell(cols, &ed.cells, "high_urgency"), "no");
    assert_eq!(cell(cols, &ed.cells, "sms"), "1 555 0100");
    assert_eq!(cell(cols, &ed.cells, "invited"), "yes");
    let ids = |f| -> Vec<String> {
        audit
            .people_with(Some(f))
            .iter()
            .map(|r| r.id.clone())
            .collect()
    };
    assert_eq!(ids(P::Unreachable), ["U2", "U4", "U5"]);
    assert_eq!(ids(P::NotOnCall), ["U2", "U5"]);
    assert_eq!(ids(P::Admin), ["U1"]);
    assert_eq!(ids(P::StakeholderOnTeam), ["U4"]);
    assert_eq!(ids(P::Invited), ["U5"]);
    assert_eq!(audit.people_with(None).len(), 5);
    assert_eq!(ada.export[3], "https://acme.pagerduty.com/users/U1");
}

#[test]
fn services_are_found_by_every_rule() {
    let audit = audit(&read(false).0);
    let f = |id: &str| {
        audit
            .services
            .iter()
            .find(|r| r.id == id)
            .unwrap()
            .findings
            .clone()
    };
    assert_eq!(f("SV1"), vec![S::OnePerson]);
    assert_eq!(f("SV2"), vec![S::NoTeam, S::NoIntegration, S::Placeholder]);
    assert_eq!(
        f("SV3"),
        vec![S::Placeholder],
        "through the schedule it pages"
    );
    assert_eq!(f("SV4"), vec![]);
    let row = &audit.services[1];
    assert_eq!(
        cell(services::COLUMNS, &row.cells, "escalation_policy"),
        "Team policy"
    );
    assert_eq!(
        cell(services::COLUMNS, &row.cells, "findings"),
        "no team; no integration; its policy names a deleted user"
    );
    assert_eq!(audit.services_with(Some(S::NoTeam)).len(), 1);
    assert_eq!(audit.services_with(None).len(), 4);
}

#[test]
fn placeholders_in_policies_and_schedules_are_listed_once_each() {
    let audit = audit(&read(false).0);
    let rows: Vec<Vec<String>> = audit.placements.iter().map(|p| p.cells()).collect();
    assert_eq!(
        rows,
        vec![
            vec![
                "escalation policy",
                "Team policy",
                "level 2",
                "PGONE01",
                "Robin Former",
                "2025-11-03T16:20:00Z"
            ],
            vec![
                "escalation policy",
                "Legacy",
                "level 2",
                "PGONE02",
                "Sam Departed",
                "2026-01-15T10:00:00Z"
            ],
            vec![
                "schedule",
                "Legacy rotation",
                "Legacy weekly",
                "PGONE01",
                "Robin Former",
                "2025-11-03T16:20:00Z"
            ],
        ]
    );
    let once: Vec<(&str, Vec<String>)> = audit
        .placeholders
        .iter()
        .map(|(p, at)| (p.id.as_str(), at.clone()))
        .collect();
    assert_eq!(
        once,
        vec![
            (
                "PGONE01",
                vec!["Legacy rotation".to_string(), "Team policy".into()]
            ),
            ("PGONE02", vec!["Legacy".to_string()]),
        ]
    );
    assert!(
        crate::bulk::offboard::looks_like_id("PGONE01"),
        "Replace… can name it"
    );
    assert_eq!(
        audit.placements[0].export()[1],
        "https://acme.pagerduty.com/escalation_policies/P2"
    );
}

#[test]
fn roles_are_counted_against_the_licences_or_the_refusal_is_said() {
    let audit = audit(&read(false).0);
    let roles: Vec<(String, usize, String)> = audit
        .roles
        .iter()
        .map(|r| (r.role.clone(), r.count, r.licence.clone()))
        .collect();
    assert_eq!(
        roles[0],
        ("Full Stakeholder".into(), 1, "Full Stakeholder".into())
    );
    assert_eq!(roles.len(), 5);
    let uses = audit.licences.as_ref().unwrap();
    assert_eq!(
        (uses[0].people, uses[0].current, uses[0].available),
        (4, Some(4), Some(6))
    );
    assert_eq!((uses[1].people, uses[1].current), (1, Some(1)));
    let refused = super::audit(&read(true).0);
    let why = refused.licences.unwrap_err();
    assert!(
        why.contains("did not let this token read the licences"),
        "{why}"
    );
    // The licence column still says which tier a role takes.
    assert_eq!(
        cell(people::COLUMNS, &refused.people[3].cells, "licence"),
        "Stakeholder"
    );
}

#[test]
fn hostile_names_stay_text_in_the_cells() {
    let mut d = data();
    d["escalation_policies"][0]["name"] = json!("<img src=x onerror=alert(1)>");
    let fake = Fake {
        data: d,
        licences_refused: false,
        asked: RefCell::new(vec![]),
    };
    let a = block_on(account::read(&fake, 1.8e12, &|_, _, _| {})).unwrap();
    let audit = audit(&a);
    assert!(person(&audit, "U1")
        .cells
        .iter()
        .any(|c| c.contains("<img src=x onerror=alert(1)>")));
}
