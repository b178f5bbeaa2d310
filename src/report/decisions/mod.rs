//! Decisions written as JSON, JSON Lines, CSV and a text table: the shared views of a
//! decision (action text, subject, what lifted an entry) and one module per format.

pub mod csv;
pub mod json;
pub mod table;

use std::fmt::{self, Display};

pub use self::csv::{Csv, OutputEncoding};
pub use json::{JsonDocument, JsonLines};
pub use table::Table;

pub(crate) use crate::ir::action::write_u32;

use crate::data::LoadedRecord;
use crate::eval::explain::Outcome;
use crate::eval::{Decision, Entry, EvalError, Status};
use crate::ir::{Action, Dim, MeasureKind, RuleSet, Value};
use crate::messages::{m, Lang};

// ---------------------------------------------------------------- shared views

/// An action as the policy writes it (`限产 20% + 禁止 国四重卡禁运`), in the policy's language.
pub struct ActionText<'a>(pub &'a RuleSet, pub Action);

/// Appends an action's text, as the policy writes it (`限产 20% + 禁止 国四重卡禁运`), in the
/// policy's language; `-` for no action ([`Action::write_text`] with the rule set's names).
pub fn write_action_text(out: &mut Vec<u8>, rules: &RuleSet, a: Action) {
    a.write_text(out, rules.chinese, |r| {
        rules.restrictions.get(r).map(|x| x.name.as_str())
    });
}

impl Display for ActionText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = Vec::with_capacity(32);
        write_action_text(&mut buf, self.0, self.1);
        f.write_str(&String::from_utf8_lossy(&buf))
    }
}

pub fn action_text(rules: &RuleSet, a: Action) -> String {
    ActionText(rules, a).to_string()
}

/// A key value as text, without allocating.
struct KeyText<'a>(&'a Value);

impl Display for KeyText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::Text(t) => f.write_str(t),
            Value::Int(n) => write!(f, "{n}"),
            Value::Num(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Date(d) => f.write_str(&crate::dates::format(*d)),
            Value::Enum(e) => write!(f, "{e}"),
            _ => Ok(()),
        }
    }
}

pub(crate) fn level_name(rules: &RuleSet, l: usize) -> &str {
    rules.levels.get(l).map(|x| x.name.as_str()).unwrap_or("?")
}

/// The subject of an entry: the record's key, or the key of the item it concerns.
pub(crate) fn subject<'a>(rules: &RuleSet, rec: &'a LoadedRecord, e: &Entry) -> KeyOrStr<'a> {
    let m = &rules.measures[e.measure as usize];
    if let (Some(sub), Some(i)) = (m.item, e.item) {
        if let Value::List(items) = rec.record.get(sub.field) {
            if let Some(it) = items.get(i as usize) {
                return KeyOrStr::Key(it.get(rules.entities[sub.entity].key));
            }
        }
    }
    KeyOrStr::Str(&rec.key)
}

pub(crate) enum KeyOrStr<'a> {
    Key(&'a Value),
    Str(&'a str),
}

impl Display for KeyOrStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyOrStr::Key(v) => KeyText(v).fmt(f),
            KeyOrStr::Str(s) => f.write_str(s),
        }
    }
}

/// The message of an evaluation error in the policy's terms (the measure names the entity
/// of the record, and of its items, the error is about).
pub fn eval_error_message(rules: &RuleSet, lang: Lang, e: &EvalError) -> String {
    match e {
        EvalError::MissingCell {
            measure,
            table,
            keys,
        } => {
            let t = &rules.tables[*table];
            let names: Vec<&str> = keys
                .iter()
                .zip(&t.dims)
                .map(|(k, d)| match d {
                    Dim::Level => level_name(rules, *k),
                    Dim::Enum(e) => rules.enums[*e]
                        .variants
                        .get(*k)
                        .map(String::as_str)
                        .unwrap_or("?"),
                })
                .collect();
            crate::msg!(
                lang,
                EVAL_MISSING_CELL,
                t.name,
                names.join(", "),
                rules.measures[*measure].name
            )
        }
        EvalError::MissingKey {
            measure,
            table,
            field,
            frame,
        } => {
            let m = &rules.measures[*measure];
            let entity = match (*frame, m.item) {
                (0, _) | (_, None) => m.entity,
                (_, Some(item)) => item.entity,
            };
            let fname = rules.entities[entity]
                .fields
                .get(*field)
                .map(|f| f.name.as_str())
                .unwrap_or("?");
            crate::msg!(
                lang,
                EVAL_MISSING_KEY,
                fname,
                m.name,
                rules.tables[*table].name
            )
        }
    }
}

