//! Writing an expanded template as JSON text, remembering where each value came from.
//!
//! Two forms. For people and scripts (`azlint expand`), an unknown value is an object
//! `{"$unknown": reason, "expression": "[...]"}`. For the linter, the expanded template is read
//! back as an input document: there an unknown is its template expression (`"[...]"`, which
//! every rule already treats as "cannot tell") with its reason kept aside by offset, and a
//! real string that looks like an expression is escaped as `[[`.

use std::collections::HashMap;
use std::fmt::Write;

use azlint_source::Span;

use crate::expr::is_expression;
use crate::template::{Expanded, Node, Origin};
use crate::value::Val;

/// How unknown values are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `{"$unknown": reason, "expression": "[...]"}`.
    Marked,
    /// `"[...]"`, as template text.
    Template,
}

/// An expanded template as text.
#[derive(Debug, Default)]
pub struct Emitted {
    pub text: String,
    /// `(start, end, origin)` of every value written, in text order (parents first).
    pub origins: Vec<(u32, u32, Origin)>,
    /// The reason of each unknown, by the offset of its text ([`Form::Template`] only).
    pub reasons: HashMap<u32, String>,
    /// The text of each resource, in the order of [`Expanded::resources`].
    pub resources: Vec<(u32, u32)>,
}

impl Emitted {
    /// The origin of the innermost value containing `span`.
    pub fn origin_of(&self, span: Span) -> Option<Origin> {
        let upto = self.origins.partition_point(|(s, _, _)| *s <= span.start);
        self.origins[..upto]
            .iter()
            .rev()
            .find(|(s, e, _)| *s <= span.start && *e >= span.end)
            .map(|(_, _, o)| *o)
    }
}

/// Writes `x` with its resources and outputs.
pub fn emit(x: &Expanded, form: Form, schema: &str) -> Emitted {
    let mut w = Writer {
        out: Emitted::default(),
        form,
    };
    w.out.text.push_str("{\n  \"$schema\": ");
    w.string(schema);
    w.out
        .text
        .push_str(",\n  \"contentVersion\": \"1.0.0.0\",\n  \"resources\": [");
    for (i, r) in x.resources.iter().enumerate() {
        w.out
            .text
            .push_str(if i == 0 { "\n    " } else { ",\n    " });
        let start = w.pos();
        match &r.node {
            // `azlint expand` says which resources are deployed only under a condition it
            // cannot evaluate, as it marks every other unknown.
            Node::Object(members, origin) if form == Form::Marked && r.conditional => {
                let mut members = members.clone();
                members.insert(
                    0,
                    (
                        std::sync::Arc::from("condition"),
                        Node::Leaf(
                            Val::unknown(
                                "the resource's `condition` is unknown before deployment: it may not be deployed",
                                "condition",
                            ),
                            *origin,
                        ),
                    ),
                );
                w.node(&Node::Object(members, *origin), 2);
            }
            node => w.node(node, 2),
        }
        let end = w.pos();
        w.out.resources.push((start, end));
    }
    w.out
        .text
        .push_str(if x.resources.is_empty() { "]" } else { "\n  ]" });
    if form == Form::Marked {
        w.out.text.push_str(",\n  \"outputs\": {");
        for (i, (name, ty, value)) in x.outputs.iter().enumerate() {
            w.out
                .text
                .push_str(if i == 0 { "\n    " } else { ",\n    " });
            w.string(name);
            w.out.text.push_str(": {\n      \"type\": ");
            w.string(ty);
            w.out.text.push_str(",\n      \"value\": ");
            w.node(value, 3);
            w.out.text.push_str("\n    }");
        }
        w.out
            .text
            .push_str(if x.outputs.is_empty() { "}" } else { "\n  }" });
    }
    w.out.text.push_str("\n}\n");
    w.out
}

struct Writer {
    out: Emitted,
    form: Form,
}

