//! A tiny multi-head self-attention (Vaswani et al. 2017, §3.2) that applies
//! every relative position scheme of `embedpos-posenc`: RoPE on queries and
//! keys, ALiBi or T5 biases on the logits, plus the padding and causal masks.
//!
//! For each sequence and head `h` (`d_h = d_model / heads`):
//!
//! ```text
//! q = R(p) · x Wq,   k = R(p) · x Wk,   v = x Wv          (R: RoPE, if any)
//! A = softmax(q kᵀ / √d_h + B_h + M)                      (B: ALiBi/T5, M: 0 or −∞)
//! y = concat_h(A v) Wo
//! ```
//!
//! `M` is −∞ where the key is padding or, when causal, after the query. A
//! query that can see no key at all (a padding row at the start of a
//! left-padded causal batch) gets zero weights and a zero output instead of
//! NaN. The weights have no bias vectors, as in Llama.

mod backward;
mod bias;
mod forward;
mod rotary;

use embedpos_posenc::{Pairing, Rope, RopeConfig, Scaling};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::grad::{Grad, Param, Trainable};
use crate::init::{fill_uniform, rng};
use crate::real::Real;

pub use backward::AttentionGrads;
pub use bias::BiasConfig;
pub use forward::AttentionCache;

use bias::Bias;

/// RoPE settings of an attention layer; the head width comes from the layer.
/// `Default`: all dimensions rotated, base 10000, NeoX half-split pairing, no
/// scaling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RotaryConfig {
    /// Which dimensions form a pair.
    pub pairing: Pairing,
    /// How many leading dimensions of each head are rotated; `None`: all.
    pub rotary_dim: Option<usize>,
    /// `θ_i = base^(−2i/r)`.
    pub base: f64,
    /// Context extension (linear, dynamic NTK, YaRN, Llama 3).
    pub scaling: Scaling,
}

impl Default for RotaryConfig {
    fn default() -> Self {
        let r = RopeConfig::default();
        RotaryConfig {
            pairing: r.pairing,
            rotary_dim: None,
            base: r.base,
            scaling: r.scaling,
        }
    }
}

impl RotaryConfig {
    /// The posenc config for heads of width `head_dim`.
    pub fn rope_config(&self, head_dim: usize) -> RopeConfig {
        RopeConfig {
            head_dim,
            rotary_dim: self.rotary_dim,
            base: self.base,
            pairing: self.pairing,
            scaling: self.scaling,
        }
    }
}

/// Settings of an [`Attention`] layer; `Default`: d_model 512, 8 heads,
/// bidirectional, no position scheme.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttentionConfig {
    /// Width of the input and output.
    pub d_model: usize,
    /// Number of heads; must divide `d_model`.
    pub heads: usize,
    /// Mask keys after the query (decoders).
    pub causal: bool,
    /// RoPE on queries and keys.
    pub rope: Option<RotaryConfig>,
    /// Bias added to the logits.
    pub bias: BiasConfig,
    /// Seed of the weights (Xavier-uniform) and of the T5 table.
    pub seed: u64,
}

impl Default for AttentionConfig {
    fn default() -> Self {
        AttentionConfig {
            d_model: 512,
            heads: 8,
            causal: false,
            rope: None,
            bias: BiasConfig::None,
            seed: 0,
        }
    }
}

impl AttentionConfig {
    /// Says what is wrong, if anything; returns the head width.
    pub fn validate(&self) -> Result<usize> {
        if self.d_model == 0 {
            return Err(Error::config(
                "d_model",
                self.d_model,
                "it must be at least 1",
            ));
        }
        if self.heads == 0 || !self.d_model.is_multiple_of(self.heads) {
            let divisors: Vec<usize> = (1..=self.d_model.min(64))
                .filter(|h| self.d_model.is_multiple_of(*h))
                .collect();
            return Err(Error::config(
                "heads",
                self.heads,
                format!(
                    "the number of heads must divide d_model = {} (each head gets d_model / heads dimensions); \
                     divisors: {divisors:?}",
                    self.d_model
                ),
            ));
        }
        let head_dim = self.d_model / self.heads;
        if let Some(r) = &self.rope {
            r.rope_config(head_dim).validate()?;
        }
        Ok(head_dim)
    }
}

