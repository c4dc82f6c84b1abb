//! One inventory of Azure resources from every input of a run.
//!
//! Users export the same deployment in many ways (`az resource show`, Resource Graph, flattened
//! `az network ... show` objects, templates, `az role assignment list`) and pass several files
//! at once. This crate recognises each document's [`Shape`], finds the resources in it (and the
//! child resources embedded in them: subnets, routes, security rules), and merges everything into
//! one [`Inventory`] where a resource is one entry, keyed by its id compared case-insensitively,
//! however many times and in whichever shape it appeared.
//!
//! Values stay in their documents: a [`Resource`] records where it is, not a copy of it, and
//! lookups return borrowed [`Value`]s that know their exact byte range.

mod ingest;
pub mod shape;

use std::sync::Arc;

use azlint_source::{FileId, KeySet, Kind, SourceFile, Tree, Value};
use foldhash::HashMap;

pub use ingest::{ingest, ingest_evaluated, unfinished_pages, Ingested, Page};
pub use shape::Shape;

/// A parsed input and what kind of export it is.
#[derive(Debug)]
pub struct Document {
    pub file: FileId,
    pub source: Arc<SourceFile>,
    pub tree: Tree,
    pub shape: Shape,
    /// For a template azlint evaluated: why each remaining expression (an unknown value) is
    /// unknown, by the offset of its string.
    pub unknown_reasons: Option<Arc<HashMap<u32, String>>>,
    /// For a template azlint evaluated: the spans of the resources it deploys only if a
    /// `condition` holds that is unknown before deployment.
    pub conditional: Arc<[(u32, u32)]>,
    /// A page of a Resource Graph result whose other pages the inputs do not hold: resources
    /// of the result may be missing from the inputs.
    pub partial: bool,
}

impl Document {
    pub fn root(&self) -> Value<'_> {
        self.tree.root(self.source.text())
    }

    /// The value at a node index recorded earlier. Indexes come from this document's tree.
    pub fn value(&self, node: u32) -> Value<'_> {
        self.tree
            .value(self.source.text(), node)
            .unwrap_or_else(|| self.root())
    }

    /// Whether values are template language (strings in `[...]` are expressions).
    pub fn is_template(&self) -> bool {
        self.shape == Shape::Template
    }
}

/// Index of a document in [`Inventory::documents`].
pub type DocId = u32;
/// Index of a resource in the inventory.
pub type ResIdx = u32;

/// Where a value is: a document and a node in its tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    pub doc: DocId,
    pub node: u32,
}

/// Where a resource's properties are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Props {
    /// A `properties` object (nested ARM form).
    Object(u32),
    /// No `properties` key: the resource is in the flattened form of type-specific CLI
    /// commands (`az network nic show`), and its top level holds the properties.
    Flattened,
    /// `"properties": null`, as `az resource list` gives: the properties were not exported.
    Null(u32),
    /// `properties` is a template expression, unknown until the template is evaluated.
    Expression(u32),
    /// `properties` is neither an object nor null (a truncated or mangled export).
    Malformed(u32),
}

/// One Azure resource (or child resource), however many times the inputs hold it.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The occurrence the inventory reads.
    pub place: Place,
    pub props: Props,
    /// The resource type in lower case, e.g. `microsoft.network/virtualnetworks/subnets`.
    pub type_lc: Box<str>,
    /// The resource id in lower case, when the input gives it literally.
    pub key: Option<Arc<str>>,
    /// [`key_hash`] of `key`.
    key_hash: u64,
    /// The parent resource (a subnet's VNET), when it is in the inventory.
    pub parent: Option<ResIdx>,
    /// Whether this occurrence is embedded in its parent's properties.
    pub embedded: bool,
    /// Other occurrences of the same resource (another file, embedded and standalone).
    pub other_places: Vec<Occurrence>,
}

/// Where one occurrence of a resource is, and its properties there.
#[derive(Clone, Copy, Debug)]
pub struct Occurrence {
    pub place: Place,
    pub props: Props,
}

/// A resource as ingest finds it, before it is merged into the inventory.
#[derive(Clone, Debug)]
pub struct RawResource {
    pub node: u32,
    pub props: Props,
    pub type_lc: Box<str>,
    pub key: Option<Arc<str>>,
    /// [`key_hash`] of `key` (computed during ingest, in parallel; 0 without a key).
    pub key_hash: u64,
    /// Index, in the same document's list, of the resource this one is embedded in.
    pub embedded_in: Option<usize>,
}

/// The result of looking a property up.
#[derive(Clone, Debug)]
pub enum Lookup<'a> {
    Found(Value<'a>),
    /// The property is not there: Azure's default applies.
    Absent,
    /// The input cannot say: a rule must answer "cannot tell".
    Unknown(Unknown<'a>),
}

/// Why a value cannot be known, and where that shows.
#[derive(Clone, Debug)]
pub struct Unknown<'a> {
    pub reason: String,
    pub at: Option<Value<'a>>,
}

/// All resources of a run.
#[derive(Debug, Default)]
pub struct Inventory {
    documents: Vec<Document>,
    resources: Vec<Resource>,
    /// Resources by `key`, hashed with [`key_hash`] (the hashes are computed during ingest, in
    /// parallel, and kept with each resource: building and growing the table hashes nothing).
    by_key: hashbrown::HashTable<ResIdx>,
    by_type: HashMap<Box<str>, Vec<ResIdx>>,
    /// Children of each parent, in input order.
    by_parent: HashMap<ResIdx, Vec<ResIdx>>,
}

impl Inventory {
    /// Merges ingested documents, in the order given (which decides, among occurrences of one
    /// resource that are equally complete, which one is read).
    /// An inventory of JSON texts held in memory, each read as one input file (`(name,
    /// text)`): for tests and tools that build exports themselves. A text that is not JSON is
    /// an error naming the file.
    pub fn from_texts(files: &[(&str, &str)]) -> Result<Inventory, String> {
        let mut ingested = Vec::with_capacity(files.len());
        for (i, (name, text)) in files.iter().enumerate() {
            let source = Arc::new(SourceFile::new(*name, *text));
            let tree = source.parse().map_err(|e| format!("{name}: {e}"))?;
            ingested.push(ingest(FileId(i as u32), source, tree));
        }
        Ok(Inventory::build(ingested))
    }

