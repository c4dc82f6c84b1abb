//! How a team lives with azlint in a repository: the configuration file, suppressions with
//! reasons, and baselines that survive reformatting.

mod common;

use std::fs;
use std::path::Path;

use common::{azlint_in, Run};

fn scratch() -> tempfile::TempDir {
    common::broken_repo()
}

fn run(dir: &Path, args: &[&str]) -> Run {
    azlint_in(dir, args, None, &[])
}

fn codes(run: &Run) -> Vec<String> {
    run.located().into_iter().map(|(c, ..)| c).collect()
}

/// Inserts `line` before the 1-based line `before` of `file`.
fn insert_line(file: &Path, before: usize, line: &str) {
    let text = fs::read_to_string(file).expect("read");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(before - 1, line);
    fs::write(file, lines.join("\n")).expect("write");
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(file).expect("read");
    assert!(text.contains(from), "{from} not in {}", file.display());
    fs::write(file, text.replacen(from, to, 1)).expect("write");
}

const VNET_ID: &str = "/subscriptions/3f2c1a9e-8b7d-4c6e-9a1f-2d5e8c7b6a40/resourceGroups/rg-cato-ams/providers/Microsoft.Network/virtualNetworks/ams-vsNet";

#[test]
fn a_comment_suppresses_the_value_after_it_with_its_reason() {
    let dir = scratch();
    let res = dir.path().join("exports/resources.json");
    // Line 1033 holds the VNET's dnsServers (DEFECTS.md).
    insert_line(
        &res,
        1033,
        "        // azlint-ignore HA002: the branch DNS forwards to Cato's resolver",
    );
    let plain = run(dir.path(), &["check", "--format", "json", "exports"]);
    assert_eq!(plain.code, 1, "{}", plain.stdout);
    let found = codes(&plain);
    assert!(!found.contains(&"HA002".into()), "{found:?}");
    assert_eq!(found.len(), 5, "{found:?}");
    assert_eq!(plain.json()["summary"]["suppressed"], 1);

    let shown = run(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--report-suppressed",
            "exports",
        ],
    );
    let ha002 = shown.finding("HA002");
    assert_eq!(ha002["suppression"]["kind"], "inSource");
    assert_eq!(
        ha002["suppression"]["justification"],
        "the branch DNS forwards to Cato's resolver"
    );
}

#[test]
fn suppressions_without_reason_or_match_are_reported() {
    let dir = scratch();
    let res = dir.path().join("exports/resources.json");
    insert_line(&res, 1214, "        // azlint-ignore HA003");
    insert_line(
        &res,
        1033,
        "        /* azlint-ignore HA010: not this one */",
    );
    let out = run(dir.path(), &["check", "--format", "json", "exports"]);
    assert_eq!(out.code, 1);
    let found = out.located();
    // The suppression without a reason does not apply: HA003 is still there.
    assert!(found.iter().any(|(c, ..)| c == "HA003"), "{found:?}");
    let file = "exports/resources.json".to_string();
    assert!(
        found.contains(&("IN007".into(), file.clone(), 1215, 12)),
        "{found:?}"
    );
    assert!(
        found.contains(&("IN008".into(), file, 1033, 12)),
        "{found:?}"
    );
}

