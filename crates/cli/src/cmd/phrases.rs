//! `embedpos phrases`: learn phrases (word2phrase, gensim's npmi) and join
//! them in text.
//!
//! `phrases learn CORPUS... -o PHRASES` writes the phrase table;
//! `--apply-to OUT` also writes the corpus with its phrases joined, which
//! is what `word2phrase -train CORPUS -output OUT` does.
//! `phrases apply --phrases PHRASES CORPUS... [-o OUT]` joins the phrases of
//! a table in any text.

use super::defaults::{show_defaults, value_name, Shown};
use super::text_opts::TextOpts;
use crate::errors::with_options;
use crate::progress::ByteProgress;
use crate::{CliError, CliResult, Global};
use embedpos_tokenize::{
    learn_phrases, ApplyStats, CorpusReader, Error, PassStats, Phrases, PhrasesConfig, Scorer,
    Tokenizer,
};
use std::path::{Path, PathBuf};

/// Arguments of `embedpos phrases`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Learn phrases from a corpus and write the phrase table (and, with
    /// --apply-to, the corpus with its phrases joined, as word2phrase does).
    Learn(LearnArgs),
    /// Join the phrases of a phrase table in text.
    Apply(ApplyArgs),
}

mirror_enum! {
    /// How pairs are scored.
    pub enum ScorerArg <=> Scorer {
        /// word2phrase: (pab - min_count) / (pa * pb) * words, threshold around 100.
        Word2phrase = Word2Phrase,
        /// gensim's normalised PMI, in [-1, 1]: give a --threshold in that range.
        Npmi = Npmi,
    }
}

/// Arguments of `embedpos phrases learn`; what is not given comes from
/// `PhrasesConfig::default()` (word2phrase's defaults).
#[derive(Debug, clap::Args)]
#[command(mut_args(show_defaults(shown(&PhrasesConfig::default()))))]
pub struct LearnArgs {
    #[command(flatten)]
    text: TextOpts,
    /// How pairs are scored (and whose rules are followed).
    #[arg(long, value_enum)]
    scorer: Option<ScorerArg>,
    /// A pair is a phrase when it scores above this (npmi: in [-1, 1]).
    #[arg(long, allow_negative_numbers = true)]
    threshold: Option<f64>,
    /// Words and pairs seen fewer times are no phrase (npmi: the pair only).
    #[arg(long)]
    min_count: Option<u64>,
    /// Learning passes; each learns on the text the earlier ones joined, for
    /// phrases of three and four words.
    #[arg(long)]
    passes: Option<usize>,
    /// What joins the words of a phrase.
    #[arg(long)]
    delimiter: Option<String>,
    /// Prune the rarest words and pairs while counting when a thread holds
    /// more than this many.
    #[arg(long)]
    prune_cap: Option<usize>,
    /// Input files or directories (`.gz` is read transparently); `-` for stdin.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Where to write the phrase table (atomically).
    #[arg(short, long, required_unless_present = "apply_to")]
    output: Option<PathBuf>,
    /// Also write the corpus with its phrases joined here (atomically), in
    /// word2phrase's layout.
    #[arg(long, value_name = "OUT")]
    apply_to: Option<PathBuf>,
}

/// The defaults of the options in `base`, as `--help` shows them.
fn shown(base: &PhrasesConfig) -> Shown {
    vec![
        ("scorer", value_name(ScorerArg::from(base.scorer))),
        ("threshold", base.threshold.to_string()),
        ("min_count", base.min_count.to_string()),
        ("passes", base.passes.to_string()),
        ("delimiter", base.delimiter.clone()),
        ("prune_cap", base.prune_cap.to_string()),
    ]
}

impl LearnArgs {
    /// `PhrasesConfig::default()` with the options given applied.
    fn config(&self) -> PhrasesConfig {
        let base = PhrasesConfig::default();
        PhrasesConfig {
            scorer: self.scorer.map_or(base.scorer, Scorer::from),
            threshold: self.threshold.unwrap_or(base.threshold),
            min_count: self.min_count.unwrap_or(base.min_count),
            delimiter: self.delimiter.clone().unwrap_or(base.delimiter),
            passes: self.passes.unwrap_or(base.passes),
            prune_cap: self.prune_cap.unwrap_or(base.prune_cap),
        }
    }
}

/// A library error as the command line reports it: a configuration error
/// with the option that changes it.
fn reported(e: Error) -> CliError {
    let options: &[&str] = match &e {
        Error::Config(m) if m.starts_with("threshold") => {
            if m.contains("npmi") {
                &["--threshold", "--scorer"]
            } else {
                &["--threshold"]
            }
        }
        Error::Config(m) if m.starts_with("min_count") => &["--min-count"],
        Error::Config(m) if m.starts_with("delimiter") => &["--delimiter"],
        Error::Config(m) if m.starts_with("passes") => &["--passes"],
        Error::Config(m) if m.starts_with("prune_cap") => &["--prune-cap"],
        _ => &[],
    };
    with_options(e, options)
}

