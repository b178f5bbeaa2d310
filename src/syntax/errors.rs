//! pest errors → diagnostics in the author's terms.
//!
//! pest names grammar rules; authors know keywords and constructs. Each rule that can be
//! "expected" maps to a phrase, and the error is placed at the token pest stopped on.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::parser::Rule;
use crate::diagnostics::{Code, Diagnostic};
use crate::keywords::{self as kw, is_keyword, Keyword, KEYWORDS};
use crate::source::{FileId, Span};

/// `` `预案` (plan) ``: a keyword as messages name it, Chinese spelling first.
fn keyword_phrase(k: &Keyword) -> String {
    format!("`{}` ({})", k.zh, k.en)
}

/// What the author would call the thing a rule matches; `None` hides a rule from messages.
fn describe(rule: Rule) -> Option<String> {
    use Rule::*;
    let phrase = |k: &Keyword| Some(keyword_phrase(k));
    match rule {
        kw_plan => phrase(&kw::PLAN),
        kw_issuer | issuer_item => phrase(&kw::ISSUER),
        kw_basis | basis_item | cite_item => phrase(&kw::BASIS),
        kw_effective | effective_item => phrase(&kw::EFFECTIVE),
        kw_import => phrase(&kw::IMPORT),
        kw_levels => phrase(&kw::LEVELS),
        kw_enum => phrase(&kw::ENUM),
        kw_ordered | ordered_flag => phrase(&kw::ORDERED),
        kw_entity => phrase(&kw::ENTITY),
        kw_key => phrase(&kw::KEY),
        kw_alias | field_alias => phrase(&kw::ALIAS),
        kw_display | field_display => phrase(&kw::DISPLAY),
        kw_restrict => phrase(&kw::RESTRICTION),
        kw_measure => phrase(&kw::MEASURE),
        kw_advisory | kw_mandatory | measure_kind => Some(format!(
            "a measure kind, {} or {}",
            keyword_phrase(&kw::ADVISORY),
            keyword_phrase(&kw::MANDATORY)
        )),
        kw_subject | subject_item => phrase(&kw::SUBJECT),
        kw_when => phrase(&kw::WHEN),
        kw_text | text_item => phrase(&kw::TEXT),
        kw_require | require_item => phrase(&kw::REQUIRE),
        kw_except | except_item => phrase(&kw::EXCEPT),
        kw_non_exempt | non_exempt_item => phrase(&kw::NON_EXEMPTIBLE),
        kw_replaces | replaces_item => phrase(&kw::REPLACES),
        kw_exemption => phrase(&kw::EXEMPTION),
        kw_lifts | lifts_item => phrase(&kw::LIFTS),
        kw_rule => phrase(&kw::RULE),
        kw_error | kw_warning | rule_severity => Some(format!(
            "a rule's severity, {} or {}",
            keyword_phrase(&kw::ERROR),
            keyword_phrase(&kw::WARNING)
        )),
        kw_must | must_item => phrase(&kw::MUST),
        kw_group | group_item => phrase(&kw::GROUP),
        kw_count | agg_count => phrase(&kw::COUNT),
        kw_sum | agg_sum => phrase(&kw::SUM),
        kw_share | agg_share => phrase(&kw::SHARE),
        kw_min | agg_min => phrase(&kw::MIN),
        kw_max | agg_max => phrase(&kw::MAX),
        kw_reduced | agg_reduced => phrase(&kw::REDUCED),
        kw_baseline | agg_baseline => phrase(&kw::BASELINE),
        aggregate | scaled_aggregate | list_term | list_check | list_checks => Some(
            "an aggregate (`计数(…)`, `占比(…)`, `合计(字段)`, `最小(字段)`, `最大(字段)`, `减排量(字段)`, `基数(字段)`) compared with a number or another aggregate".into(),
        ),
        kw_model => phrase(&kw::MODEL),
        kw_baselines | baselines_item => phrase(&kw::BASELINES),
        kw_total | total_item => phrase(&kw::TOTAL),
        model_voluntary => Some(format!(
            "{} followed by the field with the record's own voluntary reduction",
            keyword_phrase(&kw::VOLUNTARY)
        )),
        kw_public => phrase(&kw::PUBLIC),
        kw_fields | fields_item => phrase(&kw::FIELDS),
        kw_table => phrase(&kw::TABLE),
        kw_default | table_default => phrase(&kw::DEFAULT),
        kw_not_encoded | table_not_encoded => phrase(&kw::NOT_ENCODED),
        kw_from | range_from => phrase(&kw::FROM),
        kw_to => phrase(&kw::TO),
        kw_level => phrase(&kw::LEVEL),
        kw_satisfies => phrase(&kw::SATISFIES),
        kw_present | present => phrase(&kw::PRESENT),
        kw_in | membership => phrase(&kw::IN),
        name | group_key | row_keys | range_single | range_between => Some("a name".into()),
        string | string_inner | string_inner_cn => Some("a quoted text \"…\" or “…”".into()),
        date => Some("a date such as 2023-10-25".into()),
        percent => Some("a percentage such as 20%".into()),
        integer | decimal => Some("a number".into()),
        plan_decl | import_decl | levels_decl | enum_decl | entity_decl | restriction_decl
        | measure_decl | exemption_decl | table_decl | rule_decl | public_decl | model_decl => Some(format!(
            "a declaration ({})",
            kw::declaration_list(" or ")
        )),
        level_def => Some("an alert level name, optionally with an alias such as `黄色 (yellow)`".into()),
        enum_desc | enum_asc | enum_plain | enum_variant => {
            Some("enum values separated by `>`, `<` or `,`".into())
        }
        variant_aliases | alias_name => {
            Some("value aliases in parentheses, such as `B (B级, B类)`".into())
        }
        field_decl => Some("a field such as `名称: 文本`".into()),
        type_expr | optional_flag | list_type | set_type | t_text | t_bool | t_integer | t_decimal
        | t_percent | t_date | t_credit_code => Some(
            "a type (`文本`, `布尔`, `整数`, `小数`, `百分比`, `日期`, `信用代码`, `级别`, an enum, `可选 T`, `列表 实体`, `集合 枚举`)".into(),
        ),
        level_range => Some("a level or level range (`黄色`, `自 橙色`, `黄色 至 橙色`)".into()),
        action | voluntary | limit | stop | cease | ban | table_lookup | kw_voluntary | kw_limit
        | kw_stop | kw_cease | kw_ban => Some(
            "an action (`自主减排`, `限产 20%`, `停产`, `停产 50% 以生产线计`, `停用`, `禁止 限制名`, or a table lookup `表[…]`)".into(),
        ),
        by_line | kw_by_line => phrase(&kw::BY_LINE),
        lookup_arg => Some("a field or `级别` as a table key".into()),
        table_dim => Some("a table dimension: an enum name or `级别`".into()),
        table_group => Some("a group of rows such as `水泥熟料:`".into()),
        grid | grid_header => Some("a table header such as `等级 | 黄色 | 橙色 | 红色`".into()),
        grid_row => Some("a table row such as `A | 自主减排 | 限产 20% | 停产`".into()),
        grid_cell | empty_cell => Some("a table cell: an action, or `-` for none".into()),
        expr | primary | paren | predicate | operand | quantifier | q_any | q_all | kw_any | kw_all
        | kw_not | op_not | bool_true | bool_false | kw_true | kw_false | path => Some("a condition".into()),
        compare | cmp_op => Some("a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`)".into()),
        op_and | op_or | kw_and | kw_or => Some(format!(
            "{} or {}",
            keyword_phrase(&kw::AND),
            keyword_phrase(&kw::OR)
        )),
        value_set => Some("a set of values such as `{ 纯电动, 氢燃料电池 }`".into()),
        EOI => Some("the end of the file".into()),
        _ => None,
    }
}

