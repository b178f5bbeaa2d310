//! XLSX output: a workbook organised by firm, streamed in constant memory.
//!
//! Sheets: 汇总 (one row per top-level record: key, display fields, per level what it must
//! do and what lifted a measure), 明细 (one row per record × level × measure, continued on
//! 明细2, … at Excel's row limit), 错误 (one row per error) and 说明 (plan, rule-set hash,
//! inputs, column mapping, counts).
//!
//! The driver (`eval::run::run`) formats records on several threads into byte buffers and
//! writes them in input order. [`XlsxFormat`] formats each record as compact tagged rows —
//! a sheet tag byte, fields each after a unit separator (0x1F), a record separator (0x1E) at
//! the end, both removed from cell text — and [`XlsxSink`] is the `Write` the driver writes
//! to: it parses the stream in order and writes the cells to constant-memory worksheets,
//! which flush each finished row to a temporary file. So memory holds one batch and one
//! row, whatever the number of firms.
//!
//! Every cell is written as a string, never as a formula, so a cell such as `=cmd|…` from
//! the data is shown, not run. Nothing that changes from run to run (dates, temporary paths)
//! goes into the file: identical inputs give identical bytes.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError,
};

use super::decisions::{
    kind_text, level_name, status_text, subject, write_action_text, EffectiveText, EntryActionText,
};
use super::words::LiftingWords;
use crate::data::LoadedRecord;
use crate::eval::census::CensusReport;
use crate::eval::run::{Counts, ErrorEntry, OutputFormat};
use crate::eval::{Decision, Status};
use crate::ir::usage::display_fields;
use crate::ir::{Action, FieldType, MeasureKind, RuleSet, Value};
use crate::messages::{m, Lang, Msg};

/// Rows of an Excel sheet, the header included.
pub const EXCEL_ROWS: u32 = 1_048_576;

const TAG_SUMMARY: u8 = b'S';
const TAG_DETAIL: u8 = b'D';
const TAG_ERROR: u8 = b'E';
/// A row of a public list: its first field is the list's index.
const TAG_LIST: u8 = b'L';
const TAG_CENSUS: u8 = b'C';
/// Before each field of a tagged row.
const FIELD: u8 = 0x1F;
/// After each tagged row.
const ROW: u8 = 0x1E;

/// Columns are at most this wide (in Excel's character units); longer text wraps off.
const MAX_WIDTH: usize = 60;
/// Widths are measured on the first rows of each sheet: enough to be sensible, and it keeps
/// measuring off the per-cell path of a million-row sheet.
const WIDTH_SAMPLE_ROWS: u32 = 2000;

/// What the 说明 sheet says about the run. Only what the user gave and what the rules are:
/// nothing that changes from one run of the same inputs to the next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkbookInfo {
    /// The plan's title.
    pub title: String,
    /// The rule set's content hash (`ir::compiled::content_hash`).
    pub rules_hash: String,
    /// Input files: the name the user gave and, when known, the SHA-256 of the content (hex).
    pub inputs: Vec<(String, Option<String>)>,
    /// The column mapping used, one line of text each.
    pub mapping: Vec<String>,
    /// The interface language of headers and sheet names.
    pub lang: Lang,
    /// For an audit workbook: how many error and warning findings it holds.
    pub findings: Option<(usize, usize)>,
    /// For a public workbook: each list's name and rows. Its 说明 sheet then says only that
    /// and the plan: no inputs, mapping or counts of what was read, which could tell of the
    /// records withheld.
    pub public: Option<Vec<(String, usize)>>,
}

/// Appends one field of a tagged row; the separators are dropped from the text (they are
/// ASCII control bytes, so this never splits a UTF-8 sequence).
fn field(out: &mut Vec<u8>, text: &[u8]) {
    out.push(FIELD);
    out.extend(text.iter().copied().filter(|&b| b != FIELD && b != ROW));
}

fn field_str(out: &mut Vec<u8>, text: &str) {
    field(out, text.as_bytes());
}

/// A field written by `write`, with the separators removed afterwards.
fn field_with(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    out.push(FIELD);
    let start = out.len();
    write(out);
    if out[start..].iter().any(|&b| b == FIELD || b == ROW) {
        let tail: Vec<u8> = out
            .drain(start..)
            .filter(|&b| b != FIELD && b != ROW)
            .collect();
        out.extend_from_slice(&tail);
    }
}

/// A row for the sheet `tag` names, one field per cell.
fn tagged_row<'c>(out: &mut Vec<u8>, tag: u8, cells: impl IntoIterator<Item = &'c str>) {
    out.push(tag);
    for cell in cells {
        field_str(out, cell);
    }
    out.push(ROW);
}

/// A row of public list `list` (its sheet in a public workbook).
pub(crate) fn list_row(out: &mut Vec<u8>, list: usize, cells: impl FnOnce(&mut Vec<u8>)) {
    out.push(TAG_LIST);
    let mut buf = itoa_buf();
    field(out, itoa(&mut buf, list));
    cells(out);
    out.push(ROW);
}

/// Appends one cell to a row being built by [`list_row`], written by `write`.
pub(crate) fn cell_with(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    field_with(out, write)
}

/// A row of the detail sheet (明细, or 发现 in an audit workbook).
pub(crate) fn detail_row<'c>(out: &mut Vec<u8>, cells: impl IntoIterator<Item = &'c str>) {
    tagged_row(out, TAG_DETAIL, cells)
}

/// A row of the 普查 sheet (`--census`), as [`crate::report::census::write_rows`] writes them.
pub(crate) fn census_row<'c>(out: &mut Vec<u8>, cells: impl IntoIterator<Item = &'c str>) {
    tagged_row(out, TAG_CENSUS, cells)
}

