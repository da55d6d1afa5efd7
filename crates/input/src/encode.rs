//! [`encode`]: texts + static vectors → the transformer input (optionally
//! through one attention layer), what `embedpos encode` runs; and
//! [`pipeline_summary`], the last step of `embedpos demo`.

use std::fmt;

use embedpos_embed::Embeddings;
use embedpos_tokenize::{Scratch, Tokenizer, Vocab};
use ndarray::{Array3, ArrayView4};
use serde::{Deserialize, Serialize};

use crate::absolute::AbsoluteConfig;
use crate::attention::{Attention, AttentionConfig, RotaryConfig};
use crate::batch::Batch;
use crate::dropout::Mode;
use crate::error::{Error, Result};
use crate::input_layer::{InputConfig, InputLayer};
use crate::special::SPECIAL_TOKENS;
use crate::token_embedding::InitReport;
use crate::vectors::embedding_from_vectors;

/// What [`encode`] computes; `Default`: the default [`InputConfig`], no
/// attention, positions from 0.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EncodeConfig {
    /// The input layer (run in eval mode: no dropout).
    pub input: InputConfig,
    /// One attention layer over the input layer's output, needed for the
    /// relative schemes (RoPE, ALiBi, T5). Its `d_model` is set to the input
    /// layer's; `heads = 0` picks [`default_heads`].
    pub attention: Option<AttentionConfig>,
    /// Position of each text's first token.
    pub offset: usize,
}

/// The number of heads used when none is given: the largest of 8, 4, 2, 1
/// that divides `d_model` (into even head widths when `rope`, which rotates
/// pairs of dimensions).
pub fn default_heads(d_model: usize, rope: bool) -> usize {
    [8, 4, 2, 1]
        .into_iter()
        .find(|&h| d_model.is_multiple_of(h) && (!rope || (d_model / h).is_multiple_of(2)))
        .unwrap_or(1)
}

/// The result of [`encode`].
#[derive(Debug, Clone)]
pub struct Encoded {
    /// The padded batch (ids, mask, positions).
    pub batch: Batch,
    /// `[batch, seq, d_model]`: the input layer's output, or the attention's
    /// when the config asks for one.
    pub x: Array3<f32>,
    /// What the run did and saw, for printing.
    pub summary: Summary,
}

/// A printable account of an [`encode`] run: shapes, tokens, mask, a few
/// values and, with attention, how spread out each head's weights are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// `[batch, seq, d_model]`.
    pub shape: [usize; 3],
    /// The absolute encoding (`none`, `sinusoidal`, `learned`).
    pub positions: String,
    /// `d × d_model` when the vectors were projected.
    pub projection: Option<(usize, usize)>,
    /// The attention layer, if one ran: heads, RoPE pairing, bias, causal.
    pub attention: Option<String>,
    /// The tokens of each sequence as the layer saw them (`[UNK]` for
    /// unknown ones, specials included), without padding.
    pub tokens: Vec<Vec<String>>,
    /// Each sequence's mask as `1` (token) and `0` (padding).
    pub mask: Vec<String>,
    /// Tokens that were not in the vocabulary.
    pub unknown: usize,
    /// Tokens dropped by truncation.
    pub truncated: usize,
    /// How the token embedding was initialised.
    pub init: InitReport,
    /// The first values of the first token of each of the first sequences.
    pub first_values: Vec<Vec<f32>>,
    /// Mean L2 norm of the output rows of real tokens.
    pub mean_norm: f64,
    /// Per head: the mean entropy (nats) of real queries' attention weights.
    pub attention_entropy: Vec<f64>,
    /// For comparison: the mean entropy of uniform weights over the same
    /// visible keys, `ln(#keys)`.
    pub uniform_entropy: f64,
}

