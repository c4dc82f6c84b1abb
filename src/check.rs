//! `azlint check`: inputs -> inventory -> facts -> rules -> report.

use std::io::IsTerminal;

use azlint_diagnostics::{
    assign_fingerprints, input, printable, sort_findings, Finding, Label, Severity,
};
use azlint_facts::{ExplicitSite, Facts, Site};
use azlint_inventory::Inventory;
use azlint_report::{
    render_github, render_json, render_junit, render_sarif, render_text, statistics, summary_line,
    ArtifactUris, ReportInput, RuleDescriptor, Summary, TextOptions,
};
use azlint_rules::{Context, Rule};
use azlint_source::Files;

use crate::cli::{CheckArgs, ColorChoice, Format};
use crate::inputs::{discover, read_inputs};
use crate::output::{write_report, Progress};
use crate::settings::Settings;
use crate::{baseline, config, suppress, templates};

/// Inputs of at least this size get their line index while the inventory is built.
const LARGE_INPUT: usize = 1 << 20;

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
    let mut files = Files::new();

    // The configuration comes first: it decides which rules run and how findings are kept.
    let found = match config::load(&args.config, &mut files) {
        Ok(found) => found,
        Err(invalid) => return report_only(args, invalid.findings, &files),
    };
    let mut rule_args = args.rules.clone();
    rule_args.rule_dirs.extend(found.rule_dirs());
    let loaded = crate::rules::load(&rule_args);
    let config_problems = config::validate(&found, &loaded, &mut files);
    if !config_problems.is_empty() {
        return report_only(args, config_problems, &files);
    }
    if let Some(problem) = unknown_rule_words(args, &loaded) {
        eprintln!("azlint: error: {problem}");
        return Outcome::Error;
    }
    let settings = Settings::new(args, &found, &loaded);
    let baseline = match &args.baseline {
        Some(path) => match baseline::read(path, &mut files) {
            Ok(b) => Some(b),
            Err(f) => return report_only(args, vec![*f], &files),
        },
        None => None,
    };

    let (specs, walk_problems) = discover(&args.paths, &args.stdin_filename);
    if specs.is_empty() && walk_problems.is_empty() && !args.quiet {
        eprintln!("azlint: warning: no *.json or *.jsonc files found in the given paths");
    }
    let progress = Progress::start(&specs, args.quiet);
    let (mut findings, mut ingested) = read_inputs(&specs, walk_problems, &mut files, &|spec| {
        progress.file_done(spec)
    });
    timings.lap("load");
    let (template_findings, evaluated) =
        templates::evaluate(&mut ingested, &mut files, &args.template, &found.config);
    findings.extend(template_findings);
    timings.lap("templates");

    progress.stage("checking rules");
    let selected = settings.selected(&loaded);
    let inventory = if selected.is_empty() || rayon::current_num_threads() < 2 {
        Inventory::build(ingested)
    } else {
        // Building the inventory takes one core. Rules will most likely find something in a
        // large input, and the report then needs the input's line index (a count of the
        // newlines of the whole file: 18 ms for a 342 MB export): another core builds it
        // meanwhile. For an input nothing is found in, that core's time and the index's
        // memory (4 bytes per 4 KiB) were spent for nothing.
        let large: Vec<_> = ingested
            .iter()
            .map(|i| i.document.source.clone())
            .filter(|s| s.text().len() >= LARGE_INPUT)
            .collect();
        rayon::join(
            || Inventory::build(ingested),
            || {
                for source in &large {
                    source.line_index();
                }
            },
        )
        .0
    };
    timings.lap("inventory");
    findings.extend(conflicting_copies(&inventory));
    let explicit: Vec<ExplicitSite> = found
        .config
        .site
        .iter()
        .map(|s| ExplicitSite {
            primary: s.get_ref().primary.clone(),
            secondary: s.get_ref().secondary.clone(),
        })
        .collect();
    findings.extend(crate::rules::problem_findings(&loaded.problems, &mut files));
    findings.extend(unmatched_sites(&found, &inventory, &mut files));
    if selected.is_empty() {
        // Facts serve rules alone: with no rule selected (`--ignore ha`, checking inputs
        // only), nothing derives them.
        timings.lap("facts");
    } else {
        let facts = Facts::derive_with(&inventory, &explicit);
        findings.extend(incomplete_sites(&inventory, &facts));
        timings.lap("facts");
        let context = Context::new(&inventory, &facts);
        findings.extend(azlint_rules::run(&selected, &context));
        // The facts and the rules' caches are hundreds of thousands of small allocations on a
        // large export: freeing them one by one took 25 ms of a 100k-resource run, on one
        // core, for memory the process hands back when it exits a moment later.
        std::mem::forget(context);
        std::mem::forget(facts);
    }
    evaluated.remap(&mut findings);
    timings.lap("rules");

    settings.adjust(&mut findings, &files, &selected);
    let suppressions = suppress::collect(&inventory, &found, &mut files);
    let all: Vec<&Rule> = loaded.rules.iter().map(|(r, _)| r).collect();
    let problems = suppressions.apply(&mut findings, &selected, &all);
    findings.extend(problems);
    evaluated.remap(&mut findings);
    settings.drop_ignored_inputs(&mut findings);
    timings.lap("suppress");
    progress.finish();

    let input_error = findings.iter().any(|f| f.is_input_error);
    let hidden_unknown = findings
        .iter()
        .filter(|f| f.cannot_tell && f.suppression.is_none())
        .count();
    if !settings.show_unknown {
        findings.retain(|f| !f.cannot_tell);
    }
    sort_findings(&mut findings, &files);
    let uris = ArtifactUris::new(args.root.as_deref());
    assign_fingerprints(&mut findings, &files, |id| uris.uri(&files.get(id).name));

    let mut baselined = None;
    if let Some(path) = &args.write_baseline {
        let (text, n) = baseline::render(&findings);
        if let Err(e) = write_report(Some(path), &text) {
            eprintln!("azlint: error: {e}");
            return Outcome::Error;
        }
        baselined = Some((path, n));
    }
    let mut in_baseline = 0;
    if let Some(b) = &baseline {
        let before = findings.len();
        findings.retain(|f| !b.contains(f));
        in_baseline = before - findings.len();
    }
    let suppressed = findings.iter().filter(|f| f.suppression.is_some()).count();
    if !args.report_suppressed {
        findings.retain(|f| f.suppression.is_none());
    }

    let mut summary = Summary {
        files: specs.len(),
        resources: inventory.len(),
        hidden_unknown: if settings.show_unknown {
            0
        } else {
            hidden_unknown
        },
        suppressed,
        in_baseline,
        ..Default::default()
    };
    summary.count(findings.iter().filter(|f| f.suppression.is_none()));
    // What the report shows decides: "cannot tell" notes count (at `--fail-on note`) only
    // when shown, and they are kept above only with --show-unknown.
    let failing = settings.threshold().is_some_and(|t| {
        findings
            .iter()
            .any(|f| !f.is_input_error && f.suppression.is_none() && f.severity >= t)
    });
    let outcome = if input_error {
        Outcome::Error
    } else if failing && !args.exit_zero && args.write_baseline.is_none() {
        Outcome::Findings
    } else {
        Outcome::Clean
    };
    summary.exit_code = outcome as u8;
    let descriptors = settings.descriptors(&selected, &findings);
    let report = render(args, &findings, &files, &summary, &descriptors, &uris);
    timings.lap("report");
    if let Err(e) = write_report(args.output.as_deref(), &report) {
        eprintln!("azlint: error: {e}");
        return Outcome::Error;
    }
    if let (Some((path, n)), false) = (baselined, args.quiet) {
        eprintln!(
            "azlint: wrote {n} findings to the baseline {}",
            path.display()
        );
    }

    // The inputs and inventory may be hundreds of megabytes; the process ends right after
    // reporting, so freeing them would only cost time.
    std::mem::forget(inventory);
    std::mem::forget(files);

    outcome
}

