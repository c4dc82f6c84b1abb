//! Templates through the whole pipeline, as the CLI runs them: the bytes as a template (and,
//! after a NUL byte, an export linted with it) -> `expand` in the placeholder scope -> the
//! evaluated form emitted, parsed and ingested with why each remaining expression is unknown
//! -> `Inventory::build` -> `Facts::derive` -> every built-in rule, whose conditions read the
//! shapes of values known only at deployment.
//! Contract: no input panics, hangs or grows without bound.
#![no_main]

use std::sync::Arc;

use azlint_arm::emit::{emit, Form};
use azlint_arm::eval::Deployment;
use azlint_arm::{expand, Inputs};
use azlint_facts::Facts;
use azlint_inventory::{ingest, ingest_evaluated, Inventory};
use azlint_rules::{Context, Rule};
use azlint_source::{FileId, SourceFile};
use libfuzzer_sys::fuzz_target;

#[path = "common/mod.rs"]
mod common;
use common::rules;

fuzz_target!(|data: &[u8]| {
    let (template, export) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let Ok(source) = SourceFile::from_bytes("t.json", template.to_vec()) else {
        return;
    };
    let Ok(tree) = source.parse() else { return };
    let x = expand(
        tree.root(source.text()),
        &Inputs::default(),
        Deployment::default(),
    );
    let mut emitted = emit(&x, Form::Template, azlint_arm::SCHEMA);
    let evaluated = Arc::new(SourceFile::new("t (evaluated)", std::mem::take(&mut emitted.text)));
    let Ok(etree) = evaluated.parse() else {
        panic!("emitted text is not JSON:\n{}", evaluated.text());
    };
    let doc = ingest_evaluated(FileId(0), evaluated, etree, &x, &mut emitted);
    let mut ingested = vec![doc];
    if let Some(export) = export {
        if let Ok(file) = SourceFile::from_bytes("export.json", export.to_vec()) {
            if let Ok(tree) = file.parse() {
                ingested.push(ingest(FileId(1), Arc::new(file), tree));
            }
        }
    }
    let inv = Inventory::build(ingested);
    std::hint::black_box(inv.conflicting_copies());
    let facts = Facts::derive(&inv);
    for site in &facts.sites {
        std::hint::black_box(facts.missing_references(&inv, site));
    }
    let cx = Context::new(&inv, &facts);
    let rules: Vec<&Rule> = rules().iter().collect();
    std::hint::black_box(azlint_rules::run(&rules, &cx));
});
