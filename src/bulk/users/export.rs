//! The users kind's rows out: the template's, and every user in pdscope's own format ("Export
//! for import"), so export → edit in a spreadsheet → import is a bulk edit.

use super::{Channel, Contact, UserSpec};
use crate::bulk::account::Account;

/// The template's example rows, under [`COLUMNS`]. The check refuses a row with one of
/// their e-mail addresses ([`is_template_row`]): nobody imports Ada by accident.
pub const TEMPLATE_ROWS: &[&[&str]] = &[
    &[
        "Ada Lovelace",
        "ada.lovelace@example.com",
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
        "grace.hopper@example.com",
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

/// The message for a row the template wrote, not the person.
pub const TEMPLATE_ROW: &str =
    "this is the template's example row; replace it with a real person or delete it";

/// Whether `email` is one of the template's example addresses.
pub fn is_template_row(email: &str) -> bool {
    TEMPLATE_ROWS
        .iter()
        .any(|t| t[1].eq_ignore_ascii_case(email))
}

/// One user as a row of pdscope's format (for "Export for import"): the same columns as
/// [`COLUMNS`], so an exported file imports as is.
pub fn export_row(u: &UserSpec) -> Vec<String> {
    // Numbers never start with `+` (a spreadsheet would take `+44…` for a formula, and the
    // file's guard `'` puzzles people): one calling code goes in `country_code`, the numbers
    // national; numbers of several countries are written `0044 …`, as Europe dials abroad.
    let codes: std::collections::BTreeSet<u16> =
        u.contacts.iter().filter_map(|c| c.country_code).collect();
    let one_code = (codes.len() == 1).then(|| codes.first().copied()).flatten();
    let number = |c: &Contact| match (c.country_code, one_code) {
        (Some(_), Some(_)) | (None, _) => c.address.clone(),
        (Some(cc), None) => format!("00{cc} {}", c.address),
    };
    let numbers = |ch: Channel| -> Vec<String> {
        u.contacts
            .iter()
            .filter(|c| c.channel == ch)
            .map(number)
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
        // Roles as the web app names them (Responder, Global Admin); the check reads both.
        u.role
            .as_deref()
            .map_or(String::new(), |r| crate::models::role_label(r).to_string()),
        u.job_title.clone().unwrap_or_default(),
        u.time_zone.clone().unwrap_or_default(),
        one_code.map_or(String::new(), |cc| cc.to_string()),
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
