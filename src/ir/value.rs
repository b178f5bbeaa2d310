//! Runtime values and records: what data loading produces and the evaluator reads.
//! Field access is by index; enums are interned to their variant index.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub enum Value {
    /// An optional field without a value.
    #[default]
    Missing,
    Bool(bool),
    /// Integers, decimals and percentages (a percentage is its number: 20% is 20.0).
    Num(f64),
    Text(Box<str>),
    /// Days since 1970-01-01.
    Date(i32),
    /// A variant index of an enum, or a level index.
    Enum(u16),
    /// A set of variant or level indexes, one bit each.
    Set(u64),
    List(Vec<Record>),
    /// Present and valid in the input, but not kept: no rule of the rule set reads it.
    Elided,
}

/// One record of an entity: values in the entity's field order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Record {
    pub values: Vec<Value>,
}

impl Record {
    pub fn get(&self, field: usize) -> &Value {
        self.values.get(field).unwrap_or(&Value::Missing)
    }
}
