//! Conditions, modelled on Azure Policy's `if` block, with three-valued answers.
//!
//! A condition is `allOf` / `anyOf` / `not`, or a leaf: a subject (`field`, a JSONPath; `fact`,
//! something azlint derived; `value`, a literal; `count`, how many items of a path satisfy a
//! `where`) and one operator (`equals`, `in`, `like`, `match`, `exists`, `greater`, `ipPublic`,
//! ...). As in Azure Policy, string comparisons ignore case, and a leaf over several values
//! (`[*]`) holds when it holds for every value.
//!
//! Answers are true, false or unknown. Unknown comes from the input (a template expression, a
//! property that was not exported, a fact the export cannot show) and travels with its reason
//! and place: `allOf` is false if any part is false, else unknown if any part is; `anyOf` is true
//! if any part is true, else unknown if any part is; `not` keeps unknown. A rule fires on true,
//! reports "cannot tell" on unknown, and is silent on false.

use std::borrow::Cow;
use std::net::IpAddr;

use azlint_facts::is_guid;
use azlint_inventory::{is_expression, Document, Unknown};
use azlint_source::{FileId, Kind, Value};
use ipnet::IpNet;
use regex::Regex;
use serde::Deserialize;

use crate::dns::{classify, Resolver};
use crate::path::Path;

/// A condition as written in a rule file.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawCondition {
    all_of: Option<Vec<RawCondition>>,
    any_of: Option<Vec<RawCondition>>,
    not: Option<Box<RawCondition>>,
    field: Option<String>,
    fact: Option<String>,
    value: Option<serde_json::Value>,
    count: Option<Box<RawCount>>,
    equals: Option<serde_json::Value>,
    not_equals: Option<serde_json::Value>,
    #[serde(rename = "in")]
    in_: Option<serde_json::Value>,
    not_in: Option<serde_json::Value>,
    like: Option<String>,
    not_like: Option<String>,
    #[serde(rename = "match")]
    match_: Option<String>,
    not_match: Option<String>,
    contains: Option<serde_json::Value>,
    not_contains: Option<serde_json::Value>,
    exists: Option<bool>,
    empty: Option<bool>,
    greater: Option<serde_json::Value>,
    greater_or_equals: Option<serde_json::Value>,
    less: Option<serde_json::Value>,
    less_or_equals: Option<serde_json::Value>,
    ip_public: Option<bool>,
    ip_in: Option<serde_json::Value>,
    ip_reserved_in: Option<serde_json::Value>,
    dns_resolves_public: Option<bool>,
    is_guid: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCount {
    field: String,
    #[serde(rename = "where")]
    where_: Option<RawCondition>,
}

/// A compiled condition.
#[derive(Debug)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Leaf(Subject, Op),
}

/// What a leaf examines.
#[derive(Debug)]
pub enum Subject {
    Field(Chain),
    Fact(Fact),
    Value(Literal),
    Count(Path, Option<Box<Condition>>),
}

/// Something an operator compares with: a literal, a path or a fact.
#[derive(Debug)]
pub enum Operand {
    Literal(Literal),
    Field(Chain),
    Fact(Fact),
}

#[derive(Debug)]
pub enum Op {
    Equals(Operand),
    NotEquals(Operand),
    In(Operand),
    NotIn(Operand),
    Like(Regex),
    NotLike(Regex),
    Match(Regex),
    NotMatch(Regex),
    Contains(Operand),
    NotContains(Operand),
    Exists(bool),
    Empty(bool),
    Greater(Operand),
    GreaterOrEquals(Operand),
    Less(Operand),
    LessOrEquals(Operand),
    IpPublic(bool),
    IpIn(Operand),
    IpReservedIn(Operand),
    DnsResolvesPublic(bool),
    IsGuid(bool),
}

