//! gensim's scores of a vector file, through ../shared/bench/eval_vectors.py.

use crate::util::{mb, run_measured, shared_dir, Measured, Result};
use std::path::Path;
use std::process::{Command, Stdio};

/// The figures eval_vectors.py prints (gensim's evaluators).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Scores {
    /// Analogy accuracy, all sections.
    pub analogy: f64,
    /// Semantic sections.
    pub sem: f64,
    /// Syntactic sections.
    pub syn: f64,
    /// Questions scored.
    pub n: u64,
    /// WordSim-353 Spearman ρ.
    pub ws353: f64,
    /// SimLex-999 Spearman ρ.
    pub simlex: f64,
}

/// Scores `vectors` (word2vec binary when `binary`, else text).
pub fn score(python: &Path, vectors: &Path, binary: bool) -> Result<Scores> {
    let script = shared_dir().join("bench/eval_vectors.py");
    let mut cmd = Command::new(python);
    cmd.arg(&script).arg(vectors);
    if binary {
        cmd.arg("--binary");
    }
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!("{} {} failed", script.display(), vectors.display()).into());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let f = |k: &str| v.get(k).and_then(|x| x.as_f64()).unwrap_or(f64::NAN);
    Ok(Scores {
        analogy: f("analogy"),
        sem: f("analogy_sem"),
        syn: f("analogy_syn"),
        n: v.get("analogy_n").and_then(|x| x.as_u64()).unwrap_or(0),
        ws353: f("ws353"),
        simlex: f("simlex"),
    })
}

impl Scores {
    /// The mean of several runs' scores.
    pub fn mean(all: &[Scores]) -> Scores {
        let n = all.len().max(1) as f64;
        let avg = |f: fn(&Scores) -> f64| all.iter().map(f).sum::<f64>() / n;
        Scores {
            analogy: avg(|s| s.analogy),
            sem: avg(|s| s.sem),
            syn: avg(|s| s.syn),
            n: all.first().map_or(0, |s| s.n),
            ws353: avg(|s| s.ws353),
            simlex: avg(|s| s.simlex),
        }
    }
}

/// Runs `cmd` with wall time and peak RSS measured, scores the vectors it
/// wrote to `vectors`, and prints both on one line of stderr.
pub fn run_scored(
    cmd: &mut std::process::Command,
    python: &Path,
    vectors: &Path,
    binary: bool,
) -> Result<(Measured, Scores)> {
    let m = run_measured(cmd)?;
    let sc = score(python, vectors, binary)?;
    eprintln!(
        "    {:.1} s, {}, analogy {:.4}, WS353 {:.4}, SimLex {:.4}",
        m.wall.as_secs_f64(),
        mb(m.peak_rss),
        sc.analogy,
        sc.ws353,
        sc.simlex
    );
    Ok((m, sc))
}

/// One tool's result for one model: its fastest run and its mean scores.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// Time and memory of the fastest run.
    pub m: Measured,
    /// Scores averaged over the runs.
    pub s: Scores,
}

impl Row {
    /// The row of the runs, if there was any.
    pub fn of(best: Option<Measured>, scores: &[Scores]) -> Option<Row> {
        best.map(|m| Row {
            m,
            s: Scores::mean(scores),
        })
    }
}
