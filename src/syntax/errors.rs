//! pest errors → diagnostics in the author's terms.
//!
//! pest names grammar rules; authors know keywords and constructs. Each rule that can be
//! "expected" maps to a phrase, and the error is placed at the token pest stopped on.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::parser::{Rule, KEYWORDS};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

fn keyword_phrase(zh: &str) -> String {
    let en = KEYWORDS
        .iter()
        .find(|k| k.0 == zh)
        .map(|k| k.1)
        .unwrap_or("");
    format!("`{zh}` ({en})")
}

/// What the author would call the thing a rule matches; `None` hides a rule from messages.
fn describe(rule: Rule) -> Option<String> {
    use Rule::*;
    let kw = |zh: &str| Some(keyword_phrase(zh));
    match rule {
        kw_plan => kw("预案"),
        kw_issuer | issuer_item => kw("发布"),
        kw_basis | basis_item | cite_item => kw("依据"),
        kw_effective | effective_item => kw("生效"),
        kw_import => kw("导入"),
        kw_levels => kw("预警级别"),
        kw_enum => kw("枚举"),
        kw_ordered | ordered_flag => kw("有序"),
        kw_entity => kw("实体"),
        kw_key => kw("键"),
        kw_alias | field_alias => kw("别名"),
        kw_display | field_display => kw("显示"),
        kw_restrict => kw("限制"),
        kw_measure => kw("措施"),
        kw_advisory | kw_mandatory | measure_kind => {
            Some("a measure kind, `倡议性` (advisory) or `强制性` (mandatory)".into())
        }
        kw_subject | subject_item => kw("对象"),
        kw_when => kw("当"),
        kw_text | text_item => kw("内容"),
        kw_require | require_item => kw("要求"),
        kw_except | except_item => kw("除外"),
        kw_non_exempt | non_exempt_item => kw("不可豁免"),
        kw_replaces | replaces_item => kw("替代"),
        kw_exemption => kw("豁免"),
        kw_lifts | lifts_item => kw("解除"),
        kw_table => kw("表"),
        kw_default | table_default => kw("默认"),
        kw_from | range_from => kw("自"),
        kw_to => kw("至"),
        kw_level => kw("级别"),
        kw_satisfies => kw("满足"),
        kw_present | present => kw("有值"),
        kw_in | membership => kw("属于"),
        name | group_key | row_keys | range_single | range_between => Some("a name".into()),
        string | string_inner => Some("a quoted text \"…\"".into()),
        date => Some("a date such as 2023-10-25".into()),
        percent => Some("a percentage such as 20%".into()),
        integer | decimal => Some("a number".into()),
        plan_decl | import_decl | levels_decl | enum_decl | entity_decl | restriction_decl
        | measure_decl | exemption_decl | table_decl => Some(
            "a declaration (`预案`, `导入`, `预警级别`, `枚举`, `实体`, `限制`, `措施`, `豁免` or `表`)".into(),
        ),
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
        by_line | kw_by_line => kw("以生产线计"),
        lookup_arg => Some("a field or `级别` as a table key".into()),
        table_dim => Some("a table dimension: an enum name or `级别`".into()),
        table_group => Some("a group of rows such as `水泥熟料:`".into()),
        grid | grid_header => Some("a table header such as `等级 | 黄色 | 橙色 | 红色`".into()),
        grid_row => Some("a table row such as `A | 自主减排 | 限产 20% | 停产`".into()),
        grid_cell | empty_cell => Some("a table cell: an action, or `-` for none".into()),
        expr | primary | paren | predicate | operand | quantifier | q_any | q_all | kw_any | kw_all
        | kw_not | op_not | bool_true | bool_false | kw_true | kw_false | path => Some("a condition".into()),
        compare | cmp_op => Some("a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`)".into()),
        op_and | op_or | kw_and | kw_or => Some("`且` (and) or `或` (or)".into()),
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
    if KEYWORDS.iter().any(|k| k.0 == word || k.1 == word) {
        return None;
    }
    // Prefer the longest Chinese keyword found inside the word.
    let mut found: Vec<&(&str, &str, &str)> = KEYWORDS
        .iter()
        .filter(|k| word.contains(k.0) && word != k.0)
        .collect();
    found.sort_by_key(|k| std::cmp::Reverse(k.0.chars().count()));
    let k = found.first()?;
    let spaced = word.replacen(k.0, &format!(" {} ", k.0), 1);
    Some(format!(
        "`{word}` is read as one name, and it contains the keyword `{}` ({}); keywords are whole words, so put spaces around it: `{}`",
        k.0,
        k.1,
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
        .is_some_and(|w| {
            w.starts_with(|c: char| c.is_alphabetic() || c == '_')
                && !KEYWORDS.iter().any(|k| k.0 == w || k.1 == w)
        });
    if !(wants_action && positives.contains(&Rule::kw_to)) || next_is_name {
        return None;
    }
    let (start, end) = token_before(text, pos)?;
    let word = text.get(start..end)?;
    if KEYWORDS.iter().any(|k| k.0 == word || k.1 == word) {
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
    // "the end of the file" reads best as the last alternative.
    if let Some(i) = expected.iter().position(|e| e == "the end of the file") {
        let eof = expected.remove(i);
        expected.push(eof);
    }
    if let Some(d) = name_read_as_level(file, text, pos, &err) {
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
    d = match swallowed {
        Some(help) => d.help(help),
        None => d.help("see docs/language.md for the constructs of the policy language"),
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
}
