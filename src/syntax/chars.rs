//! Characters that make policy text lie about itself, and how diagnostics name them.
//!
//! Bidirectional controls reorder what an editor shows (Trojan Source); other control
//! characters drive the terminal; invisible (default-ignorable) characters and CJK
//! compatibility ideographs make two different names look the same. The tables are the
//! unicode-rs crates' (Unicode TR39 identifier types, canonical decompositions), so they
//! follow Unicode rather than a list kept here.

use unicode_normalization::char::decompose_canonical;
use unicode_security::general_security_profile::IdentifierType;
use unicode_security::GeneralSecurityProfile;

/// The explicit bidirectional formatting characters and the implicit marks, with their names.
const BIDI_CONTROLS: &[(char, &str)] = &[
    ('\u{061C}', "ARABIC LETTER MARK"),
    ('\u{200E}', "LEFT-TO-RIGHT MARK"),
    ('\u{200F}', "RIGHT-TO-LEFT MARK"),
    ('\u{202A}', "LEFT-TO-RIGHT EMBEDDING"),
    ('\u{202B}', "RIGHT-TO-LEFT EMBEDDING"),
    ('\u{202C}', "POP DIRECTIONAL FORMATTING"),
    ('\u{202D}', "LEFT-TO-RIGHT OVERRIDE"),
    ('\u{202E}', "RIGHT-TO-LEFT OVERRIDE"),
    ('\u{2066}', "LEFT-TO-RIGHT ISOLATE"),
    ('\u{2067}', "RIGHT-TO-LEFT ISOLATE"),
    ('\u{2068}', "FIRST STRONG ISOLATE"),
    ('\u{2069}', "POP DIRECTIONAL ISOLATE"),
];

/// The name of a bidirectional control, or `None` for any other character.
pub fn bidi_control(c: char) -> Option<&'static str> {
    BIDI_CONTROLS.iter().find(|(b, _)| *b == c).map(|(_, n)| *n)
}

/// A control character the language refuses everywhere: C0 and C1 controls and DEL except
/// tab and the line ends, and the line and paragraph separators (U+2028, U+2029), which
/// some editors show as line ends and the grammar does not.
pub fn refused_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// A default-ignorable code point (TR39 identifier type `Default_Ignorable`): shown as
/// nothing, or as a blank, by editors, so it cannot be seen in a name.
pub fn default_ignorable(c: char) -> bool {
    // The crate's skeleton drops exactly the Default_Ignorable_Code_Point characters: a
    // character whose skeleton is empty is one, whatever its identifier type says.
    c.identifier_type() == Some(IdentifierType::Default_Ignorable)
        || unicode_security::skeleton(c.encode_utf8(&mut [0; 4]))
            .next()
            .is_none()
}

/// For a CJK compatibility ideograph (a second encoding of an ideograph, kept for round
/// trips with old character sets: U+FA08 for 行), the unified ideograph it stands for.
pub fn compatibility_ideograph(c: char) -> Option<char> {
    if !matches!(c, '\u{F900}'..='\u{FAFF}' | '\u{2F800}'..='\u{2FA1F}') {
        return None;
    }
    // The twelve unified ideographs of the block (U+FA0E …) decompose to themselves.
    let mut parts = Vec::with_capacity(1);
    decompose_canonical(c, |d| parts.push(d));
    match parts.as_slice() {
        [d] if *d != c => Some(*d),
        _ => None,
    }
}

/// `U+202E`: how a diagnostic names a character.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// `U+202E (RIGHT-TO-LEFT OVERRIDE)`, or just the code point for a character without a
/// name here.
pub fn describe(c: char) -> String {
    match bidi_control(c).or_else(|| control_name(c)) {
        Some(name) => format!("{} ({name})", code_point(c)),
        None => code_point(c),
    }
}

fn control_name(c: char) -> Option<&'static str> {
    Some(match c {
        '\0' => "NUL",
        '\u{7}' => "BELL",
        '\u{8}' => "BACKSPACE",
        '\u{B}' => "LINE TABULATION",
        '\u{C}' => "FORM FEED",
        '\u{1B}' => "ESCAPE",
        '\u{7F}' => "DELETE",
        '\u{85}' => "NEXT LINE",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        _ => return None,
    })
}

/// Whether a diagnostic may show `c` as it is: not a control, not a bidirectional
/// control, not invisible.
pub fn printable(c: char) -> bool {
    !(refused_control(c) || c.is_control() || bidi_control(c).is_some() || default_ignorable(c))
}

/// `text` with every character a diagnostic must not show replaced by `<U+XXXX>`.
pub fn escape(text: &str) -> String {
    if text.chars().all(printable) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if printable(c) {
            out.push(c);
        } else {
            out.push('<');
            out.push_str(&code_point(c));
            out.push('>');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_characters_of_the_issue() {
        for c in [
            '\u{FE00}', '\u{200D}', '\u{034F}', '\u{3164}', '\u{00AD}', '\u{FEFF}',
        ] {
            assert!(default_ignorable(c), "{}", code_point(c));
        }
        for c in ['行', 'A', 'А', '_', '级', '\u{3000}', ' '] {
            assert!(!default_ignorable(c), "{}", code_point(c));
        }
        assert_eq!(compatibility_ideograph('\u{FA08}'), Some('行'));
        assert_eq!(compatibility_ideograph('\u{2F800}'), Some('\u{4E3D}'));
        assert_eq!(
            compatibility_ideograph('\u{FA0E}'),
            None,
            "a unified ideograph"
        );
        assert_eq!(compatibility_ideograph('行'), None);
        for c in [
            '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            assert!(bidi_control(c).is_some(), "{}", code_point(c));
        }
        for c in [
            '\0', '\u{1B}', '\u{7F}', '\u{85}', '\u{9B}', '\u{C}', '\u{2028}',
        ] {
            assert!(refused_control(c), "{}", code_point(c));
        }
        for c in ['\t', '\n', '\r', ' ', '甲'] {
            assert!(!refused_control(c), "{}", code_point(c));
        }
    }

    #[test]
    fn escapes_what_must_not_reach_a_terminal() {
        assert_eq!(escape("停工"), "停工");
        assert_eq!(
            escape("a\u{202E}b\u{1B}[2Jc\u{FE00}"),
            "a<U+202E>b<U+001B>[2Jc<U+FE00>"
        );
        assert_eq!(describe('\u{202E}'), "U+202E (RIGHT-TO-LEFT OVERRIDE)");
        assert_eq!(describe('\0'), "U+0000 (NUL)");
        assert_eq!(describe('\u{FA08}'), "U+FA08");
    }
}
