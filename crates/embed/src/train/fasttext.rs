//! fastText training (Bojanowski et al. 2017, "Enriching Word Vectors with
//! Subword Information"): word2vec's skip-gram and CBOW where a word's
//! input vector is the mean of its own row and the rows of its hashed
//! character n-grams, run by the word2vec trainer (the same counting,
//! sampling, schedule, Hogwild threads and kernels).

use super::config::{ensure, Model, Word2VecConfig};
use super::net::Net;
use super::observer::Observer;
use super::sampling::Subsampler;
use super::subword_rows::{init_row, RowKey, SubwordLayout};
use super::word2vec::{prepare, train_net};
use crate::error::{Error, Result};
use crate::kernels::{Portable, RowMean};
use crate::{Embeddings, Subwords};
use embedpos_tokenize::ngrams::NgramConfig;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Whose defaults fill the settings a user did not give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Defaults {
    /// fastText's: skip-gram, learning rate 0.05 for both models,
    /// subsampling threshold `t = 1e-4`, noise words `∝ count^0.5`.
    #[default]
    FastText,
    /// word2vec C's: CBOW, learning rate 0.025 (skip-gram) or 0.05 (CBOW),
    /// `t = 1e-3`, noise words `∝ count^0.75`.
    Word2Vec,
}

impl Defaults {
    /// The name used in configs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Defaults::FastText => "fasttext",
            Defaults::Word2Vec => "word2vec",
        }
    }
}

/// Settings of fastText training: the word2vec settings, the n-grams and
/// the noise distribution.
///
/// `Default` is what `fasttext skipgram` uses with no option
/// ([`Defaults::FastText`]): skip-gram, `dim 100`, `ws 5`, `neg 5`,
/// `t 1e-4`, `minCount 5`, `epoch 5`, `lr 0.05`, `minn 3`, `maxn 6`,
/// `bucket 2,000,000`, noise `∝ count^0.5`; word2vec C's values are
/// [`FastTextConfig::with_defaults`]`(`[`Defaults::Word2Vec`]`)`.
/// Where fastText and word2vec agree the rules are shared, not copied:
///
/// * the window is drawn uniformly from `1..=window` for every word in both
///   (fastText's `uniform(1, ws)`, word2vec's `window − b`);
/// * fastText discards a word of frequency `f = count/T` when
///   `rand > sqrt(t/f) + t/f`; word2vec's keep probability
///   `(sqrt(count/(t·T)) + 1) · t·T/count` is the same expression, so one
///   subsampling table serves both;
/// * the learning rate decays linearly to zero over all epochs in both
///   (word2vec floors it at `lr · 1e-4`, which is kept).
///
/// As in fastText (and unlike word2vec):
///
/// * a line end is fastText's `</s>` word: the last word of its sentence,
///   trained, subsampled and drawn as noise like any other word, and kept
///   when the number of lines reaches `min_count`. It is not in the
///   returned vocabulary (fastText's `.vec` files list it);
/// * `T` counts every token read (out-of-vocabulary ones and `</s>` too);
/// * long lines are cut every `max_sentence_len` tokens read (fastText
///   reads 1024 at a time), not kept;
/// * a noise word equal to the target is drawn again (word2vec drops it).
///
/// Deviations from fastText:
///
/// * with fastText's defaults the corpus is read in a new random order of
///   blocks of whole lines every epoch
///   ([`shuffle_blocks`](Word2VecConfig::shuffle_blocks)); fastText's
///   threads read the file in order. On the bench corpus (a dictionary, so
///   ordered by headword) this lifts every score above fastText's, see
///   `cargo xtask bench fasttext`;
/// * `epoch` passes take exactly `epoch` passes over the corpus, where
///   fastText counts its budget of `epoch · ntokens` in vocabulary tokens
///   only and so trains a little longer on corpora with rare words (3.8 %
///   on the bench corpus; a sixth epoch changes the scores by less than
///   their run-to-run spread).
///
/// With
/// [`shared_negatives`](Word2VecConfig::shared_negatives) (the
/// default) skip-gram reads and writes a centre word's rows once per window
/// and gets fastText's pair-by-pair updates up to rounding (see the
/// `skipgram` module); `false` does them literally, 2–4× slower, with the
/// same scores on the bench corpus. Only the n-gram buckets that vocabulary
/// words reach are stored while training (see [`TrainedBuckets`]).
///
/// ```
/// use embedpos_embed::train::{Defaults, FastTextConfig, Model};
/// let cfg = FastTextConfig::default();
/// assert_eq!(cfg.word2vec.model, Model::SkipGram);
/// assert_eq!(cfg.word2vec.start_alpha(), 0.05);
/// assert_eq!((cfg.ngrams.minn, cfg.ngrams.maxn, cfg.ngrams.bucket), (3, 6, 2_000_000));
/// assert_eq!(FastTextConfig::with_defaults(Defaults::Word2Vec).word2vec.sample, 1e-3);
/// let mut bad = cfg.clone();
/// bad.ngrams.minn = 7;
/// assert!(bad.validate().unwrap_err().to_string().contains("minn"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FastTextConfig {
    /// Model, loss, dimension, window, sampling, epochs, learning rate,
    /// threads, seed, tokenizer: as for word2vec.
    pub word2vec: Word2VecConfig,
    /// Character n-grams: `minn`, `maxn`, `bucket` (`maxn = 0` trains plain
    /// word vectors with fastText's other rules).
    pub ngrams: NgramConfig,
    /// Noise words are drawn with probability `∝ count^noise_power`
    /// (fastText 0.5, word2vec 0.75).
    pub noise_power: f64,
}

