//! `embedpos analogy`: solve `A : B :: C : ?`.

use super::vectors_opts::{NeighborOpts, VectorsIn};
use crate::{CliResult, Global};
use embedpos_embed::AnalogyMethod;

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
    #[command(flatten)]
    vectors: VectorsIn,
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
    #[command(flatten)]
    answers: NeighborOpts,
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    let emb = args.vectors.load(g)?;
    let (pos, neg) = ([args.b.as_str(), args.c.as_str()], [args.a.as_str()]);
    let restrict = args.answers.restrict;
    let list = match AnalogyMethod::from(args.method) {
        AnalogyMethod::Add => emb.most_similar(&pos, &neg, args.topn, restrict)?,
        AnalogyMethod::Mul => emb.most_similar_cosmul(&pos, &neg, args.topn, restrict)?,
    };
    args.answers.print(&list)
}
