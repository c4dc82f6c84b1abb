//! Evaluating expressions and JSON values of a template in a scope: parameters, variables,
//! user-defined functions, copy indexes, lambda variables and the deployment it runs in.

use std::collections::HashMap;
use std::sync::Arc;

use azlint_source::Value;

use crate::expr::{parse_string, Expr, Parsed};
use crate::functions::{self, Host};
use crate::value::{eq_ci, EvalError, EvalResult, Lambda, Obj, Val};

/// Where a deployment runs: what `subscription()`, `resourceGroup()`, `deployment()` and
/// resource ids say. Offline these are placeholders (documented in the README) unless the
/// configuration's `[deployment]` table sets them.
#[derive(Clone, Debug)]
pub struct Deployment {
    pub subscription_id: String,
    pub tenant_id: String,
    /// `None` for a deployment at subscription scope.
    pub resource_group: Option<String>,
    pub location: String,
    pub name: String,
    /// The group's name was read from an id, whose case may not be the one the group was
    /// created with (Azure writes some ids in upper case): what hashes it is unknown.
    pub group_from_id: bool,
}

/// The subscription (and tenant) id of a deployment nothing says the scope of.
pub const PLACEHOLDER_ID: &str = "00000000-0000-0000-0000-000000000000";
/// The resource group of a deployment nothing says the group of.
pub const PLACEHOLDER_GROUP: &str = "RG";
/// The name of a deployment nothing names.
pub const PLACEHOLDER_DEPLOYMENT: &str = "azlint";

impl Default for Deployment {
    fn default() -> Self {
        Deployment {
            subscription_id: PLACEHOLDER_ID.into(),
            tenant_id: PLACEHOLDER_ID.into(),
            resource_group: Some(PLACEHOLDER_GROUP.into()),
            location: "eastus".into(),
            name: PLACEHOLDER_DEPLOYMENT.into(),
            group_from_id: false,
        }
    }
}

/// An error in an expression, at a byte range of its string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    pub message: String,
    pub at: Option<(u32, u32)>,
    /// Where the fault really is when it is in another value of the template (the definition
    /// of a variable this expression reads): that value's span, and the part of it at fault.
    pub inner: Option<(azlint_source::Span, Option<(u32, u32)>)>,
}

impl ExprError {
    fn new(message: impl Into<String>, at: Option<(u32, u32)>) -> Self {
        ExprError {
            message: message.into(),
            at,
            inner: None,
        }
    }
}

/// An error evaluating a JSON value: which string (its value in the tree) and where in it.
#[derive(Clone, Debug)]
pub struct ValueError<'t> {
    pub value: Value<'t>,
    pub error: ExprError,
}

/// A parameter's value and where it came from (an index the caller gave, for spans).
#[derive(Clone, Debug)]
pub struct Param {
    pub value: Val,
    pub source: Option<u32>,
}

/// A user-defined function (`functions` in a template).
#[derive(Clone, Debug)]
pub struct UserFn<'t> {
    pub params: Vec<String>,
    pub output: Value<'t>,
}

/// The parameters read to compute a value, in the order first read: a name built with
/// `concat(parameters('site'), parameters('suffix'))` has two, and either may be the one at
/// fault. At most four are kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params {
    ids: [u32; 4],
    len: u8,
}

impl Params {
    pub fn one(id: u32) -> Params {
        let mut p = Params::default();
        p.add(id);
        p
    }

    pub fn add(&mut self, id: u32) {
        let len = usize::from(self.len);
        if len < self.ids.len() && !self.ids[..len].contains(&id) {
            self.ids[len] = id;
            self.len += 1;
        }
    }

    pub fn extend(&mut self, other: Params) {
        for id in other.iter() {
            self.add(id);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ids[..usize::from(self.len)].iter().copied()
    }
}

enum Var<'t> {
    Pending(Value<'t>),
    /// A `copy` entry of `variables`: count and input.
    PendingCopy(Value<'t>, Value<'t>),
    InProgress,
    /// The value, and the parameters read to compute it (for the origin of values that read
    /// the variable).
    Done(Val, Params),
}

/// Evaluation work is bounded: a template cannot make a run take unbounded time or memory.
const FUEL: u64 = 2_000_000;
/// Variables, user functions and lambdas may nest this deep.
const MAX_DEPTH: usize = 64;
/// The longest string an expression may build.
pub const MAX_STRING: usize = 4 << 20;

/// One template's evaluation scope.
pub struct Scope<'t> {
    pub deployment: Arc<Deployment>,
    params: HashMap<String, Param>,
    vars: HashMap<String, Var<'t>>,
    /// Shared with the scopes of the functions' own bodies.
    functions: Arc<HashMap<String, UserFn<'t>>>,
    /// Copy loops being unrolled: (loop name in lower case, index, whether it is a property
    /// or variable loop). `None`: a loop whose count is unknown, standing for all its copies.
    copies: Vec<(String, Option<i64>, bool)>,
    lambda_vars: Vec<(String, Val)>,
    /// The parameters read since [`Scope::take_touched`]: the value's secondary origins.
    touched: Params,
    /// The first variable read since [`Scope::take_touched_var`]: its definition.
    touched_var: Option<azlint_source::Span>,
    /// Where each variable is defined.
    var_spans: HashMap<String, azlint_source::Span>,
    /// Symbolic names (languageVersion 2.0) and declared names to resource ids, lower case.
    pub symbols: HashMap<String, String>,
    /// What `resourceInfo('<symbolic name>')` gives (`id`, `name`, `type`, `apiVersion`), by
    /// symbolic name in lower case, for resources whose type and name are known.
    pub infos: HashMap<String, Val>,
    /// What `reference()` of a nested deployment of this template gives (its properties with
    /// the outputs, and the `'Full'` form), by the deployment's id and name in lower case.
    pub results: HashMap<String, (Val, Val)>,
    /// What `reference()` of a declared resource knows before deployment, by its id (lower
    /// case): a list property and the list as declared (a VNET's `subnets`, a NIC's
    /// `ipConfigurations`), each item with the id Azure gives it.
    pub declared_lists: HashMap<String, (&'static str, Val)>,
    fuel: u64,
    depth: usize,
    /// Evaluating a parameter's `defaultValue` (or a user function's body), the only place
    /// Azure accepts `newGuid()` and `utcNow()`.
    in_default: bool,
}

impl<'t> Scope<'t> {
    pub fn new(deployment: Arc<Deployment>) -> Self {
        Scope {
            deployment,
            params: HashMap::new(),
            vars: HashMap::new(),
            functions: Arc::new(HashMap::new()),
            copies: Vec::new(),
            lambda_vars: Vec::new(),
            touched: Params::default(),
            touched_var: None,
            var_spans: HashMap::new(),
            symbols: HashMap::new(),
            infos: HashMap::new(),
            results: HashMap::new(),
            declared_lists: HashMap::new(),
            fuel: FUEL,
            depth: 0,
            in_default: false,
        }
    }

