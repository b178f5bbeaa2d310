//! Runtime values and records: what data loading produces and the evaluator reads.
//! Field access is by index; enums are interned to their variant index.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub enum Value {
    /// An optional field without a value.
    #[default]
    Missing,
    Bool(bool),
    /// An integer (`整数`), exact: fields of type integer and integer literals.
    Int(i64),
    /// Decimals and percentages (a percentage is its number: 20% is 20.0).
    Num(f64),
    Text(Box<str>),
    /// Days since 1970-01-01.
    Date(i32),
    /// A variant index of an enum, or a level index.
    Enum(u16),
    /// A set of variant or level indexes, one bit each.
    Set(u64),
    List(Vec<Record>),
    /// An action an action field (`措施`) holds.
    Action(super::Action),
    /// The text of an action field that does not read as an action (prose such as
    /// "错峰生产"): kept, so that an audit can report the cell.
    ActionText(Box<str>),
    /// A per-level action field (`按级别 措施`): per level, `Missing`, `Action` or
    /// `ActionText`.
    Actions(Box<[Value]>),
    /// Present and valid in the input, but not kept: no rule of the rule set reads it.
    Elided,
}

/// 2^63 as a double: the first double above every `i64`.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// How an integer compares with a double, exactly (no rounding of the integer to a double):
/// `None` when the double is NaN.
pub fn cmp_int_f64(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= TWO_POW_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_POW_63 {
        return Some(Ordering::Greater);
    }
    // In [-2^63, 2^63): the integral part converts to i64 exactly.
    let whole = f.trunc();
    match i.cmp(&(whole as i64)) {
        Ordering::Equal => 0.0f64.partial_cmp(&(f - whole)),
        other => Some(other),
    }
}

impl Value {
    /// How two numbers compare, exactly: integers with integers, integers with decimals
    /// (the decimal's value, the integer not rounded), decimals with decimals. `None` when
    /// either is not a number (or is NaN).
    pub fn cmp_numbers(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
            (Value::Num(x), Value::Num(y)) => x.partial_cmp(y),
            (Value::Int(x), Value::Num(y)) => cmp_int_f64(*x, *y),
            (Value::Num(x), Value::Int(y)) => cmp_int_f64(*y, *x).map(Ordering::reverse),
            _ => None,
        }
    }

    /// Equality as conditions see it: numbers by their exact value (the integer 3 is the
    /// decimal 3.0), everything else structurally.
    pub fn same(&self, other: &Value) -> bool {
        match self.cmp_numbers(other) {
            Some(ord) => ord == Ordering::Equal,
            None => self == other,
        }
    }
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

impl Value {
    /// What an action field holds at `level`: a per-level field's value for that level, any
    /// other value as it is (a field with one action holds it at every level).
    pub fn at_level(&self, level: usize) -> &Value {
        match self {
            Value::Actions(per_level) => per_level.get(level).unwrap_or(&Value::Missing),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn integers_compare_exactly_beyond_doubles() {
        let (a, b) = (
            Value::Int(9_007_199_254_740_993),
            Value::Int(9_007_199_254_740_992),
        );
        assert_eq!(a.cmp_numbers(&b), Some(Greater));
        // 2^53 + 1 is not representable: the double 2^53 is below the integer.
        assert_eq!(
            a.cmp_numbers(&Value::Num(9_007_199_254_740_992.0)),
            Some(Greater)
        );
        assert_eq!(
            b.cmp_numbers(&Value::Num(9_007_199_254_740_992.0)),
            Some(Equal)
        );
        assert_eq!(
            Value::Num(9_007_199_254_740_992.0).cmp_numbers(&a),
            Some(Less)
        );
        assert_eq!(cmp_int_f64(i64::MAX, TWO_POW_63), Some(Less));
        assert_eq!(cmp_int_f64(i64::MIN, -TWO_POW_63), Some(Equal));
        assert_eq!(cmp_int_f64(i64::MIN, -1e300), Some(Greater));
        assert_eq!(cmp_int_f64(2, 2.5), Some(Less));
        assert_eq!(cmp_int_f64(3, 2.5), Some(Greater));
        assert_eq!(cmp_int_f64(-3, -2.5), Some(Less));
        assert_eq!(cmp_int_f64(-2, -2.5), Some(Greater));
        assert_eq!(cmp_int_f64(0, f64::NAN), None);
        assert_eq!(cmp_int_f64(0, f64::INFINITY), Some(Less));
        assert_eq!(cmp_int_f64(0, f64::NEG_INFINITY), Some(Greater));
        assert!(Value::Int(3).same(&Value::Num(3.0)));
        assert!(!Value::Int(3).same(&Value::Num(3.5)));
        assert!(Value::Text("a".into()).same(&Value::Text("a".into())));
        assert_eq!(Value::Int(1).cmp_numbers(&Value::Text("1".into())), None);
    }
}
