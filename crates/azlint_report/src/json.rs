//! `--format json`: findings for scripts.
//!
//! The structure is versioned (`version`); fields are only ever added.

use azlint_diagnostics::{Label, Suppression};
use azlint_source::{Files, LineCol};
use serde::Serialize;

use crate::ReportInput;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'static str,
    cannot_tell: bool,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    location: Location<'a>,
    related: Vec<Location<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<JsonSuppression<'a>>,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    kind: &'static str,
    justification: &'a str,
}

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<Position>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<Position>,
}

#[derive(Serialize)]
struct Position {
    line: u32,
    column: u32,
    column_utf16: u32,
    offset: u32,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    resources: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    hidden_unknown: usize,
    suppressed: usize,
    in_baseline: usize,
}

fn position(p: LineCol, offset: u32) -> Position {
    Position {
        line: p.line,
        column: p.column,
        column_utf16: p.column_utf16,
        offset,
    }
}

fn location<'a>(l: &'a Label, files: &'a Files) -> Location<'a> {
    let file = files.get(l.file);
    Location {
        file: &file.name,
        message: l.message.as_deref(),
        start: l.span.map(|s| position(file.line_col(s.start), s.start)),
        end: l.span.map(|s| position(file.line_col(s.end), s.end)),
    }
}

fn suppression(s: &Suppression) -> JsonSuppression<'_> {
    JsonSuppression {
        kind: s.kind.as_str(),
        justification: &s.justification,
    }
}

/// Renders findings and the summary as pretty-printed JSON, as `docs/report.schema.json`
/// describes it.
pub fn render_json(input: &ReportInput) -> String {
    let (findings, files, summary) = (input.findings, input.files, input.summary);
    let out = Output {
        version: 1,
        tool: Tool {
            name: "azlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings: findings
            .iter()
            .map(|f| JsonFinding {
                code: &f.code,
                name: &f.name,
                severity: f.severity.as_str(),
                cannot_tell: f.cannot_tell,
                message: &f.message,
                help: f.help.as_deref(),
                location: location(&f.primary, files),
                related: f.secondary.iter().map(|l| location(l, files)).collect(),
                resource_id: f.resource_id.as_deref(),
                path: f.path.as_deref(),
                fingerprint: &f.fingerprint,
                suppression: f.suppression.as_ref().map(suppression),
            })
            .collect(),
        summary: JsonSummary {
            files: summary.files,
            resources: summary.resources,
            errors: summary.errors,
            warnings: summary.warnings,
            notes: summary.notes,
            hidden_unknown: summary.hidden_unknown,
            suppressed: summary.suppressed,
            in_baseline: summary.in_baseline,
        },
    };
    // Serialising plain structs of strings and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::test_support::fixture;

    fn schema() -> jsonschema::Validator {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/report.schema.json");
        let text = std::fs::read_to_string(path).expect("docs/report.schema.json");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("a valid JSON Schema")
    }

    fn errors(validator: &jsonschema::Validator, report: &Value) -> Vec<String> {
        validator
            .iter_errors(report)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect()
    }

    #[test]
    fn reports_match_the_published_schema() {
        let validator = schema();
        let mut fx = fixture();
        let full: Value = serde_json::from_str(&render_json(&fx.input())).expect("JSON");
        assert_eq!(errors(&validator, &full), Vec::<String>::new());
        fx.findings.clear();
        let empty: Value = serde_json::from_str(&render_json(&fx.input())).expect("JSON");
        assert_eq!(errors(&validator, &empty), Vec::<String>::new());

        // The schema describes the output exactly: a field it does not know is an error.
        let mut extra = full.clone();
        extra["findings"][0]["unknown"] = Value::Bool(true);
        assert!(!validator.is_valid(&extra));
    }

    #[test]
    fn findings_carry_fingerprints_and_suppressions() {
        let fx = fixture();
        let out: Value = serde_json::from_str(&render_json(&fx.input())).expect("JSON");
        let suppressed = &out["findings"][3];
        assert_eq!(suppressed["code"], "HA010");
        assert_eq!(
            suppressed["fingerprint"],
            "0123456789abcdef0123456789abcdef:1"
        );
        assert_eq!(
            suppressed["suppression"],
            serde_json::json!({"kind": "inSource", "justification": "lab VM, never deployed"})
        );
        assert!(out["findings"][1].get("suppression").is_none());
        assert_eq!(out["summary"]["suppressed"], 1);
        // New fields come after the old ones, whose order does not change.
        let text = render_json(&fx.input());
        assert!(text.contains(
            "\"related\": [],\n      \"fingerprint\": \"0123456789abcdef0123456789abcdef:1\",\n      \"suppression\": {\n        \"kind\": \"inSource\","
        ), "{text}");
        assert!(text.contains(
            "\"hidden_unknown\": 0,\n    \"suppressed\": 1,\n    \"in_baseline\": 0\n  }\n}\n"
        ));
    }
}
