//! The fifth seed pass, from its own generator so that everything seeded before stays as it
//! was: what past deletions left behind (reference §10.5), in objects of its own, a "Legacy
//! rotation" schedule and two escalation policies that still name deleted users' stubs
//! (`self: null`, `deleted_at`) besides people of the account. No service uses them.

use super::seed_oncall::{local_in, make, pick, user, LayerSpec};
use super::types::{DeletedUser, Member, Policy, Rule, Target};
use super::{pd_id, Dataset};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::HashSet;

/// Mixed into `--seed` for this pass.
const FIFTH_PASS: u64 = 0x5EED_0005;
const WEEK: i64 = 7 * 86_400;

/// A deleted user's stub with a fresh id.
pub(super) fn stub(
    rng: &mut StdRng,
    seen: &mut HashSet<String>,
    name: &str,
    deleted_at: &str,
) -> Member {
    Member::Deleted(DeletedUser {
        id: pd_id(rng, seen),
        name: name.to_string(),
        deleted_at: deleted_at.to_string(),
    })
}

/// A policy without a team of `rules` (delay in minutes, targets), with fresh ids.
pub(super) fn policy(
    rng: &mut StdRng,
    seen: &mut HashSet<String>,
    name: &str,
    teams: Vec<usize>,
    rules: Vec<(u32, Vec<Target>)>,
) -> Policy {
    Policy {
        id: pd_id(rng, seen),
        name: name.to_string(),
        description: Some("Kept from before the last reorganisation.".into()),
        teams,
        rules: rules
            .into_iter()
            .map(|(delay_minutes, targets)| Rule {
                id: pd_id(rng, seen),
                delay_minutes,
                targets,
            })
            .collect(),
        ..Policy::default()
    }
}

/// Adds the "Legacy rotation" schedule (two people and a deleted user's stub taking weekly
/// turns) and the "Legacy Escalation Policy" (a person, then the stub and the schedule) and
/// "Former Support Escalation Policy" (a person, then another stub). A stub is never in a
/// first rule, so every policy still pages a person of the account first.
pub(super) fn seed_stubs(data: &mut Dataset, seed: u64, seen: &mut HashSet<String>) {
    let mut rng = StdRng::seed_from_u64(seed ^ FIFTH_PASS);
    let eligible: Vec<usize> = (0..data.users.len())
        .filter(|u| !data.users[*u].role.starts_with("read_only"))
        .collect();
    if eligible.is_empty() {
        return;
    }
    let gone = stub(&mut rng, seen, "Robin Former", "2025-11-03T16:20:00Z");
    let gone_too = stub(&mut rng, seen, "Sam Departed", "2026-01-15T10:00:00Z");
    let layer = LayerSpec {
        name: "Legacy weekly",
        start: local_in("Europe/London", "2024-03-04T09:00:00"),
        end: None,
        turn: WEEK,
        members: pick(&mut rng, &eligible, 2),
        restrictions: vec![],
    };
    let mut schedule = make(
        &mut rng,
        seen,
        "Legacy rotation".into(),
        "Europe/London",
        vec![],
        vec![layer],
    );
    schedule.layers[0].members.push(gone.clone());
    let s = data.schedules.len();
    data.schedules.push(schedule);
    let first = pick(&mut rng, &eligible, 1)[0];
    let legacy = policy(
        &mut rng,
        seen,
        "Legacy Escalation Policy",
        vec![],
        vec![
            (30, vec![user(first)]),
            (30, vec![Target::User(gone), Target::Schedule(s)]),
        ],
    );
    let first = pick(&mut rng, &eligible, 1)[0];
    let former = policy(
        &mut rng,
        seen,
        "Former Support Escalation Policy",
        vec![],
        vec![(20, vec![user(first)]), (20, vec![Target::User(gone_too)])],
    );
    data.policies.extend([legacy, former]);
}
