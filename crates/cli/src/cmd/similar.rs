//! `embedpos similar`: nearest neighbours of words.

use super::vectors_opts::{load, parse_format, print_neighbors};
use crate::{CliResult, Global};
use embedpos_embed::Format;
use std::path::PathBuf;

/// Arguments of `embedpos similar`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Word vectors (.bin, .txt/.vec, GloVe, .epv, fastText .bin; the format is detected).
    /// With a fastText model or an .epv with subwords, unseen query words are
    /// accepted (their vector is built from their char n-grams).
    vectors: PathBuf,
    /// Query words: their unit vectors are averaged (minus the --negative ones).
    #[arg(required = true)]
    words: Vec<String>,
    /// How many neighbours to print.
    #[arg(long, default_value_t = 10)]
    topn: usize,
    /// Words to subtract from the query.
    #[arg(long, num_args = 1..)]
    negative: Vec<String>,
    /// Only the first N words of the file (the most frequent) are candidates.
    #[arg(long)]
    restrict: Option<usize>,
    /// Format of VECTORS (text, bin, glove, epv, fasttext); default: detected.
    #[arg(long, value_parser = parse_format)]
    from: Option<Format>,
    /// Print one JSON array of {id, word, similarity}.
    #[arg(long)]
    json: bool,
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    let emb = load(&args.vectors, args.from, g)?;
    let pos: Vec<&str> = args.words.iter().map(String::as_str).collect();
    let neg: Vec<&str> = args.negative.iter().map(String::as_str).collect();
    let list = emb.most_similar(&pos, &neg, args.topn, args.restrict)?;
    print_neighbors(&list, args.json)
}
