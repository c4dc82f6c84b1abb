//! What a pattern says of a template value known only in part.
//!
//! A name such as `[concat('ams lan-', uniqueString(resourceGroup().id))]` is not known before
//! deployment, but every value it can take has the literal text, and the hash is 13 letters and
//! digits. When every such value matches a rule's pattern, or none does, the rule can decide
//! without the value: the space makes every one of them an invalid NIC name.
//!
//! The values an expression can take are written as a regular expression (its "shape"), a
//! superset of them: literals as they are, `uniqueString()` and `guid()` as what they give,
//! anything else as any text. Both that and the rule's pattern become DFAs, and a walk over
//! pairs of their states finds whether a value of the shape can match, and whether one can
//! fail to. Only when one of the two is impossible is the answer known.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use regex_automata::dfa::{dense, Automaton};
use regex_automata::util::primitives::StateID;
use regex_automata::util::start::Config as StartConfig;
use regex_automata::{Anchored, MatchKind};

/// Pairs of states walked at most before giving up: a walk that long is not worth its time.
const MAX_PAIRS: usize = 50_000;

/// DFAs larger than this (in bytes) are not built: the pattern is left to the value.
const MAX_DFA: usize = 1 << 19;

/// Expressions longer than this are not read: no name is written so, and reading one is
/// quadratic in its nesting.
const MAX_TEXT: usize = 4096;

/// Calls nested deeper than this are any text.
const MAX_DEPTH: usize = 16;

/// Counted repetitions above this are left uncounted: `take(s, 1000)` bounds no name, and
/// each count adds states to the DFA.
const MAX_COUNT: usize = 128;

/// Whether every value the template expression `expression` (`[...]`) can take matches
/// `pattern` (an anchored regular expression, as conditions compile them): `Some(true)` when
/// all do, `Some(false)` when none does, `None` when that depends on the value or the
/// expression says too little.
pub(crate) fn decide(pattern: &str, expression: &str) -> Option<bool> {
    let inner = expression
        .trim()
        .strip_prefix('[')
        .and_then(|e| e.strip_suffix(']'))
        .filter(|e| !e.starts_with('[') && e.len() <= MAX_TEXT)?;
    let shape = shape_of(inner, Case::As, 0);
    if !shape.informative() {
        return None;
    }
    let rule = dfa(pattern)?;
    let values = build(&format!("^(?:{})$", shape.regex()))?;
    walk(&rule, &values)
}

/// A rule's compiled pattern, built once per run (`None` when it cannot be built within
/// limits). Rules hold few patterns; the shapes of values, one per expression, are not kept.
fn dfa(pattern: &str) -> Option<Arc<Dfa>> {
    type Cache = Mutex<foldhash::HashMap<String, Option<Arc<Dfa>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok()?.get(pattern) {
        return hit.clone();
    }
    let built = build(pattern).map(Arc::new);
    cache
        .lock()
        .ok()?
        .insert(pattern.to_string(), built.clone());
    built
}

type Dfa = dense::DFA<Vec<u32>>;

fn build(pattern: &str) -> Option<Dfa> {
    dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .start_kind(regex_automata::dfa::StartKind::Anchored)
                .dfa_size_limit(Some(MAX_DFA))
                .determinize_size_limit(Some(MAX_DFA)),
        )
        .build(pattern)
        .ok()
}

/// Walks the pairs of states of `rule` and `values` that some prefix of a value reaches:
/// at each, whether a value ending there matches the rule.
fn walk(rule: &Dfa, values: &Dfa) -> Option<bool> {
    let start = StartConfig::new().anchored(Anchored::Yes);
    let first = (
        rule.start_state(&start).ok()?,
        values.start_state(&start).ok()?,
    );
    let mut seen: HashSet<(StateID, StateID)> = HashSet::from([first]);
    let mut todo = vec![first];
    let (mut matches, mut fails) = (false, false);
    while let Some((r, v)) = todo.pop() {
        if rule.is_quit_state(r) || values.is_quit_state(v) {
            return None;
        }
        if values.is_match_state(values.next_eoi_state(v)) {
            if rule.is_match_state(rule.next_eoi_state(r)) {
                matches = true;
            } else {
                fails = true;
            }
            if matches && fails {
                return None;
            }
        }
        for byte in 0..=u8::MAX {
            let v2 = values.next_state(v, byte);
            if values.is_dead_state(v2) {
                continue;
            }
            let pair = (rule.next_state(r, byte), v2);
            if seen.insert(pair) {
                if seen.len() > MAX_PAIRS {
                    return None;
                }
                todo.push(pair);
            }
        }
    }
    match (matches, fails) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        // No value at all (an empty shape): nothing to say.
        _ => None,
    }
}

