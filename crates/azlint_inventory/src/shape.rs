//! Which kind of Azure export a document is, decided from its content alone.
//!
//! Users hand azlint whatever `az`, the portal or Resource Graph gave them; none of it says what
//! it is, so the shape is read from the keys present. Each test below names the tool output it
//! stands for.

use azlint_source::{KeySet, Value};

/// The shapes azlint reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A JSON array of resources: `az resource show --ids ...`, `az resource list`, a
    /// Resource Graph 1.x result, `az role assignment list`, `az network ... list`.
    ResourceArray,
    /// A REST list, `{"value": [...]}` (`az rest`, the ARM REST API).
    RestList,
    /// Azure Resource Graph 2.x: `{"count", "data", "skip_token", "total_records"}`.
    ResourceGraph,
    /// One resource object: `az resource show --ids ID`, `az network nic show`, ...
    SingleResource,
    /// An ARM template (`az group export`, hand-written, languageVersion 1.0 or 2.0).
    Template,
    /// An ARM parameter file.
    Parameters,
    /// An empty array: a query that matched nothing.
    Empty,
    /// azlint's own output: a baseline (`--write-baseline`), a JSON report or a SARIF log.
    /// Repositories commit them next to the exports, and `azlint check .` finds them.
    AzlintOutput,
    /// Effective routes or security rules of a NIC (`az network nic show-effective-route-table`,
    /// `list-effective-nsg`, PowerShell's `Get-AzEffectiveRouteTable`): what Azure computed,
    /// which azlint computes itself from route tables and NSGs and does not read.
    Effective,
    /// JSON that is none of the above.
    Unrecognised,
}

impl Shape {
    /// How the shape is named to users.
    pub fn describe(self) -> &'static str {
        match self {
            Shape::ResourceArray => "resource array",
            Shape::RestList => "REST list",
            Shape::ResourceGraph => "Resource Graph result",
            Shape::SingleResource => "single resource",
            Shape::Template => "ARM template",
            Shape::Parameters => "ARM parameter file",
            Shape::Empty => "empty array",
            Shape::AzlintOutput => "azlint output",
            Shape::Effective => "effective routes or security rules",
            Shape::Unrecognised => "unrecognised JSON",
        }
    }
}

/// Decides the shape of a document from its root value.
pub fn recognise(root: Value<'_>) -> Shape {
    if root.is_array() {
        if root.is_empty() {
            return Shape::Empty;
        }
        return if root.elements().any(|e| looks_like_resource(e)) {
            Shape::ResourceArray
        } else if root.elements().all(effective_route) {
            Shape::Effective
        } else {
            Shape::Unrecognised
        };
    }
    if !root.is_object() {
        return Shape::Unrecognised;
    }
    let schema = root.get("$schema").and_then(|s| s.as_str());
    if let Some(schema) = &schema {
        let schema = schema.to_ascii_lowercase();
        if schema.contains("deploymentparameters.json") {
            return Shape::Parameters;
        }
        if schema.contains("deploymenttemplate.json") {
            return Shape::Template;
        }
    }
    if is_azlint_output(root) {
        return Shape::AzlintOutput;
    }
    let resources = root.get("resources");
    if resources.is_some_and(|r| r.is_array() || r.is_object())
        && (root.get("contentVersion").is_some() || root.get("languageVersion").is_some())
    {
        return Shape::Template;
    }
    if root.get("contentVersion").is_some()
        && root.get("parameters").is_some_and(|p| p.is_object())
        && resources.is_none()
    {
        return Shape::Parameters;
    }
    // Keys compare ignoring case: PowerShell's `Search-AzGraph | ConvertTo-Json` writes
    // `{"SkipToken", "Data"}`.
    if root.get_ignore_case("data").is_some_and(|d| d.is_array())
        && [
            "count",
            "total_records",
            "skip_token",
            "totalRecords",
            "skipToken",
            "$skipToken",
        ]
        .iter()
        .any(|k| root.get_ignore_case(k).is_some())
    {
        return Shape::ResourceGraph;
    }
    if let Some(value) = root.get("value").filter(|v| v.is_array()) {
        if !value.is_empty() && value.elements().all(effective_route) {
            return Shape::Effective;
        }
        return Shape::RestList;
    }
    if root
        .get_ignore_case("networkSecurityGroups")
        .is_some_and(|l| {
            l.is_array()
                && l.elements()
                    .all(|g| g.get_ignore_case("effectiveSecurityRules").is_some())
        })
    {
        return Shape::Effective;
    }
    if looks_like_resource(root) {
        return Shape::SingleResource;
    }
    Shape::Unrecognised
}

/// One effective route as Azure lists it for a NIC: `source`, `state`, `nextHopType` and an
/// `addressPrefix` list, with no id or type.
fn effective_route(v: Value<'_>) -> bool {
    v.is_object()
        && ["source", "state", "nextHopType"]
            .iter()
            .all(|k| v.get_ignore_case(k).is_some_and(|x| x.is_string()))
        && v.get_ignore_case("addressPrefix")
            .is_some_and(|p| p.is_array())
        && v.get_ignore_case("id").is_none()
        && v.get_ignore_case("type").is_none()
}

