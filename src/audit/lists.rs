//! List rules: aggregates over whole inputs, per rule, level and group, in one pass.
//!
//! Each chunk of records counts into its own [`ListTally`]; the driver merges the chunks in
//! input order ([`ListTally::absorb`]), so groups appear in the order their first record
//! does, and sums are exact (millionths in `i128`), so the result depends neither on the
//! number of threads nor on the order of the records. Memory is bounded by the number of
//! groups. At the end each group's comparisons are judged; an aggregate that cannot be
//! computed (a share or a least value of no records, an overflow) is a finding of its own,
//! never a panic.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::eval::{eval_condition, Frames};
use crate::exact::{Exact, MICRO};
use crate::ir::{AggregateFn, ListRuleInfo, ListTerm, Record, RuleSet, Total, Value};

/// What an aggregate has counted in a group (one struct for every function: merging is
/// field by field).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Acc {
    /// Records of the group.
    pub all: u64,
    /// Of them, those that meet the aggregate's condition.
    pub hit: u64,
    /// The sum of the field over `hit`, in millionths.
    pub sum: i128,
    /// A value or the sum did not fit.
    pub overflow: bool,
    /// Records of `hit` whose field is empty (left out of the sum, least and greatest).
    pub missing: u64,
    /// Records of `hit` left out of a `减排量` because their effective action at the level
    /// is undetermined (a table cell not encoded, or their decision failed).
    pub undetermined: u64,
    pub min: Option<i128>,
    pub max: Option<i128>,
}

impl Acc {
    fn absorb(&mut self, o: &Acc) {
        self.all += o.all;
        self.hit += o.hit;
        match self.sum.checked_add(o.sum) {
            Some(s) => self.sum = s,
            None => self.overflow = true,
        }
        self.overflow |= o.overflow;
        self.missing += o.missing;
        self.undetermined += o.undetermined;
        self.min = match (self.min, o.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, o.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    fn add(&mut self, value: &Value) {
        self.add_share(value, 10_000);
    }

    /// Adds `hundredths` (of a percent) of `value`: the part of a base an action cuts.
    /// Rounded toward zero to the millionth, per record, so the sum does not depend on order.
    fn add_share(&mut self, value: &Value, hundredths: u32) {
        let micros = match value {
            Value::Int(n) => Some(i128::from(*n) * MICRO),
            Value::Num(x) => Exact::micros_of_f64(*x),
            _ => {
                self.missing += 1;
                return;
            }
        };
        let Some(m) = micros.and_then(|m| {
            if hundredths == 10_000 {
                Some(m)
            } else {
                m.checked_mul(i128::from(hundredths)).map(|x| x / 10_000)
            }
        }) else {
            self.overflow = true;
            return;
        };
        match self.sum.checked_add(m) {
            Some(s) => self.sum = s,
            None => self.overflow = true,
        }
        self.min = Some(self.min.map_or(m, |x| x.min(m)));
        self.max = Some(self.max.map_or(m, |x| x.max(m)));
    }

    /// The aggregate's value, or why there is none.
    pub fn value(&self, fun: AggregateFn) -> Result<Exact, Undefined> {
        match fun {
            AggregateFn::Count => Ok(Exact::int(i128::from(self.hit))),
            AggregateFn::Share => {
                if self.all == 0 {
                    return Err(Undefined::NoRecords);
                }
                Exact::ratio(i128::from(self.hit) * 100, i128::from(self.all))
                    .ok_or(Undefined::Overflow)
            }
            _ if self.overflow => Err(Undefined::Overflow),
            AggregateFn::Sum | AggregateFn::Reduced | AggregateFn::Baseline => {
                Ok(Exact::micros(self.sum))
            }
            AggregateFn::Min => self.min.map(Exact::micros).ok_or(Undefined::NoValues),
            AggregateFn::Max => self.max.map(Exact::micros).ok_or(Undefined::NoValues),
        }
    }
}

/// Why an aggregate has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undefined {
    /// A share of no records.
    NoRecords,
    /// The least or greatest value where no record has one.
    NoValues,
    /// A value, a sum or a product did not fit.
    Overflow,
}

/// A group's key: the value of the rule's `分组` field (or none, for the one group of all).
#[derive(Debug, Clone, PartialEq)]
pub enum GroupKey {
    All,
    Value(Value),
}

fn hash_value(v: &Value) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match v {
        Value::Missing | Value::Elided => 0u8.hash(&mut h),
        Value::Bool(b) => (1u8, b).hash(&mut h),
        Value::Int(n) => (2u8, n).hash(&mut h),
        Value::Num(x) => (3u8, x.to_bits()).hash(&mut h),
        Value::Text(t) => (4u8, &**t).hash(&mut h),
        Value::Date(d) => (5u8, d).hash(&mut h),
        Value::Enum(e) => (6u8, e).hash(&mut h),
        Value::Set(s) => (7u8, s).hash(&mut h),
        Value::List(_) => 8u8.hash(&mut h),
        Value::Action(a) => (9u8, a).hash(&mut h),
        Value::ActionText(t) => (10u8, &**t).hash(&mut h),
        Value::Actions(_) => 11u8.hash(&mut h),
    }
    h.finish()
}

