//! `azlint-bench`: the benchmark harness of azlint.
//!
//! It measures `azlint check` as a whole process (wall time from spawn to exit
//! and peak resident set size, `ru_maxrss` from `wait4`) on synthetic exports
//! of 1k, 10k and 100k resources made by `../shared/bench/gen_export.py`, and
//! reports each result as a ratio against a baseline program: this binary's
//! `baseline` subcommand, which only reads the same file into memory and
//! parses it into a `serde_json::Value` with the system allocator. The
//! `validate` subcommand (parse into `serde::de::IgnoredAny`, i.e. validation
//! only) is measured too, as the floor of what any JSON reader must pay.
//! The baseline exits without freeing the buffer or the tree, so it pays for
//! reading and parsing only. Sizes are in MB of 10^6 bytes.
//!
//! The target on the 100k file (about 340 MB) is `azlint check` at most 0.5x
//! the baseline's wall time and at most 0.5x its peak memory. Results are
//! ratios printed by this harness, never timed tests.
//!
//! Run it from the workspace root:
//!
//! ```text
//! cargo build --release && cargo run --release -p azlint_bench -- run
//! ```
//!
//! Useful options of `run`: `--sizes 1000,10000,100000`, `--runs 3`,
//! `--azlint PATH`, `--data-dir DIR` (default `target/bench-data`; delete a
//! file there to regenerate it), `--shared DIR` (or env `AZLINT_SHARED`),
//! `--broken-ratio 0.05` and `--markdown` (a table for BENCHMARKS.md).
//! Progress goes to stderr and the results to stdout.

mod corpus;
mod machine;
mod measure;
mod report;
mod run;
mod setup;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// What every fallible step returns: a message for the user.
type Result<T> = std::result::Result<T, String>;

#[derive(Parser)]
#[command(name = "azlint-bench", version, about = "Benchmark harness for azlint")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read FILE and parse it into a serde_json::Value; print the number of
    /// top-level array elements (the baseline every ratio is relative to).
    Baseline {
        /// The JSON file to parse.
        file: PathBuf,
    },
    /// Read FILE and only validate it (serde::de::IgnoredAny); print "ok".
    Validate {
        /// The JSON file to validate.
        file: PathBuf,
    },
    /// Generate the exports, time every program on them and print a table.
    Run(run::RunArgs),
    /// Validate SARIF reports against the official SARIF 2.1.0 schema (for CI, which has the
    /// schema in ../shared/sarif; a user's clone does not).
    /// Evaluate every ARM template in a folder and report how much is known offline.
    Templates(corpus::TemplatesArgs),
    SarifSchema {
        /// The schema file, sarif-schema-2.1.0.json.
        schema: PathBuf,
        /// The reports to check.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Baseline { file } => baseline(&file),
        Command::Validate { file } => validate(&file),
        Command::Run(args) => run::run(&args),
        Command::Templates(args) => corpus::run(&args),
        Command::SarifSchema { schema, reports } => sarif_schema(&schema, &reports),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("azlint-bench: error: {message}");
            ExitCode::from(2)
        }
    }
}

fn read_file(file: &Path) -> Result<Vec<u8>> {
    std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))
}

fn parse_error(file: &Path, e: serde_json::Error) -> String {
    format!("{} is not valid JSON: {e}", file.display())
}

/// The baseline: read the whole file, build a `serde_json::Value`.
///
/// Neither the buffer nor the tree is freed: the process exits right after,
/// so the baseline pays for reading and parsing only, not for a teardown a
/// short-lived program does not need.
fn baseline(file: &Path) -> Result<()> {
    let bytes = read_file(file)?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| parse_error(file, e))?;
    println!("{}", value.as_array().map_or(0, Vec::len));
    std::mem::forget(value);
    std::mem::forget(bytes);
    Ok(())
}

/// The floor: read the whole file and only check that it is valid JSON.
fn validate(file: &Path) -> Result<()> {
    let bytes = read_file(file)?;
    serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).map_err(|e| parse_error(file, e))?;
    println!("ok");
    Ok(())
}

/// Checks each report against the schema, and that the schema is really applied: a report
/// whose first region starts at column 0 must be rejected.
fn sarif_schema(schema: &Path, reports: &[PathBuf]) -> Result<()> {
    let read_json = |file: &Path| -> Result<serde_json::Value> {
        serde_json::from_slice(&read_file(file)?).map_err(|e| parse_error(file, e))
    };
    let schema_json = read_json(schema)?;
    let validator = jsonschema::validator_for(&schema_json)
        .map_err(|e| format!("{} is not a usable JSON Schema: {e}", schema.display()))?;
    let mut first_region = None;
    for report in reports {
        let log = read_json(report)?;
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("  {e} at {}", e.instance_path()))
            .collect();
        if !errors.is_empty() {
            return Err(format!(
                "{} does not validate against the SARIF schema:\n{}",
                report.display(),
                errors.join("\n")
            ));
        }
        let results = log["runs"][0]["results"].as_array().map_or(0, Vec::len);
        println!(
            "{}: valid SARIF 2.1.0 ({results} results)",
            report.display()
        );
        let has_region =
            !log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].is_null();
        if first_region.is_none() && has_region {
            first_region = Some(log);
        }
    }
    if let Some(mut log) = first_region {
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] =
            serde_json::Value::from(0);
        if validator.is_valid(&log) {
            return Err("the schema accepts a region at column 0: it is not being applied".into());
        }
    }
    Ok(())
}
