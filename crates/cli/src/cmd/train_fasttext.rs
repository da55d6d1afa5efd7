//! `embedpos train fasttext`: word2vec with character n-gram subwords.

use super::train::{threads, TrainOpts};
use crate::flag_hints::{explain, TrainFlags};
use crate::train_progress::TrainBar;
use crate::{CliResult, Global};
use embedpos_embed::train::{Defaults, FastText, FastTextConfig};
use embedpos_embed::Format;
use std::time::Instant;

/// Whose defaults apply to the options not given.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DefaultsArg {
    /// word2vec C's: CBOW, sample 1e-3, alpha 0.025 (skip-gram) / 0.05
    /// (CBOW), noise words ∝ count^0.75.
    Word2vec,
    /// fastText's: skip-gram, sample 1e-4, alpha 0.05, noise words
    /// ∝ count^0.5, lines cut every 1024 tokens; the corpus is read in
    /// shuffled blocks every epoch (--no-shuffle: in file order, as
    /// fastText reads it).
    Fasttext,
}

/// Arguments of `embedpos train fasttext`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    opts: TrainOpts,
    /// Shortest character n-gram.
    #[arg(long, default_value_t = 3)]
    minn: usize,
    /// Longest character n-gram (0: no n-grams).
    #[arg(long, default_value_t = 6)]
    maxn: usize,
    /// Number of hash buckets for the n-grams.
    #[arg(long, default_value_t = 2_000_000)]
    bucket: u32,
    /// Whose defaults fill the options not given: model, sample, alpha, the
    /// noise distribution and the reading order.
    #[arg(long, value_enum, default_value = "word2vec")]
    defaults: DefaultsArg,
}

/// Runs the subcommand.
///
/// Formats that hold only word vectors (.vec/.txt, .bin, ...) get the
/// composed vectors of the vocabulary words, as fastText's `.vec`; the dense
/// `bucket × dim` n-gram matrix is built only for `.epv`, the one format
/// that can carry subword rows.
pub fn run(a: Args, g: &Global) -> CliResult {
    let format = a.opts.format()?;
    let threads = threads(g);
    let defaults = match a.defaults {
        DefaultsArg::Word2vec => Defaults::Word2Vec,
        DefaultsArg::Fasttext => Defaults::FastText,
    };
    let base = FastTextConfig::with_defaults(defaults);
    let mut cfg = FastTextConfig {
        word2vec: a.opts.config(base.word2vec.clone(), threads),
        ..base
    };
    cfg.ngrams.minn = a.minn;
    cfg.ngrams.maxn = a.maxn;
    cfg.ngrams.bucket = a.bucket;
    let trainer = FastText::new(cfg)?;
    let started = Instant::now();
    let mut bar = TrainBar::new(g.quiet);
    let model = trainer
        .train_compact(&a.opts.corpus, &mut bar)
        .map_err(|e| explain(e, TrainFlags::default()))?;
    bar.finish();
    let trained = model.buckets().trained();
    let emb = if format == Format::Native {
        model.into_embeddings()?
    } else {
        model.into_parts().0
    };
    emb.save(&a.opts.output, format)?;
    if !g.quiet {
        let c = &trainer.config().word2vec;
        eprintln!(
            "{}: {} words × {} dimensions, {} of {} n-gram buckets trained ({}, {} {}, {} defaults, {} threads), {:.1} s in all",
            a.opts.output.display(),
            emb.len(),
            emb.dim(),
            trained,
            trainer.config().ngrams.bucket,
            format,
            c.model.name(),
            c.loss.name(),
            defaults.name(),
            threads,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
