//! [`RopeCache`]: cos and sin per (position, pair), and the in-place rotation of
//! query/key buffers.
//!
//! The hot loop walks plain slices: for one position, one row of `r/2` cos and
//! sin values (in L1) is applied to every head. With the half-split pairing the
//! two halves of a head are two contiguous slices, so the loop is four
//! multiplications and two additions over aligned lanes and vectorises; the
//! interleaved pairing works on `chunks_exact(2)`.

use rayon::prelude::*;

use super::{Pairing, Rope};
use crate::error::{check_dim, Error, Result};
use crate::sinusoidal::check_position;
use crate::tensor::{check_fits, Tensor};

/// Positions per rayon task when applying in parallel.
const POSITIONS_PER_TASK: usize = 16;

/// Cos and sin of `p · θ_i` (times the attention factor) for positions
/// `0 .. len`, stored `[len, rotary_dim / 2]`, computed in `f64` and rounded
/// once to `f32`.
#[derive(Debug, Clone, PartialEq)]
pub struct RopeCache {
    pairing: Pairing,
    head_dim: usize,
    rotary_dim: usize,
    len: usize,
    inv_freq: Vec<f64>,
    attention_factor: f64,
    cos: Vec<f32>,
    sin: Vec<f32>,
}

impl RopeCache {
    pub(super) fn new(rope: &Rope, len: usize) -> Result<RopeCache> {
        check_position(0, len)?;
        let freqs = rope.frequencies(len);
        let h = rope.rotary_dim() / 2;
        let n = check_fits("RoPE cos/sin cache", &[2, len, h])? / 2;
        let mut cos = vec![0.0f32; n];
        let mut sin = vec![0.0f32; n];
        let af = freqs.attention_factor;
        cos.par_chunks_mut(h)
            .zip(sin.par_chunks_mut(h))
            .enumerate()
            .for_each(|(p, (c, s))| {
                for ((c, s), &f) in c.iter_mut().zip(s.iter_mut()).zip(&freqs.inv_freq) {
                    let (sv, cv) = (p as f64 * f).sin_cos();
                    *c = (af * cv) as f32;
                    *s = (af * sv) as f32;
                }
            });
        Ok(RopeCache {
            pairing: rope.config().pairing,
            head_dim: rope.head_dim(),
            rotary_dim: rope.rotary_dim(),
            len,
            inv_freq: freqs.inv_freq,
            attention_factor: af,
            cos,
            sin,
        })
    }

    /// Number of positions covered (`0 .. len`).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no position is covered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Width of each head.
    pub fn head_dim(&self) -> usize {
        self.head_dim
    }

    /// Number of rotated dimensions.
    pub fn rotary_dim(&self) -> usize {
        self.rotary_dim
    }

    /// The pairing.
    pub fn pairing(&self) -> Pairing {
        self.pairing
    }

    /// The frequencies the cache was built with.
    pub fn inv_freq(&self) -> &[f64] {
        &self.inv_freq
    }

    /// The attention factor folded into cos and sin.
    pub fn attention_factor(&self) -> f64 {
        self.attention_factor
    }

    /// Cos values, `[len, rotary_dim / 2]`.
    pub fn cos(&self) -> &[f32] {
        &self.cos
    }

    /// Sin values, `[len, rotary_dim / 2]`.
    pub fn sin(&self) -> &[f32] {
        &self.sin
    }

    /// The cache as one `[2, len, rotary_dim / 2]` tensor, cos then sin.
    pub fn to_tensor(&self) -> Result<Tensor> {
        let mut data = Vec::new();
        data.try_reserve_exact(self.cos.len() * 2).map_err(|_| {
            Error::TooLarge(embedpos_base::Error::TooLarge {
                what: "RoPE cos/sin tensor".into(),
                shape: vec![2, self.len, self.rotary_dim / 2],
                bytes: (self.cos.len() as u128) * 8,
                limit: 0,
                reason: "that could be allocated",
            })
        })?;
        data.extend_from_slice(&self.cos);
        data.extend_from_slice(&self.sin);
        Tensor::from_vec(&[2, self.len, self.rotary_dim / 2], data)
    }

