//! JSON-with-comments parsing: bytes -> `SourceFile::from_bytes` -> `parse()` -> a walk over
//! every value (spans, line/column, lookups, string decoding) and `Tree::item_after`.
//! Contract: no input panics.
#![no_main]

use azlint_source::{After, Kind, SourceFile, Span, Tree, Value};
use libfuzzer_sys::fuzz_target;

fn check_span(text: &str, span: Span) {
    assert!(span.start <= span.end, "span {span:?} runs backwards");
    assert!(
        span.end as usize <= text.len(),
        "span {span:?} past the end ({})",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start as usize),
        "span {span:?} starts inside a character"
    );
    assert!(
        text.is_char_boundary(span.end as usize),
        "span {span:?} ends inside a character"
    );
}

fn check_value(file: &SourceFile, tree: &Tree, v: Value<'_>) {
    let text = file.text();
    let span = v.span();
    check_span(text, span);
    let _ = v.source_text();
    for offset in [span.start, span.end] {
        let lc = file.line_col(offset);
        assert!(lc.line >= 1 && lc.column >= 1 && lc.column_utf16 >= lc.column);
    }
    let _ = v.is_null();
    let _ = v.as_bool();
    let _ = v.as_f64();
    let _ = v.as_i64();
    let _ = v.len();
    let _ = v.is_empty();
    if let Some(s) = v.as_str() {
        assert!(v.str_eq(&s));
        assert!(v.str_eq_ignore_case(&s));
    }
    let again = tree
        .value(text, v.index())
        .expect("a value's own index resolves");
    assert_eq!(again.span(), span);
    // Lookups on every kind, with keys that are and are not there.
    let _ = v.get_ignore_case("properties");
    let _ = v.get("");
    let _ = v.pointer(&["properties", "id"]);
}

fuzz_target!(|data: &[u8]| {
    let Ok(file) = SourceFile::from_bytes("fuzz.jsonc", data.to_vec()) else {
        return;
    };
    let text = file.text();
    let _ = file.line_col(0);
    let _ = file.line_col(text.len() as u32);
    let _ = file.line_col(u32::MAX);
    let Ok(tree) = file.parse() else {
        return;
    };
    let root = tree.root(text);
    let mut stack = vec![root];
    let mut walked = 0usize;
    let mut offsets = vec![0u32, 1, text.len() as u32 / 2, text.len() as u32, u32::MAX];
    while let Some(v) = stack.pop() {
        walked += 1;
        assert!(
            walked <= tree.node_count(),
            "walk visits more values than the tree has"
        );
        check_value(&file, &tree, v);
        if offsets.len() < 64 {
            offsets.push(v.span().start);
            offsets.push(v.span().end.saturating_sub(1));
        }
        match v.kind() {
            Kind::Object => {
                for (k, val) in v.members() {
                    check_value(&file, &tree, k);
                    let key = k.as_str().expect("object keys are strings");
                    assert!(
                        v.get_ignore_case(&key).is_some(),
                        "key {key:?} of an object is not found in it"
                    );
                    assert!(v.get(&key).is_some(), "key {key:?} not found by get");
                    let upper = key.to_ascii_uppercase();
                    assert!(v.get_ignore_case(&upper).is_some());
                    stack.push(val);
                }
            }
            Kind::Array => stack.extend(v.elements()),
            _ => {}
        }
    }
    for offset in offsets {
        match tree.item_after(text, offset) {
            After::Item(span) => check_span(text, span),
            After::InString | After::Nothing => {}
        }
    }
});
