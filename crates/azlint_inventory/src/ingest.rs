//! Finds the resources in one parsed document, whatever its shape.

use std::sync::Arc;

use azlint_diagnostics::{input, Finding, Label, Severity};
use azlint_source::{FileId, SourceFile, Span, Tree, Value};
use rayon::prelude::*;

use crate::shape::{recognise, Fields, Shape};
use crate::{id_key, is_expression, Document, Props, RawResource};

/// A document with its resources found, and what ingest has to tell about it.
#[derive(Debug)]
pub struct Ingested {
    pub document: Document,
    pub resources: Vec<RawResource>,
    pub findings: Vec<Finding>,
    /// For a Resource Graph result: the page it is ([`unfinished_pages`] tells whether the
    /// inputs hold the whole result).
    pub page: Option<Page>,
}

/// One page of a Resource Graph result.
#[derive(Debug)]
pub struct Page {
    /// `total_records`: the rows of the whole result.
    pub total: Option<i64>,
    /// The rows of this page.
    pub rows: usize,
    /// The page's `skip_token` (none on the last page): two files with the same one are the
    /// same page saved twice.
    pub token: Option<String>,
    /// When a `skip_token` says more pages follow: the warning that the others are missing.
    pub more: Option<Finding>,
    /// For the last page: where a warning that the pages before it are missing points.
    pub last: Option<Label>,
}

const PAGES_HELP: &str = "fetch every page (`az graph query ... --first 1000 --skip-token TOKEN`, or `Search-AzGraph -First 1000 -SkipToken TOKEN`) and pass all of them to azlint";

/// Whether pages without a total (PowerShell's) are a whole result: a last page (no token),
/// and pages whose tokens, read as [`rows_before_next`], follow on from the first row with no
/// gap: the first page's token skips its own rows, each next one those and its own. A page
/// fetched twice (the same rows to skip) counts once; a second last page is another query's
/// whole result (a single page). A page missing just before the last one cannot be told.
fn chained(pages: &std::collections::BTreeSet<(Option<&str>, usize)>) -> bool {
    let mut read = std::collections::BTreeSet::new();
    let mut last = false;
    for &(token, rows) in pages {
        match token {
            None => last = true,
            Some(token) => match rows_before_next(token) {
                Some(skip) => {
                    read.insert((skip, rows));
                }
                None => return false,
            },
        }
    }
    if !last || read.is_empty() {
        return false;
    }
    let mut at = 0u64;
    read.into_iter().all(|(skip, rows)| {
        at += rows as u64;
        skip == at
    })
}

/// How many rows come before the page a Resource Graph skip token asks for. The token is
/// opaque, but Resource Graph writes it as base64 of a small JSON object whose `RowsToSkip`
/// says that; a token of another form gives `None`, and the pages keep their warnings.
fn rows_before_next(token: &str) -> Option<u64> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let source = SourceFile::new("skip token", text);
    let tree = source.parse().ok()?;
    let skip = tree.root(source.text()).get("RowsToSkip")?.as_i64()?;
    u64::try_from(skip).ok()
}

