//! Context-extension scalings of RoPE frequencies, following HF transformers'
//! `modeling_rope_utils.py` (`_compute_*_parameters`). Each turns the default
//! frequencies `θ_i = base^(-2i/r)` into new ones and an attention factor that
//! multiplies cos and sin.

use serde::{Deserialize, Serialize};

use super::llama3::Llama3Config;
use super::yarn::YarnConfig;
use crate::error::{check_factor, Error, Result};

/// How RoPE frequencies are changed to run past the trained context.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Scaling {
    /// The original frequencies.
    #[default]
    None,
    /// Position interpolation (Chen et al. 2023; kaiokendev): `θ_i / factor`,
    /// as if every position were divided by `factor`.
    Linear {
        /// Context extension factor, >= 1.
        factor: f64,
    },
    /// Dynamic NTK-aware scaling (bloc97, emozilla): once the current length
    /// `L` passes the trained length `L0`, the base becomes
    /// `base · (factor · L / L0 − (factor − 1))^(r / (r − 2))`; below `L0`
    /// nothing changes. Needs `r >= 4`.
    #[serde(rename = "dynamic")]
    DynamicNtk {
        /// Context extension factor, >= 1.
        factor: f64,
        /// The length the model was trained on (`max_position_embeddings`).
        original_max_positions: usize,
    },
    /// YaRN (Peng et al. 2023): see [`YarnConfig`].
    Yarn(YarnConfig),
    /// Llama 3.1's frequency-dependent scaling: see [`Llama3Config`].
    Llama3(Llama3Config),
}

/// Frequencies and attention factor for one sequence length.
#[derive(Debug, Clone, PartialEq)]
pub struct Frequencies {
    /// `θ_i` for each of the `rotary_dim / 2` pairs.
    pub inv_freq: Vec<f64>,
    /// Multiplies cos and sin (so each of q and k), 1 except for YaRN.
    pub attention_factor: f64,
}

impl Scaling {
    /// A short name: `none`, `linear`, `dynamic`, `yarn`, `llama3`.
    pub fn name(&self) -> &'static str {
        match self {
            Scaling::None => "none",
            Scaling::Linear { .. } => "linear",
            Scaling::DynamicNtk { .. } => "dynamic",
            Scaling::Yarn(_) => "yarn",
            Scaling::Llama3(_) => "llama3",
        }
    }

    /// The extension factor (1 for `None`).
    pub fn factor(&self) -> f64 {
        match self {
            Scaling::None => 1.0,
            Scaling::Linear { factor } | Scaling::DynamicNtk { factor, .. } => *factor,
            Scaling::Yarn(y) => y.factor,
            Scaling::Llama3(l) => l.factor,
        }
    }

    /// Says what is wrong, if anything, for a rotary width `rotary_dim`.
    pub fn validate(&self, rotary_dim: usize) -> Result<()> {
        match self {
            Scaling::None => Ok(()),
            Scaling::Linear { factor } => check_factor("linear", *factor),
            Scaling::DynamicNtk {
                factor,
                original_max_positions,
            } => {
                check_factor("dynamic NTK", *factor)?;
                check_trained_length("dynamic NTK", *original_max_positions, "e.g. 4096")?;
                if rotary_dim < 4 {
                    return Err(Error::invalid(
                        "rotary_dim",
                        rotary_dim,
                        "dynamic NTK raises the base to the power r/(r-2), so it needs at least 4 rotary dimensions",
                    ));
                }
                Ok(())
            }
            Scaling::Yarn(y) => y.validate(),
            Scaling::Llama3(l) => l.validate(),
        }
    }

    /// The frequencies for rotary width `r`, base `base` and current sequence
    /// length `seq_len` (only dynamic NTK reads it). Call
    /// [`Scaling::validate`] first.
    pub fn frequencies(&self, base: f64, r: usize, seq_len: usize) -> Frequencies {
        let default = default_inv_freq(base, r);
        match self {
            Scaling::None => Frequencies {
                inv_freq: default,
                attention_factor: 1.0,
            },
            Scaling::Linear { factor } => Frequencies {
                inv_freq: default.iter().map(|f| f / factor).collect(),
                attention_factor: 1.0,
            },
            Scaling::DynamicNtk {
                factor,
                original_max_positions,
            } => {
                let l0 = *original_max_positions as f64;
                let len = (seq_len as f64).max(l0);
                let rf = r as f64;
                let new_base = base * (factor * len / l0 - (factor - 1.0)).powf(rf / (rf - 2.0));
                Frequencies {
                    inv_freq: default_inv_freq(new_base, r),
                    attention_factor: 1.0,
                }
            }
            Scaling::Yarn(y) => y.frequencies(base, r),
            Scaling::Llama3(l) => Frequencies {
                inv_freq: l.scale(&default),
                attention_factor: 1.0,
            },
        }
    }
}

/// `θ_i = base^(-2i/r)` for `i < r/2` (RoFormer eq. 15).
pub fn default_inv_freq(base: f64, r: usize) -> Vec<f64> {
    (0..r / 2)
        .map(|i| base.powf(-((2 * i) as f64) / r as f64))
        .collect()
}

/// Checks that a scaling was given the context length `l0` the model was
/// trained on (at least 1); `who` names the scaling in the message and
/// `example` gives a usual value.
pub(crate) fn check_trained_length(who: &str, l0: usize, example: &str) -> Result<()> {
    if l0 == 0 {
        return Err(Error::invalid(
            "original_max_positions",
            0,
            format!("{who} needs the trained context length ({example}), at least 1"),
        ));
    }
    Ok(())
}

/// Checks that setting `name` is a finite number > 0; `usual`, when given,
/// says what the usual value is.
pub(crate) fn check_positive(name: &'static str, value: f64, usual: Option<&str>) -> Result<()> {
    if !(value.is_finite() && value > 0.0) {
        let usual = usual.map_or(String::new(), |u| format!(" ({u})"));
        return Err(Error::invalid(
            name,
            value,
            format!("it must be a finite number > 0{usual}"),
        ));
    }
    Ok(())
}

/// Checks that setting `name` is finite and greater than setting `low_name`
/// (of value `low`); `usual` says what the usual value is.
pub(crate) fn check_above(
    name: &'static str,
    value: f64,
    (low_name, low): (&str, f64),
    usual: &str,
) -> Result<()> {
    if !(value.is_finite() && value > low) {
        return Err(Error::invalid(
            name,
            value,
            format!("it must be finite and greater than {low_name} = {low} ({usual})"),
        ));
    }
    Ok(())
}
