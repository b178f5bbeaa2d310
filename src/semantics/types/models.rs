//! Reduction models (`减排模型`): the entity, its base fields, its voluntary figure, totals.

use super::Cx;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{FieldType, Total};
use crate::semantics::typed::ReductionModel;
use crate::syntax::ast::{self, Decl};

impl<'p> Cx<'p> {
    pub(super) fn models(&mut self) {
        let decls: Vec<&'p ast::ModelDecl> = self
            .decls()
            .filter_map(|d| match d {
                Decl::Model(m) => Some(m),
                _ => None,
            })
            .collect();
        for d in decls {
            let Some(model) = self.model(d) else { continue };
            if let Some(first) = self.out.models.iter().find(|m| m.entity == model.entity) {
                let entity = self.out.entities[model.entity].name.clone();
                let first_span = first.name_span;
                self.err(
                    Diagnostic::new(
                        Code::E0230,
                        format!("`{entity}` has a second reduction model `{}`", model.name),
                    )
                    .primary(model.name_span, "second model of the entity")
                    .secondary(first_span, "first model here")
                    .help(
                        "one model says how every action reduces the entity's bases: merge the two",
                    ),
                );
                continue;
            }
            self.out.models.push(model);
        }
    }

    fn model(&mut self, d: &'p ast::ModelDecl) -> Option<ReductionModel> {
        let (entity, item, subj) = self.subject(&d.subjects, &d.name, false)?;
        debug_assert!(item.is_none());
        if let Some(c) = &subj.condition {
            self.err(
                Diagnostic::new(
                    Code::E0230,
                    format!("reduction model `{}` has a condition", d.name.text),
                )
                .primary(c.span, "a model holds for every record of its entity")
                .help("drop `当 …`; a rule's `减排量(…当…)` selects the records it sums"),
            );
            return None;
        }
        let entity_name = self.out.entities[entity].name.clone();
        if d.baselines.is_empty() {
            self.err(
                Diagnostic::new(
                    Code::E0230,
                    format!("reduction model `{}` names no base field", d.name.text),
                )
                .primary(d.name.span, "no `排放基数` (baselines)")
                .help(format!(
                    "name the number fields of `{entity_name}` that hold its base emissions, e.g. `排放基数 二氧化硫排放量, 氮氧化物排放量`"
                )),
            );
            return None;
        }
        let number = |ty: FieldType| {
            matches!(
                ty,
                FieldType::Integer | FieldType::Decimal | FieldType::Percent
            )
        };
        let mut baselines = Vec::new();
        for name in &d.baselines {
            let fi = self.field_named(name, entity)?;
            if !number(self.out.entities[entity].fields[fi].ty) {
                self.err(
                    Diagnostic::new(
                        Code::E0230,
                        format!("base field `{}` is not a number", name.text),
                    )
                    .primary(name.span, "not a number field")
                    .help("a base holds emissions: a field of type `整数` or `小数`"),
                );
                return None;
            }
            if baselines.contains(&fi) {
                self.err(
                    Diagnostic::new(
                        Code::E0230,
                        format!("base field `{}` is named twice", name.text),
                    )
                    .primary(name.span, "named again")
                    .help("name each base field once"),
                );
                return None;
            }
            baselines.push(fi);
        }
        let voluntary = match d.voluntary.as_slice() {
            [] => None,
            [name] => {
                let fi = self.field_named(name, entity)?;
                if self.out.entities[entity].fields[fi].ty != FieldType::Percent {
                    self.err(
                        Diagnostic::new(
                            Code::E0230,
                            format!("`{}` is not a percentage", name.text),
                        )
                        .primary(name.span, "not a `百分比` field")
                        .help("the firm's own figure for a voluntary reduction is a share of its base: a field of type `百分比`"),
                    );
                    return None;
                }
                Some(fi)
            }
            [_, second, ..] => {
                self.err(
                    Diagnostic::new(
                        Code::E0230,
                        format!(
                            "reduction model `{}` names two voluntary figures",
                            d.name.text
                        ),
                    )
                    .primary(second.span, "second `自主减排` (voluntary)")
                    .help("name one percentage field for the firm's own voluntary reduction"),
                );
                return None;
            }
        };
        let mut totals = Vec::new();
        for (name, value, span) in &d.totals {
            let fi = self.field_named(name, entity)?;
            if !baselines.contains(&fi) {
                self.err(
                    Diagnostic::new(
                        Code::E0230,
                        format!("`{}` has a total but is not a base field", name.text),
                    )
                    .primary(*span, "a total of a field `排放基数` does not name")
                    .help("add the field to `排放基数`, or drop its `总量`"),
                );
                return None;
            }
            if totals.iter().any(|(f, _)| *f == fi) {
                self.err(
                    Diagnostic::new(Code::E0230, format!("base `{}` has two totals", name.text))
                        .primary(*span, "a second total")
                        .help("declare one total per base"),
                );
                return None;
            }
            let total = match value {
                ast::TotalValue::Number(n) => Total::Number(*n),
                ast::TotalValue::Field(path) => self.data_total(d, path, entity)?,
            };
            totals.push((fi, total));
        }
        let capacity = match d.weights.as_slice() {
            [] => None,
            [path] => Some(self.model_capacity(d, path, entity)?),
            [_, second, ..] => {
                self.err(
                    Diagnostic::new(
                        Code::E0230,
                        format!("reduction model `{}` names two capacities", d.name.text),
                    )
                    .primary(second.span, "second `加权` (weighted_by)")
                    .help("weigh production lines by one capacity field"),
                );
                return None;
            }
        };
        Some(ReductionModel {
            name: d.name.text.clone(),
            name_span: d.name.span,
            entity,
            baselines,
            voluntary,
            totals,
            capacity,
            cite: super::measures::joined(&d.cites),
            span: d.span,
        })
    }

