//! `--census` through the real binary: what in the Beijing plan never fired over the shipped
//! list and over a generated one, in text, JSON and the workbook, whatever the thread count.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use calamine::{open_workbook, Reader, Xlsx};
use common::{code, policyc, stderr, stdout, tmp, BEIJING, FIRMS};
use serde_json::Value;

/// The census part of a table output: from its head line on.
fn census_part(text: &str, head: &str) -> String {
    let at = text.find(head).expect("the census is written");
    text[at..].to_string()
}

#[test]
fn audit_census_of_the_shipped_list_in_chinese() {
    let o = policyc(&[
        "audit", "--lang", "zh", BEIJING, "--data", FIRMS, "--census",
    ]);
    // The census is not a finding: the clean list still exits 0.
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!("census_audit_firms_zh", stdout(&o));
}

#[test]
fn eval_census_at_yellow_in_english_names_the_unconcerned_firm() {
    let o = policyc(&[
        "eval", "--lang", "en", BEIJING, "--data", FIRMS, "--level", "黄色", "--format", "table",
        "--census",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!(
        "census_eval_firms_yellow_en",
        census_part(&stdout(&o), "census (levels: ")
    );
    // Without the flag, nothing of it.
    let plain = policyc(&[
        "eval", "--lang", "en", BEIJING, "--data", FIRMS, "--level", "黄色", "--format", "table",
    ]);
    assert!(!stdout(&plain).contains("census"));
    assert!(
        stdout(&o).starts_with(&stdout(&plain)),
        "the results are unchanged"
    );
}

#[test]
fn eval_census_json_has_stable_keys_whatever_the_language() {
    let run = |lang: &str| {
        let o = policyc(&[
            "eval", "--lang", lang, BEIJING, "--data", FIRMS, "--level", "yellow", "--census",
        ]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        serde_json::from_str::<Value>(&stdout(&o)).unwrap()
    };
    let doc = run("en");
    assert_eq!(doc["census"], run("zh")["census"]);
    let c = &doc["census"];
    assert_eq!(c["levels"], serde_json::json!(["黄色"]));
    // In force at yellow: 减少溶剂型原辅材料, 差异化减排, 应急值守; each applied.
    assert_eq!(c["measures"]["considered"], 3);
    assert_eq!(c["measures"]["never_applied"], serde_json::json!([]));
    // 7 industries × 6 grades at yellow; the list's firms use 8 of them.
    assert_eq!(c["cells"]["considered"], 42);
    let never = c["cells"]["never_used"].as_array().unwrap();
    assert_eq!(never.len(), 34);
    let cell = |keys: [&str; 3]| serde_json::json!({"table": "绩效分级减排", "keys": keys});
    assert!(never.contains(&cell(["水泥熟料", "B-", "黄色"])));
    // Firm 2 (水泥熟料 B, on the yellow list) used its cell; firm 3 (C) is on the guarantee
    // list, so its cell was looked up for an exempt entry only and counts as not used.
    assert!(!never.contains(&cell(["水泥熟料", "B", "黄色"])));
    assert!(never.contains(&cell(["水泥熟料", "C", "黄色"])));
    // The machinery measure is not in force at yellow: its exception is out of scope.
    assert_eq!(c["exceptions"]["considered"], 0);
    assert_eq!(c["exemptions"]["considered"], 1);
    assert_eq!(c["exemptions"]["never_lifted"], serde_json::json!([]));
    assert_eq!(c["records"]["decided"], 19);
    assert_eq!(c["records"]["unconcerned"], 1);
    assert_eq!(
        c["records"]["first"],
        serde_json::json!([{
            "entity": "企业",
            "key": "91110118656952098Q",
            "file": FIRMS,
            "row": 16,
        }])
    );
}

#[test]
fn audit_census_json_over_all_levels_and_the_exit_code_is_the_audits() {
    let o = policyc(&[
        "audit", "--lang", "en", BEIJING, "--data", FIRMS, "--census", "--format", "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let c = &doc["census"];
    assert_eq!(c["levels"], serde_json::json!(["黄色", "橙色", "红色"]));
    assert_eq!(c["measures"]["considered"], 7);
    assert_eq!(c["exceptions"]["considered"], 1);
    assert_eq!(c["exceptions"]["never_held"], serde_json::json!([]));
    assert_eq!(c["cells"]["considered"], 126);
    assert_eq!(c["cells"]["never_used"].as_array().unwrap().len(), 96);
    // Every firm is concerned at orange at least (合理安排运输 concerns every firm).
    assert_eq!(c["records"]["unconcerned"], 0);
}

/// The shipped list with its firms taken off the guarantee list: the guarantee exemption
/// lifts nothing.
#[test]
fn an_exemption_that_lifts_nothing_is_reported_with_its_citation() {
    let dir = tmp("census-exemption");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(FIRMS).unwrap()).unwrap();
    for firm in doc["企业"].as_array_mut().unwrap() {
        firm["保障类别"] = Value::Null;
    }
    let data = dir.join("firms.json");
    std::fs::write(&data, doc.to_string()).unwrap();
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        data.to_str().unwrap(),
        "--level",
        "all",
        "--census",
        "--format",
        "jsonl",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let last: Value = serde_json::from_str(stdout(&o).lines().last().unwrap()).unwrap();
    let never = &last["census"]["exemptions"]["never_lifted"];
    assert_eq!(never.as_array().unwrap().len(), 1);
    assert_eq!(never[0]["exemption"], "保障类企业");
    assert!(never[0]["cite"].as_str().unwrap().contains("四、(二)"));
}

#[test]
fn csv_output_gets_the_census_on_standard_error() {
    let o = policyc(&[
        "eval", "--lang", "zh", BEIJING, "--data", FIRMS, "--level", "黄色", "--format", "csv",
        "--census",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stdout(&o).contains("普查"));
    let err = stderr(&o);
    assert!(err.contains("普查（级别：黄色）"), "{err}");
    assert!(err.contains("无措施涉及的记录：1 / 19"), "{err}");
}

fn sheet_rows(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[test]
fn workbooks_of_eval_and_audit_have_a_census_sheet() {
    let dir = tmp("census-xlsx");
    let eval_book = dir.join("结果.xlsx");
    let o = policyc(&[
        "eval",
        "--lang",
        "zh",
        BEIJING,
        "--data",
        FIRMS,
        "--level",
        "黄色",
        "--census",
        "-o",
        eval_book.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let wb: Xlsx<_> = open_workbook(&eval_book).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["汇总", "汇总-单位", "明细", "错误", "普查", "说明"]
    );
    let rows = sheet_rows(&eval_book, "普查");
    assert_eq!(
        rows[0],
        ["类别", "项目", "依据", "说明", "文件", "工作表", "行"]
    );
    assert_eq!(rows[1][..4], ["措施", "", "", "从未适用的措施：0 / 3"]);
    let cells: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "表格单元格").collect();
    assert_eq!(cells.len(), 1 + 34, "a count row and one row per cell");
    assert!(cells
        .iter()
        .any(|r| r[1] == "绩效分级减排[水泥熟料, B-, 黄色]"));
    let records: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "记录").collect();
    assert_eq!(records[0][3], "无措施涉及的记录：1 / 19");
    assert_eq!(
        records[1][..],
        ["记录", "企业 91110118656952098Q", "", "", FIRMS, "", "16"]
    );

    let audit_book = dir.join("audit.xlsx");
    let o = policyc(&[
        "audit",
        "--lang",
        "en",
        BEIJING,
        "--data",
        FIRMS,
        "--census",
        "-o",
        audit_book.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let wb: Xlsx<_> = open_workbook(&audit_book).unwrap();
    assert_eq!(wb.sheet_names(), ["findings", "errors", "census", "about"]);
    let rows = sheet_rows(&audit_book, "census");
    assert_eq!(rows[0][..4], ["kind", "item", "cite", "detail"]);
    assert!(rows
        .iter()
        .any(|r| r[3] == "exceptions that never held: 0 of 1"));
    // Without the flag, no census sheet.
    let plain = dir.join("plain.xlsx");
    let o = policyc(&[
        "audit",
        "--lang",
        "en",
        BEIJING,
        "--data",
        FIRMS,
        "-o",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let wb: Xlsx<_> = open_workbook(&plain).unwrap();
    assert_eq!(wb.sheet_names(), ["findings", "errors", "about"]);
}

/// A valid unified social credit code whose body encodes `n`.
fn credit_code(n: usize) -> String {
    let body = format!("91110000{n:09}");
    let check = policyc::data::credit_code::check_char(&body).expect("a well-formed body");
    format!("{body}{check}")
}

/// 9,000 firms (more than a batch, many chunks) made from the shipped ones; every seventh
/// (i % 7 == 3) is off every list and emits nothing, so no measure concerns it at yellow.
/// Returns the file and the keys of those firms, in input order.
fn many_firms(dir: &Path) -> (PathBuf, Vec<String>) {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(FIRMS).unwrap()).unwrap();
    let shipped = doc["企业"].as_array().unwrap();
    let mut firms = Vec::new();
    let mut unconcerned = Vec::new();
    for i in 0..9000 {
        let mut f = shipped[i % shipped.len()].clone();
        let key = credit_code(i);
        f["统一社会信用代码"] = Value::String(key.clone());
        if i % 7 == 3 {
            f["涉气排放"] = Value::Bool(false);
            f["应急减排清单"] = serde_json::json!([]);
            unconcerned.push(key);
        } else {
            f["涉气排放"] = Value::Bool(true);
        }
        firms.push(f);
    }
    let path = dir.join("many.json");
    std::fs::write(&path, serde_json::json!({ "企业": firms }).to_string()).unwrap();
    (path, unconcerned)
}

fn run_with_threads(threads: &str, data: &Path) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_policyc"))
        .args([
            "eval",
            "--lang",
            "en",
            BEIJING,
            "--data",
            data.to_str().unwrap(),
            "--level",
            "yellow",
            "--census",
            "--format",
            "jsonl",
        ])
        .env("NO_COLOR", "1")
        .env("RAYON_NUM_THREADS", threads)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    stdout(&o).lines().last().unwrap().to_string()
}

#[test]
fn the_census_is_the_same_whatever_the_thread_count_and_lists_records_in_input_order() {
    let dir = tmp("census-threads");
    let (data, unconcerned) = many_firms(&dir);
    let one = run_with_threads("1", &data);
    let two = run_with_threads("2", &data);
    assert_eq!(one, two);
    let last: Value = serde_json::from_str(&one).unwrap();
    let records = &last["census"]["records"];
    assert_eq!(records["decided"], 9000);
    assert_eq!(records["unconcerned"], unconcerned.len());
    let first: Vec<&str> = records["first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(first, unconcerned[..20]);
    assert_eq!(records["first"][0]["row"], 4);
}
