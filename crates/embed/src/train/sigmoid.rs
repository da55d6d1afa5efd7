//! The logistic function as word2vec C computes it: a table of 1000 values
//! over `[-MAX_EXP, MAX_EXP]`, `MAX_EXP = 6`, with its clamping rules.
//!
//! word2vec builds `expTable[i] = σ((i / 1000 · 2 − 1) · 6)` and looks up
//! `expTable[(int)((f + 6) · (1000 / 6 / 2))]`, where `1000 / 6 / 2` is
//! integer arithmetic and equals 83 (not 83.33): the lookup reads the table
//! at `0.996·(f + 6) − 6`, a 0.4 % squeeze towards 0 that every word2vec
//! result carries. We keep the table and the lookup exactly, so that the
//! gradients are word2vec's. Outside the table:
//!
//! * negative sampling clamps: `f > 6` gives `σ = 1`, `f < −6` gives `σ = 0`
//!   (so a wrongly classified pair still gets the full gradient `±alpha`);
//! * hierarchical softmax skips the node (`|f| ≥ 6`: no update at all).
//!
//! fastText's trainer uses fastText's table instead ([`Sigmoid::fasttext`]):
//! 512 cells over `[−8, 8]` read at `⌊(f + 8) · 32⌋` (exact cell width, no
//! squeeze), `σ = 0` below `−8` and `1` above `8` for every output row,
//! hierarchical-softmax nodes included (fastText's `binaryLogistic` never
//! skips a node).
//!
//! The loss reported to observers, `−log σ(±f)`, comes from the same table
//! (`−ln` of the table value), and outside it from the asymptotes of
//! `softplus`: `0` on the right side and `|f|` on the wrong side.

/// word2vec's `MAX_EXP`.
pub(crate) const MAX_EXP: f32 = 6.0;
const TABLE_SIZE: usize = 1000;
/// `EXP_TABLE_SIZE / MAX_EXP / 2` in C's integer arithmetic.
const SCALE: f32 = (TABLE_SIZE / 6 / 2) as f32;
/// fastText's `MAX_SIGMOID` and `SIGMOID_TABLE_SIZE`.
const FT_MAX: f32 = 8.0;
const FT_TABLE_SIZE: usize = 512;

/// `σ` and `−log σ(±x)` tables.
#[derive(Debug, Clone)]
pub(crate) struct Sigmoid {
    /// `σ(x_i)`.
    sig: Vec<f32>,
    /// `−ln σ(x_i)`: the loss of a positive pair.
    loss_pos: Vec<f32>,
    /// `−ln(1 − σ(x_i))`: the loss of a negative pair.
    loss_neg: Vec<f32>,
    /// Beyond `±max` σ is clamped to 0 or 1.
    max: f32,
    /// Cells per unit of `f`.
    scale: f32,
    /// Hierarchical softmax skips nodes beyond `±max` (word2vec) instead
    /// of clamping them (fastText).
    hs_skips: bool,
}

impl Default for Sigmoid {
    fn default() -> Self {
        Self::new()
    }
}

impl Sigmoid {
    /// Builds the tables as word2vec's `main` does (in `f32`).
    pub(crate) fn new() -> Self {
        let mut sig = Vec::with_capacity(TABLE_SIZE + 1);
        for i in 0..TABLE_SIZE {
            let e = ((i as f32 / TABLE_SIZE as f32 * 2.0 - 1.0) * MAX_EXP).exp();
            sig.push(e / (e + 1.0));
        }
        // Index 1000 is never read (f < 6 maps below 996), kept for safety.
        sig.push(1.0);
        Self::from_table(sig, MAX_EXP, SCALE, true)
    }

    /// fastText's table: `σ(i · 16/512 − 8)` for `i = 0..=512`, read at
    /// `⌊(f + 8) · 32⌋`.
    pub(crate) fn fasttext() -> Self {
        let sig = (0..=FT_TABLE_SIZE)
            .map(|i| {
                let x = i as f32 * 2.0 * FT_MAX / FT_TABLE_SIZE as f32 - FT_MAX;
                1.0 / (1.0 + (-x).exp())
            })
            .collect();
        Self::from_table(sig, FT_MAX, FT_TABLE_SIZE as f32 / FT_MAX / 2.0, false)
    }

    fn from_table(sig: Vec<f32>, max: f32, scale: f32, hs_skips: bool) -> Self {
        let loss_pos = sig.iter().map(|&s| -(s as f64).ln() as f32).collect();
        let loss_neg = sig.iter().map(|&s| -(1.0 - s as f64).ln() as f32).collect();
        Sigmoid {
            sig,
            loss_pos,
            loss_neg,
            max,
            scale,
            hs_skips,
        }
    }

    #[inline(always)]
    fn index(&self, f: f32) -> usize {
        (((f + self.max) * self.scale) as usize).min(self.sig.len() - 1)
    }