/// The values of an expression: a sequence of pieces, whose regular expressions in turn
/// match (at least) every value.
struct Shape {
    pieces: Vec<Piece>,
}

enum Piece {
    /// This text.
    Text(String),
    /// `len` characters of a class (`a-z2-7`: a hash's).
    Fixed { class: String, len: usize },
    /// Up to `most` characters (any number: `None`) of a class.
    Some { class: String, most: Option<usize> },
    /// Any text.
    Any,
}

impl Piece {
    fn regex(&self) -> String {
        match self {
            Piece::Text(t) => regex::escape(t),
            Piece::Fixed { class, len } => format!("[{class}]{{{len}}}"),
            Piece::Some { class, .. } if class.is_empty() => String::new(),
            Piece::Some {
                class,
                most: Some(n),
            } if *n <= MAX_COUNT => format!("[{class}]{{0,{n}}}"),
            Piece::Some { class, .. } => format!("[{class}]*"),
            Piece::Any => ANY.into(),
        }
    }

    /// The class of the characters it may hold (`None`: any).
    fn class(&self) -> Option<String> {
        match self {
            Piece::Text(t) => Some(class_of(t)),
            Piece::Fixed { class, .. } | Piece::Some { class, .. } => Some(class.clone()),
            Piece::Any => None,
        }
    }
}

impl Shape {
    fn regex(&self) -> String {
        self.pieces.iter().map(Piece::regex).collect()
    }

    /// Whether it says more than "any text".
    fn informative(&self) -> bool {
        self.pieces.iter().any(|p| !matches!(p, Piece::Any))
    }

    /// The class of every character it may hold (`None`: any).
    fn class(&self) -> Option<String> {
        self.pieces
            .iter()
            .map(Piece::class)
            .collect::<Option<Vec<String>>>()
            .map(|c| c.concat())
    }

    /// Its first `n` characters (`take(s, n)`, `substring(s, 0, n)`), exactly while the pieces
    /// have known lengths; from the first that does not, any of the remaining characters.
    fn prefix(self, n: usize) -> Shape {
        let mut left = n;
        let mut out = Vec::new();
        let mut rest = self.pieces.into_iter();
        while let Some(piece) = rest.next() {
            if left == 0 {
                break;
            }
            match piece {
                Piece::Text(t) => {
                    let len = t.chars().count();
                    if len <= left {
                        left -= len;
                        out.push(Piece::Text(t));
                    } else {
                        out.push(Piece::Text(t.chars().take(left).collect()));
                        left = 0;
                    }
                }
                Piece::Fixed { class, len } => {
                    out.push(Piece::Fixed {
                        class,
                        len: len.min(left),
                    });
                    left -= len.min(left);
                }
                variable => {
                    let tail = Shape {
                        pieces: std::iter::once(variable).chain(rest).collect(),
                    };
                    out.push(some_of(&tail, Some(left)));
                    break;
                }
            }
        }
        Shape { pieces: out }
    }
}

const ANY: &str = "(?s:.*)";

fn any() -> Shape {
    Shape {
        pieces: vec![Piece::Any],
    }
}

fn literal(text: &str) -> Shape {
    Shape {
        pieces: vec![Piece::Text(text.to_string())],
    }
}

/// A character class's items for the characters of `text`.
fn class_of(text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    chars.sort_unstable();
    chars.dedup();
    chars
        .iter()
        .map(|c| regex::escape(&c.to_string()))
        .collect()
}

/// `len` characters of a class: a hash.
fn fixed(class: &str, len: usize) -> Shape {
    Shape {
        pieces: vec![Piece::Fixed {
            class: class.into(),
            len,
        }],
    }
}

/// A GUID, in lower or upper case hexadecimal digits.
fn guid_shape(hex: &str) -> Shape {
    let mut pieces = Vec::new();
    for (i, len) in [8, 4, 4, 4, 12].into_iter().enumerate() {
        if i > 0 {
            pieces.push(Piece::Text("-".into()));
        }
        pieces.push(Piece::Fixed {
            class: hex.into(),
            len,
        });
    }
    Shape { pieces }
}

fn join(parts: Vec<Shape>) -> Shape {
    Shape {
        pieces: parts.into_iter().flat_map(|p| p.pieces).collect(),
    }
}

/// Some of a shape's characters, in order, up to `most` of them: any text of its characters.
fn some_of(whole: &Shape, most: Option<usize>) -> Piece {
    match whole.class() {
        Some(class) => Piece::Some { class, most },
        None => Piece::Any,
    }
}

