//! The census (`--census`): over a run's records and levels, what in the plan never fired —
//! measures that never applied, table cells never used, exceptions and exemptions that never
//! lifted an entry — and which records no measure concerns.
//!
//! It is an observer of the one decision procedure ([`Evaluator::decide`]): deciding with
//! it gives the same decision as [`Evaluator::evaluate`], and counts what the decision used.
//! Its counters are sized by the plan (measures, cells, exceptions, exemptions), never by
//! the data; only the list of unconcerned records grows, up to [`FIRST_UNCONCERNED`].
//! Whole inputs are counted per chunk and merged in input order, so the census does not
//! depend on the thread count.
//!
//! What counts:
//! - a measure *applied* when one of its entries (the record's, or an item's) has status
//!   applies at an evaluated level;
//! - a table cell was *used* when the action of an entry that was not lifted was taken from
//!   it (a lookup that falls back to the table's default uses no cell);
//! - an exception or a named exemption *lifted* an entry when it held and was the first to
//!   (the decision checks none after the one that lifts);
//! - a record is *unconcerned* when it was decided at every evaluated level without an
//!   error and at none of them does any entry, its own or an item's, apply: it has no entry
//!   at all, or only lifted ones. A record whose decision failed is counted among the
//!   failed, not here.
//!
//! What is in scope: measures in force at some evaluated level, their exceptions, the
//! exemptions that lift one of them, and the cells of the tables their actions look up at
//! those levels whose level key (if the table has one) is that level. Everything counted
//! during a record's decision counts, also before an error ends it.

use super::expr::Frames;
use super::{key, Decision, EvalError, Evaluator, Found, Observer, Status};
use crate::data::LoadedRecord;
use crate::ir::{Dim, EntityId, Expr, KeySource, LevelId, Lookup, Record, RuleSet};

/// How many unconcerned records the census names (in input order); the rest are counted.
pub const FIRST_UNCONCERNED: usize = 20;

/// A record no measure concerns: where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unconcerned {
    pub entity: usize,
    pub key: String,
    pub file: usize,
    pub sheet: Option<std::sync::Arc<str>>,
    pub row: usize,
}

/// The census's counters for the records seen so far (a chunk's, or a whole run's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Census {
    /// The evaluated levels, as a mask.
    levels: u64,
    /// Per measure: entries decided, entries whose condition held, entries that applied.
    decided: Vec<u64>,
    held: Vec<u64>,
    applied: Vec<u64>,
    /// Per table, where its cells start in `cells`.
    cell_base: Vec<usize>,
    /// Per cell of every table: how many entries took their action from it.
    cells: Vec<u64>,
    /// Per measure, where its exceptions start in `excepted`.
    exception_base: Vec<usize>,
    /// Per exception of every measure: how many entries it lifted.
    excepted: Vec<u64>,
    /// Per named exemption: how many entries it lifted.
    exempted: Vec<u64>,
    /// Records decided at every level without error.
    records: u64,
    unconcerned: u64,
    first: Vec<Unconcerned>,
}

impl Census {
    /// An empty census of `rules` over `levels`.
    pub fn new(rules: &RuleSet, levels: &[LevelId]) -> Census {
        let n = rules.measures.len();
        let mut cell_base = Vec::with_capacity(rules.tables.len());
        let mut total = 0;
        for t in &rules.tables {
            cell_base.push(total);
            total += t.cells.len();
        }
        let mut exception_base = Vec::with_capacity(n);
        let mut exceptions = 0;
        for m in &rules.measures {
            exception_base.push(exceptions);
            exceptions += m.exceptions.len();
        }
        Census {
            levels: levels.iter().fold(0, |mask, l| mask | l.bit()),
            decided: vec![0; n],
            held: vec![0; n],
            applied: vec![0; n],
            cell_base,
            cells: vec![0; total],
            exception_base,
            excepted: vec![0; exceptions],
            exempted: vec![0; rules.exemptions.len()],
            records: 0,
            unconcerned: 0,
            first: Vec::new(),
        }
    }

    /// Whether the census names as many unconcerned records as it will.
    pub fn list_full(&self) -> bool {
        self.first.len() >= FIRST_UNCONCERNED
    }

