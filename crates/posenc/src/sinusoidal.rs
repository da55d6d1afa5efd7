//! Sinusoidal absolute encodings (Vaswani et al. 2017, "Attention Is All You Need", §3.5).
//!
//! `PE(p, 2i) = sin(p · ω_i)`, `PE(p, 2i+1) = cos(p · ω_i)` with
//! `ω_i = base^(-2i/d)` and `base = 10000`. The same numbers come in two column
//! orders ([`Layout`]) and, in tensor2tensor and fairseq, with a slightly
//! different frequency spacing ([`Spacing`]).
//!
//! Accuracy: every angle is `p · ω_i` in `f64` (exact for positions below
//! 2^53), so an `f32` table is the correctly rounded value up to ~1e-14; the
//! error against an `f64` reference stays below 1e-7 at position 10^6. Many
//! implementations compute the angle in `f32` instead, which at position 10^6
//! is off by up to ~0.06 rad (see `analysis`).
//!
//! Speed: rows are produced in blocks of [`BLOCK`] positions. The first row of a
//! block is computed with `sin`/`cos`; each next row is the previous one rotated
//! by the per-frequency step angle (`sin(a+ω) = sin a cos ω + cos a sin ω`, in
//! `f64`), which costs four multiplications per pair and vectorises. Re-anchoring
//! every block keeps the accumulated error near 1e-14 and lets blocks be built
//! in parallel.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{check_base, check_dim, Error, Result};
use crate::tensor::Tensor;

/// Positions are exact in `f64` below this bound; larger ones are refused.
pub const MAX_POSITION: usize = 1 << 53;

/// Rows per block between two exact `sin`/`cos` anchors.
pub const BLOCK: usize = 64;

/// Column order of a sinusoidal table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// `[sin ω_0, cos ω_0, sin ω_1, cos ω_1, ...]`: the paper's formula, as in
    /// HF transformers' `create_sinusoidal_embeddings`.
    #[default]
    Interleaved,
    /// `[sin ω_0, sin ω_1, ... | cos ω_0, cos ω_1, ...]`, as in tensor2tensor's
    /// `get_timing_signal_1d` and fairseq.
    Concatenated,
}

/// How the frequencies are spaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Spacing {
    /// `ω_i = base^(-2i/d)` for `i < ceil(d/2)`: the paper's formula. For odd
    /// `d` the last column holds `sin(p · ω_{(d-1)/2})`, the value the formula
    /// gives for column `d - 1`; in the concatenated layout it is the last sin
    /// column, so both layouts hold the same numbers in another order.
    #[default]
    Paper,
    /// `ω_i = base^(-i/(h-1))` for `i < h = floor(d/2)` (`ω_0 = 1` when
    /// `h = 1`): tensor2tensor's and fairseq's spacing, whose lowest frequency
    /// is exactly `1/base`. For odd `d` the last column is zero, as there.
    Tensor2Tensor,
}

/// Settings of a sinusoidal encoding; `Default` is the paper's (d = 512).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SinusoidalConfig {
    /// Width of each position vector (`d_model`).
    pub dim: usize,
    /// The wavelength base (10000 in the paper).
    pub base: f64,
    /// Column order.
    pub layout: Layout,
    /// Frequency spacing.
    pub spacing: Spacing,
}

impl Default for SinusoidalConfig {
    fn default() -> Self {
        SinusoidalConfig {
            dim: 512,
            base: 10000.0,
            layout: Layout::Interleaved,
            spacing: Spacing::Paper,
        }
    }
}

impl SinusoidalConfig {
    /// The paper's settings with width `dim`.
    pub fn new(dim: usize) -> Self {
        SinusoidalConfig {
            dim,
            ..Self::default()
        }
    }

    /// Says what is wrong, if anything: `dim` must be at least 1 and `base`
    /// finite and greater than 1.
    pub fn validate(&self) -> Result<()> {
        check_dim("dim", self.dim)?;
        check_base(self.base)
    }
}

/// A sinusoidal encoding with its frequencies computed once.
#[derive(Debug, Clone)]
pub struct Sinusoidal {
    config: SinusoidalConfig,
    /// `ω_i`, one per sin column.
    inv_freq: Vec<f64>,
    /// `sin ω_i` and `cos ω_i`: the rotation from one position to the next.
    step_sin: Vec<f64>,
    step_cos: Vec<f64>,
    /// Number of cos columns (`<= inv_freq.len()`).
    n_cos: usize,
}

