//! [`EncodingSpec`]: one encoding of any family, described as data (what the
//! CLI's `--kind --dim --positions --heads --base --scaling --factor` say), and
//! the table or bias tensor it produces.

use serde::{Deserialize, Serialize};

use crate::alibi::Alibi;
use crate::error::{check_dim, Error, Result};
use crate::learned::LearnedPositions;
use crate::rope::{Llama3Config, Pairing, Rope, RopeConfig, Scaling, YarnConfig};
use crate::sinusoidal::{Layout, Sinusoidal, SinusoidalConfig, Spacing};
use crate::t5::{T5Bias, T5Config};
use crate::tensor::Tensor;

/// The encoding families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// [`Sinusoidal`] absolute table.
    Sinusoidal,
    /// [`LearnedPositions`] absolute table (freshly initialised).
    Learned,
    /// [`Rope`] rotary embedding.
    Rope,
    /// [`Alibi`] linear attention biases.
    Alibi,
    /// [`T5Bias`] bucketed relative biases (freshly initialised).
    T5,
}

impl Kind {
    /// The lowercase name used on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Sinusoidal => "sinusoidal",
            Kind::Learned => "learned",
            Kind::Rope => "rope",
            Kind::Alibi => "alibi",
            Kind::T5 => "t5",
        }
    }
}

/// Everything needed to build one encoding for `positions` positions.
///
/// `dim` is `d_model` for the tables and `head_dim` for RoPE; `heads` is read
/// by ALiBi and T5. Fields a family does not use are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EncodingSpec {
    /// Which family.
    pub kind: Kind,
    /// Vector width (`d_model`, or `head_dim` for RoPE).
    pub dim: usize,
    /// Number of positions (table rows; `q_len = k_len` for biases).
    pub positions: usize,
    /// First position (tables and RoPE only).
    pub offset: usize,
    /// Attention heads (ALiBi, T5).
    pub heads: usize,
    /// Wavelength base (sinusoidal, RoPE).
    pub base: f64,
    /// Sinusoidal column order.
    pub layout: Layout,
    /// Sinusoidal frequency spacing.
    pub spacing: Spacing,
    /// RoPE pairing.
    pub pairing: Pairing,
    /// RoPE rotary width (`None`: all of `dim`).
    pub rotary_dim: Option<usize>,
    /// RoPE scaling.
    pub scaling: Scaling,
    /// ALiBi: mask keys after the query with `-inf`.
    pub causal: bool,
    /// T5 bucketing (its `bidirectional` is taken as `!causal`).
    pub t5: T5Config,
    /// Seed of the learned and T5 tables.
    pub seed: u64,
}

impl Default for EncodingSpec {
    fn default() -> Self {
        EncodingSpec {
            kind: Kind::Sinusoidal,
            dim: 128,
            positions: 512,
            offset: 0,
            heads: 8,
            base: 10000.0,
            layout: Layout::Interleaved,
            spacing: Spacing::Paper,
            pairing: Pairing::HalfSplit,
            rotary_dim: None,
            scaling: Scaling::None,
            causal: false,
            t5: T5Config::default(),
            seed: 0,
        }
    }
}

impl EncodingSpec {
    /// Says what is wrong, if anything, by building the encoding's
    /// configuration.
    pub fn validate(&self) -> Result<()> {
        check_dim("positions", self.positions)?;
        match self.kind {
            Kind::Sinusoidal => self.sinusoidal().map(drop),
            Kind::Learned => check_dim("dim", self.dim),
            Kind::Rope => self.rope().map(drop),
            Kind::Alibi => check_dim("heads", self.heads),
            Kind::T5 => {
                check_dim("heads", self.heads)?;
                self.t5_config().validate()
            }
        }?;
        if self.scaling != Scaling::None && self.kind != Kind::Rope {
            return Err(Error::invalid(
                "scaling",
                self.scaling.name(),
                "context-extension scalings apply to RoPE only; choose the rope kind or no scaling",
            ));
        }
        Ok(())
    }

    /// The sinusoidal encoding this spec describes.
    pub fn sinusoidal(&self) -> Result<Sinusoidal> {
        Sinusoidal::new(SinusoidalConfig {
            dim: self.dim,
            base: self.base,
            layout: self.layout,
            spacing: self.spacing,
        })
    }

    /// The RoPE this spec describes (`dim` is the head width).
    pub fn rope(&self) -> Result<Rope> {
        Rope::new(RopeConfig {
            head_dim: self.dim,
            rotary_dim: self.rotary_dim,
            base: self.base,
            pairing: self.pairing,
            scaling: self.scaling,
        })
    }

    /// The T5 bucketing, bidirectional unless `causal`.
    pub fn t5_config(&self) -> T5Config {
        T5Config {
            bidirectional: !self.causal,
            ..self.t5
        }
    }

    /// The learned table (`positions` rows past `offset`), initialised from `seed`.
    pub fn learned(&self) -> Result<LearnedPositions> {
        let max_len = self.offset.checked_add(self.positions).ok_or_else(|| {
            Error::invalid(
                "offset",
                self.offset,
                "offset + positions overflows; use smaller values",
            )
        })?;
        LearnedPositions::new(max_len, self.dim, self.seed)
    }

    /// The T5 bias table, drawn with HF's T5 initialisation
    /// `std = dim^-0.5` from `seed`.
    pub fn t5_bias(&self) -> Result<T5Bias> {
        check_dim("dim", self.dim)?;
        T5Bias::random(
            self.t5_config(),
            self.heads,
            (self.dim as f32).powf(-0.5),
            self.seed,
        )
    }

