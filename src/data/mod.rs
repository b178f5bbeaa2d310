//! Stage 6, load data: enterprise lists → typed records, with an error for every bad row.
//!
//! Every input record ends up either as a [`LoadedRecord`] or as a [`RowError`]; nothing is
//! dropped silently.

pub mod actions;
pub mod credit_code;
pub mod csv;
pub mod header;
pub mod join;
pub mod json;
pub mod jsonl;
pub mod keys;
pub mod mapping;
pub mod normalize;
pub mod source;
pub mod table;
pub mod text;
pub mod values;
pub mod xlsx;

use crate::ir::{Record, RuleSet};
use crate::messages::Lang;
use crate::msg;

/// One record ready for evaluation.
#[derive(Debug, Clone)]
pub struct LoadedRecord {
    pub entity: usize,
    /// Index into the list of data files `open_inputs` fills (for naming the file in errors).
    pub file: usize,
    /// 1-based position of the record in its input (row or array index).
    pub row: usize,
    /// The sheet, for records of a workbook.
    pub sheet: Option<std::sync::Arc<str>>,
    pub key: String,
    pub record: Record,
}

/// A record that could not be loaded, or a problem with the input as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    /// The file, as the user named it.
    pub file: String,
    /// The sheet, for workbooks.
    pub sheet: Option<String>,
    pub entity: String,
    /// The row as the officer sees it: the CSV line, the sheet's row number, the array index.
    pub row: usize,
    /// The column's header text, when one cell is to blame.
    pub column: Option<String>,
    /// The cell's text (a bounded prefix), when one cell is to blame.
    pub value: Option<String>,
    pub key: Option<String>,
    pub message: String,
}

/// A cell's text as a message echoes it: whole when it is short, else its first
/// [`ECHO_CHARS`](crate::limits::ECHO_CHARS) characters, an ellipsis and its length, so a
/// huge bad cell never makes a huge message.
pub fn echo(lang: Lang, text: &str) -> String {
    use crate::limits::ECHO_CHARS;
    match text.char_indices().nth(ECHO_CHARS) {
        None => text.to_string(),
        Some((cut, _)) => msg!(lang, ECHO_CUT, &text[..cut], text.chars().count()),
    }
}

/// Bounds what a row error echoes (the key, the cell, the message) whatever produced it: the
/// last guard, after [`echo`] at the places that quote a cell.
pub fn bound_error(lang: Lang, e: &mut RowError) {
    use crate::limits::ECHO_CHARS;
    let too_long = |t: &str, n: usize| t.len() > 4 * n && t.chars().nth(n).is_some();
    for t in [&mut e.key, &mut e.value, &mut e.column]
        .into_iter()
        .flatten()
    {
        if too_long(t, 2 * ECHO_CHARS) {
            *t = echo(lang, t);
        }
    }
    if too_long(&e.message, 16 * ECHO_CHARS) {
        let cut = e
            .message
            .char_indices()
            .nth(16 * ECHO_CHARS)
            .map_or(e.message.len(), |(i, _)| i);
        e.message = msg!(lang, ECHO_CUT, &e.message[..cut], e.message.chars().count());
    }
}

/// How data files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    Json,
    Jsonl,
    Csv,
    /// A workbook: `.xlsx` or legacy `.xls`.
    Xlsx,
}

impl DataFormat {
    /// The format a file name implies, by extension.
    pub fn from_path(path: &str) -> Option<DataFormat> {
        let lower = path.to_ascii_lowercase();
        let ext = lower.rsplit('.').next()?;
        Some(match ext {
            "json" => DataFormat::Json,
            "jsonl" | "ndjson" => DataFormat::Jsonl,
            "csv" | "txt" => DataFormat::Csv,
            "xlsx" | "xlsm" | "xls" => DataFormat::Xlsx,
            _ => return None,
        })
    }
}

/// One `--data` argument: `[ENTITY=]PATH`, `-` for standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSpec {
    pub entity: Option<String>,
    pub path: String,
}

