//! Stage 7, evaluate: rule set × record × level → decision.
//!
//! The hot path works on interned values and field indexes and writes into a caller-owned
//! [`Decision`], so evaluating a record allocates nothing once the buffer has grown.

pub mod explain;
mod expr;
pub mod run;

use crate::ir::{Action, ActionPlan, KeySource, MeasureKind, Record, RuleSet, Value};
pub use expr::{eval_condition, Frames};

/// Why an entry does not apply although its measure matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Applies,
    /// Lifted by the measure's own exception (index into its `exceptions`).
    ExceptedBy(u32),
    /// Lifted by a named exemption (index into the rule set's `exemptions`).
    ExemptedBy(u32),
}

/// One matched measure for a record (or one item of it) at one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub measure: u32,
    /// The index of the item in the measure's list field, for measures over items.
    pub item: Option<u32>,
    pub status: Status,
    pub action: Option<Action>,
}

/// A record's evaluation that could not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// A table has no cell (and no default) for the keys the record gives.
    MissingCell {
        measure: usize,
        table: usize,
        keys: Vec<usize>,
    },
    /// A field a table lookup needs has no value.
    MissingKey {
        measure: usize,
        table: usize,
        field: usize,
        frame: u8,
    },
}

/// The decision for one record at one level; reused across records.
#[derive(Debug, Default, Clone)]
pub struct Decision {
    pub entries: Vec<Entry>,
    /// The combination of the actions of the applying mandatory measures whose subject is the record itself.
    pub effective: Action,
}

impl Decision {
    pub fn clear(&mut self) {
        self.entries.clear();
        self.effective = Action::NONE;
    }
}

/// A rule set prepared for evaluation: measures grouped by the entity they concern.
pub struct Evaluator<'r> {
    pub rules: &'r RuleSet,
    by_entity: Vec<Vec<usize>>,
}

impl<'r> Evaluator<'r> {
    pub fn new(rules: &'r RuleSet) -> Self {
        let mut by_entity = vec![Vec::new(); rules.entities.len()];
        for (i, m) in rules.measures.iter().enumerate() {
            if let Some(list) = by_entity.get_mut(m.entity) {
                list.push(i);
            }
        }
        Evaluator { rules, by_entity }
    }

    /// Decides which measures concern `record` (of `entity`) at `level`, into `out`.
    pub fn evaluate(
        &self,
        entity: usize,
        record: &Record,
        level: usize,
        out: &mut Decision,
    ) -> Result<(), EvalError> {
        out.clear();
        let root = Frames::root(record);
        for &mi in &self.by_entity[entity] {
            let m = &self.rules.measures[mi];
            if m.levels & (1u64 << level) == 0 {
                continue;
            }
            match m.item {
                None => self.entry(mi, None, root, level, out)?,
                Some(item) => {
                    if let Value::List(items) = record.get(item.field) {
                        for (i, it) in items.iter().enumerate() {
                            self.entry(mi, Some(i as u32), root.push(it), level, out)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn entry(
        &self,
        mi: usize,
        item: Option<u32>,
        frames: Frames<'_>,
        level: usize,
        out: &mut Decision,
    ) -> Result<(), EvalError> {
        let m = &self.rules.measures[mi];
        if let Some(c) = &m.condition {
            if !eval_condition(self.rules, c, frames, level) {
                return Ok(());
            }
        }
        let mut status = Status::Applies;
        if let Some(x) = m
            .exceptions
            .iter()
            .position(|x| eval_condition(self.rules, &x.condition, frames, level))
        {
            status = Status::ExceptedBy(x as u32);
        } else {
            let root = frames.root_only();
            for &xi in &m.lifted_by {
                let x = &self.rules.exemptions[xi];
                if x.condition
                    .as_ref()
                    .is_none_or(|c| eval_condition(self.rules, c, root, level))
                {
                    status = Status::ExemptedBy(xi as u32);
                    break;
                }
            }
        }
        let action = match (&m.actions.get(level).and_then(Option::as_ref), status) {
            (None, _) => None,
            (Some(plan), Status::Applies) => Some(self.action(mi, plan, frames, level)?),
            // An exempt entry shows what it would have required, when that can be known.
            (Some(plan), _) => self.action(mi, plan, frames, level).ok(),
        };
        if status == Status::Applies && m.kind == MeasureKind::Mandatory && item.is_none() {
            if let Some(a) = action {
                out.effective = out.effective.combine(a);
            }
        }
        out.entries.push(Entry {
            measure: mi as u32,
            item,
            status,
            action,
        });
        Ok(())
    }

    fn action(
        &self,
        mi: usize,
        plan: &ActionPlan,
        frames: Frames<'_>,
        level: usize,
    ) -> Result<Action, EvalError> {
        let mut action = plan.fixed;
        for lookup in &plan.lookups {
            let table = &self.rules.tables[lookup.table];
            // Tables have few dimensions; a fixed buffer keeps the lookup allocation-free.
            let mut keys = [0usize; 8];
            for (slot, source) in keys.iter_mut().zip(&lookup.keys) {
                *slot = match source {
                    KeySource::Level => level,
                    KeySource::Field(r) => match frames.get(*r) {
                        Value::Enum(v) => *v as usize,
                        _ => {
                            return Err(EvalError::MissingKey {
                                measure: mi,
                                table: lookup.table,
                                field: r.field as usize,
                                frame: r.frame,
                            })
                        }
                    },
                };
            }
            let keys = &keys[..lookup.keys.len()];
            match table.lookup(keys) {
                Some(cell) => action = action.combine(cell),
                None => {
                    return Err(EvalError::MissingCell {
                        measure: mi,
                        table: lookup.table,
                        keys: keys.to_vec(),
                    })
                }
            }
        }
        Ok(action)
    }
}
