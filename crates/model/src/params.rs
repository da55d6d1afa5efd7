//! The model's parameters as one ordered list of named tensors: what the
//! optimiser walks, what a checkpoint stores, what the gradients line up
//! with.
//!
//! # Naming scheme
//!
//! Names follow nanoGPT / GPT-2; `i` is the block index from 0. Every
//! matrix that multiplies activations is stored `[in, out]`, applied as
//! `x W` (the orientation of GPT-2's `Conv1D`); the LM head is the one
//! exception, `[vocab, d_model]` like the token table, so that tying is
//! sharing one tensor.
//!
//! | name | shape | weight decay |
//! |---|---|---|
//! | `tok_emb.weight` | `[vocab, vector_dim]` (row 0 is `[PAD]`, never trained) | yes |
//! | `tok_emb.proj.weight`, `tok_emb.proj.bias` | `[vector_dim, d_model]`, `[d_model]` (only with a projection) | weight only |
//! | `pos_emb.weight` | `[max_positions, d_model]` (learned positions only) | yes |
//! | `blocks.i.ln1.weight`, `blocks.i.ln1.bias` | `[d_model]` | no |
//! | `blocks.i.attn.wq.weight` … `wk`, `wv`, `wo` | `[d_model, d_model]` | yes |
//! | `blocks.i.attn.t5.weight` | `[num_buckets, heads]` (T5 bias only) | no |
//! | `blocks.i.ln2.weight`, `blocks.i.ln2.bias` | `[d_model]` | no |
//! | `blocks.i.mlp.fc.weight`, `blocks.i.mlp.fc.bias` | `[d_model, d_ff]`, `[d_ff]` | weight only |
//! | `blocks.i.mlp.proj.weight`, `blocks.i.mlp.proj.bias` | `[d_ff, d_model]`, `[d_model]` | weight only |
//! | `ln_f.weight`, `ln_f.bias` | `[d_model]` | no |
//! | `lm_head.weight` | `[vocab, d_model]` (untied LM head only) | yes |
//! | `cls_head.weight`, `cls_head.bias` | `[d_model, classes]`, `[classes]` (classifier only) | weight only |
//!
//! Weight decay follows nanoGPT's rule: every tensor of two or more
//! dimensions decays (the weight matrices and the embedding tables), biases
//! and LayerNorm parameters do not; the T5 table, two-dimensional but a bias
//! on the logits, does not either.

use embedpos_input::{special::PAD, BiasConfig, InputGrads, Real};

use crate::block::BlockGrads;
use crate::config::Head;
use crate::error::{Error, Result};
use crate::model::Model;

/// One parameter tensor of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamInfo {
    /// Its name in checkpoints (see the [module docs](self)).
    pub name: String,
    /// Its shape; the values are row-major.
    pub shape: Vec<usize>,
    /// Whether AdamW decays it.
    pub decay: bool,
    /// False for a frozen token table: it gets no gradient and no update.
    pub trainable: bool,
}

