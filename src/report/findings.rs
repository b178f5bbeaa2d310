//! Audit findings written as a text report, as one JSON document and as an officer's
//! workbook (through [`crate::report::xlsx::XlsxSink::for_findings`]).

use std::fmt::Write as _;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::decisions::{level_name, Fmt, KeyOrStr};
use crate::audit::{Auditor, Finding, FindingsFormat, Tally};
use crate::data::LoadedRecord;
use crate::eval::census::CensusReport;
use crate::eval::run::{Counts, ErrorEntry};
use crate::ir::usage::display_fields;
use crate::ir::{RecordRuleInfo, RuleSet, Severity, Value};
use crate::messages::{m, Lang};
use crate::msg;
use crate::report::terminal::{clean, clean_tail};
use crate::report::xlsx::display_value;

/// What a finding concerns beyond its record: the item's entity and key.
fn item_of<'a>(
    rules: &'a RuleSet,
    rule: &RecordRuleInfo,
    rec: &'a LoadedRecord,
    f: &Finding,
) -> Option<(&'a str, KeyOrStr<'a>)> {
    let (subject, i) = (rule.item?, f.item?);
    let entity = &rules.entities[subject.entity];
    match rec.record.get(subject.field) {
        Value::List(items) => items
            .get(i as usize)
            .map(|it| (entity.name.as_str(), KeyOrStr::Key(it.get(entity.key)))),
        _ => None,
    }
}

/// The record's display fields (`显示`) with their values as text, for naming it beside its
/// key.
fn shown_of(rules: &RuleSet, rec: &LoadedRecord, lang: Lang) -> Vec<(usize, String)> {
    let fields = &rules.entities[rec.entity].fields;
    display_fields(rules, rec.entity)
        .into_iter()
        .map(|f| {
            (
                f,
                display_value(rules, fields[f].ty, rec.record.get(f), lang),
            )
        })
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// What names a record beside its key: its `名称` (`name`) display field, or failing that
/// all its display fields; empty when it has none.
fn name_of(rules: &RuleSet, rec: &LoadedRecord, lang: Lang) -> String {
    let shown = shown_of(rules, rec, lang);
    let fields = &rules.entities[rec.entity].fields;
    match shown
        .iter()
        .find(|(f, _)| matches!(fields[*f].name.as_str(), "名称" | "name"))
    {
        Some((_, name)) => name.clone(),
        None => shown
            .into_iter()
            .map(|(_, v)| v)
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The values a finding's requirement read, `字段 = 值` joined; a missing value in the
/// report's language.
fn values_text(auditor: Auditor<'_>, rec: &LoadedRecord, f: &Finding, lang: Lang) -> String {
    auditor
        .values(&rec.record, f)
        .into_iter()
        .map(|v| {
            let value = if v.missing {
                m::ABOUT_NONE.text(lang)
            } else {
                v.value.as_str()
            };
            format!("{} = {value}", v.field)
        })
        .collect::<Vec<_>>()
        .join("；")
}

fn severity_text(severity: Severity, lang: Lang) -> &'static str {
    match severity {
        Severity::Error => m::AUDIT_ERROR.text(lang),
        Severity::Warning => m::AUDIT_WARNING.text(lang),
    }
}

/// The message of a finding: the rule's `内容` at the level, or a sentence naming the rule.
fn message_text(auditor: Auditor<'_>, f: &Finding, lang: Lang) -> String {
    match auditor.message(f) {
        Some(t) => t.to_string(),
        None => msg!(lang, AUDIT_NO_MESSAGE, auditor.rule(f).name),
    }
}

/// The text report: a block per finding, rows as the officer numbers them.
pub struct FindingsText<'a> {
    auditor: Auditor<'a>,
    files: &'a [String],
    lang: Lang,
}

impl<'a> FindingsText<'a> {
    pub fn new(auditor: Auditor<'a>, files: &'a [String], lang: Lang) -> Self {
        FindingsText {
            auditor,
            files,
            lang,
        }
    }
}

impl FindingsFormat for FindingsText<'_> {
    fn record(&self, out: &mut Vec<u8>, rec: &LoadedRecord, findings: &[Finding]) {
        let start = out.len();
        let rules: &RuleSet = self.auditor.rules();
        let lang = self.lang;
        let mut w = Fmt(out);
        for f in findings {
            let rule = self.auditor.rule(f);
            let severity = severity_text(rule.severity, lang);
            let level = f
                .level
                .map(|l| format!(" @ {}", level_name(rules, l as usize)))
                .unwrap_or_default();
            let cite = rule
                .cite
                .clone()
                .unwrap_or_else(|| m::AUDIT_NO_CITE.text(lang).to_string());
            let _ = writeln!(
                w,
                "{}",
                msg!(lang, AUDIT_HEAD, severity, rule.name, level, cite)
            );
            let mut file = self
                .files
                .get(rec.file)
                .map(String::as_str)
                .unwrap_or("-")
                .to_string();
            if let Some(sheet) = &rec.sheet {
                file.push_str(&format!(" [{sheet}]"));
            }
            let entity = &rules.entities[rec.entity].name;
            let mut named = rec.key.to_string();
            let name = name_of(rules, rec, lang);
            if !name.is_empty() {
                named.push(' ');
                named.push_str(&name);
            }
            let mut place = msg!(lang, AUDIT_RECORD, entity, named, file, rec.row);
            if let Some((item_entity, key)) = item_of(rules, rule, rec, f) {
                place.push_str(&msg!(lang, AUDIT_ITEM, item_entity, key));
            }
            let _ = writeln!(w, "  {place}");
            let _ = writeln!(w, "  {}", message_text(self.auditor, f, lang));
            let values = values_text(self.auditor, rec, f, lang);
            if !values.is_empty() {
                let _ = writeln!(w, "  {}", msg!(lang, AUDIT_READ, values));
            }
        }
        // Data may hold terminal escapes or bidirectional controls: shown, not obeyed.
        clean_tail(out, start);
    }

    fn inline_error(&self, out: &mut Vec<u8>, error: &ErrorEntry) {
        let start = out.len();
        let e = &error.error;
        let mut w = Fmt(out);
        let _ = write!(w, "{} {} ", m::OUT_ERROR.text(self.lang), clean(&e.entity));
        if let Some(k) = &e.key {
            let _ = write!(w, "{} ", clean(k));
        }
        let _ = write!(w, "({}:{}", clean(&e.file), e.row);
        if let Some(s) = &e.sheet {
            let _ = write!(w, " [{}]", clean(s));
        }
        if let Some(c) = &e.column {
            let _ = write!(w, ", {}", clean(c));
        }
        let _ = writeln!(w, "): {}", clean(&e.message));
        clean_tail(out, start);
    }

    fn end(
        &self,
        out: &mut Vec<u8>,
        _: &[ErrorEntry],
        warnings: &[String],
        _: &Counts,
        _: Tally,
        census: Option<&CensusReport>,
    ) {
        let start = out.len();
        let mut w = Fmt(out);
        for warning in warnings {
            let _ = writeln!(w, "{warning}");
        }
        clean_tail(out, start);
        if let Some(report) = census {
            super::census::write_text(out, self.auditor.rules(), report, self.lang);
        }
    }
}

