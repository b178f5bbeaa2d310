//! The library's public API, as an embedding program uses it: compile from memory through an
//! import loader, build records by field name, decide, read entries by name.

use std::sync::Arc;

use policyc::{
    Decision, Decisions, DiskLoader, EntryStatus, ErrorKind, ImportRoot, Lang, MapLoader, Policy,
    RecordBuilder, Subject,
};

const BEIJING: &str = "policies/beijing/manufacturing-2023.policy";
const NATIONAL: &str = "policies/national/grading-2020.policy";

/// The shipped Beijing plan and the national tables it imports, held in memory under the
/// names they have on disk.
fn beijing_sources() -> MapLoader {
    MapLoader::new()
        .with(BEIJING, std::fs::read_to_string(BEIJING).unwrap())
        .with(NATIONAL, std::fs::read_to_string(NATIONAL).unwrap())
}

fn beijing() -> Policy {
    let loader = beijing_sources();
    Policy::compile(BEIJING, loader.get(BEIJING).unwrap(), &loader)
        .unwrap_or_else(|d| panic!("the shipped plan compiles:\n{d}"))
}

/// A valid credit code with the body `body` (17 characters).
fn credit_code(body: &str) -> String {
    let check = policyc::data::credit_code::check_char(body).expect("a valid body");
    format!("{body}{check}")
}

/// A cement firm on the orange and red lists with one diesel and one electric machine.
fn cement_firm<'p>(policy: &'p Policy, grade: &str, guarantee: Option<&str>) -> RecordBuilder<'p> {
    let mut firm = policy.schema().record("企业").unwrap();
    fill_cement_firm(&mut firm, grade, guarantee);
    firm
}

fn fill_cement_firm(firm: &mut RecordBuilder<'_>, grade: &str, guarantee: Option<&str>) {
    firm.set("统一社会信用代码", &credit_code("91110105MA01ABCD0"))
        .unwrap()
        .set("名称", "北京甲水泥有限公司")
        .unwrap()
        .set("行业", "水泥熟料")
        .unwrap()
        .set("绩效等级", grade)
        .unwrap()
        .set("涉气排放", true)
        .unwrap()
        .set("应急减排清单", "橙色、红色")
        .unwrap();
    if let Some(g) = guarantee {
        firm.set("保障类别", g).unwrap();
    }
    firm.item("非道路移动机械")
        .unwrap()
        .set("编号", "JX-1")
        .unwrap()
        .set("动力", "柴油")
        .unwrap();
    firm.item("非道路移动机械")
        .unwrap()
        .set("编号", "JX-2")
        .unwrap()
        .set("动力", "纯电动")
        .unwrap();
}

/// Every entry of a decision as plain text: measure, status, subject, citation, action.
fn describe(policy: &Policy, firm: &RecordBuilder<'_>, level: &str) -> Vec<String> {
    let mut buffer = Decision::default();
    let level = policy.level(level).unwrap();
    let decided = policy.decide(firm, level, &mut buffer).unwrap();
    decided
        .entries()
        .map(|e| {
            format!(
                "{} | {:?} | {:?} | {} | {}",
                e.measure(),
                e.status(),
                e.subject(),
                e.citation().unwrap_or("-"),
                e.action().map_or("-".to_string(), |a| a.to_string())
            )
        })
        .collect()
}

#[test]
fn a_policy_compiles_from_memory_with_its_imports() {
    let loader = MapLoader::new()
        .with("shared/levels.policy", "预警级别 { 黄色 < 橙色 }")
        .with(
            "plan/main.policy",
            "导入 \"../shared/levels.policy\"\n实体 企业 键 名称 { 名称: 文本 }\n措施 停工 强制性 自 橙色 { 对象 企业  要求 停产  依据 \"三\" }",
        );
    let policy = Policy::compile(
        "plan/main.policy",
        loader.get("plan/main.policy").unwrap(),
        &loader,
    )
    .unwrap();
    assert!(policy.warnings().is_empty(), "{}", policy.warnings());
    assert_eq!(
        policy
            .levels()
            .map(|l| policy.schema().level_name(l))
            .collect::<Vec<_>>(),
        ["黄色", "橙色"],
        "the levels come from the import"
    );
    // Nothing of the disk is read: the same names on disk do not exist.
    assert!(!std::path::Path::new("shared/levels.policy").exists());
}

