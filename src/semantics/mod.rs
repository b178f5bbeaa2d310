//! Stages 2 and 3: resolve names and imports, then check types against the schema.

pub mod names;
pub mod resolve;
pub mod types;

pub use resolve::Program;
pub use types::{check, Checked};
