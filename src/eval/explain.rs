//! Explanations (`eval --explain`): for every measure of a record's entity, why it applies,
//! is exempt or does not apply — the values its conditions read, the table cells used, the
//! exception or exemption that held — each with its citation. A slow path, off the hot one.

use super::expr::{eval_condition, Frames};
use super::{Evaluator, Status};
use crate::data::LoadedRecord;
use crate::ir::{
    Action, Dim, EntityId, Expr, FieldType, KeySource, LevelId, Record, RuleSet, Value,
};

/// The outcome a measure had for the record (or one of its items).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applies,
    Exempt,
    /// Not in force at this level.
    NotInForce,
    /// In force, but its condition does not hold.
    ConditionFalse,
    /// A measure over list items, and the record has no items.
    NoItems,
}

/// A field the condition read, and the value it had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRead {
    pub field: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellUsed {
    pub table: String,
    pub keys: Vec<String>,
    /// `None` when the table has no cell for these keys.
    pub action: Option<Action>,
    pub from_default: bool,
}

/// A local exception or named exemption that was checked, and whether it held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifting {
    pub kind: &'static str,
    /// The index of the exception among its measure's, or of the exemption in the rule set.
    pub index: usize,
    pub cite: Option<String>,
    pub held: bool,
    pub values: Vec<ValueRead>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub measure: usize,
    pub item: Option<u32>,
    pub outcome: Outcome,
    pub values: Vec<ValueRead>,
    pub cells: Vec<CellUsed>,
    pub liftings: Vec<Lifting>,
}

/// The text of a value as the policy names it.
pub fn value_text(rules: &RuleSet, ty: FieldType, v: &Value) -> String {
    match (ty, v) {
        (_, Value::Missing) => "(none)".into(),
        (_, Value::Elided) => "(not kept)".into(),
        (FieldType::Enum(e), Value::Enum(i)) => rules
            .enums
            .get(e)
            .and_then(|x| x.variants.get(*i as usize))
            .cloned()
            .unwrap_or_default(),
        (FieldType::Level, Value::Enum(i)) => rules
            .levels
            .get(*i as usize)
            .map(|l| l.name.clone())
            .unwrap_or_default(),
        (FieldType::Set(elem), Value::Set(bits)) => {
            let names: Vec<String> = (0..64)
                .filter(|i| bits & (1u64 << i) != 0)
                .filter_map(|i| match elem {
                    None => rules.levels.get(i).map(|l| l.name.clone()),
                    Some(e) => rules.enums.get(e)?.variants.get(i).cloned(),
                })
                .collect();
            format!("{{{}}}", names.join(", "))
        }
        (_, Value::Bool(b)) => if *b { "是" } else { "否" }.into(),
        (_, Value::Int(n)) => n.to_string(),
        (_, Value::Num(n)) => n.to_string(),
        (_, Value::Text(t)) => t.to_string(),
        (_, Value::Date(d)) => crate::dates::format(*d),
        (_, Value::List(items)) => format!("[{} items]", items.len()),
        (_, Value::Enum(i)) => i.to_string(),
        (_, Value::Set(b)) => format!("{b:#x}"),
    }
}

/// The values an expression reads from the frames it can see (frames 0 and 1).
fn reads(rules: &RuleSet, entities: &[usize], e: &Expr, frames: Frames<'_>) -> Vec<ValueRead> {
    let mut refs = Vec::new();
    e.for_each_field(&mut |r| {
        if !refs.contains(&r) {
            refs.push(r)
        }
    });
    refs.into_iter()
        .filter(|r| (r.frame as usize) < entities.len())
        .map(|r| {
            let entity = &rules.entities[entities[r.frame as usize]];
            let field = &entity.fields[r.field as usize];
            ValueRead {
                field: format!("{}.{}", entity.name, field.name),
                value: value_text(rules, field.ty, frames.get(r)),
            }
        })
        .collect()
}

