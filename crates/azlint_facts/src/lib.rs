//! Knowledge derived from the inventory once and shared by every rule.
//!
//! The HA rules need to know what plain JSON does not say: which VMs are Cato vSockets, which
//! of them is primary, which NIC is management, WAN or LAN, which subnets, route tables and
//! NSGs belong to a site, what the floating IP is, which identity is the HA identity, and who
//! holds which role where. Recognition follows domain.md 1.1-1.4: a marketplace plan or image
//! from publisher `catonetworks`, or Cato's naming (`*-vSocket-Primary`), because VMs built
//! from a VHD carry no plan; NIC roles from Cato's names (`mng`, `wan`, `lan`) or else from
//! the order of the VM's NICs (`[mgmt, wan, lan]`, or `[wan, lan]` on 2-NIC sites).
//!
//! Scope matters for "no false positives": an enterprise export holds many NICs with custom
//! DNS that have nothing to do with the vSockets. When the inputs show vSockets and their NICs,
//! the HA rules look only at the sites' resources. When they show no vSocket (a user checking
//! just the VNET of a site), every resource is the user's subject and is checked.

mod ip;
mod nics;
pub mod nsg;
mod roles;
pub mod routes;
mod site;

use std::collections::{BTreeMap, BTreeSet};

use azlint_inventory::{
    id_key, is_expression_text, parent_key, props_of, split_expression_key, Inventory, Lookup,
    ResIdx,
};
use rayon::prelude::*;

pub use ip::{is_public_ip, non_public_range};
use nics::Table;
pub use nics::{vnet_key, Attached, NicInfo, SubnetInfo, VmInfo};
pub use roles::{
    is_guid, RoleAssignment, Roles, CONTRIBUTOR, OWNER, RBAC_ADMINISTRATOR,
    USER_ACCESS_ADMINISTRATOR, VM_CONTRIBUTOR,
};
pub use site::{explicit_vm, primary_config, NicRole, Site};

pub const VM: &str = "microsoft.compute/virtualmachines";
pub const NIC: &str = "microsoft.network/networkinterfaces";
pub const VNET: &str = "microsoft.network/virtualnetworks";
pub const SUBNET: &str = "microsoft.network/virtualnetworks/subnets";
pub const ROUTE_TABLE: &str = "microsoft.network/routetables";
pub const ROUTE: &str = "microsoft.network/routetables/routes";
pub const NSG: &str = "microsoft.network/networksecuritygroups";
pub const IDENTITY: &str = "microsoft.managedidentity/userassignedidentities";
pub const ROLE_ASSIGNMENT: &str = "microsoft.authorization/roleassignments";
pub const ROLE_DEFINITION: &str = "microsoft.authorization/roledefinitions";

/// `site_of` entry of a resource in no site.
const NO_SITE: u32 = u32::MAX;

/// Which resources the HA rules look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// No vSocket NIC could be found: every resource is checked.
    Everything,
    /// Only the recognised sites' resources are checked.
    Sites,
}

/// Facts about the HA sites in the inventory.
#[derive(Debug)]
pub struct Facts {
    pub scope: Scope,
    /// VMs recognised as vSockets, in input order.
    pub vsocket_vms: Vec<ResIdx>,
    /// NICs attached to a vSocket VM.
    pub vsocket_nics: BTreeSet<ResIdx>,
    /// For each vSocket NIC, its VM.
    nic_vm: BTreeMap<ResIdx, ResIdx>,
    /// VNETs holding a subnet that a vSocket NIC is in, with those NICs.
    vnet_nics: BTreeMap<ResIdx, Vec<ResIdx>>,
    /// The HA sites, each two vSockets (or one, when the other is missing).
    pub sites: Vec<Site>,
    /// How many sites have a single vSocket.
    pub lone_sites: usize,
    /// For each resource that belongs to a site, the site's index.
    site_of: Vec<u32>,
    /// Role assignments, indexed by scope.
    pub roles: Roles,
    /// Some vSocket's NICs or subnets could not be resolved.
    incomplete: bool,
    /// vSocket VMs whose NIC list is unknown or names NICs the inputs do not hold, in input
    /// (index) order.
    unresolved_vms: Vec<ResIdx>,
    /// What each vSocket NIC's JSON says, read once.
    nics: Table<NicInfo>,
    /// What each subnet of a vSocket NIC is attached to, read once.
    subnets: Table<SubnetInfo>,
}