#[test]
fn imports_a_map_loader_cannot_give_are_diagnostics() {
    let loader = MapLoader::new()
        .with("a/secret.policy", "枚举 秘密 { x }")
        .with("a/b/main.policy", "");
    for (import, code) in [
        ("missing.policy", "E0103"),
        ("../../../outside.policy", "E0108"),
        ("/etc/passwd", "E0107"),
    ] {
        let text = format!("导入 \"{import}\"\n枚举 甲 {{ x }}");
        let d = Policy::compile("a/b/main.policy", &text, &loader).unwrap_err();
        assert!(d.has_errors());
        assert_eq!(d.codes().collect::<Vec<_>>(), [code], "{import}");
        let shown = d.to_string();
        assert!(shown.contains(code) && shown.contains(import), "{shown}");
    }
    // Inside the names, `..` is followed.
    let text = "导入 \"../secret.policy\"\n枚举 甲 { x }";
    let policy = Policy::compile("a/b/main.policy", text, &loader).unwrap();
    assert!(policy.warnings().codes().all(|c| !c.starts_with("E")));
}

#[test]
fn diagnostics_render_with_excerpts() {
    let loader = MapLoader::new();
    let d = Policy::compile("bad.policy", "实体 企业 键 名称 { 名称: 文字 }", &loader).unwrap_err();
    assert!(d.has_errors());
    let mut out = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    d.render(&mut out).unwrap();
    let text = String::from_utf8(out.into_inner()).unwrap();
    assert_eq!(text, d.to_string());
    assert!(text.contains("bad.policy:1:"), "{text}");
    assert!(text.contains("文字"), "the excerpt shows the line: {text}");
}

#[test]
fn compiling_from_memory_and_from_disk_give_the_same_rule_set() {
    let from_memory = beijing();
    let from_disk = Policy::compile_file(std::path::Path::new(BEIJING))
        .unwrap()
        .unwrap();
    assert_eq!(**from_memory.rules(), **from_disk.rules());
    let root = ImportRoot::new(std::path::Path::new("policies")).unwrap();
    let disk = DiskLoader::new(root);
    let text = std::fs::read_to_string(BEIJING).unwrap();
    let rooted = Policy::compile(
        &std::path::Path::new("policies/beijing/manufacturing-2023.policy")
            .canonicalize()
            .unwrap()
            .display()
            .to_string(),
        &text,
        &disk,
    )
    .unwrap();
    assert_eq!(**rooted.rules(), **from_disk.rules());
}

#[test]
fn records_are_built_by_field_name_and_decided() {
    let policy = beijing();
    let firm = cement_firm(&policy, "B", None);
    firm.check().unwrap();
    // Not on the yellow list: only the advisory for firms with emissions, citing the
    // yellow clause (the plan cites per level).
    assert_eq!(
        describe(&policy, &firm, "黄色"),
        ["减少溶剂型原辅材料 | Applies | Record | 三、(一)1 | 自主减排"]
    );
    assert_eq!(
        describe(&policy, &firm, "红色")[0],
        "减少溶剂型原辅材料 | Applies | Record | 三、(三)1 | 自主减排"
    );
    let orange = describe(&policy, &firm, "orange");
    assert_eq!(
        orange[3], "差异化减排 | Applies | Record | 三、(二)2 | 限产 20% + 禁止 国四重卡禁运",
        "the cement table's B row at orange"
    );
    assert_eq!(
        orange[4],
        "停用燃油非道路移动机械 | Applies | Item { list: \"非道路移动机械\", entity: \"机械\", index: 0, key: Some(\"JX-1\") } | 三、(二)2 | 停用"
    );
    assert_eq!(
        orange[5],
        "停用燃油非道路移动机械 | Excepted { exception: 0, citation: Some(\"三、(二)2；三、(三)2（纯电动、氢燃料电池机械除外）\") } | Item { list: \"非道路移动机械\", entity: \"机械\", index: 1, key: Some(\"JX-2\") } | 三、(二)2 | 停用",
        "the electric machine is excepted, with the exception's citation"
    );
    assert_eq!(orange.len(), 6);
    let red = describe(&policy, &firm, "红色");
    assert!(
        red.contains(
            &"差异化减排 | Applies | Record | 三、(三)2 | 停产 + 禁止 国四重卡禁运".to_string()
        ),
        "{red:#?}"
    );
}

