//! A tiny trainable transformer on top of `embedpos-input`: pre-LayerNorm
//! blocks (GPT-2), a language-model or a classification head, a backward
//! pass checked by finite differences, AdamW training and safetensors
//! checkpoints. Where this crate sits among the others:
//! `docs/ARCHITECTURE.md` in the repository.
//!
//! ```
//! use embedpos_input::{vocab_with_specials, Mode};
//! use embedpos_model::{Model, ModelConfig, Targets};
//!
//! let vocab = vocab_with_specials([("the", 3), ("cat", 1), ("sat", 1)])?;
//! let config = ModelConfig { d_model: 16, heads: 2, layers: 1, ..Default::default() };
//! let model: Model = Model::random(config, &vocab)?;
//! let batch = model.batch_texts(&["the cat sat", "the cat"])?;
//! let logits = model.forward(&batch, Mode::Eval)?; // [batch · seq, vocab]
//! assert_eq!(logits.dim(), (2 * 3, model.vocab_size()));
//! let (loss, grads) = model.loss_and_grads(&batch, &Targets::NextToken, Mode::Eval)?;
//! assert!(loss > 0.0 && grads.len() == model.param_info().len());
//! # Ok::<(), embedpos_model::Error>(())
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod block;
pub mod checkpoint;
mod config;
pub mod corpus;
mod error;
mod loss;
mod model;
mod ops;
pub mod optim;
pub mod params;
pub mod train;

pub use checkpoint::{load_model, load_trainer, save_model, save_trainer};
pub use config::{Head, ModelConfig, Pooling};
pub use corpus::{read_examples, read_token_stream, CorpusStats};
pub use error::{Error, Result};
pub use loss::Targets;
pub use model::{Model, Sampling};
pub use optim::{AdamW, AdamWConfig, Schedule};
pub use params::{ModelGrads, ParamInfo};
pub use train::{
    evaluate, Dataset, EvalReport, Example, Finish, Observer, Progress, Recorder, StopWhen,
    TrainConfig, TrainData, TrainState, Trainer,
};
