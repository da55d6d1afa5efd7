//! The backward pass of [`Attention`].
//!
//! With `G = ∂L/∂y`, per sequence and head (`A` the weights, `c = 1/√d_h`):
//!
//! ```text
//! ∂Wo = Oᵀ G,  ∂O = G Woᵀ
//! ∂A = ∂O_h V_hᵀ,  ∂V_h = Aᵀ ∂O_h
//! ∂S = A ⊙ (∂A − rowsum(∂A ⊙ A))              (softmax; 0 at masked keys)
//! ∂Q_h = c ∂S K_h,  ∂K_h = c ∂Sᵀ Q_h,  ∂T5[bucket(i, j), h] += ∂S_ij
//! ∂q = R(p)ᵀ ∂Q,  ∂k = R(p)ᵀ ∂K                 (undo RoPE)
//! ∂Wq = Xᵀ ∂q (same for k, v),  ∂X = ∂q Wqᵀ + ∂k Wkᵀ + ∂v Wvᵀ
//! ```

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, Array3, ArrayView2, ArrayViewMut2, Axis, Slice};
use rayon::prelude::*;

use super::forward::AttentionCache;
use super::Attention;
use crate::error::{Error, Result};
use crate::grad::check_backward_args;
use crate::linear::{matmul, matmul_tn};
use crate::real::Real;

/// Gradients of an [`Attention`] layer's parameters and of its input.
#[derive(Debug, Clone, PartialEq)]
pub struct AttentionGrads<T: Real = f32> {
    /// `∂L/∂Wq`, `[d_model, d_model]` row-major.
    pub wq: Vec<T>,
    /// `∂L/∂Wk`.
    pub wk: Vec<T>,
    /// `∂L/∂Wv`.
    pub wv: Vec<T>,
    /// `∂L/∂Wo`.
    pub wo: Vec<T>,
    /// `∂L/∂` T5 table `[num_buckets, heads]`, when the layer has one.
    pub t5: Option<Vec<T>>,
    /// `∂L/∂x`, `[batch, seq, d_model]`: feed it to the input layer's
    /// backward pass.
    pub input: Array3<T>,
}

