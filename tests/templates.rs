//! Templates as users lint them before deploying: evaluated with their parameters, findings at
//! the template expression with the parameter value that decided them, `azlint expand`.

mod common;

use common::{azlint, azlint_in, line_of};

const TEMPLATE: &str = "fixtures/templates/vsocket-vnet.json";

/// A scratch directory holding `files` (name, text).
fn scratch(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

/// azlint run in a scratch directory.
fn run_in(dir: &tempfile::TempDir, args: &[&str]) -> common::Run {
    azlint_in(dir.path(), args, None, &[])
}

/// A module (an inline nested template) that deploys the vSocket VNET with the DNS servers it
/// is given as `dnsServers`.
const DNS_MODULE: &str = r#"{
          "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "contentVersion": "1.0.0.0",
          "parameters": {"dnsServers": {"type": "array"}},
          "resources": [
            {
              "type": "Microsoft.Network/virtualNetworks",
              "apiVersion": "2024-05-01",
              "name": "ams-vsNet",
              "location": "westeurope",
              "properties": {
                "addressSpace": {"addressPrefixes": ["10.20.0.0/24"]},
                "dhcpOptions": {"dnsServers": "[parameters('dnsServers')]"}
              }
            }
          ]
        }"#;

#[test]
fn findings_point_at_the_expression_and_the_parameter_value() {
    let run = azlint(&["check", "--color", "never", TEMPLATE]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    insta::assert_snapshot!(run.stdout);

    let json = azlint(&["check", "--format", "json", TEMPLATE]).json();
    let f = &json["findings"][0];
    assert_eq!(f["code"], "HA002");
    assert_eq!(f["location"]["file"], TEMPLATE);
    assert_eq!(
        (
            &f["location"]["start"]["line"],
            &f["location"]["start"]["column"]
        ),
        (&38.into(), &25.into())
    );
    let related = &f["related"][0];
    assert_eq!(
        related["file"],
        "fixtures/templates/vsocket-vnet.parameters.json"
    );
    assert_eq!(related["message"], "value of parameter `dnsServers`");
    assert_eq!(related["start"]["line"], 9);
}

#[test]
fn command_line_values_override_the_parameter_file() {
    let clean = azlint(&["check", TEMPLATE, "-p", "dnsServers=[]"]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
    assert!(
        clean.stdout.contains("no problems found"),
        "{}",
        clean.stdout
    );
    // A public resolver next to the private one is fine too (HA002 wants one reachable).
    let mixed = azlint(&[
        "check",
        TEMPLATE,
        "-p",
        r#"dnsServers=["10.20.1.4","8.8.8.8"]"#,
    ]);
    assert_eq!(mixed.code, 0, "{}", mixed.stdout);
}

#[test]
fn an_explicit_parameter_file_replaces_the_conventional_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let params = dir.path().join("prod.json");
    std::fs::write(
        &params,
        r#"{"parameters": {"site": {"value": "ams"}, "dnsServers": {"value": []}}}"#,
    )
    .expect("write");
    let run = azlint(&[
        "check",
        TEMPLATE,
        "--parameters",
        params.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn a_parameter_file_next_to_one_template_among_the_inputs_is_its() {
    // `azlint check main.json prod.json`, as `az deployment group create --template-file
    // main.json --parameters prod.json`: the template's HA002 comes from prod.json's value.
    let template = std::fs::read_to_string(TEMPLATE).expect("fixture");
    let params = std::fs::read_to_string("fixtures/templates/vsocket-vnet.parameters.json")
        .expect("fixture");
    let dir = scratch(&[("main.json", &template), ("prod.json", &params)]);
    let run = run_in(
        &dir,
        &["check", "--format", "json", "main.json", "prod.json"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let f = run.finding("HA002");
    assert_eq!(f["related"][0]["file"], "prod.json", "{f}");

    // With two templates, whose it is cannot be told: a warning, and neither uses it.
    let dir = scratch(&[
        ("main.json", &template),
        ("other.json", &template),
        ("prod.json", &params),
    ]);
    let run = run_in(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "main.json",
            "other.json",
            "prod.json",
        ],
    );
    let f = run.finding("IN003");
    assert_eq!(f["location"]["file"], "prod.json", "{f}");
    assert!(
        run.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| f["code"] != "HA002"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_template_that_changes_an_exported_route_is_checked_next_to_the_export() {
    // The healthy site as exported, and a template that redeploys its LAN route table with
    // the secondary's own LAN IP as next hop: the template's copy is the defect (HA012 at
    // its next hop), though the export's copy of the route is read first.
    let export =
        std::fs::read_to_string("fixtures/examples/healthy/resources.json").expect("fixture");
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"lanPrefix": {"type": "string", "defaultValue": "10.20.0"}},
  "resources": [
    {
      "type": "Microsoft.Network/routeTables",
      "apiVersion": "2024-05-01",
      "name": "ams-viaCato",
      "location": "westeurope",
      "properties": {
        "routes": [
          {
            "name": "default-cato",
            "properties": {
              "addressPrefix": "0.0.0.0/0",
              "nextHopType": "VirtualAppliance",
              "nextHopIpAddress": "[concat(parameters('lanPrefix'), '.69')]"
            }
          }
        ]
      }
    }
  ]
}"#;
    let dir = scratch(&[("resources.json", &export), ("routes.json", template)]);
    let run = run_in(
        &dir,
        &["check", "--format", "json", "resources.json", "routes.json"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let f = run.finding("HA012");
    assert_eq!(f["location"]["file"], "routes.json", "{f}");
    assert_eq!(f["location"]["start"]["line"], 18, "{f}");
    // The export alone is healthy.
    let run = run_in(&dir, &["check", "--format", "json", "resources.json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // The template's route of a type known only at deployment: "cannot tell", pointing at
    // the type in the template, not at the same offset of the export read first.
    let untyped = template
        .replace(
            r#""parameters": {"#,
            r#""parameters": {"hopType": {"type": "string"}, "#,
        )
        .replace(
            r#""nextHopType": "VirtualAppliance""#,
            r#""nextHopType": "[parameters('hopType')]""#,
        );
    std::fs::write(dir.path().join("routes.json"), &untyped).expect("write");
    let run = run_in(
        &dir,
        &[
            "check",
            "--show-unknown",
            "--select",
            "HA012",
            "--format",
            "json",
            "resources.json",
            "routes.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let f = run.finding("HA012");
    assert_eq!(f["severity"], "note", "{f}");
    assert_eq!(f["location"]["file"], "routes.json", "{f}");
    assert_eq!(
        f["location"]["start"]["line"],
        line_of(&untyped, "\"nextHopType\""),
        "{f}"
    );
}

#[test]
fn a_route_declared_on_its_own_is_named_by_its_own_name_in_commands() {
    // A template that redeploys the healthy site's `default-cato` as a resource of its own
    // (`ams-viaCato/default-cato`), to the secondary's LAN IP: the command to copy names the
    // route `default-cato`, as `az network route-table route update -n` takes it.
    let export =
        std::fs::read_to_string("fixtures/examples/healthy/resources.json").expect("fixture");
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Network/routeTables/routes",
      "apiVersion": "2024-05-01",
      "name": "ams-viaCato/default-cato",
      "properties": {
        "addressPrefix": "0.0.0.0/0",
        "nextHopType": "VirtualAppliance",
        "nextHopIpAddress": "10.20.0.69"
      }
    }
  ]
}"#;
    let dir = scratch(&[("resources.json", &export), ("route.json", template)]);
    let run = run_in(
        &dir,
        &["check", "--format", "json", "resources.json", "route.json"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let f = run.finding("HA012");
    assert_eq!(f["location"]["file"], "route.json", "{f}");
    let help = f["help"].as_str().unwrap_or_default();
    assert!(
        help.contains("--route-table-name ams-viaCato -n default-cato "),
        "{help}"
    );
}

#[test]
fn a_defect_in_two_copies_is_said_once_pointing_at_both() {
    // The export with IP forwarding off on the secondary's LAN NIC, and a template that
    // redeploys that NIC the same way: one finding, at the copy read first (the export's),
    // pointing at the template's copy too, which may be the one the user edits.
    let healthy =
        std::fs::read_to_string("fixtures/examples/healthy/resources.json").expect("fixture");
    let at = healthy
        .find("\"name\": \"ams-lanSecondary\"")
        .expect("the NIC");
    let off = at
        + healthy[at..]
            .find("\"enableIPForwarding\": true")
            .expect("its flag");
    let export = format!(
        "{}\"enableIPForwarding\": false{}",
        &healthy[..off],
        &healthy[off + "\"enableIPForwarding\": true".len()..]
    );
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Network/networkInterfaces",
      "apiVersion": "2024-05-01",
      "name": "ams-lanSecondary",
      "location": "westeurope",
      "properties": {
        "enableIPForwarding": false
      }
    }
  ]
}"#;
    let dir = scratch(&[("resources.json", &export), ("nic.json", template)]);
    let run = run_in(
        &dir,
        &["check", "--format", "json", "resources.json", "nic.json"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let found = run.findings("HA019");
    assert_eq!(found.len(), 1, "{}", run.stdout);
    let f = &found[0];
    assert_eq!(f["location"]["file"], "resources.json", "{f}");
    let copy = f["related"]
        .as_array()
        .and_then(|r| r.iter().find(|l| l["file"] == "nic.json"))
        .unwrap_or_else(|| panic!("no label in the template: {f}"));
    assert_eq!(copy["message"], "the same in this copy", "{f}");
    assert_eq!(copy["start"]["line"], 11, "{f}");
}

#[test]
fn a_parameter_without_a_value_is_cannot_tell() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(TEMPLATE, dir.path().join("t.json")).expect("copy");
    // No t.parameters.json: `site` has no value, so names are unknown; DNS defaults to [].
    let run = run_in(
        &dir,
        &["check", "--show-unknown", "--format", "json", "t.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let json = run.json();
    let errors = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["cannot_tell"] == false)
        .count();
    assert_eq!(errors, 0, "{}", run.stdout);
}

#[test]
fn expand_prints_resources_outputs_and_marked_unknowns() {
    let run = azlint(&["expand", TEMPLATE]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let x = run.json();
    let vnet = &x["resources"][0];
    assert_eq!(vnet["name"], "ams-vsNet");
    assert_eq!(
        vnet["id"],
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/ams-vsNet"
    );
    let subnets: Vec<(&str, &str)> = vnet["properties"]["subnets"]
        .as_array()
        .expect("subnets from the copy loop")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default(),
                s["properties"]["addressPrefix"]
                    .as_str()
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        subnets,
        [
            ("ams-MGMTSubnet", "10.20.0.0/27"),
            ("ams-WANSubnet", "10.20.0.32/27"),
            ("ams-LANSubnet", "10.20.0.64/27")
        ]
    );
    assert_eq!(x["outputs"]["lanSubnet"]["value"], "10.20.0.64/27");
    // `reference()` is unknown offline, marked so a script can tell, and its symbol is the one
    // the identity's own principalId carries: rules join on it before deployment.
    let principal = &x["outputs"]["haPrincipal"]["value"];
    assert!(principal["$unknown"]
        .as_str()
        .is_some_and(|r| r.contains("after deployment")));
    assert_eq!(
        principal["expression"],
        x["resources"][1]["properties"]["principalId"]["expression"]
    );
}

#[test]
fn expression_errors_are_located_and_other_inputs_still_linted() {
    let dir = scratch(&[(
        "bad.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2024-05-01",
      "name": "[concat('a', nosuch('b'))]",
      "properties": {"dhcpOptions": {"dnsServers": "[variables('missing')]"}}
    }
  ]
}
"#,
    )]);
    std::fs::copy(
        "fixtures/shapes/single-resource.json",
        dir.path().join("vnet.json"),
    )
    .expect("copy");
    let run = run_in(&dir, &["check", "--format", "json", "."]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let located = run.located();
    assert!(
        located.contains(&("IN010".into(), "bad.json".into(), 8, 29)),
        "{located:?}"
    );
    assert!(
        located.contains(&("IN010".into(), "bad.json".into(), 9, 54)),
        "{located:?}"
    );
    assert!(
        located
            .iter()
            .any(|(code, file, _, _)| code == "HA002" && file == "vnet.json"),
        "{located:?}"
    );
    let messages: Vec<String> = run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(messages
        .iter()
        .any(|m| m.contains("`nosuch` is not a template function")));
    assert!(messages.iter().any(|m| m.contains("no variable `missing`")));

    let expand = run_in(&dir, &["expand", "bad.json"]);
    assert_eq!(expand.code, 1);
    assert!(expand.stderr.contains("IN010"), "{}", expand.stderr);
    assert!(expand.stdout.contains("\"$unknown\""), "{}", expand.stdout);
}

#[test]
fn new_guid_and_utc_now_only_in_parameter_defaults() {
    // Azure accepts `newGuid()` and `utcNow()` only in a parameter's `defaultValue`; there the
    // value is unknown offline, elsewhere the deployment is rejected.
    let dir = scratch(&[(
        "t.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "seed": {"type": "string", "defaultValue": "[newGuid()]"},
    "stamp": {"type": "string", "defaultValue": "[utcNow('u')]"}
  },
  "resources": [
    {
      "type": "Microsoft.Authorization/roleAssignments",
      "apiVersion": "2022-04-01",
      "name": "[guid(parameters('seed'), parameters('stamp'))]",
      "properties": {"principalId": "[newGuid()]", "description": "[utcNow()]"}
    }
  ]
}
"#,
    )]);
    let run = run_in(&dir, &["check", "--format", "json", "."]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let located: Vec<(String, u64, u64)> = run
        .located()
        .into_iter()
        .map(|(code, _, line, column)| (code, line, column))
        .collect();
    assert_eq!(
        located,
        [("IN010".to_string(), 13, 39), ("IN010".to_string(), 13, 69)]
    );
    let text = run_in(&dir, &["check", "t.json"]).stdout;
    assert!(
        text.contains("`newGuid()` can only be used in the default"),
        "{text}"
    );
}

#[test]
fn copy_loops_conditions_and_nested_templates() {
    let dir = scratch(&[(
        "t.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"count": {"type": "int", "defaultValue": 3}, "withNsg": {"type": "bool", "defaultValue": false}},
  "resources": [
    {
      "type": "Microsoft.Network/networkInterfaces",
      "apiVersion": "2024-05-01",
      "name": "[format('nic-{0}', copyIndex(1))]",
      "copy": {"name": "nics", "count": "[parameters('count')]"},
      "properties": {}
    },
    {
      "condition": "[parameters('withNsg')]",
      "type": "Microsoft.Network/networkSecurityGroups",
      "apiVersion": "2024-05-01",
      "name": "nsg",
      "properties": {}
    },
    {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "inner",
      "properties": {
        "mode": "Incremental",
        "expressionEvaluationOptions": {"scope": "inner"},
        "parameters": {"prefix": {"value": "[format('n{0}', parameters('count'))]"}},
        "template": {
          "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "contentVersion": "1.0.0.0",
          "parameters": {"prefix": {"type": "string"}},
          "resources": [
            {"type": "Microsoft.Network/routeTables", "apiVersion": "2024-05-01", "name": "[concat(parameters('prefix'), '-rt')]", "properties": {}}
          ],
          "outputs": {"table": {"type": "string", "value": "[concat(parameters('prefix'), '-rt')]"}}
        }
      }
    }
  ],
  "outputs": {
    "fromInner": {"type": "string", "value": "[reference('inner').outputs.table.value]"},
    "fromInnerById": {"type": "string", "value": "[reference(resourceId('Microsoft.Resources/deployments', 'inner'), '2022-09-01', 'Full').properties.outputs.table.value]"}
  }
}
"#,
    )]);
    let run = run_in(&dir, &["expand", "t.json", "-p", "count=2"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let names: Vec<String> = run.json()["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(names, ["nic-1", "nic-2", "inner", "n2-rt"]);
    // A nested deployment's outputs are known to the template that reads them.
    let x = run.json();
    assert_eq!(x["outputs"]["fromInner"]["value"], "n2-rt");
    assert_eq!(x["outputs"]["fromInnerById"]["value"], "n2-rt");
}

#[test]
fn subscription_scope_modules_read_each_others_outputs() {
    // Bicep's modules at subscription scope: deployments into resource groups, referenced by
    // their id there (`extensionResourceId(<group id>, 'Microsoft.Resources/deployments', ...)`).
    let dir = scratch(&[(
        "main.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2022-09-01", "name": "rg-net", "location": "westeurope"},
    {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "network",
      "resourceGroup": "rg-net",
      "properties": {
        "mode": "Incremental",
        "expressionEvaluationOptions": {"scope": "inner"},
        "template": {
          "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "contentVersion": "1.0.0.0",
          "resources": [],
          "outputs": {"lanSubnetId": {"type": "string", "value": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'lan')]"}}
        }
      }
    },
    {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "vsockets",
      "resourceGroup": "rg-net",
      "properties": {
        "mode": "Incremental",
        "expressionEvaluationOptions": {"scope": "inner"},
        "parameters": {"subnetId": {"value": "[reference(extensionResourceId(format('/subscriptions/{0}/resourceGroups/{1}', subscription().subscriptionId, 'rg-net'), 'Microsoft.Resources/deployments', 'network'), '2022-09-01').outputs.lanSubnetId.value]"}},
        "template": {
          "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "contentVersion": "1.0.0.0",
          "parameters": {"subnetId": {"type": "string"}},
          "resources": [],
          "outputs": {"subnet": {"type": "string", "value": "[parameters('subnetId')]"}}
        }
      }
    }
  ],
  "outputs": {
    "viaModule": {"type": "string", "value": "[reference(extensionResourceId(format('/subscriptions/{0}/resourceGroups/{1}', subscription().subscriptionId, 'rg-net'), 'Microsoft.Resources/deployments', 'vsockets'), '2022-09-01').outputs.subnet.value]"}
  }
}
"#,
    )]);
    let run = run_in(&dir, &["expand", "main.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let x = run.json();
    let ids: Vec<&str> = x["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["type"] == "Microsoft.Resources/deployments")
        .map(|r| r["id"].as_str().unwrap_or_default())
        .collect();
    let sub = "/subscriptions/00000000-0000-0000-0000-000000000000";
    assert_eq!(
        ids,
        [
            format!(
                "{sub}/resourceGroups/rg-net/providers/Microsoft.Resources/deployments/network"
            ),
            format!(
                "{sub}/resourceGroups/rg-net/providers/Microsoft.Resources/deployments/vsockets"
            ),
        ]
    );
    assert_eq!(
        x["outputs"]["viaModule"]["value"],
        format!("{sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/lan")
    );
}

#[test]
fn a_nested_deployment_given_a_subscription_alone_deploys_at_subscription_scope() {
    let dir = scratch(&[(
        "t.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "atSub",
      "subscriptionId": "11111111-1111-1111-1111-111111111111",
      "location": "westeurope",
      "properties": {"mode": "Incremental", "template": {"$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#", "contentVersion": "1.0.0.0", "resources": []}}
    }
  ]
}
"#,
    )]);
    let run = run_in(&dir, &["expand", "t.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json()["resources"][0]["id"],
        "/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.Resources/deployments/atSub"
    );
}

#[test]
fn a_value_passed_to_a_module_is_labelled() {
    let main = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "network",
      "properties": {
        "mode": "Incremental",
        "expressionEvaluationOptions": {"scope": "inner"},
        "parameters": {
          "dnsServers": {"value": ["10.20.1.4"]}
        },
        "template": DNS_MODULE
      }
    }
  ]
}
"#
    .replace("DNS_MODULE", DNS_MODULE);
    let dir = scratch(&[("main.json", &main)]);
    let run = run_in(&dir, &["check", "--format", "json", "main.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    let f = &report["findings"][0];
    assert_eq!(f["code"], "HA002");
    assert_eq!(
        f["location"]["start"]["line"], 27,
        "the module's expression"
    );
    let passed = f["related"]
        .as_array()
        .expect("related")
        .iter()
        .find(|r| r["message"] == "value passed as parameter `dnsServers`")
        .expect("a label at the value the parent passes");
    assert_eq!(passed["start"]["line"], 13);
}

#[test]
fn a_value_passed_down_a_chain_of_modules_is_labelled_back_to_the_parameter_file() {
    // main.parameters.json -> main.json's `dns` -> module `site`'s `servers` -> module
    // `network`'s `dnsServers`, which the VNET uses: every step is labelled.
    let site = format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{"servers": {{"type": "array"}}}},
  "resources": [
    {{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "network",
      "properties": {{
        "mode": "Incremental",
        "expressionEvaluationOptions": {{"scope": "inner"}},
        "parameters": {{"dnsServers": {{"value": "[parameters('servers')]"}}}},
        "template": {DNS_MODULE}
      }}
    }}
  ]
}}"#
    );
    let main = format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{"dns": {{"type": "array"}}}},
  "resources": [
    {{
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "site",
      "properties": {{
        "mode": "Incremental",
        "expressionEvaluationOptions": {{"scope": "inner"}},
        "parameters": {{"servers": {{"value": "[parameters('dns')]"}}}},
        "template": {site}
      }}
    }}
  ]
}}
"#
    );
    let params = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "dns": {"value": ["10.20.1.4"]}
  }
}
"#;
    let dir = scratch(&[("main.json", &main), ("main.parameters.json", params)]);
    let run = run_in(&dir, &["check", "--format", "json", "main.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    let f = &report["findings"][0];
    assert_eq!(f["code"], "HA002");
    let related: Vec<(String, String, u64)> = f["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| {
            (
                r["message"].as_str().unwrap_or_default().to_string(),
                r["file"].as_str().unwrap_or_default().to_string(),
                r["start"]["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    let line_of = |text: &str| line_of(&main, text);
    assert_eq!(
        related,
        [
            (
                "value passed as parameter `dnsServers`".to_string(),
                "main.json".to_string(),
                line_of("\"dnsServers\": {\"value\"")
            ),
            (
                "value passed as parameter `servers`".to_string(),
                "main.json".to_string(),
                line_of("\"servers\": {\"value\"")
            ),
            (
                "value of parameter `dns`".to_string(),
                "main.parameters.json".to_string(),
                5
            ),
        ]
    );
}

#[test]
fn a_module_parameter_written_as_a_for_expression_has_its_value() {
    // Bicep writes `dnsServers: [for s in servers: s.ip]` as a `copy` named `value`.
    let main = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "variables": {"servers": [{"ip": "10.20.1.4"}, {"ip": "10.20.1.5"}]},
  "resources": [
    {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "network",
      "properties": {
        "mode": "Incremental",
        "expressionEvaluationOptions": {"scope": "inner"},
        "parameters": {
          "dnsServers": {
            "copy": [
              {"name": "value", "count": "[length(variables('servers'))]", "input": "[variables('servers')[copyIndex('value')].ip]"}
            ]
          }
        },
        "template": DNS_MODULE
      }
    }
  ]
}
"#
    .replace("DNS_MODULE", DNS_MODULE);
    let dir = scratch(&[("main.json", &main)]);
    let run = run_in(&dir, &["expand", "main.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let vnet = &run.json()["resources"][1];
    assert_eq!(vnet["name"], "ams-vsNet");
    assert_eq!(
        vnet["properties"]["dhcpOptions"]["dnsServers"],
        serde_json::json!(["10.20.1.4", "10.20.1.5"])
    );
    let run = run_in(&dir, &["check", "--format", "json", "main.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.json()["findings"][0]["code"], "HA002");
}

#[test]
fn a_route_whose_next_hop_is_unknown_is_cannot_tell() {
    // The LAN route table's next hop is a parameter without a value: it may be a vSocket's own
    // LAN IP, or the floating IP.
    let site = std::fs::read_to_string("fixtures/templates/ha-site-roles.json").expect("fixture");
    let template = site
        .replacen(
            r#""adminPassword": {"#,
            r#""hop": {"type": "string"}, "adminPassword": {"#,
            1,
        )
        .replacen(
            r#""nextHopIpAddress": "10.20.0.70""#,
            r#""nextHopIpAddress": "[parameters('hop')]""#,
            1,
        );
    assert_ne!(template, site);
    let dir = scratch(&[("main.json", &template)]);
    let run = run_in(
        &dir,
        &["check", "--format", "json", "--show-unknown", "main.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    let notes: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "HA012")
        .collect();
    assert_eq!(notes.len(), 1, "{:#}", report["findings"]);
    assert_eq!(notes[0]["severity"], "note");
    let message = notes[0]["message"].as_str().expect("message");
    assert!(
        message.contains("the next hop address is not known before deployment")
            && message.contains("`hop` has no value"),
        "{message}"
    );
    let line = line_of(&template, "[parameters('hop')]");
    assert_eq!(notes[0]["location"]["start"]["line"], line);
}

#[test]
fn a_parameter_the_template_does_not_declare_is_an_error_at_the_parameter_file() {
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"dnsServers": {"type": "array", "defaultValue": []}},
  "resources": []
}
"#;
    let params = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "dnsServer": {"value": ["10.20.1.4"]}
  }
}
"#;
    let dir = scratch(&[("main.json", template), ("main.parameters.json", params)]);
    let run = run_in(&dir, &["check", "--format", "json", "main.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.located(),
        [(
            "IN010".to_string(),
            "main.parameters.json".to_string(),
            5,
            5
        )]
    );
    let report = run.json();
    let f = &report["findings"][0];
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m
                .contains("gives `dnsServer`, which the template `main.json` does not declare")),
        "{f}"
    );
    assert!(
        f["help"]
            .as_str()
            .is_some_and(|h| h.contains("`dnsServers`")),
        "{f}"
    );
}

#[test]
fn a_parameter_value_of_the_wrong_type_is_an_error_at_the_parameter_file() {
    // A string where the template declares an array: the error is the value's, not the
    // expressions' that would index it.
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"lanIps": {"type": "array"}, "count": {"type": "int"}},
  "resources": [],
  "outputs": {"first": {"type": "string", "value": "[parameters('lanIps')[0]]"}}
}
"#;
    let params = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "lanIps": {"value": "10.20.0.69"},
    "count": {"value": 2}
  }
}
"#;
    let dir = scratch(&[("main.json", template), ("main.parameters.json", params)]);
    let run = run_in(&dir, &["check", "--format", "json", "main.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.located(),
        [(
            "IN010".to_string(),
            "main.parameters.json".to_string(),
            5,
            25
        )]
    );
    let report = run.json();
    assert!(
        report["findings"][0]["message"].as_str().is_some_and(
            |m| m.contains("gives `lanIps` a string, but the template declares it `array`")
        ),
        "{report:#}"
    );
    // A value given on the command line replaces the file's: Azure never sees the string.
    let run = run_in(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "main.json",
            "-p",
            r#"lanIps=["10.20.0.69"]"#,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn reference_of_a_declared_vnet_knows_its_subnets() {
    // Bicep's `vnet.properties.subnets[1].id`: the subnet ids are known before deployment,
    // what Azure adds at deployment is not.
    let dir = scratch(&[(
        "t.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Network/networkInterfaces",
      "apiVersion": "2024-05-01",
      "name": "nic",
      "location": "westeurope",
      "properties": {"ipConfigurations": [{"name": "ip", "properties": {"subnet": {"id": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'vnet'), '2024-05-01').subnets[1].id]"}}}]}
    },
    {
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2024-05-01",
      "name": "vnet",
      "location": "westeurope",
      "properties": {
        "addressSpace": {"addressPrefixes": ["10.20.0.0/24"]},
        "subnets": [
          {"name": "mgmt", "properties": {"addressPrefix": "10.20.0.0/28"}},
          {"name": "lan", "properties": {"addressPrefix": "10.20.0.64/27"}}
        ]
      }
    }
  ],
  "outputs": {
    "lan": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'vnet'), '2024-05-01').subnets[1].id]"},
    "lanFull": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'vnet'), '2024-05-01', 'Full').properties.subnets[1].properties.addressPrefix]"},
    "guid": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'vnet'), '2024-05-01').resourceGuid]"},
    "subnetEtag": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'vnet'), '2024-05-01').subnets[0].etag]"},
    "subnetState": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'vnet'), '2024-05-01').subnets[0].properties.provisioningState]"},
    "childSubnet": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/virtualNetworks', 'vnet'), '2024-05-01').subnets[2].id]"}
  }
}
"#,
    )]);
    let run = run_in(&dir, &["expand", "t.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let x = run.json();
    assert_eq!(
        x["outputs"]["lan"]["value"],
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/vnet/subnets/lan"
    );
    assert_eq!(x["outputs"]["lanFull"]["value"], "10.20.0.64/27");
    // A NIC declared before its VNET reads the same.
    assert_eq!(
        x["resources"][0]["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"],
        x["outputs"]["lan"]["value"]
    );
    // What Azure adds, of the VNET or of a subnet, and a subnet declared elsewhere (a child
    // resource) are unknown, not errors.
    for unknown in ["guid", "subnetEtag", "subnetState", "childSubnet"] {
        assert!(
            x["outputs"][unknown]["value"]["$unknown"].is_string(),
            "{unknown}: {}",
            x["outputs"][unknown]
        );
    }
}

#[test]
fn reference_of_a_declared_nic_knows_its_static_addresses() {
    // A module's output `lanNic.properties.ipConfigurations[0].properties.privateIPAddress`:
    // known before deployment when the address is static, Azure's choice when dynamic.
    let dir = scratch(&[(
        "t.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Network/networkInterfaces",
      "apiVersion": "2024-05-01",
      "name": "lan",
      "location": "westeurope",
      "properties": {"ipConfigurations": [
        {"name": "fixed", "properties": {"privateIPAllocationMethod": "Static", "privateIPAddress": "10.20.0.69"}},
        {"name": "chosen", "properties": {"privateIPAllocationMethod": "Dynamic", "privateIPAddress": "10.20.0.80"}}
      ]}
    }
  ],
  "outputs": {
    "fixed": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/networkInterfaces', 'lan'), '2024-05-01').ipConfigurations[0].properties.privateIPAddress]"},
    "fixedId": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/networkInterfaces', 'lan'), '2024-05-01').ipConfigurations[0].id]"},
    "chosen": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/networkInterfaces', 'lan'), '2024-05-01').ipConfigurations[1].properties.privateIPAddress]"},
    "mac": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/networkInterfaces', 'lan'), '2024-05-01').macAddress]"}
  }
}
"#,
    )]);
    let run = run_in(&dir, &["expand", "t.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let x = run.json();
    assert_eq!(x["outputs"]["fixed"]["value"], "10.20.0.69");
    assert_eq!(
        x["outputs"]["fixedId"]["value"],
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG/providers/Microsoft.Network/networkInterfaces/lan/ipConfigurations/fixed"
    );
    for unknown in ["chosen", "mac"] {
        assert!(
            x["outputs"][unknown]["value"]["$unknown"].is_string(),
            "{unknown}: {}",
            x["outputs"][unknown]
        );
    }
}

#[test]
fn each_copy_of_a_looped_module_is_referenced_by_its_symbol() {
    // languageVersion 2.0: `vsocket[1].outputs.lanIp` compiles to reference('vsocket[1]').
    let dir = scratch(&[(
        "t.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "languageVersion": "2.0",
  "contentVersion": "1.0.0.0",
  "resources": {
    "routes": {
      "type": "Microsoft.Network/routeTables",
      "apiVersion": "2024-05-01",
      "name": "rt",
      "properties": {"routes": [{"name": "r", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "[reference('vsocket[1]').outputs.lanIp.value]"}}]}
    },
    "vsocket": {
      "copy": {"name": "vsocket", "count": 2},
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "[format('vsocket-{0}', copyIndex())]",
      "properties": {
        "mode": "Incremental",
        "expressionEvaluationOptions": {"scope": "inner"},
        "parameters": {"index": {"value": "[copyIndex()]"}},
        "template": {
          "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "contentVersion": "1.0.0.0",
          "parameters": {"index": {"type": "int"}},
          "resources": [],
          "outputs": {"lanIp": {"type": "string", "value": "[format('10.20.0.{0}', add(69, parameters('index')))]"}}
        }
      }
    }
  },
  "outputs": {
    "second": {"type": "string", "value": "[reference('vsocket[1]').outputs.lanIp.value]"},
    "first": {"type": "string", "value": "[reference(format('vsocket[{0}]', 0)).outputs.lanIp.value]"}
  }
}
"#,
    )]);
    let run = run_in(&dir, &["expand", "t.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let x = run.json();
    assert_eq!(x["outputs"]["first"]["value"], "10.20.0.69");
    assert_eq!(x["outputs"]["second"]["value"], "10.20.0.70");
    // A resource declared before the loop names the same copy (its outputs are not known
    // yet, the module has not been expanded): the deployment's id, which rules join on.
    let routes = x["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|r| r["name"] == "rt")
        .expect("the route table");
    let hop = &routes["properties"]["routes"][0]["properties"]["nextHopIpAddress"];
    assert!(
        hop["expression"]
            .as_str()
            .is_some_and(|e| e.contains("/providers/microsoft.resources/deployments/vsocket-1'")),
        "{hop}"
    );
}

#[test]
fn a_role_assignment_without_scope_is_at_the_deployments_scope() {
    // Bicep's resource-group-level `guid(resourceGroup().id, principalId, role)`: its name is
    // known only after deployment, its scope (the resource group) before. The LAN NICs and
    // subnet inherit the role: nothing to report, nothing left unknown.
    let site = std::fs::read_to_string("fixtures/templates/ha-site-roles.json").expect("fixture");
    let principal = "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'ams-CatoHaIdentity')).principalId]";
    let first = site
        .find(r#""type": "Microsoft.Authorization/roleAssignments""#)
        .expect("roles");
    let open = site[..first].rfind('{').expect("object");
    let template = format!(
        r#"{}{{
      "type": "Microsoft.Authorization/roleAssignments",
      "apiVersion": "2022-04-01",
      "name": "[guid(resourceGroup().id, reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'ams-CatoHaIdentity')).principalId, 'vmc')]",
      "properties": {{
        "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '9980e02c-c2be-4d73-94e8-173b1dc7cf3c')]",
        "principalId": "{principal}",
        "principalType": "ServicePrincipal"
      }}
    }}
  ]
}}
"#,
        &site[..open]
    );
    let dir = scratch(&[("main.json", &template)]);
    let run = run_in(&dir, &["check", "--show-unknown", "main.json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // Only HA004 cannot tell: the deployer's roles at the group are in no template.
    assert!(
        run.stdout.contains("azlint: 1 note in 1 file"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("cannot tell HA004"), "{}", run.stdout);
    let x = run_in(&dir, &["expand", "main.json"]).json();
    let roles: Vec<&serde_json::Value> = x["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["type"] == "Microsoft.Authorization/roleAssignments")
        .collect();
    assert_eq!(roles.len(), 1);
    assert_eq!(
        roles[0]["scope"],
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG"
    );
}

#[test]
fn a_linked_template_is_reported_not_read() {
    let dir = scratch(&[(
        "main.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "site",
      "properties": {
        "mode": "Incremental",
        "templateLink": {"relativePath": "modules/site.json"}
      }
    },
    {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "[format('spoke{0}', copyIndex())]",
      "copy": {"name": "spokes", "count": 3},
      "properties": {
        "mode": "Incremental",
        "templateLink": {"uri": "[format('https://example.com/{0}.json', 'spoke')]"}
      }
    }
  ]
}
"#,
    )]);
    let run = run_in(&dir, &["check", "--format", "json", "main.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    let f = &report["findings"][0];
    assert_eq!(f["code"], "IN004");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["location"]["start"]["line"], 11, "the templateLink");
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("`modules/site.json`") && m.contains("not linted")),
        "{f}"
    );
    // A link in a copy loop is told once, with its URI as evaluated.
    let links: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "IN004")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(links.len(), 2, "{links:?}");
    assert!(
        links[1].contains("`https://example.com/spoke.json`"),
        "{links:?}"
    );
}

