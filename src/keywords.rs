//! Every keyword of the policy language, in one table shared by every stage (the parser, the
//! type checker, the analyses, the renderers): both spellings, the grammar rule, what it is for.
//!
//! The grammar (`grammar/policy.pest`) spells each keyword in its `kw_*` or `t_*` rule and
//! again in its `keyword` rule (names may not be keywords); a unit test below holds both
//! against this table in both directions. Everything else that spells a keyword reads it
//! from here: the syntax diagnostics (`syntax/errors.rs`), the loader's test of whether a file
//! starts with a declaration, the type checker's and the analyses' messages, conditions and
//! actions written back in words (`report::words`,
//! `ir::action`), and `fuzz/seed.sh`, which writes `fuzz/policy.dict` from the rows below.

/// What a keyword does in the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Starts a top-level declaration (`预案`, `措施`, `表`, …).
    Declaration,
    /// Introduces or qualifies a part of a declaration (`对象`, `当`, `依据`, `自`, …).
    Clause,
    /// An action or a part of one (`限产`, `以生产线计`, `禁止`, …).
    Action,
    /// An operator or quantifier of a condition (`且`, `属于`, `任一`, …).
    Condition,
    /// A value written in a condition or a table key (`是`, `否`, `级别`).
    Value,
    /// A field type or type constructor (`文本`, `可选`, `列表`, …).
    Type,
}

/// One keyword: its Chinese spelling, its English spelling and any other English spelling the
/// grammar accepts, the grammar rule that matches it, and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    pub zh: &'static str,
    pub en: &'static str,
    /// Further spellings the grammar accepts (`basis` beside `cite`); never written by policyc.
    pub also: &'static [&'static str],
    pub role: Role,
    /// The grammar rule that matches it (`kw_plan`, `t_text`).
    pub rule: &'static str,
    pub what: &'static str,
}

impl Keyword {
    /// The spelling of a policy written in Chinese keywords (`zh`) or in English ones.
    pub const fn spelling(&self, zh: bool) -> &'static str {
        if zh {
            self.zh
        } else {
            self.en
        }
    }

    /// Every spelling the grammar accepts, Chinese first.
    pub fn spellings(&self) -> impl Iterator<Item = &'static str> {
        [self.zh, self.en]
            .into_iter()
            .chain(self.also.iter().copied())
    }

    /// Whether `word` is one of its spellings.
    pub fn is(&self, word: &str) -> bool {
        self.spellings().any(|s| s == word)
    }
}

macro_rules! keywords {
    ($($name:ident: $rule:ident, $role:ident, [$zh:literal, $en:literal $(, $also:literal)*], $what:literal;)*) => {
        $(
            #[doc = concat!("`", $zh, "` (", $en, "): ", $what, ".")]
            pub const $name: Keyword = Keyword {
                zh: $zh,
                en: $en,
                also: &[$($also),*],
                role: Role::$role,
                rule: stringify!($rule),
                what: $what,
            };
        )*
        /// Every keyword, in the order the language reference introduces them.
        pub const KEYWORDS: &[Keyword] = &[$($name),*];
    };
}

