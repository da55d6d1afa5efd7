//! AdamW (Loshchilov & Hutter 2019) over a model's parameter list, the
//! learning-rate schedule (linear warm-up, then cosine decay) and gradient
//! clipping.
//!
//! The update is PyTorch's `torch.optim.AdamW` (no AMSGrad), for parameter
//! `θ` with gradient `g` at step `t` (from 1):
//!
//! ```text
//! θ ← θ · (1 − lr · wd)                        (decoupled decay; only where ParamInfo::decay)
//! m ← β1 m + (1 − β1) g
//! v ← β2 v + (1 − β2) g²
//! θ ← θ − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
//! ```
//!
//! Every tensor is updated with dense moments, as PyTorch does with dense
//! gradients: rows of the token table that a batch did not touch still see
//! their moments decay and their weight decay. Which tensors decay is said
//! in [`crate::params`]: matrices and embedding tables, not biases, not
//! LayerNorm, not the T5 table.

use embedpos_input::Real;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Model;
use crate::params::ModelGrads;

/// AdamW's settings; `Default` is PyTorch's (`lr` 1e-3, betas 0.9 and
/// 0.999, ε 1e-8, weight decay 0.01). `lr` is the peak of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdamWConfig {
    /// Peak learning rate.
    pub lr: f64,
    /// Decay of the first moment.
    pub beta1: f64,
    /// Decay of the second moment.
    pub beta2: f64,
    /// Added to the root of the second moment.
    pub eps: f64,
    /// Decoupled weight decay.
    pub weight_decay: f64,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        AdamWConfig {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
        }
    }
}

impl AdamWConfig {
    /// Says what is wrong, if anything.
    pub fn validate(&self) -> Result<()> {
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(Error::config(
                "lr",
                self.lr,
                "the learning rate must be a finite number > 0",
            ));
        }
        for (name, b) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::config(
                    name,
                    b,
                    "it must be in [0, 1) (AdamW uses 0.9 and 0.999)",
                ));
            }
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(Error::config(
                "eps",
                self.eps,
                "it must be a finite number > 0 (AdamW uses 1e-8)",
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(Error::config(
                "weight_decay",
                self.weight_decay,
                "it must be a finite number >= 0 (PyTorch's AdamW uses 0.01)",
            ));
        }
        Ok(())
    }
}

/// The optimiser's state: the step count and the two moments of every
/// parameter tensor, in the order of [`Model::param_info`].
#[derive(Debug, Clone, PartialEq)]
pub struct AdamW<T: Real = f32> {
    config: AdamWConfig,
    step: u64,
    m: Vec<Vec<T>>,
    v: Vec<Vec<T>>,
}

impl<T: Real> AdamW<T> {
    /// A fresh state (step 0, zero moments) for `model`'s parameters.
    pub fn new(config: AdamWConfig, model: &Model<T>) -> Result<Self> {
        config.validate()?;
        let sizes: Vec<usize> = model.param_info().iter().map(|p| p.len()).collect();
        Ok(AdamW {
            config,
            step: 0,
            m: sizes.iter().map(|&n| vec![T::zero(); n]).collect(),
            v: sizes.iter().map(|&n| vec![T::zero(); n]).collect(),
        })
    }

    /// A state as a checkpoint stored it; `m` and `v` must match the model's
    /// tensors.
    pub fn from_state(
        config: AdamWConfig,
        model: &Model<T>,
        step: u64,
        m: Vec<Vec<T>>,
        v: Vec<Vec<T>>,
    ) -> Result<Self> {
        config.validate()?;
        let info = model.param_info();
        for (what, moments) in [("m", &m), ("v", &v)] {
            if moments.len() != info.len()
                || info.iter().zip(moments).any(|(p, x)| p.len() != x.len())
            {
                return Err(Error::Data(format!(
                    "the optimiser's {what} does not match the model's {} parameter tensors",
                    info.len()
                )));
            }
        }
        Ok(AdamW { config, step, m, v })
    }

