//! Fingerprints: how a finding is recognised across runs, for baselines and SARIF's
//! `partialFingerprints`.
//!
//! A fingerprint hashes what the finding is about, never where it is: the rule, the resource id
//! (case-insensitive, as Azure compares ids), the property path, the text of the value
//! pointed at with whitespace removed, and [`Finding::values`] (the other values a finding is
//! about, case-insensitive: ids and principal ids). Moving lines, reformatting a file or
//! reordering resources leaves it unchanged. Findings with the same key get an occurrence
//! number (`hash:1`, `hash:2`), counted in report order, so that every fingerprint in a run
//! is distinct.

use std::collections::HashMap;

use azlint_source::{FileId, Files};
use sha2::{Digest, Sha256};

use crate::Finding;

/// Fills [`Finding::fingerprint`] for every finding. `uri` names a file the way reports do
/// (relative to the repository root), for findings that are not about a resource. Call it on
/// findings in report order.
pub fn assign_fingerprints(
    findings: &mut [Finding],
    files: &Files,
    uri: impl Fn(FileId) -> String,
) {
    let mut seen: HashMap<String, u32> = HashMap::new();
    for f in findings.iter_mut() {
        let key = key(f, files, &uri);
        let digest = Sha256::digest(key.as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        let n = seen.entry(hex.clone()).or_insert(0);
        *n += 1;
        f.fingerprint = format!("{hex}:{n}");
    }
}

fn key(f: &Finding, files: &Files, uri: &impl Fn(FileId) -> String) -> String {
    let mut key = String::with_capacity(128);
    key.push_str(&f.code);
    key.push('\u{1f}');
    match &f.resource_id {
        Some(id) => key.push_str(&id.to_ascii_lowercase()),
        None => key.push_str(&uri(f.primary.file)),
    }
    key.push('\u{1f}');
    key.push_str(f.path.as_deref().unwrap_or(""));
    key.push('\u{1f}');
    for v in &f.values {
        key.push_str(&v.to_lowercase());
        key.push('\u{1e}');
    }
    if !f.is_input_error {
        if let Some(span) = f.primary.span {
            let text = files.get(f.primary.file).text();
            let pointed = text
                .get(span.start as usize..span.end as usize)
                .unwrap_or("");
            // Long values (a whole resource) are identified by their start; the cap keeps
            // hashing cheap on huge objects.
            key.extend(pointed.chars().filter(|c| !c.is_whitespace()).take(4096));
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use azlint_source::{SourceFile, Span};

    use super::*;
    use crate::{Label, Severity};

    fn finding(files: &Files, file: FileId, at: &str, id: &str) -> Finding {
        let text = files.get(file).text();
        let start = text.find(at).unwrap() as u32;
        let span = Span::new(start, start + at.len() as u32);
        Finding::new(("HA002", "x"), Severity::Error, "m", Label::new(file, span))
            .with_resource(Some(id), "properties.dns")
    }

    #[test]
    fn moving_and_reformatting_keeps_fingerprints() {
        let mut files = Files::new();
        let a = files.add(Arc::new(SourceFile::new(
            "a.json",
            r#"{"dns": ["8.8.8.8"]}"#,
        )));
        let b = files.add(Arc::new(SourceFile::new(
            "b.json",
            "\n\n{\n  \"dns\": [ \"8.8.8.8\" ]\n}",
        )));
        let mut one = vec![finding(&files, a, r#"["8.8.8.8"]"#, "/S/1/VNET")];
        let mut two = vec![finding(&files, b, r#"[ "8.8.8.8" ]"#, "/s/1/vnet")];
        assign_fingerprints(&mut one, &files, |_| String::new());
        assign_fingerprints(&mut two, &files, |_| String::new());
        assert_eq!(one[0].fingerprint, two[0].fingerprint);
        assert!(one[0].fingerprint.ends_with(":1"));
    }

    #[test]
    fn equal_keys_get_occurrence_numbers_and_other_values_differ() {
        let mut files = Files::new();
        let a = files.add(Arc::new(SourceFile::new(
            "a.json",
            r#"["1.1.1.1", "8.8.8.8"]"#,
        )));
        let mut fs = vec![
            finding(&files, a, r#""1.1.1.1""#, "/x"),
            finding(&files, a, r#""1.1.1.1""#, "/x"),
            finding(&files, a, r#""8.8.8.8""#, "/x"),
        ];
        assign_fingerprints(&mut fs, &files, |_| String::new());
        let (h0, n0) = fs[0].fingerprint.split_once(':').unwrap();
        let (h1, n1) = fs[1].fingerprint.split_once(':').unwrap();
        assert_eq!((h0, n0, n1), (h1, "1", "2"));
        assert_ne!(fs[2].fingerprint.split_once(':').unwrap().0, h0);
    }
}