// One row a keyword: NAME: grammar rule, role, [中文, English, other spellings…], what it is.
// fuzz/seed.sh reads the bracketed spellings of these rows.
keywords! {
    PLAN: kw_plan, Declaration, ["预案", "plan"], "plan header";
    ISSUER: kw_issuer, Clause, ["发布", "issuer"], "issuing authority";
    BASIS: kw_basis, Clause, ["依据", "cite", "basis"], "basis of a plan, citation of a clause";
    EFFECTIVE: kw_effective, Clause, ["生效", "effective"], "effective date";
    IMPORT: kw_import, Declaration, ["导入", "import"], "import another policy file";
    LEVELS: kw_levels, Declaration, ["预警级别", "levels"], "ordered alert levels";
    ENUM: kw_enum, Declaration, ["枚举", "enum"], "enumeration";
    ORDERED: kw_ordered, Clause, ["有序", "ordered"], "ordered enumeration";
    ENTITY: kw_entity, Declaration, ["实体", "entity"], "entity (record type)";
    KEY: kw_key, Clause, ["键", "key"], "key field of an entity";
    ALIAS: kw_alias, Clause, ["别名", "alias"], "column alias of a field";
    DISPLAY: kw_display, Clause, ["显示", "display"], "field shown in outputs by record";
    RESTRICTION: kw_restrict, Declaration, ["限制", "restriction"], "named restriction";
    MEASURE: kw_measure, Declaration, ["措施", "measure"], "measure";
    ADVISORY: kw_advisory, Clause, ["倡议性", "advisory"], "advisory measure";
    MANDATORY: kw_mandatory, Clause, ["强制性", "mandatory"], "mandatory measure";
    SUBJECT: kw_subject, Clause, ["对象", "subject"], "subject of a measure or exemption";
    WHEN: kw_when, Clause, ["当", "when"], "condition";
    TEXT: kw_text, Clause, ["内容", "text"], "wording of a measure";
    REQUIRE: kw_require, Clause, ["要求", "require"], "required action";
    EXCEPT: kw_except, Clause, ["除外", "except"], "local exception";
    NON_EXEMPTIBLE: kw_non_exempt, Clause, ["不可豁免", "non_exemptible"], "measure no exemption may lift";
    REPLACES: kw_replaces, Clause, ["替代", "replaces"], "measure this one replaces";
    EXEMPTION: kw_exemption, Declaration, ["豁免", "exemption"], "named exemption";
    LIFTS: kw_lifts, Clause, ["解除", "lifts"], "measures an exemption lifts";
    RULE: kw_rule, Declaration, ["规则", "rule"], "record rule";
    ERROR: kw_error, Clause, ["错误", "error"], "a rule whose breach is an error";
    WARNING: kw_warning, Clause, ["警告", "warning"], "a rule whose breach is a warning";
    MUST: kw_must, Clause, ["应当", "must"], "what every record a rule concerns must satisfy";
    GROUP: kw_group, Clause, ["分组", "group"], "the field a list rule groups records by";
    COUNT: kw_count, Condition, ["计数", "count"], "how many records (that meet a condition)";
    SUM: kw_sum, Condition, ["合计", "sum"], "the sum of a number field over records";
    SHARE: kw_share, Condition, ["占比", "share"], "the share of records that meet a condition, a percentage";
    MIN: kw_min, Condition, ["最小", "min"], "the least value of a number field";
    MAX: kw_max, Condition, ["最大", "max"], "the greatest value of a number field";
    PUBLIC: kw_public, Declaration, ["公开", "public"], "what is published (disclosure)";
    FIELDS: kw_fields, Clause, ["字段", "fields"], "the fields a disclosure publishes";
    MODEL: kw_model, Declaration, ["减排模型", "reduction_model"], "how actions reduce base emissions (reduction model)";
    BASELINES: kw_baselines, Clause, ["排放基数", "baselines"], "the fields holding a record's base emissions";
    TOTAL: kw_total, Clause, ["总量", "declared_total"], "a declared total of a base (such as a district's emissions)";
    REDUCED: kw_reduced, Condition, ["减排量", "reduced"], "the reduction of a base the effective actions achieve";
    BASELINE: kw_baseline, Condition, ["基数", "baseline"], "a base's declared total, else its sum over every record";
    WEIGHTED: kw_weighted, Clause, ["加权", "weighted_by"], "the capacity field a per-line plan's reduction is weighted by";
    NOT_WEAKER: kw_not_weaker, Condition, ["不弱于", "at_least_as_strict_as"], "an action field at least as strict as the plan's action";
    PLAN_ACTION: kw_plan_action, Value, ["预案措施", "plan_action"], "what the plan requires of a record at the level (its effective action)";
    TABLE: kw_table, Declaration, ["表", "table"], "table";
    DEFAULT: kw_default, Clause, ["默认", "default"], "default cell of a table";
    NOT_ENCODED: kw_not_encoded, Clause, ["未编码", "not_encoded"], "values a table declares without encoding their cells";
    FROM: kw_from, Clause, ["自", "from"], "from a level upwards";
    TO: kw_to, Clause, ["至", "to"], "level range, or the upper end of a field's range";
    RANGE: kw_range, Type, ["范围", "range"], "the values an integer field may hold, both ends included";
    LEVEL: kw_level, Value, ["级别", "level"], "the alert level";
    VOLUNTARY: kw_voluntary, Action, ["自主减排", "voluntary"], "voluntary reduction";
    LIMIT: kw_limit, Action, ["限产", "limit"], "limit production by p%";
    STOP: kw_stop, Action, ["停产", "stop"], "stop production (or p% of it)";
    BY_LINE: kw_by_line, Action, ["以生产线计", "by_line"], "counted by production line";
    CEASE_USE: kw_cease, Action, ["停用", "cease_use"], "cease use of an item";
    BAN: kw_ban, Action, ["禁止", "ban"], "apply a named restriction";
    AND: kw_and, Condition, ["且", "and"], "and";
    OR: kw_or, Condition, ["或", "or"], "or";
    NOT: kw_not, Condition, ["非", "not"], "not";
    IN: kw_in, Condition, ["属于", "in"], "membership";
    PRESENT: kw_present, Condition, ["有值", "present"], "an optional field has a value";
    ANY: kw_any, Condition, ["任一", "any"], "some item of a list";
    ALL: kw_all, Condition, ["所有", "all"], "every item of a list";
    SATISFIES: kw_satisfies, Condition, ["满足", "satisfies"], "condition on list items";
    TRUE: kw_true, Value, ["是", "true"], "yes";
    FALSE: kw_false, Value, ["否", "false"], "no";
    OPTIONAL: kw_optional, Type, ["可选", "optional"], "optional field type";
    LIST: kw_list, Type, ["列表", "list"], "list of another entity";
    SET: kw_set, Type, ["集合", "set"], "set of enum values or levels";
    PER_LEVEL: kw_per_level, Type, ["按级别", "per_level"], "an action field with one action per level";
    TEXT_TYPE: t_text, Type, ["文本", "text"], "text type";
    BOOL: t_bool, Type, ["布尔", "bool"], "yes/no type";
    INTEGER: t_integer, Type, ["整数", "integer"], "integer type";
    DECIMAL: t_decimal, Type, ["小数", "decimal"], "decimal type";
    PERCENT: t_percent, Type, ["百分比", "percent"], "percentage type";
    DATE: t_date, Type, ["日期", "date"], "date type";
    CREDIT_CODE: t_credit_code, Type, ["信用代码", "credit_code"], "unified social credit code type";
}