    pub fn build(inputs: Vec<Ingested>) -> Inventory {
        let mut inv = Inventory::default();
        let total: usize = inputs.iter().map(|i| i.resources.len()).sum();
        inv.resources.reserve(total);
        inv.by_key.reserve(total, |_| 0);
        for input in inputs {
            let doc = inv.documents.len() as DocId;
            inv.documents.push(input.document);
            let mut local: Vec<ResIdx> = Vec::with_capacity(input.resources.len());
            for raw in input.resources {
                let place = Place {
                    doc,
                    node: raw.node,
                };
                let embedded = raw.embedded_in.is_some();
                let parent = raw.embedded_in.and_then(|i| local.get(i).copied());
                let idx = inv.insert(raw, place, embedded, parent);
                local.push(idx);
            }
        }
        inv.link_parents();
        inv
    }

    fn insert(
        &mut self,
        raw: RawResource,
        place: Place,
        embedded: bool,
        parent: Option<ResIdx>,
    ) -> ResIdx {
        let existing = raw
            .key
            .as_deref()
            .and_then(|k| self.find_key(k, raw.key_hash));
        if let Some(existing) = existing {
            let old = &mut self.resources[existing as usize];
            let rank = |props: Props, embedded: bool| {
                (matches!(props, Props::Object(_) | Props::Flattened) as u8) * 2 + (!embedded) as u8
            };
            if rank(raw.props, embedded) > rank(old.props, old.embedded) {
                old.other_places.push(Occurrence {
                    place: old.place,
                    props: old.props,
                });
                old.place = place;
                old.props = raw.props;
                old.embedded = embedded;
            } else {
                old.other_places.push(Occurrence {
                    place,
                    props: raw.props,
                });
            }
            if old.parent.is_none() {
                old.parent = parent;
            }
            return existing;
        }
        let idx = self.resources.len() as ResIdx;
        if raw.key.is_some() {
            let resources = &self.resources;
            // Growing rehashes the entries already in the table, all of them in `resources`
            // (the table is reserved for every resource up front, so it does not grow anyway).
            self.by_key
                .insert_unique(raw.key_hash, idx, |&i| resources[i as usize].key_hash);
        }
        match self.by_type.get_mut(&raw.type_lc) {
            Some(list) => list.push(idx),
            None => {
                self.by_type.insert(raw.type_lc.clone(), vec![idx]);
            }
        }
        self.resources.push(Resource {
            place,
            props: raw.props,
            type_lc: raw.type_lc,
            key: raw.key,
            key_hash: raw.key_hash,
            parent,
            embedded,
            other_places: Vec::new(),
        });
        idx
    }

    /// Child resources given as separate entries (`az group export`, `.../subnets` lists) find
    /// their parent by id.
    fn link_parents(&mut self) {
        for i in 0..self.resources.len() {
            let r = &self.resources[i];
            if r.parent.is_some() || r.type_lc.matches('/').count() < 2 {
                continue;
            }
            let Some(key) = &r.key else { continue };
            let template = self.documents[r.place.doc as usize].is_template();
            let parent = match split_expression_key(key) {
                Some((text, file)) if template => self.expression_parent(text, file),
                _ => parent_key(key).and_then(|p| self.find_key(p, key_hash(p))),
            };
            self.resources[i].parent = parent;
        }
        for (i, r) in self.resources.iter().enumerate() {
            if let Some(p) = r.parent {
                self.by_parent.entry(p).or_default().push(i as ResIdx);
            }
        }
    }

    /// The parent of a template resource whose id is an expression ([`expression_key`]:
    /// `text` in the template `file`): a resource of that template whose id is the parent's
    /// expression, else the one of the template's placeholder scope with that id (a subnet
    /// named at deployment, of a VNET with a literal name).
    fn expression_parent(&self, text: &str, file: &str) -> Option<ResIdx> {
        let parent = parent_key(text)?;
        self.get_key(&format!("{parent}#{file}"))
    }

    /// The resource whose key is `key`, a key as the inventory makes them: an id's
    /// ([`id_key`]), or a template's for an id known only at deployment ([`reference_key`]
    /// gives both), which names, when no resource of the template has that expression for id
    /// and the expression is known but for the deployment's own scope, the resource of the
    /// template's placeholder scope with that id (a subnet named at deployment, of a VNET with
    /// a literal name).
    ///
    /// [`reference_key`]: Inventory::reference_key
    pub fn get_key(&self, key: &str) -> Option<ResIdx> {
        self.find_key(key, key_hash(key)).or_else(|| {
            let (text, _) = split_expression_key(key)?;
            let plain = azlint_arm::text::in_placeholder_scope(text)?;
            self.find_key(&plain, key_hash(&plain))
        })
    }

    /// The key of the resource an id written in `from`'s document names, for
    /// [`Inventory::get_key`]: in a template, an id known only at deployment names the
    /// resource of that template whose id is the same expression (as [`Inventory::get_in`]).
    pub fn reference_key(&self, from: ResIdx, id: &str) -> String {
        let doc = self.document_of(from);
        if doc.is_template() && is_expression_text(id) {
            expression_key(doc.file, id)
        } else {
            id_key(id)
        }
    }

    /// Resources given twice, in two exports (neither a template), whose copies say
    /// different things: the copy read, the other, and the first setting they disagree on
    /// ([`first_difference`]). Exports of one resource made at different times (a fresh `az
    /// network nsg show` next to an older Resource Graph export) may disagree, and which one
    /// azlint checks then decides what it reports. Keys compare ignoring case, strings too
    /// (Resource Graph lower-cases some ids), the nested and flattened forms compare alike,
    /// and what changes without a change of settings (`etag`, `provisioningState`, a VM's
    /// power state) or is written by one tool only is not compared.
    pub fn conflicting_copies(&self) -> Vec<(ResIdx, Place, String)> {
        use rayon::prelude::*;
        // Large exports given twice are compared on every core, in input order.
        let found: Vec<(ResIdx, Place, String)> = (0..self.resources.len())
            .into_par_iter()
            .flat_map_iter(|i| self.copies_that_differ(i as ResIdx))
            .collect();
        // A subnet or rule embedded in a resource that differs is part of that difference:
        // it is told once, at the resource.
        let differing: foldhash::HashSet<ResIdx> = found.iter().map(|(r, _, _)| *r).collect();
        found
            .into_iter()
            .filter(|(r, _, _)| {
                self.resources[*r as usize]
                    .parent
                    .is_none_or(|p| !differing.contains(&p))
            })
            .collect()
    }

