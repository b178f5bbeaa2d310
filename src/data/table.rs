//! Tables with a header row, shared by CSV files and XLSX sheets: header texts → fields
//! (by name or declared alias), and one row of cell texts → one typed record.

use super::header::{locate, Column, How, Mapped, Target, SCAN_ROWS};
use super::json::ColumnIndex;
use super::mapping::{EntityMap, Mapping};
use super::normalize::{is_nothing, parse_bool};
use super::source::{LoadError, SkipReason};
use super::values::{check_credit_code, expected, parse_cell, respell, respell_set};
use crate::ir::{FieldType, Record, RuleSet, Value};
use crate::limits::MAX_CELL_BYTES;
use crate::messages::{list_sep, or_sep, quoted, Lang};
use crate::msg;

/// Why one row did not become a record: the column (header text) if one cell is to blame.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    pub column: Option<String>,
    /// The cell's text (a bounded prefix).
    pub value: Option<String>,
    pub message: String,
}

/// The cells of one row, however the format stores them.
pub trait Cells {
    fn count(&self) -> usize;
    /// The text of cell `i` (`""` past the end); an error when the bytes are not text.
    fn text(&self, i: usize) -> Result<&str, String>;
}

impl<S: AsRef<str>> Cells for Vec<S> {
    fn count(&self) -> usize {
        self.len()
    }
    fn text(&self, i: usize) -> Result<&str, String> {
        Ok(self.get(i).map(AsRef::as_ref).unwrap_or(""))
    }
}

/// One row read from a table: its row number, raw key and parent-key texts, and the record
/// (list fields empty; item tables fill them in).
#[derive(Debug)]
pub struct TableRow {
    pub row: usize,
    pub key: Option<String>,
    pub parent: Option<String>,
    pub result: Result<Record, BadRow>,
    /// Set when the row holds no record (blank, a total row): `result` is then meaningless.
    pub skip: Option<SkipReason>,
}

/// The entity and list field that items of an item table belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParentLink {
    pub entity: usize,
    pub field: usize,
}

/// The list field (and its entity) whose items are records of `entity`, if any: the first
/// field of type `列表 entity` in declaration order.
pub fn parent_of(rules: &RuleSet, entity: usize) -> Option<ParentLink> {
    rules.entities.iter().enumerate().find_map(|(pe, info)| {
        info.fields
            .iter()
            .position(|f| f.ty == FieldType::List(entity))
            .map(|field| ParentLink { entity: pe, field })
    })
}

/// The first entity whose records are not items of another entity's list.
pub fn first_top_level(rules: &RuleSet) -> Option<usize> {
    (0..rules.entities.len()).find(|&e| parent_of(rules, e).is_none())
}

/// Header texts mapped to fields, ready to read rows.
#[derive(Debug)]
pub struct Header {
    pub entity: usize,
    /// The table's name in messages: the file, and the sheet for workbooks.
    pub table: String,
    /// Each column's header text, trimmed (two header rows joined).
    pub names: Vec<String>,
    /// Each column, with what it gives and how that was decided.
    pub columns: Vec<Column>,
    /// The column of the entity's key field.
    pub key_col: Option<usize>,
    /// The column naming the parent record, for item tables.
    pub parent_col: Option<usize>,
    /// The row numbers (as the officer sees them) of the header's first and last row.
    pub first_row: usize,
    pub header_row: usize,
    /// Per field: whether a rule reads it or the plan displays it; other text is checked,
    /// not kept.
    keep: Vec<bool>,
    /// Per field: the mapping file's spellings.
    spellings: Vec<Option<Vec<(String, String)>>>,
    /// Whether some column gives a level of this set field (so it starts as the empty set).
    flagged: Vec<bool>,
    lang: Lang,
    /// Where to count cell values the plan does not know, when asked (`policyc map`).
    survey: Option<super::Layouts>,
}

fn clean(name: &str) -> String {
    name.trim_start_matches('\u{feff}').trim().to_string()
}

fn field_names(rules: &RuleSet, lang: Lang, entity: usize, field: usize) -> String {
    let f = &rules.entities[entity].fields[field];
    let mut names = vec![quoted(lang, &f.name)];
    names.extend(f.aliases.iter().map(|a| quoted(lang, a)));
    names.join(&or_sep(lang))
}

