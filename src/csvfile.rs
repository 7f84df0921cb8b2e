//! Reading the CSV files admins import (bulk onboarding): what spreadsheets and scripts really
//! write. UTF-8 with or without a byte order mark, CRLF or LF, quoted fields holding commas and
//! newlines, Excel's `sep=;` first line, rows of uneven length and trailing empty rows. Big
//! files are refused before any work. Pure; the quoting itself is the `csv` crate's.
//!
//! And writing the CSV files pdscope hands out (list exports, reports, failed rows, exports
//! for import, templates): one [`Writer`] for all of them.

use thiserror::Error;

/// Larger files are refused (a 10,000-row user file is well under 2 MB).
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// More data rows than this are refused: split the file.
pub const MAX_ROWS: usize = 10_000;

/// One row of the file, with the line it starts on (1-based, for messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub fields: Vec<String>,
}

/// Why a file cannot be read at all (problems in single rows are the importer's to report).
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum CsvError {
    #[error("The file is {} MB; files up to 5 MB can be imported. Split it and import the parts one after another.", .0 / (1024 * 1024) + 1)]
    TooLarge(usize),
    #[error("The file has {0} rows; up to 10,000 can be imported at once. Split it and import the parts one after another.")]
    TooManyRows(usize),
    #[error(
        "The file is not UTF-8 text (at byte {0}). In a spreadsheet, save it as \"CSV UTF-8\"."
    )]
    NotUtf8(usize),
    #[error("The file has no rows.")]
    Empty,
    #[error("Line {line} could not be read as CSV ({detail}). Check its quotes.")]
    Malformed { line: u64, detail: String },
}

