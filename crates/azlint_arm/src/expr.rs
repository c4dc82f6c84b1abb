//! The expression syntax: `[concat(parameters('prefix'), '-nic')]`, `[resourceGroup().location]`,
//! `[variables('subnets')[copyIndex()].name]`.
//!
//! A string value is an expression when it starts with `[` and ends with `]`; `[[` escapes a
//! literal bracket. Inside: string literals in single quotes (`''` for a quote), integers,
//! function calls (optionally `namespace.function` for user-defined functions), property
//! access with `.name` and indexing with `[expr]`. Positions are byte offsets in the string.

use std::sync::Arc;

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Str(Arc<str>),
    Int(i64),
    Bool(bool),
    Null,
    /// A function call. `name` as written; `at` the byte range of the name and arguments.
    Call {
        name: Box<str>,
        args: Vec<Expr>,
        at: (u32, u32),
    },
    /// `target.name`
    Prop {
        target: Box<Expr>,
        name: Box<str>,
        at: (u32, u32),
    },
    /// `target[index]`
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
        at: (u32, u32),
    },
}

impl Expr {
    /// The byte range this expression covers in its string.
    pub fn at(&self) -> Option<(u32, u32)> {
        match self {
            Expr::Call { at, .. } | Expr::Prop { at, .. } | Expr::Index { at, .. } => Some(*at),
            _ => None,
        }
    }
}

/// A syntax error at a byte range of the string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub at: (u32, u32),
}

/// What a template string is.
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed {
    /// A plain string (with a `[[` escape already removed).
    Literal(String),
    /// An expression; its offsets are relative to the whole string.
    Expr(Expr),
}

/// Expressions nest at most this deep: deeper input is an error, not a stack overflow.
const MAX_DEPTH: usize = 128;

/// Whether a template string is an expression (`[...]`, not `[[...`).
pub fn is_expression(s: &str) -> bool {
    let t = s.trim();
    t.len() >= 2 && t.starts_with('[') && !t.starts_with("[[") && t.ends_with(']')
}

/// Parses a template string.
pub fn parse_string(s: &str) -> Result<Parsed, SyntaxError> {
    let trimmed_start = s.len() - s.trim_start().len();
    let t = s.trim();
    if t.starts_with("[[") && t.ends_with(']') {
        // `[[x]` is the literal `[x]`.
        return Ok(Parsed::Literal(s.replacen("[[", "[", 1)));
    }
    if !is_expression(s) {
        return Ok(Parsed::Literal(s.to_string()));
    }
    let start = trimmed_start + 1;
    let end = trimmed_start + t.len() - 1;
    let mut p = Parser {
        src: s.as_bytes(),
        pos: start,
        end,
        depth: 0,
    };
    p.skip_ws();
    if p.pos >= p.end {
        return Err(p.error_at(start, end, "an empty expression `[]`"));
    }
    let e = p.expr()?;
    p.skip_ws();
    if p.pos < p.end {
        return Err(p.error_at(p.pos, end, "unexpected text after the expression"));
    }
    Ok(Parsed::Expr(e))
}

/// Parses an expression without brackets (a lambda body given as text, for tests).
pub fn parse_expr(s: &str) -> Result<Expr, SyntaxError> {
    let mut p = Parser {
        src: s.as_bytes(),
        pos: 0,
        end: s.len(),
        depth: 0,
    };
    p.skip_ws();
    let e = p.expr()?;
    p.skip_ws();
    if p.pos < p.end {
        return Err(p.error_at(p.pos, p.end, "unexpected text after the expression"));
    }
    Ok(e)
}

