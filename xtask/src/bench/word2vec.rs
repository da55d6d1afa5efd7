//! word2vec training: `embedpos train word2vec` against the original
//! word2vec C, same corpus, same settings, one after the other in one run,
//! both scored by ../shared/bench/eval_vectors.py (gensim's evaluators).

use crate::util::{anchors, bench_dir, best, embedpos_bin, mb, plain_corpus, Measured, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::scores::{run_scored, Row};

/// Options of `cargo xtask bench word2vec`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The corpus (`.gz` is decompressed once into target/bench).
    #[arg(long, default_value = "../shared/data/en-bench.txt.gz")]
    pub corpus: PathBuf,
    /// Threads for both tools.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Runs of each tool per model (alternating); the fastest run's time and
    /// memory are reported, and the scores are averaged over all runs (one
    /// run's accuracy varies by about ±0.005 from thread timing and seeds).
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
    /// Models to run, comma-separated: skipgram, cbow.
    #[arg(long, default_value = "skipgram,cbow", value_delimiter = ',')]
    pub models: Vec<String>,
    /// Vector dimension.
    #[arg(long, default_value_t = 100)]
    pub dim: usize,
    /// Window.
    #[arg(long, default_value_t = 5)]
    pub window: usize,
    /// Noise words.
    #[arg(long, default_value_t = 5)]
    pub negative: usize,
    /// Subsampling threshold.
    #[arg(long, default_value = "1e-4")]
    pub sample: String,
    /// Minimum count.
    #[arg(long, default_value_t = 5)]
    pub min_count: u64,
    /// Epochs.
    #[arg(long, default_value_t = 5)]
    pub epochs: usize,
    /// Extra arguments for `embedpos train word2vec` (e.g. `--no-shared-negatives`).
    #[arg(long, allow_hyphen_values = true)]
    pub ours_args: Option<String>,
    /// Skip word2vec C (reuse nothing; only ours is run and scored).
    #[arg(long)]
    pub only_ours: bool,
}

