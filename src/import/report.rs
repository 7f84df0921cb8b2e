//! The per-row report, the "failed rows" file, and the run's journal (kept in the tab's
//! sessionStorage so a reload still shows what was done).

use super::plan::{Action, Plan};
use super::run::{Outcome, RowError, RowResult};
use super::Line;
use crate::json;
use crate::table::csv_cell;
use serde_json::{json, Value};

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    pub line: u64,
    pub key: String,
    /// "created", "updated", "added", "unchanged", "failed", "not imported", "stopped",
    /// "not run".
    pub status: &'static str,
    pub did: String,
    pub ids: String,
    pub pagerduty: String,
    pub plain: String,
}

impl ReportRow {
    /// Whether the row belongs in "Download failed rows".
    pub fn failed(&self) -> bool {
        matches!(
            self.status,
            "failed" | "not imported" | "stopped" | "not run"
        )
    }
}

/// The report's columns.
pub const COLUMNS: &[&str] = &[
    "line",
    "row",
    "status",
    "what was done",
    "PagerDuty ids",
    "PagerDuty said",
    "what to do",
];

impl ReportRow {
    /// The row's cells, in the order of [`COLUMNS`].
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.line.to_string(),
            self.key.clone(),
            self.status.to_string(),
            self.did.clone(),
            self.ids.clone(),
            self.pagerduty.clone(),
            self.plain.clone(),
        ]
    }
}

/// A finished row's report line on its own (a journal read back has no plan): its status is
/// how it ended.
pub fn from_result(res: &RowResult) -> ReportRow {
    let (pagerduty, plain) = match &res.error {
        Some(e) => (
            e.pagerduty.clone(),
            format!("{} failed: {}", e.step, e.plain),
        ),
        None => (String::new(), String::new()),
    };
    ReportRow {
        line: res.line,
        key: res.key.clone(),
        status: res.outcome.word(),
        did: res.did.join("; "),
        ids: res.ids.join(" "),
        pagerduty,
        plain,
    }
}

/// One report line per plan row: what its run did, or why it was not run. `results` may be
/// partial (a run in progress, or cancelled); rows without a result are "not run".
pub fn rows(plan: &Plan, results: &[RowResult]) -> Vec<ReportRow> {
    // By line: a 10,000-row report looks each row up once, not through every result.
    let by_line: std::collections::HashMap<u64, &RowResult> =
        results.iter().map(|r| (r.line, r)).collect();
    plan.rows
        .iter()
        .map(|p| {
            let blank = |status, plain: String| ReportRow {
                line: p.line,
                key: p.key.clone(),
                status,
                did: String::new(),
                ids: String::new(),
                pagerduty: String::new(),
                plain,
            };
            if p.action == Action::Error {
                return blank("not imported", super::Problem::joined(&p.problems));
            }
            if p.writes() == 0 {
                return blank("unchanged", String::new());
            }
            let Some(res) = by_line.get(&p.line) else {
                return blank(
                    "not run",
                    "Not run yet; run the plan again to import it.".into(),
                );
            };
            let mut r = from_result(res);
            r.key = p.key.clone();
            r.status = match (res.outcome, p.action) {
                (Outcome::Failed, _) => "failed",
                (Outcome::Stopped, _) => "stopped",
                (Outcome::Done, Action::Create) if res.found => "found",
                (Outcome::Done, Action::Create) => "created",
                (Outcome::Done, Action::Update) => "updated",
                (Outcome::Done, _) => "added",
            };
            if res.error.is_none() && res.outcome == Outcome::Stopped {
                r.plain = "The run was cancelled; run the plan again to finish this row.".into();
            }
            r
        })
        .collect()
}

fn line(cells: impl Iterator<Item = String>) -> String {
    cells.map(|c| csv_cell(&c)).collect::<Vec<_>>().join(",") + "\r\n"
}

/// The report as CSV (with a byte order mark, as the lists' exports).
pub fn csv(rows: &[ReportRow]) -> String {
    let mut out = String::from("\u{feff}");
    out += &line(COLUMNS.iter().map(|c| c.to_string()));
    for r in rows {
        out += &line(r.cells().into_iter());
    }
    out
}

/// The rows that did not make it, as the file had them (header first when it had one), so
/// the file can be fixed and imported again as is.
pub fn failed_rows<T>(
    header: Option<&[String]>,
    lines: &[Line<T>],
    report: &[ReportRow],
) -> String {
    let mut out = String::from("\u{feff}");
    if let Some(h) = header {
        out += &line(h.iter().cloned());
    }
    for l in lines {
        if report.iter().any(|r| r.line == l.line && r.failed()) {
            out += &line(l.raw.iter().cloned());
        }
    }
    out
}

