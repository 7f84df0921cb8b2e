//! The module's pages, one per file: Import (`bulk`, with its steps in `bulk/`), the token
//! inspector (`token`), the user page's notification rules and team roles (`user`), and the
//! credentials file picker with the setup screen's help (`setup`).

pub mod bulk;
pub mod setup;
pub mod token;
pub mod user;