#[test]
fn metadata_tags_and_config_suppress_by_resource() {
    let dir = scratch();
    let res = dir.path().join("exports/resources.json");
    // A tag on the secondary vSocket VM covers its findings (HA005 and HA022).
    let text = fs::read_to_string(&res).expect("read");
    let mut all: serde_json::Value = serde_json::from_str(&text).expect("json");
    let vm = all
        .as_array_mut()
        .expect("array")
        .iter_mut()
        .find(|r| r["name"] == "ams-vSocket-Secondary")
        .expect("vm");
    vm["tags"]["azlint-ignore"] =
        "HA005: identity kept for backup agent; HA022: disk renamed next window".into();
    fs::write(&res, serde_json::to_string_pretty(&all).expect("json")).expect("write");
    fs::write(
        dir.path().join("azlint.toml"),
        format!(
            "[[suppress]]\nrules = [\"vnet-dns-not-public\"]\nresource = \"{}\"\nreason = \"DNS reviewed with Cato support\"\n",
            VNET_ID.to_lowercase()
        ),
    )
    .expect("config");
    let out = run(dir.path(), &["check", "--format", "json", "exports"]);
    let found = codes(&out);
    assert_eq!(found.len(), 3, "{found:?}");
    for gone in ["HA002", "HA005", "HA022"] {
        assert!(!found.contains(&gone.to_string()), "{found:?}");
    }
    assert_eq!(out.json()["summary"]["suppressed"], 3);
    let sarif = run(
        dir.path(),
        &[
            "check",
            "--format",
            "sarif",
            "--report-suppressed",
            "exports",
        ],
    );
    let sarif: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("sarif");
    let kinds: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["suppressions"][0]["kind"].as_str().map(String::from))
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "external").count(), 1);
    assert_eq!(kinds.iter().filter(|k| *k == "inSource").count(), 2);
}

#[test]
fn configuration_selects_overrides_and_ignores_per_path() {
    let dir = scratch();
    fs::write(
        dir.path().join("azlint.toml"),
        r#"
ignore = ["HA022"]
fail-on = "error"

[severity]
ip-forwarding-off = "warning"
HA005 = "off"

[per-path-ignores]
"./exports/resources.json" = ["HA003"]
"#,
    )
    .expect("config");
    // Found from a subdirectory too: the configuration is looked for upwards.
    let out = run(
        &dir.path().join("exports"),
        &["check", "--format", "json", "."],
    );
    let json = out.json();
    let found: Vec<(String, String)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_string(),
                f["severity"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("HA012".to_string(), "error".to_string()),
            ("HA002".into(), "error".into()),
            ("HA019".into(), "warning".into()),
        ],
        "{}",
        out.stdout
    );
    assert_eq!(out.code, 1);
    // Command-line flags win over the file; --isolated ignores it.
    let cli = run(
        dir.path(),
        &["check", "--format", "json", "--select", "HA019", "exports"],
    );
    assert_eq!(codes(&cli), ["HA019"]);
    assert_eq!(cli.code, 0, "HA019 is a warning and fail-on is error");
    let isolated = run(
        dir.path(),
        &["check", "--format", "json", "--isolated", "exports"],
    );
    assert_eq!(codes(&isolated).len(), 6);
}

#[test]
fn configuration_mistakes_are_located_and_stop_the_run() {
    let dir = scratch();
    let cases = [
        ("selekt = [\"HA001\"]\n", 1, 1, "unknown field `selekt`"),
        (
            "[severity]\nHA002 = \"loud\"\n",
            2,
            9,
            "unknown variant `loud`",
        ),
        ("ignore = [\"HA02\"]\n", 1, 11, "no rule is called `HA02`"),
        (
            "[severity]\nIN003 = \"note\"\n",
            2,
            1,
            "`IN003` is a finding about the inputs, not a rule: it can be ignored",
        ),
        (
            "[[suppress]]\nrules = [\"HA002\"]\nresource = \"/x\"\n",
            1,
            1,
            "a suppression needs a `reason`",
        ),
    ];
    for (text, line, column, message) in cases {
        fs::write(dir.path().join("azlint.toml"), text).expect("config");
        let out = run(dir.path(), &["check", "--format", "json", "exports"]);
        assert_eq!(out.code, 2, "{text}: {}", out.stdout);
        let json = out.json();
        let f = &json["findings"][0];
        assert_eq!(f["code"], "IN006", "{text}");
        assert_eq!(f["location"]["file"], "azlint.toml");
        assert_eq!(f["location"]["start"]["line"], line, "{text}");
        assert_eq!(f["location"]["start"]["column"], column, "{text}");
        let msg = f["message"].as_str().unwrap_or_default();
        assert!(msg.contains(message), "{text}: {msg}");
        assert_eq!(json["findings"].as_array().map(Vec::len), Some(1));
    }
}

