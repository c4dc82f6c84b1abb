//! HA sites: two vSockets, their NICs by role, and everything they use.

use std::collections::{BTreeMap, BTreeSet};

use azlint_inventory::{id_key, parent_key, props_of, Inventory, Lookup, ResIdx};
use azlint_source::Value;
use rayon::prelude::*;

use crate::{reference, subnet_ids, ROUTE, ROUTE_TABLE};

/// What a vSocket NIC is for (domain.md 1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NicRole {
    Mgmt,
    Wan,
    Lan,
}

impl NicRole {
    pub fn as_str(self) -> &'static str {
        match self {
            NicRole::Mgmt => "mgmt",
            NicRole::Wan => "wan",
            NicRole::Lan => "lan",
        }
    }
}

/// One HA site.
#[derive(Clone, Debug, Default)]
pub struct Site {
    /// The vSocket VMs, primary first.
    pub vms: Vec<ResIdx>,
    /// Each vSocket NIC with its VM and role.
    pub nics: Vec<(ResIdx, ResIdx, NicRole)>,
    /// How many NICs each VM lists (2 or 3 for a vSocket).
    pub nic_counts: BTreeMap<ResIdx, usize>,
}

impl Site {
    pub fn primary(&self) -> Option<ResIdx> {
        self.vms.first().copied()
    }

    /// The NICs of a role, primary VM's first.
    pub fn nics_of(&self, role: NicRole) -> impl Iterator<Item = ResIdx> + '_ {
        self.vms.iter().flat_map(move |&vm| {
            self.nics
                .iter()
                .filter(move |&&(v, _, r)| v == vm && r == role)
                .map(|&(_, n, _)| n)
        })
    }

    /// The role of one of the site's NICs.
    pub fn role_of(&self, nic: ResIdx) -> Option<NicRole> {
        self.nics
            .iter()
            .find(|&&(_, n, _)| n == nic)
            .map(|&(_, _, r)| r)
    }

    /// The VM of one of the site's NICs.
    pub fn vm_of(&self, nic: ResIdx) -> Option<ResIdx> {
        self.nics
            .iter()
            .find(|&&(_, n, _)| n == nic)
            .map(|&(v, _, _)| v)
    }

    /// Subnets (lower-cased ids) the NICs of a role are in, by their primary IP configuration.
    pub fn subnet_keys(&self, inv: &Inventory, role: NicRole) -> Vec<String> {
        let mut out = Vec::new();
        for nic in self.nics_of(role) {
            if let Some(s) = primary_config(inv, nic).and_then(|c| {
                props_of(c)
                    .pointer(&["subnet", "id"])
                    .and_then(|v| v.as_str())
                    .map(|s| id_key(&s))
            }) {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
        out
    }

    /// The subnet (lower-cased id) of the primary vSocket's NIC of a role.
    pub fn primary_subnet_key(&self, inv: &Inventory, role: NicRole) -> Option<String> {
        let vm = self.primary()?;
        let nic = self
            .nics
            .iter()
            .find(|&&(v, _, r)| v == vm && r == role)
            .map(|&(_, n, _)| n)?;
        primary_config(inv, nic).and_then(|c| {
            props_of(c)
                .pointer(&["subnet", "id"])
                .and_then(|v| v.as_str())
                .map(|s| id_key(&s))
        })
    }

    /// Every resource of the site: VMs, NICs, subnets, VNETs, route tables and their routes,
    /// NSGs, public IPs, identities, disks.
    pub fn members(&self, inv: &Inventory) -> BTreeSet<ResIdx> {
        let mut out: BTreeSet<ResIdx> = self.vms.iter().copied().collect();
        let add_ref = |out: &mut BTreeSet<ResIdx>, v: Option<Value<'_>>| {
            if let Some(r) = v.and_then(|v| reference(inv, v)) {
                out.insert(r);
            }
        };
        for &(_, nic, _) in &self.nics {
            out.insert(nic);
            add_ref(&mut out, found(inv.prop(nic, &["networkSecurityGroup"])));
            if let Lookup::Found(configs) = inv.prop(nic, &["ipConfigurations"]) {
                for c in configs.elements() {
                    add_ref(&mut out, props_of(c).get_ignore_case("publicIPAddress"));
                }
            }
            for subnet in subnet_ids(inv, nic) {
                if let Some(s) = inv.get(&subnet) {
                    out.insert(s);
                    add_ref(&mut out, found(inv.prop(s, &["routeTable"])));
                    add_ref(&mut out, found(inv.prop(s, &["networkSecurityGroup"])));
                    add_ref(&mut out, found(inv.prop(s, &["natGateway"])));
                }
                if let Some(vnet) = parent_key(&subnet).and_then(|k| inv.get(k)) {
                    out.insert(vnet);
                }
            }
        }
        for &vm in &self.vms {
            add_ref(
                &mut out,
                found(inv.prop(vm, &["storageProfile", "osDisk", "managedDisk"])),
            );
            if let Lookup::Found(ids) = inv.top(vm, &["identity", "userAssignedIdentities"]) {
                for (key, _) in ids.members() {
                    if let Some(r) = key.as_str().and_then(|k| inv.get(&k)) {
                        out.insert(r);
                    }
                }
            }
        }
        let tables: Vec<ResIdx> = out
            .iter()
            .copied()
            .filter(|&r| &*inv.resource(r).type_lc == ROUTE_TABLE)
            .collect();
        for t in tables {
            out.extend(inv.children(t, ROUTE));
        }
        let nsgs: Vec<ResIdx> = out
            .iter()
            .copied()
            .filter(|&r| &*inv.resource(r).type_lc == crate::NSG)
            .collect();
        for n in nsgs {
            out.extend(inv.children(n, "microsoft.network/networksecuritygroups/securityrules"));
        }
        out
    }
}

