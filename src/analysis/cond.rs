//! Reasoning about conditions without data: three-valued partial evaluation, and a
//! satisfiability search that is exact on enums, levels, yes/no fields and `有值`, uses
//! interval reasoning on numbers and dates, and says "don't know" (never "no") for what it
//! cannot model (comparisons between two fields, quantifiers, a search over budget).

use crate::limits::{ANALYSIS_BUDGET, ANALYSIS_MAX_DEPTH};
use std::borrow::Cow;
use std::cmp::Ordering;

use super::interval::IntervalSet;
use crate::ir::{CmpOp, CompareAs, Expr, FieldRef, FieldType, Operand, Value};
use crate::semantics::Checked;

/// Three-valued truth: a condition with some values known and the rest unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    False,
    True,
    Unknown,
}

impl Tri {
    pub fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::True, Tri::True) => Tri::True,
            _ => Tri::Unknown,
        }
    }

    pub fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::False, Tri::False) => Tri::False,
            _ => Tri::Unknown,
        }
    }

    pub fn negate(self) -> Tri {
        match self {
            Tri::False => Tri::True,
            Tri::True => Tri::False,
            Tri::Unknown => Tri::Unknown,
        }
    }

    fn of(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }
}

/// Values fixed for an analysis: the level, and enum fields such as a table lookup's keys.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub level: Option<u16>,
    pub fields: Vec<(FieldRef, u16)>,
}

impl Known {
    fn field(&self, r: FieldRef) -> Option<u16> {
        self.fields.iter().find(|(f, _)| *f == r).map(|(_, v)| *v)
    }
}

/// A variable of a condition: the level being evaluated, or a field of a record in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    Level,
    Field(FieldRef),
}

/// Why a condition cannot hold (the first contradiction the search met).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A single test that no value passes (`x 属于 {}`).
    EmptyTest(Var),
    /// The tests on one variable exclude each other (`x > 5 且 x < 3`).
    Conflict(Var),
    /// A condition and its negation are both required.
    Negation,
    /// The condition is the constant `否`.
    AlwaysFalse,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sat {
    Yes,
    No(Reason),
    Unknown,
}

