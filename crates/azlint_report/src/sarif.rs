//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! The log has one run. It carries what GitHub code scanning reads (rules with descriptions,
//! help, tags, precision and `problem.severity`; results with a rule id and index, a level, a
//! message, one location and `partialFingerprints`) and stays inside GitHub's upload limits:
//! at most 25,000 results per run and 10 MB gzip-compressed per file. When the findings do not
//! fit, the most severe are kept (input errors, then errors, warnings, notes, then suppressed
//! and "cannot tell" findings; in report order within each), listed in report order, and the
//! run says how many were left out, in a tool execution notification and in
//! `properties.truncated`: a run that fails on errors must show them in code scanning. Related locations are capped at 1,000 per result, GitHub's limit
//! for locations in a result, and tags at 20 per rule.
//!
//! Columns count UTF-16 code units (`columnKind: utf16CodeUnits`), as GitHub expects.
//! `charOffset` and `charLength` are left out: SARIF counts them in characters from the start
//! of the file, which would need a scan of the whole file per finding, and GitHub does not read
//! them. The output is deterministic: no timestamps, and no absolute paths other than the
//! root in `originalUriBaseIds` (and files outside the root, which have no relative name).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use azlint_diagnostics::{Finding, Label, Severity};
use azlint_source::FileId;
use serde::Serialize;

use crate::{ReportInput, RuleDescriptor};

/// The upload limits a report is cut to fit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Results per run.
    pub results: usize,
    /// Size of the report once gzip-compressed, in bytes.
    pub gzip_bytes: usize,
    /// Related locations per result.
    pub related: usize,
}

impl Limits {
    /// GitHub code scanning's: "Results per run: 25,000", "For each gzip-compressed SARIF
    /// file, SARIF upload supports a maximum size of 10 MB", "Location per result: 1,000".
    /// 10 MB is taken as 10,000,000 bytes, the smaller reading.
    pub const GITHUB: Limits = Limits {
        results: 25_000,
        gzip_bytes: 10_000_000,
        related: 1_000,
    };
}

/// GitHub rejects a run with more tags on a rule than this.
const MAX_TAGS: usize = 20;
/// GitHub shows this much of a rule's short and full description.
const MAX_DESCRIPTION: usize = 1024;
/// Where artifact URIs are relative to.
const SRCROOT: &str = "%SRCROOT%";

/// Renders findings as a SARIF 2.1.0 log, pretty-printed, cut to fit GitHub's limits.
pub fn render_sarif(input: &ReportInput) -> String {
    render_sarif_with(input, Limits::GITHUB)
}

/// Renders with the given limits: the `limits.results` most severe findings, then half as
/// many again and again while the compressed report is too large.
pub(crate) fn render_sarif_with(input: &ReportInput, limits: Limits) -> String {
    let total = input.findings.len();
    let mut kept = total.min(limits.results);
    let mut cut = (kept < total).then_some(Cut::Results);
    loop {
        let text = render_kept(input, kept, cut, limits);
        // Compressing is the slow part: only a report larger than the limit uncompressed can
        // be larger than it compressed.
        if kept == 0 || text.len() <= limits.gzip_bytes || gzip_len(&text) <= limits.gzip_bytes {
            return text;
        }
        kept /= 2;
        cut = Some(Cut::Size);
    }
}

/// Why results were left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cut {
    Results,
    Size,
}

/// The size of `text` gzip-compressed. Fast compression compresses less than the default
/// level uploaders use, so the estimate errs on the large side.
fn gzip_len(text: &str) -> usize {
    struct Count(usize);
    impl Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Count(0), flate2::Compression::fast());
    match gz.write_all(text.as_bytes()).and_then(|_| gz.finish()) {
        Ok(count) => count.0,
        // Counting cannot fail; if it did, treat the report as too large.
        Err(_) => usize::MAX,
    }
}

