//! The command line as users run it: examples, exit codes, inputs that fail, formats, output
//! files, directories, standard input and determinism.

mod common;

use std::fs;

use common::{azlint, azlint_in, azlint_stdin};

#[test]
fn healthy_example_is_clean() {
    let run = azlint(&["check", "fixtures/examples/healthy"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(
        run.stdout,
        "azlint: no problems found in 2 files (44 resources)\n"
    );
    assert!(run.stderr.is_empty());
}

#[test]
fn broken_example_points_at_the_defects() {
    let run = azlint(&["check", "--format", "json", "fixtures/examples/broken"]);
    assert_eq!(run.code, 1);
    let file = "fixtures/examples/broken/resources.json".to_string();
    let found = run.located();
    // DEFECTS.md: S2 on the VNET's dnsServers (line 1033), S3 on ams-wanPrimary (line 1214).
    assert!(
        found.contains(&("HA002".into(), file.clone(), 1033, 23)),
        "{found:?}"
    );
    assert!(
        found.contains(&("HA003".into(), file, 1214, 23)),
        "{found:?}"
    );
}

#[test]
fn broken_example_text_report() {
    let run = azlint(&["check", "--color", "never", "fixtures/examples/broken"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn one_inventory_across_files() {
    // The NIC with private DNS is in one file, its vSocket VM in another: the finding names the
    // VM, with a label in the other file.
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = fs::read_to_string("fixtures/examples/broken/resources.json").expect("fixture");
    let all: serde_json::Value = serde_json::from_str(&broken).expect("fixture JSON");
    let (vms, rest): (Vec<_>, Vec<_>) = all
        .as_array()
        .expect("array")
        .iter()
        .cloned()
        .partition(|r| r["type"] == "Microsoft.Compute/virtualMachines");
    let write = |name: &str, v: Vec<serde_json::Value>| {
        let text = serde_json::to_string_pretty(&v).expect("json");
        fs::write(dir.path().join(name), text).expect("write");
    };
    write("vms.json", vms);
    write("network.json", rest);
    let run = azlint_in(
        dir.path(),
        &["check", "--format", "json", "network.json", "vms.json"],
        None,
        &[],
    );
    assert_eq!(run.code, 1);
    let nic = run.finding("HA003");
    assert_eq!(nic["location"]["file"], "network.json");
    assert_eq!(nic["related"][0]["file"], "vms.json");
    assert_eq!(
        nic["related"][0]["message"],
        "vSocket `ams-vSocket-Primary` uses this NIC"
    );
}

#[test]
fn a_broken_file_does_not_stop_the_others() {
    let run = azlint(&[
        "check",
        "--format",
        "json",
        "fixtures/shapes/invalid-truncated.json",
        "fixtures/shapes/cli-nic-show.json",
        "does/not/exist.json",
    ]);
    assert_eq!(run.code, 2, "input errors exit 2");
    let codes: Vec<(String, String)> = run
        .located()
        .into_iter()
        .map(|(c, f, _, _)| (c, f))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("IN001".to_string(), "does/not/exist.json".to_string()),
            (
                "HA003".to_string(),
                "fixtures/shapes/cli-nic-show.json".to_string()
            ),
            (
                "IN002".to_string(),
                "fixtures/shapes/invalid-truncated.json".to_string()
            ),
        ]
    );
}

#[test]
fn bicep_source_is_told_to_be_compiled() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("main.bicep"),
        "param site string = 'ams'\nresource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {\n  name: site\n}\n",
    )
    .expect("write");
    let run = azlint_in(
        dir.path(),
        &["check", "--format", "json", "main.bicep"],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    let f = run.finding("IN002");
    let help = f["help"].as_str().unwrap_or_default();
    assert!(help.contains("az bicep build --file FILE"), "{help}");
    assert_eq!(f["location"]["start"]["line"], 1);
}

#[test]
fn missing_file_message() {
    let run = azlint(&["check", "--color", "never", "nope.json"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn hostile_inputs_get_located_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let deep = "[".repeat(200_000);
    let cases: &[(&str, &[u8], &str)] = &[
        ("empty.json", b"", "the file is empty"),
        ("deep.json", deep.as_bytes(), "nesting is deeper"),
        (
            "utf16.json",
            b"\xFF\xFE[\x00]\x00",
            "UTF-16 (little-endian)",
        ),
        ("latin1.json", b"[\"caf\xe9\"]", "not valid UTF-8"),
        ("random.json", b"\x00\x01\x02garbage", "expected a value"),
    ];
    let mut args = vec!["check".to_string(), "--format".into(), "json".into()];
    for (name, bytes, _) in cases {
        fs::write(dir.path().join(name), bytes).expect("write");
        args.push(name.to_string());
    }
    fs::write(dir.path().join("huge-number.json"), b"[1e999999]").expect("write");
    args.push("huge-number.json".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = azlint_in(dir.path(), &args, None, &[]);
    assert_eq!(run.code, 2);
    let report = run.json();
    let findings = report["findings"].as_array().expect("findings");
    for (name, _, needle) in cases {
        let f = findings
            .iter()
            .find(|f| f["location"]["file"] == *name)
            .unwrap_or_else(|| panic!("no finding for {name}: {report}"));
        let message = f["message"].as_str().unwrap_or_default();
        assert!(message.contains(needle), "{name}: {message}");
        // Every one at a line and column, a UTF-16 file (at its start) too.
        assert!(f["location"]["start"]["line"].is_u64(), "{name}: {f}");
        assert!(f["location"]["start"]["column"].is_u64(), "{name}: {f}");
    }
    // A number out of f64 range is still JSON: it gets the unrecognised warning, not an error.
    let huge = findings
        .iter()
        .find(|f| f["location"]["file"] == "huge-number.json")
        .expect("huge-number.json");
    assert_eq!(huge["code"], "IN003");
}

#[test]
fn control_characters_in_an_input_never_reach_the_terminal() {
    // A raw escape sequence in a name (JSON should escape it; azlint reads it anyway) would
    // retitle the window and clear the screen if the code frame printed it as it is.
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("esc.json"),
        "[{\"id\": \"/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v\",\n  \"name\": \"v\u{1b}]0;PWNED\u{7}\u{1b}[2J\",\n  \"type\": \"Microsoft.Network/virtualNetworks\", \"properties\": {}}]\n",
    )
    .expect("write");
    let run = azlint_in(
        dir.path(),
        &[
            "check",
            "--color",
            "never",
            "--select",
            "vnet-name-invalid",
            "esc.json",
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("v?]0;PWNED??[2J"), "{}", run.stdout);
    assert!(
        !run.stdout.contains(['\u{1b}', '\u{7}']),
        "{:?}",
        run.stdout
    );
}

#[test]
fn invalid_utf8_is_shown_where_it_is() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(
        dir.path().join("latin1.json"),
        b"{\n  \"name\": \"caf\xe9\"\n}\n",
    )
    .expect("write");
    let run = azlint_in(
        dir.path(),
        &["check", "--color", "never", "latin1.json"],
        None,
        &[],
    );
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn stdin_with_a_name() {
    let input = fs::read("fixtures/shapes/cli-vnet-show.json").expect("fixture");
    let run = azlint_stdin(
        &[
            "check",
            "--format",
            "json",
            "-",
            "--stdin-filename",
            "vnet.json",
        ],
        &input,
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.located(),
        vec![("HA002".into(), "vnet.json".into(), 8, 19)]
    );
    let unnamed = azlint_stdin(&["check", "--format", "json", "-"], &input);
    assert_eq!(unnamed.located()[0].1, "<stdin>");
}

#[test]
fn output_file_is_written_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.json");
    let out_arg = out.to_string_lossy().into_owned();
    let run = azlint(&[
        "check",
        "--format",
        "json",
        "-o",
        &out_arg,
        "fixtures/examples/broken",
    ]);
    assert_eq!(
        run.code, 1,
        "the exit code does not depend on where the report goes"
    );
    assert!(run.stdout.is_empty());
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&out).expect("report written")).expect("json");
    assert_eq!(
        report["summary"]["errors"], 6,
        "the six defects of DEFECTS.md"
    );
    assert_eq!(report["tool"]["name"], "azlint");
    // Nothing else is left in the directory (the write is atomic through a temporary file).
    assert_eq!(fs::read_dir(dir.path()).expect("dir").count(), 1);
}

#[test]
fn output_into_a_pipe_or_through_a_link_keeps_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A FIFO (as `/dev/null` or `/dev/stdout` would be): written to, not replaced by a file.
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read_to_string(fifo).expect("read the pipe"))
    };
    let fifo_arg = fifo.to_string_lossy().into_owned();
    let run = azlint(&[
        "check",
        "--format",
        "json",
        "-o",
        &fifo_arg,
        "fixtures/examples/healthy",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = reader.join().expect("reader");
    assert!(text.contains("\"tool\""), "{text}");
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::symlink_metadata(&fifo)
        .expect("pipe")
        .file_type()
        .is_fifo());

    // A link to a report stays a link, to the new report.
    let target = dir.path().join("real.json");
    fs::write(&target, "old").expect("write");
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let link_arg = link.to_string_lossy().into_owned();
    let run = azlint(&[
        "check",
        "--format",
        "json",
        "-o",
        &link_arg,
        "fixtures/examples/healthy",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(fs::symlink_metadata(&link)
        .expect("link")
        .file_type()
        .is_symlink());
    assert!(fs::read_to_string(&target)
        .expect("target")
        .contains("\"tool\""));
}

#[test]
fn unwritable_output_is_an_error() {
    // Missing directories are created; a path through a regular file cannot be, even as root.
    let run = azlint(&[
        "check",
        "-o",
        "Cargo.toml/report.txt",
        "fixtures/examples/healthy",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot write Cargo.toml/report.txt"),
        "{}",
        run.stderr
    );
}

#[test]
fn fail_on_decides_the_exit_code() {
    // unrecognised.json gives one warning.
    let file = "fixtures/shapes/unrecognised.json";
    assert_eq!(azlint(&["check", file]).code, 1);
    assert_eq!(azlint(&["check", "--fail-on", "error", file]).code, 0);
    assert_eq!(azlint(&["check", "--fail-on", "never", file]).code, 0);
    // Notes fail only with --fail-on note.
    let nulls = "fixtures/rules/vnet-dns-not-public/silent/properties-null.json";
    assert_eq!(azlint(&["check", nulls]).code, 0);
    assert_eq!(azlint(&["check", "--fail-on", "note", nulls]).code, 1);
    // "Cannot tell" notes count only when the report shows them: the healthy example has
    // checks its export cannot decide, and nothing else.
    let healthy = "fixtures/examples/healthy/resources.json";
    assert_eq!(azlint(&["check", "--fail-on", "note", healthy]).code, 0);
    let strict = azlint(&["check", "--fail-on", "note", "--show-unknown", healthy]);
    assert_eq!(strict.code, 1, "{}", strict.stdout);
    assert!(
        strict.stdout.contains(" notes in 1 file"),
        "{}",
        strict.stdout
    );
    // Input errors exit 2 whatever --fail-on says.
    let bad = "fixtures/shapes/invalid-truncated.json";
    assert_eq!(azlint(&["check", "--fail-on", "never", bad]).code, 2);
}

#[test]
fn usage_errors_exit_2() {
    let run = azlint(&["check", "--format", "yaml", "x.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid value 'yaml'"),
        "{}",
        run.stderr
    );
    assert_eq!(azlint(&["frobnicate"]).code, 2);
}

#[test]
fn quiet_and_statistics() {
    let quiet = azlint(&["check", "-q", "fixtures/examples/healthy"]);
    assert_eq!((quiet.code, quiet.stdout.as_str()), (0, ""));
    let stats = azlint(&[
        "check",
        "--statistics",
        "fixtures/examples/broken",
        "fixtures/shapes",
    ]);
    insta::assert_snapshot!(stats.stdout);
}

#[test]
fn show_unknown_lists_cannot_tell_notes() {
    let file = "fixtures/shapes/template-expr-dns.json";
    let hidden = azlint(&["check", file]);
    assert_eq!(
        hidden.stdout,
        "azlint: no problems found in 1 file (4 resources); 1 check could not be decided from the input (--show-unknown lists them)\n"
    );
    let shown = azlint(&["check", "--show-unknown", "--format", "json", file]);
    let report = shown.json();
    assert_eq!(report["findings"][0]["cannot_tell"], true);
    assert_eq!(report["findings"][0]["severity"], "note");
}

#[test]
fn a_site_whose_nics_were_not_exported_cannot_tell() {
    // The two vSocket VMs alone: their six NICs, and what hangs off them, are not in the input.
    let file = "fixtures/rules/vm-computer-name-invalid/silent/period-inside.json";
    let hidden = azlint(&["check", file]);
    assert_eq!(hidden.code, 0, "{}", hidden.stdout);
    assert!(
        hidden.stdout.contains("could not be decided"),
        "{}",
        hidden.stdout
    );
    let shown = azlint(&["check", "--show-unknown", "--format", "json", file]);
    let report = shown.json();
    let incomplete: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "IN012")
        .collect();
    assert_eq!(incomplete.len(), 1, "one note for the one site");
    let f = incomplete[0];
    assert_eq!(f["cannot_tell"], true);
    assert_eq!(f["severity"], "note");
    let message = f["message"].as_str().expect("message");
    for nic in ["ams-mngPrimary", "ams-lanPrimary", "ams-lanSecondary"] {
        assert!(message.contains(nic), "{message}");
    }
    // The healthy example holds its whole site.
    let healthy = azlint(&["check", "--show-unknown", "fixtures/examples/healthy"]);
    assert!(!healthy.stdout.contains("IN012"), "{}", healthy.stdout);
}

#[test]
fn copies_of_one_resource_that_disagree_are_a_note() {
    const ID: &str = "/subscriptions/3f2c1a9e-8b7d-4c6e-9a1f-2d5e8c7b6a40/resourceGroups/rg-cato-ams/providers/Microsoft.Network/networkSecurityGroups/ams-LANSecurityGroup";
    // Resource Graph's nested form, ids in lower case, with its own columns.
    let arg = |access: &str| {
        format!(
            r#"{{"count": 1, "data": [{{"id": "{}", "name": "ams-LANSecurityGroup", "type": "microsoft.network/networksecuritygroups", "location": "westeurope", "resourceGroup": "rg-cato-ams", "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "properties": {{"provisioningState": "Succeeded", "securityRules": [{{"name": "keepalive", "etag": "W/\"1\"", "properties": {{"access": "{access}", "direction": "Inbound", "priority": 100, "protocol": "Udp", "destinationPortRange": "20480"}}}}]}}}}]}}"#,
            ID.to_lowercase()
        )
    };
    // `az network nsg show`: the flattened form, another etag.
    let cli = format!(
        r#"{{"id": "{ID}", "name": "ams-LANSecurityGroup", "type": "Microsoft.Network/networkSecurityGroups", "location": "westeurope", "etag": "W/\"2\"", "provisioningState": "Succeeded", "securityRules": [{{"name": "keepalive", "etag": "W/\"2\"", "access": "Allow", "direction": "Inbound", "priority": 100, "protocol": "Udp", "destinationPortRange": "20480"}}]}}"#
    );
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("nsg-show.json"), &cli).expect("write");
    fs::write(dir.path().join("arg.json"), arg("Allow")).expect("write");
    let same = azlint_in(dir.path(), &["check", "--format", "json", "."], None, &[]);
    let codes = |run: &common::Run| -> Vec<String> {
        run.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["code"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert!(
        !codes(&same).contains(&"IN013".to_string()),
        "{}",
        same.stdout
    );
    // PowerShell's typed cmdlet: PascalCase, the port as a one-element list, a NIC reference
    // list written with PowerShell's empty fields. The same NSG.
    let powershell = format!(
        r#"{{"Id": "{ID}", "Name": "ams-LANSecurityGroup", "Type": "Microsoft.Network/networkSecurityGroups", "Location": "westeurope", "Etag": "W/\"3\"", "ProvisioningState": "Succeeded", "NetworkInterfaces": [{{"Id": "{ID}/../nic", "Name": null, "IpConfigurations": []}}], "SecurityRules": [{{"Name": "keepalive", "Etag": "W/\"3\"", "Access": "Allow", "Direction": "Inbound", "Priority": 100, "Protocol": "Udp", "DestinationPortRange": ["20480"]}}]}}"#
    );
    fs::write(dir.path().join("arg.json"), &powershell).expect("write");
    let tools = azlint_in(dir.path(), &["check", "--format", "json", "."], None, &[]);
    assert!(
        !codes(&tools).contains(&"IN013".to_string()),
        "{}",
        tools.stdout
    );
    fs::write(dir.path().join("arg.json"), arg("Deny")).expect("write");
    let differ = azlint_in(dir.path(), &["check", "--format", "json", "."], None, &[]);
    // A note: azlint cannot know which copy is current; the run does not fail for it.
    assert_eq!(differ.code, 0, "{}", differ.stdout);
    let f = differ.finding("IN013");
    assert_eq!(f["severity"], "note");
    let message = f["message"].as_str().expect("message");
    assert!(
        message.contains("arg.json")
            && message.contains("nsg-show.json")
            && message.contains("`securityRules[0].access`")
            && message.contains("the rules check both copies"),
        "{message}"
    );
    assert_eq!(f["related"].as_array().map(Vec::len), Some(1), "{f}");
}

#[test]
fn directories_are_walked_honouring_gitignore() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fs::create_dir_all(root.join("exports/old")).expect("mkdir");
    fs::copy(
        "fixtures/shapes/cli-vnet-show.json",
        root.join("exports/vnet.json"),
    )
    .expect("copy");
    fs::copy(
        "fixtures/shapes/cli-nic-show.json",
        root.join("exports/nic.jsonc"),
    )
    .expect("copy");
    fs::write(root.join("exports/notes.txt"), "not json").expect("write");
    fs::write(root.join("exports/old/broken.json"), "{").expect("write");
    fs::write(root.join(".gitignore"), "old/\n").expect("write");
    let run = azlint_in(root, &["check", "--format", "json", "."], None, &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let files: Vec<String> = run.located().into_iter().map(|(_, f, _, _)| f).collect();
    assert_eq!(files, vec!["exports/nic.jsonc", "exports/vnet.json"]);
    assert_eq!(run.json()["summary"]["files"], 2);
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_does_not_hang() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).expect("symlink");
    fs::copy(
        "fixtures/shapes/cli-vnet-show.json",
        dir.path().join("vnet.json"),
    )
    .expect("copy");
    let run = azlint_in(dir.path(), &["check", "--format", "json", "."], None, &[]);
    assert_eq!(run.code, 2, "a loop is reported as an input problem");
    let found = run.located();
    assert!(
        found
            .iter()
            .any(|(c, f, _, _)| c == "HA002" && f == "vnet.json"),
        "{found:?}"
    );
    assert!(run.stdout.contains("symbolic link loop"), "{}", run.stdout);
}

#[test]
fn hidden_and_linked_exports_are_found_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fs::create_dir_all(root.join("a")).expect("mkdir");
    fs::copy(
        "fixtures/shapes/cli-vnet-show.json",
        root.join("a/.hidden.json"),
    )
    .expect("copy");
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("a/.hidden.json"), root.join("linked.json"))
        .expect("link");
    let run = azlint_in(
        root,
        &["check", "--format", "json", ".", "a/.hidden.json"],
        None,
        &[],
    );
    let files: Vec<String> = run.located().into_iter().map(|(_, f, _, _)| f).collect();
    // The hidden file is found by the walk and named again: linted once. The link is another
    // name for it, also linted once (its own name), and both name the same VNET: one finding.
    assert_eq!(files.len(), 1, "{files:?}");
    let empty = tempfile::tempdir().expect("tempdir");
    let none = azlint_in(empty.path(), &["check", "."], None, &[]);
    assert_eq!(none.code, 0);
    assert!(
        none.stderr.contains("no *.json or *.jsonc files found"),
        "{}",
        none.stderr
    );
}

