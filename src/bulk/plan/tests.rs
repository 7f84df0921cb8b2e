use super::*;
use crate::bulk::account::Account;
use crate::bulk::services::account::AService;
use crate::bulk::services::plan::services;
use crate::bulk::users::account::{AUser, Cm, NRule};
use crate::bulk::users::plan::users;
use crate::bulk::users::{Channel, Rule};
use crate::csvfile;
use serde_json::json;

fn account() -> Account {
    Account {
        abilities: None,
        licences: None,
        oncall: Default::default(),
        users: vec![
            AUser {
                id: "U1".into(),
                name: "Ada Lovelace".into(),
                email: "ada@example.com".into(),
                role: "user".into(),
                job_title: Some("SRE".into()),
                contacts: vec![
                    Cm {
                        id: "C1".into(),
                        channel: Channel::Email,
                        address: "ada@example.com".into(),
                        country_code: None,
                    },
                    Cm {
                        id: "C2".into(),
                        channel: Channel::Phone,
                        address: "7700900123".into(),
                        country_code: Some(44),
                    },
                ],
                rules: vec![NRule {
                    id: "R1".into(),
                    cm_id: "C2".into(),
                    delay: 0,
                    urgency: "high".into(),
                }],
                teams: vec!["T1".into()],
                ..Default::default()
            },
            AUser {
                id: "O1".into(),
                name: "Owner".into(),
                email: "owner@example.com".into(),
                role: "owner".into(),
                ..Default::default()
            },
        ],
        teams: vec![Named {
            id: "T1".into(),
            name: "Payments".into(),
        }],
        members: [(("T1".into(), "U1".into()), "responder".into())].into(),
        policies: vec![Named {
            id: "P1".into(),
            name: "Payments On-Call".into(),
        }],
        services: vec![AService {
            id: "S1".into(),
            name: "Checkout API".into(),
            description: None,
            policy_id: "P1".into(),
            urgency: Some("high".into()),
            ack_timeout: Some(1800),
            auto_resolve: Some(14400),
            integrations: vec![],
        }],
    }
}

fn users_plan(text: &str, opts: Options) -> Plan {
    let rows = csvfile::read(text.as_bytes()).unwrap();
    users(
        &super::super::users::check(&rows, &|z| Some(z.to_string())).unwrap(),
        &account(),
        opts,
    )
}

#[test]
fn rows_become_create_update_add_unchanged_and_error() {
    let plan = users_plan(
        "name,email,role,job_title,country_code,phone_number,sms_number,teams,notify\n\
         Ada Lovelace,ADA@example.com,,SRE,44,7700900123,none,Payments,phone:0\n\
         Ada Lovelace,new@example.com,Responder,,44,7700900999,,Payments;Platform,\n\
         Owner,owner@example.com,admin,,,,,,\n\
         ,broken,,,,,,,\n",
        Options::default(),
    );
    // Line 2 is Ada as she is: unchanged, matched by e-mail whatever its case.
    assert_eq!(plan.rows[0].action, Action::Unchanged, "{:?}", plan.rows[0]);
    assert_eq!(plan.rows[0].writes(), 0);
    assert_eq!(plan.rows[1].action, Action::Create);
    assert_eq!(plan.rows[1].writes(), 1 + 2 + 3 + 2);
    assert_eq!(plan.new_teams, vec!["Platform".to_string()]);
    assert_eq!(plan.rows[2].action, Action::Error);
    assert!(plan.rows[2].problems[0].message.contains("Account Owner"));
    assert_eq!(plan.rows[3].action, Action::Error);
    assert_eq!((plan.count(Action::Create), plan.to_write()), (1, 1));

    let plan = users_plan(
        "name,email,job_title,country_code,phone_number,teams,notify\nAda Lovelace,ada@example.com,Lead,44,7700900123,Payments,phone:0;phone:3;email:0\n",
        Options::default(),
    );
    let r = &plan.rows[0];
    assert_eq!(r.action, Action::Update);
    assert_eq!(r.changes[0], "job_title: SRE → Lead");
    // The phone exists; its SMS twin and two rules do not; the Default e-mail rule is
    // looked for on the login address.
    let Work::User(w) = &r.work else { panic!() };
    assert_eq!(w.contacts.len(), 1);
    assert_eq!(w.contacts[0].channel, Channel::Sms);
    assert_eq!(
        w.rules,
        vec![
            Rule {
                channel: Channel::Phone,
                delay: 3
            },
            Rule {
                channel: Channel::Email,
                delay: 0
            }
        ]
    );
    assert!(w.teams.is_empty(), "already on Payments");
    assert_eq!(
        w.update,
        Some(json!({"user": {"type": "user", "job_title": "Lead"}}))
    );
}

