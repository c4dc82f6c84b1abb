//! String functions, as Microsoft's "String functions for ARM templates" reference describes
//! them, including the polymorphic ones that also take arrays and objects (`concat`, `contains`,
//! `empty`, `first`, `last`, `indexOf`, `lastIndexOf`, `length`, `skip`, `take`).
//!
//! Where the reference is silent, the behaviour follows Microsoft's own port of ARM's function
//! library (the Azure Policy linter's `ExpressionBuiltInFunctions`), except where that port
//! contradicts the ARM reference (it compares strings case-insensitively in `contains()` and
//! `replace()`; ARM does not).
//!
//! ARM runs on .NET, and it shows:
//!
//! - lengths and positions count UTF-16 code units (`length('😀')` is 2);
//! - `toLower()`/`toUpper()` use the invariant culture, one character for one;
//! - case-insensitive comparisons (`startsWith`, `endsWith`, `indexOf`, `lastIndexOf`) fold
//!   each character to lower case;
//! - booleans become `True`/`False` when turned into text (`string(true)`, `concat('a', true)`);
//! - `format()` is .NET's composite formatting (`{0}`, `{0,-10}`, `{0:N2}`, `{{`), with the
//!   invariant culture's number formats (`N` groups with `,`, `P` writes `12.50 %`, `C` uses
//!   `¤`); arrays and objects are written as compact JSON with `"` turned into `'`.
//!
//! `null` is accepted where ARM treats it as text: `length(null)` is 0, `empty(null)` is true,
//! `first(null)`, `take(null, n)` are null, `split(null, ',')` is `[]`.
//!
//! No result grows past [`MAX_STRING`] characters: the function fails instead.

use std::fmt::Write as _;

use super::hash;
use super::{arity, int_arg, str_arg, Host};
use crate::fail;
use crate::value::{EvalError, EvalResult, Val};

/// The longest string (in characters) any function here builds.
pub const MAX_STRING: usize = 1_000_000;

/// The most elements `concat()` builds.
const MAX_ARRAY: usize = 1_000_000;

pub fn call(name: &str, args: &[Val], _host: &mut dyn Host) -> Option<EvalResult> {
    let f: fn(&[Val]) -> EvalResult = match name {
        "base64" => base64,
        "base64tojson" => base64_to_json,
        "base64tostring" => base64_to_string,
        "concat" => concat,
        "contains" => contains,
        "datauri" => data_uri,
        "datauritostring" => data_uri_to_string,
        "empty" => empty,
        "endswith" => ends_with,
        "first" => first,
        "format" => format,
        "guid" => guid,
        "indexof" => index_of,
        "join" => join,
        "last" => last,
        "lastindexof" => last_index_of,
        "length" => length,
        "padleft" => pad_left,
        "replace" => replace,
        "skip" => skip,
        "split" => split,
        "startswith" => starts_with,
        "string" => string,
        "substring" => substring,
        "take" => take,
        "tolower" => to_lower,
        "toupper" => to_upper,
        "trim" => trim,
        "uniquestring" => unique_string,
        "uri" => uri,
        "uricomponent" => uri_component,
        "uricomponenttostring" => uri_component_to_string,
        _ => return None,
    };
    Some(f(args))
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The first unknown nested anywhere in the arguments.
fn unknown_in(args: &[Val]) -> Option<Val> {
    args.iter().find_map(|a| a.first_unknown().cloned())
}

/// Fails when `s` is longer than [`MAX_STRING`] characters.
fn check_len(name: &str, s: &str) -> Result<(), EvalError> {
    if s.len() > MAX_STRING && s.chars().count() > MAX_STRING {
        fail!("`{name}()` would build a string longer than {MAX_STRING} characters");
    }
    Ok(())
}

/// Argument `i` as text where ARM also takes `null` for the empty string.
fn text_arg<'a>(name: &str, args: &'a [Val], i: usize) -> Result<&'a str, EvalError> {
    match &args[i] {
        Val::Null => Ok(""),
        _ => str_arg(name, args, i),
    }
}

/// A count argument, which ARM reads as a 32-bit integer.
fn int32_arg(name: &str, args: &[Val], i: usize) -> Result<i64, EvalError> {
    let n = int_arg(name, args, i)?;
    if n < i64::from(i32::MIN) || n > i64::from(i32::MAX) {
        fail!(
            "argument {} of `{name}()` is out of range: {n} is not a 32-bit integer",
            i + 1
        );
    }
    Ok(n)
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// A scalar as .NET writes it with the invariant culture (`True`, `5`, `1.5`, `1E+20`), or
/// `None` for arrays, objects, unknowns and lambdas. `null` is the empty string.
fn scalar_text(v: &Val) -> Option<String> {
    match v {
        Val::Null => Some(String::new()),
        Val::Bool(b) => Some(bool_text(*b).to_string()),
        Val::Int(i) => Some(i.to_string()),
        Val::Float(f) => Some(double_to_string(*f)),
        Val::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

/// Length in UTF-16 code units, as .NET counts.
fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char::len_utf16).sum()
    }
}

/// `count` UTF-16 units of `s` from `start` (both already in range).
fn utf16_slice(s: &str, start: usize, count: usize) -> String {
    if s.is_ascii() {
        return s[start..start + count].to_string();
    }
    let units: Vec<u16> = s.encode_utf16().skip(start).take(count).collect();
    String::from_utf16_lossy(&units)
}

/// One character to lower case, one for one (the invariant culture's simple mapping).
pub fn lower_char(c: char) -> char {
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(x), None) => x,
        _ if c == '\u{130}' => 'i',
        _ => c,
    }
}

