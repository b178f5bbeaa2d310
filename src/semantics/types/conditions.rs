//! Subjects, field paths and operands, and conditions typed against the schema.

use super::{field_ty, too_many, Cx, Limit, Resolved, Scope, Ty};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, CompareAs, FieldRef, FieldType, ItemSubject, Operand, Value};
use crate::limits::MAX_FRAMES;
use crate::source::Span;
use crate::syntax::ast::{self, ExprKind, OperandKind};

impl<'p> Cx<'p> {
    /// `企业` or `企业.非道路移动机械`: the entity, and the list field whose items are the subject.
    pub(super) fn subject(
        &mut self,
        subjects: &'p [ast::Subject],
        owner: &ast::Name,
        allow_items: bool,
    ) -> Option<(usize, Option<ItemSubject>, &'p ast::Subject)> {
        let s = match subjects {
            [s] => s,
            [] => {
                self.err(
                    Diagnostic::new(Code::E0210, format!("`{}` has no subject", owner.text))
                        .primary(owner.span, "no `对象` (subject)")
                        .help("say whom it applies to, e.g. `对象 企业 当 …`"),
                );
                return None;
            }
            [_, second, ..] => {
                self.err(
                    Diagnostic::new(
                        Code::E0210,
                        format!("`{}` has more than one subject", owner.text),
                    )
                    .primary(second.span, "second `对象` (subject)")
                    .help("split it into one declaration per subject"),
                );
                return None;
            }
        };
        let first = &s.path.segments[0];
        let entity = self.entity_by_name(first)?;
        let item = match s.path.segments.get(1) {
            None => None,
            Some(field_name) if allow_items && s.path.segments.len() == 2 => {
                let fields = &self.out.entities[entity].fields;
                match fields.iter().position(|f| f.name == field_name.text) {
                    Some(fi) => match fields[fi].ty {
                        FieldType::List(item_entity) => Some(ItemSubject {
                            field: fi,
                            entity: item_entity,
                        }),
                        _ => {
                            self.err(
                                Diagnostic::new(Code::E0206, format!("`{}` is not a list field", s.path.display()))
                                    .primary(field_name.span, "a subject must be an entity or a list field of one")
                                    .help("name the entity itself, or a `列表` field such as `企业.非道路移动机械`"),
                            );
                            return None;
                        }
                    },
                    None => {
                        let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
                        let d =
                            self.unknown_name(&field_name.text, field_name.span, "field", &names);
                        self.err(d);
                        return None;
                    }
                }
            }
            Some(_) => {
                self.err(
                    Diagnostic::new(Code::E0206, format!("`{}` cannot be a subject here", s.path.display()))
                        .primary(s.path.span, "unsupported subject path")
                        .help(if allow_items {
                            "a subject is an entity (`企业`) or one of its list fields (`企业.非道路移动机械`)"
                        } else {
                            "an exemption's subject is an entity such as `企业`"
                        }),
                );
                return None;
            }
        };
        Some((entity, item, s))
    }

    /// Resolves a field path in scope: `名称` (innermost frame that has it) or `企业.名称`.
    pub(super) fn field_path(
        &mut self,
        p: &ast::Path,
        scope: &Scope,
    ) -> Option<(FieldRef, Ty, bool)> {
        match self.resolve_path(p, scope) {
            Some(Resolved::Typed(Operand::Field(r), ty, opt)) => Some((r, ty, opt)),
            Some(Resolved::BareName(name, span)) => {
                let d = self.unknown_field(&name, span, scope);
                self.err(d);
                None
            }
            _ => None,
        }
    }

    pub(super) fn unknown_field(&self, name: &str, span: Span, scope: &Scope) -> Diagnostic {
        let inner = *scope.frames.last().expect("a scope has a frame");
        let names: Vec<String> = self.out.entities[inner]
            .fields
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let mut d = self.unknown_name(name, span, "field", &names);
        d.message = format!(
            "unknown field `{name}` of `{}`",
            self.out.entities[inner].name
        );
        d
    }

