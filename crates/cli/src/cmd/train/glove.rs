//! `embedpos train glove`: GloVe vectors from a corpus or a saved
//! co-occurrence matrix.

use super::common::{reported, show_defaults, Common, Shown};
use crate::cmd::text_opts::TextOpts;
use crate::errors::with_options;
use crate::train_progress::{TrainBar, Trainer};
use crate::{CliResult, Global};
use clap::ValueEnum;
use embedpos_embed::train::{GloVe, GloveConfig, GloveOutput, GloveReport};
use embedpos_embed::{Error, Format};
use std::path::PathBuf;
use std::time::{Duration, Instant};

mirror_enum! {
    /// Which vectors are written (GloVe C's `-model`).
    enum VectorsArg <=> GloveOutput {
        /// Word + context vectors, `w + w̃` (`-model 2`).
        Sum = WordPlusContext,
        /// Word vectors only, `w` (`-model 1`).
        Word = Word,
    }
}

/// Arguments of `embedpos train glove`. Defaults are GloVe C's.
#[derive(Debug, clap::Args)]
#[command(mut_args(show_defaults(shown(&GloveConfig::default()))))]
pub struct Args {
    /// Training text: files, directories, or `-` for standard input (.gz is
    /// read as is). Not needed with --cooccur.
    #[arg(required_unless_present = "cooccur")]
    corpus: Vec<PathBuf>,
    #[command(flatten)]
    common: Common,
    /// Vector dimension (GloVe's -vector-size).
    #[arg(long)]
    dim: Option<usize>,
    /// Context words counted on each side (-window-size).
    #[arg(long)]
    window: Option<usize>,
    /// Count both sides of each word (`--symmetric false`: only pairs
    /// (left, right), GloVe's -symmetric 0).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    symmetric: Option<bool>,
    /// Count every pair as 1 instead of 1/distance.
    #[arg(long)]
    no_distance_weighting: bool,
    /// Count at which the weight f(x) = min(1, (x/x_max)^alpha) saturates.
    #[arg(long)]
    x_max: Option<f64>,
    /// Exponent of the weighting function.
    #[arg(long)]
    alpha: Option<f64>,
    /// Passes over the non-zero co-occurrences (-iter).
    #[arg(long)]
    epochs: Option<usize>,
    /// AdaGrad learning rate.
    #[arg(long)]
    eta: Option<f64>,
    /// Clip each gradient component to ±this (GloVe C 1.2).
    #[arg(long)]
    grad_clip: Option<f64>,
    /// Shuffle the entries again before every epoch (GloVe C keeps one
    /// order); holds them in memory when they fit in --memory beside the
    /// parameters.
    #[arg(long)]
    reshuffle: bool,
    /// Vectors to write: word + context (`sum`) or word only.
    #[arg(long, value_enum)]
    vectors: Option<VectorsArg>,
    /// Memory budget in GB for the whole run; beyond it, counting and the
    /// shuffle go through temporary files (training always streams the
    /// shuffled entries from one).
    #[arg(long)]
    memory: Option<f64>,
    /// Folder for temporary files.
    #[arg(long)]
    temp_dir: Option<PathBuf>,
    /// Also save the co-occurrence matrix here, to train again with --cooccur.
    #[arg(long, conflicts_with = "cooccur")]
    save_cooccur: Option<PathBuf>,
    /// Train from a co-occurrence matrix saved with --save-cooccur instead of
    /// a corpus (its vocabulary and window are used).
    #[arg(long)]
    cooccur: Option<PathBuf>,
    /// Write a JSON summary of the run (sizes, timings, final cost) here.
    #[arg(long)]
    report: Option<PathBuf>,
    #[command(flatten)]
    text: TextOpts,
}

/// The defaults of the options in `base`, as `--help` shows them.
pub(super) fn shown(base: &GloveConfig) -> Shown {
    let vectors = VectorsArg::from(base.output)
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    let mut shown = vec![
        ("dim", base.dim.to_string()),
        ("window", base.window.to_string()),
        ("symmetric", base.symmetric.to_string()),
        ("x_max", base.x_max.to_string()),
        ("alpha", base.alpha.to_string()),
        ("epochs", base.epochs.to_string()),
        ("eta", base.eta.to_string()),
        ("grad_clip", base.grad_clip.to_string()),
        ("vectors", vectors),
        ("memory", base.memory_gb.to_string()),
        (
            "temp_dir",
            base.temp_dir.as_ref().map_or_else(
                || "the system temporary folder".to_string(),
                |p| p.display().to_string(),
            ),
        ),
    ];
    shown.extend(Common::shown(base.min_count, base.max_vocab, base.seed));
    shown
}

