//! What offboarding one person (or replacing one placeholder) writes, as the plan hands it to
//! the run: each object with what the plan expects to find in it, so the run can tell an
//! object edited since the plan from one it already changed.

/// A leaver of the run still to be taken out of a policy or schedule: whichever row writes
/// that object first makes every such change in the one write (the others then find it done).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedEdit {
    pub line: u64,
    pub user_id: String,
    pub name: String,
    pub replacement: Option<String>,
    pub parts: Vec<String>,
}

impl OffboardWork {
    /// This row's changes to policies and schedules, by object id, for [`SharedEdit`]s.
    pub fn shared(&self, line: u64) -> impl Iterator<Item = (String, SharedEdit)> + '_ {
        self.policies.iter().chain(&self.schedules).map(move |o| {
            (
                o.id.clone(),
                SharedEdit {
                    line,
                    user_id: self.user_id.clone(),
                    name: self.name.clone(),
                    replacement: self.replacement.as_ref().map(|(id, _)| id.clone()),
                    parts: o.parts.clone(),
                },
            )
        })
    }
}

/// One open incident's change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IncidentEdit {
    /// Assigned to these users instead (the leaver out, the replacement in).
    Reassign {
        id: String,
        number: u64,
        to: Vec<String>,
    },
    Resolve {
        id: String,
        number: u64,
    },
}

/// A policy or schedule to write: the rules or layers (by id) that name the leaver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectEdit {
    pub id: String,
    pub name: String,
    /// The object in PagerDuty's web app (`html_url`), for the report.
    pub link: Option<String>,
    pub parts: Vec<String>,
}

/// A future override of the leaver: made again for the replacement (when there is one), then
/// removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverrideEdit {
    pub id: String,
    pub schedule_id: String,
    pub start: String,
    pub end: String,
}

/// What becomes of the leaver at the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finally {
    Delete,
    Role(&'static str),
    Nothing,
}

/// Everything one row writes, in PagerDuty's order: incidents, policies, schedules and
/// overrides, teams, then the delete or the role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffboardWork {
    /// The leaver's id (or the placeholder's).
    pub user_id: String,
    pub name: String,
    /// Who takes their place: (id, name).
    pub replacement: Option<(String, String)>,
    pub incidents: Vec<IncidentEdit>,
    pub policies: Vec<ObjectEdit>,
    pub schedules: Vec<ObjectEdit>,
    pub overrides: Vec<OverrideEdit>,
    /// Teams to leave: (id, name).
    pub teams: Vec<(String, String)>,
    pub finally: Finally,
}

/// Incidents per bulk update (PagerDuty answers 413 past 250).
pub const INCIDENTS_PER_REQUEST: usize = 250;

impl OffboardWork {
    /// How many requests the writes take at least.
    pub fn writes(&self) -> usize {
        let per_override = if self.replacement.is_some() { 2 } else { 1 };
        self.incidents.len().div_ceil(INCIDENTS_PER_REQUEST)
            + self.policies.len()
            + self.schedules.len()
            + self.overrides.len() * per_override
            + self.teams.len()
            + usize::from(self.finally != Finally::Nothing)
    }

    /// The write scopes a Scoped session needs for them.
    pub fn write_scopes(&self) -> Vec<&'static str> {
        let mut out = vec![];
        if !self.incidents.is_empty() {
            out.push("incidents.write");
        }
        if !self.policies.is_empty() {
            out.push("escalation_policies.write");
        }
        if !self.schedules.is_empty() || !self.overrides.is_empty() {
            out.push("schedules.write");
        }
        if !self.teams.is_empty() {
            out.push("teams.write");
        }
        if self.finally != Finally::Nothing {
            out.push("users.write");
        }
        out
    }
}
