//! `cargo xtask bench`: ours and the reference tools in one run, with ratios.
//!
//! Each benchmark only declares its contenders and settings; `runner` runs
//! them alternately, measures, scores and prints one table (and JSON).

mod anchors;
mod bpe;
mod fasttext;
mod glove;
mod phrases;
mod runner;
mod scores;
mod tokens;
mod vocab;
mod word2vec;

use crate::util::{bench_corpus, bench_dir, count_tokens, embedpos_bin, Result};
use anchors::{Anchors, Tool};
use runner::{Contender, Group, Output, Stage};
use scores::{Format, Scorer};
use serde_json::{json, Value};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which benchmark.
    #[command(subcommand)]
    which: Which,
}

/// Options every benchmark takes.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// The corpus: plain text, one sentence or paragraph a line (`.gz` is
    /// decompressed once into target/bench). Default: $EMBEDPOS_BENCH_CORPUS,
    /// else ../shared/data/en-bench.txt.gz beside the checkout when it exists.
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Threads for every tool.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Runs of each tool, alternating (default: 3 for vocab, 1 otherwise).
    /// The table shows the mean over the runs and, from 2 runs, the
    /// standard deviation.
    #[arg(long)]
    pub repeat: Option<usize>,
    /// Also write the results as JSON to this file (atomically).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Run and score only ours (no reference tool).
    #[arg(long)]
    pub only_ours: bool,
    /// Do not run bench/install_anchors.sh for missing reference tools.
    #[arg(long)]
    pub no_install: bool,
    /// Extra arguments for our command (e.g. `--no-shared-negatives`).
    #[arg(long, allow_hyphen_values = true, value_name = "ARGS")]
    pub ours_args: Option<String>,
}

/// Training settings the embedding benchmarks share; both sides get them.
#[derive(Debug, Clone, clap::Args)]
pub struct Training {
    #[command(flatten)]
    pub common: Common,
    /// Vector dimension.
    #[arg(long, default_value_t = 100)]
    pub dim: usize,
    /// Window (default: 5; GloVe: 10).
    #[arg(long)]
    pub window: Option<usize>,
    /// Epochs (default: 5; GloVe: 15).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Minimum count.
    #[arg(long, default_value_t = 5)]
    pub min_count: u64,
}

impl Training {
    /// The settings for the heading and the JSON, with the benchmark's
    /// window and epochs.
    pub fn describe(&self, window: usize, epochs: usize) -> Vec<(&'static str, Value)> {
        vec![
            ("dim", json!(self.dim)),
            ("window", json!(window)),
            ("min-count", json!(self.min_count)),
            ("epochs", json!(epochs)),
        ]
    }
}

/// Settings of the word2vec-style trainers (word2vec and fastText).
#[derive(Debug, Clone, clap::Args)]
pub struct Sampling {
    #[command(flatten)]
    pub training: Training,
    /// Output layers to run, comma-separated: sg-ns, sg-hs, cbow-ns, cbow-hs
    /// (skip-gram / CBOW × negative sampling / hierarchical softmax), or
    /// `all`; `skipgram` and `cbow` mean sg-ns and cbow-ns.
    #[arg(long, alias = "models", value_delimiter = ',')]
    pub modes: Option<Vec<String>>,
    /// Noise words (negative sampling).
    #[arg(long, default_value_t = 5)]
    pub negative: usize,
    /// Subsampling threshold.
    #[arg(long, default_value = "1e-4")]
    pub sample: String,
}

impl Sampling {
    /// The settings for the heading and the JSON: the training's (with the
    /// benchmark's window and epochs), these, then `more`.
    pub fn describe(
        &self,
        window: usize,
        epochs: usize,
        more: Vec<(&'static str, Value)>,
    ) -> Vec<(&'static str, Value)> {
        let mut v = self.training.describe(window, epochs);
        v.extend([
            ("negative", json!(self.negative)),
            ("sample", json!(self.sample)),
        ]);
        v.extend(more);
        v
    }
}

/// A group of one training mode: words/s from the corpus and the epochs.
pub fn training_group(ctx: &Ctx, mode: Mode, epochs: usize, contenders: Vec<Contender>) -> Group {
    Group::new(&mode.name(), contenders).work(
        "words/s",
        ctx.tokens as f64 * epochs as f64,
        "corpus tokens x epochs / wall time of the whole run, vocabulary pass included",
    )
}

/// One architecture × output layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    pub skipgram: bool,
    pub hs: bool,
}

