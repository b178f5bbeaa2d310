//! JSON and JSON Lines output.
//!
//! Results are written straight into the byte buffer. Everything that is the same for every
//! record — entity, level and measure names, wordings, citations, restrictions, exemptions —
//! is escaped once, when the format is built ([`Fragments`]), so writing a result is mostly
//! copying bytes.

use std::fmt::Write as _;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::{
    action_text, level_name, not_encoded_text, not_encoded_value, outcome_text, subject, Fmt,
    KeyOrStr,
};
use crate::data::LoadedRecord;
use crate::eval::census::CensusReport;
use crate::eval::explain::{Explanation, LiftingKind};
use crate::eval::run::{Counts, ErrorEntry, OutputFormat};
use crate::eval::{Decision, Entry, Evaluator, Status};
use crate::ir::{Action, Base, RuleSet, Value};
use crate::messages::Lang;
use crate::report::words::LiftingWords;

/// A JSON string literal, quotes included.
fn esc(s: &str) -> Vec<u8> {
    serde_json::to_vec(s).unwrap_or_else(|_| b"\"\"".to_vec())
}

fn esc_opt(s: Option<&str>) -> Vec<u8> {
    s.map(esc).unwrap_or_else(|| b"null".to_vec())
}

/// Pre-escaped JSON pieces of a rule set.
pub struct Fragments {
    entity: Vec<Vec<u8>>,
    level: Vec<Vec<u8>>,
    /// Per measure: `{"measure":…,"kind":…,"status":` (full) and `{"measure":…,"status":` (compact).
    measure_head: Vec<Vec<u8>>,
    measure_head_compact: Vec<Vec<u8>>,
    /// Per measure, per level: `,"text":…,"cite":…`.
    measure_tail: Vec<Vec<Vec<u8>>>,
    /// Per restriction: `{"id":…,"wording":…}`.
    restriction: Vec<Vec<u8>>,
    /// Per exemption: `{"kind":"exemption","name":…,"cite":…}` and the name alone.
    exemption: Vec<Vec<u8>>,
    exemption_id: Vec<Vec<u8>>,
    /// Per measure, per local exception: the same, named by its condition in words.
    exception: Vec<Vec<Vec<u8>>>,
    exception_id: Vec<Vec<Vec<u8>>>,
    /// The same in words, for explanations.
    words: LiftingWords,
}

impl Fragments {
    pub fn new(rules: &RuleSet) -> Self {
        let measures = &rules.measures;
        let words = LiftingWords::new(rules);
        let exception_name = |m: usize, i: usize| {
            words
                .exception(m, i)
                .map(|x| x.name.as_str())
                .unwrap_or_default()
        };
        Fragments {
            entity: rules.entities.iter().map(|e| esc(&e.name)).collect(),
            level: rules.levels.iter().map(|l| esc(&l.name)).collect(),
            measure_head: measures
                .iter()
                .map(|m| {
                    let mut v = b"{\"measure\":".to_vec();
                    v.extend(esc(&m.name));
                    v.extend_from_slice(b",\"kind\":");
                    v.extend(esc(m.kind.as_str()));
                    v.extend_from_slice(b",\"status\":");
                    v
                })
                .collect(),
            measure_head_compact: measures
                .iter()
                .map(|m| {
                    let mut v = b"{\"measure\":".to_vec();
                    v.extend(esc(&m.name));
                    v.extend_from_slice(b",\"status\":");
                    v
                })
                .collect(),
            measure_tail: measures
                .iter()
                .map(|m| {
                    (0..rules.levels.len())
                        .map(|l| {
                            let mut v = b",\"text\":".to_vec();
                            v.extend(esc_opt(m.texts.get(l).and_then(Option::as_deref)));
                            v.extend_from_slice(b",\"cite\":");
                            v.extend(esc_opt(m.cite_at(l)));
                            v
                        })
                        .collect()
                })
                .collect(),
            restriction: rules
                .restrictions
                .iter()
                .map(|r| {
                    let mut v = b"{\"id\":".to_vec();
                    v.extend(esc(&r.name));
                    v.extend_from_slice(b",\"wording\":");
                    v.extend(esc(&r.wording));
                    v.push(b'}');
                    v
                })
                .collect(),
            exemption: rules
                .exemptions
                .iter()
                .map(|x| lifting(LiftingKind::Exemption, &x.name, x.cite.as_deref()))
                .collect(),
            exemption_id: rules.exemptions.iter().map(|x| esc(&x.name)).collect(),
            exception: measures
                .iter()
                .enumerate()
                .map(|(mi, m)| {
                    m.exceptions
                        .iter()
                        .enumerate()
                        .map(|(i, x)| {
                            lifting(
                                LiftingKind::Exception,
                                exception_name(mi, i),
                                x.cite.as_deref(),
                            )
                        })
                        .collect()
                })
                .collect(),
            exception_id: measures
                .iter()
                .enumerate()
                .map(|(mi, m)| {
                    (0..m.exceptions.len())
                        .map(|i| esc(exception_name(mi, i)))
                        .collect()
                })
                .collect(),
            words,
        }
    }
}

