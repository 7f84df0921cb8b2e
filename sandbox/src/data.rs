//! The seeded account: teams, escalation policies, services and users, generated
//! deterministically from `--seed`, shaped like the OpenAPI examples, with realistic variety
//! (long names, Unicode, empty and null descriptions, disabled services, hostile HTML; the
//! rows with HTML sort late by name, so they are not the first rows a new user sees).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

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

/// `&'static str` spelled so that serde's derive does not borrow it from the input (which
/// would tie `Deserialize` to `'static` input); such fields are read through `static_str`.
type StaticStr = &'static str;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Policy {
    pub id: String,
    pub name: String,
    /// The teams of every service on this policy (PagerDuty: a service's teams follow its
    /// escalation policy).
    pub teams: Vec<usize>,
    /// Indexes into `Dataset::users` of the first rule's targets.
    pub targets: Vec<usize>,
}

/// An integration on a service.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Integration {
    pub id: String,
    /// e.g. `events_api_v2_inbound_integration`.
    #[serde(deserialize_with = "static_str")]
    pub kind: StaticStr,
    #[serde(deserialize_with = "static_str")]
    pub name: StaticStr,
}

/// A service's incident urgency rule: constant, or by its support hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Constant(#[serde(deserialize_with = "static_str")] StaticStr),
    /// High during support hours (09:00 to 17:00, Monday to Friday, in this zone), low outside.
    SupportHours(#[serde(deserialize_with = "static_str")] StaticStr),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    #[serde(deserialize_with = "static_str")]
    pub status: StaticStr,
    pub created_at: String,
    pub policy: usize,
    pub teams: Vec<usize>,
    pub auto_resolve_timeout: Option<u32>,
    pub acknowledgement_timeout: Option<u32>,
    pub last_incident_timestamp: Option<String>,
    pub integrations: Vec<Integration>,
    pub urgency: Urgency,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ContactMethod {
    pub id: String,
    #[serde(deserialize_with = "static_str")]
    pub kind: StaticStr,
    pub label: String,
    pub address: String,
    /// The country calling code of a phone or SMS number (PagerDuty keeps it apart).
    pub country_code: Option<u16>,
    pub enabled: bool,
    pub blacklisted: bool,
    /// Email only.
    pub send_short_email: bool,
}

/// An assignment notification rule.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NotificationRule {
    pub id: String,
    pub start_delay_in_minutes: u32,
    /// Index into the user's `contact_methods`.
    pub contact_method: usize,
    #[serde(deserialize_with = "static_str")]
    pub urgency: StaticStr,
    pub created_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    #[serde(deserialize_with = "static_str")]
    pub role: StaticStr,
    pub job_title: Option<String>,
    pub time_zone: String,
    pub color: String,
    pub description: Option<String>,
    pub teams: Vec<usize>,
    /// The role on each of `teams`: `manager`, `responder` or `observer`.
    #[serde(deserialize_with = "static_strs")]
    pub team_roles: Vec<StaticStr>,
    pub contact_methods: Vec<ContactMethod>,
    pub notification_rules: Vec<NotificationRule>,
    pub created_via_sso: bool,
    pub invitation_sent: bool,
}

/// The whole account.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dataset {
    pub teams: Vec<Team>,
    pub policies: Vec<Policy>,
    /// Sorted by name (PagerDuty's default order), then id.
    pub services: Vec<Service>,
    /// Sorted by name, then id.
    pub users: Vec<User>,
}

/// A `&'static str` field read from a state file: each distinct value is leaked once and
/// shared (a state file is read once, at start, and holds a few distinct roles and kinds).
fn static_str<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    Ok(intern(String::deserialize(d)?))
}

fn static_strs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<&'static str>, D::Error> {
    Ok(Vec::<String>::deserialize(d)?
        .into_iter()
        .map(intern)
        .collect())
}

