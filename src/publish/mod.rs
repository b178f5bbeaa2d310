//! Publish: validated rule set × record → what of it is public under the plan's disclosures
//! (`公开`), fail closed.
//!
//! A record is **withheld** when a `除外` of any disclosure of its entity holds, or reads a
//! value the record does not have (a `涉密` cell left empty is not "not classified"). A
//! withheld record is in no list, and neither are its items. Otherwise it is in each
//! disclosure of its entity whose `当` holds (a `当` that reads a missing value does not
//! hold, whatever `非` around it says); its items are published under a disclosure of items
//! when the record is in at least one list, on the same terms. Rows that do not load are
//! never published: the driver reports them, and the output formats have no place for them.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::data::source::RecordSource;
use crate::data::LoadedRecord;
use crate::eval::census::CensusReport;
use crate::eval::run::{self, Counts, ErrorEntry, Job, OutputFormat, RunError};
use crate::eval::{eval_condition, Decision, Frames};
use crate::ir::{DisclosureInfo, EntityId, Expr, Record, RuleSet, ValidRuleSet, Value};

/// One published row: a disclosure, and the item of the record it publishes (`None`: the
/// record itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The disclosure's index in the rule set's `disclosures`.
    pub disclosure: u32,
    /// The item's index in the disclosure's list field, for a disclosure of items.
    pub item: Option<u32>,
}

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// In at least one list.
    Published,
    /// Withheld by a `除外` that held.
    Withheld,
    /// Withheld because a `除外` read a value the record does not have.
    Unreadable,
    /// No disclosure of its entity selects it (or none exists).
    NotListed,
}

/// Decides what of each record is public. A view: making one costs nothing.
#[derive(Clone, Copy)]
pub struct Publisher<'r> {
    valid: &'r ValidRuleSet,
}

impl<'r> Publisher<'r> {
    pub fn new(valid: &'r ValidRuleSet) -> Self {
        Publisher { valid }
    }

    pub fn rules(&self) -> &'r ValidRuleSet {
        self.valid
    }

    pub fn disclosures(&self) -> &'r [DisclosureInfo] {
        let rules: &'r RuleSet = self.valid;
        &rules.disclosures
    }

    /// Appends to `out` the rows `record` (of `entity`) publishes — under the disclosures of
    /// its entity in their order, then its items under the disclosures of items — and says
    /// what became of it. Allocates nothing once `out` has grown.
    pub fn judge(&self, entity: EntityId, record: &Record, out: &mut Vec<Row>) -> Verdict {
        let rules: &RuleSet = self.valid;
        let entity = entity.index();
        let root = Frames::root(record);
        let mine = || {
            rules
                .disclosures
                .iter()
                .enumerate()
                .filter(move |(_, d)| d.entity == entity)
        };
        let mut verdict = Verdict::NotListed;
        for (_, d) in mine().filter(|(_, d)| d.item.is_none()) {
            match withheld(rules, d, root) {
                Some(Verdict::Unreadable) => return Verdict::Unreadable,
                Some(_) => verdict = Verdict::Withheld,
                None => {}
            }
        }
        if verdict == Verdict::Withheld {
            return verdict;
        }
        let start = out.len();
        for (di, d) in mine().filter(|(_, d)| d.item.is_none()) {
            if selects(rules, d.condition.as_ref(), root) {
                out.push(Row {
                    disclosure: di as u32,
                    item: None,
                });
            }
        }
        if out.len() == start {
            return Verdict::NotListed;
        }
        for (di, d) in mine() {
            let Some(subject) = d.item else { continue };
            let Value::List(items) = record.get(subject.field) else {
                continue;
            };
            for (i, it) in items.iter().enumerate() {
                let frames = root.push(it);
                if withheld(rules, d, frames).is_none()
                    && selects(rules, d.condition.as_ref(), frames)
                {
                    out.push(Row {
                        disclosure: di as u32,
                        item: Some(i as u32),
                    });
                }
            }
        }
        Verdict::Published
    }
}

/// Whether a disclosure's `除外` withholds the record in `frames`: `Some(Withheld)` when one
/// holds, `Some(Unreadable)` when one reads a missing value, `None` when it is public.
fn withheld(rules: &RuleSet, d: &DisclosureInfo, frames: Frames<'_>) -> Option<Verdict> {
    let mut verdict = None;
    for x in &d.withheld {
        if reads_missing(&x.condition, frames) {
            return Some(Verdict::Unreadable);
        }
        if eval_condition(rules, &x.condition, frames, 0) {
            verdict = Some(Verdict::Withheld);
        }
    }
    verdict
}

