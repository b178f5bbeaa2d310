//! CSV input, streamed: rows are read one at a time (the `csv` crate, fed through the
//! decoding reader of [`super::text`]), so memory stays flat however long the file is.
//!
//! Row numbers are lines of the file, 1-based, the header being row 1: the row of a record
//! is the line it starts on (a quoted cell may span lines).
//!
//! Items of a list field (a firm's machines) come in a file of their own, with a column that
//! names the parent's key. They are joined in streaming order: the item file must list each
//! parent's items together and in the parent file's order, as exports do. A second reader
//! walks the parent file's keys ahead of the join (when it is a file, not standard input), so
//! an item whose parent never appears is recognised where it stands (`ParentIndex`).

use std::collections::{HashSet, VecDeque};
use std::hash::Hasher;

use super::json::ColumnIndex;
use super::source::{Item, LoadError, RecordSource};
use super::table::{BadRow, Cells, Header, ParentLink, TableRow};
use super::text;
use super::{LoadedRecord, RowError};
use crate::ir::{RuleSet, Value};

/// One opened CSV file of one entity, positioned after its header.
pub struct CsvTable {
    reader: csv::Reader<Box<dyn std::io::Read + Send>>,
    pub file: String,
    pub header: Header,
    record: csv::ByteRecord,
    decoded: bool,
    encoding: &'static str,
}

struct ByteCells<'a> {
    record: &'a csv::ByteRecord,
    decoded: bool,
    encoding: &'static str,
}

impl Cells for ByteCells<'_> {
    fn count(&self) -> usize {
        self.record.len()
    }

    fn text(&self, i: usize) -> Result<&str, String> {
        let bytes = self.record.get(i).unwrap_or(b"");
        let text = std::str::from_utf8(bytes).map_err(|_| {
            "the cell is not UTF-8 text (if the file is GB18030, pass --encoding gb18030)"
                .to_string()
        })?;
        if self.decoded && text.contains('\u{fffd}') {
            return Err(format!(
                "the cell holds bytes that are not valid {} text",
                self.encoding
            ));
        }
        Ok(text)
    }
}

fn csv_error(file: &str, e: csv::Error) -> LoadError {
    let at = e
        .position()
        .map(|p| format!(" at row {}", p.line()))
        .unwrap_or_default();
    match e.into_kind() {
        csv::ErrorKind::Io(io) => {
            LoadError::new(format!("cannot read data file `{file}`{at}: {io}"))
        }
        other => LoadError::new(format!("{file}: not readable as CSV{at}: {other:?}")),
    }
}

type Opened = (
    csv::Reader<Box<dyn std::io::Read + Send>>,
    bool,
    &'static str,
);

fn open_reader(path: &str, file: &str, encoding: Option<&str>) -> Result<Opened, LoadError> {
    let input = text::open(path, file, encoding, "CSV")?;
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(64 * 1024)
        .from_reader(input.reader);
    Ok((reader, input.decoded, input.encoding.name()))
}

impl CsvTable {
    /// Opens `path` as a table of `entity` and maps its header. `parent` is set for item files.
    pub fn open(
        cols: &ColumnIndex,
        path: &str,
        file: &str,
        entity: usize,
        parent: Option<ParentLink>,
        encoding: Option<&str>,
        warnings: &mut Vec<String>,
    ) -> Result<CsvTable, LoadError> {
        let (mut reader, decoded, encoding) = open_reader(path, file, encoding)?;
        let mut record = csv::ByteRecord::new();
        if !reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(file, e))?
        {
            return Err(LoadError::new(format!(
                "{file}: the file is empty; expected a header row"
            ))
            .with_help("the first row of a CSV file names its columns"));
        }
        let cells = ByteCells {
            record: &record,
            decoded,
            encoding,
        };
        let mut names = Vec::with_capacity(record.len());
        for i in 0..record.len() {
            names.push(
                cells
                    .text(i)
                    .map_err(|why| LoadError::new(format!("{file}: header row: {why}")))?
                    .to_string(),
            );
        }
        let header = Header::new(cols, file, entity, names, parent, warnings)?;
        Ok(CsvTable {
            reader,
            file: file.to_string(),
            header,
            record,
            decoded,
            encoding,
        })
    }

    /// The next non-blank row, or `None` at the end of the file.
    pub fn next_row(&mut self, rules: &RuleSet) -> Result<Option<TableRow>, LoadError> {
        loop {
            if !self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(&self.file, e))?
            {
                return Ok(None);
            }
            let row = self
                .record
                .position()
                .map(|p| p.line() as usize)
                .unwrap_or(0);
            let cells = ByteCells {
                record: &self.record,
                decoded: self.decoded,
                encoding: self.encoding,
            };
            if Header::is_blank(&cells) {
                continue;
            }
            return Ok(Some(self.header.row(rules, row, &cells)));
        }
    }
}