/// Some of the characters of a shape (`skip()`, `trim()`, `substring()` from an offset).
fn part_of(whole: Shape, most: Option<usize>) -> Shape {
    Shape {
        pieces: vec![some_of(&whole, most)],
    }
}

/// What `toLower()` and `toUpper()` around an expression make of its text.
#[derive(Clone, Copy)]
enum Case {
    As,
    Lower,
    Upper,
}

impl Case {
    /// A literal text in this case, one character for one as ARM maps them (.NET's
    /// invariant culture: `ß` stays `ß` in upper case), as the evaluator does.
    fn apply(self, text: &str) -> Shape {
        use azlint_arm::functions::string::{lower_char, upper_char};
        literal(&match self {
            Case::As => text.to_string(),
            Case::Lower => text.chars().map(lower_char).collect(),
            Case::Upper => text.chars().map(upper_char).collect(),
        })
    }
}

/// The shape of one expression (without its brackets), in `case`.
fn shape_of(expression: &str, case: Case, depth: usize) -> Shape {
    let e = expression.trim();
    if depth > MAX_DEPTH {
        return any();
    }
    let inner = |a: &str, case: Case| shape_of(a, case, depth + 1);
    if let Some(text) = quoted(e) {
        return case.apply(&text);
    }
    // A number (`concat('vm', 1)`) is its digits.
    if e.parse::<i64>().is_ok() {
        // Digits have no case.
        return literal(e);
    }
    let Some((name, args)) = crate::condition::call(e) else {
        return any();
    };
    match name.to_ascii_lowercase().as_str() {
        "uniquestring" => match case {
            Case::Upper => fixed("A-Z2-7", 13),
            _ => fixed("a-z2-7", 13),
        },
        "guid" | "newguid" => match case {
            Case::Upper => guid_shape("0-9A-F"),
            _ => guid_shape("0-9a-f"),
        },
        // The outer call is the last to change the case: `toUpper(toLower(x))` is upper case.
        "tolower" | "toupper" => match (args.as_slice(), case) {
            ([a], Case::As) if name.eq_ignore_ascii_case("tolower") => inner(a, Case::Lower),
            ([a], Case::As) => inner(a, Case::Upper),
            ([a], outer) => inner(a, outer),
            _ => any(),
        },
        // The first characters of a string: `take(s, n)`, `substring(s, 0, n)`.
        "take" | "substring" => {
            let n = |i: usize| args.get(i).and_then(|a| a.trim().parse::<usize>().ok());
            let (whole, start, count) = match name.to_ascii_lowercase().as_str() {
                "take" => (args.first(), Some(0), n(1)),
                _ => (args.first(), n(1), n(2)),
            };
            match (whole, start, count) {
                (Some(a), Some(0), Some(count)) if count <= MAX_COUNT => {
                    inner(a, case).prefix(count)
                }
                // From an offset, or a count not written out: some of its characters.
                (Some(a), _, count) => part_of(inner(a, case), count),
                (None, ..) => any(),
            }
        }
        // Some characters of a string, in order.
        "skip" | "first" | "last" | "trim" => {
            let most = match name.to_ascii_lowercase().as_str() {
                "first" | "last" => Some(1),
                _ => None,
            };
            match args.first() {
                Some(a) => part_of(inner(a, case), most),
                None => any(),
            }
        }
        // `concat()` of strings (or of arrays, which no name is): each argument in turn.
        "concat" => join(args.iter().map(|a| inner(a, case)).collect()),
        "format" => match args.first().and_then(|f| quoted(f.trim())) {
            Some(format) => format_shape(&format, &args[1..], case, depth + 1),
            None => any(),
        },
        _ => any(),
    }
}

/// `format()`: the format string's text, with each `{n}` item the shape of argument n (any
/// text when the item has a format of its own, `{0:N}`, or names no argument).
fn format_shape(format: &str, args: &[&str], case: Case, depth: usize) -> Shape {
    use azlint_arm::text::{format_parts, FormatPart};
    let Some(parts) = format_parts(format) else {
        return any();
    };
    join(
        parts
            .into_iter()
            .map(|part| match part {
                FormatPart::Text(text) => case.apply(&text),
                FormatPart::Item(item) => match item.trim().parse::<usize>().ok() {
                    Some(n) => args.get(n).map_or_else(any, |a| shape_of(a, case, depth)),
                    None => any(),
                },
            })
            .collect(),
    )
}

