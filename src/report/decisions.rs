//! Decisions written as JSON, JSON Lines, CSV and a text table.
//!
//! Results are serialised from borrowed views of the rule set and the decision, so writing
//! a result allocates no intermediate JSON tree.

use std::fmt::{self, Display, Write as _};

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::data::LoadedRecord;
use crate::eval::explain::{Explanation, Outcome};
use crate::eval::run::{Counts, ErrorEntry, OutputFormat};
use crate::eval::{Decision, Entry, EvalError, Evaluator, Status};
use crate::ir::{Action, Base, Dim, MeasureKind, RuleSet, Value};

// ---------------------------------------------------------------- shared views

/// An action as the policy writes it (`限产 20% + 禁止 国四重卡禁运`), in the policy's language.
pub struct ActionText<'a>(pub &'a RuleSet, pub Action);

fn percent(f: &mut fmt::Formatter<'_>, hundredths: u32) -> fmt::Result {
    if hundredths.is_multiple_of(100) {
        write!(f, "{}%", hundredths / 100)
    } else {
        write!(f, "{}%", hundredths as f64 / 100.0)
    }
}

impl Display for ActionText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (rules, a) = (self.0, self.1);
        let zh = rules.chinese;
        let mut first = true;
        let mut sep = |f: &mut fmt::Formatter<'_>| {
            let r = if first { Ok(()) } else { f.write_str(" + ") };
            first = false;
            r
        };
        match a.base {
            Base::None => {}
            Base::Voluntary => {
                sep(f)?;
                f.write_str(if zh { "自主减排" } else { "voluntary" })?;
            }
            Base::Limit { hundredths } => {
                sep(f)?;
                f.write_str(if zh { "限产 " } else { "limit " })?;
                percent(f, hundredths)?;
            }
            Base::StopPart {
                hundredths,
                by_line,
            } => {
                sep(f)?;
                f.write_str(if zh { "停产 " } else { "stop " })?;
                percent(f, hundredths)?;
                if by_line {
                    f.write_str(if zh { " 以生产线计" } else { " by_line" })?;
                }
            }
            Base::Stop => {
                sep(f)?;
                f.write_str(if zh { "停产" } else { "stop" })?;
            }
            Base::CeaseUse => {
                sep(f)?;
                f.write_str(if zh { "停用" } else { "cease_use" })?;
            }
        }
        for r in a.restriction_indices() {
            if let Some(info) = rules.restrictions.get(r) {
                sep(f)?;
                write!(f, "{} {}", if zh { "禁止" } else { "ban" }, info.name)?;
            }
        }
        if first {
            f.write_str("-")?;
        }
        Ok(())
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
            Value::Num(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Date(d) => f.write_str(&crate::dates::format(*d)),
            Value::Enum(e) => write!(f, "{e}"),
            _ => Ok(()),
        }
    }
}

fn level_name(rules: &RuleSet, l: usize) -> &str {
    rules.levels.get(l).map(|x| x.name.as_str()).unwrap_or("?")
}

/// The subject of an entry: the record's key, or the key of the item it concerns.
fn subject<'a>(rules: &RuleSet, rec: &'a LoadedRecord, e: &Entry) -> KeyOrStr<'a> {
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

enum KeyOrStr<'a> {
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

/// What lifted an exempt entry: (kind, id, citation).
enum ExemptBy<'a> {
    Exception {
        measure: &'a str,
        index: u32,
        cite: Option<&'a str>,
    },
    Exemption {
        id: &'a str,
        cite: Option<&'a str>,
    },
}

impl<'a> ExemptBy<'a> {
    fn of(rules: &'a RuleSet, e: &Entry) -> Option<ExemptBy<'a>> {
        let m = &rules.measures[e.measure as usize];
        match e.status {
            Status::Applies => None,
            Status::ExceptedBy(x) => Some(ExemptBy::Exception {
                measure: &m.name,
                index: x + 1,
                cite: m.exceptions.get(x as usize).and_then(|x| x.cite.as_deref()),
            }),
            Status::ExemptedBy(x) => {
                rules
                    .exemptions
                    .get(x as usize)
                    .map(|ex| ExemptBy::Exemption {
                        id: &ex.name,
                        cite: ex.cite.as_deref(),
                    })
            }
        }
    }

    fn cite(&self) -> Option<&'a str> {
        match self {
            ExemptBy::Exception { cite, .. } | ExemptBy::Exemption { cite, .. } => *cite,
        }
    }
}