    /// `总量 … = 区域排放.二氧化硫总量`: a number field of a top-level entity other than the
    /// model's, summed over the records of it the data holds.
    fn data_total(
        &mut self,
        d: &ast::ModelDecl,
        path: &ast::Path,
        model_entity: usize,
    ) -> Option<Total> {
        let fail = |cx: &mut Self, why: &str| {
            cx.err(
                Diagnostic::new(
                    Code::E0230,
                    format!(
                        "reduction model `{}` takes a total from `{}`, which is no number field of another entity",
                        d.name.text,
                        path.display()
                    ),
                )
                .primary(path.span, why.to_string())
                .help("write a number, or `实体.字段`: a number field of an entity whose records the data holds (e.g. `总量 二氧化硫排放量 = 区域排放.二氧化硫总量`)"),
            );
            None
        };
        let [entity_name, field_name] = path.segments.as_slice() else {
            return fail(self, "not `实体.字段`");
        };
        let entity = self.entity_by_name(entity_name)?;
        if entity == model_entity {
            return fail(
                self,
                "the model's own entity: its base is already summed over the data",
            );
        }
        let listed_in = self
            .out
            .entities
            .iter()
            .any(|e| e.fields.iter().any(|f| f.ty == FieldType::List(entity)));
        if listed_in {
            return fail(self, "the items of a list, not records of their own");
        }
        let field = self.field_named(field_name, entity)?;
        if !matches!(
            self.out.entities[entity].fields[field].ty,
            FieldType::Integer | FieldType::Decimal | FieldType::Percent
        ) {
            return fail(self, "not a number field");
        }
        Some(Total::Data { entity, field })
    }

