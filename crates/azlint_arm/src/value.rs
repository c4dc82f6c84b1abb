//! Values of the template language.
//!
//! JSON values, plus two kinds the language needs: [`Val::Unknown`] for what cannot be known
//! offline (a parameter without a value, `reference()`, `utcNow()`), which spreads to every
//! value computed from it, and [`Val::Lambda`] for the arguments of `filter()`, `map()` and
//! friends. Arrays and objects are shared (`Arc`) because variables and parameters are read
//! many times and copied rarely.

use std::fmt;
use std::sync::Arc;

use crate::expr::Expr;

/// A value of the template language.
#[derive(Clone, Debug)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i64),
    /// Only `json()` and parameter values produce non-integers; ARM arithmetic is integer.
    Float(f64),
    Str(Arc<str>),
    Array(Arc<Vec<Val>>),
    Object(Arc<Obj>),
    Unknown(Arc<Unknown>),
    Lambda(Arc<Lambda>),
}

/// Why a value cannot be known before deployment, and what it stands for.
#[derive(Clone, Debug)]
pub struct Unknown {
    /// For a user: "`reference()` is only known after deployment".
    pub reason: String,
    /// The value in the template language, canonical so that two expressions for the same
    /// thing compare equal (`reference('<id>').properties.principalId`).
    pub symbol: String,
    /// Members known before deployment although the whole is not: `reference()` of a VNET of
    /// the same template knows its subnets and their ids (Bicep's
    /// `vnet.properties.subnets[0].id`). Other members stay unknown.
    pub known: Option<Arc<Obj>>,
}

/// Two unknowns are the same when they say the same and stand for the same expression; what
/// is known of them follows from the expression.
impl PartialEq for Unknown {
    fn eq(&self, other: &Self) -> bool {
        self.reason == other.reason && self.symbol == other.symbol
    }
}

impl Eq for Unknown {}

/// `lambda('x', 'y', body)`: parameter names and the body, evaluated by the caller's host.
#[derive(Debug)]
pub struct Lambda {
    pub params: Vec<String>,
    pub body: Expr,
}

/// An object: members in order, keys compared case-insensitively as ARM does.
#[derive(Clone, Debug, Default)]
pub struct Obj {
    members: Vec<(Arc<str>, Val)>,
}

impl Obj {
    pub fn new() -> Self {
        Obj::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        Obj {
            members: Vec::with_capacity(n),
        }
    }

    /// The value under `key`, compared case-insensitively.
    pub fn get(&self, key: &str) -> Option<&Val> {
        self.members
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key) || (!k.is_ascii() && eq_ci(k, key)))
            .map(|(_, v)| v)
    }

    /// Sets `key`, replacing a member whose key equals it case-insensitively (keeping the
    /// original key's position and spelling is not ARM's rule: the new spelling wins).
    pub fn insert(&mut self, key: impl Into<Arc<str>>, value: Val) {
        let key = key.into();
        match self
            .members
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(&key) || (!k.is_ascii() && eq_ci(k, &key)))
        {
            Some(slot) => *slot = (key, value),
            None => self.members.push((key, value)),
        }
    }

    /// Appends without looking for an existing key: for building from a source that has none.
    pub fn push(&mut self, key: impl Into<Arc<str>>, value: Val) {
        self.members.push((key.into(), value));
    }

    pub fn remove(&mut self, key: &str) -> Option<Val> {
        let i = self
            .members
            .iter()
            .position(|(k, _)| k.eq_ignore_ascii_case(key) || eq_ci(k, key))?;
        Some(self.members.remove(i).1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &Val)> {
        self.members.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &Arc<str>> {
        self.members.iter().map(|(k, _)| k)
    }
}

impl FromIterator<(Arc<str>, Val)> for Obj {
    fn from_iter<I: IntoIterator<Item = (Arc<str>, Val)>>(iter: I) -> Self {
        let mut o = Obj::new();
        for (k, v) in iter {
            o.insert(k, v);
        }
        o
    }
}

/// Case-insensitive equality beyond ASCII (ARM compares with the invariant culture).
pub fn eq_ci(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.eq_ignore_ascii_case(b)
        || a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
}

/// An error in evaluating: the caller attaches where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError(pub String);

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EvalError {}

/// Shorthand for `Err(EvalError(format!(...)))`.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => { return Err($crate::value::EvalError(format!($($arg)*))) };
}

pub type EvalResult = Result<Val, EvalError>;

impl Val {
    pub fn str(s: impl Into<Arc<str>>) -> Val {
        Val::Str(s.into())
    }

    pub fn array(items: Vec<Val>) -> Val {
        Val::Array(Arc::new(items))
    }

    pub fn object(o: Obj) -> Val {
        Val::Object(Arc::new(o))
    }

    pub fn unknown(reason: impl Into<String>, symbol: impl Into<String>) -> Val {
        Val::Unknown(Arc::new(Unknown {
            reason: reason.into(),
            symbol: symbol.into(),
            known: None,
        }))
    }

