//! [`ModelConfig`]: the architecture of a [`crate::Model`], a plain serde
//! struct saved beside every checkpoint.

use embedpos_input::{
    AbsoluteConfig, AttentionConfig, BatchConfig, BiasConfig, InputConfig, ProjectionMode,
    RotaryConfig,
};
use embedpos_tokenize::Tokenizer;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How a classification head turns a sequence of hidden states into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pooling {
    /// The mean over the real tokens (padding left out).
    #[default]
    Mean,
    /// The first real token (BERT's `[CLS]` when the batch adds `[BOS]`).
    First,
    /// The last real token (what a causal model has seen the whole sequence
    /// at).
    Last,
}

/// Which head the model ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Head {
    /// A language-model head: `logits = h Wᵀ`, `W` `[vocab, d_model]`, no
    /// bias (GPT-2), trained on the next token.
    Lm {
        /// `W` is the token embedding table itself (Press & Wolf 2017, GPT-2).
        /// Needs token vectors of width `d_model` (no projection).
        #[serde(default = "yes")]
        tie_embeddings: bool,
    },
    /// A sequence-classification head: `logits = pool(h) W + b`, `W`
    /// `[d_model, classes]`.
    Classify {
        /// Number of classes (at least 2).
        classes: usize,
        /// How the sequence is pooled.
        #[serde(default)]
        pooling: Pooling,
    },
}

fn yes() -> bool {
    true
}

impl Default for Head {
    fn default() -> Self {
        Head::Lm {
            tie_embeddings: true,
        }
    }
}

/// The architecture of a [`crate::Model`]; `Default`: a tiny GPT-2-like
/// decoder (2 layers, d_model 64, 4 heads, MLP 4 × d_model, learned positions
/// over a 128-token context, tied LM head, dropout 0.1).
///
/// Every field has a default, so a JSON config may name only what differs;
/// unknown fields are errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// Width of the residual stream.
    pub d_model: usize,
    /// Number of transformer blocks.
    pub layers: usize,
    /// Attention heads per block; must divide `d_model`.
    pub heads: usize,
    /// Width of the MLP's hidden layer; `None`: `4 · d_model`.
    pub d_ff: Option<usize>,
    /// Mask keys after the query (a decoder). The LM head needs it.
    pub causal: bool,
    /// The absolute encoding added at the input.
    pub positions: AbsoluteConfig,
    /// RoPE on every block's queries and keys.
    pub rope: Option<RotaryConfig>,
    /// ALiBi or T5 biases on every block's attention logits (a T5 table per
    /// block).
    pub bias: BiasConfig,
    /// Drop probability of the embedding output and of each residual branch
    /// (attention output, MLP output) in training; the attention weights are
    /// not dropped.
    pub dropout: f64,
    /// ε of every LayerNorm (PyTorch's 1e-5).
    pub layer_norm_eps: f64,
    /// Multiply the token vectors by √d_model (Vaswani et al.; GPT-2 does
    /// not).
    pub scale_embeddings: bool,
    /// When the token vectors go through a learned projection to `d_model`.
    pub projection: ProjectionMode,
    /// Keep the token vectors (and a tied LM head) as they are in training.
    pub freeze_embeddings: bool,
    /// The head.
    pub head: Head,
    /// Standard deviation of the weights drawn at initialisation (GPT-2:
    /// 0.02).
    pub init_std: f64,
    /// Padding, context length (`max_len`) and special tokens of batches.
    pub batch: BatchConfig,
    /// How texts become tokens.
    pub tokenizer: Tokenizer,
    /// Seed of every draw (weights, dropout masks).
    pub seed: u64,
    /// Names of the classes of a classifier, in class order (for printing;
    /// empty: unnamed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            d_model: 64,
            layers: 2,
            heads: 4,
            d_ff: None,
            causal: true,
            positions: AbsoluteConfig::Learned {
                max_positions: None,
            },
            rope: None,
            bias: BiasConfig::None,
            dropout: 0.1,
            layer_norm_eps: 1e-5,
            scale_embeddings: false,
            projection: ProjectionMode::Auto,
            freeze_embeddings: false,
            head: Head::default(),
            init_std: 0.02,
            batch: BatchConfig {
                max_len: 128,
                ..BatchConfig::default()
            },
            tokenizer: Tokenizer::default(),
            seed: 0,
            labels: Vec::new(),
        }
    }
}

impl ModelConfig {
    /// Width of the MLP's hidden layer.
    pub fn d_ff(&self) -> usize {
        self.d_ff.unwrap_or(4 * self.d_model)
    }

    /// The context length: the longest sequence a batch may hold.
    pub fn context(&self) -> usize {
        self.batch.max_len
    }