    /// Marks what is evaluated next as a parameter's `defaultValue` (or not).
    pub fn set_in_default(&mut self, on: bool) {
        self.in_default = on;
    }

    pub fn set_param(&mut self, name: &str, value: Val, source: Option<u32>) {
        self.params
            .insert(name.to_lowercase(), Param { value, source });
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.get(&name.to_lowercase())
    }

    pub fn define_var(&mut self, name: &str, value: Value<'t>) {
        self.var_spans.insert(name.to_lowercase(), value.span());
        self.vars.insert(name.to_lowercase(), Var::Pending(value));
    }

    pub fn define_copy_var(&mut self, name: &str, count: Value<'t>, input: Value<'t>) {
        self.var_spans.insert(name.to_lowercase(), input.span());
        self.vars
            .insert(name.to_lowercase(), Var::PendingCopy(count, input));
    }

    /// The definition of the first variable read since the last call (and forgets it).
    pub fn take_touched_var(&mut self) -> Option<azlint_source::Span> {
        self.touched_var.take()
    }

    pub fn define_fn(&mut self, name: &str, f: UserFn<'t>) {
        Arc::make_mut(&mut self.functions).insert(name.to_lowercase(), f);
    }

    /// Enters copy `index` of a resource (or output) loop.
    pub fn push_copy(&mut self, name: &str, index: i64) {
        self.copies.push((name.to_lowercase(), Some(index), false));
    }

    /// Enters copy `index` of a property or variable loop, which `copyIndex()` without a name
    /// does not read: there it is the resource loop's index (Azure's property iteration asks
    /// for `copyIndex('name')`, and Bicep compiles a loop in a looped resource to both).
    pub fn push_property_copy(&mut self, name: &str, index: i64) {
        self.copies.push((name.to_lowercase(), Some(index), true));
    }

    /// Enters a copy loop whose count is unknown: `copyIndex()` is unknown inside it.
    pub fn push_unknown_copy(&mut self, name: &str) {
        self.copies.push((name.to_lowercase(), None, false));
    }

    pub fn pop_copy(&mut self) {
        self.copies.pop();
    }

    /// The parameters read since the last call (and forgets them).
    pub fn take_touched(&mut self) -> Params {
        std::mem::take(&mut self.touched)
    }

    /// Counts `params` as read (gives back what [`Scope::take_touched`] took).
    pub fn touch(&mut self, params: Params) {
        self.touched.extend(params);
    }

    /// Evaluates a JSON value of the template: expressions in strings, `copy` in objects.
    pub fn eval_value(&mut self, v: Value<'t>) -> Result<Val, ValueError<'t>> {
        match v.kind() {
            azlint_source::Kind::Null => Ok(Val::Null),
            azlint_source::Kind::Bool => Ok(Val::Bool(v.as_bool().unwrap_or(false))),
            azlint_source::Kind::Number => Ok(number(v)),
            azlint_source::Kind::String => {
                let s = v.as_str().unwrap_or_default();
                self.eval_str(&s)
                    .map_err(|error| ValueError { value: v, error })
            }
            azlint_source::Kind::Array => {
                let mut items = Vec::with_capacity(v.len());
                for e in v.elements() {
                    items.push(self.eval_value(e)?);
                }
                Ok(Val::array(items))
            }
            azlint_source::Kind::Object => {
                let mut obj = Obj::with_capacity(v.len());
                for (k, x) in v.members() {
                    let key = k.as_str().unwrap_or_default();
                    if key.eq_ignore_ascii_case("copy") && x.is_array() {
                        for (name, items) in self.property_copy(x)? {
                            obj.insert(name, items);
                        }
                        continue;
                    }
                    let key = self.eval_key(k)?;
                    let value = self.eval_value(x)?;
                    obj.insert(key, value);
                }
                Ok(Val::object(obj))
            }
        }
    }

    /// An object key may itself be an expression.
    pub fn eval_key(&mut self, k: Value<'t>) -> Result<Arc<str>, ValueError<'t>> {
        let key = k.as_str().unwrap_or_default();
        if !crate::expr::is_expression(&key) && !key.starts_with("[[") {
            return Ok(Arc::from(&*key));
        }
        match self.eval_str(&key) {
            Ok(Val::Str(s)) => Ok(s),
            Ok(Val::Unknown(u)) => Ok(Arc::from(format!("[{}]", u.symbol))),
            Ok(other) => Ok(Arc::from(other.to_json())),
            Err(error) => Err(ValueError { value: k, error }),
        }
    }

    /// Property copy loops: `"copy": [{"name": "dataDisks", "count": 2, "input": {...}}]`.
    pub fn property_copy(
        &mut self,
        copy: Value<'t>,
    ) -> Result<Vec<(Arc<str>, Val)>, ValueError<'t>> {
        let mut out = Vec::new();
        for entry in copy.elements() {
            let name = entry
                .get_ignore_case("name")
                .and_then(|n| n.as_str())
                .map(|n| n.into_owned())
                .unwrap_or_default();
            let (count, input) = match (
                entry.get_ignore_case("count"),
                entry.get_ignore_case("input"),
            ) {
                (Some(c), Some(i)) => (c, i),
                _ => {
                    return Err(ValueError {
                        value: entry,
                        error: ExprError::new(
                            "a copy loop needs `name`, `count` and `input`",
                            None,
                        ),
                    })
                }
            };
            let items = self.copy_items(&name, count, input)?;
            out.push((Arc::from(name.as_str()), items));
        }
        Ok(out)
    }

    /// Evaluates `input` `count` times under the copy loop `name`.
    pub fn copy_items(
        &mut self,
        name: &str,
        count: Value<'t>,
        input: Value<'t>,
    ) -> Result<Val, ValueError<'t>> {
        let n = match self.eval_value(count)? {
            Val::Int(n) => n,
            Val::Float(f) if f.fract() == 0.0 => f as i64,
            Val::Unknown(u) => {
                return Ok(Val::unknown(
                    format!("the copy loop `{name}` has an unknown count: {}", u.reason),
                    format!("copy('{name}')"),
                ))
            }
            other => {
                return Err(ValueError {
                    value: count,
                    error: ExprError::new(
                        format!("a copy count must be an integer, not {}", other.type_name()),
                        None,
                    ),
                })
            }
        };
        check_count(n).map_err(|m| ValueError {
            value: count,
            error: ExprError::new(m, None),
        })?;
        let mut items = Vec::with_capacity(n as usize);
        for i in 0..n {
            // Each copy costs fuel, so nested loops cannot multiply without bound.
            self.burn(None).map_err(|error| ValueError {
                value: input,
                error,
            })?;
            self.push_property_copy(name, i);
            let item = self.eval_value(input);
            self.pop_copy();
            items.push(item?);
        }
        Ok(Val::array(items))
    }

