//! Effective routes of a subnet, as Azure builds them (domain.md section 5, Microsoft's
//! "Virtual network traffic routing", `articles/virtual-network/virtual-networks-udr-overview.md`).
//!
//! - System routes: one `VnetLocal` route per address range of the VNET; `0.0.0.0/0` to
//!   `Internet`; `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16` and `100.64.0.0/10` to `None`.
//!   A reserved range that is itself one of the VNET's ranges becomes `VnetLocal` (one route);
//!   a reserved range inside a larger VNET range is removed. A connected peering adds one
//!   `VNetPeering` route per remote address range.
//! - The subnet's route table (at most one) adds user routes; a user route with the prefix of a
//!   system route overrides it, and the system route is shown `Invalid`, as Azure's effective
//!   routes view does.
//! - Selection is the longest prefix match among active routes.
//! - Routes learned over BGP from a virtual network gateway are not in any export. When the
//!   route table does not disable their propagation and the VNET has a gateway (a
//!   `GatewaySubnet`, or a peering that uses the remote gateways), the answer is unknown unless
//!   the selected route cannot be beaten by such a route: a VNET or peering system route (they
//!   win even over more specific BGP routes) or a user route for a single address (user routes
//!   win over BGP routes of the same prefix).

use std::net::IpAddr;

use azlint_inventory::{props_of, Inventory, Lookup, ResIdx};
use azlint_source::Value;
pub use ipnet::IpNet;

use crate::{reference, ROUTE, SUBNET};

/// Standalone peering resources (`az network vnet peering show`).
const PEERING: &str = "microsoft.network/virtualnetworks/virtualnetworkpeerings";

/// Who made a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A system route.
    Default,
    /// A route of the subnet's route table.
    User,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Default => "Default",
            Source::User => "User",
        }
    }
}

/// One effective route.
#[derive(Clone, Debug)]
pub struct Route<'a> {
    /// The prefix as written (a user route may name a service tag).
    pub address_prefix: String,
    /// The parsed prefix; `None` for a service tag or an unreadable prefix.
    pub prefix: Option<IpNet>,
    /// ARM spelling: `VnetLocal`, `Internet`, `VirtualAppliance`, `VirtualNetworkGateway`,
    /// `None`, `VNetPeering`.
    pub next_hop_type: String,
    /// One address, or several for equal-cost multipath.
    pub next_hop_ips: Vec<String>,
    pub source: Source,
    /// `false` when a user route with the same prefix overrides this system route.
    pub active: bool,
    /// The user route's name.
    pub name: Option<String>,
    /// The user route (its resource), for locations.
    pub resource: Option<ResIdx>,
    /// The route object, for locations.
    pub object: Option<Value<'a>>,
}

impl Route<'_> {
    /// A route made by hand (tests, reference models).
    pub fn new(prefix: &str, next_hop_type: &str, source: Source) -> Route<'static> {
        Route {
            address_prefix: prefix.to_string(),
            prefix: parse_prefix(prefix),
            next_hop_type: canonical_hop(next_hop_type),
            next_hop_ips: Vec::new(),
            source,
            active: true,
            name: None,
            resource: None,
            object: None,
        }
    }
}

/// The effective route table of a subnet.
#[derive(Clone, Debug)]
pub struct Effective<'a> {
    pub subnet: ResIdx,
    pub vnet: Option<ResIdx>,
    pub route_table: Option<ResIdx>,
    /// System routes, then user routes, in Azure's order.
    pub routes: Vec<Route<'a>>,
    /// Why gateway (BGP) routes may exist that the export cannot show.
    pub gateway_routes: Option<String>,
    /// Why the table itself is incomplete.
    pub incomplete: Option<String>,
}

/// The route chosen for a destination.
#[derive(Clone, Debug)]
pub struct Selection {
    /// Index into [`Effective::routes`]; `None` when no route matches (traffic is dropped).
    pub route: Option<usize>,
    /// Why the answer may be another route.
    pub unknown: Option<String>,
}

/// The four reserved ranges with system routes to `None`.
pub const RESERVED: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
];

/// A prefix or a single address.
pub fn parse_prefix(s: &str) -> Option<IpNet> {
    let s = s.trim();
    s.parse::<IpNet>()
        .ok()
        .map(|n| n.trunc())
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}

/// ARM's spelling of a next hop type, whatever the case of the input.
pub fn canonical_hop(s: &str) -> String {
    const KNOWN: &[&str] = &[
        "VnetLocal",
        "Internet",
        "VirtualAppliance",
        "VirtualNetworkGateway",
        "None",
        "VNetPeering",
        "VirtualNetworkServiceEndpoint",
    ];
    let t = s.trim();
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(t))
        .map(|k| k.to_string())
        .unwrap_or_else(|| t.to_string())
}

