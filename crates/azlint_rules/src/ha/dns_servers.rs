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

/// What differs between the VNET and the NIC rule.
struct Target {
    meta: &'static RuleMeta,
    type_lc: &'static str,
    what: &'static str,
    /// Path under `properties`, and the same as shown to users.
    path: &'static [&'static str],
    json_path: &'static str,
    in_scope: fn(&Context<'_>, ResIdx) -> bool,
    /// vSocket VMs that use the resource.
    users: fn(&Context<'_>, ResIdx) -> Vec<ResIdx>,
    only_private: fn(&str, &str) -> String,
    sentinel: fn(&str) -> (String, &'static str),
    help: fn(&str, &str) -> String,
}

fn check(t: &Target, cx: &Context<'_>, out: &mut Vec<Finding>) {
    for &res in cx.inv.of_type(t.type_lc) {
        if !(t.in_scope)(cx, res) {
            continue;
        }
        let doc = cx.inv.document_of(res);
        let list = match cx.inv.prop(res, t.path) {
            Lookup::Found(list) => list,
            Lookup::Absent => continue,
            Lookup::Unknown(u) => {
                out.push(cannot_tell(t.meta, cx, res, t.what, t.json_path, u));
                continue;
            }
        };
        let name = || cx.display_name(res);
        let f = match judge(doc, list) {
            Verdict::Fine => continue,
            Verdict::Unknown(u) => {
                out.push(cannot_tell(t.meta, cx, res, t.what, t.json_path, u));
                continue;
            }
            Verdict::OnlyPrivate(servers) => finding(
                t.meta,
                (t.only_private)(&name(), &describe(&servers)),
                cx.label(doc, list)
                    .with_message("no Azure or public DNS server here"),
            ),
            Verdict::SentinelNotAlone(s) => {
                let (message, label) = (t.sentinel)(&name());
                finding(t.meta, message, cx.label(doc, s).with_message(label))
            }
        };
        let id = cx.inv.id(res);
        let rg = id.as_deref().and_then(resource_group).unwrap_or("RG");
        let mut f = f
            .with_help((t.help)(rg, &name()))
            .with_resource(id.clone(), t.json_path);
        f.secondary = affected_vms(cx, (t.users)(cx, res).into_iter(), t.what);
        out.push(f);
    }
}

pub struct VnetDns;

static VNET_DNS: RuleMeta = RuleMeta {
    code: "HA002",
    name: "vnet-dns-not-public",
    pack: "ha",
    check: "S2",
    severity: Severity::Error,
    summary: "The vSocket VNET's DNS servers must be Azure-provided or include a public resolver",
};

static VNET_TARGET: Target = Target {
    meta: &VNET_DNS,
    type_lc: VNET,
    what: "VNET",
    path: &["dhcpOptions", "dnsServers"],
    json_path: "properties.dhcpOptions.dnsServers",
    in_scope: |cx, vnet| cx.facts.vnet_in_scope(vnet),
    users: |cx, vnet| {
        cx.facts
            .nics_in_vnet(vnet)
            .iter()
            .filter_map(|&nic| cx.facts.vm_of_nic(nic))
            .collect()
    },
    only_private: |name, servers| {
        format!("VNET `{name}` uses only non-public DNS servers: {servers}. The vSocket HA setup must resolve management.azure.com; with no Azure or public resolver, `create_ha_settings` fails to create its role assignments")
    },
    sentinel: |name| {
        (
            format!("VNET `{name}` lists `AzureProvidedDNS` among other DNS servers; that value is a NIC setting and Azure rejects it in a list"),
            "not valid here",
        )
    },
    help: |rg, name| {
        format!("set the VNET's DNS servers to Default (Azure-provided) or add a public resolver, then restart both vSocket VMs. Portal: Virtual network > Settings > DNS servers > Default (Azure-provided). CLI: az network vnet update -g {rg} -n {name} --dns-servers 168.63.129.16")
    },
};

impl Rule for VnetDns {
    fn meta(&self) -> &'static RuleMeta {
        &VNET_DNS
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        check(&VNET_TARGET, cx, out)
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

static NIC_TARGET: Target = Target {
    meta: &NIC_DNS,
    type_lc: NIC,
    what: "NIC",
    path: &["dnsSettings", "dnsServers"],
    json_path: "properties.dnsSettings.dnsServers",
    in_scope: |cx, nic| cx.facts.nic_in_scope(nic),
    users: |cx, nic| cx.facts.vm_of_nic(nic).into_iter().collect(),
    only_private: |name, servers| {
        format!("NIC `{name}` overrides the VNET's DNS with only non-public servers: {servers}. The vSocket on it cannot resolve management.azure.com, so the HA setup (`create_ha_settings`) fails")
    },
    sentinel: |name| {
        (
            format!("NIC `{name}` lists `AzureProvidedDNS` with other DNS servers; the sentinel must be the only value, and Azure rejects this list"),
            "must be the only entry",
        )
    },
    help: |rg, name| {
        format!("let the NIC inherit the VNET's DNS (or use Azure-provided DNS or a public resolver), then restart the vSocket VM. Portal: Network interface > Settings > DNS servers > Inherit from virtual network. CLI: az network nic update -g {rg} -n {name} --dns-servers 168.63.129.16")
    },
};

impl Rule for NicDns {
    fn meta(&self) -> &'static RuleMeta {
        &NIC_DNS
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        check(&NIC_TARGET, cx, out)
    }
}
