//! One read of each vSocket VM and NIC: what site grouping, site membership and the rules'
//! facts need from their JSON.
//!
//! Deriving the facts and answering them used to look the same keys up again and again (a
//! NIC's `ipConfigurations`, its primary configuration, that configuration's subnet, the
//! subnet's route table and NSG), each time scanning the object's members and lower-casing ids
//! into new strings. On a large export those objects are spread over hundreds of megabytes of
//! text and tape, so every repeat was another round of cache misses. Each vSocket VM, vSocket
//! NIC and subnet of one is now read once, in parallel, into these compact records, and
//! everything after reads them.

use std::net::IpAddr;

use azlint_inventory::{parent_of_key, props_of, split_expression_key, Inventory, Lookup, ResIdx};
use azlint_source::{KeySet, Value};

use crate::{reference, NicRole};

/// What a reference property (`{"networkSecurityGroup": {"id": ...}}`) names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attached {
    /// The property is not there.
    Absent,
    /// The property is there but names nothing: null, or no string `id`.
    NoId,
    /// The resource it names, which the inputs hold.
    Resource(ResIdx),
    /// A resource the inputs do not hold: its id as written.
    Missing(String),
    /// The export cannot say (properties not exported, a template expression): why.
    Unknown(String),
}

impl Attached {
    fn read(inv: &Inventory, lookup: Lookup<'_>) -> Attached {
        match lookup {
            Lookup::Found(v) => match v.get_ignore_case("id").and_then(|i| i.as_str()) {
                Some(id) => match inv.get(&id) {
                    Some(r) => Attached::Resource(r),
                    None => Attached::Missing(id.into_owned()),
                },
                None => Attached::NoId,
            },
            Lookup::Absent => Attached::Absent,
            Lookup::Unknown(u) => Attached::Unknown(u.reason),
        }
    }

    /// The resource, when the reference resolves.
    pub fn resource(&self) -> Option<ResIdx> {
        match self {
            Attached::Resource(r) => Some(*r),
            _ => None,
        }
    }
}

/// What a subnet is attached to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubnetInfo {
    pub route_table: Attached,
    pub nsg: Attached,
    pub nat_gateway: Attached,
}

impl SubnetInfo {
    pub fn read(inv: &Inventory, subnet: ResIdx) -> SubnetInfo {
        const KEYS: KeySet<3> = KeySet::new(["routeTable", "networkSecurityGroup", "natGateway"]);
        let [route_table, nsg, nat_gateway] = inv.props(subnet, &KEYS);
        SubnetInfo {
            route_table: Attached::read(inv, route_table),
            nsg: Attached::read(inv, nsg),
            nat_gateway: Attached::read(inv, nat_gateway),
        }
    }

    /// The resources it names that the inputs hold.
    pub(crate) fn resources(&self) -> impl Iterator<Item = ResIdx> + '_ {
        [&self.route_table, &self.nsg, &self.nat_gateway]
            .into_iter()
            .filter_map(Attached::resource)
    }
}

/// What a vSocket NIC's JSON says about its IP configurations and attachments.
#[derive(Clone, Debug)]
pub struct NicInfo {
    /// Whether the export shows the NIC's `ipConfigurations` (neither absent nor unknown).
    pub configs_known: bool,
    /// The primary IP configuration ([`crate::primary_config`]): its node in the NIC's document.
    pub primary_config: Option<u32>,
    /// The node of the primary configuration's `subnet.id`.
    pub primary_subnet_id: Option<u32>,
    /// That id as a key ([`id_key`]), when it is a string.
    pub primary_subnet_key: Option<Box<str>>,
    /// The subnet it names, when the inputs hold it.
    pub primary_subnet: Option<ResIdx>,
    /// The primary configuration's private IP address, when it is a valid address.
    pub private_ip: Option<IpAddr>,
    /// Every IP configuration's node, with the node of its `privateIPAddress` when that is a
    /// string, in order.
    pub config_ips: Vec<(u32, Option<u32>)>,
    /// The NIC's own network security group.
    pub nsg: Attached,
    /// The VNET key (`vnet:` and the VNET's id in lower case) of the first IP configuration
    /// whose subnet id names one: two vSockets with the same key are one site.
    pub vnet_key: Option<Box<str>>,
    /// The subnets of its IP configurations that the inputs hold, in order.
    pub subnets: Vec<ResIdx>,
    /// The VNETs of its IP configurations' subnets that the inputs hold (found by the subnet
    /// ids, whether or not the subnets are in the inputs), in order.
    pub vnets: Vec<ResIdx>,
    /// The public IPs of its IP configurations that the inputs hold.
    pub public_ips: Vec<ResIdx>,
    /// The role Cato's naming gives the NIC (`mng`, `wan`, `lan` in its name).
    pub name_role: Option<NicRole>,
}

