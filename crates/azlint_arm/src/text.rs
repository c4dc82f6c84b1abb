//! What is known of a string that is known only at deployment.
//!
//! An evaluated template keeps such a string as its expression (a symbol):
//! `[concat(parameters('vnetId'), '/subnets/lan')]`. The parts the expression spells out are
//! known although the whole is not, and they are often enough to tell two values apart: that
//! subnet is not `[concat(parameters('vnetId'), '/subnets/wan')]`, nor `/subscriptions/.../x`.
//! [`compare`] decides what the known parts decide, and nothing more.
//!
//! The scope a template is evaluated in, when neither the configuration nor the inputs say it,
//! is a placeholder ([`PLACEHOLDER_ID`], [`PLACEHOLDER_GROUP`]): in the texts compared here,
//! those are unknown pieces too, not the text they are written with. (Two plain ids are not
//! compared here: where they disagree on the group, the placeholder is a group of its own, and
//! where they agree, the templates are evaluated again in it.)

use crate::eval::{PLACEHOLDER_GROUP, PLACEHOLDER_ID};
use crate::expr::{parse_string, Expr, Parsed};

/// The unknown pieces a deployment's own scope stands for (`resourceId()` without a group,
/// and the placeholders a template without a known scope is evaluated with).
const SUBSCRIPTION: &str = "subscription().subscriptionid";
const GROUP: &str = "resourcegroup().name";

/// A piece of a string: known text, or a value known only at deployment, named by its
/// expression (lower-cased).
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    Unknown(String),
}

/// Whether two strings (plain, or expressions known only at deployment) are equal, ignoring
/// case as Azure does for ids: `Some(true)` or `Some(false)` when their known parts decide it,
/// `None` when only deployment can. `one_template` says that both come from one template, so
/// that the same expression in both is the same value; in two templates it is two values
/// (a parameter each declares, given at each one's deployment).
pub fn compare(a: &str, b: &str, one_template: bool) -> Option<bool> {
    let a = pieces_of(a);
    let b = pieces_of(b);
    let a = tokens(&a);
    let b = tokens(&b);
    let same = |x: &Token<'_>, y: &Token<'_>| match (x, y) {
        (Token::Char(c), Token::Char(d)) => c == d,
        (Token::Unknown(s), Token::Unknown(t)) => one_template && s == t,
        _ => false,
    };
    let head = a.iter().zip(&b).take_while(|(x, y)| same(x, y)).count();
    let (a, b) = (&a[head..], &b[head..]);
    let tail = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| same(x, y))
        .count();
    let (a, b) = (&a[..a.len() - tail], &b[..b.len() - tail]);
    // What is left differs between the two; it is known to differ when it starts or ends
    // with two different characters, or when one side is empty and the other has text.
    let char_at = |t: Option<&Token<'_>>| matches!(t, Some(Token::Char(_)));
    let has_text = |r: &[Token<'_>]| r.iter().any(|t| matches!(t, Token::Char(_)));
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Some(true),
        (true, false) if has_text(b) => Some(false),
        (false, true) if has_text(a) => Some(false),
        _ if char_at(a.first()) && char_at(b.first()) => Some(false),
        _ if char_at(a.last()) && char_at(b.last()) => Some(false),
        _ => None,
    }
}

