//! Policy text → parse, resolve, type-check, analyse and lower. Diagnostics are expected;
//! a panic, a stack overflow or a hang is a finding. The bytes are given as they are, so the
//! compiler's own UTF-8 check is exercised too.
#![no_main]

use std::sync::OnceLock;

use policyc::compile::ImportRoot;

/// The repository: the input is compiled as a file beside the Beijing plan, so that its
/// imports of the national tables resolve, and nothing outside the repository can be read.
fn root() -> &'static ImportRoot {
    static ROOT: OnceLock<ImportRoot> = OnceLock::new();
    ROOT.get_or_init(|| {
        ImportRoot::new(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/.."
        )))
        .expect("the repository is a directory")
    })
}

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    let c = policyc::compile::compile_source_in("policies/beijing/fuzz.policy", &text, root());
    // A clean compilation's rule set must also survive the round trip through its JSON form.
    if let Some(rules) = &c.rules {
        let json = policyc::ir::compiled::to_json(rules);
        policyc::ir::compiled::from_json(&json).expect("a compiled rule set loads back");
    }
});