/// [`RESERVED`], parsed.
const RESERVED_NETS: [IpNet; 4] = [
    IpNet::V4(ipnet::Ipv4Net::new_assert(
        std::net::Ipv4Addr::new(10, 0, 0, 0),
        8,
    )),
    IpNet::V4(ipnet::Ipv4Net::new_assert(
        std::net::Ipv4Addr::new(172, 16, 0, 0),
        12,
    )),
    IpNet::V4(ipnet::Ipv4Net::new_assert(
        std::net::Ipv4Addr::new(192, 168, 0, 0),
        16,
    )),
    IpNet::V4(ipnet::Ipv4Net::new_assert(
        std::net::Ipv4Addr::new(100, 64, 0, 0),
        10,
    )),
];

/// A system route (`hop` in ARM's spelling) for a parsed prefix.
fn system_route(net: IpNet, written: Option<&str>, hop: &str) -> Route<'static> {
    Route {
        address_prefix: written.map_or_else(|| net.to_string(), str::to_string),
        prefix: Some(net),
        next_hop_type: hop.to_string(),
        next_hop_ips: Vec::new(),
        source: Source::Default,
        active: true,
        name: None,
        resource: None,
        object: None,
    }
}

/// Azure's default routes for a VNET with these address ranges and peered ranges.
pub fn system_routes(space: &[IpNet], peered: &[IpNet]) -> Vec<Route<'static>> {
    let mut out = Vec::with_capacity(space.len() + peered.len() + 1 + RESERVED.len());
    for (nets, hop) in [(space, "VnetLocal"), (peered, "VNetPeering")] {
        for net in nets {
            let net = net.trunc();
            if !out.iter().any(|r: &Route<'_>| r.prefix == Some(net)) {
                out.push(system_route(net, None, hop));
            }
        }
    }
    out.push(system_route(
        IpNet::V4(ipnet::Ipv4Net::new_assert(
            std::net::Ipv4Addr::UNSPECIFIED,
            0,
        )),
        Some("0.0.0.0/0"),
        "Internet",
    ));
    for (net, written) in RESERVED_NETS.into_iter().zip(RESERVED) {
        // Equal to a VNET range: that range's VnetLocal route is the route. Inside a larger
        // VNET range: removed.
        if space.iter().any(|s| s.trunc() == net || s.contains(&net)) {
            continue;
        }
        out.push(system_route(net, Some(written), "None"));
    }
    out
}

/// Adds user routes: each overrides (makes `Invalid`) the system routes with its prefix.
pub fn apply_user_routes<'a>(system: Vec<Route<'a>>, user: Vec<Route<'a>>) -> Vec<Route<'a>> {
    let mut routes = system;
    for r in &mut routes {
        if r.source == Source::Default
            && user
                .iter()
                .any(|u| u.prefix.is_some() && u.prefix == r.prefix)
        {
            r.active = false;
        }
        if r.source == Source::Default
            && user.iter().any(|u| {
                u.prefix.is_none() && u.address_prefix.eq_ignore_ascii_case(&r.address_prefix)
            })
        {
            r.active = false;
        }
    }
    routes.extend(user);
    routes
}

