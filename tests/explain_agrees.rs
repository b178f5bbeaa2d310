//! `--explain` and the decision agree: for every record of the generated firms (the generator
//! of `examples/gen_firms.rs`, seed 2023) at every level of the Beijing plan, each entry the
//! evaluator decides has an explanation with the same outcome, the same exception or
//! exemption, and table cells that make up the same action; every measure that decided no
//! entry has an explanation that says why, and the reason is true of the record.

// The generator's own unit tests come along with the module and run here too.
#[path = "../examples/gen_firms.rs"]
mod gen_firms;

use std::collections::HashMap;
use std::path::Path;

use policyc::data::source::Item;
use policyc::data::{open_inputs, DataSpec, InputOptions, LoadedRecord};
use policyc::eval::explain::{Explanation, LiftingKind, Outcome};
use policyc::eval::{eval_condition, Decision, Entry, Evaluator, Frames, Status};
use policyc::ir::{Action, Record, RuleSet, ValidRuleSet, Value};

/// Firms generated; with their machines and vehicles, every outcome occurs many times.
const FIRMS: u64 = 3_000;

fn rules() -> ValidRuleSet {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/beijing/manufacturing-2023.policy");
    let policy = policyc::Policy::compile_file(&path).expect("the shipped plan is readable");
    ValidRuleSet::clone(policy.expect("the shipped plan compiles").rules())
}

/// The generated firms, as JSON Lines with their machines and vehicles inline.
fn firms(rules: &RuleSet) -> Vec<LoadedRecord> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let paths =
        gen_firms::write(FIRMS, "jsonl", dir.path(), None, 2023).expect("generated firms written");
    let specs: Vec<DataSpec> = paths
        .iter()
        .map(|p| DataSpec {
            entity: None,
            path: p.to_str().expect("UTF-8 temporary path").to_string(),
        })
        .collect();
    let mut files = Vec::new();
    let mut source =
        open_inputs(rules, &specs, &InputOptions::default(), &mut files).expect("inputs open");
    let mut items = Vec::new();
    while source.next_batch(4096, &mut items).expect("inputs read") {}
    items
        .into_iter()
        .map(|i| match i {
            Item::Record(r) => r,
            other => panic!("generated firm not loaded: {other:?}"),
        })
        .collect()
}

/// The items of the list field a measure over items ranges over (none for a record measure,
/// or when the field holds no list).
fn items_of<'a>(rules: &RuleSet, measure: usize, record: &'a Record) -> &'a [Record] {
    match rules.measures[measure].item {
        Some(sub) => match record.get(sub.field) {
            Value::List(items) => items,
            _ => &[],
        },
        None => &[],
    }
}

/// The item an entry's conditions read besides the record, for a measure over items.
fn item_record<'a>(
    rules: &RuleSet,
    measure: usize,
    item: Option<u32>,
    record: &'a Record,
) -> Option<&'a Record> {
    item.map(|i| &items_of(rules, measure, record)[i as usize])
}

/// How often each outcome was seen, so the test knows the data exercised them all.
#[derive(Default, Debug)]
struct Seen {
    applies: usize,
    excepted: usize,
    exempted: usize,
    from_default: usize,
    not_in_force: usize,
    condition_false: usize,
    no_items: usize,
    not_encoded: usize,
}

