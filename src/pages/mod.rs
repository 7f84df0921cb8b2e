//! One routed view per file.
pub mod callback;
pub mod home;
pub mod not_found;
pub mod placeholder;
pub mod setup;