/// Longest prefix match among active routes; the first listed wins a tie.
pub fn longest_prefix_match(routes: &[Route<'_>], ip: IpAddr) -> Option<usize> {
    let mut best: Option<(usize, u8)> = None;
    for (i, r) in routes.iter().enumerate() {
        if !r.active {
            continue;
        }
        let Some(net) = r.prefix else { continue };
        if !net.contains(&ip) {
            continue;
        }
        if best.is_none_or(|(_, len)| net.prefix_len() > len) {
            best = Some((i, net.prefix_len()));
        }
    }
    best.map(|(i, _)| i)
}

impl<'a> Effective<'a> {
    /// The route public (Internet) IPv4 destinations take, worst first: a route that drops
    /// some public address (`None`, or a user route to `VnetLocal`, where no address outside
    /// the VNET lives), else one that sends some to a virtual appliance, else one that sends
    /// the Internet to a gateway (a /0 or /1), else the route most of them take (Internet).
    /// Exact over the whole public address space: each active route owns the addresses no
    /// longer route covers, and a route counts when it owns a public address. `None` when no
    /// route covers public addresses.
    pub fn public_route(&self) -> Option<usize> {
        let (internet, narrower) = self.public_routes();
        narrower.or(internet)
    }

    /// The route public (Internet) IPv4 destinations take, split in two: the worst route that
    /// takes the Internet at large (0.0.0.0/0 or a half of it, as [`Effective::public_route`]
    /// ranks them), and the worst narrower route owning public addresses when it is worse than
    /// that one (a blocklist to `None`, a partner range to an appliance): which public
    /// addresses a host needs decides whether it matters.
    pub fn public_routes(&self) -> (Option<usize>, Option<usize>) {
        let public: &[(u64, u64)] = &PUBLIC_V4;
        let mut order: Vec<(u8, usize)> = self
            .routes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.active)
            .filter_map(|(i, r)| match r.prefix {
                Some(p) if p.addr().is_ipv4() => Some((p.prefix_len(), i)),
                _ => None,
            })
            .collect();
        // Longest prefixes first (stable: listed order among equals): each route owns what no
        // longer route took before it.
        order.sort_by_key(|&(len, _)| std::cmp::Reverse(len));
        // The VNET's own address space (its system routes to VnetLocal): a VNET may use public
        // ranges, and a user route to VnetLocal for them drops nothing.
        let mut vnet_space: Vec<(u64, u64)> = Vec::new();
        for r in &self.routes {
            if r.source == Source::Default && r.next_hop_type == "VnetLocal" {
                if let Some(interval) = r.prefix.and_then(v4_interval) {
                    insert_merged(&mut vnet_space, interval);
                }
            }
        }
        let mut covered: Vec<(u64, u64)> = Vec::with_capacity(order.len());
        let mut owned = Vec::new();
        let mut outside = Vec::new();
        let mut best: Option<(u8, u8, usize)> = None;
        let mut narrow: Option<(u8, u8, usize)> = None;
        for (len, i) in order {
            let Some(interval) = self.routes[i].prefix.and_then(v4_interval) else {
                continue;
            };
            subtract_into(interval, &covered, &mut owned);
            if overlaps(&owned, public) {
                let route = &self.routes[i];
                // Public addresses a user route to VnetLocal takes outside the VNET are dropped.
                let mut drops_outside = || {
                    owned.iter().any(|&piece| {
                        subtract_into(piece, &vnet_space, &mut outside);
                        overlaps(&outside, public)
                    })
                };
                let rank = match route.next_hop_type.as_str() {
                    "None" => 0,
                    "VnetLocal" if route.source == Source::User && drops_outside() => 0,
                    "VirtualAppliance" => 1,
                    // Forced tunneling sends the Internet to the gateway (0.0.0.0/0, or its two
                    // halves); a narrower public range there is a partner's or on-premises
                    // network, not the way to the Internet.
                    "VirtualNetworkGateway" if len <= 1 => 2,
                    _ => 3,
                };
                // The worst next hop; among equals, the broadest route (it says the most).
                let slot = if len <= 1 { &mut best } else { &mut narrow };
                if slot.is_none_or(|(r, l, _)| (rank, len) < (r, l)) {
                    *slot = Some((rank, len, i));
                }
            }
            insert_merged(&mut covered, interval);
        }
        // A narrower route that is no worse than the Internet's says nothing more.
        let narrow = narrow.filter(|&(rank, _, _)| best.is_none_or(|(b, _, _)| rank < b));
        (best.map(|(_, _, i)| i), narrow.map(|(_, _, i)| i))
    }

    /// The route Azure uses for traffic from this subnet to `ip`.
    pub fn select(&self, ip: IpAddr) -> Selection {
        let route = longest_prefix_match(&self.routes, ip);
        let mut unknown = self.incomplete.clone();
        if unknown.is_none() {
            let tags: Vec<&str> = self
                .routes
                .iter()
                .filter(|r| r.active && r.prefix.is_none())
                .map(|r| r.address_prefix.as_str())
                .collect();
            let exact = route.map(|i| &self.routes[i]).is_some_and(|r| {
                r.prefix
                    .is_some_and(|p| p.prefix_len() == p.max_prefix_len())
            });
            if !tags.is_empty() && !exact {
                unknown = Some(format!(
                    "a user route's prefix is a service tag ({}) whose addresses the export cannot show",
                    tags.join(", ")
                ));
            }
        }
        if unknown.is_none() {
            if let Some(why) = &self.gateway_routes {
                let safe = route.map(|i| &self.routes[i]).is_some_and(|r| {
                    (r.source == Source::Default
                        && matches!(r.next_hop_type.as_str(), "VnetLocal" | "VNetPeering"))
                        || (r.source == Source::User
                            && r.prefix
                                .is_some_and(|p| p.prefix_len() == p.max_prefix_len()))
                });
                if !safe {
                    unknown = Some(why.clone());
                }
            }
        }
        Selection { route, unknown }
    }
}

fn text(v: Option<Value<'_>>) -> Option<String> {
    v.and_then(|x| x.as_str()).map(|s| s.trim().to_string())
}

/// The prefixes a value writes: a list of them, or one ([`parse_prefix`] each).
pub fn prefixes(v: Option<Value<'_>>) -> Vec<IpNet> {
    match v {
        Some(list) if list.is_array() => list
            .elements()
            .filter_map(|e| e.as_str().and_then(|s| parse_prefix(&s)))
            .collect(),
        Some(one) => one
            .as_str()
            .and_then(|s| parse_prefix(&s))
            .into_iter()
            .collect(),
        None => Vec::new(),
    }
}

