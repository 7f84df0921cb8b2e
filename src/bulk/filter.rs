//! Which rows of a plan or a report a person looks at: one action or status at a time
//! ("create", "failed"), changes first, and the plan's lines that deserve a second look
//! (someone made a Global Admin). Pure: the Import page only shows what this picks.

use super::plan::{RowPlan, Work};

/// The plan's actions in the order a person reads them: what writes first, then what will
/// not be imported, then what stays as it is.
pub const PLAN_ORDER: &[&str] = &["create", "update", "add", "error", "unchanged"];

/// The report's statuses in the same spirit: what was written, what did not make it, what
/// was left as it was.
pub const REPORT_ORDER: &[&str] = &[
    "created",
    "found",
    "updated",
    "added",
    "failed",
    "not imported",
    "stopped",
    "not run",
    "unchanged",
];

/// A choice of rows by their action (plan) or status (report): `None` shows every row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub only: Option<&'static str>,
}

impl Filter {
    /// The indexes of `statuses` this filter keeps, in `order`'s order (a status `order`
    /// does not name comes last), each status's rows in file order.
    pub fn select(self, statuses: &[&str], order: &[&str]) -> Vec<usize> {
        let rank = |s: &str| order.iter().position(|o| *o == s).unwrap_or(order.len());
        let mut rows: Vec<usize> = (0..statuses.len())
            .filter(|&i| self.only.is_none_or(|o| o == statuses[i]))
            .collect();
        rows.sort_by_key(|&i| rank(statuses[i]));
        rows
    }
}

/// The statuses present in `statuses`, in `order`, each with how many rows have it: the
/// choices a filter offers (none that would show nothing).
pub fn choices(statuses: &[&str], order: &[&'static str]) -> Vec<(&'static str, usize)> {
    order
        .iter()
        .map(|&o| (o, statuses.iter().filter(|s| **s == o).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Why a plan row deserves a second look before Import, if it does: the row makes someone a
/// Global Admin (who may then do anything in the account, this import included).
pub fn attention(row: &RowPlan) -> Option<&'static str> {
    let Work::User(w) = &row.work else {
        return None;
    };
    let role = |body: &Option<serde_json::Value>| {
        body.as_ref()
            .and_then(|b| b.get("user"))
            .and_then(|u| u.get("role"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    (role(&w.create).as_deref() == Some("admin") || role(&w.update).as_deref() == Some("admin"))
        .then_some("gives Global Admin")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::account::Account;
    use crate::bulk::users::account::AUser;
    use crate::bulk::{plan, users};

    #[test]
    fn a_filter_keeps_one_status_and_puts_changes_first() {
        let statuses = ["unchanged", "create", "error", "update", "create", "add"];
        assert_eq!(
            Filter::default().select(&statuses, PLAN_ORDER),
            vec![1, 4, 3, 5, 2, 0]
        );
        let only_create = Filter {
            only: Some("create"),
        };
        assert_eq!(only_create.select(&statuses, PLAN_ORDER), vec![1, 4]);
        assert_eq!(
            choices(&statuses, PLAN_ORDER),
            vec![
                ("create", 2),
                ("update", 1),
                ("add", 1),
                ("error", 1),
                ("unchanged", 1)
            ]
        );
        let report = ["unchanged", "failed", "created"];
        assert_eq!(
            Filter::default().select(&report, REPORT_ORDER),
            vec![2, 1, 0]
        );
        assert_eq!(
            choices(&report, REPORT_ORDER),
            vec![("created", 1), ("failed", 1), ("unchanged", 1)]
        );
    }

    #[test]
    fn making_someone_global_admin_asks_for_a_second_look() {
        let text = "name,email,role\nAda,ada@example.com,Global Admin\nBo,bo@example.com,admin\nCy,cy@example.com,Responder\nDi,di@example.com,\n";
        let rows = crate::csvfile::read(text.as_bytes()).unwrap();
        let checked = users::check(&rows, &|z| Some(z.to_string())).unwrap();
        let account = Account {
            users: vec![AUser {
                id: "U2".into(),
                name: "Bo".into(),
                email: "bo@example.com".into(),
                role: "user".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let p = users::plan::users(&checked, &account, plan::Options::default());
        let flags: Vec<_> = p.rows.iter().map(attention).collect();
        assert_eq!(
            flags,
            vec![
                Some("gives Global Admin"),
                Some("gives Global Admin"),
                None,
                None
            ]
        );
    }
}
