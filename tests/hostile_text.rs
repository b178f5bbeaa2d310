//! Policy text that lies about itself, through the real binary: line ends an editor shows
//! and the grammar did not, names that look identical but are not, characters that reorder
//! or drive the terminal, and conditions long enough to exhaust a stack.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{code, policyc, stderr, stdout, tmp, BEIJING, FIRMS, NATIONAL};

/// The shipped plans under `dir` with every line end replaced by `nl`, at the same
/// relative paths (the Beijing plan imports `../national/…`).
fn plans_with_line_ends(dir: &Path, nl: &str) -> PathBuf {
    for (from, to) in [
        (BEIJING, "beijing/manufacturing-2023.policy"),
        (NATIONAL, "national/grading-2020.policy"),
    ] {
        let text = std::fs::read_to_string(from).unwrap();
        assert!(!text.contains('\r'), "the shipped plans use \\n");
        let target = dir.join(to);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, text.replace('\n', nl)).unwrap();
    }
    dir.join("beijing/manufacturing-2023.policy")
}

fn content_hash(rules: &Path) -> String {
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(rules).unwrap()).unwrap();
    doc["hash"].as_str().unwrap().to_string()
}

fn compile_hash(policy: &Path, out: &Path) -> String {
    let o = policyc(&[
        "compile",
        policy.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    content_hash(out)
}

#[test]
fn plan_with_cr_or_crlf_line_ends_compiles_to_the_same_rule_set() {
    let dir = tmp("hostile-text-line-ends");
    let original = compile_hash(Path::new(BEIJING), &dir.join("lf.json"));
    let lf_eval = policyc(&[
        "eval", "--lang", "en", BEIJING, "--data", FIRMS, "--level", "all",
    ]);
    assert_eq!(code(&lf_eval), 0, "{}", stderr(&lf_eval));
    for (label, nl) in [("cr", "\r"), ("crlf", "\r\n")] {
        let plan = plans_with_line_ends(&dir.join(label), nl);
        let p = plan.to_str().unwrap();
        // Before: the first `//` comment ran to the end of a CR file, the plan's measures
        // vanished and `check --deny warnings` passed.
        let o = policyc(&["check", "--deny", "warnings", p]);
        assert_eq!(code(&o), 0, "{label}: {}{}", stdout(&o), stderr(&o));
        assert_eq!(
            compile_hash(&plan, &dir.join(format!("{label}.json"))),
            original,
            "{label}: another rule set than the plan with \\n line ends"
        );
        let o = policyc(&["eval", "--lang", "en", p, "--data", FIRMS, "--level", "all"]);
        assert_eq!(code(&o), 0, "{label}: {}", stderr(&o));
        assert_eq!(stdout(&o), stdout(&lf_eval), "{label}: other decisions");
        assert!(stdout(&o).contains("停用燃油非道路移动机械"), "{label}");
    }
}

#[test]
fn diagnostics_number_lines_at_every_line_end() {
    let dir = tmp("hostile-text-line-numbers");
    for (label, nl) in [("lf", "\n"), ("cr", "\r"), ("crlf", "\r\n")] {
        let text = [
            "预警级别 { 黄色 < 橙色 }",
            "// 注释: 下一行的措施不能被它吞掉",
            "实体 企业 键 码 { 码: 文本 }",
            "措施 甲 强制性 自 黄色 { 对象 企业 当 未知字段 要求 停产 依据 \"一\" }",
        ]
        .join(nl);
        let path = dir.join(format!("{label}.policy"));
        std::fs::write(&path, text).unwrap();
        let o = policyc(&["check", "--format", "json", path.to_str().unwrap()]);
        assert_eq!(code(&o), 1, "{label}: {}", stdout(&o));
        let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let d = &doc["diagnostics"][0];
        assert_eq!(d["code"], "E0101", "{label}");
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(4), Some(25)),
            "{label}"
        );
        let o = policyc(&["check", path.to_str().unwrap()]);
        assert!(
            stdout(&o).contains(".policy:4:25"),
            "{label}: {}",
            stdout(&o)
        );
        assert!(
            stdout(&o).contains("4 │ 措施 甲"),
            "{label}: {}",
            stdout(&o)
        );
    }
}

