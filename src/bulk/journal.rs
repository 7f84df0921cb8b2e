//! The run's journal: which file ran and every row finished so far, kept in the tab's
//! sessionStorage so a reload still shows what was done. Its format, its key and its writing
//! live here. The key starts with `pdscope.` like every key the app keeps, so sign-out (and
//! a refused refresh) remove it with the rest of the session. A journal belongs to one
//! account and one person ([`owner`]): signing in to another account in the same tab never
//! shows the last one's run or ids.

use super::kind::Kind;
use super::run::{Outcome, RowError, RowResult};
use crate::json;
use crate::oauth::Session;
use serde_json::{json, Value};

/// The journal's sessionStorage key (after the app's `pdscope.` prefix).
pub const KEY: &str = "bulk.journal";
/// The most a journal takes of the tab's storage (browsers give a tab about 5 MB).
pub const MAX_BYTES: usize = 1_500_000;

/// A journal read back: the run's kind and file, how many rows it was to write, and the rows
/// finished.
#[derive(Clone, Debug, PartialEq)]
pub struct Journal {
    pub kind: Kind,
    pub file: String,
    /// Rows the run was to write (rows past the finished ones were never started).
    pub planned: usize,
    pub rows: Vec<RowResult>,
    /// What finished rows did was left out to stay under [`MAX_BYTES`].
    pub trimmed: bool,
}

impl Journal {
    /// What became of the run, in words, and what to do next when anything is left.
    pub fn summary(&self) -> String {
        let count = |o: Outcome| self.rows.iter().filter(|r| r.outcome == o).count();
        let (done, failed) = (count(Outcome::Done), count(Outcome::Failed));
        let not_run = count(Outcome::Stopped) + self.planned.saturating_sub(self.rows.len());
        let g = |n: usize| crate::numfmt::group(n as u64);
        let next = if failed + not_run == 0 {
            "Every row it was to write was written."
        } else {
            "To finish the rest, choose the file again and plan: what was done shows as unchanged."
        };
        let trimmed = if self.trimmed {
            " (The journal kept what each finished row did only while it was small; the report downloaded at the end of the run has it all.)"
        } else {
            ""
        };
        format!(
            "{} ({}): {} done, {} failed, {} not run. {next}{trimmed}",
            self.file,
            self.kind.noun(),
            g(done),
            g(failed),
            g(not_run)
        )
    }
}