/// The order findings are kept in when not all fit: most severe first, report order within
/// each severity (a stable sort).
fn keeping_order(findings: &[Finding]) -> Vec<usize> {
    let rank = |f: &Finding| {
        let quiet = f.suppression.is_some() || f.cannot_tell;
        (!f.is_input_error, quiet, std::cmp::Reverse(f.severity))
    };
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| rank(&findings[i]));
    order
}

fn render_kept(input: &ReportInput, kept: usize, cut: Option<Cut>, limits: Limits) -> String {
    let mut chosen = keeping_order(input.findings);
    chosen.truncate(kept);
    chosen.sort_unstable();
    let rules = RuleTable::new(input.rules, input.findings);
    let mut artifacts = Artifacts::new(input);
    let results: Vec<SarifResult> = chosen
        .iter()
        .map(|&i| result(&input.findings[i], &rules, &mut artifacts, limits))
        .collect();
    let omitted = input.findings.len() - kept;
    let notifications = cut
        .filter(|_| omitted > 0)
        .map(|why| {
            let reason = match why {
                Cut::Results => format!(
                    "GitHub code scanning accepts at most {} results per run",
                    limits.results
                ),
                Cut::Size => format!(
                    "GitHub code scanning accepts at most {} bytes of gzip-compressed SARIF",
                    limits.gzip_bytes
                ),
            };
            vec![Notification {
                level: "warning",
                message: Message {
                    text: format!(
                        "azlint left out {omitted} of {} results, the least severe: {reason}. The JSON and text formats list them all.",
                        input.findings.len()
                    ),
                },
            }]
        })
        .unwrap_or_default();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "azlint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://github.com/azlint/azlint",
                    rules: rules.descriptors.iter().map(|d| rule(d)).collect(),
                },
            },
            invocations: [Invocation {
                exit_code: input.summary.exit_code,
                execution_successful: !input.findings.iter().any(|f| f.is_input_error),
                tool_execution_notifications: notifications,
            }],
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                BaseUri {
                    uri: input.uris.root_uri(),
                },
            )]),
            artifacts: artifacts.list,
            results,
            column_kind: "utf16CodeUnits",
            properties: RunProperties {
                truncated: omitted > 0,
            },
        }],
    };
    // Serialising plain structs of strings and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

/// The rules of the run: the caller's, then one for each code the findings use that the
/// caller did not describe, so that every result's `ruleIndex` points at its rule.
struct RuleTable<'a> {
    descriptors: Vec<Cow<'a, RuleDescriptor>>,
    index: HashMap<&'a str, usize>,
}

impl<'a> RuleTable<'a> {
    fn new(described: &'a [RuleDescriptor], findings: &'a [Finding]) -> Self {
        let mut table = RuleTable {
            descriptors: Vec::with_capacity(described.len()),
            index: HashMap::new(),
        };
        for d in described {
            // SARIF wants rules to be unique; the first description of a code wins.
            if !table.index.contains_key(d.id.as_str()) {
                table.index.insert(&d.id, table.descriptors.len());
                table.descriptors.push(Cow::Borrowed(d));
            }
        }
        for f in findings {
            if !table.index.contains_key(f.code.as_str()) {
                table.index.insert(&f.code, table.descriptors.len());
                table.descriptors.push(Cow::Owned(RuleDescriptor::fallback(
                    &f.code, &f.name, f.severity,
                )));
            }
        }
        table
    }
}

/// `run.artifacts`: each file results point at, once, in the order first pointed at.
struct Artifacts<'i> {
    input: &'i ReportInput<'i>,
    by_file: HashMap<FileId, usize>,
    by_uri: HashMap<String, usize>,
    list: Vec<Artifact>,
}

impl<'i> Artifacts<'i> {
    fn new(input: &'i ReportInput<'i>) -> Self {
        Artifacts {
            input,
            by_file: HashMap::new(),
            by_uri: HashMap::new(),
            list: Vec::new(),
        }
    }

