//! A table as a dense grid of its cells with their spans, shared by the table analyses.

use crate::limits::MAX_ANALYSED_CELLS;
use std::collections::HashMap;

use crate::ir::{Action, Dim};
use crate::semantics::typed::Table;
use crate::source::Span;

/// A second cell written for a combination that already had one.
#[derive(Debug, Clone)]
pub struct Duplicate {
    pub keys: Vec<usize>,
    pub first: (Action, Span),
    pub second: (Action, Span),
}

#[derive(Debug, Clone)]
pub struct Grid {
    pub table: usize,
    pub dims: Vec<Dim>,
    pub sizes: Vec<usize>,
    /// Row-major over `dims`; the first cell written for a combination (as lowering keeps it).
    pub cells: Vec<Option<(Action, Span)>>,
    pub default: Option<(Action, Span)>,
    pub duplicates: Vec<Duplicate>,
    /// False when the table is too large to enumerate (then it has no cells here).
    pub dense: bool,
    /// The span of the grid row each cell belongs to, keyed by the cell's span.
    rows: HashMap<(usize, usize, usize), Span>,
}

impl Grid {
    pub fn new(t: &Table, table: usize) -> Self {
        let total = t
            .sizes
            .iter()
            .try_fold(1usize, |acc, s| acc.checked_mul(*s))
            .filter(|n| *n <= MAX_ANALYSED_CELLS && !t.sizes.is_empty());
        let mut g = Grid {
            table,
            dims: t.dims.clone(),
            sizes: t.sizes.clone(),
            cells: vec![None; total.unwrap_or(0)],
            default: None,
            duplicates: Vec::new(),
            dense: total.is_some(),
            rows: HashMap::new(),
        };
        for cell in &t.cells {
            g.rows.insert(
                (cell.span.file, cell.span.start, cell.span.end),
                cell.row_span,
            );
        }
        if let Some(a) = t.default {
            g.default = Some((a, t.default_span.unwrap_or(t.name_span)));
        }
        if !g.dense {
            return g;
        }
        for cell in &t.cells {
            let Some(i) = g.index(&cell.keys) else {
                continue;
            };
            match g.cells[i] {
                None => g.cells[i] = Some((cell.action, cell.span)),
                Some(first) => g.duplicates.push(Duplicate {
                    keys: cell.keys.clone(),
                    first,
                    second: (cell.action, cell.span),
                }),
            }
        }
        g
    }

    pub fn index(&self, keys: &[usize]) -> Option<usize> {
        if keys.len() != self.sizes.len() || !self.dense {
            return None;
        }
        let mut index = 0usize;
        for (k, size) in keys.iter().zip(&self.sizes) {
            if k >= size {
                return None;
            }
            index = index * size + k;
        }
        Some(index)
    }

    /// The cell a lookup finds for `keys`: the explicit cell, else the default.
    pub fn get(&self, keys: &[usize]) -> Option<(Action, Span)> {
        self.index(keys)
            .and_then(|i| self.cells[i])
            .or(self.default)
    }

    pub fn row_span(&self, cell: Span) -> Option<Span> {
        self.rows.get(&(cell.file, cell.start, cell.end)).copied()
    }

    /// Every combination of the dimensions other than `dim`, in row-major order.
    /// Empty for a table too large to enumerate: density is tested before anything is built.
    pub fn others(&self, dim: usize) -> Vec<Vec<usize>> {
        if !self.dense {
            return Vec::new();
        }
        let mut out = vec![Vec::new()];
        for (d, size) in self.sizes.iter().enumerate() {
            if d == dim {
                out.iter_mut().for_each(|k| k.push(0));
                continue;
            }
            out = out
                .into_iter()
                .flat_map(|k| {
                    (0..*size).map(move |v| {
                        let mut k = k.clone();
                        k.push(v);
                        k
                    })
                })
                .collect();
        }
        out
    }
}

/// Where `b` asks less than `a`, or something not comparable: how, in words.
pub(super) fn weaker(a: Action, b: Action) -> Option<&'static str> {
    match b.strictness_cmp(a) {
        Some(std::cmp::Ordering::Less) => Some("less strict"),
        None => Some("not comparable"),
        _ => None,
    }
}

/// Walking one dimension of a table in a given order, a cell that asks less than the cell
/// before it (or something not comparable): both cells' spans, the keys of the first
/// combination where it happens, the two values of the dimension, and how many
/// combinations share this pair of cells.
pub struct Decrease {
    pub before: Span,
    pub after: Span,
    pub keys: Vec<usize>,
    pub from: usize,
    pub to: usize,
    pub count: usize,
}

impl Grid {
    /// Every [`Decrease`] along dimension `dim`, its values visited in `order`.
    pub fn drops_along(&self, dim: usize, order: &[usize]) -> Vec<Decrease> {
        let mut found: Vec<Decrease> = Vec::new();
        for mut keys in self.others(dim) {
            let mut prev: Option<((Action, Span), usize)> = None;
            for &v in order {
                keys[dim] = v;
                let Some(cell) = self.get(&keys) else {
                    continue;
                };
                if let Some((p, pv)) = prev {
                    if weaker(p.0, cell.0).is_some() {
                        match found
                            .iter_mut()
                            .find(|f| f.before == p.1 && f.after == cell.1)
                        {
                            Some(f) => f.count += 1,
                            None => found.push(Decrease {
                                before: p.1,
                                after: cell.1,
                                keys: keys.clone(),
                                from: pv,
                                to: v,
                                count: 1,
                            }),
                        }
                    }
                }
                prev = Some((cell, v));
            }
        }
        found
    }
}
