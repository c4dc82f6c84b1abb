//! Facts by name: what rules can ask of the engine beyond the JSON of one resource.
//!
//! Each fact is answered for the resource a rule is looking at (a NIC's role, the site's
//! floating IP, who holds a role on this resource). Values that come from an input keep their
//! place, so a rule can point at them (`related`). A fact the inputs cannot show (role
//! assignments that were not exported, a subnet that is not in the inputs) is unknown with the
//! reason, and rules that use it answer "cannot tell".

use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;
use std::net::IpAddr;

use azlint_facts::nsg::{decide, Asgs, Direction, Endpoint, Flow, Verdict};
use azlint_facts::routes::prefixes;
use azlint_facts::{primary_config, Attached, NicRole, Site, CONTRIBUTOR, OWNER, VM_CONTRIBUTOR};
use azlint_inventory::{
    id_key, is_expression_text, parent_key, props_of, resource_group_key, symbol, Lookup, ResIdx,
    Unknown,
};
use azlint_source::Value;
use ipnet::IpNet;

use crate::condition::{FactAnswer, Item, Scalar};
use crate::Context;

/// Every fact, with what it gives (for `azlint explain facts` and the rule schema).
pub const FACTS: &[(&str, &str)] = &[
    ("vsocket.nic_role", "for a vSocket NIC: MGMT, WAN or LAN"),
    ("vsocket.vm", "for a vSocket NIC: its VM's name; for a vSocket VM: its own"),
    ("vsocket.nic_count", "for a vSocket VM: how many NICs its networkProfile lists (whether the inputs hold them or not); unknown when its list is not in the input"),
    ("vsocket.misplaced_nics", "for a vSocket VM whose NICs are all in the inputs: its NICs whose role by Cato's names (mng, wan, lan) is not that of their place in its list ([mgmt, wan, lan], or [wan, lan] with two), as `name` (role, in the place of role)"),
    ("vsocket.management", "for a vSocket NIC: true when it carries management (mgmt, or wan on a 2-NIC vSocket)"),
    ("vsocket.subnet_id", "for a NIC: the subnet id of its primary IP configuration"),
    ("vsocket.identities", "for a VM: its user-assigned identity ids"),
    ("vsocket.image_version", "for a VM: its image version (exactVersion, else version)"),
    ("input.is_template", "true when the resource comes from an ARM template (not yet deployed)"),
    ("site.vms", "the names of the site's vSocket VMs, primary first"),
    ("site.deployed", "true when every vSocket VM of the site comes from an export, none from a template (not yet deployed)"),
    ("site.vm_count", "how many vSocket VMs the site has"),
    ("site.extra_vm_count", "how many vSocket VMs the site has beyond two; unknown when only vSockets that a template deploys under an unknown condition make more than two"),
    ("site.lan_ips", "the vSockets' own LAN IPs (primary IP configuration of each LAN NIC)"),
    ("route.vsocket_own_ips", "for an appliance route (next hop type VirtualAppliance, or not given): its next hop addresses that are a vSocket's own IP (the primary IP configuration of its MGMT, WAN or LAN NIC), when its route table serves a subnet in that vSocket's VNET or a VNET peered with it (hub or spoke)"),
    ("route.vsocket_floating_ips", "for a route: the floating IPs of the sites whose vSocket IPs the route names"),
    ("site.lan_nics_shown", "true when the inputs show both vSockets of the site, each with its LAN NIC and that NIC's IP configurations; unknown otherwise"),
    ("site.floating_ips", "IPv4 addresses of secondary (primary: false) IP configurations on LAN NICs: the floating IP"),
    ("site.lan_subnet_prefixes", "address prefixes of the LAN subnet"),
    ("site.primary.lan_subnet_id", "the primary vSocket's LAN subnet id"),
    ("site.primary.mgmt_subnet_id", "the primary vSocket's management subnet id"),
    ("site.primary.wan_subnet_id", "the primary vSocket's WAN subnet id"),
    ("site.primary.same_role_subnet_id", "for a vSocket NIC: the subnet id of the primary vSocket's NIC of the same role"),
    ("site.floating_ip_nic_count", "how many LAN NICs carry a secondary IPv4 configuration (the floating IP)"),
    ("site.primary.vm_size", "the primary vSocket's VM size"),
    ("site.primary.image_version", "the primary vSocket's image version"),
    ("site.primary.identities", "the user-assigned identities of the primary vSocket"),
    ("site.ha_principal_ids", "principal ids of the HA identity (the primary vSocket's user-assigned identity)"),
    ("roles.exported", "true when role assignments are in the inputs"),
    ("roles.granting_principals", "principals that may be a managed identity (all but users, groups and devices) holding Owner, Contributor or Virtual Machine Contributor on this resource (directly or inherited)"),
    ("roles.direct_identities", "service principals (managed identities) with a role assigned directly on this resource"),
    ("roles.direct_identity_assignments", "the principalId of each role assignment made directly on this resource to a service principal (managed identity), where it is written"),
    ("roles.ha_other_role_assignments", "for a resource of a site: the roleDefinitionId of each role assignment made directly on it to the site's HA identity with a role other than Owner, Contributor or Virtual Machine Contributor (Reader, say), where it is written"),
    ("roles.other_identities", "for a resource of a site: the service principals (managed identities) with a role assigned directly on it, other than the site's HA identity"),
    ("roles.other_identity_assignments", "for a resource of a site: the principalId of each role assignment made directly on it to a service principal other than the site's HA identity, where it is written"),
    ("roles.rg_admins", "principals holding Owner, User Access Administrator, Role Based Access Control Administrator or a custom role of the inputs that may create role assignments on this resource's resource group (or above)"),
    ("roles.rg_user_contributor_assignments", "the roleDefinitionId of each role assignment giving a user Contributor on this resource's resource group (or above), where it is written"),
    ("roles.rg_user_contributors", "users holding Contributor on this resource's resource group (or above): their principalName (or signInName) with the id in brackets, where the export gives it, else the id"),
    ("subnet.default_route", "for a NIC: the next hop type public destinations take from its subnet's effective routes (longest prefix match over system and user routes): None if a route drops some public address, else VirtualAppliance if one sends some to an appliance, else VirtualNetworkGateway, else Internet; unknown when only a route narrower than 0.0.0.0/1 drops or diverts public addresses and holds none of the VNET's DNS servers"),
    ("subnet.default_route_prefix", "for a NIC: the address prefix of the route subnet.default_route comes from"),
    ("subnet.internet_route", "for a NIC: the next hop type of the route the Internet at large takes from its subnet (0.0.0.0/0, or the halves of it), whatever narrower routes do"),
    ("subnet.nat_gateway", "for a NIC: the NAT gateway of its subnet"),
    ("nic.outbound_load_balancers", "for a NIC: the backend pools its IP configurations are in whose load balancer takes their traffic out to the Internet (a public front end, and an outbound rule or a load-balancing rule with outbound SNAT for the pool); unknown when such a load balancer is not in the inputs"),
    ("network.own_prefixes", "for a virtual network, or a NIC (the virtual network of its primary subnet): the network's address space and the remote address spaces of its peerings (whatever their state), as far as the inputs show them (empty when they show none): an address there is a host of the network or of a peer, whatever its range"),
    ("route.table_roles", "for a route: the vSocket subnet roles (mgmt, wan, lan) whose subnets use its route table"),
    ("route.unreachable_next_hops", "for an appliance route on a route table of the site's subnets: its next hop addresses that a subnet using the table cannot reach (in neither the subnet's virtual network nor a connected peering of it that peers that subnet); unknown when the inputs do not show the address space or the peerings, a peering denies access to the network holding the address, a gateway's routes may apply, or the inputs hold a Virtual Network Manager"),
    ("route.unreachable_from", "for a route: the names of the site subnets using its route table that cannot reach one of route.unreachable_next_hops"),
    ("route.next_hop_held", "for a route: true when a NIC or load balancer front end that the site's LAN subnet lists among its IP configurations holds its nextHopIpAddress; false when the inputs show every one of them and none does; unknown otherwise"),
    ("nsg.management_egress_denials", "for a vSocket NIC: the NSG rules (NIC, then subnet) that deny UDP/53 or TCP/443 to the Internet"),
    ("nsg.keepalive_denials", "for a site: the NSG rules that deny the HA keepalive, UDP/20480 from the primary's LAN NIC to the secondary's"),
];

/// The facts of a site as a whole ([`site_fact`]), which [`Context`] computes once per site.
pub(crate) const SITE_FACTS: &[&str] = &[
    "site.vms",
    "site.vm_count",
    "site.extra_vm_count",
    "site.lan_ips",
    "site.floating_ips",
    "site.lan_nics_shown",
    "site.lan_subnet_prefixes",
    "site.primary.lan_subnet_id",
    "site.primary.mgmt_subnet_id",
    "site.primary.wan_subnet_id",
    "site.floating_ip_nic_count",
    "site.primary.vm_size",
    "site.primary.image_version",
    "site.primary.identities",
    "site.ha_principal_ids",
    "nsg.keepalive_denials",
];

pub fn names() -> Vec<&'static str> {
    FACTS.iter().map(|(n, _)| *n).collect()
}

fn unknown<'a>(reason: impl Into<String>) -> FactAnswer<'a> {
    FactAnswer::Unknown(Unknown {
        reason: reason.into(),
        at: None,
    })
}

fn known<'a>(items: Vec<Item<'a>>) -> FactAnswer<'a> {
    FactAnswer::Known(items.into())
}

fn no_roles<'a>() -> FactAnswer<'a> {
    unknown("role assignments are not in the inputs (add the output of `az role assignment list --all`)")
}

/// An item for an input value, with its file.
fn item<'a>(cx: &Context<'a>, res: ResIdx, v: Value<'a>) -> Item<'a> {
    Item::from_value(v).in_file(cx.inv.document_of(res).file)
}

fn found<'a>(l: Lookup<'a>) -> Option<Value<'a>> {
    match l {
        Lookup::Found(v) => Some(v),
        _ => None,
    }
}

