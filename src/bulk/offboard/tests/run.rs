//! Offboarding's run against the fake account: PagerDuty's order, a second run with nothing
//! to do, a policy edited between plan and run, lost answers, rows that share objects, and the
//! layer order with and without PagerDuty's quirk.

use super::*;

#[test]
fn a_run_goes_in_pagerdutys_order_and_a_second_run_finds_nothing_to_do() {
    let fake = Fake::new(state(), 0.0);
    let text = "email,replacement\nana@example.com,ben@example.com\nPDEL001,dee@example.com\n";
    let p = plan(&fake, text);
    let order_before = fake.schedule("S1")["schedule_layers"].clone();
    let done = run(&fake, &p);
    assert!(done.iter().all(|r| r.outcome == Outcome::Done), "{done:#?}");
    let writes = fake.writes();
    let first = |prefix: &str| {
        writes
            .iter()
            .position(|(_, p)| p.starts_with(prefix))
            .unwrap()
    };
    // Incidents → policies → schedules and overrides → teams → the delete.
    let ana_writes: Vec<_> = writes.iter().filter(|(_, p)| !p.contains("P2")).collect();
    assert_eq!(
        ana_writes
            .iter()
            .filter(|(m, p)| *m == Method::Put && p == "/incidents")
            .count(),
        2,
        "260 incidents in two requests"
    );
    assert!(first("/incidents") < first("/escalation_policies/P1"));
    assert!(first("/escalation_policies/P1") < first("/schedules/S1"));
    assert!(first("/schedules/S1") < first("/teams/T1/users/U1"));
    assert!(first("/teams/T1/users/U1") < first("/users/U1"));
    // The layers keep their PUT order; Ben is where Ana was.
    let after = fake.schedule("S1")["schedule_layers"].clone();
    let ids = |v: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&after), ids(&order_before));
    assert_eq!(
        after[0]["users"],
        json!([{"user": {"id": "U3", "type": "user_reference"}}, {"user": {"id": "U2", "type": "user_reference"}}, {"user": {"id": "U7", "type": "user_reference"}}])
    );
    assert_eq!(
        after[2]["users"][0]["user"]["id"], "U2",
        "an ended layer names Ben too"
    );
    let p1 = fake.policy("P1");
    assert_eq!(
        p1["escalation_rules"][1]["targets"],
        json!([{"id": "U2", "type": "user_reference"}])
    );
    assert_eq!(
        fake.policy("P2")["escalation_rules"][0]["targets"][0]["id"],
        "U7"
    );
    let s = fake.state.borrow();
    assert!(s
        .incidents
        .iter()
        .all(|i| i["assignments"][0]["assignee"]["id"] == "U2"));
    assert_eq!(s.overrides.len(), 1);
    assert_eq!(s.overrides[0].1["user"]["id"], "U2");
    assert!(s.users.iter().all(|u| u["id"] != "U1"), "Ana is deleted");
    drop(s);
    // The backup holds each object as it was before its write.
    let ana = &done[0];
    assert!(
        ana.before
            .iter()
            .any(|b| b.contains("\"P1\"") && b.contains("U1")),
        "{:?}",
        ana.before
    );
    assert!(ana.did.iter().any(|d| d.starts_with("deleted user Ana")));
    // "Download changes": one line per object, with its PagerDuty link.
    let changes = crate::bulk::report::changes(&p, &done);
    assert!(changes.contains("2,ana@example.com,policy Payments (P1): Ana → Ben,https://acme.pagerduty.com/escalation_policies/P1"), "{changes}");
    assert!(changes.contains("3,PDEL001,"), "{changes}");
    // The same file again: nothing left to do, nothing written.
    let n = fake.writes().len();
    let again = plan(&fake, text);
    assert_eq!(again.to_write(), 0, "{:#?}", again.rows);
    assert_eq!(run(&fake, &again).len(), 0);
    assert_eq!(fake.writes().len(), n);
}