impl Writer {
    fn pos(&self) -> u32 {
        self.out.text.len() as u32
    }

    fn indent(&mut self, level: usize) {
        self.out.text.push('\n');
        for _ in 0..level {
            self.out.text.push_str("  ");
        }
    }

    fn node(&mut self, n: &Node, level: usize) {
        let start = self.pos();
        let slot = self.out.origins.len();
        self.out.origins.push((start, start, n.origin()));
        match n {
            Node::Leaf(v, _) => self.val(v, level),
            Node::Array(items, _) => {
                if items.is_empty() {
                    self.out.text.push_str("[]");
                } else {
                    self.out.text.push('[');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            self.out.text.push(',');
                        }
                        self.indent(level + 1);
                        self.node(item, level + 1);
                    }
                    self.indent(level);
                    self.out.text.push(']');
                }
            }
            Node::Object(members, _) => {
                if members.is_empty() {
                    self.out.text.push_str("{}");
                } else {
                    self.out.text.push('{');
                    for (i, (k, v)) in members.iter().enumerate() {
                        if i > 0 {
                            self.out.text.push(',');
                        }
                        self.indent(level + 1);
                        self.string(k);
                        self.out.text.push_str(": ");
                        self.node(v, level + 1);
                    }
                    self.indent(level);
                    self.out.text.push('}');
                }
            }
        }
        let end = self.pos();
        self.out.origins[slot].1 = end;
    }

    fn val(&mut self, v: &Val, level: usize) {
        match v {
            Val::Null => self.out.text.push_str("null"),
            Val::Bool(b) => self.out.text.push_str(if *b { "true" } else { "false" }),
            Val::Int(i) => {
                let _ = write!(self.out.text, "{i}");
            }
            Val::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => {
                    let _ = write!(self.out.text, "{n}");
                }
                None => self.out.text.push_str("null"),
            },
            Val::Str(s) => {
                if self.form == Form::Template
                    && (is_expression(s) || s.trim_start().starts_with("[["))
                {
                    self.string(&format!("[{s}"));
                } else {
                    self.string(s);
                }
            }
            Val::Array(a) => {
                if a.is_empty() {
                    self.out.text.push_str("[]");
                    return;
                }
                self.out.text.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        self.out.text.push(',');
                    }
                    self.indent(level + 1);
                    self.val(x, level + 1);
                }
                self.indent(level);
                self.out.text.push(']');
            }
            Val::Object(o) => {
                if o.is_empty() {
                    self.out.text.push_str("{}");
                    return;
                }
                self.out.text.push('{');
                for (i, (k, x)) in o.iter().enumerate() {
                    if i > 0 {
                        self.out.text.push(',');
                    }
                    self.indent(level + 1);
                    self.string(k);
                    self.out.text.push_str(": ");
                    self.val(x, level + 1);
                }
                self.indent(level);
                self.out.text.push('}');
            }
            Val::Unknown(u) => match self.form {
                Form::Marked => {
                    self.out.text.push_str("{\"$unknown\": ");
                    self.string(&u.reason);
                    self.out.text.push_str(", \"expression\": ");
                    self.string(&format!("[{}]", u.symbol));
                    self.out.text.push('}');
                }
                Form::Template => {
                    let at = self.pos();
                    self.out.reasons.insert(at, u.reason.clone());
                    self.string(&format!("[{}]", u.symbol));
                }
            },
            Val::Lambda(_) => self.string("<lambda>"),
        }
    }

    fn string(&mut self, s: &str) {
        self.out.text.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.text.push_str("\\\""),
                '\\' => self.out.text.push_str("\\\\"),
                '\n' => self.out.text.push_str("\\n"),
                '\r' => self.out.text.push_str("\\r"),
                '\t' => self.out.text.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(self.out.text, "\\u{:04x}", c as u32);
                }
                c => self.out.text.push(c),
            }
        }
        self.out.text.push('"');
    }
}