    pub(super) fn resolve_path(&mut self, p: &ast::Path, scope: &Scope) -> Option<Resolved> {
        let segs = &p.segments;
        let find = |cx: &Self, frame: usize, name: &str| -> Option<(FieldRef, Ty, bool)> {
            let entity = scope.frames[frame];
            let fi = cx.out.entities[entity]
                .fields
                .iter()
                .position(|f| f.name == name)?;
            let f = &cx.out.entities[entity].fields[fi];
            Some((
                FieldRef {
                    frame: frame as u8,
                    field: fi as u16,
                },
                field_ty(f.ty),
                f.optional,
            ))
        };
        match segs.len() {
            1 => {
                for frame in (0..scope.frames.len()).rev() {
                    if let Some((r, ty, opt)) = find(self, frame, &segs[0].text) {
                        return Some(Resolved::Typed(Operand::Field(r), ty, opt));
                    }
                }
                Some(Resolved::BareName(segs[0].text.clone(), segs[0].span))
            }
            2 => {
                let (head, field) = (&segs[0], &segs[1]);
                // `枚举.值`: a qualified enum value.
                if let Some(&e) = self.enum_index.get(head.text.as_str()) {
                    let v = self.variant(e, field)?;
                    return Some(Resolved::Typed(
                        Operand::Const(Value::Enum(v as u16)),
                        Ty::Enum(e),
                        false,
                    ));
                }
                let Some(frame) = (0..scope.frames.len())
                    .rev()
                    .find(|f| self.out.entities[scope.frames[*f]].name == head.text)
                else {
                    let names: Vec<String> = scope
                        .frames
                        .iter()
                        .map(|e| self.out.entities[*e].name.clone())
                        .collect();
                    let mut d = self.unknown_name(&head.text, head.span, "entity", &names);
                    d.help = Some(format!(
                        "a qualified name starts with an entity in scope ({}) or an enum",
                        names.join(", ")
                    ));
                    self.err(d);
                    return None;
                };
                match find(self, frame, &field.text) {
                    Some((r, ty, opt)) => Some(Resolved::Typed(Operand::Field(r), ty, opt)),
                    None => {
                        let entity = scope.frames[frame];
                        let names: Vec<String> = self.out.entities[entity]
                            .fields
                            .iter()
                            .map(|f| f.name.clone())
                            .collect();
                        let mut d = self.unknown_name(&field.text, field.span, "field", &names);
                        d.message = format!("unknown field `{}` of `{}`", field.text, head.text);
                        self.err(d);
                        None
                    }
                }
            }
            _ => {
                self.err(
                    Diagnostic::new(Code::E0203, format!("`{}` has too many parts", p.display()))
                        .primary(p.span, "a field path is `字段` or `实体.字段`")
                        .help("fields of list items are reached with `任一`/`所有`, e.g. `任一 非道路移动机械 满足 (动力 = 燃油)`"),
                );
                None
            }
        }
    }

    pub(super) fn operand(&mut self, o: &ast::Operand, scope: &Scope) -> Option<Resolved> {
        let (op, ty) = match &o.kind {
            OperandKind::Int(i) => (Operand::Const(Value::Int(*i)), Ty::Integer),
            OperandKind::Decimal(d) => (Operand::Const(Value::Num(*d)), Ty::Decimal),
            OperandKind::Percent(p) => (Operand::Const(Value::Num(*p as f64 / 100.0)), Ty::Percent),
            OperandKind::Text(t) => (Operand::Const(Value::Text(t.as_str().into())), Ty::Text),
            OperandKind::Date(d) => (Operand::Const(Value::Date(*d)), Ty::Date),
            OperandKind::Bool(b) => (Operand::Const(Value::Bool(*b)), Ty::Bool),
            OperandKind::Level => (Operand::Level, Ty::Level),
            OperandKind::Path(p) => return self.resolve_path(p, scope),
        };
        Some(Resolved::Typed(op, ty, false))
    }