/// Checks the explanation of one decided entry against it.
fn check_entry(
    rules: &RuleSet,
    rec: &LoadedRecord,
    level: usize,
    e: &Entry,
    ex: &Explanation,
    seen: &mut Seen,
) {
    let at = format!(
        "{} {} at {}: {}",
        rec.key, e.measure, rules.levels[level].name, rules.measures[e.measure as usize].name
    );
    let mi = e.measure as usize;
    let m = &rules.measures[mi];
    assert_eq!((ex.measure, ex.item), (mi, e.item), "{at}");
    assert_eq!(ex.outcome, Outcome::from(e.status), "{at}");
    // The lifting that held is the one the decision names, and only that one.
    let held: Vec<(LiftingKind, usize)> = ex
        .liftings
        .iter()
        .filter(|l| l.held)
        .map(|l| (l.kind, l.index))
        .collect();
    let expected: Vec<(LiftingKind, usize)> = match e.status {
        Status::Applies => vec![],
        Status::ExceptedBy(x) => vec![(LiftingKind::Exception, x as usize)],
        Status::ExemptedBy(x) => vec![(LiftingKind::Exemption, x as usize)],
        Status::NotEncoded { .. } => vec![],
    };
    assert_eq!(held, expected, "{at}");
    // Every exception and exemption of the measure is listed, in order.
    let listed: Vec<(LiftingKind, usize)> = ex.liftings.iter().map(|l| (l.kind, l.index)).collect();
    let all: Vec<(LiftingKind, usize)> = (0..m.exceptions.len())
        .map(|i| (LiftingKind::Exception, i))
        .chain(m.lifted_by.iter().map(|&x| (LiftingKind::Exemption, x)))
        .collect();
    assert_eq!(listed, all, "{at}");
    match e.status {
        Status::Applies => seen.applies += 1,
        Status::ExceptedBy(_) => seen.excepted += 1,
        Status::ExemptedBy(_) => seen.exempted += 1,
        Status::NotEncoded { table, variant } => {
            // The cell of the first not-encoded lookup says so, and the entry has no action.
            let c = ex
                .cells
                .iter()
                .find(|c| c.not_encoded)
                .expect("a not-encoded cell");
            assert_eq!(c.table, rules.tables[table as usize].name, "{at}");
            assert!(c.action.is_none(), "{at}");
            assert_eq!(e.action, None, "{at}");
            let _ = variant;
            seen.not_encoded += 1;
        }
    }
    // The cells shown make up the decided action with the plan's fixed terms.
    let plan = m.actions.get(level).and_then(Option::as_ref);
    assert_eq!(
        ex.cells.len(),
        plan.map_or(0, |p| p.lookups.len()),
        "{at}: one cell per lookup"
    );
    let shown: Option<Action> = plan.and_then(|p| {
        ex.cells
            .iter()
            .try_fold(p.fixed, |a, c| c.action.map(|cell| a.combine(cell)))
    });
    assert_eq!(shown, e.action, "{at}");
    seen.from_default += ex.cells.iter().filter(|c| c.from_default).count();
}

/// Checks the explanation of a measure that decided no entry: it says why, truly.
fn check_no_entry(
    rules: &RuleSet,
    rec: &LoadedRecord,
    level: usize,
    ex: &Explanation,
    seen: &mut Seen,
) {
    let m = &rules.measures[ex.measure];
    let at = format!(
        "{} {} at {}: {}",
        rec.key, ex.measure, rules.levels[level].name, m.name
    );
    let in_force = m.levels & (1u64 << level) != 0;
    match ex.outcome {
        Outcome::NotInForce => {
            assert!(!in_force, "{at}: said not in force");
            assert_eq!(ex.item, None, "{at}");
            seen.not_in_force += 1;
        }
        Outcome::NoItems => {
            assert!(in_force, "{at}");
            assert!(m.item.is_some(), "{at}: not a measure over items");
            assert!(
                items_of(rules, ex.measure, &rec.record).is_empty(),
                "{at}: said no items"
            );
            seen.no_items += 1;
        }
        Outcome::ConditionFalse => {
            assert!(in_force, "{at}");
            let c = m.condition.as_ref().expect("a condition that is false");
            let root = Frames::root(&rec.record);
            let f = match item_record(rules, ex.measure, ex.item, &rec.record) {
                Some(item) => root.push(item),
                None => root,
            };
            assert!(
                !eval_condition(rules, c, f, level),
                "{at}: the condition holds"
            );
            assert!(!ex.values.is_empty(), "{at}: no values shown");
            assert!(ex.cells.is_empty() && ex.liftings.is_empty(), "{at}");
            seen.condition_false += 1;
        }
        Outcome::Applies | Outcome::Exempt | Outcome::NotEncoded => {
            panic!("{at}: explained as {:?} but decided no entry", ex.outcome)
        }
    }
}