    /// The settings.
    pub fn config(&self) -> &AdamWConfig {
        &self.config
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// The first moments, one per parameter tensor.
    pub fn first_moments(&self) -> &[Vec<T>] {
        &self.m
    }

    /// The second moments, one per parameter tensor.
    pub fn second_moments(&self) -> &[Vec<T>] {
        &self.v
    }

    /// One update of every trainable parameter of `model` with `grads` at
    /// learning rate `lr`. Each element is updated on its own, so the result
    /// does not depend on the thread count.
    pub fn step(&mut self, model: &mut Model<T>, grads: &ModelGrads<T>, lr: f64) -> Result<()> {
        let info = model.param_info();
        if grads.len() != info.len() || self.m.len() != info.len() {
            return Err(Error::Data(format!(
                "{} gradients and {} moments for a model of {} parameter tensors; \
                 use the gradients and the optimiser of this model",
                grads.len(),
                self.m.len(),
                info.len()
            )));
        }
        self.step += 1;
        let c = self.config;
        let t = self.step.min(i32::MAX as u64) as i32;
        let bc1 = 1.0 - c.beta1.powi(t);
        let bc2_sqrt = (1.0 - c.beta2.powi(t)).sqrt();
        let (b1, b2) = (T::from_f64(c.beta1), T::from_f64(c.beta2));
        let (one_b1, one_b2) = (T::from_f64(1.0 - c.beta1), T::from_f64(1.0 - c.beta2));
        let step_size = T::from_f64(lr / bc1);
        let inv_bc2 = T::from_f64(1.0 / bc2_sqrt);
        let eps = T::from_f64(c.eps);
        let mut values = model.param_values_mut();
        for (i, p) in info.iter().enumerate() {
            let g = grads.get(i).unwrap_or_default();
            if !p.trainable || g.is_empty() {
                continue;
            }
            let keep = T::from_f64(if p.decay {
                1.0 - lr * c.weight_decay
            } else {
                1.0
            });
            values[i]
                .par_chunks_mut(4096)
                .zip(self.m[i].par_chunks_mut(4096))
                .zip(self.v[i].par_chunks_mut(4096))
                .zip(g.par_chunks(4096))
                .for_each(|(((x, m), v), g)| {
                    for (((x, m), v), &g) in x.iter_mut().zip(m).zip(v).zip(g) {
                        *x *= keep;
                        *m = b1 * *m + one_b1 * g;
                        *v = b2 * *v + one_b2 * g * g;
                        *x -= step_size * *m / (v.sqrt() * inv_bc2 + eps);
                    }
                });
        }
        Ok(())
    }
}

/// Linear warm-up then cosine decay (nanoGPT's `get_lr`): for step `s`
/// (from 0), `peak · (s + 1) / warmup` while `s < warmup`, then
/// `min + ½ (1 + cos(π · p)) (peak − min)` with `p` going from 0 to 1 over
/// the remaining steps; `min` after `total`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// Peak learning rate.
    pub peak: f64,
    /// Learning rate at the end of the decay.
    pub min: f64,
    /// Steps of linear warm-up.
    pub warmup: u64,
    /// Total steps.
    pub total: u64,
}

impl Schedule {
    /// The learning rate of step `s` (from 0).
    pub fn lr(&self, s: u64) -> f64 {
        if s < self.warmup {
            return self.peak * (s + 1) as f64 / self.warmup as f64;
        }
        if s >= self.total || self.total <= self.warmup {
            return self.min;
        }
        let p = (s - self.warmup) as f64 / (self.total - self.warmup) as f64;
        self.min + 0.5 * (1.0 + (std::f64::consts::PI * p).cos()) * (self.peak - self.min)
    }
}

/// Scales `grads` so that their global norm is at most `max_norm`
/// (PyTorch's `clip_grad_norm_`: by `max_norm / (norm + 1e-6)` when the norm
/// exceeds it); returns the norm before clipping.
pub fn clip_grad_norm<T: Real>(grads: &mut ModelGrads<T>, max_norm: f64) -> f64 {
    let norm = grads.norm();
    if norm.is_finite() && norm > max_norm {
        grads.scale(max_norm / (norm + 1e-6));
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_warms_up_linearly_then_decays_along_a_cosine() {
        let s = Schedule {
            peak: 1.0,
            min: 0.1,
            warmup: 4,
            total: 14,
        };
        assert_eq!(s.lr(0), 0.25);
        assert_eq!(s.lr(3), 1.0);
        assert_eq!(s.lr(4), 1.0);
        assert!((s.lr(9) - 0.55).abs() < 1e-12);
        assert!((s.lr(14) - 0.1).abs() < 1e-12);
        assert_eq!(s.lr(100), 0.1);
        let flat = Schedule {
            warmup: 0,
            total: 0,
            ..s
        };
        assert_eq!(flat.lr(0), 0.1);
    }

    #[test]
    fn bad_settings_are_errors() {
        let ok = AdamWConfig::default();
        for (c, name) in [
            (AdamWConfig { lr: 0.0, ..ok }, "lr = 0 "),
            (AdamWConfig { beta1: 1.0, ..ok }, "beta1 = 1 "),
            (AdamWConfig { eps: -1.0, ..ok }, "eps = -1 "),
            (
                AdamWConfig {
                    weight_decay: f64::NAN,
                    ..ok
                },
                "weight_decay = NaN ",
            ),
        ] {
            let e = c.validate().unwrap_err().to_string();
            assert!(e.starts_with(name), "{e}");
        }
    }
}
