//! Text from data made safe for a terminal: control characters (escape sequences that move
//! the cursor, change colours or the window title), C1 controls and the bidirectional
//! controls that reorder what is shown (U+202E …) are written as `\u{…}` instead of being
//! sent to the terminal. Used wherever human-readable output echoes data: `--format
//! table`, the notes and warnings on standard error, row errors and load errors.

use std::borrow::Cow;

/// Whether `c` is shown as an escape: every control character but those `keep` allows,
/// and the bidirectional and line-separating format characters.
fn hidden(c: char, keep: &[char]) -> bool {
    (c.is_control() && !keep.contains(&c))
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}'
        )
}

fn escape<'t>(text: &'t str, keep: &[char]) -> Cow<'t, str> {
    if !text.chars().any(|c| hidden(c, keep)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c, keep) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One value (a key, a cell, a file name): every control character escaped, line ends too.
pub fn clean(text: &str) -> Cow<'_, str> {
    escape(text, &[])
}

/// Lines of text (a message, a block of the table): line ends and tabs kept, every other
/// control character escaped.
pub fn clean_lines(text: &str) -> Cow<'_, str> {
    escape(text, &['\n', '\t'])
}

/// Cleans what was written to `out` from `start` on, as [`clean_lines`].
pub fn clean_tail(out: &mut Vec<u8>, start: usize) {
    let Some(tail) = out.get(start..) else { return };
    let Ok(text) = std::str::from_utf8(tail) else {
        return;
    };
    if let Cow::Owned(cleaned) = clean_lines(text) {
        out.truncate(start);
        out.extend_from_slice(cleaned.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bidi_controls_are_shown_not_obeyed() {
        assert_eq!(clean("甲厂"), "甲厂");
        assert_eq!(clean("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean("x\u{202e}y\u{2066}"), "x\\u{202e}y\\u{2066}");
        assert_eq!(clean("a\nb\u{9b}"), "a\\u{a}b\\u{9b}");
        assert_eq!(clean_lines("a\n\tb\r"), "a\n\tb\\u{d}");
        let mut out = b"kept\x1b".to_vec();
        out.extend_from_slice("新\u{7}\n".as_bytes());
        clean_tail(&mut out, 5);
        assert_eq!(String::from_utf8(out).unwrap(), "kept\x1b新\\u{7}\n");
    }
}
