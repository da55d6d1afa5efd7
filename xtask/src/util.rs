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

/// Runs `cmd` to completion and measures wall time and peak RSS via wait4.
pub fn run_measured(cmd: &mut Command) -> Result<Measured> {
    let start = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is a C struct of integers, for which all-zero bytes
    // are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped (the `Child` handle is
    // never waited on), and both out-pointers are to live locals of the
    // types wait4 expects.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if r < 0 {
        return Err(format!("wait4 failed: {}", std::io::Error::last_os_error()).into());
    }
    let program = Path::new(cmd.get_program()).display().to_string();
    if libc::WIFSIGNALED(status) {
        let sig = libc::WTERMSIG(status);
        return Err(format!("{program} was killed by signal {sig}{}", signal_name(sig)).into());
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let code = libc::WEXITSTATUS(status);
        return Err(format!("{program} exited with status {code}").into());
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

/// A few signals by name, for messages about crashed tools.
fn signal_name(sig: libc::c_int) -> &'static str {
    match sig {
        libc::SIGSEGV => " (SIGSEGV: the program crashed)",
        libc::SIGABRT => " (SIGABRT: the program aborted)",
        libc::SIGKILL => " (SIGKILL: killed, perhaps for want of memory)",
        libc::SIGBUS => " (SIGBUS)",
        libc::SIGFPE => " (SIGFPE)",
        libc::SIGINT => " (SIGINT: interrupted)",
        libc::SIGTERM => " (SIGTERM)",
        _ => "",
    }
}

/// Where the benchmarks look for a corpus when neither `--corpus` nor
/// `EMBEDPOS_BENCH_CORPUS` names one: the shared data folder beside the
/// checkout, used only when it is there.
const SHARED_CORPUS: &str = "../shared/data/en-bench.txt.gz";

/// How to get a corpus.
const GET_CORPUS: &str = "Pass --corpus FILE or set EMBEDPOS_BENCH_CORPUS=FILE.
A standard public corpus is text8 (100 MB of cleaned English Wikipedia, lowercase, one line):
  download text8 from mattmahoney.net/dc/text8.zip, then
  unzip text8.zip && fold -s -w 2000 text8 > text8.txt      # lines of whole words
  cargo xtask bench word2vec --corpus text8.txt
Raw text of your own (files or folders, .gz is fine) becomes the training format with
  cargo xtask corpus RAW... -o target/bench/corpus.txt
(see bench/README.md)";

/// The benchmark corpus: `arg` (`--corpus`), else `$EMBEDPOS_BENCH_CORPUS`,
/// else ../shared/data/en-bench.txt.gz beside the checkout when it exists.
/// A relative path is taken from the current folder, or from the workspace
/// root when it is not found there. `.gz` is decompressed once into
/// target/bench (the reference tools cannot read gzip); plain files are used
/// as they are.
pub fn bench_corpus(arg: Option<&Path>) -> Result<PathBuf> {
    let env = std::env::var_os("EMBEDPOS_BENCH_CORPUS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let found = locate_corpus(arg, env, &workspace_root())?;
    plain_corpus(&found)
}

/// The corpus file `--corpus` or the environment names, else the shared
/// default under `root` when it exists; relative paths are tried from the
/// current folder, then from `root`.
fn locate_corpus(arg: Option<&Path>, env: Option<PathBuf>, root: &Path) -> Result<PathBuf> {
    let (given, from) = match (arg, env) {
        (Some(p), _) => (p.to_path_buf(), "--corpus"),
        (None, Some(p)) => (p, "EMBEDPOS_BENCH_CORPUS"),
        (None, None) => {
            let shared = root.join(SHARED_CORPUS);
            if !shared.is_file() {
                return Err(format!("no benchmark corpus. {GET_CORPUS}").into());
            }
            (shared, "the default")
        }
    };
    let found = if given.is_relative() && !given.exists() {
        root.join(&given)
    } else {
        given.clone()
    };
    if !found.is_file() {
        let what = if found.exists() {
            "is not a file"
        } else {
            "does not exist"
        };
        return Err(format!(
            "the corpus {} ({from}) {what}. {GET_CORPUS}",
            given.display()
        )
        .into());
    }
    Ok(found)
}

/// `path` itself, or for `.gz` its text, decompressed once into target/bench.
fn plain_corpus(path: &Path) -> Result<PathBuf> {
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
    std::io::copy(&mut dec, &mut f)
        .map_err(|e| format!("cannot decompress {}: {e}", path.display()))?;
    std::fs::rename(&tmp, &out)?;
    std::fs::write(&stamp, src_len.to_string())?;
    Ok(out)
}

/// Whitespace-separated tokens of a plain-text file.
pub fn count_tokens(path: &Path) -> Result<u64> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut n, mut in_word) = (0u64, false);
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        for &b in &buf[..k] {
            let ws = b == b' ' || b == b'\n' || b == b'\t' || b == b'\r';
            if !ws && !in_word {
                n += 1;
            }
            in_word = !ws;
        }
    }
    Ok(n)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// then a rename over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| format!("{} names no file", path.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("cannot write {}: {e}", path.display()).into());
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("xtask-util-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn corpus_comes_from_the_flag_then_the_environment_then_the_shared_default() {
        let d = scratch("corpus");
        let root = d.join("repo");
        std::fs::create_dir_all(&root).unwrap();
        let (a, b) = (d.join("a.txt"), d.join("b.txt"));
        std::fs::write(&a, "x").unwrap();
        std::fs::write(&b, "y").unwrap();
        assert_eq!(locate_corpus(Some(&a), Some(b.clone()), &root).unwrap(), a);
        assert_eq!(locate_corpus(None, Some(b.clone()), &root).unwrap(), b);
        // No shared folder: the message names text8 and `cargo xtask corpus`.
        let e = locate_corpus(None, None, &root).unwrap_err().to_string();
        assert!(e.contains("no benchmark corpus"), "{e}");
        assert!(e.contains("mattmahoney.net/dc/text8.zip"), "{e}");
        assert!(e.contains("cargo xtask corpus"), "{e}");
        // With it, the shared corpus.
        let shared = root.join(SHARED_CORPUS);
        std::fs::create_dir_all(shared.parent().unwrap()).unwrap();
        std::fs::write(&shared, "z").unwrap();
        assert_eq!(locate_corpus(None, None, &root).unwrap(), shared);
        // A path that does not exist is named, with where it came from.
        let e = locate_corpus(None, Some(d.join("nope.txt")), &root)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("nope.txt (EMBEDPOS_BENCH_CORPUS) does not exist"),
            "{e}"
        );
        let e = locate_corpus(Some(&d), None, &root)
            .unwrap_err()
            .to_string();
        assert!(e.contains("is not a file"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let d = scratch("atomic");
        let p = d.join("out.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn failures_say_how_the_program_ended() {
        let e = run_measured(Command::new("sh").args(["-c", "exit 3"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("exited with status 3"), "{e}");
        let e = run_measured(Command::new("sh").args(["-c", "kill -SEGV $$"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("signal 11") && e.contains("crashed"), "{e}");
        let e = run_measured(&mut Command::new("/no/such/program"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot start"), "{e}");
        let m = run_measured(Command::new("sh").args(["-c", "true"])).unwrap();
        assert!(m.peak_rss > 0);
    }
}