/// The text of a quoted template string (`'it''s'` is `it's`).
fn quoted(e: &str) -> Option<String> {
    let body = e.strip_prefix('\'')?.strip_suffix('\'')?;
    // A quote inside must be doubled: otherwise this is two strings, not one.
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' && chars.next() != Some('\'') {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decide;

    /// HA023's pattern for network resource names, anchored as conditions compile it.
    const NETWORK: &str = "^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?/)*[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?)$";

    #[test]
    fn literal_text_and_hashes_decide() {
        // Every value is a valid name.
        assert_eq!(
            decide(
                NETWORK,
                "[concat('nic-', uniqueString('/subscriptions/x'))]"
            ),
            Some(true)
        );
        // The space makes every value invalid, whatever the parameter.
        assert_eq!(
            decide(NETWORK, "[concat('ams lan-', parameters('site'))]"),
            Some(false)
        );
        // Through format(), with its items.
        assert_eq!(
            decide(NETWORK, "[format('{0}-lan{1}', 'ams', uniqueString('x'))]"),
            Some(true)
        );
        assert_eq!(
            decide(NETWORK, "[format('{0} lan', parameters('site'))]"),
            Some(false)
        );
        // Some characters of a known text and a hash, then a literal.
        assert_eq!(
            decide(
                NETWORK,
                "[concat(take(concat('myVm', uniqueString('x')), 15), 'NetInt')]"
            ),
            Some(true)
        );
        // The first characters are known exactly: a space among them, or not.
        assert_eq!(
            decide(
                NETWORK,
                "[concat(substring(concat('my Vm', uniqueString('x')), 0, 5), 'x')]"
            ),
            Some(false)
        );
        assert_eq!(
            decide(
                NETWORK,
                "[concat(substring(concat('my Vm', uniqueString('x')), 0, 2), 'x')]"
            ),
            Some(true)
        );
        // From an offset, the space may be in or out.
        assert_eq!(
            decide(
                NETWORK,
                "[concat(substring(concat('my Vm', uniqueString('x')), 1, 5), 'x')]"
            ),
            None
        );
        // A common idiom: the first characters of a prefix and a hash, in lower case.
        assert_eq!(
            decide(
                "^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])$",
                "[concat(toLower(substring(concat('GEN-UNIQUE', uniqueString('x')), 0, 9)), 'vnet')]"
            ),
            Some(true)
        );
        assert_eq!(decide(NETWORK, "[concat('vm', 1, 'pip')]"), Some(true));
        // Case changes apply to what they hold.
        assert_eq!(
            decide(
                "^(?:[a-z0-9-]+)$",
                "[toLower(concat('GEN-', uniqueString('x')))]"
            ),
            Some(true)
        );
        assert_eq!(
            decide(
                "^(?:[a-z0-9-]+)$",
                "[toUpper(concat('gen-', uniqueString('x')))]"
            ),
            Some(false)
        );
        // One character for one, as ARM maps them: `ß` stays `ß` in upper case, and the
        // length is kept.
        assert_eq!(decide("^(?:.{7})$", "[toUpper('straße-')]"), Some(true));
        assert_eq!(
            decide(
                "^(?:[A-Z-]+)$",
                "[toUpper(concat('straße-', parameters('x')))]"
            ),
            Some(false)
        );
        assert_eq!(decide("^(?:[a-z]{3})$", "[toLower('KİR')]"), Some(true));
        // The outer call changes the case last.
        assert_eq!(
            decide(
                "^(?:[a-z0-9-]+)$",
                "[toUpper(toLower(concat('Gen-', uniqueString('x'))))]"
            ),
            Some(false)
        );
        // Too long whatever the hash: 70 + 13 characters.
        let long = format!("[concat('{}', uniqueString('x'))]", "a".repeat(70));
        assert_eq!(decide(NETWORK, &long), Some(false));
    }

    #[test]
    fn what_depends_on_the_value_stays_unknown() {
        // A parameter may or may not make a valid name.
        assert_eq!(
            decide(NETWORK, "[concat('nic-', parameters('site'))]"),
            None
        );
        assert_eq!(decide(NETWORK, "[parameters('name')]"), None);
        // Nothing known about it at all.
        assert_eq!(decide(NETWORK, "[reference('x').name]"), None);
        // Not an expression.
        assert_eq!(decide(NETWORK, "nic"), None);
        assert_eq!(decide(NETWORK, "[[concat('a b')]"), None);
    }

    #[test]
    fn quotes_and_braces_are_read_as_arm_writes_them() {
        assert_eq!(decide("^(?:it's)$", "[concat('it''s')]"), Some(true));
        assert_eq!(
            decide("^(?:\\{0\\}a)$", "[format('{{0}}{0}', 'a')]"),
            Some(true)
        );
        // Two strings side by side are no expression azlint reads.
        assert_eq!(decide("^(?:a)$", "['a' 'b']"), None);
    }
}
