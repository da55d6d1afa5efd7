//! `embedpos eval analogy | pairs`: the standard intrinsic evaluations.

use super::analogy::Method;
use super::vectors_opts::VectorsIn;
use crate::{CliResult, Global};
use embedpos_embed::{AnalogyConfig, Embeddings, PairsConfig};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `embedpos eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

/// Which evaluation.
#[derive(Debug, clap::Subcommand)]
enum What {
    /// Analogy questions (`: section` headers, then `a b c d` lines, as questions-words.txt).
    Analogy(AnalogyArgs),
    /// Word-pair similarity (`word word score` lines, as WordSim-353 or SimLex-999).
    Pairs(PairsArgs),
}

/// The options of both evaluations: the vectors, how words are matched,
/// what becomes of unknown words and how the figures are printed.
#[derive(Debug, clap::Args)]
struct Common {
    #[command(flatten)]
    vectors: VectorsIn,
    /// Compare words as written instead of upper-cased.
    #[arg(long)]
    case_sensitive: bool,
    /// Score out-of-vocabulary items instead of skipping them: an analogy
    /// question counts as wrong, a pair gets similarity 0.
    #[arg(long)]
    dummy4unknown: bool,
    /// Print one JSON object with the figures.
    #[arg(long)]
    json: bool,
}

impl Common {
    /// Loads the vectors, evaluates them and prints the report: as JSON
    /// with --json, else with `text`.
    fn report<R: Serialize>(
        &self,
        g: &Global,
        evaluate: impl FnOnce(&Embeddings) -> embedpos_embed::Result<R>,
        text: impl FnOnce(&R),
    ) -> CliResult {
        let report = evaluate(&self.vectors.load(g)?)?;
        if self.json {
            println!("{}", serde_json::to_string(&report)?);
        } else {
            text(&report);
        }
        Ok(())
    }
}

/// Arguments of `embedpos eval analogy`.
#[derive(Debug, clap::Args)]
struct AnalogyArgs {
    #[command(flatten)]
    common: Common,
    /// The questions file.
    questions: PathBuf,
    /// Only the first N words are candidate answers; questions with other words are out of vocabulary.
    #[arg(long, default_value_t = 30_000)]
    restrict: usize,
    /// 3CosAdd (gensim's and word2vec's) or 3CosMul.
    #[arg(long, value_enum, default_value = "add")]
    method: Method,
}

/// Arguments of `embedpos eval pairs`.
#[derive(Debug, clap::Args)]
struct PairsArgs {
    #[command(flatten)]
    common: Common,
    /// The pairs file (tab or space separated; `#` starts a comment line).
    pairs: PathBuf,
    /// Pairs with a word outside the first N words are out of vocabulary.
    #[arg(long, default_value_t = 300_000)]
    restrict: usize,
    /// Field separator (default: tab when the line has one, else whitespace).
    #[arg(long)]
    delimiter: Option<char>,
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    match args.what {
        What::Analogy(a) => analogy(a, g),
        What::Pairs(a) => pairs(a, g),
    }
}

fn analogy(args: AnalogyArgs, g: &Global) -> CliResult {
    let c = &args.common;
    let cfg = AnalogyConfig {
        restrict_vocab: args.restrict,
        case_insensitive: !c.case_sensitive,
        dummy4unknown: c.dummy4unknown,
        method: args.method.into(),
    };
    c.report(
        g,
        |emb| emb.evaluate_analogies(&args.questions, &cfg),
        |r| {
            let width = r
                .sections
                .iter()
                .map(|s| s.name.len())
                .max()
                .unwrap_or(0)
                .max(14);
            for s in r
                .sections
                .iter()
                .chain([&r.semantic, &r.syntactic, &r.total])
            {
                println!(
                    "{:width$}  {:>6}/{:<6}  {:6.2}%",
                    s.name,
                    s.correct,
                    s.total(),
                    100.0 * s.accuracy()
                );
            }
            println!(
                "out of vocabulary: {} of {} questions ({:.1}%){}",
                r.oov,
                r.questions,
                r.oov_ratio,
                if c.dummy4unknown {
                    ", counted wrong"
                } else {
                    ", skipped"
                }
            );
        },
    )
}

fn pairs(args: PairsArgs, g: &Global) -> CliResult {
    let c = &args.common;
    let cfg = PairsConfig {
        restrict_vocab: args.restrict,
        case_insensitive: !c.case_sensitive,
        dummy4unknown: c.dummy4unknown,
        delimiter: args.delimiter,
    };
    c.report(
        g,
        |emb| emb.evaluate_word_pairs(&args.pairs, &cfg),
        |r| {
            println!("spearman  {:.4}", r.spearman);
            println!("pearson   {:.4}", r.pearson);
            println!("pairs     {}", r.pairs);
            println!("oov       {} ({:.1}%)", r.oov, r.oov_ratio);
        },
    )
}
