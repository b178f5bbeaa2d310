//! Workbook input (calamine): `.xlsx` streamed cell by cell, legacy `.xls` read whole.
//!
//! Each sheet is matched to an entity by its header, not by its name or position: the
//! header is found among the sheet's first rows ([`super::header`]), and a sheet whose rows
//! name no entity's fields (a 填表说明 sheet) is passed over with a note. A cell merged over
//! several cells reads as its value in each of them, so a firm merged down over its
//! machines' rows names that firm on each row. Items of list fields (machines) come in sheets
//! of their own, joined to their parents by key in any order through the one item join
//! ([`super::join`]). Row numbers are the sheet's own, as Excel shows them.
//!
//! The workbook's bytes are held (a zip archive is read by seeking); rows are not: a reader
//! thread streams each sheet's cells into batches of records.

use crate::limits::{
    ECHO_CHARS, MAX_CELL_BYTES, MAX_COLUMNS, MAX_COMPRESSION_RATIO, MAX_PART_BYTES, MAX_SHEET_ROWS,
};
use std::collections::VecDeque;
use std::io::Cursor;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;

use calamine::{Data, DataRef, Dimensions, Reader, Xls, Xlsx};

use super::join::{attach, note_blank_rows, ItemTable};
use super::json::ColumnIndex;
use super::mapping::Mapping;
use super::source::{Item, LoadError, RecordSource, SkipReason};
use super::table::{find_header, parent_of, rows_to_scan, Cells, Header, ParentLink};
use crate::ir::RuleSet;
use crate::messages::Lang;
use crate::msg;

/// The text a cell of any type stands for; an Excel error value is an error of the cell.
pub fn cell_text(lang: Lang, d: &Data) -> Result<String, String> {
    Ok(match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::DateTimeIso(s) => iso_date(s),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(msg!(lang, CELL_EXCEL_ERROR, e)),
    })
}

fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

fn iso_date(s: &str) -> String {
    match s.get(..10) {
        Some(date) if crate::dates::parse(date).is_some() => date.to_string(),
        _ => s.to_string(),
    }
}

fn cell_ref_text(lang: Lang, d: DataRef<'_>) -> Result<String, String> {
    match d {
        // The common cases without a copy into an owned value first.
        DataRef::Empty => Ok(String::new()),
        DataRef::SharedString(s) => Ok(s.to_string()),
        other => cell_text(lang, &Data::from(other)),
    }
}

/// One sheet row: the text of each cell, or why it has none.
#[derive(Debug, Default)]
pub struct SheetRow(Vec<Result<String, String>>);

impl Cells for SheetRow {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn text(&self, i: usize) -> Result<&str, String> {
        match self.0.get(i) {
            None => Ok(""),
            Some(Ok(s)) => Ok(s),
            Some(Err(e)) => Err(e.clone()),
        }
    }
}

/// The widest a merged region is filled: a hostile sheet may merge a whole row.
const MERGE_FILL_COLUMNS: u32 = 512;

/// Fills merged regions as rows stream by: each cell of a region reads as its top-left value.
struct MergeFill {
    /// Regions by first row, ascending.
    regions: Vec<Dimensions>,
    next: usize,
    /// Regions covering the current rows, with the top-left value once read.
    active: Vec<(Dimensions, Option<Result<String, String>>)>,
}

impl MergeFill {
    fn new(mut regions: Vec<Dimensions>) -> MergeFill {
        regions.sort_by_key(|d| d.start);
        MergeFill {
            regions,
            next: 0,
            active: Vec::new(),
        }
    }

    /// Fills row `r` (0-based).
    fn fill(&mut self, r: u32, row: &mut SheetRow) {
        self.active.retain(|(d, _)| d.end.0 >= r);
        while self.next < self.regions.len() && self.regions[self.next].start.0 <= r {
            let d = self.regions[self.next];
            self.next += 1;
            if d.end.0 >= r {
                self.active.push((d, None));
            }
        }
        for (d, value) in &mut self.active {
            let (c0, c1) = (d.start.1, d.end.1.min(d.start.1 + MERGE_FILL_COLUMNS));
            if d.start.0 == r {
                *value = row.0.get(c0 as usize).cloned();
            }
            let Some(v) = value else { continue };
            for c in c0..=c1 {
                let c = c as usize;
                if row.0.len() <= c {
                    row.0.resize(c + 1, Ok(String::new()));
                }
                if matches!(&row.0[c], Ok(t) if t.trim().is_empty()) {
                    row.0[c] = v.clone();
                }
            }
        }
    }
}