/// Answers fact `name` for resource `res`.
pub fn fact<'a>(cx: &Context<'a>, name: &str, res: ResIdx, _current: Value<'a>) -> FactAnswer<'a> {
    let facts = cx.facts;
    let inv = cx.inv;
    let site = facts.site_of(res);
    let no_site = || unknown("the resource is not part of a recognised vSocket site");
    match name {
        // Shown as users write it (MGMT, WAN, LAN); conditions compare ignoring case.
        "vsocket.nic_role" => match site.and_then(|s| s.role_of(res)) {
            Some(r) => known(vec![Item::text(r.as_str().to_ascii_uppercase())]),
            None => known(Vec::new()),
        },
        "vsocket.vm" => {
            let vm = if facts.is_vsocket_vm(res) {
                Some(res)
            } else {
                site.and_then(|s| s.vm_of(res))
            };
            known(
                vm.and_then(|vm| inv.name(vm).map(|n| item(cx, vm, n)))
                    .into_iter()
                    .collect(),
            )
        }
        "vsocket.nic_count" => match site.filter(|_| facts.is_vsocket_vm(res)) {
            Some(site) => match site.listed_nics.get(&res) {
                Some(n) => known(vec![number(*n)]),
                None => unknown("the VM's list of NICs is not in the input"),
            },
            None => known(Vec::new()),
        },
        "vsocket.misplaced_nics" => {
            // The NICs whose role by Cato's names is not that of their place in the VM's
            // list ([mgmt, wan, lan], or [wan, lan] with two): the vSocket takes its
            // interfaces by place. Only where the inputs hold every NIC the VM lists: a NIC
            // not exported is missing from the inputs (IN012), not from the VM.
            let Some(site) = site.filter(|_| facts.is_vsocket_vm(res)) else {
                return known(Vec::new());
            };
            let listed = site.listed_nics.get(&res).copied().unwrap_or(0);
            let held: Vec<(ResIdx, NicRole)> = site
                .nics
                .iter()
                .filter(|&&(vm, _, _)| vm == res)
                .map(|&(_, nic, r)| (nic, r))
                .collect();
            let order: &[NicRole] = match listed {
                2 => &[NicRole::Wan, NicRole::Lan],
                3 => &[NicRole::Mgmt, NicRole::Wan, NicRole::Lan],
                _ => &[],
            };
            if held.len() != listed || order.is_empty() {
                return known(Vec::new());
            }
            // Each at the NIC's entry in the VM's list.
            let list = found(inv.prop(res, &["networkProfile", "networkInterfaces"]));
            let entries: Vec<Value<'a>> = list.map_or(Vec::new(), |l| l.elements().collect());
            known(
                held.iter()
                    .zip(order)
                    .zip(entries)
                    .filter(|(((_, role), place), _)| role != *place)
                    .filter_map(|(((nic, role), place), entry)| {
                        let name = inv.name(*nic)?.as_str()?;
                        let mut i = item(cx, res, entry.get_ignore_case("id").unwrap_or(entry));
                        i.scalar = Scalar::Str(
                            format!(
                                "`{name}` ({}, in the place of {})",
                                role.as_str(),
                                place.as_str()
                            )
                            .into(),
                        );
                        Some(i)
                    })
                    .collect(),
            )
        }
        "vsocket.management" => {
            let Some(site) = site else {
                return known(Vec::new());
            };
            let management = match site.role_of(res) {
                Some(NicRole::Mgmt) => true,
                // The WAN NIC of a 2-NIC vSocket; not of one that lists three NICs, whose
                // management NIC the inputs merely lack.
                Some(NicRole::Wan) => site.vm_of(res).is_some_and(|vm| {
                    let listed = site.listed_nics.get(&vm).copied().unwrap_or(0);
                    listed < 3
                        && !site
                            .nics
                            .iter()
                            .any(|&(v, _, r)| v == vm && r == NicRole::Mgmt)
                }),
                _ => false,
            };
            known(vec![Item::text(if management { "true" } else { "false" })])
        }
        "vsocket.subnet_id" => subnet_id_of(cx, res),
        "vsocket.identities" => identities(cx, res),
        "vsocket.image_version" => image_version(cx, res),
        "input.is_template" => known(vec![Item::text(if inv.document_of(res).is_template() {
            "true"
        } else {
            "false"
        })]),
        "roles.exported" => known(vec![Item::text(if facts.roles.exported() {
            "true"
        } else {
            "false"
        })]),
        "roles.granting_principals"
        | "roles.direct_identities"
        | "roles.direct_identity_assignments"
        | "roles.ha_other_role_assignments"
        | "roles.other_identities"
        | "roles.other_identity_assignments"
        | "roles.rg_admins"
        | "roles.rg_user_contributors"
        | "roles.rg_user_contributor_assignments" => role_fact(cx, name, res, _current),
        "subnet.default_route"
        | "subnet.default_route_prefix"
        | "subnet.internet_route"
        | "subnet.nat_gateway" => {
            let Some((subnet_id, subnet)) = primary_subnet(cx, res) else {
                return unknown("the NIC's subnet is not known");
            };
            let Some(subnet) = subnet else {
                return unknown(format!("the subnet `{subnet_id}` is not in the inputs"));
            };
            if name == "subnet.nat_gateway" {
                return match inv.prop(subnet, &["natGateway", "id"]) {
                    Lookup::Found(v) => known(vec![item(cx, subnet, v)]),
                    Lookup::Absent => known(Vec::new()),
                    Lookup::Unknown(u) => unknown(u.reason),
                };
            }
            public_route(cx, subnet, name)
        }
        "nic.outbound_load_balancers" => outbound_load_balancers(cx, res),
        "route.table_roles" => {
            let mut roles: Vec<Item<'a>> = Vec::new();
            for (role, _) in table_subnets(cx, res) {
                let role = Item::text(role.as_str());
                if !roles.contains(&role) {
                    roles.push(role);
                }
            }
            known(roles)
        }
        "route.unreachable_next_hops" | "route.unreachable_from" => {
            unreachable_next_hops(cx, res, name == "route.unreachable_from")
        }
        "network.own_prefixes" => {
            let vnet = if &*inv.resource(res).type_lc == azlint_facts::VNET {
                Some(res)
            } else {
                facts
                    .nic_info(res)
                    .and_then(|n| n.primary_subnet)
                    .and_then(|s| inv.resource(s).parent)
            };
            let nets = vnet.map_or_else(Vec::new, |v| azlint_facts::routes::own_prefixes(inv, v));
            known(nets.iter().map(|n| Item::text(n.to_string())).collect())
        }
        "nsg.management_egress_denials" => {
            if let Some(why) = network_manager(cx) {
                return unknown(why);
            }
            // DNS to a public resolver, HTTPS to management.azure.com (which the
            // `AzureResourceManager` tag holds).
            let flows = [
                ("Udp", 53u16, Endpoint::Internet, "the Internet"),
                ("Tcp", 443u16, Endpoint::Management, "management.azure.com"),
            ];
            let ctx = match nic_context(cx, res) {
                Ok(ctx) => ctx,
                Err(reason) => return unknown(reason),
            };
            let mut out = Vec::new();
            for (protocol, port, destination, to) in flows {
                let steps = [
                    (ctx.nic_nsg, Direction::Outbound),
                    (ctx.subnet_nsg, Direction::Outbound),
                ];
                let verdicts = ctx.ips.iter().map(|&source| {
                    let flow = Flow {
                        protocol,
                        source,
                        destination,
                        port,
                        source_asgs: ctx.asgs.clone(),
                        // An Internet address is in no application security group.
                        destination_asgs: Asgs::Known(Vec::new()),
                    };
                    path_verdict(cx, &steps, &flow, &ctx.vnet)
                });
                match agreed(verdicts) {
                    Ok(None) => {}
                    Ok(Some(d)) => {
                        let text = format!(
                            "{} denies {}/{port} to {to}",
                            d.name,
                            protocol.to_ascii_uppercase()
                        );
                        out.push(d.describe(&text));
                    }
                    Err(u) => return FactAnswer::Unknown(u),
                }
            }
            known(out.into_iter().map(|d| d.item).collect())
        }
        "route.next_hop_held" => next_hop_held(cx, res, site),
        "route.vsocket_own_ips" | "route.vsocket_floating_ips" => {
            route_vsocket(cx, res, name == "route.vsocket_floating_ips")
        }
        // Facts of the site as a whole are computed once per site.
        "site.primary.same_role_subnet_id" => match site {
            Some(site) => site_fact(cx, site, name, res),
            None => no_site(),
        },
        _ => match facts.site_index(res) {
            Some(i) => {
                let site = &facts.sites[i];
                cx.cached_site_fact(i, name, || site_fact(cx, site, name, res))
            }
            None => no_site(),
        },
    }
}

/// The principals of the HA identity of `res`'s site (`site.ha_principal_ids`), as text.
fn ha_principals<'a>(
    cx: &Context<'a>,
    res: ResIdx,
    current: Value<'a>,
) -> Result<Vec<String>, FactAnswer<'a>> {
    match fact(cx, "site.ha_principal_ids", res, current) {
        FactAnswer::Known(items) => Ok(items
            .iter()
            .filter_map(|i| match &i.scalar {
                Scalar::Str(s) => Some(s.to_string()),
                _ => None,
            })
            .collect()),
        unknown => Err(unknown),
    }
}

/// A user's Contributor, which may deploy but cannot create role assignments (HA004).
fn user_contributor(a: &azlint_facts::RoleAssignment) -> bool {
    a.role == CONTRIBUTOR && a.principal_type.eq_ignore_ascii_case("User")
}

/// The role facts of `res` (`roles.*`). Where a template's role assignments known only
/// after deployment may grant a role on `res`, what the others say is partial: a principal
/// found holds its role, one not found may still.
fn role_fact<'a>(cx: &Context<'a>, name: &str, res: ResIdx, current: Value<'a>) -> FactAnswer<'a> {
    // The roles a template makes are all its resources have, before deployment; but no
    // template makes the resource group it is deployed to, which holds the deployer's roles.
    let group = name.starts_with("roles.rg_");
    let other_subscription = cx.facts.roles.unexported_subscription(cx.inv, res);
    let whole = other_subscription.is_none()
        && match group {
            true => cx.facts.roles.deployed,
            false => cx.facts.roles.known_for(cx.inv, res),
        };
    let answer = placed_role_fact(cx, name, res, current);
    match (cx.facts.roles.unplaced_for(cx.inv, res).next(), answer) {
        (Some(first), FactAnswer::Known(items)) => {
            FactAnswer::Partial(items, unplaced_roles(cx, res, first))
        }
        (_, answer) => answer,
    }
    .and_more_unless(whole, || {
        if let Some(sub) = other_subscription {
            format!("the role assignments in the inputs are of other subscriptions than this resource's, `{sub}`: add the output of `az role assignment list --all --subscription {sub}`")
        } else if group {
            "the role assignments in the inputs are those templates will make, which do not show who holds roles on the resource group they are deployed to: add the output of `az role assignment list --all`".into()
        } else {
            "the role assignments in the inputs are those templates will make, and this resource is not in one of them (an export, or a template without role assignments such as `az group export` output): add the output of `az role assignment list --all`".into()
        }
    })
}

