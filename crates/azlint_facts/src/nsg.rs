//! Network security group verdicts for a flow, as Azure decides them (domain.md section 5).
//!
//! Within one NSG, custom rules and the default rules are taken in priority order and the
//! first rule that matches decides. Outbound traffic passes the NIC's NSG, then the subnet's;
//! inbound traffic the subnet's, then the NIC's; both must allow, and a level without an NSG
//! allows. Application security groups match by the endpoints' IP configurations. What an
//! export cannot show (the groups of an address whose NIC is not in the inputs, service tags
//! other than `VirtualNetwork`, `Internet` and `AzureLoadBalancer`, whether a public prefix
//! holds an Internet address) makes the answer unknown, never a guess.

use std::borrow::Cow;
use std::net::IpAddr;

use azlint_diagnostics::printable;
use azlint_inventory::{Inventory, Lookup, ResIdx};
use azlint_source::{KeySet, Value};
use ipnet::IpNet;

/// Traffic direction, as NSG rules spell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Inbound,
    Outbound,
}

/// Where a flow goes (or comes from).
#[derive(Clone, Copy, Debug)]
pub enum Endpoint {
    /// A private address in a VNET.
    Ip(IpAddr),
    /// Some address of a subnet's prefix, not known which: the address Azure assigns a NIC at
    /// deployment (a dynamic address in a template). Rules that hold the whole prefix, or none
    /// of it, decide the same for every address in it.
    Within(IpNet),
    /// Any public IPv4 address (a public resolver).
    Internet,
    /// management.azure.com: a public IPv4 address which the `AzureResourceManager` service tag
    /// (and `AzureCloud`, all of Azure's public ranges) holds, not known which.
    Management,
}

/// A flow to judge.
#[derive(Clone, Debug)]
pub struct Flow {
    /// "Tcp" or "Udp".
    pub protocol: &'static str,
    pub source: Endpoint,
    pub destination: Endpoint,
    pub port: u16,
    /// The application security groups of the source's IP configuration.
    pub source_asgs: Asgs,
    /// The application security groups of the destination's IP configuration.
    pub destination_asgs: Asgs,
}

/// The application security groups an endpoint belongs to (ids in lower case).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Asgs {
    /// The endpoint's IP configuration is not in the inputs: rules on ASGs may match.
    #[default]
    Unknown,
    /// Its groups (none for an Internet address).
    Known(Vec<String>),
}

impl Asgs {
    /// The groups of a NIC's IP configuration: the one holding `ip`, else the primary.
    pub fn of_nic(inv: &Inventory, nic: ResIdx, ip: Option<IpAddr>) -> Asgs {
        let Lookup::Found(configs) = inv.prop(nic, &["ipConfigurations"]) else {
            return Asgs::Unknown;
        };
        let configs: Vec<Value<'_>> = configs.elements().collect();
        let holds_ip = |c: &Value<'_>| {
            let p = azlint_inventory::props_of(*c);
            p.get_ignore_case("privateIPAddress")
                .and_then(|v| v.as_str())
                .and_then(|s| s.trim().parse::<IpAddr>().ok())
                .is_some_and(|a| Some(a) == ip)
        };
        let primary = |c: &Value<'_>| {
            azlint_inventory::props_of(*c)
                .get_ignore_case("primary")
                .and_then(|v| v.as_bool())
                == Some(true)
        };
        let config = configs
            .iter()
            .find(|c| holds_ip(c))
            .or_else(|| configs.iter().find(|c| primary(c)))
            .or_else(|| (configs.len() == 1).then(|| &configs[0]));
        let Some(config) = config else {
            return Asgs::Unknown;
        };
        let p = azlint_inventory::props_of(*config);
        match p.get_ignore_case("applicationSecurityGroups") {
            None => Asgs::Known(Vec::new()),
            Some(list) if list.is_null() => Asgs::Known(Vec::new()),
            Some(list) if list.is_array() => Asgs::Known(
                list.elements()
                    .filter_map(|g| g.get_ignore_case("id").and_then(|i| i.as_str()))
                    .map(|id| azlint_inventory::id_key(&id))
                    .collect(),
            ),
            Some(_) => Asgs::Unknown,
        }
    }
}

/// An NSG's answer.
#[derive(Clone, Debug)]
pub enum Verdict<'a> {
    Allow,
    /// Denied by this rule (its object, when the export has it; `None` for a built-in default).
    Deny {
        rule: Option<Value<'a>>,
        name: String,
        /// The resource whose document holds `rule`: `None` for the NSG itself, else the rule
        /// written as a resource of its own.
        holder: Option<ResIdx>,
    },
    Unknown(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Match {
    Yes,
    No,
    Maybe,
}

/// Azure's default rules, for NSGs exported without `defaultSecurityRules` (templates).
const DEFAULTS: &[(&str, u32, Direction, bool, &str, &str)] = &[
    (
        "AllowVnetInBound",
        65000,
        Direction::Inbound,
        true,
        "VirtualNetwork",
        "VirtualNetwork",
    ),
    (
        "AllowAzureLoadBalancerInBound",
        65001,
        Direction::Inbound,
        true,
        "AzureLoadBalancer",
        "*",
    ),
    ("DenyAllInBound", 65500, Direction::Inbound, false, "*", "*"),
    (
        "AllowVnetOutBound",
        65000,
        Direction::Outbound,
        true,
        "VirtualNetwork",
        "VirtualNetwork",
    ),
    (
        "AllowInternetOutBound",
        65001,
        Direction::Outbound,
        true,
        "*",
        "Internet",
    ),
    (
        "DenyAllOutBound",
        65500,
        Direction::Outbound,
        false,
        "*",
        "*",
    ),
];

/// One rule, read from its object or a built-in default.
/// Strings are borrowed from the export (decoded only when escaped): an NSG is read once per
/// flow, and a large export judges tens of thousands of flows.
#[derive(Clone)]
struct RuleView<'a> {
    object: Option<Value<'a>>,
    name: Cow<'a, str>,
    /// Where the rule is taken. A priority known only at deployment (a template's
    /// expression) is somewhere in a range: the rule is read twice, see [`Place`].
    priority: u32,
    place: Place,
    direction: Option<Direction>,
    allow: bool,
    protocol: Cow<'a, str>,
    source: Strings<'a>,
    destination: Strings<'a>,
    source_ports: Strings<'a>,
    destination_ports: Strings<'a>,
    /// The rule's source and destination application security groups (ids in lower case),
    /// when it names any: then they replace the prefix on that side.
    source_asgs: Option<Vec<String>>,
    destination_asgs: Option<Vec<String>>,
    /// One of Azure's default rules (read from `defaultSecurityRules` or built in).
    default: bool,
    /// Deployed only if its template `condition` holds, which is unknown: it may not exist.
    conditional: bool,
    /// The rule written as a resource of its own, whose document holds `object`; `None` for a
    /// rule of the NSG's own lists.
    holder: Option<ResIdx>,
}

/// Where a rule stands in the priority order.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Place {
    /// At its priority.
    Known,
    /// A priority known only at deployment; [`Place::From`] and [`Place::By`] stand for it.
    Unknown,
    /// The lowest priority the rule may have: from here on it may come first (it may match).
    From,
    /// The highest: by here it has surely been taken (it matches as it matches).
    By,
}

