//! The network being trained — input vectors, output vectors, the sampling
//! tables — and the state each training thread keeps to itself.

use super::config::{Loss, Model, Word2VecConfig};
use super::hogwild::Hogwild;
use super::huffman::Huffman;
use super::rng::Lcg;
use super::sampling::NegativeSampler;
use super::sigmoid::Sigmoid;
use super::subword_rows::InputRows;

/// How often a fastText noise word equal to the target is drawn again
/// before it is dropped.
const MAX_REDRAWS: usize = 32;

/// Everything the threads share (read-only tables, Hogwild matrices).
pub(crate) struct Net {
    /// Input vectors `syn0`: the word vectors that are returned.
    pub syn0: Hogwild,
    /// Output vectors of negative sampling (`syn1neg`) or of the inner
    /// nodes of the Huffman tree (`syn1`).
    pub out: Hogwild,
    pub negatives: NegativeSampler,
    pub huffman: Huffman,
    pub sigmoid: Sigmoid,
    pub dim: usize,
    pub window: usize,
    pub negative: usize,
    pub model: Model,
    pub loss: Loss,
    pub cbow_mean: bool,
    pub shared_negatives: bool,
    /// fastText: the rows of `syn0` that make up each word's input (its
    /// own row and its n-gram rows). `None`: word `w` is row `w` (word2vec).
    pub inputs: Option<InputRows>,
    /// fastText: the id of its `</s>` word, which a line end becomes while
    /// reading (a trained word, subsampled like the others). `None`: line
    /// ends only end sentences (word2vec).
    pub eos: Option<u32>,
}

impl Net {
    /// word2vec C's `InitNet`: `syn0` uniform in `[−0.5/dim, 0.5/dim)` from
    /// the generator started at `seed` (C's `next_random = 1`, taking the
    /// low 16 bits as C does), the output vectors zero.
    /// `line_ends` is the number of corpus lines, word2vec's `</s>` count,
    /// which shapes its noise distribution (see [`NegativeSampler`]).
    pub(crate) fn new(cfg: &Word2VecConfig, counts: &[u64], line_ends: u64) -> Self {
        let (v, dim) = (counts.len(), cfg.dim);
        let mut rng = Lcg(cfg.seed);
        let mut syn0 = Vec::with_capacity(v * dim);
        for _ in 0..v * dim {
            let r = rng.next();
            syn0.push(((r & 0xFFFF) as f32 / 65536.0 - 0.5) / dim as f32);
        }
        Net::with_inputs(cfg, counts, line_ends, 0.75, syn0, None)
    }

    /// A network with the given input matrix `syn0` (row-major, `dim`
    /// columns) and, for fastText, the rows of each word's input; noise
    /// words are drawn with probability `∝ count^noise_power`. The output
    /// vectors start at zero.
    pub(crate) fn with_inputs(
        cfg: &Word2VecConfig,
        counts: &[u64],
        line_ends: u64,
        noise_power: f64,
        syn0: Vec<f32>,
        inputs: Option<InputRows>,
    ) -> Self {
        let (v, dim) = (counts.len(), cfg.dim);
        let (out_rows, negatives, huffman) = match cfg.loss {
            Loss::NegativeSampling => (
                v,
                NegativeSampler::new(counts, noise_power, line_ends),
                Huffman::default(),
            ),
            // v − 1 inner nodes (at least one row so that indexing is uniform).
            Loss::HierarchicalSoftmax => (
                v.saturating_sub(1).max(1),
                NegativeSampler::new(&[], 0.75, 0),
                Huffman::new(counts),
            ),
        };
        Net {
            syn0: Hogwild::new(syn0, dim),
            out: Hogwild::new(vec![0.0; out_rows * dim], dim),
            negatives,
            huffman,
            // fastText's trainer uses fastText's sigmoid table.
            sigmoid: if inputs.is_some() {
                Sigmoid::fasttext()
            } else {
                Sigmoid::new()
            },
            dim,
            window: cfg.window,
            negative: cfg.negative,
            model: cfg.model,
            loss: cfg.loss,
            cbow_mean: cfg.cbow_mean,
            shared_negatives: cfg.shared_negatives,
            inputs,
            eos: None,
        }
    }

    /// `label − σ(f)` and the pair's loss by the rules of the loss (see
    /// the `sigmoid` module); `label` is 1/0 for NS, the branch code for HS.
    #[inline(always)]
    pub(crate) fn gradient(&self, f: f32, label: u8) -> (f32, f32) {
        match self.loss {
            Loss::NegativeSampling => self.sigmoid.ns(f, label == 1),
            Loss::HierarchicalSoftmax => self.sigmoid.hs(f, label),
        }
    }

    /// The widest window: `2 · window` context words.
    pub(crate) fn max_context(&self) -> usize {
        2 * self.window
    }

    /// The most output rows one centre word can touch.
    pub(crate) fn max_targets(&self) -> usize {
        match self.loss {
            Loss::NegativeSampling => self.negative + 1,
            Loss::HierarchicalSoftmax => self.huffman.max_len().max(1),
        }
    }
}