#[test]
fn a_full_stakeholder_joins_no_new_team_but_keeps_an_old_one() {
    let plan = users_plan(
        "name,email,role,teams\nSue,sue@example.com,Full Stakeholder,Payments\nAda Lovelace,ada@example.com,Full Stakeholder,Payments\n",
        Options::default(),
    );
    assert_eq!(plan.rows[0].action, Action::Error);
    assert!(plan.rows[0].problems[0]
        .message
        .contains("cannot be added to a team"));
    assert_eq!(
        plan.rows[1].action,
        Action::Update,
        "already on Payments: {:?}",
        plan.rows[1]
    );
}

#[test]
fn missing_teams_are_created_or_reported() {
    let text = "name,email,teams\nBo,bo@example.com,Platform;Payments\n";
    let plan = users_plan(
        text,
        Options {
            create_teams: false,
            ..Default::default()
        },
    );
    assert_eq!(plan.rows[0].action, Action::Error);
    assert!(plan.rows[0].problems[0]
        .message
        .contains("no team named Platform"));
    assert!(plan.new_teams.is_empty());
}

fn services_plan(text: &str) -> Plan {
    let rows = csvfile::read(text.as_bytes()).unwrap();
    services(&crate::bulk::services::check(&rows).unwrap(), &account())
}

#[test]
fn services_resolve_policies_by_name_or_id() {
    let head = "name,escalation_policy,urgency,ack_timeout_min,auto_resolve_min\n";
    let plan = services_plan(&format!(
        "{head}Checkout API,Payments On-Call,high,30,240\nCHECKOUT API,P1,,,\n"
    ));
    assert_eq!(plan.rows[0].action, Action::Unchanged, "{:?}", plan.rows[0]);
    assert_eq!(
        plan.rows[1].action,
        Action::Error,
        "the same name twice in the file"
    );
    let plan = services_plan(&format!(
        "{head}checkout api,P1,low,,\nWeb,Nope,,,\nBatch,P1,,,\n"
    ));
    assert_eq!(plan.rows[0].action, Action::Update);
    assert_eq!(
        plan.rows[0].changes,
        vec!["name: Checkout API → checkout api", "urgency: high → low"]
    );
    assert_eq!(plan.rows[1].action, Action::Error);
    assert!(plan.rows[1].problems[0]
        .message
        .contains("no escalation policy named"));
    assert_eq!(plan.rows[2].action, Action::Create);
    // The urgency a create gets is said, PagerDuty's default included.
    assert_eq!(
        plan.rows[2].changes,
        [
            "create with Payments On-Call; urgency high (PagerDuty's default); acknowledgement off, auto-resolve off",
            "add integration Events API v2"
        ]
    );
    let sev = services_plan(&format!("{head}Triage,P1,severity_based,,\n"));
    assert!(
        sev.rows[0].changes[0].contains("urgency severity_based"),
        "{:?}",
        sev.rows[0]
    );
    let Work::Service(w) = &plan.rows[2].work else {
        panic!()
    };
    assert_eq!(
        w.body,
        Some(json!({"service": {"type": "service", "name": "Batch",
            "escalation_policy": {"id": "P1", "type": "escalation_policy_reference"},
            "acknowledgement_timeout": null, "auto_resolve_timeout": null}}))
    );
}

