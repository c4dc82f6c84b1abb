//! Network facts on arbitrary inventories: bytes -> one JSON input -> for every NSG, its rules
//! and the verdict on a few fixed flows in both directions; for every subnet, its effective
//! routes, the route chosen for a few destinations, and the route public traffic takes.
//! Contract: no input panics.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use azlint_facts::nsg::{self, Asgs, Direction, Endpoint, Flow};
use azlint_facts::routes::{self, IpNet};
use azlint_inventory::{ingest, Inventory};
use azlint_source::{FileId, SourceFile};
use libfuzzer_sys::fuzz_target;

fn ip(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn flows() -> Vec<(Flow, Option<u16>)> {
    let lan = Endpoint::Ip(ip(10, 0, 1, 4));
    let peer = Endpoint::Ip(ip(10, 0, 1, 5));
    vec![
        (
            Flow {
                protocol: "Tcp",
                source: lan,
                destination: Endpoint::Internet,
                port: 443,
                source_asgs: Asgs::Unknown,
                destination_asgs: Asgs::Known(vec![]),
            },
            None,
        ),
        (
            Flow {
                protocol: "Udp",
                source: lan,
                destination: peer,
                port: 53,
                source_asgs: Asgs::Known(vec!["/subscriptions/x/asg".into()]),
                destination_asgs: Asgs::Unknown,
            },
            Some(53),
        ),
        (
            Flow {
                protocol: "Icmp",
                source: Endpoint::Internet,
                destination: peer,
                port: 0,
                source_asgs: Asgs::Known(vec![]),
                destination_asgs: Asgs::Known(vec![]),
            },
            None,
        ),
        (
            Flow {
                protocol: "Tcp",
                source: Endpoint::Ip(ip(192, 168, 0, 1)),
                destination: Endpoint::Ip(ip(100, 64, 0, 1)),
                port: 65535,
                source_asgs: Asgs::Unknown,
                destination_asgs: Asgs::Unknown,
            },
            Some(0),
        ),
    ]
}

fuzz_target!(|data: &[u8]| {
    let Ok(file) = SourceFile::from_bytes("network.json", data.to_vec()) else {
        return;
    };
    let Ok(tree) = file.parse() else { return };
    let inv = Inventory::build(vec![ingest(FileId(0), Arc::new(file), tree)]);
    let vnet: Vec<IpNet> = vec!["10.0.0.0/16".parse().unwrap(), "fd00::/8".parse().unwrap()];
    let flows = flows();
    for &n in inv.of_type(azlint_facts::NSG) {
        for (flow, source_port) in &flows {
            for direction in [Direction::Inbound, Direction::Outbound] {
                let _ = nsg::evaluate(&inv, n, direction, flow, &vnet);
                if let Ok(rules) = nsg::rules(&inv, n) {
                    let _ = nsg::decide(&rules, direction, flow, *source_port, &vnet);
                    let _ = nsg::judge(&rules, direction, flow, &[]);
                }
            }
        }
    }
    let destinations = [
        ip(0, 0, 0, 0),
        ip(8, 8, 8, 8),
        ip(10, 0, 1, 4),
        ip(168, 63, 129, 16),
        ip(255, 255, 255, 255),
        "fd00::1".parse().unwrap(),
    ];
    for &s in inv.of_type(azlint_facts::SUBNET) {
        let eff = routes::effective(&inv, s);
        for d in destinations {
            let sel = eff.select(d);
            if let Some(r) = sel.route {
                assert!(
                    r < eff.routes.len(),
                    "selected route {r} of {}",
                    eff.routes.len()
                );
            }
        }
        if let Some(r) = eff.public_route() {
            assert!(
                r < eff.routes.len(),
                "public route {r} of {}",
                eff.routes.len()
            );
        }
    }
});
