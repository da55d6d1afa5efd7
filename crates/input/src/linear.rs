//! Matrix products for the projections, split over rayon tasks, and
//! [`Linear`], the fully connected layer built on them.
//!
//! Each task computes a disjoint block of rows (or columns) of the output
//! with `matrixmultiply`'s kernel (through ndarray), so the result does not
//! depend on the number of threads or on scheduling: there is no cross-task
//! sum, and the kernel sums each output element over the inner dimension in
//! the same order whatever the size of its block (the model crate's tests
//! check training bit for bit across thread counts).

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

use crate::error::{check_shape, Error, Result};
use crate::real::Real;

/// Multiply-adds per task below which splitting does not pay.
const WORK_PER_TASK: usize = 1 << 20;

/// Fewest output rows (or columns) a task gets: below this the kernel packs
/// its other operand for too few rows to repay the copy (the weight
/// gradients `Xᵀ ∂Y`, with d_model rows and a long inner dimension, ran at
/// half speed when split into 16-row tasks).
const MIN_SPLIT: usize = 128;

/// Output rows (or columns) per task when `len` of them are split.
fn per_task(len: usize, work_per_line: usize) -> usize {
    let by_work = WORK_PER_TASK.div_ceil(work_per_line.max(1));
    let by_threads = len.div_ceil(4 * rayon::current_num_threads()).max(1);
    by_work.max(by_threads).max(MIN_SPLIT).clamp(1, len.max(1))
}

/// `a · b` for `a` `[n, k]` and `b` `[k, m]` (either may be a transposed
/// view). The output is split into blocks of rows (or, when it has few rows
/// and many columns, of columns), one kernel call each; a single call when
/// it is too small to split or one thread runs.
pub fn matmul<T: Real>(a: ArrayView2<T>, b: ArrayView2<T>) -> Array2<T> {
    let (n, k, m) = (a.nrows(), a.ncols(), b.ncols());
    let mut out = Array2::<T>::zeros((n, m));
    if n == 0 || m == 0 {
        return out;
    }
    let single = rayon::current_num_threads() == 1 || n * k * m < 2 * WORK_PER_TASK;
    if !single && n >= 2 * MIN_SPLIT {
        let rows = per_task(n, k * m);
        out.axis_chunks_iter_mut(Axis(0), rows)
            .into_par_iter()
            .zip(a.axis_chunks_iter(Axis(0), rows).into_par_iter())
            .for_each(|(mut o, a)| general_mat_mul(T::one(), &a, &b, T::zero(), &mut o));
    } else if !single && m >= 2 * MIN_SPLIT {
        let cols = per_task(m, k * n);
        out.axis_chunks_iter_mut(Axis(1), cols)
            .into_par_iter()
            .zip(b.axis_chunks_iter(Axis(1), cols).into_par_iter())
            .for_each(|(mut o, b)| general_mat_mul(T::one(), &a, &b, T::zero(), &mut o));
    } else {
        general_mat_mul(T::one(), &a, &b, T::zero(), &mut out);
    }
    out
}

/// `aᵀ · b` for `a` `[n, k]` and `b` `[n, m]`: the weight gradient of a
/// projection (`a` its input, `b` the gradient of its output).
pub fn matmul_tn<T: Real>(a: ArrayView2<T>, b: ArrayView2<T>) -> Array2<T> {
    matmul(a.t(), b)
}

/// A fully connected layer `y = x W + b` with `W` `[in, out]` (rows are
/// input dimensions: the orientation of GPT-2's `Conv1D`, the transpose of
/// PyTorch's `nn.Linear.weight`) and an optional bias `b` `[out]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Linear<T: Real = f32> {
    weight: Array2<T>,
    bias: Option<Vec<T>>,
}

/// Gradients of a [`Linear`] layer and of its input.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearGrads<T: Real = f32> {
    /// `∂L/∂W = xᵀ ∂y`, `[in, out]` row-major.
    pub weight: Vec<T>,
    /// `∂L/∂b = Σ_rows ∂y`, when the layer has a bias.
    pub bias: Option<Vec<T>>,
    /// `∂L/∂x = ∂y Wᵀ`, `[n, in]`.
    pub input: Array2<T>,
}

impl<T: Real> Linear<T> {
    /// A layer of the given weight `[in, out]` and bias (`out` values).
    pub fn new(weight: Array2<T>, bias: Option<Vec<T>>) -> Result<Self> {
        let (i, o) = weight.dim();
        if i == 0 || o == 0 {
            return Err(Error::config(
                "linear layer",
                format!("{i} × {o}"),
                "both widths must be at least 1",
            ));
        }
        if let Some(b) = &bias {
            check_shape("bias", &[o], &[b.len()], "pass one bias per output")?;
        }
        // a standard layout, so that `weight_mut` can hand out one slice
        let weight = if weight.is_standard_layout() {
            weight
        } else {
            weight.as_standard_layout().into_owned()
        };
        Ok(Linear { weight, bias })
    }

