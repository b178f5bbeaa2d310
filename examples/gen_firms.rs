//! Synthetic enterprise lists for the Beijing manufacturing plan, at any scale.
//!
//! ```text
//! cargo run --release --example gen_firms -- N --format csv|json|jsonl|xlsx [--out DIR]
//!     [--encoding utf-8|gb18030] [--seed S]
//! ```
//!
//! Writes N firms (企业) with 0–4 machines (机械) each, named so that `policyc eval` can tell
//! the entity from the file name:
//!
//! | format | files |
//! | --- | --- |
//! | csv | `企业.csv` (firms) and `机械.csv` (machines, a `统一社会信用代码` column naming the firm, in firm order) |
//! | json | `企业.json`, machines inline |
//! | jsonl | `企业.jsonl`, one firm per line, machines inline |
//! | xlsx | `企业.xlsx`, sheets `企业` and `机械` (at most 1,048,575 rows a sheet) |
//!
//! The output is deterministic for a given N and seed (a splitmix64 generator). Credit codes
//! are valid GB 32100 codes and unique. Industries, grades, list levels and guarantee
//! categories follow a plausible distribution; every industry has a grading table, so every
//! generated firm evaluates without error. CSV and JSON Lines are written streaming.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use policyc::data::credit_code::check_char;

/// splitmix64: small, fast, good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Picks from `(weight, value)` pairs.
    fn pick<T: Copy>(&mut self, table: &[(u32, T)]) -> T {
        let total: u32 = table.iter().map(|(w, _)| w).sum();
        let mut r = self.below(total as u64) as u32;
        for &(w, v) in table {
            if r < w {
                return v;
            }
            r -= w;
        }
        table[table.len() - 1].1
    }

    fn chance(&mut self, per_thousand: u64) -> bool {
        self.below(1000) < per_thousand
    }
}

/// Beijing's districts: name, administrative code, machine-number prefix, weight
/// (manufacturing sits mostly in the outer districts).
const DISTRICTS: &[(u32, (&str, &str, &str))] = &[
    (1, ("东城区", "110101", "DC")),
    (1, ("西城区", "110102", "XC")),
    (7, ("朝阳区", "110105", "CY")),
    (5, ("丰台区", "110106", "FT")),
    (1, ("石景山区", "110107", "SJS")),
    (7, ("海淀区", "110108", "HD")),
    (3, ("门头沟区", "110109", "MTG")),
    (10, ("房山区", "110111", "FS")),
    (10, ("通州区", "110112", "TZ")),
    (11, ("顺义区", "110113", "SY")),
    (10, ("昌平区", "110114", "CP")),
    (12, ("大兴区", "110115", "DX")),
    (7, ("怀柔区", "110116", "HR")),
    (6, ("平谷区", "110117", "PG")),
    (6, ("密云区", "110118", "MY")),
    (3, ("延庆区", "110119", "YQ")),
];

