//! Array, object and lambda functions: `array`, `createArray`, `createObject`, `flatten`,
//! `intersection`, `items`, `json`, `max`, `min`, `range`, `union`, `tryGet`, `shallowMerge`,
//! `objectKeys`, `null`, and `filter`, `map`, `reduce`, `sort`, `toObject`, `groupBy`,
//! `mapValues`.
//!
//! As Microsoft's reference describes them (template-functions-array, -object, -lambda):
//!
//! - `union()` of objects merges nested objects recursively; nested arrays are replaced, not
//!   merged. `union()` of arrays keeps the first occurrence of each value, in order.
//! - `intersection()` keeps the first argument's order, each value once.
//! - `items()` sorts by key, alphabetically.
//! - `range(start, count)`: `count` at most 10,000, `start + count` at most 2,147,483,647.
//! - `tryGet(value, key, ...)` walks a path (Bicep compiles `a.?b.c` to `tryGet(a, 'b', 'c')`)
//!   and gives null where a key or index is missing.
//! - `filter()` and `map()` lambdas may take the index as a second parameter, `reduce()` as a
//!   third. `sort()`'s lambda answers "does the first go before the second"; the sort is stable.
//!
//! Where a result depends on an unknown nested in an argument, the result is that unknown.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::logic::compare_strings;
use super::{arity, array_arg, int_arg, lambda_arg, object_arg, str_arg, Host};
use crate::fail;
use crate::value::{EvalError, EvalResult, Lambda, Obj, Val};

/// No function here builds an array (or object) with more elements than this.
pub const MAX_ELEMENTS: usize = 100_000;

/// `range()`'s documented limits.
const RANGE_MAX_COUNT: i64 = 10_000;
const RANGE_MAX_END: i64 = 2_147_483_647;

pub fn call(name: &str, args: &[Val], host: &mut dyn Host) -> Option<EvalResult> {
    let f: fn(&[Val], &mut dyn Host) -> EvalResult = match name {
        "array" => |a, _| array(a),
        "createarray" => |a, _| create_array(a),
        "createobject" => |a, _| create_object(a),
        "flatten" => |a, _| flatten(a),
        "intersection" => |a, _| intersection(a),
        "items" => |a, _| items(a),
        "json" => |a, _| json(a),
        "max" => |a, _| min_max("max", a),
        "min" => |a, _| min_max("min", a),
        "range" => |a, _| range(a),
        "union" => |a, _| union(a),
        "tryget" => |a, _| try_get(a),
        "shallowmerge" => |a, _| shallow_merge(a),
        "objectkeys" => |a, _| object_keys(a),
        "null" => |a, _| null(a),
        "filter" => filter,
        "map" => map,
        "reduce" => reduce,
        "sort" => sort,
        "toobject" => to_object,
        "groupby" => group_by,
        "mapvalues" => map_values,
        _ => return None,
    };
    // The evaluator resolves unknown arguments itself; should one reach here anyway, the
    // result is unknown too, except for the functions that only hold their arguments.
    if !matches!(name, "array" | "createarray" | "createobject") {
        if let Some(u) = args.iter().find(|a| a.is_unknown()) {
            return Some(Ok(u.clone()));
        }
    }
    Some(f(args, host))
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// The first unknown nested anywhere in `args`.
fn unknown_in(args: &[Val]) -> Option<Val> {
    args.iter().find_map(Val::first_unknown).cloned()
}

/// Lambdas are only arguments of the lambda functions.
fn no_lambdas(name: &str, args: &[Val]) -> Result<(), EvalError> {
    match args.iter().position(|a| matches!(a, Val::Lambda(_))) {
        Some(i) => Err(EvalError(format!(
            "argument {} of `{name}()` is a lambda: a lambda can only be an argument of \
             filter(), map(), reduce(), sort(), toObject(), groupBy() or mapValues()",
            i + 1
        ))),
        None => Ok(()),
    }
}

fn check_len(name: &str, n: usize) -> Result<(), EvalError> {
    if n > MAX_ELEMENTS {
        fail!("`{name}()` would build {n} elements, more than the {MAX_ELEMENTS} allowed");
    }
    Ok(())
}

/// Hashes a value consistently with [`Val::equals`]: numbers by their value as `f64`, object
/// members in any order with keys case-folded.
fn hash_val(v: &Val, h: &mut impl Hasher) {
    fn num(f: f64, h: &mut impl Hasher) {
        2u8.hash(h);
        (if f == 0.0 { 0 } else { f.to_bits() }).hash(h);
    }
    match v {
        Val::Null => 0u8.hash(h),
        Val::Bool(b) => {
            1u8.hash(h);
            b.hash(h);
        }
        Val::Int(i) => num(*i as f64, h),
        Val::Float(f) => num(*f, h),
        Val::Str(s) => {
            3u8.hash(h);
            s.hash(h);
        }
        Val::Array(a) => {
            4u8.hash(h);
            a.len().hash(h);
            for x in a.iter() {
                hash_val(x, h);
            }
        }
        Val::Object(o) => {
            5u8.hash(h);
            o.len().hash(h);
            let mut sum = 0u64;
            for (k, x) in o.iter() {
                let mut m = DefaultHasher::new();
                for c in k.chars().flat_map(char::to_lowercase) {
                    c.hash(&mut m);
                }
                hash_val(x, &mut m);
                sum = sum.wrapping_add(m.finish());
            }
            sum.hash(h);
        }
        Val::Unknown(u) => {
            6u8.hash(h);
            u.symbol.hash(h);
        }
        Val::Lambda(_) => 7u8.hash(h),
    }
}

/// A set of values under [`Val::equals`], for `union()` and `intersection()` without
/// quadratic work.
#[derive(Default)]
struct ValSet<'a> {
    buckets: HashMap<u64, Vec<&'a Val>>,
}

impl<'a> ValSet<'a> {
    fn key(v: &Val) -> u64 {
        let mut h = DefaultHasher::new();
        hash_val(v, &mut h);
        h.finish()
    }

    fn contains(&self, v: &Val) -> bool {
        self.buckets
            .get(&Self::key(v))
            .is_some_and(|b| b.iter().any(|x| x.equals(v)))
    }

    /// Adds `v`; false when an equal value is already there.
    fn insert(&mut self, v: &'a Val) -> bool {
        let bucket = self.buckets.entry(Self::key(v)).or_default();
        if bucket.iter().any(|x| x.equals(v)) {
            return false;
        }
        bucket.push(v);
        true
    }
}

// ---------------------------------------------------------------------------------------------
// Arrays and objects

/// `array(value)`: the value as an array; an array stays as it is.
fn array(args: &[Val]) -> EvalResult {
    arity("array", args, 1, 1)?;
    no_lambdas("array", args)?;
    Ok(match &args[0] {
        Val::Array(_) => args[0].clone(),
        v => Val::array(vec![v.clone()]),
    })
}

/// `createArray(arg1, arg2, ...)`; no arguments give an empty array.
fn create_array(args: &[Val]) -> EvalResult {
    no_lambdas("createArray", args)?;
    check_len("createArray", args.len())?;
    Ok(Val::array(args.to_vec()))
}

/// `createObject(key1, value1, key2, value2, ...)`.
fn create_object(args: &[Val]) -> EvalResult {
    if !args.len().is_multiple_of(2) {
        fail!(
            "`createObject()` takes keys and values in pairs, but has {} arguments: the last key has no value",
            args.len()
        );
    }
    no_lambdas("createObject", args)?;
    let mut o = Obj::with_capacity(args.len() / 2);
    for i in (0..args.len()).step_by(2) {
        let key = match &args[i] {
            Val::Str(s) => s.clone(),
            v => fail!(
                "argument {} of `createObject()` is a key and must be a string, not {}",
                i + 1,
                v.type_name()
            ),
        };
        o.insert(key, args[i + 1].clone());
    }
    Ok(Val::object(o))
}

/// `flatten(arrayOfArrays)`: one level.
fn flatten(args: &[Val]) -> EvalResult {
    arity("flatten", args, 1, 1)?;
    let outer = array_arg("flatten", args, 0)?;
    let mut out = Vec::new();
    for (i, inner) in outer.iter().enumerate() {
        match inner {
            Val::Array(a) => {
                check_len("flatten", out.len() + a.len())?;
                out.extend(a.iter().cloned());
            }
            Val::Unknown(_) => return Ok(inner.clone()),
            v => fail!(
                "element {i} of the argument of `flatten()` must be an array, not {}",
                v.type_name()
            ),
        }
    }
    Ok(Val::array(out))
}

