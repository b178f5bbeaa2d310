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

#[test]
fn broken_policies_match_their_snapshots() {
    let files = broken_files();
    assert!(files.len() >= 20, "the corpus has {} files", files.len());
    for path in files {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let (rendered, codes) = render(&path);
        assert!(!codes.is_empty(), "{stem} produced no diagnostic");
        if let Some(code) = stem
            .split('_')
            .next()
            .filter(|c| c.starts_with('E') || c.starts_with('W'))
        {
            assert!(
                codes.contains(&code),
                "{stem} should report {code}, reported {codes:?}"
            );
        }
        insta::assert_snapshot!(stem, rendered);
    }
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
