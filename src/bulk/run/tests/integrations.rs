//! Services that arrive ready for alerts: the Events API v2 integration planned, made once
//! (lost answers, a service PagerDuty does not see yet), its key read back, and kept out of
//! the report, the journal and `Debug`.

use super::fake::Fake;
use super::*;
use crate::bulk::services::keys::{self, EVENTS_V2};
use crate::bulk::Kind;

fn plan_services(text: &str, fake: &Fake) -> plan::Plan {
    let rows = crate::csvfile::read(text.as_bytes()).unwrap();
    services::plan::services(&services::check(&rows).unwrap(), &fake.account())
}

fn services_file(n: usize) -> String {
    let mut f = String::from("name,escalation_policy\n");
    for i in 0..n {
        f += &format!("Service {i},Ops\n");
    }
    f
}

fn count(fake: &Fake, m: Method, path_has: &str) -> usize {
    fake.log
        .borrow()
        .iter()
        .filter(|(_, x, p)| *x == m && p.contains(path_has))
        .count()
}

/// Each service has exactly one integration, pdscope's.
fn one_each(fake: &Fake, n: usize) {
    let s = fake.state.borrow();
    assert_eq!(s.services.len(), n);
    for (id, name, _) in &s.services {
        let mine: Vec<_> = s.integrations.iter().filter(|i| i.0 == *id).collect();
        assert_eq!(mine.len(), 1, "{name}: {mine:?}");
        assert_eq!(
            (mine[0].2.as_str(), mine[0].3.as_str()),
            (EVENTS_V2, keys::NAME)
        );
    }
}

#[test]
fn the_plan_shows_and_counts_the_integration_and_an_existing_one_is_unchanged() {
    let fake = Fake::new(0.0, 0.0, 0.0);
    {
        let mut s = fake.state.borrow_mut();
        for (id, name) in [("S1", "Has one"), ("S2", "Bare"), ("S3", "Bare too")] {
            s.services.push((id.into(), name.into(), "P1".into()));
        }
        // An Events API v2 integration of another name counts.
        s.integrations.push((
            "S1".into(),
            "I1".into(),
            EVENTS_V2.into(),
            "Events V2".into(),
            "k".repeat(32),
        ));
    }
    let text = "name,escalation_policy,integration\nNew,Ops,\nNew quiet,Ops,none\nHas one,Ops,events_api_v2\nBare,Ops,\nBare too,Ops,Events API v2\nBad,Ops,email\n";
    let p = plan_services(text, &fake);
    let actions: Vec<Action> = p.rows.iter().map(|r| r.action).collect();
    use Action::*;
    assert_eq!(
        actions,
        [Create, Create, Unchanged, Unchanged, Add, Error],
        "{:#?}",
        p.rows
    );
    let add = "add integration Events API v2";
    assert!(
        p.rows[0].changes.iter().any(|c| c == add),
        "{:?}",
        p.rows[0]
    );
    assert!(!p.rows[1].changes.iter().any(|c| c == add));
    assert_eq!(p.rows[4].changes, [add]);
    assert!(p.rows[5].problems[0]
        .message
        .contains("events_api_v2 or none"));
    // Counted: two requests for a new service with one, one for the rest.
    assert_eq!(
        (p.rows[0].writes(), p.rows[1].writes(), p.rows[4].writes()),
        (2, 1, 1)
    );
    assert_eq!(p.writes(), 4);
    assert!(
        p.notes[0].starts_with("2 services get an Events API v2 integration"),
        "{:?}",
        p.notes
    );
    assert_eq!(
        p.scopes(true),
        [
            "services.read",
            "services.write",
            "escalation_policies.read",
            "abilities.read"
        ]
    );
}

#[test]
fn a_run_makes_one_integration_per_service_reads_each_key_and_a_second_plan_has_nothing_to_do() {
    let fake = Fake::new(0.0, 0.0, 0.0);
    let text = services_file(8);
    let results = run(&fake, &plan_services(&text, &fake), Control::default());
    assert!(
        results.iter().all(|r| r.outcome == Outcome::Done),
        "{results:#?}"
    );
    one_each(&fake, 8);
    // The create's answer had no key: each was read back once.
    assert_eq!(count(&fake, Method::Post, "/integrations"), 8);
    assert_eq!(count(&fake, Method::Get, "/integrations/"), 8);
    let s = fake.state.borrow();
    for r in &results {
        assert_eq!(r.keys.len(), 1);
        let k = &r.keys[0];
        let made = s
            .integrations
            .iter()
            .find(|i| i.1 == k.integration_id)
            .unwrap();
        assert_eq!(
            (k.key.expose(), k.service_id.as_str()),
            (made.4.as_str(), made.0.as_str())
        );
        assert_eq!(k.service, r.key);
        assert!(
            r.did[1].starts_with("added integration Events API v2 I"),
            "{:?}",
            r.did
        );
        assert!(r.ids[1].starts_with("integration I"), "{:?}", r.ids);
    }
    drop(s);
    let again = plan_services(&text, &fake);
    assert_eq!(again.count(Action::Unchanged), 8, "{:?}", again.rows[0]);
    assert_eq!(again.writes(), 0);
    // With the key in the create's answer, no read.
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.key_on_create = true;
    let results = run(
        &fake,
        &plan_services(&services_file(3), &fake),
        Control::default(),
    );
    assert_eq!(count(&fake, Method::Get, "/integrations/"), 0);
    assert!(results.iter().all(|r| r.keys.len() == 1));
}