#[test]
fn scopes_and_roles_are_checked_before_any_write() {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    let full = users_plan(
        "name,email,country_code,phone_number,teams\nNew One,new1@example.com,44,7700900123,Payments\n",
        Options::default(),
    );
    assert_eq!(
        full.missing_scopes(false, &strings(&["read"])),
        vec!["write"]
    );
    assert!(full.missing_scopes(false, &strings(&["write"])).is_empty());
    assert_eq!(full.scopes(true), Kind::Users.scopes(true));
    assert_eq!(
        full.missing_scopes(true, &strings(&["users.read", "users.write"])),
        vec![
            "users:contact_methods.read",
            "users:contact_methods.write",
            "teams.read",
            "teams.write",
            "abilities.read"
        ]
    );
    // A file without teams or phones asks only for the writes it makes.
    let bare = users_plan("name,email\nNew One,new1@example.com\n", Options::default());
    assert_eq!(bare.count(Action::Create), 1);
    assert_eq!(
        bare.scopes(true),
        vec![
            "users.read",
            "users.write",
            "users:contact_methods.read",
            "teams.read",
            "abilities.read"
        ]
    );
    // Only an update: the user's own scope.
    let title = users_plan(
        "name,email,title\nAda Lovelace,ada@example.com,Lead\n",
        Options::default(),
    );
    assert_eq!(title.count(Action::Update), 1);
    assert!(!title.scopes(true).contains(&"teams.write"));
    assert!(title.scopes(true).contains(&"users.write"));
    assert!(Kind::Users.role_refusal("admin").is_none());
    assert!(Kind::Users
        .role_refusal("user")
        .unwrap()
        .contains("Your PagerDuty role is Manager."));
    assert!(Kind::Services.role_refusal("user").is_none());
    assert!(Kind::Services.role_refusal("limited_user").is_some());
}

#[test]
fn a_written_team_role_changes_an_existing_membership_and_the_default_never_does() {
    let plan = users_plan(
        "name,email,teams,team_roles\nAda Lovelace,ada@example.com,Payments,Manager\n",
        Options::default(),
    );
    let row = &plan.rows[0];
    assert_eq!(row.action, Action::Update, "{row:?}");
    assert_eq!(row.changes, vec!["team Payments role: responder → manager"]);
    let Work::User(w) = &row.work else {
        panic!("{row:?}")
    };
    assert!(w.teams.is_empty(), "already a member: {:?}", w.teams);
    assert_eq!(
        w.roles,
        vec![("Payments".to_string(), "manager".to_string())]
    );
    assert_eq!(row.writes(), 1);
    assert!(plan.scopes(true).contains(&"teams.write"));
    // The role it has already, or no team_roles (the default would be manager): unchanged.
    for text in [
        "name,email,teams,team_roles\nAda Lovelace,ada@example.com,Payments,responder\n",
        "name,email,teams\nAda Lovelace,ada@example.com,Payments\n",
    ] {
        let plan = users_plan(text, Options::default());
        assert_eq!(
            plan.rows[0].action,
            Action::Unchanged,
            "{text}: {:?}",
            plan.rows[0]
        );
        assert_eq!(plan.writes(), 0);
    }
}

#[test]
fn a_team_role_is_not_compared_when_its_members_were_not_read() {
    let rows = csvfile::read(
        "name,email,teams,team_roles\nAda Lovelace,ada@example.com,Payments,Manager\n".as_bytes(),
    )
    .unwrap();
    let file = super::super::users::check(&rows, &|z| Some(z.to_string())).unwrap();
    let mut unread = account();
    unread.members.clear();
    let plan = users(&file, &unread, Options::default());
    assert_eq!(plan.rows[0].action, Action::Unchanged, "{:?}", plan.rows[0]);
    assert_eq!(plan.writes(), 0);
}

#[test]
fn a_full_stakeholder_gets_no_team_role_and_the_row_says_why() {
    let plan = users_plan(
        "name,email,role,teams,team_roles\nAda Lovelace,ada@example.com,Full Stakeholder,Payments,manager\n",
        Options::default(),
    );
    let row = &plan.rows[0];
    assert_eq!(row.action, Action::Error, "{row:?}");
    assert_eq!(row.writes(), 0);
    assert!(
        row.problems
            .iter()
            .any(|p| p.column == "team_roles" && p.message.contains("cannot be given a team role")),
        "{row:?}"
    );
}

#[test]
fn only_rows_that_write_team_roles_need_their_teams_members_read() {
    let rows = csvfile::read(
        "name,email,teams,team_roles\nA,a@example.com,Payments;Platform,manager\nB,b@example.com,Ops,\nC,c@example.com,payments;Night,observer\n"
            .as_bytes(),
    )
    .unwrap();
    let file = super::super::users::check(&rows, &|z| Some(z.to_string())).unwrap();
    assert_eq!(
        super::super::users::teams_with_roles(&file),
        vec!["Payments", "Platform", "Night"]
    );
}

