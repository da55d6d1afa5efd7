//! The word2vec configuration: `Default` is word2vec C's defaults.

use crate::error::{Error, Result};
use embedpos_tokenize::Tokenizer;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The architecture (Mikolov et al. 2013a, "Efficient Estimation of Word
/// Representations in Vector Space", §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// Continuous skip-gram: each context word predicts the centre word
    /// (word2vec C's `-cbow 0`; word2vec C predicts the centre from each
    /// context word, which is the same objective summed the other way).
    SkipGram,
    /// Continuous bag of words: the mean (or sum) of the context vectors
    /// predicts the centre word (`-cbow 1`, word2vec C's default).
    #[default]
    Cbow,
}

impl Model {
    /// The name used in configs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Model::SkipGram => "skipgram",
            Model::Cbow => "cbow",
        }
    }
}

/// The output layer (Mikolov et al. 2013b, "Distributed Representations of
/// Words and Phrases and their Compositionality", §2.1–2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Loss {
    /// Negative sampling: `log σ(v'_o·h) + Σ_{k=1}^{K} log σ(−v'_k·h)` with
    /// the `K` noise words drawn from the unigram distribution raised to
    /// 3/4 (word2vec C's `-negative 5 -hs 0`, the default).
    #[default]
    #[serde(rename = "ns")]
    NegativeSampling,
    /// Hierarchical softmax over a Huffman tree built from the counts
    /// (`-hs 1 -negative 0`). word2vec C can also run both at once
    /// (`-hs 1` keeps `-negative 5`); here one is chosen.
    #[serde(rename = "hs")]
    HierarchicalSoftmax,
}

impl Loss {
    /// The name used in configs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Loss::NegativeSampling => "ns",
            Loss::HierarchicalSoftmax => "hs",
        }
    }
}

/// Settings of word2vec training.
///
/// `Default` is word2vec C's defaults: CBOW with negative sampling (5
/// noise words), 100 dimensions, a window of 5, `sample = 1e-3`,
/// `min_count = 5`, 5 epochs, a starting learning rate of 0.05 for CBOW and
/// 0.025 for skip-gram decaying linearly to `alpha · 1e-4`, the mean of the
/// context vectors in CBOW, sentences cut at 1000 words and 12 threads.
/// Two additions: [`shared_negatives`](Self::shared_negatives) (on by
/// default, see there) and an explicit [`seed`](Self::seed).
///
/// ```
/// use embedpos_embed::train::{Model, Word2VecConfig};
/// let cfg = Word2VecConfig { model: Model::SkipGram, sample: 1e-4, ..Default::default() };
/// assert_eq!(cfg.start_alpha(), 0.025);
/// assert!(cfg.validate().is_ok());
/// assert!(Word2VecConfig { dim: 0, ..cfg }.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Word2VecConfig {
    /// Skip-gram or CBOW (`-cbow`, default CBOW).
    pub model: Model,
    /// Negative sampling or hierarchical softmax (default negative sampling).
    pub loss: Loss,
    /// Vector dimension (`-size`, 100).
    pub dim: usize,
    /// Maximum distance between the centre word and a context word
    /// (`-window`, 5). For every centre word the effective window is drawn
    /// uniformly from `1..=window` (word2vec C's `b = next_random % window`),
    /// which weights near words more (Mikolov et al. 2013a, §3.2).
    pub window: usize,
    /// Noise words per positive example with negative sampling (`-negative`, 5).
    pub negative: usize,
    /// Subsampling threshold `t` (`-sample`, 1e-3; 0 turns it off). A word
    /// with count `f` among `T` training words is kept with probability
    /// `(sqrt(f / (t·T)) + 1) · t·T / f`, word2vec C's formula (a smoothed
    /// version of the paper's `1 − sqrt(t / freq)`, Mikolov et al. 2013b, §2.3).
    pub sample: f64,
    /// Words seen fewer times are dropped before training (`-min-count`, 5).
    pub min_count: u64,
    /// Keep at most this many words, the most frequent (`None`: no limit).
    pub max_vocab: Option<usize>,
    /// Passes over the corpus (`-iter`, 5).
    pub epochs: usize,
    /// Starting learning rate (`-alpha`); `None` means word2vec C's default,
    /// 0.05 for CBOW and 0.025 for skip-gram.
    pub alpha: Option<f32>,
    /// Final learning rate. `None` is word2vec C's schedule:
    /// `alpha · (1 − done / (epochs · words + 1))`, floored at `alpha · 1e-4`;
    /// `Some(m)` decays linearly from `alpha` to `m` instead (gensim's
    /// `min_alpha`).
    pub min_alpha: Option<f32>,
    /// CBOW only: average the context vectors (`true`, word2vec C's
    /// behaviour) or sum them (`false`, gensim's `cbow_mean=0`).
    pub cbow_mean: bool,
    /// Sentences (corpus lines) longer than this many words, counted after
    /// subsampling, are cut (word2vec C's `MAX_SENTENCE_LENGTH`, 1000). The
    /// fastText trainer counts the tokens read instead (fastText's
    /// `MAX_LINE_SIZE`; its defaults set 1024).
    pub max_sentence_len: usize,
    /// Skip-gram with negative sampling only: draw the noise words once per
    /// centre word and share them across the context window, so that the
    /// update of a window is three small matrix products (Ji et al. 2016,
    /// "Parallelizing Word2Vec in Shared and Distributed Memory"). `false`
    /// draws fresh noise words for every (centre, context) pair and updates
    /// pair by pair, exactly as word2vec C does; `true` (the default) is
    /// faster at the same accuracy (see `cargo xtask bench word2vec`).
    pub shared_negatives: bool,
    /// Every epoch, read the corpus in a new random order of blocks of
    /// whole lines (about 4096 words each), the threads taking equal shares
    /// of that order, instead of each thread reading its fixed part in file
    /// order as word2vec C and fastText do. On text whose order carries
    /// topics (a dictionary, a crawl sorted by site) file order makes the
    /// late, low-learning-rate updates follow whatever comes last; shuffled
    /// blocks remove that drift at no cost in speed (see `cargo xtask
    /// bench`). Within a block the text keeps its order, so windows are
    /// unchanged.
    pub shuffle_blocks: bool,
    /// Worker threads (`-threads`, 12). With 1 thread and a fixed
    /// [`seed`](Self::seed), training is bit-for-bit reproducible; with more,
    /// threads update the shared matrices without locks (Hogwild!).
    pub threads: usize,
    /// Seed of the random number generators: the one that initialises the
    /// input vectors and one per thread. word2vec C has no seed option and
    /// behaves like seed 1.
    pub seed: u64,
    /// How lines are split into words; the default splits on whitespace and
    /// changes nothing, as word2vec C does.
    pub tokenizer: Tokenizer,
    /// Folder for the temporary file of encoded word ids (4 bytes per corpus
    /// word); `None` is the system temporary folder.
    pub temp_dir: Option<PathBuf>,
}

