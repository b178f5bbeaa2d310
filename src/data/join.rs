//! The item join, one for CSV files and workbook sheets: items of a list field (a firm's
//! machines) come in a table of their own, in any order, with a column naming the parent's
//! key. The item table is read once, before its parents, into an [`ItemTable`]: each row's
//! cells are kept as compact bytes (in memory up to [`SPILL_BYTES`], then in an anonymous
//! temporary file), indexed by the hash of its parent key (24 bytes a run of rows of one parent). As each parent
//! is read, its items are looked up, parsed and attached; what no parent took is reported
//! at the end as an orphan, in the item table's own row order.
//!
//! Memory: the index, 24 bytes per run of consecutive rows of one parent (one run per parent
//! when each parent's items are listed together, as exports do; one per row in a shuffled
//! table) plus a radix table of 4 bytes per run, and at most [`SPILL_BYTES`] of cell bytes,
//! whatever the size of the item table.

use std::collections::VecDeque;
use std::io::{Read, Seek, SeekFrom, Write};

use super::source::{Item, LoadError, SkipReason, SkippedRow};
use super::table::{BadRow, Cells, Header, ParentLink, TableRow};
use super::{LoadedRecord, RowError};
use crate::ir::{RuleSet, Value};
use crate::messages::Lang;
use crate::msg;

/// Cell bytes kept in memory before the rest goes to a temporary file.
pub const SPILL_BYTES: usize = 16 << 20;

/// The hash a parent key is indexed by: FNV-1a, 64 bits. Keys come from the user's own
/// files and the index never leaves the process, so a fast non-keyed hash is enough; a
/// collision only costs a comparison, since each item's parent key is checked as read.
pub fn key_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A run of consecutive stored rows with one parent key: one entry per parent when the
/// item table lists each parent's items together, as exports do.
#[derive(Debug, Clone, Copy)]
struct Entry {
    hash: u64,
    offset: u64,
    /// Bytes of the run's rows.
    len: u32,
    /// Rows in the run.
    rows: u32,
}

/// Where the rows' bytes are.
enum Store {
    Memory(Vec<u8>),
    Spilled {
        file: std::fs::File,
        len: u64,
        pending: Vec<u8>,
        /// Bytes read ahead from `window_start`: items in file order are read in big
        /// chunks, items out of order one by one.
        window: Vec<u8>,
        window_start: u64,
    },
}

/// How much is read ahead from a spilled store when items come in file order.
const WINDOW: usize = 1 << 20;

impl Store {
    fn len(&self) -> u64 {
        match self {
            Store::Memory(v) => v.len() as u64,
            Store::Spilled { len, pending, .. } => len + pending.len() as u64,
        }
    }