/// The rows of the 错误 sheet: file, sheet and row as the officer numbers them, column,
/// value, entity, key, level and message.
pub(crate) fn error_rows(out: &mut Vec<u8>, rules: &RuleSet, errors: &[ErrorEntry]) {
    for entry in errors {
        let e = &entry.error;
        let row = e.row.to_string();
        tagged_row(
            out,
            TAG_ERROR,
            [
                e.file.as_str(),
                e.sheet.as_deref().unwrap_or(""),
                &row,
                e.column.as_deref().unwrap_or(""),
                e.value.as_deref().unwrap_or(""),
                &e.entity,
                e.key.as_deref().unwrap_or(""),
                entry.level.map(|l| level_name(rules, l)).unwrap_or(""),
                &e.message,
            ],
        );
    }
}

/// A display field's value as text: variant and level names, yes/no, numbers as written.
pub fn display_value(rules: &RuleSet, ty: FieldType, v: &Value, lang: Lang) -> String {
    let mut out = Vec::new();
    write_value(&mut out, rules, ty, v, lang);
    String::from_utf8(out).unwrap_or_default()
}

/// The names of the members of a set value: levels (`elem` `None`) or an enum's values.
pub fn set_names(rules: &RuleSet, bits: u64, elem: Option<usize>) -> impl Iterator<Item = &str> {
    (0..64)
        .filter(move |i| bits & (1u64 << i) != 0)
        .filter_map(move |i| match elem {
            None => rules.levels.get(i).map(|l| l.name.as_str()),
            Some(e) => rules
                .enums
                .get(e)
                .and_then(|x| x.variants.get(i))
                .map(String::as_str),
        })
}

/// [`display_value`] appended to `out`, allocating nothing: the one text of a field's value
/// in outputs by record.
pub fn write_value(out: &mut Vec<u8>, rules: &RuleSet, ty: FieldType, v: &Value, lang: Lang) {
    use std::io::Write as _;
    let names = |out: &mut Vec<u8>, bits: u64, elem: Option<usize>| {
        for (i, name) in set_names(rules, bits, elem).enumerate() {
            if i > 0 {
                out.extend_from_slice("、".as_bytes());
            }
            out.extend_from_slice(name.as_bytes());
        }
    };
    // Writing to a Vec cannot fail.
    let _ = match (ty, v) {
        (_, Value::Missing | Value::Elided | Value::List(_)) => Ok(()),
        (FieldType::Enum(e), Value::Enum(i)) => {
            if let Some(name) = rules.enums.get(e).and_then(|x| x.variants.get(*i as usize)) {
                out.extend_from_slice(name.as_bytes());
            }
            Ok(())
        }
        (FieldType::Level, Value::Enum(i)) => {
            out.extend_from_slice(level_name(rules, *i as usize).as_bytes());
            Ok(())
        }
        (FieldType::Set(elem), Value::Set(bits)) => {
            names(out, *bits, elem);
            Ok(())
        }
        (_, Value::Bool(b)) => {
            let word = if *b { m::OUT_YES } else { m::OUT_NO };
            out.extend_from_slice(word.text(lang).as_bytes());
            Ok(())
        }
        (FieldType::Percent, Value::Num(n)) => write!(out, "{n}%"),
        (_, Value::Int(n)) => write!(out, "{n}"),
        (_, Value::Num(n)) => write!(out, "{n}"),
        (_, Value::Text(t)) => {
            out.extend_from_slice(t.as_bytes());
            Ok(())
        }
        (_, Value::Date(d)) => {
            out.extend_from_slice(crate::dates::format(*d).as_bytes());
            Ok(())
        }
        (_, Value::Enum(i)) => write!(out, "{i}"),
        (_, Value::Set(b)) => write!(out, "{b:#x}"),
        (_, Value::Action(a)) => {
            super::decisions::write_action_text(out, rules, *a);
            Ok(())
        }
        (_, Value::ActionText(t)) => {
            out.extend_from_slice(t.as_bytes());
            Ok(())
        }
        // Per level, `黄色：限产 30%；橙色：停产`.
        (_, Value::Actions(per_level)) => {
            let mut first = true;
            for (l, v) in per_level.iter().enumerate() {
                if matches!(v, Value::Missing) {
                    continue;
                }
                if !first {
                    out.extend_from_slice("；".as_bytes());
                }
                first = false;
                out.extend_from_slice(level_name(rules, l).as_bytes());
                out.extend_from_slice("：".as_bytes());
                write_value(out, rules, ty, v, lang);
            }
            Ok(())
        }
    };
}

/// What the format knows of one entity.
struct EntityView {
    display: Vec<usize>,
    /// The display field that names the record (`名称` or `name`).
    name: Option<usize>,
    /// A yes/no field `涉密` or `classified`.
    classified: Option<usize>,
}

fn entity_views(rules: &RuleSet) -> Vec<EntityView> {
    (0..rules.entities.len())
        .map(|e| {
            let fields = &rules.entities[e].fields;
            let display = display_fields(rules, e);
            let name = display
                .iter()
                .copied()
                .find(|&f| matches!(fields[f].name.as_str(), "名称" | "name"));
            let classified = fields.iter().position(|f| {
                f.ty == FieldType::Bool && matches!(f.name.as_str(), "涉密" | "classified")
            });
            EntityView {
                display,
                name,
                classified,
            }
        })
        .collect()
}

/// Formats records as the tagged rows [`XlsxSink`] reads.
pub struct XlsxFormat<'a> {
    rules: &'a RuleSet,
    levels: Vec<usize>,
    lang: Lang,
    words: LiftingWords,
    entities: Vec<EntityView>,
}

impl<'a> XlsxFormat<'a> {
    /// `levels`: the levels of the run, in the order the driver evaluates them (the summary
    /// has a pair of columns for each).
    pub fn new(rules: &'a RuleSet, levels: &[usize], lang: Lang) -> Self {
        XlsxFormat {
            rules,
            levels: levels.to_vec(),
            lang,
            words: LiftingWords::new(rules),
            entities: entity_views(rules),
        }
    }

