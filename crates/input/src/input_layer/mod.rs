//! [`InputLayer`]: token embedding → optional projection → optional
//! × √d_model → + absolute position encoding → LayerNorm → dropout, over a
//! padded [`Batch`], forward and backward.

use embedpos_tokenize::{Tokenizer, Vocab};
use ndarray::{Array2, Array3};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

mod backward;

use crate::absolute::{Absolute, AbsoluteConfig};
use crate::batch::{Batch, BatchConfig};
use crate::dropout::{Dropout, Mode};
use crate::error::{Error, Result};
use crate::grad::{Grad, Param, RowGrad, Trainable};
use crate::init::{fill_uniform, rng};
use crate::layer_norm::LayerNorm;
use crate::linear::matmul;
use crate::real::Real;
use crate::token_embedding::TokenEmbedding;

/// Rows per parallel task in the row-wise passes. Fixed (not derived from the
/// thread count) so that the per-task partial sums of the backward pass, and
/// so the gradients, are the same on every machine.
const ROWS_PER_TASK: usize = 64;

/// Salts of the parameter generators (see [`crate::init::rng`]).
const SALT_PROJECTION: u64 = 0x70726f6a;
const SALT_POSITIONS: u64 = 0x706f73;

/// When the token vectors go through a learned projection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectionMode {
    /// Only when the vectors' width differs from `d_model`.
    #[default]
    Auto,
    /// Always (a trainable `d × d_model` map even when the widths agree).
    Always,
    /// Never: the widths must agree.
    Never,
}

/// Settings of an [`InputLayer`]; `Default` is the Transformer paper's input
/// (× √d_model, sinusoidal positions) with BERT's LayerNorm and dropout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InputConfig {
    /// Width of the output; `None`: the vectors' width.
    pub d_model: Option<usize>,
    /// When to project the vectors to `d_model` (`y = x W + b`, `W` and `b`
    /// drawn from U(−1/√d, 1/√d) as PyTorch's `Linear` does).
    pub projection: ProjectionMode,
    /// Multiply the token vectors by √d_model before adding positions
    /// (Vaswani et al. 2017, §3.4).
    pub scale_embeddings: bool,
    /// The absolute encoding added to the token vectors.
    pub positions: AbsoluteConfig,
    /// Apply LayerNorm.
    pub layer_norm: bool,
    /// LayerNorm's ε (PyTorch's default 1e-5).
    pub layer_norm_eps: f64,
    /// LayerNorm with a trainable scale γ and shift β.
    pub layer_norm_affine: bool,
    /// Drop probability in training mode (BERT: 0.1).
    pub dropout: f64,
    /// Keep the token vectors as they are during training.
    pub freeze_embeddings: bool,
    /// Padding, truncation and special tokens.
    pub batch: BatchConfig,
    /// How texts become tokens.
    pub tokenizer: Tokenizer,
    /// Seed of every random draw (projection, learned positions, dropout).
    pub seed: u64,
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            d_model: None,
            projection: ProjectionMode::Auto,
            scale_embeddings: true,
            positions: AbsoluteConfig::sinusoidal(),
            layer_norm: true,
            layer_norm_eps: 1e-5,
            layer_norm_affine: true,
            dropout: 0.1,
            freeze_embeddings: false,
            batch: BatchConfig::default(),
            tokenizer: Tokenizer::default(),
            seed: 0,
        }
    }
}

impl InputConfig {
    /// Says what is wrong, if anything, for vectors of width `vector_dim`;
    /// returns `d_model`.
    pub fn validate(&self, vector_dim: usize) -> Result<usize> {
        let d = self.d_model.unwrap_or(vector_dim);
        if d == 0 {
            return Err(Error::config("d_model", d, "it must be at least 1"));
        }
        if self.projection == ProjectionMode::Never && d != vector_dim {
            return Err(Error::Projection {
                vector_dim,
                d_model: d,
                reason: format!(
                    "projection is \"never\"; set projection to \"auto\" to learn a {vector_dim} × {d} map, \
                     or d_model to {vector_dim}"
                ),
            });
        }
        if self.layer_norm && !(self.layer_norm_eps.is_finite() && self.layer_norm_eps > 0.0) {
            return Err(Error::config(
                "layer_norm_eps",
                self.layer_norm_eps,
                "it must be a finite number > 0 (PyTorch uses 1e-5, BERT 1e-12)",
            ));
        }
        Dropout::new(self.dropout, self.seed)?;
        self.batch.validate()?;
        Ok(d)
    }