#[test]
fn every_explained_outcome_is_the_decided_one() {
    let valid = rules();
    let rules: &RuleSet = &valid;
    let mut records = firms(rules);
    assert_eq!(records.len(), FIRMS as usize);
    // The generator writes industries with a grid; every 7th firm is made a 钢铁 firm, an
    // industry the national table declares not encoded.
    let firm = rules.entity_index("企业").expect("the plan's firms");
    let industry = rules.entities[firm]
        .fields
        .iter()
        .position(|f| f.name == "行业")
        .expect("the firm's industry");
    let steel = rules
        .enums
        .iter()
        .find_map(|e| e.variant_index("钢铁"))
        .expect("钢铁 is an industry of the national file");
    for rec in records.iter_mut().step_by(7) {
        if rec.entity == firm {
            rec.record.values[industry] = Value::Enum(steel);
        }
    }
    let ev = Evaluator::new(&valid);
    let mut d = Decision::default();
    let mut seen = Seen::default();
    for rec in &records {
        let entity = valid.entity_id(rec.entity).expect("an entity of the plan");
        for level in valid.level_ids() {
            let l = level.index();
            let explained = ev.explain(entity, &rec.record, level);
            assert_eq!(explained, ev.explain_record(rec, l));
            let at = format!("{} at {}", rec.key, rules.levels[l].name);
            if let Err(err) = ev.evaluate(entity, &rec.record, level, &mut d) {
                panic!("{at}: generated firms evaluate without error: {err:?}");
            }
            // The explanations are the entries, in order, with the measures that decided
            // none among them: one per measure of the entity, or per item.
            let mut entries = d.entries.iter();
            let mut measures = Vec::new();
            for ex in &explained {
                if measures.last() != Some(&ex.measure) {
                    measures.push(ex.measure);
                }
                match ex.outcome {
                    Outcome::Applies | Outcome::Exempt | Outcome::NotEncoded => {
                        let e = entries
                            .next()
                            .unwrap_or_else(|| panic!("{at}: explained {ex:?}, decided nothing"));
                        check_entry(rules, rec, l, e, ex, &mut seen);
                    }
                    _ => check_no_entry(rules, rec, l, ex, &mut seen),
                }
            }
            assert_eq!(
                entries.next(),
                None,
                "{at}: an entry without an explanation"
            );
            let of_entity: Vec<usize> = (0..rules.measures.len())
                .filter(|&mi| rules.measures[mi].entity == rec.entity)
                .collect();
            assert_eq!(
                measures, of_entity,
                "{at}: every measure explained once, in order"
            );
            // A measure over items explains each item, or says there are none.
            let mut per_measure: HashMap<usize, Vec<Option<u32>>> = HashMap::new();
            for ex in &explained {
                per_measure.entry(ex.measure).or_default().push(ex.item);
            }
            for (mi, items) in per_measure {
                let n = items_of(rules, mi, &rec.record).len();
                let in_force = rules.measures[mi].levels & (1u64 << l) != 0;
                let expected: Vec<Option<u32>> =
                    if rules.measures[mi].item.is_some() && in_force && n > 0 {
                        (0..n as u32).map(Some).collect()
                    } else {
                        vec![None]
                    };
                assert_eq!(items, expected, "{at}: measure {mi}");
            }
        }
    }
    // The data exercised every outcome, so each assertion above was put to the test.
    let counts = [
        seen.applies,
        seen.excepted,
        seen.exempted,
        seen.not_in_force,
        seen.condition_false,
        seen.no_items,
        seen.not_encoded,
    ];
    assert!(counts.iter().all(|&n| n > 0), "{seen:?}");
    eprintln!("{seen:?}");
}
