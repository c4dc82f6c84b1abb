//! HA sites: two vSockets, their NICs by role, and everything they use.

use std::collections::{BTreeMap, BTreeSet};

use azlint_inventory::{id_key, props_of, resource_group_key, Inventory, Lookup, ResIdx};
use azlint_source::Value;
use rayon::prelude::*;

use crate::nics::{lower_name, NicInfo, SubnetInfo, Table, VmInfo};
use crate::{ROUTE, ROUTE_TABLE};

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
    /// How many NICs each VM's `networkProfile.networkInterfaces` lists (2 or 3 for a
    /// vSocket), whether the inputs hold them or not; absent for a VM whose list is absent or
    /// unknown.
    pub listed_nics: BTreeMap<ResIdx, usize>,
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
        let nics: Vec<(ResIdx, NicInfo)> = self
            .nics
            .iter()
            .map(|&(_, nic, _)| (nic, NicInfo::read(inv, nic)))
            .collect();
        let subnets: Vec<(ResIdx, SubnetInfo)> = nics
            .iter()
            .flat_map(|(_, info)| info.subnets.iter())
            .map(|&s| (s, SubnetInfo::read(inv, s)))
            .collect();
        let vms: Vec<(ResIdx, VmInfo)> = self
            .vms
            .iter()
            .map(|&vm| (vm, VmInfo::read(inv, vm)))
            .collect();
        let vms = vms.iter().map(|(vm, info)| (*vm, info)).collect();
        self.members_from(inv, &Table::small(nics), &Table::small(subnets), &vms)
            .into_iter()
            .collect()
    }

    /// [`Site::members`] from the records of its NICs, their subnets and its VMs, read before;
    /// sorted, without repeats. A resource without a record is read now.
    pub(crate) fn members_from(
        &self,
        inv: &Inventory,
        nics: &Table<NicInfo>,
        subnets: &Table<SubnetInfo>,
        vms: &BTreeMap<ResIdx, &VmInfo>,
    ) -> Vec<ResIdx> {
        let mut out: Vec<ResIdx> = self.vms.clone();
        for &(_, nic, _) in &self.nics {
            out.push(nic);
            let read;
            let info = match nics.get(nic) {
                Some(info) => info,
                None => {
                    read = NicInfo::read(inv, nic);
                    &read
                }
            };
            out.extend(info.nsg.resource());
            out.extend(&info.public_ips);
            out.extend(&info.vnets);
            for &subnet in &info.subnets {
                out.push(subnet);
                match subnets.get(subnet) {
                    Some(s) => out.extend(s.resources()),
                    None => out.extend(SubnetInfo::read(inv, subnet).resources()),
                }
            }
        }
        for vm in &self.vms {
            match vms.get(vm) {
                Some(info) => out.extend(&info.uses),
                None => out.extend(VmInfo::read(inv, *vm).uses),
            }
        }
        out.sort_unstable();
        out.dedup();
        // Route tables bring their routes, NSGs their rules. The type indexes are sorted: a
        // binary search there touches less memory than each member's own type.
        let (tables, nsgs) = (inv.of_type(ROUTE_TABLE), inv.of_type(crate::NSG));
        let mut children = Vec::new();
        for &r in &out {
            let child_type = if tables.binary_search(&r).is_ok() {
                ROUTE
            } else if nsgs.binary_search(&r).is_ok() {
                "microsoft.network/networksecuritygroups/securityrules"
            } else {
                continue;
            };
            children.extend(inv.children(r, child_type));
        }
        out.extend(children);
        out.sort_unstable();
        out.dedup();
        out
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
pub(crate) type Forced = foldhash::HashMap<ResIdx, (usize, bool)>;

/// Finds the VMs of explicit sites, by id (case-insensitive) or name. Both VMs must be found
/// for a site to count; a VM named by two sites keeps the first.
/// The VM a site of the configuration file names: by resource id, else by name (ignoring
/// case).
pub fn explicit_vm(inv: &Inventory, word: &str) -> Option<ResIdx> {
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
}

pub(crate) fn resolve_explicit(inv: &Inventory, explicit: &[crate::ExplicitSite]) -> Forced {
    let mut forced = Forced::default();
    if explicit.is_empty() {
        return forced;
    }
    let find = |word: &str| explicit_vm(inv, word);
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
    table: &Table<NicInfo>,
    vm_infos: &BTreeMap<ResIdx, &VmInfo>,
) -> Vec<Site> {
    // Names (lower case) from the VMs' records, read before.
    let vm_name = |vm: ResIdx| -> std::borrow::Cow<'_, str> {
        match vm_infos.get(&vm) {
            Some(info) => std::borrow::Cow::Borrowed(info.name.as_str()),
            None => std::borrow::Cow::Owned(lower_name(inv, vm)),
        }
    };
    // NICs per VM: the VM's own list (in order), then NICs that name the VM.
    let mut nics_of: BTreeMap<ResIdx, Vec<ResIdx>> = listed.clone();
    for (&nic, &vm) in nic_vm {
        let list = nics_of.entry(vm).or_default();
        if !list.contains(&nic) {
            list.push(nic);
        }
    }
    // Two vSockets are one site when Cato's naming pairs them (SITE-vSocket-Primary /
    // SITE-vSocket-Secondary) or they share a VNET: either link is enough, so a renamed
    // vSocket still pairs by VNET and one deployed into the wrong VNET still pairs by name.
    // A whole pair named apart from the VNET's other vSockets (a hub with two sites, an old
    // and a new site during a migration) is a site of its own: the other vSockets there pair
    // by VNET among themselves. Only a single stray vSocket beside a single whole pair joins
    // it (a leftover of that site, reported as a third vSocket).
    let mut parent: Vec<usize> = (0..vms.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    fn union(parent: &mut [usize], i: usize, j: usize) {
        let (a, b) = (find(parent, i), find(parent, j));
        // The earlier VM's group absorbs the later one: input order decides.
        parent[a.max(b)] = a.min(b);
    }
    struct Keys {
        vnet: Option<String>,
        name: Option<String>,
        /// Named `...primary` (true) or `...secondary` (false).
        named: Option<bool>,
    }
    // A VM of an explicit site pairs with its partner only.
    let keys: Vec<Keys> = vms
        .par_iter()
        .map(|&vm| {
            if let Some((site, _)) = forced.get(&vm) {
                return Keys {
                    vnet: None,
                    name: Some(format!("site:{site}")),
                    named: None,
                };
            }
            let vnet = nics_of.get(&vm).and_then(|nics| {
                nics.iter().find_map(|&n| match table.get(n) {
                    Some(info) => info.vnet_key.as_deref().map(str::to_string),
                    None => NicInfo::read(inv, n).vnet_key.map(String::from),
                })
            });
            let vm_name = vm_name(vm);
            let name =
                name_stem(&vm_name).map(|stem| format!("name:{}:{stem}", name_scope(inv, vm)));
            let named = name.as_ref().map(|_| vm_name.ends_with("primary"));
            Keys { vnet, name, named }
        })
        .collect();
    let mut first_with: foldhash::HashMap<&str, usize> = Default::default();
    for (i, k) in keys.iter().enumerate() {
        if let Some(name) = &k.name {
            match first_with.get(name.as_str()) {
                Some(&j) => union(&mut parent, i, j),
                None => {
                    first_with.insert(name, i);
                }
            }
        }
    }
    // Each VM's name group (its root after the name pass, fixed before the VNET pass moves
    // roots), and whether that group has a primary and a secondary.
    let name_group: Vec<usize> = (0..keys.len()).map(|i| find(&mut parent, i)).collect();
    let mut halves: foldhash::HashMap<usize, (bool, bool)> = Default::default();
    for (i, k) in keys.iter().enumerate() {
        if let Some(primary) = k.named {
            let h = halves.entry(name_group[i]).or_default();
            if primary {
                h.0 = true;
            } else {
                h.1 = true;
            }
        }
    }
    let whole: Vec<bool> = name_group
        .iter()
        .map(|g| halves.get(g) == Some(&(true, true)))
        .collect();
    // Each VNET's vSockets, in input order of the VNETs' first vSocket.
    let mut vnets: Vec<Vec<usize>> = Vec::new();
    let mut vnet_slot: foldhash::HashMap<&str, usize> = Default::default();
    for (i, k) in keys.iter().enumerate() {
        if let Some(vnet) = &k.vnet {
            match vnet_slot.get(vnet.as_str()) {
                Some(&slot) => vnets[slot].push(i),
                None => {
                    vnet_slot.insert(vnet, vnets.len());
                    vnets.push(vec![i]);
                }
            }
        }
    }
    for members in &vnets {
        let mut pairs: Vec<usize> = members
            .iter()
            .filter(|&&i| whole[i])
            .map(|&i| name_group[i])
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        let rest: Vec<usize> = members.iter().copied().filter(|&i| !whole[i]).collect();
        let pairing: Vec<usize> = if pairs.is_empty() || (pairs.len() == 1 && rest.len() == 1) {
            members.clone()
        } else {
            rest
        };
        for w in pairing.windows(2) {
            union(&mut parent, w[0], w[1]);
        }
    }
    let mut by_key: Vec<(usize, Vec<ResIdx>)> = Vec::new();
    let mut slot: foldhash::HashMap<usize, usize> = Default::default();
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
                let n = vm_name(*vm);
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
                if let Some(n) = vm_infos.get(&vm).and_then(|info| info.listed) {
                    site.listed_nics.insert(vm, n);
                }
                for (nic, role) in roles(inv, table, &list) {
                    site.nics.push((vm, nic, role));
                }
            }
            site
        })
        .collect()
}