    /// The location of a file, with its index in `run.artifacts`.
    fn location(&mut self, file: FileId) -> ArtifactLocation {
        let index = match self.by_file.get(&file) {
            Some(&i) => i,
            None => {
                let uri = self.input.uris.uri(&self.input.files.get(file).name);
                // Two inputs with the same name are one artifact.
                let i = match self.by_uri.get(&uri) {
                    Some(&i) => i,
                    None => {
                        let i = self.list.len();
                        self.list.push(Artifact {
                            location: ArtifactLocation::new(uri.clone(), None),
                        });
                        self.by_uri.insert(uri, i);
                        i
                    }
                };
                self.by_file.insert(file, i);
                i
            }
        };
        ArtifactLocation::new(self.list[index].location.uri.clone(), Some(index))
    }

    fn physical(&mut self, label: &Label) -> PhysicalLocation {
        let file = self.input.files.get(label.file);
        PhysicalLocation {
            artifact_location: self.location(label.file),
            region: label.span.map(|span| {
                let start = file.line_col(span.start);
                // The position after the last character: SARIF's end column is exclusive.
                let end = file.line_col(span.end);
                Region {
                    start_line: start.line,
                    start_column: start.column_utf16,
                    end_line: end.line,
                    end_column: end.column_utf16,
                }
            }),
        }
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// `s`, or `fallback` when `s` is blank: GitHub refuses empty strings where it needs text.
fn non_empty<'a>(s: &'a str, fallback: &'a str) -> &'a str {
    if s.trim().is_empty() {
        fallback
    } else {
        s
    }
}

/// At most `max` characters of `s`, ending in an ellipsis when cut.
fn clip(s: &str, max: usize) -> Cow<'_, str> {
    if max == 0 || s.chars().nth(max).is_none() {
        return Cow::Borrowed(s);
    }
    let cut = s.char_indices().nth(max - 1).map_or(s.len(), |(i, _)| i);
    Cow::Owned(format!("{}\u{2026}", &s[..cut]))
}

fn rule<'a>(d: &'a RuleDescriptor) -> Rule<'a> {
    // GitHub requires the descriptions and the help text, and refuses empty strings.
    let short = clip(non_empty(&d.short_description, &d.name), MAX_DESCRIPTION).into_owned();
    let full = clip(non_empty(&d.full_description, &short), MAX_DESCRIPTION).into_owned();
    let mut tags: Vec<&str> = Vec::new();
    for t in &d.tags {
        if !tags.contains(&t.as_str()) && tags.len() < MAX_TAGS {
            tags.push(t);
        }
    }
    Rule {
        id: &d.id,
        name: &d.name,
        help: Help {
            text: non_empty(&d.help_text, &full).to_string(),
            markdown: (!d.help_markdown.trim().is_empty()).then_some(&d.help_markdown),
        },
        short_description: Text { text: short },
        full_description: Text { text: full },
        help_uri: d.help_uri.as_deref(),
        default_configuration: Configuration {
            level: level(d.severity),
        },
        properties: RuleProperties {
            tags,
            precision: &d.precision,
            problem_severity: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "recommendation",
            },
        },
    }
}

