//! One routed view per file.
pub mod callback;
pub mod detail;
pub mod home;
pub mod lists;
pub mod not_found;
pub mod setup;
pub mod token;
