//! Every export shape azlint recognises, each file linted on its own: the findings and the
//! exact line and column they point at.

mod common;

use common::azlint;

/// A finding: code, line, column.
type Found = (&'static str, u64, u64);

/// (file under fixtures/shapes, exit code, findings).
const CASES: &[(&str, i32, &[Found])] = &[
    (
        "arg-object.json",
        1,
        &[("HA002", 20, 25), ("HA003", 143, 25)],
    ),
    (
        "arg-array.json",
        1,
        &[("HA002", 18, 23), ("HA003", 141, 23)],
    ),
    // One page of several: the rules run, and the user is told the rest is missing.
    (
        "arg-truncated.json",
        1,
        &[("HA003", 91, 25), ("IN004", 143, 17)],
    ),
    ("rest-list.json", 1, &[("HA002", 14, 25)]),
    ("single-resource.json", 1, &[("HA002", 17, 21)]),
    ("cli-vnet-show.json", 1, &[("HA002", 8, 19)]),
    ("cli-nic-show.json", 1, &[("HA003", 9, 19)]),
    ("role-assignments.json", 0, &[]),
    ("arg-role-assignments.json", 0, &[]),
    (
        "group-export.json",
        1,
        &[("HA002", 50, 25), ("HA003", 192, 25)],
    ),
    // The DNS list is a parameter without a value: "cannot tell", shown on request only.
    ("template-expr-dns.json", 0, &[]),
    ("template-v2.json", 1, &[("HA002", 24, 25)]),
    ("template.parameters.json", 0, &[]),
    ("jsonc-loose.jsonc", 1, &[("HA002", 21, 21)]),
    ("unrecognised.json", 1, &[("IN003", 1, 1)]),
    ("invalid-truncated.json", 2, &[("IN002", 149, 37)]),
    ("empty-array.json", 0, &[]),
    // PowerShell, `| ConvertTo-Json`.
    (
        "ps-search-azgraph.json",
        1,
        &[("HA002", 20, 25), ("HA003", 143, 25)],
    ),
    (
        "ps-get-azresource.json",
        1,
        &[("HA002", 26, 23), ("HA003", 154, 23)],
    ),
    ("ps-role-assignments.json", 0, &[]),
];

#[test]
fn powershell_role_assignments_are_read() {
    // The healthy site's resources alone: the role rules cannot tell. With its assignments as
    // `Get-AzRoleAssignment` writes them (ObjectId, ObjectType, a bare role GUID), they can.
    let alone = azlint(&[
        "check",
        "--show-unknown",
        "fixtures/examples/healthy/resources.json",
    ]);
    assert!(alone.stdout.contains("HA008"), "{}", alone.stdout);
    let with_roles = azlint(&[
        "check",
        "--show-unknown",
        "fixtures/examples/healthy/resources.json",
        "fixtures/shapes/ps-role-assignments.json",
    ]);
    assert_eq!(with_roles.code, 0, "{}", with_roles.stdout);
    assert_eq!(
        with_roles.stdout.trim_end(),
        "azlint: no problems found in 2 files (44 resources)"
    );
}

/// The text report of one file, without colour.
fn text_report(file: &str) -> common::Run {
    azlint(&["check", "--color", "never", file])
}

#[test]
fn every_shape_is_read_and_located() {
    for (file, code, expected) in CASES {
        let path = format!("fixtures/shapes/{file}");
        let run = azlint(&["check", "--format", "json", &path]);
        assert_eq!(run.code, *code, "{path}: {}", run.stdout);
        let got: Vec<(String, u64, u64)> = run
            .located()
            .into_iter()
            .map(|(c, f, l, col)| {
                assert_eq!(f, path);
                (c, l, col)
            })
            .collect();
        let want: Vec<(String, u64, u64)> = expected
            .iter()
            .map(|(c, l, col)| (c.to_string(), *l, *col))
            .collect();
        assert_eq!(got, want, "{path}");
    }
}

#[test]
fn every_shape_file_has_a_case() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/shapes");
    for entry in std::fs::read_dir(dir).expect("fixtures/shapes") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".json") || name.ends_with(".jsonc") {
            assert!(
                CASES.iter().any(|(f, _, _)| *f == name),
                "fixtures/shapes/{name} has no expectation in tests/shapes.rs"
            );
        }
    }
}

#[test]
fn an_unevaluated_expression_is_cannot_tell_never_a_guess() {
    let run = azlint(&[
        "check",
        "--show-unknown",
        "--color",
        "never",
        "fixtures/shapes/template-expr-dns.json",
    ]);
    assert_eq!(run.code, 0, "a cannot-tell note does not fail the run");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn jsonc_as_azure_accepts_it() {
    let run = text_report("fixtures/shapes/jsonc-loose.jsonc");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn truncated_json_points_at_the_end() {
    let run = text_report("fixtures/shapes/invalid-truncated.json");
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn paged_resource_graph_result_is_a_warning() {
    let run = text_report("fixtures/shapes/arg-truncated.json");
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn unrecognised_json_is_a_warning_naming_the_file() {
    let run = text_report("fixtures/shapes/unrecognised.json");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stdout);
}
