//! Learned absolute position embeddings (BERT, GPT-2): a trainable `[max_len, d]`
//! table whose row `p` is added to the token vector at position `p`.

use crate::error::{check_dim, Error, Result};
use crate::tensor::{check_fits, Tensor};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// A trainable table of position vectors.
///
/// Initialisation follows HF transformers' BERT (`initializer_range = 0.02`):
/// every value drawn from a normal distribution with mean 0 and standard
/// deviation 0.02 (not truncated), from a `StdRng` seeded with the given seed
/// (Box–Muller). The same seed gives the same table with the same `rand`
/// version.
///
/// A position at or past `max_len` is an error, never a silent wrap or clamp:
/// such a model has never seen that position.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedPositions {
    max_len: usize,
    dim: usize,
    weights: Vec<f32>,
}

impl LearnedPositions {
    /// The standard deviation of the default initialisation (BERT's).
    pub const DEFAULT_STD: f32 = 0.02;

    /// A `[max_len, dim]` table drawn from N(0, 0.02²) with `seed`.
    pub fn new(max_len: usize, dim: usize, seed: u64) -> Result<LearnedPositions> {
        Self::with_std(max_len, dim, Self::DEFAULT_STD, seed)
    }

    /// A `[max_len, dim]` table drawn from N(0, std²) with `seed`.
    pub fn with_std(max_len: usize, dim: usize, std: f32, seed: u64) -> Result<LearnedPositions> {
        check_dim("max_len", max_len)?;
        check_dim("dim", dim)?;
        let weights = normal_table(
            "learned position table",
            [max_len, dim],
            std,
            "the initial standard deviation must be a finite number >= 0 (BERT uses 0.02)",
            seed,
        )?;
        Ok(LearnedPositions {
            max_len,
            dim,
            weights,
        })
    }

    /// Wraps trained weights, `max_len * dim` values row by row.
    pub fn from_weights(max_len: usize, dim: usize, weights: Vec<f32>) -> Result<LearnedPositions> {
        check_dim("max_len", max_len)?;
        check_dim("dim", dim)?;
        check_table("learned table", [max_len, dim], &weights)?;
        Ok(LearnedPositions {
            max_len,
            dim,
            weights,
        })
    }

    /// Number of positions the table holds.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Width of each position vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// All weights, row by row.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// All weights, for an optimiser to update.
    pub fn weights_mut(&mut self) -> &mut [f32] {
        &mut self.weights
    }

    /// The vector of one position.
    pub fn get(&self, position: usize) -> Result<&[f32]> {
        self.check(position)?;
        Ok(&self.weights[position * self.dim..(position + 1) * self.dim])
    }

    /// Copies the vectors of `positions` into `out` (`[positions.len(), dim]`).
    pub fn lookup(&self, positions: &[usize], out: &mut [f32]) -> Result<()> {
        self.check_rows("lookup output", positions.len(), out.len())?;
        for (&p, o) in positions.iter().zip(out.chunks_exact_mut(self.dim)) {
            o.copy_from_slice(self.get(p)?);
        }
        Ok(())
    }

    /// The `[len, dim]` rows of positions `start .. start + len`.
    pub fn table(&self, start: usize, len: usize) -> Result<Tensor> {
        let end = start.saturating_add(len);
        if end > self.max_len {
            return Err(Error::PositionOutOfRange {
                position: end - 1,
                max_len: self.max_len,
            });
        }
        Tensor::from_vec(
            &[len, self.dim],
            self.weights[start * self.dim..end * self.dim].to_vec(),
        )
    }

    /// Adds the vectors of positions `start, start + 1, ...` to the rows of `x`
    /// (`[seq, dim]`).
    pub fn add_to(&self, x: &mut [f32], start: usize) -> Result<()> {
        let seq = x.len() / self.dim;
        self.check_rows("input rows", seq, x.len())?;
        for (r, row) in x.chunks_exact_mut(self.dim).enumerate() {
            for (a, b) in row.iter_mut().zip(self.get(start + r)?) {
                *a += b;
            }
        }
        Ok(())
    }

    /// Backward pass of a lookup: adds each row of `grad_out`
    /// (`[positions.len(), dim]`, the gradient of the loss with respect to the
    /// looked-up vectors) into row `positions[i]` of `grad` (`[max_len, dim]`).
    /// Repeated positions accumulate.
    pub fn accumulate_grad(
        &self,
        positions: &[usize],
        grad_out: &[f32],
        grad: &mut [f32],
    ) -> Result<()> {
        self.check_rows(
            "gradient of the looked-up rows",
            positions.len(),
            grad_out.len(),
        )?;
        if grad.len() != self.weights.len() {
            return Err(Error::ShapeMismatch {
                what: format!(
                    "gradient of the learned table [{}, {}]",
                    self.max_len, self.dim
                ),
                expected: self.weights.len(),
                got: grad.len(),
            });
        }
        for (&p, g) in positions.iter().zip(grad_out.chunks_exact(self.dim)) {
            self.check(p)?;
            for (a, b) in grad[p * self.dim..(p + 1) * self.dim].iter_mut().zip(g) {
                *a += b;
            }
        }
        Ok(())
    }

