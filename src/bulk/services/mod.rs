//! The services file: pdscope's header format and the headers of PagerDuty's
//! `create_services` script, read into [`ServiceSpec`]s.

pub mod account;
pub mod export;
mod integration;
pub mod keys;
pub mod plan;
mod steps;
pub mod work;

use crate::bulk::check::{cell, check_text, columns, Checked, FileError, Problem};
use crate::csvfile::Row;

/// What a services job may need of a Scoped app: its reads and writes (a plan asks only for
/// the writes it makes).
pub const SCOPES: &[&str] = &[
    "services.read",
    "services.write",
    "escalation_policies.read",
    "abilities.read",
];

/// The columns, in words, for the Import page.
pub const HELP: &str = "Columns: name and escalation_policy (required: its exact name or id), description, urgency (high, low, severity_based), ack_timeout_min, auto_resolve_min (minutes; empty or off: no timeout on a new service, unchanged on an existing one), integration (events_api_v2 or none; empty: a new service gets an Events API v2 integration, an existing one gets it only when the cell says events_api_v2, and none never removes one). Its routing key is a credential: it is shown masked and goes only into Download routing keys, never into the report. PagerDuty's create_services files work as they are.";

/// pdscope's columns, in the order the template and "Export for import" write them.
pub const COLUMNS: &[&str] = &[
    "name",
    "description",
    "escalation_policy",
    "urgency",
    "ack_timeout_min",
    "auto_resolve_min",
    "integration",
];
/// PagerDuty's `create_services` headers and other spellings.
const ALIASES: &[(&str, &str)] = &[
    ("notification_urgency", "urgency"),
    ("acknowledgement_timeout", "ack_timeout_min"),
    ("ack_timeout", "ack_timeout_min"),
    ("auto_resolution", "auto_resolve_min"),
    ("auto_resolve_timeout", "auto_resolve_min"),
    ("escalation_policy_id", "escalation_policy"),
    ("policy", "escalation_policy"),
    ("service_name", "name"),
];
/// The longest timeout accepted, in minutes (a week).
const MAX_TIMEOUT_MIN: u32 = 7 * 24 * 60;

/// A timeout cell: empty leaves it (on create: off), `none`/`off` turns it off, minutes set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timeout {
    Unset,
    Off,
    Minutes(u32),
}

impl Timeout {
    /// The value PagerDuty stores, in seconds (`None`: off).
    pub fn seconds(self) -> Option<u32> {
        match self {
            Timeout::Minutes(m) => Some(m * 60),
            Timeout::Unset | Timeout::Off => None,
        }
    }
}

/// The integration cell: empty takes the default (a new service gets one), or says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integration {
    Unset,
    EventsV2,
    None,
}

impl Integration {
    /// Whether a service needs an Events API v2 integration (`new`: the row creates it).
    pub fn wanted(self, new: bool) -> bool {
        match self {
            Integration::EventsV2 => true,
            Integration::Unset => new,
            Integration::None => false,
        }
    }
    /// The cell as pdscope writes it.
    pub fn cell(self) -> &'static str {
        match self {
            Integration::Unset => "",
            Integration::EventsV2 => "events_api_v2",
            Integration::None => "none",
        }
    }
}

/// One service as the file describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceSpec {
    pub name: String,
    pub description: Option<String>,
    /// The escalation policy's exact name or its id.
    pub policy: String,
    /// `high`, `low` or `severity_based` (`None`: PagerDuty's default on create, unchanged on update).
    pub urgency: Option<String>,
    pub ack_timeout: Timeout,
    pub auto_resolve: Timeout,
    pub integration: Integration,
}

/// Checks a file of services.
pub fn check(rows: &[Row]) -> Result<Checked<ServiceSpec>, FileError> {
    let first = rows.first().ok_or(FileError::NoData)?;
    let (cols, ignored) = columns(&first.fields, COLUMNS, ALIASES)?;
    for column in ["name", "escalation_policy"] {
        if !cols.iter().any(|(k, _)| *k == column) {
            return Err(FileError::MissingColumn {
                column,
                example: "name,description,escalation_policy,urgency",
            });
        }
    }
    let format = if first
        .fields
        .iter()
        .any(|c| crate::bulk::check::header_key(c) == "notification_urgency")
    {
        "PagerDuty create_services"
    } else {
        "pdscope services"
    };
    let data = &rows[1..];
    if data.is_empty() {
        return Err(FileError::NoData);
    }
    let lines = crate::bulk::check::lines(
        data,
        &cols,
        "name",
        |_, line| {
            format!("a service with this name is also on line {line}; PagerDuty names are unique")
        },
        |row| service(row, &cols),
    );
    Ok(Checked {
        format,
        header: Some(first.fields.clone()),
        ignored,
        columns: cols,
        rows: lines,
    })
}

fn timeout(column: &str, value: &str, problems: &mut Vec<Problem>) -> Timeout {
    match value.to_lowercase().as_str() {
        "" => Timeout::Unset,
        "none" | "off" | "never" => Timeout::Off,
        v => match crate::bulk::check::minutes(column, v, MAX_TIMEOUT_MIN, problems) {
            Some(0) => Timeout::Off,
            Some(m) => Timeout::Minutes(m),
            None => Timeout::Unset,
        },
    }
}