/// Per mille, then: the industry (a value of `行业类别` in the national file, every one of
/// which has a grading table) and the words firm names use.
type Industry = (&'static str, &'static [&'static str]);

const INDUSTRIES: &[(u32, Industry)] = &[
    (200, ("包装印刷", &["印刷", "包装", "彩印"])),
    (180, ("工业涂装", &["机电", "涂装", "设备"])),
    (120, ("家具制造", &["家具", "木业", "家居"])),
    (80, ("汽车制造", &["汽车", "汽车零部件", "车辆"])),
    (50, ("铸造", &["铸造", "精密铸件", "机械铸造"])),
    (20, ("水泥熟料", &["建材", "水泥"])),
    (350, ("其他", &["科技", "电子", "食品", "医药", "服装"])),
];

const GRADES: &[(u32, &str)] = &[
    (2, "引领性"),
    (8, "A"),
    (20, "B"),
    (5, "B-"),
    (45, "C"),
    (20, "D"),
];

/// The emergency-reduction lists a firm is on.
const LISTS: &[(u32, &str)] = &[
    (65, "黄色,橙色,红色"),
    (12, "橙色,红色"),
    (5, "红色"),
    (18, ""),
];

const GUARANTEE: &[(u32, &str)] = &[
    (920, ""),
    (40, "民生保障"),
    (30, "城市运行保障"),
    (10, "重大活动保障"),
];

const MACHINES: &[(u32, usize)] = &[(30, 0), (25, 1), (20, 2), (15, 3), (10, 4)];
const POWER: &[(u32, &str)] = &[
    (50, "燃油"),
    (15, "燃气"),
    (28, "纯电动"),
    (7, "氢燃料电池"),
];
const STAGES: &[(u32, &str)] = &[(5, "国一"), (20, "国二"), (45, "国三"), (30, "国四")];

const BRANDS: &[&str] = &[
    "京华", "燕山", "华北", "永兴", "恒达", "兴业", "宏远", "博瑞", "中科", "天宇", "鑫源", "润泽",
    "长城", "东方", "新星", "盛世", "瑞丰", "嘉禾", "正泰", "金桥", "首创", "京西", "通达", "万方",
];
const FORMS: &[&str] = &["有限公司", "有限责任公司", "股份有限公司"];

/// The code alphabet of GB 32100 (no I, O, S, V, Z).
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

struct Machine {
    id: String,
    power: &'static str,
    stage: &'static str,
}

struct Firm {
    code: String,
    name: String,
    district: &'static str,
    industry: &'static str,
    grade: &'static str,
    gas: bool,
    lists: &'static str,
    guarantee: &'static str,
    secret: bool,
    machines: Vec<Machine>,
}

/// A unique, valid credit code for firm `i`: 9 (industry and commerce), 1 (enterprise), the
/// district code, nine characters that are a bijection of `i`, and the check character.
fn credit_code(i: u64, region: &str) -> String {
    const SPACE: u64 = 31u64.pow(9);
    // An affine map modulo 31^9 with a multiplier prime to 31 is a bijection.
    let mut x = ((i as u128 * 9_876_543_211_u128 + 1_234_567_891) % SPACE as u128) as u64;
    let mut body = [b'0'; 9];
    for b in body.iter_mut().rev() {
        *b = ALPHABET[(x % 31) as usize];
        x /= 31;
    }
    let mut code = String::with_capacity(18);
    code.push_str("91");
    code.push_str(region);
    code.push_str(std::str::from_utf8(&body).expect("ascii"));
    let check = check_char(&code).expect("17 code characters");
    code.push(check);
    code
}

fn firm(i: u64, rng: &mut Rng) -> Firm {
    let (district, region, prefix) = rng.pick(DISTRICTS);
    let (industry, words) = rng.pick(INDUSTRIES);
    let word = words[rng.below(words.len() as u64) as usize];
    let brand = BRANDS[rng.below(BRANDS.len() as u64) as usize];
    let form = FORMS[rng.below(FORMS.len() as u64) as usize];
    let short = district.trim_end_matches('区');
    let name = format!("北京{short}{brand}{word}{form}");
    let n = rng.pick(MACHINES);
    let machines = (1..=n)
        .map(|j| {
            let power = rng.pick(POWER);
            let stage = if matches!(power, "燃油" | "燃气") {
                rng.pick(STAGES)
            } else {
                ""
            };
            Machine {
                id: format!("{prefix}-{:07}-{j}", i + 1),
                power,
                stage,
            }
        })
        .collect();
    Firm {
        code: credit_code(i, region),
        name,
        district,
        industry,
        grade: rng.pick(GRADES),
        gas: rng.chance(950),
        lists: rng.pick(LISTS),
        guarantee: rng.pick(GUARANTEE),
        secret: rng.chance(5),
        machines,
    }
}

/// A `Write` that encodes the UTF-8 written to it (e.g. to GB18030), in chunks.
struct Encoding<W: Write> {
    inner: W,
    encoder: encoding_rs::Encoder,
    pending: Vec<u8>,
    out: Vec<u8>,
}

impl<W: Write> Encoding<W> {
    fn new(inner: W, encoding: &'static encoding_rs::Encoding) -> Self {
        Encoding {
            inner,
            encoder: encoding.new_encoder(),
            pending: Vec::with_capacity(1 << 16),
            out: vec![0; 1 << 17],
        }
    }

    fn encode(&mut self, last: bool) -> std::io::Result<()> {
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) => e.valid_up_to(),
        };
        let text = std::str::from_utf8(&self.pending[..valid]).expect("valid prefix");
        let mut done = 0;
        loop {
            let (result, read, written, _) = self.encoder.encode_from_utf8(
                &text[done..],
                &mut self.out,
                last && valid == self.pending.len(),
            );
            self.inner.write_all(&self.out[..written])?;
            done += read;
            if result == encoding_rs::CoderResult::InputEmpty {
                break;
            }
        }
        self.pending.drain(..valid);
        Ok(())
    }
}

