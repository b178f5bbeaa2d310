//! A firm of an industry the national table declares `未编码` (钢铁, 焦化), through the real
//! binary: not a row error; its graded measure says that no grading table is encoded for the
//! industry, in Chinese and English, with a stable JSON field; its effective action is
//! undetermined; `--explain`, CSV, the workbook, `audit` and `publish` agree.

mod common;

use common::{code, policyc, stderr, stdout, BEIJING};

const DATA: &str = "tests/data/guide-industries.json";
const STEEL: &str = "91310115591693856A";
const CEMENT: &str = "91310110666007217T";
const COKING: &str = "91110000100000001W";

fn eval(args: &[&str]) -> std::process::Output {
    let mut all = vec!["eval", BEIJING, "--data", DATA];
    all.extend_from_slice(args);
    let o = policyc(&all);
    assert_eq!(code(&o), 0, "not a failed record: {}", stderr(&o));
    o
}

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(o)).expect("JSON output")
}

/// The result of `key` at `level` in a JSON document.
fn result<'a>(doc: &'a serde_json::Value, key: &str, level: &str) -> &'a serde_json::Value {
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key && r["level"] == level)
        .unwrap_or_else(|| panic!("no result for {key} at {level}"))
}

fn graded(r: &serde_json::Value) -> &serde_json::Value {
    r["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["measure"] == "差异化减排")
        .expect("the graded measure binds the listed firm")
}

#[test]
fn a_steel_firm_is_evaluated_and_told_that_no_grading_table_is_encoded() {
    for (lang, message) in [
        ("zh", "未编码钢铁的绩效分级表"),
        ("en", "no grading table is encoded for 钢铁"),
    ] {
        let o = eval(&["--level", "all", "--lang", lang]);
        let doc = json(&o);
        assert_eq!(doc["summary"]["evaluated"], 3, "{}", doc["summary"]);
        assert_eq!(doc["summary"]["failed"], 0);
        assert_eq!(doc["errors"].as_array().unwrap().len(), 0);
        for level in ["黄色", "橙色", "红色"] {
            let r = result(&doc, STEEL, level);
            assert_eq!(r["effective_action"], "undetermined", "{r}");
            let m = graded(r);
            assert_eq!(m["status"], "not_encoded");
            assert_eq!(m["action"], serde_json::Value::Null);
            assert_eq!(m["not_encoded"]["table"], "绩效分级减排");
            assert_eq!(m["not_encoded"]["value"], "钢铁");
            assert_eq!(m["not_encoded"]["message"], message, "{lang}");
        }
        // A firm of an encoded industry is decided as before.
        let r = result(&doc, CEMENT, "橙色");
        assert_eq!(
            r["effective_action"]["text"],
            "限产 20% + 禁止 国四重卡禁运"
        );
        assert_eq!(graded(r)["status"], "applies");
        assert!(graded(r).get("not_encoded").is_none());
        // On the guarantee list, the coking firm is exempt: nothing is undetermined.
        let r = result(&doc, COKING, "橙色");
        assert_eq!(graded(r)["status"], "exempt");
        assert_eq!(r["effective_action"], serde_json::Value::Null);
    }
    let o = eval(&["--level", "orange", "--format", "jsonl", "--lang", "en"]);
    let line: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(line["effective_action"], "undetermined");
    assert_eq!(graded(&line)["not_encoded"]["value"], "钢铁");
}

#[test]
fn the_table_csv_and_explanation_say_the_same() {
    let zh = stdout(&eval(&[
        "--level", "orange", "--format", "table", "--lang", "zh",
    ]));
    assert!(
        zh.contains("综合要求: 未定，需人工确定：未编码钢铁的绩效分级表"),
        "{zh}"
    );
    assert!(
        zh.contains("差异化减排 [强制性] 91310115591693856A: - | 未编码钢铁的绩效分级表"),
        "{zh}"
    );
    let en = stdout(&eval(&[
        "--level", "orange", "--format", "table", "--lang", "en",
    ]));
    assert!(
        en.contains("undetermined, to be determined by hand: no grading table is encoded for 钢铁"),
        "{en}"
    );
    let csv = stdout(&eval(&[
        "--level", "orange", "--format", "csv", "--lang", "zh",
    ]));
    let row = csv
        .lines()
        .find(|l| l.contains(STEEL) && l.contains("差异化减排"))
        .expect("the graded row");
    assert!(row.contains(",未编码,"), "{row}");
    assert!(row.contains(",未编码钢铁的绩效分级表,"), "{row}");
    assert!(
        row.contains(",未定，需人工确定：未编码钢铁的绩效分级表,"),
        "{row}"
    );

    let doc = json(&eval(&["--level", "orange", "--explain", "--lang", "en"]));
    let r = result(&doc, STEEL, "橙色");
    let ex = r["explanations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["measure"] == "差异化减排")
        .unwrap();
    assert_eq!(ex["outcome"], "not_encoded", "explained as decided");
    assert_eq!(ex["table_cells"][0]["keys"][0], "钢铁");
    assert_eq!(ex["table_cells"][0]["not_encoded"], true);
    assert_eq!(ex["table_cells"][0]["cell"], serde_json::Value::Null);
    let text = stdout(&eval(&[
        "--level",
        "orange",
        "--explain",
        "--format",
        "table",
        "--lang",
        "zh",
    ]));
    assert!(
        text.contains("绩效分级减排[钢铁, B, 橙色] = 未编码钢铁的绩效分级表"),
        "{text}"
    );
}

#[test]
fn the_workbook_marks_the_firm_undetermined() {
    use calamine::{open_workbook, Reader, Xlsx};
    let dir = common::tmp("not_encoded_xlsx");
    let out = dir.join("结果.xlsx");
    eval(&[
        "--level",
        "all",
        "--lang",
        "zh",
        "-o",
        out.to_str().unwrap(),
    ]);
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    let rows = |name: &str, wb: &mut Xlsx<_>| -> Vec<Vec<String>> {
        wb.worksheet_range(name)
            .unwrap()
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    let summary = rows("汇总", &mut wb);
    let steel = summary
        .iter()
        .find(|r| r[0] == STEEL)
        .expect("the firm's row");
    assert!(
        steel
            .iter()
            .any(|c| c == "未定，需人工确定：未编码钢铁的绩效分级表"),
        "{steel:?}"
    );
    let detail = rows("明细", &mut wb);
    let graded = detail
        .iter()
        .find(|r| r[1] == STEEL && r.contains(&"差异化减排".to_string()))
        .expect("the graded row");
    assert!(graded.contains(&"未编码".to_string()), "{graded:?}");
    assert!(
        graded.contains(&"未编码钢铁的绩效分级表".to_string()),
        "{graded:?}"
    );
    assert!(rows("错误", &mut wb).len() <= 1, "no error rows");
}

#[test]
fn audit_and_publish_read_firms_of_industries_not_encoded() {
    let o = policyc(&[
        "audit", BEIJING, "--data", DATA, "--lang", "en", "--format", "json",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = common::tmp("not_encoded_publish").join("公开.json");
    let o = policyc(&[
        "publish",
        BEIJING,
        "--data",
        DATA,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains(STEEL) && text.contains("钢铁"), "{text}");
    assert!(text.contains(COKING) && text.contains("焦化"), "{text}");
}
