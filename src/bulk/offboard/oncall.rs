//! Who is on call where, as offboarding needs it: escalation policies with their rules and
//! targets, schedules with their layers, the leavers' future overrides and open incidents,
//! and who each touched schedule puts on call over the next 7 days. Read once for the whole
//! file (reference §10.1), parsed from PagerDuty's JSON; the objects are kept as read, for the
//! run's "changed since the plan" check and the backup.

use crate::api::ApiError;
use crate::bulk::users::account::AUser;
use crate::json::{self, FromJson};
use crate::paging::{self, HasId, PageSource, Raw};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A user named in a rule or a layer: a person, or a deleted user's placeholder (`self` is
/// null, or `deleted_at` is set: reference §10.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub deleted: bool,
    /// When a placeholder's user was deleted, as PagerDuty says (its format is not known).
    pub deleted_at: Option<String>,
}

impl FromJson for Person {
    fn from_json(v: &Value) -> Option<Person> {
        Some(Person {
            id: json::string(v, "id")?,
            name: json::string(v, "summary")
                .or_else(|| json::string(v, "name"))
                .unwrap_or_default(),
            deleted: v.get("self").is_some_and(Value::is_null)
                || v.get("deleted_at").is_some_and(|d| !d.is_null()),
            deleted_at: json::text(v, "deleted_at"),
        })
    }
}

/// One target of an escalation rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    User(Person),
    Schedule { id: String, name: String },
}

/// One level of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub targets: Vec<Target>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub html_url: Option<String>,
    pub rules: Vec<Rule>,
}

impl FromJson for Policy {
    fn from_json(v: &Value) -> Option<Policy> {
        let rules = v
            .get("escalation_rules")?
            .as_array()?
            .iter()
            .map(|r| Rule {
                id: json::string(r, "id").unwrap_or_default(),
                targets: r
                    .get("targets")
                    .and_then(Value::as_array)
                    .map(|ts| ts.iter().filter_map(target).collect())
                    .unwrap_or_default(),
            })
            .collect();
        Some(Policy {
            id: json::string(v, "id")?,
            name: json::string(v, "name")
                .or_else(|| json::string(v, "summary"))
                .unwrap_or_default(),
            html_url: json::string(v, "html_url"),
            rules,
        })
    }
}

