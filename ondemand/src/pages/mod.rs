//! The module's pages, one per file: Import (`bulk`, with its steps in `bulk/`), the Audit
//! (`audit`), the token
//! inspector (`token`), the user page's notification rules and team roles (`user`), and the
//! credentials file picker (`credentials`).

pub mod audit;
pub mod bulk;
pub mod credentials;
pub mod token;
pub mod user;
