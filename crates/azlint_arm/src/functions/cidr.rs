//! CIDR functions: `parseCidr`, `cidrSubnet`, `cidrHost`.
//!
//! Addresses are handled as `u128` (IPv4 in the low 32 bits) with checked arithmetic, so no
//! index, however large, can overflow. What Microsoft's reference documents:
//!
//! - `parseCidr('10.144.0.0/20')` is `{network, netmask, broadcast, firstUsable, lastUsable,
//!   cidr}`, with the network and broadcast addresses not usable; an IPv6 range has no
//!   `broadcast`, and its `firstUsable` is the network address itself.
//! - `cidrSubnet(network, newCIDR, subnetIndex)` is the `subnetIndex`-th `/newCIDR` range.
//! - `cidrHost(network, hostIndex)`: index 0 is the address after the network address, for
//!   IPv4 and (as the reference's example `fdad:3236:5555:3000::1` shows) for IPv6 too.
//!
//! Not documented, chosen here: an IPv4 `/31` has both its addresses usable and a `/32` its
//! only one (RFC 3021), where subtracting network and broadcast would leave none; an index
//! beyond the range (or negative) is an error.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use super::{arity, int_arg, str_arg, Host};
use crate::fail;
use crate::value::{EvalError, EvalResult, Obj, Val};

pub fn call(name: &str, args: &[Val], _host: &mut dyn Host) -> Option<EvalResult> {
    Some(match name {
        "parsecidr" => parse_cidr(args),
        "cidrsubnet" => cidr_subnet(args),
        "cidrhost" => cidr_host(args),
        _ => return None,
    })
}

/// A network: its first address and prefix, IPv4 or IPv6.
struct Net {
    v6: bool,
    network: u128,
    prefix: u32,
}

impl Net {
    fn parse(name: &str, text: &str) -> Result<Net, EvalError> {
        match text.parse::<IpNet>() {
            Ok(IpNet::V4(n)) => Ok(Net {
                v6: false,
                network: u128::from(u32::from(n.network())),
                prefix: u32::from(n.prefix_len()),
            }),
            Ok(IpNet::V6(n)) => Ok(Net {
                v6: true,
                network: u128::from(n.network()),
                prefix: u32::from(n.prefix_len()),
            }),
            Err(_) => Err(EvalError(format!(
                "`{name}()`: '{text}' is not an IP address range in CIDR notation \
                 (like '10.0.0.0/16' or 'fd00::/48')"
            ))),
        }
    }

    fn bits(&self) -> u32 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    /// The host part's mask: the addresses in the range are `network..=network | hostmask`.
    fn hostmask(&self) -> u128 {
        let host_bits = self.bits() - self.prefix;
        1u128.checked_shl(host_bits).map_or(u128::MAX, |b| b - 1)
    }

    fn netmask(&self) -> u128 {
        let all = if self.v6 {
            u128::MAX
        } else {
            u128::from(u32::MAX)
        };
        all & !self.hostmask()
    }

    fn last(&self) -> u128 {
        self.network | self.hostmask()
    }

    /// The first and last addresses a host can have, as `parseCidr` reports them.
    fn usable(&self) -> (u128, u128) {
        if self.v6 || self.prefix >= 31 {
            (self.network, self.last())
        } else {
            (self.network + 1, self.last() - 1)
        }
    }

    fn addr(&self, a: u128) -> String {
        if self.v6 {
            Ipv6Addr::from(a).to_string()
        } else {
            // `a` is within the IPv4 range: it is an address of this network.
            Ipv4Addr::from(a as u32).to_string()
        }
    }
}

fn parse_cidr(args: &[Val]) -> EvalResult {
    const NAME: &str = "parseCidr";
    arity(NAME, args, 1, 1)?;
    let net = Net::parse(NAME, str_arg(NAME, args, 0)?)?;
    let (first, last) = net.usable();
    let mut o = Obj::with_capacity(6);
    o.push("network", Val::str(net.addr(net.network)));
    o.push("netmask", Val::str(net.addr(net.netmask())));
    if !net.v6 {
        o.push("broadcast", Val::str(net.addr(net.last())));
    }
    o.push("firstUsable", Val::str(net.addr(first)));
    o.push("lastUsable", Val::str(net.addr(last)));
    o.push("cidr", Val::Int(i64::from(net.prefix)));
    Ok(Val::object(o))
}

