//! One pre-LayerNorm transformer block (GPT-2, nanoGPT's `Block`):
//!
//! ```text
//! x ← x + Dropout(Attention(LN₁(x)))
//! x ← x + Dropout(W₂ · GELU(W₁ · LN₂(x) + b₁) + b₂)
//! ```
//!
//! The attention is the input crate's [`Attention`] (RoPE, ALiBi or T5, the
//! padding and causal masks; no bias vectors), the MLP two input-crate
//! [`Linear`] layers with biases. The backward pass runs the same stages in
//! reverse:
//!
//! ```text
//! ∂m = mask ⊙ ∂x;  ∂W₂, ∂b₂, ∂g = Linear₂ᵀ(∂m);  ∂u = ∂g ⊙ GELU'(u)
//! ∂W₁, ∂b₁, ∂h₂ = Linear₁ᵀ(∂u);  ∂x += LN₂ᵀ(∂h₂)
//! ∂a = mask ⊙ ∂x;  ∂h₁ = Attentionᵀ(∂a);  ∂x += LN₁ᵀ(∂h₁)
//! ```

use embedpos_input::{
    Attention, AttentionCache, AttentionGrads, Dropout, LayerNorm, Linear, Mode, Real,
};
use ndarray::{Array2, Array3};

use crate::error::Result;
use crate::ops::{
    add_assign, dropout_rows, gelu_backward, gelu_forward, norm_backward, norm_forward, NormCache,
};

/// One block's parameters.
#[derive(Debug, Clone)]
pub(crate) struct Block<T: Real> {
    pub(crate) ln1: LayerNorm<T>,
    pub(crate) attn: Attention<T>,
    pub(crate) ln2: LayerNorm<T>,
    pub(crate) fc: Linear<T>,
    pub(crate) proj: Linear<T>,
    /// Dropout of the attention branch and of the MLP branch.
    pub(crate) drop_attn: Dropout,
    pub(crate) drop_mlp: Dropout,
}

/// What the batch looks like to every block.
pub(crate) struct Ctx<'a> {
    pub(crate) batch: usize,
    pub(crate) seq: usize,
    pub(crate) mask: &'a Array2<bool>,
    pub(crate) positions: &'a Array2<usize>,
    pub(crate) flat_positions: &'a [usize],
    pub(crate) mode: Mode,
}

/// What a block's forward pass keeps for its backward pass.
#[derive(Debug, Clone)]
pub(crate) struct BlockCache<T: Real> {
    ln1: NormCache<T>,
    attn: AttentionCache<T>,
    ln2: NormCache<T>,
    /// LN₂'s output, the MLP's input `[n, d]`.
    h2: Array2<T>,
    /// Before GELU `[n, d_ff]`.
    u: Array2<T>,
    /// After GELU `[n, d_ff]`.
    g: Array2<T>,
    /// The tanh inside GELU `[n, d_ff]`.
    tanh: Vec<T>,
}

/// Gradients of one block's parameters.
#[derive(Debug, Clone)]
pub(crate) struct BlockGrads<T: Real> {
    pub(crate) ln1: (Vec<T>, Vec<T>),
    pub(crate) attn: AttentionGrads<T>,
    pub(crate) ln2: (Vec<T>, Vec<T>),
    pub(crate) fc: (Vec<T>, Vec<T>),
    pub(crate) proj: (Vec<T>, Vec<T>),
}