/// The present values a variable may still take.
#[derive(Debug, Clone, PartialEq)]
enum Vals {
    Any,
    Empty,
    /// Enum variants, levels or yes/no (bit 1 = yes) as a mask.
    Finite(u64),
    Num(IntervalSet),
    /// `only`: exactly these texts; otherwise every text but these.
    Text {
        only: bool,
        set: Vec<Box<str>>,
    },
    /// A set-typed field: values it must and must not contain.
    Set {
        must: u64,
        not: u64,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Con {
    /// Whether the variable may still have no value.
    missing: bool,
    vals: Vals,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Finite(usize),
    Num { integer: bool },
    Text,
    Set,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Dom {
    optional: bool,
    kind: Kind,
}

enum Lit<'e> {
    Const(bool),
    Con(Var, Con),
    Opaque(&'e Expr, bool),
}

#[derive(Clone, Default)]
struct State<'e> {
    vars: Vec<(Var, Con)>,
    opaque: Vec<(&'e Expr, bool)>,
}

fn full(n: usize) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

fn bit(i: usize) -> u64 {
    if i < 64 {
        1u64 << i
    } else {
        0
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        o => o,
    }
}

fn intersect(a: &Vals, b: &Vals) -> Vals {
    match (a, b) {
        (Vals::Any, x) | (x, Vals::Any) => x.clone(),
        (Vals::Empty, _) | (_, Vals::Empty) => Vals::Empty,
        (Vals::Finite(x), Vals::Finite(y)) => Vals::Finite(x & y),
        (Vals::Num(x), Vals::Num(y)) => Vals::Num(x.intersect(y)),
        (Vals::Text { only: true, set: x }, Vals::Text { only: true, set: y }) => Vals::Text {
            only: true,
            set: x.iter().filter(|t| y.contains(t)).cloned().collect(),
        },
        (
            Vals::Text { only: true, set: x },
            Vals::Text {
                only: false,
                set: y,
            },
        )
        | (
            Vals::Text {
                only: false,
                set: y,
            },
            Vals::Text { only: true, set: x },
        ) => Vals::Text {
            only: true,
            set: x.iter().filter(|t| !y.contains(t)).cloned().collect(),
        },
        (
            Vals::Text {
                only: false,
                set: x,
            },
            Vals::Text {
                only: false,
                set: y,
            },
        ) => {
            let mut set = x.clone();
            set.extend(y.iter().filter(|t| !x.contains(t)).cloned());
            Vals::Text { only: false, set }
        }
        (Vals::Set { must: a, not: b }, Vals::Set { must: c, not: d }) => Vals::Set {
            must: a | c,
            not: b | d,
        },
        // Kinds that cannot meet (a type error upstream): keep what is known.
        (x, _) => x.clone(),
    }
}

fn complement(v: &Vals, kind: Kind) -> Vals {
    match v {
        Vals::Any => Vals::Empty,
        Vals::Empty => Vals::Any,
        Vals::Finite(m) => match kind {
            Kind::Finite(n) => Vals::Finite(!m & full(n)),
            _ => Vals::Finite(!m),
        },
        Vals::Num(s) => Vals::Num(s.complement()),
        Vals::Text { only, set } => Vals::Text {
            only: !only,
            set: set.clone(),
        },
        Vals::Set { must, not } => Vals::Set {
            must: *not,
            not: *must,
        },
    }
}

fn nonempty(v: &Vals, kind: Kind) -> bool {
    match v {
        Vals::Any => true,
        Vals::Empty => false,
        Vals::Finite(m) => match kind {
            Kind::Finite(n) => m & full(n) != 0,
            _ => *m != 0,
        },
        Vals::Num(s) => match kind {
            Kind::Num { integer: true } => s.has_integer(),
            _ => !s.is_empty(),
        },
        Vals::Text { only, set } => !*only || !set.is_empty(),
        Vals::Set { must, not } => must & not == 0,
    }
}

/// Condition reasoning against one program's schema.
pub struct Logic<'c> {
    checked: &'c Checked,
}

impl<'c> Logic<'c> {
    pub fn new(checked: &'c Checked) -> Self {
        Logic { checked }
    }

    // ------------------------------------------------------------------ partial evaluation

    fn known_operand<'a>(&self, o: &'a Operand, known: &Known) -> Option<Cow<'a, Value>> {
        match o {
            Operand::Const(v) => Some(Cow::Borrowed(v)),
            Operand::Level => known.level.map(|l| Cow::Owned(Value::Enum(l))),
            Operand::Field(r) => known.field(*r).map(|v| Cow::Owned(Value::Enum(v))),
        }
    }

