//! azlint's rules and how they run.
//!
//! A rule has metadata users see (`code`, `name`, severity, the domain.md check it encodes) and
//! a check that reads the inventory and the derived facts and pushes findings. Rules run in
//! parallel; their findings are sorted by the caller, so thread timing never shows in output.

pub mod condition;
pub mod dns;
mod ha;
pub mod path;

use azlint_diagnostics::{Finding, Label, Severity};
use azlint_facts::Facts;
use azlint_inventory::{Document, Inventory, ResIdx};
use azlint_source::Value;
use rayon::prelude::*;

/// What users see of a rule.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, e.g. `HA002`.
    pub code: &'static str,
    /// Kebab-case name, e.g. `vnet-dns-not-public`.
    pub name: &'static str,
    /// The rule pack.
    pub pack: &'static str,
    /// The check of domain.md this rule encodes, e.g. `S2`.
    pub check: &'static str,
    pub severity: Severity,
    /// One line: what the rule checks.
    pub summary: &'static str,
}

/// What a rule reads.
pub struct Context<'a> {
    pub inv: &'a Inventory,
    pub facts: &'a Facts,
}

impl<'a> Context<'a> {
    pub fn new(inv: &'a Inventory, facts: &'a Facts) -> Self {
        Context { inv, facts }
    }

    /// A label at a value of a document.
    pub fn label(&self, doc: &Document, v: Value<'_>) -> Label {
        Label::new(doc.file, v.span())
    }

    /// A label at a resource's `name` (or at the resource when it has none).
    pub fn name_label(&self, res: ResIdx) -> Label {
        let doc = self.inv.document_of(res);
        let v = self.inv.name(res).unwrap_or_else(|| self.inv.value(res));
        self.label(doc, v)
    }

    /// The resource's name for messages.
    pub fn display_name(&self, res: ResIdx) -> String {
        self.inv
            .name(res)
            .and_then(|n| n.as_str().map(|s| s.into_owned()))
            .unwrap_or_else(|| "(unnamed)".to_string())
    }
}

/// A rule.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>);
}

/// Every rule azlint has, in code order.
pub fn all_rules() -> Vec<&'static dyn Rule> {
    ha::RULES.to_vec()
}

/// Runs `rules` and returns their findings (unsorted).
pub fn run(rules: &[&'static dyn Rule], cx: &Context<'_>) -> Vec<Finding> {
    rules
        .par_iter()
        .flat_map_iter(|rule| {
            let mut out = Vec::new();
            rule.check(cx, &mut out);
            out
        })
        .collect()
}

/// Starts a finding of `meta`'s rule at its default severity.
pub fn finding(meta: &RuleMeta, message: impl Into<String>, primary: Label) -> Finding {
    Finding::new((meta.code, meta.name), meta.severity, message, primary)
}

/// The resource group named in a resource id, for the `az` commands in help texts.
pub fn resource_group(id: &str) -> Option<&str> {
    let mut parts = id.split('/');
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case("resourcegroups") {
            return parts.next();
        }
    }
    None
}