/// The warnings of Resource Graph pages whose other pages the inputs do not hold.
///
/// `az graph query --first 1000` gives one page per call; users save each to its own file and
/// pass them all. Pages of one result share its `total_records`: when the rows of the distinct
/// pages with the same total (a page saved twice counts once) add up to it, and the last page
/// (no `skip_token`) is among them, the inputs hold the whole result and no page is
/// incomplete. Pages of two results are told apart by their total alone: two results of the
/// same size could, by chance, make up each other's missing rows (two complete ones add up to
/// twice their total and keep their warnings). PowerShell's pages give no total: they are the
/// whole result when their skip tokens chain from the first row to one last page ([`chained`]);
/// otherwise each page with a token keeps its warning.
pub fn unfinished_pages(ingested: &mut [Ingested]) -> Vec<Finding> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut distinct: BTreeMap<i64, BTreeSet<(Option<&str>, usize)>> = BTreeMap::new();
    for page in ingested.iter().filter_map(|i| i.page.as_ref()) {
        if let Some(total) = page.total {
            distinct
                .entry(total)
                .or_default()
                .insert((page.token.as_deref(), page.rows));
        }
    }
    let held: BTreeMap<i64, (usize, bool)> = distinct
        .iter()
        .map(|(&total, pages)| {
            let rows = pages.iter().map(|(_, rows)| rows).sum();
            let last = pages.iter().any(|(token, _)| token.is_none());
            (total, (rows, last))
        })
        .collect();
    let complete = |total: i64| {
        held.get(&total)
            .is_some_and(|&(rows, last)| last && usize::try_from(total).is_ok_and(|t| t == rows))
    };
    let untotalled: BTreeSet<(Option<&str>, usize)> = ingested
        .iter()
        .filter_map(|i| i.page.as_ref())
        .filter(|page| page.total.is_none())
        .map(|page| (page.token.as_deref(), page.rows))
        .collect();
    let untotalled_complete = chained(&untotalled);
    let mut out = Vec::new();
    for page in ingested.iter_mut().filter_map(|i| i.page.as_mut()) {
        let (more, last) = (page.more.take(), page.last.take());
        let Some(total) = page.total else {
            if !untotalled_complete {
                out.extend(more);
            }
            continue;
        };
        if complete(total) {
            continue;
        }
        let rows = held.get(&total).map_or(0, |&(rows, _)| rows);
        if let Some(mut more) = more {
            if rows > page.rows {
                more.message = more.message.replacen(
                    &format!(" of {total})"),
                    &format!(" of {total}; the pages in the inputs hold {rows})"),
                    1,
                );
            }
            out.push(more);
        } else if let Some(label) =
            last.filter(|_| usize::try_from(total).is_ok_and(|t| page.rows < t))
        {
            out.push(
                Finding::new(
                    input::INCOMPLETE,
                    Severity::Warning,
                    format!(
                        "this Resource Graph result is its last page ({} rows of {total}; the pages in the inputs hold {rows}): resources on the pages before it are not linted, and checks that need them cannot be complete",
                        page.rows
                    ),
                    label,
                )
                .with_help(PAGES_HELP),
            );
        }
    }
    // Each page warned about is part of a result the inputs do not hold whole.
    for i in ingested.iter_mut() {
        if out.iter().any(|f| f.primary.file == i.document.file) {
            i.document.partial = true;
        }
    }
    out
}

/// A row `az role assignment list --include-classic-administrators` adds for a classic
/// subscription administrator (`"id": "NA(classic admins)"`): not a role assignment, and not a
/// resource, but not something azlint fails to understand either. Azure retired classic
/// administrators in 2024; no check reads them. PowerShell's `Get-AzRoleAssignment
/// -IncludeClassicAdministrators` writes the same row with null ids and the classic roles by
/// name (`"RoleDefinitionName": "ServiceAdministrator;AccountAdministrator"`).
fn classic_administrator(v: Value<'_>) -> bool {
    let text = |key: &str| v.get_ignore_case(key).and_then(|x| x.as_str());
    if text("id").is_some_and(|id| id.trim().eq_ignore_ascii_case("NA(classic admins)")) {
        return true;
    }
    let classic = |role: &str| {
        [
            "ServiceAdministrator",
            "AccountAdministrator",
            "CoAdministrator",
        ]
        .iter()
        .any(|c| role.trim().eq_ignore_ascii_case(c))
    };
    v.get_ignore_case("RoleAssignmentId")
        .is_some_and(|id| id.is_null())
        && text("RoleDefinitionName").is_some_and(|names| names.split(';').all(classic))
}

/// Objects with more keys than this are checked for duplicate keys with a map.
const MAX_SMALL_OBJECT: usize = 64;

/// Arrays with at least this many elements are ingested in parallel chunks.
const PARALLEL_ELEMENTS: usize = 4096;

/// Child resources that Azure embeds in their parent's properties, by parent type: the
/// property holding them and the child type's last segment.
const EMBEDDED_CHILDREN: &[(&str, &str, &str)] = &[
    ("microsoft.network/virtualnetworks", "subnets", "subnets"),
    ("microsoft.network/routetables", "routes", "routes"),
    (
        "microsoft.network/networksecuritygroups",
        "securityRules",
        "securityRules",
    ),
];

/// Whether an entry of a parent's list of children only names the child (`{"id": ...}`, as a
/// VNET's `subnets` may list subnets exported on their own): it says nothing of the child's
/// settings, so it is a reference, not a copy of the child that rules would find empty.
fn reference_only(child: Value<'_>) -> bool {
    child.get_ignore_case("id").is_some()
        && child.members().all(|(k, _)| {
            ["id", "name", "etag", "type", "resourceGroup"]
                .iter()
                .any(|r| k.str_eq_ignore_case(r))
        })
}

