//! The seeded account: deterministic, varied, and consistent in its timestamps.

use super::seed::{END_SECOND, FIRST_SECOND};
use super::*;
use crate::tz::rfc3339;

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