/// Whether a `当` selects the record: it holds and reads no missing value.
fn selects(rules: &RuleSet, condition: Option<&Expr>, frames: Frames<'_>) -> bool {
    condition.is_none_or(|c| !reads_missing(c, frames) && eval_condition(rules, c, frames, 0))
}

/// Whether the condition reads a value the record (or an item it quantifies over) does not
/// have. `有值` (present) is the one test that asks about a missing value, so it does not
/// count.
fn reads_missing(e: &Expr, frames: Frames<'_>) -> bool {
    match e {
        Expr::Present(_) | Expr::Const(_) => false,
        Expr::Not(inner) => reads_missing(inner, frames),
        Expr::And(es) | Expr::Or(es) => es.iter().any(|x| reads_missing(x, frames)),
        Expr::Any { list, body } | Expr::All { list, body } => match frames.get(*list) {
            Value::List(items) => items.iter().any(|it| reads_missing(body, frames.push(it))),
            _ => true,
        },
        other => {
            let mut missing = false;
            other.for_each_field(&mut |r| {
                missing |= matches!(frames.get(r), Value::Missing | Value::Elided)
            });
            missing
        }
    }
}

/// How many records became what.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Records in at least one list.
    pub published: usize,
    /// Rows written (records and items, over all lists).
    pub rows: usize,
    /// Withheld by a `除外` that held.
    pub withheld: usize,
    /// Withheld because a `除外` could not be read.
    pub unreadable: usize,
    /// In no list.
    pub not_listed: usize,
}

/// How public rows are written. Implementations format into byte buffers from several
/// threads at once; the driver writes the buffers in input order. A format never sees a
/// row that did not load.
pub trait PublicFormat: Sync {
    /// Written once, before anything else.
    fn begin(&self, _out: &mut Vec<u8>) {}
    /// Bytes every written record starts with; dropped before the very first one.
    fn separator(&self) -> &'static [u8] {
        b""
    }
    /// The rows of one record (never called with none).
    fn record(&self, out: &mut Vec<u8>, rec: &LoadedRecord, rows: &[Row]);
    /// Written once at the end.
    fn end(&self, _out: &mut Vec<u8>, _tally: Tally) {}
}

/// Judging each record, written by a public format.
struct Publish<'a> {
    publisher: Publisher<'a>,
    format: &'a dyn PublicFormat,
    published: AtomicUsize,
    rows: AtomicUsize,
    withheld: AtomicUsize,
    unreadable: AtomicUsize,
    not_listed: AtomicUsize,
    /// Rows written per disclosure.
    per_list: Vec<AtomicUsize>,
    /// The rows that did not load, kept out of the public output for the caller to report.
    errors: Mutex<Vec<ErrorEntry>>,
}

impl Publish<'_> {
    fn tally(&self) -> Tally {
        Tally {
            published: self.published.load(Ordering::Relaxed),
            rows: self.rows.load(Ordering::Relaxed),
            withheld: self.withheld.load(Ordering::Relaxed),
            unreadable: self.unreadable.load(Ordering::Relaxed),
            not_listed: self.not_listed.load(Ordering::Relaxed),
        }
    }
}

impl Job for Publish<'_> {
    type Scratch = Vec<Row>;

    fn begin(&self, out: &mut Vec<u8>) {
        self.format.begin(out)
    }

    fn separator(&self) -> &'static [u8] {
        self.format.separator()
    }

    fn record(
        &self,
        rows: &mut Vec<Row>,
        out: &mut Vec<u8>,
        _errors: &mut Vec<ErrorEntry>,
        rec: &LoadedRecord,
    ) -> bool {
        rows.clear();
        let Some(entity) = self.publisher.rules().entity_id(rec.entity) else {
            self.not_listed.fetch_add(1, Ordering::Relaxed);
            return true;
        };
        let counter = match self.publisher.judge(entity, &rec.record, rows) {
            Verdict::Published => &self.published,
            Verdict::Withheld => &self.withheld,
            Verdict::Unreadable => &self.unreadable,
            Verdict::NotListed => &self.not_listed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if !rows.is_empty() {
            self.rows.fetch_add(rows.len(), Ordering::Relaxed);
            for r in rows.iter() {
                if let Some(n) = self.per_list.get(r.disclosure as usize) {
                    n.fetch_add(1, Ordering::Relaxed);
                }
            }
            self.format.record(out, rec, rows);
        }
        true
    }

    fn end(&self, out: &mut Vec<u8>, errors: &[ErrorEntry], _w: &[String], _c: &Counts) {
        if let Ok(mut kept) = self.errors.lock() {
            kept.extend_from_slice(errors);
        }
        self.format.end(out, self.tally())
    }
}

