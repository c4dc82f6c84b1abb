//! Knowledge derived from the inventory once and shared by every rule.
//!
//! For now: which VMs are Cato vSockets, which NICs and VNETs belong to them, and therefore what
//! the HA rules look at. Recognition follows domain.md 1.1-1.3: a marketplace plan or image from
//! publisher `catonetworks`, or Cato's naming (`*-vSocket-Primary`), because VMs built from a
//! VHD carry no plan.
//!
//! Scope matters for "no false positives": an enterprise export holds many NICs with custom
//! DNS that have nothing to do with the vSockets. When the inputs show vSockets and their NICs,
//! the HA rules look only at the sites' resources. When they show no vSocket (a user checking
//! just the VNET of a site), every resource is the user's subject and is checked.

use std::collections::{BTreeMap, BTreeSet};

use azlint_inventory::{id_key, parent_key, props_of, Inventory, Lookup, ResIdx};

pub const VM: &str = "microsoft.compute/virtualmachines";
pub const NIC: &str = "microsoft.network/networkinterfaces";
pub const VNET: &str = "microsoft.network/virtualnetworks";
pub const SUBNET: &str = "microsoft.network/virtualnetworks/subnets";

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
}

impl Facts {
    pub fn derive(inv: &Inventory) -> Facts {
        let vsocket_vms: Vec<ResIdx> = inv
            .of_type(VM)
            .iter()
            .copied()
            .filter(|&vm| is_vsocket(inv, vm))
            .collect();
        let mut nic_vm = Vec::new();
        for &vm in &vsocket_vms {
            if let Lookup::Found(list) = inv.prop(vm, &["networkProfile", "networkInterfaces"]) {
                for nic_ref in list.elements() {
                    if let Some(nic) = reference(inv, nic_ref) {
                        nic_vm.push((nic, vm));
                    }
                }
            }
        }
        // NICs name their VM too (`virtualMachine.id`): the VM's list may not have been exported.
        for &nic in inv.of_type(NIC) {
            if let Lookup::Found(vm_ref) = inv.prop(nic, &["virtualMachine"]) {
                if let Some(vm) = reference(inv, vm_ref) {
                    if vsocket_vms.contains(&vm) {
                        nic_vm.push((nic, vm));
                    }
                }
            }
        }
        // The first VM found for a NIC wins; input order decides, not hashing.
        let mut by_nic = BTreeMap::new();
        for (nic, vm) in nic_vm {
            by_nic.entry(nic).or_insert(vm);
        }
        let vsocket_nics: BTreeSet<ResIdx> = by_nic.keys().copied().collect();
        let mut vnet_nics: BTreeMap<ResIdx, Vec<ResIdx>> = BTreeMap::new();
        for &nic in &vsocket_nics {
            for subnet_id in subnet_ids(inv, nic) {
                if let Some(vnet) = parent_key(&subnet_id).and_then(|k| inv.get(k)) {
                    let nics = vnet_nics.entry(vnet).or_default();
                    if !nics.contains(&nic) {
                        nics.push(nic);
                    }
                }
            }
        }
        let scope = if vsocket_nics.is_empty() {
            Scope::Everything
        } else {
            Scope::Sites
        };
        Facts {
            scope,
            vsocket_vms,
            vsocket_nics,
            nic_vm: by_nic,
            vnet_nics,
        }
    }

    /// Whether HA rules check this NIC.
    pub fn nic_in_scope(&self, nic: ResIdx) -> bool {
        self.scope == Scope::Everything || self.vsocket_nics.contains(&nic)
    }

    /// Whether HA rules check this VNET.
    pub fn vnet_in_scope(&self, vnet: ResIdx) -> bool {
        self.scope == Scope::Everything || self.vnet_nics.contains_key(&vnet)
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

/// The resource an `{"id": ...}` reference points at, when it is in the inventory.
fn reference(inv: &Inventory, r: azlint_source::Value<'_>) -> Option<ResIdx> {
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