/// The inputs, read as many times as needed: standard input is copied once
/// to a temporary file when it must be read more than once.
struct Inputs {
    paths: Vec<PathBuf>,
    _stdin_copy: Option<tempfile::TempPath>,
}

impl Inputs {
    fn new(given: &[PathBuf], reads: usize) -> CliResult<Inputs> {
        let stdin = Path::new("-");
        if reads <= 1 || !given.iter().any(|p| p == stdin) {
            return Ok(Inputs {
                paths: given.to_vec(),
                _stdin_copy: None,
            });
        }
        let temp_error = |e: std::io::Error| -> CliError {
            format!(
                "cannot copy standard input to a temporary file in {} ({e}); set TMPDIR to a \
                 folder with room, or give the corpus as a file",
                std::env::temp_dir().display()
            )
            .into()
        };
        let mut file = tempfile::NamedTempFile::new().map_err(temp_error)?;
        std::io::copy(&mut std::io::stdin().lock(), file.as_file_mut()).map_err(temp_error)?;
        let copy = file.into_temp_path();
        let paths = given
            .iter()
            .map(|p| {
                if p == stdin {
                    copy.to_path_buf()
                } else {
                    p.clone()
                }
            })
            .collect();
        Ok(Inputs {
            paths,
            _stdin_copy: Some(copy),
        })
    }

    fn reader(&self) -> CliResult<CorpusReader> {
        Ok(CorpusReader::open(&self.paths)?)
    }
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    match args.action {
        Action::Learn(a) => learn(a, g),
        Action::Apply(a) => apply(a, g),
    }
}

fn learn(args: LearnArgs, g: &Global) -> CliResult {
    let cfg = args.config();
    cfg.validate().map_err(reported)?;
    let reads = cfg.passes + usize::from(args.apply_to.is_some());
    let inputs = Inputs::new(&args.inputs, reads)?;
    let tokenizer = args.text.tokenizer();
    let threads = g.threads();
    let mut bar: Option<ByteProgress> = None;
    let mut open = |pass: usize| -> embedpos_tokenize::Result<CorpusReader> {
        if let Some(b) = bar.take() {
            b.finish();
        }
        let reader = CorpusReader::open(&inputs.paths)?;
        let counter = reader.byte_counter();
        let label = format!("pass {pass}/{}: counting", cfg.passes);
        let total = reader.total_bytes();
        bar = Some(ByteProgress::start(&label, total, g.quiet, move || {
            counter.get()
        }));
        Ok(reader)
    };
    let learnt = learn_phrases(&mut open, &tokenizer, &cfg, threads);
    if let Some(b) = bar.take() {
        b.finish();
    }
    let (phrases, stats) = learnt.map_err(reported)?;
    if !g.quiet {
        report_passes(&stats, &cfg);
    }
    if let Some(path) = &args.output {
        phrases.save(path)?;
        if !g.quiet {
            eprintln!("wrote {} phrases to {}", phrases.len(), path.display());
        }
    }
    if let Some(path) = &args.apply_to {
        let mut reader = inputs.reader()?;
        let stats = write_applied(&phrases, &mut reader, &tokenizer, Some(path), g)?;
        if !g.quiet {
            report_applied(&stats, Some(path));
        }
    }
    Ok(())
}

fn report_passes(stats: &[PassStats], cfg: &PhrasesConfig) {
    for (i, s) in stats.iter().enumerate() {
        let pruned = if s.pruned > 0 {
            format!(", {} pruned while counting", s.pruned)
        } else {
            String::new()
        };
        eprintln!(
            "pass {}: {} tokens, {} distinct words, {} distinct pairs{pruned}; {} phrases \
             (scorer {}, threshold {}, min-count {})",
            i + 1,
            s.tokens,
            s.words,
            s.pairs,
            s.phrases,
            cfg.scorer.name(),
            cfg.threshold,
            cfg.min_count
        );
    }
    if let Some(s) = stats.first() {
        if s.read.invalid_utf8 > 0 {
            eprintln!(
                "warning: {} invalid UTF-8 sequences were replaced by U+FFFD",
                s.read.invalid_utf8
            );
        }
        if s.read.split_lines > 0 {
            eprintln!(
                "note: {} lines longer than {} bytes were split",
                s.read.split_lines,
                embedpos_tokenize::DEFAULT_MAX_LINE_BYTES
            );
        }
    }
}

/// Arguments of `embedpos phrases apply`.
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    text: TextOpts,
    /// The phrase table (`embedpos phrases learn -o`).
    #[arg(long, value_name = "FILE")]
    phrases: PathBuf,
    /// Input files or directories (`.gz` is read transparently); `-` or none: stdin.
    inputs: Vec<PathBuf>,
    /// Write here (atomically) instead of stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

