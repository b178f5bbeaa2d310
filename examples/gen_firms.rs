//! Synthetic enterprise lists for the Beijing manufacturing plan, at any scale.
//!
//! ```text
//! cargo run --release --example gen_firms -- N --format csv|json|jsonl|xlsx [--out DIR]
//!     [--encoding utf-8|gb18030] [--seed S]
//! ```
//!
//! Writes N firms (企业) with 0–4 non-road machines (机械) and 0–5 transport vehicles (车辆)
//! each, named so that `policyc eval` can tell the entity from the file name:
//!
//! | format | files |
//! | --- | --- |
//! | csv | `企业.csv` (firms), `机械.csv` (machines) and `车辆.csv` (vehicles); the item files have a `统一社会信用代码` column naming the firm and are in firm order |
//! | json | `企业.json`, machines and vehicles inline |
//! | jsonl | `企业.jsonl`, one firm per line, machines and vehicles inline |
//! | xlsx | `企业.xlsx`, sheets `企业`, `机械` and `车辆` (at most 1,048,575 rows a sheet) |
//!
//! The output is deterministic for a given N and seed (splitmix64 generators). Credit codes
//! are valid GB 32100 codes and unique. Industries, grades, list levels and guarantee
//! categories follow a plausible distribution; every industry has a grading table, so every
//! generated firm evaluates without error. Vehicles come from a stream of their own, so the
//! firms and machines of a seed are the same as before vehicles were generated. Bulk-freight
//! industries (水泥熟料, 铸造) have more vehicles, mostly heavy diesel trucks and more of them
//! 国四 or older; other firms have fewer, more light and more new-energy vehicles. Plates
//! (`京A…`; new-energy plates carry `D` or `F`) are unique up to 14,336,000 vehicles (about
//! 10 million firms). CSV and JSON Lines are written streaming.

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

/// Vehicles per firm of a bulk-freight industry (cement, foundry: raw materials and product
/// by road) and of any other industry.
const VEHICLES_BULK: &[(u32, usize)] = &[(5, 0), (10, 1), (15, 2), (20, 3), (20, 4), (30, 5)];
const VEHICLES_OTHER: &[(u32, usize)] = &[(40, 0), (25, 1), (15, 2), (10, 3), (6, 4), (4, 5)];
/// Per mille of a firm's vehicles that are heavy goods vehicles (重型载货车辆).
const HEAVY_BULK: u64 = 800;
const HEAVY_OTHER: u64 = 250;
/// Fuel, then emission stage (combustion only), of heavy trucks in bulk freight: mostly
/// diesel, many 国四 or older.
const FUEL_HEAVY_BULK: &[(u32, &str)] = &[
    (78, "柴油"),
    (14, "天然气"),
    (6, "纯电动"),
    (2, "氢燃料电池"),
];
const STAGE_HEAVY_BULK: &[(u32, &str)] = &[
    (1, "国二"),
    (5, "国三"),
    (34, "国四"),
    (38, "国五"),
    (22, "国六"),
];
/// Heavy trucks of other industries: newer, more often new-energy.
const FUEL_HEAVY_OTHER: &[(u32, &str)] = &[
    (62, "柴油"),
    (10, "天然气"),
    (22, "纯电动"),
    (6, "氢燃料电池"),
];
const STAGE_HEAVY_OTHER: &[(u32, &str)] = &[(1, "国三"), (14, "国四"), (35, "国五"), (50, "国六")];
/// Light vehicles (vans, pick-ups, cars): mostly petrol, many electric.
const FUEL_LIGHT: &[(u32, &str)] = &[
    (52, "汽油"),
    (16, "柴油"),
    (2, "天然气"),
    (29, "纯电动"),
    (1, "氢燃料电池"),
];
const STAGE_LIGHT: &[(u32, &str)] = &[(1, "国三"), (6, "国四"), (33, "国五"), (60, "国六")];

/// The Beijing plate letters used here (京A … 京Q, without D, I and O).
const PLATE_LETTERS: &[u8; 14] = b"ABCEFGHJKLMNPQ";
/// The plate symbols used here: digits and letters without I and O (as on plates) and
/// without D and F (which mark new-energy plates), so no two plates coincide.
const PLATE_SYMBOLS: &[u8; 32] = b"0123456789ABCEGHJKLMNPQRSTUVWXYZ";
/// Radixes of the five plate positions: letters only in the first and third.
const PLATE_RADIX: [u64; 5] = [32, 10, 32, 10, 10];

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

