//! Baselines: adopt azlint on a repository with known findings, and hear only of new ones.
//!
//! `--write-baseline FILE` records the findings of a run by fingerprint; `--baseline FILE`
//! leaves out every finding whose fingerprint the file holds. Fingerprints name the rule, the
//! resource, the property and the value, never a line, so moving lines, reformatting files or
//! reordering resources does not make old findings look new.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use azlint_diagnostics::{Finding, Label, Severity};
use azlint_source::{Files, SourceFile, Span};
use serde::{Deserialize, Serialize};

pub const INVALID: (&str, &str) = ("IN009", "invalid-baseline");

#[derive(Serialize, Deserialize)]
struct BaselineFile {
    /// Format version; only 1 exists.
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    /// The rest is for people reading the file; only the fingerprint is matched.
    #[serde(default)]
    rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resource_id: Option<String>,
    #[serde(default)]
    message: String,
}

/// The fingerprints of a baseline file.
pub struct Baseline {
    fingerprints: HashSet<String>,
}

/// Reads a baseline file; a located input error when it cannot be used.
pub fn read(path: &Path, files: &mut Files) -> Result<Baseline, Box<Finding>> {
    let name = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let id = files.add(Arc::new(SourceFile::new(name, String::new())));
            return Err(invalid(
                Label::whole_file(id),
                format!("cannot read the baseline file: {e}"),
            ));
        }
    };
    match serde_json::from_str::<BaselineFile>(&text) {
        Ok(b) if b.version == 1 => Ok(Baseline {
            fingerprints: b.findings.into_iter().map(|e| e.fingerprint).collect(),
        }),
        Ok(b) => {
            // At the version's value (the file parsed as JSON above, so it is there).
            let at = azlint_source::Tree::parse(&text, 0)
                .ok()
                .and_then(|tree| tree.root(&text).get("version").map(|v| v.span()));
            let id = files.add(Arc::new(SourceFile::new(name, text)));
            let label = match at {
                Some(span) => Label::new(id, span).with_message("here"),
                None => Label::whole_file(id),
            };
            Err(invalid(
                label,
                format!(
                    "baseline version {} is not one this azlint reads (1)",
                    b.version
                ),
            ))
        }
        Err(e) => {
            let source = Arc::new(SourceFile::new(name, text));
            let offset = offset_of(source.text(), e.line(), e.column());
            let id = files.add(source);
            Err(invalid(
                Label::new(id, Span::new(offset, offset)).with_message("here"),
                format!("this is not an azlint baseline: {e}"),
            ))
        }
    }
}

fn offset_of(text: &str, line: usize, column: usize) -> u32 {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let within = text[start..]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    (start + within).min(text.len()) as u32
}

fn invalid(label: Label, message: String) -> Box<Finding> {
    Box::new(
        Finding::new(INVALID, Severity::Error, message, label)
            .with_help("write one with `azlint check ... --write-baseline FILE`")
            .input_error(),
    )
}

impl Baseline {
    /// Whether the baseline holds this finding.
    pub fn contains(&self, f: &Finding) -> bool {
        !f.is_input_error && self.fingerprints.contains(&f.fingerprint)
    }
}

/// The baseline file for these findings (input errors and suppressed findings left out), and
/// how many it holds.
pub fn render(findings: &[Finding]) -> (String, usize) {
    let file = BaselineFile {
        version: 1,
        findings: findings
            .iter()
            .filter(|f| !f.is_input_error && f.suppression.is_none())
            .map(|f| Entry {
                fingerprint: f.fingerprint.clone(),
                rule: f.code.clone(),
                resource_id: f.resource_id.clone(),
                message: f.message.clone(),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
    s.push('\n');
    (s, file.findings.len())
}
