//! `--format junit`: JUnit XML for CI test reporters (GitHub test-report actions, Azure
//! DevOps `PublishTestResults`, GitLab's `artifacts:reports:junit`).
//!
//! Each input is a test suite, so that a clean file shows up as passing rather than missing:
//! a file without findings has one passing test case, `azlint`; otherwise each finding is a
//! test case that fails (an `<error>` when the input itself could not be used). Suppressed
//! findings, when reported, are skipped test cases. Only the attributes all three readers
//! know are written, and every value is escaped and stripped of the characters XML 1.0
//! forbids, which JSON strings may contain.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

use azlint_diagnostics::{Finding, Label};
use quick_xml::escape::{escape, partial_escape};

use crate::ReportInput;

/// Renders one test suite per input file, in name order.
pub fn render_junit(input: &ReportInput) -> String {
    let cx = Context {
        input,
        paths: input.uris.paths(input.files),
    };
    // Every input, with or without findings; two inputs with the same name are one suite.
    let mut suites: BTreeMap<&str, Vec<&Finding>> = cx
        .paths
        .iter()
        .enumerate()
        .filter(|(i, _)| !input.files.is_internal(azlint_source::FileId(*i as u32)))
        .map(|(_, p)| (p.as_str(), Vec::new()))
        .collect();
    for f in input.findings {
        suites.entry(cx.path(&f.primary)).or_default().push(f);
    }

    let mut body = String::new();
    let mut total = Counts::default();
    for (path, findings) in &suites {
        let mut counts = Counts::default();
        let mut cases = String::new();
        if findings.is_empty() {
            counts.tests = 1;
            let _ = writeln!(
                cases,
                r#"    <testcase name="azlint" classname="{}" time="0"/>"#,
                attr(path)
            );
        }
        for f in findings {
            counts.tests += 1;
            cases.push_str(&case(f, path, &cx, &mut counts));
        }
        let _ = writeln!(
            body,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="{}" skipped="{}" time="0">"#,
            attr(path),
            counts.tests,
            counts.failures,
            counts.errors,
            counts.skipped
        );
        body.push_str(&cases);
        body.push_str("  </testsuite>\n");
        total.add(&counts);
    }

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        r#"<testsuites name="azlint" tests="{}" failures="{}" errors="{}" skipped="{}" time="0">"#,
        total.tests, total.failures, total.errors, total.skipped
    );
    out.push_str(&body);
    out.push_str("</testsuites>\n");
    out
}

/// The report's input, with each file's path looked up once.
struct Context<'a> {
    input: &'a ReportInput<'a>,
    /// Repository-relative paths, indexed by file id.
    paths: Vec<String>,
}

impl Context<'_> {
    fn path(&self, l: &Label) -> &str {
        &self.paths[l.file.0 as usize]
    }

    /// 1-based line and character column of a label's start.
    fn position(&self, l: &Label) -> Option<(u32, u32)> {
        l.span.map(|span| {
            let p = self.input.files.get(l.file).line_col(span.start);
            (p.line, p.column)
        })
    }

    /// `path:line:column`, or the path alone for a whole file.
    fn place(&self, l: &Label) -> String {
        match self.position(l) {
            Some((line, column)) => format!("{}:{line}:{column}", self.path(l)),
            None => self.path(l).to_string(),
        }
    }
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.tests += other.tests;
        self.failures += other.failures;
        self.errors += other.errors;
        self.skipped += other.skipped;
    }
}

fn case(f: &Finding, path: &str, cx: &Context, counts: &mut Counts) -> String {
    let at = cx.position(&f.primary);
    let name = match &at {
        Some((line, column)) => format!("{} {} at line {line}:{column}", f.code, f.name),
        None => format!("{} {}", f.code, f.name),
    };
    let mut out = format!(
        "    <testcase name=\"{}\" classname=\"{}\" time=\"0\">\n",
        attr(&name),
        attr(path)
    );
    if let Some(s) = &f.suppression {
        counts.skipped += 1;
        let _ = writeln!(
            out,
            r#"      <skipped message="{}"/>"#,
            attr(&format!("suppressed: {}", s.justification))
        );
    } else {
        let element = if f.is_input_error {
            counts.errors += 1;
            "error"
        } else {
            counts.failures += 1;
            "failure"
        };
        let _ = writeln!(
            out,
            r#"      <{element} type="{}" message="{}">{}</{element}>"#,
            attr(f.severity.as_str()),
            attr(&f.message),
            text(&details(f, cx))
        );
    }
    out.push_str("    </testcase>\n");
    out
}

