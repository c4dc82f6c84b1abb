//! Comparison, logical and numeric functions: `equals`, `greater`, `greaterOrEquals`, `less`,
//! `lessOrEquals`, `bool`, `not`, `true`, `false`, `add`, `sub`, `mul`, `div`, `mod`, `int`,
//! `float`. (`coalesce`, `and`, `or` and `if` are lazy: the evaluator has them.)
//!
//! As Microsoft's reference describes them (template-functions-comparison, -logical, -numeric):
//!
//! - `equals()` compares strings case-sensitively, arrays in order, objects by members.
//! - `greater()`, `less()` ... compare two integers or two strings. Strings are compared
//!   alphabetically as .NET's culture-aware comparison does, not ordinally: the reference's own
//!   example has `greater('A', 'a')` true and `less('A', 'a')` false (ordinally 'A' < 'a').
//! - `bool()` of a string is true for "true" in any case and false for anything else; of an
//!   integer, false for 0 only.
//! - Arithmetic is on 64-bit integers: `div()` truncates, `mod()` takes the dividend's sign,
//!   dividing by zero and overflowing are errors.

use std::cmp::Ordering;

use super::{arity, bool_arg, int_arg, Host};
use crate::fail;
use crate::value::{EvalError, EvalResult, Val};

pub fn call(name: &str, args: &[Val], _host: &mut dyn Host) -> Option<EvalResult> {
    let f: fn(&[Val]) -> EvalResult = match name {
        "equals" => equals,
        "greater" => |a| compare("greater", a, Ordering::is_gt),
        "greaterorequals" => |a| compare("greaterOrEquals", a, Ordering::is_ge),
        "less" => |a| compare("less", a, Ordering::is_lt),
        "lessorequals" => |a| compare("lessOrEquals", a, Ordering::is_le),
        "bool" => to_bool,
        "not" => not,
        "true" => |a| arity("true", a, 0, 0).map(|()| Val::Bool(true)),
        "false" => |a| arity("false", a, 0, 0).map(|()| Val::Bool(false)),
        "add" => |a| arithmetic("add", a, i64::checked_add),
        "sub" => |a| arithmetic("sub", a, i64::checked_sub),
        "mul" => |a| arithmetic("mul", a, i64::checked_mul),
        "div" => |a| arithmetic("div", a, i64::checked_div),
        "mod" => |a| arithmetic("mod", a, i64::checked_rem),
        "int" => to_int,
        "float" => to_float,
        _ => return None,
    };
    // The evaluator resolves unknown arguments itself; should one reach here anyway, the
    // result is unknown too (`equals()` decides for itself: an unknown equals itself).
    if name != "equals" {
        if let Some(u) = args.iter().find(|a| a.is_unknown()) {
            return Some(Ok(u.clone()));
        }
    }
    Some(f(args))
}

// ---------------------------------------------------------------------------------------------
// Comparison

/// The outcome of comparing values that may hold unknowns.
enum Tri {
    Yes,
    No,
    Unknown(Val),
}

/// Equality as [`Val::equals`], except that an unknown decides nothing unless it is the same
/// unknown (same symbol) on both sides; a difference elsewhere still decides `No`.
fn equal3(a: &Val, b: &Val) -> Tri {
    match (a, b) {
        (Val::Unknown(x), Val::Unknown(y)) if x.symbol == y.symbol => Tri::Yes,
        (Val::Unknown(_), _) => Tri::Unknown(a.clone()),
        (_, Val::Unknown(_)) => Tri::Unknown(b.clone()),
        (Val::Array(x), Val::Array(y)) => {
            if x.len() != y.len() {
                return Tri::No;
            }
            let mut unknown = None;
            for (p, q) in x.iter().zip(y.iter()) {
                match equal3(p, q) {
                    Tri::No => return Tri::No,
                    Tri::Unknown(u) => {
                        unknown.get_or_insert(u);
                    }
                    Tri::Yes => {}
                }
            }
            unknown.map_or(Tri::Yes, Tri::Unknown)
        }
        (Val::Object(x), Val::Object(y)) => {
            if x.len() != y.len() {
                return Tri::No;
            }
            let mut unknown = None;
            for (k, p) in x.iter() {
                let Some(q) = y.get(k) else { return Tri::No };
                match equal3(p, q) {
                    Tri::No => return Tri::No,
                    Tri::Unknown(u) => {
                        unknown.get_or_insert(u);
                    }
                    Tri::Yes => {}
                }
            }
            unknown.map_or(Tri::Yes, Tri::Unknown)
        }
        _ if a.equals(b) => Tri::Yes,
        _ => Tri::No,
    }
}

