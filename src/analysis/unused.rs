//! W0311: enums, restrictions, tables and imports that nothing uses.
//!
//! The rule for shared files: enums, restrictions and tables are reported only when they
//! are declared in the file being checked and that file declares at least one measure. A
//! file without measures is a library (such as the national grading tables): its
//! declarations are there for the plans that import it. Imports of the checked file are
//! always checked: an import is used when something outside the imported file (and the
//! files it imports in turn) uses a declaration inside them, the alert levels included.

use std::collections::HashSet;

use super::Cx;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Action, Dim, Expr, FieldType};
use crate::source::FileId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Item {
    Enum(usize),
    Entity(usize),
    Restriction(usize),
    Table(usize),
    Measure(usize),
    Levels,
}

fn restrictions(a: Action, out: &mut Vec<Item>) {
    out.extend(a.restriction_indices().map(Item::Restriction));
}

fn expr_enums(e: &Expr, out: &mut Vec<Item>) {
    match e {
        Expr::Compare {
            cmp: crate::ir::CompareAs::Enum(x),
            ..
        } => out.push(Item::Enum(*x)),
        Expr::Not(x) => expr_enums(x, out),
        Expr::And(xs) | Expr::Or(xs) => xs.iter().for_each(|x| expr_enums(x, out)),
        Expr::Any { body, .. } | Expr::All { body, .. } => expr_enums(body, out),
        _ => {}
    }
}

/// Every reference in the program: (the file it is written in, what it refers to).
fn references(cx: &Cx) -> Vec<(FileId, Item)> {
    let c = cx.checked;
    let mut refs = Vec::new();
    for (i, e) in c.entities.iter().enumerate() {
        let file = c.entity_spans[i].file;
        for f in &e.fields {
            match f.ty {
                FieldType::Enum(x) | FieldType::Set(Some(x)) => refs.push((file, Item::Enum(x))),
                FieldType::List(x) => refs.push((file, Item::Entity(x))),
                FieldType::Level | FieldType::Set(None) => refs.push((file, Item::Levels)),
                _ => {}
            }
        }
    }
    for t in &c.tables {
        let file = t.name_span.file;
        let mut items = vec![Item::Levels];
        for d in &t.dims {
            if let Dim::Enum(x) = d {
                items.push(Item::Enum(*x));
            }
        }
        for cell in &t.cells {
            restrictions(cell.action, &mut items);
        }
        if let Some(a) = t.default {
            restrictions(a, &mut items);
        }
        refs.extend(items.into_iter().map(|i| (file, i)));
    }
    for m in &c.measures {
        let file = m.name_span.file;
        let mut items = vec![Item::Levels, Item::Entity(m.entity)];
        if let Some(item) = m.item {
            items.push(Item::Entity(item.entity));
        }
        for plan in m.requires.iter().map(|r| &r.action) {
            restrictions(plan.fixed, &mut items);
            items.extend(plan.lookups.iter().map(|l| Item::Table(l.table)));
        }
        if let Some(cond) = &m.condition {
            expr_enums(cond, &mut items);
        }
        for x in &m.exceptions {
            expr_enums(&x.condition, &mut items);
        }
        items.extend(m.replaces.iter().map(|(o, _)| Item::Measure(*o)));
        refs.extend(items.into_iter().map(|i| (file, i)));
    }
    for x in &c.exemptions {
        let file = x.name_span.file;
        refs.push((file, Item::Entity(x.entity)));
        refs.extend(x.lifts.iter().map(|(m, _)| (file, Item::Measure(*m))));
        if let Some(cond) = &x.condition {
            let mut items = Vec::new();
            expr_enums(cond, &mut items);
            refs.extend(items.into_iter().map(|i| (file, i)));
        }
    }
    refs
}