impl Display for ExemptBy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExemptBy::Exception { measure, index, .. } => write!(f, "{measure}#除外{index}"),
            ExemptBy::Exemption { id, .. } => f.write_str(id),
        }
    }
}

impl Serialize for ExemptBy<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        let kind = match self {
            ExemptBy::Exception { .. } => "exception",
            ExemptBy::Exemption { .. } => "exemption",
        };
        m.serialize_entry("kind", kind)?;
        m.serialize_entry("id", &Collect(self))?;
        m.serialize_entry("cite", &self.cite())?;
        m.end()
    }
}

/// Serialises anything `Display` as a JSON string without building it first.
struct Collect<'a, T: Display>(&'a T);

impl<T: Display> Serialize for Collect<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

// ---------------------------------------------------------------- JSON views

pub struct ActionJson<'a>(pub &'a RuleSet, pub Action);

struct RestrictionsJson<'a>(&'a RuleSet, Action);

impl Serialize for RestrictionsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(None)?;
        for r in self.1.restriction_indices() {
            if let Some(info) = self.0.restrictions.get(r) {
                seq.serialize_element(&RestrictionJson(&info.name, &info.wording))?;
            }
        }
        seq.end()
    }
}

struct RestrictionJson<'a>(&'a str, &'a str);

impl Serialize for RestrictionJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("id", self.0)?;
        m.serialize_entry("wording", self.1)?;
        m.end()
    }
}

impl Serialize for ActionJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (production, pct, by_line) = match self.1.base {
            Base::None => ("none", None, false),
            Base::Voluntary => ("voluntary", None, false),
            Base::Limit { hundredths } => ("limit", Some(hundredths), false),
            Base::StopPart {
                hundredths,
                by_line,
            } => ("stop_part", Some(hundredths), by_line),
            Base::Stop => ("stop", None, false),
            Base::CeaseUse => ("cease_use", None, false),
        };
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("production", production)?;
        m.serialize_entry("percent", &pct.map(|p| p as f64 / 100.0))?;
        m.serialize_entry("by_line", &by_line)?;
        m.serialize_entry("restrictions", &RestrictionsJson(self.0, self.1))?;
        m.serialize_entry("text", &Collect(&ActionText(self.0, self.1)))?;
        m.end()
    }
}

struct EntryJson<'a> {
    rules: &'a RuleSet,
    rec: &'a LoadedRecord,
    level: usize,
    entry: &'a Entry,
}

impl Serialize for EntryJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rules = self.rules;
        let e = self.entry;
        let m = &rules.measures[e.measure as usize];
        let exempt = ExemptBy::of(rules, e);
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("measure", &m.name)?;
        map.serialize_entry("kind", m.kind.as_str())?;
        map.serialize_entry(
            "status",
            if exempt.is_some() {
                "exempt"
            } else {
                "applies"
            },
        )?;
        map.serialize_entry("subject", &Collect(&subject(rules, self.rec, e)))?;
        map.serialize_entry("action", &e.action.map(|a| ActionJson(rules, a)))?;
        map.serialize_entry("text", &m.texts.get(self.level).and_then(Option::as_deref))?;
        map.serialize_entry("cite", &m.cite)?;
        if let Some(x) = &exempt {
            map.serialize_entry("exempted_by", x)?;
        }
        map.end()
    }
}

struct EntriesJson<'a> {
    rules: &'a RuleSet,
    rec: &'a LoadedRecord,
    level: usize,
    decision: &'a Decision,
}

