//! Compiled rule-set JSON → load (format, version, hash) and validate → evaluate records of
//! every entity at every level. A rule set that validates must never make the evaluator
//! panic.
//!
//! A mutated file almost never keeps its hash, so the target also validates the `rules`
//! member on its own, as if the hash had been recomputed by whoever edited the file: that is
//! what validation is for.
#![no_main]

use policyc::eval::{Decision, Evaluator};
use policyc::ir::{FieldType, Record, RuleSet, ValidRuleSet, Value};

/// A record of `entity` with a value of the right kind in every field, items included, so
/// that conditions and lookups read real values; `seed` varies them.
fn record(rules: &RuleSet, entity: usize, seed: u8, depth: u8) -> Record {
    let Some(info) = rules.entities.get(entity) else {
        return Record::default();
    };
    let values = info
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let pick = seed.wrapping_add(i as u8);
            match f.ty {
                FieldType::Text | FieldType::CreditCode => Value::Text("x".into()),
                FieldType::Bool => Value::Bool(pick % 2 == 0),
                FieldType::Integer => Value::Int(i64::from(pick) - 128),
                FieldType::Decimal | FieldType::Percent => Value::Num(f64::from(pick) / 2.0),
                FieldType::Date => Value::Date(i32::from(pick) * 100),
                FieldType::Level | FieldType::Enum(_) => Value::Enum(u16::from(pick % 4)),
                FieldType::Set(_) => Value::Set(u64::from(pick)),
                FieldType::List(e) if depth == 0 => Value::List(
                    (0..pick % 3)
                        .map(|k| record(rules, e, pick.wrapping_add(k), depth + 1))
                        .collect(),
                ),
                FieldType::List(_) => Value::List(Vec::new()),
            }
        })
        .collect();
    Record { values }
}

fn evaluate(rules: &ValidRuleSet) {
    let ev = Evaluator::new(rules);
    let mut decision = Decision::default();
    for e in 0..rules.entities.len() {
        let Some(entity) = rules.entity_id(e) else {
            continue;
        };
        for seed in [0u8, 1, 7] {
            let rec = record(rules, e, seed, 0);
            for level in rules.level_ids() {
                let _ = ev.evaluate(entity, &rec, level, &mut decision);
                let _ = ev.evaluate(entity, &Record::default(), level, &mut decision);
            }
        }
    }
}

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(rules) = policyc::ir::compiled::from_json(text) {
        evaluate(&rules);
    }
    let inner = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|mut v| v.get_mut("rules").map(serde_json::Value::take))
        .and_then(|r| serde_json::from_value::<RuleSet>(r).ok());
    if let Some(Ok(rules)) = inner.map(RuleSet::validate) {
        evaluate(&rules);
    }
});