/// `{"kind":…,"name":…,"cite":…}`: an exemption by its name, an exception by its condition.
fn lifting(kind: LiftingKind, name: &str, cite: Option<&str>) -> Vec<u8> {
    let mut v = b"{\"kind\":".to_vec();
    v.extend(esc(kind.as_str()));
    v.extend_from_slice(b",\"name\":");
    v.extend(esc(name));
    v.extend_from_slice(b",\"cite\":");
    v.extend(esc_opt(cite));
    v.push(b'}');
    v
}

/// Writes a string that needs escaping (record keys come from data).
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        out.extend(esc(s));
    }
}

/// A percentage as a JSON number (`20`, `12.5`).
fn write_percent_number(out: &mut Vec<u8>, hundredths: u32) {
    if hundredths.is_multiple_of(100) {
        super::write_u32(out, hundredths / 100);
    } else {
        let _ = write!(Fmt(out), "{}", hundredths as f64 / 100.0);
    }
}

/// An action's text as a JSON string. Restriction names are policy names (no quotes or
/// control characters), so the text needs no escaping.
fn write_action_text(out: &mut Vec<u8>, rules: &RuleSet, a: Action) {
    out.push(b'"');
    super::write_action_text(out, rules, a);
    out.push(b'"');
}

/// `{"production", "percent", "by_line", "restrictions", "text"}`.
fn write_action(out: &mut Vec<u8>, rules: &RuleSet, frag: &Fragments, a: Action) {
    let (production, pct, by_line): (&[u8], Option<u32>, bool) = match a.base {
        Base::None => (b"none", None, false),
        Base::Voluntary => (b"voluntary", None, false),
        Base::Limit { hundredths } => (b"limit", Some(hundredths), false),
        Base::StopPart {
            hundredths,
            by_line,
        } => (b"stop_part", Some(hundredths), by_line),
        Base::Stop => (b"stop", None, false),
        Base::CeaseUse => (b"cease_use", None, false),
    };
    out.extend_from_slice(b"{\"production\":\"");
    out.extend_from_slice(production);
    out.extend_from_slice(b"\",\"percent\":");
    match pct {
        Some(p) => write_percent_number(out, p),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(if by_line {
        b",\"by_line\":true"
    } else {
        b",\"by_line\":false"
    });
    out.extend_from_slice(b",\"restrictions\":[");
    for (i, r) in a.restriction_indices().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if let Some(f) = frag.restriction.get(r) {
            out.extend_from_slice(f);
        }
    }
    out.extend_from_slice(b"],\"text\":");
    write_action_text(out, rules, a);
    out.push(b'}');
}

/// One result object, without its closing brace (explanations may follow).
/// `compact` (JSON Lines) leaves out what is the same for every record: each measure's kind,
/// wording and citation, and restriction wordings; actions are their text.
fn write_result_open(
    out: &mut Vec<u8>,
    f: &JsonFormat<'_>,
    rec: &LoadedRecord,
    level: usize,
    d: &Decision,
    compact: bool,
) {
    let (rules, frag) = (f.rules, &f.fragments);
    out.extend_from_slice(b"{\"entity\":");
    out.extend_from_slice(&frag.entity[rec.entity]);
    out.extend_from_slice(b",\"key\":");
    write_str(out, &rec.key);
    out.extend_from_slice(b",\"level\":");
    out.extend_from_slice(&frag.level[level]);
    out.extend_from_slice(b",\"effective_action\":");
    if d.undetermined {
        // Neither an action nor `null` (nothing required): a mandatory measure's table is
        // not encoded for the record, and its entry says which.
        out.extend_from_slice(b"\"undetermined\"");
    } else if d.effective == Action::NONE {
        out.extend_from_slice(b"null");
    } else if compact {
        write_action_text(out, rules, d.effective);
    } else {
        write_action(out, rules, frag, d.effective);
    }
    out.extend_from_slice(b",\"measures\":[");
    for (i, e) in d.entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_entry(out, f, rec, level, e, compact);
    }
    out.push(b']');
}

