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
    /// Whether the condition reads the alert level (`级别`).
    pub fn reads_level(&self) -> bool {
        let level = |o: &Operand| matches!(o, Operand::Level);
        match self {
            Expr::Const(_) | Expr::Truthy(_) | Expr::Present(_) => false,
            Expr::Compare { lhs, rhs, .. } => level(lhs) || level(rhs),
            Expr::InMask { operand, .. }
            | Expr::InValues { operand, .. }
            | Expr::InField { operand, .. } => level(operand),
            Expr::Not(e) => e.reads_level(),
            Expr::And(es) | Expr::Or(es) => es.iter().any(Expr::reads_level),
            Expr::Any { body, .. } | Expr::All { body, .. } => body.reads_level(),
        }
    }

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

/// Conditions as a compiled rule set stores them: a flat list of nodes in post-order (each
/// connective after its operands, with its operand count), so the JSON nesting does not grow
/// with the condition's — serde_json refuses documents nested more than 128 deep, which a
/// plan's brackets alone can reach. Reading builds the tree with a stack, never deeper than
/// [`MAX_EXPR_DEPTH`], so a hostile file cannot build a tree that overflows the stack.
pub mod flat {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{CmpOp, CompareAs, Expr, FieldRef, Operand};
    use crate::ir::Value;
    use crate::limits::MAX_EXPR_DEPTH;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    enum Node {
        Const(bool),
        Truthy(FieldRef),
        Present(FieldRef),
        Compare {
            op: CmpOp,
            lhs: Operand,
            rhs: Operand,
            cmp: CompareAs,
        },
        InMask {
            operand: Operand,
            mask: u64,
        },
        InValues {
            operand: Operand,
            values: Vec<Value>,
        },
        InField {
            operand: Operand,
            set: FieldRef,
        },
        Not,
        And(usize),
        Or(usize),
        Any(FieldRef),
        All(FieldRef),
    }

    fn nodes(e: &Expr) -> Vec<Node> {
        let mut out = Vec::new();
        let mut todo = vec![(e, false)];
        while let Some((e, operands_done)) = todo.pop() {
            if !operands_done {
                todo.push((e, true));
                match e {
                    Expr::Not(x) | Expr::Any { body: x, .. } | Expr::All { body: x, .. } => {
                        todo.push((x, false))
                    }
                    Expr::And(xs) | Expr::Or(xs) => {
                        todo.extend(xs.iter().rev().map(|x| (x, false)))
                    }
                    _ => {}
                }
                continue;
            }
            out.push(match e {
                Expr::Const(b) => Node::Const(*b),
                Expr::Truthy(r) => Node::Truthy(*r),
                Expr::Present(r) => Node::Present(*r),
                Expr::Compare { op, lhs, rhs, cmp } => Node::Compare {
                    op: *op,
                    lhs: lhs.clone(),
                    rhs: rhs.clone(),
                    cmp: *cmp,
                },
                Expr::InMask { operand, mask } => Node::InMask {
                    operand: operand.clone(),
                    mask: *mask,
                },
                Expr::InValues { operand, values } => Node::InValues {
                    operand: operand.clone(),
                    values: values.clone(),
                },
                Expr::InField { operand, set } => Node::InField {
                    operand: operand.clone(),
                    set: *set,
                },
                Expr::Not(_) => Node::Not,
                Expr::And(xs) => Node::And(xs.len()),
                Expr::Or(xs) => Node::Or(xs.len()),
                Expr::Any { list, .. } => Node::Any(*list),
                Expr::All { list, .. } => Node::All(*list),
            });
        }
        out
    }