    /// Counts one loaded record decided at every one of `levels` (the census's levels),
    /// into `decision`, which holds the last level's decision afterwards. `each` is called
    /// with every level's decision or error as it is made. `name` says whether the record
    /// is to be named should it be unconcerned (a caller that knows the list is full
    /// already says no, and nothing is allocated).
    pub fn record(
        &mut self,
        ev: &Evaluator<'_>,
        rec: &LoadedRecord,
        levels: &[LevelId],
        decision: &mut Decision,
        name: bool,
        mut each: impl FnMut(LevelId, &Decision, Result<(), EvalError>),
    ) {
        let entity = ev.rules().entity_id(rec.entity);
        let (mut ok, mut concerned) = (true, false);
        for &level in levels {
            let decided = match entity {
                Some(entity) => ev.census(entity, &rec.record, level, decision, self),
                None => {
                    decision.clear();
                    Ok(())
                }
            };
            ok &= decided.is_ok();
            concerned |= decision.entries.iter().any(|e| e.status == Status::Applies);
            each(level, decision, decided);
        }
        if !ok {
            return;
        }
        self.records += 1;
        if !concerned {
            self.unconcerned += 1;
            if name && !self.list_full() {
                self.first.push(Unconcerned {
                    entity: rec.entity,
                    key: rec.key.clone(),
                    file: rec.file,
                    sheet: rec.sheet.clone(),
                    row: rec.row,
                });
            }
        }
    }

    /// Adds `other` (the census of the records after this one's) and empties it for reuse.
    /// A census of another plan's shape is ignored.
    pub fn absorb(&mut self, other: &mut Census) {
        fn add(into: &mut [u64], from: &mut [u64]) {
            for (a, b) in into.iter_mut().zip(from.iter_mut()) {
                *a += std::mem::take(b);
            }
        }
        if other.cells.len() != self.cells.len() || other.decided.len() != self.decided.len() {
            return;
        }
        add(&mut self.decided, &mut other.decided);
        add(&mut self.held, &mut other.held);
        add(&mut self.applied, &mut other.applied);
        add(&mut self.cells, &mut other.cells);
        add(&mut self.excepted, &mut other.excepted);
        add(&mut self.exempted, &mut other.exempted);
        self.records += std::mem::take(&mut other.records);
        self.unconcerned += std::mem::take(&mut other.unconcerned);
        for u in other.first.drain(..) {
            if self.list_full() {
                break;
            }
            self.first.push(u);
        }
        other.first.clear();
    }

    /// What never fired, in plan order, with the sizes of what was in scope.
    /// `files`: the data files the records' `file` indexes name.
    pub fn report(&self, rules: &RuleSet, files: &[String]) -> CensusReport {
        let levels: Vec<usize> = (0..rules.levels.len())
            .filter(|l| self.levels & (1u64 << l) != 0)
            .collect();
        let in_force: Vec<bool> = rules
            .measures
            .iter()
            .map(|m| m.levels & self.levels != 0)
            .collect();
        let mut measures = Tally::default();
        let mut exceptions = Tally::default();
        for (mi, m) in rules.measures.iter().enumerate() {
            if !in_force[mi] || mi >= self.applied.len() {
                continue;
            }
            measures.considered += 1;
            if self.applied[mi] == 0 {
                let reason = if self.decided[mi] == 0 {
                    NeverApplied::NoSubject
                } else if self.held[mi] == 0 && m.condition.is_some() {
                    NeverApplied::ConditionNeverHeld
                } else {
                    let base = self.exception_base[mi];
                    let lifted = self.excepted[base..base + m.exceptions.len()]
                        .iter()
                        .sum::<u64>()
                        + m.lifted_by
                            .iter()
                            .filter_map(|&x| self.exempted.get(x))
                            .sum::<u64>();
                    if lifted > 0 {
                        NeverApplied::AlwaysLifted
                    } else {
                        NeverApplied::Failed
                    }
                };
                measures.never.push((mi, reason));
            }
            for xi in 0..m.exceptions.len() {
                exceptions.considered += 1;
                if self.excepted[self.exception_base[mi] + xi] == 0 {
                    exceptions.never.push((mi, xi));
                }
            }
        }
        let mut exemptions = Tally::default();
        for (xi, x) in rules.exemptions.iter().enumerate() {
            if !x.lifts.iter().any(|&m| in_force.get(m) == Some(&true)) {
                continue;
            }
            exemptions.considered += 1;
            if self.exempted.get(xi) == Some(&0) {
                exemptions.never.push(xi);
            }
        }
        // The cells some lookup of a measure in force can reach at an evaluated level.
        let mut reachable = vec![false; self.cells.len()];
        for (mi, m) in rules.measures.iter().enumerate() {
            if !in_force[mi] {
                continue;
            }
            for &l in &levels {
                if m.levels & (1u64 << l) == 0 {
                    continue;
                }
                let Some(Some(plan)) = m.actions.get(l) else {
                    continue;
                };
                for lookup in &plan.lookups {
                    let (Some(table), Some(&base)) = (
                        rules.tables.get(lookup.table),
                        self.cell_base.get(lookup.table),
                    ) else {
                        continue;
                    };
                    for i in 0..table.cells.len() {
                        let keys = cell_keys(&table.sizes, i);
                        let at_level = lookup
                            .keys
                            .iter()
                            .zip(&keys)
                            .all(|(source, &k)| *source != KeySource::Level || k == l);
                        if at_level && table.cells[i].is_some() {
                            reachable[base + i] = true;
                        }
                    }
                }
            }
        }
        let mut cells = Tally::default();
        for (t, table) in rules.tables.iter().enumerate() {
            let base = self.cell_base[t];
            for i in 0..table.cells.len() {
                if reachable[base + i] {
                    cells.considered += 1;
                    if self.cells[base + i] == 0 {
                        cells.never.push((t, cell_keys(&table.sizes, i)));
                    }
                }
            }
        }
        CensusReport {
            levels,
            measures,
            cells,
            exceptions,
            exemptions,
            records: self.records,
            unconcerned: self.unconcerned,
            first: self.first.clone(),
            files: files.to_vec(),
        }
    }
}