impl Default for FastTextConfig {
    /// What `fasttext skipgram` uses when given no option (fastText 0.9's
    /// `Args`), with this crate's reading order: skip-gram, `dim 100`,
    /// `ws 5`, `neg 5` (negative sampling), `lr 0.05`, `t 1e-4`,
    /// `minCount 5`, `epoch 5`, `minn 3`, `maxn 6`, `bucket 2,000,000`,
    /// `thread 12`, noise words `∝ count^0.5`, lines cut every 1024 tokens,
    /// and the corpus read in shuffled blocks of lines. `fasttext cbow` has
    /// the same defaults with [`Model::Cbow`] (its `lr` is 0.05 too).
    fn default() -> Self {
        FastTextConfig {
            word2vec: Word2VecConfig {
                model: Model::SkipGram,
                sample: 1e-4,
                alpha: Some(0.05),
                max_sentence_len: 1024,
                shuffle_blocks: true,
                ..Word2VecConfig::default()
            },
            ngrams: NgramConfig::default(),
            noise_power: 0.5,
        }
    }
}

impl FastTextConfig {
    /// The defaults of fastText ([`FastTextConfig::default`]) or of word2vec
    /// (see [`Defaults`]); the n-grams are fastText's in both.
    pub fn with_defaults(defaults: Defaults) -> Self {
        match defaults {
            Defaults::FastText => FastTextConfig::default(),
            Defaults::Word2Vec => FastTextConfig {
                word2vec: Word2VecConfig::default(),
                ngrams: NgramConfig::default(),
                noise_power: 0.75,
            },
        }
    }

    /// Rejects settings that cannot train (see [`Word2VecConfig::validate`]
    /// and [`NgramConfig::validate`]).
    pub fn validate(&self) -> Result<()> {
        self.word2vec.validate()?;
        self.ngrams
            .validate()
            .map_err(|e| Error::Config(format!("n-gram settings: {e}")))?;
        ensure((0.0..=2.0).contains(&self.noise_power), || {
            format!(
                "noise_power is {}; use a number between 0 and 2 (fastText uses 0.5, word2vec 0.75)",
                self.noise_power
            )
        })
    }
}