/// Whether all arguments are arrays (`Some(true)`) or all objects (`Some(false)`).
fn all_arrays_or_objects(name: &str, args: &[Val]) -> Result<bool, EvalError> {
    let arrays = args.iter().all(|a| matches!(a, Val::Array(_)));
    let objects = args.iter().all(|a| matches!(a, Val::Object(_)));
    if !arrays && !objects {
        let types: Vec<&str> = args.iter().map(Val::type_name).collect();
        fail!(
            "`{name}()` takes all arrays or all objects, not {}",
            types.join(", ")
        );
    }
    Ok(arrays)
}

/// `intersection(arg1, arg2, ...)`: the elements (or members) common to all arguments.
fn intersection(args: &[Val]) -> EvalResult {
    arity("intersection", args, 2, usize::MAX)?;
    let arrays = all_arrays_or_objects("intersection", args)?;
    if let Some(u) = unknown_in(args) {
        return Ok(u);
    }
    if arrays {
        let first = array_arg("intersection", args, 0)?;
        let mut others = Vec::with_capacity(args.len() - 1);
        for i in 1..args.len() {
            let mut set = ValSet::default();
            for x in array_arg("intersection", args, i)? {
                set.insert(x);
            }
            others.push(set);
        }
        let mut seen = ValSet::default();
        let mut out = Vec::new();
        for x in first {
            if others.iter().all(|s| s.contains(x)) && seen.insert(x) {
                out.push(x.clone());
            }
        }
        Ok(Val::array(out))
    } else {
        let first = object_arg("intersection", args, 0)?;
        let mut out = Obj::new();
        for (k, v) in first.iter() {
            let everywhere = args[1..].iter().all(|o| {
                o.as_object()
                    .and_then(|o| o.get(k))
                    .is_some_and(|w| w.equals(v))
            });
            if everywhere {
                out.push(k.clone(), v.clone());
            }
        }
        Ok(Val::object(out))
    }
}

/// `items(object)`: `[{key, value}]`, sorted by key.
fn items(args: &[Val]) -> EvalResult {
    arity("items", args, 1, 1)?;
    let o = object_arg("items", args, 0)?;
    let mut members: Vec<(&Arc<str>, &Val)> = o.iter().collect();
    members.sort_by(|a, b| compare_strings(a.0, b.0));
    let out = members
        .into_iter()
        .map(|(k, v)| {
            let mut item = Obj::with_capacity(2);
            item.push("key", Val::Str(k.clone()));
            item.push("value", v.clone());
            Val::object(item)
        })
        .collect();
    Ok(Val::array(out))
}

/// `json(string)`: the JSON value the string holds; `json('null')` is null.
fn json(args: &[Val]) -> EvalResult {
    arity("json", args, 1, 1)?;
    let text = str_arg("json", args, 0)?;
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => Ok(Val::from_serde(&v)),
        Err(e) => fail!("the argument of `json()` is not valid JSON: {e}"),
    }
}

/// `max(array)` / `max(int, int, ...)` and the same for `min`.
fn min_max(name: &str, args: &[Val]) -> EvalResult {
    arity(name, args, 1, usize::MAX)?;
    let (values, from_array): (&[Val], bool) = match &args[0] {
        Val::Array(a) if args.len() == 1 => (a, true),
        _ => (args, false),
    };
    if values.is_empty() {
        fail!("`{name}()` of an empty array has no value");
    }
    if let Some(u) = unknown_in(values) {
        return Ok(u);
    }
    let mut best: Option<i64> = None;
    for (i, v) in values.iter().enumerate() {
        let n = match v.as_int() {
            Some(n) if matches!(v, Val::Int(_) | Val::Float(_)) => n,
            _ if from_array => fail!(
                "element {i} of the array given to `{name}()` must be an integer, not {}",
                v.type_name()
            ),
            _ => fail!(
                "argument {} of `{name}()` must be an integer (or the only argument an array of integers), not {}",
                i + 1,
                v.type_name()
            ),
        };
        best = Some(match best {
            None => n,
            Some(b) if name == "max" => b.max(n),
            Some(b) => b.min(n),
        });
    }
    Ok(best.map_or(Val::Null, Val::Int))
}

/// `range(startIndex, count)`.
fn range(args: &[Val]) -> EvalResult {
    arity("range", args, 2, 2)?;
    let start = int_arg("range", args, 0)?;
    let count = int_arg("range", args, 1)?;
    if !(0..=RANGE_MAX_COUNT).contains(&count) {
        fail!("the count of `range()` must be from 0 to {RANGE_MAX_COUNT}, not {count}");
    }
    match start.checked_add(count) {
        Some(end) if end <= RANGE_MAX_END => Ok(Val::array((start..end).map(Val::Int).collect())),
        _ => fail!(
            "`range({start}, {count})`: the start plus the count must be no greater than {RANGE_MAX_END}"
        ),
    }
}

/// Merges `src` into `target` as `union()` does: nested objects recursively, anything else
/// (arrays included) replaced by the later value.
fn deep_merge(target: &mut Obj, src: &Obj) {
    for (k, v) in src.iter() {
        let merged = match (target.get(k), v) {
            (Some(Val::Object(a)), Val::Object(b)) => {
                let mut m = (**a).clone();
                deep_merge(&mut m, b);
                Val::object(m)
            }
            // Whether the earlier value is an object to merge into is not known.
            (Some(u @ Val::Unknown(_)), Val::Object(_)) => u.clone(),
            _ => v.clone(),
        };
        target.insert(k.clone(), merged);
    }
}

/// `union(arg1, arg2, ...)`.
fn union(args: &[Val]) -> EvalResult {
    arity("union", args, 2, usize::MAX)?;
    if all_arrays_or_objects("union", args)? {
        if let Some(u) = unknown_in(args) {
            return Ok(u);
        }
        let mut seen = ValSet::default();
        let mut out = Vec::new();
        for a in args {
            for x in a.as_array().unwrap_or_default() {
                if seen.insert(x) {
                    out.push(x.clone());
                    check_len("union", out.len())?;
                }
            }
        }
        Ok(Val::array(out))
    } else {
        let mut out = Obj::new();
        for a in args {
            if let Val::Object(o) = a {
                deep_merge(&mut out, o);
                check_len("union", out.len())?;
            }
        }
        Ok(Val::object(out))
    }
}

/// `tryGet(value, keyOrIndex, ...)`: null where a key or index along the path is missing.
fn try_get(args: &[Val]) -> EvalResult {
    arity("tryGet", args, 2, usize::MAX)?;
    let mut cur = &args[0];
    if !matches!(cur, Val::Array(_) | Val::Object(_) | Val::Null) {
        fail!(
            "the first argument of `tryGet()` must be an object or an array, not {}",
            cur.type_name()
        );
    }
    for (i, key) in args.iter().enumerate().skip(1) {
        let valid = match key {
            Val::Str(_) | Val::Int(_) => true,
            Val::Float(_) => key.as_int().is_some(),
            _ => false,
        };
        if !valid {
            fail!(
                "argument {} of `tryGet()` must be a property name or an index, not {}",
                i + 1,
                key.type_name()
            );
        }
        cur = match (cur, key) {
            (Val::Unknown(_), _) => return Ok(cur.clone()),
            (Val::Object(o), Val::Str(k)) => match o.get(k) {
                Some(v) => v,
                None => return Ok(Val::Null),
            },
            (Val::Array(a), k) => match k.as_int().and_then(|n| usize::try_from(n).ok()) {
                Some(n) if n < a.len() => &a[n],
                _ => return Ok(Val::Null),
            },
            _ => return Ok(Val::Null),
        };
    }
    Ok(cur.clone())
}

/// `shallowMerge(arrayOfObjects)`: top-level members, later ones win.
fn shallow_merge(args: &[Val]) -> EvalResult {
    arity("shallowMerge", args, 1, 1)?;
    let objects = array_arg("shallowMerge", args, 0)?;
    let mut out = Obj::new();
    for (i, o) in objects.iter().enumerate() {
        match o {
            Val::Object(o) => {
                for (k, v) in o.iter() {
                    out.insert(k.clone(), v.clone());
                }
                check_len("shallowMerge", out.len())?;
            }
            Val::Unknown(_) => return Ok(o.clone()),
            v => fail!(
                "element {i} of the argument of `shallowMerge()` must be an object, not {}",
                v.type_name()
            ),
        }
    }
    Ok(Val::object(out))
}

/// `objectKeys(object)`: the keys, in the object's order.
fn object_keys(args: &[Val]) -> EvalResult {
    arity("objectKeys", args, 1, 1)?;
    let o = object_arg("objectKeys", args, 0)?;
    Ok(Val::array(o.keys().map(|k| Val::Str(k.clone())).collect()))
}