#[test]
fn a_row_that_needs_an_ability_the_account_lacks_is_an_error_with_pagerdutys_reason() {
    let mut account = account();
    account.abilities = Some(vec!["teams".into(), "read_only_users".into()]);
    let plan = users(
        &crate::bulk::users::check(
            &csvfile::read(
                "name,email,role,teams\nOb Server,ob@example.com,observer,\nSteak Holder,sh@example.com,stakeholder,\nTea Mer,tm@example.com,responder,Payments\n"
                    .as_bytes(),
            )
            .unwrap(),
            &|z| Some(z.to_string()),
        )
        .unwrap(),
        &account,
        Options::default(),
    );
    assert_eq!(plan.rows[0].action, Action::Error, "{:?}", plan.rows[0]);
    let why = crate::bulk::Problem::joined(&plan.rows[0].problems);
    assert!(why.starts_with("role: PagerDuty refuses this: the role Observer needs the advanced_permissions ability"), "{why}");
    // The account has these.
    assert_ne!(plan.rows[1].action, Action::Error, "{:?}", plan.rows[1]);
    assert_ne!(plan.rows[2].action, Action::Error, "{:?}", plan.rows[2]);
    // Without teams, a row naming one is refused too; unknown abilities refuse nothing.
    account.abilities = Some(vec![]);
    let file = crate::bulk::users::check(
        &csvfile::read("name,email,teams\nTea Mer,tm@example.com,Payments\n".as_bytes()).unwrap(),
        &|z| Some(z.to_string()),
    )
    .unwrap();
    let plan = users(&file, &account, Options::default());
    assert!(crate::bulk::Problem::joined(&plan.rows[0].problems).contains("the teams ability"));
    account.abilities = None;
    assert_ne!(
        users(&file, &account, Options::default()).rows[0].action,
        Action::Error
    );
    // Low urgency on a service takes the urgencies ability.
    account.abilities = Some(vec!["teams".into()]);
    let rows =
        csvfile::read(b"name,escalation_policy,urgency\nBatch,P1,low\nWeb2,P1,high\n").unwrap();
    let plan = services(&crate::bulk::services::check(&rows).unwrap(), &account);
    assert_eq!(plan.rows[0].action, Action::Error);
    let why = crate::bulk::Problem::joined(&plan.rows[0].problems);
    assert!(
        why.contains("low urgency needs the urgencies ability"),
        "{why}"
    );
    assert_ne!(plan.rows[1].action, Action::Error);
}

#[test]
fn an_added_number_without_a_rule_is_warned_and_the_defaults_cover_a_new_channel() {
    // Ada exists (see account()); her row adds an SMS number.
    let plan = users_plan(
        "name,email,country_code,sms_number,notify\nAda Lovelace,ada@example.com,44,7700900999,email:0\n",
        Options::default(),
    );
    assert!(
        plan.rows[0]
            .changes
            .iter()
            .any(|c| c.starts_with("warning: no notification rule will use sms")),
        "{:?}",
        plan.rows[0].changes
    );
    // With notify empty, the defaults give the added channel its rule, as on create.
    let plan = users_plan(
        "name,email,country_code,sms_number\nAda Lovelace,ada@example.com,44,7700900999\n",
        Options::default(),
    );
    let changes = &plan.rows[0].changes;
    assert!(
        changes.iter().any(|c| c == "add rule: sms after 0 min"),
        "{changes:?}"
    );
    assert!(
        !changes.iter().any(|c| c.starts_with("warning:")),
        "{changes:?}"
    );
}

#[test]
fn a_near_miss_policy_name_is_proposed_and_the_corrected_file_plans() {
    use crate::bulk::CheckedFile;
    let text = "name,escalation_policy\nWeb,Payments On Call\nBatch,Nope\n";
    let rows = csvfile::read(text.as_bytes()).unwrap();
    let checked = crate::bulk::services::check(&rows).unwrap();
    let plan = services(&checked, &account());
    assert_eq!(
        plan.rows[0].problems[0].message,
        "there is no escalation policy named (or with the id) Payments On Call; did you mean Payments On-Call?"
    );
    assert!(plan.rows[1].problems[0].fix.is_none());
    let more: Vec<(u64, &Problem)> = plan
        .rows
        .iter()
        .flat_map(|r| r.problems.iter().map(move |p| (r.line, p)))
        .collect();
    assert_eq!(checked.suggestions(&more), 1);
    let fixed = checked.corrected(&more).unwrap();
    assert_eq!(
        fixed,
        "\u{feff}name,escalation_policy\r\nWeb,Payments On-Call\r\nBatch,Nope\r\n"
    );
}

