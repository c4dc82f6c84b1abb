//! The facts about the machine a benchmark ran on.

use std::fmt;

/// CPU count (what `nproc` reports), CPU model and total memory.
pub struct Machine {
    cpus: Option<usize>,
    cpu_model: Option<String>,
    mem_total_kib: Option<u64>,
}

impl Machine {
    /// Reads the facts; any that cannot be read show as "unknown".
    pub fn probe() -> Self {
        Self {
            cpus: std::thread::available_parallelism().ok().map(usize::from),
            cpu_model: proc_field("/proc/cpuinfo", "model name"),
            mem_total_kib: proc_field("/proc/meminfo", "MemTotal")
                .and_then(|v| v.trim_end_matches("kB").trim().parse().ok()),
        }
    }
}

/// The value of the first `key: value` line of a /proc file.
fn proc_field(path: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

fn or_unknown<T: fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "unknown".to_string(), |v| v.to_string())
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mem_gib = self
            .mem_total_kib
            .map(|k| format!("{:.1}", k as f64 / 1024.0 / 1024.0));
        write!(
            f,
            "machine: nproc {}, CPU {}, memory {} GiB",
            or_unknown(self.cpus),
            or_unknown(self.cpu_model.as_deref()),
            or_unknown(mem_gib),
        )
    }
}
