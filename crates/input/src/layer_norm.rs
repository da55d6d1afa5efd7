//! Layer normalisation (Ba, Kiros, Hinton 2016) over the last axis:
//! `y = γ ⊙ (x − μ) / √(σ² + ε) + β`, with μ and σ² the mean and the biased
//! variance of the row, as in PyTorch's `LayerNorm`.
//!
//! The type works on one row at a time ([`LayerNorm::forward_row`],
//! [`LayerNorm::backward_row`]) so that a caller can run rows in parallel
//! tasks and sum the γ/β gradients in a fixed order: the input layer and the
//! blocks of `embedpos-model` both do.

use crate::real::Real;

/// LayerNorm of rows of width `d`; `gamma`/`beta` are present when affine.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerNorm<T: Real = f32> {
    pub(crate) eps: T,
    pub(crate) gamma: Option<Vec<T>>,
    pub(crate) beta: Option<Vec<T>>,
}

impl<T: Real> LayerNorm<T> {
    /// γ = 1, β = 0 when `affine`.
    pub fn new(d: usize, eps: f64, affine: bool) -> Self {
        LayerNorm {
            eps: T::from_f64(eps),
            gamma: affine.then(|| vec![T::one(); d]),
            beta: affine.then(|| vec![T::zero(); d]),
        }
    }

    /// ε, as given.
    pub fn eps(&self) -> T {
        self.eps
    }

    /// The scale γ, when affine.
    pub fn gamma(&self) -> Option<&[T]> {
        self.gamma.as_deref()
    }

    /// The shift β, when affine.
    pub fn beta(&self) -> Option<&[T]> {
        self.beta.as_deref()
    }

    /// γ and β, for an optimiser or a loader; `None` when not affine.
    pub fn params_mut(&mut self) -> Option<(&mut [T], &mut [T])> {
        match (&mut self.gamma, &mut self.beta) {
            (Some(g), Some(b)) => Some((g, b)),
            _ => None,
        }
    }

    /// Normalises `row` in place; writes `x̂` to `xhat` when given and returns
    /// `1 / √(σ² + ε)`. Two passes (mean, then variance) for accuracy.
    #[inline]
    pub fn forward_row(&self, row: &mut [T], xhat: Option<&mut [T]>) -> T {
        let n = T::from_f64(row.len() as f64);
        let mean = lane_sum(row, |x| x) / n;
        let var = lane_sum(row, |x| (x - mean) * (x - mean)) / n;
        let rstd = T::one() / (var + self.eps).sqrt();
        match (xhat, &self.gamma, &self.beta) {
            (None, Some(g), Some(b)) => {
                for ((x, &g), &b) in row.iter_mut().zip(g).zip(b) {
                    *x = (*x - mean) * rstd * g + b;
                }
            }
            (xhat, gamma, beta) => {
                for x in row.iter_mut() {
                    *x = (*x - mean) * rstd;
                }
                if let Some(h) = xhat {
                    h.copy_from_slice(row);
                }
                if let (Some(g), Some(b)) = (gamma, beta) {
                    for ((x, &g), &b) in row.iter_mut().zip(g).zip(b) {
                        *x = *x * g + b;
                    }
                }
            }
        }
        rstd
    }

    /// Backward of one row: `g` holds `∂L/∂y` and receives `∂L/∂x`; the
    /// parameter gradients are added into `dgamma`, `dbeta` (when affine).
    ///
    /// With `ĝ = γ ⊙ g`: `∂L/∂x = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂))`.
    #[inline]
    pub fn backward_row(
        &self,
        g: &mut [T],
        xhat: &[T],
        rstd: T,
        dparams: Option<(&mut [T], &mut [T])>,
    ) {
        if let Some((dg, db)) = dparams {
            for (((dg, db), &g), &h) in dg.iter_mut().zip(db.iter_mut()).zip(g.iter()).zip(xhat) {
                *dg += g * h;
                *db += g;
            }
        }
        if let Some(gamma) = &self.gamma {
            for (g, &w) in g.iter_mut().zip(gamma) {
                *g *= w;
            }
        }
        let n = T::from_f64(g.len() as f64);
        let mean_g = lane_sum(g, |x| x) / n;
        let mean_gh = g.iter().zip(xhat).map(|(&g, &h)| g * h).sum::<T>() / n;
        for (g, &h) in g.iter_mut().zip(xhat) {
            *g = rstd * (*g - mean_g - h * mean_gh);
        }
    }
}

/// `Σ f(x)` over eight interleaved partial sums: independent additions the
/// compiler can keep in one SIMD register, where a single running sum would
/// wait on each addition in turn. The order is fixed, so the result is too.
#[inline(always)]
fn lane_sum<T: Real>(xs: &[T], f: impl Fn(T) -> T) -> T {
    let mut acc = [T::zero(); 8];
    let chunks = xs.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a += f(x);
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for &x in tail {
        s += f(x);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_out_with_zero_mean_and_unit_variance() {
        let ln = LayerNorm::<f64>::new(4, 0.0, false);
        let mut row = [1.0, 2.0, 3.0, 6.0];
        ln.forward_row(&mut row, None);
        let mean: f64 = row.iter().sum::<f64>() / 4.0;
        let var: f64 = row.iter().map(|x| x * x).sum::<f64>() / 4.0;
        assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12);
    }

    #[test]
    fn lane_sum_is_the_sum() {
        let xs: Vec<f64> = (0..21).map(|i| i as f64).collect();
        assert_eq!(lane_sum(&xs, |x| x), 210.0);
        assert_eq!(lane_sum(&xs[..3], |x| 2.0 * x), 6.0);
    }
}