    /// Rotates `x`, laid out `[seq, heads, head_dim]`, in place: row `s` gets
    /// position `offset + s`. One thread.
    pub fn apply(&self, x: &mut [f32], heads: usize, offset: usize) -> Result<()> {
        let seq = self.check(x.len(), heads, offset, "x [seq, heads, head_dim]")?;
        self.rows::<false>(x, heads, offset, seq);
        Ok(())
    }

    /// As [`Self::apply`], split over positions on the current rayon pool.
    pub fn apply_par(&self, x: &mut [f32], heads: usize, offset: usize) -> Result<()> {
        self.check(x.len(), heads, offset, "x [seq, heads, head_dim]")?;
        self.par::<false>(x, heads, offset);
        Ok(())
    }

    /// Rotates `x` by the inverse (transposed) rotation `R(p)ᵀ = R(−p)`: the
    /// backward pass of [`Self::apply`], and its undo.
    pub fn apply_inverse(&self, x: &mut [f32], heads: usize, offset: usize) -> Result<()> {
        let seq = self.check(x.len(), heads, offset, "x [seq, heads, head_dim]")?;
        self.rows::<true>(x, heads, offset, seq);
        Ok(())
    }

    /// Rotates queries and keys (`[seq, q_heads, head_dim]` and `[seq,
    /// k_heads, head_dim]`, which may differ under grouped-query attention)
    /// at positions `offset ..`, in parallel.
    pub fn apply_qk(
        &self,
        q: &mut [f32],
        k: &mut [f32],
        q_heads: usize,
        k_heads: usize,
        offset: usize,
    ) -> Result<()> {
        self.check(q.len(), q_heads, offset, "q [seq, heads, head_dim]")?;
        self.check(k.len(), k_heads, offset, "k [seq, heads, head_dim]")?;
        rayon::join(
            || self.par::<false>(q, q_heads, offset),
            || self.par::<false>(k, k_heads, offset),
        );
        Ok(())
    }

    /// Rotates a batch `[batch, seq, heads, head_dim]` whose sequences all
    /// start at `offset`, in parallel.
    pub fn apply_batched(
        &self,
        x: &mut [f32],
        batch: usize,
        heads: usize,
        offset: usize,
    ) -> Result<()> {
        check_dim("batch", batch)?;
        if !x.len().is_multiple_of(batch) {
            return Err(Error::ShapeMismatch {
                what: format!(
                    "x [batch = {batch}, seq, heads = {heads}, head_dim = {}]",
                    self.head_dim
                ),
                expected: x.len() / batch * batch,
                got: x.len(),
            });
        }
        let per = x.len() / batch;
        self.check(
            per,
            heads,
            offset,
            "one sequence of x [batch, seq, heads, head_dim]",
        )?;
        if per > 0 {
            x.par_chunks_mut(per)
                .for_each(|s| self.par::<false>(s, heads, offset));
        }
        Ok(())
    }

    /// Rotates `x` (`[positions.len(), heads, head_dim]`) with an explicit
    /// position per row (left-padded batches, packed sequences).
    pub fn apply_positions(&self, x: &mut [f32], heads: usize, positions: &[usize]) -> Result<()> {
        let seq = self.check(x.len(), heads, 0, "x [seq, heads, head_dim]")?;
        if seq != positions.len() {
            return Err(Error::ShapeMismatch {
                what: "positions, one per row of x".into(),
                expected: seq,
                got: positions.len(),
            });
        }
        if let Some(&p) = positions.iter().find(|&&p| p >= self.len) {
            return Err(self.past_end(p));
        }
        let w = heads * self.head_dim;
        for (row, &p) in x.chunks_exact_mut(w).zip(positions) {
            self.position::<false>(row, p);
        }
        Ok(())
    }

