//! `azlint routes`: a subnet's effective routes, as Azure builds them, and the route chosen for
//! an address (`azlint_facts::routes`). Also the helpers `azlint flow` shares: loading the
//! inputs as `check` does and finding a resource by name or id.

use std::net::IpAddr;
use std::path::PathBuf;

use azlint_diagnostics::{input, sort_findings, Finding, Label};
use azlint_facts::routes::{effective, Effective, Route};
use azlint_facts::{primary_config, NIC, SUBNET};
use azlint_inventory::{props_of, Inventory, ResIdx};
use azlint_report::{render_text, TextOptions};
use azlint_source::{Files, Value};
use serde_json::{json, Map};

use crate::check::Outcome;
use crate::cli::{ConfigSourceArgs, ListFormat, RoutesArgs, TemplateArgs};
use crate::inputs::{discover, read_inputs};
use crate::templates::{self, Evaluated};

/// The inputs of `flow` and `routes`, read exactly as `check` reads them: templates evaluated
/// with their parameters, into one inventory, with the files read (for code frames).
pub(crate) struct Loaded {
    pub inv: Inventory,
    pub files: Files,
    evaluated: Evaluated,
}

impl Loaded {
    /// Reads `paths`. Input errors (an unreadable input or configuration, an expression a
    /// template cannot evaluate) are shown as `check` shows them (file, line, column and a
    /// code frame) and end the run with exit code 2: an answer from half the inputs would
    /// mislead.
    pub(crate) fn read(
        paths: &[PathBuf],
        stdin_name: &str,
        values: &TemplateArgs,
        config: &ConfigSourceArgs,
    ) -> Result<Loaded, Outcome> {
        let mut files = Files::new();
        let fail = |mut errors: Vec<Finding>, files: &Files| {
            sort_findings(&mut errors, files);
            eprint!("{}", render_text(&errors, files, TextOptions::default()));
            Outcome::Error
        };
        let found = match crate::config::load(config, &mut files) {
            Ok(found) => found,
            Err(invalid) => return Err(fail(invalid.findings, &files)),
        };
        let (specs, problems) = discover(paths, stdin_name);
        let (findings, mut ingested) = read_inputs(&specs, problems, &mut files, &|_| {});
        let (template_findings, evaluated) =
            templates::evaluate(&mut ingested, &mut files, values, &found.config);
        let mut errors: Vec<Finding> = findings
            .into_iter()
            .chain(template_findings)
            .filter(|f| f.is_input_error || f.code == input::TEMPLATE_ERROR.0)
            .collect();
        if !errors.is_empty() {
            evaluated.remap(&mut errors);
            return Err(fail(errors, &files));
        }
        if specs.is_empty() {
            eprintln!("azlint: error: no *.json or *.jsonc files found in the given paths");
            return Err(Outcome::Error);
        }
        Ok(Loaded {
            inv: Inventory::build(ingested),
            files,
            evaluated,
        })
    }

    /// `file:line:col` of a value: for a value of an evaluated template, where the template
    /// writes it.
    pub(crate) fn location(&self, res: ResIdx, v: Value<'_>) -> (String, u32, u32) {
        let mut label = Label::new(self.inv.document_of(res).file, v.span());
        self.evaluated.place(&mut label);
        let source = self.files.get(label.file);
        let at = source.line_col(label.span.map_or(0, |s| s.start));
        (source.name.clone(), at.line, at.column)
    }

    /// Findings whose labels may be in evaluated templates, moved to the templates.
    pub(crate) fn remap(&self, findings: &mut [Finding]) {
        self.evaluated.remap(findings);
    }
}

/// A resource's name as written.
pub(crate) fn name_of(inv: &Inventory, idx: ResIdx) -> String {
    inv.name(idx)
        .and_then(|n| n.as_str())
        .map(|n| n.into_owned())
        .or_else(|| {
            inv.id(idx)
                .and_then(|id| id.rsplit('/').next().map(str::to_string))
        })
        .unwrap_or_else(|| "(unnamed)".into())
}