/// A fastText trainer: skip-gram or CBOW over words and their character
/// n-grams, negative sampling or hierarchical softmax.
///
/// ```
/// use embedpos_embed::train::{FastText, FastTextConfig};
///
/// let dir = tempfile::tempdir()?;
/// let corpus = dir.path().join("corpus.txt");
/// std::fs::write(&corpus, "the cat sat on the mat\nthe cats sat on the mats\n".repeat(50))?;
/// let mut cfg = FastTextConfig::default();
/// cfg.word2vec.dim = 16;
/// cfg.word2vec.min_count = 1;
/// cfg.word2vec.threads = 1;
/// cfg.ngrams.bucket = 1000;
/// let emb = FastText::new(cfg)?.train(&[&corpus])?;
/// assert_eq!(emb.len(), 7);
/// // Any string has a vector through its n-grams.
/// assert_eq!(emb.word_vector("catz")?.len(), 16);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct FastText {
    config: FastTextConfig,
}

impl FastText {
    /// A trainer with `config`, which is validated here.
    pub fn new(config: FastTextConfig) -> Result<Self> {
        config.validate()?;
        Ok(FastText { config })
    }

    /// The configuration.
    pub fn config(&self) -> &FastTextConfig {
        &self.config
    }

    /// Trains on the given inputs (files, directories, `-` for standard
    /// input; gzip is recognised) and returns the vectors: the composed
    /// vector of every vocabulary word (what fastText writes to `.vec`), with
    /// the dense `bucket × dim` n-gram rows attached for words outside the
    /// vocabulary.
    pub fn train<P: AsRef<Path>>(&self, inputs: &[P]) -> Result<Embeddings> {
        self.train_with(inputs, &mut ())
    }

    /// [`train`](Self::train), reporting to `observer`.
    pub fn train_with<P: AsRef<Path>>(
        &self,
        inputs: &[P],
        observer: &mut dyn Observer,
    ) -> Result<Embeddings> {
        self.train_compact(inputs, observer)?.into_embeddings()
    }

    /// Trains and returns the model with its n-gram rows stored compactly
    /// (only the trained buckets; see [`TrainedBuckets`]). Use this when the
    /// dense bucket matrix is not needed, e.g. to write `.vec` files.
    ///
    /// Errors: as [`Word2Vec::train_with`](super::Word2Vec::train_with),
    /// and a vocabulary plus buckets too large for 32-bit row ids.
    pub fn train_compact<P: AsRef<Path>>(
        &self,
        inputs: &[P],
        observer: &mut dyn Observer,
    ) -> Result<TrainedFastText> {
        let cfg = &self.config;
        let w2v = &cfg.word2vec;
        let dim = w2v.dim;
        let corpus = prepare(w2v, inputs, observer)?;
        let vocab_len = corpus.vocab.len();
        ensure(
            (vocab_len as u64 + 1 + cfg.ngrams.bucket as u64) < u32::MAX as u64,
            || {
                format!(
                "{vocab_len} words plus {} buckets exceed 2^32 input rows; use fewer buckets or a smaller vocabulary (max_vocab)",
                cfg.ngrams.bucket
            )
            },
        )?;
        // fastText's `</s>`: a word counted once per line, kept in the
        // vocabulary when it reaches min_count like any other.
        let eos = corpus.line_ends >= w2v.min_count.max(1);
        let layout = SubwordLayout::new(&corpus.vocab, &cfg.ngrams, eos);
        let syn0 = layout.init_matrix(w2v.seed, dim);
        let mut counts = corpus.vocab.counts().to_vec();
        if eos {
            counts.push(corpus.line_ends);
        }
        let mut net = Net::with_inputs(w2v, &counts, 0, cfg.noise_power, syn0, Some(layout.inputs));
        net.eos = eos.then_some(vocab_len as u32);
        // T of subsampling is fastText's `ntokens`: every token read, `</s>`
        // and out-of-vocabulary tokens included.
        let in_vocab: u64 = counts.iter().sum();
        let all = corpus.tokens + if eos { corpus.line_ends } else { 0 };
        let subsampler = Subsampler::new(&counts, w2v.sample, all.saturating_sub(in_vocab));
        train_net(w2v, &net, &subsampler, &corpus, observer)?;

        let Net { syn0, inputs, .. } = net;
        let mut syn0 = syn0.into_inner();
        let inputs = inputs.ok_or_else(|| Error::Config("internal: input rows lost".into()))?;
        // The composed vector of each word: the mean of its rows, as
        // fastText's getWordVector.
        let mut words = vec![0f32; vocab_len * dim];
        for (w, out) in words.chunks_exact_mut(dim).enumerate() {
            let mut mean = RowMean::<Portable>::new(out);
            for &r in inputs.of(w as u32) {
                let r = r as usize;
                mean.add(&syn0[r * dim..(r + 1) * dim]);
            }
            mean.mean();
        }
        drop(inputs);
        // The word rows (and `</s>`'s) go; the bucket rows stay.
        syn0.drain(..(vocab_len + usize::from(eos)) * dim);
        let embeddings = Embeddings::new(corpus.vocab, dim, words)?;
        Ok(TrainedFastText {
            embeddings,
            buckets: TrainedBuckets {
                config: cfg.ngrams,
                dim,
                seed: w2v.seed,
                hit: layout.hit,
                rows: syn0,
            },
        })
    }
}

