//! Stage 7, evaluate: rule set × record × level → decision.
//!
//! The hot path works on interned values and field indexes and writes into a caller-owned
//! [`Decision`], so evaluating a record allocates nothing once the buffer has grown.

pub mod census;
pub mod explain;
mod expr;
pub mod run;

use crate::ir::{
    Action, ActionPlan, EntityId, Expr, FieldRef, KeySource, LevelId, Lookup, MeasureKind, Record,
    RuleSet, ValidRuleSet, Value,
};
use crate::limits::MAX_TABLE_DIMS;
pub use expr::{eval_condition, Frames};

/// Why an entry does not apply although its measure matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Applies,
    /// Lifted by the measure's own exception (index into its `exceptions`).
    ExceptedBy(u32),
    /// Lifted by a named exemption (index into the rule set's `exemptions`).
    ExemptedBy(u32),
    /// The measure binds the record, but what it requires is in a table that declares the
    /// record's key value `未编码` (not encoded): value `variant` of the table's first
    /// dimension. The entry has no action, and a mandatory one makes the record's
    /// effective action undetermined ([`Decision::undetermined`]).
    NotEncoded {
        table: u32,
        variant: u32,
    },
}

/// What a required action comes to: an action, or a table that declares the record's value
/// not encoded (the first such lookup).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Required {
    Action(Action),
    NotEncoded { table: u32, variant: u32 },
}

/// What one lookup found: a cell (and whether it is the table's default), or a value the
/// table declares not encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    Cell(Action, bool),
    NotEncoded(usize),
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
    /// A mandatory measure whose subject is the record itself binds it with an action no
    /// encoded table gives ([`Status::NotEncoded`]): the effective action is undetermined,
    /// to be determined by hand, and `effective` holds only what the other measures require.
    pub undetermined: bool,
}

impl Decision {
    pub fn clear(&mut self) {
        self.entries.clear();
        self.effective = Action::NONE;
        self.undetermined = false;
    }
}

/// A validated rule set prepared for evaluation: measures grouped by the entity they concern.
///
/// Only a [`ValidRuleSet`] can be evaluated, and entities and levels are named by ids made
/// from it, so no argument makes evaluation index out of range. An id of another rule set
/// that this one does not have concerns nothing: the decision is empty. An evaluator is a
/// view (two references): making one costs nothing, so a caller that owns or shares its rule
/// set (an `Arc`) makes one where it decides.
#[derive(Clone, Copy)]
pub struct Evaluator<'r> {
    valid: &'r ValidRuleSet,
    rules: &'r RuleSet,
}

impl<'r> Evaluator<'r> {
    pub fn new(valid: &'r ValidRuleSet) -> Self {
        Evaluator {
            valid,
            rules: valid.rules(),
        }
    }

