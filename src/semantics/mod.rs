//! Stages 2 and 3: resolve names and imports, then check types against the schema, which
//! produces the typed program.

pub mod names;
pub mod resolve;
pub mod typed;
pub mod types;

pub use resolve::Program;
pub use types::check;

/// The typed program as a compilation holds it.
pub type Checked = typed::Program;