/// The value of attribute `name` in the start tag `tag` (`<sheet name="…" …/>`), with
/// XML's character entities decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    while let Some(i) = rest.find(name) {
        let before = rest[..i].chars().last();
        let after = &rest[i + name.len()..];
        let after = after.trim_start();
        if before.is_some_and(char::is_whitespace) && after.starts_with('=') {
            let value = after[1..].trim_start();
            let quote = value.chars().next()?;
            if quote != '"' && quote != '\'' {
                return None;
            }
            let end = value[1..].find(quote)?;
            let raw = &value[1..1 + end];
            return Some(
                raw.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&"),
            );
        }
        rest = &rest[i + name.len()..];
    }
    None
}

/// Each start tag `<NAME …>` of `xml`.
fn tags<'x>(xml: &'x str, name: &'x str) -> impl Iterator<Item = &'x str> + 'x {
    let open = format!("<{name}");
    let mut rest = xml;
    std::iter::from_fn(move || loop {
        let i = rest.find(&open)?;
        let tail = &rest[i + open.len()..];
        rest = tail;
        if tail.starts_with(|c: char| c.is_whitespace() || c == '/' || c == '>') {
            let end = tail.find('>').unwrap_or(tail.len());
            return Some(&tail[..end]);
        }
    })
}

/// `A1` → (row, column), 0-based.
fn cell_ref(r: &str) -> Option<(u32, u32)> {
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    let (col, row) = r.split_at(letters);
    if letters == 0 || letters > 3 {
        return None;
    }
    let c = col.bytes().fold(0u32, |acc, b| {
        acc * 26 + (b.to_ascii_uppercase() - b'A' + 1) as u32
    });
    let row: u32 = row.parse().ok()?;
    Some((row.checked_sub(1)?, c - 1))
}

/// Where the tag starting `rest` ends (its `>`), outside quoted attribute values: XML allows
/// `>` inside them, and the reader reads the value to its closing quote.
fn tag_end(rest: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in rest.iter().enumerate() {
        match (quote, b) {
            (None, b'>') => return Some(i),
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            _ => {}
        }
    }
    None
}

/// The merged regions of every sheet, by sheet name.
type Merges = std::collections::HashMap<String, Vec<Dimensions>>;

/// Why a workbook is refused before its cells are read: the part (a sheet's name, the
/// shared strings, or the archive entry), and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub part: String,
    pub reason: String,
}

/// What the byte scan of one part found so far.
#[derive(Default)]
struct PartScan {
    /// Bytes decompressed.
    total: u64,
    /// Bytes since the last `<`: a text node (a cell's text) or a tag is never longer.
    since_lt: u64,
    /// The last row number seen (1-based), for sheets.
    row: u64,
    regions: Vec<Dimensions>,
}

/// What stops a workbook part while it is scanned.
enum Stop {
    TooLarge,
    Cell,
    Rows,
    /// A cell reference past `XFD1048576` or not a reference at all (its text, bounded).
    CellRef(String),
}

impl PartScan {
    /// Follows one chunk of the part for the limits (every part).
    fn limits(&mut self, chunk: &[u8]) -> Result<(), Stop> {
        self.total += chunk.len() as u64;
        if self.total > MAX_PART_BYTES {
            return Err(Stop::TooLarge);
        }
        let mut last = 0;
        for at in memchr::memchr_iter(b'<', chunk) {
            if self.since_lt + (at - last) as u64 > MAX_CELL_BYTES as u64 {
                return Err(Stop::Cell);
            }
            self.since_lt = 0;
            last = at + 1;
        }
        self.since_lt += (chunk.len() - last) as u64;
        if self.since_lt > MAX_CELL_BYTES as u64 {
            return Err(Stop::Cell);
        }
        Ok(())
    }

