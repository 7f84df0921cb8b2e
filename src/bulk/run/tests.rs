//! The executor against a fake PagerDuty account that loses answers, fails and throttles.

mod fake;
mod integrations;

use super::*;
use crate::bulk::plan::{self, Action, Options};
use crate::bulk::{services, users};
use fake::Fake;
use std::cell::RefCell;

fn users_file(n: usize) -> String {
    let mut f = String::from("name,email,country_code,phone_number,teams\n");
    for i in 0..n {
        f += &format!(
            "Person {i},person{i}@example.com,44,7700{i:06},{}\n",
            if i % 2 == 0 { "Payments" } else { "Platform" }
        );
    }
    f
}

fn plan_users(text: &str, fake: &Fake) -> plan::Plan {
    let rows = crate::csvfile::read(text.as_bytes()).unwrap();
    crate::bulk::users::plan::users(
        &users::check(&rows, &|z| Some(z.to_string())).unwrap(),
        &fake.account(),
        Options::default(),
    )
}

fn run(fake: &Fake, plan: &plan::Plan, ctl: Control) -> Vec<RowResult> {
    let runner = Runner::new(fake, Some(RATE_LIMIT_PER_MIN), ctl);
    let out = RefCell::new(vec![]);
    futures::executor::block_on(runner.run(plan, CONCURRENCY, &|r| out.borrow_mut().push(r)));
    let mut out = out.into_inner();
    out.sort_by_key(|r| r.line);
    out
}

fn writes(fake: &Fake) -> usize {
    fake.log
        .borrow()
        .iter()
        .filter(|(_, m, _)| *m != Method::Get)
        .count()
}

/// Every user once, with exactly one of each contact method, rule and membership.
fn assert_exactly_once(fake: &Fake, n: usize) {
    let s = fake.state.borrow();
    assert_eq!(s.users.len(), n, "one user per e-mail");
    for u in &s.users {
        assert_eq!(
            u.cms.len(),
            3,
            "{}: Default e-mail, phone, SMS: {:?}",
            u.email,
            u.cms
        );
        assert_eq!(
            u.rules.len(),
            4,
            "{}: Default rule + sms:0, phone:0, phone:3: {:?}",
            u.email,
            u.rules
        );
        assert_eq!(u.teams.len(), 1, "{}", u.email);
    }
    assert_eq!(s.teams.len(), 2, "Platform made once: {:?}", s.teams);
}

#[test]
fn a_clean_run_does_every_row_once_and_a_second_run_writes_nothing() {
    let fake = Fake::new(0.0, 0.0, 0.0);
    let text = users_file(40);
    let plan = plan_users(&text, &fake);
    assert_eq!(plan.count(Action::Create), 40);
    let results = run(&fake, &plan, Control::default());
    assert_eq!(results.len(), 40);
    assert!(
        results
            .iter()
            .all(|r| r.outcome == Outcome::Done && r.error.is_none()),
        "{results:#?}"
    );
    assert!(
        results[0].did[0].starts_with("created user U"),
        "{:?}",
        results[0].did
    );
    assert_exactly_once(&fake, 40);
    // Writes: 1 team, then per user 1 create + 2 contact methods + 3 rules + 1 team.
    assert_eq!(writes(&fake), 1 + 40 * 7);

    let again = plan_users(&text, &fake);
    assert_eq!(again.count(Action::Unchanged), 40, "{:?}", again.rows[0]);
    let before = fake.log.borrow().len();
    assert!(run(&fake, &again, Control::default()).is_empty());
    assert_eq!(fake.log.borrow().len(), before, "not one request");
}

#[test]
fn lost_answers_failures_and_throttling_never_duplicate_and_every_row_is_accounted_for() {
    let fake = Fake::new(0.05, 0.1, 0.05);
    let plan = plan_users(&users_file(60), &fake);
    let results = run(&fake, &plan, Control::default());
    assert_eq!(results.len(), 60);
    let failed: Vec<_> = results
        .iter()
        .filter(|r| r.outcome != Outcome::Done)
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_exactly_once(&fake, 60);
    // The faults really happened: lost creates were found again, not made twice.
    let [throttled, failed, lost] = fake.injected.get();
    assert!(
        throttled > 10 && failed > 10 && lost > 20,
        "{:?}",
        fake.injected.get()
    );
    assert!(results
        .iter()
        .any(|r| r.did.iter().any(|d| d.starts_with("found user"))));
}