/// A literal of a rule file, made into items once when the rule is loaded (a list literal
/// stays one value: `in` spreads it, `equals` compares it whole).
#[derive(Debug)]
pub struct Literal(std::sync::Arc<[Item<'static>]>);

impl Literal {
    fn new(v: &serde_json::Value) -> Literal {
        Literal(vec![Item::from_json(v)].into())
    }
}

/// Names the engine accepts in `fact:`; checked when a rule is loaded.
pub trait FactNames {
    /// The fact called `name`, `None` when there is none.
    fn fact(&self, name: &str) -> Option<Fact>;
    fn is_fact(&self, name: &str) -> bool {
        self.fact(name).is_some()
    }
}

/// A fact a rule asks for, resolved when the rule is loaded: its number in the engine's list
/// (so that answers are cached by number, not by comparing names) and its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fact {
    pub index: u16,
    pub name: &'static str,
}

impl Op {
    /// What the operator compares with, for those that compare with something.
    fn operand(&self) -> Option<&Operand> {
        match self {
            Op::Equals(o)
            | Op::NotEquals(o)
            | Op::In(o)
            | Op::NotIn(o)
            | Op::Contains(o)
            | Op::NotContains(o)
            | Op::Greater(o)
            | Op::GreaterOrEquals(o)
            | Op::Less(o)
            | Op::LessOrEquals(o)
            | Op::IpIn(o)
            | Op::IpReservedIn(o) => Some(o),
            _ => None,
        }
    }
}

impl Condition {
    /// Whether the condition asks for the fact called `name`, anywhere in it.
    pub fn mentions_fact(&self, name: &str) -> bool {
        match self {
            Condition::All(parts) | Condition::Any(parts) => {
                parts.iter().any(|c| c.mentions_fact(name))
            }
            Condition::Not(inner) => inner.mentions_fact(name),
            Condition::Leaf(subject, op) => {
                let subject = match subject {
                    Subject::Fact(f) => f.name == name,
                    Subject::Count(_, Some(filter)) => filter.mentions_fact(name),
                    Subject::Field(_) | Subject::Value(_) | Subject::Count(_, None) => false,
                };
                subject || matches!(op.operand(), Some(Operand::Fact(f)) if f.name == name)
            }
        }
    }

    /// Compiles a condition; errors name the problem (the caller adds the place).
    pub fn compile(raw: &RawCondition, facts: &dyn FactNames) -> Result<Condition, String> {
        let groups = [
            raw.all_of.is_some(),
            raw.any_of.is_some(),
            raw.not.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        let subjects = [
            raw.field.is_some(),
            raw.fact.is_some(),
            raw.value.is_some(),
            raw.count.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if groups + subjects != 1 {
            return Err(
                "a condition is exactly one of allOf, anyOf, not, or a leaf with one of field, fact, value or count".into(),
            );
        }
        if let Some(parts) = &raw.all_of {
            return Ok(Condition::All(compile_all(parts, facts)?));
        }
        if let Some(parts) = &raw.any_of {
            return Ok(Condition::Any(compile_all(parts, facts)?));
        }
        if let Some(inner) = &raw.not {
            return Ok(Condition::Not(Box::new(Condition::compile(inner, facts)?)));
        }
        let subject = if let Some(f) = &raw.field {
            Subject::Field(Chain::compile(f)?)
        } else if let Some(f) = &raw.fact {
            Subject::Fact(check_fact(f, facts)?)
        } else if let Some(v) = &raw.value {
            Subject::Value(Literal::new(v))
        } else if let Some(c) = &raw.count {
            let filter = match &c.where_ {
                Some(w) => Some(Box::new(Condition::compile(w, facts)?)),
                None => None,
            };
            Subject::Count(Path::compile(&c.field)?, filter)
        } else {
            unreachable!("one subject was counted above")
        };
        let op = operator(raw, facts)?;
        if matches!(subject, Subject::Count(..))
            && !matches!(
                op,
                Op::Equals(_)
                    | Op::NotEquals(_)
                    | Op::Greater(_)
                    | Op::GreaterOrEquals(_)
                    | Op::Less(_)
                    | Op::LessOrEquals(_)
            )
        {
            return Err("a count is compared with equals, notEquals, greater, greaterOrEquals, less or lessOrEquals".into());
        }
        Ok(Condition::Leaf(subject, op))
    }
}

fn compile_all(parts: &[RawCondition], facts: &dyn FactNames) -> Result<Vec<Condition>, String> {
    if parts.is_empty() {
        return Err("allOf and anyOf need at least one condition".into());
    }
    parts.iter().map(|p| Condition::compile(p, facts)).collect()
}

fn check_fact(name: &str, facts: &dyn FactNames) -> Result<Fact, String> {
    facts
        .fact(name)
        .ok_or_else(|| format!("unknown fact `{name}` (`azlint explain facts` lists them)"))
}

fn operand(v: &serde_json::Value, facts: &dyn FactNames) -> Result<Operand, String> {
    if let Some(obj) = v.as_object() {
        if obj.len() == 1 {
            if let Some(f) = obj.get("field").and_then(|f| f.as_str()) {
                return Ok(Operand::Field(Chain::compile(f)?));
            }
            if let Some(f) = obj.get("fact").and_then(|f| f.as_str()) {
                return Ok(Operand::Fact(check_fact(f, facts)?));
            }
        }
        return Err("an operand is a literal, {field: PATH} or {fact: NAME}".into());
    }
    Ok(Operand::Literal(Literal::new(v)))
}

/// `like` patterns: `*` any run of characters, `?` one character; case-insensitive.
fn like(pattern: &str) -> Result<Regex, String> {
    let mut re = String::from("(?is)^");
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    Regex::new(&re).map_err(|e| format!("invalid like pattern `{pattern}`: {e}"))
}

/// `match` patterns are regular expressions (the `regex` crate: linear time, no
/// backtracking), anchored to the whole value.
fn regex(pattern: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            format!(
                "invalid regular expression `{pattern}`: {}",
                one_line(&e.to_string())
            )
        })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A literal a numeric comparison takes: a number (or a string that is one, as ARM writes
/// some); anything else could never compare and would make the rule silently never fire.
fn number_operand(
    name: &str,
    v: &serde_json::Value,
    facts: &dyn FactNames,
) -> Result<Operand, String> {
    let numeric = match v {
        serde_json::Value::Number(_) | serde_json::Value::Object(_) => true,
        serde_json::Value::String(s) => s.trim().parse::<f64>().is_ok(),
        _ => false,
    };
    if !numeric {
        return Err(format!(
            "`{name}` compares with a number (or {{field: PATH}} or {{fact: NAME}}), not `{v}`"
        ));
    }
    operand(v, facts)
}

/// A literal `ipIn` or `ipReservedIn` takes: an address or prefix (`10.0.0.0/16`), or a list
/// of them; a typo would make the rule silently never match.
fn prefix_operand(
    name: &str,
    v: &serde_json::Value,
    facts: &dyn FactNames,
) -> Result<Operand, String> {
    let valid = |s: &serde_json::Value| {
        s.as_str().is_some_and(|s| {
            let s = s.trim();
            s.parse::<ipnet::IpNet>().is_ok() || s.parse::<std::net::IpAddr>().is_ok()
        })
    };
    let ok = match v {
        serde_json::Value::Object(_) => true,
        serde_json::Value::Array(list) => list.iter().all(valid),
        other => valid(other),
    };
    if !ok {
        return Err(format!("`{name}` takes an IP address or prefix (10.0.0.0/16), a list of them, {{field: PATH}} or {{fact: NAME}}, not `{v}`"));
    }
    operand(v, facts)
}

fn operator(raw: &RawCondition, facts: &dyn FactNames) -> Result<Op, String> {
    let mut ops = Vec::new();
    let o = |v: &serde_json::Value| operand(v, facts);
    let n = |name: &str, v: &serde_json::Value| number_operand(name, v, facts);
    let p = |name: &str, v: &serde_json::Value| prefix_operand(name, v, facts);
    if let Some(v) = &raw.equals {
        ops.push(Op::Equals(o(v)?));
    }
    if let Some(v) = &raw.not_equals {
        ops.push(Op::NotEquals(o(v)?));
    }
    if let Some(v) = &raw.in_ {
        ops.push(Op::In(o(v)?));
    }
    if let Some(v) = &raw.not_in {
        ops.push(Op::NotIn(o(v)?));
    }
    if let Some(p) = &raw.like {
        ops.push(Op::Like(like(p)?));
    }
    if let Some(p) = &raw.not_like {
        ops.push(Op::NotLike(like(p)?));
    }
    if let Some(p) = &raw.match_ {
        ops.push(Op::Match(regex(p)?));
    }
    if let Some(p) = &raw.not_match {
        ops.push(Op::NotMatch(regex(p)?));
    }
    if let Some(v) = &raw.contains {
        ops.push(Op::Contains(o(v)?));
    }
    if let Some(v) = &raw.not_contains {
        ops.push(Op::NotContains(o(v)?));
    }
    if let Some(b) = raw.exists {
        ops.push(Op::Exists(b));
    }
    if let Some(b) = raw.empty {
        ops.push(Op::Empty(b));
    }
    if let Some(v) = &raw.greater {
        ops.push(Op::Greater(n("greater", v)?));
    }
    if let Some(v) = &raw.greater_or_equals {
        ops.push(Op::GreaterOrEquals(n("greaterOrEquals", v)?));
    }
    if let Some(v) = &raw.less {
        ops.push(Op::Less(n("less", v)?));
    }
    if let Some(v) = &raw.less_or_equals {
        ops.push(Op::LessOrEquals(n("lessOrEquals", v)?));
    }
    if let Some(b) = raw.ip_public {
        ops.push(Op::IpPublic(b));
    }
    if let Some(v) = &raw.ip_in {
        ops.push(Op::IpIn(p("ipIn", v)?));
    }
    if let Some(v) = &raw.ip_reserved_in {
        ops.push(Op::IpReservedIn(p("ipReservedIn", v)?));
    }
    if let Some(b) = raw.dns_resolves_public {
        ops.push(Op::DnsResolvesPublic(b));
    }
    if let Some(b) = raw.is_guid {
        ops.push(Op::IsGuid(b));
    }
    match ops.len() {
        1 => Ok(ops.remove(0)),
        0 => Err("a leaf condition needs an operator (equals, in, like, match, exists, greater, ipPublic, ...)".into()),
        _ => Err("a leaf condition has exactly one operator; combine several with allOf or anyOf".into()),
    }
}

/// A value a condition looks at: from the input (with its place) or derived.
#[derive(Clone, Debug)]
pub struct Item<'a> {
    pub scalar: Scalar<'a>,
    /// Where the value is in an input, for findings to point at.
    pub at: Option<Value<'a>>,
    /// The input file `at` is in.
    pub file: Option<FileId>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Scalar<'a> {
    Str(Cow<'a, str>),
    Num(f64),
    Bool(bool),
    Null,
    /// Arrays and objects keep their elements as items.
    List(Vec<Item<'a>>),
}

impl PartialEq for Item<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.scalar == other.scalar
    }
}

impl<'a> Item<'a> {
    pub fn text(s: impl Into<Cow<'a, str>>) -> Self {
        Item {
            scalar: Scalar::Str(s.into()),
            at: None,
            file: None,
        }
    }

    /// Records the file the item's value is in.
    pub fn in_file(mut self, file: FileId) -> Self {
        self.file = Some(file);
        self
    }

    /// An item for an input value (arrays and objects to a bounded depth).
    pub fn from_value(v: Value<'a>) -> Self {
        Item::from_value_depth(v, 1)
    }

    fn from_value_depth(v: Value<'a>, depth: u32) -> Self {
        let scalar = match v.kind() {
            Kind::String => Scalar::Str(v.as_str().unwrap_or_default()),
            Kind::Number => v.as_f64().map(Scalar::Num).unwrap_or(Scalar::Null),
            Kind::Bool => Scalar::Bool(v.as_bool().unwrap_or(false)),
            Kind::Null => Scalar::Null,
            Kind::Array if depth > 0 => Scalar::List(
                v.elements()
                    .map(|e| Item::from_value_depth(e, depth - 1))
                    .collect(),
            ),
            Kind::Object if depth > 0 => Scalar::List(
                v.members()
                    .map(|(_, m)| Item::from_value_depth(m, depth - 1))
                    .collect(),
            ),
            _ => Scalar::List(Vec::new()),
        };
        Item {
            scalar,
            at: Some(v),
            file: None,
        }
    }

    fn from_json(v: &serde_json::Value) -> Item<'static> {
        let scalar = match v {
            serde_json::Value::String(s) => Scalar::Str(Cow::Owned(s.clone())),
            serde_json::Value::Number(n) => Scalar::Num(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::Bool(b) => Scalar::Bool(*b),
            serde_json::Value::Null => Scalar::Null,
            serde_json::Value::Array(a) => Scalar::List(a.iter().map(Item::from_json).collect()),
            serde_json::Value::Object(o) => Scalar::List(o.values().map(Item::from_json).collect()),
        };
        Item {
            scalar,
            at: None,
            file: None,
        }
    }

    /// The text shown in messages.
    pub fn display(&self) -> String {
        match &self.scalar {
            Scalar::Str(s) => {
                // A value of an evaluated template known only after deployment: say what it
                // stands for rather than print the expression.
                let written = self.at.and_then(|v| v.as_str());
                let shown = written
                    .as_deref()
                    .and_then(symbol_display)
                    .or_else(|| symbol_display(s))
                    .unwrap_or_else(|| s.to_string());
                azlint_arm::text::readable(&shown).into_owned()
            }
            Scalar::Num(n) => n.to_string(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Null => "null".into(),
            Scalar::List(items) => items
                .iter()
                .map(Item::display)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    fn as_str(&self) -> Option<&str> {
        match &self.scalar {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// `[reference('<id>', 'Full').properties.principalId]` -> `<principalId of NAME>`: a
/// placeholder for what is known only after deployment, readable in messages and in the
/// commands of help texts alike.
fn symbol_display(s: &str) -> Option<String> {
    // An identity whose id is known only at deployment: named by its name's expression.
    if let Some(target) = principal_target(s).filter(|t| azlint_inventory::is_expression_text(t)) {
        let name = azlint_arm::text::id_name(&target).unwrap_or_else(|| {
            target
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string()
        });
        return Some(format!("<principalId of {name}>"));
    }
    let inner = s.trim().strip_prefix("[reference('")?.strip_suffix(']')?;
    let (id, rest) = inner.split_once("',")?;
    let path = rest.split_once(").")?.1;
    let name = id.trim_end_matches('/').rsplit('/').next()?;
    let what = path.rsplit('.').next().unwrap_or(path);
    Some(format!("<{what} of {name}>"))
}

/// What a fact gives: values, or why the input cannot say.
#[derive(Clone, Debug)]
pub enum FactAnswer<'a> {
    Known(std::sync::Arc<[Item<'a>]>),
    /// Values known to be there, and why there may be more: the principals that hold a role
    /// on a NIC, where a template's role assignment known only after deployment may be one
    /// more. "Is X among them" is then true or unknown, never false.
    Partial(std::sync::Arc<[Item<'a>]>, Unknown<'a>),
    Unknown(Unknown<'a>),
}

impl<'a> FactAnswer<'a> {
    /// The answer, unless `whole`: then its values are those known to be there, and `why`
    /// says why there may be more.
    pub fn and_more_unless(self, whole: bool, why: impl FnOnce() -> String) -> FactAnswer<'a> {
        match self {
            FactAnswer::Known(items) if !whole => FactAnswer::Partial(
                items,
                Unknown {
                    reason: why(),
                    at: None,
                },
            ),
            answer => answer,
        }
    }

    /// The values known to be there (all of them, for a known answer).
    pub fn known_items(&self) -> Option<&[Item<'a>]> {
        match self {
            FactAnswer::Known(items) | FactAnswer::Partial(items, _) => Some(items),
            FactAnswer::Unknown(_) => None,
        }
    }
}

/// Where a condition is evaluated: the resource, the current item, and the facts.
pub trait Scope<'a> {
    /// The resource with this id (compared case-insensitively), for paths that follow
    /// references (`->`); `None` when the inputs do not hold it.
    fn resolve(&self, _id: &str) -> Option<Resolved<'a>> {
        None
    }
    fn document(&self) -> &'a Document;
    fn root(&self) -> Value<'a>;
    fn current(&self) -> Value<'a>;
    /// The resource's properties object, when known (nested or flattened form).
    fn root_props(&self) -> Option<Value<'a>> {
        None
    }
    fn fact(&self, fact: Fact, current: Value<'a>) -> FactAnswer<'a>;
    /// Why a value of an evaluated template in `file` is known only after deployment.
    fn unknown_reason(&self, _file: FileId, _at: Value<'a>) -> Option<String> {
        None
    }
}

/// A scope with another current item (inside `count`): the parent's for everything else.
struct WithCurrent<'s, 'a> {
    parent: &'s dyn Scope<'a>,
    current: Value<'a>,
}

impl<'a> Scope<'a> for WithCurrent<'_, 'a> {
    fn resolve(&self, id: &str) -> Option<Resolved<'a>> {
        self.parent.resolve(id)
    }
    fn document(&self) -> &'a Document {
        self.parent.document()
    }
    fn root(&self) -> Value<'a> {
        self.parent.root()
    }
    fn current(&self) -> Value<'a> {
        self.current
    }
    fn root_props(&self) -> Option<Value<'a>> {
        self.parent.root_props()
    }
    fn fact(&self, fact: Fact, current: Value<'a>) -> FactAnswer<'a> {
        self.parent.fact(fact, current)
    }
}

/// A three-valued answer.
#[derive(Clone, Debug)]
pub enum Truth<'a> {
    True,
    False,
    Unknown(Unknown<'a>),
}

impl<'a> Truth<'a> {
    fn from_bool(b: bool) -> Self {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    fn not(self) -> Self {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            u => u,
        }
    }
}

/// The items a subject or operand stands for, and whether some could not be known.
struct Items<'r, 'a> {
    items: List<'r, 'a>,
    unknown: Option<Unknown<'a>>,
}

/// Items read from the input (owned; one or none without a list, which is what most paths
/// select), a fact's answer (shared with the cache that holds it: facts are asked by many
/// rules, and copying their lists was a tenth of rule time) or a rule's literal (borrowed).
enum List<'r, 'a> {
    None,
    One(Item<'a>),
    Owned(Vec<Item<'a>>),
    Shared(std::sync::Arc<[Item<'a>]>),
    Borrowed(&'r [Item<'a>]),
}

impl<'a> std::ops::Deref for List<'_, 'a> {
    type Target = [Item<'a>];
    fn deref(&self) -> &[Item<'a>] {
        match self {
            List::None => &[],
            List::One(i) => std::slice::from_ref(i),
            List::Owned(v) => v,
            List::Shared(a) => a,
            List::Borrowed(b) => b,
        }
    }
}

fn items<'r, 'a>(scope: &dyn Scope<'a>, o: &'r Operand) -> Items<'r, 'a> {
    match o {
        Operand::Literal(v) => literal_items(v),
        Operand::Field(p) => field_items(scope, p),
        Operand::Fact(f) => fact_items(scope, *f),
    }
}

fn literal_items<'r, 'a>(v: &'r Literal) -> Items<'r, 'a> {
    Items {
        items: List::Borrowed(&v.0),
        unknown: None,
    }
}

fn field_items<'r, 'a>(scope: &dyn Scope<'a>, chain: &Chain) -> Items<'r, 'a> {
    let doc = scope.document();
    if chain.hops.is_empty() && chain.first.is_singular() {
        let (value, unknown) =
            chain
                .first
                .eval_one(doc, scope.root(), scope.root_props(), scope.current());
        return Items {
            items: match value {
                Some(v) => List::One(Item::from_value(v).in_file(doc.file)),
                None => List::None,
            },
            unknown,
        };
    }
    let s = chain
        .first
        .eval_from(doc, scope.root(), scope.root_props(), scope.current());
    if chain.hops.is_empty() {
        return Items {
            items: List::Owned(
                s.values
                    .into_iter()
                    .map(|v| Item::from_value(v).in_file(doc.file))
                    .collect(),
            ),
            unknown: s.unknown,
        };
    }
    let mut unknown = s.unknown;
    let mut values: Vec<(&'a Document, Value<'a>)> =
        s.values.into_iter().map(|v| (doc, v)).collect();
    for (hop, path) in chain.hops.iter().enumerate() {
        let mut next = Vec::new();
        for (_, v) in values {
            // A reference is an id string, or an object holding one (`{"id": ...}`).
            let id_value = if v.is_object() {
                v.get_ignore_case("id")
            } else {
                Some(v)
            };
            let Some(id_value) = id_value else {
                continue;
            };
            let Some(id) = id_value.as_str() else {
                continue;
            };
            // Labels may only point into the resource's own document.
            let at = (hop == 0).then_some(v);
            if is_expression(id_value) {
                unknown.get_or_insert(Unknown {
                    reason: format!("the reference `{id}` is a template expression"),
                    at,
                });
                continue;
            }
            let Some(target) = scope.resolve(&id) else {
                unknown.get_or_insert(Unknown {
                    reason: format!(
                        "`{id}` is not in the inputs, so `{}` cannot be followed",
                        chain.text
                    ),
                    at,
                });
                continue;
            };
            let s = path.eval_from(target.doc, target.root, target.props, target.root);
            if let Some(u) = s.unknown {
                unknown.get_or_insert(Unknown {
                    reason: u.reason,
                    at: None,
                });
            }
            next.extend(s.values.into_iter().map(|v| (target.doc, v)));
        }
        values = next;
    }
    Items {
        items: List::Owned(
            values
                .into_iter()
                .map(|(d, v)| Item::from_value(v).in_file(d.file))
                .collect(),
        ),
        unknown,
    }
}

/// A resource a reference leads to.
#[derive(Clone, Copy)]
pub struct Resolved<'a> {
    pub doc: &'a Document,
    pub root: Value<'a>,
    /// Its properties object (nested or flattened form), when known.
    pub props: Option<Value<'a>>,
}

/// A `field` path, possibly following references: `PATH -> PATH -> ...`. Each `->` reads the
/// values selected so far as resource ids (strings, or objects with an `id`), finds those
/// resources in the inventory (ids compare ignoring case) and goes on from each with the next
/// path, which starts at `$`, the referenced resource.
#[derive(Clone, Debug)]
pub struct Chain {
    /// As written in the rule file.
    pub text: String,
    first: Path,
    hops: Vec<Path>,
}

impl Chain {
    pub fn compile(text: &str) -> Result<Chain, String> {
        let parts = split_arrows(text);
        let first = Path::compile(parts[0])?;
        let hops = parts[1..]
            .iter()
            .map(|p| {
                let path = Path::compile(p)?;
                if path.relative {
                    return Err(format!(
                        "after `->` a path starts at the referenced resource, `$`: `{}`",
                        p.trim()
                    ));
                }
                Ok(path)
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Chain {
            text: text.trim().to_string(),
            first,
            hops,
        })
    }

    /// Whether the chain stays within the resource (no `->`).
    pub fn is_local(&self) -> bool {
        self.hops.is_empty()
    }
}

/// Splits at `->` outside quoted strings.
fn split_arrows(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut quote, mut i) = (0, None::<u8>, 0);
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if b == b'-' && bytes.get(i + 1) == Some(&b'>') => {
                parts.push(&text[start..i]);
                start = i + 2;
                i += 1;
            }
            None => {}
        }
        i += 1;
    }
    parts.push(&text[start..]);
    parts
}

fn fact_items<'r, 'a>(scope: &dyn Scope<'a>, fact: Fact) -> Items<'r, 'a> {
    match scope.fact(fact, scope.current()) {
        FactAnswer::Known(items) => Items {
            items: List::Shared(items),
            unknown: None,
        },
        FactAnswer::Partial(items, u) => Items {
            items: List::Shared(items),
            unknown: Some(u),
        },
        FactAnswer::Unknown(u) => Items {
            items: List::None,
            unknown: Some(u),
        },
    }
}

impl Condition {
    pub fn eval<'a>(&self, scope: &dyn Scope<'a>) -> Truth<'a> {
        match self {
            Condition::All(parts) => {
                let mut unknown = None;
                for p in parts {
                    match p.eval(scope) {
                        Truth::False => return Truth::False,
                        Truth::Unknown(u) => {
                            unknown.get_or_insert(u);
                        }
                        Truth::True => {}
                    }
                }
                unknown.map_or(Truth::True, Truth::Unknown)
            }
            Condition::Any(parts) => {
                let mut unknown = None;
                for p in parts {
                    match p.eval(scope) {
                        Truth::True => return Truth::True,
                        Truth::Unknown(u) => {
                            unknown.get_or_insert(u);
                        }
                        Truth::False => {}
                    }
                }
                unknown.map_or(Truth::False, Truth::Unknown)
            }
            Condition::Not(inner) => inner.eval(scope).not(),
            Condition::Leaf(Subject::Count(path, filter), op) => count(scope, path, filter, op),
            Condition::Leaf(subject, op) => {
                // An unknown of a path read in the resource itself is its value (or what
                // holds it); a fact's, or one met after a reference, is the value that made
                // the answer unknown.
                let own = matches!(subject, Subject::Field(p) if p.hops.is_empty());
                let subject = match subject {
                    Subject::Field(p) => field_items(scope, p),
                    Subject::Fact(f) => fact_items(scope, *f),
                    Subject::Value(v) => literal_items(v),
                    Subject::Count(..) => unreachable!("handled above"),
                };
                leaf(scope, subject, op, own)
            }
        }
    }
}

fn count<'a>(
    scope: &dyn Scope<'a>,
    path: &Path,
    filter: &Option<Box<Condition>>,
    op: &Op,
) -> Truth<'a> {
    let selected = path.eval_from(
        scope.document(),
        scope.root(),
        scope.root_props(),
        scope.current(),
    );
    if let Some(u) = selected.unknown {
        // Items the path could not reach might exist: the count is not known.
        return Truth::Unknown(u);
    }
    let (mut yes, mut maybe) = (0usize, 0usize);
    let mut unknown = None;
    for v in selected.values {
        let t = match filter {
            Some(f) => f.eval(&WithCurrent {
                parent: scope,
                current: v,
            }),
            None => Truth::True,
        };
        match t {
            Truth::True => yes += 1,
            Truth::False => {}
            Truth::Unknown(u) => {
                maybe += 1;
                unknown.get_or_insert(u);
            }
        }
    }
    let target = match op {
        Op::Equals(o)
        | Op::NotEquals(o)
        | Op::Greater(o)
        | Op::GreaterOrEquals(o)
        | Op::Less(o)
        | Op::LessOrEquals(o) => items(scope, o),
        _ => return Truth::False,
    };
    let Some(n) = target.items.first().and_then(number) else {
        return target.unknown.map_or(Truth::False, Truth::Unknown);
    };
    let test = |c: usize| {
        let c = c as f64;
        match op {
            Op::Equals(_) => c == n,
            Op::NotEquals(_) => c != n,
            Op::Greater(_) => c > n,
            Op::GreaterOrEquals(_) => c >= n,
            Op::Less(_) => c < n,
            _ => c <= n,
        }
    };
    // Undecided items leave the count between `yes` and `yes + maybe`: the answer is known
    // only if every count in that range gives the same one.
    let first = test(yes);
    if (yes..=yes + maybe).all(|c| test(c) == first) {
        Truth::from_bool(first)
    } else {
        Truth::Unknown(unknown.unwrap_or(Unknown {
            reason: "some items could not be decided".into(),
            at: None,
        }))
    }
}

