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

impl RecordSource for JsonlSource<'_> {
    fn next_batch(&mut self, max: usize, out: &mut Vec<Item>) -> Result<bool, LoadError> {
        let mut n = 0;
        while n < max && !self.done {
            self.buf.clear();
            let read = self.reader.read_until(b'\n', &mut self.buf).map_err(|e| {
                LoadError::new(msg!(
                    self.cols.lang,
                    CANNOT_READ_AT_LINE,
                    self.file,
                    self.line + 1,
                    e
                ))
            })?;
            if read == 0 {
                self.done = true;
                break;
            }
            self.line += 1;
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
