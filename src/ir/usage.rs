//! Which fields a rule set reads: the fields data loading must keep. A text field no
//! condition, lookup or key reads is checked while loading but not stored.

use super::{Expr, FieldRef, FieldType, KeySource, RuleSet};

/// `read[entity][field]`: some condition, exception, exemption, record rule, disclosure,
/// reduction model or table lookup reads the field, a disclosure publishes it, or it is a
/// key or a list (items are reported by key).
pub fn fields_read(rules: &RuleSet) -> Vec<Vec<bool>> {
    let mut read: Vec<Vec<bool>> = rules
        .entities
        .iter()
        .map(|e| {
            e.fields
                .iter()
                .enumerate()
                .map(|(i, f)| i == e.key || matches!(f.ty, FieldType::List(_)))
                .collect()
        })
        .collect();
    let mark = |frames: &[usize], r: FieldRef, read: &mut Vec<Vec<bool>>| {
        if let Some(e) = frames.get(r.frame as usize) {
            if let Some(slot) = read[*e].get_mut(r.field as usize) {
                *slot = true;
            }
        }
    };
    for m in &rules.measures {
        let mut frames = vec![m.entity];
        frames.extend(m.item.map(|i| i.entity));
        let conditions = m
            .condition
            .iter()
            .chain(m.exceptions.iter().map(|x| &x.condition));
        for c in conditions {
            walk(rules, c, &mut frames.clone(), &mut |f, r| {
                mark(f, r, &mut read)
            });
        }
        for plan in m.actions.iter().flatten() {
            for key in plan.lookups.iter().flat_map(|l| &l.keys) {
                if let KeySource::Field(r) = key {
                    mark(&frames, *r, &mut read);
                }
            }
        }
    }
    for x in &rules.exemptions {
        if let Some(c) = &x.condition {
            walk(rules, c, &mut vec![x.entity], &mut |f, r| {
                mark(f, r, &mut read)
            });
        }
    }
    for rule in &rules.record_rules {
        let mut frames = vec![rule.entity];
        frames.extend(rule.item.map(|i| i.entity));
        for c in rule.condition.iter().chain([&rule.must]) {
            walk(rules, c, &mut frames.clone(), &mut |f, r| {
                mark(f, r, &mut read)
            });
        }
        let mut keep = |entity: usize, field: usize| {
            if let Some(slot) = read.get_mut(entity).and_then(|e| e.get_mut(field)) {
                *slot = true;
            }
        };
        match rule.at_least.as_ref().map(|a| a.source) {
            Some(crate::ir::ActionSource::Field(f)) => keep(rule.entity, f),
            Some(crate::ir::ActionSource::Lines {
                list,
                entity,
                field,
                capacity,
            }) => {
                keep(rule.entity, list);
                keep(entity, field);
                keep(entity, capacity);
            }
            None => {}
        }
    }
    for rule in &rules.list_rules {
        let mut frames = vec![rule.entity];
        frames.extend(rule.item.map(|i| i.entity));
        let conditions = rule
            .condition
            .iter()
            .chain(rule.aggregates.iter().filter_map(|a| a.condition.as_ref()));
        for c in conditions {
            walk(rules, c, &mut frames.clone(), &mut |f, r| {
                mark(f, r, &mut read)
            });
        }
        let fields = rule
            .group
            .iter()
            .chain(rule.aggregates.iter().filter_map(|a| a.field.as_ref()));
        for &r in fields {
            mark(&frames, r, &mut read);
        }
    }
    for m in &rules.reduction_models {
        let mut keep = |entity: usize, field: usize| {
            if let Some(slot) = read.get_mut(entity).and_then(|e| e.get_mut(field)) {
                *slot = true;
            }
        };
        m.baselines
            .iter()
            .chain(&m.voluntary)
            .for_each(|&f| keep(m.entity, f));
        if let Some((list, capacity)) = m.capacity {
            if let Some(FieldType::List(item)) =
                rules.entities[m.entity].fields.get(list).map(|f| f.ty)
            {
                keep(item, capacity);
            }
        }
        for (_, total) in &m.totals {
            if let super::Total::Data { entity, field } = *total {
                keep(entity, field);
            }
        }
    }
    for d in &rules.disclosures {
        let mut frames = vec![d.entity];
        frames.extend(d.item.map(|i| i.entity));
        let conditions = d
            .condition
            .iter()
            .chain(d.withheld.iter().map(|x| &x.condition));
        for c in conditions {
            walk(rules, c, &mut frames.clone(), &mut |f, r| {
                mark(f, r, &mut read)
            });
        }
        let subject = d.subject_entity();
        for &fi in &d.fields {
            if let Some(slot) = read.get_mut(subject).and_then(|e| e.get_mut(fi)) {
                *slot = true;
            }
        }
    }
    read
}