/// An HA pair named in the configuration, for deployments azlint cannot recognise by itself:
/// each VM by resource id or name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplicitSite {
    pub primary: String,
    pub secondary: String,
}

impl Facts {
    pub fn derive(inv: &Inventory) -> Facts {
        Facts::derive_with(inv, &[])
    }

    /// Facts with explicitly named sites: their VMs are vSockets, paired as given, primary
    /// first, whatever their plan, image or names say. A VM the inputs do not hold is ignored.
    ///
    /// Each vSocket VM, vSocket NIC and subnet of one is read once, in parallel, into a record
    /// ([`VmInfo`], [`NicInfo`], [`SubnetInfo`]); grouping, site membership and the rules' facts
    /// then work from those records.
    pub fn derive_with(inv: &Inventory, explicit: &[ExplicitSite]) -> Facts {
        let forced = site::resolve_explicit(inv, explicit);
        // The vSocket VMs, in input order, each read while its JSON is at hand.
        let vms: Vec<(ResIdx, VmInfo)> = inv
            .map_resources(inv.of_type(VM), |vm| {
                (forced.contains_key(&vm) || is_vsocket(inv, vm))
                    .then(|| (vm, VmInfo::read(inv, vm)))
            })
            .into_iter()
            .flatten()
            .collect();
        let mut vsocket_vms: Vec<ResIdx> = vms.iter().map(|(vm, _)| *vm).collect();
        vsocket_vms.dedup();
        let mut nic_vm: Vec<(ResIdx, ResIdx)> = vms
            .iter()
            .flat_map(|(vm, info)| info.nics.iter().map(move |&n| (n, *vm)))
            .collect();
        // NICs name their VM too (`virtualMachine.id`): when a VM's list is missing or names
        // NICs that were not exported, find its NICs that way.
        if !vms.iter().all(|(_, info)| info.whole) {
            let is_vsocket_vm: foldhash::HashSet<ResIdx> = vsocket_vms.iter().copied().collect();
            let back_refs: Vec<(ResIdx, ResIdx)> = inv
                .of_type(NIC)
                .par_iter()
                .filter_map(|&nic| match inv.prop(nic, &["virtualMachine"]) {
                    Lookup::Found(vm_ref) => reference(inv, nic, vm_ref)
                        .filter(|vm| is_vsocket_vm.contains(vm))
                        .map(|vm| (nic, vm)),
                    _ => None,
                })
                .collect();
            nic_vm.extend(back_refs);
        }
        let listed: BTreeMap<ResIdx, Vec<ResIdx>> = vms
            .iter()
            .map(|(vm, info)| (*vm, info.nics.clone()))
            .collect();
        // The first VM found for a NIC wins; input order decides, not hashing.
        let mut by_nic = BTreeMap::new();
        for (nic, vm) in nic_vm {
            by_nic.entry(nic).or_insert(vm);
        }
        let vsocket_nics: BTreeSet<ResIdx> = by_nic.keys().copied().collect();
        let nic_list: Vec<ResIdx> = vsocket_nics.iter().copied().collect();
        // Role assignments are independent of the sites: read them alongside (the sequential
        // part of indexing them by scope overlaps the NICs' reading).
        let (infos, roles): (Vec<NicInfo>, Roles) = rayon::join(
            || inv.map_resources(&nic_list, |nic| NicInfo::read(inv, nic)),
            || Roles::collect(inv),
        );
        // The subnets of the vSocket NICs, each read once: a site's two vSockets share them.
        let mut subnet_list: Vec<ResIdx> = infos
            .iter()
            .flat_map(|i| i.subnets.iter().copied())
            .collect();
        subnet_list.sort_unstable();
        subnet_list.dedup();
        let subnet_infos: Vec<SubnetInfo> =
            inv.map_resources(&subnet_list, |s| SubnetInfo::read(inv, s));
        let subnets = Table::new(inv.len(), &subnet_list, subnet_infos);
        // Each VNET's NICs in NIC order: sort (VNET, NIC) pairs, drop repeats, group by VNET.
        let mut pairs: Vec<(ResIdx, ResIdx)> = nic_list
            .iter()
            .zip(&infos)
            .flat_map(|(&nic, info)| info.vnets.iter().map(move |&vnet| (vnet, nic)))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut vnet_nics: BTreeMap<ResIdx, Vec<ResIdx>> = BTreeMap::new();
        for chunk in pairs.chunk_by(|a, b| a.0 == b.0) {
            vnet_nics.insert(chunk[0].0, chunk.iter().map(|&(_, nic)| nic).collect());
        }
        let table = Table::new(inv.len(), &nic_list, infos);
        // With any vSocket in the inputs, the HA rules look at the sites alone, even when a
        // site's NICs are missing: checking every VNET of a large export would be noise.
        let scope = if vsocket_vms.is_empty() {
            Scope::Everything
        } else {
            Scope::Sites
        };
        let mut nics_by_vm: BTreeMap<ResIdx, Vec<ResIdx>> = BTreeMap::new();
        for (&nic, &vm) in &by_nic {
            nics_by_vm.entry(vm).or_default().push(nic);
        }
        let incomplete = vms.iter().any(|(vm, info)| {
            let known = nics_by_vm.get(vm).map(Vec::as_slice).unwrap_or(&[]);
            site_unresolved(inv, &table, info, known)
        });
        let vm_infos: BTreeMap<ResIdx, &VmInfo> =
            vms.iter().map(|(vm, info)| (*vm, info)).collect();
        let sites = site::group(
            inv,
            &vsocket_vms,
            &listed,
            &by_nic,
            &forced,
            &table,
            &vm_infos,
        );
        let mut site_of = vec![NO_SITE; inv.len()];
        // Sites are independent: find their members in parallel, then merge in site order.
        let members: Vec<Vec<ResIdx>> = sites
            .par_iter()
            .map(|s| s.members_from(inv, &table, &subnets, &vm_infos))
            .collect();
        for (i, m) in members.into_iter().enumerate() {
            for r in m {
                if let Some(slot) = site_of.get_mut(r as usize) {
                    if *slot == NO_SITE {
                        *slot = i as u32;
                    }
                }
            }
        }
        let lone_sites = sites.iter().filter(|s| s.vms.len() == 1).count();
        let unresolved_vms = vms
            .iter()
            .filter(|(_, info)| info.unresolved)
            .map(|(vm, _)| *vm)
            .collect();
        Facts {
            scope,
            vsocket_vms,
            vsocket_nics,
            nic_vm: by_nic,
            vnet_nics,
            sites,
            lone_sites,
            site_of,
            roles,
            incomplete,
            unresolved_vms,
            nics: table,
            subnets,
        }
    }

