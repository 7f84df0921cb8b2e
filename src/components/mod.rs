//! Reusable view pieces.
pub mod api_error;
pub mod auth_views;
pub mod credentials;
pub mod header;
pub mod load;
pub mod ondemand;
pub mod table;
