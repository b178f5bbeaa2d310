//! E0302 / W0303: two cells for the same combination of a table (conflicting / identical).
//! W0304: a measure that repeats another one's subject, levels, condition and action.

use super::completeness::combo_text;
use super::Cx;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{ActionPlan, Base, MeasureKind};
use crate::semantics::typed::Measure;
use crate::source::Span;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    cells(cx, out);
    measures(cx, out);
}

fn cells(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for grid in &cx.grids {
        let table = &cx.checked.tables[grid.table];
        // One diagnostic per pair of rows (or cells): an error if any of their cells conflict.
        let mut groups: Vec<(Span, Span, bool, Vec<usize>)> = Vec::new();
        for (i, dup) in grid.duplicates.iter().enumerate() {
            let first = grid.row_span(dup.first.1).unwrap_or(dup.first.1);
            let second = grid.row_span(dup.second.1).unwrap_or(dup.second.1);
            let conflict = dup.first.0 != dup.second.0;
            match groups.iter_mut().find(|g| g.0 == first && g.1 == second) {
                Some(g) => {
                    g.2 |= conflict;
                    g.3.push(i);
                }
                None => groups.push((first, second, conflict, vec![i])),
            }
        }
        for (_, _, conflict, dups) in groups {
            let shown = dups
                .iter()
                .copied()
                .find(|i| {
                    let d = &grid.duplicates[*i];
                    (d.first.0 != d.second.0) == conflict
                })
                .unwrap_or(dups[0]);
            let d0 = &grid.duplicates[shown];
            let witness = combo_text(cx, grid, &d0.keys);
            let combos: Vec<String> = dups
                .iter()
                .map(|i| combo_text(cx, grid, &grid.duplicates[*i].keys))
                .collect();
            let mut d = if conflict {
                Diagnostic::new(
                    Code::E0302,
                    format!(
                        "table `{}` gives two different cells for {witness}: `{}` and `{}`",
                        table.name,
                        cx.action_text(d0.first.0),
                        cx.action_text(d0.second.0)
                    ),
                )
                .primary(d0.second.1, format!("`{}` here", cx.action_text(d0.second.0)))
                .help("keep one cell per combination: remove the repeated row or key, or correct its group or row key")
            } else {
                Diagnostic::new(
                    Code::W0303,
                    format!(
                        "table `{}` gives the cell for {witness} twice (`{}`)",
                        table.name,
                        cx.action_text(d0.first.0)
                    ),
                )
                .primary(d0.second.1, "given again here")
                .help("remove the repetition; the table means the same without it")
            };
            if d0.first.1 != d0.second.1 {
                d = d.secondary(
                    d0.first.1,
                    format!("first given here as `{}`", cx.action_text(d0.first.0)),
                );
            } else {
                d = d.note("the row lists the same key twice");
            }
            if combos.len() > 1 {
                d = d.note(format!(
                    "{} combinations are given twice by these rows: {}",
                    combos.len(),
                    combos[..combos.len().min(8)].join("; ")
                ));
            }
            out.push(d);
        }
    }
}

/// What makes two measures repeat each other, as one comparable key: kind, subject,
/// levels, condition, actions, exceptions' conditions, and, unless the measure is
/// enforceable (then its wording does not matter), its wording.
fn repeat_key(cx: &Cx, m: &Measure) -> Option<String> {
    let n = cx.checked.levels.len();
    let exceptions: Vec<&crate::ir::Expr> = m.exceptions.iter().map(|x| &x.condition).collect();
    let actions: Vec<Option<ActionPlan>> = (0..n).map(|l| m.action_at(l)).collect();
    let texts: Option<Vec<Option<&str>>> =
        (!enforceable(cx, m)).then(|| (0..n).map(|l| m.text_at(l)).collect());
    serde_json::to_string(&(
        m.kind,
        m.entity,
        m.item,
        cx.in_force(m),
        &m.condition,
        actions,
        exceptions,
        texts,
    ))
    .ok()
}

/// W0304. Measures are grouped by [`repeat_key`] first, so each is compared with the first
/// of its group only: linear in the plan instead of comparing every pair.
fn measures(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let ms = &cx.checked.measures;
    let mut first_of: HashMap<String, usize> = HashMap::new();
    for (j, b) in ms.iter().enumerate() {
        let in_force = cx.in_force(b);
        if in_force == 0 {
            continue;
        }
        let Some(key) = repeat_key(cx, b) else {
            continue;
        };
        let a_idx = match first_of.entry(key) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                e.insert(j);
                continue;
            }
        };
        let a = &ms[a_idx];
        let level = (0..64).find(|l| in_force & (1u64 << l) != 0).unwrap_or(0);
        let action = b
            .action_at(level)
            .map(|p| {
                if p.lookups.is_empty() {
                    format!("`{}`", cx.action_text(p.fixed))
                } else {
                    "the same table lookup".to_string()
                }
            })
            .unwrap_or_else(|| "the same wording".to_string());
        out.push(
            Diagnostic::new(
                Code::W0304,
                format!(
                    "measure `{}` repeats measure `{}`: same subject, levels, condition and action",
                    b.name, a.name
                ),
            )
            .primary(b.name_span, "this measure adds nothing")
            .secondary(a.name_span, "the measure it repeats")
            .note(format!(
                "for example, every `{}` it covers at {} already gets {action} from `{}`",
                cx.subject_text(j),
                cx.level_name(level),
                a.name
            ))
            .help("remove one of them, or make them differ (a narrower condition, other levels, another action)"),
        );
    }
}

/// A mandatory measure that asks for more than voluntary reduction: repeating it adds
/// nothing to any record's effective action, whatever its wording.
fn enforceable(cx: &Cx, m: &Measure) -> bool {
    m.kind == MeasureKind::Mandatory
        && (0..cx.checked.levels.len())
            .filter_map(|l| m.action_at(l))
            .any(|p| {
                !p.lookups.is_empty()
                    || !matches!(p.fixed.base, Base::None | Base::Voluntary)
                    || p.fixed.restrictions != 0
            })
}