/// One character to upper case, one for one.
pub fn upper_char(c: char) -> char {
    let mut u = c.to_uppercase();
    match (u.next(), u.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

fn fold(s: &str) -> String {
    s.chars().map(lower_char).collect()
}

/// The UTF-16 offset of the character at byte `byte` of `folded`, which maps one character
/// for one to `original`.
fn folded_offset_to_utf16(original: &str, folded: &str, byte: usize) -> usize {
    let chars = folded[..byte].chars().count();
    original.chars().take(chars).map(char::len_utf16).sum()
}

/// Case-insensitive `IndexOf`, in UTF-16 units.
fn ci_index_of(hay: &str, needle: &str) -> i64 {
    if needle.is_empty() {
        return 0;
    }
    let (h, n) = (fold(hay), fold(needle));
    match h.find(&n) {
        Some(b) => folded_offset_to_utf16(hay, &h, b) as i64,
        None => -1,
    }
}

/// Case-insensitive `LastIndexOf`, in UTF-16 units. An empty value is found at the last
/// position (.NET Framework's answer).
fn ci_last_index_of(hay: &str, needle: &str) -> i64 {
    if needle.is_empty() {
        return utf16_len(hay).saturating_sub(1) as i64;
    }
    let (h, n) = (fold(hay), fold(needle));
    match h.rfind(&n) {
        Some(b) => folded_offset_to_utf16(hay, &h, b) as i64,
        None => -1,
    }
}

fn ci_starts_with(s: &str, prefix: &str) -> bool {
    let mut a = s.chars().map(lower_char);
    prefix.chars().map(lower_char).all(|c| a.next() == Some(c))
}

fn ci_ends_with(s: &str, suffix: &str) -> bool {
    let mut a = s.chars().rev().map(lower_char);
    suffix
        .chars()
        .rev()
        .map(lower_char)
        .all(|c| a.next() == Some(c))
}

/// Index of an array element equal to `item`, first or last. Unknown when an element that
/// could be equal is unknown (or `item` holds an unknown) and no known element is equal first.
fn array_position(items: &[Val], item: &Val, from_end: bool) -> Result<Option<usize>, Val> {
    if let Some(u) = item.first_unknown() {
        return if items.is_empty() {
            Ok(None)
        } else {
            Err(u.clone())
        };
    }
    let order: Box<dyn Iterator<Item = (usize, &Val)>> = if from_end {
        Box::new(items.iter().enumerate().rev())
    } else {
        Box::new(items.iter().enumerate())
    };
    for (i, v) in order {
        if let Some(u) = v.first_unknown() {
            return Err(u.clone());
        }
        if v.equals(item) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

// ---------------------------------------------------------------------------------------------
// The functions
// ---------------------------------------------------------------------------------------------

fn base64(args: &[Val]) -> EvalResult {
    arity("base64", args, 1, 1)?;
    let s = text_arg("base64", args, 0)?;
    let out = base64_encode(s.as_bytes());
    check_len("base64", &out)?;
    Ok(Val::str(out))
}

fn base64_to_string(args: &[Val]) -> EvalResult {
    arity("base64ToString", args, 1, 1)?;
    let s = text_arg("base64ToString", args, 0)?;
    match base64_decode(s) {
        Some(bytes) => Ok(Val::str(String::from_utf8_lossy(&bytes).into_owned())),
        None => fail!("`base64ToString()` cannot decode the base64 value"),
    }
}

fn base64_to_json(args: &[Val]) -> EvalResult {
    arity("base64ToJson", args, 1, 1)?;
    let s = text_arg("base64ToJson", args, 0)?;
    let Some(bytes) = base64_decode(s) else {
        fail!("`base64ToJson()` cannot decode the base64 value");
    };
    let text = String::from_utf8_lossy(&bytes);
    match parse_lenient_json(&text) {
        Ok(v) => Ok(v),
        Err(e) => fail!("`base64ToJson()` cannot parse JSON from the decoded value: {e}"),
    }
}

fn concat(args: &[Val]) -> EvalResult {
    arity("concat", args, 1, usize::MAX)?;
    if args.iter().all(|a| matches!(a, Val::Array(_))) {
        let total: usize = args
            .iter()
            .filter_map(Val::as_array)
            .map(<[Val]>::len)
            .sum();
        if total > MAX_ARRAY {
            fail!("`concat()` would build an array of more than {MAX_ARRAY} elements");
        }
        let mut out = Vec::with_capacity(total);
        for a in args.iter().filter_map(Val::as_array) {
            out.extend(a.iter().cloned());
        }
        return Ok(Val::array(out));
    }
    let mut out = String::new();
    let mut written = 0usize;
    for (i, a) in args.iter().enumerate() {
        match a {
            Val::Array(_) => fail!(
                "`concat()` takes either all arrays or no arrays: argument {} is an array, others are not",
                i + 1
            ),
            Val::Object(_) | Val::Lambda(_) | Val::Unknown(_) => fail!(
                "argument {} of `concat()` must be a string, an integer, a bool or an array, not {}",
                i + 1,
                a.type_name()
            ),
            v => {
                if let Some(t) = scalar_text(v) {
                    written += t.chars().count();
                    if written > MAX_STRING {
                        fail!("`concat()` would build a string longer than {MAX_STRING} characters");
                    }
                    out.push_str(&t);
                }
            }
        }
    }
    Ok(Val::str(out))
}

fn contains(args: &[Val]) -> EvalResult {
    arity("contains", args, 2, 2)?;
    let item = &args[1];
    match &args[0] {
        Val::Object(o) => match item {
            Val::Str(k) => Ok(Val::Bool(o.contains_key(k))),
            v => fail!(
                "`contains()` on an object looks for a key, which must be a string, not {}",
                v.type_name()
            ),
        },
        Val::Array(a) => match array_position(a, item, false) {
            Ok(found) => Ok(Val::Bool(found.is_some())),
            Err(u) => Ok(u),
        },
        Val::Str(s) => match item {
            Val::Str(t) => Ok(Val::Bool(s.contains(&**t))),
            v => fail!(
                "`contains()` on a string looks for a substring, which must be a string, not {}",
                v.type_name()
            ),
        },
        v => fail!(
            "argument 1 of `contains()` must be an array, an object or a string, not {}",
            v.type_name()
        ),
    }
}

fn data_uri(args: &[Val]) -> EvalResult {
    arity("dataUri", args, 1, 1)?;
    let v = &args[0];
    if let Some(u) = v.first_unknown() {
        return Ok(u.clone());
    }
    let (content_type, data) = match v {
        Val::Str(s) => ("text/plain;charset=utf8", s.to_string()),
        Val::Array(_) | Val::Object(_) => ("application/json;charset=utf8", v.to_json()),
        Val::Int(_) | Val::Bool(_) | Val::Float(_) => (
            "application/json;charset=utf8",
            scalar_text(v).unwrap_or_default(),
        ),
        v => fail!("`dataUri()` cannot convert {}", v.type_name()),
    };
    let out = format!(
        "data:{content_type};base64,{}",
        base64_encode(data.as_bytes())
    );
    check_len("dataUri", &out)?;
    Ok(Val::str(out))
}

fn data_uri_to_string(args: &[Val]) -> EvalResult {
    arity("dataUriToString", args, 1, 1)?;
    let s = text_arg("dataUriToString", args, 0)?;
    let invalid = || {
        EvalError(format!(
            "`dataUriToString()`: `{s}` is not a valid data URI"
        ))
    };
    if !s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data:")) {
        return Err(invalid());
    }
    let rest = &s[5..];
    let comma = rest.find(',').ok_or_else(invalid)?;
    let (meta, data) = (&rest[..comma], &rest[comma + 1..]);
    let tokens: Vec<&str> = if meta.is_empty() {
        Vec::new()
    } else {
        meta.split(';').collect()
    };
    let is_base64 = tokens
        .last()
        .is_some_and(|t| t.eq_ignore_ascii_case("base64"));
    if tokens.first().is_some_and(|t| t.is_empty()) && !(tokens.len() == 2 && is_base64) {
        return Err(invalid());
    }
    if tokens.iter().skip(1).any(|t| t.trim().is_empty()) {
        return Err(invalid());
    }
    if let Some(charset) = tokens
        .get(1)
        .filter(|t| {
            t.get(..8)
                .is_some_and(|p| p.eq_ignore_ascii_case("charset="))
        })
        .map(|t| &t[8..])
    {
        if !charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("utf8") {
            fail!("`dataUriToString()` does not support the charset `{charset}`");
        }
    }
    let bytes = if is_base64 {
        base64_decode(data)
            .ok_or_else(|| EvalError("`dataUriToString()` cannot decode the base64 data".into()))?
    } else {
        url_decode_bytes(data, true)
    };
    Ok(Val::str(String::from_utf8_lossy(&bytes).into_owned()))
}

fn empty(args: &[Val]) -> EvalResult {
    arity("empty", args, 1, 1)?;
    Ok(Val::Bool(match &args[0] {
        Val::Null => true,
        Val::Str(s) => s.is_empty(),
        Val::Array(a) => a.is_empty(),
        Val::Object(o) => o.is_empty(),
        v => fail!(
            "argument 1 of `empty()` must be an array, an object or a string, not {}",
            v.type_name()
        ),
    }))
}

fn ends_with(args: &[Val]) -> EvalResult {
    arity("endsWith", args, 2, 2)?;
    let s = text_arg("endsWith", args, 0)?;
    let t = text_arg("endsWith", args, 1)?;
    Ok(Val::Bool(ci_ends_with(s, t)))
}

fn starts_with(args: &[Val]) -> EvalResult {
    arity("startsWith", args, 2, 2)?;
    let s = text_arg("startsWith", args, 0)?;
    let t = text_arg("startsWith", args, 1)?;
    Ok(Val::Bool(ci_starts_with(s, t)))
}

fn first(args: &[Val]) -> EvalResult {
    arity("first", args, 1, 1)?;
    match &args[0] {
        Val::Null => Ok(Val::Null),
        Val::Array(a) => Ok(a.first().cloned().unwrap_or(Val::Null)),
        Val::Str(s) => Ok(Val::str(if s.is_empty() {
            String::new()
        } else {
            utf16_slice(s, 0, 1)
        })),
        v => fail!(
            "argument 1 of `first()` must be an array or a string, not {}",
            v.type_name()
        ),
    }
}

fn last(args: &[Val]) -> EvalResult {
    arity("last", args, 1, 1)?;
    match &args[0] {
        Val::Null => Ok(Val::Null),
        Val::Array(a) => Ok(a.last().cloned().unwrap_or(Val::Null)),
        Val::Str(s) => Ok(Val::str(if s.is_empty() {
            String::new()
        } else {
            utf16_slice(s, utf16_len(s) - 1, 1)
        })),
        v => fail!(
            "argument 1 of `last()` must be an array or a string, not {}",
            v.type_name()
        ),
    }
}

fn guid(args: &[Val]) -> EvalResult {
    let parts = hash_parts("guid", args)?;
    Ok(Val::str(hash::guid(&parts)))
}

fn unique_string(args: &[Val]) -> EvalResult {
    let parts = hash_parts("uniqueString", args)?;
    let joined: usize =
        parts.iter().map(|p| utf16_len(p)).sum::<usize>() + parts.len().saturating_sub(1);
    if joined > hash::UNIQUE_STRING_MAX_INPUT {
        fail!(
            "`uniqueString()` takes at most {} characters (joined with '-'), not {joined}",
            hash::UNIQUE_STRING_MAX_INPUT
        );
    }
    Ok(Val::str(hash::unique_string(&parts)))
}

fn hash_parts<'a>(name: &str, args: &'a [Val]) -> Result<Vec<&'a str>, EvalError> {
    arity(name, args, 1, usize::MAX)?;
    (0..args.len()).map(|i| text_arg(name, args, i)).collect()
}

fn index_of(args: &[Val]) -> EvalResult {
    position("indexOf", args, false)
}

fn last_index_of(args: &[Val]) -> EvalResult {
    position("lastIndexOf", args, true)
}

fn position(name: &str, args: &[Val], from_end: bool) -> EvalResult {
    arity(name, args, 2, 2)?;
    match &args[0] {
        Val::Null => Ok(Val::Int(-1)),
        Val::Array(a) => match array_position(a, &args[1], from_end) {
            Ok(found) => Ok(Val::Int(found.map_or(-1, |i| i as i64))),
            Err(u) => Ok(u),
        },
        Val::Str(s) => {
            let t = str_arg(name, args, 1)?;
            Ok(Val::Int(if from_end {
                ci_last_index_of(s, t)
            } else {
                ci_index_of(s, t)
            }))
        }
        v => fail!(
            "argument 1 of `{name}()` must be an array or a string, not {}",
            v.type_name()
        ),
    }
}

fn join(args: &[Val]) -> EvalResult {
    arity("join", args, 2, 2)?;
    let Val::Array(items) = &args[0] else {
        fail!(
            "argument 1 of `join()` must be an array of strings, not {}",
            args[0].type_name()
        );
    };
    let delimiter = text_arg("join", args, 1)?;
    if let Some(u) = unknown_in(items) {
        return Ok(u);
    }
    let mut out = String::new();
    let delimiter_chars = delimiter.chars().count();
    let mut written = 0usize;
    for (i, v) in items.iter().enumerate() {
        let s = match v {
            Val::Str(s) => &**s,
            Val::Null => "",
            v => fail!(
                "`join()` joins strings: element {i} of the array is {}",
                v.type_name()
            ),
        };
        written += s.chars().count() + if i > 0 { delimiter_chars } else { 0 };
        if written > MAX_STRING {
            fail!("`join()` would build a string longer than {MAX_STRING} characters");
        }
        if i > 0 {
            out.push_str(delimiter);
        }
        out.push_str(s);
    }
    Ok(Val::str(out))
}

fn length(args: &[Val]) -> EvalResult {
    arity("length", args, 1, 1)?;
    let n = match &args[0] {
        Val::Null => 0,
        Val::Str(s) => utf16_len(s),
        Val::Array(a) => a.len(),
        Val::Object(o) => o.len(),
        v => fail!(
            "argument 1 of `length()` must be an array, an object or a string, not {}",
            v.type_name()
        ),
    };
    Ok(Val::Int(n as i64))
}

fn pad_left(args: &[Val]) -> EvalResult {
    arity("padLeft", args, 2, 3)?;
    let value = match &args[0] {
        Val::Str(s) => s.to_string(),
        Val::Int(i) => i.to_string(),
        Val::Null => String::new(),
        v => fail!(
            "argument 1 of `padLeft()` must be a string or an integer, not {}",
            v.type_name()
        ),
    };
    let width = int_arg("padLeft", args, 1)?;
    if width < 0 {
        fail!("`padLeft()` needs a total length of zero or more, not {width}");
    }
    let pad = match args.get(2) {
        None | Some(Val::Null) => ' ',
        Some(Val::Str(p)) => {
            let mut cs = p.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) if c.len_utf16() == 1 => c,
                _ => fail!("`padLeft()` pads with a single character, not `{p}`"),
            }
        }
        Some(v) => fail!(
            "argument 3 of `padLeft()` must be a single character, not {}",
            v.type_name()
        ),
    };
    let len = utf16_len(&value);
    let width = usize::try_from(width).unwrap_or(usize::MAX);
    if width <= len {
        return Ok(Val::str(value));
    }
    if width > MAX_STRING {
        fail!("`padLeft()` would build a string longer than {MAX_STRING} characters");
    }
    let mut out = String::with_capacity(width - len + value.len());
    out.extend(std::iter::repeat_n(pad, width - len));
    out.push_str(&value);
    Ok(Val::str(out))
}

fn replace(args: &[Val]) -> EvalResult {
    arity("replace", args, 3, 3)?;
    let original = match &args[0] {
        Val::Null => return Ok(Val::Null),
        _ => str_arg("replace", args, 0)?,
    };
    let old = text_arg("replace", args, 1)?;
    let new = text_arg("replace", args, 2)?;
    if old.is_empty() {
        fail!("`replace()` cannot replace an empty string");
    }
    if original.is_empty() {
        return Ok(Val::str(""));
    }
    let (old_chars, new_chars) = (old.chars().count(), new.chars().count());
    if new_chars > old_chars {
        // Measure before building: the result could be far larger than the input.
        let hits = original.matches(old).count();
        let grown = original
            .chars()
            .count()
            .saturating_add(hits.saturating_mul(new_chars - old_chars));
        if grown > MAX_STRING {
            fail!("`replace()` would build a string longer than {MAX_STRING} characters");
        }
    }
    Ok(Val::str(original.replace(old, new)))
}

fn skip(args: &[Val]) -> EvalResult {
    arity("skip", args, 2, 2)?;
    let n = int32_arg("skip", args, 1)?.max(0) as usize;
    match &args[0] {
        Val::Null => Ok(Val::Null),
        Val::Array(a) => Ok(Val::array(a.iter().skip(n).cloned().collect())),
        Val::Str(s) => {
            let len = utf16_len(s);
            Ok(Val::str(if n >= len {
                String::new()
            } else {
                utf16_slice(s, n, len - n)
            }))
        }
        v => fail!(
            "argument 1 of `skip()` must be an array or a string, not {}",
            v.type_name()
        ),
    }
}

fn take(args: &[Val]) -> EvalResult {
    arity("take", args, 2, 2)?;
    let n = int32_arg("take", args, 1)?.max(0) as usize;
    match &args[0] {
        Val::Null => Ok(Val::Null),
        Val::Array(a) => Ok(Val::array(a.iter().take(n).cloned().collect())),
        Val::Str(s) => {
            let len = utf16_len(s);
            Ok(Val::str(utf16_slice(s, 0, n.min(len))))
        }
        v => fail!(
            "argument 1 of `take()` must be an array or a string, not {}",
            v.type_name()
        ),
    }
}

fn split(args: &[Val]) -> EvalResult {
    arity("split", args, 2, 2)?;
    let input = match &args[0] {
        Val::Null => return Ok(Val::array(Vec::new())),
        _ => str_arg("split", args, 0)?,
    };
    let delimiters: Vec<&str> = match &args[1] {
        Val::Null => return Ok(Val::array(vec![Val::str(input)])),
        Val::Str(d) => vec![&**d],
        Val::Array(a) => {
            if let Some(u) = unknown_in(a) {
                return Ok(u);
            }
            let mut ds = Vec::with_capacity(a.len());
            for (i, d) in a.iter().enumerate() {
                match d {
                    Val::Str(s) => ds.push(&**s),
                    Val::Null => {}
                    v => fail!(
                        "`split()` splits on strings: element {i} of the delimiters is {}",
                        v.type_name()
                    ),
                }
            }
            ds
        }
        v => fail!(
            "argument 2 of `split()` must be a string or an array of strings, not {}",
            v.type_name()
        ),
    };
    Ok(Val::array(
        split_like_dotnet(input, &delimiters)
            .into_iter()
            .map(Val::str)
            .collect(),
    ))
}

/// .NET's `String.Split(string[], StringSplitOptions.None)`: at each position the first
/// delimiter (in the given order) that matches wins; empty delimiters are ignored, and with no
/// non-empty delimiter the string splits on white space.
fn split_like_dotnet<'a>(input: &'a str, delimiters: &[&str]) -> Vec<&'a str> {
    let seps: Vec<&str> = delimiters
        .iter()
        .copied()
        .filter(|d| !d.is_empty())
        .collect();
    if seps.is_empty() {
        return input.split(char::is_whitespace).collect();
    }
    if let [one] = seps.as_slice() {
        return input.split(one).collect();
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let bytes = input.as_bytes();
    while i < input.len() {
        if !input.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let hit = seps
            .iter()
            .find(|s| bytes[i] == s.as_bytes()[0] && input[i..].starts_with(**s));
        match hit {
            Some(s) => {
                out.push(&input[start..i]);
                i += s.len();
                start = i;
            }
            None => i += 1,
        }
    }
    out.push(&input[start..]);
    out
}

