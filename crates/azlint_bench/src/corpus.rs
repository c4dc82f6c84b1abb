//! `azlint-bench templates DIR`: evaluates every ARM template in a folder (with its
//! `NAME.parameters.json` when there is one) and reports how much of what they deploy azlint
//! knows offline: resources whose name and type are fully evaluated. Azure accepts every
//! template of the quickstart corpus, so an expression error there is azlint's bug, and so
//! is a panic.

use std::path::{Path, PathBuf};
use std::time::Instant;

use azlint_arm::{Deployment, Inputs, Val};
use azlint_source::SourceFile;

#[derive(clap::Args)]
pub struct TemplatesArgs {
    /// The folder of templates.
    dir: PathBuf,
    /// Fail below this percentage of resources with a known name and type.
    #[arg(long, default_value_t = 95.0)]
    min_known: f64,
    /// How many problems and unknown names to list.
    #[arg(long, default_value_t = 20)]
    list: usize,
    /// Templates known to have expression errors (Azure rejects them too): lines
    /// `FILE-NAME: what is wrong`, `#` comments. Each must have an error; no other may.
    #[arg(long, value_name = "FILE")]
    known_defects: Option<PathBuf>,
}

#[derive(Default)]
struct Tally {
    templates: usize,
    with_parameters: usize,
    resources: usize,
    known: usize,
    problems: Vec<(String, String)>,
    unknown_names: Vec<String>,
    panics: Vec<String>,
}

pub fn run(args: &TemplatesArgs) -> crate::Result<()> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&args.dir)
        .map_err(|e| format!("cannot read {}: {e}", args.dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".json") && !name.ends_with(".parameters.json")
        })
        .collect();
    paths.sort();
    let start = Instant::now();
    let mut tally = Tally::default();
    for path in &paths {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| one(path, &mut tally)));
        if outcome.is_err() {
            tally.panics.push(path.display().to_string());
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let known_defects = match &args.known_defects {
        Some(f) => read_known_defects(f)?,
        None => Vec::new(),
    };
    let (expected, unexpected): (Vec<_>, Vec<_>) = tally
        .problems
        .iter()
        .partition(|(file, _)| known_defects.iter().any(|k| k == file));
    let stale: Vec<&String> = known_defects
        .iter()
        .filter(|k| !tally.problems.iter().any(|(f, _)| f == *k))
        .collect();
    let pct = 100.0 * tally.known as f64 / tally.resources.max(1) as f64;
    println!(
        "templates {} ({} with parameter files), resources {}, name and type known {} ({pct:.1}%), expression errors {} ({} in {} templates known to be defective), panics {}, {:.2} s ({:.2} ms per template)",
        tally.templates,
        tally.with_parameters,
        tally.resources,
        tally.known,
        tally.problems.len(),
        expected.len(),
        known_defects.len(),
        tally.panics.len(),
        elapsed,
        1000.0 * elapsed / tally.templates.max(1) as f64
    );
    for (_, p) in unexpected.iter().take(args.list) {
        println!("  error: {p}");
    }
    for p in tally.unknown_names.iter().take(args.list) {
        println!("  unknown: {p}");
    }
    for p in &tally.panics {
        println!("  panic: {p}");
    }
    for k in &stale {
        println!("  listed as defective, but evaluates without error: {k}");
    }
    if !tally.panics.is_empty() || !unexpected.is_empty() || !stale.is_empty() {
        return Err(format!(
            "{} unexpected expression errors, {} panics, {} stale known defects",
            unexpected.len(),
            tally.panics.len(),
            stale.len()
        ));
    }
    if pct < args.min_known {
        return Err(format!(
            "{pct:.1}% of resources have a known name and type; the target is {}%",
            args.min_known
        ));
    }
    Ok(())
}

fn read_known_defects(file: &Path) -> crate::Result<Vec<String>> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':').map(|(f, _)| f.trim().to_string()))
        .collect())
}

/// The scope templates are evaluated in, as at deployment: a subscription, tenant, group and
/// deployment name of their own. Offline, what hashes a placeholder scope is unknown
/// (`uniqueString(resourceGroup().id)`); the figure counts what the template language gives
/// once the scope is known, which is what Azure evaluates.
fn scope() -> Deployment {
    Deployment {
        subscription_id: "3f2c1a9e-8b7d-4c6e-9a1f-2d5e8c7b6a40".into(),
        tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        resource_group: Some("rg-corpus".into()),
        name: "corpus".into(),
        ..Deployment::default()
    }
}

fn one(path: &Path, tally: &mut Tally) {
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let name = path.display().to_string();
    let Ok(source) = SourceFile::from_bytes(name.clone(), bytes) else {
        return;
    };
    let Ok(tree) = source.parse() else { return };
    let root = tree.root(source.text());
    let schema = root
        .get("$schema")
        .and_then(|s| s.as_str())
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    if !schema.contains("deploymenttemplate.json") {
        return;
    }
    tally.templates += 1;
    let params_path = PathBuf::from(format!(
        "{}.parameters.json",
        name.trim_end_matches(".json")
    ));
    let params = std::fs::read(&params_path)
        .ok()
        .and_then(|b| SourceFile::from_bytes(params_path.display().to_string(), b).ok());
    let ptree = params.as_ref().and_then(|p| p.parse().ok());
    let mut inputs = Inputs::default();
    if let (Some(p), Some(t)) = (&params, &ptree) {
        inputs.files.push(t.root(p.text()));
        tally.with_parameters += 1;
    }
    let x = azlint_arm::expand(root, &inputs, scope());
    for p in &x.problems {
        let at = source.line_col(p.span.start);
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        tally.problems.push((
            file,
            format!("{name}:{}:{}: {}", at.line, at.column, p.message),
        ));
    }
    for r in &x.resources {
        tally.resources += 1;
        let v = r.node.to_val();
        let name_v = v.as_object().and_then(|o| o.get("name").cloned());
        let type_v = v.as_object().and_then(|o| o.get("type").cloned());
        match (&name_v, &type_v) {
            (Some(Val::Str(_)), Some(Val::Str(_))) => tally.known += 1,
            _ => {
                let why = match (name_v, type_v) {
                    (Some(Val::Unknown(u)), _) | (_, Some(Val::Unknown(u))) => u.reason.clone(),
                    _ => "no name or type".into(),
                };
                tally.unknown_names.push(format!("{name}: {why}"));
            }
        }
    }
}