fn intern(s: String) -> &'static str {
    static SEEN: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(known) = seen.get(s.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(s.into_boxed_str());
    seen.insert(leaked);
    leaked
}

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
const COLORS: &[&str] = &["green", "purple", "red", "teal", "orange", "blue", "brown"];
const ROLES: &[&str] = &["user", "user", "user", "limited_user", "observer", "admin"];
const TITLES: &[&str] = &[
    "Site Reliability Engineer",
    "Software Engineer",
    "Engineering Manager",
    "Director of Engineering",
    "Support Engineer",
];

/// A PagerDuty-style id: `P` and six upper-case letters or digits, unique in `seen`.
fn pd_id(rng: &mut StdRng, seen: &mut HashSet<String>) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    loop {
        let id: String = std::iter::once('P')
            .chain((0..6).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char))
            .collect();
        if seen.insert(id.clone()) {
            return id;
        }
    }
}

/// 2015-01-01T00:00:00Z and 2026-01-01T00:00:00Z in seconds since the Unix epoch: the
/// seeded timestamps lie between them.
const FIRST_SECOND: i64 = 1_420_070_400;
const END_SECOND: i64 = 1_767_225_600;

/// `secs` since the Unix epoch as RFC 3339 in UTC (`2021-08-06T08:44:07Z`), as PagerDuty
/// writes timestamps. Fixed width, so string order is time order.
pub fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days to a civil date (Howard Hinnant's algorithm, proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

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
                targets: vec![],
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
                    targets: vec![],
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
                    name,
                })
                .collect();
            s.urgency = match k % 5 {
                0 => Urgency::SupportHours(ZONES[k / 5 % ZONES.len()]),
                1 => Urgency::Constant("low"),
                _ => Urgency::Constant("high"),
            };
        }
        for p in &mut policies {
            // The first rule pages the policy's teams' first managers, else the admin.
            p.targets = p
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
            if p.targets.is_empty() {
                p.targets = usr
                    .iter()
                    .position(|u| u.email == ADMIN_EMAIL)
                    .into_iter()
                    .collect();
            }
        }
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

        Dataset {
            teams,
            policies,
            services: svc,
            users: usr,
        }
    }

    /// Checks that every index in a loaded account points at something (a state file may have
    /// been edited by hand).
    pub fn check(&self) -> Result<(), String> {
        let (teams, policies, users) = (self.teams.len(), self.policies.len(), self.users.len());
        for p in &self.policies {
            if p.teams.iter().any(|&t| t >= teams) || p.targets.iter().any(|&u| u >= users) {
                return Err(format!(
                    "escalation policy {} names a team or user that is not there",
                    p.id
                ));
            }
        }
        for s in &self.services {
            if s.policy >= policies || s.teams.iter().any(|&t| t >= teams) {
                return Err(format!(
                    "service {} names a policy or team that is not there",
                    s.id
                ));
            }
        }
        for u in &self.users {
            if u.teams.iter().any(|&t| t >= teams) || u.team_roles.len() != u.teams.len() {
                return Err(format!(
                    "user {} has teams that are not there or without a role",
                    u.id
                ));
            }
            let cms = u.contact_methods.len();
            if u.notification_rules.iter().any(|r| r.contact_method >= cms) {
                return Err(format!(
                    "user {} has a notification rule without its contact method",
                    u.id
                ));
            }
        }
        Ok(())
    }

    /// A PagerDuty-style id no object of the account has yet (for created objects).
    pub fn new_id(&self) -> String {
        let mut taken: HashSet<String> = self
            .teams
            .iter()
            .map(|t| t.id.clone())
            .chain(self.policies.iter().map(|p| p.id.clone()))
            .chain(self.services.iter().map(|s| s.id.clone()))
            .chain(self.users.iter().flat_map(|u| {
                std::iter::once(u.id.clone())
                    .chain(u.contact_methods.iter().map(|c| c.id.clone()))
                    .chain(u.notification_rules.iter().map(|r| r.id.clone()))
            }))
            .collect();
        let mut rng = StdRng::from_entropy();
        pd_id(&mut rng, &mut taken)
    }

    /// Adds a user in name order (as the seeded ones), keeping policy targets on their users.
    pub fn insert_user(&mut self, user: User) -> usize {
        let key = (user.name.to_lowercase(), user.id.clone());
        let at = self
            .users
            .partition_point(|u| (u.name.to_lowercase(), u.id.clone()) < key);
        self.users.insert(at, user);
        for p in &mut self.policies {
            p.targets
                .iter_mut()
                .filter(|t| **t >= at)
                .for_each(|t| *t += 1);
        }
        at
    }

    /// Sorts the users by name again (after a rename), keeping policy targets on their users.
    pub fn sort_users(&mut self) {
        let targets: Vec<Vec<String>> = self
            .policies
            .iter()
            .map(|p| {
                p.targets
                    .iter()
                    .map(|t| self.users[*t].id.clone())
                    .collect()
            })
            .collect();
        self.users
            .sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));
        for (p, ids) in self.policies.iter_mut().zip(targets) {
            p.targets = ids
                .iter()
                .filter_map(|id| self.users.iter().position(|u| u.id == *id))
                .collect();
        }
    }

    /// Removes the user at `at`, and from the policies that page them.
    pub fn remove_user(&mut self, at: usize) -> User {
        let user = self.users.remove(at);
        for p in &mut self.policies {
            p.targets.retain(|t| *t != at);
            p.targets
                .iter_mut()
                .filter(|t| **t > at)
                .for_each(|t| *t -= 1);
        }
        user
    }

    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email.trim()))
    }

    pub fn user_by_id(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Whether `viewer` may see `service` in the web UI: admins and ordinary users see
    /// everything; a restricted-access user only their teams' services.
    pub fn can_see_service(&self, viewer: &User, service: &Service) -> bool {
        viewer.role != "restricted_access" || service.teams.iter().any(|t| viewer.teams.contains(t))
    }

    fn reference(
        &self,
        api: &str,
        kind: &str,
        path: &str,
        html: &str,
        id: &str,
        summary: &str,
    ) -> Value {
        json!({
            "id": id, "type": format!("{kind}_reference"), "summary": summary,
            "self": format!("{api}/{path}/{id}"),
            "html_url": format!("https://{SUBDOMAIN}.pagerduty.com/{html}/{id}"),
        })
    }

    pub fn team_json(&self, api: &str, t: usize, full: bool) -> Value {
        let team = &self.teams[t];
        let mut v = self.reference(api, "team", "teams", "teams", &team.id, &team.name);
        if full {
            v["type"] = json!("team");
            v["name"] = json!(team.name);
            v["description"] = json!(team.description);
        }
        v
    }

    /// The users on team `t` with their team roles, in user order.
    pub fn members(&self, t: usize) -> Vec<(&User, &'static str)> {
        self.users
            .iter()
            .filter_map(|u| {
                u.teams
                    .iter()
                    .zip(&u.team_roles)
                    .find(|(ut, _)| **ut == t)
                    .map(|(_, r)| (u, *r))
            })
            .collect()
    }

    pub fn user_reference(&self, api: &str, u: &User) -> Value {
        self.reference(api, "user", "users", "users", &u.id, &u.name)
    }

    fn service_reference(&self, api: &str, s: &Service) -> Value {
        let mut v = self.reference(
            api,
            "service",
            "services",
            "service-directory",
            &s.id,
            &s.name,
        );
        v["html_url"] = json!(format!(
            "https://{SUBDOMAIN}.pagerduty.com/service-directory/{}",
            s.id
        ));
        v
    }

    /// An escalation policy as `GET /escalation_policies` returns it.
    pub fn policy_json(&self, api: &str, p: usize, include: &[String]) -> Value {
        let policy = &self.policies[p];
        let mut v = self.reference(
            api,
            "escalation_policy",
            "escalation_policies",
            "escalation_policies",
            &policy.id,
            &policy.name,
        );
        let full = |what: &str| include.iter().any(|i| i == what);
        let targets: Vec<Value> = policy
            .targets
            .iter()
            .map(|u| {
                let u = &self.users[*u];
                if full("targets") {
                    self.user_json(api, u, &[])
                } else {
                    self.user_reference(api, u)
                }
            })
            .collect();
        let services: Vec<Value> = self
            .services
            .iter()
            .filter(|s| s.policy == p)
            .map(|s| {
                if full("services") {
                    self.service_json(api, s, &[])
                } else {
                    self.service_reference(api, s)
                }
            })
            .collect();
        v["type"] = json!("escalation_policy");
        v["name"] = json!(policy.name);
        v["description"] = Value::Null;
        v["on_call_handoff_notifications"] = json!("if_has_services");
        v["num_loops"] = json!(0);
        v["escalation_rules"] = json!([{
            "id": policy.id, "escalation_delay_in_minutes": 30, "targets": targets,
        }]);
        v["services"] = json!(services);
        v["teams"] = json!(policy
            .teams
            .iter()
            .map(|t| self.team_json(api, *t, full("teams")))
            .collect::<Vec<_>>());
        v
    }

    fn contact_method_json(&self, api: &str, u: &User, c: &ContactMethod, full: bool) -> Value {
        let mut v = json!({
            "id": c.id, "type": format!("{}_reference", c.kind), "summary": c.label,
            "self": format!("{api}/users/{}/contact_methods/{}", u.id, c.id), "html_url": null,
        });
        if full {
            v["type"] = json!(c.kind);
            v["label"] = json!(c.label);
            v["address"] = json!(c.address);
            v["enabled"] = json!(c.enabled);
            v["blacklisted"] = json!(c.blacklisted);
            match c.kind {
                "email_contact_method" => v["send_short_email"] = json!(c.send_short_email),
                // PagerDuty keeps a phone's country calling code apart from its address.
                _ => v["country_code"] = json!(c.country_code),
            }
        }
        v
    }

    /// A user's contact methods in full, as `GET /users/{id}/contact_methods` returns them.
    pub fn contact_methods_json(&self, api: &str, u: &User) -> Vec<Value> {
        u.contact_methods
            .iter()
            .map(|c| self.contact_method_json(api, u, c, true))
            .collect()
    }

    /// A notification rule: a reference, or in full (its contact method in full with
    /// `full_cm`).
    pub fn notification_rule_json(
        &self,
        api: &str,
        u: &User,
        r: &NotificationRule,
        full: bool,
        full_cm: bool,
    ) -> Value {
        let cm = &u.contact_methods[r.contact_method];
        let summary = format!("{} minutes: channel {}", r.start_delay_in_minutes, cm.id);
        let mut v = json!({
            "id": r.id, "type": "assignment_notification_rule_reference",
            "summary": if r.contact_method == 0 { "Default".to_string() } else { summary },
            "self": format!("{api}/users/{}/notification_rules/{}", u.id, r.id), "html_url": null,
        });
        if full {
            v["type"] = json!("assignment_notification_rule");
            v["start_delay_in_minutes"] = json!(r.start_delay_in_minutes);
            v["created_at"] = json!(r.created_at);
            v["contact_method"] = self.contact_method_json(api, u, cm, full_cm);
            v["urgency"] = json!(r.urgency);
        }
        v
    }

    /// A service as `GET /services` returns it; `include` may hold `teams`, `escalation_policies`.
    pub fn service_json(&self, api: &str, s: &Service, include: &[String]) -> Value {
        let full_teams = include.iter().any(|i| i == "teams");
        let policy = &self.policies[s.policy];
        let mut ep = self.reference(
            api,
            "escalation_policy",
            "escalation_policies",
            "escalation_policies",
            &policy.id,
            &policy.name,
        );
        if include.iter().any(|i| i == "escalation_policies") {
            ep["type"] = json!("escalation_policy");
            ep["name"] = json!(policy.name);
        }
        let mut v = json!({
            "id": s.id, "type": "service", "summary": s.name,
            "self": format!("{api}/services/{}", s.id),
            "html_url": format!("https://{SUBDOMAIN}.pagerduty.com/service-directory/{}", s.id),
            "name": s.name, "description": s.description, "status": s.status,
            "auto_resolve_timeout": s.auto_resolve_timeout,
            "acknowledgement_timeout": s.acknowledgement_timeout,
            "created_at": s.created_at,
            "last_incident_timestamp": s.last_incident_timestamp,
            "escalation_policy": ep,
            "teams": s.teams.iter().map(|t| self.team_json(api, *t, full_teams)).collect::<Vec<_>>(),
            "integrations": s.integrations.iter().map(|i| {
                let mut v = json!({
                    "id": i.id, "type": format!("{}_reference", i.kind), "summary": i.name,
                    "self": format!("{api}/services/{}/integrations/{}", s.id, i.id),
                    "html_url": format!("https://{SUBDOMAIN}.pagerduty.com/services/{}/integrations/{}", s.id, i.id),
                });
                if include.iter().any(|x| x == "integrations") {
                    v["type"] = json!(i.kind);
                    v["name"] = json!(i.name);
                    v["created_at"] = json!(s.created_at);
                    v["service"] = self.service_reference(api, s);
                }
                v
            }).collect::<Vec<_>>(),
            "alert_creation": "create_alerts_and_incidents",
        });
        match s.urgency {
            Urgency::Constant(u) => {
                v["incident_urgency_rule"] = json!({"type": "constant", "urgency": u});
                v["support_hours"] = Value::Null;
                v["scheduled_actions"] = json!([]);
            }
            Urgency::SupportHours(zone) => {
                v["incident_urgency_rule"] = json!({
                    "type": "use_support_hours",
                    "during_support_hours": {"type": "constant", "urgency": "high"},
                    "outside_support_hours": {"type": "constant", "urgency": "low"},
                });
                v["support_hours"] = json!({
                    "type": "fixed_time_per_day", "time_zone": zone,
                    "start_time": "09:00:00", "end_time": "17:00:00", "days_of_week": [1, 2, 3, 4, 5],
                });
                v["scheduled_actions"] = json!([{
                    "type": "urgency_change",
                    "at": {"type": "named_time", "name": "support_hours_start"},
                    "to_urgency": "high",
                }]);
            }
        }
        v
    }

    /// A user as `GET /users` returns it; `include` may hold `contact_methods`, `teams`.
    pub fn user_json(&self, api: &str, u: &User, include: &[String]) -> Value {
        let full_cm = include.iter().any(|i| i == "contact_methods");
        let full_teams = include.iter().any(|i| i == "teams");
        let full_rules = include.iter().any(|i| i == "notification_rules");
        let cms: Vec<Value> = u
            .contact_methods
            .iter()
            .map(|c| self.contact_method_json(api, u, c, full_cm))
            .collect();
        let rules: Vec<Value> = u
            .notification_rules
            .iter()
            .map(|r| self.notification_rule_json(api, u, r, full_rules, full_cm))
            .collect();
        json!({
            "id": u.id, "type": "user", "summary": u.name,
            "self": format!("{api}/users/{}", u.id),
            "html_url": format!("https://{SUBDOMAIN}.pagerduty.com/users/{}", u.id),
            "name": u.name, "email": u.email, "time_zone": u.time_zone, "color": u.color,
            "role": u.role,
            "avatar_url": "https://secure.gravatar.com/avatar/00000000000000000000000000000000.png?d=mm&r=PG",
            "description": u.description, "invitation_sent": u.invitation_sent,
            "created_via_sso": u.created_via_sso, "job_title": u.job_title,
            "contact_methods": cms,
            "notification_rules": rules,
            "teams": u.teams.iter().map(|t| self.team_json(api, *t, full_teams)).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