impl<W: Write> Write for Encoding<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= 1 << 16 {
            self.encode(false)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.encode(true)?;
        self.inner.flush()
    }
}

const FIRM_HEADER: [&str; 9] = [
    "统一社会信用代码",
    "企业名称",
    "所在区",
    "行业",
    "绩效等级",
    "涉气排放",
    "应急减排清单",
    "保障类别",
    "涉密",
];
const MACHINE_HEADER: [&str; 4] = ["统一社会信用代码", "编号", "动力", "排放阶段"];

fn yes_no(b: bool) -> &'static str {
    if b {
        "是"
    } else {
        "否"
    }
}

fn create(
    path: &Path,
    encoding: Option<&'static encoding_rs::Encoding>,
) -> std::io::Result<Box<dyn Write>> {
    let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    Ok(match encoding {
        Some(enc) => Box::new(Encoding::new(file, enc)),
        None => Box::new(file),
    })
}

fn write_csv(
    n: u64,
    rng: &mut Rng,
    dir: &Path,
    encoding: Option<&'static encoding_rs::Encoding>,
) -> std::io::Result<Vec<PathBuf>> {
    let firms_path = dir.join("企业.csv");
    let machines_path = dir.join("机械.csv");
    let mut firms = csv::Writer::from_writer(create(&firms_path, encoding)?);
    let mut machines = csv::Writer::from_writer(create(&machines_path, encoding)?);
    firms.write_record(FIRM_HEADER)?;
    machines.write_record(MACHINE_HEADER)?;
    for i in 0..n {
        let f = firm(i, rng);
        firms.write_record([
            f.code.as_str(),
            &f.name,
            f.district,
            f.industry,
            f.grade,
            yes_no(f.gas),
            f.lists,
            f.guarantee,
            yes_no(f.secret),
        ])?;
        for m in &f.machines {
            machines.write_record([f.code.as_str(), &m.id, m.power, m.stage])?;
        }
    }
    firms.flush()?;
    machines.flush()?;
    Ok(vec![firms_path, machines_path])
}

fn firm_json(f: &Firm) -> serde_json::Value {
    let opt = |s: &str| {
        if s.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::Value::String(s.to_string())
        }
    };
    let lists: Vec<&str> = f.lists.split(',').filter(|s| !s.is_empty()).collect();
    serde_json::json!({
        "统一社会信用代码": f.code,
        "名称": f.name,
        "所在区": f.district,
        "行业": f.industry,
        "绩效等级": f.grade,
        "涉气排放": f.gas,
        "应急减排清单": lists,
        "保障类别": opt(f.guarantee),
        "涉密": f.secret,
        "非道路移动机械": f.machines.iter().map(|m| serde_json::json!({
            "编号": m.id, "动力": m.power, "排放阶段": opt(m.stage)
        })).collect::<Vec<_>>(),
    })
}

fn write_json(n: u64, rng: &mut Rng, dir: &Path, lines: bool) -> std::io::Result<Vec<PathBuf>> {
    let path = dir.join(if lines { "企业.jsonl" } else { "企业.json" });
    let mut w = create(&path, None)?;
    if !lines {
        w.write_all("{\"企业\": [\n".as_bytes())?;
    }
    for i in 0..n {
        let f = firm(i, rng);
        if !lines && i > 0 {
            w.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut w, &firm_json(&f))?;
        if lines {
            w.write_all(b"\n")?;
        }
    }
    if !lines {
        w.write_all(b"\n]}\n")?;
    }
    w.flush()?;
    Ok(vec![path])
}