impl NicInfo {
    /// Reads a NIC: one pass over its properties, one over each IP configuration's.
    pub fn read(inv: &Inventory, nic: ResIdx) -> NicInfo {
        const KEYS: KeySet<2> = KeySet::new(["ipConfigurations", "networkSecurityGroup"]);
        const CONFIG_KEYS: KeySet<4> =
            KeySet::new(["primary", "subnet", "publicIPAddress", "privateIPAddress"]);
        let [configs, nsg] = inv.props(nic, &KEYS);
        let mut info = NicInfo {
            configs_known: matches!(configs, Lookup::Found(_)),
            primary_config: None,
            primary_subnet_id: None,
            primary_subnet_key: None,
            primary_subnet: None,
            private_ip: None,
            config_ips: Vec::new(),
            nsg: Attached::read(inv, nsg),
            vnet_key: None,
            subnets: Vec::new(),
            vnets: Vec::new(),
            public_ips: Vec::new(),
            name_role: name_role(&lower_name(inv, nic)),
        };
        let Lookup::Found(configs) = configs else {
            return info;
        };
        // The primary configuration: the first marked `primary`, else the only one.
        let mut primary: Option<Config<'_>> = None;
        let mut first: Option<Config<'_>> = None;
        let mut count = 0;
        for c in configs.elements() {
            count += 1;
            let mut found = [None; 4];
            props_of(c).pick_keys(&CONFIG_KEYS, &mut found);
            let [is_primary, subnet, public_ip, private_ip] = found;
            info.config_ips.push((
                c.index(),
                private_ip.filter(Value::is_string).map(|ip| ip.index()),
            ));
            let subnet_id = subnet.and_then(|s| s.get_ignore_case("id"));
            // A template's id known only at deployment is keyed by its expression, as the
            // subnet it names is (`resourceId(..., concat('vnet-', uniqueString(...)), 'lan')`).
            let key = subnet_id
                .and_then(|id| id.as_str())
                .map(|id| inv.reference_key(nic, &id));
            let expression = key.as_deref().and_then(split_expression_key).is_some();
            let subnet = key.as_deref().and_then(|k| inv.get_key(k));
            if let Some(r) = public_ip.and_then(|p| reference(inv, nic, p)) {
                info.public_ips.push(r);
            }
            info.subnets.extend(subnet);
            if let Some(vnet_id) = key.as_deref().and_then(parent_of_key) {
                // The inventory links a subnet to its VNET: when that VNET has this very key,
                // it is the one the index would find, without hashing the id again.
                let linked = subnet.and_then(|s| inv.resource(s).parent).filter(|&p| {
                    (expression || is_key(&vnet_id))
                        && inv.resource(p).key.as_deref() == Some(&*vnet_id)
                });
                let vnet = linked.or_else(|| inv.get_key(&vnet_id));
                if info.vnet_key.is_none() {
                    // The VNET's own key where the inputs hold it: a VNET with a literal name
                    // that a subnet id names with an expression is the same VNET.
                    let own = vnet.and_then(|v| inv.resource(v).key.as_deref());
                    info.vnet_key = Some(vnet_key(own.unwrap_or(&vnet_id)));
                }
                info.vnets.extend(vnet);
            }
            let config = Config {
                node: c.index(),
                subnet_id,
                key,
                subnet,
                private_ip,
            };
            if primary.is_none() && is_primary.and_then(|p| p.as_bool()) == Some(true) {
                primary = Some(config);
            } else if count == 1 {
                first = Some(config);
            }
        }
        if let Some(c) = primary.or(if count == 1 { first } else { None }) {
            info.primary_config = Some(c.node);
            info.private_ip = c
                .private_ip
                .and_then(|v| v.as_str())
                .and_then(|s| s.trim().parse().ok());
            info.primary_subnet_id = c.subnet_id.map(|v| v.index());
            // Found by the id as written, as rules have always looked it up; that is the
            // lookup done already unless lower-casing and trimming the key would change it.
            info.primary_subnet = match (&c.key, c.subnet_id.and_then(|v| v.as_str())) {
                (Some(key), _) if is_key(key) || split_expression_key(key).is_some() => c.subnet,
                (_, Some(id)) => inv.get(&id),
                (_, None) => None,
            };
            info.primary_subnet_key = c.key.map(String::into_boxed_str);
        }
        info
    }
}

