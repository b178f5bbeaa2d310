//! The plan analyses (E03xx/W03xx): clean counterparts of the broken corpus, `--deny
//! warnings`, SARIF output, and the rules for shared files and imports.

use std::path::{Path, PathBuf};
mod common;

use common::{code, policyc, stdout, BEIJING, NATIONAL};

use policyc::compile::compile_file;
use policyc::diagnostics::CODES;
use serde_json::Value;

fn policies_in(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("directory exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .collect();
    files.sort();
    files
}

fn analysis_codes() -> Vec<&'static str> {
    CODES
        .iter()
        .map(|c| c.code.as_str())
        .filter(|c| c[1..].starts_with("03"))
        .collect()
}

/// Each clean policy is its own case: every file is checked and all that fail are listed, so
/// one does not hide the others.
#[test]
fn clean_policies_produce_no_diagnostic_of_their_code() {
    let files = policies_in("tests/clean");
    let wrong: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            let code = stem.split('_').next().unwrap();
            let name = path.to_string_lossy().replace('\\', "/");
            let c = compile_file(path, &name).expect("readable");
            let rendered = policyc::report::diagnostics::render_plain(&c.sources, &c.diagnostics);
            if !c.diagnostics.iter().all(|d| d.code != code) {
                Some(format!("{stem} reports {code}:\n{rendered}"))
            } else if !c.diagnostics.is_empty() {
                // Clean means clean: no other finding either.
                Some(format!("{stem}:\n{rendered}"))
            } else {
                None
            }
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_analysis_code_has_a_broken_and_a_clean_policy() {
    let names = |dir| -> Vec<String> {
        policies_in(dir)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect()
    };
    let (broken, clean) = (names("tests/broken"), names("tests/clean"));
    let codes = analysis_codes();
    assert!(codes.len() >= 12, "{codes:?}");
    for code in codes {
        let prefix = format!("{code}_");
        assert!(
            broken.iter().any(|n| n.starts_with(&prefix)),
            "no tests/broken/{code}_*"
        );
        assert!(
            clean.iter().any(|n| n.starts_with(&prefix)),
            "no tests/clean/{code}_*"
        );
    }
}

#[test]
fn shipped_plans_are_clean_even_denying_warnings() {
    for args in [
        vec!["check", BEIJING, NATIONAL],
        vec!["check", "--deny", "warnings", BEIJING, NATIONAL],
        vec!["check", "--deny", "warnings", NATIONAL],
    ] {
        let o = policyc(&args);
        assert_eq!(code(&o), 0, "{args:?}: {}", stdout(&o));
        assert_eq!(stdout(&o), "", "{args:?}");
    }
}

#[test]
fn deny_warnings_fails_on_warnings_only() {
    let file = "tests/broken/W0312_missing_citation.policy";
    let o = policyc(&["check", file]);
    assert_eq!(code(&o), 0, "warnings alone do not fail the run");
    assert!(stdout(&o).contains("warning[W0312]"));
    let o = policyc(&["check", "--deny", "warnings", file]);
    assert_eq!(code(&o), 1);
    let o = policyc(&["check", "--deny", "warnings", "--format", "sarif", file]);
    assert_eq!(code(&o), 1);
    let o = policyc(&["check", "--deny", "errors", file]);
    assert_eq!(code(&o), 2, "only `warnings` can be denied");
}

#[test]
fn a_library_file_is_not_reported_unused_but_an_unused_import_is() {
    // The national file declares a table nothing in it looks up: it is a library.
    let c = compile_file(Path::new(NATIONAL), NATIONAL).unwrap();
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    // A plan that imports a file and uses nothing from it.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("analysis-imports");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("lib.policy"),
        "枚举 排放阶段 { 国三, 国四 }\n限制 禁止公路运输 \"禁止公路运输\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("levels.policy"),
        "预警级别 { 黄色 < 橙色 < 红色 }\n",
    )
    .unwrap();
    let plan = "导入 \"lib.policy\"\n导入 \"levels.policy\"\n\
                实体 企业 键 名称 { 名称: 文本 }\n\
                措施 限产一 强制性 自 黄色 { 对象 企业 要求 限产 10% 依据 \"三\" }\n";
    std::fs::write(dir.join("plan.policy"), plan).unwrap();
    let c = compile_file(&dir.join("plan.policy"), "plan.policy").unwrap();
    let found: Vec<(&str, &str)> = c
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.message.as_str()))
        .collect();
    // lib.policy is unused; levels.policy provides the levels the measure uses.
    assert_eq!(
        found,
        [(
            "W0311",
            "nothing from the imported file `lib.policy` is used"
        )]
    );
    // Declarations of an imported file are never reported unused by the importer.
    let plan = "导入 \"lib.policy\"\n导入 \"levels.policy\"\n\
                实体 企业 键 名称 { 名称: 文本 }\n\
                措施 限产一 强制性 自 黄色 { 对象 企业 要求 限产 10% + 禁止 禁止公路运输 依据 \"三\" }\n";
    std::fs::write(dir.join("plan2.policy"), plan).unwrap();
    let c = compile_file(&dir.join("plan2.policy"), "plan2.policy").unwrap();
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
}

