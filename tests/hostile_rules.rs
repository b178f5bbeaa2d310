//! Rule sets and values that can be trusted, through the real binary: a compiled rule set
//! edited and given a recomputed hash is refused when it is not well formed (exit 2, a
//! message naming what is wrong), and integers are exact in data and in policies.

use std::path::{Path, PathBuf};

mod common;

use common::{code, policyc, stderr, stdout, tmp};
use policyc::ir::RuleSet;

/// A small plan with a table, an exemption and integer comparisons at 2^53.
const POLICY: &str = r#"预警级别 { 黄色 (yellow) < 橙色 (orange) < 红色 (red) }
枚举 行业 { 水泥, 家具 }
实体 企业 键 名称 { 名称: 文本  行业: 行业  保障: 布尔  人数: 整数 }
表 T (行业, 级别) {
  行业 | 黄色 | 橙色 | 红色
  水泥, 家具 | 限产 10% | 限产 20% | 停产
}
措施 分级 强制性 自 黄色 { 对象 企业 要求 T[行业, 级别] 依据 "1" }
措施 大户 倡议性 自 黄色 { 对象 企业 当 人数 > 9007199254740992 内容 "大" 依据 "2" }
措施 恰好 倡议性 自 黄色 { 对象 企业 当 人数 = 9007199254740993.0 内容 "等" 依据 "2" }
豁免 保障类 { 对象 企业 当 保障 解除 分级 依据 "3" }
"#;

const CSV: &str = "名称,行业,保障,人数\na,水泥,否,9007199254740993\nb,水泥,否,9007199254740992\n";

const JSON: &str = r#"{"企业": [
  {"名称": "a", "行业": "水泥", "保障": false, "人数": 9007199254740993},
  {"名称": "b", "行业": "水泥", "保障": false, "人数": 9007199254740992}
]}"#;

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// The plan and its data in a fresh directory, and the plan compiled to `rules.json`.
fn setup(name: &str) -> PathBuf {
    let dir = tmp(name);
    std::fs::write(dir.join("plan.policy"), POLICY).unwrap();
    std::fs::write(dir.join("firms.csv"), CSV).unwrap();
    std::fs::write(dir.join("firms.json"), JSON).unwrap();
    let o = policyc(&[
        "compile",
        s(&dir.join("plan.policy")),
        "-o",
        s(&dir.join("rules.json")),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    dir
}

/// Edits the compiled rule set's `rules` and records the hash of the edited rules, as
/// someone editing the file would; returns the edited file.
fn tamper(dir: &Path, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let text = std::fs::read_to_string(dir.join("rules.json")).unwrap();
    let mut env: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut env["rules"]);
    let rules: RuleSet = serde_json::from_value(env["rules"].clone()).expect("still a rule set");
    env["hash"] = policyc::ir::compiled::content_hash(&rules).into();
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&env).unwrap()).unwrap();
    path
}

/// Evaluates `rules` on the CSV firms at every level, in `lang`.
fn eval(dir: &Path, rules: &Path, lang: &str) -> std::process::Output {
    policyc(&[
        "eval",
        s(rules),
        "--data",
        s(&dir.join("firms.csv")),
        "--level",
        "all",
        "--lang",
        lang,
    ])
}

