//! The machine formats as CI systems read them: SARIF for code scanning, GitHub workflow
//! commands, JUnit XML.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use common::{azlint, azlint_in};

const BROKEN: &str = "fixtures/examples/broken";

fn sarif_of(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["check", "--format", "sarif"];
    all.extend_from_slice(args);
    let run = azlint_in(dir, &all, None, &[]);
    assert!((0..=2).contains(&run.code), "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("SARIF is JSON: {e}"))
}

fn fingerprints(sarif: &serde_json::Value) -> BTreeSet<String> {
    sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            r["partialFingerprints"]["azlint/v1"]
                .as_str()
                .expect("fingerprint")
                .to_string()
        })
        .collect()
}

fn scratch() -> tempfile::TempDir {
    common::broken_repo()
}

#[test]
fn sarif_fingerprints_survive_reformatting_and_reordering() {
    let dir = scratch();
    let before = sarif_of(dir.path(), &["exports"]);
    let res = dir.path().join("exports/resources.json");
    let mut all: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&res).expect("read")).expect("json");
    all.as_array_mut().expect("array").reverse();
    fs::write(&res, serde_json::to_string(&all).expect("json")).expect("write");
    let after = sarif_of(dir.path(), &["exports"]);

    assert_eq!(fingerprints(&before).len(), 6);
    assert_eq!(fingerprints(&before), fingerprints(&after));
    // The lines did move: the export is one line now.
    let line = |s: &serde_json::Value| {
        s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
    };
    assert_ne!(line(&before), line(&after));
    assert_eq!(line(&after), Some(1));
}

#[test]
fn sarif_uris_are_relative_to_the_repository_root() {
    let dir = scratch();
    // Run from a subdirectory: paths are still relative to the root that holds .git.
    let sarif = sarif_of(&dir.path().join("exports"), &["resources.json"]);
    let run = &sarif["runs"][0];
    let uri = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(uri["uri"], "exports/resources.json");
    assert_eq!(uri["uriBaseId"], "%SRCROOT%");
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("root uri");
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    // --root decides when given.
    let sarif = sarif_of(dir.path(), &["--root", "exports", "exports/resources.json"]);
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"];
    assert_eq!(uri, "resources.json");
}

#[test]
fn sarif_records_the_exit_code() {
    let dir = scratch();
    let exit_code = |args: &[&str]| {
        let mut all = vec!["check", "--format", "sarif"];
        all.extend_from_slice(args);
        let run = azlint_in(dir.path(), &all, None, &[]);
        let sarif: serde_json::Value = serde_json::from_str(&run.stdout).expect("SARIF");
        let invocation = &sarif["runs"][0]["invocations"][0];
        (
            run.code,
            invocation["exitCode"].as_i64(),
            invocation["executionSuccessful"].as_bool(),
        )
    };
    assert_eq!(exit_code(&["exports"]), (1, Some(1), Some(true)));
    assert_eq!(
        exit_code(&["--exit-zero", "exports"]),
        (0, Some(0), Some(true))
    );
    fs::write(dir.path().join("bad.json"), "{").expect("write");
    assert_eq!(
        exit_code(&["exports", "bad.json"]),
        (2, Some(2), Some(false))
    );
}

#[test]
fn sarif_describes_every_rule_that_ran() {
    let sarif = sarif_of(Path::new(env!("CARGO_MANIFEST_DIR")), &[BROKEN]);
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "azlint");
    let rules = driver["rules"].as_array().expect("rules");
    let listed = azlint(&["rules", "--format", "json"]).json();
    assert_eq!(rules.len(), listed.as_array().expect("rules").len());
    for result in sarif["runs"][0]["results"].as_array().expect("results") {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let rule = &rules[index];
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(
                rule[key]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{key}"
            );
        }
        assert!(rule["help"]["markdown"].is_string());
        assert!(rule["helpUri"].is_string());
        assert!(rule["properties"]["problem.severity"].is_string());
    }
}

#[test]
fn github_annotations_for_the_broken_example() {
    let run = azlint(&["check", "--format", "github", BROKEN]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn junit_for_the_broken_example() {
    let run = azlint(&["check", "--format", "junit", BROKEN]);
    assert_eq!(run.code, 1);
    assert!(run
        .stdout
        .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"azlint\" tests=\"7\" failures=\"6\""));
    // One suite per input file; the clean role assignments file passes.
    assert_eq!(run.stdout.matches("<testsuite ").count(), 2);
    assert_eq!(run.stdout.matches("<failure ").count(), 6);
}
