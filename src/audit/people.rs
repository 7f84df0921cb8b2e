//! The audit's people: one row per user in the columns PagerDuty's own report scripts print
//! (reference §13.3: `get_users_by_role`, `team_roles`, `contact_methods`, `orphan_user_report`),
//! what each row is found to lack, and the count per role against the licences.

use super::account::{Account, Licence, User};
use crate::bulk::offboard::oncall::Target;
use std::collections::{BTreeMap, BTreeSet};

/// Column keys and titles of the people table.
pub const COLUMNS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("email", "Email"),
    ("role", "Role"),
    ("licence", "Licence"),
    ("team_roles", "Team roles"),
    ("phone", "Phone"),
    ("sms", "SMS"),
    ("email_methods", "Email methods"),
    ("push", "Push"),
    ("phone_or_sms", "Phone or SMS"),
    ("high_urgency", "High-urgency rule"),
    ("schedules", "Schedules"),
    ("policies", "Escalation policies"),
    ("invited", "Invitation pending"),
    ("findings", "Findings"),
];

/// Columns only the CSV export has (besides the row's cells).
pub const EXPORT_COLUMNS: [&str; 4] = ["User ID", "Job title", "Time zone", "PagerDuty link"];

/// What a person is found to lack or to be; the people table's filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Finding {
    /// No high-urgency notification rule to a phone, an SMS number or a push device: nothing
    /// wakes them (e-mail alone does not).
    Unreachable,
    /// In no live schedule layer and on no policy (directly or through a schedule); only roles
    /// that can be on call (stakeholders cannot).
    NotOnCall,
    /// Account Owner or Global Admin.
    Admin,
    /// A stakeholder role, yet a member of a team.
    StakeholderOnTeam,
    /// Has not accepted the invitation (`invitation_sent`).
    Invited,
}

impl Finding {
    pub const ALL: [Finding; 5] = [
        Finding::Unreachable,
        Finding::NotOnCall,
        Finding::Admin,
        Finding::StakeholderOnTeam,
        Finding::Invited,
    ];
    /// The filter's label.
    pub fn label(self) -> &'static str {
        match self {
            Finding::Unreachable => "No way to reach them",
            Finding::NotOnCall => "Not on call anywhere",
            Finding::Admin => "Admins",
            Finding::StakeholderOnTeam => "Stakeholders on teams",
            Finding::Invited => "Invitation pending",
        }
    }
    /// The finding in a row's "Findings" cell.
    pub fn words(self) -> &'static str {
        match self {
            Finding::Unreachable => {
                "nothing pages them (no high-urgency rule to a phone, SMS or push)"
            }
            Finding::NotOnCall => "not on call anywhere",
            Finding::Admin => "admin",
            Finding::StakeholderOnTeam => "stakeholder on a team",
            Finding::Invited => "invitation pending",
        }
    }
}

/// One person's row: cells per [`COLUMNS`], export per [`EXPORT_COLUMNS`].
pub type Row = super::row::Row<Finding>;

pub fn is_stakeholder(role: &str) -> bool {
    role.starts_with("read_only")
}

fn is_admin(role: &str) -> bool {
    role == "owner" || role == "admin"
}

/// The licence a role takes: the account's licence that lists it, else the tier PagerDuty
/// documents for it (reference §10.7).
pub fn licence_of(role: &str, licences: Option<&[Licence]>) -> String {
    licences
        .and_then(|ls| ls.iter().find(|l| l.valid_roles.iter().any(|r| r == role)))
        .map(|l| l.name.clone())
        .unwrap_or_else(|| {
            if is_stakeholder(role) {
                "Stakeholder".into()
            } else {
                "Full User".into()
            }
        })
}

/// Where each user is on call: schedule names (live layers) and policy names (directly or
/// through a schedule), by user id.
pub fn on_call(a: &Account) -> BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> {
    let mut out: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    // Who each schedule holds (live layers only).
    let mut held: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for s in &a.schedules {
        for l in s.layers.iter().filter(|l| !l.ended) {
            for u in l.users.iter().filter(|u| !u.deleted) {
                held.entry(&s.id).or_default().insert(&u.id);
                out.entry(u.id.clone())
                    .or_default()
                    .0
                    .insert(s.name.clone());
            }
        }
    }
    for p in &a.policies {
        for t in p.rules.iter().flat_map(|r| &r.targets) {
            let who: Vec<&str> = match t {
                Target::User(u) if !u.deleted => vec![&u.id],
                Target::User(_) => vec![],
                Target::Schedule { id, .. } => held
                    .get(id.as_str())
                    .map(|s| s.iter().copied().collect())
                    .unwrap_or_default(),
            };
            for id in who {
                out.entry(id.to_string())
                    .or_default()
                    .1
                    .insert(p.name.clone());
            }
        }
    }
    out
}

