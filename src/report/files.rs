//! Lets codespan-reporting read our source map: it measures columns by display width,
//! so CJK text lines up under its labels.

use std::ops::Range;

use codespan_reporting::files::{Error, Files};

use crate::source::SourceMap;

impl<'a> Files<'a> for SourceMap {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, Error> {
        self.files()
            .get(id)
            .map(|f| f.name.as_str())
            .ok_or(Error::FileMissing)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, Error> {
        self.files()
            .get(id)
            .map(|f| f.shown_text())
            .ok_or(Error::FileMissing)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, Error> {
        let f = self.files().get(id).ok_or(Error::FileMissing)?;
        Ok(match f.line_starts().binary_search(&byte_index) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        })
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, Error> {
        let f = self.files().get(id).ok_or(Error::FileMissing)?;
        let starts = f.line_starts();
        let start = *starts.get(line_index).ok_or(Error::LineTooLarge {
            given: line_index,
            max: starts.len() - 1,
        })?;
        let end = starts.get(line_index + 1).copied().unwrap_or(f.text.len());
        Ok(start..end)
    }
}
