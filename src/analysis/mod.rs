//! Stage 4, analyse: the typed program → diagnostics about the plan itself (gaps in tables,
//! overlaps, monotonicity along levels and grades, exemption bounds, conditions that never
//! hold, unused declarations, missing citations). Runs only on a program without errors.
//!
//! Every analysis is exact on finite enums (it enumerates), uses interval reasoning on
//! numbers and dates, and stays silent where it cannot decide (see [`cond`]).

pub mod cond;
pub mod interval;

mod citations;
mod completeness;
mod exemptions;
mod grades;
mod grid;
mod levels;
mod overlap;
mod unsat;
mod unused;

use crate::diagnostics::Diagnostic;
use crate::ir::{Action, Dim, FieldRef};
use crate::keywords;
use crate::semantics::typed::Measure;
use crate::semantics::Checked;

use cond::{Logic, Var};
use grid::Grid;

/// Runs every analysis over a type-checked program. Call only when type checking reported
/// no error: the analyses assume every name and index is valid.
pub fn analyse(checked: &Checked) -> Vec<Diagnostic> {
    let cx = Cx::new(checked);
    let mut out = Vec::new();
    completeness::check(&cx, &mut out);
    overlap::check(&cx, &mut out);
    levels::check(&cx, &mut out);
    grades::check(&cx, &mut out);
    exemptions::check(&cx, &mut out);
    unsat::check(&cx, &mut out);
    unused::check(&cx, &mut out);
    citations::check(&cx, &mut out);
    out
}

/// What every analysis reads: the typed program with its spans, tables as dense grids.
pub(crate) struct Cx<'a> {
    pub checked: &'a Checked,
    pub logic: Logic<'a>,
    pub grids: Vec<Grid>,
    /// Chinese or English spelling of keywords in messages (follows the entry file).
    pub zh: bool,
}

impl<'a> Cx<'a> {
    fn new(checked: &'a Checked) -> Self {
        let grids = checked
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| Grid::new(t, i))
            .collect();
        Cx {
            checked,
            logic: Logic::new(checked),
            grids,
            zh: checked.chinese,
        }
    }

    pub fn level_name(&self, l: usize) -> &str {
        self.checked
            .levels
            .get(l)
            .map(|x| x.name.as_str())
            .unwrap_or("?")
    }

    pub fn dim_name(&self, d: Dim) -> &str {
        match d {
            Dim::Level => keywords::LEVEL.spelling(self.zh),
            Dim::Enum(e) => self
                .checked
                .enums
                .get(e)
                .map(|x| x.name.as_str())
                .unwrap_or("?"),
        }
    }

    pub fn dim_value(&self, d: Dim, v: usize) -> &str {
        match d {
            Dim::Level => self.level_name(v),
            Dim::Enum(e) => self
                .checked
                .enums
                .get(e)
                .and_then(|x| x.variants.get(v))
                .map(String::as_str)
                .unwrap_or("?"),
        }
    }

    /// An action as the author writes it: `限产 20% + 禁止 国四重卡禁运`.
    pub fn action_text(&self, a: Action) -> String {
        a.text(self.zh, |r| {
            self.checked.restrictions.get(r).map(|x| x.name.as_str())
        })
    }

    /// The level names of a mask, joined: `橙色, 红色`.
    pub fn levels_text(&self, mask: u64) -> String {
        (0..self.checked.levels.len())
            .filter(|l| mask & (1u64 << l) != 0)
            .map(|l| self.level_name(l))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The levels at which a measure is in force, as a mask (bit i: level i), as the rule
    /// set holds them.
    pub fn in_force(&self, m: &Measure) -> u64 {
        crate::ir::lower::level_mask(&m.in_force)
    }

    /// The records in scope of a measure's condition: its entity, then its item entity.
    pub fn measure_scope(&self, m: usize) -> Vec<usize> {
        let measure = &self.checked.measures[m];
        let mut scope = vec![measure.entity];
        if let Some(item) = measure.item {
            scope.push(item.entity);
        }
        scope
    }

    pub fn field_name(&self, r: FieldRef, scope: &[usize]) -> String {
        scope
            .get(r.frame as usize)
            .and_then(|e| self.checked.entities.get(*e))
            .and_then(|e| e.fields.get(r.field as usize))
            .map(|f| f.name.clone())
            .unwrap_or_else(|| "?".to_string())
    }

    pub fn var_name(&self, v: Var, scope: &[usize]) -> String {
        match v {
            Var::Level => keywords::LEVEL.spelling(self.zh).to_string(),
            Var::Field(r) => self.field_name(r, scope),
        }
    }

    /// The subject as written: `企业` or `企业.非道路移动机械`.
    pub fn subject_text(&self, m: usize) -> String {
        let measure = &self.checked.measures[m];
        let entity = &self.checked.entities[measure.entity];
        match measure.item {
            Some(item) => format!(
                "{}.{}",
                entity.name,
                entity
                    .fields
                    .get(item.field)
                    .map(|f| f.name.as_str())
                    .unwrap_or("?")
            ),
            None => entity.name.clone(),
        }
    }
}

/// Joins names for a message, at most `max` of them: `a, b, c and 4 more`.
pub(crate) fn list(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..max].join(", "), items.len() - max)
    }
}