/// Where a peering writes its remote address space: the space peered (what the local network
/// has routes for) before the remote network's current space, which holds prefixes added since
/// the last sync; PowerShell writes the first as `PeeredRemoteAddressSpace` and may leave the
/// others null.
const REMOTE_SPACES: [&str; 3] = [
    "remoteAddressSpace",
    "peeredRemoteAddressSpace",
    "remoteVirtualNetworkAddressSpace",
];

/// A peering, when it is connected: its remote address prefixes as written, and whether it
/// uses the remote network's gateways.
fn connected_peering(v: Value<'_>) -> Option<(Option<Value<'_>>, bool)> {
    let p = props_of(v);
    let state = text(p.get_ignore_case("peeringState"));
    // A template has no state: a declared peering is taken as connected.
    if !state.is_none_or(|s| s.eq_ignore_ascii_case("connected")) {
        return None;
    }
    let remote = REMOTE_SPACES.iter().find_map(|k| {
        p.get_ignore_case(k)
            .filter(|s| !s.is_null())
            .and_then(|s| s.get_ignore_case("addressPrefixes"))
            .filter(|list| !list.is_null())
    });
    let uses_gateways = p
        .get_ignore_case("useRemoteGateways")
        .and_then(|b| b.as_bool())
        .unwrap_or(false);
    Some((remote, uses_gateways))
}

/// [`connected_peering`], with the remote network's own address space where the peering
/// writes none (a template names the remote network only) and the inputs hold that network.
fn peering_space<'a>(
    inv: &'a Inventory,
    vnet: ResIdx,
    v: Value<'a>,
) -> Option<(Option<Value<'a>>, bool)> {
    let (space, uses_gateways) = connected_peering(v)?;
    Some((
        space.or_else(|| remote_network_space(inv, vnet, v)),
        uses_gateways,
    ))
}

/// The address space of the network a peering names (`remoteVirtualNetwork`), when the inputs
/// hold it.
fn remote_network_space<'a>(inv: &'a Inventory, vnet: ResIdx, v: Value<'a>) -> Option<Value<'a>> {
    let remote = props_of(v).get_ignore_case("remoteVirtualNetwork")?;
    let remote = reference(inv, vnet, remote)?;
    match inv.prop(remote, &["addressSpace", "addressPrefixes"]) {
        Lookup::Found(v) => Some(v),
        _ => None,
    }
}

/// A virtual network's peerings, inline and as child resources, and whether it lists them
/// (an empty list says there are none; no list, or `null`, says nothing).
fn peerings_of(inv: &Inventory, vnet: ResIdx) -> Result<(Vec<Value<'_>>, bool), String> {
    let mut peerings: Vec<Value<'_>> = Vec::new();
    let listed = match inv.prop(vnet, &["virtualNetworkPeerings"]) {
        Lookup::Found(list) if list.is_array() => {
            peerings.extend(list.elements());
            true
        }
        Lookup::Unknown(u) => return Err(u.reason),
        _ => false,
    };
    peerings.extend(inv.children(vnet, PEERING).map(|p| inv.value(p)));
    Ok((peerings, listed))
}

/// Whether a virtual network has a GatewaySubnet (a VPN or ExpressRoute gateway's).
fn has_gateway_subnet(inv: &Inventory, vnet: ResIdx) -> bool {
    inv.children(vnet, SUBNET).any(|s| {
        inv.name(s)
            .is_some_and(|n| n.str_eq_ignore_case("GatewaySubnet"))
    })
}

/// Whether a route table turns off the routes gateways learn (`disableBgpRoutePropagation`).
pub fn disables_gateway_routes(inv: &Inventory, table: ResIdx) -> bool {
    matches!(
        inv.prop(table, &["disableBgpRoutePropagation"]),
        Lookup::Found(v) if v.as_bool() == Some(true)
    )
}

/// A peering's remote ranges, when it is connected, and whether it uses the remote gateways.
fn peering<'a>(inv: &'a Inventory, vnet: ResIdx, v: Value<'a>) -> (Vec<IpNet>, bool) {
    match peering_space(inv, vnet, v) {
        Some((remote, uses_gateways)) => (prefixes(remote), uses_gateways),
        None => (Vec::new(), false),
    }
}

/// The remote address prefixes of a virtual network's connected peerings (inline and as child
/// resources), as far as the inputs show them, and whether one uses the remote gateways.
pub fn peered_prefixes(inv: &Inventory, vnet: ResIdx) -> (Vec<IpNet>, bool) {
    let mut peered = Vec::new();
    let mut uses_remote_gateways = false;
    // A peering both inline and as a child resource is read twice: its prefixes once.
    for p in peerings_of(inv, vnet)
        .map(|(list, _)| list)
        .unwrap_or_default()
    {
        let (nets, gw) = peering(inv, vnet, p);
        for n in nets {
            if !peered.contains(&n) {
                peered.push(n);
            }
        }
        uses_remote_gateways |= gw;
    }
    (peered, uses_remote_gateways)
}

