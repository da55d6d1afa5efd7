//! The GloVe trainer: vocabulary, co-occurrences, shuffle, AdaGrad, vectors.

use super::adagrad;
use super::budget;
use super::config::GloveConfig;
use super::cooccur::{count_in, CooccurStats};
use super::cooccur_file::{self, CooccurFile, CooccurHeader, WriteError};
use super::shuffle::shuffle;
use super::spill::SpillDir;
use crate::error::{Error, Result};
use crate::train::corpus::{temp_error, Corpus, VocabSettings};
use crate::train::observer::{Observer, VocabReport};
use crate::Embeddings;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A GloVe trainer (Pennington, Socher & Manning 2014), faithful to GloVe C:
/// see the [module](super) documentation for the steps and the formulas.
///
/// ```
/// use embedpos_embed::train::{GloVe, GloveConfig};
///
/// let dir = tempfile::tempdir()?;
/// let corpus = dir.path().join("corpus.txt");
/// std::fs::write(&corpus, "the cat sat on the mat\nthe dog sat on the log\n".repeat(50))?;
/// let cfg = GloveConfig { dim: 8, window: 3, min_count: 1, epochs: 5, threads: 1, ..Default::default() };
/// let emb = GloVe::new(cfg)?.train(&[&corpus])?;
/// assert_eq!(emb.dim(), 8);
/// assert_eq!(emb.vocab().token(0), "the");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct GloVe {
    config: GloveConfig,
    save_cooccur: Option<PathBuf>,
}

/// What a GloVe run did, besides the vectors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GloveReport {
    /// Corpus tokens read (0 when training from a saved matrix).
    pub tokens: u64,
    /// Words in the vocabulary.
    pub vocab: usize,
    /// Non-zero entries of the co-occurrence matrix.
    pub entries: u64,
    /// The counting pass (absent when training from a saved matrix).
    pub cooccur: Option<CooccurStats>,
    /// True when training held the shuffled entries in memory (to shuffle
    /// them again every epoch), false when it streamed them from a
    /// temporary file.
    pub entries_in_memory: bool,
    /// Epochs finished.
    pub epochs_done: usize,
    /// True when an observer stopped training early.
    pub stopped: bool,
    /// Cost `Σ ½ f(X_ij) δ_ij² / entries` of the last epoch.
    pub final_cost: f64,
    /// Counting the vocabulary and the co-occurrences, writing the matrix.
    pub counting: Duration,
    /// Shuffling.
    pub shuffling: Duration,
    /// Training.
    pub training: Duration,
}

impl GloVe {
    /// A trainer with `config`, which is validated here.
    pub fn new(config: GloveConfig) -> Result<Self> {
        config.validate()?;
        Ok(GloVe {
            config,
            save_cooccur: None,
        })
    }

    /// Also saves the counted co-occurrence matrix to `path` (atomically),
    /// for [`train_from_cooccurrences`](Self::train_from_cooccurrences).
    pub fn save_cooccurrences(mut self, path: impl Into<PathBuf>) -> Self {
        self.save_cooccur = Some(path.into());
        self
    }

    /// The configuration.
    pub fn config(&self) -> &GloveConfig {
        &self.config
    }

    /// Trains on the given inputs (files, directories, `-` for standard
    /// input; gzip is recognised) and returns the vectors.
    pub fn train<P: AsRef<Path>>(&self, inputs: &[P]) -> Result<Embeddings> {
        self.train_with(inputs, &mut ()).map(|(e, _)| e)
    }

