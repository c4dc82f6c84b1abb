//! Every export shape azlint recognises, each file linted on its own: the findings and the
//! exact line and column they point at.

mod common;

use common::{azlint, line_of};

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
    // Alone, the secondary vSocket is a site of one; its identity type is an enum number.
    (
        "ps-get-azvm-secondary.json",
        1,
        &[("HA017", 5, 11), ("HA022", 87, 15), ("HA005", 112, 13)],
    ),
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
fn a_resource_graph_rest_response_page_is_a_warning() {
    // `az rest` / `Invoke-AzRestMethod` on the Resource Graph API: `totalRecords`, `count`,
    // `data` and, while pages follow, `$skipToken`. The first page says more pages follow.
    let dir = tempfile::tempdir().expect("tempdir");
    let page = serde_json::to_string_pretty(&serde_json::json!({
        "totalRecords": 4,
        "count": 2,
        "data": pip_rows(0, 2),
        "facets": [],
        "resultTruncated": "false",
        "$skipToken": "ew0KICAiJGlkIjogIjEiDQp9"
    }))
    .expect("json");
    let token_line = line_of(&page, "\"$skipToken\"");
    std::fs::write(dir.path().join("page1.json"), page).expect("write");
    let run = common::azlint_in(
        dir.path(),
        &["check", "--format", "json", "page1.json"],
        None,
        &[],
    );
    let f = run.finding("IN004");
    let message = f["message"].as_str().unwrap_or_default();
    assert!(message.contains("one page (2 rows of 4)"), "{message}");
    assert_eq!(f["location"]["start"]["line"], token_line, "{f}");
}

/// `rows` public IPs as Resource Graph rows, numbered from `first`.
fn pip_rows(first: usize, rows: usize) -> Vec<serde_json::Value> {
    (first..first + rows)
        .map(|i| {
            serde_json::json!({
                "id": format!("/subscriptions/3f2c1a9e-8b7d-4c6e-9a1f-2d5e8c7b6a40/resourceGroups/rg-app/providers/Microsoft.Network/publicIPAddresses/pip{i}"),
                "name": format!("pip{i}"),
                "type": "microsoft.network/publicipaddresses",
                "properties": {"publicIPAllocationMethod": "Static"}
            })
        })
        .collect()
}

/// A Resource Graph page of `rows` public IPs (numbered from `first`) of a result of `total`.
fn arg_page(first: usize, rows: usize, total: usize, more: bool) -> String {
    let data = pip_rows(first, rows);
    serde_json::to_string_pretty(&serde_json::json!({
        "count": rows,
        "data": data,
        "skip_token": if more { serde_json::json!(format!("ew0KICAiJGlkIjogIj{first}")) } else { serde_json::Value::Null },
        "total_records": total
    }))
    .expect("json")
}

#[test]
fn every_page_of_a_resource_graph_result_given_is_no_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write =
        |name: &str, text: String| std::fs::write(dir.path().join(name), text).expect("write");
    write("page1.json", arg_page(0, 2, 5, true));
    write("page2.json", arg_page(2, 2, 5, true));
    write("page3.json", arg_page(4, 1, 5, false));
    let all = common::azlint_in(dir.path(), &["check", "--isolated", "."], None, &[]);
    assert_eq!(all.code, 0, "{}", all.stdout);
    assert!(
        all.stdout
            .contains("no problems found in 3 files (5 resources)"),
        "{}",
        all.stdout
    );

    // Without the last page, both others say so, and how many rows the inputs hold.
    std::fs::remove_file(dir.path().join("page3.json")).expect("remove");
    let two = common::azlint_in(
        dir.path(),
        &["check", "--isolated", "--format", "json", "."],
        None,
        &[],
    );
    assert_eq!(two.code, 1, "{}", two.stdout);
    let report = two.json();
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            assert_eq!(f["code"], "IN004");
            f["message"].as_str().expect("message")
        })
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    for m in messages {
        assert!(
            m.contains("is one page (2 rows of 5; the pages in the inputs hold 4): resources on other pages are not linted"),
            "{m}"
        );
    }
}

