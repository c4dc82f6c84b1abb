//! azlint's rules: rule files, the language they are written in, and how they run.
//!
//! A rule is a YAML file under `rules/<pack>/` (see `rules/README.md`): metadata users see,
//! documentation, which resources it reads (types, site scope, a vSocket role, `forEach`
//! items), an Azure-Policy-style condition over JSONPath fields and named facts, and where and
//! how to report. The built-in packs are embedded at build time; users add their own with
//! `--rules DIR`. Rules run in parallel; their findings are sorted by the caller, so thread
//! timing never shows in output.

pub mod condition;
pub mod dns;
pub mod docs;
mod engine;
pub mod facts;
pub mod file;
pub mod path;
mod shape;

use std::sync::OnceLock;

use azlint_facts::Facts;
use azlint_inventory::{Inventory, Lookup, ResIdx};

pub use engine::run;
pub use file::{Rule, RuleError, RuleMeta, Status};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// What a rule reads.
pub struct Context<'a> {
    pub inv: &'a Inventory,
    pub facts: &'a Facts,
    /// Site facts are the same for every resource of a site: each is computed once per site,
    /// by whichever rule asks first. One slot per site and [`facts::SITE_FACTS`] entry; a
    /// `OnceLock` per slot, because a lock around the whole cache was taken by both threads for
    /// every fact a rule asked.
    site_facts: Vec<OnceLock<condition::FactAnswer<'a>>>,
    /// Parsed NSG rules, one slot per NSG of the inventory (in [`Inventory::of_type`] order):
    /// each NSG is read once, however many flows cross it.
    nsg_rules: Vec<OnceLock<Result<NsgRules<'a>, String>>>,
    /// Each VNET's address space (what `VirtualNetwork` covers in NSG rules), one slot per
    /// VNET: both vSockets' NICs of a site ask for it.
    vnet_spaces: Vec<OnceLock<Vec<ipnet::IpNet>>>,
    /// The sites' subnets (with their role) using each route table: every route of a table
    /// asks, and a table may serve the subnets of several sites. Read once, on demand.
    table_subnets: OnceLock<TableSubnets>,
    /// What `VirtualNetwork` holds for each subnet's NICs, one slot per subnet: a site's two
    /// vSockets have their NICs in the same subnets.
    virtual_network_tags: Vec<OnceLock<Vec<ipnet::IpNet>>>,
    /// Where routes may point at a vSocket's own LAN IP from (S8): built before the rules run
    /// when a route rule asks for it ([`Context::prepare_route_targets`]), else on first use.
    route_targets: OnceLock<facts::RouteTargets>,
    /// Each subnet's public route (next hop type, address prefix), one slot per subnet: the
    /// NICs of a site's vSockets share their subnets.
    public_routes: Vec<OnceLock<[condition::FactAnswer<'a>; 3]>>,
    /// The principal ids (lower case) of the user-assigned identities the inputs show: read
    /// when a role assignment on a LAN resource does not say its principal's type.
    identity_principals: OnceLock<foldhash::HashSet<String>>,
    /// VNET keys (`vnet:` and the VNET id in lower case) holding NICs whose VM the inputs do
    /// not show, with one such NIC and the VM id it names: a lone vSocket's partner may be
    /// there. Read once, when a lone vSocket asks.
    unexported_vms: OnceLock<foldhash::HashMap<Box<str>, (ResIdx, String)>>,
    /// Subnet keys and the NSG whose `subnets` list names them: Azure keeps that list, so it
    /// tells a subnet's NSG when the subnet itself is not in the inputs. Read once, on demand.
    nsg_of_subnet: OnceLock<foldhash::HashMap<String, ResIdx>>,
    /// The vSocket VMs that are a site alone in a VNET the inputs do not show (`az resource
    /// list` without properties): any of them may be another lone vSocket's partner.
    unplaced_vsockets: OnceLock<Vec<ResIdx>>,
}

type NsgRules<'a> = azlint_facts::nsg::Rules<'a>;

/// Route tables and the sites' subnets (with their role) that use them.
type TableSubnets = foldhash::HashMap<
    azlint_inventory::ResIdx,
    Vec<(azlint_facts::NicRole, azlint_inventory::ResIdx)>,
>;