fn cidr_subnet(args: &[Val]) -> EvalResult {
    const NAME: &str = "cidrSubnet";
    arity(NAME, args, 3, 3)?;
    let text = str_arg(NAME, args, 0)?;
    let net = Net::parse(NAME, text)?;
    let new_cidr = int_arg(NAME, args, 1)?;
    let index = int_arg(NAME, args, 2)?;
    let bits = net.bits();
    let new_cidr = match u32::try_from(new_cidr) {
        Ok(c) if (net.prefix..=bits).contains(&c) => c,
        _ => fail!(
            "`{NAME}()`: newCIDR {new_cidr} must be between the network's CIDR {} and {bits}",
            net.prefix
        ),
    };
    let extra = new_cidr - net.prefix;
    // 2^extra subnets; `None` when that is 2^128, more than any index.
    let count = 1u128.checked_shl(extra);
    let index_ok = u128::try_from(index)
        .ok()
        .filter(|i| count.is_none_or(|c| *i < c));
    let Some(i) = index_ok else {
        let range = match count {
            Some(c) => format!("0 to {}", c - 1),
            None => "0 or more".into(),
        };
        fail!(
            "`{NAME}()`: subnetIndex {index} is out of range: '{text}' has {} /{new_cidr} \
             subnets (indexes {range})",
            count.map_or("2^128".into(), |c| c.to_string())
        );
    };
    // `i < 2^extra`, so `i << (bits - new_cidr)` stays below 2^(bits - prefix).
    let offset = i.checked_shl(bits - new_cidr).unwrap_or(0);
    Ok(Val::str(format!(
        "{}/{new_cidr}",
        net.addr(net.network | offset)
    )))
}

