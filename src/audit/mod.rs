//! Audit: validated rule set × record → the findings of its record rules (`规则`).
//!
//! A rule concerns the records of its entity (or the items of one of their list fields) that
//! meet its `当` condition, at each of its levels or once; each of them must satisfy its
//! `应当`. A subject that does not is a finding. Checking a record allocates nothing once the
//! findings buffer has grown; whole inputs stream through the driver `eval` uses
//! ([`crate::eval::run::stream`]).

pub mod actions;
pub mod lists;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::data::source::RecordSource;
use crate::data::LoadedRecord;
use crate::eval::census::{Census, CensusReport, CensusRun};
use crate::eval::explain::{reads, ValueRead};
use crate::eval::run::{self, Counts, ErrorEntry, Job, RunError};
use crate::eval::{eval_condition, Frames};
use crate::ir::{
    Action, Against, EntityId, Record, RecordRuleInfo, RuleSet, Severity, ValidRuleSet, Value,
};
use lists::{ListFinding, ListTally};

/// A record (or one of its items) that breaks a rule, at a level or once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finding {
    /// The rule's index in the rule set's `record_rules`.
    pub rule: u32,
    /// The level it was checked at; `None` for a rule without levels.
    pub level: Option<u8>,
    /// The item's index in the rule's list field, for a rule over items.
    pub item: Option<u32>,
    /// For a rule comparing actions (`不弱于`): the action the record was held to.
    pub against: Option<Action>,
}

/// Checks records against the record rules of a validated rule set. A view: making one
/// costs nothing.
#[derive(Clone, Copy)]
pub struct Auditor<'r> {
    valid: &'r ValidRuleSet,
}

impl<'r> Auditor<'r> {
    pub fn new(valid: &'r ValidRuleSet) -> Self {
        Auditor { valid }
    }

    pub fn rules(&self) -> &'r ValidRuleSet {
        self.valid
    }

    /// Appends to `out` a finding for every subject of `record` (of `entity`) that breaks a
    /// rule, in the order of the rules, then of levels, then of items. `plans` holds, per
    /// level, the record's effective action (`None`: not decided), for rules comparing with
    /// `预案措施` ([`Auditor::compares_with_plan`]); such a rule is not checked at a level
    /// the record's decision is not known.
    pub fn check(
        &self,
        entity: EntityId,
        record: &Record,
        plans: &[Option<Action>],
        out: &mut Vec<Finding>,
    ) {
        let rules: &RuleSet = self.valid;
        let n = rules.levels.len();
        let root = Frames::root(record);
        for (ri, rule) in rules.record_rules.iter().enumerate() {
            if rule.entity != entity.index() {
                continue;
            }
            let mut at = |level: Option<usize>| {
                let l = level.unwrap_or(0);
                let required = rule
                    .at_least
                    .as_ref()
                    .map(|a| actions::against(a, plans.get(l).copied().flatten()));
                if required == Some(None) {
                    return;
                }
                let broken = |frames: Frames<'_>| {
                    let meets = || match (&rule.at_least, required.flatten()) {
                        (Some(a), Some(x)) => actions::holds(rules, rule.entity, a, record, l, x),
                        _ => true,
                    };
                    rule.condition
                        .as_ref()
                        .is_none_or(|c| eval_condition(rules, c, frames, l))
                        && !(eval_condition(rules, &rule.must, frames, l) && meets())
                };
                let finding = |item| Finding {
                    rule: ri as u32,
                    level: level.map(|l| l as u8),
                    item,
                    against: required.flatten(),
                };
                match rule.item {
                    None => {
                        if broken(root) {
                            out.push(finding(None));
                        }
                    }
                    Some(item) => {
                        if let Value::List(items) = record.get(item.field) {
                            for (i, it) in items.iter().enumerate() {
                                if broken(root.push(it)) {
                                    out.push(finding(Some(i as u32)));
                                }
                            }
                        }
                    }
                }
            };
            match rule.levels {
                None => at(None),
                Some(mask) => (0..n)
                    .filter(|l| mask & (1u64 << l) != 0)
                    .for_each(|l| at(Some(l))),
            }
        }
    }

    /// Whether a rule of `entity` compares with `预案措施`: its records must then be decided
    /// at every level.
    pub fn compares_with_plan(&self, entity: usize) -> bool {
        let rules: &RuleSet = self.valid;
        rules.record_rules.iter().any(|r| {
            r.entity == entity
                && r.at_least
                    .as_ref()
                    .is_some_and(|a| a.against == Against::Plan)
        })
    }

    /// The rule a finding breaks.
    pub fn rule(&self, f: &Finding) -> &'r RecordRuleInfo {
        let rules: &'r RuleSet = self.valid;
        &rules.record_rules[f.rule as usize]
    }

    /// The values the rule's `应当` read on the finding's subject: what failed.
    pub fn values(&self, record: &Record, f: &Finding) -> Vec<ValueRead> {
        let rules: &RuleSet = self.valid;
        let rule = self.rule(f);
        if let Some(a) = &rule.at_least {
            let level = f.level.map_or(0, usize::from);
            return actions::values(rules, rule.entity, a, record, level, f.against);
        }
        let root = Frames::root(record);
        let mut entities = vec![rule.entity];
        let item = match (rule.item, f.item) {
            (Some(subject), Some(i)) => match record.get(subject.field) {
                Value::List(items) => items.get(i as usize).map(|it| (subject.entity, it)),
                _ => None,
            },
            _ => None,
        };
        match item {
            Some((entity, it)) => {
                entities.push(entity);
                reads(rules, &entities, &rule.must, root.push(it))
            }
            None => reads(rules, &entities, &rule.must, root),
        }
    }

    /// The message of a finding: the rule's `内容` at its level, if it has one.
    pub fn message(&self, f: &Finding) -> Option<&'r str> {
        let rule = self.rule(f);
        let at = match rule.levels {
            Some(_) => f.level.map_or(0, usize::from),
            None => 0,
        };
        rule.texts.get(at).and_then(Option::as_deref)
    }
}

