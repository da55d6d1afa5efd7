//! `embedpos vocab`: count a vocabulary.

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

/// Arguments of `embedpos vocab`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    text: TextOpts,
    /// Drop tokens seen fewer times.
    #[arg(long, default_value_t = 5)]
    min_count: u64,
    /// Keep at most this many tokens (the most frequent).
    #[arg(long)]
    max_size: Option<usize>,
    /// Prune the rarest tokens while counting when more distinct tokens than this are held.
    #[arg(long, default_value_t = 21_000_000)]
    prune_cap: usize,
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

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    let mut reader = CorpusReader::open(&args.inputs)?;
    let cfg = VocabConfig {
        min_count: args.min_count,
        max_size: args.max_size,
        prune_cap: args.prune_cap,
    };
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
            stats.tokens, stats.distinct, stats.kept, args.min_count, stats.pruned
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
            args.min_count, stats.tokens
        )
        .into());
    }
    Ok(())
}
