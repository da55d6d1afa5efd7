//! `embedpos eval analogy | pairs`: the standard intrinsic evaluations.

use super::analogy::Method;
use super::vectors_opts::{load, parse_format};
use crate::{CliResult, Global};
use embedpos_embed::{AnalogyConfig, Format, PairsConfig};
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

/// Arguments of `embedpos eval analogy`.
#[derive(Debug, clap::Args)]
struct AnalogyArgs {
    /// Word vectors (.bin, .txt/.vec, GloVe, .epv; the format is detected).
    vectors: PathBuf,
    /// The questions file.
    questions: PathBuf,
    /// Only the first N words are candidate answers; questions with other words are out of vocabulary.
    #[arg(long, default_value_t = 30_000)]
    restrict: usize,
    /// 3CosAdd (gensim's and word2vec's) or 3CosMul.
    #[arg(long, value_enum, default_value = "add")]
    method: Method,
    /// Compare words as written instead of upper-cased.
    #[arg(long)]
    case_sensitive: bool,
    /// Count out-of-vocabulary questions as wrong instead of skipping them.
    #[arg(long)]
    dummy4unknown: bool,
    /// Format of VECTORS (text, bin, glove, epv); default: detected.
    #[arg(long, value_parser = parse_format)]
    from: Option<Format>,
    /// Print one JSON object with the figures.
    #[arg(long)]
    json: bool,
}

/// Arguments of `embedpos eval pairs`.
#[derive(Debug, clap::Args)]
struct PairsArgs {
    /// Word vectors (.bin, .txt/.vec, GloVe, .epv; the format is detected).
    vectors: PathBuf,
    /// The pairs file (tab or space separated; `#` starts a comment line).
    pairs: PathBuf,
    /// Pairs with a word outside the first N words are out of vocabulary.
    #[arg(long, default_value_t = 300_000)]
    restrict: usize,
    /// Field separator (default: tab when the line has one, else whitespace).
    #[arg(long)]
    delimiter: Option<char>,
    /// Compare words as written instead of upper-cased.
    #[arg(long)]
    case_sensitive: bool,
    /// Give out-of-vocabulary pairs similarity 0 instead of skipping them.
    #[arg(long)]
    dummy4unknown: bool,
    /// Format of VECTORS (text, bin, glove, epv); default: detected.
    #[arg(long, value_parser = parse_format)]
    from: Option<Format>,
    /// Print one JSON object with the figures.
    #[arg(long)]
    json: bool,
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    match args.what {
        What::Analogy(a) => analogy(a, g),
        What::Pairs(a) => pairs(a, g),
    }
}

fn analogy(args: AnalogyArgs, g: &Global) -> CliResult {
    let emb = load(&args.vectors, args.from, g)?;
    let cfg = AnalogyConfig {
        restrict_vocab: args.restrict,
        case_insensitive: !args.case_sensitive,
        dummy4unknown: args.dummy4unknown,
        method: args.method.into(),
    };
    let r = emb.evaluate_analogies(&args.questions, &cfg)?;
    if args.json {
        println!("{}", serde_json::to_string(&r)?);
        return Ok(());
    }
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
        if args.dummy4unknown {
            ", counted wrong"
        } else {
            ", skipped"
        }
    );
    Ok(())
}

fn pairs(args: PairsArgs, g: &Global) -> CliResult {
    let emb = load(&args.vectors, args.from, g)?;
    let cfg = PairsConfig {
        restrict_vocab: args.restrict,
        case_insensitive: !args.case_sensitive,
        dummy4unknown: args.dummy4unknown,
        delimiter: args.delimiter,
    };
    let r = emb.evaluate_word_pairs(&args.pairs, &cfg)?;
    if args.json {
        println!("{}", serde_json::to_string(&r)?);
        return Ok(());
    }
    println!("spearman  {:.4}", r.spearman);
    println!("pearson   {:.4}", r.pearson);
    println!("pairs     {}", r.pairs);
    println!("oov       {} ({:.1}%)", r.oov, r.oov_ratio);
    Ok(())
}
