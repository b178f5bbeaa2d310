//! Hostile plans against the type checker's limits and the analyses, through the real
//! binary: tables past their limits, a table whose keys multiply to a huge number of cells,
//! replacements in a cycle, more levels or enum values than fit a bit mask, and a plan with
//! many repeated measures. Each is refused (or analysed) with a diagnostic, never a panic,
//! an abort or minutes of work.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{code, policyc, stderr, stdout, tmp};
use serde_json::Value;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("written");
    p
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// `check --format json`: exit code and the (code, message) of each diagnostic.
fn check_json(policy: &Path) -> (i32, Vec<(String, String)>) {
    let o = policyc(&["check", "--format", "json", s(policy)]);
    let doc: Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    let diags = doc["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    (code(&o), diags)
}

/// An enum `名` of `n` values `v0 … v{n-1}`.
fn enum_decl(name: &str, n: usize) -> String {
    let v: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
    format!("枚举 {name} {{ {} }}\n", v.join(", "))
}

/// Levels `L0 < … < L{n-1}`.
fn levels(n: usize) -> String {
    let v: Vec<String> = (0..n).map(|i| format!("L{i}")).collect();
    format!("预警级别 {{ {} }}\n", v.join(" < "))
}

/// A plan whose table `T` has `keys` enum dimensions of `size` values plus the levels, with
/// one explicit cell (all keys `v0`, first level: 限产 10%), the default 停产 if `default`,
/// and a measure that looks it up.
fn table_plan(level_n: usize, keys: usize, size: usize, default: bool) -> String {
    let fields: String = (0..keys).map(|i| format!("  k{i}: E")).collect();
    let dims = vec!["E"; keys].join(", ");
    let args: Vec<String> = (0..keys).map(|i| format!("k{i}")).collect();
    // Groups are every enum but the last (rows); columns are the levels.
    let group = vec!["v0"; keys - 1].join(", ");
    let grid = if keys > 1 {
        format!("  {group}:\n    E | v0\n    v0 | 限产 10%\n")
    } else {
        "  E | v0\n  v0 | 限产 10%\n".to_string()
    };
    // Rows are the last enum, columns the levels: the header names a level.
    let grid = grid.replace("E | v0", "E | L0");
    let fallback = if default { "  默认 停产\n" } else { "" };
    format!(
        "{}{}实体 厂 键 名 {{ 名: 文本 {fields} }}
表 T ({dims}, 级别) {{
{fallback}{grid}}}
措施 按表 强制性 自 L0 {{ 对象 厂 要求 T[{}, 级别] 依据 \"1\" }}
",
        levels(level_n),
        enum_decl("E", size),
        args.join(", ")
    )
}

/// Data of one firm whose keys are all `value`.
fn firm(keys: usize, value: &str) -> String {
    let fields: String = (0..keys)
        .map(|i| format!(", \"k{i}\": \"{value}\""))
        .collect();
    format!("{{\"厂\": [{{\"名\": \"甲\"{fields}}}]}}")
}

#[test]
fn a_table_of_nine_dimensions_is_refused_by_check_and_eval_instead_of_panicking() {
    let dir = tmp("hostile_analysis_dims9");
    let policy = write(&dir, "t.policy", &table_plan(2, 8, 2, true));
    let data = write(&dir, "f.json", &firm(8, "v0"));
    let (rc, diags) = check_json(&policy);
    assert_eq!(rc, 1, "{diags:?}");
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].0, "E0217");
    assert!(diags[0].1.contains("9 dimensions"), "{}", diags[0].1);
    let o = policyc(&["check", s(&policy)]);
    assert!(
        stdout(&o).contains("at most 8 dimensions (the limit MAX_TABLE_DIMS)"),
        "the help names the limit: {}",
        stdout(&o)
    );
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        s(&policy),
        "--data",
        s(&data),
        "--level",
        "all",
    ]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert!(stderr(&o).contains("E0217"), "{}", stderr(&o));
}

