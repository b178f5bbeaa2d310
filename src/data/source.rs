//! Streaming input: data files yield records (or row errors) in input order, a batch at a
//! time, so memory does not grow with the number of records.

use super::{LoadedRecord, RowError};

/// One input record: loaded, or the reason it could not be.
#[derive(Debug, Clone)]
pub enum Item {
    Record(LoadedRecord),
    Error(RowError),
    /// A row that holds no record (blank, a 合计 row, an item of a parent that failed):
    /// counted as skipped, never evaluated.
    Skipped(SkippedRow),
}

/// A row read but not evaluated, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SkippedRow {
    pub file: String,
    pub entity: String,
    pub row: usize,
    pub reason: SkipReason,
}

/// Why a row was skipped.
#[derive(Debug, Clone, PartialEq)]
pub enum SkipReason {
    /// Every cell is empty.
    Blank,
    /// A total or note row (合计, 小计, 共N家 …): the text that says so.
    Total(String),
    /// An item whose parent record failed: the parent's file and row.
    ParentFailed { file: String, row: usize },
}

/// A problem with an input as a whole (unreadable file, wrong shape): the run stops, exit 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub message: String,
    pub help: Option<String>,
}

impl LoadError {
    pub fn new(message: impl Into<String>) -> Self {
        LoadError {
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A source of records in input order.
pub trait RecordSource: Send {
    /// Appends up to `max` items to `out`, in input order. Returns `Ok(false)` once the
    /// input is exhausted (the items appended by that call still count).
    fn next_batch(&mut self, max: usize, out: &mut Vec<Item>) -> Result<bool, LoadError>;

    /// Warnings gathered so far (unknown columns and the like), drained.
    fn take_warnings(&mut self) -> Vec<String>;
}

/// A source over items already in memory (small inputs such as a JSON document).
#[derive(Debug, Default)]
pub struct MemorySource {
    items: std::collections::VecDeque<Item>,
    warnings: Vec<String>,
}

impl MemorySource {
    pub fn new(items: Vec<Item>, warnings: Vec<String>) -> Self {
        MemorySource {
            items: items.into(),
            warnings,
        }
    }
}

impl RecordSource for MemorySource {
    fn next_batch(&mut self, max: usize, out: &mut Vec<Item>) -> Result<bool, LoadError> {
        let n = max.min(self.items.len());
        out.extend(self.items.drain(..n));
        Ok(!self.items.is_empty())
    }

    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}

/// Several sources one after the other, as the files were given.
pub struct ChainSource<'a> {
    sources: std::collections::VecDeque<Box<dyn RecordSource + 'a>>,
    warnings: Vec<String>,
}

impl<'a> ChainSource<'a> {
    pub fn new(sources: Vec<Box<dyn RecordSource + 'a>>) -> Self {
        ChainSource {
            sources: sources.into(),
            warnings: Vec::new(),
        }
    }
}

impl RecordSource for ChainSource<'_> {
    fn next_batch(&mut self, max: usize, out: &mut Vec<Item>) -> Result<bool, LoadError> {
        let start = out.len();
        while let Some(front) = self.sources.front_mut() {
            let room = max - (out.len() - start);
            if room == 0 {
                return Ok(true);
            }
            let more = front.next_batch(room, out)?;
            if !more {
                let mut done = self.sources.pop_front().expect("front exists");
                self.warnings.extend(done.take_warnings());
            }
        }
        Ok(false)
    }

    fn take_warnings(&mut self) -> Vec<String> {
        for s in &mut self.sources {
            self.warnings.extend(s.take_warnings());
        }
        std::mem::take(&mut self.warnings)
    }
}

/// `--on-error fail`: passes items through up to and including the first error, then ends
/// the input. What was read is counted as usual, so the summary still reconciles.
pub struct StopOnError<'a> {
    inner: Box<dyn RecordSource + 'a>,
    stopped: bool,
    warnings: Vec<String>,
    lang: crate::messages::Lang,
}

impl<'a> StopOnError<'a> {
    pub fn new(inner: Box<dyn RecordSource + 'a>, lang: crate::messages::Lang) -> Self {
        StopOnError {
            inner,
            stopped: false,
            warnings: Vec::new(),
            lang,
        }
    }
}

impl RecordSource for StopOnError<'_> {
    fn next_batch(&mut self, max: usize, out: &mut Vec<Item>) -> Result<bool, LoadError> {
        if self.stopped {
            return Ok(false);
        }
        let start = out.len();
        let more = self.inner.next_batch(max, out)?;
        if let Some(i) = out[start..]
            .iter()
            .position(|item| matches!(item, Item::Error(_)))
        {
            out.truncate(start + i + 1);
            self.stopped = true;
            self.warnings.extend(self.inner.take_warnings());
            let (file, row) = match &out[start + i] {
                Item::Error(e) => (e.file.as_str(), e.row),
                Item::Record(_) | Item::Skipped(_) => ("", 0),
            };
            let lang = self.lang;
            self.warnings.push(crate::msg!(
                lang,
                WARNING,
                crate::msg!(lang, STOPPED_AT_FIRST_ERROR, file, row)
            ));
            return Ok(false);
        }
        Ok(more)
    }

    fn take_warnings(&mut self) -> Vec<String> {
        if !self.stopped {
            self.warnings.extend(self.inner.take_warnings());
        }
        std::mem::take(&mut self.warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{LoadedRecord, RowError};

    fn rec(row: usize) -> Item {
        Item::Record(LoadedRecord {
            entity: 0,
            file: 0,
            row,
            sheet: None,
            key: row.to_string(),
            record: crate::ir::Record::default(),
        })
    }

    fn err(row: usize) -> Item {
        Item::Error(RowError {
            file: "f.csv".into(),
            sheet: None,
            value: None,
            entity: "企业".into(),
            row,
            column: None,
            key: None,
            message: "bad".into(),
        })
    }

    #[test]
    fn stop_on_error_keeps_the_first_error_and_ends_the_input() {
        let items = vec![rec(2), rec(3), err(4), rec(5), err(6)];
        let mut s = StopOnError::new(
            Box::new(MemorySource::new(items, vec![])),
            crate::messages::Lang::En,
        );
        let mut out = Vec::new();
        assert!(s.next_batch(2, &mut out).unwrap());
        assert!(!s.next_batch(2, &mut out).unwrap());
        assert!(!s.next_batch(2, &mut out).unwrap());
        assert_eq!(out.len(), 3);
        assert!(matches!(out[2], Item::Error(RowError { row: 4, .. })));
        let w = s.take_warnings();
        assert!(w[0].contains("(f.csv row 4)"), "{w:?}");
    }
}
