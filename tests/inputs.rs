//! Data inputs through the real binary: CSV (UTF-8, BOM, GB18030), item files, XLSX,
//! JSON Lines, standard input; row errors with file, row and column; exit codes.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use common::{code, policyc, policyc_stdin, stderr, stdout, BEIJING};

use serde_json::Value as Json;

const FIRMS_JSON: &str = common::FIRMS;

fn json(o: &Output) -> Json {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("output is JSON ({e}): {}{}", stdout(o), stderr(o)))
}

/// A fresh directory under the target's temporary directory.
/// A fresh directory for one test.
fn tmp(name: &str) -> PathBuf {
    common::tmp(&format!("inputs/{name}"))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn errors(doc: &Json) -> Vec<(String, u64, Option<String>)> {
    doc["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap_or_default().to_string(),
                e["row"].as_u64().unwrap_or_default(),
                e["column"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn summary(doc: &Json) -> (u64, u64, u64) {
    let s = &doc["summary"];
    (
        s["records"].as_u64().unwrap(),
        s["evaluated"].as_u64().unwrap(),
        s["failed"].as_u64().unwrap(),
    )
}

/// Whether standard error says `needle`, ignoring how the report wrapped its lines.
fn says(o: &Output, needle: &str) -> bool {
    let flat = |t: &str| {
        t.chars()
            .filter(|c| !c.is_whitespace() && *c != '│')
            .collect::<String>()
    };
    flat(&stderr(o)).contains(&flat(needle))
}

fn no_panic(o: &Output) {
    assert!(
        !stderr(o).contains("panicked"),
        "policyc panicked: {}",
        stderr(o)
    );
}

#[test]
fn bom_alias_headers_and_an_item_file() {
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        "tests/data/bom-alias.csv",
        "机械=tests/data/machines.csv",
        "--level",
        "橙色",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let doc = json(&o);
    assert_eq!(summary(&doc), (2, 2, 0));
    let warnings = doc["warnings"].to_string();
    assert!(warnings.contains("`备注`"), "{warnings}");
    let out = stdout(&o);
    for machine in ["CY-1", "CY-2", "HD-1"] {
        assert!(
            out.contains(&format!("\"subject\": \"{machine}\""))
                || out.contains(&format!("\"subject\":\"{machine}\"")),
            "{machine} in {out}"
        );
    }
    assert_eq!(doc["results"][0]["key"], "91310110666007217T");
}

fn gb18030(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// Result lines of `--format jsonl` output (without the closing summary line).
fn result_lines(o: &Output) -> Vec<String> {
    let out = stdout(o);
    let mut lines: Vec<String> = out.lines().map(str::to_string).collect();
    let last = lines.pop().unwrap_or_default();
    assert!(last.starts_with("{\"summary\""), "{last}");
    lines
}

#[test]
fn gb18030_csv_is_detected_or_named() {
    let dir = tmp("gb18030");
    let firms = std::fs::read_to_string("tests/data/bom-alias.csv").unwrap();
    let firms = firms.trim_start_matches('\u{feff}');
    let machines = std::fs::read_to_string("tests/data/machines.csv").unwrap();
    std::fs::write(dir.join("企业.csv"), gb18030(firms)).unwrap();
    std::fs::write(dir.join("机械.csv"), gb18030(&machines)).unwrap();
    let (f, m) = (dir.join("企业.csv"), dir.join("机械.csv"));
    let utf8 = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        "tests/data/bom-alias.csv",
        "机械=tests/data/machines.csv",
        "--level",
        "all",
        "--format",
        "jsonl",
    ]);
    assert_eq!(code(&utf8), 0, "{}", stderr(&utf8));
    let detected = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        s(&f),
        s(&m),
        "--level",
        "all",
        "--format",
        "jsonl",
    ]);
    assert_eq!(
        code(&detected),
        0,
        "{}{}",
        stdout(&detected),
        stderr(&detected)
    );
    assert_eq!(result_lines(&detected), result_lines(&utf8));
    let named = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        s(&f),
        s(&m),
        "--level",
        "all",
        "--format",
        "jsonl",
        "--encoding",
        "GB18030",
    ]);
    assert_eq!(result_lines(&named), result_lines(&utf8));
    let unknown = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        s(&f),
        "--level",
        "all",
        "--encoding",
        "klingon",
    ]);
    assert_eq!(code(&unknown), 2);
    assert!(
        says(&unknown, "unknown text encoding `klingon`"),
        "{}",
        stderr(&unknown)
    );
    let wrong = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        s(&f),
        "--level",
        "all",
        "--encoding",
        "utf-8",
    ]);
    assert_eq!(
        code(&wrong),
        2,
        "the header is not UTF-8: {}",
        stderr(&wrong)
    );
    assert!(says(&wrong, "--encoding gb18030"), "{}", stderr(&wrong));
}

