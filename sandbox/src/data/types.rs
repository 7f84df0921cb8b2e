//! The account's objects as the sandbox keeps them (and as `--state-file` stores them): teams,
//! escalation policies, services with their integrations, users with their contact methods
//! and notification rules, incidents. Objects point at each other by index into `Dataset`'s
//! lists; incidents by id.

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

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
    /// Not unique: a retried create makes a second one with the same name.
    pub name: String,
    /// When it was made; `None` for seeded ones, which are as old as their service.
    #[serde(default)]
    pub created_at: Option<String>,
    /// The 32-character key events are sent with (`routing_key`); e-mail integrations have
    /// an address instead.
    #[serde(default)]
    pub integration_key: Option<String>,
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
    /// When the user was given the license their role needs (`GET /license_allocations`).
    #[serde(default)]
    pub license_allocated_at: Option<String>,
}

/// Someone an incident is assigned to, or who acknowledged it, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The user's id (ids, not indexes: users are re-sorted and deleted under incidents).
    pub user: String,
    pub at: String,
}

/// An incident on a service, as PagerDuty opens one through the service's escalation policy.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub number: u64,
    pub title: String,
    /// `triggered`, `acknowledged` or `resolved`.
    #[serde(deserialize_with = "static_str")]
    pub status: StaticStr,
    /// `high` or `low`.
    #[serde(deserialize_with = "static_str")]
    pub urgency: StaticStr,
    pub incident_key: String,
    pub created_at: String,
    pub updated_at: String,
    /// The service's id.
    pub service: String,
    /// The escalation policy's id (the service's when the incident was opened).
    pub policy: String,
    /// Who it is assigned to now: nobody once resolved.
    pub assignments: Vec<Assignment>,
    /// `escalation_policy`, or `direct_assignment` once assigned by hand.
    #[serde(deserialize_with = "static_str")]
    pub assigned_via: StaticStr,
    pub acknowledgements: Vec<Assignment>,
    pub last_status_change_at: String,
    /// The user who last changed its status, if one did (else its service did).
    pub last_status_change_by: Option<String>,
    pub resolved_at: Option<String>,
    /// The note given with the resolve (not shown, as on PagerDuty).
    pub resolution: Option<String>,
}

impl User {
    /// Where the contact method with `id` is in `contact_methods`.
    pub fn contact_method_index(&self, id: &str) -> Option<usize> {
        self.contact_methods.iter().position(|c| c.id == id)
    }
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
