//! JSON input: an object with one array per entity; list fields inline as arrays of objects.

use std::collections::HashMap;

use serde_json::{Map, Value as Json};

use super::source::{Item, LoadError, MemorySource};
use super::values::{expected, parse_cell};
use super::{LoadedRecord, RowError};
use crate::ir::{FieldType, Record, RuleSet, Value};

/// Maps column names (field names and aliases) to field indexes, per entity.
pub struct ColumnIndex<'r> {
    rules: &'r RuleSet,
    by_entity: Vec<HashMap<&'r str, usize>>,
}

impl<'r> ColumnIndex<'r> {
    pub fn new(rules: &'r RuleSet) -> Self {
        let by_entity = rules
            .entities
            .iter()
            .map(|e| {
                let mut m = HashMap::new();
                for (i, f) in e.fields.iter().enumerate() {
                    m.insert(f.name.as_str(), i);
                    for a in &f.aliases {
                        m.insert(a.as_str(), i);
                    }
                }
                m
            })
            .collect();
        ColumnIndex { rules, by_entity }
    }

    pub fn field(&self, entity: usize, column: &str) -> Option<usize> {
        self.by_entity[entity].get(column.trim()).copied()
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

fn convert(cols: &ColumnIndex, ty: FieldType, v: &Json, column: &str) -> Result<Value, CellError> {
    let rules = cols.rules();
    let bad = |why: String| CellError {
        column: column.to_string(),
        message: format!("value {} is not valid: {why}", json_text(v)),
    };
    match (ty, v) {
        (_, Json::Null) => Ok(Value::Missing),
        (FieldType::Bool, Json::Bool(b)) => Ok(Value::Bool(*b)),
        (FieldType::Integer, Json::Number(n)) if n.is_i64() || n.is_u64() => {
            Ok(Value::Num(n.as_f64().unwrap_or(0.0)))
        }
        (FieldType::Decimal | FieldType::Percent, Json::Number(n)) => {
            Ok(Value::Num(n.as_f64().unwrap_or(0.0)))
        }
        (FieldType::Bool | FieldType::Text, Json::Number(n)) => {
            parse_cell(rules, ty, &n.to_string()).map_err(bad)
        }
        (FieldType::Set(_), Json::Array(items)) => {
            let joined: Vec<String> = items.iter().map(json_text).collect();
            parse_cell(rules, ty, &joined.join(",")).map_err(bad)
        }
        (FieldType::List(e), Json::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let Json::Object(obj) = item else {
                    return Err(CellError {
                        column: format!("{column}[{}]", i + 1),
                        message: format!("expected a `{}` object", rules.entities[e].name),
                    });
                };
                let rec = record(cols, e, obj).map_err(|mut err| {
                    err.column = format!("{column}[{}].{}", i + 1, err.column);
                    err
                })?;
                out.push(rec);
            }
            Ok(Value::List(out))
        }
        (_, Json::String(s)) if !matches!(ty, FieldType::List(_)) => {
            parse_cell(rules, ty, s).map_err(bad)
        }
        _ => Err(bad(format!("expected {}", expected(rules, ty)))),
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
            values[fi] = convert(cols, info.fields[fi].ty, v, k)?;
        }
    }
    for (fi, f) in info.fields.iter().enumerate() {
        if matches!(values[fi], Value::Missing) {
            match f.ty {
                FieldType::List(_) => values[fi] = Value::List(Vec::new()),
                _ if !f.optional => {
                    return Err(CellError {
                        column: f.name.clone(),
                        message: format!(
                            "required field `{}` has no value (expected {})",
                            f.name,
                            expected(cols.rules(), f.ty)
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
    let doc: Json = serde_json::from_str(text).map_err(|e| {
        LoadError::new(format!("{file}: not valid JSON: {e}"))
            .with_help("JSON data is an object with one array per entity; see docs/cli.md")
    })?;
    let Json::Object(top) = doc else {
        return Err(LoadError::new(format!(
            "{file}: expected an object with one array per entity, such as {{\"{}\": [ … ]}}",
            rules
                .entities
                .first()
                .map(|e| e.name.as_str())
                .unwrap_or("企业")
        )));
    };
    let cols = ColumnIndex::new(rules);
    let mut items = Vec::new();
    let mut warnings = Vec::new();
    for (name, value) in &top {
        let Json::Array(records) = value else {
            return Err(LoadError::new(format!(
                "{file}: `{name}` must be an array of records"
            )));
        };
        let Some(entity) = rules.entity_index(name) else {
            let entities = rules
                .entities
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            for i in 0..records.len() {
                items.push(Item::Error(RowError {
                    file: file.to_string(),
                    entity: name.clone(),
                    row: i + 1,
                    column: None,
                    key: None,
                    message: format!(
                        "`{name}` is not an entity of the policy (entities: {entities})"
                    ),
                }));
            }
            continue;
        };
        let mut unknown = Vec::new();
        for (i, value) in records.iter().enumerate() {
            let Json::Object(obj) = value else {
                items.push(Item::Error(RowError {
                    file: file.to_string(),
                    entity: name.clone(),
                    row: i + 1,
                    column: None,
                    key: None,
                    message: format!("expected a `{name}` object, found {value}"),
                }));
                continue;
            };
            unknown_keys(&cols, entity, obj, &mut unknown);
            items.push(object_item(&cols, entity, obj, file, file_index, i + 1));
        }
        for k in unknown {
            warnings.push(format!("{file}: `{name}` has a field `{k}` that the policy does not declare; it is ignored"));
        }
    }
    Ok(MemorySource::new(items, warnings))
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
            key: key_text(rec.get(info.key)),
            record: rec,
        }),
        Err(e) => Item::Error(RowError {
            file: file.to_string(),
            entity: info.name.clone(),
            row,
            column: Some(e.column),
            key: obj
                .iter()
                .find(|(k, _)| cols.field(entity, k) == Some(info.key))
                .map(|(_, v)| json_text(v)),
            message: e.message,
        }),
    }
}