impl Mode {
    const ALL: [Mode; 4] = [
        Mode::new(true, false),
        Mode::new(true, true),
        Mode::new(false, false),
        Mode::new(false, true),
    ];

    const fn new(skipgram: bool, hs: bool) -> Mode {
        Mode { skipgram, hs }
    }

    /// `sg-ns`, `cbow-hs`, …
    pub fn name(self) -> String {
        format!(
            "{}-{}",
            if self.skipgram { "sg" } else { "cbow" },
            self.loss()
        )
    }

    /// `skipgram` or `cbow`.
    pub fn model(self) -> &'static str {
        if self.skipgram {
            "skipgram"
        } else {
            "cbow"
        }
    }

    /// `ns` or `hs`.
    pub fn loss(self) -> &'static str {
        if self.hs {
            "hs"
        } else {
            "ns"
        }
    }

    /// The modes `--modes` names (`default` when not given).
    pub fn parse_list(given: Option<&[String]>, default: &[Mode]) -> Result<Vec<Mode>> {
        let Some(given) = given else {
            return Ok(default.to_vec());
        };
        let mut out = Vec::new();
        for s in given {
            let add: Vec<Mode> = match s.trim() {
                "all" => Mode::ALL.to_vec(),
                "skipgram" | "sg" => vec![Mode::new(true, false)],
                "cbow" => vec![Mode::new(false, false)],
                other => match Mode::ALL.iter().find(|m| m.name() == other) {
                    Some(m) => vec![*m],
                    None => {
                        return Err(format!(
                            "unknown mode {other:?}: use sg-ns, sg-hs, cbow-ns, cbow-hs or all"
                        )
                        .into())
                    }
                },
            };
            for m in add {
                if !out.contains(&m) {
                    out.push(m);
                }
            }
        }
        Ok(out)
    }
}

/// What every benchmark works with: the corpus, our binary, the reference
/// tools and the scorer, and the common options.
pub struct Ctx {
    pub corpus: PathBuf,
    pub bytes: u64,
    pub tokens: u64,
    pub threads: usize,
    pub repeat: usize,
    pub only_ours: bool,
    pub json: Option<PathBuf>,
    /// target/bench: outputs, logs.
    pub out: PathBuf,
    pub ours_bin: PathBuf,
    pub anchors: Anchors,
    pub scorer: Scorer,
    /// `--ours-args`, split on whitespace.
    pub ours_args: Vec<String>,
}

impl Ctx {
    /// Resolves the corpus, builds ours, finds (and when allowed installs)
    /// the reference tools in `needs` and the scorer.
    fn new(
        c: &Common,
        needs: &[Tool],
        glove_src: Option<PathBuf>,
        default_repeat: usize,
    ) -> Result<Ctx> {
        let corpus = bench_corpus(c.corpus.as_deref())?;
        let bytes = std::fs::metadata(&corpus)?.len();
        let tokens = count_tokens(&corpus)?;
        if tokens == 0 {
            return Err(format!("the corpus {} holds no words", corpus.display()).into());
        }
        let ours_bin = embedpos_bin()?;
        let anchors = Anchors::new(glove_src);
        let mut needs: Vec<Tool> = needs.to_vec();
        if c.only_ours {
            needs.retain(|t| *t == Tool::Gensim);
        }
        if !c.no_install {
            anchors.install_missing(&needs);
        }
        let scorer = Scorer::new(anchors.find(Tool::Gensim));
        Ok(Ctx {
            corpus,
            bytes,
            tokens,
            threads: c.threads,
            repeat: c.repeat.unwrap_or(default_repeat).max(1),
            only_ours: c.only_ours,
            json: c.json.clone(),
            out: bench_dir()?,
            ours_bin,
            anchors,
            scorer,
            ours_args: c
                .ours_args
                .as_deref()
                .map(|s| s.split_whitespace().map(String::from).collect())
                .unwrap_or_default(),
        })
    }

    /// Ours as one command, `embedpos ARGS… --ours-args`, scored as
    /// `output` says.
    pub fn ours(&self, args: Vec<OsString>, output: Output) -> Contender {
        let mut args = args;
        args.extend(self.ours_args.iter().map(OsString::from));
        Contender::ours("embedpos", &self.ours_bin, fixed(args)).scored(output)
    }
}

/// One side of a training comparison: its own arguments (before the shared
/// settings) and the vector file it writes.
pub struct Side {
    pub args: Vec<OsString>,
    pub vectors: PathBuf,
    pub format: Format,
}

