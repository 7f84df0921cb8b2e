//! `--scenario offboarding`: an account where leaving is hard, seeded on top of the default
//! one (whose "Legacy" objects already hold deleted users' stubs in two policies and a
//! schedule). It adds people with known addresses: the only member of a layer, someone on
//! several policies directly and through a schedule, someone with open incidents older than a
//! month, someone with future overrides, and a team member whom their team's policy names.

use super::seed_oncall::{make, user, LayerSpec};
use super::seed_stubs::policy;
use super::types::{Assignment, ContactMethod, Incident, Member, NotificationRule, Override};
use super::{integration_key, Dataset, Target, User};
use crate::tz::rfc3339;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::HashSet;

/// Mixed into `--seed` for the scenario.
const SCENARIO: u64 = 0x5EED_0F0B;
const DAY: i64 = 86_400;

/// The people the scenario adds: (what makes leaving hard, name, e-mail).
pub const OFFBOARDING_PEOPLE: &[(&str, &str, &str)] = &[
    (
        "only member of a schedule layer",
        "Olive Solo",
        "solo@example.com",
    ),
    (
        "on several policies, directly and through a schedule",
        "Manny Places",
        "many-policies@example.com",
    ),
    (
        "open incidents older than a month",
        "Otto Oldcase",
        "old-incidents@example.com",
    ),
    (
        "future overrides",
        "Fern Future",
        "future-overrides@example.com",
    ),
    (
        "on a team whose policy names them",
        "Tess Teamed",
        "team-policy@example.com",
    ),
];

/// Where the deleted users' stubs are (seeded by every account, `seed_stubs`).
pub const STUB_PLACES: &[&str] = &[
    "Legacy Escalation Policy",
    "Former Support Escalation Policy",
    "Legacy rotation",
];

fn person(seen: &mut HashSet<String>, rng: &mut StdRng, name: &str, email: &str, at: &str) -> User {
    User {
        id: super::pd_id(rng, seen),
        name: name.into(),
        email: email.into(),
        role: "user",
        job_title: Some("Engineer".into()),
        time_zone: "Europe/London".into(),
        color: "teal".into(),
        description: None,
        teams: vec![],
        team_roles: vec![],
        contact_methods: vec![ContactMethod {
            id: super::pd_id(rng, seen),
            kind: "email_contact_method",
            label: "Default".into(),
            address: email.into(),
            country_code: None,
            enabled: true,
            blacklisted: false,
            send_short_email: false,
        }],
        notification_rules: vec![NotificationRule {
            id: super::pd_id(rng, seen),
            start_delay_in_minutes: 0,
            contact_method: 0,
            urgency: "high",
            created_at: at.into(),
        }],
        created_via_sso: false,
        invitation_sent: false,
        license_allocated_at: Some(at.into()),
    }
}

impl Dataset {
    /// Adds the scenario's people and what holds them (`now`: seconds since the epoch).
    pub fn seed_offboarding(&mut self, seed: u64, now: i64) {
        let mut rng = StdRng::seed_from_u64(seed ^ SCENARIO);
        let mut seen = self.taken_ids();
        let at = rfc3339(now - 400 * DAY);
        for (_, name, email) in OFFBOARDING_PEOPLE {
            if self.user_by_email(email).is_none() {
                let u = person(&mut seen, &mut rng, name, email, &at);
                self.insert_user(u);
            }
        }
        let idx = |d: &Dataset, k: usize| d.user_index_by_email(OFFBOARDING_PEOPLE[k].2);
        let (solo, many, old, future, teamed) = (
            idx(self, 0),
            idx(self, 1),
            idx(self, 2),
            idx(self, 3),
            idx(self, 4),
        );
        // A schedule whose second layer has one member, and one that shares `many`.
        let start = now - 200 * DAY;
        let night = LayerSpec {
            name: "Night watch",
            start,
            end: None,
            turn: 7 * DAY,
            members: vec![solo],
            restrictions: vec![],
        };
        let day = LayerSpec {
            name: "Day shift",
            start,
            end: None,
            turn: 7 * DAY,
            members: vec![many, old],
            restrictions: vec![],
        };
        let watch = make(
            &mut rng,
            &mut seen,
            "Offboarding Watch".into(),
            "Europe/London",
            vec![0],
            vec![day, night],
        );
        let s = self.schedules.len();
        self.schedules.push(watch);
        // Future overrides: next week and next month.
        for (from, to) in [
            (now + 7 * DAY, now + 8 * DAY),
            (now + 30 * DAY, now + 32 * DAY),
        ] {
            let id = super::pd_id(&mut rng, &mut seen);
            self.schedules[s].overrides.push(Override {
                id,
                start: from,
                end: to,
                user: Member::User(future),
            });
        }
        let p1 = policy(
            &mut rng,
            &mut seen,
            "Offboarding Primary Escalation Policy",
            vec![],
            vec![(15, vec![user(many)]), (30, vec![Target::Schedule(s)])],
        );
        let p2 = policy(
            &mut rng,
            &mut seen,
            "Offboarding Backup Escalation Policy",
            vec![],
            vec![(30, vec![user(many), user(old)])],
        );
        self.policies.extend([p1, p2]);
        // The team member whose team's policy names them (team 0's first rule).
        let team = 0;
        if let Some(u) = self.users.get_mut(teamed) {
            u.teams.push(team);
            u.team_roles.push("responder");
        }
        if let Some(p) = self.policies.iter_mut().find(|p| p.teams.contains(&team)) {
            if let Some(rule) = p.rules.first_mut() {
                if rule.targets.len() < 10 {
                    rule.targets.push(user(teamed));
                }
            }
        }
        // Open incidents over a month old, assigned to `old`, on a service of the account.
        let Some(service) = self.services.iter().find(|s| s.status != "disabled") else {
            return;
        };
        let (service_id, policy_id) =
            (service.id.clone(), self.policies[service.policy].id.clone());
        let old_id = self.users[old].id.clone();
        let last = self.incidents.iter().map(|i| i.number).max().unwrap_or(0);
        for (k, (age, status)) in [(40, "triggered"), (75, "acknowledged")]
            .into_iter()
            .enumerate()
        {
            let number = last + 1 + k as u64;
            let opened = rfc3339(now - age * DAY);
            let who = Assignment {
                user: old_id.clone(),
                at: opened.clone(),
            };
            self.incidents.push(Incident {
                id: super::pd_id(&mut rng, &mut seen),
                number,
                title: format!("Disk filling up on an old host ({age} days)"),
                status,
                urgency: "high",
                incident_key: integration_key(&mut rng),
                created_at: opened.clone(),
                updated_at: opened.clone(),
                service: service_id.clone(),
                policy: policy_id.clone(),
                assignments: vec![who.clone()],
                assigned_via: "direct_assignment",
                acknowledgements: if status == "acknowledged" {
                    vec![who]
                } else {
                    vec![]
                },
                last_status_change_at: opened,
                last_status_change_by: (status == "acknowledged").then(|| old_id.clone()),
                resolved_at: None,
                resolution: None,
            });
        }
    }

    /// Where the user with this e-mail is (the scenario's people are always there).
    fn user_index_by_email(&self, email: &str) -> usize {
        self.users
            .iter()
            .position(|u| u.email == email)
            .unwrap_or_default()
    }
}
