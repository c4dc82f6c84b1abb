//! Small hand-built runs for the format tests: every feature a report has to carry (related
//! labels in the same and other files, whole-file labels, input errors, "cannot tell",
//! suppressions, a code with no descriptor, characters that need escaping) in a few lines.

use std::sync::Arc;

use azlint_diagnostics::{Finding, Label, Severity, Suppression, SuppressionKind};
use azlint_source::{FileId, Files, SourceFile, Span};

use crate::{ArtifactUris, ReportInput, RuleDescriptor, Summary};

pub(crate) struct Fixture {
    pub files: Files,
    pub findings: Vec<Finding>,
    pub summary: Summary,
    pub rules: Vec<RuleDescriptor>,
    pub uris: ArtifactUris,
}

impl Fixture {
    pub fn input(&self) -> ReportInput<'_> {
        ReportInput {
            findings: &self.findings,
            files: &self.files,
            summary: &self.summary,
            rules: &self.rules,
            uris: &self.uris,
        }
    }
}

/// The span of the first `needle` in a file.
pub(crate) fn span_of(files: &Files, file: FileId, needle: &str) -> Span {
    let text = files.get(file).text();
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} in the fixture")) as u32;
    Span::new(start, start + needle.len() as u32)
}

pub(crate) const NET: &str =
    "{\n  \"name\": \"\u{1F600} vnet\", \"dnsServers\": [\"10.0.0.4\"]\n}\n";

pub(crate) fn rule(id: &str, name: &str, severity: Severity) -> RuleDescriptor {
    RuleDescriptor {
        id: id.to_string(),
        name: name.to_string(),
        severity,
        short_description: format!("{name} summary"),
        full_description: format!("What {name} checks."),
        help_text: format!("How to fix {name}."),
        help_markdown: format!("How to fix **{name}**."),
        help_uri: Some(format!("https://example.com/rules/{name}")),
        tags: vec!["dns".to_string(), "ha".to_string(), "dns".to_string()],
        precision: "very-high".to_string(),
    }
}

pub(crate) fn fixture() -> Fixture {
    let mut files = Files::new();
    let net = files.add(Arc::new(SourceFile::new("site/net.json", NET)));
    let vm = files.add(Arc::new(SourceFile::new(
        "site/vm.json",
        "[\n  {\"name\": \"vm1\"}\n]\n",
    )));
    let _clean = files.add(Arc::new(SourceFile::new("site/clean.json", "[]\n")));
    let broken = files.add(Arc::new(SourceFile::new("site/broken file.json", "")));

    let mut dns = Finding::new(
        ("HA002", "vnet-dns-not-public"),
        Severity::Error,
        "DNS is 100% private: 10.0.0.4, nothing else\nsecond line <&> \u{1}",
        Label::new(net, span_of(&files, net, "[\"10.0.0.4\"]")).with_message("these servers"),
    )
    .with_help("use Azure DNS")
    .with_secondary(
        Label::new(net, span_of(&files, net, "\"\u{1F600} vnet\"")).with_message("this VNET"),
    )
    .with_secondary(Label::new(vm, span_of(&files, vm, "\"vm1\"")).with_message("a VM in it"))
    .with_secondary(Label::whole_file(vm).with_message("the VM's file"))
    .with_resource(
        Some("/subscriptions/s/vnet"),
        "properties.dhcpOptions.dnsServers",
    );
    dns.fingerprint = "00112233445566778899aabbccddeeff:1".to_string();

    let mut unknown = Finding::new(
        ("HA020", "mgmt-egress-blocked"),
        Severity::Note,
        "cannot tell: the NSG uses an application security group",
        Label::new(net, span_of(&files, net, "\"name\"")),
    )
    .cannot_tell();
    unknown.fingerprint = "ffeeddccbbaa99887766554433221100:1".to_string();

    let mut suppressed = Finding::new(
        ("HA010", "vm-name-invalid"),
        Severity::Warning,
        "VM name vm1 is too short",
        Label::new(vm, span_of(&files, vm, "\"vm1\"")),
    );
    suppressed.suppression = Some(Suppression {
        kind: SuppressionKind::InSource,
        justification: "lab VM, never deployed".to_string(),
        at: Some(Label::new(vm, span_of(&files, vm, "{\"name\""))),
    });
    suppressed.fingerprint = "0123456789abcdef0123456789abcdef:1".to_string();

    let mut custom = Finding::new(
        ("ORG001", "needs-cost-center"),
        Severity::Warning,
        "no cost-center tag",
        Label::new(vm, span_of(&files, vm, "{\"name\": \"vm1\"}")),
    );
    custom.fingerprint = "abcdefabcdefabcdefabcdefabcdefab:1".to_string();

    let mut unreadable = Finding::new(
        ("IN001", "unreadable-input"),
        Severity::Error,
        "cannot read the file: permission denied",
        Label::whole_file(broken),
    )
    .input_error();
    unreadable.fingerprint = "99999999999999999999999999999999:1".to_string();

    let findings = vec![unreadable, dns, unknown, suppressed, custom];
    let mut summary = Summary {
        files: 4,
        resources: 2,
        suppressed: 1,
        ..Default::default()
    };
    summary.count(findings.iter().filter(|f| f.suppression.is_none()));
    let mut rules = vec![
        rule("HA002", "vnet-dns-not-public", Severity::Error),
        rule("HA010", "vm-name-invalid", Severity::Warning),
        rule("HA020", "mgmt-egress-blocked", Severity::Warning),
    ];
    rules.extend(
        crate::input_descriptors()
            .into_iter()
            .filter(|d| d.id == "IN001"),
    );
    Fixture {
        files,
        findings,
        summary,
        rules,
        uris: ArtifactUris::with_dirs("/nonexistent-azlint/repo", "/nonexistent-azlint/repo"),
    }
}
