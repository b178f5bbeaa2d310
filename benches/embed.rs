//! Embedding, measured as a library user would: records built through the public API by
//! field name, decided at three levels, and each entry's measure, status, subject and
//! citation read — beside a hand-written Rust `match` of the same rules, in the same run.
//!
//! `cargo bench --bench embed` — both benchmarks process the same firms from the same input
//! strings per record; per firm-level decision = time / (firms × 3). Field handles are
//! resolved once per run (allowed); variant text is looked up per record in both. Nothing is
//! cached between decisions. Before measuring, the two are checked to give the same entries
//! for every firm at every level.

use divan::counter::ItemsCount;
use divan::{black_box, Bencher};
use policyc::{
    Decision, EntryStatus, Field, Level, MapLoader, Policy, RecordBuilder, Subject, Variant,
};

fn main() {
    check_same_decisions();
    divan::main();
}

/// A simplified Beijing plan: list membership per level, the cement and furniture grading
/// table, the guarantee exemption, and the machines measure with its exception.
const PLAN: &str = r#"
预警级别 { 黄色 (yellow) < 橙色 (orange) < 红色 (red) }
枚举 绩效等级 有序 { 引领性 (绩效引领性) > A (A级) > B (B级) > B- (B-级) > C (C级) > D (D级) }
枚举 行业类别 { 水泥熟料, 家具制造 }
枚举 保障类别 { 民生保障, 城市运行保障, 重大活动保障 }
枚举 动力类型 { 燃油 (柴油, 汽油), 燃气, 纯电动 (电动), 氢燃料电池 (氢能, 氢燃料) }
限制 国四重卡禁运 "禁止使用国四及以下重型载货车辆（含燃气）进行物料运输"

实体 企业 键 统一社会信用代码 {
  统一社会信用代码: 文本
  行业: 行业类别
  绩效等级: 绩效等级
  应急减排清单: 集合 级别
  保障类别: 可选 保障类别
  非道路移动机械: 列表 机械
}
实体 机械 键 编号 { 编号: 文本  动力: 动力类型 }

措施 差异化减排 强制性 自 黄色 {
  对象 企业 当 级别 属于 应急减排清单
  要求 绩效分级减排[行业, 绩效等级, 级别]
  依据 "三、(一)2；三、(二)2；三、(三)2"
}
措施 停用燃油非道路移动机械 强制性 自 橙色 {
  对象 企业.非道路移动机械 当 级别 属于 企业.应急减排清单
  除外 当 动力 属于 { 纯电动, 氢燃料电池 } 依据 "三、(二)2（纯电动、氢燃料电池机械除外）"
  要求 停用
  依据 "三、(二)2；三、(三)2"
}
豁免 保障类企业 {
  对象 企业 当 保障类别 有值
  解除 差异化减排
  依据 "四、(二)"
}
表 绩效分级减排 (行业类别, 绩效等级, 级别) {
  水泥熟料:
    等级      | 黄色                          | 橙色                          | 红色
    引领性, A | 自主减排                      | 自主减排                      | 自主减排
    B         | 禁止 国四重卡禁运             | 限产 20% + 禁止 国四重卡禁运  | 停产 + 禁止 国四重卡禁运
    B-, C, D  | 停产 + 禁止 国四重卡禁运      | 停产 + 禁止 国四重卡禁运      | 停产 + 禁止 国四重卡禁运
  家具制造:
    等级      | 黄色     | 橙色               | 红色
    引领性, A | 自主减排 | 自主减排           | 自主减排
    B         | 限产 20% | 限产 30%           | 停产 50% 以生产线计
    B-, C, D  | 停产     | 停产               | 停产
}
"#;

const LEVELS: [&str; 3] = ["黄色", "橙色", "红色"];
const FIRMS: usize = 1000;