#[test]
fn a_guarantee_firm_is_exempted_by_name() {
    let policy = beijing();
    let firm = cement_firm(&policy, "D", Some("民生保障类"));
    assert_eq!(
        describe(&policy, &firm, "黄色").len(),
        1,
        "on no yellow list"
    );
    let mut buffer = Decision::default();
    let decided = policy
        .decide(&firm, policy.level("红色").unwrap(), &mut buffer)
        .unwrap();
    assert_eq!(decided.level_name(), "红色");
    let entry = decided
        .entries()
        .find(|e| e.measure() == "差异化减排")
        .unwrap();
    assert_eq!(
        entry.status(),
        EntryStatus::Exempted {
            exemption: "保障类企业",
            citation: Some("三、(一)2、(二)2、(三)2“在保障城市正常运行的前提下”；四、(二)"),
        }
    );
    assert!(!entry.status().applies());
    assert_eq!(entry.subject(), Subject::Record);
    assert!(entry.mandatory());
    // What it would have required is still shown.
    assert_eq!(
        entry.action().unwrap().to_string(),
        "停产 + 禁止 国四重卡禁运 + 禁止 禁止公路运输"
    );
    let mut text = Vec::new();
    entry.write_action(&mut text);
    assert_eq!(
        String::from_utf8(text).unwrap(),
        "停产 + 禁止 国四重卡禁运 + 禁止 禁止公路运输"
    );
    assert!(entry.wording().unwrap().contains("红色预警"));
    assert!(entry.to_string().contains("由“保障类企业”豁免"), "{entry}");
    // The lifted measure does not count in what the firm itself must do (the machines'
    // measure concerns its items).
    assert_eq!(decided.effective_action().to_string(), "-");
}

#[test]
fn the_api_decides_as_the_data_loaders_do() {
    let policy = beijing();
    let firm = cement_firm(&policy, "C", None);
    let json = format!(
        r#"{{"企业": [{{"统一社会信用代码": "{}", "名称": "北京甲水泥有限公司", "行业": "水泥熟料", "绩效等级": "C", "涉气排放": true, "应急减排清单": ["橙色", "红色"], "非道路移动机械": [{{"编号": "JX-1", "动力": "柴油"}}, {{"编号": "JX-2", "动力": "纯电动"}}]}}]}}"#,
        credit_code("91110105MA01ABCD0")
    );
    let rules = policy.rules();
    use policyc::data::source::RecordSource;
    let mut source = policyc::data::json::load(rules, "firms.json", 0, &json).unwrap();
    let mut items = Vec::new();
    while source.next_batch(100, &mut items).unwrap() {}
    let policyc::data::source::Item::Record(loaded) = &items[0] else {
        panic!("the record loads: {:?}", items[0]);
    };
    let evaluator = policyc::eval::Evaluator::new(rules);
    let mut all = Decisions::default();
    let decided = policy.decide_all(&firm, &mut all).unwrap();
    assert_eq!(decided.iter().count(), 3);
    for (level, by_api) in rules.level_ids().zip(decided.iter()) {
        let mut d = policyc::eval::Decision::default();
        let entity = rules.entity_id(loaded.entity).unwrap();
        evaluator
            .evaluate(entity, &loaded.record, level, &mut d)
            .unwrap();
        let loaded_entries: Vec<(String, Option<String>)> = d
            .entries
            .iter()
            .map(|e| {
                (
                    rules.measures[e.measure as usize].name.clone(),
                    e.action
                        .map(|a| policyc::report::decisions::action_text(rules, a)),
                )
            })
            .collect();
        let api_entries: Vec<(String, Option<String>)> = by_api
            .entries()
            .map(|e| (e.measure().to_string(), e.action().map(|a| a.to_string())))
            .collect();
        assert_eq!(api_entries, loaded_entries, "level {}", by_api.level_name());
        assert!(!api_entries.is_empty());
    }
}