    /// Gives a bare name its meaning from the type it is compared with.
    pub(super) fn name_as(
        &mut self,
        name: &str,
        span: Span,
        ty: Ty,
        scope: &Scope,
    ) -> Option<Operand> {
        let n = ast::Name {
            text: name.to_string(),
            span,
        };
        match ty {
            Ty::Enum(e) | Ty::Set(Some(e)) => self
                .variant(e, &n)
                .map(|v| Operand::Const(Value::Enum(v as u16))),
            Ty::Level | Ty::Set(None) => self
                .level_by_name(&n)
                .map(|v| Operand::Const(Value::Enum(v as u16))),
            _ => {
                let d = self.unknown_field(name, span, scope);
                self.err(d);
                None
            }
        }
    }

    pub(super) fn compatible(a: Ty, b: Ty) -> bool {
        let numeric = |t: Ty| matches!(t, Ty::Integer | Ty::Decimal);
        a == b || (numeric(a) && numeric(b))
    }

    pub(super) fn compare_as(t: Ty) -> Option<CompareAs> {
        Some(match t {
            Ty::Integer | Ty::Decimal | Ty::Percent => CompareAs::Number,
            Ty::Text => CompareAs::Text,
            Ty::Date => CompareAs::Date,
            Ty::Bool => CompareAs::Bool,
            Ty::Enum(e) => CompareAs::Enum(e),
            Ty::Level => CompareAs::Level,
            Ty::Set(_) | Ty::List(_) | Ty::Action { .. } => return None,
        })
    }

