//! `embedpos vectors`: print the vectors of words, seen in training or not.

use super::vectors_opts::VectorsIn;
use crate::{CliResult, Global};
use embedpos_embed::{Embeddings, Error};
use std::io::{BufRead, BufWriter, Write};

/// Arguments of `embedpos vectors`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    vectors: VectorsIn,
    /// Words to print; none: whitespace-separated words read from stdin.
    words: Vec<String>,
}

/// Runs the subcommand: one line `word v1 ... vD` per word, as `fasttext
/// print-word-vectors` prints (values in full precision, no trailing space).
///
/// A word outside the vocabulary gets the mean of its char n-gram rows when
/// the model has subwords, and a zero vector when it has no n-gram either
/// (as fastText). Without subwords such a word is an error that names it.
pub fn run(args: Args, g: &Global) -> CliResult {
    let emb = args.vectors.load(g)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.words.is_empty() {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            let line = line.map_err(|e| format!("reading words from stdin: {e}"))?;
            for word in line.split_whitespace() {
                print_vector(&emb, word, &mut out)?;
            }
        }
    } else {
        for word in &args.words {
            print_vector(&emb, word, &mut out)?;
        }
    }
    out.flush()?;
    Ok(())
}

fn print_vector(emb: &Embeddings, word: &str, out: &mut impl Write) -> CliResult {
    let v = match emb.word_vector(word) {
        Ok(v) => v.into_owned(),
        Err(Error::NotInVocab { .. }) if emb.subwords().is_some() => vec![0.0; emb.dim()],
        Err(e) => {
            return Err(format!(
                "{e}; these vectors have no subword rows, so only their own words have vectors \
                 (a fastText .bin or an .epv saved from one answers for any word)"
            )
            .into())
        }
    };
    write!(out, "{word}")?;
    for x in v {
        write!(out, " {x}")?;
    }
    writeln!(out)?;
    Ok(())
}
