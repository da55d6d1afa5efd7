//! The vector kernels of the training inner loop — dot products and
//! `y += a·x` — and the choice, at run time, of the instruction set they
//! are compiled for.
//!
//! The kernels are written as plain loops over fixed-width lane arrays that
//! LLVM turns into SIMD code. The trick is where they are compiled: a whole
//! training thread is one generic function ([`Task::run`]) instantiated
//! twice, once through a `#[target_feature(enable = "avx2,fma")]` wrapper
//! (chosen when `is_x86_feature_detected!` says the CPU has both) and once
//! for the baseline target. Everything below the wrapper is
//! `#[inline(always)]`, so the kernels inline into it and become 8-lane
//! fused multiply-adds, while the binary still runs on any x86-64 (or other)
//! CPU. Results differ between the two instantiations only by the rounding
//! of fused vs separate multiply-add.

/// The operations a training loop needs, for one instruction set.
pub(crate) trait Kernels: Copy + Send + Sync + 'static {
    /// `a·x + y`, fused when the instruction set has FMA.
    fn madd(a: f32, x: f32, y: f32) -> f32;

    /// `Σ a_i · b_i` over the common length, with four 8-lane accumulators
    /// (see [`dot_acc`](Self::dot_acc)): the dot product of training.
    #[inline(always)]
    fn dot(a: &[f32], b: &[f32]) -> f32 {
        Self::dot_acc::<4>(a, b)
    }

    /// `Σ a_i · b_i` over the common length, with `ACC` independent 8-lane
    /// accumulators (a power of two). Blocks of `8·ACC` values go to the
    /// accumulators, what is left in blocks of 8 to the first one, the last
    /// few values to a scalar; the accumulators are then added in pairs
    /// (neighbours first), the 8 lanes as `(l0+l4 + l2+l6) + (l1+l5 + l3+l7)`,
    /// and the scalar last. More accumulators hide the latency of the adds
    /// on long rows; one suits short rows (GloVe's) and the matrix-vector
    /// products of queries. The order of the additions is fixed, so a result
    /// depends only on the kernels (fused or not), never on the CPU.
    #[inline(always)]
    fn dot_acc<const ACC: usize>(a: &[f32], b: &[f32]) -> f32 {
        const { assert!(ACC.is_power_of_two()) };
        let n = a.len().min(b.len());
        let (a, b) = (&a[..n], &b[..n]);
        let mut acc = [[0f32; 8]; ACC];
        let (ca, cb) = (a.chunks_exact(8 * ACC), b.chunks_exact(8 * ACC));
        let (mut ra, mut rb) = (ca.remainder(), cb.remainder());
        for (x, y) in ca.zip(cb) {
            for (j, lanes) in acc.iter_mut().enumerate() {
                for l in 0..8 {
                    lanes[l] = Self::madd(x[8 * j + l], y[8 * j + l], lanes[l]);
                }
            }
        }
        // (With one accumulator fewer than 8 values are left.)
        if ACC > 1 {
            let (ca, cb) = (ra.chunks_exact(8), rb.chunks_exact(8));
            (ra, rb) = (ca.remainder(), cb.remainder());
            for (x, y) in ca.zip(cb) {
                for l in 0..8 {
                    acc[0][l] = Self::madd(x[l], y[l], acc[0][l]);
                }
            }
        }
        let mut tail = 0f32;
        for (&x, &y) in ra.iter().zip(rb) {
            tail = Self::madd(x, y, tail);
        }
        let mut width = ACC;
        while width > 1 {
            width /= 2;
            for j in 0..width {
                let (x, y) = (acc[2 * j], acc[2 * j + 1]);
                acc[j] = std::array::from_fn(|l| x[l] + y[l]);
            }
        }
        let s = acc[0];
        let s4 = [s[0] + s[4], s[1] + s[5], s[2] + s[6], s[3] + s[7]];
        (s4[0] + s4[2]) + (s4[1] + s4[3]) + tail
    }

    /// `y += a · x` over the common length.
    #[inline(always)]
    fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
        let n = x.len().min(y.len());
        for (yi, &xi) in y[..n].iter_mut().zip(&x[..n]) {
            *yi = Self::madd(a, xi, *yi);
        }
    }

    /// `y += x` over the common length.
    #[inline(always)]
    fn add(x: &[f32], y: &mut [f32]) {
        let n = x.len().min(y.len());
        for (yi, &xi) in y[..n].iter_mut().zip(&x[..n]) {
            *yi += xi;
        }
    }

    /// `y *= a`.
    #[inline(always)]
    fn scale(a: f32, y: &mut [f32]) {
        for yi in y {
            *yi *= a;
        }
    }
}

/// Separate multiply and add: the baseline of every target.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Portable;

impl Kernels for Portable {
    #[inline(always)]
    fn madd(a: f32, x: f32, y: f32) -> f32 {
        a * x + y
    }
}

/// Fused multiply-add; only instantiated inside an `avx2,fma` function
/// (elsewhere `mul_add` would be a slow library call).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx2Fma;

impl Kernels for Avx2Fma {
    #[inline(always)]
    fn madd(a: f32, x: f32, y: f32) -> f32 {
        a.mul_add(x, y)
    }
}