/// [`ingest`] for the evaluated form of a template: `emitted`, the
/// [`azlint_arm::emit::Form::Template`] text of `expanded`, parsed into `source` and `tree`.
/// Why each remaining expression is unknown, and which resources a `condition` unknown before
/// deployment may leave out, go with the document (taken out of `emitted`).
pub fn ingest_evaluated(
    file: FileId,
    source: Arc<SourceFile>,
    tree: Tree,
    expanded: &azlint_arm::Expanded,
    emitted: &mut azlint_arm::emit::Emitted,
) -> Ingested {
    let mut doc = ingest(file, source, tree);
    doc.document.unknown_reasons = Some(Arc::new(
        std::mem::take(&mut emitted.reasons).into_iter().collect(),
    ));
    let conditional: Vec<(u32, u32)> = expanded
        .resources
        .iter()
        .zip(&emitted.resources)
        .filter(|(r, _)| r.conditional)
        .map(|(_, span)| *span)
        .collect();
    doc.document.conditional = Arc::from(conditional.as_slice());
    doc
}

/// Recognises the document's shape and lists its resources.
pub fn ingest(file: FileId, source: Arc<SourceFile>, tree: Tree) -> Ingested {
    let shape = recognise(tree.root(source.text()));
    let document = Document {
        file,
        source,
        tree,
        shape,
        unknown_reasons: None,
        conditional: Arc::from([]),
        partial: false,
    };
    let mut found = Finder {
        document: &document,
        resources: Vec::new(),
        findings: Vec::new(),
        not_resources: Vec::new(),
        page: None,
    };
    let root = document.root();
    match shape {
        Shape::ResourceArray => found.array(root),
        Shape::RestList => found.rest_list(root),
        Shape::ResourceGraph => found.resource_graph(root),
        Shape::SingleResource => found.resource(root, Fields::read(root), None, false),
        Shape::Template => found.template(root),
        Shape::Parameters | Shape::Empty | Shape::AzlintOutput => {}
        Shape::Unrecognised => found.unrecognised(root),
        Shape::Effective => found.effective(root),
    }
    found.report_not_resources();
    found.report_null_properties();
    let Finder {
        resources,
        findings,
        page,
        ..
    } = found;
    Ingested {
        document,
        resources,
        findings,
        page,
    }
}

struct Finder<'d> {
    document: &'d Document,
    resources: Vec<RawResource>,
    findings: Vec<Finding>,
    /// Array elements that are not resources, reported together.
    not_resources: Vec<Span>,
    page: Option<Page>,
}

/// The first character of a value: where a finding about a whole (possibly huge) value points.
fn head(v: Value<'_>) -> Span {
    let s = v.span();
    Span::new(s.start, (s.start + 1).min(s.end))
}

impl<'d> Finder<'d> {
    fn file(&self) -> FileId {
        self.document.file
    }

    fn array(&mut self, arr: Value<'d>) {
        let elements: Vec<Value<'d>> = arr.elements().collect();
        if elements.len() < PARALLEL_ELEMENTS {
            self.elements(&elements);
            return;
        }
        // A large export: chunks of elements in parallel, joined in order. Children refer to
        // their parent by index in the list, so each chunk's indexes move by its offset.
        let chunk = elements
            .len()
            .div_ceil(rayon::current_num_threads().max(1) * 4);
        type Part = (Vec<RawResource>, Vec<Span>, Vec<Finding>);
        let parts: Vec<Part> = elements
            .par_chunks(chunk)
            .map(|part| {
                let mut finder = Finder {
                    document: self.document,
                    resources: Vec::new(),
                    findings: Vec::new(),
                    not_resources: Vec::new(),
                    page: None,
                };
                finder.elements(part);
                (finder.resources, finder.not_resources, finder.findings)
            })
            .collect();
        for (resources, not_resources, findings) in parts {
            self.findings.extend(findings);
            let offset = self.resources.len();
            self.resources.extend(resources.into_iter().map(|mut r| {
                r.embedded_in = r.embedded_in.map(|i| i + offset);
                r
            }));
            self.not_resources.extend(not_resources);
        }
    }

