//! The run's journal: which file ran and every row finished so far, kept in the tab's
//! sessionStorage so a reload still shows what was done. Its format, its key and its writing
//! live here. The key starts with `pdscope.` like every key the app keeps, so sign-out (and
//! a refused refresh) remove it with the rest of the session.

use super::kind::Kind;
use super::run::{Outcome, RowError, RowResult};
use crate::json;
use serde_json::{json, Value};

/// The journal's sessionStorage key (after the app's `pdscope.` prefix).
pub const KEY: &str = "bulk.journal";

/// A journal read back: kind, file name and the rows finished.
pub type Journal = (Kind, String, Vec<RowResult>);

/// The run's journal as JSON: which file, and each finished row.
pub fn write(kind: Kind, file: &str, results: &[RowResult]) -> String {
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
pub fn read(text: &str) -> Option<Journal> {
    let v = json::parse(text)?;
    let kind = Kind::from_noun(&json::string(&v, "kind")?)?;
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

/// Keeps the run of `file` (of `kind`) as the journal: every row finished so far.
#[cfg(target_arch = "wasm32")]
pub fn save(kind: Kind, file: &str, results: &[RowResult]) -> Result<(), String> {
    crate::browser::session_set(KEY, &write(kind, file, results)).map_err(|e| e.to_string())
}

/// The journal kept in this tab, when there is one and it reads.
#[cfg(target_arch = "wasm32")]
pub fn load() -> Option<Journal> {
    read(&crate::browser::session_get(KEY).ok().flatten()?)
}

/// Forgets the journal.
#[cfg(target_arch = "wasm32")]
pub fn clear() {
    crate::browser::session_remove(KEY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_reads_back_and_an_unknown_kind_is_none() {
        let results = vec![RowResult {
            line: 4,
            key: "cy@example.com".into(),
            outcome: Outcome::Failed,
            did: vec!["created user U1".into()],
            ids: vec!["U1".into()],
            found: true,
            error: Some(RowError {
                step: "creating the user".into(),
                pagerduty: "Invalid Input Provided".into(),
                plain: "fix it".into(),
            }),
        }];
        for kind in Kind::ALL {
            let j = write(kind, "team.csv", &results);
            assert_eq!(read(&j), Some((kind, "team.csv".into(), results.clone())));
        }
        // An unknown kind is no journal, never a users journal.
        let j = write(Kind::Services, "x.csv", &results).replace("\"services\"", "\"offboarding\"");
        assert_eq!(read(&j), None);
        assert_eq!(read("{\"kind\":\"x\"}"), None);
        assert_eq!(read("not json"), None);
    }
}
