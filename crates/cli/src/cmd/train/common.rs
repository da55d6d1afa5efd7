//! What the trainers share: the output and vocabulary options of every
//! trainer, the word2vec options of `train word2vec` and `train fasttext`,
//! and the defaults shown in `--help`.
//!
//! Every option that has a default is an `Option` here and is filled from
//! the library's configuration (`Word2VecConfig::default()`,
//! `FastTextConfig::default()`, `GloveConfig::default()`), so each default
//! is written once, in the library; `--help` reads it from there too (see
//! `cmd::defaults`).

pub use crate::cmd::defaults::{or_else, show_defaults, Shown};
use crate::cmd::text_opts::TextOpts;
use crate::cmd::vectors_opts::OutputFormat;
use crate::errors::with_options;
use crate::{CliError, CliResult};
use embedpos_embed::train::{Loss, Model, Word2VecConfig};
use embedpos_embed::{Error, Format};
use std::fmt::Display;
use std::path::PathBuf;

fn show(value: impl Display) -> String {
    value.to_string()
}

/// A trainer's error as the command line reports it: with the option that
/// changes what it is about.
pub fn reported(e: Error) -> CliError {
    let budget;
    let options: &[&str] = match &e {
        Error::NoVocabulary { .. } => &["--min-count"],
        Error::MemoryBudget { min_gb, .. } => {
            budget = format!("give at least --memory {min_gb}");
            &[budget.as_str()]
        }
        Error::TempFiles { .. } => &["--temp-dir"],
        Error::Config(m) if m.starts_with("negative is 0") => &["--negative", "--loss hs"],
        _ => &[],
    };
    with_options(e, options)
}

/// The options of every trainer: where the vectors go, which words count,
/// the seed.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// Output vectors. The format comes from the extension (.bin, .txt/.vec,
    /// .epv, .npy, .safetensors, .glove) unless --format is given. Written
    /// atomically: an interrupted run leaves an existing file untouched.
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub format: OutputFormat,
    /// Drop words seen fewer times.
    #[arg(long)]
    pub min_count: Option<u64>,
    /// Keep at most this many words (the most frequent).
    #[arg(long)]
    pub max_vocab: Option<usize>,
    /// Seed of the random number generators (with --threads 1 the output is
    /// reproducible bit for bit).
    #[arg(long)]
    pub seed: Option<u64>,
}

impl Common {
    /// The output format: --format, or from the output's extension.
    pub fn format(&self) -> CliResult<Format> {
        self.format.of(&self.output)
    }

    /// The defaults of these options, as `--help` shows them.
    pub fn shown(min_count: u64, max_vocab: Option<usize>, seed: u64) -> Shown {
        vec![
            ("min_count", show(min_count)),
            ("max_vocab", max_vocab.map_or("no limit".into(), show)),
            ("seed", show(seed)),
        ]
    }
}

/// The architecture, as on word2vec's command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ModelArg {
    /// Skip-gram (`-cbow 0`).
    Skipgram,
    /// Continuous bag of words (`-cbow 1`).
    Cbow,
}

impl From<ModelArg> for Model {
    fn from(m: ModelArg) -> Self {
        match m {
            ModelArg::Skipgram => Model::SkipGram,
            ModelArg::Cbow => Model::Cbow,
        }
    }
}

/// The output layer.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LossArg {
    /// Negative sampling (`-negative N`).
    Ns,
    /// Hierarchical softmax (`-hs 1 -negative 0`).
    Hs,
}

impl From<LossArg> for Loss {
    fn from(l: LossArg) -> Self {
        match l {
            LossArg::Ns => Loss::NegativeSampling,
            LossArg::Hs => Loss::HierarchicalSoftmax,
        }
    }
}

