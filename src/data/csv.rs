//! CSV input, streamed: rows are read one at a time (the `csv` crate, fed through the
//! decoding reader of [`super::text`]), so memory stays flat however long the file is.
//!
//! The header is found among the first rows (title rows above it are skipped, a header over
//! two rows is read as one; see [`super::header`]), and the file's entity is the one whose
//! fields the header names best, unless `--data ENTITY=PATH` says which.
//!
//! Row numbers are lines of the file, 1-based, as a spreadsheet shows them: the row of a
//! record is the line it starts on (a quoted cell may span lines), CRLF line ends and
//! blank lines included.
//!
//! Items of a list field (a firm's machines) come in a file of their own, with a column that
//! names the parent's key, in any order: the file is read ahead into the one item join of
//! [`super::join`].

use std::collections::VecDeque;

use super::join::{attach, note_blank_rows, ItemTable};
use super::json::ColumnIndex;
use super::mapping::Mapping;
use super::source::{Item, LoadError, RecordSource, SkipReason};
use super::table::{
    find_header, no_header, rows_to_scan, BadRow, Cells, Header, ParentLink, TableRow,
};
use super::text;
use crate::ir::RuleSet;
use crate::limits::{MAX_CELLS_PER_ROW, MAX_RECORD_BYTES};
use crate::messages::Lang;
use crate::msg;

/// Why a record was cut short as it was read: it passed a limit of
/// [`crate::limits`]. The bytes past the limit are read past, not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Longer than [`MAX_RECORD_BYTES`].
    Bytes,
    /// More cells than [`MAX_CELLS_PER_ROW`].
    Cells,
}

/// Where a record starts, and whether it was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Start {
    line: usize,
    cut: Option<Cut>,
}

/// Finds the line each record starts on as the CSV reader pulls the text, so that a
/// record's row is the line a spreadsheet shows whatever it holds (quoted line breaks) and
/// whatever lies between records (empty lines, which the CSV reader passes over unseen).
/// The CSV reader's own positions do not say this once lines end in CRLF.
///
/// It follows the same grammar as the reader: a record starts at a byte that is not a line
/// end; a field that starts with `"` runs to the closing `"` (`""` inside is a quote); a
/// line end outside quotes ends the record. `\n`, `\r\n` and a lone `\r` each end a line.
///
/// It also bounds what the reader holds: a record past [`MAX_RECORD_BYTES`] or
/// [`MAX_CELLS_PER_ROW`] is cut there (its quotes closed, the rest of it up to its end
/// dropped) and its start marked, so the reader never holds more than the limit for a row
/// and the row becomes an error of its own.
struct LineCounter {
    inner: Box<dyn std::io::Read + Send>,
    state: Scan,
    /// The current line, 1-based.
    line: usize,
    /// The last byte was a `\r` (a `\n` right after it ends the same line).
    after_cr: bool,
    starts: std::sync::Arc<std::sync::Mutex<VecDeque<Start>>>,
    /// Bytes and cells of the record being read.
    record_bytes: usize,
    cells: usize,
    /// Set while the rest of a cut record is dropped.
    cutting: bool,
    /// Bytes read from `inner`, and those passed on (`out[out_at..]` not yet taken).
    raw: Vec<u8>,
    out: Vec<u8>,
    out_at: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// Between records.
    Between,
    /// At the start of a field.
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted field: the end of the quotes, or the first of `""`.
    QuoteInQuoted,
}

impl LineCounter {
    fn new(
        inner: Box<dyn std::io::Read + Send>,
        starts: std::sync::Arc<std::sync::Mutex<VecDeque<Start>>>,
    ) -> LineCounter {
        LineCounter {
            inner,
            state: Scan::Between,
            line: 1,
            after_cr: false,
            starts,
            record_bytes: 0,
            cells: 0,
            cutting: false,
            raw: vec![0; 64 * 1024],
            out: Vec::with_capacity(64 * 1024),
            out_at: 0,
        }
    }

