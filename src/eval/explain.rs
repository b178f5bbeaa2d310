//! Explanations (`eval --explain`): for every measure of a record's entity, why it applies,
//! is exempt or does not apply — the values its conditions read, the table cells used, the
//! exception or exemption that held — each with its citation. A slow path, off the hot one.

use super::expr::Frames;
use super::{key, Decision, Entry, EvalError, Evaluator, Found, Observer, Status};
use crate::data::LoadedRecord;
use crate::ir::{Action, Dim, EntityId, Expr, FieldType, LevelId, Lookup, Record, RuleSet, Value};

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
    /// It binds the record, but its table declares the record's value not encoded: what it
    /// requires is undetermined ([`Status::NotEncoded`]).
    NotEncoded,
}

impl From<Status> for Outcome {
    /// The outcome of a decided entry: it applies, something lifted it, or its table is not
    /// encoded for the record.
    fn from(status: Status) -> Outcome {
        match status {
            Status::Applies => Outcome::Applies,
            Status::ExceptedBy(_) | Status::ExemptedBy(_) => Outcome::Exempt,
            Status::NotEncoded { .. } => Outcome::NotEncoded,
        }
    }
}

/// A field the condition read, and the value it had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRead {
    pub field: String,
    pub value: String,
    /// The field had no value (`value` is then the neutral `(none)`; a report in a
    /// language writes its own word).
    pub missing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellUsed {
    pub table: String,
    pub keys: Vec<String>,
    /// `None` when the table has no cell for these keys.
    pub action: Option<Action>,
    pub from_default: bool,
    /// The table declares the first key's value not encoded (`action` is then `None`).
    pub not_encoded: bool,
}

/// What lifts an entry: a measure's own exception or a named exemption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiftingKind {
    Exception,
    Exemption,
}

impl LiftingKind {
    /// The word output formats use: `exception`, `exemption`.
    pub fn as_str(self) -> &'static str {
        match self {
            LiftingKind::Exception => "exception",
            LiftingKind::Exemption => "exemption",
        }
    }
}

