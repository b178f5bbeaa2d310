//! Self-tests of the officer's workbooks (`tests/common/officer.rs`): what they claim to hold
//! is really in the files. These check the fixtures, not policyc.

mod common;

use calamine::{open_workbook, open_workbook_auto, Data, Dimensions, Range, Reader, Sheets, Xlsx};
use common::officer::{self, Expected};
use std::path::Path;

fn text(range: &Range<Data>, row: usize, col: u32) -> String {
    match range.get_value((row as u32, col)) {
        None | Some(Data::Empty) => String::new(),
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => format!("{f}"),
        Some(Data::Int(i)) => format!("{i}"),
        Some(other) => panic!("unexpected cell at ({row}, {col}): {other:?}"),
    }
}

fn dims(r0: u32, c0: u32, r1: u32, c1: u32) -> Dimensions {
    Dimensions::new((r0, c0), (r1, c1))
}

fn xlsx(path: &Path) -> Xlsx<std::io::BufReader<std::fs::File>> {
    open_workbook(path).expect("the workbook opens")
}

/// Normalizes what the officer typed, for comparing with the truth: trims, full-width ASCII
/// to half-width, drops 级.
fn plain(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap(),
            c => c,
        })
        .collect::<String>()
        .trim_end_matches('级')
        .trim_start_matches("绩效")
        .to_string()
}

#[test]
fn credit_codes_are_valid_and_distinct() {
    let e = officer::expected(500);
    let mut keys: Vec<&str> = e.firms.iter().map(|f| f.key.as_str()).collect();
    for k in &keys {
        assert_eq!(
            policyc::data::credit_code::validate(policyc::messages::Lang::En, k),
            Ok(()),
            "{k}"
        );
        assert!(k.starts_with("91110000"));
    }
    let mut names: Vec<&str> = e.firms.iter().map(|f| f.name.as_str()).collect();
    keys.sort();
    keys.dedup();
    names.sort();
    names.dedup();
    assert_eq!((keys.len(), names.len()), (500, 500));
}

#[test]
fn the_truth_has_the_cases_the_tests_need() {
    for n in [officer::XLS_FIRMS, 40] {
        let e = officer::expected(n);
        let has = |p: &dyn Fn(&officer::ExpectedFirm) -> bool| e.firms.iter().any(p);
        assert!(
            has(&|f| f.levels == ["橙色", "红色"]),
            "orange and red only"
        );
        assert!(has(&|f| f.levels.is_empty()), "on no list");
        assert!(has(&|f| f.levels == ["黄色", "橙色", "红色"]));
        assert!(has(&|f| f.guarantee == Some("民生保障")));
        assert!(has(&|f| f.machines.len() >= 2));
        assert!(has(&|f| f.grade == "B"));
        assert!(has(&|f| !f.emits));
        assert_eq!(
            e.machines,
            e.firms.iter().map(|f| f.machines.len()).sum::<usize>()
        );
        assert_eq!(e.total_rows, 4 + n + 1 + e.blank_rows);
    }
    let e = officer::expected(40);
    let has = |p: &dyn Fn(&officer::ExpectedFirm) -> bool| e.firms.iter().any(p);
    assert!(has(&|f| f.guarantee == Some("城市运行保障")));
    assert!(has(&|f| f.classified));
    for g in ["引领性", "A", "B", "B-", "C", "D"] {
        assert!(has(&|f| f.grade == g), "{g}");
    }
    for i in [
        "水泥熟料",
        "家具制造",
        "包装印刷",
        "工业涂装",
        "汽车制造",
        "铸造",
        "其他",
    ] {
        assert!(has(&|f| f.industry == i), "{i}");
    }
    let powers: Vec<&str> = e
        .firms
        .iter()
        .flat_map(|f| f.machines.iter().map(|m| m.power))
        .collect();
    for p in ["燃油", "燃气", "纯电动", "氢燃料电池"] {
        assert!(powers.contains(&p), "{p}");
    }
}

