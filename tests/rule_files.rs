//! The rule language as rule authors use it: the published schema, generated docs, custom rule
//! directories, selection, and the rules/explain commands.

mod common;

use std::fs;
use std::path::Path;

use common::{azlint, azlint_in};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rule_files() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for pack in fs::read_dir(root().join("rules")).expect("rules/") {
        let pack = pack.expect("entry").path();
        if pack.is_dir() {
            for f in fs::read_dir(&pack).expect("pack") {
                out.push(f.expect("entry").path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_rule_file_validates_against_the_published_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root().join("rules/schema.json")).expect("schema"),
    )
    .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let files = rule_files();
    assert!(files.len() >= 20, "{files:?}");
    for f in files {
        let text = fs::read_to_string(&f).expect("rule file");
        let value: serde_json::Value = serde_saphyr::from_str(&text).expect("YAML");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", f.display());
    }
}

#[test]
fn generated_docs_are_up_to_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().to_string_lossy().into_owned();
    let run = azlint(&["docs", &out]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let committed = root().join("docs/rules");
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .expect("generated")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        let fresh = fs::read_to_string(dir.path().join(name)).expect("generated page");
        let old = fs::read_to_string(committed.join(name)).unwrap_or_default();
        assert!(
            fresh == old,
            "docs/rules/{name} is stale: run `cargo run -- docs docs/rules` and commit the result"
        );
    }
    let committed_count = fs::read_dir(&committed).expect("docs/rules").count();
    assert_eq!(
        committed_count,
        names.len(),
        "docs/rules has pages of rules that no longer exist"
    );
}

const CUSTOM: &str = r#"id: ORG001
name: vnet-needs-cost-center
severity: warning
tags: [tags]
summary: Every VNET carries a costCenter tag
docs:
  what: Checks that each VNET has a `costCenter` tag.
  why: Finance charges network costs by cost center.
  fix: Add the tag.
resource: Microsoft.Network/virtualNetworks
scope: all
if:
  field: $.tags.costCenter
  exists: false
message: "VNET `{name}` has no costCenter tag"
"#;

#[test]
fn custom_rule_directories_load_and_broken_rules_are_located() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pack = dir.path().join("org");
    fs::create_dir_all(&pack).expect("mkdir");
    fs::write(pack.join("vnet-needs-cost-center.yaml"), CUSTOM).expect("write");
    let rules = dir.path().to_string_lossy().into_owned();
    let run = azlint(&[
        "check",
        "--rules",
        &rules,
        "--format",
        "json",
        "fixtures/shapes/cli-vnet-show.json",
    ]);
    let codes: Vec<String> = run.located().into_iter().map(|(c, _, _, _)| c).collect();
    assert!(codes.contains(&"ORG001".to_string()), "{codes:?}");
    // The same folder named twice (the configuration file and --rules, say) is read once.
    let twice = azlint(&[
        "check",
        "--rules",
        &rules,
        "--rules",
        &format!("{rules}/."),
        "--format",
        "json",
        "fixtures/shapes/cli-vnet-show.json",
    ]);
    assert_eq!(twice.code, run.code, "{}", twice.stdout);
    let listed = azlint(&["rules", "--rules", &rules, "--format", "json"]).json();
    let custom = listed
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["id"] == "ORG001")
        .expect("custom rule listed");
    assert_eq!(custom["pack"], "org");

    // A typo in a key: exit 2, the error at its line and column, the other inputs still linted.
    fs::write(
        pack.join("vnet-needs-cost-center.yaml"),
        CUSTOM.replace("summary:", "sumary:"),
    )
    .expect("write");
    let broken = azlint(&[
        "check",
        "--rules",
        &rules,
        "--color",
        "never",
        "fixtures/shapes/cli-vnet-show.json",
    ]);
    assert_eq!(broken.code, 2, "{}", broken.stdout);
    assert!(
        broken.stdout.contains("IN005 invalid-rule"),
        "{}",
        broken.stdout
    );
    assert!(
        broken.stdout.contains("vnet-needs-cost-center.yaml:5:1"),
        "{}",
        broken.stdout
    );
    assert!(
        broken.stdout.contains("HA002 vnet-dns-not-public"),
        "{}",
        broken.stdout
    );
}

