//! The backward pass of [`InputLayer`], stage by stage in reverse:
//!
//! ```text
//! dropout:   g ← g ⊙ m / (1 − p)                     (the forward mask, recomputed)
//! LayerNorm: ∂γ += g ⊙ x̂, ∂β += g, g ← rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)), ĝ = γ ⊙ g
//! learned:   ∂P[p] += g
//! scale:     g ← √d · g
//! project:   ∂W = Eᵀ g, ∂b = Σ g, g ← g Wᵀ
//! embedding: ∂E[id] += g                              (not [PAD], not when frozen)
//! ```
//!
//! Sums over tokens run in fixed-size chunks added in order, so gradients do
//! not depend on the thread count.

use std::borrow::Cow;

use ndarray::{Array3, ArrayView2};
use rayon::prelude::*;

use super::{InputCache, InputGrads, InputLayer, ROWS_PER_TASK};
use crate::error::{Error, Result};
use crate::grad::{check_backward_args, RowGrad};
use crate::linear::{matmul, matmul_tn};
use crate::real::Real;
use crate::special::PAD;

impl<T: Real> InputLayer<T> {
    /// The backward pass: given `∂L/∂x` (`[batch, seq, d_model]`) for the
    /// forward pass that made `cache`, the gradient of every trainable
    /// parameter. Call it before updating the layer: it reads the current
    /// weights.
    pub fn backward(&self, cache: &InputCache<T>, grad: &Array3<T>) -> Result<InputGrads<T>> {
        let (bsz, seq, d) = (cache.batch, cache.seq, self.d_model);
        check_backward_args(
            "a layer",
            cache.signature == self.signature(),
            "input layer output",
            &[bsz, seq, d],
            grad.shape(),
        )?;
        let n = bsz * seq;
        let mut g: Vec<T> = grad.iter().copied().collect();
        let dropout = self.dropout.rows(cache.mode);
        let affine = self.norm.as_ref().is_some_and(|ln| ln.gamma.is_some());
        let width = if affine { 2 * d } else { 0 };
        // per-task partial dγ, dβ, summed below in task order (deterministic)
        let partials: Vec<Vec<T>> = g
            .par_chunks_mut(ROWS_PER_TASK * d)
            .enumerate()
            .map(|(t, chunk)| {
                let mut acc = vec![T::zero(); width];
                let (dg, db) = acc.split_at_mut(width / 2);
                for (k, row) in chunk.chunks_exact_mut(d).enumerate() {
                    let r = t * ROWS_PER_TASK + k;
                    if let Some(m) = &dropout {
                        m.apply(row, r / seq, cache.positions[r]);
                    }
                    if let Some(ln) = &self.norm {
                        let xhat = &cache.xhat[r * d..(r + 1) * d];
                        let dparams = affine.then_some((&mut *dg, &mut *db));
                        ln.backward_row(row, xhat, cache.rstd[r], dparams);
                    }
                }
                acc
            })
            .collect();
        let (mut gamma, mut beta) = (None, None);
        if affine {
            let mut sum = vec![T::zero(); 2 * d];
            for p in &partials {
                for (a, &b) in sum.iter_mut().zip(p) {
                    *a += b;
                }
            }
            beta = Some(sum.split_off(d));
            gamma = Some(sum);
        }
        let positions = match self.absolute.learned() {
            Some(table) => {
                let mut dp = vec![T::zero(); table.len()];
                for (r, row) in g.chunks_exact(d).enumerate() {
                    let p = cache.positions[r];
                    for (a, &b) in dp[p * d..(p + 1) * d].iter_mut().zip(row) {
                        *a += b;
                    }
                }
                Some(dp)
            }
            None => None,
        };
        if self.config.scale_embeddings {
            let s = T::from_f64((d as f64).sqrt());
            g.par_iter_mut().for_each(|x| *x *= s);
        }
        let (mut projection_weight, mut projection_bias) = (None, None);
        let g = match (&self.projection, &cache.gathered) {
            (Some(p), Some(input)) => {
                let gv = ArrayView2::from_shape((n, d), &g).map_err(|e| {
                    Error::shape("output gradient", &[n, d], &[g.len()], e.to_string())
                })?;
                projection_weight = Some(matmul_tn(input.view(), gv).into_raw_vec_and_offset().0);
                let mut db = vec![T::zero(); d];
                for row in g.chunks_exact(d) {
                    for (a, &b) in db.iter_mut().zip(row) {
                        *a += b;
                    }
                }
                projection_bias = Some(db);
                Cow::Owned(matmul(gv, p.weight.t()).into_raw_vec_and_offset().0)
            }
            (Some(_), None) => {
                return Err(Error::NoCache(
                    "this cache was made by a layer without projection; use the layer that made it"
                        .into(),
                ))
            }
            _ => Cow::Borrowed(&g[..]),
        };
        let embedding = (!self.embedding.frozen())
            .then(|| RowGrad::accumulate(self.embedding.dim(), &cache.ids, &g, |id| id == PAD));
        Ok(InputGrads {
            embedding,
            projection_weight,
            projection_bias,
            positions,
            gamma,
            beta,
        })
    }
}