/// A census over a whole run, for a job of [`crate::eval::run::stream`]: each chunk counts
/// into its own [`Census`] ([`CensusRun::record`]), and the driver merges the chunks in
/// input order after each batch ([`CensusRun::merge`]).
pub struct CensusRun<'a> {
    ev: Evaluator<'a>,
    levels: &'a [LevelId],
    files: &'a [String],
    total: std::sync::Mutex<Census>,
    /// Set once the total names as many records as it will: chunks stop copying keys. It
    /// changes only between batches, so what the total holds does not depend on threads.
    full: std::sync::atomic::AtomicBool,
}

impl<'a> CensusRun<'a> {
    /// `files`: the data files, as `data::open_inputs` lists them.
    pub fn new(ev: Evaluator<'a>, levels: &'a [LevelId], files: &'a [String]) -> CensusRun<'a> {
        CensusRun {
            ev,
            levels,
            files,
            total: std::sync::Mutex::new(Census::new(ev.rules(), levels)),
            full: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The levels the census decides at.
    pub fn levels(&self) -> &'a [LevelId] {
        self.levels
    }

    /// Decides `rec` at every level into `decision`, counting into the chunk's `scratch`;
    /// `each` is told every level's decision as [`Census::record`] tells it.
    pub fn record(
        &self,
        scratch: &mut Option<Census>,
        rec: &LoadedRecord,
        decision: &mut Decision,
        each: impl FnMut(LevelId, &Decision, Result<(), EvalError>),
    ) {
        let census = scratch.get_or_insert_with(|| Census::new(self.ev.rules(), self.levels));
        let name = !self.full.load(std::sync::atomic::Ordering::Relaxed);
        census.record(&self.ev, rec, self.levels, decision, name, each);
    }

    /// Adds a chunk's counts to the total; called for each chunk in input order.
    pub fn merge(&self, scratch: &mut Option<Census>) {
        if let Some(chunk) = scratch {
            let mut total = self.total.lock().unwrap_or_else(|e| e.into_inner());
            total.absorb(chunk);
            if total.list_full() {
                self.full.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }

    /// What the census found so far.
    pub fn report(&self) -> CensusReport {
        let total = self.total.lock().unwrap_or_else(|e| e.into_inner());
        total.report(self.ev.rules(), self.files)
    }
}

/// The keys of the cell at `index` of a dense table with dimensions of `sizes` (row-major).
fn cell_keys(sizes: &[usize], mut index: usize) -> Vec<usize> {
    let mut keys = vec![0; sizes.len()];
    for (k, &size) in keys.iter_mut().zip(sizes).rev() {
        let size = size.max(1);
        *k = index % size;
        index /= size;
    }
    keys
}

/// The names of a cell's keys: variant and level names, in the table's order.
pub fn cell_key_names<'r>(rules: &'r RuleSet, table: usize, keys: &[usize]) -> Vec<&'r str> {
    let Some(t) = rules.tables.get(table) else {
        return Vec::new();
    };
    t.dims
        .iter()
        .zip(keys)
        .map(|(dim, &k)| match dim {
            Dim::Level => rules.levels.get(k).map_or("", |l| l.name.as_str()),
            Dim::Enum(e) => rules
                .enums
                .get(*e)
                .and_then(|x| x.variants.get(k))
                .map_or("", String::as_str),
        })
        .collect()
}

/// Why a measure in force never applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeverApplied {
    /// No record of its entity was decided, or none had items of its list.
    NoSubject,
    /// Its condition never held.
    ConditionNeverHeld,
    /// Every entry whose condition held was lifted by an exception or exemption.
    AlwaysLifted,
    /// Every entry that would have applied failed (a missing cell or key).
    Failed,
}

impl NeverApplied {
    /// The machine word of JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            NeverApplied::NoSubject => "no_subject",
            NeverApplied::ConditionNeverHeld => "condition_never_held",
            NeverApplied::AlwaysLifted => "always_lifted",
            NeverApplied::Failed => "failed",
        }
    }
}