    pub(super) fn expr(&mut self, e: &ast::Expr, scope: &Scope) -> Option<ir::Expr> {
        match &e.kind {
            ExprKind::Or(a, b) | ExprKind::And(a, b) => {
                let (a, b) = (self.expr(a, scope), self.expr(b, scope));
                let (a, b) = (a?, b?);
                let is_or = matches!(e.kind, ExprKind::Or(..));
                let mut parts = Vec::new();
                for x in [a, b] {
                    match x {
                        ir::Expr::Or(xs) if is_or => parts.extend(xs),
                        ir::Expr::And(xs) if !is_or => parts.extend(xs),
                        x => parts.push(x),
                    }
                }
                Some(if is_or {
                    ir::Expr::Or(parts)
                } else {
                    ir::Expr::And(parts)
                })
            }
            ExprKind::Not(inner) => Some(ir::Expr::Not(Box::new(self.expr(inner, scope)?))),
            ExprKind::Operand(o) => match self.operand(o, scope)? {
                Resolved::Typed(Operand::Field(r), Ty::Bool, _) => Some(ir::Expr::Truthy(r)),
                Resolved::Typed(Operand::Const(Value::Bool(b)), _, _) => Some(ir::Expr::Const(b)),
                Resolved::Typed(_, ty, _) => {
                    self.err(
                        Diagnostic::new(Code::E0202, "a condition must be yes or no")
                            .primary(o.span, format!("this is {}", self.ty_name(ty)))
                            .help("compare it, e.g. `字段 = 值`, or test an optional field with `有值`"),
                    );
                    None
                }
                Resolved::BareName(name, span) => {
                    let d = self.unknown_field(&name, span, scope);
                    self.err(d);
                    None
                }
            },
            ExprKind::Present(p) => {
                let (r, ty, optional) = self.field_path(p, scope)?;
                if !optional {
                    self.err(
                        Diagnostic::new(Code::E0201, format!("`{}` always has a value", p.display()))
                            .primary(p.span, format!("{} that is not `可选` (optional)", self.ty_name(ty)))
                            .help("`有值` tests optional fields; declare the field `可选` or drop the test"),
                    );
                    return None;
                }
                Some(ir::Expr::Present(r))
            }
            ExprKind::Compare(op, l, r) => self.compare(*op, l, r, e.span, scope),
            ExprKind::InValues(l, values) => self.in_values(l, values, scope),
            ExprKind::InField(l, p) => {
                let (set_ref, set_ty, _) = self.field_path(p, scope)?;
                let Ty::Set(elem) = set_ty else {
                    self.err(
                        Diagnostic::new(Code::E0211, format!("`{}` is not a set", p.display()))
                            .primary(p.span, format!("this is {}", self.ty_name(set_ty)))
                            .help("`属于` takes a `{ … }` list of values or a `集合` field"),
                    );
                    return None;
                };
                let elem_ty = match elem {
                    Some(e) => Ty::Enum(e),
                    None => Ty::Level,
                };
                let operand = match self.operand(l, scope)? {
                    Resolved::BareName(n, s) => self.name_as(&n, s, set_ty, scope)?,
                    Resolved::Typed(o, ty, _) if ty == elem_ty => o,
                    Resolved::Typed(_, ty, _) => {
                        self.err(
                            Diagnostic::new(Code::E0211, "this value cannot be in that set")
                                .primary(l.span, format!("this is {}", self.ty_name(ty)))
                                .secondary(p.span, format!("this is {}", self.ty_name(set_ty)))
                                .help("compare values of the same kind"),
                        );
                        return None;
                    }
                };
                Some(ir::Expr::InField {
                    operand,
                    set: set_ref,
                })
            }
            ExprKind::Quantified { all, list, body } => {
                let (r, ty, _) = self.field_path(list, scope)?;
                let Ty::List(item) = ty else {
                    self.err(
                        Diagnostic::new(Code::E0213, format!("`{}` is not a list", list.display()))
                            .primary(list.span, format!("this is {}", self.ty_name(ty)))
                            .help("`任一` and `所有` range over `列表` fields"),
                    );
                    return None;
                };
                if scope.frames.len() >= MAX_FRAMES {
                    self.err(too_many(e.span, Limit::Scopes));
                    return None;
                }
                let mut inner = scope.clone();
                inner.frames.push(item);
                let body = Box::new(self.expr(body, &inner)?);
                Some(if *all {
                    ir::Expr::All { list: r, body }
                } else {
                    ir::Expr::Any { list: r, body }
                })
            }
        }
    }

