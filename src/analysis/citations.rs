//! W0312: a measure, exemption, local exception or record rule without `依据` (citation). Every decision
//! repeats the clause it rests on; without one, an auditor cannot check it.

use super::Cx;
use crate::diagnostics::{Code, Diagnostic};

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for m in &cx.checked.measures {
        if m.cite.is_none() {
            out.push(
                Diagnostic::new(Code::W0312, format!("measure `{}` cites no clause", m.name))
                    .primary(m.name_span, "no `依据` (citation)")
                    .note(format!(
                        "every decision entry of `{}` repeats its citation; it would be empty",
                        m.name
                    ))
                    .help("add the clause it implements, e.g. `依据 \"三、(二)2\"`"),
            );
        } else if let Some(l) = m
            .in_force
            .iter()
            .flat_map(|r| r.first..=r.last)
            .find(|&l| m.cite_at(l).is_none())
        {
            // Cited for some levels only: a decision at this one would carry no clause.
            let level = &cx.checked.levels[l].name;
            out.push(
                Diagnostic::new(
                    Code::W0312,
                    format!("measure `{}` cites no clause at {level}", m.name),
                )
                .primary(m.name_span, format!("no `依据` for {level}"))
                .note(format!(
                    "its `依据` lines name other levels; a decision at {level} would carry no citation"
                ))
                .help(format!(
                    "add `依据 {level} \"…\"`, or drop the level from a `依据` that should cover every level"
                )),
            );
        }
        for x in &m.exceptions {
            if x.cite.is_none() {
                out.push(
                    Diagnostic::new(
                        Code::W0312,
                        format!("an exception of measure `{}` cites no clause", m.name),
                    )
                    .primary(x.span, "no `依据` (citation)")
                    .note("records it excepts are reported as exempt without a citation")
                    .help("cite the clause that makes the exception: `除外 当 … 依据 \"…\"`"),
                );
            }
        }
    }
    for x in &cx.checked.exemptions {
        if x.cite.is_none() {
            out.push(
                Diagnostic::new(
                    Code::W0312,
                    format!("exemption `{}` cites no clause", x.name),
                )
                .primary(x.name_span, "no `依据` (citation)")
                .note(format!(
                    "records `{}` exempts are reported as exempt without a citation",
                    x.name
                ))
                .help("add the clause that grants it, e.g. `依据 \"四、(二)\"`"),
            );
        }
    }
    let rules = cx
        .checked
        .rules
        .iter()
        .map(|r| &r.head)
        .chain(cx.checked.list_rules.iter().map(|r| &r.head));
    for head in rules {
        let (name, name_span) = (&head.name, head.name_span);
        if head.cite.is_none() {
            out.push(
                Diagnostic::new(Code::W0312, format!("rule `{name}` cites no clause"))
                    .primary(name_span, "no `依据` (citation)")
                    .note(format!(
                        "every finding of `{name}` names the clause it rests on; it would be empty"
                    ))
                    .help("add the clause the rule implements, e.g. `依据 \"四、(一)\"`"),
            );
        }
    }
}