impl Sinusoidal {
    /// Builds the encoding after [`SinusoidalConfig::validate`].
    pub fn new(config: SinusoidalConfig) -> Result<Sinusoidal> {
        config.validate()?;
        let d = config.dim;
        let (inv_freq, n_cos): (Vec<f64>, usize) = match config.spacing {
            Spacing::Paper => {
                let nf = d.div_ceil(2);
                let f = (0..nf)
                    .map(|i| config.base.powf(-((2 * i) as f64) / d as f64))
                    .collect();
                (f, d / 2)
            }
            Spacing::Tensor2Tensor => {
                let h = d / 2;
                let inc = config.base.ln() / (h.saturating_sub(1).max(1)) as f64;
                let f = (0..h).map(|i| (-(i as f64) * inc).exp()).collect();
                (f, h)
            }
        };
        let (step_sin, step_cos) = inv_freq.iter().map(|w: &f64| w.sin_cos()).unzip();
        Ok(Sinusoidal {
            config,
            inv_freq,
            step_sin,
            step_cos,
            n_cos,
        })
    }

    /// The paper's encoding of width `dim` (base 10000, interleaved).
    pub fn with_dim(dim: usize) -> Result<Sinusoidal> {
        Self::new(SinusoidalConfig::new(dim))
    }

    /// The settings.
    pub fn config(&self) -> &SinusoidalConfig {
        &self.config
    }

    /// Width of each position vector.
    pub fn dim(&self) -> usize {
        self.config.dim
    }

    /// The angular frequencies `ω_i`, highest first.
    pub fn inv_freq(&self) -> &[f64] {
        &self.inv_freq
    }

    /// The wavelengths `2π / ω_i` in positions, shortest first.
    pub fn wavelengths(&self) -> Vec<f64> {
        self.inv_freq
            .iter()
            .map(|w| std::f64::consts::TAU / w)
            .collect()
    }

    /// For each frequency `i`, the column of its sin and, if it has one, of its
    /// cos. Columns not listed are zero padding.
    pub fn pair_columns(&self) -> Vec<(usize, Option<usize>)> {
        let nf = self.inv_freq.len();
        (0..nf)
            .map(|i| {
                let has_cos = i < self.n_cos;
                match self.config.layout {
                    Layout::Interleaved => (2 * i, has_cos.then_some(2 * i + 1)),
                    Layout::Concatenated => (i, has_cos.then_some(nf + i)),
                }
            })
            .collect()
    }

    /// The encoding of one position, every value computed directly with `f64`
    /// `sin`/`cos` (the slow reference path; tables use [`Self::fill`]).
    pub fn row_f64(&self, position: usize) -> Result<Vec<f64>> {
        check_position(position, 1)?;
        let mut out = vec![0.0; self.config.dim];
        for (i, (sc, cc)) in self.pair_columns().into_iter().enumerate() {
            let (s, c) = (position as f64 * self.inv_freq[i]).sin_cos();
            out[sc] = s;
            if let Some(cc) = cc {
                out[cc] = c;
            }
        }
        Ok(out)
    }

    /// The `[len, dim]` table of positions `start .. start + len` (the offset
    /// lets a continuing sequence pick up where the previous one stopped).
    /// Built in parallel on the current rayon pool.
    pub fn table(&self, start: usize, len: usize) -> Result<Tensor> {
        check_position(start, len)?;
        let mut t = Tensor::zeros("sinusoidal table", &[len, self.config.dim])?;
        self.fill(start, t.data_mut())?;
        Ok(t)
    }

    /// Writes the encodings of positions `start, start + 1, ...` into `out`,
    /// one row of `dim` values per position (`out.len()` must be a multiple of
    /// `dim`). Parallel over blocks of rows on the current rayon pool.
    pub fn fill(&self, start: usize, out: &mut [f32]) -> Result<()> {
        self.run::<false>(start, out)
    }

    /// Adds the encodings of positions `start, start + 1, ...` to the rows of
    /// `x` (`[seq, dim]`), as the input layer of a Transformer does.
    pub fn add_to(&self, x: &mut [f32], start: usize) -> Result<()> {
        self.run::<true>(start, x)
    }

    fn run<const ADD: bool>(&self, start: usize, out: &mut [f32]) -> Result<()> {
        let d = self.config.dim;
        if !out.len().is_multiple_of(d) {
            return Err(Error::ShapeMismatch {
                what: format!("sinusoidal rows of width {d}"),
                expected: out.len() / d * d,
                got: out.len(),
            });
        }
        check_position(start, out.len() / d)?;
        out.par_chunks_mut(BLOCK * d)
            .enumerate()
            .for_each(|(b, block)| self.block::<ADD>(start + b * BLOCK, block));
        Ok(())
    }

