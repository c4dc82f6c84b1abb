//! The ARM template language on arbitrary input: bytes -> a template (and, after a NUL byte,
//! a parameter file) -> `expand` -> both emitted forms, each read back as JSON; and the same
//! bytes as one template string (`[...]`) evaluated on its own.
//! Contract: no input panics, hangs or grows without bound; every emitted text is JSON.
#![no_main]

use std::sync::Arc;

use azlint_arm::emit::{emit, Form};
use azlint_arm::eval::{Deployment, Scope};
use azlint_arm::{expand, Inputs, Val};
use azlint_source::SourceFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (template, params) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    if let Ok(text) = std::str::from_utf8(template) {
        // As one expression, with a parameter and a variable-free scope.
        let mut scope = Scope::new(Arc::new(Deployment::default()));
        scope.set_param("p", Val::str("x"), None);
        let _ = scope.eval_str(text);
    }
    let Ok(source) = SourceFile::from_bytes("t.json", template.to_vec()) else {
        return;
    };
    let Ok(tree) = source.parse() else { return };
    let psource = params.and_then(|p| SourceFile::from_bytes("p.json", p.to_vec()).ok());
    let ptree = psource.as_ref().and_then(|p| p.parse().ok());
    let mut inputs = Inputs::default();
    if let (Some(p), Some(t)) = (&psource, &ptree) {
        inputs.files.push(t.root(p.text()));
    }
    let x = expand(tree.root(source.text()), &inputs, Deployment::default());
    for form in [Form::Marked, Form::Template] {
        let e = emit(&x, form, azlint_arm::SCHEMA);
        let back = SourceFile::new("e.json", e.text.clone());
        assert!(back.parse().is_ok(), "emitted text is not JSON:\n{}", e.text);
        for (start, end, _) in &e.origins {
            assert!(start <= end && (*end as usize) <= e.text.len());
        }
    }
    for p in &x.problems {
        let span = azlint_arm::template::problem_span(p, source.text());
        assert!(span.start <= span.end && (span.end as usize) <= source.text().len());
    }
});