fn result<'a>(
    f: &'a Finding,
    rules: &RuleTable,
    artifacts: &mut Artifacts,
    limits: Limits,
) -> SarifResult<'a> {
    let mut message = non_empty(&f.message, &f.name).to_string();
    if let Some(help) = &f.help {
        message.push_str("\n\nhelp: ");
        message.push_str(help);
    }
    let related = f
        .secondary
        .iter()
        .take(limits.related)
        .enumerate()
        .map(|(i, l)| Location {
            id: Some(i + 1),
            physical_location: artifacts.physical(l),
            message: l.message.as_ref().map(|m| Message { text: m.clone() }),
        })
        .collect();
    let suppressions = f.suppression.as_ref().map(|s| {
        vec![SarifSuppression {
            kind: s.kind.as_str(),
            justification: (!s.justification.is_empty()).then_some(s.justification.as_str()),
            location: s.at.as_ref().map(|l| Location {
                id: None,
                physical_location: artifacts.physical(l),
                message: None,
            }),
        }]
    });
    let properties = (f.resource_id.is_some() || f.path.is_some()).then_some(ResultProperties {
        resource_id: f.resource_id.as_deref(),
        property_path: f.path.as_deref(),
    });
    SarifResult {
        rule_id: &f.code,
        // Every code has an entry: `RuleTable::new` adds the ones the caller did not describe.
        rule_index: rules.index.get(f.code.as_str()).copied().unwrap_or(0),
        // "Cannot tell" asks a person to look. SARIF (3.27.10) requires level "none" for any
        // kind other than "fail".
        kind: f.cannot_tell.then_some("review"),
        level: if f.cannot_tell {
            "none"
        } else {
            level(f.severity)
        },
        message: Message { text: message },
        locations: vec![Location {
            id: None,
            physical_location: artifacts.physical(&f.primary),
            message: f
                .primary
                .message
                .as_ref()
                .map(|m| Message { text: m.clone() }),
        }],
        related_locations: related,
        partial_fingerprints: (!f.fingerprint.is_empty())
            .then(|| BTreeMap::from([("azlint/v1", f.fingerprint.as_str())])),
        suppressions,
        properties,
    }
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation; 1],
    original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
    artifacts: Vec<Artifact>,
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
    properties: RunProperties,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
    full_description: Text,
    help: Help<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help<'a> {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<&'a str>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: Vec<&'a str>,
    precision: &'a str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    exit_code: u8,
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
}

#[derive(Serialize)]
struct BaseUri {
    uri: String,
}

#[derive(Serialize)]
struct Artifact {
    location: ArtifactLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
}

impl ArtifactLocation {
    fn new(uri: String, index: Option<usize>) -> Self {
        // A relative reference is relative to the root; an absolute `file:` URI (a file
        // outside the root) must not name a base. Encoded relative URIs have no `:`.
        let uri_base_id = (!uri.contains(':')).then_some(SRCROOT);
        ArtifactLocation {
            uri,
            uri_base_id,
            index,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partial_fingerprints: Option<BTreeMap<&'static str, &'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<Vec<SarifSuppression<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties<'a>>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct SarifSuppression<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    property_path: Option<&'a str>,
}

#[derive(Serialize)]
struct RunProperties {
    truncated: bool,
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::test_support::{fixture, Fixture};

    fn sarif(fx: &Fixture, limits: Limits) -> Value {
        let text = render_sarif_with(&fx.input(), limits);
        assert!(text.ends_with("}\n"));
        serde_json::from_str(&text).expect("SARIF is JSON")
    }

    fn run(log: &Value) -> &Value {
        &log["runs"][0]
    }

    #[test]
    fn every_result_points_at_its_rule() {
        let fx = fixture();
        let log = sarif(&fx, Limits::GITHUB);
        let run = run(&log);
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
        // The caller's rules in the caller's order, then the undescribed code.
        assert_eq!(ids, ["HA002", "HA010", "HA020", "IN001", "ORG001"]);
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), fx.findings.len());
        for r in results {
            let i = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
        }
        let fallback = &rules[4];
        assert_eq!(
            fallback["shortDescription"]["text"],
            "ORG001 needs-cost-center"
        );
        assert_eq!(fallback["help"]["text"], "ORG001 needs-cost-center");

        let ha002 = &rules[0];
        assert_eq!(ha002["defaultConfiguration"]["level"], "error");
        assert_eq!(ha002["properties"]["problem.severity"], "error");
        assert_eq!(ha002["properties"]["precision"], "very-high");
        assert_eq!(
            ha002["properties"]["tags"],
            serde_json::json!(["dns", "ha"])
        );
        assert_eq!(
            ha002["help"]["markdown"],
            "How to fix **vnet-dns-not-public**."
        );
        assert_eq!(
            ha002["helpUri"],
            "https://example.com/rules/vnet-dns-not-public"
        );
        assert_eq!(rules[1]["properties"]["problem.severity"], "warning");
        assert_eq!(run["tool"]["driver"]["name"], "azlint");
        assert_eq!(
            run["tool"]["driver"]["semanticVersion"],
            env!("CARGO_PKG_VERSION")
        );
    }

