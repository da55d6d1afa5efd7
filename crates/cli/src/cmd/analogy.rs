//! `embedpos analogy`: solve `A : B :: C : ?`.

use super::vectors_opts::{load, parse_format, print_neighbors};
use crate::{CliResult, Global};
use embedpos_embed::{AnalogyMethod, Format};
use std::path::PathBuf;

/// How the analogy is solved.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Method {
    /// 3CosAdd: nearest to B - A + C (Mikolov et al. 2013).
    Add,
    /// 3CosMul: Levy & Goldberg (2014), less dominated by one large similarity.
    Mul,
}

impl From<Method> for AnalogyMethod {
    fn from(m: Method) -> Self {
        match m {
            Method::Add => AnalogyMethod::Add,
            Method::Mul => AnalogyMethod::Mul,
        }
    }
}

/// Arguments of `embedpos analogy`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Word vectors (.bin, .txt/.vec, GloVe, .epv, fastText .bin; the format is detected).
    /// With a fastText model or an .epv with subwords, unseen query words are
    /// accepted (their vector is built from their char n-grams).
    vectors: PathBuf,
    /// A in "A is to B as C is to ?" (e.g. man).
    a: String,
    /// B (e.g. king).
    b: String,
    /// C (e.g. woman).
    c: String,
    /// 3CosAdd or 3CosMul.
    #[arg(long, value_enum, default_value = "add")]
    method: Method,
    /// How many answers to print.
    #[arg(long, default_value_t = 5)]
    topn: usize,
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
    let (pos, neg) = ([args.b.as_str(), args.c.as_str()], [args.a.as_str()]);
    let list = match AnalogyMethod::from(args.method) {
        AnalogyMethod::Add => emb.most_similar(&pos, &neg, args.topn, args.restrict)?,
        AnalogyMethod::Mul => emb.most_similar_cosmul(&pos, &neg, args.topn, args.restrict)?,
    };
    print_neighbors(&list, args.json)
}