/// The role facts of `res` from the role assignments placed at their scope.
fn placed_role_fact<'a>(
    cx: &Context<'a>,
    name: &str,
    res: ResIdx,
    _current: Value<'a>,
) -> FactAnswer<'a> {
    let facts = cx.facts;
    let inv = cx.inv;
    if !facts.roles.exported() {
        return no_roles();
    }
    // (A resource no template of the inputs deploys may hold more roles than theirs: the
    // caller makes the answer partial.)
    let Some(key) = inv.resource(res).key.as_deref() else {
        return unknown("the resource has no literal id to match role assignment scopes against");
    };
    let direct_identity = |a: &azlint_facts::RoleAssignment| {
        // Service principals: user-assigned identities among them. An assignment that
        // does not say its principal's type counts when the principal is one of the
        // identities the inputs show.
        a.principal_type.eq_ignore_ascii_case("ServicePrincipal")
            || (a.principal_type.is_empty()
                && (cx.identity_principals().contains(&a.principal_id)
                        // `reference('<identity id>').principalId` in a template.
                        || crate::condition::literal_reference_id(&a.principal_id)
                            .is_some_and(|id| {
                                id.contains(&format!("/providers/{}/", azlint_facts::IDENTITY))
                            })))
    };
    // For the facts about identities other than the HA identity: its principals.
    let mut ha = Vec::new();
    // With no identity's role directly on the resource there is no other identity's
    // either, whether or not the HA identity is known.
    if name.starts_with("roles.other_") && facts.roles.on(key).any(&direct_identity) {
        match ha_principals(cx, res, _current) {
            Ok(principals) => ha = principals,
            Err(unknown) => return unknown,
        }
    }
    // The HA identities' ids, for principals known only after deployment that name
    // their identity (`reference('<id>').principalId`).
    let ha_identities: Vec<(String, Option<azlint_source::FileId>)> = if ha.is_empty() {
        Vec::new()
    } else {
        match fact(cx, "site.primary.identities", res, _current) {
            FactAnswer::Known(items) => items
                .iter()
                .filter_map(|i| match &i.scalar {
                    Scalar::Str(t) => Some((id_key(t), i.file)),
                    _ => None,
                })
                .collect(),
            FactAnswer::Partial(..) | FactAnswer::Unknown(_) => Vec::new(),
        }
    };
    // Whether an assignment's principal is not the HA identity's; `None` when one of
    // them is known only after deployment and may be the other.
    let other_or_unknown = |a: &azlint_facts::RoleAssignment| {
        let p = a.principal_id.as_str();
        if ha
            .iter()
            .any(|h| crate::condition::same_text(h, p) == Some(true))
        {
            return Some(false);
        }
        // The principal of an identity named by id: another identity's, or not. Ids
        // known only at deployment compare by what they spell out (two identities
        // `concat(parameters('site'), '-ha')` and `...'-backup'` are two); a principal
        // id belongs to one identity.
        if let Some(target) = crate::condition::principal_target(p) {
            let file = Some(inv.document_of(a.res).file);
            let mut decided = Some(true);
            for (id, from) in &ha_identities {
                let one_template = from.is_none() || *from == file;
                let same = if is_expression_text(&target) || is_expression_text(id) {
                    azlint_arm::text::compare(&target, id, one_template)
                } else {
                    Some(id_key(&target) == *id)
                };
                match same {
                    Some(true) => return Some(false),
                    Some(false) => {}
                    None => decided = None,
                }
            }
            return decided;
        }
        let unknown_symbol =
            |s: &str| is_expression_text(s) && crate::condition::principal_target(s).is_none();
        if unknown_symbol(p) || ha.iter().any(|h| unknown_symbol(h)) {
            return None;
        }
        Some(true)
    };
    if name.starts_with("roles.other_") {
        if let Some(a) = facts
            .roles
            .on(key)
            .find(|a| direct_identity(a) && other_or_unknown(a).is_none())
        {
            return unknown(format!(
                    "whether the principal of a role assignment here ({}) is the HA identity's is known only after deployment",
                    crate::condition::Item::text(a.principal_id.as_str()).display()
                ));
        }
    }
    if name == "roles.ha_other_role_assignments" {
        let ha = match ha_principals(cx, res, _current) {
            Ok(principals) => principals,
            Err(unknown) => return unknown,
        };
        let is_ha = |p: &str| {
            ha.iter()
                .any(|h| crate::condition::same_text(h, p) == Some(true))
        };
        return known(
            facts
                .roles
                .on(key)
                .filter(|a| {
                    ![OWNER, CONTRIBUTOR, VM_CONTRIBUTOR].contains(&a.role.as_str())
                        && is_ha(&a.principal_id)
                })
                .filter_map(|a| {
                    found(inv.prop(a.res, &["roleDefinitionId"])).map(|v| item(cx, a.res, v))
                })
                .collect(),
        );
    }
    if name == "roles.rg_user_contributor_assignments" {
        let Some(rg) = resource_group_key(key) else {
            return unknown("the resource id names no resource group");
        };
        return known(
            facts
                .roles
                .covering(rg)
                .filter(|a| user_contributor(a))
                .filter_map(|a| {
                    found(inv.prop(a.res, &["roleDefinitionId"])).map(|v| item(cx, a.res, v))
                })
                .collect(),
        );
    }
    let other = |a: &azlint_facts::RoleAssignment| other_or_unknown(a) == Some(true);
    if name == "roles.direct_identity_assignments" || name == "roles.other_identity_assignments" {
        let others_only = name == "roles.other_identity_assignments";
        return known(
            facts
                .roles
                .on(key)
                .filter(|a| direct_identity(a) && (!others_only || other(a)))
                .filter_map(|a| {
                    // PowerShell's `Get-AzRoleAssignment` writes it `ObjectId`. In a
                    // template it is an expression known after deployment: where it is
                    // written is still where the assignment names its principal.
                    let written = |l: Lookup<'a>| match l {
                        Lookup::Found(v) => Some(v),
                        Lookup::Unknown(u) => u.at,
                        Lookup::Absent => None,
                    };
                    written(inv.prop(a.res, &["principalId"]))
                        .or_else(|| written(inv.prop(a.res, &["objectId"])))
                        .map(|v| item(cx, a.res, v))
                })
                .collect(),
        );
    }
    let mut out: Vec<String> = Vec::new();
    match name {
        "roles.granting_principals" => {
            let mut conditional = Vec::new();
            let deployment = match deployment_scope(inv, res, key) {
                Ok(scope) => scope,
                Err(reason) => return unknown(reason),
            };
            let inherited = deployment.iter().flat_map(|s| facts.roles.covering(s));
            // A user's or a group's assignment is never a managed identity's, whatever its
            // principal id (a literal beside a principal known only after deployment).
            let identity = |a: &azlint_facts::RoleAssignment| {
                !["User", "Group", "ForeignGroup", "Device"]
                    .iter()
                    .any(|t| a.principal_type.trim().eq_ignore_ascii_case(t))
            };
            for a in facts
                .roles
                .covering(key)
                .chain(inherited)
                .filter(|a| identity(a))
            {
                if [OWNER, CONTRIBUTOR, VM_CONTRIBUTOR].contains(&a.role.as_str()) {
                    if inv.is_conditional(a.res) {
                        conditional.push(a.principal_id.clone());
                    } else {
                        out.push(a.principal_id.clone());
                    }
                }
            }
            // A role a template grants only under an unknown `condition` may never
            // exist: whether the HA identity holds one here then cannot be told, unless
            // it holds another for certain.
            if !conditional.is_empty() {
                let ha = match ha_principals(cx, res, _current) {
                    Ok(principals) => principals,
                    Err(unknown) => return unknown,
                };
                let holds = |list: &[String]| {
                    list.iter()
                        .any(|p| ha.iter().any(|h| h.eq_ignore_ascii_case(p)))
                };
                if !holds(&out) && holds(&conditional) {
                    return unknown(
                            "the HA identity's role here is deployed only if its `condition` holds, which is unknown before deployment",
                        );
                }
                out.extend(conditional);
            }
        }
        "roles.direct_identities" | "roles.other_identities" => {
            let others_only = name == "roles.other_identities";
            let found: Vec<_> = facts
                .roles
                .on(key)
                .filter(|a| direct_identity(a) && (!others_only || other(a)))
                .collect();
            // Another identity's role that a template grants only under an unknown
            // `condition` may never exist.
            if others_only && !found.is_empty() && found.iter().all(|a| inv.is_conditional(a.res)) {
                return unknown(
                        "the role assignment to another identity is deployed only if its `condition` holds, which is unknown before deployment",
                    );
            }
            out.extend(found.into_iter().map(|a| a.principal_id.clone()));
        }
        _ => {
            let Some(rg) = resource_group_key(key) else {
                return unknown("the resource id names no resource group");
            };
            let users = name == "roles.rg_user_contributors";
            for a in facts.roles.covering(rg) {
                let wanted = if users {
                    user_contributor(a)
                } else {
                    // Each may create the HA role assignments, which Contributor may not.
                    facts.roles.may_assign_roles(&a.role)
                };
                if wanted && users {
                    out.push(user_shown(inv, a));
                } else if wanted {
                    out.push(a.principal_id.clone());
                }
            }
            // Nobody known may assign roles, but a user with Contributor also holds a role
            // whose permissions the inputs do not show (a custom role, most likely): it may.
            if !users && out.is_empty() {
                let contributors: Vec<&azlint_facts::RoleAssignment> = facts
                    .roles
                    .covering(rg)
                    .filter(|a| user_contributor(a))
                    .collect();
                let unread = facts.roles.covering(rg).find_map(|a| {
                    let user = contributors
                        .iter()
                        .find(|c| c.principal_id == a.principal_id)?;
                    (!facts.roles.is_known(&a.role)).then_some((a, user))
                });
                if let Some((a, user)) = unread {
                    let role = ["roleDefinitionName", "RoleDefinitionName"]
                        .iter()
                        .find_map(|k| found(inv.prop(a.res, &[k])).and_then(|v| v.as_str()))
                        .map_or_else(|| a.role.clone(), |n| n.trim().to_string());
                    let user = user_shown(inv, user);
                    return unknown(format!(
                        "user {user}, who has Contributor on the group, also holds role `{role}`, whose permissions are not in the inputs: whether it may create role assignments cannot be told (add `az role definition list --custom-role-only true`)"
                    ));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    known(out.into_iter().map(Item::text).collect())
}

/// A user by the name the export gives them (`az role assignment list`: principalName;
/// PowerShell: SignInName), with their id; the id alone when the export names none.
fn user_shown(inv: &azlint_inventory::Inventory, a: &azlint_facts::RoleAssignment) -> String {
    let shown = ["principalName", "signInName"].iter().find_map(|k| {
        found(inv.prop(a.res, &[k]))
            .and_then(|v| v.as_str())
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(&a.principal_id))
    });
    match shown {
        Some(n) => format!("{n} [{}]", a.principal_id),
        None => a.principal_id.clone(),
    }
}

/// For a resource a template names only at deployment (its key an expression's), the
/// deepest scope above it whose id the inputs know: its id has no plain group to read role
/// scopes from, but a resource named by `resourceId()` is in its deployment's group. Offline
/// that is the placeholder scope; a template evaluated in a known scope cannot say (`Err`).
/// `None` for a resource with a plain key.
fn deployment_scope(
    inv: &azlint_inventory::Inventory,
    res: ResIdx,
    key: &str,
) -> Result<Option<String>, &'static str> {
    let doc = inv.document_of(res);
    let Some((text, _)) = azlint_inventory::split_expression_key(key).filter(|_| doc.is_template())
    else {
        return Ok(None);
    };
    const UNKNOWN: &str = "the resource group of a resource named only at deployment is its deployment's, which the inputs do not say";
    let scope = std::iter::successors(Some(text), |s| s.rfind('/').map(|cut| &s[..cut]))
        .skip(1)
        .find_map(azlint_arm::text::in_placeholder_scope)
        .ok_or(UNKNOWN)?;
    // The template was evaluated in the placeholder scope when its resources with plain
    // names are in the placeholder group.
    let group = scope
        .find("/providers/")
        .map_or(scope.as_str(), |i| &scope[..i]);
    let here = inv.resource(res).place.doc;
    let placeholder = (0..inv.len() as ResIdx).any(|r| {
        inv.resource(r).place.doc == here
            && inv.resource(r).key.as_deref().is_some_and(|k| {
                k.strip_prefix(group)
                    .is_some_and(|rest| rest.starts_with('/'))
                    && !k.contains('#')
            })
    });
    if placeholder {
        Ok(Some(scope))
    } else {
        Err(UNKNOWN)
    }
}

/// Why role facts of `res` are partial: some role assignments of a template cannot be
/// placed, and may grant a role on `res`. Says which value of the first of them (`first`)
/// is unknown and why, pointing at it when it is in the checked resource's own file (the
/// template).
fn unplaced_roles<'a>(cx: &Context<'a>, res: ResIdx, first: ResIdx) -> Unknown<'a> {
    let inv = cx.inv;
    // The scope (or the name that holds it) first: a principal known only after deployment is
    // usually the identity's, which role checks join on.
    let lookups = [
        inv.top(first, &["scope"]),
        inv.top(first, &["name"]),
        inv.prop(first, &["roleDefinitionId"]),
        inv.prop(first, &["principalId"]),
    ];
    let mut why = lookups.into_iter().find_map(|l| match l {
        Lookup::Unknown(u) => Some(u),
        _ => None,
    });
    if why.is_none() {
        // The name itself is an expression the inventory took as it is.
        why = found(inv.top(first, &["name"]))
            .and_then(|v| azlint_inventory::unknown_value(inv.document_of(first), v));
    }
    if let Some(u) = &mut why {
        if inv.document_of(first).file != inv.document_of(res).file {
            u.at = None;
        }
    }
    let n = cx.facts.roles.unplaced_for(inv, res).count();
    let reason = format!(
        "{n} role assignment(s) of a template name their principal, role or scope by a value known only after deployment{}",
        why.as_ref().map(|u| format!(" ({})", u.reason)).unwrap_or_default()
    );
    Unknown {
        reason,
        at: why.and_then(|u| u.at),
    }
}

fn number<'a>(n: usize) -> Item<'a> {
    Item {
        scalar: crate::condition::Scalar::Num(n as f64),
        at: None,
        file: None,
    }
}

/// The route public destinations take from a subnet (its next hop type, or with `prefix` its
/// address prefix), from the subnet's effective routes: see `Effective::public_route`.
/// Gateway routes learned over BGP are not in any export: where they may exist, unknown.
/// The subnets of a site's vSockets are shared by its NICs: both answers are computed once
/// per subnet.
fn public_route<'a>(cx: &Context<'a>, subnet: ResIdx, name: &str) -> FactAnswer<'a> {
    let [hop, address_prefix, internet] = cx.public_routes(subnet, || public_routes(cx, subnet));
    match name {
        "subnet.default_route_prefix" => address_prefix,
        "subnet.internet_route" => internet,
        _ => hop,
    }
}

/// The next hop type and the address prefix of a subnet's public route, and the next hop
/// type of the route the Internet at large takes.
fn public_routes<'a>(cx: &Context<'a>, subnet: ResIdx) -> [FactAnswer<'a>; 3] {
    let inv = cx.inv;
    let eff = azlint_facts::routes::effective(inv, subnet);
    if let Some(why) = eff.incomplete.clone().or(eff.gateway_routes.clone()) {
        let answer = unknown(why);
        return [answer.clone(), answer.clone(), answer];
    }
    let (internet, narrower) = eff.public_routes();
    // A route's field as written in its route table, else as azlint reads it (a system route).
    let field = |route: &azlint_facts::routes::Route<'_>, key: &str, text: &str| {
        let written = route
            .resource
            .and_then(|r| found(inv.prop(r, &[key])).map(|v| item(cx, r, v)));
        known(vec![written.unwrap_or_else(|| Item::text(text.to_string()))])
    };
    let internet_answer = match internet.map(|i| &eff.routes[i]) {
        Some(r) => field(r, "nextHopType", &r.next_hop_type),
        None => known(Vec::new()),
    };
    // A route to a service tag (Azure accepts them as route prefixes) that does not send its
    // addresses to the Internet: the tags that hold management.azure.com decide; for the
    // others, which addresses they hold is in no export.
    let tagged = eff.routes.iter().find(|r| {
        r.active
            && r.prefix.is_none()
            && !r.address_prefix.trim().is_empty()
            && matches!(
                r.next_hop_type.as_str(),
                "None" | "VirtualAppliance" | "VirtualNetworkGateway"
            )
    });
    let narrower = narrower.map(|i| &eff.routes[i]);
    let narrower = match tagged {
        Some(r) if azlint_facts::holds_management_api(&r.address_prefix) => Some(r),
        Some(r) => {
            let answer = unknown(format!(
                "route `{}` sends the service tag {} to {}: which addresses the tag holds is not in the export",
                r.name.as_deref().unwrap_or(&r.address_prefix),
                r.address_prefix.trim(),
                r.next_hop_type
            ));
            return [answer.clone(), answer, internet_answer];
        }
        None => narrower,
    };
    let route = match narrower {
        // A narrower route that drops or diverts some public addresses matters when it holds a
        // resolver the VNET names (Cato's list has 1.1.1.1 and 8.8.8.8); whether it holds
        // management.azure.com's addresses is not in any export.
        Some(narrow)
            if narrow.prefix.is_some() && !holds_vnet_resolver(cx, subnet, narrow.prefix) =>
        {
            let answer = unknown(format!(
                "route `{}` sends {} to {}: whether management.azure.com is among those addresses is not in the export",
                narrow.name.as_deref().unwrap_or(&narrow.address_prefix),
                narrow.address_prefix,
                narrow.next_hop_type
            ));
            return [answer.clone(), answer, internet_answer];
        }
        Some(narrow) => Some(narrow),
        None => internet.map(|i| &eff.routes[i]),
    };
    let Some(route) = route else {
        return [known(Vec::new()), known(Vec::new()), internet_answer];
    };
    [
        field(route, "nextHopType", &route.next_hop_type),
        field(route, "addressPrefix", &route.address_prefix),
        internet_answer,
    ]
}

