//! Cell text → typed value, shared by every input format. Text is taken as officers write
//! it: full-width letters and digits folded, yes/no in its usual spellings, "nothing"
//! markers in optional fields, enum values by name or a declared alias.

use std::borrow::Cow;

use super::credit_code;
use super::normalize::{fold, is_nothing, looks_like_excel_number, parse_bool};
use crate::dates;
use crate::ir::{FieldType, RuleSet, Value};
use crate::messages::Lang;
use crate::msg;

/// What a field expects, in words, for error messages.
pub fn expected(rules: &RuleSet, lang: Lang, ty: FieldType) -> String {
    match ty {
        FieldType::Text => msg!(lang, EXPECT_TEXT),
        FieldType::Bool => msg!(lang, EXPECT_BOOL),
        FieldType::Integer => msg!(lang, EXPECT_INTEGER),
        FieldType::Decimal => msg!(lang, EXPECT_NUMBER),
        FieldType::Percent => msg!(lang, EXPECT_PERCENT),
        FieldType::Date => msg!(lang, EXPECT_DATE),
        FieldType::CreditCode => msg!(lang, EXPECT_CREDIT_CODE),
        FieldType::Level => msg!(lang, EXPECT_LEVEL, level_names(rules)),
        FieldType::Enum(e) => msg!(lang, EXPECT_ONE_OF, variant_names(rules, e)),
        FieldType::Set(None) => msg!(lang, EXPECT_LEVELS, level_names(rules)),
        FieldType::Set(Some(e)) => msg!(lang, EXPECT_VALUES, variant_names(rules, e)),
        FieldType::List(e) => msg!(lang, EXPECT_LIST, rules.entities[e].name),
        FieldType::Action { .. } => msg!(lang, EXPECT_ACTION),
    }
}

fn level_names(rules: &RuleSet) -> String {
    rules
        .levels
        .iter()
        .map(|l| l.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn variant_names(rules: &RuleSet, e: usize) -> String {
    rules.enums[e].variants.join(", ")
}

/// The variant of enum `e` that `text` names, by its name or a declared alias.
pub fn enum_variant(rules: &RuleSet, e: usize, text: &str) -> Option<u16> {
    rules.enums[e].variant_index(text)
}

/// The level `text` names (its name or alias), also written with 预警 after it (`橙色预警`).
pub fn level(rules: &RuleSet, text: &str) -> Option<u16> {
    rules
        .level_index(text)
        .or_else(|| rules.level_index(text.strip_suffix("预警")?.trim()))
        .map(|i| i as u16)
}

/// Checks a credit code, with the help line for a code Excel turned into a number.
pub fn check_credit_code(lang: Lang, code: &str) -> Result<(), String> {
    credit_code::validate(lang, code).map_err(|why| {
        if looks_like_excel_number(code) {
            format!("{why}; {}", msg!(lang, CREDIT_EXCEL_HELP))
        } else {
            why
        }
    })
}

/// Parses one cell. Empty text is `Missing` (and so is a "nothing" marker such as 无 or `-`
/// in an optional field); the caller decides whether that is allowed. The error says why
/// the text is not of the field's type.
pub fn parse_cell(
    rules: &RuleSet,
    lang: Lang,
    ty: FieldType,
    optional: bool,
    text: &str,
) -> Result<Value, String> {
    let folded = fold(text);
    let t = folded.as_ref();
    if t.is_empty() || (optional && ty != FieldType::Bool && is_nothing(t)) {
        // An empty set is a value (on no list), not a missing one.
        return Ok(if matches!(ty, FieldType::Set(_)) {
            Value::Set(0)
        } else {
            Value::Missing
        });
    }
    let fail = || Err(msg!(lang, EXPECTED, expected(rules, lang, ty)));
    match ty {
        FieldType::Text => Ok(Value::Text(t.into())),
        FieldType::CreditCode => check_credit_code(lang, t).map(|_| Value::Text(t.into())),
        FieldType::Bool => parse_bool(t).map(Value::Bool).map_or_else(fail, Ok),
        FieldType::Integer => integer(t).map_or_else(
            || match looks_like_integer(t) {
                true => Err(msg!(lang, INTEGER_OUT_OF_RANGE)),
                false => fail(),
            },
            |i| Ok(Value::Int(i)),
        ),
        FieldType::Decimal => match t.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Num(f)),
            _ => fail(),
        },
        FieldType::Percent => match t.trim_end_matches(['%', '％']).trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Num(f)),
            _ => fail(),
        },
        FieldType::Date => dates::parse(t).map(Value::Date).map_or_else(fail, Ok),
        FieldType::Level => level(rules, t).map(Value::Enum).map_or_else(fail, Ok),
        FieldType::Enum(e) => enum_variant(rules, e, t)
            .map(Value::Enum)
            .map_or_else(fail, Ok),
        FieldType::Set(elem) => {
            if is_nothing(t) {
                return Ok(Value::Set(0));
            }
            let mut bits = 0u64;
            for part in set_parts(t).map(trim_part).filter(|p| !p.is_empty()) {
                let v = match elem {
                    None => level(rules, part),
                    Some(e) => enum_variant(rules, e, part),
                };
                match v {
                    Some(v) => bits |= 1u64 << v,
                    None => {
                        let one = match elem {
                            None => msg!(lang, EXPECT_LEVEL, level_names(rules)),
                            Some(e) => msg!(lang, EXPECT_ONE_OF, variant_names(rules, e)),
                        };
                        return Err(msg!(lang, SET_PART_NOT, part, one));
                    }
                }
            }
            Ok(Value::Set(bits))
        }
        FieldType::List(_) => fail(),
        // Prose is a value too: an audit reports it, naming the cell.
        // (kept as the officer wrote it, not folded).
        FieldType::Action { .. } => Ok(super::actions::action_cell(rules, t, text.trim())),
    }
}

