//! The absolute position encoding added to the token vectors: none,
//! sinusoidal (Vaswani et al. 2017) or learned (BERT, GPT-2), both from
//! `embedpos-posenc`.

use std::borrow::Cow;

use embedpos_posenc::{Layout, LearnedPositions, Sinusoidal, SinusoidalConfig};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::real::Real;

/// Which absolute encoding the input layer adds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum AbsoluteConfig {
    /// Nothing: positions come from the attention (RoPE, ALiBi, T5) alone.
    None,
    /// The fixed sinusoidal table (the default).
    Sinusoidal {
        /// Wavelength base (10000 in the paper).
        #[serde(default = "default_base")]
        base: f64,
        /// Column order (interleaved sin/cos as in the paper, or concatenated).
        #[serde(default)]
        layout: Layout,
    },
    /// A trainable `[max_positions, d_model]` table, drawn from N(0, 0.02²).
    Learned {
        /// Number of positions the table holds (a position at or past it is an
        /// error); `None`: the batch's `max_len`.
        #[serde(default)]
        max_positions: Option<usize>,
    },
}

impl Default for AbsoluteConfig {
    fn default() -> Self {
        Self::sinusoidal()
    }
}

fn default_base() -> f64 {
    10000.0
}

impl AbsoluteConfig {
    /// The paper's sinusoidal encoding.
    pub fn sinusoidal() -> Self {
        AbsoluteConfig::Sinusoidal {
            base: default_base(),
            layout: Layout::Interleaved,
        }
    }

    /// A short name: `none`, `sinusoidal`, `learned`.
    pub fn name(&self) -> &'static str {
        match self {
            AbsoluteConfig::None => "none",
            AbsoluteConfig::Sinusoidal { .. } => "sinusoidal",
            AbsoluteConfig::Learned { .. } => "learned",
        }
    }
}

/// The built encoding.
#[derive(Debug, Clone)]
pub(crate) enum Absolute<T: Real> {
    None,
    /// The encoding and its table for positions `0 .. table.len() / d`.
    Sinusoidal {
        enc: Sinusoidal,
        table: Vec<T>,
    },
    /// The trainable table `[max_positions, d]`.
    Learned {
        table: Vec<T>,
        max_positions: usize,
    },
}

impl<T: Real> Absolute<T> {
    /// Builds the encoding for width `d`, caching `cached` positions of a
    /// sinusoidal table.
    pub(crate) fn new(config: &AbsoluteConfig, d: usize, cached: usize, seed: u64) -> Result<Self> {
        Ok(match *config {
            AbsoluteConfig::None => Absolute::None,
            AbsoluteConfig::Sinusoidal { base, layout } => {
                let enc = Sinusoidal::new(SinusoidalConfig {
                    dim: d,
                    base,
                    layout,
                    ..SinusoidalConfig::default()
                })?;
                let table = convert(enc.table(0, cached)?.data());
                Absolute::Sinusoidal { enc, table }
            }
            AbsoluteConfig::Learned { max_positions } => {
                let n = max_positions.unwrap_or(cached);
                let t = LearnedPositions::new(n, d, seed)?;
                Absolute::Learned {
                    table: convert(t.weights()),
                    max_positions: n,
                }
            }
        })
    }

    /// The rows of positions `0 ..= max_position`, or `None` without an
    /// encoding. A sinusoidal table past the cached range is computed for the
    /// call; a learned one refuses positions past its end.
    pub(crate) fn rows(&self, d: usize, max_position: usize) -> Result<Option<Cow<'_, [T]>>> {
        match self {
            Absolute::None => Ok(None),
            Absolute::Sinusoidal { enc, table } => {
                if max_position < table.len() / d {
                    Ok(Some(Cow::Borrowed(table)))
                } else {
                    let len = max_position.checked_add(1).ok_or_else(|| {
                        Error::config(
                            "position",
                            max_position,
                            "positions must be below usize::MAX",
                        )
                    })?;
                    Ok(Some(Cow::Owned(convert(enc.table(0, len)?.data()))))
                }
            }
            Absolute::Learned {
                table,
                max_positions,
            } => {
                if max_position >= *max_positions {
                    return Err(embedpos_posenc::Error::PositionOutOfRange {
                        position: max_position,
                        max_len: *max_positions,
                    }
                    .into());
                }
                Ok(Some(Cow::Borrowed(table)))
            }
        }
    }

    /// The learned table, if trainable.
    pub(crate) fn learned_mut(&mut self) -> Option<&mut Vec<T>> {
        match self {
            Absolute::Learned { table, .. } => Some(table),
            _ => None,
        }
    }

    /// The table, if learned.
    pub(crate) fn learned(&self) -> Option<&[T]> {
        match self {
            Absolute::Learned { table, .. } => Some(table),
            _ => None,
        }
    }
}

fn convert<T: Real>(v: &[f32]) -> Vec<T> {
    v.iter().map(|&x| T::from_f32(x)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinusoidal_rows_past_the_cache_are_computed_and_learned_ones_refused() {
        let s = Absolute::<f32>::new(&AbsoluteConfig::sinusoidal(), 4, 8, 0).unwrap();
        let cached = s.rows(4, 7).unwrap().unwrap();
        assert!(matches!(cached, Cow::Borrowed(_)));
        let far = s.rows(4, 20).unwrap().unwrap();
        assert_eq!(far.len(), 21 * 4);
        assert_eq!(&far[..32], &cached[..]);
        let l = Absolute::<f32>::new(
            &AbsoluteConfig::Learned {
                max_positions: None,
            },
            4,
            8,
            0,
        )
        .unwrap();
        assert!(l.rows(4, 7).is_ok());
        let e = l.rows(4, 8).unwrap_err();
        assert!(e.to_string().contains("past the end"), "{e}");
        assert!(Absolute::<f32>::new(&AbsoluteConfig::None, 4, 8, 0)
            .unwrap()
            .rows(4, 99)
            .unwrap()
            .is_none());
    }

    #[test]
    fn config_reads_from_json() {
        let c: AbsoluteConfig = serde_json::from_str(r#"{"kind": "sinusoidal"}"#).unwrap();
        assert_eq!(c, AbsoluteConfig::sinusoidal());
        let c: AbsoluteConfig =
            serde_json::from_str(r#"{"kind": "learned", "max_positions": 64}"#).unwrap();
        assert_eq!(
            c,
            AbsoluteConfig::Learned {
                max_positions: Some(64)
            }
        );
    }
}