    fn projects(&self, vector_dim: usize, d: usize) -> bool {
        match self.projection {
            ProjectionMode::Auto => vector_dim != d,
            ProjectionMode::Always => true,
            ProjectionMode::Never => false,
        }
    }
}

/// The output of a forward pass: `x` `[batch, seq, d_model]` and the mask
/// `[batch, seq]` (true at real tokens).
#[derive(Debug, Clone, PartialEq)]
pub struct InputOutput<T: Real = f32> {
    /// The transformer input.
    pub x: Array3<T>,
    /// True at real tokens, false at padding.
    pub mask: Array2<bool>,
}

/// What a forward pass keeps for its backward pass.
#[derive(Debug, Clone)]
pub struct InputCache<T: Real = f32> {
    /// The `signature()` of the layer that made it.
    signature: [usize; 6],
    batch: usize,
    seq: usize,
    mode: Mode,
    ids: Vec<u32>,
    positions: Vec<usize>,
    /// The gathered token vectors `[n, vector_dim]`, when projected.
    gathered: Option<Array2<T>>,
    /// `x̂` `[n, d]` and `1/σ` `[n]` of the LayerNorm.
    xhat: Vec<T>,
    rstd: Vec<T>,
}

/// Gradients of an [`InputLayer`]'s parameters (`None` for those it does not
/// have, and for the embedding when frozen).
#[derive(Debug, Clone, PartialEq)]
pub struct InputGrads<T: Real = f32> {
    /// Rows of the token embedding the batch touched (never `[PAD]`).
    pub embedding: Option<RowGrad<T>>,
    /// Projection weight `[vector_dim, d_model]`.
    pub projection_weight: Option<Vec<T>>,
    /// Projection bias `[d_model]`.
    pub projection_bias: Option<Vec<T>>,
    /// Learned position table `[max_positions, d_model]`.
    pub positions: Option<Vec<T>>,
    /// LayerNorm γ `[d_model]`.
    pub gamma: Option<Vec<T>>,
    /// LayerNorm β `[d_model]`.
    pub beta: Option<Vec<T>>,
}

/// The projection `y = x W + b`.
#[derive(Debug, Clone, PartialEq)]
struct Projection<T: Real> {
    /// `[vector_dim, d_model]`.
    weight: Array2<T>,
    bias: Vec<T>,
}

/// The input layer of a transformer.
///
/// For each token at position `p` of a padded batch:
/// `y = Dropout(LayerNorm(s · Proj(E[id]) + P[p]))` with `s = √d_model` when
/// `scale_embeddings`, `P` the absolute encoding, and each stage optional as
/// the [`InputConfig`] says. Generic over the scalar so the gradient checks
/// can run the same code in `f64`.
#[derive(Debug, Clone)]
pub struct InputLayer<T: Real = f32> {
    config: InputConfig,
    d_model: usize,
    embedding: TokenEmbedding<T>,
    projection: Option<Projection<T>>,
    absolute: Absolute<T>,
    norm: Option<LayerNorm<T>>,
    dropout: Dropout,
}

impl<T: Real> InputLayer<T> {
    /// Builds the layer around a token embedding (see
    /// [`TokenEmbedding::from_lookup`] and [`crate::embedding_from_vectors`]).
    pub fn new(config: InputConfig, mut embedding: TokenEmbedding<T>) -> Result<Self> {
        let v = embedding.dim();
        let d = config.validate(v)?;
        embedding.set_frozen(config.freeze_embeddings);
        let projection = if config.projects(v, d) {
            let bound = 1.0 / (v as f64).sqrt();
            let mut g = rng(config.seed, SALT_PROJECTION);
            let mut weight = Array2::zeros((v, d));
            if let Some(w) = weight.as_slice_mut() {
                fill_uniform(w, bound, &mut g);
            }
            let mut bias = vec![T::zero(); d];
            fill_uniform(&mut bias, bound, &mut g);
            Some(Projection { weight, bias })
        } else {
            None
        };
        let absolute = Absolute::new(
            &config.positions,
            d,
            config.batch.max_len,
            rng_seed(config.seed, SALT_POSITIONS),
        )?;
        let norm = config
            .layer_norm
            .then(|| LayerNorm::new(d, config.layer_norm_eps, config.layer_norm_affine));
        let dropout = Dropout::new(config.dropout, config.seed)?;
        Ok(InputLayer {
            config,
            d_model: d,
            embedding,
            projection,
            absolute,
            norm,
            dropout,
        })
    }