    /// The tree the nodes describe; `Err` says why they describe none.
    fn tree(nodes: Vec<Node>) -> Result<Expr, String> {
        // Each built operand with its depth.
        let mut stack: Vec<(Expr, usize)> = Vec::new();
        for node in nodes {
            let mut take = |n: usize| -> Result<(Vec<Expr>, usize), String> {
                let at = stack.len().checked_sub(n).ok_or_else(|| {
                    format!(
                        "a connective of {n} operands follows {} conditions",
                        stack.len()
                    )
                })?;
                let (xs, depths): (Vec<_>, Vec<_>) = stack.drain(at..).unzip();
                let depth = depths.into_iter().max().unwrap_or(0) + 1;
                if depth > MAX_EXPR_DEPTH {
                    return Err(format!(
                        "a condition is nested more than {MAX_EXPR_DEPTH} deep"
                    ));
                }
                Ok((xs, depth))
            };
            let built = match node {
                Node::Const(b) => (Expr::Const(b), 1),
                Node::Truthy(r) => (Expr::Truthy(r), 1),
                Node::Present(r) => (Expr::Present(r), 1),
                Node::Compare { op, lhs, rhs, cmp } => (Expr::Compare { op, lhs, rhs, cmp }, 1),
                Node::InMask { operand, mask } => (Expr::InMask { operand, mask }, 1),
                Node::InValues { operand, values } => (Expr::InValues { operand, values }, 1),
                Node::InField { operand, set } => (Expr::InField { operand, set }, 1),
                Node::Not => {
                    let (mut xs, d) = take(1)?;
                    (Expr::Not(Box::new(xs.remove(0))), d)
                }
                Node::And(n) => {
                    let (xs, d) = take(n)?;
                    (Expr::And(xs), d)
                }
                Node::Or(n) => {
                    let (xs, d) = take(n)?;
                    (Expr::Or(xs), d)
                }
                Node::Any(list) => {
                    let (mut xs, d) = take(1)?;
                    let body = Box::new(xs.remove(0));
                    (Expr::Any { list, body }, d)
                }
                Node::All(list) => {
                    let (mut xs, d) = take(1)?;
                    let body = Box::new(xs.remove(0));
                    (Expr::All { list, body }, d)
                }
            };
            stack.push(built);
        }
        match (stack.pop(), stack.is_empty()) {
            (Some((e, _)), true) => Ok(e),
            (None, _) => Err("a condition without nodes".into()),
            (Some(_), false) => Err("a condition of several unconnected parts".into()),
        }
    }

    pub fn serialize<S: Serializer>(e: &Expr, s: S) -> Result<S::Ok, S::Error> {
        nodes(e).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Expr, D::Error> {
        tree(Vec::<Node>::deserialize(d)?).map_err(serde::de::Error::custom)
    }

    /// The same for optional conditions.
    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(e: &Option<Expr>, s: S) -> Result<S::Ok, S::Error> {
            e.as_ref().map(nodes).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Expr>, D::Error> {
            Option::<Vec<Node>>::deserialize(d)?
                .map(tree)
                .transpose()
                .map_err(serde::de::Error::custom)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn leaf(field: u16) -> Expr {
            Expr::Truthy(FieldRef { frame: 0, field })
        }

        #[test]
        fn conditions_round_trip_flat() {
            let e = Expr::Or(vec![
                Expr::And(vec![leaf(0), Expr::Not(Box::new(leaf(1))), leaf(2)]),
                Expr::Any {
                    list: FieldRef { frame: 0, field: 3 },
                    body: Box::new(Expr::All {
                        list: FieldRef { frame: 1, field: 4 },
                        body: Box::new(Expr::Const(true)),
                    }),
                },
                Expr::And(Vec::new()),
            ]);
            let n = nodes(&e);
            assert_eq!(n.len(), 10);
            assert_eq!(tree(n).unwrap(), e);
        }

        #[test]
        fn malformed_or_too_deep_node_lists_are_refused() {
            assert!(tree(vec![Node::Not]).is_err(), "an operand missing");
            assert!(tree(vec![Node::Const(true), Node::And(3)]).is_err());
            assert!(tree(Vec::new()).is_err());
            assert!(tree(vec![Node::Const(true), Node::Const(false)]).is_err());
            let mut deep = vec![Node::Const(true)];
            deep.extend((0..MAX_EXPR_DEPTH - 1).map(|_| Node::Not));
            assert!(
                tree(deep.clone()).is_ok(),
                "{MAX_EXPR_DEPTH} deep is allowed"
            );
            deep.push(Node::Not);
            let e = tree(deep).unwrap_err();
            assert!(e.contains("nested more than"), "{e}");
            // A million nodes are read without recursion.
            let mut many = vec![Node::Const(true); 1_000_000];
            many.push(Node::And(1_000_000));
            assert!(matches!(tree(many), Ok(Expr::And(xs)) if xs.len() == 1_000_000));
        }
    }
}
