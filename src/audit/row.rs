//! One row of an audit table, person or service alike: its cells on screen, its cells in the
//! CSV export, and what was found about it.

/// A row with the findings of kind `F` (`people::Finding`, `services::Finding`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row<F> {
    pub id: String,
    pub html_url: Option<String>,
    /// One per the table's columns.
    pub cells: Vec<String>,
    /// One per the export's columns.
    pub export: Vec<String>,
    pub findings: Vec<F>,
}
