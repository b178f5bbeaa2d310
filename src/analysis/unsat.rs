//! W0310: a measure, exception, exemption or record rule whose condition can never hold (an
//! empty `属于 {}`, contradictory comparisons on one field, an enum or level test no value
//! passes), a measure replaced at every level it is in force, or a rule no record it
//! concerns can satisfy, or none can break; a disclosure that publishes no record, or whose
//! withholding never holds or holds for every record it publishes. Silent where undecidable.

use super::cond::{Known, Reason, Sat};
use super::Cx;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Expr;
use crate::source::Span;

fn why(cx: &Cx, r: &Reason, scope: &[usize]) -> String {
    match r {
        Reason::EmptyTest(v) => {
            format!("no value of `{}` passes this test", cx.var_name(*v, scope))
        }
        Reason::Conflict(v) => format!(
            "no value of `{}` passes all of its tests together",
            cx.var_name(*v, scope)
        ),
        Reason::Negation => "it requires a test and its negation together".to_string(),
        Reason::AlwaysFalse => "it is false whatever the record".to_string(),
    }
}

fn levels_note(cx: &Cx, cond: &Expr, levels: u64) -> Option<String> {
    let mut uses_level = false;
    fn walk(e: &Expr, f: &mut bool) {
        use crate::ir::Operand;
        match e {
            Expr::Compare { lhs, rhs, .. } => {
                *f |= matches!(lhs, Operand::Level) || matches!(rhs, Operand::Level)
            }
            Expr::InMask { operand, .. }
            | Expr::InValues { operand, .. }
            | Expr::InField { operand, .. } => *f |= matches!(operand, Operand::Level),
            Expr::Not(x) => walk(x, f),
            Expr::And(xs) | Expr::Or(xs) => xs.iter().for_each(|x| walk(x, f)),
            Expr::Any { body, .. } | Expr::All { body, .. } => walk(body, f),
            _ => {}
        }
    }
    walk(cond, &mut uses_level);
    uses_level.then(|| format!("the measure is in force at {} only", cx.levels_text(levels)))
}

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    let all_levels = if cx.checked.levels.len() >= 64 {
        u64::MAX
    } else {
        (1u64 << cx.checked.levels.len()) - 1
    };
    for (mi, m) in cx.checked.measures.iter().enumerate() {
        let scope = cx.measure_scope(mi);
        let in_force = cx.in_force(m);
        if in_force == 0 {
            out.push(
                Diagnostic::new(
                    Code::W0310,
                    format!("measure `{}` is never in force", m.name),
                )
                .primary(
                    m.levels_span,
                    "every one of these levels is taken over by a replacement",
                )
                .help("remove the measure, or the `替代` that replaces it everywhere"),
            );
            continue;
        }
        let cond_ok = match &m.condition {
            Some(c) => {
                let s =
                    cx.logic
                        .satisfiable(&[(c, true)], &scope, &Known::default(), Some(in_force));
                if let Sat::No(r) = &s {
                    let mut d = Diagnostic::new(
                        Code::W0310,
                        format!("the condition of measure `{}` can never hold", m.name),
                    )
                    .primary(
                        m.condition_span.unwrap_or(m.subject_span),
                        why(cx, r, &scope),
                    )
                    .secondary(m.name_span, "so this measure never applies");
                    if let Some(n) = levels_note(cx, c, in_force) {
                        d = d.note(n);
                    }
                    out.push(d.help("correct the condition; as written no record is ever bound"));
                }
                !matches!(s, Sat::No(_))
            }
            None => true,
        };
        if !cond_ok {
            continue;
        }
        for x in &m.exceptions {
            let mut goals: Vec<(&Expr, bool)> = vec![(&x.condition, true)];
            if let Some(c) = &m.condition {
                goals.push((c, true));
            }
            if let Sat::No(r) =
                cx.logic
                    .satisfiable(&goals, &scope, &Known::default(), Some(in_force))
            {
                let alone = matches!(
                    cx.logic.satisfiable(
                        &[(&x.condition, true)],
                        &scope,
                        &Known::default(),
                        Some(in_force)
                    ),
                    Sat::No(_)
                );
                let mut d = Diagnostic::new(
                    Code::W0310,
                    format!("an exception of measure `{}` can never hold", m.name),
                )
                .primary(x.span, why(cx, &r, &scope));
                if !alone {
                    if let Some(c) = m.condition_span {
                        d = d
                            .secondary(c, "for no record that meets the measure's condition")
                            .note("the exception is tested only for records that meet the measure's condition");
                    }
                }
                out.push(d.help("correct the exception's condition, or remove the exception"));
            }
        }
    }
    for x in &cx.checked.exemptions {
        let Some(c) = &x.condition else { continue };
        let scope = [x.entity];
        if let Sat::No(r) =
            cx.logic
                .satisfiable(&[(c, true)], &scope, &Known::default(), Some(all_levels))
        {
            let span: Span = x.condition_span.unwrap_or(x.subject_span);
            out.push(
                Diagnostic::new(
                    Code::W0310,
                    format!("the condition of exemption `{}` can never hold", x.name),
                )
                .primary(span, why(cx, &r, &scope))
                .secondary(x.name_span, "so this exemption never lifts anything")
                .help("correct the condition; as written no record is exempt"),
            );
        }
    }
    rules(cx, all_levels, out);
    list_rules(cx, all_levels, out);
    disclosures(cx, all_levels, out);
}