/// How many findings of each severity a run found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub errors: usize,
    pub warnings: usize,
}

/// How findings are written. Implementations format into byte buffers from several threads
/// at once; the driver writes the buffers in input order.
pub trait FindingsFormat: Sync {
    /// Written once, before anything else.
    fn begin(&self, _out: &mut Vec<u8>) {}
    /// Bytes every written record starts with; dropped before the very first one.
    fn separator(&self) -> &'static [u8] {
        b""
    }
    /// The findings of one record (never called with none).
    fn record(&self, out: &mut Vec<u8>, rec: &LoadedRecord, findings: &[Finding]);
    /// A row that did not load, where the format shows errors among the findings.
    fn inline_error(&self, _out: &mut Vec<u8>, _error: &ErrorEntry) {}
    /// Written once at the end: the findings of the list rules over the whole input, then
    /// the rest; with the census of the run when one was asked for.
    fn end(&self, out: &mut Vec<u8>, end: &AuditEnd<'_>);
}

/// What a findings format writes at the end of a run.
pub struct AuditEnd<'a> {
    /// The groups of list rules that fail a check, in rule, level, group and check order.
    pub lists: &'a [ListFinding],
    /// Every row that did not load, in input order.
    pub errors: &'a [ErrorEntry],
    pub warnings: &'a [String],
    pub counts: &'a Counts,
    pub tally: Tally,
    pub census: Option<&'a CensusReport>,
}

/// Auditing each record, written by a findings format.
struct Audit<'a> {
    auditor: Auditor<'a>,
    format: &'a dyn FindingsFormat,
    errors: AtomicUsize,
    warnings: AtomicUsize,
    census: Option<&'a CensusRun<'a>>,
    /// The list rules' counts of the chunks merged so far.
    lists: std::sync::Mutex<ListTally>,
}