impl DataSpec {
    pub fn parse(arg: &str) -> DataSpec {
        match arg.split_once('=') {
            Some((e, p)) if !e.is_empty() && !e.contains(['/', '\\']) => DataSpec {
                entity: Some(e.to_string()),
                path: p.to_string(),
            },
            _ => DataSpec {
                entity: None,
                path: arg.to_string(),
            },
        }
    }
}

/// Options that apply to every data file of a run.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// Overrides the format the extension implies (`--data-format`).
    pub format: Option<DataFormat>,
    /// A text encoding label such as `gb18030` or `utf-8` (`--encoding`); detected when absent.
    pub encoding: Option<String>,
    /// `--on-error fail`: stop at the first record that cannot be loaded.
    pub stop_on_error: bool,
    /// The row the header starts at (`--header-row`), instead of searching for it.
    pub header_row: Option<usize>,
    /// Columns and value spellings the officer fixed (`--map`).
    pub mapping: mapping::Mapping,
    /// The language of messages.
    pub lang: Lang,
    /// Where the layout of each table is recorded.
    pub layouts: Layouts,
}

/// How one table of the input was laid out: where its header is and what each column
/// gives. Filled as tables are opened, for `policyc map` and the output's 说明 sheet.
#[derive(Debug, Clone)]
pub struct TableLayout {
    pub file: String,
    pub sheet: Option<String>,
    pub entity: usize,
    /// The header's first and last rows (the same for a one-row header).
    pub header_rows: (usize, usize),
    pub columns: Vec<header::Column>,
    /// What would stop `eval`, noted by `policyc map` instead (with its guesses).
    pub problems: Vec<String>,
}

/// The layouts of a run's tables, shared with the threads that open them; and, when asked
/// for (`policyc map`), every value of an enum, level or yes/no cell the plan did not know.
#[derive(Debug, Clone, Default)]
pub struct Layouts {
    tables: std::sync::Arc<std::sync::Mutex<Vec<TableLayout>>>,
    unknown: Option<std::sync::Arc<std::sync::Mutex<UnknownCells>>>,
}

/// Cell texts the plan did not know, by (entity, field, text): how many rows.
pub type UnknownCells = std::collections::BTreeMap<(usize, usize, String), usize>;

impl Layouts {
    /// Layouts that also gather the unknown values of every row (each bad cell, not only
    /// the first of a row).
    pub fn with_unknown_values() -> Layouts {
        Layouts {
            unknown: Some(Default::default()),
            ..Layouts::default()
        }
    }

    /// Records one table's layout.
    pub fn push(&self, layout: TableLayout) {
        if let Ok(mut v) = self.tables.lock() {
            v.push(layout);
        }
    }