/// The body of a failure: everything a reader needs without the other formats.
fn details(f: &Finding, cx: &Context) -> String {
    let mut s = f.message.clone();
    if let Some(help) = &f.help {
        let _ = write!(s, "\n\nhelp: {help}");
    }
    s.push('\n');
    if let Some(id) = &f.resource_id {
        let _ = write!(s, "\nresource: {id}");
    }
    if let Some(path) = &f.path {
        let _ = write!(s, "\nproperty: {path}");
    }
    let _ = write!(s, "\nat: {}", cx.place(&f.primary));
    for l in &f.secondary {
        let _ = write!(s, "\nrelated: {}", cx.place(l));
        if let Some(m) = &l.message {
            let _ = write!(s, " ({m})");
        }
    }
    s.push('\n');
    s
}

/// Drops what XML 1.0 cannot carry at all: control characters other than tab, line feed and
/// carriage return, and U+FFFE and U+FFFF (Rust strings hold no surrogates).
fn xml_chars(s: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
            || c >= '\u{10000}'
    };
    if s.chars().all(allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|&c| allowed(c)).collect())
    }
}

/// Element text: `<`, `>`, `&` and carriage returns escaped.
fn text(s: &str) -> String {
    partial_escape(xml_chars(s)).into_owned()
}

/// An attribute value: quotes escaped too, and line breaks and tabs written as character
/// references, since a parser turns literal ones into spaces.
fn attr(s: &str) -> String {
    escape(xml_chars(s))
        .replace('\n', "&#10;")
        .replace('\t', "&#9;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::fixture;

    #[test]
    fn escapes_and_strips() {
        assert_eq!(
            attr("a<b>&\"'\n\t\r\u{1}\u{FFFF}é"),
            "a&lt;b&gt;&amp;&quot;&apos;&#10;&#9;&#13;é"
        );
        assert_eq!(text("x\u{0}<y>\n"), "x&lt;y&gt;\n");
    }

    #[test]
    fn output_is_well_formed_xml() {
        use quick_xml::events::Event;
        let fx = fixture();
        let out = render_junit(&fx.input());
        let mut reader = quick_xml::Reader::from_str(&out);
        let mut failure_text = String::new();
        let mut in_failure = false;
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Start(e)) => in_failure = e.name().as_ref() == "failure",
                Ok(Event::Text(t)) if in_failure && failure_text.is_empty() => {
                    failure_text = AsRef::<str>::as_ref(&t).to_string();
                }
                Ok(Event::End(_)) => in_failure = false,
                Ok(_) => {}
                Err(e) => panic!(
                    "not well-formed at {}: {e}\n{out}",
                    reader.buffer_position()
                ),
            }
        }
        assert!(
            failure_text.starts_with("DNS is 100% private"),
            "{failure_text:?}"
        );
    }

    #[test]
    fn every_input_is_a_suite_with_counts() {
        let fx = fixture();
        let out = render_junit(&fx.input());
        assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
        // 1 unreadable (error), clean (pass), net: HA002 + HA020 (failures),
        // vm: HA010 (skipped) + ORG001 (failure).
        assert!(
            out.contains(r#"<testsuites name="azlint" tests="6" failures="3" errors="1" skipped="1" time="0">"#),
            "{out}"
        );
        let suites: Vec<&str> = out
            .lines()
            .filter(|l| l.trim_start().starts_with("<testsuite "))
            .collect();
        assert_eq!(suites.len(), 4, "{out}");
        assert!(
            suites[0].contains(r#"name="site/broken file.json" tests="1" failures="0" errors="1""#)
        );
        assert!(suites[1].contains(r#"name="site/clean.json" tests="1" failures="0" errors="0""#));
        assert!(out.contains(r#"<testcase name="azlint" classname="site/clean.json" time="0"/>"#));
        assert!(suites[2].contains(r#"name="site/net.json" tests="2" failures="2""#));
        assert!(suites[3]
            .contains(r#"name="site/vm.json" tests="2" failures="1" errors="0" skipped="1""#));
        assert!(out.contains(r#"<skipped message="suppressed: lab VM, never deployed"/>"#));
        assert!(out.contains(
            r#"<testcase name="HA002 vnet-dns-not-public at line 2:35" classname="site/net.json" time="0">"#
        ));
        assert!(out.contains(
            r#"<failure type="error" message="DNS is 100% private: 10.0.0.4, nothing else&#10;second line &lt;&amp;&gt; ">"#
        ));
        assert!(out.contains("\nresource: /subscriptions/s/vnet\nproperty: properties.dhcpOptions.dnsServers\nat: site/net.json:2:35\nrelated: site/net.json:2:11 (this VNET)"), "{out}");
        assert!(
            out.contains("related: site/vm.json (the VM's file)"),
            "{out}"
        );
        assert!(!out.contains("\u{1}"), "{out}");
    }
}