impl Serialize for EntriesJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.decision.entries.len()))?;
        for entry in &self.decision.entries {
            seq.serialize_element(&EntryJson {
                rules: self.rules,
                rec: self.rec,
                level: self.level,
                entry,
            })?;
        }
        seq.end()
    }
}

/// One result: a record at a level, with every measure that concerns it.
pub struct ResultJson<'a> {
    pub rules: &'a RuleSet,
    pub rec: &'a LoadedRecord,
    pub level: usize,
    pub decision: &'a Decision,
}

impl Serialize for ResultJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rules = self.rules;
        let d = self.decision;
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("entity", &rules.entities[self.rec.entity].name)?;
        m.serialize_entry("key", &self.rec.key)?;
        m.serialize_entry("level", level_name(rules, self.level))?;
        let effective = (d.effective != Action::NONE).then_some(ActionJson(rules, d.effective));
        m.serialize_entry("effective_action", &effective)?;
        m.serialize_entry(
            "measures",
            &EntriesJson {
                rules,
                rec: self.rec,
                level: self.level,
                decision: d,
            },
        )?;
        m.end()
    }
}

struct ErrorJson<'a>(&'a RuleSet, &'a ErrorEntry);

impl Serialize for ErrorJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = &self.1.error;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("file", &e.file)?;
        m.serialize_entry("entity", &e.entity)?;
        m.serialize_entry("row", &e.row)?;
        m.serialize_entry("column", &e.column)?;
        m.serialize_entry("key", &e.key)?;
        if let Some(l) = self.1.level {
            m.serialize_entry("level", level_name(self.0, l))?;
        }
        m.serialize_entry("message", &e.message)?;
        m.end()
    }
}

struct CountsJson<'a>(&'a Counts);

impl Serialize for CountsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("records", &self.0.records)?;
        m.serialize_entry("evaluated", &self.0.evaluated)?;
        m.serialize_entry("failed", &self.0.failed)?;
        m.end()
    }
}

fn json_to(out: &mut Vec<u8>, value: &impl Serialize) {
    // Writing to a Vec cannot fail, and our views never produce non-string map keys.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// The message of an evaluation error in the policy's terms.
pub fn eval_error_message(rules: &RuleSet, rec: &LoadedRecord, e: &EvalError) -> String {
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
            format!(
                "table `{}` has no cell for ({}), needed by measure `{}`",
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
            let entity = if *frame == 0 {
                rec.entity
            } else {
                m.item.map(|i| i.entity).unwrap_or(rec.entity)
            };
            let fname = rules.entities[entity]
                .fields
                .get(*field)
                .map(|f| f.name.as_str())
                .unwrap_or("?");
            format!(
                "field `{fname}` has no value, but measure `{}` needs it to look up table `{}`",
                m.name, rules.tables[*table].name
            )
        }
    }
}

// ---------------------------------------------------------------- explanations

fn outcome_text(o: &Outcome) -> &'static str {
    match o {
        Outcome::Applies => "applies",
        Outcome::Exempt => "exempt",
        Outcome::NotInForce => "not_in_force",
        Outcome::ConditionFalse => "condition_false",
        Outcome::NoItems => "no_items",
    }
}

struct ExplanationsJson<'a> {
    rules: &'a RuleSet,
    rec: &'a LoadedRecord,
    list: &'a [Explanation],
}

