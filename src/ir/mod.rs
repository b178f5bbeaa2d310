//! Stage 5, lower: the rule set the evaluator runs. Flat, indexed, serde-serialisable and
//! versioned; names survive only for reporting.

pub mod action;
pub mod compiled;
pub mod expr;
pub mod lower;
pub mod usage;
pub mod validate;
pub mod value;

use serde::{Deserialize, Serialize};

pub use action::{Action, Base};
pub use expr::{CmpOp, CompareAs, Expr, FieldRef, Operand};
pub use validate::{EntityId, InvalidRuleSet, LevelId, MeasureId, ValidRuleSet};
pub use value::{Record, Value};

/// Bumped whenever the serialised shape of [`RuleSet`] changes. 3: integers are exact
/// (`Value::Int`, no longer numbers held as doubles) and conditions are flat lists of nodes
/// ([`expr::flat`]). 4: record rules (`record_rules`). 5: disclosures (`disclosures`).
/// 6: values a table declares not encoded (`TableInfo::not_encoded`).
/// 7: list rules (`list_rules`). 8: reduction models. 9: action fields
/// (`FieldType::Action`) and rules comparing them with the plan (`RecordRuleInfo::at_least`).
/// 10: a declared total may be a field of the data (`Total`). 11: a measure's citations
/// per level (`MeasureInfo::cites`). 12: names of local exceptions (`ExceptionInfo::name`).
pub const FORMAT_VERSION: u32 = 12;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    pub plan: Option<PlanInfo>,
    pub levels: Vec<LevelInfo>,
    pub enums: Vec<EnumInfo>,
    pub entities: Vec<EntityInfo>,
    pub restrictions: Vec<RestrictionInfo>,
    pub tables: Vec<TableInfo>,
    pub measures: Vec<MeasureInfo>,
    pub exemptions: Vec<ExemptionInfo>,
    /// The record rules (`规则`), which `audit` checks.
    #[serde(default)]
    pub record_rules: Vec<RecordRuleInfo>,
    /// The list rules (`规则` over aggregates), which `audit` checks over whole inputs.
    #[serde(default)]
    pub list_rules: Vec<ListRuleInfo>,
    /// The disclosures (`公开`), which `publish` follows.
    #[serde(default)]
    pub disclosures: Vec<DisclosureInfo>,
    /// The reduction models (`减排模型`), at most one per entity, which list rules' `减排量`
    /// and `基数` read.
    #[serde(default)]
    pub reduction_models: Vec<ReductionModelInfo>,
    /// True when the entry file is written with Chinese keywords (reports then use Chinese headers).
    pub chinese: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanInfo {
    pub title: String,
    pub issuer: Option<String>,
    pub basis: Vec<String>,
    pub effective: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelInfo {
    pub name: String,
    pub alias: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnumInfo {
    pub name: String,
    /// In declaration order.
    pub variants: Vec<String>,
    pub ordered: bool,
    /// For ordered enums, the rank of each variant: greater is better (declared first with `>`).
    pub rank: Vec<u16>,
    /// Per variant, in declaration order: the other spellings data files may use for it.
    /// Policy text names variants only by their canonical name.
    #[serde(default)]
    pub aliases: Vec<Vec<String>>,
}

impl EnumInfo {
    /// The variant whose name or one of whose aliases is `text` (trimmed; exact otherwise).
    pub fn variant_index(&self, text: &str) -> Option<u16> {
        let text = text.trim();
        self.variants
            .iter()
            .position(|v| v == text)
            .or_else(|| {
                self.aliases
                    .iter()
                    .position(|a| a.iter().any(|alias| alias == text))
            })
            .map(|i| i as u16)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityInfo {
    pub name: String,
    pub key: usize,
    pub fields: Vec<FieldInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldInfo {
    pub name: String,
    pub aliases: Vec<String>,
    pub ty: FieldType,
    pub optional: bool,
    /// `显示` (display): outputs by record show the field even when no rule reads it. The
    /// key is shown whether or not it is marked.
    #[serde(default)]
    pub display: bool,
    /// `范围 低 至 高`: the least and greatest value an integer field may hold.
    #[serde(default)]
    pub range: Option<(i64, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldType {
    Text,
    Bool,
    Integer,
    Decimal,
    Percent,
    Date,
    CreditCode,
    Level,
    Enum(usize),
    /// A set of levels (`None`) or of an enum's variants.
    Set(Option<usize>),
    /// A list of records of another entity.
    List(usize),
    /// An action (`措施`), such as a firm's own measure `限产 30%`, read as a measure's
    /// `要求` is written; `per_level` (`按级别 措施`): one per alert level, from a column
    /// per level.
    Action {
        per_level: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestrictionInfo {
    pub name: String,
    pub wording: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Dim {
    Level,
    Enum(usize),
}

/// A dense table: `cells[index(keys)]`, row-major over `dims`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableInfo {
    pub name: String,
    pub dims: Vec<Dim>,
    pub sizes: Vec<usize>,
    pub cells: Vec<Option<Action>>,
    pub default: Option<Action>,
    /// `未编码`: bit v set when value v of the first dimension (an enum) is declared without
    /// cells. A lookup of such a value finds that no table is encoded for it, whatever the
    /// default; validation checks that those values have no cells.
    #[serde(default)]
    pub not_encoded: u64,
}

impl TableInfo {
    /// The value of the first dimension among `keys` when the table declares it not
    /// encoded: a lookup of it has no cell, on purpose.
    #[inline]
    pub fn not_encoded_at(&self, keys: &[usize]) -> Option<usize> {
        let v = *keys.first()?;
        (v < 64 && self.not_encoded & (1u64 << v) != 0).then_some(v)
    }

    /// The cell for one combination of keys, falling back to the default; `None` for keys out
    /// of range (or sizes whose product overflows, which validation refuses).
    pub fn lookup(&self, keys: &[usize]) -> Option<Action> {
        self.cell(keys).map(|(action, _)| action)
    }

    /// [`lookup`](Self::lookup), and whether the action is the table's default (no cell of
    /// its own for these keys).
    pub fn cell(&self, keys: &[usize]) -> Option<(Action, bool)> {
        let mut index = 0usize;
        for (k, size) in keys.iter().zip(&self.sizes) {
            if k >= size {
                return None;
            }
            index = index.checked_mul(*size)?.checked_add(*k)?;
        }
        match self.cells.get(index).copied().flatten() {
            Some(action) => Some((action, false)),
            None => self.default.map(|action| (action, true)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    Advisory,
    Mandatory,
}

impl MeasureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MeasureKind::Advisory => "advisory",
            MeasureKind::Mandatory => "mandatory",
        }
    }
}

/// Where a measure's subject lives: the top-level record, or the items of one of its list fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemSubject {
    pub field: usize,
    pub entity: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum KeySource {
    Level,
    Field(FieldRef),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lookup {
    pub table: usize,
    pub keys: Vec<KeySource>,
}

/// A required action: fixed terms combined with the cells of table lookups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionPlan {
    pub fixed: Action,
    pub lookups: Vec<Lookup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExceptionInfo {
    /// Its name (`除外 名称 当 …`); outputs show the condition's text without one.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(with = "expr::flat")]
    pub condition: Expr,
    pub cite: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureInfo {
    pub name: String,
    pub kind: MeasureKind,
    /// Bit i set: in force at level i.
    pub levels: u64,
    pub entity: usize,
    pub item: Option<ItemSubject>,
    #[serde(with = "expr::flat::option")]
    pub condition: Option<Expr>,
    /// Per level: the wording at that level.
    pub texts: Vec<Option<String>>,
    /// Per level: the required action at that level.
    pub actions: Vec<Option<ActionPlan>>,
    pub exceptions: Vec<ExceptionInfo>,
    /// Every citation of the measure, joined.
    pub cite: Option<String>,
    /// Per level: the citations for that level (`依据 橙色 "…"`), joined.
    pub cites: Vec<Option<String>>,
    pub non_exemptible: bool,
    /// The exemptions that lift this measure, in declaration order.
    pub lifted_by: Vec<usize>,
}

impl MeasureInfo {
    /// The citation of a decision at `level`: the citations the measure gives for that
    /// level, or, for a rule set that has none per level, all of them.
    pub fn cite_at(&self, level: usize) -> Option<&str> {
        match self.cites.get(level) {
            Some(c) => c.as_deref(),
            None => self.cite.as_deref(),
        }
    }
}

/// How a broken record rule counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A record rule (`规则`), as audits check it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordRuleInfo {
    pub name: String,
    pub severity: Severity,
    /// The levels at which it is checked (bit i: level i); `None`: once, without a level.
    pub levels: Option<u64>,
    pub entity: usize,
    pub item: Option<ItemSubject>,
    #[serde(with = "expr::flat::option")]
    pub condition: Option<Expr>,
    /// The condition its `应当` sets (`Const(true)` for a rule whose `应当` compares
    /// actions: [`at_least`](Self::at_least)).
    #[serde(with = "expr::flat")]
    pub must: Expr,
    /// `应当 X 不弱于 预案措施`: the action a record's field holds (or its lines' fields
    /// hold) must be at least as strict as what the plan requires of it at the level.
    #[serde(default)]
    pub at_least: Option<AtLeastInfo>,
    /// The message: per level for a rule with levels, else one.
    pub texts: Vec<Option<String>>,
    pub cite: Option<String>,
}

/// `应当 一厂一策措施 不弱于 预案措施`: a record rule comparing an action the data holds with
/// an action the plan gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtLeastInfo {
    pub source: ActionSource,
    pub against: Against,
}

/// Where the action a rule compares is: a field of the record, or a field of each item of
/// a list field (a firm's production lines), compared by the reduction they achieve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionSource {
    /// An action field of the record.
    Field(usize),
    /// An action field of the items of the record's list field `list` (of entity
    /// `entity`), weighted by the items' `capacity` field (the reduction model's `加权`).
    Lines {
        list: usize,
        entity: usize,
        field: usize,
        capacity: usize,
    },
}

/// What the data's action is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Against {
    /// `预案措施`: the record's effective action at the level, as the plan decides it.
    Plan,
    /// An action written in the rule.
    Action(Action),
}

/// A list rule (`规则` whose `应当` compares aggregates): checked over all the records (or
/// items) its subject concerns, per group of its `分组` field, at each of its levels or once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListRuleInfo {
    pub name: String,
    pub severity: Severity,
    /// The levels at which it is checked (bit i: level i); `None`: once, without a level.
    pub levels: Option<u64>,
    pub entity: usize,
    pub item: Option<ItemSubject>,
    /// Which records (or items) it counts; none: all.
    #[serde(with = "expr::flat::option")]
    pub condition: Option<Expr>,
    /// `分组`: the field whose value makes the groups; none: one group of all.
    pub group: Option<FieldRef>,
    /// Every aggregate its checks read, in the order written.
    pub aggregates: Vec<AggregateInfo>,
    /// The comparisons of its `应当`; all must hold in every group.
    pub checks: Vec<ListCheckInfo>,
    /// Per `{黄色 10%, …} ×` of its checks, the factor at each level of the rule set
    /// (`None` at a level the rule is not checked at).
    #[serde(default)]
    pub level_factors: Vec<Vec<Option<crate::exact::Exact>>>,
    /// The message: per level for a rule with levels, else one.
    pub texts: Vec<Option<String>>,
    pub cite: Option<String>,
}

/// An aggregate of a list rule, over the records of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregateInfo {
    pub fun: AggregateFn,
    /// The number field of `合计`, `最小`, `最大`.
    pub field: Option<FieldRef>,
    /// Only the records that meet it count (`计数`, `占比`) or are summed.
    #[serde(with = "expr::flat::option")]
    pub condition: Option<Expr>,
    /// As the plan writes it (`占比(级别 属于 应急减排清单)`), for findings.
    pub text: String,
}

/// What an aggregate computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AggregateFn {
    /// How many records meet the condition.
    Count,
    /// The share of records that meet the condition, as a percentage (100 for all).
    Share,
    /// The sum of the field over the records that meet the condition (empty cells skipped).
    Sum,
    Min,
    Max,
    /// The sum, over the records that meet the condition, of the base field times the share
    /// of it the record's effective action at the level cuts (the reduction model's).
    Reduced,
    /// The model's declared total of the base field, else its sum over every record of the
    /// entity in the data (whatever the rule's condition and groups).
    Baseline,
}

/// One comparison of a list rule: `left op right`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListCheckInfo {
    pub left: ListTerm,
    pub op: CmpOp,
    pub right: ListTerm,
    /// As the plan writes it.
    pub text: String,
}

/// A side of a list rule's comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListTerm {
    Number(crate::exact::Exact),
    /// The aggregate at this index of the rule's `aggregates`, times the factor if any.
    Aggregate {
        factor: Option<crate::exact::Exact>,
        index: usize,
    },
    /// The aggregate at `index`, times the factor of the level it is checked at: the
    /// rule's `level_factors[factors][level]`.
    LevelScaled {
        factors: usize,
        index: usize,
    },
}

/// A reduction model (`减排模型`): how the effective action of a record of `entity` reduces
/// the base emissions its base fields hold.
///
/// A stop (`停产`, `停用`) cuts 100% of each base; `停产 p%` and `限产 p%` cut p%; `自主减排`
/// cuts the record's own figure in `voluntary` (nothing without the field, or when it is
/// empty); an action of restrictions only, or none, cuts nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReductionModelInfo {
    pub name: String,
    pub entity: usize,
    /// The base fields of the entity (number fields).
    pub baselines: Vec<usize>,
    /// The percentage field with the record's own voluntary reduction.
    pub voluntary: Option<usize>,
    /// Declared totals of base fields (a district's emissions): `基数(…)` is then this.
    pub totals: Vec<(usize, Total)>,
    /// `加权 生产线.产能`: the list field of the entity's production lines and the lines'
    /// capacity field, by which a per-line plan's reduction is weighted.
    #[serde(default)]
    pub capacity: Option<(usize, usize)>,
    pub cite: Option<String>,
}

/// A declared total of a base (`总量`): a number the plan gives, or a number field of a
/// top-level entity summed over every record of it in the data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Total {
    Number(crate::exact::Exact),
    Data { entity: usize, field: usize },
}