    /// `加权 生产线.产能`: a list field of `entity` and a number field of its items.
    fn model_capacity(
        &mut self,
        d: &ast::ModelDecl,
        path: &ast::Path,
        entity: usize,
    ) -> Option<(usize, usize)> {
        let fail = |cx: &mut Self, why: &str| {
            cx.err(
                Diagnostic::new(
                    Code::E0230,
                    format!(
                        "reduction model `{}` weighs by `{}`, which is no capacity of production lines",
                        d.name.text,
                        path.display()
                    ),
                )
                .primary(path.span, why.to_string())
                .help("name a list field of the entity and the number field of its items that holds each line's capacity, e.g. `加权 生产线.产能`"),
            );
            None
        };
        let [list, field] = path.segments.as_slice() else {
            return fail(self, "not `列表字段.产能字段`");
        };
        let info = &self.out.entities[entity];
        let Some(li) = info.fields.iter().position(|f| f.name == list.text) else {
            return fail(self, "the first name is no field of the entity");
        };
        let FieldType::List(item) = info.fields[li].ty else {
            return fail(self, "the first name is not a list field");
        };
        let items = &self.out.entities[item];
        let Some(ci) = items.fields.iter().position(|f| f.name == field.text) else {
            return fail(self, "the second name is no field of the list's items");
        };
        if !matches!(
            items.fields[ci].ty,
            FieldType::Integer | FieldType::Decimal | FieldType::Percent
        ) {
            return fail(self, "not a number field");
        }
        Some((li, ci))
    }

    /// `name`, a field of `entity` (an unknown name is a diagnostic with the fields it could be).
    pub(super) fn field_named(&mut self, name: &ast::Name, entity: usize) -> Option<usize> {
        let info = &self.out.entities[entity];
        match info.fields.iter().position(|f| f.name == name.text) {
            Some(fi) => Some(fi),
            None => {
                let names: Vec<String> = info.fields.iter().map(|f| f.name.clone()).collect();
                let diag = self.unknown_name(&name.text, name.span, "field", &names);
                self.err(diag);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::compile::compile_source;
    use crate::diagnostics::Code;
    use crate::ir::Total;

    fn model(total: &str) -> crate::compile::Compilation {
        let text = format!(
            "预警级别 {{ 黄色 < 橙色 }}
实体 企业 键 名称 {{ 名称: 文本  硫: 小数  产线: 列表 线  备注: 可选 文本 }}
实体 线 键 号 {{ 号: 文本  产能: 小数 }}
实体 区域 键 名 {{ 名: 文本  硫总量: 小数  说明: 可选 文本 }}
减排模型 污染物 {{ 对象 企业 排放基数 硫 总量 硫 = {total} }}"
        );
        compile_source("t.policy", &text)
    }

    #[test]
    fn a_total_is_a_number_or_a_number_field_of_another_top_level_entity() {
        let c = model("区域.硫总量");
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        let rules = c.rules.unwrap();
        assert_eq!(
            rules.reduction_models[0].totals,
            vec![(
                1,
                Total::Data {
                    entity: 2,
                    field: 1
                }
            )]
        );
        let c = model("1200");
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        assert!(matches!(
            c.rules.unwrap().reduction_models[0].totals[0].1,
            Total::Number(_)
        ));
    }

    #[test]
    fn a_total_from_the_model_s_own_entity_items_text_or_unknown_names_is_e0230() {
        for (total, why) in [
            ("企业.硫", "the model's own entity"),
            ("线.产能", "the items of a list"),
            ("区域.说明", "not a number field"),
            ("硫总量", "not `实体.字段`"),
            ("区域.硫总量.年", "not `实体.字段`"),
        ] {
            let c = model(total);
            let d = c
                .diagnostics
                .iter()
                .find(|d| d.code == Code::E0230)
                .unwrap_or_else(|| panic!("{total}: {:?}", c.diagnostics));
            assert!(
                d.labels.iter().any(|l| l.message.contains(why)),
                "{total}: {d:?}"
            );
        }
        let codes =
            |t: &str| -> Vec<Code> { model(t).diagnostics.iter().map(|d| d.code).collect() };
        assert_eq!(codes("地区.硫总量"), vec![Code::E0101], "an unknown entity");
        assert_eq!(codes("区域.氮"), vec![Code::E0101], "an unknown field");
    }
}
