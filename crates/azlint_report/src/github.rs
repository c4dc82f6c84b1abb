//! `--format github`: GitHub Actions workflow commands, one line per finding.
//!
//! A step that prints `::error file=F,line=L,...::message` gets an annotation on that line of
//! the pull request, with no upload step and no code scanning. Values are escaped the way
//! `@actions/core` escapes them (`escapeData` and `escapeProperty` in its `command.ts`), which
//! is what the runner unescapes. Columns count characters, as editors and azlint's text output
//! do; they are only given when the finding starts and ends on the same line, as the runner
//! ignores them otherwise. Suppressed findings are not shown: an annotation cannot be marked
//! as accepted.

use azlint_diagnostics::{Finding, Severity};

use crate::ReportInput;

/// Renders the findings as workflow commands, one per line.
pub fn render_github(input: &ReportInput) -> String {
    let paths = input.uris.paths(input.files);
    let mut out = String::new();
    for f in input.findings.iter().filter(|f| f.suppression.is_none()) {
        out.push_str(&command(f, input, &paths));
        out.push('\n');
    }
    out
}

fn command(f: &Finding, input: &ReportInput, paths: &[String]) -> String {
    let kind = match f.severity {
        _ if f.cannot_tell => "notice",
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let file = input.files.get(f.primary.file);
    let mut props = vec![("file", paths[f.primary.file.0 as usize].clone())];
    if let Some(span) = f.primary.span {
        let start = file.line_col(span.start);
        // The last character, not the position after it: the runner's end column is inclusive.
        let last = file.line_col(span.end.saturating_sub(1).max(span.start));
        props.push(("line", start.line.to_string()));
        if start.line == last.line {
            props.push(("col", start.column.to_string()));
            props.push(("endLine", last.line.to_string()));
            props.push(("endColumn", last.column.to_string()));
        } else {
            props.push(("endLine", last.line.to_string()));
        }
    }
    props.push(("title", format!("{} {}", f.code, f.name)));
    let props: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    let mut message = f.message.clone();
    if let Some(help) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!("::{kind} {}::{}", props.join(","), escape_data(&message))
}

/// `escapeData` of `@actions/core`: what would end the command or the line.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `escapeProperty` of `@actions/core`: `escapeData`, and the separators of properties.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fixture;

    #[test]
    fn escaping_matches_actions_core() {
        assert_eq!(escape_data("100%\r\nnext: a, b"), "100%25%0D%0Anext: a, b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        // `%` first, so that the escapes themselves are not escaped again.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn one_command_per_shown_finding() {
        let fx = fixture();
        let out = render_github(&fx.input());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4, "{out}");
        assert_eq!(
            lines[0],
            "::error file=site/broken file.json,title=IN001 unreadable-input::cannot read the file: permission denied"
        );
        // The emoji is one character: the list starts at column 35.
        assert_eq!(
            lines[1],
            "::error file=site/net.json,line=2,col=35,endLine=2,endColumn=46,title=HA002 vnet-dns-not-public::DNS is 100%25 private: 10.0.0.4, nothing else%0Asecond line <&> \u{1}%0Ahelp: use Azure DNS"
        );
        assert!(lines[2].starts_with("::notice file=site/net.json,line=2,col=3,"));
        assert!(lines[3].starts_with("::warning file=site/vm.json,line=2,col=3,endLine=2,endColumn=17,title=ORG001 needs-cost-center::"));
        assert!(
            !out.contains("HA010"),
            "suppressed findings are not annotated"
        );
    }

    #[test]
    fn multi_line_spans_have_no_columns() {
        let mut fx = fixture();
        let net = fx.findings[1].primary.file;
        let text = fx.files.get(net).text();
        fx.findings[1].primary.span = Some(azlint_source::Span::new(0, text.len() as u32));
        let out = render_github(&fx.input());
        let line = out.lines().nth(1).unwrap_or_default();
        assert!(
            line.starts_with("::error file=site/net.json,line=1,endLine=3,title="),
            "{line}"
        );
    }
}