/// `own`: the subject is a path in the resource itself, so that an unknown string where it
/// stopped may be the value it selects.
fn leaf<'a>(scope: &dyn Scope<'a>, subject: Items<'_, 'a>, op: &Op, own: bool) -> Truth<'a> {
    match op {
        Op::Exists(want) => {
            // A null value is no value: `"id": null` (what
            // `if(parameters('useNsg'), resourceId(...), null())` gives without the NSG) names
            // nothing.
            if subject
                .items
                .iter()
                .any(|i| !matches!(i.scalar, Scalar::Null))
            {
                return Truth::from_bool(*want);
            }
            // A template string whose shape is known is there, whatever its value
            // (`concat('ams-disk-', uniqueString(...))` is never null). Only a path's own
            // value: a fact that cannot tell (whether a next hop known only at deployment is
            // a vSocket's IP) points at the value that keeps it from telling, which exists
            // whether or not the answer does.
            if let (true, Some(Unknown { at: Some(v), .. })) = (own, &subject.unknown) {
                if v.as_str().is_some_and(|t| {
                    never_null(&t) || crate::shape::decide("^(?s:.*)$", &t) == Some(true)
                }) {
                    return Truth::from_bool(*want);
                }
            }
            return match subject.unknown {
                Some(u) => Truth::Unknown(u),
                None => Truth::from_bool(!*want),
            };
        }
        Op::Empty(want) => {
            let empty = subject.items.iter().all(|i| match &i.scalar {
                Scalar::List(l) => l.is_empty(),
                Scalar::Str(s) => s.is_empty(),
                Scalar::Null => true,
                _ => false,
            });
            // Items that may be missing may be non-empty ones.
            if empty {
                if let Some(u) = subject.unknown {
                    return Truth::Unknown(u);
                }
            }
            return Truth::from_bool(empty == *want);
        }
        _ => {}
    }
    if let (Op::IsGuid(want), true) = (op, subject.items.is_empty()) {
        // `guid()` of values known only after deployment is not known, but it is a GUID.
        if let Some(Unknown { at: Some(v), .. }) = &subject.unknown {
            if v.as_str().is_some_and(|t| makes_guid(&t)) {
                return Truth::from_bool(*want);
            }
            // What the known parts say: `concat(guid(...), '-lan')` is never a GUID. The
            // nested name of an extension resource (`NIC/Microsoft.Authorization/GUID`) is
            // one, however it is spelled (`format('{0}/Microsoft.Authorization/{1}', ...)`).
            if let Some(all) = v
                .as_str()
                .and_then(|t| crate::shape::decide(NESTED_GUID, &t))
            {
                return Truth::from_bool(all == *want);
            }
        }
    }
    if subject.items.is_empty() {
        // A template value known only in part may still match a pattern whatever it is, or
        // never (`concat('ams lan-', parameters('site'))` is no valid name).
        if let (
            Op::Like(re) | Op::Match(re) | Op::NotLike(re) | Op::NotMatch(re),
            Some(Unknown { at: Some(v), .. }),
        ) = (op, &subject.unknown)
        {
            if let Some(all) = v
                .as_str()
                .and_then(|t| crate::shape::decide(re.as_str(), &t))
            {
                let positive = matches!(op, Op::Like(_) | Op::Match(_));
                return Truth::from_bool(all == positive);
            }
        }
        if let (
            Op::Contains(Operand::Literal(Literal(needle)))
            | Op::NotContains(Operand::Literal(Literal(needle))),
            Some(Unknown { at: Some(v), .. }),
        ) = (op, &subject.unknown)
        {
            if let [Item {
                scalar: Scalar::Str(needle),
                ..
            }] = &needle[..]
            {
                let pattern = format!("(?is)^.*{}.*$", regex::escape(needle));
                if let Some(all) = v.as_str().and_then(|t| crate::shape::decide(&pattern, &t)) {
                    return Truth::from_bool(all == matches!(op, Op::Contains(_)));
                }
            }
        }
        // Absent: the negative operators hold, the positive ones do not.
        return match subject.unknown {
            Some(u) => Truth::Unknown(u),
            None => Truth::from_bool(matches!(
                op,
                Op::NotEquals(_)
                    | Op::NotIn(_)
                    | Op::NotLike(_)
                    | Op::NotMatch(_)
                    | Op::NotContains(_)
            )),
        };
    }
    let operand = op.operand().map(|o| items(scope, o));
    if let Some(o) = &operand {
        if o.items.is_empty() {
            if let Some(u) = &o.unknown {
                return Truth::Unknown(u.clone());
            }
        }
    }
    let mut unknown = subject.unknown;
    for item in subject.items.iter() {
        match test(item, op, operand.as_ref()) {
            Some(true) => {}
            Some(false) => return Truth::False,
            None => {
                // What the operand may also hold (a partial fact's missing values) is what is
                // not known.
                if let Some(u) = operand.as_ref().and_then(|o| o.unknown.as_ref()) {
                    unknown.get_or_insert_with(|| u.clone());
                    continue;
                }
                // A "cannot tell" is located in the checked resource's file: a value of
                // another file (a fact's, the HA identity's principal) is not a place there.
                let here = |i: &Item<'a>| i.file.is_none_or(|f| f == scope.document().file);
                // Why the symbol is unknown, as the template's evaluation says, where the note
                // points at it.
                let why = |i: &Item<'a>| match (i.file, i.at) {
                    (Some(file), Some(at)) if here(i) => scope.unknown_reason(file, at),
                    _ => None,
                };
                // The value that is unknown: the item, unless it names a resource by id and
                // what it is compared with is the unknown one.
                let unknown_symbol =
                    |i: &&Item<'a>| symbol_of(i).is_some_and(|x| !is_literal_reference(x));
                let other = operand.as_ref().and_then(|o| {
                    members(o)
                        .find(unknown_symbol)
                        .or_else(|| members(o).find(|i| symbol_of(i).is_some()))
                });
                let culprit = match other {
                    Some(other) if !unknown_symbol(&item) => Some(other),
                    _ if symbol_of(item).is_some() => Some(item),
                    other => other,
                };
                let reason = match culprit {
                    Some(c) => why(c).unwrap_or_else(|| {
                        if std::ptr::eq(c, item) {
                            format!("`{}` is not known before deployment", item.display())
                        } else {
                            format!(
                                "`{}` is compared with `{}`, not known before deployment",
                                item.display(),
                                c.display()
                            )
                        }
                    }),
                    None => format!("`{}` cannot be compared", item.display()),
                };
                let at = culprit.unwrap_or(item);
                unknown.get_or_insert(Unknown {
                    reason,
                    at: at.at.filter(|_| here(at)),
                });
            }
        }
    }
    unknown.map_or(Truth::True, Truth::Unknown)
}