/// `null()`.
fn null(args: &[Val]) -> EvalResult {
    arity("null", args, 0, 0)?;
    Ok(Val::Null)
}

// ---------------------------------------------------------------------------------------------
// Lambda functions

/// Checks the lambda's parameter count against those the function allows; returns it.
fn lambda_params(name: &str, f: &Lambda, allowed: &[usize]) -> Result<usize, EvalError> {
    let n = f.params.len();
    if allowed.contains(&n) {
        return Ok(n);
    }
    let want = match allowed {
        [one] => format!("{one} parameter{}", if *one == 1 { "" } else { "s" }),
        [a, b] => format!("{a} or {b} parameters"),
        _ => format!("{allowed:?} parameters"),
    };
    fail!("the lambda of `{name}()` must take {want}, not {n}")
}

/// Calls `f` with an element, and its index when the lambda takes one more parameter.
fn call_indexed(
    host: &mut dyn Host,
    f: &Lambda,
    takes: usize,
    leading: &[Val],
    index: usize,
) -> EvalResult {
    if takes > leading.len() {
        let mut with_index = leading.to_vec();
        with_index.push(Val::Int(index as i64));
        host.call_lambda(f, &with_index)
    } else {
        host.call_lambda(f, leading)
    }
}

/// A lambda's result that becomes part of a value.
fn value_result(name: &str, v: Val) -> EvalResult {
    if matches!(v, Val::Lambda(_)) {
        fail!("the lambda of `{name}()` returned a lambda, which cannot be a value");
    }
    Ok(v)
}

enum Decided {
    Bool(bool),
    Unknown(Val),
}

/// A lambda's result that must be a bool.
fn bool_result(name: &str, v: Val) -> Result<Decided, EvalError> {
    match v {
        Val::Bool(b) => Ok(Decided::Bool(b)),
        Val::Unknown(_) => Ok(Decided::Unknown(v)),
        v => fail!(
            "the lambda of `{name}()` must return a bool, not {}",
            v.type_name()
        ),
    }
}

/// A lambda's result that must be a string key.
enum Key {
    Str(Arc<str>),
    Unknown(Val),
}

fn key_result(name: &str, v: Val) -> Result<Key, EvalError> {
    match v {
        Val::Str(s) => Ok(Key::Str(s)),
        Val::Unknown(_) => Ok(Key::Unknown(v)),
        v => fail!(
            "the key lambda of `{name}()` must return a string, not {}",
            v.type_name()
        ),
    }
}

/// `filter(array, lambda('x', ['i',] bool))`.
fn filter(args: &[Val], host: &mut dyn Host) -> EvalResult {
    arity("filter", args, 2, 2)?;
    let items = array_arg("filter", args, 0)?;
    let f = lambda_arg("filter", args, 1)?;
    let takes = lambda_params("filter", f, &[1, 2])?;
    let mut out = Vec::new();
    for (i, x) in items.iter().enumerate() {
        let r = call_indexed(host, f, takes, std::slice::from_ref(x), i)?;
        match bool_result("filter", r)? {
            Decided::Bool(true) => out.push(x.clone()),
            Decided::Bool(false) => {}
            Decided::Unknown(u) => return Ok(u),
        }
    }
    Ok(Val::array(out))
}

/// `map(array, lambda('x', ['i',] value))`.
fn map(args: &[Val], host: &mut dyn Host) -> EvalResult {
    arity("map", args, 2, 2)?;
    let items = array_arg("map", args, 0)?;
    let f = lambda_arg("map", args, 1)?;
    let takes = lambda_params("map", f, &[1, 2])?;
    let mut out = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        let r = call_indexed(host, f, takes, std::slice::from_ref(x), i)?;
        out.push(value_result("map", r)?);
    }
    Ok(Val::array(out))
}

/// `reduce(array, initial, lambda('cur', 'next', ['i',] value))`.
fn reduce(args: &[Val], host: &mut dyn Host) -> EvalResult {
    arity("reduce", args, 3, 3)?;
    let items = array_arg("reduce", args, 0)?;
    no_lambdas("reduce", &args[1..2])?;
    let f = lambda_arg("reduce", args, 2)?;
    let takes = lambda_params("reduce", f, &[2, 3])?;
    let mut acc = args[1].clone();
    for (i, x) in items.iter().enumerate() {
        let r = call_indexed(host, f, takes, &[acc, x.clone()], i)?;
        acc = value_result("reduce", r)?;
    }
    Ok(acc)
}

/// `sort(array, lambda('a', 'b', bool))`: a stable merge sort where the lambda says whether
/// `a` goes before `b`.
fn sort(args: &[Val], host: &mut dyn Host) -> EvalResult {
    arity("sort", args, 2, 2)?;
    let items = array_arg("sort", args, 0)?;
    let f = lambda_arg("sort", args, 1)?;
    lambda_params("sort", f, &[2])?;
    let mut v: Vec<Val> = items.to_vec();
    let n = v.len();
    let mut buf: Vec<Val> = Vec::with_capacity(n);
    let mut width = 1;
    while width < n {
        buf.clear();
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            while i < mid && j < end {
                // The right element moves ahead only if it goes strictly before the left one.
                let r = host.call_lambda(f, &[v[j].clone(), v[i].clone()])?;
                match bool_result("sort", r)? {
                    Decided::Bool(true) => {
                        buf.push(v[j].clone());
                        j += 1;
                    }
                    Decided::Bool(false) => {
                        buf.push(v[i].clone());
                        i += 1;
                    }
                    Decided::Unknown(u) => return Ok(u),
                }
            }
            buf.extend_from_slice(&v[i..mid]);
            buf.extend_from_slice(&v[j..end]);
            start = end;
        }
        std::mem::swap(&mut v, &mut buf);
        width = width.saturating_mul(2);
    }
    Ok(Val::array(v))
}

/// `toObject(array, lambda('x', key), [lambda('x', value)])`.
fn to_object(args: &[Val], host: &mut dyn Host) -> EvalResult {
    arity("toObject", args, 2, 3)?;
    let items = array_arg("toObject", args, 0)?;
    let key_fn = lambda_arg("toObject", args, 1)?;
    lambda_params("toObject", key_fn, &[1])?;
    let value_fn = match args.len() {
        3 => {
            let f = lambda_arg("toObject", args, 2)?;
            lambda_params("toObject", f, &[1])?;
            Some(f)
        }
        _ => None,
    };
    let mut out = Obj::with_capacity(items.len());
    for x in items {
        let key = match key_result(
            "toObject",
            host.call_lambda(key_fn, std::slice::from_ref(x))?,
        )? {
            Key::Str(s) => s,
            Key::Unknown(u) => return Ok(u),
        };
        let value = match value_fn {
            Some(f) => value_result("toObject", host.call_lambda(f, std::slice::from_ref(x))?)?,
            None => x.clone(),
        };
        out.insert(key, value);
    }
    Ok(Val::object(out))
}