/// One JSON document: `{"policy", "findings": [...], "errors", "warnings", "summary"}`, one
/// finding per line. Keys and severities never change with the language.
pub struct FindingsJson<'a> {
    auditor: Auditor<'a>,
    files: &'a [String],
}

impl<'a> FindingsJson<'a> {
    pub fn new(auditor: Auditor<'a>, files: &'a [String]) -> Self {
        FindingsJson { auditor, files }
    }
}

struct FindingJson<'a> {
    json: &'a FindingsJson<'a>,
    rec: &'a LoadedRecord,
    finding: &'a Finding,
}

impl Serialize for FindingJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let auditor = self.json.auditor;
        let rules: &RuleSet = auditor.rules();
        let (rec, f) = (self.rec, self.finding);
        let rule = auditor.rule(f);
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("rule", &rule.name)?;
        map.serialize_entry("severity", rule.severity.as_str())?;
        map.serialize_entry("cite", &rule.cite)?;
        map.serialize_entry("level", &f.level.map(|l| level_name(rules, l as usize)))?;
        map.serialize_entry("entity", &rules.entities[rec.entity].name)?;
        map.serialize_entry("key", &rec.key)?;
        let fields = &rules.entities[rec.entity].fields;
        // Typed where JSON has the type, so no value changes with the language.
        let shown: serde_json::Map<String, serde_json::Value> = shown_of(rules, rec, Lang::Zh)
            .into_iter()
            .map(|(f, text)| {
                let value = match rec.record.get(f) {
                    Value::Bool(b) => serde_json::Value::Bool(*b),
                    Value::Int(n) => (*n).into(),
                    _ => text.into(),
                };
                (fields[f].name.clone(), value)
            })
            .collect();
        map.serialize_entry("display", &shown)?;
        map.serialize_entry(
            "file",
            self.json
                .files
                .get(rec.file)
                .map(String::as_str)
                .unwrap_or(""),
        )?;
        if let Some(sheet) = &rec.sheet {
            map.serialize_entry("sheet", &**sheet)?;
        }
        map.serialize_entry("row", &rec.row)?;
        if let Some((entity, key)) = item_of(rules, rule, rec, f) {
            map.serialize_entry(
                "item",
                &serde_json::json!({
                    "entity": entity,
                    "index": f.item,
                    "key": key.to_string(),
                }),
            )?;
        }
        map.serialize_entry("message", &auditor.message(f))?;
        let values: Vec<serde_json::Value> = auditor
            .values(&rec.record, f)
            .into_iter()
            .map(|v| serde_json::json!({ "field": v.field, "value": v.value }))
            .collect();
        map.serialize_entry("values", &values)?;
        map.end()
    }
}

