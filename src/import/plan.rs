//! The dry run: each checked row against the account becomes create, update, add, unchanged
//! or error, with the changes in words and the work the importer will do. Reads nothing
//! itself; [`super::account::Account`] holds what was read.

mod services;

use super::account::{AUser, Account};
use super::users::{Contact, Rule, UserSpec};
use super::{Checked, Line, Problem};
use crate::json;
use serde_json::{json, Value};

pub use services::services;

/// What a row will do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Create,
    Update,
    Add,
    Unchanged,
    Error,
}

impl Action {
    pub fn word(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Add => "add",
            Action::Unchanged => "unchanged",
            Action::Error => "error",
        }
    }
}

/// The writes one user row needs, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct UserWork {
    pub email: String,
    /// The user, when it exists.
    pub id: Option<String>,
    /// `POST /users` body when it does not.
    pub create: Option<Value>,
    /// `PUT /users/{id}` body with the changed fields.
    pub update: Option<Value>,
    /// Every contact method the row names (rules find their targets among them).
    pub wanted: Vec<Contact>,
    /// Contact methods to add.
    pub contacts: Vec<Contact>,
    /// Rules to add.
    pub rules: Vec<Rule>,
    /// Teams to join: name and role.
    pub teams: Vec<(String, String)>,
    /// Teams the user is in whose role the row changes: name and new role.
    pub roles: Vec<(String, String)>,
}

/// The write one service row needs.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceWork {
    pub name: String,
    pub policy_id: String,
    pub id: Option<String>,
    /// `POST /services` or `PUT /services/{id}` body.
    pub body: Option<Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Work {
    Nothing,
    User(UserWork),
    Service(ServiceWork),
}

/// One row of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct RowPlan {
    pub line: u64,
    pub key: String,
    pub action: Action,
    /// What will change, in words ("job_title: SRE → Lead", "add phone +44 7700900123").
    pub changes: Vec<String>,
    pub problems: Vec<Problem>,
    pub work: Work,
}

impl RowPlan {
    /// How many requests the row's writes take at least (for time estimates).
    pub fn writes(&self) -> usize {
        match &self.work {
            Work::Nothing => 0,
            Work::User(w) => {
                usize::from(w.create.is_some())
                    + usize::from(w.update.is_some())
                    + w.contacts.len()
                    + w.rules.len()
                    + w.teams.len()
                    + w.roles.len()
            }
            Work::Service(w) => usize::from(w.body.is_some()),
        }
    }
}

/// Choices a person makes before planning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Create teams the file names that the account lacks (otherwise those rows are errors).
    pub create_teams: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { create_teams: true }
    }
}

/// A whole plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub rows: Vec<RowPlan>,
    /// Teams to create first (when allowed).
    pub new_teams: Vec<String>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.rows.iter().filter(|r| r.action == action).count()
    }
    /// Rows that will write something.
    pub fn to_write(&self) -> usize {
        self.rows.iter().filter(|r| r.writes() > 0).count()
    }
    /// Requests the writes take at least (teams included).
    pub fn writes(&self) -> usize {
        self.new_teams.len() + self.rows.iter().map(RowPlan::writes).sum::<usize>()
    }
}

fn error_row(line: u64, key: &str, problems: Vec<Problem>) -> RowPlan {
    RowPlan {
        line,
        key: key.to_string(),
        action: Action::Error,
        changes: vec![],
        problems,
        work: Work::Nothing,
    }
}

/// Each line of `checked` planned by `plan`, or, where the check refused the line, an error
/// row with its problems: the loop both planners share.
fn plan_lines<T>(
    checked: &Checked<T>,
    mut plan: impl FnMut(&Line<T>, &T) -> RowPlan,
) -> Vec<RowPlan> {
    checked
        .rows
        .iter()
        .map(|line| match &line.spec {
            Ok(spec) => plan(line, spec),
            Err(p) => error_row(line.line, &line.key, p.clone()),
        })
        .collect()
}

