//! Continuous bag of words (Mikolov et al. 2013a, §3.1): the context
//! predicts the centre word.
//!
//! As in word2vec C: the hidden layer `h` is the mean (or, with
//! `cbow_mean = false`, the sum) of the input vectors of the context words
//! in the reduced window; the output rows (the centre word and its noise
//! words, or its Huffman path) are scored and updated one after the other
//! against `h`; and the accumulated gradient `e = Σ g·v'` is added, unscaled,
//! to the input vector of every context word.

use super::config::Loss;
use super::kernels::Kernels;
use super::net::{Net, ThreadState};

/// Trains one sentence (word ids after subsampling).
#[inline(always)]
pub(crate) fn train_sentence<K: Kernels>(net: &Net, st: &mut ThreadState, sen: &[u32]) {
    let dim = net.dim;
    for pos in 0..sen.len() {
        let word = sen[pos];
        st.context(sen, pos, net.window);
        let cw = st.ctx.len();
        if cw == 0 {
            continue;
        }
        // in -> hidden
        let h = &mut st.neu1[..dim];
        h.copy_from_slice(net.syn0.row(st.ctx[0] as usize));
        for &c in &st.ctx[1..] {
            K::add(net.syn0.row(c as usize), h);
        }
        if net.cbow_mean && cw > 1 {
            K::scale(1.0 / cw as f32, h);
        }
        match net.loss {
            Loss::NegativeSampling => st.draw_targets(net, word),
            Loss::HierarchicalSoftmax => {
                st.targets.clear();
                st.labels.clear();
                st.targets.extend_from_slice(net.huffman.points(word));
                st.labels.extend_from_slice(net.huffman.codes(word));
            }
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
        for &c in &st.ctx {
            K::add(e, net.syn0.row_mut(c as usize));
        }
        st.loss += loss as f64;
        st.pairs += st.targets.len() as u64;
    }
}
