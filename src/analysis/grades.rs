//! E0307: along an ordered enum dimension of a table (such as 绩效等级, best first), a better
//! value is never asked for more than a worse one, for the same other keys and level.
//! Strictness is a partial order: two cells that are not comparable are a finding too.

use super::completeness::combo_text;
use super::grid::Decrease;
use super::Cx;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Dim;

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for grid in &cx.grids {
        let table = &cx.checked.tables[grid.table];
        for (gd, dim) in grid.dims.iter().enumerate() {
            let Dim::Enum(e) = *dim else { continue };
            let Some(info) = cx.checked.enums.get(e).filter(|i| i.ordered) else {
                continue;
            };
            // Values from the best to the worst.
            let mut order: Vec<usize> = (0..info.variants.len()).collect();
            order.sort_by(|a, b| info.rank[*b].cmp(&info.rank[*a]).then(a.cmp(b)));
            for Decrease {
                before: better_span,
                after: worse_span,
                mut keys,
                from: bv,
                to: wv,
                count,
            } in grid.drops_along(gd, &order)
            {
                keys[gd] = bv;
                let b = grid.get(&keys).map(|c| c.0).unwrap_or_default();
                keys[gd] = wv;
                let w = grid.get(&keys).map(|c| c.0).unwrap_or_default();
                let incomparable = w.strictness_cmp(b).is_none();
                let mut ctx_keys = keys.clone();
                ctx_keys[gd] = bv;
                let mut others: Vec<String> = Vec::new();
                let mut level = None;
                for (i, (d, k)) in grid.dims.iter().zip(&keys).enumerate() {
                    if i == gd {
                        continue;
                    }
                    match d {
                        Dim::Level => level = Some(cx.level_name(*k).to_string()),
                        _ => others.push(cx.dim_value(*d, *k).to_string()),
                    }
                }
                let mut at = others.join(", ");
                if let Some(l) = level {
                    if at.is_empty() {
                        at = format!("at {l}");
                    } else {
                        at = format!("{at} at {l}");
                    }
                }
                let (bn, wn) = (&info.variants[bv], &info.variants[wv]);
                let message = if incomparable {
                    format!(
                        "table `{}`: {} `{bn}` and the worse `{wn}` get cells that are not comparable ({at}): `{}` and `{}`",
                        table.name,
                        info.name,
                        cx.action_text(b),
                        cx.action_text(w)
                    )
                } else {
                    format!(
                        "table `{}` asks more of the better {} `{bn}` than of `{wn}` ({at}): `{}` for {bn} but `{}` for {wn}",
                        table.name,
                        info.name,
                        cx.action_text(b),
                        cx.action_text(w)
                    )
                };
                let mut d = Diagnostic::new(Code::E0307, message)
                    .primary(better_span, format!("`{}` for {bn}", cx.action_text(b)))
                    .secondary(
                        worse_span,
                        format!("`{}` for the worse {wn}", cx.action_text(w)),
                    );
                if incomparable {
                    d = d.note(format!(
                        "`{}` and `{}` are not comparable: neither asks at least as much as the other (production part and restrictions are compared separately)",
                        cx.action_text(b),
                        cx.action_text(w)
                    ));
                }
                if count > 1 {
                    d = d.note(format!(
                        "the same two cells are compared for {count} combinations, e.g. {}",
                        combo_text(cx, grid, &ctx_keys)
                    ));
                }
                out.push(d.help(format!(
                    "a worse {} must be asked at least as much as a better one: make the `{wn}` cell at least `{}`",
                    info.name,
                    cx.action_text(w.combine(b)),
                )));
            }
        }
    }
}
