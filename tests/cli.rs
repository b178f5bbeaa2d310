//! The real binary: exit codes, outputs on the shipped plan, hostile input.

use std::path::Path;
mod common;

use common::{code, policyc, stderr, stdout, BEIJING, FIRMS, NATIONAL};

#[test]
fn shipped_policies_check_clean() {
    let o = policyc(&["check", BEIJING, NATIONAL]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(stderr(&o), "");
}

#[test]
fn broken_policy_exits_1_and_missing_file_exits_2() {
    let o = policyc(&["check", "tests/broken/E0101_unknown_field.policy"]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("error[E0101]"));
    let o = policyc(&["check", "no/such/file.policy"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("cannot read policy file"),
        "{}",
        stderr(&o)
    );
    let o = policyc(&["check"]);
    assert_eq!(code(&o), 2, "missing argument is a usage error");
    let o = policyc(&["check", "tests"]);
    assert_eq!(code(&o), 2, "a directory is not a policy file");
}

#[test]
fn check_json_reports_positions_and_codes() {
    let o = policyc(&[
        "check",
        "--format",
        "json",
        "tests/broken/E0001_swallowed_keyword.policy",
    ]);
    assert_eq!(code(&o), 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "E0001");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["line"], 3);
    assert_eq!(d["column"], 10);
    assert_eq!(d["end_column"], 14);
    assert!(d["help"].as_str().unwrap().contains("`当`"));
}

#[test]
fn eval_example_firms_json_all_levels() {
    let o = policyc(&[
        "eval", "--lang", "en", BEIJING, "--data", FIRMS, "--level", "all",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!("eval_firms_all_json", stdout(&o));
}

#[test]
fn eval_example_firms_table_by_alias() {
    let o = policyc(&[
        "eval", "--lang", "zh", BEIJING, "--data", FIRMS, "--level", "orange", "--format", "table",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!("eval_firms_orange_table", stdout(&o));
}

#[test]
fn eval_unknown_level_is_a_usage_error() {
    let o = policyc(&[
        "eval", "--lang", "en", BEIJING, "--data", FIRMS, "--level", "purple",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("unknown level `purple`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn eval_bad_rows_are_reported_and_exit_1() {
    // A small plan whose table has no grid for 钢铁: the 钢铁 firm's row is valid, and its
    // evaluation fails with a missing cell. (The shipped plans have no such gap.)
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        "tests/data/incomplete-table.policy",
        "--data",
        "tests/data/bad-firms.json",
        "--level",
        "yellow",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    insta::assert_json_snapshot!("eval_bad_firms", doc);
    let s = &doc["summary"];
    assert_eq!(
        s["records"].as_u64().unwrap(),
        s["evaluated"].as_u64().unwrap() + s["failed"].as_u64().unwrap()
    );
    let text = doc.to_string();
    assert!(
        text.contains("钢铁") && text.contains("no cell"),
        "a record fails with a missing cell"
    );
}

#[test]
fn eval_unreadable_data_exits_2() {
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        "no/such.json",
        "--level",
        "all",
    ]);
    assert_eq!(code(&o), 2);
    let o = policyc(&[
        "eval", "--lang", "en", BEIJING, "--data", BEIJING, "--level", "all",
    ]);
    assert_eq!(code(&o), 2, "a .policy file has no data format");
    assert!(
        stderr(&o).contains("cannot tell the format"),
        "{}",
        stderr(&o)
    );
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        BEIJING,
        "--data-format",
        "json",
        "--level",
        "all",
    ]);
    assert_eq!(code(&o), 2, "a policy is not JSON data");
    assert!(stderr(&o).contains("not valid JSON"), "{}", stderr(&o));
}

#[test]
fn explain_prints_long_explanations() {
    let o = policyc(&["explain", "e0101"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("E0101: unknown name"));
    assert_eq!(code(&policyc(&["explain", "X9999"])), 2);
}

fn scratch(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn hostile_inputs_give_diagnostics_not_panics() {
    let deep = format!(
        "措施 甲 倡议性 黄色 {{ 对象 企业 当 {}a{} }}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let nots = format!(
        "措施 甲 倡议性 黄色 {{ 对象 企业 当 {}a }}",
        "非 ".repeat(100_000)
    );
    // Deterministic pseudo-random bytes (xorshift), 10 MB.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let random: Vec<u8> = (0..10 * 1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let ascii_noise: Vec<u8> = random
        .iter()
        .map(|b| b"({[<>]}) \n\"a1%"[(*b % 14) as usize])
        .collect();
    let cases: [(&str, Vec<u8>, &str); 6] = [
        ("deep.policy", deep.into_bytes(), "E0002"),
        ("nots.policy", nots.into_bytes(), "E0002"),
        ("random.policy", random, "E0003"),
        ("noise.policy", ascii_noise, "E0"),
        ("empty.policy", Vec::new(), "E0004"),
        ("latin1.policy", b"\xe9t\xe9".to_vec(), "E0003"),
    ];
    for (name, bytes, expected) in cases {
        let p = scratch(name, &bytes);
        let o = policyc(&["check", p.to_str().unwrap()]);
        assert_eq!(code(&o), 1, "{name}: {}", stderr(&o));
        assert!(
            stdout(&o).contains(expected),
            "{name}: {}",
            &stdout(&o)[..stdout(&o).len().min(500)]
        );
        assert!(!stderr(&o).contains("panicked"), "{name}");
    }
}

#[test]
fn compiled_rule_set_gives_identical_output_and_refuses_tampering() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled");
    std::fs::create_dir_all(&dir).unwrap();
    let rules = dir.join("rules.json");
    let rules_s = rules.to_str().unwrap();
    let o = policyc(&["compile", BEIJING, "-o", rules_s]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for format in ["json", "jsonl", "csv", "table"] {
        let from_source = policyc(&[
            "eval", "--lang", "en", BEIJING, "--data", FIRMS, "--level", "all", "--format", format,
        ]);
        let from_rules = policyc(&[
            "eval", "--lang", "en", rules_s, "--data", FIRMS, "--level", "all", "--format", format,
        ]);
        assert_eq!(code(&from_rules), 0);
        assert_eq!(from_source.stdout, from_rules.stdout, "{format}");
    }
    let text = std::fs::read_to_string(&rules).unwrap();
    let tampered = dir.join("tampered.json");
    std::fs::write(
        &tampered,
        text.replace("限产", "减产")
            .replacen("\"hundredths\": 2000", "\"hundredths\": 1000", 1),
    )
    .unwrap();
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        tampered.to_str().unwrap(),
        "--data",
        FIRMS,
        "--level",
        "all",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("altered after compiling"),
        "{}",
        stderr(&o)
    );
    let other = dir.join("other-version.json");
    std::fs::write(
        &other,
        text.replacen(
            &format!("\"format_version\": {}", policyc::ir::FORMAT_VERSION),
            "\"format_version\": 999",
            1,
        ),
    )
    .unwrap();
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        other.to_str().unwrap(),
        "--data",
        FIRMS,
        "--level",
        "all",
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("format version 999"), "{}", stderr(&o));
}

#[test]
fn identical_input_gives_identical_bytes() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("determinism");
    std::fs::create_dir_all(&dir).unwrap();
    for format in ["json", "jsonl", "csv", "xlsx"] {
        let a = dir.join(format!("a.{format}"));
        let b = dir.join(format!("b.{format}"));
        for p in [&a, &b] {
            let o = policyc(&[
                "eval",
                "--lang",
                "en",
                BEIJING,
                "--data",
                FIRMS,
                "--level",
                "all",
                "--format",
                format,
                "-o",
                p.to_str().unwrap(),
            ]);
            assert_eq!(code(&o), 0, "{}", stderr(&o));
        }
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "{format}"
        );
    }
}

#[test]
fn explain_shows_values_cells_and_exemptions() {
    let o = policyc(&[
        "eval",
        "--lang",
        "zh",
        BEIJING,
        "--data",
        FIRMS,
        "--level",
        "orange",
        "--format",
        "table",
        "--explain",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    insta::assert_snapshot!("eval_firms_orange_explain", stdout(&o));
    let o = policyc(&[
        "eval",
        "--lang",
        "zh",
        BEIJING,
        "--data",
        FIRMS,
        "--level",
        "red",
        "--explain",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ex = &doc["results"][0]["explanations"];
    assert!(ex
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["table_cells"].as_array().is_some_and(|c| !c.is_empty())));
}

#[test]
fn csv_output_has_chinese_headers_and_neutralised_cells() {
    let o = policyc(&[
        "eval", "--lang", "zh", BEIJING, "--data", FIRMS, "--level", "yellow", "--format", "csv",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with(
            "\u{feff}实体,键,级别,综合要求,措施,类型,状态,对象,要求,内容,依据,豁免依据\r\n"
        ),
        "{}",
        &out[..200]
    );
    assert!(!out.lines().any(|l| l
        .split(',')
        .any(|c| c.starts_with('=') || c.starts_with('@'))));
}

#[test]
fn csv_output_encodings_bom_none_and_gb18030() {
    let run = |encoding: Option<&str>| {
        let mut args = vec![
            "eval", "--lang", "zh", BEIJING, "--data", FIRMS, "--level", "orange", "--format",
            "csv",
        ];
        if let Some(e) = encoding {
            args.extend(["--output-encoding", e]);
        }
        let o = policyc(&args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        o.stdout
    };
    let default = run(None);
    assert!(default.starts_with(b"\xEF\xBB\xBF"), "a BOM by default");
    let plain = run(Some("utf-8"));
    assert_eq!(
        &default[3..],
        &plain[..],
        "utf-8 is the same text without the BOM"
    );
    let gb = run(Some("gb18030"));
    // 实体 in GB18030 is CA B5 CC E5; the file has no BOM and decodes to the UTF-8 text.
    assert!(gb.starts_with(&[0xCA, 0xB5, 0xCC, 0xE5]), "{:x?}", &gb[..8]);
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(&gb);
    assert!(!had_errors);
    assert_eq!(text.as_bytes(), &plain[..]);
    assert!(
        text.contains("动力 属于 纯电动、氢燃料电池（"),
        "exceptions in words"
    );
    let o = policyc(&[
        "eval",
        "--lang",
        "zh",
        BEIJING,
        "--data",
        FIRMS,
        "--level",
        "orange",
        "--format",
        "csv",
        "--output-encoding",
        "latin-9",
    ]);
    assert_eq!(code(&o), 2, "an unknown encoding is a usage error");
}

#[test]
fn xlsx_workbook_is_organised_by_firm() {
    use calamine::{open_workbook, Reader, Xlsx};
    let dir = common::tmp("xlsx_by_firm");
    let run = |name: &str| {
        let out = dir.join(name);
        let o = policyc(&[
            "eval",
            "--lang",
            "zh",
            BEIJING,
            "--data",
            FIRMS,
            "--level",
            "all",
            "--format",
            "xlsx",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        out
    };
    let a = run("a.xlsx");
    let b = run("b.xlsx");
    assert_eq!(
        std::fs::read(&a).unwrap(),
        std::fs::read(&b).unwrap(),
        "byte-identical"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    let mut wb: Xlsx<_> = open_workbook(&a).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["汇总", "汇总-单位", "明细", "错误", "说明"]
    );
    let cells = |range: &calamine::Range<calamine::Data>| -> Vec<Vec<String>> {
        range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    let summary = cells(&wb.worksheet_range("汇总").unwrap());
    assert_eq!(
        summary[0][..3],
        ["统一社会信用代码", "名称", "所在区"],
        "key then display fields"
    );
    assert_eq!(summary[0][6..8], ["黄色要求", "黄色豁免"]);
    let firms: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(FIRMS).unwrap()).unwrap();
    let n_firms = firms["企业"].as_array().unwrap().len();
    assert_eq!(summary.len(), n_firms + 1, "one row per firm");
    let xishan = summary
        .iter()
        .find(|r| r[0] == "91110111572812549C")
        .expect("the first firm is on the summary");
    assert_eq!(xishan[1], "北京西山建材水泥熟料有限公司");
    assert_eq!(
        xishan[8], "自主减排；停用燃油非道路移动机械：1 项",
        "orange, with item measures"
    );
    assert!(
        xishan[9].starts_with("动力 属于 纯电动、氢燃料电池（"),
        "{}",
        xishan[9]
    );

    // The classified firm shows 是 and its row has a fill; no other row has.
    let secret_col = summary[0].iter().position(|h| h == "涉密").unwrap();
    let secret: Vec<usize> = (1..summary.len())
        .filter(|&r| summary[r][secret_col] == "是")
        .collect();
    assert_eq!(secret.len(), 1, "firms.json has one classified firm");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&a).unwrap()).unwrap();
    let mut sheet1 = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet1,
    )
    .unwrap();
    let row_xml = |r: usize| {
        let start = sheet1.find(&format!("<row r=\"{}\"", r + 1)).unwrap();
        let end = start + sheet1[start..].find("</row>").unwrap();
        sheet1[start..end].to_string()
    };
    let filled = row_xml(secret[0]);
    assert!(
        filled.contains(" s=\""),
        "classified row is styled: {filled}"
    );
    assert!(!row_xml(if secret[0] == 1 { 2 } else { 1 }).contains(" s=\""));
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    assert!(
        styles.contains("FFFFE699"),
        "the fill colour is in the styles"
    );
    drop(zip);

    // The detail sheet has one row per record × level × measure, as the CSV output.
    let detail = cells(&wb.worksheet_range("明细").unwrap());
    assert_eq!(detail[0][..4], ["实体", "键", "名称", "级别"]);
    let o = policyc(&[
        "eval", "--lang", "zh", BEIJING, "--data", FIRMS, "--level", "all", "--format", "csv",
    ]);
    let csv_rows = stdout(&o).lines().count();
    assert_eq!(
        detail.len(),
        csv_rows,
        "as many rows as the CSV (header included)"
    );
    assert!(detail
        .iter()
        .any(|r| r[1] == "91110111572812549C" && r[2] == "北京西山建材水泥熟料有限公司"));

    let about = cells(&wb.worksheet_range("说明").unwrap());
    assert!(
        about.iter().any(|r| r[1].starts_with("sha256:")),
        "{about:?}"
    );
    assert!(
        about
            .iter()
            .any(|r| r[1].starts_with(FIRMS) && r[1][FIRMS.len()..].starts_with(" sha256:")),
        "each input with its content hash: {about:?}"
    );
    assert!(
        about.iter().any(|r| r[0] == "记录数" && r[1] == "19"),
        "{about:?}"
    );

    // Frozen header and autofilter on every sheet: calamine does not read them, the XML does.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&a).unwrap()).unwrap();
    for i in 1..=5 {
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name(&format!("xl/worksheets/sheet{i}.xml")).unwrap(),
            &mut xml,
        )
        .unwrap();
        assert!(
            xml.contains("<pane ySplit=\"1\""),
            "sheet{i}: frozen header"
        );
        assert!(
            xml.contains("<autoFilter ref=\"A1:"),
            "sheet{i}: autofilter"
        );
        assert!(xml.contains("<cols>"), "sheet{i}: column widths");
        assert!(!xml.contains("<f>"), "sheet{i}: no formulas");
    }
}

#[test]
fn xlsx_errors_sheet_lists_bad_rows() {
    use calamine::{open_workbook, Reader, Xlsx};
    let dir = common::tmp("xlsx_errors");
    let data = dir.join("企业.json");
    let mut firms: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(FIRMS).unwrap()).unwrap();
    firms["企业"][1]["绩效等级"] = serde_json::json!("Z");
    firms["企业"][2]["名称"] = serde_json::json!("=HYPERLINK(\"x\")");
    std::fs::write(&data, firms.to_string()).unwrap();
    let out = dir.join("out.xlsx");
    let o = policyc(&[
        "eval",
        "--lang",
        "zh",
        BEIJING,
        "--data",
        data.to_str().unwrap(),
        "--level",
        "red",
        "--format",
        "xlsx",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let mut wb: Xlsx<_> = open_workbook(&out).unwrap();
    let errors = wb.worksheet_range("错误").unwrap();
    let rows: Vec<Vec<String>> = errors
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "文件",
            "工作表",
            "行",
            "列",
            "值",
            "实体",
            "键",
            "级别",
            "错误信息"
        ]
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[1][0].ends_with("企业.json"), "{rows:?}");
    assert!(!rows[1][8].is_empty());
    let summary = wb.worksheet_range("汇总").unwrap();
    assert!(
        summary
            .rows()
            .any(|r| matches!(&r[1], calamine::Data::String(s) if s == "=HYPERLINK(\"x\")")),
        "a formula from the data is shown as text"
    );
    // The firm that could not be read keeps its row on the summary, saying so.
    let key = firms["企业"][1]["统一社会信用代码"].as_str().unwrap();
    let failed = summary
        .rows()
        .find(|r| matches!(&r[0], calamine::Data::String(s) if s == key))
        .expect("the failed firm is on the summary");
    assert!(
        failed
            .iter()
            .any(|c| matches!(c, calamine::Data::String(s) if s == "未能读取（见“错误”工作表）")),
        "{failed:?}"
    );
    let n_firms = firms["企业"].as_array().unwrap().len();
    assert_eq!(
        summary.rows().count(),
        n_firms + 1,
        "every firm of the list"
    );
}

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = common::tmp("output_is_input");
    let data = dir.join("企业.json");
    std::fs::copy(FIRMS, &data).unwrap();
    let before = std::fs::read(&data).unwrap();
    let o = policyc(&[
        "eval",
        "--lang",
        "en",
        BEIJING,
        "--data",
        data.to_str().unwrap(),
        "--level",
        "all",
        "-o",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("is the input"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&data).unwrap(),
        before,
        "the input is untouched"
    );
}

#[test]
fn a_closed_pipe_ends_every_command_quietly_with_exit_2() {
    use std::process::{Command, Stdio};
    for args in [
        vec!["explain", "E0101"],
        vec!["map", BEIJING, "--data", FIRMS, "--lang", "en"],
        vec!["check", "tests/broken/E0101_unknown_field.policy"],
        vec![
            "check",
            "--format",
            "json",
            "tests/broken/E0101_unknown_field.policy",
        ],
        vec![
            "eval", BEIJING, "--data", FIRMS, "--level", "all", "--format", "table", "--lang", "en",
        ],
        vec![
            "eval", BEIJING, "--data", FIRMS, "--level", "all", "--format", "jsonl", "--lang", "en",
        ],
    ] {
        // A pipe whose reading end is closed before the command starts: every write fails
        // as it does once `| head -c1` has its byte.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_policyc"))
            .args(&args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
            .wait_with_output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            !err.to_lowercase().contains("pipe"),
            "{args:?} is quiet: {err}"
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    }
}

#[test]
fn without_format_the_output_file_s_extension_chooses_it() {
    let dir = common::tmp("format-from-extension");
    for (name, starts) in [
        ("结果.xlsx", &b"PK"[..]),
        ("结果.csv", "\u{feff}".as_bytes()),
        ("结果.jsonl", &b"{\"entity\""[..]),
        ("结果.json", &b"{\"policy\""[..]),
    ] {
        let out = dir.join(name);
        let o = policyc(&[
            "eval",
            BEIJING,
            "--data",
            FIRMS,
            "--level",
            "all",
            "--lang",
            "zh",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 0, "{name}: {}", stderr(&o));
        let bytes = std::fs::read(&out).unwrap();
        assert!(
            bytes.starts_with(starts),
            "{name}: {:?}",
            &bytes[..bytes.len().min(20)]
        );
    }
}
