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
use super::table::{find_header, no_header, rows_to_scan, Cells, Header, ParentLink, TableRow};
use super::text;
use crate::ir::RuleSet;
use crate::messages::Lang;
use crate::msg;

/// Finds the line each record starts on as the CSV reader pulls the text, so that a
/// record's row is the line a spreadsheet shows whatever it holds (quoted line breaks) and
/// whatever lies between records (empty lines, which the CSV reader passes over unseen).
/// The CSV reader's own positions do not say this once lines end in CRLF.
///
/// It follows the same grammar as the reader: a record starts at a byte that is not a line
/// end; a field that starts with `"` runs to the closing `"` (`""` inside is a quote); a
/// line end outside quotes ends the record. `\n`, `\r\n` and a lone `\r` each end a line.
struct LineCounter {
    inner: Box<dyn std::io::Read + Send>,
    state: Scan,
    /// The current line, 1-based.
    line: usize,
    /// The last byte was a `\r` (a `\n` right after it ends the same line).
    after_cr: bool,
    starts: std::sync::Arc<std::sync::Mutex<VecDeque<usize>>>,
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
    /// Follows `bytes`, noting the line each record starts on. Runs of bytes that cannot
    /// change the state (inside quotes up to the next `"`, inside a field up to the next
    /// separator or line end) are skipped with memchr.
    fn scan(&mut self, bytes: &[u8], starts: &mut VecDeque<usize>) {
        let mut i = 0;
        while i < bytes.len() {
            let skip = match self.state {
                Scan::Quoted => memchr::memchr(b'"', &bytes[i..]),
                Scan::Unquoted => memchr::memchr3(b',', b'\n', b'\r', &bytes[i..]),
                _ => Some(0),
            };
            match skip {
                Some(n) => i += n,
                None => {
                    // Only line ends move the line count: a run outside quotes that reaches
                    // the end of the chunk holds none; inside quotes they still count.
                    if self.state == Scan::Quoted {
                        self.count_lines(&bytes[i..]);
                    } else if i < bytes.len() {
                        self.after_cr = false;
                    }
                    return;
                }
            }
            if self.state == Scan::Quoted {
                // The run up to the quote may hold line ends of a quoted cell.
                let run_start = i - skip.unwrap_or(0);
                self.count_lines(&bytes[run_start..i]);
            }
            self.step(bytes[i], starts);
            i += 1;
        }
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

    fn step(&mut self, b: u8, starts: &mut VecDeque<usize>) {
        let line_end = b == b'\n' || b == b'\r';
        if self.state == Scan::Between && !line_end {
            starts.push_back(self.line);
            self.state = Scan::FieldStart;
        }
        self.state = match (self.state, b) {
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
    }
}

impl std::io::Read for LineCounter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let starts = self.starts.clone();
        if let Ok(mut starts) = starts.lock() {
            self.scan(&buf[..n], &mut starts);
        }
        Ok(n)
    }
}

/// The line of each record, in the order the records are read.
#[derive(Clone, Default)]
struct Lines {
    starts: std::sync::Arc<std::sync::Mutex<VecDeque<usize>>>,
    last: usize,
}

impl Lines {
    fn next_line(&mut self) -> usize {
        let next = self.starts.lock().ok().and_then(|mut s| s.pop_front());
        self.last = next.unwrap_or(self.last + 1);
        self.last
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
    pending: VecDeque<(usize, csv::ByteRecord)>,
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
    let counted: Box<dyn std::io::Read + Send> = Box::new(LineCounter {
        inner: input.reader,
        state: Scan::Between,
        line: 1,
        after_cr: false,
        starts: lines.starts.clone(),
    });
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
        let mut read: Vec<(usize, csv::ByteRecord)> = Vec::new();
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
            let line = lines.next_line();
            let cells = ByteCells {
                record: &record,
                decoded,
                encoding,
                lang,
            };
            if !Header::is_blank(&cells) {
                let row: Vec<String> = (0..cells.count())
                    .map(|i| match cells.text(i) {
                        Ok(t) => t.to_string(),
                        Err(why) => {
                            undecodable.get_or_insert(why);
                            String::new()
                        }
                    })
                    .collect();
                texts.push((line, row));
            }
            read.push((line, record.clone()));
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
        let pending: VecDeque<(usize, csv::ByteRecord)> = read
            .into_iter()
            .filter(|(line, _)| *line > header.header_row)
            .collect();
        Ok(CsvTable {
            reader,
            lines,
            file: file.to_string(),
            header,
            record,
            pending,
            decoded,
            encoding,
            lang,
        })
    }

    /// Reads the next row into `self.record`; its line, or `None` at the end of the file.
    fn advance(&mut self) -> Result<Option<usize>, LoadError> {
        if let Some((line, rec)) = self.pending.pop_front() {
            self.record = rec;
            return Ok(Some(line));
        }
        if !self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| csv_error(self.lang, &self.file, e))?
        {
            return Ok(None);
        }
        Ok(Some(self.lines.next_line()))
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
        Ok(Some(self.header.row(rules, line, &self.cells())))
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
            decoded,
            encoding,
            lang,
        } = self;
        let mut items = ItemTable::new(header, link, &file, None, lang).fill_down();
        loop {
            let line = match pending.pop_front() {
                Some((line, rec)) => {
                    record = rec;
                    line
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
            items.push(rules, line, &cells)?;
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
        use super::{LineCounter, Scan};
        let mut c = LineCounter {
            inner: Box::new(std::io::empty()),
            state: Scan::Between,
            line: 1,
            after_cr: false,
            starts: Default::default(),
        };
        let mut starts = std::collections::VecDeque::new();
        for part in text.as_bytes().chunks(chunk) {
            c.scan(part, &mut starts);
        }
        starts.into_iter().collect()
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