    /// Evaluates a template string: a literal, or an expression.
    pub fn eval_str(&mut self, s: &str) -> Result<Val, ExprError> {
        match parse_string(s) {
            Ok(Parsed::Literal(l)) => Ok(Val::str(l)),
            Ok(Parsed::Expr(e)) => self.eval(&e),
            Err(e) => Err(ExprError::new(e.message, Some(e.at))),
        }
    }

    fn burn(&mut self, at: Option<(u32, u32)>) -> Result<(), ExprError> {
        if self.fuel == 0 {
            return Err(ExprError::new(
                "evaluation stopped: this template needs more work than azlint allows (runaway loops?)",
                at,
            ));
        }
        self.fuel -= 1;
        Ok(())
    }

    /// Evaluates a parsed expression.
    pub fn eval(&mut self, e: &Expr) -> Result<Val, ExprError> {
        match e {
            Expr::Str(s) => Ok(Val::Str(s.clone())),
            Expr::Int(i) => Ok(Val::Int(*i)),
            Expr::Bool(b) => Ok(Val::Bool(*b)),
            Expr::Null => Ok(Val::Null),
            Expr::Prop { target, name, at } => {
                let t = self.eval(target)?;
                property(&t, name).map_err(|m| ExprError::new(m.0, Some(*at)))
            }
            Expr::Index { target, index, at } => {
                let t = self.eval(target)?;
                let i = self.eval(index)?;
                index_value(&t, &i).map_err(|m| ExprError::new(m.0, Some(*at)))
            }
            Expr::Call { name, args, at } => {
                self.burn(Some(*at))?;
                let lower = name.to_ascii_lowercase();
                self.call(&lower, name, args, *at)
            }
        }
    }

    fn eval_args(&mut self, args: &[Expr]) -> Result<Vec<Val>, ExprError> {
        args.iter().map(|a| self.eval(a)).collect()
    }

    fn call(
        &mut self,
        lower: &str,
        name: &str,
        args: &[Expr],
        at: (u32, u32),
    ) -> Result<Val, ExprError> {
        let err = |m: String| ExprError::new(m, Some(at));
        match lower {
            "if" => {
                if args.len() != 3 {
                    return Err(err(format!("`if()` takes 3 arguments, not {}", args.len())));
                }
                return match self.eval(&args[0])? {
                    Val::Bool(true) => self.eval(&args[1]),
                    Val::Bool(false) => self.eval(&args[2]),
                    Val::Unknown(u) => {
                        // Both branches may be taken: if they agree, the answer is known.
                        let a = self.eval(&args[1])?;
                        let b = self.eval(&args[2])?;
                        if a.equals(&b) {
                            Ok(a)
                        } else {
                            Ok(Val::Unknown(u))
                        }
                    }
                    other => Err(err(format!(
                        "the condition of `if()` must be a bool, not {}",
                        other.type_name()
                    ))),
                };
            }
            "and" | "or" => {
                if args.len() < 2 {
                    return Err(err(format!("`{name}()` takes at least 2 arguments")));
                }
                let decisive = lower == "or";
                let mut unknown = None;
                for a in args {
                    match self.eval(a)? {
                        Val::Bool(b) if b == decisive => return Ok(Val::Bool(decisive)),
                        Val::Bool(_) => {}
                        u @ Val::Unknown(_) => unknown = unknown.or(Some(u)),
                        other => {
                            return Err(err(format!(
                                "the arguments of `{name}()` must be bools, not {}",
                                other.type_name()
                            )))
                        }
                    }
                }
                return Ok(unknown.unwrap_or(Val::Bool(!decisive)));
            }
            "coalesce" => {
                for a in args {
                    match self.eval(a)? {
                        Val::Null => continue,
                        v => return Ok(v),
                    }
                }
                return Ok(Val::Null);
            }
            "lambda" => {
                if args.len() < 2 {
                    return Err(err("`lambda()` takes parameter names and a body".into()));
                }
                let mut params = Vec::new();
                for p in &args[..args.len() - 1] {
                    match p {
                        Expr::Str(s) => params.push(s.to_string()),
                        _ => {
                            return Err(err(
                                "the parameter names of `lambda()` must be string literals".into(),
                            ))
                        }
                    }
                }
                let body = args[args.len() - 1].clone();
                return Ok(Val::Lambda(Arc::new(Lambda { params, body })));
            }
            _ => {}
        }
        let values = self.eval_args(args)?;
        self.call_with(lower, name, values, at)
    }

    fn call_with(
        &mut self,
        lower: &str,
        name: &str,
        args: Vec<Val>,
        at: (u32, u32),
    ) -> Result<Val, ExprError> {
        let err = |m: String| ExprError::new(m, Some(at));
        let one_str = |args: &[Val]| -> Result<String, ExprError> {
            match args {
                [Val::Str(s)] => Ok(s.to_string()),
                _ => Err(ExprError::new(
                    format!("`{name}()` takes one string argument"),
                    Some(at),
                )),
            }
        };
        match lower {
            "parameters" => {
                if let [Val::Unknown(u)] = args.as_slice() {
                    return Ok(Val::Unknown(u.clone()));
                }
                let p = one_str(&args)?;
                return match self.params.get(&p.to_lowercase()) {
                    Some(param) => {
                        if let Some(source) = param.source {
                            self.touched.add(source);
                        }
                        Ok(param.value.clone())
                    }
                    None => Err(err(format!("the template has no parameter `{p}`"))),
                };
            }
            "variables" => {
                if let [Val::Unknown(u)] = args.as_slice() {
                    return Ok(Val::Unknown(u.clone()));
                }
                let v = one_str(&args)?;
                return self.variable(&v, at);
            }
            "copyindex" => return self.copy_index(&args, at),
            "lambdavariables" => {
                let v = one_str(&args)?;
                return self
                    .lambda_vars
                    .iter()
                    .rev()
                    .find(|(n, _)| eq_ci(n, &v))
                    .map(|(_, x)| x.clone())
                    .ok_or_else(|| err(format!("no lambda variable `{v}` here")));
            }
            _ => {}
        }
        // Anything depending on an unknown argument is unknown, with a symbol that says what;
        // except for functions that only hold their arguments (an array with an unknown
        // element is an array) or compare symbols.
        const HOLDERS: &[&str] = &[
            "createarray",
            "createobject",
            "union",
            "equals",
            "shallowmerge",
        ];
        // A resource whose id is known only at deployment: its reference is named as a
        // literal id's is, so that two references to one resource (and the principal of one
        // identity) are one value, and their ids can still be compared.
        if let (true, Some(Val::Unknown(target))) = (lower == "reference", args.first()) {
            return Ok(reference_by_expression(target, full_reference(&args)));
        }
        if let Some(Val::Unknown(u)) = args
            .iter()
            .find(|a| a.is_unknown())
            .filter(|_| !HOLDERS.contains(&lower))
        {
            let reason = u.reason.clone();
            return Ok(Val::unknown(reason, render_call(name, &args)));
        }
        // `uniqueString()` of the placeholder scope would be a made-up name, which the real
        // one (in another template, a parameter file, an export) would then disagree with: it
        // is as unknown as the scope it hashes. (`guid()` stays: its value is made up too, but
        // it names role assignments, which nothing compares by name, and it is a GUID
        // whatever it hashes.)
        if lower == "uniquestring" && self.hashes_placeholder(&args) {
            return Ok(Val::unknown(
                format!(
                    "`{name}()` hashes the deployment's subscription, tenant, resource group or name, known only at deployment (the configuration's [deployment] table sets them)"
                ),
                render_call(name, &args),
            ));
        }
        if let Some(v) = self.builtin(lower, name, &args, at)? {
            return Ok(v);
        }
        if lower.contains('.') {
            return self.user_fn(lower, name, args, at);
        }
        match functions::call(lower, &args, self) {
            Some(Ok(v)) => {
                if let Val::Str(s) = &v {
                    if s.len() > MAX_STRING {
                        return Err(err(format!(
                            "`{name}()` built a string of {} bytes; azlint stops at {MAX_STRING}",
                            s.len()
                        )));
                    }
                }
                Ok(v)
            }
            Some(Err(EvalError(m))) => Err(err(m)),
            None => Err(err(format!("`{name}` is not a template function"))),
        }
    }