    /// Follows `bytes`, noting the line each record starts on, and appends to `self.out`
    /// what the CSV reader is to see. Runs of bytes that cannot change the state (inside
    /// quotes up to the next `"`, inside a field up to the next separator or line end) are
    /// skipped with memchr.
    fn scan(&mut self, bytes: &[u8], starts: &mut VecDeque<Start>) {
        let mut i = 0;
        while i < bytes.len() {
            let run = match self.state {
                Scan::Quoted => memchr::memchr(b'"', &bytes[i..]),
                Scan::Unquoted => memchr::memchr3(b',', b'\n', b'\r', &bytes[i..]),
                _ => Some(0),
            }
            .unwrap_or(bytes.len() - i);
            if run > 0 {
                let seg = &bytes[i..i + run];
                if self.state == Scan::Quoted {
                    // Only line ends move the line count: inside quotes they count; a run
                    // outside quotes holds none.
                    self.count_lines(seg);
                } else {
                    self.after_cr = false;
                }
                self.keep(seg, starts);
                i += run;
                continue;
            }
            self.step(bytes[i], starts);
            i += 1;
        }
    }

    /// Passes `seg` (bytes inside a record that do not change the state) on, up to the
    /// record's limit.
    fn keep(&mut self, seg: &[u8], starts: &mut VecDeque<Start>) {
        if self.cutting {
            return;
        }
        let room = MAX_RECORD_BYTES.saturating_sub(self.record_bytes);
        if seg.len() <= room {
            self.out.extend_from_slice(seg);
            self.record_bytes += seg.len();
        } else {
            self.out.extend_from_slice(&seg[..room]);
            self.cut(Cut::Bytes, starts);
        }
    }

    /// Cuts the record being read: its quotes are closed for the reader, and the rest of it
    /// is dropped up to its end.
    fn cut(&mut self, why: Cut, starts: &mut VecDeque<Start>) {
        if self.state == Scan::Quoted {
            self.out.push(b'"');
        }
        if let Some(s) = starts.back_mut() {
            s.cut = Some(why);
        }
        self.cutting = true;
    }

    /// Counts the line ends of `run` (`\r\n` once).
    fn count_lines(&mut self, run: &[u8]) {
        for &b in run {
            match b {
                b'\n' if self.after_cr => {}
                b'\n' | b'\r' => self.line += 1,
                _ => {}
            }
            self.after_cr = b == b'\r';
        }
    }

    fn step(&mut self, b: u8, starts: &mut VecDeque<Start>) {
        let line_end = b == b'\n' || b == b'\r';
        if self.state == Scan::Between && !line_end {
            starts.push_back(Start {
                line: self.line,
                cut: None,
            });
            self.state = Scan::FieldStart;
            self.record_bytes = 0;
            self.cells = 1;
        }
        let before = self.state;
        let after = match (before, b) {
            (Scan::Between, _) => Scan::Between,
            (Scan::Quoted, b'"') => Scan::QuoteInQuoted,
            (Scan::Quoted, _) => Scan::Quoted,
            (Scan::QuoteInQuoted, b'"') => Scan::Quoted,
            (Scan::FieldStart, b'"') => Scan::Quoted,
            (_, b',') => Scan::FieldStart,
            (_, b'\n' | b'\r') => Scan::Between,
            _ => Scan::Unquoted,
        };
        self.count_lines(&[b]);
        let ended = before != Scan::Between && after == Scan::Between;
        if self.cutting {
            // The end of a cut record reaches the reader; nothing else of it does.
            self.state = after;
            if ended {
                self.cutting = false;
                self.out.push(b);
            }
            return;
        }
        let mut over = None;
        if after == Scan::FieldStart && b == b',' {
            self.cells += 1;
            if self.cells > MAX_CELLS_PER_ROW {
                over = Some(Cut::Cells);
            }
        }
        if after != Scan::Between && self.record_bytes >= MAX_RECORD_BYTES {
            over = over.or(Some(Cut::Bytes));
        }
        if let Some(why) = over {
            // Cut before `b`, in the state the reader is in.
            self.cut(why, starts);
            self.state = after;
            return;
        }
        self.state = after;
        if after != Scan::Between {
            self.record_bytes += 1;
        }
        self.out.push(b);
    }
}

