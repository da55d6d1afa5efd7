//! [`Model`]: the input layer, a stack of [`Block`]s, a final LayerNorm and
//! a head, forward and backward.

use embedpos_input::init::{fill_normal, rng};
use embedpos_input::{
    Attention, Batch, Dropout, InputCache, InputLayer, LayerNorm, Linear, Mode, Real,
    TokenEmbedding,
};
use embedpos_tokenize::Vocab;
use ndarray::{Array2, Array3, ArrayView2};
use rayon::prelude::*;

use crate::block::{shape_error, Block, BlockCache, BlockGrads, Ctx};
use crate::config::{Head, ModelConfig, Pooling};
use crate::error::{Error, Result};
use crate::loss::{cross_entropy, Targets};
use crate::ops::{norm_backward, norm_forward, NormCache};
use crate::params::ModelGrads;

/// Salts of the generators of the weights the model draws itself.
const SALT_ATTN: u64 = 0x6174_746e;
const SALT_FC: u64 = 0x6663;
const SALT_PROJ: u64 = 0x7072_6f6a;
const SALT_LM: u64 = 0x6c6d;
const SALT_CLS: u64 = 0x0063_6c73;
const SALT_DROP: u64 = 0x6472_6f70;

/// A tiny transformer: the input crate's [`InputLayer`] (token embedding,
/// optional projection, optional × √d, absolute encoding, dropout; no
/// LayerNorm), `layers` pre-LN blocks, a final LayerNorm and a head:
///
/// ```text
/// x = Input(batch)
/// x = Block_L(… Block_1(x))          x + Attn(LN₁ x), then x + MLP(LN₂ x)
/// h = LN_f(x)
/// LM:        logits[b, t] = h[b, t] Wᵀ            (W the token table when tied)
/// classify:  logits[b]    = pool(h[b]) W + b       (mean, first or last real token)
/// ```
///
/// Generic over the scalar: `f32` to train, `f64` for the gradient checks.
/// Weights are drawn as GPT-2 draws them: N(0, init_std²) for every matrix,
/// the two matrices that write into the residual stream (`Wo`, the MLP's
/// second layer) scaled by `1/√(2 · layers)`, zero biases, LayerNorm γ = 1,
/// β = 0; the T5 tables and the learned positions as the input crate draws
/// them.
#[derive(Debug, Clone)]
pub struct Model<T: Real = f32> {
    pub(crate) config: ModelConfig,
    pub(crate) input: InputLayer<T>,
    pub(crate) blocks: Vec<Block<T>>,
    pub(crate) ln_f: LayerNorm<T>,
    /// The untied LM head `[vocab, d_model]`.
    pub(crate) lm_head: Option<Vec<T>>,
    /// The classification head `[d_model, classes]` + bias.
    pub(crate) classifier: Option<Linear<T>>,
}

/// What a forward pass keeps for the backward pass.
struct Trace<T: Real> {
    input: InputCache<T>,
    blocks: Vec<BlockCache<T>>,
    ln_f: NormCache<T>,
    /// `LN_f` output `[n, d]`.
    h: Array2<T>,
    /// The pooled rows `[batch, d]` (classification).
    pooled: Option<Array2<T>>,
}

