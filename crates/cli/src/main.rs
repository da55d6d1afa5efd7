//! `embedpos`: the command-line face of the embedpos crates.
//!
//! This crate only parses arguments, renders progress and prints results; every
//! algorithm lives in a library crate (see `docs/ARCHITECTURE.md`). One module
//! per subcommand under `cmd/` (the trainers under `cmd/train/`); beside them
//! `threads` (the `--threads` count and the rayon pool), `errors` (library
//! errors with the option to change), `progress` and `train_progress` (the
//! bars).

#![forbid(unsafe_code)]

mod cmd;
mod errors;
mod progress;
mod threads;
mod train_progress;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The error of every subcommand: any library error, shown to the user as is.
pub type CliError = Box<dyn std::error::Error + Send + Sync>;

/// Result type of every subcommand.
pub type CliResult<T = ()> = Result<T, CliError>;

/// Options shared by every subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// Worker threads (default: all cores).
    #[arg(long, global = true, value_parser = threads::parse)]
    pub threads: Option<usize>,
    /// No progress bars and no summaries on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

impl Global {
    /// The number of worker threads: --threads, or every core.
    pub fn threads(&self) -> usize {
        threads::resolve(self.threads)
    }
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
    /// Byte-level BPE (GPT-2, tiktoken, Hugging Face): train, encode, decode, convert.
    Bpe(cmd::bpe::Args),
    /// Learn phrases (word2phrase, gensim's npmi) and join them in text: `new york` -> `new_york`.
    Phrases(cmd::phrases::Args),
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
    /// Learn word vectors from a corpus: word2vec, fastText or GloVe.
    Train(cmd::train::Args),
    /// Print the vectors of words (unseen words too, with a fastText model or an .epv with subwords).
    Vectors(cmd::vectors::Args),
    /// Convert word vectors between formats (word2vec text/binary, GloVe, .epv, .npy, safetensors).
    Convert(cmd::convert::Args),
    /// Train, evaluate and sample a tiny transformer (language model or classifier).
    Model(cmd::model::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = threads::init(cli.global.threads).and_then(|()| run(cli));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Tokenize(a) => cmd::tokenize::run(a, &cli.global),
        Command::Vocab(a) => cmd::vocab::run(a, &cli.global),
        Command::Bpe(a) => cmd::bpe::run(a, &cli.global),
        Command::Phrases(a) => cmd::phrases::run(a, &cli.global),
        Command::Demo(a) => cmd::demo::run(a, &cli.global),
        Command::Encode(a) => cmd::encode::run(a, &cli.global),
        Command::Posenc(a) => cmd::posenc::run(a, &cli.global),
        Command::Similar(a) => cmd::similar::run(a, &cli.global),
        Command::Analogy(a) => cmd::analogy::run(a, &cli.global),
        Command::Eval(a) => cmd::eval::run(a, &cli.global),
        Command::Convert(a) => cmd::convert::run(a, &cli.global),
        Command::Vectors(a) => cmd::vectors::run(a, &cli.global),
        Command::Train(a) => cmd::train::run(a, &cli.global),
        Command::Model(a) => cmd::model::run(a, &cli.global),
    }
}
