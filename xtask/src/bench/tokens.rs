//! What the unit of text does to word vectors: word2vec skip-gram (the
//! reference settings) trained on the same corpus split three ways —
//! whitespace words, byte-level BPE tokens (a tokenizer trained on the
//! corpus), and words joined into phrases (word2phrase's scorer) — and
//! scored on the same word-level analogy and similarity sets.
//!
//! BPE vectors are vectors of subword tokens; a test word is given the mean
//! of the vectors of the tokens it is made of mid-sentence (` word`, so
//! `Ġking`), for every word of the corpus's word vocabulary (same min-count),
//! written in that vocabulary's order so that the analogy search sees the
//! same candidates as the word run. Phrase vectors are scored as they are:
//! a word that was always joined into phrases has no vector of its own.

use super::anchors::Tool;
use super::runner::{self, Bench, Contender, Group, Output, Stage};
use super::scores::Format;
use super::{Ctx, Sampling};
use crate::args;
use crate::util::Result;
use embedpos_tokenize::{TokenModel, Tokenizer};
use serde_json::json;
use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Command;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    sampling: Sampling,
    /// Vocabulary size of the BPE tokenizer.
    #[arg(long, default_value_t = 32_000)]
    bpe_vocab: usize,
    /// word2phrase's threshold for the phrase run.
    #[arg(long, default_value_t = 100.0)]
    phrase_threshold: f64,
}

pub fn run(a: Args) -> Result {
    let t = &a.sampling.training;
    let ctx = Ctx::new(&t.common, &[Tool::Gensim], None, 1)?;
    let (window, epochs) = (t.window.unwrap_or(5), t.epochs.unwrap_or(5));
    let threads = ctx.threads.to_string();
    let w2v = |corpus: &Path, out: &Path, extra: Vec<OsString>| -> Vec<OsString> {
        let mut v = args![
            "--threads",
            &threads,
            "train",
            "word2vec",
            "--quiet",
            corpus,
            "-o",
            out,
            "--format",
            "text",
            "--model",
            "skipgram",
            "--dim",
            t.dim.to_string(),
            "--window",
            window.to_string(),
            "--epochs",
            epochs.to_string(),
            "--min-count",
            t.min_count.to_string(),
            "--negative",
            a.sampling.negative.to_string(),
            "--sample",
            &a.sampling.sample,
        ];
        v.extend(extra);
        v
    };
    let ours = |name: &str, stages: Vec<Vec<OsString>>, output: Output| -> Contender {
        let bin = ctx.ours_bin.clone();
        Contender::ours(name, &ctx.ours_bin, move |_, _| {
            Ok(stages
                .iter()
                .map(|argv| {
                    let mut cmd = Command::new(&bin);
                    cmd.args(argv);
                    Stage::new("", cmd)
                })
                .collect())
        })
        .scored(output)
    };

    // Words.
    let words_vec = ctx.out.join("tokens-words.vec");
    let words = ours(
        "words",
        vec![w2v(&ctx.corpus, &words_vec, Vec::new())],
        Output::Vectors(words_vec.clone(), Format::Text),
    );

    // BPE tokens.
    let tok = ctx.out.join("tokens-bpe.json");
    let bpe_vec = ctx.out.join("tokens-bpe.vec");
    let composed = ctx.out.join("tokens-bpe-words.vec");
    let vocab = ctx.out.join("tokens-vocab.txt");
    let train_bpe = args![
        "--threads",
        &threads,
        "bpe",
        "train",
        "--quiet",
        &ctx.corpus,
        "--vocab-size",
        a.bpe_vocab.to_string(),
        "--min-frequency",
        "2",
        "-o",
        &tok,
    ];
    let count_words = args![
        "--threads",
        &threads,
        "vocab",
        "--quiet",
        &ctx.corpus,
        "--min-count",
        t.min_count.to_string(),
        "-o",
        &vocab,
    ];
    let scorer = ctx.scorer.clone();
    let bpe = ours(
        &format!("bpe-{}k", a.bpe_vocab / 1000),
        vec![
            train_bpe,
            count_words,
            w2v(&ctx.corpus, &bpe_vec, args!["--tokenizer", &tok]),
        ],
        Output::Custom(Box::new({
            let (tok, bpe_vec, composed, vocab) = (
                tok.clone(),
                bpe_vec.clone(),
                composed.clone(),
                vocab.clone(),
            );
            move || {
                let (n, covered) = compose(&tok, &bpe_vec, &vocab, &composed)?;
                let mut m = scorer.score(&composed, Format::Text)?.unwrap_or_default();
                m.push(("words", n as f64));
                m.push(("1-token %", covered * 100.0));
                Ok(m)
            }
        })),
    );

    // Phrase-joined words.
    let phrases = ctx.out.join("tokens-phrases.txt");
    let phrased_vec = ctx.out.join("tokens-phrases.vec");
    let learn = args![
        "--threads",
        &threads,
        "phrases",
        "learn",
        "--quiet",
        &ctx.corpus,
        "--min-count",
        "5",
        "--threshold",
        a.phrase_threshold.to_string(),
        "-o",
        &phrases,
    ];
    let phrased = ours(
        "phrases",
        vec![
            learn,
            w2v(&ctx.corpus, &phrased_vec, args!["--tokenizer", &phrases]),
        ],
        Output::Vectors(phrased_vec.clone(), Format::Text),
    );

    let settings = vec![
        ("model", json!("skipgram")),
        ("dim", json!(t.dim)),
        ("window", json!(window)),
        ("epochs", json!(epochs)),
        ("min-count", json!(t.min_count)),
        ("negative", json!(a.sampling.negative)),
        ("sample", json!(a.sampling.sample)),
        ("bpe vocab", json!(a.bpe_vocab)),
        ("phrase threshold", json!(a.phrase_threshold)),
    ];
    let groups = vec![
        Group::new("words", vec![words]),
        Group::new("bpe", vec![bpe]),
        Group::new("phrases", vec![phrased]),
    ];
    let bench = Bench {
        name: "tokens",
        what: "word2vec skip-gram on words, BPE tokens and phrases".into(),
        settings,
        groups,
        notes: vec![
            "(bpe: a word's vector is the mean of its BPE tokens' vectors, as it is split mid-sentence; words = words so scored; 1-token % = share of them that are one token)".into(),
        ],
    };
    runner::run(bench, &ctx)?.finish()
}