/// A file name for a report or a failed-rows file: `pdscope-import-users-report-2026-11-29.csv`.
pub fn file_name(kind: super::Kind, what: &str, date: &str) -> String {
    format!("pdscope-import-{}-{what}-{date}.csv", kind.noun())
}

/// The run's journal as JSON: which file, and each finished row.
pub fn journal(kind: super::Kind, file: &str, results: &[RowResult]) -> String {
    let rows: Vec<Value> = results
        .iter()
        .map(|r| {
            json!({
                "line": r.line, "key": r.key, "outcome": r.outcome.word(), "did": r.did, "ids": r.ids, "found": r.found,
                "error": r.error.as_ref().map(|e| json!({"step": e.step, "pagerduty": e.pagerduty, "plain": e.plain})),
            })
        })
        .collect();
    json!({"kind": kind.noun(), "file": file, "rows": rows}).to_string()
}

/// A journal read back: kind, file name and rows. `None` when the text is not one.
pub fn read_journal(text: &str) -> Option<(super::Kind, String, Vec<RowResult>)> {
    let v = json::parse(text)?;
    let kind = match json::string(&v, "kind")?.as_str() {
        "users" => super::Kind::Users,
        "services" => super::Kind::Services,
        _ => return None,
    };
    let rows = v
        .get("rows")?
        .as_array()?
        .iter()
        .filter_map(|r| {
            Some(RowResult {
                line: r.get("line")?.as_u64()?,
                key: json::string(r, "key").unwrap_or_default(),
                outcome: match json::string(r, "outcome")?.as_str() {
                    "done" => Outcome::Done,
                    "failed" => Outcome::Failed,
                    _ => Outcome::Stopped,
                },
                did: json::strings(r, "did").unwrap_or_default(),
                ids: json::strings(r, "ids").unwrap_or_default(),
                found: r.get("found").and_then(Value::as_bool).unwrap_or(false),
                error: r.get("error").filter(|e| e.is_object()).map(|e| RowError {
                    step: json::string(e, "step").unwrap_or_default(),
                    pagerduty: json::string(e, "pagerduty").unwrap_or_default(),
                    plain: json::string(e, "plain").unwrap_or_default(),
                }),
            })
        })
        .collect();
    Some((kind, json::string(&v, "file").unwrap_or_default(), rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::account::Account;
    use crate::import::{plan, users};

    #[test]
    fn every_row_has_a_line_and_failed_rows_import_again() {
        let text = "name,email,phone_number,country_code\nAda,ada@example.com,+44 7700 900123,\nBo,bad,,\nCy,cy@example.com,,\nDi,di@example.com,,\n";
        let rows = crate::csvfile::read(text.as_bytes()).unwrap();
        let checked = users::check(&rows, &|z| Some(z.to_string())).unwrap();
        let plan = plan::users(&checked, &Account::default(), plan::Options::default());
        let results = vec![
            RowResult {
                line: 2,
                key: "ada@example.com".into(),
                outcome: Outcome::Done,
                did: vec!["created user U1".into()],
                ids: vec!["U1".into()],
                found: false,
                error: None,
            },
            RowResult {
                line: 4,
                key: "cy@example.com".into(),
                outcome: Outcome::Failed,
                did: vec![],
                ids: vec![],
                found: false,
                error: Some(RowError {
                    step: "creating the user".into(),
                    pagerduty: "Invalid Input Provided: Email is invalid".into(),
                    plain: "fix it".into(),
                }),
            },
        ];
        let report = super::rows(&plan, &results);
        let statuses: Vec<&str> = report.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            vec!["created", "not imported", "failed", "not run"]
        );
        assert!(report[1]
            .plain
            .starts_with("email: \"bad\" is not an e-mail address"));
        let csv = super::csv(&report);
        assert!(csv.contains("4,cy@example.com,failed,,,Invalid Input Provided: Email is invalid,creating the user failed: fix it\r\n"), "{csv}");
        // The failed rows, with the header, read back as the same rows.
        let again = failed_rows(checked.header.as_deref(), &checked.rows, &report);
        let back = users::check(&crate::csvfile::read(again.as_bytes()).unwrap(), &|z| {
            Some(z.to_string())
        })
        .unwrap();
        assert_eq!(
            back.rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
            vec!["bad", "cy@example.com", "di@example.com"]
        );
        // The journal keeps everything the report needs.
        let j = journal(crate::import::Kind::Users, "team.csv", &results);
        assert_eq!(
            read_journal(&j),
            Some((crate::import::Kind::Users, "team.csv".into(), results))
        );
        assert_eq!(read_journal("{\"kind\":\"x\"}"), None);
        assert_eq!(read_journal("not json"), None);
    }
}