/// A baseline (`{"version": 1, "findings": [{"fingerprint": "<32 hex>:<n>", "rule", ...}]}`),
/// a JSON report (`{"version": 1, "tool": {"name": "azlint"}, "findings", "summary"}`) or a
/// SARIF log whose every run's tool is azlint. Only documents made of those keys and nothing
/// else: a document that also holds resources (`value`, `data`, `resources`, ...) is read as
/// an export, never skipped.
fn is_azlint_output(root: Value<'_>) -> bool {
    let only = |keys: &[&str]| {
        root.members()
            .all(|(k, _)| keys.iter().any(|key| k.str_eq(key)))
    };
    let azlint = |tool: Option<Value<'_>>| {
        tool.and_then(|t| t.get("name"))
            .is_some_and(|n| n.str_eq("azlint"))
    };
    let version_one = root.get("version").is_some_and(|v| v.source_text() == "1");
    if let Some(findings) = root.get("findings").filter(|f| f.is_array()) {
        if !version_one {
            return false;
        }
        if azlint(root.get("tool")) {
            return only(&["version", "tool", "findings", "summary"]);
        }
        let entry = |f: Value<'_>| {
            f.get("rule").is_some_and(|r| r.is_string())
                && f.get("fingerprint")
                    .and_then(|p| p.as_str())
                    .is_some_and(|p| is_fingerprint(&p))
        };
        return only(&["version", "findings"]) && findings.elements().all(entry);
    }
    let runs = root.get("runs").filter(|r| r.is_array() && !r.is_empty());
    runs.is_some_and(|runs| {
        only(&["$schema", "version", "runs"])
            && runs
                .elements()
                .all(|run| azlint(run.get("tool").and_then(|t| t.get("driver"))))
    })
}

/// azlint's fingerprint: 32 lower-case hex digits, `:` and an occurrence number.
fn is_fingerprint(text: &str) -> bool {
    let Some((hash, n)) = text.split_once(':') else {
        return false;
    };
    hash.len() == 32
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
}

/// The top-level fields that identify a resource, read in one pass over its members.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fields<'a> {
    pub ty: Option<Value<'a>>,
    pub id: Option<Value<'a>>,
    pub name: Option<Value<'a>>,
    pub properties: Option<Value<'a>>,
    /// A role assignment that does not write its type (PowerShell's `Get-AzRoleAssignment`,
    /// known by its `RoleAssignmentId`).
    pub role_assignment: bool,
    /// A role definition that does not write its type (PowerShell's `Get-AzRoleDefinition`,
    /// known by `IsCustom` and `Actions`; its `Id` is the bare GUID).
    pub role_definition: bool,
}

/// The type a role assignment without a `type` field has.
pub const ROLE_ASSIGNMENT_TYPE: &str = "microsoft.authorization/roleassignments";
/// The type a role definition without a `type` field has.
pub const ROLE_DEFINITION_TYPE: &str = "microsoft.authorization/roledefinitions";

impl<'a> Fields<'a> {
    pub fn read(v: Value<'a>) -> Fields<'a> {
        let mut found = [None; 9];
        // PowerShell's objects: `Get-AzResource -ExpandProperties` writes the type as
        // `ResourceType`; `Get-AzRoleAssignment` writes no type, and its id as
        // `RoleAssignmentId`.
        v.pick_keys(
            &const {
                KeySet::new([
                    "type",
                    "id",
                    "name",
                    "properties",
                    "resourceType",
                    "roleAssignmentId",
                    "objectId",
                    "isCustom",
                    "actions",
                ])
            },
            &mut found,
        );
        let [ty, id, name, properties, resource_type, assignment_id, object_id, is_custom, actions] =
            found;
        let role_assignment = ty.is_none()
            && object_id.is_some()
            && assignment_id.and_then(|a| a.as_str()).is_some_and(|a| {
                a.to_ascii_lowercase()
                    .contains("/providers/microsoft.authorization/roleassignments/")
            });
        let role_definition = ty.is_none()
            && resource_type.is_none()
            && is_custom.is_some_and(|c| c.as_bool().is_some())
            && actions.is_some_and(|a| a.is_array())
            && id.is_some_and(|i| i.is_string());
        Fields {
            ty: ty.or(resource_type.filter(|_| !role_assignment)),
            id: id.or(if role_assignment { assignment_id } else { None }),
            name,
            properties,
            role_assignment,
            role_definition,
        }
    }

    /// A resource has a string `type` with a provider namespace (`Microsoft.Network/...`)
    /// and an `id` or a `name`.
    pub fn is_resource(&self) -> bool {
        let typed = self
            .ty
            .and_then(|t| t.as_str())
            .is_some_and(|t| t.contains('/'));
        (typed || self.role_assignment || self.role_definition)
            && (self.id.is_some() || self.name.is_some())
    }
}

/// Whether `v` is an object with the fields of a resource.
pub fn looks_like_resource(v: Value<'_>) -> bool {
    v.is_object() && Fields::read(v).is_resource()
}

#[cfg(test)]
mod tests {
    use super::*;
    use azlint_source::Tree;