#[test]
fn errors_from_analysis_stop_lowering_but_warnings_do_not() {
    let c = compile_file(
        Path::new("tests/broken/E0305_table_less_strict.policy"),
        "x",
    )
    .unwrap();
    assert!(c.has_errors() && c.rules.is_none());
    let c = compile_file(Path::new("tests/broken/W0301_table_gap.policy"), "x").unwrap();
    assert!(!c.has_errors() && c.rules.is_some());
}

#[test]
fn replaces_is_parsed_and_takes_over_the_levels() {
    let c = compile_file(Path::new("tests/clean/E0306_dropped_at_red.policy"), "x").unwrap();
    let rules = c.rules.expect("clean");
    let m = |name: &str| rules.measures.iter().find(|m| m.name == name).unwrap();
    // `自 黄色`, replaced at red by 红色停产
    assert_eq!(m("一般限产").levels, 0b011);
    assert_eq!(m("红色停产").levels, 0b100);
}

// ---------------------------------------------------------------- SARIF

/// Checks the properties SARIF 2.1.0 requires (and the ones this tool promises).
fn validate_sarif(doc: &Value) {
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = doc["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "policyc");
    assert!(driver["version"].is_string());
    // informationUri is optional; the project publishes no address to give.
    assert!(driver.get("informationUri").is_none());
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), CODES.len());
    for (rule, info) in rules.iter().zip(CODES) {
        assert_eq!(rule["id"], info.code.as_str());
        assert_eq!(rule["shortDescription"]["text"], info.summary);
        assert_eq!(rule["fullDescription"]["text"], info.explanation);
        assert!(rule["help"]["text"].is_string());
    }
    for r in run["results"].as_array().expect("results") {
        let id = r["ruleId"].as_str().expect("ruleId");
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], id);
        assert!(matches!(r["level"].as_str(), Some("error" | "warning")));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let locs = r["locations"].as_array().expect("locations");
        let related = r["relatedLocations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for loc in locs.iter().chain(&related) {
            let phys = &loc["physicalLocation"];
            let uri = phys["artifactLocation"]["uri"].as_str().unwrap();
            assert!(
                !uri.starts_with('/') && !uri.contains('\\'),
                "relative: {uri}"
            );
            let region = &phys["region"];
            for k in ["startLine", "startColumn", "endLine", "endColumn"] {
                assert!(region[k].as_u64().unwrap() >= 1, "{k}");
            }
            let start = (region["startLine"].as_u64(), region["startColumn"].as_u64());
            let end = (region["endLine"].as_u64(), region["endColumn"].as_u64());
            assert!(start <= end);
        }
    }
}

fn sarif(files: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", "--format", "sarif"];
    args.extend_from_slice(files);
    let o = policyc(&args);
    let doc: Value = serde_json::from_str(&stdout(&o)).expect("SARIF is JSON");
    (code(&o), doc)
}

#[test]
fn sarif_output_is_valid_and_stable() {
    let (rc, doc) = sarif(&[
        "tests/broken/E0305_table_less_strict.policy",
        "tests/broken/W0301_table_gap.policy",
        "tests/broken/E0001_swallowed_keyword.policy",
    ]);
    assert_eq!(rc, 1);
    validate_sarif(&doc);
    // The rules repeat codes.in (checked above); the snapshot keeps their ids only.
    let mut shown = doc.clone();
    let rules = shown["runs"][0]["tool"]["driver"]["rules"].take();
    shown["runs"][0]["tool"]["driver"]["rules"] = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    insta::assert_json_snapshot!("check_sarif", shown);
}

#[test]
fn sarif_columns_count_code_points() {
    let (_, doc) = sarif(&["tests/broken/E0001_swallowed_keyword.policy"]);
    validate_sarif(&doc);
    let region = &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    // Same positions as the JSON format: line 3, columns 10..14 in characters.
    assert_eq!(region["startLine"], 3);
    assert_eq!(region["startColumn"], 10);
    assert_eq!(region["endColumn"], 14);
    let (rc, doc) = sarif(&[BEIJING, NATIONAL]);
    assert_eq!(rc, 0);
    validate_sarif(&doc);
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn a_file_checked_twice_reports_once() {
    let o = policyc(&[
        "check",
        "--format",
        "json",
        "tests/data/incomplete-table.policy",
        "tests/data/incomplete-table.policy",
    ]);
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["summary"]["warnings"], 1);
}
