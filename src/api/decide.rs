//! Deciding a record at one level or at all levels, and reading the entries as views that
//! borrow the policy and the record.

use std::fmt;

use super::policy::Policy;
use super::record::{Level, RecordBuilder, RecordError};
use crate::eval::{self, EvalError, Evaluator};
use crate::ir::{EntityId, LevelId, MeasureKind, Record, RuleSet, ValidRuleSet, Value};
use crate::messages::{quoted, Lang};
use crate::msg;
use crate::report::decisions::{
    eval_error_message, not_encoded_value, write_action_text, ActionText,
};

/// A reusable buffer for the decision of one record at one level: after the first few
/// records, deciding into it allocates nothing.
#[derive(Debug, Default, Clone)]
pub struct Decision {
    inner: eval::Decision,
}

/// Reusable buffers for the decisions of one record at every level.
#[derive(Debug, Default, Clone)]
pub struct Decisions {
    levels: Vec<eval::Decision>,
}

/// Why a record could not be decided.
#[derive(Debug, Clone, PartialEq)]
pub struct DecideError(Box<(DecideErrorKind, String)>);

/// What stopped a decision.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DecideErrorKind {
    /// The record lacks a value a field must have.
    Record(RecordError),
    /// The record (or the level) is another policy's.
    ForeignRecord,
    /// A table the record's values look up has no cell for them (and no default), or a field
    /// a lookup needs has no value.
    Lookup,
}

impl DecideError {
    /// What stopped the decision.
    pub fn kind(&self) -> &DecideErrorKind {
        &self.0 .0
    }

    fn new(kind: DecideErrorKind, message: String) -> DecideError {
        DecideError(Box::new((kind, message)))
    }
}

impl fmt::Display for DecideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0 .1)
    }
}

impl std::error::Error for DecideError {}

impl Policy {
    /// Decides which measures concern `record` at `level`, into `out`; the entries are read
    /// from the view returned, which borrows the policy, the record and the buffer.
    pub fn decide<'a>(
        &'a self,
        record: &'a RecordBuilder<'_>,
        level: Level,
        out: &'a mut Decision,
    ) -> Result<Decided<'a>, DecideError> {
        let (rules, entity) = self.prepare(record)?;
        if level.schema != self.schema().id {
            return Err(self.foreign());
        }
        self.decide_into(rules, entity, record.record(), level.id, &mut out.inner)?;
        Ok(Decided {
            rules,
            schema: level.schema,
            record: record.record(),
            decision: &out.inner,
            level: level.id,
        })
    }

    /// Decides `record` at every level, lowest first, into `out`.
    pub fn decide_all<'a>(
        &'a self,
        record: &'a RecordBuilder<'_>,
        out: &'a mut Decisions,
    ) -> Result<AllDecided<'a>, DecideError> {
        let (rules, entity) = self.prepare(record)?;
        let n = rules.levels.len();
        out.levels.resize_with(n, eval::Decision::default);
        for (level, buf) in rules.level_ids().zip(&mut out.levels) {
            self.decide_into(rules, entity, record.record(), level, buf)?;
        }
        Ok(AllDecided {
            rules,
            schema: self.schema().id,
            record: record.record(),
            decisions: &out.levels[..n],
        })
    }

    #[inline]
    fn prepare<'a>(
        &'a self,
        record: &RecordBuilder<'_>,
    ) -> Result<(&'a ValidRuleSet, EntityId), DecideError> {
        let rules: &ValidRuleSet = self.rules();
        let entity = record.entity();
        match rules.entity_id(entity.index as usize) {
            Some(id) if entity.schema == self.schema().id => {
                record.check().map_err(|e| {
                    DecideError::new(DecideErrorKind::Record(e.clone()), e.to_string())
                })?;
                Ok((rules, id))
            }
            _ => Err(self.foreign()),
        }
    }

    fn foreign(&self) -> DecideError {
        DecideError::new(
            DecideErrorKind::ForeignRecord,
            msg!(self.lang(), API_FOREIGN_RECORD),
        )
    }

    #[inline]
    fn decide_into(
        &self,
        rules: &ValidRuleSet,
        entity: EntityId,
        record: &Record,
        level: LevelId,
        out: &mut eval::Decision,
    ) -> Result<(), DecideError> {
        Evaluator::new(rules)
            .evaluate(entity, record, level, out)
            .map_err(|e| lookup_error(rules, self.lang(), &e))
    }
}

/// An evaluation error in the policy's terms (the message the command line writes).
fn lookup_error(rules: &RuleSet, lang: Lang, e: &EvalError) -> DecideError {
    DecideError::new(DecideErrorKind::Lookup, eval_error_message(rules, lang, e))
}

