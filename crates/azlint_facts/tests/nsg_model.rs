//! NSG verdicts against a small reference model: for random rule sets and flows, what
//! `nsg::evaluate` answers equals a brute-force reading of Azure's documented semantics
//! (custom and default rules in priority order, the first rule that matches decides; a rule
//! that may match leaves the answer open unless every possible outcome agrees).

use std::net::IpAddr;

use azlint_facts::nsg::{evaluate, Asgs, Direction, Endpoint, Flow, Verdict};
use azlint_inventory::Inventory;
use ipnet::IpNet;

/// A deterministic xorshift generator: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

#[derive(Clone, Debug)]
struct Rule {
    name: String,
    priority: u32,
    inbound: bool,
    allow: bool,
    protocol: String,
    source: Vec<String>,
    destination: Vec<String>,
    ports: Vec<String>,
}

const VNET: &str = "10.20.0.0/24";
const SOURCE: &str = "10.20.0.4";
const PREFIXES: &[&str] = &[
    "*",
    "VirtualNetwork",
    "Internet",
    "10.20.0.0/24",
    "10.20.0.64/27",
    "10.20.0.69",
    "10.0.0.0/8",
    "8.8.8.0/24",
    "0.0.0.0/0",
    "AzureLoadBalancer",
];
const PORTS: &[&str] = &["*", "53", "443", "20480", "1-1024", "20000-21000", "80"];
const PROTOCOLS: &[&str] = &["*", "Tcp", "Udp", "Icmp"];
const DESTINATIONS: &[&str] = &["10.20.0.69", "10.20.0.70", "8.8.8.8", "52.1.2.3"];

fn random_rules(rng: &mut Rng) -> Vec<Rule> {
    let n = 1 + rng.below(8);
    let mut priorities: Vec<u32> = Vec::new();
    while priorities.len() < n {
        let p = 100 + rng.below(40) as u32 * 10;
        if !priorities.contains(&p) {
            priorities.push(p);
        }
    }
    priorities
        .into_iter()
        .enumerate()
        .map(|(i, priority)| {
            let list = |rng: &mut Rng, from: &[&str]| -> Vec<String> {
                (0..1 + rng.below(2))
                    .map(|_| rng.pick(from).to_string())
                    .collect()
            };
            Rule {
                name: format!("r{i}"),
                priority,
                inbound: rng.below(2) == 0,
                allow: rng.below(2) == 0,
                protocol: rng.pick(PROTOCOLS).to_string(),
                source: list(
                    rng,
                    &[
                        "*",
                        "VirtualNetwork",
                        "10.20.0.0/24",
                        "10.20.0.4",
                        "192.168.0.0/16",
                    ],
                ),
                destination: list(rng, PREFIXES),
                ports: list(rng, PORTS),
            }
        })
        .collect()
}

/// The rules as an exported NSG: singular fields for one value, plural for several.
fn inventory(rules: &[Rule]) -> Inventory {
    let field = |single: &str, plural: &str, values: &[String]| {
        if values.len() == 1 {
            format!("\"{single}\": \"{}\", \"{plural}\": []", values[0])
        } else {
            let quoted: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
            format!("\"{single}\": \"\", \"{plural}\": [{}]", quoted.join(", "))
        }
    };
    let rules: Vec<String> = rules
        .iter()
        .map(|r| {
            format!(
                r#"{{"name": "{}", "properties": {{"priority": {}, "direction": "{}", "access": "{}", "protocol": "{}", {}, {}, "sourcePortRange": "*", {}}}}}"#,
                r.name,
                r.priority,
                if r.inbound { "Inbound" } else { "Outbound" },
                if r.allow { "Allow" } else { "Deny" },
                r.protocol,
                field("sourceAddressPrefix", "sourceAddressPrefixes", &r.source),
                field("destinationAddressPrefix", "destinationAddressPrefixes", &r.destination),
                field("destinationPortRange", "destinationPortRanges", &r.ports),
            )
        })
        .collect();
    let text = format!(
        r#"{{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkSecurityGroups/n",
            "name": "n", "type": "Microsoft.Network/networkSecurityGroups",
            "properties": {{"securityRules": [{}]}}}}"#,
        rules.join(",\n")
    );
    Inventory::from_texts(&[("nsg.json", &text)]).expect("generated JSON parses")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum M {
    Yes,
    No,
    Maybe,
}

fn is_public(ip: IpAddr) -> bool {
    let IpAddr::V4(v4) = ip else { return false };
    let o = v4.octets();
    !(o[0] == 10
        || (o[0] == 172 && (16..32).contains(&o[1]))
        || (o[0] == 192 && o[1] == 168)
        || (o[0] == 100 && (64..128).contains(&o[1]))
        || o[0] == 127
        || o[0] == 0)
}

/// One address prefix against an address, as domain.md section 5 defines the tags.
fn prefix(p: &str, ip: IpAddr) -> M {
    let vnet: IpNet = VNET.parse().expect("vnet");
    match p {
        "*" => M::Yes,
        "Internet" => {
            if is_public(ip) {
                M::Yes
            } else {
                M::No
            }
        }
        // Addresses outside the VNET may be peered spaces, which the export does not show.
        "VirtualNetwork" => {
            if vnet.contains(&ip) {
                M::Yes
            } else {
                M::Maybe
            }
        }
        "AzureLoadBalancer" => M::No,
        cidr => {
            let net: IpNet = cidr
                .parse()
                .or_else(|_| cidr.parse::<IpAddr>().map(IpNet::from))
                .expect("generated prefix");
            if net.contains(&ip) {
                M::Yes
            } else {
                M::No
            }
        }
    }
}