    /// Reads the `<row …>` and `<mergeCell …/>` tags of `buf` (a sheet); returns how much of
    /// `buf` is done with (the rest may hold a tag cut by the chunk's end).
    fn tags(&mut self, buf: &[u8]) -> Result<usize, Stop> {
        let mut pos = 0;
        while let Some(i) = memchr::memchr(b'<', &buf[pos..]) {
            let at = pos + i;
            let rest = &buf[at..];
            if rest.len() < 12 {
                return Ok(at);
            }
            let is = |name: &[u8]| {
                rest.starts_with(name)
                    && matches!(rest[name.len()], b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>')
            };
            let (row, merge, cell) = (is(b"<row"), is(b"<mergeCell"), is(b"<c"));
            if !row && !merge && !cell {
                pos = at + 1;
                continue;
            }
            let Some(end) = tag_end(rest) else {
                // A tag still open after a cell's worth of bytes is never closed by a sheet
                // the reader could read: refused before the scan holds more of it.
                if rest.len() > MAX_CELL_BYTES {
                    return Err(Stop::Cell);
                }
                return Ok(at);
            };
            let tag = String::from_utf8_lossy(&rest[..end]);
            if cell {
                // The reader parses a cell's reference with unchecked arithmetic: one past
                // the sheet's last cell is refused here, before it is read.
                if let Some(r) = attribute(&tag, "r") {
                    match cell_ref(&r) {
                        Some((row, col))
                            if u64::from(row) < MAX_SHEET_ROWS && col < MAX_COLUMNS => {}
                        _ => return Err(Stop::CellRef(r.chars().take(ECHO_CHARS).collect())),
                    }
                }
            } else if row {
                self.row = match attribute(&tag, "r") {
                    Some(r) => match r.parse::<u64>() {
                        Ok(n) => n,
                        // Digits past any count are past the limit; anything else is not a
                        // row number (the reader would multiply it out unchecked).
                        Err(_) if !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()) => {
                            u64::MAX
                        }
                        Err(_) => return Err(Stop::CellRef(r.chars().take(ECHO_CHARS).collect())),
                    },
                    None => self.row + 1,
                };
                if self.row > MAX_SHEET_ROWS {
                    return Err(Stop::Rows);
                }
            } else if let Some(r) = attribute(&tag, "ref") {
                if let Some((a, b)) = r.split_once(':') {
                    if let (Some(start), Some(end)) = (cell_ref(a), cell_ref(b)) {
                        self.regions.push(Dimensions { start, end });
                    }
                }
            }
            pos = at + end + 1;
        }
        Ok(buf.len())
    }
}

/// Checks an `.xlsx` workbook against the limits before anything allocates for its cells,
/// and finds the merged regions of every sheet on the way. Each part's declared size and
/// compression ratio are checked from the archive's directory; then each part is
/// decompressed in chunks (never held whole) and its real size, the longest text between
/// two tags (a cell's text, a shared string) and, for sheets, the row numbers are checked.
/// The merge list comes after a sheet's cells, so knowing it before streaming them would
/// otherwise take a second full parse of the sheet. A workbook that is not a readable
/// archive passes, for the workbook reader to say why.
fn survey(lang: Lang, bytes: &[u8]) -> Result<Merges, Refused> {
    use std::io::Read;
    let mut out = Merges::new();
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(out);
    };
    // Read as leniently as the workbook reader reads them (a part whose checksum is wrong
    // still names the sheets), so that no sheet escapes the scan below.
    let mut part = |name: &str| -> Option<String> {
        let mut bytes = Vec::new();
        let _ = zip
            .by_name(name)
            .ok()?
            .take(64 << 20)
            .read_to_end(&mut bytes);
        Some(String::from_utf8_lossy(&bytes).into_owned())
    };
    let (workbook, rels) = (
        part("xl/workbook.xml").unwrap_or_default(),
        part("xl/_rels/workbook.xml.rels").unwrap_or_default(),
    );
    let targets: std::collections::HashMap<String, String> = tags(&rels, "Relationship")
        .filter_map(|t| Some((attribute(t, "Id")?, attribute(t, "Target")?)))
        .collect();
    // Sheet parts by path: the sheet's name.
    let sheets: std::collections::HashMap<String, String> = tags(&workbook, "sheet")
        .filter_map(|t| {
            let name = attribute(t, "name")?;
            let target = targets.get(&attribute(t, "r:id")?)?;
            let path = match target.strip_prefix('/') {
                Some(abs) => abs.to_string(),
                None => format!("xl/{target}"),
            };
            Some((path, name))
        })
        .collect();
    // Declared and real bytes of all parts so far.
    let (mut total, mut real) = (0u64, 0u64);
    for index in 0..zip.len() {
        let Ok(mut entry) = zip.by_index(index) else {
            continue;
        };
        let Ok(path) = entry.name().map(|n| n.to_string()) else {
            continue;
        };
        let sheet = sheets.get(&path).cloned();
        // Every worksheet part has its tags checked, named by the workbook or not: the reader
        // may find a sheet the workbook's relationships do not name.
        let scan_tags = sheet.is_some() || path.starts_with("xl/worksheets/");
        let label = match &sheet {
            Some(s) => s.clone(),
            None if path.ends_with("sharedStrings.xml") => msg!(lang, SHARED_STRINGS),
            None => path.clone(),
        };
        let refuse = |reason: String| Refused {
            part: label.clone(),
            reason,
        };
        let (size, packed) = (entry.size(), entry.compressed_size());
        total = total.saturating_add(size);
        if size > MAX_PART_BYTES || total > MAX_PART_BYTES {
            return Err(refuse(msg!(lang, PART_TOO_LARGE, MAX_PART_BYTES)));
        }
        if size > 1 << 20 && size / packed.max(1) > MAX_COMPRESSION_RATIO {
            return Err(refuse(msg!(lang, PART_RATIO, MAX_COMPRESSION_RATIO)));
        }
        let mut scan = PartScan::default();
        // Chunks of the part; for a sheet, each searched with the unfinished tail of the last.
        let mut buf: Vec<u8> = Vec::new();
        let mut chunk = vec![0u8; 1 << 20];
        loop {
            let n = match entry.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let mut step = scan.limits(&chunk[..n]);
            if step.is_ok() && scan_tags {
                buf.extend_from_slice(&chunk[..n]);
                step = scan.tags(&buf).map(|done| {
                    buf.drain(..done);
                });
            }
            match step {
                Ok(()) => {}
                Err(Stop::TooLarge) => {
                    return Err(refuse(msg!(lang, PART_TOO_LARGE, MAX_PART_BYTES)))
                }
                Err(Stop::Rows) => {
                    return Err(refuse(msg!(lang, SHEET_TOO_MANY_ROWS, MAX_SHEET_ROWS)))
                }
                Err(Stop::CellRef(r)) => {
                    return Err(refuse(msg!(lang, SHEET_BAD_CELL_REF, r, MAX_SHEET_ROWS)))
                }
                Err(Stop::Cell) if scan_tags => {
                    return Err(refuse(msg!(
                        lang,
                        SHEET_CELL_TOO_LARGE,
                        scan.row.max(1),
                        MAX_CELL_BYTES
                    )))
                }
                Err(Stop::Cell) => {
                    return Err(refuse(msg!(lang, SHARED_STRING_TOO_LARGE, MAX_CELL_BYTES)))
                }
            }
            real += n as u64;
            if real > MAX_PART_BYTES {
                return Err(refuse(msg!(lang, PART_TOO_LARGE, MAX_PART_BYTES)));
            }
        }
        if let Some(name) = sheet {
            out.insert(name, scan.regions);
        }
    }
    Ok(out)
}

