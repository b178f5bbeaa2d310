//! JSON Lines input, streamed: one JSON object per line, list fields inline as in JSON.
//!
//! An object's entity is its `"$entity"` key when it has one, else the file's entity (the
//! same rule as for CSV files). Blank lines are skipped; row numbers are line numbers.

use std::io::{BufRead, BufReader};

use serde_json::{Map, Value as Json};

use super::json::{object_item, unknown_keys, ColumnIndex};
use super::source::{Item, LoadError, RecordSource};
use super::text;
use super::RowError;
use crate::ir::RuleSet;
use crate::limits::MAX_RECORD_BYTES;
use crate::messages::Lang;
use crate::msg;

/// The key that names an object's entity.
pub const ENTITY_KEY: &str = "$entity";

pub struct JsonlSource<'r> {
    cols: ColumnIndex<'r>,
    reader: BufReader<Box<dyn std::io::Read + Send>>,
    file: String,
    file_index: usize,
    entity: usize,
    line: usize,
    buf: Vec<u8>,
    done: bool,
    /// Undeclared keys already warned about, per entity.
    unknown: Vec<Vec<String>>,
    warned: Vec<usize>,
    warnings: Vec<String>,
}

impl<'r> JsonlSource<'r> {
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        rules: &'r RuleSet,
        lang: Lang,
        path: &str,
        file: &str,
        file_index: usize,
        entity: usize,
        encoding: Option<&str>,
    ) -> Result<JsonlSource<'r>, LoadError> {
        let input = text::open(lang, path, file, encoding, "JSON Lines")?;
        Ok(JsonlSource {
            cols: ColumnIndex::new(rules).with_lang(lang),
            reader: BufReader::with_capacity(64 * 1024, input.reader),
            file: file.to_string(),
            file_index,
            entity,
            line: 0,
            buf: Vec::new(),
            done: false,
            unknown: vec![Vec::new(); rules.entities.len()],
            warned: vec![0; rules.entities.len()],
            warnings: Vec::new(),
        })
    }

    fn error(&self, entity: &str, message: String) -> Item {
        Item::Error(RowError {
            file: self.file.clone(),
            sheet: None,
            value: None,
            entity: entity.to_string(),
            row: self.line,
            column: None,
            key: None,
            message,
        })
    }

    fn item(&mut self, line: &[u8]) -> Item {
        let rules = self.cols.rules();
        let lang = self.cols.lang;
        let default = rules.entities[self.entity].name.as_str();
        let text = match std::str::from_utf8(line) {
            Ok(t) => t,
            Err(_) => return self.error(default, msg!(lang, LINE_NOT_UTF8)),
        };
        let mut obj: Map<String, Json> = match serde_json::from_str(text) {
            Ok(Json::Object(o)) => o,
            Ok(other) => {
                let kind = match other {
                    Json::Array(_) => msg!(lang, KIND_ARRAY),
                    Json::String(_) => msg!(lang, KIND_STRING),
                    Json::Number(_) => msg!(lang, KIND_NUMBER),
                    Json::Bool(_) => msg!(lang, KIND_BOOL),
                    _ => msg!(lang, KIND_NULL),
                };
                return self.error(default, msg!(lang, JSON_FOUND, default, kind));
            }
            Err(e) => return self.error(default, msg!(lang, JSON_LINE_NOT_JSON, e)),
        };
        let entity = match obj.remove(ENTITY_KEY) {
            None => self.entity,
            Some(Json::String(name)) => match rules.entity_index(&name) {
                Some(e) => e,
                None => {
                    let entities: Vec<&str> =
                        rules.entities.iter().map(|e| e.name.as_str()).collect();
                    return self
                        .error(&name, msg!(lang, UNKNOWN_ENTITY, name, entities.join(", ")));
                }
            },
            Some(other) => {
                return self.error(default, msg!(lang, ENTITY_KEY_BAD, ENTITY_KEY, other))
            }
        };
        unknown_keys(&self.cols, entity, &obj, &mut self.unknown[entity]);
        object_item(
            &self.cols,
            entity,
            &obj,
            &self.file,
            self.file_index,
            self.line,
        )
    }

    fn flush_warnings(&mut self) {
        let rules = self.cols.rules();
        for (e, keys) in self.unknown.iter().enumerate() {
            for k in &keys[self.warned[e]..] {
                let lang = self.cols.lang;
                self.warnings.push(msg!(
                    lang,
                    WARNING,
                    msg!(lang, UNDECLARED_KEY, self.file, rules.entities[e].name, k)
                ));
            }
            self.warned[e] = keys.len();
        }
    }
}

/// Reads one line into `buf`, keeping at most [`MAX_RECORD_BYTES`] of it: `None` at the end
/// of the input, `Some(false)` when the line was longer (the rest of it is read past, not
/// kept), so a line without an end (`/dev/zero` through `tr`) never fills memory.
fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    let mut any = false;
    let mut whole = true;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(any.then_some(whole));
        }
        any = true;
        let (take, end) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = MAX_RECORD_BYTES.saturating_sub(buf.len());
        if take > room {
            whole = false;
            buf.clear();
        } else if whole {
            buf.extend_from_slice(&chunk[..take]);
        }
        r.consume(take);
        if end {
            return Ok(Some(whole));
        }
    }
}

impl RecordSource for JsonlSource<'_> {
    fn next_batch(&mut self, max: usize, out: &mut Vec<Item>) -> Result<bool, LoadError> {
        let mut n = 0;
        while n < max && !self.done {
            self.buf.clear();
            let read = read_line(&mut self.reader, &mut self.buf).map_err(|e| {
                LoadError::new(msg!(
                    self.cols.lang,
                    CANNOT_READ_AT_LINE,
                    self.file,
                    self.line + 1,
                    e
                ))
            })?;
            let Some(whole) = read else {
                self.done = true;
                break;
            };
            self.line += 1;
            if !whole {
                let name = &self.cols.rules().entities[self.entity].name;
                let message = msg!(self.cols.lang, RECORD_TOO_LARGE, MAX_RECORD_BYTES);
                out.push(self.error(name, message));
                n += 1;
                continue;
            }
            let line = std::mem::take(&mut self.buf);
            let trimmed = line.trim_ascii();
            if !trimmed.is_empty() {
                out.push(self.item(trimmed));
                n += 1;
            }
            self.buf = line;
        }
        self.flush_warnings();
        Ok(!self.done)
    }

    fn take_warnings(&mut self) -> Vec<String> {
        self.flush_warnings();
        std::mem::take(&mut self.warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_up_to_the_limit_and_past_it_without_keeping_them() {
        let long = "x".repeat(MAX_RECORD_BYTES + 1);
        let text = format!("{{}}\n{long}\n{{\"a\":1}}\n{long}");
        let mut r = std::io::BufReader::with_capacity(1000, text.as_bytes());
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while let Some(whole) = read_line(&mut r, &mut buf).unwrap() {
            assert!(buf.len() <= MAX_RECORD_BYTES);
            got.push((whole, String::from_utf8_lossy(&buf).trim().to_string()));
            buf.clear();
        }
        assert_eq!(
            got,
            [
                (true, "{}".to_string()),
                (false, String::new()),
                (true, "{\"a\":1}".to_string()),
                (false, String::new())
            ]
        );
    }
}
