//! Cell and header text as officers type it: full-width letters and digits, stray spaces,
//! yes/no written a dozen ways, "nothing" written as 无 or a dash, totals rows.

use std::borrow::Cow;

/// Folds full-width ASCII (`Ｂ级`, `１２`) and the ideographic space to their ASCII forms and
/// trims the ends. Allocates only when the text has something to fold.
pub fn fold(text: &str) -> Cow<'_, str> {
    let t = text.trim_matches(is_space);
    // Every character folded starts with one of these bytes in UTF-8 (U+FF01–U+FF5E with
    // 0xEF, U+3000 with 0xE3, U+00A0 with 0xC2): most cells have none, and are not decoded.
    if !t.bytes().any(|b| matches!(b, 0xEF | 0xE3 | 0xC2)) || !t.chars().any(needs_fold) {
        return Cow::Borrowed(t);
    }
    let folded: String = t.chars().map(fold_char).collect();
    Cow::Owned(folded.trim_matches(is_space).to_string())
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}'
}

fn needs_fold(c: char) -> bool {
    matches!(c, '\u{ff01}'..='\u{ff5e}' | '\u{3000}' | '\u{00a0}')
}

fn fold_char(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' | '\u{00a0}' => ' ',
        _ => c,
    }
}

/// A header text reduced for comparison: folded, without any whitespace, without marks
/// that say a column is required (`*`, `★`) and without a trailing colon.
pub fn header_key(text: &str) -> String {
    let folded = fold(text);
    let mut s: String = folded
        .chars()
        .filter(|c| !is_space(*c) && !matches!(c, '*' | '★' | '☆' | '\n' | '\r'))
        .collect();
    while s.ends_with([':', '：']) {
        s.pop();
    }
    s
}

/// The core of a header for inferring its field: [`header_key`] without a leading 是否,
/// without a bracketed remark (`（是/否）`, `(必填)`), and without a leading `prefix` (the
/// entity's name) when something is left.
pub fn header_core(text: &str, prefixes: &[&str]) -> String {
    let mut s = header_key(text);
    // A bracketed remark: `涉密（是/否）`, `行业(必填)`.
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']'), ('【', '】')] {
        while let (Some(i), Some(j)) = (s.find(open), s.rfind(close)) {
            if j <= i {
                break;
            }
            let rest = format!("{}{}", &s[..i], &s[j + close.len_utf8()..]);
            if rest.is_empty() {
                break;
            }
            s = rest;
        }
    }
    if let Some(rest) = s.strip_prefix("是否") {
        if !rest.is_empty() {
            s = rest.to_string();
        }
    }
    for p in prefixes {
        if let Some(rest) = s.strip_prefix(p) {
            if rest.chars().count() >= 2 {
                s = rest.to_string();
                break;
            }
        }
    }
    s
}

/// Yes or no as officers write it: 是/否, √/×, Y/N, 有/无, true/false, 1/0.
pub fn parse_bool(text: &str) -> Option<bool> {
    let t = fold(text);
    let t = t.as_ref();
    const YES: &[&str] = &["是", "√", "✓", "✔", "有", "1", "对"];
    const NO: &[&str] = &["否", "×", "✗", "✘", "无", "0", "不是", "没有"];
    if YES.contains(&t) {
        return Some(true);
    }
    if NO.contains(&t) {
        return Some(false);
    }
    match t.to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "t" => Some(true),
        "n" | "no" | "false" | "f" => Some(false),
        _ => None,
    }
}

/// True for the usual ways of writing "nothing" in an optional field: 无, /, -, —, N/A.
pub fn is_nothing(text: &str) -> bool {
    let t = fold(text);
    matches!(
        t.as_ref(),
        "" | "无" | "/" | "-" | "—" | "——" | "－" | "--" | "暂无" | "N/A" | "n/a" | "NA" | "null"
    )
}

/// True when a row without a key reads as a total or a note rather than a record: its first
/// non-empty cell says 合计, 小计, 总计, 共计, 共N家 … or starts a signature line (填表人).
pub fn is_total_text(text: &str) -> bool {
    let t = header_key(text);
    const STARTS: &[&str] = &[
        "合计",
        "小计",
        "总计",
        "共计",
        "累计",
        "总数",
        "填表人",
        "填报人",
        "审核人",
        "制表人",
        "联系人",
        "联系电话",
        "负责人",
        "注:",
        "注：",
        "备注:",
        "说明:",
        "Total",
        "total",
        "TOTAL",
        "Sum",
        "sum",
    ];
    if STARTS.iter().any(|s| t.starts_with(s)) {
        return true;
    }
    // 共12家, 共 3 个企业, 共计5户
    if let Some(rest) = t.strip_prefix('共') {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        return digits > 0;
    }
    false
}

/// True when text looks like a number Excel made of an all-digit code: only digits (15
/// significant at most survive), or scientific notation such as `9.1110105E+17`.
pub fn looks_like_excel_number(text: &str) -> bool {
    let t = fold(text);
    let t = t.as_ref();
    // A number keeps 15 significant digits: an 18-digit code comes back ending in zeros.
    if t.len() >= 16 && t.bytes().all(|b| b.is_ascii_digit()) && t.ends_with("000") {
        return true;
    }
    let upper = t.to_ascii_uppercase();
    if let Some((mantissa, exp)) = upper.split_once("E+") {
        return !mantissa.is_empty()
            && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && !exp.is_empty()
            && exp.bytes().all(|b| b.is_ascii_digit());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_spaces_fold() {
        assert_eq!(fold("  Ｂ级 "), "B级");
        assert_eq!(fold("１２３"), "123");
        assert_eq!(fold("\u{3000}水泥熟料\u{3000}"), "水泥熟料");
        assert!(matches!(fold("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn headers_reduce_to_their_core() {
        assert_eq!(header_key(" 企业 名称* "), "企业名称");
        assert_eq!(header_core("是否涉密", &[]), "涉密");
        assert_eq!(header_core("涉气（是/否）", &[]), "涉气");
        assert_eq!(header_core("企业信用代码", &["企业"]), "信用代码");
        assert_eq!(header_core("企业", &["企业"]), "企业");
        assert_eq!(
            header_core("（备注）", &[]),
            "(备注)",
            "folded, and kept when nothing is left"
        );
    }

    #[test]
    fn yes_no_in_every_spelling() {
        for y in ["是", "√", "Y", "y", "有", "true", "1", "ＹＥＳ"] {
            assert_eq!(parse_bool(y), Some(true), "{y}");
        }
        for n in ["否", "×", "N", "无", "false", "0"] {
            assert_eq!(parse_bool(n), Some(false), "{n}");
        }
        assert_eq!(parse_bool("也许"), None);
    }

    #[test]
    fn nothing_markers_totals_and_excel_numbers() {
        for t in ["", "无", "/", "-", "—", " － "] {
            assert!(is_nothing(t), "{t}");
        }
        assert!(!is_nothing("民生保障"));
        for t in ["合计", "小计：", "共12家", "总计(家)", "填表人：张三"] {
            assert!(is_total_text(t), "{t}");
        }
        assert!(!is_total_text("北京共和水泥厂"));
        assert!(!is_total_text("共和"));
        assert!(looks_like_excel_number("911101050000000000"));
        assert!(
            !looks_like_excel_number("911101060700823860"),
            "18 digits that a number could not hold: a mistyped code"
        );
        assert!(looks_like_excel_number("9.1110105E+17"));
        assert!(!looks_like_excel_number("91110105MA0000000Y"));
    }
}
