//! Suppressions: findings a user accepts on purpose, each with a reason.
//!
//! Four places, as users of each kind of input write them:
//!
//! - a comment in JSON with comments, before the value or resource it is about:
//!   `// azlint-ignore HA002: Cato's DNS servers are intended here` (block comments too);
//! - an ARM resource's `metadata`: `"azlint": {"ignore": ["HA002: reason"]}`;
//! - a tag on a live resource: `"azlint-ignore": "HA002: reason; HA010, HA011: reason"`;
//! - the configuration: `[[suppress]] rules = [...], resource = "<id>", reason = "..."`.
//!
//! A comment covers the member or element that follows it; metadata and tags cover their
//! resource (by id, so the same resource in another export is covered too); the configuration
//! covers a resource id. Rules are named by id or name. A suppression without a reason is not
//! applied and is reported; so is one that matches no finding of a rule that ran.

use std::collections::HashMap;

use azlint_diagnostics::{Finding, Label, Severity, Suppression, SuppressionKind};
use azlint_inventory::{id_key, Inventory, ResIdx};
use azlint_rules::Rule;
use azlint_source::{After, FileId, Files, Span, Value};
use rayon::prelude::*;

use crate::config::Found;

pub const INVALID: (&str, &str) = ("IN007", "invalid-suppression");
pub const UNUSED: (&str, &str) = ("IN008", "unused-suppression");

const MARKER: &str = "azlint-ignore";

/// A suppression as written, or why it cannot be used.
type Parsed = Result<Entry, Box<Finding>>;

/// What a suppression covers.
#[derive(Clone, Debug)]
enum Target {
    /// Findings whose primary location lies in this span.
    Span(FileId, Span),
    /// Findings about this resource (id key), or located inside its span.
    Resource(Option<String>, Option<(FileId, Span)>),
    /// A comment with nothing after it: it covers nothing, and is reported as unused.
    Nothing,
}

#[derive(Clone, Debug)]
struct Entry {
    /// Rule ids or names, as written, each with whether it matched a finding.
    rules: Vec<(String, bool)>,
    reason: String,
    kind: SuppressionKind,
    at: Label,
    target: Target,
}

/// Every suppression of a run.
pub struct Suppressions {
    entries: Vec<Entry>,
    /// Malformed suppressions, as findings.
    problems: Vec<Finding>,
}

/// Reads the suppressions written in the inputs and in the configuration.
pub fn collect(inv: &Inventory, config: &Found, files: &mut Files) -> Suppressions {
    let mut entries: Vec<Entry> = Vec::new();
    let mut problems: Vec<Finding> = Vec::new();
    let mut add = |parsed: Parsed| match parsed {
        Ok(e) => entries.push(e),
        Err(f) => problems.push(*f),
    };

    // Only documents that mention azlint at all can hold a suppression: in large exports,
    // one fast scan of the text spares a look at every resource's tags.
    let per_doc: Vec<(bool, Vec<Parsed>)> = inv
        .documents()
        .par_iter()
        .map(|doc| {
            let text = doc.source.text();
            let hits = find_all(text.as_bytes(), b"azlint");
            let comments = hits
                .iter()
                .filter(|&&at| text[at..].starts_with(MARKER))
                .filter_map(|&at| comment_entry(doc.file, text, &doc.tree, at))
                .collect();
            (!hits.is_empty(), comments)
        })
        .collect();
    let mentioned: Vec<bool> = per_doc.iter().map(|(m, _)| *m).collect();
    let mut comments: Vec<Parsed> = per_doc.into_iter().flat_map(|(_, c)| c).collect();
    // A comment before a whole resource covers the findings about that resource too, wherever
    // they point (a "cannot tell" about a VM at the NSG rule that left it open).
    let spans: std::collections::HashSet<(FileId, Span)> = comments
        .iter()
        .filter_map(|c| match c {
            Ok(Entry {
                target: Target::Span(file, span),
                ..
            }) => Some((*file, *span)),
            _ => None,
        })
        .collect();
    if !spans.is_empty() {
        let mut resources: HashMap<(FileId, Span), String> = HashMap::new();
        for r in 0..inv.len() as ResIdx {
            let doc = inv.document_of(r);
            if !mentioned[inv.resource(r).place.doc as usize] {
                continue;
            }
            let at = (doc.file, inv.value(r).span());
            if let (true, Some(id)) = (spans.contains(&at), inv.id(r)) {
                resources.insert(at, id_key(&id));
            }
        }
        for c in comments.iter_mut().flatten() {
            if let Target::Span(file, span) = c.target {
                if let Some(id) = resources.get(&(file, span)) {
                    c.target = Target::Resource(Some(id.clone()), Some((file, span)));
                }
            }
        }
    }
    comments.into_iter().for_each(&mut add);

    // Resource metadata and tags.
    let per_res: Vec<Vec<Parsed>> = (0..inv.len())
        .into_par_iter()
        .filter(|&i| mentioned[inv.resource(i as ResIdx).place.doc as usize])
        .map(|i| resource_entries(inv, i as ResIdx))
        .filter(|v| !v.is_empty())
        .collect();
    per_res.into_iter().flatten().for_each(&mut add);

    // The configuration.
    if let (Some(source), false) = (&config.source, config.config.suppress.is_empty()) {
        let file = files.add(source.clone());
        for s in &config.config.suppress {
            let span = s.span();
            let sup = s.get_ref();
            add(Ok(Entry {
                rules: sup
                    .rules
                    .iter()
                    .map(|r| (r.trim().to_string(), false))
                    .collect(),
                reason: sup.reason.trim().to_string(),
                kind: SuppressionKind::External,
                at: Label::new(file, Span::new(span.start as u32, span.end as u32))
                    .with_message("suppressed here"),
                target: Target::Resource(Some(id_key(&sup.resource)), None),
            }));
        }
    }
    Suppressions { entries, problems }
}