/// Plans a users file.
pub fn users(checked: &Checked<UserSpec>, account: &Account, opts: Options) -> Plan {
    let mut new_teams: Vec<String> = Vec::new();
    // 10,000 rows against 10,000 users: look people up by e-mail in a map, not a scan.
    let by_email: std::collections::HashMap<String, &AUser> = account
        .users
        .iter()
        .map(|u| (u.email.to_lowercase(), u))
        .collect();
    let rows = plan_lines(checked, |line, spec| {
        let mut problems = Vec::new();
        for (team, _) in &spec.teams {
            if account.team_by_name(team).is_none() {
                if opts.create_teams {
                    if !new_teams.iter().any(|t| t.eq_ignore_ascii_case(team)) {
                        new_teams.push(team.clone());
                    }
                } else {
                    problems.push(Problem::new(
                            "teams",
                            format!("there is no team named {team}; create it in PagerDuty or turn on \"Create missing teams\""),
                        ));
                }
            }
        }
        let existing = by_email.get(&spec.email.to_lowercase()).copied();
        if let Some(u) = existing {
            if u.role == "owner" && spec.role.as_deref().is_some_and(|r| r != "owner") {
                problems.push(Problem::new(
                        "role",
                        "this is the Account Owner, whose role cannot be changed through the API; leave role empty for this row",
                    ));
            }
        }
        if !problems.is_empty() {
            return error_row(line.line, &line.key, problems);
        }
        user_row(line.line, &line.key, spec, existing, account)
    });
    Plan { rows, new_teams }
}

