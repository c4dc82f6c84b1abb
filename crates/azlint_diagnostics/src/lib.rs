//! The one type for what azlint reports: a [`Finding`].
//!
//! Input problems (a file that cannot be read or parsed, a shape azlint does not recognise) and
//! rule results are both findings, so that every reporter treats them alike and the output
//! order is one sort. Rendering lives in `azlint_report`; nothing here knows about terminals.

use std::cmp::Ordering;
use std::fmt;

use azlint_source::{FileId, Files, Span};

mod fingerprint;
pub use fingerprint::assign_fingerprints;

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in an input, with what it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    /// The bytes pointed at; `None` for a finding about a whole file that has no text.
    pub span: Option<Span>,
    pub message: Option<String>,
}

impl Label {
    pub fn new(file: FileId, span: Span) -> Self {
        Label {
            file,
            span: Some(span),
            message: None,
        }
    }

    pub fn whole_file(file: FileId) -> Self {
        Label {
            file,
            span: None,
            message: None,
        }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// Codes of findings about the inputs themselves rather than about Azure resources.
pub mod input {
    /// A file or standard input could not be read.
    pub const UNREADABLE: (&str, &str) = ("IN001", "unreadable-input");
    /// A file is not JSON (with comments) that azlint can read.
    pub const INVALID_JSON: (&str, &str) = ("IN002", "invalid-json");
    /// Valid JSON that is not any Azure export azlint knows.
    pub const UNRECOGNISED: (&str, &str) = ("IN003", "unrecognised-input");
    /// A recognised export that is incomplete (a paged result, resources without properties).
    pub const INCOMPLETE: (&str, &str) = ("IN004", "incomplete-export");
    /// A template expression that cannot be evaluated: Azure would reject the deployment.
    pub const TEMPLATE_ERROR: (&str, &str) = ("IN010", "template-expression-error");
    /// A resource object, or its properties, with one key twice: which one Azure keeps is not
    /// necessarily the one checked.
    pub const DUPLICATE_KEY: (&str, &str) = ("IN011", "duplicate-key");
    /// A vSocket site refers to resources the inputs do not hold: the checks that read them
    /// cannot tell.
    pub const SITE_INCOMPLETE: (&str, &str) = ("IN012", "site-incomplete");
    /// One resource in two inputs that disagree: each copy's settings are checked, but what
    /// joins resources is read from one copy.
    pub const CONFLICTING_COPIES: (&str, &str) = ("IN013", "conflicting-copies");
    /// Templates linted without `[deployment]`: where they deploy was read from an id in the
    /// inputs that names a resource they address in their own resource group.
    pub const DEPLOYMENT_SCOPE: (&str, &str) = ("IN014", "deployment-scope");

    /// Every input code as `(code, name, one-sentence description)`, in code order. Reports
    /// that describe their rules up front (SARIF's `tool.driver.rules`) list these next to the
    /// rule files' rules, since input problems are reported as findings too.
    pub const ALL: &[(&str, &str, &str)] = &[
        (
            UNREADABLE.0,
            UNREADABLE.1,
            "A file or standard input cannot be read.",
        ),
        (
            INVALID_JSON.0,
            INVALID_JSON.1,
            "A file is not JSON (with comments) that azlint can read.",
        ),
        (
            UNRECOGNISED.0,
            UNRECOGNISED.1,
            "Valid JSON that is not any Azure export azlint knows.",
        ),
        (
            INCOMPLETE.0,
            INCOMPLETE.1,
            "A recognised export that is incomplete, such as a paged result or resources without properties.",
        ),
        ("IN005", "invalid-rule", "A rule file cannot be read or compiled."),
        (
            "IN006",
            "invalid-config",
            "The configuration file cannot be read or has unknown or invalid keys.",
        ),
        (
            "IN007",
            "invalid-suppression",
            "A suppression without a reason or naming no known rule.",
        ),
        (
            "IN008",
            "unused-suppression",
            "A suppression that matched no finding.",
        ),
        (
            "IN009",
            "invalid-baseline",
            "A baseline file that cannot be read.",
        ),
        (
            TEMPLATE_ERROR.0,
            TEMPLATE_ERROR.1,
            "A template expression that cannot be evaluated (unknown function, wrong arguments, a missing parameter or variable): Azure would reject the deployment.",
        ),
        (
            DUPLICATE_KEY.0,
            DUPLICATE_KEY.1,
            "A resource or its properties name one key twice (compared ignoring case, as Azure does): the value checked may not be the one deployed.",
        ),
        (
            SITE_INCOMPLETE.0,
            SITE_INCOMPLETE.1,
            "A vSocket site refers to resources (NICs, subnets, VNETs, route tables, NSGs) the inputs do not hold: the checks that read them cannot tell.",
        ),
        (
            CONFLICTING_COPIES.0,
            CONFLICTING_COPIES.1,
            "One resource is in two inputs whose copies disagree (exports made at different times): each copy's own settings are checked, but what joins resources (a site's subnets, NSGs and routes) is read from one copy. A note; the run does not fail for it.",
        ),
        (
            DEPLOYMENT_SCOPE.0,
            DEPLOYMENT_SCOPE.1,
            "Templates linted without a `[deployment]` table are read as deployed to the subscription and resource group of an id in the inputs that names a resource they refer to in their own group. A note; the run does not fail for it.",
        ),
    ];
}

/// One thing azlint tells the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Stable code, e.g. `HA002`.
    pub code: String,
    /// Kebab-case name, e.g. `vnet-dns-not-public`.
    pub name: String,
    pub severity: Severity,
    /// The rule could not decide because the input lacks a fact. Shown as a note, and only
    /// on request.
    pub cannot_tell: bool,
    /// What is wrong and why it matters.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    pub primary: Label,
    /// Other places that explain the finding, possibly in other files.
    pub secondary: Vec<Label>,
    /// The Azure resource the finding is about (as written in the input).
    pub resource_id: Option<String>,
    /// The property path inside the resource, e.g. `properties.dhcpOptions.dnsServers`.
    pub path: Option<String>,
    /// Every value the finding is about, as shown, when it points at several (two extra
    /// identities, say): part of its fingerprint, so that a baseline of one does not hide
    /// another. Empty when the primary label's value is the only one.
    pub values: Vec<String>,
    /// Whether this finding is an input failure that makes the run exit with code 2.
    pub is_input_error: bool,
    /// Set when a suppression (inline comment, ARM metadata, tag or config) covers the finding.
    pub suppression: Option<Suppression>,
    /// Identifies the finding across runs: stays the same when lines move, files are
    /// reformatted or resources reordered. Empty until [`assign_fingerprints`] runs.
    pub fingerprint: String,
}

/// Where a suppression was written, in SARIF's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionKind {
    /// In the input itself: a `// azlint-ignore` comment, ARM `metadata`, an `azlint-ignore` tag.
    InSource,
    /// Outside the input: the configuration file.
    External,
}