    #[test]
    fn regions_count_utf16_columns_and_end_after_the_span() {
        let fx = fixture();
        let log = sarif(&fx, Limits::GITHUB);
        let run = run(&log);
        assert_eq!(run["columnKind"], "utf16CodeUnits");
        let dns = &run["results"][1];
        assert_eq!(dns["ruleId"], "HA002");
        let loc = &dns["locations"][0]["physicalLocation"];
        // `["10.0.0.4"]` is 12 characters after `  "name": "😀 vnet", "dnsServers": ` and
        // the emoji is two UTF-16 code units.
        let line = crate::test_support::NET.lines().nth(1).unwrap_or_default();
        let before = &line[..line.find('[').unwrap_or(0)];
        let col = before.encode_utf16().count() as u64 + 1;
        assert_eq!(col, before.chars().count() as u64 + 2);
        assert_eq!(
            loc["region"],
            serde_json::json!({"startLine": 2, "startColumn": col, "endLine": 2, "endColumn": col + 12})
        );
        assert_eq!(loc["artifactLocation"]["uri"], "site/net.json");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let index = loc["artifactLocation"]["index"].as_u64().expect("index") as usize;
        assert_eq!(run["artifacts"][index]["location"]["uri"], "site/net.json");
        assert_eq!(dns["locations"][0]["message"]["text"], "these servers");
        assert_eq!(
            dns["message"]["text"],
            "DNS is 100% private: 10.0.0.4, nothing else\nsecond line <&> \u{1}\n\nhelp: use Azure DNS"
        );
        assert_eq!(dns["level"], "error");
        assert!(dns.get("kind").is_none());
        assert_eq!(
            dns["properties"],
            serde_json::json!({"resourceId": "/subscriptions/s/vnet", "propertyPath": "properties.dhcpOptions.dnsServers"})
        );
        assert_eq!(
            dns["partialFingerprints"],
            serde_json::json!({"azlint/v1": "00112233445566778899aabbccddeeff:1"})
        );
    }

    #[test]
    fn related_locations_whole_files_and_artifacts() {
        let fx = fixture();
        let log = sarif(&fx, Limits::GITHUB);
        let run = run(&log);
        let related = run["results"][1]["relatedLocations"]
            .as_array()
            .expect("related");
        assert_eq!(related.len(), 3);
        assert_eq!(related[0]["id"], 1);
        assert_eq!(related[0]["message"]["text"], "this VNET");
        assert_eq!(related[0]["physicalLocation"]["region"]["startColumn"], 11);
        assert_eq!(related[0]["physicalLocation"]["region"]["endColumn"], 20);
        assert_eq!(
            related[1]["physicalLocation"]["artifactLocation"]["uri"],
            "site/vm.json"
        );
        // A whole-file label has no region.
        assert!(related[2]["physicalLocation"].get("region").is_none());
        let unreadable = &run["results"][0]["locations"][0]["physicalLocation"];
        assert!(unreadable.get("region").is_none());
        assert_eq!(
            unreadable["artifactLocation"]["uri"],
            "site/broken%20file.json"
        );

        // Each referenced file once; the clean file is referenced by nothing.
        let uris: Vec<&str> = run["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .filter_map(|a| a["location"]["uri"].as_str())
            .collect();
        assert_eq!(
            uris,
            ["site/broken%20file.json", "site/net.json", "site/vm.json"]
        );
        assert_eq!(
            run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            "file:///nonexistent-azlint/repo/"
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], false);
        assert!(run["invocations"][0]
            .get("toolExecutionNotifications")
            .is_none());
        assert_eq!(run["properties"]["truncated"], false);
    }

