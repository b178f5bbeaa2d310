//! Stage 6, load data: enterprise lists → typed records, with an error for every bad row.
//!
//! Every input record ends up either as a [`LoadedRecord`] or as a [`RowError`]; nothing is
//! dropped silently.

pub mod credit_code;
pub mod json;
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

/// Everything read from the data files of one run.
#[derive(Debug, Default)]
pub struct Dataset {
    /// The data files read, as named in errors.
    pub files: Vec<String>,
    pub records: Vec<LoadedRecord>,
    pub errors: Vec<RowError>,
    pub warnings: Vec<String>,
    /// Records read, whether loaded or failed.
    pub read: usize,
}

impl Dataset {
    /// Registers a data file and returns its index for [`LoadedRecord::file`].
    pub fn add_file(&mut self, name: &str) -> usize {
        self.files.push(name.to_string());
        self.files.len() - 1
    }
}
