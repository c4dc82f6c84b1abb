//! Expanding a template: parameters bound, variables and functions defined, resources
//! evaluated with copy loops unrolled and conditions applied, nested inline templates
//! expanded in their inner or outer scope, outputs evaluated.
//!
//! Every evaluated value keeps an [`Origin`]: the template text it came from and, when a
//! parameter was read to compute it, which parameter value. Findings on evaluated resources
//! point back there.

use std::sync::Arc;

use azlint_source::{Kind, Span, Value};

use crate::eval::{check_count, render, Deployment, ExprError, Params, Scope, UserFn, ValueError};
use crate::value::{Obj, Val};

/// Where an evaluated value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The template value (a string expression, an object, a literal) it was evaluated from.
    pub span: Span,
    /// The parameters read to compute it: indexes in [`Expanded::params`].
    pub params: Params,
    /// The definition of the variable read to compute it.
    pub var: Option<Span>,
}

/// An evaluated value with origins, the shape of the template it came from.
#[derive(Clone, Debug)]
pub enum Node {
    /// A value computed by one template string or literal (possibly an object or array).
    Leaf(Val, Origin),
    Array(Vec<Node>, Origin),
    Object(Vec<(Arc<str>, Node)>, Origin),
}

impl Node {
    pub fn origin(&self) -> Origin {
        match self {
            Node::Leaf(_, o) | Node::Array(_, o) | Node::Object(_, o) => *o,
        }
    }

    /// The plain value.
    pub fn to_val(&self) -> Val {
        match self {
            Node::Leaf(v, _) => v.clone(),
            Node::Array(items, _) => Val::array(items.iter().map(Node::to_val).collect()),
            Node::Object(members, _) => {
                let mut o = Obj::with_capacity(members.len());
                for (k, v) in members {
                    o.insert(k.clone(), v.to_val());
                }
                Val::object(o)
            }
        }
    }

    /// A member of an object node (case-insensitive).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(members, _) => members
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    fn set(&mut self, key: &str, value: Node) {
        if let Node::Object(members, _) = self {
            match members
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
            {
                Some(slot) => slot.1 = value,
                None => members.push((Arc::from(key), value)),
            }
        }
    }
}

/// Where a parameter's value was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamFrom {
    /// An ARM parameter file: its index in the list given to [`expand`], and the value's span.
    File(usize, Span),
    /// `-p name=value` on the command line.
    CommandLine,
    /// The configuration file's `[parameters]`.
    Config,
    /// The parameter's `defaultValue` in the template.
    Default(Span),
    /// The value a template passes to a nested template (a module), in the nested
    /// deployment's `parameters`.
    Passed(Span),
}

/// A parameter of the template and where its value came from.
#[derive(Clone, Debug)]
pub struct ParamSource {
    pub name: String,
    pub from: ParamFrom,
    /// The parameters (of [`Expanded::params`]) the value was computed from: a default that
    /// reads other parameters, a value a parent template passes from its own.
    pub via: crate::eval::Params,
}

/// One resource of the expanded template.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The resource object: `id`, `name`, `type` (full), `properties` ... evaluated.
    pub node: Node,
    /// Whether its `condition` could not be decided (it may not be deployed).
    pub conditional: bool,
}

/// A problem found while expanding: an expression that cannot be evaluated, or a deployment
/// Azure rejects as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The template string (or value) at fault.
    pub span: Span,
    /// The part of the string at fault, as byte offsets into the string's text.
    pub at: Option<(u32, u32)>,
    pub message: String,
    /// Not an expression that fails but the deployment that does (a circular dependency).
    pub deployment: bool,
}

/// Values given for parameters from outside the template.
#[derive(Clone, Debug, Default)]
pub struct Inputs<'p> {
    /// ARM parameter files, parsed, in order (a later file overrides an earlier one).
    pub files: Vec<Value<'p>>,
    /// `-p name=value` (JSON values, or strings).
    pub command_line: &'p [(String, Val)],
    /// The configuration's `[parameters]`.
    pub config: &'p [(String, Val)],
}

/// The result of expanding a template.
#[derive(Clone, Debug, Default)]
pub struct Expanded {
    pub resources: Vec<Resource>,
    pub outputs: Vec<(String, String, Node)>,
    pub params: Vec<ParamSource>,
    pub problems: Vec<Problem>,
    /// Parts azlint does not read: linked templates (`templateLink`), whose resources are not
    /// in the expansion.
    pub skipped: Vec<Problem>,
}

/// What Azure adds to a deployment's properties when it runs (besides its outputs).
const DEPLOYMENT_RUNTIME: &[&str] = &[
    "provisioningState",
    "timestamp",
    "duration",
    "correlationId",
    "outputResources",
    "dependencies",
    "templateHash",
    "validatedResources",
    "error",
];

/// What `reference(..., 'Full')` adds around a resource.
const FULL_RUNTIME: &[&str] = &[
    "apiVersion",
    "location",
    "subscriptionId",
    "resourceGroupName",
    "scope",
    "resourceId",
    "referenceApiVersion",
    "condition",
    "isConditionTrue",
    "isTemplateResource",
    "isAction",
    "provisioningOperation",
];

/// Nested inline templates may nest this deep.
const MAX_NESTING: usize = 8;
/// A template may expand to at most this many resources.
const MAX_RESOURCES: usize = 100_000;

/// Expands the template at `root` with parameter values from `inputs`.
pub fn expand<'t>(root: Value<'t>, inputs: &Inputs<'t>, deployment: Deployment) -> Expanded {
    let mut out = Expanded::default();
    let deployment = Arc::new(deployment_for(root, deployment));
    let mut scope = Scope::new(deployment);
    bind_parameters(root, inputs, &mut scope, &mut out);
    let mut x = Expander {
        out,
        depth: 0,
        under_condition: false,
        nodes: 0,
    };
    let outputs = x.template(root, &mut scope);
    x.out.outputs = outputs;
    // A faulty variable read in several places is one fault.
    let mut seen = std::collections::HashSet::new();
    x.out
        .problems
        .retain(|p| seen.insert((p.span, p.at, p.message.clone())));
    x.out
}

/// A subscription-level template has no resource group.
fn deployment_for(root: Value<'_>, mut d: Deployment) -> Deployment {
    let schema = root
        .get("$schema")
        .and_then(|s| s.as_str())
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    if schema.contains("subscriptiondeploymenttemplate")
        || schema.contains("managementgroupdeploymenttemplate")
        || schema.contains("tenantdeploymenttemplate")
    {
        d.resource_group = None;
    }
    d
}

fn bind_parameters<'t>(
    root: Value<'t>,
    inputs: &Inputs<'t>,
    scope: &mut Scope<'t>,
    out: &mut Expanded,
) {
    let Some(declared) = root.get_ignore_case("parameters").filter(|p| p.is_object()) else {
        return;
    };
    let mut defaults = Vec::new();
    for (k, decl) in declared.members() {
        let name = k.as_str().unwrap_or_default().into_owned();
        let ty = decl
            .get_ignore_case("type")
            .and_then(|t| t.as_str())
            .map(|t| t.to_ascii_lowercase())
            .unwrap_or_default();
        let given = given_value(&name, &ty, inputs);
        match given {
            Some((value, from)) => {
                let idx = out.params.len() as u32;
                out.params.push(ParamSource {
                    name: name.clone(),
                    from,
                    via: Default::default(),
                });
                scope.set_param(&name, value, Some(idx));
            }
            None => match decl.get_ignore_case("defaultValue") {
                Some(d) => {
                    // Defaults may read other parameters: bound after every given value.
                    scope.set_param(
                        &name,
                        Val::unknown(
                            format!("the parameter `{name}` {PENDING}"),
                            format!("parameters('{name}')"),
                        ),
                        None,
                    );
                    defaults.push((name, d));
                }
                None => scope.set_param(
                    &name,
                    Val::unknown(
                        format!("the parameter `{name}` has no value (give one with --parameters FILE or -p {name}=VALUE)"),
                        format!("parameters('{name}')"),
                    ),
                    None,
                ),
            },
        }
    }
    // A default may read a parameter declared after it: evaluate in passes until every
    // default that can be known is.
    let mut pending = defaults;
    loop {
        let mut waiting = Vec::new();
        let before = pending.len();
        for (name, d) in pending {
            scope.set_in_default(true);
            let value = scope.eval_value(d);
            scope.set_in_default(false);
            let value = match value {
                Ok(v) => v,
                Err(e) => {
                    out.problems.push(problem(&e));
                    Val::unknown(
                        format!("the default of `{name}` cannot be evaluated"),
                        format!("parameters('{name}')"),
                    )
                }
            };
            let via = scope.take_touched();
            if before > 1 && is_pending(&value) {
                waiting.push((name, d));
                continue;
            }
            let idx = out.params.len() as u32;
            out.params.push(ParamSource {
                name: name.clone(),
                from: ParamFrom::Default(d.span()),
                via,
            });
            scope.set_param(&name, value, Some(idx));
        }
        if waiting.is_empty() {
            break;
        }
        if waiting.len() == before {
            // A cycle: what is left stays unknown.
            for (name, _) in waiting {
                scope.set_param(
                    &name,
                    Val::unknown(
                        format!("the default of `{name}` depends on itself"),
                        format!("parameters('{name}')"),
                    ),
                    None,
                );
            }
            break;
        }
        pending = waiting;
    }
}

const PENDING: &str = "is being evaluated";

fn is_pending(v: &Val) -> bool {
    v.first_unknown()
        .is_some_and(|u| matches!(u, Val::Unknown(u) if u.reason.ends_with(PENDING)))
}