    fn append(&mut self, bytes: &[u8], name: &str, lang: Lang) -> Result<(), LoadError> {
        let io = |e: std::io::Error| LoadError::new(msg!(lang, CANNOT_READ, name, e));
        match self {
            Store::Memory(v) => {
                v.extend_from_slice(bytes);
                if v.len() > SPILL_BYTES {
                    let mut file = tempfile::tempfile().map_err(io)?;
                    file.write_all(v).map_err(io)?;
                    *self = Store::Spilled {
                        file,
                        len: v.len() as u64,
                        pending: Vec::new(),
                        window: Vec::new(),
                        window_start: 0,
                    };
                }
            }
            Store::Spilled {
                file, len, pending, ..
            } => {
                pending.extend_from_slice(bytes);
                if pending.len() > 1 << 20 {
                    file.write_all(pending).map_err(io)?;
                    *len += pending.len() as u64;
                    pending.clear();
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, name: &str, lang: Lang) -> Result<(), LoadError> {
        if let Store::Spilled {
            file, len, pending, ..
        } = self
        {
            file.write_all(pending)
                .map_err(|e| LoadError::new(msg!(lang, CANNOT_READ, name, e)))?;
            *len += pending.len() as u64;
            pending.clear();
        }
        Ok(())
    }

    /// The bytes of one run, into `buf`.
    fn read(&mut self, e: &Entry, buf: &mut Vec<u8>) -> std::io::Result<()> {
        buf.clear();
        match self {
            Store::Memory(v) => {
                let start = e.offset as usize;
                buf.extend_from_slice(&v[start..start + e.len as usize]);
            }
            Store::Spilled {
                file,
                len,
                window,
                window_start,
                ..
            } => {
                let (start, end) = (e.offset, e.offset + e.len as u64);
                let window_end = *window_start + window.len() as u64;
                if start < *window_start || end > window_end {
                    // Right after the window: the items come in file order, read ahead.
                    let sequential = start == window_end && !window.is_empty();
                    let want = if sequential {
                        (e.len as usize).max(WINDOW) as u64
                    } else {
                        e.len as u64
                    };
                    let want = want.min(*len - start) as usize;
                    file.seek(SeekFrom::Start(start))?;
                    window.resize(want, 0);
                    file.read_exact(window)?;
                    *window_start = start;
                }
                let from = (start - *window_start) as usize;
                buf.extend_from_slice(&window[from..from + e.len as usize]);
            }
        }
        Ok(())
    }
}

/// A row as stored: its row number and the length of what follows (4 bytes each), then per
/// cell a 4-byte length (the top bit marks a cell that could not be read as text, whose
/// bytes are then the reason) and the bytes.
fn encode(row: usize, cells: &dyn Cells, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&(row.min(u32::MAX as usize) as u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    for i in 0..cells.count() {
        let (flag, text) = match cells.text(i) {
            Ok(t) => (0u32, t.to_string()),
            Err(why) => (1u32 << 31, why),
        };
        let len = (text.len() as u32).min((1 << 31) - 1);
        out.extend_from_slice(&(len | flag).to_le_bytes());
        out.extend_from_slice(&text.as_bytes()[..len as usize]);
    }
    let body = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&body.to_le_bytes());
}

/// The rows of a run's bytes: (row number, the row's cell bytes), without allocating.
fn split_rows(bytes: &[u8]) -> impl Iterator<Item = (usize, std::ops::Range<usize>)> + '_ {
    let word = |at: usize| -> Option<usize> {
        let b = bytes.get(at..at + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let mut at = 0;
    std::iter::from_fn(move || {
        let (row, len) = (word(at)?, word(at + 4)?);
        let start = at + 8;
        let end = (start + len).min(bytes.len());
        at = end;
        Some((row, start..end))
    })
}

/// Stored cells, read back.
struct StoredCells<'a> {
    bytes: &'a [u8],
    cells: Vec<(usize, usize, bool)>,
}

impl<'a> StoredCells<'a> {
    fn new(bytes: &'a [u8], cells: &mut Vec<(usize, usize, bool)>) -> StoredCells<'a> {
        cells.clear();
        let mut at = 0;
        while at + 4 <= bytes.len() {
            let word = u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
            let len = (word & ((1 << 31) - 1)) as usize;
            let start = at + 4;
            let end = (start + len).min(bytes.len());
            cells.push((start, end, word >> 31 == 1));
            at = end;
        }
        StoredCells {
            bytes,
            cells: std::mem::take(cells),
        }
    }
}

impl Cells for StoredCells<'_> {
    fn count(&self) -> usize {
        self.cells.len()
    }

    fn text(&self, i: usize) -> Result<&str, String> {
        let Some(&(start, end, failed)) = self.cells.get(i) else {
            return Ok("");
        };
        // The bytes were a `&str` or a `String` when stored.
        let text = std::str::from_utf8(&self.bytes[start..end]).unwrap_or("");
        if failed {
            Err(text.to_string())
        } else {
            Ok(text)
        }
    }
}

/// An item table read ahead of its parents.
pub struct ItemTable {
    pub header: Header,
    pub link: ParentLink,
    /// The file (and sheet) name in errors.
    pub file: String,
    pub sheet: Option<String>,
    store: Store,
    /// Sorted by (hash, offset) once the table is read.
    entries: Vec<Entry>,
    /// `starts[b]`: the first entry whose hash's top bits are `b` or more (a radix index,
    /// so a look-up touches two entries of it instead of a binary search over all).
    starts: Vec<u32>,
    bucket_bits: u32,
    taken: Vec<bool>,
    sorted: bool,
    skipped: Vec<Item>,
    blank: usize,
    scratch: Vec<u8>,
    spans: Vec<(usize, usize, bool)>,
    lang: Lang,
    /// Whether an empty parent cell reads as the parent of the row above (see `fill_down`).
    fill_down: bool,
    last_parent: Option<String>,
    filled: usize,
    /// The parent key of the last stored row, which a row of the same key extends.
    run_parent: Option<String>,
}

/// A row's cells with the parent column read as a given text.
struct WithParent<'a> {
    cells: &'a dyn Cells,
    col: usize,
    parent: &'a str,
}

impl Cells for WithParent<'_> {
    fn count(&self) -> usize {
        self.cells.count().max(self.col + 1)
    }

    fn text(&self, i: usize) -> Result<&str, String> {
        if i == self.col {
            Ok(self.parent)
        } else {
            self.cells.text(i)
        }
    }
}

impl ItemTable {
    pub fn new(
        header: Header,
        link: ParentLink,
        file: &str,
        sheet: Option<&str>,
        lang: Lang,
    ) -> ItemTable {
        ItemTable {
            header,
            link,
            file: file.to_string(),
            sheet: sheet.map(str::to_string),
            store: Store::Memory(Vec::new()),
            entries: Vec::new(),
            starts: Vec::new(),
            bucket_bits: 0,
            taken: Vec::new(),
            sorted: false,
            skipped: Vec::new(),
            blank: 0,
            scratch: Vec::new(),
            spans: Vec::new(),
            lang,
            fill_down: false,
            last_parent: None,
            filled: 0,
            run_parent: None,
        }
    }