/// The decision of one record at one level: its entries, as views.
#[derive(Clone, Copy)]
pub struct Decided<'a> {
    rules: &'a ValidRuleSet,
    schema: u64,
    record: &'a Record,
    decision: &'a eval::Decision,
    level: LevelId,
}

impl<'a> Decided<'a> {
    /// The level decided.
    pub fn level(&self) -> Level {
        Level {
            schema: self.schema,
            id: self.level,
        }
    }

    /// The level's name.
    pub fn level_name(&self) -> &'a str {
        let rules: &'a RuleSet = self.rules;
        rules
            .levels
            .get(self.level.index())
            .map_or("?", |l| l.name.as_str())
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.decision.entries.len()
    }

    /// Whether no measure concerns the record at this level.
    pub fn is_empty(&self) -> bool {
        self.decision.entries.is_empty()
    }

    /// The entries, in the policy's order of measures (a measure over items gives one entry
    /// per item it concerns).
    pub fn entries(&self) -> impl ExactSizeIterator<Item = EntryView<'a>> + 'a {
        let (rules, record, level) = (self.rules, self.record, self.level);
        self.decision.entries.iter().map(move |entry| EntryView {
            rules,
            record,
            entry,
            level,
        })
    }

    /// What the record itself must do: the combination of the actions of the mandatory
    /// measures that apply to it (not to its items), as the policy writes actions. When
    /// [`effective_undetermined`](Self::effective_undetermined), only what the measures with
    /// a known action require: the whole is to be determined by hand.
    pub fn effective_action(&self) -> ActionText<'a> {
        ActionText(self.rules, self.decision.effective)
    }

    /// Whether a mandatory measure binds the record itself with an action its table does
    /// not encode (an entry of status [`EntryStatus::NotEncoded`]): the effective action is
    /// then undetermined, neither nothing nor the other measures' action alone.
    pub fn effective_undetermined(&self) -> bool {
        self.decision.undetermined
    }
}

/// The decisions of one record at every level.
#[derive(Clone, Copy)]
pub struct AllDecided<'a> {
    rules: &'a ValidRuleSet,
    schema: u64,
    record: &'a Record,
    decisions: &'a [eval::Decision],
}

impl<'a> AllDecided<'a> {
    /// The decision at `level`.
    pub fn at(&self, level: Level) -> Option<Decided<'a>> {
        if level.schema != self.schema {
            return None;
        }
        self.decisions
            .get(level.id.index())
            .map(|decision| Decided {
                rules: self.rules,
                schema: self.schema,
                record: self.record,
                decision,
                level: level.id,
            })
    }

    /// The decisions, lowest level first.
    pub fn iter(&self) -> impl Iterator<Item = Decided<'a>> + 'a {
        let (rules, schema, record) = (self.rules, self.schema, self.record);
        rules
            .level_ids()
            .zip(self.decisions)
            .map(move |(level, decision)| Decided {
                rules,
                schema,
                record,
                decision,
                level,
            })
    }
}

/// One entry of a decision: a measure that concerns the record (or one of its items) at the
/// level, read by name.
#[derive(Clone, Copy)]
pub struct EntryView<'a> {
    rules: &'a ValidRuleSet,
    record: &'a Record,
    entry: &'a eval::Entry,
    level: LevelId,
}

/// Whether an entry's measure applies, or what lifts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStatus<'a> {
    /// The measure applies.
    Applies,
    /// Lifted by one of the measure's own exceptions (`除外`).
    Excepted {
        /// The exception's position among the measure's exceptions, from 0.
        exception: usize,
        /// The exception's citation, if it has one.
        citation: Option<&'a str>,
    },
    /// Lifted by a named exemption (`豁免`).
    Exempted {
        /// The exemption's name.
        exemption: &'a str,
        /// The exemption's citation, if it has one.
        citation: Option<&'a str>,
    },
    /// The measure binds the record, but its table declares the record's value `未编码`
    /// (not encoded): what it requires is undetermined, and the entry has no action. A
    /// mandatory one makes the record's effective action undetermined
    /// ([`Decided::effective_undetermined`]).
    NotEncoded {
        /// The table (`绩效分级减排`).
        table: &'a str,
        /// The value it declares not encoded (`钢铁`).
        value: &'a str,
    },
}

impl EntryStatus<'_> {
    /// Whether the measure applies (is not lifted) with a known action: false for a
    /// lifted entry and for a [`NotEncoded`](EntryStatus::NotEncoded) one.
    pub fn applies(&self) -> bool {
        matches!(self, EntryStatus::Applies)
    }
}

/// What an entry concerns: the record itself, or one of its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// The record.
    Record,
    /// An item of the record.
    Item {
        /// The list field holding it (`非道路移动机械`).
        list: &'a str,
        /// The items' entity (`机械`).
        entity: &'a str,
        /// Its position in the list, from 0, in the order the items were added.
        index: usize,
        /// Its key, when the key is text.
        key: Option<&'a str>,
    },
}

