//! The mapping file (`--map FILE`): which column holds which field, and value spellings the
//! plan does not know, fixed by the officer instead of inferred. `policyc map` writes the
//! mapping `eval` would use, for review. The format is TOML, one table per entity:
//!
//! ```toml
//! ["企业"]                              # TOML quotes keys that are not ASCII
//! header_row = 3                      # optional: the (first) header row
//! ["企业".columns]
//! "所属行业" = "行业"                  # column → field
//! "黄色预警是否纳入清单" = "应急减排清单:黄色"  # yes/no column for one level of a set
//! "序号" = "-"                         # not read
//! ["企业".values."绩效等级"]
//! "B类" = "B"                          # a spelling the plan does not know → its value
//! "未评级" = ""                        # → no value
//! ["机械".columns]
//! "企业信用代码" = "企业"              # the column naming the parent record (its key)
//! ```

use super::normalize::{fold, header_key};
use super::source::LoadError;
use super::table::parent_of;
use crate::ir::{FieldType, RuleSet};
use crate::messages::Lang;
use crate::msg;

/// What the mapping file says a column is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnChoice {
    Field(usize),
    Flag(usize, u16),
    Parent,
    Ignore,
}

/// The mapping of one entity's tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityMap {
    /// The first header row (the row number the officer sees), if fixed.
    pub header_row: Option<usize>,
    /// Column header (reduced by `header_key`) → choice.
    columns: Vec<(String, ColumnChoice)>,
    /// Per field: spellings → the text the plan knows (`""` for no value).
    spellings: Vec<Vec<(String, String)>>,
}

impl EntityMap {
    /// The choice for a column whose reduced header is `key`.
    pub fn column(&self, key: &str) -> Option<&ColumnChoice> {
        self.columns.iter().find(|(k, _)| k == key).map(|(_, c)| c)
    }

    /// The spellings declared for field `field`.
    pub fn spellings(&self, field: usize) -> Option<&[(String, String)]> {
        self.spellings
            .get(field)
            .filter(|s| !s.is_empty())
            .map(Vec::as_slice)
    }
}

/// A mapping file resolved against a rule set; empty when none is given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    by_entity: Vec<Option<EntityMap>>,
}

impl Mapping {
    /// The mapping of entity `e`, if the file has one.
    pub fn entity(&self, e: usize) -> Option<&EntityMap> {
        self.by_entity.get(e).and_then(Option::as_ref)
    }

