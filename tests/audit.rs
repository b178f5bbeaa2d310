//! `policyc audit` through the real binary: the plan's record rules (`规则`) on a list.

mod common;

use std::path::{Path, PathBuf};

use common::{code, policyc, stderr, stdout, tmp, BEIJING, FIRMS};
use serde_json::Value;

/// The shipped example list with three blemishes, one per kind of finding: firm 1's
/// 一厂一策 lacks red, firm 3 (on the guarantee list) is not a manufacturing firm, firm 4
/// (listed at orange and red) has no 一厂一策 at all.
fn broken_list(dir: &Path) -> PathBuf {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(FIRMS).unwrap()).unwrap();
    let firms = doc["企业"].as_array_mut().unwrap();
    firms[0]["一厂一策级别"] = serde_json::json!(["黄色", "橙色"]);
    assert!(firms[2]["保障类别"].is_string());
    firms[2]["制造业"] = Value::Bool(false);
    firms[3].as_object_mut().unwrap().remove("一厂一策级别");
    let path = dir.join("firms.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path
}

#[test]
fn the_shipped_list_meets_every_rule_of_the_beijing_plan() {
    let o = policyc(&["audit", "--lang", "en", BEIJING, "--data", FIRMS]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o).trim_end(),
        "records 19, checked 19, failed 0, skipped 0; findings: 0 errors, 0 warnings"
    );
}

#[test]
fn each_broken_rule_is_a_finding_with_its_firm_row_level_values_and_citation() {
    let dir = tmp("audit-broken-json");
    let data = broken_list(&dir);
    let o = policyc(&[
        "audit",
        "--lang",
        "en",
        BEIJING,
        "--data",
        data.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let found: Vec<(String, String, u64, Value, Value)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["key"].as_str().unwrap().to_string(),
                f["row"].as_u64().unwrap(),
                f["level"].clone(),
                f["values"][0]["value"].clone(),
            )
        })
        .collect();
    let row = |rule: &str, key: &str, n, level: Option<&str>, value: &str| {
        (
            rule.to_string(),
            key.to_string(),
            n,
            level.into(),
            value.into(),
        )
    };
    assert_eq!(
        found,
        vec![
            row(
                "一厂一策",
                "91110111572812549C",
                1,
                Some("红色"),
                "{黄色, 橙色}"
            ),
            row("保障清单范围", "91110114678589656N", 3, None, "否"),
            row("一厂一策", "91110109515779543J", 4, Some("橙色"), "(none)"),
            row("一厂一策", "91110109515779543J", 4, Some("红色"), "(none)"),
        ]
    );
    let first = &doc["findings"][0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["cite"], "四、(一)");
    assert_eq!(first["entity"], "企业");
    assert_eq!(first["display"]["名称"], "北京西山建材水泥熟料有限公司");
    assert_eq!(first["values"][0]["field"], "企业.一厂一策级别");
    assert!(first["message"].as_str().unwrap().contains("一厂一策"));
    assert_eq!(doc["findings"][1]["cite"], "四、(二)");
    assert_eq!(
        doc["summary"],
        serde_json::json!({"records": 19, "checked": 19, "failed": 0, "skipped": 0,
                           "errors": 4, "warnings": 0})
    );
}

