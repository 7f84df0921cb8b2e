//! The seeded on-call setup, made after everything else from its own generator so that the
//! rest of the account stays as it was for the same `--seed`: a primary schedule per team
//! (a weekly rotation, on some teams under a business-hours layer, on some over a layer that
//! has ended), a secondary daily rotation on every other team, an unused "Holiday Cover"
//! schedule, and escalation policies of one to three rules: the team's managers first (as
//! before), then its schedules, then on some the secondary schedule and more people.

use super::types::{Layer, Member, Restriction, Rule, Schedule, Target};
use super::{pd_id, Dataset};
use crate::tz::{parse_datetime, Zone};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;

/// Mixed into `--seed` for this pass (the fourth: the third, `seed`'s licenses, integration
/// keys, incidents and devices, has `0x5EED_0003`).
const FOURTH_PASS: u64 = 0x5EED_0004;
const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;
const ZONES: &[&str] = &[
    "America/New_York",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Los_Angeles",
    "America/Chicago",
];

/// `local` (`2025-01-06T09:00:00`) on the wall clock of `zone`.
pub(super) fn local_in(zone: &str, local: &str) -> i64 {
    let z = Zone::named(zone).or_else(|| Zone::named("UTC"));
    z.and_then(|z| parse_datetime(local, z)).unwrap_or_default()
}

/// Up to `n` of `pool` (at least one when it has any), in a seeded order.
pub(super) fn pick(rng: &mut StdRng, pool: &[usize], n: usize) -> Vec<usize> {
    let mut p = pool.to_vec();
    p.shuffle(rng);
    p.truncate(n.max(1));
    p
}

pub(super) struct LayerSpec {
    pub name: &'static str,
    pub start: i64,
    pub end: Option<i64>,
    pub turn: i64,
    pub members: Vec<usize>,
    pub restrictions: Vec<Restriction>,
}

/// Adds the schedules, then the rules of every policy; `first_rule_targets[p]` are the users
/// the first rule of policy `p` pages.
pub(super) fn seed_on_call(
    data: &mut Dataset,
    first_rule_targets: Vec<Vec<usize>>,
    seed: u64,
    seen: &mut HashSet<String>,
) {
    let mut rng = StdRng::seed_from_u64(seed ^ FOURTH_PASS);
    // Stakeholders cannot be on a schedule (reference §10.3).
    let eligible: Vec<usize> = (0..data.users.len())
        .filter(|u| !data.users[*u].role.starts_with("read_only"))
        .collect();
    // Each team's eligible members, or everyone eligible for a team without any.
    let pools: Vec<Vec<usize>> = (0..data.teams.len())
        .map(|t| {
            let on_team: Vec<usize> = eligible
                .iter()
                .copied()
                .filter(|u| data.users[*u].teams.contains(&t))
                .collect();
            if on_team.is_empty() {
                eligible.clone()
            } else {
                on_team
            }
        })
        .collect();
    let mut schedules = Vec::new();
    let mut primary = Vec::new();
    let mut secondary = Vec::new();
    for (t, team) in data.teams.iter().enumerate() {
        let zone = ZONES[t % ZONES.len()];
        let pool = &pools[t];
        let monday = local_in(zone, &format!("2025-01-{:02}T09:00:00", 6 + (t % 3) * 7));
        let mut layers = Vec::new();
        if t % 3 == 0 {
            layers.push(LayerSpec {
                name: "Old daily rotation",
                start: local_in(zone, "2024-02-01T00:00:00"),
                end: Some(monday),
                turn: DAY,
                members: pick(&mut rng, pool, 3),
                restrictions: vec![],
            });
        }
        let weekly = rng.gen_range(2..=6);
        layers.push(LayerSpec {
            name: "Weekly rotation",
            start: monday,
            end: None,
            turn: WEEK,
            members: pick(&mut rng, pool, weekly),
            restrictions: vec![],
        });
        if t % 2 == 0 {
            let n = rng.gen_range(1..=3);
            layers.push(LayerSpec {
                name: "Business hours",
                start: monday,
                end: None,
                turn: DAY,
                members: pick(&mut rng, pool, n),
                restrictions: vec![Restriction {
                    start_day_of_week: None,
                    start_time_of_day: 9 * 3600,
                    duration_seconds: 8 * 3600,
                }],
            });
        }
        primary.push(schedules.len());
        schedules.push(make(
            &mut rng,
            seen,
            format!("{} Primary On-Call", team.name),
            zone,
            vec![t],
            layers,
        ));
        if t % 2 == 1 {
            let n = rng.gen_range(2..=4);
            let layers = vec![LayerSpec {
                name: "Daily rotation",
                start: monday,
                end: None,
                turn: DAY,
                members: pick(&mut rng, pool, n),
                // Weekends only: Saturday 00:00 for two days.
                restrictions: vec![Restriction {
                    start_day_of_week: Some(6),
                    start_time_of_day: 0,
                    duration_seconds: 2 * DAY as u32,
                }],
            }];
            secondary.push(Some(schedules.len()));
            schedules.push(make(
                &mut rng,
                seen,
                format!("{} Secondary On-Call", team.name),
                zone,
                vec![t],
                layers,
            ));
        } else {
            secondary.push(None);
        }
    }
    // Used by no policy: it can be deleted.
    let holiday = LayerSpec {
        name: "Holiday cover",
        start: local_in("Europe/London", "2025-12-20T00:00:00"),
        end: None,
        turn: WEEK,
        members: pick(&mut rng, &eligible, 1),
        restrictions: vec![],
    };
    schedules.push(make(
        &mut rng,
        seen,
        "Holiday Cover".into(),
        "Europe/London",
        vec![],
        vec![holiday],
    ));

    for (p, first) in first_rule_targets.into_iter().enumerate() {
        let teams = data.policies[p].teams.clone();
        let mut rules = vec![(30, first.into_iter().map(user).collect::<Vec<_>>())];
        if let Some(&t) = teams.first() {
            rules.push((
                15,
                teams
                    .iter()
                    .map(|t| Target::Schedule(primary[*t]))
                    .collect(),
            ));
            let mut third: Vec<Target> = secondary[t].map(Target::Schedule).into_iter().collect();
            if p % 3 == 2 {
                let n = rng.gen_range(3..=9);
                third.extend(pick(&mut rng, &pools[t], n).into_iter().map(user));
            }
            if p % 3 != 0 && !third.is_empty() {
                third.truncate(10);
                rules.push((60, third));
            }
        }
        data.policies[p].rules = rules
            .into_iter()
            .map(|(delay_minutes, targets)| Rule {
                id: pd_id(&mut rng, seen),
                delay_minutes,
                targets,
            })
            .collect();
    }
    data.schedules = schedules;
}

pub(super) fn user(u: usize) -> Target {
    Target::User(Member::User(u))
}

pub(super) fn make(
    rng: &mut StdRng,
    seen: &mut HashSet<String>,
    name: String,
    zone: &str,
    teams: Vec<usize>,
    layers: Vec<LayerSpec>,
) -> Schedule {
    let id = pd_id(rng, seen);
    let layers = layers
        .into_iter()
        .map(|l| Layer {
            id: pd_id(rng, seen),
            name: l.name.to_string(),
            start: l.start,
            end: l.end,
            rotation_virtual_start: l.start,
            turn_seconds: l.turn,
            members: l.members.into_iter().map(Member::User).collect(),
            restrictions: l.restrictions,
        })
        .collect();
    Schedule {
        id,
        description: Some(format!("Who answers for {name}.")),
        name,
        time_zone: zone.to_string(),
        teams,
        layers,
        overrides: vec![],
    }
}
