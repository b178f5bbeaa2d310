//! Validation: a rule set is checked once, structurally, before anything evaluates it.
//!
//! [`RuleSet::validate`] turns a rule set into a [`ValidRuleSet`], the only kind
//! [`crate::eval::Evaluator::new`] accepts: every index in range (entities, fields, levels,
//! enums, measures, exemptions, tables, keys, restrictions, frames), every table dense, every
//! mask within its levels or variants, and the limits of [`super::limits`] respected. A rule
//! set from `compile` passes by construction; one read from a file passes only if it is well
//! formed, whatever its hash says (the hash detects accidents, not tampering).
//!
//! The ids [`EntityId`], [`LevelId`] and [`MeasureId`] are made only by look-ups in a
//! validated rule set, so the evaluator's arguments are in range by construction.

use std::ops::Deref;

use super::limits::{MAX_FRAMES, MAX_LOOKUP_KEYS, MAX_RESTRICTIONS, MAX_VARIANTS};
use super::{
    Action, ActionPlan, Base, CompareAs, Dim, Expr, FieldRef, FieldType, KeySource, MeasureInfo,
    Operand, RuleSet, Value,
};
use crate::messages::Lang;
use crate::msg;

/// A rule set that passed [`RuleSet::validate`]. It derefs to the [`RuleSet`] for reading;
/// it cannot be changed, so it stays valid.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRuleSet {
    rules: RuleSet,
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
        Ok(ValidRuleSet { rules: self })
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
            }
        }
        for t in &r.tables {
            self.table(t)?;
        }
        for (mi, m) in r.measures.iter().enumerate() {
            self.measure(mi, m)?;
        }
        for (xi, x) in r.exemptions.iter().enumerate() {
            let at = Place::Exemption(x.name.clone());
            index(&at, Kind::Entity, x.entity, r.entities.len())?;
            if let Some(c) = &x.condition {
                self.expr(&at, c, &mut vec![x.entity])?;
            }
            for &m in &x.lifts {
                index(&at, Kind::Measure, m, r.measures.len())?;
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
        at_most(&at, Kind::TableKey, t.dims.len(), MAX_LOOKUP_KEYS)?;
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
        Ok(())
    }

    fn measure(&self, mi: usize, m: &MeasureInfo) -> Check {
        let r = self.rules;
        let at = Place::Measure(m.name.clone());
        index(&at, Kind::Entity, m.entity, r.entities.len())?;
        mask_within(&at, Kind::Level, m.levels, r.levels.len())?;
        let mut frames = vec![m.entity];
        if let Some(item) = m.item {
            let fields = &r.entities[m.entity].fields;
            index(&at, Kind::Field, item.field, fields.len())?;
            ensure(
                &at,
                fields[item.field].ty == FieldType::List(item.entity),
                Mismatch::NotAList,
            )?;
            frames.push(item.entity);
        }
        ensure(
            &at,
            m.texts.len() == r.levels.len() && m.actions.len() == r.levels.len(),
            Mismatch::PerLevel,
        )?;
        if let Some(c) = &m.condition {
            self.expr(&at, c, &mut frames.clone())?;
        }
        for x in &m.exceptions {
            self.expr(&at, &x.condition, &mut frames.clone())?;
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

    fn expr(&self, at: &Place, e: &Expr, frames: &mut Vec<usize>) -> Check {
        let r = self.rules;
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
            Expr::Not(inner) => self.expr(at, inner, frames),
            Expr::And(es) | Expr::Or(es) => es.iter().try_for_each(|x| self.expr(at, x, frames)),
            Expr::Any { list, body } | Expr::All { list, body } => {
                let FieldType::List(entity) = self.field(at, *list, frames)? else {
                    return ensure(at, false, Mismatch::NotAList);
                };
                at_most(at, Kind::Frame, frames.len() + 1, MAX_FRAMES)?;
                frames.push(entity);
                let result = self.expr(at, body, frames);
                frames.pop();
                result
            }
        }
    }
}