/// One text for every spelling of a string known only at deployment whose known parts are
/// the same: `[resourceId('Microsoft.Network/networkInterfaces', concat(parameters('site'),
/// '-lan'))]` and `[resourceId('Microsoft.Network/networkInterfaces', format('{0}-lan',
/// parameters('site')))]` are one id. Where [`compare`] says two texts of one template are
/// equal, their canonical texts are equal, and only then: the known text in lower case, each
/// unknown piece as its expression (lower case) between the control characters 1 and 2.
/// `None` for a text that holds those characters itself.
pub fn canonical(s: &str) -> Option<String> {
    const OPEN: char = '\u{1}';
    const CLOSE: char = '\u{2}';
    if s.contains([OPEN, CLOSE]) {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    for piece in pieces_of(s) {
        match piece {
            Piece::Text(t) => out.push_str(&t),
            Piece::Unknown(u) => {
                out.push(OPEN);
                out.push_str(&u);
                out.push(CLOSE);
            }
        }
    }
    Some(out)
}

/// An expression whose [`canonical`] text is `canonical`: its known text as literals, its
/// unknown pieces as the expressions they are (`[concat('/subscriptions/', ..., parameters('site'),
/// '-lan')]`), for the id of a resource a template names only at deployment whose id is not
/// written out (a subnet embedded in its VNET), so that [`compare`] reads it as the ids that
/// name that resource.
pub fn expression_of(canonical: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = canonical;
    while let Some(open) = rest.find('\u{1}') {
        if open > 0 {
            parts.push(quoted(&rest[..open]));
        }
        let after = &rest[open + 1..];
        let close = after.find('\u{2}').unwrap_or(after.len());
        parts.push(after[..close].to_string());
        rest = after.get(close + 1..).unwrap_or("");
    }
    if !rest.is_empty() {
        parts.push(quoted(rest));
    }
    match parts.len() {
        0 => "''".to_string(),
        1 => format!("[{}]", parts[0]),
        _ => format!("[concat({})]", parts.join(", ")),
    }
}

/// A text as an ARM string literal.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A [`canonical`] text with the deployment's own subscription and group (`resourceId()`
/// without them) written as the placeholders a template whose scope nothing says is
/// evaluated in: the key its resources with literal names have. `None` when the text holds
/// another unknown piece.
pub fn in_placeholder_scope(canonical: &str) -> Option<String> {
    let out = canonical
        .replace(&format!("\u{1}{SUBSCRIPTION}\u{2}"), PLACEHOLDER_ID)
        .replace(
            &format!("\u{1}{GROUP}\u{2}"),
            &PLACEHOLDER_GROUP.to_lowercase(),
        );
    (!out.contains('\u{1}')).then_some(out)
}

/// The first character of a string known only at deployment, when its expression spells it
/// out (`[format('Microsoft.Network/networkInterfaces/{0}', ...)]`: `m`); lower-cased.
pub fn known_start(s: &str) -> Option<char> {
    match tokens(&pieces_of(s)).first() {
        Some(Token::Char(c)) => Some(*c),
        _ => None,
    }
}

/// The identity a principal known only after deployment belongs to: of
/// `[reference(<id>, 'Full').properties.principalId]` (as the evaluation names it), the id as
/// written: a literal id, or an expression in brackets. `None` for any other text.
pub fn principal_of(s: &str) -> Option<String> {
    let src = s.trim();
    let Ok(Parsed::Expr(Expr::Prop { target, name, .. })) = parse_string(src) else {
        return None;
    };
    let Expr::Prop {
        target: call,
        name: properties,
        ..
    } = *target
    else {
        return None;
    };
    let Expr::Call {
        name: function,
        args,
        ..
    } = *call
    else {
        return None;
    };
    let full = matches!(args.get(1), Some(Expr::Str(f)) if f.eq_ignore_ascii_case("full"));
    if !(name.eq_ignore_ascii_case("principalId")
        && properties.eq_ignore_ascii_case("properties")
        && function.eq_ignore_ascii_case("reference")
        && full
        && args.len() == 2)
    {
        return None;
    }
    match &args[0] {
        Expr::Str(id) => Some(id.to_string()),
        e => {
            let (from, to) = e.at()?;
            Some(format!("[{}]", src.get(from as usize..to as usize)?))
        }
    }
}

/// The name of the resource an extension in the nested form extends, as an expression: of
/// `concat(parameters('nic'), '/Microsoft.Authorization/', guid(...))`, the name of a
/// `Microsoft.Network/networkInterfaces/providers/roleAssignments`, `parameters('nic')`.
/// `marker` is the extension's namespace between slashes (`/Microsoft.Authorization/`,
/// matched ignoring case). `None` unless the name is a `concat()` or `format()` whose text
/// spells the marker out after something.
pub fn extended_name(expression: &str, marker: &str) -> Option<String> {
    enum Part<'s> {
        Text(String),
        Expr(&'s str),
    }
    let part = |e: &Expr| match e {
        Expr::Str(s) => Some(Part::Text(s.to_string())),
        Expr::Int(i) => Some(Part::Text(i.to_string())),
        e if is_stringish(e) => {
            let (from, to) = e.at()?;
            expression.get(from as usize..to as usize).map(Part::Expr)
        }
        _ => None,
    };
    let Ok(Expr::Call { name, args, .. }) = crate::expr::parse_expr(expression) else {
        return None;
    };
    let parts: Vec<Part<'_>> = match name.to_ascii_lowercase().as_str() {
        "concat" => args.iter().map(part).collect::<Option<_>>()?,
        "format" => {
            let Some(Expr::Str(f)) = args.first() else {
                return None;
            };
            let mut out = Vec::new();
            for p in format_parts(f)? {
                match p {
                    FormatPart::Text(text) => out.push(Part::Text(text)),
                    FormatPart::Item(item) => {
                        if item.is_empty() || !item.bytes().all(|b| b.is_ascii_digit()) {
                            return None;
                        }
                        out.push(part(
                            args.get(item.parse::<usize>().ok()?.checked_add(1)?)?,
                        )?);
                    }
                }
            }
            out
        }
        _ => return None,
    };
    let marker = marker.to_ascii_lowercase();
    let mut before: Vec<String> = Vec::new();
    let mut text = String::new();
    for p in parts {
        match p {
            Part::Text(t) => match t.to_ascii_lowercase().find(&marker) {
                Some(at) => {
                    text.push_str(&t[..at]);
                    if !text.is_empty() {
                        before.push(quoted(&text));
                    }
                    return match before.len() {
                        0 => None,
                        1 => before.pop(),
                        _ => Some(format!("concat({})", before.join(", "))),
                    };
                }
                None => text.push_str(&t),
            },
            Part::Expr(e) => {
                if !text.is_empty() {
                    before.push(quoted(&std::mem::take(&mut text)));
                }
                before.push(e.to_string());
            }
        }
    }
    None
}

