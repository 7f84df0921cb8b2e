//! The seeded account: deterministic, varied, and consistent in its timestamps; its incidents
//! pointing at what is there; its on-call setup (schedules, rules) realistic; references that
//! follow their users; deleted-user stubs.

use super::seed::{END_SECOND, FIRST_SECOND};
use super::*;
use crate::tz::{parse_utc, rfc3339, Zone};

#[test]
fn generation_is_deterministic_and_varied() {
    let a = Dataset::generate(7, 400, 120);
    let b = Dataset::generate(7, 400, 120);
    assert_eq!(a.services.len(), 400);
    assert_eq!(a.users.len(), 120);
    assert_eq!(
        a.services.iter().map(|s| &s.id).collect::<Vec<_>>(),
        b.services.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
    let ids: HashSet<_> = a
        .services
        .iter()
        .map(|s| &s.id)
        .chain(a.users.iter().map(|u| &u.id))
        .collect();
    assert_eq!(ids.len(), 520, "ids are unique");
    assert!(a.services.iter().any(|s| s.name.contains("<img")));
    assert!(a.services.iter().any(|s| s.name.contains('支')));
    assert!(a.services.iter().any(|s| s.description.is_none()));
    assert!(a
        .services
        .iter()
        .any(|s| s.description.as_deref() == Some("")));
    assert!(a.services.iter().any(|s| s.status == "disabled"));
    assert!(a.user_by_email(ADMIN_EMAIL).is_some());
    let responder = a.user_by_email(RESPONDER_EMAIL).unwrap();
    let visible = a
        .services
        .iter()
        .filter(|s| a.can_see_service(responder, s))
        .count();
    assert!(
        visible > 0 && visible < 400,
        "responder sees some: {visible}"
    );
    let sorted = a
        .services
        .windows(2)
        .all(|w| w[0].name.to_lowercase() <= w[1].name.to_lowercase());
    assert!(sorted);
}

#[test]
fn timestamps_are_rfc3339_utc() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(FIRST_SECOND), "2015-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339(1_628_239_447), "2021-08-06T08:44:07Z");
    assert_eq!(rfc3339(END_SECOND - 1), "2025-12-31T23:59:59Z");
}

#[test]
fn no_service_had_an_incident_before_it_was_created() {
    let defaults = crate::options::Options::defaults();
    let sets = [
        Dataset::generate(defaults.seed, defaults.services, defaults.users),
        Dataset::generate(7, 10_150, 2),
        Dataset::generate(12345, 2_000, 2),
    ];
    for data in &sets {
        let mut with_incident = 0;
        for s in &data.services {
            // Fixed-width RFC 3339 in UTC: string order is time order.
            assert_eq!(s.created_at.len(), 20, "{}", s.created_at);
            if let Some(last) = &s.last_incident_timestamp {
                with_incident += 1;
                assert_eq!(last.len(), 20, "{last}");
                assert!(
                    *last >= s.created_at,
                    "{} ({}): last incident {last} before its creation {}",
                    s.name,
                    s.id,
                    s.created_at
                );
            }
        }
        assert!(with_incident > 0 && with_incident < data.services.len());
    }
}

#[test]
fn seeded_incidents_point_at_what_is_there_in_any_account() {
    for (seed, services, users) in [(1, 300, 300), (7, 3, 2), (12345, 40, 30)] {
        let data = Dataset::generate(seed, services, users);
        let again = Dataset::generate(seed, services, users);
        assert_eq!(data.incidents.len(), 40);
        let ids = |d: &Dataset| d.incidents.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&data), ids(&again), "the same for the same seed");
        let mut all: HashSet<&String> = data
            .services
            .iter()
            .map(|s| &s.id)
            .chain(data.users.iter().map(|u| &u.id))
            .chain(data.policies.iter().map(|p| &p.id))
            .collect();
        for (n, i) in data.incidents.iter().enumerate() {
            assert!(all.insert(&i.id), "incident ids are unique: {}", i.id);
            assert_eq!(i.number, n as u64 + 1, "numbered in order");
            let s = data.service_by_id(&i.service).unwrap();
            assert_ne!(s.status, "disabled");
            assert_eq!(i.policy, data.policies[s.policy].id);
            assert!(
                i.created_at >= s.created_at,
                "{} {}",
                i.created_at,
                s.created_at
            );
            for a in i.assignments.iter().chain(&i.acknowledgements) {
                let u = data.user_by_id(&a.user).unwrap();
                assert!(pageable(u.role), "{}", u.role);
            }
            assert_eq!(i.assignments.is_empty(), i.status == "resolved");
        }
        assert!(data.incidents.iter().any(|i| i.status == "acknowledged"));
    }
}