fn string(args: &[Val]) -> EvalResult {
    arity("string", args, 1, 1)?;
    let v = &args[0];
    if let Some(u) = v.first_unknown() {
        return Ok(u.clone());
    }
    match v {
        Val::Array(_) | Val::Object(_) => Ok(Val::str(v.to_json())),
        Val::Str(_) => Ok(v.clone()),
        v => match scalar_text(v) {
            Some(t) => Ok(Val::str(t)),
            None => fail!("`string()` cannot convert {}", v.type_name()),
        },
    }
}

fn substring(args: &[Val]) -> EvalResult {
    arity("substring", args, 1, 3)?;
    let s = text_arg("substring", args, 0)?;
    let len = utf16_len(s) as i64;
    let start = match args.get(1) {
        Some(_) => int_arg("substring", args, 1)?,
        None => 0,
    };
    if start < 0 {
        fail!("`substring()`: the start index must be zero or more, not {start}");
    }
    if start > len {
        fail!(
            "`substring()`: the start index {start} is beyond the end of the string (length {len})"
        );
    }
    let count = match args.get(2) {
        None | Some(Val::Null) => len - start,
        Some(_) => int_arg("substring", args, 2)?,
    };
    if count < 0 {
        fail!("`substring()`: the length must be zero or more, not {count}");
    }
    if start > len - count {
        fail!(
            "The index and length parameters must refer to a location within the string. \
             The index parameter: '{start}', the length parameter: '{count}', \
             the length of the string parameter: '{len}'."
        );
    }
    Ok(Val::str(utf16_slice(s, start as usize, count as usize)))
}

fn to_lower(args: &[Val]) -> EvalResult {
    arity("toLower", args, 1, 1)?;
    let s = text_arg("toLower", args, 0)?;
    Ok(Val::str(s.chars().map(lower_char).collect::<String>()))
}

fn to_upper(args: &[Val]) -> EvalResult {
    arity("toUpper", args, 1, 1)?;
    let s = text_arg("toUpper", args, 0)?;
    Ok(Val::str(s.chars().map(upper_char).collect::<String>()))
}

fn trim(args: &[Val]) -> EvalResult {
    arity("trim", args, 1, 1)?;
    let s = text_arg("trim", args, 0)?;
    Ok(Val::str(s.trim()))
}

fn uri(args: &[Val]) -> EvalResult {
    arity("uri", args, 2, 2)?;
    let base = str_arg("uri", args, 0)?;
    let relative = text_arg("uri", args, 1)?;
    let out = resolve_uri(base, relative)?;
    check_len("uri", &out)?;
    Ok(Val::str(out))
}

fn uri_component(args: &[Val]) -> EvalResult {
    arity("uriComponent", args, 1, 1)?;
    let s = text_arg("uriComponent", args, 0)?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    check_len("uriComponent", &out)?;
    Ok(Val::str(out))
}

fn uri_component_to_string(args: &[Val]) -> EvalResult {
    arity("uriComponentToString", args, 1, 1)?;
    let s = text_arg("uriComponentToString", args, 0)?;
    Ok(Val::str(unescape_data_string(s)))
}

// ---------------------------------------------------------------------------------------------
// format(): .NET composite formatting
// ---------------------------------------------------------------------------------------------

fn format(args: &[Val]) -> EvalResult {
    arity("format", args, 1, usize::MAX)?;
    let fmt = str_arg("format", args, 0)?;
    let values = &args[1..];
    if let Some(u) = unknown_in(values) {
        return Ok(u);
    }
    match composite_format(fmt, values) {
        Ok(s) => Ok(Val::str(s)),
        Err(e) => Err(EvalError(format!("`format()`: {}", e.0))),
    }
}

/// The largest index and alignment .NET accepts in a format item.
const MAX_ITEM_NUMBER: usize = 1_000_000;

fn bad_format() -> EvalError {
    EvalError("the format string is not in a correct format".into())
}

/// `String.Format(InvariantCulture, fmt, values)` with ARM's argument conversion.
pub fn composite_format(fmt: &str, values: &[Val]) -> Result<String, EvalError> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::with_capacity(fmt.len());
    // Characters written so far, kept to stop before [`MAX_STRING`].
    let mut written = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '{' if chars.get(i + 1) == Some(&'{') => {
                out.push('{');
                written += 1;
                i += 2;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                out.push('}');
                written += 1;
                i += 2;
            }
            '}' => return Err(bad_format()),
            '{' => {
                i += 1;
                let (index, alignment, spec, next) = parse_format_item(&chars, i)?;
                i = next;
                let Some(v) = values.get(index) else {
                    return Err(EvalError(format!(
                        "the format item {{{index}}} refers to argument {} but only {} {} given",
                        index + 1,
                        values.len(),
                        if values.len() == 1 { "was" } else { "were" }
                    )));
                };
                let text = format_value(v, spec.as_deref())?;
                let width = utf16_len(&text);
                let pad = (alignment.unsigned_abs() as usize).saturating_sub(width);
                written += text.chars().count() + pad;
                if written > MAX_STRING {
                    fail!("the result would be longer than {MAX_STRING} characters");
                }
                if alignment > 0 {
                    out.extend(std::iter::repeat_n(' ', pad));
                }
                out.push_str(&text);
                if alignment < 0 {
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            c => {
                out.push(c);
                written += 1;
                i += 1;
            }
        }
    }
    Ok(out)
}

type FormatItem = (usize, i64, Option<String>, usize);

/// Parses `index[,alignment][:format]}` from `i`; returns the parts and the position after `}`.
fn parse_format_item(chars: &[char], mut i: usize) -> Result<FormatItem, EvalError> {
    let digits = |i: &mut usize| -> Option<usize> {
        let start = *i;
        let mut n: usize = 0;
        while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
            n = n.saturating_mul(10).saturating_add(d as usize);
            *i += 1;
        }
        (*i > start).then_some(n)
    };
    let skip_spaces = |i: &mut usize| {
        while chars.get(*i) == Some(&' ') {
            *i += 1;
        }
    };
    let index = digits(&mut i).ok_or_else(bad_format)?;
    if index >= MAX_ITEM_NUMBER {
        return Err(bad_format());
    }
    skip_spaces(&mut i);
    let mut alignment: i64 = 0;
    if chars.get(i) == Some(&',') {
        i += 1;
        skip_spaces(&mut i);
        let negative = chars.get(i) == Some(&'-');
        if negative {
            i += 1;
        }
        let n = digits(&mut i).ok_or_else(bad_format)?;
        if n >= MAX_ITEM_NUMBER {
            return Err(bad_format());
        }
        alignment = if negative { -(n as i64) } else { n as i64 };
        skip_spaces(&mut i);
    }
    let mut spec = None;
    if chars.get(i) == Some(&':') {
        i += 1;
        let mut s = String::new();
        loop {
            match chars.get(i) {
                None | Some('{') => return Err(bad_format()),
                Some('}') => break,
                Some(&c) => s.push(c),
            }
            i += 1;
        }
        spec = Some(s);
    }
    if chars.get(i) != Some(&'}') {
        return Err(bad_format());
    }
    Ok((index, alignment, spec, i + 1))
}

/// One argument as `StringBuilder.AppendFormat` writes it (ARM passes JSON values).
fn format_value(v: &Val, spec: Option<&str>) -> Result<String, EvalError> {
    let spec = spec.filter(|s| !s.is_empty());
    match v {
        Val::Int(i) => match spec {
            None => Ok(i.to_string()),
            Some(f) => format_number(&Num::Int(*i), f),
        },
        Val::Float(x) => format_number(&Num::Float(*x), spec.unwrap_or("G")),
        Val::Array(_) | Val::Object(_) => Ok(v.to_json().replace('"', "'")),
        Val::Lambda(_) | Val::Unknown(_) => fail!("cannot format {}", v.type_name()),
        v => Ok(scalar_text(v).unwrap_or_default()),
    }
}

/// A number to format.
#[derive(Clone, Copy, Debug)]
enum Num {
    Int(i64),
    Float(f64),
}

/// A decimal number: `0.d₁d₂… × 10^scale`, digits without trailing zeros (empty for zero),
/// as .NET's `NumberBuffer` holds it.
#[derive(Clone, Debug)]
struct Dec {
    neg: bool,
    digits: Vec<u8>,
    scale: i32,
}

impl Dec {
    fn from_i64(n: i64) -> Dec {
        let mut digits: Vec<u8> = n
            .unsigned_abs()
            .to_string()
            .bytes()
            .map(|b| b - b'0')
            .collect();
        if n == 0 {
            return Dec {
                neg: false,
                digits: Vec::new(),
                scale: 0,
            };
        }
        let scale = digits.len() as i32;
        while digits.last() == Some(&0) {
            digits.pop();
        }
        Dec {
            neg: n < 0,
            digits,
            scale,
        }
    }

    /// The exact value of a finite double (up to 767 significant digits).
    fn from_f64_exact(x: f64) -> Dec {
        Dec::from_sci(x, &format!("{:.767e}", x.abs()))
    }

    /// The shortest digits that read back as the same double.
    fn from_f64_shortest(x: f64) -> Dec {
        Dec::from_sci(x, &format!("{:e}", x.abs()))
    }

    fn from_sci(x: f64, text: &str) -> Dec {
        let neg = x.is_sign_negative();
        if x == 0.0 {
            return Dec {
                neg,
                digits: Vec::new(),
                scale: 0,
            };
        }
        let (mantissa, exp) = text.split_once('e').unwrap_or((text, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let mut digits: Vec<u8> = mantissa
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        while digits.last() == Some(&0) {
            digits.pop();
        }
        Dec {
            neg,
            digits,
            scale: exp + 1,
        }
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Keeps `pos` significant digits, rounding half away from zero (.NET's `RoundNumber`).
    fn round(&mut self, pos: i32) {
        if pos < 0 {
            self.digits.clear();
            self.scale = 0;
            return;
        }
        let p = pos as usize;
        if p >= self.digits.len() {
            return;
        }
        let up = self.digits[p] >= 5;
        self.digits.truncate(p);
        if up {
            loop {
                match self.digits.last_mut() {
                    Some(9) => {
                        self.digits.pop();
                    }
                    Some(d) => {
                        *d += 1;
                        break;
                    }
                    None => {
                        self.digits.push(1);
                        self.scale += 1;
                        break;
                    }
                }
            }
        }
        while self.digits.last() == Some(&0) {
            self.digits.pop();
        }
        if self.digits.is_empty() {
            self.scale = 0;
        }
    }

    /// The digit at position `i` from the decimal point's left end (`scale` is the point).
    fn digit(&self, i: i32) -> u8 {
        if i < 0 {
            return 0;
        }
        self.digits.get(i as usize).copied().unwrap_or(0)
    }

    /// The integer part's digits ("0" when there are none).
    fn int_digits(&self) -> String {
        if self.scale <= 0 {
            return "0".into();
        }
        (0..self.scale)
            .map(|i| char::from(b'0' + self.digit(i)))
            .collect()
    }

    /// `n` digits after the point.
    fn frac_digits(&self, n: usize) -> String {
        (0..n as i32)
            .map(|i| char::from(b'0' + self.digit(self.scale + i)))
            .collect()
    }
}

/// Inserts `,` every three digits.
fn group(int_digits: &str) -> String {
    let n = int_digits.len();
    let mut out = String::with_capacity(n + n / 3);
    for (i, c) in int_digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `x.ToString()` for a double in .NET Core: the shortest round-trip digits, in scientific
/// notation from 1E+15 up and below 1E-05.
fn double_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let d = Dec::from_f64_shortest(x);
    general(&d, d.digits.len().max(15) as i32, 'E', 2)
}

/// .NET's general format of an already rounded number: fixed notation unless the exponent is
/// at least `precision` or below -4; `exp_digits` is the exponent's minimum width.
fn general(d: &Dec, precision: i32, e: char, exp_digits: usize) -> String {
    let sign = if d.neg { "-" } else { "" };
    if d.is_zero() {
        return format!("{sign}0");
    }
    let exponent = d.scale - 1;
    let mut out = String::from(sign);
    if exponent >= precision || exponent < -4 {
        out.push(char::from(b'0' + d.digits[0]));
        if d.digits.len() > 1 {
            out.push('.');
            out.extend(d.digits[1..].iter().map(|&b| char::from(b'0' + b)));
        }
        out.push(e);
        out.push(if exponent < 0 { '-' } else { '+' });
        let _ = write!(out, "{:0w$}", exponent.unsigned_abs(), w = exp_digits);
    } else if d.scale <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-d.scale) as usize));
        out.extend(d.digits.iter().map(|&b| char::from(b'0' + b)));
    } else {
        out.push_str(&d.int_digits());
        if d.digits.len() > d.scale as usize {
            out.push('.');
            out.extend(
                d.digits[d.scale as usize..]
                    .iter()
                    .map(|&b| char::from(b'0' + b)),
            );
        }
    }
    out
}