fn eq(a: &Item<'_>, b: &Item<'_>) -> bool {
    match (&a.scalar, &b.scalar) {
        (Scalar::Str(x), Scalar::Str(y)) => {
            // Unicode case folding only where it can change the answer.
            x.eq_ignore_ascii_case(y)
                || (!(x.is_ascii() && y.is_ascii()) && x.to_lowercase() == y.to_lowercase())
        }
        (Scalar::Num(x), Scalar::Num(y)) => x == y,
        (Scalar::Bool(x), Scalar::Bool(y)) => x == y,
        (Scalar::Null, Scalar::Null) => true,
        (Scalar::List(x), Scalar::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| eq(a, b))
        }
        _ => false,
    }
}

/// Whether `item` equals one of `others`; `None` when that cannot be told, because a value
/// compared is known only after deployment (see [`same`]).
fn any_same<'x, 'a: 'x>(
    item: &Item<'a>,
    others: impl Iterator<Item = &'x Item<'a>>,
) -> Option<bool> {
    let mut undecided = false;
    for x in others {
        match same(item, x) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => undecided = true,
        }
    }
    (!undecided).then_some(false)
}

/// Whether two values are equal. A value of an evaluated template known only after
/// deployment is its expression (a symbol): equal to the same symbol of the same template, and
/// of unknown value otherwise (a parameter without a value may be any id), except that the
/// properties of two different resources the inputs name by literal id
/// (`reference('<id>', 'Full')...`: two identities' principal ids) are different values, and
/// that the known parts of two expressions may tell them apart (`azlint_arm::text`).
fn same(a: &Item<'_>, b: &Item<'_>) -> Option<bool> {
    if eq(a, b) {
        // The same expression in two templates (a parameter each declares, without a value)
        // is two values, each known at its own deployment; a resource named by id is one.
        return match (symbol_of(a), a.file, b.file) {
            (Some(x), Some(fa), Some(fb)) if fa != fb && !is_literal_reference(x) => None,
            _ => Some(true),
        };
    }
    // Principals known only after deployment are those of their identities: one identity's,
    // however its id is spelled; two identities' when their ids differ.
    if let (Some(x), Some(y)) = (
        symbol_of(a).and_then(principal_target),
        symbol_of(b).and_then(principal_target),
    ) {
        return match (
            azlint_inventory::is_expression_text(&x),
            azlint_inventory::is_expression_text(&y),
        ) {
            (false, false) => Some(azlint_inventory::id_key(&x) == azlint_inventory::id_key(&y)),
            _ => azlint_arm::text::compare(&x, &y, one_template(a, b)),
        };
    }
    match (symbol_of(a), symbol_of(b)) {
        (None, None) => Some(false),
        (Some(x), Some(y)) if is_literal_reference(x) && is_literal_reference(y) => Some(false),
        // The parts an expression spells out are known: `concat(parameters('vnetId'),
        // '/subnets/lan')` is not the same subnet as `.../subnets/wan`.
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => azlint_arm::text::compare(x, y, one_template(a, b)),
            _ => None,
        },
    }
}

