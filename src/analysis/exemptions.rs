//! E0308: an exemption lifts a measure whose subject its own subject can never meet.
//! E0309: an exemption lifts a measure declared `不可豁免` (non-exemptible).

use super::Cx;
use crate::diagnostics::{Code, Diagnostic};

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for x in &cx.checked.exemptions {
        for &(mi, span) in &x.lifts {
            let Some(m) = cx.checked.measures.get(mi) else {
                continue;
            };
            if m.entity != x.entity {
                let xe = &cx.checked.entities[x.entity].name;
                out.push(
                    Diagnostic::new(
                        Code::E0308,
                        format!(
                            "exemption `{}` covers `{xe}` records, but measure `{}` concerns `{}`: it can never lift it",
                            x.name,
                            m.name,
                            cx.subject_text(mi)
                        ),
                    )
                    .primary(span, "lifted here")
                    .secondary(x.subject_span, format!("the exemption covers `{xe}`"))
                    .secondary(m.subject_span, "the measure's subject")
                    .note(format!(
                        "a `{xe}` record is never a subject of `{}`, so no record is both covered and bound",
                        m.name
                    ))
                    .help("lift measures over the same entity as the exemption's `对象`, or change its subject"),
                );
            }
            if let Some(ne) = m.non_exemptible_span {
                out.push(
                    Diagnostic::new(
                        Code::E0309,
                        format!(
                            "exemption `{}` lifts measure `{}`, which is `不可豁免` (non-exemptible)",
                            x.name, m.name
                        ),
                    )
                    .primary(span, "lifted here")
                    .secondary(ne, "declared non-exemptible here")
                    .note(format!(
                        "every record `{}` covers would be released from a measure the plan says no exemption may lift",
                        x.name
                    ))
                    .help("remove the measure from `解除`, or drop `不可豁免` if the plan allows the exemption"),
                );
            }
        }
    }
}
