//! `--format json`: findings for scripts.
//!
//! The structure is versioned (`version`); fields are only ever added.

use azlint_diagnostics::{Finding, Label};
use azlint_source::{Files, LineCol};
use serde::Serialize;

use crate::Summary;

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

/// Renders findings and the summary as pretty-printed JSON.
pub fn render_json(findings: &[Finding], files: &Files, summary: &Summary) -> String {
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
            })
            .collect(),
        summary: JsonSummary {
            files: summary.files,
            resources: summary.resources,
            errors: summary.errors,
            warnings: summary.warnings,
            notes: summary.notes,
            hidden_unknown: summary.hidden_unknown,
        },
    };
    // Serialising plain structs of strings and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}