/// The hash a parent key is remembered by: FNV-1a, 64 bits. Keys come from the user's own
/// files and the sets never leave the process, so a fast non-keyed hash is enough.
fn key_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Hashes the already-hashed keys no further.
#[derive(Default, Clone, Copy)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | *b as u64;
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A set of key hashes.
type KeySet = HashSet<u64, std::hash::BuildHasherDefault<IdentityHasher>>;

/// Values produced on a thread of their own and handed over in batches: parsing an item file,
/// or walking the parent file's keys, overlaps parsing the parents.
struct Prefetch<T> {
    batches: std::sync::mpsc::Receiver<Result<Vec<T>, LoadError>>,
    buffered: std::vec::IntoIter<T>,
    done: bool,
}

/// Values handed over per message.
const PREFETCH_BATCH: usize = 1024;

impl<T: Send + 'static> Prefetch<T> {
    /// Runs `produce` until it yields `None` or an error, or until the receiver is dropped.
    fn spawn(
        mut produce: impl FnMut() -> Result<Option<T>, LoadError> + Send + 'static,
    ) -> Prefetch<T> {
        let (tx, batches) = std::sync::mpsc::sync_channel(8);
        std::thread::spawn(move || loop {
            let mut batch = Vec::with_capacity(PREFETCH_BATCH);
            while batch.len() < PREFETCH_BATCH {
                match produce() {
                    Ok(Some(value)) => batch.push(value),
                    Ok(None) => break,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
            let last = batch.len() < PREFETCH_BATCH;
            // A closed channel means the consumer is gone: stop.
            if tx.send(Ok(batch)).is_err() || last {
                return;
            }
        });
        Prefetch {
            batches,
            buffered: Vec::new().into_iter(),
            done: false,
        }
    }

    fn next(&mut self) -> Result<Option<T>, LoadError> {
        loop {
            if let Some(value) = self.buffered.next() {
                return Ok(Some(value));
            }
            if self.done {
                return Ok(None);
            }
            match self.batches.recv() {
                Ok(Ok(batch)) => {
                    self.done = batch.len() < PREFETCH_BATCH;
                    self.buffered = batch.into_iter();
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => self.done = true,
            }
        }
    }
}

/// The key column of a parent file, read by a second reader: the hash of each non-empty
/// key and its position among them (1-based).
struct KeyCursor {
    reader: csv::Reader<Box<dyn std::io::Read + Send>>,
    record: csv::ByteRecord,
    file: String,
    key_col: usize,
    decoded: bool,
    position: u64,
    header_skipped: bool,
}

impl KeyCursor {
    fn open(
        path: &str,
        file: &str,
        key_col: usize,
        encoding: Option<&str>,
    ) -> Result<KeyCursor, LoadError> {
        let (reader, decoded, _) = open_reader(path, file, encoding)?;
        Ok(KeyCursor {
            reader,
            record: csv::ByteRecord::new(),
            file: file.to_string(),
            key_col,
            decoded,
            position: 0,
            header_skipped: false,
        })
    }

    /// The next key: (hash, position). Keys are counted as the join counts its parents:
    /// non-empty, valid text.
    fn next(&mut self) -> Result<Option<(u64, u64)>, LoadError> {
        while self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| csv_error(&self.file, e))?
        {
            if !std::mem::replace(&mut self.header_skipped, true) {
                continue;
            }
            let Some(Ok(k)) = self.record.get(self.key_col).map(std::str::from_utf8) else {
                continue;
            };
            let k = k.trim();
            if k.is_empty() || (self.decoded && k.contains('\u{fffd}')) {
                continue;
            }
            self.position += 1;
            return Ok(Some((key_hash(k), self.position)));
        }
        Ok(None)
    }
}

/// Where an item's parent stands relative to the parent being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Later,
    Earlier,
    Nowhere,
}

