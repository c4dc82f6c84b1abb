//! Turning findings into what users read.
//!
//! Every format reads the same [`Finding`]s, already filtered and sorted by the caller. Text is
//! rendered with miette's graphical handler (code frames, underlines, secondary labels); JSON is
//! a documented, stable structure for scripts (`docs/report.schema.json`); SARIF is for code
//! scanning (GitHub and other SARIF viewers); GitHub workflow commands annotate a pull request
//! from any workflow step; JUnit XML shows each input as a test suite in CI test reporters.

mod descriptor;
mod github;
mod json;
mod junit;
mod sarif;
mod text;
mod uri;

#[cfg(test)]
mod test_support;

use azlint_diagnostics::{Finding, Severity};
use azlint_source::Files;

pub use descriptor::{input_descriptors, RuleDescriptor};
pub use github::render_github;
pub use json::render_json;
pub use junit::render_junit;
pub use sarif::render_sarif;
pub use text::{render_text, TextOptions};
pub use uri::ArtifactUris;

/// Everything the machine-readable formats (JSON, SARIF, GitHub, JUnit) render from.
#[derive(Clone, Copy, Debug)]
pub struct ReportInput<'a> {
    /// The findings to report, filtered and sorted. Suppressed findings (with
    /// [`Finding::suppression`] set) are here only when the user asked to see them.
    pub findings: &'a [Finding],
    /// Every input of the run, including the ones without findings.
    pub files: &'a Files,
    pub summary: &'a Summary,
    /// The rules to describe in formats that list rules (SARIF), in the order to list them.
    pub rules: &'a [RuleDescriptor],
    /// How file names become repository-relative paths and URIs.
    pub uris: &'a ArtifactUris,
}

/// Counts for the closing summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Inputs read (files and standard input).
    pub files: usize,
    /// Resources in the inventory.
    pub resources: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// "Cannot tell" notes left out (shown with `--show-unknown`).
    pub hidden_unknown: usize,
    /// Findings a suppression covers.
    pub suppressed: usize,
    /// Findings left out because the baseline holds them.
    pub in_baseline: usize,
    /// The run's exit code (0 clean, 1 findings at the threshold, 2 an input error), for
    /// formats that record it (SARIF's `invocation.exitCode`).
    pub exit_code: u8,
}

impl Summary {
    /// Counts the findings that are shown.
    pub fn count<'f>(&mut self, shown: impl IntoIterator<Item = &'f Finding>) {
        for f in shown {
            match f.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Note => self.notes += 1,
            }
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The last line of a text report: "2 errors, 1 warning in 3 files (120 resources)".
pub fn summary_line(s: &Summary) -> String {
    let mut parts = Vec::new();
    if s.errors > 0 {
        parts.push(plural(s.errors, "error"));
    }
    if s.warnings > 0 {
        parts.push(plural(s.warnings, "warning"));
    }
    if s.notes > 0 {
        parts.push(plural(s.notes, "note"));
    }
    let found = if parts.is_empty() {
        "no problems found".to_string()
    } else {
        parts.join(", ")
    };
    let mut line = format!(
        "azlint: {found} in {} ({})",
        plural(s.files, "file"),
        plural(s.resources, "resource")
    );
    if s.suppressed > 0 {
        line.push_str(&format!("; {} suppressed", s.suppressed));
    }
    if s.in_baseline > 0 {
        line.push_str(&format!("; {} in the baseline", s.in_baseline));
    }
    if s.hidden_unknown > 0 {
        line.push_str(&format!(
            "; {} could not be decided from the input (--show-unknown lists them)",
            plural(s.hidden_unknown, "check")
        ));
    }
    line
}

/// Per-rule counts, for `--statistics`.
pub fn statistics(findings: &[Finding]) -> String {
    let mut counts: std::collections::BTreeMap<(&str, &str), (usize, Severity)> =
        Default::default();
    for f in findings {
        let e = counts
            .entry((f.code.as_str(), f.name.as_str()))
            .or_insert((0, f.severity));
        e.0 += 1;
        e.1 = e.1.max(f.severity);
    }
    let width = counts
        .values()
        .map(|(n, _)| n.to_string().len())
        .max()
        .unwrap_or(1);
    counts
        .iter()
        .map(|((code, name), (n, sev))| format!("{n:>width$}  {code}  {name} ({sev})\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reads_well() {
        let mut s = Summary {
            files: 1,
            resources: 21,
            ..Default::default()
        };
        assert_eq!(
            summary_line(&s),
            "azlint: no problems found in 1 file (21 resources)"
        );
        s.errors = 2;
        s.warnings = 1;
        s.hidden_unknown = 3;
        assert_eq!(
            summary_line(&s),
            "azlint: 2 errors, 1 warning in 1 file (21 resources); 3 checks could not be decided from the input (--show-unknown lists them)"
        );
    }
}