/// A disclosure (`公开`): which records of its subject are published, with which fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisclosureInfo {
    pub name: String,
    /// The entity of the records, or of the parents of the items, it publishes.
    pub entity: usize,
    /// For a disclosure of items: the parent's list field and the item entity.
    pub item: Option<ItemSubject>,
    /// Which records (or items) are published; none: all.
    #[serde(with = "expr::flat::option")]
    pub condition: Option<Expr>,
    /// `除外 当 …`: records withheld when one holds — or when it cannot be read.
    pub withheld: Vec<ExceptionInfo>,
    /// The published fields of the subject's entity, its key first.
    pub fields: Vec<usize>,
    pub cite: Option<String>,
}

impl DisclosureInfo {
    /// The entity of the records it publishes: the item entity for a disclosure of items.
    pub fn subject_entity(&self) -> usize {
        self.item.map_or(self.entity, |i| i.entity)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExemptionInfo {
    pub name: String,
    pub entity: usize,
    #[serde(with = "expr::flat::option")]
    pub condition: Option<Expr>,
    pub lifts: Vec<usize>,
    pub cite: Option<String>,
}

impl RuleSet {
    pub fn level_index(&self, name: &str) -> Option<usize> {
        self.levels.iter().position(|l| {
            l.name == name
                || l.alias
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(name))
        })
    }

    pub fn entity_index(&self, name: &str) -> Option<usize> {
        self.entities.iter().position(|e| e.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn power() -> EnumInfo {
        EnumInfo {
            name: "动力类型".into(),
            variants: vec!["燃油".into(), "燃气".into(), "纯电动".into()],
            ordered: false,
            rank: vec![0, 1, 2],
            aliases: vec![
                vec!["柴油".into(), "汽油".into()],
                vec![],
                vec!["电动".into()],
            ],
        }
    }

    #[test]
    fn variant_index_finds_names_and_aliases() {
        let e = power();
        assert_eq!(e.variant_index("燃气"), Some(1));
        assert_eq!(e.variant_index("汽油"), Some(0));
        assert_eq!(e.variant_index(" 电动\t"), Some(2), "trimmed");
        assert_eq!(e.variant_index("纯电"), None, "no prefix match");
        assert_eq!(e.variant_index("電動"), None);
        assert_eq!(e.variant_index(""), None);
    }

    #[test]
    fn lookups_with_keys_out_of_range_or_overflowing_sizes_find_no_cell() {
        let t = TableInfo {
            name: "T".into(),
            dims: vec![Dim::Level; 3],
            sizes: vec![usize::MAX; 3],
            cells: vec![Some(Action::NONE)],
            default: None,
            not_encoded: 0,
        };
        assert_eq!(t.lookup(&[0, 0, 0]), Some(Action::NONE));
        assert_eq!(t.lookup(&[1, 1, 1]), None, "the index overflows: no cell");
        assert_eq!(t.lookup(&[usize::MAX, 0, 0]), None);
    }

    #[test]
    fn values_declared_not_encoded_are_found_by_the_first_key() {
        let t = TableInfo {
            name: "T".into(),
            dims: vec![Dim::Enum(0), Dim::Level],
            sizes: vec![3, 2],
            cells: vec![None; 6],
            default: Some(Action::NONE),
            not_encoded: 0b100,
        };
        assert_eq!(t.not_encoded_at(&[2, 1]), Some(2));
        assert_eq!(t.not_encoded_at(&[1, 1]), None);
        assert_eq!(t.not_encoded_at(&[64, 0]), None, "past the mask");
        assert_eq!(t.not_encoded_at(&[]), None);
        let old: TableInfo = serde_json::from_str(
            r#"{"name":"T","dims":["Level"],"sizes":[1],"cells":[null],"default":null}"#,
        )
        .unwrap();
        assert_eq!(
            old.not_encoded, 0,
            "rule sets without the field declare nothing"
        );
    }

    #[test]
    fn enums_and_fields_of_older_rule_sets_deserialise() {
        let e: EnumInfo = serde_json::from_str(
            r#"{"name":"E","variants":["甲","乙"],"ordered":false,"rank":[0,1]}"#,
        )
        .unwrap();
        assert!(e.aliases.is_empty());
        assert_eq!(e.variant_index("乙"), Some(1));
        let f: FieldInfo =
            serde_json::from_str(r#"{"name":"名称","aliases":[],"ty":"Text","optional":false}"#)
                .unwrap();
        assert!(!f.display);
    }
}
