//! `embedpos encode`: texts + word vectors → transformer input tensor.

use super::defaults::{show_defaults, value_name, Shown};
use super::rope_scaling::{trained_lengths, ScalingArg};
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

mirror_enum! {
    enum PadArg <=> PadSide {
        Right = Right,
        Left = Left,
    }
}

impl From<&AbsoluteConfig> for PeArg {
    fn from(p: &AbsoluteConfig) -> Self {
        match p {
            AbsoluteConfig::None => PeArg::None,
            AbsoluteConfig::Sinusoidal { .. } => PeArg::Sinusoidal,
            AbsoluteConfig::Learned { .. } => PeArg::Learned,
        }
    }
}

impl From<Option<&RotaryConfig>> for RopeArg {
    fn from(r: Option<&RotaryConfig>) -> Self {
        match r.map(|r| r.pairing) {
            None => RopeArg::None,
            Some(Pairing::HalfSplit) => RopeArg::Neox,
            Some(Pairing::Interleaved) => RopeArg::Gptj,
        }
    }
}

impl From<BiasConfig> for BiasArg {
    fn from(b: BiasConfig) -> Self {
        match b {
            BiasConfig::None => BiasArg::None,
            BiasConfig::Alibi => BiasArg::Alibi,
            BiasConfig::T5 { .. } => BiasArg::T5,
        }
    }
}

/// Arguments of `embedpos encode`; what is not given comes from
/// `EncodeConfig::default()` (and, for the attention layer it may add,
/// `AttentionConfig::default()` and `RotaryConfig::default()`).
#[derive(Debug, clap::Args)]
#[command(mut_args(show_defaults(shown())))]
pub struct Args {
    /// Word vectors (word2vec .txt/.vec/.bin, GloVe, native .epv).
    #[arg(long)]
    vectors: PathBuf,
    /// Format of --vectors (text, bin, glove, epv, fasttext); default:
    /// detected from the content.
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// Absolute position encoding added to the token vectors.
    #[arg(long, value_enum)]
    pe: Option<PeArg>,
    /// Run one attention layer with RoPE of this pairing (output = attention output).
    #[arg(long, value_enum)]
    rope: Option<RopeArg>,
    /// RoPE base.
    #[arg(long)]
    rope_base: Option<f64>,
    /// RoPE context-extension scaling.
    #[arg(long, value_enum)]
    rope_scaling: Option<ScalingArg>,
    /// RoPE scaling factor (required with --rope-scaling other than none).
    #[arg(long, required_if_eq_any([("rope_scaling", "linear"), ("rope_scaling", "ntk"), ("rope_scaling", "yarn"), ("rope_scaling", "llama3")]))]
    rope_factor: Option<f64>,
    /// Trained context length for ntk, yarn and llama3.
    #[arg(long)]
    original_max_positions: Option<usize>,
    /// Run one attention layer with this bias on its logits.
    #[arg(long, value_enum)]
    bias: Option<BiasArg>,
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
    #[arg(long)]
    max_len: Option<usize>,
    /// Keep the first max-len tokens of longer texts instead of failing.
    #[arg(long)]
    truncate: bool,
    /// Which side of a short sequence gets the padding.
    #[arg(long, value_enum)]
    padding: Option<PadArg>,
    /// Prepend [BOS] to each text.
    #[arg(long)]
    bos: bool,
    /// Append [EOS] to each text.
    #[arg(long)]
    eos: bool,
    /// Position of each text's first token (to continue a sequence).
    #[arg(long)]
    offset: Option<usize>,
    /// Do not multiply the token vectors by sqrt(d_model).
    #[arg(long)]
    no_scale: bool,
    /// Do not apply LayerNorm.
    #[arg(long)]
    no_layer_norm: bool,
    /// Seed of every random draw (missing tokens, projection, learned tables).
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    text: TextOpts,
    /// Texts to encode, one sequence each; none: one per line of stdin.
    texts: Vec<String>,
    /// Write the tensor [batch, seq, d_model] here as .npy (atomically).
    #[arg(short, long)]
    output: Option<PathBuf>,
}

/// The defaults of the options, as `--help` shows them.
fn shown() -> Shown {
    let base = EncodeConfig::default();
    let attention = base.attention.unwrap_or_default();
    let rotary = attention.rope.unwrap_or_default();
    let batch = &base.input.batch;
    vec![
        ("pe", value_name(PeArg::from(&base.input.positions))),
        ("rope", value_name(RopeArg::from(attention.rope.as_ref()))),
        ("rope_base", rotary.base.to_string()),
        (
            "rope_scaling",
            value_name(ScalingArg::from(&rotary.scaling)),
        ),
        ("original_max_positions", trained_lengths()),
        ("bias", value_name(BiasArg::from(attention.bias))),
        ("max_len", batch.max_len.to_string()),
        ("padding", value_name(PadArg::from(batch.padding))),
        ("offset", base.offset.to_string()),
        ("seed", base.input.seed.to_string()),
    ]
}