impl<'a> Context<'a> {
    pub fn new(inv: &'a Inventory, facts: &'a Facts) -> Self {
        let site_slots = facts.sites.len() * facts::SITE_FACTS.len();
        let nsgs = inv.of_type(azlint_facts::NSG).len();
        Context {
            inv,
            facts,
            site_facts: std::iter::repeat_with(OnceLock::new)
                .take(site_slots)
                .collect(),
            nsg_rules: std::iter::repeat_with(OnceLock::new).take(nsgs).collect(),
            route_targets: OnceLock::new(),
            identity_principals: OnceLock::new(),
            unexported_vms: OnceLock::new(),
            nsg_of_subnet: OnceLock::new(),
            unplaced_vsockets: OnceLock::new(),
            public_routes: std::iter::repeat_with(OnceLock::new)
                .take(inv.of_type(azlint_facts::SUBNET).len())
                .collect(),
            vnet_spaces: std::iter::repeat_with(OnceLock::new)
                .take(inv.of_type(azlint_facts::VNET).len())
                .collect(),
            table_subnets: OnceLock::new(),
            virtual_network_tags: std::iter::repeat_with(OnceLock::new)
                .take(inv.of_type(azlint_facts::SUBNET).len())
                .collect(),
        }
    }

    /// vSocket VMs alone in a site whose VNET the inputs do not show.
    pub(crate) fn unplaced_vsockets(&self) -> &[ResIdx] {
        self.unplaced_vsockets.get_or_init(|| {
            self.facts
                .sites
                .iter()
                .filter(|site| facts::lone_in_unknown_vnet(self, site))
                .flat_map(|site| site.vms.iter().copied())
                .collect()
        })
    }

    /// The NSG whose `subnets` list names the subnet `subnet_key` (an id key).
    pub(crate) fn nsg_listing(&self, subnet_key: &str) -> Option<ResIdx> {
        self.nsg_of_subnet
            .get_or_init(|| {
                let inv = self.inv;
                let mut out = foldhash::HashMap::default();
                for &nsg in inv.of_type(azlint_facts::NSG) {
                    let Lookup::Found(list) = inv.prop(nsg, &["subnets"]) else {
                        continue;
                    };
                    for s in list.elements() {
                        if let Some(id) = s.get_ignore_case("id").and_then(|i| i.as_str()) {
                            out.entry(azlint_inventory::id_key(&id)).or_insert(nsg);
                        }
                    }
                }
                out
            })
            .get(subnet_key)
            .copied()
    }

    /// A NIC in the VNET `vnet_key` whose VM the inputs do not show, and that VM's id.
    pub(crate) fn unexported_vm_in(&self, vnet_key: &str) -> Option<&(ResIdx, String)> {
        self.unexported_vms
            .get_or_init(|| {
                let inv = self.inv;
                let mut out = foldhash::HashMap::default();
                for &nic in inv.of_type(azlint_facts::NIC) {
                    let Lookup::Found(vm) = inv.prop(nic, &["virtualMachine", "id"]) else {
                        continue;
                    };
                    let Some(vm_id) = vm.as_str() else { continue };
                    if vm_id.trim().is_empty() || inv.get(&vm_id).is_some() {
                        continue;
                    }
                    let Lookup::Found(configs) = inv.prop(nic, &["ipConfigurations"]) else {
                        continue;
                    };
                    let subnet_ids = configs
                        .elements()
                        .filter_map(|c| azlint_inventory::props_of(c).pointer(&["subnet", "id"]))
                        .filter_map(|id| id.as_str().map(|s| azlint_inventory::id_key(&s)));
                    for key in subnet_ids {
                        if let Some(vnet) = azlint_inventory::parent_key(&key) {
                            out.entry(azlint_facts::vnet_key(vnet))
                                .or_insert_with(|| (nic, vm_id.trim().to_string()));
                        }
                    }
                }
                out
            })
            .get(vnet_key)
    }