#[test]
fn errors_are_typed_and_read_in_both_languages() {
    let policy = beijing();
    let schema = policy.schema();
    let e = schema.record("公司").err().unwrap();
    assert!(matches!(e.kind(), ErrorKind::UnknownEntity { entity } if entity == "公司"));
    assert_eq!(
        e.to_string(),
        "政策中没有名为“公司”的实体",
        "the policy's language"
    );
    assert_eq!(e.message(Lang::En), "the policy has no entity named `公司`");

    let mut firm = schema.record("企业").unwrap();
    let e = firm.set("行政区", "朝阳区").err().unwrap();
    assert!(
        matches!(e.kind(), ErrorKind::UnknownField { entity, field } if entity == "企业" && field == "行政区")
    );
    assert_eq!(e.message(Lang::En), "entity `企业` has no field `行政区`");
    assert_eq!(e.message(Lang::Zh), "实体“企业”没有字段“行政区”");

    let e = firm.set("行业", "建材").err().unwrap();
    assert!(matches!(e.kind(), ErrorKind::NotAVariant { value, .. } if value == "建材"));
    assert!(
        e.message(Lang::En).starts_with(
            "`建材` is not a value of field `行业`; it takes one of: 水泥熟料, 家具制造"
        ),
        "{}",
        e.message(Lang::En)
    );
    assert!(
        e.to_string().starts_with("“建材”不是字段“行业”的取值"),
        "{e}"
    );

    let e = firm.set("名称", 12).err().unwrap();
    assert!(matches!(e.kind(), ErrorKind::WrongType { field, .. } if field == "名称"));
    assert_eq!(
        e.message(Lang::En),
        "field `名称` does not take this kind of value: expected text"
    );
    let e = firm.set("涉气排放", 1.5).err().unwrap();
    assert!(matches!(e.kind(), ErrorKind::WrongType { .. }));

    let e = firm
        .set("统一社会信用代码", "91110105MA01ABCD0X")
        .err()
        .unwrap();
    assert!(matches!(e.kind(), ErrorKind::InvalidValue { .. }), "{e:?}");
    // A firm's own measure is text, read as an action (prose is kept), never a number.
    assert!(firm.set("一厂一策措施", "限产 30%").is_ok());
    assert!(firm.set("一厂一策措施", "错峰生产").is_ok());
    let e = firm.set("一厂一策措施", 30).err().unwrap();
    assert!(matches!(e.kind(), ErrorKind::WrongType { .. }), "{e:?}");
    let e = firm.set("非道路移动机械", "JX-1").err().unwrap();
    assert!(matches!(e.kind(), ErrorKind::WrongType { .. }), "{e:?}");
    let e = firm.item("行业").err().unwrap();
    assert!(matches!(e.kind(), ErrorKind::NotAList { .. }), "{e:?}");
    assert_eq!(
        e.message(Lang::En),
        "field `行业` is not a list: no items can be added to it"
    );
    let e = firm
        .item("非道路移动机械")
        .unwrap()
        .set("动力", "核能")
        .err()
        .unwrap();
    assert!(matches!(e.kind(), ErrorKind::NotAVariant { .. }));

    // Required fields are checked before deciding.
    let mut buffer = Decision::default();
    let e = policy
        .decide(&firm, policy.level("橙色").unwrap(), &mut buffer)
        .err()
        .unwrap();
    assert!(
        matches!(e.kind(), policyc::DecideErrorKind::Record(_)),
        "{e:?}"
    );
    assert!(e.to_string().contains("必填字段"), "{e}");
}

#[test]
fn handles_resolve_once_and_belong_to_their_entity() {
    let policy = beijing();
    let schema = policy.schema();
    let industry = schema.field("企业", "行业").unwrap();
    let grade = schema.field("企业", "绩效等级").unwrap();
    let lists = schema.field("企业", "应急减排清单").unwrap();
    let power = schema.field("机械", "动力").unwrap();
    let cement = schema.variant(industry, "水泥熟料").unwrap();
    let b = schema.variant(grade, "B级").unwrap();
    let orange = policy.level("橙色").unwrap();
    let red = policy.level("红色").unwrap();
    assert!(schema.variant(industry, "建材").is_err());
    assert_ne!(
        schema.variant(industry, "水泥").unwrap(),
        cement,
        "水泥 is its own value (not encoded), not a spelling of 水泥熟料"
    );
    assert!(schema
        .variant(schema.field("企业", "名称").unwrap(), "x")
        .is_err());
    // A variant of one enum is not a value of another.
    assert!(schema.variant(power, "柴油").is_ok());
    let mut by_handle = cement_firm(&policy, "A", None);
    by_handle
        .set(industry, cement)
        .unwrap()
        .set(grade, b)
        .unwrap()
        .set(lists, &[orange.into(), red.into()][..])
        .unwrap();
    assert!(
        by_handle.set(grade, cement).is_err(),
        "a variant of 行业 in 绩效等级"
    );
    let e = by_handle.set(power, "柴油").err().unwrap();
    assert!(matches!(e.kind(), ErrorKind::ForeignField { .. }), "{e:?}");
    let by_name = cement_firm(&policy, "B", None);
    for level in ["黄色", "橙色", "红色"] {
        assert_eq!(
            describe(&policy, &by_handle, level),
            describe(&policy, &by_name, level)
        );
    }
}