/// A parameter's value from the command line, the parameter files or the configuration.
fn given_value(name: &str, ty: &str, inputs: &Inputs<'_>) -> Option<(Val, ParamFrom)> {
    if let Some((_, v)) = inputs
        .command_line
        .iter()
        .rev()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
    {
        return Some((coerce(v.clone(), ty), ParamFrom::CommandLine));
    }
    for (i, file) in inputs.files.iter().enumerate().rev() {
        let params = file
            .get_ignore_case("parameters")
            .filter(|p| p.is_object())
            .unwrap_or(*file);
        let Some(entry) = params.get_ignore_case(name) else {
            continue;
        };
        if let Some(v) = entry.get_ignore_case("value") {
            let value = plain(v);
            // Azure rejects a value of another type (azlint reports it at the file): what the
            // template would make of it is not known.
            let value = if fits(&value, ty) {
                value
            } else {
                Val::unknown(
                    format!("the value given for `{name}` is not of its declared type `{ty}`"),
                    format!("parameters('{name}')"),
                )
            };
            return Some((value, ParamFrom::File(i, v.span())));
        }
        if entry.get_ignore_case("reference").is_some() {
            return Some((
                Val::unknown(
                    format!(
                        "the parameter `{name}` is a Key Vault reference, known only at deployment"
                    ),
                    format!("parameters('{name}')"),
                ),
                ParamFrom::File(i, entry.span()),
            ));
        }
    }
    inputs
        .config
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| (coerce(v.clone(), ty), ParamFrom::Config))
}

/// Whether a parameter file's value has the parameter's declared type (`ty` in lower case; a
/// type azlint does not know, a user-defined one, and null are let through).
pub fn fits(v: &Val, ty: &str) -> bool {
    match ty.trim() {
        "string" | "securestring" => matches!(v, Val::Str(_) | Val::Null),
        "int" => matches!(v, Val::Int(_) | Val::Null),
        "bool" => matches!(v, Val::Bool(_) | Val::Null),
        "array" => matches!(v, Val::Array(_) | Val::Null),
        "object" | "secureobject" => matches!(v, Val::Object(_) | Val::Null),
        _ => true,
    }
}

/// A string given for an int, bool, array or object parameter is parsed as such.
fn coerce(v: Val, ty: &str) -> Val {
    let Val::Str(s) = &v else { return v };
    match ty {
        "int" => s.trim().parse::<i64>().map(Val::Int).unwrap_or(v),
        "bool" => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Val::Bool(true),
            "false" => Val::Bool(false),
            _ => v,
        },
        "array" | "object" | "secureobject" => serde_json::from_str::<serde_json::Value>(s)
            .map(|j| Val::from_serde(&j))
            .unwrap_or(v),
        _ => v,
    }
}

/// A JSON value taken literally (parameter file values are not expressions).
pub fn plain(v: Value<'_>) -> Val {
    match v.kind() {
        Kind::Null => Val::Null,
        Kind::Bool => Val::Bool(v.as_bool().unwrap_or(false)),
        Kind::Number => match v.as_i64() {
            Some(i) => Val::Int(i),
            None => Val::Float(v.as_f64().unwrap_or(f64::NAN)),
        },
        Kind::String => Val::str(v.as_str().unwrap_or_default()),
        Kind::Array => Val::array(v.elements().map(plain).collect()),
        Kind::Object => {
            let mut o = Obj::with_capacity(v.len());
            for (k, x) in v.members() {
                o.insert(k.as_str().unwrap_or_default(), plain(x));
            }
            Val::object(o)
        }
    }
}

fn problem(e: &ValueError<'_>) -> Problem {
    // A fault inside a variable is shown at the variable's definition.
    let (span, at) = e.error.inner.unwrap_or((e.value.span(), e.error.at));
    Problem {
        deployment: false,
        span,
        at,
        message: e.error.message.clone(),
    }
}

fn origin(v: Value<'_>, params: Params) -> Origin {
    Origin {
        span: v.span(),
        params,
        var: None,
    }
}

struct Expander {
    out: Expanded,
    depth: usize,
    /// Expanding what a resource whose `condition` is unknown deploys (a nested deployment's
    /// resources, child resources): they too may not be deployed.
    under_condition: bool,
    /// Values written so far: a template cannot expand without bound.
    nodes: usize,
}

/// A template may expand to at most this many values (objects, arrays and scalars).
#[cfg(not(test))]
const MAX_NODES: usize = 5_000_000;
/// Small in unit tests, which test reaching it.
#[cfg(test)]
const MAX_NODES: usize = 20_000;

