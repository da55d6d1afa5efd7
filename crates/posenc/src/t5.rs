//! T5 relative position buckets (Raffel et al. 2020, "Exploring the Limits of
//! Transfer Learning with a Unified Text-to-Text Transformer", §2.1), as in
//! Mesh TensorFlow and HF transformers' `T5Attention._relative_position_bucket`.
//!
//! The distance `key − query` is mapped to one of `num_buckets` buckets; each
//! bucket has a learned scalar per head, added to the attention logits.
//! Bidirectional: half the buckets for keys after the query, half for the rest.
//! Causal: keys after the query all land in bucket 0 (they are masked anyway).
//! Within a half of `n` buckets, distances below `n/2` get a bucket each, and
//! larger ones share logarithmically wider buckets up to `max_distance`, past
//! which everything lands in the last bucket:
//!
//! ```text
//! bucket(d) = d                                                     if d < n/2
//!           = min(n/2 + trunc(ln(d / (n/2)) / ln(max_distance / (n/2)) · (n − n/2)), n − 1)
//! ```
//!
//! The logarithmic branch is evaluated in `f32`, in the same order as HF's
//! PyTorch code, so bucket boundaries agree with the reference exactly.

use serde::{Deserialize, Serialize};

use crate::alibi::check_lengths;
use crate::error::{check_dim, Error, Result};
use crate::learned::{check_table, normal_table};
use crate::tensor::{check_fits, Tensor};

/// Bucketing settings; `Default` is T5's (32 buckets, max distance 128,
/// bidirectional as in the encoder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct T5Config {
    /// Number of buckets (T5: 32).
    pub num_buckets: usize,
    /// Distances at or past this share the last bucket (T5: 128).
    pub max_distance: usize,
    /// True for the encoder (both directions), false for the decoder.
    pub bidirectional: bool,
}

impl Default for T5Config {
    fn default() -> Self {
        T5Config {
            num_buckets: 32,
            max_distance: 128,
            bidirectional: true,
        }
    }
}

impl T5Config {
    /// Says what is wrong, if anything.
    pub fn validate(&self) -> Result<()> {
        let min = if self.bidirectional { 4 } else { 2 };
        if self.num_buckets < min {
            return Err(Error::invalid(
                "num_buckets",
                self.num_buckets,
                format!(
                    "{} bucketing needs at least {min} buckets so that each direction has an exact and a \
                     logarithmic range (T5 uses 32)",
                    if self.bidirectional { "bidirectional" } else { "causal" }
                ),
            ));
        }
        if self.max_distance < self.num_buckets {
            return Err(Error::invalid(
                "max_distance",
                self.max_distance,
                format!(
                    "it must be at least num_buckets = {}, or the logarithmic buckets cover fewer distances \
                     than there are buckets (T5 uses 128)",
                    self.num_buckets
                ),
            ));
        }
        Ok(())
    }

    /// The bucket of `relative_position = key − query`. Call
    /// [`T5Config::validate`] first; the result is always below `num_buckets`.
    pub fn bucket(&self, relative_position: i64) -> usize {
        let mut n = self.num_buckets;
        let mut bucket = 0;
        let distance = if self.bidirectional {
            n /= 2;
            if relative_position > 0 {
                bucket += n;
            }
            relative_position.unsigned_abs()
        } else if relative_position < 0 {
            relative_position.unsigned_abs()
        } else {
            0
        };
        let max_exact = n / 2;
        if distance < max_exact as u64 {
            return bucket + distance as usize;
        }
        // f32 throughout, in PyTorch's order (see module docs)
        let ratio = distance as f32 / max_exact as f32;
        let scale = (self.max_distance as f64 / max_exact as f64).ln() as f32;
        let steps = ratio.ln() / scale * (n - max_exact) as f32;
        let large = max_exact.saturating_add(steps as usize);
        bucket + large.min(n - 1)
    }
}

/// T5's learned relative attention bias: a `[num_buckets, heads]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct T5Bias {
    config: T5Config,
    heads: usize,
    table: Vec<f32>,
}

impl T5Bias {
    /// A table drawn from N(0, std²) with `seed` (HF's T5 uses
    /// `std = initializer_factor · d_model^-0.5`).
    pub fn random(config: T5Config, heads: usize, std: f32, seed: u64) -> Result<T5Bias> {
        config.validate()?;
        check_dim("heads", heads)?;
        let table = normal_table(
            "T5 bias table",
            [config.num_buckets, heads],
            std,
            "it must be a finite number >= 0",
            seed,
        )?;
        Ok(T5Bias {
            config,
            heads,
            table,
        })
    }

    /// Wraps a trained `[num_buckets, heads]` table.
    pub fn from_table(config: T5Config, heads: usize, table: Vec<f32>) -> Result<T5Bias> {
        config.validate()?;
        check_dim("heads", heads)?;
        check_table("T5 bias table", [config.num_buckets, heads], &table)?;
        Ok(T5Bias {
            config,
            heads,
            table,
        })
    }

    /// The bucketing settings.
    pub fn config(&self) -> &T5Config {
        &self.config
    }

    /// Number of heads.
    pub fn heads(&self) -> usize {
        self.heads
    }

    /// The `[num_buckets, heads]` table.
    pub fn table(&self) -> &[f32] {
        &self.table
    }

