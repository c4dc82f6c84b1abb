//! `azlint.toml`: the configuration of a repository.
//!
//! Found by walking up from the current directory (`azlint.toml`, else `.azlint.toml`), or named
//! with `--config`; `--isolated` ignores every configuration file. Unknown keys, unknown rule
//! names and malformed values are errors located in the file (exit 2): a typo in a suppression
//! or a severity override must not silently do nothing.
//!
//! Command-line flags win: `--select` replaces `select`, `--ignore` adds to `ignore`,
//! `--fail-on` and `--show-unknown` override theirs.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use azlint_diagnostics::{Finding, Label, Severity};
use azlint_source::{Files, SourceFile, Span};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::cli::{ConfigArgs, ConfigSourceArgs, FailOn};
use crate::rules::Loaded;

/// The file names looked for, in order, in each directory from the current one up.
pub const FILE_NAMES: [&str; 2] = ["azlint.toml", ".azlint.toml"];

pub const INVALID_CONFIG: (&str, &str) = ("IN006", "invalid-config");

/// What `azlint.toml` may say.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Rules to run (ids, names, packs or tags); empty runs every rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub select: Vec<Spanned<String>>,
    /// Rules not to run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<Spanned<String>>,
    /// Lowest severity that fails the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<FailOn>,
    /// List "cannot tell" notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_unknown: Option<bool>,
    /// More rule directories, relative to the configuration file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<PathBuf>,
    /// Severity per rule (id, name, pack or tag): `error`, `warning`, `note` or `off`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub severity: BTreeMap<Spanned<String>, Level>,
    /// Rules not to run on files matching a glob (relative to the configuration file).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_path_ignores: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    /// Findings accepted on purpose, by rule and resource id, each with its reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppress: Vec<Spanned<ConfigSuppression>>,
    /// HA sites azlint cannot recognise by itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site: Vec<Spanned<SiteMapping>>,
    /// Values for template parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, toml::Value>,
    /// What `subscription()`, `resourceGroup()` and `deployment()` return in templates.
    #[serde(default, skip_serializing_if = "Deployment::is_empty")]
    pub deployment: Deployment,
}

/// A severity override.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Error,
    Warning,
    Note,
    /// The rule does not run.
    Off,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Error => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::Note => Some(Severity::Note),
            Level::Off => None,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigSuppression {
    /// Rule ids or names.
    pub rules: Vec<String>,
    /// The resource id the findings are about (compared case-insensitively).
    pub resource: String,
    /// Why the findings are accepted. Mandatory.
    #[serde(default)]
    pub reason: String,
}

/// An HA pair named explicitly: each VM by name or resource id.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SiteMapping {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub primary: String,
    pub secondary: String,
}

/// Deployment placeholders for template functions.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Deployment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_name: Option<String>,
}

impl Deployment {
    fn is_empty(&self) -> bool {
        self.subscription_id.is_none()
            && self.tenant_id.is_none()
            && self.resource_group.is_none()
            && self.location.is_none()
            && self.deployment_name.is_none()
    }
}

/// A configuration and where it came from.
pub struct Found {
    pub config: Config,
    /// The file, absent when no configuration applies.
    pub source: Option<Arc<SourceFile>>,
    /// The directory relative paths in the configuration start from.
    pub base: PathBuf,
}

impl Found {
    fn none() -> Found {
        Found {
            config: Config::default(),
            source: None,
            base: std::env::current_dir().unwrap_or_default(),
        }
    }

    /// The rule directories the configuration adds, resolved against its directory.
    pub fn rule_dirs(&self) -> Vec<PathBuf> {
        self.config
            .rules
            .iter()
            .map(|d| self.base.join(d))
            .collect()
    }
}

