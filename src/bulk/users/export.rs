//! The users kind's rows out: the template's, and every user in pdscope's own format ("Export
//! for import"), so export → edit in a spreadsheet → import is a bulk edit.

use super::{Channel, Contact, UserSpec};
use crate::bulk::account::Account;

/// The template's example rows, under [`COLUMNS`].
pub const TEMPLATE_ROWS: &[&[&str]] = &[
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

/// Every user in `account` as rows of pdscope's format, under [`COLUMNS`].
pub fn export(account: &Account) -> Vec<Vec<String>> {
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
    account
        .users
        .iter()
        .map(|u| export_row(&u.spec(&team)))
        .collect()
}