fn user_row(
    line: u64,
    key: &str,
    spec: &UserSpec,
    existing: Option<&AUser>,
    account: &Account,
) -> RowPlan {
    let mut changes = Vec::new();
    let (id, create, update, contacts, rules, teams);
    let mut roles = Vec::new();
    match existing {
        None => {
            let mut body = vec![
                ("type", json!("user")),
                ("name", json!(spec.name)),
                ("email", json!(spec.email)),
            ];
            for (k, v) in [
                ("role", &spec.role),
                ("job_title", &spec.job_title),
                ("time_zone", &spec.time_zone),
                ("description", &spec.description),
            ] {
                if let Some(v) = v {
                    body.push((k, json!(v)));
                }
            }
            changes.push(format!(
                "create {} <{}>{}",
                spec.name,
                spec.email,
                spec.role
                    .as_deref()
                    .map(|r| format!(" as {}", crate::models::role_label(r)))
                    .unwrap_or_default()
            ));
            id = None;
            create = Some(json!({ "user": json::object(body) }));
            update = None;
            contacts = spec.contacts.clone();
            rules = spec.rules.clone();
            teams = spec.teams.clone();
        }
        Some(u) => {
            let mut body = Vec::new();
            let mut field = |k: &'static str, old: Option<String>, new: &Option<String>| {
                if let Some(n) = new {
                    if old.as_deref() != Some(n.as_str()) {
                        // Roles in the words PagerDuty's web app uses.
                        let words = |v: &str| {
                            if k == "role" {
                                crate::models::role_label(v).to_string()
                            } else {
                                v.to_string()
                            }
                        };
                        changes.push(format!(
                            "{k}: {} → {}",
                            old.as_deref().map_or("(empty)".into(), words),
                            words(n)
                        ));
                        body.push((k, json!(n)));
                    }
                }
            };
            field("name", Some(u.name.clone()), &Some(spec.name.clone()));
            field("role", Some(u.role.clone()), &spec.role);
            field("job_title", u.job_title.clone(), &spec.job_title);
            field("time_zone", u.time_zone.clone(), &spec.time_zone);
            field("description", u.description.clone(), &spec.description);
            id = Some(u.id.clone());
            create = None;
            update = (!body.is_empty()).then(|| {
                body.insert(0, ("type", json!("user")));
                json!({ "user": json::object(body) })
            });
            contacts = spec
                .contacts
                .iter()
                .filter(|c| !u.contacts.iter().any(|x| x.same(c)))
                .cloned()
                .collect();
            rules = spec
                .rules
                .iter()
                .filter(|r| !u.has_rule(r, &spec.contacts))
                .copied()
                .collect();
            teams = spec
                .teams
                .iter()
                .filter(|(name, _)| {
                    account
                        .team_by_name(name)
                        .is_none_or(|t| !u.teams.contains(&t.id))
                })
                .cloned()
                .collect();
            // A membership the user has gets the row's role only when the row wrote one (the
            // default role never demotes anybody), and only when its role was read.
            if spec.team_roles_given {
                for (name, role) in &spec.teams {
                    let Some(t) = account.team_by_name(name) else {
                        continue;
                    };
                    match account.member_role(&t.id, &u.id) {
                        Some(old) if u.teams.contains(&t.id) && old != role => {
                            changes.push(format!("team {name} role: {old} → {role}"));
                            roles.push((name.clone(), role.clone()));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    for c in &contacts {
        changes.push(format!("add {} {}", c.channel.word(), c.display()));
    }
    for r in &rules {
        changes.push(format!(
            "add rule: {} after {} min",
            r.channel.word(),
            r.delay
        ));
    }
    // PagerDuty refuses to add a Full Stakeholder to a team, and setting a member's role is
    // the same request (an existing membership, from before a role change, is left alone).
    let role = spec.role.as_deref().or(existing.map(|u| u.role.as_str()));
    if role == Some("read_only_user") && !(teams.is_empty() && roles.is_empty()) {
        let (column, what) = if teams.is_empty() {
            ("team_roles", "given a team role")
        } else {
            ("teams", "added to a team")
        };
        return error_row(
            line,
            key,
            vec![Problem::new(
                column,
                format!("a Full Stakeholder cannot be {what} in PagerDuty; remove the new teams and team roles or choose another role"),
            )],
        );
    }
    for (t, role) in &teams {
        changes.push(format!("join team {t} as {role}"));
    }
    let action = if create.is_some() {
        Action::Create
    } else if update.is_some() || !roles.is_empty() {
        Action::Update
    } else if !(contacts.is_empty() && rules.is_empty() && teams.is_empty()) {
        Action::Add
    } else {
        Action::Unchanged
    };
    RowPlan {
        line,
        key: key.to_string(),
        action,
        changes,
        problems: vec![],
        work: Work::User(UserWork {
            email: spec.email.clone(),
            id,
            create,
            update,
            wanted: spec.contacts.clone(),
            contacts,
            rules,
            teams,
            roles,
        }),
    }
}

/// The scopes an import may need: Classic apps `write`; Scoped apps the reads and writes.
pub fn scopes(kind: super::Kind, scoped: bool) -> &'static [&'static str] {
    match (kind, scoped) {
        (_, false) => &["write"],
        (super::Kind::Users, true) => &[
            "users.read",
            "users.write",
            "users:contact_methods.read",
            "users:contact_methods.write",
            "teams.read",
            "teams.write",
        ],
        (super::Kind::Services, true) => &[
            "services.read",
            "services.write",
            "escalation_policies.read",
        ],
    }
}

impl Plan {
    /// The scopes this plan's writes need: every read of [`scopes`], and only the writes the
    /// plan makes (a file without teams does not ask a Scoped session for `teams.write`).
    /// Classic `write` covers reads and writes.
    pub fn scopes(&self, kind: super::Kind, scoped: bool) -> Vec<&'static str> {
        let users = self.rows.iter().filter_map(|r| match &r.work {
            Work::User(w) => Some(w),
            _ => None,
        });
        let mut users_write = false;
        let mut contacts_write = false;
        let mut teams_write = !self.new_teams.is_empty();
        for w in users {
            users_write |= w.create.is_some() || w.update.is_some();
            contacts_write |= !w.contacts.is_empty() || !w.rules.is_empty();
            teams_write |= !w.teams.is_empty() || !w.roles.is_empty();
        }
        scopes(kind, scoped)
            .iter()
            .copied()
            .filter(|s| match *s {
                "users.write" => users_write,
                "users:contact_methods.write" => contacts_write,
                "teams.write" => teams_write,
                "services.write" => self.to_write() > 0,
                _ => true,
            })
            .collect()
    }

    /// Which of [`Plan::scopes`] `granted` lacks.
    pub fn missing_scopes(
        &self,
        kind: super::Kind,
        scoped: bool,
        granted: &[String],
    ) -> Vec<&'static str> {
        self.scopes(kind, scoped)
            .into_iter()
            .filter(|s| !granted.iter().any(|g| g == s))
            .collect()
    }
}

/// Whether the signed-in person's role may make these writes (scopes are not enough: access
/// is scopes ∩ the person's permissions). `None` when they may; else why not.
pub fn role_refusal(kind: super::Kind, role: &str) -> Option<String> {
    let ok = match kind {
        super::Kind::Users => ["owner", "admin"].contains(&role),
        super::Kind::Services => ["owner", "admin", "user"].contains(&role),
    };
    (!ok).then(|| {
        format!(
            "Your PagerDuty role is {}. Only {} may {}; ask one of them to run this import.",
            crate::models::role_label(role),
            match kind {
                super::Kind::Users => "a Global Admin or the Account Owner",
                super::Kind::Services => "a Manager, a Global Admin or the Account Owner",
            },
            match kind {
                super::Kind::Users => "add users",
                super::Kind::Services => "create services",
            }
        )
    })
}

#[cfg(test)]
mod tests;