#[test]
fn the_human_report_reads_in_the_officers_language() {
    let dir = tmp("audit-broken-human");
    let data = broken_list(&dir);
    let o = policyc(&[
        "audit",
        "--lang",
        "zh",
        BEIJING,
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let shown = stdout(&o).replace(dir.to_str().unwrap(), "<dir>");
    insta::assert_snapshot!("audit_broken_zh", shown);
    assert_eq!(
        stderr(&o).trim_end(),
        "读取 19 条记录：已检查 19，失败 0，跳过 0；发现 4 个错误、0 个警告"
    );
}

const ENGLISH: &str = r#"levels { yellow < orange < red }
entity firm key id {
  id: text
  name: text display
  listed: set level
  emergency_plan: optional set level
  guarantee: optional text
  manufacturing: optional bool
  machines: list machine
}
entity machine key no { no: text  power: integer }
rule own_plan error from yellow {
  subject firm when level in listed
  must level in emergency_plan
  cite "4(1)"
  text "a listed firm keeps a plan for each level it is listed at"
}
rule guarantee_scope warning {
  subject firm when guarantee present
  must manufacturing
  cite "4(2)"
}
rule machine_power error {
  subject firm.machines
  must power <= 37
  cite "4(3)"
}
"#;

fn english_case(name: &str, firms: &str) -> (PathBuf, PathBuf) {
    let dir = tmp(name);
    let policy = dir.join("plan.policy");
    std::fs::write(&policy, ENGLISH).unwrap();
    let data = dir.join("firms.json");
    std::fs::write(&data, firms).unwrap();
    (policy, data)
}

#[test]
fn english_keywords_warnings_items_and_deny_warnings() {
    let (policy, data) = english_case(
        "audit-english",
        r#"{"firm": [
          {"id": "F1", "name": "Acme", "listed": ["red"], "emergency_plan": ["red"], "guarantee": "city",
           "machines": [{"no": "M1", "power": 30}, {"no": "M2", "power": 75}]}
        ]}"#,
    );
    let (p, d) = (policy.to_str().unwrap(), data.to_str().unwrap());
    let o = policyc(&["audit", "--lang", "en", p, "--data", d, "--format", "json"]);
    // One error (the machine), one warning (manufacturing unknown).
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{doc}");
    assert_eq!(findings[0]["rule"], "guarantee_scope");
    assert_eq!(findings[0]["severity"], "warning");
    assert_eq!(findings[0]["message"], Value::Null);
    assert_eq!(findings[1]["rule"], "machine_power");
    assert_eq!(
        findings[1]["item"],
        serde_json::json!({"entity": "machine", "index": 1, "key": "M2"})
    );
    assert_eq!(findings[1]["values"][0]["value"], "75");

    // Warnings alone pass, unless denied.
    let (policy, data) = english_case(
        "audit-english-warn",
        r#"{"firm": [{"id": "F2", "name": "Beta", "listed": [], "guarantee": "city", "machines": []}]}"#,
    );
    let (p, d) = (policy.to_str().unwrap(), data.to_str().unwrap());
    let o = policyc(&["audit", "--lang", "en", p, "--data", d]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("warning rule `guarantee_scope`"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("firm F2 Beta"), "{}", stdout(&o));
    let o = policyc(&[
        "audit", "--lang", "en", p, "--data", d, "--deny", "warnings",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
}

#[test]
fn rows_that_do_not_load_fail_the_audit_and_are_accounted_for() {
    let (policy, data) = english_case(
        "audit-bad-row",
        r#"{"firm": [
          {"id": "F1", "name": "Acme", "listed": [], "machines": []},
          {"id": "F2", "name": "Beta", "listed": ["purple"], "machines": []}
        ]}"#,
    );
    let (p, d) = (policy.to_str().unwrap(), data.to_str().unwrap());
    let o = policyc(&["audit", "--lang", "en", p, "--data", d, "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["findings"], serde_json::json!([]));
    assert_eq!(doc["errors"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(doc["errors"][0]["key"], "F2");
    assert_eq!(doc["summary"]["records"], 2);
    assert_eq!(doc["summary"]["checked"], 1);
    assert_eq!(doc["summary"]["failed"], 1);
}

#[test]
fn usage_and_io_errors_exit_2_and_a_plan_without_rules_says_so() {
    let o = policyc(&["audit", "--lang", "en", BEIJING, "--data", "no/such.json"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let o = policyc(&["audit", "--lang", "en", BEIJING]);
    assert_eq!(code(&o), 2, "--data is required: {}", stderr(&o));
    let dir = tmp("audit-no-rules");
    let policy = dir.join("plan.policy");
    std::fs::write(
        &policy,
        "levels { yellow }\nentity firm key id { id: text }\n",
    )
    .unwrap();
    let data = dir.join("firms.json");
    std::fs::write(&data, r#"{"firm": [{"id": "F1"}]}"#).unwrap();
    let o = policyc(&[
        "audit",
        "--lang",
        "en",
        policy.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("declares no rules"), "{}", stderr(&o));
}

#[test]
fn the_officers_workbook_has_a_row_per_finding_and_is_byte_identical_run_to_run() {
    use calamine::{open_workbook, Reader, Xlsx};
    let dir = tmp("audit-xlsx");
    let data = broken_list(&dir);
    let run = |name: &str| {
        let out = dir.join(name);
        let o = policyc(&[
            "audit",
            "--lang",
            "zh",
            BEIJING,
            "--data",
            data.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        assert_eq!(stdout(&o), "");
        assert!(
            stderr(&o).contains(&format!("发现明细见 {}", out.display())),
            "{}",
            stderr(&o)
        );
        out
    };
    let (a, b) = (run("a.xlsx"), run("b.xlsx"));
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let mut wb: Xlsx<_> = open_workbook(&a).unwrap();
    assert_eq!(wb.sheet_names(), ["发现", "错误", "说明"]);
    let rows: Vec<Vec<String>> = wb
        .worksheet_range("发现")
        .unwrap()
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "严重性",
            "规则",
            "依据",
            "级别",
            "实体",
            "键",
            "名称",
            "文件",
            "工作表",
            "行",
            "所涉子项",
            "内容",
            "读取的值"
        ]
    );
    assert_eq!(rows.len(), 5, "a header and four findings: {rows:?}");
    assert_eq!(
        rows[1][..7],
        [
            "错误",
            "一厂一策",
            "四、(一)",
            "红色",
            "企业",
            "91110111572812549C",
            "北京西山建材水泥熟料有限公司"
        ]
    );
    assert_eq!(rows[1][9], "1");
    assert_eq!(rows[1][12], "企业.一厂一策级别 = {黄色, 橙色}");
    assert_eq!(rows[3][12], "企业.一厂一策级别 = （无）");
    let about: Vec<Vec<String>> = wb
        .worksheet_range("说明")
        .unwrap()
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert!(
        about.contains(&vec!["已检查".to_string(), "19".to_string()]),
        "{about:?}"
    );
    assert!(
        about.contains(&vec!["错误发现".to_string(), "4".to_string()]),
        "{about:?}"
    );

    let o = policyc(&[
        "audit", "--lang", "zh", BEIJING, "--data", FIRMS, "--format", "xlsx",
    ]);
    assert_eq!(code(&o), 2, "xlsx needs -o: {}", stderr(&o));
}

/// The shipped list with two air-polluting firms of 平谷区 (a furniture firm and a foundry)
/// on no level's list: the coverage of 平谷区's list is 0 of the required 100%.
fn uncovered_list(dir: &Path) -> PathBuf {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(FIRMS).unwrap()).unwrap();
    let firms = doc["企业"].as_array_mut().unwrap();
    let pinggu = firms
        .iter()
        .position(|f| f["所在区"] == "平谷区")
        .expect("the example list has a firm in 平谷区");
    firms[pinggu]["行业"] = "家具制造".into();
    let mut second = firms[pinggu].clone();
    second["统一社会信用代码"] = "91110117MA0000000B".into();
    second["名称"] = "北京平谷铸件厂".into();
    second["行业"] = "铸造".into();
    second["非道路移动机械"] = serde_json::json!([]);
    firms.push(second);
    let path = dir.join("firms.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path
}

#[test]
fn a_district_list_that_does_not_cover_its_firms_is_a_list_finding_with_its_figures() {
    let dir = tmp("audit-coverage");
    let data = uncovered_list(&dir);
    let data = data.to_str().unwrap();
    let json = policyc(&[
        "audit", "--lang", "en", BEIJING, "--data", data, "--format", "json",
    ]);
    // A warning: the run passes unless warnings are denied.
    assert_eq!(code(&json), 0, "{}", stderr(&json));
    let doc: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(doc["findings"], serde_json::json!([]));
    let lists = doc["list_findings"].as_array().unwrap();
    assert_eq!(lists.len(), 1, "{lists:?}");
    let f = &lists[0];
    assert_eq!(f["rule"], "清单全面覆盖");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["cite"], "四、(一)");
    assert_eq!(f["level"], Value::Null);
    assert_eq!(f["entity"], "企业");
    assert_eq!(
        f["group"],
        serde_json::json!({"field": "所在区", "value": "平谷区"})
    );
    assert_eq!(f["left"]["value"], "0");
    assert_eq!(f["right"]["value"], "100");
    assert_eq!(f["figures"][0]["missing"], 0);
    assert_eq!(doc["summary"]["warnings"], 1);
    let denied = policyc(&[
        "audit", "--lang", "en", BEIJING, "--data", data, "--deny", "warnings",
    ]);
    assert_eq!(code(&denied), 1);
    let text = policyc(&["audit", "--lang", "zh", BEIJING, "--data", data]);
    assert_eq!(
        stdout(&text),
        "警告 规则“清单全面覆盖” — 四、(一)\n  企业，分组 所在区 = 平谷区\n  制造业应急减排清单应全面覆盖国家和北京市《重污染天气重点行业应急减排措施制定技术指南》中划定的行业\n  未满足：占比(黄色 属于 应急减排清单 或 橙色 属于 应急减排清单 或 红色 属于 应急减排清单) >= 100%（实际 0，要求 100）\n  汇总：占比(黄色 属于 应急减排清单 或 橙色 属于 应急减排清单 或 红色 属于 应急减排清单) = 0\n"
    );
    // The workbook has the group's row in 发现, the group where a record's key would be.
    use calamine::{open_workbook, Reader, Xlsx};
    let out = dir.join("audit.xlsx");
    let o = policyc(&[
        "audit",
        "--lang",
        "zh",
        BEIJING,
        "--data",
        data,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    let rows: Vec<Vec<String>> = wb
        .worksheet_range("发现")
        .unwrap()
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[1][..6],
        [
            "警告",
            "清单全面覆盖",
            "四、(一)",
            "",
            "企业",
            "所在区 = 平谷区"
        ]
    );
    assert!(
        rows[1][11].contains("（实际 0，要求 100）"),
        "{:?}",
        rows[1]
    );
}

/// The shipped broken list breaks every rule of the Beijing plan at least once, record rules
/// and list rules (coverage and the reduction targets) alike, and each finding carries the
/// rule's citation.
#[test]
fn the_shipped_broken_list_breaks_every_rule_of_the_plan_each_with_its_citation() {
    let broken = "policies/beijing/examples/firms-broken.json";
    let o = policyc(&[
        "audit", "--lang", "en", BEIJING, "--data", broken, "--format", "json",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let plan = std::fs::read_to_string(BEIJING).unwrap();
    let mut declared: Vec<&str> = plan
        .lines()
        .filter_map(|l| l.strip_prefix("规则 "))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    declared.sort();
    assert!(declared.len() >= 4, "{declared:?}");
    let mut broken_rules: Vec<&str> = Vec::new();
    for f in doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .chain(doc["list_findings"].as_array().unwrap())
    {
        let cite = f["cite"].as_str().unwrap_or_default();
        assert!(!cite.is_empty(), "a finding without its citation: {f}");
        broken_rules.push(f["rule"].as_str().unwrap());
    }
    broken_rules.sort();
    broken_rules.dedup();
    assert_eq!(broken_rules, declared);
    // A target's finding says where its base comes from: every firm of the data.
    let target = doc["list_findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "减排目标" && f["level"] == "黄色")
        .unwrap();
    let base = &target["figures"][1];
    assert_eq!(base["base"], "data");
    assert_eq!(base["base_records"], 16);
}

/// A plan in English keywords whose rules hold a firm's own measures (per level, from a
/// column per level, and per production line) to what the plan requires of it.
const OWN_PLANS: &str = r#"
levels { yellow < orange < red }
entity firm key id {
  id: text
  name: text display
  listed: set level
  voluntary_share: optional percent
  output: optional decimal
  own_plan: optional per_level measure
  yearly: optional measure
  lines: list line
}
entity line key no {
  no: text
  capacity: decimal
  own_plan: optional per_level measure
}
measure cut mandatory from yellow {
  subject firm when level in listed
  require yellow limit 20%
  require orange limit 40%
  require red stop
  cite "3"
}
reduction_model emissions {
  subject firm
  baselines output
  voluntary voluntary_share
  weighted_by lines.capacity
  cite "4"
}
rule own_plan_holds error from yellow {
  subject firm when level in listed and own_plan present
  must own_plan at_least_as_strict_as plan_action
  cite "4(1)"
}
rule lines_hold error from yellow {
  subject firm when level in listed and not own_plan present
  must lines.own_plan at_least_as_strict_as plan_action
  cite "4(1) lines"
}
rule yearly_floor warning {
  subject firm when yearly present
  must yearly at_least_as_strict_as limit 10%
  cite "4(2)"
}
"#;

#[test]
fn own_measures_per_level_and_per_line_are_held_to_the_plan_with_both_actions_shown() {
    let dir = tmp("audit-own-plans");
    let policy = dir.join("plan.policy");
    std::fs::write(&policy, OWN_PLANS).unwrap();
    // A column per level; prose in one cell; F2's plan is per line (weighted by capacity:
    // (100 × 30% + 50 × 0%) / 150 = 20% at yellow, enough; at orange 10% < 40%).
    let firms = dir.join("firms.json");
    std::fs::write(
        &firms,
        r#"{"firm": [
          {"id": "F1", "name": "Acme", "listed": ["yellow", "orange", "red"], "yearly": "voluntary",
           "own_plan": {"yellow": "limit 20%", "orange": "limit 30%", "red": "reduce as far as possible"}},
          {"id": "F2", "name": "Beta", "listed": ["yellow", "orange"], "yearly": "limit 15%",
           "lines": [
             {"no": "L1", "capacity": 100, "own_plan": {"yellow": "limit 30%", "orange": "limit 15%"}},
             {"no": "L2", "capacity": 50, "own_plan": {"yellow": "voluntary", "orange": "voluntary"}}
           ]}
        ]}"#,
    )
    .unwrap();
    let (p, d) = (policy.to_str().unwrap(), firms.to_str().unwrap());
    let o = policyc(&["audit", "--lang", "en", p, "--data", d, "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let found: Vec<(String, String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let values: Vec<String> = f["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| {
                    format!(
                        "{} = {}",
                        v["field"].as_str().unwrap(),
                        v["value"].as_str().unwrap()
                    )
                })
                .collect();
            (
                f["rule"].as_str().unwrap().to_string(),
                f["level"].as_str().unwrap_or("-").to_string(),
                values.join("; "),
            )
        })
        .collect();
    let want = [
        (
            "own_plan_holds",
            "orange",
            "own_plan = limit 30%; plan_action = limit 40%",
        ),
        (
            "own_plan_holds",
            "red",
            "own_plan = “reduce as far as possible” (does not read as an action); plan_action = stop",
        ),
        ("yearly_floor", "-", "yearly = voluntary; at_least_as_strict_as = limit 10%"),
        (
            "lines_hold",
            "orange",
            "lines[L1].own_plan = limit 15%; lines[L1].capacity = 100; lines[L2].own_plan = voluntary; \
             lines[L2].capacity = 50; reduced = 10%; plan_action = limit 40% (40%)",
        ),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(found, want, "{doc}");

    // The same firm-level plans from an officer's sheet: one column per level.
    let csv = dir.join("firms.csv");
    std::fs::write(
        &csv,
        "id,name,listed,yellow own_plan,orange own_plan,red own_plan\n\
         F1,Acme,yellow;orange;red,limit 20%,limit 30%,stop\n",
    )
    .unwrap();
    let o = policyc(&[
        "audit",
        "--lang",
        "en",
        p,
        "--data",
        csv.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{doc}");
    assert_eq!(findings[0]["level"], "orange");
    assert_eq!(findings[0]["row"], 2);
    assert_eq!(findings[0]["values"][0]["value"], "limit 30%");
}

/// A district's society-wide emissions kept as data (`总量 … = 区域排放.二氧化硫总量`): the
/// target's base is that field summed over the district file's records, its title row and
/// 合计 row passed over, and the finding says where the figure comes from.
#[test]
fn a_total_kept_as_data_is_the_base_of_a_target_and_the_finding_says_so() {
    let dir = tmp("audit-data-total");
    let plan = dir.join("plan.policy");
    std::fs::write(
        &plan,
        "预警级别 { 黄色 < 橙色 < 红色 }
实体 企业 键 名称 { 名称: 文本  二氧化硫排放量: 可选 小数 }
实体 区域排放 键 区 { 区: 文本  二氧化硫总量: 可选 小数 }
措施 统一限产 强制性 自 黄色 { 对象 企业 要求 限产 30% 依据 \"三\" }
减排模型 大气污染物 {
  对象 企业
  排放基数 二氧化硫排放量
  总量 二氧化硫排放量 = 区域排放.二氧化硫总量
}
规则 减排目标 警告 自 黄色 {
  对象 企业
  应当 减排量(二氧化硫排放量) >= {黄色 10%, 橙色 20%, 红色 30%} × 基数(二氧化硫排放量)
  依据 \"减排目标\"
}
",
    )
    .unwrap();
    let firms = dir.join("企业.csv");
    std::fs::write(&firms, "名称,二氧化硫排放量\n甲厂,100\n乙厂,200\n").unwrap();
    let districts = dir.join("区域排放.csv");
    std::fs::write(
        &districts,
        "各区全社会二氧化硫排放量（吨）\n区,二氧化硫总量\n东城区,400\n西城区,200\n合计,600\n",
    )
    .unwrap();
    let (plan, firms, districts) = (
        plan.to_str().unwrap(),
        firms.to_str().unwrap(),
        districts.to_str().unwrap(),
    );
    // 90 cut of 600: 15%, so yellow (10%) holds and orange (20%) and red (30%) do not.
    let json = policyc(&[
        "audit", "--lang", "en", plan, "--data", firms, "--data", districts, "--format", "json",
    ]);
    assert_eq!(code(&json), 0, "{}", stderr(&json));
    let doc: Value = serde_json::from_str(&stdout(&json)).unwrap();
    let lists = doc["list_findings"].as_array().unwrap();
    let levels: Vec<&str> = lists.iter().map(|f| f["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["橙色", "红色"]);
    let base = &lists[0]["figures"][1];
    assert_eq!(base["value"], "600", "the 合计 row is not a district");
    assert_eq!(base["base"], "data_total");
    assert_eq!(base["base_entity"], "区域排放");
    assert_eq!(base["base_field"], "二氧化硫总量");
    assert_eq!(base["base_records"], 2);
    assert_eq!(lists[0]["right"]["value"], "120");
    let text = policyc(&[
        "audit", "--lang", "zh", plan, "--data", firms, "--data", districts,
    ]);
    assert!(
        stdout(&text).contains(
            "基数(二氧化硫排放量) = 600（减排模型声明的总量：数据中 区域排放 全部 2 条记录的 二氧化硫总量 之和）"
        ),
        "{}",
        stdout(&text)
    );
    // Without the district file the target has no base: a finding, not a guess.
    let none = policyc(&["audit", "--lang", "zh", plan, "--data", firms]);
    assert_eq!(code(&none), 0, "{}", stderr(&none));
    assert_eq!(stdout(&none).matches("要求 无法计算：没有记录").count(), 3);
}
