//! What the audit reads of the account, in few requests (reference §13.1): every user with
//! contact methods, notification rules and teams; every team and its members (team roles);
//! every service (teams and integrations as references: the routing keys stay in PagerDuty);
//! every escalation policy and schedule (with layers); the licences where the token may. Each
//! list is paged concurrently (`paging::fetch_all`); never a request per user.

use crate::api::ApiError;
use crate::bulk::account::{members_path, LICENCES_PATH, TEAMS_PATH, USERS_PATH};
use crate::bulk::offboard::oncall::{self, Policy, Schedule};
use crate::json::{self, FromJson};
use crate::paging::{self, items, PageSource, Raw};
use futures::stream::{self, StreamExt};
use serde_json::Value;
use std::collections::BTreeMap;

/// Services with their teams. Integrations come as references without `include[]`, which
/// is all "no integration" needs: `include[]=integrations` would bring every routing key
/// into the tab for nothing (reference §11: a key is a credential).
pub const SERVICES_PATH: &str = "/services?include%5B%5D=teams";

/// A contact method: its kind (`phone`, `sms`, `email`, `push_notification`, `whatsapp`) and
/// how PagerDuty's report scripts print it (phones as `<country_code> <address>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub id: String,
    pub kind: String,
    pub text: String,
}

impl FromJson for Contact {
    fn from_json(v: &Value) -> Option<Contact> {
        let kind = json::string(v, "type")?;
        let kind = kind.strip_suffix("_reference").unwrap_or(&kind);
        let kind = kind
            .strip_suffix("_contact_method")
            .unwrap_or(kind)
            .to_string();
        let address = json::text(v, "address").unwrap_or_default();
        let text = match (kind.as_str(), json::text(v, "country_code")) {
            ("phone" | "sms" | "whatsapp", Some(cc)) if !cc.is_empty() => format!("{cc} {address}"),
            // A push method's address is a device token: its label names the device.
            ("push_notification", _) => json::string(v, "label")
                .or_else(|| json::string(v, "summary"))
                .unwrap_or_else(|| "a device".into()),
            _ => address,
        };
        Some(Contact {
            id: json::string(v, "id")?,
            kind,
            text,
        })
    }
}

/// A notification rule: its urgency and the kind of the contact method it goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub urgency: String,
    pub contact_id: String,
    /// From the rule's reference, when it says (`phone`, `push_notification`, …).
    pub contact_kind: Option<String>,
}

impl FromJson for Rule {
    fn from_json(v: &Value) -> Option<Rule> {
        let cm = v.get("contact_method")?;
        Some(Rule {
            urgency: json::string(v, "urgency").unwrap_or_else(|| "high".into()),
            contact_id: json::string(cm, "id")?,
            contact_kind: Contact::from_json(cm).map(|c| c.kind),
        })
    }
}

/// A user as `GET /users?include[]=contact_methods&include[]=notification_rules&include[]=teams`
/// lists them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub job_title: String,
    pub time_zone: String,
    pub html_url: Option<String>,
    /// "The user has an outstanding invitation."
    pub invitation_sent: bool,
    pub contacts: Vec<Contact>,
    pub rules: Vec<Rule>,
    /// Team ids.
    pub teams: Vec<String>,
}

impl FromJson for User {
    fn from_json(v: &Value) -> Option<User> {
        Some(User {
            id: json::string(v, "id")?,
            name: json::string(v, "name")
                .or_else(|| json::string(v, "summary"))
                .unwrap_or_default(),
            email: json::string(v, "email").unwrap_or_default(),
            role: json::string(v, "role").unwrap_or_default(),
            job_title: json::text(v, "job_title").unwrap_or_default(),
            time_zone: json::text(v, "time_zone").unwrap_or_default(),
            html_url: json::string(v, "html_url"),
            invitation_sent: v.get("invitation_sent").and_then(Value::as_bool) == Some(true),
            contacts: json::list(v, "contact_methods"),
            rules: json::list(v, "notification_rules"),
            teams: ids(v, "teams"),
        })
    }
}

fn ids(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|t| json::string(t, "id")).collect())
        .unwrap_or_default()
}

/// A service, with its teams' names and its integrations' names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub status: String,
    pub html_url: Option<String>,
    pub policy_id: String,
    pub teams: Vec<String>,
    pub integrations: Vec<String>,
}

fn label(v: &Value) -> Option<String> {
    json::string(v, "name")
        .or_else(|| json::string(v, "summary"))
        .or_else(|| json::string(v, "id"))
}

impl FromJson for Service {
    fn from_json(v: &Value) -> Option<Service> {
        let names = |key: &str| -> Vec<String> {
            v.get(key)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(label).collect())
                .unwrap_or_default()
        };
        Some(Service {
            id: json::string(v, "id")?,
            name: label(v).unwrap_or_default(),
            status: json::string(v, "status").unwrap_or_default(),
            html_url: json::string(v, "html_url"),
            policy_id: v
                .get("escalation_policy")
                .and_then(|p| json::string(p, "id"))
                .unwrap_or_default(),
            teams: names("teams"),
            integrations: names("integrations"),
        })
    }
}