struct Vehicle {
    plate: String,
    stage: &'static str,
    fuel: &'static str,
    heavy: bool,
}

/// The vehicles' own random stream and the number of vehicles generated so far.
struct Fleet {
    rng: Rng,
    count: u64,
}

impl Fleet {
    fn new(seed: u64) -> Fleet {
        Fleet {
            rng: Rng(seed ^ 0x5645_4849_434C_4553), // "VEHICLES"
            count: 0,
        }
    }

    /// A unique plate for the next vehicle: an affine bijection of the vehicle's number
    /// modulo the plate space, written as a letter and five symbols.
    fn plate(&mut self, fuel: &str, heavy: bool) -> String {
        const PER_LETTER: u64 = 32 * 10 * 32 * 10 * 10;
        const SPACE: u64 = PER_LETTER * PLATE_LETTERS.len() as u64;
        // SPACE = 2^14 · 5^3 · 7; the multiplier is prime to it.
        let mut x = ((self.count as u128 * 7_919_011 + 3_141_593) % SPACE as u128) as u64;
        self.count += 1;
        let mut plate = String::with_capacity(12);
        plate.push('京');
        plate.push(PLATE_LETTERS[(x / PER_LETTER) as usize] as char);
        x %= PER_LETTER;
        let mut body = [0u8; 5];
        for (b, radix) in body.iter_mut().zip(PLATE_RADIX).rev() {
            *b = PLATE_SYMBOLS[(x % radix) as usize];
            x /= radix;
        }
        let body = std::str::from_utf8(&body).expect("ascii");
        // New-energy plates: D battery-electric, F other; before the number on small
        // vehicles, after it on large ones.
        let mark = match fuel {
            "纯电动" => Some('D'),
            "氢燃料电池" => Some('F'),
            _ => None,
        };
        match mark {
            Some(m) if heavy => {
                plate.push_str(body);
                plate.push(m);
            }
            Some(m) => {
                plate.push(m);
                plate.push_str(body);
            }
            None => plate.push_str(body),
        }
        plate
    }

