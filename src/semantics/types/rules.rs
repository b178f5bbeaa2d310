//! Record rules and list rules (`规则`): subject, condition, the one `应当` (a condition on
//! each record, or comparisons of aggregates with an optional `分组`), levels and messages.

use super::{Cx, Scope, Ty};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    ActionSource, Against, AggregateFn, AggregateInfo, AtLeastInfo, Expr, FieldType, ListCheckInfo,
    ListTerm, Severity,
};
use crate::semantics::typed::{ListRule, Rule, RuleHead, Text};
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
            let list = r.musts.iter().any(|m| matches!(m, ast::Must::List { .. }));
            if list {
                if let Some(rule) = self.list_rule(r) {
                    self.out.list_rules.push(rule);
                }
            } else if let Some(rule) = self.rule(r) {
                self.out.rules.push(rule);
            }
        }
    }

    /// The one `应当` of a rule (E0223 for none or several).
    fn one_must(&mut self, r: &'p ast::RuleDecl) -> Option<&'p ast::Must> {
        match r.musts.as_slice() {
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
                    .primary(second.span(), "second `应当`")
                    .help("join them with `且` (and), or split the rule in two, each with its own message"),
                );
                None
            }
        }
    }

    /// The `内容` lines of a rule, their ranges inside the rule's levels.
    fn rule_texts(
        &mut self,
        r: &'p ast::RuleDecl,
        levels: Option<crate::semantics::typed::LevelRange>,
    ) -> Option<Vec<Text>> {
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
        Some(texts)
    }

    /// A rule whose `应当` compares aggregates: checked over whole inputs, per group.
    fn list_rule(&mut self, r: &'p ast::RuleDecl) -> Option<ListRule> {
        let levels = match &r.levels {
            Some(l) => Some(self.level_range(l)?),
            None => None,
        };
        let subject = self.subject(&r.subjects, &r.name, true);
        let must = self.one_must(r);
        let (entity, item, subj) = subject?;
        let Some(ast::Must::List { checks, span }) = must else {
            return None;
        };
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
        let group = match r.groups.as_slice() {
            [] => None,
            [one] => {
                let (field, ty, _) = self.field_path(one, &scope)?;
                if matches!(ty, Ty::List(_) | Ty::Set(_)) {
                    self.err(
                        Diagnostic::new(
                            Code::E0229,
                            format!(
                                "rule `{}` groups by `{}`, which holds several values",
                                r.name.text,
                                one.display()
                            ),
                        )
                        .primary(one.span, "a list or a set")
                        .help("group by a field with one value per record: a text, yes/no, number, enum value or level"),
                    );
                    return None;
                }
                Some(field)
            }
            [_, second, ..] => {
                self.err(
                    Diagnostic::new(
                        Code::E0229,
                        format!("rule `{}` has more than one `分组` (group)", r.name.text),
                    )
                    .primary(second.span, "second `分组`")
                    .help("a list rule groups by one field; split it into a rule per grouping"),
                );
                return None;
            }
        };
        let mut aggregates = Vec::new();
        let mut level_factors = Vec::new();
        let mut out = Vec::new();
        for check in checks {
            let mut terms = Terms {
                scope: &scope,
                levels,
                aggregates: &mut aggregates,
                level_factors: &mut level_factors,
            };
            let left = self.list_term(r, &check.left, &mut terms)?;
            let right = self.list_term(r, &check.right, &mut terms)?;
            if matches!((left, right), (ListTerm::Number(_), ListTerm::Number(_))) {
                self.err(
                    Diagnostic::new(
                        Code::E0229,
                        format!("rule `{}` compares two numbers", r.name.text),
                    )
                    .primary(check.span, "no aggregate on either side")
                    .help("compare an aggregate, e.g. `计数() >= 1` or `占比(级别 属于 应急减排清单) >= 100%`"),
                );
                return None;
            }
            out.push(ListCheckInfo {
                left,
                op: super::conditions::cmp_op(check.op),
                right,
                text: self.literal_text(check.span).to_string(),
            });
        }
        if levels.is_none() {
            let subject_reads = condition.as_ref().is_some_and(Expr::reads_level);
            let aggregate_reads = aggregates
                .iter()
                .any(|a: &AggregateInfo| a.condition.as_ref().is_some_and(Expr::reads_level));
            let at = match (subject_reads, subj.condition.as_ref()) {
                (true, Some(c)) => Some(c.span),
                _ if aggregate_reads => Some(*span),
                _ => None,
            };
            if let Some(at) = at {
                self.err(self.level_without_levels(r, at, "reads `级别` (the alert level)"));
                return None;
            }
        }
        let texts = self.rule_texts(r, levels)?;
        Some(ListRule {
            head: head(r, levels, (entity, item, subj), condition, texts),
            group,
            aggregates,
            checks: out,
            level_factors,
            must_span: *span,
        })
    }

    /// A side of a list rule's comparison; its aggregate joins `aggregates`, its factors per
    /// level `level_factors`.
    fn list_term(
        &mut self,
        r: &ast::RuleDecl,
        term: &'p ast::ListTerm,
        terms: &mut Terms<'_>,
    ) -> Option<ListTerm> {
        let (factor, per_level, a) = match &term.kind {
            ast::ListTermKind::Number(n) => return Some(ListTerm::Number(*n)),
            ast::ListTermKind::Aggregate {
                factor,
                per_level,
                aggregate,
            } => (*factor, per_level, aggregate),
        };
        let factors = match per_level.as_slice() {
            [] => None,
            given => Some(self.level_factors(r, term, given, terms.levels)?),
        };
        let scope = terms.scope;
        let aggregates = &mut *terms.aggregates;
        let fun = match a.fun {
            ast::AggregateFn::Count => AggregateFn::Count,
            ast::AggregateFn::Share => AggregateFn::Share,
            ast::AggregateFn::Sum => AggregateFn::Sum,
            ast::AggregateFn::Min => AggregateFn::Min,
            ast::AggregateFn::Max => AggregateFn::Max,
            ast::AggregateFn::Reduced => AggregateFn::Reduced,
            ast::AggregateFn::Baseline => AggregateFn::Baseline,
        };
        let field = match &a.field {
            None => None,
            Some(p) => {
                let (field, ty, _) = self.field_path(p, scope)?;
                if !matches!(ty, Ty::Integer | Ty::Decimal | Ty::Percent) {
                    self.err(
                        Diagnostic::new(
                            Code::E0229,
                            format!(
                                "rule `{}` aggregates `{}`, which is not a number",
                                r.name.text,
                                p.display()
                            ),
                        )
                        .primary(p.span, "not a number field")
                        .help("`合计`, `最小` and `最大` take a field of type `整数`, `小数` or `百分比`; count records with `计数(条件)`"),
                    );
                    return None;
                }
                if matches!(fun, AggregateFn::Reduced | AggregateFn::Baseline) {
                    self.model_base(r, p, field, scope)?;
                }
                Some(field)
            }
        };
        let condition = match &a.condition {
            Some(c) => Some(self.expr(c, scope)?),
            None => None,
        };
        aggregates.push(AggregateInfo {
            fun,
            field,
            condition,
            text: self.literal_text(a.span).to_string(),
        });
        let index = aggregates.len() - 1;
        Some(match factors {
            Some(f) => {
                terms.level_factors.push(f);
                ListTerm::LevelScaled {
                    factors: terms.level_factors.len() - 1,
                    index,
                }
            }
            None => ListTerm::Aggregate { factor, index },
        })
    }

    /// `{黄色 10%, 橙色 20%, 红色 30%}`: a factor for each level the rule is checked at, by
    /// level index; a rule with levels only, each named once, none it is not checked at.
    fn level_factors(
        &mut self,
        r: &ast::RuleDecl,
        term: &ast::ListTerm,
        given: &[(ast::Name, crate::exact::Exact)],
        levels: Option<crate::semantics::typed::LevelRange>,
    ) -> Option<Vec<Option<crate::exact::Exact>>> {
        let Some(range) = levels else {
            self.err(self.level_without_levels(r, term.span, "gives a factor per level"));
            return None;
        };
        let mask = crate::ir::lower::level_mask(&[range]);
        let mut out = vec![None; self.out.levels.len()];
        for (name, factor) in given {
            let l = self.level_by_name(name)?;
            let problem = if mask & (1u64 << l) == 0 {
                Some("a level the rule is not checked at")
            } else if out[l].is_some() {
                Some("this level has a factor already")
            } else {
                None
            };
            if let Some(why) = problem {
                self.err(
                    Diagnostic::new(
                        Code::E0229,
                        format!(
                            "rule `{}` gives `{}` a factor it cannot use",
                            r.name.text, name.text
                        ),
                    )
                    .primary(name.span, why)
                    .help("give one factor for each level the rule is checked at"),
                );
                return None;
            }
            out[l] = Some(*factor);
        }
        if let Some(l) = (0..out.len()).find(|&l| mask & (1u64 << l) != 0 && out[l].is_none()) {
            let level = self.out.levels[l].name.clone();
            self.err(
                Diagnostic::new(
                    Code::E0229,
                    format!("rule `{}` gives no factor for {level}", r.name.text),
                )
                .primary(term.span, format!("no factor for `{level}`"))
                .help("give one factor for each level the rule is checked at, e.g. `{黄色 10%, 橙色 20%, 红色 30%} × …`"),
            );
            return None;
        }
        Some(out)
    }

    /// `减排量(field)` and `基数(field)` read a base of the reduction model of the rule's
    /// entity: a rule over the entity's records, not over items, and a field the model names.
    fn model_base(
        &mut self,
        r: &ast::RuleDecl,
        p: &ast::Path,
        field: crate::ir::FieldRef,
        scope: &Scope,
    ) -> Option<()> {
        let entity = scope.frames[0];
        let model = self.out.models.iter().find(|m| m.entity == entity);
        let entity_name = self.out.entities[entity].name.clone();
        let declare = format!(
            "declare how actions reduce it: `减排模型 名 {{ 对象 {entity_name}  排放基数 {} }}`",
            p.display()
        );
        let (why, help) = match model {
            _ if scope.frames.len() > 1 => (
                "a reduction target is over records of the model's entity, not over items",
                format!("make the rule's subject `{entity_name}` itself"),
            ),
            None => ("no reduction model (`减排模型`) of this entity", declare),
            Some(m) if field.frame != 0 || !m.baselines.contains(&(field.field as usize)) => (
                "not a base field (`排放基数`) of the entity's reduction model",
                format!(
                    "add `{}` to the `排放基数` of reduction model `{}`",
                    p.display(),
                    m.name
                ),
            ),
            Some(_) => return Some(()),
        };
        self.err(
            Diagnostic::new(
                Code::E0230,
                format!(
                    "rule `{}` reads the reduction of `{}`, which no reduction model declares",
                    r.name.text,
                    p.display()
                ),
            )
            .primary(p.span, why)
            .help(help),
        );
        None
    }

    fn rule(&mut self, r: &'p ast::RuleDecl) -> Option<Rule> {
        let levels = match &r.levels {
            Some(l) => Some(self.level_range(l)?),
            None => None,
        };
        let subject = self.subject(&r.subjects, &r.name, true);
        let must = match self.one_must(r) {
            Some(m @ (ast::Must::Each(_) | ast::Must::AtLeast { .. })) => Some(m),
            _ => None,
        };
        if let Some(group) = r.groups.first() {
            self.err(
                Diagnostic::new(
                    Code::E0229,
                    format!("rule `{}` groups records but checks each one", r.name.text),
                )
                .primary(group.span, "`分组` (group) without an aggregate")
                .help("`分组` groups a list rule's aggregates, e.g. `应当 占比(级别 属于 应急减排清单) >= 100%`; drop it from a rule on each record"),
            );
            return None;
        }
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
        let (must, at_least) = match must_ast {
            ast::Must::Each(e) => (self.expr(e, &scope)?, None),
            ast::Must::AtLeast { field, against, .. } => {
                let at_least = self.at_least(
                    r,
                    levels.is_some(),
                    item.is_some(),
                    entity,
                    field,
                    against.as_ref(),
                )?;
                (Expr::Const(true), Some(at_least))
            }
            ast::Must::List { .. } => return None,
        };
        if levels.is_none() {
            let reads = [
                (condition.as_ref(), subj.condition.as_ref().map(|c| c.span)),
                (Some(&must), Some(must_ast.span())),
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
        let texts = self.rule_texts(r, levels)?;
        Some(Rule {
            head: head(r, levels, (entity, item, subj), condition, texts),
            must,
            at_least,
            must_span: must_ast.span(),
        })
    }

    /// `应当 字段 不弱于 预案措施` (or an action): the action field of the record, or of its
    /// production lines (weighted by the reduction model's `加权`), and what it is held to.
    fn at_least(
        &mut self,
        r: &ast::RuleDecl,
        has_levels: bool,
        over_items: bool,
        entity: usize,
        field: &ast::Path,
        against: Option<&'p ast::Action>,
    ) -> Option<AtLeastInfo> {
        let fail = |cx: &mut Self, span: Span, what: String, label: &str, help: String| {
            cx.err(
                Diagnostic::new(Code::E0231, what)
                    .primary(span, label.to_string())
                    .help(help),
            );
            None
        };
        let entity_name = self.out.entities[entity].name.clone();
        if over_items {
            return fail(
                self,
                field.span,
                format!("rule `{}` compares actions of items", r.name.text),
                "the plan's action is the record's, not an item's",
                format!("make the rule's subject `{entity_name}`, and compare its lines' actions with `列表字段.措施字段 不弱于 预案措施`"),
            );
        }
        let not_action = |cx: &mut Self, at: Span| {
            fail(
                cx,
                at,
                format!("`{}` is not an action field", field.display()),
                "not of type `措施` or `按级别 措施`",
                "declare the field that holds the firm's own measure as `措施` (one action) or `按级别 措施` (one per level), e.g. `一厂一策措施: 可选 按级别 措施`".to_string(),
            )
        };
        let (source, per_level) = match field.segments.as_slice() {
            [name] => {
                let fi = self.field_named(name, entity)?;
                let FieldType::Action { per_level } = self.out.entities[entity].fields[fi].ty
                else {
                    return not_action(self, name.span);
                };
                (ActionSource::Field(fi), per_level)
            }
            [list, name] => {
                let li = self.field_named(list, entity)?;
                let FieldType::List(item) = self.out.entities[entity].fields[li].ty else {
                    return not_action(self, list.span);
                };
                let fi = self.field_named(name, item)?;
                let FieldType::Action { per_level } = self.out.entities[item].fields[fi].ty else {
                    return not_action(self, name.span);
                };
                let capacity = self
                    .out
                    .models
                    .iter()
                    .find(|m| m.entity == entity)
                    .and_then(|m| m.capacity)
                    .filter(|(l, _)| *l == li);
                let Some((_, capacity)) = capacity else {
                    return fail(
                        self,
                        field.span,
                        format!("rule `{}` compares a plan per production line, but no reduction model weighs the lines", r.name.text),
                        "lines are compared by the reduction their actions achieve, weighted by capacity",
                        format!("declare the lines' capacity in the reduction model of `{entity_name}`: `加权 {}.产能`", list.text),
                    );
                };
                (
                    ActionSource::Lines {
                        list: li,
                        entity: item,
                        field: fi,
                        capacity,
                    },
                    per_level,
                )
            }
            _ => return not_action(self, field.span),
        };
        let against = match against {
            None => {
                if !has_levels {
                    return fail(
                        self,
                        field.span,
                        format!("rule `{}` compares with `预案措施` without levels", r.name.text),
                        "the plan's action is the one at a level",
                        format!("give the rule the levels it is checked at, e.g. `规则 {} 错误 自 黄色 {{ … }}`", r.name.text),
                    );
                }
                Against::Plan
            }
            Some(a) => {
                let plan = self.action(a, None)?;
                if !plan.lookups.is_empty() {
                    return fail(
                        self,
                        a.span,
                        format!("rule `{}` compares with a table's cell", r.name.text),
                        "a table lookup depends on the record",
                        "compare with `预案措施` (what the plan requires of the record at the level), or with an action written out, e.g. `限产 30%`".to_string(),
                    );
                }
                Against::Action(plan.fixed)
            }
        };
        if per_level && !has_levels {
            return fail(
                self,
                field.span,
                format!("rule `{}` reads an action per level without levels", r.name.text),
                "an action per level (`按级别 措施`)",
                format!("give the rule the levels it is checked at, e.g. `规则 {} 错误 自 黄色 {{ … }}`", r.name.text),
            );
        }
        Some(AtLeastInfo { source, against })
    }

    pub(super) fn level_without_levels(
        &self,
        r: &ast::RuleDecl,
        at: Span,
        what: &str,
    ) -> Diagnostic {
        Diagnostic::new(
            Code::E0224,
            format!("rule `{}` has no levels, but {what}", r.name.text),
        )
        .primary(at, what.to_string())
        .secondary(r.severity_span, "give the rule its levels after this, e.g. `自 黄色`")
        .help("a rule without levels is checked once per record; one about a level's list is checked at each level it names")
    }
}

/// What the sides of a list rule's comparisons are read against, and what they add to.
struct Terms<'a> {
    scope: &'a Scope,
    levels: Option<crate::semantics::typed::LevelRange>,
    aggregates: &'a mut Vec<AggregateInfo>,
    level_factors: &'a mut Vec<Vec<Option<crate::exact::Exact>>>,
}

/// The part record and list rules share, from the checked pieces.
fn head(
    r: &ast::RuleDecl,
    levels: Option<crate::semantics::typed::LevelRange>,
    (entity, item, subj): (usize, Option<crate::ir::ItemSubject>, &ast::Subject),
    condition: Option<Expr>,
    texts: Vec<Text>,
) -> RuleHead {
    RuleHead {
        name: r.name.text.clone(),
        name_span: r.name.span,
        severity: severity(r.severity),
        levels,
        entity,
        item,
        subject_span: subj.span,
        condition,
        condition_span: subj.condition.as_ref().map(|c| c.span),
        texts,
        cite: super::measures::joined(&r.cites),
        span: r.span,
    }
}

fn severity(s: ast::Severity) -> Severity {
    match s {
        ast::Severity::Error => Severity::Error,
        ast::Severity::Warning => Severity::Warning,
    }
}