#[test]
fn bad_cells_name_file_row_and_column() {
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        "tests/data/bad-cells.csv",
        "--level",
        "黄色",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(summary(&doc), (6, 1, 5));
    let f = "tests/data/bad-cells.csv".to_string();
    let col = |c: &str| Some(c.to_string());
    assert_eq!(
        errors(&doc),
        vec![
            (f.clone(), 3, col("统一社会信用代码")),
            (f.clone(), 4, col("绩效等级")),
            (f.clone(), 5, col("涉气排放")),
            (f.clone(), 6, col("行业")),
            // A short row reads as empty cells: it lacks the grade.
            (f.clone(), 7, col("绩效等级")),
        ]
    );
    insta::assert_json_snapshot!("bad_cells_errors", doc["errors"]);
}

#[test]
fn on_error_fail_stops_at_the_first_bad_record() {
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        "tests/data/bad-cells.csv",
        "--level",
        "黄色",
        "--on-error",
        "fail",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(summary(&doc), (2, 1, 1), "read up to the first bad record");
    assert_eq!(errors(&doc)[0].1, 3);
    assert!(
        doc["warnings"].to_string().contains("--on-error fail"),
        "{}",
        doc["warnings"]
    );
}

#[test]
fn items_in_any_order_join_their_parents() {
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        "tests/data/bom-alias.csv",
        "机械=tests/data/unordered-machines.csv",
        "--level",
        "橙色",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(summary(&doc), (2, 2, 0));
    // Each firm has its one machine, though the file lists them in the other order.
    for (firm, machine) in [
        ("91310110666007217T", "CY-1"),
        ("91310115591693856A", "HD-1"),
    ] {
        let r = doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == firm)
            .unwrap();
        let subjects: Vec<&str> = r["measures"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["measure"] == "停用燃油非道路移动机械")
            .map(|e| e["subject"].as_str().unwrap())
            .collect();
        assert_eq!(subjects, [machine], "{r}");
    }
    no_panic(&o);
}

#[test]
fn orphan_items_and_bad_items_are_row_errors() {
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        "tests/data/bom-alias.csv",
        "机械=tests/data/orphan-machines.csv",
        "--level",
        "橙色",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc = json(&o);
    // Two firms and one machine without a firm: the firm with a bad machine fails.
    assert_eq!(summary(&doc), (3, 1, 2));
    let f = "tests/data/orphan-machines.csv".to_string();
    // The firm that failed by its machine comes where the firm stands; the orphan after the
    // last firm.
    assert_eq!(
        errors(&doc),
        vec![
            (f.clone(), 4, Some("动力".into())),
            (f.clone(), 3, Some("统一社会信用代码".into())),
        ]
    );
    let e = &doc["errors"];
    assert_eq!(e[0]["entity"], "企业");
    assert_eq!(e[0]["key"], "91310115591693856A");
    assert_eq!(e[0]["value"], "蒸汽");
    assert!(
        e[0]["message"].as_str().unwrap().contains("蒸汽"),
        "{}",
        e[0]
    );
    assert!(e[1]["message"]
        .as_str()
        .unwrap()
        .contains("no parent record with key 91110111572812549C"));
}

#[test]
fn missing_columns_and_item_files_without_parents_exit_2() {
    let dir = tmp("missing");
    let p = dir.join("企业.csv");
    std::fs::write(
        &p,
        "统一社会信用代码,名称,所在区,绩效等级,涉气排放,应急减排清单,涉密\n",
    )
    .unwrap();
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        s(&p),
        "--level",
        "黄色",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        says(&o, "no column for required field `行业`"),
        "{}",
        stderr(&o)
    );
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        "机械=tests/data/machines.csv",
        "--level",
        "黄色",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        says(&o, "no CSV file of `企业` was given"),
        "{}",
        stderr(&o)
    );
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        "供应商=tests/data/machines.csv",
        "--level",
        "黄色",
    ]);
    assert_eq!(code(&o), 2);
    assert!(says(&o, "`供应商` is not an entity"), "{}", stderr(&o));
}

