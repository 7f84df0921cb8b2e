//! The services kind's rows out: the template's, and every service in pdscope's own format
//! ("Export for import").

use super::{ServiceSpec, Timeout};
use crate::bulk::account::Account;

/// The template's example rows, under [`COLUMNS`].
pub const TEMPLATE_ROWS: &[&[&str]] = &[
    &[
        "Checkout API",
        "Takes payments at checkout",
        "Payments On-Call",
        "high",
        "30",
        "240",
        "events_api_v2",
    ],
    &[
        "Nightly Reports",
        "Batch reports",
        "Platform On-Call",
        "low",
        "",
        "",
        "none",
    ],
];

/// The message for a row the template wrote, not the person.
pub const TEMPLATE_ROW: &str =
    "this is the template's example row; replace it with a real service or delete it";

/// Whether a service of this name, description and escalation policy is one of the
/// template's examples, as written (a real "Checkout API" has its own words and policy).
pub fn is_template_row(name: &str, description: &str, policy: &str) -> bool {
    TEMPLATE_ROWS.iter().any(|t| {
        t[0].eq_ignore_ascii_case(name)
            && t[1].eq_ignore_ascii_case(description)
            && t[2].eq_ignore_ascii_case(policy)
    })
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
        s.integration.cell().to_string(),
    ]
}

/// Every service in `account` as rows of pdscope's format, under [`COLUMNS`].
pub fn export(account: &Account) -> Vec<Vec<String>> {
    let policy = |id: &str| {
        account
            .policies
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
    };
    account
        .services
        .iter()
        .map(|s| export_row(&s.spec(&policy)))
        .collect()
}
