//! Rule files: one YAML file per rule, read with positions so that a broken rule is a located
//! error like any other input.

use azlint_diagnostics::Severity;
use azlint_facts::NicRole;
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::condition::{Condition, FactNames, RawCondition};
use crate::path::Path;

/// A rule file as written. Every key is checked: an unknown one is an error at its place.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawRule {
    id: Spanned<String>,
    name: Spanned<String>,
    severity: RawSeverity,
    #[serde(default)]
    status: RawStatus,
    #[serde(default)]
    tags: Vec<String>,
    check: Option<String>,
    summary: String,
    help_uri: Option<String>,
    docs: RawDocs,
    resource: Spanned<OneOrMany>,
    #[serde(default)]
    scope: RawScope,
    role: Option<Spanned<OneOrMany>>,
    for_each: Option<Spanned<String>>,
    #[serde(rename = "if")]
    condition: Spanned<RawCondition>,
    at: Option<Spanned<String>>,
    at_fact: Option<Spanned<String>>,
    #[serde(default)]
    related: Vec<RawRelated>,
    label: Option<String>,
    message: Spanned<String>,
    help: Option<Spanned<String>>,
}

/// A secondary label: the places a fact's values are at, with a text (`{value}` is the value).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelated {
    fact: Spanned<String>,
    label: Option<String>,
    #[serde(default)]
    identifies: bool,
}

/// A compiled secondary label.
#[derive(Debug, Clone)]
pub struct Related {
    pub fact: String,
    pub label: String,
    /// The fact's values tell one finding from another: they are part of its fingerprint.
    pub identifies: bool,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(t) => vec![t.clone()],
            OneOrMany::Many(ts) => ts.clone(),
        }
    }
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawSeverity {
    Error,
    Warning,
    Note,
}

#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RawStatus {
    #[default]
    Stable,
    Preview,
}

#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum RawScope {
    #[default]
    Site,
    All,
}

#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDocs {
    pub what: String,
    pub why: String,
    pub fix: String,
    pub portal: Option<String>,
    pub cli: Option<String>,
}

/// Rule status: `preview` rules may change.
pub type Status = RawStatus;

/// The documentation of a rule.
pub type Docs = RawDocs;

/// Which resources a rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The recognised HA sites' resources (everything, when no site is recognised).
    Site,
    /// Every resource of the selected types.
    All,
}

/// Roles a rule may select.
pub const ROLES: &[&str] = &["vm", "primary", "secondary", "mgmt", "wan", "lan", "nic"];

/// A role a rule selects resources by (`role:`), one of [`ROLES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A vSocket VM.
    Vm,
    /// The site's primary vSocket VM.
    Primary,
    /// A site's other vSocket VM.
    Secondary,
    /// Any vSocket NIC.
    Nic,
    /// A vSocket NIC of this role, or a subnet the primary vSocket's NIC of this role is in.
    Interface(NicRole),
}

impl Role {
    /// The role called `name` in a rule file.
    pub fn named(name: &str) -> Option<Role> {
        Some(match name {
            "vm" => Role::Vm,
            "primary" => Role::Primary,
            "secondary" => Role::Secondary,
            "nic" => Role::Nic,
            "mgmt" => Role::Interface(NicRole::Mgmt),
            "wan" => Role::Interface(NicRole::Wan),
            "lan" => Role::Interface(NicRole::Lan),
            _ => return None,
        })
    }
}

/// Everything users see of a rule.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub code: String,
    pub name: String,
    pub pack: String,
    pub check: Option<String>,
    pub severity: Severity,
    pub status: Status,
    pub tags: Vec<String>,
    pub summary: String,
    /// Where the rule is documented: the file's `helpUri`, or for a built-in rule its page
    /// under `docs/rules`; none for a user's rule that names none.
    pub help_uri: Option<String>,
    pub docs: Docs,
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub meta: RuleMeta,
    /// Lower-cased resource types.
    pub types: Vec<String>,
    pub reach: Reach,
    /// vSocket roles selected (any of them); empty selects every resource of the types.
    pub roles: Vec<Role>,
    /// A fact whose first value the finding points at (instead of `at`).
    pub at_fact: Option<String>,
    pub for_each: Option<Path>,
    pub condition: Condition,
    pub at: Option<Path>,
    pub related: Vec<Related>,
    pub label: String,
    pub message: String,
    pub help: Option<String>,
}

/// A problem in a rule file: what and where (1-based line and column, when known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

fn at<T>(s: &Spanned<T>, message: impl Into<String>) -> RuleError {
    RuleError {
        line: Some(s.referenced.line()),
        column: Some(s.referenced.column()),
        message: message.into(),
    }
}

