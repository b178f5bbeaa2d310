//! Conditions and liftings in words: what an officer reads instead of internal ids.
//!
//! Conditions are written back in the policy's own keyword language (`rules.chinese`), the
//! way its author wrote them, except that constant sets are listed with `、` (`动力 属于
//! 纯电动、氢燃料电池`), which is how the plans print them. This is the only place that
//! turns an IR condition into text.

use std::fmt::Write as _;

use crate::eval::explain::LiftingKind;
use crate::eval::Status;
use crate::ir::{CmpOp, CompareAs, Expr, FieldRef, FieldType, Operand, RuleSet, Value};
use crate::keywords::{self as kw, Keyword};

/// How one language of the policy syntax writes conditions: its keywords (from the keyword
/// table) and the separator of listed values.
struct Words {
    zh: bool,
    list_sep: &'static str,
}

impl Words {
    fn of(rules: &RuleSet) -> Words {
        Words {
            zh: rules.chinese,
            list_sep: if rules.chinese { "、" } else { ", " },
        }
    }

    /// A keyword's spelling in this language.
    fn kw(&self, k: Keyword) -> &'static str {
        k.spelling(self.zh)
    }

    /// Appends `before`, the keyword, then `after` (the spaces around it).
    fn push(&self, out: &mut String, before: &str, k: Keyword, after: &str) {
        out.push_str(before);
        out.push_str(self.kw(k));
        out.push_str(after);
    }
}

/// `condition` in words. `frames[i]` is the entity of frame `i` in scope where the condition
/// stands (the measure's entity, then its item entity); fields of the innermost frame are
/// named bare, the others as `实体.字段`, as the policy writes them.
pub fn condition_text(rules: &RuleSet, condition: &Expr, frames: &[usize]) -> String {
    let mut out = String::new();
    let mut frames = frames.to_vec();
    write_expr(&mut out, rules, condition, &mut frames, 0);
    out
}

/// Binding strength, for parentheses: `或` binds loosest, then `且`, then `非`.
fn strength(e: &Expr) -> u8 {
    match e {
        Expr::Or(v) if v.len() > 1 => 1,
        Expr::And(v) if v.len() > 1 => 2,
        _ => 3,
    }
}

fn write_expr(out: &mut String, rules: &RuleSet, e: &Expr, frames: &mut Vec<usize>, ctx: u8) {
    let w = Words::of(rules);
    let paren = strength(e) < ctx;
    if paren {
        out.push('(');
    }
    match e {
        Expr::Const(b) => out.push_str(w.kw(if *b { kw::TRUE } else { kw::FALSE })),
        Expr::Truthy(r) => write_field(out, rules, *r, frames),
        Expr::Present(r) => {
            write_field(out, rules, *r, frames);
            w.push(out, " ", kw::PRESENT, "");
        }
        Expr::Compare { op, lhs, rhs, cmp } => {
            let hint = field_type(rules, lhs, frames).or_else(|| field_type(rules, rhs, frames));
            write_operand(out, rules, lhs, *cmp, hint, frames);
            out.push(' ');
            out.push_str(match op {
                CmpOp::Eq => "=",
                CmpOp::Ne => "≠",
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Gt => ">",
                CmpOp::Ge => ">=",
            });
            out.push(' ');
            write_operand(out, rules, rhs, *cmp, hint, frames);
        }
        Expr::InMask { operand, mask } => {
            write_operand(out, rules, operand, CompareAs::Text, None, frames);
            w.push(out, " ", kw::IN, " ");
            let names: Vec<&str> = match mask_names(rules, operand, frames) {
                Some(names) => (0..64)
                    .filter(|i| mask & (1u64 << i) != 0)
                    .filter_map(|i| names.get(i).copied())
                    .collect(),
                None => Vec::new(),
            };
            out.push_str(&names.join(w.list_sep));
        }
        Expr::InValues { operand, values } => {
            write_operand(out, rules, operand, CompareAs::Text, None, frames);
            w.push(out, " ", kw::IN, " ");
            let hint = field_type(rules, operand, frames);
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push_str(w.list_sep);
                }
                write_value(out, rules, v, CompareAs::Text, hint);
            }
        }
        Expr::InField { operand, set } => {
            let cmp = match field_type(rules, &Operand::Field(*set), frames) {
                Some(FieldType::Set(Some(e))) => CompareAs::Enum(e),
                _ => CompareAs::Level,
            };
            write_operand(out, rules, operand, cmp, None, frames);
            w.push(out, " ", kw::IN, " ");
            write_field(out, rules, *set, frames);
        }
        Expr::Not(inner) => {
            w.push(out, "", kw::NOT, " ");
            write_expr(out, rules, inner, frames, 3);
        }
        Expr::And(v) | Expr::Or(v) => {
            let (sep, s) = if matches!(e, Expr::And(_)) {
                (kw::AND, 2)
            } else {
                (kw::OR, 1)
            };
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    w.push(out, " ", sep, " ");
                }
                // A nested operand of the same kind gets parentheses too: it reads safer.
                write_expr(out, rules, x, frames, s + 1);
            }
        }
        Expr::Any { list, body } | Expr::All { list, body } => {
            let quantifier = if matches!(e, Expr::Any { .. }) {
                kw::ANY
            } else {
                kw::ALL
            };
            w.push(out, "", quantifier, " ");
            write_field(out, rules, *list, frames);
            w.push(out, " ", kw::SATISFIES, " ");
            let item = match field_type(rules, &Operand::Field(*list), frames) {
                Some(FieldType::List(entity)) => entity,
                _ => usize::MAX,
            };
            frames.push(item);
            write_expr(out, rules, body, frames, 3);
            frames.pop();
        }
    }
    if paren {
        out.push(')');
    }
}

