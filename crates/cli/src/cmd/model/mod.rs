//! `embedpos model`: train, evaluate and sample a tiny transformer
//! (`embedpos-model`). One module per subcommand; `progress` is the
//! training bar.

mod eval;
mod generate;
mod progress;
mod train;

use crate::{CliResult, Global};

/// Arguments of `embedpos model`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Train a language model (next token) or a sequence classifier on a
    /// corpus, from scratch, from word vectors, or resumed from a checkpoint.
    Train(Box<train::Args>),
    /// The held-out loss (and perplexity or accuracy) of a trained model on a corpus.
    Eval(eval::Args),
    /// Continue a prompt with a trained language model.
    Generate(generate::Args),
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    match args.command {
        Command::Train(a) => train::run(*a, g),
        Command::Eval(a) => eval::run(a, g),
        Command::Generate(a) => generate::run(a, g),
    }
}