/// The token at `pos`: a run of name characters, or one character.
fn token_at(text: &str, pos: usize) -> Option<(usize, usize)> {
    let rest = text.get(pos..)?;
    let mut chars = rest.char_indices();
    let (_, first) = chars.next()?;
    if is_name_char(first) {
        let end = rest
            .char_indices()
            .find(|(_, c)| !is_name_char(*c))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        Some((pos, pos + end))
    } else {
        Some((pos, pos + first.len_utf8()))
    }
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The name-like token that ends right before `pos` (skipping whitespace).
fn token_before(text: &str, pos: usize) -> Option<(usize, usize)> {
    let before = text.get(..pos)?;
    let trimmed = before.trim_end();
    let end = trimmed.len();
    let start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_name_char(*c))
        .last()
        .map(|(i, _)| i)?;
    Some((start, end))
}

/// When `word` is not a keyword but contains one, the help that says so.
pub fn swallowed_keyword_help(word: &str) -> Option<String> {
    if is_keyword(word) {
        return None;
    }
    // Prefer the longest Chinese keyword found inside the word.
    let mut found: Vec<&Keyword> = KEYWORDS
        .iter()
        .filter(|k| word.contains(k.zh) && word != k.zh)
        .collect();
    found.sort_by_key(|k| std::cmp::Reverse(k.zh.chars().count()));
    let k = found.first()?;
    let spaced = word.replacen(k.zh, &format!(" {} ", k.zh), 1);
    Some(format!(
        "`{word}` is read as one name, and it contains the keyword {}; keywords are whole words, so put spaces around it: `{}`",
        keyword_phrase(k),
        spaced.trim()
    ))
}

