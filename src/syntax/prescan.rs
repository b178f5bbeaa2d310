//! Checks that run before pest sees the text: characters that make the text lie about
//! itself, and bracket nesting depth.
//!
//! pest's generated parser and our AST builder both recurse on brackets, so a file of
//! 100,000 `(` would overflow the stack. Counting first keeps parsing bounded.
//!
//! The scan knows quoted texts and comments as the grammar does, line ends included (`\n`,
//! `\r\n` and a lone `\r`): bidirectional controls and other control characters are refused
//! everywhere, comments and quoted texts included; invisible characters and CJK
//! compatibility ideographs outside quoted texts and comments, that is in names.

use super::chars;
use crate::diagnostics::{Code, Diagnostic};
use crate::limits::MAX_NESTING;
use crate::source::{FileId, Span};

/// Diagnostics about characters reported per file at most; the last one says how many more.
const MAX_CHARACTER_DIAGNOSTICS: usize = 10;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    /// Inside a quoted text that `close` ends (`"` or the full-width `”`).
    Quoted {
        close: char,
        escaped: bool,
    },
    LineComment,
    BlockComment,
}

/// Every refused character and the first bracket nested too deep, in text order.
pub fn check(file: FileId, text: &str) -> Result<(), Vec<Diagnostic>> {
    let mut found: Vec<Diagnostic> = Vec::new();
    let mut more = 0usize;
    let mut report = |d: Diagnostic| {
        if found.len() < MAX_CHARACTER_DIAGNOSTICS {
            found.push(d);
        } else {
            more += 1;
        }
    };
    let mut too_deep = None;
    let mut state = State::Code;
    let mut depth = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let span = Span::new(file, i, i + c.len_utf8());
        if let Some(d) = refused_character(text, span, c, state, i) {
            report(d);
        }
        let next = chars.peek().map(|&(_, n)| n);
        state = match state {
            State::Code => match c {
                '"' => State::Quoted {
                    close: '"',
                    escaped: false,
                },
                '“' => State::Quoted {
                    close: '”',
                    escaped: false,
                },
                '/' if next == Some('/') => {
                    chars.next();
                    State::LineComment
                }
                '/' if next == Some('*') => {
                    chars.next();
                    State::BlockComment
                }
                '(' | '（' | '[' | '{' => {
                    depth += 1;
                    if depth > MAX_NESTING && too_deep.is_none() {
                        too_deep = Some(span);
                    }
                    State::Code
                }
                ')' | '）' | ']' | '}' => {
                    depth = depth.saturating_sub(1);
                    State::Code
                }
                _ => State::Code,
            },
            // A quoted text ends at its closing quote or, unterminated, at the line end
            // (the grammar then reports it).
            State::Quoted { close, escaped } => match c {
                '\n' | '\r' => State::Code,
                c if c == close && !escaped => State::Code,
                '\\' if !escaped => State::Quoted {
                    close,
                    escaped: true,
                },
                _ => State::Quoted {
                    close,
                    escaped: false,
                },
            },
            State::LineComment => match c {
                '\n' | '\r' => State::Code,
                _ => State::LineComment,
            },
            State::BlockComment => {
                if c == '*' && next == Some('/') {
                    chars.next();
                    State::Code
                } else {
                    State::BlockComment
                }
            }
        };
    }
    if more > 0 {
        if let Some(last) = found.pop() {
            found.push(last.note(format!(
                "{more} more such character{} in this file",
                if more == 1 { "" } else { "s" }
            )));
        }
    }
    if let Some(span) = too_deep {
        found.push(
            Diagnostic::new(
                Code::E0002,
                format!("brackets are nested more than {MAX_NESTING} deep"),
            )
            .primary(span, "this bracket is too deep")
            .help("split the condition into smaller parts; no plan needs this much nesting"),
        );
    }
    if found.is_empty() {
        Ok(())
    } else {
        found.sort_by_key(|d| d.primary_span().map(|s| s.start));
        Err(found)
    }
}

/// The run of name characters (and invisible ones) around `span`: the name it sits in.
fn word_around(text: &str, span: Span) -> Span {
    let part = |c: char| c.is_alphanumeric() || c == '_' || chars::default_ignorable(c);
    let start = text[..span.start]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| part(c))
        .last()
        .map_or(span.start, |(i, _)| i);
    let end = text[span.end..]
        .char_indices()
        .find(|&(_, c)| !part(c))
        .map_or(text.len(), |(i, _)| span.end + i);
    Span::new(span.file, start, end)
}