/// An open workbook of either format.
enum Book {
    /// With its merged regions by sheet, found once.
    Xlsx(
        Box<Xlsx<Cursor<Shared>>>,
        std::collections::HashMap<String, Vec<Dimensions>>,
    ),
    Xls(Box<Xls<Cursor<Shared>>>),
}

/// A workbook's bytes, shared by the readers of its sheets.
#[derive(Clone)]
struct Shared(Arc<[u8]>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Book {
    fn open(lang: Lang, name: &str, bytes: Shared) -> Result<Book, LoadError> {
        Self::open_with(lang, name, bytes, None)
    }

    /// Opens the workbook, with the merged regions already found by another opening of the
    /// same bytes (finding them decompresses every sheet).
    fn open_with(
        lang: Lang,
        name: &str,
        bytes: Shared,
        merges: Option<std::collections::HashMap<String, Vec<Dimensions>>>,
    ) -> Result<Book, LoadError> {
        let ole = bytes.0.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
        // The limits are checked before the workbook reader allocates for any cell.
        let merges = match merges {
            Some(m) => Some(m),
            None if ole => None,
            None => match std::panic::catch_unwind(|| survey(lang, &bytes.0)) {
                Ok(Ok(m)) => Some(m),
                Ok(Err(r)) => {
                    return Err(LoadError::new(msg!(
                        lang,
                        SHEET_UNREADABLE,
                        name,
                        r.part,
                        r.reason
                    )))
                }
                Err(_) => None,
            },
        };
        let opened = std::panic::catch_unwind(move || {
            if ole {
                Xls::new(Cursor::new(bytes))
                    .map(|b| Book::Xls(Box::new(b)))
                    .map_err(|e| e.to_string())
            } else {
                let merges = merges.unwrap_or_default();
                Xlsx::new(Cursor::new(bytes))
                    .map(|b| Book::Xlsx(Box::new(b), merges))
                    .map_err(|e| e.to_string())
            }
        });
        match opened {
            Ok(Ok(b)) => Ok(b),
            Ok(Err(e)) => Err(LoadError::new(msg!(lang, XLSX_UNREADABLE, name, e))
                .with_help(msg!(lang, XLSX_UNREADABLE_HELP))),
            Err(_) => {
                Err(
                    LoadError::new(msg!(lang, XLSX_UNREADABLE, name, msg!(lang, READER_FAILED)))
                        .with_help(msg!(lang, XLSX_UNREADABLE_HELP)),
                )
            }
        }
    }

    /// The merged regions found when the workbook was opened (`.xlsx`).
    fn merge_map(&self) -> Option<std::collections::HashMap<String, Vec<Dimensions>>> {
        match self {
            Book::Xlsx(_, merges) => Some(merges.clone()),
            Book::Xls(_) => None,
        }
    }

    fn sheet_names(&self) -> Vec<String> {
        match self {
            Book::Xlsx(b, _) => b.sheet_names(),
            Book::Xls(b) => b.sheet_names(),
        }
    }

    fn merges(&mut self, sheet: &str) -> Vec<Dimensions> {
        match self {
            Book::Xlsx(_, merges) => merges.get(sheet).cloned().unwrap_or_default(),
            Book::Xls(b) => b.merge_cells_by_sheet_name(sheet).unwrap_or_default(),
        }
    }

    /// Calls `f` with each non-empty row of `sheet` (1-based row number, cells) in order,
    /// merged regions filled, until it returns `false`.
    fn rows(
        &mut self,
        lang: Lang,
        name: &str,
        sheet: &str,
        f: &mut dyn FnMut(usize, &SheetRow) -> Result<bool, LoadError>,
    ) -> Result<(), LoadError> {
        let unreadable = |e: String| LoadError::new(msg!(lang, SHEET_UNREADABLE, name, sheet, e));
        let mut fill = MergeFill::new(self.merges(sheet));
        match self {
            Book::Xlsx(b, _) => {
                let mut reader = b
                    .worksheet_cells_reader(sheet)
                    .map_err(|e| unreadable(e.to_string()))?;
                let mut row = SheetRow::default();
                let mut current: Option<u32> = None;
                loop {
                    let cell = reader.next_cell().map_err(|e| unreadable(e.to_string()))?;
                    let pos = cell.as_ref().map(|c| c.get_position());
                    if let Some(r) = current {
                        if pos.is_none_or(|(pr, _)| pr != r) {
                            fill.fill(r, &mut row);
                            if !f(r as usize + 1, &row)? {
                                return Ok(());
                            }
                            // The next row reuses the cells' buffers.
                            for cell in row.0.iter_mut() {
                                match cell {
                                    Ok(t) => t.clear(),
                                    Err(_) => *cell = Ok(String::new()),
                                }
                            }
                        }
                    }
                    let Some(cell) = cell else { return Ok(()) };
                    let (r, c) = cell.get_position();
                    if r as u64 >= MAX_SHEET_ROWS {
                        let why = msg!(lang, SHEET_TOO_MANY_ROWS, MAX_SHEET_ROWS);
                        return Err(unreadable(why));
                    }
                    if c >= MAX_COLUMNS {
                        return Err(unreadable(format!("column {} > {MAX_COLUMNS}", c + 1)));
                    }
                    current = Some(r);
                    let c = c as usize;
                    if row.0.len() <= c {
                        row.0.resize(c + 1, Ok(String::new()));
                    }
                    match (cell.get_value(), &mut row.0[c]) {
                        (DataRef::Empty, _) => {}
                        (DataRef::SharedString(text), Ok(buf)) => buf.push_str(text),
                        (DataRef::String(text), Ok(buf)) => buf.push_str(text),
                        (other, slot) => *slot = cell_ref_text(lang, other.clone()),
                    }
                }
            }
            Book::Xls(b) => {
                let range = b
                    .worksheet_range(sheet)
                    .map_err(|e| unreadable(e.to_string()))?;
                let (r0, c0) = range.start().unwrap_or((0, 0));
                for (i, cells) in range.rows().enumerate() {
                    let r = r0 + i as u32;
                    let mut row = SheetRow(vec![Ok(String::new()); c0 as usize]);
                    row.0.extend(cells.iter().map(|d| cell_text(lang, d)));
                    fill.fill(r, &mut row);
                    if !f(r as usize + 1, &row)? {
                        return Ok(());
                    }
                }
                Ok(())
            }
        }
    }
}

/// What a run asks of a workbook.
pub struct WorkbookSpec {
    pub name: String,
    pub file_index: usize,
    /// The entities its sheets may hold (each with its parent link), the likeliest first.
    pub candidates: Vec<(usize, Option<ParentLink>)>,
    pub header_row: Option<usize>,
    pub mapping: Mapping,
    pub lang: Lang,
    pub layouts: super::Layouts,
}

/// A sheet matched to an entity.
struct Matched {
    sheet: String,
    header: Header,
}

/// Matches each sheet to an entity by its header.
fn match_sheets(
    book: &mut Book,
    rules: &RuleSet,
    spec: &WorkbookSpec,
    notes: &mut Vec<String>,
) -> Result<Vec<Matched>, LoadError> {
    let lang = spec.lang;
    let cols = ColumnIndex::new(rules);
    let mut matched = Vec::new();
    for sheet in book.sheet_names() {
        let mut first: Vec<(usize, Vec<String>)> = Vec::new();
        let wanted = rows_to_scan(&spec.candidates, spec.header_row, &spec.mapping);
        book.rows(lang, &spec.name, &sheet, &mut |r, row| {
            if !Header::is_blank(row) {
                let texts = (0..row.count())
                    .map(|i| row.text(i).unwrap_or_default().to_string())
                    .collect();
                first.push((r, texts));
            }
            Ok(first.len() < wanted)
        })?;
        // A sheet named after an entity tries that entity first.
        let mut candidates = spec.candidates.clone();
        if let Some(e) = rules.entity_index(sheet.trim()) {
            candidates.sort_by_key(|(c, _)| *c != e);
        }
        let table = format!("{} [{sheet}]", spec.name);
        let mut sheet_notes = Vec::new();
        let mut problems = Vec::new();
        match find_header(
            &cols,
            lang,
            &table,
            &candidates,
            &first,
            spec.header_row,
            &spec.mapping,
            &mut sheet_notes,
            spec.layouts.gathers_unknown().then_some(&mut problems),
        )? {
            Some(mut header) => {
                header.survey_into(&spec.layouts);
                notes.push(msg!(
                    lang,
                    NOTE,
                    msg!(
                        lang,
                        NOTE_SHEET_ENTITY,
                        spec.name,
                        sheet,
                        rules.entities[header.entity].name
                    )
                ));
                notes.append(&mut sheet_notes);
                spec.layouts.push(super::TableLayout {
                    file: spec.name.clone(),
                    sheet: Some(sheet.clone()),
                    entity: header.entity,
                    header_rows: (header.first_row, header.header_row),
                    columns: header.columns.clone(),
                    problems: std::mem::take(&mut problems),
                });
                matched.push(Matched { sheet, header });
            }
            None => notes.push(msg!(
                lang,
                NOTE,
                msg!(lang, NOTE_SHEET_IGNORED, spec.name, sheet)
            )),
        }
    }
    if matched.is_empty() {
        return Err(
            LoadError::new(msg!(lang, NO_TABLE_IN_WORKBOOK, spec.name)).with_help(msg!(
                lang,
                NO_HEADER_HELP,
                "统一社会信用代码、行业"
            )),
        );
    }
    Ok(matched)
}

type Batch = Result<(Vec<Item>, Vec<String>), LoadError>;

/// Records per batch handed over by the reader thread.
const BATCH: usize = 1024;

/// Reads the workbook on its own thread: item sheets first, into the join, then the
/// parents' sheets, streamed.
fn produce(
    rules: &RuleSet,
    bytes: Vec<u8>,
    spec: &WorkbookSpec,
    send: &mut dyn FnMut(Vec<Item>, Vec<String>) -> bool,
) -> Result<(), LoadError> {
    let lang = spec.lang;
    let mut notes = Vec::new();
    let bytes = Shared(bytes.into());
    let copy = bytes.clone();
    let mut book = Book::open(lang, &spec.name, bytes)?;
    let matched = match_sheets(&mut book, rules, spec, &mut notes)?;
    let mut item_sheets = Vec::new();
    let mut parents = Vec::new();
    for m in matched {
        match parent_of(rules, m.header.entity) {
            Some(l) => item_sheets.push((m, l)),
            None => parents.push(m),
        }
    }
    // Item sheets are read ahead, each on a thread of its own with its own reader.
    /// Reads one item sheet into the join.
    fn read_items(
        book: &mut Book,
        rules: &RuleSet,
        spec: &WorkbookSpec,
        m: Matched,
        link: ParentLink,
    ) -> Result<ItemTable, LoadError> {
        let lang = spec.lang;
        let start = m.header.header_row;
        let mut items = ItemTable::new(m.header, link, &spec.name, Some(&m.sheet), lang);
        book.rows(lang, &spec.name, &m.sheet, &mut |r, row| {
            if r > start {
                items.push(rules, r, row)?;
            }
            Ok(true)
        })?;
        items.finish()?;
        Ok(items)
    }
    // Item sheets are read ahead: the first with this reader, each other one on a thread of
    // its own with its own reader (opening one reads the shared strings again).
    let mut item_sheets = item_sheets.into_iter();
    let first = item_sheets.next();
    let mut joins: Vec<ItemTable> = std::thread::scope(|scope| {
        let handles: Vec<_> = item_sheets
            .map(|(m, link)| {
                let bytes = copy.clone();
                let merges = book.merge_map();
                scope.spawn(move || -> Result<ItemTable, LoadError> {
                    let mut book = Book::open_with(lang, &spec.name, bytes, merges)?;
                    read_items(&mut book, rules, spec, m, link)
                })
            })
            .collect();
        let mut joins = Vec::new();
        if let Some((m, link)) = first {
            joins.push(read_items(&mut book, rules, spec, m, link)?);
        }
        for h in handles {
            joins.push(
                h.join()
                    .unwrap_or_else(|_| Err(LoadError::new(msg!(lang, READER_FAILED))))?,
            );
        }
        Ok::<_, LoadError>(joins)
    })?;
    drop(copy);
    for j in &joins {
        if !parents.iter().any(|p| p.header.entity == j.link.entity) {
            let sheet = j.sheet.clone().unwrap_or_default();
            return Err(LoadError::new(msg!(
                lang,
                ITEMS_WITHOUT_PARENT_SHEET,
                spec.name,
                sheet,
                rules.entities[j.header.entity].name,
                rules.entities[j.link.entity].name
            ))
            .with_help(msg!(lang, ITEMS_WITHOUT_PARENT_SHEET_HELP)));
        }
    }
    let mut queue: VecDeque<Item> = VecDeque::new();
    let mut stopped = false;
    for p in &parents {
        let start = p.header.header_row;
        let mut blank = 0usize;
        book.rows(lang, &spec.name, &p.sheet, &mut |r, row| {
            if r <= start {
                return Ok(true);
            }
            let parsed = p.header.row(rules, r, row);
            if parsed.skip == Some(SkipReason::Blank) {
                blank += 1;
            }
            attach(
                rules,
                lang,
                &p.header,
                &spec.name,
                Some(&p.sheet),
                spec.file_index,
                parsed,
                &mut joins,
                &mut queue,
                &mut notes,
            )?;
            if queue.len() >= BATCH {
                let batch: Vec<Item> = queue.drain(..).collect();
                if !send(batch, std::mem::take(&mut notes)) {
                    stopped = true;
                    return Ok(false);
                }
            }
            Ok(true)
        })?;
        if stopped {
            return Ok(());
        }
        note_blank_rows(lang, &p.header.table, blank, &mut notes);
    }
    for j in &mut joins {
        j.rest(rules, &mut queue, &mut notes)?;
    }
    send(queue.into_iter().collect(), notes);
    Ok(())
}

/// A workbook's records, read on a thread of their own.
pub struct XlsxSource {
    batches: Receiver<Batch>,
    buffered: VecDeque<Item>,
    notes: Vec<String>,
    done: bool,
}

impl XlsxSource {
    /// Starts reading the workbook `bytes`.
    pub fn open(rules: &RuleSet, bytes: Vec<u8>, spec: WorkbookSpec) -> XlsxSource {
        let (tx, batches) = sync_channel::<Batch>(4);
        let rules = Arc::new(rules.clone());
        std::thread::spawn(move || {
            let (lang, name) = (spec.lang, spec.name.clone());
            let mut send =
                |items: Vec<Item>, notes: Vec<String>| tx.send(Ok((items, notes))).is_ok();
            // A reader that fails in the workbook library must end the run with an error, not
            // as the end of the input (which would lose every record not yet sent).
            let produced = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                produce(&rules, bytes, &spec, &mut send)
            }))
            .unwrap_or_else(|_| Err(LoadError::new(msg!(lang, WORKBOOK_READER_FAILED, name))));
            if let Err(e) = produced {
                let _ = tx.send(Err(e));
            }
        });
        XlsxSource {
            batches,
            buffered: VecDeque::new(),
            notes: Vec::new(),
            done: false,
        }
    }
}