/// Finds a resource of a type by id (starts with `/`), by `PARENT/NAME`, or by name; names
/// and ids compare case-insensitively. Two resources with the name are an error listing them.
pub(crate) fn resolve(
    inv: &Inventory,
    type_lc: &str,
    what: &str,
    arg: &str,
) -> Result<ResIdx, String> {
    let arg = arg.trim();
    if arg.starts_with('/') {
        return inv
            .get(arg)
            .filter(|&i| &*inv.resource(i).type_lc == type_lc)
            .ok_or_else(|| format!("no {what} with id {arg} in the inputs"));
    }
    let (parent, name) = match arg.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, arg),
    };
    let found: Vec<ResIdx> = inv
        .of_type(type_lc)
        .iter()
        .copied()
        .filter(|&i| {
            let n = name_of(inv, i);
            // A template child's name is `parent/name`.
            let last = n.rsplit('/').next().unwrap_or(&n);
            last.eq_ignore_ascii_case(name)
                && parent.is_none_or(|p| {
                    inv.resource(i)
                        .parent
                        .is_some_and(|v| name_of(inv, v).eq_ignore_ascii_case(p))
                        || n.eq_ignore_ascii_case(arg)
                })
        })
        .collect();
    match found.len() {
        0 => Err(format!("no {what} named `{arg}` in the inputs")),
        1 => Ok(found[0]),
        _ => {
            let ids: Vec<String> = found
                .iter()
                .map(|&i| format!("  {}", inv.id(i).unwrap_or_else(|| name_of(inv, i))))
                .collect();
            Err(format!(
                "{} {what}s are named `{arg}`; name one by its id:\n{}",
                found.len(),
                ids.join("\n")
            ))
        }
    }
}

/// The subnet of a NIC's primary IP configuration.
pub(crate) fn nic_subnet(inv: &Inventory, nic: ResIdx) -> Result<ResIdx, String> {
    let config = primary_config(inv, nic).ok_or_else(|| {
        format!(
            "NIC `{}` has no primary IP configuration in the export",
            name_of(inv, nic)
        )
    })?;
    let id = props_of(config)
        .pointer(&["subnet", "id"])
        .and_then(|v| v.as_str())
        .ok_or_else(|| {
            format!(
                "NIC `{}`'s primary IP configuration names no subnet",
                name_of(inv, nic)
            )
        })?;
    inv.get(&id)
        .filter(|&s| &*inv.resource(s).type_lc == SUBNET)
        .ok_or_else(|| {
            format!(
                "subnet {id} of NIC `{}` is not in the inputs",
                name_of(inv, nic)
            )
        })
}

fn route_json(l: &Loaded, r: &Route<'_>) -> serde_json::Value {
    let mut o = Map::new();
    o.insert("addressPrefix".into(), json!(r.address_prefix));
    o.insert("nextHopType".into(), json!(r.next_hop_type));
    if let Some(first) = r.next_hop_ips.first() {
        o.insert("nextHopIpAddress".into(), json!(first));
    }
    if r.next_hop_ips.len() > 1 {
        o.insert("nextHopIpAddresses".into(), json!(r.next_hop_ips));
    }
    o.insert("source".into(), json!(r.source.as_str()));
    o.insert(
        "state".into(),
        json!(if r.active { "Active" } else { "Invalid" }),
    );
    if let Some(n) = &r.name {
        o.insert("name".into(), json!(n));
    }
    if let (Some(res), Some(v)) = (r.resource, r.object) {
        let (file, line, column) = l.location(res, v);
        o.insert(
            "location".into(),
            json!({"file": file, "line": line, "column": column}),
        );
    }
    serde_json::Value::Object(o)
}

fn subnet_prefixes(inv: &Inventory, subnet: ResIdx) -> String {
    let mut out = Vec::new();
    for key in ["addressPrefix", "addressPrefixes"] {
        if let azlint_inventory::Lookup::Found(v) = inv.prop(subnet, &[key]) {
            if v.is_array() {
                out.extend(
                    v.elements()
                        .filter_map(|e| e.as_str().map(|s| s.into_owned())),
                );
            } else if let Some(s) = v.as_str() {
                out.push(s.into_owned());
            }
        }
    }
    out.join(", ")
}

fn hop_text(r: &Route<'_>) -> String {
    if r.next_hop_ips.is_empty() {
        r.next_hop_type.clone()
    } else {
        format!("{} {}", r.next_hop_type, r.next_hop_ips.join(", "))
    }
}