/// A chunk's scratch when auditing: its findings, and with a census, the decision and the
/// chunk's census.
#[derive(Default)]
pub struct AuditScratch {
    findings: Vec<Finding>,
    decision: crate::eval::Decision,
    census: Option<Census>,
    lists: ListTally,
    /// Per level, the share of its bases the record's effective action cuts (`None`:
    /// undetermined), when a list rule reads `减排量`.
    cuts: Vec<Option<u32>>,
    /// Per level, the record's effective action (`None`: undetermined), when a rule
    /// compares with `预案措施`.
    plans: Vec<Option<Action>>,
}

impl Job for Audit<'_> {
    type Scratch = AuditScratch;

    fn begin(&self, out: &mut Vec<u8>) {
        self.format.begin(out)
    }

    fn separator(&self) -> &'static [u8] {
        self.format.separator()
    }

    fn record(
        &self,
        scratch: &mut AuditScratch,
        out: &mut Vec<u8>,
        _errors: &mut Vec<ErrorEntry>,
        rec: &LoadedRecord,
    ) -> bool {
        let rules: &RuleSet = self.auditor.rules();
        let entity = self.auditor.rules().entity_id(rec.entity);
        // A reduction target, or a rule comparing with the plan, needs each record's
        // effective action at every level.
        let plans = &mut scratch.plans;
        plans.clear();
        let reductions = entity.is_some_and(|e| lists::reads_reductions(rules, e.index()));
        let needs_plans = reductions || self.auditor.compares_with_plan(rec.entity);
        let plan = |d: &crate::eval::Decision, decided: Result<(), _>| match decided {
            Ok(()) if !d.undetermined => Some(d.effective),
            _ => None,
        };
        // The census decides the record at its levels; what it decides is not audited (an
        // error of the decision only keeps the record out of the census).
        if let Some(census) = self.census {
            census.record(
                &mut scratch.census,
                rec,
                &mut scratch.decision,
                |level, d, decided| {
                    if needs_plans {
                        // The census may decide only some levels: each at its own index.
                        let l = level.index();
                        if plans.len() <= l {
                            plans.resize(l + 1, None);
                        }
                        plans[l] = plan(d, decided);
                    }
                },
            );
        } else if let (true, Some(e)) = (needs_plans, entity) {
            let ev = crate::eval::Evaluator::new(self.auditor.rules());
            for level in self.auditor.rules().level_ids() {
                let decided = ev.evaluate(e, &rec.record, level, &mut scratch.decision);
                plans.push(plan(&scratch.decision, decided));
            }
        }
        scratch.cuts.clear();
        if reductions {
            let cut =
                |p: &Option<Action>| p.map(|a| lists::cut_of(rules, rec.entity, &rec.record, a));
            scratch.cuts.extend(scratch.plans.iter().map(cut));
        }
        let findings = &mut scratch.findings;
        findings.clear();
        if let Some(entity) = entity {
            self.auditor
                .check(entity, &rec.record, &scratch.plans, findings);
            scratch
                .lists
                .count(rules, entity.index(), &rec.record, &scratch.cuts);
        }
        if !findings.is_empty() {
            let errors = findings
                .iter()
                .filter(|f| self.auditor.rule(f).severity == Severity::Error)
                .count();
            self.errors.fetch_add(errors, Ordering::Relaxed);
            self.warnings
                .fetch_add(findings.len() - errors, Ordering::Relaxed);
            self.format.record(out, rec, findings);
        }
        true
    }

    fn inline_error(&self, out: &mut Vec<u8>, error: &ErrorEntry) {
        self.format.inline_error(out, error)
    }

    fn merge(&self, scratch: &mut AuditScratch) {
        if let Some(census) = self.census {
            census.merge(&mut scratch.census);
        }
        let rules: &RuleSet = self.auditor.rules();
        let mut total = self.lists.lock().unwrap_or_else(|e| e.into_inner());
        total.absorb(rules, &mut scratch.lists);
    }

    fn end(&self, out: &mut Vec<u8>, errors: &[ErrorEntry], warnings: &[String], counts: &Counts) {
        let rules: &RuleSet = self.auditor.rules();
        let total = self.lists.lock().unwrap_or_else(|e| e.into_inner());
        let lists = lists::judge(rules, &total);
        let list_errors = lists
            .iter()
            .filter(|f| rules.list_rules[f.rule].severity == Severity::Error)
            .count();
        // Counted with the records' findings, so the run's tally has them too.
        self.errors.fetch_add(list_errors, Ordering::Relaxed);
        self.warnings
            .fetch_add(lists.len() - list_errors, Ordering::Relaxed);
        let tally = Tally {
            errors: self.errors.load(Ordering::Relaxed),
            warnings: self.warnings.load(Ordering::Relaxed),
        };
        let report = self.census.map(CensusRun::report);
        self.format.end(
            out,
            &AuditEnd {
                lists: &lists,
                errors,
                warnings,
                counts,
                tally,
                census: report.as_ref(),
            },
        )
    }
}

