//! Actions (`限产 20% + 禁止 …`) and the table lookups in them.

use super::{Cx, Scope, Ty};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Action, ActionPlan, Base, Dim, KeySource, Lookup};
use crate::keywords;
use crate::limits::MAX_RESTRICTIONS;
use crate::semantics::resolve::SymbolKind;
use crate::source::Span;
use crate::syntax::ast;

impl<'p> Cx<'p> {
    pub(super) fn percent(&mut self, p: &ast::Percent) -> u32 {
        if p.hundredths > 10_000 {
            self.err(
                Diagnostic::new(Code::E0215, "a percentage of production cannot exceed 100%")
                    .primary(p.span, "more than 100%")
                    .help("use `停产` for a full stop"),
            );
        }
        p.hundredths.min(10_000)
    }

    /// Checks an action's terms. Table lookups are allowed only where `scope` is given.
    pub(super) fn action(&mut self, a: &ast::Action, scope: Option<&Scope>) -> Option<ActionPlan> {
        let mut plan = ActionPlan {
            fixed: Action::NONE,
            lookups: Vec::new(),
        };
        let mut ok = true;
        for t in &a.terms {
            let term = match &t.kind {
                ast::ActionTermKind::Voluntary => Action::base(Base::Voluntary),
                ast::ActionTermKind::Limit(p) => Action::base(Base::Limit {
                    hundredths: self.percent(p),
                }),
                ast::ActionTermKind::Stop { percent: None, .. } => Action::base(Base::Stop),
                ast::ActionTermKind::Stop {
                    percent: Some(p),
                    by_line,
                } => Action::base(Base::StopPart {
                    hundredths: self.percent(p),
                    by_line: *by_line,
                }),
                ast::ActionTermKind::CeaseUse => Action::base(Base::CeaseUse),
                ast::ActionTermKind::Ban(n) => match self.restriction_index.get(n.text.as_str()) {
                    Some(i) if *i < MAX_RESTRICTIONS => Action::restriction(*i),
                    Some(_) => {
                        ok = false;
                        continue;
                    }
                    None => {
                        let d = match self.prog.lookup(&n.text) {
                            Some(s) => self.wrong_kind(n, s.kind, "a restriction"),
                            None => self.unknown_name(
                                &n.text,
                                n.span,
                                "restriction",
                                &self.names_of(SymbolKind::Restriction),
                            ),
                        };
                        self.err(d);
                        ok = false;
                        continue;
                    }
                },
                ast::ActionTermKind::Lookup { table, args } => {
                    let Some(scope) = scope else {
                        self.err(
                            Diagnostic::new(
                                Code::E0205,
                                "a table cell cannot look up another table",
                            )
                            .primary(t.span, "table lookup inside a table")
                            .help("write the action itself in the cell"),
                        );
                        ok = false;
                        continue;
                    };
                    match self.lookup(table, args, t.span, scope) {
                        Some(l) => plan.lookups.push(l),
                        None => ok = false,
                    }
                    continue;
                }
            };
            plan.fixed = plan.fixed.combine(term);
        }
        ok.then_some(plan)
    }

    pub(super) fn lookup(
        &mut self,
        table: &ast::Name,
        args: &[ast::LookupArg],
        span: Span,
        scope: &Scope,
    ) -> Option<Lookup> {
        let Some(&ti) = self.table_index.get(table.text.as_str()) else {
            let d = match self.prog.lookup(&table.text) {
                Some(s) => self.wrong_kind(table, s.kind, "a table"),
                None => self.unknown_name(
                    &table.text,
                    table.span,
                    "table",
                    &self.names_of(SymbolKind::Table),
                ),
            };
            self.err(d);
            return None;
        };
        let dims = self.out.tables.get(ti).map(|t| t.dims.clone())?;
        if dims.len() != args.len() {
            self.err(
                Diagnostic::new(
                    Code::E0204,
                    format!(
                        "table `{}` has {} keys but {} are given",
                        table.text,
                        dims.len(),
                        args.len()
                    ),
                )
                .primary(span, "wrong number of keys")
                .secondary(self.out.tables[ti].name_span, "the table is declared here")
                .help(format!(
                    "give one key per dimension: {}",
                    self.dims_display(&dims)
                )),
            );
            return None;
        }
        let mut keys = Vec::new();
        for (arg, dim) in args.iter().zip(&dims) {
            let key = match arg {
                ast::LookupArg::Level(_) => (KeySource::Level, Ty::Level),
                ast::LookupArg::Path(p) => {
                    let (r, ty, _) = self.field_path(p, scope)?;
                    (KeySource::Field(r), ty)
                }
            };
            let wanted = match dim {
                Dim::Level => Ty::Level,
                Dim::Enum(e) => Ty::Enum(*e),
            };
            if key.1 != wanted {
                self.err(
                    Diagnostic::new(Code::E0204, "this key does not match the table's dimension")
                        .primary(arg.span(), format!("this is {}", self.ty_name(key.1)))
                        .secondary(self.out.tables[ti].name_span, "the table is declared here")
                        .help(format!("this position needs {}", self.ty_name(wanted))),
                );
                return None;
            }
            keys.push(key.0);
        }
        Some(Lookup { table: ti, keys })
    }

    pub(super) fn dims_display(&self, dims: &[Dim]) -> String {
        dims.iter()
            .map(|d| match d {
                Dim::Level => keywords::LEVEL.zh.to_string(),
                Dim::Enum(e) => self.out.enums[*e].name.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}