/// The fields of `entity` that outputs by record show beside its key, in declaration
/// order: those the plan marks `显示` (display). The one place that chooses them.
pub fn display_fields(rules: &RuleSet, entity: usize) -> Vec<usize> {
    let Some(info) = rules.entities.get(entity) else {
        return Vec::new();
    };
    info.fields
        .iter()
        .enumerate()
        .filter(|(i, f)| *i != info.key && f.display && !matches!(f.ty, FieldType::List(_)))
        .map(|(i, _)| i)
        .collect()
}

/// `shown[entity][field]`: outputs by record show the field: it is the key or marked
/// `显示` (display). Data loading keeps these as well as [`fields_read`].
pub fn fields_shown(rules: &RuleSet) -> Vec<Vec<bool>> {
    rules
        .entities
        .iter()
        .map(|e| {
            e.fields
                .iter()
                .enumerate()
                .map(|(i, f)| i == e.key || f.display)
                .collect()
        })
        .collect()
}

/// Visits every field reference with the entities of the frames in scope at that point.
fn walk(
    rules: &RuleSet,
    e: &Expr,
    frames: &mut Vec<usize>,
    f: &mut impl FnMut(&[usize], FieldRef),
) {
    match e {
        Expr::Any { list, body } | Expr::All { list, body } => {
            f(frames, *list);
            let item = frames
                .get(list.frame as usize)
                .and_then(|ent| rules.entities[*ent].fields.get(list.field as usize))
                .and_then(|fi| match fi.ty {
                    FieldType::List(e) => Some(e),
                    _ => None,
                });
            if let Some(item) = item {
                frames.push(item);
                walk(rules, body, frames, f);
                frames.pop();
            }
        }
        Expr::Not(inner) => walk(rules, inner, frames, f),
        Expr::And(es) | Expr::Or(es) => es.iter().for_each(|x| walk(rules, x, frames, f)),
        other => other.for_each_field(&mut |r| f(frames, r)),
    }
}

#[cfg(test)]
mod tests {
    use crate::compile::compile_source;

    #[test]
    fn keys_lists_and_fields_in_conditions_and_lookups_are_read() {
        let c = compile_source(
            "t.policy",
            "预警级别 { 黄色 }
枚举 动力 { 油, 电 }
实体 机 键 号 { 号: 文本  动力: 动力  型号: 文本 }
实体 厂 键 名 { 名: 文本  地址: 文本  涉气: 布尔  机械: 列表 机 }
措施 m 倡议性 黄色 { 对象 厂 当 涉气 且 任一 机械 满足 (动力 = 油) 依据 \"1\" }",
        );
        let rules = c.rules.expect("compiles");
        let read = super::fields_read(&rules);
        assert_eq!(
            read[0],
            [true, true, false],
            "机: key, 动力 read in 任一; 型号 not"
        );
        assert_eq!(
            read[1],
            [true, false, true, true],
            "厂: key, 涉气, the list; 地址 not"
        );
    }

    #[test]
    fn the_key_and_display_fields_are_shown() {
        let c = compile_source(
            "t.policy",
            "预警级别 { 黄色 }
实体 厂 键 名 { 地址: 文本 显示  名: 文本  电话: 文本  涉气: 布尔 }
措施 m 倡议性 黄色 { 对象 厂 当 涉气 依据 \"1\" }",
        );
        let rules = c.rules.expect("compiles");
        assert_eq!(super::fields_shown(&rules)[0], [true, true, false, false]);
        assert_eq!(
            super::fields_read(&rules)[0],
            [false, true, false, true],
            "showing a field is not reading it"
        );
    }
}