    pub(super) fn compare(
        &mut self,
        op: ast::CmpOp,
        l: &ast::Operand,
        r: &ast::Operand,
        span: Span,
        scope: &Scope,
    ) -> Option<ir::Expr> {
        let op = cmp_op(op);
        let (lr, rr) = (self.operand(l, scope), self.operand(r, scope));
        let (lr, rr) = (lr?, rr?);
        let ((lhs, lt), (rhs, rt)) = match (lr, rr) {
            (Resolved::Typed(a, at, _), Resolved::Typed(b, bt, _)) => ((a, at), (b, bt)),
            (Resolved::Typed(a, at, _), Resolved::BareName(n, s)) => {
                let b = self.name_as(&n, s, at, scope)?;
                ((a, at), (b, at))
            }
            (Resolved::BareName(n, s), Resolved::Typed(b, bt, _)) => {
                let a = self.name_as(&n, s, bt, scope)?;
                ((a, bt), (b, bt))
            }
            (Resolved::BareName(n, s), Resolved::BareName(..)) => {
                let d = self.unknown_field(&n, s, scope);
                self.err(d);
                return None;
            }
        };
        if !Self::compatible(lt, rt) {
            self.err(
                Diagnostic::new(Code::E0201, "these values cannot be compared")
                    .primary(l.span, format!("this is {}", self.ty_name(lt)))
                    .secondary(r.span, format!("this is {}", self.ty_name(rt)))
                    .help("compare a field with a value of its own type"),
            );
            return None;
        }
        let Some(cmp) = Self::compare_as(lt) else {
            self.err(
                Diagnostic::new(
                    Code::E0201,
                    format!(
                        "{} cannot be compared with `{}`",
                        self.ty_name(lt),
                        op.symbol()
                    ),
                )
                .primary(span, "not comparable")
                .help("use `属于` for sets and `任一`/`所有` for lists"),
            );
            return None;
        };
        let ordering = !matches!(op, ir::CmpOp::Eq | ir::CmpOp::Ne);
        if ordering {
            let unordered = match cmp {
                CompareAs::Enum(e) => (!self.out.enums[e].ordered)
                    .then(|| format!("enum `{}` is not ordered", self.out.enums[e].name)),
                CompareAs::Bool => Some("yes/no values have no order".to_string()),
                CompareAs::Text => Some("texts have no order".to_string()),
                _ => None,
            };
            if let Some(why) = unordered {
                let mut d = Diagnostic::new(
                    Code::E0207,
                    format!("`{}` needs ordered values; {why}", op.symbol()),
                )
                .primary(span, "ordering comparison");
                if let CompareAs::Enum(e) = cmp {
                    d = d
                        .secondary(self.out.enum_spans[e], "declared here without an order")
                        .help("declare the enum `有序` with `>` between its values, or use `=`, `!=` or `属于`");
                } else {
                    d = d.help("use `=` or `!=`");
                }
                self.err(d);
                return None;
            }
        }
        // An integer against a decimal literal compares with the literal as written.
        // The double the literal was read as decides exactly too when no integer lies
        // between the two (`2.5`); the comparison then keeps the literal for display.
        let literal = |o: &ast::Operand, t: Ty, other: Ty| match o.kind {
            OperandKind::Decimal(f) if t == Ty::Decimal && other == Ty::Integer => {
                DecimalText::parse(self.literal_text(o.span)).filter(|d| !d.agrees_with(f))
            }
            _ => None,
        };
        if let Some(d) = literal(r, rt, lt) {
            return Some(d.against_integer(op, lhs));
        }
        if let Some(d) = literal(l, lt, rt) {
            return Some(d.against_integer(op.flipped(), rhs));
        }
        Some(ir::Expr::Compare { op, lhs, rhs, cmp })
    }

