//! `embedpos train glove`: GloVe vectors from a corpus or a saved
//! co-occurrence matrix.

use super::text_opts::TextOpts;
use super::vectors_opts::parse_format;
use crate::flag_hints::{explain, TrainFlags};
use crate::{CliResult, Global};
use embedpos_embed::train::{
    EpochEnd, Finish, GloVe, GloveConfig, GloveOutput, GloveReport, Observer, Progress, VocabReport,
};
use embedpos_embed::Format;
use indicatif::{ProgressBar, ProgressStyle};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Which vectors are written (GloVe C's `-model`).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum VectorsArg {
    /// Word + context vectors, `w + w̃` (`-model 2`, the default).
    Sum,
    /// Word vectors only, `w` (`-model 1`).
    Word,
}

/// Arguments of `embedpos train glove`. Defaults are GloVe C's.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Training text: files, directories, or `-` for standard input (.gz is
    /// read as is). Not needed with --cooccur.
    #[arg(required_unless_present = "cooccur")]
    corpus: Vec<PathBuf>,
    /// Output vectors. The format comes from the extension (.bin, .txt/.vec,
    /// .epv, .npy, .safetensors, .glove) unless --format is given. Written
    /// atomically.
    #[arg(short, long)]
    output: PathBuf,
    /// Output format: text, bin, glove, epv, npy, safetensors.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// Vector dimension (GloVe's -vector-size).
    #[arg(long, default_value_t = 50)]
    dim: usize,
    /// Context words counted on each side (-window-size).
    #[arg(long, default_value_t = 15)]
    window: usize,
    /// Count both sides of each word (`--symmetric false`: only pairs
    /// (left, right), GloVe's -symmetric 0).
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    symmetric: bool,
    /// Count every pair as 1 instead of 1/distance.
    #[arg(long)]
    no_distance_weighting: bool,
    /// Count at which the weight f(x) = min(1, (x/x_max)^alpha) saturates.
    #[arg(long, default_value_t = 100.0)]
    x_max: f64,
    /// Exponent of the weighting function.
    #[arg(long, default_value_t = 0.75)]
    alpha: f64,
    /// Passes over the non-zero co-occurrences (-iter).
    #[arg(long, default_value_t = 25)]
    epochs: usize,
    /// AdaGrad learning rate.
    #[arg(long, default_value_t = 0.05)]
    eta: f64,
    /// Clip each gradient component to ±this (GloVe C 1.2).
    #[arg(long, default_value_t = 100.0)]
    grad_clip: f64,
    /// Shuffle the entries again before every epoch (GloVe C keeps one order).
    #[arg(long)]
    reshuffle: bool,
    /// Vectors to write: word + context (`sum`) or word only.
    #[arg(long, value_enum, default_value = "sum")]
    vectors: VectorsArg,
    /// Memory budget in GB for counting and shuffling; beyond it, sorted runs
    /// go to temporary files.
    #[arg(long, default_value_t = 4.0)]
    memory: f64,
    /// Folder for temporary files (default: the system temporary folder).
    #[arg(long)]
    temp_dir: Option<PathBuf>,
    /// Drop words seen fewer times.
    #[arg(long, default_value_t = 5)]
    min_count: u64,
    /// Keep at most this many words (the most frequent).
    #[arg(long)]
    max_vocab: Option<usize>,
    /// Seed of the initial vectors and the shuffle (with --threads 1 the
    /// output is reproducible bit for bit).
    #[arg(long, default_value_t = 1)]
    seed: u64,
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