/// The strings of a rule's field (address prefixes, port ranges). Nearly always exactly one, so
/// it is kept inline: every NSG's rules are kept for the whole run, a hundred thousand rules on
/// a large export, and a `Vec` for each field was four allocations per rule.
#[derive(Clone, Debug)]
enum Strings<'a> {
    One([Cow<'a, str>; 1]),
    Many(Vec<Cow<'a, str>>),
}

impl<'a> Strings<'a> {
    fn one(s: Cow<'a, str>) -> Self {
        Strings::One([s])
    }
}

impl<'a> std::ops::Deref for Strings<'a> {
    type Target = [Cow<'a, str>];
    fn deref(&self) -> &Self::Target {
        match self {
            Strings::One(one) => one,
            Strings::Many(many) => many,
        }
    }
}

fn strings(v: Option<Value<'_>>) -> Vec<Cow<'_, str>> {
    match v {
        Some(v) if v.is_array() => v.elements().filter_map(|e| e.as_str()).collect(),
        Some(v) => v.as_str().into_iter().collect(),
        None => Vec::new(),
    }
}

/// The singular field (its non-blank strings), else the plural one, else "*".
fn one_or_many<'a>(single: Option<Value<'a>>, plural: Option<Value<'a>>) -> Strings<'a> {
    match single {
        // The usual case, a single string: no list to build.
        Some(v) if !v.is_array() => {
            if let Some(s) = v.as_str().filter(|s| !s.trim().is_empty()) {
                return Strings::one(s);
            }
        }
        single => {
            let mut out = strings(single);
            out.retain(|s| !s.trim().is_empty());
            if !out.is_empty() {
                return Strings::Many(out);
            }
        }
    }
    let out = strings(plural);
    if out.is_empty() {
        Strings::one(Cow::Borrowed("*"))
    } else {
        Strings::Many(out)
    }
}

/// The properties of a security rule that NSG evaluation reads. They are looked up in one pass
/// over the rule's members ([`Value::pick_keys`]): a large export has a hundred thousand
/// rules (six defaults per NSG), and a lookup per key rescanned each rule's members a dozen times.
const RULE_KEYS: KeySet<14> = KeySet::new([
    "direction",
    "priority",
    "access",
    "protocol",
    "sourceAddressPrefix",
    "sourceAddressPrefixes",
    "destinationAddressPrefix",
    "destinationAddressPrefixes",
    "sourcePortRange",
    "sourcePortRanges",
    "destinationPortRange",
    "destinationPortRanges",
    "sourceApplicationSecurityGroups",
    "destinationApplicationSecurityGroups",
]);

/// The ids of a rule's application security groups, `None` when it names none.
fn asg_ids(list: Option<Value<'_>>) -> Option<Vec<String>> {
    let list = list.filter(|l| l.is_array() && !l.is_empty())?;
    Some(
        list.elements()
            .map(|g| {
                g.get_ignore_case("id")
                    .and_then(|i| i.as_str())
                    .map(|id| azlint_inventory::id_key(&id))
                    // An ASG without a readable id never matches a known membership.
                    .unwrap_or_default()
            })
            .collect(),
    )
}

/// Whether an endpoint is in one of a rule's groups.
fn asg_matches(rule: &Option<Vec<String>>, endpoint: &Asgs) -> Match {
    match (rule, endpoint) {
        (None, _) => Match::Yes,
        (Some(_), Asgs::Unknown) => Match::Maybe,
        (Some(groups), Asgs::Known(mine)) => {
            if groups.iter().any(|g| !g.is_empty() && mine.contains(g)) {
                Match::Yes
            } else {
                Match::No
            }
        }
    }
}

/// Reads one rule; `Err` says why it cannot be judged: what decides a flow is missing, or is a
/// template's value known only at deployment.
fn read_rule<'a>(v: Value<'a>) -> Result<RuleView<'a>, &'static str> {
    let mut top = [None; 2];
    v.pick_keys(&const { KeySet::new(["properties", "name"]) }, &mut top);
    let [properties, name] = top;
    // As `props_of`: the nested form's `properties` object, else the flattened rule itself.
    let p = properties.filter(Value::is_object).unwrap_or(v);
    let mut found = [None; 14];
    p.pick_keys(&RULE_KEYS, &mut found);
    let [direction, priority, access, protocol, source, sources, destination, destinations, source_port, source_ports, destination_port, destination_ports, source_asgs, destination_asgs] =
        found;
    if found
        .iter()
        .flatten()
        .any(|v| azlint_inventory::powershell_text(*v))
    {
        return Err(POWERSHELL_TEXT);
    }
    let text = |x: Option<Value<'a>>| x.and_then(|x| x.as_str());
    // A priority known only at deployment is placed by [`place_unknown_priorities`].
    if [direction, access]
        .into_iter()
        .flatten()
        .any(azlint_inventory::is_expression)
    {
        return Err(DEPLOYMENT_TIME);
    }
    let direction = text(direction).ok_or(NOT_A_RULE)?;
    let direction = if direction.trim().eq_ignore_ascii_case("inbound") {
        Some(Direction::Inbound)
    } else if direction.trim().eq_ignore_ascii_case("outbound") {
        Some(Direction::Outbound)
    } else {
        None
    };
    Ok(RuleView {
        object: Some(v),
        name: name
            .and_then(|n| n.as_str())
            .unwrap_or(Cow::Borrowed("(unnamed rule)")),
        priority: match priority {
            Some(x) if azlint_inventory::is_expression(x) => 0,
            x => x
                .and_then(|x| x.as_f64())
                .map(|x| x as u32)
                .ok_or(NOT_A_RULE)?,
        },
        place: match priority {
            Some(x) if azlint_inventory::is_expression(x) => Place::Unknown,
            _ => Place::Known,
        },
        direction,
        allow: text(access)
            .ok_or(NOT_A_RULE)?
            .eq_ignore_ascii_case("allow"),
        protocol: text(protocol).unwrap_or(Cow::Borrowed("*")),
        source: one_or_many(source, sources),
        destination: one_or_many(destination, destinations),
        source_ports: one_or_many(source_port, source_ports),
        destination_ports: one_or_many(destination_port, destination_ports),
        source_asgs: asg_ids(source_asgs),
        destination_asgs: asg_ids(destination_asgs),
        default: false,
        conditional: false,
        holder: None,
    })
}

/// An NSG's rules, custom and default, in priority order: read once, judged for many flows.
pub struct Rules<'a>(Vec<RuleView<'a>>);

/// Reads an NSG's rules.
pub fn rules<'a>(inv: &'a Inventory, nsg: ResIdx) -> Result<Rules<'a>, String> {
    rules_of(inv, nsg).map(Rules)
}

/// Why an NSG's rules cannot be judged: one of them lacks what decides a flow.
const NOT_A_RULE: &str = "has no direction, access or priority";

/// Why an NSG's rules cannot be judged: a rule's direction or access is a template's value.
const DEPLOYMENT_TIME: &str = "has a direction or access known only at deployment";

