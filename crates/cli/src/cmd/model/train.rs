//! `embedpos model train`: corpus (and word vectors) → a trained model in a
//! checkpoint folder.

use std::path::PathBuf;

use embedpos_input::{
    embedding_from_vectors, AbsoluteConfig, BiasConfig, RotaryConfig, TokenEmbedding,
};
use embedpos_model::{
    load_trainer, read_examples, read_token_stream, AdamWConfig, Dataset, Head, Model, ModelConfig,
    Pooling, TrainConfig, TrainData, Trainer,
};
use embedpos_posenc::{Layout, Pairing};
use embedpos_tokenize::{count_corpus, CorpusReader, VocabConfig};

use super::progress::ModelBar;
use crate::cmd::defaults::{show_defaults, value_name, Shown};
use crate::cmd::text_opts::TextOpts;
use crate::cmd::vectors_opts::parse_format;
use crate::errors::with_options;
use crate::{CliResult, Global};

mirror_enum! {
    /// What the model learns.
    pub enum TaskArg <=> Task {
        /// Next-token prediction on a token stream (one document a line).
        Lm = Lm,
        /// Sequence classification on `LABEL<TAB>TEXT` lines.
        Classify = Classify,
    }
}

/// The task, as the library's head kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// A language model.
    Lm,
    /// A classifier.
    Classify,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PeArg {
    /// No absolute encoding.
    None,
    /// The fixed sinusoidal table, sin/cos interleaved (Vaswani et al.).
    Sinusoidal,
    /// The sinusoidal table with all sines first, then all cosines.
    SinusoidalConcat,
    /// A learned table (GPT-2, BERT).
    Learned,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RopeArg {
    /// No RoPE.
    None,
    /// Half-split pairs (i, i + r/2): GPT-NeoX, Llama.
    Neox,
    /// Interleaved pairs (2i, 2i + 1): GPT-J, RoFormer.
    Gptj,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum BiasArg {
    /// No bias.
    None,
    /// ALiBi linear biases.
    Alibi,
    /// T5 relative buckets (a learned table per block).
    T5,
}

mirror_enum! {
    enum PoolingArg <=> Pooling {
        /// Mean of the real tokens.
        Mean = Mean,
        /// First real token.
        First = First,
        /// Last real token.
        Last = Last,
    }
}

/// Arguments of `embedpos model train`; what is not given comes from
/// `ModelConfig::default()` and `TrainConfig::default()`.
#[derive(Debug, clap::Args)]
#[command(mut_args(show_defaults(shown())))]
pub struct Args {
    /// What to learn.
    #[arg(long, value_enum)]
    task: TaskArg,
    /// Text files (or folders, .gz, - for stdin): one document a line for
    /// lm, LABEL<TAB>TEXT lines for classify.
    #[arg(required = true)]
    corpus: Vec<PathBuf>,
    /// Checkpoint folder to write (atomically; an existing checkpoint there
    /// is replaced).
    #[arg(short, long)]
    output: PathBuf,
    /// Resume the run saved in this checkpoint folder on the same corpus
    /// (its architecture and settings; --steps may raise the last step).
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Word vectors for the token embedding (rows of the words they lack are
    /// drawn); a width other than --d-model goes through a learned projection.
    #[arg(long)]
    vectors: Option<PathBuf>,
    /// Format of --vectors; default: detected.
    #[arg(long, value_parser = parse_format)]
    vectors_format: Option<embedpos_embed::Format>,
    /// Keep the token vectors fixed (and a tied head with them).
    #[arg(long)]
    freeze: bool,
    /// Absolute position encoding at the input.
    #[arg(long, value_enum)]
    pe: Option<PeArg>,
    /// Multiply the token vectors by sqrt(d_model) before adding positions
    /// (the Transformer paper's pairing with --pe sinusoidal, whose values
    /// are of order 1 while fresh token rows are of order 0.02).
    #[arg(long)]
    scale_embeddings: bool,
    /// RoPE on every block's queries and keys.
    #[arg(long, value_enum)]
    rope: Option<RopeArg>,
    /// Bias on every block's attention logits.
    #[arg(long, value_enum)]
    bias: Option<BiasArg>,
    /// Transformer blocks.
    #[arg(long)]
    layers: Option<usize>,
    /// Width of the model (default with --vectors: their width).
    #[arg(long)]
    d_model: Option<usize>,
    /// Attention heads (must divide d_model).
    #[arg(long)]
    heads: Option<usize>,
    /// Width of the MLP (default: 4 × d_model).
    #[arg(long)]
    d_ff: Option<usize>,
    /// Context length: tokens per window (lm) or longest sequence (classify).
    #[arg(long)]
    context: Option<usize>,
    /// Dropout of the embedding and of each residual branch.
    #[arg(long)]
    dropout: Option<f64>,
    /// A language-model head of its own instead of the token table.
    #[arg(long)]
    untied: bool,
    /// Pooling of a classifier.
    #[arg(long, value_enum)]
    pooling: Option<PoolingArg>,
    /// Causal attention for a classifier (a language model always is).
    #[arg(long)]
    causal: bool,
    /// Optimiser steps.
    #[arg(long)]
    steps: Option<u64>,
    /// Sequences per step.
    #[arg(long)]
    batch_size: Option<usize>,
    /// Peak learning rate.
    #[arg(long)]
    lr: Option<f64>,
    /// Learning rate at the end of the cosine decay.
    #[arg(long)]
    min_lr: Option<f64>,
    /// Steps of linear warm-up.
    #[arg(long)]
    warmup: Option<u64>,
    /// AdamW's decoupled weight decay (not on biases and LayerNorm).
    #[arg(long)]
    weight_decay: Option<f64>,
    /// Clip the gradient norm to this; 0 turns clipping off.
    #[arg(long)]
    clip: Option<f64>,
    /// Fraction of the corpus held out for evaluation (the end of the stream
    /// for lm, a seeded sample of lines for classify).
    #[arg(long, default_value_t = 0.1)]
    eval_fraction: f64,
    /// Evaluate every this many steps (and at the end); 0: at the end only.
    #[arg(long)]
    eval_every: Option<u64>,
    /// Stop after this step (the schedule still spans --steps): a later
    /// --resume continues exactly as the uninterrupted run would.
    #[arg(long)]
    stop_after: Option<u64>,
    /// Write a checkpoint every this many steps (and at the end).
    #[arg(long, default_value_t = 0)]
    checkpoint_every: u64,
    /// Drop words seen fewer times from the vocabulary.
    #[arg(long, default_value_t = 1)]
    min_count: u64,
    /// Keep at most this many words (the most frequent).
    #[arg(long)]
    max_vocab: Option<usize>,
    /// Seed of the weights, the dropout masks and the batches (the run is
    /// reproducible bit for bit, whatever --threads).
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    text: TextOpts,
}

/// The defaults of the options, as `--help` shows them.
fn shown() -> Shown {
    let m = ModelConfig::default();
    let t = TrainConfig::default();
    vec![
        ("pe", value_name(PeArg::Learned)),
        ("rope", value_name(RopeArg::None)),
        ("bias", value_name(BiasArg::None)),
        ("layers", m.layers.to_string()),
        ("d_model", m.d_model.to_string()),
        ("heads", m.heads.to_string()),
        ("context", m.batch.max_len.to_string()),
        ("dropout", m.dropout.to_string()),
        ("pooling", value_name(PoolingArg::from(Pooling::default()))),
        ("steps", t.steps.to_string()),
        ("batch_size", t.batch_size.to_string()),
        ("lr", t.optimizer.lr.to_string()),
        ("min_lr", t.min_lr.to_string()),
        ("warmup", t.warmup_steps.to_string()),
        ("weight_decay", t.optimizer.weight_decay.to_string()),
        ("clip", t.grad_clip.map_or("0".into(), |c| c.to_string())),
        ("eval_every", t.eval_every.to_string()),
        ("seed", m.seed.to_string()),
    ]
}

impl Args {
    /// `ModelConfig::default()` with the options given applied; `classes` for
    /// a classifier, `vector_dim` when word vectors are used.
    fn model_config(&self, classes: usize, vector_dim: Option<usize>) -> ModelConfig {
        let base = ModelConfig::default();
        let d_model = self.d_model.or(vector_dim).unwrap_or(base.d_model);
        let task: Task = self.task.into();
        ModelConfig {
            d_model,
            layers: self.layers.unwrap_or(base.layers),
            heads: self.heads.unwrap_or(base.heads),
            d_ff: self.d_ff.or(base.d_ff),
            causal: task == Task::Lm || self.causal,
            positions: match self.pe {
                None => base.positions,
                Some(PeArg::None) => AbsoluteConfig::None,
                Some(PeArg::Sinusoidal) => AbsoluteConfig::sinusoidal(),
                Some(PeArg::SinusoidalConcat) => AbsoluteConfig::Sinusoidal {
                    base: 10000.0,
                    layout: Layout::Concatenated,
                },
                Some(PeArg::Learned) => AbsoluteConfig::Learned {
                    max_positions: None,
                },
            },
            rope: match self.rope {
                None => base.rope,
                Some(RopeArg::None) => None,
                Some(RopeArg::Neox) => Some(RotaryConfig::default()),
                Some(RopeArg::Gptj) => Some(RotaryConfig {
                    pairing: Pairing::Interleaved,
                    ..Default::default()
                }),
            },
            bias: match self.bias {
                None => base.bias,
                Some(BiasArg::None) => BiasConfig::None,
                Some(BiasArg::Alibi) => BiasConfig::Alibi,
                Some(BiasArg::T5) => BiasConfig::t5(),
            },
            dropout: self.dropout.unwrap_or(base.dropout),
            scale_embeddings: base.scale_embeddings || self.scale_embeddings,
            freeze_embeddings: self.freeze,
            head: match task {
                Task::Lm => Head::Lm {
                    tie_embeddings: !self.untied,
                },
                Task::Classify => Head::Classify {
                    classes,
                    pooling: self.pooling.map_or(Pooling::default(), Into::into),
                },
            },
            batch: embedpos_input::BatchConfig {
                max_len: self.context.unwrap_or(base.batch.max_len),
                overflow: embedpos_input::Overflow::Truncate,
                ..base.batch
            },
            tokenizer: self.text.tokenizer(),
            seed: self.seed.unwrap_or(base.seed),
            ..base
        }
    }

    /// `TrainConfig::default()` with the options given applied.
    fn train_config(&self) -> TrainConfig {
        let base = TrainConfig::default();
        TrainConfig {
            steps: self.steps.unwrap_or(base.steps),
            batch_size: self.batch_size.unwrap_or(base.batch_size),
            optimizer: AdamWConfig {
                lr: self.lr.unwrap_or(base.optimizer.lr),
                weight_decay: self.weight_decay.unwrap_or(base.optimizer.weight_decay),
                ..base.optimizer
            },
            warmup_steps: self.warmup.unwrap_or(base.warmup_steps),
            min_lr: self.min_lr.unwrap_or(base.min_lr),
            grad_clip: match self.clip {
                None => base.grad_clip,
                Some(0.0) => None,
                Some(c) => Some(c),
            },
            eval_every: self.eval_every.unwrap_or(base.eval_every),
            seed: self.seed.unwrap_or(base.seed),
            ..base
        }
    }
}

/// Runs `embedpos model train`.
pub fn run(args: Args, g: &Global) -> CliResult {
    if args.text.tokenizer.is_some() {
        return Err(
            "--tokenizer is not supported by `model train` yet: a checkpoint keeps the \
                    normaliser and pre-tokeniser settings but not a tokenizer model, so `model \
                    eval` and `model generate` could not split text as training did; train on \
                    text written by `embedpos tokenize --tokenizer FILE` instead"
                .into(),
        );
    }
    let mut trainer = match &args.resume {
        Some(dir) => {
            let mut t: Trainer = load_trainer(dir)?;
            if let Some(s) = args.steps {
                t.set_steps(s);
            }
            if !g.quiet {
                eprintln!(
                    "resuming {} at step {} of {}",
                    dir.display(),
                    t.step(),
                    t.config().steps
                );
            }
            t
        }
        None => new_trainer(&args, g)?,
    };
    let data = read_data(&args, &trainer, g)?;
    if !g.quiet {
        let m = trainer.model();
        eprintln!(
            "model: {} parameters, {} blocks, d_model {}, {} heads, vocabulary {}; {} threads",
            m.num_params(),
            m.config().layers,
            m.config().d_model,
            m.config().heads,
            m.vocab_size(),
            g.threads()
        );
    }
    let checkpoint =
        (args.checkpoint_every > 0).then(|| (args.output.clone(), args.checkpoint_every));
    let mut bar = ModelBar::new(trainer.step(), trainer.config().steps, g.quiet, checkpoint);
    bar.stop_after = args.stop_after;
    let result = trainer.run(&data, &mut bar);
    if let Some(e) = bar.error.take() {
        return Err(e.into());
    }
    result.map_err(|e| with_options(e, &["--lr", "--warmup", "--clip"]))?;
    trainer.state().save(&args.output)?;
    if !g.quiet {
        eprintln!("wrote {}", args.output.display());
    }
    Ok(())
}

/// A fresh model (its vocabulary counted on the corpus, its rows from
/// --vectors when given) and trainer.
fn new_trainer(args: &Args, g: &Global) -> CliResult<Trainer> {
    let tokenizer = args.text.tokenizer();
    let task: Task = args.task.into();
    let vocab_config = VocabConfig {
        min_count: args.min_count,
        max_size: args.max_vocab,
        ..Default::default()
    };
    let (vocab, classes) = match task {
        Task::Lm => {
            let mut reader = CorpusReader::open(&args.corpus)?;
            let (vocab, _) = count_corpus(&mut reader, &tokenizer, &vocab_config, g.threads())?;
            (vocab, 0)
        }
        Task::Classify => {
            // the vocabulary of the texts, not of the labels
            let mut reader = CorpusReader::open(&args.corpus)?;
            let (mut line, mut texts, mut labels) = (String::new(), String::new(), Vec::new());
            while reader.read_line(&mut line)? {
                if let Some((label, text)) = line.split_once('\t') {
                    labels.push(label.trim().to_string());
                    texts.push_str(text);
                    texts.push('\n');
                }
                line.clear();
            }
            labels.sort();
            labels.dedup();
            let mut r = CorpusReader::from_reader("the texts", std::io::Cursor::new(texts));
            let (vocab, _) = count_corpus(&mut r, &tokenizer, &vocab_config, g.threads())?;
            (vocab, labels.len())
        }
    };
    let vectors = match &args.vectors {
        Some(p) => Some(embedpos_embed::Embeddings::load(p, args.vectors_format)?),
        None => None,
    };
    let mut config = args.model_config(classes, vectors.as_ref().map(|v| v.dim()));
    let embedding: TokenEmbedding = match &vectors {
        Some(v) => {
            let e = embedding_from_vectors(v, Some(&vocab), config.seed)?;
            if !g.quiet {
                let r = e.report();
                eprintln!(
                    "token rows: {} from the vectors, {} from subwords, {} drawn (e.g. {:?})",
                    r.from_vectors, r.from_subwords, r.missing, r.missing_examples
                );
            }
            e
        }
        None => TokenEmbedding::random(&vocab, config.d_model, config.init_std, config.seed)?,
    };
    if task == Task::Classify {
        let (_, names, _) = read_examples(&args.corpus, &tokenizer, embedding.vocab(), None)?;
        config.labels = names;
    }
    if !g.quiet {
        eprintln!("vocabulary: {} tokens (specials included)", embedding.len());
    }
    let model = Model::new(config, embedding).map_err(reported)?;
    Trainer::new(model, args.train_config()).map_err(reported)
}

/// A library error with the options that change what it is about: the
/// setting a message starts with (`heads = 5 is invalid: …`) names them.
fn reported(e: embedpos_model::Error) -> crate::CliError {
    let message = e.to_string();
    let setting = message.split(" = ").next().unwrap_or("");
    let options: &[&str] = match setting {
        "heads" | "d_model" => &["--heads", "--d-model"],
        "rotary_dim" | "head_dim" => &["--rope", "--heads", "--d-model"],
        "positions.max_positions" | "max_len" | "seq_len" => &["--context"],
        "head.tie_embeddings" => &["--untied", "--d-model"],
        "causal" => &["--task"],
        "dropout" => &["--dropout"],
        "lr" | "min_lr" => &["--lr", "--min-lr"],
        "weight_decay" => &["--weight-decay"],
        "grad_clip" => &["--clip"],
        "batch_size" => &["--batch-size"],
        "layers" => &["--layers"],
        "d_ff" => &["--d-ff"],
        _ => &[],
    };
    with_options(e, options)
}

/// The corpus as training and held-out data for the model's head.
fn read_data(args: &Args, trainer: &Trainer, g: &Global) -> CliResult<TrainData> {
    let model = trainer.model();
    let tokenizer = model.config().tokenizer.clone();
    let data = match model.config().head {
        Head::Lm { .. } => {
            let (ids, stats) = read_token_stream(&args.corpus, &tokenizer, model.vocab())?;
            if !g.quiet {
                eprintln!(
                    "corpus: {} lines, {} tokens ({} unknown)",
                    stats.lines, stats.tokens, stats.unknown
                );
            }
            Dataset::Tokens(ids)
        }
        Head::Classify { .. } => {
            let labels = &model.config().labels;
            let (ex, _, stats) = read_examples(
                &args.corpus,
                &tokenizer,
                model.vocab(),
                (!labels.is_empty()).then_some(labels.as_slice()),
            )?;
            if !g.quiet {
                eprintln!(
                    "corpus: {} examples, {} tokens ({} unknown), classes {labels:?}",
                    stats.lines, stats.tokens, stats.unknown
                );
            }
            Dataset::Examples(ex)
        }
    };
    if args.eval_fraction > 0.0 {
        let (train, eval) = data.split(args.eval_fraction, trainer.config().seed)?;
        Ok(TrainData {
            train,
            eval: (!eval.is_empty()).then_some(eval),
        })
    } else {
        Ok(TrainData {
            train: data,
            eval: None,
        })
    }
}
