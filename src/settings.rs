//! The settings of one `check` run: command-line flags over the configuration file.

use std::path::{Path, PathBuf};

use azlint_diagnostics::{Finding, Severity};
use azlint_report::{input_descriptors, RuleDescriptor};
use azlint_rules::Rule;
use azlint_source::Files;
use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::cli::{CheckArgs, FailOn};
use crate::config::{Found, Level};
use crate::rules::{matches_word, Loaded};

pub struct Settings {
    select: Vec<String>,
    ignore: Vec<String>,
    /// Input findings that are not errors (IN003 unrecognised input, IN004, IN007, IN008)
    /// the user does not want, by code or name.
    ignored_inputs: Vec<String>,
    /// Severity overrides, least specific first: packs and tags, then ids and names.
    levels: Vec<(String, Level)>,
    /// Globs (relative to `base`) and the rules not run on matching files.
    per_path: Vec<(GlobSet, Vec<String>)>,
    base: PathBuf,
    cwd: PathBuf,
    pub show_unknown: bool,
    fail_on: FailOn,
}

impl Settings {
    pub fn new(args: &CheckArgs, found: &Found, loaded: &Loaded) -> Settings {
        let c = &found.config;
        let words = |v: &[toml::Spanned<String>]| -> Vec<String> {
            v.iter().map(|w| w.get_ref().clone()).collect()
        };
        let select = if args.select.is_empty() {
            words(&c.select)
        } else {
            args.select.clone()
        };
        let mut ignore = words(&c.ignore);
        ignore.extend(args.ignore.iter().cloned());

        let specific = |w: &str| {
            loaded.rules.iter().any(|(r, _)| {
                r.meta.code.eq_ignore_ascii_case(w) || r.meta.name.eq_ignore_ascii_case(w)
            })
        };
        let mut levels: Vec<(String, Level)> = c
            .severity
            .iter()
            .map(|(w, l)| (w.get_ref().clone(), *l))
            .collect();
        levels.sort_by_key(|(w, _)| specific(w));

        // Globs were checked when the configuration was validated.
        let per_path = c
            .per_path_ignores
            .iter()
            .filter_map(|(glob, rules)| {
                let set = path_glob(glob.get_ref()).ok()?;
                Some((set, rules.iter().map(|r| r.get_ref().clone()).collect()))
            })
            .collect();
        let ignored_inputs = ignore
            .iter()
            .filter(|w| is_input_code(w))
            .cloned()
            .collect();
        Settings {
            select,
            ignore,
            ignored_inputs,
            levels,
            per_path,
            base: found.base.clone(),
            cwd: std::env::current_dir().unwrap_or_default(),
            show_unknown: args.show_unknown || c.show_unknown.unwrap_or(false),
            fail_on: args.fail_on.or(c.fail_on).unwrap_or(FailOn::Warning),
        }
    }

    /// The severity a rule reports at, `None` when it is turned off.
    fn level(&self, rule: &Rule) -> Option<Severity> {
        let mut level = Some(rule.meta.severity);
        for (w, l) in &self.levels {
            if matches_word(rule, w) {
                level = l.severity();
            }
        }
        level
    }

    /// The rules this run uses.
    pub fn selected<'r>(&self, loaded: &'r Loaded) -> Vec<&'r Rule> {
        crate::rules::selected(&loaded.rules, &self.select, &self.ignore)
            .into_iter()
            .filter(|r| self.level(r).is_some())
            .collect()
    }

    /// Applies severity overrides and per-path ignores to the findings of the rules.
    pub fn adjust(&self, findings: &mut Vec<Finding>, files: &Files, rules: &[&Rule]) {
        if !self.levels.is_empty() {
            for f in findings.iter_mut().filter(|f| !f.cannot_tell) {
                if let Some(rule) = rules.iter().find(|r| r.meta.code == f.code) {
                    if let Some(s) = self.level(rule) {
                        f.severity = s;
                    }
                }
            }
        }
        if self.per_path.is_empty() {
            return;
        }
        let mut ignored_here: Vec<Option<Vec<&str>>> = vec![None; files.len()];
        findings.retain(|f| {
            if f.is_input_error {
                return true;
            }
            let slot = &mut ignored_here[f.primary.file.0 as usize];
            let words = slot.get_or_insert_with(|| {
                let file = files.get(f.primary.file);
                let path = self.relative(file.path.as_deref(), &file.name);
                self.per_path
                    .iter()
                    .filter(|(set, _)| set.is_match(&path))
                    .flat_map(|(_, rules)| rules.iter().map(String::as_str))
                    .collect()
            });
            match rules.iter().find(|r| r.meta.code == f.code) {
                Some(rule) => !words.iter().any(|w| matches_word(rule, w)),
                None => !words.iter().any(|w| names_finding(f, w)),
            }
        });
    }

    /// Drops input findings named by `--ignore` / `ignore` (never input errors).
    pub fn drop_ignored_inputs(&self, findings: &mut Vec<Finding>) {
        if !self.ignored_inputs.is_empty() {
            findings.retain(|f| {
                f.is_input_error || !self.ignored_inputs.iter().any(|w| names_finding(f, w))
            });
        }
    }

    /// A file's path relative to the configuration's directory (or as given, outside it).
    fn relative(&self, path: Option<&Path>, name: &str) -> PathBuf {
        let path = path.unwrap_or(Path::new(name));
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        };
        let absolute = std::fs::canonicalize(&absolute).unwrap_or(absolute);
        match absolute.strip_prefix(&self.base) {
            Ok(rel) => rel.to_path_buf(),
            Err(_) => path.to_path_buf(),
        }
    }

    /// The lowest severity that fails the run.
    pub fn threshold(&self) -> Option<Severity> {
        match self.fail_on {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }

    /// What SARIF says of each rule: the rules that ran (with their effective severity), then
    /// the input codes the findings use.
    pub fn descriptors(&self, ran: &[&Rule], findings: &[Finding]) -> Vec<RuleDescriptor> {
        let mut out: Vec<RuleDescriptor> = ran
            .iter()
            .map(|r| descriptor(r, self.level(r).unwrap_or(r.meta.severity)))
            .collect();
        for d in input_descriptors() {
            if findings.iter().any(|f| f.code == d.id) {
                out.push(d);
            }
        }
        out
    }
}

