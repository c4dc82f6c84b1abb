//! Running compiled rules over the inventory and the facts.
//!
//! Resources are checked in input order, each against the rules of its type: kept if it
//! belongs to a site (or to any, when the rule reads `scope: all`) and has the selected role;
//! then each `forEach` item; then the condition. True makes a finding at the `at` path,
//! unknown a "cannot tell" note. Resources are checked in parallel; the caller sorts.

use azlint_diagnostics::{printable, Finding, Label, Severity};
use azlint_inventory::{Document, Place, Props, ResIdx, Unknown};
use azlint_source::{FileId, Value};
use rayon::prelude::*;

use crate::condition::{Fact, FactAnswer, Item, Resolved, Scope, Truth};
use crate::facts::{fact, names as fact_names};
use crate::file::{Reach, Role, Rule};
use crate::path::Path;
use crate::{resource_group, Context};

/// Runs `rules` and returns their findings (unsorted).
///
/// Work goes resource by resource, each resource through every rule of its type: a resource's
/// part of the tree is read into the cache once for all of them, where going rule by rule
/// would read the whole export again for each rule.
pub fn run(rules: &[&Rule], cx: &Context<'_>) -> Vec<Finding> {
    let mut by_type: foldhash::HashMap<&str, Vec<&Rule>> = Default::default();
    for rule in rules {
        for t in &rule.types {
            by_type.entry(t.as_str()).or_default().push(rule);
        }
    }
    // In input order: one forward sweep over the tree, where going type by type swept it once
    // per type. The inventory lists each type's resources: marking them by index and reading
    // the marks in order costs less than hashing every resource's type.
    let mut marks: Vec<Option<&[&Rule]>> = vec![None; cx.inv.len()];
    for (t, rules) in &by_type {
        for &res in cx.inv.of_type(t) {
            marks[res as usize] = Some(rules.as_slice());
        }
    }
    let work: Vec<(ResIdx, &[&Rule])> = marks
        .into_iter()
        .enumerate()
        .filter_map(|(res, rules)| Some((res as ResIdx, rules?)))
        .collect();
    // When routes are asked what their next hops may not be, those targets are read once, on
    // every core, before the rules start, rather than by the first route's rule on one core
    // while the other routes' rules wait for it.
    let asks_route_targets = |rule: &&Rule| {
        ["route.vsocket_own_ips", "route.vsocket_floating_ips"]
            .iter()
            .any(|f| rule.uses_fact(f))
    };
    if !cx.inv.of_type(azlint_facts::ROUTE).is_empty()
        && by_type
            .get(azlint_facts::ROUTE)
            .is_some_and(|rules| rules.iter().any(asks_route_targets))
    {
        cx.prepare_route_targets();
    }
    work.par_chunks(512)
        .flat_map_iter(|chunk| {
            let mut out = Vec::new();
            // Facts depend on the resource alone: its rules share the answers. One memo serves
            // the chunk, emptied for each resource, so that it is not allocated for each.
            let memo = Memo::default();
            for (j, &(res, rules)) in chunk.iter().enumerate() {
                // The tree of a large export is cold by now: start loading the resources a
                // few places ahead so that their cache misses overlap with this one's work.
                cx.inv.prefetch_ahead(chunk, j, |&(r, _)| r);
                memo.borrow_mut().clear();
                for rule in rules {
                    check(rule, cx, res, &memo, &mut out);
                }
            }
            out
        })
        .collect()
}

struct Eval<'a, 'c> {
    cx: &'c Context<'a>,
    res: ResIdx,
    doc: &'a Document,
    root: Value<'a>,
    props: Option<Value<'a>>,
    current: Value<'a>,
    /// Where the current item is among those `forEach` selected (0 for the resource).
    position: usize,
    /// Facts already answered for this resource, by any of its rules.
    memo: &'c Memo<'a>,
}

