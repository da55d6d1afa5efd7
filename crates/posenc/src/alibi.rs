//! ALiBi (Press, Smith, Lewis 2022, "Train Short, Test Long: Attention with
//! Linear Biases Enables Input Length Extrapolation").
//!
//! No position vectors: head `h` adds `−m_h · |i − j|` to the attention logit of
//! query `i` and key `j`. For `n` heads, a power of two, the slopes are the
//! geometric sequence `m_h = 2^(−8(h+1)/n)` (1/2, 1/4, ..., 1/256 for 8
//! heads). For other `n`, the paper's rule: take the `2^⌊log2 n⌋` slopes of the
//! nearest lower power of two, then the missing ones from the sequence for
//! twice that power, every other one (`[0::2]`), so the new slopes fall
//! between the existing ones.

use crate::error::{check_dim, Error, Result};
use crate::tensor::Tensor;

/// The ALiBi slopes of `heads` heads, in head order.
pub fn alibi_slopes(heads: usize) -> Result<Vec<f64>> {
    check_dim("heads", heads)?;
    Ok(slopes(heads))
}

fn slopes(n: usize) -> Vec<f64> {
    let power_of_two = |n: usize| -> Vec<f64> {
        (1..=n)
            .map(|i| (-8.0 * i as f64 / n as f64).exp2())
            .collect()
    };
    if n.is_power_of_two() {
        return power_of_two(n);
    }
    let closest = 1usize << n.ilog2();
    let mut s = power_of_two(closest);
    s.extend(slopes(2 * closest).into_iter().step_by(2).take(n - closest));
    s
}

/// ALiBi for a number of heads, with its slopes computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct Alibi {
    slopes: Vec<f64>,
    causal: bool,
}

impl Alibi {
    /// ALiBi for `heads` heads. `causal`: keys after the query get `−∞` (the
    /// causal mask folded into the bias, as decoder models need it); otherwise
    /// the bias is symmetric in `i − j` (bidirectional, as in encoders).
    pub fn new(heads: usize, causal: bool) -> Result<Alibi> {
        Ok(Alibi {
            slopes: alibi_slopes(heads)?,
            causal,
        })
    }

    /// The per-head slopes.
    pub fn slopes(&self) -> &[f64] {
        &self.slopes
    }

    /// Number of heads.
    pub fn heads(&self) -> usize {
        self.slopes.len()
    }

    /// Whether future keys are masked.
    pub fn causal(&self) -> bool {
        self.causal
    }

    /// The `[heads, q_len, k_len]` bias. Queries are the last `q_len` of the
    /// `k_len` positions (query `i` sits at position `k_len − q_len + i`), which
    /// covers both full self-attention (`q_len = k_len`) and decoding with a
    /// key/value cache.
    pub fn bias(&self, q_len: usize, k_len: usize) -> Result<Tensor> {
        check_lengths(q_len, k_len)?;
        let mut t = Tensor::zeros("ALiBi bias", &[self.heads(), q_len, k_len])?;
        self.fill(q_len, k_len, t.data_mut())?;
        Ok(t)
    }

    /// Writes the bias into `out` (`[heads, q_len, k_len]`).
    pub fn fill(&self, q_len: usize, k_len: usize, out: &mut [f32]) -> Result<()> {
        check_lengths(q_len, k_len)?;
        let expected = self
            .heads()
            .checked_mul(q_len)
            .and_then(|n| n.checked_mul(k_len))
            .unwrap_or(usize::MAX);
        if out.len() != expected {
            return Err(Error::ShapeMismatch {
                what: format!("ALiBi bias [{}, {q_len}, {k_len}]", self.heads()),
                expected,
                got: out.len(),
            });
        }
        if expected == 0 {
            return Ok(());
        }
        let shift = k_len - q_len;
        for (head, &m) in out.chunks_exact_mut(q_len * k_len).zip(&self.slopes) {
            for (i, row) in head.chunks_exact_mut(k_len).enumerate() {
                let qi = shift + i;
                for (j, o) in row.iter_mut().enumerate() {
                    *o = if self.causal && j > qi {
                        f32::NEG_INFINITY
                    } else {
                        // 0 - x: the diagonal is +0, not -0
                        (0.0 - m * qi.abs_diff(j) as f64) as f32
                    };
                }
            }
        }
        Ok(())
    }
}

/// Queries must not outnumber keys: each query is one of the key positions.
pub(crate) fn check_lengths(q_len: usize, k_len: usize) -> Result<()> {
    if q_len > k_len {
        return Err(Error::invalid(
            "q_len",
            q_len,
            format!(
                "queries are the last q_len of the k_len = {k_len} key positions, so q_len must be at most k_len"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_heads_match_the_paper() {
        let s = alibi_slopes(8).unwrap();
        let want: Vec<f64> = (1..=8).map(|i| 0.5f64.powi(i)).collect();
        assert_eq!(s, want);
    }

    #[test]
    fn twelve_heads_interleave_sixteen() {
        let s = alibi_slopes(12).unwrap();
        let s8 = alibi_slopes(8).unwrap();
        let s16 = alibi_slopes(16).unwrap();
        assert_eq!(&s[..8], &s8[..]);
        assert_eq!(&s[8..], &[s16[0], s16[2], s16[4], s16[6]]);
    }

    #[test]
    fn bias_values_and_causal_mask() {
        let a = Alibi::new(2, true).unwrap();
        let b = a.bias(2, 3).unwrap();
        // head 0, slope 1/16; query 0 sits at position 1
        assert_eq!(b.get(&[0, 0, 0]), Some(-1.0 / 16.0));
        assert_eq!(b.get(&[0, 0, 1]), Some(0.0));
        assert_eq!(b.get(&[0, 0, 2]), Some(f32::NEG_INFINITY));
        assert_eq!(b.get(&[1, 1, 0]), Some(-2.0 / 256.0));
        let bi = Alibi::new(2, false).unwrap().bias(3, 3).unwrap();
        assert_eq!(bi.get(&[0, 0, 2]), bi.get(&[0, 2, 0]));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(Alibi::new(0, true).is_err());
        let a = Alibi::new(4, false).unwrap();
        assert!(a.bias(3, 2).is_err());
        assert!(a.fill(2, 2, &mut [0.0; 3]).is_err());
        assert!(a.bias(1 << 40, 1 << 40).is_err());
    }
}
