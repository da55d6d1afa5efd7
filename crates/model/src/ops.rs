//! The row-wise passes of a block, forward and backward side by side, on
//! flat `[n, d]` buffers: LayerNorm over every row, GELU, residual dropout.
//!
//! Rows run in parallel tasks of a fixed size; sums across rows (the γ/β
//! gradients) add the per-task partials in task order, so every result is
//! the same whatever the number of threads.

use embedpos_input::{LayerNorm, Real, RowMask};
use rayon::prelude::*;

/// Rows per parallel task. Fixed, not derived from the thread count, so that
/// partial sums, and so gradients, are the same on every machine.
pub(crate) const ROWS_PER_TASK: usize = 64;

/// What a LayerNorm forward pass keeps: `x̂` `[n, d]` and `1/σ` `[n]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct NormCache<T: Real> {
    pub(crate) xhat: Vec<T>,
    pub(crate) rstd: Vec<T>,
}

/// `y = LayerNorm(x)` for every row of `x` (`[n, d]`), keeping `x̂` and
/// `1/σ` when `keep`.
pub(crate) fn norm_forward<T: Real>(
    ln: &LayerNorm<T>,
    x: &[T],
    d: usize,
    keep: bool,
) -> (Vec<T>, NormCache<T>) {
    let mut y = x.to_vec();
    if !keep {
        y.par_chunks_mut(ROWS_PER_TASK * d).for_each(|c| {
            for row in c.chunks_exact_mut(d) {
                ln.forward_row(row, None);
            }
        });
        return (y, NormCache::default());
    }
    let n = x.len() / d;
    let mut xhat = vec![T::zero(); n * d];
    let mut rstd = vec![T::zero(); n];
    y.par_chunks_mut(ROWS_PER_TASK * d)
        .zip(xhat.par_chunks_mut(ROWS_PER_TASK * d))
        .zip(rstd.par_chunks_mut(ROWS_PER_TASK))
        .for_each(|((y, h), r)| {
            for ((row, h), r) in y.chunks_exact_mut(d).zip(h.chunks_exact_mut(d)).zip(r) {
                *r = ln.forward_row(row, Some(h));
            }
        });
    (y, NormCache { xhat, rstd })
}

/// The backward pass of [`norm_forward`]: `g` holds `∂L/∂y` and receives
/// `∂L/∂x`; returns `(∂γ, ∂β)`.
pub(crate) fn norm_backward<T: Real>(
    ln: &LayerNorm<T>,
    g: &mut [T],
    cache: &NormCache<T>,
    d: usize,
) -> (Vec<T>, Vec<T>) {
    let partials: Vec<Vec<T>> = g
        .par_chunks_mut(ROWS_PER_TASK * d)
        .zip(cache.xhat.par_chunks(ROWS_PER_TASK * d))
        .zip(cache.rstd.par_chunks(ROWS_PER_TASK))
        .map(|((g, h), r)| {
            let mut acc = vec![T::zero(); 2 * d];
            let (dg, db) = acc.split_at_mut(d);
            for ((row, h), &r) in g.chunks_exact_mut(d).zip(h.chunks_exact(d)).zip(r) {
                ln.backward_row(row, h, r, Some((&mut *dg, &mut *db)));
            }
            acc
        })
        .collect();
    let mut sum = vec![T::zero(); 2 * d];
    for p in &partials {
        for (a, &b) in sum.iter_mut().zip(p) {
            *a += b;
        }
    }
    let beta = sum.split_off(d);
    (sum, beta)
}

/// `√(2/π)`, of the GELU approximation.
const GELU_C: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the GELU approximation.
const GELU_A: f64 = 0.044_715;

/// GELU (Hendrycks & Gimpel 2016) in the tanh approximation GPT-2 uses
/// (PyTorch's `gelu(x, approximate="tanh")`):
/// `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`, element-wise. Returns the
/// output and, when `keep`, the tanh values the backward pass needs (tanh
/// is the costliest part; it is not computed twice).
pub(crate) fn gelu_forward<T: Real>(u: &[T], keep: bool) -> (Vec<T>, Vec<T>) {
    let (c, a, half) = (T::from_f64(GELU_C), T::from_f64(GELU_A), T::from_f64(0.5));
    let mut out = vec![T::zero(); u.len()];
    let mut tanh = vec![T::zero(); if keep { u.len() } else { 0 }];
    // tanh(y) = 1 − 2 / (e^{2y} + 1): one exp, cheaper than libm's tanh
    // (which went through expm1); saturates to ±1 without overflow trouble
    let two = T::from_f64(2.0);
    let f = |x: T| T::one() - two / ((two * c * (x + a * x * x * x)).exp() + T::one());
    if keep {
        out.par_chunks_mut(4096)
            .zip(tanh.par_chunks_mut(4096))
            .zip(u.par_chunks(4096))
            .for_each(|((o, th), u)| {
                for ((o, th), &x) in o.iter_mut().zip(th).zip(u) {
                    *th = f(x);
                    *o = half * x * (T::one() + *th);
                }
            });
    } else {
        out.par_chunks_mut(4096)
            .zip(u.par_chunks(4096))
            .for_each(|(o, u)| {
                for (o, &x) in o.iter_mut().zip(u) {
                    *o = half * x * (T::one() + f(x));
                }
            });
    }
    (out, tanh)
}