/// Facts answered for one resource, by fact number: rules (and a condition's parts) often ask
/// the same ones.
type Memo<'a> = std::cell::RefCell<Vec<(u16, FactAnswer<'a>)>>;

impl<'a> Scope<'a> for Eval<'a, '_> {
    fn resolve(&self, id: &str) -> Option<Resolved<'a>> {
        let res = self.cx.inv.get(id)?;
        let doc = self.cx.inv.document_of(res);
        let root = self.cx.inv.value(res);
        Some(Resolved {
            doc,
            root,
            props: props_of_resource(self.cx, res, doc, root),
        })
    }
    fn document(&self) -> &'a Document {
        self.doc
    }
    fn root(&self) -> Value<'a> {
        self.root
    }
    fn current(&self) -> Value<'a> {
        self.current
    }
    fn root_props(&self) -> Option<Value<'a>> {
        self.props
    }
    fn unknown_reason(&self, file: FileId, at: Value<'a>) -> Option<String> {
        let doc = self.cx.inv.documents().iter().find(|d| d.file == file)?;
        doc.unknown_reasons.as_ref()?.get(&at.span().start).cloned()
    }
    fn fact(&self, f: Fact, current: Value<'a>) -> FactAnswer<'a> {
        if let Some((_, hit)) = self.memo.borrow().iter().find(|(i, _)| *i == f.index) {
            return hit.clone();
        }
        let answer = fact(self.cx, f.name, self.res, current);
        self.memo.borrow_mut().push((f.index, answer.clone()));
        answer
    }
}

fn role_matches(cx: &Context<'_>, res: ResIdx, role: Role) -> bool {
    let facts = cx.facts;
    match role {
        Role::Vm => facts.is_vsocket_vm(res),
        Role::Primary | Role::Secondary => facts.site_of(res).is_some_and(|s| {
            let pos = s.vms.iter().position(|&v| v == res);
            match role {
                Role::Primary => pos == Some(0),
                _ => pos.is_some_and(|p| p > 0),
            }
        }),
        Role::Nic => facts.vsocket_nics.contains(&res),
        Role::Interface(wanted) => facts.site_of(res).is_some_and(|s| {
            // A NIC has its own role; a subnet has the role of the primary vSocket's NIC in it
            // (the primary defines the site's subnets).
            match s.role_of(res) {
                Some(r) => r == wanted,
                None => cx
                    .inv
                    .resource(res)
                    .key
                    .as_deref()
                    .is_some_and(|key| facts.primary_subnet_key(s, wanted) == Some(key)),
            }
        }),
    }
}

/// A resource's properties object (nested or flattened form); `None` when unknown, so that
/// paths find out and say why.
fn props_of_resource<'a>(
    cx: &Context<'a>,
    res: ResIdx,
    doc: &'a Document,
    root: Value<'a>,
) -> Option<Value<'a>> {
    props_in(cx.inv.resource(res).props, doc, root)
}

/// The properties object of one occurrence of a resource, as [`props_of_resource`].
fn props_in<'a>(props: Props, doc: &'a Document, root: Value<'a>) -> Option<Value<'a>> {
    match props {
        Props::Object(n) => Some(doc.value(n)),
        Props::Flattened => Some(root),
        Props::Null(_) | Props::Expression(_) | Props::Malformed(_) => None,
    }
}

