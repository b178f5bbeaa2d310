//! A district officer's emergency-reduction list, as the office keeps it in Excel: an
//! instructions sheet first, titles and a two-row header above the firms, a 合计 row and
//! pre-bordered empty rows below them, machinery in a sheet of its own in no particular
//! order with merged-down firm cells. Written fresh (never seen by policyc), deterministic:
//! the same `firms` gives the same bytes.
//!
//! [`expected`] describes the truth of the list for `firms`, so that tests can check each
//! firm's result without re-deriving it from the workbook.
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};

pub const WORKBOOK: &str = "某区应急减排清单.xlsx";
pub const TWO_ROW_WORKBOOK: &str = "某区应急减排清单（纳入清单两行表头）.xlsx";
pub const FIRMS_CSV: &str = "某区应急减排清单-重点企业名单.csv";
pub const MACHINES_CSV: &str = "某区应急减排清单-非道路移动机械.csv";

pub const INSTRUCTIONS_SHEET: &str = "填表说明";
pub const FIRMS_SHEET: &str = "重点企业名单";
pub const MACHINES_SHEET: &str = "非道路移动机械";

pub const FIRMS_TITLE: &str = "某区2023年重污染天气应急减排清单（制造业）";
pub const FIRMS_SUBTITLE: &str = "填报单位：某区经济和信息化局    填报日期：2023年10月";
pub const MACHINES_TITLE: &str = "某区2023年重污染天气应急减排清单（非道路移动机械）";

/// Columns of 重点企业名单, in order (the single-row-per-level variant).
pub const FIRM_HEADERS: [&str; 12] = [
    "序号",
    "企业名称",
    "统一社会信用代码",
    "所属行业",
    "绩效等级",
    "是否涉气",
    "黄色预警是否纳入清单",
    "橙色预警是否纳入清单",
    "红色预警是否纳入清单",
    "保障类别",
    "是否涉密",
    "备注",
];
/// Columns of 非道路移动机械, in order.
pub const MACHINE_HEADERS: [&str; 6] = [
    "序号",
    "企业名称",
    "企业信用代码",
    "机械编号",
    "动力类型",
    "排放阶段",
];
/// In the two-row variant: the group header over the level columns (row 3) …
pub const LEVEL_GROUP: &str = "纳入清单";
/// … and the level headers beneath it (row 4).
pub const LEVEL_SUBHEADERS: [&str; 3] = ["黄色", "橙色", "红色"];
/// The level columns (0-based) in both variants.
pub const LEVEL_COLUMNS: [u16; 3] = [6, 7, 8];

/// Rows above the data of 重点企业名单: title, sub-title, two header rows.
pub const FIRM_TOP_ROWS: usize = 4;
/// Rows above the data of 非道路移动机械: title, header.
pub const MACHINE_TOP_ROWS: usize = 2;
/// Pre-bordered empty rows after the 合计 row.
pub const BLANK_ROWS: usize = 20;

/// The truth of one list.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// The firms, in the order of the sheet.
    pub firms: Vec<ExpectedFirm>,
    /// Machines in 非道路移动机械 (one row each).
    pub machines: usize,
    /// Rows of 重点企业名单, titles to the last bordered empty row: the sheet's dimensions.
    pub total_rows: usize,
    /// Pre-bordered empty rows after the 合计 row.
    pub blank_rows: usize,
}

/// One firm, with values canonical (as the policy spells them), not as the officer typed.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedFirm {
    /// 统一社会信用代码, trimmed; a valid GB 32100 code.
    pub key: String,
    /// 企业名称, trimmed.
    pub name: String,
    /// 所属行业, a value of `行业类别`.
    pub industry: &'static str,
    /// 绩效等级: `引领性`, `A`, `B`, `B-`, `C` or `D`.
    pub grade: &'static str,
    /// 是否涉气.
    pub emits: bool,
    /// The levels whose lists the firm is on, lowest first (`黄色`, `橙色`, `红色`); an empty
    /// cell means not on that level's list.
    pub levels: Vec<&'static str>,
    /// 保障类别 as the policy's enum spells it (`民生保障`, `城市运行保障`); None when the cell
    /// is empty or `无`.
    pub guarantee: Option<&'static str>,
    /// 是否涉密.
    pub classified: bool,
    /// The firm's machines, in the order of the firm's rows in 非道路移动机械.
    pub machines: Vec<ExpectedMachine>,
    /// The firm's row in 重点企业名单, 1-based as Excel shows it.
    pub row: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedMachine {
    /// 机械编号.
    pub number: String,
    /// 动力类型 canonical: `燃油`, `燃气`, `纯电动`, `氢燃料电池` (柴油 is 燃油, 电动 纯电动).
    pub power: &'static str,
    /// 排放阶段: `国三` or `国四`; None for electric and hydrogen machines.
    pub stage: Option<&'static str>,
}

