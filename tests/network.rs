//! `azlint routes` and `azlint flow`: Azure's documented examples, the vSocket example site,
//! and longest prefix match against a brute-force reference.

mod common;

use std::net::{IpAddr, Ipv4Addr};

use azlint_facts::routes::{apply_user_routes, longest_prefix_match, system_routes, Route, Source};
use common::{azlint, line_of};

fn routes_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["routes"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let run = azlint(&all);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    run.json()
}

fn selected(v: &serde_json::Value) -> String {
    let s = &v["selected"];
    format!(
        "{} {} {} {} {}",
        s["addressPrefix"].as_str().unwrap_or("-"),
        s["nextHopType"].as_str().unwrap_or("-"),
        s["nextHopIpAddress"].as_str().unwrap_or("-"),
        s["source"].as_str().unwrap_or("-"),
        s["name"].as_str().unwrap_or("-"),
    )
}

#[test]
fn vsocket_lan_subnet_sends_everything_to_the_floating_ip() {
    let dir = "fixtures/examples/healthy";
    for (target, to, want) in [
        (
            "ams-LANSubnet",
            "0.0.0.0",
            "0.0.0.0/0 VirtualAppliance 10.20.0.70 User default-cato",
        ),
        (
            "ams-lansubnet",
            "8.8.8.8",
            "0.0.0.0/0 VirtualAppliance 10.20.0.70 User default-cato",
        ),
        (
            "ams-LANSubnet",
            "23.102.135.246",
            "23.102.135.246/32 Internet - User Microsoft-KMS",
        ),
        (
            "ams-LANSubnet",
            "10.20.0.69",
            "10.20.0.0/24 VnetLocal - Default -",
        ),
        ("ams-LANSubnet", "10.99.0.1", "10.0.0.0/8 None - Default -"),
        (
            "ams-MGMTSubnet",
            "8.8.8.8",
            "0.0.0.0/0 Internet - User default-internet",
        ),
    ] {
        let v = routes_json(&[dir, "--subnet", target, "--to", to]);
        assert_eq!(selected(&v), want, "{target} {to}");
        assert!(v.get("unknown").is_none(), "{v}");
    }
    // By NIC: its primary IP configuration's subnet.
    let v = routes_json(&[dir, "--nic", "ams-lanSecondary", "--to", "1.1.1.1"]);
    assert_eq!(
        selected(&v),
        "0.0.0.0/0 VirtualAppliance 10.20.0.70 User default-cato"
    );
    let sys = &v["routes"][1];
    assert_eq!(
        (sys["addressPrefix"].as_str(), sys["state"].as_str()),
        (Some("0.0.0.0/0"), Some("Invalid"))
    );
    assert_eq!(v["selected"]["location"]["line"], 934);
}

