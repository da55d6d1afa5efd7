//! gensim's scores of a vector file, through bench/score_vectors.py.

use super::anchors::Found;
use crate::util::{workspace_root, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Named figures of one run, in table order.
pub type Metrics = Vec<(&'static str, f64)>;

/// The figures score_vectors.py prints that the benchmarks keep, with their
/// column headings: analogy accuracy (all, semantic and syntactic sections,
/// questions scored) and the Spearman ρ of WordSim-353 and SimLex-999.
pub const FIELDS: [(&str, &str); 6] = [
    ("analogy", "analogy"),
    ("analogy_sem", "sem"),
    ("analogy_syn", "syn"),
    ("analogy_n", "n"),
    ("ws353", "WS353"),
    ("simlex", "SimLex"),
];

/// How a vector file is laid out, as score_vectors.py's `--format` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// word2vec binary.
    Bin,
    /// word2vec text (fastText's .vec).
    Text,
    /// GloVe text: no header line.
    Glove,
}

impl Format {
    fn arg(self) -> &'static str {
        match self {
            Format::Bin => "bin",
            Format::Text => "text",
            Format::Glove => "glove",
        }
    }
}

/// Runs bench/score_vectors.py with gensim's Python.
#[derive(Debug, Clone)]
pub struct Scorer {
    python: Found,
    script: PathBuf,
}

impl Scorer {
    /// The scorer with the Python found (or why there is none).
    pub fn new(python: Found) -> Scorer {
        Scorer {
            python,
            script: workspace_root().join("bench").join("score_vectors.py"),
        }
    }

    /// Why nothing can be scored, if so.
    pub fn missing(&self) -> Option<&str> {
        self.python.as_ref().err().map(String::as_str)
    }

    /// The scores of `vectors`; `None` when there is no scorer.
    pub fn score(&self, vectors: &Path, format: Format) -> Result<Option<Metrics>> {
        let Ok(python) = &self.python else {
            return Ok(None);
        };
        let out = Command::new(python)
            .arg(&self.script)
            .arg(vectors)
            .args(["--format", format.arg()])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stderr = stderr.trim();
        if !out.status.success() {
            let last = stderr.lines().last().unwrap_or("no message");
            return Err(format!("scoring {} failed: {last}", vectors.display()).into());
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let v: serde_json::Value = serde_json::from_str(text.trim()).map_err(|e| {
            format!(
                "scoring {}: unexpected output from {} ({e}): {:.200}",
                vectors.display(),
                self.script.display(),
                text.trim()
            )
        })?;
        let mut m = Metrics::new();
        for (key, _) in FIELDS {
            // A correlation is null when it cannot be computed; that is a
            // figure too (NaN), not a failure.
            match v.get(key) {
                Some(x) if x.is_number() => m.push((key, x.as_f64().unwrap_or(f64::NAN))),
                Some(x) if x.is_null() => m.push((key, f64::NAN)),
                _ => {
                    return Err(format!(
                        "scoring {}: {key} missing from the scorer's output",
                        vectors.display()
                    )
                    .into())
                }
            }
        }
        Ok(Some(m))
    }
}

/// The column heading of a figure.
pub fn heading(key: &str) -> &str {
    FIELDS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, h)| h)
}

/// Whether a figure is a count (printed without decimals).
pub fn is_count(key: &str) -> bool {
    key.ends_with("_n") || matches!(key, "words" | "joined" | "identical")
}