/// One IP configuration, as read for [`NicInfo`].
struct Config<'a> {
    node: u32,
    subnet_id: Option<Value<'a>>,
    key: Option<String>,
    subnet: Option<ResIdx>,
    private_ip: Option<Value<'a>>,
}

/// The key [`NicInfo::vnet_key`] gives a VNET, from its id key (as [`parent_key`] gives it
/// for a subnet's).
pub fn vnet_key(vnet_id_key: &str) -> Box<str> {
    format!("vnet:{vnet_id_key}").into()
}

/// Whether [`Inventory::get`] looks `s` up as it is: ASCII, lower case, trimmed, without a
/// trailing slash. Keys made by [`id_key`] nearly always are.
fn is_key(s: &str) -> bool {
    s.is_ascii() && !s.bytes().any(|b| b.is_ascii_uppercase()) && s.trim() == s && !s.ends_with('/')
}

/// A resource's name in lower case (empty when it has none).
pub(crate) fn lower_name(inv: &Inventory, res: ResIdx) -> String {
    inv.name(res)
        .and_then(|n| n.as_str().map(|s| s.to_lowercase()))
        .unwrap_or_default()
}

/// The role Cato's NIC naming gives (`...-mng`, `...-wan`, `...-lan`), from the lower-cased name.
fn name_role(name: &str) -> Option<NicRole> {
    if name.contains("lan") {
        Some(NicRole::Lan)
    } else if name.contains("wan") {
        Some(NicRole::Wan)
    } else if name.contains("mng") || name.contains("mgmt") || name.contains("manage") {
        Some(NicRole::Mgmt)
    } else {
        None
    }
}

/// What a vSocket VM's JSON says about its name, NICs, disk and identities.
#[derive(Clone, Debug, Default)]
pub struct VmInfo {
    /// Its name in lower case.
    pub name: String,
    /// The NICs its `networkProfile.networkInterfaces` names that the inputs hold, in order.
    pub nics: Vec<ResIdx>,
    /// Whether that list is there, not empty, and every NIC it names is in the inputs.
    pub whole: bool,
    /// How many entries that list has (NICs in the inputs or not); `None` when it is absent
    /// or unknown.
    pub listed: Option<usize>,
    /// Whether the list is unknown, or names a NIC the inputs do not hold.
    pub unresolved: bool,
    /// Its OS disk, availability set and user-assigned identities that the inputs hold.
    pub uses: Vec<ResIdx>,
}

