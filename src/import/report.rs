//! The per-row report.
