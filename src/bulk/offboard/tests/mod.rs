//! Offboarding's tests: the check's refusals, the planner against an account with sole
//! members, schedules reached through policies, stakeholders, placeholders and 260 incidents,
//! and the run against a fake account (PagerDuty's order, a policy edited between plan and
//! run, lost answers, and a second run with nothing left to do).

mod fake;
mod run;

use super::*;
use crate::bulk::account::{read, Account};
use crate::bulk::plan::{Action, Plan, Work};
use crate::bulk::run::{Control, Method, Outcome, RowResult, Runner};
use crate::bulk::{File, Kind};
use fake::{incident, policy, schedule, stub, uref, user, Fake, State};
use futures::executor::block_on;
use serde_json::json;

fn checked(text: &str) -> Checked<Leaver> {
    check(&crate::csvfile::read(text.as_bytes()).unwrap()).unwrap()
}

fn problems(c: &Checked<Leaver>) -> Vec<String> {
    c.rows
        .iter()
        .flat_map(|r| r.spec.clone().err().unwrap_or_default())
        .map(|p| format!("{}: {}", p.column, p.message))
        .collect()
}

#[test]
fn a_file_of_emails_alone_checks_and_bad_rows_say_what_to_write() {
    let c = checked("email\nana@example.com\nben@example.com\n");
    assert_eq!(c.valid(), 2);
    let spec = c.rows[0].spec.as_ref().unwrap();
    assert_eq!(
        (spec.incidents, spec.then, spec.replacement.as_deref()),
        (Incidents::Leave, Then::Delete, None)
    );
    let c = checked("Email*,Replacement,incidents,then,notes\nana@example.com,ben@example.com,,stakeholder,x\nnot-an-email,,reassign,fire\nben@example.com,ana@example.com,,\nANA@example.com,,,\ncarl@example.com,carl@example.com,,\nPDEL001,,,\nPDEL002,ben@example.com,,keep\n");
    assert_eq!(c.ignored, vec!["notes"]);
    let all = problems(&c);
    for needle in [
        "email: \"not-an-email\" is not an e-mail address",
        "incidents: reassign needs a replacement",
        "then: \"fire\" is not a choice",
        "replacement: ana@example.com is leaving too (line 2)",
        "email: this person is also on line 2",
        "replacement: is the person who leaves",
        "replacement: is empty; a deleted user's placeholder",
        "then: a deleted user's placeholder has no incidents",
    ] {
        assert!(
            all.iter().any(|m| m.starts_with(needle)),
            "{needle} in {all:#?}"
        );
    }
    // A replacement makes reassign the default; stakeholder frees a licence.
    let c =
        checked("email,replacement,then\nana@example.com,ben@example.com,limited_stakeholder\n");
    let spec = c.rows[0].spec.as_ref().unwrap();
    assert_eq!(
        (spec.incidents, spec.then),
        (
            Incidents::Reassign,
            Then::Stakeholder("read_only_limited_user")
        )
    );
    // No email column, or only a header: the whole file is refused, in words.
    assert!(check(&crate::csvfile::read(b"name\nAna\n").unwrap())
        .unwrap_err()
        .to_string()
        .contains("no email column"));
    assert!(check(&crate::csvfile::read(b"email\n").unwrap()).is_err());
    // The Users list's "Export CSV" (of a search) is a file of people to offboard.
    let export = crate::table::USER_COLUMNS
        .iter()
        .map(|(_, t)| *t)
        .collect::<Vec<_>>()
        .join(",");
    let c = checked(&format!(
        "\u{feff}{export}\nAna,ana@example.com,Responder,SRE,Europe/London,Platform\n"
    ));
    assert_eq!((c.valid(), c.rows[0].key.as_str()), (1, "ana@example.com"));
    // "Offboard…" names people, or placeholders whose replacement is asked for.
    let named = |p: &[&str]| people_file(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(
        checked(&named(&["ana@example.com", "bo@example.com"]).unwrap()).valid(),
        2
    );
    let c = checked(&named(&["PDEL001"]).unwrap());
    assert!(
        problems(&c)[0].starts_with("replacement: is empty"),
        "{:?}",
        problems(&c)
    );
    for crafted in [
        "a@x.com\nceo@x.com",
        "a@x.com,b@x.com,resolve",
        "=cmd()",
        "",
        "P12",
    ] {
        assert_eq!(named(&["ok@example.com", crafted]), None, "{crafted:?}");
    }
    assert_eq!(named(&[]), None);
    assert_eq!(named(&["ok@example.com"; MAX_NAMED + 1]), None);
    // The template's rows are refused as they are.
    let t = crate::bulk::template(Kind::Offboard);
    assert_eq!(checked(&t).valid(), 0);
}

/// Ana (on two policy levels, a layer, an override, 260 incidents, team T1), Ben and Dee who
/// can take over, Sol the only member of the Nights layer (reached through policy Primary's
/// schedule), Stake a stakeholder, Owen the Account Owner, and a deleted user's placeholder in
/// policy Legacy.
fn state() -> State {
    let mut s = State::default();
    s.users = vec![
        user("U1", "Ana", "limited_user", &["T1"]),
        user("U2", "Ben", "user", &[]),
        user("U3", "Carl", "user", &[]),
        user("U4", "Sol", "limited_user", &[]),
        user("U5", "Stake", "read_only_user", &[]),
        user("U6", "Owen", "owner", &[]),
        user("U7", "Dee", "limited_user", &[]),
    ];
    s.teams = vec![json!({"id": "T1", "name": "Platform", "summary": "Platform"})];
    let sref = json!({"id": "S1", "type": "schedule_reference", "summary": "Primary"});
    s.policies = vec![
        policy(
            "P1",
            "Payments",
            &[&[uref("U1"), uref("U3")], &[uref("U1")], &[sref]],
        ),
        policy(
            "P2",
            "Legacy",
            &[&[stub("PDEL001", "Old Timer"), uref("U3")]],
        ),
    ];
    s.schedules = vec![schedule(
        "S1",
        "Primary",
        &[
            ("Weekly", &[uref("U3"), uref("U1"), uref("U7")], false),
            ("Nights", &[uref("U4")], false),
            ("Old", &[uref("U1")], true),
        ],
    )];
    s.overrides = vec![(
        "S1".into(),
        json!({"id": "O0", "start": "2026-12-12T00:00:00Z", "end": "2026-12-13T00:00:00Z", "user": uref("U1")}),
    )];
    s.incidents = (0..260)
        .map(|n| incident(&format!("I{n}"), 1000 + n, "U1"))
        .collect();
    s
}

fn plan(fake: &Fake, text: &str) -> Plan {
    let file = File::check(Kind::Offboard, text.as_bytes(), &|z| Some(z.to_string())).unwrap();
    let reads = file.reads(crate::timefmt::parse_iso("2026-12-06T00:00:00Z").unwrap());
    let account: Account = block_on(read(fake, &reads, |_, _, _| {})).unwrap().account;
    file.plan(&account, Default::default())
}

fn run(fake: &Fake, plan: &Plan) -> Vec<RowResult> {
    let out = std::cell::RefCell::new(vec![]);
    let runner = Runner::new(fake, None, Control::default());
    block_on(runner.run(plan, 6, &|r| out.borrow_mut().push(r)));
    let mut out = out.into_inner();
    out.sort_by_key(|r| r.line);
    out
}

fn said(plan: &Plan, line: u64) -> String {
    let r = plan.rows.iter().find(|r| r.line == line).unwrap();
    format!(
        "{:?} {} | {}",
        r.action,
        r.changes.join(" / "),
        crate::bulk::Problem::joined(&r.problems)
    )
}

#[test]
fn the_plan_shows_every_change_and_refuses_gaps() {
    let fake = Fake::new(state(), 0.0);
    let p = plan(
        &fake,
        "email,replacement,incidents,then\nana@example.com,ben@example.com,,\nsol@example.com,,,\nsol@example.com,,,\ncarl@example.com,stake@example.com,,keep\nowen@example.com,ben@example.com,,\nPDEL001,dee@example.com,,\nnobody@example.com,,,\n",
    );
    assert!(fake.writes().is_empty(), "a plan only reads");
    let ana = said(&p, 2);
    for needle in [
        "policy Payments, level 1: Ana → Ben",
        "policy Payments, level 2: Ana → Ben",
        "schedule Primary, layer Weekly, position 2 of 3: Ana → Ben (the rotation is kept)",
        "override 12 Dec 00:00 UTC – 13 Dec 00:00 UTC in Primary: Ana → Ben",
        "incident #1000 (Disk 1000): reassign to Ben",
        "team Platform: remove Ana",
        "delete Ana (ana@example.com)",
        "schedule Primary, layer Old (ended), position 1 of 1: Ana → Ben",
        "on call in Primary, next 7 days: before: Ana from 6 Dec 00:00 UTC; after: Ben from 6 Dec 00:00 UTC",
    ] {
        assert!(ana.contains(needle), "{needle} in {ana}");
    }
    let Work::Offboard(w) = &p.rows[0].work else {
        panic!("{ana}")
    };
    // 260 incidents take two bulk requests; then 2 policies... no: one policy, one schedule.
    assert_eq!(w.writes(), 2 + 1 + 1 + 2 + 1 + 1, "{w:?}");
    // Sol is the only member of Nights, which policy Payments reaches through its schedule.
    let sol = said(&p, 3);
    assert!(
        sol.starts_with("Error")
            && sol.contains("layer Nights would have nobody (Sol is its only member)"),
        "{sol}"
    );
    assert_eq!(
        p.rows[1].work,
        Work::Nothing,
        "nothing of a person with an error is written"
    );
    assert!(said(&p, 4).contains("this person is also on line 3"));
    let carl = said(&p, 5);
    assert!(
        carl.contains("Stake is a Full Stakeholder and cannot be on call"),
        "{carl}"
    );
    let owen = said(&p, 6);
    assert!(owen.contains("Owen is the Account Owner"), "{owen}");
    let placeholder = said(&p, 7);
    assert!(
        placeholder.contains("policy Legacy, level 1: (deleted) Old Timer → Dee"),
        "{placeholder}"
    );
    assert!(said(&p, 8).starts_with("Unchanged nothing to do: nobody@example.com is not a user"));
    assert_eq!((p.count(Action::Offboard), p.count(Action::Error)), (2, 4));
    // Without a replacement Ana leaves a level with nobody and the others' turns shift.
    let p = plan(&fake, "email,incidents\nana@example.com,resolve\n");
    let ana = said(&p, 2);
    assert!(
        ana.contains("policy Payments, level 2 would have nobody (Ana is its only target)"),
        "{ana}"
    );
    assert!(
        ana.contains(
            "schedule Primary, layer Weekly, position 2 of 3: remove Ana (the others' turns shift)"
        ),
        "{ana}"
    );
    assert!(
        ana.contains("incident #1000 (Disk 1000): resolve")
            && ana.contains("… and 250 more incidents: resolve"),
        "{ana}"
    );
    // Leaving incidents assigned to someone who is deleted is refused as PagerDuty would.
    let p = plan(
        &fake,
        "email,replacement,incidents\nana@example.com,ben@example.com,leave\n",
    );
    assert!(said(&p, 2).contains("PagerDuty refuses to delete someone with open incidents"));
    // Dee in Ana's place in Weekly is already there: Ana goes, the others' turns shift.
    let p = plan(
        &fake,
        "email,replacement,then\nana@example.com,dee@example.com,stakeholder\n",
    );
    let ana = said(&p, 2);
    assert!(
        ana.contains("remove Ana (Dee is already in it; the others' turns shift)"),
        "{ana}"
    );
    assert!(
        ana.contains("role: Responder → Full Stakeholder (frees a Full User licence)"),
        "{ana}"
    );
    assert!(
        ana.contains("policy Legacy") || !ana.contains("Legacy"),
        "{ana}"
    );
}

#[test]
fn only_an_admin_with_the_writes_it_makes_may_run_it() {
    let fake = Fake::new(state(), 0.0);
    let p = plan(
        &fake,
        "email,replacement\nana@example.com,ben@example.com\n",
    );
    let scoped = p.scopes(true);
    for s in [
        "escalation_policies.write",
        "schedules.write",
        "incidents.write",
        "teams.write",
        "users.write",
        "oncalls.read",
        "incidents.read",
    ] {
        assert!(scoped.contains(&s), "{s} in {scoped:?}");
    }
    assert_eq!(p.scopes(false), vec!["write"]);
    assert!(p
        .missing_scopes(true, &["users.read".into(), "users.write".into()])
        .contains(&"schedules.write"));
    // A file that only takes someone off on-call does not ask to delete users or change teams.
    let p = plan(
        &fake,
        "email,replacement,then\ndee@example.com,ben@example.com,keep\n",
    );
    assert!(
        !p.scopes(true).contains(&"users.write") && !p.scopes(true).contains(&"teams.write"),
        "{:?}",
        p.scopes(true)
    );
    for role in ["user", "limited_user", "observer", "read_only_user"] {
        assert!(
            Kind::Offboard
                .role_refusal(role)
                .unwrap()
                .contains("may offboard people"),
            "{role}"
        );
    }
    assert_eq!(Kind::Offboard.role_refusal("admin"), None);
}

#[test]
fn two_leavers_without_replacements_who_together_empty_a_level_are_errors() {
    let fake = Fake::new(state(), 0.0);
    // Each alone leaves the other in level 1 of Payments; together they leave nobody.
    let p = plan(
        &fake,
        "email,incidents,then\nana@example.com,resolve,keep\ncarl@example.com,,keep\n",
    );
    for line in [2, 3] {
        let row = said(&p, line);
        assert!(
            row.contains("policy Payments, level 1 would have nobody"),
            "{row}"
        );
    }
    let p = plan(&fake, "email,then\ncarl@example.com,keep\n");
    assert!(
        said(&p, 2).contains("policy Payments, level 1: remove Carl (leaves Ana)"),
        "{}",
        said(&p, 2)
    );
    // A level left with only a deleted user's placeholder is a gap.
    assert!(
        said(&p, 2).contains("policy Legacy, level 1 would have nobody (Carl is its only target"),
        "{}",
        said(&p, 2)
    );
}

#[test]
fn the_signed_in_person_cannot_offboard_themselves() {
    let fake = Fake::new(state(), 0.0);
    let file = File::check(
        Kind::Offboard,
        b"email,replacement\nana@example.com,ben@example.com\n",
        &|z| Some(z.to_string()),
    )
    .unwrap();
    let account = block_on(read(&fake, &file.reads(0.0), |_, _, _| {}))
        .unwrap()
        .account;
    let opts = crate::bulk::plan::Options {
        me: Some("ANA@example.com".into()),
        ..Default::default()
    };
    let p = file.plan(&account, opts);
    assert!(
        said(&p, 2).contains("is you, the person signed in"),
        "{}",
        said(&p, 2)
    );
    assert_eq!(p.to_write(), 0);
}
