//! Times reading and parsing one file: `cargo run --release -p azlint_source --example parse_timing -- FILE`.
use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse_timing FILE");
        std::process::exit(2);
    };
    let t0 = Instant::now();
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let t1 = Instant::now();
    let file = match azlint_source::SourceFile::from_bytes(path.clone(), bytes) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let t2 = Instant::now();
    match file.parse() {
        Ok(tree) => {
            let t3 = Instant::now();
            println!(
                "read {:?}, utf-8 {:?}, parse {:?}, {} nodes ({} MB of nodes)",
                t1 - t0,
                t2 - t1,
                t3 - t2,
                tree.node_count(),
                tree.node_count() * 12 / 1_000_000
            );
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
