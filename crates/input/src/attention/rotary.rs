//! RoPE applied to the `[seq, heads, head_dim]` rows of queries and keys, at
//! each token's own position, in the layer's scalar type.
//!
//! The cos/sin values and the pairing come from `embedpos_posenc`'s
//! [`RopeCache`] (every variant and scaling it supports); the rotation itself
//! is repeated here so that it runs in `f64` for the gradient checks. A test
//! checks it against the cache's own `apply_positions`.

use embedpos_posenc::{Pairing, Rope, RopeCache};

use crate::error::Result;
use crate::real::Real;

/// Cos and sin of positions `0 .. len` for one forward pass.
#[derive(Debug, Clone)]
pub(crate) struct Rotary<T: Real> {
    pairing: Pairing,
    head_dim: usize,
    half: usize,
    cos: Vec<T>,
    sin: Vec<T>,
}

impl<T: Real> Rotary<T> {
    /// The table for positions `0 ..= max_position`, with the frequencies
    /// (dynamic NTK) of a sequence of that length.
    pub(crate) fn new(rope: &Rope, max_position: usize) -> Result<Self> {
        let cache: RopeCache = rope.cache(max_position.saturating_add(1))?;
        Ok(Rotary {
            pairing: cache.pairing(),
            head_dim: cache.head_dim(),
            half: cache.rotary_dim() / 2,
            cos: cache.cos().iter().map(|&c| T::from_f32(c)).collect(),
            sin: cache.sin().iter().map(|&s| T::from_f32(s)).collect(),
        })
    }

    /// Rotates every head of `row` (`[heads, head_dim]`) to position `pos`;
    /// `inverse` applies the transpose (the backward pass).
    #[inline]
    pub(crate) fn rotate(&self, row: &mut [T], pos: usize, inverse: bool) {
        let h = self.half;
        let cos = &self.cos[pos * h..(pos + 1) * h];
        let sin = &self.sin[pos * h..(pos + 1) * h];
        for head in row.chunks_exact_mut(self.head_dim) {
            for i in 0..h {
                let (a, b) = match self.pairing {
                    Pairing::HalfSplit => (i, i + h),
                    Pairing::Interleaved => (2 * i, 2 * i + 1),
                };
                let (c, s) = (cos[i], if inverse { -sin[i] } else { sin[i] });
                let (u, w) = (head[a], head[b]);
                head[a] = u * c - w * s;
                head[b] = w * c + u * s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedpos_posenc::{RopeConfig, Scaling, YarnConfig};

    #[test]
    fn matches_posenc_for_every_pairing_and_partial_width() {
        for pairing in [Pairing::HalfSplit, Pairing::Interleaved] {
            for (hd, rot, scaling) in [
                (8, None, Scaling::None),
                (10, Some(4), Scaling::Linear { factor: 2.0 }),
                (8, None, Scaling::Yarn(YarnConfig::new(4.0, 16))),
            ] {
                let rope = Rope::new(RopeConfig {
                    pairing,
                    rotary_dim: rot,
                    scaling,
                    ..RopeConfig::new(hd)
                })
                .unwrap();
                let heads = 3;
                let positions = [5usize, 0, 17, 3];
                let x: Vec<f32> = (0..positions.len() * heads * hd)
                    .map(|i| (i as f32 * 0.37).sin())
                    .collect();
                let mut want = x.clone();
                rope.cache(18)
                    .unwrap()
                    .apply_positions(&mut want, heads, &positions)
                    .unwrap();
                let r = Rotary::<f32>::new(&rope, 17).unwrap();
                let mut got = x.clone();
                for (row, &p) in got.chunks_exact_mut(heads * hd).zip(&positions) {
                    r.rotate(row, p, false);
                }
                assert_eq!(got, want, "{pairing:?} {hd} {rot:?}");
                for (row, &p) in got.chunks_exact_mut(heads * hd).zip(&positions) {
                    r.rotate(row, p, true);
                }
                // the transpose undoes the rotation when cos² + sin² = 1 (no YaRN factor)
                if rope.cache(18).unwrap().attention_factor() == 1.0 {
                    for (g, w) in got.iter().zip(&x) {
                        assert!((g - w).abs() < 1e-5, "{g} {w}");
                    }
                }
            }
        }
    }
}