/// What a run read and published, and what it kept out of the public output.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub counts: Counts,
    pub tally: Tally,
    /// Rows written per disclosure, in the rule set's order.
    pub rows_per_list: Vec<usize>,
    /// The rows that did not load, for the caller to report elsewhere than the public file.
    pub errors: Vec<ErrorEntry>,
    pub warnings: Vec<String>,
}

/// Reads every item of `source`, judges each record, and writes the public rows to `sink`
/// in input order.
pub fn run(
    publisher: Publisher<'_>,
    source: &mut dyn RecordSource,
    format: &dyn PublicFormat,
    sink: &mut dyn Write,
) -> Result<Outcome, RunError> {
    let job = Publish {
        publisher,
        format,
        published: AtomicUsize::new(0),
        rows: AtomicUsize::new(0),
        withheld: AtomicUsize::new(0),
        unreadable: AtomicUsize::new(0),
        not_listed: AtomicUsize::new(0),
        per_list: publisher
            .disclosures()
            .iter()
            .map(|_| AtomicUsize::new(0))
            .collect(),
        errors: Mutex::new(Vec::new()),
    };
    let (counts, warnings) = run::stream(&job, source, sink)?;
    let tally = job.tally();
    let errors = job.errors.into_inner().unwrap_or_default();
    let rows_per_list = job
        .per_list
        .iter()
        .map(|n| n.load(Ordering::Relaxed))
        .collect();
    Ok(Outcome {
        counts,
        tally,
        rows_per_list,
        errors,
        warnings,
    })
}

/// The rule set as a public output shows it: a field is shown (`显示`) only when a disclosure
/// of its entity publishes it, so every output format built over it shows no other field (the
/// key of a published record is always published).
pub fn public_rules(rules: &RuleSet) -> RuleSet {
    let mut public = rules.clone();
    for (e, entity) in public.entities.iter_mut().enumerate() {
        for (f, field) in entity.fields.iter_mut().enumerate() {
            field.display &= rules
                .disclosures
                .iter()
                .any(|d| d.subject_entity() == e && d.fields.contains(&f));
        }
    }
    public
}

/// An output format for the public (`eval --public`): only records a disclosure publishes
/// reach the inner format, with only the entries about the record itself or about items
/// published with it; rows that did not load, records whose evaluation failed and the
/// loading warnings are left out (the command tells them on standard error), and the counts
/// it states are of what it shows. Build the inner format over [`public_rules`], so that it
/// shows only public fields.
pub struct PublicView<'a> {
    publisher: Publisher<'a>,
    inner: &'a dyn OutputFormat,
    /// The first level decided: a record is counted once, at it.
    first_level: usize,
    shown: AtomicUsize,
    kept_out: AtomicUsize,
    /// The errors the run ended with, kept out of the output.
    errors: Mutex<Vec<ErrorEntry>>,
}

thread_local! {
    /// Per thread, reused: the rows a record publishes and its decision as shown.
    static VIEW_SCRATCH: std::cell::RefCell<(Vec<Row>, Decision)> = Default::default();
}

impl<'a> PublicView<'a> {
    pub fn new(publisher: Publisher<'a>, inner: &'a dyn OutputFormat, levels: &[usize]) -> Self {
        PublicView {
            publisher,
            inner,
            first_level: levels.first().copied().unwrap_or(0),
            shown: AtomicUsize::new(0),
            kept_out: AtomicUsize::new(0),
            errors: Mutex::new(Vec::new()),
        }
    }

    /// The counts the public output states: the records it shows, as many decided, and
    /// nothing of what it keeps out (as `publish` states no count of what was withheld).
    pub fn public_counts(&self) -> Counts {
        let shown = self.shown.load(Ordering::Relaxed);
        Counts {
            records: shown,
            evaluated: shown,
            failed: 0,
            skipped: 0,
        }
    }

    /// The rows that did not load and the records whose evaluation failed, in input order:
    /// what the public output leaves out, for the caller to report elsewhere.
    pub fn take_errors(&self) -> Vec<ErrorEntry> {
        std::mem::take(&mut *self.errors.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// How many records were shown, and how many kept out (withheld, or in no list).
    pub fn counts(&self) -> (usize, usize) {
        (
            self.shown.load(Ordering::Relaxed),
            self.kept_out.load(Ordering::Relaxed),
        )
    }
}

impl OutputFormat for PublicView<'_> {
    fn begin(&self, out: &mut Vec<u8>) {
        self.inner.begin(out)
    }

    fn separator(&self) -> &'static [u8] {
        self.inner.separator()
    }