/// `Σ a_i · b_i` over the common length in `f64`, one term after the other:
/// exact enough for a single cosine between two unit vectors (what a
/// similarity query reports), where speed does not matter.
pub(crate) fn dot_f64(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum()
}

/// The mean of rows, added one at a time into `out`: how a fastText word's
/// vector is made from its own row and its character n-gram rows
/// (`getWordVector`), and the hidden layer of CBOW and fastText.
///
/// `out` starts at zero, each row is added in turn, and [`mean`](Self::mean)
/// multiplies by `1/n`; [`sum`](Self::sum) leaves the sum.
pub(crate) struct RowMean<'a, K: Kernels> {
    out: &'a mut [f32],
    rows: usize,
    kernels: std::marker::PhantomData<K>,
}

impl<'a, K: Kernels> RowMean<'a, K> {
    /// Starts an empty sum in `out`.
    #[inline(always)]
    pub(crate) fn new(out: &'a mut [f32]) -> Self {
        out.fill(0.0);
        RowMean {
            out,
            rows: 0,
            kernels: std::marker::PhantomData,
        }
    }

    /// Adds `row` (over the common length).
    #[inline(always)]
    pub(crate) fn add(&mut self, row: &[f32]) {
        K::add(row, self.out);
        self.rows += 1;
    }

    /// Counts a row of zeros (which adds nothing to the sum).
    #[inline(always)]
    pub(crate) fn add_zeros(&mut self) {
        self.rows += 1;
    }

    /// Leaves the sum in `out`; returns the number of rows.
    #[inline(always)]
    pub(crate) fn sum(self) -> usize {
        self.rows
    }

    /// Turns the sum into the mean (`out` stays zero without rows); returns
    /// the number of rows.
    #[inline(always)]
    pub(crate) fn mean(self) -> usize {
        if self.rows > 0 {
            K::scale(1.0 / self.rows as f32, self.out);
        }
        self.rows
    }
}

/// A computation generic over the kernels: one training thread.
pub(crate) trait Task {
    /// What the computation returns.
    type Output;
    /// Runs with kernels `K`. Implementations must be `#[inline(always)]`
    /// (and so must what they call) for the instruction set of the caller
    /// of [`dispatch`] to reach the kernels.
    fn run<K: Kernels>(self) -> Self::Output;
}

/// Runs `task` with the best kernels this CPU supports.
pub(crate) fn dispatch<T: Task>(task: T) -> T::Output {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            // SAFETY: `run_avx2_fma` only requires the CPU to support AVX2
            // and FMA, which `is_x86_feature_detected!` has just confirmed.
            // (A `#[target_feature]` function can only be entered from code
            // without those features this way.)
            return unsafe { run_avx2_fma(task) };
        }
    }
    task.run::<Portable>()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn run_avx2_fma<T: Task>(task: T) -> T::Output {
    task.run::<Avx2Fma>()
}

#[cfg(target_arch = "x86_64")]
fn has_avx2_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// The name of the kernels training uses on this CPU (for reports):
/// `avx2+fma` or `portable`.
pub fn kernel_name() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            return "avx2+fma";
        }
    }
    "portable"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference_dot(a: &[f32], b: &[f32]) -> f64 {
        a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum()
    }

    fn vec_of(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| (((i as u32).wrapping_mul(2_654_435_761) ^ seed) % 2001) as f32 / 1000.0 - 1.0)
            .collect()
    }

    #[test]
    fn dot_and_axpy_match_f64_for_all_lengths() {
        struct Check;
        impl Task for Check {
            type Output = ();
            #[inline(always)]
            fn run<K: Kernels>(self) {
                for n in [0usize, 1, 7, 8, 9, 31, 32, 33, 100, 300] {
                    let a = vec_of(n, 1);
                    let b = vec_of(n, 2);
                    let want = reference_dot(&a, &b);
                    // f32 accumulation of n terms of size <= 1: error <= n·eps·Σ|ab|.
                    let tol = 1e-6
                        * (n as f64 + 1.0)
                        * a.iter()
                            .zip(&b)
                            .map(|(x, y)| (x * y).abs() as f64)
                            .sum::<f64>()
                        + 1e-9;
                    for got in [K::dot(&a, &b), Portable::dot(&a, &b), Avx2Fma::dot(&a, &b)] {
                        assert!((got as f64 - want).abs() <= tol, "n={n}: {got} vs {want}");
                    }
                    let mut y = vec_of(n, 3);
                    let y0 = y.clone();
                    K::axpy(0.5, &a, &mut y);
                    for i in 0..n {
                        assert!((y[i] as f64 - (y0[i] as f64 + 0.5 * a[i] as f64)).abs() < 1e-6);
                    }
                    K::add(&a, &mut y);
                    K::scale(2.0, &mut y);
                    for i in 0..n {
                        let w = 2.0 * (y0[i] as f64 + 1.5 * a[i] as f64);
                        assert!((y[i] as f64 - w).abs() < 1e-5);
                    }
                }
            }
        }
        dispatch(Check);
        Check.run::<Portable>();
        assert!(["avx2+fma", "portable"].contains(&kernel_name()));
    }
}
