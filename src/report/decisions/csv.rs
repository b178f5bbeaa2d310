//! CSV output (and the rows XLSX output is made of).

use std::fmt::{self, Display, Write as _};

use super::{kind_text, level_name, subject, ActionText, ExemptBy, Fmt};
use crate::data::LoadedRecord;
use crate::eval::run::{Counts, ErrorEntry, OutputFormat};
use crate::eval::Decision;
use crate::ir::{Action, RuleSet};

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
