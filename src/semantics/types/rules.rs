//! Record rules (`规则`): subject, condition, the one `应当`, levels and messages.

use super::{Cx, Scope};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Severity;
use crate::semantics::typed::{Rule, Text};
use crate::source::Span;
use crate::syntax::ast::{self, Decl};

impl<'p> Cx<'p> {
    pub(super) fn rules(&mut self) {
        let decls: Vec<&'p ast::RuleDecl> = self
            .decls()
            .filter_map(|d| match d {
                Decl::Rule(r) => Some(r),
                _ => None,
            })
            .collect();
        for r in decls {
            if let Some(rule) = self.rule(r) {
                self.out.rules.push(rule);
            }
        }
    }

    fn rule(&mut self, r: &'p ast::RuleDecl) -> Option<Rule> {
        let levels = match &r.levels {
            Some(l) => Some(self.level_range(l)?),
            None => None,
        };
        let subject = self.subject(&r.subjects, &r.name, true);
        let must = match r.musts.as_slice() {
            [one] => Some(one),
            [] => {
                self.err(
                    Diagnostic::new(
                        Code::E0223,
                        format!("rule `{}` says nothing it must satisfy", r.name.text),
                    )
                    .primary(r.name.span, "no `应当` (must)")
                    .help("say what every record it concerns must satisfy, e.g. `应当 涉气排放`"),
                );
                None
            }
            [_, second, ..] => {
                self.err(
                    Diagnostic::new(
                        Code::E0223,
                        format!("rule `{}` has more than one `应当` (must)", r.name.text),
                    )
                    .primary(second.span, "second `应当`")
                    .help("join them with `且` (and), or split the rule in two, each with its own message"),
                );
                None
            }
        };
        let (entity, item, subj) = subject?;
        let mut scope = Scope {
            frames: vec![entity],
        };
        if let Some(item) = item {
            scope.frames.push(item.entity);
        }
        let condition = match &subj.condition {
            Some(c) => Some(self.expr(c, &scope)?),
            None => None,
        };
        let must_ast = must?;
        let must = self.expr(must_ast, &scope)?;
        if levels.is_none() {
            let reads = [
                (condition.as_ref(), subj.condition.as_ref().map(|c| c.span)),
                (Some(&must), Some(must_ast.span)),
            ];
            for (e, span) in reads {
                if let (Some(e), Some(span)) = (e, span) {
                    if e.reads_level() {
                        self.err(self.level_without_levels(
                            r,
                            span,
                            "reads `级别` (the alert level)",
                        ));
                        return None;
                    }
                }
            }
        }
        let mut texts = Vec::new();
        for t in &r.texts {
            let range = match (&t.levels, levels, &r.levels) {
                (None, Some(all), _) => all,
                (None, None, _) => crate::semantics::typed::LevelRange { first: 0, last: 0 },
                (Some(_), Some(all), Some(written)) => {
                    self.sub_range(t.levels.as_ref(), all, written)?
                }
                (Some(l), _, _) => {
                    self.err(self.level_without_levels(r, l.span, "a message for some levels"));
                    return None;
                }
            };
            texts.push(Text {
                levels: range,
                text: t.text.value.clone(),
            });
        }
        Some(Rule {
            name: r.name.text.clone(),
            name_span: r.name.span,
            severity: match r.severity {
                ast::Severity::Error => Severity::Error,
                ast::Severity::Warning => Severity::Warning,
            },
            levels,
            entity,
            item,
            subject_span: subj.span,
            condition,
            condition_span: subj.condition.as_ref().map(|c| c.span),
            must,
            must_span: must_ast.span,
            texts,
            cite: super::measures::joined(&r.cites),
            span: r.span,
        })
    }

    fn level_without_levels(&self, r: &ast::RuleDecl, at: Span, what: &str) -> Diagnostic {
        Diagnostic::new(
            Code::E0224,
            format!("rule `{}` has no levels, but {what}", r.name.text),
        )
        .primary(at, what.to_string())
        .secondary(r.severity_span, "give the rule its levels after this, e.g. `自 黄色`")
        .help("a rule without levels is checked once per record; one about a level's list is checked at each level it names")
    }
}