/// The edited rule set is refused with exit 2 and a message containing `what`, without a panic.
fn assert_refused(dir: &Path, rules: &Path, what: &str) {
    let o = eval(dir, rules, "en");
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}{}", stdout(&o));
    assert!(
        err.contains("is not well formed (whatever its hash says)"),
        "{err}"
    );
    assert!(err.contains(what), "expected `{what}` in: {err}");
    assert!(err.contains("detects accidents, not tampering"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(stdout(&o), "", "nothing is evaluated");
}

#[test]
fn an_untouched_compiled_rule_set_and_a_rehashed_copy_of_it_are_accepted() {
    let dir = setup("rules-untouched");
    let o = eval(&dir, &dir.join("rules.json"), "en");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The helper's hash is the one policyc checks: an edit that keeps the rule set well
    // formed is accepted, so the refusals below are validation's, not the hash's.
    let same = tamper(&dir, "same", |_| {});
    let o2 = eval(&dir, &same, "en");
    assert_eq!(code(&o2), 0, "{}", stderr(&o2));
    assert_eq!(stdout(&o), stdout(&o2));
}

#[test]
fn an_exemption_index_out_of_range_is_refused() {
    let dir = setup("rules-exemption");
    let bad = tamper(&dir, "bad", |r| {
        r["measures"][0]["lifted_by"] = serde_json::json!([5])
    });
    assert_refused(
        &dir,
        &bad,
        "measure `分级` refers to exemption number 5, but there are only 1",
    );
    let bad = tamper(&dir, "bad-lifts", |r| {
        r["exemptions"][0]["lifts"] = serde_json::json!([9])
    });
    assert_refused(
        &dir,
        &bad,
        "exemption `保障类` refers to measure number 9, but there are only 3",
    );
}

#[test]
fn a_table_index_out_of_range_is_refused() {
    let dir = setup("rules-table");
    let bad = tamper(&dir, "bad", |r| {
        for level in 0..3 {
            r["measures"][0]["actions"][level]["lookups"][0]["table"] = 3.into();
        }
    });
    assert_refused(
        &dir,
        &bad,
        "measure `分级` refers to table number 3, but there are only 1",
    );
}

#[test]
fn an_entity_index_out_of_range_is_refused() {
    let dir = setup("rules-entity");
    let bad = tamper(&dir, "bad", |r| r["measures"][1]["entity"] = 4.into());
    assert_refused(
        &dir,
        &bad,
        "measure `大户` refers to entity number 4, but there are only 1",
    );
    let bad = tamper(&dir, "bad-exemption", |r| {
        r["exemptions"][0]["entity"] = 2.into()
    });
    assert_refused(
        &dir,
        &bad,
        "exemption `保障类` refers to entity number 2, but there are only 1",
    );
}

#[test]
fn a_key_index_out_of_range_is_refused() {
    let dir = setup("rules-key");
    // The table lookup's key reads a field the entity does not have.
    let bad = tamper(&dir, "bad-lookup", |r| {
        r["measures"][0]["actions"][0]["lookups"][0]["keys"][0] =
            serde_json::json!({"Field": {"frame": 0, "field": 40}});
    });
    assert_refused(
        &dir,
        &bad,
        "measure `分级` refers to field number 40, but there are only 4",
    );
    // A lookup with fewer keys than the table has dimensions.
    let bad = tamper(&dir, "bad-arity", |r| {
        r["measures"][0]["actions"][1]["lookups"][0]["keys"] = serde_json::json!(["Level"]);
    });
    assert_refused(&dir, &bad, "does not match the table's dimension");
    // The entity's key field.
    let bad = tamper(&dir, "bad-entity-key", |r| {
        r["entities"][0]["key"] = 9.into()
    });
    assert_refused(
        &dir,
        &bad,
        "entity `企业` refers to field number 9, but there are only 4",
    );
}

#[test]
fn seventy_levels_are_refused() {
    let dir = setup("rules-levels");
    let bad = tamper(&dir, "bad", |r| {
        let levels: Vec<_> = (0..70)
            .map(|i| serde_json::json!({"name": format!("L{i}"), "alias": null}))
            .collect();
        r["levels"] = levels.into();
    });
    assert_refused(
        &dir,
        &bad,
        "the rule set has 70 of kind \"alert level\", more than the limit of 64",
    );
    // A level mask beyond the three levels (`1u64 << level` for a level that does not exist).
    let bad = tamper(&dir, "bad-mask", |r| {
        r["measures"][1]["levels"] = 0xff.into()
    });
    assert_refused(
        &dir,
        &bad,
        "measure `大户` has the bit mask 0xff, beyond its 3",
    );
}

#[test]
fn a_table_that_is_not_dense_is_refused() {
    let dir = setup("rules-dense");
    let bad = tamper(&dir, "bad", |r| {
        r["tables"][0]["cells"].as_array_mut().unwrap().pop();
    });
    assert_refused(
        &dir,
        &bad,
        "table `T` has 5 cells, but its dimensions make 6 (a table must be dense)",
    );
}

#[test]
fn the_refusal_is_in_chinese_too() {
    let dir = setup("rules-zh");
    let bad = tamper(&dir, "bad", |r| {
        r["measures"][0]["lifted_by"] = serde_json::json!([5])
    });
    let o = eval(&dir, &bad, "zh");
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("结构无效（无论其哈希如何）"), "{err}");
    assert!(
        err.contains("措施“分级”引用了编号为 5 的豁免，但豁免只有 1 个"),
        "{err}"
    );
    assert!(err.contains("不能防止篡改"), "{err}");
}