/// The addresses of a virtual network's hosts and of the networks peered with it, as far as
/// the inputs show them: its address space and every peering's remote spaces (peered and
/// current, whatever the peering's state; else the remote network's own space). An address
/// there belongs to a host of these networks, whatever its range.
pub fn own_prefixes(inv: &Inventory, vnet: ResIdx) -> Vec<IpNet> {
    let space = |v: Value<'_>| match v.get_ignore_case("addressPrefixes") {
        Some(list) if !list.is_null() => prefixes(Some(list)),
        _ => Vec::new(),
    };
    let mut nets = match inv.prop(vnet, &["addressSpace", "addressPrefixes"]) {
        Lookup::Found(v) => prefixes(Some(v)),
        _ => Vec::new(),
    };
    for v in peerings_of(inv, vnet)
        .map(|(list, _)| list)
        .unwrap_or_default()
    {
        let p = props_of(v);
        let mut remote: Vec<IpNet> = REMOTE_SPACES
            .iter()
            .filter_map(|k| p.get_ignore_case(k).filter(|s| !s.is_null()))
            .flat_map(space)
            .collect();
        if remote.is_empty() {
            remote = prefixes(remote_network_space(inv, vnet, v));
        }
        nets.extend(remote);
    }
    nets
}

/// Whether subnets of `vnet` can send traffic to `ip` as a route's next hop: Azure forwards to
/// an appliance (a NIC or an internal load balancer) in the virtual network or in one peered
/// with it and connected, never through a third network. `Err` with the reason when the
/// inputs cannot tell: the address space or the peerings are not shown, or, with
/// `gateway_routes` (the route table does not disable gateway route propagation), the network
/// has a gateway (or uses a peer's) whose routes no export shows.
pub fn next_hop_reachable(
    inv: &Inventory,
    vnet: ResIdx,
    subnet_name: Option<&str>,
    ip: IpAddr,
    gateway_routes: bool,
) -> Result<bool, String> {
    let within = |v: Value<'_>| -> Result<bool, String> {
        let list: Vec<Value<'_>> = if v.is_array() {
            v.elements().collect()
        } else {
            vec![v]
        };
        let mut unread = None;
        for p in list {
            match p.as_str().and_then(|s| parse_prefix(&s)) {
                Some(net) if net.contains(&ip) => return Ok(true),
                Some(_) => {}
                None => {
                    unread.get_or_insert_with(|| {
                        p.as_str().map(|s| s.into_owned()).unwrap_or_default()
                    });
                }
            }
        }
        match unread {
            Some(text) => Err(format!(
                "an address prefix ({text}) is not one azlint can read"
            )),
            None => Ok(false),
        }
    };
    match inv.prop(vnet, &["addressSpace", "addressPrefixes"]) {
        Lookup::Found(v) => {
            if within(v)? {
                return Ok(true);
            }
        }
        Lookup::Absent => {
            return Err("the virtual network's address space is not in the export".into())
        }
        Lookup::Unknown(u) => return Err(u.reason),
    }
    let (peerings, listed) = peerings_of(inv, vnet)?;
    if !listed && peerings.is_empty() {
        return Err("the virtual network's peerings are not in the export".into());
    }
    let mut why = None;
    for v in peerings {
        let Some((space, uses_gateways)) = peering_space(inv, vnet, v) else {
            continue;
        };
        let p = props_of(v);
        let name = text(v.get_ignore_case("name")).unwrap_or_default();
        // Subnet peering: only the local subnets it names reach the remote network.
        if p.get_ignore_case("peerCompleteVnets")
            .and_then(|b| b.as_bool())
            == Some(false)
        {
            let named = p
                .get_ignore_case("localSubnetNames")
                .filter(|l| l.is_array());
            match (named, subnet_name) {
                (Some(list), Some(subnet)) => {
                    let peered = list.elements().any(|n| {
                        n.as_str()
                            .is_some_and(|n| n.trim().eq_ignore_ascii_case(subnet))
                    });
                    if !peered {
                        continue;
                    }
                }
                _ => {
                    why.get_or_insert(format!(
                        "peering `{name}` peers only some subnets, and the inputs do not show which"
                    ));
                    continue;
                }
            }
        }
        if uses_gateways && gateway_routes {
            why.get_or_insert_with(|| "a peering of the virtual network uses the remote network's gateway, whose routes no export shows".to_string());
        }
        // A peering that denies access to the remote network: traffic passes only where NSG
        // rules allow it by address, which this check does not evaluate.
        let denied = p
            .get_ignore_case("allowVirtualNetworkAccess")
            .and_then(|b| b.as_bool())
            == Some(false);
        match space.map(within) {
            Some(Ok(true)) if denied => {
                why.get_or_insert(format!(
                    "{ip} is in the network of peering `{name}`, which does not allow access to it: traffic passes only where NSG rules allow it by address"
                ));
            }
            Some(Ok(true)) => return Ok(true),
            Some(Ok(false)) => {}
            Some(Err(e)) => {
                why.get_or_insert(format!("peering `{name}`: {e}"));
            }
            None => {
                why.get_or_insert(format!(
                    "the remote address space of peering `{name}` is not in the inputs"
                ));
            }
        }
    }
    if gateway_routes && has_gateway_subnet(inv, vnet) {
        why.get_or_insert_with(|| {
            "the virtual network has a GatewaySubnet, whose routes no export shows".to_string()
        });
    }
    match why {
        Some(why) => Err(why),
        None => Ok(false),
    }
}

