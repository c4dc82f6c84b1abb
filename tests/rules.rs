//! Every rule's fixtures: each case under `fixtures/rules/<rule>/fire/` must produce a finding of
//! that rule (exit 1), each under `silent/` must produce none (exit 0). The rendered text a
//! user would read is snapshotted for both.

mod common;

use std::path::Path;

use common::azlint;

fn rule_and_kind(path: &Path) -> (String, String) {
    let kind = path.parent().and_then(Path::file_name).expect("kind dir");
    let rule = path
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .expect("rule dir");
    (
        rule.to_string_lossy().into_owned(),
        kind.to_string_lossy().into_owned(),
    )
}

fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn rule_fixtures() {
    insta::glob!("../fixtures/rules", "*/*/*.json", |path| {
        let (rule, kind) = rule_and_kind(path);
        let file = relative(path);
        let run = azlint(&["check", "--color", "never", "--show-unknown", &file]);
        let fired = run
            .stdout
            .lines()
            .any(|l| l.starts_with("HA") && l.ends_with(&format!(" {rule}")));
        // A note reports without failing the run.
        let note = azlint_rules::builtin_rules()
            .iter()
            .any(|r| r.meta.name == rule && r.meta.severity == azlint_diagnostics::Severity::Note);
        match kind.as_str() {
            "fire" => {
                let code = if note { 0 } else { 1 };
                assert_eq!(run.code, code, "{file} must exit {code}:\n{}", run.stdout);
                assert!(fired, "{file} must report {rule}:\n{}", run.stdout);
            }
            "silent" => {
                assert_eq!(run.code, 0, "{file} must pass:\n{}", run.stdout);
                assert!(!fired, "{file} must not report {rule}:\n{}", run.stdout);
            }
            other => panic!("unexpected fixture folder {other} for {file}"),
        }
        assert!(run.stderr.is_empty(), "{file}: {}", run.stderr);
        insta::assert_snapshot!(run.stdout);
    });
}

#[test]
fn every_rule_has_fire_and_silent_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    for rule in azlint_rules::builtin_rules() {
        let name = rule.meta.name.as_str();
        for kind in ["fire", "silent"] {
            let dir = root.join(name).join(kind);
            let cases = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
            assert!(
                cases > 0,
                "rule {name} has no {kind} fixtures in {}",
                dir.display()
            );
        }
    }
}

#[test]
fn a_second_identity_on_the_primary_does_not_hide_the_ha_identitys_roles() {
    // The primary carries the HA identity, which holds its roles, and a second identity
    // (HA006): the roles check is met.
    let file = "fixtures/rules/vsocket-user-identity-count/fire/two-user-assigned-on-primary.json";
    let run = azlint(&["check", "--color", "never", "--select", "HA008,HA009", file]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("no problems found"), "{}", run.stdout);
}