// ---------------------------------------------------------------- the list's content

const INDUSTRIES: [&str; 7] = [
    "水泥熟料",
    "家具制造",
    "包装印刷",
    "工业涂装",
    "汽车制造",
    "铸造",
    "其他",
];
const NAME_ENDINGS: [&str; 7] = [
    "水泥有限公司",
    "家具有限公司",
    "印刷包装有限公司",
    "涂装科技有限公司",
    "汽车制造有限公司",
    "铸造有限公司",
    "食品有限公司",
];
/// First and second characters of a firm's trade name (字号), disjoint: never doubled.
const NAME_FIRST: [&str; 20] = [
    "金", "恒", "京", "安", "永", "新", "兴", "鑫", "德", "宝", "中", "天", "东", "广", "长", "万",
    "正", "博", "明", "润",
];
const NAME_SECOND: [&str; 20] = [
    "华", "信", "丰", "盛", "通", "宏", "泰", "瑞", "达", "源", "嘉", "诚", "顺", "昌", "隆", "茂",
    "晟", "远", "航", "裕",
];
/// (as written, canonical)
const GRADES: [(&str, &str); 6] = [
    ("A级", "A"),
    ("B级", "B"),
    ("B-级", "B-"),
    ("C级", "C"),
    ("D级", "D"),
    ("绩效引领性", "引领性"),
];
/// (as written, canonical, has an emission stage)
const POWERS: [(&str, &str, bool); 6] = [
    ("柴油", "燃油", true),
    ("燃油", "燃油", true),
    ("纯电动", "纯电动", false),
    ("燃气", "燃气", true),
    ("电动", "纯电动", false),
    ("氢燃料电池", "氢燃料电池", false),
];
/// Machines per firm, by firm index modulo 7.
const MACHINES_PER_FIRM: [usize; 7] = [3, 0, 1, 2, 0, 1, 4];

/// One firm as the officer wrote it: every cell's text (None: empty cell).
struct Written {
    seq: Seq,
    name: String,
    code: String,
    code_as_text: bool,
    industry: String,
    grade: String,
    emits: String,
    levels: [Option<&'static str>; 3],
    guarantee: Option<&'static str>,
    classified: &'static str,
    remark: Option<&'static str>,
}

enum Seq {
    Number(f64),
    Text(String),
}

impl Seq {
    fn text(&self) -> String {
        match self {
            Seq::Number(n) => format!("{n}"),
            Seq::Text(t) => t.clone(),
        }
    }
}

struct Machine {
    firm: usize,
    number: String,
    power: &'static str,
    stage: Option<&'static str>,
}

/// A valid GB 32100 code for firm `i`: 9 (工商) 1 (企业) 110000 (北京市), a 9-character
/// organization code whose own GB 11714 check digit is right, and the GB 32100 check.
pub fn credit_code(i: usize) -> String {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("{:08}", (10_000_000 + i as u64 * 7_919) % 100_000_000);
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let org_check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + d as u8),
    };
    let first17 = format!("91110000{body}{org_check}");
    let check = policyc::data::credit_code::check_char(&first17).expect("17 valid characters");
    format!("{first17}{check}")
}

fn firm_name(i: usize) -> String {
    // (first, second) differ for every i below 400.
    let a = NAME_FIRST[i % 20];
    let b = NAME_SECOND[(i / 20 + 3 * (i % 20)) % 20];
    let n = if i >= 400 {
        format!("{}", i / 400 + 1)
    } else {
        String::new()
    };
    format!("北京{a}{b}{n}{}", NAME_ENDINGS[i % 7])
}

fn grade_index(i: usize) -> usize {
    if i == 5 {
        1 // written Ｂ级, with a full-width Ｂ
    } else {
        (i + i / 7) % 6
    }
}

