//! word2vec training: count, encode, train with Hogwild threads, return
//! the [`Embeddings`].

use super::config::Word2VecConfig;
use super::corpus::{temp_folder, Corpus, VocabSettings};
use super::corpus_ids::{word2vec_order, IdFile};
use super::net::Net;
use super::observer::{EpochEnd, Finish, Observer, Progress, ProgressUnit, Tally, VocabReport};
use super::rng::splitmix64;
use super::sampling::Subsampler;
use super::schedule::LinearDecay;
use super::threads::{self, REPORT_INTERVAL};
use super::worker::{Share, Shared, Worker};
use crate::error::Result;
use crate::Embeddings;
use embedpos_tokenize::Vocab;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// A word2vec trainer: skip-gram or CBOW, negative sampling or hierarchical
/// softmax (Mikolov et al. 2013a, 2013b), faithful to word2vec C.
///
/// [`train`](Self::train) makes two streaming passes over the text — one to
/// count the vocabulary ([`count_corpus`](embedpos_tokenize::count_corpus)), one to write the corpus as word
/// ids to a temporary file — then every thread streams its share of that
/// file once per epoch. Memory holds the vocabulary, the two `vocab × dim`
/// matrices, 8 bytes per word of sampling tables and small per-thread
/// buffers; it does not grow with the corpus.
///
/// The vocabulary of the result is in word2vec C's order: count
/// descending, ties in order of first appearance (without C's `</s>`).
/// Line ends play the part of word2vec's `</s>` where it matters to
/// training: they end sentences, count in the total `T` of subsampling, and
/// enter the noise distribution (whose `</s>` draws become uniform words).
///
/// ```
/// use embedpos_embed::train::{Model, Word2Vec, Word2VecConfig};
///
/// let dir = tempfile::tempdir()?;
/// let corpus = dir.path().join("corpus.txt");
/// std::fs::write(&corpus, "the cat sat on the mat\nthe dog sat on the log\n".repeat(50))?;
/// let cfg = Word2VecConfig {
///     model: Model::SkipGram,
///     dim: 16,
///     min_count: 1,
///     threads: 1,
///     ..Default::default()
/// };
/// let emb = Word2Vec::new(cfg)?.train(&[&corpus])?;
/// assert_eq!(emb.dim(), 16);
/// assert_eq!(emb.vocab().token(0), "the");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Word2Vec {
    config: Word2VecConfig,
}

impl Word2Vec {
    /// A trainer with `config`, which is validated here.
    pub fn new(config: Word2VecConfig) -> Result<Self> {
        config.validate()?;
        Ok(Word2Vec { config })
    }

    /// The configuration.
    pub fn config(&self) -> &Word2VecConfig {
        &self.config
    }

    /// Trains on the given inputs (files, directories, `-` for standard
    /// input; gzip is recognised) and returns the input vectors.
    pub fn train<P: AsRef<Path>>(&self, inputs: &[P]) -> Result<Embeddings> {
        self.train_with(inputs, &mut ())
    }

    /// [`train`](Self::train), reporting to `observer`.
    ///
    /// When the observer returns [`ControlFlow::Break`](std::ops::ControlFlow::Break),
    /// the threads stop at their next report (within about 10 000 words) and
    /// the vectors trained so far are returned.
    ///
    /// Errors: an input that cannot be read; a corpus without words
    /// ([`Error::EmptyCorpus`](crate::Error::EmptyCorpus)); no word reaching `min_count`
    /// ([`Error::NoVocabulary`](crate::Error::NoVocabulary)); the temporary folder not writable.
    pub fn train_with<P: AsRef<Path>>(
        &self,
        inputs: &[P],
        observer: &mut dyn Observer,
    ) -> Result<Embeddings> {
        let cfg = &self.config;
        let corpus = prepare(cfg, inputs, observer)?;
        let counts = corpus.vocab.counts();
        let net = Net::new(cfg, counts, corpus.line_ends);
        let subsampler = Subsampler::new(counts, cfg.sample, corpus.line_ends);
        train_net(cfg, &net, &subsampler, &corpus, observer)?;
        Embeddings::new(corpus.vocab, cfg.dim, net.syn0.into_inner())
    }
}

