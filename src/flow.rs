//! `azlint flow`: whether Azure's NSGs let a flow leave a NIC towards an address, and enter the
//! NIC that owns the address when the inputs hold it (domain.md section 5): outbound, the NIC's
//! NSG then its subnet's; inbound, the subnet's NSG then the NIC's; every level must allow; a
//! level without an NSG allows; the first deny stops the packet.

use std::net::IpAddr;

use azlint_facts::nsg::{decide, rules, Asgs, Decision, Direction, Endpoint, Flow, Verdict};
use azlint_facts::routes::IpNet;
use azlint_facts::routes::{effective, Source};
use azlint_facts::{is_public_ip, primary_config, reference, NIC};
use azlint_inventory::{props_of, Inventory, Lookup, ResIdx};
use serde_json::{json, Map, Value as Json};

use azlint_diagnostics::{Finding, Label, Severity};
use azlint_report::{render_text, TextOptions};

use crate::check::Outcome;
use crate::cli::{FlowArgs, FlowProtocol, ListFormat};
use crate::routes::{name_of, nic_subnet, resolve, Loaded};

/// One NSG level a packet passes.
struct Step<'a> {
    direction: Direction,
    /// `nic` or `subnet`.
    level: &'static str,
    /// Whose NSG: the NIC's or the subnet's name.
    owner: String,
    nsg: Option<ResIdx>,
    /// `None` when there is no NSG at this level (allow) or it could not be read.
    decision: Option<Decision<'a>>,
    /// Why this level cannot be judged.
    unknown: Option<String>,
}

/// The answer for one protocol.
struct Answer<'a> {
    protocol: &'static str,
    verdict: &'static str,
    steps: Vec<Step<'a>>,
    reasons: Vec<String>,
}

/// The NSG a NIC or subnet names: `Ok(None)` when it has none.
fn nsg_of(inv: &Inventory, res: ResIdx) -> Result<Option<ResIdx>, String> {
    match inv.prop(res, &["networkSecurityGroup"]) {
        Lookup::Found(r) if !r.is_null() => reference(inv, res, r).map(Some).ok_or_else(|| match r
            .get_ignore_case("id")
            .and_then(|i| i.as_str())
            .filter(|id| !id.trim().is_empty())
        {
            Some(id) => format!("NSG {id} is not in the inputs"),
            None => "the NSG is written without an id".to_string(),
        }),
        Lookup::Unknown(u) => Err(u.reason),
        _ => Ok(None),
    }
}

fn private_ips(config: azlint_source::Value<'_>) -> Option<IpAddr> {
    props_of(config)
        .get_ignore_case("privateIPAddress")
        .and_then(|v| v.as_str())
        .and_then(|s| s.trim().parse().ok())
}

/// The NIC (and its subnet) whose IP configuration holds this private address.
fn owner_of(inv: &Inventory, ip: IpAddr) -> Option<(ResIdx, Option<ResIdx>)> {
    for &nic in inv.of_type(NIC) {
        let Lookup::Found(configs) = inv.prop(nic, &["ipConfigurations"]) else {
            continue;
        };
        for c in configs.elements() {
            if private_ips(c) == Some(ip) {
                let subnet = props_of(c)
                    .pointer(&["subnet", "id"])
                    .and_then(|i| i.as_str())
                    .and_then(|id| inv.get(&id));
                return Some((nic, subnet));
            }
        }
    }
    None
}