/// Runs the subcommand.
pub fn run(a: Args, g: &Global) -> CliResult {
    let format = match a.format {
        Some(f) => f,
        None => Format::from_path(&a.output)?,
    };
    if a.cooccur.is_some() && !a.corpus.is_empty() {
        return Err("give either a corpus or --cooccur FILE, not both".into());
    }
    let threads = g.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let cfg = GloveConfig {
        min_count: a.min_count,
        max_vocab: a.max_vocab,
        tokenizer: a.text.tokenizer(),
        dim: a.dim,
        window: a.window,
        symmetric: a.symmetric,
        distance_weighting: !a.no_distance_weighting,
        x_max: a.x_max,
        alpha: a.alpha,
        eta: a.eta,
        epochs: a.epochs,
        grad_clip: a.grad_clip,
        reshuffle: a.reshuffle,
        output: match a.vectors {
            VectorsArg::Sum => GloveOutput::WordPlusContext,
            VectorsArg::Word => GloveOutput::Word,
        },
        memory_gb: a.memory,
        threads,
        seed: a.seed,
        temp_dir: a.temp_dir.clone(),
    };
    let mut trainer = GloVe::new(cfg)?;
    if let Some(p) = &a.save_cooccur {
        trainer = trainer.save_cooccurrences(p);
    }
    let started = Instant::now();
    let mut bar = GloveBar::new(g.quiet);
    let result = match &a.cooccur {
        Some(path) => trainer.train_from_cooccurrences(path, &mut bar),
        None => trainer.train_with(&a.corpus, &mut bar),
    };
    bar.bar.finish_and_clear();
    let flags = TrainFlags {
        temp_dir: true,
        cooccur: a.cooccur.as_deref(),
    };
    let (emb, report) = result.map_err(|e| explain(e, flags))?;
    emb.save(&a.output, format)?;
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
        "{}: {} words × {} dimensions ({format}); counting {:.1} s, shuffle {:.1} s ({}), \
         training {:.1} s, {:.1} s in all; final cost {:.4}{}",
        a.output.display(),
        emb.len(),
        emb.dim(),
        r.counting.as_secs_f64(),
        r.shuffling.as_secs_f64(),
        if r.entries_in_memory {
            "in memory"
        } else {
            "on disk"
        },
        r.training.as_secs_f64(),
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

/// A spinner while counting, then one bar over all epochs with the running
/// cost; one line per epoch (GloVe C's `iter: 001, cost: …`).
struct GloveBar {
    bar: ProgressBar,
    quiet: bool,
}

impl GloveBar {
    fn new(quiet: bool) -> Self {
        let bar =
            crate::train_progress::spinner(quiet, "counting the vocabulary and the co-occurrences");
        GloveBar { bar, quiet }
    }

    fn say(&self, line: String) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("{line}"));
        }
    }
}

impl Observer for GloveBar {
    fn on_vocab(&mut self, r: &VocabReport) {
        self.say(format!(
            "corpus: {} tokens; vocabulary {} words",
            r.tokens, r.vocab
        ));
        self.bar.disable_steady_tick();
        self.bar.set_length(1000);
        self.bar.set_position(0);
        if let Ok(style) = ProgressStyle::with_template(
            "epoch {prefix} [{elapsed_precise}] {wide_bar} {percent:>3}% {msg} ETA {eta}",
        ) {
            self.bar.set_style(style);
        }
        self.bar.set_message("");
        self.bar.reset_elapsed();
    }

    fn on_progress(&mut self, p: &Progress) -> ControlFlow<()> {
        self.bar.set_prefix(format!("{}/{}", p.epoch + 1, p.epochs));
        self.bar.set_position((p.fraction() * 1000.0) as u64);
        if !p.loss.is_nan() {
            self.bar.set_message(format!("cost {:.4}", p.loss));
        }
        ControlFlow::Continue(())
    }

    fn on_epoch_end(&mut self, e: &EpochEnd) -> ControlFlow<()> {
        self.say(format!(
            "iter: {:03}, cost: {:.6} ({} entries, {:.1} s)",
            e.epoch + 1,
            e.loss,
            e.pairs,
            e.elapsed.as_secs_f64()
        ));
        ControlFlow::Continue(())
    }

    fn on_finish(&mut self, _f: &Finish) {
        self.bar.finish_and_clear();
    }
}