    /// The other copies of one resource that differ from the one read.
    fn copies_that_differ(&self, i: ResIdx) -> Vec<(ResIdx, Place, String)> {
        let r = &self.resources[i as usize];
        // A role assignment cannot be changed, only replaced under a new name: two copies
        // are the same assignment, whatever each tool writes (a bare role GUID, times).
        if r.other_places.is_empty() || &*r.type_lc == crate::shape::ROLE_ASSIGNMENT_TYPE {
            return Vec::new();
        }
        // An embedded subnet or rule whose parent is given twice too is compared with it.
        let parent_twice = r
            .parent
            .is_some_and(|p| !self.resources[p as usize].other_places.is_empty());
        if r.embedded && parent_twice {
            return Vec::new();
        }
        let doc = self.document(r.place.doc);
        if doc.is_template() {
            return Vec::new();
        }
        // `az resource list` leaves the settings out (`"properties": null`): nothing to
        // compare them with.
        let unexported =
            |v: Value<'_>| v.get_ignore_case("properties").is_some_and(|p| p.is_null());
        let here = doc.value(r.place.node);
        if unexported(here) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for &Occurrence { place: other, .. } in &r.other_places {
            let other_doc = self.document(other.doc);
            if other.doc == r.place.doc || other_doc.is_template() {
                continue;
            }
            let there = other_doc.value(other.node);
            if unexported(there) {
                continue;
            }
            if let Some(at) = first_difference(here, there, 0) {
                out.push((i, other, at));
            }
        }
        out
    }

    pub fn documents(&self) -> &[Document] {
        &self.documents
    }

    /// The document whose tree holds `v`.
    pub fn document_holding(&self, v: Value<'_>) -> Option<&Document> {
        self.documents.iter().find(|d| d.root().same_tree(&v))
    }

    pub fn document(&self, doc: DocId) -> &Document {
        &self.documents[doc as usize]
    }

    pub fn len(&self) -> usize {
        self.resources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    pub fn resource(&self, idx: ResIdx) -> &Resource {
        &self.resources[idx as usize]
    }

    /// Every resource, in input order.
    pub fn iter(&self) -> impl Iterator<Item = (ResIdx, &Resource)> {
        self.resources
            .iter()
            .enumerate()
            .map(|(i, r)| (i as ResIdx, r))
    }

    /// Resources of one type, in input order. `type_lc` must be lower case.
    pub fn of_type(&self, type_lc: &str) -> &[ResIdx] {
        self.by_type.get(type_lc).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The resource with this id, compared case-insensitively.
    ///
    /// Facts and rules resolve hundreds of thousands of references on a large export: an id
    /// that is ASCII and not too long (nearly all are) is lower-cased on the stack rather than
    /// into a new `String`. The key is the same as [`id_key`]'s.
    pub fn get(&self, id: &str) -> Option<ResIdx> {
        const MAX_STACK_ID: usize = 512;
        let trimmed = id.trim().trim_end_matches('/');
        if trimmed.starts_with('[') && is_expression_text(trimmed) {
            return self.get_expression(trimmed);
        }
        if trimmed.is_ascii() && trimmed.len() <= MAX_STACK_ID {
            let mut buf = [0u8; MAX_STACK_ID];
            let key = &mut buf[..trimmed.len()];
            key.copy_from_slice(trimmed.as_bytes());
            key.make_ascii_lowercase();
            // ASCII stays ASCII, so this is valid UTF-8.
            if let Ok(key) = std::str::from_utf8(key) {
                return self.find_key(key, key_hash(key));
            }
        }
        let key = id_key(id);
        self.find_key(&key, key_hash(&key))
    }

    /// A template resource whose id is the expression `id`, when only one template has one
    /// (read where it is written, [`Inventory::get_in`] says which).
    fn get_expression(&self, id: &str) -> Option<ResIdx> {
        let mut found = None;
        for doc in self.documents.iter().filter(|d| d.is_template()) {
            let key = expression_key(doc.file, id);
            // (A file may hold more than one document.)
            if let Some(r) = self.find_key(&key, key_hash(&key)) {
                if found.is_some_and(|f| f != r) {
                    return None;
                }
                found = Some(r);
            }
        }
        found
    }

    /// [`Inventory::get`] for an id written in `from`'s document: in a template, an id known
    /// only at deployment (an expression) names the resource of that template whose id is the
    /// same expression.
    pub fn get_in(&self, from: ResIdx, id: &str) -> Option<ResIdx> {
        let doc = self.document_of(from);
        if doc.is_template() && is_expression_text(id) {
            let key = expression_key(doc.file, id);
            return self.find_key(&key, key_hash(&key));
        }
        self.get(id)
    }

    /// The resource whose key is `key` (already in lower case), given its [`key_hash`].
    fn find_key(&self, key: &str, hash: u64) -> Option<ResIdx> {
        self.by_key
            .find(hash, |&i| {
                self.resources[i as usize].key.as_deref() == Some(key)
            })
            .copied()
    }

    /// Children of `parent` of type `type_lc`, in input order.
    pub fn children<'s>(
        &'s self,
        parent: ResIdx,
        type_lc: &'s str,
    ) -> impl Iterator<Item = ResIdx> + 's {
        self.by_parent
            .get(&parent)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .copied()
            .filter(move |&c| &*self.resources[c as usize].type_lc == type_lc)
    }

    /// Maps `f` over `list` in parallel, in order, prefetching each resource's tree and
    /// text a few places ahead: on a large export the resources are cold by the time facts
    /// and rules read them, and the misses of the next ones then overlap with the work on
    /// this one.
    pub fn map_resources<T: Send>(
        &self,
        list: &[ResIdx],
        f: impl Fn(ResIdx) -> T + Sync,
    ) -> Vec<T> {
        use rayon::prelude::*;
        list.par_chunks(256)
            .flat_map_iter(|chunk| {
                chunk.iter().enumerate().map(|(j, &res)| {
                    self.prefetch_ahead(chunk, j, |&r| r);
                    f(res)
                })
            })
            .collect()
    }