    /// Checks the shape and position range; returns `seq`.
    fn check(&self, len: usize, heads: usize, offset: usize, what: &str) -> Result<usize> {
        check_dim("heads", heads)?;
        let w = heads.checked_mul(self.head_dim).ok_or_else(|| {
            Error::invalid(
                "heads",
                heads,
                "heads * head_dim overflows; pass the real head count",
            )
        })?;
        if !len.is_multiple_of(w) {
            return Err(Error::ShapeMismatch {
                what: format!("{what} with heads = {heads}, head_dim = {}", self.head_dim),
                expected: len / w * w,
                got: len,
            });
        }
        let seq = len / w;
        match offset.checked_add(seq) {
            Some(end) if end <= self.len => Ok(seq),
            _ => Err(self.past_end(offset.saturating_add(seq).saturating_sub(1))),
        }
    }

    fn past_end(&self, p: usize) -> Error {
        Error::invalid(
            "position",
            p,
            format!(
                "the RoPE cache covers positions 0..{}; build it with Rope::cache(len) for a larger len",
                self.len
            ),
        )
    }

    fn rows<const INV: bool>(&self, x: &mut [f32], heads: usize, offset: usize, seq: usize) {
        let w = heads * self.head_dim;
        for (s, row) in x.chunks_exact_mut(w).enumerate().take(seq) {
            self.position::<INV>(row, offset + s);
        }
    }

    fn par<const INV: bool>(&self, x: &mut [f32], heads: usize, offset: usize) {
        let w = heads * self.head_dim;
        if w == 0 || x.is_empty() {
            return;
        }
        x.par_chunks_mut(POSITIONS_PER_TASK * w)
            .enumerate()
            .for_each(|(t, chunk)| {
                let seq = chunk.len() / w;
                self.rows::<INV>(chunk, heads, offset + t * POSITIONS_PER_TASK, seq)
            });
    }

    /// All heads of one position.
    #[inline]
    fn position<const INV: bool>(&self, row: &mut [f32], p: usize) {
        let h = self.rotary_dim / 2;
        let cos = &self.cos[p * h..(p + 1) * h];
        let sin = &self.sin[p * h..(p + 1) * h];
        for head in row.chunks_exact_mut(self.head_dim) {
            match self.pairing {
                Pairing::HalfSplit => rotate_half_split::<INV>(&mut head[..2 * h], cos, sin),
                Pairing::Interleaved => rotate_interleaved::<INV>(&mut head[..2 * h], cos, sin),
            }
        }
    }
}

/// `(x_i, x_{i+h})` pairs; `INV` rotates by the negative angle.
#[inline(always)]
fn rotate_half_split<const INV: bool>(v: &mut [f32], cos: &[f32], sin: &[f32]) {
    let (a, b) = v.split_at_mut(cos.len());
    for (((x1, x2), &c), &s) in a.iter_mut().zip(b.iter_mut()).zip(cos).zip(sin) {
        let s = if INV { -s } else { s };
        let (u, w) = (*x1, *x2);
        *x1 = u * c - w * s;
        *x2 = w * c + u * s;
    }
}

/// `(x_{2i}, x_{2i+1})` pairs; `INV` rotates by the negative angle.
#[inline(always)]
fn rotate_interleaved<const INV: bool>(v: &mut [f32], cos: &[f32], sin: &[f32]) {
    for ((p, &c), &s) in v.chunks_exact_mut(2).zip(cos).zip(sin) {
        let s = if INV { -s } else { s };
        let (u, w) = (p[0], p[1]);
        p[0] = u * c - w * s;
        p[1] = w * c + u * s;
    }
}

#[cfg(test)]
mod tests {
    use super::super::{RopeConfig, Scaling};
    use super::*;

    fn rope(pairing: Pairing, head_dim: usize, rotary: Option<usize>) -> Rope {
        Rope::new(RopeConfig {
            pairing,
            rotary_dim: rotary,
            ..RopeConfig::new(head_dim)
        })
        .unwrap()
    }

    /// Direct f64 rotation of one head at position p.
    fn reference(pairing: Pairing, v: &[f32], p: usize, r: usize, base: f64) -> Vec<f64> {
        let mut out: Vec<f64> = v.iter().map(|&x| x as f64).collect();
        for i in 0..r / 2 {
            let (a, b) = pairing.pair(i, r);
            let (s, c) = (p as f64 * base.powf(-(2.0 * i as f64) / r as f64)).sin_cos();
            out[a] = v[a] as f64 * c - v[b] as f64 * s;
            out[b] = v[b] as f64 * c + v[a] as f64 * s;
        }
        out
    }

