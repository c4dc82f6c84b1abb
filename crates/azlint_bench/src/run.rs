//! The `run` subcommand: generate the exports, time every program, report.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::machine::Machine;
use crate::measure::{summarize, Measurement, Program};
use crate::report::{markdown_header, Row};
use crate::{setup, Result};

#[derive(Args)]
pub struct RunArgs {
    /// Export sizes to benchmark, in resources.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1000,10000,100000",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    sizes: Vec<u64>,
    /// Timed runs of each program per export (median wall time, max RSS).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// The azlint binary [default: <workspace>/target/release/azlint].
    #[arg(long, value_name = "PATH")]
    azlint: Option<PathBuf>,
    /// Where the exports are generated [default: <workspace>/target/bench-data].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The shared directory holding bench/gen_export.py [default: <workspace>/../shared].
    #[arg(long, value_name = "DIR", env = "AZLINT_SHARED")]
    shared: Option<PathBuf>,
    /// Probability that a generated site carries one violation.
    #[arg(long, default_value_t = 0.05, value_parser = parse_ratio)]
    broken_ratio: f64,
    /// Print a Markdown table (for BENCHMARKS.md) instead of text lines.
    #[arg(long)]
    markdown: bool,
}

fn parse_ratio(text: &str) -> Result<f64> {
    match text.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("expected a number between 0 and 1, got {text:?}")),
    }
}

/// The programs timed on each export; the baseline comes first. `inputs only` is azlint with
/// every rule ignored (`--ignore ha`): reading, parsing, ingest, inventory and the report, no
/// facts and no rules; what `azlint` takes beyond it is the cost of the rule pack.
const PROGRAMS: [&str; 4] = ["baseline", "validate", "azlint", "inputs only"];

/// Where the two executables under test live.
struct Executables {
    harness: PathBuf,
    azlint: PathBuf,
}

impl Executables {
    /// The programs of [`PROGRAMS`], in that order, set up to read `file`.
    fn programs(&self, file: &Path) -> [Program; 4] {
        let [baseline, validate, azlint, inputs] = PROGRAMS;
        let harness = |name: &'static str| Program {
            name,
            exe: self.harness.clone(),
            args: vec![name.into(), file.into()],
            ok_codes: &[0],
        };
        [
            harness(baseline),
            harness(validate),
            Program {
                name: azlint,
                exe: self.azlint.clone(),
                args: vec!["check".into(), "--quiet".into(), file.into()],
                // azlint exits 1 when it reports findings
                ok_codes: &[0, 1],
            },
            Program {
                name: inputs,
                exe: self.azlint.clone(),
                args: vec![
                    "check".into(),
                    "--quiet".into(),
                    "--ignore".into(),
                    "ha".into(),
                    file.into(),
                ],
                ok_codes: &[0, 1],
            },
        ]
    }
}

pub fn run(args: &RunArgs) -> Result<()> {
    let workspace = setup::workspace_root()?;
    let generator = setup::generator(args.shared.as_deref(), &workspace)?;
    let executables = Executables {
        harness: std::env::current_exe()
            .map_err(|e| format!("cannot locate the azlint-bench executable: {e}"))?,
        azlint: setup::azlint(args.azlint.as_deref(), &workspace)?,
    };
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| workspace.join("target").join("bench-data"));
    let files = args
        .sizes
        .iter()
        .map(|&n| {
            Ok((
                n,
                setup::export(&generator, &data_dir, n, args.broken_ratio)?,
            ))
        })
        .collect::<Result<Vec<(u64, PathBuf)>>>()?;

    println!("{}", Machine::probe());
    println!(
        "{} runs per program (median wall time, max peak RSS); azlint: {}",
        args.runs,
        executables.azlint.display()
    );
    if args.markdown {
        println!("\n{}", markdown_header(&PROGRAMS));
    }
    for (resources, file) in files {
        let row = bench_file(resources, &file, &executables.programs(&file), args.runs)?;
        println!(
            "{}",
            if args.markdown {
                row.markdown()
            } else {
                row.text()
            }
        );
    }
    Ok(())
}

/// Warms the page cache with one untimed baseline run, then times every
/// program `runs` times, interleaved so that drift hits them all alike.
fn bench_file(resources: u64, file: &Path, programs: &[Program], runs: u32) -> Result<Row> {
    let file_bytes = std::fs::metadata(file)
        .map_err(|e| format!("cannot stat {}: {e}", file.display()))?
        .len();
    if let Some(baseline) = programs.first() {
        eprintln!("{}: warm-up ({})", file.display(), baseline.name);
        baseline.run_once()?;
    }
    let mut samples: Vec<Vec<Measurement>> = vec![Vec::new(); programs.len()];
    for run in 1..=runs {
        for (program, samples) in programs.iter().zip(&mut samples) {
            let m = program.run_once()?;
            eprintln!(
                "{}: {} run {run}/{runs}: {:.2} s, {} KiB peak RSS",
                file.display(),
                program.name,
                m.wall.as_secs_f64(),
                m.max_rss_kib
            );
            samples.push(m);
        }
    }
    Ok(Row {
        resources,
        file_bytes,
        results: programs
            .iter()
            .zip(&samples)
            .map(|(p, s)| (p.name, summarize(s)))
            .collect(),
    })
}