/// Checks one resource against one rule, if the rule reads it.
fn check<'a>(rule: &Rule, cx: &Context<'a>, res: ResIdx, memo: &Memo<'a>, out: &mut Vec<Finding>) {
    if rule.reach == Reach::Site && !cx.facts.in_scope(res) {
        return;
    }
    if !rule.roles.is_empty() && !rule.roles.iter().any(|&r| role_matches(cx, res, r)) {
        return;
    }
    let r = cx.inv.resource(res);
    if r.other_places.is_empty() {
        check_occurrence(rule, cx, res, r.place, r.props, memo, out);
        return;
    }
    // A resource the inputs hold more than once (a VNET that two templates declare, a template
    // next to the export of what it replaces) is checked in each occurrence: a defect in one
    // copy is a defect, whichever copy the inventory reads. What an earlier copy said already
    // is not said again: the same message, or "cannot tell" once decided; and between two
    // exports (not templates, each of which is deployed on its own), for a rule that judges
    // the resource as a whole, its verdict, as two shapes may word one value differently
    // (PowerShell's enum numbers).
    // Where each earlier occurrence's findings are in `out`, and whether it is a template.
    let mut said: Vec<(usize, usize, bool)> = Vec::new();
    // A copy without its settings (`az resource list`: `"properties": null`) beside one with
    // them has nothing to add but "cannot tell".
    let any_whole = cx
        .inv
        .occurrences(res)
        .any(|o| matches!(o.props, Props::Object(_) | Props::Flattened));
    for (i, o) in cx
        .inv
        .occurrences(res)
        .filter(|o| !any_whole || !matches!(o.props, Props::Null(_)))
        .enumerate()
    {
        let from = out.len();
        check_occurrence(rule, cx, res, o.place, o.props, memo, out);
        let template = cx.inv.document(o.place.doc).is_template();
        if i > 0 && out.len() > from {
            let new = out.split_off(from);
            for f in new {
                let mut repeated = false;
                for &(start, end, earlier_template) in &said {
                    for e in &mut out[start..end] {
                        let verdict = rule.for_each.is_none() && !template && !earlier_template;
                        let same = e.severity == f.severity && (e.message == f.message || verdict);
                        if same && !e.cannot_tell {
                            // Said once, pointing at both copies: either may be the one the
                            // user edits (a template next to the export of what it deploys).
                            let here = f.primary.clone().with_message("the same in this copy");
                            let elsewhere =
                                (here.file, here.span) != (e.primary.file, e.primary.span);
                            if elsewhere && !e.secondary.contains(&here) {
                                e.secondary.push(here);
                            }
                        }
                        repeated |= same || (f.cannot_tell && !e.cannot_tell);
                    }
                }
                if !repeated {
                    out.push(f);
                }
            }
        }
        said.push((from, out.len(), template));
    }
}

/// Checks one occurrence of a resource against one rule.
fn check_occurrence<'a>(
    rule: &Rule,
    cx: &Context<'a>,
    res: ResIdx,
    place: Place,
    props: Props,
    memo: &Memo<'a>,
    out: &mut Vec<Finding>,
) {
    let doc = cx.inv.document(place.doc);
    let root = doc.value(place.node);
    let props = props_in(props, doc, root);
    // Without `forEach` the resource itself is the one item: no list to allocate for each
    // resource and rule.
    let selected;
    let items: &[Value<'_>] = match &rule.for_each {
        None => std::slice::from_ref(&root),
        Some(p) => {
            let s = p.eval_from(doc, root, props, root);
            if let Some(u) = s.unknown {
                if s.values.is_empty() {
                    out.push(cannot_tell(rule, cx, res, doc, root, (root, 0), u));
                    return;
                }
            }
            selected = s.values;
            &selected
        }
    };
    for (position, &item) in items.iter().enumerate() {
        let scope = Eval {
            cx,
            res,
            doc,
            root,
            props,
            current: item,
            position,
            memo,
        };
        match rule.condition.eval(&scope) {
            Truth::False => {}
            Truth::True => out.push(finding(rule, cx, &scope)),
            Truth::Unknown(u) => {
                out.push(cannot_tell(rule, cx, res, doc, root, (item, position), u))
            }
        }
    }
}