/// Reads a whole file: every non-empty row, with its line. The first row is returned like any
/// other (whether it is a header is the format's to decide).
pub fn read(bytes: &[u8]) -> Result<Vec<Row>, CsvError> {
    if bytes.len() > MAX_BYTES {
        return Err(CsvError::TooLarge(bytes.len()));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| CsvError::NotUtf8(e.valid_up_to()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Excel writes `sep=;` (or another single character) as the first line when asked to.
    let (delimiter, body, first_line) = match text.split_once('\n') {
        Some((first, rest)) if sep_line(first).is_some() => {
            (sep_line(first).unwrap_or(b','), rest, 2)
        }
        _ => (b',', text, 1),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // Lines are counted from byte offsets: the reader stands at the next record's first byte
    // between records (its own line counter lags behind CRLF endings, and after a CR it stands on the LF).
    let (mut counted_to, mut line) = (0usize, first_line);
    loop {
        let mut at = (reader.position().byte() as usize).min(body.len());
        // After a CR the reader stands on the LF that ends the same line.
        if body.as_bytes().get(at) == Some(&b'\n') {
            at += 1;
        }
        line += body.as_bytes()[counted_to..at]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        counted_to = at;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(CsvError::Malformed {
                    line,
                    detail: e.to_string(),
                })
            }
        }
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows.push(Row {
            line,
            fields: record.iter().map(str::to_string).collect(),
        });
        if rows.len() > MAX_ROWS + 1 {
            break;
        }
    }
    match rows.len() {
        0 => Err(CsvError::Empty),
        // One more than the limit: room for a header row.
        n if n > MAX_ROWS + 1 => Err(CsvError::TooManyRows(n - 1)),
        _ => Ok(rows),
    }
}

/// The delimiter named by an Excel `sep=X` line.
fn sep_line(line: &str) -> Option<u8> {
    let rest = line.trim_end_matches('\r').strip_prefix("sep=")?;
    match rest.as_bytes() {
        [b] if b.is_ascii() && *b != b'"' => Some(*b),
        _ => None,
    }
}

/// A CSV file for people who open it in a spreadsheet: a UTF-8 byte order mark (without which
/// spreadsheets read accents wrong), CRLF line ends (RFC 4180), quoting where a cell needs it,
/// and the formula guard of [`cell`]. Every CSV file pdscope writes is made here.
#[derive(Debug)]
pub struct Writer {
    out: String,
}

impl Default for Writer {
    fn default() -> Self {
        Writer::new()
    }
}

impl Writer {
    pub fn new() -> Writer {
        Writer {
            out: String::from("\u{feff}"),
        }
    }

    /// Adds one row.
    pub fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Writer {
        for (i, c) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.out.push_str(&cell(c.as_ref()));
        }
        self.out.push_str("\r\n");
        self
    }

    /// The whole file.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Characters a spreadsheet may take as the start of a formula, full-width ones included.
pub const FORMULA_STARTS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

/// Whether a spreadsheet could read `value` as a formula: it starts with one of
/// [`FORMULA_STARTS`], after any leading spaces.
pub fn starts_like_a_formula(value: &str) -> bool {
    value.starts_with(FORMULA_STARTS) || value.trim_start_matches(' ').starts_with(FORMULA_STARTS)
}

/// One CSV cell: quoted when needed (RFC 4180), and guarded against spreadsheet formula
/// injection (a cell that [`starts_like_a_formula`] gets a `'`).
pub fn cell(value: &str) -> String {
    let guarded = if starts_like_a_formula(value) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if guarded.contains([',', ';', '"', '\n', '\r'])
        || guarded.starts_with(' ')
        || guarded.ends_with(' ')
    {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(rows: &[Row]) -> Vec<Vec<&str>> {
        rows.iter()
            .map(|r| r.fields.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn what_spreadsheets_write_is_read() {
        // BOM, CRLF, a quoted comma, a quoted newline, a doubled quote, trailing empty rows.
        let file = "\u{feff}name,email,description\r\nAda,ada@example.com,\"Leads, mostly\"\r\n\"Bo \"\"B\"\" Li\",bo@example.com,\"two\r\nlines\"\r\nCy,cy@example.com,x\r\n,,\r\n\r\n";
        let rows = read(file.as_bytes()).unwrap();
        assert_eq!(
            fields(&rows),
            vec![
                vec!["name", "email", "description"],
                vec!["Ada", "ada@example.com", "Leads, mostly"],
                vec!["Bo \"B\" Li", "bo@example.com", "two\r\nlines"],
                vec!["Cy", "cy@example.com", "x"],
            ]
        );
        assert_eq!(
            rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![1, 2, 3, 5],
            "the lines rows start on"
        );
    }

    #[test]
    fn excel_sep_lines_and_uneven_rows() {
        let rows = read(b"sep=;\nname;email\nAda;ada@example.com;extra\nBo\n").unwrap();
        assert_eq!(
            fields(&rows),
            vec![
                vec!["name", "email"],
                vec!["Ada", "ada@example.com", "extra"],
                vec!["Bo"]
            ]
        );
        assert_eq!(rows[0].line, 2, "line numbers count the sep= line");
        // A value that merely starts like it is data.
        let rows = read(b"sep=x,y\n1,2\n").unwrap();
        assert_eq!(fields(&rows)[0], vec!["sep=x", "y"]);
    }

    #[test]
    fn files_that_cannot_be_imported_say_why() {
        assert_eq!(read(b""), Err(CsvError::Empty));
        assert_eq!(read(b"\xef\xbb\xbf\r\n,,\r\n"), Err(CsvError::Empty));
        assert_eq!(read(b"name\n\xff\xfe"), Err(CsvError::NotUtf8(5)));
        let big = vec![b'a'; MAX_BYTES + 1];
        assert!(matches!(read(&big), Err(CsvError::TooLarge(_))));
        assert!(CsvError::TooLarge(MAX_BYTES + 1)
            .to_string()
            .contains("6 MB"));
        let many = "n\n".to_string() + &"x\n".repeat(MAX_ROWS + 1);
        assert_eq!(
            read(many.as_bytes()),
            Err(CsvError::TooManyRows(MAX_ROWS + 1))
        );
        let header_and_max = "n\n".to_string() + &"x\n".repeat(MAX_ROWS);
        assert_eq!(read(header_and_max.as_bytes()).unwrap().len(), MAX_ROWS + 1);
        // An unclosed quote runs to the end of the file: one long field, not an error, so the
        // importer's row checks say what is wrong with that row.
        let rows = read(b"name,email\n\"Ada,ada@example.com\nBo,bo@example.com\n").unwrap();
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn cells_are_quoted_and_guarded_against_formulas() {
        // A leading space, tab or CR, and the full-width signs, start formulas too.
        assert_eq!(cell(" =1+1"), "' =1+1");
        assert_eq!(cell("\t=1"), "'\t=1");
        assert_eq!(cell("＝HYPERLINK(1)"), "'＝HYPERLINK(1)");
        assert_eq!(cell("＠SUM(A1)"), "'＠SUM(A1)");
        assert_eq!(cell("－1"), "'－1");
        assert_eq!(cell("a=b"), "a=b");
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell(""), "");
        // Spreadsheets with `;` as their list separator split there: a formula after a `;`
        // would be live, so such a cell is quoted (and read as one text cell).
        assert_eq!(cell("x;=cmd|' /C calc'!A0;y"), "\"x;=cmd|' /C calc'!A0;y\"");
    }

    #[test]
    fn a_written_file_has_a_bom_crlf_and_reads_back() {
        let mut w = Writer::new();
        w.row(["name", "note"])
            .row(["Zoë", "a,b\nc"])
            .row(["=1+1", ""]);
        let text = w.finish();
        assert_eq!(text, "\u{feff}name,note\r\nZoë,\"a,b\nc\"\r\n'=1+1,\r\n");
        let rows = read(text.as_bytes()).unwrap();
        assert_eq!(rows[1].fields, vec!["Zoë", "a,b\nc"]);
        assert_eq!(rows[2].fields[0], "'=1+1");
    }
}