/// A plan with two measures that both display `停工` and an exemption lifting one of them.
fn two_stops(second: &str) -> String {
    format!(
        "预警级别 {{ 黄色 < 橙色 }}\n实体 企业 键 码 {{ 码: 文本\n 保障: 布尔 }}\n\
         措施 停工 强制性 自 黄色 {{ 对象 企业 要求 停产 依据 \"一\" }}\n\
         措施 {second} 强制性 自 橙色 {{ 对象 企业 要求 停产 依据 \"二\" }}\n\
         豁免 保障类 {{ 对象 企业 当 保障 解除 {second} 依据 \"三\" }}\n"
    )
}

fn check_text(dir: &Path, name: &str, text: &str) -> std::process::Output {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    policyc(&["check", path.to_str().unwrap()])
}

#[test]
fn names_that_look_like_another_are_refused() {
    let dir = tmp("hostile-text-names");
    let cases = [
        ("停工\u{FE00}", "E0008", "U+FE00"),
        ("停\u{200D}工", "E0008", "U+200D"),
        ("停\u{034F}工", "E0008", "U+034F"),
        ("停工\u{3164}", "E0008", "U+3164"),
        // Cyrillic and Katakana look-alikes of a Latin letter and of 工.
        ("停工\u{0410}", "E0120", "U+0410"),
        ("停\u{30A8}", "E0120", "U+30A8"),
    ];
    // The original, with Latin A, for the Cyrillic case.
    for (second, expected, cp) in cases {
        let text = if expected == "E0120" && second.ends_with('\u{0410}') {
            two_stops(second).replace("措施 停工 ", "措施 停工A ")
        } else {
            two_stops(second)
        };
        let o = check_text(&dir, "names.policy", &text);
        assert_eq!(code(&o), 1, "{cp}: {}", stdout(&o));
        let out = stdout(&o);
        assert!(out.contains(&format!("error[{expected}]")), "{cp}: {out}");
        assert!(
            out.contains(cp),
            "{cp}: the diagnostic names the code point: {out}"
        );
        assert!(!out.contains("panicked"), "{cp}");
    }
    // The compatibility ideograph U+FA08 for 行: the help names the character it stands for.
    let text = "实体 企业 键 码 { 码: 文本\n \u{FA08}业: 文本 }\n";
    let o = check_text(&dir, "compat.policy", text);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.contains("error[E0009]") && out.contains("U+FA08"),
        "{out}"
    );
    assert!(out.contains("help: write 行 (U+884C)"), "{out}");
}

#[test]
fn look_alike_enum_values_point_at_both_and_mixed_scripts_stay_normal() {
    let dir = tmp("hostile-text-enums");
    let o = policyc(&[
        "check",
        "--format",
        "json",
        check_path(&dir, "e.policy", "枚举 等级 { A, B, \u{0410} }\n"),
    ]);
    assert_eq!(code(&o), 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "E0120");
    let columns: Vec<_> = d["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["primary"].as_bool().unwrap(),
                l["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        columns,
        [(true, 15), (false, 9)],
        "both values are pointed at"
    );
    // Mixed scripts within a name, and NFC: `é` precomposed and decomposed are one name.
    let clean = "预警级别 { 黄色 < 橙色 }\n枚举 等级 { B级, B, C级 }\n限制 国四重卡 \"x\"\n\
                 实体 企业 键 码 { 码: 文本\n 等级: 等级\n café: 布尔 }\n\
                 措施 甲 强制性 自 黄色 { 对象 企业 当 等级 = B级 且 cafe\u{301} 要求 禁止 国四重卡 依据 \"一\" }\n";
    let o = policyc(&[
        "check",
        "--deny",
        "warnings",
        check_path(&dir, "clean.policy", clean),
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = policyc(&["check", "--deny", "warnings", BEIJING, NATIONAL]);
    assert_eq!(code(&o), 0, "the shipped plans stay clean: {}", stdout(&o));
}

fn check_path<'a>(dir: &'a Path, name: &str, text: &str) -> &'a str {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    Box::leak(path.into_boxed_path()).to_str().unwrap()
}

/// No raw control or bidirectional control in what a run printed.
fn assert_no_raw_controls(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let raw = text.chars().find(|&c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
    });
    assert_eq!(raw, None, "{what} printed a raw control: {text}");
}