    /// Prefetches the resources of a work list after position `j` (see
    /// [`Inventory::map_resources`]): the root node four places ahead, then (that node being
    /// in cache) the tree and text two places ahead.
    pub fn prefetch_ahead<T>(&self, list: &[T], j: usize, resource: impl Fn(&T) -> ResIdx) {
        /// Most resources are smaller; larger ones are read from their start.
        const BYTES: usize = 8 << 10;
        if let Some(ahead) = list.get(j + 4) {
            self.value(resource(ahead)).prefetch_node();
        }
        if let Some(ahead) = list.get(j + 2) {
            self.value(resource(ahead)).prefetch_all(BYTES);
        }
    }

    /// The resource object itself.
    pub fn value(&self, idx: ResIdx) -> Value<'_> {
        let p = self.resources[idx as usize].place;
        self.document(p.doc).value(p.node)
    }

    /// Every occurrence of a resource: the one read first, then the others in input order.
    pub fn occurrences(&self, idx: ResIdx) -> impl Iterator<Item = Occurrence> + '_ {
        let r = &self.resources[idx as usize];
        std::iter::once(Occurrence {
            place: r.place,
            props: r.props,
        })
        .chain(r.other_places.iter().copied())
    }

    /// Whether some input is a page of a Resource Graph result whose other pages the inputs do
    /// not hold (see [`unfinished_pages`]): any resource may be missing.
    pub fn partial(&self) -> bool {
        self.documents.iter().any(|d| d.partial)
    }

    /// The document a resource is read from.
    pub fn document_of(&self, idx: ResIdx) -> &Document {
        self.document(self.resources[idx as usize].place.doc)
    }

    /// Whether the resource is deployed only if a `condition` unknown before deployment holds
    /// (in an evaluated template): what depends on it cannot be told.
    pub fn is_conditional(&self, idx: ResIdx) -> bool {
        let doc = self.document_of(idx);
        if doc.conditional.is_empty() {
            return false;
        }
        let span = self.value(idx).span();
        doc.conditional
            .iter()
            .any(|&(start, end)| start <= span.start && span.end <= end)
    }

    /// The resource's `name`, as written.
    pub fn name(&self, idx: ResIdx) -> Option<Value<'_>> {
        self.value(idx).get_ignore_case("name")
    }

    /// The resource's id as written, when it has one; else its key (for a template's child named
    /// only at deployment, the expression of its id).
    pub fn id(&self, idx: ResIdx) -> Option<String> {
        self.value(idx)
            .get_ignore_case("id")
            .and_then(|v| v.as_str())
            .map(|s| s.into_owned())
            .or_else(|| {
                let key = self.resources[idx as usize].key.as_deref()?;
                // A template's child named only at deployment, its id not written out: the
                // expression of that id.
                Some(match split_expression_key(key) {
                    Some((text, _)) => azlint_arm::text::expression_of(text),
                    None => key.to_string(),
                })
            })
    }

    /// Looks a property up under the resource's properties (`["dhcpOptions", "dnsServers"]`).
    pub fn prop(&self, idx: ResIdx, path: &[&str]) -> Lookup<'_> {
        let r = &self.resources[idx as usize];
        self.prop_in(
            Occurrence {
                place: r.place,
                props: r.props,
            },
            path,
        )
    }

    /// [`Inventory::prop`] in one occurrence of a resource ([`Inventory::occurrences`]).
    pub fn prop_in(&self, o: Occurrence, path: &[&str]) -> Lookup<'_> {
        let doc = self.document(o.place.doc);
        let start = match o.props {
            Props::Object(n) => doc.value(n),
            Props::Flattened => doc.value(o.place.node),
            Props::Null(n) => {
                return Lookup::Unknown(Unknown {
                    reason: "its properties are null in this export (`az resource list` does not export properties; use `az resource show --ids ...`)".into(),
                    at: Some(doc.value(n)),
                })
            }
            Props::Expression(n) => {
                return Lookup::Unknown(Unknown {
                    reason: "its properties are a template expression, unknown until the template is evaluated".into(),
                    at: Some(doc.value(n)),
                })
            }
            Props::Malformed(n) => {
                return Lookup::Unknown(Unknown {
                    reason: "its `properties` is not an object (is the export truncated?)".into(),
                    at: Some(doc.value(n)),
                })
            }
        };
        walk(doc, start, path)
    }

    /// Looks several properties up in one pass over the resource's properties: `found[i]` is
    /// what [`Inventory::prop`] gives for the path `[keys[i]]`. Reading a resource key by key
    /// scans its members once per key; facts read several keys of every vSocket NIC, subnet
    /// and role assignment.
    pub fn props<const N: usize>(&self, idx: ResIdx, keys: &KeySet<N>) -> [Lookup<'_>; N] {
        let start = match self.prop(idx, &[]) {
            Lookup::Found(v) => v,
            // The properties themselves are unknown (or, never for an empty path, absent).
            other => return std::array::from_fn(|_| other.clone()),
        };
        let doc = self.document_of(idx);
        let mut found = [None; N];
        start.pick_keys(keys, &mut found);
        found.map(|v| match v {
            None => Lookup::Absent,
            Some(v) => match unknown_value(doc, v) {
                Some(u) => Lookup::Unknown(u),
                None => Lookup::Found(v),
            },
        })
    }

    /// Looks a value up from the resource object's top level (`["identity", "type"]`).
    pub fn top(&self, idx: ResIdx, path: &[&str]) -> Lookup<'_> {
        walk(self.document_of(idx), self.value(idx), path)
    }
}

/// Follows `path` from `start`; nested objects may be in nested or flattened form.
pub fn walk<'a>(doc: &'a Document, start: Value<'a>, path: &[&str]) -> Lookup<'a> {
    let mut v = start;
    for key in path {
        if let Some(u) = unknown_value(doc, v) {
            return Lookup::Unknown(u);
        }
        match v.get_ignore_case(key) {
            Some(next) => v = next,
            None => return Lookup::Absent,
        }
    }
    match unknown_value(doc, v) {
        Some(u) => Lookup::Unknown(u),
        None => Lookup::Found(v),
    }
}