    /// The tensor this spec describes, with the names of its leading axes
    /// (for CSV headers):
    ///
    /// * sinusoidal, learned: `[positions, dim]`;
    /// * RoPE: `[2, positions, rotary_dim / 2]`, cos then sin (times YaRN's
    ///   attention factor), for positions `offset ..`;
    /// * ALiBi, T5: `[heads, positions, positions]`.
    pub fn tensor(&self) -> Result<(Tensor, Vec<&'static str>)> {
        self.validate()?;
        Ok(match self.kind {
            Kind::Sinusoidal => (
                self.sinusoidal()?.table(self.offset, self.positions)?,
                vec!["position"],
            ),
            Kind::Learned => (
                self.learned()?.table(self.offset, self.positions)?,
                vec!["position"],
            ),
            Kind::Rope => {
                let end = self.offset.checked_add(self.positions).ok_or_else(|| {
                    Error::invalid(
                        "offset",
                        self.offset,
                        "offset + positions overflows; use smaller values",
                    )
                })?;
                let cache = self.rope()?.cache(end)?;
                let h = cache.rotary_dim() / 2;
                let mut data = Vec::new();
                let shape = [2, self.positions, h];
                crate::tensor::check_fits("RoPE cos/sin table", &shape)?;
                data.extend_from_slice(&cache.cos()[self.offset * h..]);
                data.extend_from_slice(&cache.sin()[self.offset * h..]);
                (Tensor::from_vec(&shape, data)?, vec!["cos_sin", "position"])
            }
            Kind::Alibi => (
                Alibi::new(self.heads, self.causal)?.bias(self.positions, self.positions)?,
                vec!["head", "query"],
            ),
            Kind::T5 => (
                self.t5_bias()?.bias(self.positions, self.positions)?,
                vec!["head", "query"],
            ),
        })
    }
}

impl Scaling {
    /// Builds a scaling from its name (`none`, `linear`, `ntk` or `dynamic`,
    /// `yarn`, `llama3`), the extension factor and the trained context length
    /// (`original_max_positions`; Llama 3 takes 8192 when it is `None`, the
    /// others 4096). Other parameters take HF's defaults.
    pub fn from_name(
        name: &str,
        factor: f64,
        original_max_positions: Option<usize>,
    ) -> Result<Scaling> {
        let l0 = |default| original_max_positions.unwrap_or(default);
        let s = match name.to_ascii_lowercase().as_str() {
            "none" => Scaling::None,
            "linear" => Scaling::Linear { factor },
            "ntk" | "dynamic" => Scaling::DynamicNtk {
                factor,
                original_max_positions: l0(4096),
            },
            "yarn" => Scaling::Yarn(YarnConfig::new(factor, l0(4096))),
            "llama3" => Scaling::Llama3(Llama3Config {
                factor,
                original_max_positions: l0(8192),
                ..Llama3Config::default()
            }),
            other => {
                return Err(Error::invalid(
                    "scaling",
                    other,
                    "use one of none, linear, ntk (dynamic NTK), yarn, llama3",
                ))
            }
        };
        Ok(s)
    }
}

/// A small spec of every kind (16 dimensions, 4 heads) over `positions`
/// positions, for the tests that go through all of them.
#[cfg(test)]
pub(crate) fn small_spec_of_every_kind(positions: usize) -> impl Iterator<Item = EncodingSpec> {
    let kinds = [
        Kind::Sinusoidal,
        Kind::Learned,
        Kind::Rope,
        Kind::Alibi,
        Kind::T5,
    ];
    kinds.into_iter().map(move |kind| EncodingSpec {
        kind,
        dim: 16,
        positions,
        heads: 4,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensors_have_the_documented_shapes() {
        for (kind, shape) in [
            (Kind::Sinusoidal, vec![10, 6]),
            (Kind::Learned, vec![10, 6]),
            (Kind::Rope, vec![2, 10, 3]),
            (Kind::Alibi, vec![3, 10, 10]),
            (Kind::T5, vec![3, 10, 10]),
        ] {
            let spec = EncodingSpec {
                kind,
                dim: 6,
                positions: 10,
                heads: 3,
                offset: 2,
                ..Default::default()
            };
            assert_eq!(spec.tensor().unwrap().0.shape(), &shape[..], "{kind:?}");
        }
    }

    #[test]
    fn rope_table_honours_the_offset() {
        let spec = EncodingSpec {
            kind: Kind::Rope,
            dim: 4,
            positions: 3,
            offset: 5,
            ..Default::default()
        };
        let t = spec.tensor().unwrap().0;
        assert!((t.get(&[0, 0, 0]).unwrap() - 5f32.cos()).abs() < 1e-7);
        assert!((t.get(&[1, 2, 0]).unwrap() - 7f32.sin()).abs() < 1e-6);
    }

    #[test]
    fn bad_specs_are_errors() {
        let bad = [
            EncodingSpec {
                positions: 0,
                ..Default::default()
            },
            EncodingSpec {
                kind: Kind::Rope,
                dim: 7,
                ..Default::default()
            },
            EncodingSpec {
                kind: Kind::Alibi,
                heads: 0,
                ..Default::default()
            },
            EncodingSpec {
                scaling: Scaling::Linear { factor: 2.0 },
                ..Default::default()
            },
        ];
        for s in bad {
            assert!(s.validate().is_err(), "{s:?}");
        }
        assert!(Scaling::from_name("cubic", 2.0, None).is_err());
        assert!(matches!(
            Scaling::from_name("ntk", 2.0, None),
            Ok(Scaling::DynamicNtk { .. })
        ));
    }
}