    /// The settings.
    pub fn config(&self) -> &InputConfig {
        &self.config
    }

    /// Width of the output.
    pub fn d_model(&self) -> usize {
        self.d_model
    }

    /// The token embedding.
    pub fn embedding(&self) -> &TokenEmbedding<T> {
        &self.embedding
    }

    /// The token embedding, to load trained rows or (un)freeze it.
    pub fn embedding_mut(&mut self) -> &mut TokenEmbedding<T> {
        &mut self.embedding
    }

    /// The layer's vocabulary (specials first).
    pub fn vocab(&self) -> &Vocab {
        self.embedding.vocab()
    }

    /// Whether the token vectors go through a projection.
    pub fn has_projection(&self) -> bool {
        self.projection.is_some()
    }

    /// The learned position table `[max_positions, d_model]`, if the layer
    /// has one.
    pub fn learned_positions(&self) -> Option<&[T]> {
        self.absolute.learned()
    }

    /// Every parameter, frozen ones included, named as
    /// [`Trainable::params`] names them: `input.embedding` `[vocab, dim]`,
    /// `input.projection.weight` `[dim, d_model]` and
    /// `input.projection.bias`, `input.positions` `[max_positions, d_model]`,
    /// `input.norm.gamma` and `input.norm.beta` — each only when the layer
    /// has it, in that order.
    pub fn parameters(&self) -> Vec<(&'static str, &[T])> {
        let mut out: Vec<(&'static str, &[T])> = vec![("input.embedding", self.embedding.table())];
        if let Some(p) = &self.projection {
            if let Some(w) = p.weight.as_slice() {
                out.push(("input.projection.weight", w));
            }
            out.push(("input.projection.bias", &p.bias));
        }
        if let Some(t) = self.absolute.learned() {
            out.push(("input.positions", t));
        }
        if let Some(ln) = &self.norm {
            if let (Some(g), Some(b)) = (ln.gamma(), ln.beta()) {
                out.push(("input.norm.gamma", g));
                out.push(("input.norm.beta", b));
            }
        }
        out
    }

    /// [`Self::parameters`], mutable, in the same order.
    pub fn parameters_mut(&mut self) -> Vec<(&'static str, &mut [T])> {
        let mut out: Vec<(&'static str, &mut [T])> =
            vec![("input.embedding", self.embedding.table_mut())];
        if let Some(p) = &mut self.projection {
            if let Some(w) = p.weight.as_slice_mut() {
                out.push(("input.projection.weight", w));
            }
            out.push(("input.projection.bias", &mut p.bias));
        }
        if let Some(t) = self.absolute.learned_mut() {
            out.push(("input.positions", &mut t[..]));
        }
        if let Some((g, b)) = self.norm.as_mut().and_then(LayerNorm::params_mut) {
            out.push(("input.norm.gamma", g));
            out.push(("input.norm.beta", b));
        }
        out
    }

    /// What a cache must agree on with the layer that reads it: widths,
    /// vocabulary size, and which optional stages exist.
    fn signature(&self) -> [usize; 6] {
        [
            self.d_model,
            self.embedding.dim(),
            self.embedding.len(),
            self.projection.is_some() as usize,
            self.norm
                .as_ref()
                .map_or(0, |n| 1 + n.gamma.is_some() as usize),
            self.absolute.learned().map_or(0, <[T]>::len),
        ]
    }

    /// Tokenizes and pads `texts` with the layer's tokenizer, vocabulary and
    /// batch settings; positions start at `offset`.
    pub fn batch_texts<S: AsRef<str>>(&self, texts: &[S], offset: usize) -> Result<Batch> {
        Batch::from_texts(
            texts,
            &self.config.tokenizer,
            self.vocab(),
            &self.config.batch,
            offset,
        )
    }

    /// Pads id sequences with the layer's batch settings; positions start at
    /// `offset`.
    pub fn batch_ids<S: AsRef<[u32]>>(&self, seqs: &[S], offset: usize) -> Result<Batch> {
        Batch::from_ids(seqs, self.embedding.len(), &self.config.batch, offset)
    }

    /// The forward pass.
    pub fn forward(&self, batch: &Batch, mode: Mode) -> Result<InputOutput<T>> {
        Ok(self.run(batch, mode, false)?.0)
    }

    /// The forward pass, keeping what [`Self::backward`] needs.
    pub fn forward_with_cache(
        &self,
        batch: &Batch,
        mode: Mode,
    ) -> Result<(InputOutput<T>, InputCache<T>)> {
        let (out, cache) = self.run(batch, mode, true)?;
        let cache = cache.ok_or_else(|| Error::NoCache("the forward pass kept no cache".into()))?;
        Ok((out, cache))
    }

    fn run(
        &self,
        batch: &Batch,
        mode: Mode,
        keep: bool,
    ) -> Result<(InputOutput<T>, Option<InputCache<T>>)> {
        let (bsz, seq, d) = (batch.batch_size(), batch.seq_len(), self.d_model);
        if bsz == 0 || seq == 0 {
            return Err(Error::EmptyBatch);
        }
        let ids: Vec<u32> = batch.ids().iter().copied().collect();
        let positions: Vec<usize> = batch.positions().iter().copied().collect();
        self.embedding.check_ids(&ids, seq)?;
        let max_pos = positions.iter().copied().max().unwrap_or(0);
        let pos_rows = self.absolute.rows(d, max_pos)?;
        let n = embedpos_base::check_fits("input layer output", &[bsz, seq, d])? / d;
        let v = self.embedding.dim();
        let (mut out, gathered) = match &self.projection {
            Some(p) => {
                let mut g = Array2::<T>::zeros((n, v));
                for (row, &id) in g.rows_mut().into_iter().zip(&ids) {
                    let e = self.embedding.row(id).unwrap_or(&[]);
                    for (o, &x) in row.into_iter().zip(e) {
                        *o = x;
                    }
                }
                let mut y = matmul(g.view(), p.weight.view());
                for mut row in y.rows_mut() {
                    for (o, &b) in row.iter_mut().zip(&p.bias) {
                        *o += b;
                    }
                }
                (y.into_raw_vec_and_offset().0, Some(g))
            }
            None => (vec![T::zero(); n * d], None),
        };
        let ctx = RowContext {
            layer: self,
            ids: &ids,
            positions: &positions,
            pos_rows: pos_rows.as_deref(),
            seq,
            gather: self.projection.is_none(),
            scale: self
                .config
                .scale_embeddings
                .then(|| T::from_f64((d as f64).sqrt())),
            dropout: self.dropout.rows(mode),
        };
        let cache_norm = keep && self.norm.is_some();
        let mut xhat = vec![T::zero(); if cache_norm { n * d } else { 0 }];
        let mut rstd = vec![T::zero(); if cache_norm { n } else { 0 }];
        if cache_norm {
            out.par_chunks_mut(ROWS_PER_TASK * d)
                .zip(xhat.par_chunks_mut(ROWS_PER_TASK * d))
                .zip(rstd.par_chunks_mut(ROWS_PER_TASK))
                .enumerate()
                .for_each(|(t, ((o, h), r))| ctx.rows(t * ROWS_PER_TASK, o, Some(h), Some(r)));
        } else {
            out.par_chunks_mut(ROWS_PER_TASK * d)
                .enumerate()
                .for_each(|(t, o)| ctx.rows(t * ROWS_PER_TASK, o, None, None));
        }
        let x = Array3::from_shape_vec((bsz, seq, d), out).map_err(|e| {
            Error::shape(
                "input layer output",
                &[bsz, seq, d],
                &[n * d],
                e.to_string(),
            )
        })?;
        let output = InputOutput {
            x,
            mask: batch.mask().clone(),
        };
        let cache = keep.then(|| InputCache {
            signature: self.signature(),
            batch: bsz,
            seq,
            mode,
            ids,
            positions,
            gathered,
            xhat,
            rstd,
        });
        Ok((output, cache))
    }
}

/// Everything the per-row forward pass reads.
struct RowContext<'a, T: Real> {
    layer: &'a InputLayer<T>,
    ids: &'a [u32],
    positions: &'a [usize],
    pos_rows: Option<&'a [T]>,
    seq: usize,
    gather: bool,
    scale: Option<T>,
    dropout: Option<crate::dropout::RowMask>,
}

impl<T: Real> RowContext<'_, T> {
    /// Rows `first ..` of the output (`out` holds whole rows).
    fn rows(
        &self,
        first: usize,
        out: &mut [T],
        mut xhat: Option<&mut [T]>,
        mut rstd: Option<&mut [T]>,
    ) {
        let d = self.layer.d_model;
        for (k, row) in out.chunks_exact_mut(d).enumerate() {
            let r = first + k;
            let pos = self.positions[r];
            let p = self.pos_rows.map(|p| &p[pos * d..(pos + 1) * d]);
            let s = self.scale.unwrap_or(T::one());
            // ids were checked against the vocabulary before
            let e = if self.gather {
                self.layer.embedding.row(self.ids[r])
            } else {
                None
            };
            match (e, p) {
                (Some(e), Some(p)) => {
                    for ((x, &e), &p) in row.iter_mut().zip(e).zip(p) {
                        *x = e * s + p;
                    }
                }
                (Some(e), None) => {
                    for (x, &e) in row.iter_mut().zip(e) {
                        *x = e * s;
                    }
                }
                (None, Some(p)) => {
                    for (x, &p) in row.iter_mut().zip(p) {
                        *x = *x * s + p;
                    }
                }
                (None, None) => row.iter_mut().for_each(|x| *x *= s),
            }
            if let Some(ln) = &self.layer.norm {
                let h = xhat.as_deref_mut().map(|h| &mut h[k * d..(k + 1) * d]);
                let s = ln.forward_row(row, h);
                if let Some(r) = rstd.as_deref_mut() {
                    r[k] = s;
                }
            }
            if let Some(m) = &self.dropout {
                m.apply(row, r / self.seq, pos);
            }
        }
    }
}