#[test]
fn a_table_of_eight_dimensions_is_evaluated_cell_by_cell() {
    // The limit itself is usable: seven enums and the levels, looked up at evaluation.
    let dir = tmp("hostile_analysis_dims8");
    let policy = write(&dir, "t.policy", &table_plan(2, 7, 2, true));
    let (rc, diags) = check_json(&policy);
    assert_eq!((rc, diags.len()), (0, 0), "{diags:?}");
    for (value, expected) in [
        ("v0", "\"production\":\"limit\",\"percent\":10"),
        ("v1", "\"production\":\"stop\""),
    ] {
        let data = write(&dir, "f.json", &firm(7, value));
        let o = policyc(&[
            "eval",
            "--lang",
            "en",
            s(&policy),
            "--data",
            s(&data),
            "--level",
            "L0",
        ]);
        assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
        assert!(
            stdout(&o).contains(expected),
            "keys {value}: {}",
            stdout(&o)
        );
    }
}

#[test]
fn a_huge_product_of_keys_is_refused_at_once_by_check_and_eval() {
    // 64 levels × 64^4 key values = 2^30 combinations: before, `check` built them all and
    // `eval` aborted allocating the dense table.
    let dir = tmp("hostile_analysis_huge");
    let policy = write(&dir, "t.policy", &table_plan(64, 4, 64, false));
    let data = write(&dir, "f.json", &firm(4, "v0"));
    let started = std::time::Instant::now();
    let (rc, diags) = check_json(&policy);
    assert_eq!(rc, 1, "{diags:?}");
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].0, "E0218");
    assert!(diags[0].1.contains("1073741824 cells"), "{}", diags[0].1);
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        s(&policy),
        "--data",
        s(&data),
        "--level",
        "all",
    ]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("E0218"), "{}", stderr(&o));
    // Not a timing test: a bound two orders of magnitude above the time taken, which only
    // building the product (minutes) could exceed.
    assert!(started.elapsed().as_secs() < 60);
}

#[test]
fn too_many_levels_or_enum_values_in_use_are_diagnosed_not_a_shift_overflow() {
    let dir = tmp("hostile_analysis_masks");
    let many_levels = format!(
        "{}实体 厂 键 名 {{ 名: 文本 }}\n措施 m 强制性 自 L0 {{ 对象 厂 要求 停产 依据 \"1\" }}\n",
        levels(70)
    );
    let many_values = format!(
        "预警级别 {{ 黄色 < 橙色 }}\n{}实体 厂 键 名 {{ 名: 文本  e: E }}\n措施 m 强制性 自 黄色 {{ 对象 厂 当 e 属于 {{ v69 }} 要求 停产 依据 \"1\" }}\n",
        enum_decl("E", 70)
    );
    for (name, text, code, what) in [
        (
            "levels.policy",
            many_levels,
            "E0220",
            "too many alert levels",
        ),
        (
            "values.policy",
            many_values,
            "E0209",
            "too many values in one enum",
        ),
    ] {
        let policy = write(&dir, name, &text);
        let (rc, diags) = check_json(&policy);
        assert_eq!(rc, 1, "{name}: {diags:?}");
        assert_eq!(
            diags,
            [(code.to_string(), what.to_string())],
            "{name}: only the limit is reported"
        );
    }
}

fn cycle_plan(n: usize) -> String {
    let mut text = String::from("预警级别 { 黄色 < 橙色 < 红色 }\n实体 厂 键 名 { 名: 文本 }\n");
    for i in 0..n {
        text.push_str(&format!(
            "措施 m{i} 强制性 自 黄色 {{ 对象 厂 要求 限产 {}% 替代 m{} 依据 \"{i}\" }}\n",
            10 + i % 80,
            (i + 1) % n
        ));
    }
    text
}

