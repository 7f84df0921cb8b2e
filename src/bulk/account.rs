//! What the account holds, as the planner needs it: users with their contact methods,
//! notification rules and teams, teams, escalation policies and services, read out of
//! PagerDuty's JSON (listings with `include[]`), and reading it: what a plan must read is
//! the file's to say ([`Reads`]), and [`read`] reads it through any [`PageSource`] (the
//! browser, or the tests' fake account).

use super::offboard::oncall::{self, OnCall};
use super::services::account::AService;
use super::users::account::AUser;
use crate::api::ApiError;
use crate::json::{self, FromJson};
use crate::paging::{self, items, PageSource, Raw};
use serde_json::Value;
use std::collections::BTreeMap;

/// The reads a plan makes (relative to the API base; each is paged).
pub const USERS_PATH: &str =
    "/users?include%5B%5D=contact_methods&include%5B%5D=notification_rules&include%5B%5D=teams";
pub const TEAMS_PATH: &str = "/teams";

/// A team's members with their roles (paged; key `members`).
pub fn members_path(team_id: &str) -> String {
    format!("/teams/{}/members", crate::url::encode(team_id))
}

/// One `members` item as (user id, role).
pub fn member(v: &Value) -> Option<(String, String)> {
    let user = v.get("user")?;
    Some((json::string(user, "id")?, json::string(v, "role")?))
}
pub const POLICIES_PATH: &str = "/escalation_policies";
/// The account's abilities (not paged).
pub const ABILITIES_PATH: &str = "/abilities";
/// The account's licences (not paged).
pub const LICENCES_PATH: &str = "/licenses";
/// Services, their integrations as references: enough for a plan to know which already have
/// an Events API v2 integration, without bringing every routing key into the page (only
/// "Export routing keys" reads them, `services::keys::SERVICES_PATH`).
pub const SERVICES_PATH: &str = "/services";
/// A team or an escalation policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub id: String,
    pub name: String,
}

impl FromJson for Named {
    fn from_json(v: &Value) -> Option<Named> {
        Some(Named {
            id: json::string(v, "id")?,
            name: json::string(v, "name")
                .or_else(|| json::string(v, "summary"))
                .unwrap_or_default(),
        })
    }
}

/// A team by id, else by exact name, else by name in any case.
pub fn find_named<'a>(list: &'a [Named], name_or_id: &str) -> Option<&'a Named> {
    list.iter()
        .find(|t| t.id == name_or_id)
        .or_else(|| list.iter().find(|t| t.name == name_or_id))
        .or_else(|| {
            list.iter()
                .find(|t| t.name.eq_ignore_ascii_case(name_or_id))
        })
}
/// Everything a plan compares against.
#[derive(Clone, Debug, Default)]
pub struct Account {
    pub users: Vec<AUser>,
    pub teams: Vec<Named>,
    /// Team roles by (team id, user id), read from `GET /teams/{id}/members` for the teams
    /// a file names ([`members_path`]); memberships not read are not compared.
    pub members: BTreeMap<(String, String), String>,
    pub policies: Vec<Named>,
    pub services: Vec<AService>,
    /// The account's abilities (`GET /abilities`), when the token could read them: a plan
    /// makes a row that needs a missing one an error, as PagerDuty would refuse it.
    pub abilities: Option<Vec<String>>,
    /// The account's licences (`GET /licenses`), when the token could read them.
    pub licences: Option<Vec<Licence>>,
    /// Policies, schedules, overrides and open incidents, for offboarding.
    pub oncall: OnCall,
}

/// A licence kind of the account: who may hold it and how many are free.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Licence {
    pub name: String,
    /// `FullUser` or `Stakeholder`.
    pub role_group: String,
    pub valid_roles: Vec<String>,
    /// Free allocations (`allocations_available`), when PagerDuty says.
    pub available: Option<u64>,
}

impl FromJson for Licence {
    fn from_json(v: &Value) -> Option<Licence> {
        Some(Licence {
            name: json::string(v, "name").unwrap_or_default(),
            role_group: json::string(v, "role_group").unwrap_or_default(),
            valid_roles: json::strings(v, "valid_roles").unwrap_or_default(),
            available: v.get("allocations_available").and_then(Value::as_u64),
        })
    }
}

impl Account {
    /// How many licences for `role` are free, when the account's licences were read: the
    /// most any licence that takes the role has (PagerDuty lists one pool several times).
    pub fn licences_free(&self, role: &str) -> Option<u64> {
        self.licences
            .as_ref()?
            .iter()
            .filter(|l| l.valid_roles.iter().any(|r| r == role))
            .filter_map(|l| l.available)
            .max()
    }
}

impl Account {
    /// Why PagerDuty would refuse `what` (which needs `ability`), when the account is known
    /// to lack it; `None` when it has it or its abilities are unknown.
    pub fn lacks(&self, ability: &str, what: &str) -> Option<String> {
        let have = self.abilities.as_ref()?;
        (!have.iter().any(|a| a == ability)).then(|| {
            format!(
                "PagerDuty refuses this: {what} needs the {ability} ability, which this account does not have (its plan lists: {}); leave it out, or ask PagerDuty to add it to the account",
                if have.is_empty() { "none".to_string() } else { have.join(", ") }
            )
        })
    }
}