impl Default for Word2VecConfig {
    fn default() -> Self {
        Word2VecConfig {
            model: Model::Cbow,
            loss: Loss::NegativeSampling,
            dim: 100,
            window: 5,
            negative: 5,
            sample: 1e-3,
            min_count: 5,
            max_vocab: None,
            epochs: 5,
            alpha: None,
            min_alpha: None,
            cbow_mean: true,
            max_sentence_len: 1000,
            shared_negatives: true,
            shuffle_blocks: false,
            threads: 12,
            seed: 1,
            tokenizer: Tokenizer::default(),
            temp_dir: None,
        }
    }
}

impl Word2VecConfig {
    /// The starting learning rate: [`alpha`](Self::alpha), or word2vec C's
    /// default for the model (0.05 for CBOW, 0.025 for skip-gram).
    pub fn start_alpha(&self) -> f32 {
        self.alpha.unwrap_or(match self.model {
            Model::Cbow => 0.05,
            Model::SkipGram => 0.025,
        })
    }

    /// Rejects settings that cannot train, saying which value is wrong and
    /// what would work.
    pub fn validate(&self) -> Result<()> {
        ensure(self.dim > 0, || {
            "dim is 0; vectors need at least one dimension (word2vec uses 100)".into()
        })?;
        ensure(self.window > 0, || {
            "window is 0; a word needs at least one neighbour on each side (word2vec uses 5)".into()
        })?;
        ensure(
            self.loss != Loss::NegativeSampling || self.negative > 0,
            || {
                "negative is 0 with negative sampling; draw at least one noise word (word2vec uses 5) or choose hierarchical softmax (loss: Loss::HierarchicalSoftmax)".into()
            },
        )?;
        let alpha = self.start_alpha();
        ensure(alpha.is_finite() && alpha > 0.0, || {
            format!("alpha is {alpha}; the learning rate must be a positive number (word2vec uses 0.025 for skip-gram, 0.05 for CBOW)")
        })?;
        if let Some(m) = self.min_alpha {
            ensure(m.is_finite() && m >= 0.0 && m <= alpha, || {
                format!("min_alpha is {m}; it must be between 0 and alpha ({alpha})")
            })?;
        }
        ensure(self.epochs > 0, || {
            "epochs is 0; train for at least one pass over the corpus (word2vec uses 5)".into()
        })?;
        ensure(self.sample.is_finite() && self.sample >= 0.0, || {
            format!(
                "sample is {}; the subsampling threshold must be 0 (off) or positive (word2vec uses 1e-3, 1e-4 to 1e-5 for large corpora)",
                self.sample
            )
        })?;
        ensure(self.threads > 0, || {
            "threads is 0; use at least one thread".into()
        })?;
        ensure(self.max_sentence_len > 0, || {
            "max_sentence_len is 0; sentences must hold at least one word (word2vec uses 1000)"
                .into()
        })?;
        ensure(self.max_vocab != Some(0), || {
            "max_vocab is 0, which keeps no word; leave it unset for no limit".into()
        })?;
        ensure(self.dim <= 1 << 20, || {
            format!(
                "dim is {}; more than 2^20 dimensions is surely a mistake",
                self.dim
            )
        })?;
        ensure(self.window <= 1 << 16 && self.negative <= 1 << 16, || {
            "window and negative must be at most 65536".into()
        })
    }
}

