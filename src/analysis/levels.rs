//! Along the ordered alert levels nothing gets less strict:
//! E0305: a table's cell (or a measure's own `要求`) at a higher level asks less than, or
//!        something incomparable to, the one at the level below;
//! E0306: a mandatory measure in force at a level is not in force at a higher one, and no
//!        mandatory measure replaces it there (`替代`);
//! E0313: a `替代` that cannot replace: the measure itself, or one with another subject.

use super::grid::{weaker, Decrease};

use super::completeness::combo_text;
use super::Cx;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Action, Dim, MeasureKind};
use crate::source::Span;

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    tables(cx, out);
    measure_actions(cx, out);
    replacements(cx, out);
    dropped(cx, out);
}

fn phrase(how: &str) -> &'static str {
    if how == "less strict" {
        "gets less strict"
    } else {
        "changes to an action that is not comparable"
    }
}

fn tables(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for grid in &cx.grids {
        let table = &cx.checked.tables[grid.table];
        let Some(ld) = grid.dims.iter().position(|d| *d == Dim::Level) else {
            continue;
        };
        let order: Vec<usize> = (0..grid.sizes[ld]).collect();
        for Decrease {
            before: lo_span,
            after: hi_span,
            mut keys,
            from: lo,
            to: hi,
            count,
        } in grid.drops_along(ld, &order)
        {
            keys[ld] = lo;
            let lo_action = grid.get(&keys).map(|c| c.0).unwrap_or_default();
            keys[ld] = hi;
            let hi_action = grid.get(&keys).map(|c| c.0).unwrap_or_default();
            let how = weaker(lo_action, hi_action).unwrap_or("less strict");
            let mut other = keys.clone();
            other.remove(ld);
            let mut dims = grid.dims.clone();
            dims.remove(ld);
            let who: Vec<String> = dims
                .iter()
                .zip(&other)
                .map(|(d, v)| cx.dim_value(*d, *v).to_string())
                .collect();
            let who = if who.is_empty() {
                String::new()
            } else {
                format!("{}: ", who.join(", "))
            };
            let mut d = Diagnostic::new(
                Code::E0305,
                format!(
                    "table `{}` {} from {} to {}: {who}`{}` at {} but `{}` at {}",
                    table.name,
                    phrase(how),
                    cx.level_name(lo),
                    cx.level_name(hi),
                    cx.action_text(lo_action),
                    cx.level_name(lo),
                    cx.action_text(hi_action),
                    cx.level_name(hi),
                ),
            )
            .primary(
                hi_span,
                format!("`{}` at {}", cx.action_text(hi_action), cx.level_name(hi)),
            )
            .secondary(
                lo_span,
                format!("`{}` at {}", cx.action_text(lo_action), cx.level_name(lo)),
            );
            if how == "not comparable" {
                d = d.note(format!(
                    "`{}` and `{}` are not comparable: neither asks at least as much as the other (production part and restrictions are compared separately)",
                    cx.action_text(hi_action),
                    cx.action_text(lo_action)
                ));
            }
            if count > 1 {
                d = d.note(format!(
                    "the same two cells are compared for {count} combinations, e.g. {}",
                    combo_text(cx, grid, &keys)
                ));
            }
            out.push(d.help(format!(
                "a higher alert level must ask at least as much: make the {} cell at least `{}`",
                cx.level_name(hi),
                cx.action_text(lo_action.combine(hi_action))
            )));
        }
    }
}

/// A measure's own `要求` lines (without table lookups) along its levels.
fn measure_actions(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for m in &cx.checked.measures {
        if m.kind != MeasureKind::Mandatory {
            continue;
        }
        let in_force = cx.in_force(m);
        let levels: Vec<usize> = (0..cx.checked.levels.len().min(64))
            .filter(|l| in_force & (1u64 << l) != 0)
            .collect();
        for w in levels.windows(2) {
            let (lo, hi) = (w[0], w[1]);
            let (Some(a), b) = (m.action_at(lo), m.action_at(hi)) else {
                continue;
            };
            if !a.lookups.is_empty() {
                continue;
            }
            let hi_action = match b {
                Some(b) if b.lookups.is_empty() => b.fixed,
                Some(_) => continue,
                None => Action::NONE,
            };
            let Some(how) = weaker(a.fixed, hi_action) else {
                continue;
            };
            let line = |l: usize| -> Option<Span> { m.require_at(l).map(|r| r.span) };
            let mut d = Diagnostic::new(
                Code::E0305,
                format!(
                    "measure `{}` {} from {} to {}: `{}` at {} but `{}` at {}",
                    m.name,
                    phrase(how),
                    cx.level_name(lo),
                    cx.level_name(hi),
                    cx.action_text(a.fixed),
                    cx.level_name(lo),
                    cx.action_text(hi_action),
                    cx.level_name(hi),
                ),
            );
            d = match line(hi) {
                Some(s) => d.primary(s, format!("required at {}", cx.level_name(hi))),
                None => d.primary(
                    m.levels_span,
                    format!("nothing required at {}", cx.level_name(hi)),
                ),
            };
            if let Some(s) = line(lo) {
                d = d.secondary(s, format!("required at {}", cx.level_name(lo)));
            }
            out.push(d.help(format!(
                "a higher alert level must ask at least as much: require at least `{}` at {}",
                cx.action_text(a.fixed.combine(hi_action)),
                cx.level_name(hi)
            )));
        }
    }
}

