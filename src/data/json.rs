//! JSON input: an object with one array per entity; list fields inline as arrays of objects.

use std::collections::HashMap;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};

use super::source::{Item, LoadError, MemorySource};
use super::values::{expected, parse_cell};
use super::{LoadedRecord, RowError};
use crate::ir::{FieldType, Record, RuleSet, Value};
use crate::messages::Lang;
use crate::msg;

/// Maps column names (field names and aliases) to field indexes, per entity. A name is
/// found as written, or reduced as headers are compared (`header_key`: full-width folded,
/// spaces and required-marks removed).
pub struct ColumnIndex<'r> {
    rules: &'r RuleSet,
    by_entity: Vec<HashMap<Box<str>, usize>>,
    /// The language of the messages of what is read through this index.
    pub lang: Lang,
}

impl<'r> ColumnIndex<'r> {
    pub fn new(rules: &'r RuleSet) -> Self {
        let by_entity = rules
            .entities
            .iter()
            .map(|e| {
                let mut m = HashMap::new();
                for (i, f) in e.fields.iter().enumerate() {
                    for n in std::iter::once(&f.name).chain(&f.aliases) {
                        m.entry(n.as_str().into()).or_insert(i);
                        m.entry(super::normalize::header_key(n).into()).or_insert(i);
                    }
                }
                m
            })
            .collect();
        ColumnIndex {
            rules,
            by_entity,
            lang: Lang::En,
        }
    }

    /// The index, with messages in `lang`.
    pub fn with_lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    pub fn field(&self, entity: usize, column: &str) -> Option<usize> {
        let m = &self.by_entity[entity];
        m.get(column)
            .or_else(|| m.get(super::normalize::header_key(column).as_str()))
            .copied()
    }

    pub fn rules(&self) -> &'r RuleSet {
        self.rules
    }
}

/// A problem with one value: the column (dotted path for nested items) and what is wrong.
pub struct CellError {
    pub column: String,
    pub message: String,
}

