//! The audit's services and deleted users' placeholders: services with no team, no
//! integration, or a policy whose every level is one person or that still names a deleted
//! user (directly or through a schedule); and every placeholder left in a policy or a schedule,
//! in the columns of PDCLI's `ep listdeletedusers` and `schedule listdeletedusers`
//! (reference §13.3).

use super::account::Account;
use crate::bulk::offboard::oncall::{Person, Policy, Target};
use std::collections::{BTreeMap, BTreeSet};

/// Column keys and titles of the services table.
pub const COLUMNS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("status", "Status"),
    ("teams", "Teams"),
    ("escalation_policy", "Escalation policy"),
    ("integrations", "Integrations"),
    ("findings", "Findings"),
];

/// Columns only the services CSV has.
pub const EXPORT_COLUMNS: [&str; 3] = ["Service ID", "Escalation policy ID", "PagerDuty link"];

/// What a service is found to lack; the services table's filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Finding {
    NoTeam,
    NoIntegration,
    /// Every level of its policy is one person: nobody else is ever paged.
    OnePerson,
    /// Its policy (or a schedule it pages) still names a deleted user's placeholder.
    Placeholder,
}

impl Finding {
    pub const ALL: [Finding; 4] = [
        Finding::NoTeam,
        Finding::NoIntegration,
        Finding::OnePerson,
        Finding::Placeholder,
    ];
    pub fn label(self) -> &'static str {
        match self {
            Finding::NoTeam => "No team",
            Finding::NoIntegration => "No integration",
            Finding::OnePerson => "One-person policy",
            Finding::Placeholder => "Names a deleted user",
        }
    }
    pub fn words(self) -> &'static str {
        match self {
            Finding::NoTeam => "no team",
            Finding::NoIntegration => "no integration",
            Finding::OnePerson => "every level of its policy is one person",
            Finding::Placeholder => "its policy names a deleted user",
        }
    }
}

/// One service's row: cells per [`COLUMNS`], export per [`EXPORT_COLUMNS`].
pub type Row = super::row::Row<Finding>;

/// Whether every level of `p` is one person (a single user target, no schedule).
pub fn one_person(p: &Policy) -> bool {
    !p.rules.is_empty()
        && p.rules
            .iter()
            .all(|r| matches!(r.targets.as_slice(), [Target::User(u)] if !u.deleted))
}

/// One placeholder in a policy level or a schedule layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// `escalation policy` or `schedule`.
    pub kind: &'static str,
    pub object_id: String,
    pub object: String,
    pub html_url: Option<String>,
    /// `level 2`, or the layer's name (`(ended)` when it has ended).
    pub at: String,
    pub user: Person,
}

/// Column keys and titles of the placeholders table.
pub const PLACEHOLDER_COLUMNS: &[(&str, &str)] = &[
    ("kind", "Kind"),
    ("object", "Name"),
    ("at", "Level or layer"),
    ("user_id", "User ID"),
    ("user_name", "User name"),
    ("deleted_at", "Deleted at"),
];

/// Columns only the placeholders CSV has.
pub const PLACEHOLDER_EXPORT: [&str; 2] = ["Object ID", "PagerDuty link"];

impl Placement {
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.kind.to_string(),
            self.object.clone(),
            self.at.clone(),
            self.user.id.clone(),
            self.user.name.clone(),
            self.user.deleted_at.clone().unwrap_or_default(),
        ]
    }
    pub fn export(&self) -> Vec<String> {
        vec![
            self.object_id.clone(),
            crate::models::safe_link(self.html_url.as_deref(), None).unwrap_or_default(),
        ]
    }
}

/// Every placeholder in the account's policies and schedules, policies first.
pub fn placements(a: &Account) -> Vec<Placement> {
    let mut out = Vec::new();
    for p in &a.policies {
        for (n, r) in p.rules.iter().enumerate() {
            for t in &r.targets {
                if let Target::User(u) = t {
                    if u.deleted {
                        out.push(Placement {
                            kind: "escalation policy",
                            object_id: p.id.clone(),
                            object: p.name.clone(),
                            html_url: p.html_url.clone(),
                            at: format!("level {}", n + 1),
                            user: u.clone(),
                        });
                    }
                }
            }
        }
    }
    for s in &a.schedules {
        for l in &s.layers {
            for u in l.users.iter().filter(|u| u.deleted) {
                out.push(Placement {
                    kind: "schedule",
                    object_id: s.id.clone(),
                    object: s.name.clone(),
                    html_url: s.html_url.clone(),
                    at: if l.ended {
                        format!("{} (ended)", l.name)
                    } else {
                        l.name.clone()
                    },
                    user: u.clone(),
                });
            }
        }
    }
    out
}

/// Each placeholder once (by id), with the names of the objects that hold it.
pub fn placeholders(places: &[Placement]) -> Vec<(Person, Vec<String>)> {
    let mut by_id: BTreeMap<&str, (Person, BTreeSet<String>)> = BTreeMap::new();
    for p in places {
        by_id
            .entry(&p.user.id)
            .or_insert_with(|| (p.user.clone(), BTreeSet::new()))
            .1
            .insert(p.object.clone());
    }
    by_id
        .into_values()
        .map(|(who, at)| (who, at.into_iter().collect()))
        .collect()
}

/// The services rows, in PagerDuty's order.
pub fn rows(a: &Account, places: &[Placement]) -> Vec<Row> {
    let policies: BTreeMap<&str, &Policy> = a.policies.iter().map(|p| (p.id.as_str(), p)).collect();
    let stubbed: BTreeSet<&str> = places.iter().map(|p| p.object_id.as_str()).collect();
    // A policy names a placeholder directly, or pages a schedule that does (live layers).
    let live_stub: BTreeSet<&str> = a
        .schedules
        .iter()
        .filter(|s| {
            s.layers
                .iter()
                .any(|l| !l.ended && l.users.iter().any(|u| u.deleted))
        })
        .map(|s| s.id.as_str())
        .collect();
    let names_stub = |p: &Policy| {
        stubbed.contains(p.id.as_str())
            || p.rules.iter().flat_map(|r| &r.targets).any(
                |t| matches!(t, Target::Schedule { id, .. } if live_stub.contains(id.as_str())),
            )
    };
    a.services
        .iter()
        .map(|s| {
            let policy = policies.get(s.policy_id.as_str());
            let mut findings = Vec::new();
            if s.teams.is_empty() {
                findings.push(Finding::NoTeam);
            }
            if s.integrations.is_empty() {
                findings.push(Finding::NoIntegration);
            }
            if policy.is_some_and(|p| one_person(p)) {
                findings.push(Finding::OnePerson);
            }
            if policy.is_some_and(|p| names_stub(p)) {
                findings.push(Finding::Placeholder);
            }
            Row {
                id: s.id.clone(),
                html_url: s.html_url.clone(),
                cells: vec![
                    s.name.clone(),
                    s.status.clone(),
                    s.teams.join("; "),
                    policy.map_or_else(|| s.policy_id.clone(), |p| p.name.clone()),
                    s.integrations.join("; "),
                    findings
                        .iter()
                        .map(|f| f.words())
                        .collect::<Vec<_>>()
                        .join("; "),
                ],
                export: vec![
                    s.id.clone(),
                    s.policy_id.clone(),
                    crate::models::safe_link(s.html_url.as_deref(), None).unwrap_or_default(),
                ],
                findings,
            }
        })
        .collect()
}