    /// The summary cell of a level: the effective action (or that it is undetermined, and
    /// why), then each mandatory item measure that binds some items, with how many
    /// (`停产；停用燃油非道路移动机械：2 项`).
    fn level_action(&self, out: &mut Vec<u8>, d: &Decision) {
        let rules = self.rules;
        let start = out.len();
        if d.undetermined {
            let effective = EffectiveText {
                rules,
                lang: self.lang,
                decision: d,
                none: "",
            };
            out.extend_from_slice(effective.to_string().as_bytes());
        } else if d.effective != Action::NONE {
            write_action_text(out, rules, d.effective);
        }
        let join = m::SUMMARY_JOIN.text(self.lang).as_bytes();
        let mut i = 0;
        // Entries of one measure are adjacent (the evaluator decides measure by measure).
        while i < d.entries.len() {
            let mi = d.entries[i].measure;
            let run = d.entries[i..]
                .iter()
                .take_while(|e| e.measure == mi)
                .count();
            let info = &rules.measures[mi as usize];
            if info.item.is_some() && info.kind == MeasureKind::Mandatory {
                let applying = d.entries[i..i + run]
                    .iter()
                    .filter(|e| e.status == Status::Applies)
                    .count();
                if applying > 0 {
                    if out.len() > start {
                        out.extend_from_slice(join);
                    }
                    let text = crate::msg!(self.lang, SUMMARY_ITEM_COUNT, info.name, applying);
                    out.extend_from_slice(text.as_bytes());
                }
            }
            i += run;
        }
        if out.len() == start {
            out.push(b'-');
        }
    }

    /// The summary cell of what lifted measures at a level, each lifting once.
    fn level_exemptions(&self, out: &mut Vec<u8>, d: &Decision) {
        let mut seen: Vec<*const super::words::Lifted> = Vec::new();
        for e in &d.entries {
            if let Some(l) = self.words.of(e.measure as usize, e.status) {
                let p: *const _ = l;
                if seen.contains(&p) {
                    continue;
                }
                if !seen.is_empty() {
                    out.extend_from_slice(m::SUMMARY_JOIN.text(self.lang).as_bytes());
                }
                seen.push(p);
                out.extend_from_slice(l.cell.as_bytes());
            }
        }
    }
}

impl OutputFormat for XlsxFormat<'_> {
    fn result(&self, out: &mut Vec<u8>, rec: &LoadedRecord, level: usize, d: &Decision) {
        let rules = self.rules;
        let lang = self.lang;
        let view = &self.entities[rec.entity];
        let fields = &rules.entities[rec.entity].fields;
        let Some(slot) = self.levels.iter().position(|&l| l == level) else {
            return;
        };
        // The summary part: enough to place the cells of this level on the record's row, and
        // the record's own cells (written again at each level, so a level that failed to
        // evaluate does not lose them).
        out.push(TAG_SUMMARY);
        let mut num = itoa_buf();
        field(out, itoa(&mut num, rec.entity));
        field(out, itoa(&mut num, rec.file));
        field(out, itoa(&mut num, rec.row));
        field(out, itoa(&mut num, slot));
        let classified = view
            .classified
            .is_some_and(|f| matches!(rec.record.get(f), Value::Bool(true)));
        field(out, if classified { b"1" } else { b"0" });
        field_with(out, |o| self.level_action(o, d));
        field_with(out, |o| self.level_exemptions(o, d));
        field_str(out, &rec.key);
        for &f in &view.display {
            field_str(
                out,
                &display_value(rules, fields[f].ty, rec.record.get(f), lang),
            );
        }
        out.push(ROW);

        let name = view
            .name
            .map(|f| display_value(rules, fields[f].ty, rec.record.get(f), lang))
            .unwrap_or_default();
        let entity = &rules.entities[rec.entity].name;
        let level_text = level_name(rules, level);
        let effective = EffectiveText {
            rules,
            lang,
            decision: d,
            none: "",
        };
        let detail_head = |out: &mut Vec<u8>| {
            out.push(TAG_DETAIL);
            field_str(out, entity);
            field_str(out, &rec.key);
            field_str(out, &name);
            field_str(out, level_text);
            field_with(out, |o| {
                if d.undetermined {
                    o.extend_from_slice(effective.to_string().as_bytes());
                } else if d.effective != Action::NONE {
                    write_action_text(o, rules, d.effective)
                }
            });
        };
        if d.entries.is_empty() {
            detail_head(out);
            for _ in 0..8 {
                out.push(FIELD);
            }
            out.push(ROW);
        }
        for e in &d.entries {
            let mi = &rules.measures[e.measure as usize];
            let lifted = self.words.of(e.measure as usize, e.status);
            detail_head(out);
            field_str(out, &mi.name);
            field_str(out, kind_text(mi.kind, lang));
            field_str(out, status_text(e.status, lang));
            field_str(out, &subject(rules, rec, e).to_string());
            let action = EntryActionText {
                rules,
                lang,
                entry: e,
                none: "",
            };
            field_str(out, &action.to_string());
            field_str(
                out,
                mi.texts.get(level).and_then(Option::as_deref).unwrap_or(""),
            );
            field_str(out, mi.cite_at(level).unwrap_or(""));
            field_str(out, lifted.map(|l| l.cell.as_str()).unwrap_or(""));
            out.push(ROW);
        }
    }

    /// A record that could not be read still has its row on the summary, so that the
    /// summary counts every firm of the list: its key, and at each level that it failed.
    fn inline_error(&self, out: &mut Vec<u8>, error: &ErrorEntry) {
        let e = &error.error;
        let (None, Some(entity), Some(key)) = (
            error.level,
            self.rules.entity_index(&e.entity),
            e.key.as_deref(),
        ) else {
            return;
        };
        if entity >= self.entities.len()
            || crate::data::table::parent_of(self.rules, entity).is_some()
        {
            return;
        }
        let mut num = itoa_buf();
        let failed = m::OUT_NOT_READ.text(self.lang);
        for slot in 0..self.levels.len() {
            out.push(TAG_SUMMARY);
            field(out, itoa(&mut num, entity));
            field_str(out, &e.file);
            field(out, itoa(&mut num, e.row));
            field(out, itoa(&mut num, slot));
            field(out, b"0");
            field_str(out, failed);
            out.push(FIELD);
            field_str(out, key);
            out.push(ROW);
        }
    }

    fn end(
        &self,
        out: &mut Vec<u8>,
        errors: &[ErrorEntry],
        _warnings: &[String],
        _c: &Counts,
        census: Option<&CensusReport>,
    ) {
        error_rows(out, self.rules, errors);
        if let Some(report) = census {
            super::census::write_rows(out, self.rules, report, self.lang);
        }
    }
}