#[test]
fn a_rule_set_of_the_previous_format_version_is_refused() {
    let dir = setup("rules-version");
    let text = std::fs::read_to_string(dir.join("rules.json")).unwrap();
    let current: u32 = text
        .split("\"format_version\": ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .expect("the rule set names its format version");
    let previous = current - 1;
    let old = text.replace(
        &format!("\"format_version\": {current}"),
        &format!("\"format_version\": {previous}"),
    );
    assert_ne!(old, text);
    std::fs::write(dir.join("old.json"), old).unwrap();
    let o = eval(&dir, &dir.join("old.json"), "en");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "has format version {previous}, but this policyc reads version {current}"
        )),
        "{}",
        stderr(&o)
    );
}

/// The measures that concern each firm at yellow, from `eval --format jsonl`.
fn measures_by_firm(out: &str) -> Vec<(String, Vec<String>)> {
    out.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v.get("key").is_some())
        .map(|v| {
            let names = v["measures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["measure"].as_str().unwrap().to_string())
                .collect();
            (v["key"].as_str().unwrap().to_string(), names)
        })
        .collect()
}

#[test]
fn integers_past_2_pow_53_are_exact_in_csv_and_json_data_and_in_the_policy() {
    let dir = setup("rules-integers");
    let expected = vec![
        (
            "a".to_string(),
            vec!["分级".to_string(), "大户".into(), "恰好".into()],
        ),
        ("b".to_string(), vec!["分级".to_string()]),
    ];
    for data in ["firms.csv", "firms.json"] {
        for plan in ["plan.policy", "rules.json"] {
            let o = policyc(&[
                "eval",
                s(&dir.join(plan)),
                "--data",
                s(&dir.join(data)),
                "--level",
                "yellow",
                "--format",
                "jsonl",
                "--lang",
                "en",
            ]);
            assert_eq!(code(&o), 0, "{data} {plan}: {}", stderr(&o));
            // 9007199254740993 > 9007199254740992, and = 9007199254740993.0 as written;
            // 9007199254740992 is neither.
            assert_eq!(
                measures_by_firm(&stdout(&o)),
                expected,
                "{data} with {plan}"
            );
        }
    }
}