    /// Reads a mapping file's text. Every entity, field, level and value it names must
    /// exist in the plan.
    pub fn parse(
        rules: &RuleSet,
        lang: Lang,
        name: &str,
        text: &str,
    ) -> Result<Mapping, LoadError> {
        let bad = |why: String| {
            LoadError::new(msg!(lang, MAP_INVALID, name, why)).with_help(msg!(lang, MAP_HELP))
        };
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| bad(e.message().to_string()))?;
        let mut by_entity = vec![None; rules.entities.len()];
        for (ename, body) in &table {
            let e = rules
                .entity_index(ename.trim())
                .ok_or_else(|| bad(msg!(lang, UNKNOWN_ENTITY, ename, entity_names(rules))))?;
            let info = &rules.entities[e];
            let body = body
                .as_table()
                .ok_or_else(|| bad(msg!(lang, MAP_NOT_TABLE, ename)))?;
            let mut map = EntityMap {
                spellings: vec![Vec::new(); info.fields.len()],
                ..EntityMap::default()
            };
            for (k, v) in body {
                match k.as_str() {
                    "header_row" => {
                        let n = v
                            .as_integer()
                            .filter(|n| *n >= 1)
                            .ok_or_else(|| bad(msg!(lang, MAP_HEADER_ROW, ename)))?;
                        map.header_row = Some(n as usize);
                    }
                    "columns" => {
                        let cols = v.as_table().ok_or_else(|| {
                            bad(msg!(lang, MAP_NOT_TABLE, format!("{ename}.columns")))
                        })?;
                        for (header, target) in cols {
                            let target = target
                                .as_str()
                                .ok_or_else(|| bad(msg!(lang, MAP_COLUMN_TEXT, header)))?;
                            let choice = column_choice(rules, e, target).ok_or_else(|| {
                                bad(msg!(
                                    lang,
                                    MAP_NO_FIELD,
                                    header,
                                    target,
                                    ename,
                                    field_names(rules, e)
                                ))
                            })?;
                            map.columns.push((header_key(header), choice));
                        }
                    }
                    "values" => {
                        let fields = v.as_table().ok_or_else(|| {
                            bad(msg!(lang, MAP_NOT_TABLE, format!("{ename}.values")))
                        })?;
                        for (fname, spellings) in fields {
                            let f = info
                                .fields
                                .iter()
                                .position(|x| x.name == fname.trim())
                                .ok_or_else(|| {
                                    bad(msg!(
                                        lang,
                                        MAP_NO_FIELD,
                                        fname,
                                        fname,
                                        ename,
                                        field_names(rules, e)
                                    ))
                                })?;
                            let spellings = spellings.as_table().ok_or_else(|| {
                                bad(msg!(lang, MAP_NOT_TABLE, format!("{ename}.values.{fname}")))
                            })?;
                            for (from, to) in spellings {
                                let to = to
                                    .as_str()
                                    .ok_or_else(|| bad(msg!(lang, MAP_COLUMN_TEXT, from)))?;
                                check_spelling(rules, lang, info.fields[f].ty, to).map_err(
                                    |why| bad(msg!(lang, MAP_BAD_VALUE, from, to, fname, why)),
                                )?;
                                map.spellings[f]
                                    .push((fold(from).into_owned(), to.trim().to_string()));
                            }
                        }
                    }
                    other => return Err(bad(msg!(lang, MAP_UNKNOWN_KEY, other, ename))),
                }
            }
            by_entity[e] = Some(map);
        }
        Ok(Mapping { by_entity })
    }
}