fn found(l: Lookup<'_>) -> Option<Value<'_>> {
    match l {
        Lookup::Found(v) => Some(v),
        _ => None,
    }
}

/// A NIC's primary IP configuration (the one marked `primary`, else the only one).
pub fn primary_config(inv: &Inventory, nic: ResIdx) -> Option<Value<'_>> {
    let Lookup::Found(configs) = inv.prop(nic, &["ipConfigurations"]) else {
        return None;
    };
    let all: Vec<Value<'_>> = configs.elements().collect();
    all.iter()
        .copied()
        .find(|c| {
            props_of(*c)
                .get_ignore_case("primary")
                .and_then(|p| p.as_bool())
                == Some(true)
        })
        .or_else(|| (all.len() == 1).then(|| all[0]))
}

/// VMs named by explicit sites: for each, the site's index and whether it is the primary.
pub(crate) type Forced = std::collections::HashMap<ResIdx, (usize, bool)>;

/// Finds the VMs of explicit sites, by id (case-insensitive) or name. Both VMs must be found
/// for a site to count; a VM named by two sites keeps the first.
pub(crate) fn resolve_explicit(inv: &Inventory, explicit: &[crate::ExplicitSite]) -> Forced {
    let mut forced = Forced::new();
    if explicit.is_empty() {
        return forced;
    }
    let find = |word: &str| -> Option<ResIdx> {
        let word = word.trim();
        if word.starts_with('/') {
            return inv
                .get(word)
                .filter(|&r| inv.resource(r).type_lc.as_ref() == crate::VM);
        }
        inv.of_type(crate::VM).iter().copied().find(|&vm| {
            inv.name(vm)
                .and_then(|n| n.as_str())
                .is_some_and(|n| n.eq_ignore_ascii_case(word))
        })
    };
    for (i, s) in explicit.iter().enumerate() {
        if let (Some(p), Some(q)) = (find(&s.primary), find(&s.secondary)) {
            if p != q && !forced.contains_key(&p) && !forced.contains_key(&q) {
                forced.insert(p, (i, true));
                forced.insert(q, (i, false));
            }
        }
    }
    forced
}

