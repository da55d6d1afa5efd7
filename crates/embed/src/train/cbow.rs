//! Continuous bag of words (Mikolov et al. 2013a, §3.1): the context
//! predicts the centre word.
//!
//! As in word2vec C: the hidden layer `h` is the mean (or, with
//! `cbow_mean = false`, the sum) of the input vectors of the context words
//! in the reduced window; the output rows (the centre word and its noise
//! words, or its Huffman path) are scored and updated one after the other
//! against `h`; and the accumulated gradient `e = Σ g·v'` is added, unscaled,
//! to the input vector of every context word (see [`rows_step`]).
//!
//! With subwords (fastText), the input rows are those of every context word
//! and of all their character n-grams, pooled into one mean as fastText's
//! CBOW does (a long word, with more n-grams, weighs more).

use super::hidden::rows_step;
use super::net::{Net, ThreadState};
use crate::kernels::Kernels;

/// Trains one sentence (word ids after subsampling).
#[inline(always)]
pub(crate) fn train_sentence<K: Kernels>(net: &Net, st: &mut ThreadState, sen: &[u32]) {
    st.for_each_window(sen, net.window, |st, word| {
        st.rows.clear();
        match &net.inputs {
            None => st.rows.extend_from_slice(&st.ctx),
            Some(inputs) => {
                for &c in &st.ctx {
                    st.rows.extend_from_slice(inputs.of(c));
                }
            }
        }
        st.draw_targets(net, word);
        rows_step::<K>(net, st, net.cbow_mean);
    });
}