#[test]
fn an_integer_outside_i64_is_a_row_error_not_a_rounding() {
    let dir = setup("rules-integer-range");
    std::fs::write(
        dir.join("big.csv"),
        "名称,行业,保障,人数\na,水泥,否,9223372036854775808\nb,水泥,否,9223372036854775807\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("big.json"),
        r#"{"企业": [{"名称": "a", "行业": "水泥", "保障": false, "人数": 18446744073709551615},
                    {"名称": "b", "行业": "水泥", "保障": false, "人数": 9223372036854775807}]}"#,
    )
    .unwrap();
    for data in ["big.csv", "big.json"] {
        let o = policyc(&[
            "eval",
            s(&dir.join("plan.policy")),
            "--data",
            s(&dir.join(data)),
            "--level",
            "yellow",
            "--format",
            "jsonl",
            "--lang",
            "en",
        ]);
        let out = stdout(&o);
        assert_eq!(code(&o), 1, "{data}: {out}{}", stderr(&o));
        assert!(
            out.contains("outside the range -9223372036854775808 to 9223372036854775807"),
            "{data}: {out}"
        );
        assert!(
            stderr(&o).contains("records 2, evaluated 1, failed 1"),
            "{data}: {}",
            stderr(&o)
        );
        // i64::MAX itself is kept exactly: greater than 2^53.
        assert_eq!(
            measures_by_firm(&out),
            vec![("b".to_string(), vec!["分级".to_string(), "大户".into()])],
            "{data}"
        );
    }
}

/// A condition nested `depth` brackets deep, alternating `且` and `或` under `非`.
fn deep_condition(depth: usize) -> String {
    let mut c = "甲".to_string();
    for i in 0..depth {
        let op = if i % 2 == 0 { "或" } else { "且" };
        c = format!("非 (乙 {op} {c})");
    }
    c
}

#[test]
fn a_deeply_bracketed_plan_compiles_to_a_rule_set_that_loads() {
    // Serialised as nested JSON, 60 brackets made a rule set serde_json refuses to read
    // back ("recursion limit exceeded"): `check` and `compile` passed, `eval` exited 2.
    // The parser now stops conditions nested past MAX_CONDITION_NESTING; at that limit (a
    // `非` and a bracket per step) the compiled rule set must load.
    let steps = policyc::limits::MAX_CONDITION_NESTING / 2;
    let dir = tmp("rules-deep");
    let policy = format!(
        "预警级别 {{ 黄色 < 橙色 }}\n实体 企业 键 名称 {{ 名称: 文本  甲: 布尔  乙: 布尔 }}\n\
         措施 m 倡议性 自 黄色 {{ 对象 企业 当 {} 内容 \"x\" 依据 \"1\" }}\n",
        deep_condition(steps)
    );
    std::fs::write(dir.join("deep.policy"), policy).unwrap();
    std::fs::write(dir.join("d.csv"), "名称,甲,乙\na,是,否\nb,否,否\n").unwrap();
    let o = policyc(&["check", s(&dir.join("deep.policy"))]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let o = policyc(&[
        "compile",
        s(&dir.join("deep.policy")),
        "-o",
        s(&dir.join("deep.json")),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let run = |plan: &str| {
        policyc(&[
            "eval",
            s(&dir.join(plan)),
            "--data",
            s(&dir.join("d.csv")),
            "--level",
            "all",
            "--lang",
            "en",
        ])
    };
    let (source, compiled) = (run("deep.policy"), run("deep.json"));
    assert_eq!(code(&compiled), 0, "{}", stderr(&compiled));
    assert_eq!(stdout(&source), stdout(&compiled));
    assert!(
        stdout(&compiled).contains("\"measure\":\"m\""),
        "{}",
        stdout(&compiled)
    );
}

#[test]
fn a_condition_nested_past_the_limit_in_a_rule_set_file_is_refused() {
    let dir = setup("rules-too-deep");
    // Refused while reading, before the hash is computed: the file keeps its old hash.
    let text = std::fs::read_to_string(dir.join("rules.json")).unwrap();
    let mut env: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut nodes = vec![serde_json::json!({"Truthy": {"frame": 0, "field": 2}})];
    nodes.extend((0..600).map(|_| serde_json::json!("Not")));
    env["rules"]["exemptions"][0]["condition"] = nodes.into();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, env.to_string()).unwrap();
    let o = eval(&dir, &bad, "en");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("a condition is nested more than 512 deep"),
        "{}",
        stderr(&o)
    );
}