#[test]
fn a_resource_under_an_unknown_condition_is_cannot_tell() {
    let dir = scratch(&[(
        "t.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"withDns": {"type": "bool"}},
  "resources": [
    {
      "condition": "[parameters('withDns')]",
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2024-05-01",
      "name": "ams-vsNet",
      "properties": {"dhcpOptions": {"dnsServers": ["10.20.1.4"]}}
    }
  ]
}
"#,
    )]);
    let run = run_in(
        &dir,
        &["check", "--show-unknown", "--format", "json", "t.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let f = &run.json()["findings"][0];
    assert_eq!(
        (&f["code"], &f["cannot_tell"]),
        (&"HA002".into(), &true.into())
    );
    assert!(f["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("if this resource is deployed")));
    // Known to be deployed: an error.
    let deployed = run_in(&dir, &["check", "t.json", "-p", "withDns=true"]);
    assert_eq!(deployed.code, 1, "{}", deployed.stdout);
    let skipped = run_in(&dir, &["check", "t.json", "-p", "withDns=false"]);
    assert_eq!(skipped.code, 0, "{}", skipped.stdout);
}

#[test]
fn a_cannot_tell_names_what_is_unknown_not_the_parameters_that_are_known() {
    // The site's VNET id has no value; its names come from the default of `siteName`. The
    // notes on the NICs are about the VNET, so the default is not shown as their cause.
    let run = azlint(&[
        "check",
        "--show-unknown",
        "--format",
        "json",
        "fixtures/rules/lan-nics-split-subnets/fire/template-vnet-parameter.json",
    ]);
    let json = run.json();
    let notes: Vec<_> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["cannot_tell"] == true)
        .collect();
    // (One is HA004's: the deployer's roles at the group are in no template.)
    assert_eq!(notes.len(), 8, "{}", run.stdout);
    for n in notes {
        assert_eq!(n["related"], serde_json::json!([]), "{n}");
    }
    // A defect that is a note only because its resource's condition is unknown still points
    // at the value that makes it one.
    let dir = scratch(&[(
        "t.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "site": {"type": "string", "defaultValue": "ams"},
    "withVnet": {"type": "bool"}
  },
  "resources": [
    {
      "condition": "[parameters('withVnet')]",
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2024-05-01",
      "name": "[concat(parameters('site'), '-vsNet.')]"
    }
  ]
}
"#,
    )]);
    let run = run_in(
        &dir,
        &["check", "--show-unknown", "--format", "json", "t.json"],
    );
    let f = &run.json()["findings"][0];
    assert_eq!(f["cannot_tell"], true, "{}", run.stdout);
    assert_eq!(
        f["related"][0]["message"], "default of parameter `site`",
        "{f}"
    );
}

