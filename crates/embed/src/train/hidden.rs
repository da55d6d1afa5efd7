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

use super::net::{Net, ThreadState};
use crate::kernels::{Kernels, RowMean};

/// Trains `st.rows` (rows of `syn0`, repeats allowed) against `st.targets`
/// with `st.labels`; `mean` averages the input rows, otherwise they are
/// summed. Does nothing without rows.
#[inline(always)]
pub(crate) fn rows_step<K: Kernels>(net: &Net, st: &mut ThreadState, mean: bool) {
    let dim = net.dim;
    if st.rows.is_empty() {
        return;
    }
    // in -> hidden
    let mut h = RowMean::<K>::new(&mut st.neu1[..dim]);
    for &r in &st.rows {
        h.add(net.syn0.row(r as usize));
    }
    if mean {
        h.mean();
    } else {
        h.sum();
    }
    // hidden -> output, one output row at a time
    let e = &mut st.neu1e[..dim];
    let mut loss = 0f32;
    output_step::<K>(
        net,
        &st.targets,
        &st.labels,
        st.alpha,
        &st.neu1[..dim],
        e,
        &mut loss,
    );
    // hidden -> in
    for &r in &st.rows {
        K::add(e, net.syn0.row_mut(r as usize));
    }
    st.loss += loss as f64;
    st.pairs += st.targets.len() as u64;
}

/// The output side of one input vector `h`: for each of `targets` in turn
/// (with its `labels`), `g = alpha · (label − σ(h·v'))`, `e += g·v'` (from
/// the output row before its update) and `v' += g·h`, each output row
/// updated before the next is scored, as word2vec C and fastText's
/// `Loss::forward` do. `e` starts at zero; the pairs' losses are added to
/// `loss` one by one.
#[inline(always)]
pub(crate) fn output_step<K: Kernels>(
    net: &Net,
    targets: &[u32],
    labels: &[u8],
    alpha: f32,
    h: &[f32],
    e: &mut [f32],
    loss: &mut f32,
) {
    e.fill(0.0);
    for j in 0..targets.len() {
        let row = targets[j] as usize;
        let f = K::dot(h, net.out.row(row));
        let (err, l) = net.gradient(f, labels[j]);
        *loss += l;
        let g = err * alpha;
        if g != 0.0 {
            K::axpy(g, net.out.row(row), e);
            K::axpy(g, h, net.out.row_mut(row));
        }
    }
}
