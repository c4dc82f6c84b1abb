//! JSONPath in rule files, evaluated over azlint's span-carrying tree.
//!
//! Paths are parsed by `jsonpath-rust` (RFC 9535 syntax, with its error positions) and compiled
//! once into [`Path`]; evaluation is ours, over borrowed [`Value`]s, so results keep their exact
//! source spans and no resource is ever copied into a `serde_json::Value`. Two Azure rules
//! apply on every step: keys compare ignoring ASCII case (as ARM does), and a `properties` step
//! on an object without a `properties` key stays where it is, so one path reads both the nested
//! ARM form and the flattened form of `az network ... show`.
//!
//! Evaluation is bounded: each evaluation may visit at most [`BUDGET`] nodes, so a user's path
//! (`$..*..*..*`) cannot make a run explode; past the budget the answer is "cannot tell".

use azlint_inventory::{unknown_value, Document, Unknown};
use azlint_source::json::length_signature;
use azlint_source::{Kind, Value};
use jsonpath_rust::parser::model::{
    Comparable, Comparison, Filter as JpFilter, FilterAtom, JpQuery, Literal as JpLiteral, Segment,
    Selector, SingularQuery, SingularQuerySegment, Test,
};

/// Most nodes one path evaluation may visit.
pub const BUDGET: usize = 1_000_000;

/// A compiled path.
#[derive(Clone, Debug)]
pub struct Path {
    /// As written in the rule file.
    pub text: String,
    /// Starts at the current item (`@`) rather than the resource (`$`).
    pub relative: bool,
    steps: Vec<Step>,
    /// Names and indexes only ([`Path::is_singular`]): evaluated without lists.
    singular: bool,
}

#[derive(Clone, Debug)]
enum Step {
    Name(Name),
    Wildcard,
    Index(i64),
    Slice(Option<i64>, Option<i64>, Option<i64>),
    Union(Vec<Step>),
    Descendant(Box<Step>),
    Filter(Filter),
}

#[derive(Clone, Debug)]
enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Exists(Vec<Single>),
    Compare(Cmp, Operand, Operand),
}

#[derive(Clone, Copy, Debug)]
enum Cmp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Clone, Debug)]
enum Operand {
    Literal(Literal),
    Query(Vec<Single>),
}

#[derive(Clone, Debug)]
enum Literal {
    Number(f64),
    String(String),
    Bool(bool),
    Null,
}

#[derive(Clone, Debug)]
enum Single {
    Name(Name),
    Index(i64),
}

/// A key a path steps into, with what every lookup of it needs worked out once, when the
/// path is compiled.
#[derive(Clone, Debug)]
struct Name {
    text: String,
    /// [`length_signature`] of the key.
    signature: u64,
    /// Whether it is `properties` (in any case), which also reads the flattened form.
    properties: bool,
}

impl Name {
    fn new(text: String) -> Name {
        Name {
            signature: length_signature(text.as_bytes()),
            properties: text.eq_ignore_ascii_case("properties"),
            text,
        }
    }

    fn get<'a>(&self, v: Value<'a>) -> Option<Value<'a>> {
        v.get_signed(&self.text, self.signature)
    }
}

impl Path {
    /// Compiles `text`; an error message says what is wrong (and where, for syntax errors).
    pub fn compile(text: &str) -> Result<Path, String> {
        let trimmed = text.trim();
        let (relative, parse_text) = match trimmed.strip_prefix('@') {
            Some(rest) => (true, format!("${rest}")),
            None => (false, trimmed.to_string()),
        };
        if !parse_text.starts_with('$') {
            return Err(format!(
                "a path starts with `$` (the resource) or `@` (the current item): `{trimmed}`"
            ));
        }
        let query: JpQuery = jsonpath_rust::parser::parse_json_path(&parse_text)
            .map_err(|e| format!("invalid JSONPath `{trimmed}`: {}", one_line(&e.to_string())))?;
        let steps = query
            .segments
            .iter()
            .map(segment)
            .collect::<Result<Vec<_>, _>>()?;
        let singular = steps
            .iter()
            .all(|s| matches!(s, Step::Name(_) | Step::Index(_)));
        Ok(Path {
            text: trimmed.to_string(),
            relative,
            steps,
            singular,
        })
    }

    /// Whether the path selects at most one value (no wildcard, union, slice, filter or `..`).
    pub fn is_singular(&self) -> bool {
        self.singular
    }

