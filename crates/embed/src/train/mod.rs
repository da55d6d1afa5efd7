//! Trainers of static word vectors, one module per algorithm on one
//! skeleton: the same corpus front end, the same worker threads under the
//! same progress observer, the same generators, Hogwild matrices and
//! kernels.
//!
//! * [`Word2Vec`] — skip-gram and CBOW with negative sampling or
//!   hierarchical softmax (Mikolov et al. 2013a, 2013b), faithful to
//!   word2vec C, multi-threaded (Hogwild!, Niu et al. 2011).
//! * [`FastText`] — the same trainer where a word's input is the mean of its
//!   own row and its character n-gram rows (Bojanowski et al. 2017).
//! * [`GloVe`] — co-occurrence counting within a memory budget, then
//!   AdaGrad on GloVe's weighted least squares (Pennington et al. 2014),
//!   faithful to GloVe C; the co-occurrence files are in [`glove`].
//! * [`Observer`] — progress, per-epoch loss, early stopping.
//!
//! ```
//! use embedpos_embed::train::{LossRecorder, Model, Word2Vec, Word2VecConfig};
//!
//! let dir = tempfile::tempdir()?;
//! let corpus = dir.path().join("corpus.txt");
//! std::fs::write(&corpus, "a b c d e f g\ng f e d c b a\n".repeat(200))?;
//! let cfg = Word2VecConfig { model: Model::SkipGram, dim: 8, min_count: 1, threads: 1, ..Default::default() };
//! let mut losses = LossRecorder::default();
//! let emb = Word2Vec::new(cfg)?.train_with(&[&corpus], &mut losses)?;
//! assert_eq!(emb.len(), 7);
//! assert_eq!(losses.epochs.len(), 5);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # How the trainers are built
//!
//! * The skeleton: `corpus` (the inputs, standard input copied once, the
//!   vocabulary count with its errors, temporary-file errors), `threads`
//!   (one scoped thread per task with the best kernels, the observer polled
//!   on the calling thread, the first error kept), `observer` (what the
//!   observer hears), `rng` (word2vec C's generator and SplitMix64),
//!   `hogwild` (the matrices the threads share without locks) and, at the
//!   crate root, `kernels` (dot product, `y += a·x`, mean of rows, the
//!   choice of instruction set).
//! * word2vec and fastText: `word2vec` (the trainer, and the counting,
//!   encoding and thread set-up fastText reuses), `fasttext`, `config`,
//!   `corpus_ids` (the corpus as word ids in a temporary file), `worker` (one
//!   thread's epochs), `net` (the network and a thread's state), `skipgram`,
//!   `cbow`, `hidden` (the hidden-layer step), `subword_rows` (fastText's
//!   input rows), `sampling`, `huffman`, `sigmoid`, `schedule`.
//! * GloVe: [`glove`] (counting, the co-occurrence file, the shuffle,
//!   AdaGrad).

mod cbow;
mod config;
mod corpus;
mod corpus_ids;
mod fasttext;
pub mod glove;
mod hidden;
mod hogwild;
mod huffman;
mod net;
pub mod observer;
mod rng;
mod sampling;
mod schedule;
mod sigmoid;
mod skipgram;
mod subword_rows;
mod threads;
mod word2vec;
mod worker;

pub use crate::kernels::kernel_name;
pub use config::{Loss, Model, Word2VecConfig};
pub use fasttext::{Defaults, FastText, FastTextConfig, TrainedBuckets, TrainedFastText};
pub use glove::config::{GloveConfig, GloveOutput};
pub use glove::pipeline::{GloVe, GloveReport};
pub use observer::{EpochEnd, Finish, LossRecorder, Observer, Progress, ProgressUnit, VocabReport};
pub use word2vec::Word2Vec;

/// A vocabulary of `(word, count)` pairs in this order, for tests.
#[cfg(test)]
pub(crate) fn test_vocab(words: &[(&str, u64)]) -> embedpos_tokenize::Vocab {
    let (tokens, counts) = words.iter().map(|&(w, c)| (w.to_string(), c)).unzip();
    embedpos_tokenize::Vocab::from_ordered(tokens, counts).unwrap()
}