    fn variable(&mut self, name: &str, at: (u32, u32)) -> Result<Val, ExprError> {
        let key = name.to_lowercase();
        if self.touched_var.is_none() {
            self.touched_var = self.var_spans.get(&key).copied();
        }
        let slot = match self.vars.get_mut(&key) {
            Some(slot) => std::mem::replace(slot, Var::InProgress),
            None => {
                return Err(ExprError::new(
                    format!("the template has no variable `{name}`"),
                    Some(at),
                ))
            }
        };
        let definition = match &slot {
            Var::Pending(v) => Some(Var::Pending(*v)),
            Var::PendingCopy(c, i) => Some(Var::PendingCopy(*c, *i)),
            _ => None,
        };
        let result = match slot {
            Var::Done(v, param) => {
                self.vars.insert(key, Var::Done(v.clone(), param));
                self.touched.extend(param);
                return Ok(v);
            }
            Var::InProgress => {
                return Err(ExprError::new(
                    format!("the variable `{name}` depends on itself"),
                    Some(at),
                ))
            }
            Var::Pending(v) => self.nested(at, |s| s.eval_value(v)),
            Var::PendingCopy(count, input) => self.nested(at, |s| s.copy_items(name, count, input)),
        };
        match result {
            Ok((Ok(v), param)) => {
                self.vars.insert(key, Var::Done(v.clone(), param));
                self.touched.extend(param);
                Ok(v)
            }
            Ok((Err(e), _)) => {
                // Not cached: every read reports the fault (the expansion keeps one report per
                // place), and a read that tolerates errors (looking names up ahead) does not
                // hide it from the reads that follow.
                if let Some(d) = definition {
                    self.vars.insert(key, d);
                }
                Err(ExprError {
                    message: format!("in the variable `{name}`: {}", e.error.message),
                    at: Some(at),
                    inner: e.error.inner.or(Some((e.value.span(), e.error.at))),
                })
            }
            Err(e) => {
                self.vars.insert(key, Var::InProgress);
                Err(e)
            }
        }
    }

    fn nested<T>(
        &mut self,
        at: (u32, u32),
        f: impl FnOnce(&mut Self) -> T,
    ) -> Result<(T, Params), ExprError> {
        if self.depth >= MAX_DEPTH {
            return Err(ExprError::new(
                "variables, functions or lambdas nest too deeply",
                Some(at),
            ));
        }
        self.depth += 1;
        // Variables see no copy loop or lambda of the place that reads them, and record the
        // parameter they read themselves.
        let copies = std::mem::take(&mut self.copies);
        let lambdas = std::mem::take(&mut self.lambda_vars);
        let touched = std::mem::take(&mut self.touched);
        let r = f(self);
        let read = std::mem::replace(&mut self.touched, touched);
        self.copies = copies;
        self.lambda_vars = lambdas;
        self.depth -= 1;
        Ok((r, read))
    }

    fn copy_index(&mut self, args: &[Val], at: (u32, u32)) -> Result<Val, ExprError> {
        let (loop_name, offset) = match args {
            [] => (None, 0),
            [Val::Str(s)] => (Some(s.to_lowercase()), 0),
            [Val::Str(s), o] => (Some(s.to_lowercase()), o.as_int().unwrap_or(0)),
            [o] if o.as_int().is_some() => (None, o.as_int().unwrap_or(0)),
            [Val::Unknown(u)] | [_, Val::Unknown(u)] => return Ok(Val::Unknown(u.clone())),
            _ => {
                return Err(ExprError::new(
                    "`copyIndex()` takes an optional loop name and offset",
                    Some(at),
                ))
            }
        };
        let found = match &loop_name {
            // The resource loop's index; a property loop's only outside any resource loop.
            None => self
                .copies
                .iter()
                .rev()
                .find(|(_, _, property)| !property)
                .or(self.copies.last()),
            Some(n) => self.copies.iter().rev().find(|(name, _, _)| name == n),
        };
        match found {
            Some((_, Some(i), _)) => i
                .checked_add(offset)
                .map(Val::Int)
                .ok_or_else(|| ExprError::new("`copyIndex()` overflows", Some(at))),
            Some((_, None, _)) => Ok(Val::unknown(
                "the copy loop's count is unknown, so which copy this is is unknown",
                "copyIndex()",
            )),
            None => Err(ExprError::new(
                match loop_name {
                    Some(n) => format!("`copyIndex('{n}')` is used outside the copy loop `{n}`"),
                    None => "`copyIndex()` is used outside a copy loop".into(),
                },
                Some(at),
            )),
        }
    }