/// A trained fastText model: the composed word vectors and the n-gram rows.
#[derive(Debug, Clone)]
pub struct TrainedFastText {
    embeddings: Embeddings,
    buckets: TrainedBuckets,
}

impl TrainedFastText {
    /// The composed vectors of the vocabulary words (no subword rows
    /// attached): what fastText writes to `.vec`.
    pub fn embeddings(&self) -> &Embeddings {
        &self.embeddings
    }

    /// The n-gram rows.
    pub fn buckets(&self) -> &TrainedBuckets {
        &self.buckets
    }

    /// Splits into the word vectors and the n-gram rows.
    pub fn into_parts(self) -> (Embeddings, TrainedBuckets) {
        (self.embeddings, self.buckets)
    }

    /// The word vectors with the dense n-gram rows attached
    /// ([`Embeddings::with_subwords`]), which allocates `bucket × dim`
    /// floats. Without n-grams (`maxn = 0`) the word vectors alone.
    pub fn into_embeddings(self) -> Result<Embeddings> {
        if !self.buckets.config.enabled() {
            return Ok(self.embeddings);
        }
        let sub = self.buckets.into_subwords()?;
        self.embeddings.with_subwords(sub)
    }
}

/// The n-gram bucket rows of a trained model, stored compactly: the rows
/// of the buckets that some vocabulary word's n-grams reach (the only ones
/// training changes), plus the seed from which every other bucket's
/// initial row is regenerated on demand. On a corpus of a few million
/// words this is a few hundred thousand of fastText's 2,000,000 rows.
#[derive(Debug, Clone)]
pub struct TrainedBuckets {
    config: NgramConfig,
    dim: usize,
    seed: u64,
    /// Bucket id of each stored row.
    hit: Vec<u32>,
    rows: Vec<f32>,
}

impl TrainedBuckets {
    /// The n-gram settings.
    pub fn config(&self) -> &NgramConfig {
        &self.config
    }

    /// Number of buckets stored (trained).
    pub fn trained(&self) -> usize {
        self.hit.len()
    }