/// The attention layer. Generic over the scalar so the gradient checks can
/// run the same code in `f64`.
#[derive(Debug, Clone)]
pub struct Attention<T: Real = f32> {
    config: AttentionConfig,
    head_dim: usize,
    /// `[d_model, d_model]` each, applied as `x W` (rows are input dims).
    wq: Array2<T>,
    wk: Array2<T>,
    wv: Array2<T>,
    wo: Array2<T>,
    rope: Option<Rope>,
    bias: Bias<T>,
}

impl<T: Real> Attention<T> {
    /// A layer with Xavier-uniform weights (U(±√(6 / 2d))) drawn with the
    /// config's seed.
    pub fn new(config: AttentionConfig) -> Result<Self> {
        let head_dim = config.validate()?;
        let d = config.d_model;
        embedpos_base::check_fits("attention weights", &[4, d, d])?;
        let bound = (6.0 / (2 * d) as f64).sqrt();
        let draw = |salt: u64| {
            let mut w = vec![T::zero(); d * d];
            fill_uniform(&mut w, bound, &mut rng(config.seed, salt));
            Array2::from_shape_vec((d, d), w)
                .map_err(|e| Error::shape("attention weight", &[d, d], &[d * d], e.to_string()))
        };
        let rope = config
            .rope
            .map(|r| Rope::new(r.rope_config(head_dim)))
            .transpose()?;
        let bias = Bias::new(&config.bias, config.heads, config.causal, d, config.seed)?;
        Ok(Attention {
            config,
            head_dim,
            wq: draw(1)?,
            wk: draw(2)?,
            wv: draw(3)?,
            wo: draw(4)?,
            rope,
            bias,
        })
    }

    /// The settings.
    pub fn config(&self) -> &AttentionConfig {
        &self.config
    }

    /// Width of each head.
    pub fn head_dim(&self) -> usize {
        self.head_dim
    }

    /// The T5 table `[num_buckets, heads]`, if the layer has one.
    pub fn t5_table(&self) -> Option<&[T]> {
        self.bias.table()
    }

    /// What a cache must agree on with the layer that reads it.
    pub(crate) fn signature(&self) -> [usize; 4] {
        [
            self.config.d_model,
            self.config.heads,
            self.rope.is_some() as usize,
            self.bias.table().map_or(0, <[T]>::len),
        ]
    }

    /// The four weight matrices `(Wq, Wk, Wv, Wo)`, each `[d_model, d_model]`.
    pub fn weights(&self) -> [&Array2<T>; 4] {
        [&self.wq, &self.wk, &self.wv, &self.wo]
    }