    fn result(&self, out: &mut Vec<u8>, rec: &LoadedRecord, level: usize, decision: &Decision) {
        let rules: &RuleSet = self.publisher.rules();
        let Some(entity) = self.publisher.rules().entity_id(rec.entity) else {
            return;
        };
        VIEW_SCRATCH.with(|scratch| {
            let (rows, shown) = &mut *scratch.borrow_mut();
            rows.clear();
            let verdict = self.publisher.judge(entity, &rec.record, rows);
            let first = level == self.first_level;
            if verdict != Verdict::Published {
                if first {
                    self.kept_out.fetch_add(1, Ordering::Relaxed);
                }
                return;
            }
            if first {
                self.shown.fetch_add(1, Ordering::Relaxed);
            }
            shown.clear();
            shown.effective = decision.effective;
            shown.undetermined = decision.undetermined;
            shown.entries.extend(
                decision
                    .entries
                    .iter()
                    .filter(|e| {
                        let Some(item) = e.item else { return true };
                        let field = rules.measures[e.measure as usize].item.map(|i| i.field);
                        rows.iter().any(|r| {
                            r.item == Some(item)
                                && rules.disclosures[r.disclosure as usize]
                                    .item
                                    .map(|i| i.field)
                                    == field
                        })
                    })
                    .cloned(),
            );
            self.inner.result(out, rec, level, shown);
        })
    }

