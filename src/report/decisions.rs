//! Decisions as JSON and as a text table.

use serde_json::{json, Value as Json};

use crate::data::{Dataset, LoadedRecord, RowError};
use crate::eval::run::Outcome;
use crate::eval::{EvalError, Status};
use crate::ir::{Action, Base, RuleSet, Value};

fn percent_text(hundredths: u32) -> String {
    if hundredths.is_multiple_of(100) {
        format!("{}%", hundredths / 100)
    } else {
        format!("{}%", hundredths as f64 / 100.0)
    }
}

/// An action as the policy would write it, in the policy's language.
pub fn action_text(rules: &RuleSet, a: Action) -> String {
    let zh = rules.chinese;
    let mut parts = Vec::new();
    let base = match a.base {
        Base::None => None,
        Base::Voluntary => Some(if zh {
            "自主减排".to_string()
        } else {
            "voluntary".into()
        }),
        Base::Limit { hundredths } => Some(format!(
            "{} {}",
            if zh { "限产" } else { "limit" },
            percent_text(hundredths)
        )),
        Base::StopPart {
            hundredths,
            by_line,
        } => Some(format!(
            "{} {}{}",
            if zh { "停产" } else { "stop" },
            percent_text(hundredths),
            match (by_line, zh) {
                (false, _) => "",
                (true, true) => " 以生产线计",
                (true, false) => " by_line",
            }
        )),
        Base::Stop => Some(if zh {
            "停产".to_string()
        } else {
            "stop".into()
        }),
        Base::CeaseUse => Some(if zh {
            "停用".to_string()
        } else {
            "cease_use".into()
        }),
    };
    parts.extend(base);
    for r in a.restriction_indices() {
        if let Some(info) = rules.restrictions.get(r) {
            parts.push(format!("{} {}", if zh { "禁止" } else { "ban" }, info.name));
        }
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(" + ")
    }
}

