//! What the data fuzz targets share: the Beijing rule set, compiled once, and one pass of a
//! data file through loading and evaluation at every level.

use std::io::Write;
use std::sync::OnceLock;

use policyc::data::{self, DataSpec, InputOptions};
use policyc::eval::{Decision, Evaluator};
use policyc::ir::ValidRuleSet;

/// The shipped Beijing plan, compiled once per process.
pub fn beijing() -> &'static ValidRuleSet {
    static RULES: OnceLock<ValidRuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../policies/beijing/manufacturing-2023.policy"
        );
        let c =
            policyc::compile::compile_file(std::path::Path::new(path), "manufacturing-2023.policy")
                .expect("the shipped plan is readable");
        c.rules
            .expect("the shipped plan compiles")
            .validate()
            .expect("the shipped plan's rule set is valid")
    })
}

/// Writes `bytes` to a file named `name` in a per-process directory, opens it as the only
/// data file of a run, and evaluates every record it yields at every level. Load errors are
/// expected; a panic, hang or memory blow-up is a finding.
pub fn load_and_evaluate(name: &str, bytes: &[u8]) {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"));
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("the fuzz input is written");
    let rules = beijing();
    let spec = DataSpec::parse(path.to_str().expect("a UTF-8 temporary path"));
    let options = InputOptions::default();
    let mut files = Vec::new();
    let Ok(mut source) = data::open_inputs(rules, &[spec], &options, &mut files) else {
        return;
    };
    let ev = Evaluator::new(rules);
    let mut decision = Decision::default();
    let mut batch = Vec::new();
    loop {
        batch.clear();
        let more = match source.next_batch(256, &mut batch) {
            Ok(more) => more,
            Err(_) => return,
        };
        for item in &batch {
            if let data::source::Item::Record(rec) = item {
                let entity = rules
                    .entity_id(rec.entity)
                    .expect("loading yields records of the rule set's entities");
                for level in rules.level_ids() {
                    let _ = ev.evaluate(entity, &rec.record, level, &mut decision);
                }
            }
        }
        let _ = source.take_warnings();
        if !more {
            return;
        }
    }
}
