//! `cargo xtask bench`: ours and the reference tools in one run, with ratios.

mod vocab;

use crate::util::Result;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which benchmark.
    #[command(subcommand)]
    which: Which,
}

/// Options every benchmark takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// The corpus (`.gz` is decompressed once into target/bench).
    #[arg(long, default_value = "../shared/data/en-bench.txt.gz")]
    pub corpus: PathBuf,
    /// Threads for both tools.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Runs of each tool (alternating); the fastest is reported.
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
}

#[derive(Debug, clap::Subcommand)]
enum Which {
    /// Vocabulary counting vs `word2vec -save-vocab`, plus pre-tokenizer MB/s.
    Vocab(Common),
}

pub fn run(args: Args) -> Result {
    match args.which {
        Which::Vocab(c) => vocab::run(c),
    }
}