/// Reads every item of `source`, checks each record against the record rules, and writes
/// the findings to `sink` in input order; takes `census` of the run as well when given.
pub fn run(
    auditor: Auditor<'_>,
    source: &mut dyn RecordSource,
    format: &dyn FindingsFormat,
    census: Option<&CensusRun<'_>>,
    sink: &mut dyn Write,
) -> Result<(Counts, Tally, Vec<String>), RunError> {
    let job = Audit {
        auditor,
        format,
        errors: AtomicUsize::new(0),
        warnings: AtomicUsize::new(0),
        census,
        lists: Default::default(),
    };
    let (counts, warnings) = run::stream(&job, source, sink)?;
    let tally = Tally {
        errors: job.errors.load(Ordering::Relaxed),
        warnings: job.warnings.load(Ordering::Relaxed),
    };
    Ok((counts, tally, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::compile_source;
    use crate::data::source::Item;

    const POLICY: &str = "预警级别 { 黄色 < 橙色 < 红色 }
实体 厂 键 名 { 名: 文本  清单: 集合 级别  方案: 可选 集合 级别  保障: 可选 文本  制造: 可选 布尔  机械: 列表 机 }
实体 机 键 号 { 号: 文本  功率: 整数 }
规则 方案 错误 自 橙色 { 对象 厂 当 级别 属于 清单 应当 级别 属于 方案 依据 \"四1\" 内容 橙色 \"橙\" 内容 红色 \"红\" }
规则 保障 警告 { 对象 厂 当 保障 有值 应当 制造 依据 \"四2\" }
规则 功率 错误 { 对象 厂.机械 应当 功率 <= 37 依据 \"四3\" }";

    fn setup(firms: &str) -> (ValidRuleSet, Vec<LoadedRecord>) {
        let c = compile_source("t.policy", POLICY);
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

    fn findings(rules: &ValidRuleSet, rec: &LoadedRecord) -> Vec<Finding> {
        let mut out = Vec::new();
        let entity = rules.entity_id(rec.entity).unwrap();
        Auditor::new(rules).check(entity, &rec.record, &[], &mut out);
        out
    }

    #[test]
    fn a_rule_is_checked_at_each_of_its_levels_on_the_subjects_its_condition_selects() {
        let (rules, recs) = setup(
            r#"{"厂": [
              {"名": "甲", "清单": ["黄色", "橙色", "红色"], "方案": ["黄色", "橙色"], "机械": []},
              {"名": "乙", "清单": ["红色"], "机械": []},
              {"名": "丙", "清单": [], "方案": [], "机械": []}
            ]}"#,
        );
        let a = Auditor::new(&rules);
        // 甲 lacks red only; yellow is not one of the rule's levels.
        let f = findings(&rules, &recs[0]);
        assert_eq!(
            f,
            vec![Finding {
                against: None,
                rule: 0,
                level: Some(2),
                item: None
            }]
        );
        assert_eq!(a.message(&f[0]), Some("红"));
        let values = a.values(&recs[0].record, &f[0]);
        assert_eq!(values.len(), 1);
        assert_eq!(values[0].field, "厂.方案");
        assert!(!values[0].missing);
        // 乙 has no plan at all: a missing value breaks the rule, and says it was missing.
        let f = findings(&rules, &recs[1]);
        assert_eq!(f.len(), 1);
        assert!(a.values(&recs[1].record, &f[0])[0].missing);
        // 丙 is on no list: the condition selects nothing.
        assert!(findings(&rules, &recs[2]).is_empty());
    }

    #[test]
    fn a_rule_without_levels_is_checked_once_and_a_rule_over_items_names_the_item() {
        let (rules, recs) = setup(
            r#"{"厂": [
              {"名": "甲", "清单": [], "保障": "民生", "制造": false,
               "机械": [{"号": "J1", "功率": 30}, {"号": "J2", "功率": 90}, {"号": "J3", "功率": 40}]},
              {"名": "乙", "清单": [], "保障": "民生", "制造": true, "机械": []}
            ]}"#,
        );
        let a = Auditor::new(&rules);
        let f = findings(&rules, &recs[0]);
        let at = |rule, item| Finding {
            against: None,
            rule,
            level: None,
            item,
        };
        assert_eq!(f, vec![at(1, None), at(2, Some(1)), at(2, Some(2))]);
        assert_eq!(a.rule(&f[0]).severity, Severity::Warning);
        assert_eq!(a.message(&f[0]), None);
        let values = a.values(&recs[0].record, &f[2]);
        assert_eq!(values[0].field, "机.功率");
        assert_eq!(values[0].value, "40");
        assert!(findings(&rules, &recs[1]).is_empty());
    }

    /// Captures the list findings a run ends with.
    #[derive(Default)]
    struct Lists(std::sync::Mutex<Vec<ListFinding>>);

    impl FindingsFormat for Lists {
        fn record(&self, _: &mut Vec<u8>, _: &LoadedRecord, _: &[Finding]) {}
        fn end(&self, _: &mut Vec<u8>, end: &AuditEnd<'_>) {
            *self.0.lock().unwrap() = end.lists.to_vec();
        }
    }

    const TARGETS: &str = "预警级别 { 黄色 < 橙色 < 红色 }
枚举 等级 有序 { A > B > C }
实体 企业 键 名称 { 名称: 文本  等级: 等级  清单: 集合 级别  硫: 可选 小数  氮: 可选 小数  自报: 可选 百分比 }
措施 分级减排 强制性 自 黄色 { 对象 企业 当 级别 属于 清单 要求 分级[等级, 级别] 依据 \"三\" }
表 分级 (等级, 级别) {
  等级 | 黄色     | 橙色     | 红色
  A    | 自主减排 | 自主减排 | 自主减排
  B    | 限产 20% | 限产 30% | 停产 50%
  C    | 停产     | 停产     | -
}
减排模型 污染物 { 对象 企业 排放基数 硫, 氮 自主减排 自报 总量 氮 = 1000 依据 \"目标\" }
规则 黄色目标 警告 黄色 { 对象 企业 应当 减排量(硫) >= 10% × 基数(硫) 且 减排量(氮) >= 10% × 基数(氮) 依据 \"目标\" }
规则 红色目标 警告 红色 { 对象 企业 当 级别 属于 清单 应当 减排量(硫) >= 90% × 基数(硫) 依据 \"目标\" }";

    fn targets(firms: &str) -> Vec<ListFinding> {
        let c = compile_source("t.policy", TARGETS);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        list_findings(&c.rules.unwrap().validate().unwrap(), firms)
    }

    /// The list findings of auditing the JSON document `doc`.
    fn list_findings(rules: &crate::ir::ValidRuleSet, doc: &str) -> Vec<ListFinding> {
        let mut src = crate::data::json::load(rules, "t.json", 0, doc).unwrap();
        let format = Lists::default();
        run(
            Auditor::new(rules),
            &mut src,
            &format,
            None,
            &mut Vec::new(),
        )
        .unwrap();
        format.0.into_inner().unwrap()
    }

    /// The reduction each firm's effective action achieves at the level, under the model:
    /// voluntary cuts the firm's own figure, a limit its share, a stop all; the base is the
    /// declared total, or the sum over every firm; an undetermined action is left out.
    #[test]
    fn reduction_targets_sum_what_the_effective_actions_cut_of_the_bases() {
        let found = targets(
            r#"{"企业": [
              {"名称": "甲", "等级": "A", "清单": ["黄色", "橙色", "红色"], "硫": 100, "氮": 50, "自报": "5%"},
              {"名称": "乙", "等级": "B", "清单": ["黄色", "红色"], "硫": 200, "氮": 100},
              {"名称": "丙", "等级": "C", "清单": ["红色"], "硫": 300, "氮": 80},
              {"名称": "丁", "等级": "C", "清单": [], "硫": 400}
            ]}"#,
        );
        let figure = |f: &ListFinding, i: usize| f.figures[i].unwrap().to_string();
        // Yellow: 甲 cuts its own 5% (5 of 硫, 2.5 of 氮), 乙 limits by 20% (40, 20).
        let yellow: Vec<&ListFinding> = found.iter().filter(|f| f.level == Some(0)).collect();
        assert_eq!(yellow.len(), 2, "{found:?}");
        let y = yellow[0];
        assert_eq!(
            (figure(y, 0), figure(y, 1), figure(y, 2), figure(y, 3)),
            ("45".into(), "1000".into(), "22.5".into(), "1000".into())
        );
        assert_eq!(y.bases[1], Some(lists::BaseSource::Data { records: 4 }));
        assert_eq!(y.bases[3], Some(lists::BaseSource::Declared));
        assert_eq!(y.missing[2], 1, "丁 has no 氮: left out of the reduction");
        // Red: the table has no cell for C, so 丙's decision fails: left out, counted.
        let red: Vec<&ListFinding> = found.iter().filter(|f| f.level == Some(2)).collect();
        assert_eq!(red.len(), 1);
        assert_eq!(figure(red[0], 0), "105", "甲 5 + 乙 stops 50% of 200");
        assert_eq!(red[0].undetermined[0], 1);
        assert_eq!(figure(red[0], 1), "1000");
    }

    /// `总量 硫 = 区域.硫总量`: the base is the field summed over every 区域 record of the
    /// data, in whichever file or order it comes; with none, the target has no base.
    #[test]
    fn a_total_the_data_holds_is_summed_over_its_records() {
        let policy = "预警级别 { 黄色 < 橙色 }
实体 企业 键 名称 { 名称: 文本  硫: 可选 小数 }
实体 区域 键 名 { 名: 文本  硫总量: 可选 小数 }
措施 停 强制性 自 黄色 { 对象 企业 要求 停产 依据 \"三\" }
减排模型 污染物 { 对象 企业 排放基数 硫 总量 硫 = 区域.硫总量 }
规则 目标 警告 黄色 { 对象 企业 应当 减排量(硫) >= 50% × 基数(硫) 依据 \"目标\" }";
        let c = compile_source("t.policy", policy);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let rules = c.rules.unwrap().validate().unwrap();
        let audit = |doc: &str| list_findings(&rules, doc);
        // 甲 stops: 100 cut of a total 150 + 90 + (empty) = 240, below half.
        let found = audit(
            r#"{"区域": [{"名": "东", "硫总量": 150}, {"名": "西", "硫总量": 90}, {"名": "南"}],
                "企业": [{"名称": "甲", "硫": 100}]}"#,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].figures[1].unwrap().to_string(), "240");
        assert_eq!(
            found[0].bases[1],
            Some(lists::BaseSource::DataTotal {
                entity: 1,
                field: 1,
                records: 3
            })
        );
        assert_eq!(found[0].missing[1], 1, "南 has no figure");
        // A total of 180 is met by the 100 cut; the firms' own 硫 is not the base.
        let met = audit(
            r#"{"企业": [{"名称": "甲", "硫": 100}, {"名称": "乙", "硫": 900}], "区域": [{"名": "东", "硫总量": 180}]}"#,
        );
        assert!(met.is_empty(), "{met:?}");
        // No 区域 record: no base, a finding that says so.
        let none = audit(r#"{"企业": [{"名称": "甲", "硫": 100}]}"#);
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].right, Err(lists::Undefined::NoRecords));
    }
}
