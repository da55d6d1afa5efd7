//! Static word vectors: the trainers (word2vec, fastText, GloVe), the
//! [`Embeddings`] type, the ecosystem's file formats, similarity queries and
//! the standard evaluations. Where this crate sits among the others:
//! `docs/ARCHITECTURE.md` in the repository.
//!
//! ```
//! use embedpos_embed::train::{Model, Word2Vec, Word2VecConfig};
//! use embedpos_embed::{Embeddings, Format};
//!
//! // A tiny corpus, one sentence a line.
//! let dir = tempfile::tempdir()?;
//! let corpus = dir.path().join("corpus.txt");
//! std::fs::write(&corpus, "the king rules the land\nthe queen rules the land\n".repeat(100))?;
//!
//! // Skip-gram with negative sampling; one thread and a seed make the
//! // vectors the same bit for bit on every run.
//! let cfg = Word2VecConfig {
//!     model: Model::SkipGram,
//!     dim: 16,
//!     min_count: 1,
//!     threads: 1,
//!     seed: 7,
//!     ..Default::default()
//! };
//! let emb = Word2Vec::new(cfg)?.train(&[&corpus])?;
//! assert_eq!((emb.len(), emb.dim()), (5, 16));
//! assert_eq!(emb.vocab().token(0), "the"); // most frequent first
//!
//! // Nearest neighbours by cosine, the query word left out.
//! let near = emb.most_similar(&["king"], &[], 2, None)?;
//! assert!(near.len() == 2 && near.iter().all(|n| n.word != "king"));
//!
//! // Save as word2vec binary (what gensim and word2vec C read) and load back.
//! let path = dir.path().join("vectors.bin");
//! emb.save(&path, Format::from_path(&path)?)?;
//! let back = Embeddings::load(&path, None)?;
//! assert_eq!(back.vector("queen"), emb.vector("queen"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is where
//!
//! * [`train`]: the trainers — [`Word2Vec`](train::Word2Vec) (skip-gram and
//!   CBOW, word2vec C's defaults), [`FastText`](train::FastText) (the same
//!   with character n-gram subwords, fastText's defaults) and
//!   [`GloVe`](train::GloVe) (co-occurrences counted within a memory budget,
//!   then AdaGrad; GloVe C's defaults) — sharing one corpus front end, one
//!   thread runner and one [`Observer`](train::Observer) of progress.
//! * [`Embeddings`]: a vocabulary and its vectors, with [`Subwords`] that give
//!   unseen words a vector; [`query`]: neighbours, analogies, the odd one
//!   out; [`eval`]: analogy and word-pair benchmarks scored as gensim scores
//!   them.
//! * [`io`]: reading and writing every [`Format`]; fastText `.bin` models
//!   ([`io::FastTextBin`]).
//!
//! # Unsafe code
//!
//! Three modules hold `unsafe` code, each for one reason, and every block
//! states why it is sound (`clippy::undocumented_unsafe_blocks` checks that
//! it does):
//!
//! * `train/hogwild.rs`: the parameter matrices that the training threads
//!   update without locks (Hogwild!, as word2vec C, fastText and GloVe C
//!   train), handed out row by row through shared references, and a cache
//!   prefetch hint;
//! * `kernels.rs`: entering the AVX2 + FMA build of a training thread once
//!   the CPU has been found to have both;
//! * `io/mapped.rs`: memory-mapping native `.epv` files
//!   ([`Embeddings::load_mmap`], itself `unsafe` because the file must not
//!   change while it is mapped) and viewing the mapped bytes as `f32`.

#![warn(missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod embeddings;
mod error;
pub mod eval;
pub mod io;
mod kernels;
pub mod query;
mod subwords;
pub mod train;

pub use embeddings::Embeddings;
pub use error::{Error, Result};
pub use eval::{AnalogyConfig, AnalogyReport, PairsConfig, PairsReport};
pub use io::Format;
pub use query::{AnalogyMethod, Neighbor};
pub use subwords::Subwords;