#[test]
fn requests_stay_under_the_rate_limit_in_every_minute() {
    let fake = Fake::new(0.0, 0.0, 0.0);
    let plan = plan_users(&users_file(150), &fake);
    run(&fake, &plan, Control::default());
    let log = fake.log.borrow();
    assert!(log.len() > 1000, "{}", log.len());
    let times: Vec<f64> = log.iter().map(|(t, _, _)| *t).collect();
    let mut worst = 0;
    for (i, t) in times.iter().enumerate() {
        let n = times[i..].iter().take_while(|x| **x < t + 60_000.0).count();
        worst = worst.max(n);
    }
    assert!(
        worst <= RATE_LIMIT_PER_MIN as usize,
        "{worst} requests in one minute"
    );
    // …and close to it: the run is paced, not slow.
    let span = times.last().unwrap() - times[0];
    let rate = log.len() as f64 / (span / 60_000.0);
    assert!(rate > 0.9 * RATE_LIMIT_PER_MIN as f64, "{rate:.0} a minute");
}

#[test]
fn cancelling_stops_rows_and_reports_every_one() {
    let ctl = Control::default();
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.cancel_after = Some((40, ctl.clone()));
    let plan = plan_users(&users_file(30), &fake);
    let results = run(&fake, &plan, ctl);
    assert_eq!(results.len(), 30, "every row has a line in the report");
    let stopped = results
        .iter()
        .filter(|r| r.outcome == Outcome::Stopped)
        .count();
    assert!(stopped >= 20, "{stopped} stopped");
    assert!(
        results
            .iter()
            .filter(|r| r.outcome == Outcome::Done)
            .count()
            < 10
    );
    // Running the plan again finishes the rest, without a duplicate.
    let rest = plan_users(&users_file(30), &fake);
    let results = run(&fake, &rest, Control::default());
    assert!(results.iter().all(|r| r.outcome == Outcome::Done));
    assert_exactly_once(&fake, 30);
}

#[test]
fn a_row_whose_last_write_went_out_before_cancel_is_done_and_one_cut_short_is_stopped() {
    // How many requests one row takes, on an account of its own.
    let clean = Fake::new(0.0, 0.0, 0.0);
    let plan = plan_users(&users_file(1), &clean);
    assert_eq!(
        run(&clean, &plan, Control::default())[0].outcome,
        Outcome::Done
    );
    let n = clean.log.borrow().len();
    assert!(n >= 3, "{n} requests");
    // Cancel pressed while the last request was under way: everything was written.
    let ctl = Control::default();
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.cancel_after = Some((n, ctl.clone()));
    let r = run(&fake, &plan_users(&users_file(1), &fake), ctl);
    assert_eq!(r[0].outcome, Outcome::Done, "{:?}", r[0].did);
    assert_eq!(
        fake.state.borrow().users[0].teams.len(),
        1,
        "joined its team"
    );
    // Cancel pressed one request earlier: the last step never ran.
    let ctl = Control::default();
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.cancel_after = Some((n - 1, ctl.clone()));
    let r = run(&fake, &plan_users(&users_file(1), &fake), ctl);
    assert_eq!(r[0].outcome, Outcome::Stopped, "{:?}", r[0].did);
    assert_eq!(fake.log.borrow().len(), n - 1);
}

#[test]
fn a_new_team_role_is_set_once_and_a_second_plan_finds_nothing_to_do() {
    let fake = Fake::new(0.0, 0.0, 0.0);
    let plan = plan_users(&users_file(2), &fake);
    run(&fake, &plan, Control::default());
    let file = "name,email,teams,team_roles\nPerson 0,person0@example.com,Payments,observer\n";
    let plan = plan_users(file, &fake);
    assert_eq!(plan.rows[0].action, Action::Update, "{:?}", plan.rows[0]);
    let before = fake.log.borrow().len();
    let r = run(&fake, &plan, Control::default());
    assert_eq!(r[0].outcome, Outcome::Done);
    assert_eq!(r[0].did, vec!["set the role in team Payments to observer"]);
    assert_eq!(fake.log.borrow().len(), before + 1, "one PUT");
    let s = fake.state.borrow();
    assert_eq!(
        s.users[0].teams,
        vec![("T00000".to_string(), "observer".to_string())]
    );
    drop(s);
    assert_eq!(plan_users(file, &fake).writes(), 0);
}

#[test]
fn a_refused_row_fails_alone_with_pagerdutys_words_and_plain_ones() {
    let fake = Fake::new(0.0, 0.0, 0.0);
    let plan = plan_users(&users_file(3), &fake);
    // The third row's user was deleted in PagerDuty after the plan.
    let mut plan2 = plan.clone();
    if let Work::User(w) = &mut plan2.rows[2].work {
        w.id = Some("UGONE".into());
        w.create = None;
    }
    let results = run(&fake, &plan2, Control::default());
    assert_eq!(results[0].outcome, Outcome::Done);
    assert_eq!(results[2].outcome, Outcome::Failed);
    let e = results[2].error.as_ref().unwrap();
    assert_eq!(e.step, "reading contact methods");
    assert!(!e.plain.is_empty() && !e.pagerduty.is_empty());
}