/// The backward pass of [`gelu_forward`]: `g ← g · gelu'(u)` with
/// `gelu'(x) = 0.5 (1 + t) + 0.5 x (1 − t²) √(2/π) (1 + 3·0.044715 x²)`,
/// `t` the tanh of the forward pass.
pub(crate) fn gelu_backward<T: Real>(g: &mut [T], u: &[T], tanh: &[T]) {
    let (c, half) = (T::from_f64(GELU_C), T::from_f64(0.5));
    let three_a = T::from_f64(3.0 * GELU_A);
    g.par_chunks_mut(4096)
        .zip(u.par_chunks(4096))
        .zip(tanh.par_chunks(4096))
        .for_each(|((g, u), th)| {
            for ((g, &x), &t) in g.iter_mut().zip(u).zip(th) {
                let dt = (T::one() - t * t) * c * (T::one() + three_a * x * x);
                *g *= half * (T::one() + t) + half * x * dt;
            }
        });
}

/// Applies a dropout mask to every row of `x` (`[n, d]`, rows of a batch
/// with `seq` columns, `positions` the position id of each row). Applied to
/// a gradient, it is the backward pass.
pub(crate) fn dropout_rows<T: Real>(
    mask: Option<RowMask>,
    x: &mut [T],
    d: usize,
    seq: usize,
    positions: &[usize],
) {
    let Some(m) = mask else { return };
    x.par_chunks_mut(ROWS_PER_TASK * d)
        .enumerate()
        .for_each(|(t, c)| {
            for (k, row) in c.chunks_exact_mut(d).enumerate() {
                let r = t * ROWS_PER_TASK + k;
                m.apply(row, r / seq, positions[r]);
            }
        });
}

/// `a += b`, element-wise.
pub(crate) fn add_assign<T: Real>(a: &mut [T], b: &[T]) {
    a.par_chunks_mut(4096)
        .zip(b.par_chunks(4096))
        .for_each(|(a, b)| {
            for (a, &b) in a.iter_mut().zip(b) {
                *a += b;
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gelu_matches_its_formula_and_its_derivative_the_difference() {
        let u: Vec<f64> = (-40..=40).map(|i| i as f64 * 0.25).collect();
        let (y, t) = gelu_forward(&u, true);
        assert_eq!(y, gelu_forward(&u, false).0);
        for (&x, &y) in u.iter().zip(&y) {
            let want = 0.5 * x * (1.0 + (GELU_C * (x + GELU_A * x.powi(3))).tanh());
            assert!((y - want).abs() < 1e-15);
        }
        // large arguments saturate instead of overflowing
        assert_eq!(gelu_forward(&[100.0f32, -100.0], false).0, [100.0, -0.0]);
        let mut g = vec![1.0f64; u.len()];
        gelu_backward(&mut g, &u, &t);
        let h = 1e-6;
        let at = |x: f64| gelu_forward(&[x], false).0[0];
        for (&x, &g) in u.iter().zip(&g) {
            let num = (at(x + h) - at(x - h)) / (2.0 * h);
            assert!((g - num).abs() < 1e-8, "{x}: {g} {num}");
        }
    }

    #[test]
    fn norm_backward_sums_do_not_depend_on_the_thread_count() {
        let ln = LayerNorm::<f32>::new(8, 1e-5, true);
        let x: Vec<f32> = (0..8 * 300)
            .map(|i| ((i * 37) % 101) as f32 * 0.1)
            .collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let (_, cache) = norm_forward(&ln, &x, 8, true);
                let mut g: Vec<f32> = (0..x.len()).map(|i| (i % 7) as f32 - 3.0).collect();
                let (dg, db) = norm_backward(&ln, &mut g, &cache, 8);
                (g, dg, db)
            })
        };
        assert_eq!(run(1), run(3));
    }
}