/// The text a key value is shown as.
pub fn key_text(v: &Value) -> String {
    match v {
        Value::Text(t) => t.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Num(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Date(d) => crate::dates::format(*d),
        Value::Enum(e) => e.to_string(),
        _ => String::new(),
    }
}

fn json_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn convert(
    cols: &ColumnIndex,
    ty: FieldType,
    optional: bool,
    v: &Json,
    column: &str,
) -> Result<Value, CellError> {
    let rules = cols.rules();
    let bad = |why: String| CellError {
        column: column.to_string(),
        message: msg!(
            cols.lang,
            VALUE_NOT_VALID,
            super::echo(cols.lang, &json_text(v)),
            why
        ),
    };
    if let Json::String(s) = v {
        if s.len() > crate::limits::MAX_CELL_BYTES {
            return Err(CellError {
                column: column.to_string(),
                message: msg!(
                    cols.lang,
                    CELL_TOO_LARGE,
                    s.len(),
                    crate::limits::MAX_CELL_BYTES
                ),
            });
        }
    }
    match (ty, v) {
        (_, Json::Null) => Ok(Value::Missing),
        (FieldType::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
        // Exact: a JSON integer beyond i64 is an error of its row, never rounded.
        (FieldType::Integer, Json::Number(n)) if n.is_i64() || n.is_u64() => match n.as_i64() {
            Some(i) => Ok(Value::Int(i)),
            None => Err(bad(msg!(cols.lang, INTEGER_OUT_OF_RANGE))),
        },
        (FieldType::Decimal | FieldType::Percent, Json::Number(n)) => {
            Ok(Value::Num(n.as_f64().unwrap_or(0.0)))
        }
        (FieldType::Bool | FieldType::Text, Json::Number(n)) => {
            parse_cell(rules, cols.lang, ty, optional, &n.to_string()).map_err(bad)
        }
        (FieldType::Set(_), Json::Array(items)) => {
            let joined: Vec<String> = items.iter().map(json_text).collect();
            parse_cell(rules, cols.lang, ty, optional, &joined.join(",")).map_err(bad)
        }
        (FieldType::List(e), Json::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            // Item keys are unique within their parent: the first item of each key.
            let mut first: HashMap<String, usize> = HashMap::new();
            let key_field = rules.entities[e].key;
            for (i, item) in items.iter().enumerate() {
                let Json::Object(obj) = item else {
                    return Err(CellError {
                        column: format!("{column}[{}]", i + 1),
                        message: msg!(cols.lang, JSON_EXPECTED_OBJECT, rules.entities[e].name),
                    });
                };
                let rec = record(cols, e, obj).map_err(|mut err| {
                    err.column = format!("{column}[{}].{}", i + 1, err.column);
                    err
                })?;
                let key = key_text(rec.get(key_field));
                if !key.is_empty() {
                    if let Some(at) = first.get(&key) {
                        let name = &rules.entities[e].name;
                        return Err(CellError {
                            column: format!("{column}[{}]", i + 1),
                            message: msg!(
                                cols.lang,
                                DUPLICATE_IN_LIST,
                                name,
                                super::echo(cols.lang, &key),
                                at
                            ),
                        });
                    }
                    first.insert(key, i + 1);
                }
                out.push(rec);
            }
            Ok(Value::List(out))
        }
        // `{"黄色": "限产 30%", "橙色": "停产"}`: a per-level action, by level.
        (FieldType::Action { per_level: true }, Json::Object(by_level)) => {
            let mut per_level = vec![Value::Missing; rules.levels.len()];
            for (name, v) in by_level {
                let Some(l) = super::values::level(rules, name) else {
                    return Err(CellError {
                        column: format!("{column}.{name}"),
                        message: msg!(
                            cols.lang,
                            VALUE_NOT_VALID,
                            super::echo(cols.lang, name),
                            msg!(
                                cols.lang,
                                EXPECTED,
                                expected(rules, cols.lang, FieldType::Level)
                            )
                        ),
                    });
                };
                let one = FieldType::Action { per_level: false };
                let column = format!("{column}.{name}");
                per_level[l as usize] = convert(cols, one, true, v, &column)?;
            }
            Ok(Value::Actions(per_level.into()))
        }
        (_, Json::String(s)) if !matches!(ty, FieldType::List(_)) => {
            parse_cell(rules, cols.lang, ty, optional, s).map_err(bad)
        }
        _ => Err(bad(msg!(
            cols.lang,
            EXPECTED,
            expected(rules, cols.lang, ty)
        ))),
    }
}

/// Builds one record of `entity` from a JSON object. Unknown keys are ignored here and
/// reported once per file by the caller.
pub fn record(
    cols: &ColumnIndex,
    entity: usize,
    obj: &Map<String, Json>,
) -> Result<Record, CellError> {
    let info = &cols.rules().entities[entity];
    let mut values = vec![Value::Missing; info.fields.len()];
    for (k, v) in obj {
        if let Some(fi) = cols.field(entity, k) {
            let f = &info.fields[fi];
            values[fi] = convert(cols, f.ty, f.optional, v, k)?;
        }
    }
    for (fi, f) in info.fields.iter().enumerate() {
        if let Some(message) = super::values::outside_range(cols.lang, f, &values[fi]) {
            return Err(CellError {
                column: f.name.clone(),
                message,
            });
        }
        if matches!(values[fi], Value::Missing) {
            match f.ty {
                FieldType::List(_) => values[fi] = Value::List(Vec::new()),
                _ if !f.optional => {
                    return Err(CellError {
                        column: f.name.clone(),
                        message: msg!(
                            cols.lang,
                            REQUIRED_EMPTY,
                            f.name,
                            expected(cols.rules(), cols.lang, f.ty)
                        ),
                    })
                }
                _ => {}
            }
        }
    }
    Ok(Record { values })
}

pub fn unknown_keys(
    cols: &ColumnIndex,
    entity: usize,
    obj: &Map<String, Json>,
    seen: &mut Vec<String>,
) {
    for k in obj.keys() {
        if cols.field(entity, k).is_none() && !seen.contains(k) {
            seen.push(k.clone());
        }
    }
}

/// Reads a JSON document: an object with one array per entity. A document that is not
/// JSON of that shape is an error of the whole file.
pub fn load(
    rules: &RuleSet,
    file: &str,
    file_index: usize,
    text: &str,
) -> Result<MemorySource, LoadError> {
    load_in(rules, Lang::En, file, file_index, text)
}

/// [`load`], with messages in `lang`.
pub fn load_in(
    rules: &RuleSet,
    lang: Lang,
    file: &str,
    file_index: usize,
    text: &str,
) -> Result<MemorySource, LoadError> {
    let cols = ColumnIndex::new(rules).with_lang(lang);
    let mut doc = Document {
        cols: &cols,
        file,
        file_index,
        items: Vec::new(),
        warnings: Vec::new(),
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let read = serde::Deserializer::deserialize_any(&mut de, &mut doc).and_then(|()| de.end());
    read.map_err(|e| {
        let shape = e.is_data();
        LoadError::new(if shape {
            msg!(lang, JSON_SHAPE, file, e)
        } else {
            msg!(lang, JSON_INVALID, file, e)
        })
        .with_help(msg!(lang, JSON_HELP))
    })?;
    Ok(MemorySource::new(doc.items, doc.warnings))
}

/// Reads the document's top-level object one record at a time: each record is parsed into a
/// small JSON value, turned into a typed record, and dropped, so memory holds the records,
/// not a tree of the whole document.
struct Document<'a, 'r> {
    cols: &'a ColumnIndex<'r>,
    file: &'a str,
    file_index: usize,
    items: Vec<Item>,
    warnings: Vec<String>,
}

impl<'de> Visitor<'de> for &mut Document<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let first = self
            .cols
            .rules()
            .entities
            .first()
            .map(|e| e.name.as_str())
            .unwrap_or("企业");
        write!(
            f,
            "an object with one array per entity, such as {{\"{first}\": [ … ]}}"
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(name) = map.next_key::<String>()? {
            map.next_value_seed(Records {
                doc: &mut *self,
                name,
            })?;
        }
        Ok(())
    }
}

/// The array of one entity's records.
struct Records<'d, 'a, 'r> {
    doc: &'d mut Document<'a, 'r>,
    name: String,
}

impl<'de> DeserializeSeed<'de> for Records<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Records<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "`{}` to be an array of records", self.name)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let doc = self.doc;
        let name = self.name;
        let rules = doc.cols.rules();
        let entity = rules.entity_index(&name);
        let fail = |row: usize, message: String| {
            Item::Error(RowError {
                file: doc.file.to_string(),
                sheet: None,
                value: None,
                entity: name.clone(),
                row,
                column: None,
                key: None,
                message,
            })
        };
        let mut unknown = Vec::new();
        let mut row = 0;
        // Each record is taken as raw text first and parsed on its own, so a value that does
        // not parse (a number out of range such as 1e400) fails its record, not the file.
        while let Some(raw) = seq.next_element::<&serde_json::value::RawValue>()? {
            row += 1;
            let value = match serde_json::from_str::<Json>(raw.get()) {
                Ok(v) => v,
                Err(e) => {
                    let why = msg!(doc.cols.lang, JSON_VALUE_BAD, e);
                    doc.items.push(fail(row, why));
                    continue;
                }
            };
            let item = match (entity, &value) {
                (None, _) => {
                    let entities = rules
                        .entities
                        .iter()
                        .map(|e| e.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    fail(row, msg!(doc.cols.lang, UNKNOWN_ENTITY, name, entities))
                }
                (Some(e), Json::Object(obj)) => {
                    unknown_keys(doc.cols, e, obj, &mut unknown);
                    object_item(doc.cols, e, obj, doc.file, doc.file_index, row)
                }
                (Some(_), other) => fail(row, msg!(doc.cols.lang, JSON_FOUND, name, other)),
            };
            doc.items.push(item);
        }
        for k in unknown {
            let lang = doc.cols.lang;
            doc.warnings.push(msg!(
                lang,
                WARNING,
                msg!(lang, UNDECLARED_KEY, doc.file, name, k)
            ));
        }
        Ok(())
    }
}

/// One JSON object of `entity` as an input item (shared with JSON Lines).
pub fn object_item(
    cols: &ColumnIndex,
    entity: usize,
    obj: &Map<String, Json>,
    file: &str,
    file_index: usize,
    row: usize,
) -> Item {
    let rules = cols.rules();
    let info = &rules.entities[entity];
    match record(cols, entity, obj) {
        Ok(rec) => Item::Record(LoadedRecord {
            entity,
            file: file_index,
            row,
            sheet: None,
            key: key_text(rec.get(info.key)),
            record: rec,
        }),
        Err(e) => Item::Error(RowError {
            file: file.to_string(),
            sheet: None,
            value: None,
            entity: info.name.clone(),
            row,
            column: Some(e.column),
            key: obj
                .iter()
                .find(|(k, _)| cols.field(entity, k) == Some(info.key))
                .map(|(_, v)| super::echo(cols.lang, &json_text(v))),
            message: e.message,
        }),
    }
}