fn itoa_buf() -> [u8; 20] {
    [0; 20]
}

/// A number's decimal digits, without allocating.
fn itoa(buf: &mut [u8; 20], mut n: usize) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    &buf[i..]
}

/// The display width of text: CJK and other wide characters count double.
fn text_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// Excel refuses sheet names over 31 characters or with `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    name.chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect()
}

/// One logical sheet: constant-memory worksheets of at most `limit` rows each, every one
/// with the same header, named `明细`, `明细2`, … .
struct SheetWriter {
    base: String,
    header: Vec<String>,
    sheets: Vec<Worksheet>,
    /// The next row of the last sheet.
    row: u32,
    limit: u32,
    widths: Vec<usize>,
}

impl SheetWriter {
    fn new(
        wb: &mut Workbook,
        base: String,
        header: Vec<String>,
        limit: u32,
        bold: &Format,
    ) -> Result<SheetWriter, XlsxError> {
        let mut s = SheetWriter {
            base,
            widths: header.iter().map(|h| text_width(h) + 3).collect(),
            header,
            sheets: Vec::new(),
            row: 0,
            limit: limit.clamp(2, EXCEL_ROWS),
        };
        s.start_sheet(wb, bold)?;
        Ok(s)
    }

    fn start_sheet(&mut self, wb: &mut Workbook, bold: &Format) -> Result<(), XlsxError> {
        let mut sheet = wb.new_worksheet_with_constant_memory()?;
        let name = if self.sheets.is_empty() {
            self.base.clone()
        } else {
            let n = self.sheets.len() + 1;
            let suffix = n.to_string();
            let base: String = self.base.chars().take(31 - suffix.len().min(31)).collect();
            m::SHEET_CONTINUED.fmt(Lang::Zh, &[&base, &suffix])
        };
        sheet.set_name(sheet_name(&name))?;
        for (c, h) in self.header.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, bold)?;
        }
        self.sheets.push(sheet);
        self.row = 1;
        Ok(())
    }

    fn write_row<'c>(
        &mut self,
        wb: &mut Workbook,
        cells: impl Iterator<Item = &'c [u8]>,
        format: Option<&Format>,
        bold: &Format,
    ) -> Result<(), XlsxError> {
        if self.row >= self.limit {
            self.start_sheet(wb, bold)?;
        }
        let measure = self.sheets.len() == 1 && self.row < WIDTH_SAMPLE_ROWS;
        let row = self.row;
        let Some(sheet) = self.sheets.last_mut() else {
            return Err(XlsxError::ParameterError("no sheet".into()));
        };
        for (c, bytes) in cells.enumerate().take(self.header.len()) {
            let text = String::from_utf8_lossy(bytes);
            if text.is_empty() && format.is_none() {
                continue;
            }
            match format {
                Some(f) => sheet.write_string_with_format(row, c as u16, text.as_ref(), f)?,
                None => sheet.write_string(row, c as u16, text.as_ref())?,
            };
            if measure {
                if let Some(w) = self.widths.get_mut(c) {
                    *w = (*w).max(text_width(&text).min(MAX_WIDTH) + 2);
                }
            }
        }
        self.row += 1;
        Ok(())
    }

    /// Freezes the header, filters over the rows written, sets the widths; in sheet order.
    fn finish(self) -> Result<Vec<Worksheet>, XlsxError> {
        let n = self.sheets.len();
        let cols = self.header.len().max(1) as u16;
        let mut out = Vec::with_capacity(n);
        for (i, mut sheet) in self.sheets.into_iter().enumerate() {
            let rows = if i + 1 == n { self.row } else { self.limit };
            sheet.set_freeze_panes(1, 0)?;
            sheet.autofilter(0, 0, rows.saturating_sub(1), cols - 1)?;
            for (c, w) in self.widths.iter().enumerate() {
                sheet.set_column_width(c as u16, (*w).clamp(6, MAX_WIDTH) as f64)?;
            }
            out.push(sheet);
        }
        Ok(out)
    }
}

/// A summary row being filled in, level by level.
struct PendingSummary {
    entity: usize,
    file: Vec<u8>,
    row: Vec<u8>,
    classified: bool,
    /// Key, display fields, then two cells per level.
    cells: Vec<Vec<u8>>,
}

