//! Timing one child process: wall time with `Instant`, peak RSS with `wait4`.

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;

/// A program under test: how to start it and which exit codes mean success.
pub struct Program {
    pub name: &'static str,
    pub exe: PathBuf,
    pub args: Vec<OsString>,
    pub ok_codes: &'static [i32],
}

/// One run of a program, or the summary of several runs (median wall time,
/// maximum peak RSS).
#[derive(Clone, Copy)]
pub struct Measurement {
    pub wall: Duration,
    pub max_rss_kib: u64,
}

impl Program {
    /// Runs the program once with stdin, stdout and stderr on /dev/null.
    pub fn run_once(&self) -> Result<Measurement> {
        let start = Instant::now();
        let child = Command::new(&self.exe)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {} ({}): {e}", self.name, self.exe.display()))?;
        let (status, usage) = wait4(child.id())
            .map_err(|e| format!("cannot wait for {} (pid {}): {e}", self.name, child.id()))?;
        let wall = start.elapsed();
        self.check_status(status)?;
        Ok(Measurement {
            wall,
            max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        })
    }

    fn check_status(&self, status: libc::c_int) -> Result<()> {
        let failure = if libc::WIFEXITED(status) {
            let code = libc::WEXITSTATUS(status);
            if self.ok_codes.contains(&code) {
                return Ok(());
            }
            format!("exited with code {code}")
        } else if libc::WIFSIGNALED(status) {
            format!("was killed by signal {}", libc::WTERMSIG(status))
        } else {
            format!("ended with wait status {status:#x}")
        };
        Err(format!(
            "{} {failure}: {} {}",
            self.name,
            self.exe.display(),
            self.args
                .iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" ")
        ))
    }
}

/// Reaps the child `pid`, returning its wait status and resource usage.
fn wait4(pid: u32) -> io::Result<(libc::c_int, libc::rusage)> {
    let pid = libc::pid_t::try_from(pid).map_err(io::Error::other)?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is a plain C struct of integers; all-zero is valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own unreaped child and both out-pointers are
        // valid for writes for the duration of the call.
        let reaped = unsafe { libc::wait4(pid, &raw mut status, 0, &raw mut usage) };
        if reaped == pid {
            return Ok((status, usage));
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// Median wall time and maximum peak RSS over `samples`.
pub fn summarize(samples: &[Measurement]) -> Measurement {
    let mut walls: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
    walls.sort_unstable();
    let mid = walls.len() / 2;
    let wall = match walls.len() {
        0 => Duration::ZERO,
        n if n % 2 == 0 => (walls[mid - 1] + walls[mid]) / 2,
        _ => walls[mid],
    };
    let max_rss_kib = samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0);
    Measurement { wall, max_rss_kib }
}
