//! `embedpos posenc`: positional encodings as tables, plots and analyses.
//!
//! Parses the encoding's description into an `embedpos_posenc::EncodingSpec`
//! and calls one library function per action.

use super::rope_scaling::ScalingArg;
use crate::{CliResult, Global};
use embedpos_posenc::analysis::{analyze, plot::plot_all};
use embedpos_posenc::{write::save, EncodingSpec, Kind, Layout, Pairing, Spacing, T5Config};
use std::path::PathBuf;

/// Arguments of `embedpos posenc`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Write the table ([positions, dim]), RoPE cos/sin ([2, positions, rotary_dim/2])
    /// or bias ([heads, positions, positions]) as .npy or .csv.
    Table {
        #[command(flatten)]
        enc: EncodingArgs,
        /// Output file; the extension (.npy or .csv) picks the format.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Draw PNGs: a heatmap, similarity against offset (or bias against
    /// distance), and for RoPE the wavelengths under each scaling.
    Plot {
        #[command(flatten)]
        enc: EncodingArgs,
        /// Folder for the PNGs (created if missing).
        #[arg(short, long, default_value = ".")]
        output: PathBuf,
    },
    /// Measure the encoding: wavelengths, similarity against offset, closest
    /// pair of positions in f64 and f32, relative-offset property.
    Analyze {
        #[command(flatten)]
        enc: EncodingArgs,
        /// Print the report as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum KindArg {
    Sinusoidal,
    Learned,
    Rope,
    Alibi,
    T5,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LayoutArg {
    /// sin, cos, sin, cos, ... (the paper)
    Interleaved,
    /// sin... | cos... (tensor2tensor, fairseq)
    Concatenated,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SpacingArg {
    /// base^(-2i/d)
    Paper,
    /// base^(-i/(d/2-1)), as tensor2tensor and fairseq
    Tensor2tensor,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PairingArg {
    /// (i, i + r/2): GPT-NeoX, Llama
    Neox,
    /// (2i, 2i + 1): GPT-J, RoFormer
    Gptj,
}

/// The encoding to build.
#[derive(Debug, clap::Args)]
struct EncodingArgs {
    /// Encoding family.
    #[arg(long, value_enum)]
    kind: KindArg,
    /// Vector width: d_model for tables, head_dim for RoPE.
    #[arg(long, default_value_t = 128)]
    dim: usize,
    /// Number of positions (for biases: queries = keys = positions).
    #[arg(long, short = 'n', default_value_t = 512)]
    positions: usize,
    /// First position (tables and RoPE).
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Attention heads (ALiBi, T5).
    #[arg(long, default_value_t = 8)]
    heads: usize,
    /// Wavelength base (sinusoidal, RoPE).
    #[arg(long, default_value_t = 10000.0, allow_negative_numbers = true)]
    base: f64,
    /// RoPE context-extension scaling.
    #[arg(long, value_enum, default_value = "none")]
    scaling: ScalingArg,
    /// Context-extension factor (required with --scaling other than none).
    #[arg(long, allow_negative_numbers = true, required_if_eq_any([("scaling", "linear"), ("scaling", "ntk"), ("scaling", "yarn"), ("scaling", "llama3")]))]
    factor: Option<f64>,
    /// Trained context length for ntk, yarn (default 4096) and llama3 (default 8192).
    #[arg(long)]
    original_max_positions: Option<usize>,
    /// Sinusoidal column order.
    #[arg(long, value_enum, default_value = "interleaved")]
    layout: LayoutArg,
    /// Sinusoidal frequency spacing.
    #[arg(long, value_enum, default_value = "paper")]
    spacing: SpacingArg,
    /// RoPE pairing of dimensions.
    #[arg(long, value_enum, default_value = "neox")]
    pairing: PairingArg,
    /// RoPE: rotate only the first R dimensions of each head (even, <= dim).
    #[arg(long)]
    rotary_dim: Option<usize>,
    /// ALiBi: mask keys after the query; T5: decoder (one-directional) buckets.
    #[arg(long)]
    causal: bool,
    /// T5 buckets.
    #[arg(long, default_value_t = 32)]
    num_buckets: usize,
    /// T5: distances at or past this share the last bucket.
    #[arg(long, default_value_t = 128)]
    max_distance: usize,
    /// Seed of the learned and T5 tables.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

impl EncodingArgs {
    fn spec(&self) -> CliResult<EncodingSpec> {
        let scaling = self
            .scaling
            .scaling(self.factor, self.original_max_positions)?;
        let spec = EncodingSpec {
            kind: match self.kind {
                KindArg::Sinusoidal => Kind::Sinusoidal,
                KindArg::Learned => Kind::Learned,
                KindArg::Rope => Kind::Rope,
                KindArg::Alibi => Kind::Alibi,
                KindArg::T5 => Kind::T5,
            },
            dim: self.dim,
            positions: self.positions,
            offset: self.offset,
            heads: self.heads,
            base: self.base,
            layout: match self.layout {
                LayoutArg::Interleaved => Layout::Interleaved,
                LayoutArg::Concatenated => Layout::Concatenated,
            },
            spacing: match self.spacing {
                SpacingArg::Paper => Spacing::Paper,
                SpacingArg::Tensor2tensor => Spacing::Tensor2Tensor,
            },
            pairing: match self.pairing {
                PairingArg::Neox => Pairing::HalfSplit,
                PairingArg::Gptj => Pairing::Interleaved,
            },
            rotary_dim: self.rotary_dim,
            scaling,
            causal: self.causal,
            t5: T5Config {
                num_buckets: self.num_buckets,
                max_distance: self.max_distance,
                bidirectional: !self.causal,
            },
            seed: self.seed,
        };
        spec.validate()?;
        Ok(spec)
    }
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    match args.action {
        Action::Table { enc, output } => {
            let (tensor, axes) = enc.spec()?.tensor()?;
            save(&output, &tensor, &axes)?;
            if !g.quiet {
                eprintln!("wrote {:?} f32 to {}", tensor.shape(), output.display());
            }
        }
        Action::Plot { enc, output } => {
            for path in plot_all(&enc.spec()?, &output)? {
                println!("{}", path.display());
            }
        }
        Action::Analyze { enc, json } => {
            let report = analyze(&enc.spec()?)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{report}");
            }
        }
    }
    Ok(())
}
