//! Llama 3.1's RoPE scaling, as computed by HF transformers'
//! `_compute_llama3_parameters`.
//!
//! With wavelength `λ_i = 2π / θ_i`, trained length `L0`, low and high
//! frequency factors `a < b`:
//!
//! * `λ_i < L0 / b` (fast): unchanged;
//! * `λ_i > L0 / a` (slow): `θ_i / factor`;
//! * otherwise, with `t = (L0 / λ_i − a) / (b − a)`:
//!   `θ'_i = (1 − t) · θ_i / factor + t · θ_i`.

use serde::{Deserialize, Serialize};

use super::scaling::{check_above, check_positive, check_trained_length};
use crate::error::{check_factor, Result};

/// Llama 3.1 scaling settings; `Default` is Llama 3.1's own (8, 1, 4, 8192).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Llama3Config {
    /// Extension factor for the slow frequencies, >= 1.
    pub factor: f64,
    /// `a`: wavelengths above `L0 / a` are divided by `factor`.
    pub low_freq_factor: f64,
    /// `b`: wavelengths below `L0 / b` are left alone.
    pub high_freq_factor: f64,
    /// The context the model was trained on, `L0`.
    pub original_max_positions: usize,
}

impl Default for Llama3Config {
    fn default() -> Self {
        Llama3Config {
            factor: 8.0,
            low_freq_factor: 1.0,
            high_freq_factor: 4.0,
            original_max_positions: 8192,
        }
    }
}

impl Llama3Config {
    /// Says what is wrong, if anything.
    pub fn validate(&self) -> Result<()> {
        check_factor("Llama 3", self.factor)?;
        check_trained_length(
            "Llama 3 scaling",
            self.original_max_positions,
            "8192 for Llama 3.1",
        )?;
        check_positive(
            "low_freq_factor",
            self.low_freq_factor,
            Some("1 for Llama 3.1"),
        )?;
        check_above(
            "high_freq_factor",
            self.high_freq_factor,
            ("low_freq_factor", self.low_freq_factor),
            "4 for Llama 3.1",
        )
    }

    /// Applies the scaling to default frequencies.
    pub fn scale(&self, inv_freq: &[f64]) -> Vec<f64> {
        let l0 = self.original_max_positions as f64;
        let low_wavelen = l0 / self.low_freq_factor;
        let high_wavelen = l0 / self.high_freq_factor;
        inv_freq
            .iter()
            .map(|&f| {
                let wavelen = std::f64::consts::TAU / f;
                if wavelen < high_wavelen {
                    f
                } else if wavelen > low_wavelen {
                    f / self.factor
                } else {
                    let t = (l0 / wavelen - self.low_freq_factor)
                        / (self.high_freq_factor - self.low_freq_factor);
                    (1.0 - t) * f / self.factor + t * f
                }
            })
            .collect()
    }
}