/// Reports problems that stop a run before any input is read (configuration, baseline).
/// A note for each VM a `[[site]]` of the configuration file names that the inputs do not
/// hold (a typo, or a file not given): that pair is not checked as a site, which a user must
/// hear, at the entry.
fn unmatched_sites(
    found: &config::Found,
    inventory: &Inventory,
    files: &mut Files,
) -> Vec<Finding> {
    let Some(source) = &found.source else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut file = None;
    for s in &found.config.site {
        let m = s.get_ref();
        let missing: Vec<&str> = [m.primary.as_str(), m.secondary.as_str()]
            .into_iter()
            .filter(|w| azlint_facts::explicit_vm(inventory, w).is_none())
            .collect();
        if missing.is_empty() {
            continue;
        }
        let id = *file.get_or_insert_with(|| files.add(source.clone()));
        let span = s.span();
        let end = span.end.min(source.text().len());
        let shown: Vec<String> = missing
            .iter()
            .map(|w| format!("`{}`", printable(w.trim())))
            .collect();
        let f = Finding::new(
            input::SITE_INCOMPLETE,
            Severity::Note,
            format!(
                "this site names {} {}, which the inputs do not hold: the pair is not checked as a site",
                if missing.len() == 1 { "VM" } else { "VMs" },
                shown.join(" and "),
            ),
            Label::new(id, azlint_source::Span::new(span.start.min(end) as u32, end as u32))
                .with_message("no such VM in the inputs"),
        )
        .with_help("check the VM names (or resource ids) against the export, and lint the files that hold both VMs together");
        out.push(f);
    }
    out
}

