//! Grade tables: dimensions, the values naming rows, columns and groups, cells keyed by
//! interned values, and the limits on a table's size.

use super::Cx;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Dim;
use crate::keywords as kw;
use crate::limits::{MAX_TABLE_CELLS, MAX_TABLE_DIMS};
use crate::semantics::typed::{Cell, Table};
use crate::syntax::ast::{self, Decl};
use crate::syntax::errors::swallowed_keyword_help;

impl<'p> Cx<'p> {
    pub(super) fn tables(&mut self) {
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

    pub(super) fn dim_value(&mut self, dim: Dim, name: &ast::Name) -> Option<usize> {
        match dim {
            Dim::Level => self.level_by_name(name),
            Dim::Enum(e) => self.variant(e, name),
        }
    }

    pub(super) fn variant(&mut self, e: usize, name: &ast::Name) -> Option<usize> {
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

    pub(super) fn table(&mut self, t: &ast::TableDecl) -> Table {
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
        let mut typed = Table {
            name: t.name.text.clone(),
            name_span: t.name.span,
            dims: dims.clone(),
            sizes,
            default: None,
            default_span: t.default.as_ref().map(|a| a.span),
            not_encoded: 0,
            not_encoded_spans: Vec::new(),
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
        self.not_encoded(t, dims[0], &mut typed);
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
            if let (Some(&first), Some(key)) = (prefix.first(), g.keys.first()) {
                if self.encoded_though_declared_not(&typed, first, key) {
                    continue;
                }
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
                let mut row_keys: Vec<Option<usize>> = row
                    .keys
                    .iter()
                    .map(|k| self.dim_value(row_dim, k))
                    .collect();
                if groups_n == 0 {
                    // The rows are the first dimension: a row of a value declared not
                    // encoded is the contradiction.
                    for (v, k) in row_keys.iter_mut().zip(&row.keys) {
                        if v.is_some_and(|v| self.encoded_though_declared_not(&typed, v, k)) {
                            *v = None;
                        }
                    }
                }
                for (cell, col) in row.cells.iter().zip(&cols) {
                    let Some(action) = &cell.action else { continue };
                    let Some(plan) = self.action(action, None) else {
                        continue;
                    };
                    for rk in row_keys.iter().flatten() {
                        let mut keys = prefix.clone();
                        keys.push(*rk);
                        keys.push(col.expect("checked above"));
                        typed.cells.push(Cell {
                            keys,
                            action: plan.fixed,
                            span: cell.span,
                            row_span: row.span,
                        });
                    }
                }
            }
        }
        typed
    }

    /// `未编码: …`: the values of the first dimension declared without cells. The first
    /// dimension must be an enum (`E0205`); each value is one of its values (`E0106`).
    fn not_encoded(&mut self, t: &ast::TableDecl, first: Dim, typed: &mut Table) {
        if t.not_encoded.is_empty() {
            return;
        }
        if first == Dim::Level {
            let span = t.not_encoded[0].span;
            self.err(
                Diagnostic::new(
                    Code::E0205,
                    format!(
                        "`{}` names values of the first dimension of table `{}`, which is `{}`, not an enum",
                        kw::NOT_ENCODED.zh, t.name.text, kw::LEVEL.zh
                    ),
                )
                .primary(span, "a value the table declares without cells")
                .help("make the first dimension the enum whose values are not encoded, e.g. `(行业类别, 绩效等级, 级别)`"),
            );
            return;
        }
        for name in &t.not_encoded {
            if let Some(v) = self.dim_value(first, name) {
                if !typed.is_not_encoded(v) {
                    typed.not_encoded |= 1u64 << v;
                    typed.not_encoded_spans.push((v, name.span));
                }
            }
        }
    }

    /// E0227: value `v` of the first dimension, written `key` as a group or row key, has
    /// cells though the table declares it not encoded. Reported, and true, when it does.
    fn encoded_though_declared_not(&mut self, typed: &Table, v: usize, key: &ast::Name) -> bool {
        if !typed.is_not_encoded(v) {
            return false;
        }
        let mut d = Diagnostic::new(
            Code::E0227,
            format!(
                "`{}` has cells in table `{}`, which declares it `{}` (not encoded)",
                key.text,
                typed.name,
                kw::NOT_ENCODED.zh
            ),
        )
        .primary(key.span, "cells given here");
        if let Some((_, span)) = typed.not_encoded_spans.iter().find(|(x, _)| *x == v) {
            d = d.secondary(*span, "declared not encoded here");
        }
        self.err(d.help(format!(
            "now that its grid is encoded, remove `{}` from the `{}` line; otherwise remove its grid",
            key.text,
            kw::NOT_ENCODED.zh
        )));
        true
    }

    /// E0217 / E0218: a table has at most [`MAX_TABLE_DIMS`] dimensions and spans at most
    /// [`MAX_TABLE_CELLS`] cells. Checked before any cell is built, so lowering's dense
    /// array and the evaluator's key buffer stay within the limits.
    pub(super) fn table_within_limits(&mut self, t: &ast::TableDecl, sizes: &[usize]) -> bool {
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
}

#[cfg(test)]
mod tests {
    use super::super::codes;
    use crate::compile::compile_source;
    use crate::diagnostics::Code;
    use crate::limits::{MAX_TABLE_CELLS, MAX_TABLE_DIMS};

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

    /// A plan over three industries: `lookup`'s line, then the table.
    fn industries(text: &str) -> String {
        let (lookup, table) = text.split_once('\n').expect("a lookup, then a table");
        format!(
            "预警级别 {{ 黄色 < 橙色 }}
枚举 等级 有序 {{ A > B }}
枚举 行业 {{ 水泥熟料, 钢铁, 焦化 }}
实体 厂 键 名 {{ 名: 文本  行业: 行业  等级: 等级 }}
措施 m 强制性 自 黄色 {{ 对象 厂 要求 {lookup} 依据 \"1\" }}
{table}"
        )
    }

    const GRID: &str = "等级 | 黄色 | 橙色\n A, B | 自主减排 | 停产";

    #[test]
    fn values_declared_not_encoded_are_no_gaps_and_lower_to_the_table() {
        for (zh, text) in [
            (true, format!("T[行业, 等级, 级别]\n表 T (行业, 等级, 级别) {{ 未编码: 钢铁、焦化 水泥熟料: {GRID} }}")),
            (false, format!("T[行业, 等级, 级别]\ntable T (行业, 等级, level) {{ not_encoded: 钢铁 水泥熟料: {GRID} not_encoded: 焦化, 钢铁 }}")),
        ] {
            let c = compile_source("t.policy", &industries(&text));
            assert!(c.diagnostics.is_empty(), "{zh}: {:?}", c.diagnostics);
            let t = &c.rules.unwrap().tables[0];
            assert_eq!(t.not_encoded, 0b110);
            assert_eq!(t.not_encoded_at(&[1, 0, 1]), Some(1));
            assert_eq!(t.not_encoded_at(&[0, 0, 1]), None);
        }
        // Without the declaration, 钢铁 and 焦化 are gaps.
        let gaps = industries(&format!(
            "T[行业, 等级, 级别]\n表 T (行业, 等级, 级别) {{ 水泥熟料: {GRID} }}"
        ));
        assert_eq!(codes(&gaps), [Code::W0301]);
    }

    #[test]
    fn a_value_declared_not_encoded_with_cells_is_e0227() {
        let group = format!("T[行业, 等级, 级别]\n表 T (行业, 等级, 级别) {{ 未编码: 钢铁 水泥熟料: {GRID} 钢铁: {GRID} 焦化: {GRID} }}");
        assert_eq!(codes(&industries(&group)), [Code::E0227]);
        // In a table of two dimensions the rows are the first one.
        let rows = "T[行业, 级别]\n表 T (行业, 级别) { 未编码: 焦化 行业 | 黄色 | 橙色\n 水泥熟料, 钢铁, 焦化 | 限产 10% | 停产 }";
        assert_eq!(codes(&industries(rows)), [Code::E0227]);
    }

    #[test]
    fn not_encoded_names_values_of_an_enum_first_dimension() {
        let unknown = format!("T[行业, 等级, 级别]\n表 T (行业, 等级, 级别) {{ 未编码: 铁合金 水泥熟料: {GRID} 钢铁: {GRID} 焦化: {GRID} }}");
        assert_eq!(codes(&industries(&unknown)), [Code::E0106]);
        let levels = "T[级别, 行业]\n表 T (级别, 行业) { 未编码: 黄色 预警 | 水泥熟料 | 钢铁 | 焦化\n 黄色, 橙色 | 停产 | 停产 | 停产 }";
        assert_eq!(codes(&industries(levels)), [Code::E0205]);
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
}