impl std::io::Read for LineCounter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.out_at < self.out.len() {
                let n = buf.len().min(self.out.len() - self.out_at);
                buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
                self.out_at += n;
                return Ok(n);
            }
            if buf.is_empty() {
                return Ok(0);
            }
            self.out.clear();
            self.out_at = 0;
            let n = self.inner.read(&mut self.raw)?;
            if n == 0 {
                return Ok(0);
            }
            let raw = std::mem::take(&mut self.raw);
            let starts = self.starts.clone();
            if let Ok(mut starts) = starts.lock() {
                self.scan(&raw[..n], &mut starts);
            }
            self.raw = raw;
        }
    }
}

/// The line of each record, in the order the records are read.
#[derive(Clone, Default)]
struct Lines {
    starts: std::sync::Arc<std::sync::Mutex<VecDeque<Start>>>,
    last: usize,
}

impl Lines {
    /// The line the next record starts on, and whether it was cut.
    fn next_line(&mut self) -> (usize, Option<Cut>) {
        let next = self.starts.lock().ok().and_then(|mut s| s.pop_front());
        self.last = next.map_or(self.last + 1, |s| s.line);
        (self.last, next.and_then(|s| s.cut))
    }
}

/// One opened CSV file of one entity, positioned after its header.
pub struct CsvTable {
    reader: csv::Reader<Box<dyn std::io::Read + Send>>,
    lines: Lines,
    pub file: String,
    pub header: Header,
    record: csv::ByteRecord,
    /// Rows read while looking for the header that come after it.
    pending: VecDeque<(usize, Option<Cut>, csv::ByteRecord)>,
    /// Whether the record in `record` was cut short (see [`LineCounter`]).
    cut: Option<Cut>,
    decoded: bool,
    encoding: &'static str,
    lang: Lang,
}

struct ByteCells<'a> {
    record: &'a csv::ByteRecord,
    decoded: bool,
    encoding: &'static str,
    lang: Lang,
}

impl Cells for ByteCells<'_> {
    fn count(&self) -> usize {
        self.record.len()
    }

    fn text(&self, i: usize) -> Result<&str, String> {
        let bytes = self.record.get(i).unwrap_or(b"");
        let text = std::str::from_utf8(bytes).map_err(|_| msg!(self.lang, CELL_NOT_UTF8))?;
        if self.decoded && text.contains('\u{fffd}') {
            return Err(msg!(self.lang, CELL_BAD_BYTES, self.encoding));
        }
        Ok(text)
    }
}

/// How much of each cell of the first rows the header search looks at.
const HEADER_CELL_BYTES: usize = 1024;

/// Why a cut record is an error.
fn cut_message(lang: Lang, cut: Cut) -> String {
    match cut {
        Cut::Bytes => msg!(lang, RECORD_TOO_LARGE, MAX_RECORD_BYTES),
        Cut::Cells => msg!(lang, ROW_TOO_MANY_CELLS, MAX_CELLS_PER_ROW),
    }
}

/// The cells of a record that was cut short: only its key and parent cells read (for the
/// error to name the record and join it), every other cell fails with the reason.
struct CutCells<'a> {
    cells: &'a dyn Cells,
    keep: [Option<usize>; 2],
    width: usize,
    why: String,
}

impl<'a> CutCells<'a> {
    fn new(header: &Header, cells: &'a dyn Cells, why: String) -> CutCells<'a> {
        CutCells {
            cells,
            keep: [header.key_col, header.parent_col],
            width: header.names.len(),
            why,
        }
    }
}

impl Cells for CutCells<'_> {
    fn count(&self) -> usize {
        self.cells.count().min(self.width)
    }

    fn text(&self, i: usize) -> Result<&str, String> {
        if self.keep.contains(&Some(i)) {
            self.cells.text(i)
        } else {
            Err(self.why.clone())
        }
    }
}