    /// Evaluates from `root` (the resource) or `current` (the item being iterated).
    pub fn eval<'a>(&self, doc: &'a Document, root: Value<'a>, current: Value<'a>) -> Selected<'a> {
        self.eval_from(doc, root, None, current)
    }

    /// Evaluates with the resource's properties object already known (the inventory records
    /// where it is), which saves scanning the resource's keys for it on every path.
    pub fn eval_from<'a>(
        &self,
        doc: &'a Document,
        root: Value<'a>,
        root_props: Option<Value<'a>>,
        current: Value<'a>,
    ) -> Selected<'a> {
        if self.singular {
            let (at, unknown) = self.eval_one(doc, root, root_props, current);
            return Selected {
                values: at.into_iter().collect(),
                unknown,
            };
        }
        let (first, steps) = self.start(root, root_props, current);
        let mut ev = Eval {
            doc,
            budget: BUDGET,
            unknown: None,
        };
        // Two buffers, swapped at each step: evaluating a path allocates twice, whatever its
        // length (rules evaluate paths for every resource they read).
        let mut nodes = vec![first];
        let mut next = Vec::new();
        for step in steps {
            next.clear();
            for &v in &nodes {
                ev.step(step, v, &mut next);
            }
            std::mem::swap(&mut nodes, &mut next);
            if ev.budget == 0 {
                break;
            }
        }
        if ev.budget == 0 {
            return self.over_budget();
        }
        // A value that is itself an expression is as unknown as one the path could not enter.
        nodes.retain(|&v| match unknown_value(doc, v) {
            Some(u) => {
                ev.unknown.get_or_insert(u);
                false
            }
            None => true,
        });
        Selected {
            values: nodes,
            unknown: ev.unknown,
        }
    }
}

impl Path {
    /// Where evaluation starts, and the steps left: a path from the resource whose first step
    /// is `properties` starts at the properties object the inventory already found.
    fn start<'a>(
        &self,
        root: Value<'a>,
        root_props: Option<Value<'a>>,
        current: Value<'a>,
    ) -> (Value<'a>, &[Step]) {
        if self.relative {
            return (current, &self.steps);
        }
        match (root_props, self.steps.first()) {
            (Some(props), Some(Step::Name(n))) if n.properties => (props, &self.steps[1..]),
            _ => (root, &self.steps),
        }
    }

    /// [`Path::eval_from`] for a singular path ([`Path::is_singular`]): at most one value at
    /// each step, so no lists to build (most rule paths are these). A path that is not
    /// singular selects nothing this way.
    pub fn eval_one<'a>(
        &self,
        doc: &'a Document,
        root: Value<'a>,
        root_props: Option<Value<'a>>,
        current: Value<'a>,
    ) -> (Option<Value<'a>>, Option<Unknown<'a>>) {
        let (first, steps) = self.start(root, root_props, current);
        let mut at = Some(first);
        let mut ev = Eval {
            doc,
            budget: BUDGET,
            unknown: None,
        };
        for step in steps {
            let Some(v) = at else { break };
            at = ev.single_step(step, v);
        }
        if ev.budget == 0 {
            let over = self.over_budget();
            return (None, over.unknown);
        }
        let at = at.filter(|&v| match unknown_value(doc, v) {
            Some(u) => {
                ev.unknown.get_or_insert(u);
                false
            }
            None => true,
        });
        (at, ev.unknown)
    }

    /// The answer of an evaluation that ran out of [`BUDGET`]: cannot tell.
    fn over_budget<'a>(&self) -> Selected<'a> {
        Selected {
            values: Vec::new(),
            unknown: Some(Unknown {
                reason: format!(
                    "the path `{}` visits more than {BUDGET} values, azlint's limit",
                    self.text
                ),
                at: None,
            }),
        }
    }
}

/// A value as written, quoted, shortened to its first 60 characters.
fn excerpt(v: Value<'_>) -> String {
    let text = v.source_text();
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("`{}...`", &text[..at]),
        None => format!("`{text}`"),
    }
}

/// What a path selected: the values found, and whether something on the way was unknown (a
/// template expression, properties that were not exported).
#[derive(Clone, Debug)]
pub struct Selected<'a> {
    pub values: Vec<Value<'a>>,
    pub unknown: Option<Unknown<'a>>,
}

struct Eval<'d> {
    doc: &'d Document,
    budget: usize,
    unknown: Option<Unknown<'d>>,
}