    /// One block: exact anchor at `first`, then rotations.
    fn block<const ADD: bool>(&self, first: usize, out: &mut [f32]) {
        let d = self.config.dim;
        let nf = self.inv_freq.len();
        let n_cos = self.n_cos;
        let (mut s, mut c): (Vec<f64>, Vec<f64>) = self
            .inv_freq
            .iter()
            .map(|w| (first as f64 * w).sin_cos())
            .unzip();
        let rows = out.len() / d;
        for (r, row) in out.chunks_exact_mut(d).enumerate() {
            match self.config.layout {
                Layout::Interleaved => {
                    let (paired, tail) = row.split_at_mut(2 * n_cos);
                    for ((o, &sv), &cv) in paired.chunks_exact_mut(2).zip(&s).zip(&c) {
                        put::<ADD>(&mut o[0], sv);
                        put::<ADD>(&mut o[1], cv);
                    }
                    if let Some(o) = tail.first_mut() {
                        // odd d: the paper's extra sin column, or t2t's zero pad
                        put::<ADD>(o, if nf > n_cos { s[n_cos] } else { 0.0 });
                    }
                }
                Layout::Concatenated => {
                    let (sin_part, rest) = row.split_at_mut(nf);
                    let (cos_part, pad) = rest.split_at_mut(n_cos);
                    for (o, &v) in sin_part.iter_mut().zip(&s) {
                        put::<ADD>(o, v);
                    }
                    for (o, &v) in cos_part.iter_mut().zip(&c) {
                        put::<ADD>(o, v);
                    }
                    if !ADD {
                        pad.fill(0.0);
                    }
                }
            }
            if r + 1 < rows {
                rotate(&mut s, &mut c, &self.step_sin, &self.step_cos);
            }
        }
    }
}

#[inline(always)]
fn put<const ADD: bool>(o: &mut f32, v: f64) {
    if ADD {
        *o += v as f32;
    } else {
        *o = v as f32;
    }
}

/// Advances every (sin, cos) pair by its step angle.
#[inline]
fn rotate(s: &mut [f64], c: &mut [f64], ss: &[f64], cs: &[f64]) {
    for (((s, c), &sw), &cw) in s.iter_mut().zip(c.iter_mut()).zip(ss).zip(cs) {
        let (a, b) = (*s, *c);
        *s = a * cw + b * sw;
        *c = b * cw - a * sw;
    }
}

/// Refuses position ranges whose last position is not exact in `f64`.
pub(crate) fn check_position(start: usize, len: usize) -> Result<()> {
    match start.checked_add(len) {
        Some(end) if end <= MAX_POSITION => Ok(()),
        _ => Err(Error::invalid(
            "position",
            format!("{start} + {len}"),
            format!("positions must stay below 2^53 = {MAX_POSITION}, where f64 stops representing every integer"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_err(s: &Sinusoidal, start: usize, len: usize) -> f64 {
        let t = s.table(start, len).unwrap();
        let mut worst = 0.0f64;
        for r in 0..len {
            let exact = s.row_f64(start + r).unwrap();
            for (a, b) in t.row(r).unwrap().iter().zip(&exact) {
                worst = worst.max((*a as f64 - b).abs());
            }
        }
        worst
    }

    #[test]
    fn fast_table_matches_direct_formula_in_all_variants() {
        for d in [1, 2, 3, 7, 16, 17, 64] {
            for layout in [Layout::Interleaved, Layout::Concatenated] {
                for spacing in [Spacing::Paper, Spacing::Tensor2Tensor] {
                    let s = Sinusoidal::new(SinusoidalConfig {
                        dim: d,
                        layout,
                        spacing,
                        ..Default::default()
                    })
                    .unwrap();
                    let e = max_err(&s, 999_000, 2 * BLOCK + 5);
                    assert!(e < 1e-7, "d={d} {layout:?} {spacing:?}: {e}");
                }
            }
        }
    }

    #[test]
    fn layouts_hold_the_same_numbers() {
        for d in [6, 9] {
            let i = Sinusoidal::with_dim(d).unwrap();
            let c = Sinusoidal::new(SinusoidalConfig {
                layout: Layout::Concatenated,
                ..SinusoidalConfig::new(d)
            })
            .unwrap();
            let (ti, tc) = (i.table(5, 3).unwrap(), c.table(5, 3).unwrap());
            for r in 0..3 {
                let (ri, rc) = (ti.row(r).unwrap(), tc.row(r).unwrap());
                for ((si, ci), (sc, cc)) in i.pair_columns().into_iter().zip(c.pair_columns()) {
                    assert_eq!(ri[si], rc[sc]);
                    assert_eq!(ci.map(|k| ri[k]), cc.map(|k| rc[k]));
                }
            }
        }
    }

    #[test]
    fn add_to_adds_the_table() {
        let s = Sinusoidal::with_dim(8).unwrap();
        let mut x = vec![1.0f32; 8 * 70];
        s.add_to(&mut x, 3).unwrap();
        let t = s.table(3, 70).unwrap();
        for (a, b) in x.iter().zip(t.data()) {
            assert_eq!(*a, 1.0 + b);
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(Sinusoidal::with_dim(0).is_err());
        for base in [0.0, -1.0, 1.0, f64::NAN, f64::INFINITY] {
            let cfg = SinusoidalConfig {
                base,
                ..SinusoidalConfig::new(8)
            };
            assert!(Sinusoidal::new(cfg).is_err(), "base {base}");
        }
        let s = Sinusoidal::with_dim(4).unwrap();
        assert!(s.fill(0, &mut [0.0; 6]).is_err());
        assert!(s.table(MAX_POSITION, 1).is_err());
        assert!(s.table(usize::MAX, 2).is_err());
    }
}
