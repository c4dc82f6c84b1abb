//! Locating the workspace, the generator and azlint; generating the exports.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;

/// The workspace root: the nearest ancestor of this crate whose Cargo.toml
/// declares `[workspace]`.
pub fn workspace_root() -> Result<PathBuf> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .ancestors()
        .find(|dir| declares_workspace(&dir.join("Cargo.toml")))
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "cannot find the workspace root above {} (no Cargo.toml with [workspace])",
                crate_dir.display()
            )
        })
}

fn declares_workspace(manifest: &Path) -> bool {
    std::fs::read_to_string(manifest).is_ok_and(|text| text.contains("[workspace]"))
}

/// `<shared>/bench/gen_export.py`, `<shared>` defaulting to `<workspace>/../shared`.
pub fn generator(shared: Option<&Path>, workspace: &Path) -> Result<PathBuf> {
    let shared = match shared {
        Some(dir) => dir.to_path_buf(),
        None => workspace
            .parent()
            .map(|parent| parent.join("shared"))
            .ok_or_else(|| format!("workspace {} has no parent directory", workspace.display()))?,
    };
    let script = shared.join("bench").join("gen_export.py");
    if script.is_file() {
        Ok(script)
    } else {
        Err(format!(
            "generator not found at {} (point --shared or AZLINT_SHARED at the shared directory)",
            script.display()
        ))
    }
}

/// The azlint binary: `--azlint PATH` or `<workspace>/target/release/azlint`.
pub fn azlint(explicit: Option<&Path>, workspace: &Path) -> Result<PathBuf> {
    let path = explicit.map_or_else(
        || workspace.join("target").join("release").join("azlint"),
        Path::to_path_buf,
    );
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "azlint binary not found at {}: run `cargo build --release` in {} first, or pass --azlint PATH",
            path.display(),
            workspace.display()
        ))
    }
}

/// Returns `<data_dir>/export-<resources>.json`, generating it unless it and
/// its `.violations.json` (written last by the generator) already exist.
pub fn export(
    generator: &Path,
    data_dir: &Path,
    resources: u64,
    broken_ratio: f64,
) -> Result<PathBuf> {
    let file = data_dir.join(format!("export-{resources}.json"));
    let mut truth = file.clone().into_os_string();
    truth.push(".violations.json");
    if file.is_file() && Path::new(&truth).is_file() {
        eprintln!("using existing {}", file.display());
        return Ok(file);
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    eprintln!("generating {} ...", file.display());
    let status = Command::new("python3")
        .arg(generator)
        .args(["--resources", &resources.to_string()])
        .args(["--seed", "1"])
        .args(["--broken-ratio", &broken_ratio.to_string()])
        .arg("-o")
        .arg(&file)
        .status()
        .map_err(|e| format!("cannot run python3 (is it installed and on PATH?): {e}"))?;
    if status.success() {
        Ok(file)
    } else {
        Err(format!(
            "{} failed ({status}) generating {}",
            generator.display(),
            file.display()
        ))
    }
}