impl SuppressionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::InSource => "inSource",
            SuppressionKind::External => "external",
        }
    }
}

/// Why a finding is not reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// The reason the user gave (mandatory).
    pub justification: String,
    /// Where the suppression is written, when it is in a file azlint read.
    pub at: Option<Label>,
}

impl Finding {
    pub fn new(
        (code, name): (&str, &str),
        severity: Severity,
        message: impl Into<String>,
        primary: Label,
    ) -> Self {
        Finding {
            code: code.to_string(),
            name: name.to_string(),
            severity,
            cannot_tell: false,
            message: message.into(),
            help: None,
            primary,
            secondary: Vec::new(),
            resource_id: None,
            path: None,
            values: Vec::new(),
            is_input_error: false,
            suppression: None,
            fingerprint: String::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_secondary(mut self, label: Label) -> Self {
        self.secondary.push(label);
        self
    }

    pub fn with_resource(mut self, id: Option<impl Into<String>>, path: impl Into<String>) -> Self {
        self.resource_id = id.map(Into::into);
        self.path = Some(path.into());
        self
    }

    /// Marks an input failure: the run exits with code 2.
    pub fn input_error(mut self) -> Self {
        self.is_input_error = true;
        self
    }

    /// Marks a "cannot tell": the rule lacked a fact to decide.
    pub fn cannot_tell(mut self) -> Self {
        self.cannot_tell = true;
        self
    }
}

/// A name or value as a message shows it: control characters, which a terminal does not show
/// (or obeys), written as `\u{7f}`.
pub fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Sorts findings into the order they are reported in: by file name, position, code and
/// message, then by everything else a report shows, so that findings equal in those come in
/// an order of their own too. The order never depends on how threads were scheduled or in
/// which order the rules produced the findings.
pub fn sort_findings(findings: &mut [Finding], files: &Files) {
    findings.sort_by(|a, b| compare(a, b, files));
}

fn compare(a: &Finding, b: &Finding, files: &Files) -> Ordering {
    let name = |f: FileId| files.get(f).name.as_str();
    let place = |x: &Label, y: &Label| {
        name(x.file)
            .cmp(name(y.file))
            .then(x.file.cmp(&y.file))
            .then(x.span.cmp(&y.span))
    };
    place(&a.primary, &b.primary)
        .then_with(|| a.code.cmp(&b.code))
        .then_with(|| a.message.cmp(&b.message))
        .then_with(|| a.resource_id.cmp(&b.resource_id))
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.severity.cmp(&b.severity))
        .then_with(|| a.cannot_tell.cmp(&b.cannot_tell))
        .then_with(|| a.is_input_error.cmp(&b.is_input_error))
        .then_with(|| a.primary.message.cmp(&b.primary.message))
        .then_with(|| a.help.cmp(&b.help))
        .then_with(|| a.path.cmp(&b.path))
        .then_with(|| {
            let labels = |f: &Finding| f.secondary.len();
            a.secondary
                .iter()
                .zip(&b.secondary)
                .map(|(x, y)| place(x, y).then_with(|| x.message.cmp(&y.message)))
                .find(|o| o.is_ne())
                .unwrap_or_else(|| labels(a).cmp(&labels(b)))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use azlint_source::SourceFile;
    use std::sync::Arc;

    #[test]
    fn control_characters_in_names_are_shown_escaped() {
        assert_eq!(super::printable("ams-vSocket"), "ams-vSocket");
        assert_eq!(super::printable("ams\u{7f}x\ty"), "ams\\u{7f}x\\u{9}y");
    }

    #[test]
    fn findings_equal_where_sorting_starts_still_have_one_order() {
        let mut files = Files::new();
        let text = "{\"a\": 1, \"b\": 2}";
        let file = files.add(Arc::new(SourceFile::new("a.json", text)));
        let at = Label::new(file, Span::new(1, 4));
        let base = Finding::new(("X001", "x"), Severity::Error, "same message", at.clone());
        let mut with_help = base.clone();
        with_help.help = Some("do this".into());
        let mut with_label = base.clone();
        with_label
            .secondary
            .push(Label::new(file, Span::new(9, 12)).with_message("there"));
        let mut note = base.clone();
        note.severity = Severity::Note;
        let all = [base, with_help, with_label, note];
        let mut forward = all.to_vec();
        let mut backward: Vec<Finding> = all.iter().rev().cloned().collect();
        sort_findings(&mut forward, &files);
        sort_findings(&mut backward, &files);
        let shown = |v: &[Finding]| format!("{v:?}");
        assert_eq!(shown(&forward), shown(&backward));
        assert_eq!(forward[0].severity, Severity::Note);
    }
}