/// Says where the parent of an item that does not belong to the current parent is.
///
/// For a parent file, a second reader walks its key column ahead of the join: when the
/// items are in parent order and every item has its parent, that is all it takes, in
/// constant memory. The first time a key is not found ahead (an orphan, or an item out of
/// order), every key of the parent file is indexed with its position, and that index
/// answers from then on (about 16 bytes a parent). Standard input cannot be read twice: only
/// the keys already passed are known, and an unknown key is taken to come later.
enum ParentIndex {
    Passed(KeySet),
    Ahead {
        keys: Box<Prefetch<(u64, u64)>>,
        key_col: usize,
        /// The last key found ahead, with its position.
        found: Option<(u64, u64)>,
        /// How to open the parent file again for the full index.
        source: (String, String, Option<String>),
    },
    All(std::collections::HashMap<u64, u64, std::hash::BuildHasherDefault<IdentityHasher>>),
}

impl ParentIndex {
    /// Where the parent with key hash `h` stands, the current parent being at `position`.
    fn place(&mut self, h: u64, position: u64) -> Result<Place, LoadError> {
        loop {
            match self {
                ParentIndex::Passed(set) => {
                    return Ok(if set.contains(&h) {
                        Place::Earlier
                    } else {
                        Place::Later
                    })
                }
                ParentIndex::All(map) => {
                    return Ok(match map.get(&h) {
                        Some(&q) if q <= position => Place::Earlier,
                        Some(_) => Place::Later,
                        None => Place::Nowhere,
                    })
                }
                ParentIndex::Ahead {
                    keys,
                    key_col,
                    found,
                    source,
                } => {
                    if matches!(*found, Some((fh, fq)) if fh == h && fq > position) {
                        return Ok(Place::Later);
                    }
                    while let Some((kh, q)) = keys.next()? {
                        if q > position && kh == h {
                            *found = Some((kh, q));
                            return Ok(Place::Later);
                        }
                    }
                    let (path, file, encoding) = source.clone();
                    let mut all = KeyCursor::open(&path, &file, *key_col, encoding.as_deref())?;
                    let mut map = std::collections::HashMap::default();
                    while let Some((kh, q)) = all.next()? {
                        map.entry(kh).or_insert(q);
                    }
                    *self = ParentIndex::All(map);
                }
            }
        }
    }

    /// Called once the parent with key hash `h` has taken its items.
    fn passed(&mut self, h: u64) {
        if let ParentIndex::Passed(set) = self {
            set.insert(h);
        }
    }
}

/// An item file joined to a parent file in streaming order.
pub struct ItemJoin {
    field: usize,
    rows: Prefetch<TableRow>,
    file: String,
    entity: usize,
    parent_column: Option<String>,
    peek: Option<TableRow>,
    exhausted: bool,
    /// The position (among keyed parents) of the parent being read.
    position: u64,
    parents: ParentIndex,
}

const ORDER_HELP: &str = "sort the item file in the order of the parent file, or use XLSX/JSON";

impl ItemJoin {
    fn fill(&mut self) -> Result<(), LoadError> {
        if self.peek.is_none() && !self.exhausted {
            self.peek = self.rows.next()?;
            self.exhausted = self.peek.is_none();
        }
        Ok(())
    }

    fn orphan(&self, rules: &RuleSet, parent: ParentLink, row: TableRow) -> Item {
        let pinfo = &rules.entities[parent.entity];
        let column = self.parent_column.clone();
        Item::Error(RowError {
            file: self.file.clone(),
            sheet: None,
            value: None,
            entity: rules.entities[self.entity].name.clone(),
            row: row.row,
            column,
            key: row.key,
            message: match &row.parent {
                Some(k) => format!(
                    "no parent record with key {k}: no `{}` of that key was read",
                    pinfo.name
                ),
                None => format!("no parent record: the `{}` cell is empty", pinfo.name),
            },
        })
    }

    fn order_error(
        &self,
        rules: &RuleSet,
        parent: ParentLink,
        row: &TableRow,
        parent_file: &str,
    ) -> LoadError {
        LoadError::new(format!(
            "{}: row {}: the items are not in the order of {parent_file}: this `{}` belongs to `{}` {}, whose record came earlier in {parent_file}",
            self.file,
            row.row,
            rules.entities[self.entity].name,
            rules.entities[parent.entity].name,
            row.parent.as_deref().unwrap_or(""),
        ))
        .with_help(ORDER_HELP)
    }

