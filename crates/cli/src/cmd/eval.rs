//! `embedpos eval analogy | pairs`: the standard intrinsic evaluations.

use super::analogy::Method;
use super::defaults::{show_defaults, value_name, Shown};
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

/// Arguments of `embedpos eval analogy`; what is not given comes from
/// `AnalogyConfig::default()`.
#[derive(Debug, clap::Args)]
#[command(mut_args(show_defaults(AnalogyArgs::shown(&AnalogyConfig::default()))))]
struct AnalogyArgs {
    #[command(flatten)]
    common: Common,
    /// The questions file.
    questions: PathBuf,
    /// Only the first N words are candidate answers; questions with other words are out of vocabulary.
    #[arg(long)]
    restrict: Option<usize>,
    /// 3CosAdd (gensim's and word2vec's) or 3CosMul.
    #[arg(long, value_enum)]
    method: Option<Method>,
}

/// Arguments of `embedpos eval pairs`; what is not given comes from
/// `PairsConfig::default()`.
#[derive(Debug, clap::Args)]
#[command(mut_args(show_defaults(PairsArgs::shown(&PairsConfig::default()))))]
struct PairsArgs {
    #[command(flatten)]
    common: Common,
    /// The pairs file (tab or space separated; `#` starts a comment line).
    pairs: PathBuf,
    /// Pairs with a word outside the first N words are out of vocabulary.
    #[arg(long)]
    restrict: Option<usize>,
    /// Field separator (default: tab when the line has one, else whitespace).
    #[arg(long)]
    delimiter: Option<char>,
}

impl AnalogyArgs {
    /// The defaults of the options in `base`, as `--help` shows them.
    fn shown(base: &AnalogyConfig) -> Shown {
        vec![
            ("restrict", base.restrict_vocab.to_string()),
            ("method", value_name(Method::from(base.method))),
        ]
    }

    /// `AnalogyConfig::default()` with the options given applied.
    fn config(&self) -> AnalogyConfig {
        let base = AnalogyConfig::default();
        let c = &self.common;
        AnalogyConfig {
            restrict_vocab: self.restrict.unwrap_or(base.restrict_vocab),
            case_insensitive: base.case_insensitive && !c.case_sensitive,
            dummy4unknown: base.dummy4unknown || c.dummy4unknown,
            method: self.method.map_or(base.method, Into::into),
        }
    }
}

impl PairsArgs {
    /// The defaults of the options in `base`, as `--help` shows them.
    fn shown(base: &PairsConfig) -> Shown {
        vec![("restrict", base.restrict_vocab.to_string())]
    }

    /// `PairsConfig::default()` with the options given applied.
    fn config(&self) -> PairsConfig {
        let base = PairsConfig::default();
        let c = &self.common;
        PairsConfig {
            restrict_vocab: self.restrict.unwrap_or(base.restrict_vocab),
            case_insensitive: base.case_insensitive && !c.case_sensitive,
            dummy4unknown: base.dummy4unknown || c.dummy4unknown,
            delimiter: self.delimiter.or(base.delimiter),
        }
    }
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
    let cfg = args.config();
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
                if cfg.dummy4unknown {
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
    let cfg = args.config();
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

#[cfg(test)]
mod tests {
    use super::{AnalogyArgs, PairsArgs, What};
    use crate::cmd::defaults::tests::{assert_shown, parse};
    use crate::Command;
    use embedpos_embed::{AnalogyConfig, AnalogyMethod, PairsConfig};

    fn what(argv: &[&str]) -> What {
        match parse(&[&["eval"], argv].concat()) {
            Command::Eval(a) => a.what,
            _ => unreachable!("an eval command"),
        }
    }

    fn analogy(argv: &[&str]) -> AnalogyConfig {
        match what(&[&["analogy", "v.txt", "q.txt"], argv].concat()) {
            What::Analogy(a) => a.config(),
            What::Pairs(_) => unreachable!("eval analogy"),
        }
    }

    fn pairs(argv: &[&str]) -> PairsConfig {
        match what(&[&["pairs", "v.txt", "p.txt"], argv].concat()) {
            What::Pairs(a) => a.config(),
            What::Analogy(_) => unreachable!("eval pairs"),
        }
    }

    #[test]
    fn no_option_given_is_the_library_default() {
        assert_eq!(analogy(&[]), AnalogyConfig::default());
        assert_eq!(pairs(&[]), PairsConfig::default());
    }

    #[test]
    fn options_given_override_the_defaults() {
        let flags = ["--case-sensitive", "--dummy4unknown", "--restrict", "7"];
        let a = analogy(&[&flags[..], &["--method", "mul"]].concat());
        let want = AnalogyConfig {
            restrict_vocab: 7,
            case_insensitive: false,
            dummy4unknown: true,
            method: AnalogyMethod::Mul,
        };
        assert_eq!(a, want);
        let p = pairs(&[&flags[..], &["--delimiter", ","]].concat());
        let want = PairsConfig {
            restrict_vocab: 7,
            case_insensitive: false,
            dummy4unknown: true,
            delimiter: Some(','),
        };
        assert_eq!(p, want);
    }

    #[test]
    fn help_shows_the_library_defaults() {
        let analogy = AnalogyArgs::shown(&AnalogyConfig::default());
        assert_shown(&["eval", "analogy"], &analogy);
        assert_shown(
            &["eval", "pairs"],
            &PairsArgs::shown(&PairsConfig::default()),
        );
        assert!(analogy.iter().any(|(id, v)| *id == "method" && v == "add"));
    }
}