/// The `VirtualNetwork` service tag of a subnet's VNET: its ranges, the peered ranges and the
/// prefixes of the subnet's user routes to an appliance.
fn virtual_network(inv: &Inventory, subnet: Option<ResIdx>) -> Vec<IpNet> {
    let Some(subnet) = subnet else {
        return Vec::new();
    };
    effective(inv, subnet)
        .routes
        .iter()
        .filter(|r| {
            // The VNET's own and peered spaces, and the prefixes of user routes to an
            // appliance, which Azure adds to the tag (MicrosoftDocs/azure-docs#22178).
            (r.source == Source::Default
                && matches!(r.next_hop_type.as_str(), "VnetLocal" | "VNetPeering"))
                || (r.source == Source::User && r.next_hop_type == "VirtualAppliance")
        })
        .filter_map(|r| r.prefix)
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn level<'a>(
    inv: &'a Inventory,
    res: Option<ResIdx>,
    what: &str,
    direction: Direction,
    level: &'static str,
    flow: &Flow,
    source_port: Option<u16>,
    vnet: &[IpNet],
) -> Step<'a> {
    let owner = res.map(|r| name_of(inv, r)).unwrap_or_default();
    let mut step = Step {
        direction,
        level,
        owner,
        nsg: None,
        decision: None,
        unknown: None,
    };
    let Some(res) = res else {
        step.unknown = Some(format!("the {what} is not in the inputs"));
        return step;
    };
    match nsg_of(inv, res) {
        Ok(None) => {}
        Ok(Some(nsg)) => {
            step.nsg = Some(nsg);
            match rules(inv, nsg) {
                Ok(r) => {
                    let d = decide(&r, direction, flow, source_port, vnet);
                    if let Verdict::Unknown(why) = &d.verdict {
                        step.unknown = Some(why.clone());
                    }
                    step.decision = Some(d);
                }
                Err(why) => step.unknown = Some(why),
            }
        }
        Err(why) => step.unknown = Some(why),
    }
    step
}

fn answer<'a>(
    inv: &'a Inventory,
    nic: ResIdx,
    subnet: Option<ResIdx>,
    source: IpAddr,
    args: &FlowArgs,
    protocol: &'static str,
) -> Answer<'a> {
    // The destination's groups: its NIC's, a public address none, an unknown address unknown.
    let destination_asgs = match owner_of(inv, args.to) {
        Some((dst_nic, _)) => Asgs::of_nic(inv, dst_nic, Some(args.to)),
        None if is_public_ip(args.to) => Asgs::Known(Vec::new()),
        None => Asgs::Unknown,
    };
    let flow = Flow {
        protocol,
        source: Endpoint::Ip(source),
        destination: Endpoint::Ip(args.to),
        port: args.port.unwrap_or(0),
        source_asgs: Asgs::of_nic(inv, nic, Some(source)),
        destination_asgs,
    };
    let here = virtual_network(inv, subnet);
    let sp = args.source_port;
    let mut steps = vec![
        level(
            inv,
            Some(nic),
            "NIC",
            Direction::Outbound,
            "nic",
            &flow,
            sp,
            &here,
        ),
        level(
            inv,
            subnet,
            "NIC's subnet",
            Direction::Outbound,
            "subnet",
            &flow,
            sp,
            &here,
        ),
    ];
    let mut reasons = Vec::new();
    match owner_of(inv, args.to) {
        Some((dst_nic, dst_subnet)) => {
            let there = virtual_network(inv, dst_subnet);
            steps.push(level(
                inv,
                dst_subnet,
                "destination NIC's subnet",
                Direction::Inbound,
                "subnet",
                &flow,
                sp,
                &there,
            ));
            steps.push(level(
                inv,
                Some(dst_nic),
                "NIC",
                Direction::Inbound,
                "nic",
                &flow,
                sp,
                &there,
            ));
        }
        None => reasons.push(format!(
            "{} is not a NIC address in the inputs: only the outbound NSGs were evaluated",
            args.to
        )),
    }
    // The first deny stops the packet; an unknown level before it does not change that.
    let mut verdict = "allow";
    for (i, s) in steps.iter().enumerate() {
        if matches!(
            s.decision.as_ref().map(|d| &d.verdict),
            Some(Verdict::Deny { .. })
        ) {
            verdict = "deny";
            steps.truncate(i + 1);
            break;
        }
    }
    if verdict == "allow" {
        let unknown: Vec<String> = steps.iter().filter_map(|s| s.unknown.clone()).collect();
        if !unknown.is_empty() {
            verdict = "unknown";
            reasons.splice(0..0, unknown);
        }
    }
    Answer {
        protocol,
        verdict,
        steps,
        reasons,
    }
}

