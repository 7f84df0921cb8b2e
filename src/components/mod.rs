//! Reusable view pieces.
pub mod auth_views;
pub mod header;
pub mod import;