impl ParamInfo {
    fn new(name: impl Into<String>, shape: &[usize], decay: bool) -> Self {
        ParamInfo {
            name: name.into(),
            shape: shape.to_vec(),
            decay,
            trainable: true,
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when the tensor holds no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The gradient of every parameter, in the order of [`Model::param_info`]
/// (a frozen parameter's gradient is empty).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelGrads<T: Real = f32> {
    names: Vec<String>,
    grads: Vec<Vec<T>>,
}

impl<T: Real> ModelGrads<T> {
    /// Number of tensors.
    pub fn len(&self) -> usize {
        self.grads.len()
    }

    /// True when the model has no parameter (never for a built model).
    pub fn is_empty(&self) -> bool {
        self.grads.is_empty()
    }

    /// The gradient of tensor `i` (empty when frozen).
    pub fn get(&self, i: usize) -> Option<&[T]> {
        self.grads.get(i).map(Vec::as_slice)
    }

    /// The gradient of the tensor called `name`.
    pub fn by_name(&self, name: &str) -> Option<&[T]> {
        let i = self.names.iter().position(|n| n == name)?;
        self.get(i)
    }

    /// `(name, gradient)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[T])> {
        self.names
            .iter()
            .map(String::as_str)
            .zip(self.grads.iter().map(Vec::as_slice))
    }

    /// The global L2 norm, summed in `f64` in order.
    pub fn norm(&self) -> f64 {
        self.grads
            .iter()
            .flatten()
            .map(|&g| {
                let g = g.to_f64();
                g * g
            })
            .sum::<f64>()
            .sqrt()
    }

    /// Multiplies every gradient by `factor`.
    pub fn scale(&mut self, factor: f64) {
        let f = T::from_f64(factor);
        for g in self.grads.iter_mut().flatten() {
            *g *= f;
        }
    }

    /// Gathers the gradients of the stages in parameter order.
    pub(crate) fn assemble(
        model: &Model<T>,
        input: InputGrads<T>,
        tied: Option<Vec<T>>,
        blocks: Vec<BlockGrads<T>>,
        ln_f: (Vec<T>, Vec<T>),
        head: Vec<Vec<T>>,
    ) -> Result<Self> {
        let info = model.param_info();
        let mut grads: Vec<Vec<T>> = Vec::with_capacity(info.len());
        let emb = model.input.embedding();
        if model.frozen_embedding() {
            grads.push(Vec::new());
        } else {
            let dim = emb.dim();
            let mut dense = tied.unwrap_or_else(|| vec![T::zero(); emb.len() * dim]);
            if let Some(rows) = &input.embedding {
                for (&id, g) in rows.ids().iter().zip(rows.values().chunks_exact(dim)) {
                    let row = &mut dense[id as usize * dim..(id as usize + 1) * dim];
                    for (a, &b) in row.iter_mut().zip(g) {
                        *a += b;
                    }
                }
            }
            // [PAD] is not a parameter (the input crate never trains it)
            dense[PAD as usize * dim..(PAD as usize + 1) * dim].fill(T::zero());
            grads.push(dense);
        }
        if let (Some(w), Some(b)) = (input.projection_weight, input.projection_bias) {
            grads.push(w);
            grads.push(b);
        }
        if let Some(p) = input.positions {
            grads.push(p);
        }
        for b in blocks {
            grads.extend([b.ln1.0, b.ln1.1, b.attn.wq, b.attn.wk, b.attn.wv, b.attn.wo]);
            if let Some(t5) = b.attn.t5 {
                grads.push(t5);
            }
            grads.extend([b.ln2.0, b.ln2.1, b.fc.0, b.fc.1, b.proj.0, b.proj.1]);
        }
        grads.extend([ln_f.0, ln_f.1]);
        grads.extend(head);
        if grads.len() != info.len()
            || info
                .iter()
                .zip(&grads)
                .any(|(i, g)| i.trainable && g.len() != i.len())
        {
            return Err(Error::Data(format!(
                "internal error: {} gradients for {} parameters",
                grads.len(),
                info.len()
            )));
        }
        Ok(ModelGrads {
            names: info.into_iter().map(|i| i.name).collect(),
            grads,
        })
    }
}

impl<T: Real> Model<T> {
    /// Every parameter tensor, in a fixed order: the order of
    /// [`Model::param_values`], of [`ModelGrads`], of the optimiser's state
    /// and of checkpoints.
    pub fn param_info(&self) -> Vec<ParamInfo> {
        let c = &self.config;
        let d = c.d_model;
        let mut out = Vec::new();
        let emb = self.input.embedding();
        out.push(ParamInfo {
            trainable: !emb.frozen(),
            ..ParamInfo::new("tok_emb.weight", &[emb.len(), emb.dim()], true)
        });
        if self.input.has_projection() {
            out.push(ParamInfo::new("tok_emb.proj.weight", &[emb.dim(), d], true));
            out.push(ParamInfo::new("tok_emb.proj.bias", &[d], false));
        }
        if let Some(t) = self.input.learned_positions() {
            out.push(ParamInfo::new("pos_emb.weight", &[t.len() / d, d], true));
        }
        for i in 0..self.blocks.len() {
            let p = |s: &str| format!("blocks.{i}.{s}");
            out.push(ParamInfo::new(p("ln1.weight"), &[d], false));
            out.push(ParamInfo::new(p("ln1.bias"), &[d], false));
            for w in ["wq", "wk", "wv", "wo"] {
                out.push(ParamInfo::new(
                    p(&format!("attn.{w}.weight")),
                    &[d, d],
                    true,
                ));
            }
            if let BiasConfig::T5 { num_buckets, .. } = c.bias {
                out.push(ParamInfo::new(
                    p("attn.t5.weight"),
                    &[num_buckets, c.heads],
                    false,
                ));
            }
            out.push(ParamInfo::new(p("ln2.weight"), &[d], false));
            out.push(ParamInfo::new(p("ln2.bias"), &[d], false));
            out.push(ParamInfo::new(p("mlp.fc.weight"), &[d, c.d_ff()], true));
            out.push(ParamInfo::new(p("mlp.fc.bias"), &[c.d_ff()], false));
            out.push(ParamInfo::new(p("mlp.proj.weight"), &[c.d_ff(), d], true));
            out.push(ParamInfo::new(p("mlp.proj.bias"), &[d], false));
        }
        out.push(ParamInfo::new("ln_f.weight", &[d], false));
        out.push(ParamInfo::new("ln_f.bias", &[d], false));
        match c.head {
            Head::Lm { tie_embeddings } => {
                if !tie_embeddings {
                    out.push(ParamInfo::new("lm_head.weight", &[emb.len(), d], true));
                }
            }
            Head::Classify { classes, .. } => {
                out.push(ParamInfo::new("cls_head.weight", &[d, classes], true));
                out.push(ParamInfo::new("cls_head.bias", &[classes], false));
            }
        }
        out
    }