impl<T: Real> Attention<T> {
    /// The backward pass: given `∂L/∂y` (`[batch, seq, d_model]`) for the
    /// forward pass that made `cache`, the gradients of the weights, of the
    /// T5 table and of the input. Call it before updating the layer.
    pub fn backward(
        &self,
        cache: &AttentionCache<T>,
        grad: &Array3<T>,
    ) -> Result<AttentionGrads<T>> {
        let (b, s, d) = (cache.batch, cache.seq, self.config.d_model);
        let (heads, hd) = (self.config.heads, self.head_dim);
        check_backward_args(
            "an attention layer",
            cache.signature == self.signature(),
            "attention output",
            &[b, s, d],
            grad.shape(),
        )?;
        let n = b * s;
        let dy = Array2::from_shape_vec((n, d), grad.iter().copied().collect())
            .map_err(|e| Error::shape("output gradient", &[n, d], &[grad.len()], e.to_string()))?;
        let wo = matmul_tn(cache.o.view(), dy.view());
        let d_o = matmul(dy.view(), self.wo.t());
        let scale = T::one() / T::from_f64(hd as f64).sqrt();
        let table_len = self.bias.table().map_or(0, <[T]>::len);
        let mut dq = Array2::<T>::zeros((n, d));
        let mut dk = Array2::<T>::zeros((n, d));
        let mut dv = Array2::<T>::zeros((n, d));
        let t5_partials: Vec<Vec<T>> = dq
            .axis_chunks_iter_mut(Axis(0), s)
            .into_par_iter()
            .zip(dk.axis_chunks_iter_mut(Axis(0), s).into_par_iter())
            .zip(dv.axis_chunks_iter_mut(Axis(0), s).into_par_iter())
            .enumerate()
            .map(|(bi, ((mut dq_b, mut dk_b), mut dv_b))| {
                let rows = bi * s..(bi + 1) * s;
                let (qb, kb, vb, dob) = (
                    cache.q.slice_axis(Axis(0), Slice::from(rows.clone())),
                    cache.k.slice_axis(Axis(0), Slice::from(rows.clone())),
                    cache.v.slice_axis(Axis(0), Slice::from(rows.clone())),
                    d_o.slice_axis(Axis(0), Slice::from(rows.clone())),
                );
                let relations = self.bias.relations(&cache.positions[rows]);
                let mut dtable = vec![T::zero(); table_len];
                let mut ds = Array2::<T>::zeros((s, s));
                for h in 0..heads {
                    let cols = h * hd..(h + 1) * hd;
                    let p0 = (bi * heads + h) * s * s;
                    let Ok(a) = ArrayView2::from_shape((s, s), &cache.probs[p0..p0 + s * s]) else {
                        continue;
                    };
                    let do_h = dob.slice_axis(Axis(1), Slice::from(cols.clone()));
                    // ∂A, then ∂S in place
                    general_mat_mul(
                        T::one(),
                        &do_h,
                        &vb.slice_axis(Axis(1), Slice::from(cols.clone())).t(),
                        T::zero(),
                        &mut ds,
                    );
                    general_mat_mul(
                        T::one(),
                        &a.t(),
                        &do_h,
                        T::zero(),
                        &mut dv_b.slice_axis_mut(Axis(1), Slice::from(cols.clone())),
                    );
                    softmax_backward(a, ds.view_mut());
                    general_mat_mul(
                        scale,
                        &ds,
                        &kb.slice_axis(Axis(1), Slice::from(cols.clone())),
                        T::zero(),
                        &mut dq_b.slice_axis_mut(Axis(1), Slice::from(cols.clone())),
                    );
                    general_mat_mul(
                        scale,
                        &ds.t(),
                        &qb.slice_axis(Axis(1), Slice::from(cols.clone())),
                        T::zero(),
                        &mut dk_b.slice_axis_mut(Axis(1), Slice::from(cols)),
                    );
                    if table_len > 0 {
                        for (&bucket, &g) in relations.iter().zip(ds.iter()) {
                            dtable[bucket * heads + h] += g;
                        }
                    }
                }
                dtable
            })
            .collect();
        if let Some(r) = &cache.rotary {
            for m in [&mut dq, &mut dk] {
                m.axis_iter_mut(Axis(0))
                    .into_par_iter()
                    .zip(cache.positions.par_iter())
                    .for_each(|(mut row, &p)| {
                        if let Some(row) = row.as_slice_mut() {
                            r.rotate(row, p, true);
                        }
                    });
            }
        }
        let t5 = (table_len > 0).then(|| {
            let mut sum = vec![T::zero(); table_len];
            for p in &t5_partials {
                for (a, &g) in sum.iter_mut().zip(p) {
                    *a += g;
                }
            }
            sum
        });
        let x = cache.x.view();
        let mut dx = matmul(dq.view(), self.wq.t());
        dx += &matmul(dk.view(), self.wk.t());
        dx += &matmul(dv.view(), self.wv.t());
        let input = Array3::from_shape_vec((b, s, d), dx.into_raw_vec_and_offset().0)
            .map_err(|e| Error::shape("input gradient", &[b, s, d], &[n * d], e.to_string()))?;
        Ok(AttentionGrads {
            wq: matmul_tn(x, dq.view()).into_raw_vec_and_offset().0,
            wk: matmul_tn(x, dk.view()).into_raw_vec_and_offset().0,
            wv: matmul_tn(x, dv.view()).into_raw_vec_and_offset().0,
            wo: wo.into_raw_vec_and_offset().0,
            t5,
            input,
        })
    }
}

/// `∂S = A ⊙ (∂A − rowsum(∂A ⊙ A))`, in place of `∂A`.
fn softmax_backward<T: Real>(a: ArrayView2<T>, mut da: ArrayViewMut2<T>) {
    for (a, mut g) in a.rows().into_iter().zip(da.rows_mut()) {
        let dot: T = a.iter().zip(g.iter()).map(|(&a, &g)| a * g).sum();
        for (g, &a) in g.iter_mut().zip(a.iter()) {
            *g = a * (*g - dot);
        }
    }
}