fn file_of(cx: &Cx, item: Item) -> Option<FileId> {
    let c = cx.checked;
    Some(match item {
        Item::Enum(i) => c.enum_spans.get(i)?.file,
        Item::Entity(i) => c.entity_spans.get(i)?.file,
        Item::Restriction(i) => c.restriction_spans.get(i)?.file,
        Item::Table(i) => c.tables.get(i)?.name_span.file,
        Item::Measure(i) => c.measures.get(i)?.name_span.file,
        Item::Levels => c.levels_span?.file,
    })
}

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let refs = references(cx);
    let used: HashSet<Item> = refs.iter().map(|(_, i)| *i).collect();
    let c = cx.checked;
    let entry_has_measures = c.measures.iter().any(|m| m.name_span.file == 0);
    if entry_has_measures {
        for (i, e) in c.enums.iter().enumerate() {
            if c.enum_spans[i].file == 0 && !used.contains(&Item::Enum(i)) {
                out.push(
                    Diagnostic::new(Code::W0311, format!("enum `{}` is never used", e.name))
                        .primary(c.enum_spans[i], "declared here, used by no field or table")
                        .help("remove it, or use it as the type of a field"),
                );
            }
        }
        for (i, r) in c.restrictions.iter().enumerate() {
            if c.restriction_spans[i].file == 0 && !used.contains(&Item::Restriction(i)) {
                out.push(
                    Diagnostic::new(
                        Code::W0311,
                        format!("restriction `{}` is never applied", r.name),
                    )
                    .primary(c.restriction_spans[i], "declared here, named by no `禁止`")
                    .help("remove it, or apply it in an action with `禁止`"),
                );
            }
        }
        for (i, t) in c.tables.iter().enumerate() {
            if t.name_span.file == 0 && !used.contains(&Item::Table(i)) {
                out.push(
                    Diagnostic::new(
                        Code::W0311,
                        format!("table `{}` is never looked up", t.name),
                    )
                    .primary(t.name_span, "declared here, looked up by no measure")
                    .note("a file without measures is a library, and its tables are not reported")
                    .help(format!(
                        "look it up in a measure's `要求`, e.g. `要求 {}[…]`, or remove it",
                        t.name
                    )),
                );
            }
        }
    }
    // A reduction model no target reads.
    for m in c.models.iter().filter(|m| m.name_span.file == 0) {
        let read = c.list_rules.iter().any(|r| {
            r.head.entity == m.entity
                && r.aggregates.iter().any(|a| {
                    matches!(
                        a.fun,
                        crate::ir::AggregateFn::Reduced | crate::ir::AggregateFn::Baseline
                    )
                })
        });
        if !read {
            out.push(
                Diagnostic::new(
                    Code::W0311,
                    format!("reduction model `{}` is read by no rule", m.name),
                )
                .primary(m.name_span, "declared here, read by no `减排量` or `基数`")
                .help("compare the reduction with a target in a list rule, e.g. `应当 减排量(基数字段) >= 10% × 基数(基数字段)`, or remove the model"),
            );
        }
    }
    // Imports of the checked file.
    let Some(entry) = c.entry else {
        return;
    };
    for imp in c.imports.iter().filter(|i| i.from == entry) {
        let Some(target) = imp.target else {
            continue;
        };
        // The imported file and everything it imports in turn.
        let mut closure = vec![target];
        let mut i = 0;
        while i < closure.len() {
            let from = closure[i];
            for inner in c.imports.iter().filter(|x| x.from == from) {
                if let Some(t) = inner.target {
                    if !closure.contains(&t) && t != entry {
                        closure.push(t);
                    }
                }
            }
            i += 1;
        }
        let is_used = refs.iter().any(|(from, item)| {
            !closure.contains(from) && file_of(cx, *item).is_some_and(|f| closure.contains(&f))
        });
        if !is_used {
            out.push(
                Diagnostic::new(
                    Code::W0311,
                    format!("nothing from the imported file `{}` is used", imp.path),
                )
                .primary(imp.span, "imported here")
                .help("remove the import, or use its declarations"),
            );
        }
    }
}
