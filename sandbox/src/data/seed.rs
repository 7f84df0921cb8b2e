//! The seeded account: generated deterministically from `--seed`, shaped like the OpenAPI
//! examples, with realistic variety (long names, Unicode, empty and null descriptions,
//! disabled services, hostile HTML; the rows with HTML sort late by name, so they are not the
//! first rows a new user sees), and the sign-ins people and tests use.

use super::seed_oncall::seed_on_call;
use super::seed_stubs::seed_stubs;
use super::types::{
    ContactMethod, Integration, NotificationRule, Policy, Service, Team, Urgency, User,
};
use super::{integration_key, pd_id, takes_events, Dataset, Licenses};
use crate::tz::rfc3339;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;

/// Where html_url links point (an account subdomain, as PagerDuty's).
pub const SUBDOMAIN: &str = "sandbox";
pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const RESPONDER_EMAIL: &str = "responder@example.com";
pub const PASSWORD: &str = "sandbox";
/// Known addresses for the generated accounts that get each remaining role (the third to
/// eighth users, in `EVERY_OTHER_ROLE` order), so that people and tests can sign in as any
/// role. Only the address changes: names, ids and the counts `--users` asks for stay as they
/// were.
pub const ROLE_EMAILS: &[(&str, &str)] = &[
    ("owner", "owner@example.com"),
    ("read_only_user", "stakeholder@example.com"),
    ("read_only_limited_user", "limited-stakeholder@example.com"),
    ("observer", "observer@example.com"),
    ("limited_user", "limited@example.com"),
    ("user", "user@example.com"),
];

const ADJ: &[&str] = &[
    "Checkout",
    "Payments",
    "Search",
    "Identity",
    "Billing",
    "Inventory",
    "Notifications",
    "Edge",
    "Mobile",
    "Data",
    "Analytics",
    "Shipping",
    "Catalog",
    "Auth",
    "Gateway",
    "Ledger",
    "Reporting",
    "Streaming",
    "Storage",
    "Messaging",
];
/// The adjectives of rows whose name or description carries HTML (to prove it is shown as
/// text): late in the alphabet, so such a row sorts after most others in the default sort (by
/// name), which is what a new user sees first, yet every data set of more than 13 services
/// has one.
const LATE_ADJ: &[&str] = &["Search", "Shipping", "Storage", "Streaming"];
const NOUN: &[&str] = &[
    "API",
    "Worker",
    "Database",
    "Cache",
    "Frontend",
    "Queue",
    "Scheduler",
    "Proxy",
    "Cluster",
    "Pipeline",
    "Service",
    "Store",
    "Index",
    "Backend",
    "Cron",
];
/// In alphabetical order: a user with HTML in their name takes a first name from the second
/// half, for the reason given at `LATE_ADJ`.
const FIRST: &[&str] = &[
    "Ada", "Bruno", "Chioma", "Dmitri", "Elena", "Farah", "Gustav", "Hana", "Ivan", "Jun", "Kemal",
    "Lucía", "Mateus", "Noor", "Olga", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma",
    "Viktor", "Wen", "Ximena", "Yusuf", "Zoë",
];
const LAST: &[&str] = &[
    "Okafor",
    "Müller",
    "Nakamura",
    "García",
    "Kowalski",
    "Haddad",
    "Andersson",
    "Rossi",
    "Dubois",
    "Kim",
    "Novak",
    "Silva",
    "Chen",
    "O'Brien",
    "Papadopoulos",
    "Ivanova",
];
const TEAMS: &[&str] = &[
    "Payments Team",
    "Platform",
    "Search & Discovery",
    "Mobile",
    "Data Engineering",
    "SRE",
    "Identity",
    "Customer Support Tools",
];
const ZONES: &[&str] = &[
    "America/New_York",
    "Europe/Berlin",
    "Asia/Tokyo",
    "America/Lima",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kolkata",
];
/// Roles given to the generated users right after the two seeded accounts, so that every
/// role PagerDuty's API returns is present whenever there are at least 8 users.
const EVERY_OTHER_ROLE: &[&str] = &[
    "owner",
    "read_only_user",
    "read_only_limited_user",
    "observer",
    "limited_user",
    "user",
];
/// A seed mixed into `--seed` for the data added after the first generation pass, so that
/// what that pass made (names, ids, teams) stays as it was.
const SECOND_PASS: u64 = 0x5EED_0002;
/// The same for the data added after the second pass (licenses, integration keys,
/// incidents), so that the first two passes' data stays as it was.
const THIRD_PASS: u64 = 0x5EED_0003;
const COLORS: &[&str] = &["green", "purple", "red", "teal", "orange", "blue", "brown"];
const ROLES: &[&str] = &["user", "user", "user", "limited_user", "observer", "admin"];
const TITLES: &[&str] = &[
    "Site Reliability Engineer",
    "Software Engineer",
    "Engineering Manager",
    "Director of Engineering",
    "Support Engineer",
];