    fn elements(&mut self, elements: &[Value<'d>]) {
        for &element in elements {
            let fields = Fields::read(element);
            if element.is_object() && fields.is_resource() {
                self.resource(element, fields, None, false);
            } else if !classic_administrator(element) {
                self.not_resources.push(head(element));
            }
        }
    }

    fn report_not_resources(&mut self) {
        let Some(first) = self.not_resources.first().copied() else {
            return;
        };
        let n = self.not_resources.len();
        let what = if n == 1 {
            "this element is not an Azure resource".to_string()
        } else {
            format!("{n} elements of this array are not Azure resources; this is the first")
        };
        self.findings.push(
            Finding::new(
                input::UNRECOGNISED,
                Severity::Warning,
                format!("{what} (no `type` such as \"Microsoft.Network/virtualNetworks\" with an `id` or `name`), so it is not linted"),
                Label::new(self.file(), first).with_message("not a resource"),
            )
            .with_help("export resources with `az resource show --ids ...`, `az graph query` or `az group export`"),
        );
    }

    /// `az resource list` exports `"properties": null`: say once per file that those
    /// resources cannot be checked, rather than let every rule be silently blind.
    fn report_null_properties(&mut self) {
        let mut null = self.resources.iter().filter_map(|r| match r.props {
            Props::Null(n) => Some(n),
            _ => None,
        });
        let Some(first) = null.next() else { return };
        let n = 1 + null.count();
        let total = self.resources.len();
        let first = self.document.value(first);
        self.findings.push(
            Finding::new(
                input::INCOMPLETE,
                Severity::Note,
                format!(
                    "{n} of {total} resources in this file have `\"properties\": null`, as `az resource list` exports them: their settings cannot be checked"
                ),
                Label::new(self.file(), first.span()).with_message("no properties exported"),
            )
            .with_help("export full resources with `az resource show --ids $(az resource list -g RG --query \"[].id\" -o tsv)`"),
        );
    }

    /// A REST list (`{"value": [...]}`). A `nextLink` says more pages follow, which `az rest`
    /// does not fetch: no total or skip token tells whether the inputs hold them, so the page
    /// always warns (it is not a Resource Graph page, whose pages are told apart later).
    fn rest_list(&mut self, root: Value<'d>) {
        let value = root.get("value");
        if let Some(v) = value {
            self.array(v);
        }
        let Some(link) = root
            .get_ignore_case("nextLink")
            .filter(|l| l.as_str().is_some_and(|s| !s.trim().is_empty()))
        else {
            return;
        };
        let rows = value.map(|v| v.len()).unwrap_or(0);
        self.findings.push(
            Finding::new(
                input::INCOMPLETE,
                Severity::Warning,
                format!(
                    "this REST list is one page ({rows} items): resources on the pages its `nextLink` leads to are not linted, and checks that need them cannot be complete"
                ),
                Label::new(self.file(), head(link)).with_message("more pages follow"),
            )
            .with_help("fetch every page (follow `nextLink` until it is absent, or use `az resource list` / `az resource show --ids`) and pass all of them to azlint"),
        );
    }

    fn resource_graph(&mut self, root: Value<'d>) {
        let data = root.get_ignore_case("data");
        if let Some(data) = data {
            self.array(data);
        }
        // The CLI writes `skip_token`, PowerShell `SkipToken`, the REST API (`az rest`,
        // `Invoke-AzRestMethod`) `$skipToken`.
        let token = ["skip_token", "skipToken", "$skipToken"]
            .iter()
            .find_map(|k| root.get_ignore_case(k))
            .filter(|t| !t.is_null());
        let rows = data.map(|d| d.len()).unwrap_or(0);
        let total_value = root
            .get_ignore_case("total_records")
            .or_else(|| root.get_ignore_case("totalRecords"));
        let total = total_value.and_then(|t| t.as_i64());
        let more = token.map(|token| {
            let of_total = total.map(|t| format!(" of {t}")).unwrap_or_default();
            Finding::new(
                    input::INCOMPLETE,
                    Severity::Warning,
                    format!(
                        "this Resource Graph result is one page ({rows} rows{of_total}): resources on other pages are not linted, and checks that need them cannot be complete"
                    ),
                    Label::new(self.file(), head(token)).with_message("more pages follow"),
                )
                .with_help(PAGES_HELP)
        });
        let last = match token {
            Some(_) => None,
            None => Some(
                Label::new(self.file(), total_value.map_or(head(root), |t| t.span()))
                    .with_message("the rows of the whole result"),
            ),
        };
        self.page = Some(Page {
            total,
            rows,
            // A token that is not text (an object, a number) is still a token: never a last
            // page, and never read as one that chains.
            token: token.map(|t| {
                t.as_str()
                    .map_or_else(|| t.source_text().to_string(), |s| s.into_owned())
            }),
            more,
            last,
        });
    }

    fn unrecognised(&mut self, root: Value<'d>) {
        self.findings.push(
            Finding::new(
                input::UNRECOGNISED,
                Severity::Warning,
                "this JSON is not an Azure export azlint recognises (a resource or array of resources, a Resource Graph result, a REST list, role assignments, or an ARM template or parameter file), so nothing in it is linted",
                Label::new(self.file(), head(root)).with_message("unrecognised"),
            )
            .with_help("see README.md, \"Exporting from Azure\", for the commands whose output azlint reads"),
        );
    }

    /// Effective routes or security rules: understood, and not read (a note, not IN003's
    /// warning: Cato's troubleshooting guide has users export them).
    fn effective(&mut self, root: Value<'d>) {
        self.findings.push(
            Finding::new(
                input::UNRECOGNISED,
                Severity::Note,
                "these are a NIC's effective routes or security rules as Azure computed them; azlint computes them itself from the route tables and NSGs among the inputs and does not read this file",
                Label::new(self.file(), head(root)).with_message("not read"),
            )
            .with_help("export the route tables and NSGs (az network route-table show, az network nsg show) for the routing and NSG checks"),
        );
    }

    /// Adds a resource and the children embedded in it.
    fn resource(
        &mut self,
        v: Value<'d>,
        fields: Fields<'d>,
        embedded_in: Option<(usize, &str)>,
        template: bool,
    ) {
        let doc = self.document;
        let Fields {
            ty: type_field,
            id: id_field,
            name: name_field,
            properties: props_field,
            role_assignment,
            role_definition,
        } = fields;
        let own_type = type_field
            .filter(|t| !(template && is_expression(*t)))
            .and_then(|t| t.as_str())
            .map(|t| t.to_lowercase())
            .or_else(|| role_assignment.then(|| crate::shape::ROLE_ASSIGNMENT_TYPE.to_string()))
            .or_else(|| role_definition.then(|| crate::shape::ROLE_DEFINITION_TYPE.to_string()));
        let parent = embedded_in.map(|(i, _)| &self.resources[i]);
        let type_lc: Box<str> = match (own_type, embedded_in) {
            (Some(t), _) => t.into(),
            (None, Some((_, segment))) => parent
                .map(|p| format!("{}/{}", p.type_lc, segment.to_lowercase()))
                .unwrap_or_default()
                .into(),
            (None, None) => "".into(),
        };
        let literal = |field: Option<Value<'d>>| {
            field
                .filter(|x| !(template && is_expression(*x)))
                .and_then(|x| x.as_str())
        };
        // A template's resource whose name is known only at deployment has its id as an
        // expression (`[resourceId('<type>', <name>)]`): the same text names it elsewhere in
        // the same template (not in another, where the same parameter is another value), so
        // that text, in that file, is its key (see `Inventory::get_in`).
        let expression_id = id_field
            .filter(|x| template && is_expression(*x))
            .and_then(|x| x.as_str());
        let key = match (literal(id_field), expression_id) {
            (Some(id), _) => Some(Arc::from(id_key(&id))),
            (None, Some(expr)) => Some(Arc::from(crate::expression_key(doc.file, &expr))),
            (None, None) => match (
                parent.and_then(|p| p.key.as_deref()),
                embedded_in,
                literal(name_field),
            ) {
                (Some(pk), Some((_, segment)), Some(name)) => Some(Arc::from(format!(
                    "{pk}/{}/{}",
                    segment.to_lowercase(),
                    name.to_lowercase()
                ))),
                // An embedded child named only at deployment (a subnet named
                // `concat('lan-', uniqueString(...))`): the key of the id a reference to it
                // writes, `resourceId(<type>, <parent>, <name>)`.
                (Some(pk), Some((_, segment)), None) if template => name_field
                    .filter(|n| is_expression(*n))
                    .and_then(|n| n.as_str())
                    .and_then(|name| crate::embedded_expression_key(doc.file, pk, segment, &name))
                    .map(Arc::from),
                _ => None,
            },
        };
        let props = match props_field {
            Some(p) if p.is_object() => Props::Object(p.index()),
            Some(p) if p.is_null() => Props::Null(p.index()),
            Some(p) if template && is_expression(p) => Props::Expression(p.index()),
            Some(p) => Props::Malformed(p.index()),
            None => Props::Flattened,
        };
        let idx = self.resources.len();
        self.resources.push(RawResource {
            node: v.index(),
            props,
            type_lc: type_lc.clone(),
            key_hash: key.as_deref().map_or(0, crate::key_hash),
            key,
            embedded_in: embedded_in.map(|(i, _)| i),
        });
        self.duplicate_keys(v);
        let props_value = match props {
            Props::Object(n) => doc.value(n),
            Props::Flattened => v,
            Props::Null(_) | Props::Expression(_) | Props::Malformed(_) => return,
        };
        if let Props::Object(_) = props {
            self.duplicate_keys(props_value);
        }
        for (parent_type, property, segment) in EMBEDDED_CHILDREN {
            if *type_lc != **parent_type {
                continue;
            }
            if let Some(children) = props_value.get_ignore_case(property) {
                for child in children.elements().filter(|c| c.is_object()) {
                    if reference_only(child) {
                        continue;
                    }
                    self.resource(child, Fields::read(child), Some((idx, segment)), template);
                }
            }
        }
    }