/// `rules`, `explain` and `docs` read the rules `check` reads: the configuration file's rule
/// folders too, and a broken folder fails them as it fails `check`.
#[test]
fn rule_commands_read_the_configuration_and_fail_on_broken_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let org = dir.path().join("org-rules");
    fs::create_dir_all(&org).expect("mkdir");
    fs::write(org.join("vnet-needs-cost-center.yaml"), CUSTOM).expect("write");
    fs::write(dir.path().join("azlint.toml"), "rules = [\"org-rules\"]\n").expect("write");
    let listed = |args: &[&str]| {
        let run = azlint_in(dir.path(), args, None, &[]);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        run.json()
    };
    let rules = listed(&["rules", "--format", "json"]);
    let custom = rules
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["id"] == "ORG001")
        .expect("the configuration's rule is listed");
    assert_eq!(custom["pack"], "org-rules");
    // A user's rule without `helpUri` has no documentation page: none is made up.
    assert!(custom["help_uri"].is_null(), "{custom}");
    let isolated = listed(&["rules", "--isolated", "--format", "json"]);
    assert!(isolated
        .as_array()
        .expect("rules")
        .iter()
        .all(|r| r["id"] != "ORG001"));
    let explained = azlint_in(dir.path(), &["explain", "ORG001"], None, &[]);
    assert_eq!(explained.code, 0, "{}", explained.stderr);
    assert!(
        explained.stdout.contains("costCenter"),
        "{}",
        explained.stdout
    );
    assert!(!explained.stdout.contains("More:"), "{}", explained.stdout);
    let docs = dir.path().join("docs");
    let written = azlint_in(dir.path(), &["docs", &docs.to_string_lossy()], None, &[]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert!(docs.join("vnet-needs-cost-center.md").is_file());

    // A folder reached by a symbolic link keeps the link's name.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&org, dir.path().join("linked")).expect("symlink");
        let linked = azlint_in(
            dir.path(),
            &[
                "rules",
                "--isolated",
                "--rules",
                "linked",
                "--format",
                "json",
            ],
            None,
            &[],
        );
        assert!(linked
            .json()
            .as_array()
            .expect("rules")
            .iter()
            .any(|r| r["id"] == "ORG001" && r["pack"] == "linked"));
    }
    // `--rules .` names the pack after the folder it stands for.
    let here = azlint_in(
        &org,
        &["rules", "--isolated", "--rules", ".", "--format", "json"],
        None,
        &[],
    );
    assert!(here
        .json()
        .as_array()
        .expect("rules")
        .iter()
        .any(|r| r["id"] == "ORG001" && r["pack"] == "org-rules"));

    // A broken rule file: `explain` still explains, and exits 2 like `rules` and `check`.
    fs::write(org.join("broken.yaml"), "id: [").expect("write");
    for args in [&["explain", "HA002"][..], &["rules"], &["explain", "IN001"]] {
        let run = azlint_in(dir.path(), args, None, &[]);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stdout);
        assert!(
            run.stderr.contains("broken.yaml"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let explained = azlint_in(dir.path(), &["explain", "HA002"], None, &[]);
    assert!(explained.stdout.contains("vnet-dns-not-public"));
}

#[test]
fn select_and_ignore_by_id_name_pack_or_tag() {
    let file = "fixtures/examples/broken";
    let codes = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["check", "--format", "json"];
        all.extend_from_slice(args);
        all.push(file);
        let mut c: Vec<String> = azlint(&all)
            .located()
            .into_iter()
            .map(|(c, _, _, _)| c)
            .collect();
        c.dedup();
        c
    };
    assert_eq!(codes(&["--select", "HA002"]), ["HA002"]);
    assert_eq!(
        codes(&["--select", "nic-dns-not-public,vnet-dns-not-public"]),
        ["HA002", "HA003"]
    );
    assert_eq!(codes(&["--select", "dns"]).len(), 2, "the dns tag");
    assert!(codes(&["--ignore", "ha"]).is_empty(), "the whole pack");
    assert!(!codes(&["--ignore", "HA005"]).contains(&"HA005".to_string()));
    // A word that names no rule is an error, as in the configuration file: a typo would run
    // nothing (or everything) and pass.
    for flag in ["--select", "--ignore"] {
        let run = azlint(&["check", flag, "HA0002", file]);
        assert_eq!(run.code, 2, "{flag}: {}", run.stdout);
        assert!(
            run.stderr.contains("no rule is called `HA0002`"),
            "{flag}: {}",
            run.stderr
        );
    }
    // Input warnings can be ignored like rules.
    assert_eq!(azlint(&["check", "--ignore", "IN003", file]).code, 1);
}

