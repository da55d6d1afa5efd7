//! `embedpos train`: learn word vectors from a corpus.

use crate::train_progress::TrainBar;
use crate::{CliResult, Global};
use embedpos_embed::train::{Loss, Model, Word2Vec, Word2VecConfig};
use embedpos_embed::Format;
use std::path::PathBuf;
use std::time::Instant;

use super::text_opts::TextOpts;
use super::vectors_opts::parse_format;

/// Arguments of `embedpos train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    algorithm: Algorithm,
}

#[derive(Debug, clap::Subcommand)]
enum Algorithm {
    /// word2vec: skip-gram or CBOW with negative sampling or hierarchical
    /// softmax (defaults are word2vec C's).
    Word2vec(Word2VecArgs),
    /// GloVe: co-occurrence counting in a memory budget, then AdaGrad
    /// weighted least squares (defaults are GloVe C's).
    Glove(super::train_glove::Args),
}

/// The architecture, as on word2vec's command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ModelArg {
    /// Skip-gram (`-cbow 0`).
    Skipgram,
    /// Continuous bag of words (`-cbow 1`, the default).
    Cbow,
}

/// The output layer.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LossArg {
    /// Negative sampling (`-negative N`, the default).
    Ns,
    /// Hierarchical softmax (`-hs 1 -negative 0`).
    Hs,
}

/// Arguments of `embedpos train word2vec`.
#[derive(Debug, clap::Args)]
struct Word2VecArgs {
    /// Training text: files, directories, or `-` for standard input (.gz is
    /// read as is). One sentence or paragraph a line.
    #[arg(required = true)]
    corpus: Vec<PathBuf>,
    /// Output vectors. The format comes from the extension (.bin, .txt/.vec,
    /// .epv, .npy, .safetensors, .glove) unless --format is given. Written
    /// atomically: an interrupted run leaves an existing file untouched.
    #[arg(short, long)]
    output: PathBuf,
    /// Output format: text, bin, glove, epv, npy, safetensors.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// Architecture.
    #[arg(long, value_enum, default_value = "cbow")]
    model: ModelArg,
    /// Output layer: negative sampling or hierarchical softmax.
    #[arg(long, value_enum, default_value = "ns")]
    loss: LossArg,
    /// Vector dimension (word2vec's -size).
    #[arg(long, default_value_t = 100)]
    dim: usize,
    /// Maximum distance between a word and its context words.
    #[arg(long, default_value_t = 5)]
    window: usize,
    /// Noise words per example with negative sampling.
    #[arg(long, default_value_t = 5)]
    negative: usize,
    /// Subsampling threshold for frequent words (0 = off).
    #[arg(long, default_value_t = 1e-3)]
    sample: f64,
    /// Drop words seen fewer times.
    #[arg(long, default_value_t = 5)]
    min_count: u64,
    /// Keep at most this many words (the most frequent).
    #[arg(long)]
    max_vocab: Option<usize>,
    /// Passes over the corpus (word2vec's -iter).
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// Starting learning rate (default 0.025 for skip-gram, 0.05 for CBOW).
    #[arg(long)]
    alpha: Option<f32>,
    /// Final learning rate (default: decay to alpha·1e-4 as word2vec does).
    #[arg(long)]
    min_alpha: Option<f32>,
    /// CBOW: sum the context vectors instead of averaging them.
    #[arg(long)]
    cbow_sum: bool,
    /// Skip-gram: draw noise words for every (word, context) pair as
    /// word2vec C does, instead of once per window (slower, same accuracy).
    #[arg(long)]
    no_shared_negatives: bool,
    /// Seed of the random number generators (with --threads 1 the output is
    /// reproducible bit for bit).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    text: TextOpts,
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    match args.algorithm {
        Algorithm::Word2vec(a) => word2vec(a, g),
        Algorithm::Glove(a) => super::train_glove::run(a, g),
    }
}

fn word2vec(a: Word2VecArgs, g: &Global) -> CliResult {
    let format = match a.format {
        Some(f) => f,
        None => Format::from_path(&a.output)?,
    };
    let threads = g.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let cfg = Word2VecConfig {
        model: match a.model {
            ModelArg::Skipgram => Model::SkipGram,
            ModelArg::Cbow => Model::Cbow,
        },
        loss: match a.loss {
            LossArg::Ns => Loss::NegativeSampling,
            LossArg::Hs => Loss::HierarchicalSoftmax,
        },
        dim: a.dim,
        window: a.window,
        negative: a.negative,
        sample: a.sample,
        min_count: a.min_count,
        max_vocab: a.max_vocab,
        epochs: a.epochs,
        alpha: a.alpha,
        min_alpha: a.min_alpha,
        cbow_mean: !a.cbow_sum,
        shared_negatives: !a.no_shared_negatives,
        threads,
        seed: a.seed,
        tokenizer: a.text.tokenizer(),
        ..Default::default()
    };
    let trainer = Word2Vec::new(cfg)?;
    let started = Instant::now();
    let mut bar = TrainBar::new(g.quiet);
    let emb = trainer.train_with(&a.corpus, &mut bar)?;
    bar.finish();
    emb.save(&a.output, format)?;
    if !g.quiet {
        eprintln!(
            "{}: {} words × {} dimensions ({}, {} {}, {} threads), {:.1} s in all",
            a.output.display(),
            emb.len(),
            emb.dim(),
            format,
            trainer.config().model.name(),
            trainer.config().loss.name(),
            threads,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