    /// The source text of a literal.
    pub(super) fn literal_text(&self, span: Span) -> &'p str {
        self.prog
            .sources
            .get(span.file)
            .text
            .get(span.start..span.end)
            .unwrap_or("")
    }

    pub(super) fn in_values(
        &mut self,
        l: &ast::Operand,
        values: &[ast::Operand],
        scope: &Scope,
    ) -> Option<ir::Expr> {
        let (operand, ty) = match self.operand(l, scope)? {
            Resolved::Typed(o, t, _) => (o, t),
            Resolved::BareName(n, s) => {
                let d = self.unknown_field(&n, s, scope);
                self.err(d);
                return None;
            }
        };
        match ty {
            Ty::Enum(_) | Ty::Level => {
                let mut mask = 0u64;
                let mut ok = true;
                for v in values {
                    let c = match self.operand(v, scope) {
                        Some(Resolved::BareName(n, s)) => self.name_as(&n, s, ty, scope),
                        Some(Resolved::Typed(c @ Operand::Const(_), t, _)) if t == ty => Some(c),
                        Some(Resolved::Typed(_, t, _)) => {
                            self.err(
                                Diagnostic::new(Code::E0211, "this value cannot be in the set")
                                    .primary(v.span, format!("this is {}", self.ty_name(t)))
                                    .help(format!("the set must hold {}", self.ty_name(ty))),
                            );
                            None
                        }
                        None => None,
                    };
                    // A value past bit 63 belongs to an enum (or levels) over MAX_VARIANTS,
                    // already reported (E0209) where it is declared.
                    match c.and_then(|c| match c {
                        Operand::Const(Value::Enum(i)) => 1u64.checked_shl(u32::from(i)),
                        _ => None,
                    }) {
                        Some(bit) => mask |= bit,
                        None => ok = false,
                    }
                }
                ok.then_some(ir::Expr::InMask { operand, mask })
            }
            Ty::Text | Ty::Integer | Ty::Decimal | Ty::Percent | Ty::Date => {
                let mut consts = Vec::new();
                for v in values {
                    match self.operand(v, scope) {
                        // An integer equals a decimal literal only if the literal as written
                        // is that integer.
                        Some(Resolved::Typed(Operand::Const(_), Ty::Decimal, _))
                            if ty == Ty::Integer && matches!(v.kind, OperandKind::Decimal(_)) =>
                        {
                            let d = DecimalText::parse(self.literal_text(v.span));
                            if let Some(i) = d.and_then(DecimalText::as_integer) {
                                consts.push(Value::Int(i));
                            }
                        }
                        Some(Resolved::Typed(Operand::Const(c), t, _))
                            if Self::compatible(t, ty) =>
                        {
                            consts.push(c)
                        }
                        Some(Resolved::Typed(_, t, _)) => {
                            self.err(
                                Diagnostic::new(Code::E0211, "this value cannot be in the set")
                                    .primary(v.span, format!("this is {}", self.ty_name(t)))
                                    .help(format!(
                                        "the set must hold literal values of {}",
                                        self.ty_name(ty)
                                    )),
                            );
                            return None;
                        }
                        Some(Resolved::BareName(n, s)) => {
                            self.err(
                                Diagnostic::new(
                                    Code::E0211,
                                    format!("`{n}` is a name, but the set holds literal values"),
                                )
                                .primary(s, "not a literal")
                                .help(format!(
                                    "write values of {}, e.g. quoted texts",
                                    self.ty_name(ty)
                                )),
                            );
                            return None;
                        }
                        None => return None,
                    }
                }
                Some(ir::Expr::InValues {
                    operand,
                    values: consts,
                })
            }
            other => {
                self.err(
                    Diagnostic::new(
                        Code::E0211,
                        format!("{} cannot be tested with `属于`", self.ty_name(other)),
                    )
                    .primary(l.span, "not a single value")
                    .help("`属于` tests an enum value, level, text or number"),
                );
                None
            }
        }
    }
}

/// The rule set's comparison for the one written.
pub(super) fn cmp_op(op: ast::CmpOp) -> ir::CmpOp {
    match op {
        ast::CmpOp::Eq => ir::CmpOp::Eq,
        ast::CmpOp::Ne => ir::CmpOp::Ne,
        ast::CmpOp::Lt => ir::CmpOp::Lt,
        ast::CmpOp::Le => ir::CmpOp::Le,
        ast::CmpOp::Gt => ir::CmpOp::Gt,
        ast::CmpOp::Ge => ir::CmpOp::Ge,
    }
}

/// A decimal literal as written (`12.50`): its integral part and whether it has a fraction,
/// so that comparing it with an integer is exact however many digits it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DecimalText {
    /// The integral part, saturated at `i128::MAX` (beyond every `i64` either way).
    floor: i128,
    fraction: bool,
}