/// The name an id expression built by `resourceId()` (or its subscription and tenant forms)
/// gives its resource, as written: `[resourceId('...', concat(parameters('site'), '-ha'))]` ->
/// `concat(parameters('site'), '-ha')`.
pub fn id_name(id: &str) -> Option<String> {
    let src = id.trim();
    let Ok(Parsed::Expr(Expr::Call { name, args, .. })) = parse_string(src) else {
        return None;
    };
    if !name.to_ascii_lowercase().ends_with("resourceid") {
        return None;
    }
    match args.last()? {
        Expr::Str(s) => Some(s.to_string()),
        e => {
            let (from, to) = e.at()?;
            src.get(from as usize..to as usize).map(str::to_string)
        }
    }
}

#[derive(Debug)]
enum Token<'p> {
    Char(char),
    Unknown(&'p str),
}

fn tokens(pieces: &[Piece]) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.extend(t.chars().map(Token::Char)),
            Piece::Unknown(u) => out.push(Token::Unknown(u)),
        }
    }
    out
}

/// The last segment of a child resource's full name whose parent's name is known only at
/// deployment: `Deny-Keepalive` of `[concat(parameters('nsg'), '/', 'Deny-Keepalive')]`.
/// `None` unless the known text after the last unknown piece holds a `/` and text after it.
pub fn known_last_segment(s: &str) -> Option<String> {
    let mut tail = String::new();
    for piece in pieces_of(s).iter().rev() {
        match piece {
            Piece::Text(t) => tail.insert_str(0, t),
            Piece::Unknown(_) => break,
        }
    }
    let (_, last) = tail.rsplit_once('/')?;
    if last.is_empty() {
        return None;
    }
    // The known text is in lower case: give the segment as the expression writes it, where
    // the expression spells it once (else it may be a parameter's name, say) and lower case
    // keeps every byte in place.
    let lower = s.to_lowercase();
    let written = (lower.len() == s.len() && lower.matches(last).count() == 1)
        .then(|| lower.find(last))
        .flatten()
        .and_then(|at| s.get(at..at + last.len()));
    Some(written.unwrap_or(last).to_string())
}

/// The known and unknown pieces of a string, lower-cased.
fn pieces_of(s: &str) -> Vec<Piece> {
    match parse_string(s) {
        Ok(Parsed::Literal(text)) => {
            let mut out = Vec::new();
            push_text(&text, &mut out);
            out
        }
        Ok(Parsed::Expr(e)) => {
            let mut out = Vec::new();
            push_pieces(&e, s, &mut out);
            out
        }
        Err(_) => vec![Piece::Unknown(s.to_lowercase())],
    }
}

/// Appends the pieces of the string `e` stands for. `src` is the text `e` was parsed from.
fn push_pieces(e: &Expr, src: &str, out: &mut Vec<Piece>) {
    let unknown = |out: &mut Vec<Piece>| {
        let text = e
            .at()
            .and_then(|(from, to)| src.get(from as usize..to as usize))
            .unwrap_or(src);
        out.push(Piece::Unknown(text.to_lowercase()));
    };
    match e {
        Expr::Str(s) => push_text(s, out),
        Expr::Int(i) => out.push(Piece::Text(i.to_string())),
        Expr::Call { name, args, .. } => match name.to_ascii_lowercase().as_str() {
            "concat" if args.iter().all(is_stringish) => {
                for a in args {
                    push_pieces(a, src, out);
                }
            }
            // `string(69)`: the literal's text. Of anything else (an object's JSON, a bool's
            // `True`) the value is left unknown.
            "string" if matches!(args.as_slice(), [Expr::Int(_) | Expr::Str(_)]) => {
                push_pieces(&args[0], src, out)
            }
            "format" => match format_pieces(args, src) {
                Some(p) => out.extend(p),
                None => unknown(out),
            },
            "resourceid" | "subscriptionresourceid" | "tenantresourceid" => {
                match id_pieces(&name.to_ascii_lowercase(), args, src) {
                    Some(p) => out.extend(p),
                    None => unknown(out),
                }
            }
            _ => unknown(out),
        },
        _ => unknown(out),
    }
}