#[test]
fn seeded_on_call_is_realistic_and_consistent() {
    for (seed, services, users) in [(1, 300, 300), (7, 40, 30), (3, 20, 2), (1, 250, 120)] {
        let d = Dataset::generate(seed, services, users);
        assert!(d.check().is_ok());
        assert!(d.schedules.len() >= 8, "{}", d.schedules.len());
        for s in &d.schedules {
            assert!((1..=3).contains(&s.layers.len()), "{}", s.name);
            assert!(Zone::named(&s.time_zone).is_some(), "{}", s.time_zone);
            for l in &s.layers {
                assert!(!l.members.is_empty(), "{} {}", s.name, l.name);
                assert!(l.turn_seconds >= 3600);
                // Deleted users' stubs only where past deletions left them (`seed_stubs`).
                for m in &l.members {
                    let Some(u) = m.user() else {
                        assert_eq!(s.name, "Legacy rotation");
                        continue;
                    };
                    let u = &d.users[u];
                    assert!(!u.role.starts_with("read_only"), "stakeholder {}", u.email);
                }
            }
        }
        assert!(d
            .schedules
            .iter()
            .any(|s| s.layers.iter().any(|l| l.end.is_some())));
        assert!(d
            .schedules
            .iter()
            .any(|s| s.layers.iter().any(|l| !l.restrictions.is_empty())));
        let mut rule_counts = HashSet::new();
        for p in &d.policies {
            assert!((1..=3).contains(&p.rules.len()), "{}", p.name);
            rule_counts.insert(p.rules.len());
            for r in &p.rules {
                assert!((1..=10).contains(&r.targets.len()), "{}", p.name);
            }
            // The first rule pages people, as before on-call was seeded.
            assert!(p.rules[0]
                .targets
                .iter()
                .all(|t| matches!(t, Target::User(Member::User(_)))));
        }
        assert_eq!(rule_counts.len(), 3, "policies of 1, 2 and 3 rules");
        let used = (0..d.schedules.len())
            .filter(|s| !d.policies_using_schedule(*s).is_empty())
            .count();
        assert_eq!(
            used,
            d.schedules.len() - 1,
            "all but Holiday Cover are used"
        );
        // Someone is on call now through a schedule.
        let now = parse_utc("2026-06-01T12:00:00Z").unwrap();
        let oncalls = d.oncalls(now, now);
        assert!(oncalls.iter().any(|o| o.schedule.is_some()));
        assert!(oncalls.iter().any(|o| o.schedule.is_none() && o.level == 1));
    }
}

#[test]
fn references_follow_their_users_through_inserts_renames_and_deletes() {
    let mut d = Dataset::generate(1, 40, 30);
    let names = |d: &Dataset| -> Vec<String> {
        let mut out = Vec::new();
        for p in &d.policies {
            for t in p.rules.iter().flat_map(|r| &r.targets) {
                if let Target::User(Member::User(u)) = t {
                    out.push(d.users[*u].id.clone());
                }
            }
        }
        for s in &d.schedules {
            for u in s
                .layers
                .iter()
                .flat_map(|l| &l.members)
                .filter_map(|m| m.user())
            {
                out.push(d.users[u].id.clone());
            }
        }
        out
    };
    let before = names(&d);
    let mut new = d.users[5].clone();
    new.id = "PNEW001".into();
    new.name = "Aaron First".into();
    new.email = "aaron@example.com".into();
    assert_eq!(d.insert_user(new), 0);
    assert_eq!(names(&d), before);
    let last = d.users.len() - 1;
    d.users[last].name = "Aardvark Renamed".into();
    d.sort_users();
    assert_eq!(names(&d), before);
    // Deleting a user referenced in a layer drops them from it (and nobody else).
    let s = &d.schedules[0];
    let layer = s.layers.iter().position(|l| l.members.len() > 1).unwrap();
    let gone = s.layers[layer].members[0].user().unwrap();
    let gone_id = d.users[gone].id.clone();
    let places = d.user_places(gone);
    assert!(places.contains(&UserPlace::Layer { schedule: 0, layer }));
    d.remove_user(gone);
    let after = names(&d);
    assert!(!after.contains(&gone_id));
    assert_eq!(
        after,
        before
            .iter()
            .filter(|id| **id != gone_id)
            .cloned()
            .collect::<Vec<_>>()
    );
    assert!(d.check().is_ok());
}