/// The unread columns whose headers share characters with the field's names, the most
/// first (the first column of a tie first): the columns a "did you mean" names, and the
/// one `policyc map` guesses.
fn candidates(rules: &RuleSet, entity: usize, field: usize, columns: &[Column]) -> Vec<usize> {
    let f = &rules.entities[entity].fields[field];
    let names: Vec<&str> = std::iter::once(f.name.as_str())
        .chain(f.aliases.iter().map(String::as_str))
        .collect();
    let mut scored: Vec<(usize, usize)> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.target == Target::Ignored && !c.header.trim().is_empty())
        .map(|(i, c)| {
            let shared = names
                .iter()
                .map(|n| n.chars().filter(|ch| c.header.contains(*ch)).count())
                .max()
                .unwrap_or(0);
            (shared, i)
        })
        .filter(|(shared, _)| *shared > 0)
        .collect();
    // Stable: among equals, the column order stays.
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored.into_iter().map(|(_, i)| i).collect()
}

impl Header {
    /// Builds the header of `table` from its mapped columns. A missing required column, a
    /// field two columns give, or an ambiguous match is an error of the whole table; every
    /// inferred match, level column and unread column is reported once in `notes`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cols: &ColumnIndex,
        lang: Lang,
        table: &str,
        mapped: Mapped,
        (first_row, header_row): (usize, usize),
        parent: Option<ParentLink>,
        map: Option<&EntityMap>,
        notes: &mut Vec<String>,
    ) -> Result<Header, LoadError> {
        Self::build(
            cols,
            lang,
            table,
            mapped,
            (first_row, header_row),
            parent,
            map,
            notes,
            None,
        )
    }

    /// [`Header::new`] for `policyc map`: what would stop the run is kept in `problems`
    /// instead, and settled by a guess the mapping file marks for review (the first of two
    /// columns for one field, the likeliest column for a missing field). It does not fail.
    #[allow(clippy::too_many_arguments)]
    pub fn guessing(
        cols: &ColumnIndex,
        lang: Lang,
        table: &str,
        mapped: Mapped,
        rows: (usize, usize),
        parent: Option<ParentLink>,
        map: Option<&EntityMap>,
        notes: &mut Vec<String>,
        problems: &mut Vec<String>,
    ) -> Result<Header, LoadError> {
        Self::build(
            cols,
            lang,
            table,
            mapped,
            rows,
            parent,
            map,
            notes,
            Some(problems),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        cols: &ColumnIndex,
        lang: Lang,
        table: &str,
        mapped: Mapped,
        (first_row, header_row): (usize, usize),
        parent: Option<ParentLink>,
        map: Option<&EntityMap>,
        notes: &mut Vec<String>,
        mut guess: Option<&mut Vec<String>>,
    ) -> Result<Header, LoadError> {
        let rules = cols.rules();
        let entity = mapped.entity;
        let info = &rules.entities[entity];
        let mut columns = mapped.columns;
        for c in &mut columns {
            c.header = clean(&c.header);
        }
        let names: Vec<String> = columns.iter().map(|c| c.header.clone()).collect();
        // A problem stops the table, or, when guessing, is noted and settled.
        let mut fail = |e: LoadError| -> Result<(), LoadError> {
            match guess.as_deref_mut() {
                Some(problems) => {
                    let text = match &e.help {
                        Some(h) => format!("{}（{h}）", e.message),
                        None => e.message.clone(),
                    };
                    problems.push(text);
                    Ok(())
                }
                None => Err(e),
            }
        };
        let mut by_field: Vec<Option<usize>> = vec![None; info.fields.len()];
        for (c, col) in columns.iter_mut().enumerate() {
            if let Target::Field(fi) = col.target {
                if let Some(prev) = by_field[fi] {
                    fail(
                        LoadError::new(msg!(
                            lang,
                            TWO_COLUMNS,
                            table,
                            names[prev],
                            col.header,
                            info.fields[fi].name,
                            info.name
                        ))
                        .with_help(msg!(lang, TWO_COLUMNS_HELP)),
                    )?;
                    col.target = Target::Ignored;
                    col.how = How::Guessed;
                    continue;
                }
                by_field[fi] = Some(c);
            }
        }
        for a in &mapped.ambiguous {
            let listed: Vec<String> = a.columns.iter().map(|c| quoted(lang, c)).collect();
            fail(
                LoadError::new(msg!(
                    lang,
                    AMBIGUOUS_FIELD,
                    table,
                    listed.join(list_sep(lang)),
                    info.fields[a.field].name,
                    info.name
                ))
                .with_help(msg!(
                    lang,
                    AMBIGUOUS_HELP,
                    super::mapping::toml_string(&a.columns[0]),
                    info.fields[a.field].name
                )),
            )?;
            if by_field[a.field].is_none() {
                if let Some(c) = columns.iter().position(|c| c.header == a.columns[0]) {
                    columns[c].target = Target::Field(a.field);
                    columns[c].how = How::Guessed;
                    by_field[a.field] = Some(c);
                }
            }
        }
        let flagged: Vec<bool> = (0..info.fields.len())
            .map(|fi| {
                columns
                    .iter()
                    .any(|c| matches!(c.target, Target::Flag { field, .. } if field == fi))
            })
            .collect();
        let missing: Vec<usize> = info
            .fields
            .iter()
            .enumerate()
            .filter(|(fi, f)| {
                by_field[*fi].is_none()
                    && !flagged[*fi]
                    && !f.optional
                    && !matches!(f.ty, FieldType::List(_))
            })
            .map(|(fi, _)| fi)
            .collect();
        if let Some(&first) = missing.first() {
            let all: Vec<String> = missing
                .iter()
                .map(|&fi| field_names(rules, lang, entity, fi))
                .collect();
            let near: Vec<String> = candidates(rules, entity, first, &columns)
                .into_iter()
                .take(3)
                .map(|c| quoted(lang, &columns[c].header))
                .collect();
            let help = if near.is_empty() {
                let found: Vec<String> = names
                    .iter()
                    .filter(|n| !n.is_empty())
                    .map(|n| quoted(lang, n))
                    .collect();
                msg!(
                    lang,
                    COLUMNS_FOUND,
                    info.name,
                    if found.is_empty() {
                        msg!(lang, NONE)
                    } else {
                        found.join(list_sep(lang))
                    }
                )
            } else {
                msg!(
                    lang,
                    DID_YOU_MEAN,
                    near.join(&or_sep(lang)),
                    info.fields[first].name
                )
            };
            fail(
                LoadError::new(msg!(lang, MISSING_FIELD, table, all.join(", "), info.name))
                    .with_help(help),
            )?;
            // Guessing: each missing field takes the unread column likeliest to be it.
            for &fi in &missing {
                if let Some(&c) = candidates(rules, entity, fi, &columns).first() {
                    columns[c].target = Target::Field(fi);
                    columns[c].how = How::Guessed;
                    by_field[fi] = Some(c);
                }
            }
        }
        let parent_col = columns.iter().position(|c| c.target == Target::Parent);
        if let Some(p) = parent {
            if parent_col.is_none() {
                let pinfo = &rules.entities[p.entity];
                fail(
                    LoadError::new(msg!(lang, NO_PARENT_COLUMN, table, pinfo.name, info.name))
                        .with_help(msg!(
                            lang,
                            NO_PARENT_COLUMN_HELP,
                            field_names(rules, lang, p.entity, pinfo.key),
                            pinfo.name
                        )),
                )?;
            }
        }
        let mut ignored = Vec::new();
        for col in &columns {
            match (&col.target, col.how) {
                (Target::Field(f), How::Inferred) => notes.push(msg!(
                    lang,
                    NOTE,
                    msg!(lang, NOTE_INFERRED, table, col.header, info.fields[*f].name)
                )),
                (Target::Flag { field, level }, How::Level) => notes.push(msg!(
                    lang,
                    NOTE,
                    if matches!(info.fields[*field].ty, FieldType::Action { .. }) {
                        crate::messages::m::NOTE_LEVEL_ACTION_COLUMN
                    } else {
                        crate::messages::m::NOTE_LEVEL_COLUMN
                    }
                    .fmt(
                        lang,
                        &[
                            &table,
                            &col.header,
                            &rules.levels[*level as usize].name,
                            &info.fields[*field].name,
                        ],
                    )
                )),
                (Target::Parent, How::Inferred) => {
                    let p = parent.map(|p| rules.entities[p.entity].name.as_str());
                    notes.push(msg!(
                        lang,
                        NOTE,
                        msg!(lang, NOTE_PARENT_COLUMN, table, col.header, p.unwrap_or(""))
                    ))
                }
                (Target::Ignored, How::Unmatched) if !col.header.is_empty() => {
                    ignored.push(quoted(lang, &col.header))
                }
                _ => {}
            }
        }
        if !ignored.is_empty() {
            notes.push(msg!(
                lang,
                NOTE,
                msg!(
                    lang,
                    NOTE_IGNORED,
                    table,
                    ignored.join(list_sep(lang)),
                    info.name
                )
            ));
        }
        let read = crate::ir::usage::fields_read(rules).swap_remove(entity);
        let shown = crate::ir::usage::fields_shown(rules).swap_remove(entity);
        let keep = read.iter().zip(&shown).map(|(r, s)| *r || *s).collect();
        let spellings = (0..info.fields.len())
            .map(|fi| map.and_then(|m| m.spellings(fi)).map(<[_]>::to_vec))
            .collect();
        Ok(Header {
            entity,
            table: table.to_string(),
            key_col: by_field[info.key],
            names,
            columns,
            parent_col,
            first_row,
            header_row,
            keep,
            spellings,
            flagged,
            lang,
            survey: None,
        })
    }

    /// Counts every cell value of an enum, level or yes/no field the plan does not know into
    /// `layouts` (not only the first bad cell of a row).
    pub fn survey_into(&mut self, layouts: &super::Layouts) {
        if layouts.gathers_unknown() {
            self.survey = Some(layouts.clone());
        }
    }

    /// True when every cell is empty or blank.
    pub fn is_blank(cells: &dyn Cells) -> bool {
        (0..cells.count()).all(|i| cells.text(i).map(|t| t.trim().is_empty()).unwrap_or(false))
    }

    fn raw(cells: &dyn Cells, col: Option<usize>) -> Option<String> {
        let t = cells.text(col?).ok()?;
        let t = super::normalize::fold(t);
        (!t.is_empty()).then(|| t.into_owned())
    }

    /// Why a row holds no record, if it does not: blank, or a total or note row (no key,
    /// and its first non-empty cells say 合计, 共N家 …).
    fn skip_reason(&self, cells: &dyn Cells, key: Option<&str>) -> Option<SkipReason> {
        if Self::is_blank(cells) {
            return Some(SkipReason::Blank);
        }
        // A total row may put its count where the key goes (合计 | | 共12家, or just 12).
        let count_as_key = |k: &str| {
            super::normalize::is_total_text(k)
                || (k.len() < 10 && k.bytes().all(|b| b.is_ascii_digit()))
        };
        if key.is_some_and(|k| !count_as_key(k)) {
            return None;
        }
        (0..cells.count())
            .filter_map(|i| cells.text(i).ok())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .take(3)
            .find(|t| super::normalize::is_total_text(t))
            .map(|t| SkipReason::Total(t.chars().take(40).collect()))
    }

    /// Parses one row.
    pub fn row(&self, rules: &RuleSet, row: usize, cells: &dyn Cells) -> TableRow {
        let key = Self::raw(cells, self.key_col);
        let skip = self.skip_reason(cells, key.as_deref());
        TableRow {
            row,
            parent: Self::raw(cells, self.parent_col),
            result: if skip.is_some() {
                Ok(Record::default())
            } else {
                self.record(rules, cells)
            },
            key,
            skip,
        }
    }

    fn bad(&self, c: usize, text: &str, message: String) -> BadRow {
        BadRow {
            column: Some(self.names[c].clone()),
            value: Some(super::echo(self.lang, text.trim())),
            message,
        }
    }

    fn record(&self, rules: &RuleSet, cells: &dyn Cells) -> Result<Record, BadRow> {
        let lang = self.lang;
        let info = &rules.entities[self.entity];
        let width = self.names.len();
        for i in width..cells.count() {
            if !cells.text(i).map(|t| t.trim().is_empty()).unwrap_or(false) {
                return Err(BadRow {
                    column: None,
                    value: None,
                    message: msg!(lang, ROW_TOO_WIDE, cells.count(), width),
                });
            }
        }
        // When surveying, the first bad cell is kept while the others are still looked at.
        let mut first_bad: Option<BadRow> = None;
        let mut values: Vec<Value> = info
            .fields
            .iter()
            .enumerate()
            .map(|(fi, f)| match f.ty {
                FieldType::List(_) => Value::List(Vec::new()),
                FieldType::Set(_) if self.flagged[fi] => Value::Set(0),
                _ => Value::Missing,
            })
            .collect();
        for (c, col) in self.columns.iter().enumerate() {
            let (fi, level) = match col.target {
                Target::Field(fi) => (fi, None),
                Target::Flag { field, level } => (field, Some(level)),
                Target::Parent | Target::Ignored => continue,
            };
            let text = cells.text(c).map_err(|why| BadRow {
                column: Some(self.names[c].clone()),
                value: None,
                message: why,
            })?;
            if text.len() > MAX_CELL_BYTES {
                return Err(self.bad(
                    c,
                    text,
                    msg!(lang, CELL_TOO_LARGE, text.len(), MAX_CELL_BYTES),
                ));
            }
            let spellings = self.spellings[fi].as_deref();
            let text = match rules.entities[self.entity].fields[fi].ty {
                FieldType::Set(_) if level.is_none() => respell_set(spellings, text),
                _ => respell(spellings, text),
            };
            let field = &info.fields[fi];
            if let (Some(level), FieldType::Action { .. }) = (level, field.ty) {
                // One column per level of a per-level action: the level's action.
                let parsed = match parse_cell(rules, lang, field.ty, true, &text) {
                    Ok(v) => v,
                    Err(why) => return Err(self.bad(c, &text, why)),
                };
                if !matches!(parsed, Value::Missing) {
                    let n = rules.levels.len();
                    if !matches!(values[fi], Value::Actions(_)) {
                        // A column for every level keeps the value of a column for all.
                        let all = std::mem::take(&mut values[fi]);
                        values[fi] = Value::Actions(vec![all; n].into());
                    }
                    if let Value::Actions(per_level) = &mut values[fi] {
                        if let Some(slot) = per_level.get_mut(level as usize) {
                            *slot = parsed;
                        }
                    }
                }
                continue;
            }
            if let Some(level) = level {
                match parse_bool(&text) {
                    Some(true) => {
                        if let Value::Set(bits) = &mut values[fi] {
                            *bits |= 1u64 << level;
                        }
                    }
                    Some(false) => {}
                    None if is_nothing(&text) => {}
                    None => {
                        return Err(self.bad(
                            c,
                            &text,
                            msg!(
                                lang,
                                VALUE_NOT_VALID,
                                super::echo(lang, text.trim()),
                                msg!(lang, FLAG_NOT_BOOL)
                            ),
                        ))
                    }
                }
                continue;
            }
            let ty = field.ty;
            let parsed = if !self.keep[fi] && matches!(ty, FieldType::Text | FieldType::CreditCode)
            {
                elide_text(lang, ty, &text)
            } else {
                parse_cell(rules, lang, ty, field.optional, &text)
            };
            let parsed = match parsed {
                Ok(v) => v,
                Err(why) => {
                    let bad = self.bad(
                        c,
                        &text,
                        msg!(lang, VALUE_NOT_VALID, super::echo(lang, text.trim()), why),
                    );
                    let Some(survey) = &self.survey else {
                        return Err(bad);
                    };
                    if matches!(
                        ty,
                        FieldType::Enum(_) | FieldType::Set(_) | FieldType::Level | FieldType::Bool
                    ) {
                        survey.unknown_value(self.entity, fi, text.trim());
                    }
                    first_bad.get_or_insert(bad);
                    continue;
                }
            };
            // A set from a list column adds to the levels of yes/no columns.
            values[fi] = match (&values[fi], parsed) {
                (Value::Set(a), Value::Set(b)) => Value::Set(a | b),
                (_, v) => v,
            };
        }
        if let Some(bad) = first_bad {
            return Err(bad);
        }
        for (fi, f) in info.fields.iter().enumerate() {
            let column = || {
                self.columns
                    .iter()
                    .position(|x| x.target == Target::Field(fi))
                    .map(|c| self.names[c].clone())
                    .unwrap_or_else(|| f.name.clone())
            };
            if let Some(message) = super::values::outside_range(lang, f, &values[fi]) {
                return Err(BadRow {
                    column: Some(column()),
                    value: None,
                    message,
                });
            }
            if !f.optional && matches!(values[fi], Value::Missing) {
                return Err(BadRow {
                    column: Some(column()),
                    value: None,
                    message: msg!(lang, REQUIRED_EMPTY, f.name, expected(rules, lang, f.ty)),
                });
            }
        }
        Ok(Record { values })
    }
}