/// 2015-01-01T00:00:00Z and 2026-01-01T00:00:00Z in seconds since the Unix epoch: the
/// seeded timestamps lie between them.
pub(super) const FIRST_SECOND: i64 = 1_420_070_400;
pub(super) const END_SECOND: i64 = 1_767_225_600;

impl Dataset {
    /// Generates an account with `services` services and `users` users (at least 2).
    pub fn generate(seed: u64, services: usize, users: usize) -> Dataset {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut seen = HashSet::new();
        let teams: Vec<Team> = TEAMS
            .iter()
            .map(|n| Team {
                id: pd_id(&mut rng, &mut seen),
                name: n.to_string(),
                description: (!n.starts_with('S')).then(|| format!("The {n} people.")),
            })
            .collect();
        // One policy per team, one without a team and a second one for Platform; policies
        // for services on two teams are added after the services.
        let mut policies: Vec<Policy> = (0..10)
            .map(|i| Policy {
                id: pd_id(&mut rng, &mut seen),
                name: match i {
                    8 => "Default".to_string(),
                    9 => "Platform Secondary Escalation Policy".to_string(),
                    _ => format!("{} Escalation Policy", TEAMS[i]),
                },
                teams: match i {
                    8 => vec![],
                    9 => vec![1],
                    _ => vec![i],
                },
                ..Policy::default()
            })
            .collect();

        let mut svc = Vec::with_capacity(services);
        for i in 0..services {
            let hostile_name = i % 97 == 13;
            let hostile_description = i % 679 == 2;
            let adj = if hostile_name || hostile_description {
                LATE_ADJ[rng.gen_range(0..LATE_ADJ.len())]
            } else {
                ADJ[rng.gen_range(0..ADJ.len())]
            };
            let base = format!("{adj} {}", NOUN[rng.gen_range(0..NOUN.len())]);
            let name = match i % 97 {
                13 => format!("{base} <img src=x onerror=alert(document.domain)> {i}"),
                29 => format!("Zahlungsdienst Zürich — 支付服务 💳 {i}"),
                41 => format!(
                    "{base} with a very long name that keeps going to test wrapping in tables and cells {i}"
                ),
                _ => format!("{base} {i}"),
            };
            let description = match i % 7 {
                _ if hostile_description => {
                    Some("<script>alert('xss')</script> & \"quoted\"".into())
                }
                0 => None,
                1 => Some(String::new()),
                _ => Some(format!(
                    "Handles {} for the {} product.",
                    base.to_lowercase(),
                    ADJ[i % ADJ.len()]
                )),
            };
            let status = match i % 11 {
                0 => "disabled",
                3 => "warning",
                5 => "critical",
                7 => "maintenance",
                _ => "active",
            };
            let mut teams_of = vec![rng.gen_range(0..teams.len())];
            if i % 5 == 0 {
                let t = rng.gen_range(0..teams.len());
                if !teams_of.contains(&t) {
                    teams_of.push(t);
                }
            }
            if i % 9 == 4 {
                teams_of.clear();
            }
            let id = pd_id(&mut rng, &mut seen);
            let created = rng.gen_range(FIRST_SECOND..END_SECOND);
            let policy = rng.gen_range(0..policies.len());
            // Never before the service existed.
            let last_incident = (i % 2 == 0).then(|| rng.gen_range(created..END_SECOND));
            svc.push(Service {
                id,
                name,
                description,
                status,
                created_at: rfc3339(created),
                policy,
                teams: teams_of,
                auto_resolve_timeout: (i % 3 != 0).then_some(14400),
                acknowledgement_timeout: (i % 4 != 0).then_some(1800),
                last_incident_timestamp: last_incident.map(rfc3339),
                integrations: vec![],
                urgency: Urgency::Constant("high"),
            });
        }
        svc.sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));

        let mut usr = Vec::with_capacity(users);
        for i in 0..users {
            let (name, email, mut role, teams_of) = match i {
                0 => (
                    "Avery Admin".to_string(),
                    ADMIN_EMAIL.to_string(),
                    "admin",
                    vec![1],
                ),
                1 => (
                    "Riley Responder".to_string(),
                    RESPONDER_EMAIL.to_string(),
                    "restricted_access",
                    vec![0],
                ),
                _ => {
                    let hostile = i % 89 == 17;
                    let f = if hostile {
                        FIRST[rng.gen_range(FIRST.len() / 2..FIRST.len())]
                    } else {
                        FIRST[rng.gen_range(0..FIRST.len())]
                    };
                    let l = LAST[rng.gen_range(0..LAST.len())];
                    let name = if hostile {
                        format!("{f} <b onmouseover=alert(1)>{l}</b>")
                    } else {
                        format!("{f} {l}")
                    };
                    let local: String = format!("{f}.{l}")
                        .to_lowercase()
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                        .collect();
                    (
                        name,
                        format!("{local}.{i}@example.com"),
                        ROLES[rng.gen_range(0..ROLES.len())],
                        vec![rng.gen_range(0..teams.len())],
                    )
                }
            };
            let mut email = email;
            if let Some(k) = i.checked_sub(2).filter(|k| *k < EVERY_OTHER_ROLE.len()) {
                role = EVERY_OTHER_ROLE[k];
                email = ROLE_EMAILS[k].1.to_string();
            }
            let id = pd_id(&mut rng, &mut seen);
            let mut contact_methods = vec![ContactMethod {
                id: pd_id(&mut rng, &mut seen),
                kind: "email_contact_method",
                label: "Default".into(),
                address: email.clone(),
                country_code: None,
                enabled: true,
                blacklisted: false,
                send_short_email: i % 8 == 3,
            }];
            if i % 3 != 2 {
                contact_methods.push(ContactMethod {
                    id: pd_id(&mut rng, &mut seen),
                    kind: "phone_contact_method",
                    label: "Mobile".into(),
                    address: format!("555{:07}", rng.gen_range(0..10_000_000)),
                    country_code: Some(1),
                    enabled: true,
                    blacklisted: false,
                    send_short_email: false,
                });
            }
            // As PagerDuty's import script: managers for admins and users, responders for
            // limited and restricted users, observers for the read-only roles.
            let team_role = match role {
                "owner" | "admin" | "user" => "manager",
                "limited_user" | "restricted_access" => "responder",
                _ => "observer",
            };
            usr.push(User {
                id,
                name,
                email,
                role,
                job_title: (i % 6 != 5).then(|| TITLES[rng.gen_range(0..TITLES.len())].to_string()),
                time_zone: ZONES[rng.gen_range(0..ZONES.len())].to_string(),
                color: COLORS[rng.gen_range(0..COLORS.len())].to_string(),
                description: (i % 4 == 0)
                    .then(|| "On call for the things that matter.".to_string()),
                team_roles: vec![team_role; teams_of.len()],
                teams: teams_of,
                contact_methods,
                notification_rules: vec![],
                created_via_sso: i >= 2 && i % 4 == 1,
                invitation_sent: i >= 2 && i % 10 == 3,
                license_allocated_at: None,
            });
        }
        usr.sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));

        // Second pass, from its own generator, so that the first pass's data is unchanged.
        let mut rng = StdRng::seed_from_u64(seed ^ SECOND_PASS);
        for s in &mut svc {
            let found = policies
                .iter()
                .enumerate()
                .filter(|(_, p)| p.teams == s.teams)
                .map(|(i, _)| i)
                .collect::<Vec<_>>();
            s.policy = if found.is_empty() {
                let names: Vec<&str> = s.teams.iter().map(|t| TEAMS[*t]).collect();
                policies.push(Policy {
                    id: pd_id(&mut rng, &mut seen),
                    name: format!("{} Escalation Policy", names.join(" + ")),
                    teams: s.teams.clone(),
                    ..Policy::default()
                });
                policies.len() - 1
            } else {
                found[s.policy % found.len()]
            };
        }
        for (k, s) in svc.iter_mut().enumerate() {
            let kinds: &[(&str, &str)] = match k % 4 {
                0 => &[],
                1 => &[("events_api_v2_inbound_integration", "Events API V2")],
                2 => &[
                    ("events_api_v2_inbound_integration", "Events API V2"),
                    ("generic_email_inbound_integration", "Email"),
                ],
                _ => &[("generic_email_inbound_integration", "Email")],
            };
            s.integrations = kinds
                .iter()
                .map(|(kind, name)| Integration {
                    id: pd_id(&mut rng, &mut seen),
                    kind,
                    name: name.to_string(),
                    created_at: None,
                    integration_key: None,
                })
                .collect();
            s.urgency = match k % 5 {
                0 => Urgency::SupportHours(ZONES[k / 5 % ZONES.len()]),
                1 => Urgency::Constant("low"),
                _ => Urgency::Constant("high"),
            };
        }
        // The first rule pages the policy's teams' first managers, else the admin.
        let first_rule_targets: Vec<Vec<usize>> = policies
            .iter()
            .map(|p| {
                let managers: Vec<usize> = p
                    .teams
                    .iter()
                    .filter_map(|t| {
                        usr.iter().position(|u| {
                            u.teams
                                .iter()
                                .zip(&u.team_roles)
                                .any(|(ut, r)| ut == t && *r == "manager")
                        })
                    })
                    .collect();
                if managers.is_empty() {
                    usr.iter()
                        .position(|u| u.email == ADMIN_EMAIL)
                        .into_iter()
                        .collect()
                } else {
                    managers
                }
            })
            .collect();
        for (k, u) in usr.iter_mut().enumerate() {
            let created = rng.gen_range(FIRST_SECOND..END_SECOND);
            let phone = u
                .contact_methods
                .iter()
                .position(|c| c.kind == "phone_contact_method");
            if let Some(p) = phone.filter(|_| k % 2 == 0) {
                let address = u.contact_methods[p].address.clone();
                u.contact_methods.push(ContactMethod {
                    id: pd_id(&mut rng, &mut seen),
                    kind: "sms_contact_method",
                    label: "Mobile".into(),
                    address,
                    country_code: Some(1),
                    enabled: true,
                    blacklisted: k % 50 == 8,
                    send_short_email: false,
                });
            }
            // PagerDuty's Default rules (email at once, high and low urgency), then the
            // phone and SMS ones of its import script (SMS at once, phone after 3 minutes).
            let mut rules = vec![(0, 0, "high"), (0, 0, "low")];
            for (i, c) in u.contact_methods.iter().enumerate() {
                match c.kind {
                    "sms_contact_method" => rules.push((i, 0, "high")),
                    "phone_contact_method" => rules.push((i, 3, "high")),
                    _ => {}
                }
            }
            u.notification_rules = rules
                .into_iter()
                .map(|(cm, delay, urgency)| NotificationRule {
                    id: pd_id(&mut rng, &mut seen),
                    start_delay_in_minutes: delay,
                    contact_method: cm,
                    urgency,
                    created_at: rfc3339(created),
                })
                .collect();
        }

        let mut data = Dataset {
            teams,
            policies,
            schedules: vec![],
            services: svc,
            users: usr,
            licenses: Default::default(),
            incidents: vec![],
        };
        data.third_pass(&mut StdRng::seed_from_u64(seed ^ THIRD_PASS), &mut seen);
        // Fourth pass, from its own generator: rules, schedules and their layers.
        seed_on_call(&mut data, first_rule_targets, seed, &mut seen);
        // Fifth pass: what past deletions left, in objects of its own.
        seed_stubs(&mut data, seed, &mut seen);
        data
    }

    /// Licenses, each user's given when they were made (as their first notification rule),
    /// the keys of the integrations that take events, and incidents up to a few months old.
    fn third_pass(&mut self, rng: &mut StdRng, seen: &mut HashSet<String>) {
        self.licenses = Licenses {
            full: pd_id(rng, seen),
            stakeholder: pd_id(rng, seen),
        };
        for u in &mut self.users {
            u.license_allocated_at = u.notification_rules.first().map(|r| r.created_at.clone());
        }
        for i in self.services.iter_mut().flat_map(|s| &mut s.integrations) {
            i.integration_key = takes_events(i.kind).then(|| integration_key(rng));
        }
        // Incidents are as old as they are now: the list's one-month window is counted from
        // now, so their ids are the seed's and their times today's.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        self.seed_incidents(rng, seen, now);
        self.seed_devices(rng, seen);
    }
}
