//! Embedding policyc: the shipped Beijing plan compiled from memory (its text built into the
//! program, its import served by a map loader), two firms built by field name, and their
//! decisions at every alert level.
//!
//!     cargo run --example embed

use policyc::{Decisions, EntryStatus, MapLoader, Policy, RecordBuilder, Subject};

const PLAN: &str = "beijing/manufacturing-2023.policy";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The plan imports "../national/grading-2020.policy": relative to its own name.
    let sources = MapLoader::new()
        .with(
            PLAN,
            include_str!("../policies/beijing/manufacturing-2023.policy"),
        )
        .with(
            "national/grading-2020.policy",
            include_str!("../policies/national/grading-2020.policy"),
        );
    let policy = match Policy::compile(PLAN, sources.get(PLAN).unwrap_or_default(), &sources) {
        Ok(policy) => policy,
        Err(diagnostics) => {
            eprint!("{diagnostics}");
            std::process::exit(1);
        }
    };
    println!("{}", policy.title().unwrap_or(PLAN));

    let schema = policy.schema();
    let mut cement = schema.record("企业")?;
    cement
        .set("统一社会信用代码", "911100006000393716")?
        .set("名称", "北京金隅水泥有限公司")?
        .set("行业", "水泥熟料")?
        .set("绩效等级", "B")?
        .set("涉气排放", true)?
        .set("应急减排清单", "黄色、橙色、红色")?;
    cement
        .item("非道路移动机械")?
        .set("编号", "JX-01")?
        .set("动力", "柴油")?;
    cement
        .item("非道路移动机械")?
        .set("编号", "JX-02")?
        .set("动力", "纯电动")?;

    let mut furniture = schema.record("企业")?;
    furniture
        .set("统一社会信用代码", "91110105MA01ABCD00")?
        .set("名称", "北京甲家具有限公司")?
        .set("行业", "家具制造")?
        .set("绩效等级", "C")?
        .set("涉气排放", true)?
        .set("应急减排清单", "橙色、红色")?
        .set("保障类别", "民生保障")?;

    let mut decisions = Decisions::default();
    for (name, firm) in [
        ("北京金隅水泥有限公司", &cement),
        ("北京甲家具有限公司", &furniture),
    ] {
        println!("\n{name}");
        print_decisions(&policy, firm, &mut decisions)?;
    }
    Ok(())
}

fn print_decisions(
    policy: &Policy,
    firm: &RecordBuilder<'_>,
    decisions: &mut Decisions,
) -> Result<(), Box<dyn std::error::Error>> {
    let all = policy.decide_all(firm, decisions)?;
    for decided in all.iter() {
        println!("{}:", decided.level_name());
        for entry in decided.entries() {
            let subject = match entry.subject() {
                Subject::Record => String::new(),
                Subject::Item {
                    entity, key, index, ..
                } => format!(
                    " [{entity} {}]",
                    key.map_or(index.to_string(), str::to_string)
                ),
            };
            let action = entry.action().map_or("-".to_string(), |a| a.to_string());
            let status = match entry.status() {
                EntryStatus::Applies => "applies".to_string(),
                EntryStatus::Excepted { citation, .. } => {
                    format!("excepted ({})", citation.unwrap_or("-"))
                }
                EntryStatus::Exempted { exemption, .. } => format!("exempted by {exemption}"),
                EntryStatus::NotEncoded { table, value } => {
                    format!("undetermined: {table} is not encoded for {value}")
                }
            };
            println!(
                "  {}{subject}: {action} — {status} — 依据 {}",
                entry.measure(),
                entry.citation().unwrap_or("-")
            );
        }
        if decided.effective_undetermined() {
            println!("  must do: undetermined, to be determined by hand");
        } else {
            println!("  must do: {}", decided.effective_action());
        }
    }
    Ok(())
}