    /// Takes the items of the parent with raw key `key`; orphans met on the way go to `out`.
    fn take_for(
        &mut self,
        rules: &RuleSet,
        parent: ParentLink,
        parent_file: &str,
        key: Option<&str>,
        out: &mut VecDeque<Item>,
    ) -> Result<Vec<TableRow>, LoadError> {
        let mut items = Vec::new();
        if key.is_some() {
            self.position += 1;
        }
        loop {
            self.fill()?;
            let Some(next) = &self.peek else { break };
            match next.parent.as_deref() {
                None => {
                    let row = self.peek.take().expect("peeked");
                    out.push_back(self.orphan(rules, parent, row));
                }
                Some(k) if Some(k) == key => items.push(self.peek.take().expect("peeked")),
                Some(k) => match self.parents.place(key_hash(k), self.position)? {
                    Place::Earlier => {
                        let next = self.peek.as_ref().expect("peeked");
                        return Err(self.order_error(rules, parent, next, parent_file));
                    }
                    Place::Nowhere => {
                        let row = self.peek.take().expect("peeked");
                        out.push_back(self.orphan(rules, parent, row));
                    }
                    Place::Later => break,
                },
            }
        }
        if let Some(k) = key {
            self.parents.passed(key_hash(k));
        }
        Ok(items)
    }

    /// After the last parent: what is left has no parent, or came too late.
    fn drain(
        &mut self,
        rules: &RuleSet,
        parent: ParentLink,
        parent_file: &str,
        out: &mut VecDeque<Item>,
    ) -> Result<(), LoadError> {
        loop {
            self.fill()?;
            let Some(row) = self.peek.take() else {
                return Ok(());
            };
            if let Some(k) = row.parent.as_deref() {
                // Past the last parent nothing comes later: an earlier parent means disorder.
                if self.parents.place(key_hash(k), u64::MAX)? == Place::Earlier {
                    return Err(self.order_error(rules, parent, &row, parent_file));
                }
            }
            out.push_back(self.orphan(rules, parent, row));
        }
    }
}

/// A CSV file of top-level records, with the item files joined to it.
pub struct CsvSource<'r> {
    rules: &'r RuleSet,
    table: CsvTable,
    file_index: usize,
    joins: Vec<(ParentLink, ItemJoin)>,
    queue: VecDeque<Item>,
    done: bool,
    warnings: Vec<String>,
}

/// An item file to open beside a parent file.
pub struct ItemFile<'a> {
    pub path: &'a str,
    pub name: &'a str,
    pub entity: usize,
    pub link: ParentLink,
}