impl Serialize for ExplanationsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rules = self.rules;
        let mut seq = s.serialize_seq(Some(self.list.len()))?;
        for ex in self.list {
            let m = &rules.measures[ex.measure];
            let values: Vec<serde_json::Value> = ex
                .values
                .iter()
                .map(|v| serde_json::json!({ "field": v.field, "value": v.value }))
                .collect();
            let cells: Vec<serde_json::Value> = ex
                .cells
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "table": c.table,
                        "keys": c.keys,
                        "cell": c.action.map(|a| action_text(rules, a)),
                        "from_default": c.from_default,
                    })
                })
                .collect();
            let liftings: Vec<serde_json::Value> = ex
                .liftings
                .iter()
                .map(|l| {
                    serde_json::json!({
                        "kind": l.kind, "id": l.id, "cite": l.cite, "held": l.held,
                        "values": l.values.iter().map(|v| serde_json::json!({ "field": v.field, "value": v.value })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let subject = match ex.item {
                Some(i) => subject(
                    rules,
                    self.rec,
                    &Entry {
                        measure: ex.measure as u32,
                        item: Some(i),
                        status: Status::Applies,
                        action: None,
                    },
                )
                .to_string(),
                None => self.rec.key.clone(),
            };
            seq.serialize_element(&serde_json::json!({
                "measure": m.name,
                "subject": subject,
                "outcome": outcome_text(&ex.outcome),
                "cite": m.cite,
                "condition_values": values,
                "table_cells": cells,
                "exceptions_and_exemptions": liftings,
            }))?;
        }
        seq.end()
    }
}

/// A result with its explanations, when `--explain` asks for them.
struct ExplainedResult<'a> {
    result: ResultJson<'a>,
    explain: Option<&'a Evaluator<'a>>,
}

impl Serialize for ExplainedResult<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Some(ev) = self.explain else {
            return self.result.serialize(s);
        };
        let r = &self.result;
        let list = ev.explain(r.rec.entity, &r.rec.record, r.level);
        let mut m = s.serialize_map(Some(6))?;
        m.serialize_entry("entity", &r.rules.entities[r.rec.entity].name)?;
        m.serialize_entry("key", &r.rec.key)?;
        m.serialize_entry("level", level_name(r.rules, r.level))?;
        let effective = (r.decision.effective != Action::NONE)
            .then_some(ActionJson(r.rules, r.decision.effective));
        m.serialize_entry("effective_action", &effective)?;
        m.serialize_entry(
            "measures",
            &EntriesJson {
                rules: r.rules,
                rec: r.rec,
                level: r.level,
                decision: r.decision,
            },
        )?;
        m.serialize_entry(
            "explanations",
            &ExplanationsJson {
                rules: r.rules,
                rec: r.rec,
                list: &list,
            },
        )?;
        m.end()
    }
}

// ---------------------------------------------------------------- formats

/// One JSON document: `{"policy", "results": [...], "errors", "warnings", "summary"}`,
/// one result per line.
pub struct JsonDocument<'a> {
    pub rules: &'a RuleSet,
    /// Explanations are added to every result when set (`--explain`).
    pub explain: Option<&'a Evaluator<'a>>,
}

impl OutputFormat for JsonDocument<'_> {
    fn begin(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"policy\":");
        json_to(out, &self.rules.plan.as_ref().map(|p| &p.title));
        out.extend_from_slice(b",\n\"results\":[\n");
    }

    fn separator(&self) -> &'static [u8] {
        b",\n"
    }

    fn result(&self, out: &mut Vec<u8>, rec: &LoadedRecord, level: usize, decision: &Decision) {
        out.extend_from_slice(b",\n");
        json_to(
            out,
            &ExplainedResult {
                result: ResultJson {
                    rules: self.rules,
                    rec,
                    level,
                    decision,
                },
                explain: self.explain,
            },
        );
    }

    fn end(&self, out: &mut Vec<u8>, errors: &[ErrorEntry], warnings: &[String], counts: &Counts) {
        out.extend_from_slice(b"\n],\n\"errors\":[");
        for (i, e) in errors.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            json_to(out, &ErrorJson(self.rules, e));
        }
        out.extend_from_slice(b"\n],\n\"warnings\":");
        json_to(out, &warnings);
        out.extend_from_slice(b",\n\"summary\":");
        json_to(out, &CountsJson(counts));
        out.extend_from_slice(b"}\n");
    }
}

/// JSON Lines: one line per record and level, an `{"error": …}` line per error where it
/// occurs, and a last `{"summary": …, "warnings": …}` line.
pub struct JsonLines<'a> {
    pub rules: &'a RuleSet,
    pub explain: Option<&'a Evaluator<'a>>,
}