#[test]
fn microsoft_routing_example_subnet1_and_subnet2() {
    // "Virtual network traffic routing", routing example: Subnet1's route table overrides the
    // VNET route, the peering routes and 0.0.0.0/0 (shown Invalid); Subnet2 keeps them Active.
    let file = "fixtures/network/udr-example.json";
    let v = routes_json(&[file, "--subnet", "Subnet1"]);
    let states: Vec<String> = v["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r["source"].as_str().unwrap(),
                r["state"].as_str().unwrap(),
                r["addressPrefix"].as_str().unwrap(),
                r["nextHopType"].as_str().unwrap()
            )
        })
        .collect();
    for want in [
        "Default Invalid 10.0.0.0/16 VnetLocal",
        "Default Invalid 10.1.0.0/16 VNetPeering",
        "Default Invalid 10.2.0.0/16 VNetPeering",
        "Default Invalid 0.0.0.0/0 Internet",
        "User Active 10.0.0.0/16 VirtualAppliance",
        "User Active 10.0.0.0/24 VnetLocal",
        "User Active 10.1.0.0/16 None",
        "User Active 10.2.0.0/16 None",
        "User Active 0.0.0.0/0 VirtualAppliance",
    ] {
        assert!(
            states.contains(&want.to_string()),
            "{want} not in {states:#?}"
        );
    }
    for (to, want) in [
        ("10.0.0.9", "10.0.0.0/24 VnetLocal - User Within-Subnet1"),
        (
            "10.0.1.9",
            "10.0.0.0/16 VirtualAppliance 10.0.100.4 User Within-VNet1",
        ),
        ("10.1.2.3", "10.1.0.0/16 None - User ToVNet2-1-Drop"),
        ("10.2.0.1", "10.2.0.0/16 None - User ToVNet2-2-Drop"),
        (
            "52.1.2.3",
            "0.0.0.0/0 VirtualAppliance 10.0.100.4 User Default-NVA",
        ),
    ] {
        let v = routes_json(&[file, "--subnet", "Subnet1", "--to", to]);
        assert_eq!(selected(&v), want, "Subnet1 -> {to}");
    }
    for (to, want) in [
        ("10.0.0.9", "10.0.0.0/16 VnetLocal - Default -"),
        ("10.1.2.3", "10.1.0.0/16 VNetPeering - Default -"),
        ("52.1.2.3", "0.0.0.0/0 Internet - Default -"),
        ("10.3.0.1", "10.0.0.0/8 None - Default -"),
    ] {
        let v = routes_json(&[file, "--subnet", "Virtual-network-1/Subnet2", "--to", to]);
        assert_eq!(selected(&v), want, "Subnet2 -> {to}");
    }
}