fn rng_seed(seed: u64, salt: u64) -> u64 {
    crate::init::splitmix64(seed ^ crate::init::splitmix64(salt))
}

impl<T: Real> Trainable<T> for InputLayer<T> {
    type Grads = InputGrads<T>;

    fn params<'a>(&'a mut self, grads: &'a InputGrads<T>) -> Vec<Param<'a, T>> {
        let mut out = Vec::new();
        if let (false, Some(g)) = (self.embedding.frozen(), &grads.embedding) {
            out.push(Param {
                name: "input.embedding",
                values: self.embedding.table_mut(),
                grad: Grad::Rows(g),
            });
        }
        if let Some(p) = &mut self.projection {
            if let (Some(w), Some(slice)) = (&grads.projection_weight, p.weight.as_slice_mut()) {
                out.push(Param {
                    name: "input.projection.weight",
                    values: slice,
                    grad: Grad::Dense(w),
                });
            }
            if let Some(b) = &grads.projection_bias {
                out.push(Param {
                    name: "input.projection.bias",
                    values: &mut p.bias,
                    grad: Grad::Dense(b),
                });
            }
        }
        if let (Some(table), Some(g)) = (self.absolute.learned_mut(), &grads.positions) {
            out.push(Param {
                name: "input.positions",
                values: table,
                grad: Grad::Dense(g),
            });
        }
        if let Some(ln) = &mut self.norm {
            if let (Some(v), Some(g)) = (&mut ln.gamma, &grads.gamma) {
                out.push(Param {
                    name: "input.norm.gamma",
                    values: v,
                    grad: Grad::Dense(g),
                });
            }
            if let (Some(v), Some(g)) = (&mut ln.beta, &grads.beta) {
                out.push(Param {
                    name: "input.norm.beta",
                    values: v,
                    grad: Grad::Dense(g),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token_embedding::TokenEmbedding;

    fn embedding(dim: usize) -> TokenEmbedding<f32> {
        let vocab = Vocab::from_ordered(vec!["a".into(), "b".into()], vec![1, 1]).unwrap();
        TokenEmbedding::random(&vocab, dim, 1.0, 0).unwrap()
    }

    #[test]
    fn config_round_trips_through_json_and_rejects_unknown_fields() {
        let c = InputConfig {
            d_model: Some(32),
            positions: AbsoluteConfig::Learned {
                max_positions: Some(64),
            },
            dropout: 0.25,
            ..Default::default()
        };
        let json = serde_json::to_string_pretty(&c).unwrap();
        assert_eq!(serde_json::from_str::<InputConfig>(&json).unwrap(), c);
        let partial: InputConfig =
            serde_json::from_str(r#"{"d_model": 8, "positions": {"kind": "none"}}"#).unwrap();
        assert_eq!(partial.d_model, Some(8));
        assert!(partial.scale_embeddings && partial.layer_norm);
        assert!(serde_json::from_str::<InputConfig>(r#"{"d_modle": 8}"#).is_err());
    }

    /// A layer over `embedding(4)` of width `d_model`, with `projection`.
    fn layer_of_width(d_model: usize, projection: ProjectionMode) -> Result<InputLayer> {
        let config = InputConfig {
            d_model: Some(d_model),
            projection,
            ..Default::default()
        };
        InputLayer::new(config, embedding(4))
    }

    #[test]
    fn projection_is_added_when_widths_differ_and_refused_when_forbidden() {
        let l = layer_of_width(6, ProjectionMode::default()).unwrap();
        assert!(l.has_projection());
        let b = l.batch_ids(&[vec![4u32, 5]], 0).unwrap();
        assert_eq!(l.forward(&b, Mode::Eval).unwrap().x.shape(), &[1, 2, 6]);
        let e = layer_of_width(6, ProjectionMode::Never).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Projection {
                    vector_dim: 4,
                    d_model: 6,
                    ..
                }
            ),
            "{e}"
        );
        assert!(layer_of_width(0, ProjectionMode::default()).is_err());
    }

    #[test]
    fn bad_settings_and_inputs_are_errors() {
        for c in [
            InputConfig {
                layer_norm_eps: 0.0,
                ..Default::default()
            },
            InputConfig {
                dropout: 1.0,
                ..Default::default()
            },
            InputConfig {
                positions: AbsoluteConfig::Sinusoidal {
                    base: 1.0,
                    layout: Default::default(),
                },
                ..Default::default()
            },
            InputConfig {
                positions: AbsoluteConfig::Learned {
                    max_positions: Some(0),
                },
                ..Default::default()
            },
        ] {
            assert!(InputLayer::new(c.clone(), embedding(4)).is_err(), "{c:?}");
        }
        let l = InputLayer::new(InputConfig::default(), embedding(4)).unwrap();
        // a batch built for a bigger vocabulary
        let b = Batch::from_ids(&[vec![4u32, 50]], 100, &BatchConfig::default(), 0).unwrap();
        let e = l.forward(&b, Mode::Eval).unwrap_err();
        assert!(
            matches!(
                e,
                Error::IdOutOfRange {
                    id: 50,
                    position: 1,
                    ..
                }
            ),
            "{e}"
        );
        assert!(l.batch_ids(&[vec![4u32, 6]], 0).is_err());
        // a gradient of the wrong shape, a cache of another layer
        let b = l.batch_ids(&[vec![4u32, 5]], 0).unwrap();
        let (_, cache) = l.forward_with_cache(&b, Mode::Eval).unwrap();
        assert!(l.backward(&cache, &Array3::zeros((1, 3, 4))).is_err());
        let other = layer_of_width(4, ProjectionMode::Always).unwrap();
        let e = other
            .backward(&cache, &Array3::zeros((1, 2, 4)))
            .unwrap_err();
        assert!(matches!(e, Error::NoCache(_)), "{e}");
        // learned positions past their table
        let learned = InputLayer::new(
            InputConfig {
                positions: AbsoluteConfig::Learned {
                    max_positions: Some(4),
                },
                ..Default::default()
            },
            embedding(4),
        )
        .unwrap();
        let far = learned.batch_ids(&[vec![4u32, 5]], 3).unwrap();
        let e = learned.forward(&far, Mode::Eval).unwrap_err();
        assert!(e.to_string().contains("past the end"), "{e}");
    }
}