    /// An empty parent cell reads as the parent of the row above it, up to a blank row: a
    /// CSV export of a sheet whose firm cell is merged down over its machines leaves the
    /// cells below the first empty. (In a workbook, the merge itself says so.)
    pub fn fill_down(mut self) -> ItemTable {
        self.fill_down = true;
        self
    }

    /// Keeps one row of the item table.
    pub fn push(
        &mut self,
        rules: &RuleSet,
        row: usize,
        cells: &dyn Cells,
    ) -> Result<(), LoadError> {
        if Header::is_blank(cells) {
            self.blank += 1;
            self.last_parent = None;
            return Ok(());
        }
        let mut parent = self
            .header
            .parent_col
            .and_then(|c| cells.text(c).ok())
            .map(|t| super::normalize::fold(t).into_owned())
            .unwrap_or_default();
        let above = match (&self.last_parent, self.header.parent_col) {
            (Some(p), Some(col)) if parent.is_empty() && self.fill_down => Some((p.clone(), col)),
            _ => None,
        };
        if let Some((p, _)) = &above {
            parent = p.clone();
            self.filled += 1;
        }
        if parent.is_empty() {
            let probe = self.header.row(rules, row, cells);
            if let Some(reason @ SkipReason::Total(_)) = probe.skip {
                self.skipped.push(Item::Skipped(SkippedRow {
                    file: self.file.clone(),
                    entity: rules.entities[self.header.entity].name.clone(),
                    row,
                    reason,
                }));
                return Ok(());
            }
        }
        let mut bytes = std::mem::take(&mut self.scratch);
        match &above {
            Some((p, col)) => encode(
                row,
                &WithParent {
                    cells,
                    col: *col,
                    parent: p,
                },
                &mut bytes,
            ),
            None => encode(row, cells, &mut bytes),
        }
        self.last_parent = Some(parent.clone());
        let offset = self.store.len();
        let appended = self.store.append(&bytes, &self.file, self.lang);
        let len = bytes.len() as u32;
        self.scratch = bytes;
        appended?;
        match self.entries.last_mut() {
            Some(run)
                if self.run_parent.as_deref() == Some(parent.as_str())
                    && run.len.checked_add(len).is_some() =>
            {
                run.len += len;
                run.rows += 1;
            }
            _ => {
                self.entries.push(Entry {
                    hash: key_hash(&parent),
                    offset,
                    len,
                    rows: 1,
                });
                self.run_parent = Some(parent);
            }
        }
        Ok(())
    }

