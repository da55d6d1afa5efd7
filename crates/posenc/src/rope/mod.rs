//! Rotary position embeddings (Su et al. 2021, "RoFormer: Enhanced Transformer
//! with Rotary Position Embedding").
//!
//! Each pair of query/key dimensions `(x_a, x_b)` at position `p` is rotated by
//! the angle `p · θ_i`, `θ_i = base^(-2i/r)`, `r` the rotary width:
//!
//! ```text
//! x_a' = x_a cos(pθ_i) − x_b sin(pθ_i)
//! x_b' = x_b cos(pθ_i) + x_a sin(pθ_i)
//! ```
//!
//! so that `⟨R(m) q, R(n) k⟩` depends on `m − n` only. [`Pairing`] says which
//! dimensions form pair `i`; a [`Scaling`] changes the `θ_i` to run past the
//! trained context. Dimensions past `rotary_dim` (partial rotary, as in GPT-J,
//! GPT-NeoX and Phi) pass through unchanged.
//!
//! Use: build a [`Rope`] from a [`RopeConfig`], take a [`RopeCache`] of cos and
//! sin for the positions you need, and apply it in place to `[seq, heads,
//! head_dim]` buffers.

mod cache;
pub mod llama3;
pub mod scaling;
pub mod yarn;

use serde::{Deserialize, Serialize};

pub use cache::RopeCache;
pub use llama3::Llama3Config;
pub use scaling::{default_inv_freq, Frequencies, Scaling};
pub use yarn::YarnConfig;

use crate::error::{check_base, check_dim, Error, Result};

/// Which dimensions of a head are rotated together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Pairing {
    /// Pair `i` is `(i, i + r/2)`: GPT-NeoX, Llama, and HF's `rotate_half`.
    #[default]
    #[serde(rename = "neox", alias = "half")]
    HalfSplit,
    /// Pair `i` is `(2i, 2i + 1)`: GPT-J, the RoFormer paper, Meta's original
    /// Llama code (complex multiplication).
    #[serde(rename = "gptj", alias = "interleaved")]
    Interleaved,
}

impl Pairing {
    /// The two dimensions of pair `i` in a rotary width of `r`.
    pub fn pair(self, i: usize, r: usize) -> (usize, usize) {
        match self {
            Pairing::HalfSplit => (i, i + r / 2),
            Pairing::Interleaved => (2 * i, 2 * i + 1),
        }
    }
}

/// RoPE settings; `Default` is Llama-2-like: head_dim 128, all dimensions
/// rotated, base 10000, half-split pairing, no scaling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RopeConfig {
    /// Width of each head.
    pub head_dim: usize,
    /// How many leading dimensions of each head are rotated (even, at most
    /// `head_dim`); `None` means all. HF's `partial_rotary_factor = f` is
    /// `rotary_dim = head_dim * f`.
    pub rotary_dim: Option<usize>,
    /// `θ_i = base^(-2i/r)`: 10000 in RoFormer and Llama 2, 500000 in Llama 3.
    pub base: f64,
    /// Which dimensions form a pair.
    pub pairing: Pairing,
    /// Context extension.
    pub scaling: Scaling,
}

impl Default for RopeConfig {
    fn default() -> Self {
        RopeConfig {
            head_dim: 128,
            rotary_dim: None,
            base: 10000.0,
            pairing: Pairing::HalfSplit,
            scaling: Scaling::None,
        }
    }
}

impl RopeConfig {
    /// Defaults with the given head width.
    pub fn new(head_dim: usize) -> Self {
        RopeConfig {
            head_dim,
            ..Self::default()
        }
    }

    /// The number of rotated dimensions.
    pub fn rotary_dim(&self) -> usize {
        self.rotary_dim.unwrap_or(self.head_dim)
    }

    /// Says what is wrong, if anything.
    pub fn validate(&self) -> Result<()> {
        check_dim("head_dim", self.head_dim)?;
        let r = self.rotary_dim();
        if r < 2 || !r.is_multiple_of(2) || r > self.head_dim {
            let hint = if self.rotary_dim.is_none() {
                format!(
                    "RoPE rotates pairs of dimensions, so head_dim must be even and at least 2; use {} or \
                     rotate fewer dimensions with rotary_dim",
                    self.head_dim + 1
                )
            } else {
                format!(
                    "it must be even, at least 2 and at most head_dim = {}",
                    self.head_dim
                )
            };
            return Err(Error::invalid("rotary_dim", r, hint));
        }
        check_base(self.base)?;
        self.scaling.validate(r)
    }
}

/// A validated RoPE configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Rope {
    config: RopeConfig,
}

impl Rope {
    /// Validates `config`.
    pub fn new(config: RopeConfig) -> Result<Rope> {
        config.validate()?;
        Ok(Rope { config })
    }

    /// The settings.
    pub fn config(&self) -> &RopeConfig {
        &self.config
    }

    /// Width of each head.
    pub fn head_dim(&self) -> usize {
        self.config.head_dim
    }

    /// Number of rotated dimensions.
    pub fn rotary_dim(&self) -> usize {
        self.config.rotary_dim()
    }

    /// The frequencies and attention factor in force when the sequence is
    /// `seq_len` long (only dynamic NTK depends on it).
    pub fn frequencies(&self, seq_len: usize) -> Frequencies {
        self.config
            .scaling
            .frequencies(self.config.base, self.rotary_dim(), seq_len)
    }

    /// The cos/sin cache of positions `0 .. len`, with the frequencies for a
    /// sequence of `len` positions. Cos and sin include the attention factor.
    pub fn cache(&self, len: usize) -> Result<RopeCache> {
        RopeCache::new(self, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_configs_are_errors() {
        let bad = [
            RopeConfig::new(0),
            RopeConfig::new(7),
            RopeConfig {
                rotary_dim: Some(3),
                ..RopeConfig::new(8)
            },
            RopeConfig {
                rotary_dim: Some(10),
                ..RopeConfig::new(8)
            },
            RopeConfig {
                base: 0.0,
                ..RopeConfig::new(8)
            },
            RopeConfig {
                scaling: Scaling::Linear { factor: 0.5 },
                ..RopeConfig::new(8)
            },
            RopeConfig {
                scaling: Scaling::DynamicNtk {
                    factor: 2.0,
                    original_max_positions: 16,
                },
                ..RopeConfig::new(2)
            },
            RopeConfig {
                scaling: Scaling::Yarn(YarnConfig::new(f64::NAN, 16)),
                ..RopeConfig::new(8)
            },
            RopeConfig {
                scaling: Scaling::Llama3(Llama3Config {
                    high_freq_factor: 0.5,
                    ..Default::default()
                }),
                ..RopeConfig::new(8)
            },
        ];
        for c in bad {
            assert!(Rope::new(c).is_err(), "{c:?}");
        }
        let odd_head_partial = RopeConfig {
            rotary_dim: Some(4),
            ..RopeConfig::new(7)
        };
        assert!(Rope::new(odd_head_partial).is_ok());
    }

    #[test]
    fn config_round_trips_through_serde() {
        let c = RopeConfig {
            scaling: Scaling::Yarn(YarnConfig::new(4.0, 2048)),
            pairing: Pairing::Interleaved,
            ..RopeConfig::new(64)
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<RopeConfig>(&json).unwrap(), c);
    }
}
