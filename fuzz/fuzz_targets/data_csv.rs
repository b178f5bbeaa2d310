//! csv bytes → load with the Beijing rule set → evaluate at every level.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    policyc_fuzz::load_and_evaluate("input.csv", bytes);
});