#[test]
fn the_plan_counts_the_licences_its_creates_take_against_those_free() {
    use crate::bulk::account::Licence;
    let mut account = account();
    let licence = |group: &str, roles: &[&str], free: u64| Licence {
        name: format!("Business ({group})"),
        role_group: group.into(),
        valid_roles: roles.iter().map(|r| r.to_string()).collect(),
        available: Some(free),
    };
    account.licences = Some(vec![
        licence("FullUser", &["owner", "admin", "user", "limited_user"], 1),
        licence("FullUser", &["owner", "admin", "user", "limited_user"], 1),
        licence(
            "Stakeholder",
            &["read_only_user", "read_only_limited_user"],
            5,
        ),
    ]);
    let file = "name,email,role\nA,a@example.com,responder\nB,b@example.com,\nS,s@example.com,stakeholder\nAda Lovelace,ada@example.com,\n";
    let rows = csvfile::read(file.as_bytes()).unwrap();
    let checked = crate::bulk::users::check(&rows, &|z| Some(z.to_string())).unwrap();
    let plan = users(&checked, &account, Options::default());
    assert_eq!(
        plan.notes,
        [
            "This file creates 2 new users who need a Full User licence, and PagerDuty says 1 is free: the creates past them will be refused. Free licences (a stakeholder role frees a Full User one) or buy more first.",
            "1 new user will take a Stakeholder licence (5 are free)."
        ]
    );
    // Licences not read (no licenses.read): nothing to say.
    account.licences = None;
    assert!(users(&checked, &account, Options::default())
        .notes
        .is_empty());
}

#[test]
fn team_roles_pagerduty_fixes_are_planned_as_fixed_and_said() {
    // A Global Admin is always a team manager, a stakeholder always an observer.
    let plan = users_plan(
        "name,email,role,teams,team_roles\nAdmin New,admin.new@example.com,global admin,Payments,responder\nLim Stake,lim@example.com,limited stakeholder,Payments,manager\nResp Onder,resp@example.com,responder,Payments,observer\n",
        Options::default(),
    );
    let Work::User(w) = &plan.rows[0].work else {
        panic!("{:?}", plan.rows[0])
    };
    assert_eq!(w.teams, [("Payments".to_string(), "manager".to_string())]);
    assert!(plan.rows[0].changes[0].starts_with("team Payments: manager, not responder (PagerDuty always makes a Global Admin a team manager)"), "{:?}", plan.rows[0].changes);
    let Work::User(w) = &plan.rows[1].work else {
        panic!("{:?}", plan.rows[1])
    };
    assert_eq!(w.teams, [("Payments".to_string(), "observer".to_string())]);
    // Other roles keep what the file asks.
    let Work::User(w) = &plan.rows[2].work else {
        panic!("{:?}", plan.rows[2])
    };
    assert_eq!(w.teams, [("Payments".to_string(), "observer".to_string())]);
    assert!(!plan.rows[2]
        .changes
        .iter()
        .any(|c| c.contains("always makes")));
}

#[test]
fn adding_past_ten_contact_methods_counts_push_and_whatsapp() {
    let mut account = account();
    // Ada has her contacts from account(), and seven push or WhatsApp methods besides.
    let have = account.users[0].contacts.len();
    account.users[0].other_contacts = 10 - have;
    let rows = csvfile::read(
        b"name,email,country_code,sms_number\nAda Lovelace,ada@example.com,44,7700900777\n",
    )
    .unwrap();
    let checked = crate::bulk::users::check(&rows, &|z| Some(z.to_string())).unwrap();
    let plan = users(&checked, &account, Options::default());
    assert_eq!(plan.rows[0].action, Action::Error, "{:?}", plan.rows[0]);
    let why = crate::bulk::Problem::joined(&plan.rows[0].problems);
    assert!(
        why.contains("PagerDuty keeps at most 10") && why.contains("push or WhatsApp"),
        "{why}"
    );
    account.users[0].other_contacts = 0;
    assert_ne!(
        users(&checked, &account, Options::default()).rows[0].action,
        Action::Error
    );
}