    /// The dense `bucket × dim` matrix as [`Subwords`]: trained rows as
    /// trained, the others as initialised.
    pub fn into_subwords(self) -> Result<Subwords> {
        let dim = self.dim;
        let n = (self.config.bucket as usize)
            .checked_mul(dim)
            .ok_or_else(|| Error::Config("bucket × dim overflows the address space".into()))?;
        let mut dense = vec![0f32; n];
        for (b, row) in dense.chunks_exact_mut(dim).enumerate() {
            init_row(self.seed, RowKey::Bucket(b as u32), row);
        }
        for (&b, row) in self.hit.iter().zip(self.rows.chunks_exact(dim)) {
            let b = b as usize;
            dense[b * dim..(b + 1) * dim].copy_from_slice(row);
        }
        drop(self.rows);
        Subwords::new(self.config, dim, dense)
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::Loss;
    use super::super::observer::LossRecorder;
    use super::*;

    fn corpus(dir: &Path) -> std::path::PathBuf {
        let p = dir.join("c.txt");
        let mut text = String::new();
        for i in 0..300 {
            let a = ["walk", "talk", "jump"][i % 3];
            let b = ["red", "blue", "green"][i % 3];
            text.push_str(&format!("we {a} the {b} dog\nthey {a}ed a {b} cat\n"));
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    fn small() -> FastTextConfig {
        let mut cfg = FastTextConfig::default();
        cfg.word2vec.dim = 12;
        cfg.word2vec.min_count = 1;
        cfg.word2vec.threads = 1;
        cfg.word2vec.epochs = 2;
        cfg.ngrams.bucket = 5000;
        cfg
    }

    #[test]
    fn one_thread_with_a_seed_is_reproducible_and_compact_matches_dense() {
        let dir = tempfile::tempdir().unwrap();
        let c = corpus(dir.path());
        for model in [Model::SkipGram, Model::Cbow] {
            let mut cfg = small();
            cfg.word2vec.model = model;
            let t = FastText::new(cfg.clone()).unwrap();
            let a = t.train_compact(&[&c], &mut ()).unwrap();
            let b = t.train(&[&c]).unwrap();
            assert_eq!(a.embeddings().matrix(), b.matrix());
            assert!(a.buckets().trained() < 5000);
            let sub = b.subwords().unwrap();
            // Stored rows equal the dense rows; the others are their init.
            let mut want = vec![0f32; 12];
            for (i, &bk) in a.buckets.hit.iter().enumerate() {
                assert_eq!(sub.row(bk).unwrap(), &a.buckets.rows[i * 12..(i + 1) * 12]);
            }
            let untouched = (0..5000u32).find(|x| !a.buckets.hit.contains(x)).unwrap();
            init_row(cfg.word2vec.seed, RowKey::Bucket(untouched), &mut want);
            assert_eq!(sub.row(untouched).unwrap(), &want[..]);
            // The .vec vector of a word is the composition of its rows.
            let id = b.id("walked").unwrap();
            let mut own = vec![0f32; 12];
            // Recover the own row: n·composed − Σ n-gram rows.
            let mut ids = Vec::new();
            cfg.ngrams.bucket_ids("walked", &mut ids);
            let comp = b.row(id).unwrap();
            for d in 0..12 {
                let s: f32 = ids.iter().map(|&g| sub.row(g).unwrap()[d]).sum();
                own[d] = comp[d] * (ids.len() + 1) as f32 - s;
            }
            let mut again = vec![0f32; 12];
            assert!(sub.compose("walked", Some(&own), &mut again));
            for d in 0..12 {
                assert!((again[d] - comp[d]).abs() < 1e-5);
            }
        }
    }

    /// `Default` is `fasttext skipgram` without options (fastText 0.9's
    /// `Args` defaults); word2vec's set is one call away.
    #[test]
    fn defaults_are_fasttext_skipgram() {
        let c = FastTextConfig::default();
        let w = &c.word2vec;
        assert_eq!((w.model, w.loss), (Model::SkipGram, Loss::NegativeSampling));
        assert_eq!((w.dim, w.window, w.negative), (100, 5, 5));
        assert_eq!((w.min_count, w.epochs, w.threads), (5, 5, 12));
        assert_eq!((w.start_alpha(), w.sample), (0.05, 1e-4));
        assert_eq!((w.max_sentence_len, w.max_vocab), (1024, None));
        assert!(w.shuffle_blocks);
        assert_eq!(
            (c.ngrams.minn, c.ngrams.maxn, c.ngrams.bucket),
            (3, 6, 2_000_000)
        );
        assert_eq!(c.noise_power, 0.5);
        assert_eq!(FastTextConfig::with_defaults(Defaults::FastText), c);
        assert_eq!(Defaults::default(), Defaults::FastText);
        let w2v = FastTextConfig::with_defaults(Defaults::Word2Vec);
        assert_eq!(w2v.word2vec, Word2VecConfig::default());
        assert_eq!((w2v.ngrams, w2v.noise_power), (c.ngrams, 0.75));
        // fastText's cbow: the same but the model (lr stays 0.05).
        let mut cbow = c.clone();
        cbow.word2vec.model = Model::Cbow;
        assert_eq!(cbow.word2vec.start_alpha(), 0.05);
    }

    #[test]
    fn bad_ngram_settings_are_rejected() {
        let mut cfg = small();
        cfg.ngrams.minn = 7;
        let e = FastText::new(cfg).unwrap_err().to_string();
        assert!(e.contains("minn 7") && e.contains("maxn 6"), "{e}");
        let mut cfg = small();
        cfg.ngrams.bucket = 0;
        let e = FastText::new(cfg).unwrap_err().to_string();
        assert!(e.contains("bucket 0"), "{e}");
        let mut cfg = small();
        cfg.noise_power = f64::NAN;
        assert!(FastText::new(cfg).is_err());
    }

    #[test]
    fn without_ngrams_words_are_their_own_rows() {
        let dir = tempfile::tempdir().unwrap();
        let c = corpus(dir.path());
        let mut cfg = small();
        cfg.ngrams = NgramConfig {
            minn: 3,
            maxn: 0,
            bucket: 0,
        };
        let m = FastText::new(cfg)
            .unwrap()
            .train_compact(&[&c], &mut ())
            .unwrap();
        assert_eq!(m.buckets().trained(), 0);
        let emb = m.into_embeddings().unwrap();
        assert!(emb.subwords().is_none());
        assert!(emb.matrix().iter().all(|x| x.is_finite()));
    }

    /// fastText's `</s>`: a line end is a trained word, so one-word lines
    /// still give pairs (word, `</s>`), the words of an epoch count the line
    /// ends, and the returned vocabulary does not list `</s>`. word2vec's
    /// trainer gets no pair from such lines.
    #[test]
    fn line_ends_are_a_trained_word() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lines.txt");
        // Blank lines hold no word: they count as `</s>` for the noise and
        // subsampling tables (fastText counts every newline) but the
        // encoded corpus skips them.
        std::fs::write(&p, "alpha\n\nbeta\n".repeat(50)).unwrap();
        let mut cfg = small();
        cfg.word2vec.sample = 0.0;
        cfg.word2vec.epochs = 1;
        let mut rec = LossRecorder::default();
        let m = FastText::new(cfg)
            .unwrap()
            .train_compact(&[&p], &mut rec)
            .unwrap();
        assert_eq!(m.embeddings().len(), 2);
        assert!(m.embeddings().vocab().id("</s>").is_none());
        assert_eq!(rec.epochs.len(), 1);
        assert_eq!(rec.epochs[0].done, 200);
        // Every line: (word, </s>) and (</s>, word), each with 1 + 5 rows.
        assert_eq!(rec.epochs[0].pairs, 100 * 2 * 6);

        let mut w2v = small().word2vec;
        w2v.sample = 0.0;
        w2v.epochs = 1;
        let mut rec = LossRecorder::default();
        crate::train::Word2Vec::new(w2v)
            .unwrap()
            .train_with(&[&p], &mut rec)
            .unwrap();
        assert_eq!(rec.epochs[0].done, 100);
        assert_eq!(rec.epochs[0].pairs, 0);
    }

    /// Lines with fewer than min_count ends have no `</s>` word: line ends
    /// only end sentences, as when fastText prunes it.
    #[test]
    fn few_lines_have_no_eos_word() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("one.txt");
        std::fs::write(&p, "a b a b a b a b a b\n").unwrap();
        let mut cfg = small();
        cfg.word2vec.sample = 0.0;
        cfg.word2vec.epochs = 1;
        cfg.word2vec.min_count = 2;
        let mut rec = LossRecorder::default();
        FastText::new(cfg)
            .unwrap()
            .train_compact(&[&p], &mut rec)
            .unwrap();
        assert_eq!(rec.epochs[0].done, 10);
    }
}
