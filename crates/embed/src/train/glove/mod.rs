//! GloVe: global vectors from a co-occurrence matrix factorised by weighted
//! least squares (Pennington, Socher & Manning 2014, "GloVe: Global Vectors
//! for Word Representation", EMNLP), faithful to GloVe C
//! (`vocab_count`, `cooccur`, `shuffle`, `glove`).
//!
//! 1. **Vocabulary**: one streaming pass ([`count_corpus`](embedpos_tokenize::count_corpus)),
//!    ids by frequency rank.
//! 2. **Co-occurrences** ([`count_cooccurrences`]): `X_ij = Σ 1/d` over the
//!    pairs of words `d ≤ window` apart in a line, symmetric or left-only,
//!    within a memory budget: frequent pairs in a dense table, rare ones in
//!    buffers that are sorted and spilled as runs to temporary files, all
//!    merged (k-way) into one sorted matrix; multi-threaded by row.
//! 3. **Shuffle**: the non-zero entries in random order, in place in memory
//!    or, when they do not fit, by GloVe C's external two-pass shuffle.
//! 4. **Training**: AdaGrad on
//!    `J = Σ_{X_ij>0} f(X_ij) (w_iᵀw̃_j + b_i + b̃_j − log X_ij)²` with
//!    `f(x) = min(1, (x/x_max)^α)`, Hogwild threads over the shuffled
//!    entries; the cost of every epoch goes to the
//!    [`Observer`](crate::train::Observer).
//! 5. **Vectors**: `w_i + w̃_i` ([`GloveOutput::WordPlusContext`](crate::train::GloveOutput::WordPlusContext), GloVe C's
//!    `-model 2`) or `w_i` ([`GloveOutput::Word`](crate::train::GloveOutput::Word)).
//!
//! The matrix can be saved after step 2 and trained from later
//! ([`GloVe::save_cooccurrences`](crate::train::GloVe::save_cooccurrences),
//! [`GloVe::train_from_cooccurrences`](crate::train::GloVe::train_from_cooccurrences);
//! format in [`CooccurFile`]).
//!
//! ```
//! use embedpos_embed::train::{GloVe, GloveConfig, LossRecorder};
//!
//! let dir = tempfile::tempdir()?;
//! let corpus = dir.path().join("corpus.txt");
//! std::fs::write(&corpus, "a b c d e f g\ng f e d c b a\n".repeat(200))?;
//! let cfg = GloveConfig { dim: 8, window: 2, min_count: 1, epochs: 10, threads: 1, ..Default::default() };
//! let mut costs = LossRecorder::default();
//! let (emb, report) = GloVe::new(cfg)?
//!     .save_cooccurrences(dir.path().join("cooc.bin"))
//!     .train_with(&[&corpus], &mut costs)?;
//! assert_eq!(emb.len(), 7);
//! assert_eq!(costs.epochs.len(), 10);
//! assert!(costs.epochs[9].loss < costs.epochs[0].loss);
//! assert_eq!(report.entries, 22); // ordered pairs 1 or 2 apart: 2 × (6 + 5)
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod adagrad;
mod budget;
pub(crate) mod config;
mod cooccur;
mod cooccur_file;
mod dense;
mod merge;
pub(crate) mod pipeline;
mod record;
mod shuffle;
mod spill;

pub use budget::min_counting_memory_gb;
pub use cooccur::{count_cooccurrences, CooccurStats, Cooccurrences};
pub use cooccur_file::{CooccurEntries, CooccurFile, CooccurHeader, COOCCUR_FORMAT_VERSION};
pub use record::Entry;