/// Whether `prefix` holds one of the DNS servers the subnet's VNET names.
fn holds_vnet_resolver(cx: &Context<'_>, subnet: ResIdx, prefix: Option<IpNet>) -> bool {
    let (Some(prefix), Some(vnet)) = (prefix, cx.inv.resource(subnet).parent) else {
        return false;
    };
    let Lookup::Found(servers) = cx.inv.prop(vnet, &["dhcpOptions", "dnsServers"]) else {
        return false;
    };
    servers
        .elements()
        .filter_map(|s| s.as_str())
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .any(|ip| prefix.contains(&ip))
}

fn site_fact<'a>(cx: &Context<'a>, site: &Site, name: &str, res: ResIdx) -> FactAnswer<'a> {
    let inv = cx.inv;
    let primary = site.primary();
    match name {
        "site.vms" => known(
            site.vms
                .iter()
                .filter_map(|&vm| inv.name(vm).map(|n| item(cx, vm, n)))
                .collect(),
        ),
        "site.deployed" => known(vec![Item::text(
            if site
                .vms
                .iter()
                .all(|&vm| !inv.document_of(vm).is_template())
            {
                "true"
            } else {
                "false"
            },
        )]),
        "site.vm_count" => match vm_counts(cx, site, 1) {
            // A partner a template deploys only under an unknown `condition` may never exist.
            Ok((certain, all)) if certain < 2 && all >= 2 => unknown(CONDITIONAL_VSOCKET),
            // NICs of a VM the inputs do not show, in the lone vSocket's VNET: that VM may be
            // its partner, exported without it.
            Ok((_, 1)) => match unexported_partner(cx, site) {
                Some(why) => unknown(why),
                None => match cx
                    .unplaced_vsockets()
                    .iter()
                    .find(|vm| !site.vms.contains(vm))
                {
                    // A vSocket whose NICs the inputs do not show may be its partner.
                    Some(&other) => unknown(format!(
                        "the vSocket VM `{}` is in the inputs without its VNET (no properties, or NICs not exported): it may be the partner",
                        crate::engine::display_name(cx, other)
                    )),
                    None => known(vec![number(1)]),
                },
            },
            Ok((_, all)) => known(vec![number(all)]),
            Err(unknown) => unknown,
        },
        "site.extra_vm_count" => match vm_counts(cx, site, 2) {
            // vSockets a template deploys only under an unknown `condition` may never exist.
            Ok((certain, all)) if all > 2 && certain <= 2 => unknown(CONDITIONAL_VSOCKET),
            Ok((_, all)) => known(vec![number(all.saturating_sub(2))]),
            Err(unknown) => unknown,
        },
        "nsg.keepalive_denials" => {
            if let Some(why) = network_manager(cx) {
                return unknown(why);
            }
            let mut lan = site.nics_of(NicRole::Lan);
            let (Some(primary), Some(secondary)) = (lan.next(), lan.next()) else {
                return known(Vec::new());
            };
            let (a, b) = match (nic_context(cx, primary), nic_context(cx, secondary)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(reason), _) | (_, Err(reason)) => return unknown(reason),
            };
            let vnet: Vec<IpNet> = a.vnet.iter().chain(&b.vnet).copied().collect();
            // The master sends, the standby listens; after a failover the roles swap, so both
            // directions must pass.
            let mut out = Vec::new();
            for (from, to, what) in [
                (&a, &b, "to the standby"),
                (&b, &a, "back, after a failover"),
            ] {
                let steps = [
                    (from.nic_nsg, Direction::Outbound),
                    (from.subnet_nsg, Direction::Outbound),
                    (to.subnet_nsg, Direction::Inbound),
                    (to.nic_nsg, Direction::Inbound),
                ];
                let pairs = from.ips.iter().flat_map(|&source| {
                    to.ips.iter().map(move |&destination| (source, destination))
                });
                let verdicts = pairs.map(|(source, destination)| {
                    let flow = Flow {
                        protocol: "Udp",
                        source,
                        destination,
                        port: 20480,
                        source_asgs: from.asgs.clone(),
                        destination_asgs: to.asgs.clone(),
                    };
                    path_verdict(cx, &steps, &flow, &vnet)
                });
                match agreed(verdicts) {
                    Ok(None) => {}
                    Ok(Some(d)) => {
                        let text = format!("{} denies the keepalive (UDP/20480) {what}", d.name);
                        out.push(d.describe(&text).item);
                    }
                    Err(u) => return FactAnswer::Unknown(u),
                }
            }
            known(out)
        }
        "site.lan_ips" | "site.floating_ips" => {
            let secondary = name == "site.floating_ips";
            let mut out = Vec::new();
            for nic in site.nics_of(NicRole::Lan) {
                let Some(configs) = config_ips(cx, nic) else {
                    continue;
                };
                let primary_cfg = primary_config_node(cx, nic);
                for (config, ip) in configs {
                    let is_primary = Some(config) == primary_cfg;
                    if is_primary == secondary || is_ipv6_config(cx, nic, config, ip) {
                        continue;
                    }
                    if let Some(ip) = ip {
                        out.push(item(cx, nic, ip));
                    }
                }
            }
            known(out)
        }
        "site.lan_nics_shown" => {
            // Both vSockets, each with its LAN NIC and that NIC's IP configurations: what is
            // not on them is nowhere.
            let every_vm_has_one = site.vms.len() >= 2
                && site.vms.iter().all(|&vm| {
                    site.nics
                        .iter()
                        .any(|&(v, _, r)| v == vm && r == NicRole::Lan)
                });
            if every_vm_has_one
                && site
                    .nics_of(NicRole::Lan)
                    .all(|nic| config_ips(cx, nic).is_some())
            {
                known(vec![Item::text("true")])
            } else {
                unknown("a vSocket of the site, its LAN NIC or that NIC's IP configurations are not in the inputs")
            }
        }
        "site.lan_subnet_prefixes" => {
            let mut out = Vec::new();
            for key in cx.facts.subnet_keys(site, NicRole::Lan) {
                let Some(subnet) = inv.get(key) else {
                    return unknown(format!("the LAN subnet `{key}` is not in the inputs"));
                };
                match inv.prop(subnet, &["addressPrefix"]) {
                    Lookup::Found(p) => out.push(item(cx, subnet, p)),
                    Lookup::Unknown(u) => return unknown(u.reason),
                    Lookup::Absent => {}
                }
                if let Lookup::Found(list) = inv.prop(subnet, &["addressPrefixes"]) {
                    out.extend(list.elements().map(|p| item(cx, subnet, p)));
                }
            }
            known(out)
        }
        "site.primary.lan_subnet_id"
        | "site.primary.mgmt_subnet_id"
        | "site.primary.wan_subnet_id" => {
            let role = match name {
                "site.primary.lan_subnet_id" => NicRole::Lan,
                "site.primary.mgmt_subnet_id" => NicRole::Mgmt,
                _ => NicRole::Wan,
            };
            let Some(vm) = primary else {
                return known(Vec::new());
            };
            let nic = site
                .nics
                .iter()
                .find(|&&(v, _, r)| v == vm && r == role)
                .map(|&(_, n, _)| n);
            // Ids compare as keys: case and a trailing slash do not matter.
            match nic {
                Some(n) => subnet_id_of(cx, n),
                None => known(Vec::new()),
            }
        }
        "site.primary.same_role_subnet_id" => {
            let (Some(vm), Some(role)) = (primary, site.role_of(res)) else {
                return known(Vec::new());
            };
            match site.nics.iter().find(|&&(v, _, r)| v == vm && r == role) {
                Some(&(_, nic, _)) => subnet_id_of(cx, nic),
                None => known(Vec::new()),
            }
        }
        "site.floating_ip_nic_count" => {
            let n = site
                .nics_of(NicRole::Lan)
                .filter(|&nic| {
                    let primary_cfg = primary_config_node(cx, nic);
                    config_ips(cx, nic).is_some_and(|configs| {
                        configs.iter().any(|&(config, ip)| {
                            Some(config) != primary_cfg && !is_ipv6_config(cx, nic, config, ip)
                        })
                    })
                })
                .count();
            known(vec![number(n)])
        }
        "site.primary.vm_size" => match primary {
            Some(vm) => from_lookup(cx, vm, inv.prop(vm, &["hardwareProfile", "vmSize"])),
            None => known(Vec::new()),
        },
        "site.primary.image_version" => match primary {
            Some(vm) => image_version(cx, vm),
            None => known(Vec::new()),
        },
        "site.primary.identities" => match primary {
            Some(vm) => identities(cx, vm),
            None => known(Vec::new()),
        },
        "site.ha_principal_ids" => {
            let Some(vm) = primary else {
                return known(Vec::new());
            };
            let ids = match inv.top(vm, &["identity", "userAssignedIdentities"]) {
                Lookup::Found(v) => v,
                Lookup::Absent => return known(Vec::new()),
                Lookup::Unknown(u) => return unknown(u.reason),
            };
            let mut out = Vec::new();
            let template_vm = inv.document_of(vm).is_template();
            for (key, value) in ids.members() {
                // What a template's role assignment names this identity's principal by before
                // deployment (`reference(identity).principalId`, canonical), for an identity
                // the inputs do not hold.
                let template_symbol = key.as_str().map(|k| {
                    let k = k.trim();
                    match k.strip_prefix('[').and_then(|e| e.strip_suffix(']')) {
                        // An identity whose id is known only at deployment.
                        Some(e) if is_expression_text(k) => format!(
                            "[reference({}, 'full').properties.principalid]",
                            e.trim().to_lowercase()
                        ),
                        _ => format!(
                            "[reference('{}', 'full').properties.principalid]",
                            id_key(k)
                        ),
                    }
                });
                // The identity resource knows its principal; the VM's copy may be null.
                // Before deployment, the principal is a symbol that role assignments of the
                // same template share.
                let identity = key.as_str().and_then(|k| inv.get(&k));
                let from_identity = identity.and_then(|uai| {
                    let l = inv.prop(uai, &["principalId"]);
                    let sym = symbol(inv.document_of(uai), &l);
                    match (l, sym) {
                        (Lookup::Found(p), _) => Some((uai, p, None)),
                        (Lookup::Unknown(Unknown { at: Some(p), .. }), Some(s)) => {
                            Some((uai, p, Some(s)))
                        }
                        _ => None,
                    }
                });
                let principal = from_identity.or_else(|| {
                    value
                        .get_ignore_case("principalId")
                        .filter(|p| p.is_string())
                        .map(|p| (vm, p, None))
                });
                match principal {
                    // A principal known only after deployment matches the role assignments
                    // of its own template. Deployed assignments (`az role assignment list`)
                    // name principals by id, which the template cannot give: whether one of
                    // them is the HA identity's cannot be told.
                    Some((_, _, Some(_))) if cx.facts.roles.deployed => {
                        return unknown(
                            "the HA identity's principal id is known only after deployment, and the role assignments in the inputs name principals by id (add the identity as exported, az identity show, with the deployment's subscription and resource group in azlint.toml [deployment] so that the template's ids are the exported ones)",
                        );
                    }
                    Some((r, p, sym)) if p.is_string() => {
                        let mut i = item(cx, r, p);
                        let text = sym.or_else(|| p.as_str().map(|s| s.trim().to_ascii_lowercase()));
                        if let Some(s) = text {
                            i.scalar = crate::condition::Scalar::Str(s.into());
                        }
                        out.push(i);
                    }
                    // An identity the template does not declare and the inputs do not hold
                    // (one created beforehand, or `existing`): its principal is still one
                    // value, which the template's own role assignments name the same way.
                    // (Only when they do: assignments that name a principal id, from a
                    // parameter, say, cannot be joined to it.)
                    // (Or one the template declares under a name known only at deployment,
                    // whose principal its evaluation does not give.)
                    None if template_vm
                        && identity.is_none_or(|i| inv.document_of(i).is_template())
                        && !cx.facts.roles.deployed
                        && template_symbol.as_ref().is_some_and(|alias| {
                            cx.facts.roles.assignments.iter().any(|a| {
                                crate::condition::same_text(alias, &a.principal_id) == Some(true)
                            })
                        }) =>
                    {
                        if let Some(alias) = template_symbol {
                            let mut i = item(cx, vm, key);
                            i.scalar = crate::condition::Scalar::Str(alias.into());
                            out.push(i);
                        }
                    }
                    _ => {
                        return unknown(
                            "the HA identity's principal id is not in the inputs (export the user-assigned identity too)",
                        )
                    }
                }
            }
            known(out)
        }
        _ => unknown(format!("no fact `{name}`")),
    }
}