/// Why an NSG's rules cannot be judged: PowerShell's `ConvertTo-Json` wrote a rule's prefixes
/// or ports as their type name (`System.Collections.Generic.List`1[System.String]`).
const POWERSHELL_TEXT: &str =
    "has addresses or ports written as PowerShell's text for a list that `ConvertTo-Json` did not write out (export again with `-Depth 100`)";

/// Why an NSG's rules cannot be judged, naming the rule `r` (its last name segment: a rule
/// written as a resource of its own is named `<nsg>/<rule>`) and the NSG, so that a user
/// finds it.
fn unreadable(inv: &Inventory, nsg: ResIdx, r: Option<Value<'_>>, why: &str) -> String {
    let text = |v: Option<Value<'_>>| {
        v.and_then(|v| v.as_str())
            .map(|s| printable(&own_name(&s).unwrap_or_else(|| s.to_string())))
    };
    let rule = text(r.and_then(|r| r.get_ignore_case("name")));
    let nsg = text(inv.name(nsg)).unwrap_or_else(|| "(unnamed)".to_string());
    match rule {
        Some(rule) => format!("security rule `{rule}` of NSG `{nsg}` {why}"),
        None => format!("a security rule of NSG `{nsg}` {why}"),
    }
}

/// A rule's own segment of a full name `<nsg>/<rule>`; of a name known only at deployment, the
/// segment its known text ends with (`None`: the name as written is the best there is).
fn own_name(name: &str) -> Option<String> {
    if azlint_inventory::is_expression_text(name) {
        azlint_arm::text::known_last_segment(name)
    } else {
        name.rsplit_once('/')
            .map(|(_, last)| last.to_string())
            .filter(|last| !last.is_empty())
    }
}

/// The type of a security rule written as a resource of its own (lower case).
const SECURITY_RULE: &str = "microsoft.network/networksecuritygroups/securityrules";

fn rules_of<'a>(inv: &'a Inventory, nsg: ResIdx) -> Result<Vec<RuleView<'a>>, String> {
    const KEYS: KeySet<2> = KeySet::new(["securityRules", "defaultSecurityRules"]);
    let [custom, defaults] = inv.props(nsg, &KEYS);
    let custom = match custom {
        Lookup::Found(list) => Some(list),
        Lookup::Absent => None,
        Lookup::Unknown(u) => return Err(u.reason),
    };
    let defaults = match defaults {
        Lookup::Found(list) => Some(list),
        _ => None,
    };
    let count = |list: Option<Value<'_>>| list.map_or(0, |l| l.elements().count());
    let mut rules = Vec::with_capacity(count(custom) + count(defaults).max(DEFAULTS.len()));
    for r in custom.iter().flat_map(Value::elements) {
        rules.push(read_rule(r).map_err(|why| unreadable(inv, nsg, Some(r), why))?);
    }
    // Rules written as resources of their own (`networkSecurityGroups/securityRules` in a
    // template, `az network nsg rule list`) are the NSG's rules too, unless the NSG's list
    // shows them already.
    for child in inv.children(nsg, SECURITY_RULE) {
        if inv.resource(child).embedded {
            continue;
        }
        let value = inv.value(child);
        let mut rule = read_rule(value).map_err(|why| unreadable(inv, nsg, Some(value), why))?;
        if let Some(own) = own_name(&rule.name) {
            rule.name = Cow::Owned(own);
        }
        if rules
            .iter()
            .any(|r| r.name.eq_ignore_ascii_case(&rule.name))
        {
            continue;
        }
        rule.conditional = inv.is_conditional(child);
        rule.holder = Some(child);
        rules.push(rule);
    }
    let custom_count = rules.len();
    for r in defaults.iter().flat_map(Value::elements) {
        if let Ok(mut rule) = read_rule(r) {
            rule.default = true;
            rules.push(rule);
        }
    }
    if rules.len() == custom_count {
        rules.extend(
            DEFAULTS
                .iter()
                .map(|&(name, priority, direction, allow, src, dst)| RuleView {
                    object: None,
                    name: Cow::Borrowed(name),
                    priority,
                    place: Place::Known,
                    direction: Some(direction),
                    allow,
                    protocol: Cow::Borrowed("*"),
                    source: Strings::one(Cow::Borrowed(src)),
                    destination: Strings::one(Cow::Borrowed(dst)),
                    source_ports: Strings::one(Cow::Borrowed("*")),
                    destination_ports: Strings::one(Cow::Borrowed("*")),
                    source_asgs: None,
                    destination_asgs: None,
                    default: true,
                    conditional: false,
                    holder: None,
                }),
        );
    }
    place_unknown_priorities(&mut rules).map_err(|r| unreadable(inv, nsg, r, NOT_A_RULE))?;
    rules.sort_by_key(|r| r.priority);
    Ok(rules)
}

/// A rule whose priority is known only at deployment has one of 100-4096 that no other rule
/// of its direction has (Azure rejects two rules with the same priority and direction). It is
/// read twice: where it may come first, at the lowest free priority, as a rule that may
/// match; and where it has surely been taken, at the highest, as it is. A deny-all at 4096
/// therefore comes after an allow whose priority is `[add(parameters('base'), 1)]`. The error
/// is a rule that has no free priority.
fn place_unknown_priorities<'a>(rules: &mut Vec<RuleView<'a>>) -> Result<(), Option<Value<'a>>> {
    if rules.iter().all(|r| r.place == Place::Known) {
        return Ok(());
    }
    // The priorities rules sure to be deployed take, per direction.
    let mut taken = [[false; 4097]; 2];
    let slot = |d: Option<Direction>| match d {
        Some(Direction::Inbound) => Some(0),
        Some(Direction::Outbound) => Some(1),
        None => None,
    };
    for o in rules.iter() {
        if o.place == Place::Known && !o.default && !o.conditional {
            if let (Some(d), Some(t)) = (slot(o.direction), usize::try_from(o.priority).ok()) {
                if let Some(t) = taken[d].get_mut(t) {
                    *t = true;
                }
            }
        }
    }
    let mut placed = Vec::new();
    for r in rules.iter().filter(|r| r.place == Place::Unknown) {
        let free = |p: &u32| match slot(r.direction) {
            Some(d) => !taken[d][*p as usize],
            None => true,
        };
        let (Some(lo), Some(hi)) = ((100..=4096).find(free), (100..=4096).rev().find(free)) else {
            return Err(r.object);
        };
        let mut from = r.clone();
        (from.priority, from.place) = (lo, Place::From);
        let mut by = r.clone();
        (by.priority, by.place) = (hi, Place::By);
        placed.push(from);
        placed.push(by);
    }
    rules.retain(|r| r.place != Place::Unknown);
    rules.extend(placed);
    Ok(())
}

/// A port range as written (`443`, `1024-65535`); `None` when it is not numbers, or not a
/// range Azure accepts (`20490-20470`): which ports its author meant is not known.
fn port_range(r: &str) -> Option<(u16, u16)> {
    let r = r.trim();
    let (lo, hi) = r.split_once('-').unwrap_or((r, r));
    // Digits only: Rust's parser would take `+20480`, which Azure does not.
    let number = |s: &str| {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<u16>().ok()
    };
    let (lo, hi) = (number(lo)?, number(hi)?);
    (lo <= hi).then_some((lo, hi))
}