/// Offsets of `needle` in `text`; large texts are searched in parallel slices.
fn find_all(text: &[u8], needle: &[u8]) -> Vec<usize> {
    const SLICE: usize = 8 << 20;
    let starts: Vec<usize> = (0..text.len()).step_by(SLICE).collect();
    let per_slice: Vec<Vec<usize>> = starts
        .par_iter()
        .map(|&start| {
            // Each slice reaches into the next by the needle's length minus one, so a match
            // across the boundary is found once, by the slice it starts in.
            let end = (start + SLICE + needle.len() - 1).min(text.len());
            memchr::memmem::find_iter(&text[start..end], needle)
                .map(|at| start + at)
                .filter(|&at| at < start + SLICE)
                .collect()
        })
        .collect();
    per_slice.into_iter().flatten().collect()
}

/// The suppression in the comment around `at` (where the marker starts), if it is a comment.
fn comment_entry(
    file: FileId,
    text: &str,
    tree: &azlint_source::Tree,
    at: usize,
) -> Option<Parsed> {
    let target = match tree.item_after(text, at as u32) {
        After::InString => return None,
        After::Item(span) => Target::Span(file, span),
        After::Nothing => Target::Nothing,
    };
    // The comment runs to the end of its line, or to `*/` for a block comment.
    let rest = &text[at..];
    let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let end = rest[..line_end].find("*/").unwrap_or(line_end);
    let body = &rest[MARKER.len()..end];
    let span = Span::new(at as u32, (at + end) as u32);
    let label = Label::new(file, span).with_message("suppressed here");
    Some(parse_entry(body, label, target, SuppressionKind::InSource))
}

/// Metadata and tag suppressions of one resource.
fn resource_entries(inv: &Inventory, idx: ResIdx) -> Vec<Parsed> {
    let mut out = Vec::new();
    let value = inv.value(idx);
    let mut found = [None, None];
    value.pick_keys(
        &const { azlint_source::KeySet::new(["metadata", "tags"]) },
        &mut found,
    );
    let [metadata, tags] = found;
    if metadata.is_none() && tags.is_none() {
        return out;
    }
    let doc = inv.document_of(idx);
    let target = Target::Resource(
        inv.id(idx).map(|id| id_key(&id)),
        Some((doc.file, value.span())),
    );
    let ignore = metadata
        .and_then(|m| m.get_ignore_case("azlint"))
        .and_then(|a| a.get_ignore_case("ignore"));
    if let Some(list) = ignore {
        let items: Vec<Value<'_>> = if list.is_array() {
            list.elements().collect()
        } else {
            vec![list]
        };
        for item in items {
            out.push(value_entry(doc.file, item, &target));
        }
    }
    if let Some(tag) = tags.and_then(|t| t.get_ignore_case(MARKER)) {
        let Some(s) = tag.as_str() else {
            out.push(Err(invalid(
                Label::new(doc.file, tag.span()),
                "the azlint-ignore tag must be a string: \"ID: reason; ID: reason\"".into(),
            )));
            return out;
        };
        for part in s.split(';').filter(|p| !p.trim().is_empty()) {
            let label = Label::new(doc.file, tag.span()).with_message("suppressed here");
            out.push(parse_entry(
                part,
                label,
                target.clone(),
                SuppressionKind::InSource,
            ));
        }
    }
    out
}

fn value_entry(file: FileId, item: Value<'_>, target: &Target) -> Parsed {
    let label = Label::new(file, item.span()).with_message("suppressed here");
    match item.as_str() {
        Some(s) => parse_entry(&s, label, target.clone(), SuppressionKind::InSource),
        None => Err(invalid(
            label,
            "metadata.azlint.ignore lists strings: \"ID: reason\"".into(),
        )),
    }
}

