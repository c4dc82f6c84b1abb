//! Running the real binary the way a user does, from the repository root.

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// What a run of azlint gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSON report (for runs with `--format json`).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }

    /// The first finding with `code` in a JSON report.
    pub fn finding(&self, code: &str) -> serde_json::Value {
        self.json()["findings"]
            .as_array()
            .and_then(|all| all.iter().find(|f| f["code"] == code))
            .cloned()
            .unwrap_or_else(|| panic!("no {code}:\n{}", self.stdout))
    }

    /// Every finding with `code` in a JSON report.
    pub fn findings(&self, code: &str) -> Vec<serde_json::Value> {
        self.json()["findings"]
            .as_array()
            .map(|all| all.iter().filter(|f| f["code"] == code).cloned().collect())
            .unwrap_or_default()
    }

    /// [`Run::located`] without the findings of rule `code`.
    pub fn located_but(&self, code: &str) -> Vec<(String, String, u64, u64)> {
        let mut all = self.located();
        all.retain(|(c, _, _, _)| c != code);
        all
    }

    /// `(code, file, line, column)` of each finding in a JSON report.
    pub fn located(&self) -> Vec<(String, String, u64, u64)> {
        self.json()["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                let loc = &f["location"];
                (
                    f["code"].as_str().unwrap_or_default().to_string(),
                    loc["file"].as_str().unwrap_or_default().to_string(),
                    loc["start"]["line"].as_u64().unwrap_or(0),
                    loc["start"]["column"].as_u64().unwrap_or(0),
                )
            })
            .collect()
    }
}

/// Runs azlint with `args` in the repository root, with a clean colour environment.
/// The 1-based line of the first line of `text` that holds `needle` (which must be there).
#[allow(dead_code)]
pub fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u64 + 1)
        .unwrap_or_else(|| panic!("no line holds {needle:?}"))
}

pub fn azlint(args: &[&str]) -> Run {
    azlint_in(env!("CARGO_MANIFEST_DIR").as_ref(), args, None, &[])
}

/// Runs azlint with standard input.
pub fn azlint_stdin(args: &[&str], stdin: &[u8]) -> Run {
    azlint_in(env!("CARGO_MANIFEST_DIR").as_ref(), args, Some(stdin), &[])
}

/// Runs azlint in `dir`, with optional standard input and extra environment.
pub fn azlint_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_azlint"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "dumb")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("azlint runs");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input).expect("write stdin");
    }
    let out = child.wait_with_output().expect("azlint finishes");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A scratch repository (its own git root, with a `.git` directory) holding the broken example
/// under `exports/`.
pub fn broken_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir(dir.path().join(".git")).expect("mkdir .git");
    std::fs::create_dir(dir.path().join("exports")).expect("mkdir");
    for f in ["resources.json", "role-assignments.json"] {
        std::fs::copy(
            root.join("fixtures/examples/broken").join(f),
            dir.path().join("exports").join(f),
        )
        .expect("copy");
    }
    dir
}
