//! The services kind's files out: the template, and every service in pdscope's own format
//! ("Export for import").

use super::{ServiceSpec, Timeout, COLUMNS};
use crate::bulk::account::Account;
use crate::csvfile::Writer;

/// The template's example rows, under [`COLUMNS`].
const TEMPLATE_ROWS: &[&[&str]] = &[
    &[
        "Checkout API",
        "Takes payments at checkout",
        "Payments On-Call",
        "high",
        "30",
        "240",
    ],
    &[
        "Nightly Reports",
        "Batch reports",
        "Platform On-Call",
        "low",
        "",
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

/// One service as a row of pdscope's format (for "Export for import").
pub fn export_row(s: &ServiceSpec) -> Vec<String> {
    let t = |t: Timeout| match t {
        Timeout::Minutes(m) => m.to_string(),
        Timeout::Off => "off".into(),
        Timeout::Unset => String::new(),
    };
    vec![
        s.name.clone(),
        s.description.clone().unwrap_or_default(),
        s.policy.clone(),
        s.urgency.clone().unwrap_or_default(),
        t(s.ack_timeout),
        t(s.auto_resolve),
    ]
}

/// Every service in `account` as a file in pdscope's format; returns it and how many rows.
pub fn export(account: &Account) -> (String, usize) {
    let mut out = Writer::new();
    out.row(COLUMNS);
    let policy = |id: &str| {
        account
            .policies
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
    };
    for s in &account.services {
        out.row(export_row(&s.spec(&policy)));
    }
    (out.finish(), account.services.len())
}
