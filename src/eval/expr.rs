//! Conditions over the records in scope. Total: every expression ends and none panics;
//! a comparison with a missing value is false.

use std::cmp::Ordering;

use crate::ir::{CompareAs, Expr, FieldRef, Operand, Record, RuleSet, Value};
use crate::limits::MAX_FRAMES;

/// The records in scope, innermost first, each scope linking to the one around it: two words,
/// so it is passed in registers (a fixed array of scopes, copied at every call, stalled the
/// decisions on store forwarding), and pushing a scope never allocates.
#[derive(Clone, Copy)]
pub struct Frames<'a> {
    top: &'a Record,
    outer: Option<&'a Frames<'a>>,
}

impl<'a> Frames<'a> {
    pub fn root(record: &'a Record) -> Self {
        Frames {
            top: record,
            outer: None,
        }
    }

    /// The scopes with `record` inside them. Scopes past [`MAX_FRAMES`] are not pushed (a
    /// validated rule set never nests that deep).
    pub fn push<'b>(&'b self, record: &'b Record) -> Frames<'b> {
        // The record alone has room for an item without counting.
        if self.outer.is_some() && self.depth() + 1 >= MAX_FRAMES {
            return *self;
        }
        Frames {
            top: record,
            outer: Some(self),
        }
    }

    /// The outermost scope alone: the record a measure's entity is.
    pub fn root_only(self) -> Self {
        let mut f = self;
        while let Some(outer) = f.outer {
            f = *outer;
        }
        f
    }

    /// How many scopes are around the innermost one.
    fn depth(&self) -> usize {
        let (mut n, mut f) = (0, self);
        while let Some(outer) = f.outer {
            n += 1;
            f = outer;
        }
        n
    }

    /// The value of field `r` in its scope; missing when there is no such scope.
    #[inline(always)]
    pub fn get(&self, r: FieldRef) -> &'a Value {
        let frame = r.frame as usize;
        // The record alone, or one item inside it (the scopes plans mostly have), without
        // counting the scopes first.
        let record = match self.outer {
            None => (frame == 0).then_some(self.top),
            Some(outer) if outer.outer.is_none() => match frame {
                0 => Some(outer.top),
                1 => Some(self.top),
                _ => None,
            },
            Some(_) => self.deeper(frame),
        };
        record.map_or(&Value::Missing, |rec| rec.get(r.field as usize))
    }

    /// The record of scope `frame` (0: the outermost), counted from the outside.
    #[inline(never)]
    fn deeper(&self, frame: usize) -> Option<&'a Record> {
        let mut up = self.depth().checked_sub(frame)?;
        let mut f = *self;
        while up > 0 {
            f = *f.outer?;
            up -= 1;
        }
        Some(f.top)
    }
}

enum Scalar<'a> {
    Ref(&'a Value),
    Level(u16),
}

impl Scalar<'_> {
    fn as_enum(&self) -> Option<u16> {
        match self {
            Scalar::Ref(Value::Enum(v)) => Some(*v),
            Scalar::Level(l) => Some(*l),
            _ => None,
        }
    }
}

fn operand<'a>(o: &'a Operand, frames: Frames<'a>, level: usize) -> Scalar<'a> {
    match o {
        Operand::Field(r) => Scalar::Ref(frames.get(*r)),
        Operand::Level => Scalar::Level(level as u16),
        Operand::Const(v) => Scalar::Ref(v),
    }
}

fn ordering(rules: &RuleSet, cmp: CompareAs, a: &Scalar<'_>, b: &Scalar<'_>) -> Option<Ordering> {
    match cmp {
        CompareAs::Enum(e) => {
            let (x, y) = (a.as_enum()?, b.as_enum()?);
            let rank = &rules.enums.get(e)?.rank;
            Some(rank.get(x as usize)?.cmp(rank.get(y as usize)?))
        }
        CompareAs::Level => Some(a.as_enum()?.cmp(&b.as_enum()?)),
        _ => match (a, b) {
            // Integers exactly, also against decimals (never rounded to a double).
            (Scalar::Ref(x @ (Value::Int(_) | Value::Num(_))), Scalar::Ref(y)) => x.cmp_numbers(y),
            (Scalar::Ref(Value::Text(x)), Scalar::Ref(Value::Text(y))) => Some(x.cmp(y)),
            (Scalar::Ref(Value::Date(x)), Scalar::Ref(Value::Date(y))) => Some(x.cmp(y)),
            (Scalar::Ref(Value::Bool(x)), Scalar::Ref(Value::Bool(y))) => Some(x.cmp(y)),
            _ => None,
        },
    }
}

/// Whether condition `e` holds for the records in scope at `level`.
///
/// The leaves a plan's conditions mostly are (a yes/no field, a field that has a value, the
/// level or a variant in a set) are decided inline where the condition is read; the rest
/// goes through [`compound`], which calls back here for its operands.
#[inline(always)]
pub fn eval_condition(rules: &RuleSet, e: &Expr, frames: Frames<'_>, level: usize) -> bool {
    match e {
        Expr::Truthy(r) => matches!(frames.get(*r), Value::Bool(true)),
        Expr::Present(r) => !matches!(frames.get(*r), Value::Missing),
        Expr::InField { operand: o, set } => {
            let v = operand(o, frames, level).as_enum();
            match (v, frames.get(*set)) {
                (Some(v), Value::Set(bits)) => v < 64 && bits & (1u64 << v) != 0,
                _ => false,
            }
        }
        Expr::InMask { operand: o, mask } => match operand(o, frames, level).as_enum() {
            Some(v) => v < 64 && mask & (1u64 << v) != 0,
            None => false,
        },
        _ => compound(rules, e, frames, level),
    }
}

/// The conditions [`eval_condition`] does not decide inline.
#[inline(never)]
fn compound(rules: &RuleSet, e: &Expr, frames: Frames<'_>, level: usize) -> bool {
    match e {
        Expr::Const(b) => *b,
        Expr::Truthy(_) | Expr::Present(_) | Expr::InField { .. } | Expr::InMask { .. } => {
            eval_condition(rules, e, frames, level)
        }
        Expr::Compare { op, lhs, rhs, cmp } => {
            let (a, b) = (operand(lhs, frames, level), operand(rhs, frames, level));
            let Some(ord) = ordering(rules, *cmp, &a, &b) else {
                return false;
            };
            op.holds(ord)
        }
        Expr::InValues { operand: o, values } => match operand(o, frames, level) {
            Scalar::Ref(Value::Missing) | Scalar::Level(_) => false,
            Scalar::Ref(x) => values.iter().any(|c| c.same(x)),
        },
        Expr::Not(inner) => !eval_condition(rules, inner, frames, level),
        Expr::And(es) => es.iter().all(|x| eval_condition(rules, x, frames, level)),
        Expr::Or(es) => es.iter().any(|x| eval_condition(rules, x, frames, level)),
        Expr::Any { list, body } => match frames.get(*list) {
            Value::List(items) => items
                .iter()
                .any(|it| eval_condition(rules, body, frames.push(it), level)),
            _ => false,
        },
        Expr::All { list, body } => match frames.get(*list) {
            Value::List(items) => items
                .iter()
                .all(|it| eval_condition(rules, body, frames.push(it), level)),
            _ => true,
        },
    }
}