/// An action as structured JSON.
pub fn action_json(rules: &RuleSet, a: Action) -> Json {
    let (production, percent, by_line) = match a.base {
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
    let restrictions: Vec<Json> = a
        .restriction_indices()
        .filter_map(|r| rules.restrictions.get(r))
        .map(|r| json!({ "id": r.name, "wording": r.wording }))
        .collect();
    json!({
        "production": production,
        "percent": percent.map(|p| p as f64 / 100.0),
        "by_line": by_line,
        "restrictions": restrictions,
        "text": action_text(rules, a),
    })
}

fn level_name(rules: &RuleSet, l: usize) -> &str {
    rules.levels.get(l).map(|x| x.name.as_str()).unwrap_or("?")
}

/// The key of the subject of an entry: the record's, or the item's.
fn subject_key(rules: &RuleSet, rec: &LoadedRecord, measure: usize, item: Option<u32>) -> String {
    let m = &rules.measures[measure];
    match (m.item, item) {
        (Some(sub), Some(i)) => match rec.record.get(sub.field) {
            Value::List(items) => items
                .get(i as usize)
                .map(|it| crate::data::json::key_text(it.get(rules.entities[sub.entity].key)))
                .unwrap_or_default(),
            _ => String::new(),
        },
        _ => rec.key.clone(),
    }
}

pub fn eval_error_message(rules: &RuleSet, rec: &LoadedRecord, e: &EvalError) -> String {
    match e {
        EvalError::MissingCell {
            measure,
            table,
            keys,
        } => {
            let t = &rules.tables[*table];
            let names: Vec<String> = keys
                .iter()
                .zip(&t.dims)
                .map(|(k, d)| match d {
                    crate::ir::Dim::Level => level_name(rules, *k).to_string(),
                    crate::ir::Dim::Enum(e) => rules.enums[*e]
                        .variants
                        .get(*k)
                        .cloned()
                        .unwrap_or_default(),
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

fn entry_json(rules: &RuleSet, rec: &LoadedRecord, level: usize, e: &crate::eval::Entry) -> Json {
    let m = &rules.measures[e.measure as usize];
    let (status, exempted_by) = match e.status {
        Status::Applies => ("applies", Json::Null),
        Status::ExceptedBy(x) => {
            let ex = &m.exceptions[x as usize];
            (
                "exempt",
                json!({ "kind": "exception", "id": format!("{}#除外{}", m.name, x + 1), "cite": ex.cite }),
            )
        }
        Status::ExemptedBy(x) => {
            let ex = &rules.exemptions[x as usize];
            (
                "exempt",
                json!({ "kind": "exemption", "id": ex.name, "cite": ex.cite }),
            )
        }
    };
    let mut obj = json!({
        "measure": m.name,
        "kind": m.kind.as_str(),
        "status": status,
        "subject": subject_key(rules, rec, e.measure as usize, e.item),
        "action": e.action.map(|a| action_json(rules, a)),
        "text": m.texts.get(level).cloned().flatten(),
        "cite": m.cite,
    });
    if !exempted_by.is_null() {
        obj["exempted_by"] = exempted_by;
    }
    obj
}

/// One result object: a record at a level.
pub fn result_json(
    rules: &RuleSet,
    rec: &LoadedRecord,
    level: usize,
    d: &crate::eval::Decision,
) -> Json {
    let effective = (d.effective != Action::NONE).then(|| action_json(rules, d.effective));
    json!({
        "entity": rules.entities[rec.entity].name,
        "key": rec.key,
        "level": level_name(rules, level),
        "effective_action": effective,
        "measures": d.entries.iter().map(|e| entry_json(rules, rec, level, e)).collect::<Vec<_>>(),
    })
}

pub fn row_error_json(e: &RowError) -> Json {
    json!({
        "file": e.file,
        "entity": e.entity,
        "row": e.row,
        "column": e.column,
        "key": e.key,
        "message": e.message,
    })
}

/// Errors of evaluation, as row errors of the record they belong to.
pub fn eval_errors(
    rules: &RuleSet,
    ds: &Dataset,
    outcomes: &[Outcome],
) -> Vec<(RowError, Option<usize>)> {
    let mut out = Vec::new();
    for (rec, o) in ds.records.iter().zip(outcomes) {
        for (level, r) in &o.levels {
            if let Err(e) = r {
                out.push((
                    RowError {
                        file: ds.files.get(rec.file).cloned().unwrap_or_default(),
                        entity: rules.entities[rec.entity].name.clone(),
                        row: rec.row,
                        column: None,
                        key: Some(rec.key.clone()),
                        message: eval_error_message(rules, rec, e),
                    },
                    Some(*level),
                ));
            }
        }
    }
    out
}

pub struct Summary {
    pub records: usize,
    pub evaluated: usize,
    pub failed: usize,
}

pub fn summary(ds: &Dataset, outcomes: &[Outcome]) -> Summary {
    let eval_failed = outcomes.iter().filter(|o| o.failed()).count();
    Summary {
        records: ds.read,
        evaluated: outcomes.len() - eval_failed,
        failed: ds.errors.len() + eval_failed,
    }
}

pub fn report_json(rules: &RuleSet, ds: &Dataset, outcomes: &[Outcome]) -> Json {
    let mut results = Vec::new();
    for (rec, o) in ds.records.iter().zip(outcomes) {
        for (level, r) in &o.levels {
            if let Ok(d) = r {
                results.push(result_json(rules, rec, *level, d));
            }
        }
    }
    let mut errors: Vec<Json> = ds.errors.iter().map(row_error_json).collect();
    for (e, level) in eval_errors(rules, ds, outcomes) {
        let mut j = row_error_json(&e);
        j["level"] = json!(level.map(|l| level_name(rules, l)));
        errors.push(j);
    }
    let s = summary(ds, outcomes);
    json!({
        "policy": rules.plan.as_ref().map(|p| &p.title),
        "results": results,
        "errors": errors,
        "warnings": ds.warnings,
        "summary": { "records": s.records, "evaluated": s.evaluated, "failed": s.failed },
    })
}

/// A text report for reading in a terminal.
pub fn report_table(rules: &RuleSet, ds: &Dataset, outcomes: &[Outcome]) -> String {
    use std::fmt::Write;
    let zh = rules.chinese;
    let mut s = String::new();
    for (rec, o) in ds.records.iter().zip(outcomes) {
        for (level, r) in &o.levels {
            let Ok(d) = r else { continue };
            let _ = writeln!(
                s,
                "{} {} @ {}",
                rules.entities[rec.entity].name,
                rec.key,
                level_name(rules, *level)
            );
            let eff = if d.effective == Action::NONE {
                "-".to_string()
            } else {
                action_text(rules, d.effective)
            };
            let _ = writeln!(s, "  {}: {eff}", if zh { "综合要求" } else { "effective" });
            for e in &d.entries {
                let m = &rules.measures[e.measure as usize];
                let status = match e.status {
                    Status::Applies => (if zh { "适用" } else { "applies" }).to_string(),
                    Status::ExceptedBy(x) => format!(
                        "{} ({})",
                        if zh { "除外" } else { "excepted" },
                        m.exceptions[x as usize].cite.as_deref().unwrap_or("-")
                    ),
                    Status::ExemptedBy(x) => {
                        let ex = &rules.exemptions[x as usize];
                        format!(
                            "{} {} ({})",
                            if zh { "豁免" } else { "exempt" },
                            ex.name,
                            ex.cite.as_deref().unwrap_or("-")
                        )
                    }
                };
                let kind = match (m.kind, zh) {
                    (crate::ir::MeasureKind::Advisory, true) => "倡议性",
                    (crate::ir::MeasureKind::Mandatory, true) => "强制性",
                    (k, false) => k.as_str(),
                };
                let action = e
                    .action
                    .map(|a| action_text(rules, a))
                    .unwrap_or_else(|| "-".into());
                let subject = subject_key(rules, rec, e.measure as usize, e.item);
                let _ = writeln!(
                    s,
                    "  - {} [{kind}] {subject}: {action} | {status} | {}",
                    m.name,
                    m.cite.as_deref().unwrap_or("-")
                );
            }
        }
    }
    let mut errors: Vec<String> = ds
        .errors
        .iter()
        .map(|e| {
            format!(
                "{}:{}: {} {}{}: {}",
                e.file,
                e.row,
                e.entity,
                e.key.as_deref().unwrap_or(""),
                e.column
                    .as_ref()
                    .map(|c| format!(" [{c}]"))
                    .unwrap_or_default(),
                e.message
            )
        })
        .collect();
    errors.extend(eval_errors(rules, ds, outcomes).into_iter().map(|(e, l)| {
        format!(
            "{} {} @ {}: {}",
            e.entity,
            e.key.unwrap_or_default(),
            l.map(|l| level_name(rules, l)).unwrap_or("?"),
            e.message
        )
    }));
    if !errors.is_empty() {
        let _ = writeln!(s, "{}:", if zh { "错误" } else { "errors" });
        for e in errors {
            let _ = writeln!(s, "  {e}");
        }
    }
    let sm = summary(ds, outcomes);
    let _ = writeln!(
        s,
        "records {}, evaluated {}, failed {}",
        sm.records, sm.evaluated, sm.failed
    );
    s
}