/// Whether something in the site's LAN subnet holds a route's next hop address ([`FACTS`]).
/// The subnet lists every IP configuration in it (NICs, load balancer front ends); a holder
/// elsewhere (another site's VNET, which Cato's modules number alike) is not this address.
fn next_hop_held<'a>(cx: &Context<'a>, route: ResIdx, site: Option<&Site>) -> FactAnswer<'a> {
    let inv = cx.inv;
    let Lookup::Found(hop) = inv.prop(route, &["nextHopIpAddress"]) else {
        return known(Vec::new());
    };
    let Some(ip) = hop.as_str().and_then(|s| s.trim().parse::<IpAddr>().ok()) else {
        return known(Vec::new());
    };
    let why = || {
        unknown(format!(
            "whether another appliance holds {ip} is not in the inputs (the LAN subnet's list of IP configurations is missing, or names resources that are not exported in full)"
        ))
    };
    let Some(site) = site else { return why() };
    let subnets = cx.facts.subnet_keys(site, NicRole::Lan);
    if subnets.is_empty() {
        return why();
    }
    let mut unread = false;
    for key in subnets {
        let Some(subnet) = inv.get(key) else {
            return why();
        };
        let Lookup::Found(list) = inv.prop(subnet, &["ipConfigurations"]) else {
            return why();
        };
        let mut listed = 0;
        for entry in list.elements() {
            listed += 1;
            match holder_ip(cx, entry) {
                Some(held) if held == ip => return known(vec![Item::text("true")]),
                Some(_) => {}
                None => unread = true,
            }
        }
        if listed == 0 {
            return why();
        }
    }
    if unread {
        return why();
    }
    known(vec![Item::text("false")])
}

/// For a route: the subnets of every site (with their role) that use its route table.
fn table_subnets(cx: &Context<'_>, route: ResIdx) -> Vec<(NicRole, ResIdx)> {
    let (facts, inv) = (cx.facts, cx.inv);
    let Some(table) = inv.resource(route).parent else {
        return Vec::new();
    };
    let map = cx.table_subnets(|| {
        let mut map: HashMap<ResIdx, Vec<(NicRole, ResIdx)>> = HashMap::new();
        for site in &facts.sites {
            for role in [NicRole::Mgmt, NicRole::Wan, NicRole::Lan] {
                for key in facts.subnet_keys(site, role) {
                    let Some(subnet) = inv.get(key) else {
                        continue;
                    };
                    let Some(table) = found(inv.prop(subnet, &["routeTable"]))
                        .and_then(|r| azlint_facts::reference(inv, subnet, r))
                    else {
                        continue;
                    };
                    let users = map.entry(table).or_default();
                    if !users.contains(&(role, subnet)) {
                        users.push((role, subnet));
                    }
                }
            }
        }
        map
    });
    map.get(&table).cloned().unwrap_or_default()
}

/// For an appliance route on a table of the site's subnets: its next hop addresses that no
/// subnet using the table can reach (outside its virtual network and every connected peering).
/// With `from`, the names of those subnets instead.
fn unreachable_next_hops<'a>(cx: &Context<'a>, route: ResIdx, from: bool) -> FactAnswer<'a> {
    let inv = cx.inv;
    let subnets = table_subnets(cx, route);
    if subnets.is_empty() {
        return known(Vec::new());
    }
    // Routes a gateway learns reach the subnet unless the table turns them off.
    let gateway_routes = !inv
        .resource(route)
        .parent
        .is_some_and(|table| azlint_facts::routes::disables_gateway_routes(inv, table));
    let mut out = Vec::new();
    let mut cut_off: Vec<Item<'a>> = Vec::new();
    let mut undecided: Option<Unknown<'a>> = None;
    for o in inv.occurrences(route) {
        let doc = inv.document(o.place.doc);
        match inv.prop_in(o, &["nextHopType"]) {
            Lookup::Found(t) if t.as_str().is_some_and(|t| ignores_next_hop_address(&t)) => {
                continue
            }
            _ => {}
        }
        // Each address is pointed at itself, in an ECMP list too: the list does not say which
        // of its addresses is wrong.
        let mut hops: Vec<Value<'a>> = Vec::new();
        if let Lookup::Found(v) = inv.prop_in(o, &["nextHopIpAddress"]) {
            hops.push(v);
        }
        if let Lookup::Found(list) = inv.prop_in(o, &["nextHopIpAddresses"]) {
            hops.extend(list.elements());
        }
        for v in hops {
            let Some(ip) = v.as_str().and_then(|t| t.trim().parse::<IpAddr>().ok()) else {
                continue;
            };
            let mut unreachable = false;
            for &(_, subnet) in &subnets {
                let Some(vnet) = inv.resource(subnet).parent else {
                    undecided.get_or_insert_with(|| Unknown {
                        reason: "the virtual network of a subnet using the route table is not in the inputs".into(),
                        at: Some(v),
                    });
                    continue;
                };
                let subnet_name = inv.name(subnet).and_then(|n| n.as_str());
                match azlint_facts::routes::next_hop_reachable(
                    inv,
                    vnet,
                    subnet_name.as_deref(),
                    ip,
                    gateway_routes,
                ) {
                    Ok(true) => {}
                    // Virtual Network Manager connects networks (mesh, directly connected
                    // spokes) without peerings in their JSON.
                    Ok(false) => match network_manager_name(cx) {
                        Some(name) => {
                            undecided.get_or_insert_with(|| Unknown {
                                reason: format!("whether {ip} is reachable: the inputs hold Virtual Network Manager `{name}`, whose connectivity configurations connect networks without peerings"),
                                at: Some(v),
                            });
                        }
                        None => {
                            unreachable = true;
                            if let Some(name) = inv.name(subnet) {
                                let name = item(cx, subnet, name);
                                if !cut_off.contains(&name) {
                                    cut_off.push(name);
                                }
                            }
                        }
                    },
                    Err(why) => {
                        undecided.get_or_insert_with(|| Unknown {
                            reason: format!("whether {ip} is reachable: {why}"),
                            at: Some(v),
                        });
                    }
                }
            }
            if unreachable {
                out.push(Item::from_value(v).in_file(doc.file));
            }
        }
    }
    match (out.is_empty(), undecided) {
        (true, Some(u)) => FactAnswer::Unknown(u),
        _ if from => known(cut_off),
        _ => known(out),
    }
}

/// The private IP of an entry of a subnet's `ipConfigurations` (`{"id": ".../networkInterfaces/
/// NIC/ipConfigurations/CFG"}`, or a load balancer's front end), read from the resource it
/// names; `None` when the inputs do not show it.
fn holder_ip(cx: &Context<'_>, entry: Value<'_>) -> Option<IpAddr> {
    let inv = cx.inv;
    let id = entry.get_ignore_case("id")?.as_str()?;
    let lower = id.to_ascii_lowercase();
    let (list, cut) = [
        ("ipConfigurations", "/ipconfigurations/"),
        ("frontendIPConfigurations", "/frontendipconfigurations/"),
    ]
    .into_iter()
    .find_map(|(list, seg)| lower.rfind(seg).map(|at| (list, (at, at + seg.len()))))?;
    let (at, after) = cut;
    let name = id.get(after..)?.trim_end_matches('/');
    let holder = inv.get(id.get(..at)?)?;
    let Lookup::Found(configs) = inv.prop(holder, &[list]) else {
        return None;
    };
    let config = configs.elements().find(|c| {
        c.get_ignore_case("name")
            .and_then(|n| n.as_str())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
    })?;
    props_of(config)
        .get_ignore_case("privateIPAddress")?
        .as_str()?
        .trim()
        .parse()
        .ok()
}

fn from_lookup<'a>(cx: &Context<'a>, res: ResIdx, l: Lookup<'a>) -> FactAnswer<'a> {
    match l {
        Lookup::Found(v) => known(vec![item(cx, res, v)]),
        Lookup::Absent => known(Vec::new()),
        Lookup::Unknown(u) => unknown(u.reason),
    }
}

/// The subnet id of a NIC's primary IP configuration, as a key (lower case).
fn subnet_id_of<'a>(cx: &Context<'a>, nic: ResIdx) -> FactAnswer<'a> {
    if primary_config_node(cx, nic).is_none() {
        return match cx.inv.prop(nic, &["ipConfigurations"]) {
            Lookup::Unknown(u) => unknown(u.reason),
            _ => known(Vec::new()),
        };
    }
    // Azure gives every IP configuration a subnet: one the export does not show (a shallow
    // `ConvertTo-Json` writes it as a type name) is unknown, not absent.
    match primary_subnet_item(cx, nic) {
        Some(i) => known(vec![i]),
        None => unknown("the NIC's subnet is not known"),
    }
}

/// The node of a NIC's primary IP configuration ([`primary_config`]): from the NIC's record
/// for a vSocket NIC, else from its JSON.
fn primary_config_node(cx: &Context<'_>, nic: ResIdx) -> Option<u32> {
    match cx.facts.nic_info(nic) {
        Some(info) => info.primary_config,
        None => primary_config(cx.inv, nic).map(|c| c.index()),
    }
}

/// Whether an IP configuration is an IPv6 one (a dual-stack NIC's, which Azure makes a
/// secondary configuration): its `privateIPAddressVersion`, or its address. HA records, checks
/// and moves the vSockets' IPv4 addresses; such a configuration is no floating IP.
fn is_ipv6_config(cx: &Context<'_>, nic: ResIdx, config: u32, ip: Option<Value<'_>>) -> bool {
    let v6_address = ip
        .and_then(|v| v.as_str())
        .is_some_and(|s| s.trim().parse::<std::net::Ipv6Addr>().is_ok());
    v6_address
        || props_of(cx.inv.document_of(nic).value(config))
            .get_ignore_case("privateIPAddressVersion")
            .and_then(|v| v.as_str())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("IPv6"))
}

/// A NIC's IP configurations (nodes), each with its `privateIPAddress` when that is a string;
/// `None` when the export does not show them. From the NIC's record for a vSocket NIC.
/// The backend pool references of a NIC whose load balancer gives the pool a way out to the
/// Internet: a public front end, and an outbound rule for the pool or a load-balancing rule
/// for it that keeps outbound SNAT (Azure's explicit outbound methods include both).
fn outbound_load_balancers<'a>(cx: &Context<'a>, nic: ResIdx) -> FactAnswer<'a> {
    let inv = cx.inv;
    let configs = match inv.prop(nic, &["ipConfigurations"]) {
        Lookup::Found(c) => c,
        Lookup::Absent => return known(Vec::new()),
        Lookup::Unknown(u) => return FactAnswer::Unknown(u),
    };
    let mut out = Vec::new();
    let mut open = None;
    for pool in configs.elements().flat_map(|c| {
        props_of(c)
            .get_ignore_case("loadBalancerBackendAddressPools")
            .map(|p| p.elements().collect::<Vec<_>>())
            .unwrap_or_default()
    }) {
        let Some(id_value) = pool.get_ignore_case("id") else {
            continue;
        };
        let Some(id) = id_value.as_str() else {
            continue;
        };
        // Notes and findings point at the reference's id.
        let pool = id_value;
        let pool_key = id_key(&id);
        let Some(cut) = pool_key.rfind("/backendaddresspools/") else {
            continue;
        };
        let lb_key = pool_key.get(..cut).unwrap_or_default();
        let Some(lb) = inv.get_in(nic, lb_key) else {
            open.get_or_insert(Unknown {
                reason: format!(
                    "the NIC is in a backend pool of load balancer `{}`, which is not in the inputs: whether it takes the NIC's traffic out cannot be told",
                    lb_key.rsplit('/').next().unwrap_or_default()
                ),
                at: Some(pool),
            });
            continue;
        };
        match load_balancer_egress(inv, lb, &pool_key) {
            Some(true) => out.push(item(cx, nic, pool)),
            Some(false) => {}
            None => {
                open.get_or_insert(Unknown {
                    reason: "whether the load balancer of the NIC's backend pool takes its traffic out is known only at deployment".into(),
                    at: Some(pool),
                });
            }
        }
    }
    match (out.is_empty(), open) {
        (true, Some(u)) => FactAnswer::Unknown(u),
        _ => known(out),
    }
}

/// Whether load balancer `lb` takes the traffic of the backend pool `pool_key` (an id key) out
/// to the Internet; `None` when a value it depends on is known only at deployment.
fn load_balancer_egress(
    inv: &azlint_inventory::Inventory,
    lb: ResIdx,
    pool_key: &str,
) -> Option<bool> {
    let list = |path: &[&str]| -> Option<Vec<Value<'_>>> {
        match inv.prop(lb, path) {
            Lookup::Found(v) => Some(v.elements().collect()),
            Lookup::Absent => Some(Vec::new()),
            Lookup::Unknown(_) => None,
        }
    };
    let public = list(&["frontendIPConfigurations"])?.into_iter().any(|f| {
        let p = props_of(f);
        ["publicIPAddress", "publicIPPrefix"].iter().any(|k| {
            p.get_ignore_case(k)
                .is_some_and(|r| r.get_ignore_case("id").is_some())
        })
    });
    if !public {
        return Some(false);
    }
    let names_pool = |p: Value<'_>| {
        let one = p.get_ignore_case("backendAddressPool").into_iter();
        let many = p
            .get_ignore_case("backendAddressPools")
            .map(|l| l.elements().collect::<Vec<_>>())
            .unwrap_or_default();
        one.chain(many).any(|r| {
            r.get_ignore_case("id")
                .and_then(|i| i.as_str())
                .is_some_and(|i| id_key(&i) == pool_key)
        })
    };
    let outbound = list(&["outboundRules"])?
        .into_iter()
        .any(|r| names_pool(props_of(r)));
    let snat = list(&["loadBalancingRules"])?.into_iter().any(|r| {
        let p = props_of(r);
        names_pool(p)
            && !p
                .get_ignore_case("disableOutboundSnat")
                .and_then(|d| d.as_bool())
                .unwrap_or(false)
    });
    Some(outbound || snat)
}