#[test]
fn hostile_files_are_errors_not_panics() {
    let dir = tmp("hostile");
    let binary = dir.join("binary.csv");
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&binary, &bytes).unwrap();
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        s(&binary),
        "--level",
        "黄色",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    no_panic(&o);
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write(0, 0, "名称").unwrap();
    let xlsx = wb.save_to_buffer().unwrap();
    let zip = dir.join("zip.csv");
    std::fs::write(&zip, &xlsx).unwrap();
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        s(&zip),
        "--level",
        "黄色",
    ]);
    assert_eq!(code(&o), 2);
    assert!(says(&o, "zip archive"), "{}", stderr(&o));
    for cut in [10, xlsx.len() / 2, xlsx.len() - 1] {
        let t = dir.join(format!("cut{cut}.xlsx"));
        std::fs::write(&t, &xlsx[..cut]).unwrap();
        let o = policyc(&[
            "eval",
            "--lang",
            "en",
            BEIJING,
            "--data",
            s(&t),
            "--level",
            "黄色",
        ]);
        assert_eq!(code(&o), 2, "{}", stderr(&o));
        no_panic(&o);
    }
    let ragged = dir.join("企业.csv");
    std::fs::write(
        &ragged,
        "统一社会信用代码,名称,所在区,行业,绩效等级,涉气排放,应急减排清单,涉密\n\"unterminated,x\n,a,b,c,d,e,f,g,h,i,j\n",
    )
    .unwrap();
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        s(&ragged),
        "--level",
        "黄色",
    ]);
    no_panic(&o);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let empty = dir.join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        s(&empty),
        "--level",
        "黄色",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(says(&o, "expected a header row"), "{}", stderr(&o));
}

#[test]
fn json_lines_with_entity_keys_and_bad_lines() {
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        "tests/data/firms.jsonl",
        "--level",
        "橙色",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(summary(&doc), (5, 2, 3), "the blank line is no record");
    let rows: Vec<u64> = errors(&doc).iter().map(|e| e.1).collect();
    assert_eq!(rows, vec![4, 5, 6]);
    let e = &doc["errors"];
    assert!(
        e[0]["message"].as_str().unwrap().contains("not JSON"),
        "{}",
        e[0]
    );
    assert!(
        e[1]["message"]
            .as_str()
            .unwrap()
            .contains("`供应商` is not an entity"),
        "{}",
        e[1]
    );
    assert_eq!(e[2]["column"], "绩效等级");
    assert_eq!(doc["results"][1]["entity"], "单位");
}

#[test]
fn standard_input_needs_a_data_format() {
    let bytes = std::fs::read("tests/data/bom-alias.csv").unwrap();
    let o = policyc_stdin(
        &[
            "eval",
            "--lang",
            "en",
            BEIJING,
            "--data",
            "-",
            "--data-format",
            "csv",
            "--level",
            "all",
            "--format",
            "jsonl",
        ],
        Some(&bytes),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let file = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        "tests/data/bom-alias.csv",
        "--level",
        "all",
        "--format",
        "jsonl",
    ]);
    assert_eq!(result_lines(&o), result_lines(&file));
    let o = policyc_stdin(
        &[
            "eval", "--lang", "en", BEIJING, "--data", "-", "--level", "all",
        ],
        Some(&bytes),
    );
    assert_eq!(code(&o), 2);
    assert!(says(&o, "--data-format"), "{}", stderr(&o));
    let jsonl = std::fs::read("tests/data/firms.jsonl").unwrap();
    let o = policyc_stdin(
        &[
            "eval",
            "--lang",
            "en",
            BEIJING,
            "--data",
            "-",
            "--data-format",
            "jsonl",
            "--level",
            "橙色",
        ],
        Some(&jsonl),
    );
    assert_eq!(summary(&json(&o)), (5, 2, 3));
    assert_eq!(json(&o)["errors"][0]["file"], "<stdin>");
}

// ------------------------------------------------------------------ the same firms, every format

const FIRM_COLUMNS: [&str; 9] = [
    "统一社会信用代码",
    "名称",
    "所在区",
    "行业",
    "绩效等级",
    "涉气排放",
    "应急减排清单",
    "保障类别",
    "涉密",
];
const MACHINE_COLUMNS: [&str; 4] = ["统一社会信用代码", "编号", "动力", "排放阶段"];
const AGENCY_COLUMNS: [&str; 2] = ["名称", "层级"];