    fn user_fn(
        &mut self,
        lower: &str,
        name: &str,
        args: Vec<Val>,
        at: (u32, u32),
    ) -> Result<Val, ExprError> {
        let Some(f) = self.functions.get(lower).cloned() else {
            return Err(ExprError::new(
                format!("`{name}` is not a function of this template"),
                Some(at),
            ));
        };
        if f.params.len() != args.len() {
            return Err(ExprError::new(
                format!(
                    "`{name}()` takes {} arguments, not {}",
                    f.params.len(),
                    args.len()
                ),
                Some(at),
            ));
        }
        // A user function sees only its own parameters.
        let mut inner = Scope::new(self.deployment.clone());
        for (p, v) in f.params.iter().zip(args) {
            inner.set_param(p, v, None);
        }
        inner.functions = self.functions.clone();
        // Whether Azure accepts `newGuid()` in a function body is not documented: not judged.
        inner.in_default = true;
        inner.fuel = self.fuel;
        inner.depth = self.depth + 1;
        if inner.depth >= MAX_DEPTH {
            return Err(ExprError::new("user functions nest too deeply", Some(at)));
        }
        let r = inner.eval_value(f.output);
        self.fuel = inner.fuel;
        r.map_err(|e| ExprError::new(format!("in `{name}()`: {}", e.error.message), Some(at)))
    }

    /// Functions that need the deployment: scope, resource ids, deployment-time values.
    /// Whether `args` hold the placeholder subscription or group of a deployment whose scope
    /// nothing says.
    /// Placeholders are found as words, in any case (`toLower(resourceGroup().name)`): a
    /// literal word that happens to be one only makes a hash unknown.
    fn hashes_placeholder(&self, args: &[Val]) -> bool {
        let d = &self.deployment;
        let mut unknown: Vec<&str> = Vec::new();
        if d.subscription_id == PLACEHOLDER_ID || d.tenant_id == PLACEHOLDER_ID {
            unknown.push(PLACEHOLDER_ID);
        }
        if let Some(group) = d.resource_group.as_deref() {
            if group == PLACEHOLDER_GROUP || d.group_from_id {
                unknown.push(group);
            }
        }
        if d.name == PLACEHOLDER_DEPLOYMENT {
            unknown.push(PLACEHOLDER_DEPLOYMENT);
        }
        args.iter().any(
            |a| matches!(a, Val::Str(s) if unknown.iter().any(|u| crate::text::has_word(s, u))),
        )
    }

    fn builtin(
        &mut self,
        lower: &str,
        name: &str,
        args: &[Val],
        at: (u32, u32),
    ) -> Result<Option<Val>, ExprError> {
        let err = |m: String| ExprError::new(m, Some(at));
        let d = self.deployment.clone();
        let v = match lower {
            "resourcegroup" => {
                let rg = d
                    .resource_group
                    .clone()
                    .unwrap_or_else(|| PLACEHOLDER_GROUP.into());
                let mut o = Obj::new();
                o.push(
                    "id",
                    Val::str(format!(
                        "/subscriptions/{}/resourceGroups/{rg}",
                        d.subscription_id
                    )),
                );
                o.push("name", Val::str(rg));
                o.push("type", Val::str("Microsoft.Resources/resourceGroups"));
                o.push("location", Val::str(d.location.as_str()));
                o.push("managedBy", Val::Null);
                o.push("tags", Val::object(Obj::new()));
                let mut props = Obj::new();
                props.push("provisioningState", Val::str("Succeeded"));
                o.push("properties", Val::object(props));
                Val::object(o)
            }
            "subscription" => {
                let mut o = Obj::new();
                o.push(
                    "id",
                    Val::str(format!("/subscriptions/{}", d.subscription_id)),
                );
                o.push("subscriptionId", Val::str(d.subscription_id.as_str()));
                o.push("tenantId", Val::str(d.tenant_id.as_str()));
                o.push("displayName", Val::str("subscription"));
                Val::object(o)
            }
            "tenant" => {
                let mut o = Obj::new();
                o.push("countryCode", Val::str("US"));
                o.push("displayName", Val::str("tenant"));
                o.push("id", Val::str(format!("/tenants/{}", d.tenant_id)));
                o.push("tenantId", Val::str(d.tenant_id.as_str()));
                Val::object(o)
            }
            "deployment" => {
                let mut o = Obj::new();
                o.push(
                    "id",
                    Val::str(match &d.resource_group {
                        Some(rg) => format!(
                            "/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.Resources/deployments/{}",
                            d.subscription_id, d.name
                        ),
                        None => format!(
                            "/subscriptions/{}/providers/Microsoft.Resources/deployments/{}",
                            d.subscription_id, d.name
                        ),
                    }),
                );
                o.push("name", Val::str(d.name.as_str()));
                o.push("location", Val::str(d.location.as_str()));
                // Offline there is no link: its address is unknown, not absent (templates
                // read `deployment().properties.templateLink.uri` for their artifacts).
                let mut link = Obj::new();
                link.push(
                    "uri",
                    Val::unknown(
                        "the template's address is known only when it is deployed from a link",
                        "deployment().properties.templateLink.uri",
                    ),
                );
                link.push("contentVersion", Val::str("1.0.0.0"));
                let mut props = Obj::new();
                props.push("templateLink", Val::object(link));
                o.push("properties", Val::object(props));
                Val::object(o)
            }
            "managementgroup" => {
                let mut o = Obj::new();
                o.push(
                    "id",
                    Val::str("/providers/Microsoft.Management/managementGroups/managementGroup"),
                );
                o.push("name", Val::str("managementGroup"));
                o.push("type", Val::str("Microsoft.Management/managementGroups"));
                Val::object(o)
            }
            "environment" => environment(),
            "json" => match args {
                [Val::Str(s)] => crate::functions::string::parse_lenient_json(s)
                    .map_err(|e| err(format!("`json()`: {e}")))?,
                _ => return Err(err("`json()` takes one string argument".into())),
            },
            "indexfromend" | "tryindexfromend" => {
                let (Some(Val::Array(a)), Some(i)) =
                    (args.first(), args.get(1).and_then(Val::as_int))
                else {
                    return Err(err(format!("`{name}()` takes an array and an index")));
                };
                let found = usize::try_from(i)
                    .ok()
                    .filter(|&i| i >= 1 && i <= a.len())
                    .map(|i| a[a.len() - i].clone());
                match (found, lower == "tryindexfromend") {
                    (Some(v), _) => v,
                    (None, true) => Val::Null,
                    (None, false) => {
                        return Err(err(format!(
                            "index {i} from the end is outside the array (it has {} elements)",
                            a.len()
                        )))
                    }
                }
            }
            "resourceid" => Val::str(self.resource_id(args).map_err(err)?),
            "subscriptionresourceid" => {
                let (sub, rest) = split_leading(args, 1).map_err(err)?;
                let sub = sub
                    .first()
                    .cloned()
                    .unwrap_or_else(|| d.subscription_id.clone());
                Val::str(format!(
                    "/subscriptions/{sub}{}",
                    provider_path(&rest).map_err(err)?
                ))
            }
            "tenantresourceid" => {
                Val::str(provider_path(&strings(args).map_err(err)?).map_err(err)?)
            }
            "managementgroupresourceid" => {
                let (mg, rest) = split_leading(args, 1).map_err(err)?;
                let mg = mg
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "managementGroup".into());
                Val::str(format!(
                    "/providers/Microsoft.Management/managementGroups/{mg}{}",
                    provider_path(&rest).map_err(err)?
                ))
            }
            "extensionresourceid" => {
                let all = strings(args).map_err(err)?;
                let Some((base, rest)) = all.split_first() else {
                    return Err(err("`extensionResourceId()` needs a resource id".into()));
                };
                Val::str(format!(
                    "{}{}",
                    base.trim_end_matches('/'),
                    provider_path(rest).map_err(err)?
                ))
            }
            "resourceinfo" => {
                // languageVersion 2.0 (Bicep's `symbol.id`, `.name`, `.type`, `.apiVersion`).
                let Some(Val::Str(symbol)) = args.first() else {
                    return Err(err(
                        "`resourceInfo()` needs a resource's symbolic name".into()
                    ));
                };
                match self.infos.get(&symbol.to_lowercase()) {
                    Some(info) => info.clone(),
                    None => Val::unknown(
                        format!(
                            "`{}` names a resource whose name is known only at deployment",
                            render_call(name, args)
                        ),
                        render_call(name, args),
                    ),
                }
            }
            "reference" => {
                // A symbolic name of a resource named only at deployment: its reference is
                // named by the id it is given, as a reference of that id is (see `call`).
                if let Some(Val::Unknown(id)) = args
                    .first()
                    .and_then(Val::as_str)
                    .and_then(|s| self.infos.get(&s.to_lowercase()))
                    .and_then(|info| property(info, "id").ok())
                {
                    return Ok(Some(reference_by_expression(&id, full_reference(args))));
                }
                let target = match args.first() {
                    Some(Val::Str(s)) => self.canonical_target(s),
                    _ => return Err(err("`reference()` needs a resource name or id".into())),
                };
                let full = full_reference(args);
                if let Some((props, whole)) = self.results.get(&target) {
                    return Ok(Some(if full { whole.clone() } else { props.clone() }));
                }
                let symbol = if full {
                    format!("reference('{}', 'Full')", escape(&target))
                } else {
                    format!("reference('{}', 'Full').properties", escape(&target))
                };
                let reason = format!(
                    "`{}` is known only after deployment",
                    render_call(name, args)
                );
                match self.declared_lists.get(&target) {
                    Some((key, declared)) => {
                        let mut props = Obj::new();
                        props.push(*key, declared_list(&reason, &symbol, key, declared));
                        if full {
                            let inner = Val::partly_known(
                                reason.clone(),
                                format!("{symbol}.properties"),
                                props,
                            );
                            let mut whole = Obj::new();
                            whole.push("properties", inner);
                            Val::partly_known(reason, symbol, whole)
                        } else {
                            Val::partly_known(reason, symbol, props)
                        }
                    }
                    None => Val::unknown(reason, symbol),
                }
            }
            "deployer" => Val::unknown(
                "`deployer()` is the identity that runs the deployment, known only then",
                "deployer()",
            ),
            "references" => Val::unknown(
                format!(
                    "`{}` is known only after deployment",
                    render_call(name, args)
                ),
                render_call(name, args),
            ),
            "utcnow" | "newguid" if !self.in_default => {
                let call = if lower == "utcnow" {
                    "utcNow"
                } else {
                    "newGuid"
                };
                return Err(err(format!(
                    "`{call}()` can only be used in the default value of a parameter"
                )));
            }
            "utcnow" | "newguid" => Val::unknown(
                format!("`{name}()` gives a new value at each deployment"),
                format!("{name}()"),
            ),
            "pickzones" | "providers" => Val::unknown(
                format!("`{name}()` asks Azure, which azlint does not"),
                render_call(name, args),
            ),
            l if l.starts_with("list") => Val::unknown(
                format!("`{name}()` reads secrets or state from Azure, known only at deployment"),
                render_call(name, args),
            ),
            _ => return Ok(None),
        };
        Ok(Some(v))
    }