    /// Why a resource outside every site might still belong to one: a vSocket whose NICs or
    /// subnets the inputs do not show.
    pub fn unresolved_reason(&self) -> Option<&'static str> {
        self.incomplete.then_some(
            "a vSocket's NICs or their subnets are not in the inputs, so which resources belong to its site is unknown",
        )
    }

    /// Resources a site refers to that the inputs do not hold, by id (as written), each once,
    /// in the order met: the NICs its VMs list; its NICs' NSGs and primary subnets; those
    /// subnets' VNETs, route tables, NSGs and NAT gateways. The checks that read them cannot
    /// run, and a user should hear so rather than see a clean pass.
    pub fn missing_references(&self, inv: &Inventory, site: &Site) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen: foldhash::HashSet<String> = Default::default();
        let mut add = |id: &str| {
            let id = id.trim();
            // A template expression left unevaluated is unknown, not missing: the rules that
            // read it say so themselves.
            if !id.is_empty() && !is_expression_text(id) && seen.insert(id_key(id)) {
                out.push(id.to_string());
            }
        };
        for (_, id) in self.unresolved_nic_ids(inv, site) {
            if inv.get(&id).is_none() {
                add(&id);
            }
        }
        let mut subnets: Vec<ResIdx> = Vec::new();
        for &(_, nic, _) in &site.nics {
            let Some(info) = self.nic_info(nic) else {
                continue;
            };
            if let Attached::Missing(id) = &info.nsg {
                add(id);
            }
            if let Some(subnet) = info.primary_subnet {
                subnets.push(subnet);
                continue;
            }
            let (Some(node), Some(key)) = (info.primary_subnet_id, &info.primary_subnet_key) else {
                continue;
            };
            let written = inv.document_of(nic).value(node).as_str();
            let written = written.as_deref().map(str::trim).unwrap_or(key);
            if split_expression_key(key).is_some() {
                // Named only at deployment: unknown, not missing (`add` leaves it out).
                add(written);
                continue;
            }
            match parent_key(key) {
                // The VNET is not there either: name it.
                Some(vnet) if inv.get(vnet).is_none() => add(parent_as_written(written, vnet)),
                _ => add(written),
            }
        }
        subnets.sort_unstable();
        subnets.dedup();
        for subnet in subnets {
            let r = inv.resource(subnet);
            if let (None, Some(vnet)) = (r.parent, r.key.as_deref().and_then(parent_key)) {
                let written = inv.id(subnet).unwrap_or_default();
                add(parent_as_written(written.trim(), vnet));
            }
            if let Some(info) = self.subnet_info(subnet) {
                for attached in [&info.route_table, &info.nsg, &info.nat_gateway] {
                    if let Attached::Missing(id) = attached {
                        add(id);
                    }
                }
            }
        }
        out
    }

    /// NICs a site's VMs name by ids known only at deployment that no resource of the inputs
    /// has (`resourceInfo('nics[0]').id` of a NIC whose name is unknown), each once, as written:
    /// the checks of those NICs cannot run, and nothing else would say so.
    pub fn unknown_references(&self, inv: &Inventory, site: &Site) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (vm, id) in self.unresolved_nic_ids(inv, site) {
            let id = id.trim();
            if is_expression_text(id)
                && inv.get_in(vm, id).is_none()
                && !out.iter().any(|o| o == id)
            {
                out.push(id.to_string());
            }
        }
        out
    }

    /// The NIC ids, as written, that a site's VMs list when some NIC they list is not found:
    /// only those VMs are read again.
    fn unresolved_nic_ids<'i>(
        &self,
        inv: &'i Inventory,
        site: &Site,
    ) -> Vec<(ResIdx, std::borrow::Cow<'i, str>)> {
        let mut out = Vec::new();
        for &vm in site
            .vms
            .iter()
            .filter(|vm| self.unresolved_vms.binary_search(vm).is_ok())
        {
            if let Lookup::Found(list) = inv.prop(vm, &["networkProfile", "networkInterfaces"]) {
                out.extend(list.elements().filter_map(|r| {
                    let id = r.get_ignore_case("id").and_then(|i| i.as_str())?;
                    Some((vm, id))
                }));
            }
        }
        out
    }

    /// Whether HA rules check this NIC.
    pub fn nic_in_scope(&self, nic: ResIdx) -> bool {
        self.scope == Scope::Everything || self.vsocket_nics.contains(&nic)
    }

    /// Whether HA rules check this VNET.
    pub fn vnet_in_scope(&self, vnet: ResIdx) -> bool {
        self.scope == Scope::Everything || self.vnet_nics.contains_key(&vnet)
    }

    /// Whether HA rules check this resource: it belongs to a site, or no site is known.
    pub fn in_scope(&self, res: ResIdx) -> bool {
        self.scope == Scope::Everything || self.site_index(res).is_some()
    }

    /// The index in [`Facts::sites`] of the site a resource belongs to.
    pub fn site_index(&self, res: ResIdx) -> Option<usize> {
        self.site_of
            .get(res as usize)
            .filter(|&&i| i != NO_SITE)
            .map(|&i| i as usize)
    }

    /// The site a resource belongs to.
    pub fn site_of(&self, res: ResIdx) -> Option<&Site> {
        self.site_index(res).map(|i| &self.sites[i])
    }

    /// The vSocket VM a NIC is attached to.
    pub fn vm_of_nic(&self, nic: ResIdx) -> Option<ResIdx> {
        self.nic_vm.get(&nic).copied()
    }

    /// vSocket NICs in a subnet of this VNET.
    pub fn nics_in_vnet(&self, vnet: ResIdx) -> &[ResIdx] {
        self.vnet_nics.get(&vnet).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether a VM is a vSocket.
    pub fn is_vsocket_vm(&self, vm: ResIdx) -> bool {
        // In input order, which is index order: a binary search, not a scan per question.
        self.vsocket_vms.binary_search(&vm).is_ok()
    }

    /// What a vSocket NIC's JSON says about its IP configurations and attachments, read once.
    pub fn nic_info(&self, nic: ResIdx) -> Option<&NicInfo> {
        self.nics.get(nic)
    }

    /// What a subnet of a vSocket NIC is attached to, read once.
    pub fn subnet_info(&self, subnet: ResIdx) -> Option<&SubnetInfo> {
        self.subnets.get(subnet)
    }

    /// The subnet (as a key) of the primary vSocket's NIC of a role: [`Site::primary_subnet_key`]
    /// from the NIC's record.
    pub fn primary_subnet_key<'s>(&'s self, site: &Site, role: NicRole) -> Option<&'s str> {
        let vm = site.primary()?;
        let nic = site
            .nics
            .iter()
            .find(|&&(v, _, r)| v == vm && r == role)
            .map(|&(_, n, _)| n)?;
        self.nic_info(nic)?.primary_subnet_key.as_deref()
    }

    /// The subnets (as keys) the NICs of a role are in, by their primary IP configuration:
    /// [`Site::subnet_keys`] from the NICs' records.
    pub fn subnet_keys<'s>(&'s self, site: &Site, role: NicRole) -> Vec<&'s str> {
        let mut out: Vec<&str> = Vec::new();
        for nic in site.nics_of(role) {
            if let Some(key) = self
                .nic_info(nic)
                .and_then(|i| i.primary_subnet_key.as_deref())
            {
                if !out.contains(&key) {
                    out.push(key);
                }
            }
        }
        out
    }
}

