//! The account's licenses (reference §12.1, §10.7): one Full User license and one Stakeholder
//! license, each user holding the one their role needs (only the two stakeholder roles take a
//! Stakeholder license), with the JSON `GET /licenses` and `GET /license_allocations` answer.

use super::types::User;
use super::Dataset;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The roles a Full User license allows (PagerDuty's spec example of `GET /licenses`).
pub const FULL_USER_ROLES: &[&str] = &[
    "owner",
    "admin",
    "user",
    "limited_user",
    "observer",
    "restricted_access",
];
/// The roles a Stakeholder license allows.
pub const STAKEHOLDER_ROLES: &[&str] = &["read_only_user", "read_only_limited_user"];
/// Stakeholder licenses the account has: in effect unlimited (`--licenses` counts Full User
/// licenses only).
pub const STAKEHOLDER_SEATS: u64 = 1_000_000;

/// The ids of the account's two licenses.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Licenses {
    pub full: String,
    pub stakeholder: String,
}

impl Default for Licenses {
    /// The ids of an account saved before licenses existed.
    fn default() -> Licenses {
        Licenses {
            full: "PFUL0LC".into(),
            stakeholder: "PSTK0LC".into(),
        }
    }
}

/// A license tier: `FullUser` or `Stakeholder`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tier {
    Full,
    Stakeholder,
}

impl Tier {
    /// The tier a role needs.
    pub fn of(role: &str) -> Tier {
        if STAKEHOLDER_ROLES.contains(&role) {
            Tier::Stakeholder
        } else {
            Tier::Full
        }
    }
}

impl Dataset {
    /// The tier of the license with `id`, if the account has it.
    pub fn license_tier(&self, id: &str) -> Option<Tier> {
        if id == self.licenses.full {
            Some(Tier::Full)
        } else if id == self.licenses.stakeholder {
            Some(Tier::Stakeholder)
        } else {
            None
        }
    }

    /// How many users hold a license of `tier`.
    pub fn licenses_used(&self, tier: Tier) -> u64 {
        self.users
            .iter()
            .filter(|u| Tier::of(u.role) == tier)
            .count() as u64
    }

    /// A license as an allocation names it; with `seats`, as `GET /licenses` lists it, with
    /// `current_value` and `allocations_available` out of that many.
    pub fn license_json(&self, tier: Tier, seats: Option<u64>) -> Value {
        let (id, name, roles, group) = match tier {
            Tier::Full => (
                &self.licenses.full,
                "Business (Full User)",
                FULL_USER_ROLES,
                "FullUser",
            ),
            Tier::Stakeholder => (
                &self.licenses.stakeholder,
                "Business (Stakeholder)",
                STAKEHOLDER_ROLES,
                "Stakeholder",
            ),
        };
        let mut v = json!({
            "id": id, "name": name, "description": "", "valid_roles": roles,
            "role_group": group, "summary": name, "type": "license",
            "self": null, "html_url": null,
        });
        if let Some(seats) = seats {
            let used = self.licenses_used(tier);
            v["current_value"] = json!(used);
            v["allocations_available"] = json!(seats.saturating_sub(used));
        }
        v
    }

    /// A user's license allocation, as `GET /license_allocations` lists it.
    pub fn license_allocation_json(&self, u: &User) -> Value {
        // An account saved before licenses existed: the user's first rule is as old as they are.
        let at = u
            .license_allocated_at
            .clone()
            .or_else(|| u.notification_rules.first().map(|r| r.created_at.clone()));
        json!({
            "license": self.license_json(Tier::of(u.role), None),
            "user": {"id": u.id, "type": "user_reference"},
            "allocated_at": at,
        })
    }
}
