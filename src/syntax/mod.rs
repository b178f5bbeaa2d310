//! Stage 1, parse: policy text → pest pairs → AST with spans.

pub mod ast;
pub mod chars;
pub mod errors;
mod parser;
mod prescan;

pub use parser::parse_module;