/// The prefixes of a subnet's user routes to a virtual appliance, which Azure adds to the
/// `VirtualNetwork` service tag (MicrosoftDocs/azure-docs#22178); empty when the subnet's route
/// table is not known.
pub fn appliance_prefixes(inv: &Inventory, subnet: ResIdx) -> Vec<IpNet> {
    let Ok(Some(table)) = route_table_of(inv, subnet) else {
        return Vec::new();
    };
    inv.children(table, crate::ROUTE)
        .map(|r| user_route(inv, r))
        .filter(|r| r.next_hop_type == "VirtualAppliance")
        .filter_map(|r| r.prefix)
        .collect()
}

/// The route table associated with a subnet: its `routeTable` reference, else a route table
/// that lists the subnet. `Err` when the subnet names one the inputs do not hold.
fn route_table_of(inv: &Inventory, subnet: ResIdx) -> Result<Option<ResIdx>, String> {
    match inv.prop(subnet, &["routeTable"]) {
        Lookup::Found(r) if !r.is_null() => {
            return match reference(inv, subnet, r) {
                Some(rt) => Ok(Some(rt)),
                None => Err(
                    match text(r.get_ignore_case("id")).filter(|id| !id.trim().is_empty()) {
                        Some(id) => format!("the subnet's route table {id} is not in the inputs"),
                        None => "the subnet's route table is written without an id".to_string(),
                    },
                ),
            }
        }
        Lookup::Unknown(u) => {
            return Err(format!("the subnet's route table is unknown: {}", u.reason))
        }
        _ => {}
    }
    // The subnet states its route table (Azure writes `routeTable` on every associated
    // subnet); the table's own `subnets` list only mirrors it. Scanning every route table for
    // each subnet would make large exports quadratic.
    Ok(None)
}

/// A user route read from the inventory.
fn user_route(inv: &Inventory, route: ResIdx) -> Route<'_> {
    let get = |k: &str| match inv.prop(route, &[k]) {
        Lookup::Found(v) => Some(v),
        _ => None,
    };
    let prefix = text(get("addressPrefix")).unwrap_or_default();
    let mut ips: Vec<String> = text(get("nextHopIpAddress")).into_iter().collect();
    if let Some(list) = get("nextHopIpAddresses") {
        for ip in list.elements().filter_map(|e| e.as_str()) {
            if !ips.iter().any(|x| x == ip.trim()) {
                ips.push(ip.trim().to_string());
            }
        }
    }
    ips.retain(|s| !s.is_empty());
    Route {
        prefix: parse_prefix(&prefix),
        address_prefix: prefix,
        next_hop_type: canonical_hop(&text(get("nextHopType")).unwrap_or_default()),
        next_hop_ips: ips,
        source: Source::User,
        active: true,
        name: inv
            .name(route)
            .and_then(|n| n.as_str())
            .map(|n| n.into_owned()),
        resource: Some(route),
        object: Some(inv.value(route)),
    }
}