#[test]
fn a_page_saved_twice_or_a_last_page_alone_is_not_the_whole_result() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write =
        |name: &str, text: String| std::fs::write(dir.path().join(name), text).expect("write");
    let codes = |run: &common::Run| -> Vec<String> {
        run.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f["code"].as_str().unwrap_or_default(),
                    f["location"]["file"].as_str().unwrap_or_default()
                )
            })
            .collect()
    };
    // The first page fetched twice (no --skip-token on the second call): 2 + 2 rows of 4, but
    // the same two, and no last page.
    write("page1.json", arg_page(0, 2, 4, true));
    write("page1-again.json", arg_page(0, 2, 4, true));
    let twice = common::azlint_in(
        dir.path(),
        &["check", "--isolated", "--format", "json", "."],
        None,
        &[],
    );
    assert_eq!(twice.code, 1, "{}", twice.stdout);
    assert_eq!(
        codes(&twice),
        ["IN004 page1-again.json", "IN004 page1.json"]
    );

    // The last page alone: 2 rows of 4, no skip_token.
    std::fs::remove_file(dir.path().join("page1.json")).expect("remove");
    std::fs::remove_file(dir.path().join("page1-again.json")).expect("remove");
    write("page2.json", arg_page(2, 2, 4, false));
    let last = common::azlint_in(
        dir.path(),
        &["check", "--isolated", "--format", "json", "."],
        None,
        &[],
    );
    assert_eq!(last.code, 1, "{}", last.stdout);
    assert_eq!(codes(&last), ["IN004 page2.json"]);
    let message = last.json()["findings"][0]["message"]
        .as_str()
        .expect("message")
        .to_string();
    assert!(
        message.contains("is its last page (2 rows of 4;"),
        "{message}"
    );

    // With the first page, the result is whole.
    write("page1.json", arg_page(0, 2, 4, true));
    let whole = common::azlint_in(dir.path(), &["check", "--isolated", "."], None, &[]);
    assert_eq!(whole.code, 0, "{}", whole.stdout);
}

#[test]
fn unrecognised_json_is_a_warning_naming_the_file() {
    let run = text_report("fixtures/shapes/unrecognised.json");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stdout);
}

/// `Get-AzResource -ExpandProperties | ConvertTo-Json` without `-Depth` writes what lies deeper
/// than two levels as text (`"@{networkInterfaces=System.Object[]}"`): the vSockets' NICs are
/// then unknown, which is "cannot tell", never "no NICs".
/// The healthy example's resources, as JSON values.
fn healthy_resources() -> serde_json::Value {
    let text = std::fs::read_to_string("fixtures/examples/healthy/resources.json").expect("read");
    serde_json::from_str(&text).expect("JSON")
}

/// `azlint check --show-unknown --format json` of the files, written to a scratch directory
/// (pretty-printed, as the tools export them), linted together.
fn check_written(files: &[(&str, &serde_json::Value)]) -> common::Run {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, value) in files {
        std::fs::write(
            dir.path().join(name),
            serde_json::to_string_pretty(value).expect("JSON"),
        )
        .expect("write");
    }
    common::azlint_in(
        dir.path(),
        &["check", "--show-unknown", "--format", "json", "."],
        None,
        &[],
    )
}

/// The message of the one "site incomplete" note of a run that passes.
fn the_site_note(run: &common::Run) -> String {
    assert_eq!(run.code, 0, "{}", run.stdout);
    let notes = run.findings("IN012");
    assert_eq!(notes.len(), 1, "{}", run.stdout);
    notes[0]["message"].as_str().unwrap_or_default().to_string()
}

#[test]
fn nics_whose_configurations_are_text_leave_the_site_incomplete() {
    // `Search-AzGraph | ConvertTo-Json` at its default -Depth writes each IP configuration as
    // `@{id=...; name=...; properties=; ...}`: the site's subnets and VNET are unknown, and the
    // site says so once, rather than its VNET and route checks passing in silence.
    let mut all = healthy_resources();
    for r in all.as_array_mut().expect("array") {
        if r["type"] == "Microsoft.Network/networkInterfaces" {
            let configs = r["properties"]["ipConfigurations"]
                .as_array()
                .expect("configurations")
                .iter()
                .map(|c| {
                    format!(
                        "@{{id={}; name={}; properties=}}",
                        c["id"].as_str().unwrap_or(""),
                        c["name"].as_str().unwrap_or("")
                    )
                    .into()
                })
                .collect::<Vec<serde_json::Value>>();
            r["properties"]["ipConfigurations"] = configs.into();
        }
    }
    let note = the_site_note(&check_written(&[("search-azgraph.json", &all)]));
    assert!(
        note.contains("the IP configurations of NIC `ams-mngPrimary` and 5 more cannot be read"),
        "{note}"
    );
    assert!(note.contains("`-Depth 100`"), "{note}");
}