/// Whether a rule's protocol matches a flow's (`Tcp`, `Udp` or `Icmp`). A template's value
/// known only at deployment, or a word that is no protocol Azure knows, may be any.
fn protocol_matches(rule: &str, flow: &str) -> Match {
    let rule = rule.trim();
    if rule == "*" || rule.eq_ignore_ascii_case("any") || rule.eq_ignore_ascii_case(flow) {
        Match::Yes
    } else if ["tcp", "udp", "icmp", "esp", "ah"]
        .iter()
        .any(|p| rule.eq_ignore_ascii_case(p))
    {
        Match::No
    } else {
        Match::Maybe
    }
}

/// Whether a prefix that did not parse is written as an address or prefix (`10.20.0.0/33`,
/// `10.20.0.300`), not as a service tag: Azure refuses it, and what its author meant is not
/// known.
fn malformed_address(p: &str) -> bool {
    if prefix(p).is_some() {
        return false;
    }
    // Addresses, prefixes, ranges (`10.20.0.64-10.20.0.95`) and lists (`10.20.0.68,
    // 10.20.0.69`) as text, which Azure does not take in one prefix: no service tag has
    // these characters alone.
    let digits = p.bytes().any(|b| b.is_ascii_digit());
    let address_like = p.bytes().all(|b| {
        b.is_ascii_hexdigit()
            || b.is_ascii_whitespace()
            || matches!(b, b'.' | b'/' | b':' | b'-' | b',')
    });
    digits && address_like && p.contains(['.', ':', '/'])
}

/// An address prefix as written (`10.0.0.0/8`, or one address); `None` for a service tag.
fn prefix(p: &str) -> Option<IpNet> {
    let p = p.trim();
    p.parse::<IpNet>()
        .ok()
        .or_else(|| p.parse::<IpAddr>().ok().map(IpNet::from))
}

fn port_matches(ranges: &[Cow<'_, str>], port: u16) -> Match {
    let mut result = Match::No;
    for r in ranges {
        let r = r.trim();
        if r == "*" || r.eq_ignore_ascii_case("any") {
            return Match::Yes;
        }
        match port_range(r) {
            Some((lo, hi)) if lo <= port && port <= hi => return Match::Yes,
            Some(_) => {}
            None => result = Match::Maybe,
        }
    }
    result
}

fn is_public(ip: IpAddr) -> bool {
    crate::is_public_ip(ip)
}

/// Whether a prefix may hold public addresses: `No` when it holds none.
fn any_public(net: IpNet) -> Match {
    let none = match crate::routes::holds_public_v4(net) {
        Some(holds) => !holds,
        // IPv6: a unique-local prefix holds no public address at either end, nor between.
        None => !is_public(net.network()) && !is_public(net.broadcast()),
    };
    if none {
        Match::No
    } else {
        Match::Maybe
    }
}

fn prefix_matches(prefixes: &[Cow<'_, str>], end: Endpoint, vnet: &[IpNet]) -> Match {
    // management.azure.com is some public address: what holds all of the Internet, or none of
    // it, holds all of it or none; and the tags made of Azure's management ranges hold it.
    let management = matches!(end, Endpoint::Management);
    let mut result = Match::No;
    for p in prefixes {
        let p = p.trim();
        let m = if p == "*"
            || p.eq_ignore_ascii_case("any")
            || (management && crate::holds_management_api(p))
        {
            Match::Yes
        } else if p.eq_ignore_ascii_case("Internet") {
            match end {
                Endpoint::Internet | Endpoint::Management => Match::Yes,
                Endpoint::Ip(ip) => {
                    if is_public(ip) {
                        Match::Yes
                    } else {
                        Match::No
                    }
                }
                Endpoint::Within(net) => any_public(net),
            }
        } else if p.eq_ignore_ascii_case("VirtualNetwork") {
            match end {
                // The tag holds the prefixes of user-defined routes too: a 0.0.0.0/0 route
                // makes it hold the whole Internet.
                Endpoint::Internet | Endpoint::Management
                    if crate::routes::cover_public_v4(vnet.iter().copied()) =>
                {
                    Match::Yes
                }
                Endpoint::Internet | Endpoint::Management
                    if vnet
                        .iter()
                        .any(|&n| crate::routes::holds_public_v4(n) == Some(true)) =>
                {
                    Match::Maybe
                }
                Endpoint::Internet | Endpoint::Management => Match::No,
                Endpoint::Ip(ip) if vnet.iter().any(|n| n.contains(&ip)) => Match::Yes,
                Endpoint::Within(net) if vnet.iter().any(|n| n.contains(&net)) => Match::Yes,
                // Peered or gateway-connected spaces are VirtualNetwork too: not in the export.
                Endpoint::Ip(_) | Endpoint::Within(_) => Match::Maybe,
            }
        } else if p.eq_ignore_ascii_case("AzureLoadBalancer") {
            Match::No
        } else if azlint_inventory::is_expression_text(p) || malformed_address(p) {
            // A template's value known only at deployment: any prefix or tag. Or an address
            // Azure would refuse: what was meant is not known.
            Match::Maybe
        } else if let Some(net) = prefix(p) {
            match end {
                Endpoint::Ip(ip) => {
                    if net.contains(&ip) {
                        Match::Yes
                    } else {
                        Match::No
                    }
                }
                Endpoint::Within(within) => {
                    if net.contains(&within) {
                        Match::Yes
                    } else if within.contains(&net.network()) || net.contains(&within.network()) {
                        Match::Maybe
                    } else {
                        Match::No
                    }
                }
                // The vSocket reaches the Internet over IPv4: an IPv6 prefix (a baseline
                // "no IPv6 egress" rule to `::/0`) holds none of it.
                Endpoint::Internet | Endpoint::Management if matches!(net, IpNet::V6(_)) => {
                    Match::No
                }
                Endpoint::Internet | Endpoint::Management => {
                    let public = crate::routes::holds_public_v4(net)
                        .unwrap_or_else(|| is_public(net.network()));
                    if net.prefix_len() == 0 {
                        Match::Yes
                    } else if public {
                        Match::Maybe
                    } else {
                        Match::No
                    }
                }
            }
        } else {
            match end {
                // Every other service tag (Storage, AzureCloud, Sql, ...) is Azure's public
                // ranges: never an address that is not public.
                Endpoint::Ip(ip) if !is_public(ip) => Match::No,
                Endpoint::Within(net) if any_public(net) == Match::No => Match::No,
                // Which public addresses it holds is not in the export.
                _ => Match::Maybe,
            }
        };
        match m {
            Match::Yes => return Match::Yes,
            Match::Maybe => result = Match::Maybe,
            Match::No => {}
        }
    }
    // Prefixes that each hold part of the Internet may hold all of it together.
    if result == Match::Maybe
        && matches!(end, Endpoint::Internet | Endpoint::Management)
        && crate::routes::cover_public_v4(prefixes.iter().filter_map(|p| prefix(p)))
    {
        return Match::Yes;
    }
    // So may prefixes that each hold part of a subnet's prefix (`10.0.0.0/25` and
    // `10.0.0.128/25` for a NIC somewhere in `10.0.0.0/24`).
    if let (Match::Maybe, Endpoint::Within(within)) = (result, end) {
        let nets: Vec<IpNet> = prefixes.iter().filter_map(|p| prefix(p)).collect();
        if IpNet::aggregate(&nets).iter().any(|n| n.contains(&within)) {
            return Match::Yes;
        }
    }
    result
}

/// Whether source port ranges hold every port a connection may leave from (1024-65535, where
/// every operating system picks its ephemeral ports), when the flow's source port is not known.
fn any_ephemeral_port(ranges: &[Cow<'_, str>]) -> bool {
    let mut set: Vec<(u32, u32)> = ranges
        .iter()
        .filter_map(|r| port_range(r))
        .filter(|(lo, hi)| lo <= hi)
        .map(|(lo, hi)| (u32::from(lo), u32::from(hi) + 1))
        .collect();
    set.sort_unstable();
    let mut reached = 1024;
    for (lo, hi) in set {
        if lo > reached {
            break;
        }
        reached = reached.max(hi);
    }
    reached > 65535
}

fn and(a: Match, b: Match) -> Match {
    match (a, b) {
        (Match::No, _) | (_, Match::No) => Match::No,
        (Match::Yes, Match::Yes) => Match::Yes,
        _ => Match::Maybe,
    }
}

/// The verdict of one NSG for a flow in one direction.
pub fn evaluate<'a>(
    inv: &'a Inventory,
    nsg: ResIdx,
    direction: Direction,
    flow: &Flow,
    vnet: &[IpNet],
) -> Verdict<'a> {
    match rules(inv, nsg) {
        Ok(r) => judge(&r, direction, flow, vnet),
        Err(reason) => Verdict::Unknown(reason),
    }
}

/// The verdict of rules read with [`rules`] for a flow in one direction.
pub fn judge<'a>(
    rules: &Rules<'a>,
    direction: Direction,
    flow: &Flow,
    vnet: &[IpNet],
) -> Verdict<'a> {
    decide(rules, direction, flow, None, vnet).verdict
}