fn write_entry(
    out: &mut Vec<u8>,
    f: &JsonFormat<'_>,
    rec: &LoadedRecord,
    level: usize,
    e: &Entry,
    compact: bool,
) {
    let (rules, frag, lang) = (f.rules, &f.fragments, f.lang);
    let mi = e.measure as usize;
    let heads = if compact {
        &frag.measure_head_compact
    } else {
        &frag.measure_head
    };
    out.extend_from_slice(&heads[mi]);
    out.push(b'"');
    out.extend_from_slice(outcome_text(&e.status.into()).as_bytes());
    out.push(b'"');
    let is_item = rules.measures[mi].item.is_some();
    if !compact || is_item {
        out.extend_from_slice(b",\"subject\":");
        match subject(rules, rec, e) {
            KeyOrStr::Str(k) => write_str(out, k),
            KeyOrStr::Key(Value::Text(k)) => write_str(out, k),
            other => {
                let key = other.to_string();
                write_str(out, &key);
            }
        }
    }
    out.extend_from_slice(b",\"action\":");
    match (e.action, compact) {
        (None, _) => out.extend_from_slice(b"null"),
        (Some(a), true) => write_action_text(out, rules, a),
        (Some(a), false) => write_action(out, rules, frag, a),
    }
    if !compact {
        out.extend_from_slice(&frag.measure_tail[mi][level]);
    }
    if let Status::NotEncoded { table, variant } = e.status {
        out.extend_from_slice(b",\"not_encoded\":{\"table\":");
        let name = rules
            .tables
            .get(table as usize)
            .map_or("", |t| t.name.as_str());
        out.extend(esc(name));
        out.extend_from_slice(b",\"value\":");
        out.extend(esc(not_encoded_value(rules, table, variant)));
        out.extend_from_slice(b",\"message\":");
        out.extend(esc(&not_encoded_text(rules, lang, table, variant)));
        out.push(b'}');
    }
    let lifted = match e.status {
        Status::Applies | Status::NotEncoded { .. } => None,
        Status::ExceptedBy(x) => Some((
            &frag.exception[mi][x as usize],
            &frag.exception_id[mi][x as usize],
        )),
        Status::ExemptedBy(x) => {
            Some((&frag.exemption[x as usize], &frag.exemption_id[x as usize]))
        }
    };
    if let Some((full, id)) = lifted {
        out.extend_from_slice(b",\"exempted_by\":");
        out.extend_from_slice(if compact { id } else { full });
    }
    out.push(b'}');
}

struct ErrorJson<'a>(&'a RuleSet, &'a ErrorEntry);

impl Serialize for ErrorJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = &self.1.error;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("file", &e.file)?;
        if let Some(sheet) = &e.sheet {
            m.serialize_entry("sheet", sheet)?;
        }
        m.serialize_entry("entity", &e.entity)?;
        m.serialize_entry("row", &e.row)?;
        m.serialize_entry("column", &e.column)?;
        if let Some(value) = &e.value {
            m.serialize_entry("value", value)?;
        }
        m.serialize_entry("key", &e.key)?;
        if let Some(l) = self.1.level {
            m.serialize_entry("level", level_name(self.0, l))?;
        }
        m.serialize_entry("message", &e.message)?;
        m.end()
    }
}

/// One error, as every JSON output writes it (`eval`'s and `audit`'s).
pub(crate) fn write_error(out: &mut Vec<u8>, rules: &RuleSet, e: &ErrorEntry) {
    json_to(out, &ErrorJson(rules, e));
}

struct CountsJson<'a>(&'a Counts);

impl Serialize for CountsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("records", &self.0.records)?;
        m.serialize_entry("evaluated", &self.0.evaluated)?;
        m.serialize_entry("failed", &self.0.failed)?;
        m.serialize_entry("skipped", &self.0.skipped)?;
        m.end()
    }
}

fn json_to(out: &mut Vec<u8>, value: &impl Serialize) {
    // Writing to a Vec cannot fail, and these views only have string keys.
    let _ = serde_json::to_writer(&mut *out, value);
}

struct ExplanationsJson<'a> {
    rules: &'a RuleSet,
    level: usize,
    words: &'a LiftingWords,
    rec: &'a LoadedRecord,
    list: &'a [Explanation],
}

impl Serialize for ExplanationsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rules = self.rules;
        let mut seq = s.serialize_seq(Some(self.list.len()))?;
        for ex in self.list {
            let m = &rules.measures[ex.measure];
            let values = |vs: &[crate::eval::explain::ValueRead]| -> Vec<serde_json::Value> {
                vs.iter()
                    .map(|v| serde_json::json!({ "field": v.field, "value": v.value }))
                    .collect()
            };
            let cells: Vec<serde_json::Value> = ex
                .cells
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "table": c.table,
                        "keys": c.keys,
                        "cell": c.action.map(|a| action_text(rules, a)),
                        "from_default": c.from_default,
                        "not_encoded": c.not_encoded,
                    })
                })
                .collect();
            let liftings: Vec<serde_json::Value> = ex
                .liftings
                .iter()
                .map(|l| {
                    let name = super::table::lifting_name(self.words, ex.measure, l);
                    serde_json::json!({ "kind": l.kind.as_str(), "name": name, "cite": l.cite, "held": l.held, "values": values(&l.values) })
                })
                .collect();
            let entry = Entry {
                measure: ex.measure as u32,
                item: ex.item,
                status: Status::Applies,
                action: None,
            };
            seq.serialize_element(&serde_json::json!({
                "measure": m.name,
                "subject": subject(rules, self.rec, &entry).to_string(),
                "outcome": outcome_text(&ex.outcome),
                "cite": m.cite_at(self.level).or(m.cite.as_deref()),
                "condition_values": values(&ex.values),
                "table_cells": cells,
                "exceptions_and_exemptions": liftings,
            }))?;
        }
        seq.end()
    }
}