impl RecordSource for XlsxSource {
    fn next_batch(&mut self, max: usize, out: &mut Vec<Item>) -> Result<bool, LoadError> {
        while self.buffered.len() < max && !self.done {
            match self.batches.recv() {
                Ok(Ok((items, mut notes))) => {
                    self.buffered.extend(items);
                    self.notes.append(&mut notes);
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => self.done = true,
            }
        }
        let n = max.min(self.buffered.len());
        out.extend(self.buffered.drain(..n));
        Ok(!(self.done && self.buffered.is_empty()))
    }

    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn cells_of_every_type_become_text() {
        let t = |d: &Data| cell_text(Lang::En, d);
        assert_eq!(t(&Data::Empty).unwrap(), "");
        assert_eq!(t(&Data::Int(42)).unwrap(), "42");
        assert_eq!(t(&Data::Float(20.0)).unwrap(), "20");
        assert_eq!(t(&Data::Float(12.5)).unwrap(), "12.5");
        assert_eq!(t(&Data::Float(9.1110105e17)).unwrap(), "911101050000000000");
        assert_eq!(t(&Data::Bool(true)).unwrap(), "true");
        assert_eq!(t(&Data::String("是".into())).unwrap(), "是");
        let dt = ExcelDateTime::new(45224.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(t(&Data::DateTime(dt)).unwrap(), "2023-10-25");
        let dt = ExcelDateTime::new(45224.75, ExcelDateTimeType::DateTime, false);
        assert_eq!(t(&Data::DateTime(dt)).unwrap(), "2023-10-25");
        assert_eq!(
            t(&Data::DateTimeIso("2023-10-25T08:00:00".into())).unwrap(),
            "2023-10-25"
        );
        let e = t(&Data::Error(CellErrorType::NA)).unwrap_err();
        assert!(e.contains("#N/A"), "{e}");
    }

    #[test]
    fn merged_cells_read_as_their_value_in_every_cell() {
        let region = |r0, c0, r1, c1| Dimensions {
            start: (r0, c0),
            end: (r1, c1),
        };
        // A firm merged down over rows 1–3 in column 1, a title over columns 0–2 of row 0.
        let mut fill = MergeFill::new(vec![region(1, 1, 3, 1), region(0, 0, 0, 2)]);
        let row = |cells: &[&str]| SheetRow(cells.iter().map(|c| Ok(c.to_string())).collect());
        let mut r0 = row(&["标题"]);
        fill.fill(0, &mut r0);
        assert_eq!(r0.text(2).unwrap(), "标题");
        let mut r1 = row(&["M1", "甲厂"]);
        fill.fill(1, &mut r1);
        let mut r2 = row(&["M2", ""]);
        fill.fill(2, &mut r2);
        assert_eq!(r2.text(1).unwrap(), "甲厂");
        let mut r4 = row(&["M4", ""]);
        fill.fill(4, &mut r4);
        assert_eq!(r4.text(1).unwrap(), "", "past the region");
    }

    fn read_all(bytes: Vec<u8>) -> Result<Vec<Item>, LoadError> {
        let rules = crate::data::table::tests::beijing();
        let spec = WorkbookSpec {
            name: "x.xlsx".into(),
            file_index: 0,
            candidates: (0..rules.entities.len())
                .map(|e| (e, parent_of(&rules, e)))
                .collect(),
            header_row: None,
            mapping: Mapping::default(),
            lang: Lang::En,
            layouts: Default::default(),
        };
        let mut src = XlsxSource::open(&rules, bytes, spec);
        let mut out = Vec::new();
        while src.next_batch(100, &mut out)? {}
        Ok(out)
    }

    #[test]
    fn merged_regions_are_found_by_a_scan_of_the_sheets() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("清单 & 说明").unwrap();
        ws.merge_range(0, 0, 0, 11, "标题", &rust_xlsxwriter::Format::new())
            .unwrap();
        ws.merge_range(4, 1, 6, 1, "甲厂", &rust_xlsxwriter::Format::new())
            .unwrap();
        wb.add_worksheet().set_name("机械").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let merges = survey(Lang::En, &bytes).unwrap();
        let mut found = merges["清单 & 说明"].clone();
        found.sort_by_key(|d| d.start);
        assert_eq!(
            found,
            [
                Dimensions {
                    start: (0, 0),
                    end: (0, 11)
                },
                Dimensions {
                    start: (4, 1),
                    end: (6, 1)
                }
            ]
        );
        assert!(merges["机械"].is_empty());
        assert_eq!(cell_ref("AA10"), Some((9, 26)));
        assert_eq!(cell_ref("10"), None);
    }

    #[test]
    fn garbage_and_truncated_workbooks_are_errors() {
        let e = read_all(b"not a zip".to_vec()).unwrap_err();
        assert!(
            e.message.contains("not a readable Excel workbook"),
            "{}",
            e.message
        );
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("企业").unwrap();
        ws.write(0, 0, "名称").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        for cut in [bytes.len() / 3, bytes.len() / 2, bytes.len() - 10] {
            assert!(read_all(bytes[..cut].to_vec()).is_err());
        }
    }
}
