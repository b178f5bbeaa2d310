//! Lowering: the typed program → the rule set. Level ranges become bit masks, tables dense
//! arrays indexed by interned keys, each measure gets one wording and one action per level,
//! each measure learns which exemptions lift it, and each record rule gets its level mask
//! and one message per level.

use super::{
    DisclosureInfo, ExceptionInfo, ExemptionInfo, ListRuleInfo, MeasureInfo, RecordRuleInfo,
    ReductionModelInfo, RuleSet, TableInfo,
};
use crate::semantics::typed::{self, LevelRange};

pub fn lower(program: &typed::Program) -> RuleSet {
    let n = program.levels.len();
    let mut measures: Vec<MeasureInfo> = program.measures.iter().map(|m| measure(m, n)).collect();
    for (xi, x) in program.exemptions.iter().enumerate() {
        for &(m, _) in &x.lifts {
            if let Some(measure) = measures.get_mut(m) {
                if !measure.lifted_by.contains(&xi) {
                    measure.lifted_by.push(xi);
                }
            }
        }
    }
    RuleSet {
        plan: program.plan.clone(),
        levels: program.levels.clone(),
        enums: program.enums.clone(),
        entities: program.entities.clone(),
        restrictions: program.restrictions.clone(),
        tables: program.tables.iter().map(table).collect(),
        measures,
        exemptions: program.exemptions.iter().map(exemption).collect(),
        record_rules: program.rules.iter().map(|r| record_rule(r, n)).collect(),
        list_rules: program.list_rules.iter().map(|r| list_rule(r, n)).collect(),
        disclosures: program.disclosures.iter().map(disclosure).collect(),
        reduction_models: program
            .models
            .iter()
            .map(|m| ReductionModelInfo {
                name: m.name.clone(),
                entity: m.entity,
                baselines: m.baselines.clone(),
                voluntary: m.voluntary,
                totals: m.totals.clone(),
                capacity: m.capacity,
                cite: m.cite.clone(),
            })
            .collect(),
        chinese: program.chinese,
    }
}

/// The rule set's level set: bit i set for each level i of the ranges (a policy has at most
/// 64 levels, checked by `semantics::check`).
pub fn level_mask(ranges: &[LevelRange]) -> u64 {
    ranges
        .iter()
        .flat_map(|r| r.levels())
        .fold(0u64, |m, l| m | (1u64 << l))
}

fn table(t: &typed::Table) -> TableInfo {
    let total: usize = t.sizes.iter().product();
    let mut cells = vec![None; if t.sizes.is_empty() { 0 } else { total }];
    for cell in &t.cells {
        let index = cell
            .keys
            .iter()
            .zip(&t.sizes)
            .fold(0, |acc, (k, size)| acc * size + k);
        // The first cell written for a combination wins; the analyses report the overlap.
        if cells[index].is_none() {
            cells[index] = Some(cell.action);
        }
    }
    TableInfo {
        name: t.name.clone(),
        dims: t.dims.clone(),
        sizes: t.sizes.clone(),
        cells,
        default: t.default,
        not_encoded: t.not_encoded,
    }
}

/// A measure with its wording and action at each of the `n` levels.
fn measure(m: &typed::Measure, n: usize) -> MeasureInfo {
    MeasureInfo {
        name: m.name.clone(),
        kind: m.kind,
        levels: level_mask(&m.in_force),
        entity: m.entity,
        item: m.item,
        condition: m.condition.clone(),
        texts: (0..n).map(|l| m.text_at(l).map(str::to_string)).collect(),
        actions: (0..n).map(|l| m.action_at(l)).collect(),
        exceptions: m.exceptions.iter().map(exception).collect(),
        cite: m.cite.clone(),
        cites: (0..n).map(|l| m.cite_at(l)).collect(),
        non_exemptible: m.non_exemptible(),
        lifted_by: Vec::new(),
    }
}

fn exemption(x: &typed::Exemption) -> ExemptionInfo {
    ExemptionInfo {
        name: x.name.clone(),
        entity: x.entity,
        condition: x.condition.clone(),
        lifts: x.lifts.iter().map(|(m, _)| *m).collect(),
        cite: x.cite.clone(),
    }
}

/// A record rule with its level mask and its message at each of the `n` levels (one message
/// for a rule without levels).
fn record_rule(r: &typed::Rule, n: usize) -> RecordRuleInfo {
    let h = &r.head;
    RecordRuleInfo {
        name: h.name.clone(),
        severity: h.severity,
        levels: h.levels.map(|l| level_mask(&[l])),
        entity: h.entity,
        item: h.item,
        condition: h.condition.clone(),
        must: r.must.clone(),
        at_least: r.at_least.clone(),
        texts: texts_per_level(h, n),
        cite: h.cite.clone(),
    }
}

/// A rule's message per level (one, for a rule without levels).
fn texts_per_level(h: &typed::RuleHead, n: usize) -> Vec<Option<String>> {
    match h.levels {
        Some(_) => (0..n)
            .map(|l| h.text_at(Some(l)).map(str::to_string))
            .collect(),
        None => vec![h.text_at(None).map(str::to_string)],
    }
}

