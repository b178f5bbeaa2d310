//! Properties over generated inputs, on the stable toolchain and inside `cargo test`:
//! policy text compiles or is diagnosed (never a panic), a compiled rule set round-trips,
//! evaluation is deterministic and independent of the thread count, an exemption never adds
//! a duty, and every data row is accounted for. Case counts are kept small so the suite stays
//! within its time budget; `PROPTEST_CASES` raises them for a longer run.

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;

use policyc::data::source::{Item, RecordSource};
use policyc::data::{self, DataSpec, InputOptions};
use policyc::eval::{run, Decision, Evaluator, Status};
use policyc::ir::{compiled, FieldType, RuleSet, ValidRuleSet};
use policyc::messages::Lang;
use policyc::report::decisions::json::{JsonFormat, JsonLines};

const BEIJING: &str = "policies/beijing/manufacturing-2023.policy";

fn beijing_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| std::fs::read_to_string(BEIJING).expect("the shipped plan"))
}

fn beijing() -> &'static ValidRuleSet {
    static RULES: OnceLock<ValidRuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        policyc::compile::compile_file(Path::new(BEIJING), BEIJING)
            .expect("readable")
            .rules
            .expect("the shipped plan compiles")
            .validate()
            .expect("the shipped plan's rule set is valid")
    })
}