impl Account {
    pub fn user_by_email(&self, email: &str) -> Option<&AUser> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }
    /// The role `user_id` has in `team_id`, when it was read.
    pub fn member_role(&self, team_id: &str, user_id: &str) -> Option<&str> {
        self.members
            .get(&(team_id.to_string(), user_id.to_string()))
            .map(String::as_str)
    }
    /// A team by id, else by exact name (PagerDuty's `query` matches loosely; this does not).
    pub fn team_by_name(&self, name_or_id: &str) -> Option<&Named> {
        find_named(&self.teams, name_or_id)
    }
    /// An escalation policy by id, else by exact name.
    pub fn policy(&self, name_or_id: &str) -> Option<&Named> {
        self.policies
            .iter()
            .find(|p| p.id == name_or_id)
            .or_else(|| self.policies.iter().find(|p| p.name == name_or_id))
    }
    pub fn service_by_name(&self, name: &str) -> Option<&AService> {
        self.services
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }
}

/// What a plan (or an export) must read of the account.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reads {
    pub users: bool,
    pub teams: bool,
    /// Teams (by name or id) whose members' roles the file may change.
    pub members_of: Vec<String>,
    pub services: bool,
    pub policies: bool,
    /// The account's abilities (`GET /abilities`).
    pub abilities: bool,
    /// The account's licences (`GET /licenses`).
    pub licences: bool,
    /// People (e-mails, or placeholders' ids) whose policies, schedules, overrides and open
    /// incidents offboarding reads ([`OnCall`]).
    pub oncall_of: Vec<String>,
    /// When the reads are made (milliseconds since the epoch), for offboarding's times.
    pub now_ms: f64,
}

/// What a plan read, and how much of it PagerDuty's paging ceiling left out.
#[derive(Clone, Debug, Default)]
pub struct Read {
    pub account: Account,
    /// Rows of the main list (users or services) past the 10,000-row ceiling.
    pub not_listed: u64,
}

/// A single (not paged) read the token may not be allowed: `None` when PagerDuty refuses it
/// for the token's scopes or the person's role, so the plan checks nothing it cannot know.
async fn read_if_allowed<S: PageSource>(source: &S, path: &str) -> Result<Option<Value>, ApiError> {
    match paging::get_with_retry(source, path.into()).await {
        Ok(v) => Ok(Some(v)),
        Err(ApiError::Forbidden(_) | ApiError::MissingScope { .. } | ApiError::NotFound(_)) => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Reads what `reads` asks, one list after another, each paged concurrently;
/// `progress(what, done, total)` follows it.
pub async fn read<S: PageSource>(
    source: &S,
    reads: &Reads,
    progress: impl Fn(&'static str, u64, u64),
) -> Result<Read, ApiError> {
    let conc = paging::DEFAULT_CONCURRENCY;
    let progress = &progress;
    let list = |path: String, key: &'static str| async move {
        let l = paging::fetch_all::<Raw, _>(source, &path, key, conc, |d, t| progress(key, d, t))
            .await?;
        Ok::<_, ApiError>((l.rows, l.not_listed))
    };
    let mut out = Read::default();
    if reads.abilities {
        // A token that may not read them (no `abilities.read`) leaves them unknown: the plan
        // then checks nothing it cannot know, and PagerDuty's own answer says the rest.
        progress("abilities", 0, 1);
        out.account.abilities = read_if_allowed(source, ABILITIES_PATH)
            .await?
            .map(|v| json::strings(&v, "abilities").unwrap_or_default());
        progress("abilities", 1, 1);
    }
    if reads.users {
        let (users, n) = list(USERS_PATH.into(), "users").await?;
        out.account.users = items(&users);
        out.not_listed = n;
    }
    // An account without the teams ability answers 402 to every team read: it has none.
    let no_teams = out.account.lacks("teams", "teams").is_some();
    if reads.teams && !no_teams {
        out.account.teams = items(&list(TEAMS_PATH.into(), "teams").await?.0);
    }
    // Each team once, however the file names it (by name, by id, or both).
    let mut ids: Vec<String> = reads
        .members_of
        .iter()
        .filter_map(|name| out.account.team_by_name(name).map(|t| t.id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        let (members, _) = list(members_path(&id), "members").await?;
        out.account.members.extend(
            members
                .iter()
                .filter_map(|m| member(&m.0))
                .map(|(user, role)| ((id.clone(), user), role)),
        );
    }
    if reads.services {
        let (services, n) = list(SERVICES_PATH.into(), "services").await?;
        out.account.services = items(&services);
        out.not_listed = n;
    }
    if reads.policies {
        out.account.policies = items(&list(POLICIES_PATH.into(), "escalation_policies").await?.0);
    }
    if !reads.oncall_of.is_empty() {
        out.account.oncall = oncall::read(
            source,
            &out.account.users,
            &reads.oncall_of,
            reads.now_ms,
            progress,
        )
        .await?;
    }
    if reads.licences {
        // Read where the token may (`licenses.read`); otherwise the plan cannot count them.
        out.account.licences = read_if_allowed(source, LICENCES_PATH)
            .await?
            .map(|v| json::list(&v, "licenses"));
    }
    Ok(out)
}