/// Of the things in scope, how many there were and which never fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally<T> {
    pub considered: usize,
    pub never: Vec<T>,
}

impl<T> Default for Tally<T> {
    fn default() -> Self {
        Tally {
            considered: 0,
            never: Vec::new(),
        }
    }
}

/// What a census found, in plan order (indexes into the rule set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CensusReport {
    /// The evaluated levels.
    pub levels: Vec<usize>,
    /// Measures in force that never applied, and why.
    pub measures: Tally<(usize, NeverApplied)>,
    /// Reachable cells never used: table and keys.
    pub cells: Tally<(usize, Vec<usize>)>,
    /// Exceptions (measure, index among its exceptions) that never lifted an entry.
    pub exceptions: Tally<(usize, usize)>,
    /// Named exemptions that never lifted an entry.
    pub exemptions: Tally<usize>,
    /// Records decided at every level without an error.
    pub records: u64,
    /// Of those, the ones no measure concerns; the first of them, in input order.
    pub unconcerned: u64,
    pub first: Vec<Unconcerned>,
    /// The data files, as the user named them: what an [`Unconcerned`]'s `file` indexes.
    pub files: Vec<String>,
}

impl Evaluator<'_> {
    /// Decides `record` (of `entity`) at `level` into `out` as [`evaluate`](Self::evaluate)
    /// does, and counts into `census` what the decision used.
    pub fn census(
        &self,
        entity: EntityId,
        record: &Record,
        level: LevelId,
        out: &mut Decision,
        census: &mut Census,
    ) -> Result<(), EvalError> {
        if census.applied.len() != self.rules.measures.len() {
            *census = Census {
                levels: census.levels,
                ..Census::new(self.rules, &[])
            };
        }
        let mut watch = Watch {
            rules: self.rules,
            census,
            measure: 0,
            lifted: false,
        };
        let result = self.decide(entity, record, level, out, &mut watch);
        for e in &out.entries {
            if e.status == Status::Applies {
                if let Some(n) = census.applied.get_mut(e.measure as usize) {
                    *n += 1;
                }
            }
        }
        result
    }
}

/// The observer of a census: counts into the census what each entry used.
struct Watch<'c> {
    rules: &'c RuleSet,
    census: &'c mut Census,
    /// The entry being decided: its measure, and whether something lifted it.
    measure: usize,
    lifted: bool,
}