/// The properties of an embedded object (an ipConfiguration, a subnet in a VNET): its
/// `properties` object in the nested form, or itself in the flattened form.
pub fn props_of(v: Value<'_>) -> Value<'_> {
    match v.get_ignore_case("properties") {
        Some(p) if p.is_object() => p,
        _ => v,
    }
}

/// Whether `v` is unknown: a template expression before evaluation, or what PowerShell's
/// `ConvertTo-Json` wrote as text for an object or list deeper than its `-Depth`.
pub fn unknown_value<'a>(doc: &Document, v: Value<'a>) -> Option<Unknown<'a>> {
    if !doc.is_template() {
        return powershell_text(v).then(|| Unknown {
            reason: format!(
                "`{}` is PowerShell's text for an object or a list that `ConvertTo-Json` did not write out (export again with `-Depth 100`)",
                excerpt(&v.as_str().unwrap_or_default())
            ),
            at: Some(v),
        });
    }
    if is_expression(v) {
        if let Some(reason) = doc
            .unknown_reasons
            .as_ref()
            .and_then(|r| r.get(&v.span().start))
        {
            return Some(Unknown {
                reason: reason.clone(),
                at: Some(v),
            });
        }
        Some(Unknown {
            reason: format!(
                "`{}` is a template expression, unknown until the template is evaluated",
                v.as_str().unwrap_or_default()
            ),
            at: Some(v),
        })
    } else {
        None
    }
}

/// Whether `v` is the text PowerShell's `ConvertTo-Json` writes for an object or a list below
/// its `-Depth` (2 by default): the object's type name (`System.Object[]`,
/// `System.Collections.Generic.List`1[System.String]`,
/// `Microsoft.Azure.Commands.Network.Models.PSSubnet`) or a hashtable's `@{Id=...}`. No Azure
/// value is written so.
pub fn powershell_text(v: Value<'_>) -> bool {
    // Quick: most values looked up are objects, arrays or numbers, told from the tree alone
    // without reading the source (which is cold in a large export); most strings start
    // otherwise.
    if !v.is_string() {
        return false;
    }
    if !matches!(v.source_text().as_bytes(), [b'"', b'S' | b'M' | b'@', ..]) {
        return false;
    }
    let Some(s) = v.as_str() else {
        return false;
    };
    if s.starts_with("@{") {
        return s.ends_with('}');
    }
    ["System.", "Microsoft.Azure."]
        .iter()
        .any(|p| s.starts_with(p))
        && !s.contains(char::is_whitespace)
        && s.split(['.', '`', '[', ']', ','])
            .all(|part| part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// A value's text for a message, shortened to its first 60 characters.
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

/// What an unknown value of an evaluated template stands for: its canonical expression in
/// lower case (`[reference('<id>', 'full').properties.principalid]`). Two values with the same
/// symbol are the same value once deployed, so rules may join on them; `None` for known
/// values and for inputs azlint did not evaluate.
pub fn symbol(doc: &Document, l: &Lookup<'_>) -> Option<String> {
    match l {
        Lookup::Unknown(Unknown { at: Some(v), .. })
            if doc.unknown_reasons.is_some() && doc.is_template() && is_expression(*v) =>
        {
            v.as_str().map(|s| s.trim().to_lowercase())
        }
        _ => None,
    }
}

/// ARM's rule: a string in brackets is an expression, unless it starts with `[[`.
pub fn is_expression(v: Value<'_>) -> bool {
    v.as_str().is_some_and(|s| is_expression_text(&s))
}

/// [`is_expression`] for text already read.
pub fn is_expression_text(s: &str) -> bool {
    let s = s.trim();
    s.starts_with('[') && !s.starts_with("[[") && s.ends_with(']')
}

/// The hash the inventory indexes keys by. One random seed per process (like std's maps, so
/// that ids crafted to collide cannot make lookups quadratic), shared by ingest, which hashes
/// in parallel, and lookups; the table is never iterated, so output does not depend on it.
pub fn key_hash(key: &str) -> u64 {
    use std::hash::BuildHasher;
    static STATE: std::sync::LazyLock<foldhash::fast::RandomState> =
        std::sync::LazyLock::new(Default::default);
    STATE.hash_one(key)
}

/// The canonical text and the file of an [`expression_key`]; `None` for the key of a plain id
/// (ids hold no `#`). Only a template's resources have such keys.
pub fn split_expression_key(key: &str) -> Option<(&str, &str)> {
    key.rsplit_once('#')
}

/// The key of a template resource whose id is an expression: the expression's canonical
/// text, and the file (the same expression in another template is another value).
pub(crate) fn expression_key(file: FileId, id: &str) -> String {
    // One key for the spellings of an id whose known parts are the same: a NIC that names
    // its subnet `resourceId(<type>, 'vnet', concat(parameters('site'), '-lan'))` finds the
    // subnet declared as `format('vnet/{0}-lan', parameters('site'))`.
    let id = id.trim();
    let text = azlint_arm::text::canonical(id).unwrap_or_else(|| id_key(id));
    format!("{text}#{}", file.0)
}

/// The key of a child embedded in a template resource whose key is `parent_key` (an id's, or
/// an [`expression_key`]), under `segment` (`subnets`), named by the expression `name`: the
/// [`expression_key`] of `resourceId(<type>, <parent's name>, <name>)`.
pub(crate) fn embedded_expression_key(
    file: FileId,
    parent_key: &str,
    segment: &str,
    name: &str,
) -> Option<String> {
    let parent = match split_expression_key(parent_key) {
        Some((text, _)) => text.to_string(),
        None => azlint_arm::text::canonical(parent_key)?,
    };
    let name = azlint_arm::text::canonical(name.trim())?;
    Some(format!(
        "{parent}/{}/{name}#{}",
        segment.to_lowercase(),
        file.0
    ))
}

/// The lookup key of a resource id: lower case, without a trailing slash.
pub fn id_key(id: &str) -> String {
    id.trim().trim_end_matches('/').to_lowercase()
}

/// Keys one tool writes and another does not, or that change without a change of settings.
const NOT_COMPARED: &[&str] = &[
    "etag",
    "provisioningState",
    "managedBy",
    "systemData",
    "tenantId",
    "subscriptionId",
    "resourceGroup",
    "resourceGuid",
    "properties",
    // References back to the resource that uses this one, set on that resource: a public
    // IP's NIC configuration, a NIC's VM (lists of them are recognised by their shape).
    "ipConfiguration",
    "virtualMachine",
    // What the VM is doing, not how it is set (`az vm show -d`, instance views).
    "powerState",
    "instanceView",
    "privateIps",
    "publicIps",
    "macAddresses",
    "fqdns",
    // When and by whom, not what: tools write the times in different formats.
    "createdOn",
    "createdBy",
    "updatedOn",
    "updatedBy",
    "timeCreated",
    "createdTime",
    "changedTime",
];

/// The members of an object with those of its `properties` object, as one list: the nested
/// (ARM) and the flattened (CLI) forms of a resource read alike.
fn settings<'a>(v: Value<'a>) -> Vec<(std::borrow::Cow<'a, str>, Value<'a>)> {
    let mut out = Vec::new();
    let mut add = |obj: Value<'a>| {
        for (k, m) in obj.members() {
            let Some(k) = k.as_str() else { continue };
            if !NOT_COMPARED.iter().any(|n| n.eq_ignore_ascii_case(&k)) {
                out.push((k, m));
            }
        }
    };
    add(v);
    if let Some(p) = v.get_ignore_case("properties").filter(|p| p.is_object()) {
        add(p);
    }
    // Sorted ignoring case, to be walked side by side with another copy's.
    out.sort_by(|p, q| ignore_case(&p.0, &q.0));
    out
}