/// A JSON value as cell text.
fn cell(v: Option<&Json>) -> String {
    match v {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s.clone(),
        Some(Json::Bool(b)) => if *b { "是" } else { "否" }.to_string(),
        Some(Json::Array(a)) => a
            .iter()
            .map(|x| cell(Some(x)))
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

fn firm_cell(f: &Json, column: &str) -> String {
    match column {
        "名称" => cell(f.get("名称").or_else(|| f.get("企业名称"))),
        c => cell(f.get(c)),
    }
}

struct Tables {
    firms: Vec<Vec<String>>,
    machines: Vec<Vec<String>>,
    agencies: Vec<Vec<String>>,
    doc: Json,
}

fn tables() -> Tables {
    let doc: Json = serde_json::from_str(&std::fs::read_to_string(FIRMS_JSON).unwrap()).unwrap();
    let mut t = Tables {
        firms: vec![],
        machines: vec![],
        agencies: vec![],
        doc: doc.clone(),
    };
    for f in doc["企业"].as_array().unwrap() {
        t.firms
            .push(FIRM_COLUMNS.iter().map(|c| firm_cell(f, c)).collect());
        for m in f["非道路移动机械"].as_array().into_iter().flatten() {
            let mut row = vec![cell(f.get("统一社会信用代码"))];
            row.extend(MACHINE_COLUMNS[1..].iter().map(|c| cell(m.get(*c))));
            t.machines.push(row);
        }
    }
    for a in doc["单位"].as_array().unwrap() {
        t.agencies
            .push(AGENCY_COLUMNS.iter().map(|c| cell(a.get(*c))).collect());
    }
    t
}

fn write_csv(path: &Path, header: &[&str], rows: &[Vec<String>]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
}

fn write_sheet(
    wb: &mut rust_xlsxwriter::Workbook,
    name: &str,
    header: &[&str],
    rows: &[Vec<String>],
) {
    let ws = wb.add_worksheet();
    ws.set_name(name).unwrap();
    for (c, h) in header.iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match v.as_str() {
                "" => {}
                // Booleans as Excel booleans, to read typed cells.
                "是" => drop(ws.write_boolean(r, c, true).unwrap()),
                "否" => drop(ws.write_boolean(r, c, false).unwrap()),
                v => drop(ws.write(r, c, v).unwrap()),
            }
        }
    }
}

#[test]
fn the_same_firms_decide_the_same_in_every_format() {
    let dir = tmp("formats");
    let t = tables();
    // CSV: a file per entity, machines in their own file in firm order.
    let (fc, mc, ac) = (
        dir.join("企业.csv"),
        dir.join("机械.csv"),
        dir.join("单位.csv"),
    );
    write_csv(&fc, &FIRM_COLUMNS, &t.firms);
    write_csv(&mc, &MACHINE_COLUMNS, &t.machines);
    write_csv(&ac, &AGENCY_COLUMNS, &t.agencies);
    // JSON Lines: firms, then agencies marked with `$entity`.
    let jl = dir.join("firms.jsonl");
    let mut lines = String::new();
    for f in t.doc["企业"].as_array().unwrap() {
        lines.push_str(&serde_json::to_string(f).unwrap());
        lines.push('\n');
    }
    for a in t.doc["单位"].as_array().unwrap() {
        let mut a = a.as_object().unwrap().clone();
        a.insert("$entity".into(), "单位".into());
        lines.push_str(&serde_json::to_string(&a).unwrap());
        lines.push('\n');
    }
    std::fs::write(&jl, lines).unwrap();
    // XLSX: a sheet per entity; machines grouped in reverse firm order (a workbook joins in
    // any order; a firm's machines keep their order).
    let xl = dir.join("firms.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    write_sheet(&mut wb, "企业", &FIRM_COLUMNS, &t.firms);
    let mut groups: Vec<Vec<Vec<String>>> = Vec::new();
    for m in &t.machines {
        match groups.last_mut() {
            Some(g) if g[0][0] == m[0] => g.push(m.clone()),
            _ => groups.push(vec![m.clone()]),
        }
    }
    let reversed: Vec<Vec<String>> = groups.into_iter().rev().flatten().collect();
    write_sheet(&mut wb, "机械", &MACHINE_COLUMNS, &reversed);
    write_sheet(&mut wb, "单位", &AGENCY_COLUMNS, &t.agencies);
    wb.save(&xl).unwrap();

    let run = |data: &[&str]| {
        let mut args = vec!["eval", "--lang", "en", BEIJING, "--data"];
        args.extend_from_slice(data);
        args.extend_from_slice(&["--level", "all", "--format", "jsonl"]);
        let o = policyc(&args);
        assert!(code(&o) < 2, "{data:?}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("\"summary\""), "{out}");
        (result_lines(&o), out.lines().last().unwrap().to_string())
    };
    let (json_lines, json_summary) = run(&[FIRMS_JSON]);
    assert!(json_lines.len() > 16 * 3, "every firm at every level");
    for data in [vec![s(&fc), s(&mc), s(&ac)], vec![s(&jl)], vec![s(&xl)]] {
        let (lines, summary) = run(&data);
        assert_eq!(lines.len(), json_lines.len(), "{data:?}");
        for (a, b) in lines.iter().zip(&json_lines) {
            assert_eq!(a, b, "{data:?}");
        }
        let counts = |s: &str| s.split(",\"warnings\"").next().unwrap().to_string();
        assert_eq!(counts(&summary), counts(&json_summary), "{data:?}");
    }
}