fn config_ips<'a>(cx: &Context<'a>, nic: ResIdx) -> Option<Vec<(u32, Option<Value<'a>>)>> {
    if let Some(info) = cx.facts.nic_info(nic) {
        let doc = cx.inv.document_of(nic);
        return info.configs_known.then(|| {
            info.config_ips
                .iter()
                .map(|&(config, ip)| (config, ip.map(|ip| doc.value(ip))))
                .collect()
        });
    }
    let Lookup::Found(configs) = cx.inv.prop(nic, &["ipConfigurations"]) else {
        return None;
    };
    Some(
        configs
            .elements()
            .map(|c| {
                let ip = props_of(c)
                    .get_ignore_case("privateIPAddress")
                    .filter(Value::is_string);
                (c.index(), ip)
            })
            .collect(),
    )
}

/// The `subnet.id` of a NIC's primary IP configuration, as an item that compares as a key
/// (case and a trailing slash do not matter) and reads as written.
fn primary_subnet_item<'a>(cx: &Context<'a>, nic: ResIdx) -> Option<Item<'a>> {
    let v = match cx.facts.nic_info(nic) {
        Some(info) => cx.inv.document_of(nic).value(info.primary_subnet_id?),
        None => props_of(primary_config(cx.inv, nic)?).pointer(&["subnet", "id"])?,
    };
    Some(id_item(cx, nic, v))
}

/// An id in `res`'s document as an item: as written, less surrounding spaces and a trailing
/// slash. Items compare ignoring case, as ids do.
fn id_item<'a>(cx: &Context<'a>, res: ResIdx, v: Value<'a>) -> Item<'a> {
    let mut i = item(cx, res, v);
    if let Some(s) = v.as_str() {
        let id = s.trim().trim_end_matches('/');
        if id.len() != s.len() {
            i.scalar = crate::condition::Scalar::Str(id.to_string().into());
        }
    }
    i
}

/// The subnet of a NIC's primary IP configuration: its id as written, and the subnet when the
/// inputs hold it.
fn primary_subnet<'a>(cx: &Context<'a>, nic: ResIdx) -> Option<(Cow<'a, str>, Option<ResIdx>)> {
    match cx.facts.nic_info(nic) {
        Some(info) => {
            let id = cx
                .inv
                .document_of(nic)
                .value(info.primary_subnet_id?)
                .as_str()?;
            Some((id, info.primary_subnet))
        }
        None => {
            let config = primary_config(cx.inv, nic)?;
            let id = props_of(config).pointer(&["subnet", "id"])?.as_str()?;
            let subnet = cx.inv.get(&id);
            Some((id, subnet))
        }
    }
}

/// A VM's user-assigned identity ids.
fn identities<'a>(cx: &Context<'a>, vm: ResIdx) -> FactAnswer<'a> {
    match cx.inv.top(vm, &["identity", "userAssignedIdentities"]) {
        Lookup::Found(ids) => known(ids.members().map(|(key, _)| id_item(cx, vm, key)).collect()),
        Lookup::Absent => known(Vec::new()),
        Lookup::Unknown(u) => unknown(u.reason),
    }
}

/// A VM's image version: `exactVersion` when the export has it, else `version`.
fn image_version<'a>(cx: &Context<'a>, vm: ResIdx) -> FactAnswer<'a> {
    let exact = cx
        .inv
        .prop(vm, &["storageProfile", "imageReference", "exactVersion"]);
    match exact {
        Lookup::Found(_) => from_lookup(cx, vm, exact),
        _ => from_lookup(
            cx,
            vm,
            cx.inv
                .prop(vm, &["storageProfile", "imageReference", "version"]),
        ),
    }
}

/// What NSG evaluation needs to know about a NIC.
struct NicContext {
    /// Its address; when the address is not known yet (a dynamic address in a template), the
    /// prefixes of its subnet Azure may assign it from, each an [`Endpoint::Within`].
    ips: Vec<Endpoint>,
    /// The application security groups of its IP configuration.
    asgs: Asgs,
    nic_nsg: Option<ResIdx>,
    subnet_nsg: Option<ResIdx>,
    /// The VNET's address space: what `VirtualNetwork` covers.
    vnet: Vec<IpNet>,
}

/// The NSG an `{"networkSecurityGroup": {"id"}}` property names: `Ok(None)` for none.
fn nsg_of(cx: &Context<'_>, res: ResIdx) -> Result<Option<ResIdx>, String> {
    match cx.inv.prop(res, &["networkSecurityGroup"]) {
        Lookup::Found(v) if v.is_null() => Ok(None),
        Lookup::Found(v) => {
            match v.get_ignore_case("id").and_then(|i| i.as_str()) {
                Some(id) => cx.inv.get(&id).map(Some).ok_or_else(|| {
                    format!("the network security group `{id}` is not in the inputs")
                }),
                None => Ok(None),
            }
        }
        Lookup::Absent => Ok(None),
        Lookup::Unknown(u) => Err(u.reason),
    }
}

/// The NSG a reference names: `Ok(None)` for none (as [`nsg_of`]).
fn attached_nsg(nsg: &Attached) -> Result<Option<ResIdx>, String> {
    match nsg {
        Attached::Absent | Attached::NoId => Ok(None),
        Attached::Resource(r) => Ok(Some(*r)),
        Attached::Missing(id) => Err(format!(
            "the network security group `{id}` is not in the inputs"
        )),
        Attached::Unknown(reason) => Err(reason.clone()),
    }
}

fn nic_context(cx: &Context<'_>, nic: ResIdx) -> Result<NicContext, String> {
    let inv = cx.inv;
    // A vSocket NIC's record has what its JSON would say.
    if let Some(info) = cx.facts.nic_info(nic) {
        info.primary_config
            .ok_or("the NIC's IP configuration is not known")?;
        let (subnet_id, subnet) = primary_subnet(cx, nic).ok_or("the NIC's subnet is not known")?;
        let subnet = subnet.ok_or_else(|| format!("the subnet `{subnet_id}` is not in the inputs"));
        let ips = match info.private_ip {
            Some(ip) => vec![Endpoint::Ip(ip)],
            None => subnet
                .as_ref()
                .ok()
                .and_then(|&s| assigned_from(cx, s))
                .ok_or("the NIC's private IP address is not known")?,
        };
        let subnet = match subnet {
            Ok(subnet) => subnet,
            // The subnet is not in the inputs (its VNET was not exported), but an NSG's list
            // of subnets names it: that NSG is the subnet's, and the VNET's space is unknown.
            Err(why) => {
                let nsg = cx.nsg_listing(&azlint_inventory::id_key(&subnet_id));
                let (Some(nsg), [Endpoint::Ip(_)]) = (nsg, ips.as_slice()) else {
                    return Err(why);
                };
                return Ok(NicContext {
                    asgs: Asgs::of_nic(inv, nic, info.private_ip),
                    ips,
                    vnet: Vec::new(),
                    nic_nsg: attached_nsg(&info.nsg)?,
                    subnet_nsg: Some(nsg),
                });
            }
        };
        return Ok(NicContext {
            asgs: Asgs::of_nic(inv, nic, info.private_ip),
            ips,
            vnet: virtual_network_tag(cx, subnet),
            nic_nsg: attached_nsg(&info.nsg)?,
            subnet_nsg: match cx.facts.subnet_info(subnet) {
                Some(s) => attached_nsg(&s.nsg)?,
                None => nsg_of(cx, subnet)?,
            },
        });
    }
    let config = primary_config(inv, nic).ok_or("the NIC's IP configuration is not known")?;
    let p = props_of(config);
    let ip = p
        .get_ignore_case("privateIPAddress")
        .and_then(|v| v.as_str())
        .and_then(|s| s.trim().parse().ok())
        .ok_or("the NIC's private IP address is not known")?;
    let subnet_id = p
        .pointer(&["subnet", "id"])
        .and_then(|v| v.as_str())
        .ok_or("the NIC's subnet is not known")?;
    let subnet = inv
        .get(&subnet_id)
        .ok_or_else(|| format!("the subnet `{subnet_id}` is not in the inputs"))?;
    Ok(NicContext {
        asgs: Asgs::of_nic(inv, nic, Some(ip)),
        ips: vec![Endpoint::Ip(ip)],
        vnet: virtual_network_tag(cx, subnet),
        nic_nsg: nsg_of(cx, nic)?,
        subnet_nsg: nsg_of(cx, subnet)?,
    })
}

const CONDITIONAL_VSOCKET: &str =
    "a vSocket of the site is deployed only if its `condition` holds, which is unknown before deployment";

/// How many of the site's vSockets are certain to be deployed, and how many there are; unknown
/// for a lone vSocket whose VNET the inputs cannot show (NIC ids that are template expressions,
/// NICs not exported) when more than `lone_over` such sites could join it: a template exported
/// without parameter values names neither VNET nor VMs.
fn vm_counts<'a>(
    cx: &Context<'a>,
    site: &Site,
    lone_over: usize,
) -> Result<(usize, usize), FactAnswer<'a>> {
    if lone_in_unknown_vnet(cx, site) && cx.facts.lone_sites > lone_over {
        return Err(unknown(
            "its VNET is not known from the inputs, so which other vSockets here belong to its site cannot be told",
        ));
    }
    let certain = site
        .vms
        .iter()
        .filter(|&&vm| !cx.inv.is_conditional(vm))
        .count();
    Ok((certain, site.vms.len()))
}

/// Why a lone vSocket's partner may exist unexported: a NIC in its VNET names a VM the inputs
/// do not hold.
fn unexported_partner(cx: &Context<'_>, site: &Site) -> Option<String> {
    let of_vm = site.nics.iter().find_map(|&(_, nic, _)| {
        let key = cx.facts.nic_info(nic)?.vnet_key.as_deref()?;
        let &(other, ref vm) = cx.unexported_vm_in(key)?;
        Some(format!(
            "NIC `{}` in its VNET belongs to the VM `{vm}`, which the inputs do not hold: it may be the partner vSocket",
            crate::engine::display_name(cx, other)
        ))
    });
    // The NIC itself not exported, when a Resource Graph page is missing (the partner's VM
    // and NICs may be on it): the site's subnets still list its IP configurations. (Without
    // such a gap, a subnet listing a NIC the inputs lack is a NIC of another resource group,
    // or an export older than the NIC's deletion.)
    of_vm.or_else(|| {
        if !cx.inv.partial() {
            return None;
        }
        [NicRole::Lan, NicRole::Wan, NicRole::Mgmt]
            .into_iter()
            .flat_map(|role| cx.facts.subnet_keys(site, role))
            .filter_map(|key| cx.inv.get_key(key))
            .find_map(|subnet| {
                let Lookup::Found(list) = cx.inv.prop(subnet, &["ipConfigurations"]) else {
                    return None;
                };
                list.elements().find_map(|config| {
                    let id = config.get_ignore_case("id")?.as_str()?;
                    let lower = id.to_ascii_lowercase();
                    let nic = &id[..lower.find("/ipconfigurations/")?];
                    (lower.contains("/microsoft.network/networkinterfaces/")
                        && cx.inv.get(nic).is_none())
                    .then(|| {
                        format!(
                            "the subnet `{}` lists an IP configuration of the NIC `{}`, which the inputs do not hold: it may be the partner vSocket's",
                            crate::engine::display_name(cx, subnet),
                            azlint_diagnostics::printable(nic.rsplit('/').next().unwrap_or(nic))
                        )
                    })
                })
            })
    })
}

/// Whether the site is one vSocket whose VNET the inputs do not show.
pub(crate) fn lone_in_unknown_vnet(cx: &Context<'_>, site: &Site) -> bool {
    site.vms.len() == 1
        && !site
            .nics
            .iter()
            .any(|&(_, nic, _)| cx.facts.nic_info(nic).is_some_and(|i| i.vnet_key.is_some()))
}

/// What a NIC without a known address gets its address from: the subnet's IPv4 prefixes
/// (Azure assigns a dynamic address from one of them, and a static one must lie in one).
/// `None` when the subnet shows none.
fn assigned_from(cx: &Context<'_>, subnet: ResIdx) -> Option<Vec<Endpoint>> {
    let written = |path: &[&str]| prefixes(found(cx.inv.prop(subnet, path)));
    let mut all = written(&["addressPrefix"]);
    all.extend(written(&["addressPrefixes"]));
    all.sort_unstable();
    all.dedup();
    let v4: Vec<Endpoint> = all
        .into_iter()
        .filter(|n| matches!(n, IpNet::V4(_)))
        .map(Endpoint::Within)
        .collect();
    (!v4.is_empty()).then_some(v4)
}