fn direction_str(d: Direction) -> &'static str {
    match d {
        Direction::Inbound => "Inbound",
        Direction::Outbound => "Outbound",
    }
}

fn decided_by(l: &Loaded, a: &Answer<'_>) -> Vec<Json> {
    let inv = &l.inv;
    a.steps
        .iter()
        .filter_map(|s| {
            let d = s.decision.as_ref()?;
            if matches!(d.verdict, Verdict::Unknown(_)) {
                return None;
            }
            let nsg = s.nsg?;
            let mut o = Map::new();
            o.insert("nsg".into(), json!(name_of(inv, nsg)));
            o.insert(
                "rule".into(),
                json!(d.rule.as_ref().map(|r| r.name.clone()).unwrap_or_default()),
            );
            o.insert("direction".into(), json!(direction_str(s.direction)));
            o.insert("level".into(), json!(s.level));
            if let Some(r) = &d.rule {
                o.insert("priority".into(), json!(r.priority));
                o.insert("default".into(), json!(r.default));
                if let Some(v) = r.object {
                    let (file, line, column) = l.location(r.holder.unwrap_or(nsg), v);
                    o.insert(
                        "location".into(),
                        json!({"file": file, "line": line, "column": column}),
                    );
                }
            }
            Some(Json::Object(o))
        })
        .collect()
}

fn step_text(l: &Loaded, s: &Step<'_>) -> String {
    let inv = &l.inv;
    let head = format!(
        "{:<8}  {:<6}  {}",
        direction_str(s.direction),
        s.level,
        s.owner
    );
    let Some(nsg) = s.nsg else {
        return match &s.unknown {
            Some(why) => format!("{head}: unknown: {why}"),
            None => format!("{head}: no NSG: allowed"),
        };
    };
    let nsg_name = name_of(inv, nsg);
    match &s.decision {
        None => format!(
            "{head}: NSG {nsg_name}: unknown: {}",
            s.unknown.clone().unwrap_or_default()
        ),
        Some(d) => {
            let what = match &d.verdict {
                Verdict::Allow => "allowed by",
                Verdict::Deny { .. } => "denied by",
                Verdict::Unknown(_) => "unknown at",
            };
            match &d.rule {
                Some(r) => {
                    let at = r
                        .object
                        .map(|v| {
                            let (f, line, c) = l.location(r.holder.unwrap_or(nsg), v);
                            format!(" at {f}:{line}:{c}")
                        })
                        .unwrap_or_else(|| " (built-in default)".into());
                    format!(
                        "{head}: NSG {nsg_name}: {what} {} (priority {}{}){at}",
                        r.name,
                        priority_text(r.priority),
                        if r.default { ", default rule" } else { "" }
                    )
                }
                None => format!("{head}: NSG {nsg_name}: no rule matches: allowed"),
            }
        }
    }
}

/// The first Azure Virtual Network Manager in the inputs, by name.
fn network_manager(inv: &Inventory) -> Option<String> {
    inv.iter()
        .find(|(_, r)| r.type_lc.starts_with("microsoft.network/networkmanagers"))
        .map(|(i, _)| name_of(inv, i))
}