/// Reads `ID[, ID...]: reason`.
fn parse_entry(body: &str, at: Label, target: Target, kind: SuppressionKind) -> Parsed {
    let (ids, reason) = match body.split_once(':') {
        Some((ids, reason)) => (ids, reason.trim()),
        None => (body, ""),
    };
    let rules: Vec<(String, bool)> = ids
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| (s.to_string(), false))
        .collect();
    if rules.is_empty() {
        return Err(invalid(
            at,
            "this suppression names no rule: write `azlint-ignore ID: reason`".into(),
        ));
    }
    if reason.is_empty() {
        return Err(invalid(
            at,
            "this suppression has no reason: write `azlint-ignore ID: why the finding is accepted`"
                .into(),
        ));
    }
    Ok(Entry {
        rules,
        reason: reason.to_string(),
        kind,
        at,
        target,
    })
}

fn invalid(at: Label, message: String) -> Box<Finding> {
    let at = at.with_message("not applied");
    Box::new(Finding::new(INVALID, Severity::Warning, message, at).with_help(
        "a suppression is `azlint-ignore ID[, ID]: reason`, with a rule id or name and a reason",
    ))
}

impl Suppressions {
    /// Marks the findings a suppression covers, and returns the problems: malformed
    /// suppressions, suppressions naming unknown rules, and suppressions of rules that ran but
    /// matched nothing. `ran` are the rules of this run; `all` every rule azlint knows.
    pub fn apply(mut self, findings: &mut [Finding], ran: &[&Rule], all: &[&Rule]) -> Vec<Finding> {
        let mut by_resource: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_file: HashMap<FileId, Vec<usize>> = HashMap::new();
        for (i, e) in self.entries.iter().enumerate() {
            match &e.target {
                Target::Span(file, _) => by_file.entry(*file).or_default().push(i),
                Target::Nothing => {}
                Target::Resource(id, span) => {
                    if let Some(id) = id {
                        by_resource.entry(id.as_str()).or_default().push(i);
                    }
                    if let Some((file, _)) = span {
                        by_file.entry(*file).or_default().push(i);
                    }
                }
            }
        }
        let names = |f: &Finding, word: &str| {
            f.code.eq_ignore_ascii_case(word) || f.name.eq_ignore_ascii_case(word)
        };
        let mut hits: Vec<(usize, usize, usize)> = Vec::new();
        for (fi, f) in findings.iter().enumerate() {
            if f.is_input_error {
                continue;
            }
            let key = f.resource_id.as_deref().map(id_key);
            let mut candidates: Vec<usize> = Vec::new();
            if let Some(list) = key.as_deref().and_then(|k| by_resource.get(k)) {
                candidates.extend(list);
            }
            if let (Some(list), Some(span)) = (by_file.get(&f.primary.file), f.primary.span) {
                candidates.extend(list.iter().copied().filter(|&i| {
                    let within = |s: &Span| s.start <= span.start && span.end <= s.end;
                    match &self.entries[i].target {
                        Target::Span(_, s) => within(s),
                        Target::Resource(_, Some((_, s))) => within(s),
                        Target::Resource(_, None) | Target::Nothing => false,
                    }
                }));
            }
            candidates.sort_unstable();
            candidates.dedup();
            for i in candidates {
                if let Some(w) = self.entries[i].rules.iter().position(|(r, _)| names(f, r)) {
                    hits.push((fi, i, w));
                    break;
                }
            }
        }
        for (fi, i, w) in hits {
            let e = &mut self.entries[i];
            e.rules[w].1 = true;
            findings[fi].suppression = Some(Suppression {
                kind: e.kind,
                justification: e.reason.clone(),
                at: Some(e.at.clone()),
            });
        }

        let mut problems = self.problems;
        let known = |word: &str, rules: &[&Rule]| {
            rules.iter().any(|r| {
                r.meta.code.eq_ignore_ascii_case(word) || r.meta.name.eq_ignore_ascii_case(word)
            })
        };
        for e in &self.entries {
            for (word, used) in &e.rules {
                if *used {
                    continue;
                }
                if !known(word, all) {
                    problems.push(*invalid(
                        e.at.clone(),
                        format!("this suppression names `{word}`, which is no rule's id or name"),
                    ));
                } else if known(word, ran) {
                    problems.push(
                        Finding::new(
                            UNUSED,
                            Severity::Warning,
                            format!("this suppression of {word} matches no finding"),
                            e.at.clone().with_message("matches nothing"),
                        )
                        .with_help(
                            "the problem it was written for is gone: remove the suppression",
                        ),
                    );
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::find_all;

    #[test]
    fn matches_across_slice_boundaries_are_found_once() {
        let mut text = vec![b' '; (8 << 20) * 2 + 10];
        let at = (8 << 20) - 3;
        text[at..at + 6].copy_from_slice(b"azlint");
        text[20..26].copy_from_slice(b"azlint");
        let end = text.len() - 6;
        text[end..].copy_from_slice(b"azlint");
        assert_eq!(find_all(&text, b"azlint"), vec![20, at, end]);
        assert!(find_all(b"", b"azlint").is_empty());
    }
}