    fn check(&self, position: usize) -> Result<()> {
        if position >= self.max_len {
            return Err(Error::PositionOutOfRange {
                position,
                max_len: self.max_len,
            });
        }
        Ok(())
    }

    fn check_rows(&self, what: &str, rows: usize, got: usize) -> Result<()> {
        let expected = rows.saturating_mul(self.dim);
        if got != expected || !got.is_multiple_of(self.dim) {
            return Err(Error::ShapeMismatch {
                what: format!("{what} [{rows}, {}]", self.dim),
                expected,
                got,
            });
        }
        Ok(())
    }
}

/// Fills `out` with N(0, std²) samples (Box–Muller on a seeded `StdRng`).
/// A table of `shape` (named `what` in errors) drawn from N(0, std²) with
/// `seed`; `expected` says what `std` must be, for when it is not.
pub(crate) fn normal_table(
    what: &str,
    shape: [usize; 2],
    std: f32,
    expected: &str,
    seed: u64,
) -> Result<Vec<f32>> {
    if !(std.is_finite() && std >= 0.0) {
        return Err(Error::invalid("std", std, expected));
    }
    let mut table = vec![0.0f32; check_fits(what, &shape)?];
    fill_normal(&mut table, std, seed);
    Ok(table)
}

/// Checks that a trained table `name` of `shape` has one value per entry.
pub(crate) fn check_table(name: &str, [rows, cols]: [usize; 2], table: &[f32]) -> Result<()> {
    let expected = rows.saturating_mul(cols);
    if table.len() != expected {
        return Err(Error::ShapeMismatch {
            what: format!("{name} [{rows}, {cols}]"),
            expected,
            got: table.len(),
        });
    }
    Ok(())
}

pub(crate) fn fill_normal(out: &mut [f32], std: f32, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    for pair in out.chunks_mut(2) {
        // 1 - U in (0, 1] keeps ln() finite.
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt() * std as f64;
        let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
        pair[0] = (r * c) as f32;
        if let Some(x) = pair.get_mut(1) {
            *x = (r * s) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initialisation_has_the_documented_statistics_and_is_seeded() {
        let t = LearnedPositions::new(512, 128, 7).unwrap();
        let n = t.weights().len() as f64;
        let mean = t.weights().iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = t
            .weights()
            .iter()
            .map(|&x| (x as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        assert!(mean.abs() < 3e-4, "mean {mean}");
        assert!((var.sqrt() - 0.02).abs() < 3e-4, "std {}", var.sqrt());
        assert_eq!(t, LearnedPositions::new(512, 128, 7).unwrap());
        assert_ne!(t, LearnedPositions::new(512, 128, 8).unwrap());
    }

    #[test]
    fn past_max_len_is_a_clear_error() {
        let t = LearnedPositions::new(4, 2, 0).unwrap();
        let e = t.get(4).unwrap_err();
        assert!(e.to_string().contains("past the end"), "{e}");
        assert!(t.table(3, 2).is_err());
        assert!(t.add_to(&mut [0.0; 4], 3).is_err());
        assert!(t.lookup(&[0, 9], &mut [0.0; 4]).is_err());
        assert!(t.table(usize::MAX, 2).is_err());
    }

    #[test]
    fn gradient_accumulates_per_position() {
        let t = LearnedPositions::new(3, 2, 0).unwrap();
        let mut g = vec![0.0; 6];
        t.accumulate_grad(&[1, 1, 2], &[1., 2., 3., 4., 5., 6.], &mut g)
            .unwrap();
        assert_eq!(g, vec![0., 0., 4., 6., 5., 6.]);
        assert!(t.accumulate_grad(&[1], &[1.0], &mut g).is_err());
    }

    #[test]
    fn lookup_add_and_table_agree() {
        let t = LearnedPositions::new(10, 3, 1).unwrap();
        let mut out = vec![0.0; 6];
        t.lookup(&[4, 5], &mut out).unwrap();
        assert_eq!(out, t.table(4, 2).unwrap().into_vec());
        let mut x = vec![0.0; 6];
        t.add_to(&mut x, 4).unwrap();
        assert_eq!(x, out);
    }
}