    /// Warns about a key written twice in an object (compared ignoring ASCII case, as Azure
    /// compares them): Azure keeps one of them, and rules may read the other.
    fn duplicate_keys(&mut self, obj: Value<'d>) {
        // Resource objects are small. Each key has a signature in the tree (length and bytes
        // folded to lower case, see `Value::key_signature`); only keys with equal signatures
        // are compared, so the usual object, with no duplicate, costs one pass over the tree,
        // no read of the source and no allocation. A key with escapes is compared as written,
        // under a signature of its source text with the top bit set (it never equals a key
        // without escapes).
        let mut seen = [0u64; MAX_SMALL_OBJECT];
        for (i, (k, _)) in obj.members().enumerate() {
            if i == MAX_SMALL_OBJECT {
                // A large object: one pass with a map, so that a hostile object with
                // many keys of one signature stays linear.
                return self.duplicate_keys_large(obj);
            }
            let sig = k.key_signature().unwrap_or_else(|| {
                azlint_source::json::length_signature(k.source_text().as_bytes()) | 1 << 63
            });
            let candidate = seen[..i].contains(&sig);
            seen[i] = sig;
            if candidate {
                let raw = k.source_text().as_bytes();
                let first = obj
                    .members()
                    .take(i)
                    .find(|(o, _)| o.source_text().as_bytes().eq_ignore_ascii_case(raw));
                if let Some((first, _)) = first {
                    self.duplicate_key(k, first);
                }
            }
        }
    }

