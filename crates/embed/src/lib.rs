//! Static word vectors: the [`Embeddings`] type, the ecosystem's file
//! formats, similarity queries and the standard evaluations.
//!
//! ```
//! use embedpos_embed::{AnalogyMethod, Embeddings, Format};
//! use embedpos_tokenize::Vocab;
//!
//! // Four words in a toy plane: "king" - "man" + "woman" lands on "queen".
//! let words = ["man", "woman", "king", "queen"].map(String::from).to_vec();
//! let vocab = Vocab::from_ordered(words, vec![4, 3, 2, 1])?;
//! let matrix = vec![1.0, 0.0, 1.0, 1.0, 3.0, 0.2, 3.0, 3.2];
//! let emb = Embeddings::new(vocab, 2, matrix)?;
//!
//! let best = emb.analogy("man", "king", "woman", AnalogyMethod::Add, 1)?;
//! assert_eq!(best[0].word, "queen");
//!
//! // Save in word2vec binary (what gensim and word2vec C read) and load back.
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("vectors.bin");
//! emb.save(&path, Format::from_path(&path)?)?;
//! let back = Embeddings::load(&path, None)?;
//! assert_eq!(back.vector("queen"), emb.vector("queen"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

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