    /// A layer of zeros (weights, and the bias when `bias`).
    pub fn zeros(inputs: usize, outputs: usize, bias: bool) -> Result<Self> {
        embedpos_base::check_fits("linear weight", &[inputs, outputs])?;
        Self::new(
            Array2::zeros((inputs, outputs)),
            bias.then(|| vec![T::zero(); outputs]),
        )
    }

    /// Width of the input.
    pub fn inputs(&self) -> usize {
        self.weight.nrows()
    }

    /// Width of the output.
    pub fn outputs(&self) -> usize {
        self.weight.ncols()
    }

    /// `W`, `[in, out]`.
    pub fn weight(&self) -> &Array2<T> {
        &self.weight
    }

    /// `b`, if the layer has one.
    pub fn bias(&self) -> Option<&[T]> {
        self.bias.as_deref()
    }

    /// `W` row-major and `b`, for an optimiser or a loader.
    pub fn params_mut(&mut self) -> (&mut [T], Option<&mut [T]>) {
        // `new` keeps the weight in standard layout, so the slice exists
        let w = self.weight.as_slice_mut().unwrap_or_default();
        (w, self.bias.as_deref_mut())
    }

    /// `W` row-major and `b`.
    pub fn params(&self) -> (&[T], Option<&[T]>) {
        (
            self.weight.as_slice().unwrap_or_default(),
            self.bias.as_deref(),
        )
    }

    /// `x W + b` for `x` `[n, in]`.
    pub fn forward(&self, x: ArrayView2<T>) -> Result<Array2<T>> {
        check_shape(
            "linear input",
            &[x.nrows(), self.inputs()],
            x.shape(),
            "the input width must equal the layer's",
        )?;
        let mut y = matmul(x, self.weight.view());
        if let Some(b) = &self.bias {
            y.axis_iter_mut(Axis(0))
                .into_par_iter()
                .for_each(|mut row| {
                    for (o, &b) in row.iter_mut().zip(b) {
                        *o += b;
                    }
                });
        }
        Ok(y)
    }

    /// The backward pass for the forward pass on `x` whose output had
    /// gradient `dy` (`[n, out]`). The bias gradient sums the rows in order,
    /// so it is the same whatever the thread count.
    pub fn backward(&self, x: ArrayView2<T>, dy: ArrayView2<T>) -> Result<LinearGrads<T>> {
        check_shape(
            "linear input",
            &[x.nrows(), self.inputs()],
            x.shape(),
            "pass the input of the forward pass",
        )?;
        check_shape(
            "gradient of the linear output",
            &[x.nrows(), self.outputs()],
            dy.shape(),
            "pass the gradient of the output of the forward pass",
        )?;
        let bias = self.bias.as_ref().map(|_| {
            let mut db = vec![T::zero(); self.outputs()];
            for row in dy.rows() {
                for (a, &g) in db.iter_mut().zip(row.iter()) {
                    *a += g;
                }
            }
            db
        });
        Ok(LinearGrads {
            weight: matmul_tn(x, dy).into_raw_vec_and_offset().0,
            bias,
            input: matmul(dy, self.weight.t()),
        })
    }
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

    #[test]
    fn split_products_equal_the_single_call_bit_for_bit() {
        let a = Array::from_shape_fn((700, 90), |(i, j)| {
            ((i * 7 + j * 3) % 17) as f32 * 0.37 - 3.0
        });
        let b = Array::from_shape_fn((90, 300), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.41 - 2.0);
        let pool = |t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
        };
        let one = pool(1).install(|| (matmul(a.view(), b.view()), matmul(a.t(), a.view())));
        let three = pool(3).install(|| (matmul(a.view(), b.view()), matmul(a.t(), a.view())));
        let bits = |x: &Array2<f32>| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one.0), bits(&three.0));
        assert_eq!(bits(&one.1), bits(&three.1));
        // and the values are the product
        let want: f32 = (0..90).map(|k| a[[5, k]] * b[[k, 7]]).sum();
        assert!((one.0[[5, 7]] - want).abs() <= 1e-3 * want.abs().max(1.0));
    }

    #[test]
    fn linear_forward_and_backward_follow_the_definition() {
        let w = Array::from_shape_fn((3, 2), |(i, j)| (i * 2 + j) as f64 - 2.0);
        let l = Linear::new(w, Some(vec![0.5, -1.0])).unwrap();
        let x = Array::from_shape_fn((4, 3), |(i, j)| (i + j) as f64 * 0.5);
        let y = l.forward(x.view()).unwrap();
        for i in 0..4 {
            for j in 0..2 {
                let want: f64 =
                    (0..3).map(|k| x[[i, k]] * l.weight()[[k, j]]).sum::<f64>() + [0.5, -1.0][j];
                assert_eq!(y[[i, j]], want);
            }
        }
        let dy = Array::from_shape_fn((4, 2), |(i, j)| (i as f64) - (j as f64));
        let g = l.backward(x.view(), dy.view()).unwrap();
        assert_eq!(g.bias.unwrap(), [6.0, 2.0]);
        assert_eq!(g.input.dim(), (4, 3));
        assert!(l.forward(Array::zeros((2, 2)).view()).is_err());
        assert!(Linear::<f32>::new(Array2::zeros((2, 2)), Some(vec![0.0])).is_err());
    }
}