    /// The layouts recorded so far, in the order the tables were opened.
    pub fn get(&self) -> Vec<TableLayout> {
        self.tables.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Whether unknown values are gathered.
    pub fn gathers_unknown(&self) -> bool {
        self.unknown.is_some()
    }

    /// Counts one cell whose text the plan did not know.
    pub fn unknown_value(&self, entity: usize, field: usize, text: &str) {
        if let Some(Ok(mut m)) = self.unknown.as_ref().map(|u| u.lock()) {
            *m.entry((entity, field, text.to_string())).or_default() += 1;
        }
    }

    /// The unknown values gathered.
    pub fn unknown_values(&self) -> UnknownCells {
        match &self.unknown {
            Some(u) => u.lock().map(|m| m.clone()).unwrap_or_default(),
            None => UnknownCells::new(),
        }
    }
}

/// How one `--data` argument will be read.
struct Planned {
    path: String,
    name: String,
    format: DataFormat,
    /// The entities the file may hold, the likeliest first.
    candidates: Vec<(usize, Option<table::ParentLink>)>,
    file_index: usize,
}

/// Every entity of the plan with its parent link, the one named `first` (if any) first.
fn all_entities(rules: &RuleSet, first: Option<usize>) -> Vec<(usize, Option<table::ParentLink>)> {
    let mut all: Vec<(usize, Option<table::ParentLink>)> = (0..rules.entities.len())
        .map(|e| (e, table::parent_of(rules, e)))
        .collect();
    if let Some(f) = first {
        all.sort_by_key(|(e, _)| *e != f);
    }
    all
}

/// The entities a data file may hold: the one `--data ENTITY=PATH` names (with the items
/// of its lists, for workbooks); else every entity, the one the file's stem names first.
fn candidates_for(
    rules: &RuleSet,
    lang: Lang,
    spec: &DataSpec,
) -> Result<Vec<(usize, Option<table::ParentLink>)>, source::LoadError> {
    if let Some(e) = &spec.entity {
        let entities = rules
            .entities
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let named = rules.entity_index(e.trim()).ok_or_else(|| {
            source::LoadError::new(msg!(lang, NOT_AN_ENTITY, e, spec.path))
                .with_help(msg!(lang, ENTITIES, entities))
        })?;
        let mut c = vec![(named, table::parent_of(rules, named))];
        c.extend(
            (0..rules.entities.len())
                .filter(|&x| table::parent_of(rules, x).is_some_and(|l| l.entity == named))
                .map(|x| (x, table::parent_of(rules, x))),
        );
        return Ok(c);
    }
    let stem = std::path::Path::new(&spec.path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    Ok(all_entities(rules, rules.entity_index(stem)))
}

/// The entity a JSON or JSON Lines file's records are when they do not say: the first
/// candidate that is not a list's item.
fn document_entity(
    lang: Lang,
    candidates: &[(usize, Option<table::ParentLink>)],
    name: &str,
) -> Result<usize, source::LoadError> {
    candidates
        .iter()
        .find(|(_, p)| p.is_none())
        .map(|(e, _)| *e)
        .ok_or_else(|| source::LoadError::new(msg!(lang, NO_ENTITY, name)))
}

/// Opens the data files of a run as one source, in the order given. `files` receives the
/// display name of each file, indexed by [`LoadedRecord::file`]; `notes` what was inferred
/// about their layout (header rows, columns, sheets).
///
/// A CSV file whose header names the fields of an item entity (machines of a firm) is an
/// item file: it is read ahead and joined to the CSV file of the parent entity given before
/// it (or, if none is, the first one given after it), whatever the order of its rows.
pub fn open_inputs<'r>(
    rules: &'r crate::ir::RuleSet,
    specs: &[DataSpec],
    options: &InputOptions,
    files: &mut Vec<String>,
) -> Result<Box<dyn source::RecordSource + 'r>, source::LoadError> {
    let lang = options.lang;
    if let Some(label) = &options.encoding {
        text::encoding_for_label(lang, label)?;
    }
    let mut planned = Vec::new();
    for spec in specs {
        let stdin = spec.path == "-";
        let name = if stdin {
            "<stdin>".to_string()
        } else {
            spec.path.clone()
        };
        if stdin && planned.iter().any(|p: &Planned| p.path == "-") {
            return Err(source::LoadError::new(msg!(lang, STDIN_TWICE)));
        }
        let format = options
            .format
            .or_else(|| {
                if stdin {
                    None
                } else {
                    DataFormat::from_path(&spec.path)
                }
            })
            .ok_or_else(|| {
                if stdin {
                    source::LoadError::new(msg!(lang, FORMAT_OF_STDIN))
                        .with_help(msg!(lang, FORMAT_OF_STDIN_HELP))
                } else {
                    source::LoadError::new(msg!(lang, FORMAT_OF_FILE, name))
                        .with_help(msg!(lang, FORMAT_OF_FILE_HELP))
                }
            })?;
        let candidates = candidates_for(rules, lang, spec)?;
        files.push(name.clone());
        planned.push(Planned {
            path: spec.path.clone(),
            name,
            format,
            candidates,
            file_index: files.len() - 1,
        });
    }
    let cols = json::ColumnIndex::new(rules).with_lang(lang);
    let mut notes = Vec::new();
    // CSV files are opened first: their headers say which entity each holds.
    let mut tables: Vec<Option<csv::CsvTable>> = Vec::new();
    for p in &planned {
        tables.push(if p.format == DataFormat::Csv {
            let spec = csv::TableSpec {
                path: &p.path,
                name: &p.name,
                candidates: &p.candidates,
                header_row: options.header_row,
                mapping: &options.mapping,
                encoding: options.encoding.as_deref(),
                layouts: &options.layouts,
            };
            Some(csv::CsvTable::open(&cols, lang, &spec, &mut notes)?)
        } else {
            None
        });
    }
    let entity_of = |i: usize| tables[i].as_ref().map(|t| t.header.entity);
    // Which parent file each item file joins.
    let mut joined_to: Vec<Option<usize>> = vec![None; planned.len()];
    for (i, p) in planned.iter().enumerate() {
        let Some(entity) = entity_of(i) else { continue };
        let Some(link) = table::parent_of(rules, entity) else {
            continue;
        };
        let is_parent = |q: usize| entity_of(q) == Some(link.entity);
        let parent = (0..i)
            .rev()
            .find(|&q| is_parent(q))
            .or_else(|| (i + 1..planned.len()).find(|&q| is_parent(q)));
        match parent {
            Some(q) => joined_to[i] = Some(q),
            None => {
                let pname = &rules.entities[link.entity].name;
                return Err(source::LoadError::new(msg!(
                    lang,
                    ITEMS_WITHOUT_PARENT_FILE,
                    p.name,
                    rules.entities[entity].name,
                    pname
                ))
                .with_help(msg!(
                    lang,
                    ITEMS_WITHOUT_PARENT_FILE_HELP,
                    pname,
                    p.name
                )));
            }
        }
    }
    // Item files are read ahead, each on a thread of its own.
    let mut items: Vec<Option<join::ItemTable>> = Vec::new();
    std::thread::scope(|scope| -> Result<(), source::LoadError> {
        let mut handles = Vec::new();
        for (i, t) in tables.iter_mut().enumerate() {
            if joined_to[i].is_none() {
                handles.push(None);
                continue;
            }
            let table = t.take().expect("an item file is a CSV table");
            let link = table::parent_of(rules, table.header.entity).expect("an item entity");
            handles.push(Some(scope.spawn(move || table.into_items(rules, link))));
        }
        for h in handles {
            items.push(match h {
                Some(h) => Some(
                    h.join()
                        .map_err(|_| source::LoadError::new(msg!(lang, READER_FAILED)))??,
                ),
                None => None,
            });
        }
        Ok(())
    })?;
    let encoding = options.encoding.as_deref();
    let mut sources: Vec<Box<dyn source::RecordSource + 'r>> = Vec::new();
    for (i, p) in planned.iter().enumerate() {
        if joined_to[i].is_some() {
            continue;
        }
        match p.format {
            DataFormat::Json => {
                let text = read_text(lang, &p.path, &p.name)?;
                sources.push(Box::new(json::load_in(
                    rules,
                    lang,
                    &p.name,
                    p.file_index,
                    &text,
                )?));
            }
            DataFormat::Csv => {
                let joins: Vec<join::ItemTable> = (0..planned.len())
                    .filter(|&q| joined_to[q] == Some(i))
                    .filter_map(|q| items[q].take())
                    .collect();
                let table = tables[i].take().expect("a CSV table");
                sources.push(Box::new(csv::CsvSource::new(
                    rules,
                    lang,
                    table,
                    p.file_index,
                    joins,
                    std::mem::take(&mut notes),
                )));
            }
            DataFormat::Jsonl => {
                let entity = document_entity(lang, &p.candidates, &p.name)?;
                if let Some(link) = table::parent_of(rules, entity) {
                    let pname = &rules.entities[link.entity].name;
                    return Err(source::LoadError::new(msg!(
                        lang,
                        JSONL_ITEMS,
                        p.name,
                        rules.entities[entity].name,
                        pname
                    )));
                }
                sources.push(Box::new(jsonl::JsonlSource::open(
                    rules,
                    lang,
                    &p.path,
                    &p.name,
                    p.file_index,
                    entity,
                    encoding,
                )?))
            }
            DataFormat::Xlsx => {
                let bytes = read_whole(lang, &p.path, &p.name, Whole::Workbook)?;
                sources.push(Box::new(xlsx::XlsxSource::open(
                    rules,
                    bytes,
                    xlsx::WorkbookSpec {
                        name: p.name.clone(),
                        file_index: p.file_index,
                        candidates: p.candidates.clone(),
                        header_row: options.header_row,
                        mapping: options.mapping.clone(),
                        lang,
                        layouts: options.layouts.clone(),
                    },
                )));
            }
        }
    }
    if !notes.is_empty() {
        sources.insert(0, Box::new(source::MemorySource::new(Vec::new(), notes)));
    }
    let chain: Box<dyn source::RecordSource + 'r> = Box::new(source::ChainSource::new(sources));
    let chain: Box<dyn source::RecordSource + 'r> =
        Box::new(keys::UniqueKeys::new(rules, lang, files.clone(), chain));
    Ok(if options.stop_on_error {
        Box::new(source::StopOnError::new(chain, lang))
    } else {
        chain
    })
}