#[test]
fn deleted_user_stubs_render_as_pagerduty_leaves_them() {
    let mut d = Dataset::generate(1, 40, 30);
    let stub = Member::Deleted(DeletedUser {
        id: "PDELUS1".into(),
        name: "Former Employee".into(),
        deleted_at: "2026-01-15T10:00:00Z".into(),
    });
    d.policies[0].rules[0]
        .targets
        .push(Target::User(stub.clone()));
    d.schedules[0].layers[0].members.push(stub.clone());
    assert!(d.check().is_ok());
    // shared/reference/examples/deleted-user-reference.json
    let stub_json = serde_json::json!({
        "id": "PDELUS1", "type": "user_reference", "summary": "Former Employee",
        "self": null, "deleted_at": "2026-01-15T10:00:00Z",
    });
    let example = serde_json::json!({
        "escalation_rule_target": stub_json,
        "schedule_layer_user": {"user": stub_json},
    });
    let api = "https://api.pagerduty.com";
    let rule = &d.policy_json(api, 0, &[])["escalation_rules"][0]["targets"];
    assert_eq!(
        rule.as_array().unwrap().last().unwrap(),
        &example["escalation_rule_target"]
    );
    let view = ScheduleView {
        zone: None,
        layers: true,
        overrides_subschedule: false,
        final_schedule: false,
        range: None,
        overflow: false,
        reversed: false,
        now: 0,
    };
    let s = d.schedule_json(api, 0, &view);
    let users = &s["schedule_layers"][0]["users"];
    assert_eq!(
        users.as_array().unwrap().last().unwrap(),
        &example["schedule_layer_user"]
    );
    // A stub is never on call directly.
    let now = parse_utc("2026-06-01T12:00:00Z").unwrap();
    assert!(d
        .oncalls(now, now)
        .iter()
        .all(|o| o.schedule.is_some() || o.member.user().is_some()));
    // A state file keeps it.
    let back: Dataset = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
    assert_eq!(back.schedules[0].layers[0].members.last(), Some(&stub));
}

#[test]
fn a_policy_pages_first_its_first_rule_users_and_who_its_schedules_put_on_call() {
    let mut d = Dataset::generate(1, 40, 30);
    let now = parse_utc("2026-06-01T12:00:00Z").unwrap();
    let sched = &d.schedules[0];
    let on_call = rotation::final_at(sched, sched.zone(), now)
        .and_then(Member::user)
        .expect("someone on call");
    let stub = Member::Deleted(DeletedUser {
        id: "PDELUS1".into(),
        name: "Former Employee".into(),
        deleted_at: "2026-01-15T10:00:00Z".into(),
    });
    d.policies[0].rules[0].targets = vec![
        Target::User(Member::User(2)),
        Target::Schedule(0),
        Target::User(stub),
        Target::User(Member::User(2)),
    ];
    let mut expected = vec![d.users[2].id.clone()];
    if on_call != 2 {
        expected.push(d.users[on_call].id.clone());
    }
    assert_eq!(d.policy_first_level(0, now), expected);
    // Later rules are not the first level.
    d.policies[0].rules[0].targets = vec![Target::User(Member::User(3))];
    assert_eq!(d.policy_first_level(0, now), vec![d.users[3].id.clone()]);
}