    fn vehicles(&mut self, industry: &str) -> Vec<Vehicle> {
        let bulk = matches!(industry, "水泥熟料" | "铸造");
        let n = self
            .rng
            .pick(if bulk { VEHICLES_BULK } else { VEHICLES_OTHER });
        (0..n)
            .map(|_| {
                let heavy = self.rng.chance(if bulk { HEAVY_BULK } else { HEAVY_OTHER });
                let (fuels, stages) = match (heavy, bulk) {
                    (true, true) => (FUEL_HEAVY_BULK, STAGE_HEAVY_BULK),
                    (true, false) => (FUEL_HEAVY_OTHER, STAGE_HEAVY_OTHER),
                    (false, _) => (FUEL_LIGHT, STAGE_LIGHT),
                };
                let fuel = self.rng.pick(fuels);
                let stage = match fuel {
                    "纯电动" | "氢燃料电池" => "",
                    _ => self.rng.pick(stages),
                };
                Vehicle {
                    plate: self.plate(fuel, heavy),
                    stage,
                    fuel,
                    heavy,
                }
            })
            .collect()
    }
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
    /// The levels the firm's 一厂一策 covers: its lists', except for about one listed firm
    /// in a hundred whose plan lacks the highest level (四、(一) finds it).
    plan: &'static str,
    /// A manufacturing firm: all but about one in two hundred (四、(二) finds those on the
    /// guarantee list).
    manufacturing: bool,
    /// Base emissions of SO2, NOx, PM and VOCs, tonnes a year, in hundredths.
    emissions: [u32; 4],
    /// The firm's own voluntary cut (`自主减排比例`), for about one firm in three; else empty.
    own_cut: &'static str,
    machines: Vec<Machine>,
    vehicles: Vec<Vehicle>,
    /// The firm's own 一厂一策 measure at yellow, orange and red (empty: none), for about
    /// one firm in three; another third plans per production line (`lines`).
    own_plan: [&'static str; 3],
    lines: Vec<Line>,
}

/// A production line of a firm: its capacity and its 一厂一策 measure per level.
struct Line {
    id: String,
    capacity: u32,
    plan: [&'static str; 3],
}

/// A firm's own measures, derived from its index alone (so the fields drawn from the
/// random stream stay what they were before these existed): at the firm level for
/// `i % 3 == 0`, per line for `i % 3 == 1`, none otherwise; about one in a hundred writes
/// prose at orange, which `audit` reports naming the cell.
fn own_plans(i: u64, prefix: &str) -> ([&'static str; 3], Vec<Line>) {
    let prose = i % 97 == 5;
    let orange = |a: &'static str| {
        if prose {
            "错峰生产，减少运输"
        } else {
            a
        }
    };
    match i % 3 {
        0 => (["限产 30%", orange("限产 50%"), "停产"], Vec::new()),
        1 => {
            let lines = (1..=2 + i % 2)
                .map(|j| Line {
                    id: format!("{prefix}-{:07}-L{j}", i + 1),
                    capacity: 50 + ((i * 7 + j * 13) % 150) as u32,
                    plan: if j == 1 {
                        ["限产 30%", orange("停产 50% 以生产线计"), "停产"]
                    } else {
                        ["自主减排", "限产 50%", "停产"]
                    },
                })
                .collect();
            (["", "", ""], lines)
        }
        _ => (["", "", ""], Vec::new()),
    }
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

/// Base emissions (hundredths of a tonne a year) of SO2, NOx, PM and VOCs for firm `i`, and
/// its own voluntary cut: derived from `i`, not drawn from the generator's random numbers, so
/// every other field of every firm stays what it was before these existed.
fn emissions(i: u64) -> ([u32; 4], &'static str) {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut next = || {
        x ^= x >> 29;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 32;
        x
    };
    // Up to 40 t of SO2 and NOx, 30 t of PM, 50 t of VOCs.
    let e = [4000, 4000, 3000, 5000].map(|max| (next() % max) as u32);
    let own = match i % 6 {
        0 => "10%",
        3 => "20%",
        _ => "",
    };
    (e, own)
}

/// Hundredths as a decimal text: 1234 → "12.34".
fn hundredths(v: u32) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

fn firm(i: u64, rng: &mut Rng, fleet: &mut Fleet) -> Firm {
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
    // Drawn in the order the fields always were.
    let grade = rng.pick(GRADES);
    let gas = rng.chance(950);
    let lists = rng.pick(LISTS);
    // Derived from `i`, not drawn from `rng`, so every other field of every firm stays what
    // it was before these two fields existed.
    let plan = match lists.rsplit_once(',') {
        Some((lower, _)) if i % 101 == 7 => lower,
        None if i % 101 == 7 => "",
        _ => lists,
    };
    Firm {
        code: credit_code(i, region),
        name,
        district,
        industry,
        grade,
        gas,
        lists,
        guarantee: rng.pick(GUARANTEE),
        secret: rng.chance(5),
        plan,
        manufacturing: i % 211 != 13,
        emissions: emissions(i).0,
        own_cut: emissions(i).1,
        machines,
        vehicles: fleet.vehicles(industry),
        own_plan: own_plans(i, prefix).0,
        lines: own_plans(i, prefix).1,
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

const FIRM_HEADER: [&str; 19] = [
    "统一社会信用代码",
    "企业名称",
    "所在区",
    "行业",
    "绩效等级",
    "涉气排放",
    "应急减排清单",
    "保障类别",
    "涉密",
    "一厂一策级别",
    "制造业",
    "二氧化硫排放量",
    "氮氧化物排放量",
    "颗粒物排放量",
    "挥发性有机物排放量",
    "自主减排比例",
    "黄色预警一厂一策措施",
    "橙色预警一厂一策措施",
    "红色预警一厂一策措施",
];
/// `设计产能` and `减排措施` are aliases of 产能 and 一厂一策措施, as lists head them.
const LINE_HEADER: [&str; 6] = [
    "统一社会信用代码",
    "生产线编号",
    "设计产能",
    "黄色预警减排措施",
    "橙色预警减排措施",
    "红色预警减排措施",
];
const MACHINE_HEADER: [&str; 4] = ["统一社会信用代码", "编号", "动力", "排放阶段"];
/// `车牌号` is the alias of `号牌`, as lists head the column.
const VEHICLE_HEADER: [&str; 5] = ["统一社会信用代码", "车牌号", "排放阶段", "燃料", "重型"];

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
    fleet: &mut Fleet,
    dir: &Path,
    encoding: Option<&'static encoding_rs::Encoding>,
) -> std::io::Result<Vec<PathBuf>> {
    let firms_path = dir.join("企业.csv");
    let machines_path = dir.join("机械.csv");
    let vehicles_path = dir.join("车辆.csv");
    let lines_path = dir.join("生产线.csv");
    let mut lines = csv::Writer::from_writer(create(&lines_path, encoding)?);
    lines.write_record(LINE_HEADER)?;
    let mut firms = csv::Writer::from_writer(create(&firms_path, encoding)?);
    let mut machines = csv::Writer::from_writer(create(&machines_path, encoding)?);
    let mut vehicles = csv::Writer::from_writer(create(&vehicles_path, encoding)?);
    firms.write_record(FIRM_HEADER)?;
    machines.write_record(MACHINE_HEADER)?;
    vehicles.write_record(VEHICLE_HEADER)?;
    for i in 0..n {
        let f = firm(i, rng, fleet);
        let [so2, nox, pm, vocs] = f.emissions.map(hundredths);
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
            f.plan,
            yes_no(f.manufacturing),
            &so2,
            &nox,
            &pm,
            &vocs,
            f.own_cut,
            f.own_plan[0],
            f.own_plan[1],
            f.own_plan[2],
        ])?;
        for m in &f.machines {
            machines.write_record([f.code.as_str(), &m.id, m.power, m.stage])?;
        }
        for l in &f.lines {
            let [y, o, r] = l.plan;
            lines.write_record([f.code.as_str(), &l.id, &l.capacity.to_string(), y, o, r])?;
        }
        for v in &f.vehicles {
            vehicles.write_record([f.code.as_str(), &v.plate, v.stage, v.fuel, yes_no(v.heavy)])?;
        }
    }
    firms.flush()?;
    machines.flush()?;
    vehicles.flush()?;
    lines.flush()?;
    Ok(vec![firms_path, machines_path, vehicles_path, lines_path])
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
    let by_level = |plan: &[&str; 3]| {
        if plan.iter().all(|p| p.is_empty()) {
            return serde_json::Value::Null;
        }
        serde_json::json!({ "黄色": opt(plan[0]), "橙色": opt(plan[1]), "红色": opt(plan[2]) })
    };
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
        "一厂一策级别": f.plan.split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
        "制造业": f.manufacturing,
        "二氧化硫排放量": f.emissions[0] as f64 / 100.0,
        "氮氧化物排放量": f.emissions[1] as f64 / 100.0,
        "颗粒物排放量": f.emissions[2] as f64 / 100.0,
        "挥发性有机物排放量": f.emissions[3] as f64 / 100.0,
        "自主减排比例": opt(f.own_cut),
        "一厂一策措施": by_level(&f.own_plan),
        "生产线": f.lines.iter().map(|l| serde_json::json!({
            "编号": l.id, "产能": l.capacity, "一厂一策措施": by_level(&l.plan)
        })).collect::<Vec<_>>(),
        "非道路移动机械": f.machines.iter().map(|m| serde_json::json!({
            "编号": m.id, "动力": m.power, "排放阶段": opt(m.stage)
        })).collect::<Vec<_>>(),
        "运输车辆": f.vehicles.iter().map(|v| serde_json::json!({
            "号牌": v.plate, "排放阶段": opt(v.stage), "燃料": v.fuel, "重型": v.heavy
        })).collect::<Vec<_>>(),
    })
}