/// The firms sheet of either variant against the truth.
fn check_firms_sheet(path: &Path, e: &Expected, two_row: bool) {
    let mut wb = xlsx(path);
    assert_eq!(
        wb.sheet_names(),
        [
            officer::INSTRUCTIONS_SHEET,
            officer::FIRMS_SHEET,
            officer::MACHINES_SHEET
        ]
    );
    let n = e.firms.len();
    let last = officer::FIRM_HEADERS.len() as u32 - 1;
    let merges = wb.merge_cells_by_sheet_name(officer::FIRMS_SHEET).unwrap();
    assert!(merges.contains(&dims(0, 0, 0, last)), "title merged across");
    assert!(
        merges.contains(&dims(1, 0, 1, last)),
        "sub-title merged across"
    );
    let levels = officer::LEVEL_COLUMNS.map(u32::from);
    for c in 0..=last {
        let vertical = merges.contains(&dims(2, c, 3, c));
        assert_eq!(vertical, !(two_row && levels.contains(&c)), "column {c}");
    }
    assert_eq!(merges.contains(&dims(2, levels[0], 2, levels[2])), two_row);
    let total = (officer::FIRM_TOP_ROWS + n) as u32;
    assert!(merges.contains(&dims(total, 0, total, 1)), "合计 merged");
    let expected_merges = 2 + officer::FIRM_HEADERS.len() - if two_row { 2 } else { 0 } + 1;
    assert_eq!(merges.len(), expected_merges, "{merges:?}");

    let range = wb.worksheet_range(officer::FIRMS_SHEET).unwrap();
    // calamine's range holds values only: it stops at the 合计 row (the sheet's dimension,
    // checked below, takes in the bordered empty rows).
    assert_eq!(range.end(), Some((total, last)));
    assert_eq!(text(&range, 0, 0), officer::FIRMS_TITLE);
    assert_eq!(
        text(&range, 0, 1),
        "",
        "a merge holds its value in its first cell"
    );
    assert_eq!(text(&range, 1, 0), officer::FIRMS_SUBTITLE);
    for (c, h) in officer::FIRM_HEADERS.iter().enumerate() {
        let c = c as u32;
        if two_row && levels.contains(&c) {
            assert_eq!(
                text(&range, 2, c),
                if c == levels[0] { "纳入清单" } else { "" }
            );
            let k = (c - levels[0]) as usize;
            assert_eq!(text(&range, 3, c), officer::LEVEL_SUBHEADERS[k]);
        } else {
            assert_eq!(text(&range, 2, c), *h);
            assert_eq!(text(&range, 3, c), "");
        }
    }
    for (i, f) in e.firms.iter().enumerate() {
        let r = f.row as usize - 1;
        assert_eq!(r, officer::FIRM_TOP_ROWS + i);
        assert_eq!(plain(&text(&range, r, 0)), format!("{}", i + 1));
        assert_eq!(text(&range, r, 1).trim(), f.name);
        assert_eq!(text(&range, r, 2).trim(), f.key);
        assert_eq!(text(&range, r, 3).trim(), f.industry);
        assert_eq!(plain(&text(&range, r, 4)), f.grade);
        assert_eq!(text(&range, r, 5).trim() == "是", f.emits);
        let on: Vec<&str> = ["黄色", "橙色", "红色"]
            .into_iter()
            .zip(levels)
            .filter(|(_, c)| text(&range, r, *c) == "是")
            .map(|(l, _)| l)
            .collect();
        assert_eq!(on, f.levels, "{}", f.name);
        let g = text(&range, r, 9);
        assert_eq!(
            f.guarantee,
            match g.as_str() {
                "" | "无" => None,
                g => Some(g.trim_end_matches('类')),
            }
        );
        assert_eq!(text(&range, r, 10) == "是", f.classified);
    }
    // The officer's quirks are in the cells.
    let column = |c: u32| -> Vec<String> {
        (0..n)
            .map(|i| text(&range, officer::FIRM_TOP_ROWS + i, c))
            .collect()
    };
    assert!(column(0).contains(&"４".to_string()), "a full-width digit");
    assert!(
        column(0).iter().any(|s| s == "8"),
        "a number stored as text"
    );
    assert!(column(4).contains(&"Ｂ级".to_string()), "full-width letter");
    assert!(column(1).iter().any(|s| s.starts_with(' ')), "stray spaces");
    assert!(column(2).iter().any(|s| s.ends_with(' ')), "stray spaces");
    assert!(
        column(6).iter().any(String::is_empty),
        "an empty level cell"
    );
    assert!(column(9).contains(&"无".to_string()));

    assert_eq!(text(&range, total as usize, 0), "合计");
    assert_eq!(text(&range, total as usize, 1), "");
    assert_eq!(text(&range, total as usize, 2), format!("共{n}家"));
    for r in total as usize + 1..e.total_rows {
        for c in 0..=last {
            assert_eq!(text(&range, r, c), "", "bordered rows hold no value");
        }
    }

    // The bordered empty rows are cells of the sheet: they extend its dimensions, and each
    // has a visible border.
    let dimensions = wb
        .worksheet_cells_reader(officer::FIRMS_SHEET)
        .unwrap()
        .dimensions();
    assert_eq!(dimensions, dims(0, 0, e.total_rows as u32 - 1, last));
    let styles = wb.worksheet_style(officer::FIRMS_SHEET).unwrap();
    assert_eq!(styles.end(), Some((e.total_rows as u32 - 1, last)));
    for r in total..e.total_rows as u32 {
        for c in 0..=last {
            let style = styles.get((r, c)).expect("a style");
            let borders = style.borders.as_ref().expect("borders");
            assert!(borders.has_visible_borders(), "({r}, {c})");
        }
    }
}

