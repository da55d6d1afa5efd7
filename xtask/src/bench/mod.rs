//! `cargo xtask bench`: ours and the reference tools in one run, with ratios.

mod fasttext;
mod glove;
mod scores;
mod vocab;
mod word2vec;

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
    /// GloVe (counting + training) vs word2vec C skip-gram as the yardstick: time split, memory, accuracy.
    Glove(glove::Args),
    /// word2vec training (skip-gram and CBOW) vs word2vec C: speed, memory, accuracy.
    Word2vec(word2vec::Args),
    /// fastText training (subword skip-gram/CBOW) vs Debian's fasttext: speed, memory, accuracy.
    Fasttext(fasttext::Args),
}

pub fn run(args: Args) -> Result {
    match args.which {
        Which::Vocab(c) => vocab::run(c),
        Which::Glove(a) => glove::run(a),
        Which::Word2vec(a) => word2vec::run(a),
        Which::Fasttext(a) => fasttext::run(a),
    }
}
