//! Audit findings written as a text report, as one JSON document and as an officer's
//! workbook (through [`crate::report::xlsx::XlsxSink::for_findings`]).

use std::fmt::Write as _;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::decisions::{level_name, Fmt, KeyOrStr};
use crate::audit::lists::{group_field, BaseSource, GroupKey, ListFinding, Undefined};
use crate::audit::{AuditEnd, Auditor, Finding, FindingsFormat};
use crate::data::LoadedRecord;
use crate::eval::run::ErrorEntry;
use crate::exact::Exact;
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

/// A list rule's finding in words, the same in every format.
struct ListWords {
    severity: &'static str,
    rule: String,
    cite: Option<String>,
    level: String,
    entity: String,
    /// `所在区 = 朝阳区`; empty for a rule without `分组`.
    group: String,
    /// The records concerned: the entity and the group.
    place: String,
    /// The rule's `内容` at the level, or a sentence naming the rule.
    message: String,
    /// The comparison that is not met, as the plan writes it, with both sides' figures.
    check: String,
    /// Every aggregate with its figure: `占比(…) = 80；计数() = 5`.
    figures: String,
}

fn figure_text(v: &Result<Exact, Undefined>, lang: Lang) -> String {
    match v {
        Ok(x) => x.to_string(),
        Err(Undefined::NoRecords) => m::AUDIT_LIST_NO_RECORDS.text(lang).to_string(),
        Err(Undefined::NoValues) => m::AUDIT_LIST_NO_VALUES.text(lang).to_string(),
        Err(Undefined::Overflow) => m::AUDIT_LIST_OVERFLOW.text(lang).to_string(),
    }
}

/// The value of a group's key as outputs show it (empty cells as the language's "none").
fn group_value(rules: &RuleSet, f: &ListFinding, lang: Lang) -> Option<(String, String)> {
    let rule = &rules.list_rules[f.rule];
    let (entity, field) = group_field(rule)?;
    let info = &rules.entities[entity].fields[field];
    let value = match &f.group {
        GroupKey::All => return None,
        GroupKey::Value(v) => display_value(rules, info.ty, v, lang),
    };
    let value = if value.is_empty() {
        m::ABOUT_NONE.text(lang).to_string()
    } else {
        value
    };
    Some((info.name.clone(), value))
}