/// A disclosure (`公开`) whose `当` selects no record (it publishes nothing), a withholding
/// (`除外 当`) no published record meets (it withholds nothing), or one every published
/// record meets (the disclosure publishes nothing).
fn disclosures(cx: &Cx, all_levels: u64, out: &mut Vec<Diagnostic>) {
    for d in &cx.checked.disclosures {
        let scope: Vec<usize> = std::iter::once(d.entity)
            .chain(d.item.map(|i| i.entity))
            .collect();
        let sat = |goals: &[(&Expr, bool)]| {
            cx.logic
                .satisfiable(goals, &scope, &Known::default(), Some(all_levels))
        };
        let mut goals: Vec<(&Expr, bool)> = d.condition.iter().map(|c| (c, true)).collect();
        if let (Some(c), Sat::No(r)) = (d.condition_span, sat(&goals)) {
            out.push(
                Diagnostic::new(
                    Code::W0310,
                    format!("the condition of disclosure `{}` can never hold", d.name),
                )
                .primary(c, why(cx, &r, &scope))
                .secondary(d.name_span, "so this disclosure publishes no record")
                .help("correct the condition; as written the public list is always empty"),
            );
            continue;
        }
        for w in &d.withheld {
            goals.push((&w.condition, true));
            if let Sat::No(r) = sat(&goals) {
                out.push(
                    Diagnostic::new(
                        Code::W0310,
                        format!("a withholding of disclosure `{}` can never hold", d.name),
                    )
                    .primary(w.span, why(cx, &r, &scope))
                    .secondary(d.name_span, "so this disclosure withholds no record")
                    .help("correct the withholding's condition, or remove it"),
                );
            }
            goals.pop();
            goals.push((&w.condition, false));
            if let Sat::No(_) = sat(&goals) {
                out.push(
                    Diagnostic::new(
                        Code::W0310,
                        format!(
                            "disclosure `{}` withholds every record it publishes",
                            d.name
                        ),
                    )
                    .primary(w.span, "every record the disclosure selects meets this")
                    .secondary(d.name_span, "so this disclosure publishes no record")
                    .help("correct the withholding's condition, or the disclosure's `当`"),
                );
            }
            goals.pop();
        }
    }
}

/// The scope (the subject's entity, and the item's) and the levels a rule is checked at.
fn rule_scope(
    head: &crate::semantics::typed::RuleHead,
    all_levels: u64,
) -> (Vec<usize>, Option<u64>) {
    let scope = std::iter::once(head.entity)
        .chain(head.item.map(|i| i.entity))
        .collect();
    let levels = head
        .levels
        .map_or(all_levels, |l| crate::ir::lower::level_mask(&[l]));
    (scope, Some(levels))
}

/// Whether goals (a condition and whether it must hold) can hold together.
type Satisfiable<'a> = dyn Fn(&[(&Expr, bool)]) -> Sat + 'a;

