//! fastText training: `embedpos train fasttext` against Debian's `fasttext`
//! binary, same corpus, same settings, one after the other in one run, both
//! `.vec` outputs scored by ../shared/bench/eval_vectors.py (gensim's
//! evaluators).

use super::scores::{run_scored, Row};
use super::word2vec::count_tokens;
use crate::util::{anchors, bench_dir, best, embedpos_bin, mb, plain_corpus, Measured, Result};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Options of `cargo xtask bench fasttext`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The corpus (`.gz` is decompressed once into target/bench).
    #[arg(long, default_value = "../shared/data/en-bench.txt.gz")]
    pub corpus: PathBuf,
    /// Threads for both tools.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Runs of each tool per model (alternating); the fastest run's time and
    /// memory are reported, the scores are averaged over all runs.
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
    /// Models to run, comma-separated: skipgram, cbow.
    #[arg(long, default_value = "skipgram", value_delimiter = ',')]
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
    /// Shortest n-gram.
    #[arg(long, default_value_t = 3)]
    pub minn: usize,
    /// Longest n-gram.
    #[arg(long, default_value_t = 6)]
    pub maxn: usize,
    /// Hash buckets.
    #[arg(long, default_value_t = 2_000_000)]
    pub bucket: u32,
    /// Extra arguments for `embedpos train fasttext` (e.g. `--no-shared-negatives`).
    #[arg(long, allow_hyphen_values = true)]
    pub ours_args: Option<String>,
    /// Skip fastText; only ours is run and scored.
    #[arg(long)]
    pub only_ours: bool,
}

pub fn run(a: Args) -> Result {
    let corpus = plain_corpus(&a.corpus)?;
    let tokens = count_tokens(&corpus)?;
    let python = anchors()?.join("venv/bin/python3");
    let fasttext = PathBuf::from("/usr/bin/fasttext");
    if !a.only_ours && !fasttext.exists() {
        return Err("/usr/bin/fasttext not found: install Debian's fasttext (apt-get install fasttext) or pass --only-ours".into());
    }
    let ours_bin = embedpos_bin()?;
    let out = bench_dir()?;
    let threads = a.threads.to_string();
    let extra: Vec<String> = a
        .ours_args
        .as_deref()
        .map(|s| s.split_whitespace().map(String::from).collect())
        .unwrap_or_default();

    println!(
        "fastText training on {} ({} tokens, {}), dim {}, window {}, negative {}, sample {}, min-count {}, {} epochs, minn {}, maxn {}, bucket {}, {} threads, best of {}",
        corpus.display(),
        tokens,
        mb(std::fs::metadata(&corpus)?.len()),
        a.dim,
        a.window,
        a.negative,
        a.sample,
        a.min_count,
        a.epochs,
        a.minn,
        a.maxn,
        a.bucket,
        a.threads,
        a.repeat.max(1)
    );
    let mut results: Vec<(String, Option<Row>, Row)> = Vec::new();
    for model in &a.models {
        if model != "skipgram" && model != "cbow" {
            return Err(format!("unknown model {model:?}: use skipgram or cbow").into());
        }
        let theirs_prefix = out.join(format!("ft-debian-{model}"));
        let theirs_out = theirs_prefix.with_extension("vec");
        let ours_out = out.join(format!("ft-embedpos-{model}.vec"));
        let (mut theirs, mut ours): (Option<Measured>, Option<Measured>) = (None, None);
        let (mut theirs_scores, mut ours_scores) = (Vec::new(), Vec::new());
        let rounds = a.repeat.max(1);
        for round in 0..rounds {
            if !a.only_ours {
                eprintln!("[{model} {}/{rounds}] fastText ...", round + 1);
                let (t, sc) = run_scored(
                    Command::new(&fasttext)
                        .arg(model)
                        .arg("-input")
                        .arg(&corpus)
                        .arg("-output")
                        .arg(&theirs_prefix)
                        .args(["-dim", &a.dim.to_string()])
                        .args(["-ws", &a.window.to_string()])
                        .args(["-neg", &a.negative.to_string()])
                        .args(["-t", &a.sample])
                        .args(["-minCount", &a.min_count.to_string()])
                        .args(["-epoch", &a.epochs.to_string()])
                        .args(["-thread", &threads])
                        .args(["-minn", &a.minn.to_string()])
                        .args(["-maxn", &a.maxn.to_string()])
                        .args(["-bucket", &a.bucket.to_string()])
                        .args(["-verbose", "0"])
                        .stdout(Stdio::null()),
                    &python,
                    &theirs_out,
                    false,
                )?;
                theirs_scores.push(sc);
                theirs = Some(best(theirs, t));
            }
            eprintln!("[{model} {}/{rounds}] embedpos ...", round + 1);
            let (o, sc) = run_scored(
                Command::new(&ours_bin)
                    .args(["train", "fasttext", "--quiet", "--defaults", "fasttext"])
                    .args(["--model", model])
                    .arg(&corpus)
                    .arg("-o")
                    .arg(&ours_out)
                    .args(["--dim", &a.dim.to_string()])
                    .args(["--window", &a.window.to_string()])
                    .args(["--negative", &a.negative.to_string()])
                    .args(["--sample", &a.sample])
                    .args(["--min-count", &a.min_count.to_string()])
                    .args(["--epochs", &a.epochs.to_string()])
                    .args(["--minn", &a.minn.to_string()])
                    .args(["--maxn", &a.maxn.to_string()])
                    .args(["--bucket", &a.bucket.to_string()])
                    .args(["--threads", &threads])
                    .args(&extra),
                &python,
                &ours_out,
                false,
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
        "{:<9} {:<9} {:>9} {:>8} {:>8} {:>9} {:>8} {:>7} {:>7} {:>6} {:>7} {:>7}",
        "model",
        "tool",
        "words/s",
        "wall s",
        "cpu s",
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
        for (name, r) in [("fastText", theirs.as_ref()), ("embedpos", Some(ours))] {
            let Some(r) = r else { continue };
            println!(
                "{:<9} {:<9} {:>8.0}k {:>8.1} {:>8.1} {:>9} {:>8.4} {:>7.4} {:>7.4} {:>6} {:>7.4} {:>7.4}",
                model,
                name,
                words / r.m.wall.as_secs_f64() / 1e3,
                r.m.wall.as_secs_f64(),
                r.m.cpu.as_secs_f64(),
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
            let checks = [
                (
                    format!("throughput {speed:.2}x (target >= 1.5x)"),
                    speed >= 1.5,
                ),
                (
                    format!(
                        "analogy {:+.4} (target >= -0.01)",
                        ours.s.analogy - t.s.analogy
                    ),
                    ours.s.analogy >= t.s.analogy - 0.01,
                ),
                (
                    format!("syntactic {:+.4} (target >= -0.01)", ours.s.syn - t.s.syn),
                    ours.s.syn >= t.s.syn - 0.01,
                ),
                (
                    format!("WS353 {:+.4} (target >= -0.01)", ours.s.ws353 - t.s.ws353),
                    ours.s.ws353 >= t.s.ws353 - 0.01,
                ),
                (format!("peak RSS {rss:.2}x (target <= 1x)"), rss <= 1.0),
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
        "(words/s = corpus tokens x epochs / wall time of the whole run, vocabulary pass included; fastText writes .bin and .vec, embedpos .vec only; time and RSS: fastest of {} runs; scores: mean of the runs)",
        a.repeat.max(1)
    );
    if !failures.is_empty() {
        println!("targets missed: {}", failures.join("; "));
    }
    Ok(())
}
