//! The forward pass of [`Attention`]: projections for the whole batch at
//! once, then one task per sequence for the per-head scores, softmax and
//! weighted sums.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, Array3, Array4, ArrayView1, ArrayView4, ArrayViewMut2, Axis, Slice};
use rayon::prelude::*;

use super::rotary::Rotary;
use super::Attention;
use crate::error::{check_shape, Error, Result};
use crate::linear::matmul;
use crate::real::Real;

/// What a forward pass keeps for its backward pass.
#[derive(Debug, Clone)]
pub struct AttentionCache<T: Real = f32> {
    /// The `signature()` of the layer that made it.
    pub(super) signature: [usize; 4],
    pub(super) batch: usize,
    pub(super) seq: usize,
    /// The input, `[n, d]`.
    pub(super) x: Array2<T>,
    /// Queries and keys after RoPE, values; `[n, d]`.
    pub(super) q: Array2<T>,
    pub(super) k: Array2<T>,
    pub(super) v: Array2<T>,
    /// Attention weights `[batch, heads, seq, seq]`.
    pub(super) probs: Vec<T>,
    /// Concatenated head outputs before `Wo`, `[n, d]`.
    pub(super) o: Array2<T>,
    pub(super) positions: Vec<usize>,
    pub(super) rotary: Option<Rotary<T>>,
}

impl<T: Real> AttentionCache<T> {
    /// The attention weights `[batch, heads, seq (query), seq (key)]`.
    pub fn weights(&self, heads: usize) -> Result<ArrayView4<'_, T>> {
        let (b, s) = (self.batch, self.seq);
        ArrayView4::from_shape((b, heads, s, s), &self.probs).map_err(|e| {
            Error::shape(
                "attention weights",
                &[b, heads, s, s],
                &[self.probs.len()],
                format!("pass the head count of the layer that made this cache ({e})"),
            )
        })
    }
}

impl<T: Real> Attention<T> {
    /// The forward pass over `x` (`[batch, seq, d_model]`) with `mask`
    /// (`[batch, seq]`, true at real tokens) and the tokens' position ids
    /// (`[batch, seq]`; `None`: `0 .. seq` in every row), as
    /// [`crate::Batch`] provides them.
    pub fn forward(
        &self,
        x: &Array3<T>,
        mask: &Array2<bool>,
        positions: Option<&Array2<usize>>,
    ) -> Result<Array3<T>> {
        Ok(self.run(x, mask, positions, false)?.0)
    }

    /// The forward pass, keeping what [`Self::backward`] needs (the attention
    /// weights among it: `batch · heads · seq²` values).
    pub fn forward_with_cache(
        &self,
        x: &Array3<T>,
        mask: &Array2<bool>,
        positions: Option<&Array2<usize>>,
    ) -> Result<(Array3<T>, AttentionCache<T>)> {
        let (y, cache) = self.run(x, mask, positions, true)?;
        let cache = cache.ok_or_else(|| Error::NoCache("the forward pass kept no cache".into()))?;
        Ok((y, cache))
    }

    /// The attention weights `[batch, heads, seq (query), seq (key)]`: each
    /// query's row sums to 1 over the keys it may see (0 if it sees none).
    pub fn attention_weights(
        &self,
        x: &Array3<T>,
        mask: &Array2<bool>,
        positions: Option<&Array2<usize>>,
    ) -> Result<Array4<T>> {
        let (_, cache) = self.forward_with_cache(x, mask, positions)?;
        let (b, h, s) = (cache.batch, self.config.heads, cache.seq);
        Array4::from_shape_vec((b, h, s, s), cache.probs)
            .map_err(|e| Error::shape("attention weights", &[b, h, s, s], &[], e.to_string()))
    }

    fn run(
        &self,
        x: &Array3<T>,
        mask: &Array2<bool>,
        positions: Option<&Array2<usize>>,
        keep: bool,
    ) -> Result<(Array3<T>, Option<AttentionCache<T>>)> {
        let (b, s, d) = x.dim();
        let heads = self.config.heads;
        if b == 0 || s == 0 {
            return Err(Error::EmptyBatch);
        }
        check_shape(
            "x",
            &[b, s, self.config.d_model],
            x.shape(),
            "the attention's d_model must equal the input layer's",
        )?;
        check_shape(
            "mask",
            &[b, s],
            mask.shape(),
            "pass one entry per token of x ([batch, seq]): true at real tokens, false at padding",
        )?;
        let positions: Vec<usize> = match positions {
            Some(p) => {
                check_shape(
                    "positions",
                    &[b, s],
                    p.shape(),
                    "pass one position id per token of x ([batch, seq])",
                )?;
                p.iter().copied().collect()
            }
            None => (0..b).flat_map(|_| 0..s).collect(),
        };
        let n = b * s;
        if keep {
            embedpos_base::check_fits("attention weights", &[b, heads, s, s])?;
        }
        let x2 = Array2::from_shape_vec((n, d), x.iter().copied().collect())
            .map_err(|e| Error::shape("x", &[n, d], &[x.len()], e.to_string()))?;
        let mut q = matmul(x2.view(), self.wq.view());
        let mut k = matmul(x2.view(), self.wk.view());
        let v = matmul(x2.view(), self.wv.view());
        let rotary = match &self.rope {
            Some(rope) => {
                let max_pos = positions.iter().copied().max().unwrap_or(0);
                let r = Rotary::new(rope, max_pos)?;
                for m in [&mut q, &mut k] {
                    m.axis_iter_mut(Axis(0))
                        .into_par_iter()
                        .zip(positions.par_iter())
                        .for_each(|(mut row, &p)| {
                            if let Some(row) = row.as_slice_mut() {
                                r.rotate(row, p, false);
                            }
                        });
                }
                Some(r)
            }
            None => None,
        };
        let mut o = Array2::<T>::zeros((n, d));
        let mut probs = vec![T::zero(); if keep { b * heads * s * s } else { 0 }];
        let seq_task = |bi: usize, o_b: ArrayViewMut2<T>, p_b: Option<&mut [T]>| {
            self.attend(
                &q,
                &k,
                &v,
                bi,
                s,
                mask.row(bi),
                &positions[bi * s..(bi + 1) * s],
                o_b,
                p_b,
            )
        };
        if keep {
            o.axis_chunks_iter_mut(Axis(0), s)
                .into_par_iter()
                .zip(probs.par_chunks_mut(heads * s * s))
                .enumerate()
                .for_each(|(bi, (o_b, p_b))| seq_task(bi, o_b, Some(p_b)));
        } else {
            o.axis_chunks_iter_mut(Axis(0), s)
                .into_par_iter()
                .enumerate()
                .for_each(|(bi, o_b)| seq_task(bi, o_b, None));
        }
        let y = matmul(o.view(), self.wo.view());
        let y = Array3::from_shape_vec((b, s, d), y.into_raw_vec_and_offset().0)
            .map_err(|e| Error::shape("attention output", &[b, s, d], &[n * d], e.to_string()))?;
        let cache = keep.then(|| AttentionCache {
            signature: self.signature(),
            batch: b,
            seq: s,
            x: x2,
            q,
            k,
            v,
            probs,
            o,
            positions,
            rotary,
        });
        Ok((y, cache))
    }