impl Expander {
    /// Evaluates a template in `scope` (its resources join the expansion) and returns its
    /// outputs: `(name, type, value)`.
    fn template<'t>(
        &mut self,
        root: Value<'t>,
        scope: &mut Scope<'t>,
    ) -> Vec<(String, String, Node)> {
        define_functions(root, scope);
        if let Some(vars) = root.get_ignore_case("variables").filter(|v| v.is_object()) {
            for (k, v) in vars.members() {
                let name = k.as_str().unwrap_or_default();
                if name.eq_ignore_ascii_case("copy") && v.is_array() {
                    for entry in v.elements() {
                        let n = entry.get_ignore_case("name").and_then(|n| n.as_str());
                        let c = entry.get_ignore_case("count");
                        let i = entry.get_ignore_case("input");
                        if let (Some(n), Some(c), Some(i)) = (n, c, i) {
                            scope.define_copy_var(&n, c, i);
                        }
                    }
                    continue;
                }
                scope.define_var(&name, v);
            }
        }
        if let Some(resources) = root.get_ignore_case("resources") {
            self.declare_symbols(resources, scope);
            self.resources(resources, None, scope);
        }
        self.outputs(root, scope)
    }

    fn outputs<'t>(
        &mut self,
        root: Value<'t>,
        scope: &mut Scope<'t>,
    ) -> Vec<(String, String, Node)> {
        let mut out = Vec::new();
        if let Some(outs) = root.get_ignore_case("outputs").filter(|o| o.is_object()) {
            for (k, o) in outs.members() {
                let name = k.as_str().unwrap_or_default().into_owned();
                let ty = o
                    .get_ignore_case("type")
                    .and_then(|t| t.as_str())
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                let value = self.output(o, scope);
                out.push((name, ty, value));
            }
        }
        out
    }

    fn output<'t>(&mut self, o: Value<'t>, scope: &mut Scope<'t>) -> Node {
        if let Some(c) = o.get_ignore_case("condition") {
            if let Ok(Val::Bool(false)) = self.eval(c, scope) {
                return Node::Leaf(Val::Null, origin(c, Params::default()));
            }
        }
        if let Some(copy) = o.get_ignore_case("copy").filter(|c| c.is_object()) {
            if let (Some(count), Some(input)) =
                (copy.get_ignore_case("count"), copy.get_ignore_case("input"))
            {
                return self.copy_node("", count, input, scope);
            }
        }
        match o.get_ignore_case("value") {
            Some(v) => self.node(v, scope),
            None => Node::Leaf(Val::Null, origin(o, Params::default())),
        }
    }

    fn eval<'t>(&mut self, v: Value<'t>, scope: &mut Scope<'t>) -> Result<Val, ()> {
        let r = scope.eval_value(v);
        let _ = scope.take_touched();
        r.map_err(|e| self.out.problems.push(problem(&e)))
    }

    /// Evaluates a template value into a [`Node`], recording origins; errors become unknowns.
    fn node<'t>(&mut self, v: Value<'t>, scope: &mut Scope<'t>) -> Node {
        self.nodes += 1;
        if self.nodes >= MAX_NODES {
            if self.nodes == MAX_NODES {
                self.out.problems.push(Problem {
                    deployment: false,
                    span: v.span(),
                    at: None,
                    message: format!(
                        "the template expands to more than {MAX_NODES} values; azlint stops there"
                    ),
                });
            }
            return Node::Leaf(
                Val::unknown("the template expands beyond azlint's limit", "copy()"),
                origin(v, Params::default()),
            );
        }
        match v.kind() {
            Kind::Object => {
                let mut members = Vec::with_capacity(v.len());
                // Parameters that keys are computed from (`userAssignedIdentities` keyed by an
                // identity id): the object is the value they give.
                let mut key_params = Params::default();
                for (k, x) in v.members() {
                    let key = k.as_str().unwrap_or_default();
                    if key.eq_ignore_ascii_case("copy") && x.is_array() {
                        self.property_copies(x, scope, &mut members);
                        continue;
                    }
                    let outer = scope.take_touched();
                    let key = match scope.eval_key(k) {
                        Ok(key) => key,
                        Err(e) => {
                            self.out.problems.push(problem(&e));
                            Arc::from(&*key)
                        }
                    };
                    key_params.extend(scope.take_touched());
                    scope.touch(outer);
                    let value = self.node(x, scope);
                    members.retain(|(k, _): &(Arc<str>, Node)| !k.eq_ignore_ascii_case(&key));
                    members.push((key, value));
                }
                Node::Object(members, origin(v, key_params))
            }
            Kind::Array => {
                let items = v.elements().map(|e| self.node(e, scope)).collect();
                Node::Array(items, origin(v, Params::default()))
            }
            Kind::String => {
                let _ = scope.take_touched();
                let _ = scope.take_touched_var();
                let r = scope.eval_value(v);
                let param = scope.take_touched();
                let var = scope.take_touched_var();
                match r {
                    Ok(val) => Node::Leaf(
                        val,
                        Origin {
                            var,
                            ..origin(v, param)
                        },
                    ),
                    Err(e) => {
                        self.out.problems.push(problem(&e));
                        Node::Leaf(
                            Val::unknown(
                                format!(
                                    "`{}` cannot be evaluated: {}",
                                    v.as_str().unwrap_or_default(),
                                    e.error.message
                                ),
                                v.as_str()
                                    .unwrap_or_default()
                                    .trim()
                                    .trim_start_matches('[')
                                    .trim_end_matches(']')
                                    .to_string(),
                            ),
                            origin(v, param),
                        )
                    }
                }
            }
            _ => Node::Leaf(plain(v), origin(v, Params::default())),
        }
    }

    fn property_copies<'t>(
        &mut self,
        copy: Value<'t>,
        scope: &mut Scope<'t>,
        members: &mut Vec<(Arc<str>, Node)>,
    ) {
        for entry in copy.elements() {
            let name = entry
                .get_ignore_case("name")
                .and_then(|n| n.as_str())
                .map(|n| n.into_owned())
                .unwrap_or_default();
            let (Some(count), Some(input)) = (
                entry.get_ignore_case("count"),
                entry.get_ignore_case("input"),
            ) else {
                self.out.problems.push(Problem {
                    deployment: false,
                    span: entry.span(),
                    at: None,
                    message: "a copy loop needs `name`, `count` and `input`".into(),
                });
                continue;
            };
            let items = self.copy_node(&name, count, input, scope);
            members.push((Arc::from(name.as_str()), items));
        }
    }

    fn copy_node<'t>(
        &mut self,
        name: &str,
        count: Value<'t>,
        input: Value<'t>,
        scope: &mut Scope<'t>,
    ) -> Node {
        let n = match self.count(count, scope) {
            Ok(n) => n,
            Err(unknown) => return Node::Leaf(unknown, origin(count, Params::default())),
        };
        let mut items = Vec::with_capacity(n as usize);
        for i in 0..n {
            scope.push_property_copy(name, i);
            items.push(self.node(input, scope));
            scope.pop_copy();
        }
        Node::Array(items, origin(input, Params::default()))
    }

    /// A copy count, or the unknown that stands for the whole loop.
    fn count<'t>(&mut self, count: Value<'t>, scope: &mut Scope<'t>) -> Result<i64, Val> {
        let v = self
            .eval(count, scope)
            .map_err(|_| Val::unknown("the copy count has an error", "copy()"))?;
        match v {
            Val::Unknown(u) => Err(Val::unknown(
                format!("the copy count is unknown: {}", u.reason),
                "copy()",
            )),
            v => match v.as_int() {
                Some(n) => match check_count(n) {
                    Ok(()) => Ok(n),
                    Err(m) => {
                        self.out.problems.push(Problem {
                            deployment: false,
                            span: count.span(),
                            at: None,
                            message: m,
                        });
                        Err(Val::unknown("the copy count is out of range", "copy()"))
                    }
                },
                None => {
                    self.out.problems.push(Problem {
                        deployment: false,
                        span: count.span(),
                        at: None,
                        message: format!("a copy count must be an integer, not {}", v.type_name()),
                    });
                    Err(Val::unknown("the copy count is not an integer", "copy()"))
                }
            },
        }
    }

    /// Records the ids of resources declared by name or symbolic name, for `reference()`.
    fn declare_symbols<'t>(&mut self, resources: Value<'t>, scope: &mut Scope<'t>) {
        for (symbol, r) in resource_list(resources) {
            if let Some(copy) = r.get_ignore_case("copy") {
                // languageVersion 2.0 names each copy `symbol[i]`: known to resources declared
                // before the loop too. (Expanding the copies names them again, with the id of
                // a copy deployed into another group.)
                if let Some(symbol) = &symbol {
                    declare_copies(symbol, copy, r, scope);
                }
                continue;
            }
            let ty = r
                .get_ignore_case("type")
                .and_then(|t| scope.eval_value(t).ok());
            let name = r
                .get_ignore_case("name")
                .and_then(|n| scope.eval_value(n).ok());
            let _ = scope.take_touched();
            // A top-level resource named only at deployment: `resourceInfo()` gives the id the
            // resource itself is given (`resourceId('<type>', <name>)`, see `resources`), so
            // that a VM naming its NIC `resourceInfo('nic').id` finds it.
            if let (Some(symbol), Some(Val::Str(ty)), Some(Val::Unknown(u))) = (&symbol, &ty, &name)
            {
                if let Some(id) = id_named_at_deployment(r, ty, u) {
                    declare_info(r, symbol, id, ty, Val::Unknown(u.clone()), scope);
                }
                continue;
            }
            if let (Some(Val::Str(ty)), Some(Val::Str(name))) = (ty, name) {
                if !ty.contains('/') || ty.matches('/').count() != name.matches('/').count() + 1 {
                    continue;
                }
                // An `existing` resource of languageVersion 2.0 may live in another resource
                // group or subscription: its `resourceGroup` and `subscriptionId` say which.
                let mut at = None;
                for (key, is_group) in [("resourceGroup", true), ("subscriptionId", false)] {
                    let value = r
                        .get_ignore_case(key)
                        .and_then(|v| scope.eval_value(v).ok());
                    let _ = scope.take_touched();
                    if let Some(Val::Str(v)) = value {
                        let d = at.get_or_insert_with(|| (*scope.deployment).clone());
                        if is_group {
                            d.resource_group = Some(v.to_string());
                        } else {
                            d.subscription_id = v.to_string();
                        }
                    }
                }
                let id = resource_id(&ty, &name, None, at.as_ref().unwrap_or(&scope.deployment));
                declare_list(r, &ty, &id, scope);
                if let Some(symbol) = &symbol {
                    declare_info(r, symbol, Val::str(&*id), &ty, Val::str(&*name), scope);
                }
                let id = id.to_lowercase();
                if let Some(symbol) = symbol {
                    scope.symbols.insert(symbol.to_lowercase(), id.clone());
                }
                scope.symbols.entry(name.to_lowercase()).or_insert(id);
            }
        }
    }

    fn resources<'t>(
        &mut self,
        resources: Value<'t>,
        parent: Option<(String, Val)>,
        scope: &mut Scope<'t>,
    ) {
        let list = resource_list(resources);
        let dependencies = Dependencies::of(&list, scope);
        if parent.is_none() {
            self.out.problems.extend(dependencies.cycles());
        }
        let order = dependencies.evaluation_order();
        for (symbol, r) in order.into_iter().map(|i| list[i].clone()) {
            if self.out.resources.len() >= MAX_RESOURCES {
                self.out.problems.push(Problem {
                    deployment: false,
                    span: r.span(),
                    at: None,
                    message: format!("the template expands to more than {MAX_RESOURCES} resources; azlint stops there"),
                });
                return;
            }
            match r.get_ignore_case("copy").filter(|c| c.is_object()) {
                Some(copy) => {
                    let name = copy
                        .get_ignore_case("name")
                        .and_then(|n| n.as_str())
                        .map(|n| n.into_owned())
                        .unwrap_or_default();
                    let Some(count) = copy.get_ignore_case("count") else {
                        self.out.problems.push(Problem {
                            deployment: false,
                            span: copy.span(),
                            at: None,
                            message: "a copy loop needs a `count`".into(),
                        });
                        continue;
                    };
                    match self.count(count, scope) {
                        Ok(n) => {
                            for i in 0..n {
                                scope.push_copy(&name, i);
                                let first = self.out.resources.len();
                                self.resource(r, &parent, scope, false);
                                scope.pop_copy();
                                // `languageVersion` 2.0 names each copy `symbol[i]`
                                // (`reference('vsocket[0]')`): the copy is the first resource
                                // this made (its children and a module's resources follow).
                                let id = self.out.resources.get(first).and_then(|res| {
                                    match res.node.get("id").map(Node::to_val) {
                                        Some(Val::Str(id)) => Some(id),
                                        _ => None,
                                    }
                                });
                                if let (Some(symbol), Some(id)) = (&symbol, id) {
                                    name_copy(scope, symbol, i, &id);
                                }
                            }
                        }
                        Err(_) => {
                            // Unknown count: one resource stands for all, copyIndex() unknown.
                            scope.push_unknown_copy(&name);
                            self.resource(r, &parent, scope, true);
                            scope.pop_copy();
                        }
                    }
                }
                None => self.resource(r, &parent, scope, false),
            }
        }
    }

    fn resource<'t>(
        &mut self,
        r: Value<'t>,
        parent: &Option<(String, Val)>,
        scope: &mut Scope<'t>,
        mut conditional: bool,
    ) {
        if r.get_ignore_case("existing").and_then(|e| e.as_bool()) == Some(true) {
            return;
        }
        if let Some(c) = r.get_ignore_case("condition") {
            match self.eval(c, scope) {
                Ok(Val::Bool(false)) => return,
                Ok(Val::Bool(true)) => {}
                _ => conditional = true,
            }
        }
        conditional |= self.under_condition;
        let mut node = Node::Object(Vec::new(), origin(r, Params::default()));
        let mut nested = None;
        let raw_deployment = r
            .get_ignore_case("type")
            .and_then(|t| t.as_str())
            .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Resources/deployments"));
        for (k, v) in r.members() {
            let key = k.as_str().unwrap_or_default();
            match key.to_ascii_lowercase().as_str() {
                "copy" | "condition" | "existing" | "comments" => continue,
                "resources" => {
                    nested = Some(v);
                    continue;
                }
                "properties" if raw_deployment && v.is_object() => {
                    // The inline template is expanded on its own (see `deployment`), in its
                    // own scope: not evaluated as a property value.
                    let mut members = Vec::new();
                    for (pk, pv) in v.members() {
                        let pkey = pk.as_str().unwrap_or_default();
                        if pkey.eq_ignore_ascii_case("template") {
                            continue;
                        }
                        members.push((Arc::from(&*pkey), self.node(pv, scope)));
                    }
                    node.set(&key, Node::Object(members, origin(v, Params::default())));
                    continue;
                }
                _ => {}
            }
            let value = self.node(v, scope);
            node.set(&key, value);
        }
        let str_of = |n: Option<&Node>| match n.map(Node::to_val) {
            Some(Val::Str(s)) => Some(s.to_string()),
            _ => None,
        };
        let own_type = str_of(node.get("type"));
        let own_name = str_of(node.get("name"));
        // A child's type is relative to its parent's: one segment (`subnets`), or an extension
        // (`providers/roleAssignments` named `Microsoft.Authorization/GUID`, as Microsoft's
        // examples write `providers/diagnosticSettings`).
        let relative = |t: &str| {
            !t.contains('/')
                || t.get(..10)
                    .is_some_and(|p| p.eq_ignore_ascii_case("providers/"))
        };
        // A child written with a type relative to its parent's, and named after it.
        let relative_child = parent.is_some() && own_type.as_deref().is_some_and(relative);
        let (full_type, full_name) = match (parent, own_type, own_name) {
            (Some((pt, pn)), Some(t), n) if relative(&t) => (
                Some(format!("{pt}/{t}")),
                match (pn, n) {
                    (Val::Str(pn), Some(n)) => Some(format!("{pn}/{n}")),
                    // The parent's name is known only at deployment: so is the child's.
                    _ => None,
                },
            ),
            (_, t, n) => (t, n),
        };
        // A relative scope (`Microsoft.Network/networkInterfaces/nic`, as Bicep writes it)
        // is a resource of the deployment's group: written out, it is the id role
        // assignments are matched by, even when the extension's own name is unknown.
        if let Some(relative) = str_of(node.get("scope"))
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty() && !s.starts_with('/'))
        {
            let at = node
                .get("scope")
                .map(Node::origin)
                .unwrap_or(origin(r, Params::default()));
            let absolute = format!(
                "{}/providers/{}",
                group_base(&scope.deployment),
                relative.trim_end_matches('/')
            );
            node.set("scope", Node::Leaf(Val::str(absolute.as_str()), at));
        }
        // A role assignment without `scope` is at the deployment's scope (Bicep's
        // `guid(resourceGroup().id, principalId, role)` in a module): known even when its
        // name, which would otherwise give it, is not.
        if full_name.is_none()
            && node.get("scope").is_none()
            && full_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments"))
        {
            let at = node
                .get("type")
                .map(Node::origin)
                .unwrap_or(origin(r, Params::default()));
            node.set(
                "scope",
                Node::Leaf(Val::str(group_base(&scope.deployment).as_str()), at),
            );
        }
        if let (Some(t), Some(n)) = (&full_type, &full_name) {
            let type_origin = node
                .get("type")
                .map(Node::origin)
                .unwrap_or(origin(r, Params::default()));
            let name_origin = node
                .get("name")
                .map(Node::origin)
                .unwrap_or(origin(r, Params::default()));
            // An extension resource in the nested form (`Microsoft.Network/networkInterfaces/
            // providers/roleAssignments` named `nic/Microsoft.Authorization/GUID`) is the
            // extension's own type and name, at the id the nested form spells out.
            let extension = extension_form(t, n);
            let (own_t, own_n) = match &extension {
                Some((et, en)) => (et.as_str(), en.as_str()),
                None => (t.as_str(), n.as_str()),
            };
            node.set("type", Node::Leaf(Val::str(own_t), type_origin));
            node.set("name", Node::Leaf(Val::str(own_n), name_origin));
            let scope_prop = str_of(node.get("scope"));
            if node.get("id").is_none() {
                // A nested deployment may target another resource group or subscription (its
                // `resourceGroup` and `subscriptionId`): its id is there, and that is the id
                // `reference()` of it names (Bicep's modules at subscription scope).
                let mut target = (*scope.deployment).clone();
                retarget(
                    &mut target,
                    str_of(node.get("resourceGroup")),
                    str_of(node.get("subscriptionId")),
                );
                let id = resource_id(t, n, scope_prop.as_deref(), &target);
                node.set("id", Node::Leaf(Val::str(id.as_str()), name_origin));
                runtime_properties(&mut node, own_t, &id, name_origin);
                if let Some(key) = declared_list_key(own_t) {
                    if let Some(list) = node
                        .get("properties")
                        .and_then(|p| p.get(key))
                        .and_then(|l| with_ids(&l.to_val(), &id, key))
                    {
                        scope.declared_lists.insert(id.to_lowercase(), (key, list));
                    }
                }
            }
        }
        // A resource of the deployment's group, declared at the top, whose name is known only
        // at deployment: its id is `resourceId('<type>', <name>)`, the expression other
        // resources name it by (a VM's `networkInterfaces[].id`, a NIC's subnet), so that they
        // find it.
        // (A child with a type of its own names itself in full, as a resource at the top does.)
        if let (Some(t), None, false) = (&full_type, &full_name, relative_child) {
            let elsewhere = ["scope", "resourceGroup", "subscriptionId"]
                .iter()
                .any(|k| node.get(k).is_some());
            let name = node.get("name").map(|n| (n.to_val(), n.origin()));
            if let (false, 1.., Some((Val::Unknown(u), at))) =
                (elsewhere, t.matches('/').count(), name)
            {
                node.set("id", Node::Leaf(id_of_unknown_name(t, &u), at));
                if t.eq_ignore_ascii_case("Microsoft.Network/virtualNetworks") {
                    name_subnets(&mut node, &u);
                }
            }
        }
        // A child declared in its parent's `resources` (a route of a route table) whose own name
        // is known only at deployment: its type and name are its parent's and its own, and its
        // id `resourceId('<type>', <parent's name>, <name>)`, so that it finds its parent and
        // what names it finds it.
        // The same when its parent's name is known only at deployment.
        let extension = |t: &str| t.to_ascii_lowercase().contains("/providers/");
        if let (Some(t), None, Some((_, pn)), true) =
            (&full_type, &full_name, parent, relative_child)
        {
            let name = node.get("name").map(|n| (n.to_val(), n.origin()));
            let type_origin = node.get("type").map(Node::origin);
            let reason = match (pn, &name) {
                (Val::Unknown(u), _) | (_, Some((Val::Unknown(u), _))) => Some(u.reason.clone()),
                _ => None,
            };
            // A name as an expression: a literal's text, an unknown's symbol.
            let expression = |v: &Val| match v {
                Val::Unknown(u) => Some(u.symbol.clone()),
                Val::Str(_) => Some(render(v)),
                _ => None,
            };
            if let (Some((own, at)), Some(type_origin), Some(reason)) = (name, type_origin, reason)
            {
                if let (Some(parent_name), Some(own)) = (expression(pn), expression(&own)) {
                    let full = match pn {
                        Val::Str(pn) => format!(
                            "concat({}, {own})",
                            render(&Val::str(format!("{pn}/").as_str()))
                        ),
                        _ => format!("concat({parent_name}, '/', {own})"),
                    };
                    let id = format!(
                        "resourceId({}, {parent_name}, {own})",
                        render(&Val::str(t.as_str()))
                    );
                    // An extension (`providers/roleAssignments` of a NIC) keeps the nested
                    // form's name, `<parent>/Microsoft.Authorization/<guid>`; its type and
                    // scope are read below.
                    node.set("name", Node::Leaf(Val::unknown(reason.clone(), full), at));
                    if !extension(t) {
                        node.set("type", Node::Leaf(Val::str(t.as_str()), type_origin));
                        node.set("id", Node::Leaf(Val::unknown(reason, id), at));
                    } else if let (None, Some((base, _))) = (
                        node.get("scope"),
                        t.to_ascii_lowercase()
                            .find("/providers/")
                            .map(|at| t.split_at(at)),
                    ) {
                        // The extension is on its parent: a resource of the deployment's group
                        // (a NIC, a VNET) whose id is `resourceId(<type>, <name>)`.
                        match pn {
                            Val::Str(pn) => {
                                let id = resource_id(base, pn, None, &scope.deployment);
                                node.set("scope", Node::Leaf(Val::str(id.as_str()), at));
                            }
                            _ if base.matches('/').count() == 1 => {
                                let scope_id = format!(
                                    "resourceId({}, {parent_name})",
                                    render(&Val::str(base))
                                );
                                node.set("scope", Node::Leaf(Val::unknown(reason, scope_id), at));
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        // The nested form of a role assignment whose name is known only after deployment: still
        // a role assignment. Its scope is in its name, `<resource>/Microsoft.Authorization/<guid>`:
        // when the name is built so, the scope is that resource of the deployment's group,
        // `resourceId(<type>, <resource>)`, as the resource's own id is.
        if full_name.is_none() {
            if let Some(t) = &full_type {
                let lower = t.to_ascii_lowercase();
                if let (Some(at), true) = (
                    lower.find("/providers/"),
                    lower.ends_with("/roleassignments"),
                ) {
                    let type_at = node
                        .get("type")
                        .map(Node::origin)
                        .unwrap_or(origin(r, Params::default()));
                    node.set(
                        "type",
                        Node::Leaf(Val::str("Microsoft.Authorization/roleAssignments"), type_at),
                    );
                    let elsewhere = ["scope", "resourceGroup", "subscriptionId"]
                        .iter()
                        .any(|k| node.get(k).is_some());
                    let name = node.get("name").map(|n| (n.to_val(), n.origin()));
                    if let (false, Some((Val::Unknown(u), name_at))) = (elsewhere, name) {
                        let base = &t[..at];
                        let extended =
                            crate::text::extended_name(&u.symbol, "/Microsoft.Authorization/");
                        let scope_id = match extended.as_deref().map(crate::expr::parse_expr) {
                            // A literal name (the guid alone is unknown): the resource's id.
                            Some(Ok(crate::expr::Expr::Str(n))) => Some(Val::str(
                                resource_id(base, &n, None, &scope.deployment).as_str(),
                            )),
                            Some(_) => extended.map(|e| {
                                let id = format!("resourceId({}, {e})", render(&Val::str(base)));
                                Val::unknown(u.reason.clone(), id)
                            }),
                            None => None,
                        };
                        if let Some(id) = scope_id {
                            node.set("scope", Node::Leaf(id, name_at));
                        }
                    }
                }
            }
        }
        // Children of a parent named only at deployment too: those with a type of their own
        // stand on their own, and the others are named after it.
        let children_parent = full_name.map(|n| Val::str(n.as_str())).or_else(|| {
            match node.get("name").map(Node::to_val) {
                Some(u @ Val::Unknown(_)) => Some(u),
                _ => None,
            }
        });
        let deployment_node = raw_deployment.then(|| node.clone());
        self.out.resources.push(Resource { node, conditional });
        let outer = std::mem::replace(&mut self.under_condition, conditional);
        if let Some(node) = deployment_node {
            self.deployment(r, &node, scope);
        }
        if let (Some(children), Some(t), Some(n)) = (nested, full_type, children_parent) {
            self.resources(children, Some((t, n)), scope);
        }
        self.under_condition = outer;
    }
}

/// The id of a resource declared in a template deployed as `d`.
fn resource_id(ty: &str, name: &str, at_scope: Option<&str>, d: &Deployment) -> String {
    {
        let mut segments = ty.split('/');
        let ns = segments.next().unwrap_or_default();
        let mut path = format!("/providers/{ns}");
        let mut names = name.split('/');
        for t in segments {
            path.push('/');
            path.push_str(t);
            path.push('/');
            path.push_str(names.next().unwrap_or_default());
        }
        if let Some(s) = at_scope.map(str::trim).filter(|s| !s.is_empty()) {
            if s.starts_with('/') {
                return format!("{}{path}", s.trim_end_matches('/'));
            }
            // `Microsoft.Network/networkInterfaces/nic`: a resource of the deployment's group.
            return format!(
                "{}/providers/{}{path}",
                group_base(d),
                s.trim_end_matches('/')
            );
        }
        if ty.eq_ignore_ascii_case("Microsoft.Resources/resourceGroups") {
            return format!("/subscriptions/{}/resourceGroups/{name}", d.subscription_id);
        }
        match &d.resource_group {
            Some(rg) => format!(
                "/subscriptions/{}/resourceGroups/{rg}{path}",
                d.subscription_id
            ),
            None => format!("/subscriptions/{}{path}", d.subscription_id),
        }
    }
}

impl Expander {
    /// A nested deployment with an inline template: its resources join the expansion.
    fn deployment<'t>(&mut self, r: Value<'t>, node: &Node, scope: &mut Scope<'t>) {
        let Some(props) = r.get_ignore_case("properties").filter(|p| p.is_object()) else {
            return;
        };
        let Some(inner) = props.get_ignore_case("template").filter(|t| t.is_object()) else {
            // Once per link, however many copies of the deployment a loop makes.
            let link = props
                .get_ignore_case("templateLink")
                .filter(|l| !self.out.skipped.iter().any(|p| p.span == l.span()));
            if let Some(link) = link {
                // As evaluated (`[uri(deployment().properties.templateLink.uri, ...)]` is a
                // URI), else as written.
                let evaluated = node.get("properties").and_then(|p| p.get("templateLink"));
                let target = ["uri", "relativePath", "id"]
                    .iter()
                    .find_map(
                        |k| match evaluated.and_then(|l| l.get(k)).map(Node::to_val) {
                            Some(Val::Str(s)) => Some(s.to_string()),
                            _ => link
                                .get_ignore_case(k)
                                .and_then(|v| v.as_str())
                                .map(|v| v.into_owned()),
                        },
                    )
                    .map(|t| format!(" (`{t}`)"))
                    .unwrap_or_default();
                self.out.skipped.push(Problem {
                    deployment: false,
                    span: link.span(),
                    at: None,
                    message: format!(
                        "the linked template{target} is not read: the resources it deploys are not linted"
                    ),
                });
            }
            return;
        };
        if self.depth >= MAX_NESTING {
            self.out.problems.push(Problem {
                deployment: false,
                span: inner.span(),
                at: None,
                message: format!(
                    "nested templates nest deeper than {MAX_NESTING}; azlint stops there"
                ),
            });
            return;
        }
        let inner_scope = props
            .get_ignore_case("expressionEvaluationOptions")
            .and_then(|o| o.get_ignore_case("scope"))
            .and_then(|s| s.as_str())
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let mut d = (*scope.deployment).clone();
        let target = |key: &str| match node.get(key).map(Node::to_val) {
            Some(Val::Str(s)) => Some(s.to_string()),
            _ => None,
        };
        retarget(&mut d, target("resourceGroup"), target("subscriptionId"));
        if let Some(n) = target("name") {
            d.name = n;
        }
        self.depth += 1;
        let outputs;
        if inner_scope {
            let mut inner_s = Scope::new(Arc::new(deployment_for(inner, d)));
            let given = props
                .get_ignore_case("parameters")
                .filter(|p| p.is_object());
            if let Some(declared) = inner
                .get_ignore_case("parameters")
                .filter(|p| p.is_object())
            {
                let mut defaults = Vec::new();
                for (k, decl) in declared.members() {
                    let name = k.as_str().unwrap_or_default().into_owned();
                    let entry = given.and_then(|g| g.get_ignore_case(&name));
                    // `{"value": ...}`, or what Bicep writes for a `for` expression:
                    // `{"copy": [{"name": "value", "count": ..., "input": ...}]}`, which is
                    // evaluated as the object it is, `value` then read from the result.
                    let value = entry.and_then(|e| {
                        e.get_ignore_case("value").or_else(|| {
                            e.get_ignore_case("copy")
                                .filter(|c| c.is_array())
                                .map(|_| e)
                        })
                    });
                    match (value, decl.get_ignore_case("defaultValue")) {
                        (Some(v), _) => {
                            let copy_form = entry.is_some_and(|e| e.index() == v.index());
                            // The parent's parameters read here are where the value comes
                            // from in the end (its parameter file, say).
                            let outer = scope.take_touched();
                            let r = scope.eval_value(v);
                            let via = scope.take_touched();
                            scope.touch(outer);
                            let r = match r {
                                Ok(Val::Object(obj)) if copy_form => {
                                    Ok(obj.get("value").cloned().unwrap_or_else(|| {
                                        Val::unknown(
                                            "the parameter's `copy` gives no `value`",
                                            format!("parameters('{name}')"),
                                        )
                                    }))
                                }
                                other => other,
                            };
                            let val = r
                                .map_err(|e| self.out.problems.push(problem(&e)))
                                .unwrap_or_else(|_| {
                                    Val::unknown(
                                        "the parameter value has an error",
                                        format!("parameters('{name}')"),
                                    )
                                });
                            // Findings about what the module makes of it point here too.
                            let idx = self.out.params.len() as u32;
                            self.out.params.push(ParamSource {
                                name: name.clone(),
                                from: ParamFrom::Passed(v.span()),
                                via,
                            });
                            inner_s.set_param(&name, val, Some(idx));
                        }
                        (None, Some(d)) => defaults.push((name, d)),
                        (None, None) => inner_s.set_param(
                            &name,
                            Val::unknown(
                                format!("the nested template's parameter `{name}` has no value"),
                                format!("parameters('{name}')"),
                            ),
                            None,
                        ),
                    }
                }
                for (name, d) in defaults {
                    inner_s.set_in_default(true);
                    let val = self.eval(d, &mut inner_s);
                    inner_s.set_in_default(false);
                    let val = val.unwrap_or_else(|_| {
                        Val::unknown("the default has an error", format!("parameters('{name}')"))
                    });
                    inner_s.set_param(&name, val, None);
                }
            }
            outputs = self.template(inner, &mut inner_s);
        } else {
            // Outer scope: the inner template's expressions read the outer template's values.
            let saved = scope.deployment.clone();
            scope.deployment = Arc::new(d);
            if let Some(resources) = inner.get_ignore_case("resources") {
                self.resources(resources, None, scope);
            }
            outputs = self.outputs(inner, scope);
            scope.deployment = saved;
        }
        self.depth -= 1;
        // `reference('<deployment>').outputs.x.value` reads what the nested template gave.
        let mut by_name = Obj::with_capacity(outputs.len());
        for (name, ty, value) in outputs {
            let mut o = Obj::with_capacity(2);
            o.push("type", Val::str(ty));
            o.push("value", value.to_val());
            by_name.push(name, Val::object(o));
        }
        // Its properties as Azure reports them after deployment: the outputs are known, the
        // rest of what Azure adds is not.
        let runtime = |what: &str| {
            Val::unknown(
                format!("the deployment's `{what}` is known only after it runs"),
                format!("reference('{}').{what}", target("name").unwrap_or_default()),
            )
        };
        let mut props = match node.get("properties").map(Node::to_val) {
            Some(Val::Object(o)) => (*o).clone(),
            _ => Obj::new(),
        };
        props.insert("outputs", Val::object(by_name));
        for key in DEPLOYMENT_RUNTIME {
            if !props.contains_key(key) {
                props.insert(*key, runtime(key));
            }
        }
        let props = Val::object(props);
        // `reference(..., 'Full')`: the resource, with the same properties.
        let mut full = match node.to_val() {
            Val::Object(o) => (*o).clone(),
            _ => Obj::new(),
        };
        full.insert("properties", props.clone());
        for key in FULL_RUNTIME {
            if !full.contains_key(key) {
                full.insert(*key, runtime(key));
            }
        }
        let full = Val::object(full);
        for key in [target("id"), target("name")].into_iter().flatten() {
            scope
                .results
                .insert(key.to_lowercase(), (props.clone(), full.clone()));
        }
    }
}

/// Where a nested deployment that names a resource group or a subscription deploys: that
/// group; or, given a subscription alone, that subscription itself (as ARM deploys it).
fn retarget(d: &mut Deployment, resource_group: Option<String>, subscription: Option<String>) {
    match (resource_group, subscription) {
        (Some(rg), sub) => {
            d.resource_group = Some(rg);
            if let Some(sub) = sub {
                d.subscription_id = sub;
            }
        }
        (None, Some(sub)) => {
            d.subscription_id = sub;
            d.resource_group = None;
        }
        (None, None) => {}
    }
}

/// The id of the deployment's resource group (of its subscription, at subscription scope).
fn group_base(d: &Deployment) -> String {
    match &d.resource_group {
        Some(rg) => format!("/subscriptions/{}/resourceGroups/{rg}", d.subscription_id),
        None => format!("/subscriptions/{}", d.subscription_id),
    }
}

/// The extension's own type and name when `ty`/`name` are an extension resource in the nested
/// form: `NS/T1/providers/ET` named `n1/EXT.NS/en` (as many names as the base type has
/// segments, then the extension's namespace, then its names) is `EXT.NS/ET` named `en`.
fn extension_form(ty: &str, name: &str) -> Option<(String, String)> {
    let segments: Vec<&str> = ty.split('/').collect();
    let at = segments
        .iter()
        .position(|s| s.eq_ignore_ascii_case("providers"))?;
    // The base type has a namespace and at least one type segment; the extension at least one.
    if at < 2 || at + 1 >= segments.len() {
        return None;
    }
    let names: Vec<&str> = name.split('/').collect();
    let base_names = at - 1;
    let ext_types = &segments[at + 1..];
    if names.len() != base_names + 1 + ext_types.len() {
        return None;
    }
    let namespace = names[base_names];
    Some((
        format!("{namespace}/{}", ext_types.join("/")),
        names[base_names + 1..].join("/"),
    ))
}

/// Names `symbol[i]` for each copy of a looped resource whose count and names are known
/// before deployment.
fn declare_copies<'t>(symbol: &str, copy: Value<'t>, r: Value<'t>, scope: &mut Scope<'t>) {
    let name = copy
        .get_ignore_case("name")
        .and_then(|n| n.as_str())
        .map(|n| n.into_owned())
        .unwrap_or_default();
    let count = copy
        .get_ignore_case("count")
        .and_then(|c| scope.eval_value(c).ok())
        .and_then(|c| c.as_int())
        .filter(|&n| check_count(n).is_ok());
    let _ = scope.take_touched();
    for i in 0..count.unwrap_or(0) {
        scope.push_copy(&name, i);
        let ty = r
            .get_ignore_case("type")
            .and_then(|t| scope.eval_value(t).ok());
        let own = r
            .get_ignore_case("name")
            .and_then(|n| scope.eval_value(n).ok());
        let _ = scope.take_touched();
        if let (Some(Val::Str(ty)), Some(Val::Unknown(u))) = (&ty, &own) {
            if let Some(id) = id_named_at_deployment(r, ty, u) {
                let own = Val::Unknown(u.clone());
                declare_info(r, &format!("{symbol}[{i}]"), id, ty, own, scope);
            }
        }
        if let (Some(Val::Str(ty)), Some(Val::Str(own))) = (ty, own) {
            let id = resource_id(&ty, &own, None, &scope.deployment);
            declare_list(r, &ty, &id, scope);
            declare_info(
                r,
                &format!("{symbol}[{i}]"),
                Val::str(&*id),
                &ty,
                Val::str(&*own),
                scope,
            );
            name_copy(scope, symbol, i, &id);
        }
        scope.pop_copy();
    }
}

/// The id of a resource `r` declared at the top of a template, of type `ty`, whose name
/// (`name`) is known only at deployment: `resourceId('<type>', <name>)`, which `resources`
/// gives the resource itself and other resources name it by. `None` for a resource deployed
/// elsewhere (its `scope`, `resourceGroup` or `subscriptionId` says where).
fn id_named_at_deployment(r: Value<'_>, ty: &str, name: &crate::Unknown) -> Option<Val> {
    let elsewhere = ["scope", "resourceGroup", "subscriptionId"]
        .iter()
        .any(|k| r.get_ignore_case(k).is_some());
    (!elsewhere && ty.contains('/')).then(|| id_of_unknown_name(ty, name))
}

/// `resourceId('<type>', <name>)`, known only at deployment, for a resource of the
/// deployment's group whose name is. A child resource's one name is its full name
/// (`vnet/subnet`), which `text` reads segment by segment.
fn id_of_unknown_name(ty: &str, name: &crate::Unknown) -> Val {
    let id = format!("resourceId({}, {})", render(&Val::str(ty)), name.symbol);
    Val::unknown(name.reason.clone(), id)
}

/// A VNET's subnets and a NIC's IP configurations are known to `reference()` of it from any
/// resource of the template, whether it comes before it or after (each copy's, in a loop).
fn declare_list<'t>(r: Value<'t>, ty: &str, id: &str, scope: &mut Scope<'t>) {
    let Some(key) = declared_list_key(ty) else {
        return;
    };
    let list = r
        .get_ignore_case("properties")
        .and_then(|p| p.get_ignore_case(key))
        .and_then(|l| scope.eval_value(l).ok());
    let _ = scope.take_touched();
    if let Some(list) = list.and_then(|l| with_ids(&l, id, key)) {
        scope.declared_lists.insert(id.to_lowercase(), (key, list));
    }
}

/// The subnets a VNET whose name is unknown declares: each is
/// `resourceId('Microsoft.Network/virtualNetworks/subnets', <VNET name>, <subnet name>)`, the
/// id a NIC of the same template names it by.
fn name_subnets(vnet: &mut Node, name: &crate::value::Unknown) {
    let Node::Object(members, _) = vnet else {
        return;
    };
    let Some((_, Node::Object(props, _))) = members
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("properties"))
    else {
        return;
    };
    let Some((_, Node::Array(subnets, _))) = props
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("subnets"))
    else {
        return;
    };
    for subnet in subnets {
        if subnet.get("id").is_some() {
            continue;
        }
        let Some(own) = subnet.get("name") else {
            continue;
        };
        let (own, at) = (own.to_val(), own.origin());
        if !matches!(own, Val::Str(_) | Val::Unknown(_)) {
            continue;
        }
        let symbol = format!(
            "resourceId('Microsoft.Network/virtualNetworks/subnets', {}, {})",
            name.symbol,
            render(&own)
        );
        subnet.set(
            "id",
            Node::Leaf(Val::unknown(name.reason.clone(), symbol), at),
        );
    }
}