    fn end(
        &self,
        out: &mut Vec<u8>,
        errors: &[ErrorEntry],
        warnings: &[String],
        _counts: &Counts,
        census: Option<&CensusReport>,
    ) {
        *self.errors.lock().unwrap_or_else(|e| e.into_inner()) = errors.to_vec();
        // Warnings name input files and rows: they go to standard error, with the errors.
        let _ = warnings;
        self.inner.end(out, &[], &[], &self.public_counts(), census)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::compile_source;
    use crate::messages::Lang;
    use crate::report::public::{PublicCsv, PublicJson};
    use proptest::prelude::*;

    const POLICY: &str = "预警级别 { 黄色 < 橙色 }
实体 机 键 号 { 号: 文本  涉密: 可选 布尔  内部: 文本 }
实体 厂 键 名 { 名: 文本  清单: 集合 级别  涉密: 可选 布尔  内部: 文本  机械: 列表 机 }
公开 名录 { 对象 厂 当 黄色 属于 清单 字段 清单 除外 当 涉密 依据 \"五\" }
公开 机械 { 对象 厂.机械 字段 号 除外 当 涉密 依据 \"五\" }";

    fn rules() -> ValidRuleSet {
        let c = compile_source("t.policy", POLICY);
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        c.rules.unwrap().validate().unwrap()
    }

    /// A firm: on the yellow list or not, its 涉密 (none: left empty), its machines' 涉密.
    #[derive(Debug, Clone)]
    struct Firm {
        listed: bool,
        secret: Option<bool>,
        machines: Vec<Option<bool>>,
    }

    fn firm() -> impl Strategy<Value = Firm> {
        let secret = prop_oneof![Just(None), Just(Some(false)), Just(Some(true))];
        (
            any::<bool>(),
            secret.clone(),
            proptest::collection::vec(secret, 0..3),
        )
            .prop_map(|(listed, secret, machines)| Firm {
                listed,
                secret,
                machines,
            })
    }

    fn json(firms: &[Firm]) -> String {
        let firms: Vec<serde_json::Value> = firms
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut o = serde_json::json!({
                    "名": format!("F{i}厂"),
                    "清单": if f.listed { vec!["黄色"] } else { vec![] },
                    "内部": format!("INTERNAL{i}x"),
                    "机械": f.machines.iter().enumerate().map(|(j, s)| {
                        let mut m = serde_json::json!({"号": format!("F{i}厂M{j}机"), "内部": format!("INTERNAL{i}m{j}x")});
                        if let Some(s) = s { m["涉密"] = serde_json::json!(s); }
                        m
                    }).collect::<Vec<_>>(),
                });
                if let Some(s) = f.secret {
                    o["涉密"] = serde_json::json!(s);
                }
                o
            })
            .collect();
        serde_json::json!({ "厂": firms }).to_string()
    }

    fn publish(rules: &ValidRuleSet, data: &str, format: &dyn PublicFormat) -> String {
        let mut src = crate::data::json::load(rules, "t.json", 0, data).unwrap();
        let mut out = Vec::new();
        run(Publisher::new(rules), &mut src, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Every cell of every sheet of the workbook `publish` writes, one line per row (cells
    /// joined by `,`), sheets in order — read back as a spreadsheet program reads it.
    fn publish_xlsx(rules: &ValidRuleSet, data: &str, case: usize) -> String {
        use crate::report::public::PublicXlsx;
        use crate::report::xlsx::{WorkbookInfo, XlsxSink};
        use calamine::{Reader, Xlsx};
        let dir = std::env::temp_dir().join(format!(
            "policyc-publish-prop-{}-{case}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("public.xlsx");
        let format = PublicXlsx::new(rules, Lang::Zh);
        let mut sink = XlsxSink::for_public(&path, rules, Lang::Zh, format.sheets()).unwrap();
        let mut src = crate::data::json::load(rules, "t.json", 0, data).unwrap();
        let outcome = run(Publisher::new(rules), &mut src, &format, &mut sink).unwrap();
        let info = WorkbookInfo {
            lang: Lang::Zh,
            public: Some(
                rules
                    .disclosures
                    .iter()
                    .map(|d| d.name.clone())
                    .zip(outcome.rows_per_list.iter().copied())
                    .collect(),
            ),
            ..WorkbookInfo::default()
        };
        sink.finish(&info, &outcome.counts).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook(&path).unwrap();
        let mut text = String::new();
        for name in book.sheet_names() {
            let range = book.worksheet_range(&name).unwrap();
            text.push_str(&format!("[{name}]\r\n"));
            for row in range.rows() {
                let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
                text.push_str(&cells.join(","));
                text.push_str("\r\n");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
        text
    }

    /// The rows of sheet `name` in `book` (as [`publish_xlsx`] writes it).
    fn sheet<'a>(book: &'a str, name: &str) -> &'a str {
        let start = book
            .find(&format!("[{name}]\r\n"))
            .expect("the sheet is there");
        let rest = &book[start + name.len() + 4..];
        &rest[..rest.find("\r\n[").unwrap_or(rest.len())]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever the records, no output holds a withheld firm, an item of one, a withheld
        /// item or a field that is not public; and every public firm and item is there.
        #[test]
        fn nothing_withheld_or_not_public_reaches_any_format(firms in proptest::collection::vec(firm(), 0..12)) {
            let rules = rules();
            let data = json(&firms);
            let outputs = [
                publish(&rules, &data, &PublicJson::new(&rules, Lang::Zh)),
                publish(&rules, &data, &PublicCsv::new(&rules, 0, Lang::Zh)),
                publish(&rules, &data, &PublicCsv::new(&rules, 1, Lang::Zh)),
                publish_xlsx(&rules, &data, firms.len()),
            ];
            let all = outputs.concat();
            prop_assert!(!all.contains("INTERNAL"), "a field that is not public: {all}");
            for (i, f) in firms.iter().enumerate() {
                let public = f.listed && f.secret == Some(false);
                let key = format!("F{i}厂");
                // The firm list (JSON and the first CSV) has it exactly when it is public.
                prop_assert_eq!(outputs[1].contains(&format!("{key}\r\n")) || outputs[1].contains(&format!("{key},")), public, "{}", &outputs[1]);
                for (j, s) in f.machines.iter().enumerate() {
                    let m = format!("F{i}厂M{j}机");
                    let shown = public && *s == Some(false);
                    prop_assert_eq!(outputs[2].contains(&m), shown, "{}", &outputs[2]);
                    prop_assert_eq!(outputs[0].contains(&m), shown);
                    prop_assert_eq!(sheet(&outputs[3], "机械").contains(&m), shown, "{}", &outputs[3]);
                }
                // The workbook's firm sheet has it exactly when it is public.
                let firms_sheet = sheet(&outputs[3], "名录");
                prop_assert_eq!(firms_sheet.contains(&format!("\r\n{key},")), public, "{}", firms_sheet);
                let named = all.contains(&format!("\"{key}\""))
                    || all.contains(&format!("{key},"))
                    || all.contains(&format!("{key}\r\n"));
                prop_assert_eq!(named, public, "{}", &all);
            }
        }
    }

    #[test]
    fn an_item_list_without_its_parents_list_is_refused() {
        let c = compile_source(
            "t.policy",
            "实体 机 键 号 { 号: 文本 }
实体 厂 键 名 { 名: 文本  机械: 列表 机 }
公开 机械 { 对象 厂.机械 字段 号 }",
        );
        assert!(
            c.diagnostics.iter().any(|d| d.code.as_str() == "E0226"),
            "{:?}",
            c.diagnostics
        );
    }
}
