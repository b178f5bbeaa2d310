//! The census of a run (`--census`, [`crate::eval::census`]) as text, as a JSON object and
//! as the rows of a workbook's 普查 sheet. Every output format of `eval` and `audit` writes
//! it through these three functions.

use std::fmt::Write as _;

use super::decisions::{level_name, Fmt};
use crate::eval::census::{cell_key_names, CensusReport, NeverApplied};
use crate::ir::RuleSet;
use crate::messages::{list_sep, m, Lang};
use crate::msg;
use crate::report::terminal::clean_tail;

fn reason_text(reason: NeverApplied, lang: Lang) -> &'static str {
    match reason {
        NeverApplied::NoSubject => m::CENSUS_NO_SUBJECT.text(lang),
        NeverApplied::ConditionNeverHeld => m::CENSUS_CONDITION.text(lang),
        NeverApplied::AlwaysLifted => m::CENSUS_LIFTED.text(lang),
        NeverApplied::Failed => m::CENSUS_FAILED.text(lang),
    }
}

fn cite_text(cite: Option<&str>, lang: Lang) -> String {
    cite.map(|c| msg!(lang, CENSUS_CITE, c)).unwrap_or_default()
}

/// The file a record came from, as the user named it.
fn file_name(report: &CensusReport, file: usize) -> &str {
    report.files.get(file).map_or("", String::as_str)
}

/// An exception's number as people count (from 1).
fn exception_text(rules: &RuleSet, measure: usize, index: usize, lang: Lang) -> String {
    msg!(
        lang,
        CENSUS_EXCEPTION,
        rules.measures[measure].name,
        index + 1
    )
}

/// The levels of the census, joined.
fn levels_text(rules: &RuleSet, report: &CensusReport, lang: Lang) -> String {
    report
        .levels
        .iter()
        .map(|&l| level_name(rules, l))
        .collect::<Vec<_>>()
        .join(list_sep(lang))
}

/// The census as text: a head, then per kind a count line and what never fired, indented.
/// Cells that differ only in their last key share a line.
pub fn write_text(out: &mut Vec<u8>, rules: &RuleSet, report: &CensusReport, lang: Lang) {
    let start = out.len();
    let mut w = Fmt(out);
    let _ = writeln!(
        w,
        "{}",
        msg!(lang, CENSUS_HEAD, levels_text(rules, report, lang))
    );
    let (measures, cells) = (&report.measures, &report.cells);
    let _ = writeln!(
        w,
        "  {}",
        msg!(
            lang,
            CENSUS_MEASURES,
            measures.never.len(),
            measures.considered
        )
    );
    for &(mi, reason) in &measures.never {
        let info = &rules.measures[mi];
        let _ = writeln!(
            w,
            "    {}{}{}",
            info.name,
            cite_text(info.cite.as_deref(), lang),
            msg!(lang, CENSUS_BECAUSE, reason_text(reason, lang))
        );
    }
    let _ = writeln!(
        w,
        "  {}",
        msg!(lang, CENSUS_CELLS, cells.never.len(), cells.considered)
    );
    let mut i = 0;
    while i < cells.never.len() {
        let (table, keys) = &cells.never[i];
        let head = keys.len().saturating_sub(1);
        let group = cells.never[i..]
            .iter()
            .take_while(|(t, k)| t == table && k.len() == keys.len() && k[..head] == keys[..head])
            .count();
        let names = cell_key_names(rules, *table, keys);
        let last: Vec<&str> = cells.never[i..i + group]
            .iter()
            .filter_map(|(t, k)| cell_key_names(rules, *t, k).last().copied())
            .collect();
        let _ = writeln!(
            w,
            "    {}",
            msg!(
                lang,
                CENSUS_CELL_GROUP,
                rules.tables[*table].name,
                names[..head.min(names.len())].join(", "),
                last.join(list_sep(lang))
            )
        );
        i += group;
    }
    let exceptions = &report.exceptions;
    let _ = writeln!(
        w,
        "  {}",
        msg!(
            lang,
            CENSUS_EXCEPTIONS,
            exceptions.never.len(),
            exceptions.considered
        )
    );
    for &(mi, xi) in &exceptions.never {
        let cite = rules.measures[mi].exceptions[xi].cite.as_deref();
        let _ = writeln!(
            w,
            "    {}{}",
            exception_text(rules, mi, xi, lang),
            cite_text(cite, lang)
        );
    }
    let exemptions = &report.exemptions;
    let _ = writeln!(
        w,
        "  {}",
        msg!(
            lang,
            CENSUS_EXEMPTIONS,
            exemptions.never.len(),
            exemptions.considered
        )
    );
    for &xi in &exemptions.never {
        let x = &rules.exemptions[xi];
        let _ = writeln!(w, "    {}{}", x.name, cite_text(x.cite.as_deref(), lang));
    }
    let _ = writeln!(
        w,
        "  {}",
        msg!(lang, CENSUS_RECORDS, report.unconcerned, report.records)
    );
    for u in &report.first {
        let mut file = file_name(report, u.file).to_string();
        if let Some(sheet) = &u.sheet {
            file.push_str(&format!(" [{sheet}]"));
        }
        let entity = &rules.entities[u.entity].name;
        let _ = writeln!(
            w,
            "    {}",
            msg!(lang, AUDIT_RECORD, entity, u.key, file, u.row)
        );
    }
    let more = report.unconcerned.saturating_sub(report.first.len() as u64);
    if more > 0 {
        let _ = writeln!(w, "    {}", msg!(lang, CENSUS_MORE, more));
    }
    // Keys and file names come from the data: shown, not obeyed.
    clean_tail(out, start);
}

