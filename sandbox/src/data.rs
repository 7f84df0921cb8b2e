//! The seeded account: teams, escalation policies, services and users, generated
//! deterministically from `--seed`, shaped like the OpenAPI examples, with realistic variety
//! (long names, Unicode, empty and null descriptions, disabled services, hostile HTML; the
//! rows with HTML sort late by name, so they are not the first rows a new user sees).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::HashSet;

/// Where html_url links point (an account subdomain, as PagerDuty's).
pub const SUBDOMAIN: &str = "sandbox";
pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const RESPONDER_EMAIL: &str = "responder@example.com";
pub const PASSWORD: &str = "sandbox";

#[derive(Clone, Debug)]
pub struct Team {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct Policy {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub status: &'static str,
    pub created_at: String,
    pub policy: usize,
    pub teams: Vec<usize>,
    pub auto_resolve_timeout: Option<u32>,
    pub acknowledgement_timeout: Option<u32>,
    pub last_incident_timestamp: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ContactMethod {
    pub id: String,
    pub kind: &'static str,
    pub label: &'static str,
    pub address: String,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub job_title: Option<String>,
    pub time_zone: String,
    pub color: &'static str,
    pub description: Option<String>,
    pub teams: Vec<usize>,
    pub contact_methods: Vec<ContactMethod>,
}

/// The whole account.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub teams: Vec<Team>,
    pub policies: Vec<Policy>,
    /// Sorted by name (PagerDuty's default order), then id.
    pub services: Vec<Service>,
    /// Sorted by name, then id.
    pub users: Vec<User>,
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
fn rfc3339(secs: i64) -> String {
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
            })
            .collect();
        let policies: Vec<Policy> = (0..10)
            .map(|i| Policy {
                id: pd_id(&mut rng, &mut seen),
                name: format!("{} Escalation Policy", TEAMS[i % TEAMS.len()]),
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
            });
        }
        svc.sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));

        let mut usr = Vec::with_capacity(users);
        for i in 0..users {
            let (name, email, role, teams_of) = match i {
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
            let id = pd_id(&mut rng, &mut seen);
            let mut contact_methods = vec![ContactMethod {
                id: pd_id(&mut rng, &mut seen),
                kind: "email_contact_method",
                label: "Default",
                address: email.clone(),
            }];
            if i % 3 != 2 {
                contact_methods.push(ContactMethod {
                    id: pd_id(&mut rng, &mut seen),
                    kind: "phone_contact_method",
                    label: "Mobile",
                    address: format!("555{:07}", rng.gen_range(0..10_000_000)),
                });
            }
            usr.push(User {
                id,
                name,
                email,
                role,
                job_title: (i % 6 != 5).then(|| TITLES[rng.gen_range(0..TITLES.len())].to_string()),
                time_zone: ZONES[rng.gen_range(0..ZONES.len())].to_string(),
                color: COLORS[rng.gen_range(0..COLORS.len())],
                description: (i % 4 == 0)
                    .then(|| "On call for the things that matter.".to_string()),
                teams: teams_of,
                contact_methods,
            });
        }
        usr.sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));

        Dataset {
            teams,
            policies,
            services: svc,
            users: usr,
        }
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

    fn team_json(&self, api: &str, t: usize, full: bool) -> Value {
        let team = &self.teams[t];
        let mut v = self.reference(api, "team", "teams", "teams", &team.id, &team.name);
        if full {
            v["type"] = json!("team");
            v["name"] = json!(team.name);
            v["description"] = Value::Null;
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
            "integrations": [],
            "incident_urgency_rule": {"type": "constant", "urgency": "high"},
            "alert_creation": "create_alerts_and_incidents",
        });
        if include.iter().any(|i| i == "integrations") {
            v["integrations"] = json!([]);
        }
        v
    }

    /// A user as `GET /users` returns it; `include` may hold `contact_methods`, `teams`.
    pub fn user_json(&self, api: &str, u: &User, include: &[String]) -> Value {
        let full_cm = include.iter().any(|i| i == "contact_methods");
        let full_teams = include.iter().any(|i| i == "teams");
        let cms: Vec<Value> = u
            .contact_methods
            .iter()
            .map(|c| {
                let mut v = json!({
                    "id": c.id, "type": format!("{}_reference", c.kind), "summary": c.label,
                    "self": format!("{api}/users/{}/contact_methods/{}", u.id, c.id), "html_url": null,
                });
                if full_cm {
                    v["type"] = json!(c.kind);
                    v["label"] = json!(c.label);
                    v["address"] = json!(c.address);
                    // PagerDuty keeps a phone's country calling code apart from its address.
                    if matches!(c.kind, "phone_contact_method" | "sms_contact_method") {
                        v["country_code"] = json!(1);
                    }
                }
                v
            })
            .collect();
        json!({
            "id": u.id, "type": "user", "summary": u.name,
            "self": format!("{api}/users/{}", u.id),
            "html_url": format!("https://{SUBDOMAIN}.pagerduty.com/users/{}", u.id),
            "name": u.name, "email": u.email, "time_zone": u.time_zone, "color": u.color,
            "role": u.role,
            "avatar_url": "https://secure.gravatar.com/avatar/00000000000000000000000000000000.png?d=mm&r=PG",
            "description": u.description, "invitation_sent": false, "job_title": u.job_title,
            "contact_methods": cms,
            "notification_rules": [],
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
        let defaults = crate::Options::defaults();
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
