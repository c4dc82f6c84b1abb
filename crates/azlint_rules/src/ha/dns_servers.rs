//! S2 and S3: the VNET's and the vSocket NICs' DNS servers must be Azure's or public.
//!
//! The HA script creates role assignments through `management.azure.com`; a vSocket whose DNS
//! is only private servers cannot resolve it and `create_ha_settings` fails ([Cato-TS]: "Use of
//! non-public DNS in Azure"). The rule is "empty/default or has a public resolver", not "must
//! be empty": Cato's own modules set `168.63.129.16, 10.254.254.1, 1.1.1.1, 8.8.8.8`, which must
//! stay silent (domain.md 1.7).

use azlint_diagnostics::{Finding, Label, Severity};
use azlint_facts::{NIC, VNET};
use azlint_inventory::{is_expression, Document, Lookup, ResIdx, Unknown};
use azlint_source::Value;

use crate::dns::{classify, Resolver, AZURE_PROVIDED_SENTINEL};
use crate::{finding, resource_group, Context, Rule, RuleMeta};

/// What a DNS server list amounts to.
enum Verdict<'a> {
    /// Default, or at least one resolver that answers public names.
    Fine,
    /// Non-empty, and no server resolves public names.
    OnlyPrivate(Vec<(Value<'a>, Resolver)>),
    /// `AzureProvidedDNS` next to other servers: Azure rejects the list.
    SentinelNotAlone(Value<'a>),
    /// An entry is a template expression and nothing known settles it.
    Unknown(Unknown<'a>),
}

fn judge<'a>(doc: &Document, list: Value<'a>) -> Verdict<'a> {
    let servers: Vec<Value<'a>> = list.elements().collect();
    if servers.len() > 1 {
        if let Some(s) = servers
            .iter()
            .find(|s| s.str_eq_ignore_case(AZURE_PROVIDED_SENTINEL))
        {
            return Verdict::SentinelNotAlone(*s);
        }
    }
    let mut private = Vec::new();
    let mut unknown = None;
    for s in servers {
        if doc.is_template() && is_expression(s) {
            unknown.get_or_insert(s);
            continue;
        }
        let class = s
            .as_str()
            .map(|t| classify(&t))
            .unwrap_or(Resolver::Invalid);
        if class.resolves_public_names() {
            return Verdict::Fine;
        }
        private.push((s, class));
    }
    match unknown {
        Some(at) => Verdict::Unknown(Unknown {
            reason: format!(
                "`{}` is a template expression, unknown until the template is evaluated",
                at.as_str().unwrap_or_default()
            ),
            at: Some(at),
        }),
        None if private.is_empty() => Verdict::Fine,
        None => Verdict::OnlyPrivate(private),
    }
}

/// "10.0.0.4 (RFC 1918 private), 10.0.0.5 (RFC 1918 private)"
fn describe(servers: &[(Value<'_>, Resolver)]) -> String {
    servers
        .iter()
        .map(|(v, class)| {
            let text = v
                .as_str()
                .map(|s| s.into_owned())
                .unwrap_or_else(|| v.source_text().to_string());
            match class {
                Resolver::Private(range) => format!("{text} ({range})"),
                _ => format!("{text} (not an IP address)"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A "cannot tell" note for a resource whose DNS servers the input does not show.
fn cannot_tell(
    meta: &'static RuleMeta,
    cx: &Context<'_>,
    res: ResIdx,
    what: &str,
    path: &str,
    unknown: Unknown<'_>,
) -> Finding {
    let doc = cx.inv.document_of(res);
    let primary = match unknown.at {
        Some(v) => cx.label(doc, v),
        None => cx.name_label(res),
    };
    let mut f = finding(
        meta,
        format!(
            "cannot tell whether {what} `{}` uses an Azure or public DNS server: {}",
            cx.display_name(res),
            unknown.reason
        ),
        primary.with_message("unknown"),
    )
    .cannot_tell();
    f.severity = Severity::Note;
    f.with_resource(cx.inv.id(res), path)
}

/// Secondary labels at the vSocket VMs that a finding affects.
fn affected_vms(cx: &Context<'_>, vms: impl Iterator<Item = ResIdx>, what: &str) -> Vec<Label> {
    let mut vms: Vec<ResIdx> = vms.collect();
    vms.sort_unstable();
    vms.dedup();
    vms.into_iter()
        .map(|vm| {
            cx.name_label(vm).with_message(format!(
                "vSocket `{}` uses this {what}",
                cx.display_name(vm)
            ))
        })
        .collect()
}

const VNET_PATH: &str = "properties.dhcpOptions.dnsServers";
const NIC_PATH: &str = "properties.dnsSettings.dnsServers";

pub struct VnetDns;

static VNET_DNS: RuleMeta = RuleMeta {
    code: "HA002",
    name: "vnet-dns-not-public",
    pack: "ha",
    check: "S2",
    severity: Severity::Error,
    summary: "The vSocket VNET's DNS servers must be Azure-provided or include a public resolver",
};

impl Rule for VnetDns {
    fn meta(&self) -> &'static RuleMeta {
        &VNET_DNS
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for &vnet in cx.inv.of_type(VNET) {
            if !cx.facts.vnet_in_scope(vnet) {
                continue;
            }
            let doc = cx.inv.document_of(vnet);
            let list = match cx.inv.prop(vnet, &["dhcpOptions", "dnsServers"]) {
                Lookup::Found(list) => list,
                Lookup::Absent => continue,
                Lookup::Unknown(u) => {
                    out.push(cannot_tell(&VNET_DNS, cx, vnet, "VNET", VNET_PATH, u));
                    continue;
                }
            };
            let name = cx.display_name(vnet);
            let id = cx.inv.id(vnet);
            let rg = id
                .as_deref()
                .and_then(resource_group)
                .unwrap_or("RG")
                .to_string();
            let vms = cx
                .facts
                .nics_in_vnet(cx.inv, vnet)
                .filter_map(|nic| cx.facts.vm_of_nic(nic));
            let f = match judge(doc, list) {
                Verdict::Fine => continue,
                Verdict::Unknown(u) => {
                    out.push(cannot_tell(&VNET_DNS, cx, vnet, "VNET", VNET_PATH, u));
                    continue;
                }
                Verdict::OnlyPrivate(servers) => finding(
                    &VNET_DNS,
                    format!(
                        "VNET `{name}` uses only private DNS servers: {}. The vSocket HA setup must resolve management.azure.com; with no Azure or public resolver, `create_ha_settings` fails to create its role assignments",
                        describe(&servers)
                    ),
                    cx.label(doc, list).with_message("no Azure or public DNS server here"),
                ),
                Verdict::SentinelNotAlone(s) => finding(
                    &VNET_DNS,
                    format!("VNET `{name}` lists `AzureProvidedDNS` among other DNS servers; that value is a NIC setting and Azure rejects it in a list"),
                    cx.label(doc, s).with_message("not valid here"),
                ),
            };
            let mut f = f
                .with_help(format!(
                    "set the VNET's DNS servers to Default (Azure-provided) or add a public resolver, then restart both vSocket VMs. Portal: Virtual network > Settings > DNS servers > Default (Azure-provided). CLI: az network vnet update -g {rg} -n {name} --dns-servers 168.63.129.16"
                ))
                .with_resource(id, VNET_PATH);
            f.secondary = affected_vms(cx, vms, "VNET");
            out.push(f);
        }
    }
}

pub struct NicDns;

static NIC_DNS: RuleMeta = RuleMeta {
    code: "HA003",
    name: "nic-dns-not-public",
    pack: "ha",
    check: "S3",
    severity: Severity::Error,
    summary:
        "A vSocket NIC's DNS servers must be inherited, Azure-provided or include a public resolver",
};

impl Rule for NicDns {
    fn meta(&self) -> &'static RuleMeta {
        &NIC_DNS
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for &nic in cx.inv.of_type(NIC) {
            if !cx.facts.nic_in_scope(nic) {
                continue;
            }
            let doc = cx.inv.document_of(nic);
            let list = match cx.inv.prop(nic, &["dnsSettings", "dnsServers"]) {
                Lookup::Found(list) => list,
                Lookup::Absent => continue,
                Lookup::Unknown(u) => {
                    out.push(cannot_tell(&NIC_DNS, cx, nic, "NIC", NIC_PATH, u));
                    continue;
                }
            };
            let name = cx.display_name(nic);
            let id = cx.inv.id(nic);
            let rg = id
                .as_deref()
                .and_then(resource_group)
                .unwrap_or("RG")
                .to_string();
            let f = match judge(doc, list) {
                Verdict::Fine => continue,
                Verdict::Unknown(u) => {
                    out.push(cannot_tell(&NIC_DNS, cx, nic, "NIC", NIC_PATH, u));
                    continue;
                }
                Verdict::OnlyPrivate(servers) => finding(
                    &NIC_DNS,
                    format!(
                        "NIC `{name}` overrides the VNET's DNS with only private servers: {}. The vSocket on it cannot resolve management.azure.com, so the HA setup (`create_ha_settings`) fails",
                        describe(&servers)
                    ),
                    cx.label(doc, list).with_message("no Azure or public DNS server here"),
                ),
                Verdict::SentinelNotAlone(s) => finding(
                    &NIC_DNS,
                    format!("NIC `{name}` lists `AzureProvidedDNS` with other DNS servers; the sentinel must be the only value, and Azure rejects this list"),
                    cx.label(doc, s).with_message("must be the only entry"),
                ),
            };
            let mut f = f
                .with_help(format!(
                    "let the NIC inherit the VNET's DNS (or use Azure-provided DNS or a public resolver), then restart the vSocket VM. Portal: Network interface > Settings > DNS servers > Inherit from virtual network. CLI: az network nic update -g {rg} -n {name} --dns-servers 168.63.129.16"
                ))
                .with_resource(id, NIC_PATH);
            f.secondary = affected_vms(cx, cx.facts.vm_of_nic(nic).into_iter(), "NIC");
            out.push(f);
        }
    }
}
