//! Type check: every reference bound, every condition typed against the schema, every
//! table cell keyed by real enum values and levels. Produces the typed program that
//! lowering turns into the rule set; spans stay beside it for the analyses.

use crate::limits::{MAX_FRAMES, MAX_RESTRICTIONS, MAX_TABLE_CELLS, MAX_TABLE_DIMS, MAX_VARIANTS};
use std::collections::HashMap;

use super::resolve::{Program, SymbolKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    self, Action, ActionPlan, Base, CompareAs, Dim, EntityInfo, EnumInfo, ExemptionInfo, FieldInfo,
    FieldRef, FieldType, ItemSubject, KeySource, LevelInfo, Lookup, MeasureInfo, MeasureKind,
    Operand, PlanInfo, RestrictionInfo, Value,
};
use crate::source::Span;
use crate::syntax::ast::{self, Decl, ExprKind, LevelRangeKind, OperandKind, TypeKind};
use crate::syntax::errors::swallowed_keyword_help;

#[derive(Debug, Clone)]
pub struct TypedCell {
    pub keys: Vec<usize>,
    pub action: Action,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct TypedTable {
    pub name: String,
    pub name_span: Span,
    pub dims: Vec<Dim>,
    pub sizes: Vec<usize>,
    pub default: Option<Action>,
    pub cells: Vec<TypedCell>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct TypedMeasure {
    pub info: MeasureInfo,
    pub name_span: Span,
    pub levels_span: Span,
    pub subject_span: Span,
    pub condition_span: Option<Span>,
    pub exception_spans: Vec<Span>,
    pub has_cite: bool,
    pub non_exemptible_span: Option<Span>,
    /// `替代 名称`: the measures this one replaces (index into `Checked::measures`) and where
    /// each is named. A replaced measure is not in force where its replacement is
    /// (`info.levels` already excludes those levels).
    pub replaces: Vec<(usize, Span)>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct TypedExemption {
    pub info: ExemptionInfo,
    pub name_span: Span,
    pub subject_span: Span,
    pub condition_span: Option<Span>,
    pub lift_spans: Vec<Span>,
    pub span: Span,
}

/// The type-checked program: final schema parts plus measures, exemptions and tables with spans.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub plan: Option<PlanInfo>,
    pub levels: Vec<LevelInfo>,
    pub enums: Vec<EnumInfo>,
    pub enum_spans: Vec<Span>,
    pub entities: Vec<EntityInfo>,
    pub entity_spans: Vec<Span>,
    pub restrictions: Vec<RestrictionInfo>,
    pub restriction_spans: Vec<Span>,
    pub tables: Vec<TypedTable>,
    pub measures: Vec<TypedMeasure>,
    pub exemptions: Vec<TypedExemption>,
    pub chinese: bool,
}

/// Type-checks a resolved program. All errors are collected; the result is usable only
/// when no error was reported.
pub fn check(prog: &Program) -> (Checked, Vec<Diagnostic>) {
    let mut cx = Cx {
        prog,
        out: Checked::default(),
        diags: Vec::new(),
        enum_index: HashMap::new(),
        entity_index: HashMap::new(),
        restriction_index: HashMap::new(),
        table_index: HashMap::new(),
        measure_index: HashMap::new(),
    };
    cx.plan();
    cx.levels();
    cx.declare_schema();
    cx.entities();
    cx.tables();
    cx.measures();
    cx.exemptions();
    (cx.out, cx.diags)
}

struct Cx<'p> {
    prog: &'p Program,
    out: Checked,
    diags: Vec<Diagnostic>,
    enum_index: HashMap<&'p str, usize>,
    entity_index: HashMap<&'p str, usize>,
    restriction_index: HashMap<&'p str, usize>,
    table_index: HashMap<&'p str, usize>,
    measure_index: HashMap<&'p str, usize>,
}

/// The type of an operand, as far as comparisons care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Bool,
    Integer,
    Decimal,
    Percent,
    Text,
    Date,
    Enum(usize),
    Level,
    Set(Option<usize>),
    List(usize),
}

fn field_ty(t: FieldType) -> Ty {
    match t {
        FieldType::Text | FieldType::CreditCode => Ty::Text,
        FieldType::Bool => Ty::Bool,
        FieldType::Integer => Ty::Integer,
        FieldType::Decimal => Ty::Decimal,
        FieldType::Percent => Ty::Percent,
        FieldType::Date => Ty::Date,
        FieldType::Level => Ty::Level,
        FieldType::Enum(e) => Ty::Enum(e),
        FieldType::Set(e) => Ty::Set(e),
        FieldType::List(e) => Ty::List(e),
    }
}

/// An operand after name resolution; a bare name that is not a field may still be an enum
/// value or level once the other side's type is known.
enum Resolved {
    Typed(Operand, Ty, bool),
    BareName(String, Span),
}

/// The records in scope while checking a condition: entity index per frame.
#[derive(Clone)]
struct Scope {
    frames: Vec<usize>,
}