fn field_type(rules: &RuleSet, o: &Operand, frames: &[usize]) -> Option<FieldType> {
    match o {
        Operand::Field(r) => {
            let entity = rules.entities.get(*frames.get(r.frame as usize)?)?;
            entity.fields.get(r.field as usize).map(|f| f.ty)
        }
        Operand::Level => Some(FieldType::Level),
        Operand::Const(_) => None,
    }
}

/// The names of the bits of a mask over `operand`'s values (levels or enum variants).
fn mask_names<'r>(rules: &'r RuleSet, operand: &Operand, frames: &[usize]) -> Option<Vec<&'r str>> {
    match field_type(rules, operand, frames)? {
        FieldType::Level | FieldType::Set(None) => {
            Some(rules.levels.iter().map(|l| l.name.as_str()).collect())
        }
        FieldType::Enum(e) | FieldType::Set(Some(e)) => Some(
            rules
                .enums
                .get(e)?
                .variants
                .iter()
                .map(String::as_str)
                .collect(),
        ),
        _ => None,
    }
}

fn write_field(out: &mut String, rules: &RuleSet, r: FieldRef, frames: &[usize]) {
    let Some(entity) = frames
        .get(r.frame as usize)
        .and_then(|&e| rules.entities.get(e))
    else {
        out.push('?');
        return;
    };
    if r.frame as usize + 1 != frames.len() {
        out.push_str(&entity.name);
        out.push('.');
    }
    match entity.fields.get(r.field as usize) {
        Some(f) => out.push_str(&f.name),
        None => out.push('?'),
    }
}

fn write_operand(
    out: &mut String,
    rules: &RuleSet,
    o: &Operand,
    cmp: CompareAs,
    hint: Option<FieldType>,
    frames: &[usize],
) {
    let w = Words::of(rules);
    match o {
        Operand::Field(r) => write_field(out, rules, *r, frames),
        Operand::Level => out.push_str(w.kw(kw::LEVEL)),
        Operand::Const(v) => write_value(out, rules, v, cmp, hint),
    }
}

