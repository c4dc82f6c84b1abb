//! Which addresses are public.

use std::net::IpAddr;
use std::sync::LazyLock;

use ipnet::IpNet;

/// Ranges that are not globally routable, with the name users know them by.
pub const NON_PUBLIC: &[(&str, &str)] = &[
    ("10.0.0.0/8", "RFC 1918 private"),
    ("172.16.0.0/12", "RFC 1918 private"),
    ("192.168.0.0/16", "RFC 1918 private"),
    ("100.64.0.0/10", "CGNAT shared, RFC 6598"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("0.0.0.0/8", "\"this network\""),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation (TEST-NET-1)"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("::1/128", "loopback"),
    ("::/128", "unspecified"),
    ("fc00::/7", "unique local"),
    ("fe80::/10", "link-local"),
    ("ff00::/8", "multicast"),
    ("2001:db8::/32", "documentation"),
];

/// [`NON_PUBLIC`], parsed once: NSG evaluation and DNS checks ask about tens of thousands of
/// addresses on a large export, and parsing twenty prefixes for each showed in profiles.
static PARSED: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| {
    NON_PUBLIC
        .iter()
        .filter_map(|(net, name)| net.parse::<IpNet>().ok().map(|n| (n, *name)))
        .collect()
});

/// The non-public range an address is in (`::ffff:10.0.0.4` counts as 10.0.0.4), or `None`
/// for a globally routable address.
pub fn non_public_range(ip: IpAddr) -> Option<&'static str> {
    let ip = ip.to_canonical();
    PARSED
        .iter()
        .find(|(net, _)| net.contains(&ip))
        .map(|(_, name)| *name)
}

/// Whether an address is globally routable.
pub fn is_public_ip(ip: IpAddr) -> bool {
    non_public_range(ip).is_none()
}