impl<T: Real> Model<T> {
    /// Builds a model around a token embedding (random:
    /// [`TokenEmbedding::random`]; from word vectors:
    /// [`embedpos_input::embedding_from_vectors`]). Its vocabulary is the
    /// model's; vectors of another width than `d_model` go through a learned
    /// projection unless the config forbids it.
    pub fn new(config: ModelConfig, embedding: TokenEmbedding<T>) -> Result<Self> {
        config.validate(embedding.dim())?;
        let input = InputLayer::new(config.input(), embedding)?;
        let (d, f, layers) = (config.d_model, config.d_ff(), config.layers);
        let std = config.init_std;
        let resid_std = std / ((2 * layers) as f64).sqrt();
        let mut blocks = Vec::with_capacity(layers);
        for l in 0..layers {
            let salt = |s: u64| s ^ ((l as u64) << 40);
            let mut attn = Attention::new(config.attention(l))?;
            {
                let mut g = rng(config.seed, salt(SALT_ATTN));
                for (name, w) in attn.parameters_mut() {
                    match name {
                        "attention.t5" => {}
                        "attention.wo" => fill_normal(w, resid_std, &mut g),
                        _ => fill_normal(w, std, &mut g),
                    }
                }
            }
            let mut fc = Linear::zeros(d, f, true)?;
            fill_normal(fc.params_mut().0, std, &mut rng(config.seed, salt(SALT_FC)));
            let mut proj = Linear::zeros(f, d, true)?;
            fill_normal(
                proj.params_mut().0,
                resid_std,
                &mut rng(config.seed, salt(SALT_PROJ)),
            );
            let drop_seed =
                |site: u64| embedpos_base::splitmix64(config.seed ^ salt(SALT_DROP) ^ (site << 8));
            blocks.push(Block {
                ln1: LayerNorm::new(d, config.layer_norm_eps, true),
                attn,
                ln2: LayerNorm::new(d, config.layer_norm_eps, true),
                fc,
                proj,
                drop_attn: Dropout::new(config.dropout, drop_seed(1))?,
                drop_mlp: Dropout::new(config.dropout, drop_seed(2))?,
            });
        }
        let vocab = input.embedding().len();
        let (lm_head, classifier) = match config.head {
            Head::Lm { tie_embeddings } => {
                let head = (!tie_embeddings).then(|| {
                    let mut w = vec![T::zero(); vocab * d];
                    fill_normal(&mut w, std, &mut rng(config.seed, SALT_LM));
                    w
                });
                (head, None)
            }
            Head::Classify { classes, .. } => {
                let mut c = Linear::zeros(d, classes, true)?;
                fill_normal(c.params_mut().0, std, &mut rng(config.seed, SALT_CLS));
                (None, Some(c))
            }
        };
        Ok(Model {
            ln_f: LayerNorm::new(d, config.layer_norm_eps, true),
            config,
            input,
            blocks,
            lm_head,
            classifier,
        })
    }

    /// A model whose token table is drawn from N(0, init_std²) for `vocab`
    /// (the specials are added in front).
    pub fn random(config: ModelConfig, vocab: &Vocab) -> Result<Self> {
        let embedding =
            TokenEmbedding::random(vocab, config.d_model, config.init_std, config.seed)?;
        Self::new(config, embedding)
    }

    /// The architecture.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The input layer (token embedding and absolute encoding).
    pub fn input(&self) -> &InputLayer<T> {
        &self.input
    }

    /// The vocabulary, specials first.
    pub fn vocab(&self) -> &Vocab {
        self.input.vocab()
    }

    /// Number of ids (vocabulary and specials).
    pub fn vocab_size(&self) -> usize {
        self.input.embedding().len()
    }

    /// Number of logits a position (LM) or a sequence (classifier) gets.
    pub fn outputs(&self) -> usize {
        match self.config.head {
            Head::Lm { .. } => self.vocab_size(),
            Head::Classify { classes, .. } => classes,
        }
    }

    /// Pads id sequences with the model's batch settings.
    pub fn batch_ids<S: AsRef<[u32]>>(&self, seqs: &[S]) -> Result<Batch> {
        Ok(self.input.batch_ids(seqs, 0)?)
    }

    /// Tokenizes and pads texts with the model's tokenizer and batch settings.
    pub fn batch_texts<S: AsRef<str>>(&self, texts: &[S]) -> Result<Batch> {
        Ok(self.input.batch_texts(texts, 0)?)
    }

    /// The logits: `[batch · seq, vocab]` for the LM head (row `b · seq + t`
    /// is position `t` of sequence `b`, the distribution of the token after
    /// it), `[batch, classes]` for a classifier.
    pub fn forward(&self, batch: &Batch, mode: Mode) -> Result<Array2<T>> {
        Ok(self.run(batch, mode, false)?.0)
    }

    /// The mean cross-entropy of `targets` (see [`Targets`]) and the number
    /// of targets it averages over.
    pub fn loss(&self, batch: &Batch, targets: &Targets, mode: Mode) -> Result<(f64, usize)> {
        let (loss, count, _) = self.loss_and_logits(batch, targets, mode)?;
        Ok((loss, count))
    }

    /// [`Model::loss`] and the logits of [`Model::forward`], from one
    /// forward pass.
    pub fn loss_and_logits(
        &self,
        batch: &Batch,
        targets: &Targets,
        mode: Mode,
    ) -> Result<(f64, usize, Array2<T>)> {
        let rows = self.target_rows(batch, targets)?;
        let (mut logits, _) = self.run(batch, mode, false)?;
        let (loss, count) = cross_entropy(logits.as_slice_mut().unwrap_or_default(), &rows, false)?;
        Ok((loss, count, logits))
    }