/// Appends a known text, with the placeholders of an unknown scope as unknown pieces: the
/// placeholder id anywhere, the placeholder group as an id's group or on its own. Ids are
/// compared ignoring case, and facts keep them in lower case, so the group is found so too.
fn push_text(text: &str, out: &mut Vec<Piece>) {
    if text.eq_ignore_ascii_case(PLACEHOLDER_GROUP) {
        out.push(Piece::Unknown(GROUP.into()));
        return;
    }
    let lower = text.to_lowercase();
    let mut rest = lower.as_str();
    while let Some((at, len, unknown)) = next_placeholder(rest) {
        out.push(Piece::Text(rest[..at].to_string()));
        out.push(Piece::Unknown(unknown.into()));
        rest = &rest[at + len..];
    }
    out.push(Piece::Text(rest.to_string()));
}

/// An expression as a user reads it in a message: the ids of the placeholder scope a template
/// was evaluated in, which the user did not write, written back as the functions that gave
/// them (`uniqueString('/subscriptions/00000000-.../resourceGroups/RG')` ->
/// `uniqueString(resourceGroup().id)`). Only those two whole literals are replaced: the
/// placeholder subscription or group alone may be text the user wrote.
pub fn readable(expression: &str) -> std::borrow::Cow<'_, str> {
    if !expression.contains(PLACEHOLDER_ID) {
        return expression.into();
    }
    let group = format!("'/subscriptions/{PLACEHOLDER_ID}/resourceGroups/{PLACEHOLDER_GROUP}'");
    let subscription = format!("'/subscriptions/{PLACEHOLDER_ID}'");
    let mut out = String::with_capacity(expression.len());
    let mut rest = expression;
    while let Some(at) = rest.find('\'') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let matched = [
            (&group, "resourceGroup().id"),
            (&subscription, "subscription().id"),
        ]
        .into_iter()
        .find(|(literal, _)| {
            tail.get(..literal.len())
                .is_some_and(|t| t.eq_ignore_ascii_case(literal))
        });
        match matched {
            Some((literal, function)) => {
                out.push_str(function);
                rest = &tail[literal.len()..];
            }
            // Another string literal: copied whole, so that a quote inside it ('') is not
            // taken for the start of the next.
            None => {
                let end = literal_end(tail);
                out.push_str(&tail[..end]);
                rest = &tail[end..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// Where the ARM string literal at the start of `s` (at its opening quote) ends, after its
/// closing quote; the end of `s` when it is not closed.
fn literal_end(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    s.len()
}

/// Whether `word` is in `text`, ignoring ASCII case, with no letter or digit next to it.
pub fn has_word(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let (t, w) = (text.as_bytes(), word.as_bytes());
    let edge = |i: Option<&u8>| !i.is_some_and(|b| b.is_ascii_alphanumeric());
    t.windows(w.len()).enumerate().any(|(at, window)| {
        window.eq_ignore_ascii_case(w)
            && edge(at.checked_sub(1).and_then(|i| t.get(i)))
            && edge(t.get(at + w.len()))
    })
}

/// The first placeholder in a lower-case text: where, how long, and what it stands for.
fn next_placeholder(text: &str) -> Option<(usize, usize, &'static str)> {
    const GROUPS: &str = "/resourcegroups/";
    let id = text
        .find(PLACEHOLDER_ID)
        .map(|at| (at, PLACEHOLDER_ID.len(), SUBSCRIPTION));
    let group = text.match_indices(GROUPS).find_map(|(at, _)| {
        let name = at + GROUPS.len();
        is_placeholder_group(text.get(name..)?).then_some((name, PLACEHOLDER_GROUP.len(), GROUP))
    });
    match (id, group) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// Whether `rest` (what follows `/resourceGroups/`) starts with the placeholder group's name.
fn is_placeholder_group(rest: &str) -> bool {
    rest.get(..PLACEHOLDER_GROUP.len())
        .is_some_and(|g| g.eq_ignore_ascii_case(PLACEHOLDER_GROUP))
        && rest
            .get(PLACEHOLDER_GROUP.len()..)
            .is_some_and(|r| r.is_empty() || r.starts_with('/'))
}

/// Whether an argument of `concat()` is a string (or a value that may be one): `concat()`
/// of arrays is an array.
fn is_stringish(e: &Expr) -> bool {
    match e {
        Expr::Str(_) | Expr::Int(_) | Expr::Prop { .. } | Expr::Index { .. } => true,
        Expr::Call { name, .. } => !["createarray", "json", "array", "union", "split", "range"]
            .contains(&name.to_ascii_lowercase().as_str()),
        Expr::Bool(_) | Expr::Null => false,
    }
}

/// `format('{0}/subnets/{1}', a, b)`: the format's text with the arguments' pieces in
/// place. `None` for a format string that is not known or uses format specifiers.
fn format_pieces(args: &[Expr], src: &str) -> Option<Vec<Piece>> {
    let Some(Expr::Str(f)) = args.first() else {
        return None;
    };
    let mut out = Vec::new();
    for part in format_parts(f)? {
        match part {
            FormatPart::Text(text) => out.push(Piece::Text(text.to_lowercase())),
            FormatPart::Item(item) => {
                if item.is_empty() || !item.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let arg = args.get(item.parse::<usize>().ok()?.checked_add(1)?)?;
                if !is_stringish(arg) {
                    return None;
                }
                push_pieces(arg, src, &mut out);
            }
        }
    }
    Some(out)
}

/// A part of a `format()` string: text (with `{{` and `}}` read as braces), or what is
/// between the braces of an item (`0`, `0:N`).
#[derive(Debug, PartialEq, Eq)]
pub enum FormatPart {
    Text(String),
    Item(String),
}

/// A `format()` string's parts; `None` when an item is not closed or a `}` stands alone, which
/// `format()` rejects.
pub fn format_parts(format: &str) -> Option<Vec<FormatPart>> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut item = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        c => item.push(c),
                    }
                }
                out.push(FormatPart::Text(std::mem::take(&mut text)));
                out.push(FormatPart::Item(item));
            }
            '}' => return None,
            c => text.push(c),
        }
    }
    out.push(FormatPart::Text(text));
    Some(out)
}