impl OutputFormat for JsonLines<'_> {
    fn result(&self, out: &mut Vec<u8>, rec: &LoadedRecord, level: usize, decision: &Decision) {
        json_to(
            out,
            &ExplainedResult {
                result: ResultJson {
                    rules: self.rules,
                    rec,
                    level,
                    decision,
                },
                explain: self.explain,
            },
        );
        out.push(b'\n');
    }

    fn inline_error(&self, out: &mut Vec<u8>, error: &ErrorEntry) {
        out.extend_from_slice(b"{\"error\":");
        json_to(out, &ErrorJson(self.rules, error));
        out.extend_from_slice(b"}\n");
    }

    fn end(&self, out: &mut Vec<u8>, _errors: &[ErrorEntry], warnings: &[String], counts: &Counts) {
        out.extend_from_slice(b"{\"summary\":");
        json_to(out, &CountsJson(counts));
        out.extend_from_slice(b",\"warnings\":");
        json_to(out, &warnings);
        out.extend_from_slice(b"}\n");
    }
}

fn kind_text(kind: MeasureKind, zh: bool) -> &'static str {
    match (kind, zh) {
        (MeasureKind::Advisory, true) => "倡议性",
        (MeasureKind::Mandatory, true) => "强制性",
        (k, false) => k.as_str(),
    }
}

/// A text report for reading in a terminal: one block per record and level.
pub struct Table<'a> {
    pub rules: &'a RuleSet,
    pub explain: Option<&'a Evaluator<'a>>,
}

struct Fmt<'a>(&'a mut Vec<u8>);

impl fmt::Write for Fmt<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

impl OutputFormat for Table<'_> {
    fn result(&self, out: &mut Vec<u8>, rec: &LoadedRecord, level: usize, d: &Decision) {
        let rules = self.rules;
        let zh = rules.chinese;
        let mut w = Fmt(out);
        let _ = writeln!(
            w,
            "{} {} @ {}",
            rules.entities[rec.entity].name,
            rec.key,
            level_name(rules, level)
        );
        let _ = writeln!(
            w,
            "  {}: {}",
            if zh { "综合要求" } else { "effective" },
            ActionText(rules, d.effective)
        );
        for e in &d.entries {
            let m = &rules.measures[e.measure as usize];
            let _ = write!(
                w,
                "  - {} [{}] {}: ",
                m.name,
                kind_text(m.kind, zh),
                subject(rules, rec, e)
            );
            match e.action {
                Some(a) => write!(w, "{}", ActionText(rules, a)),
                None => w.write_str("-"),
            }
            .ok();
            match ExemptBy::of(rules, e) {
                None => write!(w, " | {}", if zh { "适用" } else { "applies" }),
                Some(x) => write!(
                    w,
                    " | {} {} ({})",
                    if zh { "豁免" } else { "exempt" },
                    x,
                    x.cite().unwrap_or("-")
                ),
            }
            .ok();
            let _ = writeln!(w, " | {}", m.cite.as_deref().unwrap_or("-"));
        }
        if let Some(ev) = self.explain {
            table_explanations(
                &mut w,
                rules,
                rec,
                &ev.explain(rec.entity, &rec.record, level),
            );
        }
    }

    fn inline_error(&self, out: &mut Vec<u8>, error: &ErrorEntry) {
        let e = &error.error;
        let mut w = Fmt(out);
        let _ = write!(
            w,
            "{} {} ",
            if self.rules.chinese {
                "错误"
            } else {
                "error"
            },
            e.entity
        );
        if let Some(k) = &e.key {
            let _ = write!(w, "{k} ");
        }
        if let Some(l) = error.level {
            let _ = write!(w, "@ {} ", level_name(self.rules, l));
        }
        let _ = write!(w, "({}:{}", e.file, e.row);
        if let Some(c) = &e.column {
            let _ = write!(w, ", {c}");
        }
        let _ = writeln!(w, "): {}", e.message);
    }

    fn end(&self, out: &mut Vec<u8>, _errors: &[ErrorEntry], warnings: &[String], c: &Counts) {
        let mut w = Fmt(out);
        for warning in warnings {
            let _ = writeln!(w, "warning: {warning}");
        }
        let _ = writeln!(
            w,
            "records {}, evaluated {}, failed {}",
            c.records, c.evaluated, c.failed
        );
    }
}

