//! azlint: an offline linter for exported Azure resource JSON.
//!
//! The binary parses the command line and runs the pipeline: inputs are read and parsed in
//! parallel (`inputs`), merged into one inventory, facts are derived, rules run, findings are
//! sorted and rendered (`check`, `output`). Exit codes: 0 clean, 1 findings, 2 usage error or
//! unreadable input.

#[macro_use]
mod output;
mod baseline;
mod check;
mod cli;
mod config;
mod flow;
mod inputs;
mod routes;
mod rules;
mod scope;
mod settings;
mod suppress;
mod templates;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let outcome = match &cli.command {
        cli::Command::Check(args) => check::run(args),
        cli::Command::Rules(args) => rules::list(args),
        cli::Command::Explain(args) => rules::explain(args),
        cli::Command::Docs(args) => rules::write_docs(args),
        cli::Command::Config(args) => config::show(args),
        cli::Command::Routes(args) => routes::run(args),
        cli::Command::Flow(args) => flow::run(args),
        cli::Command::Expand(args) => templates::expand(args),
    };
    std::process::exit(outcome as i32);
}
