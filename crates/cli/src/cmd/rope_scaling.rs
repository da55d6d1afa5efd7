//! RoPE context-extension scaling, as `posenc --scaling` and `encode
//! --rope-scaling` name it.

use super::defaults::value_name;
use crate::CliResult;
use clap::ValueEnum;
use embedpos_posenc::Scaling;

/// The scaling methods (see `embedpos_posenc::Scaling`).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ScalingArg {
    None,
    Linear,
    /// Dynamic NTK-aware scaling.
    Ntk,
    Yarn,
    Llama3,
}

impl From<&Scaling> for ScalingArg {
    fn from(s: &Scaling) -> Self {
        match s {
            Scaling::None => ScalingArg::None,
            Scaling::Linear { .. } => ScalingArg::Linear,
            Scaling::DynamicNtk { .. } => ScalingArg::Ntk,
            Scaling::Yarn(_) => ScalingArg::Yarn,
            Scaling::Llama3(_) => ScalingArg::Llama3,
        }
    }
}

/// The trained context length each scaling takes when none is given, as
/// `--help` shows it (`ntk 4096, ...`), read from `Scaling::from_name`.
pub fn trained_lengths() -> String {
    [ScalingArg::Ntk, ScalingArg::Yarn, ScalingArg::Llama3]
        .into_iter()
        .filter_map(|arg| {
            let length = match arg.scaling(None, None).ok()? {
                Scaling::DynamicNtk {
                    original_max_positions,
                    ..
                } => original_max_positions,
                Scaling::Yarn(y) => y.original_max_positions,
                Scaling::Llama3(l) => l.original_max_positions,
                Scaling::None | Scaling::Linear { .. } => return None,
            };
            Some(format!("{} {length}", value_name(arg)))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl ScalingArg {
    /// The scaling with `factor` (1 when not given) and the trained context
    /// length (the method's default when not given).
    pub fn scaling(
        self,
        factor: Option<f64>,
        original_max_positions: Option<usize>,
    ) -> CliResult<Scaling> {
        let name = self
            .to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default();
        Ok(Scaling::from_name(
            &name,
            factor.unwrap_or(1.0),
            original_max_positions,
        )?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn trained_lengths_are_the_library_defaults() {
        assert_eq!(super::trained_lengths(), "ntk 4096, yarn 4096, llama3 8192");
    }
}