/// The parent part of a child's id as the child's id writes it (`.../virtualNetworks/ams-vsNet`),
/// given the parent's key; the key itself where the written id is not plain ASCII.
fn parent_as_written<'a>(written: &'a str, parent: &'a str) -> &'a str {
    // Keys are the ids lower-cased: for ASCII, the same bytes at the same places.
    match written.get(..parent.len()) {
        Some(p) if written.is_ascii() && p.eq_ignore_ascii_case(parent) => p,
        _ => parent,
    }
}

/// A vSocket VM: Cato's marketplace plan or image; else, for a VM built from a VHD or a
/// managed image (no marketplace publisher), Cato's VM naming.
///
/// A plan or image of another publisher (a FortiGate, an Ubuntu probe) is not a vSocket
/// whatever its name says. Names: Cato's `SITE-vSocket-Primary` / `-Secondary` (any name with
/// `vsocket` that ends in `primary` or `secondary`); any other name with `vsocket` only on a
/// VM that lists two or three NICs, as a vSocket does (or whose list the export does not
/// show), so that a one-NIC `vm-vsocket-probe01` is not taken for one.
/// Whether a service tag holds management.azure.com, which the HA script calls: Azure
/// Resource Manager's own tag, and AzureCloud (every Azure public address). A regional tag
/// (`AzureCloud.westeurope`) holds one region's addresses, which may not be the ones
/// management.azure.com answers from.
pub fn holds_management_api(tag: &str) -> bool {
    let tag = tag.trim();
    tag.eq_ignore_ascii_case("AzureResourceManager") || tag.eq_ignore_ascii_case("AzureCloud")
}

