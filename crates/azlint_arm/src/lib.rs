//! The ARM template language, evaluated offline.
//!
//! [`template::expand`] binds a template's parameters (from parameter files, the command line,
//! the configuration or defaults), evaluates variables, resources (copy loops, conditions,
//! nested inline templates) and outputs, and keeps for every value the template text it came
//! from. [`emit::emit`] writes the result as JSON. What cannot be known offline
//! (`reference()`, `list*()`, a parameter without a value) is [`Val::Unknown`], with a reason
//! and a canonical symbol, and spreads to every value computed from it.

pub mod emit;
pub mod eval;
pub mod expr;
pub mod functions;
pub mod template;
pub mod text;
pub mod value;

use std::sync::Arc;

pub use eval::Deployment;
pub use template::{expand, Expanded, Inputs};
pub use value::{EvalError, EvalResult, Obj, Unknown, Val};

/// The `$schema` of an expanded template.
pub const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

/// Expands a template given as JSON text, with an optional ARM parameter file's text, and
/// returns the expanded template: `resources` evaluated, `outputs` as `{name: {type, value}}`.
/// Unknown values are `{"$unknown": reason, "expression": "[...]"}`; expression errors, if
/// any, are listed under `$problems` as `line:column: message`.
pub fn expand_text(template: &str, parameters: Option<&str>) -> Result<serde_json::Value, String> {
    let t = azlint_source::SourceFile::new("template.json", template);
    let tree = t.parse().map_err(|e| format!("template: {e}"))?;
    let p = parameters.map(|p| Arc::new(azlint_source::SourceFile::new("parameters.json", p)));
    let ptree = match &p {
        Some(p) => Some(p.parse().map_err(|e| format!("parameters: {e}"))?),
        None => None,
    };
    let mut inputs = Inputs::default();
    if let (Some(p), Some(tree)) = (&p, &ptree) {
        inputs.files.push(tree.root(p.text()));
    }
    let x = expand(tree.root(t.text()), &inputs, Deployment::default());
    let e = emit::emit(&x, emit::Form::Marked, SCHEMA);
    let mut out: serde_json::Value =
        serde_json::from_str(&e.text).map_err(|e| format!("internal: {e}"))?;
    // Expression errors are listed with the expansion, which holds unknowns in their place.
    if !x.problems.is_empty() {
        let problems = x
            .problems
            .iter()
            .map(|p| {
                let at = t.line_col(p.span.start);
                serde_json::Value::String(format!("{}:{}: {}", at.line, at.column, p.message))
            })
            .collect();
        out["$problems"] = serde_json::Value::Array(problems);
    }
    Ok(out)
}
