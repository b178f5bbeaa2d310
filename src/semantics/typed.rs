//! The typed program: what type checking produces and what the analyses and lowering read.
//!
//! Every reference is an index (enums, entities, restrictions, tables, measures), every
//! condition is typed against the schema, levels are ranges as written, table cells are
//! sparse and keyed by interned values, and each part keeps the spans diagnostics point at.
//! Lowering ([`crate::ir::lower::lower`]) turns it into the rule set: level bit masks, dense
//! tables, one action per level, exemption back-links.
//!
//! The schema parts are the rule set's own types ([`EnumInfo`], [`EntityInfo`], …), and
//! conditions and actions are the rule set's [`Expr`] and [`ActionPlan`]: they are already
//! the typed form, and lowering copies them as they are.

use crate::ir::{
    Action, ActionPlan, AggregateInfo, Dim, EntityInfo, EnumInfo, Expr, FieldRef, ItemSubject,
    LevelInfo, ListCheckInfo, MeasureKind, PlanInfo, RestrictionInfo, Severity,
};
use crate::source::{FileId, Span};

/// Between the citations of one construct when they are shown as one text.
pub const CITE_SEPARATOR: &str = "；";

/// The type-checked program. Usable by the analyses and lowering only when type checking
/// reported no error.
#[derive(Debug, Clone, Default)]
pub struct Program {
    pub plan: Option<PlanInfo>,
    pub levels: Vec<LevelInfo>,
    /// Where the alert levels are declared.
    pub levels_span: Option<Span>,
    pub enums: Vec<EnumInfo>,
    pub enum_spans: Vec<Span>,
    pub entities: Vec<EntityInfo>,
    pub entity_spans: Vec<Span>,
    pub restrictions: Vec<RestrictionInfo>,
    pub restriction_spans: Vec<Span>,
    pub tables: Vec<Table>,
    pub measures: Vec<Measure>,
    pub exemptions: Vec<Exemption>,
    pub rules: Vec<Rule>,
    pub list_rules: Vec<ListRule>,
    pub disclosures: Vec<Disclosure>,
    /// The reduction models (`减排模型`), at most one per entity.
    pub models: Vec<ReductionModel>,
    /// The imports of every loaded file, in declaration order per file.
    pub imports: Vec<Import>,
    /// The file being compiled (its imports are the ones the plan chose).
    pub entry: Option<FileId>,
    /// True when the entry file is written with Chinese keywords.
    pub chinese: bool,
}

/// Alert levels `first..=last`, by index in declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelRange {
    pub first: usize,
    pub last: usize,
}

impl LevelRange {
    pub fn contains(self, level: usize) -> bool {
        self.first <= level && level <= self.last
    }

    /// Whether every level of `inner` is one of these.
    pub fn covers(self, inner: LevelRange) -> bool {
        self.first <= inner.first && inner.last <= self.last
    }

    pub fn levels(self) -> std::ops::RangeInclusive<usize> {
        self.first..=self.last
    }
}

/// `导入 "…"` in a loaded file.
#[derive(Debug, Clone)]
pub struct Import {
    /// The file the import is written in.
    pub from: FileId,
    /// The path as written.
    pub path: String,
    /// The file it names, when that file was loaded.
    pub target: Option<FileId>,
    pub span: Span,
}

/// One cell written in a grade table, for one combination of keys (a row listing several
/// keys gives one cell per key).
#[derive(Debug, Clone)]
pub struct Cell {
    /// One value per dimension: level or enum variant index.
    pub keys: Vec<usize>,
    pub action: Action,
    pub span: Span,
    /// The grid row the cell is written in.
    pub row_span: Span,
}

/// A grade table with its cells as written (sparse; repeated combinations kept in order).
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub name_span: Span,
    pub dims: Vec<Dim>,
    /// Per dimension, the number of its values.
    pub sizes: Vec<usize>,
    pub default: Option<Action>,
    /// The `默认` action as written.
    pub default_span: Option<Span>,
    /// `未编码`: bit v set when value v of the first dimension is declared without cells.
    pub not_encoded: u64,
    /// Each value named by `未编码`, where it is named (the first time).
    pub not_encoded_spans: Vec<(usize, Span)>,
    pub cells: Vec<Cell>,
    pub span: Span,
}

