//! `embedpos train fasttext`: word2vec with character n-gram subwords,
//! with fastText's defaults unless `--defaults word2vec`.

use super::common::{or_else, reported, show_defaults, Shown, TrainOpts};
use crate::train_progress::{TrainBar, Trainer};
use crate::{CliResult, Global};
use embedpos_embed::train::{Defaults, FastText, FastTextConfig};
use embedpos_embed::Format;
use std::time::Instant;

/// Whose defaults apply to the options not given.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DefaultsArg {
    /// fastText's, as `fasttext skipgram` has them (each option shows its
    /// value), with fastText's noise distribution and line length; the
    /// corpus is read in shuffled blocks every epoch (--no-shuffle: in file
    /// order, as fastText reads it).
    Fasttext,
    /// word2vec C's, as `train word2vec` has them, with word2vec's noise
    /// distribution.
    Word2vec,
}

impl From<DefaultsArg> for Defaults {
    fn from(d: DefaultsArg) -> Self {
        match d {
            DefaultsArg::Fasttext => Defaults::FastText,
            DefaultsArg::Word2vec => Defaults::Word2Vec,
        }
    }
}

/// Arguments of `embedpos train fasttext`.
#[derive(Debug, clap::Args)]
#[command(mut_args(show_defaults(shown())))]
pub struct Args {
    #[command(flatten)]
    opts: TrainOpts,
    /// Shortest character n-gram.
    #[arg(long)]
    minn: Option<usize>,
    /// Longest character n-gram (0: no n-grams).
    #[arg(long)]
    maxn: Option<usize>,
    /// Number of hash buckets for the n-grams.
    #[arg(long)]
    bucket: Option<u32>,
    /// Whose defaults fill the options not given: model, sample, alpha, the
    /// noise distribution and the reading order.
    #[arg(long, value_enum)]
    defaults: Option<DefaultsArg>,
}

/// The defaults `--help` shows: the library's (fastText's), and word2vec's
/// where `--defaults word2vec` changes them.
pub(super) fn shown() -> Shown {
    let of = |cfg: &FastTextConfig| -> Shown {
        let mut shown = TrainOpts::shown(&cfg.word2vec);
        shown.extend([
            ("minn", cfg.ngrams.minn.to_string()),
            ("maxn", cfg.ngrams.maxn.to_string()),
            ("bucket", cfg.ngrams.bucket.to_string()),
        ]);
        shown
    };
    let defaults = Defaults::default();
    let mut shown = or_else(
        of(&FastTextConfig::with_defaults(defaults)),
        &of(&FastTextConfig::with_defaults(Defaults::Word2Vec)),
        "--defaults word2vec",
    );
    shown.push(("defaults", defaults.name().to_string()));
    shown
}

impl Args {
    /// The defaults chosen: --defaults, or the library's (fastText's).
    fn defaults(&self) -> Defaults {
        self.defaults.map_or_else(Defaults::default, Defaults::from)
    }

    /// The chosen defaults with the options given applied, and `threads`
    /// worker threads.
    pub(super) fn config(&self, threads: usize) -> FastTextConfig {
        let base = FastTextConfig::with_defaults(self.defaults());
        let word2vec = self.opts.config(base.word2vec.clone(), threads);
        let mut cfg = FastTextConfig { word2vec, ..base };
        cfg.ngrams.minn = self.minn.unwrap_or(cfg.ngrams.minn);
        cfg.ngrams.maxn = self.maxn.unwrap_or(cfg.ngrams.maxn);
        cfg.ngrams.bucket = self.bucket.unwrap_or(cfg.ngrams.bucket);
        cfg
    }
}

/// Runs the subcommand.
///
/// Formats that hold only word vectors (.vec/.txt, .bin, ...) get the
/// composed vectors of the vocabulary words, as fastText's `.vec`; the dense
/// `bucket × dim` n-gram matrix is built only for `.epv`, the one format
/// that can carry subword rows.
pub fn run(a: Args, g: &Global) -> CliResult {
    let format = a.opts.common.format()?;
    let threads = g.threads();
    let trainer = FastText::new(a.config(threads)).map_err(reported)?;
    let started = Instant::now();
    let mut bar = TrainBar::new(Trainer::Word2Vec, g.quiet);
    let result = trainer.train_compact(&a.opts.corpus, &mut bar);
    bar.finish();
    let model = result.map_err(reported)?;
    let trained = model.buckets().trained();
    let emb = if format == Format::Native {
        model.into_embeddings()?
    } else {
        model.into_parts().0
    };
    let output = &a.opts.common.output;
    emb.save(output, format)?;
    if !g.quiet {
        let c = &trainer.config().word2vec;
        eprintln!(
            "{}: {} words × {} dimensions, {} of {} n-gram buckets trained ({}, {} {}, {} defaults, {} threads), {:.1} s in all",
            output.display(),
            emb.len(),
            emb.dim(),
            trained,
            trainer.config().ngrams.bucket,
            format,
            c.model.name(),
            c.loss.name(),
            a.defaults().name(),
            threads,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