/// Why `value` is not one `field` may hold under its `范围` (range), or `None`.
pub fn outside_range(lang: Lang, field: &crate::ir::FieldInfo, value: &Value) -> Option<String> {
    match (field.range, value) {
        (Some((lo, hi)), Value::Int(n)) if *n < lo || *n > hi => {
            Some(msg!(lang, OUTSIDE_FIELD_RANGE, field.name, n, lo, hi))
        }
        _ => None,
    }
}

/// An integer cell, exactly: optional sign and decimal digits, within i64 (never through a
/// double, so 9007199254740993 stays itself).
fn integer(t: &str) -> Option<i64> {
    t.parse::<i64>().ok()
}

/// Written as an integer (sign and digits), whether or not it fits in i64.
fn looks_like_integer(t: &str) -> bool {
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The value a mapping file's spelling gives `text`, if it declares one.
fn spelled<'t>(spellings: &'t [(String, String)], text: &str) -> Option<&'t str> {
    let folded = fold(text);
    spellings
        .iter()
        .find(|(from, _)| *from == folded.as_ref())
        .map(|(_, to)| to.as_str())
}

/// The text of a cell after the value spellings a mapping file declares for its field
/// (`B类` → `B`); the text itself when none applies.
pub fn respell<'t>(spellings: Option<&'t [(String, String)]>, text: &'t str) -> Cow<'t, str> {
    match spellings.and_then(|list| spelled(list, text)) {
        Some(to) => Cow::Borrowed(to),
        None => Cow::Borrowed(text),
    }
}

/// [`respell`] for a cell that lists several values (a set): the whole cell, else each of
/// its parts (`橙色预警、红色预警` with `"橙色预警" = "橙色"` and `"红色预警" = "红色"`).
pub fn respell_set<'t>(spellings: Option<&'t [(String, String)]>, text: &'t str) -> Cow<'t, str> {
    let Some(list) = spellings else {
        return Cow::Borrowed(text);
    };
    if let Some(to) = spelled(list, text) {
        return Cow::Borrowed(to);
    }
    let parts: Vec<&str> = set_parts(text)
        .map(|p| trim_part(spelled(list, p).unwrap_or(p)))
        .collect();
    Cow::Owned(parts.join(","))
}

/// The parts of a set written as text (a cell, or a value the API is given), split at `,` `，` `;` `；` `、` `|` `/` (as
/// `str::split` with those characters splits it), byte by byte: every separator starts at a
/// character boundary, its bytes match nowhere else.
pub(crate) fn set_parts(t: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(t);
    std::iter::from_fn(move || {
        let r = rest?;
        let b = r.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let sep = match b[i] {
                b',' | b';' | b'|' | b'/' => 1,
                // ，(U+FF0C) and ；(U+FF1B)
                0xEF if matches!(b.get(i + 1..i + 3), Some([0xBC, 0x8C | 0x9B])) => 3,
                // 、(U+3001)
                0xE3 if matches!(b.get(i + 1..i + 3), Some([0x80, 0x81])) => 3,
                _ => 0,
            };
            if sep > 0 {
                rest = Some(&r[i + sep..]);
                return Some(&r[..i]);
            }
            i += 1;
        }
        rest = None;
        Some(r)
    })
}