#[test]
fn vms_whose_nic_lists_are_text_leave_the_site_incomplete() {
    // `Get-AzResource -ExpandProperties | ConvertTo-Json` at its default -Depth writes a VM's
    // `networkProfile` as `@{networkInterfaces=System.Object[]}`: no NIC of the site is known,
    // and the site says so, rather than the checks of its NICs, VNET and routes not running
    // in silence.
    let mut all = healthy_resources();
    for r in all.as_array_mut().expect("array") {
        if r["type"] == "Microsoft.Compute/virtualMachines" {
            r["properties"]["networkProfile"] = "@{networkInterfaces=System.Object[]}".into();
        }
    }
    let note = the_site_note(&check_written(&[("get-azresource.json", &all)]));
    assert!(
        note.contains("the NIC list of `ams-vSocket-Primary` cannot be read"),
        "{note}"
    );
    assert!(note.contains("`-Depth 100`"), "{note}");
}

#[test]
fn role_assignments_of_another_subscription_say_nothing_of_this_one() {
    // `az role assignment list --all` lists the current subscription's assignments: a site in
    // a subscription that none of them names has its roles not exported, not missing.
    let text = std::fs::read_to_string("fixtures/examples/healthy/resources.json").expect("read");
    let other = text.replace(
        "3f2c1a9e-8b7d-4c6e-9a1f-2d5e8c7b6a40",
        "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
    );
    let resources: serde_json::Value = serde_json::from_str(&other).expect("JSON");
    let roles =
        std::fs::read_to_string("fixtures/examples/healthy/role-assignments.json").expect("read");
    let roles: serde_json::Value = serde_json::from_str(&roles).expect("JSON");
    let run = check_written(&[("show.json", &resources), ("roles.json", &roles)]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let findings = run.json()["findings"].as_array().expect("findings").clone();
    let ha008: Vec<&serde_json::Value> = findings.iter().filter(|f| f["code"] == "HA008").collect();
    assert!(!ha008.is_empty(), "{findings:#?}");
    for f in ha008 {
        assert_eq!(f["severity"], "note", "{f:#}");
        let message = f["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("--subscription 0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"),
            "{message}"
        );
    }
}

#[test]
fn a_vnet_listing_subnets_by_id_names_them_and_holds_nothing_else() {
    // A VNET whose `subnets` are `{"id": ...}` entries only: without the subnets exported on
    // their own, what the checks of the subnets read is not in the inputs, which the site
    // says, where those entries once passed as subnets without a name (a false HA023 each)
    // and without routes or prefixes.
    let mut all = healthy_resources();
    for r in all.as_array_mut().expect("array") {
        if r["type"] == "Microsoft.Network/virtualNetworks" {
            let ids: Vec<serde_json::Value> = r["properties"]["subnets"]
                .as_array()
                .expect("subnets")
                .iter()
                .map(|s| serde_json::json!({ "id": s["id"] }))
                .collect();
            r["properties"]["subnets"] = ids.into();
        }
    }
    let run = check_written(&[("show.json", &all)]);
    assert!(run.findings("HA023").is_empty(), "{}", run.stdout);
    let note = the_site_note(&run);
    assert!(note.contains("`ams-LANSubnet`"), "{note}");
}

#[test]
fn a_resource_list_beside_full_exports_adds_no_cannot_tell() {
    // `az resource list` (`"properties": null`) next to `az resource show` of the same
    // resources: the list has nothing to say that the full copies do not.
    let show = healthy_resources();
    let mut list = show.clone();
    for r in list.as_array_mut().expect("array") {
        r["properties"] = serde_json::Value::Null;
    }
    let roles =
        std::fs::read_to_string("fixtures/examples/healthy/role-assignments.json").expect("read");
    let roles: serde_json::Value = serde_json::from_str(&roles).expect("JSON");
    let run = check_written(&[
        ("list.json", &list),
        ("show.json", &show),
        ("roles.json", &roles),
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let undecided: Vec<String> = run
        .located()
        .into_iter()
        .filter(|(code, _, _, _)| code.starts_with("HA"))
        .map(|(code, file, line, _)| format!("{code} {file}:{line}"))
        .collect();
    assert_eq!(undecided, Vec::<String>::new(), "{}", run.stdout);
}

#[test]
fn a_partner_on_a_missing_page_is_cannot_tell() {
    // Page 1 of a Resource Graph result without the secondary vSocket, its NICs and public IPs,
    // which are on the page the inputs lack; the VNET's subnets list the secondary's IP
    // configurations. The lone primary may have its partner there: HA017 cannot tell. Without
    // the missing page, the same rows are a lone vSocket (a subnet may list NICs of another
    // group, or ones deleted since).
    let all: Vec<serde_json::Value> =
        serde_json::from_value(healthy_resources()).expect("resources");
    let gone = [
        "ams-vSocket-Secondary",
        "ams-mngSecondary",
        "ams-wanSecondary",
        "ams-lanSecondary",
        "ams-mngPublicIPSecondary",
        "ams-wanPublicIPSecondary",
    ];
    let rows: Vec<serde_json::Value> = all
        .into_iter()
        .filter(|r| !gone.contains(&r["name"].as_str().unwrap_or_default()))
        .collect();
    let page = |token: Option<&str>| {
        serde_json::json!({
            "count": rows.len(),
            "data": rows,
            "skip_token": token,
            "total_records": rows.len() + gone.len(),
        })
    };
    let run_with = |page: serde_json::Value| check_written(&[("arg.json", &page)]);
    let run = run_with(page(Some(
        "ew0KICAiJGlkIjogIjEiLA0KICAiTWF4Um93cyI6IDEwMDAsDQogICJSb3dzVG9Ta2lwIjogMzgNCn0=",
    )));
    assert_eq!(run.finding("IN004")["severity"], "warning");
    let lone = run.finding("HA017");
    assert_eq!(lone["severity"], "note", "{lone}");
    assert!(
        lone["message"]
            .as_str()
            .unwrap_or_default()
            .contains("`AMS-LANSECONDARY`"),
        "{lone}"
    );
    // The same rows as a whole result (the secondary deleted, the export older): a lone vSocket.
    let mut whole = page(None);
    whole["total_records"] = serde_json::json!(rows.len());
    let run = run_with(whole);
    assert_eq!(
        run.finding("HA017")["severity"],
        "warning",
        "{}",
        run.stdout
    );
}

#[test]
fn an_object_written_as_text_is_cannot_tell() {
    let mut all = healthy_resources();
    for r in all.as_array_mut().expect("array") {
        if r["type"] == "Microsoft.Compute/virtualMachines" {
            r["properties"]["networkProfile"] = "@{networkInterfaces=System.Object[]}".into();
        }
    }
    let run = check_written(&[("get-azresource.json", &all)]);
    let findings = run.json()["findings"].as_array().expect("findings").clone();
    let loud: Vec<_> = findings
        .iter()
        .filter(|f| f["severity"] != "note")
        .map(|f| f["code"].clone())
        .collect();
    assert_eq!(run.code, 0, "no error or warning: {loud:?}");
    let counts: Vec<&str> = findings
        .iter()
        .filter(|f| f["code"] == "HA032")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(counts.len(), 2, "{findings:#?}");
    for m in counts {
        assert!(m.contains("is PowerShell's text for an object"), "{m}");
        assert!(m.contains("export again with `-Depth 100`"), "{m}");
    }
}

/// `az rest` returns one page of a long list with a `nextLink` to the next and does not follow
/// it: the page is linted, and the user is told the rest is missing, at the link.
#[test]
fn a_rest_list_page_with_a_next_link_is_a_warning() {
    let text = std::fs::read_to_string("fixtures/shapes/rest-list.json").expect("read");
    let mut list: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    list["nextLink"] = "https://management.azure.com/subscriptions/3f2c1a9e-8b7d-4c6e-9a1f-2d5e8c7b6a40/resources?api-version=2021-04-01&%24skiptoken=eyJuZXh0TWFya2VyIjoiMiJ9".into();
    let paged = serde_json::to_string_pretty(&list).expect("JSON");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("page.json"), &paged).expect("write");
    let run = common::azlint_in(
        dir.path(),
        &["check", "--format", "json", "page.json"],
        None,
        &[],
    );
    let json = run.json();
    let incomplete: Vec<_> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "IN004")
        .collect();
    assert_eq!(incomplete.len(), 1, "{json:#}");
    let link_line = Some(line_of(&paged, "\"nextLink\""));
    assert_eq!(incomplete[0]["severity"], "warning");
    assert_eq!(
        incomplete[0]["location"]["start"]["line"].as_u64(),
        link_line
    );
    // The same list without the link is whole: no warning.
    let whole = azlint(&[
        "check",
        "--format",
        "json",
        "fixtures/shapes/rest-list.json",
    ]);
    assert!(
        !whole.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["code"] == "IN004"),
        "{}",
        whole.stdout
    );
}

