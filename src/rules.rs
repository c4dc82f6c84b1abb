//! The rules of a run: built-in packs plus `--rules DIR`, selected with `--select` and
//! `--ignore`; and the `rules`, `explain` and `docs` commands.

use std::path::Path;
use std::sync::Arc;

use azlint_diagnostics::{Finding, Label, Severity};
use azlint_rules::{builtin_sources, compile, docs, Rule, RuleSource};
use azlint_source::{Files, SourceFile, Span};
use serde::Serialize;

use crate::check::Outcome;
use crate::cli::{ConfigSourceArgs, DocsArgs, ExplainArgs, ListFormat, RuleSourceArgs, RulesArgs};

/// A rule file that cannot be used: the file, where (line, column) and why.
pub type Problem = (RuleSource, Option<(u64, u64)>, String);

/// Rules and the files they came from; problems in user rule files as findings.
pub struct Loaded {
    pub rules: Vec<(Rule, RuleSource)>,
    /// Rule files that could not be read or compiled, as located findings (exit 2).
    pub problems: Vec<Problem>,
}

/// Loads the built-in rules and those under each `--rules` directory.
pub fn load(args: &RuleSourceArgs) -> Loaded {
    let mut sources = builtin_sources();
    let mut problems = Vec::new();
    // A folder named twice (by the configuration file and by --rules, say) is read once.
    let mut seen: Vec<std::path::PathBuf> = Vec::new();
    for dir in &args.rule_dirs {
        let same = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
        if seen.contains(&same) {
            continue;
        }
        seen.push(same);
        match user_sources(dir) {
            Ok(found) => sources.extend(found),
            Err(e) => problems.push((
                RuleSource {
                    pack: String::new(),
                    name: dir.display().to_string(),
                    text: String::new(),
                    builtin: false,
                },
                None,
                e,
            )),
        }
    }
    let mut rules: Vec<(Rule, RuleSource)> = Vec::new();
    for source in sources {
        match compile(&source) {
            Ok(rule) => {
                let clash = rules
                    .iter()
                    .any(|(r, _)| r.meta.code == rule.meta.code || r.meta.name == rule.meta.name);
                if clash {
                    let msg = format!(
                        "rule {} {} is defined twice (ids and names must be unique)",
                        rule.meta.code, rule.meta.name
                    );
                    problems.push((source, Some((1, 1)), msg));
                } else {
                    rules.push((rule, source));
                }
            }
            Err(e) => {
                let at = e.line.zip(e.column);
                problems.push((source, at, e.message));
            }
        }
    }
    Loaded { rules, problems }
}

/// The rules `rules`, `explain` and `docs` read: those `check` reads, with the configuration
/// file's `rules` folders. `None` when the configuration cannot be used (reported).
fn load_configured(source: &RuleSourceArgs, config: &ConfigSourceArgs) -> Option<Loaded> {
    let found = crate::config::load_reported(config)?;
    let mut args = source.clone();
    args.rule_dirs.extend(found.rule_dirs());
    Some(load(&args))
}

/// Rule files under a directory: `DIR/*.yaml` (pack: the directory's name) and
/// `DIR/<pack>/*.yaml`.
fn user_sources(dir: &Path) -> Result<Vec<RuleSource>, String> {
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .follow_links(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    // The folder's name as written (a symbolic link keeps its own); `--rules .` or
    // `--rules ..` names the folder they stand for.
    let dir_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| {
            let real = std::fs::canonicalize(dir).ok()?;
            real.file_name().map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "custom".into());
    let mut any = false;
    for entry in walker {
        let entry = entry.map_err(|e| format!("cannot read the rules directory: {e}"))?;
        any = true;
        let path = entry.path();
        let is_yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        if !is_yaml || !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let pack = path
            .parent()
            .filter(|p| *p != dir)
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir_name.clone());
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        out.push(RuleSource {
            pack,
            name: path.display().to_string(),
            text,
            builtin: false,
        });
    }
    if !any {
        return Err("the rules directory does not exist or cannot be read".into());
    }
    Ok(out)
}