/// A check of a configuration: `Ok` when `ok`, else [`Error::Config`] with
/// `message()`, which names the setting and says what would work.
pub(crate) fn ensure(ok: bool, message: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::Config(message()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_word2vec_c() {
        let c = Word2VecConfig::default();
        assert_eq!(
            (c.dim, c.window, c.negative, c.epochs, c.min_count),
            (100, 5, 5, 5, 5)
        );
        assert_eq!(c.model, Model::Cbow);
        assert_eq!(c.start_alpha(), 0.05);
        assert_eq!(c.sample, 1e-3);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn nonsense_is_rejected_with_the_field_name() {
        let ok = Word2VecConfig::default();
        let cases: Vec<(Word2VecConfig, &str)> = vec![
            (
                Word2VecConfig {
                    dim: 0,
                    ..ok.clone()
                },
                "dim",
            ),
            (
                Word2VecConfig {
                    window: 0,
                    ..ok.clone()
                },
                "window",
            ),
            (
                Word2VecConfig {
                    negative: 0,
                    ..ok.clone()
                },
                "negative",
            ),
            (
                Word2VecConfig {
                    alpha: Some(0.0),
                    ..ok.clone()
                },
                "alpha",
            ),
            (
                Word2VecConfig {
                    alpha: Some(-1.0),
                    ..ok.clone()
                },
                "alpha",
            ),
            (
                Word2VecConfig {
                    alpha: Some(f32::NAN),
                    ..ok.clone()
                },
                "alpha",
            ),
            (
                Word2VecConfig {
                    min_alpha: Some(1.0),
                    ..ok.clone()
                },
                "min_alpha",
            ),
            (
                Word2VecConfig {
                    epochs: 0,
                    ..ok.clone()
                },
                "epochs",
            ),
            (
                Word2VecConfig {
                    sample: -1.0,
                    ..ok.clone()
                },
                "sample",
            ),
            (
                Word2VecConfig {
                    threads: 0,
                    ..ok.clone()
                },
                "threads",
            ),
            (
                Word2VecConfig {
                    max_vocab: Some(0),
                    ..ok.clone()
                },
                "max_vocab",
            ),
        ];
        for (cfg, word) in cases {
            let e = cfg.validate().unwrap_err().to_string();
            assert!(e.contains(word), "{e}");
        }
        let hs = Word2VecConfig {
            negative: 0,
            loss: Loss::HierarchicalSoftmax,
            ..ok
        };
        assert!(hs.validate().is_ok());
    }

    #[test]
    fn serde_round_trip_with_names() {
        let c = Word2VecConfig {
            model: Model::SkipGram,
            loss: Loss::HierarchicalSoftmax,
            ..Default::default()
        };
        let j = serde_json::to_string(&c).unwrap();
        assert!(j.contains("\"skipgram\"") && j.contains("\"hs\""), "{j}");
        let back: Word2VecConfig = serde_json::from_str(&j).unwrap();
        assert_eq!(back, c);
        let partial: Word2VecConfig = serde_json::from_str(r#"{"dim": 50}"#).unwrap();
        assert_eq!(partial.dim, 50);
        assert!(serde_json::from_str::<Word2VecConfig>(r#"{"dimm": 50}"#).is_err());
    }
}
