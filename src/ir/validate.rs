//! Validation: a rule set is checked once, structurally, before anything evaluates it.
//!
//! [`RuleSet::validate`] turns a rule set into a [`ValidRuleSet`], the only kind
//! [`crate::eval::Evaluator::new`] accepts: every index in range (entities, fields, levels,
//! enums, measures, exemptions, tables, keys, restrictions, frames), every table dense, every
//! mask within its levels or variants, and the limits of [`crate::limits`] respected. A rule
//! set from `compile` passes by construction; one read from a file passes only if it is well
//! formed, whatever its hash says (the hash detects accidents, not tampering).
//!
//! The ids [`EntityId`], [`LevelId`] and [`MeasureId`] are made only by look-ups in a
//! validated rule set, so the evaluator's arguments are in range by construction.

use std::ops::Deref;

use super::{
    Action, ActionPlan, ActionSource, Against, AggregateFn, AtLeastInfo, Base, CompareAs, Dim,
    DisclosureInfo, Expr, FieldRef, FieldType, ItemSubject, KeySource, ListRuleInfo, ListTerm,
    MeasureInfo, Operand, RecordRuleInfo, ReductionModelInfo, RuleSet, Total, Value,
};
use crate::limits::{MAX_EXPR_DEPTH, MAX_FRAMES, MAX_RESTRICTIONS, MAX_TABLE_DIMS, MAX_VARIANTS};
use crate::messages::Lang;
use crate::msg;

/// A rule set that passed [`RuleSet::validate`]. It derefs to the [`RuleSet`] for reading;
/// it cannot be changed, so it stays valid.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRuleSet {
    rules: RuleSet,
    /// For each entity, the indexes of the measures that concern it, in declaration order:
    /// built once here so that an evaluator over the rule set costs nothing to make.
    by_entity: Vec<Vec<u32>>,
}

/// An entity of a validated rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityId(u32);

/// An alert level of a validated rule set (at most [`MAX_VARIANTS`] of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LevelId(u8);

/// A measure of a validated rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MeasureId(u32);

impl EntityId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl LevelId {
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The level's bit in a mask of levels (a level index is below 64).
    pub fn bit(self) -> u64 {
        1u64 << (self.0 & 63)
    }
}

impl MeasureId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl Deref for ValidRuleSet {
    type Target = RuleSet;
    fn deref(&self) -> &RuleSet {
        &self.rules
    }
}

impl AsRef<RuleSet> for ValidRuleSet {
    fn as_ref(&self) -> &RuleSet {
        &self.rules
    }
}

impl ValidRuleSet {
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    pub fn into_inner(self) -> RuleSet {
        self.rules
    }

    /// The measures that concern `entity`, in declaration order (none for an id this rule
    /// set does not have).
    pub fn measures_of(&self, entity: EntityId) -> &[u32] {
        self.by_entity
            .get(entity.index())
            .map_or(&[], Vec::as_slice)
    }

    /// The entity at `index`, if there is one.
    pub fn entity_id(&self, index: usize) -> Option<EntityId> {
        (index < self.rules.entities.len()).then_some(EntityId(index as u32))
    }

    /// The entity named `name`.
    pub fn entity(&self, name: &str) -> Option<EntityId> {
        self.entity_id(self.rules.entity_index(name)?)
    }

    /// The level at `index`, if there is one.
    pub fn level_id(&self, index: usize) -> Option<LevelId> {
        (index < self.rules.levels.len()).then_some(LevelId(index as u8))
    }

    /// The level named `name` or with the alias `name`.
    pub fn level(&self, name: &str) -> Option<LevelId> {
        self.level_id(self.rules.level_index(name)?)
    }

    /// Every level, lowest first.
    pub fn level_ids(&self) -> impl Iterator<Item = LevelId> + '_ {
        (0..self.rules.levels.len()).map(|l| LevelId(l as u8))
    }

    /// The measure at `index`, if there is one.
    pub fn measure_id(&self, index: usize) -> Option<MeasureId> {
        (index < self.rules.measures.len()).then_some(MeasureId(index as u32))
    }

    /// The measure named `name`.
    pub fn measure(&self, name: &str) -> Option<MeasureId> {
        self.measure_id(self.rules.measures.iter().position(|m| m.name == name)?)
    }

    /// The measure an id names; `None` for an id of another rule set beyond this one's.
    pub fn measure_info(&self, id: MeasureId) -> Option<&MeasureInfo> {
        self.rules.measures.get(id.index())
    }
}

/// Where in the rule set a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    RuleSet,
    Enum(String),
    Entity(String),
    Table(String),
    Measure(String),
    Exemption(String),
    Rule(String),
    Disclosure(String),
    Model(String),
}

/// What kind of thing an index or a count is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Entity,
    Field,
    Level,
    Enum,
    EnumValue,
    Measure,
    Exemption,
    Table,
    TableKey,
    Restriction,
    Frame,
    /// Levels of nesting of a condition.
    Nesting,
    /// An aggregate of a list rule.
    Aggregate,
}

/// A structural inconsistency that is not an index out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// An enum's ranks or aliases are not one per variant.
    EnumShape,
    /// A field of an item subject, or of `任一`/`所有`, is not a list of that entity.
    NotAList,
    /// A membership test in a field that is not a set.
    NotASet,
    /// A table's sizes are not one per dimension, each the count of its levels or variants.
    TableSizes,
    /// A lookup's key does not match its table's dimension.
    KeyType,
    /// A measure's wordings or actions are not one per level.
    PerLevel,
    /// A percentage above 100%.
    Percent,
    /// A measure lifted by an exemption over another entity.
    ExemptionEntity,
    /// An exemption's `lifts` and the measures' `lifted_by` do not name each other.
    LiftsNotMirrored,
    /// A measure marked non-exemptible is lifted by an exemption.
    NonExemptibleLifted,
    /// A record rule without levels whose conditions read the level.
    RuleLevel,
    /// A disclosure's condition reads the level.
    DisclosureLevel,
    /// A disclosure's fields do not start with the key, or name a list.
    DisclosureFields,
    /// A disclosure of items without one of their parent's entity.
    DisclosureParent,
    /// A list rule's aggregate of a field that is not a number, or its group of a list or set.
    ListRuleField,
    /// A reduction model's bases are not number fields, its voluntary figure not a
    /// percentage, a total not of a base, or its entity has two models; or a `减排量` or
    /// `基数` reads no base of its rule's entity's model.
    Model,
    /// A rule comparing actions reads no action field, its lines no capacity the model
    /// declares, or a per-level action or `预案措施` without levels; or a model weighs
    /// lines by a field that is no number field of a list's items.
    AtLeast,
    /// A table declares values not encoded though its first dimension is not an enum, or
    /// gives cells for such a value.
    NotEncoded,
    /// A field's range (`范围`) on a field that is not an integer, or with its ends reversed.
    FieldRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// `index` of a `kind` where there are only `len`.
    Index {
        kind: Kind,
        index: usize,
        len: usize,
    },
    /// `count` of a `kind` where at most `max` are allowed.
    TooMany {
        kind: Kind,
        count: usize,
        max: usize,
    },
    /// A table with `cells` cells where its dimensions make `expected` (`None`: too many to count).
    NotDense {
        cells: usize,
        expected: Option<usize>,
    },
    /// A mask with bits beyond the `len` levels or values of its `kind`.
    Mask {
        kind: Kind,
        mask: u64,
        len: usize,
    },
    Mismatch(Mismatch),
}