/// A local exception or named exemption that was checked, and whether it held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifting {
    pub kind: LiftingKind,
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
        (_, Value::Action(a)) => a.text(rules.chinese, |r| {
            rules.restrictions.get(r).map(|x| x.name.as_str())
        }),
        (_, Value::ActionText(t)) => format!("“{t}”"),
        (_, Value::Actions(per_level)) => {
            let parts: Vec<String> = per_level
                .iter()
                .enumerate()
                .filter(|(_, v)| !matches!(v, Value::Missing))
                .map(|(l, v)| {
                    let level = rules.levels.get(l).map_or("?", |x| x.name.as_str());
                    format!("{level} {}", value_text(rules, ty, v))
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// The values an expression reads from the frames it can see (frames 0 and 1).
pub fn reads(rules: &RuleSet, entities: &[usize], e: &Expr, frames: Frames<'_>) -> Vec<ValueRead> {
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
            let value = frames.get(r);
            ValueRead {
                field: format!("{}.{}", entity.name, field.name),
                value: value_text(rules, field.ty, value),
                missing: matches!(value, Value::Missing),
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

    /// Explains every measure of `entity` for `record` at `level`: the decision procedure of
    /// [`evaluate`](Evaluator::evaluate), told to report what it reads and finds. A record
    /// whose evaluation fails is explained all the same (the failing lookup shows no cell).
    pub fn explain(&self, entity: EntityId, record: &Record, level: LevelId) -> Vec<Explanation> {
        let mut trace = Trace {
            rules: self.rules,
            out: Vec::new(),
        };
        // The trace goes on past errors, so the decision always completes.
        let _ = self.decide(entity, record, level, &mut Decision::default(), &mut trace);
        trace.out
    }
}

/// The observer of `explain`: an explanation per entry and per measure that has none.
struct Trace<'r> {
    rules: &'r RuleSet,
    out: Vec<Explanation>,
}

impl Trace<'_> {
    fn push(&mut self, measure: usize, item: Option<u32>, outcome: Outcome) {
        self.out.push(Explanation {
            measure,
            item,
            outcome,
            values: Vec::new(),
            cells: Vec::new(),
            liftings: Vec::new(),
        });
    }

    /// The explanation of the entry being decided, and the entities of its frames (the
    /// record's, and the item's for a measure over items).
    fn current(&mut self) -> Option<(&mut Explanation, [usize; 2], usize)> {
        let ex = self.out.last_mut()?;
        let m = self.rules.measures.get(ex.measure)?;
        let (entities, len) = match m.item {
            Some(sub) => ([m.entity, sub.entity], 2),
            None => ([m.entity, m.entity], 1),
        };
        Some((ex, entities, len))
    }
}

impl Observer for Trace<'_> {
    const EVERYTHING: bool = true;

    fn not_in_force(&mut self, mi: usize) {
        self.push(mi, None, Outcome::NotInForce);
    }

    fn no_items(&mut self, mi: usize) {
        self.push(mi, None, Outcome::NoItems);
    }

    fn entry(&mut self, mi: usize, item: Option<u32>) {
        self.push(mi, item, Outcome::Applies);
    }

    fn condition(&mut self, c: &Expr, frames: Frames<'_>, holds: bool) {
        let rules = self.rules;
        if let Some((ex, entities, len)) = self.current() {
            ex.values = reads(rules, &entities[..len], c, frames);
            if !holds {
                ex.outcome = Outcome::ConditionFalse;
            }
        }
    }

    fn exception(&mut self, xi: usize, frames: Frames<'_>, held: bool) {
        let rules = self.rules;
        if let Some((ex, entities, len)) = self.current() {
            let x = &rules.measures[ex.measure].exceptions[xi];
            ex.liftings.push(Lifting {
                kind: LiftingKind::Exception,
                index: xi,
                cite: x.cite.clone(),
                held,
                values: reads(rules, &entities[..len], &x.condition, frames),
            });
            if held {
                ex.outcome = Outcome::Exempt;
            }
        }
    }

    fn exemption(&mut self, xi: usize, root: Frames<'_>, held: bool) {
        let rules = self.rules;
        if let Some((ex, entities, _)) = self.current() {
            let x = &rules.exemptions[xi];
            ex.liftings.push(Lifting {
                kind: LiftingKind::Exemption,
                index: xi,
                cite: x.cite.clone(),
                held,
                values: x
                    .condition
                    .as_ref()
                    .map(|c| reads(rules, &entities[..1], c, root))
                    .unwrap_or_default(),
            });
            if held {
                ex.outcome = Outcome::Exempt;
            }
        }
    }

    fn cell(&mut self, lookup: &Lookup, frames: Frames<'_>, level: usize, found: Option<Found>) {
        let rules = self.rules;
        let table = &rules.tables[lookup.table];
        let keys = lookup
            .keys
            .iter()
            .zip(&table.dims)
            .map(|(source, dim)| match (key(source, frames, level), dim) {
                (Err(_), _) => "(none)".to_string(),
                (Ok(k), Dim::Level) => rules
                    .levels
                    .get(k)
                    .map(|l| l.name.clone())
                    .unwrap_or_default(),
                (Ok(k), Dim::Enum(e)) => {
                    rules.enums[*e].variants.get(k).cloned().unwrap_or_default()
                }
            })
            .collect();
        if let Some((ex, _, _)) = self.current() {
            let (action, from_default) = match found {
                Some(Found::Cell(action, from_default)) => (Some(action), from_default),
                _ => (None, false),
            };
            ex.cells.push(CellUsed {
                table: table.name.clone(),
                keys,
                action,
                from_default,
                not_encoded: matches!(found, Some(Found::NotEncoded(_))),
            });
        }
    }

    /// The outcome of a decided entry is its status, as the decision has it.
    fn decided(&mut self, entry: &Entry) {
        if let Some(ex) = self.out.last_mut() {
            ex.outcome = entry.status.into();
        }
    }

    /// An explanation shows the lookup that failed and goes on to the next measure.
    fn failed(&mut self, _e: EvalError) -> Result<(), EvalError> {
        Ok(())
    }
}