/// One verdict for a flow from each address a NIC may get: the verdict when they agree (each
/// allows, or the same rule denies each); cannot tell when they differ.
fn agreed<'a>(
    verdicts: impl IntoIterator<Item = Result<Option<Denial<'a>>, Unknown<'a>>>,
) -> Result<Option<Denial<'a>>, Unknown<'a>> {
    let mut first: Option<Option<Denial<'a>>> = None;
    for v in verdicts {
        let v = v?;
        match &first {
            None => first = Some(v),
            Some(f) => {
                let same = match (f, &v) {
                    (None, None) => true,
                    (Some(a), Some(b)) => {
                        a.name == b.name
                            && a.at.map(|v| v.span()) == b.at.map(|v| v.span())
                            && a.file == b.file
                    }
                    _ => false,
                };
                if !same {
                    return Err(Unknown {
                        reason: "the NIC's address is not known yet, and the NSGs decide differently for the prefixes of its subnet Azure may assign it from".into(),
                        at: None,
                    });
                }
            }
        }
    }
    Ok(first.flatten())
}

/// What the `VirtualNetwork` service tag holds for a NIC in `subnet`: its VNET's address
/// space and the prefixes of the subnet's user-defined routes to a virtual appliance (Azure's
/// service tag documentation: "address prefixes used on user-defined routes"; with a
/// 0.0.0.0/0 route to an appliance the tag holds everything, MicrosoftDocs/azure-docs#22178).
fn virtual_network_tag(cx: &Context<'_>, subnet: ResIdx) -> Vec<IpNet> {
    cx.virtual_network_tag(subnet, || read_virtual_network_tag(cx, subnet))
}

fn read_virtual_network_tag(cx: &Context<'_>, subnet: ResIdx) -> Vec<IpNet> {
    let mut tag = vnet_space(cx, subnet);
    tag.extend(azlint_facts::routes::appliance_prefixes(cx.inv, subnet));
    tag
}

/// The address space of a subnet's VNET: what `VirtualNetwork` covers.
fn vnet_space(cx: &Context<'_>, subnet: ResIdx) -> Vec<IpNet> {
    let written = |res: ResIdx, path: &[&str]| prefixes(found(cx.inv.prop(res, path)));
    let space = match cx.inv.resource(subnet).parent {
        Some(v) => cx.vnet_space(v, || written(v, &["addressSpace", "addressPrefixes"])),
        None => Vec::new(),
    };
    if !space.is_empty() {
        return space;
    }
    // The VNET is not in the inputs (a subnet list alone, a template's `existing` VNET), or
    // does not show its space: the subnet's own prefixes are part of it, which decides
    // `VirtualNetwork` for its NICs.
    let mut own = written(subnet, &["addressPrefix"]);
    own.extend(written(subnet, &["addressPrefixes"]));
    own
}

/// A deny decision, with where it is.
struct Denial<'a> {
    name: String,
    at: Option<Value<'a>>,
    file: Option<azlint_source::FileId>,
    item: Item<'a>,
}

impl<'a> Denial<'a> {
    fn describe(mut self, text: &str) -> Self {
        self.item = Item {
            scalar: crate::condition::Scalar::Str(text.to_string().into()),
            at: self.at,
            file: self.file,
        };
        self
    }
}

/// Runs a flow through NSGs in order: the first deny, `None` when all allow. Cannot tell
/// points at the name of the rule that left the flow open, where the inputs have it.
fn path_verdict<'a>(
    cx: &Context<'a>,
    steps: &[(Option<ResIdx>, Direction)],
    flow: &Flow,
    vnet: &[IpNet],
) -> Result<Option<Denial<'a>>, Unknown<'a>> {
    for &(nsg, direction) in steps {
        let Some(nsg) = nsg else { continue };
        let decision = cx
            .with_nsg_rules(nsg, |rules| decide(rules, direction, flow, None, vnet))
            .map_err(|reason| Unknown { reason, at: None })?;
        match decision.verdict {
            Verdict::Allow => {}
            Verdict::Deny { rule, name, holder } => {
                let file = Some(cx.inv.document_of(holder.unwrap_or(nsg)).file);
                return Ok(Some(Denial {
                    item: Item::text(name.clone()),
                    name,
                    at: rule,
                    file,
                }));
            }
            Verdict::Unknown(reason) => {
                let at = decision
                    .rule
                    .and_then(|r| r.object)
                    .map(|o| o.get_ignore_case("name").unwrap_or(o));
                return Err(Unknown { reason, at });
            }
        }
    }
    Ok(None)
}

/// The name of the first Virtual Network Manager among the inputs.
fn network_manager_name(cx: &Context<'_>) -> Option<String> {
    let manager = *cx
        .inv
        .of_type("microsoft.network/networkmanagers")
        .first()?;
    Some(
        cx.inv
            .name(manager)
            .and_then(|n| n.as_str().map(|s| s.into_owned()))
            .unwrap_or_default(),
    )
}

/// Virtual Network Manager security admin rules come before NSGs and may deny or always-allow
/// a flow whatever the NSGs say; azlint does not read them, so flow facts cannot tell.
fn network_manager(cx: &Context<'_>) -> Option<String> {
    let name = network_manager_name(cx)?;
    Some(format!(
        "the inputs hold Virtual Network Manager `{name}`, whose security admin rules come before NSGs and are not evaluated"
    ))
}

/// The key of a subnet's VNET, where the inputs link the subnet to it: a subnet a template
/// names only at deployment has no plain id to cut the VNET's from.
fn vnet_key_of(inv: &azlint_inventory::Inventory, subnet: ResIdx) -> Option<&str> {
    let vnet = inv.resource(subnet).parent?;
    inv.resource(vnet).key.as_deref()
}

/// What a route's next hop is checked against for S8: each vSocket's own IPs (with its site
/// and VNET), the VNETs each route table serves, and which VNETs are peered.
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(crate) struct RouteTargets {
    /// By address and the vSocket's VNET key: exports of many sites reuse one address plan,
    /// so an address alone would match thousands of vSockets.
    own_ips: HashMap<(IpAddr, String), Vec<usize>>,
    /// Own IPs a template builds from values known only at deployment
    /// (`concat(parameters('lanPrefix'), '.5')`), whose known parts may still tell a next hop
    /// apart or equal: with their file, VNET key and site.
    own_texts: Vec<OwnText>,
    /// The VNETs of those IPs.
    site_vnets: foldhash::HashSet<String>,
    table_vnets: HashMap<String, Vec<String>>,
    peers: HashMap<String, Vec<String>>,
}

/// A vSocket's own IP as its configuration gives it.
enum Address {
    Ip(IpAddr),
    /// Known only at deployment: the expression, and the template it is in.
    Text(String, azlint_source::FileId),
}

/// A vSocket's own IP that a template builds from values known only at deployment.
#[cfg_attr(test, derive(Debug, PartialEq))]
struct OwnText {
    text: String,
    file: azlint_source::FileId,
    vnet: String,
    site: usize,
}

/// What the known parts of a next hop say about the vSocket IPs it may be.
enum TextMatch {
    /// It is an own IP of a vSocket of these sites.
    Sites(Vec<usize>),
    /// It is none of them.
    None,
    /// Only deployment can tell.
    Unknown,
}

impl RouteTargets {
    /// Reads what routes are checked against. With `parallel`, the reading is spread over
    /// the thread pool (each sweep over subnets, route tables and VNETs reads thousands of
    /// resources that nothing else has read yet: 20 ms on one core on a 100k-resource
    /// export); without, it stays on the calling thread, as it must inside a rule's lazy
    /// evaluation, where waiting on the pool could run another rule that waits on this one.
    pub(crate) fn build(cx: &Context<'_>, parallel: bool) -> RouteTargets {
        let inv = cx.inv;
        let each = |list: &[ResIdx], f: &(dyn Fn(ResIdx) -> Vec<(String, String)> + Sync)| {
            if parallel {
                inv.map_resources(list, f)
            } else {
                list.iter().map(|&r| f(r)).collect()
            }
        };
        let site_ips = |(i, site): (usize, &Site)| {
            let mut out: Vec<(Address, String, usize)> = Vec::new();
            for &(_, nic, _) in &site.nics {
                let Some(configs) = config_ips(cx, nic) else {
                    continue;
                };
                let primary = primary_config_node(cx, nic);
                let info = cx.facts.nic_info(nic);
                let vnet = info
                    .and_then(|n| n.primary_subnet)
                    .and_then(|subnet| vnet_key_of(inv, subnet))
                    .or_else(|| {
                        info.and_then(|n| n.primary_subnet_key.as_deref())
                            .and_then(parent_key)
                    });
                let doc = cx.inv.document_of(nic);
                for (config, ip) in configs {
                    let (true, Some(v), Some(vnet)) = (Some(config) == primary, ip, vnet) else {
                        continue;
                    };
                    let Some(text) = v.as_str() else {
                        continue;
                    };
                    let address = match text.trim().parse() {
                        Ok(ip) => Address::Ip(ip),
                        Err(_) if azlint_inventory::unknown_value(doc, v).is_some() => {
                            Address::Text(text.into_owned(), doc.file)
                        }
                        Err(_) => continue,
                    };
                    out.push((address, vnet.to_string(), i));
                }
            }
            out
        };
        let sites = &cx.facts.sites;
        let found: Vec<Vec<(Address, String, usize)>> = if parallel {
            use rayon::prelude::*;
            sites.par_iter().enumerate().map(site_ips).collect()
        } else {
            sites.iter().enumerate().map(site_ips).collect()
        };
        let mut own_ips: HashMap<(IpAddr, String), Vec<usize>> = HashMap::new();
        let mut own_texts = Vec::new();
        for (address, vnet, site) in found.into_iter().flatten() {
            match address {
                Address::Ip(ip) => {
                    let sites = own_ips.entry((ip, vnet)).or_default();
                    if !sites.contains(&site) {
                        sites.push(site);
                    }
                }
                Address::Text(text, file) => own_texts.push(OwnText {
                    text,
                    file,
                    vnet,
                    site,
                }),
            }
        }
        let site_vnets = own_ips
            .keys()
            .map(|(_, vnet)| vnet)
            .chain(own_texts.iter().map(|t| &t.vnet))
            .cloned()
            .collect();
        let mut table_vnets: HashMap<String, Vec<String>> = HashMap::new();
        let mut peers: HashMap<String, Vec<String>> = HashMap::new();
        if own_ips.is_empty() && own_texts.is_empty() {
            return RouteTargets {
                own_ips,
                own_texts,
                site_vnets,
                table_vnets,
                peers,
            };
        }
        // (route table, VNET) pairs: from each subnet's route table, then from each route
        // table's list of subnets (the subnets may not be in the inputs).
        let from_subnets = each(inv.of_type(azlint_facts::SUBNET), &|subnet| {
            // An id known only at deployment still names a table of its template.
            let (
                Some(key),
                Lookup::Found(table)
                | Lookup::Unknown(Unknown {
                    at: Some(table), ..
                }),
            ) = (
                inv.resource(subnet).key.as_deref(),
                inv.prop(subnet, &["routeTable", "id"]),
            )
            else {
                return Vec::new();
            };
            // The table's own key where the inputs hold it: a table a template names only at
            // deployment is keyed by its expression, not by the id's text.
            let table = table.as_str().map(|t| {
                inv.get_in(subnet, &t)
                    .and_then(|r| inv.resource(r).key.as_deref())
                    .map_or_else(|| id_key(&t), str::to_string)
            });
            match (table, vnet_key_of(inv, subnet).or_else(|| parent_key(key))) {
                (Some(table), Some(vnet)) => vec![(table, vnet.to_string())],
                _ => Vec::new(),
            }
        });
        let from_tables = each(inv.of_type(azlint_facts::ROUTE_TABLE), &|table| {
            let (Some(key), Lookup::Found(list)) = (
                inv.resource(table).key.as_deref(),
                inv.prop(table, &["subnets"]),
            ) else {
                return Vec::new();
            };
            list.elements()
                .filter_map(|s| {
                    let id = s.get_ignore_case("id").and_then(|i| i.as_str())?;
                    let vnet = parent_key(&id_key(&id))?.to_string();
                    Some((key.to_string(), vnet))
                })
                .collect()
        });
        for (table, vnet) in from_subnets.into_iter().chain(from_tables).flatten() {
            let vnets = table_vnets.entry(table).or_default();
            if !vnets.contains(&vnet) {
                vnets.push(vnet);
            }
        }
        // (VNET, remote VNET) pairs, from peerings inline and as child resources.
        let peerings = each(inv.of_type(azlint_facts::VNET), &|vnet| {
            let Some(key) = inv.resource(vnet).key.as_deref() else {
                return Vec::new();
            };
            let mut remotes = Vec::new();
            if let Lookup::Found(list) = inv.prop(vnet, &["virtualNetworkPeerings"]) {
                remotes.extend(list.elements());
            }
            remotes.extend(
                inv.children(
                    vnet,
                    "microsoft.network/virtualnetworks/virtualnetworkpeerings",
                )
                .map(|p| inv.value(p)),
            );
            remotes
                .into_iter()
                .filter_map(|p| {
                    let remote = props_of(p)
                        .get_ignore_case("remoteVirtualNetwork")
                        .and_then(|r| r.get_ignore_case("id"))
                        .and_then(|r| r.as_str())?;
                    // The remote VNET's own key where the inputs hold it: a template may name
                    // it by an id known only at deployment (`resourceId(..., parameters('hub'))`).
                    let remote = inv.reference_key(vnet, &remote);
                    let remote = inv
                        .get_key(&remote)
                        .and_then(|r| inv.resource(r).key.as_deref())
                        .map(str::to_string)
                        .unwrap_or(remote);
                    Some((key.to_string(), remote))
                })
                .collect()
        });
        for (key, remote) in peerings.into_iter().flatten() {
            peers.entry(key.clone()).or_default().push(remote.clone());
            peers.entry(remote).or_default().push(key);
        }
        RouteTargets {
            own_ips,
            own_texts,
            site_vnets,
            table_vnets,
            peers,
        }
    }

