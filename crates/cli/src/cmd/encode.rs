//! `embedpos encode`: texts + word vectors → transformer input tensor.

use super::rope_scaling::ScalingArg;
use super::text_opts::TextOpts;
use super::vectors_opts::parse_format;
use crate::errors::with_options;
use crate::{CliResult, Global};
use embedpos_embed::{Embeddings, Format};
use embedpos_input::{
    encode, save_npy, AbsoluteConfig, AttentionConfig, BatchConfig, BiasConfig, EncodeConfig,
    InputConfig, Overflow, PadSide, RotaryConfig,
};
use embedpos_posenc::Pairing;
use std::io::BufRead;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PeArg {
    /// No absolute encoding.
    None,
    /// The fixed sinusoidal table (Vaswani et al.).
    Sinusoidal,
    /// A learned table (freshly drawn, N(0, 0.02²)).
    Learned,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RopeArg {
    /// No RoPE.
    None,
    /// Half-split pairs (i, i + r/2): GPT-NeoX, Llama.
    Neox,
    /// Interleaved pairs (2i, 2i + 1): GPT-J, RoFormer.
    Gptj,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum BiasArg {
    /// No bias.
    None,
    /// ALiBi linear biases.
    Alibi,
    /// T5 relative buckets (freshly drawn).
    T5,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PadArg {
    Right,
    Left,
}

/// Arguments of `embedpos encode`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Word vectors (word2vec .txt/.vec/.bin, GloVe, native .epv).
    #[arg(long)]
    vectors: PathBuf,
    /// Format of --vectors (text, bin, glove, epv, fasttext); default:
    /// detected from the content.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// Absolute position encoding added to the token vectors.
    #[arg(long, value_enum, default_value = "sinusoidal")]
    pe: PeArg,
    /// Run one attention layer with RoPE of this pairing (output = attention output).
    #[arg(long, value_enum, default_value = "none")]
    rope: RopeArg,
    /// RoPE base.
    #[arg(long, default_value_t = 10000.0)]
    rope_base: f64,
    /// RoPE context-extension scaling.
    #[arg(long, value_enum, default_value = "none")]
    rope_scaling: ScalingArg,
    /// RoPE scaling factor (required with --rope-scaling other than none).
    #[arg(long, required_if_eq_any([("rope_scaling", "linear"), ("rope_scaling", "ntk"), ("rope_scaling", "yarn"), ("rope_scaling", "llama3")]))]
    rope_factor: Option<f64>,
    /// Trained context length for ntk, yarn (default 4096) and llama3 (default 8192).
    #[arg(long)]
    original_max_positions: Option<usize>,
    /// Run one attention layer with this bias on its logits.
    #[arg(long, value_enum, default_value = "none")]
    bias: BiasArg,
    /// Attention heads (default: 8, 4, 2 or 1, whichever divides d_model).
    #[arg(long)]
    heads: Option<usize>,
    /// Causal attention (mask keys after the query).
    #[arg(long)]
    causal: bool,
    /// Width of the output (default: the vectors' width; otherwise they are projected).
    #[arg(long)]
    d_model: Option<usize>,
    /// Longest sequence, special tokens included.
    #[arg(long, default_value_t = 512)]
    max_len: usize,
    /// Keep the first max-len tokens of longer texts instead of failing.
    #[arg(long)]
    truncate: bool,
    /// Which side of a short sequence gets the padding.
    #[arg(long, value_enum, default_value = "right")]
    padding: PadArg,
    /// Prepend [BOS] to each text.
    #[arg(long)]
    bos: bool,
    /// Append [EOS] to each text.
    #[arg(long)]
    eos: bool,
    /// Position of each text's first token (to continue a sequence).
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Do not multiply the token vectors by sqrt(d_model).
    #[arg(long)]
    no_scale: bool,
    /// Do not apply LayerNorm.
    #[arg(long)]
    no_layer_norm: bool,
    /// Seed of every random draw (missing tokens, projection, learned tables).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    text: TextOpts,
    /// Texts to encode, one sequence each; none: one per line of stdin.
    texts: Vec<String>,
    /// Write the tensor [batch, seq, d_model] here as .npy (atomically).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

impl Args {
    fn config(&self) -> CliResult<EncodeConfig> {
        let rope = match self.rope {
            RopeArg::None => None,
            RopeArg::Neox | RopeArg::Gptj => Some(RotaryConfig {
                pairing: if matches!(self.rope, RopeArg::Neox) {
                    Pairing::HalfSplit
                } else {
                    Pairing::Interleaved
                },
                base: self.rope_base,
                scaling: self
                    .rope_scaling
                    .scaling(self.rope_factor, self.original_max_positions)?,
                ..RotaryConfig::default()
            }),
        };
        let bias = match self.bias {
            BiasArg::None => BiasConfig::None,
            BiasArg::Alibi => BiasConfig::Alibi,
            BiasArg::T5 => BiasConfig::t5(),
        };
        let attention =
            (rope.is_some() || bias != BiasConfig::None || self.heads.is_some() || self.causal)
                .then(|| AttentionConfig {
                    heads: self.heads.unwrap_or(0),
                    causal: self.causal,
                    rope,
                    bias,
                    seed: self.seed,
                    ..AttentionConfig::default()
                });
        Ok(EncodeConfig {
            input: InputConfig {
                d_model: self.d_model,
                scale_embeddings: !self.no_scale,
                positions: match self.pe {
                    PeArg::None => AbsoluteConfig::None,
                    PeArg::Sinusoidal => AbsoluteConfig::sinusoidal(),
                    PeArg::Learned => AbsoluteConfig::Learned {
                        max_positions: None,
                    },
                },
                layer_norm: !self.no_layer_norm,
                batch: BatchConfig {
                    max_len: self.max_len,
                    overflow: if self.truncate {
                        Overflow::Truncate
                    } else {
                        Overflow::Error
                    },
                    padding: match self.padding {
                        PadArg::Right => PadSide::Right,
                        PadArg::Left => PadSide::Left,
                    },
                    add_bos: self.bos,
                    add_eos: self.eos,
                },
                tokenizer: self.text.tokenizer(),
                seed: self.seed,
                ..InputConfig::default()
            },
            attention,
            offset: self.offset,
        })
    }
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    let config = args.config()?;
    let emb = Embeddings::load(&args.vectors, args.format)?;
    let texts = if args.texts.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .collect::<Result<Vec<String>, _>>()?
    } else {
        args.texts.clone()
    };
    let encoded = encode(&emb, &texts, &config).map_err(|e| {
        let options: &[&str] = match &e {
            embedpos_input::Error::TooLong { .. } => &["--max-len", "--truncate"],
            _ => &[],
        };
        with_options(e, options)
    })?;
    println!("{}", encoded.summary);
    if let Some(path) = &args.output {
        save_npy(path, &encoded.x)?;
        if !g.quiet {
            eprintln!(
                "wrote {} ({:?}, float32)",
                path.display(),
                encoded.x.shape()
            );
        }
    }
    Ok(())
}