impl Args {
    /// `EncodeConfig::default()` with the options given applied.
    fn config(&self) -> CliResult<EncodeConfig> {
        let base = EncodeConfig::default();
        let attention_base = base.attention.unwrap_or_default();
        let rotary_base = attention_base.rope.unwrap_or_default();
        let rope = match self.rope {
            None => attention_base.rope,
            Some(RopeArg::None) => None,
            Some(pairing @ (RopeArg::Neox | RopeArg::Gptj)) => Some(RotaryConfig {
                pairing: if matches!(pairing, RopeArg::Neox) {
                    Pairing::HalfSplit
                } else {
                    Pairing::Interleaved
                },
                base: self.rope_base.unwrap_or(rotary_base.base),
                scaling: match self.rope_scaling {
                    Some(s) => s.scaling(self.rope_factor, self.original_max_positions)?,
                    None => rotary_base.scaling,
                },
                ..rotary_base
            }),
        };
        let bias = match self.bias {
            None => attention_base.bias,
            Some(BiasArg::None) => BiasConfig::None,
            Some(BiasArg::Alibi) => BiasConfig::Alibi,
            Some(BiasArg::T5) => BiasConfig::t5(),
        };
        let causal = attention_base.causal || self.causal;
        let attention =
            if rope.is_some() || bias != BiasConfig::None || self.heads.is_some() || causal {
                Some(AttentionConfig {
                    heads: self.heads.unwrap_or(0),
                    causal,
                    rope,
                    bias,
                    seed: self.seed.unwrap_or(attention_base.seed),
                    ..attention_base
                })
            } else {
                base.attention
            };
        let input = base.input;
        let batch = input.batch;
        Ok(EncodeConfig {
            input: InputConfig {
                d_model: self.d_model.or(input.d_model),
                scale_embeddings: input.scale_embeddings && !self.no_scale,
                positions: match self.pe {
                    None => input.positions,
                    Some(PeArg::None) => AbsoluteConfig::None,
                    Some(PeArg::Sinusoidal) => AbsoluteConfig::sinusoidal(),
                    Some(PeArg::Learned) => AbsoluteConfig::Learned {
                        max_positions: None,
                    },
                },
                layer_norm: input.layer_norm && !self.no_layer_norm,
                batch: BatchConfig {
                    max_len: self.max_len.unwrap_or(batch.max_len),
                    overflow: if self.truncate {
                        Overflow::Truncate
                    } else {
                        batch.overflow
                    },
                    padding: self.padding.map_or(batch.padding, PadSide::from),
                    add_bos: batch.add_bos || self.bos,
                    add_eos: batch.add_eos || self.eos,
                },
                tokenizer: self.text.tokenizer(),
                seed: self.seed.unwrap_or(input.seed),
                ..input
            },
            attention,
            offset: self.offset.unwrap_or(base.offset),
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

#[cfg(test)]
mod tests {
    use super::{shown, Args};
    use crate::cmd::defaults::tests::{assert_shown, parse};
    use crate::Command;
    use embedpos_input::{
        AbsoluteConfig, AttentionConfig, BiasConfig, EncodeConfig, Overflow, PadSide, RotaryConfig,
    };
    use embedpos_posenc::{Pairing, Scaling};

    fn args(argv: &[&str]) -> Args {
        match parse(&[&["encode", "--vectors", "v.txt"], argv].concat()) {
            Command::Encode(a) => a,
            _ => unreachable!("an encode command"),
        }
    }

    fn config(argv: &[&str]) -> EncodeConfig {
        args(argv).config().unwrap()
    }

    #[test]
    fn no_option_given_is_the_library_default() {
        assert_eq!(config(&[]), EncodeConfig::default());
        assert_eq!(config(&["a text"]), EncodeConfig::default());
        // An attention layer asked for by one option has the library's
        // defaults elsewhere (heads 0: picked from d_model).
        let attention = AttentionConfig {
            heads: 0,
            rope: Some(RotaryConfig::default()),
            ..AttentionConfig::default()
        };
        let c = config(&["--rope", "neox"]);
        assert_eq!(c.attention, Some(attention));
        assert_eq!(c.input, EncodeConfig::default().input);
    }

    #[test]
    fn options_given_override_the_defaults() {
        let c = config(&[
            "--pe",
            "learned",
            "--rope",
            "gptj",
            "--rope-base",
            "500",
            "--rope-scaling",
            "linear",
            "--rope-factor",
            "2",
            "--bias",
            "alibi",
            "--heads",
            "2",
            "--causal",
            "--max-len",
            "9",
            "--truncate",
            "--padding",
            "left",
            "--bos",
            "--offset",
            "3",
            "--seed",
            "4",
            "--no-scale",
            "--no-layer-norm",
        ]);
        assert_eq!(
            c.input.positions,
            AbsoluteConfig::Learned {
                max_positions: None
            }
        );
        assert!(!c.input.scale_embeddings && !c.input.layer_norm);
        let b = c.input.batch;
        assert_eq!(
            (b.max_len, b.overflow, b.padding),
            (9, Overflow::Truncate, PadSide::Left)
        );
        assert!(b.add_bos && !b.add_eos);
        assert_eq!((c.offset, c.input.seed), (3, 4));
        let a = c.attention.unwrap();
        assert_eq!(
            (a.heads, a.causal, a.bias, a.seed),
            (2, true, BiasConfig::Alibi, 4)
        );
        let r = a.rope.unwrap();
        assert_eq!((r.pairing, r.base), (Pairing::Interleaved, 500.0));
        assert_eq!(r.scaling, Scaling::Linear { factor: 2.0 });
    }

    #[test]
    fn help_shows_the_library_defaults() {
        let shown = shown();
        assert_shown(&["encode"], &shown);
        let want = [
            ("pe", "sinusoidal"),
            ("rope", "none"),
            ("bias", "none"),
            ("padding", "right"),
            ("max_len", "512"),
        ];
        for (id, value) in want {
            assert!(shown.contains(&(id, value.to_string())), "{id}");
        }
    }
}