    fn duplicate_keys_large(&mut self, obj: Value<'d>) {
        let mut first: std::collections::HashMap<Vec<u8>, Value<'d>> = Default::default();
        for (i, (k, _)) in obj.members().enumerate() {
            let folded = k.source_text().as_bytes().to_ascii_lowercase();
            match first.entry(folded) {
                // Keys before the 64th were reported by the first pass.
                std::collections::hash_map::Entry::Occupied(e) if i >= MAX_SMALL_OBJECT => {
                    let earlier = *e.get();
                    self.duplicate_key(k, earlier);
                }
                std::collections::hash_map::Entry::Occupied(_) => {}
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(k);
                }
            }
        }
    }

    fn duplicate_key(&mut self, key: Value<'d>, first: Value<'d>) {
        let name = key.as_str().unwrap_or_default();
        let earlier = first.as_str().unwrap_or_default();
        // Keys that differ only in case are one key to Azure: say so, or the warning reads
        // as a false alarm.
        let repeated = if earlier == name {
            format!("`{name}` is written twice in this object")
        } else {
            format!(
                "`{name}` repeats `{earlier}` in this object (Azure compares keys ignoring case)"
            )
        };
        self.findings.push(
            Finding::new(
                input::DUPLICATE_KEY,
                Severity::Warning,
                format!(
                    "{repeated}: Azure keeps one value (the last), and azlint may check the other"
                ),
                Label::new(self.file(), key.span()).with_message("again here"),
            )
            .with_secondary(Label::new(self.file(), first.span()).with_message("first here"))
            .with_help("keep one of them"),
        );
    }

    /// Resources of an ARM template, including child resources nested in `resources`.
    fn template(&mut self, root: Value<'d>) {
        if let Some(resources) = root.get_ignore_case("resources") {
            self.template_resources(resources, None);
        }
    }

    fn template_resources(&mut self, resources: Value<'d>, parent: Option<(String, String)>) {
        // languageVersion 2.0 keys resources by symbolic name; 1.0 lists them.
        let items: Vec<Value<'d>> = if resources.is_object() {
            resources.members().map(|(_, v)| v).collect()
        } else {
            resources.elements().collect()
        };
        for r in items.into_iter().filter(|r| r.is_object()) {
            let start = self.resources.len();
            self.resource(r, Fields::read(r), None, true);
            let full = self.template_child_type(r, &parent, start);
            if let Some(nested) = r.get_ignore_case("resources") {
                self.template_resources(nested, full);
            }
        }
    }

    /// A nested template resource writes its type and name relative to its parent
    /// (`subnets`, `lan`); the inventory records the full type. Returns this resource's
    /// full type and name for its own children.
    fn template_child_type(
        &mut self,
        r: Value<'d>,
        parent: &Option<(String, String)>,
        idx: usize,
    ) -> Option<(String, String)> {
        let own_type = self.resources.get(idx)?.type_lc.to_string();
        let name = r
            .get_ignore_case("name")
            .and_then(|n| n.as_str())
            .map(|n| n.into_owned())
            .unwrap_or_default();
        let (full_type, full_name) = match parent {
            Some((pt, pn)) if !own_type.contains('/') => {
                (format!("{pt}/{own_type}"), format!("{pn}/{name}"))
            }
            _ => (own_type, name),
        };
        if let Some(res) = self.resources.get_mut(idx) {
            res.type_lc = full_type.clone().into();
        }
        Some((full_type, full_name))
    }
}

