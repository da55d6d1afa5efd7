//! `embedpos convert`: rewrite word vectors in another format.

use super::vectors_opts::{load, parse_format};
use crate::{CliResult, Global};
use embedpos_embed::Format;
use std::path::PathBuf;

/// Arguments of `embedpos convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input vectors (.bin, .txt/.vec, GloVe, .epv, fastText .bin; the format is detected).
    input: PathBuf,
    /// Output file, written atomically.
    output: PathBuf,
    /// Format of INPUT (text, bin, glove, epv, fasttext); default: detected from the content.
    #[arg(long, value_parser = parse_format)]
    from: Option<Format>,
    /// Format of OUTPUT (text, bin, glove, epv, npy, safetensors); default: from its extension.
    #[arg(long, value_parser = parse_format)]
    to: Option<Format>,
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    let to = match args.to {
        Some(f) => f,
        None => Format::from_path(&args.output)?,
    };
    let emb = load(&args.input, args.from, g)?;
    emb.save(&args.output, to)?;
    if !g.quiet {
        eprintln!(
            "wrote {} ({to}): {} words, dimension {}",
            args.output.display(),
            emb.len(),
            emb.dim()
        );
        if emb.subwords().is_some() && !to.keeps_subwords() {
            eprintln!(
                "note: {to} holds the in-vocabulary words only; the subword rows that give unseen \
                 words vectors are kept by .epv"
            );
        }
        if !to.keeps_words() {
            eprintln!(
                "note: {to} holds the matrix only; row i is word i of {}",
                args.input.display()
            );
        }
    }
    Ok(())
}