/// Copy `i` of the looped resource `symbol` is `symbol[i]` to `reference()` (and to
/// `resourceInfo()`, with the id the copy was given).
fn name_copy(scope: &mut Scope<'_>, symbol: &str, i: i64, id: &str) {
    let key = format!("{symbol}[{i}]").to_lowercase();
    if let Some(Val::Object(info)) = scope.infos.get_mut(&key) {
        Arc::make_mut(info).insert("id", Val::str(id));
    }
    scope.symbols.insert(key, id.to_lowercase());
}

/// What `resourceInfo('<symbol>')` gives for a declared resource.
fn declare_info<'t>(
    r: Value<'t>,
    symbol: &str,
    id: Val,
    ty: &str,
    name: Val,
    scope: &mut Scope<'t>,
) {
    let api = r
        .get_ignore_case("apiVersion")
        .and_then(|a| scope.eval_value(a).ok());
    let _ = scope.take_touched();
    let mut info = Obj::with_capacity(4);
    info.push("id", id);
    info.push("name", name);
    info.push("type", Val::str(ty));
    if let Some(api) = api {
        info.push("apiVersion", api);
    }
    scope
        .infos
        .insert(symbol.to_lowercase(), Val::Object(Arc::new(info)));
}

/// The list property of a resource type that `reference()` knows as declared.
fn declared_list_key(ty: &str) -> Option<&'static str> {
    if ty.eq_ignore_ascii_case("Microsoft.Network/virtualNetworks") {
        Some("subnets")
    } else if ty.eq_ignore_ascii_case("Microsoft.Network/networkInterfaces") {
        Some("ipConfigurations")
    } else {
        None
    }
}