#[test]
fn gateway_routes_make_non_local_answers_unknown() {
    let file = "fixtures/network/gateway.json";
    let v = routes_json(&[file, "--subnet", "app", "--to", "8.8.8.8"]);
    assert_eq!(selected(&v), "0.0.0.0/0 VirtualAppliance 10.50.2.4 User fw");
    assert!(
        v["unknown"].as_str().unwrap().contains("GatewaySubnet"),
        "{v}"
    );
    // VNET routes win even over more specific BGP routes; a /32 user route cannot be beaten.
    for to in ["10.50.3.3", "203.0.113.7"] {
        let v = routes_json(&[file, "--subnet", "app", "--to", to]);
        assert!(v.get("unknown").is_none(), "{to}: {v}");
    }
    // 192.168.0.0/16 is the VNET's own range: VnetLocal, and no None route for it.
    let v = routes_json(&[file, "--subnet", "app", "--to", "192.168.4.4"]);
    assert_eq!(selected(&v), "192.168.0.0/16 VnetLocal - Default -");
    assert_eq!(
        v["routes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["addressPrefix"] == "192.168.0.0/16")
            .count(),
        1
    );
}

#[test]
fn ambiguous_and_unknown_names_are_usage_errors() {
    let run = azlint(&[
        "routes",
        "fixtures/network/ambiguous.json",
        "--subnet",
        "DEFAULT",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("virtualNetworks/vnet-a/subnets/default"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("virtualNetworks/vnet-b/subnets/default"),
        "{}",
        run.stderr
    );
    let run = azlint(&[
        "routes",
        "fixtures/network/ambiguous.json",
        "--subnet",
        "nope",
    ]);
    assert_eq!(run.code, 2);
    let id = "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-b/subnets/DEFAULT";
    let v = routes_json(&[
        "fixtures/network/ambiguous.json",
        "--subnet",
        id,
        "--to",
        "10.2.0.9",
    ]);
    assert_eq!(selected(&v), "10.2.0.0/24 VnetLocal - Default -");
}

/// The HA keepalive of the example site: UDP/20480 from the primary's LAN NIC to the
/// secondary's.
const KEEPALIVE: [&str; 8] = [
    "--from",
    "ams-lanPrimary",
    "--to",
    "10.20.0.69",
    "--protocol",
    "udp",
    "--port",
    "20480",
];

/// `flow` on `inputs` for the keepalive.
fn keepalive(inputs: &[&str]) -> serde_json::Value {
    let mut args = inputs.to_vec();
    args.extend_from_slice(&KEEPALIVE);
    flow(&args)
}

fn flow(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["flow"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let run = azlint(&all);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    run.json()
}

fn decided(v: &serde_json::Value) -> Vec<String> {
    v["decided_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {} {} {} {} {}",
                d["direction"].as_str().unwrap(),
                d["level"].as_str().unwrap(),
                d["nsg"].as_str().unwrap(),
                d["rule"].as_str().unwrap(),
                d["priority"],
                d["default"]
            )
        })
        .collect()
}

#[test]
fn nsg_priority_first_match_and_levels() {
    let file = "fixtures/network/nsg-levels.json";
    let case = |from: &str, to: &str, proto: &str, port: &str| {
        flow(&[
            file,
            "--from",
            from,
            "--to",
            to,
            "--protocol",
            proto,
            "--port",
            port,
        ])
    };
    // Priority 100 allows before the priority-200 deny of the range; then B's NIC NSG denies.
    let v = case("nic-c", "10.9.0.5", "udp", "20480");
    assert_eq!(v["verdict"], "deny");
    assert_eq!(
        decided(&v),
        [
            "Outbound subnet lan-nsg AllowVnetOutBound 65000 true",
            "Inbound subnet lan-nsg allow-keepalive 100 false",
            "Inbound nic b-nsg deny-udp-in 300 false",
        ]
    );
    let v = case("nic-c", "10.9.0.6", "udp", "20480");
    assert_eq!(v["verdict"], "allow");
    // Another port in the denied range: the subnet decides inbound, before any NIC NSG.
    let v = case("nic-c", "10.9.0.6", "udp", "20999");
    assert_eq!(v["verdict"], "deny");
    assert_eq!(
        decided(&v).last().unwrap(),
        "Inbound subnet lan-nsg deny-keepalive-range 200 false"
    );
    // Outbound: the NIC's NSG first; its deny stops the packet.
    let v = case("nic-a", "10.9.0.6", "tcp", "22");
    assert_eq!(decided(&v), ["Outbound nic a-nsg deny-ssh-out 100 false"]);
    assert_eq!(v["path"].as_array().unwrap().len(), 1);
    // ICMP: port rules do not match it; `*` is denied when one protocol is.
    let v = case("nic-c", "10.9.0.5", "icmp", "0");
    assert_eq!(v["verdict"], "allow");
    assert_eq!(
        decided(&v).last().unwrap(),
        "Inbound nic b-nsg allow-icmp-in 100 false"
    );
    let v = case("nic-c", "10.9.0.6", "*", "443");
    assert_eq!(v["verdict"], "allow");
    // B's NIC NSG denies every UDP port: `*` is denied there.
    let v = case("nic-c", "10.9.0.5", "*", "443");
    assert_eq!(v["verdict"], "deny");
    let v = case("nic-c", "10.9.0.5", "*", "20480");
    assert_eq!(v["verdict"], "deny");
    assert_eq!(v["protocols"]["Udp"], "deny");
}

#[test]
fn vsocket_keepalive_and_management_egress() {
    let dir = "fixtures/examples/healthy";
    let v = keepalive(&[dir]);
    assert_eq!(v["verdict"], "allow");
    assert_eq!(decided(&v).len(), 2);
    for (proto, port, want) in [
        ("udp", "53", "allow"),
        ("tcp", "443", "allow"),
        ("tcp", "80", "deny"),
    ] {
        let v = flow(&[
            dir,
            "--from",
            "ams-mngPrimary",
            "--to",
            "8.8.8.8",
            "--protocol",
            proto,
            "--port",
            port,
        ]);
        assert_eq!(v["verdict"], want, "{proto}/{port}");
    }
}

#[test]
fn text_reports() {
    let run = azlint(&[
        "routes",
        "fixtures/examples/healthy",
        "--subnet",
        "ams-LANSubnet",
        "--to",
        "0.0.0.0",
    ]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!("routes_lan_subnet", run.stdout);
    let mut args = vec!["flow", "fixtures/examples/healthy"];
    args.extend_from_slice(&KEEPALIVE);
    let run = azlint(&args);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!("flow_keepalive", run.stdout);
}

/// xorshift64: a fixed sequence, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn longest_prefix_match_equals_brute_force() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let hops = ["VirtualAppliance", "Internet", "None", "VnetLocal"];
    // Addresses from a small space so that prefixes overlap often.
    let addr = |rng: &mut Rng| {
        Ipv4Addr::from(0x0A00_0000 | (rng.below(1 << 12) as u32) << 12 | rng.below(4096) as u32)
    };
    for case in 0..2000 {
        let space = vec![format!("{}/{}", addr(&mut rng), 8 + rng.below(17))
            .parse()
            .unwrap()];
        let space: Vec<azlint_facts::routes::IpNet> = space
            .into_iter()
            .map(|n: azlint_facts::routes::IpNet| n.trunc())
            .collect();
        let user: Vec<Route<'static>> = (0..rng.below(8))
            .map(|_| {
                let len = rng.below(33);
                Route::new(
                    &format!("{}/{len}", addr(&mut rng)),
                    hops[rng.below(4) as usize],
                    Source::User,
                )
            })
            .collect();
        let routes = apply_user_routes(system_routes(&space, &[]), user.clone());
        for _ in 0..20 {
            let ip = IpAddr::V4(addr(&mut rng));
            // Reference: among user routes, else system routes, the longest prefix holding ip.
            let best_len = |rs: &[Route<'_>]| {
                rs.iter()
                    .filter_map(|r| r.prefix)
                    .filter(|p| p.contains(&ip))
                    .map(|p| p.prefix_len())
                    .max()
            };
            let user_len = best_len(&user);
            let system = system_routes(&space, &[]);
            let sys_len = best_len(&system);
            let want = match (user_len, sys_len) {
                (Some(u), Some(s)) if s > u => (s, Source::Default),
                (Some(u), _) => (u, Source::User),
                (None, Some(s)) => (s, Source::Default),
                (None, None) => panic!("0.0.0.0/0 always matches"),
            };
            let got = longest_prefix_match(&routes, ip)
                .map(|i| &routes[i])
                .expect("a route");
            assert!(got.active, "case {case}: selected an Invalid route");
            assert!(got.prefix.unwrap().contains(&ip));
            assert_eq!(
                (got.prefix.unwrap().prefix_len(), got.source),
                want,
                "case {case}: {ip} in {routes:#?}"
            );
        }
    }
}

#[test]
fn virtual_network_manager_admin_rules_make_flows_unknown() {
    let healthy = "fixtures/examples/healthy";
    assert_eq!(keepalive(&[healthy])["verdict"], "allow");
    let v = keepalive(&["fixtures/network/network-manager.json", healthy]);
    assert_eq!(v["verdict"], "unknown");
    let reason = v["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("Virtual Network Manager `corp-avnm`"),
        "{reason}"
    );
}

#[test]
fn application_security_groups_match_by_membership() {
    // Both LAN NICs are in asg-cato-lan, which an inbound rule denies.
    let v = keepalive(&["fixtures/rules/keepalive-blocked/fire/asg-deny.json"]);
    assert_eq!(v["verdict"], "deny");
    assert!(decided(&v).contains(
        &"Inbound subnet ams-LANSecurityGroup Deny-Keepalive-To-LAN-ASG 90 false".to_string()
    ));
    // No NIC is in the group: the rule does not match.
    let v = keepalive(&["fixtures/rules/keepalive-blocked/silent/asg-deny-other-nics.json"]);
    assert_eq!(v["verdict"], "allow");
}

#[test]
fn a_deny_rule_in_another_file_is_where_the_finding_points() {
    // The LAN NSG exported on its own (`az network nsg show > lan-nsg.json`) next to the rest
    // of the site: the keepalive finding points at the deny rule in that file, and at the
    // primary vSocket, which the rule checks, in the other.
    let case = std::fs::read_to_string(
        "fixtures/rules/keepalive-blocked/fire/lan-nsg-deny-udp-20480.json",
    )
    .expect("fixture");
    let all: Vec<serde_json::Value> = serde_json::from_str(&case).expect("array");
    let (nsg, rest): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|r| r["name"] == "ams-LANSecurityGroup");
    let dir = tempfile::tempdir().expect("tempdir");
    let nsg_text = serde_json::to_string_pretty(&nsg[0]).expect("nsg");
    std::fs::write(dir.path().join("lan-nsg.json"), &nsg_text).expect("write");
    let rest_text = serde_json::to_string_pretty(&rest).expect("rest");
    std::fs::write(dir.path().join("site.json"), &rest_text).expect("write");

    let run = common::azlint_in(
        dir.path(),
        &["check", "--format", "json", "lan-nsg.json", "site.json"],
        None,
        &[],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let finding = run.finding("HA035");
    let at = &finding["location"];
    assert_eq!(at["file"], "lan-nsg.json", "{finding}");
    assert_eq!(
        at["start"]["line"],
        line_of(&nsg_text, "\"name\": \"Deny-Keepalive\""),
        "{finding}"
    );
    let related = &finding["related"][0];
    assert_eq!(related["file"], "site.json", "{finding}");
    assert_eq!(
        related["start"]["line"],
        line_of(&rest_text, "\"name\": \"ams-vSocket-Primary\""),
        "{finding}"
    );
}

#[test]
fn subnets_without_their_vnet_still_decide_the_virtualnetwork_tag() {
    // The healthy site with its VNET exported as `az network vnet subnet list` (subnets
    // alone, no VNET), and a LAN NSG rule denying the keepalive from `VirtualNetwork`: the
    // other LAN NIC is in the LAN subnet, so it is in the VNET, and the deny decides.
    let text =
        std::fs::read_to_string("fixtures/examples/healthy/resources.json").expect("example");
    let resources: Vec<serde_json::Value> = serde_json::from_str(&text).expect("JSON");
    let mut out = Vec::new();
    for mut r in resources {
        if r["type"] == "Microsoft.Network/virtualNetworks" {
            for s in r["properties"]["subnets"]
                .as_array()
                .cloned()
                .unwrap_or_default()
            {
                let mut s = s;
                s["type"] = "Microsoft.Network/virtualNetworks/subnets".into();
                out.push(s);
            }
            continue;
        }
        if r["name"] == "ams-LANSecurityGroup" {
            let rules = r["properties"]["securityRules"]
                .as_array_mut()
                .expect("rules");
            rules.push(serde_json::json!({
                "name": "Deny-Keepalive",
                "properties": {
                    "access": "Deny", "direction": "Inbound", "priority": 90, "protocol": "Udp",
                    "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*",
                    "destinationAddressPrefix": "*", "destinationPortRange": "20480"
                }
            }));
        }
        out.push(r);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("site.json");
    std::fs::write(&file, serde_json::to_string_pretty(&out).expect("JSON")).expect("write");
    let run = azlint(&["check", "--format", "json", file.to_str().expect("path")]);
    let report = run.json();
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"HA035"), "{}", run.stdout);
}

#[test]
fn a_rule_exported_on_its_own_is_its_nsgs() {
    // `az network nsg rule show` of a rule the LAN NSG's export does not list yet, next to the
    // healthy site: the keepalive is denied, and the finding points at that rule.
    let dir = tempfile::tempdir().expect("tempdir");
    for f in ["resources.json", "role-assignments.json"] {
        std::fs::copy(format!("fixtures/examples/healthy/{f}"), dir.path().join(f)).expect("copy");
    }
    let nsg = "/subscriptions/3f2c1a9e-8b7d-4c6e-9a1f-2d5e8c7b6a40/resourceGroups/rg-cato-ams/providers/Microsoft.Network/networkSecurityGroups/ams-LANSecurityGroup";
    let rule = serde_json::json!({
        "access": "Deny",
        "destinationAddressPrefix": "*",
        "destinationAddressPrefixes": [],
        "destinationPortRange": "20480",
        "destinationPortRanges": [],
        "direction": "Inbound",
        "etag": "W/\"00000000-0000-0000-0000-000000000000\"",
        "id": format!("{nsg}/securityRules/Deny-Keepalive"),
        "name": "Deny-Keepalive",
        "priority": 90,
        "protocol": "Udp",
        "provisioningState": "Succeeded",
        "resourceGroup": "rg-cato-ams",
        "sourceAddressPrefix": "*",
        "sourceAddressPrefixes": [],
        "sourcePortRange": "*",
        "sourcePortRanges": [],
        "type": "Microsoft.Network/networkSecurityGroups/securityRules"
    });
    let text = serde_json::to_string_pretty(&rule).expect("rule");
    std::fs::write(dir.path().join("rule.json"), &text).expect("write");
    let run = common::azlint_in(dir.path(), &["check", "--format", "json", "."], None, &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let json = run.json();
    let keepalive: Vec<_> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "HA035")
        .collect();
    assert_eq!(keepalive.len(), 1, "{keepalive:#?}");
    let at = &keepalive[0]["location"];
    assert_eq!(at["file"], "rule.json");
    let name_line = Some(line_of(&text, "\"name\": \"Deny-Keepalive\""));
    assert_eq!(at["start"]["line"].as_u64(), name_line);
}

/// `azlint check --show-unknown --format json` of `all` written as `resources.json`.
fn check_resources(all: &serde_json::Value) -> common::Run {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("resources.json"),
        serde_json::to_string_pretty(all).expect("JSON"),
    )
    .expect("write");
    common::azlint_in(
        dir.path(),
        &[
            "check",
            "--show-unknown",
            "--format",
            "json",
            "resources.json",
        ],
        None,
        &[],
    )
}