fn table_explanations(w: &mut Fmt<'_>, rules: &RuleSet, rec: &LoadedRecord, list: &[Explanation]) {
    let zh = rules.chinese;
    let _ = writeln!(w, "  {}:", if zh { "说明" } else { "why" });
    for ex in list {
        let m = &rules.measures[ex.measure];
        let who = match ex.item {
            Some(i) => subject(
                rules,
                rec,
                &Entry {
                    measure: ex.measure as u32,
                    item: Some(i),
                    status: Status::Applies,
                    action: None,
                },
            )
            .to_string(),
            None => rec.key.clone(),
        };
        let outcome = match (&ex.outcome, zh) {
            (Outcome::Applies, true) => "适用",
            (Outcome::Exempt, true) => "豁免",
            (Outcome::NotInForce, true) => "本级别不实施",
            (Outcome::ConditionFalse, true) => "条件不满足",
            (Outcome::NoItems, true) => "无对象",
            (o, false) => outcome_text(o),
        };
        let _ = write!(w, "    {} {}: {outcome}", m.name, who);
        if !ex.values.is_empty() {
            let vals: Vec<String> = ex
                .values
                .iter()
                .map(|v| format!("{} = {}", v.field, v.value))
                .collect();
            let _ = write!(w, " ({})", vals.join(", "));
        }
        let _ = writeln!(w, " [{}]", m.cite.as_deref().unwrap_or("-"));
        for c in &ex.cells {
            let cell = c
                .action
                .map(|a| action_text(rules, a))
                .unwrap_or_else(|| "(no cell)".into());
            let dflt = if c.from_default {
                if zh {
                    " (默认)"
                } else {
                    " (default)"
                }
            } else {
                ""
            };
            let _ = writeln!(w, "      {}[{}] = {cell}{dflt}", c.table, c.keys.join(", "));
        }
        for l in &ex.liftings {
            let held = match (l.held, zh) {
                (true, true) => "成立",
                (false, true) => "不成立",
                (true, false) => "holds",
                (false, false) => "does not hold",
            };
            let vals: Vec<String> = l
                .values
                .iter()
                .map(|v| format!("{} = {}", v.field, v.value))
                .collect();
            let kind = match (l.kind, zh) {
                ("exception", true) => "除外",
                ("exemption", true) => "豁免",
                (k, _) => k,
            };
            let _ = writeln!(
                w,
                "      {kind} {}: {held} ({}) [{}]",
                l.id,
                vals.join(", "),
                l.cite.as_deref().unwrap_or("-")
            );
        }
    }
}

/// CSV: one row per record × level × measure (a record with no measure at a level still
/// gets a row), and a row per error. Headers are Chinese when the policy is.
pub struct Csv<'a>(pub &'a RuleSet);

const CSV_HEADERS_ZH: [&str; 12] = [
    "实体",
    "键",
    "级别",
    "综合要求",
    "措施",
    "类型",
    "状态",
    "对象",
    "要求",
    "内容",
    "依据",
    "豁免依据",
];
const CSV_HEADERS_EN: [&str; 12] = [
    "entity",
    "key",
    "level",
    "effective_action",
    "measure",
    "kind",
    "status",
    "subject",
    "action",
    "text",
    "cite",
    "exempted_by",
];

/// Writes one CSV field: quoted when needed, and neutralised when a spreadsheet would run it
/// as a formula (a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'` before it).
pub fn csv_field(out: &mut Vec<u8>, value: &dyn Display) {
    let start = out.len();
    let _ = write!(Fmt(out), "{value}");
    let needs_guard = matches!(
        out.get(start),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    let needs_quotes = out[start..]
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
    if !needs_guard && !needs_quotes {
        return;
    }
    let mut field = out.split_off(start);
    if needs_guard {
        field.insert(0, b'\'');
    }
    if needs_quotes {
        out.push(b'"');
        for b in field {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(&field);
    }
}

fn csv_row(out: &mut Vec<u8>, fields: &[&dyn Display]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        csv_field(out, *f);
    }
    out.extend_from_slice(b"\r\n");
}

struct Opt<'a, T: Display>(Option<T>, &'a str);

