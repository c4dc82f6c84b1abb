//! What kind of resolver a DNS server address is (domain.md 1.7).

use std::net::IpAddr;

/// Azure's virtual public IP: Azure-provided DNS.
pub const AZURE_DNS: &str = "168.63.129.16";
/// The sentinel a NIC uses for "Azure-provided DNS".
pub const AZURE_PROVIDED_SENTINEL: &str = "AzureProvidedDNS";
/// Cato Cloud DNS, part of Cato's own recommended VNET list.
pub const CATO_DNS: &str = "10.254.254.1";

/// How a configured DNS server is classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolver {
    /// `168.63.129.16`, or the NIC sentinel `AzureProvidedDNS`.
    Azure,
    /// Cato Cloud DNS (`10.254.254.1`): allowlisted, never the reason for a finding.
    Cato,
    /// A globally routable address.
    Public,
    /// An address the vSocket cannot use to reach public names before its tunnel is up:
    /// the range it is in, e.g. "RFC 1918 private".
    Private(&'static str),
    /// Not an IP address.
    Invalid,
}

impl Resolver {
    /// Whether this server lets the HA script resolve `management.azure.com`.
    pub fn resolves_public_names(&self) -> bool {
        matches!(self, Resolver::Azure | Resolver::Cato | Resolver::Public)
    }
}

pub fn classify(server: &str) -> Resolver {
    let s = server.trim();
    if s.eq_ignore_ascii_case(AZURE_PROVIDED_SENTINEL) || s == AZURE_DNS {
        return Resolver::Azure;
    }
    if s == CATO_DNS {
        return Resolver::Cato;
    }
    let Ok(ip) = s.parse::<IpAddr>() else {
        return Resolver::Invalid;
    };
    match azlint_facts::non_public_range(ip) {
        Some(name) => Resolver::Private(name),
        None => Resolver::Public,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_like_domain_md() {
        assert_eq!(classify("168.63.129.16"), Resolver::Azure);
        assert_eq!(classify("AzureProvidedDNS"), Resolver::Azure);
        assert_eq!(classify("10.254.254.1"), Resolver::Cato);
        assert_eq!(classify("1.1.1.1"), Resolver::Public);
        assert_eq!(classify("8.8.8.8"), Resolver::Public);
        assert_eq!(classify("2606:4700:4700::1111"), Resolver::Public);
        assert_eq!(classify("10.20.1.4"), Resolver::Private("RFC 1918 private"));
        assert_eq!(
            classify("172.31.0.2"),
            Resolver::Private("RFC 1918 private")
        );
        assert_eq!(classify("172.32.0.2"), Resolver::Public);
        assert_eq!(
            classify("100.64.0.10"),
            Resolver::Private("CGNAT shared, RFC 6598")
        );
        assert_eq!(classify("fd00::53"), Resolver::Private("unique local"));
        assert_eq!(classify("dns.example.com"), Resolver::Invalid);
        assert_eq!(
            classify("::ffff:10.0.0.4"),
            Resolver::Private("RFC 1918 private")
        );
        assert_eq!(classify("::ffff:1.1.1.1"), Resolver::Public);
    }
}