    /// The loss, and its gradient with respect to every parameter (in the
    /// order of [`Model::param_info`]).
    pub fn loss_and_grads(
        &self,
        batch: &Batch,
        targets: &Targets,
        mode: Mode,
    ) -> Result<(f64, ModelGrads<T>)> {
        let rows = self.target_rows(batch, targets)?;
        let (mut logits, trace) = self.run(batch, mode, true)?;
        let trace = trace.ok_or_else(|| Error::Data("the forward pass kept no cache".into()))?;
        let (loss, _) = cross_entropy(logits.as_slice_mut().unwrap_or_default(), &rows, true)?;
        let grads = self.backward(batch, mode, &trace, logits)?;
        Ok((loss, grads))
    }

    /// The target of each row of the logits (`None`: not counted).
    fn target_rows(&self, batch: &Batch, targets: &Targets) -> Result<Vec<Option<u32>>> {
        match (self.config.head, targets) {
            (Head::Lm { .. }, Targets::NextToken) => {
                let (ids, mask) = (batch.ids(), batch.mask());
                let (b, s) = ids.dim();
                let mut rows = vec![None; b * s];
                for bi in 0..b {
                    for t in 0..s.saturating_sub(1) {
                        let next = ids[[bi, t + 1]];
                        if mask[[bi, t]]
                            && mask[[bi, t + 1]]
                            && next != embedpos_input::special::PAD
                        {
                            rows[bi * s + t] = Some(next);
                        }
                    }
                }
                Ok(rows)
            }
            (Head::Classify { classes, .. }, Targets::Labels(labels)) => {
                if labels.len() != batch.batch_size() {
                    return Err(Error::Data(format!(
                        "{} labels for a batch of {} sequences; pass one label per sequence",
                        labels.len(),
                        batch.batch_size()
                    )));
                }
                if let Some((i, &l)) = labels
                    .iter()
                    .enumerate()
                    .find(|(_, &l)| l as usize >= classes)
                {
                    return Err(Error::Data(format!(
                        "label {l} of sequence {i} is not below the {classes} classes of the head"
                    )));
                }
                Ok(labels.iter().map(|&l| Some(l)).collect())
            }
            (Head::Lm { .. }, _) => Err(Error::Data(
                "a language model is trained on the next token: pass Targets::NextToken".into(),
            )),
            (Head::Classify { .. }, _) => Err(Error::Data(
                "a classifier is trained on labels: pass Targets::Labels".into(),
            )),
        }
    }