impl<T: Display> Display for Opt<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(v) => v.fmt(f),
            None => f.write_str(self.1),
        }
    }
}

impl OutputFormat for Csv<'_> {
    fn begin(&self, out: &mut Vec<u8>) {
        let headers = if self.0.chinese {
            CSV_HEADERS_ZH
        } else {
            CSV_HEADERS_EN
        };
        let fields: Vec<&dyn Display> = headers.iter().map(|h| h as &dyn Display).collect();
        csv_row(out, &fields);
    }

    fn result(&self, out: &mut Vec<u8>, rec: &LoadedRecord, level: usize, d: &Decision) {
        let rules = self.0;
        let zh = rules.chinese;
        let entity = &rules.entities[rec.entity].name;
        let level_text = level_name(rules, level);
        let effective = Opt(
            (d.effective != Action::NONE).then_some(ActionText(rules, d.effective)),
            "",
        );
        if d.entries.is_empty() {
            csv_row(
                out,
                &[
                    entity,
                    &rec.key,
                    &level_text,
                    &effective,
                    &"",
                    &"",
                    &"",
                    &"",
                    &"",
                    &"",
                    &"",
                    &"",
                ],
            );
        }
        for e in &d.entries {
            let m = &rules.measures[e.measure as usize];
            let exempt = ExemptBy::of(rules, e);
            let status = match (&exempt, zh) {
                (None, true) => "适用",
                (None, false) => "applies",
                (Some(_), true) => "豁免",
                (Some(_), false) => "exempt",
            };
            let action = Opt(e.action.map(|a| ActionText(rules, a)), "");
            let text = m.texts.get(level).and_then(Option::as_deref).unwrap_or("");
            let cite = m.cite.as_deref().unwrap_or("");
            let by = Opt(exempt.as_ref().map(ExemptCell), "");
            csv_row(
                out,
                &[
                    entity,
                    &rec.key,
                    &level_text,
                    &effective,
                    &m.name,
                    &kind_text(m.kind, zh),
                    &status,
                    &subject(rules, rec, e),
                    &action,
                    &text,
                    &cite,
                    &by,
                ],
            );
        }
    }

    fn inline_error(&self, out: &mut Vec<u8>, error: &ErrorEntry) {
        let e = &error.error;
        let level = error.level.map(|l| level_name(self.0, l)).unwrap_or("");
        let status = if self.0.chinese { "错误" } else { "error" };
        let key = e.key.as_deref().unwrap_or("");
        let place = Place(e);
        csv_row(
            out,
            &[
                &e.entity, &key, &level, &"", &"", &"", &status, &place, &"", &e.message, &"", &"",
            ],
        );
    }

    fn end(
        &self,
        _out: &mut Vec<u8>,
        _errors: &[ErrorEntry],
        _warnings: &[String],
        _counts: &Counts,
    ) {
    }
}

/// `exemption (citation)` in one cell.
struct ExemptCell<'a, 'b>(&'a ExemptBy<'b>);

impl Display for ExemptCell<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.cite() {
            Some(c) => write!(f, "{} ({c})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

/// `file:row[:column]` of an error.
struct Place<'a>(&'a crate::data::RowError);

impl Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.0.file, self.0.row)?;
        if let Some(c) = &self.0.column {
            write!(f, ":{c}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(v: &str) -> String {
        let mut out = Vec::new();
        csv_field(&mut out, &v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("-1"), "'-1");
        assert_eq!(field("@x"), "'@x");
        assert_eq!(field("\tx"), "'\tx");
        assert_eq!(field("=a,b"), "\"'=a,b\"");
    }
}