/// Orders keys as ARM compares them: ignoring ASCII case.
fn ignore_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// The first setting on which two copies of a resource disagree, as a path
/// (`securityRules[2].access`); `None` when they agree on every setting both show.
///
/// Tools write the same settings differently, and none of that is a disagreement: a
/// PowerShell enum as its number where az writes its name, a one-element list where az writes
/// the value, `null` where another tool writes `{}` or leaves the key out, lists of references
/// back to other resources (a subnet's `ipConfigurations`), which grow as resources join. A
/// reference one copy gives (`networkSecurityGroup: {id}`) and the other sets to `null` or
/// leaves out is a disagreement: that is how attaching and detaching shows.
fn first_difference(a: Value<'_>, b: Value<'_>, depth: u32) -> Option<String> {
    if depth > 64 {
        return None;
    }
    match (a.kind(), b.kind()) {
        (Kind::Object, Kind::Object) => {
            // Sorted by key and walked together: n log n in the members, however many.
            let (x, y) = (settings(a), settings(b));
            let (mut i, mut j) = (0, 0);
            while i < x.len() || j < y.len() {
                let order = match (x.get(i), y.get(j)) {
                    (Some(p), Some(q)) => ignore_case(&p.0, &q.0),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    _ => std::cmp::Ordering::Greater,
                };
                match order {
                    std::cmp::Ordering::Less => {
                        if is_reference(x[i].1) || is_id(&x[i].0) {
                            return Some(x[i].0.to_string());
                        }
                        i += 1;
                    }
                    std::cmp::Ordering::Greater => {
                        if is_reference(y[j].1) || is_id(&y[j].0) {
                            return Some(y[j].0.to_string());
                        }
                        j += 1;
                    }
                    std::cmp::Ordering::Equal => {
                        if let Some(d) = first_difference(x[i].1, y[j].1, depth + 1) {
                            return Some(match d.starts_with('[') || d.is_empty() {
                                true => format!("{}{d}", x[i].0),
                                false => format!("{}.{d}", x[i].0),
                            });
                        }
                        i += 1;
                        j += 1;
                    }
                }
            }
            None
        }
        (Kind::Array, Kind::Array) => {
            if is_reference_list(a) || is_reference_list(b) {
                return None;
            }
            if a.len() != b.len() {
                return Some(String::new());
            }
            a.elements()
                .zip(b.elements())
                .enumerate()
                .find_map(|(n, (x, y))| {
                    first_difference(x, y, depth + 1).map(|d| {
                        match d.starts_with('[') || d.is_empty() {
                            true => format!("[{n}]{d}"),
                            false => format!("[{n}].{d}"),
                        }
                    })
                })
        }
        (Kind::Array, _) if a.len() == 1 => first_difference(a.elements().next()?, b, depth + 1),
        (_, Kind::Array) if b.len() == 1 => first_difference(a, b.elements().next()?, depth + 1),
        (Kind::String, Kind::String) => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) if x.trim().eq_ignore_ascii_case(y.trim()) => None,
            _ => Some(String::new()),
        },
        (Kind::Number, Kind::Number) => (a.as_f64() != b.as_f64()).then(String::new),
        (Kind::Bool, Kind::Bool) => (a.as_bool() != b.as_bool()).then(String::new),
        (Kind::Null, Kind::Null) => None,
        (Kind::Null, _) => is_reference(b).then(String::new),
        (_, Kind::Null) => is_reference(a).then(String::new),
        // One tool's format against another's (an enum's number, a boolean as text): not a
        // disagreement azlint can tell.
        _ => None,
    }
}

/// A reference to another resource: an object with a non-empty string `id`.
/// A key that is a resource id: a VM's `userAssignedIdentities` are keyed by the identities'
/// ids, so one copy's identity missing from the other is a different identity.
fn is_id(key: &str) -> bool {
    key.get(..15)
        .is_some_and(|p| p.eq_ignore_ascii_case("/subscriptions/"))
}

fn is_reference(v: Value<'_>) -> bool {
    v.get_ignore_case("id")
        .and_then(|id| id.as_str())
        .is_some_and(|id| !id.trim().is_empty())
}