/// A corpus counted and encoded for training.
pub(crate) struct Prepared {
    /// The training vocabulary in word2vec C's order.
    pub vocab: Vocab,
    /// The corpus as word ids of the counting order.
    pub ids: IdFile,
    /// Counting-order id -> training id.
    pub remap: Vec<u32>,
    /// Number of corpus lines (word2vec's `</s>` count).
    pub line_ends: u64,
    /// Tokens read, in the vocabulary or not.
    pub tokens: u64,
}

/// Counts the vocabulary, writes the corpus as ids to a temporary file,
/// re-orders the vocabulary as word2vec C does and tells `observer`.
///
/// Errors: an input that cannot be read; a corpus without words
/// ([`Error::EmptyCorpus`](crate::Error::EmptyCorpus)); no word reaching `min_count`
/// ([`Error::NoVocabulary`](crate::Error::NoVocabulary)); the temporary folder not writable.
pub(crate) fn prepare<P: AsRef<Path>>(
    cfg: &Word2VecConfig,
    inputs: &[P],
    observer: &mut dyn Observer,
) -> Result<Prepared> {
    let dir = temp_folder(cfg.temp_dir.as_deref());
    let corpus = Corpus::open(inputs, &dir)?;
    let (vocab, stats) = corpus.count(VocabSettings {
        tokenizer: &cfg.tokenizer,
        min_count: cfg.min_count,
        max_vocab: cfg.max_vocab,
        threads: cfg.threads,
    })?;
    let ids = IdFile::encode(&mut corpus.reader()?, &cfg.tokenizer, &vocab, &dir)?;
    drop(corpus);
    // Re-order ties as word2vec C does; the file keeps the counting
    // order and the threads translate ids as they read.
    let order = word2vec_order(vocab.counts(), ids.first_seen());
    let mut remap = vec![0u32; order.len()];
    for (new, &old) in order.iter().enumerate() {
        remap[old as usize] = new as u32;
    }
    let vocab = Vocab::from_ordered(
        order.iter().map(|&o| vocab.token(o).to_string()).collect(),
        order.iter().map(|&o| vocab.count(o)).collect(),
    )?;
    observer.on_vocab(&VocabReport {
        tokens: stats.tokens,
        distinct: stats.distinct,
        vocab: vocab.len() as u64,
        train_words: ids.words(),
    });
    Ok(Prepared {
        vocab,
        ids,
        remap,
        line_ends: stats.read.lines,
        tokens: stats.tokens,
    })
}