    fn ordering(&self, cmp: CompareAs, a: &Value, b: &Value) -> Option<Ordering> {
        match (cmp, a, b) {
            (CompareAs::Enum(e), Value::Enum(x), Value::Enum(y)) => {
                let rank = &self.checked.enums.get(e)?.rank;
                Some(rank.get(*x as usize)?.cmp(rank.get(*y as usize)?))
            }
            (CompareAs::Level, Value::Enum(x), Value::Enum(y)) => Some(x.cmp(y)),
            (_, Value::Int(_) | Value::Num(_), _) => a.cmp_numbers(b),
            (_, Value::Text(x), Value::Text(y)) => Some(x.cmp(y)),
            (_, Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
            (_, Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
            _ => None,
        }
    }

    /// Evaluates `e` with the `known` values fixed and everything else unknown.
    pub fn partial(&self, e: &Expr, known: &Known) -> Tri {
        match e {
            Expr::Const(b) => Tri::of(*b),
            Expr::Truthy(_) | Expr::Present(_) | Expr::InField { .. } => Tri::Unknown,
            Expr::Compare { op, lhs, rhs, cmp } => {
                match (
                    self.known_operand(lhs, known),
                    self.known_operand(rhs, known),
                ) {
                    (Some(a), Some(b)) => {
                        Tri::of(self.ordering(*cmp, &a, &b).is_some_and(|ord| op.holds(ord)))
                    }
                    _ => Tri::Unknown,
                }
            }
            Expr::InMask { operand, mask } => match self.known_operand(operand, known) {
                Some(v) => Tri::of(matches!(*v, Value::Enum(i) if mask & bit(i as usize) != 0)),
                None => Tri::Unknown,
            },
            Expr::InValues { operand, values } => match self.known_operand(operand, known) {
                Some(v) => Tri::of(!matches!(*v, Value::Missing) && values.contains(&v)),
                None => Tri::Unknown,
            },
            Expr::Not(x) => self.partial(x, known).negate(),
            Expr::And(xs) => xs
                .iter()
                .fold(Tri::True, |acc, x| acc.and(self.partial(x, known))),
            Expr::Or(xs) => xs
                .iter()
                .fold(Tri::False, |acc, x| acc.or(self.partial(x, known))),
            Expr::Any { body, .. } => match self.partial(body, known) {
                Tri::False => Tri::False,
                _ => Tri::Unknown,
            },
            Expr::All { body, .. } => match self.partial(body, known) {
                Tri::True => Tri::True,
                _ => Tri::Unknown,
            },
        }
    }

    // ------------------------------------------------------------------ satisfiability

    fn field_info(&self, r: FieldRef, scope: &[usize]) -> Option<&'c crate::ir::FieldInfo> {
        let entity = *scope.get(r.frame as usize)?;
        self.checked
            .entities
            .get(entity)?
            .fields
            .get(r.field as usize)
    }

    fn dom(&self, var: Var, scope: &[usize]) -> Dom {
        match var {
            Var::Level => Dom {
                optional: false,
                kind: Kind::Finite(self.checked.levels.len()),
            },
            Var::Field(r) => match self.field_info(r, scope) {
                None => Dom {
                    optional: true,
                    kind: Kind::Other,
                },
                Some(f) => Dom {
                    optional: f.optional,
                    kind: match f.ty {
                        FieldType::Bool => Kind::Finite(2),
                        FieldType::Level => Kind::Finite(self.checked.levels.len()),
                        FieldType::Enum(e) => {
                            Kind::Finite(self.checked.enums.get(e).map_or(64, |i| i.variants.len()))
                        }
                        FieldType::Integer | FieldType::Date => Kind::Num { integer: true },
                        FieldType::Decimal | FieldType::Percent => Kind::Num { integer: false },
                        FieldType::Text | FieldType::CreditCode => Kind::Text,
                        FieldType::Set(_) => Kind::Set,
                        FieldType::List(_) | FieldType::Action { .. } => Kind::Other,
                    },
                },
            },
        }
    }

    fn var_of(o: &Operand) -> Option<Var> {
        match o {
            Operand::Level => Some(Var::Level),
            Operand::Field(r) => Some(Var::Field(*r)),
            Operand::Const(_) => None,
        }
    }

    /// The present values of a variable for which `var op c` holds.
    fn cmp_vals(&self, cmp: CompareAs, op: CmpOp, c: &Value) -> Option<Vals> {
        Some(match (cmp, c) {
            (CompareAs::Enum(e), Value::Enum(v)) => {
                let rank = &self.checked.enums.get(e)?.rank;
                let rv = *rank.get(*v as usize)?;
                let mut m = 0;
                for (i, r) in rank.iter().enumerate() {
                    if op.holds(r.cmp(&rv)) {
                        m |= bit(i);
                    }
                }
                Vals::Finite(m)
            }
            (CompareAs::Level, Value::Enum(v)) => {
                let mut m = 0;
                for i in 0..self.checked.levels.len() {
                    if op.holds(i.cmp(&(*v as usize))) {
                        m |= bit(i);
                    }
                }
                Vals::Finite(m)
            }
            (CompareAs::Bool, Value::Bool(b)) => {
                let yes = bit(*b as usize);
                match op {
                    CmpOp::Eq => Vals::Finite(yes),
                    CmpOp::Ne => Vals::Finite(!yes & 0b11),
                    _ => return None,
                }
            }
            (CompareAs::Number, Value::Num(x)) => Vals::Num(IntervalSet::from_cmp(op, *x)),
            // Intervals are of doubles: an integer beyond 2^53 is not decided.
            (CompareAs::Number, Value::Int(x)) if x.unsigned_abs() <= 1 << 53 => {
                Vals::Num(IntervalSet::from_cmp(op, *x as f64))
            }
            (CompareAs::Date, Value::Date(d)) => Vals::Num(IntervalSet::from_cmp(op, *d as f64)),
            (CompareAs::Text, Value::Text(t)) => match op {
                CmpOp::Eq => Vals::Text {
                    only: true,
                    set: vec![t.clone()],
                },
                CmpOp::Ne => Vals::Text {
                    only: false,
                    set: vec![t.clone()],
                },
                _ => return None,
            },
            _ => return None,
        })
    }

    /// A predicate `P(var)` that is false on a missing value, as a literal of polarity `pos`.
    fn predicate<'e>(&self, var: Var, vals: Vals, pos: bool, scope: &[usize]) -> Lit<'e> {
        if pos {
            Lit::Con(
                var,
                Con {
                    missing: false,
                    vals,
                },
            )
        } else {
            let kind = self.dom(var, scope).kind;
            Lit::Con(
                var,
                Con {
                    missing: true,
                    vals: complement(&vals, kind),
                },
            )
        }
    }

    fn literal<'e>(
        &self,
        e: &'e Expr,
        pos: bool,
        scope: &[usize],
        known: &Known,
        budget: &mut usize,
    ) -> Lit<'e> {
        let opaque = Lit::Opaque(e, pos);
        match e {
            Expr::Const(b) => Lit::Const(*b == pos),
            Expr::Truthy(r) => self.predicate(Var::Field(*r), Vals::Finite(0b10), pos, scope),
            Expr::Present(r) => self.predicate(Var::Field(*r), Vals::Any, pos, scope),
            Expr::Compare { op, lhs, rhs, cmp } => {
                let (var, op, c) = match (Self::var_of(lhs), Self::var_of(rhs), lhs, rhs) {
                    (Some(v), None, _, Operand::Const(c)) => (v, *op, c),
                    (None, Some(v), Operand::Const(c), _) => (v, flip(*op), c),
                    (None, None, _, _) => {
                        return match self.partial(e, known) {
                            Tri::True => Lit::Const(pos),
                            Tri::False => Lit::Const(!pos),
                            Tri::Unknown => opaque,
                        }
                    }
                    _ => return opaque,
                };
                match self.cmp_vals(*cmp, op, c) {
                    Some(vals) => self.predicate(var, vals, pos, scope),
                    None => opaque,
                }
            }
            Expr::InMask { operand, mask } => match Self::var_of(operand) {
                Some(var) => self.predicate(var, Vals::Finite(*mask), pos, scope),
                None => match self.partial(e, known) {
                    Tri::True => Lit::Const(pos),
                    Tri::False => Lit::Const(!pos),
                    Tri::Unknown => opaque,
                },
            },
            Expr::InValues { operand, values } => {
                let Some(var) = Self::var_of(operand) else {
                    return match self.partial(e, known) {
                        Tri::True => Lit::Const(pos),
                        Tri::False => Lit::Const(!pos),
                        Tri::Unknown => opaque,
                    };
                };
                let vals = match self.dom(var, scope).kind {
                    Kind::Num { .. } => {
                        let mut nums = Vec::new();
                        for v in values {
                            match v {
                                Value::Num(x) => nums.push(*x),
                                Value::Int(x) if x.unsigned_abs() <= 1 << 53 => {
                                    nums.push(*x as f64)
                                }
                                Value::Date(d) => nums.push(*d as f64),
                                _ => return opaque,
                            }
                        }
                        Vals::Num(IntervalSet::points(&nums))
                    }
                    Kind::Text => {
                        let mut set: Vec<Box<str>> = Vec::new();
                        for v in values {
                            match v {
                                Value::Text(t) => {
                                    if !set.contains(t) {
                                        set.push(t.clone())
                                    }
                                }
                                _ => return opaque,
                            }
                        }
                        Vals::Text { only: true, set }
                    }
                    _ if values.is_empty() => Vals::Empty,
                    _ => return opaque,
                };
                self.predicate(var, vals, pos, scope)
            }
            Expr::InField { operand, set } => {
                let element = match operand {
                    Operand::Const(Value::Enum(v)) => Some(*v),
                    Operand::Level => known.level,
                    Operand::Field(r) => known.field(*r),
                    _ => None,
                };
                match element {
                    Some(v) => self.predicate(
                        Var::Field(*set),
                        Vals::Set {
                            must: bit(v as usize),
                            not: 0,
                        },
                        pos,
                        scope,
                    ),
                    None => opaque,
                }
            }
            // `任一 L 满足 P` needs an item satisfying P; `非 所有 L 满足 P` one failing it.
            Expr::Any { list, body } | Expr::All { list, body } => {
                let needs_item = matches!(e, Expr::Any { .. }) == pos;
                if !needs_item {
                    return opaque;
                }
                let Some(item) = self.field_info(*list, scope).and_then(|f| match f.ty {
                    FieldType::List(i) => Some(i),
                    _ => None,
                }) else {
                    return opaque;
                };
                let mut inner = scope.to_vec();
                inner.push(item);
                let body_pos = matches!(e, Expr::Any { .. });
                let mut goals = vec![(&**body, body_pos)];
                match self.search(
                    &mut goals,
                    State::default(),
                    &inner,
                    known,
                    budget,
                    0,
                    &mut None,
                ) {
                    Sat::No(_) => Lit::Const(false),
                    _ => opaque,
                }
            }
            Expr::Not(_) | Expr::And(_) | Expr::Or(_) => opaque,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn search<'e>(
        &self,
        goals: &mut Vec<(&'e Expr, bool)>,
        mut state: State<'e>,
        scope: &[usize],
        known: &Known,
        budget: &mut usize,
        depth: usize,
        reason: &mut Option<Reason>,
    ) -> Sat {
        if depth > ANALYSIS_MAX_DEPTH {
            return Sat::Unknown;
        }
        let fail = |reason: &mut Option<Reason>, r: Reason| {
            let r2 = r.clone();
            reason.get_or_insert(r);
            Sat::No(r2)
        };
        loop {
            if *budget == 0 {
                return Sat::Unknown;
            }
            *budget -= 1;
            let Some((e, pos)) = goals.pop() else {
                return Sat::Yes;
            };
            match e {
                Expr::Not(x) => goals.push((x, !pos)),
                Expr::And(xs) if pos => goals.extend(xs.iter().rev().map(|x| (x, pos))),
                Expr::Or(xs) if !pos => goals.extend(xs.iter().rev().map(|x| (x, pos))),
                Expr::And(xs) | Expr::Or(xs) => {
                    let mut unknown = false;
                    let mut first: Option<Reason> = None;
                    for x in xs {
                        // Copying the pending goals is work too: it counts against the budget.
                        *budget = budget.saturating_sub(goals.len());
                        let mut g = goals.clone();
                        g.push((x, pos));
                        match self.search(
                            &mut g,
                            state.clone(),
                            scope,
                            known,
                            budget,
                            depth + 1,
                            reason,
                        ) {
                            Sat::Yes => return Sat::Yes,
                            Sat::Unknown => unknown = true,
                            Sat::No(r) => {
                                first.get_or_insert(r);
                            }
                        }
                    }
                    return match (unknown, first) {
                        (false, Some(r)) => Sat::No(r),
                        (false, None) => fail(reason, Reason::AlwaysFalse),
                        (true, _) => Sat::Unknown,
                    };
                }
                _ => match self.literal(e, pos, scope, known, budget) {
                    Lit::Const(true) => {}
                    Lit::Const(false) => return fail(reason, Reason::AlwaysFalse),
                    Lit::Opaque(x, p) => {
                        if state.opaque.iter().any(|(y, q)| *q != p && **y == *x) {
                            return fail(reason, Reason::Negation);
                        }
                        state.opaque.push((x, p));
                    }
                    Lit::Con(var, con) => {
                        let dom = self.dom(var, scope);
                        if !(nonempty(&con.vals, dom.kind) || con.missing && dom.optional) {
                            return fail(reason, Reason::EmptyTest(var));
                        }
                        let slot = match state.vars.iter().position(|(v, _)| *v == var) {
                            Some(i) => i,
                            None => {
                                state.vars.push((
                                    var,
                                    Con {
                                        missing: dom.optional,
                                        vals: Vals::Any,
                                    },
                                ));
                                state.vars.len() - 1
                            }
                        };
                        let cur = &mut state.vars[slot].1;
                        cur.missing &= con.missing;
                        cur.vals = intersect(&cur.vals, &con.vals);
                        if !cur.missing && !nonempty(&cur.vals, dom.kind) {
                            return fail(reason, Reason::Conflict(var));
                        }
                    }
                },
            }
        }
    }

    /// Can all `goals` (a condition and a polarity each) hold together, for some records in
    /// `scope` (entity per frame) with the `known` values, at one of the levels of `levels`?
    pub fn satisfiable(
        &self,
        goals: &[(&Expr, bool)],
        scope: &[usize],
        known: &Known,
        levels: Option<u64>,
    ) -> Sat {
        let mut state = State::default();
        let mut level_mask = levels.unwrap_or(u64::MAX);
        if let Some(l) = known.level {
            level_mask &= bit(l as usize);
        }
        if level_mask != u64::MAX {
            state.vars.push((
                Var::Level,
                Con {
                    missing: false,
                    vals: Vals::Finite(level_mask),
                },
            ));
        }
        for (r, v) in &known.fields {
            state.vars.push((
                Var::Field(*r),
                Con {
                    missing: false,
                    vals: Vals::Finite(bit(*v as usize)),
                },
            ));
        }
        let mut stack: Vec<(&Expr, bool)> = goals.iter().rev().copied().collect();
        let mut budget = ANALYSIS_BUDGET;
        let mut reason = None;
        self.search(&mut stack, state, scope, known, &mut budget, 0, &mut reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{EntityInfo, EnumInfo, FieldInfo, LevelInfo};

    /// Levels 黄 < 橙 < 红; an ordered grade A > B > C; an entity with fields
    /// 0 grade, 1 count (integer), 2 optional grade, 3 flag (bool), 4 list (set of levels),
    /// 5 name (text), 6 share (percent).
    fn checked() -> Checked {
        let field = |name: &str, ty, optional| FieldInfo {
            name: name.into(),
            aliases: vec![],
            ty,
            optional,
            display: false,
            range: None,
        };
        Checked {
            levels: ["黄", "橙", "红"]
                .iter()
                .map(|n| LevelInfo {
                    name: n.to_string(),
                    alias: None,
                })
                .collect(),
            enums: vec![EnumInfo {
                name: "等级".into(),
                variants: vec!["A".into(), "B".into(), "C".into()],
                ordered: true,
                rank: vec![2, 1, 0],
                aliases: vec![],
            }],
            entities: vec![EntityInfo {
                name: "企业".into(),
                key: 5,
                fields: vec![
                    field("grade", FieldType::Enum(0), false),
                    field("count", FieldType::Integer, false),
                    field("maybe", FieldType::Enum(0), true),
                    field("flag", FieldType::Bool, false),
                    field("list", FieldType::Set(None), false),
                    field("name", FieldType::Text, false),
                    field("share", FieldType::Percent, false),
                ],
            }],
            ..Checked::default()
        }
    }

    fn f(i: u16) -> FieldRef {
        FieldRef { frame: 0, field: i }
    }

    fn cmp(op: CmpOp, field: u16, c: Value, how: CompareAs) -> Expr {
        Expr::Compare {
            op,
            lhs: Operand::Field(f(field)),
            rhs: Operand::Const(c),
            cmp: how,
        }
    }

    fn num(op: CmpOp, x: f64) -> Expr {
        cmp(op, 1, Value::Num(x), CompareAs::Number)
    }

    fn grade(op: CmpOp, v: u16) -> Expr {
        cmp(op, 0, Value::Enum(v), CompareAs::Enum(0))
    }

    fn sat(e: &Expr) -> Sat {
        let c = checked();
        Logic::new(&c).satisfiable(&[(e, true)], &[0], &Known::default(), None)
    }

    #[test]
    fn three_valued_logic() {
        use Tri::*;
        assert_eq!(False.and(Unknown), False);
        assert_eq!(True.and(Unknown), Unknown);
        assert_eq!(True.or(Unknown), True);
        assert_eq!(False.or(Unknown), Unknown);
        assert_eq!(Unknown.negate(), Unknown);
        assert_eq!(True.negate(), False);
    }

    #[test]
    fn partial_evaluation_with_fixed_keys() {
        let c = checked();
        let l = Logic::new(&c);
        let known = Known {
            level: Some(1),
            fields: vec![(f(0), 1)],
        };
        // grade >= B with grade = B: true; count > 3: unknown
        assert_eq!(l.partial(&grade(CmpOp::Ge, 1), &known), Tri::True);
        assert_eq!(l.partial(&grade(CmpOp::Gt, 1), &known), Tri::False);
        let both = Expr::And(vec![grade(CmpOp::Ge, 1), num(CmpOp::Gt, 3.0)]);
        assert_eq!(l.partial(&both, &known), Tri::Unknown);
        let either = Expr::Or(vec![grade(CmpOp::Ge, 1), num(CmpOp::Gt, 3.0)]);
        assert_eq!(l.partial(&either, &known), Tri::True);
        let level = Expr::InMask {
            operand: Operand::Level,
            mask: 0b100,
        };
        assert_eq!(l.partial(&level, &known), Tri::False);
        assert_eq!(l.partial(&Expr::Not(Box::new(level)), &known), Tri::True);
        assert_eq!(l.partial(&Expr::Truthy(f(3)), &known), Tri::Unknown);
    }

    #[test]
    fn interval_contradictions() {
        let e = Expr::And(vec![num(CmpOp::Gt, 5.0), num(CmpOp::Lt, 3.0)]);
        assert_eq!(sat(&e), Sat::No(Reason::Conflict(Var::Field(f(1)))));
        // integers: nothing strictly between 5 and 6
        let e = Expr::And(vec![num(CmpOp::Gt, 5.0), num(CmpOp::Lt, 6.0)]);
        assert!(matches!(sat(&e), Sat::No(_)));
        let e = Expr::And(vec![num(CmpOp::Ge, 5.0), num(CmpOp::Le, 5.0)]);
        assert_eq!(sat(&e), Sat::Yes);
        // percentages are not integers
        let p = |op, x| cmp(op, 6, Value::Num(x), CompareAs::Number);
        let e = Expr::And(vec![p(CmpOp::Gt, 5.0), p(CmpOp::Lt, 6.0)]);
        assert_eq!(sat(&e), Sat::Yes);
    }

    #[test]
    fn negation_and_disjunction() {
        // not (x > 5) and x > 7: no
        let e = Expr::And(vec![
            Expr::Not(Box::new(num(CmpOp::Gt, 5.0))),
            num(CmpOp::Gt, 7.0),
        ]);
        assert!(matches!(sat(&e), Sat::No(_)));
        // (x < 3 or x > 10) and x > 5: yes, by the second branch
        let e = Expr::And(vec![
            Expr::Or(vec![num(CmpOp::Lt, 3.0), num(CmpOp::Gt, 10.0)]),
            num(CmpOp::Gt, 5.0),
        ]);
        assert_eq!(sat(&e), Sat::Yes);
        // (x < 3 or x < 4) and x > 5: no
        let e = Expr::And(vec![
            Expr::Or(vec![num(CmpOp::Lt, 3.0), num(CmpOp::Lt, 4.0)]),
            num(CmpOp::Gt, 5.0),
        ]);
        assert!(matches!(sat(&e), Sat::No(_)));
    }

    #[test]
    fn enums_are_exact() {
        // grade > A: no grade is better than the best
        assert_eq!(
            sat(&grade(CmpOp::Gt, 0)),
            Sat::No(Reason::EmptyTest(Var::Field(f(0))))
        );
        // grade != A and grade != B and grade != C: a required field has some value
        let e = Expr::And(vec![
            grade(CmpOp::Ne, 0),
            grade(CmpOp::Ne, 1),
            grade(CmpOp::Ne, 2),
        ]);
        assert!(matches!(sat(&e), Sat::No(_)));
        // `!=` on an optional field is false without a value, as every comparison is
        let ne = |v| cmp(CmpOp::Ne, 2, Value::Enum(v), CompareAs::Enum(0));
        let e = Expr::And(vec![ne(0), ne(1), ne(2)]);
        assert!(matches!(sat(&e), Sat::No(_)));
        // but `非 (x = v)` holds without a value
        let m = |v| {
            Expr::Not(Box::new(cmp(
                CmpOp::Eq,
                2,
                Value::Enum(v),
                CompareAs::Enum(0),
            )))
        };
        let e = Expr::And(vec![m(0), m(1), m(2)]);
        assert_eq!(sat(&e), Sat::Yes);
        // ... unless it must have a value
        let e = Expr::And(vec![m(0), m(1), m(2), Expr::Present(f(2))]);
        assert!(matches!(sat(&e), Sat::No(_)));
        // empty membership
        let e = Expr::InMask {
            operand: Operand::Field(f(0)),
            mask: 0,
        };
        assert!(matches!(sat(&e), Sat::No(Reason::EmptyTest(_))));
        let e = Expr::InValues {
            operand: Operand::Field(f(5)),
            values: vec![],
        };
        assert!(matches!(sat(&e), Sat::No(Reason::EmptyTest(_))));
        // flag and not flag
        let e = Expr::And(vec![
            Expr::Truthy(f(3)),
            Expr::Not(Box::new(Expr::Truthy(f(3)))),
        ]);
        assert!(matches!(sat(&e), Sat::No(_)));
    }

    #[test]
    fn levels_and_sets() {
        let c = checked();
        let l = Logic::new(&c);
        let at_red = Expr::Compare {
            op: CmpOp::Eq,
            lhs: Operand::Level,
            rhs: Operand::Const(Value::Enum(2)),
            cmp: CompareAs::Level,
        };
        // a measure in force at yellow and orange only
        assert!(matches!(
            l.satisfiable(&[(&at_red, true)], &[0], &Known::default(), Some(0b011)),
            Sat::No(_)
        ));
        assert_eq!(
            l.satisfiable(&[(&at_red, true)], &[0], &Known::default(), Some(0b111)),
            Sat::Yes
        );
        // level in list and not level in list, the level known
        let in_list = Expr::InField {
            operand: Operand::Level,
            set: f(4),
        };
        let known = Known {
            level: Some(1),
            fields: vec![],
        };
        let e = Expr::And(vec![in_list.clone(), Expr::Not(Box::new(in_list.clone()))]);
        assert!(matches!(
            l.satisfiable(&[(&e, true)], &[0], &known, None),
            Sat::No(_)
        ));
        // the level unknown: an opaque atom and its negation still conflict
        assert_eq!(
            l.satisfiable(&[(&e, true)], &[0], &Known::default(), None),
            Sat::No(Reason::Negation)
        );
        assert_eq!(
            l.satisfiable(&[(&in_list, true)], &[0], &Known::default(), None),
            Sat::Yes
        );
    }

    #[test]
    fn fixed_keys_restrict_the_search() {
        let c = checked();
        let l = Logic::new(&c);
        let known = Known {
            level: None,
            fields: vec![(f(0), 0)],
        };
        // grade <= B cannot hold for grade A
        assert!(matches!(
            l.satisfiable(&[(&grade(CmpOp::Le, 1), true)], &[0], &known, None),
            Sat::No(_)
        ));
        // an exception that always holds for grade A makes the measure unreachable
        assert!(matches!(
            l.satisfiable(&[(&grade(CmpOp::Eq, 0), false)], &[0], &known, None),
            Sat::No(_)
        ));
    }

    #[test]
    fn texts_and_undecidable_parts() {
        let t = |op, s: &str| cmp(op, 5, Value::Text(s.into()), CompareAs::Text);
        let e = Expr::And(vec![t(CmpOp::Eq, "甲"), t(CmpOp::Eq, "乙")]);
        assert!(matches!(sat(&e), Sat::No(_)));
        let e = Expr::And(vec![t(CmpOp::Eq, "甲"), t(CmpOp::Ne, "乙")]);
        assert_eq!(sat(&e), Sat::Yes);
        // two fields compared with each other: not modelled, so "yes" (never a false "no")
        let e = Expr::And(vec![
            Expr::Compare {
                op: CmpOp::Lt,
                lhs: Operand::Field(f(1)),
                rhs: Operand::Field(f(6)),
                cmp: CompareAs::Number,
            },
            Expr::Compare {
                op: CmpOp::Gt,
                lhs: Operand::Field(f(1)),
                rhs: Operand::Field(f(6)),
                cmp: CompareAs::Number,
            },
        ]);
        assert_eq!(sat(&e), Sat::Yes);
    }

    #[test]
    fn deep_or_chains_run_out_of_budget_not_stack() {
        let mut parts = Vec::new();
        for i in 0..2000 {
            parts.push(Expr::Or(vec![
                num(CmpOp::Gt, i as f64),
                num(CmpOp::Lt, -1.0),
            ]));
        }
        parts.push(num(CmpOp::Lt, -5.0));
        parts.push(num(CmpOp::Gt, 5.0));
        let e = Expr::And(parts);
        // unsatisfiable, but too large to decide: "don't know", no panic
        assert_ne!(sat(&e), Sat::Yes);
    }
}
