//! Lowering: the typed program → the rule set. Tables become dense arrays indexed by
//! interned keys, and each measure learns which exemptions lift it.

use super::{RuleSet, TableInfo};
use crate::semantics::Checked;

pub fn lower(checked: &Checked) -> RuleSet {
    let tables = checked
        .tables
        .iter()
        .map(|t| {
            let total: usize = t.sizes.iter().product();
            let mut cells = vec![None; if t.sizes.is_empty() { 0 } else { total }];
            for cell in &t.cells {
                let index = cell
                    .keys
                    .iter()
                    .zip(&t.sizes)
                    .fold(0, |acc, (k, size)| acc * size + k);
                // The first cell written for a combination wins; `check` reports the overlap.
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
            }
        })
        .collect();
    let mut measures: Vec<_> = checked.measures.iter().map(|m| m.info.clone()).collect();
    for (xi, x) in checked.exemptions.iter().enumerate() {
        for &m in &x.info.lifts {
            if let Some(measure) = measures.get_mut(m) {
                if !measure.lifted_by.contains(&xi) {
                    measure.lifted_by.push(xi);
                }
            }
        }
    }
    RuleSet {
        plan: checked.plan.clone(),
        levels: checked.levels.clone(),
        enums: checked.enums.clone(),
        entities: checked.entities.clone(),
        restrictions: checked.restrictions.clone(),
        tables,
        measures,
        exemptions: checked.exemptions.iter().map(|x| x.info.clone()).collect(),
        chinese: checked.chinese,
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
}
