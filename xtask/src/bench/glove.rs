//! GloVe: `embedpos train glove` against GloVe C's pipeline (vocab_count,
//! cooccur, shuffle, glove), alternating in one run with the same settings
//! (GloVe's demo settings adapted: dim 100, window 10, x_max 10, 15
//! iterations, min-count 5, memory 0.4 GB). Reports the time of each stage
//! (GloVe C: measured per process, `count` = vocab_count + cooccur; ours:
//! from its `--report`), the whole wall time, the peak RSS (GloVe C: the
//! largest of its processes) and the scores of every run.

use super::anchors::Tool;
use super::runner::{self, Bench, Contender, Group, Output, Stage, Target};
use super::scores::Format;
use super::{fixed, Ctx, Training};
use crate::args;
use crate::util::Result;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Options of `cargo xtask bench glove`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub training: Training,
    /// Memory budget in GB for counting and shuffling (both tools).
    #[arg(long, default_value = "0.4")]
    pub memory: String,
    /// x_max of the weighting function.
    #[arg(long, default_value = "10")]
    pub x_max: String,
    /// Seed of the first run; run k uses seed + k - 1 (both tools).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Pass `--reshuffle` to ours (reshuffle the entries every epoch).
    #[arg(long)]
    pub reshuffle: bool,
    /// GloVe C's sources (a folder or a .tar.gz) to build it from when it
    /// is not built yet (default: $EMBEDPOS_GLOVE_SRC).
    #[arg(long, value_name = "DIR|TARBALL")]
    pub glove_src: Option<PathBuf>,
    /// Also run word2vec C skip-gram (dim 100, window 5, negative 5, sample
    /// 1e-4, 5 epochs) as a yardstick.
    #[arg(long)]
    pub yardstick: bool,
}