/// A `[per-path-ignores]` glob, matched against paths relative to the configuration's
/// folder (`exports/a.json`), read as users write paths: `./exports/**`, `/exports/**`,
/// `exports/` and `exports` all cover what is under the folder, and `.`, `./` everything.
pub fn path_glob(text: &str) -> Result<GlobSet, globset::Error> {
    let mut t = text.trim();
    loop {
        let rest = t.strip_prefix("./").or_else(|| t.strip_prefix('/'));
        match rest {
            Some(rest) => t = rest,
            None => break,
        }
    }
    let mut set = GlobSetBuilder::new();
    if t.is_empty() || t == "." {
        set.add(Glob::new("**")?);
    } else if let Some(folder) = t.strip_suffix('/') {
        set.add(Glob::new(&format!("{folder}/**"))?);
    } else {
        // A file, or a folder named without its slash.
        set.add(Glob::new(t)?);
        set.add(Glob::new(&format!("{t}/**"))?);
    }
    set.build()
}

/// Whether a word is the code or name of an input finding (IN003, unrecognised-input).
pub fn is_input_code(word: &str) -> bool {
    let w = word.trim();
    azlint_diagnostics::input::ALL
        .iter()
        .any(|(code, name, _)| code.eq_ignore_ascii_case(w) || name.eq_ignore_ascii_case(w))
}

fn names_finding(f: &Finding, word: &str) -> bool {
    let w = word.trim();
    f.code.eq_ignore_ascii_case(w) || f.name.eq_ignore_ascii_case(w)
}

fn descriptor(rule: &Rule, severity: Severity) -> RuleDescriptor {
    let m = &rule.meta;
    let d = &m.docs;
    let mut markdown = format!(
        "**{}** ({})\n\n{}\n\n**Why it matters.** {}\n\n**How to fix it.** {}\n",
        m.summary.trim(),
        m.code,
        d.what.trim(),
        d.why.trim(),
        d.fix.trim()
    );
    if let Some(portal) = &d.portal {
        markdown.push_str(&format!("\n**Portal:** {}\n", portal.trim()));
    }
    if let Some(cli) = &d.cli {
        markdown.push_str(&format!("\n```sh\n{}\n```\n", cli.trim()));
    }
    if let Some(uri) = &m.help_uri {
        markdown.push_str(&format!("\n[Documentation]({uri})\n"));
    }
    RuleDescriptor {
        id: m.code.clone(),
        name: m.name.clone(),
        severity,
        short_description: m.summary.trim().to_string(),
        full_description: d.what.trim().to_string(),
        help_text: azlint_rules::docs::explain(rule),
        help_markdown: markdown,
        help_uri: m.help_uri.clone(),
        tags: m.tags.clone(),
        precision: match m.status {
            azlint_rules::Status::Stable => "very-high",
            _ => "high",
        }
        .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::path_glob;

    #[test]
    fn path_globs_read_as_users_write_paths() {
        let matches =
            |glob: &str, path: &str| path_glob(glob).map(|g| g.is_match(path)).unwrap_or(false);
        for glob in [
            "exports/**",
            "./exports/**",
            "exports/",
            "././exports/",
            "exports",
            "/exports/**",
        ] {
            assert!(matches(glob, "exports/ams/resources.json"), "{glob}");
            assert!(!matches(glob, "other/resources.json"), "{glob}");
        }
        for glob in [".", "./", ""] {
            assert!(matches(glob, "other/resources.json"), "{glob:?}");
        }
        assert!(matches("./exports/a.json", "exports/a.json"));
        assert!(!matches("exports/a.json", "exports/a.json.bak"));
        assert!(path_glob("exports/[").is_err());
    }
}
