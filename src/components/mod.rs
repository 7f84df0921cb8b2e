//! Reusable view pieces.
pub mod api_error;
pub mod auth_views;
pub mod header;
pub mod import;
pub mod importer;
pub mod load;
pub mod table;
