//! The account's objects as the sandbox keeps them (and as `--state-file` stores them): teams,
//! escalation policies with their rules, on-call schedules with their layers and overrides,
//! services with their integrations, users with their contact methods and notification rules,
//! incidents. Objects point at each other by index into `Dataset`'s lists; incidents by id; a
//! person named by a rule, a layer or an override is a `Member`, which is a user of the account
//! or the stub PagerDuty leaves of a deleted one.

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
    pub description: Option<String>,
    /// The teams of every service on this policy (PagerDuty: a service's teams follow its
    /// escalation policy).
    pub teams: Vec<usize>,
    /// How many times the policy repeats after its last rule (PagerDuty's `num_loops`).
    pub num_loops: u32,
    /// `if_has_services` or `always`.
    #[serde(deserialize_with = "static_str")]
    pub handoff_notifications: StaticStr,
    /// In escalation order; a policy keeps at least one.
    pub rules: Vec<Rule>,
}

impl Default for Policy {
    /// A policy without id, name or rules, with PagerDuty's defaults (no loops, hand-off
    /// notifications `if_has_services`).
    fn default() -> Policy {
        Policy {
            id: String::new(),
            name: String::new(),
            description: None,
            teams: vec![],
            num_loops: 0,
            handoff_notifications: "if_has_services",
            rules: vec![],
        }
    }
}

/// One escalation rule (level `index + 1`) of a policy.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub delay_minutes: u32,
    /// 1 to 10 (PagerDuty's spec).
    pub targets: Vec<Target>,
}

/// Whom a rule pages: a person, or whoever a schedule puts on call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    User(Member),
    /// Index into `Dataset::schedules`.
    Schedule(usize),
}

/// A person named by a rule, a schedule layer or an override.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Member {
    /// Index into `Dataset::users`.
    User(usize),
    /// What PagerDuty leaves where a deleted user was (`examples/deleted-user-reference.json`).
    Deleted(DeletedUser),
}

impl Member {
    /// The index of the user, unless this is a deleted user's stub.
    pub fn user(&self) -> Option<usize> {
        match self {
            Member::User(u) => Some(*u),
            Member::Deleted(_) => None,
        }
    }
}

/// A deleted user's stub: a `user_reference` with `self: null` and `deleted_at`, whose
/// `summary` still holds the name (reference §10.5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedUser {
    pub id: String,
    pub name: String,
    /// RFC 3339, UTC.
    pub deleted_at: String,
}

/// An on-call schedule.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Schedule {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// The zone its restrictions are read in and its times rendered in by default.
    pub time_zone: String,
    pub teams: Vec<usize>,
    /// In the order a `PUT`/`POST` sends them: a later layer wins over an earlier one where
    /// both have someone on call. Layers are never removed, only ended.
    pub layers: Vec<Layer>,
    /// In creation order: a later override wins over an earlier one.
    pub overrides: Vec<Override>,
}

/// One layer of a schedule: members take turns of `turn_seconds` from
/// `rotation_virtual_start`, between `start` and `end`, within its restrictions.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Layer {
    pub id: String,
    pub name: String,
    /// Seconds since the epoch.
    pub start: i64,
    /// Seconds since the epoch; `None`: never ends.
    pub end: Option<i64>,
    pub rotation_virtual_start: i64,
    pub turn_seconds: i64,
    /// In turn order.
    pub members: Vec<Member>,
    /// None: all the time; else only inside one of them.
    pub restrictions: Vec<Restriction>,
}

/// When a layer may put someone on call, in the schedule's zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restriction {
    /// `None`: every day (`daily_restriction`); `Some(1..=7)`: weekly from that ISO day
    /// (`weekly_restriction`, 1 is Monday).
    pub start_day_of_week: Option<u8>,
    /// Seconds after local midnight.
    pub start_time_of_day: u32,
    pub duration_seconds: u32,
}

/// Someone on call instead of the layers, from `start` to `end` (seconds since the epoch).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Override {
    pub id: String,
    pub start: i64,
    pub end: i64,
    pub user: Member,
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
