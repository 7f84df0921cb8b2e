//! One routed view per file. The pages most visits never open (Import, the token inspector)
//! are the `ondemand` crate's, a second WebAssembly module.
pub mod callback;
pub mod detail;
pub mod home;
pub mod lists;
pub mod not_found;
pub mod setup;
