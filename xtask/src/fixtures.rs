//! `cargo xtask fixtures`: regenerate tests/fixtures deterministically.
//!
//! * `planted/corpus.txt`, `planted/analogies.txt`: the synthetic corpus with
//!   planted relations (embedpos_tokenize::synthetic, seed and size fixed).
//! * `fasttext/ngram_buckets.json`: fastText's own bucket ids for a word list,
//!   made by scripts/fasttext_ngrams.py with the Python `fasttext` package
//!   when a Python with it is found (`$EMBEDPOS_PYTHON`, the anchors venv);
//!   otherwise the committed file is kept and a notice printed.
//! * `fasttext/small.bin`, `small.ftz`, `small-vectors.txt`: tiny fastText
//!   models and the vectors `fasttext print-word-vectors` prints for them
//!   (scripts/fasttext_model.py, with the `fasttext` command when installed).
//! * `bpe/expected_ids.json`: the ids Python `tiktoken` gives for a varied
//!   text set with r50k_base and cl100k_base built from the committed rank
//!   files; `bpe/hf_trained/tokenizer.json` and `expected_ids.json`: a
//!   byte-level BPE that HF `tokenizers` trains on `bpe/hf_trained/corpus.txt`
//!   and its ids for the same texts (scripts/bpe_fixtures.py, with a Python
//!   that has both packages; otherwise the committed files are kept).
//! * `crates/posenc/tests/fixtures/*.json`: f64 reference values of the
//!   positional encodings, from crates/posenc/tests/fixtures/make_fixtures.py
//!   (pure Python, needs only `python3`).

use crate::util::{workspace_root, Result};
use embedpos_tokenize::synthetic::{PlantedCorpus, DEFAULT_SEED, DEFAULT_TOKENS};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only check that the committed fixtures are what the generators make.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> Result {
    let dir = workspace_root().join("tests").join("fixtures");
    let planted = PlantedCorpus::new(DEFAULT_SEED);
    let mut corpus = Vec::new();
    planted.write_corpus(&mut corpus, DEFAULT_TOKENS)?;
    let files: Vec<(PathBuf, Vec<u8>)> = vec![
        (dir.join("planted/corpus.txt"), corpus),
        (
            dir.join("planted/analogies.txt"),
            planted.analogies().into_bytes(),
        ),
    ];
    let mut stale = Vec::new();
    for (path, bytes) in &files {
        if args.check {
            if std::fs::read(path).ok().as_deref() != Some(bytes.as_slice()) {
                stale.push(path.display().to_string());
            }
        } else {
            write(path, bytes)?;
        }
    }
    if args.check {
        if !stale.is_empty() {
            return Err(format!(
                "stale fixtures (run `cargo xtask fixtures`): {}",
                stale.join(", ")
            )
            .into());
        }
        eprintln!("fixtures are up to date");
        return Ok(());
    }
    fasttext_buckets(&dir.join("fasttext/ngram_buckets.json"))?;
    fasttext_models(&dir.join("planted/corpus.txt"), &dir.join("fasttext"))?;
    bpe_references(&dir.join("bpe"))?;
    posenc_references()?;
    Ok(())
}

/// tiktoken's ids and an HF-trained tokenizer, from scripts/bpe_fixtures.py.
fn bpe_references(dir: &Path) -> Result {
    let Some(py) = python_with("tiktoken, tokenizers") else {
        eprintln!(
            "note: no Python with the `tiktoken` and `tokenizers` packages (set EMBEDPOS_PYTHON to one, e.g. after `pip install tiktoken tokenizers`); kept {}",
            dir.display()
        );
        return Ok(());
    };
    let script = workspace_root().join("scripts/bpe_fixtures.py");
    let st = Command::new(&py).arg(&script).arg(dir).status()?;
    if !st.success() {
        return Err(format!("{} {} failed", py.display(), script.display()).into());
    }
    eprintln!(
        "wrote {0}/expected_ids.json, {0}/hf_trained/tokenizer.json and expected_ids.json",
        dir.display()
    );
    Ok(())
}

/// The positional-encoding reference values (pure Python, f64).
fn posenc_references() -> Result {
    let script = workspace_root().join("crates/posenc/tests/fixtures/make_fixtures.py");
    let py = std::env::var_os("EMBEDPOS_PYTHON").unwrap_or_else(|| "python3".into());
    match Command::new(&py).arg(&script).status() {
        Ok(st) if st.success() => {
            eprintln!("wrote the posenc references next to {}", script.display());
            Ok(())
        }
        Ok(st) => Err(format!("{} failed ({st})", script.display()).into()),
        Err(e) => {
            eprintln!(
                "notice: cannot run {} ({e}); the committed posenc references are kept",
                py.to_string_lossy()
            );
            Ok(())
        }
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    embedpos_base::write_atomic(path, |w| w.write_all(bytes))?;
    eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}

/// A Python that can `import <module>` (a comma-separated list works), if any.
pub fn python_with(module: &str) -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(p) = std::env::var("EMBEDPOS_PYTHON") {
        candidates.push(PathBuf::from(p));
    }
    let anchors = std::env::var("ANCHORS").unwrap_or_else(|_| "/tmp/embedpos-anchors".into());
    candidates.push(Path::new(&anchors).join("venv/bin/python3"));
    candidates.push(workspace_root().join("target/venv/bin/python3"));
    candidates.into_iter().find(|p| {
        Command::new(p)
            .args(["-c", &format!("import {module}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    })
}

/// Small fastText models (.bin and a quantized .ftz) and the vectors the
/// `fasttext` command itself prints for them, from scripts/fasttext_model.py.
fn fasttext_models(corpus: &Path, out: &Path) -> Result {
    let have_cli = Command::new("fasttext").output().is_ok();
    if !have_cli {
        eprintln!("note: the `fasttext` command is not installed (bench/install_anchors.sh installs it); kept the models in {}", out.display());
        return Ok(());
    }
    let script = workspace_root().join("scripts/fasttext_model.py");
    let py = python_with("fasttext").unwrap_or_else(|| PathBuf::from("python3"));
    let st = Command::new(&py)
        .arg(&script)
        .arg(corpus)
        .arg(out)
        .status()?;
    if !st.success() {
        return Err(format!("{} {} failed", py.display(), script.display()).into());
    }
    eprintln!(
        "wrote {}/small.bin, small.ftz, small-vectors.txt",
        out.display()
    );
    Ok(())
}

fn fasttext_buckets(out: &Path) -> Result {
    let Some(py) = python_with("fasttext") else {
        eprintln!(
            "note: no Python with the `fasttext` package (set EMBEDPOS_PYTHON to a Python that has it, e.g. `pip install fasttext`); kept {}",
            out.display()
        );
        return Ok(());
    };
    if let Some(d) = out.parent() {
        std::fs::create_dir_all(d)?;
    }
    let script = workspace_root().join("scripts/fasttext_ngrams.py");
    let st = Command::new(&py).arg(&script).arg(out).status()?;
    if !st.success() {
        return Err(format!("{} {} failed", py.display(), script.display()).into());
    }
    eprintln!("wrote {}", out.display());
    Ok(())
}