pub fn is_vsocket(inv: &Inventory, vm: ResIdx) -> bool {
    let publisher = |l: Lookup<'_>| match l {
        Lookup::Found(v) => v
            .as_str()
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty()),
        _ => None,
    };
    let plan = publisher(inv.top(vm, &["plan", "publisher"]));
    let image = publisher(inv.prop(vm, &["storageProfile", "imageReference", "publisher"]));
    let image_id = publisher(inv.prop(vm, &["storageProfile", "imageReference", "id"]));
    let cato = |p: &Option<String>| p.as_deref().is_some_and(|p| p.contains("catonetworks"));
    if cato(&plan) || cato(&image) || cato(&image_id) {
        return true;
    }
    // Expressions are not publishers: a template's plan may be a parameter.
    let other = |p: &Option<String>| p.as_deref().is_some_and(|p| !is_expression_text(p));
    if other(&plan) || other(&image) {
        return false;
    }
    let Some(name) = inv.name(vm).and_then(|n| n.as_str()) else {
        return false;
    };
    let name = name.trim().to_ascii_lowercase();
    if !name.contains("vsocket") {
        return false;
    }
    if name.ends_with("primary") || name.ends_with("secondary") {
        return true;
    }
    match inv.prop(vm, &["networkProfile", "networkInterfaces"]) {
        Lookup::Found(list) if list.is_array() => (2..=3).contains(&list.elements().count()),
        _ => true,
    }
}

