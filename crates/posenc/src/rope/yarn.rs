//! YaRN (Peng, Quesnelle, Fan, Shippole 2023, "YaRN: Efficient Context Window
//! Extension of Large Language Models"), as computed by HF transformers'
//! `_compute_yarn_parameters`.
//!
//! With `r` rotary dimensions, trained length `L0` and extension `s`:
//!
//! * the pair index at which a frequency makes `n` full turns over `L0` is
//!   `d(n) = r · ln(L0 / (2π n)) / (2 ln base)`;
//! * `low = max(floor(d(β_fast)), 0)`, `high = min(ceil(d(β_slow)), r − 1)`
//!   (no floor/ceil when `truncate` is false); if equal, `high += 0.001`;
//! * `ramp_i = clamp((i − low) / (high − low), 0, 1)` for pair `i`;
//! * `θ'_i = θ_i / s · ramp_i + θ_i · (1 − ramp_i)`: fast pairs (many turns)
//!   keep their frequency, slow ones are interpolated, the band between is
//!   blended;
//! * cos and sin are multiplied by the attention factor
//!   `0.1 · ln s + 1` (or `mscale(s, m) / mscale(s, m_all)` when both
//!   DeepSeek parameters are set, or the given value).

use serde::{Deserialize, Serialize};

use super::scaling::{
    check_above, check_positive, check_trained_length, default_inv_freq, Frequencies,
};
use crate::error::{check_factor, Error, Result};

/// YaRN settings; `Default` is HF's defaults with factor 1 and a 4096 context.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct YarnConfig {
    /// Context extension factor `s`, >= 1.
    pub factor: f64,
    /// The context the model was trained on, `L0`.
    pub original_max_positions: usize,
    /// Turns over `L0` above which a pair is left as is (32).
    pub beta_fast: f64,
    /// Turns over `L0` below which a pair is fully interpolated (1).
    pub beta_slow: f64,
    /// Overrides the attention factor.
    pub attention_factor: Option<f64>,
    /// DeepSeek-V2/V3's `mscale`; used only with `mscale_all_dim`.
    pub mscale: Option<f64>,
    /// DeepSeek-V2/V3's `mscale_all_dim`.
    pub mscale_all_dim: Option<f64>,
    /// Round the correction range outwards to whole pairs (HF's default, true).
    pub truncate: bool,
}

impl Default for YarnConfig {
    fn default() -> Self {
        Self::new(1.0, 4096)
    }
}

impl YarnConfig {
    /// HF's defaults with extension `factor` over a trained context of
    /// `original_max_positions`.
    pub fn new(factor: f64, original_max_positions: usize) -> Self {
        YarnConfig {
            factor,
            original_max_positions,
            beta_fast: 32.0,
            beta_slow: 1.0,
            attention_factor: None,
            mscale: None,
            mscale_all_dim: None,
            truncate: true,
        }
    }

    /// Says what is wrong, if anything.
    pub fn validate(&self) -> Result<()> {
        check_factor("YaRN", self.factor)?;
        check_trained_length("YaRN", self.original_max_positions, "e.g. 4096")?;
        check_positive("beta_slow", self.beta_slow, Some("default 1"))?;
        check_above(
            "beta_fast",
            self.beta_fast,
            ("beta_slow", self.beta_slow),
            "default 32",
        )?;
        if let Some(a) = self.attention_factor {
            check_positive("attention_factor", a, None)?;
        }
        for (name, v) in [
            ("mscale", self.mscale),
            ("mscale_all_dim", self.mscale_all_dim),
        ] {
            if let Some(v) = v {
                if !v.is_finite() {
                    return Err(Error::invalid(name, v, "it must be a finite number"));
                }
            }
        }
        Ok(())
    }

    /// The attention factor that multiplies cos and sin.
    pub fn attention_factor(&self) -> f64 {
        if let Some(a) = self.attention_factor {
            return a;
        }
        match (self.mscale, self.mscale_all_dim) {
            (Some(m), Some(m_all)) if m != 0.0 && m_all != 0.0 => {
                mscale(self.factor, m) / mscale(self.factor, m_all)
            }
            _ => mscale(self.factor, 1.0),
        }
    }

    /// The pair range `(low, high)` over which the ramp goes from 0 to 1.
    pub fn correction_range(&self, base: f64, r: usize) -> (f64, f64) {
        let dim_for = |turns: f64| {
            r as f64 * (self.original_max_positions as f64 / (turns * std::f64::consts::TAU)).ln()
                / (2.0 * base.ln())
        };
        let (mut low, mut high) = (dim_for(self.beta_fast), dim_for(self.beta_slow));
        if self.truncate {
            low = low.floor();
            high = high.ceil();
        }
        (low.max(0.0), high.min((r - 1) as f64))
    }

    /// The scaled frequencies and attention factor for rotary width `r`.
    pub fn frequencies(&self, base: f64, r: usize) -> Frequencies {
        let (low, mut high) = self.correction_range(base, r);
        if low == high {
            high += 0.001; // as HF: avoids 0/0 in the ramp
        }
        let inv_freq = default_inv_freq(base, r)
            .into_iter()
            .enumerate()
            .map(|(i, extrapolation)| {
                let ramp = ((i as f64 - low) / (high - low)).clamp(0.0, 1.0);
                let interpolation = extrapolation / self.factor;
                interpolation * ramp + extrapolation * (1.0 - ramp)
            })
            .collect();
        Frequencies {
            inv_freq,
            attention_factor: self.attention_factor(),
        }
    }
}

/// `0.1 · m · ln s + 1` for `s > 1`, else 1.
fn mscale(s: f64, m: f64) -> f64 {
    if s <= 1.0 {
        1.0
    } else {
        0.1 * m * s.ln() + 1.0
    }
}
