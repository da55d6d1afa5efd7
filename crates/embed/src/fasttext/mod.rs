//! fastText: reading real fastText models (and, with the trainer, subword
//! vectors of our own).

mod bin;

pub use bin::{FastTextArgs, FastTextBinError, FastTextModel, FastTextModelKind, FASTTEXT_MAGIC};
