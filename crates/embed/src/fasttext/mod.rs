//! fastText: reading real fastText models (and, with the trainer, subword
//! vectors of our own).
//!
//! [`FastTextModel::load`] reads a `.bin` written by fastText 0.9.x;
//! [`FastTextModel::into_embeddings`] (or simply [`Embeddings::load`], which
//! recognises the file by its magic number) turns it into [`Embeddings`]
//! whose rows are what `fasttext print-word-vectors` prints for the
//! in-vocabulary words and whose [`Subwords`] give every other string a
//! vector the same way.

mod bin;

pub use bin::{FastTextArgs, FastTextBinError, FastTextModel, FastTextModelKind, FASTTEXT_MAGIC};

use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use crate::subwords::Subwords;
use embedpos_tokenize::{NgramConfig, Vocab};
use std::path::Path;

impl From<FastTextBinError> for Error {
    fn from(e: FastTextBinError) -> Self {
        Error::Corrupt {
            path: e.path,
            offset: e.offset,
            message: e.message,
        }
    }
}

impl FastTextModel {
    /// The model as [`Embeddings`]: the vocabulary (words only, labels of a
    /// supervised model left out) in the model's order with its counts; row
    /// `i` the vector fastText's `getWordVector` gives word `i` (the mean of
    /// its own input row and its n-gram rows, what fastText writes to
    /// `.vec`); and, when the model uses char n-grams, the `bucket` n-gram
    /// rows as [`Subwords`], so that unseen words get the mean of their
    /// n-gram rows.
    ///
    /// Models without usable n-grams load without subwords, and unseen words
    /// are then not in the vocabulary (fastText would print a zero vector):
    /// `maxn` 0 (e.g. supervised models), `minn > maxn` (fastText builds no
    /// n-gram then), or a prune index of size 0. `minn` 0 behaves as 1, as
    /// in fastText. A non-empty prune index (only written with quantized
    /// models, which the reader refuses) is an error. `path` names the file
    /// in errors.
    pub fn into_embeddings(mut self, path: &Path) -> Result<Embeddings> {
        let dim = self.dim();
        let nw = self.words.len() * dim;
        if self.input.len() < nw || self.rows * dim != self.input.len() {
            return Err(Error::corrupt(
                path,
                0,
                format!(
                    "the input matrix has {} values for {} rows of {dim}, and needs at least {} words",
                    self.input.len(),
                    self.rows,
                    self.words.len()
                ),
            ));
        }
        // Compose each word's vector and write it over the word's own input
        // row (which no other word uses), so that a real model (gigabytes)
        // needs no second matrix; the bucket rows are then moved, not copied.
        let mut rows = Vec::new();
        let mut v = vec![0f32; dim];
        for i in 0..self.words.len() {
            rows.clear();
            self.subword_rows(&self.words[i].0, &mut rows);
            v.iter_mut().for_each(|x| *x = 0.0);
            for &r in &rows {
                if let Some(row) = self.input.get(r * dim..(r + 1) * dim) {
                    v.iter_mut().zip(row).for_each(|(a, b)| *a += b);
                }
            }
            if !rows.is_empty() {
                let s = 1.0 / rows.len() as f32;
                v.iter_mut().for_each(|x| *x *= s);
            }
            self.input[i * dim..(i + 1) * dim].copy_from_slice(&v);
        }
        let mut input = std::mem::take(&mut self.input);
        let matrix = input[..nw].to_vec();
        input.drain(..nw);
        let config = NgramConfig {
            minn: self.args.minn.max(1),
            maxn: self.args.maxn,
            bucket: self.args.bucket,
        };
        let usable = config.enabled() && config.minn <= config.maxn;
        let subwords = match self.prune_index_len() {
            Some(0) => None,
            Some(n) => {
                return Err(Error::format(
                    path,
                    format!(
                        "the model's n-gram rows were pruned ({n} kept of {} buckets), which only \
                         quantized fastText models do; use the unquantized .bin",
                        self.args.bucket
                    ),
                ))
            }
            None if !usable => None,
            None => {
                let n = self.args.bucket as usize * dim;
                if input.len() < n {
                    return Err(Error::corrupt(
                        path,
                        0,
                        format!(
                            "the input matrix has {} rows, fewer than {} words + {} buckets",
                            self.rows,
                            self.words.len(),
                            self.args.bucket
                        ),
                    ));
                }
                input.truncate(n);
                input.shrink_to_fit();
                Some(Subwords::new(config, dim, input)?)
            }
        };
        let (tokens, counts): (Vec<String>, Vec<u64>) = self.words.into_iter().unzip();
        let vocab = Vocab::from_ordered(tokens, counts).map_err(|e| {
            Error::format(
                path,
                format!("the model's dictionary cannot be used as a vocabulary: {e}"),
            )
        })?;
        let emb = Embeddings::new(vocab, dim, matrix)
            .map_err(|e| Error::format(path, format!("the model's vectors are not usable: {e}")))?;
        match subwords {
            Some(s) => emb.with_subwords(s),
            None => Ok(emb),
        }
    }
}

/// Reads a fastText `.bin` model as [`Embeddings`] (see
/// [`FastTextModel::into_embeddings`]).
pub(crate) fn read(path: &Path) -> Result<Embeddings> {
    FastTextModel::load(path)?.into_embeddings(path)
}