impl<'a> EntryView<'a> {
    fn info(&self) -> &'a crate::ir::MeasureInfo {
        let rules: &'a RuleSet = self.rules;
        &rules.measures[self.entry.measure as usize]
    }

    /// The measure's name.
    pub fn measure(&self) -> &'a str {
        &self.info().name
    }

    /// Whether the measure is mandatory (`强制性`) rather than advisory (`倡议性`).
    pub fn mandatory(&self) -> bool {
        self.info().kind == MeasureKind::Mandatory
    }

    /// Whether it applies, or what lifts it.
    pub fn status(&self) -> EntryStatus<'a> {
        let rules: &'a RuleSet = self.rules;
        match self.entry.status {
            eval::Status::Applies => EntryStatus::Applies,
            eval::Status::ExceptedBy(x) => EntryStatus::Excepted {
                exception: x as usize,
                citation: self
                    .info()
                    .exceptions
                    .get(x as usize)
                    .and_then(|x| x.cite.as_deref()),
            },
            eval::Status::ExemptedBy(x) => {
                let x = &rules.exemptions[x as usize];
                EntryStatus::Exempted {
                    exemption: &x.name,
                    citation: x.cite.as_deref(),
                }
            }
            eval::Status::NotEncoded { table, variant } => EntryStatus::NotEncoded {
                table: rules
                    .tables
                    .get(table as usize)
                    .map_or("", |t| t.name.as_str()),
                value: not_encoded_value(rules, table, variant),
            },
        }
    }

    /// The record or the item it concerns.
    pub fn subject(&self) -> Subject<'a> {
        let (Some(index), Some(item)) = (self.entry.item, self.info().item) else {
            return Subject::Record;
        };
        let rules: &'a RuleSet = self.rules;
        let parent = &rules.entities[self.info().entity];
        let entity = &rules.entities[item.entity];
        let record: &'a Record = self.record;
        let key = match record.get(item.field) {
            Value::List(items) => {
                items
                    .get(index as usize)
                    .and_then(|it| match it.get(entity.key) {
                        Value::Text(t) => Some(&**t),
                        _ => None,
                    })
            }
            _ => None,
        };
        Subject::Item {
            list: &parent.fields[item.field].name,
            entity: &entity.name,
            index: index as usize,
            key,
        }
    }

    /// The measure's citation (`依据`) for the level decided, if it has one.
    pub fn citation(&self) -> Option<&'a str> {
        self.info().cite_at(self.level.index())
    }

    /// The measure's wording at the level, if it has one.
    pub fn wording(&self) -> Option<&'a str> {
        self.info()
            .texts
            .get(self.level.index())
            .and_then(Option::as_deref)
    }

    /// What it requires, as the policy writes actions (`限产 30%`); `Display` it or
    /// [`write_action`](Self::write_action). For a lifted entry, what it would have required
    /// when that can be known.
    pub fn action(&self) -> Option<ActionText<'a>> {
        self.entry.action.map(|a| ActionText(self.rules, a))
    }

    /// Appends the action's text to `out` (`-` for none), without allocating beyond it.
    pub fn write_action(&self, out: &mut Vec<u8>) {
        match self.entry.action {
            Some(a) => write_action_text(out, self.rules, a),
            None => out.push(b'-'),
        }
    }
}

impl fmt::Debug for EntryView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntryView")
            .field("measure", &self.measure())
            .field("status", &self.status())
            .field("subject", &self.subject())
            .field("citation", &self.citation())
            .field("action", &self.action().map(|a| a.to_string()))
            .finish()
    }
}

impl fmt::Display for EntryView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let zh = self.rules.chinese;
        let lang = if zh { Lang::Zh } else { Lang::En };
        f.write_str(self.measure())?;
        if let Subject::Item {
            entity, index, key, ..
        } = self.subject()
        {
            match key {
                Some(k) => write!(f, " [{entity} {k}]")?,
                None => write!(f, " [{entity} #{}]", index + 1)?,
            }
        }
        match self.action() {
            Some(a) => write!(f, ": {a}")?,
            None => f.write_str(": -")?,
        }
        match self.status() {
            EntryStatus::Applies => {}
            EntryStatus::Excepted { .. } => write!(f, " ({})", msg!(lang, API_EXCEPTED))?,
            EntryStatus::Exempted { exemption, .. } => write!(
                f,
                " ({})",
                msg!(lang, API_EXEMPTED_BY, quoted(lang, exemption))
            )?,
            EntryStatus::NotEncoded { value, .. } => {
                write!(f, " ({})", msg!(lang, EVAL_NOT_ENCODED, value))?
            }
        }
        if let Some(c) = self.citation() {
            write!(f, " — {c}")?;
        }
        Ok(())
    }
}