/// The configuration file that applies: `--config`, else the nearest `azlint.toml` or
/// `.azlint.toml` from the current directory up; none with `--isolated`.
pub fn locate(args: &ConfigSourceArgs) -> Option<PathBuf> {
    if args.isolated {
        return None;
    }
    if let Some(path) = &args.config {
        return Some(path.clone());
    }
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors().find_map(|dir| {
        FILE_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// A configuration that cannot be used: the findings to report (exit 2).
pub struct Invalid {
    pub findings: Vec<Finding>,
}

/// Reads and checks the configuration that applies. Rule words are checked against `rules`.
pub fn load(args: &ConfigSourceArgs, files: &mut Files) -> Result<Found, Invalid> {
    let Some(path) = locate(args) else {
        return Ok(Found::none());
    };
    // Shown relative to the current directory when it is below it, as users typed paths.
    let cwd = std::env::current_dir().unwrap_or_default();
    let name = path
        .strip_prefix(&cwd)
        .unwrap_or(&path)
        .display()
        .to_string();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            let id = files.add(Arc::new(SourceFile::new(name, String::new())));
            return Err(Invalid {
                findings: vec![invalid(
                    Label::whole_file(id),
                    format!("cannot read the configuration file: {e}"),
                )],
            });
        }
    };
    let source = Arc::new(SourceFile::new(name, text));
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let base = std::fs::canonicalize(&base).unwrap_or(base);
    match toml::from_str::<Config>(source.text()) {
        Ok(config) => Ok(Found {
            config,
            source: Some(source),
            base,
        }),
        Err(e) => {
            let id = files.add(source.clone());
            let label = located(id, &source, e.span());
            Err(Invalid {
                findings: vec![invalid(label, e.message().trim().to_string())],
            })
        }
    }
}

/// Checks what only the rules can tell: every rule word names a rule, globs compile,
/// suppressions have reasons. Problems are located findings.
pub fn validate(found: &Found, loaded: &Loaded, files: &mut Files) -> Vec<Finding> {
    let Some(source) = &found.source else {
        return Vec::new();
    };
    let mut problems: Vec<(Range<usize>, String)> = Vec::new();
    let c = &found.config;
    // Input warnings (IN003 unrecognised input, say) can be ignored too, not reconfigured.
    let ignorable = c.ignore.iter().chain(c.per_path_ignores.values().flatten());
    let words = ignorable
        .map(|w| (w, true))
        .chain(c.select.iter().chain(c.severity.keys()).map(|w| (w, false)));
    for (w, only_ignores) in words {
        if let Some(why) = crate::rules::unknown_word(loaded, w.get_ref(), only_ignores) {
            problems.push((w.span(), why));
        }
    }
    for glob in c.per_path_ignores.keys() {
        if let Err(e) = crate::settings::path_glob(glob.get_ref()) {
            problems.push((glob.span(), format!("invalid glob: {}", e.kind())));
        }
    }
    for s in &c.suppress {
        let sup = s.get_ref();
        if sup.reason.trim().is_empty() {
            problems.push((
                s.span(),
                "a suppression needs a `reason`: say why the finding is accepted".into(),
            ));
        }
        if sup.rules.is_empty() {
            problems.push((s.span(), "a suppression needs at least one rule".into()));
        }
        for r in &sup.rules {
            let by_id = loaded.rules.iter().any(|(rule, _)| {
                rule.meta.code.eq_ignore_ascii_case(r) || rule.meta.name.eq_ignore_ascii_case(r)
            });
            if !by_id {
                problems.push((s.span(), format!("no rule has the id or name `{r}`")));
            }
        }
    }
    for s in &c.site {
        let m = s.get_ref();
        if m.primary.trim().is_empty() || m.secondary.trim().is_empty() {
            problems.push((
                s.span(),
                "a site needs a `primary` and a `secondary` VM".into(),
            ));
        } else if m.primary.eq_ignore_ascii_case(&m.secondary) {
            problems.push((
                s.span(),
                "a site's primary and secondary are the same VM".into(),
            ));
        }
    }
    if problems.is_empty() {
        return Vec::new();
    }
    let id = files.add(source.clone());
    problems
        .into_iter()
        .map(|(span, message)| invalid(located(id, source, Some(span)), message))
        .collect()
}

fn located(id: azlint_source::FileId, source: &SourceFile, span: Option<Range<usize>>) -> Label {
    match span {
        Some(r) => {
            let end = r.end.min(source.text().len());
            let start = r.start.min(end);
            Label::new(id, Span::new(start as u32, end as u32)).with_message("here")
        }
        None => Label::whole_file(id),
    }
}

fn invalid(label: Label, message: String) -> Finding {
    Finding::new(
        INVALID_CONFIG,
        Severity::Error,
        format!("invalid configuration: {message}"),
        label,
    )
    .with_help("see the Configuration section of README.md")
    .input_error()
}

/// `azlint config --show`: the configuration that applies, and where it comes from.
/// [`load`] for commands that report nothing else: an unusable configuration is reported on
/// stderr, and `None` returned (exit 2).
pub fn load_reported(args: &ConfigSourceArgs) -> Option<Found> {
    let mut files = Files::new();
    match load(args, &mut files) {
        Ok(found) => Some(found),
        Err(invalid) => {
            let opts = azlint_report::TextOptions::default();
            eprint!(
                "{}",
                azlint_report::render_text(&invalid.findings, &files, opts)
            );
            None
        }
    }
}

pub fn show(args: &ConfigArgs) -> crate::check::Outcome {
    let Some(found) = load_reported(&args.source) else {
        return crate::check::Outcome::Error;
    };
    let mut out = String::new();
    match &found.source {
        Some(s) => out.push_str(&format!("# configuration file: {}\n", s.name)),
        None if args.source.isolated => out.push_str("# --isolated: no configuration file\n"),
        None => out.push_str(&format!(
            "# no {} or {} found from the current directory up: defaults\n",
            FILE_NAMES[0], FILE_NAMES[1]
        )),
    }
    out.push_str(&format!(
        "# relative paths start at: {}\n",
        found.base.display()
    ));
    let body = toml::to_string_pretty(&found.config).unwrap_or_default();
    out.push_str(&body);
    if found.config.fail_on.is_none() {
        out.push_str("# fail-on = \"warning\" (default)\n");
    }
    out!("{out}");
    crate::check::Outcome::Clean
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn a_full_configuration_reads() {
        let c = parse(
            r#"
select = ["ha"]
ignore = ["HA031"]
fail-on = "error"
show-unknown = true
rules = ["team-rules"]

[severity]
HA010 = "warning"
name-invalid = "off"

[per-path-ignores]
"legacy/**" = ["HA001"]

[[suppress]]
rules = ["HA002"]
resource = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
reason = "Cato DNS on purpose"

[[site]]
name = "hub"
primary = "vsocket-a"
secondary = "vsocket-b"

[parameters]
nic_name = "lan-nic"

[deployment]
subscription-id = "00000000-0000-0000-0000-000000000000"
resource-group = "rg"
"#,
        )
        .unwrap();
        assert_eq!(c.select[0].get_ref(), "ha");
        assert_eq!(c.fail_on, Some(FailOn::Error));
        assert_eq!(c.severity.len(), 2);
        assert_eq!(c.suppress[0].get_ref().reason, "Cato DNS on purpose");
        assert_eq!(c.site[0].get_ref().primary, "vsocket-a");
        assert_eq!(c.deployment.resource_group.as_deref(), Some("rg"));
    }

    #[test]
    fn unknown_keys_are_errors_with_spans() {
        let text = "select = []\n[severity]\nHA010 = \"loud\"\n";
        let e = parse(text).unwrap_err();
        let span = e.span().unwrap();
        assert_eq!(&text[span], "\"loud\"");
        let text = "selekt = [\"HA001\"]\n";
        let e = parse(text).unwrap_err();
        assert_eq!(&text[e.span().unwrap()], "selekt");
        assert!(e.message().contains("unknown field"), "{}", e.message());
    }
}