impl<T: Real> Block<T> {
    /// Runs the block on `x` (`[n, d]`, updated in place), keeping a cache
    /// when `keep`.
    pub(crate) fn forward(
        &self,
        x: &mut Array2<T>,
        ctx: &Ctx,
        keep: bool,
    ) -> Result<Option<BlockCache<T>>> {
        let (n, d) = x.dim();
        let flat = |x: &Array2<T>| x.as_slice().map(<[T]>::to_vec).unwrap_or_default();
        let (h1, ln1) = norm_forward(&self.ln1, &flat(x), d, keep);
        let h1 = Array3::from_shape_vec((ctx.batch, ctx.seq, d), h1)
            .map_err(|e| shape_error("LN₁ output", e))?;
        let (a, attn) = if keep {
            let (a, c) = self
                .attn
                .forward_with_cache(&h1, ctx.mask, Some(ctx.positions))?;
            (a, Some(c))
        } else {
            (self.attn.forward(&h1, ctx.mask, Some(ctx.positions))?, None)
        };
        let mut a = a.into_raw_vec_and_offset().0;
        dropout_rows(
            self.drop_attn.rows(ctx.mode),
            &mut a,
            d,
            ctx.seq,
            ctx.flat_positions,
        );
        let xs = x.as_slice_mut().unwrap_or_default();
        add_assign(xs, &a);
        let (h2, ln2) = norm_forward(&self.ln2, xs, d, keep);
        let h2 = Array2::from_shape_vec((n, d), h2).map_err(|e| shape_error("LN₂ output", e))?;
        let u = self.fc.forward(h2.view())?;
        let (g, tanh) = gelu_forward(u.as_slice().unwrap_or_default(), keep);
        let g = Array2::from_shape_vec(u.dim(), g).map_err(|e| shape_error("GELU output", e))?;
        let m = self.proj.forward(g.view())?;
        let mut m = m.into_raw_vec_and_offset().0;
        dropout_rows(
            self.drop_mlp.rows(ctx.mode),
            &mut m,
            d,
            ctx.seq,
            ctx.flat_positions,
        );
        add_assign(x.as_slice_mut().unwrap_or_default(), &m);
        Ok(attn.map(|attn| BlockCache {
            ln1,
            attn,
            ln2,
            h2,
            u,
            g,
            tanh,
        }))
    }

    /// The backward pass: `dx` holds `∂L/∂(block output)` and receives
    /// `∂L/∂(block input)`.
    pub(crate) fn backward(
        &self,
        cache: &BlockCache<T>,
        dx: &mut Array2<T>,
        ctx: &Ctx,
    ) -> Result<BlockGrads<T>> {
        let (n, d) = dx.dim();
        // MLP branch
        let mut dm = dx.clone();
        dropout_rows(
            self.drop_mlp.rows(ctx.mode),
            dm.as_slice_mut().unwrap_or_default(),
            d,
            ctx.seq,
            ctx.flat_positions,
        );
        let proj = self.proj.backward(cache.g.view(), dm.view())?;
        let mut du = proj.input;
        gelu_backward(
            du.as_slice_mut().unwrap_or_default(),
            cache.u.as_slice().unwrap_or_default(),
            &cache.tanh,
        );
        let fc = self.fc.backward(cache.h2.view(), du.view())?;
        let mut dh2 = fc.input.into_raw_vec_and_offset().0;
        let ln2 = norm_backward(&self.ln2, &mut dh2, &cache.ln2, d);
        let dxs = dx.as_slice_mut().unwrap_or_default();
        add_assign(dxs, &dh2);
        // attention branch
        let mut da = dxs.to_vec();
        dropout_rows(
            self.drop_attn.rows(ctx.mode),
            &mut da,
            d,
            ctx.seq,
            ctx.flat_positions,
        );
        let da = Array3::from_shape_vec((ctx.batch, ctx.seq, d), da)
            .map_err(|e| shape_error("attention gradient", e))?;
        let attn = self.attn.backward(&cache.attn, &da)?;
        let mut dh1 = attn.input.as_slice().map(<[T]>::to_vec).unwrap_or_default();
        debug_assert_eq!(dh1.len(), n * d);
        let ln1 = norm_backward(&self.ln1, &mut dh1, &cache.ln1, d);
        add_assign(dx.as_slice_mut().unwrap_or_default(), &dh1);
        Ok(BlockGrads {
            ln1,
            attn,
            ln2,
            fc: (fc.weight, fc.bias.unwrap_or_default()),
            proj: (proj.weight, proj.bias.unwrap_or_default()),
        })
    }
}

/// An array that could not take the shape its producer guarantees.
pub(crate) fn shape_error(what: &str, e: ndarray::ShapeError) -> crate::Error {
    crate::Error::Input(embedpos_input::Error::Shape {
        what: what.to_string(),
        expected: Vec::new(),
        got: Vec::new(),
        hint: e.to_string(),
    })
}