pub(crate) fn kind_text(kind: MeasureKind, lang: Lang) -> &'static str {
    match kind {
        MeasureKind::Advisory => m::OUT_ADVISORY.text(lang),
        MeasureKind::Mandatory => m::OUT_MANDATORY.text(lang),
    }
}

/// The status word of an entry: applies, exempt, or not encoded.
pub(crate) fn status_text(status: Status, lang: Lang) -> &'static str {
    match status {
        Status::Applies => m::OUT_APPLIES.text(lang),
        Status::ExceptedBy(_) | Status::ExemptedBy(_) => m::OUT_EXEMPT.text(lang),
        Status::NotEncoded { .. } => m::OUT_NOT_ENCODED.text(lang),
    }
}

/// The value of its table's first dimension that an entry of status
/// [`Status::NotEncoded`] names (`钢铁`).
pub(crate) fn not_encoded_value(rules: &RuleSet, table: u32, variant: u32) -> &str {
    let name = rules
        .tables
        .get(table as usize)
        .and_then(|t| match t.dims.first() {
            Some(Dim::Enum(e)) => rules.enums.get(*e)?.variants.get(variant as usize),
            _ => None,
        });
    name.map_or("?", String::as_str)
}

/// `未编码钢铁的绩效分级表` / `no grading table is encoded for 钢铁`.
pub fn not_encoded_text(rules: &RuleSet, lang: Lang, table: u32, variant: u32) -> String {
    crate::msg!(
        lang,
        EVAL_NOT_ENCODED,
        not_encoded_value(rules, table, variant)
    )
}

/// What an entry requires, in words: its action (`none` when it has none), or for a
/// measure whose table is not encoded for the record, the message saying so.
pub(crate) struct EntryActionText<'a> {
    pub rules: &'a RuleSet,
    pub lang: Lang,
    pub entry: &'a Entry,
    pub none: &'a str,
}

impl Display for EntryActionText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.entry.action, self.entry.status) {
            (_, Status::NotEncoded { table, variant }) => {
                f.write_str(&not_encoded_text(self.rules, self.lang, table, variant))
            }
            (Some(a), _) => ActionText(self.rules, a).fmt(f),
            (None, _) => f.write_str(self.none),
        }
    }
}

/// A record's effective action at a level, in words: the action (`none` when nothing is
/// required), or, when a mandatory measure's table is not encoded for the record,
/// `未定，需人工确定：未编码钢铁的绩效分级表` (never the action of the other measures alone).
pub(crate) struct EffectiveText<'a> {
    pub rules: &'a RuleSet,
    pub lang: Lang,
    pub decision: &'a Decision,
    pub none: &'a str,
}

impl Display for EffectiveText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.decision;
        if d.undetermined {
            let mut reasons: Vec<String> = Vec::new();
            for e in &d.entries {
                let m = &self.rules.measures[e.measure as usize];
                if let (Status::NotEncoded { table, variant }, None, MeasureKind::Mandatory) =
                    (e.status, m.item, m.kind)
                {
                    let text = not_encoded_text(self.rules, self.lang, table, variant);
                    if !reasons.contains(&text) {
                        reasons.push(text);
                    }
                }
            }
            let join = m::SUMMARY_JOIN.text(self.lang);
            f.write_str(&crate::msg!(
                self.lang,
                EVAL_UNDETERMINED,
                reasons.join(join)
            ))
        } else if d.effective == Action::NONE {
            f.write_str(self.none)
        } else {
            ActionText(self.rules, d.effective).fmt(f)
        }
    }
}

/// A text report for reading in a terminal: one block per record and level.
pub(crate) fn outcome_text(o: &Outcome) -> &'static str {
    match o {
        Outcome::Applies => "applies",
        Outcome::Exempt => "exempt",
        Outcome::NotInForce => "not_in_force",
        Outcome::ConditionFalse => "condition_false",
        Outcome::NoItems => "no_items",
        Outcome::NotEncoded => "not_encoded",
    }
}

/// Lets `write!` append to a byte buffer.
pub(crate) struct Fmt<'a>(pub(crate) &'a mut Vec<u8>);

impl fmt::Write for Fmt<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}
