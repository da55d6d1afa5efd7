//! `embedpos train`: learn word vectors from a corpus.

use crate::flag_hints::{explain, TrainFlags};
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
    /// fastText: word2vec where a word's input vector is the mean of its own
    /// row and its character n-gram rows, so unseen words get vectors too
    /// (word2vec's defaults unless --defaults fasttext).
    Fasttext(super::train_fasttext::Args),
    /// GloVe: co-occurrence counting in a memory budget, then AdaGrad
    /// weighted least squares (defaults are GloVe C's).
    Glove(super::train_glove::Args),
}

/// The architecture, as on word2vec's command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum ModelArg {
    /// Skip-gram (`-cbow 0`).
    Skipgram,
    /// Continuous bag of words (`-cbow 1`, the default).
    Cbow,
}

/// The output layer.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum LossArg {
    /// Negative sampling (`-negative N`, the default).
    Ns,
    /// Hierarchical softmax (`-hs 1 -negative 0`).
    Hs,
}

/// Arguments of `embedpos train word2vec`.
#[derive(Debug, clap::Args)]
struct Word2VecArgs {
    #[command(flatten)]
    opts: TrainOpts,
}

/// The options of word2vec training, shared by `train word2vec` and
/// `train fasttext`.
#[derive(Debug, clap::Args)]
pub(super) struct TrainOpts {
    /// Training text: files, directories, or `-` for standard input (.gz is
    /// read as is). One sentence or paragraph a line.
    #[arg(required = true)]
    pub corpus: Vec<PathBuf>,
    /// Output vectors. The format comes from the extension (.bin, .txt/.vec,
    /// .epv, .npy, .safetensors, .glove) unless --format is given. Written
    /// atomically: an interrupted run leaves an existing file untouched.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Output format: text, bin, glove, epv, npy, safetensors.
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
    /// Architecture [default: cbow; fastText's defaults: skipgram].
    #[arg(long, value_enum)]
    model: Option<ModelArg>,
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
    /// Subsampling threshold for frequent words, 0 = off [default: 1e-3;
    /// fastText's defaults: 1e-4].
    #[arg(long)]
    sample: Option<f64>,
    /// Drop words seen fewer times.
    #[arg(long, default_value_t = 5)]
    min_count: u64,
    /// Keep at most this many words (the most frequent).
    #[arg(long)]
    max_vocab: Option<usize>,
    /// Passes over the corpus (word2vec's -iter).
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// Starting learning rate (default 0.025 for skip-gram, 0.05 for CBOW;
    /// fastText's defaults: 0.05 for both).
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
    /// Read the corpus in a new random order of blocks of whole lines every
    /// epoch (the default for `train fasttext --defaults fasttext`).
    #[arg(long, overrides_with = "no_shuffle")]
    shuffle: bool,
    /// Read the corpus in file order every epoch, as word2vec C and
    /// fastText do.
    #[arg(long, overrides_with = "shuffle")]
    no_shuffle: bool,
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
        Algorithm::Word2vec(a) => word2vec(a.opts, g),
        Algorithm::Fasttext(a) => super::train_fasttext::run(a, g),
        Algorithm::Glove(a) => super::train_glove::run(a, g),
    }
}

impl TrainOpts {
    /// The output format: --format, or from the output's extension.
    pub(super) fn format(&self) -> CliResult<Format> {
        Ok(match self.format {
            Some(f) => f,
            None => Format::from_path(&self.output)?,
        })
    }

    /// `base` with every option given on the command line (and every
    /// option whose default is the same for word2vec and fastText) applied.
    pub(super) fn config(&self, base: Word2VecConfig, threads: usize) -> Word2VecConfig {
        Word2VecConfig {
            model: match self.model {
                Some(ModelArg::Skipgram) => Model::SkipGram,
                Some(ModelArg::Cbow) => Model::Cbow,
                None => base.model,
            },
            loss: match self.loss {
                LossArg::Ns => Loss::NegativeSampling,
                LossArg::Hs => Loss::HierarchicalSoftmax,
            },
            dim: self.dim,
            window: self.window,
            negative: self.negative,
            sample: self.sample.unwrap_or(base.sample),
            min_count: self.min_count,
            max_vocab: self.max_vocab,
            epochs: self.epochs,
            alpha: self.alpha.or(base.alpha),
            min_alpha: self.min_alpha,
            cbow_mean: !self.cbow_sum,
            shared_negatives: !self.no_shared_negatives,
            shuffle_blocks: if self.shuffle {
                true
            } else if self.no_shuffle {
                false
            } else {
                base.shuffle_blocks
            },
            threads,
            seed: self.seed,
            tokenizer: self.text.tokenizer(),
            ..base
        }
    }
}

/// The number of threads: --threads, or every core.
pub(super) fn threads(g: &Global) -> usize {
    g.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

fn word2vec(a: TrainOpts, g: &Global) -> CliResult {
    let format = a.format()?;
    let threads = threads(g);
    let cfg = a.config(Word2VecConfig::default(), threads);
    let trainer = Word2Vec::new(cfg)?;
    let started = Instant::now();
    let mut bar = TrainBar::new(g.quiet);
    let emb = trainer
        .train_with(&a.corpus, &mut bar)
        .map_err(|e| explain(e, TrainFlags::default()))?;
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