fn write_value(
    out: &mut String,
    rules: &RuleSet,
    v: &Value,
    cmp: CompareAs,
    hint: Option<FieldType>,
) {
    let w = Words::of(rules);
    match (v, cmp) {
        (Value::Enum(i), CompareAs::Level) => out.push_str(level_or_index(rules, *i)),
        (Value::Enum(i), CompareAs::Enum(e)) => {
            match rules.enums.get(e).and_then(|x| x.variants.get(*i as usize)) {
                Some(name) => out.push_str(name),
                None => {
                    let _ = write!(out, "{i}");
                }
            }
        }
        (Value::Enum(i), _) => {
            let _ = write!(out, "{i}");
        }
        (Value::Bool(b), _) => out.push_str(w.kw(if *b { kw::TRUE } else { kw::FALSE })),
        (Value::Int(n), _) => {
            let _ = write!(out, "{n}");
        }
        (Value::Num(n), _) => {
            let _ = write!(out, "{n}");
            if hint == Some(FieldType::Percent) {
                out.push('%');
            }
        }
        (Value::Text(t), _) => {
            let _ = write!(out, "\"{t}\"");
        }
        (Value::Date(d), _) => out.push_str(&crate::dates::format(*d)),
        _ => out.push('?'),
    }
}

fn level_or_index(rules: &RuleSet, i: u16) -> &str {
    rules
        .levels
        .get(i as usize)
        .map(|l| l.name.as_str())
        .unwrap_or("?")
}

/// What lifted an entry, in words, rendered once per run: an exemption by its name, a local
/// exception by its condition; each also as one cell with its citation.
pub struct LiftingWords {
    exemption: Vec<Lifted>,
    /// Per measure, per local exception.
    exception: Vec<Vec<Lifted>>,
}

/// One lifting: its words, its citation, and both in one cell.
pub struct Lifted {
    pub kind: LiftingKind,
    pub name: String,
    pub cite: Option<String>,
    /// `name（cite）` in a Chinese policy, `name (cite)` otherwise; the name alone without a citation.
    pub cell: String,
}

impl Lifted {
    fn new(rules: &RuleSet, kind: LiftingKind, name: String, cite: Option<&str>) -> Lifted {
        let cell = match cite {
            Some(c) if rules.chinese => format!("{name}（{c}）"),
            Some(c) => format!("{name} ({c})"),
            None => name.clone(),
        };
        Lifted {
            kind,
            name,
            cite: cite.map(str::to_string),
            cell,
        }
    }
}

impl LiftingWords {
    pub fn new(rules: &RuleSet) -> LiftingWords {
        let exemption = rules
            .exemptions
            .iter()
            .map(|x| {
                Lifted::new(
                    rules,
                    LiftingKind::Exemption,
                    x.name.clone(),
                    x.cite.as_deref(),
                )
            })
            .collect();
        let exception = rules
            .measures
            .iter()
            .map(|m| {
                let mut frames = vec![m.entity];
                frames.extend(m.item.map(|i| i.entity));
                m.exceptions
                    .iter()
                    .map(|x| {
                        let words = match &x.name {
                            Some(name) => name.clone(),
                            None => condition_text(rules, &x.condition, &frames),
                        };
                        Lifted::new(rules, LiftingKind::Exception, words, x.cite.as_deref())
                    })
                    .collect()
            })
            .collect();
        LiftingWords {
            exemption,
            exception,
        }
    }

    /// What lifted an entry of `measure` with `status`; `None` when it applies.
    pub fn of(&self, measure: usize, status: Status) -> Option<&Lifted> {
        match status {
            Status::Applies | Status::NotEncoded { .. } => None,
            Status::ExceptedBy(x) => self.exception.get(measure)?.get(x as usize),
            Status::ExemptedBy(x) => self.exemption.get(x as usize),
        }
    }

    /// A named exemption.
    pub fn exemption(&self, index: usize) -> Option<&Lifted> {
        self.exemption.get(index)
    }