impl Observer for Watch<'_> {
    fn entry(&mut self, mi: usize, _item: Option<u32>) {
        self.measure = mi;
        self.lifted = false;
        self.census.decided[mi] += 1;
    }

    fn condition(&mut self, _c: &Expr, _frames: Frames<'_>, holds: bool) {
        if holds {
            self.census.held[self.measure] += 1;
        }
    }

    fn exception(&mut self, xi: usize, _frames: Frames<'_>, held: bool) {
        if held {
            self.lifted = true;
            let i = self.census.exception_base[self.measure] + xi;
            self.census.excepted[i] += 1;
        }
    }

    fn exemption(&mut self, xi: usize, _root: Frames<'_>, held: bool) {
        if held {
            self.lifted = true;
            self.census.exempted[xi] += 1;
        }
    }

    fn cell(&mut self, lookup: &Lookup, frames: Frames<'_>, level: usize, found: Option<Found>) {
        // Only a cell of its own (not the default, not a value declared not encoded) of an
        // entry that stays in force.
        if self.lifted || !matches!(found, Some(Found::Cell(_, false))) {
            return;
        }
        let table = &self.rules.tables[lookup.table];
        let mut index = 0usize;
        for (source, size) in lookup.keys.iter().zip(&table.sizes) {
            match key(source, frames, level) {
                Ok(k) if k < *size => index = index * size + k,
                _ => return,
            }
        }
        if let Some(n) = self
            .census
            .cells
            .get_mut(self.census.cell_base[lookup.table] + index)
        {
            *n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::compile_source;
    use crate::data::source::{Item, RecordSource};
    use crate::ir::ValidRuleSet;

    // 甲 applies to listed firms; 乙 (over machines) has an exception for electric ones;
    // 丙 never holds for these firms; the exemption lifts 甲 for guarantee firms. Table T
    // has six cells; the firms reach (水泥, A, 黄色), (水泥, B, 黄色) and (水泥, B, 橙色).
    const POLICY: &str = "预警级别 { 黄色 < 橙色 }
枚举 行业 { 水泥, 家具 }
枚举 等级 有序 { A > B }
枚举 动力 { 燃油, 纯电动, 氢能 }
实体 机 键 号 { 号: 文本  动力: 动力 }
实体 厂 键 名 { 名: 文本  行业: 行业  等级: 等级  清单: 集合 级别  保障: 布尔  人数: 整数  机械: 列表 机 }
表 T (行业, 等级, 级别) {
  水泥:
    等级 | 黄色 | 橙色
    A    | 自主减排 | 限产 10%
    B    | 限产 20% | 停产
  家具:
    等级 | 黄色 | 橙色
    A    | 自主减排 | 自主减排
    B    | 限产 10% | 限产 20%
}
措施 甲 强制性 自 黄色 { 对象 厂 当 级别 属于 清单 要求 T[行业, 等级, 级别] 依据 \"1\" }
措施 乙 强制性 自 黄色 { 对象 厂.机械 当 级别 属于 厂.清单 除外 当 动力 = 纯电动 依据 \"2甲\" 除外 当 动力 = 氢能 依据 \"2乙\" 要求 停用 依据 \"2\" }
措施 丙 倡议性 自 黄色 { 对象 厂 当 人数 > 1000 内容 \"x\" 依据 \"3\" }
豁免 保障 { 对象 厂 当 保障 解除 甲 依据 \"4\" }";

    const FIRMS: &str = r#"{"厂": [
      {"名": "a", "行业": "水泥", "等级": "A", "清单": ["黄色"], "保障": false, "人数": 10,
       "机械": [{"号": "m1", "动力": "燃油"}, {"号": "m2", "动力": "纯电动"}]},
      {"名": "b", "行业": "水泥", "等级": "B", "清单": ["黄色", "橙色"], "保障": false, "人数": 10},
      {"名": "c", "行业": "家具", "等级": "A", "清单": [], "保障": false, "人数": 10},
      {"名": "d", "行业": "家具", "等级": "B", "清单": ["橙色"], "保障": true, "人数": 10}
    ]}"#;

    fn setup() -> (ValidRuleSet, Vec<LoadedRecord>) {
        let c = compile_source("t.policy", POLICY);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let rules = c.rules.unwrap().validate().unwrap();
        let mut src = crate::data::json::load(&rules, "t.json", 0, FIRMS).unwrap();
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

    fn census_of(rules: &ValidRuleSet, recs: &[LoadedRecord], levels: &[LevelId]) -> Census {
        let ev = Evaluator::new(rules);
        let mut census = Census::new(rules, levels);
        let mut d = Decision::default();
        let mut plain = Decision::default();
        for rec in recs {
            let entity = rules.entity_id(rec.entity).unwrap();
            census.record(&ev, rec, levels, &mut d, true, |level, d, r| {
                // The census decides exactly as evaluate does.
                let quiet = ev.evaluate(entity, &rec.record, level, &mut plain);
                assert_eq!(quiet, r);
                assert_eq!(plain.entries, d.entries);
                assert_eq!(plain.effective, d.effective);
            });
        }
        census
    }

    fn measure(rules: &RuleSet, name: &str) -> usize {
        rules.measures.iter().position(|m| m.name == name).unwrap()
    }

    #[test]
    fn what_never_fired_is_reported_and_what_fired_is_not() {
        let (rules, recs) = setup();
        let levels: Vec<LevelId> = rules.level_ids().collect();
        let report = census_of(&rules, &recs, &levels).report(&rules, &[]);
        assert_eq!(report.levels, [0, 1]);
        // 丙's condition never holds; 甲 applied (a, b) and 乙 applied (m1).
        assert_eq!(report.measures.considered, 3);
        assert_eq!(
            report.measures.never,
            [(measure(&rules, "丙"), NeverApplied::ConditionNeverHeld)]
        );
        // 乙's first exception lifted m2; its second (氢能) never held.
        assert_eq!(report.exceptions.considered, 2);
        assert_eq!(report.exceptions.never, [(measure(&rules, "乙"), 1)]);
        // The exemption lifted 甲 for d at orange.
        assert_eq!(report.exemptions.considered, 1);
        assert!(report.exemptions.never.is_empty());
        // Used: (水泥, A, 黄色) by a, (水泥, B, 黄色) and (水泥, B, 橙色) by b; d was exempt,
        // so (家具, B, 橙色) was looked up but not used.
        let names: Vec<Vec<&str>> = report
            .cells
            .never
            .iter()
            .map(|(t, keys)| cell_key_names(&rules, *t, keys))
            .collect();
        assert_eq!(report.cells.considered, 8);
        assert_eq!(
            names,
            [
                ["水泥", "A", "橙色"],
                ["家具", "A", "黄色"],
                ["家具", "A", "橙色"],
                ["家具", "B", "黄色"],
                ["家具", "B", "橙色"],
            ]
        );
        // c is on no list and 丙 never holds for it; d is exempt from 甲 (its only entry).
        assert_eq!((report.records, report.unconcerned), (4, 2));
        let keys: Vec<&str> = report.first.iter().map(|u| u.key.as_str()).collect();
        assert_eq!(keys, ["c", "d"]);
        assert_eq!(report.first[0].row, 3);
    }

    #[test]
    fn the_scope_follows_the_evaluated_levels() {
        let (rules, recs) = setup();
        let yellow = [rules.level("黄色").unwrap()];
        let report = census_of(&rules, &recs, &yellow).report(&rules, &[]);
        assert_eq!(report.levels, [0]);
        // Only yellow cells are in scope; d is on no yellow list, so the exemption never
        // lifted anything at yellow.
        assert_eq!(report.cells.considered, 4);
        assert_eq!(report.cells.never.len(), 2);
        assert_eq!(report.exemptions.never, [0]);
        // At yellow, d has no applying entry either; a and b do.
        let keys: Vec<&str> = report.first.iter().map(|u| u.key.as_str()).collect();
        assert_eq!(keys, ["c", "d"]);
    }

    #[test]
    fn chunks_merged_in_order_give_the_census_of_the_whole() {
        let (rules, recs) = setup();
        let levels: Vec<LevelId> = rules.level_ids().collect();
        let whole = census_of(&rules, &recs, &levels);
        let mut merged = Census::new(&rules, &levels);
        for part in recs.chunks(1) {
            let mut chunk = census_of(&rules, part, &levels);
            merged.absorb(&mut chunk);
            assert_eq!(chunk, Census::new(&rules, &levels), "emptied for reuse");
        }
        assert_eq!(merged, whole);
    }

    #[test]
    fn the_list_of_unconcerned_records_is_capped_but_the_count_is_not() {
        let (rules, recs) = setup();
        let levels: Vec<LevelId> = rules.level_ids().collect();
        let c = recs[2].clone();
        let many: Vec<LoadedRecord> = (0..FIRST_UNCONCERNED + 5)
            .map(|i| LoadedRecord {
                key: format!("c{i}"),
                row: i + 1,
                ..c.clone()
            })
            .collect();
        let report = census_of(&rules, &many, &levels).report(&rules, &[]);
        assert_eq!(report.unconcerned as usize, FIRST_UNCONCERNED + 5);
        assert_eq!(report.first.len(), FIRST_UNCONCERNED);
        assert_eq!(report.first[0].key, "c0");
    }

    #[test]
    fn cell_keys_invert_the_row_major_index() {
        assert_eq!(cell_keys(&[2, 2, 3], 0), [0, 0, 0]);
        assert_eq!(cell_keys(&[2, 2, 3], 5), [0, 1, 2]);
        assert_eq!(cell_keys(&[2, 2, 3], 11), [1, 1, 2]);
    }
}