/// `equals(arg1, arg2)`.
fn equals(args: &[Val]) -> EvalResult {
    arity("equals", args, 2, 2)?;
    if let Some(l) = args.iter().find(|a| matches!(a, Val::Lambda(_))) {
        fail!("`equals()` cannot compare a {}", l.type_name());
    }
    Ok(match equal3(&args[0], &args[1]) {
        Tri::Yes => Val::Bool(true),
        Tri::No => Val::Bool(false),
        Tri::Unknown(u) => u,
    })
}

/// The sort weight of a (lower-cased) character at the first level: punctuation and symbols
/// before digits before letters, as culture-aware sorting orders them.
fn primary_weight(c: char) -> (u8, char) {
    if c.is_alphabetic() {
        (2, c)
    } else if c.is_numeric() {
        (1, c)
    } else {
        (0, c)
    }
}

/// Compares strings alphabetically as ARM's `less()` and `greater()` do (and `items()` sorts
/// keys): first ignoring case, then, at the first difference in case, lower case first
/// ("a" < "A" < "b"). An approximation of .NET's culture-aware comparison: accents and the
/// special weights of `-` and `'` are not modelled.
pub(crate) fn compare_strings(a: &str, b: &str) -> Ordering {
    let fold = |s: &str| {
        s.chars()
            .flat_map(char::to_lowercase)
            .map(primary_weight)
            .collect::<Vec<_>>()
    };
    let primary = fold(a).cmp(&fold(b));
    if primary != Ordering::Equal {
        return primary;
    }
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y {
            return match (x.is_lowercase(), y.is_lowercase()) {
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => x.cmp(&y),
            };
        }
    }
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// `greater()`, `greaterOrEquals()`, `less()`, `lessOrEquals()`: two numbers or two strings.
fn compare(name: &str, args: &[Val], test: fn(Ordering) -> bool) -> EvalResult {
    arity(name, args, 2, 2)?;
    let ord = match (&args[0], &args[1]) {
        (Val::Int(a), Val::Int(b)) => a.cmp(b),
        (a @ (Val::Int(_) | Val::Float(_)), b @ (Val::Int(_) | Val::Float(_))) => {
            let (x, y) = (as_f64(a), as_f64(b));
            match x.partial_cmp(&y) {
                Some(o) => o,
                None => fail!("`{name}()` cannot compare {x} and {y}"),
            }
        }
        (Val::Str(a), Val::Str(b)) => compare_strings(a, b),
        (a, b) => fail!(
            "`{name}()` compares two integers or two strings, not {} and {}",
            a.type_name(),
            b.type_name()
        ),
    };
    Ok(Val::Bool(test(ord)))
}

fn as_f64(v: &Val) -> f64 {
    match v {
        Val::Int(i) => *i as f64,
        Val::Float(f) => *f,
        _ => f64::NAN,
    }
}

// ---------------------------------------------------------------------------------------------
// Logical

/// `bool(value)`: "true" in any case is true, any other string false; 0 is false, any other
/// integer true.
fn to_bool(args: &[Val]) -> EvalResult {
    arity("bool", args, 1, 1)?;
    Ok(Val::Bool(match &args[0] {
        Val::Bool(b) => *b,
        Val::Str(s) => s.eq_ignore_ascii_case("true"),
        Val::Int(i) => *i != 0,
        Val::Float(f) => *f != 0.0,
        v => fail!(
            "the argument of `bool()` must be a string or an integer, not {}",
            v.type_name()
        ),
    }))
}

/// `not(bool)`.
fn not(args: &[Val]) -> EvalResult {
    arity("not", args, 1, 1)?;
    Ok(Val::Bool(!bool_arg("not", args, 0)?))
}