/// `resourceId([subscriptionId], [resourceGroupName], type, names...)` and its subscription
/// and tenant forms, as the id they build: the deployment's subscription and group, where not
/// given, are unknown pieces of their own.
fn id_pieces(function: &str, args: &[Expr], src: &str) -> Option<Vec<Piece>> {
    let type_at = args
        .iter()
        .position(|a| matches!(a, Expr::Str(s) if s.contains('/')))?;
    let Expr::Str(type_) = &args[type_at] else {
        return None;
    };
    let names = &args[type_at + 1..];
    let segments: Vec<&str> = type_.split('/').collect();
    // `Namespace/type/child...`: one name per type segment, or for a child type one name
    // with a segment per type segment (`vnet/subnet`, the id azlint gives a child resource
    // named at deployment: see `child_name_pieces`).
    if segments.len() < 2 || (names.len() != segments.len() - 1 && names.len() != 1) {
        return None;
    }
    let text = |s: &str| Piece::Text(s.to_lowercase());
    let given = |i: usize, out: &mut Vec<Piece>| push_pieces(&args[i], src, out);
    let mut out = Vec::new();
    match (function, type_at) {
        ("resourceid", 0..=2) => {
            out.push(text("/subscriptions/"));
            match type_at {
                2 => given(0, &mut out),
                _ => out.push(Piece::Unknown(SUBSCRIPTION.into())),
            }
            out.push(text("/resourcegroups/"));
            match type_at {
                0 => out.push(Piece::Unknown(GROUP.into())),
                _ => given(type_at - 1, &mut out),
            }
        }
        ("subscriptionresourceid", 0..=1) => {
            out.push(text("/subscriptions/"));
            match type_at {
                1 => given(0, &mut out),
                _ => out.push(Piece::Unknown(SUBSCRIPTION.into())),
            }
        }
        ("tenantresourceid", 0) => {}
        _ => return None,
    }
    out.push(text(&format!(
        "/providers/{}/{}/",
        segments[0], segments[1]
    )));
    if names.len() == 1 && segments.len() > 2 {
        let mut name = Vec::new();
        push_pieces(&names[0], src, &mut name);
        out.extend(child_name_pieces(name, &segments[2..])?);
        return Some(out);
    }
    push_pieces(&names[0], src, &mut out);
    for (segment, name) in segments[2..].iter().zip(&names[1..]) {
        out.push(text(&format!("/{segment}/")));
        push_pieces(name, src, &mut out);
    }
    Some(out)
}