    /// The principal ids of the user-assigned identities in the inputs: the identities' own
    /// (`properties.principalId`, or in a template the symbol for it) and the copies VMs carry
    /// (`identity.userAssignedIdentities`).
    /// Read on one thread, once (never on the pool: see [`Context::prepare_route_targets`]).
    fn identity_principals(&self) -> &foldhash::HashSet<String> {
        self.identity_principals.get_or_init(|| {
            let inv = self.inv;
            let mut out = foldhash::HashSet::default();
            let add = |out: &mut foldhash::HashSet<String>, v: Option<azlint_source::Value<'_>>| {
                if let Some(id) = v.and_then(|v| v.as_str()) {
                    let id = id.trim().to_ascii_lowercase();
                    if !id.is_empty() {
                        out.insert(id);
                    }
                }
            };
            for &uai in inv.of_type(azlint_facts::IDENTITY) {
                let principal = inv.prop(uai, &["principalId"]);
                // Before deployment, the symbol a template's role assignments share.
                if let Some(symbol) = azlint_inventory::symbol(inv.document_of(uai), &principal) {
                    out.insert(symbol.trim().to_ascii_lowercase());
                }
                if let azlint_inventory::Lookup::Found(v) = principal {
                    add(&mut out, Some(v));
                }
            }
            for &vm in inv.of_type(azlint_facts::VM) {
                if let azlint_inventory::Lookup::Found(ids) =
                    inv.top(vm, &["identity", "userAssignedIdentities"])
                {
                    for (_, entry) in ids.members() {
                        add(&mut out, entry.get_ignore_case("principalId"));
                    }
                }
            }
            out
        })
    }

    /// Runs `judge` on an NSG's rules, read once per run. A reference to a resource that is
    /// not an NSG (a broken export) is read each time.
    fn with_nsg_rules<R>(
        &self,
        nsg: azlint_inventory::ResIdx,
        judge: impl FnOnce(&NsgRules<'a>) -> R,
    ) -> Result<R, String> {
        match self.slot(azlint_facts::NSG, &self.nsg_rules, nsg) {
            Some(slot) => match slot.get_or_init(|| azlint_facts::nsg::rules(self.inv, nsg)) {
                Ok(rules) => Ok(judge(rules)),
                Err(reason) => Err(reason.clone()),
            },
            None => azlint_facts::nsg::rules(self.inv, nsg).map(|rules| judge(&rules)),
        }
    }

    /// A VNET's address space, read once per run; `compute` reads it.
    fn vnet_space(
        &self,
        vnet: azlint_inventory::ResIdx,
        compute: impl FnOnce() -> Vec<ipnet::IpNet>,
    ) -> Vec<ipnet::IpNet> {
        self.once_per(azlint_facts::VNET, &self.vnet_spaces, vnet, compute)
    }

    /// The sites' subnets using each route table, read once per run; `compute` reads them.
    fn table_subnets(&self, compute: impl FnOnce() -> TableSubnets) -> &TableSubnets {
        self.table_subnets.get_or_init(compute)
    }

    /// What `VirtualNetwork` holds for a subnet's NICs, computed once per run.
    fn virtual_network_tag(
        &self,
        subnet: azlint_inventory::ResIdx,
        compute: impl FnOnce() -> Vec<ipnet::IpNet>,
    ) -> Vec<ipnet::IpNet> {
        self.once_per(
            azlint_facts::SUBNET,
            &self.virtual_network_tags,
            subnet,
            compute,
        )
    }

    /// A subnet's public route answers, computed once per run; `compute` computes them.
    fn public_routes(
        &self,
        subnet: azlint_inventory::ResIdx,
        compute: impl FnOnce() -> [condition::FactAnswer<'a>; 3],
    ) -> [condition::FactAnswer<'a>; 3] {
        self.once_per(azlint_facts::SUBNET, &self.public_routes, subnet, compute)
    }

    /// What `compute` gives for `res`, a resource of type `ty`, cached in its [`Context::slot`].
    /// A resource of another type (a reference in a broken export) is computed each time.
    fn once_per<T: Clone>(
        &self,
        ty: &str,
        slots: &[OnceLock<T>],
        res: azlint_inventory::ResIdx,
        compute: impl FnOnce() -> T,
    ) -> T {
        match self.slot(ty, slots, res) {
            Some(slot) => slot.get_or_init(compute).clone(),
            None => compute(),
        }
    }

    /// The cache slot of `res` among `slots`, one per resource of type `ty` in
    /// [`Inventory::of_type`] order; `None` when `res` is not of that type.
    fn slot<'s, T>(
        &self,
        ty: &str,
        slots: &'s [OnceLock<T>],
        res: azlint_inventory::ResIdx,
    ) -> Option<&'s OnceLock<T>> {
        // `of_type` lists resources in index order.
        let i = self.inv.of_type(ty).binary_search(&res).ok()?;
        slots.get(i)
    }

    /// vSocket LAN IPs, route tables' VNETs and peerings, read once per run.
    pub(crate) fn route_targets(&self) -> &facts::RouteTargets {
        self.route_targets
            .get_or_init(|| facts::RouteTargets::build(self, false))
    }

    /// Builds the route targets on the whole thread pool, ahead of rules that will ask for
    /// them. Must not be called while rules run (see [`facts::RouteTargets::build`]).
    fn prepare_route_targets(&self) {
        self.route_targets
            .get_or_init(|| facts::RouteTargets::build(self, true));
    }

    /// A site fact from the cache, or computed and cached.
    fn cached_site_fact(
        &self,
        site: usize,
        name: &str,
        compute: impl FnOnce() -> condition::FactAnswer<'a>,
    ) -> condition::FactAnswer<'a> {
        let slot = facts::SITE_FACTS
            .iter()
            .position(|n| *n == name)
            .and_then(|fact| self.site_facts.get(site * facts::SITE_FACTS.len() + fact));
        match slot {
            Some(slot) => slot.get_or_init(compute).clone(),
            None => compute(),
        }
    }
}