/// Whether two values come from one template (or from no file): the same expression in both
/// is then the same value.
fn one_template(a: &Item<'_>, b: &Item<'_>) -> bool {
    !matches!((a.file, b.file), (Some(fa), Some(fb)) if fa != fb)
}

/// [`same`] for two texts (ids, principals), compared ignoring case.
pub(crate) fn same_text(a: &str, b: &str) -> Option<bool> {
    same(&Item::text(a), &Item::text(b))
}

/// The expression of a value known only after deployment, when `item` is one.
fn symbol_of<'i>(item: &'i Item<'_>) -> Option<&'i str> {
    item.as_str()
        .filter(|s| azlint_inventory::is_expression_text(s))
}

/// `[reference('<literal id>', ...)...]`: a property of one resource, named by its id.
fn is_literal_reference(symbol: &str) -> bool {
    literal_reference_id(symbol).is_some()
}

/// The id in `[reference('<literal id>', ...)...]`.
pub(crate) fn literal_reference_id(symbol: &str) -> Option<&str> {
    symbol
        .trim()
        .strip_prefix("[reference('")
        .and_then(|rest| rest.split_once('\''))
        .map(|(id, _)| id)
        .filter(|id| !id.contains(['[', '(']))
}

/// The resource a principal known only after deployment belongs to:
/// `[reference('<id>', 'full').properties.principalid]` gives the id; where the id itself is
/// known only at deployment (`[reference(resourceid(..., parameters('p')), 'full')...]`), its
/// expression, in brackets. `None` for any other text.
pub(crate) fn principal_target(symbol: &str) -> Option<Cow<'_, str>> {
    match literal_reference_id(symbol) {
        Some(id) => Some(Cow::Borrowed(id)),
        None => azlint_arm::text::principal_of(symbol).map(Cow::Owned),
    }
}