/// A licence kind of the account as `GET /licenses` lists it (reference §12.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Licence {
    pub name: String,
    /// `FullUser` or `Stakeholder`.
    pub role_group: String,
    pub valid_roles: Vec<String>,
    /// In use, as PagerDuty counts them.
    pub current: Option<u64>,
    /// Free.
    pub available: Option<u64>,
}

impl FromJson for Licence {
    fn from_json(v: &Value) -> Option<Licence> {
        Some(Licence {
            name: json::string(v, "name").or_else(|| json::string(v, "summary"))?,
            role_group: json::string(v, "role_group").unwrap_or_default(),
            valid_roles: json::strings(v, "valid_roles").unwrap_or_default(),
            current: v.get("current_value").and_then(Value::as_u64),
            available: v.get("allocations_available").and_then(Value::as_u64),
        })
    }
}

/// Everything the audit looks at.
#[derive(Clone, Debug)]
pub struct Account {
    pub users: Vec<User>,
    /// Teams by id: their names.
    pub teams: BTreeMap<String, String>,
    /// Each user's team roles: user id → (team id, role).
    pub team_roles: BTreeMap<String, Vec<(String, String)>>,
    pub services: Vec<Service>,
    pub policies: Vec<Policy>,
    pub schedules: Vec<Schedule>,
    /// The licences, or why they could not be read (in words).
    pub licences: Result<Vec<Licence>, String>,
    /// Lists PagerDuty's paging ceiling cut short, in words.
    pub cut: Vec<String>,
}

/// Reads the account for the audit: seven kinds of list, each paged with
/// [`paging::DEFAULT_CONCURRENCY`] requests at a time, one list after another (the teams'
/// member lists [`paging::DEFAULT_CONCURRENCY`] teams at a time, so never more in flight).
/// `now_ms` tells ended schedule layers from live ones; `progress(what, done, total)`
/// follows it.
pub async fn read<S: PageSource>(
    source: &S,
    now_ms: f64,
    progress: &dyn Fn(&'static str, u64, u64),
) -> Result<Account, ApiError> {
    let conc = paging::DEFAULT_CONCURRENCY;
    let list = |path: String, key: &'static str| async move {
        let l = paging::fetch_all::<Raw, _>(source, &path, key, conc, |d, t| progress(key, d, t))
            .await?;
        Ok::<_, ApiError>(l)
    };
    let mut cuts = Vec::new();
    let mut cut = |what: &str, n: u64| {
        if n > 0 {
            cuts.push(format!(
                "{} {what} past PagerDuty's 10,000-row paging limit are not in this audit",
                crate::numfmt::group(n)
            ))
        }
    };
    let users = list(USERS_PATH.into(), "users").await?;
    cut("users", users.not_listed);
    let users: Vec<User> = items(&users.rows);
    // An account without the teams ability (402) has none.
    let teams = match list(TEAMS_PATH.into(), "teams").await {
        Ok(l) => l.rows,
        Err(ApiError::PlanLacks(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    let teams: BTreeMap<String, String> = teams
        .iter()
        .filter_map(|t| Some((json::string(&t.0, "id")?, label(&t.0)?)))
        .collect();
    let total = teams.len() as u64;
    let mut members = stream::iter(teams.keys().cloned())
        .map(|id| async move {
            let l =
                paging::fetch_all::<Raw, _>(source, &members_path(&id), "members", 1, |_, _| {})
                    .await;
            (id, l)
        })
        .buffer_unordered(conc);
    let mut done = 0;
    let mut team_roles: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    while let Some((team, l)) = members.next().await {
        for m in l?.rows {
            if let Some((user, role)) = crate::bulk::account::member(&m.0) {
                team_roles
                    .entry(user)
                    .or_default()
                    .push((team.clone(), role));
            }
        }
        done += 1;
        progress("team members", done, total);
    }
    drop(members);
    for roles in team_roles.values_mut() {
        roles.sort();
    }
    let services = list(SERVICES_PATH.into(), "services").await?;
    cut("services", services.not_listed);
    let policies = list(oncall::POLICIES_PATH.into(), "escalation_policies").await?;
    let schedules = list(oncall::SCHEDULES_PATH.into(), "schedules").await?;
    progress("licences", 0, 1);
    let licences = match paging::get_with_retry(source, LICENCES_PATH.into()).await {
        Ok(v) => Ok(json::list(&v, "licenses")),
        Err(
            e @ (ApiError::Forbidden(_)
            | ApiError::MissingScope { .. }
            | ApiError::NotFound(_)
            | ApiError::PlanLacks(_)),
        ) => Err(format!(
            "PagerDuty did not let this token read the licences: {e}"
        )),
        Err(e) => return Err(e),
    };
    progress("licences", 1, 1);
    Ok(Account {
        users,
        teams,
        team_roles,
        services: items(&services.rows),
        policies: items(&policies.rows),
        schedules: schedules
            .rows
            .iter()
            .filter_map(|s| oncall::schedule(&s.0, now_ms))
            .collect(),
        licences,
        cut: cuts,
    })
}
