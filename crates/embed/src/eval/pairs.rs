//! Word-pair similarity evaluation (WordSim-353, SimLex-999, ...), scored
//! exactly as gensim's `KeyedVectors.evaluate_word_pairs` scores it.

use super::stats::{pearson, spearman};
use super::{case_key, evaluate_file, ok_vocab, read_lines};
use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Word pairs with human similarity scores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairSet {
    /// `(word, word, score)` in file order.
    pub pairs: Vec<(String, String, f64)>,
    /// Non-comment lines that are not `word word score` (gensim skips them too).
    pub skipped_lines: usize,
}

impl PairSet {
    /// Reads a pairs file: lines `word1 word2 score`, separated by `delimiter`
    /// or, when `None`, by tabs if the line has one (gensim's default
    /// delimiter) and by whitespace otherwise. Lines starting with `#` are
    /// comments; other lines without exactly three fields or with a score
    /// that is not a number are skipped and counted. Surrounding whitespace
    /// is trimmed from each field.
    pub fn read(path: impl AsRef<Path>, delimiter: Option<char>) -> Result<PairSet> {
        let path = path.as_ref();
        let mut set = PairSet::default();
        read_lines(path, |_, line| {
            if line.starts_with('#') {
                return Ok(());
            }
            let fields: Vec<&str> = match delimiter {
                Some(d) => line.split(d).map(str::trim).collect(),
                None if line.contains('\t') => line.split('\t').map(str::trim).collect(),
                None => line.split_whitespace().collect(),
            };
            match fields[..] {
                [a, b, s] => match s.parse::<f64>() {
                    Ok(s) => set.pairs.push((a.to_string(), b.to_string(), s)),
                    Err(_) => set.skipped_lines += 1,
                },
                _ => set.skipped_lines += 1,
            }
            Ok(())
        })?;
        Ok(set)
    }
}

/// How word pairs are scored. `Default` is gensim's `evaluate_word_pairs`
/// defaults (`restrict_vocab=300000`, case-insensitive, OOV pairs skipped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PairsConfig {
    /// A pair with a word outside the first this many words is out of vocabulary.
    pub restrict_vocab: usize,
    /// Compare words upper-cased; among case variants of a word the first
    /// (most frequent) one's vector is used.
    pub case_insensitive: bool,
    /// Give out-of-vocabulary pairs similarity 0 instead of skipping them.
    pub dummy4unknown: bool,
    /// The field separator; `None`: tab if the line has one, else whitespace.
    pub delimiter: Option<char>,
}

impl Default for PairsConfig {
    fn default() -> Self {
        PairsConfig {
            restrict_vocab: 300_000,
            case_insensitive: true,
            dummy4unknown: false,
            delimiter: None,
        }
    }
}

/// The result of [`Embeddings::evaluate_word_pairs`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairsReport {
    /// The pairs file, when read from one.
    pub file: Option<PathBuf>,
    /// Spearman's ρ between the file's scores and the cosine similarities
    /// (scipy's `spearmanr`: average ranks for ties).
    pub spearman: f64,
    /// Pearson's r between the same.
    pub pearson: f64,
    /// Pairs that entered the correlations.
    pub pairs: usize,
    /// Pairs with a word outside the first `restrict_vocab` words.
    pub oov: usize,
    /// The OOV ratio in percent, as gensim reports it: `oov / (pairs + oov)`
    /// when OOV pairs are skipped, `oov / pairs` with `dummy4unknown`.
    pub oov_ratio: f64,
    /// Lines skipped as malformed.
    pub skipped_lines: usize,
    /// The configuration used.
    pub config: PairsConfig,
}

impl Embeddings {
    /// Reads a pairs file and scores it (see
    /// [`evaluate_pair_set`](Self::evaluate_pair_set)).
    pub fn evaluate_word_pairs(
        &self,
        path: impl AsRef<Path>,
        config: &PairsConfig,
    ) -> Result<PairsReport> {
        evaluate_file(
            path.as_ref(),
            |p| PairSet::read(p, config.delimiter),
            |set| self.evaluate_pair_set(set, config),
            |report| &mut report.file,
        )
    }

    /// Scores word pairs as gensim's `evaluate_word_pairs` does: the cosine
    /// similarity of each pair whose words are among the first
    /// `restrict_vocab` words is correlated with the file's score. Errors
    /// when no pair can be scored.
    pub fn evaluate_pair_set(&self, set: &PairSet, config: &PairsConfig) -> Result<PairsReport> {
        let limit = config.restrict_vocab.min(self.len());
        let ci = config.case_insensitive;
        let vocab = ok_vocab(self, limit, ci);
        let (mut gold, mut model) = (Vec::new(), Vec::new());
        let mut oov = 0;
        for (a, b, score) in &set.pairs {
            match (vocab.get(&case_key(a, ci)), vocab.get(&case_key(b, ci))) {
                (Some(&ia), Some(&ib)) => {
                    gold.push(*score);
                    model.push(self.cosine_ids(ia, ib));
                }
                _ => {
                    oov += 1;
                    if config.dummy4unknown {
                        gold.push(*score);
                        model.push(0.0);
                    }
                }
            }
        }
        if gold.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "no word pair could be scored: {} pairs, all with a word outside the first {limit} words \
                 of the vocabulary (or the file is not `word word score` lines)",
                set.pairs.len()
            )));
        }
        let denom = if config.dummy4unknown {
            gold.len()
        } else {
            gold.len() + oov
        };
        Ok(PairsReport {
            file: None,
            spearman: spearman(&gold, &model),
            pearson: pearson(&gold, &model),
            pairs: gold.len(),
            oov,
            oov_ratio: oov as f64 / denom as f64 * 100.0,
            skipped_lines: set.skipped_lines,
            config: config.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tabs_spaces_comments() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.tsv");
        std::fs::write(
            &p,
            "# c\nWord 1\tWord 2\tHuman\ntiger\tcat\t7.35\nold new 1.5\nx y\nbad\tpair\tz\n",
        )
        .unwrap();
        let s = PairSet::read(&p, None).unwrap();
        assert_eq!(
            s.pairs,
            [
                ("tiger".into(), "cat".into(), 7.35),
                ("old".into(), "new".into(), 1.5)
            ]
        );
        assert_eq!(s.skipped_lines, 3);
    }

    #[test]
    fn correlates_and_counts_oov() {
        let e = Embeddings::from_rows(&[
            ("a", [1.0, 0.0]),
            ("b", [1.0, 0.2]),
            ("c", [0.0, 1.0]),
            ("d", [-1.0, 0.1]),
        ]);
        let set = PairSet {
            pairs: vec![
                ("a".into(), "b".into(), 9.0),
                ("A".into(), "c".into(), 5.0),
                ("a".into(), "d".into(), 1.0),
                ("a".into(), "zz".into(), 3.0),
            ],
            skipped_lines: 0,
        };
        let r = e.evaluate_pair_set(&set, &PairsConfig::default()).unwrap();
        assert_eq!((r.pairs, r.oov), (3, 1));
        assert!((r.spearman - 1.0).abs() < 1e-12);
        assert!((r.oov_ratio - 25.0).abs() < 1e-12);
        let cfg = PairsConfig {
            restrict_vocab: 1,
            ..Default::default()
        };
        assert!(e.evaluate_pair_set(&set, &cfg).is_err());
    }
}
