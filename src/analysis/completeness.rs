//! W0301: a table has no cell (and no `默认`) for a combination of keys and level that a
//! measure can look up. "Can look up" is exact on enums: every value of the lookup's key
//! fields at every level where the measure requires the lookup, kept when the measure's
//! condition can hold for it and no exception or exemption always lifts it. Values of the
//! first dimension that the table declares `未编码` (not encoded) are not gaps.

use super::cond::{Known, Sat, Tri};
use super::grid::Grid;
use super::{list, Cx};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Dim, Expr, FieldRef, KeySource, Lookup};
use crate::limits::{MAX_COMBINATIONS, MAX_SEARCHES};
use crate::semantics::typed::Measure;
use crate::source::Span;

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    // Per measure, the exemptions that lift it: one pass, not one per measure.
    let mut lifters: Vec<Vec<usize>> = vec![Vec::new(); cx.checked.measures.len()];
    for (xi, x) in cx.checked.exemptions.iter().enumerate() {
        for &(m, _) in &x.lifts {
            if let Some(l) = lifters.get_mut(m) {
                if l.last() != Some(&xi) {
                    l.push(xi);
                }
            }
        }
    }
    for (mi, m) in cx.checked.measures.iter().enumerate() {
        let mut lookups: Vec<(Lookup, u64)> = Vec::new();
        let in_force = cx.in_force(m);
        for l in 0..cx.checked.levels.len().min(64) {
            if in_force & (1u64 << l) == 0 {
                continue;
            }
            for lk in m.action_at(l).into_iter().flat_map(|p| p.lookups) {
                match lookups.iter_mut().find(|(x, _)| *x == lk) {
                    Some((_, mask)) => *mask |= 1u64 << l,
                    None => lookups.push((lk, 1u64 << l)),
                }
            }
        }
        for (lk, mask) in lookups {
            if let Some(d) = check_lookup(cx, mi, &lk, mask, &lifters[mi]) {
                out.push(d);
            }
        }
    }
}

/// The span of the first lookup `表[…]` of `table` in a measure's `要求` lines.
fn lookup_span(m: &Measure, table: usize) -> Option<Span> {
    m.requires.iter().find_map(|r| {
        r.action
            .lookups
            .iter()
            .zip(&r.lookup_spans)
            .find_map(|(l, span)| (l.table == table).then_some(*span))
    })
}

