//! Conditions as the evaluator runs them: fields resolved to (frame, index), enum values
//! interned, constant sets as bit masks.

use serde::{Deserialize, Serialize};

use super::value::Value;

/// A field of one of the records in scope: frame 0 is the top-level record, frame 1 the
/// item of a list-field subject, deeper frames the items of `任一`/`所有`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldRef {
    pub frame: u8,
    pub field: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// Whether `a op b` holds, given how `a` compares with `b`.
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => ord == Equal,
            CmpOp::Ne => ord != Equal,
            CmpOp::Lt => ord == Less,
            CmpOp::Le => ord != Greater,
            CmpOp::Gt => ord == Greater,
            CmpOp::Ge => ord != Less,
        }
    }

    /// The operator with its operands swapped: `a op b` iff `b op.flipped() a`.
    pub fn flipped(self) -> Self {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// How two operands compare, fixed at type-check time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareAs {
    Number,
    Text,
    Date,
    Bool,
    /// Enum variants; ordering comparisons use the enum's rank.
    Enum(usize),
    Level,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Operand {
    Field(FieldRef),
    /// The alert level being evaluated.
    Level,
    Const(Value),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    Const(bool),
    /// A yes/no field.
    Truthy(FieldRef),
    Present(FieldRef),
    Compare {
        op: CmpOp,
        lhs: Operand,
        rhs: Operand,
        cmp: CompareAs,
    },
    /// Enum or level membership in a constant set (bit mask of variant indexes).
    InMask {
        operand: Operand,
        mask: u64,
    },
    /// Membership of a text or number in a constant list.
    InValues {
        operand: Operand,
        values: Vec<Value>,
    },
    /// An enum value or level in a set-typed field.
    InField {
        operand: Operand,
        set: FieldRef,
    },
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Any {
        list: FieldRef,
        body: Box<Expr>,
    },
    All {
        list: FieldRef,
        body: Box<Expr>,
    },
}

impl Expr {
    /// Visits every field reference, for analyses and for explanations.
    pub fn for_each_field(&self, f: &mut impl FnMut(FieldRef)) {
        let operand = |o: &Operand, f: &mut dyn FnMut(FieldRef)| {
            if let Operand::Field(r) = o {
                f(*r)
            }
        };
        match self {
            Expr::Const(_) => {}
            Expr::Truthy(r) | Expr::Present(r) => f(*r),
            Expr::Compare { lhs, rhs, .. } => {
                operand(lhs, f);
                operand(rhs, f);
            }
            Expr::InMask { operand: o, .. } | Expr::InValues { operand: o, .. } => operand(o, f),
            Expr::InField { operand: o, set } => {
                operand(o, f);
                f(*set);
            }
            Expr::Not(e) => e.for_each_field(f),
            Expr::And(es) | Expr::Or(es) => es.iter().for_each(|e| e.for_each_field(f)),
            Expr::Any { list, body } | Expr::All { list, body } => {
                f(*list);
                body.for_each_field(f);
            }
        }
    }
}
