//! `policyc publish` through the real binary: the Beijing plan's lists under 五、(四), in
//! every format, fail closed.

mod common;

use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Reader};
use common::{code, policyc, stderr, tmp, BEIJING, FIRMS};
use serde_json::Value;

/// The classified firm of the shipped list.
const CLASSIFIED: &str = "91110118656952098Q";

fn firms() -> Value {
    serde_json::from_str(&std::fs::read_to_string(FIRMS).unwrap()).unwrap()
}

fn write(dir: &Path, doc: &Value) -> PathBuf {
    let path = dir.join("firms.json");
    std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

fn publish_json(data: &str, dir: &Path) -> (std::process::Output, Value) {
    let out = dir.join("public.json");
    let o = policyc(&[
        "publish",
        "--lang",
        "en",
        BEIJING,
        "--data",
        data,
        "-o",
        out.to_str().unwrap(),
    ]);
    let doc = std::fs::read_to_string(&out)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    (o, doc)
}

fn keys(doc: &Value, list: &str) -> Vec<String> {
    doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["list"] == list)
        .map(|r| {
            r["values"]["统一社会信用代码"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn the_two_lists_of_the_plan_hold_their_firms_and_fields_and_never_the_classified_one() {
    let dir = tmp("publish-json");
    let (o, doc) = publish_json(FIRMS, &dir);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim_end(),
        "records 19: published 13 (16 rows), withheld 1, withheld as unreadable 0, in no list 5, failed 0, skipped 0"
    );
    let listed = keys(&doc, "应急减排清单");
    let guarantee = keys(&doc, "保障清单");
    assert_eq!((listed.len(), guarantee.len()), (13, 3));
    assert!(!listed.contains(&CLASSIFIED.to_string()));
    assert!(!guarantee.contains(&CLASSIFIED.to_string()));
    // Each firm of the reduction list is on some level's list; of the guarantee list, has a scope.
    let all = firms();
    for firm in all["企业"].as_array().unwrap() {
        let key = firm["统一社会信用代码"].as_str().unwrap().to_string();
        let secret = firm["涉密"] == Value::Bool(true);
        let on_list = firm["应急减排清单"]
            .as_array()
            .is_some_and(|l| !l.is_empty());
        assert_eq!(listed.contains(&key), on_list && !secret, "{key}");
        let scoped = firm.get("保障类别").is_some_and(|s| s.is_string());
        assert_eq!(guarantee.contains(&key), scoped && !secret, "{key}");
    }
    // Only the declared fields, the key first; nothing else of a firm.
    for row in doc["rows"].as_array().unwrap() {
        let fields: Vec<&String> = row["values"].as_object().unwrap().keys().collect();
        let expected: &[&str] = if row["list"] == "保障清单" {
            &["统一社会信用代码", "名称", "所在区", "行业", "保障类别"]
        } else {
            &[
                "统一社会信用代码",
                "名称",
                "所在区",
                "行业",
                "绩效等级",
                "应急减排清单",
            ]
        };
        assert_eq!(fields, expected);
    }
    assert_eq!(doc["lists"][0]["cite"], "五、(四)");
    let text = std::fs::read_to_string(dir.join("public.json")).unwrap();
    assert!(!text.contains("涉气排放") && !text.contains("一厂一策"));
}

#[test]
fn an_empty_classified_cell_withholds_the_firm_and_a_row_that_does_not_load_is_only_on_stderr() {
    let dir = tmp("publish-fail-closed");
    let mut doc = firms();
    let list = doc["企业"].as_array_mut().unwrap();
    let unreadable = list[0]["统一社会信用代码"].as_str().unwrap().to_string();
    list[0].as_object_mut().unwrap().remove("涉密");
    let bad = list[1]["统一社会信用代码"].as_str().unwrap().to_string();
    let bad_name = list[1]["名称"].as_str().unwrap().to_string();
    list[1]["绩效等级"] = Value::String("Z级".into());
    let data = write(&dir, &doc);
    let (o, public) = publish_json(data.to_str().unwrap(), &dir);
    assert_eq!(code(&o), 1, "a row that did not load fails the run");
    let err = stderr(&o);
    assert!(err.contains(&bad) && err.contains("绩效等级"), "{err}");
    assert!(err.contains("withheld as unreadable 1"), "{err}");
    let text = std::fs::read_to_string(dir.join("public.json")).unwrap();
    for hidden in [&unreadable, &bad, &bad_name, &CLASSIFIED.to_string()] {
        assert!(
            !text.contains(hidden.as_str()),
            "{hidden} in the public file"
        );
    }
    assert_eq!(keys(&public, "应急减排清单").len(), 11);
}

#[test]
fn csv_holds_the_list_asked_for_and_refuses_to_guess_between_two() {
    let dir = tmp("publish-csv");
    let out = dir.join("public.csv");
    let args = [
        "publish",
        "--lang",
        "en",
        BEIJING,
        "--data",
        FIRMS,
        "-o",
        out.to_str().unwrap(),
    ];
    let o = policyc(&args);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("a CSV file holds one list"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    let o = policyc(&[&args[..], &["--list", "保障清单"]].concat());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "统一社会信用代码,名称,所在区,行业,保障类别");
    assert_eq!(lines.len(), 4);
    assert!(!text.contains(CLASSIFIED));
    let o = policyc(&[&args[..], &["--list", "没有"]].concat());
    assert_eq!(code(&o), 2);
}

#[test]
fn the_workbook_has_a_sheet_per_list_and_no_error_sheet() {
    let dir = tmp("publish-xlsx");
    let out = dir.join("public.xlsx");
    let o = policyc(&[
        "publish",
        "--lang",
        "zh",
        BEIJING,
        "--data",
        FIRMS,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut wb = open_workbook_auto(&out).unwrap();
    assert_eq!(wb.sheet_names(), ["应急减排清单", "保障清单", "说明"]);
    let sheet = wb.worksheet_range("应急减排清单").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();
    assert_eq!(
        rows[0],
        [
            "统一社会信用代码",
            "名称",
            "所在区",
            "行业",
            "绩效等级",
            "应急减排清单"
        ]
    );
    assert_eq!(rows.len(), 14);
    assert!(rows.iter().all(|r| r[0] != CLASSIFIED));
    assert_eq!(rows[1][5], "黄色、橙色、红色");
    // Identical inputs, identical bytes.
    let first = std::fs::read(&out).unwrap();
    let o = policyc(&[
        "publish",
        "--lang",
        "zh",
        BEIJING,
        "--data",
        FIRMS,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0);
    assert_eq!(std::fs::read(&out).unwrap(), first);
}

/// `eval --public` decides as `eval` does, but shows only the firms `publish` publishes,
/// with their public fields, and no entry about an item no disclosure publishes (the plan
/// publishes no machinery); the classified firm and the agencies are nowhere in it.
#[test]
fn eval_for_the_public_shows_only_published_firms_public_fields_and_no_machinery() {
    let dir = tmp("eval-public");
    let (_, published) = publish_json(FIRMS, &dir);
    let mut public_keys: Vec<String> = keys(&published, "应急减排清单");
    public_keys.extend(keys(&published, "保障清单"));
    public_keys.sort();
    public_keys.dedup();
    let run = |public: bool, format: &str, out: &Path| {
        let mut args = vec![
            "eval", "--lang", "zh", BEIJING, "--data", FIRMS, "--level", "all", "--format", format,
            "-o",
        ];
        args.push(out.to_str().unwrap());
        if public {
            args.push("--public");
        }
        policyc(&args)
    };
    let (all_out, public_out) = (dir.join("all.jsonl"), dir.join("public.jsonl"));
    assert_eq!(code(&run(false, "jsonl", &all_out)), 0);
    let o = run(true, "jsonl", &public_out);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("公开输出：列出 13 条记录，6 条不予公开"),
        "{}",
        stderr(&o)
    );
    let lines = |p: &Path| -> Vec<Value> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|r| r.get("key").is_some())
            .collect()
    };
    let (all, public) = (lines(&all_out), lines(&public_out));
    let mut shown: Vec<String> = public
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect();
    shown.dedup();
    let mut sorted = shown.clone();
    sorted.sort();
    assert_eq!(sorted, public_keys, "the firms publish publishes, no other");
    assert!(!shown.contains(&CLASSIFIED.to_string()));
    for r in &public {
        assert_eq!(r["entity"], "企业");
        // The same decision as eval's, less the entries about machines.
        let same = all
            .iter()
            .find(|a| a["key"] == r["key"] && a["level"] == r["level"])
            .expect("eval decided it too");
        assert_eq!(r["effective_action"], same["effective_action"]);
        let firm_entries: Vec<&Value> = same["measures"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m.get("subject").is_none())
            .collect();
        let shown_entries: Vec<&Value> = r["measures"].as_array().unwrap().iter().collect();
        assert_eq!(shown_entries, firm_entries, "{}", r["key"]);
    }
    // The workbook: no 涉密 column (displayed for the bureau, not public), no agency sheet.
    let xlsx = dir.join("public.xlsx");
    assert_eq!(code(&run(true, "xlsx", &xlsx)), 0);
    let mut book = open_workbook_auto(&xlsx).unwrap();
    assert!(!book.sheet_names().iter().any(|s| s.contains("单位")));
    let summary = book.worksheet_range("汇总").unwrap();
    let header: Vec<String> = summary
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(
        header.contains(&"名称".to_string()) && !header.contains(&"涉密".to_string()),
        "{header:?}"
    );
    assert_eq!(summary.rows().count(), 1 + public_keys.len());
    let mut text = String::new();
    for name in book.sheet_names() {
        for row in book.worksheet_range(&name).unwrap().rows() {
            for c in row {
                text.push_str(&c.to_string());
                text.push('\t');
            }
        }
    }
    assert!(!text.contains(CLASSIFIED) && !text.contains("FS-0101"));
    // It states what it shows, not what it keeps out, and names no input file.
    assert!(!text.contains("firms.json"), "{text}");
    let summary = public_out.with_extension("jsonl");
    let last: Value = serde_json::from_str(
        std::fs::read_to_string(summary)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(last["summary"]["records"], public_keys.len());
}

/// A row that does not load is told on standard error, never in the public output.
#[test]
fn eval_for_the_public_keeps_error_rows_out_of_the_output() {
    let dir = tmp("eval-public-errors");
    let mut doc = firms();
    doc["企业"][0]["绩效等级"] = Value::String("Z级".into());
    let bad_key = doc["企业"][0]["统一社会信用代码"]
        .as_str()
        .unwrap()
        .to_string();
    let data = write(&dir, &doc);
    let out = dir.join("public.json");
    let o = policyc(&[
        "eval",
        "--lang",
        "zh",
        BEIJING,
        "--data",
        data.to_str().unwrap(),
        "--level",
        "all",
        "--public",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("Z级"), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains(&bad_key) && !text.contains("Z级"), "{text}");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["errors"].as_array().map(Vec::len).unwrap_or(0), 0);
}
