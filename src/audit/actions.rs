//! Rules comparing an action the data holds with one the plan gives (`应当 一厂一策措施 不弱于
//! 预案措施`): by the strictness order for a record's own action; by the reduction achieved,
//! capacity-weighted, for a plan per production line. A cell that does not read as an
//! action, an empty one, or lines whose capacity cannot weigh them break the rule: what the
//! rule asks cannot be shown to hold.

use super::lists::cut_of;
use crate::eval::explain::{value_text, ValueRead};
use crate::exact::Exact;
use crate::ir::{Action, ActionSource, Against, AtLeastInfo, FieldType, Record, RuleSet, Value};
use crate::keywords::{NOT_WEAKER, PLAN_ACTION, REDUCED};
use crate::messages::Lang;
use crate::msg;

/// The action the rule holds the record to at `level`: the plan's (`None` when the
/// decision is not known) or the one written in the rule.
pub fn against(a: &AtLeastInfo, plan: Option<Action>) -> Option<Action> {
    match a.against {
        Against::Plan => plan,
        Against::Action(x) => Some(x),
    }
}

/// Whether the record's action at `level` is at least as strict as `required`.
pub fn holds(
    rules: &RuleSet,
    entity: usize,
    a: &AtLeastInfo,
    record: &Record,
    level: usize,
    required: Action,
) -> bool {
    match a.source {
        ActionSource::Field(f) => match record.get(f).at_level(level) {
            Value::Action(own) => own.at_least_as_strict_as(required),
            _ => false,
        },
        ActionSource::Lines { .. } => match weighted(rules, entity, a, record, level) {
            Some(achieved) => {
                let need = cut_of(rules, entity, record, required);
                achieved.total > 0
                    && Some(achieved.cut_times_capacity)
                        >= achieved.total.checked_mul(i128::from(need))
            }
            None => false,
        },
    }
}

/// The lines' reduction at a level: Σ capacity × cut (cut in hundredths of a percent) and
/// Σ capacity, capacities in millionths.
struct Weighted {
    cut_times_capacity: i128,
    total: i128,
}

/// `None` when a line's action or capacity cannot be read (prose, empty, negative), when
/// there are no lines, or on overflow.
fn weighted(
    rules: &RuleSet,
    entity: usize,
    a: &AtLeastInfo,
    record: &Record,
    level: usize,
) -> Option<Weighted> {
    let ActionSource::Lines {
        list,
        field,
        capacity,
        ..
    } = a.source
    else {
        return None;
    };
    let Value::List(lines) = record.get(list) else {
        return None;
    };
    if lines.is_empty() {
        return None;
    }
    let mut w = Weighted {
        cut_times_capacity: 0,
        total: 0,
    };
    for line in lines {
        let Value::Action(action) = line.get(field).at_level(level) else {
            return None;
        };
        let cap = capacity_micros(line.get(capacity))?;
        let cut = i128::from(cut_of(rules, entity, record, *action));
        w.cut_times_capacity = w.cut_times_capacity.checked_add(cap.checked_mul(cut)?)?;
        w.total = w.total.checked_add(cap)?;
    }
    Some(w)
}

fn capacity_micros(v: &Value) -> Option<i128> {
    let m = match v {
        Value::Int(n) => i128::from(*n).checked_mul(crate::exact::MICRO)?,
        Value::Num(x) => Exact::micros_of_f64(*x)?,
        _ => return None,
    };
    (m >= 0).then_some(m)
}

/// What a finding of the rule shows: the record's action (or each line's action and
/// capacity, and what they achieve together) and the action it is held to.
pub fn values(
    rules: &RuleSet,
    entity: usize,
    a: &AtLeastInfo,
    record: &Record,
    level: usize,
    required: Option<Action>,
) -> Vec<ValueRead> {
    let zh = rules.chinese;
    let lang = if zh { Lang::Zh } else { Lang::En };
    let read = |field: String, ty: FieldType, v: &Value| ValueRead {
        field,
        value: match v {
            Value::ActionText(t) => msg!(lang, AUDIT_NOT_AN_ACTION, t),
            _ => value_text(rules, ty, v),
        },
        missing: matches!(v, Value::Missing),
    };
    let mut out = Vec::new();
    match a.source {
        ActionSource::Field(f) => {
            let info = &rules.entities[entity].fields[f];
            out.push(read(
                info.name.clone(),
                info.ty,
                record.get(f).at_level(level),
            ));
        }
        ActionSource::Lines {
            list,
            entity: line_entity,
            field,
            capacity,
        } => {
            let list_name = &rules.entities[entity].fields[list].name;
            let items = &rules.entities[line_entity];
            let lines: &[Record] = match record.get(list) {
                Value::List(l) => l,
                _ => &[],
            };
            if lines.is_empty() {
                out.push(read(list_name.clone(), FieldType::Text, &Value::Missing));
            }
            for line in lines {
                let key = value_text(rules, FieldType::Text, line.get(items.key));
                for fi in [field, capacity] {
                    let f = &items.fields[fi];
                    let v = line.get(fi).at_level(level);
                    out.push(read(format!("{list_name}[{key}].{}", f.name), f.ty, v));
                }
            }
            if let Some(w) = weighted(rules, entity, a, record, level) {
                // The share of the lines' capacity-weighted base they cut, in percent.
                let share = Exact::ratio(w.cut_times_capacity, w.total.saturating_mul(100));
                out.push(ValueRead {
                    field: REDUCED.spelling(zh).to_string(),
                    value: share.map_or_else(|| "-".into(), |s| format!("{s}%")),
                    missing: false,
                });
            }
        }
    }
    let required_text = match required {
        Some(x) => {
            let text = x.text(zh, |r| rules.restrictions.get(r).map(|i| i.name.as_str()));
            match a.source {
                ActionSource::Lines { .. } => {
                    let cut = Exact::ratio(i128::from(cut_of(rules, entity, record, x)), 100);
                    format!("{text} ({}%)", cut.unwrap_or(Exact::int(0)))
                }
                ActionSource::Field(_) => text,
            }
        }
        None => "-".into(),
    };
    let label = match a.against {
        Against::Plan => PLAN_ACTION.spelling(zh).to_string(),
        Against::Action(_) => NOT_WEAKER.spelling(zh).to_string(),
    };
    out.push(ValueRead {
        field: label,
        value: required_text,
        missing: required.is_none(),
    });
    out
}
