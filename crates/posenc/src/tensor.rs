//! [`Tensor`]: the dense row-major `f32` array every table and bias is returned in,
//! and the memory check made before anything large is allocated.

use crate::error::{Error, Result};

/// A dense, row-major `f32` array with its shape.
///
/// Tables are `[positions, d]`, attention biases `[heads, q_len, k_len]`, RoPE
/// caches `[2, positions, rotary_dim / 2]` (cos then sin). The data is a plain
/// `Vec<f32>` so it can be handed to any other library without copying.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    shape: Vec<usize>,
    data: Vec<f32>,
}

impl Tensor {
    /// A tensor of zeros, after checking that it fits in memory
    /// (see [`check_fits`]); `what` names it in the error.
    pub fn zeros(what: &str, shape: &[usize]) -> Result<Tensor> {
        let n = check_fits(what, shape)?;
        Ok(Tensor {
            shape: shape.to_vec(),
            data: vec![0.0; n],
        })
    }

    /// Wraps `data`, which must hold exactly the product of `shape` values.
    pub fn from_vec(shape: &[usize], data: Vec<f32>) -> Result<Tensor> {
        let expected = shape.iter().try_fold(1usize, |a, &b| a.checked_mul(b));
        match expected {
            Some(n) if n == data.len() => Ok(Tensor {
                shape: shape.to_vec(),
                data,
            }),
            _ => Err(Error::ShapeMismatch {
                what: format!("tensor of shape {shape:?}"),
                expected: expected.unwrap_or(usize::MAX),
                got: data.len(),
            }),
        }
    }

    /// The shape, outermost axis first.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// All values, row-major.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// All values, row-major, for writing.
    pub fn data_mut(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// Gives up the shape and returns the values.
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when the tensor holds no value (some axis is 0).
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Length of the last axis (1 for a 0-d tensor).
    pub fn row_len(&self) -> usize {
        self.shape.last().copied().unwrap_or(1)
    }

    /// The `i`-th run of the last axis (row `i` of a table, counting across
    /// all leading axes), or `None` past the end.
    pub fn row(&self, i: usize) -> Option<&[f32]> {
        let w = self.row_len();
        let start = i.checked_mul(w)?;
        self.data.get(start..start.checked_add(w)?)
    }

    /// Iterates over the runs of the last axis.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, f32> {
        self.data.chunks_exact(self.row_len().max(1))
    }

    /// The value at a full index, or `None` when the index is out of range or
    /// has the wrong number of axes.
    pub fn get(&self, index: &[usize]) -> Option<f32> {
        if index.len() != self.shape.len() {
            return None;
        }
        let mut flat = 0usize;
        for (&i, &n) in index.iter().zip(&self.shape) {
            if i >= n {
                return None;
            }
            flat = flat * n + i;
        }
        self.data.get(flat).copied()
    }
}

/// Checks that an `f32` array of `shape` can be allocated, and returns its
/// number of values (see [`embedpos_base::check_fits`]); `what` names it in
/// the error.
pub fn check_fits(what: &str, shape: &[usize]) -> Result<usize> {
    Ok(embedpos_base::check_fits(what, shape)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_and_rows_follow_row_major_order() {
        let t = Tensor::from_vec(&[2, 3], vec![0., 1., 2., 3., 4., 5.]).unwrap();
        assert_eq!(t.get(&[1, 2]), Some(5.0));
        assert_eq!(t.get(&[2, 0]), None);
        assert_eq!(t.row(1), Some(&[3., 4., 5.][..]));
        assert_eq!(t.rows().count(), 2);
    }

    #[test]
    fn wrong_length_is_an_error() {
        assert!(Tensor::from_vec(&[2, 3], vec![0.0; 5]).is_err());
    }

    #[test]
    fn absurd_sizes_are_refused_before_allocating() {
        let e = Tensor::zeros("table", &[1 << 40, 1 << 20]).unwrap_err();
        assert!(e.to_string().contains("fewer positions"), "{e}");
        let e = Tensor::zeros("table", &[usize::MAX, usize::MAX]).unwrap_err();
        assert!(matches!(e, Error::TooLarge(_)));
    }
}