fn cases(n: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------- policy text

/// Pieces policy text is made of: keywords in both languages, names, literals, punctuation
/// of both keyboards, and the characters hostile input uses.
fn token() -> impl Strategy<Value = String> {
    let keywords: Vec<String> = policyc::KEYWORDS
        .iter()
        .flat_map(|k| k.spellings().map(str::to_string))
        .collect();
    let fixed: Vec<String> = [
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        "\"",
        "，",
        "；",
        "：",
        "（",
        "）",
        "、",
        "“",
        "”",
        "%",
        "20%",
        "..",
        "//",
        "/*",
        "*/",
        "\n",
        "\r",
        "\r\n",
        " ",
        "\t",
        "企业",
        "绩效等级",
        "B",
        "B级",
        "黄色",
        "橙色",
        "红色",
        "停产",
        "限产 30%",
        "2023-02-30",
        "1e400",
        "99999999999999999999",
        "\u{202e}",
        "\u{200d}",
        "\u{fe00}",
        "\u{fa08}",
        "\0",
        "非",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    prop_oneof![
        prop::sample::select(keywords),
        prop::sample::select(fixed),
        "[a-z甲乙丙]{1,4}",
    ]
}

/// An edit of the Beijing plan: at a fraction of its length, delete some bytes and insert
/// some tokens.
fn edit() -> impl Strategy<Value = (f64, usize, Vec<String>)> {
    (
        0.0..1.0f64,
        0usize..40,
        prop::collection::vec(token(), 0..4),
    )
}

fn apply(text: &str, edits: &[(f64, usize, Vec<String>)]) -> String {
    let mut s = text.to_string();
    for (at, delete, insert) in edits {
        let mut start = ((s.len() as f64) * at) as usize;
        while !s.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + delete).min(s.len());
        while !s.is_char_boundary(end) {
            end += 1;
        }
        s.replace_range(start..end, &insert.concat());
    }
    s
}

/// Compiles `text` as if it were the Beijing plan (so its import resolves), and checks what
/// a compilation promises: errors and a rule set never both, every diagnostic inside its file.
fn compiles_or_diagnoses(text: &str) {
    let c = policyc::compile::compile_source(BEIJING, text);
    assert_eq!(
        c.rules.is_some(),
        !c.has_errors(),
        "a rule set exactly when there is no error"
    );
    for d in &c.diagnostics {
        for label in &d.labels {
            let file = c.sources.get(label.span.file);
            assert!(
                label.span.start <= label.span.end && label.span.end <= file.text.len(),
                "{d:?} points outside {}",
                file.name
            );
        }
    }
    if let Some(rules) = &c.rules {
        round_trips(rules);
    }
}

fn round_trips(rules: &RuleSet) {
    let json = compiled::to_json(rules);
    let back = compiled::from_json(&json).expect("a compiled rule set loads back");
    assert_eq!(back.rules(), rules);
    assert_eq!(compiled::content_hash(&back), compiled::content_hash(rules));
}

proptest! {
    #![proptest_config(cases(48))]

    #[test]
    fn edited_plans_compile_or_are_diagnosed(edits in prop::collection::vec(edit(), 1..4)) {
        compiles_or_diagnoses(&apply(beijing_text(), &edits));
    }

    #[test]
    fn token_soup_compiles_or_is_diagnosed(tokens in prop::collection::vec(token(), 0..80)) {
        compiles_or_diagnoses(&tokens.join(" "));
    }
}

#[test]
fn every_shipped_and_clean_policy_round_trips() {
    let mut n = 0;
    for dir in ["policies/beijing", "tests/clean"] {
        for entry in std::fs::read_dir(dir).expect("a directory of policies") {
            let path = entry.expect("an entry").path();
            if path.extension().is_some_and(|e| e == "policy") {
                let c = policyc::compile::compile_file(&path, &path.display().to_string())
                    .expect("readable");
                let rules = c
                    .rules
                    .unwrap_or_else(|| panic!("{} compiles", path.display()));
                round_trips(&rules);
                n += 1;
            }
        }
    }
    assert!(n >= 2, "found the policies ({n})");
}

// ---------------------------------------------------------------- records

/// One field's value in a generated firm, chosen by `pick` from valid values and a few wrong
/// ones (so that row errors are generated too).
fn value_for(rules: &RuleSet, ty: FieldType, pick: u32, depth: u32) -> serde_json::Value {
    use serde_json::{json, Value};
    let wrong = pick.is_multiple_of(23);
    if wrong {
        return match pick % 3 {
            0 => json!("不是这个值"),
            1 => json!(1e300),
            _ => json!({ "x": 1 }),
        };
    }
    let variants = |e: usize| &rules.enums[e].variants;
    match ty {
        FieldType::Text => json!(format!("文本{}", pick % 7)),
        FieldType::Bool => json!(pick.is_multiple_of(2)),
        FieldType::Integer => json!(pick as i64 - 1000),
        FieldType::Decimal | FieldType::Percent => json!((pick % 1000) as f64 / 10.0),
        FieldType::Date => json!(format!("2023-{:02}-{:02}", pick % 12 + 1, pick % 28 + 1)),
        FieldType::CreditCode => {
            json!(["91310110666007217T", "91110111572812549C"][pick as usize % 2])
        }
        FieldType::Level => json!(rules.levels[pick as usize % rules.levels.len()].name),
        FieldType::Enum(e) => json!(variants(e)[pick as usize % variants(e).len()]),
        FieldType::Set(None) => {
            let names: Vec<&str> = rules
                .levels
                .iter()
                .enumerate()
                .filter(|(i, _)| pick & (1 << i) != 0)
                .map(|(_, l)| l.name.as_str())
                .collect();
            json!(names)
        }
        FieldType::Action { per_level } => {
            let texts = [
                "限产 30%",
                "停产",
                "停产 50% 以生产线计",
                "错峰生产",
                "自主减排",
            ];
            let one = texts[pick as usize % texts.len()];
            if per_level {
                json!({ rules.levels[pick as usize % rules.levels.len()].name.clone(): one })
            } else {
                json!(one)
            }
        }
        FieldType::Set(Some(e)) => {
            let names: Vec<&String> = variants(e)
                .iter()
                .enumerate()
                .filter(|(i, _)| pick & (1 << (i % 32)) != 0)
                .map(|(_, v)| v)
                .collect();
            json!(names)
        }
        FieldType::List(entity) if depth == 0 => {
            let n = pick % 4;
            Value::Array(
                (0..n)
                    .map(|k| record_for(rules, entity, pick.rotate_left(k * 7 + 3), depth + 1, k))
                    .collect(),
            )
        }
        FieldType::List(_) => json!([]),
    }
}

fn record_for(rules: &RuleSet, entity: usize, seed: u32, depth: u32, n: u32) -> serde_json::Value {
    let info = &rules.entities[entity];
    let mut object = serde_json::Map::new();
    for (i, f) in info.fields.iter().enumerate() {
        let pick = seed.wrapping_mul(2_654_435_761).rotate_left(i as u32 * 5) ^ (i as u32);
        if f.optional && pick.is_multiple_of(5) {
            continue;
        }
        let v = if i == info.key && depth > 0 {
            serde_json::json!(format!("M{n}"))
        } else {
            value_for(rules, f.ty, pick, depth)
        };
        object.insert(f.name.clone(), v);
    }
    serde_json::Value::Object(object)
}

fn firm_entity(rules: &RuleSet) -> usize {
    rules
        .entities
        .iter()
        .position(|e| e.name == "企业")
        .expect("the plan has firms")
}

/// A JSON document of firms, one per seed; each firm's key is made unique.
fn document(rules: &RuleSet, seeds: &[u32]) -> String {
    let firm = firm_entity(rules);
    let key = &rules.entities[firm].fields[rules.entities[firm].key].name;
    let firms: Vec<serde_json::Value> = seeds
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let mut r = record_for(rules, firm, s, 0, 0);
            // Credit codes must be valid and unique; a generated one per row.
            r[key] = serde_json::json!(credit_code(i as u32));
            r
        })
        .collect();
    serde_json::json!({ "企业": firms }).to_string()
}

