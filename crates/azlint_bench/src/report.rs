//! Formatting results as text lines or a Markdown table (MB = 10^6 bytes).

use std::fmt::Write as _;

use crate::measure::Measurement;

/// The results for one export file; `results[0]` is the baseline.
pub struct Row {
    pub resources: u64,
    pub file_bytes: u64,
    pub results: Vec<(&'static str, Measurement)>,
}

/// The formatted wall time and peak memory of one program on one file.
struct Cells {
    wall: String,
    memory: String,
}

fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn rss_megabytes(m: &Measurement) -> f64 {
    megabytes(m.max_rss_kib.saturating_mul(1024))
}

fn ratio(value: f64, base: f64) -> String {
    format!(" ({:.2}x)", value / base)
}

/// Cells for `m`, with ratios against `base` unless `m` is the baseline.
fn cells(m: &Measurement, base: Option<&Measurement>) -> Cells {
    let wall = m.wall.as_secs_f64();
    let memory = rss_megabytes(m);
    let (wall_ratio, memory_ratio) = base.map_or_else(Default::default, |b| {
        (
            ratio(wall, b.wall.as_secs_f64()),
            ratio(memory, rss_megabytes(b)),
        )
    });
    Cells {
        wall: format!("{wall:.3} s{wall_ratio}"),
        memory: format!("{memory:.0} MB{memory_ratio}"),
    }
}

impl Row {
    fn file_megabytes(&self) -> f64 {
        megabytes(self.file_bytes)
    }

    /// `(name, cells)` per program, the baseline first and without ratios.
    fn program_cells(&self) -> impl Iterator<Item = (&'static str, Cells)> + '_ {
        let base = self.results.first().map(|(_, m)| m);
        self.results
            .iter()
            .enumerate()
            .map(move |(i, (name, m))| (*name, cells(m, base.filter(|_| i > 0))))
    }

    /// `100000 resources (361 MB): baseline 3.61 s 1902 MB | validate ...`
    pub fn text(&self) -> String {
        let programs: Vec<String> = self
            .program_cells()
            .map(|(name, c)| format!("{name} {} {}", c.wall, c.memory))
            .collect();
        format!(
            "{} resources ({:.0} MB): {}",
            self.resources,
            self.file_megabytes(),
            programs.join(" | ")
        )
    }

    /// One Markdown table row.
    pub fn markdown(&self) -> String {
        let mut line = format!("| {} | {:.0} |", self.resources, self.file_megabytes());
        for (_, c) in self.program_cells() {
            let _ = write!(line, " {} | {} |", c.wall, c.memory);
        }
        line
    }
}

/// The Markdown header and separator lines for rows of `programs`.
pub fn markdown_header(programs: &[&str]) -> String {
    let mut header = String::from("| Resources | File MB |");
    let mut separator = String::from("|---:|---:|");
    for name in programs {
        let _ = write!(header, " {name} wall | {name} peak RSS |");
        separator.push_str("---:|---:|");
    }
    format!("{header}\n{separator}")
}