    /// The token table as the LM head's `[vocab, d_model]` weight.
    fn lm_weight(&self) -> Result<ArrayView2<'_, T>> {
        let (v, d) = (self.vocab_size(), self.config.d_model);
        let w = match &self.lm_head {
            Some(w) => &w[..],
            None => self.input.embedding().table(),
        };
        ArrayView2::from_shape((v, d), w).map_err(|e| shape_error("LM head", e))
    }

    fn run(&self, batch: &Batch, mode: Mode, keep: bool) -> Result<(Array2<T>, Option<Trace<T>>)> {
        let (out, input_cache) = if keep {
            let (o, c) = self.input.forward_with_cache(batch, mode)?;
            (o, Some(c))
        } else {
            (self.input.forward(batch, mode)?, None)
        };
        let (b, s, d) = out.x.dim();
        let n = b * s;
        let mut x = Array2::from_shape_vec((n, d), out.x.into_raw_vec_and_offset().0)
            .map_err(|e| shape_error("input layer output", e))?;
        let flat_positions: Vec<usize> = batch.positions().iter().copied().collect();
        let ctx = Ctx {
            batch: b,
            seq: s,
            mask: batch.mask(),
            positions: batch.positions(),
            flat_positions: &flat_positions,
            mode,
        };
        let mut caches = Vec::with_capacity(if keep { self.blocks.len() } else { 0 });
        for block in &self.blocks {
            if let Some(c) = block.forward(&mut x, &ctx, keep)? {
                caches.push(c);
            }
        }
        let (h, ln_f) = norm_forward(&self.ln_f, x.as_slice().unwrap_or_default(), d, keep);
        let h = Array2::from_shape_vec((n, d), h).map_err(|e| shape_error("LN_f output", e))?;
        let (logits, pooled) = match (&self.config.head, &self.classifier) {
            (Head::Classify { pooling, .. }, Some(c)) => {
                let pooled = pool(&h, batch.mask(), *pooling);
                (c.forward(pooled.view())?, Some(pooled))
            }
            _ => (
                embedpos_input::linear::matmul(h.view(), self.lm_weight()?.t()),
                None,
            ),
        };
        let trace = match input_cache {
            Some(input) => Some(Trace {
                input,
                blocks: caches,
                ln_f,
                h,
                pooled,
            }),
            None => None,
        };
        Ok((logits, trace))
    }

    /// The backward pass from `dlogits` (the gradient of the loss with
    /// respect to the logits).
    fn backward(
        &self,
        batch: &Batch,
        mode: Mode,
        trace: &Trace<T>,
        dlogits: Array2<T>,
    ) -> Result<ModelGrads<T>> {
        use embedpos_input::linear::{matmul, matmul_tn};
        let (b, s) = batch.ids().dim();
        let d = self.config.d_model;
        let n = b * s;
        let mut head_grads: Vec<Vec<T>> = Vec::new();
        let mut tied_grad: Option<Vec<T>> = None;
        let dh = match (&self.classifier, &trace.pooled) {
            (Some(c), Some(pooled)) => {
                let g = c.backward(pooled.view(), dlogits.view())?;
                head_grads.push(g.weight);
                head_grads.push(g.bias.unwrap_or_default());
                let pooling = match self.config.head {
                    Head::Classify { pooling, .. } => pooling,
                    Head::Lm { .. } => Pooling::Mean,
                };
                unpool(&g.input, batch.mask(), pooling, s)
            }
            _ => {
                let w = self.lm_weight()?;
                let dw = || {
                    matmul_tn(dlogits.view(), trace.h.view())
                        .into_raw_vec_and_offset()
                        .0
                };
                if self.lm_head.is_some() {
                    head_grads.push(dw());
                } else if !self.frozen_embedding() {
                    // a frozen table is a frozen tied head: no gradient to compute
                    tied_grad = Some(dw());
                }
                matmul(dlogits.view(), w)
            }
        };
        let mut dx = dh.into_raw_vec_and_offset().0;
        let ln_f = norm_backward(&self.ln_f, &mut dx, &trace.ln_f, d);
        let mut dx = Array2::from_shape_vec((n, d), dx).map_err(|e| shape_error("∂x", e))?;
        let flat_positions: Vec<usize> = batch.positions().iter().copied().collect();
        let ctx = Ctx {
            batch: b,
            seq: s,
            mask: batch.mask(),
            positions: batch.positions(),
            flat_positions: &flat_positions,
            mode,
        };
        let mut block_grads: Vec<BlockGrads<T>> = Vec::with_capacity(self.blocks.len());
        for (block, cache) in self.blocks.iter().zip(&trace.blocks).rev() {
            block_grads.push(block.backward(cache, &mut dx, &ctx)?);
        }
        block_grads.reverse();
        let dx3 = Array3::from_shape_vec((b, s, d), dx.into_raw_vec_and_offset().0)
            .map_err(|e| shape_error("∂x", e))?;
        let input = self.input.backward(&trace.input, &dx3)?;
        ModelGrads::assemble(self, input, tied_grad, block_grads, ln_f, head_grads)
    }

    /// Whether the token table (and so a tied head) is frozen.
    pub(crate) fn frozen_embedding(&self) -> bool {
        self.input.embedding().frozen()
    }
}

/// How [`Model::generate`] picks each token; `Default`: temperature 1, the
/// 40 most likely tokens, seed 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    /// Divides the logits; 0 picks the most likely token (greedy).
    pub temperature: f64,
    /// Draw among the `k` most likely tokens only; `None`: all.
    pub top_k: Option<usize>,
    /// Seed of the draws.
    pub seed: u64,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            temperature: 1.0,
            top_k: Some(40),
            seed: 0,
        }
    }
}