impl Evaluator<'_> {
    /// Explains every measure of a loaded record at the level with index `level`: nothing
    /// when the record's entity or the level is not one of this rule set's.
    pub fn explain_record(&self, rec: &LoadedRecord, level: usize) -> Vec<Explanation> {
        let valid = self.rules();
        match (valid.entity_id(rec.entity), valid.level_id(level)) {
            (Some(entity), Some(level)) => self.explain(entity, &rec.record, level),
            _ => Vec::new(),
        }
    }

    /// Explains every measure of `entity` for `record` at `level`.
    pub fn explain(&self, entity: EntityId, record: &Record, level: LevelId) -> Vec<Explanation> {
        let rules = self.rules;
        let mut out = Vec::new();
        if entity.index() >= rules.entities.len() || level.index() >= rules.levels.len() {
            return out;
        }
        let (entity, level) = (entity.index(), level.index());
        let root = Frames::root(record);
        for (mi, m) in rules.measures.iter().enumerate() {
            if m.entity != entity {
                continue;
            }
            let blank = |outcome| Explanation {
                measure: mi,
                item: None,
                outcome,
                values: Vec::new(),
                cells: Vec::new(),
                liftings: Vec::new(),
            };
            if m.levels & (1u64 << level) == 0 {
                out.push(blank(Outcome::NotInForce));
                continue;
            }
            match m.item {
                None => out.push(self.explain_one(mi, None, root, &[entity], level)),
                Some(sub) => match record.get(sub.field) {
                    Value::List(items) if !items.is_empty() => {
                        for (i, it) in items.iter().enumerate() {
                            out.push(self.explain_one(
                                mi,
                                Some(i as u32),
                                root.push(it),
                                &[entity, sub.entity],
                                level,
                            ));
                        }
                    }
                    _ => out.push(blank(Outcome::NoItems)),
                },
            }
        }
        out
    }

    fn explain_one(
        &self,
        mi: usize,
        item: Option<u32>,
        frames: Frames<'_>,
        entities: &[usize],
        level: usize,
    ) -> Explanation {
        let rules = self.rules;
        let m = &rules.measures[mi];
        let mut ex = Explanation {
            measure: mi,
            item,
            outcome: Outcome::Applies,
            values: Vec::new(),
            cells: Vec::new(),
            liftings: Vec::new(),
        };
        if let Some(c) = &m.condition {
            ex.values = reads(rules, entities, c, frames);
            if !eval_condition(rules, c, frames, level) {
                ex.outcome = Outcome::ConditionFalse;
                return ex;
            }
        }
        let mut status = Status::Applies;
        for (xi, x) in m.exceptions.iter().enumerate() {
            let held =
                status == Status::Applies && eval_condition(rules, &x.condition, frames, level);
            if held {
                status = Status::ExceptedBy(xi as u32);
            }
            ex.liftings.push(Lifting {
                kind: "exception",
                index: xi,
                cite: x.cite.clone(),
                held,
                values: reads(rules, entities, &x.condition, frames),
            });
        }
        let root = frames.root_only();
        for &xi in &m.lifted_by {
            let x = &rules.exemptions[xi];
            let held = status == Status::Applies
                && x.condition
                    .as_ref()
                    .is_none_or(|c| eval_condition(rules, c, root, level));
            if held {
                status = Status::ExemptedBy(xi as u32);
            }
            ex.liftings.push(Lifting {
                kind: "exemption",
                index: xi,
                cite: x.cite.clone(),
                held,
                values: x
                    .condition
                    .as_ref()
                    .map(|c| reads(rules, &entities[..1], c, root))
                    .unwrap_or_default(),
            });
        }
        if status != Status::Applies {
            ex.outcome = Outcome::Exempt;
        }
        if let Some(plan) = m.actions.get(level).and_then(Option::as_ref) {
            for lookup in &plan.lookups {
                let table = &rules.tables[lookup.table];
                let mut keys = Vec::new();
                let mut names = Vec::new();
                for (source, dim) in lookup.keys.iter().zip(&table.dims) {
                    let k = match source {
                        KeySource::Level => Some(level),
                        KeySource::Field(r) => match frames.get(*r) {
                            Value::Enum(v) => Some(*v as usize),
                            _ => None,
                        },
                    };
                    names.push(match (k, dim) {
                        (None, _) => "(none)".to_string(),
                        (Some(k), Dim::Level) => rules
                            .levels
                            .get(k)
                            .map(|l| l.name.clone())
                            .unwrap_or_default(),
                        (Some(k), Dim::Enum(e)) => {
                            rules.enums[*e].variants.get(k).cloned().unwrap_or_default()
                        }
                    });
                    keys.extend(k);
                }
                let in_range = keys.iter().zip(&table.sizes).all(|(k, size)| k < size);
                let (action, from_default) = if keys.len() == lookup.keys.len() && in_range {
                    let mut index = 0;
                    for (k, size) in keys.iter().zip(&table.sizes) {
                        index = index * size + k;
                    }
                    match table.cells.get(index).copied().flatten() {
                        Some(a) => (Some(a), false),
                        None => (table.default, table.default.is_some()),
                    }
                } else {
                    (None, false)
                };
                ex.cells.push(CellUsed {
                    table: table.name.clone(),
                    keys: names,
                    action,
                    from_default,
                });
            }
        }
        ex
    }
}