impl<'p> Cx<'p> {
    fn err(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn decls(&self) -> impl Iterator<Item = &'p Decl> + 'p {
        let prog = self.prog;
        prog.order
            .iter()
            .filter_map(move |n| prog.lookup(n))
            .map(move |s| prog.decl(s))
    }

    fn plan(&mut self) {
        let Some(entry) = self.prog.entry() else {
            return;
        };
        let text = &self.prog.sources.get(entry.file).text;
        if let Some(first) = entry.decls.first() {
            let start = match first {
                Decl::Plan(p) => p.span.start,
                Decl::Import(i) => i.span.start,
                Decl::Levels(l) => l.span.start,
                Decl::Enum(e) => e.span.start,
                Decl::Entity(e) => e.span.start,
                Decl::Restriction(r) => r.span.start,
                Decl::Measure(m) => m.span.start,
                Decl::Exemption(e) => e.span.start,
                Decl::Table(t) => t.span.start,
            };
            self.out.chinese = text[start..].chars().next().is_some_and(|c| !c.is_ascii());
        }
        for d in &entry.decls {
            if let Decl::Plan(p) = d {
                self.out.plan = Some(PlanInfo {
                    title: p.title.value.clone(),
                    issuer: p.issuer.as_ref().map(|s| s.value.clone()),
                    basis: p.basis.iter().map(|s| s.value.clone()).collect(),
                    effective: p.effective.map(|d| crate::dates::format(d.days)),
                });
                break;
            }
        }
    }

    fn levels(&mut self) {
        let Some(decl) = self.prog.levels_decl() else {
            let needs_levels = self
                .decls()
                .any(|d| matches!(d, Decl::Measure(_) | Decl::Table(_)));
            if needs_levels {
                let span = self
                    .decls()
                    .find_map(|d| match d {
                        Decl::Measure(m) => Some(m.name.span),
                        Decl::Table(t) => Some(t.name.span),
                        _ => None,
                    })
                    .unwrap_or_default();
                self.err(
                    Diagnostic::new(Code::E0105, "no alert levels are declared")
                        .primary(span, "this needs alert levels")
                        .help("declare them once, for example `预警级别 { 黄色 (yellow) < 橙色 (orange) < 红色 (red) }`, or import a file that does"),
                );
            }
            return;
        };
        let mut seen: HashMap<String, Span> = HashMap::new();
        for l in &decl.levels {
            for n in std::iter::once(&l.name).chain(l.alias.as_ref()) {
                if let Some(prev) = seen.get(&n.text.to_lowercase()) {
                    let d = Diagnostic::new(
                        Code::E0102,
                        format!("the level name `{}` is used twice", n.text),
                    )
                    .primary(n.span, "used again here")
                    .secondary(*prev, "first used here")
                    .help("each level and alias needs its own name");
                    self.err(d);
                } else {
                    seen.insert(n.text.to_lowercase(), n.span);
                }
            }
            self.out.levels.push(LevelInfo {
                name: l.name.text.clone(),
                alias: l.alias.as_ref().map(|a| a.text.clone()),
            });
        }
        if let Some(first_past) = decl.levels.get(MAX_VARIANTS) {
            self.err(too_many(first_past.name.span, Limit::Levels));
        }
    }

    /// Assigns indexes to enums, entities, restrictions and tables so later parts can refer to them.
    fn declare_schema(&mut self) {
        let prog = self.prog;
        for name in &prog.order {
            let sym = prog.symbols[name];
            match prog.decl(&sym) {
                Decl::Enum(e) => {
                    self.enum_index.insert(&e.name.text, self.out.enums.len());
                    self.out.enum_spans.push(e.name.span);
                    let info = self.enum_info(e);
                    self.out.enums.push(info);
                }
                Decl::Entity(e) => {
                    self.entity_index
                        .insert(&e.name.text, self.out.entities.len());
                    self.out.entity_spans.push(e.name.span);
                    self.out.entities.push(EntityInfo {
                        name: e.name.text.clone(),
                        key: 0,
                        fields: Vec::new(),
                    });
                }
                Decl::Restriction(r) => {
                    if self.out.restrictions.len() == MAX_RESTRICTIONS {
                        self.err(too_many(r.name.span, Limit::Restrictions));
                    }
                    self.restriction_index
                        .insert(&r.name.text, self.out.restrictions.len());
                    self.out.restriction_spans.push(r.name.span);
                    self.out.restrictions.push(RestrictionInfo {
                        name: r.name.text.clone(),
                        wording: r.wording.value.clone(),
                    });
                }
                Decl::Table(t) => {
                    self.table_index
                        .insert(&t.name.text, self.table_index.len());
                }
                Decl::Measure(m) => {
                    self.measure_index
                        .insert(&m.name.text, self.measure_index.len());
                }
                _ => {}
            }
        }
    }

    fn enum_info(&mut self, e: &ast::EnumDecl) -> EnumInfo {
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for v in &e.variants {
            if let Some(prev) = seen.get(v.text.as_str()) {
                self.diags.push(
                    Diagnostic::new(
                        Code::E0102,
                        format!("`{}` appears twice in enum `{}`", v.text, e.name.text),
                    )
                    .primary(v.span, "listed again here")
                    .secondary(*prev, "first listed here")
                    .help("list each value once"),
                );
            } else {
                seen.insert(&v.text, v.span);
            }
        }
        // Every spelling of a value, name or alias, reads as one value only.
        let mut owner_of: HashMap<&str, (usize, Span)> = e
            .variants
            .iter()
            .enumerate()
            .map(|(i, v)| (v.text.as_str(), (i, v.span)))
            .collect();
        for (vi, aliases) in e.aliases.iter().enumerate() {
            let owner = &e.variants[vi].text;
            for a in aliases {
                let Some(&(first, prev)) = owner_of.get(a.text.as_str()) else {
                    owner_of.insert(&a.text, (vi, a.span));
                    continue;
                };
                let other = &e.variants[first].text;
                let message = if first == vi {
                    format!(
                        "`{}` is written twice for `{owner}` in enum `{}`",
                        a.text, e.name.text
                    )
                } else {
                    format!(
                        "the alias `{}` of `{owner}` is also a spelling of `{other}` in enum `{}`",
                        a.text, e.name.text
                    )
                };
                self.diags.push(
                    Diagnostic::new(Code::E0216, message)
                        .primary(a.span, "used again here")
                        .secondary(prev, "first used here")
                        .help("a value in a data file must read as one value of the enum: give each alias to one value only, and never the name of another value"),
                );
            }
        }
        if e.variants.len() > MAX_VARIANTS {
            self.diags.push(too_many(e.name.span, Limit::EnumValues));
        }
        if e.ordered && e.separator == ast::EnumSeparator::Plain && e.variants.len() > 1 {
            self.diags.push(
                Diagnostic::new(Code::E0214, format!("ordered enum `{}` does not say its order", e.name.text))
                    .primary(e.name.span, "declared `有序` (ordered) but its values are separated by commas")
                    .help("write the order with `>` from best to worst, e.g. `{ 引领性 > A > B }`, or with `<`"),
            );
        }
        let n = e.variants.len();
        let rank = (0..n)
            .map(|i| match e.separator {
                ast::EnumSeparator::Descending => (n - 1 - i) as u16,
                _ => i as u16,
            })
            .collect();
        EnumInfo {
            name: e.name.text.clone(),
            variants: e.variants.iter().map(|v| v.text.clone()).collect(),
            ordered: e.ordered || e.separator != ast::EnumSeparator::Plain,
            rank,
            aliases: e
                .aliases
                .iter()
                .map(|a| a.iter().map(|n| n.text.clone()).collect())
                .collect(),
        }
    }

    fn unknown_name(
        &self,
        name: &str,
        span: Span,
        what: &str,
        candidates: &[String],
    ) -> Diagnostic {
        let mut d = Diagnostic::new(Code::E0101, format!("unknown {what} `{name}`"))
            .primary(span, format!("no {what} of this name"));
        if let Some(h) = swallowed_keyword_help(name) {
            d = d.help(h);
        } else if !candidates.is_empty() {
            let shown: Vec<&str> = candidates.iter().take(12).map(String::as_str).collect();
            let more = if candidates.len() > 12 { ", …" } else { "" };
            d = d.help(format!("known {what}s: {}{more}", shown.join(", ")));
        } else {
            d = d.help(format!(
                "declare the {what} or import the file that declares it"
            ));
        }
        d
    }

    fn names_of(&self, kind: SymbolKind) -> Vec<String> {
        self.prog
            .order
            .iter()
            .filter(|n| self.prog.symbols[*n].kind == kind)
            .cloned()
            .collect()
    }

    fn wrong_kind(&self, name: &ast::Name, found: SymbolKind, wanted: &str) -> Diagnostic {
        Diagnostic::new(
            Code::E0101,
            format!("`{}` is {}, not {wanted}", name.text, found.describe()),
        )
        .primary(name.span, format!("expected {wanted}"))
        .help(format!("use the name of {wanted} here"))
    }

    fn enum_by_name(&mut self, name: &ast::Name) -> Option<usize> {
        if let Some(i) = self.enum_index.get(name.text.as_str()) {
            return Some(*i);
        }
        let d = match self.prog.lookup(&name.text) {
            Some(s) => self.wrong_kind(name, s.kind, "an enum"),
            None => self.unknown_name(
                &name.text,
                name.span,
                "enum",
                &self.names_of(SymbolKind::Enum),
            ),
        };
        self.err(d);
        None
    }

    fn entity_by_name(&mut self, name: &ast::Name) -> Option<usize> {
        if let Some(i) = self.entity_index.get(name.text.as_str()) {
            return Some(*i);
        }
        let d = match self.prog.lookup(&name.text) {
            Some(s) => self.wrong_kind(name, s.kind, "an entity"),
            None => self.unknown_name(
                &name.text,
                name.span,
                "entity",
                &self.names_of(SymbolKind::Entity),
            ),
        };
        self.err(d);
        None
    }

    fn entities(&mut self) {
        let prog = self.prog;
        let decls: Vec<&ast::EntityDecl> = self
            .decls()
            .filter_map(|d| match d {
                Decl::Entity(e) => Some(e),
                _ => None,
            })
            .collect();
        for (ei, e) in decls.into_iter().enumerate() {
            let mut fields: Vec<FieldInfo> = Vec::new();
            let mut seen: HashMap<String, Span> = HashMap::new();
            for f in &e.fields {
                let (optional, inner) = match &f.ty.kind {
                    TypeKind::Optional(inner) => (true, &inner.kind),
                    k => (false, k),
                };
                let ty = match inner {
                    TypeKind::Text => FieldType::Text,
                    TypeKind::Bool => FieldType::Bool,
                    TypeKind::Integer => FieldType::Integer,
                    TypeKind::Decimal => FieldType::Decimal,
                    TypeKind::Percent => FieldType::Percent,
                    TypeKind::Date => FieldType::Date,
                    TypeKind::CreditCode => FieldType::CreditCode,
                    TypeKind::Level => FieldType::Level,
                    TypeKind::Named(n) => {
                        if let Some(s) = prog
                            .lookup(&n.text)
                            .filter(|s| s.kind == SymbolKind::Entity)
                        {
                            let _ = s;
                            self.err(
                                Diagnostic::new(
                                    Code::E0206,
                                    format!(
                                        "`{}` is an entity; a field holds it only as a list",
                                        n.text
                                    ),
                                )
                                .primary(n.span, "an entity used as a field type")
                                .help(format!(
                                    "write `列表 {}` for the records that belong to this one",
                                    n.text
                                )),
                            );
                            continue;
                        }
                        match self.enum_by_name(n) {
                            Some(i) => FieldType::Enum(i),
                            None => continue,
                        }
                    }
                    TypeKind::List(n) => match self.entity_by_name(n) {
                        Some(i) => FieldType::List(i),
                        None => continue,
                    },
                    TypeKind::Set(None) => FieldType::Set(None),
                    TypeKind::Set(Some(n)) => match self.enum_by_name(n) {
                        Some(i) => FieldType::Set(Some(i)),
                        None => continue,
                    },
                    TypeKind::Optional(_) => unreachable!("the grammar allows one 可选"),
                };
                for n in std::iter::once(f.name.text.clone())
                    .chain(f.aliases.iter().map(|a| a.value.clone()))
                {
                    let span = f
                        .aliases
                        .iter()
                        .find(|a| a.value == n)
                        .map(|a| a.span)
                        .unwrap_or(f.name.span);
                    if let Some(prev) = seen.get(&n) {
                        self.diags.push(
                            Diagnostic::new(
                                Code::E0102,
                                format!("`{n}` names two fields of entity `{}`", e.name.text),
                            )
                            .primary(span, "used again here")
                            .secondary(*prev, "first used here")
                            .help("field names and their aliases must be unique within an entity"),
                        );
                    } else {
                        seen.insert(n, span);
                    }
                }
                fields.push(FieldInfo {
                    name: f.name.text.clone(),
                    aliases: f.aliases.iter().map(|a| a.value.clone()).collect(),
                    ty,
                    optional,
                    display: f.display,
                });
            }
            let key = match fields.iter().position(|f| f.name == e.key.text) {
                Some(k)
                    if fields[k].optional
                        || matches!(fields[k].ty, FieldType::List(_) | FieldType::Set(_)) =>
                {
                    self.err(
                        Diagnostic::new(Code::E0208, format!("the key field `{}` cannot be optional, a list or a set", e.key.text))
                            .primary(e.key.span, "unsuitable key")
                            .help("a key identifies each record: use a required text, credit code or number field"),
                    );
                    k
                }
                Some(k) => k,
                None => {
                    let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
                    self.err(
                        Diagnostic::new(
                            Code::E0208,
                            format!(
                                "entity `{}` has no field `{}` to use as its key",
                                e.name.text, e.key.text
                            ),
                        )
                        .primary(e.key.span, "not a field of this entity")
                        .help(format!(
                            "declare the key among the fields: {}",
                            names.join(", ")
                        )),
                    );
                    0
                }
            };
            self.out.entities[ei].key = key;
            self.out.entities[ei].fields = fields;
        }
    }

    // ------------------------------------------------------------------ levels and ranges

    fn level_by_name(&mut self, name: &ast::Name) -> Option<usize> {
        let found = self.out.levels.iter().position(|l| {
            l.name == name.text
                || l.alias
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(&name.text))
        });
        if found.is_none() && !self.out.levels.is_empty() {
            let names: Vec<String> = self.out.levels.iter().map(|l| l.name.clone()).collect();
            let mut d = Diagnostic::new(
                Code::E0106,
                format!("`{}` is not an alert level", name.text),
            )
            .primary(name.span, "unknown level");
            d = match swallowed_keyword_help(&name.text) {
                Some(h) => d.help(h),
                None => d.help(format!("the levels are {}", names.join(", "))),
            };
            self.err(d);
        }
        found
    }