/// A PowerShell `Search-AzGraph` page (`{SkipToken, Data}`, no total) of `rows` public IPs
/// numbered from `first`; `next` is the `RowsToSkip` its token asks for (none on the last
/// page), written as Resource Graph writes tokens: base64 of a small JSON object.
fn ps_page(first: usize, rows: usize, next: Option<usize>) -> String {
    let data = pip_rows(first, rows);
    let token = next.map(|skip| {
        base64_encode(&format!(
            "{{\r\n  \"$id\": \"1\",\r\n  \"MaxRows\": {rows},\r\n  \"RowsToSkip\": {skip},\r\n  \"KustoClusterUrl\": \"https://arg-weu-three-sf.arg.core.windows.net\"\r\n}}"
        ))
    });
    serde_json::to_string_pretty(&serde_json::json!({"SkipToken": token, "Data": data}))
        .expect("json")
}

/// Standard base64 with padding.
fn base64_encode(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn powershell_pages_whose_tokens_follow_on_are_the_whole_result() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write =
        |name: &str, text: String| std::fs::write(dir.path().join(name), text).expect("write");
    let run = || {
        common::azlint_in(
            dir.path(),
            &["check", "--isolated", "--format", "json", "."],
            None,
            &[],
        )
    };
    let warned = |run: &common::Run| -> Vec<String> {
        run.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                assert_eq!(f["code"], "IN004");
                f["location"]["file"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    // `Search-AzGraph -First 2`, then `-SkipToken` twice: rows 0-1, 2-3, then the last.
    write("page1.json", ps_page(0, 2, Some(2)));
    write("page2.json", ps_page(2, 2, Some(4)));
    write("page3.json", ps_page(4, 1, None));
    let all = run();
    assert_eq!(all.code, 0, "{}", all.stdout);
    assert_eq!(warned(&all), Vec::<String>::new());

    // Without the first page, the second's token says two rows came before it.
    std::fs::remove_file(dir.path().join("page1.json")).expect("remove");
    let later = run();
    assert_eq!(later.code, 1, "{}", later.stdout);
    assert_eq!(warned(&later), ["page2.json"]);

    // A token that is not Resource Graph's usual form tells nothing: the warning stays.
    write(
        "page1.json",
        ps_page(0, 2, Some(2)).replace("\"SkipToken\": \"", "\"SkipToken\": \"x"),
    );
    let opaque = run();
    assert_eq!(warned(&opaque), ["page1.json", "page2.json"]);
}

#[test]
fn one_defect_in_two_shapes_is_reported_once() {
    // The broken example's secondary vSocket, once more from `Get-AzVM | ConvertTo-Json`:
    // its system-assigned identity is `"SystemAssigned, UserAssigned"` in one file and `2` in
    // the other. One defect, one finding, in the first file.
    let run = azlint(&[
        "check",
        "--format",
        "json",
        "fixtures/examples/broken",
        "fixtures/shapes/ps-get-azvm-secondary.json",
    ]);
    let identity: Vec<(String, String)> = run
        .located()
        .into_iter()
        .filter(|l| l.0 == "HA005" || l.0 == "HA022")
        .map(|(code, file, _, _)| (code, file))
        .collect();
    assert_eq!(
        identity,
        [
            (
                "HA005".to_string(),
                "fixtures/examples/broken/resources.json".to_string()
            ),
            (
                "HA022".to_string(),
                "fixtures/examples/broken/resources.json".to_string()
            ),
        ]
    );
}