#[test]
fn a_lost_answer_adopts_the_integration_made_and_never_makes_a_second() {
    let mut fake = Fake::new(0.0, 1.0, 0.0);
    fake.lose_only = Some("/integrations");
    let results = run(
        &fake,
        &plan_services(&services_file(5), &fake),
        Control::default(),
    );
    assert!(
        results.iter().all(|r| r.outcome == Outcome::Done),
        "{results:#?}"
    );
    one_each(&fake, 5);
    // Every create's answer was lost: one POST each, then the service read back.
    assert_eq!(count(&fake, Method::Post, "/integrations"), 5);
    assert!(count(&fake, Method::Get, "?include%5B%5D=integrations") >= 5);
    assert!(results
        .iter()
        .all(|r| r.keys.len() == 1 && r.did[1].starts_with("found integration")));
    // Faults everywhere (lost, failed, throttled): still one each.
    let fake = Fake::new(0.1, 0.3, 0.05);
    let results = run(
        &fake,
        &plan_services(&services_file(30), &fake),
        Control::default(),
    );
    assert!(
        results.iter().all(|r| r.outcome == Outcome::Done),
        "{results:#?}"
    );
    one_each(&fake, 30);
    assert!(fake.injected.get()[2] > 5, "{:?}", fake.injected.get());
}

#[test]
fn a_service_not_visible_yet_is_waited_for_and_one_never_visible_fails_in_words() {
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.service_lag_ms = 5_000.0;
    let results = run(
        &fake,
        &plan_services(&services_file(2), &fake),
        Control::default(),
    );
    assert!(
        results.iter().all(|r| r.outcome == Outcome::Done),
        "{results:#?}"
    );
    one_each(&fake, 2);
    assert!(
        count(&fake, Method::Post, "/integrations") > 2,
        "refused, then retried"
    );
    // Never visible: about two minutes on the fake's clock, then the row fails and says how
    // to finish it; nothing was made.
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.service_lag_ms = 1e12;
    let start = fake.now_ms();
    let results = run(
        &fake,
        &plan_services(&services_file(1), &fake),
        Control::default(),
    );
    let took = fake.now_ms() - start;
    assert!((120_000.0..200_000.0).contains(&took), "{took} ms");
    assert_eq!(results[0].outcome, Outcome::Failed);
    let e = results[0].error.as_ref().unwrap();
    assert_eq!(e.step, "adding integration Events API v2");
    assert!(
        e.plain
            .contains("write events_api_v2 in the row's integration cell"),
        "{e:?}"
    );
    assert!(fake.state.borrow().integrations.is_empty());
    // An existing service gets it with one POST and one read of its key.
    let fake = Fake::new(0.0, 0.0, 0.0);
    fake.state
        .borrow_mut()
        .services
        .push(("S1".into(), "Old".into(), "P1".into()));
    let plan = plan_services(
        "name,escalation_policy,integration\nOld,Ops,events_api_v2\n",
        &fake,
    );
    let before = fake.log.borrow().len();
    let results = run(&fake, &plan, Control::default());
    assert_eq!(results[0].outcome, Outcome::Done, "{results:?}");
    assert_eq!(
        fake.log.borrow().len() - before,
        2,
        "one POST, one key read"
    );
}

#[test]
fn keys_are_in_no_report_no_journal_and_no_debug_output() {
    let mut fake = Fake::new(0.0, 0.0, 0.0);
    fake.key_on_create = true;
    let text = services_file(4);
    let plan = plan_services(&text, &fake);
    let results = run(&fake, &plan, Control::default());
    let keys: Vec<String> = fake
        .state
        .borrow()
        .integrations
        .iter()
        .map(|i| i.4.clone())
        .collect();
    assert_eq!(keys.len(), 4);
    let report = crate::bulk::report::rows(&plan, &results);
    let journal = crate::bulk::journal::write(Kind::Services, "s.csv", "A/U", 4, &results);
    let back = crate::bulk::journal::read(&journal, "A/U").unwrap();
    let texts = [
        crate::bulk::report::csv(&report),
        journal,
        format!("{results:?} {report:?} {back:?} {plan:?}"),
    ];
    for k in &keys {
        for t in &texts {
            assert!(!t.contains(k.as_str()), "a key in {t}");
        }
    }
    // The keys file has them all, and the report says which integration each row made.
    let file = keys::csv(
        &results
            .iter()
            .flat_map(|r| r.keys.clone())
            .collect::<Vec<_>>(),
        None,
    );
    assert!(keys.iter().all(|k| file.contains(k.as_str())));
    assert!(report[0].ids.contains("integration I"), "{:?}", report[0]);
}

#[test]
fn export_routing_keys_reads_every_services_keys() {
    // Reads that fail and are throttled now and then, as PagerDuty's can.
    let fake = Fake::new(0.1, 0.0, 0.1);
    run(
        &fake,
        &plan_services(&services_file(3), &fake),
        Control::default(),
    );
    fake.state
        .borrow_mut()
        .services
        .push(("S9".into(), "None".into(), "P1".into()));
    fake.state.borrow_mut().integrations.push((
        "S9".into(),
        "I9".into(),
        "generic_email_inbound_integration".into(),
        "Mail".into(),
        "not-a-routing-key".into(),
    ));
    let (got, not_listed) = futures::executor::block_on(keys::export(&fake)).unwrap();
    assert_eq!(not_listed, 0);
    let s = fake.state.borrow();
    let want: Vec<&str> = s.integrations[..3].iter().map(|i| i.4.as_str()).collect();
    let got: Vec<&str> = got.iter().map(|k| k.key.expose()).collect();
    assert_eq!(got, want);
}