impl Table {
    /// Whether value `v` of the first dimension is declared not encoded.
    pub fn is_not_encoded(&self, v: usize) -> bool {
        v < 64 && self.not_encoded & (1u64 << v) != 0
    }
}

/// A `内容` (wording) line of a measure and the levels it covers.
#[derive(Debug, Clone)]
pub struct Text {
    pub levels: LevelRange,
    pub text: String,
}

/// A `要求` line of a measure: the levels it covers, its action, and where each of the
/// action's table lookups is written (parallel to `action.lookups`).
#[derive(Debug, Clone)]
pub struct Require {
    pub levels: LevelRange,
    pub action: ActionPlan,
    pub lookup_spans: Vec<Span>,
    pub span: Span,
}

/// `除外 当 …`: a measure's own exception.
#[derive(Debug, Clone)]
pub struct Exception {
    /// Its name (`除外 名称 当 …`), if it has one.
    pub name: Option<String>,
    pub condition: Expr,
    pub cite: Option<String>,
    pub span: Span,
}

/// A measure. One whose declaration has an error keeps its place (indexes stay aligned)
/// with nothing in force and no content.
#[derive(Debug, Clone)]
pub struct Measure {
    pub name: String,
    pub name_span: Span,
    pub kind: MeasureKind,
    /// The levels as written.
    pub levels: LevelRange,
    pub levels_span: Span,
    /// The levels at which the measure is in force: its own, less those where a measure
    /// replacing it (`替代`) is in force. Disjoint, in order.
    pub in_force: Vec<LevelRange>,
    pub entity: usize,
    pub item: Option<ItemSubject>,
    pub subject_span: Span,
    pub condition: Option<Expr>,
    pub condition_span: Option<Span>,
    pub texts: Vec<Text>,
    pub requires: Vec<Require>,
    pub exceptions: Vec<Exception>,
    /// The citations, joined.
    pub cite: Option<String>,
    /// Each `依据` and the levels it is for.
    pub cites: Vec<Text>,
    pub non_exemptible_span: Option<Span>,
    /// `替代 名称`: the measures this one replaces and where each is named.
    pub replaces: Vec<(usize, Span)>,
    pub span: Span,
}

impl Measure {
    pub fn in_force_at(&self, level: usize) -> bool {
        self.in_force.iter().any(|r| r.contains(level))
    }

    pub fn non_exemptible(&self) -> bool {
        self.non_exemptible_span.is_some()
    }

    /// The wording at `level`: the last `内容` line covering it.
    pub fn text_at(&self, level: usize) -> Option<&str> {
        self.texts
            .iter()
            .rev()
            .find(|t| t.levels.contains(level))
            .map(|t| t.text.as_str())
    }

    /// The citations for `level`, joined: every `依据` whose levels cover it.
    pub fn cite_at(&self, level: usize) -> Option<String> {
        let at: Vec<&str> = self
            .cites
            .iter()
            .filter(|c| c.levels.contains(level))
            .map(|c| c.text.as_str())
            .collect();
        (!at.is_empty()).then(|| at.join(CITE_SEPARATOR))
    }

    /// The required action at `level`: every `要求` line covering it, combined in order.
    pub fn action_at(&self, level: usize) -> Option<ActionPlan> {
        let mut plan: Option<ActionPlan> = None;
        for r in self.requires.iter().filter(|r| r.levels.contains(level)) {
            plan = Some(match plan {
                None => r.action.clone(),
                Some(mut prev) => {
                    prev.fixed = prev.fixed.combine(r.action.fixed);
                    prev.lookups.extend(r.action.lookups.iter().cloned());
                    prev
                }
            });
        }
        plan
    }

    /// The last `要求` line covering `level`.
    pub fn require_at(&self, level: usize) -> Option<&Require> {
        self.requires
            .iter()
            .rev()
            .find(|r| r.levels.contains(level))
    }
}

