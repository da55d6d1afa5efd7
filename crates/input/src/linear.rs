//! Matrix products for the projections, split over rayon tasks.
//!
//! Each task computes a disjoint block of rows of the output with
//! `matrixmultiply`'s kernel (through ndarray), so the result does not depend
//! on the number of threads or on scheduling: there is no cross-task sum.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

use crate::real::Real;

/// Multiply-adds per task below which splitting does not pay.
const WORK_PER_TASK: usize = 1 << 20;

/// Rows of the output per task.
fn rows_per_task(rows: usize, work_per_row: usize) -> usize {
    let by_work = WORK_PER_TASK.div_ceil(work_per_row.max(1));
    let by_threads = rows.div_ceil(4 * rayon::current_num_threads()).max(1);
    by_work.max(by_threads).clamp(1, rows.max(1))
}

/// `a · b` for `a` `[n, k]` and `b` `[k, m]` (either may be a transposed view).
pub(crate) fn matmul<T: Real>(a: ArrayView2<T>, b: ArrayView2<T>) -> Array2<T> {
    let (n, m) = (a.nrows(), b.ncols());
    let mut out = Array2::<T>::zeros((n, m));
    if n == 0 || m == 0 {
        return out;
    }
    let rows = rows_per_task(n, a.ncols() * m);
    out.axis_chunks_iter_mut(Axis(0), rows)
        .into_par_iter()
        .zip(a.axis_chunks_iter(Axis(0), rows).into_par_iter())
        .for_each(|(mut o, a)| general_mat_mul(T::one(), &a, &b, T::zero(), &mut o));
    out
}

/// `aᵀ · b` for `a` `[n, k]` and `b` `[n, m]`: the weight gradient of a
/// projection (`a` its input, `b` the gradient of its output).
pub(crate) fn matmul_tn<T: Real>(a: ArrayView2<T>, b: ArrayView2<T>) -> Array2<T> {
    matmul(a.t(), b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array;

    #[test]
    fn products_match_the_definition() {
        let a = Array::from_shape_fn((37, 5), |(i, j)| (i * 7 + j * 3) as f64 % 11.0 - 5.0);
        let b = Array::from_shape_fn((5, 9), |(i, j)| (i * 5 + j) as f64 % 7.0 - 3.0);
        let c = matmul(a.view(), b.view());
        for i in 0..37 {
            for j in 0..9 {
                let want: f64 = (0..5).map(|k| a[[i, k]] * b[[k, j]]).sum();
                assert_eq!(c[[i, j]], want);
            }
        }
        let d = Array::from_shape_fn((37, 4), |(i, j)| (i + 2 * j) as f64 % 5.0);
        let e = matmul_tn(a.view(), d.view());
        for i in 0..5 {
            for j in 0..4 {
                let want: f64 = (0..37).map(|k| a[[k, i]] * d[[k, j]]).sum();
                assert_eq!(e[[i, j]], want);
            }
        }
    }
}
