//! The module's pages, one per file: Import (`bulk`, with its steps in `bulk/`) and the token
//! inspector (`token`).

pub mod bulk;
pub mod token;