/// The groups of one rule at one level, in the order of their first record.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    pub keys: Vec<GroupKey>,
    /// `accs[group * aggregates + aggregate]`.
    pub accs: Vec<Acc>,
    /// Per aggregate, over every record of the rule's entity whatever its condition and
    /// group: where `基数` sums its base when the model declares no total.
    pub whole: Vec<Acc>,
    index: HashMap<u64, Vec<usize>>,
}

impl Groups {
    /// The group of `key`, added (the one allocation) when it is new.
    fn group(&mut self, key: Option<&Value>, aggregates: usize) -> usize {
        let hash = key.map_or(u64::MAX, hash_value);
        let same = |k: &GroupKey| match (k, key) {
            (GroupKey::All, None) => true,
            (GroupKey::Value(a), Some(b)) => a == b,
            _ => false,
        };
        if let Some(&g) = self
            .index
            .get(&hash)
            .and_then(|gs| gs.iter().find(|&&g| same(&self.keys[g])))
        {
            return g;
        }
        let g = self.keys.len();
        self.keys.push(match key {
            None => GroupKey::All,
            Some(v) => GroupKey::Value(v.clone()),
        });
        self.accs
            .extend(std::iter::repeat_n(Acc::default(), aggregates));
        self.index.entry(hash).or_default().push(g);
        g
    }

    fn absorb(&mut self, other: &mut Groups, aggregates: usize) {
        if !other.whole.is_empty() {
            self.whole.resize(aggregates, Acc::default());
            for (mine, theirs) in self.whole.iter_mut().zip(&other.whole) {
                mine.absorb(theirs);
            }
            other.whole.iter_mut().for_each(|a| *a = Acc::default());
        }
        for (g, key) in other.keys.drain(..).enumerate() {
            let into = match &key {
                GroupKey::All => self.group(None, aggregates),
                GroupKey::Value(v) => self.group(Some(v), aggregates),
            };
            for a in 0..aggregates {
                let from = other.accs[g * aggregates + a];
                self.accs[into * aggregates + a].absorb(&from);
            }
        }
        other.accs.clear();
        other.index.clear();
    }
}

/// What one chunk (or, merged, the whole input) has counted for every list rule:
/// `rules[rule][slot]`, one slot per level the rule is checked at (one for a rule without
/// levels).
#[derive(Debug, Clone, Default)]
pub struct ListTally {
    pub rules: Vec<Vec<Groups>>,
    /// `totals[model][total]`: a total the data holds (`总量 … = 实体.字段`), summed over
    /// every record of its entity.
    pub totals: Vec<Vec<Acc>>,
}

/// The levels of a rule, in order: `Some(level)` each, or `None` once.
pub fn slots(rules: &RuleSet, rule: &ListRuleInfo) -> Vec<Option<usize>> {
    match rule.levels {
        None => vec![None],
        Some(mask) => (0..rules.levels.len())
            .filter(|l| mask & (1u64 << l) != 0)
            .map(Some)
            .collect(),
    }
}

impl ListTally {
    fn ensure(&mut self, rules: &RuleSet) {
        if self.rules.len() != rules.list_rules.len() {
            self.rules = rules
                .list_rules
                .iter()
                .map(|r| vec![Groups::default(); slots(rules, r).len()])
                .collect();
            self.totals = rules
                .reduction_models
                .iter()
                .map(|m| vec![Acc::default(); m.totals.len()])
                .collect();
        }
    }

