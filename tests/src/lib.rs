//! Helpers for the end-to-end tests under `tests/`: fixture paths, the
//! `embedpos` binary built alongside the tests and what it is expected to
//! do, files in temporary folders, `.npy` files and training runs.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `tests/fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// The planted-relation fixture corpus (about 1 M tokens).
pub fn planted_corpus() -> PathBuf {
    fixture("planted/corpus.txt")
}

/// Accuracy of `emb` on the planted analogies (3CosAdd, gensim's rules),
/// with the per-section scores on stderr. Every planted word must be in the
/// vocabulary.
pub fn planted_accuracy(emb: &embedpos_embed::Embeddings) -> f64 {
    let report = emb
        .evaluate_analogies(
            fixture("planted/analogies.txt"),
            &embedpos_embed::AnalogyConfig::default(),
        )
        .unwrap_or_else(|e| panic!("planted analogies: {e}"));
    assert_eq!(report.oov, 0, "every planted word is in the vocabulary");
    for s in &report.sections {
        eprintln!("  {:<24} {:.3} ({})", s.name, s.accuracy(), s.total());
    }
    report.accuracy
}

/// Runs `train` with a loss recorder and times it: what it returned, the
/// loss of every epoch, and how long it took.
pub fn train_recorded<T>(
    train: impl FnOnce(&mut embedpos_embed::train::LossRecorder) -> T,
) -> (T, Vec<f64>, std::time::Duration) {
    let mut rec = embedpos_embed::train::LossRecorder::default();
    let start = std::time::Instant::now();
    let out = train(&mut rec);
    let took = start.elapsed();
    (out, rec.epochs.iter().map(|e| e.loss).collect(), took)
}

/// Checks that every epoch's loss is below the one before.
pub fn assert_falls_every_epoch(curve: &[f64], what: &str) {
    assert!(
        curve.windows(2).all(|w| w[1] < w[0]),
        "{what}: the loss does not decrease every epoch: {curve:?}"
    );
}

/// The bits of every value of `e`, subword rows included: equal for two
/// runs that computed the same.
pub fn bits(e: &embedpos_embed::Embeddings) -> Vec<u32> {
    let sub = e.subwords().map_or(&[][..], |s| s.matrix());
    e.matrix().iter().chain(sub).map(|x| x.to_bits()).collect()
}

/// The `embedpos` binary of the same profile as the running test.
///
/// `cargo test --workspace` builds it with the tests; it sits two folders up
/// from the test executable (`target/<profile>/deps/<test>`).
pub fn embedpos_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(PathBuf::from)
        .unwrap_or_default();
    let bin = profile_dir.join(format!("embedpos{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not found: run the tests with `cargo test --workspace` so the CLI is built",
        bin.display()
    );
    bin
}

/// Runs `embedpos` with `args` and returns its output.
pub fn embedpos(args: &[&str]) -> Output {
    Command::new(embedpos_bin())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run embedpos: {e}"))
}

/// The standard error of a finished command, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Checks that `o` succeeded (its standard error in the message otherwise)
/// and returns its standard output as text.
pub fn succeeded(o: &Output) -> String {
    assert!(o.status.success(), "failed: {}", stderr(o));
    String::from_utf8(o.stdout.clone()).expect("the output is UTF-8")
}

/// Runs `embedpos` with `args`, checks that it succeeded and returns its
/// standard output.
pub fn embedpos_ok(args: &[&str]) -> String {
    let o = embedpos(args);
    assert!(
        o.status.success(),
        "embedpos {args:?} failed: {}",
        stderr(&o)
    );
    String::from_utf8(o.stdout).expect("the output is UTF-8")
}

/// Checks that `o` is a clean failure: a non-zero exit, no panic, and a
/// message that holds each of `words`. Returns the message.
pub fn failed_with(o: &Output, words: &[&str]) -> String {
    let err = stderr(o);
    assert!(!o.status.success(), "should have failed: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for w in words {
        assert!(err.contains(w), "{w:?} missing from: {err}");
    }
    err
}

/// Runs `embedpos` with `args` and checks that it fails cleanly with a
/// message that holds each of `words` (see [`failed_with`]).
pub fn embedpos_fails(args: &[&str], words: &[&str]) -> String {
    let o = embedpos(args);
    let err = stderr(&o);
    assert!(!o.status.success(), "embedpos {args:?} should fail: {err}");
    assert!(
        !err.contains("panicked"),
        "embedpos {args:?} panicked: {err}"
    );
    for w in words {
        assert!(
            err.contains(w),
            "embedpos {args:?}: {w:?} missing from: {err}"
        );
    }
    err
}

/// `path` as `&str` (the tests' temporary paths are UTF-8).
pub fn s(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// Writes `contents` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// The names of the entries of folder `dir`.
pub fn dir_names(dir: &Path) -> Vec<std::ffi::OsString> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name())
        .collect()
}

/// A `.npy` file of little-endian `f32`: its header and values.
#[derive(Debug)]
pub struct Npy {
    /// The header's dictionary, as written.
    pub header: String,
    /// The header's `shape`.
    pub shape: Vec<usize>,
    /// The values, in C order.
    pub values: Vec<f32>,
}

/// Reads a version 1.0 `.npy` of little-endian `f32`.
pub fn read_npy(path: &Path) -> Npy {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00", "{}", path.display());
    let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + hlen])
        .unwrap()
        .to_string();
    assert!(header.contains("'descr': '<f4'"), "{header}");
    let shape = header
        .split("'shape': (")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no shape in {header}"))
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    let values = bytes[10 + hlen..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Npy {
        header,
        shape,
        values,
    }
}

/// Runs `embedpos` with `args` and `stdin` as standard input.
pub fn embedpos_stdin(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(embedpos_bin())
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run embedpos: {e}"));
    let mut input = child.stdin.take().expect("stdin is piped");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("embedpos ran");
    let _ = writer.join();
    out
}

/// Runs Python `py` with `args`, checks that it succeeded (its standard error
/// in the message otherwise) and returns its standard output.
pub fn python_output<S: AsRef<std::ffi::OsStr>>(
    py: &Path,
    args: impl IntoIterator<Item = S>,
) -> String {
    let out = Command::new(py)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", py.display()));
    assert!(
        out.status.success(),
        "{} failed: {}",
        py.display(),
        stderr(&out)
    );
    String::from_utf8(out.stdout).expect("Python printed UTF-8")
}

/// Like [`python_with`], for a module that `.ci/run` installs on a best-effort
/// basis (it may need a compiler): `None` with a notice when
/// `$EMBEDPOS_PYTHON` is unset or cannot import it.
pub fn python_with_optional(module: &str) -> Option<PathBuf> {
    let py = std::env::var("EMBEDPOS_PYTHON").ok()?;
    let ok = Command::new(&py)
        .args(["-c", &format!("import {module}")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("EMBEDPOS_PYTHON={py} cannot import {module}: skipping the check that needs it");
        return None;
    }
    Some(PathBuf::from(py))
}

/// A Python interpreter with the given module, from `$EMBEDPOS_PYTHON`
/// (set by .ci/run), or `None` with a notice when it is unset.
pub fn python_with(module: &str) -> Option<PathBuf> {
    let Ok(py) = std::env::var("EMBEDPOS_PYTHON") else {
        eprintln!("EMBEDPOS_PYTHON is not set: skipping the check that needs Python `{module}` (.ci/run sets it)");
        return None;
    };
    let ok = Command::new(&py)
        .args(["-c", &format!("import {module}")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "EMBEDPOS_PYTHON={py} cannot import {module}");
    Some(PathBuf::from(py))
}