/// What a file read whole must be: its first bytes are checked before the rest is read,
/// so `/dev/zero` or a binary file is refused at once instead of read to the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    /// A JSON document: text without NUL bytes.
    Json,
    /// A workbook: a zip archive (`.xlsx`) or an OLE file (`.xls`).
    Workbook,
    /// Anything (no check).
    Any,
}

/// Reads a whole data file (or standard input, or a pipe) as bytes, at most
/// [`MAX_WHOLE_FILE_BYTES`](crate::limits::MAX_WHOLE_FILE_BYTES): a regular file over it
/// is refused by its size before it is read, anything else once the limit is passed.
pub fn read_bytes(lang: Lang, path: &str, name: &str) -> Result<Vec<u8>, source::LoadError> {
    read_whole(lang, path, name, Whole::Any)
}

/// [`read_bytes`], with the first bytes checked to be of `kind`.
pub fn read_whole(
    lang: Lang,
    path: &str,
    name: &str,
    kind: Whole,
) -> Result<Vec<u8>, source::LoadError> {
    use crate::limits::MAX_WHOLE_FILE_BYTES;
    use std::io::Read;
    let too_large = || {
        source::LoadError::new(msg!(lang, DATA_FILE_TOO_LARGE, name, MAX_WHOLE_FILE_BYTES))
            .with_help(msg!(lang, DATA_FILE_TOO_LARGE_HELP))
    };
    let input = text::open_bytes(lang, path, name)?;
    if path != "-" {
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.is_file() && meta.len() > MAX_WHOLE_FILE_BYTES {
                return Err(too_large());
            }
        }
    }
    let io = |e: std::io::Error| source::LoadError::new(msg!(lang, CANNOT_READ, name, e));
    let mut input = input.take(MAX_WHOLE_FILE_BYTES + 1);
    let mut bytes = Vec::new();
    // The first bytes say what the input is.
    (&mut input).take(8).read_to_end(&mut bytes).map_err(io)?;
    let refused = match kind {
        Whole::Json if bytes.contains(&0) => Some(
            source::LoadError::new(msg!(lang, NUL_BYTES, name, "JSON"))
                .with_help(msg!(lang, JSON_HELP)),
        ),
        Whole::Workbook
            if !bytes.is_empty()
                && !bytes.starts_with(b"PK\x03\x04")
                && !bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) =>
        {
            Some(
                source::LoadError::new(msg!(
                    lang,
                    XLSX_UNREADABLE,
                    name,
                    "not a zip archive (.xlsx) or an OLE file (.xls)"
                ))
                .with_help(msg!(lang, XLSX_UNREADABLE_HELP)),
            )
        }
        _ => None,
    };
    if let Some(e) = refused {
        return Err(e);
    }
    input.read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_WHOLE_FILE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Reads a whole data file (or standard input) as UTF-8 text.
pub fn read_text(lang: Lang, path: &str, name: &str) -> Result<String, source::LoadError> {
    let bytes = read_whole(lang, path, name, Whole::Json)?;
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .map(<[u8]>::to_vec)
        .unwrap_or(bytes);
    String::from_utf8(bytes).map_err(|e| {
        source::LoadError::new(msg!(lang, NOT_UTF8, name, e.utf8_error().valid_up_to()))
    })
}
