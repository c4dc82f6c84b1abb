//! Finding the inputs of a run and loading them, in parallel, each on its own.
//!
//! A file that cannot be read or parsed becomes a located finding; the other files are still
//! loaded. File ids follow the order inputs were found in, never thread timing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use azlint_diagnostics::{input, Finding, Label, Severity};
use azlint_inventory::{ingest, Ingested};
use azlint_source::{FileId, Files, InputError, ParseError, SourceFile, Span};
use rayon::prelude::*;

/// One input to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputSpec {
    /// How findings name it.
    pub name: String,
    /// `None` for standard input.
    pub path: Option<PathBuf>,
    /// Size on disk, for progress reporting.
    pub size: u64,
}

/// Expands the command-line paths: directories are walked for `*.json` and `*.jsonc`,
/// honouring `.gitignore`; files are taken as given, whatever their extension. Problems
/// (a path that does not exist, an unreadable directory) are returned as findings to report.
pub fn discover(paths: &[PathBuf], stdin_name: &str) -> (Vec<InputSpec>, Vec<(String, String)>) {
    let mut specs = Vec::new();
    let mut problems = Vec::new();
    let defaults = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    for path in paths {
        if path.as_os_str() == "-" {
            specs.push(InputSpec {
                name: stdin_name.to_string(),
                path: None,
                size: 0,
            });
        } else if path.is_dir() {
            walk(path, &mut specs, &mut problems);
        } else {
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            specs.push(InputSpec {
                name: display(path),
                path: Some(path.clone()),
                size,
            });
        }
    }
    // Inputs are taken in name order, whatever the order on the command line: when the same
    // resource is in two files, which one is read must not depend on how the user typed them.
    // A file named twice (or found by two walks) is one input.
    specs.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.path.cmp(&b.path)));
    let mut seen = std::collections::HashSet::new();
    specs.retain(|s| {
        let key = match &s.path {
            Some(p) => std::fs::canonicalize(p)
                .map(|c| c.to_string_lossy().into_owned())
                .unwrap_or_else(|_| s.name.clone()),
            None => format!("<stdin>{}", s.name),
        };
        seen.insert(key)
    });
    (specs, problems)
}

fn walk(dir: &Path, specs: &mut Vec<InputSpec>, problems: &mut Vec<(String, String)>) {
    let mut found = Vec::new();
    // Hidden files are exports too (`.exported.json`); `.git` is not. Links are followed: a
    // loop is reported, not walked forever.
    let walker = ignore::WalkBuilder::new(dir)
        .require_git(false)
        .hidden(false)
        .follow_links(true)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        match entry {
            Ok(e) => {
                let is_file = e.file_type().is_some_and(|t| t.is_file());
                if is_file && has_json_extension(e.path()) {
                    let size = e.metadata().map(|m| m.len()).unwrap_or(0);
                    found.push(InputSpec {
                        name: display(e.path()),
                        path: Some(e.path().to_path_buf()),
                        size,
                    });
                }
            }
            Err(err) => {
                let where_ = match &err {
                    ignore::Error::WithPath { path, .. } => display(path),
                    _ => display(dir),
                };
                problems.push((where_, walk_reason(&err)));
            }
        }
    }
    specs.extend(found);
}

fn walk_reason(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } => walk_reason(err),
        ignore::Error::WithDepth { err, .. } => walk_reason(err),
        ignore::Error::Loop { ancestor, child } => format!(
            "symbolic link loop: {} points back to {}; not followed",
            display(child),
            display(ancestor)
        ),
        other => {
            let text = other.to_string();
            match text.find(" (os error") {
                Some(i) => format!("cannot read: {}", text[..i].to_lowercase()),
                None => format!("cannot read: {text}"),
            }
        }
    }
}

fn has_json_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("jsonc"))
}

/// The path as users wrote it, with `./` dropped.
fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// A loaded input: its text (possibly empty when unreadable) and what came of it.
pub struct Loaded {
    pub source: Arc<SourceFile>,
    pub ingested: Option<Ingested>,
    /// Reading, parsing and ingest findings.
    pub findings: Vec<Finding>,
}