/// One firm as the embedding program holds it: strings, as they come from its own store.
struct FirmInput {
    code: String,
    industry: &'static str,
    grade: &'static str,
    lists: &'static str,
    guarantee: Option<&'static str>,
    machines: Vec<(String, &'static str)>,
}

fn inputs() -> Vec<FirmInput> {
    const INDUSTRIES: [&str; 2] = ["水泥熟料", "家具制造"];
    const GRADES: [&str; 8] = ["引领性", "A", "B", "B-", "C", "D", "B级", "C级"];
    const LISTS: [&str; 4] = ["黄色、橙色、红色", "橙色、红色", "红色", ""];
    const GUARANTEES: [&str; 3] = ["民生保障", "城市运行保障", "重大活动保障"];
    const POWERS: [&str; 6] = ["燃油", "柴油", "燃气", "纯电动", "电动", "氢燃料电池"];
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as usize
    };
    (0..FIRMS)
        .map(|i| FirmInput {
            code: format!("91110105MA{i:07}X"),
            industry: INDUSTRIES[next(2)],
            grade: GRADES[next(GRADES.len())],
            lists: LISTS[next(LISTS.len())],
            guarantee: (next(5) == 0).then(|| GUARANTEES[next(3)]),
            machines: (0..next(4))
                .map(|m| (format!("JX-{i}-{m}"), POWERS[next(POWERS.len())]))
                .collect(),
        })
        .collect()
}

fn policy() -> Policy {
    Policy::compile("plan.policy", PLAN, &MapLoader::new())
        .unwrap_or_else(|d| panic!("the bench plan compiles:\n{d}"))
}

/// The fields, resolved once per run.
struct Fields {
    code: Field,
    industry: Field,
    grade: Field,
    lists: Field,
    guarantee: Field,
    machines: Field,
    machine_key: Field,
    power: Field,
}

impl Fields {
    fn of(policy: &Policy) -> Fields {
        let s = policy.schema();
        let f = |e: &str, f: &str| s.field(e, f).expect("the bench plan has the field");
        Fields {
            code: f("企业", "统一社会信用代码"),
            industry: f("企业", "行业"),
            grade: f("企业", "绩效等级"),
            lists: f("企业", "应急减排清单"),
            guarantee: f("企业", "保障类别"),
            machines: f("企业", "非道路移动机械"),
            machine_key: f("机械", "编号"),
            power: f("机械", "动力"),
        }
    }
}

/// The values as variant handles, resolved once per run, numbered as the baseline's own
/// enums number them (the plan declares them in that order).
struct Variants {
    industry: [Variant; 2],
    grade: [Variant; 6],
    level: [Variant; 3],
    guarantee: [Variant; 3],
    power: [Variant; 4],
}

impl Variants {
    fn of(policy: &Policy, fields: &Fields) -> Variants {
        let s = policy.schema();
        let v = |f: Field, t: &str| s.variant(f, t).expect("the bench plan has the value");
        Variants {
            industry: ["水泥熟料", "家具制造"].map(|t| v(fields.industry, t)),
            grade: ["引领性", "A", "B", "B-", "C", "D"].map(|t| v(fields.grade, t)),
            level: LEVELS.map(|t| policy.level(t).expect("a level").into()),
            guarantee: ["民生保障", "城市运行保障", "重大活动保障"].map(|t| v(fields.guarantee, t)),
            power: ["燃油", "燃气", "纯电动", "氢燃料电池"].map(|t| v(fields.power, t)),
        }
    }
}

/// Fills `firm` from the input strings by field and variant handle: each string is read by
/// the baseline's own parse functions (the same work per record as the baseline), and the
/// value set is the handle resolved once per run.
fn build_by_handle(
    firm: &mut RecordBuilder<'_>,
    fields: &Fields,
    vs: &Variants,
    input: &FirmInput,
) {
    let bits = lists(input.lists);
    let mut listed = [vs.level[0]; 3];
    let mut n = 0;
    for (l, &level) in vs.level.iter().enumerate() {
        if bits & (1 << l) != 0 {
            listed[n] = level;
            n += 1;
        }
    }
    firm.clear()
        .set(fields.code, &input.code)
        .unwrap()
        .set(
            fields.industry,
            vs.industry[industry(input.industry) as usize],
        )
        .unwrap()
        .set(fields.grade, vs.grade[grade(input.grade) as usize])
        .unwrap()
        .set(fields.lists, &listed[..n])
        .unwrap()
        .set(
            fields.guarantee,
            guarantee_scope(input.guarantee).map(|g| vs.guarantee[g]),
        )
        .unwrap();
    for (key, p) in &input.machines {
        firm.item(fields.machines)
            .unwrap()
            .set(fields.machine_key, key)
            .unwrap()
            .set(fields.power, vs.power[power(p) as usize])
            .unwrap();
    }
}

