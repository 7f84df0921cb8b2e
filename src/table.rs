//! Table logic for the Services and Users pages: cells, instant search, sorting, CSV export.
//! Pure, so the per-keystroke work is measured and tested natively.

use crate::csvfile::Writer;
use crate::models::{Service, User};

/// Column keys and titles of the Services table.
pub const SERVICE_COLUMNS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("status", "Status"),
    ("escalation_policy", "Escalation policy"),
    ("teams", "Teams"),
    ("description", "Description"),
];

/// Column keys and titles of the Users table.
pub const USER_COLUMNS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("email", "Email"),
    ("role", "Role"),
    ("job_title", "Job title"),
    ("time_zone", "Time zone"),
    ("teams", "Teams"),
];

fn join_refs(refs: &[crate::models::Reference]) -> String {
    refs.iter()
        .map(|r| r.label().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn service_cells(s: &Service) -> Vec<String> {
    vec![
        s.display_name().to_string(),
        s.status.clone().unwrap_or_default(),
        s.escalation_policy
            .as_ref()
            .map(|r| r.label().to_string())
            .unwrap_or_default(),
        join_refs(&s.teams),
        s.description.clone().unwrap_or_default(),
    ]
}

pub fn user_cells(u: &User) -> Vec<String> {
    vec![
        u.display_name().to_string(),
        u.email.clone().unwrap_or_default(),
        u.role
            .as_deref()
            .map(crate::models::role_label)
            .unwrap_or_default()
            .to_string(),
        u.job_title.clone().unwrap_or_default(),
        u.time_zone.clone().unwrap_or_default(),
        join_refs(&u.teams),
    ]
}

/// Rows with their cells and lower-cased search text computed once, when the data arrives.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Index {
    pub cells: Vec<Vec<String>>,
    lower: Vec<Vec<String>>,
    haystack: Vec<String>,
}

impl Index {
    pub fn new(cells: Vec<Vec<String>>) -> Index {
        let lower: Vec<Vec<String>> = cells
            .iter()
            .map(|r| r.iter().map(|c| c.to_lowercase()).collect())
            .collect();
        let haystack = lower.iter().map(|r| r.join("\u{1f}")).collect();
        Index {
            cells,
            lower,
            haystack,
        }
    }

    /// The same, but the search does not look in column `skip` (an import's action column:
    /// typing "add" finds the Haddads and the added phones, not every row being added; the
    /// table's filter picks an action).
    pub fn searching_all_but(cells: Vec<Vec<String>>, skip: usize) -> Index {
        let mut ix = Index::new(cells);
        ix.haystack = ix
            .lower
            .iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, c)| c.as_str())
                    .collect::<Vec<_>>()
                    .join("\u{1f}")
            })
            .collect();
        ix
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Every row, sorted by column `sort` (ties keep PagerDuty's order; `desc` reverses the
    /// whole order), or in PagerDuty's order when `sort` is `None`. Made once per sort, not
    /// at each keystroke: [`Index::filter`] keeps the order it is given.
    pub fn sorted(&self, sort: Option<usize>, desc: bool) -> Vec<usize> {
        let mut rows: Vec<usize> = (0..self.haystack.len()).collect();
        if let Some(col) = sort {
            rows.sort_by(|&a, &b| {
                let o = self.lower[a]
                    .get(col)
                    .cmp(&self.lower[b].get(col))
                    .then(a.cmp(&b));
                if desc {
                    o.reverse()
                } else {
                    o
                }
            });
        }
        rows
    }

    /// The rows of `order` that match every word of `query` (in any column), in `order`'s order.
    pub fn filter(&self, query: &str, order: &[usize]) -> Vec<usize> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        order
            .iter()
            .copied()
            .filter(|&i| {
                self.haystack
                    .get(i)
                    .is_some_and(|h| words.iter().all(|w| h.contains(w.as_str())))
            })
            .collect()
    }

    /// The rows matching `query`, sorted as [`Index::sorted`] says.
    #[cfg(test)]
    fn view(&self, query: &str, sort: Option<usize>, desc: bool) -> Vec<usize> {
        self.filter(query, &self.sorted(sort, desc))
    }
}

/// Which column a URL `sort` value names.
pub fn column_index(columns: &[(&str, &str)], key: &str) -> Option<usize> {
    columns.iter().position(|(k, _)| *k == key)
}

/// A CSV document of `header` and the rows at `order`, each followed by the `extra` columns
/// (a title and one value per row of the index, such as the id and the PagerDuty link).
/// Written by [`Writer`] (byte order mark, CRLF, quoting, formula guard).
pub fn to_csv(
    header: &[&str],
    index: &Index,
    order: &[usize],
    extra: &[(&str, &[String])],
) -> String {
    let mut out = Writer::new();
    out.row(header.iter().copied().chain(extra.iter().map(|(t, _)| *t)));
    for &i in order {
        if let Some(row) = index.cells.get(i) {
            let more = extra
                .iter()
                .map(|(_, values)| values.get(i).map_or("", String::as_str));
            out.row(row.iter().map(String::as_str).chain(more));
        }
    }
    out.finish()
}