impl<'d> Eval<'d> {
    fn spend(&mut self) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        true
    }

    /// Whether a step may go into `v`: within the budget, and `v` is not unknown (stepping
    /// into an expression or `"properties": null` cannot go on).
    fn enter(&mut self, v: Value<'d>) -> bool {
        if !self.spend() {
            return false;
        }
        if let Some(u) = unknown_value(self.doc, v) {
            self.unknown.get_or_insert(u);
            return false;
        }
        true
    }

    /// A name step from `v`.
    fn name(&mut self, name: &Name, v: Value<'d>) -> Option<Value<'d>> {
        match name.get(v) {
            Some(child) if name.properties && child.is_null() => {
                self.unknown.get_or_insert(Unknown {
                    reason: "its properties are null in this export (`az resource list` does not export properties; use `az resource show --ids ...`)".into(),
                    at: Some(child),
                });
                None
            }
            Some(child) => Some(child),
            // The flattened CLI form has no `properties` wrapper.
            None if name.properties && v.is_object() => Some(v),
            // An object written as text or a number is malformed: what it held is unknown, not
            // absent. (PowerShell's text for an object too deep for `ConvertTo-Json` is
            // unknown before this step: `unknown_value`.)
            None if matches!(v.kind(), Kind::String | Kind::Number | Kind::Bool) => {
                self.unknown.get_or_insert(Unknown {
                    reason: format!("{} should be an object", excerpt(v)),
                    at: Some(v),
                });
                None
            }
            None => None,
        }
    }

    /// A name or index step, which selects at most one value.
    fn single_step(&mut self, step: &Step, v: Value<'d>) -> Option<Value<'d>> {
        if !self.enter(v) {
            return None;
        }
        match step {
            Step::Name(name) => self.name(name, v),
            Step::Index(i) => index(v, *i),
            // Paths of other steps are not evaluated this way.
            _ => None,
        }
    }

    fn step(&mut self, step: &Step, v: Value<'d>, out: &mut Vec<Value<'d>>) {
        if !self.enter(v) {
            return;
        }
        match step {
            Step::Name(name) => out.extend(self.name(name, v)),
            Step::Wildcard => match v.kind() {
                Kind::Array => out.extend(v.elements()),
                Kind::Object => out.extend(v.members().map(|(_, m)| m)),
                Kind::Null => {}
                // A list that is a string or a number is malformed: say so, do not read it
                // as empty.
                _ => {
                    self.unknown.get_or_insert(Unknown {
                        reason: format!("{} should be a list or an object", excerpt(v)),
                        at: Some(v),
                    });
                }
            },
            Step::Index(i) => {
                if let Some(e) = index(v, *i) {
                    out.push(e)
                }
            }
            Step::Slice(start, end, step) => slice(v, *start, *end, *step, out),
            Step::Union(steps) => {
                for s in steps {
                    self.step(s, v, out);
                }
            }
            Step::Descendant(inner) => {
                // The node itself, then every descendant, in document order.
                let mut stack = vec![v];
                while let Some(n) = stack.pop() {
                    if !self.spend() {
                        return;
                    }
                    // A name below is looked for in objects: other values hold no names, and
                    // are not malformed for not holding one.
                    if n.is_object() || !matches!(**inner, Step::Name(_)) {
                        self.step(inner, n, out);
                    }
                    let mut children: Vec<Value<'d>> = match n.kind() {
                        Kind::Array => n.elements().collect(),
                        Kind::Object => n.members().map(|(_, m)| m).collect(),
                        _ => Vec::new(),
                    };
                    children.reverse();
                    stack.extend(children);
                }
            }
            Step::Filter(f) => {
                let items: Vec<Value<'d>> = match v.kind() {
                    Kind::Array => v.elements().collect(),
                    Kind::Object => v.members().map(|(_, m)| m).collect(),
                    _ => Vec::new(),
                };
                for item in items {
                    if self.spend() && self.filter(f, item) {
                        out.push(item);
                    }
                }
            }
        }
    }

    fn filter(&mut self, f: &Filter, item: Value<'d>) -> bool {
        match f {
            Filter::And(fs) => fs.iter().all(|f| self.filter(f, item)),
            Filter::Or(fs) => fs.iter().any(|f| self.filter(f, item)),
            Filter::Not(f) => !self.filter(f, item),
            Filter::Exists(q) => single(item, q).is_some(),
            Filter::Compare(op, a, b) => {
                let a = operand(item, a);
                let b = operand(item, b);
                compare(*op, a.as_ref(), b.as_ref())
            }
        }
    }
}