#[test]
fn rules_and_explain() {
    let listed = azlint(&["rules", "--format", "json"]);
    assert_eq!(listed.code, 0);
    let rules = listed.json();
    let rules = rules.as_array().expect("array");
    assert!(rules.len() >= 25);
    for r in rules {
        for key in [
            "id", "name", "severity", "status", "pack", "summary", "help_uri",
        ] {
            assert!(r[key].is_string(), "{key} in {r}");
        }
    }
    let text = azlint(&["rules"]);
    assert!(
        text.stdout
            .lines()
            .any(|l| l.starts_with("HA002  vnet-dns-not-public")),
        "{}",
        text.stdout
    );
    let by_name = azlint(&["explain", "vnet-dns-not-public"]);
    let by_id = azlint(&["explain", "ha002"]);
    assert_eq!(by_name.stdout, by_id.stdout);
    insta::assert_snapshot!(by_name.stdout);
    let facts = azlint(&["explain", "facts"]);
    assert!(facts.stdout.contains("site.floating_ips"));
    let missing = azlint_in(root(), &["explain", "no-such-rule"], None, &[]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no rule `no-such-rule`"));
}

/// A rule that follows references across resources: NIC -> its subnet.
const FOLLOWING: &str = r#"id: TEAM001
name: lan-subnet-without-route-table
severity: warning
summary: The LAN NICs' subnet has a route table
docs:
  what: Follows each LAN NIC's subnet reference and reads the subnet's route table.
  why: Without a route table the LAN does not send traffic through the vSocket.
  fix: Associate the route table with the LAN subnet.
resource: Microsoft.Network/networkInterfaces
role: lan
if:
  field: $.properties.ipConfigurations[*].properties.subnet.id -> $.properties.routeTable.id
  exists: false
at: $.properties.ipConfigurations[0].properties.subnet.id
label: this subnet has no route table
message: "LAN NIC `{name}` is in a subnet without a route table"
"#;

#[test]
fn rules_follow_references_to_other_resources() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("team");
    fs::create_dir_all(&rules).expect("mkdir");
    fs::write(rules.join("lan-subnet-without-route-table.yaml"), FOLLOWING).expect("write");
    let rules = rules.to_string_lossy().into_owned();
    let healthy = root().join("fixtures/examples/healthy");
    let text = fs::read_to_string(healthy.join("resources.json")).expect("fixture");
    let all: serde_json::Value = serde_json::from_str(&text).expect("json");
    let check = |resources: &serde_json::Value, extra: &[&str]| {
        let file = dir.path().join("resources.json");
        fs::write(
            &file,
            serde_json::to_string_pretty(resources).expect("json"),
        )
        .expect("write");
        let file = file.to_string_lossy().into_owned();
        let mut args = vec![
            "check", "--rules", &rules, "--select", "TEAM001", "--format", "json",
        ];
        args.extend_from_slice(extra);
        args.push(&file);
        azlint(&args)
    };

    let clean = check(&all, &[]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);

    // The LAN subnet loses its route table: both LAN NICs fire, at their subnet reference.
    let mut no_table = all.clone();
    for r in no_table.as_array_mut().expect("array") {
        if let Some(subnets) = r["properties"]["subnets"].as_array_mut() {
            for s in subnets {
                if s["name"] == "ams-LANSubnet" {
                    s["properties"]
                        .as_object_mut()
                        .expect("properties")
                        .remove("routeTable");
                }
            }
        }
    }
    let fired = check(&no_table, &[]);
    assert_eq!(fired.code, 1, "{}", fired.stdout);
    let json = fired.json();
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["message"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        messages,
        [
            "LAN NIC `ams-lanPrimary` is in a subnet without a route table",
            "LAN NIC `ams-lanSecondary` is in a subnet without a route table"
        ]
    );

    // Without the VNET (and so its subnets) in the inputs, the rule cannot tell.
    let no_vnet: Vec<serde_json::Value> = all
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["type"] != "Microsoft.Network/virtualNetworks")
        .cloned()
        .collect();
    let unknown = check(&serde_json::Value::from(no_vnet), &["--show-unknown"]);
    assert_eq!(unknown.code, 0, "{}", unknown.stdout);
    let json = unknown.json();
    let notes = json["findings"].as_array().expect("findings");
    assert!(!notes.is_empty());
    for n in notes {
        assert_eq!(n["cannot_tell"], true);
        let msg = n["message"].as_str().unwrap_or_default();
        assert!(msg.contains("is not in the inputs"), "{msg}");
    }
}