    /// An unknown object some of whose members are known.
    pub fn partly_known(reason: impl Into<String>, symbol: impl Into<String>, known: Obj) -> Val {
        Val::Unknown(Arc::new(Unknown {
            reason: reason.into(),
            symbol: symbol.into(),
            known: Some(Arc::new(known)),
        }))
    }

    /// The name of the type as ARM's error messages and `type` fields say it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float",
            Val::Str(_) => "string",
            Val::Array(_) => "array",
            Val::Object(_) => "object",
            Val::Unknown(_) => "unknown",
            Val::Lambda(_) => "lambda",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            Val::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Val::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Val]> {
        match self {
            Val::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Obj> {
        match self {
            Val::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Val::Unknown(_))
    }

    /// The first unknown anywhere inside this value (depth first), for functions whose
    /// result depends on every part of their arguments.
    pub fn first_unknown(&self) -> Option<&Val> {
        match self {
            Val::Unknown(_) => Some(self),
            Val::Array(a) => a.iter().find_map(Val::first_unknown),
            Val::Object(o) => o.iter().find_map(|(_, v)| v.first_unknown()),
            _ => None,
        }
    }

    /// `equals()`: strings compared ordinally (case-sensitive), arrays element by element,
    /// objects by members regardless of order.
    pub fn equals(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::Null, Val::Null) => true,
            (Val::Bool(a), Val::Bool(b)) => a == b,
            (Val::Int(a), Val::Int(b)) => a == b,
            (Val::Float(a), Val::Float(b)) => a == b,
            (Val::Int(a), Val::Float(b)) | (Val::Float(b), Val::Int(a)) => (*a as f64) == *b,
            (Val::Str(a), Val::Str(b)) => a == b,
            (Val::Array(a), Val::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.equals(y))
            }
            (Val::Object(a), Val::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v.equals(w)))
            }
            _ => false,
        }
    }

    /// The value as JSON text (compact), as `string()` renders arrays and objects.
    /// Unknowns render as their symbol in brackets.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_json(self, &mut out);
        out
    }

    /// Converts to `serde_json::Value`, with unknowns as `{"$unknown": reason, "expression": symbol}`.
    pub fn to_serde(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Val::Null => J::Null,
            Val::Bool(b) => J::Bool(*b),
            Val::Int(i) => J::from(*i),
            Val::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Val::Str(s) => J::String(s.to_string()),
            Val::Array(a) => J::Array(a.iter().map(Val::to_serde).collect()),
            Val::Object(o) => J::Object(
                o.iter()
                    .map(|(k, v)| (k.to_string(), v.to_serde()))
                    .collect(),
            ),
            Val::Unknown(u) => {
                let mut m = serde_json::Map::new();
                m.insert("$unknown".into(), J::String(u.reason.clone()));
                m.insert("expression".into(), J::String(format!("[{}]", u.symbol)));
                J::Object(m)
            }
            Val::Lambda(_) => J::String("<lambda>".into()),
        }
    }

    /// From JSON without spans (parameter values given on the command line, `json()`).
    pub fn from_serde(v: &serde_json::Value) -> Val {
        use serde_json::Value as J;
        match v {
            J::Null => Val::Null,
            J::Bool(b) => Val::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Val::Int(i),
                None => Val::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => Val::str(s.as_str()),
            J::Array(a) => Val::array(a.iter().map(Val::from_serde).collect()),
            J::Object(o) => {
                let mut obj = Obj::with_capacity(o.len());
                for (k, v) in o {
                    obj.insert(k.as_str(), Val::from_serde(v));
                }
                Val::object(obj)
            }
        }
    }
}

/// Parses JSON text (`json()`, `base64ToJson()`), keeping the order of object members as
/// ARM does, and accepting comments as Azure's JSON reader does.
pub fn parse_json(text: &str) -> EvalResult {
    let tree = azlint_source::Tree::parse(text, 0)
        .map_err(|e| EvalError(format!("the text is not JSON: {}", e.message)))?;
    Ok(crate::template::plain(tree.root(text)))
}

fn write_json(v: &Val, out: &mut String) {
    match v {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(i) => out.push_str(&i.to_string()),
        Val::Float(f) => {
            out.push_str(&serde_json::Number::from_f64(*f).map_or("null".into(), |n| n.to_string()))
        }
        Val::Str(s) => out.push_str(&serde_json::Value::String(s.to_string()).to_string()),
        Val::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(x, out);
            }
            out.push(']');
        }
        Val::Object(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(k.to_string()).to_string());
                out.push(':');
                write_json(x, out);
            }
            out.push('}');
        }
        Val::Unknown(u) => {
            out.push_str(&serde_json::Value::String(format!("[{}]", u.symbol)).to_string())
        }
        Val::Lambda(_) => out.push_str("\"<lambda>\""),
    }
}

impl From<bool> for Val {
    fn from(b: bool) -> Val {
        Val::Bool(b)
    }
}

impl From<i64> for Val {
    fn from(i: i64) -> Val {
        Val::Int(i)
    }
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::str(s)
    }
}

impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::str(s)
    }
}