/// A list of references back to other resources: objects that say nothing but their `id`
/// (and the group az adds, or PowerShell's empty fields).
fn is_reference_list(v: Value<'_>) -> bool {
    !v.is_empty()
        && v.elements().all(|e| {
            e.is_object()
                && is_reference(e)
                && e.members().all(|(k, m)| {
                    let k = k.as_str().unwrap_or_default();
                    k.eq_ignore_ascii_case("id")
                        || k.eq_ignore_ascii_case("resourceGroup")
                        || m.is_null()
                })
        })
}

/// The id of the resource group of a resource key (`/subscriptions/s/resourcegroups/g/...` ->
/// `/subscriptions/s/resourcegroups/g`), when the key names one.
pub fn resource_group_key(key: &str) -> Option<&str> {
    let at = key.find("/resourcegroups/")? + "/resourcegroups/".len();
    let end = key[at..].find('/').map_or(key.len(), |e| at + e);
    (end > at).then(|| &key[..end])
}

/// The id of the parent of a child resource id (`.../virtualNetworks/v/subnets/s` -> `.../v`).
///
/// In the canonical text of an id known only at deployment ([`azlint_arm::text::canonical`]),
/// a `/` inside an unknown piece (`uniqueString('/subscriptions/...')`) does not separate
/// segments.
pub fn parent_key(key: &str) -> Option<&str> {
    let cut = last_slash(key)?;
    let cut = last_slash(&key[..cut])?;
    let parent = &key[..cut];
    // The parent must itself be a resource: namespace, type and name after its last
    // `/providers/`. Segments are counted from the end (byte searches for `/`; a substring
    // search for `/providers/` cost more than the rest of the function).
    let mut rest = parent;
    let mut after = 0;
    while let Some(cut) = last_slash(rest) {
        if after > 0 && &rest[cut + 1..] == "providers" {
            return (after >= 3).then_some(parent);
        }
        after += 1;
        rest = &rest[..cut];
    }
    None
}

/// Where the last segment of a key starts (its `/`), outside the unknown pieces of a canonical
/// text (between the control characters 1 and 2, which no id holds otherwise).
fn last_slash(key: &str) -> Option<usize> {
    let bytes = key.as_bytes();
    if !bytes.contains(&2) {
        return bytes.iter().rposition(|&b| b == b'/');
    }
    let mut in_piece = false;
    for (i, &b) in bytes.iter().enumerate().rev() {
        match b {
            2 => in_piece = true,
            1 => in_piece = false,
            b'/' if !in_piece => return Some(i),
            _ => {}
        }
    }
    None
}