/// Why a rule set is not well formed: the first problem found, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRuleSet {
    pub at: Place,
    pub problem: Problem,
}

impl Kind {
    fn noun(self, lang: Lang) -> String {
        match self {
            Kind::Entity => msg!(lang, RULES_KIND_ENTITY),
            Kind::Field => msg!(lang, RULES_KIND_FIELD),
            Kind::Level => msg!(lang, RULES_KIND_LEVEL),
            Kind::Enum => msg!(lang, RULES_KIND_ENUM),
            Kind::EnumValue => msg!(lang, RULES_KIND_ENUM_VALUE),
            Kind::Measure => msg!(lang, RULES_KIND_MEASURE),
            Kind::Exemption => msg!(lang, RULES_KIND_EXEMPTION),
            Kind::Table => msg!(lang, RULES_KIND_TABLE),
            Kind::TableKey => msg!(lang, RULES_KIND_TABLE_KEY),
            Kind::Restriction => msg!(lang, RULES_KIND_RESTRICTION),
            Kind::Frame => msg!(lang, RULES_KIND_FRAME),
            Kind::Nesting => msg!(lang, RULES_KIND_NESTING),
            Kind::Aggregate => msg!(lang, RULES_KIND_AGGREGATE),
        }
    }
}

impl Place {
    fn describe(&self, lang: Lang) -> String {
        match self {
            Place::RuleSet => msg!(lang, RULES_AT_RULE_SET),
            Place::Enum(n) => msg!(lang, RULES_AT_ENUM, n),
            Place::Entity(n) => msg!(lang, RULES_AT_ENTITY, n),
            Place::Table(n) => msg!(lang, RULES_AT_TABLE, n),
            Place::Measure(n) => msg!(lang, RULES_AT_MEASURE, n),
            Place::Exemption(n) => msg!(lang, RULES_AT_EXEMPTION, n),
            Place::Rule(n) => msg!(lang, RULES_AT_RECORD_RULE, n),
            Place::Disclosure(n) => msg!(lang, RULES_AT_DISCLOSURE, n),
            Place::Model(n) => msg!(lang, RULES_AT_MODEL, n),
        }
    }
}

impl InvalidRuleSet {
    /// What is wrong, in `lang`, from the message catalogue.
    pub fn message(&self, lang: Lang) -> String {
        let at = self.at.describe(lang);
        match &self.problem {
            Problem::Index { kind, index, len } => {
                msg!(lang, RULES_BAD_INDEX, at, kind.noun(lang), index, len)
            }
            Problem::TooMany { kind, count, max } => {
                msg!(lang, RULES_TOO_MANY, at, kind.noun(lang), count, max)
            }
            Problem::NotDense { cells, expected } => match expected {
                Some(e) => msg!(lang, RULES_NOT_DENSE, at, cells, e),
                None => msg!(lang, RULES_TABLE_TOO_LARGE, at, cells),
            },
            Problem::Mask { kind, mask, len } => {
                msg!(
                    lang,
                    RULES_BAD_MASK,
                    at,
                    format!("{mask:#x}"),
                    len,
                    kind.noun(lang)
                )
            }
            Problem::Mismatch(m) => {
                let why = match m {
                    Mismatch::EnumShape => msg!(lang, RULES_ENUM_SHAPE),
                    Mismatch::NotAList => msg!(lang, RULES_NOT_A_LIST),
                    Mismatch::NotASet => msg!(lang, RULES_NOT_A_SET),
                    Mismatch::TableSizes => msg!(lang, RULES_TABLE_SIZES),
                    Mismatch::KeyType => msg!(lang, RULES_KEY_TYPE),
                    Mismatch::PerLevel => msg!(lang, RULES_PER_LEVEL),
                    Mismatch::Percent => msg!(lang, RULES_PERCENT),
                    Mismatch::ExemptionEntity => msg!(lang, RULES_EXEMPTION_ENTITY),
                    Mismatch::LiftsNotMirrored => msg!(lang, RULES_LIFTS_NOT_MIRRORED),
                    Mismatch::NonExemptibleLifted => msg!(lang, RULES_NON_EXEMPTIBLE_LIFTED),
                    Mismatch::RuleLevel => msg!(lang, RULES_RULE_LEVEL),
                    Mismatch::DisclosureLevel => msg!(lang, RULES_DISCLOSURE_LEVEL),
                    Mismatch::DisclosureFields => msg!(lang, RULES_DISCLOSURE_FIELDS),
                    Mismatch::DisclosureParent => msg!(lang, RULES_DISCLOSURE_PARENT),
                    Mismatch::ListRuleField => msg!(lang, RULES_LIST_RULE_FIELD),
                    Mismatch::NotEncoded => msg!(lang, RULES_NOT_ENCODED),
                    Mismatch::FieldRange => msg!(lang, RULES_FIELD_RANGE),
                    Mismatch::Model => msg!(lang, RULES_MODEL),
                    Mismatch::AtLeast => msg!(lang, RULES_AT_LEAST),
                };
                msg!(lang, RULES_MISMATCH, at, why)
            }
        }
    }
}

impl std::fmt::Display for InvalidRuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for InvalidRuleSet {}

impl RuleSet {
    /// Checks the rule set once, structurally; see the module documentation.
    pub fn validate(self) -> Result<ValidRuleSet, InvalidRuleSet> {
        Checker { rules: &self }.rule_set()?;
        let mut by_entity = vec![Vec::new(); self.entities.len()];
        for (i, m) in self.measures.iter().enumerate() {
            if let Some(list) = by_entity.get_mut(m.entity) {
                list.push(i as u32);
            }
        }
        Ok(ValidRuleSet {
            rules: self,
            by_entity,
        })
    }
}

struct Checker<'r> {
    rules: &'r RuleSet,
}

type Check = Result<(), InvalidRuleSet>;

fn index(at: &Place, kind: Kind, index: usize, len: usize) -> Check {
    if index < len {
        Ok(())
    } else {
        Err(InvalidRuleSet {
            at: at.clone(),
            problem: Problem::Index { kind, index, len },
        })
    }
}

fn at_most(at: &Place, kind: Kind, count: usize, max: usize) -> Check {
    if count <= max {
        Ok(())
    } else {
        Err(InvalidRuleSet {
            at: at.clone(),
            problem: Problem::TooMany { kind, count, max },
        })
    }
}

