//! `embedpos train`: learn word vectors from a corpus, one module per
//! algorithm; the options they share are in `common`.

mod common;
mod fasttext;
mod glove;
mod word2vec;

use crate::{CliResult, Global};

/// Arguments of `embedpos train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    algorithm: Algorithm,
}

#[derive(Debug, clap::Subcommand)]
enum Algorithm {
    /// word2vec: skip-gram or CBOW with negative sampling or hierarchical
    /// softmax (defaults are word2vec C's).
    Word2vec(word2vec::Args),
    /// fastText: word2vec where a word's input vector is the mean of its own
    /// row and its character n-gram rows, so unseen words get vectors too
    /// (defaults are fastText's unless --defaults word2vec).
    Fasttext(fasttext::Args),
    /// GloVe: co-occurrence counting in a memory budget, then AdaGrad
    /// weighted least squares (defaults are GloVe C's).
    Glove(glove::Args),
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    match args.algorithm {
        Algorithm::Word2vec(a) => word2vec::run(a, g),
        Algorithm::Fasttext(a) => fasttext::run(a, g),
        Algorithm::Glove(a) => glove::run(a, g),
    }
}

#[cfg(test)]
mod tests {
    use super::Algorithm;
    use crate::{Cli, Command};
    use clap::{CommandFactory, Parser};
    use embedpos_embed::train::GloveConfig;
    use embedpos_embed::train::{Defaults, FastTextConfig, Model, Word2VecConfig};

    const THREADS: usize = 3;

    fn parse(args: &[&str]) -> Algorithm {
        let argv = ["embedpos", "train"].iter().chain(args);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Train(t) => t.algorithm,
            _ => unreachable!("a train command"),
        }
    }

    fn help(algorithm: &str, id: &str) -> String {
        let mut cmd = Cli::command();
        let cmd = cmd
            .find_subcommand_mut("train")
            .and_then(|t| t.find_subcommand_mut(algorithm))
            .unwrap();
        cmd.build();
        let arg = cmd.get_arguments().find(|a| a.get_id() == id);
        let arg = arg.unwrap_or_else(|| panic!("train {algorithm} has no option {id}"));
        arg.get_help().map(|h| h.to_string()).unwrap_or_default()
    }

    #[test]
    fn the_command_tree_is_valid() {
        Cli::command().debug_assert();
    }

    /// The configuration `embedpos train ARGS` trains with, printed.
    fn config(args: &[&str]) -> String {
        match parse(args) {
            Algorithm::Word2vec(a) => format!("{:?}", a.config(THREADS)),
            Algorithm::Fasttext(a) => format!("{:?}", a.config(THREADS)),
            Algorithm::Glove(a) => format!("{:?}", a.config(THREADS)),
        }
    }

    #[test]
    fn no_option_given_is_the_library_default() {
        let w2v = Word2VecConfig {
            threads: THREADS,
            ..Word2VecConfig::default()
        };
        let fasttext = |mut c: FastTextConfig| {
            c.word2vec.threads = THREADS;
            format!("{c:?}")
        };
        let glove = GloveConfig {
            threads: THREADS,
            ..GloveConfig::default()
        };
        for (args, want) in [
            (&["word2vec"][..], format!("{w2v:?}")),
            (&["fasttext"], fasttext(FastTextConfig::default())),
            (
                &["fasttext", "--defaults", "fasttext"],
                fasttext(FastTextConfig::default()),
            ),
            (
                &["fasttext", "--defaults", "word2vec"],
                fasttext(FastTextConfig::with_defaults(Defaults::Word2Vec)),
            ),
            (&["glove"], format!("{glove:?}")),
        ] {
            let args = [args, &["c.txt", "-o", "v.txt"]].concat();
            assert_eq!(config(&args), want, "{args:?}");
        }
    }

    #[test]
    fn options_given_override_the_defaults() {
        let args = [
            "fasttext",
            "c.txt",
            "-o",
            "v.vec",
            "--model",
            "cbow",
            "--dim",
            "7",
            "--sample",
            "0",
            "--no-shuffle",
            "--maxn",
            "0",
            "--min-count",
            "1",
            "--seed",
            "9",
        ];
        let Algorithm::Fasttext(a) = parse(&args) else {
            panic!("not fasttext")
        };
        let c = a.config(THREADS);
        assert_eq!(c.word2vec.model, Model::Cbow);
        assert_eq!((c.word2vec.dim, c.word2vec.sample), (7, 0.0));
        assert!(!c.word2vec.shuffle_blocks);
        assert_eq!(
            (c.ngrams.maxn, c.word2vec.min_count, c.word2vec.seed),
            (0, 1, 9)
        );
        assert_eq!(c.word2vec.alpha, FastTextConfig::default().word2vec.alpha);
    }

    #[test]
    fn help_shows_the_library_defaults() {
        let w2v = Word2VecConfig::default();
        let ft = FastTextConfig::default().word2vec;
        let ft_w2v = FastTextConfig::with_defaults(Defaults::Word2Vec).word2vec;
        assert!(help("word2vec", "dim").ends_with(&format!("[default: {}]", w2v.dim)));
        assert!(help("word2vec", "model").ends_with(&format!("[default: {}]", w2v.model.name())));
        assert!(help("fasttext", "model").ends_with(&format!(
            "[default: {}; --defaults word2vec: {}]",
            ft.model.name(),
            ft_w2v.model.name()
        )));
        assert!(help("fasttext", "dim").ends_with(&format!("[default: {}]", ft.dim)));
        assert!(help("fasttext", "defaults").ends_with("[default: fasttext]"));
        let glove = GloveConfig::default();
        assert!(help("glove", "x_max").ends_with(&format!("[default: {}]", glove.x_max)));
        assert!(help("glove", "min_count").ends_with(&format!("[default: {}]", glove.min_count)));
        // Every option whose default is shown exists (a misspelt id would
        // silently show nothing).
        for (algorithm, shown) in [
            ("word2vec", super::common::TrainOpts::shown(&w2v)),
            ("fasttext", super::fasttext::shown()),
            ("glove", super::glove::shown(&glove)),
        ] {
            for (id, value) in shown {
                assert!(
                    help(algorithm, id).ends_with(&format!("[default: {value}]")),
                    "train {algorithm} --{id}: {}",
                    help(algorithm, id)
                );
            }
        }
    }
}
