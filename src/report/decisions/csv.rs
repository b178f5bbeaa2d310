//! CSV output: one row per record × level × measure, in the interface language, in an
//! encoding Excel opens without asking.

use std::fmt::{self, Display, Write as _};

use super::{kind_text, level_name, status_text, subject, EffectiveText, EntryActionText, Fmt};
use crate::data::LoadedRecord;
use crate::eval::run::{Counts, ErrorEntry, OutputFormat};
use crate::eval::Decision;
use crate::ir::RuleSet;
use crate::messages::{m, Lang, Msg};
use crate::report::words::LiftingWords;

/// The bytes of CSV output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputEncoding {
    /// UTF-8 after a byte order mark: Excel reads UTF-8 only when the BOM tells it to, and
    /// opens a CSV without one in the system code page (GBK on Chinese Windows), garbling it.
    #[default]
    Utf8Bom,
    /// UTF-8 without a BOM, for programs that do not expect one.
    Utf8,
    /// GB18030, for older Excel and tools on Chinese Windows.
    Gb18030,
}

impl OutputEncoding {
    /// `utf-8` (no BOM), `utf-8-bom` / `utf-8-sig`, `gb18030` (also `gbk`, which it extends).
    pub fn parse(label: &str) -> Option<OutputEncoding> {
        match label.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Some(OutputEncoding::Utf8),
            "utf-8-bom" | "utf-8-sig" | "utf8-bom" => Some(OutputEncoding::Utf8Bom),
            "gb18030" | "gbk" | "gb2312" => Some(OutputEncoding::Gb18030),
            _ => None,
        }
    }
}

/// CSV: one row per record × level × measure (a record with no measure at a level still
/// gets a row), and a row per error. Headers and statuses are in the interface language.
pub struct Csv<'a> {
    rules: &'a RuleSet,
    lang: Lang,
    words: LiftingWords,
    encoding: OutputEncoding,
}

impl<'a> Csv<'a> {
    /// UTF-8 with a BOM.
    pub fn new(rules: &'a RuleSet, lang: Lang) -> Self {
        Csv {
            rules,
            lang,
            words: LiftingWords::new(rules),
            encoding: OutputEncoding::default(),
        }
    }

    pub fn with_encoding(mut self, encoding: OutputEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Re-encodes what was written from `start` on, when the output is not UTF-8. Done per
    /// record, in the formatting threads, so transcoding runs in parallel with the rest.
    fn encode_from(&self, out: &mut Vec<u8>, start: usize) {
        if self.encoding != OutputEncoding::Gb18030 || out[start..].is_ascii() {
            return;
        }
        let text = String::from_utf8_lossy(&out[start..]).into_owned();
        // GB18030 covers all of Unicode, so nothing is replaced.
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        out.truncate(start);
        out.extend_from_slice(&bytes);
    }
}

/// The column headers of a CSV row, in order.
pub(crate) const CSV_HEADERS: [Msg; 12] = [
    m::OUT_ENTITY,
    m::OUT_KEY,
    m::OUT_LEVEL,
    m::OUT_EFFECTIVE,
    m::OUT_MEASURE,
    m::OUT_KIND,
    m::OUT_STATUS,
    m::OUT_SUBJECT,
    m::OUT_ACTION,
    m::OUT_TEXT,
    m::OUT_CITE,
    m::OUT_EXEMPTED_BY,
];

/// Writes one CSV field: quoted when needed, and neutralised when a spreadsheet would run it
/// as a formula (a leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'` before it).
pub fn csv_field(out: &mut Vec<u8>, value: &dyn Display) {
    csv_field_with(out, |out| {
        let _ = write!(Fmt(out), "{value}");
    })
}

/// [`csv_field`] of what `write` appends to `out`.
pub fn csv_field_with(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    write(out);
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

impl OutputFormat for Csv<'_> {
    fn begin(&self, out: &mut Vec<u8>) {
        if self.encoding == OutputEncoding::Utf8Bom {
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        let start = out.len();
        let headers: Vec<&str> = CSV_HEADERS.iter().map(|h| h.text(self.lang)).collect();
        let fields: Vec<&dyn Display> = headers.iter().map(|h| h as &dyn Display).collect();
        csv_row(out, &fields);
        self.encode_from(out, start);
    }

    fn result(&self, out: &mut Vec<u8>, rec: &LoadedRecord, level: usize, d: &Decision) {
        let start = out.len();
        let rules = self.rules;
        let lang = self.lang;
        let entity = &rules.entities[rec.entity].name;
        let level_text = level_name(rules, level);
        let effective = EffectiveText {
            rules,
            lang,
            decision: d,
            none: "",
        };
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
            let lifted = self.words.of(e.measure as usize, e.status);
            let status = status_text(e.status, lang);
            let action = EntryActionText {
                rules,
                lang,
                entry: e,
                none: "",
            };
            let text = m.texts.get(level).and_then(Option::as_deref).unwrap_or("");
            let cite = m.cite_at(level).unwrap_or("");
            let by = lifted.map(|l| l.cell.as_str()).unwrap_or("");
            csv_row(
                out,
                &[
                    entity,
                    &rec.key,
                    &level_text,
                    &effective,
                    &m.name,
                    &kind_text(m.kind, lang),
                    &status,
                    &subject(rules, rec, e),
                    &action,
                    &text,
                    &cite,
                    &by,
                ],
            );
        }
        self.encode_from(out, start);
    }

    fn inline_error(&self, out: &mut Vec<u8>, error: &ErrorEntry) {
        let start = out.len();
        let e = &error.error;
        let level = error.level.map(|l| level_name(self.rules, l)).unwrap_or("");
        let status = m::OUT_ERROR.text(self.lang);
        let key = e.key.as_deref().unwrap_or("");
        let place = Place(e);
        csv_row(
            out,
            &[
                &e.entity, &key, &level, &"", &"", &"", &status, &place, &"", &e.message, &"", &"",
            ],
        );
        self.encode_from(out, start);
    }

    fn end(
        &self,
        _out: &mut Vec<u8>,
        _errors: &[ErrorEntry],
        _warnings: &[String],
        _counts: &Counts,
        _census: Option<&crate::eval::census::CensusReport>,
    ) {
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
