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
pub mod nsg;
mod roles;
pub mod routes;
mod site;

use std::collections::{BTreeMap, BTreeSet};

use azlint_inventory::{id_key, parent_key, props_of, Inventory, Lookup, ResIdx};
use rayon::prelude::*;

pub use ip::{is_public_ip, non_public_range};
pub use roles::{
    RoleAssignment, Roles, CONTRIBUTOR, OWNER, USER_ACCESS_ADMINISTRATOR, VM_CONTRIBUTOR,
};
pub use site::{primary_config, NicRole, Site};

pub const VM: &str = "microsoft.compute/virtualmachines";
pub const NIC: &str = "microsoft.network/networkinterfaces";
pub const VNET: &str = "microsoft.network/virtualnetworks";
pub const SUBNET: &str = "microsoft.network/virtualnetworks/subnets";
pub const ROUTE_TABLE: &str = "microsoft.network/routetables";
pub const ROUTE: &str = "microsoft.network/routetables/routes";
pub const NSG: &str = "microsoft.network/networksecuritygroups";
pub const IDENTITY: &str = "microsoft.managedidentity/userassignedidentities";
pub const ROLE_ASSIGNMENT: &str = "microsoft.authorization/roleassignments";

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
    /// For each resource that belongs to a site, the site's index.
    site_of: Vec<u32>,
    /// Role assignments, indexed by scope.
    pub roles: Roles,
    /// Some vSocket's NICs or subnets could not be resolved.
    incomplete: bool,
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
    pub fn derive_with(inv: &Inventory, explicit: &[ExplicitSite]) -> Facts {
        let forced = site::resolve_explicit(inv, explicit);
        let mut vsocket_vms: Vec<ResIdx> = inv
            .of_type(VM)
            .iter()
            .copied()
            .filter(|&vm| forced.contains_key(&vm) || is_vsocket(inv, vm))
            .collect();
        vsocket_vms.dedup();
        // Each VM's own NIC list, in order; whether every entry resolved to an exported NIC.
        let listed: Vec<(ResIdx, Vec<ResIdx>, bool)> = vsocket_vms
            .par_iter()
            .map(
                |&vm| match inv.prop(vm, &["networkProfile", "networkInterfaces"]) {
                    Lookup::Found(list) => {
                        let refs: Vec<_> = list.elements().collect();
                        let nics: Vec<ResIdx> =
                            refs.iter().filter_map(|&r| reference(inv, r)).collect();
                        let whole = !refs.is_empty() && nics.len() == refs.len();
                        (vm, nics, whole)
                    }
                    _ => (vm, Vec::new(), false),
                },
            )
            .collect();
        let mut nic_vm: Vec<(ResIdx, ResIdx)> = listed
            .iter()
            .flat_map(|(vm, nics, _)| nics.iter().map(move |&n| (n, *vm)))
            .collect();
        // NICs name their VM too (`virtualMachine.id`): when a VM's list is missing or names
        // NICs that were not exported, find its NICs that way.
        if !listed.iter().all(|(_, _, whole)| *whole) {
            let is_vsocket_vm: std::collections::HashSet<ResIdx> =
                vsocket_vms.iter().copied().collect();
            let back_refs: Vec<(ResIdx, ResIdx)> = inv
                .of_type(NIC)
                .par_iter()
                .filter_map(|&nic| match inv.prop(nic, &["virtualMachine"]) {
                    Lookup::Found(vm_ref) => reference(inv, vm_ref)
                        .filter(|vm| is_vsocket_vm.contains(vm))
                        .map(|vm| (nic, vm)),
                    _ => None,
                })
                .collect();
            nic_vm.extend(back_refs);
        }
        let listed: BTreeMap<ResIdx, Vec<ResIdx>> =
            listed.into_iter().map(|(vm, nics, _)| (vm, nics)).collect();
        // The first VM found for a NIC wins; input order decides, not hashing.
        let mut by_nic = BTreeMap::new();
        for (nic, vm) in nic_vm {
            by_nic.entry(nic).or_insert(vm);
        }
        let vsocket_nics: BTreeSet<ResIdx> = by_nic.keys().copied().collect();
        let nic_vnets: Vec<(ResIdx, Vec<ResIdx>)> = vsocket_nics
            .par_iter()
            .map(|&nic| {
                let vnets = subnet_ids(inv, nic)
                    .iter()
                    .filter_map(|s| parent_key(s).and_then(|k| inv.get(k)))
                    .collect();
                (nic, vnets)
            })
            .collect();
        let mut vnet_nics: BTreeMap<ResIdx, Vec<ResIdx>> = BTreeMap::new();
        for (nic, vnets) in nic_vnets {
            for vnet in vnets {
                let nics = vnet_nics.entry(vnet).or_default();
                if !nics.contains(&nic) {
                    nics.push(nic);
                }
            }
        }
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
        let incomplete = vsocket_vms.par_iter().any(|&vm| {
            site_unresolved(
                inv,
                vm,
                nics_by_vm.get(&vm).map(Vec::as_slice).unwrap_or(&[]),
            )
        });
        let sites = site::group(inv, &vsocket_vms, &listed, &by_nic, &forced);
        let mut site_of = vec![NO_SITE; inv.len()];
        // Sites are independent: find their members in parallel, then merge in site order.
        let members: Vec<BTreeSet<ResIdx>> = sites.par_iter().map(|s| s.members(inv)).collect();
        for (i, m) in members.into_iter().enumerate() {
            for r in m {
                if let Some(slot) = site_of.get_mut(r as usize) {
                    if *slot == NO_SITE {
                        *slot = i as u32;
                    }
                }
            }
        }
        Facts {
            scope,
            vsocket_vms,
            vsocket_nics,
            nic_vm: by_nic,
            vnet_nics,
            sites,
            site_of,
            roles: Roles::collect(inv),
            incomplete,
        }
    }

    /// Why a resource outside every site might still belong to one: a vSocket whose NICs or
    /// subnets the inputs do not show.
    pub fn unresolved_reason(&self) -> Option<&'static str> {
        self.incomplete.then_some(
            "a vSocket's NICs or their subnets are not in the inputs, so which resources belong to its site is unknown",
        )
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
}