/// The healthy site with its management route 0.0.0.0/0 sent to an appliance (10.20.0.100) and
/// the MGMT NSG's rules replaced by `rules`: the HA034 findings, as (rule named, line).
fn mgmt_via_appliance(rules: serde_json::Value) -> Vec<String> {
    let text = std::fs::read_to_string("fixtures/examples/healthy/resources.json").expect("read");
    let mut all: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    for r in all.as_array_mut().expect("array") {
        if r["name"] == "ams-viaInternet" {
            let route = &mut r["properties"]["routes"][0]["properties"];
            route["nextHopType"] = "VirtualAppliance".into();
            route["nextHopIpAddress"] = "10.20.0.100".into();
        }
        if r["name"] == "ams-MGMTSecurityGroup" {
            r["properties"]["securityRules"] = rules.clone();
        }
    }
    let run = check_resources(&all);
    run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "HA034")
        .map(|f| format!("{} {}", f["severity"], f["message"]))
        .collect()
}

fn outbound_rule(name: &str, priority: u32, access: &str, destination: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "properties": {
            "access": access, "direction": "Outbound", "priority": priority, "protocol": "*",
            "sourceAddressPrefix": "*", "sourcePortRange": "*",
            "destinationAddressPrefix": destination, "destinationPortRange": "*"
        }
    })
}