#[test]
fn a_policy_edited_since_the_plan_is_not_overwritten_and_the_person_stops() {
    let fake = Fake::new(state(), 0.0);
    let p = plan(
        &fake,
        "email,replacement\nana@example.com,ben@example.com\n",
    );
    // Someone moves Ana from level 2 to a new level 3 meanwhile.
    {
        let mut s = fake.state.borrow_mut();
        let rules = s.policies[0]["escalation_rules"].as_array_mut().unwrap();
        rules[1]["targets"] = json!([uref("U3")]);
        rules
            .push(json!({"id": "P1R9", "escalation_delay_in_minutes": 5, "targets": [uref("U1")]}));
    }
    let edited = fake.policy("P1");
    let done = run(&fake, &p);
    assert_eq!(done[0].outcome, Outcome::Failed);
    let e = done[0].error.as_ref().unwrap();
    assert!(e.plain.contains("changed since the plan"), "{e:?}");
    assert_eq!(fake.policy("P1"), edited, "not overwritten");
    assert!(
        fake.state.borrow().users.iter().any(|u| u["id"] == "U1"),
        "not deleted"
    );
    assert!(
        !fake
            .writes()
            .iter()
            .any(|(_, p)| p.starts_with("/schedules/S1")),
        "the person stopped there"
    );
}

#[test]
fn lost_answers_are_read_back_and_nothing_is_done_twice() {
    for seed_rate in [0.3, 0.5] {
        let fake = Fake::new(state(), seed_rate);
        let p = plan(
            &fake,
            "email,replacement\nana@example.com,ben@example.com\nsol@example.com,dee@example.com\n",
        );
        let done = run(&fake, &p);
        assert!(fake.lost.get() > 0, "answers were lost");
        assert!(done.iter().all(|r| r.outcome == Outcome::Done), "{done:#?}");
        let layers = fake.schedule("S1")["schedule_layers"].clone();
        let weekly: Vec<_> = layers[0]["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["user"]["id"].clone())
            .collect();
        assert_eq!(
            weekly,
            [json!("U3"), json!("U2"), json!("U7")],
            "Ben once, in Ana's place"
        );
        assert_eq!(
            layers[1]["users"],
            json!([{"user": {"id": "U7", "type": "user_reference"}}])
        );
        let s = fake.state.borrow();
        assert_eq!(
            s.overrides
                .iter()
                .filter(|o| o.1["user"]["id"] == "U2")
                .count(),
            1,
            "one override for Ben"
        );
        assert_eq!(s.overrides.len(), 1);
        assert!(s.users.iter().all(|u| u["id"] != "U1" && u["id"] != "U4"));
    }
}

#[test]
fn two_people_in_one_policy_and_layer_are_both_replaced_when_their_rows_run_at_once() {
    let fake = Fake::new(state(), 0.0);
    let p = plan(
        &fake,
        "email,replacement\nana@example.com,ben@example.com\ncarl@example.com,dee@example.com\n",
    );
    let done = run(&fake, &p);
    assert!(done.iter().all(|r| r.outcome == Outcome::Done), "{done:#?}");
    let level1 = fake.policy("P1")["escalation_rules"][0]["targets"].clone();
    assert_eq!(
        level1,
        json!([{"id": "U2", "type": "user_reference"}, {"id": "U7", "type": "user_reference"}]),
        "neither write undid the other"
    );
    let weekly: Vec<_> = fake.schedule("S1")["schedule_layers"][0]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user"]["id"].clone())
        .collect();
    assert_eq!(
        weekly,
        [json!("U2"), json!("U7")],
        "Carl out (Dee was there), Ana → Ben"
    );
    // One write per object for both: whichever row comes first makes both changes.
    let puts = |path: &str| {
        fake.writes()
            .iter()
            .filter(|(m, p)| *m == Method::Put && p == path)
            .count()
    };
    assert_eq!(
        (puts("/escalation_policies/P1"), puts("/schedules/S1")),
        (1, 1)
    );
    assert!(
        done.iter()
            .any(|r| r.did.iter().any(|d| d.contains("in the same write"))),
        "{done:#?}"
    );
}

#[test]
fn layers_keep_their_order_whether_or_not_the_account_reverses_them_on_get() {
    for same_order in [false, true] {
        let mut s = state();
        s.same_order = same_order;
        let fake = Fake::new(s, 0.0);
        let ids = |f: &Fake| {
            f.schedule("S1")["schedule_layers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["id"].clone())
                .collect::<Vec<_>>()
        };
        let before = ids(&fake);
        let p = plan(
            &fake,
            "email,replacement\nana@example.com,ben@example.com\n",
        );
        let done = run(&fake, &p);
        assert!(done.iter().all(|r| r.outcome == Outcome::Done), "{done:#?}");
        assert_eq!(ids(&fake), before, "same_order {same_order}");
        let puts = fake
            .writes()
            .iter()
            .filter(|(m, p)| *m == Method::Put && p == "/schedules/S1")
            .count();
        // Written once; where GET does not reverse, a second time in GET order.
        assert_eq!(
            puts,
            if same_order { 2 } else { 1 },
            "same_order {same_order}"
        );
    }
}
