//! The users kind's files out: the template, and every user in pdscope's own format ("Export
//! for import"), so export → edit in a spreadsheet → import is a bulk edit.

use super::{Channel, Contact, UserSpec, COLUMNS};
use crate::bulk::account::Account;
use crate::csvfile::Writer;

/// The template's example rows, under [`COLUMNS`].
const TEMPLATE_ROWS: &[&[&str]] = &[
    &[
        "Ada Lovelace",
        "ada@example.com",
        "Manager",
        "SRE",
        "Europe/London",
        "44",
        "7700 900123",
        "",
        "",
        "Payments;Platform",
        "manager;responder",
        "",
        "First responder for payments",
    ],
    &[
        "Grace Hopper",
        "grace@example.com",
        "Responder",
        "Engineer",
        "America/New_York",
        "1",
        "212 555 0142",
        "none",
        "grace.h@example.net",
        "Platform",
        "",
        "phone:0;email:5",
        "",
    ],
];

/// The template: pdscope's columns and two example rows.
pub fn template() -> String {
    let mut out = Writer::new();
    out.row(COLUMNS);
    for row in TEMPLATE_ROWS {
        out.row(*row);
    }
    out.finish()
}

/// One user as a row of pdscope's format (for "Export for import"): the same columns as
/// [`COLUMNS`], so an exported file imports as is.
pub fn export_row(u: &UserSpec) -> Vec<String> {
    let numbers = |ch: Channel| -> Vec<String> {
        u.contacts
            .iter()
            .filter(|c| c.channel == ch)
            .map(Contact::display)
            .collect()
    };
    let phones = numbers(Channel::Phone);
    let sms = numbers(Channel::Sms);
    let sms_cell = if sms.is_empty() {
        if phones.is_empty() {
            String::new()
        } else {
            "none".into()
        }
    } else if sms == phones {
        String::new()
    } else {
        sms.join(";")
    };
    let extra: Vec<String> = u
        .contacts
        .iter()
        .filter(|c| c.channel == Channel::Email && !c.address.eq_ignore_ascii_case(&u.email))
        .map(|c| c.address.clone())
        .collect();
    let notify = if u.rules.is_empty() {
        "none".to_string()
    } else {
        u.rules
            .iter()
            .map(|r| format!("{}:{}", r.channel.word(), r.delay))
            .collect::<Vec<_>>()
            .join(";")
    };
    vec![
        u.name.clone(),
        u.email.clone(),
        u.role.clone().unwrap_or_default(),
        u.job_title.clone().unwrap_or_default(),
        u.time_zone.clone().unwrap_or_default(),
        String::new(),
        phones.join(";"),
        sms_cell,
        extra.join(";"),
        u.teams
            .iter()
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join(";"),
        // Roles only as written: a default role, written out, would change memberships.
        if u.team_roles_given {
            u.teams
                .iter()
                .map(|(_, r)| r.as_str())
                .collect::<Vec<_>>()
                .join(";")
        } else {
            String::new()
        },
        notify,
        u.description.clone().unwrap_or_default(),
    ]
}

/// Every user in `account` as a file in pdscope's format; returns it and how many rows.
pub fn export(account: &Account) -> (String, usize) {
    let mut out = Writer::new();
    out.row(COLUMNS);
    // A name holding the list separator `;` is written as the team's id (which the importer
    // takes too), so it cannot split into two teams.
    let team = |id: &str| {
        account.teams.iter().find(|t| t.id == id).map(|t| {
            if t.name.contains(';') {
                t.id.clone()
            } else {
                t.name.clone()
            }
        })
    };
    for u in &account.users {
        out.row(export_row(&u.spec(&team)));
    }
    (out.finish(), account.users.len())
}
