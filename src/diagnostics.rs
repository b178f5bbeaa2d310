//! The renderer-agnostic diagnostic every stage reports, and the table of stable codes.

use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
    pub primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub labels: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic whose severity follows from its code (`E…` error, `W…` warning).
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: code.severity(),
            code,
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The primary label's span, used to order diagnostics.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.iter().find(|l| l.primary).map(|l| l.span)
    }
}

/// Orders diagnostics by file and position so output is deterministic.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| {
        let s = d.primary_span().unwrap_or_default();
        (s.file, s.start, s.end, d.code)
    });
}

/// Every stable code with a one-line summary and a long explanation (`policyc explain CODE`).
pub struct CodeInfo {
    pub code: Code,
    pub summary: &'static str,
    pub explanation: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/codes.rs"));

impl Code {
    /// `W…` codes are warnings, `E…` codes errors.
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }

    /// Codes `E00xx` are the parser's: refused characters, syntax, condition limits.
    pub fn is_syntax(self) -> bool {
        self.as_str().starts_with("E00")
    }

    /// The code's summary and explanation.
    pub fn info(self) -> &'static CodeInfo {
        &CODES[self as usize]
    }

    /// The code written as `text` (any case), if there is one.
    pub fn parse(text: &str) -> Option<Code> {
        let upper = text.to_ascii_uppercase();
        Code::ALL.iter().copied().find(|c| c.as_str() == upper)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tests and callers may compare a code with its text: `d.code == Code::E0201`.
impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The explanation of `code` (any case), for `policyc explain`.
pub fn explain(code: &str) -> Option<&'static CodeInfo> {
    Code::parse(code).map(Code::info)
}

#[cfg(test)]
mod code_table_tests {
    use super::*;

    #[test]
    fn the_table_is_in_the_order_of_the_enum() {
        for (i, c) in Code::ALL.iter().enumerate() {
            assert_eq!(CODES[i].code, *c);
            assert_eq!(*c as usize, i);
        }
        assert_eq!(Code::parse("e0201"), Some(Code::E0201));
        assert_eq!(Code::parse("E9999"), None);
    }
}