#[test]
fn services_are_created_once_and_a_name_taken_by_another_policy_is_an_error() {
    let fake = Fake::new(0.05, 0.2, 0.0);
    fake.state
        .borrow_mut()
        .services
        .push(("S99".into(), "Taken".into(), "P2".into()));
    let text = "name,escalation_policy\nWeb,Ops\nApi,P1\nBatch,Ops\nTaken,Ops\n";
    let rows = crate::csvfile::read(text.as_bytes()).unwrap();
    let checked = services::check(&rows).unwrap();
    // Planned before "Taken" was seen, as if made in between.
    let mut account = fake.account();
    account.services.clear();
    let plan = crate::bulk::services::plan::services(&checked, &account);
    let results = run(&fake, &plan, Control::default());
    assert_eq!(
        results
            .iter()
            .filter(|r| r.outcome == Outcome::Done)
            .count(),
        3,
        "{results:#?}"
    );
    let e = results[3].error.as_ref().unwrap();
    assert!(e.plain.contains("another escalation policy"), "{e:?}");
    let s = fake.state.borrow();
    assert_eq!(s.services.len(), 4, "{:?}", s.services);
}

#[test]
fn an_announced_higher_limit_is_used() {
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.announced = Some(60_000);
    let plan = plan_users(&users_file(100), &fake);
    run(&fake, &plan, Control::default());
    let log = fake.log.borrow();
    let span = log.last().unwrap().0 - log[0].0;
    let rate = log.len() as f64 / (span / 60_000.0);
    // The fake answers one request at a time in 50 ms of its clock (1,200 a minute at most):
    // above 960 means the pacing followed the announced limit, not PagerDuty's default.
    assert!(rate > 1_100.0, "{rate:.0} a minute");
}

#[test]
fn a_plan_reads_what_its_file_names_through_the_page_source_faults_and_all() {
    use crate::bulk::{File, Kind};
    let fake = Fake::new(0.0, 0.0, 0.0);
    let text = "name,email,country_code,phone_number,teams,team_roles\nAda,ada@example.com,44,7700900123,Payments;Platform,manager;responder\nBo,bo@example.com,,,Platform,observer\n";
    run(&fake, &plan_users(text, &fake), Control::default());
    // Now read it back the way a plan does, through an account that throttles and fails.
    let flaky = Fake::new(0.2, 0.0, 0.2);
    *flaky.state.borrow_mut() = std::mem::take(&mut *fake.state.borrow_mut());
    let zone = |z: &str| Some(z.to_string());
    let file = File::check(Kind::Users, text.as_bytes(), &zone).unwrap();
    let seen = RefCell::new(vec![]);
    let read = futures::executor::block_on(crate::bulk::account::read(
        &flaky,
        &file.reads(0.0),
        |what, _, _| seen.borrow_mut().push(what),
    ))
    .unwrap();
    let injected = flaky.injected.get();
    assert!(
        injected[0] + injected[1] > 0,
        "faults were injected: {injected:?}"
    );
    let want = flaky.account();
    assert_eq!(read.account.users, want.users);
    assert_eq!(read.account.teams, want.teams);
    // Members are read for the teams whose roles the file names, and only those.
    assert_eq!(read.account.members, want.members);
    assert!(read.account.services.is_empty() && read.account.policies.is_empty());
    assert_eq!(read.not_listed, 0);
    let mut seen = seen.into_inner();
    seen.dedup();
    assert_eq!(seen, ["abilities", "users", "teams", "members"]);
    assert_eq!(read.account.abilities.as_ref().map(Vec::len), Some(4));
    // The plan of the same file against what was read changes nothing.
    let plan = file.plan(&read.account, Options::default());
    assert!(
        plan.rows.iter().all(|r| r.action == Action::Unchanged),
        "{:?}",
        plan.rows
    );
    // A services file reads services and policies.
    let read = futures::executor::block_on(crate::bulk::account::read(
        &flaky,
        &crate::bulk::export_reads(Kind::Services),
        |_, _, _| {},
    ))
    .unwrap();
    assert_eq!(read.account.policies, want.policies);
    assert!(read.account.users.is_empty());
}