/// The path of what a finding points at, from the resource: a path from a `forEach` item
/// (`@.properties.privateIPAllocationMethod`) is put under the item, named by its `name`
/// (else its `id`, else its place), so that the findings of two IP configurations of one NIC
/// differ in their path and fingerprint (a baseline of one does not hide the other). A
/// `forEach` that filters (not `[*]`) keeps the relative path.
fn finding_path(
    rule: &Rule,
    at: &Path,
    root: Value<'_>,
    item: Value<'_>,
    position: usize,
) -> String {
    let each = rule
        .for_each
        .as_ref()
        .filter(|_| at.relative && item.index() != root.index());
    let Some(list) = each.and_then(|each| each.text.strip_suffix("[*]")) else {
        return at.text.clone();
    };
    let quoted = |s: &str| s.replace('\\', "\\\\").replace('\'', "\\'");
    // The key as the input spells it (PowerShell writes `Name`), and its text.
    let member = |k: &str| {
        item.members()
            .find(|(key, _)| key.str_eq_ignore_case(k))
            .and_then(|(key, v)| Some((key.as_str()?, v.as_str()?)))
    };
    let selector = match member("name").or_else(|| member("id")) {
        Some((key, text)) => format!("[?@.{key} == '{}']", quoted(&text)),
        None => format!("[{position}]"),
    };
    format!("{list}{selector}{}", at.text.trim_start_matches('@'))
}

/// Values for a message, each once, in order, joined by commas: one route written both in
/// its table and as a resource of its own gives its next hop twice.
fn distinct(texts: impl Iterator<Item = String>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for t in texts {
        if !seen.contains(&t) {
            seen.push(t);
        }
    }
    seen.join(", ")
}

/// The values the finding points at, their file, and what `{value}` says: the `atFact`
/// fact's (those in the resource's own file first, else those in another file: an NSG
/// exported on its own; `{value}` is the fact's values, which may be parts of what they point
/// at, one address of an ECMP list), else the `at` path's, else the current item (its name,
/// for a resource).
fn pointed<'a>(rule: &Rule, scope: &Eval<'a, '_>) -> (FileId, Vec<Value<'a>>, String) {
    let shown =
        |values: &[Value<'a>]| distinct(values.iter().map(|v| Item::from_value(*v).display()));
    if let Some(name) = &rule.at_fact {
        if let Some(items) = fact(scope.cx, name, scope.res, scope.current).known_items() {
            let in_file = |file: FileId| {
                let items: Vec<&Item<'a>> = items
                    .iter()
                    .filter(|i| i.file == Some(file) && i.at.is_some())
                    .collect();
                // (Two values may point at one place: each once.)
                let mut at: Vec<Value<'a>> = Vec::new();
                for v in items.iter().filter_map(|i| i.at) {
                    if !at.iter().any(|a| a.index() == v.index()) {
                        at.push(v);
                    }
                }
                let value = distinct(items.iter().map(|i| i.display()));
                (file, at, value)
            };
            let here = in_file(scope.doc.file);
            if !here.1.is_empty() {
                return here;
            }
            if let Some(other) = items.iter().find(|i| i.at.is_some()).and_then(|i| i.file) {
                return in_file(other);
            }
        }
    }
    if let Some(p) = &rule.at {
        let s = p.eval_from(scope.doc, scope.root, scope.props, scope.current);
        if !s.values.is_empty() {
            let value = shown(&s.values);
            return (scope.doc.file, s.values, value);
        }
        // A template value known only in part that a rule decided all the same (its shape):
        // the expression is what is wrong.
        if let Some(azlint_inventory::Unknown { at: Some(v), .. }) = s.unknown {
            return (scope.doc.file, vec![v], shown(&[v]));
        }
    }
    let at = vec![resource_or_item(scope)];
    let value = shown(&at);
    (scope.doc.file, at, value)
}

/// The current item; for the resource itself, its name.
fn resource_or_item<'a>(scope: &Eval<'a, '_>) -> Value<'a> {
    let item = scope.current;
    if item.index() == scope.root.index() {
        if let Some(n) = scope.root.get_ignore_case("name") {
            return n;
        }
    }
    item
}

fn finding<'a>(rule: &Rule, cx: &Context<'a>, scope: &Eval<'a, '_>) -> Finding {
    let (file, at, value) = pointed(rule, scope);
    let primary = at[0];
    let render = |t: &str| render(t, cx, scope, &value);
    let mut f = Finding::new(
        (&rule.meta.code, &rule.meta.name),
        rule.meta.severity,
        render(&rule.message),
        Label::new(file, primary.span()).with_message(rule.label.clone()),
    );
    f.help = rule.help.as_deref().map(render);
    // Pointing into another file (the NSG's): say where the checked resource is, too.
    if file != scope.doc.file {
        let here = resource_or_item(scope);
        f.secondary.push(
            Label::new(scope.doc.file, here.span())
                .with_message(format!("`{}`, checked here", display_name(cx, scope.res))),
        );
    }
    f.resource_id = cx.inv.id(scope.res);
    f.path = rule
        .at
        .as_ref()
        .map(|p| finding_path(rule, p, scope.root, scope.current, scope.position));
    // What tells this finding from another of the rule on the same resource and value: the
    // other values it points at, and the values of the `related` facts that identify it.
    let mut values: Vec<String> = Vec::new();
    if at.len() > 1 {
        values.extend(at.iter().map(|v| Item::from_value(*v).display()));
    }
    for related in &rule.related {
        if let Some(items) = fact(cx, &related.fact, scope.res, scope.current).known_items() {
            if related.identifies {
                values.extend(items.iter().map(Item::display));
            }
            for item in items.iter() {
                let (Some(v), Some(doc_file)) = (item.at, item.file) else {
                    continue;
                };
                let text = related.label.replace("{value}", &item.display());
                let label = Label::new(doc_file, v.span()).with_message(text);
                if !f.secondary.contains(&label) && label.span != Some(primary.span()) {
                    f.secondary.push(label);
                }
            }
        }
    }
    values.sort_unstable();
    values.dedup();
    f.values = values;
    f
}