/// The pieces of a child resource's full name (`vnet/subnet`) as the end of its id
/// (`vnet/subnets/subnet`): each `/` its known text spells out is followed by the next child
/// type segment. `None` unless the known text has one `/` per child segment; a deployed name
/// has no more, so the unknown pieces hold none.
fn child_name_pieces(name: Vec<Piece>, children: &[&str]) -> Option<Vec<Piece>> {
    let mut out = Vec::with_capacity(name.len() + children.len());
    let mut next = children.iter();
    for piece in name {
        let Piece::Text(t) = piece else {
            out.push(piece);
            continue;
        };
        let mut parts = t.split('/');
        let mut text = parts.next().unwrap_or_default().to_string();
        for part in parts {
            text.push('/');
            text.push_str(&next.next()?.to_lowercase());
            text.push('/');
            text.push_str(part);
        }
        out.push(Piece::Text(text));
    }
    next.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::{canonical, compare, in_placeholder_scope, readable};

    #[test]
    fn a_child_name_ends_with_its_own_segment() {
        use super::known_last_segment as last;
        assert_eq!(
            last("[concat(concat('ams-lan-nsg-', uniqueString('x')), '/', 'Deny-Keepalive')]")
                .as_deref(),
            Some("Deny-Keepalive")
        );
        assert_eq!(
            last("[format('{0}/allow-{1}', parameters('nsg'), 'dns')]").as_deref(),
            Some("allow-dns")
        );
        assert_eq!(
            last("[concat(parameters('nsg'), '/', parameters('rule'))]"),
            None
        );
        assert_eq!(last("[parameters('name')]"), None);
        // Spelt twice (the second time as a parameter's name): the known text's case.
        assert_eq!(
            last("[format('{0}/Rule', parameters('RULE'))]").as_deref(),
            Some("rule")
        );
        assert_eq!(last("[concat(parameters('nsg'), '/')]"), None);
    }

    #[test]
    fn an_expression_reads_back_as_its_canonical_text() {
        for id in [
            "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'ams-vsNet', concat(parameters('site'), '-LAN'))]",
            "[concat('/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/', uniqueString('it''s'), '/subnets/lan')]",
            "[parameters('id')]",
        ] {
            let c = canonical(id).expect("canonical");
            let back = super::expression_of(&c);
            assert_eq!(canonical(&back).as_deref(), Some(c.as_str()), "{back}");
            assert_eq!(compare(id, &back, true), Some(true), "{back}");
        }
    }

    #[test]
    fn a_nested_extension_names_what_it_extends() {
        let marker = "/Microsoft.Authorization/";
        for (name, extended) in [
            (
                "concat(parameters('nic'), '/Microsoft.Authorization/', '6d2b')",
                Some("parameters('nic')"),
            ),
            (
                "concat(parameters('site'), '-lan/microsoft.authorization/', guid(parameters('p')))",
                Some("concat(parameters('site'), '-lan')"),
            ),
            (
                "format('{0}/{1}/Microsoft.Authorization/{2}', parameters('vnet'), 'lan', '6d2b')",
                Some("concat(parameters('vnet'), '/lan')"),
            ),
            (
                "concat(variables('it''s'), '/Microsoft.Authorization/x')",
                Some("variables('it''s')"),
            ),
            ("concat('/Microsoft.Authorization/', parameters('g'))", None),
            ("concat(parameters('nic'), '/', parameters('g'))", None),
            ("parameters('name')", None),
            ("format('{0:N}/Microsoft.Authorization/x', parameters('n'))", None),
        ] {
            assert_eq!(
                super::extended_name(name, marker).as_deref(),
                extended,
                "{name}"
            );
        }
    }

    #[test]
    fn placeholder_ids_read_as_the_functions_that_gave_them() {
        assert_eq!(
            readable("[concat('lan-', uniqueString('/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG'))]"),
            "[concat('lan-', uniqueString(resourceGroup().id))]"
        );
        assert_eq!(
            readable("[guid('/subscriptions/00000000-0000-0000-0000-000000000000', 'x')]"),
            "[guid(subscription().id, 'x')]"
        );
        assert_eq!(
            readable("[concat('a''', uniqueString('/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg'))]"),
            "[concat('a''', uniqueString(resourceGroup().id))]"
        );
        // Text the user wrote stays: the placeholder inside a longer literal, or after a quote
        // inside a literal; an unclosed literal.
        for kept in [
            "[concat('/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG/x', parameters('a'))]",
            "[concat('it'' ''/subscriptions/00000000-0000-0000-0000-000000000000''')]",
            "[parameters('x')]",
            "[concat('unclosed '/subscriptions/00000000-0000-0000-0000-000000000000]",
        ] {
            assert_eq!(readable(kept), kept);
        }
    }

    const VNET: &str = "[concat(parameters('vnetId'), '/subnets/lan')]";

    #[test]
    fn known_suffixes_tell_subnets_apart() {
        let wan = "[concat(parameters('vnetId'), '/subnets/wan')]";
        assert_eq!(compare(VNET, wan, true), Some(false));
        // In two templates the parameters are two values, but the known ends still differ.
        assert_eq!(compare(VNET, wan, false), Some(false));
        assert_eq!(compare(VNET, VNET, true), Some(true));
        assert_eq!(compare(VNET, VNET, false), None);
    }

    #[test]
    fn spellings_of_one_id_are_equal() {
        let format = "[format('{0}/subnets/{1}', parameters('VNETID'), 'LAN')]";
        assert_eq!(compare(VNET, format, true), Some(true));
        let by_id =
            "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('v'), 'lan')]";
        let joined = "[concat(resourceId('Microsoft.Network/virtualNetworks', parameters('v')), '/subnets/lan')]";
        assert_eq!(compare(by_id, joined, true), Some(true));
        let other =
            "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('v'), 'wan')]";
        assert_eq!(compare(by_id, other, true), Some(false));
    }

    #[test]
    fn addresses_built_from_a_prefix_compare_by_their_ends() {
        let secondary = "[concat(parameters('lanPrefix'), '.69')]";
        let route = "[concat(parameters('lanPrefix'), '.', string(69))]";
        let primary = "[format('{0}.{1}', parameters('lanPrefix'), 68)]";
        assert_eq!(compare(route, secondary, true), Some(true));
        assert_eq!(compare(route, primary, true), Some(false));
        assert_eq!(compare(route, "10.20.0.5", true), Some(false));
        assert_eq!(compare(route, "10.20.0.69", true), None);
        // Of a parameter, `string()` is another expression: nothing is decided.
        let param = "[concat(parameters('lanPrefix'), '.', string(parameters('host')))]";
        assert_eq!(compare(param, secondary, true), None);
    }

    #[test]
    fn principals_name_their_identity() {
        let id = "/subscriptions/s/resourcegroups/rg/providers/microsoft.managedidentity/userassignedidentities/ha";
        let literal = format!("[reference('{id}', 'full').properties.principalid]");
        assert_eq!(super::principal_of(&literal).as_deref(), Some(id));
        let by_expression = "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', concat(parameters('site'), ',-ha')), 'Full').properties.principalId]";
        let target = "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', concat(parameters('site'), ',-ha'))]";
        assert_eq!(super::principal_of(by_expression).as_deref(), Some(target));
        assert_eq!(
            super::id_name(target).as_deref(),
            Some("concat(parameters('site'), ',-ha')")
        );
        // Another property, another form, or no reference: not a principal.
        assert!(super::principal_of(&by_expression.replace("principalId", "clientId")).is_none());
        assert!(super::principal_of(&literal.replace("'full'", "'2023-01-31'")).is_none());
        assert!(super::principal_of("[parameters('principal')]").is_none());
        assert!(super::principal_of("[reference(parameters('x'), 'full'").is_none());
    }

    #[test]
    fn the_start_of_a_scope() {
        let relative = "[format('Microsoft.Network/networkInterfaces/{0}-lan', parameters('s'))]";
        assert_eq!(super::known_start(relative), Some('m'));
        let id = "[resourceId('Microsoft.Network/networkInterfaces', parameters('s'))]";
        assert_eq!(super::known_start(id), Some('/'));
        assert_eq!(super::known_start("[parameters('scope')]"), None);
        assert_eq!(
            super::known_start("[concat('', parameters('scope'))]"),
            None
        );
    }

    #[test]
    fn unknown_ends_decide_nothing() {
        // `vnetId` may end in anything, so these two may be one id.
        let a = "[concat(parameters('vnetId'), parameters('suffix'))]";
        let b = "[concat(parameters('vnetId'), '/subnets/lan')]";
        assert_eq!(compare(a, b, true), None);
        assert_eq!(
            compare("[parameters('a')]", "[parameters('b')]", true),
            None
        );
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/lan";
        assert_eq!(compare(VNET, id, true), None);
        // A literal that cannot end like the expression is another value.
        assert_eq!(
            compare(VNET, &id.replace("/lan", "/wan"), true),
            Some(false)
        );
    }

    #[test]
    fn words_stand_alone() {
        assert!(super::has_word("/resourceGroups/RG", "rg"));
        assert!(super::has_word("RG-ha", "RG"));
        assert!(!super::has_word("ORG-ha", "RG"));
        assert!(!super::has_word("rgx", "RG"));
        assert!(!super::has_word("anything", ""));
    }

    #[test]
    fn known_starts_tell_apart() {
        let id = "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('v'), parameters('s'))]";
        assert_eq!(compare(id, "10.0.0.4", true), Some(false));
        assert_eq!(
            compare(id, "/subscriptions/s/resourceGroups/rg/providers/x", true),
            None
        );
        // A literal that is shorter than the known text is different.
        assert_eq!(
            compare("[concat(parameters('p'), 'abc')]", "", true),
            Some(false)
        );
        assert_eq!(
            compare("[concat(parameters('p'), parameters('q'))]", "", true),
            None
        );
    }

    #[test]
    fn the_placeholder_scope_is_unknown() {
        let real = "/subscriptions/5f1a9c3e-2b7d-4e8a-9c0f-1d2e3f4a5b6c/resourceGroups/rg-cato-ams/providers/Microsoft.Network/virtualNetworks/v/subnets/lan";
        let placeholder_sub = real.replace(
            "5f1a9c3e-2b7d-4e8a-9c0f-1d2e3f4a5b6c",
            super::PLACEHOLDER_ID,
        );
        let placeholder_group = real.replace("rg-cato-ams", "RG");
        assert_eq!(compare(real, &placeholder_sub, true), None);
        assert_eq!(compare(real, &placeholder_group, true), None);
        // What the placeholders leave known still tells ids apart.
        assert_eq!(
            compare(&real.replace("/lan", "/wan"), &placeholder_group, true),
            Some(false)
        );
        let symbol = format!(
            "[format('/subscriptions/{{0}}/resourceGroups/{{1}}/providers/Microsoft.Network/virtualNetworks/{{2}}/subnets/lan', '{}', 'RG', parameters('v'))]",
            super::PLACEHOLDER_ID
        );
        assert_eq!(compare(&symbol, real, true), None);
        // The deployment's own scope, however written, is one value in one template.
        let own =
            "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('v'), 'lan')]";
        assert_eq!(compare(&symbol, own, true), Some(true));
        // A group named like the placeholder's start is a group.
        assert_eq!(
            compare(&real.replace("rg-cato-ams", "RGX"), real, true),
            Some(false)
        );
        // Facts keep ids in lower case.
        assert_eq!(compare(real, &placeholder_group.to_lowercase(), true), None);
    }

    #[test]
    fn what_is_not_understood_stays_unknown() {
        let arrays = "[concat(createArray('a'), parameters('b'))]";
        assert_eq!(
            compare(arrays, "[concat(createArray('b'), parameters('b'))]", true),
            None
        );
        let spec = "[format('{0:N}/x', parameters('a'))]";
        assert_eq!(
            compare(spec, "[format('{0:N}/y', parameters('a'))]", true),
            None
        );
        // An expression that does not parse is one unknown value.
        assert_eq!(compare("[bad(]", "[bad(]", true), Some(true));
        assert_eq!(compare("[bad(]", "x", true), None);
    }

    #[test]
    fn a_child_named_in_one_piece_is_the_child_named_by_segments() {
        // The id azlint gives a subnet declared on its own, named at deployment, and the id a
        // NIC names it by.
        let declared = "[resourceId('Microsoft.Network/virtualNetworks/subnets', format('{0}/{1}-LAN', 'vnet', parameters('site')))]";
        let named = "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', concat(parameters('site'), '-lan'))]";
        let other = "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', concat(parameters('site'), '-wan'))]";
        assert_eq!(compare(declared, named, true), Some(true));
        assert_eq!(compare(declared, other, true), Some(false));
        assert_eq!(canonical(declared), canonical(named));
        assert_ne!(canonical(declared), canonical(other));
        // A name without one `/` per child segment is not split.
        let flat = "[resourceId('Microsoft.Network/virtualNetworks/subnets', parameters('both'))]";
        assert_eq!(compare(flat, named, true), None);
    }

    #[test]
    fn canonical_texts_are_one_per_known_parts() {
        let concat = "[resourceId('Microsoft.Network/networkInterfaces', concat(parameters('site'), '-lan'))]";
        let format = "[resourceId('Microsoft.Network/networkInterfaces', format('{0}-LAN', parameters('Site')))]";
        assert_eq!(canonical(concat), canonical(format));
        assert_ne!(
            canonical(concat),
            canonical("[resourceId('Microsoft.Network/networkInterfaces', parameters('site'))]")
        );
        // Control characters of its own make no canonical text (they would read as pieces).
        assert_eq!(canonical("[concat('a\u{1}', parameters('b'))]"), None);
        // The parent of a subnet named at deployment, in a template without a known scope, is
        // the VNET's placeholder id.
        let vnet = canonical("[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]").unwrap();
        let plain = in_placeholder_scope(&vnet).unwrap();
        assert!(plain
            .starts_with("/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg/"));
        assert!(plain.ends_with("/providers/microsoft.network/virtualnetworks/vnet"));
        let unknown =
            canonical("[resourceId('Microsoft.Network/virtualNetworks', parameters('v'))]")
                .unwrap();
        assert_eq!(in_placeholder_scope(&unknown), None);
    }
}
