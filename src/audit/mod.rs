//! The access and hygiene audit (issue #29, reference §13): from one read of the account
//! (`account`: a paged list per kind of object, never a request per user), the answers a
//! security or licence review asks for, in the columns PagerDuty's own report scripts print:
//! people (`people`: roles and licences, team roles, contact methods by type, whether
//! anything pages them, whether they are on call, pending invitations), services and deleted
//! users' placeholders (`services`). Pure: read through any `PageSource`, tested natively
//! against a fake account; the Audit page (`ondemand/src/pages/audit.rs`) only shows it.

pub mod account;
pub mod people;
pub mod row;
pub mod services;

use account::Account;

/// What the API cannot tell, said on the page rather than guessed (reference §13.1, §13.2).
pub const CANNOT_TELL: &[&str] = &[
    "When anyone last signed in or was last active: PagerDuty's API has no such field. A pending invitation is the only sign of someone who never used their account.",
    "Low-urgency notification rules: the user list may carry high-urgency rules only, so \"High-urgency rule\" is what this audit can say; a user's own page shows all their rules.",
    "What a flexible role may do on each object: PagerDuty does not expose per-object permissions.",
    "Whether deleting a user leaves a placeholder or is refused: the account's offboarding setting cannot be read.",
];

/// Everything the audit found.
#[derive(Clone, Debug)]
pub struct Audit {
    pub people: Vec<people::Row>,
    pub roles: Vec<people::RoleCount>,
    /// Each licence against the people whose role takes it, or why the licences are unknown.
    pub licences: Result<Vec<people::LicenceUse>, String>,
    pub services: Vec<services::Row>,
    pub placements: Vec<services::Placement>,
    /// Each deleted user's placeholder once, with the policies and schedules that name it.
    pub placeholders: Vec<(crate::bulk::offboard::oncall::Person, Vec<String>)>,
    /// Lists cut short by PagerDuty's paging limit, in words.
    pub cut: Vec<String>,
}

impl Audit {
    /// People with `finding` (all with `None`).
    pub fn people_with(&self, finding: Option<people::Finding>) -> Vec<&people::Row> {
        self.people
            .iter()
            .filter(|r| finding.is_none_or(|f| r.findings.contains(&f)))
            .collect()
    }
    /// Services with `finding` (all with `None`).
    pub fn services_with(&self, finding: Option<services::Finding>) -> Vec<&services::Row> {
        self.services
            .iter()
            .filter(|r| finding.is_none_or(|f| r.findings.contains(&f)))
            .collect()
    }
}

/// The audit of what was read.
pub fn audit(a: &Account) -> Audit {
    let placements = services::placements(a);
    let (roles, licences) = people::roles(a);
    Audit {
        people: people::rows(a),
        roles,
        licences,
        services: services::rows(a, &placements),
        placeholders: services::placeholders(&placements),
        placements,
        cut: a.cut.clone(),
    }
}

#[cfg(test)]
mod tests;