#[test]
fn a_builder_is_reused_across_records() {
    let policy = beijing();
    let mut reused = policy.schema().record("企业").unwrap();
    for (grade, guarantee) in [
        ("B", None),
        ("D", Some("城市运行保障")),
        ("A", None),
        ("B", None),
    ] {
        reused.clear();
        fill_cement_firm(&mut reused, grade, guarantee);
        let fresh = cement_firm(&policy, grade, guarantee);
        for level in ["黄色", "橙色", "红色"] {
            assert_eq!(
                describe(&policy, &reused, level),
                describe(&policy, &fresh, level),
                "{grade} {guarantee:?} {level}"
            );
        }
    }
    // Cleared, it has no items and no values.
    reused.clear();
    assert!(reused.check().is_err());
}

#[test]
fn a_record_of_another_policy_is_refused() {
    let one = beijing();
    let other = beijing();
    let firm = cement_firm(&one, "B", None);
    let mut buffer = Decision::default();
    let e = other
        .decide(&firm, other.level("橙色").unwrap(), &mut buffer)
        .err()
        .unwrap();
    assert!(matches!(e.kind(), policyc::DecideErrorKind::ForeignRecord));
    // A clone shares the rule set: the record is its own.
    let shared = one.clone();
    assert!(shared
        .decide(&firm, shared.level("橙色").unwrap(), &mut buffer)
        .is_ok());
}