fn target(t: &Value) -> Option<Target> {
    let kind = json::string(t, "type")?;
    if kind.starts_with("schedule") {
        Some(Target::Schedule {
            id: json::string(t, "id")?,
            name: json::string(t, "summary").unwrap_or_default(),
        })
    } else if kind.starts_with("user") {
        Person::from_json(t).map(Target::User)
    } else {
        None
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub id: String,
    pub name: String,
    /// Ended before the plan was made (layers are never deleted, only ended).
    pub ended: bool,
    /// In rotation order.
    pub users: Vec<Person>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub id: String,
    pub name: String,
    pub html_url: Option<String>,
    /// As PagerDuty's GET lists them.
    pub layers: Vec<Layer>,
}

/// Parses a schedule; `now_ms` tells ended layers from live ones.
pub fn schedule(v: &Value, now_ms: f64) -> Option<Schedule> {
    let layers = v
        .get("schedule_layers")
        .and_then(Value::as_array)
        .map(|ls| {
            ls.iter()
                .filter_map(|l| {
                    Some(Layer {
                        id: json::string(l, "id")?,
                        name: json::string(l, "name").unwrap_or_default(),
                        ended: json::string(l, "end")
                            .and_then(|e| crate::timefmt::parse_iso(&e))
                            .is_some_and(|end| end <= now_ms),
                        users: l
                            .get("users")
                            .and_then(Value::as_array)
                            .map(|us| {
                                us.iter()
                                    .filter_map(|u| Person::from_json(u.get("user")?))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Schedule {
        id: json::string(v, "id")?,
        name: json::string(v, "name")
            .or_else(|| json::string(v, "summary"))
            .unwrap_or_default(),
        html_url: json::string(v, "html_url"),
        layers,
    })
}

/// An open incident and who it is assigned to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incident {
    pub id: String,
    pub number: u64,
    pub title: String,
    pub assignees: Vec<String>,
}

impl FromJson for Incident {
    fn from_json(v: &Value) -> Option<Incident> {
        Some(Incident {
            id: json::string(v, "id")?,
            number: v
                .get("incident_number")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            title: json::string(v, "title")
                .or_else(|| json::string(v, "summary"))
                .unwrap_or_default(),
            assignees: v
                .get("assignments")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| json::string(x.get("assignee")?, "id"))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

impl HasId for Incident {
    fn id(&self) -> &str {
        &self.id
    }
}

/// A future (or current) override of a schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    pub id: String,
    pub schedule_id: String,
    pub start: String,
    pub end: String,
    pub user: String,
}

/// Someone on call in a schedule from `start` to `end` (PagerDuty's rendered final schedule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shift {
    pub start: String,
    pub end: String,
    pub user: Person,
}

/// Everything offboarding reads besides the users.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OnCall {
    pub policies: Vec<Policy>,
    pub schedules: Vec<Schedule>,
    pub incidents: Vec<Incident>,
    pub overrides: Vec<Override>,
    /// Who each touched schedule has on call over the next 7 days, by schedule id.
    pub next_week: BTreeMap<String, Vec<Shift>>,
    /// The objects as read (policies and schedules by id), for the backup.
    pub raw: BTreeMap<String, Value>,
    /// When the plan read them (milliseconds since the epoch).
    pub now_ms: f64,
}

impl OnCall {
    pub fn schedule(&self, id: &str) -> Option<&Schedule> {
        self.schedules.iter().find(|s| s.id == id)
    }
}

/// One `/oncalls` entry, known by who, where and which level (its own id is none).
#[derive(Clone)]
struct Entry {
    key: String,
    schedule: Option<String>,
}

impl FromJson for Entry {
    fn from_json(v: &Value) -> Option<Entry> {
        let id = |k: &str| v.get(k).and_then(|o| json::string(o, "id"));
        let schedule = id("schedule");
        Some(Entry {
            key: format!(
                "{}/{}/{}/{}/{}",
                id("user")?,
                schedule.clone().unwrap_or_default(),
                id("escalation_policy").unwrap_or_default(),
                v.get("escalation_level")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
                json::string(v, "start").unwrap_or_default(),
            ),
            schedule,
        })
    }
}

impl HasId for Entry {
    fn id(&self) -> &str {
        &self.key
    }
}

pub const POLICIES_PATH: &str = "/escalation_policies";
pub const SCHEDULES_PATH: &str = "/schedules?include%5B%5D=schedule_layers";
const DAY_MS: f64 = 86_400_000.0;
/// People per filtered request (`user_ids[]` repeated).
const CHUNK: usize = 20;

fn ids_query(ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("user_ids%5B%5D={}", crate::url::encode(id)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The ids of the people (and placeholders) a file names, as found among `users`.
pub fn person_ids(users: &[AUser], people: &[String]) -> Vec<String> {
    let mut ids: Vec<String> = people
        .iter()
        .filter_map(|p| {
            if super::looks_like_id(p) {
                Some(p.clone())
            } else {
                users
                    .iter()
                    .find(|u| u.email.eq_ignore_ascii_case(p))
                    .map(|u| u.id.clone())
            }
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Reads what offboarding `people` (by e-mail, or a placeholder's id) needs, once for them all:
/// every policy and schedule (two paged lists), their open incidents and on-call entries of
/// the next 90 days (a request per 20 people), the future overrides and the next 7 days of
/// each schedule they are in. `progress(what, done, total)` follows it.
pub async fn read<S: PageSource>(
    source: &S,
    users: &[AUser],
    people: &[String],
    now_ms: f64,
    progress: &dyn Fn(&'static str, u64, u64),
) -> Result<OnCall, ApiError> {
    let conc = paging::DEFAULT_CONCURRENCY;
    let mut out = OnCall {
        now_ms,
        ..OnCall::default()
    };
    let policies = paging::fetch_all::<Raw, _>(
        source,
        POLICIES_PATH,
        "escalation_policies",
        conc,
        |d, t| progress("escalation policies", d, t),
    )
    .await?;
    for p in &policies.rows {
        if let Some(parsed) = Policy::from_json(&p.0) {
            out.raw.insert(parsed.id.clone(), p.0.clone());
            out.policies.push(parsed);
        }
    }
    let schedules =
        paging::fetch_all::<Raw, _>(source, SCHEDULES_PATH, "schedules", conc, |d, t| {
            progress("schedules", d, t)
        })
        .await?;
    for s in &schedules.rows {
        if let Some(parsed) = schedule(&s.0, now_ms) {
            out.raw.insert(parsed.id.clone(), s.0.clone());
            out.schedules.push(parsed);
        }
    }
    let ids = person_ids(users, people);
    let since = crate::timefmt::rfc3339(now_ms);
    let ahead = crate::timefmt::rfc3339(now_ms + 90.0 * DAY_MS);
    let mut touched: BTreeSet<String> = out
        .schedules
        .iter()
        .filter(|s| {
            s.layers
                .iter()
                .any(|l| !l.ended && l.users.iter().any(|u| ids.contains(&u.id)))
        })
        .map(|s| s.id.clone())
        .collect();
    for (n, chunk) in ids.chunks(CHUNK).enumerate() {
        progress("open incidents", n as u64, ids.len().div_ceil(CHUNK) as u64);
        let q = ids_query(chunk);
        let path = format!(
            "/incidents?{q}&statuses%5B%5D=triggered&statuses%5B%5D=acknowledged&date_range=all"
        );
        let incidents =
            paging::fetch_all::<Incident, _>(source, &path, "incidents", conc, |_, _| {}).await?;
        out.incidents.extend(incidents.rows);
        // Schedules they are on call in over 90 days, overrides included.
        let path = format!(
            "/oncalls?{q}&since={}&until={}",
            crate::url::encode(&since),
            crate::url::encode(&ahead)
        );
        let entries =
            paging::fetch_all::<Entry, _>(source, &path, "oncalls", conc, |_, _| {}).await?;
        touched.extend(entries.rows.into_iter().filter_map(|e| e.schedule));
    }
    out.incidents.sort_by_key(|i| i.number);
    out.incidents.dedup_by(|a, b| a.id == b.id);
    let year = crate::timefmt::rfc3339(now_ms + 365.0 * DAY_MS);
    let week = crate::timefmt::rfc3339(now_ms + 7.0 * DAY_MS);
    let total = touched.len() as u64;
    for (n, id) in touched.iter().enumerate() {
        progress("schedules' overrides and next 7 days", n as u64, total);
        let sid = crate::url::encode(id);
        let v = paging::get_with_retry(
            source,
            format!(
                "/schedules/{sid}/overrides?since={}&until={}",
                crate::url::encode(&since),
                crate::url::encode(&year)
            ),
        )
        .await?;
        for o in v
            .get("overrides")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let user = o.get("user").and_then(|u| json::string(u, "id"));
            if let (Some(oid), Some(user)) = (json::string(o, "id"), user) {
                if ids.contains(&user) {
                    out.overrides.push(Override {
                        id: oid,
                        schedule_id: id.clone(),
                        start: json::string(o, "start").unwrap_or_default(),
                        end: json::string(o, "end").unwrap_or_default(),
                        user,
                    });
                }
            }
        }
        let v = paging::get_with_retry(
            source,
            format!(
                "/schedules/{sid}?since={}&until={}",
                crate::url::encode(&since),
                crate::url::encode(&week)
            ),
        )
        .await?;
        let shifts = v
            .pointer("/schedule/final_schedule/rendered_schedule_entries")
            .and_then(Value::as_array)
            .map(|es| {
                es.iter()
                    .filter_map(|e| {
                        Some(Shift {
                            start: json::string(e, "start")?,
                            end: json::string(e, "end")?,
                            user: Person::from_json(e.get("user")?)?,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.next_week.insert(id.clone(), shifts);
    }
    progress("schedules' overrides and next 7 days", total, total);
    Ok(out)
}
