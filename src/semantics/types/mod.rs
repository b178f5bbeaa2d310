//! Type check: every reference bound, every condition typed against the schema, every
//! table cell keyed by real enum values and levels. Produces the typed program
//! ([`typed::Program`]) that the analyses read and lowering turns into the rule set.
//!
//! One file per job: `schema` (plan, levels, enums, entities, restrictions), `levels`
//! (level names and ranges), `actions` (actions and table lookups), `tables` (grade tables),
//! `conditions` (subjects, field paths, operands, conditions), `measures` (measures, their
//! replacements, exemptions), `models` (reduction models), `rules` (record and list rules),
//! `disclosures` (what is published).

mod actions;
mod conditions;
mod disclosures;
mod levels;
mod measures;
mod models;
mod rules;
mod schema;
mod tables;

use crate::limits::{MAX_FRAMES, MAX_RESTRICTIONS, MAX_VARIANTS};
use std::collections::HashMap;

use super::resolve::{Program, SymbolKind};
use super::typed;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{FieldType, Operand};
use crate::source::Span;
use crate::syntax::ast::{self, Decl};
use crate::syntax::errors::swallowed_keyword_help;

/// Type-checks a resolved program. All errors are collected; the result is usable only
/// when no error was reported.
pub fn check(prog: &Program) -> (typed::Program, Vec<Diagnostic>) {
    let mut cx = Cx {
        prog,
        out: typed::Program::default(),
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
    cx.models();
    cx.rules();
    cx.disclosures();
    cx.imports();
    (cx.out, cx.diags)
}

struct Cx<'p> {
    prog: &'p Program,
    out: typed::Program,
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
    /// An action field (`措施`, `按级别 措施`).
    Action {
        per_level: bool,
    },
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
        FieldType::Action { per_level } => Ty::Action { per_level },
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
            Ty::Action { per_level: false } => "an action (措施)".into(),
            Ty::Action { per_level: true } => "an action per level (按级别 措施)".into(),
        }
    }
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

/// The codes of the diagnostics compiling `text` reports, in order.
#[cfg(test)]
fn codes(text: &str) -> Vec<Code> {
    crate::compile::compile_source("t.policy", text)
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
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

    /// `范围 低 至 高`: on an integer field, ends in order, both within i64.
    #[test]
    fn a_field_range_bounds_an_integer_field() {
        let field = |decl: &str| {
            compile_source(
                "t.policy",
                &format!("预警级别 {{ 黄色 }}\n实体 车 键 号 {{ 号: 文本  {decl} }}"),
            )
        };
        let c = field("尾号: 整数 范围 -1 至 9");
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        assert_eq!(c.rules.unwrap().entities[0].fields[1].range, Some((-1, 9)));
        for bad in [
            "尾号: 文本 范围 0 至 9",
            "尾号: 整数 范围 9 至 0",
            "尾号: 整数 范围 0 至 99999999999999999999",
        ] {
            let codes: Vec<Code> = field(bad).diagnostics.iter().map(|d| d.code).collect();
            assert_eq!(codes, [Code::E0201], "{bad}");
        }
    }
}