fn any(values: impl Iterator<Item = M>) -> M {
    let mut out = M::No;
    for m in values {
        match m {
            M::Yes => return M::Yes,
            M::Maybe => out = M::Maybe,
            M::No => {}
        }
    }
    out
}

fn all(parts: &[M]) -> M {
    if parts.contains(&M::No) {
        M::No
    } else if parts.contains(&M::Maybe) {
        M::Maybe
    } else {
        M::Yes
    }
}

fn port(p: &str, port: u16, icmp: bool) -> M {
    if p == "*" {
        return M::Yes;
    }
    if icmp {
        return M::No;
    }
    let (lo, hi) = match p.split_once('-') {
        Some((a, b)) => (a.parse().expect("port"), b.parse().expect("port")),
        None => {
            let n: u16 = p.parse().expect("port");
            (n, n)
        }
    };
    if (lo..=hi).contains(&port) {
        M::Yes
    } else {
        M::No
    }
}

/// The model's verdict: "allow", "deny" or "unknown".
fn model(rules: &[Rule], inbound: bool, protocol: &str, dst: IpAddr, dport: u16) -> &'static str {
    let src: IpAddr = SOURCE.parse().expect("source");
    let mut all_rules: Vec<Rule> = rules
        .iter()
        .filter(|r| r.inbound == inbound)
        .cloned()
        .collect();
    let default = |name: &str, priority, allow, s: &str, d: &str| Rule {
        name: name.into(),
        priority,
        inbound,
        allow,
        protocol: "*".into(),
        source: vec![s.into()],
        destination: vec![d.into()],
        ports: vec!["*".into()],
    };
    if inbound {
        all_rules.push(default(
            "AllowVnetInBound",
            65000,
            true,
            "VirtualNetwork",
            "VirtualNetwork",
        ));
        all_rules.push(default(
            "AllowAzureLoadBalancerInBound",
            65001,
            true,
            "AzureLoadBalancer",
            "*",
        ));
        all_rules.push(default("DenyAllInBound", 65500, false, "*", "*"));
    } else {
        all_rules.push(default(
            "AllowVnetOutBound",
            65000,
            true,
            "VirtualNetwork",
            "VirtualNetwork",
        ));
        all_rules.push(default(
            "AllowInternetOutBound",
            65001,
            true,
            "*",
            "Internet",
        ));
        all_rules.push(default("DenyAllOutBound", 65500, false, "*", "*"));
    }
    all_rules.sort_by_key(|r| r.priority);
    let icmp = protocol == "Icmp";
    let (mut may_allow, mut may_deny) = (false, false);
    for r in &all_rules {
        let proto = if r.protocol == "*" || r.protocol.eq_ignore_ascii_case(protocol) {
            M::Yes
        } else {
            M::No
        };
        let m = all(&[
            proto,
            any(r.source.iter().map(|p| prefix(p, src))),
            any(r.destination.iter().map(|p| prefix(p, dst))),
            any(r.ports.iter().map(|p| port(p, dport, icmp))),
        ]);
        match m {
            M::No => continue,
            M::Yes | M::Maybe => {
                if r.allow {
                    may_allow = true;
                } else {
                    may_deny = true;
                }
                if m == M::Yes {
                    break;
                }
            }
        }
    }
    match (may_allow, may_deny) {
        (true, false) => "allow",
        (false, true) => "deny",
        _ => "unknown",
    }
}

#[test]
fn verdicts_equal_the_reference_model() {
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let vnet: Vec<IpNet> = vec![VNET.parse().expect("vnet")];
    let mut checked = 0;
    for case in 0..1500 {
        let rules = random_rules(&mut rng);
        let inv = inventory(&rules);
        let nsg = inv.of_type("microsoft.network/networksecuritygroups")[0];
        for _ in 0..12 {
            let inbound = rng.below(2) == 0;
            let protocol = rng.pick(&["Tcp", "Udp", "Icmp"]);
            let dst: IpAddr = rng.pick(DESTINATIONS).parse().expect("ip");
            let dport = [53u16, 443, 20480, 80, 8080][rng.below(5)];
            let flow = Flow {
                protocol: match protocol {
                    "Tcp" => "Tcp",
                    "Udp" => "Udp",
                    _ => "Icmp",
                },
                source: Endpoint::Ip(SOURCE.parse().expect("ip")),
                destination: Endpoint::Ip(dst),
                port: dport,
                source_asgs: Asgs::Known(Vec::new()),
                destination_asgs: Asgs::Known(Vec::new()),
            };
            let direction = if inbound {
                Direction::Inbound
            } else {
                Direction::Outbound
            };
            let got = match evaluate(&inv, nsg, direction, &flow, &vnet) {
                Verdict::Allow => "allow",
                Verdict::Deny { .. } => "deny",
                Verdict::Unknown(_) => "unknown",
            };
            let want = model(&rules, inbound, protocol, dst, dport);
            assert_eq!(
                got, want,
                "case {case}: {direction:?} {protocol} {SOURCE} -> {dst}:{dport}\nrules: {rules:#?}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 18_000);
}