    #[test]
    fn all_entry_points_agree_with_the_direct_formula() {
        for pairing in [Pairing::HalfSplit, Pairing::Interleaved] {
            for (hd, rot) in [(8, None), (10, Some(4)), (7, Some(6))] {
                let rope = rope(pairing, hd, rot);
                let cache = rope.cache(64).unwrap();
                let (seq, heads) = (37, 3);
                let x: Vec<f32> = (0..seq * heads * hd)
                    .map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0)
                    .collect();
                let mut a = x.clone();
                cache.apply(&mut a, heads, 20).unwrap();
                let mut b = x.clone();
                cache.apply_par(&mut b, heads, 20).unwrap();
                assert_eq!(a, b);
                let mut c = x.clone();
                let pos: Vec<usize> = (20..20 + seq).collect();
                cache.apply_positions(&mut c, heads, &pos).unwrap();
                assert_eq!(a, c);
                let mut batch = [x.clone(), x.clone()].concat();
                cache.apply_batched(&mut batch, 2, heads, 20).unwrap();
                assert_eq!(&batch[..x.len()], &a[..]);
                assert_eq!(&batch[x.len()..], &a[..]);
                for s in 0..seq {
                    for h in 0..heads {
                        let o = (s * heads + h) * hd;
                        let want =
                            reference(pairing, &x[o..o + hd], 20 + s, rope.rotary_dim(), 10000.0);
                        for (g, w) in a[o..o + hd].iter().zip(&want) {
                            assert!((*g as f64 - w).abs() < 1e-5, "{pairing:?} {hd} {rot:?}");
                        }
                    }
                }
                cache.apply_inverse(&mut a, heads, 20).unwrap();
                for (g, w) in a.iter().zip(&x) {
                    assert!((g - w).abs() < 1e-5);
                }
            }
        }
    }

    #[test]
    fn qk_with_different_head_counts() {
        let cache = rope(Pairing::HalfSplit, 4, None).cache(8).unwrap();
        let mut q = vec![1.0; 8 * 4 * 4];
        let mut k = vec![1.0; 8 * 2 * 4];
        cache.apply_qk(&mut q, &mut k, 4, 2, 0).unwrap();
        assert_eq!(&q[..8], &k[..8]);
    }

    #[test]
    fn bad_shapes_and_positions_are_errors() {
        let cache = rope(Pairing::HalfSplit, 4, None).cache(8).unwrap();
        assert!(cache.apply(&mut [0.0; 7], 1, 0).is_err());
        assert!(cache.apply(&mut [0.0; 8], 0, 0).is_err());
        assert!(cache.apply(&mut [0.0; 8], 1, 7).is_err());
        assert!(cache.apply(&mut [0.0; 8], 1, usize::MAX).is_err());
        assert!(cache.apply_positions(&mut [0.0; 8], 1, &[0, 8]).is_err());
        assert!(cache.apply_positions(&mut [0.0; 8], 1, &[0]).is_err());
        assert!(cache.apply_batched(&mut [0.0; 8], 0, 1, 0).is_err());
        assert!(cache.apply_batched(&mut [0.0; 12], 2, 1, 0).is_err());
        assert!(cache.apply(&mut [], 1, 8).is_ok());
    }

    #[test]
    fn yarn_attention_factor_scales_cos_and_sin() {
        let r = Rope::new(RopeConfig {
            scaling: Scaling::Yarn(super::super::YarnConfig::new(4.0, 64)),
            ..RopeConfig::new(8)
        })
        .unwrap();
        let c = r.cache(2).unwrap();
        let af = 0.1 * 4f64.ln() + 1.0;
        assert!((c.attention_factor() - af).abs() < 1e-15);
        assert!((c.cos()[0] as f64 - af).abs() < 1e-6);
    }
}
