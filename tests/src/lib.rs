//! Helpers for the end-to-end tests under `tests/`: fixture paths and the
//! `embedpos` binary built alongside the tests.

use std::path::PathBuf;
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