impl<T: Real> Model<T> {
    /// Continues `prompt` (ids) by up to `new_tokens` tokens, one forward
    /// pass per token over the last `batch.max_len` tokens (no key/value
    /// cache: these models are small). An empty prompt starts after `[EOS]`,
    /// as a document does in the training stream. `[PAD]`, `[UNK]` and
    /// `[BOS]` are never produced; generation stops after `[EOS]` when
    /// `stop_at_eos`. Returns the new tokens.
    pub fn generate(
        &self,
        prompt: &[u32],
        new_tokens: usize,
        sampling: &Sampling,
        stop_at_eos: bool,
    ) -> Result<Vec<u32>> {
        use embedpos_input::special::{BOS, EOS, PAD, UNK};
        if !matches!(self.config.head, Head::Lm { .. }) {
            return Err(Error::Data(
                "only a language model generates text; this model is a classifier".into(),
            ));
        }
        if !(sampling.temperature.is_finite() && sampling.temperature >= 0.0) {
            return Err(Error::config(
                "temperature",
                sampling.temperature,
                "it must be a finite number >= 0 (0: always the most likely token)",
            ));
        }
        let mut seq: Vec<u32> = if prompt.is_empty() {
            vec![EOS]
        } else {
            prompt.to_vec()
        };
        let context = self.config.context();
        let mut out = Vec::with_capacity(new_tokens);
        let mut draw = embedpos_base::SplitMix64::new(sampling.seed);
        for _ in 0..new_tokens {
            let window = &seq[seq.len().saturating_sub(context)..];
            let batch = self.batch_ids(&[window])?;
            let logits = self.forward(&batch, Mode::Eval)?;
            let last = logits.row(window.len() - 1);
            let mut scored: Vec<(u32, f64)> = last
                .iter()
                .enumerate()
                .map(|(i, &x)| (i as u32, x.to_f64()))
                .filter(|&(i, _)| i != PAD && i != UNK && i != BOS)
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let next = if sampling.temperature == 0.0 {
                scored[0].0
            } else {
                let k = sampling
                    .top_k
                    .unwrap_or(scored.len())
                    .clamp(1, scored.len());
                let top = &scored[..k];
                let max = top[0].1;
                let weights: Vec<f64> = top
                    .iter()
                    .map(|&(_, x)| ((x - max) / sampling.temperature).exp())
                    .collect();
                let total: f64 = weights.iter().sum();
                let mut u = (draw.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
                let mut pick = top[k - 1].0;
                for (&(id, _), &w) in top.iter().zip(&weights) {
                    if u < w {
                        pick = id;
                        break;
                    }
                    u -= w;
                }
                pick
            };
            out.push(next);
            seq.push(next);
            if stop_at_eos && next == EOS {
                break;
            }
        }
        Ok(out)
    }
}

/// Pools `h` (`[batch · seq, d]`) per sequence over its real tokens.
fn pool<T: Real>(h: &Array2<T>, mask: &Array2<bool>, pooling: Pooling) -> Array2<T> {
    let (b, s) = mask.dim();
    let d = h.ncols();
    let mut out = Array2::<T>::zeros((b, d));
    out.outer_iter_mut()
        .into_par_iter()
        .enumerate()
        .for_each(|(bi, mut row)| {
            for (t, w) in pool_weights(mask, bi, pooling) {
                let src = h.row(bi * s + t);
                for (o, &x) in row.iter_mut().zip(src.iter()) {
                    *o += T::from_f64(w) * x;
                }
            }
        });
    out
}

/// The rows a sequence's pooled vector is made of, with their weights.
fn pool_weights(mask: &Array2<bool>, bi: usize, pooling: Pooling) -> Vec<(usize, f64)> {
    let real: Vec<usize> = mask
        .row(bi)
        .iter()
        .enumerate()
        .filter(|(_, &m)| m)
        .map(|(t, _)| t)
        .collect();
    match pooling {
        Pooling::Mean => {
            let w = 1.0 / real.len().max(1) as f64;
            real.into_iter().map(|t| (t, w)).collect()
        }
        Pooling::First => real.first().map(|&t| vec![(t, 1.0)]).unwrap_or_default(),
        Pooling::Last => real.last().map(|&t| vec![(t, 1.0)]).unwrap_or_default(),
    }
}

/// The backward pass of [`pool`]: `∂h` `[batch · seq, d]` from `∂pooled`.
fn unpool<T: Real>(dp: &Array2<T>, mask: &Array2<bool>, pooling: Pooling, s: usize) -> Array2<T> {
    let (b, d) = dp.dim();
    let mut dh = Array2::<T>::zeros((b * s, d));
    for bi in 0..b {
        for (t, w) in pool_weights(mask, bi, pooling) {
            let mut row = dh.row_mut(bi * s + t);
            for (o, &g) in row.iter_mut().zip(dp.row(bi).iter()) {
                *o += T::from_f64(w) * g;
            }
        }
    }
    dh
}