/// The `Write` end of xlsx output: parses the tagged rows of [`XlsxFormat`] as they arrive
/// and writes them to the workbook's sheets; [`XlsxSink::finish`] adds the 说明 sheet and
/// writes the file.
pub struct XlsxSink<'a> {
    rules: &'a RuleSet,
    lang: Lang,
    levels: Vec<usize>,
    path: PathBuf,
    workbook: Workbook,
    bold: Format,
    classified: Format,
    limit: u32,
    /// Per entity, its summary sheet once it has one; `order` lists them as they appeared.
    summaries: Vec<Option<SheetWriter>>,
    order: Vec<usize>,
    detail: SheetWriter,
    errors: SheetWriter,
    /// The sheets of a public workbook, one per list.
    lists: Vec<SheetWriter>,
    /// The 普查 sheet, once a census row arrives.
    census: Option<SheetWriter>,
    pending: Option<PendingSummary>,
    /// The bytes of a row not yet complete.
    carry: Vec<u8>,
}

fn texts(lang: Lang, msgs: &[Msg]) -> Vec<String> {
    msgs.iter().map(|m| m.text(lang).to_string()).collect()
}

fn xlsx_io(e: XlsxError) -> io::Error {
    match e {
        XlsxError::IoError(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

impl<'a> XlsxSink<'a> {
    /// Starts a workbook to be written to `path` by [`XlsxSink::finish`]. The worksheets
    /// stream to temporary files in `path`'s directory, so a tmpfs `/tmp` does not turn the
    /// constant-memory mode back into memory.
    pub fn create(
        path: &Path,
        rules: &'a RuleSet,
        levels: &[usize],
        lang: Lang,
    ) -> Result<XlsxSink<'a>, XlsxError> {
        Self::with_row_limit(path, rules, levels, lang, EXCEL_ROWS)
    }

    /// As [`XlsxSink::create`], with sheets of at most `limit` rows (the header included).
    pub fn with_row_limit(
        path: &Path,
        rules: &'a RuleSet,
        levels: &[usize],
        lang: Lang,
        limit: u32,
    ) -> Result<XlsxSink<'a>, XlsxError> {
        // The CSV row's columns, with the record's name after its key.
        let detail = [
            &crate::report::decisions::csv::CSV_HEADERS[..2],
            &[m::OUT_NAME],
            &crate::report::decisions::csv::CSV_HEADERS[2..],
        ]
        .concat();
        let detail = (m::SHEET_DETAIL.text(lang).to_string(), texts(lang, &detail));
        let mut sink = Self::start(path, rules, levels, lang, limit, Some(detail))?;
        // The first entity that is nobody's list item has its summary sheet even when empty.
        let items: Vec<usize> = rules
            .entities
            .iter()
            .flat_map(|e| e.fields.iter())
            .filter_map(|f| match f.ty {
                FieldType::List(e) => Some(e),
                _ => None,
            })
            .collect();
        if let Some(first) = (0..rules.entities.len()).find(|e| !items.contains(e)) {
            sink.summary_sheet(first)?;
        }
        Ok(sink)
    }

    /// An audit workbook: 发现 (one row per finding, as
    /// [`crate::report::findings::FindingsXlsx`] writes them), 错误 and 说明.
    pub fn for_findings(
        path: &Path,
        rules: &'a RuleSet,
        lang: Lang,
    ) -> Result<XlsxSink<'a>, XlsxError> {
        let header = texts(
            lang,
            &[
                m::FIND_SEVERITY,
                m::FIND_RULE,
                m::OUT_CITE,
                m::OUT_LEVEL,
                m::OUT_ENTITY,
                m::OUT_KEY,
                m::OUT_NAME,
                m::ERR_FILE,
                m::ERR_SHEET,
                m::ERR_ROW,
                m::FIND_ITEM,
                m::OUT_TEXT,
                m::FIND_VALUES,
            ],
        );
        let detail = (m::SHEET_FINDINGS.text(lang).to_string(), header);
        Self::start(path, rules, &[], lang, EXCEL_ROWS, Some(detail))
    }

    /// A public workbook: one sheet per list (name and header), as
    /// [`crate::report::public::PublicXlsx`] writes them, and 说明 — no 错误 sheet: a row that
    /// did not load is never public.
    pub fn for_public(
        path: &Path,
        rules: &'a RuleSet,
        lang: Lang,
        lists: Vec<(String, Vec<String>)>,
    ) -> Result<XlsxSink<'a>, XlsxError> {
        let mut sink = Self::start(path, rules, &[], lang, EXCEL_ROWS, None)?;
        for (name, header) in lists {
            let sheet = SheetWriter::new(&mut sink.workbook, name, header, EXCEL_ROWS, &sink.bold)?;
            sink.lists.push(sheet);
        }
        Ok(sink)
    }

    /// A workbook with its detail sheet (name and header) and the 错误 sheet, or (`None`)
    /// with neither.
    fn start(
        path: &Path,
        rules: &'a RuleSet,
        levels: &[usize],
        lang: Lang,
        limit: u32,
        detail: Option<(String, Vec<String>)>,
    ) -> Result<XlsxSink<'a>, XlsxError> {
        let mut workbook = Workbook::new();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        workbook.set_tempdir(&dir)?;
        // The creation date is fixed so identical input gives identical bytes.
        let fixed = ExcelDateTime::from_ymd(2000, 1, 1)?;
        workbook.set_properties(&DocProperties::new().set_creation_datetime(&fixed));
        // Level 1 deflate: most of the time of a big workbook goes into compressing its
        // XML, and level 1 halves that for a file about a third larger.
        workbook.set_zip_compression_level(1);
        let bold = Format::new().set_bold();
        let classified = Format::new().set_background_color(Color::RGB(0xFFE699));
        let (detail, errors) = match detail {
            None => (empty_writer(), empty_writer()),
            Some((name, header)) => (
                SheetWriter::new(&mut workbook, name, header, limit, &bold)?,
                Self::errors_sheet(&mut workbook, lang, limit, &bold)?,
            ),
        };
        Ok(XlsxSink {
            rules,
            lang,
            levels: levels.to_vec(),
            path: path.to_path_buf(),
            workbook,
            bold,
            classified,
            limit,
            summaries: (0..rules.entities.len()).map(|_| None).collect(),
            order: Vec::new(),
            detail,
            errors,
            lists: Vec::new(),
            census: None,
            pending: None,
            carry: Vec::new(),
        })
    }

    /// The 错误 sheet: one row per row that did not load.
    fn errors_sheet(
        workbook: &mut Workbook,
        lang: Lang,
        limit: u32,
        bold: &Format,
    ) -> Result<SheetWriter, XlsxError> {
        SheetWriter::new(
            workbook,
            m::SHEET_ERRORS.text(lang).to_string(),
            texts(
                lang,
                &[
                    m::ERR_FILE,
                    m::ERR_SHEET,
                    m::ERR_ROW,
                    m::ERR_COLUMN,
                    m::ERR_VALUE,
                    m::OUT_ENTITY,
                    m::OUT_KEY,
                    m::OUT_LEVEL,
                    m::ERR_MESSAGE,
                ],
            ),
            limit,
            bold,
        )
    }

    fn summary_sheet(&mut self, entity: usize) -> Result<&mut SheetWriter, XlsxError> {
        if self.summaries[entity].is_none() {
            let rules = self.rules;
            let lang = self.lang;
            let info = &rules.entities[entity];
            let name = if self.order.is_empty() {
                m::SHEET_SUMMARY.text(lang).to_string()
            } else {
                crate::msg!(lang, SHEET_SUMMARY_OF, info.name)
            };
            let mut header = vec![info.fields[info.key].name.clone()];
            header.extend(
                display_fields(rules, entity)
                    .into_iter()
                    .map(|f| info.fields[f].name.clone()),
            );
            for &l in &self.levels {
                let level = level_name(rules, l);
                header.push(crate::msg!(lang, SUMMARY_LEVEL_ACTION, level));
                header.push(crate::msg!(lang, SUMMARY_LEVEL_EXEMPT, level));
            }
            let sheet = SheetWriter::new(&mut self.workbook, name, header, self.limit, &self.bold)?;
            self.summaries[entity] = Some(sheet);
            self.order.push(entity);
        }
        self.summaries[entity]
            .as_mut()
            .ok_or_else(|| XlsxError::ParameterError("summary sheet".into()))
    }

    fn flush_summary(&mut self) -> Result<(), XlsxError> {
        let Some(p) = self.pending.take() else {
            return Ok(());
        };
        let fill = p.classified.then(|| self.classified.clone());
        let bold = self.bold.clone();
        self.summary_sheet(p.entity)?;
        // Take the sheet out to write it while borrowing the workbook.
        let Some(mut sheet) = self.summaries[p.entity].take() else {
            return Err(XlsxError::ParameterError("summary sheet".into()));
        };
        let result = sheet.write_row(
            &mut self.workbook,
            p.cells.iter().map(Vec::as_slice),
            fill.as_ref(),
            &bold,
        );
        self.summaries[p.entity] = Some(sheet);
        result
    }

    /// One complete tagged row.
    fn row(&mut self, row: &[u8]) -> Result<(), XlsxError> {
        let Some((&tag, rest)) = row.split_first() else {
            return Ok(());
        };
        // Fields each start with the separator: skip the empty piece before the first.
        let mut fields = rest.split(|&b| b == FIELD);
        fields.next();
        match tag {
            TAG_DETAIL => {
                let bold = self.bold.clone();
                self.detail
                    .write_row(&mut self.workbook, fields, None, &bold)
            }
            TAG_ERROR => {
                let bold = self.bold.clone();
                self.errors
                    .write_row(&mut self.workbook, fields, None, &bold)
            }
            TAG_CENSUS => {
                let bold = self.bold.clone();
                if self.census.is_none() {
                    let lang = self.lang;
                    let header = texts(
                        lang,
                        &[
                            m::CENSUS_COL_KIND,
                            m::CENSUS_COL_ITEM,
                            m::OUT_CITE,
                            m::CENSUS_COL_DETAIL,
                            m::ERR_FILE,
                            m::ERR_SHEET,
                            m::ERR_ROW,
                        ],
                    );
                    let name = m::SHEET_CENSUS.text(lang).to_string();
                    let sheet =
                        SheetWriter::new(&mut self.workbook, name, header, self.limit, &bold)?;
                    self.census = Some(sheet);
                }
                match self.census.as_mut() {
                    Some(sheet) => sheet.write_row(&mut self.workbook, fields, None, &bold),
                    None => Ok(()),
                }
            }
            TAG_SUMMARY => self.summary_part(fields),
            TAG_LIST => {
                let list = fields
                    .next()
                    .and_then(|f| std::str::from_utf8(f).ok())
                    .and_then(|s| s.parse::<usize>().ok())
                    .filter(|&l| l < self.lists.len())
                    .ok_or_else(|| {
                        XlsxError::ParameterError("malformed list row in xlsx stream".into())
                    })?;
                let bold = self.bold.clone();
                self.lists[list].write_row(&mut self.workbook, fields, None, &bold)
            }
            _ => Err(XlsxError::ParameterError(format!(
                "unknown row tag {tag:#x} in xlsx stream"
            ))),
        }
    }

    fn summary_part<'r>(&mut self, mut f: impl Iterator<Item = &'r [u8]>) -> Result<(), XlsxError> {
        let bad = || XlsxError::ParameterError("malformed summary row in xlsx stream".into());
        let entity: usize = std::str::from_utf8(f.next().ok_or_else(bad)?)
            .ok()
            .and_then(|s| s.parse().ok())
            .filter(|&e| e < self.summaries.len())
            .ok_or_else(bad)?;
        let file = f.next().ok_or_else(bad)?;
        let row = f.next().ok_or_else(bad)?;
        let slot: usize = std::str::from_utf8(f.next().ok_or_else(bad)?)
            .ok()
            .and_then(|s| s.parse().ok())
            .filter(|&s| s < self.levels.len())
            .ok_or_else(bad)?;
        let classified = f.next().ok_or_else(bad)? == b"1";
        let action = f.next().ok_or_else(bad)?;
        let exempt = f.next().ok_or_else(bad)?;
        let same = self
            .pending
            .as_ref()
            .is_some_and(|p| p.entity == entity && p.file == file && p.row == row);
        if !same {
            self.flush_summary()?;
            let own: Vec<Vec<u8>> = f.map(<[u8]>::to_vec).collect();
            let mut cells = own;
            let n = cells.len();
            cells.resize(n + 2 * self.levels.len(), Vec::new());
            self.pending = Some(PendingSummary {
                entity,
                file: file.to_vec(),
                row: row.to_vec(),
                classified,
                cells,
            });
        }
        if let Some(p) = &mut self.pending {
            let base = p.cells.len() - 2 * self.levels.len();
            p.cells[base + 2 * slot] = action.to_vec();
            p.cells[base + 2 * slot + 1] = exempt.to_vec();
        }
        Ok(())
    }

    fn take(&mut self, bytes: &[u8]) -> Result<(), XlsxError> {
        let mut rest = bytes;
        if !self.carry.is_empty() {
            match rest.iter().position(|&b| b == ROW) {
                Some(end) => {
                    let mut row = std::mem::take(&mut self.carry);
                    row.extend_from_slice(&rest[..end]);
                    self.row(&row)?;
                    rest = &rest[end + 1..];
                }
                None => {
                    self.carry.extend_from_slice(rest);
                    return Ok(());
                }
            }
        }
        while let Some(end) = rest.iter().position(|&b| b == ROW) {
            self.row(&rest[..end])?;
            rest = &rest[end + 1..];
        }
        self.carry.extend_from_slice(rest);
        Ok(())
    }

    /// Adds the 说明 sheet and writes the workbook to its path, through a temporary file in
    /// the same directory and a rename, so a failed run never leaves half a workbook under
    /// the name the user asked for.
    pub fn finish(mut self, info: &WorkbookInfo, counts: &Counts) -> Result<(), XlsxError> {
        if !self.carry.is_empty() {
            let row = std::mem::take(&mut self.carry);
            self.row(&row)?;
        }
        self.flush_summary()?;
        let about = self.about_sheet(info, counts)?;
        let mut summaries = std::mem::take(&mut self.summaries);
        for e in std::mem::take(&mut self.order) {
            if let Some(s) = summaries[e].take() {
                for sheet in s.finish()? {
                    self.workbook.push_worksheet(sheet);
                }
            }
        }
        let detail = std::mem::replace(&mut self.detail, empty_writer());
        for sheet in detail.finish()? {
            self.workbook.push_worksheet(sheet);
        }
        let errors = std::mem::replace(&mut self.errors, empty_writer());
        for sheet in errors.finish()? {
            self.workbook.push_worksheet(sheet);
        }
        for list in std::mem::take(&mut self.lists) {
            for sheet in list.finish()? {
                self.workbook.push_worksheet(sheet);
            }
        }
        if let Some(census) = self.census.take() {
            for sheet in census.finish()? {
                self.workbook.push_worksheet(sheet);
            }
        }
        self.workbook.push_worksheet(about);
        // Through a symbolic link to its target, so the link stays.
        let path = match std::fs::symlink_metadata(&self.path) {
            Ok(m) if m.file_type().is_symlink() => {
                std::fs::canonicalize(&self.path).unwrap_or(self.path.clone())
            }
            _ => self.path.clone(),
        };
        if std::fs::metadata(&path).is_ok_and(|m| !m.is_file()) {
            // A device or a pipe: written directly.
            return self.workbook.save(&path);
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out.xlsx".into());
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        // A unique temporary file, removed if anything below fails.
        let tmp = builder.tempfile_in(dir)?;
        self.workbook.save(tmp.path())?;
        tmp.persist(&path)
            .map_err(|e| XlsxError::IoError(e.error))?;
        Ok(())
    }

    fn about_sheet(
        &mut self,
        info: &WorkbookInfo,
        counts: &Counts,
    ) -> Result<Worksheet, XlsxError> {
        let lang = info.lang;
        let mut sheet = Worksheet::new();
        sheet.set_name(sheet_name(m::SHEET_ABOUT.text(lang)))?;
        let mut rows: Vec<(String, String)> = vec![
            (m::ABOUT_TITLE.text(lang).into(), info.title.clone()),
            (
                m::ABOUT_RULES_HASH.text(lang).into(),
                info.rules_hash.clone(),
            ),
        ];
        let public = info.public.iter().flatten();
        for (name, n) in public {
            rows.push((crate::msg!(lang, ABOUT_PUBLIC_ROWS, name), n.to_string()));
        }
        if info.public.is_some() {
            return self.write_about(sheet, &rows);
        }
        for (name, hash) in &info.inputs {
            let value = match hash {
                Some(h) => format!("{name} sha256:{h}"),
                None => name.clone(),
            };
            rows.push((m::ABOUT_INPUT.text(lang).into(), value));
        }
        if info.mapping.is_empty() {
            rows.push((
                m::ABOUT_MAPPING.text(lang).into(),
                m::ABOUT_NONE.text(lang).into(),
            ));
        }
        for line in &info.mapping {
            rows.push((m::ABOUT_MAPPING.text(lang).into(), line.clone()));
        }
        let done = match info.findings {
            Some(_) => m::ABOUT_CHECKED,
            None => m::ABOUT_EVALUATED,
        };
        let mut counted = vec![
            (m::ABOUT_RECORDS, counts.records),
            (done, counts.evaluated),
            (m::ABOUT_FAILED, counts.failed),
            (m::ABOUT_SKIPPED, counts.skipped),
        ];
        if let Some((errors, warnings)) = info.findings {
            counted.push((m::ABOUT_ERROR_FINDINGS, errors));
            counted.push((m::ABOUT_WARNING_FINDINGS, warnings));
        }
        for (msg, n) in counted {
            rows.push((msg.text(lang).into(), n.to_string()));
        }
        self.write_about(sheet, &rows)
    }

    /// The 说明 sheet's rows under its header, with a filter and widths.
    fn write_about(
        &self,
        mut sheet: Worksheet,
        rows: &[(String, String)],
    ) -> Result<Worksheet, XlsxError> {
        let lang = self.lang;
        let header = [m::ABOUT_ITEM.text(lang), m::ABOUT_VALUE.text(lang)];
        let mut widths = header.map(text_width);
        for (c, h) in header.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &self.bold)?;
        }
        for (r, (k, v)) in rows.iter().enumerate() {
            sheet.write_string(r as u32 + 1, 0, k)?;
            sheet.write_string(r as u32 + 1, 1, v)?;
            widths[0] = widths[0].max(text_width(k));
            widths[1] = widths[1].max(text_width(v));
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(0, 0, rows.len() as u32, 1)?;
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, (*w + 2).clamp(6, 80) as f64)?;
        }
        Ok(sheet)
    }
}