/// `groupBy(array, lambda('x', key))`: `{key: [elements]}`, groups in order of first
/// appearance, keys compared case-insensitively as object keys are.
fn group_by(args: &[Val], host: &mut dyn Host) -> EvalResult {
    arity("groupBy", args, 2, 2)?;
    let items = array_arg("groupBy", args, 0)?;
    let f = lambda_arg("groupBy", args, 1)?;
    lambda_params("groupBy", f, &[1])?;
    let mut groups: Vec<(Arc<str>, Vec<Val>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for x in items {
        let key = match key_result("groupBy", host.call_lambda(f, std::slice::from_ref(x))?)? {
            Key::Str(s) => s,
            Key::Unknown(u) => return Ok(u),
        };
        let folded: String = key.chars().flat_map(char::to_lowercase).collect();
        match index.get(&folded) {
            Some(&g) => groups[g].1.push(x.clone()),
            None => {
                index.insert(folded, groups.len());
                groups.push((key, vec![x.clone()]));
            }
        }
    }
    let mut out = Obj::with_capacity(groups.len());
    for (k, members) in groups {
        out.push(k, Val::array(members));
    }
    Ok(Val::object(out))
}

/// `mapValues(object, lambda('v', value))`.
fn map_values(args: &[Val], host: &mut dyn Host) -> EvalResult {
    arity("mapValues", args, 2, 2)?;
    let o = object_arg("mapValues", args, 0)?;
    let f = lambda_arg("mapValues", args, 1)?;
    lambda_params("mapValues", f, &[1])?;
    let mut out = Obj::with_capacity(o.len());
    for (k, v) in o.iter() {
        let r = host.call_lambda(f, std::slice::from_ref(v))?;
        out.push(k.clone(), value_result("mapValues", r)?);
    }
    Ok(Val::object(out))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::expr::{parse_expr, Expr};
    use serde_json::json;

    /// A small evaluator for tests: literals, property access, indexing, `lambda()`,
    /// `lambdaVariables()`, `variables()`/`parameters()` from a table, `if()`, `and()`, a few
    /// string functions of another family, `unknown('symbol')`, and everything in this file
    /// and in `logic.rs`. Like the real evaluator, it hands no top-level unknown to a
    /// function (except the three that only hold their arguments).
    pub(crate) struct TestHost {
        pub vars: Obj,
        scopes: Vec<Vec<(String, Val)>>,
        pub lambda_calls: usize,
    }

    impl TestHost {
        pub fn new() -> Self {
            TestHost {
                vars: Obj::new(),
                scopes: Vec::new(),
                lambda_calls: 0,
            }
        }

        pub fn with_var(mut self, name: &str, value: serde_json::Value) -> Self {
            self.vars.insert(name, Val::from_serde(&value));
            self
        }

        pub fn eval_str(&mut self, s: &str) -> EvalResult {
            let e = parse_expr(s).map_err(|e| EvalError(format!("syntax: {}", e.message)))?;
            self.eval(&e)
        }

        fn eval(&mut self, e: &Expr) -> EvalResult {
            match e {
                Expr::Str(s) => Ok(Val::Str(s.clone())),
                Expr::Int(i) => Ok(Val::Int(*i)),
                Expr::Bool(b) => Ok(Val::Bool(*b)),
                Expr::Null => Ok(Val::Null),
                Expr::Prop { target, name, .. } => {
                    let t = self.eval(target)?;
                    match &t {
                        Val::Unknown(_) => Ok(t),
                        Val::Object(o) => o
                            .get(name)
                            .cloned()
                            .ok_or_else(|| EvalError(format!("no property {name}"))),
                        v => Err(EvalError(format!(
                            "no property {name} on {}",
                            v.type_name()
                        ))),
                    }
                }
                Expr::Index { target, index, .. } => {
                    let t = self.eval(target)?;
                    let i = self.eval(index)?;
                    match (&t, &i) {
                        (Val::Unknown(_), _) => Ok(t),
                        (_, Val::Unknown(_)) => Ok(i),
                        (Val::Array(a), Val::Int(n)) => a
                            .get(*n as usize)
                            .cloned()
                            .ok_or_else(|| EvalError("index out of range".into())),
                        (Val::Object(o), Val::Str(k)) => o
                            .get(k)
                            .cloned()
                            .ok_or_else(|| EvalError(format!("no property {k}"))),
                        _ => Err(EvalError("bad index".into())),
                    }
                }
                Expr::Call { name, args, .. } => self.call_fn(&name.to_ascii_lowercase(), args),
            }
        }

        fn call_fn(&mut self, name: &str, args: &[Expr]) -> EvalResult {
            match name {
                "lambda" => {
                    let (body, params) = args
                        .split_last()
                        .ok_or_else(|| EvalError("empty lambda".into()))?;
                    let params = params
                        .iter()
                        .map(|p| match p {
                            Expr::Str(s) => Ok(s.to_string()),
                            _ => Err(EvalError("lambda parameter must be a string".into())),
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    return Ok(Val::Lambda(Arc::new(Lambda {
                        params,
                        body: body.clone(),
                    })));
                }
                "lambdavariables" => {
                    let Some(Expr::Str(n)) = args.first() else {
                        fail!("lambdaVariables takes a name");
                    };
                    return self
                        .scopes
                        .iter()
                        .rev()
                        .flat_map(|s| s.iter())
                        .find(|(k, _)| k == &**n)
                        .map(|(_, v)| v.clone())
                        .ok_or_else(|| EvalError(format!("no lambda variable {n}")));
                }
                "if" => {
                    return match self.eval(&args[0])? {
                        Val::Bool(true) => self.eval(&args[1]),
                        Val::Bool(false) => self.eval(&args[2]),
                        v => Ok(v),
                    }
                }
                "and" => {
                    for a in args {
                        match self.eval(a)? {
                            Val::Bool(true) => {}
                            v => return Ok(v),
                        }
                    }
                    return Ok(Val::Bool(true));
                }
                _ => {}
            }
            let vals = args
                .iter()
                .map(|a| self.eval(a))
                .collect::<Result<Vec<_>, _>>()?;
            if !matches!(name, "createarray" | "createobject" | "array" | "equals") {
                if let Some(u) = vals.iter().find(|v| v.is_unknown()) {
                    return Ok(u.clone());
                }
            }
            let s = |i: usize| vals.get(i).and_then(Val::as_str).unwrap_or("").to_string();
            match name {
                "variables" | "parameters" => self
                    .vars
                    .get(&s(0))
                    .cloned()
                    .ok_or_else(|| EvalError(format!("no variable {}", s(0)))),
                "unknown" => Ok(Val::unknown("test", s(0))),
                "format" => {
                    let mut out = s(0);
                    for (i, v) in vals.iter().enumerate().skip(1) {
                        let text = v.as_str().map_or_else(|| v.to_json(), str::to_string);
                        out = out.replace(&format!("{{{}}}", i - 1), &text);
                    }
                    Ok(Val::str(out))
                }
                "substring" => {
                    let (from, len) =
                        (vals[1].as_int().unwrap_or(0), vals[2].as_int().unwrap_or(0));
                    Ok(Val::str(
                        s(0).chars()
                            .skip(from as usize)
                            .take(len as usize)
                            .collect::<String>(),
                    ))
                }
                "toupper" => Ok(Val::str(s(0).to_uppercase())),
                "length" => match &vals[0] {
                    Val::Array(a) => Ok(Val::Int(a.len() as i64)),
                    Val::Object(o) => Ok(Val::Int(o.len() as i64)),
                    v => Ok(Val::Int(v.as_str().map_or(0, |s| s.chars().count()) as i64)),
                },
                "concat" => Ok(Val::str(
                    vals.iter().filter_map(Val::as_str).collect::<String>(),
                )),
                "empty" => Ok(Val::Bool(match &vals[0] {
                    Val::Null => true,
                    Val::Array(a) => a.is_empty(),
                    Val::Object(o) => o.is_empty(),
                    Val::Str(s) => s.is_empty(),
                    _ => false,
                })),
                _ => {
                    let vals = vals.clone();
                    super::call(name, &vals, self)
                        .or_else(|| crate::functions::logic::call(name, &vals, self))
                        .unwrap_or_else(|| Err(EvalError(format!("test host has no {name}()"))))
                }
            }
        }
    }

    impl Host for TestHost {
        fn call_lambda(&mut self, f: &Lambda, args: &[Val]) -> EvalResult {
            if args.len() != f.params.len() {
                fail!(
                    "lambda takes {} arguments, given {}",
                    f.params.len(),
                    args.len()
                );
            }
            self.lambda_calls += 1;
            self.scopes
                .push(f.params.iter().cloned().zip(args.iter().cloned()).collect());
            let r = self.eval(&f.body);
            self.scopes.pop();
            r
        }
    }

    fn v(j: serde_json::Value) -> Val {
        Val::from_serde(&j)
    }

    #[track_caller]
    fn assert_val(got: &Val, want: serde_json::Value) {
        assert!(
            got.equals(&v(want.clone())),
            "got {}, want {}",
            got.to_json(),
            want
        );
    }

    /// Evaluates with a fresh host.
    #[track_caller]
    pub(crate) fn eval(s: &str) -> Val {
        match TestHost::new().eval_str(s) {
            Ok(v) => v,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[track_caller]
    pub(crate) fn eval_err(s: &str) -> String {
        match TestHost::new().eval_str(s) {
            Ok(v) => panic!("{s}: expected an error, got {}", v.to_json()),
            Err(e) => e.0,
        }
    }

    fn keys(v: &Val) -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().map(|k| k.to_string()).collect())
            .unwrap_or_default()
    }

    fn dogs() -> serde_json::Value {
        json!([
            {"name": "Evie", "age": 5, "interests": ["Ball", "Frisbee"]},
            {"name": "Casper", "age": 3, "interests": ["Other dogs"]},
            {"name": "Indy", "age": 2, "interests": ["Butter"]},
            {"name": "Kira", "age": 8, "interests": ["Rubs"]}
        ])
    }

    // --- array ---------------------------------------------------------------------------

    #[test]
    fn array_doc_examples() {
        let mut h = TestHost::new()
            .with_var("intToConvert", json!(1))
            .with_var("stringToConvert", json!("efgh"))
            .with_var("objectToConvert", json!({"a": "b", "c": "d"}));
        assert_val(
            &h.eval_str("array(parameters('intToConvert'))").unwrap(),
            json!([1]),
        );
        assert_val(
            &h.eval_str("array(parameters('stringToConvert'))").unwrap(),
            json!(["efgh"]),
        );
        assert_val(
            &h.eval_str("array(parameters('objectToConvert'))").unwrap(),
            json!([{"a": "b", "c": "d"}]),
        );
        // An array stays as it is.
        assert_val(&eval("array(createArray(1, 2))"), json!([1, 2]));
        assert!(eval_err("array()").contains("1 argument"));
        assert!(eval_err("array(lambda('x', 1))").contains("lambda"));
    }

    #[test]
    fn create_array_doc_examples() {
        let mut h = TestHost::new()
            .with_var(
                "objectToTest",
                json!({"one": "a", "two": "b", "three": "c"}),
            )
            .with_var("arrayToTest", json!(["one", "two", "three"]));
        assert_val(
            &h.eval_str("createArray('a', 'b', 'c')").unwrap(),
            json!(["a", "b", "c"]),
        );
        assert_val(
            &h.eval_str("createArray(1, 2, 3)").unwrap(),
            json!([1, 2, 3]),
        );
        assert_val(
            &h.eval_str("createArray(parameters('objectToTest'))")
                .unwrap(),
            json!([{"one": "a", "two": "b", "three": "c"}]),
        );
        assert_val(
            &h.eval_str("createArray(parameters('arrayToTest'))")
                .unwrap(),
            json!([["one", "two", "three"]]),
        );
        assert_val(&h.eval_str("createArray()").unwrap(), json!([]));
    }

    #[test]
    fn create_array_holds_unknowns() {
        let got = eval("createArray(1, unknown('x'))");
        let a = got.as_array().unwrap();
        assert_eq!(a.len(), 2);
        assert!(matches!(&a[1], Val::Unknown(u) if u.symbol == "x"));
    }

    #[test]
    fn create_object_doc_example() {
        let got = eval(
            "createObject('intProp', 1, 'stringProp', 'abc', 'boolProp', true(), 'arrayProp', createArray('a', 'b', 'c'), 'objectProp', createObject('key1', 'value1'))",
        );
        assert_val(
            &got,
            json!({
                "intProp": 1,
                "stringProp": "abc",
                "boolProp": true,
                "arrayProp": ["a", "b", "c"],
                "objectProp": {"key1": "value1"}
            }),
        );
        assert_eq!(
            keys(&got),
            [
                "intProp",
                "stringProp",
                "boolProp",
                "arrayProp",
                "objectProp"
            ]
        );
        assert_val(&eval("createObject()"), json!({}));
    }

    #[test]
    fn create_object_errors() {
        assert!(eval_err("createObject('a', 1, 'b')").contains("pairs"));
        assert!(eval_err("createObject(1, 1)").contains("must be a string"));
        // An unknown value is held; the object is known.
        let got = eval("createObject('a', unknown('x'))");
        assert!(got.as_object().unwrap().get("a").unwrap().is_unknown());
    }

    #[test]
    fn flatten_doc_example() {
        let mut h = TestHost::new().with_var(
            "arrayToTest",
            json!([["one", "two"], ["three"], ["four", "five"]]),
        );
        assert_val(
            &h.eval_str("flatten(parameters('arrayToTest'))").unwrap(),
            json!(["one", "two", "three", "four", "five"]),
        );
        // Only one level.
        assert_val(
            &eval("flatten(createArray(createArray(createArray(1)), createArray()))"),
            json!([[1]]),
        );
        assert!(eval_err("flatten(createArray(1))").contains("must be an array"));
        assert!(eval_err("flatten('ab')").contains("an array"));
        assert!(eval("flatten(createArray(createArray(1), unknown('u')))").is_unknown());
    }

    #[test]
    fn flatten_is_capped() {
        let big = Val::array(vec![Val::Int(0); 60_000]);
        let outer = Val::array(vec![big.clone(), big]);
        let err = call("flatten", &[outer], &mut TestHost::new())
            .unwrap()
            .unwrap_err();
        assert!(err.0.contains("100000"), "{err}");
    }

    // --- intersection ----------------------------------------------------------------------

    #[test]
    fn intersection_doc_examples() {
        let mut h = TestHost::new()
            .with_var("firstObject", json!({"one": "a", "two": "b", "three": "c"}))
            .with_var(
                "secondObject",
                json!({"one": "a", "two": "z", "three": "c"}),
            )
            .with_var("firstArray", json!(["one", "two", "three"]))
            .with_var("secondArray", json!(["two", "three"]));
        assert_val(
            &h.eval_str("intersection(parameters('firstObject'), parameters('secondObject'))")
                .unwrap(),
            json!({"one": "a", "three": "c"}),
        );
        assert_val(
            &h.eval_str("intersection(parameters('firstArray'), parameters('secondArray'))")
                .unwrap(),
            json!(["two", "three"]),
        );
        // The first array decides the order (Bicep reference: commonUp, commonDown).
        let mut h = TestHost::new()
            .with_var("array1", json!([1, 2, 3, 4]))
            .with_var("array2", json!([3, 2, 1]))
            .with_var("array3", json!([4, 1, 3, 2]));
        assert_val(
            &h.eval_str(
                "intersection(variables('array1'), variables('array2'), variables('array3'))",
            )
            .unwrap(),
            json!([1, 2, 3]),
        );
        assert_val(
            &h.eval_str(
                "intersection(variables('array2'), variables('array3'), variables('array1'))",
            )
            .unwrap(),
            json!([3, 2, 1]),
        );
    }

    #[test]
    fn intersection_details() {
        // Each common value once; values compared deeply.
        assert_val(
            &eval("intersection(createArray(1, 1, createObject('a', 1)), createArray(createObject('A', 1), 1))"),
            json!([1, {"a": 1}]),
        );
        assert!(eval_err("intersection(createArray(1), createObject())")
            .contains("all arrays or all objects"));
        assert!(eval_err("intersection(createArray(1))").contains("at least 2"));
        assert!(eval("intersection(createArray(1, unknown('u')), createArray(1))").is_unknown());
    }

    // --- items / objectKeys -------------------------------------------------------------------

    #[test]
    fn items_doc_examples() {
        // from_serde sorts keys when serde_json lacks preserve_order: build in template order.
        let mut h = TestHost::new();
        let entities = h.clone_eval("createObject('item002', createObject('enabled', false(), 'displayName', 'Example item 2', 'number', 200), 'item001', createObject('enabled', true(), 'displayName', 'Example item 1', 'number', 300))");
        h.vars.insert("entities", entities);
        assert_eq!(
            keys(h.vars.get("entities").unwrap()),
            ["item002", "item001"]
        );
        let got = h.eval_str("items(variables('entities'))").unwrap();
        let want = json!([
            {"key": "item001", "value": {"displayName": "Example item 1", "enabled": true, "number": 300}},
            {"key": "item002", "value": {"displayName": "Example item 2", "enabled": false, "number": 200}}
        ]);
        assert_val(&got, want);
        // The copy loop of the first example, as a map over the indexes.
        let got = h
            .eval_str(
                "map(range(0, length(items(variables('entities')))), lambda('i', createObject('key', items(variables('entities'))[lambdaVariables('i')].key, 'fullName', items(variables('entities'))[lambdaVariables('i')].value.displayName, 'itemEnabled', items(variables('entities'))[lambdaVariables('i')].value.enabled)))",
            )
            .unwrap();
        assert_val(
            &got,
            json!([
                {"fullName": "Example item 1", "itemEnabled": true, "key": "item001"},
                {"fullName": "Example item 2", "itemEnabled": false, "key": "item002"}
            ]),
        );
        assert_eq!(
            h.eval_str("items(createObject())")
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            0
        );
        assert!(h.eval_str("items(createArray())").is_err());
    }

    #[test]
    fn items_sorts_alphabetically() {
        let got = eval("items(createObject('b', 1, 'B', 2, 'a', 3, '_z', 4, '1', 5))");
        // 'b' and 'B' are one key (the later spelling wins).
        let order: Vec<String> = got
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                i.as_object()
                    .unwrap()
                    .get("key")
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(order, ["_z", "1", "a", "B"]);
    }

    #[test]
    fn object_keys_doc_example() {
        let got = eval("objectKeys(createObject('a', 1, 'b', 2))");
        assert_val(&got, json!(["a", "b"]));
        // The object's own order.
        assert_val(
            &eval("objectKeys(createObject('z', 1, 'a', 2))"),
            json!(["z", "a"]),
        );
        assert!(eval_err("objectKeys(createArray())").contains("an object"));
    }

    // --- json / null -------------------------------------------------------------------------

    #[test]
    fn json_doc_examples() {
        let mut h = TestHost::new()
            .with_var("jsonEmptyObject", json!("null"))
            .with_var("jsonObject", json!("{\"a\": \"b\"}"))
            .with_var("jsonString", json!("\"test\""))
            .with_var("jsonBoolean", json!("true"))
            .with_var("jsonInt", json!("3"))
            // "[[1,2,3 ]" in the template: `[[` escapes the bracket.
            .with_var("jsonArray", json!("[1,2,3 ]"))
            .with_var("concatValue", json!("demo value"));
        assert_val(
            &h.eval_str("empty(json(parameters('jsonEmptyObject')))")
                .unwrap(),
            json!(true),
        );
        assert!(matches!(
            h.eval_str("json(parameters('jsonEmptyObject'))").unwrap(),
            Val::Null
        ));
        assert_val(
            &h.eval_str("json(parameters('jsonObject'))").unwrap(),
            json!({"a": "b"}),
        );
        assert_val(
            &h.eval_str("json(parameters('jsonString'))").unwrap(),
            json!("test"),
        );
        assert_val(
            &h.eval_str("json(parameters('jsonBoolean'))").unwrap(),
            json!(true),
        );
        assert!(matches!(
            h.eval_str("json(parameters('jsonInt'))").unwrap(),
            Val::Int(3)
        ));
        assert_val(
            &h.eval_str("json(parameters('jsonArray'))").unwrap(),
            json!([1, 2, 3]),
        );
        assert_val(
            &h.eval_str("json(concat('{\"a\": \"', parameters('concatValue'), '\"}'))")
                .unwrap(),
            json!({"a": "demo value"}),
        );
        // From the if() example.
        assert_val(
            &eval("json('{\"test\": \"value1\"}')"),
            json!({"test": "value1"}),
        );
        assert!(matches!(eval("json('1.5')"), Val::Float(f) if f == 1.5));
    }

    #[test]
    fn json_errors() {
        assert!(eval_err("json('{')").contains("not valid JSON"));
        assert!(eval_err("json('')").contains("not valid JSON"));
        assert!(eval_err("json(1)").contains("a string"));
        let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        assert!(call("json", &[Val::str(deep)], &mut TestHost::new())
            .unwrap()
            .is_err());
    }

    #[test]
    fn null_doc_example() {
        assert!(matches!(eval("null()"), Val::Null));
        assert_val(&eval("empty(null())"), json!(true));
        assert!(eval_err("null(1)").contains("0 arguments"));
    }

    // --- max / min / range -------------------------------------------------------------------

    #[test]
    fn max_min_doc_examples() {
        let mut h = TestHost::new().with_var("arrayToTest", json!([0, 3, 2, 5, 4]));
        assert_val(
            &h.eval_str("max(parameters('arrayToTest'))").unwrap(),
            json!(5),
        );
        assert_val(&h.eval_str("max(0,3,2,5,4)").unwrap(), json!(5));
        assert_val(
            &h.eval_str("min(parameters('arrayToTest'))").unwrap(),
            json!(0),
        );
        assert_val(&h.eval_str("min(0,3,2,5,4)").unwrap(), json!(0));
        assert_val(&eval("min(-3)"), json!(-3));
        assert_val(&eval("max(createArray(-3, -9))"), json!(-3));
    }

    #[test]
    fn max_min_errors_and_unknowns() {
        assert!(eval_err("max(createArray())").contains("empty"));
        assert!(eval_err("max()").contains("at least 1"));
        assert!(eval_err("max(1, 'a')").contains("must be an integer"));
        assert!(eval_err("min(createArray(1, 'a'))").contains("element 1"));
        assert!(eval_err("max(createArray(1), 2)").contains("argument 1"));
        assert!(eval("max(createArray(1, unknown('u')))").is_unknown());
    }

    #[test]
    fn range_doc_example_and_limits() {
        let mut h = TestHost::new()
            .with_var("startingInt", json!(5))
            .with_var("numberOfElements", json!(3));
        assert_val(
            &h.eval_str("range(parameters('startingInt'), parameters('numberOfElements'))")
                .unwrap(),
            json!([5, 6, 7]),
        );
        assert_val(&eval("range(0, 0)"), json!([]));
        assert_val(&eval("range(-2, 3)"), json!([-2, -1, 0]));
        assert_eq!(eval("range(0, 10000)").as_array().unwrap().len(), 10_000);
        assert!(eval_err("range(0, 10001)").contains("10000"));
        assert!(eval_err("range(0, -1)").contains("10000"));
        assert_eq!(eval("range(2147483637, 10)").as_array().unwrap().len(), 10);
        assert!(eval_err("range(2147483638, 10)").contains("2147483647"));
        assert!(eval_err("range(9223372036854775807, 1)").contains("2147483647"));
        assert!(eval_err("range('a', 1)").contains("an integer"));
    }

    // --- union / shallowMerge / tryGet ----------------------------------------------------

    #[test]
    fn union_doc_examples() {
        let mut h = TestHost::new()
            .with_var("firstArray", json!(["one", "two", "three"]))
            .with_var("secondArray", json!(["three", "four"]));
        let first_object = "createObject('one', 'a', 'two', 'b', 'three', 'c1')";
        let second_object = "createObject('three', 'c2', 'four', 'd', 'five', 'e')";
        let got = h
            .eval_str(&format!("union({first_object}, {second_object})"))
            .unwrap();
        assert_val(
            &got,
            json!({"one": "a", "two": "b", "three": "c2", "four": "d", "five": "e"}),
        );
        assert_eq!(keys(&got), ["one", "two", "three", "four", "five"]);
        assert_val(
            &h.eval_str("union(parameters('firstArray'), parameters('secondArray'))")
                .unwrap(),
            json!(["one", "two", "three", "four"]),
        );
    }

    #[test]
    fn union_deep_merge_doc_example() {
        let first = "createObject('property', createObject('one', 'a', 'two', 'b', 'three', 'c1'), 'nestedArray', createArray(1, 2))";
        let second = "createObject('property', createObject('three', 'c2', 'four', 'd', 'five', 'e'), 'nestedArray', createArray(3, 4))";
        let got = eval(&format!("union({first}, {second})"));
        assert_val(
            &got,
            json!({"property": {"one": "a", "two": "b", "three": "c2", "four": "d", "five": "e"}, "nestedArray": [3, 4]}),
        );
        let property = got.as_object().unwrap().get("property").unwrap();
        assert_eq!(keys(property), ["one", "two", "three", "four", "five"]);
        let mut h = TestHost::new()
            .with_var("firstArray", json!([["one", "two"], ["three"]]))
            .with_var("secondArray", json!([["three"], ["four", "two"]]));
        assert_val(
            &h.eval_str("union(variables('firstArray'), variables('secondArray'))")
                .unwrap(),
            json!([["one", "two"], ["three"], ["four", "two"]]),
        );
    }

    #[test]
    fn union_details() {
        // Duplicates within the first array go too; 1 and json('1.0') are equal.
        assert_val(
            &eval("union(createArray(1, 1, 2), createArray(json('1.0'), 3))"),
            json!([1, 2, 3]),
        );
        // An object replaced by a scalar, a scalar by an object, three arguments.
        assert_val(
            &eval("union(createObject('a', createObject('x', 1)), createObject('a', 2, 'b', 1), createObject('b', createObject('y', 1)))"),
            json!({"a": 2, "b": {"y": 1}}),
        );
        // Keys match case-insensitively; the later spelling wins, the first position stays.
        let got = eval("union(createObject('Key', 1, 'z', 0), createObject('key', 2))");
        assert_eq!(keys(&got), ["key", "z"]);
        assert!(
            eval_err("union(createArray(), createObject())").contains("all arrays or all objects")
        );
        assert!(eval_err("union(createArray())").contains("at least 2"));
    }

    #[test]
    fn union_unknowns() {
        assert!(eval("union(createArray(unknown('u')), createArray(1))").is_unknown());
        // A later unknown member replaces; an object merged into an unknown stays unknown;
        // the rest of the object is known.
        let got = eval("union(createObject('a', 1, 'b', unknown('b'), 'c', 3), createObject('a', unknown('a'), 'b', createObject('x', 1)))");
        let o = got.as_object().unwrap();
        assert!(matches!(o.get("a"), Some(Val::Unknown(u)) if u.symbol == "a"));
        assert!(matches!(o.get("b"), Some(Val::Unknown(u)) if u.symbol == "b"));
        assert_val(o.get("c").unwrap(), json!(3));
    }

    #[test]
    fn union_of_many_duplicates_is_fast() {
        let a = Val::array((0..50_000).map(|i| Val::Int(i % 1000)).collect());
        let got = call("union", &[a.clone(), a], &mut TestHost::new())
            .unwrap()
            .unwrap();
        assert_eq!(got.as_array().unwrap().len(), 1000);
    }

    #[test]
    fn shallow_merge_doc_examples() {
        let mut h = TestHost::new();
        let first = h.clone_eval("createArray(createObject('one', 'a'), createObject('two', 'b'), createObject('two', 'c'))");
        let second = h.clone_eval("createArray(createObject('one', 'a', 'nested', createObject('a', 1, 'nested', createObject('c', 3))), createObject('two', 'b', 'nested', createObject('b', 2)))");
        h.vars.insert("firstArray", first);
        h.vars.insert("secondArray", second);
        let got = h.eval_str("shallowMerge(variables('firstArray'))").unwrap();
        assert_val(&got, json!({"one": "a", "two": "c"}));
        let got = h
            .eval_str("shallowMerge(variables('secondArray'))")
            .unwrap();
        assert_val(&got, json!({"one": "a", "nested": {"b": 2}, "two": "b"}));
        assert_eq!(keys(&got), ["one", "nested", "two"]);
        assert_val(&eval("shallowMerge(createArray())"), json!({}));
        assert!(eval_err("shallowMerge(createArray(1))").contains("must be an object"));
        assert!(eval("shallowMerge(createArray(createObject(), unknown('u')))").is_unknown());
    }

    #[test]
    fn try_get_doc_example() {
        let mut h = TestHost::new()
            .with_var("users", json!({"name": "John Doe", "age": 30}))
            .with_var("colors", json!(["red", "green"]));
        assert!(matches!(
            h.eval_str("tryGet(variables('users'), 'region')").unwrap(),
            Val::Null
        ));
        assert_val(
            &h.eval_str("tryGet(variables('users'), 'name')").unwrap(),
            json!("John Doe"),
        );
        // The reference's table says "Red"; the value is "red".
        assert_val(
            &h.eval_str("tryGet(variables('colors'), 0)").unwrap(),
            json!("red"),
        );
    }

    #[test]
    fn try_get_paths_and_bounds() {
        let mut h = TestHost::new().with_var("o", json!({"a": {"b": [10, {"c": 1}]}}));
        assert_val(
            &h.eval_str("tryGet(variables('o'), 'A', 'b', 1, 'c')")
                .unwrap(),
            json!(1),
        );
        assert!(matches!(
            h.eval_str("tryGet(variables('o'), 'a', 'b', 2)").unwrap(),
            Val::Null
        ));
        assert!(matches!(
            h.eval_str("tryGet(variables('o'), 'a', 'b', -1)").unwrap(),
            Val::Null
        ));
        assert!(matches!(
            h.eval_str("tryGet(variables('o'), 'a', 'x', 'y')").unwrap(),
            Val::Null
        ));
        // Walking into a scalar gives null; a string key on an array too.
        assert!(matches!(
            h.eval_str("tryGet(variables('o'), 'a', 'b', 0, 'z')")
                .unwrap(),
            Val::Null
        ));
        assert!(matches!(
            h.eval_str("tryGet(variables('o'), 'a', 'b', 'z')").unwrap(),
            Val::Null
        ));
        assert!(matches!(eval("tryGet(null(), 'a')"), Val::Null));
        assert!(eval_err("tryGet('abc', 0)").contains("an object or an array"));
        assert!(eval_err("tryGet(createObject(), true())").contains("property name or an index"));
        assert!(eval_err("tryGet(createObject())").contains("at least 2"));
        let got = eval("tryGet(createObject('a', unknown('u')), 'a', 'b')");
        assert!(matches!(got, Val::Unknown(u) if u.symbol == "u"));
    }

    // --- lambdas -----------------------------------------------------------------------------

    #[test]
    fn filter_doc_examples() {
        let mut h = TestHost::new().with_var("dogs", dogs());
        assert_val(
            &h.eval_str("filter(variables('dogs'), lambda('dog', greaterOrEquals(lambdaVariables('dog').age, 5)))")
                .unwrap(),
            json!([
                {"name": "Evie", "age": 5, "interests": ["Ball", "Frisbee"]},
                {"name": "Kira", "age": 8, "interests": ["Rubs"]}
            ]),
        );
        // The Bicep reference's index form: (val, i) => i < 2 && substring(val.name, 0, 1) == 'C'.
        assert_val(
            &h.eval_str("filter(variables('dogs'), lambda('val', 'i', and(less(lambdaVariables('i'), 2), equals(substring(lambdaVariables('val').name, 0, 1), 'C'))))")
                .unwrap(),
            json!([{"name": "Casper", "age": 3, "interests": ["Other dogs"]}]),
        );
        let mut h = TestHost::new().with_var("itemForLoop", json!([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
        assert_val(
            &h.eval_str(
                "filter(variables('itemForLoop'), lambda('i', greater(lambdaVariables('i'), 5)))",
            )
            .unwrap(),
            json!([6, 7, 8, 9]),
        );
        assert_val(
            &eval("filter(range(0, 10), lambda('i', equals(0, mod(lambdaVariables('i'), 2))))"),
            json!([0, 2, 4, 6, 8]),
        );
    }

    #[test]
    fn filter_errors_and_unknowns() {
        assert!(eval_err("filter(range(0, 3), lambda('i', 1))").contains("must return a bool"));
        assert!(
            eval_err("filter(range(0, 3), lambda('a', 'b', 'c', true()))")
                .contains("1 or 2 parameters")
        );
        assert!(eval_err("filter(range(0, 3), 1)").contains("a lambda"));
        assert!(eval_err("filter(createObject(), lambda('x', true()))").contains("an array"));
        // A decision that depends on an unknown makes the result unknown.
        let got = eval(
            "filter(createArray(1, unknown('u')), lambda('x', equals(lambdaVariables('x'), 1)))",
        );
        assert!(matches!(got, Val::Unknown(u) if u.symbol == "u"));
        // An unknown element that the lambda does not need to decide on is kept.
        let got = eval("filter(createArray(1, unknown('u')), lambda('x', true()))");
        assert_eq!(got.as_array().unwrap().len(), 2);
    }

    #[test]
    fn map_doc_examples() {
        let mut h = TestHost::new().with_var("dogs", dogs());
        assert_val(
            &h.eval_str("map(variables('dogs'), lambda('dog', lambdaVariables('dog').name))")
                .unwrap(),
            json!(["Evie", "Casper", "Indy", "Kira"]),
        );
        assert_val(
            &h.eval_str("map(variables('dogs'), lambda('dog', format('Hello {0}!', lambdaVariables('dog').name)))")
                .unwrap(),
            json!(["Hello Evie!", "Hello Casper!", "Hello Indy!", "Hello Kira!"]),
        );
        assert_val(
            &h.eval_str("map(range(0, length(variables('dogs'))), lambda('i', createObject('i', lambdaVariables('i'), 'dog', variables('dogs')[lambdaVariables('i')].name, 'greeting', format('Ahoy, {0}!', variables('dogs')[lambdaVariables('i')].name))))")
                .unwrap(),
            json!([
                {"i": 0, "dog": "Evie", "greeting": "Ahoy, Evie!"},
                {"i": 1, "dog": "Casper", "greeting": "Ahoy, Casper!"},
                {"i": 2, "dog": "Indy", "greeting": "Ahoy, Indy!"},
                {"i": 3, "dog": "Kira", "greeting": "Ahoy, Kira!"}
            ]),
        );
        // Bicep's mapArrayIndex: (x, i) => { index: i, val: x.name }.
        assert_val(
            &h.eval_str("map(variables('dogs'), lambda('x', 'i', createObject('index', lambdaVariables('i'), 'val', lambdaVariables('x').name)))")
                .unwrap(),
            json!([
                {"index": 0, "val": "Evie"},
                {"index": 1, "val": "Casper"},
                {"index": 2, "val": "Indy"},
                {"index": 3, "val": "Kira"}
            ]),
        );
        assert!(
            eval_err("map(range(0, 1), lambda('x', lambda('y', 1)))").contains("returned a lambda")
        );
    }

    #[test]
    fn reduce_doc_examples() {
        let mut h = TestHost::new().with_var("dogs", dogs());
        let ages = h
            .eval_str("map(variables('dogs'), lambda('dog', lambdaVariables('dog').age))")
            .unwrap();
        h.vars.insert("ages", ages);
        assert_val(
            &h.eval_str("reduce(variables('ages'), 0, lambda('cur', 'next', add(lambdaVariables('cur'), lambdaVariables('next'))))")
                .unwrap(),
            json!(18),
        );
        assert_val(
            &h.eval_str("reduce(variables('ages'), 1, lambda('cur', 'next', add(lambdaVariables('cur'), lambdaVariables('next'))))")
                .unwrap(),
            json!(19),
        );
        // Bicep's oddAge: (cur, next, i) => (i % 2 == 0) ? cur + next : cur.
        assert_val(
            &h.eval_str("reduce(variables('ages'), 0, lambda('cur', 'next', 'i', if(equals(mod(lambdaVariables('i'), 2), 0), add(lambdaVariables('cur'), lambdaVariables('next')), lambdaVariables('cur'))))")
                .unwrap(),
            json!(7),
        );
        let got = eval("reduce(createArray(createObject('foo', 123), createObject('bar', 456), createObject('baz', 789)), createObject(), lambda('cur', 'next', union(lambdaVariables('cur'), lambdaVariables('next'))))");
        assert_val(&got, json!({"foo": 123, "bar": 456, "baz": 789}));
        assert_eq!(keys(&got), ["foo", "bar", "baz"]);
        // Bicep's factorial baseline: reduce(range(1, 5), 1, (cur, next) => cur * next).
        assert_val(
            &eval("reduce(range(1, 5), 1, lambda('cur', 'next', mul(lambdaVariables('cur'), lambdaVariables('next'))))"),
            json!(120),
        );
        assert_val(
            &eval("reduce(createArray(), 'init', lambda('c', 'n', 1))"),
            json!("init"),
        );
        assert!(eval_err("reduce(range(0, 2), 0, lambda('c', 1))").contains("2 or 3 parameters"));
    }

    #[test]
    fn sort_doc_example() {
        let mut h = TestHost::new().with_var("dogs", dogs());
        assert_val(
            &h.eval_str("sort(variables('dogs'), lambda('a', 'b', less(lambdaVariables('a').age, lambdaVariables('b').age)))")
                .unwrap(),
            json!([
                {"name": "Indy", "age": 2, "interests": ["Butter"]},
                {"name": "Casper", "age": 3, "interests": ["Other dogs"]},
                {"name": "Evie", "age": 5, "interests": ["Ball", "Frisbee"]},
                {"name": "Kira", "age": 8, "interests": ["Rubs"]}
            ]),
        );
    }

    #[test]
    fn sort_is_stable_and_bounded() {
        let mut h = TestHost::new().with_var(
            "xs",
            json!([{"k": 2, "n": "a"}, {"k": 1, "n": "b"}, {"k": 2, "n": "c"}, {"k": 1, "n": "d"}, {"k": 0, "n": "e"}]),
        );
        let got = h
            .eval_str("map(sort(variables('xs'), lambda('a', 'b', less(lambdaVariables('a').k, lambdaVariables('b').k))), lambda('x', lambdaVariables('x').n))")
            .unwrap();
        assert_val(&got, json!(["e", "b", "d", "a", "c"]));
        // Descending by the comparator.
        assert_val(
            &eval("sort(createArray(3, 1, 2), lambda('a', 'b', greater(lambdaVariables('a'), lambdaVariables('b'))))"),
            json!([3, 2, 1]),
        );
        assert_val(
            &eval("sort(createArray(), lambda('a', 'b', true()))"),
            json!([]),
        );
        // n log n comparisons.
        let mut h = TestHost::new();
        let got = h
            .eval_str("sort(range(0, 1024), lambda('a', 'b', greater(lambdaVariables('a'), lambdaVariables('b'))))")
            .unwrap();
        assert_eq!(got.as_array().unwrap()[0].as_int(), Some(1023));
        assert!(
            h.lambda_calls <= 1024 * 10,
            "{} comparisons",
            h.lambda_calls
        );
        assert!(eval_err("sort(range(0, 3), lambda('a', true()))").contains("2 parameters"));
        assert!(eval_err("sort(range(0, 3), lambda('a', 'b', 1))").contains("must return a bool"));
        assert!(eval("sort(createArray(1, unknown('u')), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))").is_unknown());
    }

    #[test]
    fn to_object_doc_examples() {
        let mut h = TestHost::new().with_var("dogs", dogs());
        let want = json!({
            "Evie": {"name": "Evie", "age": 5, "interests": ["Ball", "Frisbee"]},
            "Casper": {"name": "Casper", "age": 3, "interests": ["Other dogs"]},
            "Indy": {"name": "Indy", "age": 2, "interests": ["Butter"]},
            "Kira": {"name": "Kira", "age": 8, "interests": ["Rubs"]}
        });
        let got = h
            .eval_str("toObject(variables('dogs'), lambda('entry', lambdaVariables('entry').name))")
            .unwrap();
        assert_val(&got, want.clone());
        assert_eq!(keys(&got), ["Evie", "Casper", "Indy", "Kira"]);
        assert_val(
            &h.eval_str("toObject(variables('dogs'), lambda('entry', lambdaVariables('entry').name), lambda('entry', lambdaVariables('entry')))")
                .unwrap(),
            want,
        );
        let mut h = TestHost::new().with_var(
            "dogs",
            json!([
                {"name": "Evie", "properties": {"age": 5, "interests": ["Ball", "Frisbee"]}},
                {"name": "Casper", "properties": {"age": 3, "interests": ["Other dogs"]}},
                {"name": "Indy", "properties": {"age": 2, "interests": ["Butter"]}},
                {"name": "Kira", "properties": {"age": 8, "interests": ["Rubs"]}}
            ]),
        );
        assert_val(
            &h.eval_str("toObject(variables('dogs'), lambda('entry', lambdaVariables('entry').name), lambda('entry', lambdaVariables('entry').properties))")
                .unwrap(),
            json!({
                "Evie": {"age": 5, "interests": ["Ball", "Frisbee"]},
                "Casper": {"age": 3, "interests": ["Other dogs"]},
                "Indy": {"age": 2, "interests": ["Butter"]},
                "Kira": {"age": 8, "interests": ["Rubs"]}
            }),
        );
        assert!(
            eval_err("toObject(range(0, 2), lambda('x', lambdaVariables('x')))")
                .contains("must return a string")
        );
        assert!(eval_err("toObject(range(0, 2), lambda('x', 'y', 'k'))").contains("1 parameter"));
        assert!(eval(
            "toObject(createArray('a', unknown('u')), lambda('x', lambdaVariables('x')))"
        )
        .is_unknown());
    }

    #[test]
    fn group_by_doc_example() {
        let got = eval("groupBy(createArray('foo', 'bar', 'baz'), lambda('x', substring(lambdaVariables('x'), 0, 1)))");
        assert_val(&got, json!({"f": ["foo"], "b": ["bar", "baz"]}));
        assert_eq!(keys(&got), ["f", "b"]);
        // Keys group case-insensitively, as object keys compare.
        assert_val(
            &eval("groupBy(createArray('Ab', 'ac', 'b'), lambda('x', substring(lambdaVariables('x'), 0, 1)))"),
            json!({"A": ["Ab", "ac"], "b": ["b"]}),
        );
        assert!(
            eval_err("groupBy(range(0, 2), lambda('x', lambdaVariables('x')))")
                .contains("must return a string")
        );
    }

    #[test]
    fn map_values_doc_example() {
        let got = eval("mapValues(createObject('foo', 'foo', 'bar', 'bar'), lambda('val', toUpper(lambdaVariables('val'))))");
        assert_val(&got, json!({"foo": "FOO", "bar": "BAR"}));
        assert_eq!(keys(&got), ["foo", "bar"]);
        assert!(eval_err("mapValues(createArray(), lambda('v', 1))").contains("an object"));
        assert!(eval_err("mapValues(createObject(), lambda('k', 'v', 1))").contains("1 parameter"));
    }

    #[test]
    fn not_mine_is_none() {
        let mut h = TestHost::new();
        for name in [
            "contains", "length", "concat", "coalesce", "if", "equals", "first",
        ] {
            assert!(call(name, &[], &mut h).is_none(), "{name}");
        }
    }

    impl TestHost {
        fn clone_eval(&mut self, s: &str) -> Val {
            match self.eval_str(s) {
                Ok(v) => v,
                Err(e) => panic!("{s}: {e}"),
            }
        }
    }
}