impl VmInfo {
    pub fn read(inv: &Inventory, vm: ResIdx) -> VmInfo {
        let mut info = VmInfo {
            name: lower_name(inv, vm),
            ..VmInfo::default()
        };
        match inv.prop(vm, &["networkProfile", "networkInterfaces"]) {
            Lookup::Found(list) => {
                let mut listed = 0;
                for r in list.elements() {
                    listed += 1;
                    match reference(inv, vm, r) {
                        Some(nic) => info.nics.push(nic),
                        None => info.unresolved = true,
                    }
                }
                info.whole = listed > 0 && !info.unresolved;
                info.listed = Some(listed);
            }
            Lookup::Absent => {}
            Lookup::Unknown(_) => info.unresolved = true,
        }
        if let Lookup::Found(disk) = inv.prop(vm, &["storageProfile", "osDisk", "managedDisk"]) {
            info.uses.extend(reference(inv, vm, disk));
        }
        if let Lookup::Found(set) = inv.prop(vm, &["availabilitySet"]) {
            info.uses.extend(reference(inv, vm, set));
        }
        if let Lookup::Found(ids) = inv.top(vm, &["identity", "userAssignedIdentities"]) {
            info.uses.extend(
                ids.members()
                    .filter_map(|(key, _)| key.as_str().and_then(|k| inv.get(&k))),
            );
        }
        info
    }
}

/// Records of some resources (vSocket NICs, their subnets), found by resource index.
#[derive(Debug)]
pub(crate) struct Table<T> {
    records: Vec<T>,
    index: Index,
}

/// How a [`Table`] finds a resource's record.
#[derive(Debug)]
enum Index {
    /// For each resource of the inventory, its record's position (`u32::MAX`: none): one
    /// look for the tables `Facts` keeps, which rules consult for every NIC.
    Dense(Vec<u32>),
    /// The resources, sorted, in the records' order: for a few records (one site's), where a
    /// slot per resource of the inventory would cost more than the records.
    Sorted(Vec<ResIdx>),
}

impl<T> Table<T> {
    /// A table of `records` for `resources` (in the same order), in an inventory of `len`
    /// resources.
    pub(crate) fn new(len: usize, resources: &[ResIdx], records: Vec<T>) -> Table<T> {
        let mut slot = vec![u32::MAX; len];
        for (i, &r) in resources.iter().enumerate() {
            if let Some(s) = slot.get_mut(r as usize) {
                *s = i as u32;
            }
        }
        Table {
            records,
            index: Index::Dense(slot),
        }
    }

    /// A table of a few records, each with its resource.
    pub(crate) fn small(mut pairs: Vec<(ResIdx, T)>) -> Table<T> {
        pairs.sort_by_key(|(r, _)| *r);
        pairs.dedup_by_key(|(r, _)| *r);
        let (resources, records) = pairs.into_iter().unzip();
        Table {
            records,
            index: Index::Sorted(resources),
        }
    }

    pub(crate) fn get(&self, res: ResIdx) -> Option<&T> {
        let i = match &self.index {
            Index::Dense(slot) => *slot.get(res as usize)? as usize,
            Index::Sorted(resources) => resources.binary_search(&res).ok()?,
        };
        self.records.get(i)
    }
}

#[cfg(test)]
mod tests {
    use azlint_inventory::{id_key, parent_key, Inventory};
    use std::collections::BTreeSet;

    use super::*;
    use crate::{primary_config, subnet_ids, Facts, NicRole, ROUTE, ROUTE_TABLE};

    fn inventory(files: &[(&str, &str)]) -> Inventory {
        Inventory::from_texts(files).expect("fixture JSON")
    }

    fn examples() -> Vec<Inventory> {
        vec![
            inventory(&[
                (
                    "resources.json",
                    include_str!("../../../fixtures/examples/healthy/resources.json"),
                ),
                (
                    "roles.json",
                    include_str!("../../../fixtures/examples/healthy/role-assignments.json"),
                ),
            ]),
            inventory(&[
                (
                    "resources.json",
                    include_str!("../../../fixtures/examples/broken/resources.json"),
                ),
                (
                    "roles.json",
                    include_str!("../../../fixtures/examples/broken/role-assignments.json"),
                ),
            ]),
        ]
    }