#[cfg(test)]
mod duplicate_key_tests {
    use super::*;
    use azlint_source::SourceFile;

    /// The keys reported as duplicates (as written) and the keys they repeat.
    fn duplicates(text: &str) -> Vec<(String, String)> {
        let source = Arc::new(SourceFile::new("t.json", text));
        let tree = source.parse().expect("test JSON");
        let out = ingest(FileId(0), source, tree);
        out.findings
            .iter()
            .filter(|f| f.code == input::DUPLICATE_KEY.0)
            .map(|f| {
                let at = |l: &Label| {
                    l.span
                        .map(|s| text[s.start as usize..s.end as usize].to_string())
                };
                (
                    at(&f.primary).unwrap_or_default(),
                    f.secondary.first().and_then(at).unwrap_or_default(),
                )
            })
            .collect()
    }

    fn resource(extra_props: &str) -> String {
        format!(
            r#"{{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v",
                "name": "v", "type": "Microsoft.Network/virtualNetworks", "properties": {{{extra_props}}}}}"#
        )
    }

    #[test]
    fn keys_equal_ignoring_case_are_reported_once_each() {
        let text = resource(
            r#""dhcpOptions": 1, "DhcpOptions": 2, "dhcpoptionz": 3, "a\u0062": 4, "a\u0062": 5, "ab": 6"#,
        );
        assert_eq!(
            duplicates(&text),
            [
                (r#""DhcpOptions""#.into(), r#""dhcpOptions""#.into()),
                // Keys with escapes compare as written.
                (r#""a\u0062""#.into(), r#""a\u0062""#.into()),
            ]
        );
        assert!(duplicates(&resource(r#""name": 1, "type": 2, "tags": 3, "etag": 4"#)).is_empty());
    }

    #[test]
    fn a_repeat_in_another_case_says_that_case_does_not_matter() {
        let text = resource(r#""dhcpOptions": 1, "DhcpOptions": 2, "x": 3, "x": 4"#);
        let source = Arc::new(SourceFile::new("t.json", text.as_str()));
        let tree = source.parse().expect("test JSON");
        let messages: Vec<String> = ingest(FileId(0), source, tree)
            .findings
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert!(
            messages[0].starts_with("`DhcpOptions` repeats `dhcpOptions` in this object (Azure compares keys ignoring case)"),
            "{messages:?}"
        );
        assert!(
            messages[1].starts_with("`x` is written twice in this object:"),
            "{messages:?}"
        );
    }

    #[test]
    fn large_objects_are_checked_in_one_pass_without_repeats() {
        // Duplicates before and after the 64th key, each reported once, at its first copy.
        let mut props: Vec<String> = (0..200).map(|i| format!(r#""k{i:04}x": {i}"#)).collect();
        props.insert(10, r#""K0001X": 0"#.into());
        props.push(r#""k0150X": 0"#.into());
        let found = duplicates(&resource(&props.join(", ")));
        assert_eq!(
            found,
            [
                (r#""K0001X""#.into(), r#""k0001x""#.into()),
                (r#""k0150X""#.into(), r#""k0150x""#.into()),
            ]
        );
    }

    #[test]
    fn many_keys_with_one_signature_stay_linear() {
        // Same length, first two and last two bytes: every key shares a signature.
        // Quadratic work would compare 2e10 pairs: the test would not finish.
        let props: Vec<String> = (0..200_000)
            .map(|i| format!(r#""ab{i:07}yz": 0"#))
            .collect();
        assert!(duplicates(&resource(&props.join(","))).is_empty());
    }
}

#[cfg(test)]
mod classic_administrator_tests {
    use super::*;
    use azlint_source::SourceFile;

    fn ingested(text: &str) -> Ingested {
        let source = Arc::new(SourceFile::new("roles.json", text));
        let tree = source.parse().expect("test JSON");
        ingest(FileId(0), source, tree)
    }

    #[test]
    fn classic_administrator_rows_are_skipped_without_a_warning() {
        // `az role assignment list --include-classic-administrators`: one role assignment and
        // the row the CLI adds for a co-administrator.
        let text = r#"[
          {"id": "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/a",
           "name": "a", "type": "Microsoft.Authorization/roleAssignments",
           "principalId": "p", "roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
           "scope": "/subscriptions/s"},
          {"id": "NA(classic admins)", "name": "NA(classic admins)", "principalId": null,
           "principalName": "legacy@contoso.com", "roleDefinitionId": "NA(classic admin role)",
           "roleDefinitionName": "CoAdministrator", "scope": "/subscriptions/s"}
        ]"#;
        let out = ingested(text);
        assert_eq!(out.resources.len(), 1);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
        // Anything else that is not a resource is still reported.
        let other = ingested(&text.replace("NA(classic admins)\", \"name\"", "x\", \"name\""));
        assert_eq!(other.findings.len(), 1);
        assert_eq!(other.findings[0].code, input::UNRECOGNISED.0);
    }

    #[test]
    fn powershell_classic_administrator_rows_are_skipped_without_a_warning() {
        // `Get-AzRoleAssignment -IncludeClassicAdministrators`: a role assignment and the row
        // for the subscription's service and account administrator.
        let text = r#"[
          {"RoleAssignmentName": "a",
           "RoleAssignmentId": "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/a",
           "Scope": "/subscriptions/s", "DisplayName": "NetOps", "RoleDefinitionName": "Reader",
           "RoleDefinitionId": "acdd72a7-3385-48ef-bd42-f606fba81ae7", "ObjectId": "p",
           "ObjectType": "Group"},
          {"RoleAssignmentName": null, "RoleAssignmentId": null, "Scope": "/subscriptions/s",
           "DisplayName": "admin@contoso.com", "SignInName": "admin@contoso.com",
           "RoleDefinitionName": "ServiceAdministrator;AccountAdministrator",
           "RoleDefinitionId": null, "ObjectId": null, "ObjectType": "User"}
        ]"#;
        let out = ingested(text);
        assert_eq!(out.resources.len(), 1);
        assert!(out.findings.is_empty(), "{:?}", out.findings);
        // A row with a null id and another role is not one: it is reported.
        let other = ingested(&text.replace("ServiceAdministrator;AccountAdministrator", "Owner"));
        assert_eq!(other.findings.len(), 1, "{:?}", other.findings);
        assert_eq!(other.findings[0].code, input::UNRECOGNISED.0);
    }
}

#[cfg(test)]
mod page_tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Base64 of `{"$id":"1","MaxRows":10,"RowsToSkip":10,...}`, as Resource Graph writes it.
    const TEN: &str = "ew0KICAiJGlkIjogIjEiLA0KICAiTWF4Um93cyI6IDEwLA0KICAiUm93c1RvU2tpcCI6IDEwLA0KICAiS3VzdG9DbHVzdGVyVXJsIjogImh0dHBzOi8vYXJnLXdldS10aHJlZS1zZi5hcmcuY29yZS53aW5kb3dzLm5ldCINCn0=";

    #[test]
    fn skip_tokens_say_how_many_rows_come_before() {
        assert_eq!(rows_before_next(TEN), Some(10));
        assert_eq!(rows_before_next("not base64!"), None);
        assert_eq!(rows_before_next("e30="), None); // `{}`
    }

    #[test]
    fn pages_chain_from_the_first_row_to_one_last_page() {
        let set = |pages: &[(Option<&'static str>, usize)]| -> BTreeSet<(Option<&str>, usize)> {
            pages.iter().copied().collect()
        };
        assert!(chained(&set(&[(Some(TEN), 10), (None, 3)])));
        // The first page's token skips 10 rows, but it holds 9: a row is missing.
        assert!(!chained(&set(&[(Some(TEN), 9), (None, 3)])));
        // No last page, or the last page alone.
        assert!(!chained(&set(&[(Some(TEN), 10)])));
        assert!(!chained(&set(&[(None, 3)])));
        // A second last page is another query's single page.
        assert!(chained(&set(&[(Some(TEN), 10), (None, 3), (None, 4)])));
        // The first page fetched twice (its token text differs, its rows to skip do not).
        let again = "eyJSb3dzVG9Ta2lwIjogMTB9"; // {"RowsToSkip": 10}
        assert_eq!(rows_before_next(again), Some(10));
        assert!(chained(&set(&[
            (Some(TEN), 10),
            (Some(again), 10),
            (None, 3)
        ])));
        // A token that does not read as one breaks the chain.
        assert!(!chained(&set(&[
            (Some(TEN), 10),
            (Some("{}"), 2),
            (None, 3)
        ])));
    }
}
