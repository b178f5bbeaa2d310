//! Every policy in tests/broken is compiled and its rendered diagnostics compared with a
//! reviewed snapshot. Files are named after the code they must produce.

use std::path::{Path, PathBuf};

use policyc::compile::compile_file;
use policyc::diagnostics::CODES;
use policyc::report::diagnostics::render_plain;

fn broken_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/broken")
        .expect("tests/broken exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .collect();
    files.sort();
    files
}

fn render(path: &Path) -> (String, Vec<&'static str>) {
    let name = path.to_string_lossy().replace('\\', "/");
    let c = compile_file(path, &name).expect("broken policies are readable");
    let codes = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
    (render_plain(&c.sources, &c.diagnostics), codes)
}

/// The code a broken policy is named after (`E0101_unknown_field` → `E0101`), if any.
fn named_code(stem: &str) -> Option<&str> {
    stem.split('_')
        .next()
        .filter(|c| c.starts_with('E') || c.starts_with('W'))
}

/// What is wrong with the codes a broken policy reported, if anything.
fn wrong_codes(stem: &str, codes: &[&str]) -> Option<String> {
    if codes.is_empty() {
        return Some(format!("{stem} produced no diagnostic"));
    }
    let code = named_code(stem)?;
    (!codes.contains(&code)).then(|| format!("{stem} should report {code}, reported {codes:?}"))
}

/// Each broken policy is its own snapshot case: insta's glob runs every file and reports every
/// changed snapshot, so one does not hide the others (`INSTA_GLOB_FILTER=E0101*` runs some).
/// Snapshots keep the name of their policy (`diagnostics__E0101_unknown_field.snap`).
#[test]
fn broken_policies_match_their_snapshots() {
    assert!(
        broken_files().len() >= 20,
        "the corpus has {} files",
        broken_files().len()
    );
    insta::glob!("broken/*.policy", |path| {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        // Compiled by the name the diagnostics show, relative to the crate.
        let (rendered, _) = render(&Path::new("tests/broken").join(path.file_name().unwrap()));
        let mut settings = insta::Settings::clone_current();
        settings.remove_snapshot_suffix();
        settings.bind(|| insta::assert_snapshot!(stem, rendered));
    });
}

/// Every broken policy reports a diagnostic, the code it is named after among them; every
/// file is checked and all that fail are listed.
#[test]
fn broken_policies_report_the_code_they_are_named_after() {
    let wrong: Vec<String> = broken_files()
        .iter()
        .filter_map(|path| {
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            let (_, codes) = render(path);
            wrong_codes(&stem, &codes)
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_code_has_a_broken_policy_that_triggers_it() {
    let names: Vec<String> = broken_files()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    for info in CODES {
        assert!(
            names
                .iter()
                .any(|n| n.starts_with(&format!("{}_", info.code))),
            "no tests/broken/{}_*.policy",
            info.code
        );
    }
}

#[test]
fn all_errors_of_a_run_are_reported() {
    let (_, codes) = render(Path::new("tests/broken/multiple_errors_reported.policy"));
    assert_eq!(codes, ["E0101", "E0101", "E0101", "E0201"]);
}

#[test]
fn json_positions_count_characters() {
    let path = Path::new("tests/broken/E0101_unknown_field.policy");
    let c = compile_file(path, "tests/broken/E0101_unknown_field.policy").unwrap();
    let json = policyc::report::render_json(&c.sources, &c.diagnostics);
    insta::assert_json_snapshot!("E0101_unknown_field_json", json);
}