fn list_words(rules: &RuleSet, f: &ListFinding, lang: Lang) -> ListWords {
    let rule = &rules.list_rules[f.rule];
    let group = match group_value(rules, f, lang) {
        Some((field, value)) => format!("{field} = {value}"),
        None => String::new(),
    };
    let entity = &rules.entities[rule.item.map_or(rule.entity, |i| i.entity)].name;
    let place = match group.is_empty() {
        true => msg!(lang, AUDIT_LIST_WHOLE, entity),
        false => msg!(lang, AUDIT_LIST_GROUP, entity, group),
    };
    let at = match rule.levels {
        Some(_) => f.level.unwrap_or(0),
        None => 0,
    };
    let message = match rule.texts.get(at).and_then(Option::as_deref) {
        Some(t) => t.to_string(),
        None => msg!(lang, AUDIT_NO_MESSAGE, rule.name),
    };
    let figures = rule
        .aggregates
        .iter()
        .enumerate()
        .zip(&f.figures)
        .map(|((i, a), v)| {
            let mut t = format!("{} = {}", a.text, figure_text(v, lang));
            match f.bases.get(i).copied().flatten() {
                Some(BaseSource::Declared) => t.push_str(&msg!(lang, AUDIT_BASE_DECLARED)),
                Some(BaseSource::Data { records }) => {
                    t.push_str(&msg!(lang, AUDIT_BASE_DATA, records))
                }
                Some(BaseSource::DataTotal {
                    entity,
                    field,
                    records,
                }) => {
                    let e = &rules.entities[entity];
                    let field = &e.fields[field].name;
                    t.push_str(&msg!(lang, AUDIT_BASE_DATA_TOTAL, e.name, field, records))
                }
                None => {}
            }
            let missing = f.missing.get(i).copied().unwrap_or(0);
            if missing > 0 {
                t.push_str(&msg!(lang, AUDIT_LIST_MISSING, missing));
            }
            let undetermined = f.undetermined.get(i).copied().unwrap_or(0);
            if undetermined > 0 {
                t.push_str(&msg!(lang, AUDIT_LIST_UNDETERMINED, undetermined));
            }
            t
        })
        .collect::<Vec<_>>()
        .join(match lang {
            Lang::Zh => "；",
            Lang::En => "; ",
        });
    ListWords {
        severity: severity_text(rule.severity, lang),
        rule: rule.name.clone(),
        cite: rule.cite.clone(),
        level: f
            .level
            .map(|l| level_name(rules, l).to_string())
            .unwrap_or_default(),
        entity: entity.clone(),
        group,
        place,
        message,
        check: format!(
            "{}{}",
            rule.checks
                .get(f.check)
                .map(|c| c.text.as_str())
                .unwrap_or_default(),
            msg!(
                lang,
                AUDIT_LIST_SIDES,
                figure_text(&f.left, lang),
                figure_text(&f.right, lang)
            )
        ),
        figures,
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

    fn end(&self, out: &mut Vec<u8>, end: &AuditEnd<'_>) {
        let start = out.len();
        let rules: &RuleSet = self.auditor.rules();
        let lang = self.lang;
        let mut w = Fmt(out);
        for f in end.lists {
            let l = list_words(rules, f, lang);
            let level = if l.level.is_empty() {
                String::new()
            } else {
                format!(" @ {}", l.level)
            };
            let cite = l
                .cite
                .unwrap_or_else(|| m::AUDIT_NO_CITE.text(lang).to_string());
            let _ = writeln!(
                w,
                "{}",
                msg!(lang, AUDIT_HEAD, l.severity, l.rule, level, cite)
            );
            let _ = writeln!(w, "  {}", l.place);
            let _ = writeln!(w, "  {}", l.message);
            let _ = writeln!(w, "  {}", msg!(lang, AUDIT_LIST_NOT_MET, l.check));
            let _ = writeln!(w, "  {}", msg!(lang, AUDIT_LIST_FIGURES, l.figures));
        }
        for warning in end.warnings {
            let _ = writeln!(w, "{warning}");
        }
        clean_tail(out, start);
        if let Some(report) = end.census {
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

/// A figure as JSON: its decimal text (`≈` before a rounded one) and its exact fraction.
fn figure_json(v: &Result<Exact, Undefined>) -> serde_json::Value {
    match v {
        Ok(x) => {
            let (num, den) = x.parts();
            serde_json::json!({ "value": x.to_string(), "fraction": [num.to_string(), den.to_string()] })
        }
        Err(why) => serde_json::json!({ "value": null, "undefined": why.as_str() }),
    }
}

/// A list rule's finding as JSON; keys and figures never change with the language.
fn list_finding_json(rules: &RuleSet, f: &ListFinding) -> serde_json::Value {
    let rule = &rules.list_rules[f.rule];
    let group = group_value(rules, f, Lang::Zh).map(|(field, _)| {
        let value = match &f.group {
            GroupKey::Value(Value::Missing) | GroupKey::All => serde_json::Value::Null,
            GroupKey::Value(Value::Bool(b)) => serde_json::Value::Bool(*b),
            GroupKey::Value(Value::Int(n)) => (*n).into(),
            GroupKey::Value(v) => {
                let (entity, fi) = group_field(rule).unwrap_or((rule.entity, 0));
                let ty = rules.entities[entity].fields[fi].ty;
                display_value(rules, ty, v, Lang::Zh).into()
            }
        };
        serde_json::json!({ "field": field, "value": value })
    });
    let figures: Vec<serde_json::Value> = rule
        .aggregates
        .iter()
        .enumerate()
        .zip(&f.figures)
        .map(|((i, a), v)| {
            let mut j = figure_json(v);
            j["aggregate"] = a.text.clone().into();
            j["missing"] = f.missing.get(i).copied().unwrap_or(0).into();
            if a.fun == crate::ir::AggregateFn::Reduced {
                j["undetermined"] = f.undetermined.get(i).copied().unwrap_or(0).into();
            }
            if let Some(base) = f.bases.get(i).copied().flatten() {
                j["base"] = base.as_str().into();
                match base {
                    BaseSource::Data { records } => j["base_records"] = records.into(),
                    BaseSource::DataTotal {
                        entity,
                        field,
                        records,
                    } => {
                        let e = &rules.entities[entity];
                        j["base_records"] = records.into();
                        j["base_entity"] = e.name.clone().into();
                        j["base_field"] = e.fields[field].name.clone().into();
                    }
                    BaseSource::Declared => {}
                }
            }
            j
        })
        .collect();
    let at = match rule.levels {
        Some(_) => f.level.unwrap_or(0),
        None => 0,
    };
    serde_json::json!({
        "rule": rule.name,
        "severity": rule.severity.as_str(),
        "cite": rule.cite,
        "level": f.level.map(|l| level_name(rules, l)),
        "entity": rules.entities[rule.item.map_or(rule.entity, |i| i.entity)].name,
        "group": group,
        "check": rule.checks.get(f.check).map(|c| c.text.as_str()),
        "left": figure_json(&f.left),
        "right": figure_json(&f.right),
        "figures": figures,
        "message": rule.texts.get(at).and_then(Option::as_deref),
    })
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

    fn end(&self, out: &mut Vec<u8>, end: &AuditEnd<'_>) {
        let (errors, warnings, counts, tally, census) =
            (end.errors, end.warnings, end.counts, end.tally, end.census);
        let rules: &RuleSet = self.auditor.rules();
        out.extend_from_slice(b"\n],\n\"list_findings\":[");
        for (i, f) in end.lists.iter().enumerate() {
            out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            json_to(out, &list_finding_json(rules, f));
        }
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

    fn end(&self, out: &mut Vec<u8>, end: &AuditEnd<'_>) {
        let rules: &RuleSet = self.auditor.rules();
        // A group's finding in the same sheet: the group where a record's key would be, the
        // comparison not met after the message, the figures where a record's values are.
        for f in end.lists {
            let l = list_words(rules, f, self.lang);
            let message = format!(
                "{}；{}",
                l.message,
                msg!(self.lang, AUDIT_LIST_NOT_MET, l.check)
            );
            crate::report::xlsx::detail_row(
                out,
                [
                    l.severity,
                    &l.rule,
                    l.cite.as_deref().unwrap_or(""),
                    &l.level,
                    &l.entity,
                    &l.group,
                    "",
                    "",
                    "",
                    "",
                    "",
                    &message,
                    &l.figures,
                ],
            );
        }
        crate::report::xlsx::error_rows(out, rules, end.errors);
        if let Some(report) = end.census {
            super::census::write_rows(out, rules, report, self.lang);
        }
    }
}
