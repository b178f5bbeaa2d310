//! The schema: the plan header, the alert levels, enums, entities and their fields,
//! restrictions, and the indexes later parts refer to them by.

use std::collections::HashMap;

use super::{too_many, Cx, Limit};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{EntityInfo, EnumInfo, FieldInfo, FieldType, LevelInfo, PlanInfo, RestrictionInfo};
use crate::limits::{MAX_RESTRICTIONS, MAX_VARIANTS};
use crate::semantics::resolve::SymbolKind;
use crate::semantics::typed::Import;
use crate::source::Span;
use crate::syntax::ast::{self, Decl, TypeKind};

impl<'p> Cx<'p> {
    pub(super) fn plan(&mut self) {
        let Some(entry) = self.prog.entry() else {
            return;
        };
        self.out.entry = Some(entry.file);
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
                Decl::Rule(r) => r.span.start,
                Decl::Public(d) => d.span.start,
                Decl::Model(d) => d.span.start,
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

    pub(super) fn levels(&mut self) {
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
        self.out.levels_span = Some(decl.span);
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
    pub(super) fn declare_schema(&mut self) {
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

    pub(super) fn enum_info(&mut self, e: &ast::EnumDecl) -> EnumInfo {
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

    pub(super) fn enum_by_name(&mut self, name: &ast::Name) -> Option<usize> {
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

    /// `范围 低 至 高` on an integer field: both ends fit an integer and are in order.
    fn field_range(&mut self, f: &ast::FieldDecl, ty: FieldType) -> Option<(i64, i64)> {
        let (low, high, span) = f.range.as_ref()?;
        let fail = |cx: &mut Self, why: String, help: &str| {
            cx.err(
                Diagnostic::new(
                    Code::E0201,
                    format!("invalid range of field `{}`", f.name.text),
                )
                .primary(*span, why)
                .help(help.to_string()),
            );
            None
        };
        if ty != FieldType::Integer {
            return fail(
                self,
                "a range on a field that is not `整数` (integer)".into(),
                "a range bounds whole numbers: declare the field `整数 范围 0 至 9`, or drop `范围`",
            );
        }
        let (Ok(lo), Ok(hi)) = (low.parse::<i64>(), high.parse::<i64>()) else {
            return fail(
                self,
                "a bound beyond the integers data can hold".into(),
                "bounds lie between −9223372036854775808 and 9223372036854775807",
            );
        };
        if lo > hi {
            return fail(
                self,
                format!("{lo} is greater than {hi}"),
                "write the lower end first: `范围 0 至 9`",
            );
        }
        Some((lo, hi))
    }

    pub(super) fn entity_by_name(&mut self, name: &ast::Name) -> Option<usize> {
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

    pub(super) fn entities(&mut self) {
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
                    TypeKind::Action { per_level } => FieldType::Action {
                        per_level: *per_level,
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
                let range = self.field_range(f, ty);
                fields.push(FieldInfo {
                    name: f.name.text.clone(),
                    aliases: f.aliases.iter().map(|a| a.value.clone()).collect(),
                    ty,
                    optional,
                    display: f.display,
                    range,
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

    /// Every file's imports, with the loaded file each names.
    pub(super) fn imports(&mut self) {
        let sources = &self.prog.sources;
        for m in &self.prog.modules {
            for d in &m.decls {
                let Decl::Import(imp) = d else { continue };
                let target = sources
                    .get(m.file)
                    .path
                    .parent()
                    .and_then(|dir| dir.join(&imp.path.value).canonicalize().ok())
                    .and_then(|canonical| sources.find_path(&canonical));
                self.out.imports.push(Import {
                    from: m.file,
                    path: imp.path.value.clone(),
                    target,
                    span: imp.span,
                });
            }
        }
    }
}