/// A code frame for each rule that decided a level (rules written in the input; Azure's
/// built-in defaults have no text to show).
fn deciding_frames(inv: &Inventory, a: &Answer<'_>) -> Vec<Finding> {
    a.steps
        .iter()
        .filter_map(|s| {
            let nsg = s.nsg?;
            let d = s.decision.as_ref()?;
            let rule = d.rule.as_ref()?;
            let object = rule.object?;
            let verdict = match &d.verdict {
                Verdict::Allow => "allows",
                Verdict::Deny { .. } => "denies",
                Verdict::Unknown(_) => "may match",
            };
            let message = format!(
                "{} at {} `{}`: NSG `{}` rule `{}` (priority {}) {verdict} the flow",
                direction_str(s.direction),
                if s.level == "nic" { "NIC" } else { "subnet" },
                s.owner,
                name_of(inv, nsg),
                rule.name,
                priority_text(rule.priority),
            );
            let file = inv.document_of(rule.holder.unwrap_or(nsg)).file;
            let label = Label::new(file, object.span()).with_message(format!("{verdict} the flow"));
            let severity = if matches!(d.verdict, Verdict::Deny { .. }) {
                Severity::Warning
            } else {
                Severity::Note
            };
            Some(
                Finding::new(("flow", "deciding-rule"), severity, message, label)
                    .with_resource(inv.id(nsg), "properties.securityRules"),
            )
        })
        .collect()
}

fn path_json(inv: &Inventory, a: &Answer<'_>) -> Vec<Json> {
    a.steps
        .iter()
        .map(|s| {
            let mut o = Map::new();
            o.insert("direction".into(), json!(direction_str(s.direction)));
            o.insert("level".into(), json!(s.level));
            o.insert(
                match s.level {
                    "nic" => "nic",
                    _ => "subnet",
                }
                .into(),
                json!(s.owner),
            );
            o.insert(
                "nsg".into(),
                s.nsg.map_or(Json::Null, |n| json!(name_of(inv, n))),
            );
            let result = match (&s.decision, &s.unknown) {
                (_, Some(_)) => "unknown",
                (Some(d), None) if matches!(d.verdict, Verdict::Deny { .. }) => "deny",
                _ => "allow",
            };
            o.insert("result".into(), json!(result));
            if let Some(why) = &s.unknown {
                o.insert("reason".into(), json!(why));
            }
            Json::Object(o)
        })
        .collect()
}