/// A declared list of child items (subnets, IP configurations), each given the id Azure gives
/// it. An IP configuration's private address is the declared one only when it is `Static`:
/// a dynamic one is Azure's choice, whatever the template writes.
fn with_ids(items: &Val, parent_id: &str, key: &str) -> Option<Val> {
    let Val::Array(list) = items else {
        return None;
    };
    let items = list
        .iter()
        .map(|item| {
            let Val::Object(o) = item else {
                return item.clone();
            };
            let mut o = (**o).clone();
            if o.get("id").is_none() {
                if let Some(Val::Str(name)) = o.get("name") {
                    o.insert("id", Val::str(format!("{parent_id}/{key}/{name}")));
                }
            }
            if key == "ipConfigurations" {
                if let Some(Val::Object(props)) = o.get("properties") {
                    let fixed = matches!(props.get("privateIPAllocationMethod"),
                        Some(Val::Str(m)) if m.eq_ignore_ascii_case("Static"));
                    if !fixed && props.get("privateIPAddress").is_some() {
                        let mut props = (**props).clone();
                        props.remove("privateIPAddress");
                        o.insert("properties", Val::object(props));
                    }
                }
            }
            Val::object(o)
        })
        .collect();
    Some(Val::Array(Arc::new(items)))
}

/// Properties Azure sets when it creates a resource, which other resources of the template
/// read with `reference()`: written as the same unknown those reads give, so that rules can
/// join on them before deployment (a role assignment for "the principal of identity X", a
/// route to "the private IP of NIC Y").
fn runtime_properties(node: &mut Node, ty: &str, id: &str, at: Origin) {
    let target = id.to_lowercase().replace('\'', "''");
    let symbol = |path: &str| format!("reference('{target}', 'Full').{path}");
    let unknown = |what: &str, path: &str| {
        Node::Leaf(
            Val::unknown(
                format!("{what} is known only after deployment"),
                symbol(path),
            ),
            at,
        )
    };
    // A system-assigned identity's principal.
    if let Some(identity) = node.get("identity") {
        let system = matches!(identity.get("type").map(Node::to_val),
            Some(Val::Str(t)) if t.to_ascii_lowercase().contains("systemassigned"));
        if let (true, Node::Object(members, o)) = (system, identity) {
            let mut identity = Node::Object(members.clone(), *o);
            for key in ["principalId", "tenantId"] {
                if identity.get(key).is_none() {
                    identity.set(
                        key,
                        unknown(
                            &format!("the {key} of this resource's identity"),
                            &format!("identity.{key}"),
                        ),
                    );
                }
            }
            node.set("identity", identity);
        }
    }
    let lower = ty.to_ascii_lowercase();
    let mut props = match node.get("properties") {
        Some(Node::Object(members, o)) => Node::Object(members.clone(), *o),
        Some(_) => return,
        None => Node::Object(Vec::new(), at),
    };
    match lower.as_str() {
        "microsoft.managedidentity/userassignedidentities" => {
            for key in ["principalId", "clientId", "tenantId"] {
                if props.get(key).is_none() {
                    props.set(
                        key,
                        unknown(
                            &format!("the {key} of this identity"),
                            &format!("properties.{key}"),
                        ),
                    );
                }
            }
        }
        "microsoft.network/networkinterfaces" => {
            // A dynamic private address is Azure's choice.
            let Some(Node::Array(configs, o)) = props.get("ipConfigurations").cloned() else {
                return;
            };
            let configs = configs
                .into_iter()
                .enumerate()
                .map(|(i, mut config)| {
                    let inner = match config.get("properties") {
                        Some(Node::Object(m, o)) => Some(Node::Object(m.clone(), *o)),
                        _ => None,
                    };
                    if let Some(mut inner) = inner {
                        if inner.get("privateIPAddress").is_none() {
                            inner.set(
                                "privateIPAddress",
                                unknown(
                                    "a dynamic private IP address",
                                    &format!("properties.ipConfigurations[{i}].properties.privateIPAddress"),
                                ),
                            );
                            config.set("properties", inner);
                        }
                    }
                    config
                })
                .collect();
            props.set("ipConfigurations", Node::Array(configs, o));
        }
        _ => return,
    }
    node.set("properties", props);
}