fn joined<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    items.into_iter().cloned().collect::<Vec<_>>().join("; ")
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// The people rows, in PagerDuty's order.
pub fn rows(a: &Account) -> Vec<Row> {
    let on_call = on_call(a);
    let licences = a.licences.as_ref().ok().map(Vec::as_slice);
    let none = (BTreeSet::new(), BTreeSet::new());
    a.users
        .iter()
        .map(|u| {
            let (schedules, policies) = on_call.get(&u.id).unwrap_or(&none);
            row(a, u, schedules, policies, licences)
        })
        .collect()
}

fn row(
    a: &Account,
    u: &User,
    schedules: &BTreeSet<String>,
    policies: &BTreeSet<String>,
    licences: Option<&[Licence]>,
) -> Row {
    let of = |kind: &str| -> Vec<String> {
        u.contacts
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.text.clone())
            .collect()
    };
    let (phone, sms, email, push) = (of("phone"), of("sms"), of("email"), of("push_notification"));
    let kind_of = |r: &super::account::Rule| -> Option<String> {
        u.contacts
            .iter()
            .find(|c| c.id == r.contact_id)
            .map(|c| c.kind.clone())
            .or_else(|| r.contact_kind.clone())
    };
    let high: Vec<Option<String>> = u
        .rules
        .iter()
        .filter(|r| r.urgency == "high")
        .map(kind_of)
        .collect();
    let rings = high.iter().flatten().any(|k| {
        matches!(
            k.as_str(),
            "phone" | "sms" | "push_notification" | "whatsapp"
        )
    });
    // Team roles from the teams' member lists; a team the user lists but whose members did
    // not name them is still shown.
    let mut roles: Vec<(String, String)> = a.team_roles.get(&u.id).cloned().unwrap_or_default();
    for t in &u.teams {
        if !roles.iter().any(|(id, _)| id == t) {
            roles.push((t.clone(), "member".into()));
        }
    }
    let team_roles: Vec<String> = roles
        .iter()
        .map(|(t, role)| format!("{}: {role}", a.teams.get(t).unwrap_or(t)))
        .collect();
    let mut findings = Vec::new();
    if !rings {
        findings.push(Finding::Unreachable);
    }
    if schedules.is_empty() && policies.is_empty() && !is_stakeholder(&u.role) {
        findings.push(Finding::NotOnCall);
    }
    if is_admin(&u.role) {
        findings.push(Finding::Admin);
    }
    if is_stakeholder(&u.role) && !roles.is_empty() {
        findings.push(Finding::StakeholderOnTeam);
    }
    if u.invitation_sent {
        findings.push(Finding::Invited);
    }
    Row {
        id: u.id.clone(),
        html_url: u.html_url.clone(),
        cells: vec![
            u.name.clone(),
            u.email.clone(),
            crate::models::role_label(&u.role).to_string(),
            licence_of(&u.role, licences),
            team_roles.join("; "),
            phone.join("; "),
            sms.join("; "),
            email.join("; "),
            push.join("; "),
            yes(!phone.is_empty() || !sms.is_empty()),
            yes(!high.is_empty()),
            joined(schedules),
            joined(policies),
            yes(u.invitation_sent),
            findings
                .iter()
                .map(|f| f.words())
                .collect::<Vec<_>>()
                .join("; "),
        ],
        export: vec![
            u.id.clone(),
            u.job_title.clone(),
            u.time_zone.clone(),
            crate::models::safe_link(u.html_url.as_deref(), None).unwrap_or_default(),
        ],
        findings,
    }
}

/// How many people hold each role, with the licence it takes (`get_users_by_role`'s totals).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleCount {
    pub role: String,
    pub count: usize,
    pub licence: String,
}

/// A licence against the people whose role takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenceUse {
    pub name: String,
    /// People here whose role takes it.
    pub people: usize,
    /// In use and free, as PagerDuty counts them.
    pub current: Option<u64>,
    pub available: Option<u64>,
}

/// The count per role (most first), and each licence against it (when the licences were read).
pub fn roles(a: &Account) -> (Vec<RoleCount>, Result<Vec<LicenceUse>, String>) {
    let licences = a.licences.as_ref().ok().map(Vec::as_slice);
    let mut by_role: BTreeMap<&str, usize> = BTreeMap::new();
    for u in &a.users {
        *by_role.entry(&u.role).or_default() += 1;
    }
    let mut counts: Vec<RoleCount> = by_role
        .iter()
        .map(|(role, n)| RoleCount {
            role: crate::models::role_label(role).to_string(),
            count: *n,
            licence: licence_of(role, licences),
        })
        .collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.role.cmp(&b.role)));
    let uses = a.licences.clone().map(|ls| {
        ls.iter()
            .map(|l| LicenceUse {
                name: l.name.clone(),
                people: a
                    .users
                    .iter()
                    .filter(|u| l.valid_roles.contains(&u.role))
                    .count(),
                current: l.current,
                available: l.available,
            })
            .collect()
    });
    (counts, uses)
}
