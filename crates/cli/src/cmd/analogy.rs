//! `embedpos analogy`: solve `A : B :: C : ?`.

use super::defaults::{show_defaults, value_name};
use super::vectors_opts::{NeighborOpts, VectorsIn};
use crate::{CliResult, Global};
use embedpos_embed::AnalogyMethod;

mirror_enum! {
    /// How the analogy is solved.
    pub enum Method <=> AnalogyMethod {
        /// 3CosAdd: nearest to B - A + C (Mikolov et al. 2013).
        Add = Add,
        /// 3CosMul: Levy & Goldberg (2014), less dominated by one large similarity.
        Mul = Mul,
    }
}

/// Arguments of `embedpos analogy`; the method defaults to
/// `AnalogyMethod::default()`.
#[derive(Debug, clap::Args)]
#[command(mut_args(show_defaults(vec![(
    "method",
    value_name(Method::from(AnalogyMethod::default())),
)])))]
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
    #[arg(long, value_enum)]
    method: Option<Method>,
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
    let method = args
        .method
        .map_or_else(AnalogyMethod::default, AnalogyMethod::from);
    let list = match method {
        AnalogyMethod::Add => emb.most_similar(&pos, &neg, args.topn, restrict)?,
        AnalogyMethod::Mul => emb.most_similar_cosmul(&pos, &neg, args.topn, restrict)?,
    };
    args.answers.print(&list)
}
