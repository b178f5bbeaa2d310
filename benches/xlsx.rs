//! The xlsx writer alone, in process: the Beijing example firms, repeated to a fixed number
//! of records, decided at every level, formatted as tagged rows and written to a workbook.
//!
//! `cargo bench --bench xlsx` — divan reports the time per workbook and, through the item
//! counter, rows per second (summary and detail rows together).

use std::io::Write;
use std::path::Path;

use divan::counter::ItemsCount;
use divan::Bencher;
use policyc::data::source::Item;
use policyc::data::{open_inputs, DataSpec, InputOptions, LoadedRecord};
use policyc::eval::run::{Counts, OutputFormat};
use policyc::eval::{Decision, Evaluator};
use policyc::ir::{RuleSet, ValidRuleSet};
use policyc::messages::Lang;
use policyc::report::xlsx::{WorkbookInfo, XlsxFormat, XlsxSink};

fn main() {
    divan::main();
}

/// Records in each workbook.
const RECORDS: usize = 5_000;

fn rules() -> ValidRuleSet {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/beijing/manufacturing-2023.policy");
    let policy = policyc::Policy::compile_file(&path).expect("the shipped plan is readable");
    ValidRuleSet::clone(policy.expect("the shipped plan compiles").rules())
}

fn records(rules: &RuleSet) -> Vec<LoadedRecord> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/beijing/examples/firms.json");
    let specs = [DataSpec::parse(path.to_str().expect("a UTF-8 path"))];
    let mut files = Vec::new();
    let mut source =
        open_inputs(rules, &specs, &InputOptions::default(), &mut files).expect("inputs open");
    let mut items = Vec::new();
    while source
        .next_batch(usize::MAX, &mut items)
        .expect("in memory")
    {}
    let one: Vec<LoadedRecord> = items
        .into_iter()
        .filter_map(|i| match i {
            Item::Record(r) => Some(r),
            _ => None,
        })
        .collect();
    (0..RECORDS)
        .map(|i| {
            let mut r = one[i % one.len()].clone();
            // Distinct rows, so each record gets its own summary row.
            r.row = i + 1;
            r
        })
        .collect()
}

#[divan::bench(sample_count = 10)]
fn workbook(bencher: Bencher) {
    let rules = rules();
    let records = records(&rules);
    let ev = Evaluator::new(&rules);
    let levels: Vec<usize> = (0..rules.levels.len()).collect();
    let format = XlsxFormat::new(&rules, &levels, Lang::Zh);
    // The formatted bytes are made once: the benchmark is the writer, not the evaluation.
    let mut decision = Decision::default();
    let mut bytes = Vec::new();
    let mut rows = records.len();
    for r in &records {
        for &l in &levels {
            let (entity, level) = (rules.entity_id(r.entity), rules.level_id(l));
            ev.evaluate(
                entity.expect("an entity of the plan"),
                &r.record,
                level.expect("a level"),
                &mut decision,
            )
            .expect("the example firms evaluate");
            rows += decision.entries.len().max(1);
            format.result(&mut bytes, r, l, &decision);
        }
    }
    let dir = std::env::temp_dir().join(format!("policyc-bench-xlsx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let path = dir.join("bench.xlsx");
    bencher.counter(ItemsCount::new(rows)).bench_local(|| {
        let mut sink = XlsxSink::create(&path, &rules, &levels, Lang::Zh).expect("sink");
        // In chunks, as the driver writes them.
        for chunk in bytes.chunks(64 * 1024) {
            sink.write_all(chunk).expect("rows written");
        }
        sink.finish(&WorkbookInfo::default(), &Counts::default())
            .expect("workbook written");
    });
    let _ = std::fs::remove_dir_all(&dir);
}