struct Parser<'a> {
    src: &'a [u8],
    pos: usize,
    end: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error_at(&self, from: usize, to: usize, message: &str) -> SyntaxError {
        SyntaxError {
            message: message.to_string(),
            at: (from as u32, to.max(from) as u32),
        }
    }

    fn peek(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.src[self.pos])
    }

    /// Skips whitespace, Unicode's included (templates copied from web pages carry
    /// no-break spaces, and Azure accepts them).
    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_ascii_whitespace() {
                self.pos += 1;
                continue;
            }
            if c < 0x80 {
                break;
            }
            let ch = (2..=4)
                .filter(|n| self.pos + n <= self.end)
                .find_map(|n| std::str::from_utf8(&self.src[self.pos..self.pos + n]).ok())
                .and_then(|s| s.chars().next());
            match ch {
                Some(ch) if ch.is_whitespace() => self.pos += ch.len_utf8(),
                _ => break,
            }
        }
    }

    fn text(&self, from: usize, to: usize) -> &str {
        std::str::from_utf8(&self.src[from..to]).unwrap_or("")
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(self.pos, self.end, "the expression nests too deeply"));
        }
        self.skip_ws();
        let start = self.pos;
        let mut e = self.primary()?;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'.') => {
                    self.pos += 1;
                    self.skip_ws();
                    let name_start = self.pos;
                    while self.peek().is_some_and(|c| {
                        c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
                    }) {
                        self.pos += 1;
                    }
                    if self.pos == name_start {
                        return Err(self.error_at(
                            name_start,
                            name_start + 1,
                            "a property name must follow `.`",
                        ));
                    }
                    let name = self.text(name_start, self.pos).into();
                    e = Expr::Prop {
                        target: Box::new(e),
                        name,
                        at: (start as u32, self.pos as u32),
                    };
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.skip_ws();
                    let index = self.expr()?;
                    self.skip_ws();
                    if self.peek() != Some(b']') {
                        return Err(self.error_at(
                            self.pos,
                            self.pos + 1,
                            "expected `]` to close the index",
                        ));
                    }
                    self.pos += 1;
                    e = Expr::Index {
                        target: Box::new(e),
                        index: Box::new(index),
                        at: (start as u32, self.pos as u32),
                    };
                }
                _ => break,
            }
        }
        self.depth -= 1;
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            None => Err(self.error_at(start, start, "the expression ends too early")),
            Some(b'\'') => self.string(),
            Some(c) if c.is_ascii_digit() || c == b'-' || c == b'+' => {
                self.pos += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
                let text = self.text(start, self.pos);
                if self.peek() == Some(b'.')
                    && self
                        .src
                        .get(self.pos + 1)
                        .is_some_and(|c| c.is_ascii_digit())
                {
                    return Err(self.error_at(
                        start,
                        self.pos + 1,
                        "numbers in expressions are integers",
                    ));
                }
                text.parse::<i64>()
                    .map(Expr::Int)
                    .map_err(|_| self.error_at(start, self.pos, "not an integer"))
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$')
                {
                    self.pos += 1;
                }
                // A user-defined function: `namespace.name(`.
                let save = self.pos;
                if self.peek() == Some(b'.') {
                    let mut q = self.pos + 1;
                    while q < self.end
                        && (self.src[q].is_ascii_alphanumeric() || self.src[q] == b'_')
                    {
                        q += 1;
                    }
                    let mut r = q;
                    while r < self.end && self.src[r].is_ascii_whitespace() {
                        r += 1;
                    }
                    if q > self.pos + 1 && r < self.end && self.src[r] == b'(' {
                        self.pos = q;
                    }
                }
                let name_end = self.pos;
                let name = self.text(start, name_end).to_string();
                self.skip_ws();
                if self.peek() != Some(b'(') {
                    self.pos = save;
                    return match name.to_ascii_lowercase().as_str() {
                        "true" => Ok(Expr::Bool(true)),
                        "false" => Ok(Expr::Bool(false)),
                        "null" => Ok(Expr::Null),
                        _ => Err(self.error_at(
                            start,
                            name_end,
                            &format!("`{name}` is not a function call: expected `(` after it"),
                        )),
                    };
                }
                self.pos += 1;
                let mut args = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b')') {
                    self.pos += 1;
                } else {
                    loop {
                        args.push(self.expr()?);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b')') => {
                                self.pos += 1;
                                break;
                            }
                            _ => {
                                return Err(self.error_at(
                                    self.pos,
                                    (self.pos + 1).min(self.end.max(self.pos)),
                                    &format!("expected `,` or `)` in the arguments of `{name}()`"),
                                ))
                            }
                        }
                    }
                }
                Ok(Expr::Call {
                    name: name.into(),
                    args,
                    at: (start as u32, self.pos as u32),
                })
            }
            Some(_) => {
                let ch_end = (start + 1..=self.end)
                    .find(|&i| std::str::from_utf8(&self.src[start..i]).is_ok())
                    .unwrap_or(self.end);
                Err(self.error_at(
                    start,
                    ch_end,
                    &format!("unexpected `{}`", self.text(start, ch_end)),
                ))
            }
        }
    }

    fn string(&mut self) -> Result<Expr, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => {
                    return Err(self.error_at(start, self.end, "the string is not closed with `'`"))
                }
                Some(b'\'') => {
                    if self.src.get(self.pos + 1) == Some(&b'\'') && self.pos + 1 < self.end {
                        out.push(b'\'');
                        self.pos += 2;
                    } else {
                        self.pos += 1;
                        break;
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        Ok(Expr::Str(String::from_utf8_lossy(&out).into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: Vec<Expr>, at: (u32, u32)) -> Expr {
        Expr::Call {
            name: name.into(),
            args,
            at,
        }
    }

    #[test]
    fn literals_and_escapes() {
        assert_eq!(
            parse_string("plain").unwrap(),
            Parsed::Literal("plain".into())
        );
        assert_eq!(parse_string("[[x]").unwrap(), Parsed::Literal("[x]".into()));
        assert_eq!(parse_string("[x").unwrap(), Parsed::Literal("[x".into()));
    }

    #[test]
    fn calls_properties_and_indexes() {
        let Parsed::Expr(e) = parse_string("[concat('a''b', parameters('p')[0].name)]").unwrap()
        else {
            panic!()
        };
        let param = call("parameters", vec![Expr::Str("p".into())], (16, 31));
        let index = Expr::Index {
            target: Box::new(param),
            index: Box::new(Expr::Int(0)),
            at: (16, 34),
        };
        let prop = Expr::Prop {
            target: Box::new(index),
            name: "name".into(),
            at: (16, 39),
        };
        assert_eq!(
            e,
            call("concat", vec![Expr::Str("a'b".into()), prop], (1, 40))
        );
    }

    #[test]
    fn user_functions_have_namespaces() {
        let Parsed::Expr(e) = parse_string("[contoso.uniqueName('x').length]").unwrap() else {
            panic!()
        };
        let Expr::Prop { target, .. } = e else {
            panic!()
        };
        assert!(matches!(*target, Expr::Call { ref name, .. } if &**name == "contoso.uniqueName"));
    }

    #[test]
    fn errors_are_located() {
        let e = parse_string("[concat('a' 'b')]").unwrap_err();
        assert_eq!(e.at.0, 12);
        assert!(parse_string("[concat('a')").is_ok()); // no closing bracket: a literal
        assert!(parse_string("['open]").is_err());
        assert!(parse_string("[]").is_err());
        assert!(parse_string("[1.5]").is_err());
        assert!(parse_string("[concat('a',\u{a0}'b')]").is_ok());
        let deep = format!("[{}1{}]", "concat(".repeat(500), ")".repeat(500));
        assert!(parse_string(&deep).unwrap_err().message.contains("deeply"));
    }
}