fn apply(args: ApplyArgs, g: &Global) -> CliResult {
    let phrases = Phrases::load(&args.phrases)?;
    let inputs = if args.inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.inputs
    };
    let mut reader = CorpusReader::open(&inputs)?;
    let tokenizer = args.text.tokenizer();
    let stats = write_applied(&phrases, &mut reader, &tokenizer, args.output.as_deref(), g)?;
    if !g.quiet {
        report_applied(&stats, args.output.as_deref());
    }
    Ok(())
}

/// Writes `reader` with the phrases joined to `output` (atomically), or to
/// standard output.
fn write_applied(
    phrases: &Phrases,
    reader: &mut CorpusReader,
    tokenizer: &Tokenizer,
    output: Option<&Path>,
    g: &Global,
) -> CliResult<ApplyStats> {
    let threads = g.threads();
    let counter = reader.byte_counter();
    let bar = ByteProgress::start(
        "joining phrases",
        reader.total_bytes(),
        g.quiet || output.is_none(),
        move || counter.get(),
    );
    let result = match output {
        Some(path) => {
            // The library's error (reading, or writing with its cause) is
            // kept aside: write_atomic only passes an io::Error on.
            let mut outcome: Option<Result<ApplyStats, Error>> = None;
            let written = embedpos_base::write_atomic(path, |w| {
                let r = phrases.apply_corpus(reader, tokenizer, w, threads);
                let io = match &r {
                    Ok(_) => Ok(()),
                    Err(e) => Err(std::io::Error::other(e.to_string())),
                };
                outcome = Some(r);
                io
            });
            match (written, outcome.transpose()) {
                (Ok(()), Ok(stats)) => Ok(stats.unwrap_or_default()),
                (_, Err(Error::Output { source })) => Err(Error::Io {
                    path: path.to_path_buf(),
                    source,
                }
                .into()),
                (_, Err(e)) => Err(CliError::from(e)),
                (Err(e), Ok(_)) => Err(e.into()),
            }
        }
        None => {
            let mut out = std::io::stdout().lock();
            match phrases.apply_corpus(reader, tokenizer, &mut out, threads) {
                Err(Error::Output { source })
                    if source.kind() == std::io::ErrorKind::BrokenPipe =>
                {
                    Ok(ApplyStats::default())
                }
                r => r.map_err(CliError::from),
            }
        }
    };
    bar.finish();
    let stats = result?;
    if stats.read.invalid_utf8 > 0 && !g.quiet {
        eprintln!(
            "warning: {} invalid UTF-8 sequences were replaced by U+FFFD",
            stats.read.invalid_utf8
        );
    }
    Ok(stats)
}

fn report_applied(s: &ApplyStats, output: Option<&Path>) {
    let to = output.map_or("standard output".into(), |p| p.display().to_string());
    eprintln!(
        "wrote {} lines, {} tokens ({} words joined to the word before them) to {to}",
        s.lines,
        s.tokens_out,
        s.tokens_in - s.tokens_out
    );
}

#[cfg(test)]
mod tests {
    use super::{shown, Action, Args, LearnArgs};
    use crate::cmd::defaults::tests::{assert_shown, parse};
    use crate::Command;
    use embedpos_tokenize::{PhrasesConfig, Scorer};

    fn phrases(argv: &[&str]) -> Args {
        match parse(&[&["phrases"], argv].concat()) {
            Command::Phrases(a) => a,
            _ => unreachable!("a phrases command"),
        }
    }

    fn learn(argv: &[&str]) -> LearnArgs {
        match phrases(&[&["learn", "c.txt", "-o", "p.txt"], argv].concat()).action {
            Action::Learn(a) => a,
            Action::Apply(_) => unreachable!("phrases learn"),
        }
    }

    #[test]
    fn no_option_given_is_the_library_default() {
        assert_eq!(learn(&[]).config(), PhrasesConfig::default());
    }

    #[test]
    fn options_given_override_the_defaults() {
        let argv = [
            "--scorer",
            "npmi",
            "--threshold",
            "-0.25",
            "--min-count",
            "2",
            "--passes",
            "3",
            "--delimiter",
            "+",
            "--prune-cap",
            "99",
        ];
        let want = PhrasesConfig {
            scorer: Scorer::Npmi,
            threshold: -0.25,
            min_count: 2,
            delimiter: "+".into(),
            passes: 3,
            prune_cap: 99,
        };
        assert_eq!(learn(&argv).config(), want);
    }

    #[test]
    fn apply_to_alone_is_enough_and_apply_parses() {
        match phrases(&["learn", "c.txt", "--apply-to", "out.txt"]).action {
            Action::Learn(a) => assert!(a.output.is_none() && a.apply_to.is_some()),
            Action::Apply(_) => unreachable!("phrases learn"),
        }
        match phrases(&["apply", "--phrases", "p.txt", "a.txt", "b.txt"]).action {
            Action::Apply(a) => assert_eq!(a.inputs.len(), 2),
            Action::Learn(_) => unreachable!("phrases apply"),
        }
    }

    #[test]
    fn help_shows_the_library_defaults() {
        assert_shown(&["phrases", "learn"], &shown(&PhrasesConfig::default()));
    }
}