/// Whose a journal is: the PagerDuty account and person of the session (the id_token's
/// `account_id` and `user_id`), else the API, subdomain and app it was made with.
pub fn owner(session: &Session) -> String {
    let claims = session
        .id_token
        .as_deref()
        .and_then(|t| crate::jwt::decode(t).ok())
        .map(|d| d.claims);
    let claim = |name: &str| {
        claims
            .as_ref()
            .and_then(|c| c.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    match (
        claim("account_id"),
        claim("user_id").or_else(|| claim("sub")),
    ) {
        (Some(account), Some(user)) => format!("{account}/{user}"),
        _ => format!(
            "{}|{}|{}",
            session.api_url.as_deref().unwrap_or_default(),
            session.subdomain.as_deref().unwrap_or_default(),
            session.client_id
        ),
    }
}

/// The run's journal as JSON: whose, which file, and each finished row.
pub fn write(kind: Kind, file: &str, owner: &str, planned: usize, results: &[RowResult]) -> String {
    let text = write_rows(kind, file, owner, planned, results, false);
    if text.len() <= MAX_BYTES {
        return text;
    }
    // Too big for a tab's storage: keep every row's outcome and every failure, but no longer
    // what each finished row did, and say so.
    write_rows(kind, file, owner, planned, results, true)
}

fn write_rows(
    kind: Kind,
    file: &str,
    owner: &str,
    planned: usize,
    results: &[RowResult],
    trimmed: bool,
) -> String {
    let rows: Vec<Value> = results
        .iter()
        .map(|r| {
            let detail = !trimmed || r.outcome != Outcome::Done;
            json!({
                "line": r.line, "key": r.key, "outcome": r.outcome.word(),
                "did": if detail { r.did.clone() } else { vec![] },
                "ids": if detail { r.ids.clone() } else { vec![] },
                // Objects as they were before a write: the backup an admin restores from.
                "before": if detail { r.before.clone() } else { vec![] },
                "found": r.found,
                "error": r.error.as_ref().map(|e| json!({"step": e.step, "pagerduty": e.pagerduty, "plain": e.plain})),
            })
        })
        .collect();
    json!({"kind": kind.noun(), "file": file, "owner": owner, "planned": planned,
        "trimmed": trimmed, "rows": rows})
    .to_string()
}

/// A journal of `owner`'s read back: kind, file name and rows. `None` when the text is not
/// one, or is someone else's.
pub fn read(text: &str, owner: &str) -> Option<Journal> {
    let v = json::parse(text)?;
    if json::string(&v, "owner")? != owner {
        return None;
    }
    let kind = Kind::from_noun(&json::string(&v, "kind")?)?;
    let rows: Vec<RowResult> = v
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
                before: json::strings(r, "before").unwrap_or_default(),
                error: r.get("error").filter(|e| e.is_object()).map(|e| RowError {
                    step: json::string(e, "step").unwrap_or_default(),
                    pagerduty: json::string(e, "pagerduty").unwrap_or_default(),
                    plain: json::string(e, "plain").unwrap_or_default(),
                }),
                keys: vec![],
            })
        })
        .collect();
    // Kept in the order rows finished (1, 3, 5, 2, …); read back in the file's order.
    let mut rows = rows;
    rows.sort_by_key(|r| r.line);
    let planned = v.get("planned").and_then(Value::as_u64).unwrap_or(0) as usize;
    Some(Journal {
        kind,
        file: json::string(&v, "file").unwrap_or_default(),
        planned: planned.max(rows.len()),
        rows,
        trimmed: v.get("trimmed").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// Keeps `owner`'s run of `file` (of `kind`) as the journal: every row finished so far.
#[cfg(target_arch = "wasm32")]
pub fn save(
    kind: Kind,
    file: &str,
    owner: &str,
    planned: usize,
    results: &[RowResult],
) -> Result<(), String> {
    crate::browser::session_set(KEY, &write(kind, file, owner, planned, results))
        .map_err(|e| e.to_string())
}

/// `owner`'s journal kept in this tab, when there is one and it reads. Another account's or
/// person's is removed, never shown.
#[cfg(target_arch = "wasm32")]
pub fn load(owner: &str) -> Option<Journal> {
    let text = crate::browser::session_get(KEY).ok().flatten()?;
    let journal = read(&text, owner);
    if journal.is_none() {
        clear();
    }
    journal
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
            before: vec![],
            error: Some(RowError {
                step: "creating the user".into(),
                pagerduty: "Invalid Input Provided".into(),
                plain: "fix it".into(),
            }),
            keys: vec![],
        }];
        for kind in Kind::ALL {
            let j = write(kind, "team.csv", "A1/U1", 3, &results);
            let back = Journal {
                kind,
                file: "team.csv".into(),
                planned: 3,
                rows: results.clone(),
                trimmed: false,
            };
            assert_eq!(read(&j, "A1/U1"), Some(back));
            // Another person, or another account, never sees it.
            assert_eq!(read(&j, "A1/U2"), None);
            assert_eq!(read(&j, "A2/U1"), None);
        }
        // An unknown kind is no journal, never a users journal.
        let j = write(Kind::Services, "x.csv", "A1/U1", 1, &results)
            .replace("\"services\"", "\"alerts\"");
        assert_eq!(read(&j, "A1/U1"), None);
        assert_eq!(read("{\"kind\":\"x\"}", "A1/U1"), None);
        assert_eq!(read("not json", "A1/U1"), None);
    }

    #[test]
    fn a_journal_reads_back_in_the_files_order() {
        let row = |line: u64| RowResult {
            line,
            key: String::new(),
            outcome: Outcome::Done,
            did: vec![],
            ids: vec![],
            found: false,
            before: vec![],
            error: None,
            keys: vec![],
        };
        let finished = [row(2), row(4), row(6), row(3), row(5)];
        let back = read(&write(Kind::Users, "f.csv", "A/U", 5, &finished), "A/U").unwrap();
        let lines: Vec<u64> = back.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6]);
    }

    #[test]
    fn a_journals_summary_counts_the_rows_never_started() {
        let row = |line: u64, outcome: Outcome| RowResult {
            line,
            key: format!("p{line}@example.com"),
            outcome,
            did: vec![],
            ids: vec![],
            found: false,
            before: vec![],
            error: None,
            keys: vec![],
        };
        // A reload after 12 of 100 rows: 88 were never started.
        let mut j = Journal {
            kind: Kind::Users,
            file: "team.csv".into(),
            planned: 100,
            rows: (0..12).map(|i| row(i + 2, Outcome::Done)).collect(),
            trimmed: false,
        };
        assert_eq!(
            j.summary(),
            "team.csv (users): 12 done, 0 failed, 88 not run. To finish the rest, choose the file again and plan: what was done shows as unchanged."
        );
        // Everything written: nothing to finish.
        j.planned = 12;
        assert_eq!(
            j.summary(),
            "team.csv (users): 12 done, 0 failed, 0 not run. Every row it was to write was written."
        );
        j.rows[0].outcome = Outcome::Failed;
        j.rows[1].outcome = Outcome::Stopped;
        assert!(j
            .summary()
            .starts_with("team.csv (users): 10 done, 1 failed, 1 not run. To finish"));
    }

    #[test]
    fn a_big_journal_keeps_outcomes_and_failures_under_its_cap_and_says_so() {
        let rows: Vec<RowResult> = (0..10_000u64)
            .map(|i| RowResult {
                line: i + 2,
                key: format!("person.{i}@example.com"),
                outcome: if i % 100 == 0 {
                    Outcome::Failed
                } else {
                    Outcome::Done
                },
                did: vec![
                    "created user PABC123".into(),
                    "added phone +44 7700 900123".into(),
                    "added SMS +44 7700 900123".into(),
                    "added rule: phone after 0 min".into(),
                ],
                ids: vec![
                    "PABC123".into(),
                    "PCM0001".into(),
                    "PCM0002".into(),
                    "PNR0001".into(),
                ],
                found: false,
                before: vec![],
                error: (i % 100 == 0).then(|| RowError {
                    step: "creating the user".into(),
                    pagerduty: "License is not available".into(),
                    plain: "free a licence".into(),
                }),
                keys: vec![],
            })
            .collect();
        let text = write(Kind::Users, "big.csv", "A/U", 10_000, &rows);
        assert!(text.len() <= MAX_BYTES, "{} bytes", text.len());
        let back = read(&text, "A/U").unwrap();
        assert!(back.trimmed);
        assert_eq!(back.rows.len(), 10_000);
        assert!(back.rows[1].did.is_empty(), "done rows lose their detail");
        assert_eq!(back.rows[0].error, rows[0].error, "failures keep theirs");
        assert!(back
            .summary()
            .contains("The journal kept what each finished row did only while it was small"));
    }

    #[test]
    fn a_journal_belongs_to_the_account_and_person_of_the_session() {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let id_token = |account: &str, user: &str| {
            format!(
                "{}.{}.sig",
                b64("{\"alg\":\"RS256\"}"),
                b64(&format!("{{\"account_id\":\"{account}\",\"user_id\":\"{user}\",\"sub\":\"x@example.com\"}}"))
            )
        };
        let tokens = crate::oauth::parse_token_response(
            200,
            r#"{"access_token":"a","token_type":"bearer","expires_in":60}"#,
            &[],
        )
        .unwrap();
        let mut s = Session::new(
            tokens,
            &crate::oauth::test_support::config(""),
            &[],
            0.0,
            None,
            None,
        );
        s.id_token = Some(id_token("PACCT1", "PUSER1"));
        assert_eq!(owner(&s), "PACCT1/PUSER1");
        s.id_token = Some(id_token("PACCT2", "PUSER1"));
        assert_eq!(owner(&s), "PACCT2/PUSER1");
        // Without an id_token: the API, subdomain and app it was made with.
        s.id_token = None;
        s.api_url = Some("https://api.pagerduty.com".into());
        s.subdomain = Some("acme".into());
        assert_eq!(owner(&s), "https://api.pagerduty.com|acme|cid");
    }
}