    /// Counts `record` (of entity `entity`) into every list rule of its entity. `cuts[level]`
    /// is the share of its bases the record's effective action cuts at each level (`None`:
    /// undetermined), for `减排量`; empty when no rule reads it ([`reads_reductions`]).
    pub fn count(&mut self, rules: &RuleSet, entity: usize, record: &Record, cuts: &[Option<u32>]) {
        if rules.list_rules.is_empty() {
            return;
        }
        self.ensure(rules);
        for (m, model) in rules.reduction_models.iter().enumerate() {
            for (t, (_, total)) in model.totals.iter().enumerate() {
                if let Total::Data { entity: e, field } = *total {
                    if e == entity {
                        let acc = &mut self.totals[m][t];
                        acc.all += 1;
                        acc.hit += 1;
                        acc.add(record.get(field));
                    }
                }
            }
        }
        let n = rules.levels.len();
        let root = Frames::root(record);
        for (ri, rule) in rules.list_rules.iter().enumerate() {
            if rule.entity != entity {
                continue;
            }
            let mut slot = 0;
            for l in 0..n.max(1) {
                let level = match rule.levels {
                    None if l > 0 => break,
                    None => 0,
                    Some(mask) if mask & (1u64 << l) == 0 => continue,
                    Some(_) => l,
                };
                let groups = &mut self.rules[ri][slot];
                slot += 1;
                let cut = cuts.get(level).copied().flatten();
                match rule.item {
                    None => count_one(rules, rule, groups, root, level, cut),
                    Some(item) => {
                        if let Value::List(items) = record.get(item.field) {
                            for it in items {
                                count_one(rules, rule, groups, root.push(it), level, None);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds a chunk's counts (called in input order) and empties it.
    pub fn absorb(&mut self, rules: &RuleSet, other: &mut ListTally) {
        if other.rules.is_empty() {
            return;
        }
        self.ensure(rules);
        for (ri, rule) in rules.list_rules.iter().enumerate() {
            let k = rule.aggregates.len();
            for (mine, theirs) in self.rules[ri].iter_mut().zip(other.rules[ri].iter_mut()) {
                mine.absorb(theirs, k);
            }
        }
        for (mine, theirs) in self.totals.iter_mut().zip(other.totals.iter_mut()) {
            for (a, b) in mine.iter_mut().zip(theirs.iter_mut()) {
                a.absorb(b);
                *b = Acc::default();
            }
        }
    }
}

/// Whether a list rule of `entity` reads `减排量`: the records of it must then be decided at
/// every level to know their effective actions.
pub fn reads_reductions(rules: &RuleSet, entity: usize) -> bool {
    rules
        .list_rules
        .iter()
        .any(|r| r.entity == entity && r.aggregates.iter().any(|a| a.fun == AggregateFn::Reduced))
}

/// The share (hundredths of a percent) of its bases `action` cuts on `record` under the
/// reduction model of its entity: a voluntary action cuts the record's own figure when the
/// model names its field and the record fills it (clamped to 0–100%), else nothing.
pub fn cut_of(rules: &RuleSet, entity: usize, record: &Record, action: crate::ir::Action) -> u32 {
    match action.base.cut() {
        crate::ir::action::Cut::Hundredths(h) => h,
        crate::ir::action::Cut::Voluntary => {
            let field = rules
                .reduction_models
                .iter()
                .find(|m| m.entity == entity)
                .and_then(|m| m.voluntary);
            match field.map(|f| record.get(f)) {
                Some(Value::Num(p)) if p.is_finite() => {
                    (p.clamp(0.0, 100.0) * 100.0).round() as u32
                }
                Some(Value::Int(p)) => (*p).clamp(0, 100) as u32 * 100,
                _ => 0,
            }
        }
    }
}

fn count_one(
    rules: &RuleSet,
    rule: &ListRuleInfo,
    groups: &mut Groups,
    frames: Frames<'_>,
    level: usize,
    cut: Option<u32>,
) {
    let k = rule.aggregates.len();
    for (a, agg) in rule.aggregates.iter().enumerate() {
        if let (AggregateFn::Baseline, Some(f)) = (agg.fun, agg.field) {
            groups.whole.resize(k, Acc::default());
            groups.whole[a].all += 1;
            groups.whole[a].hit += 1;
            groups.whole[a].add(frames.get(f));
        }
    }
    if let Some(c) = &rule.condition {
        if !eval_condition(rules, c, frames, level) {
            return;
        }
    }
    let key = rule.group.map(|g| frames.get(g));
    let g = groups.group(key, k);
    for (a, agg) in rule.aggregates.iter().enumerate() {
        let acc = &mut groups.accs[g * k + a];
        acc.all += 1;
        if agg
            .condition
            .as_ref()
            .is_none_or(|c| eval_condition(rules, c, frames, level))
        {
            acc.hit += 1;
            match (agg.fun, agg.field, cut) {
                (AggregateFn::Reduced, Some(f), Some(h)) => acc.add_share(frames.get(f), h),
                (AggregateFn::Reduced, Some(_), None) => acc.undetermined += 1,
                (_, Some(f), _) => acc.add(frames.get(f)),
                (_, None, _) => {}
            }
        }
    }
}

/// A group of a list rule that fails a check, at a level or once.
#[derive(Debug, Clone, PartialEq)]
pub struct ListFinding {
    /// The rule's index in the rule set's `list_rules`.
    pub rule: usize,
    pub level: Option<usize>,
    pub group: GroupKey,
    /// The check that failed, by index in the rule's `checks`.
    pub check: usize,
    /// Both sides' values, or why one has none.
    pub left: Result<Exact, Undefined>,
    pub right: Result<Exact, Undefined>,
    /// Every aggregate of the rule in this group, in order: the figures of the finding.
    pub figures: Vec<Result<Exact, Undefined>>,
    /// Per aggregate, the records whose field was empty (left out of it).
    pub missing: Vec<u64>,
    /// Per aggregate, the records a `减排量` left out as their action was undetermined.
    pub undetermined: Vec<u64>,
    /// Per aggregate, for a `基数`: where its figure comes from.
    pub bases: Vec<Option<BaseSource>>,
}

/// Where the figure of a `基数` comes from: the finding says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseSource {
    /// The reduction model's `总量`, a number in the plan.
    Declared,
    /// The reduction model's `总量 … = 实体.字段`: that field summed over every record of
    /// its entity in the data, how many there were.
    DataTotal {
        entity: usize,
        field: usize,
        records: u64,
    },
    /// The base summed over every record of the entity in the data: how many there were.
    Data { records: u64 },
}

impl BaseSource {
    /// The stable name machine-readable outputs use.
    pub fn as_str(self) -> &'static str {
        match self {
            BaseSource::Declared => "declared",
            BaseSource::DataTotal { .. } => "data_total",
            BaseSource::Data { .. } => "data",
        }
    }
}

/// A `基数`'s figure in a rule's judgement: where it comes from, its value, and the records
/// it left out for an empty cell.
#[derive(Clone, Copy)]
struct Base {
    source: BaseSource,
    value: Result<Exact, Undefined>,
    missing: u64,
}

fn term_value(
    rule: &ListRuleInfo,
    level: Option<usize>,
    term: ListTerm,
    figures: &[Result<Exact, Undefined>],
) -> Result<Exact, Undefined> {
    match term {
        ListTerm::Number(n) => Ok(n),
        ListTerm::LevelScaled { factors, index } => {
            let factor =
                level.and_then(|l| rule.level_factors.get(factors)?.get(l).copied().flatten());
            let aggregate = ListTerm::Aggregate {
                factor: Some(factor.ok_or(Undefined::NoValues)?),
                index,
            };
            term_value(rule, level, aggregate, figures)
        }
        ListTerm::Aggregate { factor, index } => {
            let v = figures
                .get(index)
                .copied()
                .unwrap_or(Err(Undefined::NoValues))?;
            match factor {
                Some(f) => v.checked_mul(f).ok_or(Undefined::Overflow),
                None => Ok(v),
            }
        }
    }
}

/// The entity and field of a rule's `分组`.
pub fn group_field(rule: &ListRuleInfo) -> Option<(usize, usize)> {
    let g = rule.group?;
    let entity = match (g.frame, rule.item) {
        (0, _) => rule.entity,
        (_, Some(item)) => item.entity,
        (_, None) => return None,
    };
    Some((entity, g.field as usize))
}

impl Undefined {
    /// The stable name machine-readable outputs use.
    pub fn as_str(self) -> &'static str {
        match self {
            Undefined::NoRecords => "no_records",
            Undefined::NoValues => "no_values",
            Undefined::Overflow => "overflow",
        }
    }
}

/// Judges every group of every list rule: the groups that fail a check (or whose check
/// cannot be computed), in the order of the rules, levels, groups and checks. A rule over
/// no records at all has one empty group of all records (`计数() >= 1` fails on it).
pub fn judge(rules: &RuleSet, tally: &ListTally) -> Vec<ListFinding> {
    let mut out = Vec::new();
    for (ri, rule) in rules.list_rules.iter().enumerate() {
        let k = rule.aggregates.len();
        for (si, level) in slots(rules, rule).into_iter().enumerate() {
            let empty = Groups::default();
            let groups = tally
                .rules
                .get(ri)
                .and_then(|r| r.get(si))
                .unwrap_or(&empty);
            // An ungrouped rule has its one group even when no record reached it.
            let none = [Acc::default()].repeat(k);
            let listed: Vec<(GroupKey, &[Acc])> = if groups.keys.is_empty() && rule.group.is_none()
            {
                vec![(GroupKey::All, &none[..])]
            } else {
                groups
                    .keys
                    .iter()
                    .enumerate()
                    .map(|(g, key)| (key.clone(), &groups.accs[g * k..(g + 1) * k]))
                    .collect()
            };
            // A `基数`: the declared total, else the sum over every record, for every group.
            let bases: Vec<Option<Base>> = rule
                .aggregates
                .iter()
                .enumerate()
                .map(|(a, agg)| {
                    if agg.fun != AggregateFn::Baseline {
                        return None;
                    }
                    let declared = rules
                        .reduction_models
                        .iter()
                        .enumerate()
                        .find(|(_, m)| m.entity == rule.entity)
                        .and_then(|(mi, m)| {
                            let f = agg.field?.field as usize;
                            let ti = m.totals.iter().position(|(tf, _)| *tf == f)?;
                            Some((mi, ti, m.totals[ti].1))
                        });
                    Some(match declared {
                        Some((_, _, Total::Number(total))) => Base {
                            source: BaseSource::Declared,
                            value: Ok(total),
                            missing: 0,
                        },
                        Some((mi, ti, Total::Data { entity, field })) => {
                            let acc = tally
                                .totals
                                .get(mi)
                                .and_then(|t| t.get(ti))
                                .copied()
                                .unwrap_or_default();
                            let source = BaseSource::DataTotal {
                                entity,
                                field,
                                records: acc.all,
                            };
                            // No record of the entity, or none with a value: no total.
                            let value = match acc.value(AggregateFn::Sum) {
                                Ok(_) if acc.all == 0 => Err(Undefined::NoRecords),
                                Ok(_) if acc.all == acc.missing => Err(Undefined::NoValues),
                                v => v,
                            };
                            Base {
                                source,
                                value,
                                missing: acc.missing,
                            }
                        }
                        None => {
                            let whole = groups.whole.get(a).copied().unwrap_or_default();
                            Base {
                                source: BaseSource::Data { records: whole.all },
                                value: whole.value(AggregateFn::Sum),
                                missing: whole.missing,
                            }
                        }
                    })
                })
                .collect();
            for (key, accs) in listed {
                let figures: Vec<Result<Exact, Undefined>> = rule
                    .aggregates
                    .iter()
                    .zip(accs)
                    .zip(&bases)
                    .map(|((a, acc), base)| match base {
                        Some(b) => b.value,
                        None => acc.value(a.fun),
                    })
                    .collect();
                for (ci, check) in rule.checks.iter().enumerate() {
                    let mut left = term_value(rule, level, check.left, &figures);
                    let right = term_value(rule, level, check.right, &figures);
                    let holds = match (left, right) {
                        (Ok(a), Ok(b)) => match a.checked_cmp(b) {
                            Some(o) => check.op.holds(o),
                            None => {
                                left = Err(Undefined::Overflow);
                                false
                            }
                        },
                        _ => false,
                    };
                    if !holds {
                        out.push(ListFinding {
                            rule: ri,
                            level,
                            group: key.clone(),
                            check: ci,
                            left,
                            right,
                            figures: figures.clone(),
                            // A `基数` leaves out the empty cells of the records it sums
                            // (none for a total the plan gives).
                            missing: accs
                                .iter()
                                .zip(&bases)
                                .map(|(acc, base)| match base {
                                    Some(b) => b.missing,
                                    None => acc.missing,
                                })
                                .collect(),
                            undetermined: accs.iter().map(|a| a.undetermined).collect(),
                            bases: bases.iter().map(|b| b.map(|b| b.source)).collect(),
                        });
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::compile_source;
    use proptest::prelude::*;

    const POLICY: &str = "预警级别 { 黄色 < 橙色 < 红色 }
实体 厂 键 名 { 名: 文本  区: 可选 文本  涉气: 布尔  清单: 集合 级别  基准: 可选 小数  减排: 可选 小数  人数: 整数  机械: 列表 机 }
实体 机 键 号 { 号: 文本  功率: 整数 }
规则 覆盖 警告 自 黄色 { 对象 厂 当 涉气 分组 区 应当 占比(级别 属于 清单) >= 100% 依据 \"四\" }
规则 目标 错误 黄色 { 对象 厂 当 级别 属于 清单 应当 合计(减排) >= 10% × 合计(基准) 且 计数() >= 1 }
规则 基准下限 警告 { 对象 厂 应当 最小(基准) >= 1 且 最大(人数) < 9223372036854775807 }
规则 机械 警告 { 对象 厂.机械 应当 合计(功率) < 100 }";

    fn rules() -> RuleSet {
        let c = compile_source("t.policy", POLICY);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        c.rules.unwrap()
    }

    /// A firm: district, air-polluting, levels listed (bits), base, reduction, staff, powers.
    fn firm(
        district: Option<&str>,
        air: bool,
        listed: u64,
        base: Option<f64>,
        cut: Option<f64>,
        staff: i64,
        powers: &[i64],
    ) -> Record {
        let opt = |x: Option<f64>| x.map_or(Value::Missing, Value::Num);
        Record {
            values: vec![
                Value::Text("x".into()),
                district.map_or(Value::Missing, |d| Value::Text(d.into())),
                Value::Bool(air),
                Value::Set(listed),
                opt(base),
                opt(cut),
                Value::Int(staff),
                Value::List(
                    powers
                        .iter()
                        .map(|p| Record {
                            values: vec![Value::Text("j".into()), Value::Int(*p)],
                        })
                        .collect(),
                ),
            ],
        }
    }

    fn judged(rules: &RuleSet, records: &[Record]) -> Vec<ListFinding> {
        let mut tally = ListTally::default();
        for r in records {
            tally.count(rules, 0, r, &[]);
        }
        judge(rules, &tally)
    }

    #[test]
    fn groups_shares_sums_and_both_sides_of_a_failed_check() {
        let rules = rules();
        let records = [
            firm(
                Some("朝阳"),
                true,
                0b111,
                Some(100.5),
                Some(5.25),
                10,
                &[40, 90],
            ),
            firm(Some("朝阳"), true, 0b100, Some(50.0), None, 3, &[]),
            firm(None, true, 0b001, Some(10.0), Some(2.0), 1, &[]),
            firm(Some("海淀"), false, 0, None, None, 2, &[]),
        ];
        let found = judged(&rules, &records);
        let coverage: Vec<(Option<usize>, GroupKey, Result<Exact, Undefined>)> = found
            .iter()
            .filter(|f| f.rule == 0)
            .map(|f| (f.level, f.group.clone(), f.left))
            .collect();
        let chaoyang = GroupKey::Value(Value::Text("朝阳".into()));
        let empty = GroupKey::Value(Value::Missing);
        assert_eq!(
            coverage,
            vec![
                (Some(0), chaoyang.clone(), Ok(Exact::int(50))),
                (Some(1), chaoyang, Ok(Exact::int(50))),
                (Some(1), empty.clone(), Ok(Exact::int(0))),
                (Some(2), empty, Ok(Exact::int(0))),
            ]
        );
        // Yellow target: 5.25 + 2 against a tenth of 110.5, exactly.
        let target: Vec<&ListFinding> = found.iter().filter(|f| f.rule == 1).collect();
        assert_eq!(target.len(), 1);
        assert_eq!(target[0].left, Ok(Exact::parse_decimal("7.25").unwrap()));
        assert_eq!(target[0].right, Ok(Exact::parse_decimal("11.05").unwrap()));
        // The least base leaves out the empty cell and says so; the greatest staff fits.
        let least: Vec<&ListFinding> = found.iter().filter(|f| f.rule == 2).collect();
        assert!(least.is_empty(), "{least:?}");
        // Over items: 40 + 90 machines' power.
        let machines: Vec<&ListFinding> = found.iter().filter(|f| f.rule == 3).collect();
        assert_eq!(machines[0].left, Ok(Exact::int(130)));
    }

    #[test]
    fn empty_inputs_missing_values_and_overflow_are_findings_not_panics() {
        let rules = rules();
        // No records: the ungrouped target has its one group, with no records counted.
        let found = judged(&rules, &[]);
        let target: Vec<&ListFinding> = found.iter().filter(|f| f.rule == 1).collect();
        assert_eq!(target.len(), 1);
        assert_eq!(target[0].check, 1, "计数() >= 1 fails; 0 >= 0 holds");
        let least: Vec<&ListFinding> = found.iter().filter(|f| f.rule == 2).collect();
        assert_eq!(least[0].left, Err(Undefined::NoValues));
        // A grouped rule over no records has no groups, so nothing to find.
        assert!(found.iter().all(|f| f.rule != 0));
        // Staff at i64::MAX is the greatest and not below itself; a base that does not fit
        // in millionths is an overflow.
        let records = [firm(None, false, 0, Some(1e40), None, i64::MAX, &[])];
        let found = judged(&rules, &records);
        let least: Vec<&ListFinding> = found.iter().filter(|f| f.rule == 2).collect();
        assert_eq!(least[0].left, Err(Undefined::Overflow));
        assert_eq!(least[1].left, Ok(Exact::int(i128::from(i64::MAX))));
        assert_eq!(least[0].missing, vec![0, 0]);
        let records = [firm(None, false, 0, None, None, 1, &[])];
        let found = judged(&rules, &records);
        let least: Vec<&ListFinding> = found.iter().filter(|f| f.rule == 2).collect();
        assert_eq!(least[0].missing, vec![1, 0]);
    }

    proptest! {
        // Counting in chunks merged in order gives what counting in one pass gives, and a
        // shuffled input gives the same figures (groups may come in another order).
        #[test]
        fn chunks_and_order_do_not_change_the_figures(
            firms in proptest::collection::vec(
                (0u8..4, any::<bool>(), 0u64..8, proptest::option::of(-1e6f64..1e6),
                 proptest::option::of(0f64..1e6), -1000i64..1000,
                 proptest::collection::vec(0i64..500, 0..3)),
                0..40),
            cut in 0usize..40,
        ) {
            let rules = rules();
            let districts = ["甲", "乙", "丙"];
            let records: Vec<Record> = firms
                .iter()
                .map(|(d, air, listed, base, red, staff, powers)| {
                    firm(districts.get(*d as usize).copied(), *air, *listed, *base, *red, *staff, powers)
                })
                .collect();
            let whole = judged(&rules, &records);
            let cut = cut.min(records.len());
            let (mut a, mut b) = (ListTally::default(), ListTally::default());
            records[..cut].iter().for_each(|r| a.count(&rules, 0, r, &[]));
            records[cut..].iter().for_each(|r| b.count(&rules, 0, r, &[]));
            let mut total = ListTally::default();
            total.absorb(&rules, &mut a);
            total.absorb(&rules, &mut b);
            prop_assert_eq!(&judge(&rules, &total), &whole);
            let mut reversed = records.clone();
            reversed.reverse();
            let mut back = judged(&rules, &reversed);
            let key = |f: &ListFinding| format!("{}/{:?}/{:?}/{}", f.rule, f.level, f.group, f.check);
            let mut forward = whole.clone();
            forward.sort_by_key(key);
            back.sort_by_key(key);
            prop_assert_eq!(forward, back);
        }
    }
}
