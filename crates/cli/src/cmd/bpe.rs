//! `embedpos bpe`: train a byte-level BPE tokenizer, encode text to ids,
//! decode ids to text, and convert tokenizer files.

use crate::progress::ByteProgress;
use crate::{CliError, CliResult, Global};
use embedpos_tokenize::bpe::{
    Bpe, BpeObserver, BpeTrainConfig, BpeTrainer, CountProgress, IdFormat, MergeProgress, Pattern,
};
use embedpos_tokenize::{CorpusReader, TokenModel};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{BufRead, Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Arguments of `embedpos bpe`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    which: Which,
}

#[derive(Debug, clap::Subcommand)]
enum Which {
    /// Learn a byte-level BPE from a corpus (as Hugging Face's BpeTrainer) and write its tokenizer.json.
    Train(TrainArgs),
    /// Encode text to token ids (or tokens), one line of ids per line of text.
    Encode(EncodeArgs),
    /// Decode token ids back to text: one line of text per line of ids.
    Decode(DecodeArgs),
    /// Write any tokenizer file embedpos reads (tiktoken ranks, GPT-2 vocab.json + merges.txt) as a tokenizer.json.
    Convert(ConvertArgs),
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    match args.which {
        Which::Train(a) => train(a, g),
        Which::Encode(a) => encode(a, g),
        Which::Decode(a) => decode(a, g),
        Which::Convert(a) => convert(a, g),
    }
}

/// `bpe train` options.
#[derive(Debug, clap::Args)]
struct TrainArgs {
    /// Corpus files or directories (`.gz` is read transparently); `-` or none: stdin.
    inputs: Vec<PathBuf>,
    /// Where to write the tokenizer.json (atomically).
    #[arg(short, long)]
    output: PathBuf,
    /// Vocabulary size to reach: 256 bytes + special tokens + merges.
    #[arg(long, default_value_t = BpeTrainConfig::default().vocab_size)]
    vocab_size: usize,
    /// Pairs seen fewer times are not merged.
    #[arg(long, default_value_t = BpeTrainConfig::default().min_frequency)]
    min_frequency: u64,
    /// How text is cut into pieces before merging: gpt2, cl100k, o200k, or a
    /// regular expression.
    #[arg(long, default_value = "gpt2")]
    pattern: String,
    /// A special token, never split (repeat for several); they take ids 0, 1, ...
    #[arg(long = "special", value_name = "TOKEN")]
    specials: Vec<String>,
    /// Distinct pieces held while counting before the rarest are pruned.
    #[arg(long, default_value_t = BpeTrainConfig::default().max_pretokens)]
    max_pretokens: usize,
}

fn train(a: TrainArgs, g: &Global) -> CliResult {
    let cfg = BpeTrainConfig {
        vocab_size: a.vocab_size,
        min_frequency: a.min_frequency,
        special_tokens: a.specials,
        pattern: Pattern::from_name(&a.pattern),
        max_pretokens: a.max_pretokens,
        threads: g.threads(),
    };
    cfg.validate()
        .map_err(|e| crate::errors::with_options(e, &["--vocab-size", "--special", "--pattern"]))?;
    check_output(&a.output)?;
    let inputs = inputs_or_stdin(a.inputs);
    let mut reader = CorpusReader::open(&inputs)?;
    let start = Instant::now();
    let mut bars = TrainBars::new(g.quiet, reader.total_bytes());
    let result = BpeTrainer::new(cfg).train(&mut reader, &mut bars);
    bars.finish();
    let (bpe, stats) = result.map_err(|e| -> CliError {
        match e {
            embedpos_tokenize::Error::EmptyCorpus(_) => {
                let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
                format!("{e} (read: {})", names.join(", ")).into()
            }
            e => e.into(),
        }
    })?;
    bpe.save_tokenizer_json(&a.output)?;
    if !g.quiet {
        eprintln!(
            "learnt {} merges from {} pieces ({} distinct{}) in {:.1} s: vocabulary {}; wrote {}",
            stats.merges,
            stats.pieces,
            stats.distinct,
            if stats.pruned > 0 {
                format!(", {} pruned", stats.pruned)
            } else {
                String::new()
            },
            start.elapsed().as_secs_f64(),
            stats.vocab_size,
            a.output.display()
        );
        warn_invalid(&reader);
    }
    Ok(())
}