/// The effective routes of a subnet.
pub fn effective(inv: &Inventory, subnet: ResIdx) -> Effective<'_> {
    let vnet = inv.resource(subnet).parent;
    let mut incomplete = None;
    let mut space = Vec::new();
    let mut peered = Vec::new();
    let mut gateway = None;
    match vnet {
        None => {
            incomplete = Some("the subnet's virtual network is not in the inputs, so its address space is unknown".to_string());
        }
        Some(vnet) => {
            match inv.prop(vnet, &["addressSpace", "addressPrefixes"]) {
                Lookup::Found(v) => space = prefixes(Some(v)),
                Lookup::Absent => {
                    incomplete =
                        Some("the virtual network's address space is not in the export".into())
                }
                Lookup::Unknown(u) => incomplete = Some(u.reason),
            }
            let uses_remote_gateways;
            (peered, uses_remote_gateways) = peered_prefixes(inv, vnet);
            if has_gateway_subnet(inv, vnet) {
                gateway = Some("the virtual network has a GatewaySubnet");
            } else if uses_remote_gateways {
                gateway = Some(
                    "a peering of the virtual network uses the remote virtual network's gateway",
                );
            }
        }
    }
    let route_table = match route_table_of(inv, subnet) {
        Ok(rt) => rt,
        Err(why) => {
            incomplete.get_or_insert(why);
            None
        }
    };
    let mut user = Vec::new();
    let mut propagation_disabled = false;
    if let Some(rt) = route_table {
        propagation_disabled = disables_gateway_routes(inv, rt);
        if let Lookup::Unknown(u) = inv.prop(rt, &["routes"]) {
            incomplete.get_or_insert(u.reason);
        }
        user = inv
            .children(rt, ROUTE)
            .map(|r| user_route(inv, r))
            .collect();
    }
    let gateway_routes = match gateway {
        Some(why) if !propagation_disabled => Some(format!(
            "{why} and {}, so VirtualNetworkGateway routes learned over BGP may exist; they are not in any export",
            if route_table.is_some() {
                "the route table does not disable gateway route propagation"
            } else {
                "the subnet has no route table to disable gateway route propagation"
            }
        )),
        _ => None,
    };
    let routes = apply_user_routes(system_routes(&space, &peered), user);
    Effective {
        subnet,
        vnet,
        route_table,
        routes,
        gateway_routes,
        incomplete,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn reserved_constants_agree() {
        for (net, written) in RESERVED_NETS.iter().zip(RESERVED) {
            assert_eq!(*net, written.parse::<IpNet>().unwrap());
            assert_eq!(net.to_string(), *written);
        }
    }

    #[test]
    fn reserved_ranges_and_vnet_space() {
        let hops = |space: &[&str]| -> Vec<String> {
            system_routes(&nets(space), &[])
                .iter()
                .map(|r| format!("{} {}", r.address_prefix, r.next_hop_type))
                .collect()
        };
        // Inside 10/8: the None route stays (the longer VnetLocal route wins anyway).
        assert!(hops(&["10.20.0.0/24"]).contains(&"10.0.0.0/8 None".to_string()));
        // The same range: VnetLocal, once.
        let same = hops(&["10.0.0.0/8"]);
        assert!(same.contains(&"10.0.0.0/8 VnetLocal".to_string()));
        assert!(!same.contains(&"10.0.0.0/8 None".to_string()));
        // A larger range: the None route is removed.
        let larger = hops(&["172.16.0.0/11"]);
        assert!(!larger.iter().any(|r| r.starts_with("172.16.0.0/12")));
    }

    /// The remote prefixes `peering` reads from a peering written as `src`.
    fn remote(src: &str) -> Vec<String> {
        let tree = azlint_source::json::Tree::parse(src, 0).unwrap();
        let (space, _) = connected_peering(tree.root(src)).unwrap_or((None, false));
        prefixes(space).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_peering_routes_to_the_space_it_peered() {
        // The remote network grew and the peering was not synced: routes exist for the space
        // peered, not for the remote network's current space.
        let unsynced = r#"{"properties": {"peeringState": "Connected",
            "peeringSyncLevel": "LocalNotInSync",
            "remoteAddressSpace": {"addressPrefixes": ["10.100.0.0/24"]},
            "remoteVirtualNetworkAddressSpace": {"addressPrefixes": ["10.100.0.0/24", "10.101.0.0/24"]}}}"#;
        assert_eq!(remote(unsynced), ["10.100.0.0/24"]);
        // PowerShell: the current space null, the peered one under its own name.
        let powershell = r#"{"PeeringState": "Connected",
            "RemoteVirtualNetworkAddressSpace": null,
            "PeeredRemoteAddressSpace": {"AddressPrefixes": ["10.100.0.0/24"]}}"#;
        assert_eq!(remote(powershell), ["10.100.0.0/24"]);
        // Only the current space: read it.
        let current = r#"{"peeringState": "Connected",
            "remoteVirtualNetworkAddressSpace": {"addressPrefixes": ["10.100.0.0/24"]}}"#;
        assert_eq!(remote(current), ["10.100.0.0/24"]);
        // Not connected: nothing.
        let initiated = r#"{"peeringState": "Initiated",
            "remoteAddressSpace": {"addressPrefixes": ["10.100.0.0/24"]}}"#;
        assert!(remote(initiated).is_empty());
    }
}

/// An IPv4 prefix as a half-open interval of addresses.
fn v4_interval(net: IpNet) -> Option<(u64, u64)> {
    match net {
        IpNet::V4(n) => {
            let start = u64::from(u32::from(n.network()));
            Some((start, start + (1u64 << (32 - n.prefix_len()))))
        }
        IpNet::V6(_) => None,
    }
}