fn write_result(
    out: &mut Vec<u8>,
    f: &JsonFormat<'_>,
    rec: &LoadedRecord,
    level: usize,
    d: &Decision,
    compact: bool,
) {
    write_result_open(out, f, rec, level, d, compact);
    if let Some(ev) = f.explain {
        let list = ev.explain_record(rec, level);
        out.extend_from_slice(b",\"explanations\":");
        json_to(
            out,
            &ExplanationsJson {
                rules: f.rules,
                level,
                words: &f.fragments.words,
                rec,
                list: &list,
            },
        );
    }
    out.push(b'}');
}

/// What the JSON formats share: the rule set, its fragments, and the explainer when asked.
pub struct JsonFormat<'a> {
    pub rules: &'a RuleSet,
    fragments: Fragments,
    /// Explanations are added to every result when set (`--explain`).
    pub explain: Option<&'a Evaluator<'a>>,
    /// The language of the messages in results (`not_encoded.message`).
    pub lang: Lang,
}

impl<'a> JsonFormat<'a> {
    pub fn new(rules: &'a RuleSet, explain: Option<&'a Evaluator<'a>>) -> Self {
        JsonFormat {
            rules,
            fragments: Fragments::new(rules),
            explain,
            lang: Lang::default(),
        }
    }

    /// Messages in results in `lang` (Chinese without it).
    pub fn with_lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }
}

/// One JSON document: `{"policy", "results": [...], "errors", "warnings", "summary"}`,
/// one result per line.
pub struct JsonDocument<'a>(pub JsonFormat<'a>);

impl OutputFormat for JsonDocument<'_> {
    fn begin(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"policy\":");
        json_to(out, &self.0.rules.plan.as_ref().map(|p| &p.title));
        out.extend_from_slice(b",\n\"results\":[\n");
    }

    fn separator(&self) -> &'static [u8] {
        b",\n"
    }

    fn result(&self, out: &mut Vec<u8>, rec: &LoadedRecord, level: usize, decision: &Decision) {
        out.extend_from_slice(b",\n");
        write_result(out, &self.0, rec, level, decision, false);
    }

    fn end(
        &self,
        out: &mut Vec<u8>,
        errors: &[ErrorEntry],
        warnings: &[String],
        counts: &Counts,
        census: Option<&CensusReport>,
    ) {
        out.extend_from_slice(b"\n],\n\"errors\":[");
        for (i, e) in errors.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            write_error(out, self.0.rules, e);
        }
        out.extend_from_slice(b"\n],\n\"warnings\":");
        json_to(out, &warnings);
        out.extend_from_slice(b",\n\"summary\":");
        json_to(out, &CountsJson(counts));
        if let Some(report) = census {
            out.extend_from_slice(b",\n");
            crate::report::census::write_json_member(out, self.0.rules, report);
        }
        out.extend_from_slice(b"}\n");
    }
}

/// JSON Lines, the compact stream: one line per record and level, an `{"error": …}` line per
/// error where it occurs, and a last `{"summary": …, "warnings": …}` line.
pub struct JsonLines<'a>(pub JsonFormat<'a>);

impl OutputFormat for JsonLines<'_> {
    fn result(&self, out: &mut Vec<u8>, rec: &LoadedRecord, level: usize, decision: &Decision) {
        write_result(out, &self.0, rec, level, decision, true);
        out.push(b'\n');
    }

    fn inline_error(&self, out: &mut Vec<u8>, error: &ErrorEntry) {
        out.extend_from_slice(b"{\"error\":");
        json_to(out, &ErrorJson(self.0.rules, error));
        out.extend_from_slice(b"}\n");
    }

    fn end(
        &self,
        out: &mut Vec<u8>,
        _errors: &[ErrorEntry],
        warnings: &[String],
        counts: &Counts,
        census: Option<&CensusReport>,
    ) {
        out.extend_from_slice(b"{\"summary\":");
        json_to(out, &CountsJson(counts));
        out.extend_from_slice(b",\"warnings\":");
        json_to(out, &warnings);
        if let Some(report) = census {
            out.push(b',');
            crate::report::census::write_json_member(out, self.0.rules, report);
        }
        out.extend_from_slice(b"}\n");
    }
}