/// The two phases of training as bars: bytes read, then merges learnt.
struct TrainBars {
    bytes: Arc<AtomicU64>,
    reading: Option<ByteProgress>,
    merging: Option<ProgressBar>,
    quiet: bool,
    started: Instant,
}

impl TrainBars {
    fn new(quiet: bool, total: Option<u64>) -> TrainBars {
        let bytes = Arc::new(AtomicU64::new(0));
        let b = bytes.clone();
        let reading =
            ByteProgress::start("counting", total, quiet, move || b.load(Ordering::Relaxed));
        TrainBars {
            bytes,
            reading: Some(reading),
            merging: None,
            quiet,
            started: Instant::now(),
        }
    }

    fn finish(&mut self) {
        if let Some(r) = self.reading.take() {
            r.finish();
        }
        if let Some(m) = self.merging.take() {
            m.finish_and_clear();
        }
    }
}

impl BpeObserver for TrainBars {
    fn on_count(&mut self, p: &CountProgress) -> ControlFlow<()> {
        self.bytes.store(p.bytes, Ordering::Relaxed);
        ControlFlow::Continue(())
    }

    fn on_merge(&mut self, p: &MergeProgress) -> ControlFlow<()> {
        if let Some(r) = self.reading.take() {
            r.finish();
        }
        let bar = self.merging.get_or_insert_with(|| {
            let bar =
                ProgressBar::with_draw_target(Some(p.target as u64), ProgressDrawTarget::hidden());
            if let Ok(style) = ProgressStyle::with_template(
                "merging [{elapsed_precise}] {wide_bar} {pos}/{len} merges, {per_sec} ETA {eta}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        if !self.quiet && bar.is_hidden() && self.started.elapsed() > Duration::from_secs(1) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        if p.merges.is_multiple_of(64) || p.merges == p.target {
            bar.set_position(p.merges as u64);
        }
        ControlFlow::Continue(())
    }
}

/// How ids are written or read.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum IdsAs {
    /// Decimal ids separated by spaces, one line of ids per line of text.
    Text,
    /// Little-endian u16, back to back (nanoGPT's `.bin`).
    U16,
    /// Little-endian u32, back to back.
    U32,
}

impl From<IdsAs> for IdFormat {
    fn from(f: IdsAs) -> IdFormat {
        match f {
            IdsAs::Text => IdFormat::Text,
            IdsAs::U16 => IdFormat::U16,
            IdsAs::U32 => IdFormat::U32,
        }
    }
}

/// `bpe encode` options.
#[derive(Debug, clap::Args)]
struct EncodeArgs {
    /// The tokenizer: a tokenizer.json, GPT-2's vocab.json (merges.txt
    /// beside it) or a tiktoken rank file named after its encoding
    /// (`cl100k_base.tiktoken`).
    #[arg(long, value_name = "FILE")]
    tokenizer: PathBuf,
    /// Text files or directories (`.gz` is read transparently); `-` or none: stdin.
    inputs: Vec<PathBuf>,
    /// Write here (atomically) instead of stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Write the tokens (as spelled in tokenizer files, `Ġthe`) instead of ids.
    #[arg(long, conflicts_with_all = ["format", "separator", "separator_id"])]
    tokens: bool,
    /// How to write the ids.
    #[arg(long, value_enum, default_value = "text")]
    format: IdsAs,
    /// A special token written after each line's ids (e.g. `<|endoftext|>`).
    #[arg(long, value_name = "TOKEN", conflicts_with = "separator_id")]
    separator: Option<String>,
    /// An id written after each line's ids (any number, e.g. 4294967295).
    #[arg(long, value_name = "ID")]
    separator_id: Option<u32>,
}

fn load_bpe(path: &Path) -> CliResult<Arc<Bpe>> {
    match TokenModel::load(path)? {
        TokenModel::Bpe(b) => Ok(b),
        TokenModel::Phrases(_) => Err(format!(
            "{} is a phrase table, not a BPE tokenizer: give it to --tokenizer of tokenize, vocab or train, or to embedpos phrases apply",
            path.display()
        )
        .into()),
    }
}

fn encode(a: EncodeArgs, g: &Global) -> CliResult {
    let bpe = load_bpe(&a.tokenizer)?;
    let separator = match (&a.separator, a.separator_id) {
        (Some(s), _) => Some(bpe.special_id(s).ok_or_else(|| {
            CliError::from(format!(
                "--separator {s:?} is not a special token of {}: give one of its special tokens or --separator-id",
                a.tokenizer.display()
            ))
        })?),
        (None, id) => id,
    };
    if let Some(out) = &a.output {
        check_output(out)?;
    }
    let mut reader = CorpusReader::open(&inputs_or_stdin(a.inputs))?;
    let counter = reader.byte_counter();
    let bar = ByteProgress::start(
        "encoding",
        reader.total_bytes(),
        g.quiet || a.output.is_none(),
        move || counter.get(),
    );
    let threads = g.threads();
    let start = Instant::now();
    let mut tokens = 0u64;
    let mut lines = 0u64;
    let mut write = |w: &mut dyn Write| -> std::io::Result<()> {
        if a.tokens {
            let mut scratch = embedpos_tokenize::bpe::BpeScratch::default();
            let (mut line, mut out) = (String::new(), String::new());
            while reader.read_line(&mut line).map_err(std::io::Error::other)? {
                out.clear();
                bpe.for_each_token_str(&line, &mut scratch, |t| {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(t);
                    tokens += 1;
                });
                out.push('\n');
                w.write_all(out.as_bytes())?;
                lines += 1;
                line.clear();
            }
            w.flush()
        } else {
            let mut w = w;
            let stats = bpe
                .write_corpus_ids(&mut reader, &mut w, a.format.into(), separator, threads)
                .map_err(std::io::Error::other)?;
            tokens = stats.tokens;
            lines = stats.lines;
            Ok(())
        }
    };
    let result = match &a.output {
        Some(path) => embedpos_base::write_atomic(path, write).map_err(|e| match e {
            embedpos_base::Error::Io { path, source } => unwrap_io(source, path),
            e => e.into(),
        }),
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match write(&mut out) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.map_err(|e| unwrap_io(e, PathBuf::from("<stdout>"))),
            }
        }
    };
    bar.finish();
    result?;
    if !g.quiet {
        let secs = start.elapsed().as_secs_f64();
        let bytes = reader.stats().bytes;
        eprintln!(
            "encoded {lines} lines, {:.1} MB in {secs:.2} s ({:.1} MB/s on {threads} thread{}): {tokens} tokens, {:.4} per byte",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / secs.max(1e-9),
            if threads == 1 { "" } else { "s" },
            tokens as f64 / bytes.max(1) as f64
        );
        warn_invalid(&reader);
    }
    Ok(())
}