/// One thread's generator, learning rate, loss tally and scratch buffers,
/// allocated once per thread.
pub(crate) struct ThreadState {
    pub rng: Lcg,
    pub alpha: f32,
    /// Sum of pair losses in the current epoch.
    pub loss: f64,
    /// Pairs trained in the current epoch.
    pub pairs: u64,
    /// Context word ids of the current window.
    pub ctx: Vec<u32>,
    /// Input rows of the current hidden layer (CBOW, fastText).
    pub rows: Vec<u32>,
    /// Output rows of the current window.
    pub targets: Vec<u32>,
    /// Whether each target is the observed word (NS) / its code (HS).
    pub labels: Vec<u8>,
    /// `alpha · (label − σ(f))` per (context, target).
    pub grads: Vec<f32>,
    /// CBOW hidden layer (`neu1`).
    pub neu1: Vec<f32>,
    /// Input-side gradients, one row per context word (`neu1e`).
    pub neu1e: Vec<f32>,
}

impl ThreadState {
    pub(crate) fn new(net: &Net, seed: u64, alpha: f32) -> Self {
        let (k, t, d) = (net.max_context(), net.max_targets(), net.dim);
        ThreadState {
            rng: Lcg(seed),
            alpha,
            loss: 0.0,
            pairs: 0,
            ctx: Vec::with_capacity(k),
            rows: Vec::with_capacity(k * 64),
            targets: Vec::with_capacity(k * t),
            labels: Vec::with_capacity(k * t),
            grads: vec![0.0; k * t],
            neu1: vec![0.0; d],
            neu1e: vec![0.0; k.max(2) * d],
        }
    }

    /// Fills `ctx` with the words around `pos` within the reduced window
    /// `window − b`, `b` drawn uniformly from `0..window` (word2vec's
    /// dynamic window), left to right.
    #[inline(always)]
    pub(crate) fn context(&mut self, sen: &[u32], pos: usize, window: usize) {
        let b = (self.rng.next() % window as u64) as usize;
        let reach = window - b;
        let lo = pos.saturating_sub(reach);
        let hi = (pos + reach + 1).min(sen.len());
        self.ctx.clear();
        self.ctx.extend_from_slice(&sen[lo..pos]);
        self.ctx.extend_from_slice(&sen[pos + 1..hi]);
    }

    /// Calls `train(self, word)` for every word of `sen` whose dynamic
    /// window (drawn into `ctx` by [`context`](Self::context)) holds at
    /// least one context word, left to right.
    #[inline(always)]
    pub(crate) fn for_each_window(
        &mut self,
        sen: &[u32],
        window: usize,
        mut train: impl FnMut(&mut Self, u32),
    ) {
        for pos in 0..sen.len() {
            self.context(sen, pos, window);
            if !self.ctx.is_empty() {
                train(self, sen[pos]);
            }
        }
    }

    /// Fills `targets` with the output rows of predicting `word`, and
    /// `labels` with what each should predict: with negative sampling,
    /// `word` (label 1) and up to `negative` noise words (label 0) — a noise
    /// word equal to `word` is dropped, as in word2vec C, or drawn again, as
    /// in fastText; with hierarchical softmax, its Huffman path with the
    /// branch codes as labels.
    #[inline(always)]
    pub(crate) fn draw_targets(&mut self, net: &Net, word: u32) {
        self.targets.clear();
        self.labels.clear();
        if net.loss == Loss::HierarchicalSoftmax {
            self.targets.extend_from_slice(net.huffman.points(word));
            self.labels.extend_from_slice(net.huffman.codes(word));
            return;
        }
        self.targets.push(word);
        self.labels.push(1);
        // fastText (`NegativeSamplingLoss::getNegative`) redraws a noise word
        // equal to the target; word2vec C drops it. The redraws are bounded
        // so a vocabulary whose noise mass is all on the target ends.
        let redraws = if net.inputs.is_some() { MAX_REDRAWS } else { 0 };
        for _ in 0..net.negative {
            let mut n = net.negatives.sample(self.rng.next());
            for _ in 0..redraws {
                if n != word {
                    break;
                }
                n = net.negatives.sample(self.rng.next());
            }
            if n != word {
                self.targets.push(n);
                self.labels.push(0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::subword_rows::SubwordLayout;
    use super::*;
    use crate::train::test_vocab;
    use embedpos_tokenize::ngrams::NgramConfig;

    /// Two words, the first with 100/101 of the noise mass: word2vec drops
    /// the draws equal to the target, fastText draws them again.
    #[test]
    fn fasttext_redraws_noise_words_equal_to_the_target() {
        let vocab = test_vocab(&[("a", 100), ("b", 1)]);
        let cfg = Word2VecConfig {
            dim: 4,
            negative: 5,
            ..Default::default()
        };
        let counts = vocab.counts();
        let plain = Net::with_inputs(&cfg, counts, 0, 1.0, vec![0.0; 8], None);
        let layout = SubwordLayout::new(&vocab, &NgramConfig::default(), false);
        let syn0 = vec![0.0; layout.rows() * 4];
        let ft = Net::with_inputs(&cfg, counts, 0, 1.0, syn0, Some(layout.inputs));
        let mut kept = [0usize; 2];
        for (k, net) in [&plain, &ft].into_iter().enumerate() {
            let mut st = ThreadState::new(net, 7, 0.05);
            for _ in 0..200 {
                st.draw_targets(net, 0);
                assert_eq!((st.targets[0], st.labels[0]), (0, 1));
                assert!(st.targets[1..].iter().all(|&t| t == 1));
                assert!(st.labels[1..].iter().all(|&l| l == 0));
                kept[k] += st.targets.len() - 1;
            }
        }
        // Of 1000 noise words, word2vec keeps each with p = 1/101 (≈ 10),
        // fastText with 1 − (100/101)^33 ≈ 0.28 (≈ 280).
        assert!(kept[0] < 40, "word2vec kept {}", kept[0]);
        assert!((150..450).contains(&kept[1]), "fastText kept {}", kept[1]);
    }
}