    /// Ends the reading: the index is sorted for look-ups.
    pub fn finish(&mut self) -> Result<(), LoadError> {
        self.store.finish(&self.file, self.lang)?;
        self.entries.sort_unstable_by_key(|e| (e.hash, e.offset));
        self.taken = vec![false; self.entries.len()];
        // About one bucket per entry.
        let bits = (usize::BITS - self.entries.len().leading_zeros())
            .saturating_sub(1)
            .clamp(1, 31);
        self.bucket_bits = bits;
        let n = 1usize << bits;
        self.starts = Vec::with_capacity(n + 1);
        let mut i = 0;
        for b in 0..n as u64 {
            while i < self.entries.len() && self.bucket(self.entries[i].hash) < b {
                i += 1;
            }
            self.starts.push(i as u32);
        }
        self.starts.push(self.entries.len() as u32);
        self.sorted = true;
        Ok(())
    }

    fn bucket(&self, hash: u64) -> u64 {
        hash >> (64 - self.bucket_bits)
    }

    /// The rows of run `i`.
    fn parse(
        &mut self,
        rules: &RuleSet,
        i: usize,
        out: &mut Vec<TableRow>,
    ) -> Result<(), LoadError> {
        let e = self.entries[i];
        let mut buf = std::mem::take(&mut self.scratch);
        self.store
            .read(&e, &mut buf)
            .map_err(|err| LoadError::new(msg!(self.lang, CANNOT_READ, self.file, err)))?;
        for (row, range) in split_rows(&buf) {
            let cells = StoredCells::new(&buf[range], &mut self.spans);
            out.push(self.header.row(rules, row, &cells));
            self.spans = cells.cells;
        }
        self.scratch = buf;
        Ok(())
    }

    /// The items of the parent with key `key`, in the item table's row order.
    pub fn take(
        &mut self,
        rules: &RuleSet,
        key: &str,
        out: &mut Vec<TableRow>,
    ) -> Result<(), LoadError> {
        let h = key_hash(key);
        let b = self.bucket(h) as usize;
        let (Some(&lo), Some(&hi)) = (self.starts.get(b), self.starts.get(b + 1)) else {
            return Ok(());
        };
        let mut i = lo as usize;
        while i < hi as usize && self.entries[i].hash < h {
            i += 1;
        }
        while i < hi as usize && self.entries[i].hash == h {
            if !self.taken[i] {
                let before = out.len();
                self.parse(rules, i, out)?;
                // A run holds one parent key: another key of the same hash is left alone.
                if out.get(before).and_then(|r| r.parent.as_deref()) == Some(key) {
                    self.taken[i] = true;
                } else {
                    out.truncate(before);
                }
            }
            i += 1;
        }
        Ok(())
    }