fn csv_error(lang: Lang, file: &str, e: csv::Error) -> LoadError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => LoadError::new(msg!(lang, CANNOT_READ, file, io)),
        other => LoadError::new(msg!(lang, CSV_UNREADABLE, file, line, format!("{other:?}"))),
    }
}

type Opened = (
    csv::Reader<Box<dyn std::io::Read + Send>>,
    Lines,
    bool,
    &'static str,
);

fn open_reader(
    lang: Lang,
    path: &str,
    file: &str,
    encoding: Option<&str>,
) -> Result<Opened, LoadError> {
    let input = text::open(lang, path, file, encoding, "CSV")?;
    let lines = Lines::default();
    let counted: Box<dyn std::io::Read + Send> =
        Box::new(LineCounter::new(input.reader, lines.starts.clone()));
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(64 * 1024)
        .from_reader(counted);
    Ok((reader, lines, input.decoded, input.encoding.name()))
}

/// How a CSV table is opened: which entities it may hold, and what the officer fixed.
pub struct TableSpec<'a> {
    pub path: &'a str,
    pub name: &'a str,
    /// The entities the file may hold, the likeliest first, each with its parent link.
    pub candidates: &'a [(usize, Option<ParentLink>)],
    pub header_row: Option<usize>,
    pub mapping: &'a Mapping,
    pub encoding: Option<&'a str>,
    pub layouts: &'a super::Layouts,
}

impl CsvTable {
    /// Opens a CSV file, finds its header among the first rows and maps it to the best
    /// fitting of the candidate entities.
    pub fn open(
        cols: &ColumnIndex,
        lang: Lang,
        spec: &TableSpec<'_>,
        notes: &mut Vec<String>,
    ) -> Result<CsvTable, LoadError> {
        let file = spec.name;
        let (mut reader, mut lines, decoded, encoding) =
            open_reader(lang, spec.path, file, spec.encoding)?;
        let mut read: Vec<(usize, Option<Cut>, csv::ByteRecord)> = Vec::new();
        let mut texts: Vec<(usize, Vec<String>)> = Vec::new();
        let mut record = csv::ByteRecord::new();
        // Why some cell of the first rows is not text: the likelier cause of a missing header.
        let mut undecodable: Option<String> = None;
        let wanted = rows_to_scan(spec.candidates, spec.header_row, spec.mapping);
        let mut problems = Vec::new();
        while texts.len() < wanted {
            if !reader
                .read_byte_record(&mut record)
                .map_err(|e| csv_error(lang, file, e))?
            {
                break;
            }
            let (line, cut) = lines.next_line();
            let cells = ByteCells {
                record: &record,
                decoded,
                encoding,
                lang,
            };
            if !Header::is_blank(&cells) {
                // A header's cells are short: a long cell is looked at by its start only.
                let row: Vec<String> = (0..cells.count().min(MAX_CELLS_PER_ROW))
                    .map(|i| match cells.text(i) {
                        Ok(t) => t[..t.floor_char_boundary(HEADER_CELL_BYTES)].to_string(),
                        Err(why) => {
                            undecodable.get_or_insert(why);
                            String::new()
                        }
                    })
                    .collect();
                texts.push((line, row));
            }
            read.push((line, cut, record.clone()));
        }
        if read.is_empty() {
            return Err(
                LoadError::new(msg!(lang, EMPTY_FILE, file)).with_help(msg!(lang, EMPTY_FILE_HELP))
            );
        }
        let found = find_header(
            cols,
            lang,
            file,
            spec.candidates,
            &texts,
            spec.header_row,
            spec.mapping,
            notes,
            spec.layouts.gathers_unknown().then_some(&mut problems),
        )?;
        let Some(mut header) = found else {
            let entity = spec.candidates.first().map(|c| c.0).unwrap_or(0);
            let e = no_header(cols.rules(), lang, file, entity);
            return Err(match undecodable {
                Some(why) => e.with_help(why),
                None => e,
            });
        };
        header.survey_into(spec.layouts);
        spec.layouts.push(super::TableLayout {
            file: file.to_string(),
            sheet: None,
            entity: header.entity,
            header_rows: (header.first_row, header.header_row),
            columns: header.columns.clone(),
            problems,
        });
        // The rows after the header, blank ones included, are read again as data.
        let pending: VecDeque<(usize, Option<Cut>, csv::ByteRecord)> = read
            .into_iter()
            .filter(|(line, _, _)| *line > header.header_row)
            .collect();
        Ok(CsvTable {
            reader,
            lines,
            file: file.to_string(),
            header,
            record,
            pending,
            cut: None,
            decoded,
            encoding,
            lang,
        })
    }