/// Checks a text cell no rule reads, without keeping (or allocating) it.
fn elide_text(lang: Lang, ty: FieldType, text: &str) -> Result<Value, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Value::Missing);
    }
    if ty == FieldType::CreditCode {
        check_credit_code(lang, &super::normalize::fold(t))?;
    }
    Ok(Value::Elided)
}

/// Finds the header among the first rows of a table and maps it. `rows` are the table's
/// first rows as (row number, cell texts), blank rows left out; `header_row` is the row
/// number `--header-row` (or the mapping file) names. The rows after the header's last
/// (`Header::header_row`) are data.
#[allow(clippy::too_many_arguments)]
pub fn find_header(
    cols: &ColumnIndex,
    lang: Lang,
    table: &str,
    candidates: &[(usize, Option<ParentLink>)],
    rows: &[(usize, Vec<String>)],
    header_row: Option<usize>,
    mapping: &Mapping,
    notes: &mut Vec<String>,
    problems: Option<&mut Vec<String>>,
) -> Result<Option<Header>, LoadError> {
    // The header's row for an entity: `--header-row` for every one, else the mapping file's
    // for that entity; as an index into `rows`.
    let row_of = |e: usize| header_row.or_else(|| mapping.entity(e).and_then(|m| m.header_row));
    let index_of = |n: usize| rows.iter().position(|(r, _)| *r >= n);
    // A named header row past a table's end (a short 填表说明 sheet) finds no header there:
    // the table is not that entity's.
    let at = |e: usize| row_of(e).map(|n| index_of(n).unwrap_or(usize::MAX));
    let Some(found) = locate(cols, candidates, rows, &at, mapping) else {
        return Ok(None);
    };
    let entity = found.mapped.entity;
    let parent = candidates
        .iter()
        .find(|(e, _)| *e == entity)
        .and_then(|(_, p)| *p);
    let last = found.index + found.span - 1;
    let header_row = rows[last].0;
    let first = rows[found.index].0;
    if first != 1 {
        let at = if found.span == 2 {
            format!("{first}–{header_row}")
        } else {
            first.to_string()
        };
        notes.push(msg!(lang, NOTE, msg!(lang, NOTE_HEADER_AT, table, at)));
    }
    let rows = (first, header_row);
    let header = match problems {
        Some(problems) => Header::guessing(
            cols,
            lang,
            table,
            found.mapped,
            rows,
            parent,
            mapping.entity(entity),
            notes,
            problems,
        )?,
        None => Header::new(
            cols,
            lang,
            table,
            found.mapped,
            rows,
            parent,
            mapping.entity(entity),
            notes,
        )?,
    };
    Ok(Some(header))
}