    /// The validated rule set this evaluator runs.
    pub fn rules(&self) -> &'r ValidRuleSet {
        self.valid
    }

    /// Decides which measures concern `record` (of `entity`) at `level`, into `out`.
    pub fn evaluate(
        &self,
        entity: EntityId,
        record: &Record,
        level: LevelId,
        out: &mut Decision,
    ) -> Result<(), EvalError> {
        self.decide(entity, record, level, out, &mut Quiet)
    }

    /// The decision procedure, the one `evaluate` and `explain` share: it tells `obs` what it
    /// reads and finds as it decides. With [`Quiet`] every report is a no-op and it compiles
    /// to the bare decision.
    fn decide<O: Observer>(
        &self,
        entity: EntityId,
        record: &Record,
        level: LevelId,
        out: &mut Decision,
        obs: &mut O,
    ) -> Result<(), EvalError> {
        out.clear();
        if level.index() >= self.rules.levels.len() {
            return Ok(());
        }
        let measures = self.valid.measures_of(entity);
        let (bit, level) = (level.bit(), level.index());
        let root = Frames::root(record);
        for &mi in measures {
            let mi = mi as usize;
            let m = &self.rules.measures[mi];
            if m.levels & bit == 0 {
                obs.not_in_force(mi);
                continue;
            }
            match m.item {
                None => {
                    if let Err(e) = self.entry(mi, None, root, level, out, obs) {
                        obs.failed(e)?;
                    }
                }
                Some(item) => match record.get(item.field) {
                    Value::List(items) if !items.is_empty() => {
                        for (i, it) in items.iter().enumerate() {
                            let frames = root.push(it);
                            if let Err(e) = self.entry(mi, Some(i as u32), frames, level, out, obs)
                            {
                                obs.failed(e)?;
                            }
                        }
                    }
                    _ => obs.no_items(mi),
                },
            }
        }
        Ok(())
    }

    /// Decides one measure for the record or one of its items.
    #[inline(always)]
    fn entry<O: Observer>(
        &self,
        mi: usize,
        item: Option<u32>,
        frames: Frames<'_>,
        level: usize,
        out: &mut Decision,
        obs: &mut O,
    ) -> Result<(), EvalError> {
        obs.entry(mi, item);
        let m = &self.rules.measures[mi];
        if let Some(c) = &m.condition {
            let holds = eval_condition(self.rules, c, frames, level);
            obs.condition(c, frames, holds);
            if !holds {
                return Ok(());
            }
        }
        // The first exception that holds lifts the entry, else the first exemption that
        // does. An observer that sees everything is also told of the ones after it, as not
        // holding.
        let mut status = Status::Applies;
        for (xi, x) in m.exceptions.iter().enumerate() {
            if status != Status::Applies && !O::EVERYTHING {
                break;
            }
            let held = status == Status::Applies
                && eval_condition(self.rules, &x.condition, frames, level);
            if held {
                status = Status::ExceptedBy(xi as u32);
            }
            obs.exception(xi, frames, held);
        }
        let root = frames.root_only();
        for &xi in &m.lifted_by {
            if status != Status::Applies && !O::EVERYTHING {
                break;
            }
            let held = status == Status::Applies
                && self.rules.exemptions[xi]
                    .condition
                    .as_ref()
                    .is_none_or(|c| eval_condition(self.rules, c, root, level));
            if held {
                status = Status::ExemptedBy(xi as u32);
            }
            obs.exemption(xi, root, held);
        }
        let action = match (&m.actions.get(level).and_then(Option::as_ref), status) {
            (None, _) => None,
            (Some(plan), Status::Applies) => match self.action(mi, plan, frames, level, obs)? {
                Required::Action(a) => Some(a),
                Required::NotEncoded { table, variant } => {
                    status = Status::NotEncoded { table, variant };
                    None
                }
            },
            // An exempt entry shows what it would have required, when that can be known.
            (Some(plan), _) => match self.action(mi, plan, frames, level, obs) {
                Ok(Required::Action(a)) => Some(a),
                _ => None,
            },
        };
        if m.kind == MeasureKind::Mandatory && item.is_none() {
            match (status, action) {
                (Status::Applies, Some(a)) => out.effective = out.effective.combine(a),
                (Status::NotEncoded { .. }, _) => out.undetermined = true,
                _ => {}
            }
        }
        let entry = Entry {
            measure: mi as u32,
            item,
            status,
            action,
        };
        obs.decided(&entry);
        out.entries.push(entry);
        Ok(())
    }

    /// The action a plan requires: its fixed terms and the cells of its lookups. The first
    /// lookup that fails is the error; else the first lookup of a value its table declares
    /// not encoded leaves the action undetermined. An observer that sees everything is told
    /// of every lookup all the same.
    ///
    /// Inlined with [`cell`](Self::cell) into `entry`, so the action stays in registers: as
    /// a call, its result went through the stack and made `benches/eval.rs` a quarter slower.
    #[inline(always)]
    fn action<O: Observer>(
        &self,
        mi: usize,
        plan: &ActionPlan,
        frames: Frames<'_>,
        level: usize,
        obs: &mut O,
    ) -> Result<Required, EvalError> {
        let mut action = plan.fixed;
        let mut failure = None;
        let mut not_encoded = None;
        for lookup in &plan.lookups {
            match self.cell(mi, lookup, frames, level) {
                Ok(found) => {
                    obs.cell(lookup, frames, level, Some(found));
                    match found {
                        Found::Cell(cell, _) => action = action.combine(cell),
                        Found::NotEncoded(variant) => {
                            not_encoded.get_or_insert(Required::NotEncoded {
                                table: lookup.table as u32,
                                variant: variant as u32,
                            });
                        }
                    }
                }
                Err(e) => {
                    obs.cell(lookup, frames, level, None);
                    if !O::EVERYTHING {
                        return Err(e);
                    }
                    failure.get_or_insert(e);
                }
            }
        }
        match (failure, not_encoded) {
            (Some(e), _) => Err(e),
            (None, Some(undetermined)) => Ok(undetermined),
            (None, None) => Ok(Required::Action(action)),
        }
    }

    /// One lookup's cell, and whether it is the table's default; or the value of the table's
    /// first dimension it declares not encoded, which no default stands in for.
    #[inline(always)]
    fn cell(
        &self,
        mi: usize,
        lookup: &Lookup,
        frames: Frames<'_>,
        level: usize,
    ) -> Result<Found, EvalError> {
        // A validated table has at most MAX_TABLE_DIMS dimensions; a fixed buffer keeps the
        // lookup allocation-free.
        let mut keys = [0usize; MAX_TABLE_DIMS];
        for (slot, source) in keys.iter_mut().zip(&lookup.keys) {
            *slot = key(source, frames, level).map_err(|r| EvalError::MissingKey {
                measure: mi,
                table: lookup.table,
                field: r.field as usize,
                frame: r.frame,
            })?;
        }
        let keys = &keys[..lookup.keys.len().min(MAX_TABLE_DIMS)];
        let table = &self.rules.tables[lookup.table];
        if let Some(v) = table.not_encoded_at(keys) {
            return Ok(Found::NotEncoded(v));
        }
        match table.cell(keys) {
            Some((action, from_default)) => Ok(Found::Cell(action, from_default)),
            None => Err(EvalError::MissingCell {
                measure: mi,
                table: lookup.table,
                keys: keys.to_vec(),
            }),
        }
    }
}

