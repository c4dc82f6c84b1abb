//! Where the report goes, and progress while it is made.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::inputs::InputSpec;

/// Writes text to standard output for the commands that print as they go (`rules`, `flow`,
/// `routes`, ...). A closed pipe (`azlint rules | head -1`) is the reader's choice: the rest
/// is dropped and the command ends as it would have. Any other write error ends the run
/// (exit code 2).
pub fn print_out(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("azlint: error: cannot write to standard output: {e}");
            std::process::exit(2);
        }
    }
}

/// `print!` through [`print_out`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::print_out(format_args!($($arg)*))
    };
}

/// `println!` through [`print_out`].
macro_rules! outln {
    () => {
        $crate::output::print_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::print_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes the report to standard output, or atomically to `path`: a reader of the file never
/// sees half a report, and a failed run leaves an earlier report intact.
pub fn write_report(path: Option<&Path>, report: &str) -> Result<(), String> {
    let Some(path) = path else {
        let mut out = std::io::stdout().lock();
        return match out.write_all(report.as_bytes()).and_then(|_| out.flush()) {
            Ok(()) => Ok(()),
            // A closed pipe (`azlint check . | head`) is the reader's choice, not an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(format!("cannot write the report: {e}")),
        };
    };
    // A link is followed, so that it stays a link to the new report.
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let resolved = if is_link {
        std::fs::canonicalize(path).ok()
    } else {
        None
    };
    let path = resolved.as_deref().unwrap_or(path);
    // A device or a pipe (`-o /dev/null`, `-o /dev/stdout`, a FIFO) is written to: replacing
    // it with a file would break it for everyone else.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(report.as_bytes()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = dir.join(format!(".{name}.azlint-{}.tmp", std::process::id()));
    // CI steps write reports into directories that do not exist yet (`reports/azlint.sarif`).
    let result = std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(&tmp, report))
        .and_then(|_| std::fs::rename(&tmp, path));
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    })
}

/// A progress bar on standard error, for long runs in a terminal only: never in pipes or CI.
pub struct Progress {
    bar: Option<ProgressBar>,
}

/// Runs shorter than this (in bytes or files) finish before a bar would help.
const BIG_RUN_BYTES: u64 = 64 << 20;
const BIG_RUN_FILES: usize = 200;

impl Progress {
    pub fn start(specs: &[InputSpec], quiet: bool) -> Progress {
        let total: u64 = specs.iter().map(|s| s.size).sum();
        let big = total >= BIG_RUN_BYTES || specs.len() >= BIG_RUN_FILES;
        let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        if quiet || !big || !interactive {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} {msg:20} [{bar:30}] {bytes}/{total_bytes} ({elapsed})",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message("reading inputs");
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar: Some(bar) }
    }

    pub fn file_done(&self, spec: &InputSpec) {
        if let Some(bar) = &self.bar {
            bar.inc(spec.size);
        }
    }

    pub fn stage(&self, what: &'static str) {
        if let Some(bar) = &self.bar {
            bar.set_message(what);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
