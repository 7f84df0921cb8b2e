//! The per-row report and the "failed rows" file, for every kind.

use super::check::{CheckedFile, Problem};
use super::plan::{Action, Plan, AS_WRITTEN};
use super::run::{Outcome, RowResult};
use crate::csvfile::Writer;

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    pub line: u64,
    pub key: String,
    /// "created", "updated", "added", "unchanged", "failed", "not imported", "stopped",
    /// "not run".
    pub status: &'static str,
    /// What was done, in words.
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
        ids: res.ids.join("; "),
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
                return blank("not imported", Problem::joined(&p.problems));
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
                (Outcome::Done, Action::Offboard) => "offboarded",
                (Outcome::Done, _) => "added",
            };
            // Cells kept as written that a spreadsheet would take for a formula: say which.
            if res.outcome == Outcome::Done {
                if let Some(note) = p.changes.iter().find(|c| c.starts_with(AS_WRITTEN)) {
                    r.did = [r.did.as_str(), note.as_str()]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join("; ");
                }
            }
            if res.error.is_none() && res.outcome == Outcome::Stopped {
                r.plain = "The run was cancelled; run the plan again to finish this row.".into();
            }
            r
        })
        .collect()
}

/// The objects a run changed, as they were before its writes ("Download backup"): JSON an
/// admin can restore a policy or schedule from by hand; `None` when nothing was kept.
pub fn backup(results: &[RowResult]) -> Option<String> {
    let objects: Vec<serde_json::Value> = results
        .iter()
        .flat_map(|r| {
            r.before.iter().filter_map(move |b| {
                let mut v: serde_json::Value = serde_json::from_str(b).ok()?;
                v.as_object_mut()?
                    .insert("row".into(), serde_json::json!(r.key));
                Some(v)
            })
        })
        .collect();
    (!objects.is_empty()).then(|| {
        serde_json::to_string_pretty(&serde_json::json!({
            "about": "Escalation policies and schedules as they were before pdscope changed them. To restore one, PUT its \"before\" back (a schedule's layers in the reverse of the order shown).",
            "objects": objects,
        }))
        .unwrap_or_default()
    })
}

/// An offboarding run's changes, one line per object (person, what was done, the object's
/// PagerDuty link where the plan read one): "Download changes".
pub fn changes(plan: &Plan, results: &[RowResult]) -> String {
    use super::plan::Work;
    let mut out = Writer::new();
    out.row(["line", "person", "change", "PagerDuty link"]);
    let mut results: Vec<&RowResult> = results.iter().collect();
    results.sort_by_key(|r| r.line);
    for r in results {
        let objects: Vec<_> = plan
            .rows
            .iter()
            .filter(|p| p.line == r.line)
            .filter_map(|p| match &p.work {
                Work::Offboard(w) => Some(w.policies.iter().chain(&w.schedules)),
                _ => None,
            })
            .flatten()
            .collect();
        for did in &r.did {
            let link = objects
                .iter()
                .find(|o| did.contains(&format!("({})", o.id)))
                .and_then(|o| o.link.clone())
                .unwrap_or_default();
            out.row([r.line.to_string().as_str(), &r.key, did, &link]);
        }
    }
    out.finish()
}

/// A run's progress in words: every row of the plan is counted, the rows the plan refused
/// ("not imported") too, so "4 done, 0 failed" never hides a row that was not imported.
pub fn progress_words(plan: &Plan, results: &[RowResult]) -> String {
    let to_write = plan.to_write();
    let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
    let g = |n: usize| crate::numfmt::group(n as u64);
    let left = to_write.saturating_sub(results.len());
    let refused = plan.count(Action::Error);
    let mut out = format!(
        "{} done, {} failed, {} left",
        g(count(Outcome::Done)),
        g(count(Outcome::Failed)),
        g(left)
    );
    if refused > 0 {
        out += &format!("; {} not imported (the plan's errors)", g(refused));
    }
    out + "."
}

/// The report as CSV.
pub fn csv(rows: &[ReportRow]) -> String {
    let mut out = Writer::new();
    out.row(COLUMNS);
    for r in rows {
        out.row(r.cells());
    }
    out.finish()
}

/// The rows that did not make it, as the file had them (header first when it had one), so
/// the file can be fixed and imported again as is.
pub fn failed_rows(file: &dyn CheckedFile, report: &[ReportRow]) -> String {
    // By line: 10,000 lines against a 10,000-row report look each line up once.
    let failed: std::collections::BTreeSet<u64> = report
        .iter()
        .filter(|r| r.failed())
        .map(|r| r.line)
        .collect();
    let mut out = Writer::new();
    if let Some(h) = file.header() {
        out.row(h);
    }
    for (_, raw) in file
        .raw_rows()
        .into_iter()
        .filter(|(l, _)| failed.contains(l))
    {
        out.row(raw);
    }
    out.finish()
}

