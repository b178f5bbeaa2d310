//! The abstract syntax tree: what the author wrote, with a span on every part.

use crate::source::{FileId, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    pub file: FileId,
    pub decls: Vec<Decl>,
}

// Declarations are built once per file and never moved in bulk: boxing the large measure
// variant would buy nothing measurable.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Decl {
    Plan(PlanDecl),
    Import(ImportDecl),
    Levels(LevelsDecl),
    Enum(EnumDecl),
    Entity(EntityDecl),
    Restriction(RestrictionDecl),
    Measure(MeasureDecl),
    Exemption(ExemptionDecl),
    Table(TableDecl),
    Rule(RuleDecl),
    Public(PublicDecl),
    Model(ModelDecl),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanDecl {
    pub title: Str,
    pub issuer: Option<Str>,
    pub basis: Vec<Str>,
    pub effective: Option<DateLit>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DateLit {
    /// Days since 1970-01-01.
    pub days: i32,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportDecl {
    pub path: Str,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LevelsDecl {
    pub levels: Vec<LevelDef>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LevelDef {
    pub name: Name,
    pub alias: Option<Name>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumDecl {
    pub name: Name,
    pub ordered: bool,
    /// Variants from the best/highest to the worst/lowest when ordered; as written otherwise.
    pub variants: Vec<Name>,
    /// Per variant, in the same order: the other spellings data files may use for it
    /// (`B (B级)`). Empty when the variant has none.
    pub aliases: Vec<Vec<Name>>,
    /// How the variants were separated: `>`, `<` or `,`.
    pub separator: EnumSeparator,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumSeparator {
    Descending,
    Ascending,
    Plain,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EntityDecl {
    pub name: Name,
    pub key: Name,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    pub name: Name,
    pub ty: TypeExpr,
    pub aliases: Vec<Str>,
    /// `显示` (display): outputs by record show the field even when no rule reads it.
    pub display: bool,
    /// `范围 低 至 高`: the bounds as written, and where.
    pub range: Option<(String, String, Span)>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Text,
    Bool,
    Integer,
    Decimal,
    Percent,
    Date,
    CreditCode,
    Level,
    Named(Name),
    Optional(Box<TypeExpr>),
    List(Name),
    /// A set of enum values; `None` is a set of alert levels.
    Set(Option<Name>),
    /// `措施`, `按级别 措施`: an action, one per level with `按级别`.
    Action {
        per_level: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct RestrictionDecl {
    pub name: Name,
    pub wording: Str,
    pub span: Span,
}

/// Advisory (`倡议性`) or mandatory (`强制性`), as the measure declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureKind {
    Advisory,
    Mandatory,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MeasureDecl {
    pub name: Name,
    pub kind: MeasureKind,
    pub kind_span: Span,
    pub levels: LevelRange,
    pub subjects: Vec<Subject>,
    /// `依据 [级别] "…"`: each citation and the levels it is for (none: every level).
    pub cites: Vec<TextItem>,
    pub texts: Vec<TextItem>,
    pub requires: Vec<RequireItem>,
    pub exceptions: Vec<Exception>,
    pub non_exemptible: Option<Span>,
    /// `替代 名称`: the measures this one replaces from the levels where it is in force.
    pub replaces: Vec<Name>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub path: Path,
    pub condition: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TextItem {
    pub levels: Option<LevelRange>,
    pub text: Str,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequireItem {
    pub levels: Option<LevelRange>,
    pub action: Action,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Exception {
    /// `除外 名称 当 …`: the name outputs use instead of the condition's text.
    pub name: Option<Name>,
    pub condition: Expr,
    pub cite: Option<Str>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LevelRangeKind {
    Single(Name),
    From(Name),
    Between(Name, Name),
}

#[derive(Debug, Clone, PartialEq)]
pub struct LevelRange {
    pub kind: LevelRangeKind,
    pub span: Span,
}

/// How a breach of a record rule counts: an error (`错误`) or a warning (`警告`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// `规则 名 错误 [levels] { 对象 … 应当 … 依据 … 内容 … }`: a condition every record (or item)
/// of its subject must satisfy.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDecl {
    pub name: Name,
    pub severity: Severity,
    pub severity_span: Span,
    /// The levels at which it is checked; none: checked once, without a level.
    pub levels: Option<LevelRange>,
    pub subjects: Vec<Subject>,
    /// `分组 字段` lines (a list rule groups by at most one field).
    pub groups: Vec<Path>,
    /// `应当 …` lines.
    pub musts: Vec<Must>,
    pub cites: Vec<Str>,
    pub texts: Vec<TextItem>,
    pub span: Span,
}

/// What a rule's `应当` says: a condition on each record, or comparisons of aggregates over
/// all the records it concerns (a list rule).
#[derive(Debug, Clone, PartialEq)]
pub enum Must {
    Each(Expr),
    List {
        checks: Vec<ListCheck>,
        span: Span,
    },
    /// `字段 不弱于 预案措施` (or an action): an action the data holds against the plan's.
    AtLeast {
        field: Path,
        /// `None`: `预案措施`, the plan's action at the level.
        against: Option<Action>,
        span: Span,
    },
}

impl Must {
    pub fn span(&self) -> Span {
        match self {
            Must::Each(e) => e.span,
            Must::List { span, .. } | Must::AtLeast { span, .. } => *span,
        }
    }
}

/// `合计(减排量) >= 10% × 合计(基准)`: one comparison of a list rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ListCheck {
    pub left: ListTerm,
    pub op: CmpOp,
    pub right: ListTerm,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListTerm {
    pub kind: ListTermKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ListTermKind {
    /// A number as written: `20%` (its number, 20), `12.5`, `3`.
    Number(crate::exact::Exact),
    /// An aggregate, optionally scaled: `10% × 合计(…)` is a tenth of the sum.
    Aggregate {
        factor: Option<crate::exact::Exact>,
        /// `{黄色 10%, 橙色 20%} × …`: a factor per level (then `factor` is `None`).
        per_level: Vec<(Name, crate::exact::Exact)>,
        aggregate: Box<Aggregate>,
    },
}

/// `计数(…)`, `占比(…)`, `合计(字段 [当 …])`, `最小(…)`, `最大(…)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub fun: AggregateFn,
    /// The number field of `合计`, `最小`, `最大`.
    pub field: Option<Path>,
    /// The records counted (`计数`, `占比`), or summed.
    pub condition: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFn {
    Count,
    Share,
    Sum,
    Min,
    Max,
    /// `减排量(基数字段 [当 …])`: the reduction the effective actions achieve.
    Reduced,
    /// `基数(基数字段)`: the declared total, else the sum over every record.
    Baseline,
}

/// What a `总量` declares: a number the plan gives, or a field of another entity summed
/// over its records in the data (a district's society-wide emissions, kept as data).
#[derive(Debug, Clone, PartialEq)]
pub enum TotalValue {
    Number(crate::exact::Exact),
    Field(Path),
}

/// `减排模型 名 { 对象 企业  排放基数 a, b  自主减排 字段  总量 a = 1200  依据 "…" }`: how the
/// effective action of a record reduces its base emissions, held in its base fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelDecl {
    pub name: Name,
    pub subjects: Vec<Subject>,
    /// `排放基数 …` lines, every name in order.
    pub baselines: Vec<Name>,
    /// `自主减排 字段`: the field with the firm's own figure for a voluntary reduction.
    pub voluntary: Vec<Name>,
    /// `总量 字段 = 数` or `总量 字段 = 实体.字段`: declared totals of bases.
    pub totals: Vec<(Name, TotalValue, Span)>,
    /// `加权 列表字段.产能字段`: the capacity of production lines.
    pub weights: Vec<Path>,
    pub cites: Vec<Str>,
    pub span: Span,
}

/// `公开 名 { 对象 … 字段 … 除外 当 … 依据 … }`: the records of a subject that are published,
/// with which of their fields.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicDecl {
    pub name: Name,
    pub subjects: Vec<Subject>,
    /// `字段 …` lines, every name in order.
    pub fields: Vec<Name>,
    /// `除外 当 …`: the records withheld.
    pub withheld: Vec<Exception>,
    pub cites: Vec<Str>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExemptionDecl {
    pub name: Name,
    pub subjects: Vec<Subject>,
    pub lifts: Vec<Name>,
    pub cites: Vec<Str>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub terms: Vec<ActionTerm>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionTerm {
    pub kind: ActionTermKind,
    pub span: Span,
}

/// A percentage in hundredths of a percent (`20.5%` is 2050), so comparisons are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percent {
    pub hundredths: u32,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActionTermKind {
    Voluntary,
    Limit(Percent),
    Stop {
        percent: Option<Percent>,
        by_line: bool,
    },
    CeaseUse,
    Ban(Name),
    Lookup {
        table: Name,
        args: Vec<LookupArg>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum LookupArg {
    Level(Span),
    Path(Path),
}

impl LookupArg {
    pub fn span(&self) -> Span {
        match self {
            LookupArg::Level(s) => *s,
            LookupArg::Path(p) => p.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableDecl {
    pub name: Name,
    pub dims: Vec<TableDim>,
    pub default: Option<Action>,
    /// `未编码: 钢铁, 焦化`: values of the first dimension declared without cells, from
    /// every such line in order.
    pub not_encoded: Vec<Name>,
    pub groups: Vec<TableGroup>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TableDim {
    Level(Span),
    Enum(Name),
}

impl TableDim {
    pub fn span(&self) -> Span {
        match self {
            TableDim::Level(s) => *s,
            TableDim::Enum(n) => n.span,
        }
    }
}

/// A grid, optionally under group keys (`水泥熟料:`) for the table's leading dimensions.
#[derive(Debug, Clone, PartialEq)]
pub struct TableGroup {
    pub keys: Vec<Name>,
    pub header: Vec<Name>,
    pub rows: Vec<GridRow>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GridRow {
    pub keys: Vec<Name>,
    pub cells: Vec<GridCell>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GridCell {
    pub action: Option<Action>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub segments: Vec<Name>,
    pub span: Span,
}

impl Path {
    pub fn display(&self) -> String {
        self.segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// A comparison operator as written (`=`, `!=`/`≠`, `<`, `<=`/`≤`, `>`, `>=`/`≥`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(CmpOp, Operand, Operand),
    InValues(Operand, Vec<Operand>),
    InField(Operand, Path),
    Present(Path),
    Quantified {
        all: bool,
        list: Path,
        body: Box<Expr>,
    },
    /// A bare operand used as a condition (a yes/no field).
    Operand(Operand),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operand {
    pub kind: OperandKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OperandKind {
    Int(i64),
    Decimal(f64),
    Percent(u32),
    Text(String),
    Date(i32),
    Bool(bool),
    Level,
    Path(Path),
}