/// The machinery sheet against the truth.
fn check_machines_sheet(
    wb: &mut Sheets<std::io::BufReader<std::fs::File>>,
    merges: &[Dimensions],
    e: &Expected,
) {
    let last = officer::MACHINE_HEADERS.len() as u32 - 1;
    let range = wb.worksheet_range(officer::MACHINES_SHEET).unwrap();
    assert!(merges.contains(&dims(0, 0, 0, last)), "title merged");
    assert_eq!(text(&range, 0, 0), officer::MACHINES_TITLE);
    for (c, h) in officer::MACHINE_HEADERS.iter().enumerate() {
        assert_eq!(text(&range, 1, c as u32), *h);
    }
    let top = officer::MACHINE_TOP_ROWS;
    let mut seen_firms = Vec::new();
    let mut code = String::new();
    let mut name = String::new();
    for k in 0..e.machines {
        let r = top + k;
        assert_eq!(text(&range, r, 0), format!("{}", k + 1));
        let covering = merges
            .iter()
            .find(|d| d.start.1 == 1 && d.contains(r as u32, 1));
        match covering {
            Some(d) if d.start.0 != r as u32 => {
                assert_eq!(text(&range, r, 1), "", "a merge's value is in its top cell");
                assert_eq!(text(&range, r, 2), "");
                assert!(merges.contains(&dims(d.start.0, 2, d.end.0, 2)));
            }
            _ => {
                name = text(&range, r, 1);
                code = text(&range, r, 2);
            }
        }
        let f = e
            .firms
            .iter()
            .position(|f| f.key == code)
            .expect("a firm's code");
        assert_eq!(e.firms[f].name, name);
        let number = text(&range, r, 3);
        let m = e.firms[f]
            .machines
            .iter()
            .find(|m| m.number == number)
            .expect("the firm's machine");
        let power = text(&range, r, 4);
        let canonical = match power.as_str() {
            "柴油" => "燃油",
            "电动" => "纯电动",
            p => p,
        };
        assert_eq!(canonical, m.power);
        assert_eq!(text(&range, r, 5), m.stage.unwrap_or(""));
        seen_firms.push(f);
    }
    assert_eq!(text(&range, top + e.machines, 3), "", "no more machines");
    let mut sorted = seen_firms.clone();
    sorted.sort();
    assert_ne!(sorted, seen_firms, "machines in no particular order");
    let merged_down: Vec<&Dimensions> = merges
        .iter()
        .filter(|d| d.start.1 == 1 && d.end.0 > d.start.0)
        .collect();
    assert!(!merged_down.is_empty(), "some firms' cells are merged down");
    // And some firm with several machines has them apart, unmerged.
    assert!(e.firms.iter().enumerate().any(|(f, firm)| {
        firm.machines.len() >= 2
            && seen_firms
                .iter()
                .enumerate()
                .filter(|(_, x)| **x == f)
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
                .windows(2)
                .any(|w| w[1] != w[0] + 1)
    }));
}

