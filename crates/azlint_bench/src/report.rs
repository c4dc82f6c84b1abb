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
        let mut line = format!(
            "{} resources ({:.0} MB): {}",
            self.resources,
            self.file_megabytes(),
            programs.join(" | ")
        );
        if let Some(added) = self.pack_adds() {
            let _ = write!(line, " | the rule pack adds {:.0}%", added * 100.0);
        }
        line
    }

    /// What the full run takes beyond the run without rules, as a fraction of the latter.
    fn pack_adds(&self) -> Option<f64> {
        let wall = |name: &str| {
            self.results
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, m)| m.wall.as_secs_f64())
        };
        let (full, inputs) = (wall("azlint")?, wall("inputs only")?);
        (inputs > 0.0).then(|| (full - inputs) / inputs)
    }

    /// One Markdown table row.
    pub fn markdown(&self) -> String {
        let mut line = format!("| {} | {:.0} |", self.resources, self.file_megabytes());
        for (_, c) in self.program_cells() {
            let _ = write!(line, " {} | {} |", c.wall, c.memory);
        }
        if self.results.iter().any(|(n, _)| *n == "inputs only") {
            match self.pack_adds() {
                Some(added) => {
                    let _ = write!(line, " {:+.0}% |", added * 100.0);
                }
                None => line.push_str(" |"),
            }
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
    if programs.contains(&"inputs only") {
        header.push_str(" rule pack adds |");
        separator.push_str("---:|");
    }
    format!("{header}\n{separator}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn m(secs: f64, kib: u64) -> Measurement {
        Measurement {
            wall: Duration::from_secs_f64(secs),
            max_rss_kib: kib,
        }
    }

    #[test]
    fn rows_report_what_the_rule_pack_adds() {
        let row = Row {
            resources: 100_000,
            file_bytes: 342_000_000,
            results: vec![
                ("baseline", m(2.0, 1_000_000)),
                ("validate", m(0.4, 300_000)),
                ("azlint", m(0.9, 600_000)),
                ("inputs only", m(0.6, 500_000)),
            ],
        };
        let text = row.text();
        assert!(
            text.starts_with("100000 resources (342 MB): baseline 2.000 s"),
            "{text}"
        );
        assert!(text.contains("azlint 0.900 s (0.45x)"), "{text}");
        assert!(text.ends_with("| the rule pack adds 50%"), "{text}");
        assert!(row.markdown().ends_with(" +50% |"), "{}", row.markdown());
        let header = markdown_header(&["baseline", "azlint", "inputs only"]);
        assert!(header
            .lines()
            .next()
            .unwrap()
            .ends_with(" rule pack adds |"));
        assert_eq!(
            header.lines().next().unwrap().matches('|').count(),
            header.lines().nth(1).unwrap().matches('|').count()
        );
    }
}
