//! pest pairs → AST. Every node keeps the byte span of the text it came from.

use crate::limits::{MAX_AGGREGATES, MAX_CONDITION_NESTING, MAX_CONDITION_OPERANDS, MAX_NESTING};
use std::sync::OnceLock;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser;
use unicode_normalization::UnicodeNormalization;

use super::ast::*;
use super::{errors, prescan};
use crate::dates;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/policy.pest"]
struct PolicyParser;

/// Parses one policy file into a module, or returns its syntax diagnostics.
pub fn parse_module(file: FileId, text: &str) -> Result<Module, Vec<Diagnostic>> {
    prescan::check(file, text)?;
    let mut pairs = PolicyParser::parse(Rule::file, text)
        .map_err(|e| vec![errors::syntax_error(file, text, e)])?;
    let file_pair = pairs
        .next()
        .expect("the file rule always produces one pair");
    let b = Builder { file };
    let mut decls = Vec::new();
    let mut diags = Vec::new();
    for pair in file_pair.into_inner() {
        if pair.as_rule() == Rule::EOI {
            continue;
        }
        match b.decl(pair) {
            Ok(d) => decls.push(d),
            Err(d) => diags.push(d),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    if decls.is_empty() {
        return Err(vec![Diagnostic::new(Code::E0004, "the policy file declares nothing")
            .primary(Span::new(file, 0, text.len().min(1)), "no declarations in this file")
            .help("a policy starts with declarations such as `预案 \"…\" { … }`, `预警级别 { … }` or `导入 \"…\"`")]);
    }
    Ok(Module { file, decls })
}

type R<T> = Result<T, Diagnostic>;

/// What one condition holds: its tests and how deep its parts nest, with the first place
/// past each limit.
#[derive(Default)]
struct Shape {
    operands: usize,
    nesting: usize,
    past_operands: Option<Span>,
    past_nesting: Option<Span>,
}

impl Shape {
    fn operand(&mut self, span: Span) {
        self.operands += 1;
        if self.operands > MAX_CONDITION_OPERANDS && self.past_operands.is_none() {
            self.past_operands = Some(span);
        }
    }

    fn reach(&mut self, depth: usize, span: Span) {
        self.nesting = self.nesting.max(depth);
        if depth > MAX_CONDITION_NESTING && self.past_nesting.is_none() {
            self.past_nesting = Some(span);
        }
    }
}

struct Builder {
    file: FileId,
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::op_or, Assoc::Left))
            .op(Op::infix(Rule::op_and, Assoc::Left))
            .op(Op::prefix(Rule::op_not))
    })
}

fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl Builder {
    /// The pair's span without trailing whitespace (pest attaches the whitespace it skipped
    /// before a repetition that matched nothing).
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let trimmed = pair
            .as_str()
            .trim_end_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
        Span::new(self.file, s.start(), s.start() + trimmed.len())
    }

    /// A name as written, in Unicode normalisation form C, so that two spellings of one
    /// name (a precomposed `é` and `e` with a combining accent) are the same name.
    fn name(&self, pair: Pair<Rule>) -> Name {
        let raw = pair.as_str();
        let text = if unicode_normalization::is_nfc_quick(raw.chars())
            == unicode_normalization::IsNormalized::Yes
        {
            raw.to_string()
        } else {
            raw.nfc().collect()
        };
        Name {
            text,
            span: self.span(&pair),
        }
    }

    fn string(&self, pair: Pair<Rule>) -> Str {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
        Str {
            value: unescape(inner),
            span,
        }
    }

    fn date(&self, pair: Pair<Rule>) -> R<DateLit> {
        let span = self.span(&pair);
        match dates::parse(pair.as_str()) {
            Some(days) => Ok(DateLit { days, span }),
            None => Err(Diagnostic::new(
                Code::E0005,
                format!("`{}` is not a calendar date", pair.as_str()),
            )
            .primary(span, "no such date")
            .help("write dates as YYYY-MM-DD, for example 2023-10-25")),
        }
    }

    fn percent(&self, pair: Pair<Rule>) -> R<Percent> {
        let span = self.span(&pair);
        let text = pair.as_str().trim_end_matches(['%', '％']);
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        let bad = |why: &str| {
            Diagnostic::new(
                Code::E0005,
                format!("`{}` is not a valid percentage", pair.as_str()),
            )
            .primary(span, why.to_string())
            .help("write a percentage such as 20% or 12.5%, with at most two decimals")
        };
        if frac.len() > 2 {
            return Err(bad("more than two decimals"));
        }
        let whole: u32 = whole.parse().map_err(|_| bad("too large"))?;
        let frac_value: u32 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<2}").parse().unwrap_or(0)
        };
        let hundredths = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac_value))
            .ok_or_else(|| bad("too large"))?;
        Ok(Percent { hundredths, span })
    }

    fn decl(&self, pair: Pair<Rule>) -> R<Decl> {
        Ok(match pair.as_rule() {
            Rule::plan_decl => Decl::Plan(self.plan(pair)?),
            Rule::import_decl => {
                let span = self.span(&pair);
                let s = pair.into_inner().nth(1).expect("import has a path");
                Decl::Import(ImportDecl {
                    path: self.string(s),
                    span,
                })
            }
            Rule::levels_decl => {
                let span = self.span(&pair);
                let levels = pair
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::level_def)
                    .map(|p| {
                        let mut it = p.into_inner();
                        let name = self.name(it.next().expect("level name"));
                        let alias = it.next().map(|a| self.name(a));
                        LevelDef { name, alias }
                    })
                    .collect();
                Decl::Levels(LevelsDecl { levels, span })
            }
            Rule::enum_decl => Decl::Enum(self.enum_decl(pair)),
            Rule::entity_decl => Decl::Entity(self.entity(pair)),
            Rule::restriction_decl => {
                let span = self.span(&pair);
                let mut it = pair.into_inner().skip(1);
                let name = self.name(it.next().expect("restriction name"));
                let wording = self.string(it.next().expect("restriction wording"));
                Decl::Restriction(RestrictionDecl {
                    name,
                    wording,
                    span,
                })
            }
            Rule::measure_decl => Decl::Measure(self.measure(pair)?),
            Rule::exemption_decl => Decl::Exemption(self.exemption(pair)?),
            Rule::table_decl => Decl::Table(self.table(pair)?),
            Rule::rule_decl => Decl::Rule(self.rule(pair)?),
            Rule::public_decl => Decl::Public(self.public(pair)?),
            Rule::model_decl => Decl::Model(self.model(pair)?),
            other => unreachable!("declaration rule {other:?}"),
        })
    }

    fn plan(&self, pair: Pair<Rule>) -> R<PlanDecl> {
        let span = self.span(&pair);
        let mut it = pair.into_inner().skip(1);
        let title = self.string(it.next().expect("plan title"));
        let mut plan = PlanDecl {
            title,
            issuer: None,
            basis: Vec::new(),
            effective: None,
            span,
        };
        for item in it {
            let rule = item.as_rule();
            let value = item.into_inner().nth(1).expect("plan item value");
            match rule {
                Rule::issuer_item => plan.issuer = Some(self.string(value)),
                Rule::basis_item => plan.basis.push(self.string(value)),
                Rule::effective_item => plan.effective = Some(self.date(value)?),
                _ => {}
            }
        }
        Ok(plan)
    }

    fn enum_decl(&self, pair: Pair<Rule>) -> EnumDecl {
        let span = self.span(&pair);
        let mut it = pair.into_inner().skip(1);
        let name = self.name(it.next().expect("enum name"));
        let mut ordered = false;
        let mut variants = Vec::new();
        let mut aliases = Vec::new();
        let mut separator = EnumSeparator::Plain;
        for p in it {
            match p.as_rule() {
                Rule::ordered_flag => ordered = true,
                Rule::enum_desc | Rule::enum_asc | Rule::enum_plain => {
                    separator = match p.as_rule() {
                        Rule::enum_desc => EnumSeparator::Descending,
                        Rule::enum_asc => EnumSeparator::Ascending,
                        _ => EnumSeparator::Plain,
                    };
                    for v in p.into_inner() {
                        let mut parts = v.into_inner();
                        variants.push(self.name(parts.next().expect("variant name")));
                        aliases.push(
                            parts
                                .next()
                                .map(|a| a.into_inner().map(|n| self.name(n)).collect())
                                .unwrap_or_default(),
                        );
                    }
                }
                _ => {}
            }
        }
        EnumDecl {
            name,
            ordered,
            variants,
            aliases,
            separator,
            span,
        }
    }

    fn entity(&self, pair: Pair<Rule>) -> EntityDecl {
        let span = self.span(&pair);
        let mut it = pair
            .into_inner()
            .filter(|p| !matches!(p.as_rule(), Rule::kw_entity | Rule::kw_key));
        let name = self.name(it.next().expect("entity name"));
        let key = self.name(it.next().expect("entity key"));
        let fields = it.map(|f| self.field(f)).collect();
        EntityDecl {
            name,
            key,
            fields,
            span,
        }
    }

    fn field(&self, pair: Pair<Rule>) -> FieldDecl {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let name = self.name(it.next().expect("field name"));
        let ty = self.type_expr(it.next().expect("field type"));
        let mut aliases = Vec::new();
        let mut display = false;
        let mut range = None;
        for p in it {
            match p.as_rule() {
                Rule::field_alias => {
                    aliases = p
                        .into_inner()
                        .filter(|s| s.as_rule() == Rule::string)
                        .map(|s| self.string(s))
                        .collect()
                }
                Rule::field_display => display = true,
                Rule::field_range => {
                    let at = self.span(&p);
                    let bounds: Vec<String> = p
                        .into_inner()
                        .filter(|b| b.as_rule() == Rule::range_bound)
                        .map(|b| b.as_str().to_string())
                        .collect();
                    if let [low, high] = bounds.as_slice() {
                        range = Some((low.clone(), high.clone(), at));
                    }
                }
                other => unreachable!("field part {other:?}"),
            }
        }
        FieldDecl {
            name,
            ty,
            aliases,
            display,
            range,
            span,
        }
    }

    fn type_expr(&self, pair: Pair<Rule>) -> TypeExpr {
        let span = self.span(&pair);
        let mut optional = false;
        let mut kind = TypeKind::Text;
        for p in pair.into_inner() {
            kind = match p.as_rule() {
                Rule::optional_flag => {
                    optional = true;
                    continue;
                }
                Rule::t_text => TypeKind::Text,
                Rule::t_bool => TypeKind::Bool,
                Rule::t_integer => TypeKind::Integer,
                Rule::t_decimal => TypeKind::Decimal,
                Rule::t_percent => TypeKind::Percent,
                Rule::t_date => TypeKind::Date,
                Rule::t_credit_code => TypeKind::CreditCode,
                Rule::kw_level => TypeKind::Level,
                Rule::name => TypeKind::Named(self.name(p)),
                Rule::list_type => {
                    TypeKind::List(self.name(p.into_inner().nth(1).expect("list element")))
                }
                Rule::set_type => {
                    let elem = p.into_inner().nth(1).expect("set element");
                    if elem.as_rule() == Rule::kw_level {
                        TypeKind::Set(None)
                    } else {
                        TypeKind::Set(Some(self.name(elem)))
                    }
                }
                Rule::action_type => TypeKind::Action {
                    per_level: p.into_inner().any(|k| k.as_rule() == Rule::kw_per_level),
                },
                other => unreachable!("type rule {other:?}"),
            };
        }
        if optional {
            TypeExpr {
                kind: TypeKind::Optional(Box::new(TypeExpr { kind, span })),
                span,
            }
        } else {
            TypeExpr { kind, span }
        }
    }

    fn level_range(&self, pair: Pair<Rule>) -> LevelRange {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().expect("level range kind");
        let kind = match inner.as_rule() {
            Rule::range_from => {
                LevelRangeKind::From(self.name(inner.into_inner().nth(1).expect("level")))
            }
            Rule::range_between => {
                let mut it = inner.into_inner().filter(|p| p.as_rule() == Rule::name);
                let a = self.name(it.next().expect("level"));
                let b = self.name(it.next().expect("level"));
                LevelRangeKind::Between(a, b)
            }
            _ => LevelRangeKind::Single(self.name(inner.into_inner().next().expect("level"))),
        };
        LevelRange { kind, span }
    }

    fn subject(&self, pair: Pair<Rule>) -> R<Subject> {
        let span = self.span(&pair);
        let mut it = pair.into_inner().skip(1);
        let path = self.path(it.next().expect("subject path"));
        let condition = match it.nth(1) {
            Some(e) => Some(self.condition(e)?),
            None => None,
        };
        Ok(Subject {
            path,
            condition,
            span,
        })
    }

    fn cite(&self, pair: Pair<Rule>) -> Str {
        self.string(pair.into_inner().nth(1).expect("cite text"))
    }

    fn measure(&self, pair: Pair<Rule>) -> R<MeasureDecl> {
        let span = self.span(&pair);
        let mut it = pair.into_inner().skip(1);
        let name = self.name(it.next().expect("measure name"));
        let kind_pair = it.next().expect("measure kind");
        let kind_span = self.span(&kind_pair);
        let kind = match kind_pair.into_inner().next().map(|p| p.as_rule()) {
            Some(Rule::kw_advisory) => MeasureKind::Advisory,
            _ => MeasureKind::Mandatory,
        };
        let levels = self.level_range(it.next().expect("measure levels"));
        let mut m = MeasureDecl {
            name,
            kind,
            kind_span,
            levels,
            subjects: Vec::new(),
            cites: Vec::new(),
            texts: Vec::new(),
            requires: Vec::new(),
            exceptions: Vec::new(),
            non_exemptible: None,
            replaces: Vec::new(),
            span,
        };
        for item in it {
            let item_span = self.span(&item);
            match item.as_rule() {
                Rule::subject_item => m.subjects.push(self.subject(item)?),
                Rule::level_cite_item => m.cites.push(self.text_item(item)),
                Rule::text_item => m.texts.push(self.text_item(item)),
                Rule::require_item => {
                    let mut levels = None;
                    let mut action = None;
                    for p in item.into_inner() {
                        match p.as_rule() {
                            Rule::level_range => levels = Some(self.level_range(p)),
                            Rule::action => action = Some(self.action(p)?),
                            _ => {}
                        }
                    }
                    m.requires.push(RequireItem {
                        levels,
                        action: action.expect("require item has an action"),
                        span: item_span,
                    });
                }
                Rule::except_item => m.exceptions.push(self.exception(item)?),
                Rule::non_exempt_item => m.non_exemptible = Some(item_span),
                Rule::replaces_item => m.replaces.extend(
                    item.into_inner()
                        .filter(|p| p.as_rule() == Rule::name)
                        .map(|p| self.name(p)),
                ),
                _ => {}
            }
        }
        Ok(m)
    }

    fn rule(&self, pair: Pair<Rule>) -> R<RuleDecl> {
        let span = self.span(&pair);
        let mut it = pair.into_inner().skip(1).peekable();
        let name = self.name(it.next().expect("rule name"));
        let severity_pair = it.next().expect("rule severity");
        let severity_span = self.span(&severity_pair);
        let severity = match severity_pair.into_inner().next().map(|p| p.as_rule()) {
            Some(Rule::kw_warning) => Severity::Warning,
            _ => Severity::Error,
        };
        let levels = it
            .next_if(|p| p.as_rule() == Rule::level_range)
            .map(|p| self.level_range(p));
        let mut r = RuleDecl {
            name,
            severity,
            severity_span,
            levels,
            subjects: Vec::new(),
            groups: Vec::new(),
            musts: Vec::new(),
            cites: Vec::new(),
            texts: Vec::new(),
            span,
        };
        for item in it {
            match item.as_rule() {
                Rule::subject_item => r.subjects.push(self.subject(item)?),
                Rule::cite_item => r.cites.push(self.cite(item)),
                Rule::text_item => r.texts.push(self.text_item(item)),
                Rule::group_item => {
                    let p = item.into_inner().nth(1).expect("group field");
                    r.groups.push(self.path(p));
                }
                Rule::must_item => {
                    let e = item.into_inner().nth(1).expect("must condition");
                    r.musts.push(match e.as_rule() {
                        Rule::list_checks => self.list_checks(e)?,
                        Rule::at_least => self.at_least(e)?,
                        _ => Must::Each(self.condition(e)?),
                    });
                }
                _ => {}
            }
        }
        Ok(r)
    }

    /// `应当 字段 不弱于 预案措施` (or an action).
    fn at_least(&self, pair: Pair<Rule>) -> R<Must> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let field = self.path(it.next().expect("compared field"));
        let against = match it.nth(1) {
            Some(p) if p.as_rule() == Rule::action => Some(self.action(p)?),
            _ => None,
        };
        Ok(Must::AtLeast {
            field,
            against,
            span,
        })
    }

    /// `应当 A op B 且 …` of a list rule.
    fn list_checks(&self, pair: Pair<Rule>) -> R<Must> {
        let span = self.span(&pair);
        let mut checks = Vec::new();
        let mut aggregates = 0;
        for check in pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::list_check)
        {
            let span = self.span(&check);
            aggregates += check
                .clone()
                .into_inner()
                .filter(|t| t.as_rule() == Rule::list_term)
                .filter(|t| t.as_str().contains(['(', '（']))
                .count();
            if aggregates > MAX_AGGREGATES {
                return Err(Diagnostic::new(
                    Code::E0229,
                    format!("the rule computes more than the {MAX_AGGREGATES} aggregates a list rule may"),
                )
                .primary(span, format!("aggregate {} of the rule is here", MAX_AGGREGATES + 1))
                .help("split the checks into several rules"));
            }
            let mut it = check.into_inner();
            let left = self.list_term(it.next().expect("list term"))?;
            let op = cmp_op(it.next().expect("comparison operator").as_str());
            let right = self.list_term(it.next().expect("list term"))?;
            checks.push(ListCheck {
                left,
                op,
                right,
                span,
            });
        }
        Ok(Must::List { checks, span })
    }

    fn list_term(&self, pair: Pair<Rule>) -> R<ListTerm> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().expect("list term content");
        let kind = match inner.as_rule() {
            Rule::list_number => ListTermKind::Number(self.list_number(inner)?.0),
            Rule::aggregate => ListTermKind::Aggregate {
                factor: None,
                per_level: Vec::new(),
                aggregate: Box::new(self.aggregate(inner)?),
            },
            _ => {
                let mut it = inner.into_inner();
                let first = it.next().expect("factor");
                let (factor, per_level) = match first.as_rule() {
                    Rule::level_factors => {
                        let mut per_level = Vec::new();
                        for f in first.into_inner() {
                            let mut parts = f.into_inner();
                            let level = self.name(parts.next().expect("level"));
                            let number = parts.next().expect("factor");
                            let span = self.span(&number);
                            let factor = self.scale(number)?.ok_or_else(|| {
                                Diagnostic::new(Code::E0005, "this number is too large")
                                    .primary(span, "does not fit")
                                    .help("numbers in a policy are at most 9223372036854775807")
                            })?;
                            per_level.push((level, factor));
                        }
                        (None, per_level)
                    }
                    _ => (self.scale(first)?, Vec::new()),
                };
                ListTermKind::Aggregate {
                    factor,
                    per_level,
                    aggregate: Box::new(self.aggregate(it.next().expect("aggregate"))?),
                }
            }
        };
        Ok(ListTerm { kind, span })
    }

    /// A factor scaling an aggregate: a percentage by its share (10% × X is a tenth of X).
    fn scale(&self, pair: Pair<Rule>) -> R<Option<crate::exact::Exact>> {
        let (factor, percent) = self.list_number(pair)?;
        Ok(match percent {
            true => factor.checked_div(crate::exact::Exact::int(100)),
            false => Some(factor),
        })
    }

    /// A number of a list rule, exactly: `20%` is 20 (a share compares with it as written),
    /// `12.5`, `3`; and whether it was a percentage.
    fn list_number(&self, pair: Pair<Rule>) -> R<(crate::exact::Exact, bool)> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().expect("number");
        let percent = inner.as_rule() == Rule::percent;
        let text = inner.as_str().trim_end_matches(['%', '％']);
        let value = crate::exact::Exact::parse_decimal(text).ok_or_else(|| {
            Diagnostic::new(Code::E0005, "this number is too large")
                .primary(span, "does not fit")
                .help("numbers in a policy are at most 9223372036854775807")
        })?;
        Ok((value, percent))
    }

    fn aggregate(&self, pair: Pair<Rule>) -> R<Aggregate> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().expect("aggregate function");
        let fun = match inner.as_rule() {
            Rule::agg_count => AggregateFn::Count,
            Rule::agg_share => AggregateFn::Share,
            Rule::agg_sum => AggregateFn::Sum,
            Rule::agg_min => AggregateFn::Min,
            Rule::agg_reduced => AggregateFn::Reduced,
            Rule::agg_baseline => AggregateFn::Baseline,
            _ => AggregateFn::Max,
        };
        let mut field = None;
        let mut condition = None;
        for p in inner.into_inner() {
            match p.as_rule() {
                Rule::path => field = Some(self.path(p)),
                Rule::expr => condition = Some(self.condition(p)?),
                Rule::agg_when => {
                    let e = p.into_inner().nth(1).expect("aggregate condition");
                    condition = Some(self.condition(e)?);
                }
                _ => {}
            }
        }
        Ok(Aggregate {
            fun,
            field,
            condition,
            span,
        })
    }

    fn exception(&self, item: Pair<Rule>) -> R<Exception> {
        let span = self.span(&item);
        let mut condition = None;
        let mut cite = None;
        let mut name = None;
        for p in item.into_inner() {
            match p.as_rule() {
                Rule::name => name = Some(self.name(p)),
                Rule::expr => condition = Some(self.condition(p)?),
                Rule::cite_item => cite = Some(self.cite(p)),
                _ => {}
            }
        }
        Ok(Exception {
            name,
            condition: condition.expect("exception has a condition"),
            cite,
            span,
        })
    }

    fn public(&self, pair: Pair<Rule>) -> R<PublicDecl> {
        let span = self.span(&pair);
        let mut it = pair.into_inner().skip(1);
        let name = self.name(it.next().expect("disclosure name"));
        let mut d = PublicDecl {
            name,
            subjects: Vec::new(),
            fields: Vec::new(),
            withheld: Vec::new(),
            cites: Vec::new(),
            span,
        };
        for item in it {
            match item.as_rule() {
                Rule::subject_item => d.subjects.push(self.subject(item)?),
                Rule::cite_item => d.cites.push(self.cite(item)),
                Rule::except_item => d.withheld.push(self.exception(item)?),
                Rule::fields_item => d.fields.extend(
                    item.into_inner()
                        .filter(|p| p.as_rule() == Rule::name)
                        .map(|p| self.name(p)),
                ),
                _ => {}
            }
        }
        Ok(d)
    }

    fn model(&self, pair: Pair<Rule>) -> R<ModelDecl> {
        let span = self.span(&pair);
        let mut it = pair.into_inner().skip(1);
        let name = self.name(it.next().expect("model name"));
        let mut d = ModelDecl {
            name,
            subjects: Vec::new(),
            baselines: Vec::new(),
            voluntary: Vec::new(),
            totals: Vec::new(),
            weights: Vec::new(),
            cites: Vec::new(),
            span,
        };
        let names = |item: Pair<Rule>| -> Vec<Name> {
            item.into_inner()
                .filter(|p| p.as_rule() == Rule::name)
                .map(|p| self.name(p))
                .collect()
        };
        for item in it {
            match item.as_rule() {
                Rule::subject_item => d.subjects.push(self.subject(item)?),
                Rule::cite_item => d.cites.push(self.cite(item)),
                Rule::baselines_item => d.baselines.extend(names(item)),
                Rule::model_voluntary => d.voluntary.extend(names(item)),
                Rule::total_item => {
                    let item_span = self.span(&item);
                    let mut parts = item.into_inner().skip(1);
                    let field = self.name(parts.next().expect("total's field"));
                    let value = parts.next().expect("total's value");
                    let value = match value.as_rule() {
                        Rule::path => TotalValue::Field(self.path(value)),
                        _ => TotalValue::Number(self.list_number(value)?.0),
                    };
                    d.totals.push((field, value, item_span));
                }
                Rule::weight_item => {
                    let p = item.into_inner().nth(1).expect("weight field");
                    d.weights.push(self.path(p));
                }
                _ => {}
            }
        }
        Ok(d)
    }

    fn text_item(&self, item: Pair<Rule>) -> TextItem {
        let span = self.span(&item);
        let mut levels = None;
        let mut text = None;
        for p in item.into_inner() {
            match p.as_rule() {
                Rule::level_range => levels = Some(self.level_range(p)),
                Rule::string => text = Some(self.string(p)),
                _ => {}
            }
        }
        TextItem {
            levels,
            text: text.expect("text item has a string"),
            span,
        }
    }

    fn exemption(&self, pair: Pair<Rule>) -> R<ExemptionDecl> {
        let span = self.span(&pair);
        let mut it = pair.into_inner().skip(1);
        let name = self.name(it.next().expect("exemption name"));
        let mut e = ExemptionDecl {
            name,
            subjects: Vec::new(),
            lifts: Vec::new(),
            cites: Vec::new(),
            span,
        };
        for item in it {
            match item.as_rule() {
                Rule::subject_item => e.subjects.push(self.subject(item)?),
                Rule::cite_item => e.cites.push(self.cite(item)),
                Rule::lifts_item => e.lifts.extend(
                    item.into_inner()
                        .filter(|p| p.as_rule() == Rule::name)
                        .map(|p| self.name(p)),
                ),
                _ => {}
            }
        }
        Ok(e)
    }

    fn action(&self, pair: Pair<Rule>) -> R<Action> {
        let span = self.span(&pair);
        let mut terms = Vec::new();
        for t in pair.into_inner() {
            let tspan = self.span(&t);
            let kind = match t.as_rule() {
                Rule::voluntary => ActionTermKind::Voluntary,
                Rule::limit => ActionTermKind::Limit(
                    self.percent(t.into_inner().nth(1).expect("limit percent"))?,
                ),
                Rule::stop => {
                    let mut percent = None;
                    let mut by_line = false;
                    for p in t.into_inner() {
                        match p.as_rule() {
                            Rule::percent => percent = Some(self.percent(p)?),
                            Rule::by_line => by_line = true,
                            _ => {}
                        }
                    }
                    ActionTermKind::Stop { percent, by_line }
                }
                Rule::cease => ActionTermKind::CeaseUse,
                Rule::ban => {
                    ActionTermKind::Ban(self.name(t.into_inner().nth(1).expect("restriction name")))
                }
                Rule::table_lookup => {
                    let mut it = t.into_inner();
                    let table = self.name(it.next().expect("table name"));
                    let args = it
                        .map(|a| {
                            let inner = a.into_inner().next().expect("lookup arg");
                            if inner.as_rule() == Rule::kw_level {
                                LookupArg::Level(self.span(&inner))
                            } else {
                                LookupArg::Path(self.path(inner))
                            }
                        })
                        .collect();
                    ActionTermKind::Lookup { table, args }
                }
                other => unreachable!("action rule {other:?}"),
            };
            terms.push(ActionTerm { kind, span: tspan });
        }
        Ok(Action { terms, span })
    }

    fn table(&self, pair: Pair<Rule>) -> R<TableDecl> {
        let span = self.span(&pair);
        let mut it = pair.into_inner().skip(1);
        let name = self.name(it.next().expect("table name"));
        let mut t = TableDecl {
            name,
            dims: Vec::new(),
            default: None,
            not_encoded: Vec::new(),
            groups: Vec::new(),
            span,
        };
        for item in it {
            match item.as_rule() {
                Rule::table_dim => {
                    let inner = item.into_inner().next().expect("table dimension");
                    t.dims.push(if inner.as_rule() == Rule::kw_level {
                        TableDim::Level(self.span(&inner))
                    } else {
                        TableDim::Enum(self.name(inner))
                    });
                }
                Rule::table_default => {
                    t.default =
                        Some(self.action(item.into_inner().nth(1).expect("default action"))?);
                }
                Rule::table_not_encoded => {
                    for p in item.into_inner() {
                        if p.as_rule() == Rule::group_key {
                            let key = p.into_inner().next().expect("not-encoded value");
                            t.not_encoded.push(self.name(key));
                        }
                    }
                }
                Rule::table_group => {
                    let gspan = self.span(&item);
                    let mut keys = Vec::new();
                    let mut group = None;
                    for p in item.into_inner() {
                        match p.as_rule() {
                            Rule::group_key => {
                                keys.push(self.name(p.into_inner().next().expect("group key")))
                            }
                            Rule::grid => group = Some(self.grid(p, keys.clone(), gspan)?),
                            _ => {}
                        }
                    }
                    t.groups.push(group.expect("group has a grid"));
                }
                Rule::grid => {
                    let gspan = self.span(&item);
                    t.groups.push(self.grid(item, Vec::new(), gspan)?);
                }
                _ => {}
            }
        }
        Ok(t)
    }

    fn grid(&self, pair: Pair<Rule>, keys: Vec<Name>, span: Span) -> R<TableGroup> {
        let mut it = pair.into_inner();
        let header = it
            .next()
            .expect("grid header")
            .into_inner()
            .map(|n| self.name(n))
            .collect();
        let mut rows = Vec::new();
        for row in it {
            let rspan = self.span(&row);
            let mut rk = Vec::new();
            let mut cells = Vec::new();
            for p in row.into_inner() {
                match p.as_rule() {
                    Rule::row_keys => rk = p.into_inner().map(|n| self.name(n)).collect(),
                    Rule::grid_cell => {
                        let cspan = self.span(&p);
                        let inner = p.into_inner().next().expect("cell content");
                        let action = if inner.as_rule() == Rule::action {
                            Some(self.action(inner)?)
                        } else {
                            None
                        };
                        cells.push(GridCell {
                            action,
                            span: cspan,
                        });
                    }
                    _ => {}
                }
            }
            rows.push(GridRow {
                keys: rk,
                cells,
                span: rspan,
            });
        }
        Ok(TableGroup {
            keys,
            header,
            rows,
            span,
        })
    }

    fn path(&self, pair: Pair<Rule>) -> Path {
        let span = self.span(&pair);
        Path {
            segments: pair.into_inner().map(|n| self.name(n)).collect(),
            span,
        }
    }

    /// A whole condition (of a subject or an exception), bounded before its tree is built:
    /// at most [`MAX_CONDITION_OPERANDS`] tests and [`MAX_CONDITION_NESTING`] levels of
    /// brackets, `非` and quantifiers, so the tree is at most their sum deep and every stage
    /// that recurses on it (type checker, lowering, analyses, evaluator, explanations) is
    /// bounded. A chain of `且` is one level: it is counted by its tests.
    fn condition(&self, pair: Pair<Rule>) -> R<Expr> {
        let whole = self.span(&pair);
        let mut shape = Shape::default();
        self.shape(&pair, 0, &mut shape)?;
        if let Some(span) = shape.past_operands {
            return Err(Diagnostic::new(
                Code::E0010,
                format!(
                    "the condition holds {} tests, more than the {MAX_CONDITION_OPERANDS} a condition may hold",
                    shape.operands
                ),
            )
            .primary(span, format!("test {} of this condition", MAX_CONDITION_OPERANDS + 1))
            .secondary(Span::new(whole.file, whole.start, whole.start), "the condition starts here")
            .help(format!(
                "a condition holds at most {MAX_CONDITION_OPERANDS} tests (limit MAX_CONDITION_OPERANDS); test one field against many values with `属于 {{ … }}`, or split the measure"
            )));
        }
        if let Some(span) = shape.past_nesting {
            return Err(Diagnostic::new(
                Code::E0011,
                format!(
                    "the condition nests {} levels deep, more than {MAX_CONDITION_NESTING}",
                    shape.nesting
                ),
            )
            .primary(span, format!("level {} of brackets, `非` and quantifiers", MAX_CONDITION_NESTING + 1))
            .secondary(Span::new(whole.file, whole.start, whole.start), "the condition starts here")
            .help(format!(
                "a condition nests at most {MAX_CONDITION_NESTING} levels of brackets, `非` (not) and `任一`/`所有` inside each other (limit MAX_CONDITION_NESTING); write it flatter: two `非` cancel out, and `且`/`或` chains need no brackets"
            )));
        }
        self.expr(pair)
    }

    /// Counts the tests of `expr` and the nesting of its parts, `depth` levels in, without
    /// recursing more than the bracket nesting the prescan bounded.
    fn shape(&self, expr: &Pair<Rule>, depth: usize, shape: &mut Shape) -> R<()> {
        let mut nots = 0usize;
        for p in expr.clone().into_inner() {
            let here = depth + nots;
            match p.as_rule() {
                Rule::op_not => {
                    nots += 1;
                    // Prefix operators recurse inside the Pratt parser: bound their run.
                    if nots > MAX_NESTING {
                        return Err(Diagnostic::new(Code::E0002, "too many `非` (not) in a row")
                            .primary(self.span(&p), "negations nested too deep")
                            .help("two negations cancel out; write the condition without them"));
                    }
                    shape.reach(here + 1, self.span(&p));
                    continue;
                }
                Rule::paren => {
                    shape.reach(here + 1, self.span(&p));
                    let inner = p.into_inner().next().expect("parenthesised expression");
                    self.shape(&inner, here + 1, shape)?;
                }
                Rule::quantifier => {
                    shape.reach(here + 1, self.span(&p));
                    let body = p.into_inner().last().expect("quantifier body");
                    if body.as_rule() == Rule::paren {
                        shape.reach(here + 2, self.span(&body));
                        let inner = body.into_inner().next().expect("parenthesised expression");
                        self.shape(&inner, here + 2, shape)?;
                    } else {
                        shape.operand(self.span(&body));
                    }
                }
                Rule::predicate => shape.operand(self.span(&p)),
                _ => {} // `且` / `或`
            }
            nots = 0;
        }
        Ok(())
    }

    fn expr(&self, pair: Pair<Rule>) -> R<Expr> {
        // `condition` bounded the runs of prefix operators, which recurse in the Pratt parser.
        pratt()
            .map_primary(|p| self.primary(p))
            .map_prefix(|op, rhs| {
                let rhs = rhs?;
                let span = self.span(&op).to(rhs.span);
                Ok(Expr {
                    kind: ExprKind::Not(Box::new(rhs)),
                    span,
                })
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let span = lhs.span.to(rhs.span);
                let kind = if op.as_rule() == Rule::op_or {
                    ExprKind::Or(Box::new(lhs), Box::new(rhs))
                } else {
                    ExprKind::And(Box::new(lhs), Box::new(rhs))
                };
                Ok(Expr { kind, span })
            })
            .parse(pair.into_inner())
    }

    fn primary(&self, pair: Pair<Rule>) -> R<Expr> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::paren => {
                let mut e =
                    self.expr(pair.into_inner().next().expect("parenthesised expression"))?;
                e.span = span;
                Ok(e)
            }
            Rule::quantifier => {
                let mut it = pair.into_inner();
                let all = it.next().map(|q| q.as_rule()) == Some(Rule::q_all);
                let list = self.path(it.next().expect("quantified list"));
                let body = it.nth(1).expect("quantifier body");
                let body = self.primary(body)?;
                Ok(Expr {
                    kind: ExprKind::Quantified {
                        all,
                        list,
                        body: Box::new(body),
                    },
                    span,
                })
            }
            Rule::predicate => {
                let mut it = pair.into_inner();
                let lhs = self.operand(it.next().expect("predicate operand"))?;
                let kind = match it.next() {
                    None => ExprKind::Operand(lhs),
                    Some(rest) => match rest.as_rule() {
                        Rule::compare => {
                            let mut c = rest.into_inner();
                            let op = cmp_op(c.next().expect("comparison operator").as_str());
                            let rhs = self.operand(c.next().expect("comparison operand"))?;
                            ExprKind::Compare(op, lhs, rhs)
                        }
                        Rule::membership => {
                            let target = rest.into_inner().nth(1).expect("membership target");
                            if target.as_rule() == Rule::value_set {
                                let values = target
                                    .into_inner()
                                    .map(|o| self.operand(o))
                                    .collect::<R<Vec<_>>>()?;
                                ExprKind::InValues(lhs, values)
                            } else {
                                ExprKind::InField(lhs, self.path(target))
                            }
                        }
                        _ => match lhs.kind {
                            OperandKind::Path(p) => ExprKind::Present(p),
                            _ => {
                                return Err(Diagnostic::new(
                                    Code::E0201,
                                    "only a field can be tested with `有值` (present)",
                                )
                                .primary(lhs.span, "this is a literal, not a field")
                                .help("write `字段 有值` with the name of an optional field"))
                            }
                        },
                    },
                };
                Ok(Expr { kind, span })
            }
            other => unreachable!("primary rule {other:?}"),
        }
    }

    fn operand(&self, pair: Pair<Rule>) -> R<Operand> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next().expect("operand content");
        let kind = match inner.as_rule() {
            Rule::date => OperandKind::Date(self.date(inner)?.days),
            Rule::percent => OperandKind::Percent(self.percent(inner)?.hundredths),
            Rule::decimal => OperandKind::Decimal(inner.as_str().parse().unwrap_or(0.0)),
            Rule::integer => OperandKind::Int(inner.as_str().parse().map_err(|_| {
                Diagnostic::new(Code::E0005, "this number is too large")
                    .primary(span, "does not fit in a 64-bit integer")
                    .help("numbers in a policy are at most 9223372036854775807")
            })?),
            Rule::string => OperandKind::Text(self.string(inner).value),
            Rule::bool_true => OperandKind::Bool(true),
            Rule::bool_false => OperandKind::Bool(false),
            Rule::kw_level => OperandKind::Level,
            _ => OperandKind::Path(self.path(inner)),
        };
        Ok(Operand { kind, span })
    }
}

