//! Inverted dropout (Srivastava et al. 2014): in training each value is zeroed
//! with probability `p` and the others scaled by `1 / (1 − p)`, so eval mode
//! is the identity.
//!
//! The keep/drop decision is a hash of (seed, step, sequence, position, column)
//! rather than a draw from a stateful generator: the same seed and step give
//! the same mask whatever the number of threads, the backward pass recomputes
//! the mask instead of storing it, and a real token's mask does not change with
//! the amount of padding around it.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::init::splitmix64;
use crate::real::Real;

/// Whether a forward pass trains (dropout on) or evaluates (dropout off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Mode {
    /// Dropout off: the output depends on the inputs only.
    #[default]
    Eval,
    /// Dropout on, with the masks of training step `step` (pass a new step
    /// for each batch, e.g. the optimiser's step count).
    Train {
        /// Selects the dropout masks.
        step: u64,
    },
}

/// The dropout of one layer: its probability and the seed its masks are
/// hashed from (give each dropout site of a model its own seed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dropout {
    p: f64,
    seed: u64,
}

impl Dropout {
    /// Drop probability `p` in [0, 1).
    pub fn new(p: f64, seed: u64) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::config(
                "dropout",
                p,
                "the drop probability must be in [0, 1) (BERT uses 0.1; 0 turns dropout off)",
            ));
        }
        Ok(Dropout { p, seed })
    }

    /// The drop probability.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// The per-row mask source in `mode`, or `None` when nothing is dropped.
    pub fn rows(&self, mode: Mode) -> Option<RowMask> {
        match mode {
            Mode::Train { step } if self.p > 0.0 => Some(RowMask {
                key: splitmix64(self.seed ^ splitmix64(step)),
                threshold: (self.p * (1u64 << 53) as f64) as u64,
                scale: 1.0 / (1.0 - self.p),
            }),
            _ => None,
        }
    }
}

/// The mask of one forward pass. Applying it again to the gradient of a row
/// is that row's backward pass (the mask is recomputed, not stored).
#[derive(Debug, Clone, Copy)]
pub struct RowMask {
    key: u64,
    threshold: u64,
    scale: f64,
}

impl RowMask {
    /// Multiplies `row` (sequence `b`, position `pos`) by its mask.
    #[inline]
    pub fn apply<T: Real>(&self, row: &mut [T], b: usize, pos: usize) {
        let base = splitmix64(self.key ^ splitmix64((b as u64) << 32 ^ pos as u64));
        let scale = T::from_f64(self.scale);
        for (j, x) in row.iter_mut().enumerate() {
            let u = splitmix64(base ^ j as u64) >> 11;
            *x = if u < self.threshold {
                T::zero()
            } else {
                *x * scale
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_about_p_and_keeps_the_expectation() {
        let d = Dropout::new(0.25, 3).unwrap();
        let m = d.rows(Mode::Train { step: 1 }).unwrap();
        let mut row = vec![1.0f64; 100_000];
        m.apply(&mut row, 0, 0);
        let zeros = row.iter().filter(|&&x| x == 0.0).count() as f64 / 1e5;
        let mean = row.iter().sum::<f64>() / 1e5;
        assert!(
            (zeros - 0.25).abs() < 0.01 && (mean - 1.0).abs() < 0.02,
            "{zeros} {mean}"
        );
        assert!(d.rows(Mode::Eval).is_none());
        assert!(Dropout::new(1.0, 0).is_err() && Dropout::new(-0.1, 0).is_err());
    }
}