/// A valid unified social credit code whose body encodes `n`.
fn credit_code(n: u32) -> String {
    let body = format!("91110000{n:09}");
    let check = policyc::data::credit_code::check_char(&body).expect("a well-formed body");
    format!("{body}{check}")
}

/// Runs the whole evaluation of a JSON document at every level on a pool of `threads`,
/// with JSON Lines output: the bytes written and the counts.
fn run_document(rules: &ValidRuleSet, doc: &str, threads: usize) -> (Vec<u8>, run::Counts) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool");
    pool.install(|| {
        let mut source = data::json::load(rules, "generated.json", 0, doc).expect("valid JSON");
        let ev = Evaluator::new(rules);
        let levels: Vec<_> = rules.level_ids().collect();
        let format = JsonLines(JsonFormat::new(rules, None));
        let files = vec!["generated.json".to_string()];
        let describe = |_: &data::LoadedRecord, e: &policyc::eval::EvalError| format!("{e:?}");
        let mut out = Vec::new();
        let (counts, _) = run::run(
            &ev,
            &mut source,
            &levels,
            &format,
            &files,
            &describe,
            &mut out,
        )
        .expect("in memory");
        (out, counts)
    })
}

fn loaded_records(rules: &RuleSet, doc: &str) -> Vec<data::LoadedRecord> {
    let mut source = data::json::load(rules, "generated.json", 0, doc).expect("valid JSON");
    let mut items = Vec::new();
    while source
        .next_batch(usize::MAX, &mut items)
        .expect("in memory")
    {}
    items
        .into_iter()
        .filter_map(|i| match i {
            Item::Record(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// The Beijing rule set without its exemptions.
fn without_exemptions(rules: &RuleSet) -> ValidRuleSet {
    let mut r = rules.clone();
    r.exemptions.clear();
    for m in &mut r.measures {
        m.lifted_by.clear();
    }
    r.validate().expect("still valid without exemptions")
}

proptest! {
    #![proptest_config(cases(24))]

    #[test]
    fn evaluation_is_deterministic_and_independent_of_threads(
        seeds in prop::collection::vec(any::<u32>(), 1..600)
    ) {
        let rules = beijing();
        let doc = document(rules, &seeds);
        let (one, counts_one) = run_document(rules, &doc, 1);
        let (again, _) = run_document(rules, &doc, 1);
        let (two, counts_two) = run_document(rules, &doc, 2);
        let (four, _) = run_document(rules, &doc, 4);
        prop_assert_eq!(&one, &again);
        prop_assert_eq!(&one, &two);
        prop_assert_eq!(&one, &four);
        prop_assert_eq!(counts_one, counts_two);
        prop_assert_eq!(counts_one.records, seeds.len());
        prop_assert_eq!(
            counts_one.records,
            counts_one.evaluated + counts_one.failed + counts_one.skipped
        );
    }

    #[test]
    fn an_exemption_never_adds_a_duty(seeds in prop::collection::vec(any::<u32>(), 1..60)) {
        let rules = beijing();
        let bare = without_exemptions(rules);
        let with = Evaluator::new(rules);
        let without = Evaluator::new(&bare);
        let (mut a, mut b) = (Decision::default(), Decision::default());
        for rec in loaded_records(rules, &document(rules, &seeds)) {
            let entity = rules.entity_id(rec.entity).expect("a record of the plan's entity");
            for level in rules.level_ids() {
                let ra = with.evaluate(entity, &rec.record, level, &mut a);
                let rb = without.evaluate(entity, &rec.record, level, &mut b);
                prop_assert_eq!(ra.is_ok(), rb.is_ok());
                if ra.is_err() {
                    continue;
                }
                // Every duty that applies with the exemptions applies without them too.
                for e in a.entries.iter().filter(|e| e.status == Status::Applies) {
                    prop_assert!(
                        b.entries.iter().any(|f| f.measure == e.measure
                            && f.item == e.item
                            && f.status == Status::Applies
                            && f.action == e.action),
                        "{:?} applies only with exemptions", e
                    );
                }
                prop_assert!(
                    b.effective.at_least_as_strict_as(a.effective),
                    "exemptions made the effective action stricter"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- rows accounted for

/// One CSV cell of a generated firms file: a valid value, a wrong one, or the kinds of text
/// real lists hold (blank, quotes, line breaks in a cell, full-width spellings).
fn csv_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "水泥熟料", "家具制造", "A", "B", "B级", "C", "D", "是", "否", "黄色,橙色,红色",
            "红色", "", "朝阳区", "TRUE",
        ]).prop_map(str::to_string),
        // Printable ASCII but the quote: a stray quote legitimately joins lines into one record.
        1 => "[ !#-~]{0,6}",
        1 => prop::sample::select(vec!["\"a,b\"", "\"x\ny\"", "\u{3000}Ｂ\u{3000}", "合计", "1e400", "\u{1b}[31m"])
            .prop_map(str::to_string),
    ]
}

#[derive(Debug, Clone)]
enum CsvRow {
    Firm(Vec<String>),
    Blank,
    Total,
}

fn csv_row() -> impl Strategy<Value = CsvRow> {
    prop_oneof![
        8 => prop::collection::vec(csv_cell(), 6).prop_map(CsvRow::Firm),
        1 => Just(CsvRow::Blank),
        1 => Just(CsvRow::Total),
    ]
}

proptest! {
    #![proptest_config(cases(32))]

    #[test]
    fn every_csv_row_is_accounted_for(rows in prop::collection::vec(csv_row(), 0..60)) {
        let rules = beijing();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("企业.csv");
        let mut text = String::from("统一社会信用代码,名称,行业,绩效等级,涉气排放,应急减排清单,涉密\n");
        let mut firms = 0;
        for (i, row) in rows.iter().enumerate() {
            match row {
                CsvRow::Firm(cells) => {
                    firms += 1;
                    text.push_str(&credit_code(i as u32));
                    for c in cells {
                        text.push(',');
                        text.push_str(c);
                    }
                    text.push_str(",否\n");
                }
                CsvRow::Blank => text.push_str(",,,,,,\n"),
                CsvRow::Total => text.push_str("合计,,,,,,\n"),
            }
        }
        std::fs::write(&path, &text).expect("written");
        let spec = DataSpec::parse(path.to_str().expect("UTF-8 path"));
        let options = InputOptions { lang: Lang::En, ..InputOptions::default() };
        let mut files = Vec::new();
        let mut source = data::open_inputs(rules, &[spec], &options, &mut files)
            .expect("the header is found");
        let ev = Evaluator::new(rules);
        let levels: Vec<_> = rules.level_ids().collect();
        let format = JsonLines(JsonFormat::new(rules, None));
        let describe = |_: &data::LoadedRecord, e: &policyc::eval::EvalError| format!("{e:?}");
        let mut out = Vec::new();
        let (counts, _) = run::run(&ev, source.as_mut(), &levels, &format, &files, &describe, &mut out)
            .expect("a regular file");
        prop_assert_eq!(counts.records, counts.evaluated + counts.failed + counts.skipped);
        // A cell with a line break makes one record of two lines; every other firm row is
        // one record, evaluated or failed, and no firm row is skipped.
        prop_assert_eq!(counts.evaluated + counts.failed, firms, "{}", text);
        let totals = rows.iter().filter(|r| matches!(r, CsvRow::Total)).count();
        prop_assert!(counts.skipped >= totals);
    }
}

#[test]
fn credit_codes_generated_here_are_valid() {
    for n in [0, 1, 42, 999_999_999] {
        let code = credit_code(n);
        assert!(
            policyc::data::credit_code::validate(Lang::En, &code).is_ok(),
            "{code}"
        );
    }
}
