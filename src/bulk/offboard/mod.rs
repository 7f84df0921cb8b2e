//! The offboarding file: who leaves, who takes over their on-call and incidents, and what
//! becomes of them afterwards, read into [`Leaver`]s. A row may also name a deleted user's
//! placeholder (by the id the plan shows) to put someone in its place.
//!
//! The rest of the kind: [`oncall`] reads and parses policies, schedules, overrides and open
//! incidents; [`plan`] computes every change before → after and refuses gaps in on-call;
//! [`work`] is what the run does; `steps` does it, in PagerDuty's order.

mod edit;
pub mod oncall;
pub mod plan;
mod steps;
pub mod week;
pub mod work;

#[cfg(test)]
mod tests;

use crate::bulk::check::{cell, columns, Checked, FileError, Problem};
use crate::bulk::users::email_ok;
use crate::csvfile::Row;

/// What offboarding may need of a Scoped app (a plan asks only for the writes it makes).
pub const SCOPES: &[&str] = &[
    "users.read",
    "users.write",
    "teams.read",
    "teams.write",
    "escalation_policies.read",
    "escalation_policies.write",
    "schedules.read",
    "schedules.write",
    "incidents.read",
    "incidents.write",
    "oncalls.read",
    "abilities.read",
];

/// The columns, in words, for the Import page.
pub const HELP: &str = "Columns: email (required: who leaves), replacement (the e-mail of who takes their place in escalation policies, schedule layers and future overrides, and their open incidents), incidents (reassign: the default with a replacement; resolve; leave), then (delete: the default; stakeholder or limited_stakeholder: keep them with a role that frees their Full User licence; keep: only take them off on-call). A file of e-mails alone is valid. To replace a deleted user's placeholder the plan shows, write its id in email and someone in replacement.";

/// pdscope's columns, in the order the template writes them.
pub const COLUMNS: &[&str] = &["email", "replacement", "incidents", "then"];
const ALIASES: &[(&str, &str)] = &[
    ("user", "email"),
    ("user_email", "email"),
    ("replace_with", "replacement"),
    ("replacement_email", "replacement"),
    ("open_incidents", "incidents"),
    ("afterwards", "then"),
];

/// The template's example rows, under [`COLUMNS`].
pub const TEMPLATE_ROWS: &[&[&str]] = &[
    &[
        "leaver@example.com",
        "colleague@example.com",
        "reassign",
        "delete",
    ],
    &[
        "mover@example.com",
        "colleague@example.com",
        "",
        "stakeholder",
    ],
];

/// What happens to a leaver's open incidents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Incidents {
    Reassign,
    Resolve,
    Leave,
}

/// What becomes of the leaver once they are off on-call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Then {
    Delete,
    /// Kept with this stakeholder role (`read_only_user` or `read_only_limited_user`).
    Stakeholder(&'static str),
    Keep,
}

/// Who the row names: a person by e-mail, or a deleted user's placeholder by its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Who {
    Email(String),
    Placeholder(String),
}

/// One row as the file describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaver {
    pub who: Who,
    pub replacement: Option<String>,
    pub incidents: Incidents,
    pub then: Then,
}