/// Trains `net` on an encoded corpus with Hogwild threads, reporting to
/// `observer`; the trained parameters are left in `net`.
pub(crate) fn train_net(
    cfg: &Word2VecConfig,
    net: &Net,
    subsampler: &Subsampler,
    corpus: &Prepared,
    observer: &mut dyn Observer,
) -> Result<()> {
    let (ids, remap) = (&corpus.ids, corpus.remap.as_slice());
    // fastText's `</s>` words are read and counted like the others (one
    // per line with a vocabulary word: the file holds no empty line).
    let words = ids.words()
        + if net.eos.is_some() {
            ids.line_ends()
        } else {
            0
        };
    let schedule = LinearDecay::new(cfg.start_alpha(), cfg.min_alpha, cfg.epochs, words);
    let chunks = ids.chunks(cfg.threads)?;
    let blocks = if cfg.shuffle_blocks {
        ids.blocks()
    } else {
        Vec::new()
    };
    let shuffle_seed = splitmix64(cfg.seed ^ 0x0B10_C5ED_0DE2_5EED);
    let shared = Shared::new(chunks.len(), cfg.start_alpha());
    let start = Instant::now();
    let words_total = words.saturating_mul(cfg.epochs as u64);

    let workers = chunks
        .iter()
        .enumerate()
        .map(|(t, range)| Worker {
            id: t,
            net,
            shared: &shared,
            subsampler,
            schedule,
            ids: ids.path(),
            share: if cfg.shuffle_blocks {
                Share::Shuffled {
                    blocks: &blocks,
                    thread: t,
                    threads: chunks.len(),
                    seed: shuffle_seed,
                }
            } else {
                Share::Range(range.clone())
            },
            epochs: cfg.epochs,
            max_sentence_len: cfg.max_sentence_len,
            seed: splitmix64(cfg.seed.wrapping_add(t as u64 + 1)),
            remap,
        })
        .collect();
    let mut watch = Watch {
        shared: &shared,
        epochs: cfg.epochs,
        words_total,
        start,
        reported: 0,
        stopped: false,
        last: Instant::now(),
    };
    threads::run(workers, |done| watch.poll(observer, done))?;
    let (epochs_done, stopped) = (watch.reported, watch.stopped && watch.reported < cfg.epochs);
    observer.on_finish(&Finish {
        unit: ProgressUnit::Words,
        done: shared.words_done.load(Ordering::Relaxed),
        epochs_done,
        elapsed: start.elapsed(),
        stopped,
    });
    Ok(())
}

/// The observing side of training, on the caller's thread.
struct Watch<'a> {
    shared: &'a Shared,
    epochs: usize,
    words_total: u64,
    start: Instant,
    /// Epochs finished by every thread and reported.
    reported: usize,
    /// Whether the observer asked to stop.
    stopped: bool,
    /// When the observer last heard about progress.
    last: Instant,
}

impl Watch<'_> {
    /// Reports the epochs every thread has finished, and the progress when
    /// it is time to (see [`threads::run`]).
    fn poll(&mut self, observer: &mut dyn Observer, all_done: bool) {
        let n = self.shared.slots.len();
        while self.reported < self.epochs
            && (0..n).all(|t| self.shared.slot(t).finished.len() > self.reported)
        {
            let mut tally = Tally::default();
            for t in 0..n {
                tally.merge(&self.shared.slot(t).finished[self.reported]);
            }
            if !self.stopped {
                let mut p = self.progress();
                p.epoch = self.reported;
                p.loss = tally.mean_loss();
                let end = EpochEnd {
                    epoch: self.reported,
                    loss: tally.mean_loss(),
                    pairs: tally.pairs,
                    unit: ProgressUnit::Words,
                    done: tally.words,
                    elapsed: self.start.elapsed(),
                };
                if observer.on_progress(&p).is_break() || observer.on_epoch_end(&end).is_break() {
                    self.stop();
                }
            }
            self.reported += 1;
            self.last = Instant::now();
        }
        if !all_done && !self.stopped && self.last.elapsed() >= REPORT_INTERVAL {
            if observer.on_progress(&self.progress()).is_break() {
                self.stop();
            }
            self.last = Instant::now();
        }
    }

    fn stop(&mut self) {
        self.stopped = true;
        self.shared.stop.store(true, Ordering::Relaxed);
    }

    fn progress(&self) -> Progress {
        let mut epoch = usize::MAX;
        let mut tally = Tally::default();
        for t in 0..self.shared.slots.len() {
            let slot = self.shared.slot(t);
            if !slot.done {
                epoch = epoch.min(slot.epoch);
            }
            tally.merge(&slot.current);
        }
        if epoch == usize::MAX {
            epoch = self.epochs.saturating_sub(1);
        }
        Progress {
            epoch,
            epochs: self.epochs,
            unit: ProgressUnit::Words,
            done: self.shared.words_done.load(Ordering::Relaxed),
            total: self.words_total,
            lr: f32::from_bits(self.shared.lr.load(Ordering::Relaxed)),
            loss: tally.mean_loss(),
            elapsed: self.start.elapsed(),
        }
    }
}
