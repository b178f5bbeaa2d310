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
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(
        n("records"),
        n("evaluated") + n("failed") + n("skipped"),
        "rows read = evaluated + failed + skipped"
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

/// Standard error with the temporary directory replaced, for snapshots.
fn redacted(o: &std::process::Output, dir: &std::path::Path) -> String {
    stderr(o).replace(dir.to_str().unwrap(), "[dir]")
}

#[test]
fn the_workbook_out_lists_each_firm_by_name_and_the_notes_speak_both_languages() {
    let dir = tmp("officer-out");
    let truth = officer::expected(12);
    let book = officer::district_workbook(&dir, 12);
    for lang in ["zh", "en"] {
        let out = dir.join(format!("结果-{lang}.xlsx"));
        let o = policyc(&[
            "eval",
            BEIJING,
            "--data",
            book.to_str().unwrap(),
            "--level",
            "all",
            "--format",
            "xlsx",
            "-o",
            out.to_str().unwrap(),
            "--lang",
            lang,
        ]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        insta::assert_snapshot!(format!("officer_workbook_notes_{lang}"), redacted(&o, &dir));
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&out).unwrap();
        let summary = if lang == "zh" { "汇总" } else { "summary" };
        let range = wb.worksheet_range(summary).unwrap();
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows.len(), truth.firms.len() + 1, "one row per firm");
        for firm in &truth.firms {
            let row = rows
                .iter()
                .find(|r| r[0] == firm.key)
                .expect("the firm is listed");
            assert_eq!(row[1], firm.name, "by name");
        }
        // A listed firm with fuel machines shows the machinery stop in its orange cell.
        let with_machines = truth
            .firms
            .iter()
            .find(|f| f.levels.contains(&"橙色") && !f.machines.is_empty())
            .expect("the fixture has one");
        let row = rows.iter().find(|r| r[0] == with_machines.key).unwrap();
        let orange = rows[0]
            .iter()
            .position(|h| h == "橙色要求" || h == "橙色 action")
            .unwrap();
        assert!(row[orange].contains("停用燃油非道路移动机械"), "{row:?}");
        // 说明 says how each column was read.
        let about = if lang == "zh" { "说明" } else { "about" };
        let about: Vec<String> = wb
            .worksheet_range(about)
            .unwrap()
            .rows()
            .flat_map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>())
            .collect();
        assert!(
            about
                .iter()
                .any(|c| c.contains("黄色预警是否纳入清单 → 应急减排清单:黄色")),
            "{about:?}"
        );
        assert!(
            about.iter().any(|c| c.contains("企业信用代码 → 企业")),
            "the machinery sheet's parent column: {about:?}"
        );
    }
}

