//! Attention biases computed from each token's position id: ALiBi's
//! `−m_h · |p_i − p_j|` and T5's learned scalar of bucket(`p_j − p_i`), with
//! the slopes and the bucketing of `embedpos_posenc`.
//!
//! Working from position ids rather than from row indices means a left-padded
//! row and a continuation at an offset get the same biases as the plain
//! sequence, and that padding never changes the bias between two real tokens.

use embedpos_posenc::{alibi_slopes, T5Config};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::init::{fill_normal, rng};
use crate::real::Real;

/// Which bias the attention adds to its logits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum BiasConfig {
    /// No bias.
    #[default]
    None,
    /// ALiBi (Press et al. 2022), slopes `2^(−8h/H)`.
    Alibi,
    /// T5 relative buckets (Raffel et al. 2020), a trainable scalar per
    /// (bucket, head); bidirectional unless the attention is causal.
    T5 {
        /// Number of buckets (T5: 32).
        #[serde(default = "default_buckets")]
        num_buckets: usize,
        /// Distances past this share the last bucket (T5: 128).
        #[serde(default = "default_max_distance")]
        max_distance: usize,
    },
}

fn default_buckets() -> usize {
    32
}

fn default_max_distance() -> usize {
    128
}

impl BiasConfig {
    /// T5's settings.
    pub fn t5() -> Self {
        BiasConfig::T5 {
            num_buckets: default_buckets(),
            max_distance: default_max_distance(),
        }
    }

    /// A short name: `none`, `alibi`, `t5`.
    pub fn name(&self) -> &'static str {
        match self {
            BiasConfig::None => "none",
            BiasConfig::Alibi => "alibi",
            BiasConfig::T5 { .. } => "t5",
        }
    }
}

/// The built bias.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bias<T: Real> {
    None,
    Alibi {
        slopes: Vec<T>,
    },
    /// `table` is `[num_buckets, heads]`, as in `embedpos_posenc::T5Bias`.
    T5 {
        config: T5Config,
        table: Vec<T>,
    },
}

impl<T: Real> Bias<T> {
    pub(crate) fn new(
        config: &BiasConfig,
        heads: usize,
        causal: bool,
        d_model: usize,
        seed: u64,
    ) -> Result<Self> {
        Ok(match *config {
            BiasConfig::None => Bias::None,
            BiasConfig::Alibi => Bias::Alibi {
                slopes: alibi_slopes(heads)?.into_iter().map(T::from_f64).collect(),
            },
            BiasConfig::T5 {
                num_buckets,
                max_distance,
            } => {
                let config = T5Config {
                    num_buckets,
                    max_distance,
                    bidirectional: !causal,
                };
                config.validate()?;
                // HF T5 draws the table from N(0, d_model^-1/2)
                let mut table = vec![T::zero(); num_buckets * heads];
                fill_normal(
                    &mut table,
                    (d_model as f64).powf(-0.5),
                    &mut rng(seed, 0x7435),
                );
                Bias::T5 { config, table }
            }
        })
    }

    /// Per sequence, what the heads share: the T5 bucket or the ALiBi
    /// distance of each (query, key), `[seq, seq]`.
    pub(crate) fn relations(&self, pos: &[usize]) -> Vec<usize> {
        let s = pos.len();
        let mut out = Vec::with_capacity(s * s);
        match self {
            Bias::None => {}
            Bias::Alibi { .. } => {
                for &pi in pos {
                    out.extend(pos.iter().map(|&pj| pi.abs_diff(pj)));
                }
            }
            Bias::T5 { config, .. } => {
                for &pi in pos {
                    out.extend(pos.iter().map(|&pj| config.bucket(rel(pj, pi))));
                }
            }
        }
        out
    }

    /// Adds head `h`'s bias to `scores` (`[seq, seq]`), given `relations`.
    pub(crate) fn add(&self, scores: &mut [T], h: usize, heads: usize, relations: &[usize]) {
        match self {
            Bias::None => {}
            Bias::Alibi { slopes } => {
                let m = slopes[h];
                for (s, &dist) in scores.iter_mut().zip(relations) {
                    *s -= m * T::from_f64(dist as f64);
                }
            }
            Bias::T5 { table, .. } => {
                for (s, &bucket) in scores.iter_mut().zip(relations) {
                    *s += table[bucket * heads + h];
                }
            }
        }
    }

    /// The T5 table, if any.
    pub(crate) fn table(&self) -> Option<&[T]> {
        match self {
            Bias::T5 { table, .. } => Some(table),
            _ => None,
        }
    }

    /// The T5 table, for an optimiser.
    pub(crate) fn table_mut(&mut self) -> Option<&mut Vec<T>> {
        match self {
            Bias::T5 { table, .. } => Some(table),
            _ => None,
        }
    }
}

/// `a − b` as `i64`, saturating (positions are below 2^53 anyway).
fn rel(a: usize, b: usize) -> i64 {
    if a >= b {
        i64::try_from(a - b).unwrap_or(i64::MAX)
    } else {
        i64::try_from(b - a).map(|d| -d).unwrap_or(i64::MIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedpos_posenc::{Alibi, T5Bias};

    #[test]
    fn biases_equal_posenc_tensors_for_plain_positions() {
        let pos: Vec<usize> = (0..6).collect();
        let alibi = Bias::<f32>::new(&BiasConfig::Alibi, 4, false, 16, 0).unwrap();
        let want = Alibi::new(4, false).unwrap().bias(6, 6).unwrap();
        let rel = alibi.relations(&pos);
        for h in 0..4 {
            let mut s = vec![0.0f32; 36];
            alibi.add(&mut s, h, 4, &rel);
            assert_eq!(&s[..], &want.data()[h * 36..(h + 1) * 36]);
        }
        let t5 = Bias::<f32>::new(&BiasConfig::t5(), 2, false, 16, 3).unwrap();
        let Bias::T5 { config, table } = &t5 else {
            unreachable!()
        };
        let want = T5Bias::from_table(*config, 2, table.clone())
            .unwrap()
            .bias(6, 6)
            .unwrap();
        let rel = t5.relations(&pos);
        for h in 0..2 {
            let mut s = vec![0.0f32; 36];
            t5.add(&mut s, h, 2, &rel);
            assert_eq!(&s[..], &want.data()[h * 36..(h + 1) * 36]);
        }
    }

    #[test]
    fn bad_t5_settings_are_errors() {
        let c = BiasConfig::T5 {
            num_buckets: 32,
            max_distance: 8,
        };
        assert!(Bias::<f32>::new(&c, 2, false, 16, 0).is_err());
        assert!(Bias::<f32>::new(&BiasConfig::Alibi, 0, false, 16, 0).is_err());
    }
}
