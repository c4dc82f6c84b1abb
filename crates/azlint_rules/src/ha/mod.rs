//! The Cato vSocket HA pack: checks S1-S18 of domain.md.

mod dns_servers;

use crate::Rule;

pub static RULES: &[&dyn Rule] = &[&dns_servers::VnetDns, &dns_servers::NicDns];