/// The `dependsOn` edges among the resources of one template (a list), each with the entry
/// that makes it. An entry names a resource by its symbolic name, its copy loop's name, its id,
/// or its name when no other resource has that name (a nested deployment also by the last
/// segment of a deployment id); an entry azlint cannot evaluate names nothing, and a resource
/// naming itself is left alone.
struct Dependencies {
    needs: Vec<Vec<(usize, Span)>>,
    deployment: Vec<bool>,
    /// Each resource as a message names it.
    shown: Vec<String>,
}

impl Dependencies {
    fn of<'t>(list: &[(Option<String>, Value<'t>)], scope: &mut Scope<'t>) -> Dependencies {
        let mut deps = Dependencies {
            needs: vec![Vec::new(); list.len()],
            deployment: Vec::with_capacity(list.len()),
            shown: Vec::with_capacity(list.len()),
        };
        if !list
            .iter()
            .any(|(_, r)| r.get_ignore_case("dependsOn").is_some())
        {
            return deps;
        }
        fn eval<'t>(v: Value<'t>, scope: &mut Scope<'t>) -> Option<String> {
            let v = scope.eval_value(v).ok();
            let _ = scope.take_touched();
            match v {
                Some(Val::Str(s)) => Some(s.trim().trim_end_matches('/').to_string()),
                _ => None,
            }
        }
        let mut keys: Vec<Vec<String>> = Vec::with_capacity(list.len());
        let mut names: Vec<Option<String>> = Vec::with_capacity(list.len());
        let mut types: Vec<Option<String>> = Vec::with_capacity(list.len());
        for (i, (symbol, r)) in list.iter().enumerate() {
            let mut k: Vec<String> = symbol.iter().map(|s| s.to_ascii_lowercase()).collect();
            let copy = r.get_ignore_case("copy").filter(|c| c.is_object());
            let copy_name = copy.and_then(|c| c.get_ignore_case("name")?.as_str());
            k.extend(copy_name.as_deref().map(str::to_ascii_lowercase));
            // A copy's name reads copyIndex(): its loop's name stands for it.
            let written = match copy {
                Some(_) => None,
                None => r.get_ignore_case("name").and_then(|v| eval(v, scope)),
            };
            let ty = r.get_ignore_case("type").and_then(|v| eval(v, scope));
            deps.deployment.push(
                ty.as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("Microsoft.Resources/deployments")),
            );
            if let (Some(ty), Some(name)) = (&ty, &written) {
                if ty.contains('/') && ty.matches('/').count() == name.matches('/').count() + 1 {
                    k.push(resource_id(ty, name, None, &scope.deployment).to_ascii_lowercase());
                }
            }
            deps.shown.push(
                written
                    .clone()
                    .or_else(|| symbol.clone())
                    .or_else(|| copy_name.map(|n| n.into_owned()))
                    .unwrap_or_else(|| format!("resource {}", i + 1)),
            );
            keys.push(k);
            names.push(written.map(|n| n.to_ascii_lowercase()));
            types.push(ty);
        }
        for (i, (_, r)) in list.iter().enumerate() {
            let Some(entries) = r.get_ignore_case("dependsOn").filter(|d| d.is_array()) else {
                continue;
            };
            for entry in entries.elements() {
                let Some(dep) = eval(entry, scope).map(|d| d.to_ascii_lowercase()) else {
                    continue;
                };
                let matching = |hit: &dyn Fn(usize) -> bool| -> Vec<usize> {
                    (0..list.len()).filter(|&j| j != i && hit(j)).collect()
                };
                let mut targets = matching(&|j| keys[j].contains(&dep));
                if targets.is_empty() {
                    if let Some(last) = dep
                        .split_once("/microsoft.resources/deployments/")
                        .map(|(_, n)| n)
                    {
                        targets =
                            matching(&|j| deps.deployment[j] && names[j].as_deref() == Some(last));
                    }
                }
                if targets.is_empty() {
                    let by_name = matching(&|j| names[j].as_deref() == Some(dep.as_str()));
                    if by_name.len() == 1 {
                        targets = by_name;
                    }
                }
                deps.needs[i].extend(targets.into_iter().map(|j| (j, entry.span())));
            }
        }
        deps
    }

    /// The order to evaluate resources in: the template's, except that a nested deployment
    /// another resource depends on comes before it, as Azure deploys it first, so that
    /// `reference('<deployment>').outputs` reads what it gives. Other dependencies carry no
    /// values azlint knows before deployment, and keep their places.
    fn evaluation_order(&self) -> Vec<usize> {
        let mut order = Vec::with_capacity(self.needs.len());
        self.walk(|d| self.deployment[d], |i| order.push(i), |_, _, _| {});
        order
    }

    /// The entries that close a circular dependency: Azure rejects such a deployment
    /// ("Circular dependency detected").
    fn cycles(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        self.walk(
            |_| true,
            |_| {},
            |path, closing, span| {
                let names: Vec<String> = path
                    .iter()
                    .chain([&closing])
                    .map(|&j| format!("`{}`", self.shown[j]))
                    .collect();
                out.push(Problem {
                    deployment: true,
                    span,
                    at: None,
                    message: format!(
                        "this dependsOn closes a circular dependency ({}): Azure rejects the deployment",
                        names.join(" -> ")
                    ),
                });
            },
        );
        out
    }

    /// Depth first over the edges `follow` keeps, in the template's order, with a stack of its
    /// own (chains may be long): `done` gets each resource after those it needs; `cycle` the
    /// path from the resource an edge returns to, that resource, and the edge's entry.
    fn walk(
        &self,
        follow: impl Fn(usize) -> bool,
        mut done: impl FnMut(usize),
        mut cycle: impl FnMut(&[usize], usize, Span),
    ) {
        let mut state = vec![0u8; self.needs.len()];
        for root in 0..self.needs.len() {
            if state[root] != 0 {
                continue;
            }
            state[root] = 1;
            let mut stack = vec![(root, 0usize)];
            while let Some(&(i, next)) = stack.last() {
                let edge = self.needs[i]
                    .iter()
                    .enumerate()
                    .skip(next)
                    .find(|(_, (d, _))| follow(*d));
                let Some((k, &(d, span))) = edge else {
                    state[i] = 2;
                    done(i);
                    stack.pop();
                    continue;
                };
                if let Some(top) = stack.last_mut() {
                    top.1 = k + 1;
                }
                match state[d] {
                    0 => {
                        state[d] = 1;
                        stack.push((d, 0));
                    }
                    1 => {
                        let path: Vec<usize> = stack
                            .iter()
                            .map(|&(j, _)| j)
                            .skip_while(|&j| j != d)
                            .collect();
                        cycle(&path, d, span);
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Resources in languageVersion 1.0 (an array) or 2.0 (an object keyed by symbolic name).
fn resource_list(resources: Value<'_>) -> Vec<(Option<String>, Value<'_>)> {
    if resources.is_object() {
        resources
            .members()
            .filter(|(_, v)| v.is_object())
            .map(|(k, v)| (k.as_str().map(|s| s.into_owned()), v))
            .collect()
    } else {
        resources
            .elements()
            .filter(|v| v.is_object())
            .map(|v| (None, v))
            .collect()
    }
}

/// User-defined functions: `functions: [{namespace, members: {name: {parameters, output}}}]`.
fn define_functions<'t>(root: Value<'t>, scope: &mut Scope<'t>) {
    let Some(fns) = root.get_ignore_case("functions") else {
        return;
    };
    for ns in fns.elements() {
        let Some(namespace) = ns.get_ignore_case("namespace").and_then(|n| n.as_str()) else {
            continue;
        };
        let Some(members) = ns.get_ignore_case("members").filter(|m| m.is_object()) else {
            continue;
        };
        for (k, f) in members.members() {
            let name = k.as_str().unwrap_or_default();
            let params = f
                .get_ignore_case("parameters")
                .map(|ps| {
                    ps.elements()
                        .filter_map(|p| p.get_ignore_case("name").and_then(|n| n.as_str()))
                        .map(|n| n.into_owned())
                        .collect()
                })
                .unwrap_or_default();
            let Some(output) = f
                .get_ignore_case("output")
                .and_then(|o| o.get_ignore_case("value"))
            else {
                continue;
            };
            scope.define_fn(&format!("{namespace}.{name}"), UserFn { params, output });
        }
    }
}

/// Where an error inside a template string is in the file: the part of the string when its
/// source text has no escapes (offsets in the value are then offsets in the file), else the
/// whole string.
pub fn problem_span(p: &Problem, source: &str) -> Span {
    let whole = p.span;
    let Some((a, b)) = p.at else { return whole };
    let raw = source.get(whole.range()).unwrap_or_default();
    if raw.len() >= 2 && !raw[1..raw.len() - 1].contains('\\') {
        let start = whole.start + 1 + a;
        let end = (whole.start + 1 + b).min(whole.end.saturating_sub(1));
        if start < end {
            return Span::new(start, end);
        }
    }
    whole
}

impl From<ExprError> for Problem {
    fn from(e: ExprError) -> Self {
        Problem {
            deployment: false,
            span: Span::new(0, 0),
            at: e.at,
            message: e.message,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn extension_resources_in_the_nested_form_are_their_own_type() {
        use super::extension_form;
        assert_eq!(
            extension_form(
                "Microsoft.Network/networkInterfaces/providers/roleAssignments",
                "nic/Microsoft.Authorization/0000"
            ),
            Some((
                "Microsoft.Authorization/roleAssignments".into(),
                "0000".into()
            ))
        );
        assert_eq!(
            extension_form(
                "Microsoft.Network/virtualNetworks/subnets/providers/roleAssignments",
                "vnet/lan/Microsoft.Authorization/0000"
            ),
            Some((
                "Microsoft.Authorization/roleAssignments".into(),
                "0000".into()
            ))
        );
        // Not the nested form: an ordinary child, or names that do not fit the type.
        assert_eq!(
            extension_form("Microsoft.Network/virtualNetworks/subnets", "v/s"),
            None
        );
        assert_eq!(
            extension_form(
                "Microsoft.Network/networkInterfaces/providers/roleAssignments",
                "nic/0000"
            ),
            None
        );
        assert_eq!(
            extension_form("Microsoft.Authorization/roleAssignments", "g"),
            None
        );
    }

    #[test]
    fn nested_copy_loops_stop_at_the_value_limit() {
        let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {
      "type": "Microsoft.Network/routeTables",
      "name": "[format('rt-{0}', copyIndex())]",
      "copy": {"name": "r", "count": 800},
      "properties": {"copy": [{"name": "routes", "count": 800, "input": {"copy": [{"name": "x", "count": 800, "input": {"v": 1}}]}}]}
    }
  ]
}"#;
        let x = crate::expand_text(template, None).expect("expands");
        let problems = x["$problems"].as_array().expect("problems");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0]
            .as_str()
            .is_some_and(|p| p.contains("more than 20000 values")));
    }

    #[test]
    fn copy_index_without_a_name_in_a_property_loop_is_the_resource_loops() {
        // As Bicep compiles `[for i in range(0, 2): {... subnets: [for j in range(0, 3): ...]}]`.
        let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {
      "type": "Microsoft.Network/virtualNetworks",
      "name": "[format('vnet-{0}', copyIndex())]",
      "copy": {"name": "vnets", "count": 2},
      "properties": {
        "copy": [{"name": "subnets", "count": 3, "input": {
          "name": "[format('s-{0}-{1}', copyIndex(), copyIndex('subnets'))]",
          "properties": {"addressPrefix": "[format('10.{0}.{1}.0/24', copyIndex('vnets'), copyIndex('subnets', 1))]"}
        }}]
      }
    }
  ],
  "variables": {"copy": [{"name": "names", "count": 2, "input": "[format('n{0}', copyIndex('names'))]"}]},
  "outputs": {"names": {"type": "array", "value": "[variables('names')]"}}
}"#;
        let x = crate::expand_text(template, None).expect("expands");
        let resources = x["resources"].as_array().expect("resources");
        let subnets: Vec<(String, String)> = resources
            .iter()
            .flat_map(|r| {
                r["properties"]["subnets"]
                    .as_array()
                    .expect("subnets")
                    .clone()
            })
            .map(|s| {
                (
                    s["name"].as_str().expect("name").to_string(),
                    s["properties"]["addressPrefix"]
                        .as_str()
                        .expect("prefix")
                        .to_string(),
                )
            })
            .collect();
        let want: Vec<(String, String)> = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
            .iter()
            .map(|(v, s)| (format!("s-{v}-{s}"), format!("10.{v}.{}.0/24", s + 1)))
            .collect();
        assert_eq!(subnets, want);
        assert_eq!(
            x["outputs"]["names"]["value"],
            serde_json::json!(["n0", "n1"])
        );
    }

    #[test]
    fn reference_of_a_copy_of_a_looped_nic_knows_its_static_address() {
        let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "languageVersion": "2.0",
  "resources": {
    "rt": {
      "type": "Microsoft.Network/routeTables",
      "name": "rt",
      "properties": {"routes": [{"name": "r", "properties": {
        "nextHopType": "VirtualAppliance",
        "nextHopIpAddress": "[reference('lanNics[1]').ipConfigurations[0].properties.privateIPAddress]"
      }}]}
    },
    "lanNics": {
      "copy": {"name": "lanNics", "count": 2},
      "type": "Microsoft.Network/networkInterfaces",
      "name": "[format('lan{0}', copyIndex())]",
      "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
        "privateIPAllocationMethod": "Static",
        "privateIPAddress": "[format('10.20.0.{0}', add(68, copyIndex()))]"
      }}]}
    }
  }
}"#;
        assert_eq!(next_hop_of_rt(template), "10.20.0.69");
    }

    #[test]
    fn resource_info_gives_a_symbols_id_name_type_and_api_version() {
        // Bicep's `nsg.id` in languageVersion 2.0 (symbolic-name code generation).
        let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "languageVersion": "2.0",
  "parameters": {"later": {"type": "string"}},
  "resources": {
    "nsg": {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "ams-lanNSG"},
    "nics": {
      "copy": {"name": "nics", "count": 2},
      "type": "Microsoft.Network/networkInterfaces",
      "apiVersion": "2024-05-01",
      "name": "[format('nic{0}', copyIndex())]"
    },
    "unnamed": {"type": "Microsoft.Network/routeTables", "apiVersion": "2024-05-01", "name": "[parameters('later')]"}
  },
  "outputs": {
    "id": {"type": "string", "value": "[resourceInfo('nsg').id]"},
    "info": {"type": "object", "value": "[resourceInfo('NSG')]"},
    "copy": {"type": "string", "value": "[resourceInfo('nics[1]').name]"},
    "unknown": {"type": "string", "value": "[resourceInfo('unnamed').id]"}
  }
}"#;
        let x = crate::expand_text(template, None).expect("expands");
        let nsg = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG/providers/Microsoft.Network/networkSecurityGroups/ams-lanNSG";
        assert_eq!(x["outputs"]["id"]["value"], nsg);
        assert_eq!(
            x["outputs"]["info"]["value"],
            serde_json::json!({
                "id": nsg,
                "name": "ams-lanNSG",
                "type": "Microsoft.Network/networkSecurityGroups",
                "apiVersion": "2024-05-01"
            })
        );
        assert_eq!(x["outputs"]["copy"]["value"], "nic1");
        // A resource named only at deployment: the id it is given itself, which other
        // resources name it by.
        assert_eq!(
            x["outputs"]["unknown"]["value"]["expression"],
            "[resourceId('Microsoft.Network/routeTables', parameters('later'))]"
        );
    }

    #[test]
    fn a_resource_reads_the_outputs_of_a_deployment_it_depends_on_declared_after_it() {
        let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {
      "type": "Microsoft.Network/routeTables",
      "name": "rt",
      "dependsOn": ["[resourceId('Microsoft.Resources/deployments', 'lanNics')]"],
      "properties": {"routes": [{"name": "r", "properties": {
        "nextHopType": "VirtualAppliance",
        "nextHopIpAddress": "[reference('lanNics').outputs.primaryLanIp.value]"
      }}]}
    },
    {
      "type": "Microsoft.Resources/deployments",
      "apiVersion": "2022-09-01",
      "name": "lanNics",
      "properties": {
        "mode": "Incremental",
        "expressionEvaluationOptions": {"scope": "inner"},
        "template": {
          "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "resources": [{
            "type": "Microsoft.Network/networkInterfaces",
            "name": "ams-lanPrimary",
            "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
              "privateIPAllocationMethod": "Static", "privateIPAddress": "10.20.0.68"
            }}]}
          }],
          "outputs": {"primaryLanIp": {"type": "string",
            "value": "[reference(resourceId('Microsoft.Network/networkInterfaces', 'ams-lanPrimary')).ipConfigurations[0].properties.privateIPAddress]"}}
        }
      }
    }
  ]
}"#;
        assert_eq!(next_hop_of_rt(template), "10.20.0.68");
    }

    #[test]
    fn a_circular_dependency_is_a_problem_and_other_dependencies_are_not() {
        let with = |deps_a: &str, deps_b: &str| {
            format!(
                r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {{"type": "Microsoft.Network/routeTables", "name": "a", "dependsOn": [{deps_a}]}},
    {{"type": "Microsoft.Network/virtualNetworks", "name": "b", "dependsOn": [{deps_b}]}},
    {{"type": "Microsoft.Network/networkInterfaces", "name": "[format('n{{0}}', copyIndex())]",
      "copy": {{"name": "nics", "count": 2}}, "dependsOn": ["b"]}}
  ]
}}"#
            )
        };
        let problems = |t: String| -> Vec<String> {
            let x = crate::expand_text(&t, None).expect("expands");
            x["$problems"]
                .as_array()
                .map(|p| {
                    p.iter()
                        .filter_map(|m| m.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        // By id one way and by name the other: a cycle.
        let cycle = problems(with(
            r#""[resourceId('Microsoft.Network/virtualNetworks', 'b')]""#,
            r#""a""#,
        ));
        assert_eq!(cycle.len(), 1, "{cycle:?}");
        assert!(cycle[0].contains("(`a` -> `b` -> `a`)"), "{cycle:?}");
        // A chain, a dependency on a copy loop by its name, and on nothing azlint can name.
        let fine = problems(with(
            r#""nics", "[resourceId('Microsoft.Network/virtualNetworks', 'elsewhere')]""#,
            r#""[resourceGroup().id]""#,
        ));
        assert!(fine.is_empty(), "{fine:?}");
    }

    /// The next hop of the first route of route table `rt`, once `template` is expanded.
    fn next_hop_of_rt(template: &str) -> serde_json::Value {
        let x = crate::expand_text(template, None).expect("expands");
        let rt = x["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .find(|r| r["name"] == "rt")
            .expect("route table")
            .clone();
        rt["properties"]["routes"][0]["properties"]["nextHopIpAddress"].clone()
    }
}
