//! Stage 6, load data: enterprise lists → typed records, with an error for every bad row.
//!
//! Every input record ends up either as a [`LoadedRecord`] or as a [`RowError`]; nothing is
//! dropped silently.

pub mod credit_code;
pub mod csv;
pub mod json;
pub mod jsonl;
pub mod source;
pub mod table;
pub mod text;
pub mod values;
pub mod xlsx;

use crate::ir::Record;

/// One record ready for evaluation.
#[derive(Debug, Clone)]
pub struct LoadedRecord {
    pub entity: usize,
    /// Index into the list of data files `open_inputs` fills (for naming the file in errors).
    pub file: usize,
    /// 1-based position of the record in its input (row or array index).
    pub row: usize,
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

/// How data files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFormat {
    Json,
    Jsonl,
    Csv,
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
            "xlsx" | "xlsm" => DataFormat::Xlsx,
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
}

/// How one `--data` argument will be read.
struct Planned {
    path: String,
    name: String,
    format: DataFormat,
    entity: usize,
    file_index: usize,
}

/// The entity of a data file: the one `--data ENTITY=PATH` names, else the one the file's
/// stem names (`企业.csv`), else the first entity whose records are not list items.
fn file_entity(
    rules: &crate::ir::RuleSet,
    spec: &DataSpec,
    name: &str,
) -> Result<usize, source::LoadError> {
    let entities = || {
        rules
            .entities
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(e) = &spec.entity {
        return rules.entity_index(e.trim()).ok_or_else(|| {
            source::LoadError::new(format!(
                "--data {e}={}: `{e}` is not an entity of the policy",
                spec.path
            ))
            .with_help(format!("entities: {}", entities()))
        });
    }
    let stem = std::path::Path::new(&spec.path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    if let Some(e) = rules.entity_index(stem) {
        return Ok(e);
    }
    table::first_top_level(rules).ok_or_else(|| {
        source::LoadError::new(format!("{name}: the policy declares no entity to read"))
    })
}

/// Opens the data files of a run as one source, in the order given. `files` receives the
/// display name of each file, indexed by [`LoadedRecord::file`].
///
/// CSV files of an entity whose records are items of another's list field (machines of a
/// firm) are item files: they are joined to the CSV file of the parent entity given before
/// them (or, if none is, the first one given after them).
pub fn open_inputs<'r>(
    rules: &'r crate::ir::RuleSet,
    specs: &[DataSpec],
    options: &InputOptions,
    files: &mut Vec<String>,
) -> Result<Box<dyn source::RecordSource + 'r>, source::LoadError> {
    if let Some(label) = &options.encoding {
        text::encoding_for_label(label)?;
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
            return Err(source::LoadError::new(
                "standard input (`-`) can be read only once",
            ));
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
                    source::LoadError::new("cannot tell the format of standard input")
                        .with_help("pass --data-format csv, json, jsonl or xlsx")
                } else {
                    source::LoadError::new(format!(
                        "cannot tell the format of `{name}` from its name"
                    ))
                    .with_help("name it .json, .jsonl, .csv or .xlsx, or pass --data-format")
                }
            })?;
        let entity = file_entity(rules, spec, &name)?;
        files.push(name.clone());
        planned.push(Planned {
            path: spec.path.clone(),
            name,
            format,
            entity,
            file_index: files.len() - 1,
        });
    }
    let is_item =
        |p: &Planned| p.format == DataFormat::Csv && table::parent_of(rules, p.entity).is_some();
    // Which parent file each item file joins.
    let mut joined_to: Vec<Option<usize>> = vec![None; planned.len()];
    for (i, p) in planned.iter().enumerate() {
        if p.format == DataFormat::Jsonl {
            if let Some(link) = table::parent_of(rules, p.entity) {
                let pname = &rules.entities[link.entity].name;
                return Err(source::LoadError::new(format!(
                    "{}: `{}` records are items of `{pname}`; in JSON Lines they go inline in each `{pname}` object",
                    p.name, rules.entities[p.entity].name
                )));
            }
        }
        if p.format != DataFormat::Csv {
            continue;
        }
        let Some(link) = table::parent_of(rules, p.entity) else {
            continue;
        };
        let is_parent =
            |q: &&Planned| q.format == DataFormat::Csv && q.entity == link.entity && !is_item(q);
        let parent = planned[..i]
            .iter()
            .rev()
            .find(is_parent)
            .or_else(|| planned[i + 1..].iter().find(is_parent));
        match parent {
            Some(q) => joined_to[i] = Some(q.file_index),
            None => {
                let pname = &rules.entities[link.entity].name;
                return Err(source::LoadError::new(format!(
                    "{}: holds `{}` items of `{pname}`, but no CSV file of `{pname}` was given",
                    p.name, rules.entities[p.entity].name
                ))
                .with_help(format!(
                    "give the `{pname}` file too: --data {pname}.csv --data {}",
                    p.name
                )));
            }
        }
    }
    let encoding = options.encoding.as_deref();
    let mut sources: Vec<Box<dyn source::RecordSource + 'r>> = Vec::new();
    for p in &planned {
        if joined_to[p.file_index].is_some() {
            continue;
        }
        match p.format {
            DataFormat::Json => {
                let text = read_text(&p.path, &p.name)?;
                sources.push(Box::new(json::load(rules, &p.name, p.file_index, &text)?));
            }
            DataFormat::Csv => {
                let items: Vec<csv::ItemFile> = planned
                    .iter()
                    .filter(|q| joined_to[q.file_index] == Some(p.file_index))
                    .map(|q| csv::ItemFile {
                        path: &q.path,
                        name: &q.name,
                        entity: q.entity,
                        link: table::parent_of(rules, q.entity).expect("an item file"),
                    })
                    .collect();
                sources.push(Box::new(csv::CsvSource::open(
                    rules,
                    &p.path,
                    &p.name,
                    p.file_index,
                    p.entity,
                    &items,
                    encoding,
                )?));
            }
            DataFormat::Jsonl => sources.push(Box::new(jsonl::JsonlSource::open(
                rules,
                &p.path,
                &p.name,
                p.file_index,
                p.entity,
                encoding,
            )?)),
            DataFormat::Xlsx => {
                let bytes = read_bytes(&p.path, &p.name)?;
                sources.push(Box::new(xlsx::load(
                    rules,
                    &p.name,
                    p.file_index,
                    bytes,
                    p.entity,
                )?));
            }
        }
    }
    let chain: Box<dyn source::RecordSource + 'r> = Box::new(source::ChainSource::new(sources));
    Ok(if options.stop_on_error {
        Box::new(source::StopOnError::new(chain))
    } else {
        chain
    })
}

/// Reads a whole data file (or standard input) as bytes.
pub fn read_bytes(path: &str, name: &str) -> Result<Vec<u8>, source::LoadError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    text::open_bytes(path, name)?
        .read_to_end(&mut bytes)
        .map_err(|e| source::LoadError::new(format!("cannot read data file `{name}`: {e}")))?;
    Ok(bytes)
}

/// Reads a whole data file (or standard input) as UTF-8 text.
pub fn read_text(path: &str, name: &str) -> Result<String, source::LoadError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = if path == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map(|_| ())
    };
    read.map_err(|e| {
        source::LoadError::new(format!("cannot read data file `{name}`: {e}"))
            .with_help("check the path of the data file")
    })?;
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .map(<[u8]>::to_vec)
        .unwrap_or(bytes);
    String::from_utf8(bytes).map_err(|e| {
        source::LoadError::new(format!(
            "{name}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}
