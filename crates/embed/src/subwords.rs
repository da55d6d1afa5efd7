//! fastText subword rows: the `bucket × dim` matrix of hashed character
//! n-gram vectors that gives a vector to any string, seen in training or not.

use crate::error::{Error, Result};
use crate::kernels::{Portable, RowMean};
use embedpos_tokenize::ngrams::NgramConfig;

/// The n-gram bucket vectors of a fastText-style model.
///
/// A word's vector is the mean of its own input row (if it has one) and the
/// rows of its character n-grams, as fastText's `getWordVector` computes it.
/// [`Embeddings`](crate::Embeddings) stores the composed vector of every
/// in-vocabulary word in its matrix (what fastText's `.vec` holds), and uses
/// these rows only for words outside the vocabulary.
///
/// ```
/// use embedpos_embed::Subwords;
/// use embedpos_tokenize::ngrams::NgramConfig;
/// let cfg = NgramConfig { minn: 3, maxn: 3, bucket: 4 };
/// let sub = Subwords::new(cfg, 2, vec![1.0; 8]).unwrap();
/// let mut v = [0.0; 2];
/// assert!(sub.compose("cat", None, &mut v)); // <ca, cat, at> -> mean of ones
/// assert_eq!(v, [1.0, 1.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Subwords {
    config: NgramConfig,
    dim: usize,
    matrix: Vec<f32>,
}

impl Subwords {
    /// Bucket rows for `config` (`config.bucket × dim` values, row-major).
    ///
    /// Errors when the n-gram settings are invalid or disabled, when the
    /// matrix has the wrong length, or when a value is NaN or infinite.
    pub fn new(config: NgramConfig, dim: usize, matrix: Vec<f32>) -> Result<Self> {
        config
            .validate()
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        if !config.enabled() {
            return Err(Error::InvalidArgument(
                "subword rows need n-grams: maxn and bucket must be at least 1".into(),
            ));
        }
        if dim == 0 {
            return Err(Error::InvalidArgument(
                "dimension 0: vectors need at least one dimension".into(),
            ));
        }
        let expected = (config.bucket as usize).checked_mul(dim).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{} buckets x {dim} dimensions overflow the address space",
                config.bucket
            ))
        })?;
        if matrix.len() != expected {
            return Err(Error::Shape {
                rows: config.bucket as usize,
                dim,
                expected,
                got: matrix.len(),
            });
        }
        if let Some(i) = matrix.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "subword bucket {} holds a non-finite value {} in column {}",
                i / dim,
                matrix[i],
                i % dim
            )));
        }
        Ok(Subwords {
            config,
            dim,
            matrix,
        })
    }

    /// The n-gram settings (minn, maxn, bucket).
    pub fn config(&self) -> &NgramConfig {
        &self.config
    }

    /// The vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The bucket matrix, row-major: `bucket × dim` values.
    pub fn matrix(&self) -> &[f32] {
        &self.matrix
    }

    /// Splits into the settings, dimension and matrix.
    pub fn into_parts(self) -> (NgramConfig, usize, Vec<f32>) {
        (self.config, self.dim, self.matrix)
    }

    /// The row of bucket `b`, or `None` when out of range.
    pub fn row(&self, b: u32) -> Option<&[f32]> {
        let start = (b as usize).checked_mul(self.dim)?;
        self.matrix.get(start..start + self.dim)
    }

    /// Writes into `out` (length `dim`) the mean of `own` (the word's own
    /// input row, if it has one) and the rows of `word`'s n-grams, summed in
    /// fastText's order. Returns `false`, with `out` all zeros, when there is
    /// nothing to average (no own row and no n-gram: fastText prints a zero
    /// vector then).
    pub fn compose(&self, word: &str, own: Option<&[f32]>, out: &mut [f32]) -> bool {
        let mut mean = RowMean::<Portable>::new(out);
        if let Some(own) = own {
            mean.add(own);
        }
        self.config.for_each_ngram(word, |_, b| {
            if let Some(row) = self.row(b) {
                mean.add(row);
            }
        });
        mean.mean() > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_is_the_mean_of_own_and_ngram_rows() {
        let cfg = NgramConfig {
            minn: 3,
            maxn: 3,
            bucket: 7,
        };
        let matrix: Vec<f32> = (0..14).map(|i| i as f32).collect();
        let sub = Subwords::new(cfg, 2, matrix.clone()).unwrap();
        let ids = {
            let mut v = Vec::new();
            cfg.bucket_ids("abc", &mut v);
            v
        };
        assert_eq!(ids.len(), 3); // <ab abc bc>
        let mut want = [10.0f32, 20.0];
        for &b in &ids {
            want[0] += matrix[2 * b as usize];
            want[1] += matrix[2 * b as usize + 1];
        }
        let want = [want[0] / 4.0, want[1] / 4.0];
        let mut got = [0.0; 2];
        assert!(sub.compose("abc", Some(&[10.0, 20.0]), &mut got));
        assert_eq!(got, want);
    }

    #[test]
    fn a_word_without_ngrams_gets_zeros() {
        let cfg = NgramConfig {
            minn: 5,
            maxn: 6,
            bucket: 3,
        };
        let sub = Subwords::new(cfg, 2, vec![1.0; 6]).unwrap();
        let mut out = [9.0; 2];
        assert!(!sub.compose("a", None, &mut out)); // "<a>" has 3 characters
        assert_eq!(out, [0.0, 0.0]);
    }

    #[test]
    fn bad_shapes_and_settings_are_errors() {
        let cfg = NgramConfig {
            minn: 3,
            maxn: 6,
            bucket: 2,
        };
        assert!(Subwords::new(cfg, 2, vec![0.0; 3]).is_err());
        assert!(Subwords::new(cfg, 0, vec![]).is_err());
        assert!(Subwords::new(cfg, 1, vec![0.0, f32::NAN]).is_err());
        let off = NgramConfig { maxn: 0, ..cfg };
        assert!(Subwords::new(off, 1, vec![0.0; 2]).is_err());
        let bad = NgramConfig { minn: 7, ..cfg };
        assert!(Subwords::new(bad, 1, vec![0.0; 2]).is_err());
    }
}
