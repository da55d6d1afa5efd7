//! `embedpos`: the command-line face of the embedpos crates.
//!
//! This crate only parses arguments, renders progress and prints results; every
//! algorithm lives in a library crate (see DESIGN.md). One module per subcommand
//! under `cmd/`.

mod cmd;
mod flag_hints;
mod progress;
mod train_progress;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Result type of every subcommand: any library error, shown to the user as is.
pub type CliResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Options shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// Worker threads (default: all cores).
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    /// No progress bars and no summaries on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Parser)]
#[command(
    name = "embedpos",
    version,
    about = "Static word vectors, positional encodings and transformer inputs"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Normalise and split text into tokens, one line of tokens per input line.
    Tokenize(cmd::tokenize::Args),
    /// Count a vocabulary and write it as `token count` lines.
    Vocab(cmd::vocab::Args),
    /// Run the whole pipeline on the embedded synthetic corpus.
    Demo(cmd::demo::Args),
    /// Turn texts into transformer input tensors with word vectors and position encodings.
    Encode(cmd::encode::Args),
    /// Positional encodings: write tables, draw plots, analyse what they do.
    Posenc(cmd::posenc::Args),
    /// Nearest neighbours of words in a word-vector file.
    Similar(cmd::similar::Args),
    /// Solve an analogy "A is to B as C is to ?" with word vectors.
    Analogy(cmd::analogy::Args),
    /// Evaluate word vectors on analogy questions or word-pair similarities.
    Eval(cmd::eval::Args),
    /// Learn word vectors from a corpus (word2vec skip-gram/CBOW).
    Train(cmd::train::Args),
    /// Print the vectors of words (unseen words too, with a fastText model or an .epv with subwords).
    Vectors(cmd::vectors::Args),
    /// Convert word vectors between formats (word2vec text/binary, GloVe, .epv, .npy, safetensors).
    Convert(cmd::convert::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(n) = cli.global.threads {
        if n == 0 {
            eprintln!("error: --threads must be at least 1");
            return ExitCode::from(2);
        }
        // Ignored when a pool already exists; none does at this point.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let result = match cli.command {
        Command::Tokenize(a) => cmd::tokenize::run(a, &cli.global),
        Command::Vocab(a) => cmd::vocab::run(a, &cli.global),
        Command::Demo(a) => cmd::demo::run(a, &cli.global),
        Command::Encode(a) => cmd::encode::run(a, &cli.global),
        Command::Posenc(a) => cmd::posenc::run(a, &cli.global),
        Command::Similar(a) => cmd::similar::run(a, &cli.global),
        Command::Analogy(a) => cmd::analogy::run(a, &cli.global),
        Command::Eval(a) => cmd::eval::run(a, &cli.global),
        Command::Convert(a) => cmd::convert::run(a, &cli.global),
        Command::Vectors(a) => cmd::vectors::run(a, &cli.global),
        Command::Train(a) => cmd::train::run(a, &cli.global),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
