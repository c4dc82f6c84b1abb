//! What reports say about rules, apart from any one finding.
//!
//! SARIF lists every rule of a run up front (`tool.driver.rules`) and GitHub code scanning
//! shows those descriptions next to each alert; the caller builds a [`RuleDescriptor`] for each
//! rule it ran, and [`input_descriptors`] describes the codes of input problems.

use azlint_diagnostics::{input, Severity};

/// One rule as reports describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDescriptor {
    /// The stable code, e.g. `HA002` (SARIF's rule `id`, which results refer to).
    pub id: String,
    /// The kebab-case name, e.g. `vnet-dns-not-public`.
    pub name: String,
    /// The rule's default severity.
    pub severity: Severity,
    /// The rule's one-line summary.
    pub short_description: String,
    /// What the rule checks and why it matters.
    pub full_description: String,
    /// The rule's documentation as plain text.
    pub help_text: String,
    /// The same documentation as Markdown (GitHub shows it instead of the text); may be empty.
    pub help_markdown: String,
    /// An absolute URL of the rule's page.
    pub help_uri: Option<String>,
    pub tags: Vec<String>,
    /// How often the rule's findings are right, in GitHub code scanning's terms (it shows
    /// results of high precision first): `very-high`, `high`, `medium` or `low`.
    pub precision: String,
}

impl RuleDescriptor {
    /// A minimal descriptor for a code that has no description: every result must name a rule
    /// that the report lists.
    pub fn fallback(code: &str, name: &str, severity: Severity) -> RuleDescriptor {
        let text = format!("{code} {name}");
        RuleDescriptor {
            id: code.to_string(),
            name: name.to_string(),
            severity,
            short_description: text.clone(),
            full_description: text.clone(),
            help_text: text,
            help_markdown: String::new(),
            help_uri: None,
            tags: Vec::new(),
            precision: "medium".to_string(),
        }
    }
}

/// Descriptors for the input codes (`IN001`...), from [`azlint_diagnostics::input::ALL`].
/// Where the README lists the findings about the inputs.
const INPUT_FINDINGS_URI: &str =
    "https://github.com/azlint/azlint/blob/main/README.md#what-it-checks";

/// Inputs that cannot be used at all (unreadable, not JSON, a broken rule, configuration or
/// baseline) are errors; the rest are warnings.
pub fn input_descriptors() -> Vec<RuleDescriptor> {
    input::ALL
        .iter()
        .map(|&(code, name, description)| {
            let severity = match code {
                "IN001" | "IN002" | "IN005" | "IN006" | "IN009" | "IN010" => Severity::Error,
                // What the inputs do not show: "cannot tell", a note.
                "IN012" | "IN013" | "IN014" => Severity::Note,
                _ => Severity::Warning,
            };
            RuleDescriptor {
                id: code.to_string(),
                name: name.to_string(),
                severity,
                short_description: description.to_string(),
                full_description: format!(
                    "{description} This is about azlint's own inputs, not about Azure resources."
                ),
                help_text: description.to_string(),
                help_markdown: String::new(),
                help_uri: Some(INPUT_FINDINGS_URI.to_string()),
                tags: vec!["input".to_string()],
                // Whether a file can be read is never a guess.
                precision: "very-high".to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_codes_are_described() {
        let all = input_descriptors();
        let codes: Vec<&str> = all.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(
            codes,
            [
                "IN001", "IN002", "IN003", "IN004", "IN005", "IN006", "IN007", "IN008", "IN009",
                "IN010", "IN011", "IN012", "IN013", "IN014"
            ]
        );
        let errors: Vec<&str> = all
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.id.as_str())
            .collect();
        assert_eq!(
            errors,
            ["IN001", "IN002", "IN005", "IN006", "IN009", "IN010"]
        );
        assert!(all.iter().all(|d| !d.short_description.is_empty()));
    }
}
