//! What several fuzz targets share (included with `#[path]`; not a target of its own).

use std::sync::OnceLock;

use azlint_rules::{builtin_sources, compile, Rule};

/// The built-in rules, compiled once per fuzzing process.
pub fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        builtin_sources()
            .iter()
            .map(|s| compile(s).unwrap_or_else(|e| panic!("built-in rule {}: {e:?}", s.name)))
            .collect()
    })
}
