//! Each stage of `azlint check` on its own, next to the baseline every figure is relative to (a
//! plain `serde_json::from_str::<Value>` of the same text): parse with spans, ingest, inventory,
//! facts, rules, report, and ARM template evaluation.
//!
//! `cargo bench -p azlint_bench --bench stages` reads `target/bench-data/export-10000.json`
//! (made by `cargo run --release -p azlint_bench -- run`), or the file in `AZLINT_BENCH_FILE`,
//! or else the bundled broken example; templates come from `../shared/corpus/arm-quickstarts`
//! (`AZLINT_SHARED`) when it is there, else from `fixtures/templates`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use azlint_arm::{Deployment, Inputs};
use azlint_facts::Facts;
use azlint_inventory::{ingest, Ingested, Inventory};
use azlint_report::{render_json, ArtifactUris, ReportInput, Summary};
use azlint_rules::{builtin_sources, compile, Context, Rule};
use azlint_source::{FileId, Files, SourceFile};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn export() -> (String, String) {
    let candidates = [
        std::env::var("AZLINT_BENCH_FILE").ok().map(PathBuf::from),
        Some(root().join("target/bench-data/export-10000.json")),
        Some(root().join("fixtures/examples/broken/resources.json")),
    ];
    for path in candidates.into_iter().flatten() {
        if let Ok(text) = std::fs::read_to_string(&path) {
            return (path.display().to_string(), text);
        }
    }
    panic!("no export to benchmark");
}

fn ingested(name: &str, text: &str) -> Ingested {
    let source = Arc::new(SourceFile::new(name, text));
    let tree = source.parse().expect("the benchmark export is JSON");
    ingest(FileId(0), source, tree)
}

fn rules() -> Vec<Rule> {
    builtin_sources()
        .iter()
        .map(|s| compile(s).expect("built-in rules compile"))
        .collect()
}

fn stages(c: &mut Criterion) {
    let (name, text) = export();
    eprintln!("export: {name} ({} bytes)", text.len());
    let mut g = c.benchmark_group("stages");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("baseline serde_json::Value", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(&text).expect("JSON"))
    });
    g.bench_function("parse with spans", |b| {
        b.iter(|| {
            SourceFile::new(name.as_str(), text.as_str())
                .parse()
                .expect("JSON")
        })
    });
    g.bench_function("ingest", |b| {
        b.iter_batched(
            || {
                let source = Arc::new(SourceFile::new(name.as_str(), text.as_str()));
                let tree = source.parse().expect("JSON");
                (source, tree)
            },
            |(source, tree)| ingest(FileId(0), source, tree),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("inventory", |b| {
        b.iter_batched(
            || vec![ingested(&name, &text)],
            Inventory::build,
            BatchSize::LargeInput,
        )
    });
    let inv = Inventory::build(vec![ingested(&name, &text)]);
    g.bench_function("facts", |b| b.iter(|| Facts::derive(&inv)));
    let facts = Facts::derive(&inv);
    let compiled = rules();
    let selected: Vec<&Rule> = compiled.iter().collect();
    let cx = Context::new(&inv, &facts);
    g.bench_function("rules", |b| b.iter(|| azlint_rules::run(&selected, &cx)));
    let findings = azlint_rules::run(&selected, &cx);
    let mut files = Files::new();
    files.add(Arc::new(SourceFile::new(name.as_str(), text.as_str())));
    let summary = Summary::default();
    let uris = ArtifactUris::new(None);
    let descriptors = azlint_report::input_descriptors();
    g.bench_function("report (JSON)", |b| {
        b.iter(|| {
            render_json(&ReportInput {
                findings: &findings,
                files: &files,
                summary: &summary,
                rules: &descriptors,
                uris: &uris,
            })
        })
    });
    g.finish();
}

/// The templates to evaluate: the quickstart corpus when it is there.
fn templates() -> Vec<(String, Option<String>)> {
    let shared = std::env::var("AZLINT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("../shared"));
    let corpus = shared.join("corpus/arm-quickstarts");
    let dir = if corpus.is_dir() {
        corpus
    } else {
        root().join("fixtures/templates")
    };
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return out;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        let name = p.to_string_lossy().to_string();
        if !name.ends_with(".json") || name.ends_with(".parameters.json") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        if !text.contains("deploymentTemplate.json") {
            continue;
        }
        let params = std::fs::read_to_string(format!(
            "{}.parameters.json",
            name.trim_end_matches(".json")
        ))
        .ok();
        out.push((text, params));
    }
    out
}

fn arm(c: &mut Criterion) {
    let parsed: Vec<(SourceFile, Option<SourceFile>)> = templates()
        .into_iter()
        .map(|(t, p)| {
            (
                SourceFile::new("t.json", t),
                p.map(|p| SourceFile::new("p.json", p)),
            )
        })
        .collect();
    let trees: Vec<_> = parsed
        .iter()
        .filter_map(|(t, p)| {
            let tree = t.parse().ok()?;
            let ptree = p.as_ref().and_then(|p| p.parse().ok());
            Some((t, tree, p.as_ref().zip(ptree)))
        })
        .collect();
    eprintln!("templates: {}", trees.len());
    let mut g = c.benchmark_group("arm");
    g.sample_size(10);
    g.bench_function("evaluate every template", |b| {
        b.iter(|| {
            for (t, tree, params) in &trees {
                let mut inputs = Inputs::default();
                if let Some((p, ptree)) = params {
                    inputs.files.push(ptree.root(p.text()));
                }
                std::hint::black_box(azlint_arm::expand(
                    tree.root(t.text()),
                    &inputs,
                    Deployment::default(),
                ));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, stages, arm);
criterion_main!(benches);
