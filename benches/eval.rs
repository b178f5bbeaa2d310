//! Evaluation alone, in process: firm-level decisions on the Beijing plan.
//!
//! `cargo bench --bench eval` — divan reports the time per batch of decisions and, through
//! the item counter, the throughput; per-decision time = time / (firms × levels). The
//! allocation profiler's counts show the decisions allocate nothing (the decision buffer is
//! reused).

use std::path::Path;

use divan::counter::ItemsCount;
use divan::Bencher;
use policyc::data::source::{Item, RecordSource};
use policyc::data::LoadedRecord;
use policyc::eval::{Decision, Evaluator};
use policyc::ir::{EntityId, LevelId, ValidRuleSet};

/// Counts allocations, so the report shows that deciding allocates nothing per record.
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

fn rules() -> ValidRuleSet {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/beijing/manufacturing-2023.policy");
    let policy = policyc::Policy::compile_file(&path).expect("the shipped plan is readable");
    ValidRuleSet::clone(policy.expect("the shipped plan compiles").rules())
}

/// Synthetic firms covering every industry, grade, list combination and machine type.
fn firms(rules: &ValidRuleSet, n: usize) -> Vec<LoadedRecord> {
    let enum_values = |name: &str| -> Vec<String> {
        rules
            .enums
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.variants.clone())
            .unwrap_or_default()
    };
    let industries = enum_values("行业类别");
    let grades = enum_values("绩效等级");
    let powers = enum_values("动力类型");
    let guarantees = enum_values("保障类别");
    let lists: [&[&str]; 4] = [&["黄色", "橙色", "红色"], &["橙色", "红色"], &["红色"], &[]];
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as usize
    };
    let mut records = Vec::with_capacity(n);
    for i in 0..n {
        let machines: Vec<serde_json::Value> = (0..next(5))
            .map(|k| serde_json::json!({ "编号": format!("M{i}-{k}"), "动力": powers[next(powers.len())] }))
            .collect();
        let guarantee = if next(10) == 0 {
            serde_json::json!(guarantees[next(guarantees.len())])
        } else {
            serde_json::Value::Null
        };
        records.push(serde_json::json!({
            "统一社会信用代码": "91310110666007217T",
            "名称": format!("企业{i}"),
            "所在区": "朝阳区",
            "行业": industries[next(industries.len())],
            "绩效等级": grades[next(grades.len())],
            "涉气排放": next(4) != 0,
            "应急减排清单": lists[next(lists.len())],
            "保障类别": guarantee,
            "涉密": false,
            "非道路移动机械": machines,
        }));
    }
    let doc = serde_json::json!({ "企业": records }).to_string();
    let mut source =
        policyc::data::json::load(rules, "bench", 0, &doc).expect("generated data is valid JSON");
    let mut items = Vec::new();
    while source
        .next_batch(usize::MAX, &mut items)
        .expect("in memory")
    {}
    items
        .into_iter()
        .map(|i| match i {
            Item::Record(r) => r,
            Item::Error(e) => panic!("generated firm rejected: {e:?}"),
            Item::Skipped(_) => panic!("generated firm skipped"),
        })
        .collect()
}

const FIRMS: usize = 10_000;

#[divan::bench]
fn decisions_all_levels(bencher: Bencher) {
    let rules = rules();
    let records = firms(&rules, FIRMS);
    let ev = Evaluator::new(&rules);
    let levels: Vec<LevelId> = rules.level_ids().collect();
    let entities: Vec<EntityId> = records
        .iter()
        .map(|r| rules.entity_id(r.entity).expect("an entity of the plan"))
        .collect();
    let mut decision = Decision::default();
    bencher
        .counter(ItemsCount::new(records.len() * levels.len()))
        .bench_local(|| {
            let mut failed = 0usize;
            for (r, &entity) in records.iter().zip(&entities) {
                for &level in &levels {
                    if ev
                        .evaluate(entity, &r.record, level, &mut decision)
                        .is_err()
                    {
                        failed += 1;
                    }
                }
            }
            divan::black_box(failed)
        });
}
