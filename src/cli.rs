//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "azlint",
    version,
    about = "Offline linter for exported Azure resource JSON",
    long_about = "Offline linter for exported Azure resource JSON.\n\nPoint it at what Azure gives you (`az resource show` arrays, Resource Graph results, `az network ... show` objects, `az role assignment list`, ARM templates) and it reports, at the exact line and column, what breaks high-availability pairs of Cato vSocket appliances.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Lint exports: files, directories (walked for *.json and *.jsonc) or - for stdin
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// List the rules: id, name, severity, status, pack and summary
    Rules(RulesArgs),
    /// Show a rule's documentation (by id or name), or `facts` for the facts rules can use
    Explain(ExplainArgs),
    /// Write the rules' documentation pages (Markdown) into a directory
    Docs(DocsArgs),
    /// Show the configuration that applies here (azlint.toml)
    Config(ConfigArgs),
    /// The effective routes of a subnet (or a NIC's subnet), and the route chosen for an address
    #[command(after_help = ROUTES_EXAMPLES)]
    Routes(RoutesArgs),
    /// Whether the NSGs let a flow leave a NIC towards an address (and enter the NIC owning it)
    #[command(after_help = FLOW_EXAMPLES)]
    Flow(FlowArgs),
    /// Evaluate an ARM template with its parameters and print what it deploys (JSON)
    #[command(after_help = EXPAND_EXAMPLES)]
    Expand(ExpandArgs),
}

const ROUTES_EXAMPLES: &str = "\
Examples:
  azlint routes fixtures/examples/healthy --subnet ams-LANSubnet --to 8.8.8.8
  azlint routes exports/ --nic ams-lanPrimary --format json

Exit codes: 0 answered (possibly \"unknown\"), 2 usage error, unknown or ambiguous subnet or NIC, or unreadable input.";

const FLOW_EXAMPLES: &str = "\
Examples:
  azlint flow fixtures/examples/healthy --from ams-lanPrimary --to 10.20.0.69 --protocol udp --port 20480
  azlint flow exports/ --from ams-mngPrimary --to 8.8.8.8 --protocol udp --port 53 --format json

Exit codes: 0 answered (allow, deny or unknown), 2 usage error, unknown or ambiguous NIC, or unreadable input.";

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["subnet", "nic"])))]
pub struct RoutesArgs {
    /// Files, directories or - (standard input), read as `check` reads them. Default: the current directory
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Name to show for standard input
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_filename: String,
    /// The subnet: its name, VNET/SUBNET, or its resource id (case-insensitive)
    #[arg(long, value_name = "NAME|ID")]
    pub subnet: Option<String>,
    /// A NIC: the routes of its primary IP configuration's subnet
    #[arg(long, value_name = "NAME|ID")]
    pub nic: Option<String>,
    /// Also select the route Azure uses for this destination (longest prefix match)
    #[arg(long, value_name = "IP")]
    pub to: Option<std::net::IpAddr>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    #[command(flatten)]
    pub values: TemplateArgs,
    #[command(flatten)]
    pub config: ConfigSourceArgs,
}

#[derive(clap::Args, Debug)]
pub struct FlowArgs {
    /// Files, directories or - (standard input), read as `check` reads them. Default: the current directory
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Name to show for standard input
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_filename: String,
    /// The NIC the flow leaves from: its name or resource id (case-insensitive)
    #[arg(long, value_name = "NIC")]
    pub from: String,
    /// The destination address
    #[arg(long, value_name = "IP")]
    pub to: std::net::IpAddr,
    /// The protocol; `*` asks about TCP, UDP and ICMP at once
    #[arg(long, value_enum, ignore_case = true)]
    pub protocol: FlowProtocol,
    /// The destination port (required for tcp, udp and *)
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// The source port [default: ephemeral: only rules for every source port surely match]
    #[arg(long, value_name = "N")]
    pub source_port: Option<u16>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    #[command(flatten)]
    pub values: TemplateArgs,
    #[command(flatten)]
    pub config: ConfigSourceArgs,
}

/// Protocols of `azlint flow`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowProtocol {
    Tcp,
    Udp,
    Icmp,
    /// TCP, UDP and ICMP
    #[value(name = "*")]
    Any,
}

/// Which configuration file applies, for every command that reads one.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConfigSourceArgs {
    /// Read this configuration file instead of looking for azlint.toml / .azlint.toml
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,
    /// Ignore every configuration file
    #[arg(long)]
    pub isolated: bool,
}

#[derive(clap::Args, Debug)]
pub struct ConfigArgs {
    /// Print the effective configuration and the file it comes from
    #[arg(long, required = true)]
    pub show: bool,
    #[command(flatten)]
    pub source: ConfigSourceArgs,
}