#[test]
fn a_route_to_an_appliance_widens_the_virtualnetwork_tag() {
    // With 0.0.0.0/0 to an appliance, `VirtualNetwork` holds every address: an allow to it
    // lets DNS and HTTPS out, a deny to it blocks them.
    let allowed = mgmt_via_appliance(serde_json::json!([
        outbound_rule("Allow-VNet-Out", 100, "Allow", "VirtualNetwork"),
        outbound_rule("Deny-All-Outbound", 4096, "Deny", "*"),
    ]));
    assert_eq!(allowed, Vec::<String>::new());
    let denied = mgmt_via_appliance(serde_json::json!([outbound_rule(
        "Deny-VNet-Out",
        90,
        "Deny",
        "VirtualNetwork"
    ),]));
    assert_eq!(denied.len(), 2, "{denied:#?}");
    assert!(
        denied
            .iter()
            .all(|f| f.starts_with("\"error\"") && f.contains("Deny-VNet-Out denies")),
        "{denied:#?}"
    );
}

/// The healthy site without its VNET (so without its subnets), with `extra` prepended to the
/// LAN NSG's rules: the HA035 findings' severities.
fn without_vnet(extra: Option<serde_json::Value>) -> (i32, Vec<String>) {
    let text = std::fs::read_to_string("fixtures/examples/healthy/resources.json").expect("read");
    let mut all: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let list = all.as_array_mut().expect("array");
    list.retain(|r| r["type"] != "Microsoft.Network/virtualNetworks");
    if let Some(rule) = extra {
        for r in list.iter_mut() {
            if r["name"] == "ams-LANSecurityGroup" {
                r["properties"]["securityRules"]
                    .as_array_mut()
                    .expect("rules")
                    .insert(0, rule.clone());
            }
        }
    }
    let run = check_resources(&all);
    let severities = run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "HA035")
        .map(|f| f["severity"].as_str().unwrap_or_default().to_string())
        .collect();
    (run.code, severities)
}