/// `str::trim`, without its search when neither end can be whitespace: an ASCII letter or
/// sign, or a character whose first byte is `E4` or above (CJK and beyond: no whitespace
/// is written with those).
#[inline]
pub(crate) fn trim_part(s: &str) -> &str {
    let b = s.as_bytes();
    let plain = |lead: u8| (b'!'..0x7F).contains(&lead) || lead >= 0xE4;
    let last_lead = b.iter().rev().take(4).find(|&&x| x & 0xC0 != 0x80);
    match (b.first(), last_lead) {
        (Some(&first), Some(&last)) if plain(first) && plain(last) => s,
        _ => s.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_split_and_trim_as_the_standard_library_does() {
        let texts = [
            "",
            "黄色、橙色、红色",
            "橙色, 红色",
            " 黄色 ，橙色；红色;a|b/c",
            "、、",
            "黄色\u{3000}",
            "\u{3000}黄色 ",
            "黄色\u{a0}",
            "\t红色\n",
            "x\u{2029}",
            "，",
            "A、",
            "∑、",
        ];
        for t in texts {
            let ours: Vec<_> = set_parts(t).map(trim_part).collect();
            let std: Vec<_> = t
                .split([',', '，', ';', '；', '、', '|', '/'])
                .map(str::trim)
                .collect();
            assert_eq!(ours, std, "{t:?}");
        }
    }

    #[test]
    fn cells_as_officers_write_them() {
        let rules = crate::data::table::tests::beijing();
        let grade = FieldType::Enum(
            rules
                .enums
                .iter()
                .position(|e| e.name == "绩效等级")
                .unwrap(),
        );
        let b = parse_cell(&rules, Lang::Zh, grade, false, " Ｂ ").unwrap();
        assert_eq!(b, parse_cell(&rules, Lang::Zh, grade, false, "B").unwrap());
        assert_eq!(
            parse_cell(&rules, Lang::Zh, FieldType::Bool, false, "√"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            parse_cell(&rules, Lang::Zh, FieldType::Bool, true, "无"),
            Ok(Value::Bool(false)),
            "无 is false in a yes/no column"
        );
        assert_eq!(
            parse_cell(&rules, Lang::Zh, FieldType::Text, true, "/"),
            Ok(Value::Missing)
        );
        assert_eq!(
            parse_cell(&rules, Lang::Zh, FieldType::Text, false, "/"),
            Ok(Value::Text("/".into())),
            "a required text field keeps what it says"
        );
        assert_eq!(
            parse_cell(&rules, Lang::Zh, FieldType::Set(None), false, "无"),
            Ok(Value::Set(0))
        );
        let e = parse_cell(
            &rules,
            Lang::Zh,
            FieldType::CreditCode,
            false,
            "911101050000000000",
        )
        .unwrap_err();
        assert!(e.contains("Excel"), "{e}");
        let e = parse_cell(&rules, Lang::En, grade, false, "E").unwrap_err();
        assert!(e.starts_with("expected one of"), "{e}");
    }

    #[test]
    fn integers_are_exact_and_out_of_range_is_an_error() {
        let rules = crate::data::table::tests::beijing();
        let int = |t: &str| parse_cell(&rules, Lang::En, FieldType::Integer, false, t);
        assert_eq!(
            int("9007199254740993"),
            Ok(Value::Int(9_007_199_254_740_993))
        );
        assert_eq!(int("-9223372036854775808"), Ok(Value::Int(i64::MIN)));
        assert_eq!(int("+12"), Ok(Value::Int(12)));
        assert_eq!(int("１２"), Ok(Value::Int(12)), "full-width digits fold");
        let e = int("9223372036854775808").unwrap_err();
        assert!(e.contains("outside the range"), "{e}");
        let e = int("-99999999999999999999").unwrap_err();
        assert!(e.contains("outside the range"), "{e}");
        let e = int("12.5").unwrap_err();
        assert!(e.starts_with("expected an integer"), "{e}");
        assert!(int("1e3").is_err());
    }

    #[test]
    fn mapped_spellings_apply_before_parsing() {
        let list = vec![("B类".to_string(), "B".to_string())];
        assert_eq!(respell(Some(&list), " B类"), "B");
        assert_eq!(respell(Some(&list), "C"), "C");
        assert_eq!(respell(None, "B类"), "B类");
        let parts = vec![
            ("橙色预警".to_string(), "橙色".to_string()),
            ("红色".to_string(), "红色".to_string()),
        ];
        assert_eq!(respell_set(Some(&parts), "橙色预警、红色"), "橙色,红色");
    }
}