fn empty_writer() -> SheetWriter {
    SheetWriter {
        base: String::new(),
        header: Vec::new(),
        sheets: Vec::new(),
        row: 0,
        limit: 0,
        widths: Vec::new(),
    }
}

impl Write for XlsxSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.take(buf).map_err(xlsx_io)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.take(buf).map_err(xlsx_io)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{open_workbook, Reader, Xlsx};

    fn beijing() -> RuleSet {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("policies/beijing/manufacturing-2023.policy");
        crate::compile::compile_file(&path, "manufacturing-2023.policy")
            .unwrap()
            .rules
            .unwrap()
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("policyc-xlsx-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("out.xlsx")
    }

    #[test]
    fn detail_rows_roll_over_to_numbered_sheets_with_the_same_header() {
        let rules = beijing();
        let path = scratch("rollover");
        // Five rows a sheet: the header and four detail rows.
        let mut sink = XlsxSink::with_row_limit(&path, &rules, &[0], Lang::Zh, 5).unwrap();
        let mut stream = Vec::new();
        for i in 0..10 {
            stream.push(TAG_DETAIL);
            field_str(&mut stream, "企业");
            field_str(&mut stream, &format!("K{i}"));
            // A separator inside the text would split the cell: it is removed.
            field_str(&mut stream, "名\u{1f}称");
            stream.push(ROW);
        }
        // Rows split across writes at every byte are put back together.
        let (a, b) = stream.split_at(7);
        for byte in a {
            sink.write_all(std::slice::from_ref(byte)).unwrap();
        }
        sink.write_all(b).unwrap();
        sink.finish(&WorkbookInfo::default(), &Counts::default())
            .unwrap();

        let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
        let names = wb.sheet_names();
        assert_eq!(names, ["汇总", "明细", "明细2", "明细3", "错误", "说明"]);
        let mut keys = Vec::new();
        for (sheet, rows) in [("明细", 5), ("明细2", 5), ("明细3", 3)] {
            let range = wb.worksheet_range(sheet).unwrap();
            assert_eq!(range.height(), rows, "{sheet}");
            let header: Vec<String> = range
                .rows()
                .next()
                .unwrap()
                .iter()
                .map(|c| c.to_string())
                .collect();
            assert_eq!(header[..3], ["实体", "键", "名称"], "{sheet}");
            for row in range.rows().skip(1) {
                keys.push(row[1].to_string());
                assert_eq!(row[2].to_string(), "名称");
            }
        }
        let expected: Vec<String> = (0..10).map(|i| format!("K{i}")).collect();
        assert_eq!(keys, expected, "every row once, in order");
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn a_malformed_stream_is_an_error_not_a_panic() {
        let rules = beijing();
        let path = scratch("malformed");
        let mut sink = XlsxSink::create(&path, &rules, &[0], Lang::Zh).unwrap();
        assert!(
            sink.write_all(b"S\x1f99\x1e").is_err(),
            "entity out of range"
        );
        assert!(
            sink.write_all(b"S\x1f0\x1f0\x1f1\x1f7\x1e").is_err(),
            "level slot out of range"
        );
        assert!(sink.write_all(b"Z\x1e").is_err(), "unknown tag");
        assert!(sink.write_all(b"\x1e").is_ok(), "an empty row is nothing");
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn display_values_read_as_names() {
        let rules = beijing();
        let firm = rules.entity_index("企业").unwrap();
        let f = |name: &str| {
            let e = &rules.entities[firm];
            e.fields[e.fields.iter().position(|f| f.name == name).unwrap()].ty
        };
        assert_eq!(
            display_value(&rules, f("涉密"), &Value::Bool(true), Lang::Zh),
            "是"
        );
        assert_eq!(
            display_value(&rules, f("涉密"), &Value::Bool(false), Lang::En),
            "no"
        );
        assert_eq!(
            display_value(&rules, f("应急减排清单"), &Value::Set(0b110), Lang::Zh),
            "橙色、红色"
        );
        assert_eq!(
            display_value(&rules, f("保障类别"), &Value::Missing, Lang::Zh),
            ""
        );
        let shown = display_fields(&rules, firm);
        let names: Vec<&str> = shown
            .iter()
            .map(|&i| rules.entities[firm].fields[i].name.as_str())
            .collect();
        assert_eq!(
            names,
            ["名称", "所在区", "行业", "绩效等级", "涉密"],
            "the fields marked 显示, in declaration order"
        );
    }
}