#[test]
fn an_nsgs_list_of_subnets_names_the_subnets_nsg_when_the_vnet_is_not_exported() {
    // Azure keeps each NSG's `subnets` list: the LAN subnet's NSG is known without the VNET.
    let (_, healthy) = without_vnet(None);
    assert!(
        healthy.iter().all(|s| s == "note"),
        "no error or warning: {healthy:?}"
    );
    let deny = serde_json::json!({
        "name": "Deny-Keepalive",
        "properties": {
            "access": "Deny", "direction": "Inbound", "priority": 90, "protocol": "Udp",
            "sourceAddressPrefix": "*", "sourcePortRange": "*",
            "destinationAddressPrefix": "*", "destinationPortRange": "20480"
        }
    });
    let (code, denied) = without_vnet(Some(deny));
    assert_eq!((code, denied), (1, vec!["error".to_string()]));
}

#[test]
fn flow_and_routes_evaluate_templates_and_point_into_them() {
    // The primary's template of Cato's two-step deployment: its NSGs and route tables are
    // template resources named by `format()`, subnets referenced by `resourceId()`.
    let template = "fixtures/templates/two-step/primary.json";
    let ask = [
        "flow",
        "--from",
        "ams-mngPrimary",
        "--to",
        "1.1.1.1",
        "--protocol",
        "tcp",
        "--port",
        "22",
        template,
    ];
    let flow = azlint(&[&ask[..], &["--format", "json"]].concat());
    assert_eq!(flow.code, 0, "{}{}", flow.stdout, flow.stderr);
    let json = flow.json();
    assert_eq!(json["verdict"], "deny", "{json}");
    let rule = &json["decided_by"][0];
    assert_eq!(rule["rule"], "Deny-All-Outbound", "{rule}");
    // The rule as the template writes it (line 158 opens its object), not in the evaluated
    // copy azlint reads.
    assert_eq!(rule["location"]["file"], template, "{rule}");
    assert_eq!(rule["location"]["line"], 158, "{rule}");
    let text = azlint(&ask);
    assert!(
        text.stdout.contains(&format!("╭─[{template}:158:11]")),
        "{}",
        text.stdout
    );

    let routes = routes_json(&["--nic", "ams-lanPrimary", "--to", "8.8.8.8", template]);
    assert_eq!(
        selected(&routes),
        "0.0.0.0/0 VirtualAppliance 10.20.0.71 User default-cato"
    );
    assert_eq!(routes["selected"]["location"]["file"], template);
    assert_eq!(routes["selected"]["location"]["line"], 319);
}

#[test]
fn a_template_expression_error_stops_flow_and_routes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string("fixtures/templates/two-step/primary.json")
        .expect("fixture")
        .replacen("[format('{0}-viaCato'", "[formatt('{0}-viaCato'", 1);
    std::fs::write(dir.path().join("primary.json"), text).expect("write");
    let run = common::azlint_in(
        dir.path(),
        &["routes", "--nic", "ams-lanPrimary", "primary.json"],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("IN010"), "{}", run.stderr);
    assert!(run.stderr.contains("primary.json:314"), "{}", run.stderr);
}