/// The census as a JSON value, with keys that never change with the language.
pub fn json(rules: &RuleSet, report: &CensusReport) -> serde_json::Value {
    use serde_json::json;
    let levels: Vec<&str> = report
        .levels
        .iter()
        .map(|&l| level_name(rules, l))
        .collect();
    let measures: Vec<_> = report
        .measures
        .never
        .iter()
        .map(|&(mi, reason)| {
            let info = &rules.measures[mi];
            json!({ "measure": info.name, "cite": info.cite, "reason": reason.as_str() })
        })
        .collect();
    let cells: Vec<_> = report
        .cells
        .never
        .iter()
        .map(|(t, keys)| {
            json!({ "table": rules.tables[*t].name, "keys": cell_key_names(rules, *t, keys) })
        })
        .collect();
    let exceptions: Vec<_> = report
        .exceptions
        .never
        .iter()
        .map(|&(mi, xi)| {
            json!({
                "measure": rules.measures[mi].name,
                "index": xi,
                "cite": rules.measures[mi].exceptions[xi].cite,
            })
        })
        .collect();
    let exemptions: Vec<_> = report
        .exemptions
        .never
        .iter()
        .map(|&xi| {
            let x = &rules.exemptions[xi];
            json!({ "exemption": x.name, "cite": x.cite })
        })
        .collect();
    let first: Vec<_> = report
        .first
        .iter()
        .map(|u| {
            let mut v = json!({
                "entity": rules.entities[u.entity].name,
                "key": u.key,
                "file": file_name(report, u.file),
                "row": u.row,
            });
            if let (Some(sheet), Some(map)) = (&u.sheet, v.as_object_mut()) {
                map.insert("sheet".into(), json!(&**sheet));
            }
            v
        })
        .collect();
    json!({
        "levels": levels,
        "measures": { "considered": report.measures.considered, "never_applied": measures },
        "cells": { "considered": report.cells.considered, "never_used": cells },
        "exceptions": { "considered": report.exceptions.considered, "never_held": exceptions },
        "exemptions": { "considered": report.exemptions.considered, "never_lifted": exemptions },
        "records": {
            "decided": report.records,
            "unconcerned": report.unconcerned,
            "first": first,
        },
    })
}

