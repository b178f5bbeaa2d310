//! Public lists, as `publish` writes them: CSV (one list), JSON (every list) and an XLSX
//! workbook (a sheet per list). Only the rows [`crate::publish::Publisher`] chose reach a
//! format, and a format writes only a disclosure's fields: nothing else of a record, no
//! error, no count of what was withheld.

use crate::data::LoadedRecord;
use crate::ir::{DisclosureInfo, FieldType, Record, RuleSet, Value};
use crate::messages::Lang;
use crate::publish::{PublicFormat, Row, Tally};
use crate::report::decisions::csv::{csv_field, csv_field_with};
use crate::report::decisions::json::write_str;
use crate::report::xlsx::{cell_with, list_row, set_names, write_value};

/// The column headers of a list: for a list of items the parent's key first, then the
/// published fields (the key first) by their names in the plan.
pub fn headers(rules: &RuleSet, d: &DisclosureInfo, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    if d.item.is_some() {
        let parent = &rules.entities[d.entity];
        let key = &parent.fields[parent.key].name;
        out.push(crate::msg!(lang, PUBLIC_PARENT_KEY, parent.name, key));
    }
    let entity = &rules.entities[d.subject_entity()];
    out.extend(d.fields.iter().map(|&f| entity.fields[f].name.clone()));
    out
}

/// The record a row publishes (the item, for a list of items) and its parent's key value.
fn subject<'r>(
    rules: &RuleSet,
    rec: &'r LoadedRecord,
    row: &Row,
) -> Option<(&'r Record, Option<&'r Value>)> {
    let d = &rules.disclosures[row.disclosure as usize];
    match (d.item, row.item) {
        (None, _) => Some((&rec.record, None)),
        (Some(subject), Some(i)) => match rec.record.get(subject.field) {
            Value::List(items) => {
                let key = rules.entities[d.entity].key;
                items
                    .get(i as usize)
                    .map(|it| (it, Some(rec.record.get(key))))
            }
            _ => None,
        },
        (Some(_), None) => None,
    }
}

/// The cells of a row: the parent's key for an item, then each published field's value.
fn cells<'r>(
    rules: &'r RuleSet,
    rec: &'r LoadedRecord,
    row: &Row,
) -> impl Iterator<Item = (FieldType, &'r Value)> + 'r {
    let d = &rules.disclosures[row.disclosure as usize];
    let parent = &rules.entities[d.entity];
    let entity = &rules.entities[d.subject_entity()];
    let found = subject(rules, rec, row);
    let parent_key = found
        .and_then(|(_, k)| k)
        .map(|k| (parent.fields[parent.key].ty, k));
    let fields = found.map(|(record, _)| {
        d.fields
            .iter()
            .map(move |&f| (entity.fields[f].ty, record.get(f)))
    });
    parent_key.into_iter().chain(fields.into_iter().flatten())
}

/// One list as CSV: a header line, then one line per row, UTF-8 after a byte order mark
/// (so Excel reads it), cells guarded against formulas.
pub struct PublicCsv<'a> {
    rules: &'a RuleSet,
    list: usize,
    lang: Lang,
}

impl<'a> PublicCsv<'a> {
    pub fn new(rules: &'a RuleSet, list: usize, lang: Lang) -> Self {
        PublicCsv { rules, list, lang }
    }
}

impl PublicFormat for PublicCsv<'_> {
    fn begin(&self, out: &mut Vec<u8>) {
        out.extend_from_slice("\u{feff}".as_bytes());
        let d = &self.rules.disclosures[self.list];
        for (i, h) in headers(self.rules, d, self.lang).iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            csv_field(out, h);
        }
        out.extend_from_slice(b"\r\n");
    }

    fn record(&self, out: &mut Vec<u8>, rec: &LoadedRecord, rows: &[Row]) {
        let (rules, lang) = (self.rules, self.lang);
        for row in rows.iter().filter(|r| r.disclosure as usize == self.list) {
            for (i, (ty, v)) in cells(rules, rec, row).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                csv_field_with(out, |o| write_value(o, rules, ty, v, lang));
            }
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Every list as one JSON document: `lists` (name, entity, citation, columns) and `rows`
/// (`list`, `parent` for an item, `values` by field name), streamed row by row. Yes/no values
/// are booleans, numbers numbers, sets arrays of names, everything else its text; a missing
/// value is `null`.
pub struct PublicJson<'a> {
    rules: &'a RuleSet,
    lang: Lang,
}

