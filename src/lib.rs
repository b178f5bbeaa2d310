//! policyc: a compiler and evaluator for heavy-air-pollution emergency plans.
//!
//! The pipeline (see ARCHITECTURE.md): [`syntax`] parses text into an AST, [`semantics`]
//! resolves names and checks types, [`ir`] lowers to the rule set, [`data`] loads records,
//! [`eval`] decides, [`report`] renders.

pub mod analysis;
pub mod cli;
pub mod compile;
pub mod data;
pub mod dates;
pub mod diagnostics;
pub mod eval;
pub mod ir;
pub mod report;
pub mod semantics;
pub mod source;
pub mod syntax;