#[test]
fn bidi_and_control_characters_are_errors_shown_by_code_point() {
    let dir = tmp("hostile-text-controls");
    let measure = "预警级别 { 黄色 < 橙色 }\n实体 企业 键 码 { 码: 文本 }\n";
    let cases = [
        ("依据 \"三、(\u{202E}2(二\" }", "E0006", "U+202E"),
        ("依据 \"三\" } // \u{2066}隐藏\u{2069}", "E0006", "U+2066"),
        ("依据 \"\u{200E}三\" }", "E0006", "U+200E"),
        ("依据 \"\u{200F}三\" }", "E0006", "U+200F"),
        ("依据 \"\u{061C}三\" }", "E0006", "U+061C"),
        ("依据 \"三\u{202A}\" }", "E0006", "U+202A"),
        // A file holding NUL is not policy text at all: named, never shown.
        ("依据 \"a\0b\" }", "E0110", "NUL"),
        (
            "依据 \"三\" } // \u{1B}]0;owned\u{7}\u{1B}[2J",
            "E0007",
            "U+001B",
        ),
        ("依据 \"三\u{9B}31m\" }", "E0007", "U+009B"),
        ("依据 \"三\" } /* \u{7F} */", "E0007", "U+007F"),
    ];
    for (tail, expected, cp) in cases {
        let text = format!("{measure}措施 甲 强制性 自 黄色 {{ 对象 企业 要求 停产 {tail}\n");
        let path = check_path(&dir, "c.policy", &text);
        for format in ["human", "json", "sarif"] {
            let o = policyc(&["check", "--format", format, path]);
            assert_eq!(code(&o), 1, "{cp} {format}: {}", stdout(&o));
            assert!(
                stdout(&o).contains(expected),
                "{cp} {format}: {}",
                stdout(&o)
            );
            assert!(stdout(&o).contains(cp), "{cp} {format}: {}", stdout(&o));
            assert_no_raw_controls(&format!("check {cp} {format}"), &o.stdout);
            assert_no_raw_controls(&format!("check {cp} {format} (stderr)"), &o.stderr);
        }
        let o = policyc(&[
            "eval", "--lang", "en", path, "--data", FIRMS, "--level", "all",
        ]);
        assert_ne!(code(&o), 0, "{cp}: a refused policy is not evaluated");
        assert_no_raw_controls(&format!("eval {cp}"), &o.stderr);
    }
}

/// A policy whose one measure binds every firm through `condition` over a yes/no field.
fn chain_policy(condition: &str) -> String {
    format!(
        "预警级别 {{ 黄色 (yellow) < 橙色 (orange) < 红色 (red) }}\n\
         实体 企业 键 码 {{\n  码: 文本\n  涉气: 布尔\n  人数: 整数\n}}\n\
         措施 甲 强制性 自 黄色 {{\n  对象 企业 当 {condition}\n  要求 停产\n  依据 \"一\"\n}}\n"
    )
}

const FIRMS_JSON: &str =
    r#"{"企业": [{"码": "a", "涉气": true, "人数": 5}, {"码": "b", "涉气": false, "人数": 5}]}"#;

/// Runs the binary with a main-thread stack of `kib` and worker threads of the same size
/// (rayon's threads take Rust's default, which RUST_MIN_STACK sets).
fn policyc_small_stack(kib: usize, args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -s {kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_policyc"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_MIN_STACK", (kib * 1024).to_string())
        .output()
        .expect("sh runs")
}