/// `要求 减产 20%`: an unknown word where an action belongs is read as the optional level
/// before the action, and pest then fails after it. Point at the word instead.
fn name_read_as_level(
    file: FileId,
    text: &str,
    pos: usize,
    err: &Error<Rule>,
) -> Option<Diagnostic> {
    let ErrorVariant::ParsingError { positives, .. } = &err.variant else {
        return None;
    };
    let wants_action = positives.iter().any(|r| {
        matches!(
            r,
            Rule::action
                | Rule::voluntary
                | Rule::limit
                | Rule::stop
                | Rule::cease
                | Rule::ban
                | Rule::table_lookup
                | Rule::kw_voluntary
                | Rule::kw_limit
                | Rule::kw_stop
                | Rule::kw_cease
                | Rule::kw_ban
        )
    });
    // Where a name (not a keyword) follows, pest's own message points at it correctly.
    let next_is_name = token_at(text, pos)
        .and_then(|(s, e)| text.get(s..e))
        .is_some_and(|w| w.starts_with(|c: char| c.is_alphabetic() || c == '_') && !is_keyword(w));
    if !(wants_action && positives.contains(&Rule::kw_to)) || next_is_name {
        return None;
    }
    let (start, end) = token_before(text, pos)?;
    let word = text.get(start..end)?;
    if is_keyword(word) {
        return None;
    }
    Some(
        Diagnostic::new(
            Code::E0001,
            format!("expected an action, found `{}`", super::chars::escape(word)),
        )
            .primary(Span::new(file, start, end), "not an action (read as a level name)")
            .help(swallowed_keyword_help(word).unwrap_or_else(|| {
                "actions are `自主减排`, `限产 20%`, `停产`, `停产 50% 以生产线计`, `停用`, `禁止 限制名` or a table lookup `表[…]`; a level before the action is optional: `要求 橙色 限产 20%`".to_string()
            })),
    )
}

/// Punctuation a Chinese keyboard types that the language does not read, with the fix: the
/// full-width forms of ASCII punctuation, and marks that have no place in policy text.
/// (`，` `：` `、` `（` `）` `“` `”` `％` and the ideographic space are read as they stand.)
const KEYBOARD_PUNCTUATION: &[(char, &str)] = &[
    ('；', "`；` separates nothing in policy text: end the clause with a space or a new line, and join conditions with `且` (and) or `或` (or)"),
    ('。', "`。` ends nothing in policy text: drop it; wording goes in quotes (`内容 \"…。\"`)"),
    ('‘', "quote text with `\"…\"` or `“…”`, not `‘…’`"),
    ('’', "quote text with `\"…\"` or `“…”`, not `‘…’`"),
    ('《', "`《` is the Chinese keyboard's `<`: write the ASCII `<`"),
    ('》', "`》` is the Chinese keyboard's `>`: write the ASCII `>`"),
    ('【', "write the ASCII `[` (a table lookup is `表[键, 级别]`)"),
    ('】', "write the ASCII `]` (a table lookup is `表[键, 级别]`)"),
    ('＝', "write the ASCII `=`"),
    ('＜', "write the ASCII `<`"),
    ('＞', "write the ASCII `>`"),
    ('！', "write the ASCII `!` (`!=` is \"not equal\"; `≠` reads too)"),
    ('＋', "write the ASCII `+` to join the terms of an action"),
    ('｛', "write the ASCII `{`"),
    ('｝', "write the ASCII `}`"),
    ('［', "write the ASCII `[`"),
    ('］', "write the ASCII `]`"),
    ('｜', "write the ASCII `|` between the cells of a table row"),
    ('．', "write the ASCII `.` (`生产线.产能`, `0.5`)"),
    ('／', "write the ASCII `/` (comments start with `//`)"),
    ('＂', "quote text with the ASCII `\"` or with `“…”`"),
    ('”', "`”` closes a quoted text that `“` opens on the same line"),
];

/// The fix for a character of [`KEYBOARD_PUNCTUATION`].
fn keyboard_help(c: char) -> Option<&'static str> {
    KEYBOARD_PUNCTUATION
        .iter()
        .find(|(k, _)| *k == c)
        .map(|(_, help)| *help)
}

