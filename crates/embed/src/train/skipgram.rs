//! Skip-gram (Mikolov et al. 2013a, §3.2): every word predicts its
//! neighbours.
//!
//! As in word2vec C, the pair (centre `w`, context `c`) is trained as
//! "input vector of `c` predicts output vector of `w`"; summed over a
//! corpus this is the paper's objective, because every pair occurs in both
//! orders. The window of each centre word is drawn anew (`window − b`).
//!
//! With [`shared_negatives`](super::Word2VecConfig::shared_negatives) (the
//! default) the output rows of a window — the centre word and `negative`
//! noise words drawn once, or the centre word's Huffman path — are shared by
//! all `k` context words, so one update is three small dense products
//! (Ji et al. 2016): `F = X·Yᵀ` (`k × t` scores), `G = alpha·(L − σ(F))`,
//! then `X += G·Y` and `Y += Gᵀ·X` with the old `X`. The `t` output rows
//! stay in L1 cache for the whole window and the generator is called
//! `negative` times per centre word instead of `k · negative`. Without it,
//! every pair gets fresh noise words and is updated in word2vec C's order.
//!
//! # With subwords (fastText)
//!
//! fastText's skip-gram (Bojanowski et al. 2017, §3) turns the pair around:
//! the centre word's input — the mean of its own row and its character
//! n-gram rows — predicts each context word, with fresh noise words for every
//! pair, and the gradient goes to every one of those rows
//! (`FastText::skipgram`, `Model::update`). Without `shared_negatives` this
//! is done exactly so, pair by pair. With it (the default), the pairs of one
//! centre word are trained as one step: the hidden vector is built once, all
//! `k · (1 + negative)` output rows are scored and updated against it in
//! turn, and the summed gradient is added to the centre word's rows once.
//! The noise words are the same draws as fastText's; what changes is that
//! the centre's rows are read and written once per window instead of once
//! per pair (they are the expensive part: a word has ~30 n-gram rows), and
//! that pair `i + 1` does not see pair `i`'s update of those rows.

use super::config::Loss;
use super::hidden::rows_step;
use super::hogwild::Hogwild;
use super::kernels::Kernels;
use super::net::{Net, ThreadState};
use super::subword_rows::InputRows;

/// Trains one sentence (word ids after subsampling).
#[inline(always)]
pub(crate) fn train_sentence<K: Kernels>(net: &Net, st: &mut ThreadState, sen: &[u32]) {
    if let Some(inputs) = &net.inputs {
        return subword_sentence::<K>(net, inputs, st, sen);
    }
    for pos in 0..sen.len() {
        let word = sen[pos];
        st.context(sen, pos, net.window);
        if st.ctx.is_empty() {
            continue;
        }
        match (net.loss, net.shared_negatives) {
            (Loss::NegativeSampling, true) => {
                st.draw_targets(net, word);
                window_step::<K>(net, st);
            }
            (Loss::NegativeSampling, false) => {
                for i in 0..st.ctx.len() {
                    let c = st.ctx[i];
                    st.draw_targets(net, word);
                    pair_step::<K>(net, st, c);
                }
            }
            (Loss::HierarchicalSoftmax, shared) => {
                st.targets.clear();
                st.labels.clear();
                st.targets.extend_from_slice(net.huffman.points(word));
                st.labels.extend_from_slice(net.huffman.codes(word));
                if st.targets.is_empty() {
                    continue;
                }
                if shared {
                    window_step::<K>(net, st);
                } else {
                    for i in 0..st.ctx.len() {
                        let c = st.ctx[i];
                        pair_step::<K>(net, st, c);
                    }
                }
            }
        }
    }
}

/// fastText's skip-gram on one sentence: the centre word's rows predict the
/// context words (see the module documentation).
#[inline(always)]
fn subword_sentence<K: Kernels>(net: &Net, inputs: &InputRows, st: &mut ThreadState, sen: &[u32]) {
    for pos in 0..sen.len() {
        let word = sen[pos];
        st.context(sen, pos, net.window);
        if st.ctx.is_empty() {
            continue;
        }
        st.rows.clear();
        st.rows.extend_from_slice(inputs.of(word));
        if net.shared_negatives {
            st.targets.clear();
            st.labels.clear();
            for i in 0..st.ctx.len() {
                let c = st.ctx[i];
                st.push_targets(net, c);
            }
            rows_step::<K>(net, st, true);
        } else {
            for i in 0..st.ctx.len() {
                let c = st.ctx[i];
                st.targets.clear();
                st.labels.clear();
                st.push_targets(net, c);
                rows_step::<K>(net, st, true);
            }
        }
    }
}

/// The batched update of one window: contexts `st.ctx` (rows of `syn0`)
/// against targets `st.targets` (rows of the output matrix).
#[inline(always)]
fn window_step<K: Kernels>(net: &Net, st: &mut ThreadState) {
    let (inp, out): (&Hogwild, &Hogwild) = (&net.syn0, &net.out);
    let dim = net.dim;
    let (k, t) = (st.ctx.len(), st.targets.len());
    let alpha = st.alpha;
    let mut loss = 0f32;
    // F = X·Yᵀ and G = alpha·(L − σ(F)).
    for (i, &c) in st.ctx.iter().enumerate() {
        let x = inp.row(c as usize);
        for j in 0..t {
            let f = K::dot(x, out.row(st.targets[j] as usize));
            let (err, l) = net.gradient(f, st.labels[j]);
            loss += l;
            st.grads[i * t + j] = err * alpha;
        }
    }
    // E = G·Y (input-side gradients, from the old output rows).
    for i in 0..k {
        let e = &mut st.neu1e[i * dim..(i + 1) * dim];
        e.fill(0.0);
        for j in 0..t {
            let g = st.grads[i * t + j];
            if g != 0.0 {
                K::axpy(g, out.row(st.targets[j] as usize), e);
            }
        }
    }
    // Y += Gᵀ·X (from the old input rows).
    for j in 0..t {
        let y = out.row_mut(st.targets[j] as usize);
        for (i, &c) in st.ctx.iter().enumerate() {
            let g = st.grads[i * t + j];
            if g != 0.0 {
                K::axpy(g, inp.row(c as usize), y);
            }
        }
    }
    // X += E.
    for (i, &c) in st.ctx.iter().enumerate() {
        K::add(&st.neu1e[i * dim..(i + 1) * dim], inp.row_mut(c as usize));
    }
    st.loss += loss as f64;
    st.pairs += (k * t) as u64;
}

/// word2vec C's update of one (context `c`, centre) pair: targets in turn,
/// each output row updated before the next is scored, then the input row.
#[inline(always)]
fn pair_step<K: Kernels>(net: &Net, st: &mut ThreadState, c: u32) {
    let (inp, out) = (&net.syn0, &net.out);
    let dim = net.dim;
    let alpha = st.alpha;
    let e = &mut st.neu1e[..dim];
    e.fill(0.0);
    let mut loss = 0f32;
    for j in 0..st.targets.len() {
        let row = st.targets[j] as usize;
        let f = K::dot(inp.row(c as usize), out.row(row));
        let (err, l) = net.gradient(f, st.labels[j]);
        loss += l;
        let g = err * alpha;
        if g != 0.0 {
            K::axpy(g, out.row(row), e);
            K::axpy(g, inp.row(c as usize), out.row_mut(row));
        }
    }
    K::add(e, inp.row_mut(c as usize));
    st.loss += loss as f64;
    st.pairs += st.targets.len() as u64;
}