/// Whether a vSocket's site cannot be fully known: its NIC list is unknown, a NIC it lists is
/// not in the inputs, or a NIC's subnets are unknown.
fn site_unresolved(
    inv: &Inventory,
    table: &Table<NicInfo>,
    vm: &VmInfo,
    known_nics: &[ResIdx],
) -> bool {
    if vm.unresolved {
        return true;
    }
    let mut nics = known_nics.iter().chain(&vm.nics).peekable();
    nics.peek().is_none()
        || nics.any(|&n| match table.get(n) {
            Some(info) => !info.configs_known,
            None => !matches!(inv.prop(n, &["ipConfigurations"]), Lookup::Found(_)),
        })
}

/// The resource an `{"id": ...}` reference written in `from` points at, when it is in the
/// inventory (see [`Inventory::get_in`]).
pub fn reference(inv: &Inventory, from: ResIdx, r: azlint_source::Value<'_>) -> Option<ResIdx> {
    let id = r.get_ignore_case("id").and_then(|i| i.as_str())?;
    inv.get_in(from, &id)
}

/// Lower-cased ids of the subnets a NIC's IP configurations are in.
pub fn subnet_ids(inv: &Inventory, nic: ResIdx) -> Vec<String> {
    let Lookup::Found(configs) = inv.prop(nic, &["ipConfigurations"]) else {
        return Vec::new();
    };
    configs
        .elements()
        .filter_map(|c| {
            props_of(c)
                .pointer(&["subnet", "id"])
                .and_then(|id| id.as_str())
                .map(|id| id_key(&id))
        })
        .collect()
}
