//! Checks the evaluator against the values Microsoft documents for the examples in the ARM
//! template function reference (learn.microsoft.com, template-functions-*.md).
//!
//! Each file in `tests/docs_examples/` is a JSON array of cases; see the README there. For every
//! case the template (and optional parameter file) is expanded with `azlint_arm::expand_text`, and
//! each documented output's `value` is compared with the documented value. Outputs listed under
//! `environment_outputs` depend on the deployment (subscription, resource group, `utcNow()`, ...)
//! and are only checked for presence.
//!
//! The test fails unless at least `TARGET_PASS_RATE` of the documented outputs match and every
//! environment output is present. Set `DOCS_EXAMPLES_FILTER=<text>` to run only the cases whose
//! `<file>/<case>` contains `<text>`.

use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// The product's target: share of documented outputs that must match.
const TARGET_PASS_RATE: f64 = 0.95;

/// One documented example: a template, an optional parameter file, and the expected outputs.
struct Case {
    family: String,
    name: String,
    source: String,
    /// The template and parameter file as written in the case file.
    template_text: String,
    parameters_text: Option<String>,
    outputs: Map<String, Value>,
    environment_outputs: Vec<String>,
    suspect_outputs: Map<String, Value>,
}

/// A documented output whose value did not match.
struct Mismatch {
    case: String,
    output: String,
    expected: String,
    got: String,
    suspect: bool,
}

/// Per-family counts for the summary.
#[derive(Default)]
struct Tally {
    cases: usize,
    outputs: usize,
    passed: usize,
    env: usize,
    env_present: usize,
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/docs_examples")
}

/// Reads every `*.json` case file, in file-name order. Malformed case data is a bug in the test
/// set itself, so it panics with the file and case at fault.
fn load_cases() -> Vec<Case> {
    let dir = cases_dir();
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());

    let mut cases = Vec::new();
    for file in files {
        let family = file
            .file_stem()
            .and_then(|stem| stem.to_str())
            .expect("UTF-8 file name")
            .to_string();
        let text = fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let parsed: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", file.display()));
        let Value::Array(entries) = parsed else {
            panic!("{} must hold a JSON array of cases", file.display());
        };
        // The template and parameters are handed over as written: member order matters in
        // ARM (it shows in object outputs), and a serde_json map would sort it.
        let source = azlint_source::SourceFile::new(file.display().to_string(), text.clone());
        let tree = source
            .parse()
            .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", file.display()));
        let raw: Vec<_> = tree.root(source.text()).elements().collect();
        for (index, entry) in entries.into_iter().enumerate() {
            let mut case = parse_case(&family, index, entry);
            case.template_text = raw[index]
                .get("template")
                .map(|t| t.source_text().to_string())
                .unwrap_or_default();
            case.parameters_text = raw[index]
                .get("parameters")
                .filter(|p| p.is_object())
                .map(|p| p.source_text().to_string());
            cases.push(case);
        }
    }
    cases
}

fn parse_case(family: &str, index: usize, entry: Value) -> Case {
    let Value::Object(mut fields) = entry else {
        panic!("{family}.json case #{index} is not an object");
    };
    let name = match fields.remove("name") {
        Some(Value::String(name)) => name,
        _ => panic!("{family}.json case #{index} has no string \"name\""),
    };
    let at = format!("{family}.json case {name}");
    let source = match fields.remove("source") {
        Some(Value::String(source)) => source,
        _ => panic!("{at}: no string \"source\""),
    };
    let template = match fields.remove("template") {
        Some(template @ Value::Object(_)) => template,
        _ => panic!("{at}: no \"template\" object"),
    };
    let _parameters = match fields.remove("parameters") {
        None | Some(Value::Null) => None,
        Some(parameters @ Value::Object(_)) => Some(parameters),
        Some(_) => panic!("{at}: \"parameters\" must be an ARM parameter file object"),
    };
    let outputs = match fields.remove("outputs") {
        None => Map::new(),
        Some(Value::Object(outputs)) => outputs,
        Some(_) => panic!("{at}: \"outputs\" must be an object"),
    };
    let environment_outputs = match fields.remove("environment_outputs") {
        None => Vec::new(),
        Some(Value::Array(names)) => names
            .into_iter()
            .map(|name| match name {
                Value::String(name) => name,
                _ => panic!("{at}: \"environment_outputs\" must list strings"),
            })
            .collect(),
        Some(_) => panic!("{at}: \"environment_outputs\" must be an array"),
    };
    let suspect_outputs = match fields.remove("suspect_outputs") {
        None => Map::new(),
        Some(Value::Object(suspects)) => suspects,
        Some(_) => panic!("{at}: \"suspect_outputs\" must be an object"),
    };

    let declared = template.get("outputs").and_then(Value::as_object);
    for output in outputs.keys().chain(environment_outputs.iter()) {
        assert!(
            declared.is_some_and(|declared| declared.contains_key(output)),
            "{at}: output {output:?} is not declared in the template"
        );
    }
    for output in &environment_outputs {
        assert!(
            !outputs.contains_key(output),
            "{at}: output {output:?} is both documented and environment-dependent"
        );
    }
    for output in suspect_outputs.keys() {
        assert!(
            outputs.contains_key(output),
            "{at}: suspect output {output:?} has no documented value"
        );
    }

    Case {
        family: family.to_string(),
        name,
        source,
        template_text: String::new(),
        parameters_text: None,
        outputs,
        environment_outputs,
        suspect_outputs,
    }
}