impl Ctx {
    /// The reference tool `anchor` run as `theirs` says, and `embedpos train
    /// KIND --quiet CORPUS -o VECTORS` with `ours`' arguments, both with
    /// `settings` and each scored from its vector file.
    pub fn training_pair(
        &self,
        anchor: (&str, Tool),
        theirs: Side,
        kind: &str,
        ours: Side,
        settings: &[Setting],
    ) -> Vec<Contender> {
        let mut their_args = theirs.args;
        their_args.extend(Setting::theirs(settings));
        let theirs = Contender::anchor(anchor.0, self.anchors.find(anchor.1), fixed(their_args))
            .scored(Output::Vectors(theirs.vectors, theirs.format));
        let mut our_args =
            crate::args!["train", kind, "--quiet", &self.corpus, "-o", &ours.vectors];
        our_args.extend(ours.args);
        our_args.extend(Setting::ours(settings));
        let ours = self.ours(our_args, Output::Vectors(ours.vectors, ours.format));
        vec![theirs, ours]
    }
}

/// A setting both sides get: our flag, the reference tool's flag, the value.
pub struct Setting(pub &'static str, pub &'static str, pub String);

impl Setting {
    /// Our flags and values.
    pub fn ours(all: &[Setting]) -> Vec<OsString> {
        all.iter()
            .flat_map(|s| [s.0.into(), s.2.clone().into()])
            .collect()
    }

    /// The reference tool's flags and values.
    pub fn theirs(all: &[Setting]) -> Vec<OsString> {
        all.iter()
            .flat_map(|s| [s.1.into(), s.2.clone().into()])
            .collect()
    }
}

/// A run of one command line with these arguments, the same every run.
pub fn fixed(args: Vec<OsString>) -> impl Fn(&Path, usize) -> Result<Vec<Stage>> + 'static {
    move |program, _| {
        let mut cmd = std::process::Command::new(program);
        cmd.args(&args);
        Ok(vec![Stage::new("", cmd)])
    }
}

/// Builds an argument list from pieces: strings and paths alike.
#[macro_export]
macro_rules! args {
    ($($a:expr),* $(,)?) => {
        vec![$(std::ffi::OsString::from($a)),*] as Vec<std::ffi::OsString>
    };
}

#[derive(Debug, clap::Subcommand)]
enum Which {
    /// Vocabulary counting vs `word2vec -save-vocab`, plus pre-tokenizer MB/s.
    Vocab(Common),
    /// GloVe (counting + training) vs GloVe C's four stages: time per stage, memory, accuracy.
    Glove(glove::Args),
    /// word2vec training (skip-gram/CBOW × negative sampling/hierarchical softmax) vs word2vec C.
    Word2vec(word2vec::Args),
    /// fastText training (subword skip-gram/CBOW) vs fastText's command line.
    Fasttext(fasttext::Args),
    /// Byte-level BPE training vs Hugging Face tokenizers; cl100k encoding vs tiktoken and tokenizers.
    Bpe(bpe::Args),
    /// word2vec skip-gram on words vs BPE tokens vs phrase-joined words: analogy and similarity.
    Tokens(tokens::Args),
    /// Phrase detection (learn and join) vs word2phrase at its defaults: time, memory, identical output.
    Phrases(Common),
}

pub fn run(args: Args) -> Result {
    match args.which {
        Which::Vocab(c) => vocab::run(c),
        Which::Glove(a) => glove::run(a),
        Which::Word2vec(a) => word2vec::run(a),
        Which::Fasttext(a) => fasttext::run(a),
        Which::Bpe(a) => bpe::run(a),
        Which::Tokens(a) => tokens::run(a),
        Which::Phrases(c) => phrases::run(c),
    }
}

#[cfg(test)]
mod tests {
    use super::Mode;

    fn names(given: Option<&[String]>) -> Vec<String> {
        Mode::parse_list(given, &[Mode::new(true, false)])
            .unwrap()
            .into_iter()
            .map(Mode::name)
            .collect()
    }

    #[test]
    fn modes_parse() {
        assert_eq!(names(None), ["sg-ns"]);
        let all = ["all".to_string()];
        assert_eq!(names(Some(&all)), ["sg-ns", "sg-hs", "cbow-ns", "cbow-hs"]);
        let some = ["cbow-hs".to_string(), "skipgram".into(), "sg-ns".into()];
        assert_eq!(names(Some(&some)), ["cbow-hs", "sg-ns"]);
        let bad = ["sg-xx".to_string()];
        assert!(Mode::parse_list(Some(&bad), &[]).is_err());
    }
}
