//! Stage 6, load data: enterprise lists → typed records, with an error for every bad row.
//!
//! Every input record ends up either as a [`LoadedRecord`] or as a [`RowError`]; nothing is
//! dropped silently.

pub mod credit_code;
pub mod json;
pub mod source;
pub mod values;

use crate::ir::Record;

/// One record ready for evaluation.
#[derive(Debug, Clone)]
pub struct LoadedRecord {
    pub entity: usize,
    /// Index into [`Dataset::files`].
    pub file: usize,
    /// 1-based position of the record in its input (row or array index).
    pub row: usize,
    pub key: String,
    pub record: Record,
}

/// A record that could not be loaded, or a problem with the input as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    pub file: String,
    pub entity: String,
    pub row: usize,
    pub column: Option<String>,
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

/// Opens the data files of a run as one source, in the order given. `files` receives the
/// display name of each file, indexed by [`LoadedRecord::file`].
pub fn open_inputs<'r>(
    rules: &'r crate::ir::RuleSet,
    specs: &[DataSpec],
    options: &InputOptions,
    files: &mut Vec<String>,
) -> Result<Box<dyn source::RecordSource + 'r>, source::LoadError> {
    let mut sources: Vec<Box<dyn source::RecordSource + 'r>> = Vec::new();
    for spec in specs {
        let name = if spec.path == "-" {
            "<stdin>".to_string()
        } else {
            spec.path.clone()
        };
        let format = options
            .format
            .or_else(|| DataFormat::from_path(&spec.path))
            .ok_or_else(|| {
                source::LoadError::new(format!("cannot tell the format of `{name}` from its name"))
                    .with_help("name it .json, .jsonl, .csv or .xlsx, or pass --data-format")
            })?;
        files.push(name.clone());
        let file_index = files.len() - 1;
        match format {
            DataFormat::Json => {
                let text = read_text(&spec.path, &name)?;
                sources.push(Box::new(json::load(rules, &name, file_index, &text)?));
            }
            other => {
                return Err(source::LoadError::new(format!(
                    "{name}: reading {other:?} data is not supported yet"
                ))
                .with_help("use JSON data"))
            }
        }
    }
    Ok(Box::new(source::ChainSource::new(sources)))
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