fn mask_within(at: &Place, kind: Kind, mask: u64, len: usize) -> Check {
    let beyond = if len >= 64 { 0 } else { mask >> len };
    if beyond == 0 {
        Ok(())
    } else {
        Err(InvalidRuleSet {
            at: at.clone(),
            problem: Problem::Mask { kind, mask, len },
        })
    }
}

fn ensure(at: &Place, ok: bool, why: Mismatch) -> Check {
    if ok {
        Ok(())
    } else {
        Err(InvalidRuleSet {
            at: at.clone(),
            problem: Problem::Mismatch(why),
        })
    }
}

impl Checker<'_> {
    fn rule_set(&self) -> Check {
        let r = self.rules;
        let top = Place::RuleSet;
        at_most(&top, Kind::Level, r.levels.len(), MAX_VARIANTS)?;
        at_most(
            &top,
            Kind::Restriction,
            r.restrictions.len(),
            MAX_RESTRICTIONS,
        )?;
        for e in &r.enums {
            let at = Place::Enum(e.name.clone());
            at_most(&at, Kind::EnumValue, e.variants.len(), MAX_VARIANTS)?;
            ensure(
                &at,
                e.rank.len() == e.variants.len() && e.aliases.len() <= e.variants.len(),
                Mismatch::EnumShape,
            )?;
        }
        for e in &r.entities {
            let at = Place::Entity(e.name.clone());
            // Conditions address fields with 16 bits.
            at_most(&at, Kind::Field, e.fields.len(), u16::MAX as usize + 1)?;
            index(&at, Kind::Field, e.key, e.fields.len())?;
            for f in &e.fields {
                match f.ty {
                    FieldType::Enum(x) | FieldType::Set(Some(x)) => {
                        index(&at, Kind::Enum, x, r.enums.len())?
                    }
                    FieldType::List(x) => index(&at, Kind::Entity, x, r.entities.len())?,
                    _ => {}
                }
                if let Some((lo, hi)) = f.range {
                    let fits = f.ty == FieldType::Integer && lo <= hi;
                    ensure(&at, fits, Mismatch::FieldRange)?;
                }
            }
        }
        for t in &r.tables {
            self.table(t)?;
        }
        // Exemptions first: a measure's check follows its links into them.
        for x in &r.exemptions {
            let at = Place::Exemption(x.name.clone());
            index(&at, Kind::Entity, x.entity, r.entities.len())?;
            if let Some(c) = &x.condition {
                self.expr(&at, c, &mut vec![x.entity], 1)?;
            }
            for &m in &x.lifts {
                index(&at, Kind::Measure, m, r.measures.len())?;
            }
        }
        for (mi, m) in r.measures.iter().enumerate() {
            self.measure(mi, m)?;
        }
        for rule in &r.record_rules {
            self.record_rule(rule)?;
        }
        for rule in &r.list_rules {
            self.list_rule(rule)?;
        }
        for d in &r.disclosures {
            self.disclosure(d)?;
        }
        for (mi, m) in r.reduction_models.iter().enumerate() {
            self.model(mi, m)?;
        }
        for (xi, x) in r.exemptions.iter().enumerate() {
            let at = Place::Exemption(x.name.clone());
            for &m in &x.lifts {
                ensure(
                    &at,
                    r.measures[m].lifted_by.contains(&xi),
                    Mismatch::LiftsNotMirrored,
                )?;
            }
        }
        Ok(())
    }

    fn action(&self, at: &Place, a: &Action) -> Check {
        mask_within(
            at,
            Kind::Restriction,
            a.restrictions,
            self.rules.restrictions.len(),
        )?;
        let percent = match a.base {
            Base::Limit { hundredths } | Base::StopPart { hundredths, .. } => hundredths,
            _ => 0,
        };
        ensure(at, percent <= 10_000, Mismatch::Percent)
    }

    fn table(&self, t: &super::TableInfo) -> Check {
        let r = self.rules;
        let at = Place::Table(t.name.clone());
        at_most(&at, Kind::TableKey, t.dims.len(), MAX_TABLE_DIMS)?;
        ensure(&at, t.sizes.len() == t.dims.len(), Mismatch::TableSizes)?;
        for (d, &size) in t.dims.iter().zip(&t.sizes) {
            let expected = match *d {
                Dim::Level => r.levels.len(),
                Dim::Enum(e) => {
                    index(&at, Kind::Enum, e, r.enums.len())?;
                    r.enums[e].variants.len()
                }
            };
            ensure(&at, size == expected, Mismatch::TableSizes)?;
        }
        // Lowering makes no cells for a table without dimensions.
        let expected = if t.sizes.is_empty() {
            Some(0)
        } else {
            t.sizes.iter().try_fold(1usize, |n, &s| n.checked_mul(s))
        };
        if expected != Some(t.cells.len()) {
            return Err(InvalidRuleSet {
                at,
                problem: Problem::NotDense {
                    cells: t.cells.len(),
                    expected,
                },
            });
        }
        for a in t.cells.iter().flatten().chain(&t.default) {
            self.action(&at, a)?;
        }
        if t.not_encoded != 0 {
            // Values of an enum first dimension, within its size, without a cell.
            let (Some(Dim::Enum(_)), Some(&first)) = (t.dims.first(), t.sizes.first()) else {
                return ensure(&at, false, Mismatch::NotEncoded);
            };
            mask_within(&at, Kind::EnumValue, t.not_encoded, first)?;
            // Row-major: the cells of first-dimension value v are one block.
            let block = t.cells.len() / first.max(1);
            let cells_of = |v: usize| &t.cells[v * block..(v + 1) * block];
            let encoded = (0..first.min(64))
                .filter(|v| t.not_encoded & (1u64 << v) != 0)
                .any(|v| cells_of(v).iter().any(Option::is_some));
            ensure(&at, !encoded, Mismatch::NotEncoded)?;
        }
        Ok(())
    }

    /// The records in scope of a subject (the entity, then its item entity), checked.
    fn subject(
        &self,
        at: &Place,
        entity: usize,
        item: Option<ItemSubject>,
    ) -> Result<Vec<usize>, InvalidRuleSet> {
        let r = self.rules;
        index(at, Kind::Entity, entity, r.entities.len())?;
        let mut frames = vec![entity];
        if let Some(item) = item {
            let fields = &r.entities[entity].fields;
            index(at, Kind::Field, item.field, fields.len())?;
            ensure(
                at,
                fields[item.field].ty == FieldType::List(item.entity),
                Mismatch::NotAList,
            )?;
            frames.push(item.entity);
        }
        Ok(frames)
    }

    fn measure(&self, mi: usize, m: &MeasureInfo) -> Check {
        let r = self.rules;
        let at = Place::Measure(m.name.clone());
        mask_within(&at, Kind::Level, m.levels, r.levels.len())?;
        let frames = self.subject(&at, m.entity, m.item)?;
        ensure(
            &at,
            m.texts.len() == r.levels.len()
                && m.actions.len() == r.levels.len()
                && m.cites.len() == r.levels.len(),
            Mismatch::PerLevel,
        )?;
        if let Some(c) = &m.condition {
            self.expr(&at, c, &mut frames.clone(), 1)?;
        }
        for x in &m.exceptions {
            self.expr(&at, &x.condition, &mut frames.clone(), 1)?;
        }
        for plan in m.actions.iter().flatten() {
            self.plan(&at, plan, &frames)?;
        }
        ensure(
            &at,
            !m.non_exemptible || m.lifted_by.is_empty(),
            Mismatch::NonExemptibleLifted,
        )?;
        for (i, &xi) in m.lifted_by.iter().enumerate() {
            index(&at, Kind::Exemption, xi, r.exemptions.len())?;
            let x = &r.exemptions[xi];
            // Exemption conditions are evaluated on the measure's record.
            ensure(&at, x.entity == m.entity, Mismatch::ExemptionEntity)?;
            ensure(
                &at,
                x.lifts.contains(&mi) && !m.lifted_by[..i].contains(&xi),
                Mismatch::LiftsNotMirrored,
            )?;
        }
        Ok(())
    }

    fn record_rule(&self, rule: &RecordRuleInfo) -> Check {
        let r = self.rules;
        let at = Place::Rule(rule.name.clone());
        let frames = self.subject(&at, rule.entity, rule.item)?;
        let messages = match rule.levels {
            Some(mask) => {
                mask_within(&at, Kind::Level, mask, r.levels.len())?;
                r.levels.len()
            }
            None => {
                let reads = rule.must.reads_level()
                    || rule.condition.as_ref().is_some_and(Expr::reads_level);
                ensure(&at, !reads, Mismatch::RuleLevel)?;
                1
            }
        };
        ensure(&at, rule.texts.len() == messages, Mismatch::PerLevel)?;
        if let Some(c) = &rule.condition {
            self.expr(&at, c, &mut frames.clone(), 1)?;
        }
        if let Some(a) = &rule.at_least {
            self.at_least(&at, rule, a)?;
        }
        self.expr(&at, &rule.must, &mut frames.clone(), 1)
    }

    /// `应当 字段 不弱于 …`: an action field of the rule's entity (no item subject), or of
    /// the items of a list field whose capacity the entity's model declares; levels where
    /// the field is per level or the rule compares with the plan.
    fn at_least(&self, at: &Place, rule: &RecordRuleInfo, a: &AtLeastInfo) -> Check {
        let r = self.rules;
        ensure(at, rule.item.is_none(), Mismatch::AtLeast)?;
        let fields = &r.entities[rule.entity].fields;
        let ty = match a.source {
            ActionSource::Field(f) => {
                index(at, Kind::Field, f, fields.len())?;
                fields[f].ty
            }
            ActionSource::Lines {
                list,
                entity,
                field,
                capacity,
            } => {
                index(at, Kind::Field, list, fields.len())?;
                ensure(
                    at,
                    fields[list].ty == FieldType::List(entity),
                    Mismatch::AtLeast,
                )?;
                let weighs = r
                    .reduction_models
                    .iter()
                    .any(|m| m.entity == rule.entity && m.capacity == Some((list, capacity)));
                ensure(at, weighs, Mismatch::AtLeast)?;
                let items = &r.entities[entity].fields;
                index(at, Kind::Field, field, items.len())?;
                items[field].ty
            }
        };
        let FieldType::Action { per_level } = ty else {
            return ensure(at, false, Mismatch::AtLeast);
        };
        let needs_levels = per_level || a.against == Against::Plan;
        ensure(
            at,
            !needs_levels || rule.levels.is_some(),
            Mismatch::AtLeast,
        )?;
        if let Against::Action(action) = a.against {
            self.action(at, &action)?;
        }
        Ok(())
    }

    /// A list rule: like a record rule, and its group and aggregate fields in scope (numbers
    /// for aggregates, one value for the group), its checks naming its aggregates.
    fn list_rule(&self, rule: &ListRuleInfo) -> Check {
        let r = self.rules;
        let at = Place::Rule(rule.name.clone());
        let frames = self.subject(&at, rule.entity, rule.item)?;
        let conditions = || {
            rule.condition
                .iter()
                .chain(rule.aggregates.iter().filter_map(|a| a.condition.as_ref()))
        };
        let messages = match rule.levels {
            Some(mask) => {
                mask_within(&at, Kind::Level, mask, r.levels.len())?;
                r.levels.len()
            }
            None => {
                ensure(
                    &at,
                    !conditions().any(Expr::reads_level),
                    Mismatch::RuleLevel,
                )?;
                1
            }
        };
        ensure(&at, rule.texts.len() == messages, Mismatch::PerLevel)?;
        for c in conditions() {
            self.expr(&at, c, &mut frames.clone(), 1)?;
        }
        if let Some(g) = rule.group {
            let ty = self.field(&at, g, &frames)?;
            let single = !matches!(ty, FieldType::List(_) | FieldType::Set(_));
            ensure(&at, single, Mismatch::ListRuleField)?;
        }
        for a in &rule.aggregates {
            let needs_field = matches!(
                a.fun,
                AggregateFn::Sum
                    | AggregateFn::Min
                    | AggregateFn::Max
                    | AggregateFn::Reduced
                    | AggregateFn::Baseline
            );
            if let (AggregateFn::Reduced | AggregateFn::Baseline, Some(f)) = (a.fun, a.field) {
                let base = rule.item.is_none()
                    && f.frame == 0
                    && r.reduction_models.iter().any(|m| {
                        m.entity == rule.entity && m.baselines.contains(&(f.field as usize))
                    });
                ensure(&at, base, Mismatch::Model)?;
            }
            ensure(
                &at,
                needs_field == a.field.is_some(),
                Mismatch::ListRuleField,
            )?;
            if let Some(f) = a.field {
                let ty = self.field(&at, f, &frames)?;
                let number = matches!(
                    ty,
                    FieldType::Integer | FieldType::Decimal | FieldType::Percent
                );
                ensure(&at, number, Mismatch::ListRuleField)?;
            }
        }
        // A factor per level for exactly the levels the rule is checked at.
        for f in &rule.level_factors {
            let mask = rule.levels.unwrap_or(0);
            let exact = f.len() == r.levels.len()
                && f.iter()
                    .enumerate()
                    .all(|(l, x)| x.is_some() == (mask & (1u64 << l) != 0));
            ensure(&at, exact, Mismatch::PerLevel)?;
        }
        for c in &rule.checks {
            for term in [c.left, c.right] {
                match term {
                    ListTerm::Number(_) => {}
                    ListTerm::Aggregate { index: i, .. } => {
                        index(&at, Kind::Aggregate, i, rule.aggregates.len())?;
                    }
                    ListTerm::LevelScaled { factors, index: i } => {
                        index(&at, Kind::Aggregate, i, rule.aggregates.len())?;
                        index(&at, Kind::Aggregate, factors, rule.level_factors.len())?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A reduction model: an entity with no other model, number base fields named once, a
    /// percentage voluntary field, totals of bases.
    fn model(&self, mi: usize, m: &ReductionModelInfo) -> Check {
        let r = self.rules;
        let at = Place::Model(m.name.clone());
        index(&at, Kind::Entity, m.entity, r.entities.len())?;
        let fields = &r.entities[m.entity].fields;
        ensure(
            &at,
            !r.reduction_models[..mi]
                .iter()
                .any(|o| o.entity == m.entity),
            Mismatch::Model,
        )?;
        for (i, &f) in m.baselines.iter().enumerate() {
            index(&at, Kind::Field, f, fields.len())?;
            let number = matches!(
                fields[f].ty,
                FieldType::Integer | FieldType::Decimal | FieldType::Percent
            );
            ensure(
                &at,
                number && !m.baselines[..i].contains(&f),
                Mismatch::Model,
            )?;
        }
        if let Some(v) = m.voluntary {
            index(&at, Kind::Field, v, fields.len())?;
            ensure(&at, fields[v].ty == FieldType::Percent, Mismatch::Model)?;
        }
        for (i, (f, total)) in m.totals.iter().enumerate() {
            let once = !m.totals[..i].iter().any(|(o, _)| o == f);
            ensure(&at, m.baselines.contains(f) && once, Mismatch::Model)?;
            if let Total::Data { entity, field } = *total {
                index(&at, Kind::Entity, entity, r.entities.len())?;
                let of = &r.entities[entity].fields;
                index(&at, Kind::Field, field, of.len())?;
                let number = matches!(
                    of[field].ty,
                    FieldType::Integer | FieldType::Decimal | FieldType::Percent
                );
                let listed = r
                    .entities
                    .iter()
                    .any(|e| e.fields.iter().any(|f| f.ty == FieldType::List(entity)));
                ensure(
                    &at,
                    number && entity != m.entity && !listed,
                    Mismatch::Model,
                )?;
            }
        }
        if let Some((list, capacity)) = m.capacity {
            index(&at, Kind::Field, list, fields.len())?;
            let FieldType::List(item) = fields[list].ty else {
                return ensure(&at, false, Mismatch::AtLeast);
            };
            let items = &r.entities[item].fields;
            index(&at, Kind::Field, capacity, items.len())?;
            let number = matches!(
                items[capacity].ty,
                FieldType::Integer | FieldType::Decimal | FieldType::Percent
            );
            ensure(&at, number, Mismatch::AtLeast)?;
        }
        Ok(())
    }

    /// A disclosure: its subject, conditions without the level (publishing has none), and
    /// fields of the subject's entity that are not lists, the key first; a disclosure of
    /// items with one of their parent's entity.
    fn disclosure(&self, d: &DisclosureInfo) -> Check {
        let r = self.rules;
        let at = Place::Disclosure(d.name.clone());
        let frames = self.subject(&at, d.entity, d.item)?;
        let conditions = || {
            d.condition
                .iter()
                .chain(d.withheld.iter().map(|x| &x.condition))
        };
        ensure(
            &at,
            !conditions().any(Expr::reads_level),
            Mismatch::DisclosureLevel,
        )?;
        for c in conditions() {
            self.expr(&at, c, &mut frames.clone(), 1)?;
        }
        let entity = &r.entities[d.subject_entity()];
        ensure(
            &at,
            d.fields.first() == Some(&entity.key),
            Mismatch::DisclosureFields,
        )?;
        for &fi in &d.fields {
            index(&at, Kind::Field, fi, entity.fields.len())?;
            ensure(
                &at,
                !matches!(entity.fields[fi].ty, FieldType::List(_)),
                Mismatch::DisclosureFields,
            )?;
        }
        if d.item.is_some() {
            let parent = r
                .disclosures
                .iter()
                .any(|p| p.item.is_none() && p.entity == d.entity);
            ensure(&at, parent, Mismatch::DisclosureParent)?;
        }
        Ok(())
    }

    fn plan(&self, at: &Place, plan: &ActionPlan, frames: &[usize]) -> Check {
        let r = self.rules;
        self.action(at, &plan.fixed)?;
        for lookup in &plan.lookups {
            index(at, Kind::Table, lookup.table, r.tables.len())?;
            let t = &r.tables[lookup.table];
            ensure(at, lookup.keys.len() == t.dims.len(), Mismatch::KeyType)?;
            for (key, dim) in lookup.keys.iter().zip(&t.dims) {
                let ok = match (key, dim) {
                    (KeySource::Level, Dim::Level) => true,
                    (KeySource::Level, Dim::Enum(_)) => false,
                    (KeySource::Field(f), dim) => {
                        let ty = self.field(at, *f, frames)?;
                        match dim {
                            Dim::Level => ty == FieldType::Level,
                            Dim::Enum(e) => ty == FieldType::Enum(*e),
                        }
                    }
                };
                ensure(at, ok, Mismatch::KeyType)?;
            }
        }
        Ok(())
    }

    /// The type of a field reference, checked against the frames in scope.
    fn field(
        &self,
        at: &Place,
        f: FieldRef,
        frames: &[usize],
    ) -> Result<FieldType, InvalidRuleSet> {
        index(at, Kind::Frame, f.frame as usize, frames.len())?;
        let fields = &self.rules.entities[frames[f.frame as usize]].fields;
        index(at, Kind::Field, f.field as usize, fields.len())?;
        Ok(fields[f.field as usize].ty)
    }

    /// How many values an enum or level operand can take, for its masks.
    fn operand(
        &self,
        at: &Place,
        o: &Operand,
        frames: &[usize],
    ) -> Result<Option<usize>, InvalidRuleSet> {
        Ok(match o {
            Operand::Level => Some(self.rules.levels.len()),
            Operand::Field(f) => match self.field(at, *f, frames)? {
                FieldType::Level => Some(self.rules.levels.len()),
                FieldType::Enum(e) => Some(self.rules.enums[e].variants.len()),
                _ => None,
            },
            Operand::Const(_) => None,
        })
    }

    /// Checks a condition nested `depth` deep (1 at the top).
    fn expr(&self, at: &Place, e: &Expr, frames: &mut Vec<usize>, depth: usize) -> Check {
        let r = self.rules;
        at_most(at, Kind::Nesting, depth, MAX_EXPR_DEPTH)?;
        match e {
            Expr::Const(_) => Ok(()),
            Expr::Truthy(f) | Expr::Present(f) => self.field(at, *f, frames).map(|_| ()),
            Expr::Compare { lhs, rhs, cmp, .. } => {
                let domain = match *cmp {
                    CompareAs::Enum(x) => {
                        index(at, Kind::Enum, x, r.enums.len())?;
                        Some((Kind::EnumValue, r.enums[x].variants.len()))
                    }
                    CompareAs::Level => Some((Kind::Level, r.levels.len())),
                    _ => None,
                };
                for o in [lhs, rhs] {
                    self.operand(at, o, frames)?;
                    if let (Operand::Const(Value::Enum(v)), Some((kind, len))) = (o, domain) {
                        index(at, kind, *v as usize, len)?;
                    }
                }
                Ok(())
            }
            Expr::InMask { operand, mask } => match self.operand(at, operand, frames)? {
                Some(len) => mask_within(at, Kind::EnumValue, *mask, len),
                None => ensure(at, false, Mismatch::KeyType),
            },
            Expr::InValues { operand, .. } => self.operand(at, operand, frames).map(|_| ()),
            Expr::InField { operand, set } => {
                self.operand(at, operand, frames)?;
                let ty = self.field(at, *set, frames)?;
                ensure(at, matches!(ty, FieldType::Set(_)), Mismatch::NotASet)
            }
            Expr::Not(inner) => self.expr(at, inner, frames, depth + 1),
            Expr::And(es) | Expr::Or(es) => es
                .iter()
                .try_for_each(|x| self.expr(at, x, frames, depth + 1)),
            Expr::Any { list, body } | Expr::All { list, body } => {
                let FieldType::List(entity) = self.field(at, *list, frames)? else {
                    return ensure(at, false, Mismatch::NotAList);
                };
                at_most(at, Kind::Frame, frames.len() + 1, MAX_FRAMES)?;
                frames.push(entity);
                let result = self.expr(at, body, frames, depth + 1);
                frames.pop();
                result
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::compile_source;
    use crate::ir::{EnumInfo, Lookup, RestrictionInfo};

    const POLICY: &str = "预警级别 { 黄色 < 橙色 < 红色 }
枚举 行业 { 水泥, 家具 }
枚举 等级 有序 { A > B }
枚举 动力 { 燃油, 纯电动 }
限制 重卡 \"禁止重卡\"
实体 机 键 号 { 号: 文本  动力: 动力 }
实体 厂 键 名 { 名: 文本  行业: 行业  等级: 等级  清单: 集合 级别  保障: 布尔  人数: 整数  机械: 列表 机 }
表 T (行业, 等级, 级别) {
  水泥:
    等级 | 黄色 | 橙色 | 红色
    A    | 自主减排 | 自主减排 | 自主减排
    B    | 禁止 重卡 | 限产 20% + 禁止 重卡 | 停产 + 禁止 重卡
  家具:
    等级 | 黄色 | 橙色 | 红色
    A, B | 自主减排 | 自主减排 | 自主减排
}
措施 分级 强制性 自 黄色 { 对象 厂 当 级别 属于 清单 且 人数 > 10 要求 T[行业, 等级, 级别] 依据 \"2\" }
措施 停机 强制性 自 橙色 { 对象 厂.机械 当 级别 属于 厂.清单 除外 当 动力 = 纯电动 依据 \"2\" 要求 停用 依据 \"2\" }
措施 燃油 倡议性 自 黄色 { 对象 厂 当 任一 机械 满足 (动力 属于 { 燃油 }) 且 等级 >= B 内容 \"减少\" 依据 \"3\" }
豁免 保障类 { 对象 厂 当 保障 解除 分级 依据 \"4\" }";

    fn base() -> RuleSet {
        let c = compile_source("t.policy", POLICY);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        c.rules.unwrap()
    }

    /// The problem validation finds in the base rule set after `edit`.
    fn refused(edit: impl FnOnce(&mut RuleSet)) -> InvalidRuleSet {
        let mut r = base();
        edit(&mut r);
        r.validate().expect_err("the edited rule set is refused")
    }

    fn index_of(kind: Kind, index: usize, len: usize) -> Problem {
        Problem::Index { kind, index, len }
    }

    fn mismatch(m: Mismatch) -> Problem {
        Problem::Mismatch(m)
    }

    fn measure(name: &str) -> Place {
        Place::Measure(name.into())
    }

    /// The condition of measure `i`, as a mutable list of the parts of its `且`.
    fn parts(r: &mut RuleSet, i: usize) -> &mut Vec<Expr> {
        match r.measures[i].condition.as_mut() {
            Some(Expr::And(parts)) => parts,
            other => panic!("{other:?}"),
        }
    }

    fn lookup(r: &mut RuleSet) -> &mut Lookup {
        let plan = r.measures[0].actions[0].as_mut().unwrap();
        &mut plan.lookups[0]
    }

    #[test]
    fn the_compiled_rule_set_and_the_shipped_plans_are_valid() {
        let valid = base().validate().unwrap();
        assert_eq!(valid.level("orange"), None, "no alias declared");
        assert_eq!(valid.level("橙色").map(LevelId::index), Some(1));
        assert_eq!(valid.entity("厂").map(EntityId::index), Some(1));
        assert_eq!(valid.measure("停机").map(MeasureId::index), Some(1));
        assert!(valid.level_id(3).is_none() && valid.entity_id(2).is_none());
        assert!(valid.measure_id(3).is_none());
        assert_eq!(valid.level_ids().count(), 3);
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("policies/beijing/manufacturing-2023.policy")];
        for dir in ["tests/clean", "tests/broken"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                files.push(e.unwrap().path());
            }
        }
        let mut validated = 0;
        for f in files {
            let c = crate::compile::compile_file(&f, &f.display().to_string()).unwrap();
            if let Some(rules) = c.rules {
                let name = rules.levels.len();
                rules
                    .validate()
                    .unwrap_or_else(|e| panic!("{}: {e} ({name} levels)", f.display()));
                validated += 1;
            }
        }
        assert!(validated > 20, "{validated}");
    }

    #[test]
    fn more_than_64_levels_are_refused() {
        let e = refused(|r| {
            r.levels = (0..70)
                .map(|i| super::super::LevelInfo {
                    name: format!("L{i}"),
                    alias: None,
                })
                .collect()
        });
        assert_eq!(e.at, Place::RuleSet);
        assert_eq!(
            e.problem,
            Problem::TooMany {
                kind: Kind::Level,
                count: 70,
                max: MAX_VARIANTS
            }
        );
        assert!(e.message(Lang::En).contains("70"), "{e}");
    }

    #[test]
    fn more_than_64_restrictions_are_refused() {
        let e = refused(|r| {
            r.restrictions = (0..65)
                .map(|i| RestrictionInfo {
                    name: format!("R{i}"),
                    wording: String::new(),
                })
                .collect()
        });
        assert!(matches!(
            e.problem,
            Problem::TooMany {
                kind: Kind::Restriction,
                count: 65,
                ..
            }
        ));
    }

    #[test]
    fn an_enum_of_more_than_64_values_or_with_ranks_not_one_per_value_is_refused() {
        let e = refused(|r| {
            r.enums.push(EnumInfo {
                name: "大".into(),
                variants: (0..65).map(|i| i.to_string()).collect(),
                ordered: false,
                rank: vec![0; 65],
                aliases: Vec::new(),
            })
        });
        assert_eq!(e.at, Place::Enum("大".into()));
        assert!(matches!(
            e.problem,
            Problem::TooMany {
                kind: Kind::EnumValue,
                ..
            }
        ));
        let e = refused(|r| r.enums[1].rank.pop().map(|_| ()).unwrap());
        assert_eq!(e.problem, mismatch(Mismatch::EnumShape));
    }

    #[test]
    fn an_entity_key_or_field_type_out_of_range_is_refused() {
        let e = refused(|r| r.entities[1].key = 40);
        assert_eq!(e.at, Place::Entity("厂".into()));
        assert_eq!(e.problem, index_of(Kind::Field, 40, 7));
        let e = refused(|r| r.entities[1].fields[1].ty = FieldType::Enum(9));
        assert_eq!(e.problem, index_of(Kind::Enum, 9, 3));
        let e = refused(|r| r.entities[1].fields[6].ty = FieldType::List(5));
        assert_eq!(e.problem, index_of(Kind::Entity, 5, 2));
    }

    #[test]
    fn a_table_not_dense_or_sized_otherwise_is_refused() {
        let e = refused(|r| {
            r.tables[0].cells.pop();
        });
        assert_eq!(e.at, Place::Table("T".into()));
        assert_eq!(
            e.problem,
            Problem::NotDense {
                cells: 11,
                expected: Some(12)
            }
        );
        let e = refused(|r| r.tables[0].sizes[2] = 4);
        assert_eq!(e.problem, mismatch(Mismatch::TableSizes));
        let e = refused(|r| {
            r.tables[0].sizes.pop();
        });
        assert_eq!(e.problem, mismatch(Mismatch::TableSizes));
        let e = refused(|r| r.tables[0].dims[0] = Dim::Enum(7));
        assert_eq!(e.problem, index_of(Kind::Enum, 7, 3));
        // Sizes that multiply past usize are not dense either, and do not overflow.
        let e = refused(|r| {
            let t = &mut r.tables[0];
            t.dims = vec![Dim::Level; 8];
            t.sizes = vec![usize::MAX / 2; 8];
        });
        assert_eq!(e.problem, mismatch(Mismatch::TableSizes));
    }

    #[test]
    fn values_declared_not_encoded_are_values_of_an_enum_first_dimension_without_cells() {
        // 家具 (value 1) has cells: declaring it not encoded contradicts them.
        let e = refused(|r| r.tables[0].not_encoded = 0b10);
        assert_eq!(e.at, Place::Table("T".into()));
        assert_eq!(e.problem, mismatch(Mismatch::NotEncoded));
        let e = refused(|r| r.tables[0].not_encoded = 0b100);
        assert_eq!(
            e.problem,
            Problem::Mask {
                kind: Kind::EnumValue,
                mask: 0b100,
                len: 2
            }
        );
        let e = refused(|r| {
            let t = &mut r.tables[0];
            t.dims[0] = Dim::Level;
            t.sizes[0] = 3;
            t.cells = vec![None; 3 * 2 * 3];
            t.not_encoded = 1;
        });
        assert_eq!(e.problem, mismatch(Mismatch::NotEncoded));
        // Without its cells, 家具 may be declared not encoded.
        let mut r = base();
        let t = &mut r.tables[0];
        let block = t.cells.len() / 2;
        t.cells[block..].iter_mut().for_each(|c| *c = None);
        t.not_encoded = 0b10;
        assert!(r.validate().is_ok());
    }

    #[test]
    fn a_table_of_more_dimensions_than_lookup_keys_is_refused() {
        let e = refused(|r| {
            let t = &mut r.tables[0];
            t.dims = vec![Dim::Level; 9];
            t.sizes = vec![3; 9];
        });
        assert_eq!(
            e.problem,
            Problem::TooMany {
                kind: Kind::TableKey,
                count: 9,
                max: MAX_TABLE_DIMS
            }
        );
    }

    #[test]
    fn actions_with_unknown_restrictions_or_over_100_percent_are_refused() {
        let e = refused(|r| {
            r.tables[0].cells[0] = Some(Action::restriction(5));
        });
        assert_eq!(
            e.problem,
            Problem::Mask {
                kind: Kind::Restriction,
                mask: 1 << 5,
                len: 1
            }
        );
        let e = refused(|r| {
            r.tables[0].default = Some(Action::base(Base::Limit { hundredths: 10_001 }));
        });
        assert_eq!(e.problem, mismatch(Mismatch::Percent));
        let e = refused(|r| {
            let plan = r.measures[0].actions[1].as_mut().unwrap();
            plan.fixed = Action::restriction(63);
        });
        assert_eq!(e.at, measure("分级"));
        assert!(matches!(
            e.problem,
            Problem::Mask {
                kind: Kind::Restriction,
                ..
            }
        ));
    }

    #[test]
    fn a_measure_of_an_unknown_entity_or_beyond_its_levels_is_refused() {
        let e = refused(|r| r.measures[0].entity = 2);
        assert_eq!(e.problem, index_of(Kind::Entity, 2, 2));
        let e = refused(|r| r.measures[0].levels = 0b1000);
        assert_eq!(
            e.problem,
            Problem::Mask {
                kind: Kind::Level,
                mask: 0b1000,
                len: 3
            }
        );
        let e = refused(|r| {
            r.measures[2].texts.push(None);
        });
        assert_eq!(e.at, measure("燃油"));
        assert_eq!(e.problem, mismatch(Mismatch::PerLevel));
    }

    #[test]
    fn an_item_subject_out_of_range_or_not_a_list_is_refused() {
        let e = refused(|r| r.measures[1].item.as_mut().unwrap().field = 9);
        assert_eq!(e.problem, index_of(Kind::Field, 9, 7));
        let e = refused(|r| r.measures[1].item.as_mut().unwrap().field = 1);
        assert_eq!(e.problem, mismatch(Mismatch::NotAList));
        let e = refused(|r| r.measures[1].item.as_mut().unwrap().entity = 1);
        assert_eq!(e.problem, mismatch(Mismatch::NotAList));
    }

    #[test]
    fn a_condition_reading_an_unknown_field_or_frame_is_refused() {
        let e = refused(|r| {
            parts(r, 0).push(Expr::Truthy(FieldRef {
                frame: 0,
                field: 99,
            }));
        });
        assert_eq!(e.problem, index_of(Kind::Field, 99, 7));
        let e = refused(|r| {
            parts(r, 0).push(Expr::Present(FieldRef { frame: 1, field: 0 }));
        });
        assert_eq!(e.problem, index_of(Kind::Frame, 1, 1));
        // In an exception of an item measure, frame 1 is the machine: it has 2 fields.
        let e = refused(|r| {
            r.measures[1].exceptions[0].condition = Expr::Truthy(FieldRef { frame: 1, field: 2 });
        });
        assert_eq!(e.problem, index_of(Kind::Field, 2, 2));
    }

    #[test]
    fn masks_and_enum_values_beyond_their_enum_are_refused() {
        // `级别 属于 清单` is InField; the quantifier's body holds an InMask over 动力 (2 values).
        let e = refused(|r| {
            let Expr::Any { body, .. } = &mut parts(r, 2)[0] else {
                panic!()
            };
            let Expr::InMask { mask, .. } = body.as_mut() else {
                panic!("{body:?}")
            };
            *mask = 0b100;
        });
        assert_eq!(
            e.problem,
            Problem::Mask {
                kind: Kind::EnumValue,
                mask: 0b100,
                len: 2
            }
        );
        let e = refused(|r| {
            let Expr::Compare { rhs, .. } = &mut parts(r, 2)[1] else {
                panic!()
            };
            *rhs = Operand::Const(Value::Enum(2));
        });
        assert_eq!(e.problem, index_of(Kind::EnumValue, 2, 2));
        let e = refused(|r| {
            let Expr::Compare { cmp, .. } = &mut parts(r, 2)[1] else {
                panic!()
            };
            *cmp = CompareAs::Enum(3);
        });
        assert_eq!(e.problem, index_of(Kind::Enum, 3, 3));
    }

    #[test]
    fn a_condition_nested_past_the_limit_is_refused() {
        let e = refused(|r| {
            let mut c = Expr::Truthy(FieldRef { frame: 0, field: 4 });
            for _ in 0..MAX_EXPR_DEPTH {
                c = Expr::Not(Box::new(c));
            }
            r.exemptions[0].condition = Some(c);
        });
        assert_eq!(
            e.problem,
            Problem::TooMany {
                kind: Kind::Nesting,
                count: MAX_EXPR_DEPTH + 1,
                max: MAX_EXPR_DEPTH
            }
        );
    }

    #[test]
    fn membership_in_a_field_that_is_not_a_set_is_refused() {
        let e = refused(|r| {
            let Expr::InField { set, .. } = &mut parts(r, 0)[0] else {
                panic!()
            };
            set.field = 4; // 保障, a yes/no field
        });
        assert_eq!(e.problem, mismatch(Mismatch::NotASet));
    }

    #[test]
    fn a_quantifier_over_a_non_list_or_nested_past_the_frames_is_refused() {
        let e = refused(|r| {
            let Expr::Any { list, .. } = &mut parts(r, 2)[0] else {
                panic!()
            };
            list.field = 0;
        });
        assert_eq!(e.problem, mismatch(Mismatch::NotAList));
        // 厂 has no list of 厂, so nest quantifiers over 机械 by making 机 hold a list of 机.
        let e = refused(|r| {
            r.entities[0].fields.push(super::super::FieldInfo {
                name: "子".into(),
                aliases: Vec::new(),
                ty: FieldType::List(0),
                optional: false,
                display: false,
                range: None,
            });
            let mut body = Expr::Const(true);
            for _ in 0..MAX_FRAMES {
                body = Expr::Any {
                    list: FieldRef { frame: 1, field: 2 },
                    body: Box::new(body),
                };
            }
            parts(r, 2)[0] = Expr::Any {
                list: FieldRef { frame: 0, field: 6 },
                body: Box::new(body),
            };
        });
        assert_eq!(
            e.problem,
            Problem::TooMany {
                kind: Kind::Frame,
                count: MAX_FRAMES + 1,
                max: MAX_FRAMES
            }
        );
    }

    #[test]
    fn a_lookup_of_an_unknown_table_or_with_other_keys_is_refused() {
        let e = refused(|r| lookup(r).table = 3);
        assert_eq!(e.problem, index_of(Kind::Table, 3, 1));
        let e = refused(|r| {
            lookup(r).keys.pop();
        });
        assert_eq!(e.problem, mismatch(Mismatch::KeyType));
        let e = refused(|r| lookup(r).keys.swap(0, 1));
        assert_eq!(e.problem, mismatch(Mismatch::KeyType));
        let e = refused(|r| lookup(r).keys[2] = KeySource::Field(FieldRef { frame: 0, field: 1 }));
        assert_eq!(e.problem, mismatch(Mismatch::KeyType));
        let e = refused(|r| {
            lookup(r).keys[0] = KeySource::Field(FieldRef {
                frame: 0,
                field: 70,
            })
        });
        assert_eq!(e.problem, index_of(Kind::Field, 70, 7));
    }

    #[test]
    fn exemption_links_out_of_range_or_not_mirrored_are_refused() {
        let e = refused(|r| r.measures[0].lifted_by = vec![4]);
        assert_eq!(e.problem, index_of(Kind::Exemption, 4, 1));
        let e = refused(|r| r.measures[2].lifted_by = vec![0]);
        assert_eq!(e.problem, mismatch(Mismatch::LiftsNotMirrored));
        let e = refused(|r| r.exemptions[0].lifts = vec![2]);
        assert_eq!(e.problem, mismatch(Mismatch::LiftsNotMirrored));
        let e = refused(|r| r.measures[0].lifted_by = vec![0, 0]);
        assert_eq!(e.problem, mismatch(Mismatch::LiftsNotMirrored));
        let e = refused(|r| {
            r.exemptions[0].lifts = vec![7];
            r.measures[0].lifted_by.clear();
        });
        assert_eq!(e.at, Place::Exemption("保障类".into()));
        assert_eq!(e.problem, index_of(Kind::Measure, 7, 3));
        let e = refused(|r| {
            r.exemptions[0].entity = 0;
            r.exemptions[0].condition = None;
        });
        assert_eq!(e.problem, mismatch(Mismatch::ExemptionEntity));
        let e = refused(|r| r.exemptions[0].entity = 8);
        assert_eq!(e.problem, index_of(Kind::Entity, 8, 2));
        let e = refused(|r| r.measures[0].non_exemptible = true);
        assert_eq!(e.problem, mismatch(Mismatch::NonExemptibleLifted));
        let e = refused(|r| {
            r.exemptions[0].condition = Some(Expr::Truthy(FieldRef {
                frame: 0,
                field: 30,
            }))
        });
        assert_eq!(e.problem, index_of(Kind::Field, 30, 7));
    }

    #[test]
    fn messages_name_the_place_in_both_languages() {
        let e = refused(|r| r.measures[0].lifted_by = vec![4]);
        assert_eq!(
            e.message(Lang::En),
            "measure `分级` refers to exemption number 4, but there are only 1 (numbered from 0)"
        );
        assert_eq!(
            e.message(Lang::Zh),
            "措施“分级”引用了编号为 4 的豁免，但豁免只有 1 个（编号从 0 起）"
        );
    }
}