    /// `reference()` takes a name declared in this template or a resource id: both become the
    /// lower-case id, so that two spellings of one reference compare equal.
    fn canonical_target(&self, s: &str) -> String {
        if let Some(id) = self.symbols.get(&s.to_lowercase()) {
            return id.clone();
        }
        s.trim_end_matches('/').to_lowercase()
    }

    /// `resourceId([subscriptionId], [resourceGroupName], resourceType, name1, name2...)`.
    fn resource_id(&self, args: &[Val]) -> Result<String, String> {
        let all = strings(args)?;
        let type_at = all.iter().position(|a| a.contains('/')).ok_or(
            "`resourceId()` needs a resource type such as 'Microsoft.Network/virtualNetworks'",
        )?;
        if type_at > 2 {
            return Err("`resourceId()` takes at most a subscription id and a resource group before the type".into());
        }
        let d = &self.deployment;
        let (sub, rg) = match type_at {
            2 => (all[0].clone(), Some(all[1].clone())),
            1 => (d.subscription_id.clone(), Some(all[0].clone())),
            _ => (d.subscription_id.clone(), d.resource_group.clone()),
        };
        let path = provider_path(&all[type_at..])?;
        Ok(match rg {
            Some(rg) => format!("/subscriptions/{sub}/resourceGroups/{rg}{path}"),
            None => format!("/subscriptions/{sub}{path}"),
        })
    }
}

impl Host for Scope<'_> {
    fn call_lambda(&mut self, f: &Lambda, args: &[Val]) -> EvalResult {
        if f.params.len() != args.len() {
            return Err(EvalError(format!(
                "the lambda takes {} arguments, not {}",
                f.params.len(),
                args.len()
            )));
        }
        if self.depth >= MAX_DEPTH {
            return Err(EvalError("lambdas nest too deeply".into()));
        }
        self.depth += 1;
        let mark = self.lambda_vars.len();
        for (p, v) in f.params.iter().zip(args) {
            self.lambda_vars.push((p.clone(), v.clone()));
        }
        let r = self.eval(&f.body);
        self.lambda_vars.truncate(mark);
        self.depth -= 1;
        r.map_err(|e| EvalError(e.message))
    }
}

/// The count of a copy loop: ARM allows 0 to 800.
pub fn check_count(n: i64) -> Result<(), String> {
    if !(0..=800).contains(&n) {
        return Err(format!(
            "a copy count must be between 0 and 800 (Azure's limit), not {n}"
        ));
    }
    Ok(())
}

fn number(v: Value<'_>) -> Val {
    match v.as_i64() {
        Some(i) => Val::Int(i),
        None => Val::Float(v.as_f64().unwrap_or(f64::NAN)),
    }
}

