//! An officer's own workbook in, results by firm out: through the real binary, on
//! workbooks this project has never seen (written by `common::officer`).

mod common;

use common::officer::{self, Expected};
use common::{code, policyc, stderr, stdout, tmp, BEIJING};

/// Writes the fixtures to a directory to look at by hand: `cargo test --test officer -- --ignored`.
#[test]
#[ignore = "writes the fixtures for a look by hand"]
fn write_fixtures_for_a_look() {
    let dir = std::path::Path::new("/tmp/policyc-officer");
    let _ = std::fs::create_dir_all(dir);
    officer::district_workbook(dir, 12);
    officer::two_row_header_workbook(dir, 12);
    officer::csv_export_gb18030(dir, 12);
}

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// Every firm of the truth is decided at every level, with its machines.
fn check_decisions(doc: &serde_json::Value, truth: &Expected) {
    let results = doc["results"].as_array().expect("results");
    assert_eq!(
        results.len(),
        truth.firms.len() * 3,
        "every firm at every level"
    );
    for firm in &truth.firms {
        let mine: Vec<&serde_json::Value> = results
            .iter()
            .filter(|r| r["key"] == firm.key.as_str())
            .collect();
        assert_eq!(mine.len(), 3, "firm {} at three levels", firm.key);
        for r in mine {
            let level = r["level"].as_str().unwrap();
            let listed = firm.levels.contains(&level);
            let machine_entries = r["measures"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["measure"] == "停用燃油非道路移动机械")
                .count();
            let expected = if listed && level != "黄色" {
                firm.machines.len()
            } else {
                0
            };
            assert_eq!(
                machine_entries, expected,
                "firm {} at {level}: {r}",
                firm.key
            );
            let graded = r["measures"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["measure"] == "差异化减排");
            assert_eq!(
                graded, listed,
                "firm {} at {level} on the list: {r}",
                firm.key
            );
        }
    }
}

#[test]
fn a_district_workbook_evaluates_with_no_edit() {
    let dir = tmp("officer-xlsx");
    let truth = officer::expected(12);
    let book = officer::district_workbook(&dir, 12);
    let book = book.to_str().unwrap();
    let o = policyc(&[
        "eval", BEIJING, "--data", book, "--level", "all", "--lang", "zh",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = json(&o);
    let s = &doc["summary"];
    assert_eq!(s["failed"], 0, "{}", doc["errors"]);
    assert_eq!(s["evaluated"], truth.firms.len(), "{s}");
    assert!(
        s["skipped"].as_u64().unwrap() >= 1,
        "the 合计 row is skipped: {s}"
    );
    check_decisions(&doc, &truth);
    let err = stderr(&o);
    assert!(err.contains("已评估 12"), "{err}");
}

#[test]
fn a_two_row_header_and_a_gb18030_export_read_alike() {
    let dir = tmp("officer-two-row");
    let truth = officer::expected(12);
    let book = officer::two_row_header_workbook(&dir, 12);
    let o = policyc(&[
        "eval",
        BEIJING,
        "--data",
        book.to_str().unwrap(),
        "--level",
        "all",
        "--lang",
        "en",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(doc["summary"]["failed"], 0, "{}", doc["errors"]);
    check_decisions(&doc, &truth);
    let (firms, machines) = officer::csv_export_gb18030(&dir, 12);
    let o = policyc(&[
        "eval",
        BEIJING,
        "--data",
        firms.to_str().unwrap(),
        machines.to_str().unwrap(),
        "--level",
        "all",
        "--lang",
        "en",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(doc["summary"]["failed"], 0, "{}", doc["errors"]);
    check_decisions(&doc, &truth);
}

#[test]
fn a_legacy_xls_workbook_is_read() {
    let truth = officer::expected(officer::XLS_FIRMS);
    let xls = officer::xls_fixture();
    let o = policyc(&[
        "eval",
        BEIJING,
        "--data",
        xls.to_str().unwrap(),
        "--level",
        "all",
        "--lang",
        "en",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(doc["summary"]["failed"], 0, "{}", doc["errors"]);
    check_decisions(&doc, &truth);
}