/// A CSV list as an officer might export it: `columns` as the header, `rows` below.
fn write_csv(dir: &std::path::Path, name: &str, columns: &[&str], rows: &[Vec<&str>]) -> String {
    let mut text = columns.join(",") + "\r\n";
    for r in rows {
        text += &(r.join(",") + "\r\n");
    }
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

const CODES: [&str; 2] = ["91310110666007217T", "91310115591693856A"];

#[test]
fn a_missing_column_names_the_columns_it_may_be_in_both_languages() {
    let dir = tmp("officer-missing");
    let f = write_csv(
        &dir,
        "清单.csv",
        &[
            "统一社会信用代码",
            "企业名称",
            "所属行业",
            "绩效评定",
            "是否涉气",
            "应急减排清单",
        ],
        &[vec![CODES[0], "甲", "水泥熟料", "B", "是", "黄色"]],
    );
    for lang in ["zh", "en"] {
        let o = policyc(&[
            "eval", BEIJING, "--data", &f, "--level", "all", "--lang", lang,
        ]);
        assert_eq!(code(&o), 2, "{}", stderr(&o));
        insta::assert_snapshot!(format!("officer_missing_column_{lang}"), redacted(&o, &dir));
    }
}

#[test]
fn an_ambiguous_column_is_an_error_a_mapping_file_settles() {
    let dir = tmp("officer-ambiguous");
    let f = write_csv(
        &dir,
        "清单.csv",
        &[
            "统一社会信用代码",
            "企业名称",
            "行业名称",
            "行业代码",
            "绩效等级",
            "是否涉气",
            "应急减排清单",
        ],
        &[vec![CODES[0], "甲", "水泥熟料", "C30", "B", "是", "黄色"]],
    );
    let o = policyc(&[
        "eval", BEIJING, "--data", &f, "--level", "all", "--lang", "en",
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("columns `行业名称`, `行业代码` could each be field `行业`"),
        "{err}"
    );
    let map = dir.join("map.toml");
    std::fs::write(
        &map,
        "[\"企业\".columns]\n\"行业名称\" = \"行业\"\n\"行业代码\" = \"-\"\n",
    )
    .unwrap();
    let o = policyc(&[
        "eval",
        BEIJING,
        "--data",
        &f,
        "--level",
        "all",
        "--lang",
        "en",
        "--map",
        map.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn policyc_map_writes_the_mapping_and_lists_unknown_spellings_for_the_officer() {
    let dir = tmp("officer-map");
    let f = write_csv(
        &dir,
        "清单.csv",
        &[
            "序号",
            "统一社会信用代码",
            "企业名称",
            "所属行业",
            "绩效等级",
            "是否涉气",
            "黄色预警是否纳入清单",
        ],
        &[
            // 熟料 (clinker) is no spelling of the plan's; 水泥 would be: the national file
            // declares it, not encoded.
            vec!["1", CODES[0], "甲", "熟料", "B类", "是", "是"],
            vec!["2", CODES[1], "乙", "家具制造", "A级", "否", "否"],
        ],
    );
    // Without a mapping, the spellings the plan does not know fail their rows.
    let o = policyc(&[
        "eval", BEIJING, "--data", &f, "--level", "all", "--lang", "zh",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let map = dir.join("对照表.toml");
    let o = policyc(&[
        "map",
        BEIJING,
        "--data",
        &f,
        "--lang",
        "zh",
        "-o",
        map.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let written = std::fs::read_to_string(&map).unwrap();
    insta::assert_snapshot!(
        "officer_map_file",
        written.replace(dir.to_str().unwrap(), "[dir]")
    );
    // The officer fills in the two spellings the file lists, and eval reads every row.
    let filled = written
        .replace("# \"熟料\" = \"\"", "\"熟料\" = \"水泥熟料\"")
        .replace("# \"B类\" = \"\"", "\"B类\" = \"B\"");
    std::fs::write(&map, filled).unwrap();
    let o = policyc(&[
        "eval",
        BEIJING,
        "--data",
        &f,
        "--level",
        "all",
        "--lang",
        "zh",
        "--map",
        map.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let doc = json(&o);
    assert_eq!(doc["summary"]["evaluated"], 2, "{}", doc["summary"]);
}

#[test]
fn where_eval_stops_map_writes_its_guess_for_review() {
    let dir = tmp("officer-map-guess");
    let f = write_csv(
        &dir,
        "清单.csv",
        &[
            "统一社会信用代码",
            "企业名称",
            "所属行业",
            "绩效评定",
            "是否涉气",
            "应急减排清单",
        ],
        &[vec![CODES[0], "甲", "水泥熟料", "B", "是", "黄色"]],
    );
    let o = policyc(&[
        "eval", BEIJING, "--data", &f, "--level", "all", "--lang", "zh",
    ]);
    assert_eq!(code(&o), 2, "no column is 绩效等级: {}", stderr(&o));
    let map = dir.join("对照表.toml");
    let o = policyc(&[
        "map",
        BEIJING,
        "--data",
        &f,
        "--lang",
        "zh",
        "-o",
        map.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "map writes what it can: {}", stderr(&o));
    let written = std::fs::read_to_string(&map).unwrap();
    assert!(
        written.contains("\"绩效评定\" = \"绩效等级\"   # 推测，请核对"),
        "the guess, marked: {written}"
    );
    assert!(written.contains("# 注意："), "the problem, said: {written}");
    let o = policyc(&[
        "eval",
        BEIJING,
        "--data",
        &f,
        "--level",
        "all",
        "--lang",
        "zh",
        "--map",
        map.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn a_credit_code_excel_made_a_number_gets_a_help_line() {
    let dir = tmp("officer-number");
    let f = write_csv(
        &dir,
        "清单.csv",
        &[
            "统一社会信用代码",
            "企业名称",
            "所属行业",
            "绩效等级",
            "是否涉气",
            "应急减排清单",
        ],
        &[vec!["9.1110105E+17", "甲", "水泥熟料", "B", "是", "黄色"]],
    );
    let o = policyc(&[
        "eval", BEIJING, "--data", &f, "--level", "all", "--lang", "zh",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc = json(&o);
    let message = doc["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("Excel") && message.contains("文本"),
        "{message}"
    );
    assert_eq!(doc["errors"][0]["row"], 2);
}

#[test]
fn the_header_row_can_be_named_when_the_search_would_miss_it() {
    let dir = tmp("officer-header-row");
    let mut rows: Vec<Vec<&str>> = (0..3).map(|_| vec!["说明", "", "", "", "", ""]).collect();
    rows.push(vec![
        "统一社会信用代码",
        "企业名称",
        "所属行业",
        "绩效等级",
        "是否涉气",
        "应急减排清单",
    ]);
    rows.push(vec![CODES[0], "甲", "水泥熟料", "B", "是", "黄色"]);
    let f = write_csv(&dir, "清单.csv", &["某区清单", "", "", "", "", ""], &rows);
    let o = policyc(&[
        "eval",
        BEIJING,
        "--data",
        &f,
        "--level",
        "all",
        "--lang",
        "en",
        "--header-row",
        "5",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["summary"]["evaluated"], 1);
    let o = policyc(&[
        "eval",
        BEIJING,
        "--data",
        &f,
        "--level",
        "all",
        "--lang",
        "en",
        "--header-row",
        "2",
    ]);
    assert_eq!(code(&o), 2, "row 2 is not a header: {}", stderr(&o));
}