    /// The table, for an optimiser to update.
    pub fn table_mut(&mut self) -> &mut [f32] {
        &mut self.table
    }

    /// The `[q_len, k_len]` bucket of each (query, key), queries being the last
    /// `q_len` of the `k_len` positions.
    pub fn buckets(&self, q_len: usize, k_len: usize) -> Result<Vec<usize>> {
        check_lengths(q_len, k_len)?;
        let n = check_fits("T5 bucket matrix", &[q_len, k_len])?;
        let mut out = Vec::with_capacity(n);
        let shift = k_len - q_len;
        for i in 0..q_len {
            let q = (shift + i) as i64;
            out.extend((0..k_len).map(|j| self.config.bucket(j as i64 - q)));
        }
        Ok(out)
    }

    /// The `[heads, q_len, k_len]` bias.
    pub fn bias(&self, q_len: usize, k_len: usize) -> Result<Tensor> {
        let mut t = Tensor::zeros("T5 bias", &[self.heads, q_len, k_len])?;
        let buckets = self.buckets(q_len, k_len)?;
        if !buckets.is_empty() {
            for (h, out) in t.data_mut().chunks_exact_mut(q_len * k_len).enumerate() {
                for (o, &b) in out.iter_mut().zip(&buckets) {
                    *o = self.table[b * self.heads + h];
                }
            }
        }
        Ok(t)
    }

    /// Backward pass of [`Self::bias`]: adds `grad_bias` (`[heads, q_len,
    /// k_len]`) into `grad_table` (`[num_buckets, heads]`), bucket by bucket.
    pub fn accumulate_grad(
        &self,
        grad_bias: &[f32],
        q_len: usize,
        k_len: usize,
        grad_table: &mut [f32],
    ) -> Result<()> {
        let buckets = self.buckets(q_len, k_len)?;
        let expected = buckets.len().saturating_mul(self.heads);
        if grad_bias.len() != expected {
            return Err(Error::ShapeMismatch {
                what: format!("gradient of the T5 bias [{}, {q_len}, {k_len}]", self.heads),
                expected,
                got: grad_bias.len(),
            });
        }
        if grad_table.len() != self.table.len() {
            return Err(Error::ShapeMismatch {
                what: format!(
                    "gradient of the T5 table [{}, {}]",
                    self.config.num_buckets, self.heads
                ),
                expected: self.table.len(),
                got: grad_table.len(),
            });
        }
        if buckets.is_empty() {
            return Ok(());
        }
        for (h, g) in grad_bias.chunks_exact(buckets.len()).enumerate() {
            for (&b, &v) in buckets.iter().zip(g) {
                grad_table[b * self.heads + h] += v;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_buckets_of_the_t5_encoder_and_decoder() {
        let enc = T5Config::default();
        // exact below 8, then logarithmic; positive distances offset by 16
        assert_eq!(enc.bucket(0), 0);
        assert_eq!(enc.bucket(-7), 7);
        assert_eq!(enc.bucket(7), 23);
        assert_eq!(enc.bucket(-8), 8);
        assert_eq!(enc.bucket(-16), 10);
        assert_eq!(enc.bucket(-32), 12);
        assert_eq!(enc.bucket(-64), 14);
        assert_eq!(enc.bucket(-127), 15);
        assert_eq!(enc.bucket(-1000), 15);
        assert_eq!(enc.bucket(1000), 31);
        let dec = T5Config {
            bidirectional: false,
            ..enc
        };
        assert_eq!(dec.bucket(5), 0);
        assert_eq!(dec.bucket(-15), 15);
        assert_eq!(dec.bucket(-16), 16);
        assert_eq!(dec.bucket(-1000), 31);
    }

    #[test]
    fn bias_gathers_the_table_and_gradient_scatters_back() {
        let cfg = T5Config {
            num_buckets: 4,
            max_distance: 4,
            bidirectional: true,
        };
        let t = T5Bias::from_table(cfg, 2, (0..8).map(|x| x as f32).collect()).unwrap();
        let b = t.bias(3, 3).unwrap();
        for h in 0..2 {
            for i in 0..3 {
                for j in 0..3 {
                    let bucket = cfg.bucket(j as i64 - i as i64);
                    assert_eq!(b.get(&[h, i, j]), Some((bucket * 2 + h) as f32));
                }
            }
        }
        let mut g = vec![0.0; 8];
        t.accumulate_grad(&[1.0; 18], 3, 3, &mut g).unwrap();
        assert_eq!(g.iter().sum::<f32>(), 18.0);
    }

    #[test]
    fn bad_input_is_an_error() {
        let small = T5Config {
            num_buckets: 32,
            max_distance: 16,
            bidirectional: true,
        };
        assert!(small.validate().is_err());
        let tiny = T5Config {
            num_buckets: 2,
            max_distance: 8,
            bidirectional: true,
        };
        assert!(tiny.validate().is_err());
        assert!(T5Bias::random(T5Config::default(), 0, 0.02, 0).is_err());
        assert!(T5Bias::random(T5Config::default(), 2, f32::NAN, 0).is_err());
        assert!(T5Bias::from_table(T5Config::default(), 2, vec![0.0; 3]).is_err());
        let t = T5Bias::random(T5Config::default(), 2, 0.02, 0).unwrap();
        assert!(t.bias(4, 2).is_err());
    }
}