/// Reads, parses and ingests every input, in parallel, and adds each to `files` (findings name
/// files by their place there). Paths that could not be walked become findings too. `done` is
/// called as each input finishes.
pub fn read_inputs(
    specs: &[InputSpec],
    walk_problems: Vec<(String, String)>,
    files: &mut Files,
    done: &(dyn Fn(&InputSpec) + Sync),
) -> (Vec<Finding>, Vec<Ingested>) {
    let first = files.len() as u32;
    let loaded: Vec<Loaded> = specs
        .par_iter()
        .enumerate()
        .map(|(i, spec)| {
            let loaded = load(FileId(first + i as u32), spec);
            done(spec);
            loaded
        })
        .collect();
    let mut findings = Vec::new();
    let mut ingested = Vec::with_capacity(loaded.len());
    for l in loaded {
        files.add(l.source);
        findings.extend(l.findings);
        ingested.extend(l.ingested);
    }
    findings.extend(azlint_inventory::unfinished_pages(&mut ingested));
    for (name, reason) in walk_problems {
        let id = files.add(Arc::new(SourceFile::new(name, String::new())));
        findings.push(
            Finding::new(
                input::UNREADABLE,
                Severity::Error,
                reason,
                Label::whole_file(id),
            )
            .input_error(),
        );
    }
    (findings, ingested)
}

fn load(id: FileId, spec: &InputSpec) -> Loaded {
    let read = match &spec.path {
        Some(p) => azlint_source::read_path(p, spec.name.clone()),
        None => azlint_source::read_stdin(spec.name.clone()),
    };
    let source = match read {
        Ok(s) => Arc::new(s),
        Err(e) => return unreadable(id, e),
    };
    match source.parse() {
        Ok(tree) => {
            let mut ingested = ingest(id, source.clone(), tree);
            let findings = std::mem::take(&mut ingested.findings);
            Loaded {
                source,
                ingested: Some(ingested),
                findings,
            }
        }
        Err(e) => {
            let finding = parse_error(id, &source, &e);
            Loaded {
                source,
                ingested: None,
                findings: vec![finding],
            }
        }
    }
}

fn unreadable(id: FileId, e: InputError) -> Loaded {
    let (code, label) = match (e.offset, &e.lossy_text) {
        // An invalid byte, shown as U+FFFD (three bytes in the lossy text).
        (Some(offset), Some(_)) if offset > 0 || e.label == "not UTF-8" => (
            input::INVALID_JSON,
            Label::new(id, Span::new(offset, offset + 3)).with_message(e.label),
        ),
        // A file in another encoding: its first character.
        (Some(0), Some(text)) if !text.is_empty() => {
            let first = text.chars().next().map_or(0, char::len_utf8) as u32;
            (
                input::UNREADABLE,
                Label::new(id, Span::new(0, first)).with_message(e.label),
            )
        }
        _ => (input::UNREADABLE, Label::whole_file(id)),
    };
    let text = e.lossy_text.unwrap_or_default();
    let finding = Finding::new(code, Severity::Error, e.message, label).input_error();
    Loaded {
        source: Arc::new(SourceFile::new(e.file, text)),
        ingested: None,
        findings: vec![finding],
    }
}

/// Whether a file is Bicep source (`main.bicep`, `main.bicepparam`) by its name.
fn is_bicep(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".bicep") || lower.ends_with(".bicepparam")
}

pub fn parse_error(id: FileId, source: &SourceFile, e: &ParseError) -> Finding {
    let text = source.text();
    let len = text.len() as u32;
    let at = e.offset.min(len);
    // At the end of the file, point at its last character: an empty span there has nothing
    // to underline.
    let (span, label) = match text[at as usize..].chars().next() {
        Some(c) => (Span::new(at, at + c.len_utf8() as u32), "here"),
        None => match text.char_indices().next_back() {
            Some((i, c)) => (
                Span::new(i as u32, i as u32 + c.len_utf8() as u32),
                "the file ends here",
            ),
            None => (Span::new(0, 0), "empty"),
        },
    };
    let mut f = Finding::new(
        input::INVALID_JSON,
        Severity::Error,
        format!("this file is not valid JSON: {}", e.message),
        Label::new(id, span).with_message(label),
    )
    .with_help(if is_bicep(&source.name) {
        "this is Bicep source, which azlint does not read: compile it to the ARM template Azure deploys (az bicep build --file FILE, or bicep build FILE) and lint that; the other inputs are still linted"
    } else {
        "fix the JSON (azlint accepts comments and trailing commas, as Azure does); the other inputs are still linted"
    })
    .input_error();
    if let Some(open) = e.opened_at {
        f = f.with_secondary(
            Label::new(id, Span::new(open, (open + 1).min(len))).with_message("opened here"),
        );
    }
    f
}