fn write_json(
    n: u64,
    rng: &mut Rng,
    fleet: &mut Fleet,
    dir: &Path,
    lines: bool,
) -> std::io::Result<Vec<PathBuf>> {
    let path = dir.join(if lines { "企业.jsonl" } else { "企业.json" });
    let mut w = create(&path, None)?;
    if !lines {
        w.write_all("{\"企业\": [\n".as_bytes())?;
    }
    for i in 0..n {
        let f = firm(i, rng, fleet);
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

fn write_xlsx(
    n: u64,
    rng: &mut Rng,
    fleet: &mut Fleet,
    dir: &Path,
) -> Result<Vec<PathBuf>, String> {
    const MAX_ROWS: u32 = 1_048_575;
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let path = dir.join("企业.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let mut firm_rows: Vec<[String; 19]> = Vec::new();
    let mut line_rows: Vec<[String; 6]> = Vec::new();
    let mut machine_rows: Vec<[String; 4]> = Vec::new();
    let mut vehicle_rows: Vec<[String; 5]> = Vec::new();
    for i in 0..n {
        let f = firm(i, rng, fleet);
        let [so2, nox, pm, vocs] = f.emissions.map(hundredths);
        for l in &f.lines {
            let [y, o, r] = l.plan;
            line_rows.push([
                f.code.clone(),
                l.id.clone(),
                l.capacity.to_string(),
                y.into(),
                o.into(),
                r.into(),
            ]);
        }
        for m in &f.machines {
            machine_rows.push([f.code.clone(), m.id.clone(), m.power.into(), m.stage.into()]);
        }
        for v in f.vehicles {
            vehicle_rows.push([
                f.code.clone(),
                v.plate,
                v.stage.into(),
                v.fuel.into(),
                yes_no(v.heavy).into(),
            ]);
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
            f.plan.into(),
            yes_no(f.manufacturing).into(),
            so2,
            nox,
            pm,
            vocs,
            f.own_cut.into(),
            f.own_plan[0].into(),
            f.own_plan[1].into(),
            f.own_plan[2].into(),
        ]);
    }
    if [
        firm_rows.len(),
        machine_rows.len(),
        vehicle_rows.len(),
        line_rows.len(),
    ]
    .iter()
    .any(|&rows| rows > MAX_ROWS as usize)
    {
        return Err(format!(
            "{} firms with {} machines and {} vehicles do not fit in an XLSX sheet ({MAX_ROWS} rows); use csv or jsonl",
            firm_rows.len(),
            machine_rows.len(),
            vehicle_rows.len()
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
        (
            "车辆",
            &VEHICLE_HEADER[..],
            vehicle_rows.iter().map(|r| &r[..]).collect(),
        ),
        (
            "生产线",
            &LINE_HEADER[..],
            line_rows.iter().map(|r| &r[..]).collect(),
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
/// paths written (for CSV: firms, machines, vehicles, production lines). The benchmarks call this too
/// (`benches/load.rs`).
pub fn write(
    n: u64,
    format: &str,
    dir: &Path,
    encoding: Option<&'static encoding_rs::Encoding>,
    seed: u64,
) -> Result<Vec<PathBuf>, String> {
    let mut rng = Rng(seed);
    let mut fleet = Fleet::new(seed);
    match format {
        "csv" => write_csv(n, &mut rng, &mut fleet, dir, encoding).map_err(|e| e.to_string()),
        "json" => write_json(n, &mut rng, &mut fleet, dir, false).map_err(|e| e.to_string()),
        "jsonl" => write_json(n, &mut rng, &mut fleet, dir, true).map_err(|e| e.to_string()),
        "xlsx" => write_xlsx(n, &mut rng, &mut fleet, dir),
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
            assert_eq!(
                policyc::data::credit_code::validate(policyc::messages::Lang::En, &c),
                Ok(()),
                "{c}"
            );
            assert!(seen.insert(c));
        }
    }

    #[test]
    fn plates_are_unique_and_well_formed() {
        let mut fleet = Fleet::new(2023);
        let mut seen = std::collections::HashSet::new();
        for i in 0..200_000u64 {
            let (fuel, heavy) =
                [("柴油", true), ("纯电动", true), ("氢燃料电池", false)][i as usize % 3];
            let p = fleet.plate(fuel, heavy);
            let rest = p.strip_prefix('京').expect("a Beijing plate");
            assert_eq!(rest.len(), if fuel == "柴油" { 6 } else { 7 }, "{p}");
            assert!(!rest.contains(['I', 'O']), "{p}");
            assert!(seen.insert(p));
        }
    }

    #[test]
    fn vehicles_follow_their_kind() {
        let mut fleet = Fleet::new(2023);
        let (mut bulk, mut other) = ((0, 0), (0, 0));
        for i in 0..20_000 {
            let (industry, tally) = if i % 2 == 0 {
                ("水泥熟料", &mut bulk)
            } else {
                ("家具制造", &mut other)
            };
            let vs = fleet.vehicles(industry);
            assert!(vs.len() <= 5);
            for v in vs {
                let electric = matches!(v.fuel, "纯电动" | "氢燃料电池");
                assert_eq!(v.stage.is_empty(), electric, "{}", v.plate);
                assert!(!(v.heavy && v.fuel == "汽油"), "{}", v.plate);
                tally.0 += 1;
                tally.1 += usize::from(v.heavy && v.fuel == "柴油");
            }
        }
        // Bulk freight: more vehicles, and more of them heavy diesel trucks.
        assert!(bulk.0 > 2 * other.0, "{bulk:?} {other:?}");
        assert!(
            bulk.1 * other.0 > 3 * other.1 * bulk.0,
            "{bulk:?} {other:?}"
        );
    }
}