    /// Whether a route table serving `vnets` reaches a vSocket's own IP (in one of them or a
    /// VNET peered with one).
    fn reaches_a_site(&self, vnets: &[String]) -> bool {
        vnets.iter().any(|v| {
            let peered = self.peers.get(v).map(Vec::as_slice).unwrap_or(&[]);
            std::iter::once(v)
                .chain(peered)
                .any(|home| self.site_vnets.contains(home))
        })
    }

    /// The VNETs a route table serving `vnets` reaches: those and the VNETs peered with them.
    fn reached<'s>(&'s self, vnets: &'s [String]) -> impl Iterator<Item = &'s String> + 's {
        vnets.iter().flat_map(|v| {
            let peered = self.peers.get(v).map(Vec::as_slice).unwrap_or(&[]);
            std::iter::once(v).chain(peered)
        })
    }

    /// [`RouteTargets::sites_for`] for a next hop known only at deployment (`hop`, an
    /// expression of template `file`): the vSocket IPs reached are compared by what their
    /// texts spell out. The same expression in one template is one value.
    fn sites_for_text(
        &self,
        hop: &str,
        file: azlint_source::FileId,
        vnets: &[String],
    ) -> TextMatch {
        let reached: Vec<&String> = self.reached(vnets).collect();
        let mut sites = Vec::new();
        let mut undecided = false;
        for t in self.own_texts.iter().filter(|t| reached.contains(&&t.vnet)) {
            match azlint_arm::text::compare(hop, &t.text, t.file == file) {
                Some(true) => sites.push(t.site),
                Some(false) => {}
                None => undecided = true,
            }
        }
        for ((ip, _), _) in self
            .own_ips
            .iter()
            .filter(|((_, v), _)| reached.contains(&v))
        {
            if azlint_arm::text::compare(hop, &ip.to_string(), true) != Some(false) {
                undecided = true;
            }
        }
        match (sites.is_empty(), undecided) {
            (false, _) => TextMatch::Sites(sites),
            (true, false) => TextMatch::None,
            (true, true) => TextMatch::Unknown,
        }
    }

    /// An own IP known only at deployment, reached from a route table serving `vnets`, that
    /// the literal next hop `ip` may be.
    fn may_be_text(&self, ip: &str, vnets: &[String]) -> Option<&str> {
        if self.own_texts.is_empty() {
            return None;
        }
        let reached: Vec<&String> = self.reached(vnets).collect();
        self.own_texts
            .iter()
            .filter(|t| reached.contains(&&t.vnet))
            .find(|t| azlint_arm::text::compare(ip, &t.text, false).is_none())
            .map(|t| t.text.as_str())
    }

    /// Whether a next hop address (`hop`, written in `doc`) is, or may be, a vSocket's own IP.
    fn may_name_a_vsocket(
        &self,
        hop: Value<'_>,
        doc: &azlint_inventory::Document,
        vnets: &[String],
    ) -> bool {
        let Some(text) = hop.as_str() else {
            return false;
        };
        if azlint_inventory::unknown_value(doc, hop).is_some() {
            return !matches!(self.sites_for_text(&text, doc.file, vnets), TextMatch::None);
        }
        let text = text.trim();
        match text.parse::<IpAddr>() {
            Ok(ip) => {
                !self.sites_for(ip, vnets).is_empty() || self.may_be_text(text, vnets).is_some()
            }
            Err(_) => false,
        }
    }

    /// The sites whose vSocket owns `ip`, seen from a route table serving `vnets`: the
    /// vSocket's VNET itself or one peered with it.
    fn sites_for(&self, ip: IpAddr, vnets: &[String]) -> Vec<usize> {
        let mut out = Vec::new();
        for v in vnets {
            let peered = self.peers.get(v).map(Vec::as_slice).unwrap_or(&[]);
            for home in std::iter::once(v).chain(peered) {
                if let Some(sites) = self.own_ips.get(&(ip, home.clone())) {
                    out.extend(sites);
                }
            }
        }
        out
    }
}

/// Whether a route of this next hop type leaves its next hop address unused: every type but
/// `VirtualAppliance` (Azure's names, compared ignoring case as Azure does).
fn ignores_next_hop_address(next_hop_type: &str) -> bool {
    ["VnetLocal", "Internet", "None", "VirtualNetworkGateway"]
        .iter()
        .any(|t| next_hop_type.trim().eq_ignore_ascii_case(t))
}

/// For a route: its next hops that are a vSocket's own IP (its MGMT, WAN or LAN NIC's primary
/// configuration, never the floating IP), reachable from the subnets its
/// table serves; or, with `floating`, those sites' floating IPs.
fn route_vsocket<'a>(cx: &Context<'a>, route: ResIdx, floating: bool) -> FactAnswer<'a> {
    let inv = cx.inv;
    let targets = cx.route_targets();
    let Some(table_key) = inv
        .resource(route)
        .parent
        .and_then(|t| inv.resource(t).key.as_deref())
    else {
        return known(Vec::new());
    };
    let Some(vnets) = targets.table_vnets.get(table_key) else {
        // A route table no subnet uses sends nothing anywhere.
        return known(Vec::new());
    };
    // Each next hop, the document it is in, and what a finding points at: the address, or the
    // ECMP list it is in (one finding for the list, as the route sets it as a whole). From
    // every copy of the route: a template that changes an exported route is read next to
    // the export, and a bad next hop in either is a defect.
    let mut hops: Vec<(Value<'a>, &'a azlint_inventory::Document, Value<'a>)> = Vec::new();
    // The hops of copies whose next hop type is known only at deployment, apart: a vSocket's
    // own IP among them may receive traffic or not.
    let mut untyped: Vec<(Value<'a>, &'a azlint_inventory::Document)> = Vec::new();
    let mut unknown_type = None;
    // A next hop known only after deployment (a module's output, an unset parameter): where
    // the table reaches a vSocket, whether it is one's own IP cannot be told.
    let mut unknown_hop = None;
    for o in inv.occurrences(route) {
        let doc = inv.document(o.place.doc);
        // Only an appliance route sends traffic to its next hop address: Azure ignores an
        // address left on a route of another type (a VnetLocal route once pointed at an
        // appliance keeps it in exports). A type azlint does not know counts as one that sends
        // (Azure refuses it anyway), and so does an absent one.
        let sure = match inv.prop_in(o, &["nextHopType"]) {
            Lookup::Found(t) if t.as_str().is_some_and(|t| ignores_next_hop_address(&t)) => {
                continue
            }
            Lookup::Unknown(u) => {
                unknown_type.get_or_insert(u);
                false
            }
            _ => true,
        };
        let mut add = |v: Value<'a>, at: Value<'a>| {
            if sure {
                hops.push((v, doc, at));
            } else {
                untyped.push((v, doc));
            }
        };
        match inv.prop_in(o, &["nextHopIpAddress"]) {
            Lookup::Found(v) => add(v, v),
            // An address a template builds is compared by what its text spells out (below).
            Lookup::Unknown(Unknown { at: Some(v), .. }) if v.is_string() => add(v, v),
            Lookup::Unknown(u) => unknown_hop = unknown_hop.or(Some(u)),
            Lookup::Absent => {}
        }
        match inv.prop_in(o, &["nextHopIpAddresses"]) {
            Lookup::Found(list) => list.elements().for_each(|v| add(v, list)),
            Lookup::Unknown(u) => unknown_hop = unknown_hop.or(Some(u)),
            Lookup::Absent => {}
        }
    }
    let mut out = Vec::new();
    let mut sites: Vec<usize> = Vec::new();
    // A literal next hop that an own IP known only at deployment may be.
    let mut unknown_lan = None;
    // Pointing at `at` (the address, or its ECMP list), saying the address.
    let point = |out: &mut Vec<Item<'a>>, v: Value<'a>, doc: &azlint_inventory::Document, at| {
        let mut i = Item::from_value(at).in_file(doc.file);
        i.scalar = Item::from_value(v).scalar;
        out.push(i);
    };
    for (v, doc, at) in hops {
        if let Some(u) = azlint_inventory::unknown_value(doc, v) {
            let hop = v.as_str().unwrap_or_default();
            match targets.sites_for_text(&hop, doc.file, vnets) {
                TextMatch::Sites(found) => {
                    point(&mut out, v, doc, at);
                    sites.extend(found);
                }
                TextMatch::None => {}
                TextMatch::Unknown => {
                    unknown_hop.get_or_insert(u);
                }
            }
            continue;
        }
        let Some(text) = v.as_str() else {
            continue;
        };
        let Ok(ip) = text.trim().parse::<IpAddr>() else {
            continue;
        };
        let found = targets.sites_for(ip, vnets);
        if !found.is_empty() {
            point(&mut out, v, doc, at);
            sites.extend(found);
        } else if let Some(lan) = targets.may_be_text(text.trim(), vnets) {
            unknown_lan.get_or_insert(Unknown {
                reason: format!(
                    "whether {} is a vSocket's own IP is known only at deployment (`{lan}`)",
                    text.trim()
                ),
                at: Some(v),
            });
        }
    }
    // A vSocket alone in its site in the inputs: a standalone vSocket is routed to its own LAN
    // IP, an HA pair's to the floating IP; which this is, the inputs do not say (HA017 warns
    // about the missing partner).
    if !out.is_empty() && sites.iter().all(|&i| cx.facts.sites[i].vms.len() < 2) {
        return FactAnswer::Unknown(Unknown {
            reason: "the vSocket that holds this address is the only one of its site in the inputs: a standalone vSocket is routed to its own LAN IP, an HA pair to the floating IP".into(),
            at: out[0].at,
        });
    }
    if out.is_empty() {
        if let Some(u) = unknown_type.filter(|_| {
            untyped
                .iter()
                .any(|&(v, doc)| targets.may_name_a_vsocket(v, doc, vnets))
        }) {
            return FactAnswer::Unknown(Unknown {
                reason: format!(
                    "the next hop address is or may be a vSocket's own IP, but whether this route sends traffic to it depends on its next hop type, known only at deployment: {}",
                    u.reason
                ),
                at: u.at,
            });
        }
        if let Some(u) = unknown_hop.filter(|_| targets.reaches_a_site(vnets)) {
            return FactAnswer::Unknown(Unknown {
                reason: format!(
                    "the next hop address is not known before deployment: {}",
                    u.reason
                ),
                at: u.at,
            });
        }
        if let Some(u) = unknown_lan {
            return FactAnswer::Unknown(u);
        }
    }
    if !floating {
        return known(out);
    }
    sites.sort_unstable();
    sites.dedup();
    let mut ips = Vec::new();
    for i in sites {
        let site = &cx.facts.sites[i];
        let answer = cx.cached_site_fact(i, "site.floating_ips", || {
            site_fact(cx, site, "site.floating_ips", route)
        });
        if let FactAnswer::Known(items) = answer {
            ips.extend(items.iter().cloned());
        }
    }
    known(ips)
}

#[cfg(test)]
mod tests {
    use super::*;
    use azlint_facts::Facts;
    use azlint_inventory::Inventory;

    /// The route targets read on the pool (before the rules run) and on one thread (when a
    /// rule asks for them first) are the same maps, in the same order.
    #[test]
    fn route_targets_are_the_same_read_in_parallel_or_not() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/rules/route-to-vsocket-ip"
        );
        let mut files = Vec::new();
        for case in ["fire", "silent"] {
            for entry in std::fs::read_dir(format!("{dir}/{case}")).expect("fixtures") {
                let path = entry.expect("fixture").path();
                // (Templates need evaluating first: the fixture tests run them.)
                let template = path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("template-"));
                if path.extension().is_some_and(|e| e == "json") && !template {
                    files.push(path);
                }
            }
        }
        files.sort();
        assert!(files.len() >= 8, "{files:?}");
        let mut peered = 0;
        for path in files {
            let text = std::fs::read_to_string(&path).expect("fixture");
            let inv = Inventory::from_texts(&[("input.json", &text)]).expect("JSON");
            let facts = Facts::derive(&inv);
            let cx = Context::new(&inv, &facts);
            let parallel = RouteTargets::build(&cx, true);
            assert_eq!(parallel, RouteTargets::build(&cx, false), "{path:?}");
            assert!(!parallel.own_ips.is_empty(), "{path:?}");
            peered += usize::from(!parallel.peers.is_empty());
        }
        assert!(peered >= 2, "the spoke cases have peerings");
    }
}