#[test]
fn a_team_named_in_another_case_joins_the_team_the_plan_showed() {
    // Two teams whose names differ only in case: the plan resolves each cell once, in the
    // account's order, and the run must join the same team, whatever order the rows name them.
    let fake = Fake::new(0.0, 0.0, 0.0);
    fake.state
        .borrow_mut()
        .teams
        .push(("T-lower".into(), "ops".into()));
    fake.state
        .borrow_mut()
        .teams
        .push(("T-upper".into(), "OPS".into()));
    let text = "name,email,teams\nAda,ada@example.com,OPS\nBo,bo@example.com,Ops\n";
    let plan = plan_users(text, &fake);
    assert!(plan.new_teams.is_empty(), "{:?}", plan.new_teams);
    run(&fake, &plan, Control::default());
    let s = fake.state.borrow();
    let teams_of = |email: &str| -> Vec<String> {
        s.users
            .iter()
            .find(|u| u.email == email)
            .map(|u| u.teams.iter().map(|(t, _)| t.clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(teams_of("ada@example.com"), ["T-upper"], "exact name");
    let want = crate::bulk::account::find_named(&fake.account().teams, "Ops")
        .unwrap()
        .id
        .clone();
    assert_eq!(want, "T-lower");
    assert_eq!(
        teams_of("bo@example.com"),
        [want],
        "as the plan resolved it"
    );
}

#[test]
fn the_ids_a_row_made_say_what_each_is() {
    let fake = Fake::new(0.0, 0.0, 0.0);
    let text = "name,email,country_code,phone_number,sms_number,teams,notify\nAda,ada@example.com,44,7700900123,none,Payments,phone:0\n";
    let results = run(&fake, &plan_users(text, &fake), Control::default());
    let ids = &results[0].ids;
    let words: Vec<&str> = ids
        .iter()
        .map(|i| i.split_once(' ').map_or("", |(w, _)| w))
        .collect();
    assert_eq!(words, ["user", "phone", "rule", "team"], "{ids:?}");
}

#[test]
fn a_user_made_between_plan_and_run_is_neither_duplicated_nor_overwritten() {
    // Someone else holds the e-mail now (made after the plan read the account): the run must
    // not send the row's fields, role included, to them (#27: an admin could be demoted).
    let fake = Fake::new(0.0, 0.0, 0.0);
    let plan = plan_users(&users_file(3), &fake);
    fake.apply(
        Method::Post,
        "/users",
        Some(&json!({"user": {"name": "Someone Else", "email": "PERSON1@example.com"}})),
    )
    .unwrap();
    let writes_before = writes(&fake);
    let results = run(&fake, &plan, Control::default());
    assert_eq!(results[1].outcome, Outcome::Failed, "{:?}", results[1]);
    let e = results[1].error.as_ref().unwrap();
    assert!(
        e.plain.contains("exists now") && e.plain.contains("Plan again"),
        "{e:?}"
    );
    let s = fake.state.borrow();
    let them = s
        .users
        .iter()
        .find(|u| u.email == "PERSON1@example.com")
        .unwrap();
    assert_eq!(them.name, "Someone Else", "nothing was written to them");
    assert!(
        them.cms.len() == 1 && them.teams.is_empty(),
        "no contact method, no team"
    );
    drop(s);
    // The other two rows went on; the refused row wrote only its refused create.
    assert_eq!(
        results
            .iter()
            .filter(|r| r.outcome == Outcome::Done)
            .count(),
        2
    );
    assert!(writes(&fake) > writes_before);
}

#[test]
fn a_lost_create_is_taken_as_the_rows_when_the_user_is_as_the_row_describes() {
    // The create went through but its answer was lost: the user found has the row's fields,
    // so it is this row's, taken without writing to it again.
    let fake = Fake::new(0.0, 1.0, 0.0);
    let plan = plan_users("name,email\nAda Lost,ada.lost@example.com\n", &fake);
    let results = run(&fake, &plan, Control::default());
    assert_eq!(results[0].outcome, Outcome::Done, "{:?}", results[0]);
    assert!(results[0].found);
    assert!(
        results[0].did[0].starts_with("found user"),
        "{:?}",
        results[0].did
    );
    let puts = fake
        .log
        .borrow()
        .iter()
        .filter(|(_, m, p)| *m == Method::Put && p.starts_with("/users/"))
        .count();
    assert_eq!(puts, 0, "no PUT to the user found");
    assert_eq!(fake.state.borrow().users.len(), 1, "made once");
}

#[test]
fn no_licence_left_stops_the_runs_creates_after_the_first_refusal() {
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.licences = Some(2);
    let text = "name,email\nA,a@example.com\nB,b@example.com\nC,c@example.com\nD,d@example.com\nE,e@example.com\n";
    // The plan, reading the account's licences, says so before anything is written.
    let zone = |z: &str| Some(z.to_string());
    let file = crate::bulk::File::check(crate::bulk::Kind::Users, text.as_bytes(), &zone).unwrap();
    let read = futures::executor::block_on(crate::bulk::account::read(
        &fake,
        &file.reads(0.0),
        |_, _, _| {},
    ))
    .unwrap();
    assert_eq!(read.account.licences_free("user"), Some(2));
    let planned = file.plan(&read.account, Options::default());
    assert!(planned.notes[0].starts_with("This file creates 5 new users who need a Full User licence, and PagerDuty says 2 are free"), "{:?}", planned.notes);
    // The run of that plan makes no more creates than there are licences: nothing refused.
    let results = run(&fake, &planned, Control::default());
    assert_eq!(
        results
            .iter()
            .filter(|r| r.outcome == Outcome::Done)
            .count(),
        2
    );
    assert!(
        results
            .iter()
            .filter_map(|r| r.error.as_ref())
            .all(|e| e.plain.starts_with("Not tried: the plan counted")),
        "{results:?}"
    );
    let posts = |fake: &Fake| {
        fake.log
            .borrow()
            .iter()
            .filter(|(_, m, p)| *m == Method::Post && p == "/users")
            .count()
    };
    assert_eq!(posts(&fake), 2);
    // A plan that could not read them (no licenses.read): the first refusal stops the rest.
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.licences = Some(2);
    let plan = plan_users(text, &fake);
    assert!(plan.licences_free.is_empty());
    let results = run(&fake, &plan, Control::default());
    let done = results
        .iter()
        .filter(|r| r.outcome == Outcome::Done)
        .count();
    assert_eq!(done, 2);
    let posts = fake
        .log
        .borrow()
        .iter()
        .filter(|(_, m, p)| *m == Method::Post && p == "/users")
        .count();
    assert_eq!(posts, 3, "two made, one refused, the rest not asked");
    let refused: Vec<&str> = results
        .iter()
        .filter_map(|r| r.error.as_ref().map(|e| e.plain.as_str()))
        .collect();
    assert_eq!(refused.len(), 3);
    assert!(refused[0].contains("no licence left"), "{refused:?}");
    assert!(
        refused[1].starts_with("Not tried") && refused[2].starts_with("Not tried"),
        "{refused:?}"
    );
}

#[test]
fn taken_but_not_listed_yet_is_read_again_before_the_row_fails() {
    // Every create's answer is lost, and a new user is listed only 2 s later: the second
    // POST is "already taken", and reading again with back-off finds the row's own user.
    let mut fake = Fake::new(0.0, 1.0, 0.0);
    fake.lag_ms = 2_000.0;
    let plan = plan_users("name,email\nLag Gard,lag@example.com\n", &fake);
    let results = run(&fake, &plan, Control::default());
    assert_eq!(results[0].outcome, Outcome::Done, "{:?}", results[0]);
    assert!(results[0].found);
    assert_eq!(fake.state.borrow().users.len(), 1, "made once");
}

#[test]
fn a_402_says_the_plan_lacks_an_ability_not_that_a_cell_is_wrong() {
    let e = explain(
        "adding to team Ops",
        &crate::api::ApiError::PlanLacks(
            "Account does not have the abilities to perform the action: The account does not have the teams ability".into(),
        ),
    );
    assert!(
        e.plain.contains("does not include the teams ability"),
        "{e:?}"
    );
    assert!(e.plain.contains("The cells are not wrong"), "{e:?}");
    assert!(e.pagerduty.contains("teams ability"));
}

#[test]
fn cells_that_start_like_a_formula_are_kept_as_written_and_the_plan_and_report_say_which() {
    let fake = Fake::new(0.0, 0.0, 0.0);
    // The check takes the export's guard ('=…) off, so the cell is written as the text it is.
    let plan = plan_users(
        "name,email\n'=Ops Bot,bot@example.com\nPlain,plain@example.com\n",
        &fake,
    );
    let note = "kept as written (a spreadsheet would take it for a formula): name";
    assert!(
        plan.rows[0].changes.iter().any(|c| c == note),
        "{:?}",
        plan.rows[0]
    );
    assert!(!plan.rows[1]
        .changes
        .iter()
        .any(|c| c.starts_with("kept as written")));
    let results = run(&fake, &plan, Control::default());
    assert_eq!(fake.state.borrow().users[0].name, "=Ops Bot");
    let report = crate::bulk::report::rows(&plan, &results);
    assert!(report[0].did.ends_with(note), "{:?}", report[0]);
    assert!(!report[1].did.contains("kept as written"));
}
