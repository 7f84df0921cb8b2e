//! What every kind's check shares: a row's problems, the checked file, the errors that stop
//! a whole file, and reading header cells, list cells, text and minutes.

use super::suggest::Fix;
use crate::csvfile::Row;

/// One problem with one cell (or the whole row when `column` is empty), in words that say
/// what to write instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub column: String,
    pub message: String,
    /// The value the check proposes instead, when it knows one.
    pub fix: Option<Fix>,
}

impl Problem {
    pub fn new(column: &str, message: impl Into<String>) -> Problem {
        Problem {
            column: column.to_string(),
            message: message.into(),
            fix: None,
        }
    }

    /// The same problem, proposing `to` where the cell says `from`.
    pub fn fix(mut self, from: &str, to: impl Into<String>) -> Problem {
        self.fix = Some(Fix {
            from: from.to_string(),
            to: to.into(),
        });
        self
    }

    /// Problems in one line of text: `column: message; …`.
    pub fn joined(problems: &[Problem]) -> String {
        problems
            .iter()
            .map(|p| {
                if p.column.is_empty() {
                    p.message.clone()
                } else {
                    format!("{}: {}", p.column, p.message)
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One data row of a file: where it is, what it says, and either its spec or every problem
/// found in it. Rows with problems are kept (shown, reported), never dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct Line<T> {
    /// The line the row starts on in the file (1-based).
    pub line: u64,
    /// The row as written, for "Download failed rows".
    pub raw: Vec<String>,
    /// What identifies the row to a person: the e-mail or the service name (may be empty).
    pub key: String,
    /// The row's `name` cell: the person's or the service's name (may be empty).
    pub name: String,
    pub spec: Result<T, Vec<Problem>>,
}

/// A whole file, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked<T> {
    /// Which format was recognised, in words ("pdscope users", "PagerDuty import_users").
    pub format: &'static str,
    /// The header row as written (`None` for a headerless format), to write failed rows back.
    pub header: Option<Vec<String>>,
    /// Columns that are not imported (unknown, or read-only in PagerDuty).
    pub ignored: Vec<String>,
    /// Where each known column is in a row (for the corrected file).
    pub columns: Columns,
    pub rows: Vec<Line<T>>,
}

impl<T> Checked<T> {
    /// Rows without problems.
    pub fn valid(&self) -> usize {
        self.rows.iter().filter(|r| r.spec.is_ok()).count()
    }
}

/// What every checked file tells, whatever its kind's spec type.
pub trait CheckedFile {
    /// Which format was recognised, in words.
    fn format(&self) -> &'static str;
    /// Columns that are not imported.
    fn ignored(&self) -> &[String];
    /// Data rows.
    fn len(&self) -> usize;
    /// Rows without problems.
    fn valid(&self) -> usize;
    /// Every problem as a table row: line, row key, column (or `(row)`), message.
    fn problem_rows(&self) -> Vec<Vec<String>>;
    /// The header row as written (`None` for a headerless format).
    fn header(&self) -> Option<&[String]>;
    /// Each data row as written, with its line.
    fn raw_rows(&self) -> Vec<(u64, &[String])>;
    /// Each data row's line and `name` cell (the person's or the service's name).
    fn names(&self) -> Vec<(u64, &str)>;
    /// How many values the check proposes, and the plan's `more` problems (by line) with them.
    fn suggestions(&self, more: &[(u64, &Problem)]) -> usize;
    /// The file as written with every proposed value in place (the check's, and the plan's
    /// `more` problems, by line); `None` when nothing is proposed.
    fn corrected(&self, more: &[(u64, &Problem)]) -> Option<String>;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> CheckedFile for Checked<T> {
    fn format(&self) -> &'static str {
        self.format
    }
    fn ignored(&self) -> &[String] {
        &self.ignored
    }
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn valid(&self) -> usize {
        Checked::valid(self)
    }
    fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }
    fn raw_rows(&self) -> Vec<(u64, &[String])> {
        self.rows
            .iter()
            .map(|r| (r.line, r.raw.as_slice()))
            .collect()
    }
    fn names(&self) -> Vec<(u64, &str)> {
        self.rows
            .iter()
            .map(|r| (r.line, r.name.as_str()))
            .collect()
    }
    fn suggestions(&self, more: &[(u64, &Problem)]) -> usize {
        self.fixes(more).len()
    }
    fn corrected(&self, more: &[(u64, &Problem)]) -> Option<String> {
        let fixes = self.fixes(more);
        if fixes.is_empty() {
            return None;
        }
        let mut out = crate::csvfile::Writer::new();
        if let Some(h) = &self.header {
            out.row(h);
        }
        for line in &self.rows {
            let mut raw = line.raw.clone();
            for (_, column, fix) in fixes.iter().filter(|(l, _, _)| *l == line.line) {
                let at = self.columns.iter().find(|(k, _)| k == column);
                if let Some(cell) = at.and_then(|(_, i)| raw.get_mut(*i)) {
                    if let Some(new) = super::suggest::apply(cell, fix) {
                        *cell = new;
                    }
                }
            }
            out.row(raw);
        }
        Some(out.finish())
    }
    fn problem_rows(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .filter_map(|r| r.spec.as_ref().err().map(|ps| (r, ps)))
            .flat_map(|(r, ps)| {
                ps.iter().map(move |p| {
                    let column = if p.column.is_empty() {
                        "(row)"
                    } else {
                        &p.column
                    };
                    vec![
                        r.line.to_string(),
                        r.key.clone(),
                        column.to_string(),
                        p.message.clone(),
                    ]
                })
            })
            .collect()
    }
}

impl<T> Checked<T> {
    /// Every proposed value: the check's, then `more` (the plan's), as (line, column, fix).
    fn fixes<'a>(&'a self, more: &[(u64, &'a Problem)]) -> Vec<(u64, &'a str, &'a Fix)> {
        let checked = self.rows.iter().flat_map(|r| {
            let ps = r.spec.as_ref().err().map_or(&[][..], Vec::as_slice);
            ps.iter().map(move |p| (r.line, p))
        });
        let mut out: Vec<(u64, &str, &Fix)> = Vec::new();
        // A row the check refused is an error row of the plan too, with the same problems:
        // each proposal once.
        for (l, p) in checked.chain(more.iter().copied()) {
            if let Some(fix) = &p.fix {
                let f = (l, p.column.as_str(), fix);
                if !out.contains(&f) {
                    out.push(f);
                }
            }
        }
        out
    }
}

/// Why a file cannot be checked at all (not one row's problem).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Csv(#[from] crate::csvfile::CsvError),
    #[error("The file has no {column} column. The first row must name the columns, for example: {example}. \"Download template\" gives a file to start from.")]
    MissingColumn {
        column: &'static str,
        example: &'static str,
    },
    #[error("The column \"{0}\" appears twice in the header row; keep one.")]
    RepeatedColumn(String),
    #[error("The file has a header row but no data rows.")]
    NoData,
}

/// A header cell as a key: lower case, spaces, dashes and dots as `_`, a `*` marking a
/// required column dropped (`"Job Title"` → `job_title`, `"email*"` → `email`).
pub fn header_key(cell: &str) -> String {
    let mut key = String::new();
    for c in cell.trim().trim_end_matches('*').trim().chars() {
        match c {
            ' ' | '-' | '.' | '_' => {
                if !key.ends_with('_') {
                    key.push('_')
                }
            }
            c => key.extend(c.to_lowercase()),
        }
    }
    key.trim_matches('_').to_string()
}

/// Known columns by canonical name and position.
pub(crate) type Columns = Vec<(&'static str, usize)>;

/// Maps each known column (by its canonical name) to its position in the header, following
/// `aliases` (`(alias, canonical)`); other columns are returned as ignored.
pub(crate) fn columns(
    header: &[String],
    known: &[&'static str],
    aliases: &[(&str, &'static str)],
) -> Result<(Columns, Vec<String>), FileError> {
    let mut found: Columns = Vec::new();
    let mut ignored = Vec::new();
    for (i, cell) in header.iter().enumerate() {
        let key = header_key(cell);
        let canonical = known
            .iter()
            .copied()
            .find(|k| *k == key)
            .or_else(|| aliases.iter().find(|(a, _)| *a == key).map(|(_, c)| *c));
        match canonical {
            Some(c) if found.iter().any(|(k, _)| *k == c) => {
                return Err(FileError::RepeatedColumn(cell.trim().to_string()))
            }
            Some(c) => found.push((c, i)),
            None if cell.trim().is_empty() => {}
            None => ignored.push(cell.trim().to_string()),
        }
    }
    Ok((found, ignored))
}

/// A row's cell in a known column, trimmed ("" when the row is short or has no such column).
/// The `'` that exports put before a leading `+ = - @` (against spreadsheet formulas) is
/// dropped, so an exported file imports as is.
pub(crate) fn cell<'a>(row: &'a Row, cols: &[(&'static str, usize)], name: &str) -> &'a str {
    let value = cols
        .iter()
        .find(|(k, _)| *k == name)
        .and_then(|(_, i)| row.fields.get(*i))
        .map_or("", |s| s.trim());
    match value.strip_prefix('\'') {
        Some(rest) if crate::csvfile::starts_like_a_formula(rest) => rest,
        _ => value,
    }
}

/// Each data row checked by `spec` and named by its `key` column; a row whose key repeats an
/// earlier row's (in any case) also gets `repeat(key, first line)` as a problem in that column.
pub(crate) fn lines<T>(
    data: &[Row],
    cols: &Columns,
    key: &'static str,
    repeat: impl Fn(&str, u64) -> String,
    spec: impl Fn(&Row) -> Result<T, Vec<Problem>>,
) -> Vec<Line<T>> {
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    data.iter()
        .map(|row| {
            let mut spec = spec(row);
            let k = cell(row, cols, key);
            if !k.is_empty() {
                let first = *seen.entry(k.to_lowercase()).or_insert(row.line);
                if first != row.line {
                    let p = Problem::new(key, repeat(k, first));
                    match &mut spec {
                        Ok(_) => spec = Err(vec![p]),
                        Err(ps) => ps.push(p),
                    }
                }
            }
            Line {
                line: row.line,
                raw: row.fields.clone(),
                key: k.to_string(),
                name: cell(row, cols, "name").to_string(),
                spec,
            }
        })
        .collect()
}

/// A `;`-separated list cell: trimmed items, empty ones dropped.
pub fn list(cell: &str) -> Vec<String> {
    cell.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Text that must fit PagerDuty's limits: no control characters other than newlines in
/// descriptions; `max` characters at most.
pub(crate) fn check_text(
    column: &str,
    value: &str,
    max: usize,
    multiline: bool,
    problems: &mut Vec<Problem>,
) {
    if value.chars().count() > max {
        problems.push(Problem::new(
            column,
            format!("is longer than {max} characters; shorten it"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
    {
        problems.push(Problem::new(
            column,
            "holds control characters (a tab or line break where none belongs); remove them",
        ));
    }
}

/// A whole number of minutes in `0..=max`, or `None` with a problem.
pub(crate) fn minutes(
    column: &str,
    value: &str,
    max: u32,
    problems: &mut Vec<Problem>,
) -> Option<u32> {
    match value.parse::<u32>() {
        Ok(n) if n <= max => Some(n),
        _ => {
            problems.push(Problem::new(
                column,
                format!("\"{value}\" is not a whole number of minutes from 0 to {max}"),
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_cells_become_keys() {
        assert_eq!(header_key(" Job Title "), "job_title");
        assert_eq!(header_key("email*"), "email");
        assert_eq!(header_key("Escalation Policy"), "escalation_policy");
        assert_eq!(header_key("time-zone"), "time_zone");
        assert_eq!(header_key("__x__"), "x");
    }

    #[test]
    fn columns_follow_aliases_and_refuse_repeats() {
        let header: Vec<String> = ["Name", "Title", "Color", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (cols, ignored) =
            columns(&header, &["name", "job_title"], &[("title", "job_title")]).unwrap();
        assert_eq!(cols, vec![("name", 0), ("job_title", 1)]);
        assert_eq!(ignored, vec!["Color".to_string()]);
        let twice: Vec<String> = ["title", "job_title"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            columns(&twice, &["job_title"], &[("title", "job_title")]),
            Err(FileError::RepeatedColumn("job_title".into()))
        );
    }

    #[test]
    fn lists_and_minutes() {
        assert_eq!(list(" a; ;b ;"), vec!["a", "b"]);
        let mut p = Vec::new();
        assert_eq!(minutes("m", "5", 10, &mut p), Some(5));
        assert_eq!(minutes("m", "11", 10, &mut p), None);
        assert_eq!(minutes("m", "-1", 10, &mut p), None);
        assert_eq!(minutes("m", "1.5", 10, &mut p), None);
        assert_eq!(p.len(), 3);
    }
}