/// Turns rule-file problems into findings located in the rule files.
pub fn problem_findings(problems: &[Problem], files: &mut Files) -> Vec<Finding> {
    problems
        .iter()
        .map(|(source, at, message)| {
            let file = Arc::new(SourceFile::new(source.name.clone(), source.text.clone()));
            let label = match at {
                Some((line, column)) if !source.text.is_empty() => {
                    let offset = offset_of(&file, *line, *column);
                    let end = file.text()[offset as usize..]
                        .chars()
                        .next()
                        .map(|c| offset + c.len_utf8() as u32)
                        .unwrap_or(offset);
                    Label::new(files.add(file), Span::new(offset, end)).with_message("here")
                }
                _ => Label::whole_file(files.add(file)),
            };
            Finding::new(
                ("IN005", "invalid-rule"),
                Severity::Error,
                format!("this rule file cannot be used: {message}"),
                label,
            )
            .with_help("see rules/README.md for the rule language")
            .input_error()
        })
        .collect()
}

/// Byte offset of a 1-based line and character column.
fn offset_of(file: &SourceFile, line: u64, column: u64) -> u32 {
    let text = file.text();
    let index = file.line_index();
    let start = index.line_start(text, line.saturating_sub(1) as usize) as usize;
    let col = column.saturating_sub(1) as usize;
    let within = text[start..]
        .char_indices()
        .take_while(|(_, c)| *c != '\n')
        .nth(col)
        .map(|(i, _)| i)
        .unwrap_or(0);
    (start + within) as u32
}

/// Whether a rule matches one of `--select` / `--ignore`'s words: id, name, pack or tag.
fn matches(rule: &Rule, words: &[String]) -> bool {
    words.iter().any(|w| matches_word(rule, w))
}

/// Whether a word names a rule: its id, name, pack or one of its tags (any case).
pub fn matches_word(rule: &Rule, word: &str) -> bool {
    let w = word.trim();
    rule.meta.code.eq_ignore_ascii_case(w)
        || rule.meta.name.eq_ignore_ascii_case(w)
        || rule.meta.pack.eq_ignore_ascii_case(w)
        || rule.meta.tags.iter().any(|t| t.eq_ignore_ascii_case(w))
}

/// Why a word of `--select`, `--ignore` or the configuration file cannot be used: it names no
/// rule. Words that only ignore may also name an input warning (IN003, say).
pub fn unknown_word(loaded: &Loaded, word: &str, only_ignores: bool) -> Option<String> {
    if loaded.rules.iter().any(|(r, _)| matches_word(r, word)) {
        return None;
    }
    match (crate::settings::is_input_code(word), only_ignores) {
        (true, true) => None,
        (true, false) => Some(format!(
            "`{word}` is a finding about the inputs, not a rule: it can be ignored (`ignore`, `--ignore`), not selected or given another severity"
        )),
        (false, _) => Some(format!("no rule is called `{word}` (id, name, pack or tag)")),
    }
}

/// The rules a run uses.
pub fn selected<'r>(
    rules: &'r [(Rule, RuleSource)],
    select: &[String],
    ignore: &[String],
) -> Vec<&'r Rule> {
    rules
        .iter()
        .map(|(r, _)| r)
        .filter(|r| select.is_empty() || matches(r, select))
        .filter(|r| !matches(r, ignore))
        .collect()
}

fn report_problems(loaded: &Loaded) -> bool {
    for (source, at, message) in &loaded.problems {
        match at {
            Some((l, c)) => eprintln!("azlint: error: {}:{l}:{c}: {message}", source.name),
            None => eprintln!("azlint: error: {}: {message}", source.name),
        }
    }
    !loaded.problems.is_empty()
}

#[derive(Serialize)]
struct RuleRow<'a> {
    id: &'a str,
    name: &'a str,
    severity: &'static str,
    status: &'static str,
    pack: &'a str,
    check: Option<&'a str>,
    tags: &'a [String],
    summary: &'a str,
    help_uri: Option<&'a str>,
}

