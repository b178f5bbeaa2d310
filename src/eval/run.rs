//! Evaluating whole datasets: every record at every requested level, in parallel, in input order.

use rayon::prelude::*;

use super::{Decision, EvalError, Evaluator};
use crate::data::LoadedRecord;

/// One record's decisions at the requested levels (or the error that stopped a level).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub levels: Vec<(usize, Result<Decision, EvalError>)>,
}

impl Outcome {
    pub fn failed(&self) -> bool {
        self.levels.iter().any(|(_, r)| r.is_err())
    }
}

pub fn evaluate_records(
    ev: &Evaluator<'_>,
    records: &[LoadedRecord],
    levels: &[usize],
) -> Vec<Outcome> {
    records
        .par_iter()
        .map(|r| Outcome {
            levels: levels
                .iter()
                .map(|&l| {
                    let mut d = Decision::default();
                    (l, ev.evaluate(r.entity, &r.record, l, &mut d).map(|_| d))
                })
                .collect(),
        })
        .collect()
}
