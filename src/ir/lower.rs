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
