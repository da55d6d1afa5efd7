//! `embedpos posenc`: positional encodings as tables, plots and analyses.
//!
//! Parses the encoding's description into an `embedpos_posenc::EncodingSpec`
//! and calls one library function per action.

use super::defaults::{show_defaults, value_name, Shown};
use super::rope_scaling::{trained_lengths, ScalingArg};
use crate::errors::with_options;
use crate::{CliError, CliResult, Global};
use embedpos_posenc::analysis::{analyze, plot::plot_all};
use embedpos_posenc::{write::save, EncodingSpec, Error, Kind, Layout, Pairing, Spacing, T5Config};
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

mirror_enum! {
    enum LayoutArg <=> Layout {
        /// sin, cos, sin, cos, ... (the paper)
        Interleaved = Interleaved,
        /// sin... | cos... (tensor2tensor, fairseq)
        Concatenated = Concatenated,
    }
}

mirror_enum! {
    enum SpacingArg <=> Spacing {
        /// base^(-2i/d)
        Paper = Paper,
        /// base^(-i/(d/2-1)), as tensor2tensor and fairseq
        Tensor2tensor = Tensor2Tensor,
    }
}

mirror_enum! {
    enum PairingArg <=> Pairing {
        /// (i, i + r/2): GPT-NeoX, Llama
        Neox = HalfSplit,
        /// (2i, 2i + 1): GPT-J, RoFormer
        Gptj = Interleaved,
    }
}

/// The encoding to build; what is not given comes from
/// `EncodingSpec::default()`.
#[derive(Debug, clap::Args)]
#[command(mut_args(show_defaults(EncodingArgs::shown(&EncodingSpec::default()))))]
struct EncodingArgs {
    /// Encoding family.
    #[arg(long, value_enum)]
    kind: KindArg,
    /// Vector width: d_model for tables, head_dim for RoPE.
    #[arg(long)]
    dim: Option<usize>,
    /// Number of positions (for biases: queries = keys = positions).
    #[arg(long, short = 'n')]
    positions: Option<usize>,
    /// First position (tables and RoPE).
    #[arg(long)]
    offset: Option<usize>,
    /// Attention heads (ALiBi, T5).
    #[arg(long)]
    heads: Option<usize>,
    /// Wavelength base (sinusoidal, RoPE).
    #[arg(long, allow_negative_numbers = true)]
    base: Option<f64>,
    /// RoPE context-extension scaling.
    #[arg(long, value_enum)]
    scaling: Option<ScalingArg>,
    /// Context-extension factor (required with --scaling other than none).
    #[arg(long, allow_negative_numbers = true, required_if_eq_any([("scaling", "linear"), ("scaling", "ntk"), ("scaling", "yarn"), ("scaling", "llama3")]))]
    factor: Option<f64>,
    /// Trained context length for ntk, yarn and llama3.
    #[arg(long)]
    original_max_positions: Option<usize>,
    /// Sinusoidal column order.
    #[arg(long, value_enum)]
    layout: Option<LayoutArg>,
    /// Sinusoidal frequency spacing.
    #[arg(long, value_enum)]
    spacing: Option<SpacingArg>,
    /// RoPE pairing of dimensions.
    #[arg(long, value_enum)]
    pairing: Option<PairingArg>,
    /// RoPE: rotate only the first R dimensions of each head (even, <= dim).
    #[arg(long)]
    rotary_dim: Option<usize>,
    /// ALiBi: mask keys after the query; T5: decoder (one-directional) buckets.
    #[arg(long)]
    causal: bool,
    /// T5 buckets.
    #[arg(long)]
    num_buckets: Option<usize>,
    /// T5: distances at or past this share the last bucket.
    #[arg(long)]
    max_distance: Option<usize>,
    /// Seed of the learned and T5 tables.
    #[arg(long)]
    seed: Option<u64>,
}

impl EncodingArgs {
    /// The defaults of the options in `base`, as `--help` shows them.
    fn shown(base: &EncodingSpec) -> Shown {
        vec![
            ("dim", base.dim.to_string()),
            ("positions", base.positions.to_string()),
            ("offset", base.offset.to_string()),
            ("heads", base.heads.to_string()),
            ("base", base.base.to_string()),
            ("scaling", value_name(ScalingArg::from(&base.scaling))),
            ("original_max_positions", trained_lengths()),
            ("layout", value_name(LayoutArg::from(base.layout))),
            ("spacing", value_name(SpacingArg::from(base.spacing))),
            ("pairing", value_name(PairingArg::from(base.pairing))),
            ("num_buckets", base.t5.num_buckets.to_string()),
            ("max_distance", base.t5.max_distance.to_string()),
            ("seed", base.seed.to_string()),
        ]
    }

