//! Rule files: bytes as the YAML text of a user rule file -> `azlint_rules::compile`.
//! Errors are expected; contract: no input panics.
#![no_main]

use azlint_rules::{compile, RuleSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Rule files are read as UTF-8 text; anything else never reaches `compile`.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = RuleSource {
        pack: "fuzz".to_string(),
        name: "rules/fuzz/fuzz.yaml".to_string(),
        text: text.to_string(),
    };
    let _ = std::hint::black_box(compile(&source));
});