    /// A level range as a bit mask; `None` when a name is unknown or the range is empty.
    fn level_mask(&mut self, r: &ast::LevelRange) -> Option<u64> {
        let n = self.out.levels.len();
        if n > MAX_VARIANTS {
            // Levels are bits of a u64: past the limit (E0209, reported where the levels are
            // declared) no range has a mask.
            return None;
        }
        let (lo, hi) = match &r.kind {
            LevelRangeKind::Single(a) => {
                let a = self.level_by_name(a)?;
                (a, a)
            }
            LevelRangeKind::From(a) => (self.level_by_name(a)?, n.checked_sub(1)?),
            LevelRangeKind::Between(a, b) => {
                let (a, b) = (self.level_by_name(a), self.level_by_name(b));
                (a?, b?)
            }
        };
        if lo > hi {
            self.err(
                Diagnostic::new(Code::E0212, "this level range is empty")
                    .primary(
                        r.span,
                        format!(
                            "`{}` comes after `{}`",
                            self.out.levels[lo].name, self.out.levels[hi].name
                        ),
                    )
                    .help("write the lower level first, e.g. `黄色 至 橙色`"),
            );
            return None;
        }
        Some((lo..=hi).fold(0u64, |m, i| m | (1 << i)))
    }

    // ------------------------------------------------------------------ actions

