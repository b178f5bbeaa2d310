//! Compile time: `compile::compile_file` (parse → resolve → type → analyse → lower) of the
//! Beijing plan and of synthetic plans 1×, 10× and 100× its size written by the generator of
//! `examples/gen_plan.rs`.
//!
//! `cargo bench --bench compile` — divan reports the time per compilation and, through the
//! item counter, lines per second: a constant rate across sizes means compile time is linear
//! in the plan's size. The sizes are printed before the table:
//!
//! | plan | lines |
//! | --- | --- |
//! | Beijing (`manufacturing-2023.policy` + imported `grading-2020.policy`) | 162 + 136 = 298 |
//! | generated ×1 (one file, no imports) | 129 |
//! | generated ×10 | 1,200 |
//! | generated ×100 | 11,910 |
//!
//! The generated plans are written once per process into a directory under
//! `std::env::temp_dir()`, removed when the benchmarks end; compiling them reads them from
//! there, as compiling the Beijing plan reads it (and its import) from `policies/`.

#[path = "../examples/gen_plan.rs"]
mod gen_plan;

#[path = "../examples/gen_measures.rs"]
mod gen_measures;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use divan::counter::ItemsCount;
use divan::Bencher;

fn main() {
    for (name, path) in plans() {
        eprintln!("{name}: {} lines", lines(&path));
    }
    divan::main();
    if let Some(dir) = DIR.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

static DIR: OnceLock<PathBuf> = OnceLock::new();

/// Scales of the generated plans.
const SCALES: [usize; 3] = [1, 10, 100];

fn beijing() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    vec![
        root.join("beijing/manufacturing-2023.policy"),
        root.join("national/grading-2020.policy"),
    ]
}

/// The generated plan of `scale`, written on first use.
fn generated(scale: usize) -> &'static Path {
    static PATHS: [OnceLock<PathBuf>; SCALES.len()] = [const { OnceLock::new() }; SCALES.len()];
    let i = SCALES
        .iter()
        .position(|&s| s == scale)
        .expect("a scale of SCALES");
    PATHS[i].get_or_init(|| {
        let dir = DIR.get_or_init(|| {
            std::env::temp_dir().join(format!("policyc-bench-compile-{}", std::process::id()))
        });
        std::fs::create_dir_all(dir).expect("temporary directory");
        let path = dir.join(format!("plan{scale}.policy"));
        std::fs::write(&path, gen_plan::plan(scale)).expect("generated plan is written");
        path
    })
}

/// Every plan benchmarked with the files it is made of (entry file first).
fn plans() -> Vec<(String, Vec<PathBuf>)> {
    let mut v = vec![("beijing".to_string(), beijing())];
    for s in SCALES {
        v.push((format!("generated ×{s}"), vec![generated(s).to_path_buf()]));
    }
    v
}

fn lines(paths: &[PathBuf]) -> usize {
    paths
        .iter()
        .map(|p| {
            std::fs::read_to_string(p)
                .expect("plan is readable")
                .lines()
                .count()
        })
        .sum()
}

fn bench(bencher: Bencher, files: &[PathBuf]) {
    let entry = &files[0];
    let name = entry.file_name().and_then(|n| n.to_str()).expect("a name");
    // Outside the timing: the plan compiles clean.
    let c = policyc::compile::compile_file(entry, name).expect("plan is readable");
    assert!(
        c.rules.is_some() && !c.has_errors(),
        "{name} does not compile: {:?}",
        c.diagnostics
    );
    bencher
        .counter(ItemsCount::new(lines(files)))
        .bench_local(|| policyc::compile::compile_file(divan::black_box(entry), name));
}

/// `policies/beijing/manufacturing-2023.policy` with its import; items are lines.
#[divan::bench]
fn beijing_plan(bencher: Bencher) {
    bench(bencher, &beijing());
}

/// `gen_plan SCALE`; items are lines.
#[divan::bench(args = SCALES)]
fn generated_plan(bencher: Bencher, scale: usize) {
    bench(bencher, &[generated(scale).to_path_buf()]);
}

/// What `policyc check` runs (parse → resolve → type → analyse → lower) on a plan of 30,000 measures over
/// one entity written by `examples/gen_measures.rs`, every 7th a repeat of the one before
/// (W0304): the analyses stay linear in the number of measures. Items are measures.
#[divan::bench(sample_count = 10)]
fn check_30k_measures(bencher: Bencher) {
    const N: usize = 30_000;
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    let path = PATH.get_or_init(|| {
        let dir = DIR.get_or_init(|| {
            std::env::temp_dir().join(format!("policyc-bench-compile-{}", std::process::id()))
        });
        std::fs::create_dir_all(dir).expect("temporary directory");
        let path = dir.join("measures30k.policy");
        std::fs::write(&path, gen_measures::plan(N, Some(7))).expect("generated plan is written");
        path
    });
    let check = || policyc::compile::compile_file(divan::black_box(path), "measures30k.policy");
    // Outside the timing: the findings are the repeats and nothing else.
    let c = check().expect("plan is readable");
    assert!(
        !c.diagnostics.is_empty() && c.diagnostics.iter().all(|d| d.code == "W0304"),
        "{:?}",
        &c.diagnostics[..c.diagnostics.len().min(3)]
    );
    bencher.counter(ItemsCount::new(N)).bench_local(check);
}