/// A word of `--select` or `--ignore` that names no rule (id, name, pack or tag), as the
/// configuration file's are checked: a typo would otherwise run nothing, or everything.
fn unknown_rule_words(args: &CheckArgs, loaded: &crate::rules::Loaded) -> Option<String> {
    let select = args.select.iter().map(|w| ("--select", w, false));
    let ignore = args.ignore.iter().map(|w| ("--ignore", w, true));
    select
        .chain(ignore)
        .filter(|(_, w, _)| !w.trim().is_empty())
        .find_map(|(flag, w, only_ignores)| {
            let why = crate::rules::unknown_word(loaded, w, only_ignores)?;
            Some(format!("{flag} {w}: {why}; `azlint rules` lists them"))
        })
}

fn report_only(args: &CheckArgs, mut findings: Vec<Finding>, files: &Files) -> Outcome {
    sort_findings(&mut findings, files);
    let uris = ArtifactUris::new(args.root.as_deref());
    assign_fingerprints(&mut findings, files, |id| uris.uri(&files.get(id).name));
    // The configuration or baseline file that stopped the run is the file read.
    let mut summary = Summary {
        files: files.len(),
        exit_code: Outcome::Error as u8,
        ..Default::default()
    };
    summary.count(findings.iter());
    let descriptors = azlint_report::input_descriptors();
    let report = render(args, &findings, files, &summary, &descriptors, &uris);
    if let Err(e) = write_report(args.output.as_deref(), &report) {
        eprintln!("azlint: error: {e}");
    }
    Outcome::Error
}