/// The public IPv4 space: everything outside [`crate::ip::NON_PUBLIC`], as sorted disjoint
/// half-open intervals (computed once; every mgmt subnet's routes are judged against it).
static PUBLIC_V4: std::sync::LazyLock<Vec<(u64, u64)>> = std::sync::LazyLock::new(|| {
    let mut reserved: Vec<(u64, u64)> = Vec::new();
    for net in crate::ip::NON_PUBLIC
        .iter()
        .filter_map(|(net, _)| net.parse::<IpNet>().ok())
        .filter_map(v4_interval)
    {
        insert_merged(&mut reserved, net);
    }
    let mut public = Vec::new();
    subtract_into((0, 1 << 32), &reserved, &mut public);
    public
});

/// Whether an IPv4 prefix holds any public address (`0.0.0.0/1` does, though its first
/// address does not).
pub(crate) fn holds_public_v4(net: IpNet) -> Option<bool> {
    let interval = v4_interval(net)?;
    Some(overlaps(&[interval], &PUBLIC_V4))
}

/// Whether `nets` together hold every public IPv4 address (`0.0.0.0/1` with `128.0.0.0/1`,
/// say): then a rule for them surely matches an address on the Internet.
pub(crate) fn cover_public_v4(nets: impl IntoIterator<Item = IpNet>) -> bool {
    let mut set: Vec<(u64, u64)> = Vec::new();
    for interval in nets.into_iter().filter_map(v4_interval) {
        insert_merged(&mut set, interval);
    }
    let mut left = Vec::new();
    PUBLIC_V4.iter().all(|&public| {
        subtract_into(public, &set, &mut left);
        left.is_empty()
    })
}

/// `out` = `a` minus `b`, where `b` is sorted and disjoint; `out` comes out sorted.
fn subtract_into((mut s, e): (u64, u64), b: &[(u64, u64)], out: &mut Vec<(u64, u64)>) {
    out.clear();
    for &(bs, be) in b {
        if be <= s {
            continue;
        }
        if bs >= e {
            break;
        }
        if s < bs {
            out.push((s, bs));
        }
        s = s.max(be);
        if s >= e {
            return;
        }
    }
    if s < e {
        out.push((s, e));
    }
}

/// Whether two sorted disjoint interval sets share an address.
fn overlaps(a: &[(u64, u64)], b: &[(u64, u64)]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let ((s, e), (bs, be)) = (a[i], b[j]);
        if s < be && bs < e {
            return true;
        }
        if e <= be {
            i += 1;
        } else {
            j += 1;
        }
    }
    false
}

/// Adds an interval to a sorted set of disjoint intervals, merging what touches.
fn insert_merged(set: &mut Vec<(u64, u64)>, (mut s, mut e): (u64, u64)) {
    // The first interval that ends at or after `s` may merge; so may those after it that
    // start at or before `e`.
    let from = set.partition_point(|&(_, b)| b < s);
    let mut to = from;
    while to < set.len() && set[to].0 <= e {
        s = s.min(set[to].0);
        e = e.max(set[to].1);
        to += 1;
    }
    set.splice(from..to, std::iter::once((s, e)));
}

#[cfg(test)]
mod public_route_tests {
    use super::*;

    #[test]
    fn interval_arithmetic() {
        let mut out = Vec::new();
        subtract_into((0, 100), &[(10, 20), (50, 60)], &mut out);
        assert_eq!(out, [(0, 10), (20, 50), (60, 100)]);
        subtract_into((15, 55), &[(10, 20), (50, 60)], &mut out);
        assert_eq!(out, [(20, 50)]);
        subtract_into((12, 18), &[(10, 20)], &mut out);
        assert!(out.is_empty());
        subtract_into((0, 5), &[(10, 20)], &mut out);
        assert_eq!(out, [(0, 5)]);
        let mut set = vec![(0, 10), (20, 30)];
        insert_merged(&mut set, (10, 20));
        assert_eq!(set, [(0, 30)]);
        insert_merged(&mut set, (40, 50));
        insert_merged(&mut set, (35, 36));
        assert_eq!(set, [(0, 30), (35, 36), (40, 50)]);
        insert_merged(&mut set, (29, 41));
        assert_eq!(set, [(0, 50)]);
        assert!(overlaps(&[(0, 10)], &[(9, 12)]));
        assert!(!overlaps(&[(0, 10)], &[(10, 12)]));
        assert!(overlaps(&[(0, 1), (5, 6), (20, 30)], &[(2, 3), (25, 26)]));
        assert!(!overlaps(&[(0, 1), (5, 6)], &[(1, 5), (6, 9)]));
        let net: IpNet = "10.0.0.0/8".parse().unwrap();
        assert_eq!(v4_interval(net), Some((10 << 24, 11 << 24)));
        // The public space starts at 1.0.0.0 and skips 10/8.
        assert_eq!(PUBLIC_V4[0], (1 << 24, 10 << 24));
        assert!(PUBLIC_V4.windows(2).all(|w| w[0].1 < w[1].0));
    }
}
