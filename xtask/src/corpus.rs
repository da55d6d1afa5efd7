//! `cargo xtask corpus`: raw text -> one normalised paragraph a line.

use crate::util::Result;
use embedpos_tokenize::{CorpusReader, Normalizer, PreTokenizer, Scratch, Tokenizer};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Raw text files or directories (`.gz` read transparently).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file (written atomically).
    #[arg(short, long)]
    output: PathBuf,
    /// Keep letter case (default: lowercase).
    #[arg(long)]
    keep_case: bool,
    /// Keep punctuation as tokens (default: dropped).
    #[arg(long)]
    keep_punctuation: bool,
}

/// Paragraphs are runs of non-blank lines; each becomes one output line of
/// NFKC-normalised, (lowercased) Unicode words separated by single spaces.
pub fn run(args: Args) -> Result {
    let mut reader = CorpusReader::open(&args.inputs)?;
    let tok = Tokenizer {
        normalizer: Normalizer {
            nfkc: true,
            lowercase: !args.keep_case,
            strip_accents: false,
        },
        pre_tokenizer: PreTokenizer::Words {
            keep_punctuation: args.keep_punctuation,
        },
        model: None,
    };
    let mut paragraphs = 0u64;
    let mut tokens = 0u64;
    let mut failure = None;
    embedpos_base::write_atomic(&args.output, |w| {
        let mut line = String::new();
        let mut para = String::new();
        let mut scratch = Scratch::default();
        let mut flush = |para: &mut String, w: &mut dyn Write| -> std::io::Result<()> {
            if !para.is_empty() {
                para.push('\n');
                w.write_all(para.as_bytes())?;
                para.clear();
                paragraphs += 1;
            }
            Ok(())
        };
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let m = e.to_string();
                    failure = Some(e);
                    return Err(std::io::Error::other(m));
                }
            }
            if line.trim().is_empty() {
                flush(&mut para, w)?;
                continue;
            }
            tok.for_each_token(&line, &mut scratch, |t| {
                if !para.is_empty() {
                    para.push(' ');
                }
                para.push_str(t);
                tokens += 1;
            });
        }
        flush(&mut para, w)
    })
    .map_err(|e| {
        failure
            .map(|f| f.to_string())
            .unwrap_or_else(|| e.to_string())
    })?;
    eprintln!(
        "{}: {paragraphs} paragraphs, {tokens} tokens, {} invalid UTF-8 sequences replaced",
        args.output.display(),
        reader.stats().invalid_utf8
    );
    Ok(())
}
