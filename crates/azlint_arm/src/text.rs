//! What is known of a string that is known only at deployment.
//!
//! An evaluated template keeps such a string as its expression (a symbol):
//! `[concat(parameters('vnetId'), '/subnets/lan')]`. The parts the expression spells out are
//! known although the whole is not, and they are often enough to tell two values apart: that
//! subnet is not `[concat(parameters('vnetId'), '/subnets/wan')]`, nor `/subscriptions/.../x`.
//! [`compare`] decides what the known parts decide, and nothing more.

use crate::expr::{parse_string, Expr, Parsed};

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

/// The known and unknown pieces of a string, lower-cased.
fn pieces_of(s: &str) -> Vec<Piece> {
    match parse_string(s) {
        Ok(Parsed::Literal(text)) => vec![Piece::Text(text.to_lowercase())],
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
        Expr::Str(s) => out.push(Piece::Text(s.to_lowercase())),
        Expr::Int(i) => out.push(Piece::Text(i.to_string())),
        Expr::Call { name, args, .. } => match name.to_ascii_lowercase().as_str() {
            "concat" if args.iter().all(is_stringish) => {
                for a in args {
                    push_pieces(a, src, out);
                }
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
    let mut text = String::new();
    let mut chars = f.chars().peekable();
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
                let mut n = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        d if d.is_ascii_digit() => n.push(d),
                        _ => return None,
                    }
                }
                let arg = args.get(n.parse::<usize>().ok()?.checked_add(1)?)?;
                if !is_stringish(arg) {
                    return None;
                }
                out.push(Piece::Text(std::mem::take(&mut text).to_lowercase()));
                push_pieces(arg, src, &mut out);
            }
            '}' => return None,
            c => text.push(c),
        }
    }
    out.push(Piece::Text(text.to_lowercase()));
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
    // `Namespace/type/child...`: one name per type segment.
    if segments.len() < 2 || names.len() != segments.len() - 1 {
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
                _ => out.push(Piece::Unknown("subscription().subscriptionid".into())),
            }
            out.push(text("/resourcegroups/"));
            match type_at {
                0 => out.push(Piece::Unknown("resourcegroup().name".into())),
                _ => given(type_at - 1, &mut out),
            }
        }
        ("subscriptionresourceid", 0..=1) => {
            out.push(text("/subscriptions/"));
            match type_at {
                1 => given(0, &mut out),
                _ => out.push(Piece::Unknown("subscription().subscriptionid".into())),
            }
        }
        ("tenantresourceid", 0) => {}
        _ => return None,
    }
    out.push(text(&format!(
        "/providers/{}/{}/",
        segments[0], segments[1]
    )));
    push_pieces(&names[0], src, &mut out);
    for (segment, name) in segments[2..].iter().zip(&names[1..]) {
        out.push(text(&format!("/{segment}/")));
        push_pieces(name, src, &mut out);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::compare;

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
}
