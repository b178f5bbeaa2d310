//! Disclosures (`公开`): subject, condition, withholding conditions, the published fields.

use super::{Cx, Scope};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::FieldType;
use crate::semantics::typed::{Disclosure, Exception};
use crate::syntax::ast::{self, Decl};

impl<'p> Cx<'p> {
    pub(super) fn disclosures(&mut self) {
        let decls: Vec<&'p ast::PublicDecl> = self
            .decls()
            .filter_map(|d| match d {
                Decl::Public(p) => Some(p),
                _ => None,
            })
            .collect();
        for d in decls {
            if let Some(disclosure) = self.disclosure(d) {
                self.out.disclosures.push(disclosure);
            }
        }
        // Items are published only with their parent: a disclosure of items needs one of
        // the entity whose list field holds them.
        let out = &self.out;
        let orphans: Vec<Diagnostic> = out
            .disclosures
            .iter()
            .filter(|d| {
                d.item.is_some()
                    && !out
                        .disclosures
                        .iter()
                        .any(|p| p.item.is_none() && p.entity == d.entity)
            })
            .map(|d| {
                let parent = &out.entities[d.entity].name;
                Diagnostic::new(
                    Code::E0226,
                    format!(
                        "disclosure `{}` publishes items of `{parent}`, which no disclosure publishes",
                        d.name
                    ),
                )
                .primary(d.subject_span, "items of an entity that is not published")
                .help(format!(
                    "items are published only with their parent: declare `公开 … {{ 对象 {parent} 字段 … }}` too"
                ))
            })
            .collect();
        for d in orphans {
            self.err(d);
        }
    }

    fn disclosure(&mut self, d: &'p ast::PublicDecl) -> Option<Disclosure> {
        let (parent, item, subj) = self.subject(&d.subjects, &d.name, true)?;
        let mut scope = Scope {
            frames: vec![parent],
        };
        if let Some(item) = item {
            scope.frames.push(item.entity);
        }
        let entity = item.map_or(parent, |i| i.entity);
        let condition = match &subj.condition {
            Some(c) => Some(self.expr(c, &scope)?),
            None => None,
        };
        let mut withheld = Vec::new();
        for x in &d.withheld {
            withheld.push(Exception {
                name: x.name.as_ref().map(|n| n.text.clone()),
                condition: self.expr(&x.condition, &scope)?,
                cite: x.cite.as_ref().map(|c| c.value.clone()),
                span: x.span,
            });
        }
        let reads = condition
            .iter()
            .zip(subj.condition.as_ref().map(|c| c.span))
            .chain(withheld.iter().map(|x| (&x.condition, x.span)));
        if let Some((_, span)) = reads.into_iter().find(|(c, _)| c.reads_level()) {
            self.err(
                Diagnostic::new(
                    Code::E0224,
                    format!("disclosure `{}` reads `级别` (the alert level)", d.name.text),
                )
                .primary(span, "reads `级别`")
                .help("publishing is not done at a level: say which records are published without `级别`"),
            );
            return None;
        }
        let fields = self.published_fields(d, entity)?;
        Some(Disclosure {
            name: d.name.text.clone(),
            name_span: d.name.span,
            entity: parent,
            item,
            subject_span: subj.span,
            condition,
            condition_span: subj.condition.as_ref().map(|c| c.span),
            withheld,
            fields,
            cite: super::measures::joined(&d.cites),
            span: d.span,
        })
    }

    /// The `字段` of a disclosure as field indexes of `entity`, its key first (published
    /// whether or not it is named): each a field of the entity, not a list, named once.
    fn published_fields(&mut self, d: &ast::PublicDecl, entity: usize) -> Option<Vec<usize>> {
        let info = &self.out.entities[entity];
        let key = info.key;
        let entity_name = info.name.clone();
        if d.fields.is_empty() {
            self.err(
                Diagnostic::new(
                    Code::E0225,
                    format!("disclosure `{}` publishes no fields", d.name.text),
                )
                .primary(d.name.span, "no `字段` (fields)")
                .help(format!(
                    "name the fields of `{entity_name}` it publishes, e.g. `字段 名称, 行业`; the key is always published"
                )),
            );
            return None;
        }
        let mut fields = vec![key];
        let mut ok = true;
        for (i, name) in d.fields.iter().enumerate() {
            let info = &self.out.entities[entity];
            let Some(fi) = info.fields.iter().position(|f| f.name == name.text) else {
                let names: Vec<String> = info.fields.iter().map(|f| f.name.clone()).collect();
                let diag = self.unknown_name(&name.text, name.span, "field", &names);
                self.err(diag);
                ok = false;
                continue;
            };
            if matches!(info.fields[fi].ty, FieldType::List(_)) {
                self.err(
                    Diagnostic::new(
                        Code::E0225,
                        format!("`{}` is a list: a disclosure publishes fields of one record", name.text),
                    )
                    .primary(name.span, "a list field")
                    .help(format!(
                        "publish its items in a disclosure of their own: `公开 … {{ 对象 {entity_name}.{} 字段 … }}`",
                        name.text
                    )),
                );
                ok = false;
            } else if let Some(first) = d.fields[..i].iter().find(|n| n.text == name.text) {
                self.err(
                    Diagnostic::new(
                        Code::E0225,
                        format!("field `{}` is published twice", name.text),
                    )
                    .primary(name.span, "named again")
                    .secondary(first.span, "first named here")
                    .help("name each field once"),
                );
                ok = false;
            } else if fi != key {
                fields.push(fi);
            }
        }
        ok.then_some(fields)
    }
}
