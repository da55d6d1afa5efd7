//! `embedpos tokenize`: print the tokens of each line.

use super::text_opts::TextOpts;
use crate::progress::ByteProgress;
use crate::{CliError, CliResult, Global};
use embedpos_tokenize::{CorpusReader, Scratch, Tokenizer};
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
    let result = match &args.output {
        Some(path) => {
            embedpos_base::write_atomic(path, |w| write_tokens(&mut reader, &tokenizer, w)).map_err(
                |e| match e {
                    embedpos_base::Error::Io { path, source } => reported(source, |source| {
                        embedpos_base::Error::Io { path, source }.into()
                    }),
                    e => e.into(),
                },
            )
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match write_tokens(&mut reader, &tokenizer, &mut out) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.map_err(|e| reported(e, Into::into)),
            }
        }
    };
    bar.finish();
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

/// Writes the tokens of every line of `reader` to `w`, one line of tokens
/// (separated by single spaces) per input line. A read error stops the copy
/// carried inside the returned error, so that [`reported`] can tell it
/// from a write error.
fn write_tokens(
    reader: &mut CorpusReader,
    tokenizer: &Tokenizer,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    let (mut line, mut out, mut scratch) = (String::new(), String::new(), Scratch::default());
    loop {
        line.clear();
        if !reader.read_line(&mut line).map_err(std::io::Error::other)? {
            break;
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
}

/// The error to report when [`write_tokens`] failed with `e`: the read
/// error that stopped it (it names the input), or else `write_error(e)`.
fn reported(e: std::io::Error, write_error: impl FnOnce(std::io::Error) -> CliError) -> CliError {
    match e.downcast::<embedpos_tokenize::Error>() {
        Ok(read) => read.into(),
        Err(e) => write_error(e),
    }
}