    /// The values of every parameter, in the order of [`Model::param_info`].
    pub fn param_values(&self) -> Vec<&[T]> {
        let mut out: Vec<&[T]> = self
            .input
            .parameters()
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        for b in &self.blocks {
            out.extend([b.ln1.gamma(), b.ln1.beta()].map(Option::unwrap_or_default));
            out.extend(b.attn.parameters().into_iter().map(|(_, v)| v));
            out.extend([b.ln2.gamma(), b.ln2.beta()].map(Option::unwrap_or_default));
            let (w, bias) = b.fc.params();
            out.extend([w, bias.unwrap_or_default()]);
            let (w, bias) = b.proj.params();
            out.extend([w, bias.unwrap_or_default()]);
        }
        out.extend([self.ln_f.gamma(), self.ln_f.beta()].map(Option::unwrap_or_default));
        if let Some(w) = &self.lm_head {
            out.push(w);
        }
        if let Some(c) = &self.classifier {
            let (w, bias) = c.params();
            out.extend([w, bias.unwrap_or_default()]);
        }
        out
    }

    /// The values of every parameter, mutable, in the order of
    /// [`Model::param_info`] (frozen ones included: a loader fills them).
    pub fn param_values_mut(&mut self) -> Vec<&mut [T]> {
        let mut out: Vec<&mut [T]> = self
            .input
            .parameters_mut()
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        for b in &mut self.blocks {
            if let Some((g, bias)) = b.ln1.params_mut() {
                out.extend([g, bias]);
            }
            out.extend(b.attn.parameters_mut().into_iter().map(|(_, v)| v));
            if let Some((g, bias)) = b.ln2.params_mut() {
                out.extend([g, bias]);
            }
            let (w, bias) = b.fc.params_mut();
            out.extend([w, bias.unwrap_or_default()]);
            let (w, bias) = b.proj.params_mut();
            out.extend([w, bias.unwrap_or_default()]);
        }
        if let Some((g, bias)) = self.ln_f.params_mut() {
            out.extend([g, bias]);
        }
        if let Some(w) = &mut self.lm_head {
            out.push(w);
        }
        if let Some(c) = &mut self.classifier {
            let (w, bias) = c.params_mut();
            out.extend([w, bias.unwrap_or_default()]);
        }
        out
    }

    /// Number of parameter values (frozen ones included).
    pub fn num_params(&self) -> usize {
        self.param_info().iter().map(ParamInfo::len).sum()
    }
}
