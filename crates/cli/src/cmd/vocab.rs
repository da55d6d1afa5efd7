//! `embedpos vocab`: count a vocabulary.

use super::defaults::{show_defaults, Shown};
use super::text_opts::TextOpts;
use crate::progress::ByteProgress;
use crate::{CliResult, Global};
use embedpos_tokenize::{count_corpus, CorpusReader, VocabConfig};
use std::path::PathBuf;

/// Output format of the vocabulary.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum VocabFormat {
    /// `token count` lines, as `word2vec -save-vocab` writes.
    Text,
    /// The native binary codec.
    Native,
}

/// Arguments of `embedpos vocab`; what is not given comes from
/// `VocabConfig::default()`.
#[derive(Debug, clap::Args)]
#[command(mut_args(show_defaults(shown(&VocabConfig::default()))))]
pub struct Args {
    #[command(flatten)]
    text: TextOpts,
    /// Drop tokens seen fewer times.
    #[arg(long)]
    min_count: Option<u64>,
    /// Keep at most this many tokens (the most frequent).
    #[arg(long)]
    max_size: Option<usize>,
    /// Prune the rarest tokens while counting when more distinct tokens than this are held.
    #[arg(long)]
    prune_cap: Option<usize>,
    /// Input files or directories (`.gz` is read transparently); `-` for stdin.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Where to write the vocabulary (atomically).
    #[arg(short, long)]
    output: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: VocabFormat,
}

/// The defaults of the options in `base`, as `--help` shows them.
fn shown(base: &VocabConfig) -> Shown {
    vec![
        ("min_count", base.min_count.to_string()),
        (
            "max_size",
            base.max_size.map_or("no limit".into(), |m| m.to_string()),
        ),
        ("prune_cap", base.prune_cap.to_string()),
    ]
}

impl Args {
    /// `VocabConfig::default()` with the options given applied.
    fn config(&self) -> VocabConfig {
        let base = VocabConfig::default();
        VocabConfig {
            min_count: self.min_count.unwrap_or(base.min_count),
            max_size: self.max_size.or(base.max_size),
            prune_cap: self.prune_cap.unwrap_or(base.prune_cap),
        }
    }
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    let mut reader = CorpusReader::open(&args.inputs)?;
    let cfg = args.config();
    let threads = g.threads();
    let counter = reader.byte_counter();
    let bar = ByteProgress::start("counting", reader.total_bytes(), g.quiet, move || {
        counter.get()
    });
    let result = count_corpus(&mut reader, &args.text.tokenizer(), &cfg, threads);
    bar.finish();
    let (vocab, stats) = result?;
    match args.format {
        VocabFormat::Text => vocab.save_text(&args.output)?,
        VocabFormat::Native => vocab.save_native(&args.output)?,
    }
    if !g.quiet {
        eprintln!(
            "tokens read {}, distinct {}, kept {} (min-count {}), pruned while counting {}",
            stats.tokens, stats.distinct, stats.kept, cfg.min_count, stats.pruned
        );
        if stats.read.invalid_utf8 > 0 {
            eprintln!(
                "warning: {} invalid UTF-8 sequences were replaced by U+FFFD",
                stats.read.invalid_utf8
            );
        }
        if stats.read.split_lines > 0 {
            eprintln!(
                "note: {} lines longer than {} bytes were split",
                stats.read.split_lines,
                reader.max_line_bytes()
            );
        }
    }
    if vocab.is_empty() {
        return Err(format!(
            "no token reached min-count {} ({} tokens read); lower --min-count or give more text",
            cfg.min_count, stats.tokens
        )
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{shown, Args};
    use crate::cmd::defaults::tests::{assert_shown, parse};
    use crate::Command;
    use embedpos_tokenize::{PreTokenizer, Tokenizer, VocabConfig};

    fn args(argv: &[&str]) -> Args {
        match parse(&[&["vocab", "c.txt", "-o", "v.txt"], argv].concat()) {
            Command::Vocab(a) => a,
            _ => unreachable!("a vocab command"),
        }
    }

    #[test]
    fn no_option_given_is_the_library_default() {
        assert_eq!(args(&[]).config(), VocabConfig::default());
        assert_eq!(args(&[]).text.tokenizer(), Tokenizer::default());
    }

    #[test]
    fn text_options_given_override_the_default_tokenizer() {
        let argv = [
            "--pretokenizer",
            "words",
            "--keep-punctuation",
            "--lowercase",
        ];
        let t = args(&argv).text.tokenizer();
        let keep_punctuation = true;
        assert_eq!(t.pre_tokenizer, PreTokenizer::Words { keep_punctuation });
        assert!(t.normalizer.lowercase && !t.normalizer.nfkc);
    }

    #[test]
    fn options_given_override_the_defaults() {
        let c = args(&["--min-count", "1", "--max-size", "9", "--prune-cap", "7"]).config();
        let want = VocabConfig {
            min_count: 1,
            max_size: Some(9),
            prune_cap: 7,
        };
        assert_eq!(c, want);
    }

    #[test]
    fn help_shows_the_library_defaults() {
        assert_shown(&["vocab"], &shown(&VocabConfig::default()));
    }
}