    /// After the last parent: the rows no parent took (orphans) and the total rows of the
    /// item table, in row order, then its blank rows as skipped; with the notes they call for.
    pub fn rest(
        &mut self,
        rules: &RuleSet,
        out: &mut VecDeque<Item>,
        notes: &mut Vec<String>,
    ) -> Result<(), LoadError> {
        let lang = self.lang;
        if self.filled > 0 {
            notes.push(msg!(
                lang,
                NOTE,
                msg!(lang, NOTE_FILLED_DOWN, self.header.table, self.filled)
            ));
        }
        let mut left: Vec<usize> = (0..self.entries.len())
            .filter(|&i| !self.taken[i])
            .collect();
        left.sort_by_key(|&i| self.entries[i].offset);
        let pinfo = &rules.entities[self.link.entity];
        let column = self.header.parent_col.map(|c| self.header.names[c].clone());
        let mut items: Vec<(usize, Item)> = std::mem::take(&mut self.skipped)
            .into_iter()
            .map(|i| match &i {
                Item::Skipped(s) => (s.row, i),
                _ => (0, i),
            })
            .collect();
        let mut rows = Vec::new();
        for i in left {
            self.parse(rules, i, &mut rows)?;
        }
        for row in rows {
            let message = match &row.parent {
                Some(k) => msg!(lang, ORPHAN, k, pinfo.name),
                None => msg!(lang, ORPHAN_EMPTY, pinfo.name),
            };
            items.push((
                row.row,
                Item::Error(RowError {
                    file: self.file.clone(),
                    sheet: self.sheet.clone(),
                    entity: rules.entities[self.header.entity].name.clone(),
                    row: row.row,
                    column: column.clone(),
                    value: row.parent.clone(),
                    key: row.key,
                    message,
                }),
            ));
        }
        items.sort_by_key(|(r, _)| *r);
        out.extend(items.into_iter().map(|(_, i)| i));
        let entity = &rules.entities[self.header.entity].name;
        for _ in 0..self.blank {
            out.push_back(Item::Skipped(SkippedRow {
                file: self.header.table.clone(),
                entity: entity.clone(),
                row: 0,
                reason: SkipReason::Blank,
            }));
        }
        note_blank_rows(lang, &self.header.table, self.blank, notes);
        Ok(())
    }
}

/// The note for a table's blank rows, when it has some.
pub fn note_blank_rows(lang: Lang, table: &str, blank: usize, notes: &mut Vec<String>) {
    if blank > 0 {
        notes.push(msg!(lang, NOTE, msg!(lang, NOTE_BLANK_ROWS, table, blank)));
    }
}

/// One parent row with the items of every item table joined to it, as items of the
/// output: the record, or its error followed by its items as skipped (one error, one
/// cause). A total or blank row becomes a skipped item.
#[allow(clippy::too_many_arguments)]
pub fn attach(
    rules: &RuleSet,
    lang: Lang,
    parent: &Header,
    file: &str,
    sheet: Option<&str>,
    file_index: usize,
    row: TableRow,
    joins: &mut [ItemTable],
    out: &mut VecDeque<Item>,
    notes: &mut Vec<String>,
) -> Result<(), LoadError> {
    let entity = parent.entity;
    let info = &rules.entities[entity];
    if let Some(reason) = row.skip {
        if let SkipReason::Total(text) = &reason {
            notes.push(msg!(
                lang,
                NOTE,
                msg!(lang, NOTE_TOTAL_ROW, parent.table, row.row, text)
            ));
        }
        out.push_back(Item::Skipped(SkippedRow {
            file: parent.table.clone(),
            entity: info.name.clone(),
            row: row.row,
            reason,
        }));
        return Ok(());
    }
    let mut result = row.result.map_err(|bad: BadRow| RowError {
        file: file.to_string(),
        sheet: sheet.map(str::to_string),
        entity: info.name.clone(),
        row: row.row,
        column: bad.column,
        value: bad.value,
        key: row.key.as_deref().map(|k| super::echo(lang, k)),
        message: bad.message,
    });
    // The items joined so far, by (item table, row, key): skipped if the record fails.
    let mut joined: Vec<(usize, usize, Option<String>)> = Vec::new();
    // The first row of each item key, per item table: item keys are unique within a parent.
    // Looked up in `joined` while a parent has few items; past that, in a table.
    let mut first_item: Option<std::collections::HashMap<(usize, String), usize>> = None;
    let mut items = Vec::new();
    for (j, join) in joins.iter_mut().enumerate() {
        if join.link.entity != entity {
            continue;
        }
        let Some(key) = row.key.as_deref() else {
            continue;
        };
        items.clear();
        join.take(rules, key, &mut items)?;
        for item in items.drain(..) {
            let TableRow {
                row: item_row,
                key: item_key,
                result: item_result,
                ..
            } = item;
            let repeated = match (&result, &item_result, &item_key) {
                (Ok(_), Ok(_), Some(k)) => match &first_item {
                    Some(table) => table.get(&(j, k.clone())).copied(),
                    None => joined
                        .iter()
                        .find(|(jj, _, kk)| *jj == j && kk.as_deref() == Some(k.as_str()))
                        .map(|(_, r, _)| *r),
                },
                _ => None,
            };
            if let (Some(first), Some(k)) = (repeated, &item_key) {
                let item_entity = &rules.entities[join.header.entity].name;
                result = Err(RowError {
                    file: join.file.clone(),
                    sheet: join.sheet.clone(),
                    entity: info.name.clone(),
                    row: item_row,
                    column: join.header.key_col.map(|c| join.header.names[c].clone()),
                    value: None,
                    key: row.key.as_deref().map(|k| super::echo(lang, k)),
                    message: msg!(
                        lang,
                        DUPLICATE_ITEM_KEY,
                        item_entity,
                        super::echo(lang, k),
                        info.name,
                        super::echo(lang, key),
                        join.header.table,
                        first
                    ),
                });
                continue;
            }
            if first_item.is_none() && joined.len() >= 32 {
                let mut table = std::collections::HashMap::new();
                for (jj, r, kk) in &joined {
                    if let Some(kk) = kk {
                        table.entry((*jj, kk.clone())).or_insert(*r);
                    }
                }
                first_item = Some(table);
            }
            if let (Some(table), Ok(_), Some(k)) = (&mut first_item, &item_result, &item_key) {
                table.entry((j, k.clone())).or_insert(item_row);
            }
            match (&mut result, item_result) {
                (Ok(rec), Ok(r)) => {
                    if let Value::List(list) = &mut rec.values[join.link.field] {
                        list.push(r);
                    }
                    joined.push((j, item_row, item_key));
                }
                (Ok(_), Err(bad)) => {
                    let item_entity = &rules.entities[join.header.entity].name;
                    result = Err(RowError {
                        file: join.file.clone(),
                        sheet: join.sheet.clone(),
                        entity: info.name.clone(),
                        row: item_row,
                        column: bad.column,
                        value: bad.value,
                        key: row.key.clone(),
                        message: msg!(
                            lang,
                            ITEM_BAD,
                            item_entity,
                            item_key.as_deref().unwrap_or(""),
                            info.name,
                            parent.table,
                            row.row,
                            bad.message
                        ),
                    });
                }
                (Err(_), _) => joined.push((j, item_row, item_key)),
            }
        }
    }
    match result {
        Ok(record) => out.push_back(Item::Record(LoadedRecord {
            entity,
            file: file_index,
            row: row.row,
            sheet: sheet.map(std::sync::Arc::from),
            key: super::json::key_text(record.get(info.key)),
            record,
        })),
        Err(e) => {
            out.push_back(Item::Error(e));
            // The items joined so far belong to a record that failed: each is skipped,
            // naming its parent's row.
            for (j, item_row, item_key) in joined {
                let join = &joins[j];
                let item_entity = rules.entities[join.header.entity].name.clone();
                notes.push(msg!(
                    lang,
                    NOTE,
                    msg!(
                        lang,
                        NOTE_PARENT_FAILED,
                        join.header.table,
                        item_row,
                        item_entity,
                        item_key.as_deref().unwrap_or(""),
                        info.name,
                        parent.table,
                        row.row
                    )
                ));
                out.push_back(Item::Skipped(SkippedRow {
                    file: join.header.table.clone(),
                    entity: item_entity,
                    row: item_row,
                    reason: SkipReason::ParentFailed {
                        file: parent.table.clone(),
                        row: row.row,
                    },
                }));
            }
        }
    }
    Ok(())
}