/// The export's file name: what, the search when filtered, and the date
/// (`pdscope-services-2026-11-29.csv`, `pdscope-services-payments-api-2026-11-29.csv`).
pub fn export_name(noun: &str, search: &str, date: &str) -> String {
    let mut slug = String::new();
    for c in search.trim().to_lowercase().chars() {
        // Letters of any script stay (`zürich`); ASCII punctuation and spaces become `-`.
        // (Not `char::is_alphanumeric`, whose Unicode tables cost the release ~3 KB.)
        if c.is_ascii_alphanumeric() || (!c.is_ascii() && !c.is_whitespace()) {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(40).collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        format!("pdscope-{noun}-{date}.csv")
    } else {
        format!("pdscope-{noun}-{slug}-{date}.csv")
    }
}

/// The badge class of a service status (the text stays, for screen readers and print).
pub fn status_class(status: &str) -> String {
    let s = match status {
        "active" | "warning" | "critical" | "maintenance" | "disabled" => status,
        // An import's plan and report.
        "create" | "update" | "add" | "created" | "updated" | "added" | "found" | "done" => {
            "active"
        }
        "error" | "failed" | "not imported" => "critical",
        "stopped" | "not run" => "warning",
        "unchanged" => "disabled",
        _ => "unknown",
    };
    format!("badge badge-{s}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> Index {
        Index::new(vec![
            vec!["Payments API".into(), "active".into(), "b".into()],
            vec!["checkout worker".into(), "disabled".into(), "a".into()],
            vec!["Zürich Paiement 支付".into(), "active".into(), "c".into()],
            vec![
                "<img src=x onerror=alert(1)>".into(),
                "critical".into(),
                "a".into(),
            ],
        ])
    }

    #[test]
    fn a_column_can_be_left_out_of_the_search() {
        let ix = Index::searching_all_but(
            vec![
                vec!["Haddad".into(), "unchanged".into()],
                vec!["Bo".into(), "add".into()],
            ],
            1,
        );
        assert_eq!(ix.filter("add", &[0, 1]), vec![0]);
        assert_eq!(ix.sorted(Some(1), false), vec![1, 0], "still sorts by it");
    }

    #[test]
    fn search_is_case_insensitive_across_columns_and_words() {
        let ix = index();
        assert_eq!(ix.view("", None, false), vec![0, 1, 2, 3]);
        assert_eq!(ix.view("PAYMENTS", None, false), vec![0]);
        assert_eq!(ix.view("active", None, false), vec![0, 2]);
        assert_eq!(ix.view("zürich 支付", None, false), vec![2]);
        assert_eq!(ix.view("active worker", None, false), Vec::<usize>::new());
        assert_eq!(ix.view("<img", None, false), vec![3]);
    }

    #[test]
    fn sorting_is_stable_and_reversible() {
        let ix = index();
        assert_eq!(ix.view("", Some(2), false), vec![1, 3, 0, 2]);
        assert_eq!(ix.view("", Some(2), true), vec![2, 0, 3, 1]);
        assert_eq!(ix.view("", Some(0), false), vec![3, 1, 0, 2]);
        // A search keeps the sort's order, and never names a row the index lacks.
        assert_eq!(ix.view("a", Some(2), true), vec![2, 0, 3, 1]);
        assert_eq!(ix.view("active", Some(2), true), vec![2, 0]);
        assert_eq!(ix.filter("active", &[2, 9, 0]), vec![2, 0]);
        assert_eq!(column_index(SERVICE_COLUMNS, "teams"), Some(3));
        assert_eq!(column_index(SERVICE_COLUMNS, "nope"), None);
    }

    #[test]
    fn csv_export_has_the_shown_rows_and_extra_columns() {
        let ix = index();
        let csv = to_csv(&["Name", "Status", "X"], &ix, &[1, 0], &[]);
        assert_eq!(
            csv,
            "\u{feff}Name,Status,X\r\ncheckout worker,disabled,a\r\nPayments API,active,b\r\n"
        );
        // Extra columns follow each row by its index; a missing value is an empty cell.
        let ids = vec!["P1".to_string(), "P2".to_string()];
        let links = vec!["https://acme.pagerduty.com/service-directory/P1".to_string()];
        let csv = to_csv(
            &["Name", "Status", "X"],
            &ix,
            &[1, 0],
            &[("Id", &ids), ("PagerDuty link", &links)],
        );
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[0], "Name,Status,X,Id,PagerDuty link");
        assert_eq!(lines[1], "checkout worker,disabled,a,P2,");
        assert_eq!(
            lines[2],
            "Payments API,active,b,P1,https://acme.pagerduty.com/service-directory/P1"
        );
    }

    #[test]
    fn export_names_say_what_and_when() {
        assert_eq!(
            export_name("services", "", "2026-11-29"),
            "pdscope-services-2026-11-29.csv"
        );
        assert_eq!(
            export_name("services", "  Payments API ", "2026-11-29"),
            "pdscope-services-payments-api-2026-11-29.csv"
        );
        assert_eq!(
            export_name("users", "../../etc/pass wd", "2026-11-29"),
            "pdscope-users-etc-pass-wd-2026-11-29.csv"
        );
        assert_eq!(
            export_name("users", "Zürich", "2026-11-29"),
            "pdscope-users-zürich-2026-11-29.csv"
        );
        assert_eq!(
            export_name("users", "<>?", "2026-11-29"),
            "pdscope-users-2026-11-29.csv"
        );
    }
}