    /// Reads the next row into `self.record`; its line, or `None` at the end of the file.
    fn advance(&mut self) -> Result<Option<usize>, LoadError> {
        if let Some((line, cut, rec)) = self.pending.pop_front() {
            self.record = rec;
            self.cut = cut;
            return Ok(Some(line));
        }
        if !self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| csv_error(self.lang, &self.file, e))?
        {
            return Ok(None);
        }
        let (line, cut) = self.lines.next_line();
        self.cut = cut;
        Ok(Some(line))
    }

    fn cells(&self) -> ByteCells<'_> {
        ByteCells {
            record: &self.record,
            decoded: self.decoded,
            encoding: self.encoding,
            lang: self.lang,
        }
    }

    /// The next row (blank ones too, which the header marks skipped), or `None` at the end.
    pub fn next_row(&mut self, rules: &RuleSet) -> Result<Option<TableRow>, LoadError> {
        let Some(line) = self.advance()? else {
            return Ok(None);
        };
        let cells = self.cells();
        Ok(Some(match self.cut {
            None => self.header.row(rules, line, &cells),
            Some(cut) => {
                let why = cut_message(self.lang, cut);
                let mut row = self.header.row(
                    rules,
                    line,
                    &CutCells::new(&self.header, &cells, why.clone()),
                );
                if row.skip.is_none() {
                    // The row as a whole is to blame, not one of its cells.
                    row.result = Err(BadRow {
                        column: None,
                        value: None,
                        message: why,
                    });
                }
                row
            }
        }))
    }

    /// Reads the whole file as an item table for the join.
    pub fn into_items(self, rules: &RuleSet, link: ParentLink) -> Result<ItemTable, LoadError> {
        let CsvTable {
            mut reader,
            mut lines,
            file,
            header,
            mut record,
            mut pending,
            cut: _,
            decoded,
            encoding,
            lang,
        } = self;
        let mut items = ItemTable::new(header, link, &file, None, lang).fill_down();
        loop {
            let (line, cut) = match pending.pop_front() {
                Some((line, cut, rec)) => {
                    record = rec;
                    (line, cut)
                }
                None => {
                    if !reader
                        .read_byte_record(&mut record)
                        .map_err(|e| csv_error(lang, &file, e))?
                    {
                        break;
                    }
                    lines.next_line()
                }
            };
            let cells = ByteCells {
                record: &record,
                decoded,
                encoding,
                lang,
            };
            match cut {
                None => items.push(rules, line, &cells)?,
                Some(cut) => {
                    let header = &items.header;
                    let cut = CutCells::new(header, &cells, cut_message(lang, cut));
                    items.push(rules, line, &cut)?
                }
            }
        }
        items.finish()?;
        Ok(items)
    }
}

/// A CSV file of top-level records, with the item tables joined to it.
pub struct CsvSource<'r> {
    rules: &'r RuleSet,
    table: CsvTable,
    file_index: usize,
    joins: Vec<ItemTable>,
    queue: VecDeque<Item>,
    done: bool,
    blank: usize,
    notes: Vec<String>,
    lang: Lang,
}