    /// A measure's local exception.
    pub fn exception(&self, measure: usize, index: usize) -> Option<&Lifted> {
        self.exception.get(measure)?.get(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::compile_source;

    fn rules(src: &str) -> RuleSet {
        let c = compile_source("t.policy", src);
        c.rules.unwrap_or_else(|| panic!("{:?}", c.diagnostics))
    }

    const ZH_POLICY: &str = "预警级别 { 黄色 < 橙色 < 红色 }
枚举 动力 { 燃油, 纯电动, 氢燃料电池 }
实体 机 键 号 { 号: 文本  动力: 动力  功率: 小数 }
实体 企业 键 码 { 码: 文本  清单: 集合 级别  涉密: 布尔  机械: 列表 机  比例: 可选 百分比 }
措施 停机 强制性 自 橙色 {
  对象 企业.机械 当 级别 属于 企业.清单
  除外 当 动力 属于 { 纯电动, 氢燃料电池 } 依据 \"三、(二)2\"
  除外 当 (功率 < 10 或 企业.涉密) 且 非 企业.比例 有值
  要求 停用
  依据 \"三\"
}
豁免 保密 { 对象 企业 当 涉密 且 任一 机械 满足 动力 = 燃油  解除 停机  依据 \"五\" }
";

    const EN_POLICY: &str = "levels { yellow < red }
enum power { fuel, electric }
entity machine key id { id: text  power: power }
entity firm key code { code: text  machines: list machine  secret: bool }
measure park mandatory from red {
  subject firm.machines
  except when power in { electric } and not firm.secret cite \"3\"
  require cease_use
}
";

    /// `除外 名称 当 …`: outputs use the name; in English keywords `except NAME when …`.
    #[test]
    fn a_named_exception_is_shown_by_its_name() {
        let r = rules(&ZH_POLICY.replace("除外 当 动力", "除外 新能源机械 当 动力"));
        let words = LiftingWords::new(&r);
        let m = r.measures.iter().position(|m| m.name == "停机").unwrap();
        let named = words.exception(m, 0).unwrap();
        assert_eq!(named.name, "新能源机械");
        assert_eq!(named.cell, "新能源机械（三、(二)2）");
        assert_eq!(
            words.exception(m, 1).unwrap().name,
            "(功率 < 10 或 企业.涉密) 且 非 企业.比例 有值",
            "the unnamed one keeps its condition's text"
        );
        let en = rules(&EN_POLICY.replace("except when", "except electric_ones when"));
        let m = en.measures.iter().position(|m| m.name == "park").unwrap();
        assert_eq!(
            LiftingWords::new(&en).exception(m, 0).unwrap().name,
            "electric_ones"
        );
        let twice = compile_source(
            "t.policy",
            &ZH_POLICY
                .replace("除外 当 动力", "除外 甲 当 动力")
                .replace("除外 当 (功率", "除外 甲 当 (功率"),
        );
        let codes: Vec<_> = twice.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [crate::diagnostics::Code::E0102]);
    }

    #[test]
    fn exceptions_read_as_the_policy_writes_them() {
        let r = rules(ZH_POLICY);
        let words = LiftingWords::new(&r);
        let m = r.measures.iter().position(|m| m.name == "停机").unwrap();
        let first = words.exception(m, 0).unwrap();
        assert_eq!(first.name, "动力 属于 纯电动、氢燃料电池");
        assert_eq!(first.cell, "动力 属于 纯电动、氢燃料电池（三、(二)2）");
        assert_eq!(first.kind, LiftingKind::Exception);
        let second = words.exception(m, 1).unwrap();
        assert_eq!(second.name, "(功率 < 10 或 企业.涉密) 且 非 企业.比例 有值");
        assert_eq!(second.cell, second.name, "no citation, no brackets");
        let x = words.exemption(0).unwrap();
        assert_eq!(x.name, "保密");
        assert_eq!(x.cell, "保密（五）");
        let cond = r.exemptions[0].condition.as_ref().unwrap();
        let firm = r.entity_index("企业").unwrap();
        assert_eq!(
            condition_text(&r, cond, &[firm]),
            "涉密 且 任一 机械 满足 动力 = 燃油"
        );
        assert!(words.of(m, Status::Applies).is_none());
        assert_eq!(words.of(m, Status::ExceptedBy(0)).unwrap().name, first.name);
        assert!(
            words.of(m, Status::ExceptedBy(9)).is_none(),
            "out of range is none, not a panic"
        );
    }

    #[test]
    fn english_policies_get_english_keywords() {
        let r = rules(EN_POLICY);
        let words = LiftingWords::new(&r);
        let m = r.measures.iter().position(|m| m.name == "park").unwrap();
        let x = words.exception(m, 0).unwrap();
        assert_eq!(x.name, "power in electric and not firm.secret");
        assert_eq!(x.cell, "power in electric and not firm.secret (3)");
    }
}
