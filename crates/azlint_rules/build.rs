//! Embeds the rule files under `rules/<pack>/*.yaml` in the binary.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.sort();
    out
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest.join("../../rules");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut code = String::from("/// Built-in rule files: (pack, file name, text).\npub static BUILTIN: &[(&str, &str, &str)] = &[\n");
    for pack in sorted(&root).into_iter().filter(|p| p.is_dir()) {
        println!("cargo:rerun-if-changed={}", pack.display());
        let pack_name = pack
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        for file in sorted(&pack) {
            if file.extension().and_then(|e| e.to_str()) != Some("yaml") {
                continue;
            }
            println!("cargo:rerun-if-changed={}", file.display());
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let _ = writeln!(
                code,
                "    ({pack_name:?}, {name:?}, include_str!({:?})),",
                file.display().to_string()
            );
        }
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default()).join("builtin_rules.rs");
    if let Err(e) = fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