/// What one entry says, as both sides read it (for the check before measuring).
#[derive(Debug, PartialEq)]
struct Read<'a> {
    measure: &'a str,
    status: &'a str,
    lifted_by: Option<&'a str>,
    item: Option<&'a str>,
    citation: Option<&'a str>,
}

/// Builds every firm through the API with `build`, decides it at every level, and hands each
/// entry's measure, status, subject and citation to `read`.
fn through_the_api(
    policy: &Policy,
    firms: &[FirmInput],
    mut build: impl FnMut(&mut RecordBuilder<'_>, &FirmInput),
    mut read: impl FnMut(usize, Read<'_>),
) {
    let levels: Vec<_> = LEVELS.iter().map(|l| policy.level(l).unwrap()).collect();
    let mut firm = policy.schema().record("企业").unwrap();
    let mut buffer = Decision::default();
    for input in firms {
        build(&mut firm, input);
        decide_and_read(policy, &firm, &levels, &mut buffer, &mut read);
    }
}

/// Fills `firm` from the input strings, by field handle.
fn build(firm: &mut RecordBuilder<'_>, fields: &Fields, input: &FirmInput) {
    firm.clear()
        .set(fields.code, &input.code)
        .unwrap()
        .set(fields.industry, input.industry)
        .unwrap()
        .set(fields.grade, input.grade)
        .unwrap()
        .set(fields.lists, input.lists)
        .unwrap()
        .set(fields.guarantee, input.guarantee)
        .unwrap();
    for (key, power) in &input.machines {
        firm.item(fields.machines)
            .unwrap()
            .set(fields.machine_key, key)
            .unwrap()
            .set(fields.power, *power)
            .unwrap();
    }
}

fn decide_and_read(
    policy: &Policy,
    firm: &RecordBuilder<'_>,
    levels: &[Level],
    buffer: &mut Decision,
    read: &mut impl FnMut(usize, Read<'_>),
) {
    for (l, &level) in levels.iter().enumerate() {
        let decided = policy.decide(firm, level, buffer).unwrap();
        for e in decided.entries() {
            let (status, lifted_by) = match e.status() {
                EntryStatus::Applies => ("applies", None),
                EntryStatus::Excepted { citation, .. } => ("excepted", citation),
                EntryStatus::Exempted { exemption, .. } => ("exempted", Some(exemption)),
                EntryStatus::NotEncoded { .. } => ("not_encoded", None),
            };
            let item = match e.subject() {
                Subject::Record => None,
                Subject::Item { key, .. } => key,
            };
            read(
                l,
                Read {
                    measure: e.measure(),
                    status,
                    lifted_by,
                    item,
                    citation: e.citation(),
                },
            );
        }
    }
}

// ---------------------------------------------------------------- the hand-written baseline

#[derive(Clone, Copy, PartialEq)]
enum Industry {
    Cement,
    Furniture,
}

#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Grade {
    Leading,
    A,
    B,
    BMinus,
    C,
    D,
}

#[derive(Clone, Copy, PartialEq)]
enum Power {
    Fuel,
    Gas,
    Electric,
    Hydrogen,
}

/// What a measure requires: a base and the truck ban.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Base {
    Voluntary,
    Limit(u8),
    StopPart(u8),
    Stop,
    CeaseUse,
    None,
}

#[derive(Clone, Copy, PartialEq, Debug)]
struct Action {
    base: Base,
    truck_ban: bool,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Status {
    Applies,
    Excepted,
    Exempted,
}

struct Entry<'a> {
    measure: &'static str,
    status: Status,
    item: Option<&'a str>,
    citation: &'static str,
    action: Action,
}

const M_GRADED: &str = "差异化减排";
const M_MACHINES: &str = "停用燃油非道路移动机械";
const CITE_GRADED: &str = "三、(一)2；三、(二)2；三、(三)2";
const CITE_MACHINES: &str = "三、(二)2；三、(三)2";
const CITE_EXCEPTION: &str = "三、(二)2（纯电动、氢燃料电池机械除外）";
const EXEMPTION: &str = "保障类企业";

fn industry(s: &str) -> Industry {
    match s.trim() {
        "水泥熟料" => Industry::Cement,
        "家具制造" => Industry::Furniture,
        other => panic!("not an industry: {other}"),
    }
}

fn grade(s: &str) -> Grade {
    match s.trim() {
        "引领性" | "绩效引领性" => Grade::Leading,
        "A" | "A级" => Grade::A,
        "B" | "B级" => Grade::B,
        "B-" | "B-级" => Grade::BMinus,
        "C" | "C级" => Grade::C,
        "D" | "D级" => Grade::D,
        other => panic!("not a grade: {other}"),
    }
}

fn power(s: &str) -> Power {
    match s.trim() {
        "燃油" | "柴油" | "汽油" => Power::Fuel,
        "燃气" => Power::Gas,
        "纯电动" | "电动" => Power::Electric,
        "氢燃料电池" | "氢能" | "氢燃料" => Power::Hydrogen,
        other => panic!("not a power: {other}"),
    }
}

fn lists(s: &str) -> u8 {
    let mut bits = 0;
    for part in s
        .split(['、', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        bits |= match part {
            "黄色" | "yellow" => 1,
            "橙色" | "orange" => 2,
            "红色" | "red" => 4,
            other => panic!("not a level: {other}"),
        };
    }
    bits
}

/// Which guarantee scope, numbered as the plan declares them.
fn guarantee_scope(s: Option<&str>) -> Option<usize> {
    match s.map(str::trim) {
        None => None,
        Some("民生保障") => Some(0),
        Some("城市运行保障") => Some(1),
        Some("重大活动保障") => Some(2),
        Some(other) => panic!("not a guarantee: {other}"),
    }
}

fn guarantee(s: Option<&str>) -> bool {
    guarantee_scope(s).is_some()
}

/// The grading table, by hand.
fn graded(industry: Industry, grade: Grade, level: usize) -> Action {
    use Base::*;
    let a = |base, truck_ban| Action { base, truck_ban };
    match (industry, grade, level) {
        (_, Grade::Leading | Grade::A, _) => a(Voluntary, false),
        (Industry::Cement, Grade::B, 0) => a(None, true),
        (Industry::Cement, Grade::B, 1) => a(Limit(20), true),
        (Industry::Cement, _, _) => a(Stop, true),
        (Industry::Furniture, Grade::B, 0) => a(Limit(20), false),
        (Industry::Furniture, Grade::B, 1) => a(Limit(30), false),
        (Industry::Furniture, Grade::B, _) => a(StopPart(50), false),
        (Industry::Furniture, _, _) => a(Stop, false),
    }
}

/// The firm parsed from its strings, as the API's record builder reads them.
struct Firm<'a> {
    code: &'a str,
    industry: Industry,
    grade: Grade,
    lists: u8,
    guaranteed: bool,
    machines: Vec<(&'a str, Power)>,
}

fn decide_by_hand<'a>(firm: &Firm<'a>, level: usize, out: &mut Vec<Entry<'a>>) {
    out.clear();
    if firm.lists & (1 << level) == 0 {
        return;
    }
    out.push(Entry {
        measure: M_GRADED,
        status: if firm.guaranteed {
            Status::Exempted
        } else {
            Status::Applies
        },
        item: None,
        citation: CITE_GRADED,
        action: graded(firm.industry, firm.grade, level),
    });
    if level >= 1 {
        for &(key, power) in &firm.machines {
            out.push(Entry {
                measure: M_MACHINES,
                status: match power {
                    Power::Electric | Power::Hydrogen => Status::Excepted,
                    Power::Fuel | Power::Gas => Status::Applies,
                },
                item: Some(key),
                citation: CITE_MACHINES,
                action: Action {
                    base: Base::CeaseUse,
                    truck_ban: false,
                },
            });
        }
    }
}

fn by_hand(firms: &[FirmInput], mut read: impl FnMut(usize, Read<'_>)) {
    let mut entries = Vec::new();
    let mut firm = Firm {
        code: "",
        industry: Industry::Cement,
        grade: Grade::A,
        lists: 0,
        guaranteed: false,
        machines: Vec::new(),
    };
    for input in firms {
        firm.code = &input.code;
        firm.industry = industry(input.industry);
        firm.grade = grade(input.grade);
        firm.lists = lists(input.lists);
        firm.guaranteed = guarantee(input.guarantee);
        firm.machines.clear();
        firm.machines.extend(
            input
                .machines
                .iter()
                .map(|(key, p)| (key.as_str(), power(p))),
        );
        black_box(firm.code);
        for level in 0..LEVELS.len() {
            decide_by_hand(&firm, level, &mut entries);
            for e in &entries {
                black_box(e.action);
                let (status, lifted_by) = match e.status {
                    Status::Applies => ("applies", None),
                    Status::Excepted => ("excepted", Some(CITE_EXCEPTION)),
                    Status::Exempted => ("exempted", Some(EXEMPTION)),
                };
                read(
                    level,
                    Read {
                        measure: e.measure,
                        status,
                        lifted_by,
                        item: e.item,
                        citation: Some(e.citation),
                    },
                );
            }
        }
    }
}

/// The baseline writes the same rules: the same entries for every firm at every level.
fn check_same_decisions() {
    let policy = policy();
    let fields = Fields::of(&policy);
    let firms = inputs();
    let mut api = Vec::new();
    through_the_api(
        &policy,
        &firms,
        |f, i| build(f, &fields, i),
        |l, r| api.push(format!("{l} {r:?}")),
    );
    let mut by_handle = Vec::new();
    let vs = Variants::of(&policy, &fields);
    let by_handle_build =
        |f: &mut RecordBuilder<'_>, i: &FirmInput| build_by_handle(f, &fields, &vs, i);
    through_the_api(&policy, &firms, by_handle_build, |l, r| {
        by_handle.push(format!("{l} {r:?}"))
    });
    assert_eq!(
        api, by_handle,
        "building by handle gives the same decisions"
    );
    let mut hand = Vec::new();
    by_hand(&firms, |l, r| hand.push(format!("{l} {r:?}")));
    assert_eq!(api.len(), hand.len(), "as many entries");
    for (a, h) in api.iter().zip(&hand) {
        assert_eq!(a, h, "the baseline decides as the policy does");
    }
    assert!(api.len() > FIRMS, "the firms give entries");
}

fn consume(_: usize, r: Read<'_>) {
    black_box(r);
}

#[divan::bench]
fn api(bencher: Bencher) {
    let policy = policy();
    let fields = Fields::of(&policy);
    let firms = inputs();
    bencher
        .counter(ItemsCount::new(FIRMS * LEVELS.len()))
        .bench_local(|| {
            through_the_api(
                &policy,
                black_box(&firms),
                |f, i| build(f, &fields, i),
                consume,
            )
        });
}

/// The same, with the values set by variant handles resolved once per run.
#[divan::bench]
fn api_by_handle(bencher: Bencher) {
    let policy = policy();
    let fields = Fields::of(&policy);
    let vs = Variants::of(&policy, &fields);
    let firms = inputs();
    bencher
        .counter(ItemsCount::new(FIRMS * LEVELS.len()))
        .bench_local(|| {
            through_the_api(
                &policy,
                black_box(&firms),
                |f, i| build_by_handle(f, &fields, &vs, i),
                consume,
            )
        });
}

#[divan::bench]
fn hand_written(bencher: Bencher) {
    let firms = inputs();
    bencher
        .counter(ItemsCount::new(FIRMS * LEVELS.len()))
        .bench_local(|| by_hand(black_box(&firms), consume));
}

/// The parts of `api`, apart: building the records only …
#[divan::bench]
fn api_build_only(bencher: Bencher) {
    let policy = policy();
    let fields = Fields::of(&policy);
    let firms = inputs();
    let mut firm = policy.schema().record("企业").unwrap();
    bencher
        .counter(ItemsCount::new(FIRMS * LEVELS.len()))
        .bench_local(|| {
            for input in black_box(&firms) {
                build(&mut firm, &fields, input);
                black_box(&firm);
            }
        });
}

/// … and deciding records built beforehand, reading the entries.
#[divan::bench]
fn api_decide_only(bencher: Bencher) {
    let policy = policy();
    let fields = Fields::of(&policy);
    let built: Vec<RecordBuilder<'_>> = inputs()
        .iter()
        .map(|input| {
            let mut firm = policy.schema().record("企业").unwrap();
            build(&mut firm, &fields, input);
            firm
        })
        .collect();
    let levels: Vec<_> = LEVELS.iter().map(|l| policy.level(l).unwrap()).collect();
    let mut buffer = Decision::default();
    bencher
        .counter(ItemsCount::new(FIRMS * LEVELS.len()))
        .bench_local(|| {
            for firm in black_box(&built) {
                decide_and_read(&policy, firm, &levels, &mut buffer, &mut consume);
            }
        });
}