fn written(i: usize) -> Written {
    let industry = INDUSTRIES[i % 7];
    let grade = GRADES[grade_index(i)].0;
    Written {
        seq: match i {
            3 => Seq::Text("４".into()), // a full-width digit
            _ if i % 11 == 7 => Seq::Text(format!("{}", i + 1)), // a number stored as text
            _ => Seq::Number((i + 1) as f64),
        },
        name: if i == 2 {
            format!(" {} ", firm_name(i))
        } else {
            firm_name(i)
        },
        code: if i == 2 {
            format!("{} ", credit_code(i))
        } else {
            credit_code(i)
        },
        code_as_text: i % 5 == 2,
        industry: if i == 4 {
            format!("{industry} ")
        } else {
            industry.into()
        },
        grade: match i {
            5 => "Ｂ级".into(),
            1 => format!(" {grade}"),
            _ => grade.into(),
        },
        emits: match (i, i % 5) {
            (1, _) => " 是".into(),
            (_, 4) => "否".into(),
            _ => "是".into(),
        },
        levels: match i % 8 {
            1 => [Some("否"), Some("是"), Some("是")], // orange and red, not yellow
            2 => [Some("否"), Some("否"), Some("否")], // none
            4 => [None, Some("是"), Some("是")],
            6 => [None, None, None], // none, cells left empty
            7 => [Some("否"), Some("否"), Some("是")],
            _ => [Some("是"), Some("是"), Some("是")],
        },
        guarantee: match i % 10 {
            3 => Some("民生保障类"),
            5 | 8 => Some("无"),
            6 => Some("城市运行保障类"),
            _ => None,
        },
        classified: if i % 9 == 4 { "是" } else { "否" },
        remark: match i % 6 {
            1 => Some("2023年新纳入清单"),
            3 => Some("已完成超低排放改造"),
            5 => Some("仅白天生产，夜间停产"),
            _ => None,
        },
    }
}

fn machines_of(firms: usize) -> Vec<Machine> {
    let mut out = Vec::new();
    let mut seq = 0;
    for f in 0..firms {
        for k in 0..MACHINES_PER_FIRM[f % 7] {
            let (power, _, staged) = POWERS[seq % POWERS.len()];
            out.push(Machine {
                firm: f,
                number: format!("京JX{:04}{:02}", f + 1, k + 1),
                power,
                stage: staged.then_some(if seq % 2 == 0 { "国三" } else { "国四" }),
            });
            seq += 1;
        }
    }
    out
}

fn canonical_power(written: &str) -> &'static str {
    POWERS
        .iter()
        .find(|p| p.0 == written)
        .map(|p| p.1)
        .expect("a known power")
}

/// Firms whose machines are kept together and whose name and code cells are merged down.
fn merged_down(firm: usize) -> bool {
    MACHINES_PER_FIRM[firm % 7] >= 2 && firm.is_multiple_of(2)
}

/// A small LCG, seeded: the same order every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// The machine rows in sheet order: shuffled, a merged-down firm's machines kept
/// consecutive (in their own order). Each inner Vec is one block.
fn machine_blocks(firms: usize) -> Vec<Vec<Machine>> {
    let mut blocks: Vec<Vec<Machine>> = Vec::new();
    for m in machines_of(firms) {
        match blocks.last_mut() {
            Some(b) if merged_down(m.firm) && b[0].firm == m.firm => b.push(m),
            _ => blocks.push(vec![m]),
        }
    }
    let mut rng = Lcg(0x5EED_2023);
    for i in (1..blocks.len()).rev() {
        let j = rng.below(i + 1);
        blocks.swap(i, j);
    }
    blocks
}

/// The truth of the list of `firms` firms (the same for every writer below).
pub fn expected(firms: usize) -> Expected {
    let mut out: Vec<ExpectedFirm> = (0..firms)
        .map(|i| {
            let w = written(i);
            ExpectedFirm {
                key: credit_code(i),
                name: firm_name(i),
                industry: INDUSTRIES[i % 7],
                grade: GRADES[grade_index(i)].1,
                emits: w.emits.trim() == "是",
                levels: ["黄色", "橙色", "红色"]
                    .into_iter()
                    .zip(w.levels)
                    .filter(|(_, v)| *v == Some("是"))
                    .map(|(l, _)| l)
                    .collect(),
                guarantee: match w.guarantee {
                    Some("民生保障类") => Some("民生保障"),
                    Some("城市运行保障类") => Some("城市运行保障"),
                    _ => None,
                },
                classified: w.classified == "是",
                machines: Vec::new(),
                row: (FIRM_TOP_ROWS + i + 1) as u32,
            }
        })
        .collect();
    let mut machines = 0;
    for m in machine_blocks(firms).into_iter().flatten() {
        machines += 1;
        out[m.firm].machines.push(ExpectedMachine {
            number: m.number,
            power: canonical_power(m.power),
            stage: m.stage,
        });
    }
    Expected {
        firms: out,
        machines,
        total_rows: FIRM_TOP_ROWS + firms + 1 + BLANK_ROWS,
        blank_rows: BLANK_ROWS,
    }
}