#[test]
fn district_workbook_is_as_described() {
    let dir = common::tmp("officer-district");
    let n = 40;
    let e = officer::expected(n);
    let path = officer::district_workbook(&dir, n);
    assert_eq!(path.file_name().unwrap(), officer::WORKBOOK);
    check_firms_sheet(&path, &e, false);

    let mut wb = xlsx(&path);
    let merges = wb
        .merge_cells_by_sheet_name(officer::INSTRUCTIONS_SHEET)
        .unwrap();
    assert!(merges.len() >= 4, "prose in merged cells");
    let range = wb.worksheet_range(officer::INSTRUCTIONS_SHEET).unwrap();
    assert_eq!(text(&range, 0, 0), "填表说明");
    assert!(text(&range, 2, 0).starts_with("一、"));

    let merges = wb
        .merge_cells_by_sheet_name(officer::MACHINES_SHEET)
        .unwrap();
    let mut wb = open_workbook_auto(&path).unwrap();
    check_machines_sheet(&mut wb, &merges, &e);
}

#[test]
fn two_row_header_workbook_is_as_described() {
    let dir = common::tmp("officer-two-row");
    let e = officer::expected(12);
    let path = officer::two_row_header_workbook(&dir, 12);
    check_firms_sheet(&path, &e, true);
}

#[test]
fn workbooks_are_deterministic() {
    let (a, b) = (common::tmp("officer-det-a"), common::tmp("officer-det-b"));
    let read = |p: std::path::PathBuf| std::fs::read(p).unwrap();
    assert_eq!(
        read(officer::district_workbook(&a, 9)),
        read(officer::district_workbook(&b, 9))
    );
    let (fa, ma) = officer::csv_export_gb18030(&a, 9);
    let (fb, mb) = officer::csv_export_gb18030(&b, 9);
    assert_eq!((read(fa), read(ma)), (read(fb), read(mb)));
}

fn decode_gb18030(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let (text, malformed) = encoding_rs::GB18030.decode_without_bom_handling(&bytes);
    assert!(!malformed, "valid GB18030");
    let text = text.into_owned();
    assert!(text.ends_with("\r\n"));
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "CRLF only"
    );
    text
}

#[test]
fn csv_export_is_gb18030_with_crlf_titles_and_a_total() {
    let dir = common::tmp("officer-csv");
    let n = 14;
    let e = officer::expected(n);
    let (firms, machines) = officer::csv_export_gb18030(&dir, n);
    let csv = decode_gb18030(&firms);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    let lines = &lines[..lines.len() - 1];
    let commas = ",".repeat(officer::FIRM_HEADERS.len() - 1);
    assert_eq!(lines[0], format!("{}{commas}", officer::FIRMS_TITLE));
    assert_eq!(lines[1], format!("{}{commas}", officer::FIRMS_SUBTITLE));
    assert_eq!(lines[2], officer::FIRM_HEADERS.join(","));
    assert_eq!(lines[3], commas, "the header's second row");
    assert!(lines.iter().all(|l| l.matches(',').count() == commas.len()));
    let data = &lines[4..4 + n + 1];
    assert_eq!(data.iter().filter(|l| **l == commas).count(), 1);
    assert_ne!(data[0], commas);
    assert_ne!(data[n], commas, "the blank line is in the middle");
    let keys: Vec<&str> = data
        .iter()
        .filter(|l| **l != commas)
        .map(|l| l.split(',').nth(2).unwrap().trim())
        .collect();
    let truth: Vec<&str> = e.firms.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, truth);
    assert!(data.iter().any(|l| l.starts_with("４,")));
    assert!(data.iter().any(|l| l.contains(",Ｂ级,")));
    assert_eq!(lines[4 + n + 1], format!("合计,,共{n}家{}", &commas[2..]));
    assert_eq!(lines.len(), 4 + n + 1 + 1 + officer::BLANK_ROWS);
    assert!(lines[lines.len() - officer::BLANK_ROWS..]
        .iter()
        .all(|l| *l == commas));

    let csv = decode_gb18030(&machines);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], format!("{},,,,,", officer::MACHINES_TITLE));
    assert_eq!(lines[1], officer::MACHINE_HEADERS.join(","));
    let rows = &lines[2..lines.len() - 1];
    assert_eq!(rows.len(), e.machines);
    // The same rows, in the same shuffled order, as the workbook's sheet.
    let path = officer::district_workbook(&dir, n);
    let range = xlsx(&path)
        .worksheet_range(officer::MACHINES_SHEET)
        .unwrap();
    for (k, row) in rows.iter().enumerate() {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells.len(), 6);
        for (c, cell) in cells.iter().enumerate() {
            assert_eq!(*cell, text(&range, 2 + k, c as u32), "row {k}");
        }
    }
    assert!(
        rows.iter().any(|r| r.split(',').nth(2) == Some("")),
        "merged-down rows"
    );
}

