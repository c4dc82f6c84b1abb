//! azlint's rules: rule files, the language they are written in, and how they run.
//!
//! A rule is a YAML file under `rules/<pack>/` (see `rules/README.md`): metadata users see,
//! documentation, which resources it reads (types, site scope, a vSocket role, `forEach`
//! items), an Azure-Policy-style condition over JSONPath fields and named facts, and where and
//! how to report. The built-in packs are embedded at build time; users add their own with
//! `--rules DIR`. Rules run in parallel; their findings are sorted by the caller, so thread
//! timing never shows in output.

pub mod condition;
pub mod dns;
pub mod docs;
mod engine;
pub mod facts;
pub mod file;
pub mod path;

use azlint_facts::Facts;
use azlint_inventory::Inventory;

pub use engine::run;
pub use file::{Rule, RuleError, RuleMeta, Status};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// What a rule reads.
pub struct Context<'a> {
    pub inv: &'a Inventory,
    pub facts: &'a Facts,
    /// Site facts are the same for every resource of a site: computed once per site.
    /// Keyed by site index and the fact's index in [`facts::FACTS`].
    site_facts:
        std::sync::Mutex<std::collections::HashMap<(usize, usize), condition::FactAnswer<'a>>>,
    /// Parsed NSG rules by NSG.
    #[allow(clippy::type_complexity)]
    nsg_rules: std::sync::Mutex<
        std::collections::HashMap<
            azlint_inventory::ResIdx,
            Result<std::sync::Arc<azlint_facts::nsg::Rules<'a>>, String>,
        >,
    >,
}

impl<'a> Context<'a> {
    pub fn new(inv: &'a Inventory, facts: &'a Facts) -> Self {
        Context {
            inv,
            facts,
            site_facts: Default::default(),
            nsg_rules: Default::default(),
        }
    }

    /// An NSG's rules, read once per run.
    fn nsg_rules(
        &self,
        nsg: azlint_inventory::ResIdx,
    ) -> Result<std::sync::Arc<azlint_facts::nsg::Rules<'a>>, String> {
        if let Ok(cache) = self.nsg_rules.lock() {
            if let Some(hit) = cache.get(&nsg) {
                return hit.clone();
            }
        }
        let rules = azlint_facts::nsg::rules(self.inv, nsg).map(std::sync::Arc::new);
        if let Ok(mut cache) = self.nsg_rules.lock() {
            cache.insert(nsg, rules.clone());
        }
        rules
    }

    /// A site fact from the cache, or computed and cached.
    fn cached_site_fact(
        &self,
        site: usize,
        name: &str,
        compute: impl FnOnce() -> condition::FactAnswer<'a>,
    ) -> condition::FactAnswer<'a> {
        let Some(fact) = facts::FACTS.iter().position(|(n, _)| *n == name) else {
            return compute();
        };
        let key = (site, fact);
        if let Ok(cache) = self.site_facts.lock() {
            if let Some(hit) = cache.get(&key) {
                return hit.clone();
            }
        }
        let answer = compute();
        if let Ok(mut cache) = self.site_facts.lock() {
            cache.insert(key, answer.clone());
        }
        answer
    }
}

/// A rule file: where it came from and its text.
#[derive(Debug, Clone)]
pub struct RuleSource {
    pub pack: String,
    /// The file's name as shown to users: `rules/ha/x.yaml` for built-in rules.
    pub name: String,
    pub text: String,
}

/// The built-in rule files.
pub fn builtin_sources() -> Vec<RuleSource> {
    builtin::BUILTIN
        .iter()
        .map(|(pack, file, text)| RuleSource {
            pack: pack.to_string(),
            name: format!("rules/{pack}/{file}"),
            text: text.to_string(),
        })
        .collect()
}

/// Compiles one rule file.
pub fn compile(source: &RuleSource) -> Result<Rule, RuleError> {
    Rule::parse(&source.text, &source.pack, &engine::Facts)
}

/// The built-in rules, compiled. A built-in rule that does not compile is a bug that the test
/// suite catches; here it is skipped rather than taking the run down.
pub fn builtin_rules() -> Vec<Rule> {
    builtin_sources()
        .iter()
        .filter_map(|s| compile(s).ok())
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_rule_compiles_and_is_unique() {
        let sources = builtin_sources();
        assert!(!sources.is_empty(), "no built-in rules found");
        let mut codes = std::collections::BTreeSet::new();
        let mut names = std::collections::BTreeSet::new();
        for s in &sources {
            let rule = compile(s).unwrap_or_else(|e| panic!("{}: {e:?}", s.name));
            assert!(
                codes.insert(rule.meta.code.clone()),
                "duplicate id {}",
                rule.meta.code
            );
            assert!(
                names.insert(rule.meta.name.clone()),
                "duplicate name {}",
                rule.meta.name
            );
            assert_eq!(
                s.name,
                format!("rules/{}/{}.yaml", s.pack, rule.meta.name),
                "a rule file is named after its rule"
            );
        }
    }
}