// ---------------------------------------------------------------- the workbooks

const INSTRUCTIONS: [&str; 7] = [
    "一、本表由各区经济和信息化主管部门组织辖区内制造业企业填报，经区级审核后于每年10月底前报送市经济和信息化局。请勿修改表头，请勿增删列或调整列的顺序。",
    "二、“统一社会信用代码”填写营业执照上的18位代码，字母须大写；“所属行业”按《重污染天气重点行业应急减排措施制定技术指南》的行业分类填写，不属于重点行业的填写“其他”。",
    "三、“绩效等级”填写A级、B级、B-级、C级、D级或绩效引领性；未开展绩效分级的企业按D级管理。",
    "四、各级预警“是否纳入清单”栏填写“是”或“否”。企业可以仅纳入橙色、红色预警期间的应急减排清单。",
    "五、“保障类别”仅由列入保障类清单的企业填写（民生保障类、城市运行保障类、重大活动保障类），其他企业不填或填写“无”。涉密企业在“是否涉密”栏填写“是”，其信息不予公开。",
    "六、非道路移动机械在“非道路移动机械”工作表中逐台填报；同一企业有多台机械的，企业名称和信用代码可以合并单元格填写。",
    "联系人：王某某    联系电话：010-12345678",
];

struct Formats {
    title: Format,
    header: Format,
    cell: Format,
    text_cell: Format,
    prose: Format,
}

fn formats() -> Formats {
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter);
    Formats {
        title: Format::new()
            .set_bold()
            .set_font_size(16)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter),
        header: cell
            .clone()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center),
        text_cell: cell.clone().set_quote_prefix(),
        cell,
        prose: Format::new()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_align(FormatAlign::Left),
    }
}

fn new_workbook() -> Workbook {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2023, 10, 20).expect("a date");
    wb.set_properties(
        &DocProperties::new()
            .set_author("某区经济和信息化局")
            .set_creation_datetime(&created),
    );
    wb
}

fn instructions(ws: &mut Worksheet, f: &Formats) {
    ws.set_name(INSTRUCTIONS_SHEET).expect("sheet name");
    ws.set_column_width(0, 12).expect("width");
    for c in 1..8 {
        ws.set_column_width(c, 14).expect("width");
    }
    ws.merge_range(0, 0, 0, 7, INSTRUCTIONS_SHEET, &f.title)
        .expect("merge");
    for (k, p) in INSTRUCTIONS.iter().enumerate() {
        let r = 2 + k as u32 * 2;
        ws.merge_range(r, 0, r + 1, 7, p, &f.prose).expect("merge");
    }
}