/// Reports (W0310) a rule whose `当` can never hold, with what follows and the help;
/// whether it did.
fn never_holds(
    head: &crate::semantics::typed::RuleHead,
    cx: &Cx,
    scope: &[usize],
    sat: &Satisfiable<'_>,
    (consequence, help): (&str, &str),
    out: &mut Vec<Diagnostic>,
) -> bool {
    let Some(c) = &head.condition else {
        return false;
    };
    let Sat::No(r) = sat(&[(c, true)]) else {
        return false;
    };
    out.push(
        Diagnostic::new(
            Code::W0310,
            format!("the condition of rule `{}` can never hold", head.name),
        )
        .primary(
            head.condition_span.unwrap_or(head.subject_span),
            why(cx, &r, scope),
        )
        .secondary(head.name_span, consequence.to_string())
        .help(help.to_string()),
    );
    true
}

/// A list rule whose `当` selects no record (its groups are always empty), or one of whose
/// aggregates' conditions no selected record can meet.
fn list_rules(cx: &Cx, all_levels: u64, out: &mut Vec<Diagnostic>) {
    for rule in &cx.checked.list_rules {
        let (scope, levels) = rule_scope(&rule.head, all_levels);
        let sat = |goals: &[(&Expr, bool)]| {
            cx.logic
                .satisfiable(goals, &scope, &Known::default(), levels)
        };
        let never = (
            "so this rule counts no record",
            "correct the condition; as written every group of the rule is empty",
        );
        if never_holds(&rule.head, cx, &scope, &sat, never, out) {
            continue;
        }
        let mut goals: Vec<(&Expr, bool)> = rule.head.condition.iter().map(|c| (c, true)).collect();
        for a in &rule.aggregates {
            let Some(c) = &a.condition else { continue };
            goals.push((c, true));
            if let Sat::No(r) = sat(&goals) {
                out.push(
                    Diagnostic::new(
                        Code::W0310,
                        format!(
                            "`{}` of rule `{}` can never count a record",
                            a.text, rule.head.name
                        ),
                    )
                    .primary(rule.must_span, why(cx, &r, &scope))
                    .secondary(
                        rule.head.name_span,
                        "so this aggregate is always zero or empty",
                    )
                    .help("correct the aggregate's condition"),
                );
            }
            goals.pop();
        }
    }
}

/// A record rule whose `当` selects no record, or whose `应当` no selected record can meet
/// (every one is a finding) or every one meets (it checks nothing).
fn rules(cx: &Cx, all_levels: u64, out: &mut Vec<Diagnostic>) {
    for rule in &cx.checked.rules {
        let (scope, levels) = rule_scope(&rule.head, all_levels);
        let sat = |goals: &[(&Expr, bool)]| {
            cx.logic
                .satisfiable(goals, &scope, &Known::default(), levels)
        };
        let never = (
            "so this rule never checks a record",
            "correct the condition; as written the rule concerns no record",
        );
        if never_holds(&rule.head, cx, &scope, &sat, never, out) {
            continue;
        }
        let mut goals: Vec<(&Expr, bool)> = rule.head.condition.iter().map(|c| (c, true)).collect();
        goals.push((&rule.must, true));
        if let Sat::No(r) = sat(&goals) {
            out.push(
                Diagnostic::new(
                    Code::W0310,
                    format!("no record can satisfy rule `{}`", rule.head.name),
                )
                .primary(rule.must_span, why(cx, &r, &scope))
                .secondary(
                    rule.head.name_span,
                    "so every record it concerns is a finding",
                )
                .help("correct the `应当` (must) condition"),
            );
            continue;
        }
        goals.pop();
        goals.push((&rule.must, false));
        // A rule comparing actions is broken by the data's actions, not by its condition.
        if rule.at_least.is_some() {
            continue;
        }
        if let Sat::No(_) = sat(&goals) {
            out.push(
                Diagnostic::new(
                    Code::W0310,
                    format!("rule `{}` can never be broken", rule.head.name),
                )
                .primary(rule.must_span, "every record the rule concerns meets this")
                .secondary(rule.head.name_span, "so this rule never finds anything")
                .help("say what a record must satisfy that it might not; or remove the rule"),
            );
        }
    }
}