    /// [`train`](Self::train), reporting to `observer` (the cost of every
    /// epoch arrives as [`EpochEnd::loss`](crate::train::EpochEnd::loss));
    /// also returns what the run did.
    ///
    /// The corpus is read twice (vocabulary, then co-occurrences); standard
    /// input is copied to a temporary file for that. `on_vocab` is called
    /// once both counts are done, so the time until then is counting.
    ///
    /// Errors: an input that cannot be read; a corpus without words
    /// ([`Error::EmptyCorpus`]); no word reaching `min_count`
    /// ([`Error::NoVocabulary`]); a memory budget below what counting needs
    /// ([`Error::MemoryBudget`], with the minimum); a temporary folder that
    /// cannot be created or filled ([`Error::TempFiles`]). Temporary files
    /// are removed in every case.
    pub fn train_with<P: AsRef<Path>>(
        &self,
        inputs: &[P],
        observer: &mut dyn Observer,
    ) -> Result<(Embeddings, GloveReport)> {
        let cfg = &self.config;
        let start = Instant::now();
        let dir = Arc::new(SpillDir::create(cfg.temp_dir.as_deref())?);
        let corpus = Corpus::open(inputs, dir.path())?;
        let (vocab, vstats) = corpus.count(VocabSettings {
            tokenizer: &cfg.tokenizer,
            min_count: cfg.min_count,
            max_vocab: cfg.max_vocab,
            threads: cfg.threads,
        })?;
        let counts = count_in(
            &mut corpus.reader()?,
            &cfg.tokenizer,
            &vocab,
            cfg,
            Arc::clone(&dir),
        )?;
        drop(corpus);
        let cstats = counts.stats().clone();
        let header = CooccurHeader {
            vocab,
            window: cfg.window as u64,
            symmetric: cfg.symmetric,
            distance_weighting: cfg.distance_weighting,
            tokenizer: cfg.tokenizer.describe(),
            tokens: vstats.tokens,
        };
        let matrix = match &self.save_cooccur {
            Some(path) => {
                let mut data_err = None;
                let written = embedpos_base::write_atomic(path, |w| {
                    match cooccur_file::write(w, &header, |push| counts.for_each(push)) {
                        Ok(_) => Ok(()),
                        Err(WriteError::Io(e)) => Err(e),
                        Err(WriteError::Data(e)) => {
                            let msg = e.to_string();
                            data_err = Some(e);
                            Err(std::io::Error::other(msg))
                        }
                    }
                });
                if let Some(e) = data_err {
                    return Err(e);
                }
                written?;
                path.clone()
            }
            None => {
                let (path, file) = dir.create_file("matrix")?;
                match cooccur_file::write(file, &header, |push| counts.for_each(push)) {
                    Ok(_) => {}
                    Err(WriteError::Io(e)) => return Err(temp_error(&path, e)),
                    Err(WriteError::Data(e)) => return Err(e),
                }
                path
            }
        };
        // The dense table and the runs are no longer needed.
        drop(counts);
        drop(header);
        let file = CooccurFile::open(&matrix)?;
        observer.on_vocab(&VocabReport {
            tokens: vstats.tokens,
            distinct: vstats.distinct,
            vocab: file.header().vocab.len() as u64,
            train_words: cstats.kept_tokens,
        });
        let counting = start.elapsed();
        let mut report = self.train_file(file, &dir, observer)?;
        report.1.tokens = vstats.tokens;
        report.1.cooccur = Some(cstats);
        report.1.counting = counting;
        Ok(report)
    }

    /// Trains on a co-occurrence matrix saved by
    /// [`save_cooccurrences`](Self::save_cooccurrences).
    ///
    /// The vocabulary and the counting settings come from the file; the
    /// configuration's `window`, `symmetric`, `min_count`, ... are not used.
    /// A truncated or corrupt file is an error that says so.
    pub fn train_from_cooccurrences(
        &self,
        path: impl AsRef<Path>,
        observer: &mut dyn Observer,
    ) -> Result<(Embeddings, GloveReport)> {
        let dir = SpillDir::create(self.config.temp_dir.as_deref())?;
        let file = CooccurFile::open(path)?;
        let h = file.header();
        observer.on_vocab(&VocabReport {
            tokens: h.tokens,
            distinct: h.vocab.len() as u64,
            vocab: h.vocab.len() as u64,
            train_words: h.vocab.total(),
        });
        self.train_file(file, &dir, observer)
    }

    fn train_file(
        &self,
        file: CooccurFile,
        dir: &SpillDir,
        observer: &mut dyn Observer,
    ) -> Result<(Embeddings, GloveReport)> {
        let cfg = &self.config;
        let vocab_len = file.header().vocab.len();
        if file.is_empty() {
            return Err(Error::Config(format!(
                "{}: the co-occurrence matrix is empty (no line holds two words of the \
                 vocabulary); give more text or lower min_count",
                file.path().display()
            )));
        }
        let t = Instant::now();
        let entries = file.len();
        let budget = cfg.memory_bytes();
        let params = budget::parameter_bytes(vocab_len, adagrad::stride(cfg.dim));
        let capacity = budget::shuffle_capacity(budget);
        // Training streams the shuffled entries from a file, as GloVe C's
        // `glove` does; only reshuffling every epoch needs them in memory.
        let keep = cfg.reshuffle && budget::entries_fit_beside(entries, params, budget);
        let mut set = shuffle(&file, capacity, cfg.seed, dir, keep)?;
        let shuffling = t.elapsed();
        let vocab = file.into_header().vocab;
        let in_memory = set.in_memory();
        let (params, trained) = adagrad::train(&mut set, vocab_len, cfg, observer)?;
        drop(set);
        let matrix = params.into_vectors(cfg.output);
        let emb = Embeddings::new(vocab, cfg.dim, matrix)?;
        Ok((
            emb,
            GloveReport {
                tokens: 0,
                vocab: vocab_len,
                entries,
                cooccur: None,
                entries_in_memory: in_memory,
                epochs_done: trained.epochs_done,
                stopped: trained.stopped,
                final_cost: trained.last_cost,
                counting: Duration::ZERO,
                shuffling,
                training: trained.elapsed,
            },
        ))
    }
}