/// The text report.
fn routes_text(l: &Loaded, eff: &Effective<'_>, to: Option<IpAddr>) -> String {
    let inv = &l.inv;
    let mut out = String::new();
    let subnet = name_of(inv, eff.subnet);
    let vnet = eff
        .vnet
        .map(|v| format!(" in VNET {}", name_of(inv, v)))
        .unwrap_or_default();
    out.push_str(&format!(
        "effective routes of subnet {subnet} ({}){vnet}\n",
        subnet_prefixes(inv, eff.subnet)
    ));
    match eff.route_table {
        Some(rt) => {
            let disabled = matches!(
                inv.prop(rt, &["disableBgpRoutePropagation"]),
                azlint_inventory::Lookup::Found(v) if v.as_bool() == Some(true)
            );
            out.push_str(&format!(
                "route table: {} (gateway route propagation {})\n",
                name_of(inv, rt),
                if disabled { "disabled" } else { "enabled" }
            ));
        }
        None => out.push_str("route table: none\n"),
    }
    out.push('\n');
    let rows: Vec<[String; 6]> = eff
        .routes
        .iter()
        .map(|r| {
            [
                r.source.as_str().to_string(),
                if r.active { "Active" } else { "Invalid" }.to_string(),
                r.address_prefix.clone(),
                r.next_hop_type.clone(),
                r.next_hop_ips.join(", "),
                r.name.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let header = [
        "SOURCE",
        "STATE",
        "ADDRESS PREFIX",
        "NEXT HOP TYPE",
        "NEXT HOP IP",
        "NAME",
    ];
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    out.push_str(&line(header.to_vec()));
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    if let Some(why) = eff.incomplete.as_ref().or(eff.gateway_routes.as_ref()) {
        out.push_str(&format!("\nnote: {why}\n"));
    }
    if let Some(ip) = to {
        let sel = eff.select(ip);
        out.push('\n');
        match sel.route.map(|i| &eff.routes[i]) {
            Some(r) => {
                let name = r.name.as_ref().map(|n| format!(" {n}")).unwrap_or_default();
                out.push_str(&format!(
                    "selected for {ip}: {} -> {} ({} route{name})\n",
                    r.address_prefix,
                    hop_text(r),
                    r.source.as_str()
                ));
                if let (Some(res), Some(v)) = (r.resource, r.object) {
                    let (file, line, c) = l.location(res, v);
                    out.push_str(&format!("  defined at {file}:{line}:{c}\n"));
                }
            }
            None => out.push_str(&format!(
                "selected for {ip}: no route matches; Azure drops the traffic\n"
            )),
        }
        if let Some(why) = &sel.unknown {
            out.push_str(&format!("unknown: {why}\n"));
        }
    }
    out
}

fn render_json(l: &Loaded, eff: &Effective<'_>, to: Option<IpAddr>) -> String {
    let inv = &l.inv;
    let mut o = Map::new();
    o.insert(
        "subnet".into(),
        json!(inv.id(eff.subnet).unwrap_or_default()),
    );
    o.insert(
        "routeTable".into(),
        eff.route_table
            .and_then(|rt| inv.id(rt))
            .map_or(serde_json::Value::Null, |id| json!(id)),
    );
    o.insert(
        "routes".into(),
        eff.routes.iter().map(|r| route_json(l, r)).collect(),
    );
    let mut unknown = eff.incomplete.clone().or(eff.gateway_routes.clone());
    if let Some(ip) = to {
        let sel = eff.select(ip);
        o.insert("to".into(), json!(ip.to_string()));
        o.insert(
            "selected".into(),
            sel.route
                .map_or(serde_json::Value::Null, |i| route_json(l, &eff.routes[i])),
        );
        unknown = sel.unknown;
    }
    if let Some(why) = unknown {
        o.insert("unknown".into(), json!(why));
    }
    let mut s = serde_json::to_string_pretty(&serde_json::Value::Object(o)).unwrap_or_default();
    s.push('\n');
    s
}

pub fn run(args: &RoutesArgs) -> Outcome {
    let loaded = match Loaded::read(
        &args.paths,
        &args.stdin_filename,
        &args.values,
        &args.config,
    ) {
        Ok(loaded) => loaded,
        Err(o) => return o,
    };
    let inv = &loaded.inv;
    let subnet = match (&args.subnet, &args.nic) {
        (Some(s), _) => resolve(inv, SUBNET, "subnet", s),
        (None, Some(n)) => resolve(inv, NIC, "NIC", n).and_then(|nic| nic_subnet(inv, nic)),
        (None, None) => Err("name a subnet (--subnet) or a NIC (--nic)".into()),
    };
    let subnet = match subnet {
        Ok(s) => s,
        Err(e) => {
            eprintln!("azlint: error: {e}");
            return Outcome::Error;
        }
    };
    let eff = effective(inv, subnet);
    let report = match args.format {
        ListFormat::Text => routes_text(&loaded, &eff, args.to),
        ListFormat::Json => render_json(&loaded, &eff, args.to),
    };
    out!("{report}");
    Outcome::Clean
}