    fn percent(&mut self, p: &ast::Percent) -> u32 {
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
    fn action(&mut self, a: &ast::Action, scope: Option<&Scope>) -> Option<ActionPlan> {
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

    fn lookup(
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

    fn dims_display(&self, dims: &[Dim]) -> String {
        dims.iter()
            .map(|d| match d {
                Dim::Level => "级别".to_string(),
                Dim::Enum(e) => self.out.enums[*e].name.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn ty_name(&self, t: Ty) -> String {
        match t {
            Ty::Bool => "a yes/no value (布尔)".into(),
            Ty::Integer => "an integer (整数)".into(),
            Ty::Decimal => "a decimal (小数)".into(),
            Ty::Percent => "a percentage (百分比)".into(),
            Ty::Text => "text (文本)".into(),
            Ty::Date => "a date (日期)".into(),
            Ty::Enum(e) => format!("a value of enum `{}`", self.out.enums[e].name),
            Ty::Level => "an alert level (级别)".into(),
            Ty::Set(None) => "a set of levels".into(),
            Ty::Set(Some(e)) => format!("a set of `{}` values", self.out.enums[e].name),
            Ty::List(e) => format!("a list of `{}` records", self.out.entities[e].name),
        }
    }

    // ------------------------------------------------------------------ tables

    fn tables(&mut self) {
        let decls: Vec<&ast::TableDecl> = self
            .decls()
            .filter_map(|d| match d {
                Decl::Table(t) => Some(t),
                _ => None,
            })
            .collect();
        for t in decls {
            let typed = self.table(t);
            self.out.tables.push(typed);
        }
    }

    fn dim_value(&mut self, dim: Dim, name: &ast::Name) -> Option<usize> {
        match dim {
            Dim::Level => self.level_by_name(name),
            Dim::Enum(e) => self.variant(e, name),
        }
    }

    fn variant(&mut self, e: usize, name: &ast::Name) -> Option<usize> {
        let info = &self.out.enums[e];
        if let Some(i) = info.variants.iter().position(|v| *v == name.text) {
            return Some(i);
        }
        let mut d = Diagnostic::new(
            Code::E0106,
            format!("`{}` is not a value of enum `{}`", name.text, info.name),
        )
        .primary(name.span, "unknown value");
        let alias_of = info
            .aliases
            .iter()
            .position(|a| a.contains(&name.text))
            .map(|i| info.variants[i].as_str());
        d = match (alias_of, swallowed_keyword_help(&name.text)) {
            (Some(v), _) => d.help(format!(
                "`{}` is an alias of `{v}`, for reading data files; policy text names the value `{v}`",
                name.text
            )),
            (None, Some(h)) => d.help(h),
            (None, None) => d.help(format!(
                "the values of `{}` are {}",
                info.name,
                info.variants.join(", ")
            )),
        };
        d = d.secondary(self.out.enum_spans[e], "the enum is declared here");
        self.err(d);
        None
    }

    fn table(&mut self, t: &ast::TableDecl) -> TypedTable {
        let mut dims = Vec::new();
        let mut dims_ok = true;
        for d in &t.dims {
            match d {
                ast::TableDim::Level(_) => dims.push(Dim::Level),
                ast::TableDim::Enum(n) => match self.enum_by_name(n) {
                    Some(e) => dims.push(Dim::Enum(e)),
                    None => dims_ok = false,
                },
            }
        }
        let sizes: Vec<usize> = dims
            .iter()
            .map(|d| match d {
                Dim::Level => self.out.levels.len(),
                Dim::Enum(e) => self.out.enums[*e].variants.len(),
            })
            .collect();
        let mut typed = TypedTable {
            name: t.name.text.clone(),
            name_span: t.name.span,
            dims: dims.clone(),
            sizes,
            default: None,
            cells: Vec::new(),
            span: t.span,
        };
        if let Some(a) = &t.default {
            typed.default = self.action(a, None).map(|p| p.fixed);
        }
        if !dims_ok || !self.table_within_limits(t, &typed.sizes) {
            return typed;
        }
        if dims.len() < 2 {
            self.err(
                Diagnostic::new(Code::E0205, format!("table `{}` needs at least two dimensions", t.name.text))
                    .primary(t.name.span, "rows and columns need a dimension each")
                    .help("declare the dimensions in order: groups, rows, columns, e.g. `(行业类别, 绩效等级, 级别)`"),
            );
            return typed;
        }
        let groups_n = dims.len() - 2;
        let (row_dim, col_dim) = (dims[dims.len() - 2], dims[dims.len() - 1]);
        for g in &t.groups {
            if g.keys.len() != groups_n {
                let span = g.keys.first().map(|k| k.span).unwrap_or(g.span);
                let expected = self.dims_display(&dims[..groups_n]);
                self.err(
                    Diagnostic::new(
                        Code::E0205,
                        format!(
                            "this grid needs {groups_n} group key(s) before `:`, found {}",
                            g.keys.len()
                        ),
                    )
                    .primary(span, "group keys do not match the table's dimensions")
                    .help(if groups_n == 0 {
                        "this table has no group dimension; write the grid directly".to_string()
                    } else {
                        format!("start the grid with a line naming {expected}, followed by `:`")
                    }),
                );
                continue;
            }
            let mut prefix = Vec::new();
            let mut ok = true;
            for (k, dim) in g.keys.iter().zip(&dims) {
                match self.dim_value(*dim, k) {
                    Some(v) => prefix.push(v),
                    None => ok = false,
                }
            }
            let cols: Vec<Option<usize>> = g
                .header
                .iter()
                .skip(1)
                .map(|h| self.dim_value(col_dim, h))
                .collect();
            if !ok || cols.iter().any(Option::is_none) {
                continue;
            }
            for row in &g.rows {
                if row.cells.len() != cols.len() {
                    self.err(
                        Diagnostic::new(
                            Code::E0205,
                            format!(
                                "this row has {} cells but the header has {} columns",
                                row.cells.len(),
                                cols.len()
                            ),
                        )
                        .primary(row.span, "cell count differs from the header")
                        .secondary(
                            g.header[0].span.to(g.header[g.header.len() - 1].span),
                            "the header",
                        )
                        .help(
                            "give one cell per column; write `-` for a combination without a cell",
                        ),
                    );
                    continue;
                }
                let row_keys: Vec<Option<usize>> = row
                    .keys
                    .iter()
                    .map(|k| self.dim_value(row_dim, k))
                    .collect();
                for (cell, col) in row.cells.iter().zip(&cols) {
                    let Some(action) = &cell.action else { continue };
                    let Some(plan) = self.action(action, None) else {
                        continue;
                    };
                    for rk in row_keys.iter().flatten() {
                        let mut keys = prefix.clone();
                        keys.push(*rk);
                        keys.push(col.expect("checked above"));
                        typed.cells.push(TypedCell {
                            keys,
                            action: plan.fixed,
                            span: cell.span,
                        });
                    }
                }
            }
        }
        typed
    }

    /// E0217 / E0218: a table has at most [`MAX_TABLE_DIMS`] dimensions and spans at most
    /// [`MAX_TABLE_CELLS`] cells. Checked before any cell is built, so lowering's dense
    /// array and the evaluator's key buffer stay within the limits.
    fn table_within_limits(&mut self, t: &ast::TableDecl, sizes: &[usize]) -> bool {
        let dims_span = |from: usize| {
            let first = t.dims.get(from).map(|d| d.span()).unwrap_or(t.name.span);
            t.dims.last().map_or(first, |d| first.to(d.span()))
        };
        if t.dims.len() > MAX_TABLE_DIMS {
            self.err(
                Diagnostic::new(
                    Code::E0217,
                    format!(
                        "table `{}` has {} dimensions; a table may have at most {MAX_TABLE_DIMS}",
                        t.name.text,
                        t.dims.len()
                    ),
                )
                .primary(dims_span(MAX_TABLE_DIMS), "past the limit")
                .secondary(t.name.span, "the table")
                .help(format!(
                    "a table has at most {MAX_TABLE_DIMS} dimensions (the limit MAX_TABLE_DIMS): split it into tables per group, or test the extra keys in the measure's condition"
                )),
            );
            return false;
        }
        let cells = sizes
            .iter()
            .try_fold(1usize, |acc, s| acc.checked_mul(*s))
            .filter(|n| *n <= MAX_TABLE_CELLS);
        if cells.is_none() {
            let product = sizes
                .iter()
                .try_fold(1u128, |acc, s| acc.checked_mul(*s as u128))
                .map_or_else(|| "more than 2^128".to_string(), |n| n.to_string());
            let factors: Vec<String> = sizes.iter().map(ToString::to_string).collect();
            self.err(
                Diagnostic::new(
                    Code::E0218,
                    format!(
                        "table `{}` spans {product} cells; a table may span at most {MAX_TABLE_CELLS}",
                        t.name.text
                    ),
                )
                .primary(dims_span(0), format!("{} = {product} combinations", factors.join(" × ")))
                .secondary(t.name.span, "the table")
                .note("a table spans every combination of its dimensions' values: the product of the number of values of each key enum and of the alert levels")
                .help(format!(
                    "a table spans at most {MAX_TABLE_CELLS} cells (the limit MAX_TABLE_CELLS): drop a dimension, split the table, or use smaller enums"
                )),
            );
            return false;
        }
        true
    }

    // ------------------------------------------------------------------ subjects and conditions

    /// `企业` or `企业.非道路移动机械`: the entity, and the list field whose items are the subject.
    fn subject(
        &mut self,
        subjects: &'p [ast::Subject],
        owner: &ast::Name,
        allow_items: bool,
    ) -> Option<(usize, Option<ItemSubject>, &'p ast::Subject)> {
        let s = match subjects {
            [s] => s,
            [] => {
                self.err(
                    Diagnostic::new(Code::E0210, format!("`{}` has no subject", owner.text))
                        .primary(owner.span, "no `对象` (subject)")
                        .help("say whom it applies to, e.g. `对象 企业 当 …`"),
                );
                return None;
            }
            [_, second, ..] => {
                self.err(
                    Diagnostic::new(
                        Code::E0210,
                        format!("`{}` has more than one subject", owner.text),
                    )
                    .primary(second.span, "second `对象` (subject)")
                    .help("split it into one declaration per subject"),
                );
                return None;
            }
        };
        let first = &s.path.segments[0];
        let entity = self.entity_by_name(first)?;
        let item = match s.path.segments.get(1) {
            None => None,
            Some(field_name) if allow_items && s.path.segments.len() == 2 => {
                let fields = &self.out.entities[entity].fields;
                match fields.iter().position(|f| f.name == field_name.text) {
                    Some(fi) => match fields[fi].ty {
                        FieldType::List(item_entity) => Some(ItemSubject {
                            field: fi,
                            entity: item_entity,
                        }),
                        _ => {
                            self.err(
                                Diagnostic::new(Code::E0206, format!("`{}` is not a list field", s.path.display()))
                                    .primary(field_name.span, "a subject must be an entity or a list field of one")
                                    .help("name the entity itself, or a `列表` field such as `企业.非道路移动机械`"),
                            );
                            return None;
                        }
                    },
                    None => {
                        let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
                        let d =
                            self.unknown_name(&field_name.text, field_name.span, "field", &names);
                        self.err(d);
                        return None;
                    }
                }
            }
            Some(_) => {
                self.err(
                    Diagnostic::new(Code::E0206, format!("`{}` cannot be a subject here", s.path.display()))
                        .primary(s.path.span, "unsupported subject path")
                        .help(if allow_items {
                            "a subject is an entity (`企业`) or one of its list fields (`企业.非道路移动机械`)"
                        } else {
                            "an exemption's subject is an entity such as `企业`"
                        }),
                );
                return None;
            }
        };
        Some((entity, item, s))
    }

    /// Resolves a field path in scope: `名称` (innermost frame that has it) or `企业.名称`.
    fn field_path(&mut self, p: &ast::Path, scope: &Scope) -> Option<(FieldRef, Ty, bool)> {
        match self.resolve_path(p, scope) {
            Some(Resolved::Typed(Operand::Field(r), ty, opt)) => Some((r, ty, opt)),
            Some(Resolved::BareName(name, span)) => {
                let d = self.unknown_field(&name, span, scope);
                self.err(d);
                None
            }
            _ => None,
        }
    }

    fn unknown_field(&self, name: &str, span: Span, scope: &Scope) -> Diagnostic {
        let inner = *scope.frames.last().expect("a scope has a frame");
        let names: Vec<String> = self.out.entities[inner]
            .fields
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let mut d = self.unknown_name(name, span, "field", &names);
        d.message = format!(
            "unknown field `{name}` of `{}`",
            self.out.entities[inner].name
        );
        d
    }

    fn resolve_path(&mut self, p: &ast::Path, scope: &Scope) -> Option<Resolved> {
        let segs = &p.segments;
        let find = |cx: &Self, frame: usize, name: &str| -> Option<(FieldRef, Ty, bool)> {
            let entity = scope.frames[frame];
            let fi = cx.out.entities[entity]
                .fields
                .iter()
                .position(|f| f.name == name)?;
            let f = &cx.out.entities[entity].fields[fi];
            Some((
                FieldRef {
                    frame: frame as u8,
                    field: fi as u16,
                },
                field_ty(f.ty),
                f.optional,
            ))
        };
        match segs.len() {
            1 => {
                for frame in (0..scope.frames.len()).rev() {
                    if let Some((r, ty, opt)) = find(self, frame, &segs[0].text) {
                        return Some(Resolved::Typed(Operand::Field(r), ty, opt));
                    }
                }
                Some(Resolved::BareName(segs[0].text.clone(), segs[0].span))
            }
            2 => {
                let (head, field) = (&segs[0], &segs[1]);
                // `枚举.值`: a qualified enum value.
                if let Some(&e) = self.enum_index.get(head.text.as_str()) {
                    let v = self.variant(e, field)?;
                    return Some(Resolved::Typed(
                        Operand::Const(Value::Enum(v as u16)),
                        Ty::Enum(e),
                        false,
                    ));
                }
                let Some(frame) = (0..scope.frames.len())
                    .rev()
                    .find(|f| self.out.entities[scope.frames[*f]].name == head.text)
                else {
                    let names: Vec<String> = scope
                        .frames
                        .iter()
                        .map(|e| self.out.entities[*e].name.clone())
                        .collect();
                    let mut d = self.unknown_name(&head.text, head.span, "entity", &names);
                    d.help = Some(format!(
                        "a qualified name starts with an entity in scope ({}) or an enum",
                        names.join(", ")
                    ));
                    self.err(d);
                    return None;
                };
                match find(self, frame, &field.text) {
                    Some((r, ty, opt)) => Some(Resolved::Typed(Operand::Field(r), ty, opt)),
                    None => {
                        let entity = scope.frames[frame];
                        let names: Vec<String> = self.out.entities[entity]
                            .fields
                            .iter()
                            .map(|f| f.name.clone())
                            .collect();
                        let mut d = self.unknown_name(&field.text, field.span, "field", &names);
                        d.message = format!("unknown field `{}` of `{}`", field.text, head.text);
                        self.err(d);
                        None
                    }
                }
            }
            _ => {
                self.err(
                    Diagnostic::new(Code::E0203, format!("`{}` has too many parts", p.display()))
                        .primary(p.span, "a field path is `字段` or `实体.字段`")
                        .help("fields of list items are reached with `任一`/`所有`, e.g. `任一 非道路移动机械 满足 (动力 = 燃油)`"),
                );
                None
            }
        }
    }

    fn operand(&mut self, o: &ast::Operand, scope: &Scope) -> Option<Resolved> {
        let (op, ty) = match &o.kind {
            OperandKind::Int(i) => (Operand::Const(Value::Int(*i)), Ty::Integer),
            OperandKind::Decimal(d) => (Operand::Const(Value::Num(*d)), Ty::Decimal),
            OperandKind::Percent(p) => (Operand::Const(Value::Num(*p as f64 / 100.0)), Ty::Percent),
            OperandKind::Text(t) => (Operand::Const(Value::Text(t.as_str().into())), Ty::Text),
            OperandKind::Date(d) => (Operand::Const(Value::Date(*d)), Ty::Date),
            OperandKind::Bool(b) => (Operand::Const(Value::Bool(*b)), Ty::Bool),
            OperandKind::Level => (Operand::Level, Ty::Level),
            OperandKind::Path(p) => return self.resolve_path(p, scope),
        };
        Some(Resolved::Typed(op, ty, false))
    }

    /// Gives a bare name its meaning from the type it is compared with.
    fn name_as(&mut self, name: &str, span: Span, ty: Ty, scope: &Scope) -> Option<Operand> {
        let n = ast::Name {
            text: name.to_string(),
            span,
        };
        match ty {
            Ty::Enum(e) | Ty::Set(Some(e)) => self
                .variant(e, &n)
                .map(|v| Operand::Const(Value::Enum(v as u16))),
            Ty::Level | Ty::Set(None) => self
                .level_by_name(&n)
                .map(|v| Operand::Const(Value::Enum(v as u16))),
            _ => {
                let d = self.unknown_field(name, span, scope);
                self.err(d);
                None
            }
        }
    }

    fn compatible(a: Ty, b: Ty) -> bool {
        let numeric = |t: Ty| matches!(t, Ty::Integer | Ty::Decimal);
        a == b || (numeric(a) && numeric(b))
    }

    fn compare_as(t: Ty) -> Option<CompareAs> {
        Some(match t {
            Ty::Integer | Ty::Decimal | Ty::Percent => CompareAs::Number,
            Ty::Text => CompareAs::Text,
            Ty::Date => CompareAs::Date,
            Ty::Bool => CompareAs::Bool,
            Ty::Enum(e) => CompareAs::Enum(e),
            Ty::Level => CompareAs::Level,
            Ty::Set(_) | Ty::List(_) => return None,
        })
    }

    fn expr(&mut self, e: &ast::Expr, scope: &Scope) -> Option<ir::Expr> {
        match &e.kind {
            ExprKind::Or(a, b) | ExprKind::And(a, b) => {
                let (a, b) = (self.expr(a, scope), self.expr(b, scope));
                let (a, b) = (a?, b?);
                let is_or = matches!(e.kind, ExprKind::Or(..));
                let mut parts = Vec::new();
                for x in [a, b] {
                    match x {
                        ir::Expr::Or(xs) if is_or => parts.extend(xs),
                        ir::Expr::And(xs) if !is_or => parts.extend(xs),
                        x => parts.push(x),
                    }
                }
                Some(if is_or {
                    ir::Expr::Or(parts)
                } else {
                    ir::Expr::And(parts)
                })
            }
            ExprKind::Not(inner) => Some(ir::Expr::Not(Box::new(self.expr(inner, scope)?))),
            ExprKind::Operand(o) => match self.operand(o, scope)? {
                Resolved::Typed(Operand::Field(r), Ty::Bool, _) => Some(ir::Expr::Truthy(r)),
                Resolved::Typed(Operand::Const(Value::Bool(b)), _, _) => Some(ir::Expr::Const(b)),
                Resolved::Typed(_, ty, _) => {
                    self.err(
                        Diagnostic::new(Code::E0202, "a condition must be yes or no")
                            .primary(o.span, format!("this is {}", self.ty_name(ty)))
                            .help("compare it, e.g. `字段 = 值`, or test an optional field with `有值`"),
                    );
                    None
                }
                Resolved::BareName(name, span) => {
                    let d = self.unknown_field(&name, span, scope);
                    self.err(d);
                    None
                }
            },
            ExprKind::Present(p) => {
                let (r, ty, optional) = self.field_path(p, scope)?;
                if !optional {
                    self.err(
                        Diagnostic::new(Code::E0201, format!("`{}` always has a value", p.display()))
                            .primary(p.span, format!("{} that is not `可选` (optional)", self.ty_name(ty)))
                            .help("`有值` tests optional fields; declare the field `可选` or drop the test"),
                    );
                    return None;
                }
                Some(ir::Expr::Present(r))
            }
            ExprKind::Compare(op, l, r) => self.compare(*op, l, r, e.span, scope),
            ExprKind::InValues(l, values) => self.in_values(l, values, scope),
            ExprKind::InField(l, p) => {
                let (set_ref, set_ty, _) = self.field_path(p, scope)?;
                let Ty::Set(elem) = set_ty else {
                    self.err(
                        Diagnostic::new(Code::E0211, format!("`{}` is not a set", p.display()))
                            .primary(p.span, format!("this is {}", self.ty_name(set_ty)))
                            .help("`属于` takes a `{ … }` list of values or a `集合` field"),
                    );
                    return None;
                };
                let elem_ty = match elem {
                    Some(e) => Ty::Enum(e),
                    None => Ty::Level,
                };
                let operand = match self.operand(l, scope)? {
                    Resolved::BareName(n, s) => self.name_as(&n, s, set_ty, scope)?,
                    Resolved::Typed(o, ty, _) if ty == elem_ty => o,
                    Resolved::Typed(_, ty, _) => {
                        self.err(
                            Diagnostic::new(Code::E0211, "this value cannot be in that set")
                                .primary(l.span, format!("this is {}", self.ty_name(ty)))
                                .secondary(p.span, format!("this is {}", self.ty_name(set_ty)))
                                .help("compare values of the same kind"),
                        );
                        return None;
                    }
                };
                Some(ir::Expr::InField {
                    operand,
                    set: set_ref,
                })
            }
            ExprKind::Quantified { all, list, body } => {
                let (r, ty, _) = self.field_path(list, scope)?;
                let Ty::List(item) = ty else {
                    self.err(
                        Diagnostic::new(Code::E0213, format!("`{}` is not a list", list.display()))
                            .primary(list.span, format!("this is {}", self.ty_name(ty)))
                            .help("`任一` and `所有` range over `列表` fields"),
                    );
                    return None;
                };
                if scope.frames.len() >= MAX_FRAMES {
                    self.err(too_many(e.span, Limit::Scopes));
                    return None;
                }
                let mut inner = scope.clone();
                inner.frames.push(item);
                let body = Box::new(self.expr(body, &inner)?);
                Some(if *all {
                    ir::Expr::All { list: r, body }
                } else {
                    ir::Expr::Any { list: r, body }
                })
            }
        }
    }

    fn compare(
        &mut self,
        op: ast::CmpOp,
        l: &ast::Operand,
        r: &ast::Operand,
        span: Span,
        scope: &Scope,
    ) -> Option<ir::Expr> {
        let op = cmp_op(op);
        let (lr, rr) = (self.operand(l, scope), self.operand(r, scope));
        let (lr, rr) = (lr?, rr?);
        let ((lhs, lt), (rhs, rt)) = match (lr, rr) {
            (Resolved::Typed(a, at, _), Resolved::Typed(b, bt, _)) => ((a, at), (b, bt)),
            (Resolved::Typed(a, at, _), Resolved::BareName(n, s)) => {
                let b = self.name_as(&n, s, at, scope)?;
                ((a, at), (b, at))
            }
            (Resolved::BareName(n, s), Resolved::Typed(b, bt, _)) => {
                let a = self.name_as(&n, s, bt, scope)?;
                ((a, bt), (b, bt))
            }
            (Resolved::BareName(n, s), Resolved::BareName(..)) => {
                let d = self.unknown_field(&n, s, scope);
                self.err(d);
                return None;
            }
        };
        if !Self::compatible(lt, rt) {
            self.err(
                Diagnostic::new(Code::E0201, "these values cannot be compared")
                    .primary(l.span, format!("this is {}", self.ty_name(lt)))
                    .secondary(r.span, format!("this is {}", self.ty_name(rt)))
                    .help("compare a field with a value of its own type"),
            );
            return None;
        }
        let Some(cmp) = Self::compare_as(lt) else {
            self.err(
                Diagnostic::new(
                    Code::E0201,
                    format!(
                        "{} cannot be compared with `{}`",
                        self.ty_name(lt),
                        op.symbol()
                    ),
                )
                .primary(span, "not comparable")
                .help("use `属于` for sets and `任一`/`所有` for lists"),
            );
            return None;
        };
        let ordering = !matches!(op, ir::CmpOp::Eq | ir::CmpOp::Ne);
        if ordering {
            let unordered = match cmp {
                CompareAs::Enum(e) => (!self.out.enums[e].ordered)
                    .then(|| format!("enum `{}` is not ordered", self.out.enums[e].name)),
                CompareAs::Bool => Some("yes/no values have no order".to_string()),
                CompareAs::Text => Some("texts have no order".to_string()),
                _ => None,
            };
            if let Some(why) = unordered {
                let mut d = Diagnostic::new(
                    Code::E0207,
                    format!("`{}` needs ordered values; {why}", op.symbol()),
                )
                .primary(span, "ordering comparison");
                if let CompareAs::Enum(e) = cmp {
                    d = d
                        .secondary(self.out.enum_spans[e], "declared here without an order")
                        .help("declare the enum `有序` with `>` between its values, or use `=`, `!=` or `属于`");
                } else {
                    d = d.help("use `=` or `!=`");
                }
                self.err(d);
                return None;
            }
        }
        // An integer against a decimal literal compares with the literal as written.
        // The double the literal was read as decides exactly too when no integer lies
        // between the two (`2.5`); the comparison then keeps the literal for display.
        let literal = |o: &ast::Operand, t: Ty, other: Ty| match o.kind {
            OperandKind::Decimal(f) if t == Ty::Decimal && other == Ty::Integer => {
                DecimalText::parse(self.literal_text(o.span)).filter(|d| !d.agrees_with(f))
            }
            _ => None,
        };
        if let Some(d) = literal(r, rt, lt) {
            return Some(d.against_integer(op, lhs));
        }
        if let Some(d) = literal(l, lt, rt) {
            return Some(d.against_integer(op.flipped(), rhs));
        }
        Some(ir::Expr::Compare { op, lhs, rhs, cmp })
    }

    /// The source text of a literal.
    fn literal_text(&self, span: Span) -> &'p str {
        self.prog
            .sources
            .get(span.file)
            .text
            .get(span.start..span.end)
            .unwrap_or("")
    }

    fn in_values(
        &mut self,
        l: &ast::Operand,
        values: &[ast::Operand],
        scope: &Scope,
    ) -> Option<ir::Expr> {
        let (operand, ty) = match self.operand(l, scope)? {
            Resolved::Typed(o, t, _) => (o, t),
            Resolved::BareName(n, s) => {
                let d = self.unknown_field(&n, s, scope);
                self.err(d);
                return None;
            }
        };
        match ty {
            Ty::Enum(_) | Ty::Level => {
                let mut mask = 0u64;
                let mut ok = true;
                for v in values {
                    let c = match self.operand(v, scope) {
                        Some(Resolved::BareName(n, s)) => self.name_as(&n, s, ty, scope),
                        Some(Resolved::Typed(c @ Operand::Const(_), t, _)) if t == ty => Some(c),
                        Some(Resolved::Typed(_, t, _)) => {
                            self.err(
                                Diagnostic::new(Code::E0211, "this value cannot be in the set")
                                    .primary(v.span, format!("this is {}", self.ty_name(t)))
                                    .help(format!("the set must hold {}", self.ty_name(ty))),
                            );
                            None
                        }
                        None => None,
                    };
                    // A value past bit 63 belongs to an enum (or levels) over MAX_VARIANTS,
                    // already reported (E0209) where it is declared.
                    match c.and_then(|c| match c {
                        Operand::Const(Value::Enum(i)) => 1u64.checked_shl(u32::from(i)),
                        _ => None,
                    }) {
                        Some(bit) => mask |= bit,
                        None => ok = false,
                    }
                }
                ok.then_some(ir::Expr::InMask { operand, mask })
            }
            Ty::Text | Ty::Integer | Ty::Decimal | Ty::Percent | Ty::Date => {
                let mut consts = Vec::new();
                for v in values {
                    match self.operand(v, scope) {
                        // An integer equals a decimal literal only if the literal as written
                        // is that integer.
                        Some(Resolved::Typed(Operand::Const(_), Ty::Decimal, _))
                            if ty == Ty::Integer && matches!(v.kind, OperandKind::Decimal(_)) =>
                        {
                            let d = DecimalText::parse(self.literal_text(v.span));
                            if let Some(i) = d.and_then(DecimalText::as_integer) {
                                consts.push(Value::Int(i));
                            }
                        }
                        Some(Resolved::Typed(Operand::Const(c), t, _))
                            if Self::compatible(t, ty) =>
                        {
                            consts.push(c)
                        }
                        Some(Resolved::Typed(_, t, _)) => {
                            self.err(
                                Diagnostic::new(Code::E0211, "this value cannot be in the set")
                                    .primary(v.span, format!("this is {}", self.ty_name(t)))
                                    .help(format!(
                                        "the set must hold literal values of {}",
                                        self.ty_name(ty)
                                    )),
                            );
                            return None;
                        }
                        Some(Resolved::BareName(n, s)) => {
                            self.err(
                                Diagnostic::new(
                                    Code::E0211,
                                    format!("`{n}` is a name, but the set holds literal values"),
                                )
                                .primary(s, "not a literal")
                                .help(format!(
                                    "write values of {}, e.g. quoted texts",
                                    self.ty_name(ty)
                                )),
                            );
                            return None;
                        }
                        None => return None,
                    }
                }
                Some(ir::Expr::InValues {
                    operand,
                    values: consts,
                })
            }
            other => {
                self.err(
                    Diagnostic::new(
                        Code::E0211,
                        format!("{} cannot be tested with `属于`", self.ty_name(other)),
                    )
                    .primary(l.span, "not a single value")
                    .help("`属于` tests an enum value, level, text or number"),
                );
                None
            }
        }
    }

    // ------------------------------------------------------------------ measures and exemptions

    fn measures(&mut self) {
        let decls: Vec<&ast::MeasureDecl> = self
            .decls()
            .filter_map(|d| match d {
                Decl::Measure(m) => Some(m),
                _ => None,
            })
            .collect();
        for m in decls {
            if let Some(t) = self.measure(m) {
                self.out.measures.push(t);
            } else {
                // Keep indexes aligned with `measure_index` even for a broken measure.
                self.out.measures.push(TypedMeasure {
                    info: MeasureInfo {
                        name: m.name.text.clone(),
                        kind: MeasureKind::Advisory,
                        levels: 0,
                        entity: 0,
                        item: None,
                        condition: None,
                        texts: Vec::new(),
                        actions: Vec::new(),
                        exceptions: Vec::new(),
                        cite: None,
                        non_exemptible: false,
                        lifted_by: Vec::new(),
                    },
                    name_span: m.name.span,
                    levels_span: m.levels.span,
                    subject_span: m.span,
                    condition_span: None,
                    exception_spans: Vec::new(),
                    has_cite: !m.cites.is_empty(),
                    non_exemptible_span: m.non_exemptible,
                    replaces: Vec::new(),
                    span: m.span,
                });
            }
        }
        self.replacements();
    }

    /// E0219: measures that replace each other in a cycle (`甲 替代 乙`, `乙 替代 甲`, or
    /// longer). Each would take the other out of force, so neither would bind anyone.
    /// One diagnostic per cycle (strongly connected component), found in time linear in the
    /// measures and replacements, without recursion. Replacing oneself is E0313.
    fn replacement_cycles(&mut self) {
        let edges: Vec<Vec<(usize, Span)>> = self
            .out
            .measures
            .iter()
            .enumerate()
            .map(|(i, m)| {
                m.replaces
                    .iter()
                    .copied()
                    .filter(|(o, _)| *o != i)
                    .collect()
            })
            .collect();
        for component in strongly_connected(&edges) {
            let cycle = cycle_in(&edges, &component);
            if cycle.is_empty() {
                continue;
            }
            let names: Vec<&str> = cycle
                .iter()
                .map(|(m, _)| self.out.measures[*m].info.name.as_str())
                .collect();
            let mut path = names.join(" → ");
            path.push_str(" → ");
            path.push_str(names[0]);
            let mut d = Diagnostic::new(
                Code::E0219,
                format!("measures replace each other in a cycle: {path}"),
            )
            .primary(
                cycle[0].1,
                format!("`{}` replaces `{}` here", names[0], names[1 % names.len()]),
            );
            for (k, (_, span)) in cycle.iter().enumerate().skip(1).take(16) {
                d = d.secondary(
                    *span,
                    format!("`{}` replaces `{}`", names[k], names[(k + 1) % names.len()]),
                );
            }
            if cycle.len() > 17 {
                d = d.note(format!(
                    "{} more replacements close the cycle",
                    cycle.len() - 17
                ));
            }
            if component.len() > cycle.len() {
                d = d.note(format!(
                    "{} measures replace one another through cycles like this one",
                    component.len()
                ));
            }
            self.err(d.help(
                "a replacement takes over from the measure it names at its own levels; in a cycle each takes the other out of force and no record is bound. Remove the `替代` of the measure that does not take over",
            ));
        }
    }

    /// From the levels where a measure is in force, the measures it replaces (`替代`) are not.
    fn replacements(&mut self) {
        self.replacement_cycles();
        let pairs: Vec<(usize, u64, usize)> = self
            .out
            .measures
            .iter()
            .enumerate()
            .flat_map(|(r, m)| {
                m.replaces
                    .iter()
                    .map(move |(old, _)| (r, m.info.levels, *old))
            })
            .collect();
        for (r, levels, old) in pairs {
            if r != old {
                if let Some(m) = self.out.measures.get_mut(old) {
                    m.info.levels &= !levels;
                }
            }
        }
    }

    fn measure(&mut self, m: &'p ast::MeasureDecl) -> Option<TypedMeasure> {
        let mask = self.level_mask(&m.levels);
        let subject = self.subject(&m.subjects, &m.name, true);
        let n = self.out.levels.len();
        let mut texts: Vec<Option<String>> = vec![None; n];
        let mut actions: Vec<Option<ActionPlan>> = vec![None; n];
        let (Some(mask), Some((entity, item, subj))) = (mask, subject) else {
            return None;
        };
        let mut scope = Scope {
            frames: vec![entity],
        };
        if let Some(item) = item {
            scope.frames.push(item.entity);
        }
        let mut ok = true;
        let condition = match &subj.condition {
            Some(c) => {
                let typed = self.expr(c, &scope);
                ok &= typed.is_some();
                typed
            }
            None => None,
        };
        for t in &m.texts {
            let Some(range) = self.sub_range(t.levels.as_ref(), mask, t.span, &m.levels) else {
                ok = false;
                continue;
            };
            for (l, text) in texts.iter_mut().enumerate() {
                if range & (1 << l) != 0 {
                    *text = Some(t.text.value.clone());
                }
            }
        }
        for r in &m.requires {
            let Some(range) = self.sub_range(r.levels.as_ref(), mask, r.span, &m.levels) else {
                ok = false;
                continue;
            };
            let Some(plan) = self.action(&r.action, Some(&scope)) else {
                ok = false;
                continue;
            };
            for (l, slot) in actions.iter_mut().enumerate() {
                if range & (1 << l) == 0 {
                    continue;
                }
                *slot = Some(match slot.take() {
                    None => plan.clone(),
                    Some(mut prev) => {
                        prev.fixed = prev.fixed.combine(plan.fixed);
                        prev.lookups.extend(plan.lookups.iter().cloned());
                        prev
                    }
                });
            }
        }
        let mut exceptions = Vec::new();
        let mut exception_spans = Vec::new();
        for x in &m.exceptions {
            match self.expr(&x.condition, &scope) {
                Some(condition) => {
                    exceptions.push(ir::ExceptionInfo {
                        condition,
                        cite: x.cite.as_ref().map(|c| c.value.clone()),
                    });
                    exception_spans.push(x.span);
                }
                None => ok = false,
            }
        }
        let mut replaces = Vec::new();
        for r in &m.replaces {
            match self.measure_index.get(r.text.as_str()) {
                Some(i) => replaces.push((*i, r.span)),
                None => {
                    let d = match self.prog.lookup(&r.text) {
                        Some(s) => self.wrong_kind(r, s.kind, "a measure"),
                        None => self.unknown_name(
                            &r.text,
                            r.span,
                            "measure",
                            &self.names_of(SymbolKind::Measure),
                        ),
                    };
                    self.err(d);
                    ok = false;
                }
            }
        }
        let cite = (!m.cites.is_empty()).then(|| {
            m.cites
                .iter()
                .map(|c| c.value.as_str())
                .collect::<Vec<_>>()
                .join("；")
        });
        ok.then(|| TypedMeasure {
            info: MeasureInfo {
                name: m.name.text.clone(),
                kind: measure_kind(m.kind),
                levels: mask,
                entity,
                item,
                condition,
                texts,
                actions,
                exceptions,
                cite,
                non_exemptible: m.non_exemptible.is_some(),
                lifted_by: Vec::new(),
            },
            name_span: m.name.span,
            levels_span: m.levels.span,
            subject_span: subj.span,
            condition_span: subj.condition.as_ref().map(|c| c.span),
            exception_spans,
            has_cite: !m.cites.is_empty(),
            non_exemptible_span: m.non_exemptible,
            replaces,
            span: m.span,
        })
    }

    /// The levels a `内容`/`要求` line covers: its own range, which must lie inside the measure's.
    fn sub_range(
        &mut self,
        r: Option<&ast::LevelRange>,
        measure_mask: u64,
        span: Span,
        measure_range: &ast::LevelRange,
    ) -> Option<u64> {
        let Some(r) = r else {
            return Some(measure_mask);
        };
        let mask = self.level_mask(r)?;
        if mask & !measure_mask != 0 {
            self.err(
                Diagnostic::new(
                    Code::E0212,
                    "this line covers levels at which the measure is not in force",
                )
                .primary(r.span, "outside the measure's levels")
                .secondary(measure_range.span, "the measure's levels")
                .help("widen the measure's level range or narrow this line's"),
            );
            let _ = span;
            return None;
        }
        Some(mask)
    }

    fn exemptions(&mut self) {
        let decls: Vec<&ast::ExemptionDecl> = self
            .decls()
            .filter_map(|d| match d {
                Decl::Exemption(e) => Some(e),
                _ => None,
            })
            .collect();
        for x in decls {
            let subject = self.subject(&x.subjects, &x.name, false);
            let mut lifts = Vec::new();
            let mut lift_spans = Vec::new();
            for l in &x.lifts {
                match self.measure_index.get(l.text.as_str()) {
                    Some(i) => {
                        lifts.push(*i);
                        lift_spans.push(l.span);
                    }
                    None => {
                        let d = match self.prog.lookup(&l.text) {
                            Some(s) => self.wrong_kind(l, s.kind, "a measure"),
                            None => self.unknown_name(
                                &l.text,
                                l.span,
                                "measure",
                                &self.names_of(SymbolKind::Measure),
                            ),
                        };
                        self.err(d);
                    }
                }
            }
            let Some((entity, _, subj)) = subject else {
                continue;
            };
            let scope = Scope {
                frames: vec![entity],
            };
            let condition = match &subj.condition {
                Some(c) => match self.expr(c, &scope) {
                    Some(e) => Some(e),
                    None => continue,
                },
                None => None,
            };
            self.out.exemptions.push(TypedExemption {
                info: ExemptionInfo {
                    name: x.name.text.clone(),
                    entity,
                    condition,
                    lifts,
                    cite: (!x.cites.is_empty()).then(|| {
                        x.cites
                            .iter()
                            .map(|c| c.value.as_str())
                            .collect::<Vec<_>>()
                            .join("；")
                    }),
                },
                name_span: x.name.span,
                subject_span: subj.span,
                condition_span: subj.condition.as_ref().map(|c| c.span),
                lift_spans,
                span: x.span,
            });
        }
    }
}

/// The strongly connected components with more than one node of the graph `edges[node] =
/// [(successor, _)]` (Tarjan's algorithm with an explicit stack), each sorted, in the order
/// of their smallest node.
fn strongly_connected<T>(edges: &[Vec<(usize, T)>]) -> Vec<Vec<usize>> {
    const NONE: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![NONE; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut next = 0usize;
    let mut out = Vec::new();
    // (node, position of the next edge to follow)
    let mut work: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        work.push((root, 0));
        while let Some(&mut (v, ref mut e)) = work.last_mut() {
            if *e == 0 && index[v] == NONE {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&(w, _)) = edges[v].get(*e) {
                *e += 1;
                if w >= n {
                    continue;
                }
                if index[w] == NONE {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort_unstable();
                    out.push(component);
                }
            }
        }
    }
    out.sort_by_key(|c| c[0]);
    out
}

/// One cycle through the smallest node of a strongly connected `component`: each node with
/// the payload of the edge that leaves it along the cycle. A breadth-first search inside the
/// component, so the cycle is a shortest one through that node.
fn cycle_in<T: Copy>(edges: &[Vec<(usize, T)>], component: &[usize]) -> Vec<(usize, T)> {
    let start = component[0];
    let inside = |v: usize| component.binary_search(&v).is_ok();
    // For each reached node: the node it was reached from and the edge's payload.
    let mut came: HashMap<usize, (usize, T)> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut last = None;
    'search: while let Some(v) = queue.pop_front() {
        for &(w, payload) in &edges[v] {
            if !inside(w) {
                continue;
            }
            if w == start {
                last = Some((v, payload));
                break 'search;
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = came.entry(w) {
                slot.insert((v, payload));
                queue.push_back(w);
            }
        }
    }
    // Walk back from the node whose edge closes the cycle at `start`.
    let Some((mut v, mut payload)) = last else {
        return Vec::new();
    };
    let mut cycle = Vec::new();
    loop {
        cycle.push((v, payload));
        if v == start {
            break;
        }
        (v, payload) = came[&v];
    }
    cycle.reverse();
    cycle
}

/// A limit of `limits` the type checker checks where the construct is declared: each has
/// its own code, and the help line names the limit.
#[derive(Debug, Clone, Copy)]
enum Limit {
    Levels,
    EnumValues,
    Restrictions,
    Scopes,
}

fn too_many(span: Span, limit: Limit) -> Diagnostic {
    let (code, what, help) = match limit {
        Limit::EnumValues => (
            Code::E0209,
            "values in one enum",
            format!("an enum has at most {MAX_VARIANTS} values (limit MAX_VARIANTS: a set of them is one 64-bit mask); split it, or use a 文本 field"),
        ),
        Limit::Levels => (
            Code::E0220,
            "alert levels",
            format!("a policy has at most {MAX_VARIANTS} alert levels (limit MAX_VARIANTS: a level set is one 64-bit mask)"),
        ),
        Limit::Restrictions => (
            Code::E0221,
            "restrictions",
            format!("a policy has at most {MAX_RESTRICTIONS} restrictions (limit MAX_RESTRICTIONS: an action holds them as one 64-bit mask)"),
        ),
        Limit::Scopes => (
            Code::E0222,
            "nested `任一`/`所有`",
            format!("a condition opens at most {MAX_FRAMES} nested scopes, the subject and its item included (limit MAX_FRAMES); write the inner quantifier as a condition of its own measure"),
        ),
    };
    Diagnostic::new(code, format!("too many {what}"))
        .primary(span, "over the limit")
        .help(help)
}

/// The rule set's comparison for the one written.
fn cmp_op(op: ast::CmpOp) -> ir::CmpOp {
    match op {
        ast::CmpOp::Eq => ir::CmpOp::Eq,
        ast::CmpOp::Ne => ir::CmpOp::Ne,
        ast::CmpOp::Lt => ir::CmpOp::Lt,
        ast::CmpOp::Le => ir::CmpOp::Le,
        ast::CmpOp::Gt => ir::CmpOp::Gt,
        ast::CmpOp::Ge => ir::CmpOp::Ge,
    }
}

fn measure_kind(kind: ast::MeasureKind) -> MeasureKind {
    match kind {
        ast::MeasureKind::Advisory => MeasureKind::Advisory,
        ast::MeasureKind::Mandatory => MeasureKind::Mandatory,
    }
}

/// A decimal literal as written (`12.50`): its integral part and whether it has a fraction,
/// so that comparing it with an integer is exact however many digits it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DecimalText {
    /// The integral part, saturated at `i128::MAX` (beyond every `i64` either way).
    floor: i128,
    fraction: bool,
}

impl DecimalText {
    fn parse(text: &str) -> Option<DecimalText> {
        let (whole, frac) = text.trim().split_once('.')?;
        if whole.is_empty()
            || !whole
                .bytes()
                .chain(frac.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let floor = whole.bytes().fold(0i128, |n, b| {
            n.saturating_mul(10).saturating_add(i128::from(b - b'0'))
        });
        Some(DecimalText {
            floor,
            fraction: frac.bytes().any(|b| b != b'0'),
        })
    }

    /// Whether the double `f` compares with every integer as the literal does: the same
    /// integral part (or both above every i64) and a fraction exactly when the literal has one.
    fn agrees_with(self, f: f64) -> bool {
        const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
        if self.floor > i64::MAX as i128 {
            return f >= TWO_POW_63;
        }
        f < TWO_POW_63 && f.floor() as i128 == self.floor && (f.fract() != 0.0) == self.fraction
    }

    /// The literal as an integer, when it is one (`3.0`) within i64.
    fn as_integer(self) -> Option<i64> {
        (!self.fraction)
            .then(|| i64::try_from(self.floor).ok())
            .flatten()
    }

    /// `x op literal` for an integer operand `x`, exactly, as a comparison of integers. A
    /// comparison that holds for every value (or none) compares with `i64::MIN`, so that it
    /// is still false on a missing value.
    fn against_integer(self, op: ir::CmpOp, x: Operand) -> ir::Expr {
        use ir::CmpOp::*;
        let cmp = |op, n: i64| ir::Expr::Compare {
            op,
            lhs: x.clone(),
            rhs: Operand::Const(Value::Int(n)),
            cmp: CompareAs::Number,
        };
        let (every, none) = (cmp(Ge, i64::MIN), cmp(Lt, i64::MIN));
        let Ok(n) = i64::try_from(self.floor) else {
            // Above every integer.
            return match op {
                Lt | Le | Ne => every,
                Gt | Ge | Eq => none,
            };
        };
        if !self.fraction {
            return cmp(op, n);
        }
        // n < literal < n + 1
        match op {
            Eq => none,
            Ne => every,
            Lt | Le => cmp(Le, n),
            Gt | Ge => cmp(Gt, n),
        }
    }
}

#[cfg(test)]
mod decimal_literal_tests {
    use super::*;

    fn d(text: &str) -> DecimalText {
        DecimalText::parse(text).unwrap()
    }

    #[test]
    fn decimal_literals_are_read_as_written() {
        assert_eq!(
            d("12.50"),
            DecimalText {
                floor: 12,
                fraction: true
            }
        );
        assert_eq!(
            d("3.000"),
            DecimalText {
                floor: 3,
                fraction: false
            }
        );
        assert_eq!(d("3.000").as_integer(), Some(3));
        assert_eq!(d("2.5").as_integer(), None);
        assert_eq!(d(&format!("{}9.0", "9".repeat(60))).floor, i128::MAX);
        assert_eq!(DecimalText::parse("12"), None);
        assert_eq!(DecimalText::parse("1e3.0"), None);
        // 9007199254740993.0 reads as the double 2^53: it disagrees; 2.5 agrees.
        assert!(!d("9007199254740993.0").agrees_with(9007199254740993.0));
        assert!(d("2.5").agrees_with(2.5));
        assert!(d("0.1").agrees_with(0.1));
        assert!(!d("9223372036854775807.5").agrees_with(9223372036854775807.5));
    }

    #[test]
    fn comparisons_with_an_integer_become_integer_comparisons() {
        use ir::CmpOp::*;
        let x = Operand::Field(FieldRef { frame: 0, field: 0 });
        let int = |op, n| ir::Expr::Compare {
            op,
            lhs: x.clone(),
            rhs: Operand::Const(Value::Int(n)),
            cmp: CompareAs::Number,
        };
        let (every, none) = (int(Ge, i64::MIN), int(Lt, i64::MIN));
        assert_eq!(d("7.0").against_integer(Gt, x.clone()), int(Gt, 7));
        assert_eq!(d("2.5").against_integer(Lt, x.clone()), int(Le, 2));
        assert_eq!(d("2.5").against_integer(Ge, x.clone()), int(Gt, 2));
        assert_eq!(d("2.5").against_integer(Eq, x.clone()), none);
        assert_eq!(d("2.5").against_integer(Ne, x.clone()), every);
        let huge = d("9223372036854775808.0");
        assert_eq!(huge.against_integer(Lt, x.clone()), every);
        assert_eq!(huge.against_integer(Ge, x.clone()), none);
        assert_eq!(huge.against_integer(Eq, x), none);
    }
}

#[cfg(test)]
mod tests {
    use crate::compile::compile_source;
    use crate::diagnostics::Code;
    use crate::ir::{CompareAs, Expr};

    const SCHEMA: &str = "预警级别 { 黄色 (yellow) < 橙色 < 红色 }
枚举 等级 有序 { A > B > C }
实体 厂 键 名 { 名: 文本  等级: 等级  数: 整数  清单: 集合 级别 }
";

    #[test]
    fn conditions_are_typed_and_flattened() {
        let c = compile_source("t.policy", &format!("{SCHEMA}措施 m 倡议性 自 橙色 {{ 对象 厂 当 等级 >= B 且 数 > 3 且 级别 属于 清单 依据 \"1\" }}"));
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        let rules = c.rules.unwrap();
        let m = &rules.measures[0];
        assert_eq!(m.levels, 0b110);
        let Some(Expr::And(parts)) = &m.condition else {
            panic!("{:?}", m.condition)
        };
        assert_eq!(parts.len(), 3);
        assert!(matches!(
            parts[0],
            Expr::Compare {
                cmp: CompareAs::Enum(0),
                ..
            }
        ));
        assert_eq!(
            rules.enums[0].rank,
            [2, 1, 0],
            "declared best first with `>`"
        );
    }

    #[test]
    fn every_error_is_collected() {
        let c = compile_source(
            "t.policy",
            &format!("{SCHEMA}措施 m 倡议性 黄色 {{ 对象 厂 当 规模 > 1 }}\n措施 n 倡议性 紫色 {{ 对象 厂 }}\n措施 o 倡议性 黄色 {{ 对象 厂 当 名 > 1 }}"),
        );
        let codes: Vec<_> = c.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::E0101, Code::E0106, Code::E0201]);
        assert!(c.rules.is_none());
    }

    #[test]
    fn bare_names_take_their_meaning_from_the_other_side() {
        let c = compile_source("t.policy", &format!("{SCHEMA}措施 m 倡议性 黄色 {{ 对象 厂 当 等级 = 等级.A 或 等级 属于 {{ B, C }} 或 yellow 属于 清单 依据 \"1\" }}"));
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    }

    const ALIASED: &str = "预警级别 { 黄色 < 橙色 < 红色 }
枚举 等级 有序 { A (A级) > B (B级, 乙) > C (C级) }
枚举 动力 { 燃油 (柴油, 汽油), 纯电动 (电动) }
实体 厂 键 名 { 名: 文本 显示  区: 可选 文本 别名 \"所属区\" 显示  等级: 等级  动力: 动力 }
";

    #[test]
    fn aliases_and_display_reach_the_rule_set() {
        let c = compile_source(
            "t.policy",
            &format!(
                "{ALIASED}措施 m 倡议性 黄色 {{ 对象 厂 当 等级 >= B 且 动力 = 燃油 依据 \"1\" }}"
            ),
        );
        assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
        let rules = c.rules.unwrap();
        let grades = &rules.enums[rules.enums.iter().position(|e| e.name == "等级").unwrap()];
        assert_eq!(
            grades.aliases,
            [vec!["A级"], vec!["B级", "乙"], vec!["C级"]]
        );
        assert_eq!(grades.variant_index("乙"), Some(1));
        let power = &rules.enums[rules.enums.iter().position(|e| e.name == "动力").unwrap()];
        assert_eq!(power.variant_index("汽油"), Some(0));
        let shown: Vec<bool> = rules.entities[0].fields.iter().map(|f| f.display).collect();
        assert_eq!(shown, [true, true, false, false]);
    }

    #[test]
    fn an_alias_naming_two_values_is_an_error() {
        for (enum_decl, message) in [
            (
                "枚举 动力 { 燃油 (柴油, 汽油), 燃气 (汽油) }",
                "also a spelling of `燃油`",
            ),
            (
                "枚举 动力 { 燃油 (燃气), 燃气 }",
                "also a spelling of `燃气`",
            ),
            (
                "枚举 动力 { 燃油, 燃气 (燃油) }",
                "also a spelling of `燃油`",
            ),
            (
                "枚举 动力 { 燃油 (柴油, 柴油), 燃气 }",
                "written twice for `燃油`",
            ),
            (
                "枚举 动力 { 燃油 (燃油), 燃气 }",
                "written twice for `燃油`",
            ),
            (
                "枚举 等级 有序 { A (甲) > B (甲) }",
                "also a spelling of `A`",
            ),
        ] {
            let c = compile_source("t.policy", enum_decl);
            let codes: Vec<_> = c.diagnostics.iter().map(|d| d.code).collect();
            assert_eq!(codes, [Code::E0216], "{enum_decl}");
            assert!(
                c.diagnostics[0].message.contains(message),
                "{}",
                c.diagnostics[0].message
            );
        }
        // The same alias in two different enums is fine: each enum reads its own column.
        let c = compile_source("t.policy", "枚举 甲 { a (x) }\n枚举 乙 { b (x) }");
        assert!(
            c.diagnostics.iter().all(|d| d.code != Code::E0216),
            "{:?}",
            c.diagnostics
        );
    }

    #[test]
    fn policy_text_names_values_by_their_canonical_name() {
        for cond in [
            "动力 = 柴油",
            "动力 属于 { 电动 }",
            "等级 >= B级",
            "动力 = 动力.汽油",
        ] {
            let c = compile_source(
                "t.policy",
                &format!("{ALIASED}措施 m 倡议性 黄色 {{ 对象 厂 当 {cond} 依据 \"1\" }}"),
            );
            let codes: Vec<_> = c.diagnostics.iter().map(|d| d.code).collect();
            assert_eq!(codes, [Code::E0106], "{cond}");
            let help = c.diagnostics[0].help.as_deref().unwrap_or_default();
            assert!(help.contains("is an alias of"), "{cond}: {help}");
        }
    }
}

#[cfg(test)]
mod table_and_replacement_tests {
    use super::{cycle_in, strongly_connected};
    use crate::compile::compile_source;
    use crate::diagnostics::Code;
    use crate::limits::{MAX_TABLE_CELLS, MAX_TABLE_DIMS};

    fn codes(text: &str) -> Vec<Code> {
        compile_source("t.policy", text)
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect()
    }

    /// A table over `n` copies of an enum of `size` values (and the two levels).
    fn table_policy(n: usize, size: usize) -> String {
        let values: Vec<String> = (0..size).map(|i| format!("v{i}")).collect();
        let fields: String = (0..n).map(|i| format!("  f{i}: E")).collect();
        let dims = vec!["E"; n].join(", ");
        let keys: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
        format!(
            "预警级别 {{ 黄色 < 橙色 }}
枚举 E {{ {} }}
实体 厂 键 名 {{ 名: 文本 {fields} }}
表 T ({dims}, 级别) {{ 默认 停产 }}
措施 m 强制性 自 黄色 {{ 对象 厂 要求 T[{}, 级别] 依据 \"1\" }}",
            values.join(", "),
            keys.join(", ")
        )
    }

    #[test]
    fn tables_at_the_limits_pass_and_past_them_fail() {
        assert_eq!(codes(&table_policy(MAX_TABLE_DIMS - 1, 2)), [] as [&str; 0]);
        assert_eq!(codes(&table_policy(MAX_TABLE_DIMS, 2)), [Code::E0217]);
        // Enums stop at 64 values: 2 levels × 64^2 = 2^13 cells pass, 2 × 64^3 = 2^19 do not.
        const { assert!(2 * 64 * 64 <= MAX_TABLE_CELLS) };
        assert_eq!(codes(&table_policy(2, 64)), [] as [&str; 0]);
        const { assert!(2 * 64 * 64 * 64 > MAX_TABLE_CELLS) };
        assert_eq!(codes(&table_policy(3, 64)), [Code::E0218]);
    }

    #[test]
    fn a_product_that_overflows_is_refused_without_building_it() {
        let c = compile_source("t.policy", &table_policy(7, 64));
        let d: Vec<_> = c
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::E0218)
            .collect();
        assert_eq!(d.len(), 1, "{:?}", c.diagnostics);
        assert!(d[0].message.contains("8796093022208"), "{}", d[0].message);
        assert!(c.rules.is_none());
    }

    #[test]
    fn cycles_of_any_length_are_found_once_each() {
        let e = |v: &[&[usize]]| -> Vec<Vec<(usize, ())>> {
            v.iter()
                .map(|s| s.iter().map(|&w| (w, ())).collect())
                .collect()
        };
        // 0 → 1 → 0, 2 → 3 → 4 → 2, 5 → 0 (into a cycle but not on one), 6 alone.
        let g = e(&[&[1], &[0], &[3], &[4], &[2], &[0], &[]]);
        assert_eq!(strongly_connected(&g), [vec![0, 1], vec![2, 3, 4]]);
        let cycle: Vec<usize> = cycle_in(&g, &[2, 3, 4]).iter().map(|c| c.0).collect();
        assert_eq!(cycle, [2, 3, 4]);
        assert!(strongly_connected(&e(&[&[1], &[2], &[]])).is_empty());
        // A chain of 100,000 replacements closed into one cycle: no recursion, one component.
        let n = 100_000;
        let long: Vec<Vec<(usize, ())>> = (0..n).map(|i| vec![((i + 1) % n, ())]).collect();
        let found = strongly_connected(&long);
        assert_eq!(found.len(), 1);
        assert_eq!(cycle_in(&long, &found[0]).len(), n);
    }

    #[test]
    fn a_replacement_cycle_is_an_error_and_a_chain_is_not() {
        let schema = "预警级别 { 黄色 < 橙色 < 红色 }\n实体 厂 键 名 { 名: 文本 }\n";
        let two = format!(
            "{schema}措施 a 强制性 自 黄色 {{ 对象 厂 要求 停产 替代 b 依据 \"1\" }}
措施 b 强制性 自 黄色 {{ 对象 厂 要求 停产 替代 a 依据 \"1\" }}"
        );
        assert_eq!(codes(&two), [Code::E0219]);
        let chain = format!(
            "{schema}措施 a 强制性 黄色 {{ 对象 厂 要求 限产 10% 依据 \"1\" }}
措施 b 强制性 自 橙色 {{ 对象 厂 要求 限产 20% 替代 a 依据 \"1\" }}
措施 c 强制性 红色 {{ 对象 厂 要求 停产 替代 b 依据 \"1\" }}"
        );
        assert_eq!(codes(&chain), [] as [&str; 0]);
    }
}