    /// `EncodingSpec::default()` with the options given applied, not yet
    /// validated.
    fn unchecked_spec(&self) -> CliResult<EncodingSpec> {
        let base = EncodingSpec::default();
        let scaling = match self.scaling {
            Some(s) => s.scaling(self.factor, self.original_max_positions)?,
            None => base.scaling,
        };
        let causal = base.causal || self.causal;
        Ok(EncodingSpec {
            kind: match self.kind {
                KindArg::Sinusoidal => Kind::Sinusoidal,
                KindArg::Learned => Kind::Learned,
                KindArg::Rope => Kind::Rope,
                KindArg::Alibi => Kind::Alibi,
                KindArg::T5 => Kind::T5,
            },
            dim: self.dim.unwrap_or(base.dim),
            positions: self.positions.unwrap_or(base.positions),
            offset: self.offset.unwrap_or(base.offset),
            heads: self.heads.unwrap_or(base.heads),
            base: self.base.unwrap_or(base.base),
            layout: self.layout.map_or(base.layout, Layout::from),
            spacing: self.spacing.map_or(base.spacing, Spacing::from),
            pairing: self.pairing.map_or(base.pairing, Pairing::from),
            rotary_dim: self.rotary_dim.or(base.rotary_dim),
            scaling,
            causal,
            t5: T5Config {
                num_buckets: self.num_buckets.unwrap_or(base.t5.num_buckets),
                max_distance: self.max_distance.unwrap_or(base.t5.max_distance),
                bidirectional: !causal,
            },
            seed: self.seed.unwrap_or(base.seed),
        })
    }

    /// The encoding the options describe, validated.
    fn spec(&self) -> CliResult<EncodingSpec> {
        let spec = self.unchecked_spec()?;
        spec.validate().map_err(reported)?;
        Ok(spec)
    }
}

/// A library error as the command line reports it: with the options that
/// change what it is about.
fn reported(e: Error) -> CliError {
    let options: &[&str] = match &e {
        Error::InvalidParameter {
            name: "scaling", ..
        } => &["--kind rope", "or drop --scaling"],
        _ => &[],
    };
    with_options(e, options)
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

#[cfg(test)]
mod tests {
    use super::{Action, EncodingArgs};
    use crate::cmd::defaults::tests::{assert_shown, parse};
    use crate::Command;
    use embedpos_posenc::{EncodingSpec, Kind, Pairing, Scaling, T5Config};

    fn args(argv: &[&str]) -> EncodingArgs {
        match parse(&[&["posenc", "analyze"], argv].concat()) {
            Command::Posenc(a) => match a.action {
                Action::Analyze { enc, .. } => enc,
                _ => unreachable!("posenc analyze"),
            },
            _ => unreachable!("a posenc command"),
        }
    }

    #[test]
    fn no_option_given_is_the_library_default() {
        for (name, kind) in [
            ("sinusoidal", Kind::Sinusoidal),
            ("learned", Kind::Learned),
            ("rope", Kind::Rope),
            ("alibi", Kind::Alibi),
            ("t5", Kind::T5),
        ] {
            let want = EncodingSpec {
                kind,
                ..EncodingSpec::default()
            };
            assert_eq!(args(&["--kind", name]).spec().unwrap(), want, "{name}");
        }
    }

    #[test]
    fn options_given_override_the_defaults() {
        let spec = args(&[
            "--kind",
            "t5",
            "--dim",
            "16",
            "-n",
            "9",
            "--heads",
            "2",
            "--pairing",
            "gptj",
            "--causal",
            "--num-buckets",
            "8",
            "--seed",
            "3",
        ])
        .spec()
        .unwrap();
        let want = EncodingSpec {
            kind: Kind::T5,
            dim: 16,
            positions: 9,
            heads: 2,
            pairing: Pairing::Interleaved,
            causal: true,
            t5: T5Config {
                num_buckets: 8,
                bidirectional: false,
                ..T5Config::default()
            },
            seed: 3,
            ..EncodingSpec::default()
        };
        assert_eq!(spec, want);
        let rope = args(&["--kind", "rope", "--scaling", "linear", "--factor", "2"]);
        let spec = rope.spec().unwrap();
        assert_eq!(spec.scaling, Scaling::Linear { factor: 2.0 });
    }

    #[test]
    fn a_scaling_off_rope_names_the_options() {
        let e = args(&["--kind", "sinusoidal", "--scaling", "yarn", "--factor", "2"])
            .spec()
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with(
                "context-extension scalings apply to RoPE only; choose the rope kind or no \
                 scaling (on the command line: --kind rope, or drop --scaling)"
            ),
            "{e}"
        );
    }

    #[test]
    fn help_shows_the_library_defaults() {
        let shown = EncodingArgs::shown(&EncodingSpec::default());
        for action in ["table", "plot", "analyze"] {
            assert_shown(&["posenc", action], &shown);
        }
    }
}