/// `two_row_levels`: 纳入清单 over three columns in row 3, 黄色 橙色 红色 in row 4.
fn write_district(path: &Path, firms: usize, two_row_levels: bool) {
    let f = formats();
    let mut wb = new_workbook();
    instructions(wb.add_worksheet(), &f);

    // 重点企业名单
    let ws = wb.add_worksheet();
    ws.set_name(FIRMS_SHEET).expect("sheet name");
    let last = FIRM_HEADERS.len() as u16 - 1;
    for (c, w) in [6, 34, 22, 10, 10, 8, 10, 10, 10, 14, 8, 24]
        .into_iter()
        .enumerate()
    {
        ws.set_column_width(c as u16, w).expect("width");
    }
    ws.set_row_height(0, 30).expect("height");
    ws.merge_range(0, 0, 0, last, FIRMS_TITLE, &f.title)
        .expect("merge");
    ws.merge_range(1, 0, 1, last, FIRMS_SUBTITLE, &Format::new())
        .expect("merge");
    for (c, h) in FIRM_HEADERS.iter().enumerate() {
        let c = c as u16;
        if two_row_levels && LEVEL_COLUMNS.contains(&c) {
            continue;
        }
        ws.merge_range(2, c, 3, c, h, &f.header).expect("merge");
    }
    if two_row_levels {
        ws.merge_range(
            2,
            LEVEL_COLUMNS[0],
            2,
            LEVEL_COLUMNS[2],
            LEVEL_GROUP,
            &f.header,
        )
        .expect("merge");
        for (c, h) in LEVEL_COLUMNS.into_iter().zip(LEVEL_SUBHEADERS) {
            ws.write_string_with_format(3, c, h, &f.header)
                .expect("write");
        }
    }
    for i in 0..firms {
        let w = written(i);
        let r = (FIRM_TOP_ROWS + i) as u32;
        match &w.seq {
            Seq::Number(n) => ws.write_number_with_format(r, 0, *n, &f.cell),
            Seq::Text(t) => ws.write_string_with_format(r, 0, t, &f.cell),
        }
        .expect("write");
        let code_format = if w.code_as_text {
            &f.text_cell
        } else {
            &f.cell
        };
        ws.write_string_with_format(r, 1, &w.name, &f.cell)
            .expect("write");
        ws.write_string_with_format(r, 2, &w.code, code_format)
            .expect("write");
        let texts: [Option<&str>; 9] = [
            Some(&w.industry),
            Some(&w.grade),
            Some(&w.emits),
            w.levels[0],
            w.levels[1],
            w.levels[2],
            w.guarantee,
            Some(w.classified),
            w.remark,
        ];
        for (k, t) in texts.into_iter().enumerate() {
            let c = 3 + k as u16;
            match t {
                Some(t) => ws.write_string_with_format(r, c, t, &f.cell),
                None => ws.write_blank(r, c, &f.cell),
            }
            .expect("write");
        }
    }
    let total = (FIRM_TOP_ROWS + firms) as u32;
    ws.merge_range(total, 0, total, 1, "合计", &f.header)
        .expect("merge");
    ws.write_string_with_format(total, 2, format!("共{firms}家"), &f.cell)
        .expect("write");
    for c in 3..=last {
        ws.write_blank(total, c, &f.cell).expect("write");
    }
    for r in total + 1..=total + BLANK_ROWS as u32 {
        for c in 0..=last {
            ws.write_blank(r, c, &f.cell).expect("write");
        }
    }

    // 非道路移动机械
    let ws = wb.add_worksheet();
    ws.set_name(MACHINES_SHEET).expect("sheet name");
    for (c, w) in [6, 34, 22, 14, 10, 10].into_iter().enumerate() {
        ws.set_column_width(c as u16, w).expect("width");
    }
    let last = MACHINE_HEADERS.len() as u16 - 1;
    ws.merge_range(0, 0, 0, last, MACHINES_TITLE, &f.title)
        .expect("merge");
    for (c, h) in MACHINE_HEADERS.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &f.header)
            .expect("write");
    }
    let mut r = MACHINE_TOP_ROWS as u32;
    for block in machine_blocks(firms) {
        let firm = block[0].firm;
        let top = r;
        for m in &block {
            ws.write_number_with_format(r, 0, f64::from(r - MACHINE_TOP_ROWS as u32 + 1), &f.cell)
                .expect("write");
            ws.write_string_with_format(r, 1, firm_name(firm), &f.cell)
                .expect("write");
            ws.write_string_with_format(r, 2, credit_code(firm), &f.cell)
                .expect("write");
            ws.write_string_with_format(r, 3, &m.number, &f.cell)
                .expect("write");
            ws.write_string_with_format(r, 4, m.power, &f.cell)
                .expect("write");
            match m.stage {
                Some(s) => ws.write_string_with_format(r, 5, s, &f.cell),
                None => ws.write_blank(r, 5, &f.cell),
            }
            .expect("write");
            r += 1;
        }
        if block.len() > 1 {
            // The value only in the top cell, as Excel stores a merge.
            ws.merge_range(top, 1, r - 1, 1, &firm_name(firm), &f.cell)
                .expect("merge");
            ws.merge_range(top, 2, r - 1, 2, &credit_code(firm), &f.cell)
                .expect("merge");
        }
    }

    wb.save(path).expect("workbook saved");
}