impl<'r> CsvSource<'r> {
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        rules: &'r RuleSet,
        path: &str,
        file: &str,
        file_index: usize,
        entity: usize,
        items: &[ItemFile<'_>],
        encoding: Option<&str>,
    ) -> Result<CsvSource<'r>, LoadError> {
        let cols = ColumnIndex::new(rules);
        let mut warnings = Vec::new();
        let table = CsvTable::open(&cols, path, file, entity, None, encoding, &mut warnings)?;
        let mut joins = Vec::new();
        let shared_rules = std::sync::Arc::new(rules.clone());
        for item in items {
            let t = CsvTable::open(
                &cols,
                item.path,
                item.name,
                item.entity,
                Some(item.link),
                encoding,
                &mut warnings,
            )?;
            let parents = match (path, table.header.key_col) {
                ("-", _) | (_, None) => ParentIndex::Passed(KeySet::default()),
                (_, Some(kc)) => ParentIndex::Ahead {
                    keys: {
                        let mut cursor = KeyCursor::open(path, file, kc, encoding)?;
                        Box::new(Prefetch::spawn(move || cursor.next()))
                    },
                    key_col: kc,
                    found: None,
                    source: (
                        path.to_string(),
                        file.to_string(),
                        encoding.map(str::to_string),
                    ),
                },
            };
            joins.push((
                item.link,
                ItemJoin {
                    field: item.link.field,
                    file: t.file.clone(),
                    entity: t.header.entity,
                    parent_column: t.header.parent_col.map(|c| t.header.names[c].clone()),
                    rows: {
                        let (mut table, rules) = (t, shared_rules.clone());
                        Prefetch::spawn(move || table.next_row(&rules))
                    },
                    peek: None,
                    exhausted: false,
                    position: 0,
                    parents,
                },
            ));
        }
        Ok(CsvSource {
            rules,
            table,
            file_index,
            joins,
            queue: VecDeque::new(),
            done: false,
            warnings,
        })
    }

    /// Reads one parent row with its items (or, at the end, what is left of the item files).
    fn advance(&mut self) -> Result<(), LoadError> {
        let rules = self.rules;
        let entity = self.table.header.entity;
        let info = &rules.entities[entity];
        let Some(row) = self.table.next_row(rules)? else {
            for (link, join) in &mut self.joins {
                join.drain(rules, *link, &self.table.file, &mut self.queue)?;
            }
            self.done = true;
            return Ok(());
        };
        let file = &self.table.file;
        let mut result = row.result.map_err(|bad| RowError {
            file: file.clone(),
            sheet: None,
            value: None,
            entity: info.name.clone(),
            row: row.row,
            column: bad.column,
            key: row.key.clone(),
            message: bad.message,
        });
        // Orphans met while looking for this parent's items follow it in the output.
        let mut orphans = VecDeque::new();
        for (link, join) in &mut self.joins {
            let items = join.take_for(rules, *link, file, row.key.as_deref(), &mut orphans)?;
            for item in items {
                let Ok(rec) = &mut result else { break };
                match item.result {
                    Ok(r) => {
                        if let Value::List(list) = &mut rec.values[join.field] {
                            list.push(r);
                        }
                    }
                    Err(BadRow { column, message }) => {
                        let item_entity = &rules.entities[join.entity].name;
                        result = Err(RowError {
                            file: join.file.clone(),
                            sheet: None,
                            value: None,
                            entity: info.name.clone(),
                            row: item.row,
                            column,
                            key: row.key.clone(),
                            message: format!(
                                "`{item_entity}` {} of this `{}` ({file} row {}): {message}",
                                item.key.as_deref().unwrap_or(""),
                                info.name,
                                row.row
                            ),
                        });
                    }
                }
            }
        }
        self.queue.push_back(match result {
            Ok(record) => Item::Record(LoadedRecord {
                entity,
                file: self.file_index,
                row: row.row,
                key: super::json::key_text(record.get(info.key)),
                record,
            }),
            Err(e) => Item::Error(e),
        });
        self.queue.append(&mut orphans);
        Ok(())
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
        std::mem::take(&mut self.warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::table::parent_of;
    use crate::data::table::tests::beijing;

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

    /// Opens `firms` with the item file `machines` (in a fresh directory named by `tag`) and
    /// hands the source to `f`.
    fn with_source<T>(
        firms: &str,
        machines: &str,
        tag: &str,
        f: impl FnOnce(&mut CsvSource<'_>) -> T,
    ) -> Result<T, LoadError> {
        let rules = beijing();
        let dir = Dir::new(tag);
        let (firms, m) = (dir.file("企业.csv", firms), dir.file("机械.csv", machines));
        let machine = rules.entity_index("机械").unwrap();
        let link = parent_of(&rules, machine).unwrap();
        let items = [ItemFile {
            path: &m,
            name: "机械.csv",
            entity: machine,
            link,
        }];
        let mut src = CsvSource::open(&rules, &firms, "企业.csv", 0, link.entity, &items, None)?;
        Ok(f(&mut src))
    }

    fn run(firms: &str, machines: &str, stdin_like: bool) -> Result<Vec<Item>, LoadError> {
        with_source(
            firms,
            machines,
            &format!("{}{}", machines.len(), stdin_like),
            |src| {
                if stdin_like {
                    src.joins[0].1.parents = ParentIndex::Passed(KeySet::default());
                }
                let mut out = Vec::new();
                while src.next_batch(2, &mut out)? {}
                Ok(out)
            },
        )?
    }

    fn machines_of(item: &Item) -> usize {
        match item {
            Item::Record(r) => r
                .record
                .values
                .iter()
                .find_map(|v| match v {
                    Value::List(l) => Some(l.len()),
                    _ => None,
                })
                .unwrap(),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// Which state the join's parent index ends in, after joining `machines` to FIRMS.
    fn index_state(machines: &str) -> &'static str {
        with_source(
            FIRMS,
            machines,
            &format!("state{}", machines.len()),
            |src| {
                let mut out = Vec::new();
                while src.next_batch(2, &mut out).unwrap() {}
                match src.joins[0].1.parents {
                    ParentIndex::Passed(_) => "passed",
                    ParentIndex::Ahead { .. } => "ahead",
                    ParentIndex::All(_) => "all",
                }
            },
        )
        .unwrap()
    }

    #[test]
    fn items_in_order_need_no_index_of_all_parents() {
        let ordered =
            "统一社会信用代码,编号,动力\n91310110666007217T,M1,燃油\n91110111572812549C,M3,燃气\n";
        assert_eq!(
            index_state(ordered),
            "ahead",
            "constant memory for ordered items"
        );
        let orphan = "统一社会信用代码,编号,动力\n91310110666007217T,M1,燃油\n91110105MA0000000Y,X1,燃油\n91110111572812549C,M3,燃气\n";
        assert_eq!(
            index_state(orphan),
            "all",
            "an orphan makes the join index every parent"
        );
    }

    #[test]
    fn items_join_in_parent_order_with_orphans_anywhere() {
        let machines = "统一社会信用代码,编号,动力\n\
91310110666007217T,M1,燃油\n\
91310110666007217T,M2,纯电动\n\
91110105MA0000000Y,X1,燃油\n\
91110111572812549C,M3,燃气\n";
        for stdin_like in [false, true] {
            let r = run(FIRMS, machines, stdin_like);
            if stdin_like {
                // Without the parents' keys, the orphan holds back the rows after it.
                let e = r.unwrap_err();
                assert!(e.message.contains("row 5"), "{}", e.message);
                continue;
            }
            let items = r.unwrap();
            assert_eq!(items.len(), 4);
            assert_eq!(machines_of(&items[0]), 2);
            let Item::Error(e) = &items[1] else {
                panic!("orphan first: {:?}", items[1])
            };
            assert_eq!((e.file.as_str(), e.row), ("机械.csv", 4));
            assert!(e
                .message
                .contains("no parent record with key 91110105MA0000000Y"));
            assert_eq!(machines_of(&items[2]), 0);
            assert_eq!(machines_of(&items[3]), 1);
        }
        let tail =
            "统一社会信用代码,编号,动力\n91310110666007217T,M1,燃油\n91110105MA0000000Y,X1,燃油\n";
        let items = run(FIRMS, tail, true).unwrap();
        assert_eq!(
            items.len(),
            4,
            "an orphan after the last parent is found without a key pass"
        );
    }

    #[test]
    fn items_out_of_parent_order_are_a_file_error() {
        let machines = "企业,编号,动力\n\
91310115591693856A,M1,燃油\n\
91310110666007217T,M2,纯电动\n";
        let e = run(FIRMS, machines, false).unwrap_err();
        assert!(
            e.message
                .starts_with("机械.csv: row 3: the items are not in the order"),
            "{}",
            e.message
        );
        assert_eq!(e.help.as_deref(), Some(ORDER_HELP));
    }

    #[test]
    fn a_bad_item_fails_its_parent_with_the_items_position() {
        let machines = "统一社会信用代码,编号,动力\n91310115591693856A,M1,柴油\n";
        let items = run(FIRMS, machines, false).unwrap();
        assert_eq!(items.len(), 3);
        let Item::Error(e) = &items[1] else { panic!() };
        assert_eq!(
            (e.file.as_str(), e.row, e.column.as_deref()),
            ("机械.csv", 2, Some("动力"))
        );
        assert_eq!(e.entity, "企业");
        assert_eq!(e.key.as_deref(), Some("91310115591693856A"));
        assert!(
            e.message.contains("value 柴油 is not valid"),
            "{}",
            e.message
        );
    }

    #[test]
    fn row_numbers_count_lines_with_the_header_as_row_1() {
        let firms = "统一社会信用代码,名称,所在区,行业,绩效等级,涉气排放,应急减排清单,涉密\n\
91310110666007217T,\"two\nlines\",朝阳区,家具制造,A,是,黄色,否\n\
,,,,,,,\n\
91310115591693856A,乙,海淀区,家具制造,Z,是,黄色,否\n";
        let items = run(firms, "企业,编号,动力\n", false).unwrap();
        assert_eq!(items.len(), 2, "the blank row is no record");
        let Item::Error(e) = &items[1] else { panic!() };
        assert_eq!(e.row, 5);
        assert_eq!(e.column.as_deref(), Some("绩效等级"));
    }
}