pub fn run(args: &FlowArgs) -> Outcome {
    if args.port.is_none() && args.protocol != FlowProtocol::Icmp {
        eprintln!("azlint: error: --port is required for tcp, udp and *");
        return Outcome::Error;
    }
    let loaded = match Loaded::read(
        &args.paths,
        &args.stdin_filename,
        &args.values,
        &args.config,
    ) {
        Ok(loaded) => loaded,
        Err(o) => return o,
    };
    let (inv, files) = (&loaded.inv, &loaded.files);
    let nic = match resolve(inv, NIC, "NIC", &args.from) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("azlint: error: {e}");
            return Outcome::Error;
        }
    };
    let Some(source) = primary_config(inv, nic).and_then(private_ips) else {
        eprintln!(
            "azlint: error: NIC `{}` has no private IP address on its primary IP configuration in the export",
            name_of(inv, nic)
        );
        return Outcome::Error;
    };
    let subnet = nic_subnet(inv, nic).ok();
    let protocols: &[&'static str] = match args.protocol {
        FlowProtocol::Tcp => &["Tcp"],
        FlowProtocol::Udp => &["Udp"],
        FlowProtocol::Icmp => &["Icmp"],
        FlowProtocol::Any => &["Tcp", "Udp", "Icmp"],
    };
    let mut answers: Vec<Answer<'_>> = protocols
        .iter()
        .map(|p| answer(inv, nic, subnet, source, args, p))
        .collect();
    // Virtual Network Manager security admin rules are evaluated before NSGs and can deny or
    // always-allow whatever the NSGs say; azlint does not read them.
    if let Some(manager) = network_manager(inv) {
        for a in &mut answers {
            a.verdict = "unknown";
            a.reasons.push(format!(
                "the inputs hold Virtual Network Manager `{manager}`: its security admin rules come before NSGs and are not evaluated"
            ));
        }
    }
    // For `*`: denied if any protocol is, unknown if any is, else allowed.
    let chosen = answers
        .iter()
        .find(|a| a.verdict == "deny")
        .or_else(|| answers.iter().find(|a| a.verdict == "unknown"))
        .unwrap_or(&answers[0]);
    let route = subnet.map(|s| {
        let eff = effective(inv, s);
        let sel = eff.select(args.to);
        (sel.route.map(|i| eff.routes[i].clone()), sel.unknown)
    });
    let port = args
        .port
        .filter(|_| chosen.protocol != "Icmp")
        .map(|p| p.to_string())
        .unwrap_or_else(|| "*".into());
    let sport = args
        .source_port
        .map(|p| p.to_string())
        .unwrap_or_else(|| "*".into());
    match args.format {
        ListFormat::Json => {
            let mut o = Map::new();
            o.insert("verdict".into(), json!(chosen.verdict));
            o.insert("decided_by".into(), json!(decided_by(&loaded, chosen)));
            o.insert("path".into(), json!(path_json(inv, chosen)));
            o.insert("protocol".into(), json!(chosen.protocol));
            if answers.len() > 1 {
                let each: Map<String, Json> = answers
                    .iter()
                    .map(|a| (a.protocol.to_string(), json!(a.verdict)))
                    .collect();
                o.insert("protocols".into(), Json::Object(each));
            }
            o.insert("source".into(), json!(source.to_string()));
            if let Some((r, unknown)) = &route {
                let mut ro = Map::new();
                if let Some(r) = r {
                    ro.insert("addressPrefix".into(), json!(r.address_prefix));
                    ro.insert("nextHopType".into(), json!(r.next_hop_type));
                    if let Some(ip) = r.next_hop_ips.first() {
                        ro.insert("nextHopIpAddress".into(), json!(ip));
                    }
                    ro.insert("source".into(), json!(r.source.as_str()));
                }
                if let Some(why) = unknown {
                    ro.insert("unknown".into(), json!(why));
                }
                o.insert("route".into(), Json::Object(ro));
            }
            if !chosen.reasons.is_empty() {
                o.insert("reason".into(), json!(chosen.reasons.join("; ")));
            }
            outln!(
                "{}",
                serde_json::to_string_pretty(&Json::Object(o)).unwrap_or_default()
            );
        }
        ListFormat::Text => {
            outln!(
                "flow {} {source}:{sport} -> {}:{port} from NIC {}",
                chosen.protocol,
                args.to,
                name_of(inv, nic)
            );
            if let Some((r, unknown)) = &route {
                match r {
                    Some(r) => {
                        let ips = if r.next_hop_ips.is_empty() {
                            String::new()
                        } else {
                            format!(" {}", r.next_hop_ips.join(", "))
                        };
                        outln!(
                            "  route     {} -> {}{ips} ({} route{})",
                            r.address_prefix,
                            r.next_hop_type,
                            r.source.as_str(),
                            r.name.as_ref().map(|n| format!(" {n}")).unwrap_or_default()
                        );
                    }
                    None => outln!("  route     none matches: Azure drops the traffic"),
                }
                if let Some(why) = unknown {
                    outln!("  route     unknown: {why}");
                }
            }
            for s in &chosen.steps {
                outln!("  {}", step_text(&loaded, s));
            }
            if answers.len() > 1 {
                let each: Vec<String> = answers
                    .iter()
                    .map(|a| format!("{} {}", a.protocol, a.verdict))
                    .collect();
                outln!("  protocols: {}", each.join(", "));
            }
            for why in &chosen.reasons {
                outln!("  note: {why}");
            }
            outln!("verdict: {}", chosen.verdict);
            let mut frames = deciding_frames(inv, chosen);
            loaded.remap(&mut frames);
            if !frames.is_empty() {
                outln!();
                out!("{}", render_text(&frames, files, TextOptions::default()));
            }
        }
    }
    Outcome::Clean
}

/// A rule's priority for people: a template's expression is known only at deployment.
fn priority_text(p: Option<u32>) -> String {
    p.map_or_else(|| "known at deployment".to_string(), |p| p.to_string())
}