/// A vSocket VM: Cato's marketplace plan or image, or Cato's VM naming.
pub fn is_vsocket(inv: &Inventory, vm: ResIdx) -> bool {
    let is_cato = |l: Lookup<'_>| match l {
        Lookup::Found(v) => v
            .as_str()
            .is_some_and(|s| s.to_ascii_lowercase().contains("catonetworks")),
        _ => false,
    };
    is_cato(inv.top(vm, &["plan", "publisher"]))
        || is_cato(inv.prop(vm, &["storageProfile", "imageReference", "publisher"]))
        || is_cato(inv.prop(vm, &["storageProfile", "imageReference", "id"]))
        || inv
            .name(vm)
            .and_then(|n| n.as_str())
            .is_some_and(|n| n.to_ascii_lowercase().contains("vsocket"))
}

/// Whether a vSocket's site cannot be fully known: its NIC list is unknown, a NIC it lists is
/// not in the inputs, or a NIC's subnets are unknown.
fn site_unresolved(inv: &Inventory, vm: ResIdx, known_nics: &[ResIdx]) -> bool {
    let listed = match inv.prop(vm, &["networkProfile", "networkInterfaces"]) {
        Lookup::Found(list) => list.elements().collect::<Vec<_>>(),
        Lookup::Unknown(_) => return true,
        Lookup::Absent => Vec::new(),
    };
    let mut nics: Vec<ResIdx> = known_nics.to_vec();
    for r in &listed {
        match reference(inv, *r) {
            Some(n) => nics.push(n),
            None => return true,
        }
    }
    nics.is_empty()
        || nics
            .iter()
            .any(|&n| !matches!(inv.prop(n, &["ipConfigurations"]), Lookup::Found(_)))
}

/// The resource an `{"id": ...}` reference points at, when it is in the inventory.
pub fn reference(inv: &Inventory, r: azlint_source::Value<'_>) -> Option<ResIdx> {
    let id = r.get_ignore_case("id").and_then(|i| i.as_str())?;
    inv.get(&id)
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
