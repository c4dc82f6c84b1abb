//! A template cannot make an evaluation unbounded: loops nested inside loops stop at azlint's
//! limits with a located problem, in bounded time and memory.

#[test]
fn nested_variable_copies_stop_when_the_work_runs_out() {
    let template = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "variables": {
    "copy": [{"name": "big", "count": 800, "input": {"copy": [{"name": "inner", "count": 800, "input": {"copy": [{"name": "leaf", "count": 800, "input": "[concat('x', 'y')]"}]}}]}}]
  },
  "resources": [],
  "outputs": {"big": {"type": "array", "value": "[variables('big')]"}}
}"#;
    let x = azlint_arm::expand_text(template, None).expect("expands");
    let problems: Vec<&str> = x["$problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("more work than azlint allows")),
        "{problems:?}"
    );
    assert!(x["outputs"]["big"]["value"]["$unknown"].is_string());
}
