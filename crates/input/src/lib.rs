//! The input layer of a transformer, fed by static word vectors and positional
//! encodings: texts or ids → padded, masked `[batch, seq, d_model]` tensors,
//! plus a tiny multi-head self-attention that applies the relative schemes
//! (RoPE, ALiBi, T5), all with a backward pass checked by finite differences.
//! Where this crate sits among the others: `docs/ARCHITECTURE.md` in the
//! repository.
//!
//! ```
//! use embedpos_input::{
//!     Attention, AttentionConfig, InputConfig, InputLayer, Mode, RotaryConfig, TokenEmbedding,
//!     vocab_with_specials,
//! };
//!
//! // A token embedding: here drawn at random; `embedding_from_vectors` takes
//! // it from trained word vectors instead.
//! let vocab = vocab_with_specials([("the", 3), ("cat", 1), ("sat", 1)])?;
//! let embedding: TokenEmbedding = TokenEmbedding::random(&vocab, 16, 0.02, 7)?;
//! let layer = InputLayer::new(InputConfig::default(), embedding)?; // × √d, sinusoidal PE, LayerNorm
//!
//! let batch = layer.batch_texts(&["the cat sat", "the cat"], 0)?;
//! let out = layer.forward(&batch, Mode::Eval)?;
//! assert_eq!(out.x.shape(), &[2, 3, 16]);
//! assert_eq!(out.mask.row(1).to_vec(), [true, true, false]);
//!
//! // Self-attention with RoPE at each token's position.
//! let attention = Attention::new(AttentionConfig {
//!     d_model: 16,
//!     heads: 2,
//!     rope: Some(RotaryConfig::default()),
//!     ..Default::default()
//! })?;
//! let y = attention.forward(&out.x, &out.mask, Some(batch.positions()))?;
//! assert_eq!(y.shape(), &[2, 3, 16]);
//! # Ok::<(), embedpos_input::Error>(())
//! ```
//!
//! * [`TokenEmbedding`]: a row per token, from static vectors (or subwords,
//!   or a documented init), specials at reserved ids ([`special`]), frozen or
//!   trainable;
//! * [`Batch`]: padding (right or left), masks, position ids with an offset,
//!   truncation or an error past `max_len`;
//! * [`InputLayer`]: embedding → projection → × √d → + absolute encoding →
//!   LayerNorm → dropout, serde-configured ([`InputConfig`]);
//! * [`Attention`]: Wq, Wk, Wv, Wo with RoPE, ALiBi or T5 and the masks;
//! * backward passes returning [`InputGrads`] and [`AttentionGrads`], and the
//!   optimisers of [`optim`] ([`Sgd`], [`Adam`]) over [`Trainable`] layers;
//! * [`encode`] (what `embedpos encode` runs) and [`pipeline_summary`] (the
//!   last step of `embedpos demo`).
//!
//! Every layer is generic over the scalar ([`Real`]: `f32` by default, `f64`
//! for the gradient checks).

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod absolute;
mod attention;
mod batch;
mod dropout;
mod encode;
mod error;
mod grad;
pub mod init;
mod input_layer;
mod layer_norm;
pub mod linear;
mod npy;
pub mod optim;
mod real;
pub mod special;
mod token_embedding;
mod vectors;

/// The ndarray version the tensors of this crate use.
pub use ndarray;

pub use absolute::AbsoluteConfig;
pub use attention::{
    Attention, AttentionCache, AttentionConfig, AttentionGrads, BiasConfig, RotaryConfig,
};
pub use batch::{Batch, BatchConfig, Overflow, PadSide};
pub use dropout::{Dropout, Mode, RowMask};
pub use encode::{default_heads, encode, pipeline_summary, EncodeConfig, Encoded, Summary};
pub use error::{Error, Result};
pub use grad::{Grad, Param, RowGrad, Trainable};
pub use input_layer::{
    InputCache, InputConfig, InputGrads, InputLayer, InputOutput, ProjectionMode,
};
pub use layer_norm::LayerNorm;
pub use linear::{Linear, LinearGrads};
pub use npy::save_npy;
pub use optim::{Adam, AdamConfig, Sgd};
pub use real::Real;
pub use special::vocab_with_specials;
pub use token_embedding::{InitReport, TokenEmbedding, VectorLookup, DEFAULT_INIT_STD};
pub use vectors::embedding_from_vectors;