#[test]
fn evaluators_own_or_share_their_rule_set_across_threads() {
    let policy = beijing();
    let expected: Vec<Vec<String>> = ["B", "C", "D"]
        .iter()
        .map(|g| describe(&policy, &cement_firm(&policy, g, None), "橙色"))
        .collect();
    // Shared by reference, in scoped threads.
    std::thread::scope(|s| {
        for (g, want) in ["B", "C", "D"].iter().zip(&expected) {
            let policy = &policy;
            s.spawn(move || {
                let firm = cement_firm(policy, g, None);
                assert_eq!(&describe(policy, &firm, "橙色"), want);
            });
        }
    });
    // Shared through the Arc, in threads that outlive this frame's borrows.
    let rules = Arc::clone(policy.rules());
    let handles: Vec<_> = ["B", "C", "D"]
        .into_iter()
        .zip(expected.clone())
        .map(|(g, want)| {
            let policy = Policy::shared(Arc::clone(&rules));
            std::thread::spawn(move || {
                let firm = cement_firm(&policy, g, None);
                assert_eq!(describe(&policy, &firm, "橙色"), want);
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(Arc::strong_count(&rules) >= 2, "the policy still shares it");
    // Owned: a rule set moved into its own policy, on another thread.
    let owned = Policy::new((**policy.rules()).clone());
    let want = expected[0].clone();
    std::thread::spawn(move || {
        let firm = cement_firm(&owned, "B", None);
        assert_eq!(describe(&owned, &firm, "橙色"), want);
    })
    .join()
    .unwrap();
}

#[test]
fn a_missing_table_cell_is_an_error_of_the_decision() {
    let path = "tests/data/incomplete-table.policy";
    let policy = Policy::compile_file(std::path::Path::new(path))
        .unwrap()
        .unwrap();
    assert_eq!(
        policy.warnings().codes().collect::<Vec<_>>(),
        ["W0301"],
        "the gap is a warning"
    );
    let mut firm = policy.schema().record("企业").unwrap();
    firm.set("统一社会信用代码", &credit_code("91110105MA01ABCD0"))
        .unwrap()
        .set("名称", "钢厂")
        .unwrap()
        .set("所在区", "朝阳区")
        .unwrap()
        .set("行业", "钢铁")
        .unwrap()
        .set("绩效等级", "B")
        .unwrap()
        .set("涉气排放", true)
        .unwrap()
        .set("应急减排清单", "黄色")
        .unwrap()
        .set("涉密", false)
        .unwrap();
    let mut buffer = Decision::default();
    let e = policy
        .clone()
        .with_lang(Lang::En)
        .decide(&firm, policy.level("yellow").unwrap(), &mut buffer)
        .err()
        .unwrap();
    assert!(matches!(e.kind(), policyc::DecideErrorKind::Lookup));
    assert!(e.to_string().contains("绩效分级减排"), "{e}");
    // Off the list at orange: nothing is looked up.
    let decided = policy
        .decide(&firm, policy.level("orange").unwrap(), &mut buffer)
        .unwrap();
    assert!(decided.is_empty());
}

#[test]
fn required_fields_are_counted_as_they_are_set() {
    let policy = beijing();
    let mut firm = cement_firm(&policy, "B", None);
    firm.check().unwrap();
    // Unsetting an optional field keeps it complete; a required one does not.
    firm.set("保障类别", None::<&str>).unwrap();
    firm.check().unwrap();
    firm.set("行业", None::<&str>).unwrap();
    let e = firm.check().unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::MissingField { field, .. } if field == "行业"),
        "{e:?}"
    );
    firm.set("行业", "家具制造").unwrap();
    firm.check().unwrap();
    // A machine without its power: the item's field is named.
    firm.item("非道路移动机械")
        .unwrap()
        .set("编号", "JX-3")
        .unwrap();
    let e = firm.check().unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::MissingField { entity, field } if entity == "机械" && field == "动力"),
        "{e:?}"
    );
    assert_eq!(
        e.message(Lang::En),
        "the required field `动力` of entity `机械` has no value"
    );
    // Cleared and refilled, it is complete again.
    firm.clear();
    fill_cement_firm(&mut firm, "B", None);
    firm.check().unwrap();
    assert!(
        firm.set("非道路移动机械", None::<&str>).is_err(),
        "items are dropped by clear only"
    );
}

/// `号牌尾号: 整数 范围 0 至 9`: a value outside the range is refused by the builder as by
/// the data loaders, whether given as a number or as text; both ends are in it.
#[test]
fn a_value_outside_a_field_range_is_refused() {
    let text = "预警级别 { 黄色 < 红色 }
实体 车辆 键 号牌 { 号牌: 文本  号牌尾号: 整数 范围 0 至 9 }
措施 限行 强制性 红色 { 对象 车辆 当 号牌尾号 属于 {1, 3} 要求 停用 依据 \"示例\" }";
    let loader = MapLoader::new().with("r.policy", text.to_string());
    let policy = Policy::compile("r.policy", text, &loader).unwrap();
    let mut car = policy.schema().record("车辆").unwrap();
    car.set("号牌", "京A1").unwrap();
    for ok in [0i64, 9] {
        car.set("号牌尾号", ok).unwrap();
    }
    for (bad, shown) in [
        (FieldValueOf::Int(10), "10"),
        (FieldValueOf::Text("-1"), "-1"),
    ] {
        let e = match bad {
            FieldValueOf::Int(n) => car.set("号牌尾号", n),
            FieldValueOf::Text(t) => car.set("号牌尾号", t),
        }
        .err()
        .unwrap();
        assert!(
            matches!(e.kind(), ErrorKind::InvalidValue { field, .. } if field == "号牌尾号"),
            "{e}"
        );
        assert_eq!(
            e.message(Lang::Zh)
                .matches(&format!(
                    "字段“号牌尾号”的值 {shown} 不在 0 至 9 之间（含两端）"
                ))
                .count(),
            1,
            "{}",
            e.message(Lang::Zh)
        );
        assert!(e
            .message(Lang::En)
            .contains("outside 0 to 9 (both ends included)"));
    }
}

enum FieldValueOf {
    Int(i64),
    Text(&'static str),
}