fn refused_character(
    text: &str,
    span: Span,
    c: char,
    state: State,
    at: usize,
) -> Option<Diagnostic> {
    let cp = chars::describe(c);
    if chars::bidi_control(c).is_some() {
        return Some(
            Diagnostic::new(
                Code::E0006,
                format!("bidirectional control character {cp} in the policy text"),
            )
            .primary(span, format!("{} here", chars::code_point(c)))
            .help(
                "remove it: a bidirectional control makes an editor show the text in another order than the one policyc reads (it can hide or reorder legal wording), so it is refused everywhere, in quoted texts and comments too",
            ),
        );
    }
    if chars::refused_control(c) {
        return Some(
            Diagnostic::new(Code::E0007, format!("control character {cp} in the policy text"))
                .primary(span, format!("{} here", chars::code_point(c)))
                .help(
                    "remove it: policy text holds no control characters except tab and line ends, in quoted texts and comments too; write a line break in a quoted text as `\\n`",
                ),
        );
    }
    if state != State::Code {
        return None;
    }
    if chars::default_ignorable(c) && !(c == '\u{FEFF}' && at == 0) {
        let mut d = Diagnostic::new(
            Code::E0008,
            format!("invisible character {cp} outside quoted text"),
        )
        .primary(
            span,
            format!("{} here, shown as nothing", chars::code_point(c)),
        );
        let word = word_around(text, span);
        if word != span {
            d = d.secondary(word, "in this name");
        }
        return Some(
            d
            .help(
                "remove it: an invisible character makes a name look like another one (`停工` with it is not `停工`), so names and the rest of the policy outside quoted texts and comments are written in visible characters only",
            ),
        );
    }
    if let Some(unified) = chars::compatibility_ideograph(c) {
        return Some(
            Diagnostic::new(
                Code::E0009,
                format!("CJK compatibility ideograph {cp} outside quoted text"),
            )
            .primary(span, format!("{} here, a second encoding of {unified}", chars::code_point(c)))
            .help(format!(
                "write {unified} ({}) instead: {} looks the same as {unified} but is another character, so a name written with it would be another name",
                chars::code_point(unified),
                chars::code_point(c)
            )),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<Code> {
        match check(0, text) {
            Ok(()) => Vec::new(),
            Err(ds) => ds.iter().map(|d| d.code).collect(),
        }
    }

    #[test]
    fn rejects_deep_nesting_and_ignores_brackets_in_strings() {
        let deep = "(".repeat(100_000);
        let d = check(0, &deep).unwrap_err();
        assert_eq!(d[0].code, Code::E0002);
        assert_eq!(d[0].labels[0].span.start, MAX_NESTING);
        let quoted = format!("\"{}\" // {}", "(".repeat(500), "[".repeat(500));
        assert!(check(0, &quoted).is_ok());
    }

    #[test]
    fn full_width_brackets_nest_and_chinese_quotes_hold_text() {
        let deep = "（".repeat(100_000);
        let d = check(0, &deep).unwrap_err();
        assert_eq!(d[0].code, Code::E0002);
        assert_eq!(d[0].labels[0].span.start, MAX_NESTING * '（'.len_utf8());
        let mixed = "(（".repeat(MAX_NESTING / 2) + "（";
        assert_eq!(codes(&mixed), [Code::E0002]);
        // Brackets in `“…”` are wording; an ASCII `"` inside does not end it.
        let quoted = format!("“\"{}” {}", "（".repeat(500), "（".repeat(MAX_NESTING));
        assert!(check(0, &quoted).is_ok());
        assert_eq!(codes(&format!("{quoted}(")), [Code::E0002]);
    }

    #[test]
    fn comments_and_quoted_texts_end_at_every_line_end() {
        for nl in ["\n", "\r\n", "\r"] {
            // After the comment's line end, brackets count again.
            let text = format!("// 注释{nl}{}", "(".repeat(MAX_NESTING + 1));
            assert_eq!(codes(&text), [Code::E0002], "{nl:?}");
            let text = format!("\"未闭合{nl}{}", "(".repeat(MAX_NESTING + 1));
            assert_eq!(codes(&text), [Code::E0002], "{nl:?}");
        }
    }

    #[test]
    fn bidi_and_controls_are_refused_everywhere_invisibles_outside_text() {
        assert_eq!(codes("依据 \"三\u{202E}一\""), [Code::E0006]);
        assert_eq!(codes("// \u{2066} 注释"), [Code::E0006]);
        assert_eq!(codes("/* \u{200F} */"), [Code::E0006]);
        assert_eq!(codes("内容 \"a\0b\""), [Code::E0007]);
        assert_eq!(codes("// \u{1B}[2J"), [Code::E0007]);
        assert_eq!(
            codes("内容 \"\\\u{85}\""),
            [Code::E0007],
            "an escape does not hide it"
        );
        assert_eq!(codes("措施 停工\u{FE00}"), [Code::E0008]);
        assert_eq!(codes("措施 停\u{200D}工"), [Code::E0008]);
        assert_eq!(codes("措施 \u{3164}"), [Code::E0008]);
        assert_eq!(codes("措施 \u{FA08}业"), [Code::E0009]);
        let d = &check(0, "措施 停工\u{FE00} 强制性").unwrap_err()[0];
        let (primary, name) = (d.labels[0].span, d.labels[1].span);
        assert_eq!(
            (primary.start, primary.end),
            (13, 16),
            "the character itself"
        );
        assert_eq!((name.start, name.end), (7, 16), "the name it is in");
        // In quoted text and comments, invisibles and compatibility ideographs are wording.
        assert_eq!(
            codes("内容 \"\u{FA08}\u{200D}\" // \u{FE00}"),
            Vec::<&str>::new()
        );
        // A byte-order mark opens a file; anywhere else it is an invisible character.
        assert_eq!(codes("\u{FEFF}预案 \"甲\" {}"), Vec::<&str>::new());
        assert_eq!(codes("预案\u{FEFF} \"甲\" {}"), [Code::E0008]);
        assert_eq!(codes("\t预案 \"甲\"\r\n{}\r"), Vec::<&str>::new());
    }

    #[test]
    fn many_refused_characters_are_summed_up() {
        let text = "\u{202E}".repeat(25);
        let ds = check(0, &text).unwrap_err();
        assert_eq!(ds.len(), MAX_CHARACTER_DIAGNOSTICS);
        assert_eq!(ds[9].notes, ["15 more such characters in this file"]);
        assert!(ds.iter().all(|d| !d.message.contains('\u{202E}')));
    }
}
