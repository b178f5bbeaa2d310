//! Stage 1, parse: policy text → pest pairs → AST with spans.

pub mod ast;
pub mod chars;
pub mod errors;
pub mod keywords;
mod parser;
mod prescan;

pub use keywords::KEYWORDS;
pub use parser::parse_module;