#[test]
fn output_does_not_depend_on_threads_or_argument_order() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let forward = [
        "check",
        "--color",
        "never",
        "--show-unknown",
        "fixtures/shapes",
        "fixtures/examples",
        "fixtures/templates",
    ];
    let backward = [
        "check",
        "--color",
        "never",
        "--show-unknown",
        "fixtures/templates",
        "fixtures/examples",
        "fixtures/shapes",
    ];
    let one = azlint_in(root, &forward, None, &[("RAYON_NUM_THREADS", "1")]);
    let many = azlint_in(root, &forward, None, &[("RAYON_NUM_THREADS", "8")]);
    let reordered = azlint_in(root, &backward, None, &[("RAYON_NUM_THREADS", "3")]);
    assert_eq!(one.stdout, many.stdout);
    assert_eq!(one.stdout, reordered.stdout);
    assert_eq!((one.code, many.code, reordered.code), (2, 2, 2));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let file = "fixtures/shapes/cli-vnet-show.json";
    let always = azlint(&["check", "--color", "always", file]);
    assert!(always.stdout.contains("\u{1b}["), "--color always colours");
    let never = azlint(&["check", "--color", "never", file]);
    assert!(!never.stdout.contains("\u{1b}["));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let auto = azlint_in(root, &["check", file], None, &[("NO_COLOR", "1")]);
    assert!(!auto.stdout.contains("\u{1b}["));
}