/// Groups vSocket VMs into sites and gives their NICs roles.
pub(crate) fn group(
    inv: &Inventory,
    vms: &[ResIdx],
    listed: &BTreeMap<ResIdx, Vec<ResIdx>>,
    nic_vm: &BTreeMap<ResIdx, ResIdx>,
    forced: &Forced,
) -> Vec<Site> {
    // NICs per VM: the VM's own list (in order), then NICs that name the VM.
    let mut nics_of: BTreeMap<ResIdx, Vec<ResIdx>> = listed.clone();
    for (&nic, &vm) in nic_vm {
        let list = nics_of.entry(vm).or_default();
        if !list.contains(&nic) {
            list.push(nic);
        }
    }
    // Two vSockets are one site when they share a VNET or Cato's naming pairs them
    // (SITE-vSocket-Primary / SITE-vSocket-Secondary): either link is enough, so a renamed
    // vSocket still pairs by VNET and one deployed into the wrong VNET still pairs by name.
    let mut parent: Vec<usize> = (0..vms.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_with: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    // A VM of an explicit site pairs with its partner only.
    let keys: Vec<[Option<String>; 2]> = vms
        .par_iter()
        .map(|&vm| {
            if let Some((site, _)) = forced.get(&vm) {
                return [Some(format!("site:{site}")), None];
            }
            let vnet = nics_of.get(&vm).and_then(|nics| {
                nics.iter()
                    .flat_map(|&n| subnet_ids(inv, n))
                    .find_map(|s| parent_key(&s).map(|p| format!("vnet:{p}")))
            });
            [vnet, name_stem(inv, vm)]
        })
        .collect();
    for (i, pair) in keys.into_iter().enumerate() {
        for key in pair.into_iter().flatten() {
            match first_with.get(&key) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    // The earlier VM's group absorbs the later one: input order decides.
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    first_with.insert(key, i);
                }
            }
        }
    }
    let mut by_key: Vec<(usize, Vec<ResIdx>)> = Vec::new();
    let mut slot: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (i, &vm) in vms.iter().enumerate() {
        let root = find(&mut parent, i);
        match slot.get(&root) {
            Some(&k) => by_key[k].1.push(vm),
            None => {
                slot.insert(root, by_key.len());
                by_key.push((root, vec![vm]));
            }
        }
    }
    by_key
        .into_par_iter()
        .map(|(_, mut vms)| {
            // The primary: named so, else not named secondary, else first in the input.
            let rank = |vm: &ResIdx| {
                if let Some(&(_, primary)) = forced.get(vm) {
                    return if primary { 0 } else { 2 };
                }
                let n = name(inv, *vm);
                if n.contains("primary") {
                    0
                } else if n.contains("secondary") {
                    2
                } else {
                    1
                }
            };
            vms.sort_by_key(rank);
            let mut site = Site {
                vms: vms.clone(),
                ..Site::default()
            };
            for &vm in &vms {
                let list = nics_of.get(&vm).cloned().unwrap_or_default();
                site.nic_counts.insert(vm, list.len());
                for (nic, role) in roles(inv, &list) {
                    site.nics.push((vm, nic, role));
                }
            }
            site
        })
        .collect()
}

fn name(inv: &Inventory, res: ResIdx) -> String {
    inv.name(res)
        .and_then(|n| n.as_str().map(|s| s.to_lowercase()))
        .unwrap_or_default()
}

/// `ams-vSocket-Primary` and `ams-vSocket-Secondary` share the stem `ams-vsocket-`.
fn name_stem(inv: &Inventory, vm: ResIdx) -> Option<String> {
    let n = name(inv, vm);
    ["primary", "secondary"]
        .iter()
        .find_map(|suffix| n.strip_suffix(suffix))
        .filter(|stem| !stem.is_empty())
        .map(|stem| format!("name:{stem}"))
}

/// Roles of a VM's NICs: from Cato's names when they tell every NIC apart, else from the
/// order (`[mgmt, wan, lan]`, or `[wan, lan]` with two NICs).
fn roles(inv: &Inventory, nics: &[ResIdx]) -> Vec<(ResIdx, NicRole)> {
    let by_name: Vec<Option<NicRole>> = nics
        .iter()
        .map(|&n| {
            let n = name(inv, n);
            if n.contains("lan") {
                Some(NicRole::Lan)
            } else if n.contains("wan") {
                Some(NicRole::Wan)
            } else if n.contains("mng") || n.contains("mgmt") || n.contains("manage") {
                Some(NicRole::Mgmt)
            } else {
                None
            }
        })
        .collect();
    let distinct: BTreeSet<NicRole> = by_name.iter().flatten().copied().collect();
    if distinct.len() == nics.len() && by_name.iter().all(Option::is_some) {
        return nics
            .iter()
            .zip(by_name)
            .filter_map(|(&n, r)| r.map(|r| (n, r)))
            .collect();
    }
    // By position: [mgmt, wan, lan] (extra NICs have no role), or [wan, lan] with two.
    let order: &[NicRole] = match nics.len() {
        0 | 1 => &[],
        2 => &[NicRole::Wan, NicRole::Lan],
        _ => &[NicRole::Mgmt, NicRole::Wan, NicRole::Lan],
    };
    nics.iter().copied().zip(order.iter().copied()).collect()
}