fn service(row: &Row, cols: &[(&'static str, usize)]) -> Result<ServiceSpec, Vec<Problem>> {
    let get = |name: &str| cell(row, cols, name);
    let mut problems = Vec::new();
    let name = get("name");
    if name.is_empty() {
        problems.push(Problem::new("name", "is empty; write the service's name"));
    }
    check_text("name", name, 255, false, &mut problems);
    let description = get("description");
    check_text("description", description, 1024, true, &mut problems);
    let policy = get("escalation_policy");
    if policy.is_empty() {
        problems.push(Problem::new(
            "escalation_policy",
            "is empty; write the exact name (or the id) of an escalation policy in this account",
        ));
    }
    if export::is_template_row(name, description, policy) {
        problems.push(Problem::new("", export::TEMPLATE_ROW));
    }
    let urgency = match crate::bulk::check::header_key(get("urgency")).as_str() {
        "" => None,
        u @ ("high" | "low" | "severity_based") => Some(u.to_string()),
        _ => {
            problems.push(Problem::new(
                "urgency",
                format!(
                    "\"{}\" is not an urgency; write high, low or severity_based",
                    get("urgency")
                ),
            ));
            None
        }
    };
    let ack_timeout = timeout("ack_timeout_min", get("ack_timeout_min"), &mut problems);
    let auto_resolve = timeout("auto_resolve_min", get("auto_resolve_min"), &mut problems);
    let integration = match crate::bulk::check::header_key(get("integration")).as_str() {
        "" => Integration::Unset,
        "events_api_v2" | "events_v2" | "events_api_v2_inbound_integration" => {
            Integration::EventsV2
        }
        "none" | "no" | "off" => Integration::None,
        _ => {
            problems.push(Problem::new(
                "integration",
                format!(
                    "\"{}\" is not an integration pdscope makes; write events_api_v2 or none (or leave it empty)",
                    get("integration")
                ),
            ));
            Integration::Unset
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(ServiceSpec {
        name: name.to_string(),
        description: (!description.is_empty()).then(|| description.to_string()),
        policy: policy.to_string(),
        urgency,
        ack_timeout,
        auto_resolve,
        integration,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::csvfile;

    fn checked(text: &str) -> Result<Checked<ServiceSpec>, FileError> {
        check(&csvfile::read(text.as_bytes()).unwrap())
    }

    /// The template with its example rows made real (as a person would edit it).
    pub(crate) fn edited_template() -> String {
        crate::bulk::template(crate::bulk::Kind::Services)
            .replace("Checkout API", "Checkout")
            .replace("Nightly Reports", "Reports")
    }

    #[test]
    fn the_templates_own_rows_are_not_imported_by_accident() {
        let c = checked(&crate::bulk::template(crate::bulk::Kind::Services)).unwrap();
        assert_eq!(c.valid(), 0);
        assert_eq!(
            c.rows[0].spec.clone().unwrap_err(),
            vec![Problem::new("", export::TEMPLATE_ROW)]
        );
        // A real service of the same name, with its own policy, is fine.
        assert_eq!(
            checked("name,description,escalation_policy\nCheckout API,Takes payments at checkout,Shop On-Call\n")
                .unwrap()
                .valid(),
            1
        );
    }

    #[test]
    fn the_template_reads() {
        let c = checked(&edited_template()).unwrap();
        assert_eq!(c.format, "pdscope services");
        assert_eq!(c.valid(), 2);
        let s = c.rows[0].spec.as_ref().unwrap();
        assert_eq!(s.policy, "Payments On-Call");
        assert_eq!(s.ack_timeout, Timeout::Minutes(30));
        assert_eq!(s.auto_resolve.seconds(), Some(14400));
        assert_eq!(c.rows[1].spec.as_ref().unwrap().ack_timeout, Timeout::Unset);
    }

    #[test]
    fn pagerdutys_create_services_headers_are_aliases() {
        let c = checked("name,description,escalation policy,notification urgency,acknowledgement timeout,auto resolution,incident behavior\nWeb,,Ops,low,15,off,create_incidents\n").unwrap();
        assert_eq!(c.format, "PagerDuty create_services");
        assert_eq!(c.ignored, vec!["incident behavior"]);
        let s = c.rows[0].spec.as_ref().unwrap();
        assert_eq!(
            (s.urgency.as_deref(), s.ack_timeout, s.auto_resolve),
            (Some("low"), Timeout::Minutes(15), Timeout::Off)
        );
    }

    #[test]
    fn bad_rows_say_what_to_write() {
        let c = checked("name,escalation_policy,urgency,ack_timeout_min\n,,urgent,-5\nWeb,Ops,,\nweb,Ops,,99999\n").unwrap();
        let all: Vec<String> = c
            .rows
            .iter()
            .flat_map(|r| r.spec.clone().err().unwrap_or_default())
            .map(|p| format!("{}: {}", p.column, p.message))
            .collect();
        for needle in [
            "name: is empty",
            "escalation_policy: is empty",
            "urgency: \"urgent\" is not an urgency",
            "ack_timeout_min: \"-5\" is not a whole number",
            "name: a service with this name is also on line 3",
            "ack_timeout_min: \"99999\"",
        ] {
            assert!(
                all.iter().any(|m| m.starts_with(needle)),
                "{needle} in {all:#?}"
            );
        }
        assert_eq!(c.valid(), 1);
        assert!(checked("name,description\nWeb,x\n")
            .unwrap_err()
            .to_string()
            .contains("escalation_policy"));
    }

    #[test]
    fn an_exported_row_reads_back() {
        let c = checked(&edited_template()).unwrap();
        for row in c.rows {
            let spec = row.spec.unwrap();
            let text = COLUMNS.join(",") + "\n" + &export::export_row(&spec).join(",");
            assert_eq!(checked(&text).unwrap().rows[0].spec.as_ref(), Ok(&spec));
        }
    }
}