pub fn run(a: Args) -> Result {
    let corpus = plain_corpus(&a.corpus)?;
    let tokens = count_tokens(&corpus)?;
    let anchors = anchors()?;
    let python = anchors.join("venv/bin/python3");
    let w2v = anchors.join("venv/bin/word2vec");
    let ours_bin = embedpos_bin()?;
    let out = bench_dir()?;
    let threads = a.threads.to_string();
    let extra: Vec<String> = a
        .ours_args
        .as_deref()
        .map(|s| s.split_whitespace().map(String::from).collect())
        .unwrap_or_default();

    println!(
        "word2vec training on {} ({} tokens, {}), dim {}, window {}, negative {}, sample {}, min-count {}, {} epochs, {} threads, best of {}",
        corpus.display(),
        tokens,
        mb(std::fs::metadata(&corpus)?.len()),
        a.dim,
        a.window,
        a.negative,
        a.sample,
        a.min_count,
        a.epochs,
        a.threads,
        a.repeat.max(1)
    );
    let mut results: Vec<(String, Option<Row>, Row)> = Vec::new();
    for model in &a.models {
        let cbow = match model.as_str() {
            "skipgram" => "0",
            "cbow" => "1",
            other => return Err(format!("unknown model {other:?}: use skipgram or cbow").into()),
        };
        let theirs_out = out.join(format!("w2v-c-{model}.bin"));
        let ours_out = out.join(format!("w2v-embedpos-{model}.bin"));
        let (mut theirs, mut ours): (Option<Measured>, Option<Measured>) = (None, None);
        let (mut theirs_scores, mut ours_scores) = (Vec::new(), Vec::new());
        for round in 0..a.repeat.max(1) {
            if !a.only_ours {
                eprintln!("[{model} {}/{}] word2vec C ...", round + 1, a.repeat.max(1));
                let (t, sc) = run_scored(
                    Command::new(&w2v)
                        .arg("-train")
                        .arg(&corpus)
                        .arg("-output")
                        .arg(&theirs_out)
                        .args(["-cbow", cbow, "-hs", "0", "-binary", "1", "-debug", "0"])
                        .args(["-size", &a.dim.to_string()])
                        .args(["-window", &a.window.to_string()])
                        .args(["-negative", &a.negative.to_string()])
                        .args(["-sample", &a.sample])
                        .args(["-min-count", &a.min_count.to_string()])
                        .args(["-iter", &a.epochs.to_string()])
                        .args(["-threads", &threads])
                        .stdout(Stdio::null()),
                    &python,
                    &theirs_out,
                    true,
                )?;
                theirs_scores.push(sc);
                theirs = Some(best(theirs, t));
            }
            eprintln!("[{model} {}/{}] embedpos ...", round + 1, a.repeat.max(1));
            let (o, sc) = run_scored(
                Command::new(&ours_bin)
                    .args(["train", "word2vec", "--quiet", "--model", model])
                    .arg(&corpus)
                    .arg("-o")
                    .arg(&ours_out)
                    .args(["--dim", &a.dim.to_string()])
                    .args(["--window", &a.window.to_string()])
                    .args(["--negative", &a.negative.to_string()])
                    .args(["--sample", &a.sample])
                    .args(["--min-count", &a.min_count.to_string()])
                    .args(["--epochs", &a.epochs.to_string()])
                    .args(["--threads", &threads])
                    .args(&extra),
                &python,
                &ours_out,
                true,
            )?;
            ours_scores.push(sc);
            ours = Some(best(ours, o));
        }
        let ours = Row::of(ours, &ours_scores).ok_or("no run")?;
        let theirs = Row::of(theirs, &theirs_scores);
        results.push((model.clone(), theirs, ours));
    }

    let words = tokens as f64 * a.epochs as f64;
    println!();
    println!(
        "{:<9} {:<11} {:>9} {:>8} {:>9} {:>8} {:>7} {:>7} {:>6} {:>7} {:>7}",
        "model",
        "tool",
        "words/s",
        "wall s",
        "peak RSS",
        "analogy",
        "sem",
        "syn",
        "n",
        "WS353",
        "SimLex"
    );
    let mut failures = Vec::new();
    for (model, theirs, ours) in &results {
        for (name, r) in [("word2vec C", theirs.as_ref()), ("embedpos", Some(ours))] {
            let Some(r) = r else { continue };
            println!(
                "{:<9} {:<11} {:>8.0}k {:>8.1} {:>9} {:>8.4} {:>7.4} {:>7.4} {:>6} {:>7.4} {:>7.4}",
                model,
                name,
                words / r.m.wall.as_secs_f64() / 1e3,
                r.m.wall.as_secs_f64(),
                mb(r.m.peak_rss),
                r.s.analogy,
                r.s.sem,
                r.s.syn,
                r.s.n,
                r.s.ws353,
                r.s.simlex
            );
        }
        if let Some(t) = theirs {
            let speed = t.m.wall.as_secs_f64() / ours.m.wall.as_secs_f64();
            let rss = ours.m.peak_rss as f64 / t.m.peak_rss as f64;
            let need_speed = if model == "skipgram" { 2.0 } else { 1.5 };
            let checks = [
                (
                    format!("throughput {speed:.2}x (target >= {need_speed}x)"),
                    speed >= need_speed,
                ),
                (
                    format!(
                        "analogy {:+.4} (target >= -0.005)",
                        ours.s.analogy - t.s.analogy
                    ),
                    ours.s.analogy >= t.s.analogy - 0.005,
                ),
                (
                    format!("WS353 {:+.4} (target >= -0.01)", ours.s.ws353 - t.s.ws353),
                    ours.s.ws353 >= t.s.ws353 - 0.01,
                ),
                (
                    format!(
                        "SimLex {:+.4} (target >= -0.01)",
                        ours.s.simlex - t.s.simlex
                    ),
                    ours.s.simlex >= t.s.simlex - 0.01,
                ),
                (format!("peak RSS {rss:.2}x (target <= 0.5x)"), rss <= 0.5),
            ];
            let line: Vec<String> = checks
                .iter()
                .map(|(s, ok)| format!("{s} {}", if *ok { "ok" } else { "MISSED" }))
                .collect();
            println!("{model:<9} ratios: {}", line.join("; "));
            for (s, ok) in checks {
                if !ok {
                    failures.push(format!("{model}: {s}"));
                }
            }
        }
    }
    println!(
        "(words/s = corpus tokens x epochs / wall time of the whole run, vocabulary pass included; time and RSS: fastest of {} runs; scores: mean of the runs)",
        a.repeat.max(1)
    );
    if !failures.is_empty() {
        println!("targets missed: {}", failures.join("; "));
    }
    Ok(())
}

/// Whitespace-separated tokens of a plain-text file.
pub(super) fn count_tokens(path: &Path) -> Result<u64> {
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