/// Whether `word` is a keyword in any of its spellings.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.iter().any(|k| k.is(word))
}

/// The keywords that start a declaration, in table order.
pub fn declarations() -> impl Iterator<Item = &'static Keyword> {
    KEYWORDS.iter().filter(|k| k.role == Role::Declaration)
}

/// `` `预案`, `导入`, … or `表` ``: the declaration keywords in Chinese, for help texts.
pub fn declaration_list(last_sep: &str) -> String {
    let words: Vec<String> = declarations().map(|k| format!("`{}`", k.zh)).collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{}{last_sep}{last}", rest.join(", ")),
        _ => words.concat(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    const GRAMMAR: &str = include_str!("../grammar/policy.pest");
    const DICTIONARY: &str = include_str!("../fuzz/policy.dict");
    const LANGUAGE_REFERENCE: &str = include_str!("../docs/language.md");

    /// The quoted literals of a text, with pest's escapes (`\"`, `\u{…}`) left as written.
    fn literals(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find('"') {
            let body = &rest[start + 1..];
            let mut end = 0;
            let bytes = body.as_bytes();
            while end < bytes.len() && bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            out.push(&body[..end.min(body.len())]);
            rest = body.get(end + 1..).unwrap_or("");
        }
        out
    }

    /// The grammar's rules, by name, with the text of each definition (comments removed).
    fn grammar_rules() -> BTreeMap<&'static str, String> {
        let mut rules = BTreeMap::new();
        let mut current: Option<(&str, String)> = None;
        for line in GRAMMAR.lines() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            let starts_rule = line
                .split_once('=')
                .filter(|(name, _)| {
                    !line.starts_with(' ')
                        && !name.trim().is_empty()
                        && name.trim().chars().all(|c| c.is_alphanumeric() || c == '_')
                })
                .map(|(name, body)| (name.trim(), body));
            match starts_rule {
                Some((name, body)) => {
                    if let Some((n, b)) = current.take() {
                        rules.insert(n, b);
                    }
                    current = Some((name, body.to_string()));
                }
                None => {
                    if let Some((_, b)) = current.as_mut() {
                        b.push('\n');
                        b.push_str(line);
                    }
                }
            }
        }
        if let Some((n, b)) = current {
            rules.insert(n, b);
        }
        rules
    }

    fn spellings_of_table() -> BTreeSet<&'static str> {
        KEYWORDS.iter().flat_map(|k| k.spellings()).collect()
    }

    #[test]
    fn each_keyword_rule_spells_exactly_the_table_row() {
        let rules = grammar_rules();
        for k in KEYWORDS {
            let body = rules
                .get(k.rule)
                .unwrap_or_else(|| panic!("the grammar has no rule `{}`", k.rule));
            let in_grammar: BTreeSet<&str> = literals(body).into_iter().collect();
            let in_table: BTreeSet<&str> = k.spellings().collect();
            assert_eq!(in_grammar, in_table, "rule `{}`", k.rule);
        }
    }

    #[test]
    fn every_keyword_rule_of_the_grammar_is_in_the_table() {
        for name in grammar_rules().keys() {
            if name.starts_with("kw_") || name.starts_with("t_") {
                assert!(
                    KEYWORDS.iter().any(|k| k.rule == *name),
                    "grammar rule `{name}` is not in the keyword table"
                );
            }
        }
    }

    #[test]
    fn the_grammars_keyword_rule_lists_the_table() {
        let rules = grammar_rules();
        let body = rules
            .get("keyword")
            .expect("the grammar has a keyword rule");
        let listed: Vec<&str> = literals(body);
        let set: BTreeSet<&str> = listed.iter().copied().collect();
        assert_eq!(set.len(), listed.len(), "a spelling is listed twice");
        assert_eq!(set, spellings_of_table());
    }

    #[test]
    fn rows_are_distinct() {
        let rules: BTreeSet<&str> = KEYWORDS.iter().map(|k| k.rule).collect();
        assert_eq!(rules.len(), KEYWORDS.len(), "a rule has two rows");
        let zh: BTreeSet<&str> = KEYWORDS.iter().map(|k| k.zh).collect();
        assert_eq!(zh.len(), KEYWORDS.len(), "a Chinese spelling has two rows");
    }

    /// libFuzzer's escaping of a dictionary entry, as fuzz/seed.sh writes it.
    fn dict_entry(word: &str) -> String {
        let mut s = String::from("\"");
        for b in word.bytes() {
            if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
                s.push(b as char);
            } else {
                s.push_str(&format!("\\x{b:02x}"));
            }
        }
        s.push('"');
        s
    }

    #[test]
    fn the_fuzz_dictionary_holds_every_spelling() {
        let entries: BTreeSet<&str> = DICTIONARY.lines().collect();
        for word in spellings_of_table() {
            assert!(
                entries.contains(dict_entry(word).as_str()),
                "fuzz/policy.dict lacks `{word}`: run fuzz/seed.sh"
            );
        }
    }

    #[test]
    fn declarations_are_listed_in_table_order() {
        assert_eq!(
            declaration_list(" or "),
            "`预案`, `导入`, `预警级别`, `枚举`, `实体`, `限制`, `措施`, `豁免`, `规则`, `公开`, `减排模型` or `表`"
        );
        assert!(is_keyword("basis") && is_keyword("预案") && !is_keyword("甲当"));
    }

    #[test]
    fn the_language_reference_lists_the_table() {
        let section = LANGUAGE_REFERENCE
            .split("\n## 3. Keywords")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .expect("docs/language.md has a Keywords section");
        let unquote = |cell: &str| cell.trim().trim_matches('`').to_string();
        let documented: BTreeSet<(String, Vec<String>)> = section
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.strip_prefix('|')?.split('|').collect();
                let first = cells.first()?.trim();
                let en = cells.get(1)?.split(',').map(unquote).collect();
                first.starts_with('`').then(|| (unquote(first), en))
            })
            .collect();
        let table: BTreeSet<(String, Vec<String>)> = KEYWORDS
            .iter()
            .map(|k| {
                let en = k.spellings().skip(1).map(str::to_string).collect();
                (k.zh.to_string(), en)
            })
            .collect();
        assert_eq!(documented, table);
    }
}
