//! The hidden-layer step shared by CBOW and fastText: one hidden vector,
//! the mean (or sum) of a list of input rows, predicts a list of output
//! rows.
//!
//! `h = (1/n) Σ_r syn0[r]` over the rows `st.rows` (word2vec CBOW: the
//! context words; fastText: the word and character n-gram rows of the input
//! words, Bojanowski et al. 2017, §3.2); then, target by target as word2vec
//! C's CBOW and fastText's `Loss::forward` do, `g = alpha · (label − σ(h·v'))`,
//! `e += g·v'` and `v' += g·h`; finally `e` is added, unscaled, to every input
//! row (fastText's `Model::update` adds the same gradient to each row of the
//! input, as word2vec C's CBOW adds it to each context word).

use super::kernels::Kernels;
use super::net::{Net, ThreadState};

/// Trains `st.rows` (rows of `syn0`, repeats allowed) against `st.targets`
/// with `st.labels`; `mean` averages the input rows, otherwise they are
/// summed. Does nothing without rows.
#[inline(always)]
pub(crate) fn rows_step<K: Kernels>(net: &Net, st: &mut ThreadState, mean: bool) {
    let dim = net.dim;
    let n = st.rows.len();
    if n == 0 {
        return;
    }
    // in -> hidden
    let h = &mut st.neu1[..dim];
    h.copy_from_slice(net.syn0.row(st.rows[0] as usize));
    for &r in &st.rows[1..] {
        K::add(net.syn0.row(r as usize), h);
    }
    if mean && n > 1 {
        K::scale(1.0 / n as f32, h);
    }
    // hidden -> output, one output row at a time
    let e = &mut st.neu1e[..dim];
    e.fill(0.0);
    let h = &st.neu1[..dim];
    let mut loss = 0f32;
    for j in 0..st.targets.len() {
        let row = st.targets[j] as usize;
        let f = K::dot(h, net.out.row(row));
        let (err, l) = net.gradient(f, st.labels[j]);
        loss += l;
        let g = err * st.alpha;
        if g != 0.0 {
            K::axpy(g, net.out.row(row), e);
            K::axpy(g, h, net.out.row_mut(row));
        }
    }
    // hidden -> in
    for &r in &st.rows {
        K::add(e, net.syn0.row_mut(r as usize));
    }
    st.loss += loss as f64;
    st.pairs += st.targets.len() as u64;
}
