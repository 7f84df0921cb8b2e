//! What the bodies of on-call writes share: the people and schedules they name (`{"id",
//! "type"}` references, checked against the account, stakeholders refused, deleted users'
//! stubs kept only under `--keep-deleted-user-stubs`), date-times, and fresh ids.

use super::body::invalid;
use crate::data::{Dataset, Member};
use crate::error::ApiError;
use crate::tz::{parse_datetime, Zone};
use serde_json::Value;
use std::collections::HashSet;

/// Stakeholder roles: they cannot be on call (reference §10.3, §10.7).
pub fn is_stakeholder(role: &str) -> bool {
    role.starts_with("read_only")
}

/// The person a reference names: a user of the account who is not a stakeholder (else 400
/// `stakeholder_text`), or, when `stubs` lists a deleted user's stub with that id, the stub.
/// An unknown id is 404 code 2100, as PagerDuty answers a target it cannot find
/// (heimweh/go-pagerduty#33).
pub fn member_of(
    data: &Dataset,
    reference: &Value,
    stubs: &[Member],
    stakeholder_text: &str,
) -> Result<Member, ApiError> {
    let id = reference
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("A user reference needs an id"))?;
    if let Some(u) = data.user_index(id) {
        if is_stakeholder(data.users[u].role) {
            return Err(invalid(stakeholder_text));
        }
        return Ok(Member::User(u));
    }
    stubs
        .iter()
        .find(|m| matches!(m, Member::Deleted(d) if d.id == id))
        .cloned()
        .ok_or(ApiError::NotFound)
}

/// The deleted users' stubs among `members` (those a PUT may keep).
pub fn stubs<'a>(members: impl Iterator<Item = &'a Member>) -> Vec<Member> {
    members
        .filter(|m| matches!(m, Member::Deleted(_)))
        .cloned()
        .collect()
}

/// A required date-time field (`start`, `end`, …), naive times read in `zone`.
pub fn time_field(v: &Value, key: &str, zone: Zone) -> Result<i64, ApiError> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|s| parse_datetime(s, zone))
        .ok_or_else(|| invalid(format!("{key} must be an ISO 8601 date-time")))
}

/// `n` ids no object of the account has, distinct from each other.
pub fn fresh_ids(data: &Dataset, n: usize) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let id = data.new_id();
        if seen.insert(id.clone()) {
            out.push(id);
        }
    }
    out
}