/// `value.ToString(spec, CultureInfo.InvariantCulture)` for an `Int64` or a `Double`.
fn format_number(n: &Num, spec: &str) -> Result<String, EvalError> {
    if let Num::Float(x) = n {
        if x.is_nan() {
            return Ok("NaN".into());
        }
        if x.is_infinite() {
            return Ok(if *x > 0.0 { "Infinity" } else { "-Infinity" }.into());
        }
    }
    let mut cs = spec.chars();
    let letter = cs.next().unwrap_or('G');
    let rest: &str = cs.as_str();
    let standard =
        letter.is_ascii_alphabetic() && rest.len() <= 9 && rest.bytes().all(|b| b.is_ascii_digit());
    if !standard {
        return format_custom(n, spec);
    }
    let precision: Option<usize> = if rest.is_empty() {
        None
    } else {
        rest.parse().ok()
    };
    if precision.is_some_and(|p| p > MAX_STRING) {
        fail!("the precision of `{spec}` is too large");
    }
    let invalid = || EvalError(format!("the format specifier `{spec}` is not valid"));
    let exact = |n: &Num| match n {
        Num::Int(i) => Dec::from_i64(*i),
        Num::Float(x) => Dec::from_f64_exact(*x),
    };
    let fixed = |d: &mut Dec, decimals: usize, grouped: bool| -> String {
        d.round(d.scale.saturating_add(decimals as i32));
        let int = d.int_digits();
        let mut s = if grouped { group(&int) } else { int };
        if decimals > 0 {
            s.push('.');
            s.push_str(&d.frac_digits(decimals));
        }
        s
    };
    let is_float = matches!(n, Num::Float(_));
    // Integers lose the sign when they round to zero; doubles keep it (.NET Core).
    let negative = |d: &Dec| d.neg && (is_float || !d.is_zero());
    let out = match letter {
        'D' | 'd' => {
            let Num::Int(i) = n else {
                return Err(invalid());
            };
            let digits = i.unsigned_abs().to_string();
            let width = precision.unwrap_or(0);
            let mut s = String::from(if *i < 0 { "-" } else { "" });
            s.extend(std::iter::repeat_n('0', width.saturating_sub(digits.len())));
            s.push_str(&digits);
            s
        }
        'X' | 'x' => {
            let Num::Int(i) = n else {
                return Err(invalid());
            };
            let hex = if letter == 'X' {
                format!("{:X}", *i as u64)
            } else {
                format!("{:x}", *i as u64)
            };
            let width = precision.unwrap_or(0);
            let mut s: String = std::iter::repeat_n('0', width.saturating_sub(hex.len())).collect();
            s.push_str(&hex);
            s
        }
        'F' | 'f' | 'N' | 'n' => {
            let mut d = exact(n);
            let s = fixed(&mut d, precision.unwrap_or(2), matches!(letter, 'N' | 'n'));
            if negative(&d) {
                format!("-{s}")
            } else {
                s
            }
        }
        'P' | 'p' => {
            let mut d = exact(n);
            if !d.is_zero() {
                d.scale += 2;
            }
            let s = fixed(&mut d, precision.unwrap_or(2), true);
            if negative(&d) {
                format!("-{s} %")
            } else {
                format!("{s} %")
            }
        }
        'C' | 'c' => {
            let mut d = exact(n);
            let s = fixed(&mut d, precision.unwrap_or(2), true);
            if negative(&d) {
                format!("(\u{a4}{s})")
            } else {
                format!("\u{a4}{s}")
            }
        }
        'E' | 'e' => {
            let p = precision.unwrap_or(6);
            let mut d = exact(n);
            d.round(p as i32 + 1);
            let exponent = if d.is_zero() { 0 } else { d.scale - 1 };
            let mut s = String::from(if negative(&d) { "-" } else { "" });
            s.push(char::from(b'0' + d.digit(0)));
            if p > 0 {
                s.push('.');
                s.extend((1..=p as i32).map(|i| char::from(b'0' + d.digit(i))));
            }
            s.push(letter);
            s.push(if exponent < 0 { '-' } else { '+' });
            let _ = write!(s, "{:03}", exponent.unsigned_abs());
            s
        }
        'G' | 'g' | 'R' | 'r' => {
            let e = if matches!(letter, 'g' | 'r') {
                'e'
            } else {
                'E'
            };
            let p = if matches!(letter, 'R' | 'r') {
                0
            } else {
                precision.unwrap_or(0)
            };
            match n {
                Num::Int(i) => {
                    let mut d = Dec::from_i64(*i);
                    if p == 0 || p >= d.scale.max(1) as usize {
                        i.to_string()
                    } else {
                        d.round(p as i32);
                        general(&d, p as i32, e, 2)
                    }
                }
                Num::Float(x) => {
                    if p == 0 {
                        let d = Dec::from_f64_shortest(*x);
                        general(&d, d.digits.len().max(15) as i32, e, 2)
                    } else {
                        let mut d = Dec::from_f64_exact(*x);
                        d.round(p as i32);
                        general(&d, p as i32, e, 2)
                    }
                }
            }
        }
        _ => return Err(invalid()),
    };
    if out.len() > MAX_STRING {
        fail!("the result would be longer than {MAX_STRING} characters");
    }
    Ok(out)
}

/// A piece of a custom numeric format section.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Digit { zero: bool },
    Point,
    Comma,
    Percent,
    Permille,
    Exp { upper: bool, plus: bool, min: usize },
    Lit(String),
}

/// Splits a custom format into its (at most three) `;` sections, each tokenised.
fn custom_sections(spec: &str) -> Vec<Vec<Tok>> {
    let chars: Vec<char> = spec.chars().collect();
    let mut sections = vec![Vec::new()];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let Some(cur) = sections.last_mut() else {
            break;
        };
        match c {
            ';' => {
                if sections.len() == 3 {
                    break;
                }
                sections.push(Vec::new());
            }
            '0' => cur.push(Tok::Digit { zero: true }),
            '#' => cur.push(Tok::Digit { zero: false }),
            '.' => cur.push(Tok::Point),
            ',' => cur.push(Tok::Comma),
            '%' => cur.push(Tok::Percent),
            '\u{2030}' => cur.push(Tok::Permille),
            'E' | 'e' => {
                let mut j = i + 1;
                let sign = chars.get(j).copied().filter(|s| *s == '+' || *s == '-');
                if sign.is_some() {
                    j += 1;
                }
                let zeros = chars[j.min(chars.len())..]
                    .iter()
                    .take_while(|&&z| z == '0')
                    .count();
                if zeros > 0 {
                    cur.push(Tok::Exp {
                        upper: c == 'E',
                        plus: sign == Some('+'),
                        min: zeros,
                    });
                    i = j + zeros;
                    continue;
                }
                cur.push(Tok::Lit(c.to_string()));
            }
            '\\' => {
                if let Some(&n) = chars.get(i + 1) {
                    cur.push(Tok::Lit(n.to_string()));
                    i += 1;
                }
            }
            '\'' | '"' => {
                let mut s = String::new();
                i += 1;
                while i < chars.len() && chars[i] != c {
                    s.push(chars[i]);
                    i += 1;
                }
                cur.push(Tok::Lit(s));
            }
            c => cur.push(Tok::Lit(c.to_string())),
        }
        i += 1;
    }
    sections
}

/// What a custom section asks for.
struct Layout {
    int_ph: usize,
    min_int: usize,
    dec_ph: usize,
    min_dec: usize,
    grouping: bool,
    scale_shift: i32,
    exp: bool,
    /// Token ranges: integer digits before `int_end`, the point at `point`, fraction digits in
    /// `frac`, the exponent at `exp_at`. Tokens elsewhere that would be digits are ignored.
    int_end: usize,
    point: Option<usize>,
    frac: std::ops::Range<usize>,
    exp_at: usize,
}

fn layout(section: &[Tok]) -> Layout {
    let point = section.iter().position(|t| *t == Tok::Point);
    let exp_at = section
        .iter()
        .position(|t| matches!(t, Tok::Exp { .. }))
        .unwrap_or(section.len());
    let int_end = point.unwrap_or(exp_at).min(exp_at);
    let int_part = &section[..int_end];
    let frac = match point {
        Some(p) if p < exp_at => p + 1..exp_at,
        _ => 0..0,
    };
    let frac_part = &section[frac.clone()];
    let int_digits: Vec<bool> = int_part
        .iter()
        .filter_map(|t| match t {
            Tok::Digit { zero } => Some(*zero),
            _ => None,
        })
        .collect();
    let int_ph = int_digits.len();
    let min_int = int_digits
        .iter()
        .position(|z| *z)
        .map_or(0, |first| int_ph - first);
    let frac_digits: Vec<bool> = frac_part
        .iter()
        .filter_map(|t| match t {
            Tok::Digit { zero } => Some(*zero),
            _ => None,
        })
        .collect();
    let dec_ph = frac_digits.len();
    let min_dec = frac_digits
        .iter()
        .rposition(|z| *z)
        .map_or(0, |last| last + 1);
    // A comma between two integer placeholders groups; commas right after the last integer
    // placeholder (before the point or the end) divide by 1000 each.
    let mut grouping = false;
    let mut seen_digit = false;
    let mut trailing_commas = 0;
    for t in int_part {
        match t {
            Tok::Digit { .. } => {
                if trailing_commas > 0 && seen_digit {
                    grouping = true;
                }
                trailing_commas = 0;
                seen_digit = true;
            }
            Tok::Comma if seen_digit => trailing_commas += 1,
            _ => {}
        }
    }
    let mut scale_shift = -3 * trailing_commas;
    for t in section {
        match t {
            Tok::Percent => scale_shift += 2,
            Tok::Permille => scale_shift += 3,
            _ => {}
        }
    }
    Layout {
        int_ph,
        min_int,
        dec_ph,
        min_dec,
        grouping,
        scale_shift,
        exp: exp_at < section.len(),
        int_end,
        point: point.filter(|p| *p < exp_at),
        frac,
        exp_at,
    }
}

/// .NET custom numeric format strings (`000`, `#,##0.00`, `0.0%`, `0.00E+00`, `;` sections,
/// quoted literals and `\` escapes).
fn format_custom(n: &Num, spec: &str) -> Result<String, EvalError> {
    let sections = custom_sections(spec);
    let value = match n {
        Num::Int(i) => Dec::from_i64(*i),
        Num::Float(x) => Dec::from_f64_exact(*x),
    };
    let negative = value.neg && !value.is_zero();
    // The section: negative numbers use the second if there is one (and write no sign);
    // zero uses the third.
    let mut index = 0;
    if negative && sections.len() >= 2 && !sections[1].is_empty() {
        index = 1;
    }
    let (mut d, mut l) = render_value(&value, &sections[index]);
    if d.is_zero() && sections.len() >= 3 && !sections[2].is_empty() {
        index = 2;
        (d, l) = render_value(&value, &sections[2]);
    }
    let section = &sections[index];
    if l.dec_ph > MAX_STRING || l.int_ph > MAX_STRING {
        fail!("the format `{spec}` is too long");
    }
    let exponent = if l.exp && !d.is_zero() {
        let e = d.scale - l.int_ph as i32;
        d.scale = l.int_ph as i32;
        e
    } else {
        if l.exp {
            d.scale = l.int_ph as i32;
        }
        0
    };
    // The integer digits, at least `min_int` of them.
    let mut int_digits: Vec<u8> = if d.scale > 0 {
        (0..d.scale).map(|i| d.digit(i)).collect()
    } else {
        Vec::new()
    };
    if int_digits.len() > MAX_STRING {
        fail!("the result would be longer than {MAX_STRING} characters");
    }
    while int_digits.len() < l.min_int {
        int_digits.insert(0, 0);
    }
    let mut frac: Vec<u8> = (0..l.dec_ph as i32).map(|i| d.digit(d.scale + i)).collect();
    while frac.len() > l.min_dec && frac.last() == Some(&0) {
        frac.pop();
    }
    let mut out = String::new();
    // One section: the sign is written first (not for what rounds to zero).
    if index == 0 && negative && !d.is_zero() {
        out.push('-');
    }
    let total = int_digits.len();
    let mut int_seen = 0;
    let mut frac_seen = 0;
    let push_int_digit = |out: &mut String, pos: usize| {
        // `pos` counts from the right, starting at 1.
        out.push(char::from(b'0' + int_digits[total - pos]));
        if l.grouping && pos > 1 && (pos - 1).is_multiple_of(3) {
            out.push(',');
        }
    };
    for (idx, t) in section.iter().enumerate() {
        match t {
            Tok::Digit { .. } if idx < l.int_end => {
                let pos = l.int_ph - int_seen;
                if int_seen == 0 && total > l.int_ph {
                    for p in (l.int_ph + 1..=total).rev() {
                        push_int_digit(&mut out, p);
                    }
                }
                if pos <= total {
                    push_int_digit(&mut out, pos);
                }
                int_seen += 1;
            }
            Tok::Digit { .. } if l.frac.contains(&idx) => {
                if let Some(&f) = frac.get(frac_seen) {
                    out.push(char::from(b'0' + f));
                }
                frac_seen += 1;
            }
            Tok::Digit { .. } => {}
            Tok::Point if l.point == Some(idx) => {
                if l.int_ph == 0 && total > 0 {
                    for p in (1..=total).rev() {
                        push_int_digit(&mut out, p);
                    }
                }
                if !frac.is_empty() {
                    out.push('.');
                }
            }
            Tok::Point => {}
            Tok::Comma => {}
            Tok::Percent => out.push('%'),
            Tok::Permille => out.push('\u{2030}'),
            Tok::Exp { upper, plus, min } if idx == l.exp_at => {
                out.push(if *upper { 'E' } else { 'e' });
                if exponent < 0 {
                    out.push('-');
                } else if *plus {
                    out.push('+');
                }
                let _ = write!(out, "{:0w$}", exponent.unsigned_abs(), w = *min);
            }
            Tok::Exp { .. } => {}
            Tok::Lit(s) => out.push_str(s),
        }
        if out.len() > MAX_STRING {
            fail!("the result would be longer than {MAX_STRING} characters");
        }
    }
    Ok(out)
}