fn replacements(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (ri, r) in cx.checked.measures.iter().enumerate() {
        for &(old, span) in &r.replaces {
            let Some(m) = cx.checked.measures.get(old) else {
                continue;
            };
            if old == ri {
                out.push(
                    Diagnostic::new(Code::E0313, format!("measure `{}` replaces itself", r.name))
                        .primary(span, "the measure's own name")
                        .help("`替代` names the measure this one takes over from at its levels"),
                );
            } else if m.entity != r.entity || m.item != r.item {
                out.push(
                    Diagnostic::new(
                        Code::E0313,
                        format!(
                            "measure `{}` cannot replace `{}`: their subjects differ (`{}` and `{}`)",
                            r.name,
                            m.name,
                            cx.subject_text(ri),
                            cx.subject_text(old)
                        ),
                    )
                    .primary(span, "replaced here")
                    .secondary(m.subject_span, "the replaced measure's subject")
                    .secondary(r.subject_span, "this measure's subject")
                    .help("a measure replaces one that concerns the same records; give both the same `对象`"),
                );
            }
        }
    }
}

/// Per measure, the levels at which some mandatory measure replacing it (directly or
/// through a chain of `替代`) is in force. One pass over the replacements and one
/// memoised walk: linear in the measures and replacements. Type checking has refused
/// cycles (E0219); a cycle met anyway contributes nothing instead of looping.
fn covered_all(cx: &Cx) -> Vec<u64> {
    let ms = &cx.checked.measures;
    // replacers[m]: the valid mandatory measures that name `m` in `替代`.
    let mut replacers: Vec<Vec<usize>> = vec![Vec::new(); ms.len()];
    for (ri, r) in ms.iter().enumerate() {
        if r.kind != MeasureKind::Mandatory {
            continue;
        }
        for &(old, _) in &r.replaces {
            let Some(m) = ms.get(old) else { continue };
            if old != ri && m.entity == r.entity && m.item == r.item {
                replacers[old].push(ri);
            }
        }
    }
    for r in &mut replacers {
        r.dedup(); // pushed in order of `ri`: repeats are adjacent
    }
    const TODO: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![TODO; ms.len()];
    let mut mask = vec![0u64; ms.len()];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in 0..ms.len() {
        if state[root] != TODO {
            continue;
        }
        state[root] = OPEN;
        stack.push((root, 0));
        while let Some((m, next)) = stack.last_mut() {
            let m = *m;
            if let Some(&r) = replacers[m].get(*next) {
                *next += 1;
                if state[r] == TODO {
                    state[r] = OPEN;
                    stack.push((r, 0));
                }
                continue;
            }
            stack.pop();
            let mut covered = 0;
            for &r in &replacers[m] {
                if state[r] == DONE {
                    covered |= cx.in_force(&ms[r]) | mask[r];
                }
            }
            mask[m] = covered;
            state[m] = DONE;
        }
    }
    mask
}

fn dropped(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let n = cx.checked.levels.len().min(64);
    let covered = if cx.checked.measures.iter().any(|m| !m.replaces.is_empty()) {
        covered_all(cx)
    } else {
        Vec::new()
    };
    for (mi, m) in cx.checked.measures.iter().enumerate() {
        let in_force = cx.in_force(m);
        if m.kind != MeasureKind::Mandatory || in_force == 0 {
            continue;
        }
        let lo = in_force.trailing_zeros() as usize;
        let mut gaps: u64 = (lo + 1..n)
            .filter(|l| in_force & (1u64 << l) == 0)
            .fold(0, |acc, l| acc | (1u64 << l));
        if let Some(c) = covered.get(mi) {
            gaps &= !c;
        }
        if gaps == 0 {
            continue;
        }
        let first_gap = gaps.trailing_zeros() as usize;
        let last_in_force = (0..first_gap)
            .rev()
            .find(|l| in_force & (1u64 << l) != 0)
            .unwrap_or(lo);
        out.push(
            Diagnostic::new(
                Code::E0306,
                format!(
                    "mandatory measure `{}` is in force at {} but not at {}",
                    m.name,
                    cx.level_name(last_in_force),
                    cx.levels_text(gaps)
                ),
            )
            .primary(m.levels_span, format!("ends before {}", cx.level_name(first_gap)))
            .note(format!(
                "a firm it binds at {} would be released from it at {}, a more severe alert",
                cx.level_name(last_in_force),
                cx.level_name(first_gap)
            ))
            .help(format!(
                "extend its levels (`自 {}`), or declare the mandatory measure that takes over at {} with `替代 {}`",
                cx.level_name(lo),
                cx.level_name(first_gap),
                m.name
            )),
        );
    }
}
