//! The common shape of sinusoidal and RoPE encodings for analysis: a set of
//! frequencies `ω_i`, each giving the pair `(sin pω_i, cos pω_i)` (times a
//! scale, RoPE's attention factor), plus for odd-width sinusoidal tables one
//! lone sin column.
//!
//! Rows are put in a canonical column order `[sin_0 .. sin_{n-1} | cos_0 ..
//! cos_{n-1} | lone sin]`; distances and norms do not depend on the order.

use rayon::prelude::*;

use crate::error::Result;
use crate::spec::{EncodingSpec, Kind};

/// Frequencies of an angle-based encoding.
#[derive(Debug, Clone)]
pub(crate) struct Angles {
    /// Frequencies with both a sin and a cos column.
    pub inv_freq: Vec<f64>,
    /// The frequency of a lone sin column (odd-width paper tables).
    pub lone_sin: Option<f64>,
    /// Multiplies every value (RoPE's attention factor; 1 for tables).
    pub scale: f64,
}

impl Angles {
    /// The angles of a sinusoidal or RoPE spec (RoPE: frequencies in force for
    /// a sequence of `positions`), `None` for other kinds.
    pub fn from_spec(spec: &EncodingSpec) -> Result<Option<Angles>> {
        Ok(match spec.kind {
            Kind::Sinusoidal => {
                let s = spec.sinusoidal()?;
                let pairs = s.pair_columns().iter().filter(|(_, c)| c.is_some()).count();
                Some(Angles {
                    inv_freq: s.inv_freq()[..pairs].to_vec(),
                    lone_sin: s.inv_freq().get(pairs).copied(),
                    scale: 1.0,
                })
            }
            Kind::Rope => {
                let f = spec.rope()?.frequencies(spec.positions);
                Some(Angles {
                    inv_freq: f.inv_freq,
                    lone_sin: None,
                    scale: f.attention_factor,
                })
            }
            _ => None,
        })
    }

    /// Number of columns of a canonical row.
    pub fn width(&self) -> usize {
        2 * self.inv_freq.len() + usize::from(self.lone_sin.is_some())
    }

    /// The row of position `p`, every angle `p · ω` in `f64`.
    pub fn row_f64(&self, p: usize, out: &mut [f64]) {
        let n = self.inv_freq.len();
        for (i, w) in self.inv_freq.iter().enumerate() {
            let (s, c) = (p as f64 * w).sin_cos();
            out[i] = self.scale * s;
            out[n + i] = self.scale * c;
        }
        if let Some(w) = self.lone_sin {
            out[2 * n] = self.scale * (p as f64 * w).sin();
        }
    }

    /// The row of position `p` as f32 code usually computes it: frequency and
    /// position rounded to `f32`, angle multiplied and `sin`/`cos` taken in
    /// `f32` (`position.float() * inv_freq.float()` in PyTorch).
    pub fn row_f32_angles(&self, p: usize, out: &mut [f32]) {
        let n = self.inv_freq.len();
        let (pf, sc) = (p as f32, self.scale as f32);
        for (i, w) in self.inv_freq.iter().enumerate() {
            let a = pf * *w as f32;
            out[i] = sc * a.sin();
            out[n + i] = sc * a.cos();
        }
        if let Some(w) = self.lone_sin {
            out[2 * n] = sc * (pf * w as f32).sin();
        }
    }

    /// For each offset `k < n`, `Σ_i sin²(k ω_i / 2)` over the paired
    /// frequencies, in `f64`. From it: the distance between the rows of `p`
    /// and `p + k` over the paired columns is `scale · 2 · sqrt(sum)` for every
    /// `p`, and the cosine similarity of the paired parts is
    /// `1 − 2 · sum / pairs`.
    ///
    /// Computed in blocks of 256 offsets: `sin`/`cos` of the half angle at the
    /// block's first offset, then rotation by the half step (as the sinusoidal
    /// table builder does).
    pub fn half_angle_sums(&self, n: usize) -> Vec<f64> {
        const B: usize = 256;
        let halves: Vec<f64> = self.inv_freq.iter().map(|w| w / 2.0).collect();
        let (ss, cs): (Vec<f64>, Vec<f64>) = halves.iter().map(|h| h.sin_cos()).unzip();
        let mut out = vec![0.0; n];
        out.par_chunks_mut(B).enumerate().for_each(|(b, chunk)| {
            let k0 = b * B;
            let (mut s, mut c): (Vec<f64>, Vec<f64>) =
                halves.iter().map(|h| (k0 as f64 * h).sin_cos()).unzip();
            for o in chunk.iter_mut() {
                *o = s.iter().map(|x| x * x).sum();
                for (((s, c), &sw), &cw) in s.iter_mut().zip(c.iter_mut()).zip(&ss).zip(&cs) {
                    let (a, bb) = (*s, *c);
                    *s = a * cw + bb * sw;
                    *c = bb * cw - a * sw;
                }
            }
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_angle_sums_give_the_distance_between_rows() {
        let spec = EncodingSpec {
            dim: 16,
            ..Default::default()
        };
        let a = Angles::from_spec(&spec).unwrap().unwrap();
        let sums = a.half_angle_sums(1000);
        let (mut r0, mut r1) = (vec![0.0; 16], vec![0.0; 16]);
        for (p, k) in [(0, 1), (3, 700), (100, 999), (5, 257)] {
            a.row_f64(p, &mut r0);
            a.row_f64(p + k, &mut r1);
            let d: f64 = r0
                .iter()
                .zip(&r1)
                .map(|(x, y)| (x - y).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!((d - 2.0 * sums[k].sqrt()).abs() < 1e-12, "{p} {k}");
        }
    }
}