fn check_lookup(
    cx: &Cx,
    mi: usize,
    lk: &Lookup,
    mask: u64,
    lifters: &[usize],
) -> Option<Diagnostic> {
    let grid = cx.grids.get(lk.table)?;
    let table = cx.checked.tables.get(lk.table)?;
    if grid.default.is_some() || !grid.dense || lk.keys.len() != grid.sizes.len() {
        return None;
    }
    let m = &cx.checked.measures[mi];
    // The distinct key fields and how many values each takes.
    let mut fields: Vec<(FieldRef, usize)> = Vec::new();
    for (pos, k) in lk.keys.iter().enumerate() {
        if let KeySource::Field(r) = k {
            if !fields.iter().any(|(f, _)| f == r) {
                fields.push((*r, grid.sizes[pos]));
            }
        }
    }
    let combos = fields
        .iter()
        .try_fold(1usize, |acc, (_, n)| acc.checked_mul(*n))
        .filter(|n| *n <= MAX_COMBINATIONS)?;
    // What must hold for the lookup to run: the condition, and no exception or exemption.
    let scope = cx.measure_scope(mi);
    let mut goals: Vec<(&Expr, bool)> = Vec::new();
    if let Some(c) = &m.condition {
        goals.push((c, true));
    }
    for x in &m.exceptions {
        goals.push((&x.condition, false));
    }
    if m.item.is_none() {
        for x in lifters.iter().map(|&xi| &cx.checked.exemptions[xi]) {
            if x.entity == m.entity {
                match &x.condition {
                    Some(c) => goals.push((c, false)),
                    None => return None, // lifted for every record
                }
            }
        }
    }
    // When no goal reads a key field, reachability depends on the level only: decide it once.
    let mut reads_keys = false;
    for (e, _) in &goals {
        e.for_each_field(&mut |r| reads_keys |= fields.iter().any(|(f, _)| *f == r));
    }
    let mut per_level: Vec<Option<bool>> = vec![None; cx.checked.levels.len()];
    let mut searches = 0usize;
    let mut missing: Vec<Vec<usize>> = Vec::new();
    let mut values = vec![0usize; fields.len()];
    for level in (0..cx.checked.levels.len().min(64)).filter(|l| mask & (1u64 << l) != 0) {
        for combo in 0..combos {
            let mut rest = combo;
            for (v, (_, n)) in values.iter_mut().zip(&fields).rev() {
                *v = rest % n;
                rest /= n;
            }
            let keys: Vec<usize> = lk
                .keys
                .iter()
                .map(|k| match k {
                    KeySource::Level => level,
                    KeySource::Field(r) => fields
                        .iter()
                        .position(|(f, _)| f == r)
                        .map_or(0, |i| values[i]),
                })
                .collect();
            // A value the table declares `未编码` has no cells on purpose: its lookup says so.
            if grid.get(&keys).is_some() || keys.first().is_some_and(|&v| table.is_not_encoded(v)) {
                continue;
            }
            let known = Known {
                level: Some(level as u16),
                fields: fields
                    .iter()
                    .zip(&values)
                    .map(|((f, _), v)| (*f, *v as u16))
                    .collect(),
            };
            if !reads_keys {
                if let Some(Some(reachable)) = per_level.get(level) {
                    if *reachable {
                        missing.push(keys);
                    }
                    continue;
                }
            }
            if goals.iter().any(|(e, pos)| {
                cx.logic.partial(e, &known) == if *pos { Tri::False } else { Tri::True }
            }) {
                continue;
            }
            searches += 1;
            if searches > MAX_SEARCHES {
                break;
            }
            let reachable = cx
                .logic
                .satisfiable(&goals, &scope, &known, Some(cx.in_force(m)))
                == Sat::Yes;
            if !reads_keys {
                if let Some(slot) = per_level.get_mut(level) {
                    *slot = Some(reachable);
                }
            }
            if reachable {
                missing.push(keys);
            }
        }
    }
    if missing.is_empty() {
        return None;
    }
    missing.sort();
    missing.dedup();
    let witness = combo_text(cx, grid, &missing[0]);
    let more = match missing.len() {
        1 => String::new(),
        n => format!(
            " (and {} more combination{})",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    let mut d = Diagnostic::new(
        Code::W0301,
        format!(
            "table `{}` has no cell for {witness}{more}, which measure `{}` looks up",
            table.name, m.name
        ),
    )
    .primary(
        table.name_span,
        "no cell for some combinations this table is looked up with",
    );
    if let Some(span) = lookup_span(m, lk.table) {
        d = d.secondary(span, "looked up here");
    } else {
        d = d.secondary(m.name_span, "looked up by this measure");
    }
    let lines = grouped(cx, grid, &missing);
    let shown: Vec<String> = lines.iter().take(12).cloned().collect();
    let mut note = String::from("missing:");
    for line in &shown {
        note.push_str("\n  ");
        note.push_str(line);
    }
    if lines.len() > shown.len() {
        note.push_str(&format!("\n  … and {} more", lines.len() - shown.len()));
    }
    Some(
        d.note(note)
            .help("add the missing cells or a `默认` (default) action, declare a value whose grid is not encoded yet with `未编码: …`, or narrow the measure's condition so it cannot reach them"),
    )
}

/// One combination in the author's terms: `钢铁, B at 黄色`.
pub(super) fn combo_text(cx: &Cx, grid: &Grid, keys: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut level = None;
    for (d, k) in grid.dims.iter().zip(keys) {
        match d {
            Dim::Level => level = Some(cx.level_name(*k).to_string()),
            _ => parts.push(cx.dim_value(*d, *k).to_string()),
        }
    }
    match (parts.is_empty(), level) {
        (_, None) => parts.join(", "),
        (true, Some(l)) => l,
        (false, Some(l)) => format!("{} at {l}", parts.join(", ")),
    }
}

/// The missing combinations grouped per group key, rows with the same missing columns merged:
/// `钢铁: every 绩效等级 at every 级别`, `家具制造: B-, C at 红色`.
fn grouped(cx: &Cx, grid: &Grid, missing: &[Vec<usize>]) -> Vec<String> {
    let n = grid.dims.len();
    if n < 2 {
        return missing.iter().map(|k| combo_text(cx, grid, k)).collect();
    }
    let (row_dim, col_dim) = (grid.dims[n - 2], grid.dims[n - 1]);
    let (row_n, col_n) = (grid.sizes[n - 2], grid.sizes[n - 1]);
    let full_cols = if col_n >= 64 {
        u64::MAX
    } else {
        (1u64 << col_n) - 1
    };
    // (group prefix, [(row, column mask)]) in order
    type Rows = Vec<(usize, u64)>;
    let mut groups: Vec<(Vec<usize>, Rows)> = Vec::new();
    for k in missing {
        let prefix = k[..n - 2].to_vec();
        if groups.last().map(|g| &g.0) != Some(&prefix) {
            groups.push((prefix, Vec::new()));
        }
        let rows = &mut groups.last_mut().expect("pushed above").1;
        let bit = if k[n - 1] < 64 { 1u64 << k[n - 1] } else { 0 };
        match rows.iter_mut().find(|(r, _)| *r == k[n - 2]) {
            Some((_, m)) => *m |= bit,
            None => rows.push((k[n - 2], bit)),
        }
    }
    let sep = if col_dim == Dim::Level {
        " at "
    } else {
        " × "
    };
    groups
        .into_iter()
        .map(|(prefix, rows)| {
            let mut merged: Vec<(Vec<usize>, u64)> = Vec::new();
            for (r, m) in rows {
                match merged.iter_mut().find(|(_, mm)| *mm == m) {
                    Some((rs, _)) => rs.push(r),
                    None => merged.push((vec![r], m)),
                }
            }
            let parts: Vec<String> = merged
                .iter()
                .map(|(rs, m)| {
                    let rows_text = if rs.len() == row_n {
                        format!("every {}", cx.dim_name(row_dim))
                    } else {
                        rs.iter()
                            .map(|r| cx.dim_value(row_dim, *r).to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let cols_text = if *m & full_cols == full_cols {
                        format!("every {}", cx.dim_name(col_dim))
                    } else {
                        let cols: Vec<String> = (0..col_n.min(64))
                            .filter(|c| m & (1u64 << c) != 0)
                            .map(|c| cx.dim_value(col_dim, c).to_string())
                            .collect();
                        list(&cols, 64)
                    };
                    format!("{rows_text}{sep}{cols_text}")
                })
                .collect();
            let head: Vec<&str> = prefix
                .iter()
                .zip(&grid.dims)
                .map(|(v, d)| cx.dim_value(*d, *v))
                .collect();
            if head.is_empty() {
                parts.join("; ")
            } else {
                format!("{}: {}", head.join(", "), parts.join("; "))
            }
        })
        .collect()
}
