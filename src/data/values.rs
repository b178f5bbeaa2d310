//! Cell text → typed value, shared by every input format.

use super::credit_code;
use crate::dates;
use crate::ir::{FieldType, RuleSet, Value};

/// What a field expects, in words, for error messages.
pub fn expected(rules: &RuleSet, ty: FieldType) -> String {
    match ty {
        FieldType::Text => "text".into(),
        FieldType::Bool => "yes/no (是/否, true/false, 1/0)".into(),
        FieldType::Integer => "an integer".into(),
        FieldType::Decimal => "a number".into(),
        FieldType::Percent => "a percentage such as 20% or 20".into(),
        FieldType::Date => "a date YYYY-MM-DD".into(),
        FieldType::CreditCode => "an 18-character unified social credit code".into(),
        FieldType::Level => format!("an alert level ({})", level_names(rules)),
        FieldType::Enum(e) => format!("one of {}", rules.enums[e].variants.join(", ")),
        FieldType::Set(None) => format!("alert levels separated by `,` ({})", level_names(rules)),
        FieldType::Set(Some(e)) => format!(
            "values separated by `,` from {}",
            rules.enums[e].variants.join(", ")
        ),
        FieldType::List(e) => format!("a list of `{}` records", rules.entities[e].name),
    }
}

fn level_names(rules: &RuleSet) -> String {
    rules
        .levels
        .iter()
        .map(|l| l.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "是" | "true" | "1" | "y" | "yes" => Some(true),
        "否" | "false" | "0" | "n" | "no" => Some(false),
        _ => None,
    }
}

fn enum_variant(rules: &RuleSet, e: usize, text: &str) -> Option<u16> {
    rules.enums[e]
        .variants
        .iter()
        .position(|v| v == text)
        .map(|i| i as u16)
}

fn level(rules: &RuleSet, text: &str) -> Option<u16> {
    rules.level_index(text).map(|i| i as u16)
}

/// Parses one cell. Empty text is `Missing`; the caller decides whether that is allowed.
/// The error says why the text is not of the field's type.
pub fn parse_cell(rules: &RuleSet, ty: FieldType, text: &str) -> Result<Value, String> {
    let t = text.trim();
    if t.is_empty() {
        // An empty set is a value (on no list), not a missing one.
        return Ok(if matches!(ty, FieldType::Set(_)) {
            Value::Set(0)
        } else {
            Value::Missing
        });
    }
    let fail = || Err(format!("expected {}", expected(rules, ty)));
    match ty {
        FieldType::Text => Ok(Value::Text(t.into())),
        FieldType::CreditCode => credit_code::validate(t).map(|_| Value::Text(t.into())),
        FieldType::Bool => parse_bool(t).map(Value::Bool).map_or_else(fail, Ok),
        FieldType::Integer => t
            .parse::<i64>()
            .map(|i| Value::Num(i as f64))
            .or_else(|_| fail()),
        FieldType::Decimal => match t.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Num(f)),
            _ => fail(),
        },
        FieldType::Percent => match t.trim_end_matches(['%', '％']).trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Num(f)),
            _ => fail(),
        },
        FieldType::Date => dates::parse(t).map(Value::Date).map_or_else(fail, Ok),
        FieldType::Level => level(rules, t).map(Value::Enum).map_or_else(fail, Ok),
        FieldType::Enum(e) => enum_variant(rules, e, t)
            .map(Value::Enum)
            .map_or_else(fail, Ok),
        FieldType::Set(elem) => {
            let mut bits = 0u64;
            for part in t
                .split([',', '，', ';', '；', '、', '|'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                let v = match elem {
                    None => level(rules, part),
                    Some(e) => enum_variant(rules, e, part),
                };
                match v {
                    Some(v) => bits |= 1u64 << v,
                    None => return Err(format!("`{part}` is not {}", expected_one(rules, elem))),
                }
            }
            Ok(Value::Set(bits))
        }
        FieldType::List(_) => fail(),
    }
}

fn expected_one(rules: &RuleSet, elem: Option<usize>) -> String {
    match elem {
        None => format!("an alert level ({})", level_names(rules)),
        Some(e) => format!("one of {}", rules.enums[e].variants.join(", ")),
    }
}
