//! Helpers shared by the xtask commands: paths, measured child processes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Errors of xtask: a message for the user.
pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The workspace root (the parent of xtask/).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Where benchmark inputs and outputs go: `target/bench`.
pub fn bench_dir() -> Result<PathBuf> {
    let d = workspace_root().join("target").join("bench");
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

/// What a measured child process used.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Wall-clock time.
    pub wall: Duration,
    /// Peak resident set size in bytes (the child's maxrss).
    pub peak_rss: u64,
    /// User + system CPU time.
    pub cpu: Duration,
}

/// The faster of two measurements (by wall time).
pub fn best(a: Option<Measured>, b: Measured) -> Measured {
    match a {
        Some(a) if a.wall <= b.wall => a,
        _ => b,
    }
}

/// Runs `cmd` to completion and measures wall time and peak RSS via wait4.
pub fn run_measured(cmd: &mut Command) -> Result<Measured> {
    let start = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data that wait4 fills in; pid is our child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if r < 0 {
        return Err(format!("wait4 failed: {}", std::io::Error::last_os_error()).into());
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        return Err(format!("{:?} failed (wait status {status})", cmd.get_program()).into());
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Ok(Measured {
        wall,
        peak_rss: usage.ru_maxrss as u64 * 1024,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
    })
}

/// The anchors folder (`$ANCHORS` or /tmp/embedpos-anchors), installing the
/// reference tools with ../shared/bench/setup_anchors.sh when missing.
pub fn anchors() -> Result<PathBuf> {
    let dir =
        PathBuf::from(std::env::var("ANCHORS").unwrap_or_else(|_| "/tmp/embedpos-anchors".into()));
    if !dir.join("venv/bin/word2vec").exists() {
        let script = shared_dir().join("bench/setup_anchors.sh");
        eprintln!("installing the reference tools with {}", script.display());
        let st = Command::new("bash")
            .arg(&script)
            .env("ANCHORS", &dir)
            .status()?;
        if !st.success() {
            return Err(format!("{} failed", script.display()).into());
        }
    }
    Ok(dir)
}

/// The shared folder beside the checkout (`$EMBEDPOS_SHARED` or ../shared).
pub fn shared_dir() -> PathBuf {
    std::env::var("EMBEDPOS_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("..").join("shared"))
}

/// The benchmark corpus `arg` (a relative path is taken from the workspace
/// root, where the defaults point), decompressed once into target/bench
/// when it is `.gz` (the reference tools cannot read gzip); plain files are
/// used as they are.
pub fn plain_corpus(arg: &Path) -> Result<PathBuf> {
    let resolved = if arg.is_relative() {
        workspace_root().join(arg)
    } else {
        arg.to_path_buf()
    };
    let path = resolved.as_path();
    if path.extension().and_then(|e| e.to_str()) != Some("gz") {
        return Ok(path.to_path_buf());
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_os_string())
        .unwrap_or_default();
    let out = bench_dir()?.join(stem);
    let src_len = std::fs::metadata(path)?.len();
    let stamp = out.with_extension("source-size");
    if out.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&src_len.to_string())
    {
        return Ok(out);
    }
    eprintln!("decompressing {} -> {}", path.display(), out.display());
    let mut dec = flate2::read::MultiGzDecoder::new(std::fs::File::open(path)?);
    let tmp = out.with_extension("partial");
    let mut f = std::fs::File::create(&tmp)?;
    std::io::copy(&mut dec, &mut f)?;
    std::fs::rename(&tmp, &out)?;
    std::fs::write(&stamp, src_len.to_string())?;
    Ok(out)
}

/// Formats bytes as MB.
pub fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

/// The release `embedpos` binary, built if needed.
pub fn embedpos_bin() -> Result<PathBuf> {
    let st = Command::new(env!("CARGO"))
        .args(["build", "--release", "-p", "embedpos-cli"])
        .current_dir(workspace_root())
        .status()?;
    if !st.success() {
        return Err("cargo build --release -p embedpos-cli failed".into());
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target"));
    Ok(target.join("release").join("embedpos"))
}
