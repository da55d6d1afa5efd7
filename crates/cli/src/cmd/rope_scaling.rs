//! RoPE context-extension scaling, as `posenc --scaling` and `encode
//! --rope-scaling` name it.

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