#[test]
fn version_and_help() {
    let version = azlint(&["--version"]);
    assert_eq!(
        version.stdout,
        format!("azlint {}\n", env!("CARGO_PKG_VERSION"))
    );
    let help = azlint(&["check", "--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Examples:"));
    assert!(help.stdout.contains("--stdin-filename"));
    assert!(help.stdout.contains("Exit codes: 0"));
}

#[test]
fn more_hostile_inputs_and_the_others_still_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = |name: &str| dir.path().join(name);
    // Wrong types where objects are expected: a resource whose fields are not what Azure
    // writes is read as far as it goes, never a crash.
    fs::write(
        p("wrong-types.json"),
        br#"[{"type": "Microsoft.Network/virtualNetworks", "id": 5, "name": [], "properties": []},
            {"type": "Microsoft.Network/networkInterfaces", "name": "n", "properties": {"ipConfigurations": "x", "dnsSettings": 7}}]"#,
    )
    .expect("write");
    fs::write(
        p("duplicate.json"),
        br#"[{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/ams-vsNet",
  "name": "ams-vsNet", "type": "Microsoft.Network/virtualNetworks",
  "properties": {"dhcpOptions": {"dnsServers": []},
                 "dhcpOptions": {"dnsServers": []}}}]"#,
    )
    .expect("write");
    // 1 GB that is not JSON (a sparse file: no disk used): one located error, bounded memory.
    let big = fs::File::create(p("big.json")).expect("create");
    big.set_len(1 << 30).expect("sparse 1 GB");
    drop(big);
    fs::copy("fixtures/shapes/single-resource.json", p("vnet.json")).expect("copy");
    let run = azlint_in(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "wrong-types.json",
            "duplicate.json",
            "big.json",
            "vnet.json",
            "missing.json",
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    let located = run.located();
    let has = |code: &str, file: &str| located.iter().any(|(c, f, _, _)| c == code && f == file);
    assert!(has("IN011", "duplicate.json"), "{located:?}");
    assert!(has("IN002", "big.json"), "{located:?}");
    assert!(has("IN001", "missing.json"), "{located:?}");
    // The good file is linted all the same.
    assert!(has("HA002", "vnet.json"), "{located:?}");
    let dup = located
        .iter()
        .find(|(c, _, _, _)| c == "IN011")
        .expect("IN011");
    assert_eq!((dup.2, dup.3), (4, 18));
}