fn index<'a>(v: Value<'a>, i: i64) -> Option<Value<'a>> {
    if !v.is_array() {
        return None;
    }
    let len = v.len() as i64;
    let at = if i < 0 { len + i } else { i };
    if at < 0 {
        return None;
    }
    v.elements().nth(at as usize)
}

fn slice<'a>(
    v: Value<'a>,
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
    out: &mut Vec<Value<'a>>,
) {
    if !v.is_array() {
        return;
    }
    let items: Vec<Value<'a>> = v.elements().collect();
    let len = items.len() as i64;
    let step = step.unwrap_or(1);
    if step == 0 {
        return;
    }
    let norm = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
    if step > 0 {
        let (mut i, e) = (norm(start.unwrap_or(0)), norm(end.unwrap_or(len)));
        while i < e {
            out.push(items[i as usize]);
            i += step;
        }
    } else {
        let s = start.map(|s| if s < 0 { len + s } else { s.min(len - 1) });
        let e = end.map(|e| if e < 0 { len + e } else { e.min(len) });
        let mut i = s.unwrap_or(len - 1);
        let stop = e.unwrap_or(-1);
        while i > stop && i >= 0 {
            out.push(items[i as usize]);
            i += step;
        }
    }
}

fn single<'a>(mut v: Value<'a>, q: &[Single]) -> Option<Value<'a>> {
    for s in q {
        v = match s {
            // As in paths: the flattened form has no `properties` wrapper.
            Single::Name(n) if n.properties => match n.get(v) {
                Some(p) => p,
                None if v.is_object() => v,
                None => return None,
            },
            Single::Name(n) => n.get(v)?,
            Single::Index(i) => index(v, *i)?,
        };
    }
    Some(v)
}

/// A comparable value in a filter.
enum Scalar {
    Number(f64),
    String(String),
    Bool(bool),
    Null,
}

fn operand(item: Value<'_>, o: &Operand) -> Option<Scalar> {
    match o {
        Operand::Literal(Literal::Number(n)) => Some(Scalar::Number(*n)),
        Operand::Literal(Literal::String(s)) => Some(Scalar::String(s.clone())),
        Operand::Literal(Literal::Bool(b)) => Some(Scalar::Bool(*b)),
        Operand::Literal(Literal::Null) => Some(Scalar::Null),
        Operand::Query(q) => {
            let v = single(item, q)?;
            match v.kind() {
                Kind::Number => v.as_f64().map(Scalar::Number),
                Kind::String => v.as_str().map(|s| Scalar::String(s.into_owned())),
                Kind::Bool => v.as_bool().map(Scalar::Bool),
                Kind::Null => Some(Scalar::Null),
                _ => None,
            }
        }
    }
}