/// The value scaled and rounded as `section` asks, and the section's layout.
fn render_value(value: &Dec, section: &[Tok]) -> (Dec, Layout) {
    let l = layout(section);
    let mut d = value.clone();
    if !d.is_zero() {
        d.scale += l.scale_shift;
    }
    if l.exp {
        if !d.is_zero() {
            d.round((l.int_ph + l.dec_ph).max(1) as i32);
        }
    } else {
        d.round(d.scale.saturating_add(l.dec_ph as i32));
    }
    (d, l)
}

// ---------------------------------------------------------------------------------------------
// base64, as .NET's Convert
// ---------------------------------------------------------------------------------------------

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `Convert.FromBase64String`: white space ignored, length a multiple of 4, at most two `=`
/// at the end. `None` when invalid.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let chars: Vec<u8> = s
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .collect();
    if !chars.len().is_multiple_of(4) {
        return None;
    }
    let pad = chars.iter().rev().take_while(|&&b| b == b'=').count();
    if pad > 2 {
        return None;
    }
    let body = &chars[..chars.len() - pad];
    let mut out = Vec::with_capacity(chars.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in body {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// URIs
// ---------------------------------------------------------------------------------------------

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `%XX` decoding to bytes (and `+` to a space when `plus` is set, as `HttpUtility.UrlDecode`);
/// malformed escapes stay as they are.
fn url_decode_bytes(s: &str, plus: bool) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// `Uri.UnescapeDataString`: `%XX` sequences that form UTF-8 are decoded; the rest stays.
fn unescape_data_string(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            let next = s[i..].find('%').map_or(s.len(), |k| i + k);
            out.push_str(&s[i..next]);
            i = next;
            continue;
        }
        // A run of escapes.
        let start = i;
        let mut bytes = Vec::new();
        while i + 2 < b.len() && b[i] == b'%' {
            match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    bytes.push(h << 4 | l);
                    i += 3;
                }
                _ => break,
            }
        }
        if bytes.is_empty() {
            out.push('%');
            i = start + 1;
            continue;
        }
        // Decode what is valid UTF-8; keep the escapes of invalid bytes.
        let mut rest = &bytes[..];
        let mut pos = start;
        while !rest.is_empty() {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    out.push_str(text);
                    break;
                }
                Err(e) => {
                    let good = e.valid_up_to();
                    if let Ok(text) = std::str::from_utf8(&rest[..good]) {
                        out.push_str(text);
                    }
                    let bad = e.error_len().unwrap_or(rest.len() - good);
                    let from = pos + 3 * good;
                    out.push_str(&s[from..from + 3 * bad]);
                    pos = from + 3 * bad;
                    rest = &rest[good + bad..];
                }
            }
        }
    }
    out
}

/// The parts of a URI reference (RFC 3986 appendix B).
struct UriParts<'a> {
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

fn split_uri(s: &str) -> UriParts<'_> {
    let (rest, fragment) = match s.find('#') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (rest, query) = match rest.find('?') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (scheme, rest) = match rest.find(':') {
        Some(i)
            if i > 0
                && !rest[..i].contains('/')
                && rest.as_bytes()[0].is_ascii_alphabetic()
                && rest[..i]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) =>
        {
            (Some(&rest[..i]), &rest[i + 1..])
        }
        _ => (None, rest),
    };
    let (authority, path) = match rest.strip_prefix("//") {
        Some(r) => {
            let end = r.find('/').unwrap_or(r.len());
            (Some(&r[..end]), &r[end..])
        }
        None => (None, rest),
    };
    UriParts {
        scheme,
        authority,
        path,
        query,
        fragment,
    }
}

/// RFC 3986 §5.2.4.
fn remove_dot_segments(path: &str) -> String {
    let mut input = path.to_string();
    let mut out = String::new();
    while !input.is_empty() {
        if let Some(r) = input.strip_prefix("../") {
            input = r.to_string();
        } else if let Some(r) = input.strip_prefix("./") {
            input = r.to_string();
        } else if input.starts_with("/./") {
            input = input[2..].to_string();
        } else if input == "/." {
            input = "/".into();
        } else if input.starts_with("/../") || input == "/.." {
            input = if input == "/.." {
                "/".into()
            } else {
                input[3..].to_string()
            };
            match out.rfind('/') {
                Some(i) => out.truncate(i),
                None => out.clear(),
            }
        } else if input == "." || input == ".." {
            input.clear();
        } else {
            let start = usize::from(input.starts_with('/'));
            let end = input[start..].find('/').map_or(input.len(), |i| i + start);
            out.push_str(&input[..end]);
            input = input[end..].to_string();
        }
    }
    out
}