/// The rule that decided a flow.
#[derive(Clone, Debug)]
pub struct Decided<'a> {
    pub name: String,
    /// `None`: known only at deployment.
    pub priority: Option<u32>,
    /// One of Azure's default rules.
    pub default: bool,
    pub allow: bool,
    /// The rule's object, when the export has it (`None` for a built-in default).
    pub object: Option<Value<'a>>,
    /// The resource whose document holds `object`: `None` for the NSG itself, else the rule
    /// written as a resource of its own.
    pub holder: Option<ResIdx>,
    /// Deployed only if its template `condition` holds, which is unknown.
    pub conditional: bool,
    /// A protocol, port or prefix of the rule that is a template's value known only at
    /// deployment (`true`) or one Azure refuses (`false`), as written: why it may match.
    pub unsettled: Option<(String, bool)>,
}

/// A verdict and the rule that gave it (`None` when no rule matched or the answer is unknown).
#[derive(Clone, Debug)]
pub struct Decision<'a> {
    pub verdict: Verdict<'a>,
    pub rule: Option<Decided<'a>>,
}

/// Like [`judge`], and says which rule decided. `source_port`: the flow's source port when
/// known; `None` means an ephemeral port, which only `*` surely matches. An `Icmp` flow has no
/// ports: only rules for every port match it. `flow.protocol` is `Tcp`, `Udp` or `Icmp`.
pub fn decide<'a>(
    rules: &Rules<'a>,
    direction: Direction,
    flow: &Flow,
    source_port: Option<u16>,
    vnet: &[IpNet],
) -> Decision<'a> {
    let icmp = flow.protocol.eq_ignore_ascii_case("icmp");
    let any_port = |ranges: &[Cow<'_, str>]| {
        if ranges
            .iter()
            .any(|p| p.trim() == "*" || p.trim().eq_ignore_ascii_case("any"))
        {
            Match::Yes
        } else {
            Match::No
        }
    };
    // The first rule of each access that may match (ahead of the rule that surely matches).
    let mut maybe_allow: Option<Decided<'a>> = None;
    let mut maybe_deny: Option<Decided<'a>> = None;
    for rule in &rules.0 {
        if rule.direction != Some(direction) {
            continue;
        }
        let protocol = protocol_matches(&rule.protocol, flow.protocol);
        let (source_port_match, destination_port) = if icmp {
            (
                any_port(&rule.source_ports),
                any_port(&rule.destination_ports),
            )
        } else {
            let sp = match source_port {
                Some(p) => port_matches(&rule.source_ports, p),
                None if any_port(&rule.source_ports) == Match::Yes
                    || any_ephemeral_port(&rule.source_ports) =>
                {
                    Match::Yes
                }
                None => Match::Maybe,
            };
            (sp, port_matches(&rule.destination_ports, flow.port))
        };
        let asgs = and(
            asg_matches(&rule.source_asgs, &flow.source_asgs),
            asg_matches(&rule.destination_asgs, &flow.destination_asgs),
        );
        let source = prefix_matches(&rule.source, flow.source, vnet);
        let destination = prefix_matches(&rule.destination, flow.destination, vnet);
        let m = [
            protocol,
            source_port_match,
            destination_port,
            source,
            destination,
            asgs,
        ]
        .into_iter()
        .fold(Match::Yes, and);
        // Which of the rule's fields left the match open, for a "cannot tell" to name.
        let open = Open {
            protocol: protocol == Match::Maybe,
            source_ports: source_port_match == Match::Maybe,
            destination_ports: destination_port == Match::Maybe,
            source: source == Match::Maybe,
            destination: destination == Match::Maybe,
        };
        // A rule that may not be deployed may not match either, nor may a rule decide where
        // it may not be yet.
        let m = if (rule.conditional || rule.place == Place::From) && m == Match::Yes {
            Match::Maybe
        } else {
            m
        };
        let decided = || Decided {
            name: rule.name.to_string(),
            priority: (rule.place == Place::Known).then_some(rule.priority),
            default: rule.default,
            allow: rule.allow,
            object: rule.object,
            holder: rule.holder,
            conditional: rule.conditional,
            unsettled: (m == Match::Maybe)
                .then(|| unsettled_value(rule, open))
                .flatten(),
        };
        match m {
            Match::No => continue,
            // A rule that may match decides only if the rules after it cannot change the
            // outcome: keep going, and remember which accesses are possible.
            Match::Maybe => {
                let open = if rule.allow {
                    &mut maybe_allow
                } else {
                    &mut maybe_deny
                };
                open.get_or_insert_with(decided);
            }
            Match::Yes => {
                let other = if rule.allow {
                    maybe_deny.take()
                } else {
                    maybe_allow.take()
                };
                if let Some(other) = other {
                    return unknown_by(other, flow);
                }
                let verdict = if rule.allow {
                    Verdict::Allow
                } else {
                    Verdict::Deny {
                        rule: rule.object.map(|o| o.get_ignore_case("name").unwrap_or(o)),
                        name: rule.name.to_string(),
                        holder: rule.holder,
                    }
                };
                return Decision {
                    verdict,
                    rule: Some(decided()),
                };
            }
        }
    }
    // No rule surely matched (an NSG always has its default rules, so only a malformed one
    // gets here): allowed, unless a rule that may match denies.
    match maybe_deny {
        Some(other) => unknown_by(other, flow),
        None => Decision {
            verdict: Verdict::Allow,
            rule: None,
        },
    }
}