/// A user's rule on the number of NICs a vSocket lists.
const NIC_COUNT: &str = r#"id: ORG002
name: vsocket-lists-three-nics
severity: warning
summary: vSockets list three NICs
docs:
  what: Checks that each vSocket VM lists three NICs.
  why: The platform team deploys 3-NIC vSockets only.
  fix: Redeploy.
resource: Microsoft.Compute/virtualMachines
role: vm
if:
  fact: vsocket.nic_count
  notEquals: 3
message: "vSocket `{name}` lists {fact:vsocket.nic_count} NICs"
"#;

#[test]
fn the_nic_count_fact_counts_what_the_vm_lists() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(dir.path().join("org")).expect("mkdir");
    fs::write(
        dir.path().join("org/vsocket-lists-three-nics.yaml"),
        NIC_COUNT,
    )
    .expect("write");
    let text =
        fs::read_to_string(root().join("fixtures/examples/healthy/resources.json")).expect("read");
    let healthy: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let run = |resources: &serde_json::Value| {
        fs::write(
            dir.path().join("resources.json"),
            serde_json::to_string_pretty(resources).expect("JSON"),
        )
        .expect("write");
        user_rule_messages(dir.path(), "ORG002", "resources.json")
    };
    assert_eq!(run(&healthy), Vec::<String>::new());
    // The primary's management NIC not exported: the VM still lists three.
    let mut without_nic = healthy.clone();
    without_nic
        .as_array_mut()
        .expect("array")
        .retain(|r| r["name"] != "ams-mngPrimary");
    assert_eq!(run(&without_nic), Vec::<String>::new());
    // The VMs' lists written as PowerShell text: how many they list is unknown, not zero.
    let mut text_lists = healthy.clone();
    for r in text_lists.as_array_mut().expect("array") {
        if r["type"] == "Microsoft.Compute/virtualMachines" {
            r["properties"]["networkProfile"]["networkInterfaces"] = "System.Object[]".into();
        }
    }
    let messages = run(&text_lists);
    assert!(!messages.is_empty(), "cannot tell");
    assert!(
        messages.iter().all(|m| m.contains("cannot tell")),
        "{messages:?}"
    );
}

/// The messages of user rule `id` (in the folder `org` of `dir`) on `input`, "cannot tell"
/// notes included.
fn user_rule_messages(dir: &Path, id: &str, input: &str) -> Vec<String> {
    let run = azlint_in(
        dir,
        &[
            "check",
            "--isolated",
            "--rules",
            "org",
            "--select",
            id,
            "--show-unknown",
            "--format",
            "json",
            input,
        ],
        None,
        &[],
    );
    run.findings(id)
        .iter()
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

const ROUTE_OWN_IP: &str = r#"id: ORG003
name: route-names-vsocket-ip
severity: warning
summary: Routes do not name a vSocket's own IP
docs:
  what: Routes do not name a vSocket's own IP.
  why: A vSocket's own IP does not move on failover.
  fix: Route to the floating IP.
resource: Microsoft.Network/routeTables/routes
scope: all
if:
  fact: route.vsocket_own_ips
  exists: true
atFact: route.vsocket_own_ips
message: "route `{name}` goes to {value}"
"#;

#[test]
fn the_route_fact_reads_only_routes_that_send_to_their_next_hop() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(dir.path().join("org")).expect("mkdir");
    fs::write(
        dir.path().join("org/route-names-vsocket-ip.yaml"),
        ROUTE_OWN_IP,
    )
    .expect("write");
    let run = |fixture: &str| {
        let path = root()
            .join("fixtures/rules/route-to-vsocket-ip")
            .join(fixture);
        user_rule_messages(dir.path(), "ORG003", path.to_str().expect("UTF-8 path"))
    };
    assert_eq!(
        run("fire/primary-lan-ip.json"),
        vec!["route `default-cato` goes to 10.20.0.68"]
    );
    // A VnetLocal route with a stray address sends nothing there: the fact is empty, without
    // the guard HA012 once held in its own condition.
    assert_eq!(
        run("silent/vnetlocal-with-stray-address.json"),
        Vec::<String>::new()
    );
    // A next hop type known only at deployment: cannot tell.
    let open = run("silent/template-next-hop-type-parameter.json");
    assert_eq!(open.len(), 1, "{open:?}");
    assert!(open[0].contains("next hop type"), "{open:?}");
}
