//! Intrinsic evaluation on the standard files: analogy questions
//! ([`AnalogySet`], [`Embeddings::evaluate_analogies`]) and word-pair
//! similarity ([`PairSet`], [`Embeddings::evaluate_word_pairs`]).
//!
//! Both reproduce gensim 4's `KeyedVectors.evaluate_word_analogies` and
//! `evaluate_word_pairs` — the vocabulary restriction, the upper-casing of
//! words with the first case variant winning, the skipping and counting of
//! out-of-vocabulary items, `dummy4unknown`, the OOV ratio in percent, and
//! Spearman's ρ with average ranks — so the numbers can be compared with
//! published ones. An end-to-end test checks them against gensim itself.
//!
//! [`Embeddings::evaluate_analogies`]: crate::Embeddings::evaluate_analogies
//! [`Embeddings::evaluate_word_pairs`]: crate::Embeddings::evaluate_word_pairs

mod analogy;
mod pairs;
pub mod stats;

pub use analogy::{AnalogyConfig, AnalogyReport, AnalogySet, SectionScore};
pub use pairs::{PairSet, PairsConfig, PairsReport};

use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use crate::io::common::{self, chomp, read_line, utf8};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The key a word is compared by: upper-cased when case-insensitive
/// (Unicode upper-casing, like Python's `str.upper`).
pub(crate) fn case_key(word: &str, case_insensitive: bool) -> String {
    if case_insensitive {
        word.to_uppercase()
    } else {
        word.to_string()
    }
}

/// Key → id for the first `limit` words; among words with the same key the
/// first (lowest id) wins, as in gensim's `ok_vocab`.
pub(crate) fn ok_vocab(
    emb: &Embeddings,
    limit: usize,
    case_insensitive: bool,
) -> HashMap<String, u32> {
    let mut map = HashMap::with_capacity(limit);
    for id in 0..limit as u32 {
        map.entry(case_key(emb.vocab().token(id), case_insensitive))
            .or_insert(id);
    }
    map
}

/// Reads the evaluation file at `path` with `read` and scores it with
/// `score`, naming the file in the report (the field `file` returns) and
/// in a complaint about what it holds (an [`Error::InvalidArgument`] of
/// `score` becomes a format error of the file).
pub(crate) fn evaluate_file<S, R>(
    path: &Path,
    read: impl FnOnce(&Path) -> Result<S>,
    score: impl FnOnce(&S) -> Result<R>,
    file: impl FnOnce(&mut R) -> &mut Option<PathBuf>,
) -> Result<R> {
    let set = read(path)?;
    let mut report = score(&set).map_err(|e| match e {
        Error::InvalidArgument(m) => Error::format(path, m),
        e => e,
    })?;
    *file(&mut report) = Some(path.to_path_buf());
    Ok(report)
}

/// Calls `f(line_number, line)` for each line of a UTF-8 text file, without
/// its line ending.
pub(crate) fn read_lines(path: &Path, mut f: impl FnMut(u64, &str) -> Result<()>) -> Result<()> {
    let (mut r, _) = common::open(path)?;
    let mut buf = Vec::new();
    let mut line_no = 0;
    loop {
        line_no += 1;
        if read_line(&mut r, &mut buf, 1 << 20, path, line_no)? == 0 {
            return Ok(());
        }
        let line = utf8(chomp(&buf), path, line_no).map_err(|e| match e {
            Error::Parse { path, line, .. } => Error::parse(
                path,
                line,
                "not valid UTF-8; evaluation files must be UTF-8",
            ),
            e => e,
        })?;
        f(line_no, line)?;
    }
}