/// `ams-vSocket-Primary` and `ams-vSocket-Secondary` share the stem `ams-vsocket-`.
fn name_stem(name: &str) -> Option<&str> {
    ["primary", "secondary"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .filter(|stem| !stem.is_empty())
}

/// Where a VM's name is unique, so that only VMs there pair by name: its resource group (from
/// its id, in lower case), else its file. Cato's 2-NIC modules name every site's VMs
/// `Cato-vSocket-Primary` and `Cato-vSocket-Secondary`: two sites in two resource groups are
/// two sites. A template's ids name the resource group the config gives, else one stand-in
/// group for every template; VMs of two templates with the same names there have the same ids
/// and are one resource to the inventory, whatever this key says.
fn name_scope(inv: &Inventory, vm: ResIdx) -> String {
    let resource = inv.resource(vm);
    match resource.key.as_deref().and_then(resource_group_key) {
        Some(group) => group.to_string(),
        None => format!("file:{}", resource.place.doc),
    }
}

/// Roles of a VM's NICs: from Cato's names when they tell every NIC apart, else from the
/// order (`[mgmt, wan, lan]`, or `[wan, lan]` with two NICs).
fn roles(inv: &Inventory, table: &Table<NicInfo>, nics: &[ResIdx]) -> Vec<(ResIdx, NicRole)> {
    let by_name: Vec<Option<NicRole>> = nics
        .iter()
        .map(|&n| match table.get(n) {
            Some(info) => info.name_role,
            None => NicInfo::read(inv, n).name_role,
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