#[test]
fn xls_fixture_is_the_small_district_workbook() {
    let path = officer::xls_fixture();
    let e = officer::expected(officer::XLS_FIRMS);
    let mut wb = open_workbook_auto(&path).expect("the .xls opens");
    let Sheets::Xls(xls) = &wb else {
        panic!("read as BIFF (.xls)");
    };
    assert_eq!(
        xls.sheet_names(),
        [
            officer::INSTRUCTIONS_SHEET,
            officer::FIRMS_SHEET,
            officer::MACHINES_SHEET
        ]
    );
    let firm_merges = xls.merge_cells_by_sheet_name(officer::FIRMS_SHEET).unwrap();
    let machine_merges = xls
        .merge_cells_by_sheet_name(officer::MACHINES_SHEET)
        .unwrap();
    let last = officer::FIRM_HEADERS.len() as u32 - 1;
    assert!(firm_merges.contains(&dims(0, 0, 0, last)));
    assert!(firm_merges.contains(&dims(1, 0, 1, last)));
    for c in 0..=last {
        assert!(firm_merges.contains(&dims(2, c, 3, c)), "column {c}");
    }
    let total = (officer::FIRM_TOP_ROWS + officer::XLS_FIRMS) as u32;
    assert!(firm_merges.contains(&dims(total, 0, total, 1)));

    let range = wb.worksheet_range(officer::FIRMS_SHEET).unwrap();
    // The .xls holds the 20 bordered empty rows too (LibreOffice reads it back as A1:L31),
    // but calamine's BIFF reader skips blank cells: its range stops at the 合计 row.
    assert_eq!(range.end(), Some((total, last)));
    assert_eq!(text(&range, 0, 0), officer::FIRMS_TITLE);
    assert_eq!(text(&range, 2, 6), "黄色预警是否纳入清单");
    for f in &e.firms {
        let r = f.row as usize - 1;
        assert_eq!(text(&range, r, 1).trim(), f.name);
        assert_eq!(text(&range, r, 2).trim(), f.key);
        assert_eq!(plain(&text(&range, r, 4)), f.grade);
        let on: Vec<&str> = ["黄色", "橙色", "红色"]
            .into_iter()
            .zip(officer::LEVEL_COLUMNS)
            .filter(|(_, c)| text(&range, r, u32::from(*c)) == "是")
            .map(|(l, _)| l)
            .collect();
        assert_eq!(on, f.levels, "{}", f.name);
    }
    assert_eq!(text(&range, total as usize, 0), "合计");
    assert_eq!(
        text(&range, total as usize, 2),
        format!("共{}家", officer::XLS_FIRMS)
    );
    check_machines_sheet(&mut wb, &machine_merges, &e);
}

/// Writes the workbook `tests/fixtures/district-small.xls` was converted from, into
/// `target/tmp/officer-xls-source/` (see `tests/fixtures/README.md`).
#[test]
#[ignore = "run by hand to regenerate the .xls fixture"]
fn write_xls_source() {
    let dir = common::tmp("officer-xls-source");
    let path = officer::district_workbook(&dir, officer::XLS_FIRMS);
    println!("{}", path.display());
}