#[test]
fn conditions_at_the_limit_evaluate_and_past_it_are_diagnosed() {
    use policyc::limits::{MAX_CONDITION_NESTING, MAX_CONDITION_OPERANDS};
    let dir = tmp("hostile-text-chains");
    let data = dir.join("firms.json");
    std::fs::write(&data, FIRMS_JSON).unwrap();
    let data = data.to_str().unwrap();
    let chain = |n: usize, op: &str| vec!["涉气"; n].join(&format!(" {op} "));
    // The deepest tree allowed: a chain of tests whose last one is under the deepest run
    // of `非` (an even number, so it still reads 涉气), and brackets nested to the limit.
    let nots = MAX_CONDITION_NESTING - MAX_CONDITION_NESTING % 2;
    let deepest = format!(
        "{} 且 {}涉气",
        chain(MAX_CONDITION_OPERANDS - 1, "且"),
        "非 ".repeat(nots)
    );
    let brackets = format!(
        "{}人数 > 1{}",
        "(涉气 且 ".repeat(MAX_CONDITION_NESTING),
        ")".repeat(MAX_CONDITION_NESTING)
    );
    let at_limit = [
        ("and", chain(MAX_CONDITION_OPERANDS, "且")),
        ("or", chain(MAX_CONDITION_OPERANDS, "或")),
        ("deepest", deepest),
        ("brackets", brackets),
    ];
    for (label, condition) in &at_limit {
        let path = check_path(&dir, &format!("{label}.policy"), &chain_policy(condition));
        let o = policyc(&["check", "--deny", "warnings", path]);
        assert_eq!(code(&o), 0, "{label}: {}{}", stdout(&o), stderr(&o));
        for explain in [false, true] {
            let mut args = vec![
                "eval", "--lang", "en", path, "--data", data, "--level", "all",
            ];
            if explain {
                args.push("--explain");
            }
            let o = policyc(&args);
            assert_eq!(code(&o), 0, "{label}: {}", stderr(&o));
            let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
            let results = doc["results"].as_array().unwrap();
            assert_eq!(results.len(), 6, "{label}: two firms at three levels");
            let stops = results
                .iter()
                .filter(|r| r["measures"].as_array().is_some_and(|m| !m.is_empty()))
                .count();
            assert_eq!(stops, 3, "{label}: firm a at every level, firm b never");
        }
        // With a quarter of the binary's 8 MiB stack, for the main thread and the workers.
        for args in [
            vec!["check", path],
            vec!["eval", path, "--data", data, "--level", "all", "--explain"],
        ] {
            let o = policyc_small_stack(2048, &args);
            assert_eq!(o.status.code(), Some(0), "{label} {args:?}: {}", stderr(&o));
        }
    }
    let past_limit = [
        ("and-129", chain(MAX_CONDITION_OPERANDS + 1, "且"), "E0010"),
        ("and-10000", chain(10_000, "且"), "E0010"),
        ("or-10000", chain(10_000, "或"), "E0010"),
        (
            "nots",
            format!("{}涉气", "非 ".repeat(MAX_CONDITION_NESTING + 1)),
            "E0011",
        ),
        (
            "brackets",
            format!(
                "{}涉气{}",
                "(涉气 或 ".repeat(MAX_CONDITION_NESTING + 1),
                ")".repeat(MAX_CONDITION_NESTING + 1)
            ),
            "E0011",
        ),
    ];
    for (label, condition, expected) in &past_limit {
        let path = check_path(&dir, &format!("{label}.policy"), &chain_policy(condition));
        let o = policyc(&["check", "--format", "json", path]);
        assert_eq!(code(&o), 1, "{label}: {}", stderr(&o));
        let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(doc["diagnostics"][0]["code"], *expected, "{label}");
        let help = doc["diagnostics"][0]["help"].as_str().unwrap();
        assert!(help.contains("limit MAX_CONDITION_"), "{label}: {help}");
        let o = policyc(&[
            "eval", "--lang", "en", path, "--data", data, "--level", "all",
        ]);
        assert_eq!(code(&o), 1, "{label}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{label}: {}", stderr(&o));
        assert!(!stderr(&o).contains("overflow"), "{label}");
    }
}