/// Writes, for every word of `vocab` (a `word count` file), the mean of the
/// vectors of its BPE tokens (from `tokenizer`) found in `vectors` (word2vec
/// text); returns how many words were written and the share that are a
/// single token.
fn compose(tokenizer: &Path, vectors: &Path, vocab: &Path, out: &Path) -> Result<(usize, f64)> {
    let model = TokenModel::load(tokenizer)?;
    let tok = Tokenizer::default().with_model(model);
    let mut table: HashMap<String, Vec<f32>> = HashMap::new();
    let mut dim = 0;
    for (i, line) in BufReader::new(std::fs::File::open(vectors)?)
        .lines()
        .enumerate()
    {
        let line = line?;
        if i == 0 {
            continue;
        }
        let mut it = line.split(' ');
        let Some(word) = it.next() else { continue };
        let v: Vec<f32> = it.filter_map(|x| x.parse().ok()).collect();
        dim = v.len();
        table.insert(word.to_string(), v);
    }
    let mut rows: Vec<(String, Vec<f32>)> = Vec::new();
    let mut single = 0usize;
    for line in BufReader::new(std::fs::File::open(vocab)?).lines() {
        let line = line?;
        let Some(word) = line.split(' ').next().filter(|w| !w.is_empty()) else {
            continue;
        };
        let pieces = tok.tokenize(&format!(" {word}"));
        let found: Vec<&Vec<f32>> = pieces.iter().filter_map(|p| table.get(p)).collect();
        if found.is_empty() {
            continue;
        }
        if pieces.len() == 1 {
            single += 1;
        }
        let mut mean = vec![0f32; dim];
        for v in &found {
            for (m, x) in mean.iter_mut().zip(v.iter()) {
                *m += x / found.len() as f32;
            }
        }
        rows.push((word.to_string(), mean));
    }
    let mut text = Vec::new();
    writeln!(text, "{} {dim}", rows.len())?;
    for (w, v) in &rows {
        write!(text, "{w}")?;
        for x in v {
            write!(text, " {x}")?;
        }
        writeln!(text)?;
    }
    crate::util::write_atomic(out, &text)?;
    Ok((rows.len(), single as f64 / rows.len().max(1) as f64))
}
