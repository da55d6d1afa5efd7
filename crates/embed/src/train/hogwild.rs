//! The parameter matrices shared by the training threads without locks:
//! Hogwild! (Niu, Recht, Ré & Wright 2011, "HOGWILD!: A Lock-Free Approach
//! to Parallelizing Stochastic Gradient Descent").
//!
//! # The Hogwild story
//!
//! word2vec's updates are sparse: one step touches the rows of a handful of
//! words out of tens of thousands. Niu et al. show that when updates rarely
//! overlap, letting every thread read and write the shared parameters with
//! no locking at all converges like serial SGD, while any locking costs more
//! than the rare collision. word2vec C, fastText and gensim all train this
//! way. Two threads may therefore read a row while another thread adds to
//! it; a reader may see some lanes before and some after an update, and two
//! simultaneous `+=` on one value may lose one of them. Both are accepted
//! noise of the algorithm, not corruption: every value stays a finite sum of
//! finite updates, because each `f32` is read and written whole (an aligned
//! 4-byte access is single-copy atomic on every platform Rust supports).
//!
//! # What this module guarantees
//!
//! This module holds all of the trainers' `unsafe` memory access (the
//! crate docs list the rest of the crate's `unsafe`). [`Hogwild`]
//! owns one row-major matrix and hands out row slices to any number of
//! threads through `&self`. Its contract with the (crate-private) callers:
//!
//! * indices are checked: a row outside the matrix panics instead of
//!   touching memory out of bounds (ids come from our own vocabulary, so
//!   this is a bug check, never user input);
//! * a thread holds a row slice only within one update step (a few kernel
//!   calls on the same rows), and never holds a mutable slice of a row together with any other slice
//!   of the *same* matrix (the training loops read rows of one matrix while
//!   writing rows of the other, or write from a private scratch buffer);
//! * the matrix outlives every thread ([`std::thread::scope`]) and is
//!   returned to safe ownership with [`Hogwild::into_inner`] after all of
//!   them have joined.
//!
//! The remaining, deliberate, departure from Rust's memory model is the one
//! Hogwild! itself is: plain (non-atomic) accesses from several threads to
//! the same floats. Relaxed atomics would state it exactly but stop the
//! compiler from vectorising the kernels, which is the point of the exercise.

use std::cell::UnsafeCell;

/// A `rows × dim` matrix of `f32` that threads update concurrently.
pub(crate) struct Hogwild {
    data: Box<[UnsafeCell<f32>]>,
    dim: usize,
}

// SAFETY: see the module documentation. All access goes through `row` and
// `row_mut`, which bound-check; concurrent access is the Hogwild! algorithm.
unsafe impl Sync for Hogwild {}

impl Hogwild {
    /// Takes ownership of a row-major matrix of `data.len() / dim` rows.
    pub(crate) fn new(data: Vec<f32>, dim: usize) -> Self {
        let data: Box<[UnsafeCell<f32>]> = data.into_iter().map(UnsafeCell::new).collect();
        Hogwild { data, dim }
    }

    /// Number of rows.
    #[cfg(test)]
    pub(crate) fn rows(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    /// The cells of row `i`, bound-checked.
    #[inline(always)]
    fn cells(&self, i: usize) -> &[UnsafeCell<f32>] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// Row `i` for reading. Other threads may be writing it (Hogwild!).
    #[inline(always)]
    pub(crate) fn row(&self, i: usize) -> &[f32] {
        let cells = self.cells(i);
        // SAFETY: `UnsafeCell<f32>` has the layout of `f32`; the slice is in
        // bounds (checked by `cells`). Concurrent writes by other threads are
        // the Hogwild! races described in the module documentation; this
        // thread writes no row of this matrix while the slice lives.
        unsafe { std::slice::from_raw_parts(cells.as_ptr() as *const f32, cells.len()) }
    }

    /// Row `i` for updating in place. Other threads may be reading or
    /// writing it (Hogwild!).
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) fn row_mut(&self, i: usize) -> &mut [f32] {
        let cells = self.cells(i);
        // SAFETY: as in `row`; writing through `UnsafeCell` is allowed from
        // a shared reference, and this thread holds no other slice of this
        // matrix while the mutable one lives (module contract).
        unsafe { std::slice::from_raw_parts_mut(UnsafeCell::raw_get(cells.as_ptr()), cells.len()) }
    }

    /// Asks the CPU to start loading row `i` into the cache (a hint: no
    /// effect on any value). GloVe's random entries touch two rows each that
    /// are rarely cached; prefetching the next entry's rows hides that wait.
    #[inline(always)]
    pub(crate) fn prefetch(&self, i: usize) {
        let cells = self.cells(i);
        #[cfg(target_arch = "x86_64")]
        for k in (0..cells.len()).step_by(16) {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            // SAFETY: `_mm_prefetch` needs only SSE, which every x86-64 CPU
            // has; a prefetch never faults and changes no memory, and the
            // address is inside the row (bound-checked by `cells`).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(cells[k].get() as *const i8) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = cells;
    }

    /// The matrix, once every thread is done.
    pub(crate) fn into_inner(self) -> Vec<f32> {
        self.data
            .into_vec()
            .into_iter()
            .map(UnsafeCell::into_inner)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_simultaneous_writers() {
        // Two threads add to their own rows and to one shared row at the same
        // time. Own rows must come out exact; the shared row may lose updates
        // to races but must stay between one and two threads' worth of them.
        let dim = 64;
        let rounds = 20_000;
        let m = Hogwild::new(vec![0.0; 3 * dim], dim);
        std::thread::scope(|s| {
            for t in 0..2usize {
                let m = &m;
                s.spawn(move || {
                    for _ in 0..rounds {
                        for x in m.row_mut(t) {
                            *x += 1.0;
                        }
                        let seen: f32 = m.row(2).iter().sum();
                        assert!(seen.is_finite());
                        for x in m.row_mut(2) {
                            *x += 1.0;
                        }
                    }
                });
            }
        });
        assert_eq!(m.rows(), 3);
        let out = m.into_inner();
        assert!(out[..2 * dim].iter().all(|&x| x == rounds as f32));
        assert!(out[2 * dim..]
            .iter()
            .all(|&x| x >= rounds as f32 && x <= 2.0 * rounds as f32));
    }

    #[test]
    #[should_panic]
    fn out_of_range_rows_panic() {
        let m = Hogwild::new(vec![0.0; 4], 2);
        let _ = m.row(2);
    }
}