/// An exemption.
#[derive(Debug, Clone)]
pub struct Exemption {
    pub name: String,
    pub name_span: Span,
    pub entity: usize,
    pub subject_span: Span,
    pub condition: Option<Expr>,
    pub condition_span: Option<Span>,
    /// The measures it lifts and where each is named.
    pub lifts: Vec<(usize, Span)>,
    /// The citations, joined.
    pub cite: Option<String>,
    pub span: Span,
}

/// What record rules and list rules share: name, severity, levels, subject and its
/// condition, messages and citation.
#[derive(Debug, Clone)]
pub struct RuleHead {
    pub name: String,
    pub name_span: Span,
    pub severity: Severity,
    /// The levels at which it is checked; `None`: once per record, without a level.
    pub levels: Option<LevelRange>,
    pub entity: usize,
    pub item: Option<ItemSubject>,
    pub subject_span: Span,
    /// `对象 … 当 …`: which records it concerns.
    pub condition: Option<Expr>,
    pub condition_span: Option<Span>,
    /// `内容` lines: the message in the plan's words (ranges inside `levels`; a rule without
    /// levels has one line without a range).
    pub texts: Vec<Text>,
    /// The citations, joined.
    pub cite: Option<String>,
    pub span: Span,
}

impl RuleHead {
    /// The message at `level` (`None`: a rule without levels): the last `内容` line covering it.
    pub fn text_at(&self, level: Option<usize>) -> Option<&str> {
        self.texts
            .iter()
            .rev()
            .find(|t| level.is_none_or(|l| t.levels.contains(l)))
            .map(|t| t.text.as_str())
    }
}

/// A record rule: what every record (or item) of its subject that meets its condition must
/// satisfy, at each of its levels or once.
#[derive(Debug, Clone)]
pub struct Rule {
    pub head: RuleHead,
    /// `应当 …`: what each of them must satisfy (`Const(true)` when it compares actions).
    pub must: Expr,
    /// `应当 字段 不弱于 预案措施`: the action comparison.
    pub at_least: Option<crate::ir::AtLeastInfo>,
    pub must_span: Span,
}

/// A list rule: comparisons of aggregates over all the records (or items) of its subject that
/// meet its condition, per group of its `分组` field, at each of its levels or once. Its
/// aggregates and checks are already the rule set's.
#[derive(Debug, Clone)]
pub struct ListRule {
    pub head: RuleHead,
    pub group: Option<FieldRef>,
    pub aggregates: Vec<AggregateInfo>,
    pub checks: Vec<ListCheckInfo>,
    /// Per `{黄色 10%, …} ×`, the factor at each level (`None` where none is given).
    pub level_factors: Vec<Vec<Option<crate::exact::Exact>>>,
    pub must_span: Span,
}

/// A reduction model (`减排模型`): which fields of an entity hold its base emissions, which
/// its own figure for a voluntary reduction, and declared totals of bases.
#[derive(Debug, Clone)]
pub struct ReductionModel {
    pub name: String,
    pub name_span: Span,
    pub entity: usize,
    /// The base fields, in the order written.
    pub baselines: Vec<usize>,
    /// The percentage field a voluntary action reduces by; none: voluntary reduces nothing.
    pub voluntary: Option<usize>,
    /// Declared totals: a base field and its total.
    pub totals: Vec<(usize, crate::ir::Total)>,
    /// `加权`: the list field of production lines and their capacity field.
    pub capacity: Option<(usize, usize)>,
    pub cite: Option<String>,
    pub span: Span,
}

/// A disclosure (`公开`): the records of its subject that are published, and which fields.
#[derive(Debug, Clone)]
pub struct Disclosure {
    pub name: String,
    pub name_span: Span,
    pub entity: usize,
    /// For a disclosure of items: the parent's list field and the item entity.
    pub item: Option<ItemSubject>,
    pub subject_span: Span,
    /// `对象 … 当 …`: which records are published.
    pub condition: Option<Expr>,
    pub condition_span: Option<Span>,
    /// `除外 当 …`: the records withheld.
    pub withheld: Vec<Exception>,
    /// The published fields of the subject's entity, its key first.
    pub fields: Vec<usize>,
    /// The citations, joined.
    pub cite: Option<String>,
    pub span: Span,
}