/// An I/O error that carries a library error (a read error of the corpus)
/// is reported as that error, which names the input.
fn unwrap_io(e: std::io::Error, path: PathBuf) -> CliError {
    match e.downcast::<embedpos_tokenize::Error>() {
        Ok(inner) => inner.into(),
        Err(source) => embedpos_base::Error::Io { path, source }.into(),
    }
}

/// `bpe decode` options.
#[derive(Debug, clap::Args)]
struct DecodeArgs {
    /// The tokenizer the ids come from.
    #[arg(long, value_name = "FILE")]
    tokenizer: PathBuf,
    /// Files of ids; `-` or none: stdin.
    inputs: Vec<PathBuf>,
    /// Write here (atomically) instead of stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// How the ids are written: text (one line of ids per line of text) or
    /// binary u16/u32 (one stream; an id past the vocabulary, such as a
    /// `--separator-id`, ends a line).
    #[arg(long, value_enum, default_value = "text")]
    format: IdsAs,
}

fn decode(a: DecodeArgs, g: &Global) -> CliResult {
    let bpe = load_bpe(&a.tokenizer)?;
    if let Some(out) = &a.output {
        check_output(out)?;
    }
    let inputs = inputs_or_stdin(a.inputs);
    let vocab = bpe.vocab_size() as u32;
    let write = |w: &mut dyn Write| -> std::io::Result<()> {
        let mut text = Vec::new();
        for input in &inputs {
            let name = input.display().to_string();
            let reader: Box<dyn Read> = if input.as_os_str() == "-" {
                Box::new(std::io::stdin().lock())
            } else {
                Box::new(std::fs::File::open(input).map_err(|e| {
                    std::io::Error::new(e.kind(), format!("cannot open {name}: {e}"))
                })?)
            };
            let mut reader = std::io::BufReader::new(reader);
            match a.format {
                IdsAs::Text => {
                    let mut ids = Vec::new();
                    for (n, line) in reader.lines().enumerate() {
                        let line = line.map_err(|e| {
                            std::io::Error::new(e.kind(), format!("{name}:{}: {e}", n + 1))
                        })?;
                        ids.clear();
                        for tok in line.split_ascii_whitespace() {
                            ids.push(tok.parse::<u32>().map_err(|_| {
                                std::io::Error::other(format!(
                                    "{name}:{}: {tok:?} is not a token id: give decimal ids separated by spaces",
                                    n + 1
                                ))
                            })?);
                        }
                        text.clear();
                        decode_line(&bpe, &ids, vocab, &mut text)
                            .map_err(|e| std::io::Error::other(format!("{name}:{}: {e}", n + 1)))?;
                        text.push(b'\n');
                        w.write_all(&text)?;
                    }
                }
                IdsAs::U16 | IdsAs::U32 => {
                    let width = if matches!(a.format, IdsAs::U16) { 2 } else { 4 };
                    let mut bytes = Vec::new();
                    reader.read_to_end(&mut bytes)?;
                    if bytes.len() % width != 0 {
                        return Err(std::io::Error::other(format!(
                            "{name}: {} bytes is not a whole number of {width}-byte ids: is --format right, or the file cut short?",
                            bytes.len()
                        )));
                    }
                    let ids: Vec<u32> = bytes
                        .chunks_exact(width)
                        .map(|c| match c {
                            [a, b] => u16::from_le_bytes([*a, *b]) as u32,
                            [a, b, c, d] => u32::from_le_bytes([*a, *b, *c, *d]),
                            _ => unreachable!("chunks of the id width"),
                        })
                        .collect();
                    for line in ids.split(|&id| id >= vocab) {
                        text.clear();
                        decode_line(&bpe, line, vocab, &mut text)
                            .map_err(|e| std::io::Error::other(format!("{name}: {e}")))?;
                        w.write_all(&text)?;
                        w.write_all(b"\n")?;
                    }
                }
            }
        }
        w.flush()
    };
    let result = match &a.output {
        Some(path) => embedpos_base::write_atomic(path, write).map_err(|e| match e {
            embedpos_base::Error::Io { source, .. }
                if source.kind() == std::io::ErrorKind::Other =>
            {
                source.to_string().into()
            }
            e => e.into(),
        }),
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match write(&mut out) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.map_err(|e| CliError::from(e.to_string())),
            }
        }
    };
    if result.is_ok() && !g.quiet {
        if let Some(path) = &a.output {
            eprintln!("wrote {}", path.display());
        }
    }
    result
}

