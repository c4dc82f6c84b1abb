//! `azlint check`: inputs -> inventory -> facts -> rules -> report.

use std::io::IsTerminal;
use std::sync::Arc;

use azlint_diagnostics::{input, sort_findings, Finding, Label, Severity};
use azlint_facts::Facts;
use azlint_inventory::Inventory;
use azlint_report::{render_json, render_text, statistics, summary_line, Summary, TextOptions};
use azlint_rules::Context;
use azlint_source::{Files, SourceFile};

use crate::cli::{CheckArgs, ColorChoice, FailOn, Format};
use crate::inputs::{discover, load_all};
use crate::output::{write_report, Progress};

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Clean = 0,
    Findings = 1,
    Error = 2,
}

/// Stage timings on stderr when `AZLINT_TIMINGS` is set (for profiling; not a stable output).
struct Timings {
    on: bool,
    last: std::time::Instant,
}

impl Timings {
    fn new() -> Self {
        Timings {
            on: std::env::var_os("AZLINT_TIMINGS").is_some(),
            last: std::time::Instant::now(),
        }
    }

    fn lap(&mut self, stage: &str) {
        if self.on {
            let now = std::time::Instant::now();
            eprintln!(
                "azlint: {stage:>10}: {:>8.3} s",
                (now - self.last).as_secs_f64()
            );
            self.last = now;
        }
    }
}

pub fn run(args: &CheckArgs) -> Outcome {
    let mut timings = Timings::new();
    let (specs, walk_problems) = discover(&args.paths, &args.stdin_filename);
    if specs.is_empty() && walk_problems.is_empty() && !args.quiet {
        eprintln!("azlint: warning: no *.json or *.jsonc files found in the given paths");
    }
    let progress = Progress::start(&specs, args.quiet);
    let loaded = load_all(&specs, &|spec| progress.file_done(spec));
    timings.lap("load");

    let mut files = Files::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut ingested = Vec::with_capacity(loaded.len());
    for l in loaded {
        files.add(l.source);
        findings.extend(l.findings);
        ingested.extend(l.ingested);
    }
    for (name, reason) in walk_problems {
        let id = files.add(Arc::new(SourceFile::new(name, String::new())));
        findings.push(
            Finding::new(
                input::UNREADABLE,
                Severity::Error,
                reason,
                Label::whole_file(id),
            )
            .input_error(),
        );
    }

    progress.stage("checking rules");
    let inventory = Inventory::build(ingested);
    timings.lap("inventory");
    let facts = Facts::derive(&inventory);
    timings.lap("facts");
    let cx = Context::new(&inventory, &facts);
    let loaded = crate::rules::load(&args.rules);
    findings.extend(crate::rules::problem_findings(&loaded.problems, &mut files));
    let selected = crate::rules::selected(&loaded.rules, &args.select, &args.ignore);
    findings.extend(azlint_rules::run(&selected, &cx));
    timings.lap("rules");
    progress.finish();

    let input_error = findings.iter().any(|f| f.is_input_error);
    let hidden_unknown = findings.iter().filter(|f| f.cannot_tell).count();
    if !args.show_unknown {
        findings.retain(|f| !f.cannot_tell);
    }
    sort_findings(&mut findings, &files);

    let mut summary = Summary {
        files: specs.len(),
        resources: inventory.len(),
        hidden_unknown: if args.show_unknown { 0 } else { hidden_unknown },
        ..Default::default()
    };
    summary.count(&findings);

    let report = match args.format {
        Format::Json => render_json(&findings, &files, &summary),
        Format::Text => {
            let opts = TextOptions {
                color: use_color(args),
                ..TextOptions::default()
            };
            let mut text = if args.statistics {
                statistics(&findings)
            } else {
                render_text(&findings, &files, opts)
            };
            if !args.quiet {
                text.push_str(&summary_line(&summary));
                text.push('\n');
            }
            text
        }
    };
    timings.lap("report");
    if let Err(e) = write_report(args.output.as_deref(), &report) {
        eprintln!("azlint: error: {e}");
        return Outcome::Error;
    }

    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Note => Some(Severity::Note),
        FailOn::Never => None,
    };
    // The inputs and inventory may be hundreds of megabytes; the process ends right after
    // reporting, so freeing them would only cost time.
    std::mem::forget(inventory);
    std::mem::forget(files);

    let failing = threshold.is_some_and(|t| {
        findings
            .iter()
            .any(|f| !f.cannot_tell && !f.is_input_error && f.severity >= t)
    });
    if input_error {
        Outcome::Error
    } else if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

fn use_color(args: &CheckArgs) -> bool {
    match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
                && std::io::stdout().is_terminal()
        }
    }
}
