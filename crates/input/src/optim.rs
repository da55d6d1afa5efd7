//! Optimisers: plain SGD and Adam (Kingma & Ba 2015), over the [`Param`]s a
//! [`Trainable`](crate::Trainable) layer lists.
//!
//! Sparse row gradients (token embeddings) update only the rows a batch
//! touched. For Adam this is the "lazy" variant of PyTorch's `SparseAdam`:
//! the moments of untouched rows are left as they are (not decayed), and the
//! bias correction uses the global step count.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::grad::{Grad, Param};
use crate::real::Real;

/// Stochastic gradient descent: `θ ← θ − lr · g`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sgd {
    /// Learning rate.
    pub lr: f64,
}

impl Sgd {
    /// SGD with learning rate `lr` (finite, > 0).
    pub fn new(lr: f64) -> Result<Sgd> {
        check_lr(lr)?;
        Ok(Sgd { lr })
    }

    /// One update of every parameter listed.
    pub fn step<T: Real>(&mut self, params: Vec<Param<'_, T>>) -> Result<()> {
        let lr = T::from_f64(self.lr);
        for p in params {
            match p.grad {
                Grad::Dense(g) => {
                    check_len(p.name, p.values.len(), g.len())?;
                    for (x, &g) in p.values.iter_mut().zip(g) {
                        *x -= lr * g;
                    }
                }
                Grad::Rows(rows) => {
                    let w = rows.width();
                    for (&id, g) in rows.ids().iter().zip(rows.values().chunks_exact(w.max(1))) {
                        let row = row_mut(p.name, p.values, id, w)?;
                        for (x, &g) in row.iter_mut().zip(g) {
                            *x -= lr * g;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Adam's settings; `Default` is the paper's (and PyTorch's).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdamConfig {
    /// Learning rate (1e-3).
    pub lr: f64,
    /// Decay of the first moment (0.9).
    pub beta1: f64,
    /// Decay of the second moment (0.999).
    pub beta2: f64,
    /// Added to the root of the second moment (1e-8).
    pub eps: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

impl AdamConfig {
    /// Says what is wrong, if anything.
    pub fn validate(&self) -> Result<()> {
        check_lr(self.lr)?;
        for (name, b) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::config(
                    name,
                    b,
                    "it must be in [0, 1) (Adam uses 0.9 and 0.999)",
                ));
            }
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(Error::config(
                "eps",
                self.eps,
                "it must be a finite number > 0 (Adam uses 1e-8)",
            ));
        }
        Ok(())
    }
}

/// Adam: `m ← β1 m + (1−β1) g`, `v ← β2 v + (1−β2) g²`,
/// `θ ← θ − lr · m̂ / (√v̂ + ε)` with `m̂ = m / (1−β1ᵗ)`, `v̂ = v / (1−β2ᵗ)`.
///
/// The moments are kept per parameter name, so one `Adam` can drive several
/// layers as long as their parameter names differ (they do for the layers of
/// this crate).
#[derive(Debug, Clone)]
pub struct Adam<T: Real = f32> {
    config: AdamConfig,
    t: u64,
    moments: HashMap<&'static str, (Vec<T>, Vec<T>)>,
}

impl<T: Real> Adam<T> {
    /// A fresh optimiser (step 0, zero moments).
    pub fn new(config: AdamConfig) -> Result<Self> {
        config.validate()?;
        Ok(Adam {
            config,
            t: 0,
            moments: HashMap::new(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &AdamConfig {
        &self.config
    }

    /// Number of steps taken.
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// One update of every parameter listed.
    pub fn step(&mut self, params: Vec<Param<'_, T>>) -> Result<()> {
        self.t += 1;
        let c = self.config;
        let t = self.t.min(i32::MAX as u64) as i32;
        let bc1 = 1.0 - c.beta1.powi(t);
        let bc2 = 1.0 - c.beta2.powi(t);
        let (b1, b2) = (T::from_f64(c.beta1), T::from_f64(c.beta2));
        let (one_b1, one_b2) = (T::from_f64(1.0 - c.beta1), T::from_f64(1.0 - c.beta2));
        let step = T::from_f64(c.lr / bc1);
        let inv_bc2 = T::from_f64(1.0 / bc2);
        let eps = T::from_f64(c.eps);
        let update = |x: &mut T, m: &mut T, v: &mut T, g: T| {
            *m = b1 * *m + one_b1 * g;
            *v = b2 * *v + one_b2 * g * g;
            *x -= step * *m / ((*v * inv_bc2).sqrt() + eps);
        };
        for p in params {
            let n = p.values.len();
            let (m, v) = self
                .moments
                .entry(p.name)
                .or_insert_with(|| (vec![T::zero(); n], vec![T::zero(); n]));
            if m.len() != n {
                return Err(Error::config(
                    "parameter",
                    p.name,
                    format!(
                        "it has {n} values but this optimiser's moments have {}; use one optimiser per model",
                        m.len()
                    ),
                ));
            }
            match p.grad {
                Grad::Dense(g) => {
                    check_len(p.name, n, g.len())?;
                    for (((x, m), v), &g) in p
                        .values
                        .iter_mut()
                        .zip(m.iter_mut())
                        .zip(v.iter_mut())
                        .zip(g)
                    {
                        update(x, m, v, g);
                    }
                }
                Grad::Rows(rows) => {
                    let w = rows.width();
                    for (&id, g) in rows.ids().iter().zip(rows.values().chunks_exact(w.max(1))) {
                        let r = id as usize * w..(id as usize + 1) * w;
                        let x = row_mut(p.name, p.values, id, w)?;
                        for (((x, m), v), &g) in
                            x.iter_mut().zip(&mut m[r.clone()]).zip(&mut v[r]).zip(g)
                        {
                            update(x, m, v, g);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn check_lr(lr: f64) -> Result<()> {
    if !(lr.is_finite() && lr > 0.0) {
        return Err(Error::config(
            "lr",
            lr,
            "the learning rate must be a finite number > 0",
        ));
    }
    Ok(())
}

fn check_len(name: &str, n: usize, g: usize) -> Result<()> {
    if n != g {
        return Err(Error::shape(
            format!("gradient of {name}"),
            &[n],
            &[g],
            "pass the gradients the same layer's backward pass returned",
        ));
    }
    Ok(())
}

fn row_mut<'a, T>(name: &str, values: &'a mut [T], id: u32, w: usize) -> Result<&'a mut [T]> {
    let rows = values.len() / w.max(1);
    values
        .get_mut(id as usize * w..(id as usize + 1) * w)
        .ok_or_else(|| {
            Error::shape(
                format!("row {id} of the gradient of {name}"),
                &[rows, w],
                &[id as usize + 1, w],
                "pass the gradients the same layer's backward pass returned",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grad::RowGrad;

    /// The one parameter `name` of `values`, with gradient `grad`, as the
    /// optimisers take it.
    fn only<'a, T: Real>(
        name: &'static str,
        values: &'a mut [T],
        grad: Grad<'a, T>,
    ) -> Vec<Param<'a, T>> {
        vec![Param { name, values, grad }]
    }

    #[test]
    fn sgd_and_adam_move_against_the_gradient() {
        let mut x = vec![1.0f64, -1.0];
        let g = [0.5, -0.5];
        let mut sgd = Sgd::new(0.1).unwrap();
        sgd.step(only("x", &mut x, Grad::Dense(&g))).unwrap();
        assert_eq!(x, [0.95, -0.95]);
        let mut adam = Adam::<f64>::new(AdamConfig::default()).unwrap();
        adam.step(only("x", &mut x, Grad::Dense(&g))).unwrap();
        // the first Adam step is lr · sign(g) (up to eps)
        assert!((x[0] - (0.95 - 1e-3)).abs() < 1e-9 && (x[1] + 0.95 - 1e-3).abs() < 1e-9);
    }

    #[test]
    fn row_gradients_touch_only_their_rows() {
        let mut table = vec![1.0f32; 6];
        let g = RowGrad::accumulate(2, &[1], &[1.0, 1.0], |_| false);
        let mut adam = Adam::<f32>::new(AdamConfig::default()).unwrap();
        adam.step(only("e", &mut table, Grad::Rows(&g))).unwrap();
        assert_eq!(&table[..2], &[1.0, 1.0]);
        assert!(table[2] < 1.0 && table[3] < 1.0);
        assert_eq!(&table[4..], &[1.0, 1.0]);
        let bad = RowGrad::accumulate(2, &[7], &[1.0, 1.0], |_| false);
        let mut sgd = Sgd::new(0.1).unwrap();
        assert!(sgd.step(only("e", &mut table, Grad::Rows(&bad))).is_err());
    }

    #[test]
    fn bad_settings_are_errors() {
        assert!(Sgd::new(0.0).is_err());
        assert!(Sgd::new(f64::NAN).is_err());
        let ok = AdamConfig::default();
        for (c, name) in [
            (AdamConfig { beta1: 1.0, ..ok }, "beta1 = 1 "),
            (AdamConfig { beta2: -0.1, ..ok }, "beta2 = -0.1 "),
            (AdamConfig { eps: 0.0, ..ok }, "eps = 0 "),
            (AdamConfig { lr: -1.0, ..ok }, "lr = -1 "),
        ] {
            let e = Adam::<f32>::new(c).unwrap_err().to_string();
            assert!(e.starts_with(name), "{c:?}: {e}");
        }
    }
}