fn write_xlsx(n: u64, rng: &mut Rng, dir: &Path) -> Result<Vec<PathBuf>, String> {
    const MAX_ROWS: u32 = 1_048_575;
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let path = dir.join("企业.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let mut firm_rows: Vec<[String; 9]> = Vec::new();
    let mut machine_rows: Vec<[String; 4]> = Vec::new();
    for i in 0..n {
        let f = firm(i, rng);
        for m in &f.machines {
            machine_rows.push([f.code.clone(), m.id.clone(), m.power.into(), m.stage.into()]);
        }
        firm_rows.push([
            f.code,
            f.name,
            f.district.into(),
            f.industry.into(),
            f.grade.into(),
            yes_no(f.gas).into(),
            f.lists.into(),
            f.guarantee.into(),
            yes_no(f.secret).into(),
        ]);
    }
    if firm_rows.len() > MAX_ROWS as usize || machine_rows.len() > MAX_ROWS as usize {
        return Err(format!(
            "{} firms with {} machines do not fit in an XLSX sheet ({MAX_ROWS} rows); use csv or jsonl",
            firm_rows.len(),
            machine_rows.len()
        ));
    }
    for (sheet, header, rows) in [
        (
            "企业",
            &FIRM_HEADER[..],
            firm_rows.iter().map(|r| &r[..]).collect::<Vec<_>>(),
        ),
        (
            "机械",
            &MACHINE_HEADER[..],
            machine_rows.iter().map(|r| &r[..]).collect(),
        ),
    ] {
        let ws = wb.add_worksheet();
        ws.set_name(sheet).map_err(err)?;
        for (c, h) in header.iter().enumerate() {
            ws.write(0, c as u16, *h).map_err(err)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write(r as u32 + 1, c as u16, v.as_str()).map_err(err)?;
                }
            }
        }
    }
    wb.save(&path).map_err(err)?;
    Ok(vec![path])
}

const USAGE: &str = "usage: gen_firms N --format csv|json|jsonl|xlsx [--out DIR] [--encoding utf-8|gb18030] [--seed S]";

/// Writes `n` firms generated from `seed` into `dir` (which must exist) in `format` (`csv`,
/// `json`, `jsonl` or `xlsx`; `encoding` applies to CSV, UTF-8 when `None`); returns the
/// paths written. The benchmarks call this too (`benches/load.rs`).
pub fn write(
    n: u64,
    format: &str,
    dir: &Path,
    encoding: Option<&'static encoding_rs::Encoding>,
    seed: u64,
) -> Result<Vec<PathBuf>, String> {
    let mut rng = Rng(seed);
    match format {
        "csv" => write_csv(n, &mut rng, dir, encoding).map_err(|e| e.to_string()),
        "json" => write_json(n, &mut rng, dir, false).map_err(|e| e.to_string()),
        "jsonl" => write_json(n, &mut rng, dir, true).map_err(|e| e.to_string()),
        "xlsx" => write_xlsx(n, &mut rng, dir),
        other => Err(format!("unknown format `{other}`\n{USAGE}")),
    }
}

// Unused when this file is included as a module by a benchmark.
#[allow(dead_code)]
fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut n = None;
    let mut format = String::from("csv");
    let mut out = PathBuf::from(".");
    let mut encoding = None;
    let mut seed = 2023u64;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--format" => format = args.next().unwrap_or_default(),
            "--out" => out = args.next().unwrap_or_default().into(),
            "--encoding" => {
                let label = args.next().unwrap_or_default();
                match encoding_rs::Encoding::for_label(label.as_bytes()) {
                    Some(e) if e == encoding_rs::UTF_8 => encoding = None,
                    Some(e) => encoding = Some(e),
                    None => {
                        eprintln!("unknown encoding `{label}`\n{USAGE}");
                        return ExitCode::from(2);
                    }
                }
            }
            "--seed" => match args.next().and_then(|s| s.parse().ok()) {
                Some(s) => seed = s,
                None => {
                    eprintln!("--seed takes a number\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => match other.replace('_', "").parse::<u64>() {
                Ok(v) if n.is_none() => n = Some(v),
                _ => {
                    eprintln!("unexpected argument `{other}`\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
        }
    }
    let Some(n) = n else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if encoding.is_some() && format != "csv" {
        eprintln!("--encoding applies to csv only");
        return ExitCode::from(2);
    }
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("cannot create {}: {e}", out.display());
        return ExitCode::from(2);
    }
    let start = std::time::Instant::now();
    let written = write(n, &format, &out, encoding, seed);
    match written {
        Ok(paths) => {
            for p in paths {
                eprintln!("wrote {}", p.display());
            }
            eprintln!("{n} firms in {:.2?}", start.elapsed());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_firms: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_codes_are_valid_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..10_000 {
            let c = credit_code(i, "110115");
            assert_eq!(policyc::data::credit_code::validate(&c), Ok(()), "{c}");
            assert!(seen.insert(c));
        }
    }
}