/// Writes `某区应急减排清单.xlsx` into `dir`: 填表说明, 重点企业名单 (level columns
/// `黄色预警是否纳入清单` … each merged over rows 3–4), 非道路移动机械. See [`expected`].
pub fn district_workbook(dir: &Path, firms: usize) -> PathBuf {
    let path = dir.join(WORKBOOK);
    write_district(&path, firms, false);
    path
}

/// The same list, but the level columns are `纳入清单` merged over three columns in row 3
/// with `黄色`, `橙色`, `红色` beneath it in row 4.
pub fn two_row_header_workbook(dir: &Path, firms: usize) -> PathBuf {
    let path = dir.join(TWO_ROW_WORKBOOK);
    write_district(&path, firms, true);
    path
}

// ---------------------------------------------------------------- the CSV export

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv_line(out: &mut String, cells: &[&str]) {
    let fields: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

fn write_gb18030(path: &Path, text: &str) {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable, "GB18030 maps every character");
    std::fs::write(path, bytes).expect("CSV written");
}

/// Writes the list as the officer's CSV export of each sheet (Excel, 另存为 CSV): GB18030,
/// CRLF, every row as wide as the sheet. A merged cell's value is in its first cell only, so
/// the titles are `title,,,…`, the second header row is all commas, the 合计 row is
/// `合计,,共N家,…` and merged-down machine rows have empty name and code. An all-commas row
/// (an emptied row) sits in the middle of the firms, and the 20 bordered empty rows come out
/// as all-commas lines at the end, as Excel exports a sheet's used range.
/// Returns (firms, machines).
pub fn csv_export_gb18030(dir: &Path, firms: usize) -> (PathBuf, PathBuf) {
    let width = FIRM_HEADERS.len();
    let empty = vec![""; width];
    let mut out = String::new();
    let titled = |out: &mut String, title: &str, width: usize| {
        let mut cells = vec![""; width];
        cells[0] = title;
        csv_line(out, &cells);
    };
    titled(&mut out, FIRMS_TITLE, width);
    titled(&mut out, FIRMS_SUBTITLE, width);
    csv_line(&mut out, &FIRM_HEADERS);
    csv_line(&mut out, &empty);
    for i in 0..firms {
        if i == firms / 2 && firms > 1 {
            csv_line(&mut out, &empty);
        }
        let w = written(i);
        let seq = w.seq.text();
        csv_line(
            &mut out,
            &[
                &seq,
                &w.name,
                &w.code,
                &w.industry,
                &w.grade,
                &w.emits,
                w.levels[0].unwrap_or(""),
                w.levels[1].unwrap_or(""),
                w.levels[2].unwrap_or(""),
                w.guarantee.unwrap_or(""),
                w.classified,
                w.remark.unwrap_or(""),
            ],
        );
    }
    let count = format!("共{firms}家");
    let mut total = vec![""; width];
    total[0] = "合计";
    total[2] = &count;
    csv_line(&mut out, &total);
    for _ in 0..BLANK_ROWS {
        csv_line(&mut out, &empty);
    }
    let firms_path = dir.join(FIRMS_CSV);
    write_gb18030(&firms_path, &out);

    let mut out = String::new();
    titled(&mut out, MACHINES_TITLE, MACHINE_HEADERS.len());
    csv_line(&mut out, &MACHINE_HEADERS);
    let mut seq = 0;
    for block in machine_blocks(firms) {
        let (name, code) = (firm_name(block[0].firm), credit_code(block[0].firm));
        for (k, m) in block.iter().enumerate() {
            seq += 1;
            let s = seq.to_string();
            let (n, c) = if k == 0 { (&*name, &*code) } else { ("", "") };
            csv_line(
                &mut out,
                &[&s, n, c, &m.number, m.power, m.stage.unwrap_or("")],
            );
        }
    }
    let machines_path = dir.join(MACHINES_CSV);
    write_gb18030(&machines_path, &out);
    (firms_path, machines_path)
}

// ---------------------------------------------------------------- the legacy .xls

/// Firms in `tests/fixtures/district-small.xls`.
pub const XLS_FIRMS: usize = 6;

/// `tests/fixtures/district-small.xls`: `district_workbook(…, 6)` saved as BIFF8 by
/// LibreOffice (see `tests/fixtures/README.md`); its truth is `expected(XLS_FIRMS)`.
pub fn xls_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/district-small.xls")
}
