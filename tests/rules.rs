//! Every rule's fixtures: each case under `fixtures/rules/<rule>/fire/` must produce a finding of
//! that rule (exit 1), each under `silent/` must produce none (exit 0). The rendered text a
//! user would read is snapshotted for both.

mod common;

use std::path::Path;

use common::azlint;

fn rule_and_kind(path: &Path) -> (String, String) {
    let kind = path.parent().and_then(Path::file_name).expect("kind dir");
    let rule = path
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .expect("rule dir");
    (
        rule.to_string_lossy().into_owned(),
        kind.to_string_lossy().into_owned(),
    )
}

fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn rule_fixtures() {
    insta::glob!("../fixtures/rules", "*/*/*.json", |path| {
        let (rule, kind) = rule_and_kind(path);
        let file = relative(path);
        let run = azlint(&["check", "--color", "never", "--show-unknown", &file]);
        let fired = run
            .stdout
            .lines()
            .any(|l| l.starts_with("HA") && l.ends_with(&format!(" {rule}")));
        // A note reports without failing the run.
        let note = azlint_rules::builtin_rules()
            .iter()
            .any(|r| r.meta.name == rule && r.meta.severity == azlint_diagnostics::Severity::Note);
        match kind.as_str() {
            "fire" => {
                let code = if note { 0 } else { 1 };
                assert_eq!(run.code, code, "{file} must exit {code}:\n{}", run.stdout);
                assert!(fired, "{file} must report {rule}:\n{}", run.stdout);
            }
            "silent" => {
                assert_eq!(run.code, 0, "{file} must pass:\n{}", run.stdout);
                assert!(!fired, "{file} must not report {rule}:\n{}", run.stdout);
            }
            other => panic!("unexpected fixture folder {other} for {file}"),
        }
        assert!(run.stderr.is_empty(), "{file}: {}", run.stderr);
        insta::assert_snapshot!(run.stdout);
    });
}

#[test]
fn every_rule_has_fire_and_silent_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    for rule in azlint_rules::builtin_rules() {
        let name = rule.meta.name.as_str();
        for kind in ["fire", "silent"] {
            let dir = root.join(name).join(kind);
            let cases = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
            assert!(
                cases > 0,
                "rule {name} has no {kind} fixtures in {}",
                dir.display()
            );
        }
    }
}

#[test]
fn a_second_identity_on_the_primary_does_not_hide_the_ha_identitys_roles() {
    // The primary carries the HA identity, which holds its roles, and a second identity
    // (HA006): the roles check is met.
    let file = "fixtures/rules/vsocket-user-identity-count/fire/two-user-assigned-on-primary.json";
    let run = azlint(&["check", "--color", "never", "--select", "HA008,HA009", file]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("no problems found"), "{}", run.stdout);
}

/// A vSocket VM (Cato's plan) with a WAN and a LAN NIC in `vnet`: three resources.
fn two_nic_vsocket(name: &str, vnet: &str) -> Vec<serde_json::Value> {
    let base = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers";
    let nic = |role: &str| {
        serde_json::json!({
            "id": format!("{base}/Microsoft.Network/networkInterfaces/{name}-{role}"),
            "name": format!("{name}-{role}"),
            "type": "Microsoft.Network/networkInterfaces",
            "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
                "primary": true,
                "subnet": {"id": format!("{base}/Microsoft.Network/virtualNetworks/{vnet}/subnets/{role}")}
            }}]}
        })
    };
    let vm = serde_json::json!({
        "id": format!("{base}/Microsoft.Compute/virtualMachines/{name}"),
        "name": name,
        "type": "Microsoft.Compute/virtualMachines",
        "plan": {"publisher": "catonetworks", "product": "cato_socket", "name": "public-cato-socket"},
        "properties": {"networkProfile": {"networkInterfaces": [
            {"id": format!("{base}/Microsoft.Network/networkInterfaces/{name}-wan"), "properties": {"primary": true}},
            {"id": format!("{base}/Microsoft.Network/networkInterfaces/{name}-lan"), "properties": {"primary": false}}
        ]}}
    });
    vec![vm, nic("wan"), nic("lan")]
}

#[test]
fn sites_do_not_depend_on_the_order_of_the_input() {
    // A whole named pair split over two VNETs (a secondary deployed into the wrong one), a
    // stray vSocket beside its primary, and another pair beside its secondary.
    let vms = [
        ("edge-a", "vnetA"),
        ("p-vsocket-primary", "vnetA"),
        ("p-vsocket-secondary", "vnetB"),
        ("cato-x", "vnetB"),
        ("cato-y", "vnetB"),
    ];
    let mut reports = Vec::new();
    for order in [[0, 1, 2, 3, 4], [3, 4, 2, 0, 1], [2, 4, 0, 3, 1]] {
        let resources: Vec<serde_json::Value> = order
            .iter()
            .flat_map(|&i| two_nic_vsocket(vms[i].0, vms[i].1))
            .collect();
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("export.json");
        std::fs::write(
            &file,
            serde_json::to_string_pretty(&resources).expect("json"),
        )
        .expect("write");
        let run = common::azlint_in(
            dir.path(),
            &[
                "check",
                "--isolated",
                "--format",
                "json",
                "--select",
                "HA017,HA037",
                "export.json",
            ],
            None,
            &[],
        );
        let mut sites: Vec<String> = run.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["message"].as_str().unwrap_or_default().to_string())
            .collect();
        sites.sort();
        reports.push(sites);
    }
    assert!(reports.iter().all(|r| *r == reports[0]), "{reports:#?}");
    // The pair keeps its stray (a third vSocket); the other two are a site of their own.
    assert_eq!(reports[0].len(), 1, "{:#?}", reports[0]);
    assert!(
        reports[0][0].contains("has 3 vSockets"),
        "{:#?}",
        reports[0]
    );
}
