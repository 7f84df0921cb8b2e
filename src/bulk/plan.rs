//! The dry run's shape, shared by every kind: each checked row against the account becomes
//! create, update, add, unchanged or error, with the changes in words and the [`Work`] the
//! run will do. The planners are the kinds' own (`users/plan.rs`, `services/plan.rs`); they
//! read nothing themselves: [`super::account::Account`] holds what was read.

use super::account::Named;
use super::check::{Checked, Line, Problem};
use super::kind::Kind;
use super::offboard::work::OffboardWork;
use super::services::work::ServiceWork;
use super::users::work::UserWork;

/// What a row will do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Create,
    Update,
    Add,
    Offboard,
    Unchanged,
    Error,
}

impl Action {
    pub fn word(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Add => "add",
            Action::Offboard => "offboard",
            Action::Unchanged => "unchanged",
            Action::Error => "error",
        }
    }
}

/// What one row will write: one arm per kind (a new kind adds its arm here).
#[derive(Clone, Debug, PartialEq)]
pub enum Work {
    Nothing,
    User(UserWork),
    Service(ServiceWork),
    Offboard(OffboardWork),
}

impl Work {
    /// How many requests the writes take at least (for time estimates).
    pub fn writes(&self) -> usize {
        match self {
            Work::Nothing => 0,
            Work::User(w) => w.writes(),
            Work::Service(w) => w.writes(),
            Work::Offboard(w) => w.writes(),
        }
    }
    /// The write scopes a Scoped session needs for these writes.
    pub fn write_scopes(&self) -> Vec<&'static str> {
        match self {
            Work::Nothing => vec![],
            Work::User(w) => w.write_scopes(),
            Work::Service(w) => w.write_scopes(),
            Work::Offboard(w) => w.write_scopes(),
        }
    }
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
        self.work.writes()
    }
}

/// Choices a person makes before planning, and who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Create teams the file names that the account lacks (otherwise those rows are errors).
    pub create_teams: bool,
    /// The signed-in person's e-mail: offboarding refuses to take them out mid-run.
    pub me: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            create_teams: true,
            me: None,
        }
    }
}

/// A whole plan: everything the run needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub kind: Kind,
    pub rows: Vec<RowPlan>,
    /// Teams to create first (when allowed).
    pub new_teams: Vec<String>,
    /// The teams the account already has, as the plan read them (rows name them).
    pub teams: Vec<Named>,
    /// What the person should know before importing (licences it needs against those free).
    pub notes: Vec<String>,
    /// Free licences by kind (`Full User`, `Stakeholder`) when the plan could read them: the
    /// run makes no more creates of a kind than there are licences for it.
    pub licences_free: Vec<(&'static str, u64)>,
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

    /// The scopes this plan needs: every read of the kind's [`Kind::scopes`], and only the
    /// writes the plan makes (a file without teams does not ask a Scoped session for
    /// `teams.write`). Classic `write` covers reads and writes.
    pub fn scopes(&self, scoped: bool) -> Vec<&'static str> {
        let mut writes: Vec<&'static str> = self
            .rows
            .iter()
            .flat_map(|r| r.work.write_scopes())
            .collect();
        if !self.new_teams.is_empty() {
            writes.push("teams.write");
        }
        self.kind
            .scopes(scoped)
            .iter()
            .copied()
            .filter(|s| !scoped || !s.ends_with(".write") || writes.contains(s))
            .collect()
    }

    /// Which of [`Plan::scopes`] `granted` lacks.
    pub fn missing_scopes(&self, scoped: bool, granted: &[String]) -> Vec<&'static str> {
        self.scopes(scoped)
            .into_iter()
            .filter(|s| !granted.iter().any(|g| g == s))
            .collect()
    }
}

/// The plan's words for cells kept as written that a spreadsheet would take for a formula.
pub const AS_WRITTEN: &str = "kept as written (a spreadsheet would take it for a formula): ";

/// A note naming the `(column, value)` cells that start like a formula, if any: PagerDuty
/// shows them as the text they are, and the plan and report say which.
pub(crate) fn formula_note(cells: &[(&str, Option<&str>)]) -> Option<String> {
    let columns: Vec<&str> = cells
        .iter()
        .filter(|(_, v)| v.is_some_and(crate::csvfile::starts_like_a_formula))
        .map(|(c, _)| *c)
        .collect();
    (!columns.is_empty()).then(|| format!("{AS_WRITTEN}{}", columns.join(", ")))
}

pub(crate) fn error_row(line: u64, key: &str, problems: Vec<Problem>) -> RowPlan {
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
pub(crate) fn plan_lines<T>(
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

#[cfg(test)]
mod tests;