fn entity_names(rules: &RuleSet) -> String {
    rules
        .entities
        .iter()
        .map(|e| e.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn field_names(rules: &RuleSet, e: usize) -> String {
    rules.entities[e]
        .fields
        .iter()
        .filter(|f| !matches!(f.ty, FieldType::List(_)))
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `字段`, `字段:级别`, the parent entity's name, or `-`.
fn column_choice(rules: &RuleSet, e: usize, target: &str) -> Option<ColumnChoice> {
    let t = target.trim();
    if t == "-" || t.is_empty() {
        return Some(ColumnChoice::Ignore);
    }
    let info = &rules.entities[e];
    let field = |n: &str| {
        info.fields
            .iter()
            .position(|f| f.name == n.trim() && !matches!(f.ty, FieldType::List(_)))
    };
    if let Some(f) = field(t) {
        return Some(ColumnChoice::Field(f));
    }
    if let Some((f, l)) = t.split_once([':', '：']) {
        let f = field(f)?;
        let per_level = matches!(
            info.fields[f].ty,
            FieldType::Set(None) | FieldType::Action { per_level: true }
        );
        if !per_level {
            return None;
        }
        let l = rules.level_index(l.trim())?;
        return Some(ColumnChoice::Flag(f, l as u16));
    }
    let p = parent_of(rules, e)?;
    (rules.entities[p.entity].name == t).then_some(ColumnChoice::Parent)
}

/// A spelling's target must be a value the plan knows (or empty, for no value).
fn check_spelling(rules: &RuleSet, lang: Lang, ty: FieldType, to: &str) -> Result<(), String> {
    if to.trim().is_empty() {
        return Ok(());
    }
    super::values::parse_cell(rules, lang, ty, true, to).map(|_| ())
}

/// What a column gives, as the mapping file writes it: `字段`, `字段:级别`, the parent
/// entity's name, or `-`.
pub fn column_target(rules: &RuleSet, entity: usize, col: &super::header::Column) -> String {
    use super::header::Target;
    let info = &rules.entities[entity];
    match &col.target {
        Target::Field(f) => info.fields[*f].name.clone(),
        Target::Flag { field, level } => format!(
            "{}:{}",
            info.fields[*field].name, rules.levels[*level as usize].name
        ),
        Target::Parent => parent_of(rules, entity)
            .map(|p| rules.entities[p.entity].name.clone())
            .unwrap_or_default(),
        Target::Ignored => "-".to_string(),
    }
}

/// How a column came to its target, in words.
pub fn how_text(lang: Lang, how: super::header::How) -> String {
    use super::header::How;
    match how {
        How::Name => msg!(lang, MAP_HOW_NAME),
        How::Alias => msg!(lang, MAP_HOW_ALIAS),
        How::Level => msg!(lang, MAP_HOW_LEVEL),
        How::Inferred => msg!(lang, MAP_HOW_INFERRED),
        How::Mapped => msg!(lang, MAP_HOW_MAPPED),
        How::Guessed => msg!(lang, MAP_HOW_GUESSED),
        How::Unmatched => msg!(lang, MAP_HOW_UNMATCHED),
    }
}

/// One column's mapping in a line, for the 说明 sheet: `所属行业 → 行业（推断）`.
pub fn describe_column(
    rules: &RuleSet,
    lang: Lang,
    entity: usize,
    col: &super::header::Column,
) -> String {
    format!(
        "{} → {}（{}）",
        col.header,
        column_target(rules, entity, col),
        how_text(lang, col.how)
    )
}

/// A table's name (file, and sheet for workbooks) and its header's rows (`3` or `3–4`).
fn table_place(t: &super::TableLayout) -> (String, String) {
    let name = match &t.sheet {
        Some(s) => format!("{} [{s}]", t.file),
        None => t.file.clone(),
    };
    let rows = if t.header_rows.0 == t.header_rows.1 {
        t.header_rows.0.to_string()
    } else {
        format!("{}–{}", t.header_rows.0, t.header_rows.1)
    };
    (name, rows)
}

/// The mapping a run used, in lines for the output's 说明 sheet: per table where its header
/// is, then each column and how it was mapped.
pub fn mapping_lines(rules: &RuleSet, lang: Lang, layouts: &[super::TableLayout]) -> Vec<String> {
    let mut lines = Vec::new();
    for t in layouts {
        let (name, rows) = table_place(t);
        let head = msg!(
            lang,
            MAP_FILE_TABLE,
            name,
            rules.entities[t.entity].name,
            rows
        );
        lines.push(head.trim_start_matches("# ").to_string());
        for col in t.columns.iter().filter(|c| !c.header.is_empty()) {
            lines.push(format!("  {}", describe_column(rules, lang, t.entity, col)));
        }
    }
    lines
}

/// A value that some rows hold and the plan does not know: entity, field, the text, in how
/// many rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    pub entity: usize,
    pub field: usize,
    pub text: String,
    pub rows: usize,
}

/// Writes the mapping file for the tables of a run, as `policyc map` prints it: per entity
/// the columns as they were mapped (each with how), and the values the plan did not know,
/// commented out for the officer to complete.
pub fn write_mapping(
    rules: &RuleSet,
    lang: Lang,
    layouts: &[super::TableLayout],
    unknown: &[UnknownValue],
) -> String {
    use std::fmt::Write;
    let mut out = msg!(
        lang,
        MAP_FILE_INTRO,
        rules.plan.as_ref().map(|p| p.title.as_str()).unwrap_or("-")
    );
    for (e, info) in rules.entities.iter().enumerate() {
        let tables: Vec<&super::TableLayout> = layouts.iter().filter(|l| l.entity == e).collect();
        if tables.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n[{}]", toml_key(&info.name));
        for t in &tables {
            let (name, rows) = table_place(t);
            let _ = writeln!(out, "{}", msg!(lang, MAP_FILE_TABLE, name, info.name, rows));
            let _ = writeln!(out, "# header_row = {}", t.header_rows.0);
            for p in &t.problems {
                let _ = writeln!(out, "{}", msg!(lang, MAP_FILE_PROBLEM, p));
            }
        }
        let _ = writeln!(out, "\n[{}.columns]", toml_key(&info.name));
        let mut seen: Vec<String> = Vec::new();
        for t in &tables {
            for col in &t.columns {
                let key = header_key(&col.header);
                if key.is_empty() || seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                let _ = writeln!(
                    out,
                    "{} = {}   # {}",
                    toml_string(&col.header),
                    toml_string(&column_target(rules, e, col)),
                    how_text(lang, col.how)
                );
            }
        }
        for (f, field) in info.fields.iter().enumerate() {
            let values: Vec<&UnknownValue> = unknown
                .iter()
                .filter(|u| u.entity == e && u.field == f)
                .collect();
            if values.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "\n[{}.values.{}]\n{}",
                toml_key(&info.name),
                toml_key(&field.name),
                msg!(lang, MAP_FILE_VALUES)
            );
            let known = match field.ty {
                FieldType::Enum(x) | FieldType::Set(Some(x)) => rules.enums[x].variants.join("、"),
                FieldType::Level | FieldType::Set(None) => rules
                    .levels
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
                _ => super::values::expected(rules, lang, field.ty),
            };
            for u in values {
                let _ = writeln!(
                    out,
                    "# {} = \"\"   # {}",
                    toml_string(&u.text),
                    msg!(lang, MAP_FILE_UNKNOWN_VALUE, u.rows, known)
                );
            }
        }
    }
    out
}

fn toml_key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_string()
    } else {
        toml_string(s)
    }
}