/// The values of an operand, with a list literal spread out.
fn members<'a, 'b>(o: &'b Items<'_, 'a>) -> impl Iterator<Item = &'b Item<'a>> {
    o.items.iter().flat_map(|i| match &i.scalar {
        Scalar::List(l) => l.iter(),
        _ => std::slice::from_ref(i).iter(),
    })
}

fn number(i: &Item<'_>) -> Option<f64> {
    match &i.scalar {
        Scalar::Num(n) => Some(*n),
        Scalar::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn prefixes(o: &Items<'_, '_>) -> Vec<IpNet> {
    members(o)
        .filter_map(|i| i.as_str())
        .filter_map(|s| {
            let s = s.trim();
            s.parse::<IpNet>()
                .ok()
                .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
        })
        .collect()
}

/// Tests one subject item; `None` when it cannot be decided.
fn test(item: &Item<'_>, op: &Op, operand: Option<&Items<'_, '_>>) -> Option<bool> {
    let o = operand;
    let text = item.as_str();
    Some(match op {
        Op::Equals(_) => any_same(item, o?.items.iter())?,
        Op::NotEquals(_) => !any_same(item, o?.items.iter())?,
        // Of a list with values that may be missing (a partial fact), "not among them" is
        // not known.
        Op::In(_) | Op::NotIn(_) => {
            let o = o?;
            let found = any_same(item, members(o))?;
            if !found && o.unknown.is_some() {
                return None;
            }
            found == matches!(op, Op::In(_))
        }
        Op::Like(re) | Op::Match(re) => text.is_some_and(|t| re.is_match(t)),
        Op::NotLike(re) | Op::NotMatch(re) => !text.is_some_and(|t| re.is_match(t)),
        Op::Contains(_) | Op::NotContains(_) => {
            let found = o?
                .items
                .iter()
                .any(|needle| match (&item.scalar, &needle.scalar) {
                    (Scalar::Str(h), Scalar::Str(n)) => contains_ignore_case(h, n),
                    (Scalar::List(l), _) => l.iter().any(|e| eq(e, needle)),
                    _ => false,
                });
            found == matches!(op, Op::Contains(_))
        }
        Op::Greater(_) | Op::GreaterOrEquals(_) | Op::Less(_) | Op::LessOrEquals(_) => {
            let a = number(item)?;
            let b = o?.items.first().and_then(number)?;
            match op {
                Op::Greater(_) => a > b,
                Op::GreaterOrEquals(_) => a >= b,
                Op::Less(_) => a < b,
                _ => a <= b,
            }
        }
        Op::IpPublic(want) => {
            let public = text.is_some_and(|t| {
                t.trim().parse::<IpAddr>().is_ok() && classify(t) == Resolver::Public
                    || t.trim() == crate::dns::AZURE_DNS
            });
            public == *want
        }
        Op::DnsResolvesPublic(want) => {
            text.is_some_and(|t| classify(t).resolves_public_names()) == *want
        }
        Op::IpIn(_) => {
            let ip: IpAddr = text?.trim().parse().ok()?;
            prefixes(o?).iter().any(|n| n.contains(&ip))
        }
        Op::IpReservedIn(_) => {
            let ip: IpAddr = text?.trim().parse().ok()?;
            let nets = prefixes(o?);
            let net = nets.iter().find(|n| n.contains(&ip))?;
            reserved(net, ip)
        }
        Op::IsGuid(want) => text.is_some_and(is_guid) == *want,
        Op::Exists(_) | Op::Empty(_) => return None,
    })
}

/// A GUID, or the nested name of an extension resource that ends in one.
const NESTED_GUID: &str = "^(?:(?:(?s:.*)/(?i:microsoft\\.authorization)/)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$";

/// Whether a template expression is, as a whole, a call of a function that always gives a
/// value (`resourceId(...)`, `concat(...)`): whatever its arguments, it is not null. A
/// parameter, a variable, `reference()` or `if()` may be.
fn never_null(expression: &str) -> bool {
    const GIVE_A_VALUE: &[&str] = &[
        "resourceid",
        "subscriptionresourceid",
        "tenantresourceid",
        "extensionresourceid",
        "concat",
        "format",
        "uniquestring",
        "guid",
        "newguid",
        "tolower",
        "toupper",
        "substring",
        "replace",
        "string",
        "trim",
    ];
    let Some(inner) = expression
        .trim()
        .strip_prefix('[')
        .and_then(|e| e.strip_suffix(']'))
        .filter(|e| !e.starts_with('['))
    else {
        return false;
    };
    call(inner).is_some_and(|(name, _)| GIVE_A_VALUE.iter().any(|f| f.eq_ignore_ascii_case(name)))
}

/// Whether a template expression is, as a whole, one call of `guid()` or `newGuid()`, or the
/// nested name of an extension resource ending in one (`concat(NIC, '/Microsoft.Authorization/',
/// guid(...))`), so that its value, though unknown, is a GUID where a GUID is due.
fn makes_guid(expression: &str) -> bool {
    let Some(inner) = expression
        .trim()
        .strip_prefix('[')
        .and_then(|e| e.strip_suffix(']'))
    else {
        return false;
    };
    match call(inner) {
        Some((name, _))
            if name.eq_ignore_ascii_case("guid") || name.eq_ignore_ascii_case("newGuid") =>
        {
            true
        }
        Some((name, args)) if name.eq_ignore_ascii_case("concat") && args.len() >= 2 => {
            let before = args[args.len() - 2].trim();
            let literal = before.len() >= 2 && before.starts_with('\'') && before.ends_with('\'');
            literal
                && before[1..before.len() - 1]
                    .to_ascii_lowercase()
                    .ends_with("/microsoft.authorization/")
                && call(args[args.len() - 1]).is_some_and(|(n, _)| n.eq_ignore_ascii_case("guid"))
        }
        _ => false,
    }
}

/// A function call that is the whole of `text`: its name and its arguments' text, split at
/// the commas between them (not those in quoted text, where `''` is a quote, or in nested
/// calls).
pub(crate) fn call(text: &str) -> Option<(&str, Vec<&str>)> {
    let text = text.trim();
    let open = text.find('(')?;
    let name = text[..open].trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (mut depth, mut quoted, mut start) = (0usize, false, open + 1);
    let mut args = Vec::new();
    for (i, c) in text.char_indices().skip_while(|&(i, _)| i < open) {
        match c {
            '\'' => quoted = !quoted,
            _ if quoted => {}
            '(' | '[' => depth += 1,
            ',' if depth == 1 => {
                args.push(&text[start..i]);
                start = i + 1;
            }
            ')' | ']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if i + 1 != text.len() {
                        return None;
                    }
                    let last = &text[start..i];
                    if !(args.is_empty() && last.trim().is_empty()) {
                        args.push(last);
                    }
                    return Some((name, args));
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether `needle` occurs in `hay`, ignoring case (ASCII in place; other text lower-cased).
fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    if !(hay.is_ascii() && needle.is_ascii()) {
        return hay.to_lowercase().contains(&needle.to_lowercase());
    }
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Azure reserves the first four addresses and the last one of every subnet.
fn reserved(net: &IpNet, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpNet::V4(n), IpAddr::V4(a)) => {
            let first = u32::from(n.network());
            let last = u32::from(n.broadcast());
            let x = u32::from(a);
            x < first.saturating_add(4) || x == last
        }
        (IpNet::V6(n), IpAddr::V6(a)) => {
            let first = u128::from(n.network());
            let last = u128::from(n.broadcast());
            let x = u128::from(a);
            x < first.saturating_add(4) || x == last
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn calls_that_always_give_a_value() {
        for e in [
            "[resourceId('Microsoft.Network/networkSecurityGroups', concat('nsg-', uniqueString(resourceGroup().id)))]",
            "[concat(parameters('a'), '-nsg')]",
            "[ toLower(parameters('a')) ]",
        ] {
            assert!(super::never_null(e), "{e}");
        }
        for e in [
            "[parameters('nsgId')]",
            "[if(parameters('x'), resourceId('a/b', 'c'), null())]",
            "[reference('x').id]",
            "[[concat('a')]",
            "concat('a')",
        ] {
            assert!(!super::never_null(e), "{e}");
        }
    }
    use super::*;

    #[test]
    fn values_known_only_after_deployment_compare_as_unknown() {
        let id = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v/subnets/lan";
        assert_eq!(same_text(id, &id.to_uppercase()), Some(true));
        assert_eq!(same_text(id, "/subscriptions/s/other"), Some(false));
        // A parameter without a value may be any id.
        assert_eq!(same_text("[parameters('lansubnetid')]", id), None);
        assert_eq!(
            same_text("[parameters('a')]", "[parameters('a')]"),
            Some(true)
        );
        assert_eq!(same_text("[parameters('a')]", "[parameters('b')]"), None);
        // The principals of two identities named by id are two values.
        let a = "[reference('/subscriptions/s/resourcegroups/rg/providers/microsoft.managedidentity/userassignedidentities/a', 'full').properties.principalid]";
        let b = a.replace("/a'", "/b'");
        assert_eq!(same_text(a, &b), Some(false));
        assert_eq!(
            same_text(
                a,
                "[reference(parameters('identityid'), '2023-01-31').principalid]"
            ),
            None
        );
        assert_eq!(same_text(a, "5f1a9c3e-2b7d-4e8a-9c0f-1d2e3f4a5b6c"), None);
        // The same parameter of two templates is two values; a resource named by id is one.
        let in_file = |s: &str, file: u32| Item {
            scalar: Scalar::Str(Cow::Owned(s.to_string())),
            at: None,
            file: Some(FileId(file)),
        };
        let p = "[parameters('identityid')]";
        assert_eq!(same(&in_file(p, 1), &in_file(p, 1)), Some(true));
        assert_eq!(same(&in_file(p, 1), &in_file(p, 2)), None);
        assert_eq!(same(&in_file(a, 1), &in_file(a, 2)), Some(true));
    }

    #[test]
    fn guids_and_expressions_that_make_them() {
        assert!(is_guid("9980e02c-c2be-4d73-94E8-173b1dc7cf3c"));
        assert!(!is_guid("9980e02c-c2be-4d73-94e8-173b1dc7cf3"));
        assert!(!is_guid("9980e02cXc2be-4d73-94e8-173b1dc7cf3c"));
        assert!(!is_guid("ams-lan-role"));
        for (expr, guid) in [
            ("[guid(resourceGroup().id, 'x')]", true),
            (
                "[ GUID('a', reference('/x', 'Full').properties.principalId) ]",
                true,
            ),
            ("[newGuid()]", true),
            ("[guid('a')]", true),
            ("[guid('a)')]", true),
            ("[concat(guid('a'), 'x')]", false),
            ("[guid('a'), 'x')]", false),
            ("[guidx('a')]", false),
            ("[guid('a') ]", true),
            ("[guid('a'", false),
            ("guid('a')", false),
            (
                "[concat('nic/Microsoft.Authorization/', guid('a', reference('x').principalId))]",
                true,
            ),
            (
                "[concat(parameters('n'), '/microsoft.authorization/', guid('a'))]",
                true,
            ),
            ("[concat(parameters('n'), '/roles/', guid('a'))]", false),
            (
                "[concat('a, b', '/Microsoft.Authorization/', newGuid(), 'x')]",
                false,
            ),
        ] {
            assert_eq!(makes_guid(expr), guid, "{expr}");
        }
    }

    #[test]
    fn some_unknowns_are_never_guids() {
        for (expr, guid) in [
            ("[uniqueString(resourceGroup().id)]", Some(false)),
            (
                "[concat(guid('a', reference('x').principalId), '-lan')]",
                Some(false),
            ),
            ("[concat('ams-lanSubnet-', uniqueString('x'))]", Some(false)),
            // A parameter may still end it in `/Microsoft.Authorization/GUID`.
            ("[concat('it''s', parameters('p'))]", None),
            (
                "[format('{0}-lanSecondary-{1}', 'ams', uniqueString('x'))]",
                Some(false),
            ),
            ("[guid('a', parameters('p'))]", Some(true)),
            // The nested name of an extension resource, in any spelling.
            (
                "[format('{0}/Microsoft.Authorization/{1}', parameters('nic'), guid('a'))]",
                Some(true),
            ),
            (
                "[concat(parameters('nic'), '/microsoft.authorization/', toLower(guid('a')))]",
                Some(true),
            ),
            // Hexadecimal digits and hyphens may still make a GUID.
            ("[concat('9980e02c-', parameters('p'))]", None),
            (
                "[format('{0}-{1}', parameters('a'), parameters('b'))]",
                None,
            ),
            ("[parameters('name')]", None),
        ] {
            assert_eq!(crate::shape::decide(NESTED_GUID, expr), guid, "{expr}");
        }
    }

    #[test]
    fn principals_name_their_identity() {
        let by_expression = "[reference(resourceid('microsoft.managedidentity/userassignedidentities', concat(parameters('site'), ',-ha')), 'full').properties.principalid]";
        assert_eq!(
            principal_target(by_expression).as_deref(),
            Some("[resourceid('microsoft.managedidentity/userassignedidentities', concat(parameters('site'), ',-ha'))]")
        );
        assert_eq!(
            symbol_display(by_expression).as_deref(),
            Some("<principalId of concat(parameters('site'), ',-ha')>")
        );
        assert!(principal_target("[parameters('principal')]").is_none());
    }

    #[test]
    fn contains_ignores_case() {
        assert!(super::contains_ignore_case("ams-LAN-nic", "lan"));
        assert!(super::contains_ignore_case("x", ""));
        assert!(!super::contains_ignore_case("ams-wan", "lan"));
        assert!(super::contains_ignore_case("ÄMS-lan", "äms"));
        assert!(!super::contains_ignore_case("la", "lan"));
    }

    #[test]
    fn reserved_addresses() {
        let net: IpNet = "10.20.0.64/27".parse().unwrap();
        for (ip, r) in [
            ("10.20.0.64", true),
            ("10.20.0.67", true),
            ("10.20.0.68", false),
            ("10.20.0.95", true),
            ("10.20.0.94", false),
        ] {
            assert_eq!(reserved(&net, ip.parse().unwrap()), r, "{ip}");
        }
    }

    #[test]
    fn like_patterns() {
        let re = like("*-vSocket-?rimary").unwrap();
        assert!(re.is_match("ams-VSOCKET-Primary"));
        assert!(!re.is_match("ams-vSocket-Secondary"));
    }
}
