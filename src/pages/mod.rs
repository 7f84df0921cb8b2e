//! One routed view per file.
pub mod bulk;
pub mod bulk_io;
pub mod callback;
pub mod detail;
pub mod home;
pub mod lists;
pub mod not_found;
pub mod setup;
pub mod token;