fn decode_line(bpe: &Bpe, ids: &[u32], vocab: u32, out: &mut Vec<u8>) -> Result<(), String> {
    if let Some(bad) = ids.iter().find(|&&id| id >= vocab) {
        return Err(format!(
            "the id {bad} is past the tokenizer's {vocab} tokens: were these ids made with another tokenizer?"
        ));
    }
    bpe.decode_into(ids, out).map_err(|e| e.to_string())
}

/// `bpe convert` options.
#[derive(Debug, clap::Args)]
struct ConvertArgs {
    /// A tokenizer.json, GPT-2's vocab.json (merges.txt beside it) or a
    /// tiktoken rank file named after its encoding.
    input: PathBuf,
    /// Where to write the tokenizer.json (atomically).
    #[arg(short, long)]
    output: PathBuf,
}

fn convert(a: ConvertArgs, g: &Global) -> CliResult {
    let bpe = load_bpe(&a.input)?;
    bpe.save_tokenizer_json(&a.output)?;
    if !g.quiet {
        eprintln!(
            "wrote {} ({} tokens, pattern {})",
            a.output.display(),
            bpe.vocab_size(),
            bpe.pattern().name()
        );
    }
    Ok(())
}

fn inputs_or_stdin(inputs: Vec<PathBuf>) -> Vec<PathBuf> {
    if inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        inputs
    }
}

/// Fails before any work when `path`'s folder does not exist or cannot be
/// written, instead of after it.
fn check_output(path: &Path) -> CliResult {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(CliError::from(format!(
            "cannot write {}: the folder {} does not exist; create it first",
            path.display(),
            dir.display()
        )));
    }
    Ok(())
}

fn warn_invalid(reader: &CorpusReader) {
    let stats = reader.stats();
    if stats.invalid_utf8 > 0 {
        eprintln!(
            "warning: {} invalid UTF-8 sequences were replaced by U+FFFD",
            stats.invalid_utf8
        );
    }
}