/// A rule file: where it came from and its text.
#[derive(Debug, Clone)]
pub struct RuleSource {
    pub pack: String,
    /// The file's name as shown to users: `rules/ha/x.yaml` for built-in rules.
    pub name: String,
    pub text: String,
    /// One of azlint's own rule files, documented under `docs/rules`.
    pub builtin: bool,
}

/// The built-in rule files.
pub fn builtin_sources() -> Vec<RuleSource> {
    builtin::BUILTIN
        .iter()
        .map(|(pack, file, text)| RuleSource {
            pack: pack.to_string(),
            name: format!("rules/{pack}/{file}"),
            text: text.to_string(),
            builtin: true,
        })
        .collect()
}

/// Compiles one rule file.
pub fn compile(source: &RuleSource) -> Result<Rule, RuleError> {
    let mut rule = Rule::parse(&source.text, &source.pack, &engine::Facts)?;
    if source.builtin && rule.meta.help_uri.is_none() {
        rule.meta.help_uri = Some(format!("{}/{}.md", file::DOCS_BASE, rule.meta.name));
    }
    Ok(rule)
}

/// The built-in rules, compiled. A built-in rule that does not compile is a bug that the test
/// suite catches; here it is skipped rather than taking the run down.
pub fn builtin_rules() -> Vec<Rule> {
    builtin_sources()
        .iter()
        .filter_map(|s| compile(s).ok())
        .collect()
}

/// The resource group named in a resource id, for the `az` commands in help texts.
pub fn resource_group(id: &str) -> Option<&str> {
    let mut parts = id.split('/');
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case("resourcegroups") {
            return parts.next();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_facts_are_facts() {
        for name in facts::SITE_FACTS {
            assert!(facts::names().contains(name), "{name} is not a fact");
        }
    }

    #[test]
    fn route_rules_ask_for_route_targets() {
        // The engine builds the route targets up front for the route rules that ask for them;
        // `uses_fact` itself is tested with rule files in `file.rs`.
        let rules = builtin_rules();
        let rule = |name: &str| rules.iter().find(|r| r.meta.name == name).unwrap();
        let route = rule("route-to-vsocket-ip");
        assert!(route.types.iter().any(|t| t == azlint_facts::ROUTE));
        assert!(route.uses_fact("route.vsocket_own_ips"));
        assert!(route.uses_fact("route.vsocket_floating_ips"));
        let naming = rule("network-name-invalid");
        assert!(naming.types.iter().any(|t| t == azlint_facts::ROUTE));
        assert!(!naming.uses_fact("route.vsocket_own_ips"));
        assert!(!naming.uses_fact("route.vsocket_floating_ips"));
    }

    #[test]
    fn every_builtin_rule_compiles_and_is_unique() {
        let sources = builtin_sources();
        assert!(!sources.is_empty(), "no built-in rules found");
        let mut codes = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for s in &sources {
            let rule = compile(s).unwrap_or_else(|e| panic!("{}: {e:?}", s.name));
            assert!(
                codes.insert(rule.meta.code.clone()),
                "duplicate id {}",
                rule.meta.code
            );
            assert!(
                names.insert(rule.meta.name.clone()),
                "duplicate name {}",
                rule.meta.name
            );
            assert_eq!(
                s.name,
                format!("rules/{}/{}.yaml", s.pack, rule.meta.name),
                "a rule file is named after its rule"
            );
        }
    }
}