    /// All heads of sequence `bi`: writes its rows of `o` and, when given, its
    /// `[heads, seq, seq]` weights.
    #[allow(clippy::too_many_arguments)]
    fn attend(
        &self,
        q: &Array2<T>,
        k: &Array2<T>,
        v: &Array2<T>,
        bi: usize,
        s: usize,
        mask: ArrayView1<bool>,
        pos: &[usize],
        mut o_b: ArrayViewMut2<T>,
        mut probs: Option<&mut [T]>,
    ) {
        let (heads, hd) = (self.config.heads, self.head_dim);
        let scale = T::one() / T::from_f64(hd as f64).sqrt();
        let rows = bi * s..(bi + 1) * s;
        let (qb, kb, vb) = (
            q.slice_axis(Axis(0), Slice::from(rows.clone())),
            k.slice_axis(Axis(0), Slice::from(rows.clone())),
            v.slice_axis(Axis(0), Slice::from(rows)),
        );
        let relations = self.bias.relations(pos);
        let mut scratch = if probs.is_none() {
            vec![T::zero(); s * s]
        } else {
            Vec::new()
        };
        for h in 0..heads {
            let cols = h * hd..(h + 1) * hd;
            let a: &mut [T] = match probs.as_deref_mut() {
                Some(p) => &mut p[h * s * s..(h + 1) * s * s],
                None => &mut scratch,
            };
            {
                let Ok(mut av) = ArrayViewMut2::from_shape((s, s), &mut *a) else {
                    return;
                };
                general_mat_mul(
                    scale,
                    &qb.slice_axis(Axis(1), Slice::from(cols.clone())),
                    &kb.slice_axis(Axis(1), Slice::from(cols.clone())).t(),
                    T::zero(),
                    &mut av,
                );
            }
            self.bias.add(a, h, heads, &relations);
            softmax_rows(a, s, |i, j| mask[j] && !(self.config.causal && j > i));
            let Ok(av) = ndarray::ArrayView2::from_shape((s, s), &*a) else {
                return;
            };
            general_mat_mul(
                T::one(),
                &av,
                &vb.slice_axis(Axis(1), Slice::from(cols.clone())),
                T::zero(),
                &mut o_b.slice_axis_mut(Axis(1), Slice::from(cols)),
            );
        }
    }
}

/// Softmax of each row of `a` (`[s, s]`) over the keys `allowed(i, j)`;
/// the others get weight 0. A row with no allowed key is all zeros.
fn softmax_rows<T: Real>(a: &mut [T], s: usize, allowed: impl Fn(usize, usize) -> bool) {
    for (i, row) in a.chunks_exact_mut(s).enumerate() {
        let mut max = T::neg_infinity();
        let mut any = false;
        for (j, &x) in row.iter().enumerate() {
            if allowed(i, j) {
                any = true;
                max = max.max(x);
            }
        }
        if !any {
            row.fill(T::zero());
            continue;
        }
        let mut sum = T::zero();
        for (j, x) in row.iter_mut().enumerate() {
            *x = if allowed(i, j) {
                (*x - max).exp()
            } else {
                T::zero()
            };
            sum += *x;
        }
        let inv = T::one() / sum;
        row.iter_mut().for_each(|x| *x *= inv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_masks_and_normalises() {
        let mut a = vec![0.0f64, 1.0, 2.0, 5.0, 5.0, 5.0];
        softmax_rows(&mut a, 3, |i, j| i == 0 || j == 0);
        let e = [1.0f64, 1f64.exp(), 2f64.exp()];
        let z: f64 = e.iter().sum();
        for j in 0..3 {
            assert!((a[j] - e[j] / z).abs() < 1e-15);
        }
        assert_eq!(&a[3..], &[1.0, 0.0, 0.0]);
        let mut none = vec![1.0f32; 4];
        softmax_rows(&mut none, 2, |_, _| false);
        assert_eq!(none, [0.0; 4]);
    }
}