    #[test]
    fn suppressions_and_cannot_tell() {
        let fx = fixture();
        let log = sarif(&fx, Limits::GITHUB);
        let results = &run(&log)["results"];
        let unknown = &results[2];
        assert_eq!(unknown["ruleId"], "HA020");
        assert_eq!(unknown["kind"], "review");
        assert_eq!(unknown["level"], "none");
        let suppressed = &results[3];
        assert_eq!(suppressed["ruleId"], "HA010");
        let s = &suppressed["suppressions"][0];
        assert_eq!(s["kind"], "inSource");
        assert_eq!(s["justification"], "lab VM, never deployed");
        assert_eq!(s["location"]["physicalLocation"]["region"]["startLine"], 2);
        assert!(results[1].get("suppressions").is_none());
    }

    #[test]
    fn too_many_results_are_cut_with_a_note() {
        let fx = fixture();
        let limits = Limits {
            results: 2,
            ..Limits::GITHUB
        };
        let log = sarif(&fx, limits);
        let run = run(&log);
        let results = run["results"].as_array().expect("results");
        let ids: Vec<&str> = results
            .iter()
            .filter_map(|r| r["ruleId"].as_str())
            .collect();
        assert_eq!(ids, ["IN001", "HA002"]);
        assert_eq!(run["properties"]["truncated"], true);
        let note = &run["invocations"][0]["toolExecutionNotifications"][0];
        assert_eq!(note["level"], "warning");
        assert_eq!(
            note["message"]["text"],
            "azlint left out 3 of 5 results, the least severe: GitHub code scanning accepts at most 2 results per run. The JSON and text formats list them all."
        );
        // The most severe are kept, in report order: the warning that fails a run, not the
        // "cannot tell" note before it, nor the suppressed warning.
        let three = sarif(
            &fx,
            Limits {
                results: 3,
                ..Limits::GITHUB
            },
        );
        let ids: Vec<&str> = three["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter_map(|r| r["ruleId"].as_str())
            .collect();
        assert_eq!(ids, ["IN001", "HA002", "ORG001"]);
        // Rules do not depend on which results were kept.
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().map(Vec::len),
            Some(5)
        );
    }

    #[test]
    fn too_large_reports_are_halved_until_they_fit() {
        let fx = fixture();
        let full = render_sarif_with(&fx.input(), Limits::GITHUB);
        let limits = Limits {
            gzip_bytes: gzip_len(&full) - 1,
            ..Limits::GITHUB
        };
        let log = sarif(&fx, limits);
        let run = run(&log);
        // 5 findings do not fit; 2 (5 / 2) do.
        assert_eq!(run["results"].as_array().map(Vec::len), Some(2));
        let note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap_or_default();
        assert!(
            note.contains("left out 3 of 5") && note.contains("gzip-compressed"),
            "{note}"
        );
    }

    #[test]
    fn related_locations_are_capped() {
        let fx = fixture();
        let limits = Limits {
            related: 1,
            ..Limits::GITHUB
        };
        let log = sarif(&fx, limits);
        assert_eq!(
            run(&log)["results"][1]["relatedLocations"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
    }

    #[test]
    fn output_is_deterministic() {
        let fx = fixture();
        assert_eq!(render_sarif(&fx.input()), render_sarif(&fx.input()));
    }

    #[test]
    fn long_descriptions_are_clipped() {
        assert_eq!(clip("abcdef", 4), "abc\u{2026}");
        assert_eq!(clip("abcd", 4), "abcd");
        assert_eq!(clip("\u{e9}\u{e9}\u{e9}", 2), "\u{e9}\u{2026}");
    }
}