/// What `reference()` of a declared resource knows of a list property (a VNET's `subnets`, a
/// NIC's `ipConfigurations`): each declared item, by position, itself known only in what the
/// template declares (its name, its properties, the id Azure gives it); anything else, and any
/// further item (a subnet declared as a child resource), is unknown.
fn declared_list(reason: &str, symbol: &str, key: &str, declared: &Val) -> Val {
    let list = format!("{symbol}.{key}");
    let mut by_position = Obj::new();
    if let Val::Array(items) = declared {
        for (n, item) in items.iter().enumerate() {
            by_position.push(
                n.to_string(),
                as_declared(reason, format!("{list}[{n}]"), item),
            );
        }
    }
    Val::partly_known(reason, list, by_position)
}

/// A declared value as `reference()` knows it: objects, at any depth, known in the members
/// declared and unknown in the rest (what Azure adds: `etag`, `provisioningState` ...).
fn as_declared(reason: &str, at: String, v: &Val) -> Val {
    match v {
        Val::Object(o) => {
            let mut known = Obj::new();
            for (key, value) in o.iter() {
                known.push(
                    key.clone(),
                    as_declared(reason, format!("{at}.{key}"), value),
                );
            }
            Val::partly_known(reason, at, known)
        }
        Val::Array(items) => Val::Array(Arc::new(
            items
                .iter()
                .enumerate()
                .map(|(n, x)| as_declared(reason, format!("{at}[{n}]"), x))
                .collect(),
        )),
        other => other.clone(),
    }
}

/// `.name` on a value.
pub fn property(t: &Val, name: &str) -> EvalResult {
    match t {
        Val::Object(o) => match o.get(name) {
            Some(v) => Ok(v.clone()),
            None => Err(EvalError(format!(
                "the object has no property `{name}`{}",
                hint(o)
            ))),
        },
        Val::Unknown(u) => match u.known.as_ref().and_then(|k| k.get(name)) {
            Some(v) => Ok(v.clone()),
            None => Ok(Val::unknown(
                u.reason.clone(),
                format!("{}.{name}", u.symbol),
            )),
        },
        other => Err(EvalError(format!(
            "`.{name}` reads a property, but the value is {}, not an object",
            other.type_name()
        ))),
    }
}

fn hint(o: &Obj) -> String {
    let keys: Vec<&str> = o.keys().take(8).map(|k| &**k).collect();
    if keys.is_empty() {
        " (it is empty)".into()
    } else {
        format!(" (it has {})", keys.join(", "))
    }
}

/// `[index]` on a value.
pub fn index_value(t: &Val, i: &Val) -> EvalResult {
    match (t, i) {
        (Val::Unknown(u), _) => {
            // What is known of it: a member by name, or an element by its position.
            let key = match i {
                Val::Str(s) => Some(s.to_string()),
                Val::Int(n) => Some(n.to_string()),
                _ => None,
            };
            match key.and_then(|k| u.known.as_ref()?.get(&k).cloned()) {
                Some(v) => Ok(v),
                None => Ok(Val::unknown(
                    u.reason.clone(),
                    format!("{}[{}]", u.symbol, render(i)),
                )),
            }
        }
        (_, Val::Unknown(u)) => Ok(Val::Unknown(u.clone())),
        (Val::Array(a), i) if i.as_int().is_some() => {
            let n = i.as_int().unwrap_or(-1);
            usize::try_from(n)
                .ok()
                .and_then(|n| a.get(n))
                .cloned()
                .ok_or_else(|| {
                    EvalError(format!(
                        "index {n} is outside the array (it has {} elements)",
                        a.len()
                    ))
                })
        }
        (Val::Object(_), Val::Str(s)) => property(t, s),
        (t, i) => Err(EvalError(format!(
            "cannot index {} with {}",
            t.type_name(),
            i.type_name()
        ))),
    }
}

fn strings(args: &[Val]) -> Result<Vec<String>, String> {
    args.iter()
        .map(|a| match a {
            Val::Str(s) => Ok(s.to_string()),
            other => Err(format!(
                "resource id segments must be strings, not {}",
                other.type_name()
            )),
        })
        .collect()
}

/// Splits up to `max` leading arguments that come before the resource type.
fn split_leading(args: &[Val], max: usize) -> Result<(Vec<String>, Vec<String>), String> {
    let all = strings(args)?;
    let type_at = all
        .iter()
        .position(|a| a.contains('/'))
        .ok_or("a resource type such as 'Microsoft.Network/virtualNetworks' is missing")?;
    if type_at > max {
        return Err("too many arguments before the resource type".into());
    }
    let rest = all[type_at..].to_vec();
    let mut lead = all;
    lead.truncate(type_at);
    Ok((lead, rest))
}

/// `/providers/Ns/type1/name1/type2/name2` from a type and names.
fn provider_path(rest: &[String]) -> Result<String, String> {
    let Some((ty, names)) = rest.split_first() else {
        return Err("a resource type is missing".into());
    };
    let mut segments = ty.trim_matches('/').split('/');
    let ns = segments.next().unwrap_or_default();
    let types: Vec<&str> = segments.collect();
    if types.len() != names.len() {
        return Err(format!(
            "the resource type `{ty}` needs {} name{}, but {} {} given",
            types.len(),
            if types.len() == 1 { "" } else { "s" },
            names.len(),
            if names.len() == 1 { "is" } else { "are" }
        ));
    }
    let mut out = format!("/providers/{ns}");
    for (t, n) in types.iter().zip(names) {
        out.push('/');
        out.push_str(t);
        out.push('/');
        out.push_str(n);
    }
    Ok(out)
}

fn escape(s: &str) -> String {
    s.replace('\'', "''")
}

/// Whether `reference(target, apiVersion, 'Full')` asks for the whole resource.
fn full_reference(args: &[Val]) -> bool {
    args.get(2)
        .and_then(Val::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("full"))
}

/// `reference()` of a resource whose id (`target`) is known only at deployment: named as a
/// literal id's reference is, `reference(<id>, 'Full')` (`.properties` unless `full`).
fn reference_by_expression(target: &crate::Unknown, full: bool) -> Val {
    let symbol = if full {
        format!("reference({}, 'Full')", target.symbol)
    } else {
        format!("reference({}, 'Full').properties", target.symbol)
    };
    Val::unknown(target.reason.clone(), symbol)
}

/// A value as template-language text, for the symbols of unknowns.
pub fn render(v: &Val) -> String {
    match v {
        Val::Str(s) => format!("'{}'", escape(s)),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => format!("json('{f}')"),
        Val::Bool(b) => b.to_string(),
        Val::Null => "null()".into(),
        Val::Unknown(u) => u.symbol.clone(),
        Val::Lambda(_) => "lambda(...)".into(),
        Val::Array(_) | Val::Object(_) => format!("json('{}')", escape(&v.to_json())),
    }
}