#[test]
fn input_codes_are_explained() {
    let run = azlint(&["explain", "IN010"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.starts_with("IN010 template-expression-error"),
        "{}",
        run.stdout
    );
    let by_name = azlint(&["explain", "duplicate-key"]);
    assert!(
        by_name.stdout.starts_with("IN011 duplicate-key"),
        "{}",
        by_name.stdout
    );
    assert_eq!(azlint(&["explain", "IN999"]).code, 2);
}

/// A reader that stops early (`azlint rules | head -1`) closes the pipe: the commands that
/// print as they go end quietly with their usual exit code, not with a panic.
#[test]
fn a_closed_output_pipe_is_not_a_crash() {
    let flow = [
        "flow",
        "fixtures/examples/healthy",
        "--from",
        "ams-lanPrimary",
        "--to",
        "10.20.0.69",
        "--protocol",
        "udp",
        "--port",
        "20480",
    ];
    let routes = [
        "routes",
        "fixtures/examples/healthy",
        "--subnet",
        "ams-LANSubnet",
    ];
    let cases: [&[&str]; 5] = [
        &["rules"],
        &["explain", "HA001"],
        &flow,
        &routes,
        &["expand", "fixtures/templates/ha-site-roles.json"],
    ];
    for args in cases {
        let expected = azlint(args).code;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_azlint"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("azlint runs");
        // Close the read end before azlint writes.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("azlint finishes");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