    /// Negative sampling: `(label − σ(f), loss)` with word2vec's clamping.
    /// `label` is 1 for the observed word and 0 for a noise word.
    #[inline(always)]
    pub(crate) fn ns(&self, f: f32, positive: bool) -> (f32, f32) {
        let label = if positive { 1.0 } else { 0.0 };
        if f > self.max {
            (label - 1.0, if positive { 0.0 } else { f })
        } else if f < -self.max {
            (label, if positive { -f } else { 0.0 })
        } else {
            let i = self.index(f);
            let loss = if positive {
                self.loss_pos[i]
            } else {
                self.loss_neg[i]
            };
            (label - self.sig[i], loss)
        }
    }

    /// Hierarchical softmax for a node with branch `code`:
    /// `(1 − code − σ(f), loss)`. Outside `(−6, 6)` word2vec skips the node:
    /// the error is 0 (no update) and the loss is the asymptote.
    #[inline(always)]
    pub(crate) fn hs(&self, f: f32, code: u8) -> (f32, f32) {
        // Label 1 − code: code 0 is a "positive" branch.
        let positive = code == 0;
        if self.hs_skips && (f <= -MAX_EXP || f >= MAX_EXP) {
            let right = (f > 0.0) == positive;
            return (0.0, if right { 0.0 } else { f.abs() });
        }
        if !self.hs_skips && (f > self.max || f < -self.max) {
            // fastText clamps σ to 0 or 1 and still updates.
            let label = 1.0 - code as f32;
            let s = if f > 0.0 { 1.0 } else { 0.0 };
            let right = (f > 0.0) == positive;
            return (label - s, if right { 0.0 } else { f.abs() });
        }
        let i = self.index(f);
        let loss = if positive {
            self.loss_pos[i]
        } else {
            self.loss_neg[i]
        };
        (1.0 - code as f32 - self.sig[i], loss)
    }
}

/// The exact loss `−log σ(±f)` for reports outside the hot loop and tests.
#[cfg(test)]
fn exact_loss(f: f64, positive: bool) -> f64 {
    let z = if positive { -f } else { f };
    // softplus(z) = ln(1 + e^z), stably.
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_word2vec_and_exact_sigmoid() {
        let s = Sigmoid::new();
        for k in -599..=599 {
            let f = k as f32 / 100.0;
            let (g, loss) = s.ns(f, true);
            // word2vec reads the table at 0.996·(f+6) − 6, off by at most 0.036
            // from f, plus one cell (0.012); σ' <= 1/4.
            let exact = 1.0 / (1.0 + (-(f as f64)).exp());
            assert!(((1.0 - g) as f64 - exact).abs() < 0.25 * 0.05, "f={f}");
            assert!(
                (loss as f64 - exact_loss(f as f64, true)).abs() < 0.07,
                "f={f}"
            );
            let (gn, ln) = s.ns(f, false);
            assert!((gn as f64 + exact).abs() < 0.25 * 0.05);
            assert!(
                (ln as f64 - exact_loss(f as f64, false)).abs() < 0.07,
                "f={f}"
            );
        }
        // C's index for f = 0: (int)(6 · 83) = 498, table x = 498/500·6 − 6.
        let x498 = (498.0f32 / 1000.0 * 2.0 - 1.0) * 6.0;
        let want = x498.exp() / (x498.exp() + 1.0);
        assert_eq!(s.ns(0.0, true).0, 1.0 - want);
    }

    #[test]
    fn fasttext_table_is_fasttexts() {
        let s = Sigmoid::fasttext();
        // Cell i = floor((f + 8) * 32) holds sigma(i / 32 - 8).
        for k in -799..=799 {
            let f = k as f32 / 100.0;
            let i = ((f + 8.0) * 32.0) as usize;
            let x = i as f64 / 32.0 - 8.0;
            let want = 1.0 / (1.0 + (-x).exp());
            let (g, _) = s.ns(f, true);
            assert!(((1.0 - g) as f64 - want).abs() < 1e-6, "f={f}");
        }
        assert_eq!(s.ns(8.5, false).0, -1.0);
        assert_eq!(s.ns(-8.5, true).0, 1.0);
        // Hierarchical softmax clamps instead of skipping.
        assert_eq!(s.hs(-9.0, 0).0, 1.0);
        assert_eq!(s.hs(9.0, 0).0, 0.0);
        assert!(s.hs(7.0, 1).0 < 0.0, "inside (-8, 8) a node is updated");
    }

    #[test]
    fn clamping_rules() {
        let s = Sigmoid::new();
        assert_eq!(s.ns(7.0, true), (0.0, 0.0));
        assert_eq!(s.ns(7.0, false), (-1.0, 7.0));
        assert_eq!(s.ns(-7.0, true), (1.0, 7.0));
        assert_eq!(s.ns(-7.0, false), (0.0, 0.0));
        assert_eq!(s.hs(6.0, 0), (0.0, 0.0));
        assert_eq!(s.hs(-6.0, 1), (0.0, 0.0));
        assert_eq!(s.hs(-6.5, 0), (0.0, 6.5));
        let (g, _) = s.hs(0.5, 1);
        assert!(g < 0.0);
        let (g, _) = s.hs(0.5, 0);
        assert!(g > 0.0);
        // NaN never indexes out of bounds.
        let _ = s.ns(f32::NAN, true);
    }
}