impl Args {
    /// GloVe C's defaults with every option given on the command line
    /// applied, and `threads` worker threads.
    pub(super) fn config(&self, threads: usize) -> GloveConfig {
        let base = GloveConfig::default();
        let c = &self.common;
        GloveConfig {
            min_count: c.min_count.unwrap_or(base.min_count),
            max_vocab: c.max_vocab.or(base.max_vocab),
            tokenizer: self.text.tokenizer(),
            dim: self.dim.unwrap_or(base.dim),
            window: self.window.unwrap_or(base.window),
            symmetric: self.symmetric.unwrap_or(base.symmetric),
            distance_weighting: base.distance_weighting && !self.no_distance_weighting,
            x_max: self.x_max.unwrap_or(base.x_max),
            alpha: self.alpha.unwrap_or(base.alpha),
            eta: self.eta.unwrap_or(base.eta),
            epochs: self.epochs.unwrap_or(base.epochs),
            grad_clip: self.grad_clip.unwrap_or(base.grad_clip),
            reshuffle: base.reshuffle || self.reshuffle,
            output: self.vectors.map_or(base.output, GloveOutput::from),
            memory_gb: self.memory.unwrap_or(base.memory_gb),
            threads,
            seed: c.seed.unwrap_or(base.seed),
            temp_dir: self.temp_dir.clone().or(base.temp_dir),
        }
    }
}

/// Runs the subcommand.
pub fn run(a: Args, g: &Global) -> CliResult {
    let format = a.common.format()?;
    if a.cooccur.is_some() && !a.corpus.is_empty() {
        return Err("give either a corpus or --cooccur FILE, not both".into());
    }
    let mut trainer = GloVe::new(a.config(g.threads())).map_err(reported)?;
    if let Some(p) = &a.save_cooccur {
        trainer = trainer.save_cooccurrences(p);
    }
    let started = Instant::now();
    let mut bar = TrainBar::new(Trainer::Glove, g.quiet);
    let result = match &a.cooccur {
        Some(path) => trainer.train_from_cooccurrences(path, &mut bar),
        None => trainer.train_with(&a.corpus, &mut bar),
    };
    bar.finish();
    let (emb, report) = result.map_err(|e| match &e {
        // A damaged saved matrix: the option that writes it again.
        Error::Corrupt { path, .. } | Error::Format { path, .. }
            if a.cooccur.as_deref() == Some(path.as_path()) =>
        {
            with_options(e, &["--save-cooccur"])
        }
        _ => reported(e),
    })?;
    emb.save(&a.common.output, format)?;
    let total = started.elapsed();
    if let Some(path) = &a.report {
        write_report(path, &report, total)?;
    }
    if !g.quiet {
        summarise(&a, &emb, &report, total, format);
    }
    Ok(())
}

fn summarise(
    a: &Args,
    emb: &embedpos_embed::Embeddings,
    r: &GloveReport,
    total: Duration,
    format: Format,
) {
    if let Some(c) = &r.cooccur {
        eprintln!(
            "co-occurrences: {} entries from {} window pairs ({:.1}% in the dense table, {} runs \
             spilled, {:.0} MB of temporary files)",
            r.entries,
            c.pairs,
            100.0 * c.dense_pairs as f64 / c.pairs.max(1) as f64,
            c.runs_written,
            c.spilled_bytes as f64 / 1e6
        );
    }
    eprintln!(
        "{}: {} words × {} dimensions ({format}); counting {:.1} s, shuffle {:.1} s, \
         training {:.1} s ({}), {:.1} s in all; final cost {:.4}{}",
        a.common.output.display(),
        emb.len(),
        emb.dim(),
        r.counting.as_secs_f64(),
        r.shuffling.as_secs_f64(),
        r.training.as_secs_f64(),
        if r.entries_in_memory {
            "entries in memory"
        } else {
            "entries streamed from disk"
        },
        total.as_secs_f64(),
        r.final_cost,
        if r.stopped { ", stopped early" } else { "" }
    );
}

fn write_report(path: &std::path::Path, r: &GloveReport, total: Duration) -> CliResult {
    let mut v = serde_json::to_value(r)?;
    if let Some(o) = v.as_object_mut() {
        for (k, d) in [
            ("counting", r.counting),
            ("shuffling", r.shuffling),
            ("training", r.training),
            ("total", total),
        ] {
            o.insert(format!("{k}_s"), serde_json::json!(d.as_secs_f64()));
            o.remove(k);
        }
    }
    let text = serde_json::to_string_pretty(&v)?;
    embedpos_base::write_atomic(path, |w| w.write_all(text.as_bytes()))?;
    Ok(())
}