// ---------------------------------------------------------------------------------------------
// Numeric

/// `add`, `sub`, `mul`, `div`, `mod` of two integers; `None` from `op` is overflow or, for
/// `div` and `mod`, division by zero.
fn arithmetic(name: &str, args: &[Val], op: fn(i64, i64) -> Option<i64>) -> EvalResult {
    arity(name, args, 2, 2)?;
    let a = int_arg(name, args, 0)?;
    let b = int_arg(name, args, 1)?;
    if b == 0 && matches!(name, "div" | "mod") {
        fail!("`{name}({a}, 0)` divides by zero");
    }
    match op(a, b) {
        Some(r) => Ok(Val::Int(r)),
        None => fail!("`{name}({a}, {b})` overflows a 64-bit integer"),
    }
}

/// `int(value)`: a string holding an integer, or a number (a fraction is truncated).
fn to_int(args: &[Val]) -> EvalResult {
    arity("int", args, 1, 1)?;
    match &args[0] {
        Val::Int(i) => Ok(Val::Int(*i)),
        Val::Float(f) => {
            let t = f.trunc();
            // [-2^63, 2^63): exactly the integers an i64 holds.
            if (i64::MIN as f64..-(i64::MIN as f64)).contains(&t) {
                Ok(Val::Int(t as i64))
            } else {
                fail!("`int()` cannot convert {f} to a 64-bit integer")
            }
        }
        Val::Str(s) => s
            .trim()
            .parse::<i64>()
            .map(Val::Int)
            .map_err(|_| EvalError(format!("`int()` cannot convert '{s}' to an integer"))),
        v => fail!(
            "the argument of `int()` must be a string or an integer, not {}",
            v.type_name()
        ),
    }
}