/// `text` as a Chinese keyboard types it: outside comments and quoted text, `( ) , : %`
/// become `（ ） ， ： ％`, and quoted text is quoted `“…”` (unless it holds a `”`).
fn typed_with_chinese_punctuation(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |e| e + 2);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        if c == '"' {
            let body = &rest[1..];
            let mut end = 0;
            let mut escaped = false;
            for (i, ch) in body.char_indices() {
                match ch {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = i;
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let content = &body[..end];
            if content.contains('”') {
                out.push('"');
                out.push_str(content);
                out.push('"');
            } else {
                out.push('“');
                out.push_str(content);
                out.push('”');
            }
            rest = &body[end + 1..];
            continue;
        }
        out.push(match c {
            '(' => '（',
            ')' => '）',
            ',' => '，',
            ':' => '：',
            '%' => '％',
            other => other,
        });
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[test]
fn a_plan_typed_with_chinese_punctuation_compiles_to_the_same_rule_set() {
    let dir = tmp("hostile-text-chinese-punctuation");
    let original = compile_hash(Path::new(BEIJING), &dir.join("ascii.json"));
    let ascii_eval = policyc(&[
        "eval", "--lang", "en", BEIJING, "--data", FIRMS, "--level", "all",
    ]);
    for (from, to) in [
        (BEIJING, "beijing/manufacturing-2023.policy"),
        (NATIONAL, "national/grading-2020.policy"),
    ] {
        let text = std::fs::read_to_string(from).unwrap();
        let typed = typed_with_chinese_punctuation(&text);
        for mark in ['（', '）', '，', '：', '％', '“', '”'] {
            assert!(typed.contains(mark), "{to}: no {mark} to read");
        }
        let target = dir.join(to);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, typed).unwrap();
    }
    let plan = dir.join("beijing/manufacturing-2023.policy");
    let p = plan.to_str().unwrap();
    let o = policyc(&["check", "--deny", "warnings", p]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    // The same rule set, but for the list rules' texts, which quote the author's own words.
    compile_hash(&plan, &dir.join("typed.json"));
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
    };
    let (mut ascii, mut typed) = (read("ascii.json"), read("typed.json"));
    assert_ne!(original, typed["hash"]);
    let quoted = typed["rules"]["list_rules"][1]["checks"][0]["text"].clone();
    assert!(
        quoted
            .as_str()
            .unwrap()
            .starts_with("减排量（二氧化硫排放量） >= {黄色 10％，"),
        "{quoted}"
    );
    for doc in [&mut ascii, &mut typed] {
        doc["hash"] = serde_json::Value::Null;
        for rule in doc["rules"]["list_rules"].as_array_mut().unwrap() {
            for part in ["aggregates", "checks"] {
                for x in rule[part].as_array_mut().unwrap() {
                    x["text"] = serde_json::Value::Null;
                }
            }
        }
    }
    assert_eq!(ascii, typed);
    let o = policyc(&["eval", "--lang", "en", p, "--data", FIRMS, "--level", "all"]);
    assert_eq!(stdout(&o), stdout(&ascii_eval));
}

/// A mark the language does not read is an error at that very character, with what to
/// write instead; a quoted text opened with `“` and not closed says so.
#[test]
fn chinese_punctuation_the_language_does_not_read_is_an_error_at_that_character() {
    let dir = tmp("hostile-text-keyboard-marks");
    for (fragment, mark, help) in [
        (
            "当 级别 属于 清单； 要求 停产",
            "；",
            "join conditions with `且`",
        ),
        ("当 级别 属于 清单。 要求 停产", "。", "drop it"),
        ("要求 限产 30％ ＋ 停用", "＋", "write the ASCII `+`"),
        ("当 级别 ＝ 黄色 要求 停产", "＝", "write the ASCII `=`"),
        ("要求 停产 依据 ‘三’", "‘", "not `‘…’`"),
        ("要求 分级【等级，级别】", "【", "write the ASCII `[`"),
        ("要求 停产 依据 “三、（一）", "“", "end it with `”`"),
    ] {
        let text = format!(
            "预警级别 {{ 黄色 < 橙色 }}\n实体 企业 键 名称 {{ 名称：文本  清单：集合 级别 }}\n措施 甲 强制性 自 黄色 {{ 对象 企业 {fragment} }}\n"
        );
        let path = dir.join("p.policy");
        std::fs::write(&path, &text).unwrap();
        let o = policyc(&["check", "--format", "json", path.to_str().unwrap()]);
        assert_eq!(code(&o), 1, "{fragment}: {}", stderr(&o));
        let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let d = &doc["diagnostics"][0];
        assert_eq!(d["code"], "E0001", "{fragment}: {d}");
        let line3 = text.lines().nth(2).unwrap();
        let column = line3.chars().take_while(|&c| c.to_string() != mark).count() + 1;
        assert_eq!(d["labels"][0]["line"], 3, "{fragment}: {d}");
        assert_eq!(d["labels"][0]["column"], column, "{fragment}: {d}");
        assert!(
            d["help"].as_str().unwrap().contains(help),
            "{fragment}: {d}"
        );
    }
}