/// A file name for a report or a failed-rows file, from the local time `2026-11-29 14:03:07 …`
/// (as `browser::local_time` gives it): `pdscope-import-users-report-2026-11-29-140307.csv`.
/// Two runs on one day download two files, not `report (1).csv`.
pub fn file_name(kind: super::kind::Kind, what: &str, local_time: &str) -> String {
    format!(
        "pdscope-import-{}-{what}-{}.csv",
        kind.noun(),
        crate::timefmt::file_stamp(local_time)
    )
}

/// Names the row in each report line as the file did: `Ada Lovelace <ada@example.com>` for a
/// user (the key is the e-mail); a service's key is already its name.
pub fn with_names(rows: &mut [ReportRow], file: &dyn CheckedFile) {
    let names: std::collections::HashMap<u64, &str> = file.names().into_iter().collect();
    for r in rows {
        match names.get(&r.line) {
            Some(name) if !name.is_empty() && !name.eq_ignore_ascii_case(&r.key) => {
                r.key = if r.key.is_empty() {
                    name.to_string()
                } else {
                    format!("{name} <{}>", r.key)
                }
            }
            _ => {}
        }
    }
}

/// The teams the plan would create that now exist: a row that joined one succeeded (a team
/// whose creation failed fails every row that joins it).
pub fn teams_created(plan: &Plan, results: &[RowResult]) -> Vec<String> {
    plan.new_teams
        .iter()
        .filter(|t| {
            let joined = format!("joined team {t} as ");
            results
                .iter()
                .any(|r| r.did.iter().any(|d| d.starts_with(&joined)))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_download_has_its_own_name_and_rows_name_the_person() {
        use crate::bulk::kind::Kind;
        assert_eq!(
            file_name(Kind::Users, "report", "2026-11-29 14:03:07 Europe/Berlin"),
            "pdscope-import-users-report-2026-11-29-140307.csv"
        );
        let text = "name,email\nAda Lovelace,ada@example.com\n,bo@example.com\n";
        let rows = crate::csvfile::read(text.as_bytes()).unwrap();
        let checked = users::check(&rows, &|z| Some(z.to_string())).unwrap();
        let plan = plan_users(&checked, &Account::default(), plan::Options::default());
        let mut report = super::rows(&plan, &[]);
        with_names(&mut report, &checked);
        assert_eq!(report[0].key, "Ada Lovelace <ada@example.com>");
        assert_eq!(report[1].key, "bo@example.com");
    }

    #[test]
    fn the_report_lists_the_teams_it_created() {
        let text = "name,email,teams\nAda,ada@example.com,Payments\nBo,bo@example.com,Night\n";
        let rows = crate::csvfile::read(text.as_bytes()).unwrap();
        let checked = users::check(&rows, &|z| Some(z.to_string())).unwrap();
        let plan = plan_users(&checked, &Account::default(), plan::Options::default());
        assert_eq!(plan.new_teams, vec!["Payments", "Night"]);
        let done = |line, did: &str| RowResult {
            line,
            key: String::new(),
            outcome: Outcome::Done,
            did: vec![did.into()],
            ids: vec![],
            found: false,
            before: vec![],
            error: None,
            keys: vec![],
        };
        let results = vec![
            done(2, "joined team Payments as manager"),
            done(3, "created user U2"),
        ];
        assert_eq!(teams_created(&plan, &results), vec!["Payments"]);
    }
    use crate::bulk::account::Account;
    use crate::bulk::run::RowError;
    use crate::bulk::users::plan::users as plan_users;
    use crate::bulk::{plan, users};

    #[test]
    fn every_row_has_a_line_and_failed_rows_import_again() {
        let text = "name,email,phone_number,country_code\nAda,ada@example.com,+44 7700 900123,\nBo,bad,,\nCy,cy@example.com,,\nDi,di@example.com,,\n";
        let rows = crate::csvfile::read(text.as_bytes()).unwrap();
        let checked = users::check(&rows, &|z| Some(z.to_string())).unwrap();
        let plan = plan_users(&checked, &Account::default(), plan::Options::default());
        let results = vec![
            RowResult {
                line: 2,
                key: "ada@example.com".into(),
                outcome: Outcome::Done,
                did: vec!["created user U1".into()],
                ids: vec!["U1".into()],
                found: false,
                before: vec![],
                error: None,
                keys: vec![],
            },
            RowResult {
                line: 4,
                key: "cy@example.com".into(),
                outcome: Outcome::Failed,
                did: vec![],
                ids: vec![],
                found: false,
                before: vec![],
                error: Some(RowError {
                    step: "creating the user".into(),
                    pagerduty: "Invalid Input Provided: Email is invalid".into(),
                    plain: "fix it".into(),
                }),
                keys: vec![],
            },
        ];
        assert_eq!(
            progress_words(&plan, &results),
            "1 done, 1 failed, 1 left; 1 not imported (the plan's errors)."
        );
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
        let again = failed_rows(&checked, &report);
        let back = users::check(&crate::csvfile::read(again.as_bytes()).unwrap(), &|z| {
            Some(z.to_string())
        })
        .unwrap();
        assert_eq!(
            back.rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
            vec!["bad", "cy@example.com", "di@example.com"]
        );
    }
}