pub fn syntax_error(file: FileId, text: &str, err: Error<Rule>) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut expected: Vec<String> = Vec::new();
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        for r in positives {
            if let Some(d) = describe(*r) {
                if !expected.contains(&d) {
                    expected.push(d);
                }
            }
        }
    }
    let wants_text = matches!(&err.variant, ErrorVariant::ParsingError { positives, .. }
        if positives.iter().any(|r| matches!(r, Rule::string | Rule::string_inner | Rule::string_inner_cn)));
    // "the end of the file" reads best as the last alternative.
    if let Some(i) = expected.iter().position(|e| e == "the end of the file") {
        let eof = expected.remove(i);
        expected.push(eof);
    }
    let at_keyboard_mark = text
        .get(pos..)
        .and_then(|r| r.chars().next())
        .and_then(keyboard_help)
        .is_some();
    if let (false, Some(d)) = (at_keyboard_mark, name_read_as_level(file, text, pos, &err)) {
        return d;
    }
    let (start, end) = token_at(text, pos).unwrap_or((pos, pos));
    let found = text.get(start..end).unwrap_or("");
    let found_desc = if found.is_empty() {
        "the end of the file".to_string()
    } else if found == "\n" || found == "\r" {
        "the end of the line".to_string()
    } else {
        // The prescan refused what a terminal must not show; escape anyway, so no path
        // from the policy text to the message can carry a raw control.
        format!("`{}`", super::chars::escape(found))
    };
    let message = match expected.len() {
        0 => format!("unexpected {found_desc}"),
        1 => format!("expected {}, found {found_desc}", expected[0]),
        _ => {
            let last = expected.pop().unwrap_or_default();
            format!(
                "expected {} or {last}, found {found_desc}",
                expected.join(", ")
            )
        }
    };
    let span = Span::new(file, start, end.max(start));
    let mut d = Diagnostic::new(Code::E0001, message).primary(span, "unexpected here");
    let swallowed = [Some((start, end)), token_before(text, pos)]
        .into_iter()
        .flatten()
        .find_map(|(s, e)| text.get(s..e).and_then(swallowed_keyword_help));
    // A quote where a quoted text may stand did not open one: it is not closed on its line.
    let unclosed = match found {
        _ if !wants_text => None,
        "\"" => Some("this quoted text is not closed on its line: end it with `\"` before the line ends (a `\"` inside is written `\\\"`)"),
        "“" => Some("this quoted text is not closed on its line: end it with `”` before the line ends"),
        _ => None,
    };
    let keyboard = unclosed.or_else(|| found.chars().next().and_then(keyboard_help));
    d = match (keyboard, swallowed) {
        (Some(help), _) => d.help(help),
        (None, Some(help)) => d.help(help),
        (None, None) => d.help("see docs/language.md for the constructs of the policy language"),
    };
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swallowed_keyword_is_named() {
        let h = swallowed_keyword_help("甲当").unwrap();
        assert!(h.contains("`当`"), "{h}");
        assert!(h.contains("`甲 当`"), "{h}");
        assert!(swallowed_keyword_help("企业").is_none());
        assert!(swallowed_keyword_help("当").is_none());
    }

    #[test]
    fn the_help_knows_every_keyword_of_the_table() {
        for k in KEYWORDS {
            for spelling in k.spellings() {
                assert!(swallowed_keyword_help(spelling).is_none(), "{spelling}");
            }
            let word = format!("甲{}", k.zh);
            let h = swallowed_keyword_help(&word).unwrap_or_else(|| panic!("{word}"));
            assert!(h.contains(&keyword_phrase(k)), "{h}");
            assert!(h.contains(&format!("`甲 {}`", k.zh)), "{h}");
        }
    }

    #[test]
    fn expected_keywords_are_named_from_the_table() {
        assert_eq!(describe(Rule::kw_basis).unwrap(), "`依据` (cite)");
        assert_eq!(
            describe(Rule::measure_kind).unwrap(),
            "a measure kind, `倡议性` (advisory) or `强制性` (mandatory)"
        );
        assert_eq!(
            describe(Rule::plan_decl).unwrap(),
            "a declaration (`预案`, `导入`, `预警级别`, `枚举`, `实体`, `限制`, `措施`, `豁免`, `规则`, `公开`, `减排模型` or `表`)"
        );
        assert_eq!(describe(Rule::op_and).unwrap(), "`且` (and) or `或` (or)");
    }
}