impl<'a> PublicJson<'a> {
    pub fn new(rules: &'a RuleSet, lang: Lang) -> Self {
        PublicJson { rules, lang }
    }

    fn value(&self, out: &mut Vec<u8>, ty: FieldType, v: &Value) {
        use std::io::Write as _;
        let rules = self.rules;
        match (ty, v) {
            (_, Value::Missing | Value::Elided | Value::List(_)) => out.extend_from_slice(b"null"),
            (_, Value::Bool(b)) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            (_, Value::Int(n)) => {
                let _ = write!(out, "{n}");
            }
            (_, Value::Num(n)) if n.is_finite() => {
                let _ = write!(out, "{n}");
            }
            (FieldType::Set(elem), Value::Set(bits)) => {
                out.push(b'[');
                for (i, name) in set_names(rules, *bits, elem).enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, name);
                }
                out.push(b']');
            }
            _ => {
                let mut text = Vec::new();
                write_value(&mut text, rules, ty, v, self.lang);
                write_str(out, &String::from_utf8_lossy(&text));
            }
        }
    }
}

impl PublicFormat for PublicJson<'_> {
    fn begin(&self, out: &mut Vec<u8>) {
        let rules = self.rules;
        out.extend_from_slice(b"{\"format\":\"policyc-public\",\"version\":1,\"lists\":[");
        for (i, d) in rules.disclosures.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"name\":");
            write_str(out, &d.name);
            out.extend_from_slice(b",\"entity\":");
            write_str(out, &rules.entities[d.subject_entity()].name);
            out.extend_from_slice(b",\"cite\":");
            match &d.cite {
                Some(c) => write_str(out, c),
                None => out.extend_from_slice(b"null"),
            }
            out.extend_from_slice(b",\"fields\":[");
            let entity = &rules.entities[d.subject_entity()];
            for (j, &f) in d.fields.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                write_str(out, &entity.fields[f].name);
            }
            out.extend_from_slice(b"]}");
        }
        out.extend_from_slice(b"],\"rows\":[\n");
    }

    fn separator(&self) -> &'static [u8] {
        b",\n"
    }

    fn record(&self, out: &mut Vec<u8>, rec: &LoadedRecord, rows: &[Row]) {
        let rules = self.rules;
        for row in rows {
            // Before every row: the driver drops it before the very first.
            out.extend_from_slice(b",\n");
            let d = &rules.disclosures[row.disclosure as usize];
            let entity = &rules.entities[d.subject_entity()];
            out.extend_from_slice(b"{\"list\":");
            write_str(out, &d.name);
            let Some((record, parent)) = subject(rules, rec, row) else {
                out.extend_from_slice(b",\"values\":{}}");
                continue;
            };
            if let Some(key) = parent {
                let p = &rules.entities[d.entity];
                out.extend_from_slice(b",\"parent\":");
                self.value(out, p.fields[p.key].ty, key);
            }
            out.extend_from_slice(b",\"values\":{");
            for (j, &f) in d.fields.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                write_str(out, &entity.fields[f].name);
                out.push(b':');
                self.value(out, entity.fields[f].ty, record.get(f));
            }
            out.extend_from_slice(b"}}");
        }
    }

    fn end(&self, out: &mut Vec<u8>, tally: Tally) {
        use std::io::Write as _;
        let _ = write!(out, "\n],\"rows_written\":{}}}\n", tally.rows);
    }
}

/// Every list as a workbook sheet, through [`crate::report::xlsx::XlsxSink::for_public`]:
/// tagged rows the sink writes to the list's sheet.
pub struct PublicXlsx<'a> {
    rules: &'a RuleSet,
    lang: Lang,
}

impl<'a> PublicXlsx<'a> {
    pub fn new(rules: &'a RuleSet, lang: Lang) -> Self {
        PublicXlsx { rules, lang }
    }

    /// Each list's sheet: its name and headers.
    pub fn sheets(&self) -> Vec<(String, Vec<String>)> {
        self.rules
            .disclosures
            .iter()
            .map(|d| (d.name.clone(), headers(self.rules, d, self.lang)))
            .collect()
    }
}

impl PublicFormat for PublicXlsx<'_> {
    fn record(&self, out: &mut Vec<u8>, rec: &LoadedRecord, rows: &[Row]) {
        let (rules, lang) = (self.rules, self.lang);
        for row in rows {
            list_row(out, row.disclosure as usize, |out| {
                for (ty, v) in cells(rules, rec, row) {
                    cell_with(out, |o| write_value(o, rules, ty, v, lang));
                }
            });
        }
    }
}