/// Which fields of a rule matched a flow only maybe.
#[derive(Clone, Copy)]
struct Open {
    protocol: bool,
    source_ports: bool,
    destination_ports: bool,
    source: bool,
    destination: bool,
}

/// Among the fields of a rule that left its match open, the first value that is a template's
/// value known only at deployment (`true`) or one Azure refuses (`false`).
fn unsettled_value(rule: &RuleView<'_>, open: Open) -> Option<(String, bool)> {
    let fields: [(bool, &[Cow<'_, str>]); 5] = [
        (open.protocol, std::slice::from_ref(&rule.protocol)),
        (open.source_ports, &rule.source_ports),
        (open.destination_ports, &rule.destination_ports),
        (open.source, &rule.source),
        (open.destination, &rule.destination),
    ];
    let values = || {
        fields
            .iter()
            .enumerate()
            .filter(|(_, (open, _))| *open)
            .flat_map(|(i, (_, values))| values.iter().map(move |v| (i, v)))
    };
    if let Some((_, v)) = values().find(|(_, v)| azlint_inventory::is_expression_text(v)) {
        return Some((v.to_string(), true));
    }
    let refused = |(i, v): &(usize, &Cow<'_, str>)| {
        let v = v.trim();
        match i {
            0 => protocol_matches(v, "Tcp") == Match::Maybe,
            1 | 2 => v != "*" && !v.eq_ignore_ascii_case("any") && port_range(v).is_none(),
            _ => malformed_address(v),
        }
    };
    values().find(refused).map(|(_, v)| (v.to_string(), false))
}

/// "Cannot tell" because of a rule whose match the export cannot settle.
fn unknown_by<'a>(rule: Decided<'a>, flow: &Flow) -> Decision<'a> {
    let assigned = [flow.source, flow.destination]
        .iter()
        .any(|e| matches!(e, Endpoint::Within(_)));
    if rule.conditional {
        return Decision {
            verdict: Verdict::Unknown(format!(
                "NSG rule `{}` is deployed only if its `condition` holds, which is unknown before deployment",
                rule.name
            )),
            rule: Some(rule),
        };
    }
    if let Some((value, deployment)) = &rule.unsettled {
        let why = if *deployment {
            "a value of the template known only at deployment"
        } else {
            "a value Azure does not accept, whose meaning is not known"
        };
        return Decision {
            verdict: Verdict::Unknown(format!(
                "whether NSG rule `{}` applies depends on `{}`, {why}",
                rule.name,
                printable(value.trim())
            )),
            rule: Some(rule),
        };
    }
    Decision {
        verdict: Verdict::Unknown(format!(
            "whether NSG rule `{}` applies depends on what the export cannot show (a service tag, an application security group, a peered address space, a public prefix or a source port){}",
            rule.name,
            if assigned {
                " or on the address Azure assigns the NIC at deployment"
            } else {
                ""
            }
        )),
        rule: Some(rule),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azlint_inventory::Inventory;

    fn nsg(rules: &str) -> Inventory {
        let text = format!(
            r#"{{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkSecurityGroups/n",
                "name": "n", "type": "Microsoft.Network/networkSecurityGroups",
                "properties": {{"securityRules": [{rules}]}}}}"#
        );
        Inventory::from_texts(&[("nsg.json", &text)]).expect("test JSON")
    }

    fn rule(
        name: &str,
        prio: u32,
        dir: &str,
        access: &str,
        proto: &str,
        dst: &str,
        ports: &str,
    ) -> String {
        format!(
            r#"{{"name": "{name}", "properties": {{"priority": {prio}, "direction": "{dir}", "access": "{access}",
                "protocol": "{proto}", "sourceAddressPrefix": "*", "sourcePortRange": "*",
                "destinationAddressPrefix": "{dst}", {ports}}}}}"#
        )
    }

    fn verdict(
        inv: &Inventory,
        dir: Direction,
        proto: &'static str,
        dst: Endpoint,
        port: u16,
    ) -> String {
        let vnet: Vec<IpNet> = vec!["10.20.0.0/24".parse().unwrap()];
        let flow = Flow {
            protocol: proto,
            source: Endpoint::Ip("10.20.0.4".parse().unwrap()),
            destination: dst,
            port,
            source_asgs: Asgs::Known(Vec::new()),
            destination_asgs: Asgs::Known(Vec::new()),
        };
        match evaluate(
            inv,
            inv.of_type("microsoft.network/networksecuritygroups")[0],
            dir,
            &flow,
            &vnet,
        ) {
            Verdict::Allow => "allow".into(),
            Verdict::Deny { name, .. } => format!("deny {name}"),
            Verdict::Unknown(_) => "unknown".into(),
        }
    }

    #[test]
    fn default_rules_are_read_as_written() {
        let with_defaults = |defaults: &str| {
            let text = format!(
                r#"{{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkSecurityGroups/n",
                    "name": "n", "type": "Microsoft.Network/networkSecurityGroups",
                    "properties": {{"securityRules": [], "defaultSecurityRules": [{defaults}]}}}}"#
            );
            Inventory::from_texts(&[("nsg.json", &text)]).expect("test JSON")
        };
        // A default rule with only its name cannot be read: Azure's built-in rules apply.
        let inv = with_defaults(r#"{"name": "DenyAllOutBound"}"#);
        assert_eq!(
            verdict(&inv, Direction::Outbound, "Udp", Endpoint::Internet, 53),
            "allow"
        );
        // A default rule that says something else is taken as written.
        let inv = with_defaults(&rule(
            "AllowInternetOutBound",
            65001,
            "Outbound",
            "Deny",
            "*",
            "Internet",
            r#""destinationPortRange": "*""#,
        ));
        assert_eq!(
            verdict(&inv, Direction::Outbound, "Udp", Endpoint::Internet, 53),
            "deny AllowInternetOutBound"
        );
    }

    #[test]
    fn azure_defaults_apply_without_custom_rules() {
        let inv = nsg("");
        let out = Direction::Outbound;
        assert_eq!(verdict(&inv, out, "Udp", Endpoint::Internet, 53), "allow");
        let lan = Endpoint::Ip("10.20.0.69".parse().unwrap());
        assert_eq!(
            verdict(&inv, Direction::Inbound, "Udp", lan, 20480),
            "allow"
        );
        // An address outside the exported VNET space may be in a peered VNET: cannot tell.
        let outside = Endpoint::Ip("10.99.0.5".parse().unwrap());
        assert_eq!(
            verdict(&inv, Direction::Inbound, "Udp", outside, 20480),
            "unknown"
        );
    }

    #[test]
    fn cato_management_nsg_allows_dns_and_https_only() {
        let rules = [
            rule(
                "Allow-DNS-UDP",
                110,
                "Outbound",
                "Allow",
                "Udp",
                "Internet",
                r#""destinationPortRange": "53""#,
            ),
            rule(
                "Allow-HTTPS-TCP",
                120,
                "Outbound",
                "Allow",
                "Tcp",
                "Internet",
                r#""destinationPortRange": "443""#,
            ),
            rule(
                "Deny-All-Outbound",
                4096,
                "Outbound",
                "Deny",
                "*",
                "*",
                r#""destinationPortRange": "*""#,
            ),
        ]
        .join(",");
        let inv = nsg(&rules);
        let out = Direction::Outbound;
        assert_eq!(verdict(&inv, out, "Udp", Endpoint::Internet, 53), "allow");
        assert_eq!(verdict(&inv, out, "Tcp", Endpoint::Internet, 443), "allow");
        assert_eq!(
            verdict(&inv, out, "Tcp", Endpoint::Internet, 53),
            "deny Deny-All-Outbound"
        );
        assert_eq!(
            verdict(&inv, out, "Tcp", Endpoint::Internet, 80),
            "deny Deny-All-Outbound"
        );
    }

    #[test]
    fn prefix_lists_source_ports_and_service_tags_that_decide() {
        let deny = |name: &str, extra: &str| {
            format!(
                r#"{{"name": "{name}", "properties": {{"priority": 100, "direction": "Outbound",
                    "access": "Deny", "protocol": "Udp", "sourceAddressPrefix": "*",
                    "destinationPortRange": "53", {extra}}}}}"#
            )
        };
        let dns = |extra: &str| {
            let inv = nsg(&deny("d", extra));
            verdict(&inv, Direction::Outbound, "Udp", Endpoint::Internet, 53)
        };
        // Two halves hold the whole Internet; one half may or may not hold the DNS server.
        let halves =
            r#""sourcePortRange": "*", "destinationAddressPrefixes": ["0.0.0.0/1", "128.0.0.0/1"]"#;
        assert_eq!(dns(halves), "deny d");
        let half = r#""sourcePortRange": "*", "destinationAddressPrefixes": ["0.0.0.0/1"]"#;
        assert_eq!(dns(half), "unknown");
        // Every port a connection may leave from, in one range or several.
        let to_all = r#""destinationAddressPrefix": "*", "#;
        assert_eq!(
            dns(&format!(r#"{to_all}"sourcePortRange": "0-65535""#)),
            "deny d"
        );
        assert_eq!(
            dns(&format!(
                r#"{to_all}"sourcePortRanges": ["1024-40000", "40001-65535"]"#
            )),
            "deny d"
        );
        assert_eq!(
            dns(&format!(
                r#"{to_all}"sourcePortRanges": ["1024-40000", "40002-65535"]"#
            )),
            "unknown",
            "a port is missing"
        );
        assert_eq!(
            dns(&format!(r#"{to_all}"sourcePortRange": "1-1000""#)),
            "unknown"
        );
        // A service tag other than VirtualNetwork is public addresses: it never holds a LAN NIC.
        let inv = nsg(&rule(
            "deny-storage",
            100,
            "Inbound",
            "Deny",
            "*",
            "Storage",
            r#""destinationPortRange": "*""#,
        ));
        let lan = Endpoint::Ip("10.20.0.69".parse().unwrap());
        assert_eq!(
            verdict(&inv, Direction::Inbound, "Udp", lan, 20480),
            "allow"
        );
        assert_eq!(
            verdict(&inv, Direction::Outbound, "Udp", Endpoint::Internet, 53),
            "allow",
            "an inbound rule"
        );
        let inv = nsg(&rule(
            "deny-storage",
            100,
            "Outbound",
            "Deny",
            "*",
            "Storage",
            r#""destinationPortRange": "*""#,
        ));
        assert_eq!(
            verdict(&inv, Direction::Outbound, "Udp", Endpoint::Internet, 53),
            "unknown"
        );
    }

    #[test]
    fn port_ranges_lists_priorities_and_unknowns() {
        let rules = [
            rule(
                "deny-range",
                200,
                "Inbound",
                "Deny",
                "Udp",
                "*",
                r#""destinationPortRange": "20000-21000""#,
            ),
            rule(
                "allow-list",
                100,
                "Inbound",
                "Allow",
                "*",
                "VirtualNetwork",
                r#""destinationPortRanges": ["53", "20480"]"#,
            ),
            rule(
                "public-prefix",
                100,
                "Outbound",
                "Deny",
                "Tcp",
                "20.0.0.0/8",
                r#""destinationPortRange": "443""#,
            ),
        ]
        .join(",");
        let inv = nsg(&rules);
        let lan = Endpoint::Ip("10.20.0.69".parse().unwrap());
        assert_eq!(
            verdict(&inv, Direction::Inbound, "Udp", lan, 20480),
            "allow",
            "priority 100 first"
        );
        assert_eq!(
            verdict(&inv, Direction::Inbound, "Udp", lan, 20481),
            "deny deny-range"
        );
        assert_eq!(
            verdict(&inv, Direction::Inbound, "Tcp", lan, 20481),
            "allow",
            "defaults"
        );
        assert_eq!(
            verdict(&inv, Direction::Outbound, "Tcp", Endpoint::Internet, 443),
            "unknown",
            "a public prefix may or may not hold the destination"
        );
    }

    #[test]
    fn virtualnetwork_holds_the_internet_as_far_as_routes_to_appliances_reach() {
        let tag = |space: &[&str]| {
            let nets: Vec<IpNet> = space.iter().map(|p| p.parse().unwrap()).collect();
            prefix_matches(
                &[Cow::Borrowed("VirtualNetwork")],
                Endpoint::Internet,
                &nets,
            )
        };
        assert_eq!(tag(&["10.20.0.0/24"]), Match::No);
        assert_eq!(tag(&["10.20.0.0/24", "0.0.0.0/0"]), Match::Yes);
        assert_eq!(
            tag(&["10.20.0.0/24", "0.0.0.0/1", "128.0.0.0/1"]),
            Match::Yes
        );
        assert_eq!(tag(&["10.20.0.0/24", "20.0.0.0/8"]), Match::Maybe);
        assert_eq!(tag(&["10.20.0.0/24", "192.168.0.0/16"]), Match::No);
    }

    #[test]
    fn a_rule_that_cannot_be_read_says_why() {
        let inv = nsg(r#"{"name": "r", "properties": {"priority": 100,
            "direction": "[parameters('direction')]", "access": "Allow", "protocol": "*"}}"#);
        let res = inv.of_type("microsoft.network/networksecuritygroups")[0];
        let why = rules(&inv, res).err().unwrap_or_default();
        assert!(why.contains("known only at deployment"), "{why}");
        let inv =
            nsg(r#"{"name": "r", "properties": {"direction": "Outbound", "access": "Allow"}}"#);
        let res = inv.of_type("microsoft.network/networksecuritygroups")[0];
        assert_eq!(
            rules(&inv, res).err().unwrap_or_default(),
            format!("security rule `r` of NSG `n` {NOT_A_RULE}")
        );
    }

    #[test]
    fn a_priority_known_only_at_deployment_is_one_no_other_rule_has() {
        let https = |deny_at: u32| {
            let allow = r#"{"name": "allow-https", "properties": {"priority": "[add(parameters('base'), 1)]",
                "direction": "Outbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*",
                "sourcePortRange": "*", "destinationAddressPrefix": "Internet", "destinationPortRange": "443"}}"#;
            let any = r#""destinationPortRange": "*""#;
            let deny = rule("deny-all", deny_at, "Outbound", "Deny", "*", "*", any);
            let inv = nsg(&format!("{allow}, {deny}"));
            let internet = Endpoint::Ip("20.1.2.3".parse().unwrap());
            (
                verdict(&inv, Direction::Outbound, "Tcp", internet, 443),
                verdict(&inv, Direction::Outbound, "Udp", internet, 53),
            )
        };
        // Every free priority is below 4096: the allow comes first. Flows it does not match
        // are the deny's.
        assert_eq!(https(4096), ("allow".into(), "deny deny-all".into()));
        // Every free priority is above 100: the deny comes first.
        assert_eq!(https(100), ("deny deny-all".into(), "deny deny-all".into()));
        // Either may come first.
        assert_eq!(https(2000), ("unknown".into(), "deny deny-all".into()));
    }

    #[test]
    fn values_a_template_leaves_open_or_azure_refuses_may_match() {
        let lan = Endpoint::Ip("10.20.0.69".parse().expect("ip"));
        let why_of = |rules: &str| {
            let inv = nsg(rules);
            let flow = Flow {
                protocol: "Udp",
                source: Endpoint::Ip("10.20.0.4".parse().expect("ip")),
                destination: lan,
                port: 20480,
                source_asgs: Asgs::Known(Vec::new()),
                destination_asgs: Asgs::Known(Vec::new()),
            };
            let nsg = inv.of_type("microsoft.network/networksecuritygroups")[0];
            let vnet: Vec<IpNet> = vec!["10.20.0.0/24".parse().expect("prefix")];
            match evaluate(&inv, nsg, Direction::Inbound, &flow, &vnet) {
                Verdict::Unknown(reason) => reason,
                Verdict::Allow => "allow".into(),
                Verdict::Deny { .. } => "deny".into(),
            }
        };
        let why = |proto: &str, dst: &str, ports: &str| {
            why_of(&rule(
                "deny-keepalive",
                100,
                "Inbound",
                "Deny",
                proto,
                dst,
                ports,
            ))
        };
        let port = r#""destinationPortRange": "20480""#;
        let reason = why("[parameters('protocol')]", "*", port);
        assert!(
            reason.contains("depends on `[parameters('protocol')]`, a value of the template"),
            "{reason}"
        );
        for (proto, dst, ports, value) in [
            (
                "Udp",
                "*",
                r#""destinationPortRange": "20490-20470""#,
                "20490-20470",
            ),
            ("Udp", "10.20.0.0/33", port, "10.20.0.0/33"),
            ("Udp", "10.20.0.300", port, "10.20.0.300"),
            (
                "Udp",
                "10.20.0.64-10.20.0.95",
                port,
                "10.20.0.64-10.20.0.95",
            ),
            (
                "Udp",
                "10.20.0.68, 10.20.0.69",
                port,
                "10.20.0.68, 10.20.0.69",
            ),
            ("Udp", "10.20.0.64 /27", port, "10.20.0.64 /27"),
            ("Upd", "*", port, "Upd"),
        ] {
            let reason = why(proto, dst, ports);
            assert!(
                reason.contains(&format!(
                    "depends on `{value}`, a value Azure does not accept"
                )),
                "{value}: {reason}"
            );
        }
        // Only a field that left the match open is named: here the source port (not in the
        // export), not the backwards range beside a port that matches.
        let reason = why_of(
            r#"{"name": "deny-keepalive", "properties": {"priority": 100, "direction": "Inbound",
                "access": "Deny", "protocol": "Udp", "sourceAddressPrefix": "*",
                "sourcePortRange": "1000-2000", "destinationAddressPrefix": "*",
                "destinationPortRanges": ["20480", "9000-8000"]}}"#,
        );
        assert!(reason.contains("what the export cannot show"), "{reason}");
        assert_eq!(port_range("+20480"), None, "digits only");
        assert_eq!(port_range(" 20000 - 21000 "), Some((20000, 21000)));
        // Protocols Azure knows that are not the flow's, and service tags, do not match.
        assert_eq!(why("Esp", "*", port), "allow");
        assert_eq!(why("Tcp", "*", port), "allow");
        assert_eq!(why("udp", "*", port), "deny", "any case");
        assert_eq!(
            why("Udp", "AzureCloud", port),
            "allow",
            "a tag: public only"
        );
    }

    #[test]
    fn a_prefix_known_only_at_deployment_may_match_anything() {
        let unknown = [Cow::Borrowed("[parameters('blockedPrefix')]")];
        let lan = Endpoint::Ip("10.20.2.4".parse().expect("ip"));
        assert_eq!(prefix_matches(&unknown, lan, &[]), Match::Maybe);
        assert_eq!(
            prefix_matches(&unknown, Endpoint::Internet, &[]),
            Match::Maybe
        );
    }

    #[test]
    fn an_address_within_a_prefix_matches_what_holds_all_of_it() {
        let within = Endpoint::Within("10.20.0.0/27".parse().unwrap());
        let vnet: Vec<IpNet> = vec!["10.20.0.0/24".parse().unwrap()];
        let check = |p: &str| prefix_matches(&[Cow::Borrowed(p)], within, &vnet);
        for p in ["*", "VirtualNetwork", "10.0.0.0/8", "10.20.0.0/27"] {
            assert_eq!(check(p), Match::Yes, "{p}");
        }
        for p in [
            "Internet",
            "AzureCloud",
            "AzureLoadBalancer",
            "10.99.0.0/16",
            "10.20.0.32/27",
        ] {
            assert_eq!(check(p), Match::No, "{p}");
        }
        for p in ["10.20.0.0/28", "10.20.0.4"] {
            assert_eq!(check(p), Match::Maybe, "{p}");
        }
        // Prefixes that hold the prefix together decide as one that holds it alone.
        let together = |ps: &[&'static str]| {
            let ps: Vec<Cow<'_, str>> = ps.iter().map(|&p| Cow::Borrowed(p)).collect();
            prefix_matches(&ps, within, &vnet)
        };
        assert_eq!(together(&["10.20.0.0/28", "10.20.0.16/28"]), Match::Yes);
        assert_eq!(
            together(&["10.20.0.16/28", "10.99.0.0/16", "10.20.0.0/28"]),
            Match::Yes
        );
        assert_eq!(together(&["10.20.0.0/28", "10.20.0.24/29"]), Match::Maybe);
        // A VNET whose space the inputs do not show may still be what `VirtualNetwork` holds.
        assert_eq!(
            prefix_matches(&[Cow::Borrowed("VirtualNetwork")], within, &[]),
            Match::Maybe
        );
    }
}