    fn shape(src: &str) -> Shape {
        let t = Tree::parse(src, 0).unwrap();
        recognise(t.root(src))
    }

    #[test]
    fn effective_routes_and_rules_are_known_and_not_read() {
        // `az network nic show-effective-route-table`, PowerShell's `Get-AzEffectiveRouteTable`,
        // `az network nic list-effective-nsg`.
        let route = r#"{"addressPrefix": ["0.0.0.0/0"], "nextHopIpAddress": [], "nextHopType": "Internet", "source": "Default", "state": "Active"}"#;
        assert_eq!(
            shape(&format!("{{\"nextLink\": null, \"value\": [{route}]}}")),
            Shape::Effective
        );
        let ps = r#"{"Name": null, "State": "Active", "Source": "Default", "AddressPrefix": ["10.0.0.0/8"], "NextHopType": "None", "NextHopIpAddress": []}"#;
        assert_eq!(shape(&format!("[{ps}, {ps}]")), Shape::Effective);
        assert_eq!(
            shape(
                r#"{"networkSecurityGroups": [{"effectiveSecurityRules": [], "networkSecurityGroup": {"id": "x"}}]}"#
            ),
            Shape::Effective
        );
        // A route resource is a resource, and an empty list is a REST list.
        let resource = r#"{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/routeTables/t/routes/r", "name": "r", "type": "Microsoft.Network/routeTables/routes", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "Internet"}}"#;
        assert_eq!(
            shape(&format!("{{\"value\": [{resource}]}}")),
            Shape::RestList
        );
        assert_eq!(shape(r#"{"value": []}"#), Shape::RestList);
        // Something else with a list of routes is still unrecognised.
        assert_eq!(shape(r#"[{"state": "Active"}]"#), Shape::Unrecognised);
    }

    #[test]
    fn recognises_every_export() {
        let res = r#"{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v", "name": "v", "type": "Microsoft.Network/virtualNetworks"}"#;
        assert_eq!(shape(&format!("[{res}]")), Shape::ResourceArray);
        assert_eq!(shape(&format!("{{\"value\": [{res}]}}")), Shape::RestList);
        assert_eq!(
            shape(&format!(
                "{{\"count\": 1, \"data\": [{res}], \"skip_token\": null, \"total_records\": 1}}"
            )),
            Shape::ResourceGraph
        );
        assert_eq!(
            shape(&format!("{{\"SkipToken\": null, \"Data\": [{res}]}}")),
            Shape::ResourceGraph,
            "Search-AzGraph in PowerShell"
        );
        assert_eq!(shape(res), Shape::SingleResource);
        assert_eq!(shape("[]"), Shape::Empty);
        for own in [
            r#"{"version": 1, "findings": []}"#,
            r#"{"version": 1, "findings": [{"fingerprint": "0123456789abcdef0123456789abcdef:1", "rule": "HA002"}]}"#,
            r#"{"version": 1, "tool": {"name": "azlint"}, "findings": [], "summary": {}}"#,
            r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "azlint"}}}]}"#,
        ] {
            assert_eq!(shape(own), Shape::AzlintOutput, "{own}");
        }
        // Never an export that happens to have such keys, nor another tool's report.
        for other in [
            &*format!(r#"{{"version": 1, "findings": [], "value": [{res}]}}"#),
            &format!(r#"{{"version": "2024-11-04", "findings": [], "value": [{res}]}}"#),
            r#"{"version": "3.2", "findings": []}"#,
            r#"{"version": 1, "findings": [{"fingerprint": "f:1", "rule": "HA002"}]}"#,
            r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "other"}}}]}"#,
            r#"{"version": "2.1.0", "runs": []}"#,
        ] {
            assert_ne!(shape(other), Shape::AzlintOutput, "{other}");
        }
        assert_eq!(
            shape(
                r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": []}"#
            ),
            Shape::Template
        );
        assert_eq!(
            shape(r#"{"languageVersion": "2.0", "contentVersion": "1.0.0.0", "resources": {}}"#),
            Shape::Template
        );
        assert_eq!(
            shape(
                r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "contentVersion": "1.0.0.0", "parameters": {}}"#
            ),
            Shape::Parameters
        );
        assert_eq!(
            shape(r#"{"name": "my-app", "version": "1.0.0"}"#),
            Shape::Unrecognised
        );
        assert_eq!(shape(r#"[1, 2]"#), Shape::Unrecognised);
        assert_eq!(shape(r#""text""#), Shape::Unrecognised);
    }
}