/// Quotes a TOML key or string.
pub fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::table::tests::beijing;

    #[test]
    fn a_mapping_file_resolves_against_the_plan() {
        let rules = beijing();
        let text = r#"
["企业"]
header_row = 3
["企业".columns]
"所属 行业" = "行业"
"黄色预警是否纳入清单" = "应急减排清单:黄色"
"序号" = "-"
["企业".values."绩效等级"]
"B类" = "B"
["机械".columns]
"企业信用代码" = "企业"
"#;
        let m = Mapping::parse(&rules, Lang::En, "map.toml", text).unwrap();
        let firm = rules.entity_index("企业").unwrap();
        let fm = m.entity(firm).unwrap();
        assert_eq!(fm.header_row, Some(3));
        assert!(matches!(
            fm.column("所属行业"),
            Some(ColumnChoice::Field(_))
        ));
        assert!(matches!(
            fm.column("黄色预警是否纳入清单"),
            Some(ColumnChoice::Flag(_, 0))
        ));
        assert_eq!(fm.column("序号"), Some(&ColumnChoice::Ignore));
        let machine = rules.entity_index("机械").unwrap();
        assert_eq!(
            m.entity(machine).unwrap().column("企业信用代码"),
            Some(&ColumnChoice::Parent)
        );
    }

    #[test]
    fn a_mapping_file_naming_what_the_plan_lacks_is_refused() {
        let rules = beijing();
        for (text, needle) in [
            ("[\"公司\"]\n", "公司"),
            ("[\"企业\".columns]\n\"x\" = \"行当\"\n", "行当"),
            (
                "[\"企业\".columns]\n\"x\" = \"应急减排清单:紫色\"\n",
                "紫色",
            ),
            ("[\"企业\".values.\"绩效等级\"]\n\"B类\" = \"E\"\n", "E"),
            ("[\"企业\"]\nheader = 1\n", "header"),
            ("not toml [", "map.toml"),
        ] {
            let e = Mapping::parse(&rules, Lang::En, "map.toml", text).unwrap_err();
            assert!(e.message.contains(needle), "{text}: {}", e.message);
        }
    }
}
