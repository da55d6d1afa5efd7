//! Positional encodings for Transformers: additive tables, rotary embeddings and
//! attention biases, computed exactly and fast, with tools to analyse them.
//!
//! ```
//! use embedpos_posenc::{Sinusoidal, Rope, RopeConfig, Scaling, Alibi};
//!
//! // Additive: a [seq, d] table to add to token vectors (Vaswani et al. 2017).
//! let table = Sinusoidal::with_dim(64)?.table(0, 128)?;
//! assert_eq!(table.shape(), &[128, 64]);
//!
//! // Rotary: rotate queries and keys [seq, heads, head_dim] in place.
//! let rope = Rope::new(RopeConfig {
//!     scaling: Scaling::Linear { factor: 2.0 },
//!     ..RopeConfig::new(64)
//! })?;
//! let cache = rope.cache(128)?;
//! let (mut q, mut k) = (vec![0.5f32; 128 * 8 * 64], vec![0.5f32; 128 * 8 * 64]);
//! cache.apply_qk(&mut q, &mut k, 8, 8, 0)?;
//!
//! // Bias: [heads, q_len, k_len] additions to attention logits (Press et al.).
//! let bias = Alibi::new(8, true)?.bias(128, 128)?;
//! assert_eq!(bias.shape(), &[8, 128, 128]);
//! # Ok::<(), embedpos_posenc::Error>(())
//! ```
//!
//! Three families (see `docs/ARCHITECTURE.md` in the repository):
//!
//! * **additive** `[seq, d]` tables: [`Sinusoidal`] (both layouts),
//!   [`LearnedPositions`];
//! * **rotary**: [`Rope`] with half-split (NeoX/Llama) or interleaved (GPT-J)
//!   pairing, partial rotary dimensions and the [`Scaling`]s of HF
//!   transformers (linear, dynamic NTK, YaRN, Llama 3);
//! * **bias** `[heads, q_len, k_len]`: [`Alibi`], [`T5Bias`].
//!
//! Every output is a [`Tensor`] (shape + `Vec<f32>`) that [`write::save`]
//! writes as `.npy` or `.csv`; [`analysis`] measures what the encodings do.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod error;
mod tensor;

pub mod alibi;
pub mod analysis;
pub mod learned;
pub mod rope;
pub mod sinusoidal;
pub mod spec;
pub mod t5;
pub mod write;

pub use alibi::{alibi_slopes, Alibi};
pub use error::{Error, Result};
pub use learned::LearnedPositions;
pub use rope::{Llama3Config, Pairing, Rope, RopeCache, RopeConfig, Scaling, YarnConfig};
pub use sinusoidal::{Layout, Sinusoidal, SinusoidalConfig, Spacing};
pub use spec::{EncodingSpec, Kind};
pub use t5::{T5Bias, T5Config};
pub use tensor::{check_fits, Tensor};
