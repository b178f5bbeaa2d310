//! Stage 8, report: diagnostics and decisions rendered for people and for machines.

pub mod census;
pub mod decisions;
pub mod diagnostics;
mod files;
pub mod findings;
pub mod public;
pub mod sarif;
pub mod terminal;
pub mod words;
pub mod xlsx;

pub use diagnostics::{render_human, render_json};