#[test]
fn measures_replacing_each_other_in_a_cycle_are_an_error_not_a_release() {
    let dir = tmp("hostile_analysis_cycles");
    let data = write(&dir, "f.json", "{\"厂\": [{\"名\": \"甲\"}]}");
    for (n, path) in [
        (2, "m0 → m1 → m0"),
        (3, "m0 → m1 → m2 → m0"),
        (1000, "m0 → m1 → m2 → m3"),
    ] {
        let policy = write(&dir, &format!("c{n}.policy"), &cycle_plan(n));
        let (rc, diags) = check_json(&policy);
        assert_eq!(rc, 1, "{n}: {diags:?}");
        assert_eq!(diags.len(), 1, "one diagnostic per cycle: {diags:?}");
        assert_eq!(diags[0].0, "E0219");
        assert!(diags[0].1.contains(path), "{n}: {}", diags[0].1);
        // Evaluation used to release every subject at every level; now it refuses the plan.
        let o = policyc(&[
            "eval",
            "--lang",
            "en",
            s(&policy),
            "--data",
            s(&data),
            "--level",
            "all",
        ]);
        assert_eq!(code(&o), 1, "{n}: {}{}", stdout(&o), stderr(&o));
        assert!(stderr(&o).contains("E0219"), "{}", stderr(&o));
        assert!(!stdout(&o).contains("\"results\""), "{}", stdout(&o));
    }
    // Two separate cycles are two diagnostics; a measure leading into a cycle is not in one.
    let two = "预警级别 { 黄色 < 橙色 < 红色 }\n实体 厂 键 名 { 名: 文本 }\n\
措施 a 强制性 自 黄色 { 对象 厂 要求 停产 替代 b 依据 \"1\" }\n\
措施 b 强制性 自 黄色 { 对象 厂 要求 停产 替代 a 依据 \"1\" }\n\
措施 c 强制性 自 黄色 { 对象 厂 要求 停产 替代 d 依据 \"1\" }\n\
措施 d 强制性 自 黄色 { 对象 厂 要求 停产 替代 c 依据 \"1\" }\n\
措施 e 强制性 自 黄色 { 对象 厂 要求 停产 替代 a 依据 \"1\" }\n";
    let policy = write(&dir, "two.policy", two);
    let (rc, diags) = check_json(&policy);
    assert_eq!(rc, 1);
    let messages: Vec<&str> = diags.iter().map(|d| d.1.as_str()).collect();
    assert_eq!(
        messages,
        [
            "measures replace each other in a cycle: a → b → a",
            "measures replace each other in a cycle: c → d → c"
        ]
    );
}

