//! Cross-entropy over rows of logits, forward and backward in one pass.
//!
//! `L = (1/N) Σ_r (logsumexp(z_r) − z_r[y_r])` over the `N` rows that have a
//! target; `∂L/∂z_r = (softmax(z_r) − onehot(y_r)) / N`, and 0 on rows
//! without one (padding, the last position of a sequence).

use embedpos_input::Real;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::ops::ROWS_PER_TASK;

/// What a batch is scored against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Targets<'a> {
    /// Language modelling: position `t` predicts the token at `t + 1`, where
    /// both are real tokens and that token is not `[PAD]`; the last position
    /// of each sequence has no target.
    NextToken,
    /// Classification: one class per sequence of the batch.
    Labels(&'a [u32]),
}

/// The mean cross-entropy of `logits` (`[rows.len(), width]`) against
/// `rows`, and the number of rows with a target. With `grad`, `logits` is
/// replaced by `∂L/∂logits`. Per-row losses are summed in `f64` in row
/// order, so the result does not depend on the thread count.
pub(crate) fn cross_entropy<T: Real>(
    logits: &mut [T],
    rows: &[Option<u32>],
    grad: bool,
) -> Result<(f64, usize)> {
    let count = rows.iter().filter(|r| r.is_some()).count();
    if count == 0 || rows.is_empty() {
        return Err(Error::Data(
            "the batch has no target to score: every sequence needs at least two real tokens \
             for the next-token loss"
                .into(),
        ));
    }
    let width = logits.len() / rows.len();
    let inv = T::from_f64(1.0 / count as f64);
    let partials: Vec<f64> = logits
        .par_chunks_mut(ROWS_PER_TASK * width)
        .zip(rows.par_chunks(ROWS_PER_TASK))
        .map(|(chunk, targets)| {
            let mut sum = 0.0f64;
            for (z, &y) in chunk.chunks_exact_mut(width).zip(targets) {
                let Some(y) = y else {
                    if grad {
                        z.fill(T::zero());
                    }
                    continue;
                };
                let max = z.iter().fold(T::neg_infinity(), |m, &x| m.max(x));
                let mut s = T::zero();
                for &x in z.iter() {
                    s += (x - max).exp();
                }
                let lse = max + s.ln();
                sum += (lse - z[y as usize]).to_f64();
                if grad {
                    for x in z.iter_mut() {
                        *x = (*x - lse).exp() * inv;
                    }
                    z[y as usize] -= inv;
                }
            }
            sum
        })
        .collect();
    Ok((partials.iter().sum::<f64>() / count as f64, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_and_gradient_follow_the_definition() {
        let mut z = vec![1.0f64, 2.0, 3.0, 0.0, 0.0, 0.0, 5.0, 5.0, 5.0];
        let rows = [Some(2), None, Some(0)];
        let (loss, n) = cross_entropy(&mut z.clone(), &rows, false).unwrap();
        let lse = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln();
        let want = ((lse - 3.0) + 3f64.ln()) / 2.0;
        assert_eq!(n, 2);
        assert!((loss - want).abs() < 1e-14);
        cross_entropy(&mut z, &rows, true).unwrap();
        assert!((z[2] - ((3.0 - lse).exp() - 1.0) / 2.0).abs() < 1e-15);
        assert_eq!(&z[3..6], &[0.0; 3]);
        assert!((z[6] - (1.0 / 3.0 - 1.0) / 2.0).abs() < 1e-15);
        assert!(cross_entropy(&mut z, &[None, None, None], false).is_err());
    }
}