/// `float(value)`: a string holding a number, or an integer, as a floating-point number.
fn to_float(args: &[Val]) -> EvalResult {
    arity("float", args, 1, 1)?;
    let f = match &args[0] {
        Val::Int(i) => *i as f64,
        Val::Float(f) => *f,
        Val::Str(s) => match s.trim().parse::<f64>() {
            Ok(f) => f,
            Err(_) => fail!("`float()` cannot convert '{s}' to a number"),
        },
        v => fail!(
            "the argument of `float()` must be a string or an integer, not {}",
            v.type_name()
        ),
    };
    if !f.is_finite() {
        fail!("`float()` of {} is not a finite number", args[0].to_json());
    }
    Ok(Val::Float(f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::array::tests::{eval, eval_err, TestHost};
    use serde_json::json;

    #[track_caller]
    fn is_bool(s: &str, want: bool) {
        match eval(s) {
            Val::Bool(b) => assert_eq!(b, want, "{s}"),
            v => panic!("{s}: not a bool: {}", v.to_json()),
        }
    }

    #[track_caller]
    fn is_int(s: &str, want: i64) {
        match eval(s) {
            Val::Int(i) => assert_eq!(i, want, "{s}"),
            v => panic!("{s}: not an int: {}", v.to_json()),
        }
    }

    // --- comparison --------------------------------------------------------------------------

    #[test]
    fn equals_doc_examples() {
        let mut h = TestHost::new()
            .with_var("firstInt", json!(1))
            .with_var("secondInt", json!(1))
            .with_var("firstString", json!("a"))
            .with_var("secondString", json!("a"))
            .with_var("firstArray", json!(["a", "b"]))
            .with_var("secondArray", json!(["a", "b"]))
            .with_var("firstObject", json!({"a": "b"}))
            .with_var("secondObject", json!({"a": "b"}));
        for (x, y) in [
            ("firstInt", "secondInt"),
            ("firstString", "secondString"),
            ("firstArray", "secondArray"),
            ("firstObject", "secondObject"),
        ] {
            let got = h
                .eval_str(&format!("equals(parameters('{x}'), parameters('{y}') )"))
                .unwrap();
            assert!(matches!(got, Val::Bool(true)), "{x}");
        }
        is_bool("not(equals(1, 2))", true);
        // From the if() example.
        is_bool("equals('a', 'a')", true);
        is_bool("equals('a', 'b')", false);
    }

    #[test]
    fn equals_details() {
        is_bool("equals('a', 'A')", false);
        is_bool("equals(createArray(1, 2), createArray(2, 1))", false);
        is_bool(
            "equals(createObject('a', 1, 'b', 2), createObject('B', 2, 'a', 1))",
            true,
        );
        is_bool(
            "equals(createObject('a', 1), createObject('a', 1, 'b', 2))",
            false,
        );
        is_bool("equals(1, '1')", false);
        is_bool("equals(null(), null())", true);
        is_bool("equals(1, json('1.0'))", true);
        assert!(eval_err("equals(1)").contains("2 arguments"));
    }

    #[test]
    fn equals_with_unknowns() {
        assert!(eval("equals(unknown('u'), 'a')").is_unknown());
        assert!(eval("equals(unknown('u'), unknown('v'))").is_unknown());
        // The same unknown equals itself.
        is_bool("equals(unknown('u'), unknown('u'))", true);
        // A difference elsewhere decides.
        is_bool(
            "equals(createArray(unknown('u'), 1), createArray(unknown('v'), 2))",
            false,
        );
        is_bool(
            "equals(createArray(unknown('u')), createArray(1, 2))",
            false,
        );
        is_bool(
            "equals(createObject('a', unknown('u')), createObject('b', 1))",
            false,
        );
        let got = eval("equals(createArray(unknown('u'), 1), createArray(2, 1))");
        assert!(matches!(got, Val::Unknown(u) if u.symbol == "u"));
        assert!(eval("equals(createObject('a', unknown('u')), createObject('a', 1))").is_unknown());
    }

    #[test]
    fn ordering_doc_examples() {
        // firstInt 1, secondInt 2, firstString 'A', secondString 'a'.
        is_bool("greater(1, 2 )", false);
        is_bool("greater('A', 'a')", true);
        is_bool("greaterOrEquals(1, 2 )", false);
        is_bool("greaterOrEquals('A', 'a')", true);
        is_bool("less(1, 2 )", true);
        is_bool("less('A', 'a')", false);
        is_bool("lessOrEquals(1, 2 )", true);
        is_bool("lessOrEquals('A', 'a')", false);
    }

    #[test]
    fn ordering_details() {
        // Alphabetical before case: 'a' < 'B' although 'B' < 'a' ordinally.
        is_bool("less('a', 'B')", true);
        is_bool("less('apple', 'Banana')", true);
        is_bool("less('ab', 'abc')", true);
        is_bool("less('a1', 'aa')", true);
        is_bool("less('a-b', 'a1')", true);
        is_bool("greaterOrEquals('abc', 'abc')", true);
        is_bool("lessOrEquals('abc', 'abc')", true);
        is_bool("greater('abc', 'abc')", false);
        is_bool("less(-5, 3)", true);
        is_bool("greater(json('2.5'), 2)", true);
        is_bool("lessOrEquals(2, json('2.0'))", true);
        assert!(eval_err("less(1, 'a')").contains("two integers or two strings"));
        assert!(eval_err("greater(createArray(), createArray())").contains("not array and array"));
        assert!(eval_err("less(1)").contains("2 arguments"));
        assert_eq!(compare_strings("a", "A"), Ordering::Less);
        assert_eq!(compare_strings("A", "b"), Ordering::Less);
        assert_eq!(compare_strings("", "a"), Ordering::Less);
        assert_eq!(compare_strings("Straße", "Straße"), Ordering::Equal);
    }

    // --- logical -----------------------------------------------------------------------------

    #[test]
    fn bool_doc_examples() {
        is_bool("bool('true')", true);
        is_bool("bool('false')", false);
        is_bool("bool(1)", true);
        is_bool("bool(0)", false);
        // The Bicep reference's fuller table.
        is_bool("bool('trUe')", true);
        is_bool("bool('falSe')", false);
        is_bool("bool(2)", true);
        is_bool("bool(-1)", true);
        // "true" in any case is true, any other string false.
        is_bool("bool('TRUE')", true);
        is_bool("bool('yes')", false);
        is_bool("bool('')", false);
        is_bool("bool(true())", true);
        assert!(eval_err("bool(createArray())").contains("a string or an integer"));
        assert!(eval_err("bool(null())").contains("a string or an integer"));
    }

    #[test]
    fn not_true_false_doc_examples() {
        is_bool("not(bool('true'))", false);
        is_bool("not(false())", true);
        is_bool("true()", true);
        is_bool("false()", false);
        assert!(eval_err("not('true')").contains("a bool"));
        assert!(eval_err("true(1)").contains("0 arguments"));
        assert!(eval_err("false(1)").contains("0 arguments"));
    }

    // --- numeric -----------------------------------------------------------------------------

    #[test]
    fn arithmetic_doc_examples() {
        is_int("add(5, 3)", 8);
        is_int("div(8, 3)", 2);
        is_int("mod(7, 3)", 1);
        is_int("mul(5, 3)", 15);
        is_int("sub(7, 3)", 4);
    }

    #[test]
    fn arithmetic_details() {
        // Truncating division; the remainder takes the dividend's sign.
        is_int("div(-7, 2)", -3);
        is_int("div(7, -2)", -3);
        is_int("mod(-7, 3)", -1);
        is_int("mod(7, -3)", 1);
        is_int("sub(3, 7)", -4);
        is_int("add(json('2.0'), 1)", 3);
        assert!(eval_err("div(1, 0)").contains("divides by zero"));
        assert!(eval_err("mod(1, 0)").contains("divides by zero"));
        assert!(eval_err("add(9223372036854775807, 1)").contains("overflows"));
        assert!(eval_err("sub(-9223372036854775807, 2)").contains("overflows"));
        assert!(eval_err("mul(4611686018427387904, 2)").contains("overflows"));
        assert!(eval_err("div(sub(-9223372036854775807, 1), -1)").contains("overflows"));
        assert!(eval_err("mod(sub(-9223372036854775807, 1), -1)").contains("overflows"));
        assert!(eval_err("add(1, '2')").contains("an integer"));
        assert!(eval_err("add(json('1.5'), 1)").contains("an integer"));
        assert!(eval_err("add(1)").contains("2 arguments"));
    }

    #[test]
    fn int_doc_example() {
        is_int("int('4')", 4);
        is_int("int(4)", 4);
        is_int("int(' -12 ')", -12);
        is_int("int('+7')", 7);
        is_int("int(json('3.9'))", 3);
        is_int("int(json('-3.9'))", -3);
        assert!(eval_err("int('4.5')").contains("cannot convert"));
        assert!(eval_err("int('abc')").contains("cannot convert"));
        assert!(eval_err("int('99999999999999999999')").contains("cannot convert"));
        assert!(eval_err("int(json('1e300'))").contains("64-bit"));
        assert!(eval_err("int(true())").contains("a string or an integer"));
    }

    #[test]
    fn float_doc_examples() {
        assert!(matches!(eval("float('3.0')"), Val::Float(f) if f == 3.0));
        assert!(matches!(eval("float(3)"), Val::Float(f) if f == 3.0));
        assert!(matches!(eval("float('-2.5e2')"), Val::Float(f) if f == -250.0));
        assert!(matches!(eval("float(' 0.1 ')"), Val::Float(f) if f == 0.1));
        assert!(eval_err("float('abc')").contains("cannot convert"));
        assert!(eval_err("float('NaN')").contains("finite"));
        assert!(eval_err("float('inf')").contains("finite"));
        assert!(eval_err("float(createArray())").contains("a string or an integer"));
    }

    #[test]
    fn not_mine_is_none() {
        let mut h = TestHost::new();
        for name in ["and", "or", "if", "coalesce", "xor", "union", "length"] {
            assert!(call(name, &[], &mut h).is_none(), "{name}");
        }
    }

    #[test]
    fn top_level_unknowns_pass_through() {
        let u = Val::unknown("test", "u");
        let mut h = TestHost::new();
        for name in ["greater", "less", "add", "not", "bool", "int", "float"] {
            let got = call(name, &[u.clone(), Val::Int(1)], &mut h)
                .unwrap()
                .unwrap();
            assert!(got.is_unknown(), "{name}");
        }
    }
}
