//! `embedpos train word2vec`: skip-gram or CBOW with word2vec C's defaults.

use super::common::{reported, show_defaults, TrainOpts};
use crate::train_progress::{TrainBar, Trainer};
use crate::{CliResult, Global};
use embedpos_embed::train::{Word2Vec, Word2VecConfig};
use std::time::Instant;

/// Arguments of `embedpos train word2vec`.
#[derive(Debug, clap::Args)]
#[command(mut_args(show_defaults(TrainOpts::shown(&Word2VecConfig::default()))))]
pub struct Args {
    #[command(flatten)]
    opts: TrainOpts,
}

impl Args {
    /// word2vec C's defaults with the options given applied, and `threads`
    /// worker threads.
    pub(super) fn config(&self, threads: usize) -> Word2VecConfig {
        self.opts.config(Word2VecConfig::default(), threads)
    }
}

/// Runs the subcommand.
pub fn run(a: Args, g: &Global) -> CliResult {
    let format = a.opts.common.format()?;
    let threads = g.threads();
    let trainer = Word2Vec::new(a.config(threads)).map_err(reported)?;
    let a = a.opts;
    let started = Instant::now();
    let mut bar = TrainBar::new(Trainer::Word2Vec, g.quiet);
    let result = trainer.train_with(&a.corpus, &mut bar);
    bar.finish();
    let emb = result.map_err(reported)?;
    emb.save(&a.common.output, format)?;
    if !g.quiet {
        eprintln!(
            "{}: {} words × {} dimensions ({}, {} {}, {} threads), {:.1} s in all",
            a.common.output.display(),
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