/// The options of word2vec training, shared by `train word2vec` and
/// `train fasttext`; what is not given comes from the trainer's defaults.
#[derive(Debug, clap::Args)]
pub struct TrainOpts {
    /// Training text: files, directories, or `-` for standard input (.gz is
    /// read as is). One sentence or paragraph a line.
    #[arg(required = true)]
    pub corpus: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
    /// Architecture.
    #[arg(long, value_enum)]
    model: Option<ModelArg>,
    /// Output layer: negative sampling or hierarchical softmax.
    #[arg(long, value_enum)]
    loss: Option<LossArg>,
    /// Vector dimension (word2vec's -size).
    #[arg(long)]
    dim: Option<usize>,
    /// Maximum distance between a word and its context words.
    #[arg(long)]
    window: Option<usize>,
    /// Noise words per example with negative sampling.
    #[arg(long)]
    negative: Option<usize>,
    /// Subsampling threshold for frequent words, 0 = off.
    #[arg(long)]
    sample: Option<f64>,
    /// Passes over the corpus (word2vec's -iter).
    #[arg(long)]
    epochs: Option<usize>,
    /// Starting learning rate.
    #[arg(long)]
    alpha: Option<f32>,
    /// Final learning rate.
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
    /// epoch.
    #[arg(long, overrides_with = "no_shuffle")]
    shuffle: bool,
    /// Read the corpus in file order every epoch, as word2vec C and
    /// fastText do.
    #[arg(long, overrides_with = "shuffle")]
    no_shuffle: bool,
    #[command(flatten)]
    text: TextOpts,
}

impl TrainOpts {
    /// The defaults of these options in `base`, as `--help` shows them.
    pub fn shown(base: &Word2VecConfig) -> Shown {
        let alpha = match base.alpha {
            Some(a) => show(a),
            None => {
                let start = |model| {
                    Word2VecConfig {
                        model,
                        ..base.clone()
                    }
                    .start_alpha()
                };
                format!(
                    "{} for {}, {} for {}",
                    start(Model::Cbow),
                    Model::Cbow.name(),
                    start(Model::SkipGram),
                    Model::SkipGram.name()
                )
            }
        };
        let mut shown = vec![
            ("model", show(base.model.name())),
            ("loss", show(base.loss.name())),
            ("dim", show(base.dim)),
            ("window", show(base.window)),
            ("negative", show(base.negative)),
            ("sample", show(base.sample)),
            ("epochs", show(base.epochs)),
            ("alpha", alpha),
            (
                "min_alpha",
                base.min_alpha
                    .map_or("decay to alpha·1e-4 as word2vec does".into(), show),
            ),
            (
                "shuffle",
                show(if base.shuffle_blocks {
                    "shuffled blocks"
                } else {
                    "file order"
                }),
            ),
        ];
        shown.extend(Common::shown(base.min_count, base.max_vocab, base.seed));
        shown
    }

    /// `base` with every option given on the command line applied, and
    /// `threads` worker threads.
    pub fn config(&self, base: Word2VecConfig, threads: usize) -> Word2VecConfig {
        let c = &self.common;
        Word2VecConfig {
            model: self.model.map_or(base.model, Model::from),
            loss: self.loss.map_or(base.loss, Loss::from),
            dim: self.dim.unwrap_or(base.dim),
            window: self.window.unwrap_or(base.window),
            negative: self.negative.unwrap_or(base.negative),
            sample: self.sample.unwrap_or(base.sample),
            min_count: c.min_count.unwrap_or(base.min_count),
            max_vocab: c.max_vocab.or(base.max_vocab),
            epochs: self.epochs.unwrap_or(base.epochs),
            alpha: self.alpha.or(base.alpha),
            min_alpha: self.min_alpha.or(base.min_alpha),
            cbow_mean: base.cbow_mean && !self.cbow_sum,
            shared_negatives: base.shared_negatives && !self.no_shared_negatives,
            shuffle_blocks: (base.shuffle_blocks || self.shuffle) && !self.no_shuffle,
            threads,
            seed: c.seed.unwrap_or(base.seed),
            tokenizer: self.text.tokenizer(),
            ..base
        }
    }
}