/// Writes `"census":{…}` (the key and the object) for a JSON document.
pub fn write_json_member(out: &mut Vec<u8>, rules: &RuleSet, report: &CensusReport) {
    out.extend_from_slice(b"\"census\":");
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &json(rules, report));
}

/// The rows of a workbook's 普查 sheet: per kind a row with its count, then one row per
/// thing that never fired (kind, item, citation, detail, and file, sheet and row for a
/// record).
pub fn write_rows(out: &mut Vec<u8>, rules: &RuleSet, report: &CensusReport, lang: Lang) {
    let row = |out: &mut Vec<u8>, cells: [&str; 7]| super::xlsx::census_row(out, cells);
    let kind = m::CENSUS_KIND_MEASURE.text(lang);
    let (measures, cells) = (&report.measures, &report.cells);
    let count = msg!(
        lang,
        CENSUS_MEASURES,
        measures.never.len(),
        measures.considered
    );
    row(out, [kind, "", "", &count, "", "", ""]);
    for &(mi, reason) in &measures.never {
        let info = &rules.measures[mi];
        let cite = info.cite.as_deref().unwrap_or("");
        row(
            out,
            [
                kind,
                &info.name,
                cite,
                reason_text(reason, lang),
                "",
                "",
                "",
            ],
        );
    }
    let kind = m::CENSUS_KIND_CELL.text(lang);
    let count = msg!(lang, CENSUS_CELLS, cells.never.len(), cells.considered);
    row(out, [kind, "", "", &count, "", "", ""]);
    for (t, keys) in &cells.never {
        let item = format!(
            "{}[{}]",
            rules.tables[*t].name,
            cell_key_names(rules, *t, keys).join(", ")
        );
        row(out, [kind, &item, "", "", "", "", ""]);
    }
    let kind = m::CENSUS_KIND_EXCEPTION.text(lang);
    let exceptions = &report.exceptions;
    let count = msg!(
        lang,
        CENSUS_EXCEPTIONS,
        exceptions.never.len(),
        exceptions.considered
    );
    row(out, [kind, "", "", &count, "", "", ""]);
    for &(mi, xi) in &exceptions.never {
        let cite = rules.measures[mi].exceptions[xi].cite.as_deref();
        let item = exception_text(rules, mi, xi, lang);
        row(out, [kind, &item, cite.unwrap_or(""), "", "", "", ""]);
    }
    let kind = m::CENSUS_KIND_EXEMPTION.text(lang);
    let exemptions = &report.exemptions;
    let count = msg!(
        lang,
        CENSUS_EXEMPTIONS,
        exemptions.never.len(),
        exemptions.considered
    );
    row(out, [kind, "", "", &count, "", "", ""]);
    for &xi in &exemptions.never {
        let x = &rules.exemptions[xi];
        row(
            out,
            [
                kind,
                &x.name,
                x.cite.as_deref().unwrap_or(""),
                "",
                "",
                "",
                "",
            ],
        );
    }
    let kind = m::CENSUS_KIND_RECORD.text(lang);
    let count = msg!(lang, CENSUS_RECORDS, report.unconcerned, report.records);
    row(out, [kind, "", "", &count, "", "", ""]);
    for u in &report.first {
        let item = format!("{} {}", rules.entities[u.entity].name, u.key);
        let line = u.row.to_string();
        row(
            out,
            [
                kind,
                &item,
                "",
                "",
                file_name(report, u.file),
                u.sheet.as_deref().unwrap_or(""),
                &line,
            ],
        );
    }
    let more = report.unconcerned.saturating_sub(report.first.len() as u64);
    if more > 0 {
        let text = msg!(lang, CENSUS_MORE, more);
        row(out, [kind, "", "", &text, "", "", ""]);
    }
}
