//! Sets of numbers as sorted, disjoint intervals: the domain of a number or date field
//! after the comparisons of one branch of a condition (`x > 5 且 x < 3` leaves nothing).

use crate::ir::CmpOp;

/// One interval; infinite ends are open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub lo_closed: bool,
    pub hi: f64,
    pub hi_closed: bool,
}

impl Interval {
    fn is_empty(&self) -> bool {
        self.lo > self.hi || (self.lo == self.hi && !(self.lo_closed && self.hi_closed))
    }

    fn intersect(&self, o: &Interval) -> Interval {
        let (lo, lo_closed) = if self.lo > o.lo {
            (self.lo, self.lo_closed)
        } else if o.lo > self.lo {
            (o.lo, o.lo_closed)
        } else {
            (self.lo, self.lo_closed && o.lo_closed)
        };
        let (hi, hi_closed) = if self.hi < o.hi {
            (self.hi, self.hi_closed)
        } else if o.hi < self.hi {
            (o.hi, o.hi_closed)
        } else {
            (self.hi, self.hi_closed && o.hi_closed)
        };
        Interval {
            lo,
            lo_closed,
            hi,
            hi_closed,
        }
    }

    fn has_integer(&self) -> bool {
        if self.lo.is_infinite() || self.hi.is_infinite() {
            return true;
        }
        let mut n = self.lo.ceil();
        if n == self.lo && !self.lo_closed {
            n += 1.0;
        }
        n < self.hi || (n == self.hi && self.hi_closed)
    }
}

/// A union of disjoint intervals in increasing order; empty means no number is left.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalSet {
    ivs: Vec<Interval>,
}

impl IntervalSet {
    #[cfg(test)]
    pub fn all() -> Self {
        IntervalSet {
            ivs: vec![Interval {
                lo: f64::NEG_INFINITY,
                lo_closed: false,
                hi: f64::INFINITY,
                hi_closed: false,
            }],
        }
    }

    pub fn empty() -> Self {
        IntervalSet { ivs: Vec::new() }
    }

    /// The numbers `x` with `x op c`.
    pub fn from_cmp(op: CmpOp, c: f64) -> Self {
        if c.is_nan() {
            return Self::empty();
        }
        let (inf, ninf) = (f64::INFINITY, f64::NEG_INFINITY);
        let iv = |lo, lo_closed, hi, hi_closed| Interval {
            lo,
            lo_closed,
            hi,
            hi_closed,
        };
        let ivs = match op {
            CmpOp::Eq => vec![iv(c, true, c, true)],
            CmpOp::Ne => vec![iv(ninf, false, c, false), iv(c, false, inf, false)],
            CmpOp::Lt => vec![iv(ninf, false, c, false)],
            CmpOp::Le => vec![iv(ninf, false, c, true)],
            CmpOp::Gt => vec![iv(c, false, inf, false)],
            CmpOp::Ge => vec![iv(c, true, inf, false)],
        };
        IntervalSet { ivs }
    }

    /// Exactly the given numbers.
    pub fn points(values: &[f64]) -> Self {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        IntervalSet {
            ivs: v
                .into_iter()
                .map(|c| Interval {
                    lo: c,
                    lo_closed: true,
                    hi: c,
                    hi_closed: true,
                })
                .collect(),
        }
    }

    pub fn intersect(&self, other: &IntervalSet) -> IntervalSet {
        let mut ivs = Vec::new();
        for a in &self.ivs {
            for b in &other.ivs {
                let c = a.intersect(b);
                if !c.is_empty() {
                    ivs.push(c);
                }
            }
        }
        // Both inputs are sorted and disjoint, so the pieces are too once sorted by start.
        ivs.sort_by(|x, y| x.lo.total_cmp(&y.lo));
        IntervalSet { ivs }
    }

    pub fn complement(&self) -> IntervalSet {
        let mut ivs = Vec::new();
        let mut lo = f64::NEG_INFINITY;
        let mut lo_closed = false;
        for iv in &self.ivs {
            let gap = Interval {
                lo,
                lo_closed,
                hi: iv.lo,
                hi_closed: !iv.lo_closed,
            };
            if !gap.is_empty() {
                ivs.push(gap);
            }
            lo = iv.hi;
            lo_closed = !iv.hi_closed;
        }
        let last = Interval {
            lo,
            lo_closed,
            hi: f64::INFINITY,
            hi_closed: false,
        };
        if !last.is_empty() {
            ivs.push(last);
        }
        IntervalSet { ivs }
    }

    pub fn is_empty(&self) -> bool {
        self.ivs.is_empty()
    }

    /// True when some integer lies in the set (integer fields and dates).
    pub fn has_integer(&self) -> bool {
        self.ivs.iter().any(Interval::has_integer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(op: CmpOp, c: f64) -> IntervalSet {
        IntervalSet::from_cmp(op, c)
    }

    #[test]
    fn contradictory_bounds_are_empty() {
        assert!(cmp(CmpOp::Gt, 5.0)
            .intersect(&cmp(CmpOp::Lt, 3.0))
            .is_empty());
        assert!(cmp(CmpOp::Gt, 5.0)
            .intersect(&cmp(CmpOp::Lt, 5.0))
            .is_empty());
        assert!(cmp(CmpOp::Ge, 5.0)
            .intersect(&cmp(CmpOp::Lt, 5.0))
            .is_empty());
        let point = cmp(CmpOp::Ge, 5.0).intersect(&cmp(CmpOp::Le, 5.0));
        assert!(!point.is_empty());
        assert!(point.intersect(&cmp(CmpOp::Ne, 5.0)).is_empty());
    }

    #[test]
    fn open_gaps_hold_reals_but_maybe_no_integer() {
        let s = cmp(CmpOp::Gt, 5.0).intersect(&cmp(CmpOp::Lt, 6.0));
        assert!(!s.is_empty());
        assert!(!s.has_integer());
        let s = cmp(CmpOp::Gt, 5.0).intersect(&cmp(CmpOp::Le, 6.0));
        assert!(s.has_integer());
        assert!(
            cmp(CmpOp::Gt, 5.5)
                .intersect(&cmp(CmpOp::Lt, 5.9))
                .ivs
                .len()
                == 1
        );
        assert!(IntervalSet::all().has_integer());
    }

    #[test]
    fn complement_is_exact() {
        let s = cmp(CmpOp::Gt, 5.0);
        let c = s.complement();
        assert_eq!(c, cmp(CmpOp::Le, 5.0));
        assert!(s.intersect(&c).is_empty());
        assert_eq!(cmp(CmpOp::Ne, 3.0).complement(), cmp(CmpOp::Eq, 3.0));
        assert!(IntervalSet::all().complement().is_empty());
        assert_eq!(IntervalSet::empty().complement(), IntervalSet::all());
        let pts = IntervalSet::points(&[3.0, 1.0, 3.0]);
        assert_eq!(pts.ivs.len(), 2);
        assert!(pts.intersect(&pts.complement()).is_empty());
        assert!(!pts.complement().intersect(&cmp(CmpOp::Gt, 1.0)).is_empty());
    }

    #[test]
    fn membership_meets_bounds() {
        let pts = IntervalSet::points(&[1.0, 2.0]);
        assert!(pts.intersect(&cmp(CmpOp::Gt, 2.0)).is_empty());
        assert!(!pts.intersect(&cmp(CmpOp::Ge, 2.0)).is_empty());
        assert!(IntervalSet::points(&[]).is_empty());
    }
}