/// JSON equality, except that numbers compare by value (`1` equals `1.0`).
fn json_eq(expected: &Value, got: &Value) -> bool {
    match (expected, got) {
        (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(a), Some(b)) => a == b,
            _ => match (a.as_u64(), b.as_u64()) {
                (Some(a), Some(b)) => a == b,
                _ => a.as_f64() == b.as_f64(),
            },
        },
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, a)| b.get(key).is_some_and(|b| json_eq(a, b)))
        }
        _ => expected == got,
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| value.to_string())
}

/// Table cells must not break the row: escape the separator and newlines.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "\\n")
}

#[test]
fn documented_outputs_match_the_docs() {
    let filter = std::env::var("DOCS_EXAMPLES_FILTER").unwrap_or_default();
    let cases: Vec<Case> = load_cases()
        .into_iter()
        .filter(|case| format!("{}/{}", case.family, case.name).contains(&filter))
        .collect();
    assert!(
        !cases.is_empty(),
        "no case matches DOCS_EXAMPLES_FILTER={filter:?}"
    );

    let mut mismatches: Vec<Mismatch> = Vec::new();
    let mut missing_env: Vec<(String, String, String)> = Vec::new();
    let mut failing_sources: Vec<(String, String)> = Vec::new();
    let mut tallies: Vec<(String, Tally)> = Vec::new();
    let (mut total, mut passed) = (0usize, 0usize);
    let (mut suspect_total, mut suspect_passed) = (0usize, 0usize);

    for case in &cases {
        if tallies
            .last()
            .is_none_or(|(family, _)| *family != case.family)
        {
            tallies.push((case.family.clone(), Tally::default()));
        }
        let tally = &mut tallies.last_mut().expect("tally pushed above").1;
        tally.cases += 1;
        let id = format!("{}/{}", case.family, case.name);

        let result = azlint_arm::expand_text(&case.template_text, case.parameters_text.as_deref());
        let produced = match &result {
            Ok(expanded) => expanded.get("outputs").and_then(Value::as_object),
            Err(_) => None,
        };
        let produced_value =
            |name: &str| produced.and_then(|outputs| outputs.get(name)?.get("value"));

        for (output, expected) in &case.outputs {
            total += 1;
            tally.outputs += 1;
            let suspect = case.suspect_outputs.contains_key(output);
            suspect_total += usize::from(suspect);
            let got = produced_value(output);
            if got.is_some_and(|got| json_eq(expected, got)) {
                passed += 1;
                tally.passed += 1;
                suspect_passed += usize::from(suspect);
                continue;
            }
            let got = match (&result, got) {
                (Err(error), _) => format!("error: {error}"),
                (Ok(_), None) => "(output missing)".to_string(),
                (Ok(_), Some(got)) => compact(got),
            };
            if failing_sources.last().is_none_or(|(last, _)| *last != id) {
                failing_sources.push((id.clone(), case.source.clone()));
            }
            mismatches.push(Mismatch {
                case: id.clone(),
                output: output.clone(),
                expected: compact(expected),
                got,
                suspect,
            });
        }

        for output in &case.environment_outputs {
            tally.env += 1;
            if produced_value(output).is_some() {
                tally.env_present += 1;
            } else {
                let why = match &result {
                    Err(error) => format!("error: {error}"),
                    Ok(_) => "(output missing)".to_string(),
                };
                missing_env.push((id.clone(), output.clone(), why));
            }
        }
    }

    let rate = if total == 0 {
        1.0
    } else {
        passed as f64 / total as f64
    };
    let mut report = String::new();
    if !mismatches.is_empty() {
        let _ = writeln!(
            report,
            "\nMismatches ({}; * = the docs' value itself is suspect, see the case's suspect_outputs):\n",
            mismatches.len()
        );
        let _ = writeln!(report, "| case | output | expected | got |");
        let _ = writeln!(report, "| --- | --- | --- | --- |");
        for m in &mismatches {
            let _ = writeln!(
                report,
                "| {}{} | {} | {} | {} |",
                cell(&m.case),
                if m.suspect { " *" } else { "" },
                cell(&m.output),
                cell(&m.expected),
                cell(&m.got)
            );
        }
    }
    if !failing_sources.is_empty() {
        let _ = writeln!(report, "\nSources of the cases above:\n");
        for (case, source) in &failing_sources {
            let _ = writeln!(report, "- {case}: {source}");
        }
    }
    if !missing_env.is_empty() {
        let _ = writeln!(
            report,
            "\nEnvironment outputs not present ({}):\n",
            missing_env.len()
        );
        let _ = writeln!(report, "| case | output | got |");
        let _ = writeln!(report, "| --- | --- | --- |");
        for (case, output, why) in &missing_env {
            let _ = writeln!(
                report,
                "| {} | {} | {} |",
                cell(case),
                cell(output),
                cell(why)
            );
        }
    }
    let _ = writeln!(report, "\nBy family:\n");
    let _ = writeln!(
        report,
        "| family | cases | documented outputs | matched | environment outputs | present |"
    );
    let _ = writeln!(report, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for (family, t) in &tallies {
        let _ = writeln!(
            report,
            "| {family} | {} | {} | {} | {} | {} |",
            t.cases, t.outputs, t.passed, t.env, t.env_present
        );
    }
    let env_total: usize = tallies.iter().map(|(_, t)| t.env).sum();
    let _ = writeln!(
        report,
        "\nPass rate: {passed}/{total} documented outputs = {:.1}% (target {:.0}%); \
         {suspect_passed}/{suspect_total} of them marked suspect in the docs matched; \
         environment outputs present: {}/{env_total}.",
        rate * 100.0,
        TARGET_PASS_RATE * 100.0,
        env_total - missing_env.len()
    );

    if rate < TARGET_PASS_RATE || !missing_env.is_empty() {
        panic!("documented ARM function outputs do not match the docs{report}");
    }
    println!("{report}");
}
