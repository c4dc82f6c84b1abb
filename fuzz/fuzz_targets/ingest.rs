//! The whole pipeline on arbitrary input: the bytes as one input file, or two when they hold a
//! NUL byte (split at the first one) -> `SourceFile::from_bytes` -> parse -> `ingest` ->
//! `Inventory::build` (and its comparison of copies) -> `Facts::derive` (and each site's
//! missing references) -> every built-in rule via `azlint_rules::run`.
//! Files that are not UTF-8 or not JSON are skipped, as the CLI reports and skips them.
//! Contract: no input panics.
#![no_main]

use std::sync::Arc;

use azlint_facts::Facts;
use azlint_inventory::{ingest, Inventory};
use azlint_rules::{Context, Rule};
use azlint_source::{FileId, SourceFile};
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;
use common::rules;

fuzz_target!(|data: &[u8]| {
    let parts: Vec<&[u8]> = match data.iter().position(|&b| b == 0) {
        Some(i) => vec![&data[..i], &data[i + 1..]],
        None => vec![data],
    };
    let mut ingested = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        let Ok(file) = SourceFile::from_bytes(format!("input{i}.json"), part.to_vec()) else {
            continue;
        };
        let Ok(tree) = file.parse() else { continue };
        let result = ingest(FileId(i as u32), Arc::new(file), tree);
        ingested.push(result);
    }
    let inv = Inventory::build(ingested);
    // Copies of one resource in the two files are compared (IN013).
    std::hint::black_box(inv.conflicting_copies());
    let facts = Facts::derive(&inv);
    let _ = facts.unresolved_reason();
    // What each site refers to that is not there (IN012).
    for site in &facts.sites {
        std::hint::black_box(facts.missing_references(&inv, site));
    }
    let cx = Context::new(&inv, &facts);
    let rules: Vec<&Rule> = rules().iter().collect();
    let findings = azlint_rules::run(&rules, &cx);
    std::hint::black_box(findings);
});