/// The parent of a resource key ([`parent_key`]), for the key of a template resource whose id
/// is an expression too ([`split_expression_key`]): the parent's canonical text in the same
/// file. [`Inventory::get_key`] finds it.
pub fn parent_of_key(key: &str) -> Option<std::borrow::Cow<'_, str>> {
    match split_expression_key(key) {
        Some((text, file)) => parent_key(text).map(|p| format!("{p}#{file}").into()),
        None => parent_key(key).map(std::borrow::Cow::Borrowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_of_ids_known_only_at_deployment() {
        let subnet = "/subscriptions/s/resourcegroups/g/providers/microsoft.network/virtualnetworks/\u{1}concat('v-', uniquestring('/subscriptions/s/resourcegroups/g'))\u{2}/subnets/lan";
        let vnet = "/subscriptions/s/resourcegroups/g/providers/microsoft.network/virtualnetworks/\u{1}concat('v-', uniquestring('/subscriptions/s/resourcegroups/g'))\u{2}";
        assert_eq!(parent_key(subnet), Some(vnet));
        assert_eq!(parent_key(vnet), None);
        assert_eq!(
            parent_of_key(&format!("{subnet}#3")).as_deref(),
            Some(format!("{vnet}#3").as_str())
        );
        // A piece holding a whole id is one segment.
        assert_eq!(
            parent_key("/subscriptions/s/resourcegroups/g/providers/m/t/\u{1}a/b/c/d\u{2}"),
            None
        );
    }

    #[test]
    fn resource_group_keys() {
        let vm = "/subscriptions/s/resourcegroups/g/providers/microsoft.compute/virtualmachines/v";
        assert_eq!(
            resource_group_key(vm),
            Some("/subscriptions/s/resourcegroups/g")
        );
        assert_eq!(
            resource_group_key("/subscriptions/s/resourcegroups/g"),
            Some("/subscriptions/s/resourcegroups/g")
        );
        assert_eq!(resource_group_key("/subscriptions/s"), None);
        assert_eq!(resource_group_key("/subscriptions/s/resourcegroups/"), None);
    }

    #[test]
    fn parent_keys_agree_with_a_search_for_providers() {
        let reference = |key: &str| -> Option<String> {
            let cut = key.rfind('/')?;
            let cut = key[..cut].rfind('/')?;
            let parent = &key[..cut];
            let after = parent.rfind("/providers/").map(|p| &parent[p + 11..])?;
            (after.split('/').count() >= 3).then(|| parent.to_string())
        };
        for key in [
            "/subscriptions/s/resourcegroups/g/providers/microsoft.network/virtualnetworks/v/subnets/a",
            "/subscriptions/s/resourcegroups/g/providers/microsoft.network/virtualnetworks/v",
            "/subscriptions/s/resourcegroups/g/providers/microsoft.network/networkinterfaces/n/providers/microsoft.authorization/roleassignments/r",
            "/subscriptions/s/resourcegroups/g/providers/a/b/c/providers/x/y/z/w",
            "/subscriptions/s/resourcegroups/g/providers/a/b/providers/x",
            "/subscriptions/s/resourcegroups/g/providers/a//b/c",
            "/subscriptions/s/resourcegroups/g/providers/a/b/c/d/e/f/g",
            "providers/a/b/c/d",
            "/providers/a/b/c/d",
            "/providers/providers/providers/x",
            "/a/providers",
            "/providers//x/y",
            "",
            "/",
            "//",
        ] {
            assert_eq!(parent_key(key).map(str::to_string), reference(key), "{key}");
        }
    }

    #[test]
    fn parent_keys() {
        assert_eq!(
            parent_key("/subscriptions/s/resourcegroups/g/providers/microsoft.network/virtualnetworks/v/subnets/a"),
            Some("/subscriptions/s/resourcegroups/g/providers/microsoft.network/virtualnetworks/v")
        );
        assert_eq!(
            parent_key(
                "/subscriptions/s/resourcegroups/g/providers/microsoft.network/virtualnetworks/v"
            ),
            None
        );
    }

    #[test]
    fn id_keys_ignore_case_and_trailing_slash() {
        assert_eq!(
            id_key("/Subscriptions/S/resourceGroups/G/"),
            "/subscriptions/s/resourcegroups/g"
        );
    }
}

#[cfg(test)]
mod inventory_tests {
    use super::*;

    fn inventory(files: &[(&str, &str)]) -> Inventory {
        Inventory::from_texts(files).expect("test JSON")
    }

    #[test]
    fn copies_with_another_identity_disagree() {
        let vm = |identity: &str| {
            format!(
                r#"{{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm", "name": "vm", "type": "Microsoft.Compute/virtualMachines", "identity": {{"type": "UserAssigned", "userAssignedIdentities": {{"/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identity}": {{"principalId": "p"}}}}}}, "properties": {{"vmId": "1"}}}}"#
            )
        };
        let (ha, other) = (vm("ha"), vm("ha-new"));
        let same = inventory(&[("a.json", &ha), ("b.json", &ha)]);
        assert!(same.conflicting_copies().is_empty());
        let differ = inventory(&[("a.json", &ha), ("b.json", &other)]);
        let found = differ.conflicting_copies();
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .2
                .starts_with("identity.userAssignedIdentities./subscriptions/"),
            "{}",
            found[0].2
        );
    }

    const VNET: &str = r#"[{"id": "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v",
        "name": "v", "type": "Microsoft.Network/virtualNetworks",
        "properties": {"subnets": [{"id": "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/lan",
                                    "name": "lan", "properties": {"addressPrefix": "10.0.0.0/24"}},
                                   {"name": "mgmt", "addressPrefix": "10.0.1.0/24"}]}}]"#;

    // The same subnet as a separate resource, as `az group export` or a subnet list gives it,
    // with the id in another case.
    const SUBNET: &str = r#"{"id": "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualNetworks/V/subnets/LAN",
        "name": "lan", "type": "Microsoft.Network/virtualNetworks/subnets",
        "properties": {"addressPrefix": "10.0.0.0/24", "networkSecurityGroup": {"id": "x"}}}"#;

    #[test]
    fn embedded_and_standalone_children_are_one_resource() {
        let inv = inventory(&[("vnet.json", VNET), ("subnet.json", SUBNET)]);
        let subnets = inv.of_type("microsoft.network/virtualnetworks/subnets");
        assert_eq!(subnets.len(), 2, "lan (twice, merged) and mgmt");
        let vnet = inv.of_type("microsoft.network/virtualnetworks")[0];
        let lan = inv
            .get("/SUBSCRIPTIONS/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/lan")
            .expect("lan by id, any case");
        let r = inv.resource(lan);
        assert_eq!(r.parent, Some(vnet));
        assert!(!r.embedded, "the standalone occurrence is read");
        assert_eq!(r.other_places.len(), 1);
        assert!(matches!(
            inv.prop(lan, &["networkSecurityGroup", "id"]),
            Lookup::Found(_)
        ));
        // A flattened embedded subnet without an id gets one from its parent.
        let mgmt = inv
            .get("/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v/subnets/mgmt")
            .expect("mgmt");
        assert!(matches!(
            inv.prop(mgmt, &["addressPrefix"]),
            Lookup::Found(_)
        ));
        assert_eq!(
            inv.children(vnet, "microsoft.network/virtualnetworks/subnets")
                .count(),
            2
        );
    }

    #[test]
    fn get_and_props_agree_with_id_key_and_prop() {
        let inv = inventory(&[("vnet.json", VNET), ("subnet.json", SUBNET)]);
        let lan = inv
            .get("/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v/subnets/lan")
            .expect("lan");
        for id in [
            " /SUBSCRIPTIONS/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/LAN/ ",
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v/subnets/lan",
        ] {
            assert_eq!(inv.get(id), Some(lan), "{id}");
        }
        // Longer than the stack buffer, or not ASCII: the allocating path, same answer.
        assert_eq!(inv.get(&format!("/x{}", "y".repeat(600))), None);
        assert_eq!(inv.get("/subscriptions/s/resourcegroups/rg/ü"), None);
        const KEYS: KeySet<3> = KeySet::new(["networkSecurityGroup", "ADDRESSPREFIX", "missing"]);
        let one_pass = inv.props(lan, &KEYS);
        for (key, got) in KEYS.keys().iter().zip(one_pass) {
            let want = inv.prop(lan, &[key]);
            assert_eq!(format!("{got:?}"), format!("{want:?}"), "{key}");
        }
    }

    #[test]
    fn null_properties_and_expressions_are_unknown_not_absent() {
        let list = r#"[{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v",
            "name": "v", "type": "Microsoft.Network/virtualNetworks", "properties": null}]"#;
        let template = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "resources": [{"type": "Microsoft.Network/virtualNetworks", "name": "[parameters('n')]",
                           "properties": {"dhcpOptions": "[variables('dhcp')]"}}]}"#;
        let inv = inventory(&[("list.json", list), ("t.json", template)]);
        let vnets = inv.of_type("microsoft.network/virtualnetworks");
        assert_eq!(vnets.len(), 2);
        for &v in vnets {
            match inv.prop(v, &["dhcpOptions", "dnsServers"]) {
                Lookup::Unknown(u) => assert!(u.at.is_some(), "{}", u.reason),
                other => panic!("expected unknown, got {other:?}"),
            }
            let [dhcp] = inv.props(v, &const { KeySet::new(["dhcpOptions"]) });
            assert!(matches!(dhcp, Lookup::Unknown(_)), "{dhcp:?}");
        }
    }

    #[test]
    fn template_child_resources_get_full_types() {
        let template = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "resources": [{"type": "Microsoft.Network/virtualNetworks", "name": "v",
                           "resources": [{"type": "subnets", "name": "lan", "properties": {}}]}]}"#;
        let inv = inventory(&[("t.json", template)]);
        assert_eq!(
            inv.of_type("microsoft.network/virtualnetworks/subnets")
                .len(),
            1
        );
    }
}
