//! What a template leaves to Azure stays a symbol that other resources' `reference()` reads
//! share, so checks can join on it before deployment.

use serde_json::Value;

fn expand(template: &str) -> Value {
    azlint_arm::expand_text(template, None).expect("expands")
}

const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"count": {"type": "int"}},
  "resources": [
    {
      "type": "Microsoft.Network/networkInterfaces",
      "apiVersion": "2024-05-01",
      "name": "lan",
      "properties": {"ipConfigurations": [
        {"name": "primary", "properties": {"privateIPAllocationMethod": "Dynamic"}},
        {"name": "floating", "properties": {"privateIPAllocationMethod": "Static", "privateIPAddress": "10.0.0.9"}}
      ]}
    },
    {
      "type": "Microsoft.Compute/virtualMachines",
      "apiVersion": "2024-07-01",
      "name": "vm",
      "identity": {"type": "SystemAssigned"},
      "properties": {}
    },
    {
      "type": "Microsoft.Network/routeTables",
      "apiVersion": "2024-05-01",
      "name": "rt",
      "properties": {"routes": [{"name": "default", "properties": {
        "addressPrefix": "0.0.0.0/0",
        "nextHopType": "VirtualAppliance",
        "nextHopIpAddress": "[reference(resourceId('Microsoft.Network/networkInterfaces', 'lan')).ipConfigurations[0].properties.privateIPAddress]"
      }}]}
    },
    {
      "type": "Microsoft.Authorization/roleAssignments",
      "apiVersion": "2022-04-01",
      "name": "[guid('vm', 'lan')]",
      "scope": "[format('Microsoft.Network/networkInterfaces/{0}', 'lan')]",
      "properties": {
        "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '9980e02c-c2be-4d73-94e8-173b1dc7cf3c')]",
        "principalId": "[reference(resourceId('Microsoft.Compute/virtualMachines', 'vm'), '2024-07-01', 'Full').identity.principalId]"
      }
    },
    {
      "type": "Microsoft.Network/publicIPAddresses",
      "apiVersion": "2024-05-01",
      "name": "[format('pip-{0}', copyIndex())]",
      "copy": {"name": "pips", "count": "[parameters('count')]"},
      "properties": {}
    }
  ]
}"#;

#[test]
fn a_dynamic_address_is_the_symbol_a_route_reads() {
    let x = expand(TEMPLATE);
    let nic = &x["resources"][0]["properties"]["ipConfigurations"];
    let route = &x["resources"][2]["properties"]["routes"][0]["properties"]["nextHopIpAddress"];
    assert!(nic[0]["properties"]["privateIPAddress"]["$unknown"].is_string());
    assert_eq!(
        nic[0]["properties"]["privateIPAddress"]["expression"], route["expression"],
        "{x:#}"
    );
    // A static address is the template's own value.
    assert_eq!(nic[1]["properties"]["privateIPAddress"], "10.0.0.9");
}

#[test]
fn a_system_identity_is_the_symbol_a_role_assignment_reads() {
    let x = expand(TEMPLATE);
    let vm = &x["resources"][1];
    let assignment = &x["resources"][3];
    assert_eq!(
        vm["identity"]["principalId"]["expression"],
        assignment["properties"]["principalId"]["expression"],
        "{x:#}"
    );
    // The relative scope is a resource of the deployment's group.
    assert_eq!(
        assignment["id"],
        format!(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG/providers/Microsoft.Network/networkInterfaces/lan/providers/Microsoft.Authorization/roleAssignments/{}",
            assignment["name"].as_str().expect("a name")
        )
    );
}

#[test]
fn a_loop_of_unknown_count_stands_for_its_copies() {
    let x = expand(TEMPLATE);
    let pip = &x["resources"][4];
    assert!(
        pip["name"]["$unknown"]
            .as_str()
            .is_some_and(|r| r.contains("count")),
        "{pip:#}"
    );
    assert!(x["resources"].get(5).is_none());
}