/// A comparison operator as written.
fn cmp_op(text: &str) -> CmpOp {
    match text {
        "=" => CmpOp::Eq,
        "!=" | "≠" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" | "≤" => CmpOp::Le,
        ">" => CmpOp::Gt,
        _ => CmpOp::Ge,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keywords::KEYWORDS;

    fn parse(text: &str) -> Module {
        parse_module(0, text).unwrap_or_else(|d| panic!("{d:#?}"))
    }

    #[test]
    fn parses_levels_with_aliases_and_ordered_enum() {
        let m = parse("预警级别 { 黄色 (yellow) < 橙色 (orange) < 红色 (red) }\n枚举 绩效等级 有序 { 引领性 > A > B > B- > C > D }");
        let Decl::Levels(l) = &m.decls[0] else {
            panic!()
        };
        assert_eq!(l.levels.len(), 3);
        assert_eq!(l.levels[2].alias.as_ref().unwrap().text, "red");
        let Decl::Enum(e) = &m.decls[1] else { panic!() };
        assert!(e.ordered);
        let names: Vec<_> = e.variants.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(names, ["引领性", "A", "B", "B-", "C", "D"]);
    }

    #[test]
    fn english_and_chinese_keywords_parse_alike() {
        let zh = parse("措施 甲 强制性 自 橙色 { 对象 企业 当 非 涉气 且 等级 属于 { A, B } 依据 \"三\" 要求 限产 20% + 禁止 重卡 }");
        let en = parse("measure 甲 mandatory from 橙色 { subject 企业 when not 涉气 and 等级 in { A, B } cite \"三\" require limit 20% + ban 重卡 }");
        let (Decl::Measure(a), Decl::Measure(b)) = (&zh.decls[0], &en.decls[0]) else {
            panic!()
        };
        assert_eq!(a.requires[0].action.terms.len(), 2);
        assert_eq!(b.requires[0].action.terms.len(), 2);
        assert!(matches!(
            a.subjects[0].condition.as_ref().unwrap().kind,
            ExprKind::And(..)
        ));
        assert!(matches!(
            b.subjects[0].condition.as_ref().unwrap().kind,
            ExprKind::And(..)
        ));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let m = parse("措施 甲 倡议性 黄色 { 对象 企业 当 a 或 b 且 c }");
        let Decl::Measure(me) = &m.decls[0] else {
            panic!()
        };
        let ExprKind::Or(_, rhs) = &me.subjects[0].condition.as_ref().unwrap().kind else {
            panic!()
        };
        assert!(matches!(rhs.kind, ExprKind::And(..)));
    }

    #[test]
    fn keyword_glued_to_a_name_stays_in_the_name() {
        let m = parse("措施 甲 倡议性 黄色 { 对象 企业当 }");
        let Decl::Measure(me) = &m.decls[0] else {
            panic!()
        };
        assert_eq!(me.subjects[0].path.display(), "企业当");
    }

    #[test]
    fn list_rules_parse_alike_in_both_keyword_languages_and_with_full_width_parentheses() {
        let zh = parse("规则 目标 错误 黄色 { 对象 企业 分组 所在区 应当 合计（减排 当 涉气） >= 10% × 合计(基准) 且 计数() >= 1 }");
        let en = parse("rule 目标 error 黄色 { subject 企业 group 所在区 must sum(减排 when 涉气) >= 10% * sum(基准) and count() >= 1 }");
        for m in [&zh, &en] {
            let Decl::Rule(r) = &m.decls[0] else { panic!() };
            assert_eq!(r.groups.len(), 1);
            let Must::List { checks, .. } = &r.musts[0] else {
                panic!("{:?}", r.musts)
            };
            assert_eq!(checks.len(), 2);
            let ListTermKind::Aggregate {
                factor: None,
                per_level,
                aggregate,
            } = &checks[0].left.kind
            else {
                panic!()
            };
            assert!(per_level.is_empty());
            assert_eq!(aggregate.fun, AggregateFn::Sum);
            assert!(aggregate.condition.is_some());
            // 10% as a factor is a tenth.
            let ListTermKind::Aggregate {
                factor: Some(f), ..
            } = &checks[0].right.kind
            else {
                panic!()
            };
            assert_eq!(*f, crate::exact::Exact::ratio(1, 10).unwrap());
            assert_eq!(
                checks[1].right.kind,
                ListTermKind::Number(crate::exact::Exact::int(1))
            );
        }
        // More than MAX_AGGREGATES aggregates in one rule are refused where they are written.
        let many = vec!["合计(n) >= 1"; MAX_AGGREGATES + 1].join(" 且 ");
        let text = format!("规则 多 警告 {{ 对象 厂 应当 {many} }}");
        let d = parse_module(0, &text).unwrap_err();
        assert_eq!(d[0].code, Code::E0229, "{d:?}");
        // A comparison of fields stays a condition on each record.
        let each = parse("规则 甲 错误 { 对象 企业 应当 3 < 人数 }");
        let Decl::Rule(r) = &each.decls[0] else {
            panic!()
        };
        assert!(matches!(r.musts[0], Must::Each(_)));
    }

    #[test]
    fn percentages_are_exact_hundredths() {
        let m = parse("措施 甲 强制性 黄色 { 要求 限产 12.5% }");
        let Decl::Measure(me) = &m.decls[0] else {
            panic!()
        };
        let ActionTermKind::Limit(p) = &me.requires[0].action.terms[0].kind else {
            panic!()
        };
        assert_eq!(p.hundredths, 1250);
    }

    #[test]
    fn table_grid_rows_and_groups() {
        let m = parse("表 T (行业, 等级, 级别) {\n 水泥:\n 等级 | 黄色 | 橙色\n A, B | 自主减排 | 停产 50% 以生产线计\n C | - | 停产\n}");
        let Decl::Table(t) = &m.decls[0] else {
            panic!()
        };
        assert_eq!(t.groups[0].keys[0].text, "水泥");
        assert_eq!(t.groups[0].rows[0].keys.len(), 2);
        assert!(t.groups[0].rows[1].cells[0].action.is_none());
        assert_eq!(t.groups[0].header.len(), 3);
    }

    #[test]
    fn not_encoded_values_in_both_keyword_languages() {
        for text in [
            "表 T (行业, 等级, 级别) {\n 未编码: 钢铁, 焦化、玻璃\n 水泥:\n 等级 | 黄色\n A | 自主减排\n 未编码： 陶瓷\n}",
            "table T (行业, 等级, level) {\n not_encoded: 钢铁, 焦化、玻璃\n 水泥:\n 等级 | 黄色\n A | voluntary\n not_encoded： 陶瓷\n}",
        ] {
            let m = parse(text);
            let Decl::Table(t) = &m.decls[0] else {
                panic!()
            };
            let names: Vec<&str> = t.not_encoded.iter().map(|n| n.text.as_str()).collect();
            assert_eq!(names, ["钢铁", "焦化", "玻璃", "陶瓷"], "{text}");
            assert_eq!(t.groups.len(), 1);
            assert_eq!(t.groups[0].keys[0].text, "水泥");
        }
    }

    fn enum_of(m: &Module, i: usize) -> &EnumDecl {
        let Decl::Enum(e) = &m.decls[i] else {
            panic!("declaration {i} is not an enum")
        };
        e
    }

    fn alias_texts(e: &EnumDecl) -> Vec<Vec<&str>> {
        e.aliases
            .iter()
            .map(|a| a.iter().map(|n| n.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn enum_values_take_aliases_in_both_keyword_languages() {
        let zh = parse("枚举 绩效等级 有序 { 引领性 (绩效引领性, 引领性企业) > A (A级) > B > B- (B-级) > C (C级) }\n枚举 动力类型 { 燃油 (柴油、汽油), 燃气, 纯电动 (电动), 氢燃料电池 (氢能, 氢燃料), }");
        let en = parse("enum 绩效等级 ordered { 引领性 (绩效引领性, 引领性企业) > A (A级) > B > B- (B-级) > C (C级) }\nenum 动力类型 { 燃油 (柴油、汽油), 燃气, 纯电动 (电动), 氢燃料电池 (氢能, 氢燃料), }");
        for m in [&zh, &en] {
            let grades = enum_of(m, 0);
            let names: Vec<_> = grades.variants.iter().map(|v| v.text.as_str()).collect();
            assert_eq!(names, ["引领性", "A", "B", "B-", "C"]);
            assert_eq!(
                alias_texts(grades),
                [
                    vec!["绩效引领性", "引领性企业"],
                    vec!["A级"],
                    vec![],
                    vec!["B-级"],
                    vec!["C级"]
                ]
            );
            let power = enum_of(m, 1);
            assert_eq!(power.separator, EnumSeparator::Plain);
            assert_eq!(
                alias_texts(power),
                [
                    vec!["柴油", "汽油"],
                    vec![],
                    vec!["电动"],
                    vec!["氢能", "氢燃料"]
                ]
            );
        }
        let e = enum_of(&zh, 0);
        assert_eq!(e.aliases.len(), e.variants.len());
    }

    #[test]
    fn enum_aliases_accept_full_width_commas_and_signs_inside() {
        let m = parse("枚举 保障类别 { 民生保障 (民生保障类，民生类), 城市运行保障 (城市运行保障类) }\n枚举 G 有序 { A+ (A+级) > B- (B-级，B-) }");
        assert_eq!(
            alias_texts(enum_of(&m, 0)),
            [vec!["民生保障类", "民生类"], vec!["城市运行保障类"]]
        );
        assert_eq!(
            alias_texts(enum_of(&m, 1)),
            [vec!["A+级"], vec!["B-级", "B-"]]
        );
    }

    #[test]
    fn an_alias_cannot_be_a_keyword_or_quoted() {
        for text in [
            "枚举 E { 甲 (是) }",
            "枚举 E { 甲 (\"乙\") }",
            "枚举 E { 甲 () }",
        ] {
            let d = parse_module(0, text).unwrap_err();
            assert_eq!(d[0].code, Code::E0001, "{text}");
        }
    }

    #[test]
    fn display_follows_the_type_and_the_aliases() {
        let zh = parse("实体 企业 键 码 { 码: 文本 显示\n 名称: 文本 别名 \"企业名称\", \"单位名称\" 显示\n 区: 可选 文本\n }");
        let en = parse("entity 企业 key 码 { 码: text display\n 名称: text alias \"企业名称\", \"单位名称\" display\n 区: optional text\n }");
        for m in [&zh, &en] {
            let Decl::Entity(e) = &m.decls[0] else {
                panic!()
            };
            let shown: Vec<bool> = e.fields.iter().map(|f| f.display).collect();
            assert_eq!(shown, [true, true, false]);
            assert_eq!(e.fields[1].aliases.len(), 2);
        }
        // `显示` before `别名` is not the syntax.
        let d = parse_module(0, "实体 企业 键 码 { 码: 文本 显示 别名 \"编码\" }").unwrap_err();
        assert_eq!(d[0].code, Code::E0001);
    }

    #[test]
    fn every_listed_keyword_is_a_keyword_of_the_grammar() {
        for kw in KEYWORDS {
            for k in kw.spellings() {
                let parsed = PolicyParser::parse(Rule::keyword, k)
                    .ok()
                    .and_then(|mut p| p.next())
                    .map(|p| p.as_str().len());
                assert_eq!(
                    parsed,
                    Some(k.len()),
                    "`{k}` is not in the grammar's keyword rule"
                );
            }
        }
    }

    #[test]
    fn empty_and_comment_only_files_are_diagnosed() {
        for text in ["", "  // 只有注释\n/* 块 */"] {
            let d = parse_module(0, text).unwrap_err();
            assert_eq!(d[0].code, Code::E0004);
        }
    }
}