fn json_to(out: &mut Vec<u8>, value: &impl Serialize) {
    // Writing to a Vec cannot fail, and these views only have string keys.
    let _ = serde_json::to_writer(&mut *out, value);
}

impl FindingsFormat for FindingsJson<'_> {
    fn begin(&self, out: &mut Vec<u8>) {
        let rules: &RuleSet = self.auditor.rules();
        out.extend_from_slice(b"{\"policy\":");
        json_to(out, &rules.plan.as_ref().map(|p| &p.title));
        out.extend_from_slice(b",\n\"findings\":[\n");
    }

    fn separator(&self) -> &'static [u8] {
        b",\n"
    }

    fn record(&self, out: &mut Vec<u8>, rec: &LoadedRecord, findings: &[Finding]) {
        for finding in findings {
            out.extend_from_slice(b",\n");
            json_to(
                out,
                &FindingJson {
                    json: self,
                    rec,
                    finding,
                },
            );
        }
    }

    fn end(
        &self,
        out: &mut Vec<u8>,
        errors: &[ErrorEntry],
        warnings: &[String],
        counts: &Counts,
        tally: Tally,
        census: Option<&CensusReport>,
    ) {
        let rules: &RuleSet = self.auditor.rules();
        out.extend_from_slice(b"\n],\n\"errors\":[");
        for (i, e) in errors.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            super::decisions::json::write_error(out, rules, e);
        }
        out.extend_from_slice(b"\n],\n\"warnings\":");
        json_to(out, &warnings);
        out.extend_from_slice(b",\n\"summary\":");
        json_to(
            out,
            &serde_json::json!({
                "records": counts.records,
                "checked": counts.evaluated,
                "failed": counts.failed,
                "skipped": counts.skipped,
                "errors": tally.errors,
                "warnings": tally.warnings,
            }),
        );
        if let Some(report) = census {
            out.extend_from_slice(b",\n");
            super::census::write_json_member(out, rules, report);
        }
        out.extend_from_slice(b"}\n");
    }
}

/// The rows of the 发现 sheet of an audit workbook, one per finding, and its 错误 sheet.
pub struct FindingsXlsx<'a> {
    auditor: Auditor<'a>,
    files: &'a [String],
    lang: Lang,
}

impl<'a> FindingsXlsx<'a> {
    pub fn new(auditor: Auditor<'a>, files: &'a [String], lang: Lang) -> Self {
        FindingsXlsx {
            auditor,
            files,
            lang,
        }
    }
}

impl FindingsFormat for FindingsXlsx<'_> {
    fn record(&self, out: &mut Vec<u8>, rec: &LoadedRecord, findings: &[Finding]) {
        let rules: &RuleSet = self.auditor.rules();
        let lang = self.lang;
        let name = name_of(rules, rec, lang);
        let row = rec.row.to_string();
        let file = self.files.get(rec.file).map(String::as_str).unwrap_or("");
        for f in findings {
            let rule = self.auditor.rule(f);
            let item = item_of(rules, rule, rec, f)
                .map(|(_, key)| key.to_string())
                .unwrap_or_default();
            crate::report::xlsx::detail_row(
                out,
                [
                    severity_text(rule.severity, lang),
                    &rule.name,
                    rule.cite.as_deref().unwrap_or(""),
                    f.level.map_or("", |l| level_name(rules, l as usize)),
                    &rules.entities[rec.entity].name,
                    &rec.key,
                    &name,
                    file,
                    rec.sheet.as_deref().unwrap_or(""),
                    &row,
                    &item,
                    &message_text(self.auditor, f, lang),
                    &values_text(self.auditor, rec, f, lang),
                ],
            );
        }
    }

    fn end(
        &self,
        out: &mut Vec<u8>,
        errors: &[ErrorEntry],
        _: &[String],
        _: &Counts,
        _: Tally,
        census: Option<&CensusReport>,
    ) {
        let rules: &RuleSet = self.auditor.rules();
        crate::report::xlsx::error_rows(out, rules, errors);
        if let Some(report) = census {
            super::census::write_rows(out, rules, report, self.lang);
        }
    }
}
