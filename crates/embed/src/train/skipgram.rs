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
//! the centre word's input — the mean `h` of its own row and its character
//! n-gram rows — predicts each context word, with fresh noise words for every
//! pair, and the pair's gradient `e` is added to every one of those rows
//! (`FastText::skipgram`, `Model::update`). Without `shared_negatives` this
//! is done literally, pair by pair. With it (the default) the same updates
//! are computed with the rows read and written once per centre word instead
//! of once per pair (a word has ~30 rows; this is most of fastText's time):
//! adding `e` to every row of a mean adds `e` to the mean, so after each
//! pair `h += e` gives exactly the hidden vector fastText recomputes for the
//! next pair, and the rows receive the summed `Σ e` at the end. Up to
//! floating-point rounding (and Hogwild timing) the result is fastText's.

use super::config::Loss;
use super::hidden::{output_step, rows_step};
use super::hogwild::Hogwild;
use super::net::{Net, ThreadState};
use super::subword_rows::InputRows;
use crate::kernels::{Kernels, RowMean};

/// Trains one sentence (word ids after subsampling).
#[inline(always)]
pub(crate) fn train_sentence<K: Kernels>(net: &Net, st: &mut ThreadState, sen: &[u32]) {
    if let Some(inputs) = &net.inputs {
        return subword_sentence::<K>(net, inputs, st, sen);
    }
    st.for_each_window(sen, net.window, |st, word| {
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
                st.draw_targets(net, word);
                if st.targets.is_empty() {
                    return;
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
    });
}

/// fastText's skip-gram on one sentence: the centre word's rows predict the
/// context words (see the module documentation).
#[inline(always)]
fn subword_sentence<K: Kernels>(net: &Net, inputs: &InputRows, st: &mut ThreadState, sen: &[u32]) {
    st.for_each_window(sen, net.window, |st, word| {
        st.rows.clear();
        st.rows.extend_from_slice(inputs.of(word));
        if net.shared_negatives {
            centre_step::<K>(net, st);
        } else {
            for i in 0..st.ctx.len() {
                let c = st.ctx[i];
                st.draw_targets(net, c);
                rows_step::<K>(net, st, true);
            }
        }
    });
}

/// fastText's pairs of one centre word (rows `st.rows`, contexts
/// `st.ctx`), with the rows read and written once (see the module
/// documentation).
#[inline(always)]
fn centre_step<K: Kernels>(net: &Net, st: &mut ThreadState) {
    let dim = net.dim;
    // h = mean of the rows, kept up to date pair after pair.
    let mut h = RowMean::<K>::new(&mut st.neu1[..dim]);
    for &r in &st.rows {
        h.add(net.syn0.row(r as usize));
    }
    h.mean();
    // Two gradient rows: this pair's and the sum (taken out of `st` for
    // the loop, which also draws noise words through `st`).
    let mut grads = std::mem::take(&mut st.neu1e);
    let (e, rest) = grads.split_at_mut(dim);
    let total = &mut rest[..dim];
    total.fill(0.0);
    let mut loss = 0f32;
    let mut pairs = 0u64;
    for i in 0..st.ctx.len() {
        let c = st.ctx[i];
        st.draw_targets(net, c);
        let h = &mut st.neu1[..dim];
        output_step::<K>(net, &st.targets, &st.labels, st.alpha, h, e, &mut loss);
        pairs += st.targets.len() as u64;
        K::add(e, h);
        K::add(e, total);
    }
    for &r in &st.rows {
        K::add(total, net.syn0.row_mut(r as usize));
    }
    st.neu1e = grads;
    st.loss += loss as f64;
    st.pairs += pairs;
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
    let dim = net.dim;
    let e = &mut st.neu1e[..dim];
    let mut loss = 0f32;
    let x = net.syn0.row(c as usize);
    output_step::<K>(net, &st.targets, &st.labels, st.alpha, x, e, &mut loss);
    K::add(e, net.syn0.row_mut(c as usize));
    st.loss += loss as f64;
    st.pairs += st.targets.len() as u64;
}