    /// Says what is wrong, if anything, for token vectors of width
    /// `vector_dim`.
    pub fn validate(&self, vector_dim: usize) -> Result<()> {
        if self.layers == 0 {
            return Err(Error::config(
                "layers",
                0,
                "a model needs at least one block",
            ));
        }
        if self.d_ff() == 0 {
            return Err(Error::config("d_ff", 0, "the MLP needs at least one unit"));
        }
        if !(self.init_std.is_finite() && self.init_std > 0.0) {
            return Err(Error::config(
                "init_std",
                self.init_std,
                "it must be a finite number > 0 (GPT-2 uses 0.02)",
            ));
        }
        self.attention(0).validate()?;
        self.input().validate(vector_dim)?;
        if let AbsoluteConfig::Learned {
            max_positions: Some(p),
        } = self.positions
        {
            if p < self.context() {
                return Err(Error::config(
                    "positions.max_positions",
                    p,
                    format!(
                        "the learned table must hold every position of the context \
                         (batch.max_len = {}); raise max_positions or lower max_len",
                        self.context()
                    ),
                ));
            }
        }
        match self.head {
            Head::Lm { tie_embeddings } => {
                if !self.causal {
                    return Err(Error::config(
                        "causal",
                        false,
                        "the language-model head is trained on the next token, which a \
                         bidirectional model can see; set causal to true",
                    ));
                }
                if tie_embeddings && vector_dim != self.d_model {
                    return Err(Error::config(
                        "head.tie_embeddings",
                        true,
                        format!(
                            "a tied head reuses the token table, whose rows are {vector_dim} wide, \
                             as the output layer of a {}-wide model; untie the head or use \
                             vectors of width d_model",
                            self.d_model
                        ),
                    ));
                }
            }
            Head::Classify { classes, .. } => {
                if classes < 2 {
                    return Err(Error::config(
                        "head.classes",
                        classes,
                        "a classifier needs at least 2 classes",
                    ));
                }
                if !self.labels.is_empty() && self.labels.len() != classes {
                    return Err(Error::config(
                        "labels",
                        format!("{:?}", self.labels),
                        format!("name each of the {classes} classes once, or none"),
                    ));
                }
            }
        }
        if !self.labels.is_empty() && matches!(self.head, Head::Lm { .. }) {
            return Err(Error::config(
                "labels",
                format!("{:?}", self.labels),
                "a language model has no classes to name",
            ));
        }
        Ok(())
    }

    /// The settings of the input crate's layer the model starts with: no
    /// LayerNorm there (each block normalises its own input, GPT-2's
    /// pre-LN), the model's dropout and seed.
    pub fn input(&self) -> InputConfig {
        InputConfig {
            d_model: Some(self.d_model),
            projection: self.projection,
            scale_embeddings: self.scale_embeddings,
            positions: self.positions,
            layer_norm: false,
            layer_norm_eps: self.layer_norm_eps,
            layer_norm_affine: true,
            dropout: self.dropout,
            freeze_embeddings: self.freeze_embeddings,
            batch: self.batch,
            tokenizer: self.tokenizer.clone(),
            seed: self.seed,
        }
    }

    /// The settings of block `layer`'s attention.
    pub fn attention(&self, layer: usize) -> AttentionConfig {
        AttentionConfig {
            d_model: self.d_model,
            heads: self.heads,
            causal: self.causal,
            rope: self.rope,
            bias: self.bias,
            seed: embedpos_base::splitmix64(self.seed ^ (0xb10c_0000 + layer as u64)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(c: ModelConfig, vector_dim: usize) -> String {
        c.validate(vector_dim).unwrap_err().to_string()
    }

    #[test]
    fn bad_configs_are_rejected_in_words() {
        let ok = ModelConfig::default();
        assert!(ok.validate(64).is_ok());
        let e = err(
            ModelConfig {
                heads: 5,
                ..ok.clone()
            },
            64,
        );
        assert!(e.contains("must divide d_model = 64"), "{e}");
        let e = err(
            ModelConfig {
                d_model: 12,
                heads: 4,
                rope: Some(RotaryConfig::default()),
                head: Head::Lm {
                    tie_embeddings: false,
                },
                ..ok.clone()
            },
            12,
        );
        assert!(e.contains("head_dim must be even"), "{e}");
        let e = err(
            ModelConfig {
                positions: AbsoluteConfig::Learned {
                    max_positions: Some(16),
                },
                ..ok.clone()
            },
            64,
        );
        assert!(
            e.contains("max_positions = 16") && e.contains("max_len = 128"),
            "{e}"
        );
        let e = err(
            ModelConfig {
                projection: ProjectionMode::Never,
                head: Head::Lm {
                    tie_embeddings: false,
                },
                ..ok.clone()
            },
            50,
        );
        assert!(
            e.contains("vectors of dimension 50 cannot feed d_model = 64"),
            "{e}"
        );
        let e = err(ok.clone(), 50);
        assert!(e.contains("tie_embeddings"), "{e}");
        let e = err(
            ModelConfig {
                causal: false,
                ..ok.clone()
            },
            64,
        );
        assert!(e.contains("set causal to true"), "{e}");
        let e = err(
            ModelConfig {
                head: Head::Classify {
                    classes: 1,
                    pooling: Pooling::Mean,
                },
                ..ok.clone()
            },
            64,
        );
        assert!(e.contains("at least 2 classes"), "{e}");
        assert!(err(
            ModelConfig {
                layers: 0,
                ..ok.clone()
            },
            64
        )
        .contains("layers = 0"));
        assert!(err(
            ModelConfig {
                dropout: 1.0,
                ..ok.clone()
            },
            64
        )
        .contains("dropout"));
    }

    #[test]
    fn config_round_trips_through_json_and_rejects_unknown_fields() {
        let c = ModelConfig {
            rope: Some(RotaryConfig::default()),
            bias: BiasConfig::t5(),
            head: Head::Classify {
                classes: 3,
                pooling: Pooling::First,
            },
            ..Default::default()
        };
        let json = serde_json::to_string_pretty(&c).unwrap();
        assert_eq!(serde_json::from_str::<ModelConfig>(&json).unwrap(), c);
        let partial: ModelConfig =
            serde_json::from_str(r#"{"layers": 3, "head": {"kind": "lm"}}"#).unwrap();
        assert_eq!(partial.layers, 3);
        assert_eq!(partial.head, Head::default());
        assert!(serde_json::from_str::<ModelConfig>(r#"{"layer": 3}"#).is_err());
    }
}