fn render(
    args: &CheckArgs,
    findings: &[Finding],
    files: &Files,
    summary: &Summary,
    rules: &[RuleDescriptor],
    uris: &ArtifactUris,
) -> String {
    let input = ReportInput {
        findings,
        files,
        summary,
        rules,
        uris,
    };
    match args.format {
        Format::Json => render_json(&input),
        Format::Sarif => render_sarif(&input),
        Format::Github => render_github(&input),
        Format::Junit => render_junit(&input),
        Format::Text => {
            let opts = TextOptions {
                color: use_color(args),
                ..TextOptions::default()
            };
            let mut text = if args.statistics {
                statistics(findings)
            } else {
                render_text(findings, files, opts)
            };
            if !args.quiet {
                text.push_str(&summary_line(summary));
                text.push('\n');
            }
            text
        }
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

/// "Cannot tell" for each site that refers to resources the inputs do not hold: checks of
/// resources that are not there cannot run, and no rule would otherwise say so.
fn incomplete_sites(inventory: &Inventory, facts: &Facts) -> Vec<Finding> {
    use rayon::prelude::*;
    // Sites are independent, and a large export has thousands: on every core, in site order.
    facts
        .sites
        .par_iter()
        .filter_map(|site| incomplete_site(inventory, facts, site))
        .collect()
}

fn incomplete_site(inventory: &Inventory, facts: &Facts, site: &Site) -> Option<Finding> {
    let vm = site.primary()?;
    let missing = facts.missing_references(inventory, site);
    if missing.is_empty() {
        return unread_nic_lists(inventory, site)
            .or_else(|| unknown_nics(inventory, facts, site))
            .or_else(|| unread_nics(inventory, site));
    }
    let shown: Vec<String> = missing
        .iter()
        .take(6)
        .map(|id| format!("`{}`", printable(id.rsplit('/').next().unwrap_or(id))))
        .collect();
    let more = match missing.len().saturating_sub(shown.len()) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    site_note(
        inventory,
        vm,
        |name| {
            format!(
                "cannot tell whether the site of `{name}` passes the checks that read {}{more}: {} not in the inputs",
                shown.join(", "),
                if missing.len() == 1 { "it is" } else { "they are" },
            )
        },
        "its site is not complete in the inputs",
        format!(
            "export them too and lint them together (az resource show --ids {})",
            missing.first().map(String::as_str).unwrap_or("ID")
        ),
    )
}

/// A resource's name as a message shows it.
fn shown_name(inventory: &Inventory, res: azlint_inventory::ResIdx) -> String {
    inventory
        .name(res)
        .and_then(|n| n.as_str().map(|s| printable(&s)))
        .unwrap_or_else(|| "(unnamed)".to_string())
}

/// A "cannot tell" note about a site, at its primary vSocket's name; `message` is given that
/// name as shown.
fn site_note(
    inventory: &Inventory,
    vm: azlint_inventory::ResIdx,
    message: impl FnOnce(&str) -> String,
    label: &str,
    help: impl Into<String>,
) -> Option<Finding> {
    let name = inventory.name(vm)?;
    let file = inventory.document_of(vm).file;
    let mut f = Finding::new(
        input::SITE_INCOMPLETE,
        Severity::Note,
        message(&printable(&name.as_str().unwrap_or_default())),
        Label::new(file, name.span()).with_message(label),
    )
    .with_help(help)
    .cannot_tell();
    f.resource_id = inventory.id(vm);
    Some(f)
}

/// A note for a site whose vSocket VMs' NIC lists cannot be read (PowerShell's text for
/// `networkProfile` below `ConvertTo-Json`'s `-Depth`): none of the site's NICs, subnets or
/// VNET is known, so none of their checks runs, which a user must hear once, for the site.
fn unread_nic_lists(inventory: &Inventory, site: &Site) -> Option<Finding> {
    let vm = site.primary()?;
    let (unread, reason) = site.vms.iter().find_map(|&v| {
        match inventory.prop(v, &["networkProfile", "networkInterfaces"]) {
            azlint_inventory::Lookup::Unknown(u) => Some((v, u.reason)),
            _ => None,
        }
    })?;
    let unread_name = shown_name(inventory, unread);
    site_note(
        inventory,
        vm,
        |name| {
            format!(
                "cannot tell whether the site of `{name}` passes the checks of its NICs, subnets, VNET, NSGs and routes: the NIC list of `{unread_name}` cannot be read ({reason})",
            )
        },
        "its NICs are not known",
        "export the VMs in full (az vm show, or ConvertTo-Json -Depth 100) and lint them together",
    )
}

/// A note for a site whose VMs name NICs by ids known only at deployment that azlint cannot
/// match to a NIC of the template: the checks of those NICs do not run, which a user must hear.
fn unknown_nics(inventory: &Inventory, facts: &Facts, site: &Site) -> Option<Finding> {
    let vm = site.primary()?;
    let unknown = facts.unknown_references(inventory, site);
    let first = unknown.first()?;
    let more = match unknown.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    site_note(
        inventory,
        vm,
        |name| {
            format!(
                "cannot tell whether the site of `{name}` passes the checks of its NICs: its vSockets name NIC `{}`{more} by an id known only at deployment, which azlint cannot match to a NIC of the template",
                printable(first),
            )
        },
        "its NICs are not known",
        "give the template's parameters values (--parameters FILE, or -p NAME=VALUE), or lint the deployed resources (az resource show --ids ...)",
    )
}

/// A note for a site whose NICs' IP configurations cannot be read (PowerShell's text for
/// them, below `ConvertTo-Json`'s `-Depth`; a value known only at deployment): the site's
/// subnets and VNET are unknown, so the checks that read them (the VNET's DNS, the routes, the
/// LAN subnet) do not run, which a user must hear.
fn unread_nics(inventory: &Inventory, site: &Site) -> Option<Finding> {
    let vm = site.primary()?;
    let mut unread = site.nics.iter().filter_map(|&(_, nic, _)| {
        match inventory.prop(nic, &["ipConfigurations"]) {
            azlint_inventory::Lookup::Unknown(u) => Some((nic, u.reason)),
            // A list whose configurations are text.
            azlint_inventory::Lookup::Found(list) => list
                .elements()
                .find_map(|c| azlint_inventory::unknown_value(inventory.document_of(nic), c))
                .map(|u| (nic, u.reason)),
            _ => None,
        }
    });
    let (nic, reason) = unread.next()?;
    let more = match unread.count() {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let nic_name = shown_name(inventory, nic);
    site_note(
        inventory,
        vm,
        |name| {
            format!(
                "cannot tell whether the site of `{name}` passes the checks that read its subnets and VNET: the IP configurations of NIC `{nic_name}`{more} cannot be read ({reason})",
            )
        },
        "its subnets are not known",
        "export the NICs in full (az network nic show, or ConvertTo-Json -Depth 100) and lint them together",
    )
}

/// A note for each resource given twice with copies that disagree: which copy is current
/// azlint cannot know, and two tools may write one setting in ways it cannot compare, so it
/// tells the user and does not fail the run.
fn conflicting_copies(inventory: &Inventory) -> Vec<Finding> {
    let name_or_head = |doc: &azlint_inventory::Document, node: u32| {
        let v = doc.value(node);
        v.get_ignore_case("name").unwrap_or(v).span()
    };
    inventory
        .conflicting_copies()
        .into_iter()
        .map(|(res, other, setting)| {
            let r = inventory.resource(res);
            let (here, there) = (
                inventory.document(r.place.doc),
                inventory.document(other.doc),
            );
            let name = inventory
                .name(res)
                .and_then(|n| n.as_str().map(|s| printable(&s)))
                .unwrap_or_else(|| "(unnamed)".to_string());
            let setting = match setting.is_empty() {
                true => String::new(),
                false => format!(" on `{}`", printable(&setting)),
            };
            let mut f = Finding::new(
                input::CONFLICTING_COPIES,
                Severity::Note,
                format!(
                    "`{name}` is in two inputs that disagree{setting}: the rules check both copies, but what its site is made of (its NICs, addresses, subnets) is read from the copy in {}, not the one in {} (exports made at different times?)",
                    here.source.name, there.source.name
                ),
                Label::new(here.file, name_or_head(here, r.place.node))
                    .with_message("the copy the site is read from"),
            )
            .with_help("lint one export of each resource: drop the stale file, or export both again");
            f.secondary.push(
                Label::new(there.file, name_or_head(there, other.node))
                    .with_message("a copy that differs"),
            );
            f.resource_id = inventory.id(res);
            f
        })
        .collect()
}