/// Encodes `texts` with `emb`'s vectors: tokenize, pad, look up (tokens the
/// vectors lack get the documented init), scale, add positions, normalise and,
/// when configured, run one attention layer, in eval mode.
///
/// When the vectors carry fastText subwords, a word of `texts` that the
/// vectors lack joins the layer's vocabulary with the mean of its character
/// n-gram rows (as `fasttext print-word-vectors` gives it), so it is not
/// `[UNK]`; the init report counts it under "from subwords".
pub fn encode<S: AsRef<str>>(
    emb: &Embeddings,
    texts: &[S],
    config: &EncodeConfig,
) -> Result<Encoded> {
    if texts.is_empty() {
        return Err(Error::EmptyBatch);
    }
    let vocab = with_unseen_words(emb, texts, &config.input.tokenizer)?;
    let embedding = embedding_from_vectors::<f32>(emb, vocab.as_ref(), config.input.seed)?;
    let layer = InputLayer::new(config.input.clone(), embedding)?;
    let batch = layer.batch_texts(texts, config.offset)?;
    let out = layer.forward(&batch, Mode::Eval)?;
    let d = layer.d_model();
    let mut summary = Summary {
        shape: [batch.batch_size(), batch.seq_len(), d],
        positions: config.input.positions.name().to_string(),
        projection: layer.has_projection().then_some((emb.dim(), d)),
        attention: None,
        tokens: batch
            .ids()
            .outer_iter()
            .zip(batch.mask().outer_iter())
            .map(|(ids, mask)| {
                ids.iter()
                    .zip(mask)
                    .filter(|(_, &m)| m)
                    .map(|(&id, _)| layer.vocab().get_token(id).unwrap_or("?").to_string())
                    .collect()
            })
            .collect(),
        mask: batch
            .mask()
            .outer_iter()
            .map(|m| {
                m.iter()
                    .map(|&b| if b { "1" } else { "0" })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect(),
        unknown: batch.unknown(),
        truncated: batch.truncated().iter().sum(),
        init: layer.embedding().report().clone(),
        first_values: Vec::new(),
        mean_norm: 0.0,
        attention_entropy: Vec::new(),
        uniform_entropy: 0.0,
    };
    let x = match config.attention {
        Some(mut a) => {
            a.d_model = d;
            if a.heads == 0 {
                a.heads = default_heads(d, a.rope.is_some());
            }
            let attention = Attention::new(a)?;
            let (y, cache) =
                attention.forward_with_cache(&out.x, &out.mask, Some(batch.positions()))?;
            let (entropy, uniform) = entropies(cache.weights(a.heads)?, &batch, a.causal);
            summary.attention_entropy = entropy;
            summary.uniform_entropy = uniform;
            summary.attention = Some(format!(
                "{} heads of {}, RoPE {}, bias {}{}",
                a.heads,
                d / a.heads,
                a.rope.map_or("none".to_string(), |r| rope_name(&r)),
                a.bias.name(),
                if a.causal { ", causal" } else { "" }
            ));
            y
        }
        None => out.x,
    };
    summary.first_values = (0..batch.batch_size().min(3))
        .map(|b| {
            let s = batch.mask().row(b).iter().position(|&m| m).unwrap_or(0);
            (0..4.min(d)).map(|k| x[[b, s, k]]).collect()
        })
        .collect();
    let (mut sum, mut n) = (0.0f64, 0usize);
    for (row, &m) in x.rows().into_iter().zip(batch.mask().iter()) {
        if m {
            sum += row
                .iter()
                .map(|&v| (v as f64) * (v as f64))
                .sum::<f64>()
                .sqrt();
            n += 1;
        }
    }
    summary.mean_norm = sum / n.max(1) as f64;
    Ok(Encoded { batch, x, summary })
}

/// `emb`'s vocabulary followed by the words of `texts` it lacks (in their
/// first order), when `emb` can build their vectors from subwords; `None`
/// (the vectors' own vocabulary) otherwise or when every word is known.
fn with_unseen_words<S: AsRef<str>>(
    emb: &Embeddings,
    texts: &[S],
    tokenizer: &Tokenizer,
) -> Result<Option<Vocab>> {
    if emb.subwords().is_none() {
        return Ok(None);
    }
    let known = emb.vocab();
    let mut unseen: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut scratch = Scratch::default();
    for text in texts {
        tokenizer.for_each_token(text.as_ref(), &mut scratch, |t| {
            if known.id(t).is_none() && !SPECIAL_TOKENS.contains(&t) && seen.insert(t.to_string()) {
                unseen.push(t.to_string());
            }
        });
    }
    if unseen.is_empty() {
        return Ok(None);
    }
    let mut tokens = known.tokens().to_vec();
    let mut counts = known.counts().to_vec();
    counts.extend(std::iter::repeat_n(0, unseen.len()));
    tokens.extend(unseen);
    Ok(Some(Vocab::from_ordered(tokens, counts)?))
}

/// The demo's last step: `sentences` through an input layer on `emb`'s
/// vectors (× √d, sinusoidal positions, LayerNorm; the vectors are projected
/// to an even width if theirs is odd) and one bidirectional attention layer
/// with NeoX RoPE, summarised.
pub fn pipeline_summary<S: AsRef<str>>(emb: &Embeddings, sentences: &[S]) -> Result<Summary> {
    let d = emb.dim() + emb.dim() % 2;
    let config = EncodeConfig {
        input: InputConfig {
            d_model: Some(d),
            positions: AbsoluteConfig::sinusoidal(),
            ..Default::default()
        },
        attention: Some(AttentionConfig {
            d_model: d,
            heads: default_heads(d, true),
            rope: Some(RotaryConfig::default()),
            ..Default::default()
        }),
        offset: 0,
    };
    Ok(encode(emb, sentences, &config)?.summary)
}

fn rope_name(r: &RotaryConfig) -> String {
    let pairing = match r.pairing {
        embedpos_posenc::Pairing::HalfSplit => "neox",
        embedpos_posenc::Pairing::Interleaved => "gptj",
    };
    match r.scaling.name() {
        "none" => pairing.to_string(),
        s => format!("{pairing} ({s} ×{})", r.scaling.factor()),
    }
}

/// Per head, the mean entropy of the weights of real queries, and the mean
/// entropy uniform weights over the same keys would have.
fn entropies(w: ArrayView4<f32>, batch: &Batch, causal: bool) -> (Vec<f64>, f64) {
    let (b, heads, s, _) = w.dim();
    let mut per_head = vec![0.0f64; heads];
    let (mut uniform, mut queries) = (0.0f64, 0usize);
    for bi in 0..b {
        for i in 0..s {
            if !batch.mask()[[bi, i]] {
                continue;
            }
            queries += 1;
            let mask = batch.mask().row(bi);
            let visible = (0..s).filter(|&j| mask[j] && !(causal && j > i)).count();
            uniform += (visible.max(1) as f64).ln();
            for (h, e) in per_head.iter_mut().enumerate() {
                *e -= w
                    .index_axis(ndarray::Axis(0), bi)
                    .index_axis(ndarray::Axis(0), h)
                    .index_axis(ndarray::Axis(0), i)
                    .iter()
                    .filter(|&&p| p > 0.0)
                    .map(|&p| p as f64 * (p as f64).ln())
                    .sum::<f64>();
            }
        }
    }
    let q = queries.max(1) as f64;
    (per_head.into_iter().map(|e| e / q).collect(), uniform / q)
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [b, s, d] = self.shape;
        write!(
            f,
            "shape [{b}, {s}, {d}] (batch, seq, d_model); positions: {}",
            self.positions
        )?;
        if let Some((v, d)) = self.projection {
            write!(f, "; vectors projected {v} -> {d}")?;
        }
        writeln!(f)?;
        if let Some(a) = &self.attention {
            writeln!(f, "attention: {a}")?;
        }
        let i = &self.init;
        write!(
            f,
            "vocabulary: {} tokens, {} from vectors, {} from subwords, {} drawn (std {:.3})",
            i.tokens, i.from_vectors, i.from_subwords, i.missing, i.init_std
        )?;
        writeln!(
            f,
            "; {} unknown token(s) in the input, {} truncated",
            self.unknown, self.truncated
        )?;
        for (k, (tokens, mask)) in self.tokens.iter().zip(&self.mask).enumerate() {
            writeln!(f, "  [{k}] mask {mask}   tokens: {}", tokens.join(" "))?;
        }
        for (k, v) in self.first_values.iter().enumerate() {
            let shown: Vec<String> = v.iter().map(|x| format!("{x:+.4}")).collect();
            writeln!(f, "  [{k}] first token, first values: {}", shown.join(" "))?;
        }
        write!(f, "mean norm of token rows: {:.3}", self.mean_norm)?;
        if !self.attention_entropy.is_empty() {
            let shown: Vec<String> = self
                .attention_entropy
                .iter()
                .map(|e| format!("{e:.3}"))
                .collect();
            write!(
                f,
                "\nattention entropy per head (nats): {} (uniform over the visible keys: {:.3})",
                shown.join(" "),
                self.uniform_entropy
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attention::BiasConfig;

    fn emb(dim: usize) -> Embeddings {
        let words: Vec<String> = ["the", "cat", "sat", "on", "mat"]
            .map(String::from)
            .to_vec();
        let m: Vec<f32> = (0..words.len() * dim)
            .map(|i| ((i * 37 % 17) as f32 - 8.0) / 8.0)
            .collect();
        Embeddings::new(Vocab::from_ordered(words, vec![1; 5]).unwrap(), dim, m).unwrap()
    }

    #[test]
    fn unseen_words_take_subword_vectors_not_unk() {
        use embedpos_embed::Subwords;
        use embedpos_tokenize::NgramConfig;
        let cfg = NgramConfig {
            minn: 3,
            maxn: 4,
            bucket: 8,
        };
        let rows: Vec<f32> = (0..8 * 6).map(|i| (i % 7) as f32 / 7.0 - 0.4).collect();
        let e = emb(6)
            .with_subwords(Subwords::new(cfg, 6, rows).unwrap())
            .unwrap();
        let out = encode(
            &e,
            &["the nightzzz cat", "nightzzz"],
            &EncodeConfig::default(),
        )
        .unwrap();
        assert_eq!(out.summary.tokens[0], ["the", "nightzzz", "cat"]);
        assert_eq!(out.summary.tokens[1], ["nightzzz"]);
        assert_eq!(out.summary.unknown, 0);
        assert_eq!(out.summary.init.from_subwords, 1, "one unseen word, once");
        // The word joins the vocabulary after the vectors' own words.
        let plain = with_unseen_words(&e, &["nightzzz"], &Tokenizer::default())
            .unwrap()
            .unwrap();
        assert_eq!(plain.tokens().last().map(String::as_str), Some("nightzzz"));
        // Without subwords the word stays unknown.
        let out = encode(&emb(6), &["the nightzzz"], &EncodeConfig::default()).unwrap();
        assert_eq!(out.summary.tokens[0], ["the", "[UNK]"]);
    }

    #[test]
    fn encodes_with_and_without_attention() {
        let e = emb(6);
        let plain = encode(&e, &["the cat sat", "the dog"], &EncodeConfig::default()).unwrap();
        assert_eq!(plain.x.shape(), &[2, 3, 6]);
        assert_eq!(plain.summary.mask, ["1 1 1", "1 1 0"]);
        assert_eq!(plain.summary.tokens[1], ["the", "[UNK]"]);
        assert_eq!(plain.summary.unknown, 1);
        let cfg = EncodeConfig {
            attention: Some(AttentionConfig {
                heads: 0,
                rope: Some(RotaryConfig::default()),
                bias: BiasConfig::Alibi,
                ..Default::default()
            }),
            ..Default::default()
        };
        let att = encode(&e, &["the cat sat", "the dog"], &cfg).unwrap();
        assert_eq!(att.x.shape(), &[2, 3, 6]);
        assert_eq!(
            att.summary.attention_entropy.len(),
            1,
            "6 = 1 head of 6 (3 heads of 3 cannot rotate pairs)"
        );
        let text = att.summary.to_string();
        assert!(
            text.contains("shape [2, 3, 6]") && text.contains("attention entropy"),
            "{text}"
        );
        assert!(encode(&e, &[] as &[&str], &cfg).is_err());
        assert!(encode(&e, &["the", ""], &cfg).is_err());
    }

    #[test]
    fn demo_summary_handles_odd_widths() {
        let s = pipeline_summary(&emb(5), &["the cat sat on the mat", "the mat"]).unwrap();
        assert_eq!(s.shape, [2, 6, 6]);
        assert_eq!(s.projection, Some((5, 6)));
        assert!(s.attention.as_deref().unwrap_or("").contains("RoPE neox"));
        for &e in &s.attention_entropy {
            assert!(
                e >= 0.0 && e <= s.uniform_entropy + 1e-6,
                "{e} {}",
                s.uniform_entropy
            );
        }
    }

    #[test]
    fn default_heads_divide_evenly() {
        assert_eq!(default_heads(512, true), 8);
        assert_eq!(default_heads(100, true), 2);
        assert_eq!(default_heads(100, false), 4);
        assert_eq!(default_heads(6, true), 1);
        assert_eq!(default_heads(7, false), 1);
    }
}
