//! Compiled rule-set JSON → load and validate → evaluate an empty record of every entity at
//! every level. A rule set that loads must never make the evaluator panic.
#![no_main]

use policyc::eval::{Decision, Evaluator};
use policyc::ir::Record;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(rules) = policyc::ir::compiled::from_json(text) else {
        return;
    };
    let ev = Evaluator::new(&rules);
    let mut decision = Decision::default();
    let record = Record::default();
    for entity in (0..rules.entities.len()).filter_map(|e| rules.entity_id(e)) {
        for level in rules.level_ids() {
            let _ = ev.evaluate(entity, &record, level, &mut decision);
        }
    }
});