/// Per group `g`: `a` a mandatory limit; `b` the same with another action, `c` with other
/// levels, `k` with an exception (none repeats `a`); `d` the same as `a` in other words
/// (repeats `a`: mandatory beyond voluntary reduction); `e` advisory, `f` the same advice in
/// other words (not a repeat), `h` the same advice in the same words (repeats `e`).
fn repeated_plan(groups: usize) -> String {
    let mut t = String::from(
        "预警级别 { 黄色 < 橙色 < 红色 }\n实体 厂 键 名 { 名: 文本  人数: 整数  涉气: 布尔 }\n",
    );
    for g in 0..groups {
        let c = format!("当 人数 > {g}");
        t.push_str(&format!(
            "措施 a{g} 强制性 自 黄色 {{ 对象 厂 {c} 要求 限产 20% 依据 \"1\" 内容 \"限产\" }}
措施 b{g} 强制性 自 黄色 {{ 对象 厂 {c} 要求 限产 30% 依据 \"1\" 内容 \"限产\" }}
措施 c{g} 强制性 自 橙色 {{ 对象 厂 {c} 要求 限产 20% 依据 \"1\" 内容 \"限产\" }}
措施 k{g} 强制性 自 黄色 {{ 对象 厂 {c} 除外 当 涉气 依据 \"2\" 要求 限产 20% 依据 \"1\" 内容 \"限产\" }}
措施 d{g} 强制性 自 黄色 {{ 对象 厂 {c} 要求 限产 20% 依据 \"1\" 内容 \"另一种说法\" }}
措施 e{g} 倡议性 自 黄色 {{ 对象 厂 {c} 要求 自主减排 依据 \"1\" 内容 \"倡导甲\" }}
措施 f{g} 倡议性 自 黄色 {{ 对象 厂 {c} 要求 自主减排 依据 \"1\" 内容 \"倡导乙\" }}
措施 h{g} 倡议性 自 黄色 {{ 对象 厂 {c} 要求 自主减排 依据 \"1\" 内容 \"倡导甲\" }}
"
        ));
    }
    t
}

#[test]
fn many_repeated_measures_are_each_reported_against_the_first_they_repeat() {
    let groups = 500; // 4,000 measures
    let dir = tmp("hostile_analysis_repeats");
    let policy = write(&dir, "r.policy", &repeated_plan(groups));
    let (rc, diags) = check_json(&policy);
    assert_eq!(rc, 0, "warnings only: {:?}", &diags[..diags.len().min(5)]);
    assert!(diags.iter().all(|d| d.0 == "W0304"), "{diags:?}");
    let found: BTreeSet<String> = diags.into_iter().map(|d| d.1).collect();
    let mut expected = BTreeSet::new();
    for g in 0..groups {
        for (b, a) in [("d", "a"), ("h", "e")] {
            expected.insert(format!(
                "measure `{b}{g}` repeats measure `{a}{g}`: same subject, levels, condition and action"
            ));
        }
    }
    assert_eq!(found.len(), 2 * groups);
    assert_eq!(found, expected);
    // A third copy names the first, not the second.
    let mut text = repeated_plan(1);
    text.push_str(
        "措施 z 强制性 自 黄色 { 对象 厂 当 人数 > 0 要求 限产 20% 依据 \"1\" 内容 \"第三种说法\" }\n",
    );
    let policy = write(&dir, "third.policy", &text);
    let (_, diags) = check_json(&policy);
    assert!(
        diags
            .iter()
            .any(|d| d.1.starts_with("measure `z` repeats measure `a0`")),
        "{diags:?}"
    );
}

#[test]
fn restrictions_and_nested_scopes_past_their_limits_are_diagnosed() {
    let dir = tmp("hostile_analysis_scopes");
    let restrictions: String = (0..70).map(|i| format!("限制 r{i} \"r{i}\"\n")).collect();
    let many_restrictions = format!(
        "预警级别 {{ 黄色 < 橙色 }}\n{restrictions}实体 厂 键 名 {{ 名: 文本 }}\n措施 m 强制性 自 黄色 {{ 对象 厂 要求 停产 + 禁止 r69 依据 \"1\" }}\n"
    );
    // The subject is one scope; each `任一` opens another: 7 nest to the limit of 8, 8 pass it.
    let nested = |n: usize| {
        let mut body = "名 = \"x\"".to_string();
        for _ in 0..n {
            body = format!("任一 子 满足 ( {body} )");
        }
        format!(
            "预警级别 {{ 黄色 < 橙色 }}\n实体 厂 键 名 {{ 名: 文本  子: 列表 厂 }}\n措施 m 强制性 自 黄色 {{ 对象 厂 当 {body} 要求 停产 依据 \"1\" }}\n"
        )
    };
    for (name, text, expected) in [
        (
            "restrictions.policy",
            many_restrictions,
            Some(("E0221", "too many restrictions")),
        ),
        (
            "nested8.policy",
            nested(8),
            Some(("E0222", "too many nested `任一`/`所有`")),
        ),
        ("nested7.policy", nested(7), None),
    ] {
        let policy = write(&dir, name, &text);
        let (rc, diags) = check_json(&policy);
        match expected {
            Some((code, message)) => {
                assert_eq!(rc, 1, "{name}: {diags:?}");
                assert_eq!(diags, [(code.to_string(), message.to_string())], "{name}");
            }
            None => assert!(diags.iter().all(|d| d.0 != "E0222"), "{name}: {diags:?}"),
        }
    }
}