fn list_rule(r: &typed::ListRule, n: usize) -> ListRuleInfo {
    let h = &r.head;
    ListRuleInfo {
        name: h.name.clone(),
        severity: h.severity,
        levels: h.levels.map(|l| level_mask(&[l])),
        entity: h.entity,
        item: h.item,
        condition: h.condition.clone(),
        group: r.group,
        aggregates: r.aggregates.clone(),
        checks: r.checks.clone(),
        level_factors: r.level_factors.clone(),
        texts: texts_per_level(h, n),
        cite: h.cite.clone(),
    }
}

fn exception(x: &typed::Exception) -> ExceptionInfo {
    ExceptionInfo {
        name: x.name.clone(),
        condition: x.condition.clone(),
        cite: x.cite.clone(),
    }
}

fn disclosure(d: &typed::Disclosure) -> DisclosureInfo {
    DisclosureInfo {
        name: d.name.clone(),
        entity: d.entity,
        item: d.item,
        condition: d.condition.clone(),
        withheld: d.withheld.iter().map(exception).collect(),
        fields: d.fields.clone(),
        cite: d.cite.clone(),
    }
}

#[cfg(test)]
mod tests {
    use crate::compile::compile_source;
    use crate::ir::{Action, Base};

    #[test]
    fn tables_become_dense_with_default_fallback_and_exemptions_link_back() {
        let c = compile_source(
            "t.policy",
            "预警级别 { 黄色 < 橙色 }
枚举 行业 { 甲, 乙 }
枚举 等级 有序 { A > B }
实体 厂 键 名 { 名: 文本  行业: 行业  等级: 等级  保障: 布尔 }
表 T (行业, 等级, 级别) {
  默认 停产
  甲:
    等级 | 黄色 | 橙色
    A    | 自主减排 | 限产 20%
}
措施 m 强制性 自 黄色 { 对象 厂 要求 T[行业, 等级, 级别] 依据 \"1\" }
豁免 x { 对象 厂 当 保障 解除 m 依据 \"2\" }",
        );
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        let rules = c.rules.unwrap();
        let t = &rules.tables[0];
        assert_eq!(t.sizes, [2, 2, 2]);
        assert_eq!(
            t.lookup(&[0, 0, 1]),
            Some(Action::base(Base::Limit { hundredths: 2000 }))
        );
        assert_eq!(
            t.lookup(&[1, 1, 0]),
            Some(Action::base(Base::Stop)),
            "default"
        );
        assert_eq!(t.lookup(&[2, 0, 0]), None, "out of range keys have no cell");
        assert_eq!(rules.measures[0].lifted_by, [0]);
    }

    #[test]
    fn ranges_become_masks_and_lines_become_one_wording_and_action_per_level() {
        let c = compile_source(
            "t.policy",
            "预警级别 { 黄色 < 橙色 < 红色 < 紫色 }
限制 R \"禁运\"
实体 厂 键 名 { 名: 文本 }
措施 a 倡议性 自 黄色 {
  对象 厂
  内容 \"甲\"
  内容 红色 至 紫色 \"丙\"
  要求 自主减排
  要求 橙色 至 红色 禁止 R
  依据 \"1\"
}
措施 b 倡议性 橙色 { 对象 厂 要求 自主减排 替代 a 依据 \"2\" }",
        );
        assert!(
            c.diagnostics.iter().all(|d| !d.is_error()),
            "{:?}",
            c.diagnostics
        );
        let rules = c.rules.unwrap();
        let a = &rules.measures[0];
        assert_eq!(a.levels, 0b1101, "in force where `b` does not replace it");
        let texts: Vec<Option<&str>> = a.texts.iter().map(Option::as_deref).collect();
        assert_eq!(texts, [Some("甲"), Some("甲"), Some("丙"), Some("丙")]);
        let voluntary = Action::base(Base::Voluntary);
        let fixed: Vec<Option<Action>> = a
            .actions
            .iter()
            .map(|p| p.as_ref().map(|p| p.fixed))
            .collect();
        assert_eq!(
            fixed,
            [
                Some(voluntary),
                Some(voluntary.combine(Action::restriction(0))),
                Some(voluntary.combine(Action::restriction(0))),
                Some(voluntary),
            ]
        );
        assert_eq!(rules.measures[1].levels, 0b0010);
    }

    /// `依据` with levels: each level cites its own clauses (every `依据` covering it, in
    /// order); the joined citation keeps them all.
    #[test]
    fn citations_per_level_are_lowered_to_each_level() {
        let c = compile_source(
            "t.policy",
            "预警级别 { 黄色 < 橙色 < 红色 }
实体 厂 键 名 { 名: 文本 }
措施 a 强制性 自 黄色 {
  对象 厂 要求 停产
  依据 黄色 \"三、(一)2\"
  依据 自 橙色 \"三、(二)2\"
  依据 红色 \"三、(三)2\"
  依据 \"四、(二)\"
}",
        );
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let rules = c.rules.unwrap();
        let a = &rules.measures[0];
        let at: Vec<Option<&str>> = (0..3).map(|l| a.cite_at(l)).collect();
        assert_eq!(
            at,
            [
                Some("三、(一)2；四、(二)"),
                Some("三、(二)2；四、(二)"),
                Some("三、(二)2；三、(三)2；四、(二)")
            ]
        );
        assert_eq!(
            a.cite.as_deref(),
            Some("三、(一)2；三、(二)2；三、(三)2；四、(二)")
        );
    }
}