/// Where rules come from, for every command that reads them.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RuleSourceArgs {
    /// Also load the rule files (*.yaml) under DIR; subdirectories name their pack
    #[arg(long = "rules", value_name = "DIR")]
    pub rule_dirs: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    #[command(flatten)]
    pub source: RuleSourceArgs,
    /// The configuration file whose `rules` folders are read too
    #[command(flatten)]
    pub config: ConfigSourceArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// Formats of `azlint rules`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    /// A table
    Text,
    /// JSON for scripts
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// A rule id (HA002) or name (vnet-dns-not-public), or `facts`
    pub rule: String,
    #[command(flatten)]
    pub source: RuleSourceArgs,
    /// The configuration file whose `rules` folders are read too
    #[command(flatten)]
    pub config: ConfigSourceArgs,
}

#[derive(clap::Args, Debug)]
pub struct DocsArgs {
    /// The directory to write one page per rule and an index into
    pub dir: PathBuf,
    #[command(flatten)]
    pub source: RuleSourceArgs,
    /// The configuration file whose `rules` folders are read too
    #[command(flatten)]
    pub config: ConfigSourceArgs,
}

const CHECK_EXAMPLES: &str = "\
Examples:
  azlint check fixtures/examples/broken
  azlint check resources.json roles.json          # one inventory: rules see both files
  az network vnet show -g RG -n VNET | azlint check - --stdin-filename vnet.json
  azlint check exports/ --format json -o azlint.json
  azlint check exports/ --fail-on error           # warnings do not fail the run
  azlint check exports/ --format sarif -o azlint.sarif
  azlint check exports/ --write-baseline azlint-baseline.json
  azlint check exports/ --baseline azlint-baseline.json   # only findings not in the baseline

Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage error or unreadable input.";

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files, directories or - (standard input). Default: the current directory
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Name to show for standard input in findings
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_filename: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the report to FILE instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Colour in text output. `auto` colours a terminal unless NO_COLOR is set
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Lowest severity that makes the run fail (exit code 1) [default: warning]
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// Exit 0 even when there are findings (input errors still exit 2)
    #[arg(long)]
    pub exit_zero: bool,

    /// Also list the checks that could not be decided from the input ("cannot tell" notes)
    #[arg(long)]
    pub show_unknown: bool,

    /// Include suppressed findings in the report, marked as suppressed
    #[arg(long)]
    pub report_suppressed: bool,

    /// Report only findings that are not in this baseline file
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record the findings of this run as the baseline in FILE
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Repository root that SARIF, GitHub and JUnit paths are relative to [default: found from git]
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Print findings only: no summary line
    #[arg(short, long)]
    pub quiet: bool,

    /// Print how many findings each rule produced instead of each finding (text format)
    #[arg(long)]
    pub statistics: bool,

    /// Run only these rules: ids, names, packs or tags, comma-separated
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Do not run these rules: ids, names, packs or tags, comma-separated
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,

    #[command(flatten)]
    pub rules: RuleSourceArgs,

    #[command(flatten)]
    pub config: ConfigSourceArgs,

    #[command(flatten)]
    pub template: TemplateArgs,
}

/// Parameter values for ARM templates.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TemplateArgs {
    /// ARM parameter file for the templates (repeatable; later files win). Default: the
    /// template's own `NAME.parameters.json` next to it
    #[arg(long = "parameters", value_name = "FILE")]
    pub parameter_files: Vec<PathBuf>,
    /// A template parameter's value: `name=value` (JSON, or else a string; repeatable)
    #[arg(short = 'p', long = "parameter", value_name = "NAME=VALUE")]
    pub parameters: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct ExpandArgs {
    /// The ARM template
    #[arg(value_name = "TEMPLATE")]
    pub template: PathBuf,
    #[command(flatten)]
    pub values: TemplateArgs,
    /// Write the expanded template to FILE instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigSourceArgs,
}

const EXPAND_EXAMPLES: &str = "\
Examples:
  azlint expand azuredeploy.json
  azlint expand main.json --parameters prod.parameters.json -p vmCount=2

Values that cannot be known before deployment (reference(), list*(), utcNow(), a parameter
without a value) are written as {\"$unknown\": REASON, \"expression\": \"[...]\"}.

Exit codes: 0 expanded, 1 expanded with expression errors (on stderr), 2 unreadable input.";

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Compiler-style findings with code frames
    Text,
    /// Stable JSON for scripts (schema: docs/report.schema.json)
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request
    Github,
    /// JUnit XML, for test-report views in CI
    Junit,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    Error,
    Warning,
    Note,
    /// Never fail because of findings (input errors still exit 2)
    Never,
}
