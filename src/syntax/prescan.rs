//! Checks that run before pest sees the text: bracket nesting depth.
//!
//! pest's generated parser and our AST builder both recurse on brackets, so a file of
//! 100,000 `(` would overflow the stack. Counting first keeps parsing bounded.

use crate::diagnostics::Diagnostic;
use crate::ir::limits::MAX_NESTING;
use crate::source::{FileId, Span};

pub fn check_nesting(file: FileId, text: &str) -> Result<(), Diagnostic> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    let span = Span::new(file, i, i + 1);
                    return Err(Diagnostic::new(
                        "E0002",
                        format!("brackets are nested more than {MAX_NESTING} deep"),
                    )
                    .primary(span, "this bracket is too deep")
                    .help(
                        "split the condition into smaller parts; no plan needs this much nesting",
                    ));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_deep_nesting_and_ignores_brackets_in_strings() {
        let deep = "(".repeat(100_000);
        let d = check_nesting(0, &deep).unwrap_err();
        assert_eq!(d.code, "E0002");
        assert_eq!(d.labels[0].span.start, MAX_NESTING);
        let quoted = format!("\"{}\" // {}", "(".repeat(500), "[".repeat(500));
        assert!(check_nesting(0, &quoted).is_ok());
    }
}