impl DecimalText {
    fn parse(text: &str) -> Option<DecimalText> {
        let (whole, frac) = text.trim().split_once('.')?;
        if whole.is_empty()
            || !whole
                .bytes()
                .chain(frac.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let floor = whole.bytes().fold(0i128, |n, b| {
            n.saturating_mul(10).saturating_add(i128::from(b - b'0'))
        });
        Some(DecimalText {
            floor,
            fraction: frac.bytes().any(|b| b != b'0'),
        })
    }

    /// Whether the double `f` compares with every integer as the literal does: the same
    /// integral part (or both above every i64) and a fraction exactly when the literal has one.
    fn agrees_with(self, f: f64) -> bool {
        const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
        if self.floor > i64::MAX as i128 {
            return f >= TWO_POW_63;
        }
        f < TWO_POW_63 && f.floor() as i128 == self.floor && (f.fract() != 0.0) == self.fraction
    }

    /// The literal as an integer, when it is one (`3.0`) within i64.
    fn as_integer(self) -> Option<i64> {
        (!self.fraction)
            .then(|| i64::try_from(self.floor).ok())
            .flatten()
    }

    /// `x op literal` for an integer operand `x`, exactly, as a comparison of integers. A
    /// comparison that holds for every value (or none) compares with `i64::MIN`, so that it
    /// is still false on a missing value.
    fn against_integer(self, op: ir::CmpOp, x: Operand) -> ir::Expr {
        use ir::CmpOp::*;
        let cmp = |op, n: i64| ir::Expr::Compare {
            op,
            lhs: x.clone(),
            rhs: Operand::Const(Value::Int(n)),
            cmp: CompareAs::Number,
        };
        let (every, none) = (cmp(Ge, i64::MIN), cmp(Lt, i64::MIN));
        let Ok(n) = i64::try_from(self.floor) else {
            // Above every integer.
            return match op {
                Lt | Le | Ne => every,
                Gt | Ge | Eq => none,
            };
        };
        if !self.fraction {
            return cmp(op, n);
        }
        // n < literal < n + 1
        match op {
            Eq => none,
            Ne => every,
            Lt | Le => cmp(Le, n),
            Gt | Ge => cmp(Gt, n),
        }
    }
}

#[cfg(test)]
mod decimal_literal_tests {
    use super::*;

    fn d(text: &str) -> DecimalText {
        DecimalText::parse(text).unwrap()
    }

    #[test]
    fn decimal_literals_are_read_as_written() {
        assert_eq!(
            d("12.50"),
            DecimalText {
                floor: 12,
                fraction: true
            }
        );
        assert_eq!(
            d("3.000"),
            DecimalText {
                floor: 3,
                fraction: false
            }
        );
        assert_eq!(d("3.000").as_integer(), Some(3));
        assert_eq!(d("2.5").as_integer(), None);
        assert_eq!(d(&format!("{}9.0", "9".repeat(60))).floor, i128::MAX);
        assert_eq!(DecimalText::parse("12"), None);
        assert_eq!(DecimalText::parse("1e3.0"), None);
        // 9007199254740993.0 reads as the double 2^53: it disagrees; 2.5 agrees.
        assert!(!d("9007199254740993.0").agrees_with(9007199254740993.0));
        assert!(d("2.5").agrees_with(2.5));
        assert!(d("0.1").agrees_with(0.1));
        assert!(!d("9223372036854775807.5").agrees_with(9223372036854775807.5));
    }

    #[test]
    fn comparisons_with_an_integer_become_integer_comparisons() {
        use ir::CmpOp::*;
        let x = Operand::Field(FieldRef { frame: 0, field: 0 });
        let int = |op, n| ir::Expr::Compare {
            op,
            lhs: x.clone(),
            rhs: Operand::Const(Value::Int(n)),
            cmp: CompareAs::Number,
        };
        let (every, none) = (int(Ge, i64::MIN), int(Lt, i64::MIN));
        assert_eq!(d("7.0").against_integer(Gt, x.clone()), int(Gt, 7));
        assert_eq!(d("2.5").against_integer(Lt, x.clone()), int(Le, 2));
        assert_eq!(d("2.5").against_integer(Ge, x.clone()), int(Gt, 2));
        assert_eq!(d("2.5").against_integer(Eq, x.clone()), none);
        assert_eq!(d("2.5").against_integer(Ne, x.clone()), every);
        let huge = d("9223372036854775808.0");
        assert_eq!(huge.against_integer(Lt, x.clone()), every);
        assert_eq!(huge.against_integer(Ge, x.clone()), none);
        assert_eq!(huge.against_integer(Eq, x), none);
    }
}