impl<'r> CsvSource<'r> {
    /// A source over an opened parent table and the item tables read ahead for it.
    pub fn new(
        rules: &'r RuleSet,
        lang: Lang,
        table: CsvTable,
        file_index: usize,
        joins: Vec<ItemTable>,
        notes: Vec<String>,
    ) -> CsvSource<'r> {
        CsvSource {
            rules,
            table,
            file_index,
            joins,
            queue: VecDeque::new(),
            done: false,
            blank: 0,
            notes,
            lang,
        }
    }

    /// Reads one parent row with its items (or, at the end, what is left of the item tables).
    fn advance(&mut self) -> Result<(), LoadError> {
        let rules = self.rules;
        let lang = self.lang;
        let Some(row) = self.table.next_row(rules)? else {
            for join in &mut self.joins {
                join.rest(rules, &mut self.queue, &mut self.notes)?;
            }
            note_blank_rows(lang, &self.table.file, self.blank, &mut self.notes);
            self.done = true;
            return Ok(());
        };
        if row.skip == Some(SkipReason::Blank) {
            self.blank += 1;
        }
        attach(
            rules,
            lang,
            &self.table.header,
            &self.table.file,
            None,
            self.file_index,
            row,
            &mut self.joins,
            &mut self.queue,
            &mut self.notes,
        )
    }
}

impl RecordSource for CsvSource<'_> {
    fn next_batch(&mut self, max: usize, out: &mut Vec<Item>) -> Result<bool, LoadError> {
        let mut n = 0;
        while n < max {
            if let Some(item) = self.queue.pop_front() {
                out.push(item);
                n += 1;
            } else if self.done {
                break;
            } else {
                self.advance()?;
            }
        }
        Ok(!(self.done && self.queue.is_empty()))
    }

    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }
}

#[cfg(test)]
mod tests {
    use crate::data::source::{Item, SkipReason};
    use crate::data::table::tests::beijing;
    use crate::data::{open_inputs, DataSpec, InputOptions};
    use crate::ir::Value;