fn cannot_tell(
    rule: &Rule,
    cx: &Context<'_>,
    res: ResIdx,
    doc: &Document,
    root: Value<'_>,
    // The item checked, and its place among those `forEach` selected.
    (item, position): (Value<'_>, usize),
    u: Unknown<'_>,
) -> Finding {
    // Unknowns found by paths are in the document of the occurrence checked; a fact's may be
    // in another copy of the resource (a template read next to the export it changes) or in
    // another resource's document.
    let fallback = || root.get_ignore_case("name").unwrap_or(item);
    let (file, at) = match u.at {
        Some(at) if at.same_tree(&root) => (doc.file, at),
        Some(at) => match cx.inv.document_holding(at) {
            Some(other) => (other.file, at),
            None => (doc.file, fallback()),
        },
        None => (doc.file, fallback()),
    };
    let mut f = Finding::new(
        (&rule.meta.code, &rule.meta.name),
        Severity::Note,
        format!(
            "cannot tell whether `{}` passes {}: {}",
            display_name(cx, res),
            rule.meta.name,
            u.reason
        ),
        Label::new(file, at.span()).with_message("unknown"),
    )
    .cannot_tell();
    f.help = Some(format!("the rule checks: {}", rule.meta.summary));
    f.resource_id = cx.inv.id(res);
    f.path = rule
        .at
        .as_ref()
        .map(|p| finding_path(rule, p, root, item, position));
    f
}

/// A resource's name for messages; a template's name known only at deployment as its
/// expression, as the user reads it ([`azlint_arm::text::readable`]).
pub(crate) fn display_name(cx: &Context<'_>, res: ResIdx) -> String {
    cx.inv
        .name(res)
        .and_then(|n| {
            n.as_str()
                .map(|s| printable(&azlint_arm::text::readable(&s)))
        })
        .unwrap_or_else(|| "(unnamed)".to_string())
}

/// Fills a message's placeholders.
fn render<'a>(template: &str, cx: &Context<'a>, scope: &Eval<'a, '_>, value: &str) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        let id = cx.inv.id(scope.res);
        let text = match name {
            "name" => display_name(cx, scope.res),
            // For a command to copy: the id as exported. A template's ids hold placeholder
            // subscriptions and resource groups until deployment, so there it stays a
            // placeholder too.
            "id" => match id.as_deref() {
                Some(id) if !scope.doc.is_template() => printable(id),
                _ => format!("ID_OF_{}", display_name(cx, scope.res)),
            },
            // As written where the resource says it in full; the inventory's (lower case)
            // where it does not (a child declared inside its parent: `subnets`).
            "type" => {
                let known = &cx.inv.resource(scope.res).type_lc;
                scope
                    .root
                    .get_ignore_case("type")
                    .and_then(|t| t.as_str())
                    .filter(|t| t.eq_ignore_ascii_case(known))
                    .map_or_else(|| known.to_string(), |t| printable(&t))
            }
            // (Not read out of an id known only at deployment: its text is an expression.)
            "resourceGroup" => id
                .as_deref()
                .filter(|id| !azlint_inventory::is_expression_text(id))
                .and_then(resource_group)
                .unwrap_or("RG")
                .to_string(),
            "value" => printable(value),
            "item" => printable(
                &scope
                    .current
                    .get_ignore_case("name")
                    .and_then(|n| n.as_str().map(|s| s.into_owned()))
                    .unwrap_or_else(|| Item::from_value(scope.current).display()),
            ),
            "vm" => match fact(cx, "vsocket.vm", scope.res, scope.current) {
                FactAnswer::Known(items) if !items.is_empty() => items[0].display(),
                _ => "the vSocket".to_string(),
            },
            // A child resource's own name (`default-cato` of `ams-viaCato/default-cato`), as
            // `az ... -n` takes it; a name known only at deployment stays as written.
            "childName" => {
                let name = display_name(cx, scope.res);
                match azlint_inventory::is_expression_text(&name) {
                    true => name,
                    false => name.rsplit('/').next().unwrap_or_default().to_string(),
                }
            }
            "parent" => cx
                .inv
                .resource(scope.res)
                .parent
                .map(|p| display_name(cx, p))
                .unwrap_or_else(|| "PARENT".to_string()),
            other => match other.strip_prefix("fact:") {
                // `{fact:NAME|FALLBACK}`: the one value, else FALLBACK (for a command to copy).
                Some(f) if f.contains('|') => {
                    let (f, fallback) = f.split_once('|').unwrap_or((f, ""));
                    match fact(cx, f, scope.res, scope.current) {
                        FactAnswer::Known(items) if items.len() == 1 => {
                            printable(&items[0].display())
                        }
                        _ => fallback.to_string(),
                    }
                }
                // Values from the inputs, shown as they are but for control characters.
                Some(f) => match fact(cx, f, scope.res, scope.current) {
                    FactAnswer::Known(items) if items.is_empty() => {
                        "none in the inputs".to_string()
                    }
                    FactAnswer::Known(items) => {
                        printable(&distinct(items.iter().map(Item::display)))
                    }
                    FactAnswer::Partial(items, _) if !items.is_empty() => printable(&format!(
                        "{} and perhaps more",
                        distinct(items.iter().map(Item::display))
                    )),
                    FactAnswer::Partial(..) | FactAnswer::Unknown(_) => "(unknown)".to_string(),
                },
                None => format!("{{{other}}}"),
            },
        };
        out.push_str(&text);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The fact names, for rule loading.
pub struct Facts;

impl crate::condition::FactNames for Facts {
    fn fact(&self, name: &str) -> Option<Fact> {
        let index = fact_names().iter().position(|n| *n == name)?;
        Some(Fact {
            index: u16::try_from(index).ok()?,
            name: fact_names()[index],
        })
    }
}
