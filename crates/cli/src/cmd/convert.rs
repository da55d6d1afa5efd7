//! `embedpos convert`: rewrite word vectors in another format.

use super::vectors_opts::{OutputFormat, VectorsIn};
use crate::{CliResult, Global};
use std::path::PathBuf;

/// Arguments of `embedpos convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: VectorsIn,
    /// Output file, written atomically.
    output: PathBuf,
    #[command(flatten)]
    to: OutputFormat,
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    let to = args.to.of(&args.output)?;
    let emb = args.input.load(g)?;
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
                args.input.path.display()
            );
        }
    }
    Ok(())
}
