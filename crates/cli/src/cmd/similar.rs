//! `embedpos similar`: nearest neighbours of words.

use super::vectors_opts::{NeighborOpts, VectorsIn};
use crate::{CliResult, Global};

/// Arguments of `embedpos similar`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    vectors: VectorsIn,
    /// Query words: their unit vectors are averaged (minus the --negative ones).
    #[arg(required = true)]
    words: Vec<String>,
    /// How many neighbours to print.
    #[arg(long, default_value_t = 10)]
    topn: usize,
    /// Words to subtract from the query.
    #[arg(long, num_args = 1..)]
    negative: Vec<String>,
    #[command(flatten)]
    answers: NeighborOpts,
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    let emb = args.vectors.load(g)?;
    let pos: Vec<&str> = args.words.iter().map(String::as_str).collect();
    let neg: Vec<&str> = args.negative.iter().map(String::as_str).collect();
    let list = emb.most_similar(&pos, &neg, args.topn, args.answers.restrict)?;
    args.answers.print(&list)
}