    /// A site's members as the JSON says, looked up key by key (how `Facts::derive` found
    /// them before the records), to check the records against.
    fn members_from_json(inv: &Inventory, site: &crate::Site) -> BTreeSet<ResIdx> {
        let reference_of = |l: Lookup<'_>| match l {
            Lookup::Found(v) => reference(inv, site.vms[0], v),
            _ => None,
        };
        let mut out: BTreeSet<ResIdx> = site.vms.iter().copied().collect();
        for &(_, nic, _) in &site.nics {
            out.insert(nic);
            out.extend(reference_of(inv.prop(nic, &["networkSecurityGroup"])));
            if let Lookup::Found(configs) = inv.prop(nic, &["ipConfigurations"]) {
                for c in configs.elements() {
                    out.extend(
                        props_of(c)
                            .get_ignore_case("publicIPAddress")
                            .and_then(|v| reference(inv, nic, v)),
                    );
                }
            }
            for subnet in subnet_ids(inv, nic) {
                if let Some(s) = inv.get(&subnet) {
                    out.insert(s);
                    for key in ["routeTable", "networkSecurityGroup", "natGateway"] {
                        out.extend(reference_of(inv.prop(s, &[key])));
                    }
                }
                out.extend(parent_key(&subnet).and_then(|k| inv.get(k)));
            }
        }
        for &vm in &site.vms {
            out.extend(reference_of(
                inv.prop(vm, &["storageProfile", "osDisk", "managedDisk"]),
            ));
            if let Lookup::Found(ids) = inv.top(vm, &["identity", "userAssignedIdentities"]) {
                for (key, _) in ids.members() {
                    out.extend(key.as_str().and_then(|k| inv.get(&k)));
                }
            }
        }
        let parents: Vec<ResIdx> = out.iter().copied().collect();
        for r in parents {
            match &*inv.resource(r).type_lc {
                ROUTE_TABLE => out.extend(inv.children(r, ROUTE)),
                crate::NSG => out.extend(
                    inv.children(r, "microsoft.network/networksecuritygroups/securityrules"),
                ),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn records_say_what_the_json_says() {
        for inv in examples() {
            let facts = Facts::derive(&inv);
            assert!(!facts.sites.is_empty());
            for &nic in &facts.vsocket_nics {
                let info = facts.nic_info(nic).expect("every vSocket NIC has a record");
                let primary = primary_config(&inv, nic);
                assert_eq!(info.primary_config, primary.map(|c| c.index()));
                let subnet_id = primary.and_then(|c| props_of(c).pointer(&["subnet", "id"]));
                assert_eq!(info.primary_subnet_id, subnet_id.map(|v| v.index()));
                let key = subnet_id.and_then(|v| v.as_str()).map(|s| id_key(&s));
                assert_eq!(info.primary_subnet_key.as_deref(), key.as_deref());
                assert_eq!(info.primary_subnet, key.and_then(|k| inv.get(&k)));
                let subnets: Vec<ResIdx> = subnet_ids(&inv, nic)
                    .iter()
                    .filter_map(|s| inv.get(s))
                    .collect();
                assert_eq!(info.subnets, subnets);
                for &s in &subnets {
                    assert_eq!(facts.subnet_info(s), Some(&SubnetInfo::read(&inv, s)));
                }
            }
            let mut first_site = vec![None; inv.len()];
            for (i, site) in facts.sites.iter().enumerate() {
                for r in members_from_json(&inv, site) {
                    first_site[r as usize].get_or_insert(i);
                }
            }
            for (r, want) in first_site.into_iter().enumerate() {
                assert_eq!(facts.site_index(r as ResIdx), want, "site of resource {r}");
            }
            for site in &facts.sites {
                for role in [NicRole::Mgmt, NicRole::Wan, NicRole::Lan] {
                    assert_eq!(
                        facts.primary_subnet_key(site, role),
                        site.primary_subnet_key(&inv, role).as_deref()
                    );
                    assert_eq!(facts.subnet_keys(site, role), site.subnet_keys(&inv, role));
                }
                let members = members_from_json(&inv, site);
                assert_eq!(site.members(&inv), members);
            }
        }
    }
}
