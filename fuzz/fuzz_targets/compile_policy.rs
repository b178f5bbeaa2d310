//! Policy text → parse, resolve, type-check, analyse and lower. Diagnostics are expected;
//! a panic, a stack overflow or a hang is a finding. The bytes are given as they are, so the
//! compiler's own UTF-8 check is exercised too.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    let c = policyc::compile::compile_source("fuzz.policy", &text);
    // A clean compilation's rule set must also survive the round trip through its JSON form.
    if let Some(rules) = &c.rules {
        let json = policyc::ir::compiled::to_json(rules);
        policyc::ir::compiled::from_json(&json).expect("a compiled rule set loads back");
    }
});