/// How many non-blank rows from the top a table's header search reads: the first
/// [`SCAN_ROWS`], or down past a header row that `--header-row` or the mapping file names.
pub fn rows_to_scan(
    candidates: &[(usize, Option<ParentLink>)],
    header_row: Option<usize>,
    mapping: &Mapping,
) -> usize {
    candidates
        .iter()
        .filter_map(|(e, _)| mapping.entity(*e).and_then(|m| m.header_row))
        .chain(header_row)
        .map(|n| n + 2)
        .fold(SCAN_ROWS + 1, usize::max)
}

/// The error for a table with no header: names the fields a header would have.
pub fn no_header(rules: &RuleSet, lang: Lang, table: &str, entity: usize) -> LoadError {
    let info = &rules.entities[entity];
    let some: Vec<String> = info
        .fields
        .iter()
        .filter(|f| !matches!(f.ty, FieldType::List(_)))
        .take(5)
        .map(|f| quoted(lang, &f.name))
        .collect();
    LoadError::new(msg!(lang, NO_HEADER, table, SCAN_ROWS, info.name)).with_help(msg!(
        lang,
        NO_HEADER_HELP,
        some.join(list_sep(lang))
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ir::RuleSet;

    /// The shipped Beijing plan, compiled.
    pub(crate) fn beijing() -> RuleSet {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("policies/beijing/manufacturing-2023.policy");
        crate::compile::compile_file(&path, "manufacturing-2023.policy")
            .expect("the plan reads")
            .rules
            .expect("the plan compiles")
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// The header of `entity` for these column names, as a table would map it.
    fn header(
        rules: &RuleSet,
        entity: usize,
        cols_: &[&str],
        parent: Option<ParentLink>,
        notes: &mut Vec<String>,
    ) -> Result<Header, LoadError> {
        let cols = ColumnIndex::new(rules);
        let mapped = super::super::header::map_columns(&cols, entity, parent, &names(cols_), None);
        Header::new(
            &cols,
            Lang::En,
            "f.csv",
            mapped,
            (1, 1),
            parent,
            None,
            notes,
        )
    }

    pub(crate) const FIRM_HEADER: &[&str] = &[
        "统一社会信用代码",
        "企业名称",
        "所在区",
        "行业",
        "绩效等级",
        "涉气排放",
        "应急减排清单",
        "保障类别",
        "涉密",
    ];

    #[test]
    fn aliases_map_and_unknown_columns_are_noted_once() {
        let rules = beijing();
        let firm = rules.entity_index("企业").unwrap();
        let mut cols = FIRM_HEADER.to_vec();
        cols.push("备注");
        cols.push("联系人");
        let mut notes = Vec::new();
        let h = header(&rules, firm, &cols, None, &mut notes).unwrap();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("`备注`, `联系人`"), "{notes:?}");
        let row = [
            "91310110666007217T",
            "甲公司",
            "朝阳区",
            "家具制造",
            "A",
            "是",
            "黄色、橙色",
            "",
            "否",
            "x",
            "",
        ];
        let r = h.row(&rules, 2, &row[..].to_vec());
        let rec = r.result.unwrap();
        assert_eq!(r.key.as_deref(), Some("91310110666007217T"));
        let field = |n: &str| {
            rules.entities[firm]
                .fields
                .iter()
                .position(|f| f.name == n)
                .unwrap()
        };
        // 名称 is displayed, so it is kept though no rule reads it.
        assert_eq!(rec.values[field("名称")], Value::Text("甲公司".into()));
        let key = rules.entities[firm].key;
        assert_eq!(rec.values[key], Value::Text("91310110666007217T".into()));
    }

    #[test]
    fn missing_required_column_and_duplicate_field_are_file_errors() {
        let rules = beijing();
        let firm = rules.entity_index("企业").unwrap();
        let cols: Vec<&str> = FIRM_HEADER
            .iter()
            .copied()
            .filter(|h| *h != "行业")
            .chain(["产业类型"])
            .collect();
        let e = header(&rules, firm, &cols, None, &mut Vec::new()).unwrap_err();
        assert!(e.message.contains("`行业`"), "{}", e.message);
        let mut cols = FIRM_HEADER.to_vec();
        cols.push("名称");
        let e = header(&rules, firm, &cols, None, &mut Vec::new()).unwrap_err();
        assert!(e.message.contains("`企业名称` and `名称`"), "{}", e.message);
    }

    #[test]
    fn a_missing_field_names_the_columns_it_may_be() {
        let rules = beijing();
        let firm = rules.entity_index("企业").unwrap();
        let cols: Vec<&str> = FIRM_HEADER
            .iter()
            .copied()
            .filter(|h| *h != "绩效等级")
            .chain(["绩效评定"])
            .collect();
        let e = header(&rules, firm, &cols, None, &mut Vec::new()).unwrap_err();
        assert!(e.message.contains("`绩效等级`"), "{}", e.message);
        let help = e.help.unwrap();
        assert!(help.contains("did you mean `绩效评定`"), "{help}");
    }

    #[test]
    fn item_tables_need_a_parent_column() {
        let rules = beijing();
        let machine = rules.entity_index("机械").unwrap();
        let link = parent_of(&rules, machine).unwrap();
        assert_eq!(rules.entities[link.entity].name, "企业");
        let h = header(
            &rules,
            machine,
            &["企业", "编号", "动力"],
            Some(link),
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(h.parent_col, Some(0));
        let mut notes = Vec::new();
        let h = header(
            &rules,
            machine,
            &["编号", "动力", "统一社会信用代码"],
            Some(link),
            &mut notes,
        )
        .unwrap();
        assert_eq!(h.parent_col, Some(2));
        assert!(
            notes.is_empty(),
            "the parent column is not an unknown column: {notes:?}"
        );
        let e = header(
            &rules,
            machine,
            &["编号", "动力"],
            Some(link),
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(
            e.message.contains("no column names the `企业`"),
            "{}",
            e.message
        );
        assert_eq!(first_top_level(&rules), rules.entity_index("企业"));
    }

    #[test]
    fn bad_cells_are_row_errors_and_short_rows_read_as_empty_cells() {
        let rules = beijing();
        let firm = rules.entity_index("企业").unwrap();
        let h = header(&rules, firm, FIRM_HEADER, None, &mut Vec::new()).unwrap();
        let row = [
            "91310110666007217T",
            "甲公司",
            "朝阳区",
            "家具制造",
            "E",
            "是",
            "",
            "",
            "否",
        ];
        let e = h.row(&rules, 5, &row[..].to_vec()).result.unwrap_err();
        assert_eq!(e.column.as_deref(), Some("绩效等级"));
        assert_eq!(e.value.as_deref(), Some("E"));
        assert!(
            e.message.contains("value E is not valid: expected one of"),
            "{}",
            e.message
        );
        let e = h.row(&rules, 5, &row[..4].to_vec()).result.unwrap_err();
        assert_eq!(
            e.column.as_deref(),
            Some("绩效等级"),
            "a short row lacks the grade"
        );
        let mut long = row.to_vec();
        long[4] = "A";
        long.push("");
        assert!(
            h.row(&rules, 5, &long[..].to_vec()).result.is_ok(),
            "an empty extra cell is fine"
        );
        long.push("x");
        assert!(h.row(&rules, 5, &long[..].to_vec()).result.is_err());
        let mut empty = long[..9].to_vec();
        empty[3] = " ";
        let e = h.row(&rules, 5, &empty[..].to_vec()).result.unwrap_err();
        assert_eq!(e.column.as_deref(), Some("行业"));
        assert!(e.message.contains("required field `行业`"), "{}", e.message);
    }

    #[test]
    fn totals_and_blank_rows_hold_no_record() {
        let rules = beijing();
        let firm = rules.entity_index("企业").unwrap();
        let h = header(&rules, firm, FIRM_HEADER, None, &mut Vec::new()).unwrap();
        let blank = vec![""; 9];
        assert_eq!(h.row(&rules, 9, &blank).skip, Some(SkipReason::Blank));
        let total = vec!["", "合计", "", "", "", "", "", "", ""];
        assert_eq!(
            h.row(&rules, 9, &total).skip,
            Some(SkipReason::Total("合计".into()))
        );
        let count_as_key = vec!["共12家", "", "", "", "", "", "", "", ""];
        assert!(h.row(&rules, 9, &count_as_key).skip.is_some());
        let firm_row = vec![
            "91310110666007217T",
            "合计水泥厂",
            "",
            "家具制造",
            "A",
            "是",
            "",
            "",
            "",
        ];
        assert_eq!(
            h.row(&rules, 9, &firm_row).skip,
            None,
            "a keyed row is a record"
        );
    }
}