/// Placeholders a message may use, besides `{fact:NAME}`.
const PLACEHOLDERS: &[&str] = &[
    "name",
    "childName",
    "id",
    "parent",
    "type",
    "resourceGroup",
    "value",
    "item",
    "vm",
];

fn check_template(t: &Spanned<String>, facts: &dyn FactNames) -> Result<(), RuleError> {
    let mut rest = t.value.as_str();
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(at(t, "unclosed `{` in the message"));
        };
        let name = &after[..close];
        let ok = match name.strip_prefix("fact:") {
            Some(f) => facts.is_fact(f.split_once('|').map_or(f, |(f, _)| f)),
            None => PLACEHOLDERS.contains(&name),
        };
        if !ok {
            return Err(at(
                t,
                format!(
                    "unknown placeholder `{{{name}}}`: use {}, or {{fact:NAME}}",
                    PLACEHOLDERS
                        .iter()
                        .map(|p| format!("{{{p}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

impl Rule {
    /// Whether evaluating the rule or reporting its findings asks for the fact `name`.
    pub fn uses_fact(&self, name: &str) -> bool {
        let in_text = |p: &str| {
            self.message.contains(p) || self.help.as_deref().is_some_and(|h| h.contains(p))
        };
        self.condition.mentions_fact(name)
            || self.at_fact.as_deref() == Some(name)
            || self.related.iter().any(|r| r.fact == name)
            || in_text(&format!("{{fact:{name}}}"))
            || in_text(&format!("{{fact:{name}|"))
            // `{vm}` names the vSocket from this fact.
            || (name == "vsocket.vm" && in_text("{vm}"))
    }

    /// Parses and compiles one rule file of pack `pack`.
    pub fn parse(text: &str, pack: &str, facts: &dyn FactNames) -> Result<Rule, RuleError> {
        let raw: RawRule = serde_saphyr::from_str(text).map_err(|e| {
            let e = e.without_snippet();
            let loc = e.location();
            RuleError {
                line: loc.as_ref().map(|l| l.line()),
                column: loc.as_ref().map(|l| l.column()),
                message: strip_location(&e.to_string()),
            }
        })?;
        let code_ok =
            raw.id.value.len() >= 3 && raw.id.value.chars().all(|c| c.is_ascii_alphanumeric());
        if !code_ok {
            return Err(at(&raw.id, "an id is letters and digits, like HA002"));
        }
        let name_ok = !raw.name.value.is_empty()
            && raw
                .name
                .value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !name_ok {
            return Err(at(
                &raw.name,
                "a name is kebab-case, like vnet-dns-not-public",
            ));
        }
        let types = raw.resource.value.to_vec();
        if types.is_empty() {
            return Err(at(&raw.resource, "name at least one resource type"));
        }
        for t in &types {
            // A provider namespace (`Microsoft.Network`: every one has a dot) and at least one
            // type segment, none of them empty.
            let form = t.contains('/')
                && t.split('/').all(|s| !s.trim().is_empty())
                && t.split('/').next().is_some_and(|ns| ns.contains('.'));
            if !form {
                return Err(at(
                    &raw.resource,
                    format!(
                        "`{t}` is not a resource type: write the provider and the type, \
                         like Microsoft.Network/virtualNetworks"
                    ),
                ));
            }
        }
        let roles = match &raw.role {
            Some(r) => {
                let mut list = Vec::new();
                for name in r.value.to_vec() {
                    let Some(role) = Role::named(&name) else {
                        return Err(at(
                            r,
                            format!("unknown role `{name}`: one of {}", ROLES.join(", ")),
                        ));
                    };
                    list.push(role);
                }
                list
            }
            None => Vec::new(),
        };
        if let Some(f) = &raw.at_fact {
            if !facts.is_fact(&f.value) {
                return Err(at(f, format!("unknown fact `{}`", f.value)));
            }
            if raw.at.is_some() {
                return Err(at(f, "give `at` or `atFact`, not both"));
            }
        }
        let condition =
            Condition::compile(&raw.condition.value, facts).map_err(|m| at(&raw.condition, m))?;
        let path = |p: &Option<Spanned<String>>| -> Result<Option<Path>, RuleError> {
            match p {
                Some(s) => Path::compile(&s.value).map(Some).map_err(|m| at(s, m)),
                None => Ok(None),
            }
        };
        let for_each = path(&raw.for_each)?;
        let at_path = path(&raw.at)?;
        for r in &raw.related {
            if !facts.is_fact(&r.fact.value) {
                return Err(at(&r.fact, format!("unknown fact `{}`", r.fact.value)));
            }
        }
        check_template(&raw.message, facts)?;
        if let Some(h) = &raw.help {
            check_template(h, facts)?;
        }
        let name = raw.name.value.clone();
        Ok(Rule {
            meta: RuleMeta {
                code: raw.id.value,
                name: name.clone(),
                pack: pack.to_string(),
                check: raw.check,
                severity: match raw.severity {
                    RawSeverity::Error => Severity::Error,
                    RawSeverity::Warning => Severity::Warning,
                    RawSeverity::Note => Severity::Note,
                },
                status: raw.status,
                tags: raw.tags,
                summary: raw.summary,
                help_uri: raw.help_uri,
                docs: raw.docs,
            },
            types: types.iter().map(|t| t.to_lowercase()).collect(),
            reach: match raw.scope {
                RawScope::Site => Reach::Site,
                RawScope::All => Reach::All,
            },
            roles,
            at_fact: raw.at_fact.map(|f| f.value),
            for_each,
            condition,
            at: at_path,
            related: raw
                .related
                .into_iter()
                .map(|r| Related {
                    label: r
                        .label
                        .unwrap_or_else(|| format!("{}: {{value}}", r.fact.value)),
                    fact: r.fact.value,
                    identifies: r.identifies,
                })
                .collect(),
            label: raw.label.unwrap_or_else(|| "here".to_string()),
            message: raw.message.value,
            help: raw.help.map(|h| h.value),
        })
    }
}

/// Where rule documentation is published.
pub const DOCS_BASE: &str = "https://github.com/azlint/azlint/blob/main/docs/rules";

/// serde-saphyr appends " at line L, column C"; azlint shows the place itself.
fn strip_location(s: &str) -> String {
    let one = s.lines().next().unwrap_or(s).trim();
    match one.rfind(" at line ") {
        Some(i) => one[..i].to_string(),
        None => one.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoFacts;
    impl FactNames for NoFacts {
        fn fact(&self, name: &str) -> Option<crate::condition::Fact> {
            (name == "vsocket.nic_role").then_some(crate::condition::Fact {
                index: 0,
                name: "vsocket.nic_role",
            })
        }
    }

    const GOOD: &str = r#"
id: HA900
name: test-rule
severity: warning
summary: A test
docs:
  what: w
  why: y
  fix: f
resource: Microsoft.Network/networkInterfaces
role: lan
if:
  field: $.properties.enableIPForwarding
  notEquals: true
at: $.properties.enableIPForwarding
message: "NIC `{name}` has IP forwarding off ({fact:vsocket.nic_role})"
"#;

    /// [`GOOD`] with `old` replaced by `new`, compiled: the error's message, line and column.
    fn good_with(old: &str, new: &str) -> Result<(), (String, Option<u64>, Option<u64>)> {
        Rule::parse(&GOOD.replace(old, new), "ha", &NoFacts)
            .map(|_| ())
            .map_err(|e| (e.message, e.line, e.column))
    }

    #[test]
    fn parses_a_rule() {
        let r = Rule::parse(GOOD, "ha", &NoFacts).expect("rule");
        assert_eq!(r.meta.code, "HA900");
        assert_eq!(r.types, ["microsoft.network/networkinterfaces"]);
        assert_eq!(
            r.meta.help_uri, None,
            "a page is only known for built-in rules"
        );
    }

    #[test]
    fn operands_that_could_never_compare_are_errors() {
        let with = |cond: &str| {
            good_with(
                "  field: $.properties.enableIPForwarding\n  notEquals: true",
                cond,
            )
            .map_err(|(message, ..)| message)
        };
        let err = with("  field: $.properties.x\n  greater: abc").unwrap_err();
        assert!(err.contains("`greater` compares with a number"), "{err}");
        let err = with("  field: $.name\n  ipIn: [10.0.0.0/33, banana]").unwrap_err();
        assert!(
            err.contains("`ipIn` takes an IP address or prefix"),
            "{err}"
        );
        assert_eq!(
            with("  field: $.properties.x\n  lessOrEquals: \"4096\""),
            Ok(())
        );
        assert_eq!(
            with("  field: $.name\n  ipIn: [10.0.0.0/8, 192.168.1.1]"),
            Ok(())
        );
        assert_eq!(
            with("  field: $.name\n  ipReservedIn: {field: $.x}"),
            Ok(())
        );
    }

    #[test]
    fn a_resource_type_names_its_provider() {
        let with =
            |resource: &str| good_with("resource: Microsoft.Network/networkInterfaces", resource);
        let (msg, line, column) = with("resource: virtualNetworks").unwrap_err();
        assert!(
            msg.contains("`virtualNetworks` is not a resource type"),
            "{msg}"
        );
        assert_eq!((line, column), (Some(10), Some(11)));
        let (msg, ..) =
            with("resource: [Microsoft.Network/virtualNetworks, \"Microsoft.Network/\"]")
                .unwrap_err();
        assert!(msg.contains("`Microsoft.Network/` is not"), "{msg}");
        let (msg, ..) = with("resource: virtualNetworks/subnets").unwrap_err();
        assert!(msg.contains("`virtualNetworks/subnets` is not"), "{msg}");
        assert!(with("resource: []").is_err());
        assert_eq!(
            with("resource: [Microsoft.Network/virtualNetworks/subnets]"),
            Ok(())
        );
    }

    #[test]
    fn rules_say_where_they_use_a_fact() {
        let uses = |text: &str| {
            Rule::parse(text, "ha", &NoFacts)
                .expect("rule")
                .uses_fact("vsocket.nic_role")
        };
        let field = "  field: $.properties.enableIPForwarding\n  notEquals: true";
        let no_placeholder = GOOD.replace(" ({fact:vsocket.nic_role})", "");
        assert!(uses(GOOD), "in the message");
        assert!(!uses(&no_placeholder), "nowhere");
        let with_condition = |c: &str| no_placeholder.replace(field, c);
        for (condition, why) in [
            ("  fact: vsocket.nic_role\n  equals: lan", "as a subject"),
            (
                "  not:\n    field: $.name\n    in:\n      fact: vsocket.nic_role",
                "as an operand, under `not`",
            ),
            (
                "  count:\n    field: $.tags\n    where:\n      fact: vsocket.nic_role\n      exists: true\n  greater: 0",
                "in a count's filter",
            ),
        ] {
            assert!(uses(&with_condition(condition)), "{why}");
        }
        let related =
            format!("{no_placeholder}related:\n  - fact: vsocket.nic_role\n    label: the role\n");
        assert!(uses(&related), "in `related`");
        let at_fact = no_placeholder.replace(
            "at: $.properties.enableIPForwarding",
            "atFact: vsocket.nic_role",
        );
        assert!(uses(&at_fact), "in `atFact`");
        let help = format!("{no_placeholder}help: see {{fact:vsocket.nic_role}}\n");
        assert!(uses(&help), "in the help");
        let vm = GOOD.replace("has IP forwarding off", "of {vm} has IP forwarding off");
        let rule = Rule::parse(&vm, "ha", &NoFacts).expect("rule");
        assert!(
            rule.uses_fact("vsocket.vm"),
            "`{{vm}}` names the vSocket from a fact"
        );
        assert!(!Rule::parse(GOOD, "ha", &NoFacts)
            .expect("rule")
            .uses_fact("vsocket.vm"));
    }

    #[test]
    fn every_role_name_is_a_role() {
        for name in ROLES {
            assert!(Role::named(name).is_some(), "{name}");
        }
        let named: Vec<Role> = ROLES.iter().filter_map(|n| Role::named(n)).collect();
        for (i, a) in named.iter().enumerate() {
            assert!(!named[i + 1..].contains(a), "{a:?} has two names");
        }
        assert_eq!(
            Role::named("Lan"),
            None,
            "names are lower case, as written in rules"
        );
    }

    #[test]
    fn errors_are_located() {
        let cases = [
            (
                GOOD.replace("severity: warning", "severity: fatal"),
                4,
                "unknown variant",
            ),
            (
                GOOD.replace("summary: A test", "summary: A test\nsumary: typo"),
                6,
                "unknown field",
            ),
            (
                GOOD.replace("notEquals: true", "notEquals: true\n  equals: false"),
                13,
                "exactly one operator",
            ),
            (
                GOOD.replace("$.properties.enableIPForwarding\nmessage", "$.a[\nmessage"),
                15,
                "invalid JSONPath",
            ),
            (
                GOOD.replace("({fact:vsocket.nic_role})", "({nmae})"),
                16,
                "unknown placeholder",
            ),
            (
                GOOD.replace("role: lan", "role: lan-nic"),
                11,
                "unknown role",
            ),
            (
                GOOD.replace(
                    "field: $.properties.enableIPForwarding",
                    "field: $.x\n  match: '('",
                ),
                13,
                "invalid regular expression",
            ),
        ];
        for (text, line, needle) in cases {
            let e = Rule::parse(&text, "ha", &NoFacts).expect_err(needle);
            assert_eq!(e.line, Some(line), "{needle}: {e:?}");
            assert!(e.message.contains(needle), "{needle}: {e:?}");
        }
    }
}
