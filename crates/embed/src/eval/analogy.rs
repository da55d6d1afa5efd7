//! Analogy evaluation on files in the format of word2vec's
//! `questions-words.txt`, scored exactly as gensim's
//! `KeyedVectors.evaluate_word_analogies` scores them.

use super::{case_key, evaluate_file, ok_vocab, read_lines};
use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use crate::query::AnalogyMethod;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The questions of an analogy file: `: section` header lines, then lines
/// `a b c d` meaning "a is to b as c is to d".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnalogySet {
    /// The sections in file order: name and questions `[a, b, c, d]` as written.
    pub sections: Vec<(String, Vec<[String; 4]>)>,
    /// Lines after the first header that are not headers and do not hold
    /// exactly four words (blank lines included); gensim skips them too.
    pub skipped_lines: usize,
}

impl AnalogySet {
    /// Reads an analogy file. Header lines start with `": "`; the section
    /// name is the rest with leading `:` and spaces and trailing whitespace
    /// removed (as gensim does). A non-header line before the first header
    /// and bytes that are not UTF-8 are errors with the line number.
    pub fn read(path: impl AsRef<Path>) -> Result<AnalogySet> {
        let path = path.as_ref();
        let mut set = AnalogySet::default();
        read_lines(path, |line_no, line| {
            if let Some(rest) = line.strip_prefix(": ") {
                let name = rest.trim_start_matches([':', ' ']).trim_end();
                set.sections.push((name.to_string(), Vec::new()));
                return Ok(());
            }
            let Some((_, questions)) = set.sections.last_mut() else {
                return Err(Error::parse(
                    path,
                    line_no,
                    "a line before the first `: section` header; analogy files start with a header line \
                     such as `: capital-common-countries`",
                ));
            };
            let mut words = line.split_whitespace();
            match (
                words.next(),
                words.next(),
                words.next(),
                words.next(),
                words.next(),
            ) {
                (Some(a), Some(b), Some(c), Some(d), None) => {
                    questions.push([a, b, c, d].map(String::from));
                }
                _ => set.skipped_lines += 1,
            }
            Ok(())
        })?;
        Ok(set)
    }

    /// Number of questions (four-word lines).
    pub fn len(&self) -> usize {
        self.sections.iter().map(|s| s.1.len()).sum()
    }

    /// True when there are no questions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How analogy questions are answered and counted. `Default` is gensim's
/// `evaluate_word_analogies` with `restrict_vocab=30000` (word2vec C's
/// `compute-accuracy` threshold, and what the benchmarks use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalogyConfig {
    /// Only the first this many words are candidates answers, and a question
    /// with a word outside them is out of vocabulary.
    pub restrict_vocab: usize,
    /// Compare words upper-cased; among case variants of a word the first
    /// (most frequent) one's vector is used.
    pub case_insensitive: bool,
    /// Count out-of-vocabulary questions as wrong instead of skipping them.
    pub dummy4unknown: bool,
    /// 3CosAdd (gensim's only choice) or 3CosMul.
    pub method: AnalogyMethod,
}

impl Default for AnalogyConfig {
    fn default() -> Self {
        AnalogyConfig {
            restrict_vocab: 30_000,
            case_insensitive: true,
            dummy4unknown: false,
            method: AnalogyMethod::Add,
        }
    }
}

/// Right and wrong answers in one section (or a sum of sections).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SectionScore {
    /// The section's name (`Total accuracy`, `semantic`, `syntactic` for sums).
    pub name: String,
    /// Questions answered right.
    pub correct: usize,
    /// Questions answered wrong (and, with `dummy4unknown`, out-of-vocabulary ones).
    pub incorrect: usize,
}

impl SectionScore {
    /// Questions scored.
    pub fn total(&self) -> usize {
        self.correct + self.incorrect
    }

    /// `correct / total`, 0 when nothing was scored (as gensim).
    pub fn accuracy(&self) -> f64 {
        match self.total() {
            0 => 0.0,
            n => self.correct as f64 / n as f64,
        }
    }

    fn sum<'a>(name: &str, parts: impl Iterator<Item = &'a SectionScore>) -> SectionScore {
        let mut s = SectionScore {
            name: name.to_string(),
            ..Default::default()
        };
        for p in parts {
            s.correct += p.correct;
            s.incorrect += p.incorrect;
        }
        s
    }
}

/// The result of [`Embeddings::evaluate_analogies`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalogyReport {
    /// The analogy file, when read from one.
    pub file: Option<PathBuf>,
    /// Accuracy over all scored questions (gensim's returned score).
    pub accuracy: f64,
    /// Each section in file order.
    pub sections: Vec<SectionScore>,
    /// Sections whose names do not start with `gram` (Mikolov et al.'s
    /// semantic questions).
    pub semantic: SectionScore,
    /// Sections whose names start with `gram` (the syntactic questions).
    pub syntactic: SectionScore,
    /// All sections (gensim's `Total accuracy`).
    pub total: SectionScore,
    /// Four-word questions in the file.
    pub questions: usize,
    /// Questions with a word outside the first `restrict_vocab` words.
    pub oov: usize,
    /// `oov` as a percentage of `questions` (gensim's logged OOV ratio).
    pub oov_ratio: f64,
    /// Lines skipped as malformed.
    pub skipped_lines: usize,
    /// The configuration used.
    pub config: AnalogyConfig,
}