fn cidr_host(args: &[Val]) -> EvalResult {
    const NAME: &str = "cidrHost";
    arity(NAME, args, 2, 2)?;
    let text = str_arg(NAME, args, 0)?;
    let net = Net::parse(NAME, text)?;
    let index = int_arg(NAME, args, 1)?;
    let (first, last) = if net.v6 {
        // Index 0 is the address after the network address (`fdad:3236:5555:3000::1` in the
        // reference), up to the last address of the range.
        match net.network.checked_add(1).filter(|f| *f <= net.last()) {
            Some(f) => (f, net.last()),
            None => fail!("`{NAME}()`: '{text}' has no host addresses"),
        }
    } else {
        net.usable()
    };
    let host = u128::try_from(index)
        .ok()
        .and_then(|i| first.checked_add(i))
        .filter(|h| *h <= last);
    let Some(host) = host else {
        fail!(
            "`{NAME}()`: hostIndex {index} is out of range: the hosts of '{text}' are {} to {} \
             (indexes 0 to {})",
            net.addr(first),
            net.addr(last),
            last - first
        );
    };
    Ok(Val::str(net.addr(host)))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::functions::NoHost;

    fn run(name: &str, args: &[Val]) -> EvalResult {
        call(&name.to_lowercase(), args, &mut NoHost).expect("a cidr function")
    }

    fn parse(network: &str) -> serde_json::Value {
        run("parseCidr", &[network.into()])
            .expect("parseCidr")
            .to_serde()
    }

    fn subnet(network: &str, cidr: i64, index: i64) -> Result<String, String> {
        match run(
            "cidrSubnet",
            &[network.into(), Val::Int(cidr), Val::Int(index)],
        ) {
            Ok(Val::Str(s)) => Ok(s.to_string()),
            Ok(v) => panic!("expected a string, got {v:?}"),
            Err(e) => Err(e.0),
        }
    }

    fn host(network: &str, index: i64) -> Result<String, String> {
        match run("cidrHost", &[network.into(), Val::Int(index)]) {
            Ok(Val::Str(s)) => Ok(s.to_string()),
            Ok(v) => panic!("expected a string, got {v:?}"),
            Err(e) => Err(e.0),
        }
    }

    fn keys(v: &serde_json::Value) -> Vec<&str> {
        v.as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect()
    }

    // --- Documented examples (template-functions-cidr) ---

    #[test]
    fn documented_parse_cidr_v4() {
        let v = parse("10.144.0.0/20");
        assert_eq!(
            v,
            serde_json::json!({
              "network":"10.144.0.0",
              "netmask":"255.255.240.0",
              "broadcast":"10.144.15.255",
              "firstUsable":"10.144.0.1",
              "lastUsable":"10.144.15.254",
              "cidr":20
            })
        );
        // In the documented order (the comparison above ignores it).
        let ordered: Vec<String> = run("parseCidr", &["10.144.0.0/20".into()])
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(
            ordered,
            [
                "network",
                "netmask",
                "broadcast",
                "firstUsable",
                "lastUsable",
                "cidr"
            ]
        );
    }

    #[test]
    fn documented_parse_cidr_v6() {
        let v = parse("fdad:3236:5555::/48");
        assert_eq!(
            v,
            serde_json::json!({
              "network":"fdad:3236:5555::",
              "netmask":"ffff:ffff:ffff::",
              "firstUsable":"fdad:3236:5555::",
              "lastUsable":"fdad:3236:5555:ffff:ffff:ffff:ffff:ffff",
              "cidr":48
            })
        );
        assert!(!keys(&v).contains(&"broadcast"));
    }

    #[test]
    fn documented_cidr_subnet() {
        let v4: Vec<_> = (0..5)
            .map(|i| subnet("10.144.0.0/20", 24, i).unwrap())
            .collect();
        assert_eq!(
            v4,
            [
                "10.144.0.0/24",
                "10.144.1.0/24",
                "10.144.2.0/24",
                "10.144.3.0/24",
                "10.144.4.0/24"
            ]
        );
        let v6: Vec<_> = (0..5)
            .map(|i| subnet("fdad:3236:5555::/48", 52, i).unwrap())
            .collect();
        assert_eq!(
            v6,
            [
                "fdad:3236:5555::/52",
                "fdad:3236:5555:1000::/52",
                "fdad:3236:5555:2000::/52",
                "fdad:3236:5555:3000::/52",
                "fdad:3236:5555:4000::/52"
            ]
        );
    }

    #[test]
    fn documented_cidr_host() {
        let v4: Vec<_> = (0..5).map(|i| host("10.144.3.0/24", i).unwrap()).collect();
        assert_eq!(
            v4,
            [
                "10.144.3.1",
                "10.144.3.2",
                "10.144.3.3",
                "10.144.3.4",
                "10.144.3.5"
            ]
        );
        let v6: Vec<_> = (0..5)
            .map(|i| host("fdad:3236:5555:3000::/52", i).unwrap())
            .collect();
        assert_eq!(
            v6,
            [
                "fdad:3236:5555:3000::1",
                "fdad:3236:5555:3000::2",
                "fdad:3236:5555:3000::3",
                "fdad:3236:5555:3000::4",
                "fdad:3236:5555:3000::5"
            ]
        );
        // The reference's text: 192.168.1.0/24 gives 192.168.1.1 for 0, and on Azure the
        // first usable host is index 3.
        assert_eq!(host("192.168.1.0/24", 0).unwrap(), "192.168.1.1");
        assert_eq!(host("192.168.1.0/24", 3).unwrap(), "192.168.1.4");
        assert_eq!(host("192.168.1.0/24", 253).unwrap(), "192.168.1.254");
    }

    // --- Edge cases ---

    #[test]
    fn host_bits_are_masked() {
        let v = parse("10.144.7.9/20");
        assert_eq!(v["network"], "10.144.0.0");
        assert_eq!(v["broadcast"], "10.144.15.255");
        assert_eq!(subnet("10.144.7.9/20", 24, 1).unwrap(), "10.144.1.0/24");
        assert_eq!(host("10.144.7.9/20", 0).unwrap(), "10.144.0.1");
    }

    #[test]
    fn v4_extremes() {
        assert_eq!(
            parse("0.0.0.0/0"),
            serde_json::json!({
              "network":"0.0.0.0",
              "netmask":"0.0.0.0",
              "broadcast":"255.255.255.255",
              "firstUsable":"0.0.0.1",
              "lastUsable":"255.255.255.254",
              "cidr":0
            })
        );
        assert_eq!(
            parse("10.1.2.3/32"),
            serde_json::json!({
              "network":"10.1.2.3",
              "netmask":"255.255.255.255",
              "broadcast":"10.1.2.3",
              "firstUsable":"10.1.2.3",
              "lastUsable":"10.1.2.3",
              "cidr":32
            })
        );
        let v = parse("10.1.2.3/31");
        assert_eq!(v["network"], "10.1.2.2");
        assert_eq!(v["broadcast"], "10.1.2.3");
        assert_eq!(v["firstUsable"], "10.1.2.2");
        assert_eq!(v["lastUsable"], "10.1.2.3");
        let v = parse("10.1.2.3/30");
        assert_eq!(v["firstUsable"], "10.1.2.1");
        assert_eq!(v["lastUsable"], "10.1.2.2");

        assert_eq!(host("10.1.2.3/32", 0).unwrap(), "10.1.2.3");
        assert!(host("10.1.2.3/32", 1).unwrap_err().contains("out of range"));
        assert_eq!(host("10.1.2.2/31", 1).unwrap(), "10.1.2.3");
        assert!(host("10.1.2.2/31", 2).is_err());
        assert_eq!(host("0.0.0.0/0", 4_294_967_293).unwrap(), "255.255.255.254");
        assert!(host("0.0.0.0/0", 4_294_967_294).is_err());
        assert!(host("10.144.3.0/24", 254)
            .unwrap_err()
            .contains("indexes 0 to 253"));
        assert!(host("10.144.3.0/24", -1).is_err());
        assert!(host("10.144.3.0/24", i64::MAX).is_err());

        assert_eq!(subnet("0.0.0.0/0", 0, 0).unwrap(), "0.0.0.0/0");
        assert!(subnet("0.0.0.0/0", 0, 1).is_err());
        assert_eq!(
            subnet("0.0.0.0/0", 32, 4_294_967_295).unwrap(),
            "255.255.255.255/32"
        );
        assert!(subnet("0.0.0.0/0", 32, 4_294_967_296).is_err());
        assert_eq!(subnet("10.1.2.3/32", 32, 0).unwrap(), "10.1.2.3/32");
        assert_eq!(subnet("10.144.0.0/20", 20, 0).unwrap(), "10.144.0.0/20");
        assert_eq!(subnet("10.144.0.0/20", 24, 15).unwrap(), "10.144.15.0/24");
        assert!(subnet("10.144.0.0/20", 24, 16)
            .unwrap_err()
            .contains("indexes 0 to 15"));
        assert!(subnet("10.144.0.0/20", 24, -1).is_err());
        assert!(subnet("10.144.0.0/20", 19, 0)
            .unwrap_err()
            .contains("newCIDR"));
        assert!(subnet("10.144.0.0/20", 33, 0).is_err());
        assert!(subnet("10.144.0.0/20", -24, 0).is_err());
    }

    #[test]
    fn v6_extremes() {
        assert_eq!(
            parse("::/0"),
            serde_json::json!({
              "network":"::",
              "netmask":"::",
              "firstUsable":"::",
              "lastUsable":"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
              "cidr":0
            })
        );
        let v = parse("2001:db8::1/128");
        assert_eq!(v["network"], "2001:db8::1");
        assert_eq!(v["netmask"], "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        assert_eq!(v["lastUsable"], "2001:db8::1");
        // Host bits are masked; zero groups compressed as RFC 5952 says.
        assert_eq!(
            parse("FDAD:3236:5555:1:2::/64")["network"],
            "fdad:3236:5555:1::"
        );

        assert_eq!(
            subnet("::/0", 128, i64::MAX).unwrap(),
            "::7fff:ffff:ffff:ffff/128"
        );
        assert_eq!(subnet("::/0", 1, 1).unwrap(), "8000::/1");
        assert_eq!(subnet("::/0", 0, 0).unwrap(), "::/0");
        assert!(subnet("::/0", 0, 1).is_err());
        assert_eq!(
            subnet("fd00::/64", 128, i64::MAX).unwrap(),
            "fd00::7fff:ffff:ffff:ffff/128"
        );
        assert_eq!(subnet("fd00::/64", 65, 1).unwrap(), "fd00::8000:0:0:0/65");
        assert!(subnet("fd00::/64", 65, 2)
            .unwrap_err()
            .contains("indexes 0 to 1"));
        assert!(subnet("fd00::/64", 129, 0).is_err());

        assert_eq!(host("::/0", i64::MAX).unwrap(), "::8000:0:0:0");
        assert_eq!(host("fd00::/127", 0).unwrap(), "fd00::1");
        assert!(host("fd00::/127", 1).is_err());
        assert!(host("fd00::1/128", 0).unwrap_err().contains("no host"));
        assert_eq!(host("fd00::/64", i64::MAX).unwrap(), "fd00::8000:0:0:0");
    }

    #[test]
    fn bad_networks_are_errors() {
        for bad in [
            "",
            "garbage",
            "10.0.0.0",
            "10.0.0.0/33",
            "300.0.0.0/8",
            "10.0.0/8",
            "10.0.0.0/-1",
            "fd00::/129",
            "fd00:::/64",
            " 10.0.0.0/8",
        ] {
            assert!(
                run("parseCidr", &[bad.into()]).is_err(),
                "{bad:?} should be rejected"
            );
            assert!(host(bad, 0).is_err(), "{bad:?}");
            assert!(subnet(bad, 32, 0).is_err(), "{bad:?}");
        }
        assert!(run("parseCidr", &[Val::Int(10)]).is_err());
        assert!(run("cidrHost", &["10.0.0.0/8".into(), "1".into()]).is_err());
        assert!(run("cidrSubnet", &["10.0.0.0/8".into(), Val::Int(16)]).is_err());
        assert!(call("cidr", &[], &mut NoHost).is_none());
    }
}