#[test]
fn config_show_prints_the_effective_configuration() {
    let dir = scratch();
    fs::write(
        dir.path().join(".azlint.toml"),
        "select = [\"ha\"]\n\n[[site]]\nprimary = \"a\"\nsecondary = \"b\"\n",
    )
    .expect("config");
    let out = run(&dir.path().join("exports"), &["config", "--show"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(".azlint.toml"), "{}", out.stdout);
    assert!(out.stdout.contains("select = [\"ha\"]"), "{}", out.stdout);
    assert!(out.stdout.contains("[[site]]"), "{}", out.stdout);
    let isolated = run(dir.path(), &["config", "--show", "--isolated"]);
    assert!(
        isolated.stdout.contains("--isolated"),
        "{}",
        isolated.stdout
    );
}

#[test]
fn explicit_sites_pair_vms_azlint_cannot_recognise() {
    let dir = scratch();
    let res = dir.path().join("exports/resources.json");
    // Strip everything that says "Cato vSocket": plan, image and names.
    let text = fs::read_to_string(&res).expect("read");
    let text = text
        .replace("ams-vSocket-Primary", "edge-one")
        .replace("ams-vSocket-Secondary", "edge-two")
        .replace("catonetworks", "contoso")
        .replace("vSocket", "appliance");
    fs::write(&res, text).expect("write");
    let route = |out: &Run| codes(out).contains(&"HA012".to_string());
    let unmapped = run(dir.path(), &["check", "--format", "json", "exports"]);
    assert!(!route(&unmapped), "{}", unmapped.stdout);
    fs::write(
        dir.path().join("azlint.toml"),
        "[[site]]\nname = \"ams\"\nprimary = \"edge-one\"\nsecondary = \"EDGE-TWO\"\n",
    )
    .expect("config");
    let mapped = run(dir.path(), &["check", "--format", "json", "exports"]);
    assert!(route(&mapped), "{}", mapped.stdout);
    assert!(
        !codes(&mapped).contains(&"IN012".to_string()),
        "{}",
        mapped.stdout
    );

    // A typo in a VM's name: the pair is not checked, and the run says so at the entry.
    fs::write(
        dir.path().join("azlint.toml"),
        "[[site]]\nname = \"ams\"\nprimary = \"edge-one\"\nsecondary = \"edge-twoo\"\n",
    )
    .expect("config");
    let typo = run(dir.path(), &["check", "--format", "json", "exports"]);
    assert!(!route(&typo), "{}", typo.stdout);
    let note = typo.finding("IN012");
    assert_eq!(note["severity"], "note");
    assert_eq!(note["location"]["file"], "azlint.toml");
    assert!(
        note["message"]
            .as_str()
            .unwrap_or_default()
            .contains("`edge-twoo`"),
        "{note}"
    );
}

#[test]
fn baselines_survive_reformatting_and_reordering() {
    let dir = scratch();
    let out = run(
        dir.path(),
        &["check", "exports", "--write-baseline", "baseline.json"],
    );
    assert_eq!(out.code, 0, "writing a baseline accepts today's findings");
    assert!(out.stderr.contains("wrote 6 findings"), "{}", out.stderr);

    // Reformat compactly and reverse the resources: nothing is new.
    let res = dir.path().join("exports/resources.json");
    let text = fs::read_to_string(&res).expect("read");
    let mut all: serde_json::Value = serde_json::from_str(&text).expect("json");
    all.as_array_mut().expect("array").reverse();
    fs::write(&res, serde_json::to_string(&all).expect("json")).expect("write");
    let again = run(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "exports",
            "--baseline",
            "baseline.json",
        ],
    );
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(codes(&again).is_empty(), "{}", again.stdout);
    assert_eq!(again.json()["summary"]["in_baseline"], 6);

    // A new defect is reported, the old ones stay quiet.
    let text = fs::read_to_string(&res).expect("read");
    fs::write(
        &res,
        text.replacen(
            "\"enableIPForwarding\":true",
            "\"enableIPForwarding\":false",
            1,
        ),
    )
    .expect("write");
    let new = run(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "exports",
            "--baseline",
            "baseline.json",
        ],
    );
    assert_eq!(codes(&new), ["HA019"], "{}", new.stdout);
    assert_eq!(new.code, 1);

    // A broken baseline is an input error.
    fs::write(dir.path().join("bad.json"), "{\"version\": 1,").expect("write");
    let bad = run(dir.path(), &["check", "exports", "--baseline", "bad.json"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stdout.contains("IN009"), "{}", bad.stdout);
    // One of another version: located at the version.
    fs::write(
        dir.path().join("v2.json"),
        "{\n  \"version\": 2,\n  \"findings\": []\n}\n",
    )
    .expect("write");
    let v2 = run(
        dir.path(),
        &[
            "check",
            "exports",
            "--baseline",
            "v2.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(v2.code, 2);
    let f = v2.finding("IN009");
    assert_eq!(f["location"]["start"]["line"], 2, "{f}");
    assert_eq!(f["location"]["start"]["column"], 14, "{f}");
}

#[test]
fn exit_zero_reports_without_failing() {
    let dir = scratch();
    let out = run(dir.path(), &["check", "exports", "--exit-zero", "-q"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("HA002"));
    edit(&dir.path().join("exports/resources.json"), "[", "[ {");
    let broken = run(dir.path(), &["check", "exports", "--exit-zero", "-q"]);
    assert_eq!(broken.code, 2, "input errors still fail");
}

#[test]
fn the_readme_configuration_example_is_valid() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let start = readme
        .find("```toml\n")
        .expect("a toml block in the README")
        + 8;
    let end = start + readme[start..].find("```").expect("closed");
    // The example names a rule directory the test does not have.
    let example: String = readme[start..end]
        .lines()
        .filter(|l| !l.contains("\"azlint-rules\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = scratch();
    fs::write(dir.path().join("azlint.toml"), example).expect("config");
    let out = run(dir.path(), &["check", "--format", "json", "exports"]);
    assert_ne!(out.code, 2, "{}", out.stdout);
    let found = codes(&out);
    assert!(
        !found.iter().any(|c| c == "IN006" || c == "IN007"),
        "{found:?}"
    );
    // Its suppression names a placeholder resource id: reported as unused.
    assert!(found.contains(&"IN008".to_string()), "{found:?}");
    // os-disk-name-invalid is a warning there.
    let disk = out.finding("HA022");
    assert_eq!(disk["severity"], "warning");
}

#[test]
fn input_warnings_can_be_ignored_and_reports_create_their_directory() {
    let dir = scratch();
    fs::write(dir.path().join("exports/package.json"), "{\"name\": \"x\"}").expect("write");
    let plain = run(dir.path(), &["check", "--format", "json", "exports"]);
    assert!(codes(&plain).contains(&"IN003".to_string()));
    let out = run(
        dir.path(),
        &[
            "check",
            "exports",
            "--ignore",
            "IN003",
            "--format",
            "sarif",
            "-o",
            "reports/ci/azlint.sarif",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let sarif = fs::read_to_string(dir.path().join("reports/ci/azlint.sarif")).expect("report");
    assert!(!sarif.contains("IN003"));
    assert!(sarif.contains("HA002"));
    // Input errors cannot be ignored.
    fs::write(dir.path().join("exports/broken.json"), "{").expect("write");
    let broken = run(dir.path(), &["check", "exports", "--ignore", "IN002,IN003"]);
    assert_eq!(broken.code, 2);
}

#[test]
fn azlint_reads_past_its_own_baseline_and_reports() {
    // `azlint check .` (the default path, and the Action's) in a repository that commits its
    // baseline and reports next to the exports: they are azlint's output, not exports, and
    // not "unrecognised input" warnings that fail the next run.
    let dir = scratch();
    let wrote = run(
        dir.path(),
        &["check", "--write-baseline", "azlint-baseline.json"],
    );
    assert_eq!(wrote.code, 0, "{}", wrote.stderr);
    for (format, out) in [("json", "azlint.json"), ("sarif", "azlint.sarif.json")] {
        let report = run(
            dir.path(),
            &["check", "exports", "--format", format, "-o", out],
        );
        assert_eq!(report.code, 1, "{}", report.stderr);
    }
    let again = run(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--baseline",
            "azlint-baseline.json",
        ],
    );
    assert_eq!(again.code, 0, "{}", again.stdout);
    assert!(codes(&again).is_empty(), "{}", again.stdout);
    assert_eq!(again.json()["summary"]["files"], 5, "{}", again.stdout);
}

/// Writes `value` pretty-printed to `dir/name`.
fn write_json(dir: &Path, name: &str, value: &serde_json::Value) {
    fs::write(
        dir.join(name),
        serde_json::to_string_pretty(value).expect("JSON"),
    )
    .expect("write");
}

#[test]
fn a_baseline_of_one_defect_does_not_hide_another_of_the_same_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "--isolated", "--format", "json", "site.json"];
        args.extend_from_slice(extra);
        run(dir.path(), &args)
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));

    // HA009: another identity than the one baselined holds a role on the LAN NIC.
    let text = fs::read_to_string(
        root.join("fixtures/rules/extra-identity-role/fire/second-identity-on-lan-nic.json"),
    )
    .expect("read");
    fs::write(dir.path().join("site.json"), &text).expect("write");
    assert_eq!(check(&["--write-baseline", "baseline.json"]).code, 0);
    assert_eq!(check(&["--baseline", "baseline.json"]).code, 0, "baselined");
    let other = text.replace(
        "5a7c9e1b-3d5f-4b7a-9c1e-3f5a7c9e1b3d",
        "11111111-2222-3333-4444-555555555555",
    );
    fs::write(dir.path().join("site.json"), other).expect("write");
    assert_eq!(codes(&check(&["--baseline", "baseline.json"])), ["HA009"]);

    // HA020: the other IP configuration of the LAN NIC is dynamic.
    let text =
        fs::read_to_string(root.join("fixtures/examples/healthy/resources.json")).expect("read");
    let healthy: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let dynamic = |which: usize| {
        let mut all = healthy.clone();
        for r in all.as_array_mut().expect("array") {
            if r["name"] == "ams-lanPrimary" {
                r["properties"]["ipConfigurations"][which]["properties"]
                    ["privateIPAllocationMethod"] = "Dynamic".into();
            }
        }
        all
    };
    write_json(dir.path(), "site.json", &dynamic(0));
    let first = check(&["--write-baseline", "baseline.json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    write_json(dir.path(), "site.json", &dynamic(1));
    let second = check(&["--baseline", "baseline.json"]);
    assert_eq!(codes(&second), ["HA020"], "{}", second.stdout);
    let path = second.finding("HA020")["path"].clone();
    assert_eq!(
        path,
        "$.properties.ipConfigurations[?@.name == 'ipconfig2'].properties.privateIPAllocationMethod"
    );
}

#[test]
fn a_comment_before_a_resource_covers_what_is_said_about_it_elsewhere() {
    // HA035's "cannot tell" about the primary vSocket points at the NSG rule that left the
    // keepalive open; a comment before the VM covers it all the same.
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/rules/keepalive-blocked/silent/deny-by-source-port.json");
    let text = fs::read_to_string(fixture).expect("fixture");
    let mut lines: Vec<&str> = text.lines().collect();
    let name = lines
        .iter()
        .position(|l| l.trim() == r#""name": "ams-vSocket-Primary","#)
        .expect("the VM");
    let open = lines[..name]
        .iter()
        .rposition(|l| *l == "  {")
        .expect("the VM's object");
    lines.insert(
        open,
        "  // azlint-ignore HA035: source ports reviewed with Cato",
    );
    let file = dir.path().join("resources.json");
    fs::write(&file, lines.join("\n")).expect("write");
    let run = run(
        dir.path(),
        &[
            "check",
            "--show-unknown",
            "--format",
            "json",
            "resources.json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(codes(&run), Vec::<String>::new());
    assert_eq!(run.json()["summary"]["suppressed"], 1, "{}", run.stdout);
}