fn render_call(name: &str, args: &[Val]) -> String {
    let args: Vec<String> = args.iter().map(render).collect();
    format!("{name}({})", args.join(", "))
}

/// `environment()` for the public Azure cloud, as Microsoft documents it.
fn environment() -> Val {
    let s = |x: &str| Val::str(x);
    let mut auth = Obj::new();
    auth.push("loginEndpoint", s("https://login.microsoftonline.com/"));
    auth.push(
        "audiences",
        Val::array(vec![
            s("https://management.core.windows.net/"),
            s("https://management.azure.com/"),
        ]),
    );
    auth.push("tenant", s("common"));
    auth.push("identityProvider", s("AAD"));
    let mut suffixes = Obj::new();
    suffixes.push("acrLoginServer", s(".azurecr.io"));
    suffixes.push(
        "azureDatalakeAnalyticsCatalogAndJob",
        s("azuredatalakeanalytics.net"),
    );
    suffixes.push("azureDatalakeStoreFileSystem", s("azuredatalakestore.net"));
    suffixes.push("azureFrontDoorEndpointSuffix", s("azurefd.net"));
    suffixes.push("keyvaultDns", s(".vault.azure.net"));
    suffixes.push("sqlServerHostname", s(".database.windows.net"));
    suffixes.push("storage", s("core.windows.net"));
    let mut o = Obj::new();
    o.push("name", s("AzureCloud"));
    o.push("gallery", s("https://gallery.azure.com/"));
    o.push("graph", s("https://graph.windows.net/"));
    o.push("portal", s("https://portal.azure.com"));
    o.push("graphAudience", s("https://graph.windows.net/"));
    o.push("activeDirectoryDataLake", s("https://datalake.azure.net/"));
    o.push("batch", s("https://batch.core.windows.net/"));
    o.push("media", s("https://rest.media.azure.net"));
    o.push(
        "sqlManagement",
        s("https://management.core.windows.net:8443/"),
    );
    o.push("vmImageAliasDoc", s("https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json"));
    o.push("resourceManager", s("https://management.azure.com/"));
    o.push("authentication", Val::object(auth));
    o.push("suffixes", Val::object(suffixes));
    Val::object(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(s: &str) -> Val {
        let mut scope = Scope::new(Arc::new(Deployment::default()));
        scope.set_param("name", Val::str("web"), Some(7));
        scope.eval_str(s).unwrap()
    }

    #[test]
    fn hashes_of_the_placeholder_scope_are_unknown() {
        let Val::Unknown(u) = eval("[concat('id-cato-', uniqueString(resourceGroup().id))]") else {
            panic!("a made-up name");
        };
        assert!(u.reason.contains("[deployment]"), "{}", u.reason);
        assert!(
            u.symbol.starts_with("concat('id-cato-', uniqueString("),
            "{}",
            u.symbol
        );
        // What does not hash the scope is known.
        assert!(matches!(eval("[uniqueString('ams')]"), Val::Str(_)));
        // The group's name within a text, the tenant, the deployment's name.
        for hashed in [
            "[uniqueString(concat(resourceGroup().name, '-ha'))]",
            "[uniqueString(toLower(resourceGroup().name))]",
            "[uniqueString(subscription().tenantId)]",
            "[uniqueString(deployment().name)]",
        ] {
            assert!(matches!(eval(hashed), Val::Unknown(_)), "{hashed}");
        }
        // `guid()` is a GUID whatever it hashes.
        assert!(matches!(eval("[guid(resourceGroup().id)]"), Val::Str(_)));
        // A scope the configuration sets is hashed as Azure does.
        let mut scope = Scope::new(Arc::new(Deployment {
            subscription_id: "3f2c1a9e-8b7d-4c6e-9a1f-2d5e8c7b6a40".into(),
            resource_group: Some("rg-cato-ams".into()),
            ..Deployment::default()
        }));
        let known = scope
            .eval_str("[uniqueString(resourceGroup().id)]")
            .unwrap();
        assert!(matches!(known, Val::Str(s) if &*s == "vjk753mio7ed6"));
    }

    #[test]
    fn resource_ids() {
        assert_eq!(
            eval("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]").as_str(),
            Some("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/s")
        );
        assert_eq!(
            eval("[resourceId('other', 'Microsoft.Network/networkInterfaces', parameters('name'))]").as_str(),
            Some("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/other/providers/Microsoft.Network/networkInterfaces/web")
        );
        assert_eq!(
            eval("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'r')]").as_str(),
            Some("/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/r")
        );
    }

    #[test]
    fn unknowns_spread_and_keep_a_symbol() {
        let v = eval("[reference(resourceId('Microsoft.Network/networkInterfaces', 'Nic')).ipConfigurations[0].properties.privateIPAddress]");
        let Val::Unknown(u) = v else { panic!("{v:?}") };
        assert_eq!(u.symbol, "reference('/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg/providers/microsoft.network/networkinterfaces/nic', 'Full').properties.ipConfigurations[0].properties.privateIPAddress");
        assert!(u.reason.contains("after deployment"));
    }

    #[test]
    fn lazy_logic() {
        assert!(matches!(
            eval("[if(true(), 1, reference('x').y)]"),
            Val::Int(1)
        ));
        assert!(matches!(
            eval("[or(true(), reference('x').y)]"),
            Val::Bool(true)
        ));
        assert!(eval("[and(true(), reference('x').y)]").is_unknown());
        assert!(matches!(eval("[coalesce(null(), 3)]"), Val::Int(3)));
    }

    #[test]
    fn errors_point_at_the_call() {
        let mut scope = Scope::new(Arc::new(Deployment::default()));
        let e = scope
            .eval_str("[concat('a', parameters('missing'))]")
            .unwrap_err();
        assert_eq!(e.at, Some((13, 34)));
        assert!(e.message.contains("no parameter `missing`"));
        let e = scope.eval_str("[nosuch(1)]").unwrap_err();
        assert!(e.message.contains("not a template function"));
        let e = scope.eval_str("[copyIndex()]").unwrap_err();
        assert!(e.message.contains("outside a copy loop"));
    }

    #[test]
    fn parameters_are_tracked_for_spans() {
        let mut scope = Scope::new(Arc::new(Deployment::default()));
        scope.set_param("p", Val::str("x"), Some(3));
        scope.eval_str("[parameters('p')]").unwrap();
        assert_eq!(scope.take_touched(), Params::one(3));
        assert!(scope.take_touched().is_empty());
        scope.set_param("q", Val::str("y"), Some(5));
        scope
            .eval_str("[concat(parameters('p'), parameters('q'), parameters('p'))]")
            .unwrap();
        assert_eq!(scope.take_touched().iter().collect::<Vec<_>>(), [3, 5]);
    }
}