/// Whether `s` looks like a PagerDuty id (`P` and six or more upper-case letters or digits).
pub fn looks_like_id(s: &str) -> bool {
    s.len() >= 7
        && s.len() <= 20
        && s.starts_with('P')
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Checks an offboarding file: one row per person, without the network.
pub fn check(rows: &[Row]) -> Result<Checked<Leaver>, FileError> {
    let first = rows.first().ok_or(FileError::NoData)?;
    let (cols, ignored) = columns(&first.fields, COLUMNS, ALIASES)?;
    if !cols.iter().any(|(k, _)| *k == "email") {
        return Err(FileError::MissingColumn {
            column: "email",
            example: "email,replacement,incidents,then",
        });
    }
    let data = &rows[1..];
    if data.is_empty() {
        return Err(FileError::NoData);
    }
    let mut lines = crate::bulk::check::lines(
        data,
        &cols,
        "email",
        |_, line| format!("this person is also on line {line}; keep one row per person"),
        |row| leaver(row, &cols),
    );
    // A replacement who is leaving in the same file would take a place and lose it again.
    let mut leaving: std::collections::HashMap<String, u64> = Default::default();
    for l in lines.iter().filter(|l| !l.key.is_empty()) {
        leaving.entry(l.key.to_lowercase()).or_insert(l.line);
    }
    for l in &mut lines {
        let Ok(spec) = &l.spec else { continue };
        let Some(r) = &spec.replacement else { continue };
        if let Some(at) = leaving.get(&r.to_lowercase()) {
            l.spec = Err(vec![Problem::new(
                "replacement",
                format!("{r} is leaving too (line {at}); write someone who stays"),
            )]);
        }
    }
    Ok(Checked {
        format: "pdscope offboarding",
        header: Some(first.fields.clone()),
        ignored,
        columns: cols,
        rows: lines,
    })
}

fn leaver(row: &Row, cols: &[(&'static str, usize)]) -> Result<Leaver, Vec<Problem>> {
    let get = |name: &str| cell(row, cols, name);
    let mut problems = Vec::new();
    let email = get("email");
    let who = if looks_like_id(email) {
        Who::Placeholder(email.to_string())
    } else {
        if email.is_empty() {
            problems.push(Problem::new(
                "email",
                "is empty; write the e-mail of who leaves",
            ));
        } else if !email_ok(email) {
            problems.push(Problem::new(
                "email",
                format!(
                    "\"{email}\" is not an e-mail address (or a deleted user's id from the plan)"
                ),
            ));
        }
        Who::Email(email.to_string())
    };
    if TEMPLATE_ROWS
        .iter()
        .any(|t| t[0].eq_ignore_ascii_case(email))
    {
        problems.push(Problem::new(
            "",
            "this is the template's example row; replace it with a real person or delete it",
        ));
    }
    let replacement = match get("replacement") {
        "" => None,
        r if !email_ok(r) => {
            problems.push(Problem::new(
                "replacement",
                format!("\"{r}\" is not an e-mail address; write the e-mail of who takes over, or leave it empty"),
            ));
            None
        }
        r if r.eq_ignore_ascii_case(email) => {
            problems.push(Problem::new(
                "replacement",
                "is the person who leaves; write someone else",
            ));
            None
        }
        r => Some(r.to_string()),
    };
    let incidents = match crate::bulk::check::header_key(get("incidents")).as_str() {
        "" if replacement.is_some() => Incidents::Reassign,
        "" | "leave" => Incidents::Leave,
        "reassign" => {
            if replacement.is_none() && !problems.iter().any(|p| p.column == "replacement") {
                problems.push(Problem::new(
                    "incidents",
                    "reassign needs a replacement; write one, or write resolve or leave",
                ));
            }
            Incidents::Reassign
        }
        "resolve" => Incidents::Resolve,
        other => {
            problems.push(Problem::new(
                "incidents",
                format!("\"{other}\" is not a choice; write reassign, resolve or leave"),
            ));
            Incidents::Leave
        }
    };
    let then = match crate::bulk::check::header_key(get("then")).as_str() {
        "" | "delete" => Then::Delete,
        "stakeholder" | "full_stakeholder" | "read_only_user" => {
            Then::Stakeholder("read_only_user")
        }
        "limited_stakeholder" | "read_only_limited_user" => {
            Then::Stakeholder("read_only_limited_user")
        }
        "keep" => Then::Keep,
        other => {
            problems.push(Problem::new(
                "then",
                format!("\"{other}\" is not a choice; write delete, stakeholder, limited_stakeholder or keep"),
            ));
            Then::Keep
        }
    };
    if matches!(who, Who::Placeholder(_)) {
        if replacement.is_none() {
            problems.push(Problem::new(
                "replacement",
                "is empty; a deleted user's placeholder is replaced by someone: write their e-mail",
            ));
        }
        if !get("then").is_empty() || !get("incidents").is_empty() {
            problems.push(Problem::new(
                "then",
                "a deleted user's placeholder has no incidents or account left; leave incidents and then empty",
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Leaver {
        who,
        replacement,
        incidents,
        then,
    })
}

/// The most people "Offboard…" names at once (the Users list's search).
pub const MAX_NAMED: usize = 100;

/// The file "Offboard…" (a user's page, the Users list, an audit finding, a link) opens with:
/// people by e-mail or placeholders by id, each with an empty `replacement` for the person to
/// fill in. `None` when any is neither (a value is never trusted to hold a line break or a
/// column), or there are none or too many.
pub fn people_file(people: &[String]) -> Option<String> {
    if people.is_empty() || people.len() > MAX_NAMED {
        return None;
    }
    let mut out = crate::csvfile::Writer::new();
    out.row(["email", "replacement"]);
    for who in people {
        if !looks_like_id(who) && !email_ok(who) {
            return None;
        }
        out.row([who.as_str(), ""]);
    }
    Some(out.finish())
}

/// Who the plan must read about: each row's e-mail or placeholder id, and its replacement.
pub fn people(checked: &Checked<Leaver>) -> Vec<String> {
    let mut out: Vec<String> = checked
        .rows
        .iter()
        .filter_map(|l| l.spec.as_ref().ok())
        .map(|s| match &s.who {
            Who::Email(e) | Who::Placeholder(e) => e.clone(),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}
