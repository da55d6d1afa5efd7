//! Gradients and the parameters they belong to: what a backward pass returns
//! and what an optimiser ([`crate::optim`]) consumes.

use crate::error::{check_shape, Error, Result};
use crate::real::Real;

/// Checks what a backward pass was given: the cache of this layer's own
/// forward pass (`same_layer`: their signatures agree; `layer` says what
/// made it otherwise, as "an attention layer") and a gradient of shape
/// `grad` for the `output` of shape `expected`.
pub(crate) fn check_backward_args(
    layer: &str,
    same_layer: bool,
    output: &str,
    expected: &[usize],
    grad: &[usize],
) -> Result<()> {
    if !same_layer {
        return Err(Error::NoCache(format!(
            "this cache was made by {layer} of another shape; pass the cache of this layer's \
             forward pass"
        )));
    }
    check_shape(
        &format!("gradient of the {output}"),
        expected,
        grad,
        "pass the gradient of the output of the forward pass that made this cache",
    )
}

/// The gradient of a table of which a batch touches only a few rows (token
/// embeddings): the touched row ids, ascending and unique, and one row of
/// values for each.
#[derive(Debug, Clone, PartialEq)]
pub struct RowGrad<T: Real = f32> {
    width: usize,
    ids: Vec<u32>,
    values: Vec<T>,
}

impl<T: Real> RowGrad<T> {
    /// Sums `rows` (one `width`-wide row per entry of `ids`, in the same
    /// order) per id. Ids in `skip` are left out (rows that are not
    /// parameters, like `[PAD]`'s). The sum runs in the order of `ids`, so it
    /// is deterministic.
    pub(crate) fn accumulate(
        width: usize,
        ids: &[u32],
        rows: &[T],
        skip: impl Fn(u32) -> bool,
    ) -> Self {
        let mut order: Vec<usize> = (0..ids.len()).filter(|&i| !skip(ids[i])).collect();
        // stable: equal ids keep their batch order, so the sums are reproducible
        order.sort_by_key(|&i| ids[i]);
        let mut out_ids: Vec<u32> = Vec::new();
        let mut values: Vec<T> = Vec::new();
        for i in order {
            let row = &rows[i * width..(i + 1) * width];
            if out_ids.last() != Some(&ids[i]) {
                out_ids.push(ids[i]);
                values.extend_from_slice(row);
            } else {
                let start = values.len() - width;
                for (a, &b) in values[start..].iter_mut().zip(row) {
                    *a += b;
                }
            }
        }
        RowGrad {
            width,
            ids: out_ids,
            values,
        }
    }

    /// Width of each row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The touched row ids, ascending.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    /// The gradient rows, `[ids().len(), width()]`.
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// The gradient of row `id`, if the batch touched it.
    pub fn row(&self, id: u32) -> Option<&[T]> {
        let i = self.ids.binary_search(&id).ok()?;
        Some(&self.values[i * self.width..(i + 1) * self.width])
    }

    /// True when no row was touched (a frozen table, or only `[PAD]`).
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// A borrowed gradient: dense (same length as the parameter) or a few rows.
#[derive(Debug, Clone, Copy)]
pub enum Grad<'a, T: Real = f32> {
    /// One value per parameter value.
    Dense(&'a [T]),
    /// Only some rows of a `[rows, width]` table.
    Rows(&'a RowGrad<T>),
}

/// One trainable parameter with its gradient, as handed to an optimiser.
#[derive(Debug)]
pub struct Param<'a, T: Real = f32> {
    /// A name unique across the layers of a model (`input.embedding`,
    /// `attention.wq`, ...): optimisers key their state by it.
    pub name: &'static str,
    /// The values, for the optimiser to update in place.
    pub values: &'a mut [T],
    /// Their gradient.
    pub grad: Grad<'a, T>,
}

/// A layer whose parameters an optimiser can update.
pub trait Trainable<T: Real> {
    /// What the layer's backward pass returns for its parameters.
    type Grads;

    /// Every parameter that has a gradient in `grads`, paired with it. Frozen
    /// parameters are not listed, so no optimiser can change them.
    fn params<'a>(&'a mut self, grads: &'a Self::Grads) -> Vec<Param<'a, T>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_summed_per_id_in_id_order_and_skipped_ids_dropped() {
        let g = RowGrad::<f32>::accumulate(
            2,
            &[5, 0, 2, 5],
            &[1., 2., 9., 9., 3., 4., 10., 20.],
            |id| id == 0,
        );
        assert_eq!(g.ids(), [2, 5]);
        assert_eq!(g.values(), [3., 4., 11., 22.]);
        assert_eq!(g.row(5), Some(&[11., 22.][..]));
        assert_eq!(g.row(0), None);
    }
}