#[test]
fn a_resource_named_only_at_deployment_is_found_by_its_expression_in_its_own_template() {
    // The secondary's LAN NIC is `concat(parameters('siteName'), '-lanSecondary')`, with no
    // value, and its VM names it by `resourceId()` of that name: the NIC is found, and its IP
    // forwarding is off.
    let template = std::fs::read_to_string(
        "fixtures/rules/ip-forwarding-off/fire/template-nic-name-parameter.json",
    )
    .expect("fixture");
    // Another site's template (every literal name another) with the same expression is
    // another deployment, with its own `siteName`: two NICs, each reported in its own file.
    let other = template.replace("ams-", "ber-");
    let dir = scratch(&[("a.json", &template), ("b.json", &other)]);
    let run = run_in(&dir, &["check", "--format", "json", "a.json", "b.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let mut at: Vec<(String, u64)> = run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "HA019")
        .map(|f| {
            let l = &f["location"];
            (
                l["file"].as_str().unwrap_or_default().to_string(),
                l["start"]["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    at.sort();
    assert_eq!(
        at,
        [("a.json".to_string(), 328), ("b.json".to_string(), 328)]
    );
}

#[test]
fn copies_named_only_at_deployment_are_found_by_resource_info() {
    // Bicep's `lanNics[0].id` for a NIC loop whose names use `siteName`, with no value:
    // `resourceInfo('lanNics[0]').id` is the id the first copy is given.
    let template = std::fs::read_to_string(
        "fixtures/rules/ip-forwarding-off/fire/template-v2-resourceinfo-nic.json",
    )
    .expect("fixture");
    let looped = template.replace(
        "[resourceInfo('lanSecondary').id]",
        "[resourceInfo('lanNics[0]').id]",
    );
    let looped = looped.replace(
        "\"lanSecondary\": {",
        "\"lanNics\": {\"copy\": {\"name\": \"lanNics\", \"count\": 1},",
    );
    assert_ne!(looped, template, "the fixture names its NIC lanSecondary");
    let dir = scratch(&[("site.json", &looped)]);
    let run = run_in(&dir, &["check", "--format", "json", "site.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let f = run.finding("HA019");
    assert_eq!(f["location"]["start"]["line"], 302, "{f}");
}

#[test]
fn a_nic_named_by_an_unknown_id_is_cannot_tell_not_a_pass() {
    // The secondary names its LAN NIC by a parameter without a value: which NIC that is, and
    // so every check of it, is known only at deployment. It must not pass in silence.
    let template = std::fs::read_to_string(
        "fixtures/rules/ip-forwarding-off/fire/template-v2-resourceinfo-nic.json",
    )
    .expect("fixture");
    let unknown = template
        .replace(
            "[resourceInfo('lanSecondary').id]",
            "[parameters('lanNicId')]",
        )
        .replace(
            "\"parameters\": {",
            "\"parameters\": {\"lanNicId\": {\"type\": \"string\"},",
        );
    let dir = scratch(&[("site.json", &unknown)]);
    let run = run_in(
        &dir,
        &["check", "--show-unknown", "--format", "json", "site.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let notes: Vec<String> = run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "IN012")
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(notes.len(), 1, "{}", run.stdout);
    assert!(
        notes[0].contains("[parameters('lanNicId')]"),
        "{}",
        notes[0]
    );
}

#[test]
fn the_subnets_of_a_vnet_named_only_at_deployment_are_found() {
    // The NICs name their subnets `resourceId('.../subnets', parameters('vnetName'), ...)`;
    // the VNET declares them under that name: the network checks are decided.
    let run = azlint(&[
        "check",
        "--show-unknown",
        "--format",
        "json",
        "fixtures/rules/mgmt-egress-blocked/silent/template-vnet-name-parameter.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let network: Vec<String> = run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().unwrap_or_default().to_string())
        .filter(|c| ["HA015", "HA031", "HA034", "HA035", "IN012"].contains(&c.as_str()))
        .collect();
    assert_eq!(network, Vec::<String>::new(), "{}", run.stdout);
}

#[test]
fn variables_carry_their_parameter_and_their_errors() {
    let dir = scratch(&[(
        "t.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"site": {"type": "string"}},
  "variables": {
    "vnetName": "[concat(parameters('site'), '-vsNet')]",
    "broken": "[toLower(nosuch())]"
  },
  "resources": [
    {
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2024-05-01",
      "name": "[variables('vnetName')]",
      "properties": {"dhcpOptions": {"dnsServers": []}}
    },
    {
      "type": "Microsoft.Network/routeTables",
      "apiVersion": "2024-05-01",
      "name": "[variables('broken')]",
      "properties": {}
    }
  ]
}
"#,
    )]);
    std::fs::write(
        dir.path().join("t.parameters.json"),
        r#"{"parameters": {"site": {"value": "-ams"}}}"#,
    )
    .expect("write");
    let run = run_in(&dir, &["check", "--format", "json", "t.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let json = run.json();
    let findings = json["findings"].as_array().expect("findings");
    // The invalid name is shown where the template names the VNET, and where `-ams` is set.
    let name = findings
        .iter()
        .find(|f| f["location"]["start"]["line"] == 13)
        .unwrap_or_else(|| panic!("no finding at the VNET name: {}", run.stdout));
    assert_eq!(name["related"][0]["file"], "t.parameters.json");
    assert_eq!(name["related"][0]["message"], "value of parameter `site`");
    // The error in a variable is shown at the variable, underlining the failing call.
    let error = findings
        .iter()
        .find(|f| f["code"] == "IN010")
        .unwrap_or_else(|| panic!("no IN010: {}", run.stdout));
    assert_eq!(
        (
            &error["location"]["start"]["line"],
            &error["location"]["start"]["column"]
        ),
        (&7.into(), &25.into())
    );
    assert!(error["message"]
        .as_str()
        .is_some_and(|m| m.contains("in the variable `broken`")));
}

#[test]
fn role_assignments_join_the_identity_before_deployment() {
    // The same assignments with `scope`, in the nested form of extension resources
    // (`Microsoft.Network/networkInterfaces/providers/roleAssignments` named
    // `ams-lanPrimary/Microsoft.Authorization/GUID`), and with names known only after
    // deployment (`guid(..., reference(identity).principalId)`, as Bicep modules write them).
    for template in [
        "fixtures/templates/ha-site-roles.json",
        "fixtures/templates/ha-site-roles-nested.json",
        "fixtures/templates/ha-site-roles-unknown-names.json",
    ] {
        let full = azlint(&["check", "--show-unknown", "--format", "json", template]);
        assert_eq!(full.code, 0, "{template}: {}", full.stdout);
        let codes: Vec<String> = full
            .located_but("HA004")
            .into_iter()
            .map(|(code, _, _, _)| code)
            .collect();
        assert!(
            codes.is_empty(),
            "{template}: the role rules decided, with nothing missing: {codes:?}"
        );
    }

    let missing = azlint(&[
        "check",
        "--format",
        "json",
        "fixtures/templates/ha-site-roles-missing.json",
    ]);
    assert_eq!(missing.code, 1, "{}", missing.stdout);
    let json = missing.json();
    let mut on: Vec<String> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "HA008")
        .map(|f| {
            f["resource_id"]
                .as_str()
                .unwrap_or_default()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_lowercase()
        })
        .collect();
    on.sort();
    assert_eq!(on, ["ams-lansecondary", "ams-lansubnet"]);
    // The principal is named for what it is, not printed as an expression.
    let message = json["findings"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("(principal <principalId of ams-catohaidentity>)"),
        "{message}"
    );
}

#[test]
fn a_template_principal_next_to_deployed_role_assignments_is_cannot_tell() {
    // `az group export` (or a template) with `az role assignment list`: the HA identity's
    // principal id is known only after deployment, and the listed assignments name principals
    // by id. Whether one of them is the HA identity's cannot be told: a note, never an error.
    let run = azlint(&[
        "check",
        "--show-unknown",
        "--format",
        "json",
        "fixtures/templates/ha-site-roles-missing.json",
        "fixtures/shapes/role-assignments.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let json = run.json();
    let ha008: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "HA008" || f["code"] == "HA009")
        .collect();
    assert!(!ha008.is_empty(), "{}", run.stdout);
    for f in ha008 {
        assert_eq!(f["severity"], "note", "{f}");
        let message = f["message"].as_str().unwrap_or_default();
        assert!(message.contains("known only after deployment"), "{message}");
    }
}

#[test]
fn a_second_identity_of_the_template_without_principal_type_is_reported() {
    // The template's own second identity holds a role on a LAN NIC; the assignment does not
    // say its principal's type, but its principal is the identity's.
    let run = azlint(&[
        "check",
        "--format",
        "json",
        "fixtures/templates/ha-site-roles-second-identity.json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let codes: Vec<String> = run
        .located()
        .into_iter()
        .map(|(code, _, _, _)| code)
        .collect();
    assert_eq!(codes, ["HA009"], "{}", run.stdout);
}

/// The HA identity's role findings (HA008, HA009) of a JSON report, in its order.
fn role_findings(run: &common::Run) -> Vec<serde_json::Value> {
    run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "HA008" || f["code"] == "HA009")
        .cloned()
        .collect()
}

#[test]
fn role_assignments_in_the_nested_form_are_placed_by_their_names() {
    // The nested form named `concat(NIC, '/Microsoft.Authorization/', guid(principalId))`: the
    // assignment's own name is known only after deployment, but the name says which NIC (or
    // subnet) it is on. The healthy site has every role; moving the secondary's assignment to
    // the primary's NIC leaves the secondary's LAN NIC without one.
    let path = "fixtures/templates/ha-site-roles-nested-unknown-names.json";
    let text = std::fs::read_to_string(path).expect("fixture");
    let run = azlint(&["check", "--show-unknown", "--format", "json", path]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        role_findings(&run),
        Vec::<serde_json::Value>::new(),
        "{}",
        run.stdout
    );

    let moved = text.replacen(
        "[concat('ams-lanSecondary/Microsoft.Authorization/'",
        "[concat('ams-lanPrimary/Microsoft.Authorization/'",
        1,
    );
    assert_ne!(moved, text);
    let dir = scratch(&[("t.json", &moved)]);
    let run = run_in(
        &dir,
        &["check", "--show-unknown", "--format", "json", "t.json"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let found = role_findings(&run);
    assert_eq!(found.len(), 1, "{}", run.stdout);
    assert_eq!(found[0]["code"], "HA008");
    assert_eq!(found[0]["severity"], "error");
    let secondary = line_of(&moved, "\"name\": \"ams-lanSecondary\"");
    assert_eq!(
        found[0]["location"]["start"]["line"], secondary,
        "{}",
        found[0]
    );
}

#[test]
fn a_value_from_a_variable_points_at_the_variable_too() {
    let dir = scratch(&[(
        "t.json",
        r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "variables": {
    "corporateDns": ["10.20.1.4"]
  },
  "resources": [
    {
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2024-05-01",
      "name": "ams-vsNet",
      "properties": {"dhcpOptions": {"dnsServers": "[variables('corporateDns')]"}}
    }
  ]
}
"#,
    )]);
    let run = run_in(&dir, &["check", "--format", "json", "t.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let f = &run.json()["findings"][0];
    assert_eq!(f["code"], "HA002");
    assert_eq!(f["location"]["start"]["line"], 12);
    assert_eq!(f["related"][0]["message"], "from this variable");
    assert_eq!(
        (
            &f["related"][0]["start"]["line"],
            &f["related"][0]["start"]["column"]
        ),
        (&5.into(), &21.into())
    );
}

#[test]
fn the_evaluated_template_never_shows_in_reports() {
    for format in ["text", "json", "sarif", "github", "junit"] {
        let run = azlint(&["check", "--format", format, "--show-unknown", TEMPLATE]);
        assert_eq!(run.code, 1, "{format}: {}", run.stdout);
        assert!(
            !run.stdout.contains("(evaluated)"),
            "{format}: {}",
            run.stdout
        );
        assert!(run.stdout.contains("vsocket-vnet.json"), "{format}");
    }
}

#[test]
fn every_parameter_behind_a_value_is_labelled() {
    // A name built from two parameters: either may hold the fault, so both values are shown.
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "site": { "type": "string" },
    "suffix": { "type": "string" }
  },
  "resources": [
    {
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2024-05-01",
      "name": "[concat(parameters('site'), parameters('suffix'))]",
      "location": "westeurope",
      "properties": { "addressSpace": { "addressPrefixes": ["10.20.0.0/24"] } }
    }
  ]
}
"#;
    let parameters = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "site": { "value": "ams" },
    "suffix": { "value": "-vs Net" }
  }
}
"#;
    let dir = scratch(&[
        ("vnet.json", template),
        ("vnet.parameters.json", parameters),
    ]);
    let run = run_in(&dir, &["check", "--format", "json", "vnet.json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let f = run.finding("HA029");
    assert_eq!(f["location"]["start"]["line"], 12, "{f}");
    let related: Vec<(String, u64)> = f["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| {
            (
                r["message"].as_str().unwrap_or_default().to_string(),
                r["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        related,
        [
            ("value of parameter `site`".to_string(), 5),
            ("value of parameter `suffix`".to_string(), 6)
        ],
        "{f}"
    );
}

/// `ha-site-roles.json` with dynamic management IPs (as Cato's Terraform deploys them) and an
/// NSG on the MGMT subnet (10.20.0.0/27, and `more` prefixes) whose one custom rule denies
/// TCP/443 to the Internet from `source`.
fn dynamic_mgmt_site(source: &str, more: &[&str]) -> String {
    let text = std::fs::read_to_string("fixtures/templates/ha-site-roles.json").expect("fixture");
    let mut t: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let resources = t["resources"].as_array_mut().expect("resources");
    for r in resources.iter_mut() {
        let name = r["name"].as_str().unwrap_or_default().to_string();
        if name.starts_with("ams-mng") && r["type"] == "Microsoft.Network/networkInterfaces" {
            let ip = &mut r["properties"]["ipConfigurations"][0]["properties"];
            ip["privateIPAllocationMethod"] = "Dynamic".into();
            ip.as_object_mut().expect("ip").remove("privateIPAddress");
        }
        if name == "ams-vsNet" {
            let subnet = &mut r["properties"]["subnets"][0]["properties"];
            subnet["networkSecurityGroup"] = serde_json::json!(
                {"id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'ams-MGMTSecurityGroup')]"}
            );
            if !more.is_empty() {
                let mut all = vec![subnet["addressPrefix"].clone()];
                all.extend(more.iter().map(|&p| serde_json::Value::from(p)));
                subnet["addressPrefixes"] = all.into();
                subnet
                    .as_object_mut()
                    .expect("subnet")
                    .remove("addressPrefix");
            }
        }
    }
    resources.push(serde_json::json!({
        "type": "Microsoft.Network/networkSecurityGroups",
        "apiVersion": "2024-05-01",
        "name": "ams-MGMTSecurityGroup",
        "location": "westeurope",
        "properties": {"securityRules": [{
            "name": "Deny-HTTPS",
            "properties": {
                "priority": 100, "direction": "Outbound", "access": "Deny", "protocol": "Tcp",
                "sourceAddressPrefix": source, "sourcePortRange": "*",
                "destinationAddressPrefix": "Internet", "destinationPortRange": "443"
            }
        }]}
    }));
    serde_json::to_string_pretty(&t).expect("JSON")
}

#[test]
fn a_dynamic_address_is_judged_by_its_subnet() {
    let egress = |source: &str| egress_from_dynamic(source, &[]);
    let error = ("error".to_string(), false);
    let note = ("note".to_string(), true);
    // The rule's source holds the whole MGMT subnet, so whichever address Azure assigns.
    for source in ["10.20.0.0/27", "10.0.0.0/8", "VirtualNetwork", "*"] {
        assert_eq!(
            egress(source),
            (1, vec![error.clone(), error.clone()]),
            "{source}"
        );
    }
    // None of it: allowed, with no "cannot tell".
    assert_eq!(egress("10.99.0.0/16"), (0, vec![]));
    // Part of it: the assigned address decides.
    assert_eq!(egress("10.20.0.0/28"), (0, vec![note.clone(), note]));
}

#[test]
fn a_dynamic_address_in_a_subnet_of_several_prefixes_is_judged_by_all() {
    let egress = |source: &str| egress_from_dynamic(source, &["10.20.0.96/27"]);
    let error = ("error".to_string(), false);
    let note = ("note".to_string(), true);
    // Every prefix Azure may assign from is held: denied whichever it picks.
    for source in ["10.20.0.0/16", "VirtualNetwork", "*"] {
        assert_eq!(
            egress(source),
            (1, vec![error.clone(), error.clone()]),
            "{source}"
        );
    }
    assert_eq!(egress("10.99.0.0/16"), (0, vec![]));
    // One prefix denied, the other not: which one Azure picks decides.
    assert_eq!(egress("10.20.0.0/27"), (0, vec![note.clone(), note]));
}

/// The HA034 findings (severity, cannot tell) and the exit code for [`dynamic_mgmt_site`].
fn egress_from_dynamic(source: &str, more: &[&str]) -> (i32, Vec<(String, bool)>) {
    {
        let dir = scratch(&[("t.json", &dynamic_mgmt_site(source, more))]);
        let run = run_in(
            &dir,
            &["check", "--show-unknown", "--format", "json", "t.json"],
        );
        let found: Vec<(String, bool)> = run.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["code"] == "HA034")
            .map(|f| {
                (
                    f["severity"].as_str().unwrap_or_default().to_string(),
                    f["cannot_tell"].as_bool().unwrap_or(false),
                )
            })
            .collect();
        (run.code, found)
    }
}

/// `az identity show` of the HA identity of `ha-site-roles.json`, at the ids the template has
/// without a `[deployment]` in azlint.toml.
const HA_IDENTITY_EXPORT: &str = r#"{
  "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ams-CatoHaIdentity",
  "name": "ams-CatoHaIdentity",
  "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
  "location": "westeurope",
  "principalId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
  "clientId": "11111111-2222-3333-4444-555555555555",
  "tenantId": "00000000-0000-0000-0000-000000000000"
}"#;

#[test]
fn a_template_linted_with_its_exported_identity_joins_the_principal() {
    let template =
        std::fs::read_to_string("fixtures/templates/ha-site-roles.json").expect("fixture");
    // Declared in the template and exported too; or created beforehand (exported only).
    let mut t: serde_json::Value = serde_json::from_str(&template).expect("JSON");
    let resources = t["resources"].as_array_mut().expect("resources");
    resources.retain(|r| r["type"] != "Microsoft.ManagedIdentity/userAssignedIdentities");
    let precreated = serde_json::to_string_pretty(&t).expect("JSON");
    for text in [&template, &precreated] {
        let dir = scratch(&[("t.json", text), ("identity.json", HA_IDENTITY_EXPORT)]);
        let run = run_in(
            &dir,
            &[
                "check",
                "--show-unknown",
                "--format",
                "json",
                "t.json",
                "identity.json",
            ],
        );
        assert_eq!(run.code, 0, "{}", run.stdout);
        let roles: Vec<_> = run
            .located()
            .into_iter()
            .filter(|(code, ..)| code == "HA008" || code == "HA009")
            .collect();
        assert_eq!(roles, vec![], "{}", run.stdout);
        // Not in the inputs at all: the template's role assignments name the same identity.
        let alone = run_in(
            &dir,
            &["check", "--show-unknown", "--format", "json", "t.json"],
        );
        if text == &precreated {
            assert_eq!(alone.code, 0, "{}", alone.stdout);
            assert!(
                !alone
                    .located()
                    .iter()
                    .any(|(code, ..)| code == "HA008" || code == "HA009"),
                "{}",
                alone.stdout
            );
        }
    }
    // Assignments that name the principal by id (a parameter's value) cannot be joined to an
    // identity the inputs do not hold: "cannot tell", never an error.
    let by_id = precreated.replace(
        "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'ams-CatoHaIdentity')).principalId]",
        "0b3c5d7e-1111-4a2b-8c3d-9e8f7a6b5c4d",
    );
    assert_ne!(by_id, precreated, "the fixture's principal expression");
    let dir = scratch(&[("t.json", &by_id)]);
    let run = run_in(
        &dir,
        &["check", "--show-unknown", "--format", "json", "t.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(codes_of(&run, &["HA008", "HA009"])
        .iter()
        .all(|(_, unknown)| *unknown));
    // The join does not hide a missing assignment.
    let missing = template.replacen(
        "Microsoft.Network/networkInterfaces/ams-lanPrimary\"",
        "Microsoft.Network/networkInterfaces/ams-other\"",
        1,
    );
    assert_ne!(missing, template);
    let dir = scratch(&[("t.json", &missing), ("identity.json", HA_IDENTITY_EXPORT)]);
    let run = run_in(
        &dir,
        &["check", "--format", "json", "t.json", "identity.json"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.located().iter().any(|(code, ..)| code == "HA008"),
        "{}",
        run.stdout
    );
}

/// `ha-site-roles.json` with `edit` applied to its parsed form (then pretty-printed).
fn ha_site_roles_with(edit: impl FnOnce(&mut Vec<serde_json::Value>)) -> String {
    let text = std::fs::read_to_string("fixtures/templates/ha-site-roles.json").expect("fixture");
    let mut t: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    t["parameters"]["extra"] = serde_json::json!({"type": "bool"});
    edit(t["resources"].as_array_mut().expect("resources"));
    serde_json::to_string_pretty(&t).expect("JSON")
}

/// Codes and whether each is "cannot tell", of a run's findings with these codes.
fn codes_of(run: &common::Run, wanted: &[&str]) -> Vec<(String, bool)> {
    run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| wanted.iter().any(|w| f["code"] == *w))
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_string(),
                f["cannot_tell"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

#[test]
fn what_an_unknown_condition_deploys_is_cannot_tell() {
    // Another identity's role on a LAN NIC, granted under `condition: extra`.
    let extra_role = ha_site_roles_with(|resources| {
        resources.push(serde_json::json!({
            "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
            "apiVersion": "2023-01-31",
            "name": "ams-legacyIdentity",
            "location": "westeurope"
        }));
        resources.push(serde_json::json!({
            "condition": "[parameters('extra')]",
            "type": "Microsoft.Authorization/roleAssignments",
            "apiVersion": "2022-04-01",
            "name": "[guid(resourceGroup().id, 'legacy')]",
            "scope": "Microsoft.Network/networkInterfaces/ams-lanPrimary",
            "properties": {
                "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '9980e02c-c2be-4d73-94e8-173b1dc7cf3c')]",
                "principalId": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'ams-legacyIdentity'), '2023-01-31').principalId]",
                "principalType": "ServicePrincipal"
            }
        }));
    });
    // A third vSocket (a copy of the secondary with its NICs) under `condition: extra`.
    let spare = ha_site_roles_with(|resources| {
        let copies: Vec<serde_json::Value> = resources
            .iter()
            .filter(|r| {
                let ty = r["type"].as_str().unwrap_or_default();
                let name = r["name"].as_str().unwrap_or_default();
                name.contains("Secondary") && !ty.contains("roleAssignments")
            })
            .map(|r| {
                let text = serde_json::to_string(r)
                    .expect("JSON")
                    .replace("Secondary", "Spare");
                let mut copy: serde_json::Value = serde_json::from_str(&text).expect("JSON");
                copy["condition"] = "[parameters('extra')]".into();
                copy
            })
            .collect();
        assert_eq!(copies.len(), 6);
        resources.extend(copies);
    });
    // The HA identity's only role on the LAN subnet, under `condition: extra`.
    let ha_role = ha_site_roles_with(|resources| {
        let subnet_role = resources
            .iter_mut()
            .find(|r| r["name"] == "[guid(resourceGroup().id, 'lanSubnet')]")
            .expect("the LAN subnet's role assignment");
        subnet_role["condition"] = "[parameters('extra')]".into();
    });
    let dir = scratch(&[("t.json", &ha_role)]);
    // `azlint expand` marks the condition it cannot evaluate.
    let expanded = run_in(&dir, &["expand", "t.json"]);
    let x: serde_json::Value = serde_json::from_str(&expanded.stdout).expect("JSON");
    let conditions: Vec<&serde_json::Value> = x["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r.get("condition"))
        .collect();
    assert_eq!(conditions.len(), 1, "{}", expanded.stdout);
    assert!(conditions[0]["$unknown"].is_string(), "{}", expanded.stdout);
    let unknown = run_in(
        &dir,
        &["check", "--show-unknown", "--format", "json", "t.json"],
    );
    assert_eq!(unknown.code, 0, "{}", unknown.stdout);
    assert_eq!(
        codes_of(&unknown, &["HA008"]),
        vec![("HA008".to_string(), true)]
    );
    let granted = run_in(
        &dir,
        &["check", "--format", "json", "t.json", "-p", "extra=true"],
    );
    assert_eq!(granted.code, 0, "{}", granted.stdout);
    let missing = run_in(
        &dir,
        &["check", "--format", "json", "t.json", "-p", "extra=false"],
    );
    assert_eq!(
        codes_of(&missing, &["HA008"]),
        vec![("HA008".to_string(), false)]
    );
    // The other identity's assignment inside a nested deployment under the condition.
    let nested_role = ha_site_roles_with(|resources| {
        let i = resources
            .iter()
            .position(|r| r["name"] == "[guid(resourceGroup().id, 'lanPrimary')]")
            .expect("the primary LAN NIC's role assignment");
        let mut other = resources[i].clone();
        other["name"] = "[guid(resourceGroup().id, 'legacy')]".into();
        other["properties"]["principalId"] = "99999999-8888-7777-6666-555555555555".into();
        resources.push(serde_json::json!({
            "condition": "[parameters('extra')]",
            "type": "Microsoft.Resources/deployments",
            "apiVersion": "2022-09-01",
            "name": "legacy-roles",
            "properties": {
                "mode": "Incremental",
                "expressionEvaluationOptions": {"scope": "inner"},
                "template": {
                    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                    "contentVersion": "1.0.0.0",
                    "resources": [other]
                }
            }
        }));
    });
    // The secondary vSocket under the condition: maybe a site of one.
    let lone = ha_site_roles_with(|resources| {
        for r in resources.iter_mut() {
            if r["name"] == "ams-vSocket-Secondary" {
                r["condition"] = "[parameters('extra')]".into();
            }
        }
    });
    let dir = scratch(&[("t.json", &lone)]);
    let run = run_in(
        &dir,
        &["check", "--show-unknown", "--format", "json", "t.json"],
    );
    let note = ("HA017".to_string(), true);
    assert_eq!(codes_of(&run, &["HA017"]), vec![note.clone(), note]);
    for (text, code) in [
        (&extra_role, "HA009"),
        (&spare, "HA037"),
        (&nested_role, "HA009"),
    ] {
        let dir = scratch(&[("t.json", text)]);
        let unknown = run_in(
            &dir,
            &["check", "--show-unknown", "--format", "json", "t.json"],
        );
        assert_eq!(unknown.code, 0, "{}", unknown.stdout);
        assert_eq!(codes_of(&unknown, &[code]), vec![(code.to_string(), true)]);
        let deployed = run_in(
            &dir,
            &["check", "--format", "json", "t.json", "-p", "extra=true"],
        );
        assert_eq!(deployed.code, 1, "{}", deployed.stdout);
        assert_eq!(
            codes_of(&deployed, &[code]),
            vec![(code.to_string(), false)]
        );
        if text == &extra_role {
            // A second label at the other identity's assignment, where it names the principal.
            let line = line_of(text, "'ams-legacyIdentity'), '2023-01-31').principalId");
            let f = deployed.finding("HA009");
            let related: Vec<u64> = f["related"]
                .as_array()
                .expect("related")
                .iter()
                .filter_map(|r| r["start"]["line"].as_u64())
                .collect();
            assert_eq!(related, vec![line], "{f}");
        }
        let skipped = run_in(
            &dir,
            &["check", "--format", "json", "t.json", "-p", "extra=false"],
        );
        assert_eq!(codes_of(&skipped, &[code]), vec![]);
    }
}

#[test]
fn a_parameter_value_not_allowed_is_an_error_at_the_parameter_file() {
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "vmSize": {"type": "string", "allowedValues": ["Standard_D8ls_v5", "Standard_D2s_v5"]},
    "zones": {"type": "int", "allowedValues": [1, 2, 3]}
  },
  "resources": []
}"#;
    let file = |size: &str, zones: &str| {
        format!(
            r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{
    "vmSize": {{"value": {size}}},
    "zones": {{"value": {zones}}}
  }}
}}"#
        )
    };
    // Strings are compared ignoring case, as Azure does.
    let dir = scratch(&[
        ("t.json", template),
        ("t.parameters.json", &file("\"standard_d8ls_v5\"", "2")),
    ]);
    let run = run_in(&dir, &["check", "--format", "json", "t.json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let dir = scratch(&[
        ("t.json", template),
        ("t.parameters.json", &file("\"Standard_D8s_v5\"", "4")),
    ]);
    let run = run_in(&dir, &["check", "--format", "json", "t.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let at: Vec<(String, u64)> = run
        .located()
        .into_iter()
        .map(|(code, file, line, _)| {
            let name = file.rsplit('/').next().unwrap_or_default().to_string();
            (format!("{code} {name}"), line)
        })
        .collect();
    assert_eq!(
        at,
        vec![
            ("IN010 t.parameters.json".to_string(), 5),
            ("IN010 t.parameters.json".to_string(), 6)
        ]
    );
    // A value given on the command line instead is not the file's.
    let run = run_in(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "t.json",
            "-p",
            "vmSize=Standard_D2s_v5",
            "-p",
            "zones=1",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn a_label_at_a_list_parameter_points_at_the_entry_the_value_came_from() {
    let template = ha_site_roles_with(|resources| {
        let vm = resources
            .iter_mut()
            .find(|r| r["name"] == "ams-vSocket-Secondary")
            .expect("the secondary vSocket");
        vm["properties"]["hardwareProfile"]["vmSize"] = "[parameters('sizes').secondary]".into();
    })
    .replacen(
        r#""extra": {"#,
        r#""sizes": {"type": "object"}, "extra": {"#,
        1,
    );
    let parameters = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "sizes": {
      "value": {
        "primary": "Standard_D8ls_v5",
        "secondary": "Standard_D4s_v5"
      }
    }
  }
}"#;
    assert!(template.contains(r#""sizes": {"type": "object"}"#));
    let dir = scratch(&[("t.json", &template), ("t.parameters.json", parameters)]);
    let run = run_in(&dir, &["check", "--format", "json", "t.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let f = run.finding("HA014");
    let at: Vec<(String, u64)> = f["related"]
        .as_array()
        .expect("related")
        .iter()
        .filter(|r| {
            r["file"]
                .as_str()
                .is_some_and(|p| p.ends_with("t.parameters.json"))
        })
        .map(|r| {
            (
                r["message"].as_str().unwrap_or_default().to_string(),
                r["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    // Line 8: "secondary": "Standard_D4s_v5", not line 6 where the object starts.
    assert_eq!(
        at,
        vec![("value of parameter `sizes`".to_string(), 8)],
        "{f}"
    );
}

/// `ha-site-roles.json` with an NSG on the MGMT subnet that has no rules of its own, and a rule
/// written as a resource of its own (`networkSecurityGroups/securityRules`) denying TCP/443 to
/// the Internet, deployed under `condition` when given.
fn child_rule_site(condition: Option<&str>) -> String {
    let text = std::fs::read_to_string("fixtures/templates/ha-site-roles.json").expect("fixture");
    let mut t: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    t["parameters"]["lockdown"] = serde_json::json!({"type": "bool"});
    let resources = t["resources"].as_array_mut().expect("resources");
    for r in resources.iter_mut() {
        if r["name"] == "ams-vsNet" {
            r["properties"]["subnets"][0]["properties"]["networkSecurityGroup"] = serde_json::json!(
                {"id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'ams-MGMTSecurityGroup')]"}
            );
        }
    }
    resources.push(serde_json::json!({
        "type": "Microsoft.Network/networkSecurityGroups",
        "apiVersion": "2024-05-01",
        "name": "ams-MGMTSecurityGroup",
        "location": "westeurope",
        "properties": {"securityRules": []}
    }));
    let mut rule = serde_json::json!({
        "type": "Microsoft.Network/networkSecurityGroups/securityRules",
        "apiVersion": "2024-05-01",
        "name": "ams-MGMTSecurityGroup/Deny-HTTPS",
        "dependsOn": ["[resourceId('Microsoft.Network/networkSecurityGroups', 'ams-MGMTSecurityGroup')]"],
        "properties": {
            "priority": 100, "direction": "Outbound", "access": "Deny", "protocol": "Tcp",
            "sourceAddressPrefix": "*", "sourcePortRange": "*",
            "destinationAddressPrefix": "Internet", "destinationPortRange": "443"
        }
    });
    if let Some(c) = condition {
        rule["condition"] = c.into();
    }
    resources.push(rule);
    serde_json::to_string_pretty(&t).expect("JSON")
}

#[test]
fn a_security_rule_written_as_its_own_resource_is_the_nsgs() {
    let egress = |condition: Option<&str>| {
        let text = child_rule_site(condition);
        let dir = scratch(&[("t.json", &text)]);
        let run = run_in(
            &dir,
            &["check", "--show-unknown", "--format", "json", "t.json"],
        );
        let rule_line = Some(line_of(&text, "\"ams-MGMTSecurityGroup/Deny-HTTPS\""));
        let found: Vec<(String, Option<u64>)> = run.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["code"] == "HA034")
            .map(|f| {
                (
                    f["severity"].as_str().unwrap_or_default().to_string(),
                    f["location"]["start"]["line"].as_u64(),
                )
            })
            .collect();
        (run.code, found, rule_line)
    };
    // Deployed: both management NICs are denied, at the rule.
    let (code, found, line) = egress(None);
    let at_rule = ("error".to_string(), line);
    assert_eq!((code, found), (1, vec![at_rule.clone(), at_rule]));
    // Not deployed.
    assert_eq!(egress(Some("[equals(1, 2)]")).1, vec![]);
    // Deployed only if a parameter without a value says so: cannot tell.
    let (code, found, _) = egress(Some("[parameters('lockdown')]"));
    assert_eq!(code, 0);
    assert_eq!(found.len(), 2);
    assert!(
        found.iter().all(|(severity, _)| severity == "note"),
        "{found:?}"
    );
}

/// Cato's HA deployment in two steps: `primary.json` creates the VNET, the HA identity and the
/// primary vSocket; `secondary.json` names them by full id in its parameter file.
const TWO_STEP: &str = "fixtures/templates/two-step";
const CATO_SUBSCRIPTION: &str = "3f2c1a9e-8b7d-4c6e-9a1f-2d5e8c7b6a40";

/// A file of the two-step fixture, as text.
fn two_step(name: &str) -> String {
    std::fs::read_to_string(format!("{TWO_STEP}/{name}")).expect("fixture")
}

/// A directory holding the two-step's three files, as given.
fn two_step_dir(primary: &str, secondary: &str, parameters: &str) -> tempfile::TempDir {
    scratch(&[
        ("primary.json", primary),
        ("secondary.json", secondary),
        ("secondary.parameters.json", parameters),
    ])
}

/// The two-step fixture's three files: name and text.
fn two_step_files() -> Vec<(String, String)> {
    [
        "primary.json",
        "secondary.json",
        "secondary.parameters.json",
    ]
    .iter()
    .map(|name| (name.to_string(), two_step(name)))
    .collect()
}

fn subnet_id(group: &str, vnet: &str, subnet: &str) -> String {
    format!(
        "lanSubnetId=/subscriptions/{CATO_SUBSCRIPTION}/resourceGroups/{group}/providers/\
         Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}"
    )
}

#[test]
fn a_two_step_deployment_is_linted_in_the_group_its_ids_name() {
    // Offline the primary's own ids are in a placeholder group; the secondary's say where
    // both deploy. Read there, the two vSockets share subnets and identity: nothing to report,
    // and nothing left undecided, but a note that says which group was assumed, and why.
    let run = azlint(&["check", "--show-unknown", "--format", "json", TWO_STEP]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let located: Vec<(String, String, u64)> = run
        .located_but("HA004")
        .into_iter()
        .map(|(code, file, line, _)| (code, file, line))
        .collect();
    assert_eq!(
        located,
        [(
            "IN014".to_string(),
            format!("{TWO_STEP}/secondary.json"),
            133
        )]
    );
    let note = run.finding("IN014");
    assert_eq!(note["severity"], "note");
    let message = note["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!(
            "resource group `rg-cato-ams` of subscription `{CATO_SUBSCRIPTION}`"
        )),
        "{message}"
    );
    // The parameter value the id came from is shown too.
    let text = azlint(&["check", TWO_STEP]).stdout;
    assert!(text.contains("value of parameter `mgmtSubnetId`"), "{text}");
}

#[test]
fn a_two_step_deployment_with_the_secondary_in_another_subnet_is_reported() {
    // The other ids still say where the templates deploy: the LAN subnet of another VNET in
    // that group is not the primary's.
    let other = subnet_id("rg-cato-ams", "ams-otherNet", "ams-LANSubnet");
    let run = azlint(&["check", "--format", "json", "-p", &other, TWO_STEP]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let codes: Vec<String> = run.located().into_iter().map(|l| l.0).collect();
    assert!(codes.contains(&"IN014".to_string()), "{codes:?}");
    assert!(codes.contains(&"HA013".to_string()), "{codes:?}");

    // Ids that disagree on the group say nothing about where the templates deploy: nothing is
    // assumed, and the placeholder group is not the secondary's.
    let elsewhere = subnet_id("rg-other", "ams-vsNet", "ams-LANSubnet");
    let run = azlint(&["check", "--format", "json", "-p", &elsewhere, TWO_STEP]);
    let codes: Vec<String> = run.located().into_iter().map(|l| l.0).collect();
    assert!(!codes.contains(&"IN014".to_string()), "{codes:?}");
    assert!(codes.contains(&"HA013".to_string()), "{codes:?}");
}

#[test]
fn roles_another_template_makes_say_nothing_of_a_template_without_any() {
    // Step 1 as `az group export` gives it back: the primary's resources without the role
    // assignments its deployment made (an export never holds them). The secondary's template
    // declares its own: they show who holds which role on what it deploys, not on the primary.
    let read = two_step;
    let mut primary: serde_json::Value = serde_json::from_str(&read("primary.json")).expect("json");
    primary["resources"]
        .as_array_mut()
        .expect("resources")
        .retain(|r| r["type"] != "Microsoft.Authorization/roleAssignments");
    let primary = serde_json::to_string_pretty(&primary).expect("text");
    let (secondary, parameters) = (read("secondary.json"), read("secondary.parameters.json"));
    let dir = two_step_dir(&primary, &secondary, &parameters);
    let run = run_in(&dir, &["check", "--show-unknown", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let json = run.json();
    let role_notes: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "HA008")
        .map(|f| f["message"].as_str().unwrap_or_default())
        .collect();
    assert!(!role_notes.is_empty());
    assert!(
        role_notes
            .iter()
            .all(|m| m.contains("this resource is not in one of them")),
        "{role_notes:?}"
    );
}

#[test]
fn an_identity_given_as_a_key_points_at_its_parameter_value() {
    // `userAssignedIdentities` is keyed by the identity's id, here from the parameter file: the
    // finding on the object says which value it came from.
    let read = two_step;
    let parameters = read("secondary.parameters.json").replace(
        "resourceGroups/rg-cato-ams/providers/Microsoft.ManagedIdentity",
        "resourceGroups/rg-cato-lab/providers/Microsoft.ManagedIdentity",
    );
    let (primary, secondary) = (read("primary.json"), read("secondary.json"));
    let dir = two_step_dir(&primary, &secondary, &parameters);
    let run = run_in(&dir, &["check", "--format", "json", "."]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let finding = run.finding("HA007");
    assert_eq!(finding["location"]["file"], "secondary.json");
    let related: Vec<(&str, &str, u64)> = finding["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| {
            (
                r["message"].as_str().unwrap_or_default(),
                r["file"].as_str().unwrap_or_default(),
                r["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        related.contains(&(
            "value of parameter `identityId`",
            "secondary.parameters.json",
            23
        )),
        "{related:?}"
    );
}

#[test]
fn the_secondarys_template_before_its_parameters_cannot_tell() {
    // Step 2 linted before step 1 has run: no parameter file yet, so the subnets and the
    // identity the secondary names are parameters without a value. They may be the primary's
    // or not: every check that compares them cannot tell, and none reports an error.
    let read = two_step;
    let (primary, secondary) = (read("primary.json"), read("secondary.json"));
    let dir = scratch(&[("primary.json", &primary), ("secondary.json", &secondary)]);
    let run = run_in(&dir, &["check", "--show-unknown", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let json = run.json();
    let findings = json["findings"].as_array().expect("findings");
    assert!(
        findings.iter().all(|f| f["severity"] == "note"),
        "{}",
        run.stdout
    );
    let undecided: Vec<&str> = findings
        .iter()
        .filter(|f| f["cannot_tell"] == true)
        .filter_map(|f| f["code"].as_str())
        .collect();
    for code in ["HA007", "HA009", "HA013", "HA030"] {
        assert!(undecided.contains(&code), "{code}: {undecided:?}");
    }
    // The reason is the template's: which parameter has no value.
    let split = findings
        .iter()
        .find(|f| f["code"] == "HA013")
        .and_then(|f| f["message"].as_str())
        .unwrap_or_default();
    assert!(
        split.contains("the parameter `lanSubnetId` has no value"),
        "{split}"
    );
    // A role check on the secondary's LAN NIC points at that NIC (its name, line 180), not at
    // a place in its file that the HA identity's principal, from the primary's, would give.
    let roles: Vec<(&str, u64)> = findings
        .iter()
        .filter(|f| f["code"] == "HA008")
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap_or_default()
                .contains("ams-lanSecondary")
        })
        .map(|f| {
            (
                f["location"]["file"].as_str().unwrap_or_default(),
                f["location"]["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(roles, [("secondary.json", 180)]);
}

#[test]
fn half_a_configured_deployment_is_completed_from_the_ids() {
    // `[deployment]` gives the group alone, or the subscription alone: the ids in the
    // secondary's parameters still give the other half, and the two-step is clean.
    let files = two_step_files();
    for config in [
        "[deployment]\nresource-group = \"rg-cato-ams\"\n".to_string(),
        format!("[deployment]\nsubscription-id = \"{CATO_SUBSCRIPTION}\"\n"),
    ] {
        let mut all: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        all.push(("azlint.toml", &config));
        let dir = scratch(&all);
        let run = run_in(&dir, &["check", "--format", "json", "."]);
        assert_eq!(run.code, 0, "{config}: {}", run.stdout);
        let codes: Vec<String> = run.located().into_iter().map(|l| l.0).collect();
        assert!(codes.iter().all(|c| c == "IN014"), "{config}: {codes:?}");
        assert!(!codes.is_empty(), "{config}");
    }
}

#[test]
fn a_role_for_another_identity_named_by_id_is_reported() {
    // The secondary also grants a role on its LAN NIC to another identity, named by literal
    // id, without `principalType`: `reference()` of a user-assigned identity is one (S6).
    let read = two_step;
    let mut secondary: serde_json::Value =
        serde_json::from_str(&read("secondary.json")).expect("template");
    let ops = format!(
        "/subscriptions/{CATO_SUBSCRIPTION}/resourceGroups/rg-cato-ams/providers/\
         Microsoft.ManagedIdentity/userAssignedIdentities/ams-OpsIdentity"
    );
    secondary["resources"]
        .as_array_mut()
        .expect("resources")
        .push(serde_json::json!({
            "type": "Microsoft.Authorization/roleAssignments",
            "apiVersion": "2022-04-01",
            "name": "[guid('ops', 'ams-lanSecondary')]",
            "scope": "Microsoft.Network/networkInterfaces/ams-lanSecondary",
            "properties": {
                "roleDefinitionId": "[variables('roleDefinitionId')]",
                "principalId": format!("[reference('{ops}', '2023-01-31').principalId]")
            }
        }));
    let secondary = serde_json::to_string_pretty(&secondary).expect("text");
    let (primary, parameters) = (read("primary.json"), read("secondary.parameters.json"));
    let dir = two_step_dir(&primary, &secondary, &parameters);
    let run = run_in(&dir, &["check", "--format", "json", "."]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let codes: Vec<String> = run.located().into_iter().map(|l| l.0).collect();
    assert!(codes.contains(&"HA009".to_string()), "{codes:?}");
}

#[test]
fn the_configured_deployment_is_never_replaced() {
    let files = two_step_files();
    let config = format!(
        "[deployment]\nsubscription-id = \"{CATO_SUBSCRIPTION}\"\nresource-group = \"rg-cato-ams\"\n"
    );
    let mut all: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    all.push(("azlint.toml", &config));
    let dir = scratch(&all);
    let run = run_in(&dir, &["check", "--show-unknown", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // The deployer's roles at the group are in no template: HA004 cannot tell.
    assert_eq!(run.located_but("HA004"), []);

    // Configured elsewhere, the secondary's subnets are another group's.
    let config = config.replace("rg-cato-ams", "rg-staging");
    std::fs::write(dir.path().join("azlint.toml"), config).expect("write");
    let run = run_in(&dir, &["check", "--format", "json", "."]);
    let codes: Vec<String> = run.located().into_iter().map(|l| l.0).collect();
    assert!(!codes.contains(&"IN014".to_string()), "{codes:?}");
    assert!(codes.contains(&"HA030".to_string()), "{codes:?}");
}

#[test]
fn a_template_next_to_the_export_of_its_resources_is_linted_in_their_group() {
    // `az group export` of the broken example's group next to the export of its resources: in
    // that group they are the same resources, each in two occurrences. The defects of the
    // export are reported once each, where they are; the group export (healthy) adds none.
    let alone = azlint(&["check", "--format", "json", "fixtures/examples/broken"]).located();
    let run = azlint(&[
        "check",
        "--format",
        "json",
        "fixtures/examples/broken",
        "fixtures/shapes/group-export.json",
    ]);
    let located = run.located();
    assert_eq!(located[0].0, "IN014", "{located:?}");
    assert_eq!(located[1..], alone[..]);
}

#[test]
fn two_templates_declaring_one_resource_each_report_their_own_defect() {
    // Two templates of one group declare a VNET of the same name, each with its own private
    // DNS server: each is deployed on its own, so each defect is reported where it is written.
    let template = |dns: &str| {
        format!(
            r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {{
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2024-05-01",
      "name": "ams-vsNet",
      "location": "westeurope",
      "properties": {{"dhcpOptions": {{"dnsServers": ["{dns}"]}}}}
    }}
  ]
}}
"#
        )
    };
    let (a, b) = (template("10.20.1.4"), template("10.20.1.5"));
    let dir = scratch(&[("a.json", &a), ("b.json", &b)]);
    let run = run_in(&dir, &["check", "--format", "json", "."]);
    let files: Vec<String> = run
        .located()
        .into_iter()
        .filter(|l| l.0 == "HA002")
        .map(|l| l.1)
        .collect();
    assert_eq!(files, ["a.json", "b.json"]);
}

#[test]
fn a_defect_in_two_identical_exports_is_reported_once() {
    // The same export saved twice (a re-run of `az resource show`): each defect once, in the
    // first file, not once per copy.
    let text = std::fs::read_to_string("fixtures/examples/broken/resources.json").expect("fixture");
    let dir = scratch(&[("a.json", &text), ("b.json", &text)]);
    let run = run_in(&dir, &["check", "--format", "json", "."]);
    let files: Vec<String> = run.located().into_iter().map(|l| l.1).collect();
    assert!(!files.is_empty());
    assert!(files.iter().all(|f| f == "a.json"), "{files:?}");
}

#[test]
fn a_resource_two_templates_declare_is_checked_in_both() {
    // The secondary's template declares the primary's VNET again, with a private DNS server:
    // deploying it changes the VNET both vSockets use. The primary's copy is healthy; the
    // secondary's is reported where it is written.
    let read = two_step;
    let mut secondary: serde_json::Value =
        serde_json::from_str(&read("secondary.json")).expect("template");
    let vnet = serde_json::json!({
        "type": "Microsoft.Network/virtualNetworks",
        "apiVersion": "2024-05-01",
        "name": "ams-vsNet",
        "location": "westeurope",
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.20.0.0/16"]},
            "dhcpOptions": {"dnsServers": ["10.20.0.100"]}
        }
    });
    secondary["resources"]
        .as_array_mut()
        .expect("resources")
        .push(vnet);
    let secondary = serde_json::to_string_pretty(&secondary).expect("text");
    let (primary, parameters) = (read("primary.json"), read("secondary.parameters.json"));
    let dir = two_step_dir(&primary, &secondary, &parameters);
    let run = run_in(&dir, &["check", "--format", "json", "."]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let dns: Vec<(String, String)> = run
        .located()
        .into_iter()
        .filter(|l| l.0 == "HA002")
        .map(|(code, file, _, _)| (code, file))
        .collect();
    assert_eq!(dns, [("HA002".to_string(), "secondary.json".to_string())]);
}

#[test]
fn an_extension_child_is_its_own_type_at_its_parent() {
    // A role assignment written inside its NIC, as Microsoft writes `providers/diagnosticSettings`
    // children: `providers/roleAssignments` named `Microsoft.Authorization/GUID`.
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Network/networkInterfaces",
      "apiVersion": "2024-05-01",
      "name": "ams-lanPrimary",
      "location": "westeurope",
      "properties": {},
      "resources": [
        {
          "type": "providers/roleAssignments",
          "apiVersion": "2022-04-01",
          "name": "Microsoft.Authorization/ams-lanPrimary-ha-role",
          "properties": {
            "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '9980e02c-c2be-4d73-94e8-173b1dc7cf3c')]",
            "principalId": "5f1a9c3e-2b7d-4e8a-9c0f-1d2e3f4a5b6c"
          }
        }
      ]
    }
  ]
}"#;
    let dir = scratch(&[("t.json", template)]);
    let expanded = run_in(&dir, &["expand", "t.json"]);
    assert_eq!(expanded.code, 0, "{}", expanded.stderr);
    let json = expanded.json();
    let assignment = &json["resources"][1];
    assert_eq!(
        assignment["type"],
        "Microsoft.Authorization/roleAssignments"
    );
    assert_eq!(assignment["name"], "ams-lanPrimary-ha-role");
    assert_eq!(
        assignment["id"],
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG/providers/Microsoft.Network/networkInterfaces/ams-lanPrimary/providers/Microsoft.Authorization/roleAssignments/ams-lanPrimary-ha-role"
    );
    // So its name is checked like any role assignment's.
    let run = run_in(&dir, &["check", "--format", "json", "t.json"]);
    let codes: Vec<String> = run.located().into_iter().map(|l| l.0).collect();
    assert_eq!(codes, ["HA039"]);
}

#[test]
fn the_secondarys_template_next_to_the_deployed_primary_is_not_missing_a_floating_ip() {
    // Step 2 of Cato's deployment under review: the deployed primary exported (`az resource
    // show` and `az role assignment list`), the secondary's template with its parameters.
    // The HA setup adds the floating IP once both run: the site cannot have it yet.
    let run = azlint(&[
        "check",
        "--format",
        "json",
        "fixtures/templates/two-step-deployed",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.located(), []);
}

#[test]
fn a_lone_vsocket_next_to_one_whose_vnet_is_not_shown_may_have_its_partner() {
    // The deployed primary as `az resource list` writes it (`"properties": null`), next to the
    // secondary's template: the primary's NICs, so its VNET, are unknown, and it may be the
    // secondary's partner. Neither is reported alone: both "cannot tell".
    let export: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string("fixtures/templates/two-step-deployed/primary-export.json")
            .expect("fixture"),
    )
    .expect("array");
    let listed: Vec<serde_json::Value> = export
        .into_iter()
        .filter(|r| r.get("type").is_some())
        .map(|mut r| {
            r["properties"] = serde_json::Value::Null;
            r
        })
        .collect();
    let listed = serde_json::to_string_pretty(&listed).expect("json");
    let read = |name: &str| {
        std::fs::read_to_string(format!("fixtures/templates/two-step-deployed/{name}"))
            .expect("fixture")
    };
    let (secondary, parameters) = (read("secondary.json"), read("secondary.parameters.json"));
    let dir = scratch(&[
        ("primary-list.json", &listed),
        ("secondary.json", &secondary),
        ("secondary.parameters.json", &parameters),
    ]);
    let run = run_in(&dir, &["check", "--show-unknown", "--format", "json", "."]);
    let json = run.json();
    let single: Vec<(bool, String)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "HA017")
        .map(|f| {
            (
                f["cannot_tell"].as_bool().unwrap_or(false),
                f["location"]["file"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        single,
        [
            (true, "primary-list.json".to_string()),
            (true, "secondary.json".to_string())
        ],
        "{json}"
    );
}

#[test]
fn a_name_hashed_from_the_group_is_known_once_the_group_is() {
    // The primary names the HA identity `concat('id-cato-', uniqueString(resourceGroup().id))`
    // (a common ARM idiom); the secondary's parameters name it by its real id, in rg-cato-ams,
    // as they name the primary's subnets.
    let primary = two_step("primary.json").replace(
        "\"identityName\": \"[concat(parameters('siteName'), '-CatoHaIdentity')]\"",
        "\"identityName\": \"[concat('id-cato-', uniqueString(resourceGroup().id))]\"",
    );
    assert_ne!(primary, two_step("primary.json"));
    // uniqueString('/subscriptions/3f2c…6a40/resourceGroups/rg-cato-ams'), as Azure computes it.
    let parameters = two_step("secondary.parameters.json").replace(
        "userAssignedIdentities/ams-CatoHaIdentity",
        "userAssignedIdentities/id-cato-vjk753mio7ed6",
    );
    // Those ids give the templates' group (IN014), but not the case it was created with,
    // which the hash depends on: the identity's name is unknown, and so is whether both
    // vSockets carry it. Never another identity.
    let dir = two_step_dir(&primary, &two_step("secondary.json"), &parameters);
    let run = run_in(&dir, &["check", "--show-unknown", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let undecided: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["cannot_tell"] == true)
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(undecided.contains(&"HA007"), "{}", run.stdout);

    // With the group set in the configuration, the hash is Azure's and the site is clean;
    // another identity's name is another identity.
    let config = format!(
        "[deployment]\nsubscription-id = \"{CATO_SUBSCRIPTION}\"\nresource-group = \"rg-cato-ams\"\n"
    );
    std::fs::write(dir.path().join("azlint.toml"), &config).expect("write");
    let run = run_in(&dir, &["check", "--show-unknown", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    // The deployer's roles at the group are in no template: HA004 cannot tell.
    assert_eq!(run.located_but("HA004"), []);
    let other = parameters.replace("id-cato-vjk753mio7ed6", "id-cato-aaaaaaaaaaaaa");
    let dir = two_step_dir(&primary, &two_step("secondary.json"), &other);
    std::fs::write(dir.path().join("azlint.toml"), &config).expect("write");
    let run = run_in(&dir, &["check", "--format", "json", "."]);
    let codes: Vec<String> = run.located().into_iter().map(|l| l.0).collect();
    assert!(codes.contains(&"HA007".to_string()), "{codes:?}");
}

const EXISTING_NETWORK: &str = "fixtures/templates/existing-network";

/// The existing-network fixture's files, `vsockets.json` changed by `edit`, in a scratch
/// directory.
fn existing_network(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let read = |name: &str| {
        std::fs::read_to_string(format!("{EXISTING_NETWORK}/{name}")).expect("fixture")
    };
    scratch(&[
        ("network-export.json", &read("network-export.json")),
        ("vsockets.json", &edit(read("vsockets.json"))),
        (
            "vsockets.parameters.json",
            &read("vsockets.parameters.json"),
        ),
    ])
}

#[test]
fn roles_a_template_grants_on_an_existing_network_count() {
    // The vSockets' template (languageVersion 2.0) deploys into a VNET that exists already
    // (`existing: true`, exported beside it) and grants the HA identity its role on the LAN
    // subnet: the role is there whatever else the subnet holds, so HA008 does not say
    // "cannot tell" about it. What other identities may hold there, only the subnet's own
    // role assignments could say (HA009 cannot tell).
    let dir = existing_network(|t| t);
    let run = run_in(&dir, &["check", "--show-unknown", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let roles = role_findings(&run);
    assert!(
        roles
            .iter()
            .all(|f| f["code"] == "HA009" && f["severity"] == "note"),
        "{roles:#?}"
    );

    // The same template also gives a second identity VM Contributor on that subnet: that
    // assignment is certain, so HA009 is an error at it.
    let legacy = r#",
    "legacyIdentity": {
      "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
      "apiVersion": "2023-01-31",
      "name": "[format('{0}-legacyIdentity', parameters('siteName'))]",
      "location": "[parameters('location')]"
    },
    "raLegacySubnet": {
      "type": "Microsoft.Authorization/roleAssignments",
      "apiVersion": "2022-04-01",
      "scope": "[format('Microsoft.Network/virtualNetworks/{0}/subnets/{1}', variables('vnetName'), variables('lanSubnetName'))]",
      "name": "[guid(resourceGroup().id, 'legacy', variables('lanSubnetName'))]",
      "properties": {
        "roleDefinitionId": "[variables('vmContributor')]",
        "principalId": "[reference('legacyIdentity').principalId]",
        "principalType": "ServicePrincipal"
      },
      "dependsOn": [
        "legacyIdentity"
      ]
    }"#;
    let dir = existing_network(|t| {
        let at = t.rfind("\n  }\n}").expect("the end of resources");
        format!("{}{legacy}{}", &t[..at], &t[at..])
    });
    let run = run_in(&dir, &["check", "--show-unknown", "--format", "json", "."]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let text = std::fs::read_to_string(dir.path().join("vsockets.json")).expect("written");
    let errors: Vec<serde_json::Value> = role_findings(&run)
        .into_iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert_eq!(errors[0]["code"], "HA009");
    let related: Vec<u64> = errors[0]["related"]
        .as_array()
        .expect("related")
        .iter()
        .filter_map(|l| l["start"]["line"].as_u64())
        .collect();
    let principal = line_of(
        &text,
        "\"principalId\": \"[reference('legacyIdentity').principalId]\"",
    );
    assert!(
        errors[0]["location"]["start"]["line"] == principal || related.contains(&principal),
        "{}",
        errors[0]
    );
}

#[test]
fn a_value_a_related_label_shows_points_at_its_parameter_too() {
    // The HA identity's roles take their definition from `parameters('haRole')`, which the
    // parameter file sets to Reader: HA008 fires at the NICs and the subnet, its related label
    // at the assignment's `roleDefinitionId`, and a label at the parameter file's value, the
    // line to fix.
    let template = std::fs::read_to_string("fixtures/templates/ha-site-roles.json")
        .expect("fixture")
        .replacen(
            "\"parameters\": {",
            "\"parameters\": {\n    \"haRole\": {\"type\": \"string\"},",
            1,
        )
        .replace(
            "'9980e02c-c2be-4d73-94e8-173b1dc7cf3c')]",
            "parameters('haRole'))]",
        );
    let parameters = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "haRole": {
      "value": "acdd72a7-3385-48ef-bd42-f606fba81ae7"
    }
  }
}
"#;
    let dir = scratch(&[
        ("site.json", &template),
        ("site.parameters.json", parameters),
    ]);
    let run = run_in(&dir, &["check", "--format", "json", "site.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let missing = run.findings("HA008");
    assert_eq!(missing.len(), 3, "{}", run.stdout);
    let value = line_of(parameters, "acdd72a7");
    for f in missing {
        let at_value = f["related"].as_array().expect("related").iter().any(|l| {
            l["file"]
                .as_str()
                .is_some_and(|p| p.ends_with("site.parameters.json"))
                && l["start"]["line"] == value
        });
        assert!(at_value, "{f}");
    }
}

#[test]
fn external_ids_of_a_group_export_do_not_decide_where_it_deploys() {
    let dir = "fixtures/templates/group-export-external-identity";
    let run = azlint(&[
        "check",
        "--format",
        "json",
        &format!("{dir}/template.json"),
        &format!("{dir}/identity.json"),
        &format!("{dir}/role-assignments.json"),
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    // The template deploys where the exported identity is, not where the identity the
    // secondary names by `_externalid` is.
    let scope = run.finding("IN014");
    assert!(
        scope["message"]
            .as_str()
            .is_some_and(|m| m.contains("`rg-cato-ams`")),
        "{scope}"
    );
    let f = run.finding("HA007");
    let lines: Vec<(&str, u64)> = std::iter::once(&f["location"])
        .chain(f["related"].as_array().expect("related"))
        .map(|l| {
            (
                l["file"].as_str().unwrap_or_default(),
                l["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(
        lines.contains(&(&format!("{dir}/template.json"), 1437)),
        "{lines:?}"
    );
}

#[test]
fn external_ids_given_outside_the_template_do_not_decide_where_it_deploys() {
    // `az group export` without default values: the `_externalid` value comes from `-p`, the
    // configuration or a parameter file among the inputs.
    let dir = "fixtures/templates/group-export-external-identity";
    let read = |name: &str| std::fs::read_to_string(format!("{dir}/{name}")).expect("fixture");
    let shared = "/subscriptions/3f2c1a9e-8b7d-4c6e-9a1f-2d5e8c7b6a40/resourceGroups/rg-shared/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ams-CatoHaIdentity";
    let parameter = "userAssignedIdentities_ams_CatoHaIdentity_externalid";
    let template = read("template.json").replace(&format!("\"defaultValue\": \"{shared}\",\n"), "");
    assert!(!template.contains(&format!("\"defaultValue\": \"{shared}\"")));
    let params = format!(
        r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0", "parameters": {{"{parameter}": {{"value": "{shared}"}}}}}}"#
    );
    let tmp = scratch(&[
        ("template.json", &template),
        ("identity.json", &read("identity.json")),
        ("roles.json", &read("role-assignments.json")),
        ("values.json", &params),
        (
            "azlint.toml",
            &format!("[parameters]\n{parameter} = \"{shared}\"\n"),
        ),
    ]);
    let inputs = ["template.json", "identity.json", "roles.json"];
    let pair = format!("{parameter}={shared}");
    let runs: [Vec<&str>; 3] = [
        vec!["--isolated", "-p", &pair],
        vec!["--isolated", "values.json"],
        vec!["--config", "azlint.toml"],
    ];
    for extra in runs {
        let mut args = vec!["check", "--format", "json"];
        args.extend(&extra);
        args.extend(inputs);
        let run = run_in(&tmp, &args);
        assert_eq!(run.code, 1, "{extra:?}: {}", run.stdout);
        let scope = run.finding("IN014");
        assert!(
            scope["message"]
                .as_str()
                .is_some_and(|m| m.contains("`rg-cato-ams`")),
            "{extra:?}: {scope}"
        );
        assert_eq!(run.findings("HA007").len(), 1, "{extra:?}");
    }
}
