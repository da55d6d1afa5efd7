//! `embedpos tokenize`: print the tokens of each line.

use super::text_opts::TextOpts;
use crate::progress::ByteProgress;
use crate::{CliResult, Global};
use embedpos_tokenize::{CorpusReader, Scratch};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `embedpos tokenize`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    text: TextOpts,
    /// Input files or directories (`.gz` is read transparently); `-` or none: stdin.
    inputs: Vec<PathBuf>,
    /// Write here (atomically) instead of stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    let inputs = if args.inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.inputs
    };
    let mut reader = CorpusReader::open(&inputs)?;
    let tokenizer = args.text.tokenizer();
    let counter = reader.byte_counter();
    let bar = ByteProgress::start(
        "tokenize",
        reader.total_bytes(),
        g.quiet || args.output.is_none(),
        move || counter.get(),
    );
    let mut failure = None;
    let mut write_all = |w: &mut dyn Write| -> std::io::Result<()> {
        let mut line = String::new();
        let mut scratch = Scratch::default();
        let mut out = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let msg = e.to_string();
                    failure = Some(e);
                    return Err(std::io::Error::other(msg));
                }
            }
            out.clear();
            tokenizer.for_each_token(&line, &mut scratch, |t| {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(t);
            });
            out.push('\n');
            w.write_all(out.as_bytes())?;
        }
        w.flush()
    };
    let result = match &args.output {
        Some(path) => embedpos_base::write_atomic(path, |w| write_all(w)).map_err(|e| e.into()),
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            match write_all(&mut lock) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(Box::new(e) as Box<dyn std::error::Error + Send + Sync>),
            }
        }
    };
    bar.finish();
    if let Some(e) = failure {
        return Err(e.into());
    }
    result?;
    let stats = reader.stats();
    if stats.invalid_utf8 > 0 && !g.quiet {
        eprintln!(
            "warning: {} invalid UTF-8 sequences were replaced by U+FFFD",
            stats.invalid_utf8
        );
    }
    Ok(())
}