/// Escapes what `Uri.AbsoluteUri` escapes: spaces, controls, non-ASCII and the characters
/// RFC 3986 does not allow; existing `%XX` stay.
fn escape_uri_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() && !c.is_ascii_control() && !" \"<>\\^`{|}".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// `uri(base, relative)`: RFC 3986 §5 resolution, with ARM's rule that a trailing `/` on the
/// base and a leading `/` on the relative part combine into one; written as .NET's
/// `Uri.AbsoluteUri` writes it (scheme and host in lower case, `/` for an empty path).
fn resolve_uri(base: &str, relative: &str) -> Result<String, EvalError> {
    let b = split_uri(base);
    let invalid = || EvalError(format!("`uri()`: `{base}` is not an absolute URI"));
    let scheme = b.scheme.ok_or_else(invalid)?;
    let scheme_lc = scheme.to_ascii_lowercase();
    if matches!(scheme_lc.as_str(), "http" | "https") && b.authority.is_none_or(str::is_empty) {
        return Err(invalid());
    }
    if base.chars().any(|c| c.is_whitespace()) {
        return Err(invalid());
    }
    let relative = relative.replace('\\', "/");
    let relative = if base.ends_with('/') {
        relative.strip_prefix('/').unwrap_or(&relative).to_string()
    } else {
        relative
    };
    let r = split_uri(&relative);
    let (scheme_out, authority, path, query);
    if let Some(rs) = r.scheme {
        scheme_out = rs.to_ascii_lowercase();
        authority = r.authority;
        path = remove_dot_segments(r.path);
        query = r.query;
    } else {
        scheme_out = scheme_lc;
        if r.authority.is_some() {
            authority = r.authority;
            path = remove_dot_segments(r.path);
            query = r.query;
        } else {
            authority = b.authority;
            if r.path.is_empty() {
                path = b.path.to_string();
                query = r.query.or(b.query);
            } else {
                if r.path.starts_with('/') {
                    path = remove_dot_segments(r.path);
                } else {
                    let merged = if b.authority.is_some() && b.path.is_empty() {
                        format!("/{}", r.path)
                    } else {
                        match b.path.rfind('/') {
                            Some(i) => format!("{}{}", &b.path[..=i], r.path),
                            None => r.path.to_string(),
                        }
                    };
                    path = remove_dot_segments(&merged);
                }
                query = r.query;
            }
        }
    }
    let mut out = format!("{scheme_out}:");
    if let Some(a) = authority {
        out.push_str("//");
        // Lower-case the host, not the user information.
        match a.rfind('@') {
            Some(i) => {
                out.push_str(&a[..=i]);
                out.push_str(&a[i + 1..].to_ascii_lowercase());
            }
            None => out.push_str(&a.to_ascii_lowercase()),
        }
        if path.is_empty() {
            out.push('/');
        }
    }
    out.push_str(&escape_uri_text(&path));
    if let Some(q) = query {
        out.push('?');
        out.push_str(&escape_uri_text(q));
    }
    if let Some(f) = r.fragment {
        out.push('#');
        out.push_str(&escape_uri_text(f));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// JSON as Newtonsoft reads it
// ---------------------------------------------------------------------------------------------

/// Parses JSON as ARM's reader (Json.NET) does: besides strict JSON it takes single-quoted
/// strings, unquoted property names and comments. The text is rewritten to strict JSON and
/// read keeping the order of object members.
pub fn parse_lenient_json(text: &str) -> Result<Val, String> {
    let strict = to_strict_json(text);
    crate::value::parse_json(&strict).map_err(|e| e.0)
}

fn to_strict_json(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' => {
                out.push('"');
                i += 1;
                while i < chars.len() {
                    let d = chars[i];
                    out.push(d);
                    i += 1;
                    if d == '\\' {
                        if let Some(&e) = chars.get(i) {
                            out.push(e);
                            i += 1;
                        }
                    } else if d == '"' {
                        break;
                    }
                }
            }
            '\'' => {
                out.push('"');
                i += 1;
                while i < chars.len() {
                    let d = chars[i];
                    i += 1;
                    match d {
                        '\\' => match chars.get(i) {
                            Some('\'') => {
                                out.push('\'');
                                i += 1;
                            }
                            Some(&e) => {
                                out.push('\\');
                                out.push(e);
                                i += 1;
                            }
                            None => out.push('\\'),
                        },
                        '"' => out.push_str("\\\""),
                        '\'' => break,
                        d => out.push(d),
                    }
                }
                out.push('"');
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
                out.push(' ');
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == '$' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '$')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let mut j = i;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                if chars.get(j) == Some(&':') {
                    out.push('"');
                    out.push_str(&word);
                    out.push('"');
                } else {
                    out.push_str(&word);
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Obj;

    use crate::functions::NoHost;

    /// Calls a function by its reference spelling; the evaluator passes names lower-cased.
    fn ev(name: &str, args: &[Val]) -> EvalResult {
        match call(&name.to_ascii_lowercase(), args, &mut NoHost) {
            Some(r) => r,
            None => panic!("`{name}` is not a string function"),
        }
    }

    fn ok(name: &str, args: &[Val]) -> Val {
        match ev(name, args) {
            Ok(v) => v,
            Err(e) => panic!("{name}({args:?}) failed: {e}"),
        }
    }

    fn s(name: &str, args: &[Val]) -> String {
        match ok(name, args) {
            Val::Str(t) => t.to_string(),
            v => panic!("{name}({args:?}) gave {v:?}, not a string"),
        }
    }

    fn int(name: &str, args: &[Val]) -> i64 {
        match ok(name, args) {
            Val::Int(i) => i,
            v => panic!("{name}({args:?}) gave {v:?}, not an int"),
        }
    }

    fn boolean(name: &str, args: &[Val]) -> bool {
        match ok(name, args) {
            Val::Bool(b) => b,
            v => panic!("{name}({args:?}) gave {v:?}, not a bool"),
        }
    }

    fn err(name: &str, args: &[Val]) -> String {
        match ev(name, args) {
            Err(e) => e.0,
            Ok(v) => panic!("{name}({args:?}) gave {v:?}, not an error"),
        }
    }

    fn st(t: &str) -> Val {
        Val::str(t)
    }

    fn arr(items: &[&str]) -> Val {
        Val::array(items.iter().map(|t| Val::str(*t)).collect())
    }

    fn obj(members: &[(&str, Val)]) -> Val {
        let mut o = Obj::new();
        for (k, v) in members {
            o.insert(*k, v.clone());
        }
        Val::object(o)
    }

    fn unknown() -> Val {
        Val::unknown("only known after deployment", "reference('x').y")
    }

    fn json(v: &Val) -> String {
        v.to_json()
    }

    fn fmt(f: &str, args: &[Val]) -> String {
        let mut all = vec![st(f)];
        all.extend_from_slice(args);
        s("format", &all)
    }

    #[test]
    fn other_names_are_not_ours() {
        assert!(call("json", &[st("{}")], &mut NoHost).is_none());
        assert!(call("newguid", &[], &mut NoHost).is_none());
        assert!(call("createarray", &[], &mut NoHost).is_none());
    }

    // --- base64, base64ToString, base64ToJson (reference example: base64.json) ---

    #[test]
    fn base64_family() {
        assert_eq!(
            s("base64", &[st("one, two, three")]),
            "b25lLCB0d28sIHRocmVl"
        );
        assert_eq!(
            s("base64ToString", &[st("b25lLCB0d28sIHRocmVl")]),
            "one, two, three"
        );
        let encoded = s("base64", &[st("{'one': 'a', 'two': 'b'}")]);
        assert_eq!(encoded, "eydvbmUnOiAnYScsICd0d28nOiAnYid9");
        let v = ok("base64ToJson", &[st(&encoded)]);
        assert_eq!(json(&v), r#"{"one":"a","two":"b"}"#);
        assert_eq!(s("base64", &[st("")]), "");
        assert_eq!(s("base64", &[st("a")]), "YQ==");
        assert_eq!(s("base64", &[st("ab")]), "YWI=");
        assert_eq!(s("base64", &[st("é")]), "w6k=");
        assert_eq!(s("base64ToString", &[st("w6k=")]), "é");
        assert_eq!(s("base64ToString", &[st(" YW\nI= ")]), "ab");
        assert!(err("base64ToString", &[st("YWI")]).contains("base64"));
        assert!(err("base64ToString", &[st("Y!I=")]).contains("base64"));
        assert!(err("base64ToString", &[st("Y===")]).contains("base64"));
        assert!(err("base64", &[Val::Int(1)]).contains("string"));
        assert!(err("base64", &[]).contains("1 argument"));
        // Json.NET's leniency: comments and unquoted names.
        let lenient = s(
            "base64",
            &[st("{a: [1, 'x\"y'], /* c */ \"b\": true} // end")],
        );
        let v = ok("base64ToJson", &[st(&lenient)]);
        assert_eq!(json(&v), r#"{"a":[1,"x\"y"],"b":true}"#);
        let not_json = s("base64", &[st("{oops")]);
        assert!(err("base64ToJson", &[st(&not_json)]).contains("JSON"));
    }

    // --- concat (reference examples: concat-string.json, concat-array.json) ---

    #[test]
    fn concat_strings_and_arrays() {
        let rg = "/subscriptions/x/resourceGroups/y";
        let expected = format!("prefix-{}", hash::unique_string(&[rg]));
        let u = ok("uniqueString", &[st(rg)]);
        assert_eq!(s("concat", &[st("prefix"), st("-"), u]), expected);
        let v = ok(
            "concat",
            &[arr(&["1-1", "1-2", "1-3"]), arr(&["2-1", "2-2", "2-3"])],
        );
        assert_eq!(json(&v), r#"["1-1","1-2","1-3","2-1","2-2","2-3"]"#);
        assert_eq!(
            s(
                "concat",
                &[st("a"), Val::Int(1), Val::Bool(true), Val::Null]
            ),
            "a1True"
        );
        assert_eq!(s("concat", &[Val::Bool(false)]), "False");
        assert_eq!(s("concat", &[st("x"), Val::Float(1.5)]), "x1.5");
        assert!(err("concat", &[arr(&["a"]), st("b")]).contains("all arrays"));
        assert!(err("concat", &[st("a"), obj(&[])]).contains("object"));
        assert!(err("concat", &[]).contains("at least 1"));
        // Unknown elements travel inside the concatenated array.
        let v = ok("concat", &[Val::array(vec![unknown()]), arr(&["b"])]);
        assert!(v.as_array().is_some_and(|a| a[0].is_unknown()));
    }

    // --- contains (reference example: contains.json) ---

    #[test]
    fn contains_string_object_array() {
        let o = obj(&[("one", st("a")), ("two", st("b")), ("three", st("c"))]);
        let a = arr(&["one", "two", "three"]);
        assert!(boolean("contains", &[st("OneTwoThree"), st("e")]));
        assert!(!boolean("contains", &[st("OneTwoThree"), st("z")]));
        assert!(boolean("contains", &[o.clone(), st("one")]));
        assert!(!boolean("contains", &[o.clone(), st("a")]));
        assert!(boolean("contains", &[a.clone(), st("three")]));
        assert!(!boolean("contains", &[a.clone(), st("four")]));
        // Strings and array elements compare case-sensitively; object keys do not.
        assert!(!boolean("contains", &[st("OneTwoThree"), st("one")]));
        assert!(!boolean("contains", &[a.clone(), st("Two")]));
        assert!(boolean("contains", &[o, st("TWO")]));
        let nums = Val::array(vec![Val::Int(1), Val::Int(2), Val::Int(3)]);
        assert!(boolean("contains", &[nums, Val::Int(3)]));
        let nested = Val::array(vec![arr(&["x"]), obj(&[("k", Val::Int(1))])]);
        assert!(boolean(
            "contains",
            &[nested.clone(), obj(&[("K", Val::Int(1))])]
        ));
        assert!(!boolean("contains", &[nested, arr(&["y"])]));
        assert!(err("contains", &[Val::Int(1), st("a")]).contains("argument 1"));
        assert!(err("contains", &[st("abc"), Val::Int(1)]).contains("substring"));
        // Unknowns: a known match before them decides; otherwise the answer is unknown.
        let mixed = Val::array(vec![Val::Int(1), unknown()]);
        assert!(boolean("contains", &[mixed.clone(), Val::Int(1)]));
        assert!(ok("contains", &[mixed, Val::Int(2)]).is_unknown());
        assert!(ok("contains", &[arr(&["a"]), Val::array(vec![unknown()])]).is_unknown());
    }

    // --- dataUri, dataUriToString (reference example: datauri.json) ---

    #[test]
    fn data_uris() {
        assert_eq!(
            s("dataUri", &[st("Hello")]),
            "data:text/plain;charset=utf8;base64,SGVsbG8="
        );
        assert_eq!(
            s(
                "dataUriToString",
                &[st("data:;base64,SGVsbG8sIFdvcmxkIQ==")]
            ),
            "Hello, World!"
        );
        assert_eq!(
            s(
                "dataUriToString",
                &[st("data:text/plain;charset=utf8;base64,SGVsbG8=")]
            ),
            "Hello"
        );
        assert_eq!(
            s("dataUriToString", &[st("data:,SGVsbG8sIFdvcmxkIQ==")]),
            "SGVsbG8sIFdvcmxkIQ=="
        );
        assert_eq!(
            s(
                "dataUriToString",
                &[st(
                    "data:text/plain;charset=UTF-8;page=21,the%20data:1234,5678"
                )]
            ),
            "the data:1234,5678"
        );
        assert_eq!(
            s("dataUri", &[obj(&[("a", Val::Int(1))])]),
            format!(
                "data:application/json;charset=utf8;base64,{}",
                base64_encode(br#"{"a":1}"#)
            )
        );
        assert!(err("dataUriToString", &[st("SGVsbG8sIFdvcmxkIQ==")]).contains("data URI"));
        assert!(err("dataUriToString", &[st("data:;foo,abc")]).contains("data URI"));
        assert!(err(
            "dataUriToString",
            &[st("data:text/plain;charset=latin1,abc")]
        )
        .contains("charset"));
        assert!(ok("dataUri", &[Val::array(vec![unknown()])]).is_unknown());
    }

    // --- empty (reference example: empty.json) ---

    #[test]
    fn empty_values() {
        assert!(boolean("empty", &[Val::array(vec![])]));
        assert!(boolean("empty", &[obj(&[])]));
        assert!(boolean("empty", &[st("")]));
        assert!(boolean("empty", &[Val::Null]));
        assert!(!boolean("empty", &[st("a")]));
        assert!(!boolean("empty", &[arr(&["a"])]));
        assert!(!boolean("empty", &[obj(&[("a", Val::Null)])]));
        assert!(!boolean("empty", &[Val::array(vec![unknown()])]));
        assert!(err("empty", &[Val::Int(0)]).contains("int"));
    }

    // --- startsWith, endsWith (reference example: startsendswith.json) ---

    #[test]
    fn starts_and_ends_with_ignore_case() {
        assert!(boolean("startsWith", &[st("abcdef"), st("ab")]));
        assert!(boolean("startsWith", &[st("abcdef"), st("A")]));
        assert!(!boolean("startsWith", &[st("abcdef"), st("e")]));
        assert!(boolean("endsWith", &[st("abcdef"), st("ef")]));
        assert!(boolean("endsWith", &[st("abcdef"), st("F")]));
        assert!(!boolean("endsWith", &[st("abcdef"), st("e")]));
        assert!(boolean("startsWith", &[st("abc"), st("")]));
        assert!(!boolean("endsWith", &[st("c"), st("abc")]));
        assert!(boolean("endsWith", &[st("ÉCOLE"), st("école")]));
        assert!(err("startsWith", &[Val::Int(1), st("1")]).contains("string"));
    }

    // --- first, last (reference examples: first.json, last.json) ---

    #[test]
    fn first_and_last() {
        let a = arr(&["one", "two", "three"]);
        assert_eq!(s("first", std::slice::from_ref(&a)), "one");
        assert_eq!(s("first", &[st("One Two Three")]), "O");
        assert_eq!(s("last", &[a]), "three");
        assert_eq!(s("last", &[st("One Two Three")]), "e");
        assert_eq!(s("first", &[st("")]), "");
        assert_eq!(s("last", &[st("")]), "");
        assert!(matches!(ok("first", &[Val::array(vec![])]), Val::Null));
        assert!(matches!(ok("last", &[Val::array(vec![])]), Val::Null));
        assert!(matches!(ok("first", &[Val::Null]), Val::Null));
        assert!(ok("first", &[Val::array(vec![unknown()])]).is_unknown());
        assert!(err("first", &[Val::Int(1)]).contains("int"));
    }

    // --- format (reference example: format.json) ---

    #[test]
    fn format_reference_example() {
        assert_eq!(
            fmt(
                "{0}, {1}. Formatted number: {2:N0}",
                &[st("Hello"), st("User"), Val::Int(8_175_133)]
            ),
            "Hello, User. Formatted number: 8,175,133"
        );
    }

    #[test]
    fn format_composite_syntax() {
        assert_eq!(fmt("{{{0}}}", &[Val::Int(1)]), "{1}");
        assert_eq!(fmt("[{0,5}]", &[st("ab")]), "[   ab]");
        assert_eq!(fmt("[{0,-5}]", &[st("ab")]), "[ab   ]");
        assert_eq!(fmt("[{0, -6 :N1}]", &[Val::Int(5)]), "[5.0   ]");
        assert_eq!(fmt("[{0,2}]", &[st("abc")]), "[abc]");
        assert_eq!(fmt("{1}{0}{1}", &[st("a"), st("b")]), "bab");
        assert_eq!(
            fmt(
                "{0}|{1}|{2}",
                &[Val::Bool(true), Val::Null, Val::Bool(false)]
            ),
            "True||False"
        );
        assert_eq!(fmt("{0:N2}", &[st("text")]), "text");
        assert_eq!(
            fmt("{0} {1}", &[arr(&["a", "b"]), obj(&[("k", st("v"))])]),
            "['a','b'] {'k':'v'}"
        );
        for bad in ["{0", "{", "}", "{0}}x}", "{a}", "{0,}", "{0:{x}", "{ 0}"] {
            let mut args = vec![st(bad), st("x")];
            args.truncate(2);
            assert!(ev("format", &args).is_err(), "{bad}");
        }
        assert!(err("format", &[st("{1}"), st("x")]).contains("argument 2"));
        assert!(err("format", &[st("{0,1000000}"), st("x")]).contains("format"));
        assert!(ok("format", &[st("{0}"), Val::array(vec![unknown()])]).is_unknown());
    }

    #[test]
    fn format_standard_numeric_integers() {
        let i = |f: &str, n: i64| fmt(&format!("{{0:{f}}}"), &[Val::Int(n)]);
        assert_eq!(i("N", 1234), "1,234.00");
        assert_eq!(i("N2", -1_234_567), "-1,234,567.00");
        assert_eq!(i("n0", 999), "999");
        assert_eq!(i("D", 42), "42");
        assert_eq!(i("D5", 42), "00042");
        assert_eq!(i("D5", -42), "-00042");
        assert_eq!(i("X", 255), "FF");
        assert_eq!(i("x4", 255), "00ff");
        assert_eq!(i("X", -1), "FFFFFFFFFFFFFFFF");
        assert_eq!(i("F", 5), "5.00");
        assert_eq!(i("F3", -5), "-5.000");
        assert_eq!(i("F0", 7), "7");
        assert_eq!(i("P", 1), "100.00 %");
        assert_eq!(i("P0", -2), "-200 %");
        assert_eq!(i("P1", 0), "0.0 %");
        assert_eq!(i("C", 1234), "\u{a4}1,234.00");
        assert_eq!(i("C0", -5), "(\u{a4}5)");
        assert_eq!(i("E", 1234), "1.234000E+003");
        assert_eq!(i("E2", 12345), "1.23E+004");
        assert_eq!(i("e2", 12355), "1.24e+004");
        assert_eq!(i("E0", 0), "0E+000");
        assert_eq!(i("G", 12345), "12345");
        assert_eq!(i("G3", 12345), "1.23E+04");
        assert_eq!(i("G5", 12345), "12345");
        assert_eq!(i("g2", -150), "-1.5e+02");
        assert_eq!(i("R", 7), "7");
        assert!(err("format", &[st("{0:Z}"), Val::Int(1)]).contains("format specifier"));
        assert!(err("format", &[st("{0:N2000000}"), Val::Int(1)]).contains("too large"));
    }

    #[test]
    fn format_standard_numeric_doubles() {
        let f = |spec: &str, x: f64| fmt(&format!("{{0:{spec}}}"), &[Val::Float(x)]);
        assert_eq!(fmt("{0}", &[Val::Float(1.5)]), "1.5");
        assert_eq!(fmt("{0}", &[Val::Float(1e20)]), "1E+20");
        assert_eq!(fmt("{0}", &[Val::Float(0.0001)]), "0.0001");
        assert_eq!(fmt("{0}", &[Val::Float(1e-5)]), "1E-05");
        assert_eq!(f("F2", 0.125), "0.13");
        assert_eq!(f("F1", 2.25), "2.3");
        assert_eq!(f("N3", 1234.5678), "1,234.568");
        assert_eq!(f("P1", 0.1234), "12.3 %");
        assert_eq!(f("E3", 0.000123456), "1.235E-004");
        assert_eq!(f("G3", 0.000123456), "0.000123");
        assert_eq!(f("G2", 1234.0), "1.2E+03");
        assert_eq!(f("R", 0.1), "0.1");
        assert!(err("format", &[st("{0:D}"), Val::Float(1.5)]).contains("format specifier"));
        assert!(err("format", &[st("{0:X}"), Val::Float(1.5)]).contains("format specifier"));
    }

    #[test]
    fn format_custom_numeric() {
        let i = |f: &str, n: i64| fmt(&format!("{{0:{f}}}"), &[Val::Int(n)]);
        let d = |f: &str, x: f64| fmt(&format!("{{0:{f}}}"), &[Val::Float(x)]);
        assert_eq!(i("000", 7), "007");
        assert_eq!(i("000", 12345), "12345");
        assert_eq!(i("000", -7), "-007");
        assert_eq!(i("#,##0.00", 1_234_567), "1,234,567.00");
        assert_eq!(i("#,#", 1_234_567), "1,234,567");
        assert_eq!(i("#", 0), "");
        assert_eq!(i("0", 0), "0");
        assert_eq!(i("#,##0,,", 1_234_567_890), "1,235");
        assert_eq!(i("0.00E+00", 12345), "1.23E+04");
        assert_eq!(i("0.0e0", 12345), "1.2e4");
        assert_eq!(i("00.0E+0", 12345), "12.3E+3");
        assert_eq!(i("0;(0);zero", -5), "(5)");
        assert_eq!(i("0;(0);zero", 0), "zero");
        assert_eq!(i("0;(0);zero", 5), "5");
        assert_eq!(i("'#'0", 5), "#5");
        assert_eq!(i("\\#0", 5), "#5");
        assert_eq!(i("(###) ###-####", 1_234_567_890), "(123) 456-7890");
        assert_eq!(i("0%", 5), "500%");
        assert_eq!(i("abc", 5), "abc");
        assert_eq!(d("0.0", 1.25), "1.3");
        assert_eq!(d("0.##", 1.0), "1");
        assert_eq!(d("0.##", 1.5), "1.5");
        assert_eq!(d("#0.0#", 1.23456), "1.23");
        assert_eq!(d(".00", 0.5), ".50");
        assert_eq!(d(".00", 12.5), "12.50");
        assert_eq!(d("0%", 0.5), "50%");
        assert_eq!(d("0.0\u{2030}", 0.0125), "12.5\u{2030}");
    }

    // --- guid ---

    #[test]
    fn guid_values() {
        // Microsoft's reference: namespace 11fb06fb-712d-4ddd-98c7-e71bbd588830, version 5,
        // arguments joined with '-'. Expected values computed independently with Python's
        // uuid.uuid5 (no deployment-recorded guid() output was found to test against).
        assert_eq!(
            s("guid", &[st("abc")]),
            "a9b46cc2-65a6-5559-9f14-7091827ab32f"
        );
        assert_eq!(
            s("guid", &[st("a"), st("b"), st("c")]),
            "a98fa280-e03f-5afa-8d8e-92d0a9c201e8"
        );
        assert_eq!(
            s("guid", &[st("myResourceGroup"), st("myStorageAccount")]),
            "e0cfb82a-5956-5530-8cd3-4f72d9184156"
        );
        assert_eq!(
            s(
                "guid",
                &[st("/subscriptions/00000000-0000-0000-0000-000000000000")]
            ),
            "b6af2640-793e-5e23-87ed-3a1ed155add8"
        );
        assert_eq!(
            s("guid", &[st("é")]),
            "00e3d13f-31a7-5e5b-ac3b-5598870502dd"
        );
        assert!(err("guid", &[]).contains("at least 1"));
        assert!(err("guid", &[st("a"), Val::Int(1)]).contains("string"));
    }

    // --- indexOf, lastIndexOf (reference example: indexof.json) ---

    #[test]
    fn index_of_and_last_index_of() {
        assert_eq!(int("indexOf", &[st("test"), st("t")]), 0);
        assert_eq!(int("lastIndexOf", &[st("test"), st("t")]), 3);
        assert_eq!(int("indexOf", &[st("abcdef"), st("CD")]), 2);
        assert_eq!(int("lastIndexOf", &[st("abcdef"), st("AB")]), 0);
        assert_eq!(int("indexOf", &[st("abcdef"), st("z")]), -1);
        assert_eq!(int("indexOf", &[st("abcdef"), st("")]), 0);
        assert_eq!(int("lastIndexOf", &[st("abcdef"), st("")]), 5);
        assert_eq!(int("indexOf", &[st("\u{1F600}a"), st("A")]), 2);
        assert_eq!(int("indexOf", &[Val::Null, st("a")]), -1);
        let a = arr(&["one", "two", "three", "two"]);
        assert_eq!(int("indexOf", &[a.clone(), st("two")]), 1);
        assert_eq!(int("lastIndexOf", &[a.clone(), st("two")]), 3);
        assert_eq!(int("indexOf", &[a.clone(), st("Two")]), -1);
        let b = arr(&["one", "Two", "three", "two"]);
        assert_eq!(int("indexOf", &[b, st("two")]), 3);
        let nested = Val::array(vec![
            Val::array(vec![Val::Int(1), Val::Int(2)]),
            Val::array(vec![Val::Int(2), Val::Int(3)]),
        ]);
        let needle = Val::array(vec![Val::Int(2), Val::Int(3)]);
        assert_eq!(int("indexOf", &[nested, needle]), 1);
        let with_unknown = Val::array(vec![st("a"), unknown(), st("b")]);
        assert_eq!(int("indexOf", &[with_unknown.clone(), st("a")]), 0);
        assert!(ok("indexOf", &[with_unknown.clone(), st("b")]).is_unknown());
        assert_eq!(int("lastIndexOf", &[with_unknown.clone(), st("b")]), 2);
        assert!(ok("lastIndexOf", &[with_unknown, st("a")]).is_unknown());
        assert!(err("indexOf", &[Val::Int(1), st("1")]).contains("argument 1"));
        assert!(err("indexOf", &[st("1"), Val::Int(1)]).contains("string"));
    }

    // --- join (reference example: join.json) ---

    #[test]
    fn join_strings() {
        let a = arr(&["one", "two", "three"]);
        assert_eq!(s("join", &[a.clone(), st(",")]), "one,two,three");
        assert_eq!(s("join", &[a, st(";")]), "one;two;three");
        assert_eq!(s("join", &[Val::array(vec![]), st(",")]), "");
        assert!(ok("join", &[Val::array(vec![unknown()]), st(",")]).is_unknown());
        assert!(err("join", &[Val::array(vec![Val::Int(1)]), st(",")]).contains("element 0"));
        assert!(err("join", &[st("a"), st(",")]).contains("array"));
    }

    // --- length (reference example: length.json) ---

    #[test]
    fn length_of_values() {
        assert_eq!(int("length", &[arr(&["one", "two", "three"])]), 3);
        assert_eq!(int("length", &[st("One Two Three")]), 13);
        let o = obj(&[
            ("propA", st("one")),
            ("propB", st("two")),
            ("propC", st("three")),
            (
                "propD",
                obj(&[("propD-1", st("sub")), ("propD-2", st("sub"))]),
            ),
        ]);
        assert_eq!(int("length", &[o]), 4);
        assert_eq!(int("length", &[st("\u{1F600}")]), 2);
        assert_eq!(int("length", &[Val::Null]), 0);
        assert_eq!(int("length", &[Val::array(vec![unknown()])]), 1);
        assert!(err("length", &[Val::Int(5)]).contains("int"));
    }

    // --- padLeft (reference example: padleft.json) ---

    #[test]
    fn pad_left_values() {
        assert_eq!(
            s("padLeft", &[st("123"), Val::Int(10), st("0")]),
            "0000000123"
        );
        assert_eq!(s("padLeft", &[st("123"), Val::Int(10)]), "       123");
        assert_eq!(s("padLeft", &[st("123"), Val::Int(2), st("0")]), "123");
        assert_eq!(s("padLeft", &[Val::Int(7), Val::Int(3), st("0")]), "007");
        assert!(err("padLeft", &[st("1"), Val::Int(10), st("ab")]).contains("single"));
        assert!(err("padLeft", &[st("1"), Val::Int(-1)]).contains("zero or more"));
        assert!(err("padLeft", &[st("1"), Val::Int(2_000_000_000)]).contains("longer"));
        assert!(err("padLeft", &[Val::Bool(true), Val::Int(3)]).contains("bool"));
    }

    // --- replace (reference example: replace.json) ---

    #[test]
    fn replace_values() {
        assert_eq!(
            s("replace", &[st("123-123-1234"), st("-"), st("")]),
            "1231231234"
        );
        assert_eq!(
            s("replace", &[st("123-123-1234"), st("1234"), st("xxxx")]),
            "123-123-xxxx"
        );
        assert_eq!(s("replace", &[st("aAa"), st("a"), st("b")]), "bAb");
        assert!(matches!(
            ok("replace", &[Val::Null, st("a"), st("b")]),
            Val::Null
        ));
        assert!(err("replace", &[st("abc"), st(""), st("x")]).contains("empty"));
        let big = "x".repeat(1000);
        let a = "a".repeat(2000);
        assert!(err("replace", &[st(&a), st("a"), st(&big)]).contains("longer"));
    }

    // --- skip, take (reference examples: skip.json, take.json) ---

    #[test]
    fn skip_and_take() {
        let a = arr(&["one", "two", "three"]);
        assert_eq!(json(&ok("skip", &[a.clone(), Val::Int(2)])), r#"["three"]"#);
        assert_eq!(s("skip", &[st("one two three"), Val::Int(4)]), "two three");
        assert_eq!(
            json(&ok("take", &[a.clone(), Val::Int(2)])),
            r#"["one","two"]"#
        );
        assert_eq!(s("take", &[st("one two three"), Val::Int(2)]), "on");
        assert_eq!(s("skip", &[st("abc"), Val::Int(-100)]), "abc");
        assert_eq!(s("skip", &[st("abc"), Val::Int(100)]), "");
        assert_eq!(s("take", &[st("abc"), Val::Int(-1)]), "");
        assert_eq!(s("take", &[st("abc"), Val::Int(100)]), "abc");
        assert_eq!(json(&ok("take", &[a.clone(), Val::Int(0)])), "[]");
        assert_eq!(json(&ok("skip", &[a, Val::Int(5)])), "[]");
        assert_eq!(s("take", &[st("\u{1F600}x"), Val::Int(2)]), "\u{1F600}");
        assert!(matches!(ok("take", &[Val::Null, Val::Int(1)]), Val::Null));
        assert!(err("take", &[st("a"), Val::Int(3_000_000_000)]).contains("32-bit"));
        assert!(err("skip", &[obj(&[]), Val::Int(1)]).contains("object"));
    }

    // --- split (reference example: split.json) ---

    #[test]
    fn split_values() {
        assert_eq!(
            json(&ok("split", &[st("one,two,three"), st(",")])),
            r#"["one","two","three"]"#
        );
        assert_eq!(
            json(&ok("split", &[st("one;two,three"), arr(&[",", ";"])])),
            r#"["one","two","three"]"#
        );
        assert_eq!(
            json(&ok("split", &[st("a,,b,"), st(",")])),
            r#"["a","","b",""]"#
        );
        assert_eq!(
            json(&ok("split", &[st("a--b"), arr(&["-", "--"])])),
            r#"["a","","b"]"#
        );
        assert_eq!(
            json(&ok("split", &[st("a--b"), arr(&["--", "-"])])),
            r#"["a","b"]"#
        );
        assert_eq!(
            json(&ok("split", &[st("a b\tc"), st("")])),
            r#"["a","b","c"]"#
        );
        assert_eq!(json(&ok("split", &[st("abc"), Val::Null])), r#"["abc"]"#);
        assert_eq!(json(&ok("split", &[Val::Null, st(",")])), "[]");
        assert!(ok("split", &[st("a"), Val::array(vec![unknown()])]).is_unknown());
        assert!(err("split", &[st("a"), Val::Int(1)]).contains("argument 2"));
    }

    // --- string (reference example: string.json) ---

    #[test]
    fn string_of_values() {
        let o = obj(&[("valueA", Val::Int(10)), ("valueB", st("Example Text"))]);
        assert_eq!(
            s("string", &[o]),
            r#"{"valueA":10,"valueB":"Example Text"}"#
        );
        assert_eq!(s("string", &[arr(&["a", "b", "c"])]), r#"["a","b","c"]"#);
        assert_eq!(s("string", &[Val::Int(5)]), "5");
        assert_eq!(s("string", &[Val::Bool(true)]), "True");
        assert_eq!(s("string", &[Val::Bool(false)]), "False");
        assert_eq!(s("string", &[Val::Null]), "");
        assert_eq!(s("string", &[st("x")]), "x");
        assert_eq!(s("string", &[Val::Float(1.5)]), "1.5");
        assert_eq!(s("string", &[Val::Float(-2.0)]), "-2");
        assert_eq!(s("string", &[Val::Float(1e15)]), "1E+15");
        assert_eq!(
            s("string", &[Val::Float(123_456_789_012_345.0)]),
            "123456789012345"
        );
        assert!(ok("string", &[Val::array(vec![unknown()])]).is_unknown());
    }

    // --- substring (reference example: substring.json and its remarks) ---

    #[test]
    fn substring_values() {
        assert_eq!(
            s(
                "substring",
                &[st("one two three"), Val::Int(4), Val::Int(3)]
            ),
            "two"
        );
        let e = err("substring", &[st("1234567890"), Val::Int(0), Val::Int(11)]);
        assert!(e.contains(
            "The index and length parameters must refer to a location within the string. \
             The index parameter: '0', the length parameter: '11', the length of the string parameter: '10'."
        ));
        assert_eq!(s("substring", &[st("abc"), Val::Int(1)]), "bc");
        assert_eq!(s("substring", &[st("abc"), Val::Int(3)]), "");
        assert_eq!(s("substring", &[st("abc"), Val::Int(1), Val::Int(0)]), "");
        assert!(err("substring", &[st("abc"), Val::Int(4)]).contains("beyond"));
        assert!(err("substring", &[st("abc"), Val::Int(-1)]).contains("zero or more"));
        assert!(err("substring", &[st("abc"), Val::Int(0), Val::Int(-1)]).contains("zero or more"));
        assert_eq!(
            s("substring", &[st("a\u{1F600}b"), Val::Int(1), Val::Int(2)]),
            "\u{1F600}"
        );
    }

    // --- toLower, toUpper, trim (reference examples: tolower.json, trim.json) ---

    #[test]
    fn case_and_trim() {
        assert_eq!(s("toLower", &[st("One Two Three")]), "one two three");
        assert_eq!(s("toUpper", &[st("One Two Three")]), "ONE TWO THREE");
        assert_eq!(s("toUpper", &[st("stra\u{df}e")]), "STRA\u{df}E");
        assert_eq!(s("toLower", &[st("\u{c9}COLE")]), "\u{e9}cole");
        assert_eq!(s("trim", &[st("    one two three   ")]), "one two three");
        assert_eq!(s("trim", &[st("\t\n x \r\n")]), "x");
        assert_eq!(s("trim", &[Val::Null]), "");
        assert!(err("toLower", &[Val::Int(1)]).contains("string"));
    }

    // --- uniqueString ---

    #[test]
    fn unique_string_values() {
        assert_eq!(s("uniqueString", &[st("aaa")]), "zavj67f3en4hc");
        assert_eq!(
            s("uniqueString", &[st("xxx"), st("yyy"), st("zzz")]),
            "lghi7k5js7itq"
        );
        let long = "a".repeat(hash::UNIQUE_STRING_MAX_INPUT);
        assert_eq!(s("uniqueString", &[st(&long)]).len(), 13);
        assert!(err("uniqueString", &[st(&long), st("")]).contains("at most"));
        assert!(err("uniqueString", &[Val::Int(1)]).contains("string"));
    }

    // --- uri, uriComponent, uriComponentToString (reference example: uri.json) ---

    #[test]
    fn uri_family() {
        let uri = s(
            "uri",
            &[
                st("http://contoso.com/resources/"),
                st("nested/azuredeploy.json"),
            ],
        );
        assert_eq!(uri, "http://contoso.com/resources/nested/azuredeploy.json");
        let encoded = s("uriComponent", &[st(&uri)]);
        assert_eq!(
            encoded,
            "http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json"
        );
        assert_eq!(s("uriComponentToString", &[st(&encoded)]), uri);
        // The reference's list of examples.
        let u = |b: &str, r: &str| s("uri", &[st(b), st(r)]);
        assert_eq!(
            u("http://contoso.org/firstpath", "myscript.sh"),
            "http://contoso.org/myscript.sh"
        );
        assert_eq!(
            u("http://contoso.org/firstpath/", "myscript.sh"),
            "http://contoso.org/firstpath/myscript.sh"
        );
        assert_eq!(
            u("http://contoso.org/firstpath/", "/myscript.sh"),
            "http://contoso.org/firstpath/myscript.sh"
        );
        assert_eq!(
            u(
                "http://contoso.org/firstpath/azuredeploy.json",
                "myscript.sh"
            ),
            "http://contoso.org/firstpath/myscript.sh"
        );
        assert_eq!(
            u(
                "http://contoso.org/firstpath/azuredeploy.json/",
                "myscript.sh"
            ),
            "http://contoso.org/firstpath/azuredeploy.json/myscript.sh"
        );
        // RFC 3986 resolution and .NET's normal form.
        assert_eq!(
            u("http://contoso.org", "a.json"),
            "http://contoso.org/a.json"
        );
        assert_eq!(
            u("HTTPS://Contoso.ORG/x/y", "../z?q=1"),
            "https://contoso.org/z?q=1"
        );
        assert_eq!(u("https://a.b/c/d", "/e"), "https://a.b/e");
        assert_eq!(u("https://a.b/c/d", "?q"), "https://a.b/c/d?q");
        assert_eq!(u("https://a.b/c/d", "https://x.y/z"), "https://x.y/z");
        assert_eq!(
            u("https://a.b/c/", "my file.json"),
            "https://a.b/c/my%20file.json"
        );
        assert!(err("uri", &[st("not a uri"), st("x")]).contains("absolute"));
        assert!(err("uri", &[st("contoso.org/x"), st("y")]).contains("absolute"));
        // uriComponent escapes all but unreserved characters, as UTF-8.
        assert_eq!(
            s("uriComponent", &[st("a b&c/\u{e9}~")]),
            "a%20b%26c%2F%C3%A9~"
        );
        assert_eq!(
            s("uriComponentToString", &[st("%zz%41+%C3%A9%FF")]),
            "%zzA+\u{e9}%FF"
        );
    }

    #[test]
    fn odd_custom_formats_do_not_fail() {
        let i = |f: &str, n: i64| fmt(&format!("{{0:{f}}}"), &[Val::Int(n)]);
        assert_eq!(i("0E+0 0", 5), "5E+0 ");
        assert_eq!(i("0..0", 5), "5.0");
        assert_eq!(i("0E+0.0", 15), "2E+1");
        // Both sections empty: the first (empty) one is used, with the sign, as .NET does.
        assert_eq!(i(";", -5), "-");
        assert_eq!(i("'unterminated", 5), "unterminated");
        // A lone trailing escape character escapes nothing.
        assert_eq!(i("0\\", 5), "5");
    }

    /// A small deterministic generator for the no-panic sweeps below.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }

        fn text(&mut self, alphabet: &[char], max: usize) -> String {
            let n = (self.next() as usize) % (max + 1);
            (0..n)
                .map(|_| alphabet[(self.next() as usize) % alphabet.len()])
                .collect()
        }
    }

    #[test]
    fn sweeps_never_panic() {
        let mut g = Lcg(42);
        let spec_chars: Vec<char> = "0#.,%\u{2030}Ee+-;\\'\"xGNDFPCR59 ".chars().collect();
        let numbers = [
            Num::Int(0),
            Num::Int(-7),
            Num::Int(i64::MIN),
            Num::Int(i64::MAX),
            Num::Int(1_234_567),
            Num::Float(0.0),
            Num::Float(-0.0),
            Num::Float(1.25),
            Num::Float(-1e-300),
            Num::Float(1.7e308),
            Num::Float(5e-324),
        ];
        for _ in 0..4_000 {
            let spec = g.text(&spec_chars, 8);
            for n in &numbers {
                let _ = format_number(n, &spec);
            }
        }
        let fmt_chars: Vec<char> = "{}0123,-: abN".chars().collect();
        for _ in 0..20_000 {
            let f = g.text(&fmt_chars, 10);
            let _ = composite_format(&f, &[Val::Int(3), st("x"), Val::Float(2.5)]);
        }
        let uri_chars: Vec<char> = "ab:/?#.%20@\\é ".chars().collect();
        for _ in 0..20_000 {
            let b = g.text(&uri_chars, 12);
            let r = g.text(&uri_chars, 8);
            let _ = resolve_uri(&b, &r);
            let _ = unescape_data_string(&b);
            let _ = url_decode_bytes(&r, true);
            let _ = ev("dataUriToString", &[st(&format!("data:{b},{r}"))]);
        }
        let json_chars: Vec<char> = "{}[]'\"\\/*:,ab1 \n".chars().collect();
        for _ in 0..20_000 {
            let t = g.text(&json_chars, 12);
            let _ = parse_lenient_json(&t);
            let _ = base64_decode(&t);
        }
        let text_chars: Vec<char> = "aA\u{1F600}\u{130}é,; ".chars().collect();
        for _ in 0..5_000 {
            let a = g.text(&text_chars, 6);
            let b = g.text(&text_chars, 3);
            let n = Val::Int((g.next() % 9) as i64 - 2);
            let m = Val::Int((g.next() % 9) as i64 - 2);
            for f in [
                "indexOf",
                "lastIndexOf",
                "startsWith",
                "endsWith",
                "contains",
                "split",
            ] {
                let _ = ev(f, &[st(&a), st(&b)]);
            }
            for f in ["skip", "take", "padLeft"] {
                let _ = ev(f, &[st(&a), n.clone()]);
            }
            let _ = ev("substring", &[st(&a), n, m]);
            let _ = ev("first", &[st(&a)]);
            let _ = ev("last", &[st(&a)]);
        }
    }

    #[test]
    fn composite_format_is_public_for_the_evaluator() {
        assert_eq!(
            composite_format("{0}-{1:D3}", &[st("a"), Val::Int(5)]).ok(),
            Some("a-005".to_string())
        );
    }
}