fn compare(op: Cmp, a: Option<&Scalar>, b: Option<&Scalar>) -> bool {
    use std::cmp::Ordering;
    let ord = match (a, b) {
        (Some(Scalar::Number(x)), Some(Scalar::Number(y))) => x.partial_cmp(y),
        // Strings compare ignoring case: Azure's values (types, names, enums) do.
        (Some(Scalar::String(x)), Some(Scalar::String(y))) => {
            Some(x.to_lowercase().cmp(&y.to_lowercase()))
        }
        (Some(Scalar::Bool(x)), Some(Scalar::Bool(y))) => (x == y).then_some(Ordering::Equal),
        (Some(Scalar::Null), Some(Scalar::Null)) | (None, None) => Some(Ordering::Equal),
        _ => None,
    };
    match op {
        Cmp::Eq => ord == Some(Ordering::Equal),
        Cmp::Ne => ord != Some(Ordering::Equal),
        Cmp::Gt => ord == Some(Ordering::Greater),
        Cmp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
        Cmp::Lt => ord == Some(Ordering::Less),
        Cmp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn segment(s: &Segment) -> Result<Step, String> {
    match s {
        Segment::Descendant(inner) => Ok(Step::Descendant(Box::new(segment(inner)?))),
        Segment::Selector(sel) => selector(sel),
        Segment::Selectors(sels) => Ok(Step::Union(
            sels.iter().map(selector).collect::<Result<_, _>>()?,
        )),
    }
}

fn selector(s: &Selector) -> Result<Step, String> {
    Ok(match s {
        Selector::Name(n) => Step::Name(Name::new(unquote(n))),
        Selector::Wildcard => Step::Wildcard,
        Selector::Index(i) => Step::Index(*i),
        Selector::Slice(a, b, c) => Step::Slice(*a, *b, *c),
        Selector::Filter(f) => Step::Filter(filter(f)?),
    })
}

/// jsonpath-rust keeps the quotes of bracketed names (`['a']`).
fn unquote(n: &str) -> String {
    let t = n.trim();
    for q in ['\'', '"'] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    t.to_string()
}

fn filter(f: &JpFilter) -> Result<Filter, String> {
    Ok(match f {
        JpFilter::Or(fs) => Filter::Or(fs.iter().map(filter).collect::<Result<_, _>>()?),
        JpFilter::And(fs) => Filter::And(fs.iter().map(filter).collect::<Result<_, _>>()?),
        JpFilter::Atom(atom) => match atom {
            FilterAtom::Filter { expr, not } => negate(filter(expr)?, *not),
            FilterAtom::Test { expr, not } => {
                let q = match &**expr {
                    Test::RelQuery(segs) => singular_segments(segs)?,
                    _ => return Err(unsupported()),
                };
                negate(Filter::Exists(q), *not)
            }
            FilterAtom::Comparison(c) => {
                let (op, a, b) = match &**c {
                    Comparison::Eq(a, b) => (Cmp::Eq, a, b),
                    Comparison::Ne(a, b) => (Cmp::Ne, a, b),
                    Comparison::Gt(a, b) => (Cmp::Gt, a, b),
                    Comparison::Gte(a, b) => (Cmp::Ge, a, b),
                    Comparison::Lt(a, b) => (Cmp::Lt, a, b),
                    Comparison::Lte(a, b) => (Cmp::Le, a, b),
                };
                Filter::Compare(op, comparable(a)?, comparable(b)?)
            }
        },
    })
}

fn negate(f: Filter, not: bool) -> Filter {
    if not {
        Filter::Not(Box::new(f))
    } else {
        f
    }
}

fn unsupported() -> String {
    "azlint paths support filters on the current item (`?@.name == 'lan'`, `?@.primary`); functions and absolute queries inside filters are not supported: use a condition instead".to_string()
}

fn comparable(c: &Comparable) -> Result<Operand, String> {
    Ok(match c {
        Comparable::Literal(l) => Operand::Literal(match l {
            JpLiteral::Int(i) => Literal::Number(*i as f64),
            JpLiteral::Float(f) => Literal::Number(*f),
            JpLiteral::String(s) => Literal::String(unquote(s)),
            JpLiteral::Bool(b) => Literal::Bool(*b),
            JpLiteral::Null => Literal::Null,
        }),
        Comparable::SingularQuery(SingularQuery::Current(segs)) => Operand::Query(
            segs.iter()
                .map(|s| match s {
                    SingularQuerySegment::Name(n) => Single::Name(Name::new(unquote(n))),
                    SingularQuerySegment::Index(i) => Single::Index(*i),
                })
                .collect(),
        ),
        _ => return Err(unsupported()),
    })
}

fn singular_segments(segs: &[Segment]) -> Result<Vec<Single>, String> {
    segs.iter()
        .map(|s| match s {
            Segment::Selector(Selector::Name(n)) => Ok(Single::Name(Name::new(unquote(n)))),
            Segment::Selector(Selector::Index(i)) => Ok(Single::Index(*i)),
            _ => Err(unsupported()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use azlint_inventory::{ingest, Document};
    use azlint_source::{FileId, SourceFile};
    use std::sync::Arc;

    fn doc(text: &str) -> Document {
        let source = Arc::new(SourceFile::new("t.json", text));
        let tree = source.parse().expect("test JSON");
        ingest(FileId(0), source, tree).document
    }

    fn texts(path: &str, text: &str) -> Vec<String> {
        let d = doc(text);
        let root = d.root();
        let p = Path::compile(path).expect("path");
        p.eval(&d, root, root)
            .values
            .iter()
            .map(|v| v.source_text().to_string())
            .collect()
    }

    const NIC: &str = r#"{"id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/networkInterfaces/n",
        "name": "n", "type": "Microsoft.Network/networkInterfaces",
        "properties": {"ipConfigurations": [
            {"name": "a", "properties": {"primary": true, "privateIPAddress": "10.0.0.4"}},
            {"name": "b", "properties": {"primary": false, "privateIPAddress": "10.0.0.7"}}]}}"#;

    #[test]
    fn names_wildcards_indexes_filters() {
        assert_eq!(
            texts(
                "$.properties.ipConfigurations[*].properties.privateIPAddress",
                NIC
            ),
            ["\"10.0.0.4\"", "\"10.0.0.7\""]
        );
        assert_eq!(
            texts("$.properties.ipConfigurations[-1].name", NIC),
            ["\"b\""]
        );
        assert_eq!(
            texts(
                "$.properties.ipConfigurations[?@.properties.primary == false].name",
                NIC
            ),
            ["\"b\""]
        );
        assert_eq!(
            texts("$.PROPERTIES.ipconfigurations[0].NAME", NIC),
            ["\"a\""]
        );
        assert_eq!(texts("$..privateIPAddress", NIC).len(), 2);
        assert_eq!(
            texts("$.properties.ipConfigurations[0:1].name", NIC),
            ["\"a\""]
        );
    }

    #[test]
    fn properties_step_reads_the_flattened_form() {
        let flat = r#"{"name": "n", "type": "Microsoft.Network/networkInterfaces",
            "ipConfigurations": [{"name": "a", "privateIPAddress": "10.0.0.4"}]}"#;
        assert_eq!(
            texts(
                "$.properties.ipConfigurations[*].properties.privateIPAddress",
                flat
            ),
            ["\"10.0.0.4\""]
        );
    }

    #[test]
    fn expressions_and_null_properties_are_unknown() {
        let t = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": [],
            "x": {"dns": "[parameters('dns')]"}, "y": {"properties": null}}"#;
        let d = doc(t);
        let root = d.root();
        for path in ["$.x.dns", "$.x.dns[*]", "$.y.properties.a"] {
            let s = Path::compile(path).expect("path").eval(&d, root, root);
            assert!(s.values.is_empty() && s.unknown.is_some(), "{path}");
        }
    }

    #[test]
    fn singular_paths_select_what_list_paths_do() {
        let t = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0", "resources": [],
            "properties": {"ipConfigurations": [{"name": "a"}, {"name": "b"}]},
            "x": {"dns": "[parameters('dns')]"}, "y": {"properties": null}, "z": {"n": 1}}"#;
        let d = doc(t);
        let root = d.root();
        // Each singular path with a list path (a slice or a union) that selects the same.
        for (one, list) in [
            (
                "$.properties.ipConfigurations[1].name",
                "$.properties.ipConfigurations[1:2].name",
            ),
            (
                "$.PROPERTIES.ipConfigurations[-1]",
                "$.properties['ipConfigurations','none'][-1:]",
            ),
            ("$.x.dns", "$['x','none'].dns"),
            ("$.x.dns.more", "$['x','none'].dns.more"),
            ("$.y.properties.a", "$['y','none'].properties.a"),
            ("$.z.n", "$['z','none'].n"),
            ("$.z.missing", "$['z','none'].missing"),
            ("$.z[0]", "$['z','none'][0:1]"),
        ] {
            let a = Path::compile(one).expect("path");
            let b = Path::compile(list).expect("path");
            assert!(a.is_singular() && !b.is_singular(), "{one} / {list}");
            let (a, b) = (a.eval(&d, root, root), b.eval(&d, root, root));
            let spans = |s: &Selected<'_>| s.values.iter().map(|v| v.span()).collect::<Vec<_>>();
            assert_eq!(spans(&a), spans(&b), "{one}");
            assert_eq!(
                a.unknown.map(|u| u.reason),
                b.unknown.map(|u| u.reason),
                "{one}"
            );
        }
    }

    #[test]
    fn long_singular_paths_are_bounded_too() {
        // `properties` on an object without it stays where it is (the flattened form), so this
        // path selects at every step, a million and one times.
        let d = doc(r#"{"a": 1}"#);
        let root = d.root();
        // Built directly: compiling an 11 MB path would only test the parser.
        let path = Path {
            text: "$.properties.properties...".into(),
            relative: false,
            steps: vec![Step::Name(Name::new("properties".into())); BUDGET + 1],
            singular: true,
        };
        let s = path.eval(&d, root, root);
        assert!(
            s.values.is_empty() && s.unknown.is_some(),
            "over budget is cannot-tell"
        );
    }

    #[test]
    fn hostile_paths_are_bounded() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let d = doc(&deep);
        let root = d.root();
        let s = Path::compile("$..*..*..*..*")
            .expect("path")
            .eval(&d, root, root);
        assert!(s.unknown.is_some(), "over budget is cannot-tell");
    }

    #[test]
    fn bad_paths_say_why() {
        assert!(Path::compile("properties.x")
            .unwrap_err()
            .contains("starts with"));
        assert!(Path::compile("$.a[")
            .unwrap_err()
            .contains("invalid JSONPath"));
        assert!(Path::compile("$[?length(@.a) > 1]")
            .unwrap_err()
            .contains("not supported"));
    }
}