    /// Every parameter, named as [`Trainable::params`] names them
    /// (`attention.wq`, `attention.wk`, `attention.wv`, `attention.wo`
    /// `[d_model, d_model]` row-major, then `attention.t5` `[num_buckets,
    /// heads]` when the layer has one), for a loader or a model-wide
    /// optimiser.
    pub fn parameters(&self) -> Vec<(&'static str, &[T])> {
        let mut out: Vec<(&'static str, &[T])> = Vec::with_capacity(5);
        for (name, w) in [
            ("attention.wq", &self.wq),
            ("attention.wk", &self.wk),
            ("attention.wv", &self.wv),
            ("attention.wo", &self.wo),
        ] {
            // built by `Array2::from_shape_vec`, so always in standard layout
            if let Some(w) = w.as_slice() {
                out.push((name, w));
            }
        }
        if let Some(t) = self.bias.table() {
            out.push(("attention.t5", t));
        }
        out
    }

    /// [`Self::parameters`], mutable, in the same order.
    pub fn parameters_mut(&mut self) -> Vec<(&'static str, &mut [T])> {
        let mut out: Vec<(&'static str, &mut [T])> = Vec::with_capacity(5);
        for (name, w) in [
            ("attention.wq", &mut self.wq),
            ("attention.wk", &mut self.wk),
            ("attention.wv", &mut self.wv),
            ("attention.wo", &mut self.wo),
        ] {
            if let Some(w) = w.as_slice_mut() {
                out.push((name, w));
            }
        }
        if let Some(t) = self.bias.table_mut() {
            out.push(("attention.t5", &mut t[..]));
        }
        out
    }
}

impl<T: Real> Trainable<T> for Attention<T> {
    type Grads = AttentionGrads<T>;

    fn params<'a>(&'a mut self, grads: &'a AttentionGrads<T>) -> Vec<Param<'a, T>> {
        let mut out = Vec::new();
        for (name, w, g) in [
            ("attention.wq", &mut self.wq, &grads.wq),
            ("attention.wk", &mut self.wk, &grads.wk),
            ("attention.wv", &mut self.wv, &grads.wv),
            ("attention.wo", &mut self.wo, &grads.wo),
        ] {
            if let Some(values) = w.as_slice_mut() {
                out.push(Param {
                    name,
                    values,
                    grad: Grad::Dense(g),
                });
            }
        }
        if let (Some(table), Some(g)) = (self.bias.table_mut(), &grads.t5) {
            out.push(Param {
                name: "attention.t5",
                values: table,
                grad: Grad::Dense(g),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, Array3};

    #[test]
    fn heads_must_divide_d_model_and_rope_needs_even_heads() {
        let bad = |c: AttentionConfig| Attention::<f32>::new(c).unwrap_err().to_string();
        let e = bad(AttentionConfig {
            d_model: 10,
            heads: 4,
            ..Default::default()
        });
        assert!(
            e.contains("must divide d_model = 10") && e.contains("[1, 2, 5, 10]"),
            "{e}"
        );
        assert!(bad(AttentionConfig {
            heads: 0,
            ..Default::default()
        })
        .contains("heads = 0"));
        let e = bad(AttentionConfig {
            d_model: 12,
            heads: 4,
            rope: Some(RotaryConfig::default()),
            ..Default::default()
        });
        assert!(e.contains("head_dim must be even"), "{e}");
        assert!(Attention::<f32>::new(AttentionConfig {
            d_model: 12,
            heads: 4,
            rope: Some(RotaryConfig {
                rotary_dim: Some(2),
                ..Default::default()
            }),
            ..Default::default()
        })
        .is_ok());
    }

    #[test]
    fn wrong_shapes_are_errors() {
        let a = Attention::<f32>::new(AttentionConfig {
            d_model: 8,
            heads: 2,
            ..Default::default()
        })
        .unwrap();
        let x = Array3::<f32>::zeros((2, 3, 8));
        let mask = Array2::from_elem((2, 3), true);
        assert!(a.forward(&x, &mask, None).is_ok());
        let e = a
            .forward(&x, &Array2::from_elem((3, 2), true), None)
            .unwrap_err();
        assert!(e.to_string().contains("mask: expected shape [2, 3]"), "{e}");
        assert!(a.forward(&Array3::zeros((2, 3, 6)), &mask, None).is_err());
        assert!(a.forward(&x, &mask, Some(&Array2::zeros((2, 4)))).is_err());
        assert!(a
            .forward(
                &Array3::zeros((0, 3, 8)),
                &Array2::from_elem((0, 3), true),
                None
            )
            .is_err());
        let (_, cache) = a.forward_with_cache(&x, &mask, None).unwrap();
        assert!(a.backward(&cache, &Array3::zeros((2, 3, 4))).is_err());
        let other = Attention::<f32>::new(AttentionConfig {
            d_model: 8,
            heads: 4,
            ..Default::default()
        })
        .unwrap();
        assert!(other.backward(&cache, &Array3::zeros((2, 3, 8))).is_err());
    }

    #[test]
    fn config_round_trips_through_json() {
        let c = AttentionConfig {
            d_model: 64,
            heads: 4,
            causal: true,
            rope: Some(RotaryConfig {
                pairing: Pairing::Interleaved,
                scaling: Scaling::Linear { factor: 2.0 },
                ..Default::default()
            }),
            bias: BiasConfig::t5(),
            seed: 3,
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<AttentionConfig>(&json).unwrap(), c);
    }
}