pub fn run(a: Args) -> Result {
    let mut needs = vec![Tool::GloveC, Tool::Gensim];
    if a.yardstick {
        needs.push(Tool::Word2vec);
    }
    let ctx = Ctx::new(&a.training.common, &needs, a.glove_src.clone(), 1)?;
    let t = &a.training;
    let (window, epochs) = (t.window.unwrap_or(10), t.epochs.unwrap_or(15));
    let threads = ctx.threads.to_string();

    // GloVe C: four processes, their files in a folder of their own.
    let c_tmp = ctx.out.join("glove-c-tmp");
    let c_prefix = ctx.out.join("glove-c");
    let glove_c = Contender::anchor("GloVe C", ctx.anchors.find(Tool::GloveC), {
        let (corpus, tmp, prefix) = (ctx.corpus.clone(), c_tmp.clone(), c_prefix.clone());
        let (memory, x_max, seed) = (a.memory.clone(), a.x_max.clone(), a.seed);
        let (dim, min_count, threads) = (t.dim, t.min_count, threads.clone());
        move |build: &Path, round| {
            fresh_dir(&tmp)?;
            let seed = (seed + round as u64).to_string();
            let prog = |name: &str| Command::new(build.join(name));
            let (vocab, cooc, shuf) = (
                tmp.join("vocab.txt"),
                tmp.join("cooccur.bin"),
                tmp.join("cooccur.shuf.bin"),
            );
            let mut count = prog("vocab_count");
            count.args(args!["-min-count", min_count.to_string(), "-verbose", "0"]);
            let mut cooccur = prog("cooccur");
            cooccur.args(args![
                "-memory",
                &memory,
                "-vocab-file",
                &vocab,
                "-window-size",
                window.to_string(),
                "-symmetric",
                "1",
                "-overflow-file",
                tmp.join("overflow"),
                "-verbose",
                "0",
            ]);
            let mut shuffle = prog("shuffle");
            shuffle.args(args![
                "-memory",
                &memory,
                "-temp-file",
                tmp.join("temp_shuffle"),
                "-seed",
                &seed,
                "-verbose",
                "0",
            ]);
            let mut train = prog("glove");
            train.args(args![
                "-input-file",
                &shuf,
                "-vocab-file",
                &vocab,
                "-save-file",
                &prefix,
                "-vector-size",
                dim.to_string(),
                "-iter",
                epochs.to_string(),
                "-x-max",
                &x_max,
                "-alpha",
                "0.75",
                "-eta",
                "0.05",
                "-model",
                "2",
                "-binary",
                "0",
                "-threads",
                &threads,
                "-seed",
                &seed,
                "-verbose",
                "0",
            ]);
            Ok(vec![
                Stage::new("count", count).stdin(&corpus).stdout(&vocab),
                Stage::new("count", cooccur).stdin(&corpus).stdout(&cooc),
                Stage::new("shuffle", shuffle).stdin(&cooc).stdout(&shuf),
                Stage::new("train", train),
            ])
        }
    })
    .scored(Output::Vectors(
        c_prefix.with_extension("txt"),
        Format::Glove,
    ))
    .after({
        let tmp = c_tmp.clone();
        // The co-occurrence files are large: keep them only while running.
        move |_| {
            fresh_dir(&tmp)?;
            Ok(Vec::new())
        }
    });

    // Ours: one process; its report splits the time into stages.
    let ours_out = ctx.out.join("glove-embedpos.bin");
    let report = ctx.out.join("glove-embedpos.json");
    let temp = ctx.out.join("glove-tmp");
    let mut ours_args = args![
        "--threads",
        &threads,
        "--quiet",
        "train",
        "glove",
        &ctx.corpus,
        "-o",
        &ours_out,
        "--dim",
        t.dim.to_string(),
        "--window",
        window.to_string(),
        "--symmetric",
        "true",
        "--x-max",
        &a.x_max,
        "--alpha",
        "0.75",
        "--eta",
        "0.05",
        "--vectors",
        "sum",
        "--epochs",
        epochs.to_string(),
        "--min-count",
        t.min_count.to_string(),
        "--memory",
        &a.memory,
        "--temp-dir",
        &temp,
        "--report",
        &report,
    ];
    if a.reshuffle {
        ours_args.push("--reshuffle".into());
    }
    ours_args.extend(ctx.ours_args.iter().map(Into::into));
    let ours = Contender::ours("embedpos", &ctx.ours_bin, {
        let (temp, seed) = (temp.clone(), a.seed);
        move |bin, round| {
            // Start empty: a run killed by a signal (which no program can
            // clean up after) may have left its spill folder behind.
            fresh_dir(&temp)?;
            let mut cmd = Command::new(bin);
            cmd.args(&ours_args)
                .args(["--seed", &(seed + round as u64).to_string()]);
            Ok(vec![Stage::new("", cmd)])
        }
    })
    .scored(Output::Vectors(ours_out, Format::Bin))
    .after(move |_| {
        let left = std::fs::read_dir(&temp)?.count();
        if left > 0 {
            return Err(format!("{left} temporary files left in {}", temp.display()).into());
        }
        stage_times(&report)
    });

    let mut contenders = vec![glove_c, ours];
    if a.yardstick {
        let w2v_out = ctx.out.join("w2v-c-skipgram-yardstick.bin");
        let w2v = args![
            "-train",
            &ctx.corpus,
            "-output",
            &w2v_out,
            "-cbow",
            "0",
            "-hs",
            "0",
            "-binary",
            "1",
            "-debug",
            "0",
            "-size",
            "100",
            "-window",
            "5",
            "-negative",
            "5",
            "-sample",
            "1e-4",
            "-iter",
            "5",
            "-min-count",
            t.min_count.to_string(),
            "-threads",
            &threads,
        ];
        contenders.push(
            Contender::anchor(
                "word2vec C sg (yardstick)",
                ctx.anchors.find(Tool::Word2vec),
                fixed(w2v),
            )
            .scored(Output::Vectors(w2v_out, Format::Bin)),
        );
    }
    // The bar for GloVe: at least 5x GloVe C's speed end to end, no more
    // memory than GloVe C at the same budget and no more than the budget
    // itself (GB = 2^30 bytes, as GloVe C counts), analogy within 0.003 and
    // WS353 within 0.005 of GloVe C's means.
    let mut targets = Target::parity(5.0, 1.0, &[("analogy", -0.003), ("ws353", -0.005)]);
    if let Ok(gb) = a.memory.parse::<f64>() {
        targets.push(Target::RssBytes((gb * (1u64 << 30) as f64) as u64));
    }
    let group = Group::new("glove", contenders).targets("GloVe C", targets);
    let bench = Bench {
        name: "glove",
        what: "GloVe".into(),
        settings: t.describe(window, epochs).into_iter().chain([
            ("x_max", json!(a.x_max)),
            ("memory GB", json!(a.memory)),
            ("first seed", json!(a.seed)),
            ("reshuffle", json!(a.reshuffle)),
        ])
        .collect(),
        groups: vec![group],
        notes: vec![
            "(GloVe C: count = vocab_count + cooccur, wall = the sum of its four processes, peak RSS = the largest of them; embedpos: stages from its --report)".into(),
        ],
    };
    runner::run(bench, &ctx)?.finish()
}

/// `dir`, emptied (created when missing).
fn fresh_dir(dir: &Path) -> Result {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    Ok(())
}

/// Our stage times from the JSON of `train glove --report`.
fn stage_times(report: &Path) -> Result<Vec<(&'static str, f64)>> {
    let text = std::fs::read_to_string(report)
        .map_err(|e| format!("no report {}: {e}", report.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("report {} is not JSON: {e}", report.display()))?;
    let mut out = Vec::new();
    for (label, key) in [
        ("count", "counting_s"),
        ("shuffle", "shuffling_s"),
        ("train", "training_s"),
    ] {
        if let Some(x) = v.get(key).and_then(|x| x.as_f64()) {
            out.push((label, x));
        }
    }
    Ok(out)
}
