//! The template function library, by family as Microsoft's reference groups it.
//!
//! The evaluator handles what needs its state (`parameters()`, `variables()`, `copyIndex()`,
//! `reference()`, `resourceId()`, `deployment()` ...) and the lazy functions (`if()`, `and()`,
//! `or()`, `coalesce()`), and resolves unknown arguments before calling here: a family function
//! never sees a top-level [`Val::Unknown`] argument. Unknowns nested inside arrays and objects
//! it must pass on (see [`Val::first_unknown`]) wherever the result depends on them.

pub mod array;
pub mod cidr;
pub mod date;
pub mod hash;
pub mod logic;
pub mod string;

use crate::value::{EvalError, EvalResult, Lambda, Val};

/// What a family function may ask of the evaluator.
pub trait Host {
    /// Calls a lambda (from `lambda(...)`) with its arguments.
    fn call_lambda(&mut self, f: &Lambda, args: &[Val]) -> EvalResult;
}

/// Calls a library function by its lower-case name; `None` when no family has it.
pub fn call(name: &str, args: &[Val], host: &mut dyn Host) -> Option<EvalResult> {
    string::call(name, args, host)
        .or_else(|| array::call(name, args, host))
        .or_else(|| logic::call(name, args, host))
        .or_else(|| date::call(name, args, host))
        .or_else(|| cidr::call(name, args, host))
}

/// Checks the argument count: `arity(name, args, min, max)`.
pub fn arity(name: &str, args: &[Val], min: usize, max: usize) -> Result<(), EvalError> {
    if args.len() < min || args.len() > max {
        let want = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(EvalError(format!(
            "`{name}()` takes {want} argument{}, not {}",
            if want == "1" { "" } else { "s" },
            args.len()
        )));
    }
    Ok(())
}

fn wrong_type(name: &str, i: usize, want: &str, got: &Val) -> EvalError {
    EvalError(format!(
        "argument {} of `{name}()` must be {want}, not {}",
        i + 1,
        got.type_name()
    ))
}

/// Argument `i` as a string.
pub fn str_arg<'a>(name: &str, args: &'a [Val], i: usize) -> Result<&'a str, EvalError> {
    match &args[i] {
        Val::Str(s) => Ok(s),
        v => Err(wrong_type(name, i, "a string", v)),
    }
}

/// Argument `i` as an integer (ARM accepts integer-valued numbers only).
pub fn int_arg(name: &str, args: &[Val], i: usize) -> Result<i64, EvalError> {
    match &args[i] {
        v @ (Val::Int(_) | Val::Float(_)) => v
            .as_int()
            .ok_or_else(|| wrong_type(name, i, "an integer", v)),
        v => Err(wrong_type(name, i, "an integer", v)),
    }
}

/// Argument `i` as a boolean.
pub fn bool_arg(name: &str, args: &[Val], i: usize) -> Result<bool, EvalError> {
    match &args[i] {
        Val::Bool(b) => Ok(*b),
        v => Err(wrong_type(name, i, "a bool", v)),
    }
}

/// Argument `i` as an array.
pub fn array_arg<'a>(name: &str, args: &'a [Val], i: usize) -> Result<&'a [Val], EvalError> {
    match &args[i] {
        Val::Array(a) => Ok(a),
        v => Err(wrong_type(name, i, "an array", v)),
    }
}

/// Argument `i` as an object.
pub fn object_arg<'a>(
    name: &str,
    args: &'a [Val],
    i: usize,
) -> Result<&'a crate::value::Obj, EvalError> {
    match &args[i] {
        Val::Object(o) => Ok(o),
        v => Err(wrong_type(name, i, "an object", v)),
    }
}

/// Argument `i` as a lambda.
pub fn lambda_arg<'a>(name: &str, args: &'a [Val], i: usize) -> Result<&'a Lambda, EvalError> {
    match &args[i] {
        Val::Lambda(l) => Ok(l),
        v => Err(wrong_type(name, i, "a lambda", v)),
    }
}

/// For tests of functions that take no lambda.
#[cfg(test)]
pub(crate) struct NoHost;

#[cfg(test)]
impl Host for NoHost {
    fn call_lambda(&mut self, _: &Lambda, _: &[Val]) -> EvalResult {
        Err(EvalError("no lambdas here".into()))
    }
}