#[test]
fn xlsx_items_join_by_key_and_orphans_are_errors() {
    let dir = tmp("xlsx");
    let t = tables();
    let mut machines = t.machines.clone();
    machines.push(vec![
        "91110105MA0000000Y".into(),
        "X-1".into(),
        "燃油".into(),
        String::new(),
    ]);
    machines.swap(0, 1);
    let mut bad = t.machines[0].clone();
    bad[2] = "蒸汽".into();
    machines.push(bad.clone());
    let xl = dir.join("企业.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    write_sheet(&mut wb, "Sheet1", &FIRM_COLUMNS, &t.firms[..3]);
    write_sheet(&mut wb, "Sheet2", &MACHINE_COLUMNS, &machines);
    wb.save(&xl).unwrap();
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        s(&xl),
        "--level",
        "橙色",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc = json(&o);
    // Sheets by what their headers name: firms, machines. Orphans of the first three firms'
    // machines: every machine of the other firms, and X-1.
    let orphans = machines
        .iter()
        .filter(|m| !t.firms[..3].iter().any(|f| f[0] == m[0]))
        .count() as u64;
    // The firm of the bad machine fails by it; its other machines are skipped, not orphans.
    let siblings = machines.iter().filter(|m| m[0] == bad[0]).count() as u64 - 1;
    assert_eq!(summary(&doc), (3 + orphans + siblings, 2, 1 + orphans));
    assert_eq!(doc["summary"]["skipped"], siblings);
    let first = &doc["errors"][0];
    assert_eq!(first["file"], s(&xl));
    assert_eq!(first["sheet"], "Sheet2");
    assert_eq!(first["column"], "动力");
    assert_eq!(first["row"], machines.len() as u64 + 1);
    assert!(doc["errors"]
        .to_string()
        .contains("no parent record with key 91110105MA0000000Y"));
}

/// `号牌尾号: 整数 范围 0 至 9`: a value outside a field's range is a row error naming the
/// file, the officer's row and the column, in CSV and JSON alike; the other rows are decided.
#[test]
fn a_value_outside_a_field_range_is_a_row_error_in_the_officers_row() {
    let dir = common::tmp("inputs-field-range");
    let plan = dir.join("r.policy");
    std::fs::write(
        &plan,
        "预警级别 { 黄色 < 红色 }
实体 车辆 键 号牌 { 号牌: 文本  号牌尾号: 整数 范围 0 至 9  温度: 可选 整数 范围 -40 至 60 }
措施 限行 强制性 红色 { 对象 车辆 当 号牌尾号 属于 {1, 3} 要求 停用 依据 \"示例\" }
",
    )
    .unwrap();
    let csv = dir.join("车辆.csv");
    std::fs::write(
        &csv,
        "车辆号牌登记表\n号牌,号牌尾号,温度\n京A1,9,60\n京A2,12,\n京A3,0,-41\n",
    )
    .unwrap();
    let json = dir.join("车辆.json");
    std::fs::write(
        &json,
        r#"{"车辆": [{"号牌": "京A1", "号牌尾号": 9}, {"号牌": "京A2", "号牌尾号": 10}]}"#,
    )
    .unwrap();
    let plan = plan.to_str().unwrap();
    let o = policyc(&[
        "eval",
        "--lang",
        "zh",
        plan,
        "--data",
        csv.to_str().unwrap(),
        "--level",
        "红色",
        "--format",
        "table",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("车辆 京A1 @ 红色"), "{out}");
    assert!(
        out.contains("车辆.csv:4, 号牌尾号): 字段“号牌尾号”的值 12 不在 0 至 9 之间（含两端）"),
        "{out}"
    );
    assert!(
        out.contains("车辆.csv:5, 温度): 字段“温度”的值 -41 不在 -40 至 60 之间（含两端）"),
        "{out}"
    );
    assert!(
        stderr(&o).contains("读取 3 条记录：已评估 1，失败 2"),
        "{}",
        stderr(&o)
    );
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        plan,
        "--data",
        json.to_str().unwrap(),
        "--level",
        "红色",
        "--format",
        "table",
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("field `号牌尾号` holds 10, outside 0 to 9 (both ends included)"),
        "{}",
        stdout(&o)
    );
}