/// The key a lookup takes from `source`: the level, or an enum field's variant; the field
/// when it has no enum value.
fn key(source: &KeySource, frames: Frames<'_>, level: usize) -> Result<usize, FieldRef> {
    match source {
        KeySource::Level => Ok(level),
        KeySource::Field(r) => match frames.get(*r) {
            Value::Enum(v) => Ok(*v as usize),
            _ => Err(*r),
        },
    }
}

/// What the decision procedure tells as it decides, in the order it decides: the one
/// procedure serves `evaluate` ([`Quiet`]) and `explain` (which records it all). Every report
/// does nothing unless an observer says otherwise.
trait Observer {
    /// Whether the procedure goes on past what settles an entry: it then reports every
    /// exception and exemption (those after the one that held as not holding) and every
    /// lookup, and an error does not stop the record. The decision itself is the same.
    const EVERYTHING: bool = false;
    /// Measure `mi` is not in force at the level.
    fn not_in_force(&mut self, _mi: usize) {}
    /// Measure `mi` is over items, and the record has none.
    fn no_items(&mut self, _mi: usize) {}
    /// Measure `mi` is decided for the record (`item` `None`) or one of its items; what
    /// follows until the next report of a measure concerns this entry.
    fn entry(&mut self, _mi: usize, _item: Option<u32>) {}
    /// The entry's condition `c` read `frames` and held or not.
    fn condition(&mut self, _c: &Expr, _frames: Frames<'_>, _holds: bool) {}
    /// The entry's exception `xi` was checked on `frames`.
    fn exception(&mut self, _xi: usize, _frames: Frames<'_>, _held: bool) {}
    /// Named exemption `xi` was checked on the record (`root`).
    fn exemption(&mut self, _xi: usize, _root: Frames<'_>, _held: bool) {}
    /// A lookup of the entry's action gave a cell (and whether it is the table's default)
    /// or a value the table declares not encoded, or none (a key without a value, or keys
    /// without a cell).
    fn cell(
        &mut self,
        _lookup: &Lookup,
        _frames: Frames<'_>,
        _level: usize,
        _found: Option<Found>,
    ) {
    }
    /// The entry is decided, with its status and action.
    fn decided(&mut self, _entry: &Entry) {}
    /// An entry's action could not be found: the record's error, unless the observer goes
    /// on to the next entry (`Ok`).
    fn failed(&mut self, e: EvalError) -> Result<(), EvalError> {
        Err(e)
    }
}

/// The observer of `evaluate`: reports nothing.
struct Quiet;

impl Observer for Quiet {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::compile_source;
    use crate::data::source::{Item, RecordSource};

    const POLICY: &str = "预警级别 { 黄色 < 橙色 < 红色 }
枚举 行业 { 水泥, 家具 }
枚举 等级 有序 { A > B }
枚举 动力 { 燃油, 纯电动 }
限制 重卡 \"禁止重卡\"
实体 机 键 号 { 号: 文本  动力: 动力 }
实体 厂 键 名 { 名: 文本  行业: 行业  等级: 等级  清单: 集合 级别  保障: 布尔  机械: 列表 机 }
表 T (行业, 等级, 级别) {
  水泥:
    等级 | 黄色 | 橙色 | 红色
    A    | 自主减排 | 自主减排 | 自主减排
    B    | 禁止 重卡 | 限产 20% + 禁止 重卡 | 停产 + 禁止 重卡
}
措施 分级 强制性 自 黄色 { 对象 厂 当 级别 属于 清单 要求 T[行业, 等级, 级别] 依据 \"2\" }
措施 停机 强制性 自 橙色 { 对象 厂.机械 当 级别 属于 厂.清单 除外 当 动力 = 纯电动 依据 \"2\" 要求 停用 依据 \"2\" }
豁免 保障类 { 对象 厂 当 保障 解除 分级 依据 \"4\" }";

    fn setup(firms: &str) -> (ValidRuleSet, Vec<crate::data::LoadedRecord>) {
        let c = compile_source("t.policy", POLICY);
        // 家具 has no cells on purpose (W0301): a missing cell is an error of the record.
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let rules = c.rules.unwrap().validate().unwrap();
        let mut src = crate::data::json::load(&rules, "t.json", 0, firms).unwrap();
        let mut items = Vec::new();
        while src.next_batch(100, &mut items).unwrap() {}
        let recs = items
            .into_iter()
            .map(|i| match i {
                Item::Record(r) => r,
                other => panic!("{other:?}"),
            })
            .collect();
        (rules, recs)
    }

    fn id(rules: &ValidRuleSet, rec: &crate::data::LoadedRecord) -> EntityId {
        rules.entity_id(rec.entity).unwrap()
    }

    fn lv(rules: &ValidRuleSet, level: usize) -> LevelId {
        rules.level_id(level).unwrap()
    }

    #[test]
    fn applies_excepts_exempts_and_combines() {
        let (rules, recs) = setup(
            r#"{"厂": [
            {"名": "a", "行业": "水泥", "等级": "B", "清单": ["黄色","橙色","红色"], "保障": false,
             "机械": [{"号": "m1", "动力": "燃油"}, {"号": "m2", "动力": "纯电动"}]},
            {"名": "b", "行业": "水泥", "等级": "B", "清单": ["橙色"], "保障": true}
        ]}"#,
        );
        let ev = Evaluator::new(&rules);
        let mut d = Decision::default();
        ev.evaluate(id(&rules, &recs[0]), &recs[0].record, lv(&rules, 1), &mut d)
            .unwrap();
        let statuses: Vec<_> = d
            .entries
            .iter()
            .map(|e| (e.measure, e.item, e.status))
            .collect();
        assert_eq!(
            statuses,
            [
                (0, None, Status::Applies),
                (1, Some(0), Status::Applies),
                (1, Some(1), Status::ExceptedBy(0))
            ]
        );
        assert_eq!(
            d.effective,
            Action::base(crate::ir::Base::Limit { hundredths: 2000 })
                .combine(Action::restriction(0)),
            "item actions stay out of the record's effective action"
        );
        // on the orange list only: nothing at yellow; exempt from the graded measure at orange
        ev.evaluate(id(&rules, &recs[1]), &recs[1].record, lv(&rules, 0), &mut d)
            .unwrap();
        assert!(d.entries.is_empty());
        ev.evaluate(id(&rules, &recs[1]), &recs[1].record, lv(&rules, 1), &mut d)
            .unwrap();
        assert_eq!(d.entries[0].status, Status::ExemptedBy(0));
        assert_eq!(
            d.effective,
            Action::NONE,
            "an exempt measure adds nothing to the effective action"
        );
    }

    #[test]
    fn a_missing_cell_is_an_error_of_the_record() {
        let (rules, recs) = setup(
            r#"{"厂": [{"名": "c", "行业": "家具", "等级": "A", "清单": ["黄色"], "保障": false}]}"#,
        );
        let ev = Evaluator::new(&rules);
        let mut d = Decision::default();
        let err = ev
            .evaluate(id(&rules, &recs[0]), &recs[0].record, lv(&rules, 0), &mut d)
            .unwrap_err();
        assert_eq!(
            err,
            EvalError::MissingCell {
                measure: 0,
                table: 0,
                keys: vec![1, 0, 0]
            }
        );
    }

    #[test]
    fn an_explanation_shows_the_missing_cell_and_goes_on() {
        use super::explain::Outcome;
        let (rules, recs) = setup(
            r#"{"厂": [{"名": "c", "行业": "家具", "等级": "A", "清单": ["橙色"], "保障": false}]}"#,
        );
        let ev = Evaluator::new(&rules);
        let (e, l) = (id(&rules, &recs[0]), lv(&rules, 1));
        assert!(ev
            .evaluate(e, &recs[0].record, l, &mut Decision::default())
            .is_err());
        let ex = ev.explain(e, &recs[0].record, l);
        let outcomes: Vec<_> = ex.iter().map(|x| (x.measure, &x.outcome)).collect();
        assert_eq!(outcomes, [(0, &Outcome::Applies), (1, &Outcome::NoItems)]);
        assert_eq!(ex[0].cells.len(), 1);
        assert_eq!(ex[0].cells[0].keys, ["家具", "A", "橙色"]);
        assert_eq!(
            (ex[0].cells[0].action, ex[0].cells[0].from_default),
            (None, false)
        );
        assert_eq!(ex[0].liftings.len(), 1, "the exemption was checked");
        assert!(!ex[0].liftings[0].held);
    }
}

#[cfg(test)]
mod not_encoded {
    use super::explain::Outcome;
    use super::*;
    use crate::compile::compile_source;

    /// 钢铁 is declared not encoded; the table has a default, which it does not take.
    const POLICY: &str = "预警级别 { 黄色 < 橙色 }
枚举 行业 { 水泥, 钢铁 }
限制 重卡 \"禁止重卡\"
实体 厂 键 名 { 名: 文本  行业: 行业  保障: 布尔 }
表 T (行业, 级别) {
  默认 停产
  未编码: 钢铁
  行业 | 黄色 | 橙色
  水泥 | 限产 10% | 停产
}
措施 分级 强制性 自 黄色 { 对象 厂 要求 T[行业, 级别] 依据 \"2\" }
措施 运输 强制性 自 黄色 { 对象 厂 要求 禁止 重卡 依据 \"3\" }
豁免 保障类 { 对象 厂 当 保障 解除 分级 依据 \"4\" }";

    fn rules() -> ValidRuleSet {
        let c = compile_source("t.policy", POLICY);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        c.rules.unwrap().validate().unwrap()
    }

    fn firm(industry: u16, guaranteed: bool) -> Record {
        Record {
            values: vec![
                Value::Text("a".into()),
                Value::Enum(industry),
                Value::Bool(guaranteed),
            ],
        }
    }

    #[test]
    fn a_value_declared_not_encoded_leaves_the_action_and_the_effective_action_undetermined() {
        let rules = rules();
        let ev = Evaluator::new(&rules);
        let (e, l) = (rules.entity("厂").unwrap(), rules.level("黄色").unwrap());
        let mut d = Decision::default();
        ev.evaluate(e, &firm(1, false), l, &mut d).unwrap();
        assert_eq!(
            d.entries[0].status,
            Status::NotEncoded {
                table: 0,
                variant: 1
            }
        );
        assert_eq!(d.entries[0].action, None, "neither the default nor a guess");
        assert!(d.undetermined);
        assert_eq!(
            d.effective,
            Action::restriction(0),
            "what the other measures require is kept, as a part"
        );
        // The explanation says the same, from the same procedure.
        let ex = ev.explain(e, &firm(1, false), l);
        assert_eq!(ex[0].outcome, Outcome::NotEncoded);
        assert!(ex[0].cells[0].not_encoded && ex[0].cells[0].action.is_none());
        assert_eq!(ex[0].cells[0].keys, ["钢铁", "黄色"]);
        // An encoded value decides as before, and a reused decision forgets the last one.
        ev.evaluate(e, &firm(0, false), l, &mut d).unwrap();
        assert_eq!(d.entries[0].status, Status::Applies);
        assert!(!d.undetermined);
        assert_eq!(
            ev.explain(e, &firm(0, false), l)[0].outcome,
            Outcome::Applies
        );
    }

    #[test]
    fn an_exempt_entry_of_a_value_not_encoded_stays_exempt_without_an_action() {
        let rules = rules();
        let ev = Evaluator::new(&rules);
        let (e, l) = (rules.entity("厂").unwrap(), rules.level("橙色").unwrap());
        let mut d = Decision::default();
        ev.evaluate(e, &firm(1, true), l, &mut d).unwrap();
        assert_eq!(d.entries[0].status, Status::ExemptedBy(0));
        assert_eq!(d.entries[0].action, None);
        assert!(!d.undetermined, "the exempt measure binds nothing");
        assert_eq!(ev.explain(e, &firm(1, true), l)[0].outcome, Outcome::Exempt);
    }
}

#[cfg(test)]
mod hostile {
    use super::*;
    use crate::compile::compile_source;
    use crate::ir::{Expr, FieldRef};

    const POLICY: &str = "预警级别 { 黄色 < 橙色 }
枚举 行业 { 水泥, 家具 }
实体 厂 键 名 { 名: 文本  行业: 行业  人数: 整数  产值: 小数 }
表 T (行业, 级别) {
  行业 | 黄色 | 橙色
  水泥, 家具 | 限产 10% | 停产
}
措施 大 强制性 自 黄色 { 对象 厂 当 人数 > 9007199254740992 要求 T[行业, 级别] 依据 \"1\" }
措施 等 倡议性 自 黄色 { 对象 厂 当 人数 = 9007199254740993.0 内容 \"x\" 依据 \"1\" }
措施 小 倡议性 自 黄色 { 对象 厂 当 人数 < 2.5 且 人数 属于 { 1, 2.0, 3.5 } 内容 \"y\" 依据 \"1\" }
措施 值 倡议性 自 黄色 { 对象 厂 当 产值 >= 人数 内容 \"z\" 依据 \"1\" }";

    fn rules() -> ValidRuleSet {
        let c = compile_source("t.policy", POLICY);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        c.rules.unwrap().validate().unwrap()
    }

    fn firm(industry: Value, people: Value, output: Value) -> Record {
        Record {
            values: vec![Value::Text("a".into()), industry, people, output],
        }
    }

    fn applying(rules: &ValidRuleSet, rec: &Record) -> Vec<u32> {
        let ev = Evaluator::new(rules);
        let mut d = Decision::default();
        let (e, l) = (rules.entity("厂").unwrap(), rules.level("黄色").unwrap());
        ev.evaluate(e, rec, l, &mut d).unwrap();
        d.entries.iter().map(|e| e.measure).collect()
    }

    #[test]
    fn integers_compare_exactly_with_integers_decimals_and_literals() {
        let rules = rules();
        let big = |n: i64| firm(Value::Enum(0), Value::Int(n), Value::Missing);
        // 2^53 + 1 > 2^53, and equals the decimal literal 9007199254740993.0 as written.
        assert_eq!(applying(&rules, &big(9_007_199_254_740_993)), [0, 1]);
        assert_eq!(
            applying(&rules, &big(9_007_199_254_740_992)),
            Vec::<u32>::new()
        );
        assert_eq!(applying(&rules, &big(2)), [2]);
        assert_eq!(
            applying(&rules, &big(3)),
            Vec::<u32>::new(),
            "3 is not < 2.5"
        );
        assert_eq!(applying(&rules, &big(1)), [2]);
        // A decimal field against an integer field: 2^53 as a double is below 2^53 + 1.
        let r = firm(
            Value::Enum(0),
            Value::Int(9_007_199_254_740_993),
            Value::Num(9_007_199_254_740_992.0),
        );
        assert_eq!(applying(&rules, &r), [0, 1]);
        let r = firm(
            Value::Enum(0),
            Value::Int(9_007_199_254_740_992),
            Value::Num(9_007_199_254_740_992.0),
        );
        assert_eq!(applying(&rules, &r), [3]);
    }

    #[test]
    fn records_and_ids_the_rule_set_does_not_have_give_errors_or_nothing_never_a_panic() {
        let rules = rules();
        let ev = Evaluator::new(&rules);
        let mut d = Decision::default();
        let (e, l) = (rules.entity("厂").unwrap(), rules.level("橙色").unwrap());
        // An enum value past the enum's variants is a missing cell, not another cell.
        let r = firm(Value::Enum(77), Value::Int(i64::MAX), Value::Num(f64::NAN));
        assert_eq!(
            ev.evaluate(e, &r, l, &mut d),
            Err(EvalError::MissingCell {
                measure: 0,
                table: 0,
                keys: vec![77, 1]
            })
        );
        assert!(!ev.explain(e, &r, l).is_empty());
        // Values of the wrong kinds, or none at all.
        for r in [
            Record::default(),
            firm(
                Value::Text("x".into()),
                Value::Set(u64::MAX),
                Value::Bool(true),
            ),
            firm(
                Value::List(vec![Record::default()]),
                Value::Elided,
                Value::Date(0),
            ),
        ] {
            let _ = ev.evaluate(e, &r, l, &mut d);
            let _ = ev.explain(e, &r, l);
        }
        // Ids of a larger rule set concern nothing here.
        let mut more = rules.rules().clone();
        more.levels.extend(more.levels.clone());
        more.entities.extend(more.entities.clone());
        more.tables.clear();
        more.measures.clear();
        let more = more.validate().unwrap();
        let (e2, l2) = (more.entity_id(1).unwrap(), more.level_id(3).unwrap());
        let r = firm(Value::Enum(0), Value::Int(1), Value::Missing);
        ev.evaluate(e2, &r, l, &mut d).unwrap();
        assert!(d.entries.is_empty());
        ev.evaluate(e, &r, l2, &mut d).unwrap();
        assert!(d.entries.is_empty());
        assert!(ev.explain(e2, &r, l2).is_empty());
        // A condition on a field the record lacks is false, not a panic.
        let c = Expr::Truthy(FieldRef {
            frame: 7,
            field: 900,
        });
        assert!(!eval_condition(&rules, &c, Frames::root(&r), 0));
    }
}
