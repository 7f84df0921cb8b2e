//! The module's pages, one per file: Import (`bulk`, with its steps in `bulk/`), the token
//! inspector (`token`), and the user page's notification rules and team roles (`user`).

pub mod bulk;
pub mod token;
pub mod user;