    struct Dir(std::path::PathBuf);
    impl Dir {
        fn new(tag: &str) -> Dir {
            let d = std::env::temp_dir().join(format!("policyc-csv-{tag}-{}", std::process::id()));
            std::fs::create_dir_all(&d).unwrap();
            Dir(d)
        }
        fn file(&self, name: &str, text: &str) -> String {
            let p = self.0.join(name);
            std::fs::write(&p, text).unwrap();
            p.to_str().unwrap().to_string()
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const FIRMS: &str = "统一社会信用代码,名称,所在区,行业,绩效等级,涉气排放,应急减排清单,涉密\n\
91310110666007217T,甲,朝阳区,家具制造,A,是,黄色,否\n\
91310115591693856A,乙,海淀区,家具制造,B,是,黄色,否\n\
91110111572812549C,丙,房山区,家具制造,C,是,黄色,否\n";

    /// Reads `files` (name, text) through the real input path.
    fn read(
        tag: &str,
        files: &[(&str, &str)],
        options: InputOptions,
    ) -> Result<(Vec<Item>, Vec<String>), crate::data::source::LoadError> {
        let rules = beijing();
        let dir = Dir::new(tag);
        let specs: Vec<DataSpec> = files
            .iter()
            .map(|(n, t)| DataSpec::parse(&dir.file(n, t)))
            .collect();
        let mut names = Vec::new();
        let options = InputOptions {
            lang: crate::messages::Lang::En,
            ..options
        };
        let mut src = open_inputs(&rules, &specs, &options, &mut names)?;
        let mut out = Vec::new();
        while src.next_batch(2, &mut out)? {}
        let notes = src.take_warnings();
        Ok((out, notes))
    }

    fn machines_of(item: &Item) -> usize {
        match item {
            Item::Record(r) => r
                .record
                .values
                .iter()
                .find_map(|v| match v {
                    Value::List(l) if !l.is_empty() => Some(l.len()),
                    _ => None,
                })
                .unwrap_or(0),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn items_join_in_any_order_with_orphans_after_the_parents() {
        let machines = "统一社会信用代码,编号,动力\n\
91110111572812549C,M3,燃气\n\
91310110666007217T,M1,燃油\n\
91110105MA0000000Y,X1,燃油\n\
91310110666007217T,M2,纯电动\n";
        let (items, _) = read(
            "any-order",
            &[("企业.csv", FIRMS), ("机械.csv", machines)],
            InputOptions::default(),
        )
        .unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(machines_of(&items[0]), 2);
        assert_eq!(machines_of(&items[1]), 0);
        assert_eq!(machines_of(&items[2]), 1);
        let Item::Error(e) = &items[3] else {
            panic!("the orphan comes last: {:?}", items[3])
        };
        assert_eq!(e.row, 4);
        assert!(
            e.message
                .contains("no parent record with key 91110105MA0000000Y"),
            "{}",
            e.message
        );
    }

    #[test]
    fn an_item_key_repeated_under_its_parent_fails_it_however_many_items_it_has() {
        for n in [3, 40] {
            let mut machines = String::from("统一社会信用代码,编号,动力\n");
            for i in 0..n {
                machines.push_str(&format!("91310110666007217T,M{i},燃油\n"));
            }
            machines.push_str("91310115591693856A,M1,燃油\n91310110666007217T,M1,纯电动\n");
            let (items, _) = read(
                &format!("dup-items-{n}"),
                &[("企业.csv", FIRMS), ("机械.csv", &machines)],
                InputOptions::default(),
            )
            .unwrap();
            let Item::Error(e) = &items[0] else {
                panic!("{:?}", items[0])
            };
            assert_eq!(e.row, n + 3, "the repeated row");
            assert!(
                e.message
                    .contains("机械 M1 appears twice under 企业 91310110666007217T")
                    && e.message.contains("row 3 has it already"),
                "{}",
                e.message
            );
            assert_eq!(machines_of(&items[n + 1]), 1, "the other firm keeps its M1");
        }
    }

    #[test]
    fn a_bad_item_fails_its_parent_and_the_parents_other_items_are_skipped() {
        let machines =
            "统一社会信用代码,编号,动力\n91310115591693856A,M1,燃油\n91310115591693856A,M2,柴油X\n";
        let (items, notes) = read(
            "bad-item",
            &[("企业.csv", FIRMS), ("机械.csv", machines)],
            InputOptions::default(),
        )
        .unwrap();
        assert_eq!(items.len(), 4, "{items:?}");
        let Item::Error(e) = &items[1] else {
            panic!("{:?}", items[1])
        };
        assert_eq!((e.row, e.column.as_deref()), (3, Some("动力")));
        assert!(e.file.ends_with("机械.csv"), "{}", e.file);
        assert_eq!(e.entity, "企业");
        assert_eq!(e.key.as_deref(), Some("91310115591693856A"));
        let Item::Skipped(s) = &items[2] else {
            panic!("{:?}", items[2])
        };
        assert_eq!(s.row, 2);
        assert!(
            matches!(&s.reason, SkipReason::ParentFailed { row: 3, .. }),
            "{s:?}"
        );
        assert!(
            notes
                .iter()
                .any(|n| n.contains("row 2") && n.contains("skipped")),
            "{notes:?}"
        );
    }

    #[test]
    fn row_numbers_are_lines_with_crlf_blank_rows_and_title_rows() {
        let firms = "某区应急减排清单,,,,,,,\r\n\
统一社会信用代码,名称,所在区,行业,绩效等级,涉气排放,应急减排清单,涉密\r\n\
91310110666007217T,\"two\r\nlines\",朝阳区,家具制造,A,是,黄色,否\r\n\
,,,,,,,\r\n\
\r\n\
91310115591693856A,乙,海淀区,家具制造,Z,是,黄色,否\r\n\
合计,共2家,,,,,,\r\n";
        let (items, notes) =
            read("lines", &[("企业.csv", firms)], InputOptions::default()).unwrap();
        let errors: Vec<_> = items
            .iter()
            .filter_map(|i| match i {
                Item::Error(e) => Some(e),
                _ => None,
            })
            .collect();
        assert_eq!(errors.len(), 1, "{items:?}");
        assert_eq!(errors[0].row, 7, "the line the officer sees");
        assert_eq!(errors[0].column.as_deref(), Some("绩效等级"));
        let skipped = items
            .iter()
            .filter(|i| matches!(i, Item::Skipped(_)))
            .count();
        assert!(skipped >= 2, "the blank and the total rows: {items:?}");
        assert!(
            notes
                .iter()
                .any(|n| n.contains("row 8") && n.contains("合计")),
            "{notes:?}"
        );
    }

    /// The line of each record, with the input handed over `chunk` bytes at a time.
    fn record_lines(text: &str, chunk: usize) -> Vec<usize> {
        starts_of(text, chunk)
            .0
            .into_iter()
            .map(|s| s.line)
            .collect()
    }

    /// The record starts of `text` handed over `chunk` bytes at a time, and what the CSV
    /// reader is given.
    fn starts_of(text: &str, chunk: usize) -> (Vec<super::Start>, Vec<u8>) {
        use super::LineCounter;
        let mut c = LineCounter::new(Box::new(std::io::empty()), Default::default());
        let mut starts = std::collections::VecDeque::new();
        for part in text.as_bytes().chunks(chunk) {
            c.scan(part, &mut starts);
        }
        (starts.into_iter().collect(), c.out)
    }

    #[test]
    fn records_past_the_limits_are_cut_and_marked() {
        use super::Cut;
        use crate::limits::{MAX_CELLS_PER_ROW, MAX_RECORD_BYTES};
        let big = "x".repeat(MAX_RECORD_BYTES + 10);
        let wide = ",".repeat(MAX_CELLS_PER_ROW + 5);
        let text = format!("a,b\n1,\"{big}\n\"\n2,{big}\n{wide}\n3,c\n");
        for chunk in [7, 4096, 1 << 20] {
            let (starts, out) = starts_of(&text, chunk);
            let got: Vec<_> = starts.iter().map(|s| (s.line, s.cut)).collect();
            assert_eq!(
                got,
                [
                    (1, None),
                    (2, Some(Cut::Bytes)),
                    (4, Some(Cut::Bytes)),
                    (5, Some(Cut::Cells)),
                    (6, None)
                ],
                "chunks of {chunk}"
            );
            // The reader gets each record up to its limit, quotes closed, and every record end.
            assert!(out.len() < 2 * MAX_RECORD_BYTES + MAX_CELLS_PER_ROW + 100);
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(&out[..]);
            let records: Vec<_> = r.byte_records().map(|r| r.unwrap()).collect();
            assert_eq!(records.len(), 5);
            assert_eq!(
                records[1].get(1).map(<[u8]>::len),
                Some(MAX_RECORD_BYTES - 3)
            );
            assert_eq!(records[3].len(), MAX_CELLS_PER_ROW);
            assert_eq!(&records[4][1], b"c");
        }
    }

    #[test]
    fn record_lines_do_not_depend_on_how_the_input_is_cut() {
        let text = "a,b\r\n1,\"x\r\ny\"\r\n,\r\n\r\n2,\"q\"\"\n\"\n\r3,z\n";
        let whole = record_lines(text, text.len());
        assert_eq!(
            whole,
            [1, 2, 4, 6, 9],
            "a lone CR ends line 8, an empty one"
        );
        for chunk in 1..8 {
            assert_eq!(record_lines(text, chunk), whole, "chunks of {chunk}");
        }
    }

    #[test]
    fn the_header_row_can_be_given() {
        let firms = format!("说明：请勿改动表头\n{FIRMS}");
        let options = InputOptions {
            header_row: Some(2),
            ..InputOptions::default()
        };
        let (items, _) = read("header-row", &[("企业.csv", &firms)], options).unwrap();
        assert_eq!(items.len(), 3);
        assert!(
            items.iter().all(|i| matches!(i, Item::Record(_))),
            "{items:?}"
        );
    }
}