/// `azlint rules`.
pub fn list(args: &RulesArgs) -> Outcome {
    let Some(loaded) = load_configured(&args.source, &args.config) else {
        return Outcome::Error;
    };
    let failed = report_problems(&loaded);
    let mut ordered: Vec<&(Rule, RuleSource)> = loaded.rules.iter().collect();
    ordered.sort_by(|a, b| a.0.meta.code.cmp(&b.0.meta.code));
    let rows: Vec<RuleRow<'_>> = ordered
        .into_iter()
        .map(|(r, _)| RuleRow {
            id: &r.meta.code,
            name: &r.meta.name,
            severity: r.meta.severity.as_str(),
            status: match r.meta.status {
                azlint_rules::Status::Stable => "stable",
                azlint_rules::Status::Preview => "preview",
            },
            pack: &r.meta.pack,
            check: r.meta.check.as_deref(),
            tags: &r.meta.tags,
            summary: &r.meta.summary,
            help_uri: r.meta.help_uri.as_deref(),
        })
        .collect();
    let text = match args.format {
        ListFormat::Json => {
            let mut s = serde_json::to_string_pretty(&rows).unwrap_or_default();
            s.push('\n');
            s
        }
        ListFormat::Text => {
            let name_w = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
            rows.iter()
                .map(|r| {
                    format!(
                        "{:6} {:name_w$} {:7} {:7} {:4} {}\n",
                        r.id, r.name, r.severity, r.status, r.pack, r.summary
                    )
                })
                .collect()
        }
    };
    out!("{text}");
    if failed {
        Outcome::Error
    } else {
        Outcome::Clean
    }
}

/// `azlint explain`.
pub fn explain(args: &ExplainArgs) -> Outcome {
    if args.rule.eq_ignore_ascii_case("facts") {
        out!("{}", docs::facts());
        return Outcome::Clean;
    }
    let Some(loaded) = load_configured(&args.source, &args.config) else {
        return Outcome::Error;
    };
    // A rule folder that cannot be used fails the command, as it would fail `check`.
    let broken = report_problems(&loaded);
    let word = args.rule.trim();
    let rule = loaded.rules.iter().find(|(r, _)| {
        r.meta.code.eq_ignore_ascii_case(word) || r.meta.name.eq_ignore_ascii_case(word)
    });
    // Findings about the inputs themselves (IN001...) are explained too.
    let input = azlint_diagnostics::input::ALL
        .iter()
        .find(|(c, n, _)| c.eq_ignore_ascii_case(word) || n.eq_ignore_ascii_case(word));
    match (rule, input) {
        (Some((rule, _)), _) => out!("{}", docs::explain(rule)),
        (None, Some((code, name, what))) => outln!("{code} {name}\n\n{what}\n\nA finding about the input itself, not a rule. `--ignore {code}` hides it, unless it stops the run (an input that cannot be read or parsed: exit code 2)."),
        (None, None) => {
            eprintln!(
                "azlint: error: no rule `{}` (azlint rules lists them)",
                args.rule
            );
            return Outcome::Error;
        }
    }
    if broken {
        Outcome::Error
    } else {
        Outcome::Clean
    }
}

/// `azlint docs DIR`.
pub fn write_docs(args: &DocsArgs) -> Outcome {
    let Some(loaded) = load_configured(&args.source, &args.config) else {
        return Outcome::Error;
    };
    if report_problems(&loaded) {
        return Outcome::Error;
    }
    if let Err(e) = std::fs::create_dir_all(&args.dir) {
        eprintln!("azlint: error: cannot create {}: {e}", args.dir.display());
        return Outcome::Error;
    }
    let mut pages: Vec<(String, String)> = loaded
        .rules
        .iter()
        .map(|(r, s)| (format!("{}.md", r.meta.name), docs::page(r, s)))
        .collect();
    let mut refs: Vec<(&Rule, &RuleSource)> = loaded.rules.iter().map(|(r, s)| (r, s)).collect();
    refs.sort_by(|a, b| a.0.meta.code.cmp(&b.0.meta.code));
    pages.push(("README.md".into(), docs::index(&refs)));
    for (name, text) in pages {
        let path = args.dir.join(&name);
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("azlint: error: cannot write {}: {e}", path.display());
            return Outcome::Error;
        }
    }
    outln!(
        "azlint: wrote {} rule pages to {}",
        loaded.rules.len(),
        args.dir.display()
    );
    Outcome::Clean
}
