//! Loading alone, per format: N synthetic firms (with their machines and vehicles) for the
//! Beijing plan, read through `data::open_inputs` and drained batch by batch as
//! `eval::run::run` drains them (batches of `eval::run::BATCH`, items dropped after each
//! batch). Nothing is decided.
//!
//! `cargo bench --bench load` — divan reports the time to load all N firms and, through the
//! item counter, firms per second.
//!
//! The inputs are written once per process, on first use, by the generator of
//! `examples/gen_firms.rs` (seed 2023, as the example's default) into a directory under
//! `std::env::temp_dir()`, removed when the benchmarks end. CSV is three files (`企业.csv`
//! and the item files `机械.csv` and `车辆.csv`, joined by credit code); JSON and JSON Lines
//! hold the machines and vehicles inline; XLSX holds them in sheets of their own. Timings
//! include opening and reading the files (the OS page cache holds them after the first
//! sample).

// Bench targets build with `cfg(test)` but without the test harness: the example's test
// module is compiled, its `#[test]` functions are not, and its `use super::*` goes unused.
#[allow(unused_imports)]
#[path = "../examples/gen_firms.rs"]
mod gen_firms;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use divan::counter::ItemsCount;
use divan::Bencher;
use policyc::data::source::Item;
use policyc::data::{open_inputs, DataSpec, InputOptions};
use policyc::eval::run::BATCH;
use policyc::ir::RuleSet;

/// Firms per input, every format.
const FIRMS: usize = 20_000;

fn main() {
    divan::main();
    if let Some(dir) = DIR.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

static DIR: OnceLock<PathBuf> = OnceLock::new();

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("policies/beijing/manufacturing-2023.policy");
        let c = policyc::compile::compile_file(&path, "manufacturing-2023.policy")
            .expect("the shipped plan is readable");
        c.rules.expect("the shipped plan compiles")
    })
}

#[derive(Clone, Copy)]
enum Format {
    CsvUtf8,
    CsvGb18030,
    Json,
    Jsonl,
    Xlsx,
}

impl Format {
    const ALL: [Format; 5] = [
        Format::CsvUtf8,
        Format::CsvGb18030,
        Format::Json,
        Format::Jsonl,
        Format::Xlsx,
    ];

    fn name(self) -> &'static str {
        match self {
            Format::CsvUtf8 => "csv-utf8",
            Format::CsvGb18030 => "csv-gb18030",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Xlsx => "xlsx",
        }
    }

    /// The `gen_firms --format` of this input.
    fn generator_format(self) -> &'static str {
        match self {
            Format::CsvUtf8 | Format::CsvGb18030 => "csv",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Xlsx => "xlsx",
        }
    }

    fn encoding(self) -> Option<&'static encoding_rs::Encoding> {
        match self {
            Format::CsvGb18030 => Some(encoding_rs::GB18030),
            _ => None,
        }
    }

    /// `--encoding`, as a user of a GB18030 list would pass it.
    fn options(self) -> InputOptions {
        InputOptions {
            encoding: self.encoding().map(|e| e.name().to_ascii_lowercase()),
            ..InputOptions::default()
        }
    }
}

/// The data files of `format` (`--data` arguments, firms before machines and vehicles),
/// written on first use.
fn inputs(format: Format) -> &'static [DataSpec] {
    static INPUTS: [OnceLock<Vec<DataSpec>>; Format::ALL.len()] =
        [const { OnceLock::new() }; Format::ALL.len()];
    INPUTS[format as usize].get_or_init(|| {
        let root = DIR.get_or_init(|| {
            std::env::temp_dir().join(format!("policyc-bench-load-{}", std::process::id()))
        });
        let dir = root.join(format.name());
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let paths = gen_firms::write(
            FIRMS as u64,
            format.generator_format(),
            &dir,
            format.encoding(),
            2023,
        )
        .expect("generated inputs are written");
        paths
            .iter()
            .map(|p| DataSpec {
                entity: None,
                path: p.to_str().expect("UTF-8 temporary path").to_string(),
            })
            .collect()
    })
}

/// Opens the inputs and drains every batch; returns the number of firms loaded.
fn load(rules: &RuleSet, specs: &[DataSpec], options: &InputOptions) -> usize {
    let mut files = Vec::new();
    let mut source = open_inputs(rules, specs, options, &mut files).expect("inputs open");
    let mut batch = Vec::with_capacity(BATCH);
    let mut firms = 0;
    loop {
        let more = source.next_batch(BATCH, &mut batch).expect("inputs read");
        for item in batch.drain(..) {
            match item {
                Item::Record(_) => firms += 1,
                Item::Error(e) => panic!("generated firm rejected: {e:?}"),
                Item::Skipped(_) => panic!("generated firm skipped"),
            }
        }
        if !more {
            return firms;
        }
    }
}

fn bench(bencher: Bencher, format: Format) {
    let rules = rules();
    let specs = inputs(format);
    let options = format.options();
    // Outside the timing: the inputs load whole and clean.
    assert_eq!(load(rules, specs, &options), FIRMS, "{}", format.name());
    bencher
        .counter(ItemsCount::new(FIRMS))
        .bench_local(|| load(rules, divan::black_box(specs), &options));
}

#[divan::bench(sample_count = 30)]
fn csv_utf8(bencher: Bencher) {
    bench(bencher, Format::CsvUtf8);
}

#[divan::bench(sample_count = 30)]
fn csv_gb18030(bencher: Bencher) {
    bench(bencher, Format::CsvGb18030);
}

#[divan::bench(sample_count = 30)]
fn json(bencher: Bencher) {
    bench(bencher, Format::Json);
}

#[divan::bench(sample_count = 30)]
fn jsonl(bencher: Bencher) {
    bench(bencher, Format::Jsonl);
}

#[divan::bench(sample_count = 30)]
fn xlsx(bencher: Bencher) {
    bench(bencher, Format::Xlsx);
}