impl Embeddings {
    /// Reads an analogy file and scores it (see
    /// [`evaluate_analogy_set`](Self::evaluate_analogy_set)).
    pub fn evaluate_analogies(
        &self,
        path: impl AsRef<Path>,
        config: &AnalogyConfig,
    ) -> Result<AnalogyReport> {
        evaluate_file(
            path.as_ref(),
            |p| AnalogySet::read(p),
            |set| self.evaluate_analogy_set(set, config),
            |report| &mut report.file,
        )
    }

    /// Scores analogy questions as gensim's `evaluate_word_analogies` does:
    /// a question `a b c d` whose four words are all among the first
    /// `restrict_vocab` words (upper-cased when `case_insensitive`) is
    /// answered by `most_similar(positive=[b, c], negative=[a], topn=5)`
    /// restricted to those words; the answer is the first of the five that is
    /// not `a`, `b` or `c` in any casing, and it is right when it equals `d`.
    /// Other questions are out of vocabulary: skipped, or wrong with
    /// `dummy4unknown`.
    pub fn evaluate_analogy_set(
        &self,
        set: &AnalogySet,
        config: &AnalogyConfig,
    ) -> Result<AnalogyReport> {
        let limit = config.restrict_vocab.min(self.len());
        let ci = config.case_insensitive;
        let vocab = ok_vocab(self, limit, ci);
        let keys: Vec<String> = (0..limit as u32)
            .map(|id| case_key(self.vocab().token(id), ci))
            .collect();
        let mut sections = Vec::with_capacity(set.sections.len());
        let mut oov = 0;
        for (name, questions) in &set.sections {
            let outcomes: Vec<Option<bool>> = questions
                .par_iter()
                .map(|q| {
                    let [a, b, c, d] = q.each_ref().map(|w| case_key(w, ci));
                    let (Some(&ia), Some(&ib), Some(&ic), Some(_)) =
                        (vocab.get(&a), vocab.get(&b), vocab.get(&c), vocab.get(&d))
                    else {
                        return None;
                    };
                    let terms = [(ib, 1.0), (ic, 1.0), (ia, -1.0)];
                    let sims = self.rank_ids(config.method, &terms, 5, limit);
                    let mut predicted: Option<&str> = None;
                    for n in &sims {
                        let p = keys[n.id as usize].as_str();
                        predicted = Some(p);
                        if vocab.contains_key(p) && p != a && p != b && p != c {
                            break;
                        }
                    }
                    Some(predicted == Some(d.as_str()))
                })
                .collect();
            let mut s = SectionScore {
                name: name.clone(),
                ..Default::default()
            };
            for o in outcomes {
                match o {
                    Some(true) => s.correct += 1,
                    Some(false) => s.incorrect += 1,
                    None => {
                        oov += 1;
                        if config.dummy4unknown {
                            s.incorrect += 1;
                        }
                    }
                }
            }
            sections.push(s);
        }
        let questions = set.len();
        let syntactic = SectionScore::sum(
            "syntactic",
            sections.iter().filter(|s| s.name.starts_with("gram")),
        );
        let semantic = SectionScore::sum(
            "semantic",
            sections.iter().filter(|s| !s.name.starts_with("gram")),
        );
        let total = SectionScore::sum("Total accuracy", sections.iter());
        Ok(AnalogyReport {
            file: None,
            accuracy: total.accuracy(),
            sections,
            semantic,
            syntactic,
            total,
            questions,
            oov,
            oov_ratio: if questions == 0 {
                0.0
            } else {
                oov as f64 / questions as f64 * 100.0
            },
            skipped_lines: set.skipped_lines,
            config: config.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Embeddings {
        let rows: [(&str, [f32; 2]); 6] = [
            ("man", [1.0, 0.0]),
            ("woman", [1.0, 1.0]),
            ("king", [3.0, 0.2]),
            ("queen", [3.0, 3.2]),
            ("Queen", [3.0, 2.9]),
            ("apple", [-1.0, 0.3]),
        ];
        Embeddings::from_rows(&rows)
    }

    #[test]
    fn scores_sections_and_oov() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("q.txt");
        std::fs::write(
            &p,
            ": family\nman king woman queen\nMAN KING WOMAN QUEEN\nman king woman apple\nman king woman pear\n\
             : gram-x\nking man queen woman\nbad line\n",
        )
        .unwrap();
        let r = toy()
            .evaluate_analogies(&p, &AnalogyConfig::default())
            .unwrap();
        assert_eq!((r.questions, r.oov, r.skipped_lines), (5, 1, 1));
        assert_eq!(
            r.sections[0],
            SectionScore {
                name: "family".into(),
                correct: 2,
                incorrect: 1
            }
        );
        assert_eq!((r.syntactic.correct, r.syntactic.incorrect), (1, 0));
        assert_eq!(r.total.total(), 4);
        assert!((r.accuracy - 0.75).abs() < 1e-12);
        assert!((r.oov_ratio - 20.0).abs() < 1e-12);
        let cfg = AnalogyConfig {
            dummy4unknown: true,
            case_insensitive: false,
            ..Default::default()
        };
        let r = toy().evaluate_analogies(&p, &cfg).unwrap();
        // Case-sensitive: the upper-case line and the pear line are OOV, counted wrong.
        assert_eq!(
            r.sections[0],
            SectionScore {
                name: "family".into(),
                correct: 1,
                incorrect: 3
            }
        );
    }

    #[test]
    fn question_before_header_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("q.txt");
        std::fs::write(&p, "a b c d\n").unwrap();
        let e = AnalogySet::read(&p).unwrap_err().to_string();
        assert!(e.contains("q.txt:1: a line before the first"), "{e}");
    }
}
