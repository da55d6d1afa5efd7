//! Finite-difference checks of every backward pass, on small random shapes
//! and settings drawn by proptest.
//!
//! The layers run in `f64` (they are generic over the scalar), the loss is
//! `L = Σ G ⊙ attention(input_layer(batch))` with a random `G`, and each
//! analytic derivative is compared with the central difference
//! `(L(θ + h) − L(θ − h)) / 2h`, `h = 1e-6`, whose error is about `h²·L'''`
//! plus rounding `1e-16 / h`, both far below the tolerance.
//!
//! Tolerance: `|analytic − numeric| ≤ 1e-3 · max(|analytic|, |numeric|) + 1e-8`
//! (relative error at most 1e-3; the absolute floor only matters for
//! derivatives that are zero up to rounding).
//!
//! The `[PAD]` row of the token embedding is not a parameter (it is never
//! trained, see `TokenEmbedding`), so its entries are not checked.

use embedpos_input::{
    AbsoluteConfig, Attention, AttentionConfig, AttentionGrads, BiasConfig, Grad, InputConfig,
    InputGrads, InputLayer, Mode, PadSide, ProjectionMode, Real, RotaryConfig, TokenEmbedding,
    Trainable,
};
use embedpos_posenc::{Pairing, Scaling};
use embedpos_tokenize::Vocab;
use ndarray::Array3;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const H: f64 = 1e-6;
const REL_TOL: f64 = 1e-3;
const ABS_TOL: f64 = 1e-8;
/// Entries checked per parameter (all of them when it has fewer).
const SAMPLES: usize = 24;

/// One random setting.
#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    batch: usize,
    d_model: usize,
    heads: usize,
    vector_dim: usize,
    positions: usize,
    scale: bool,
    affine: bool,
    dropout: bool,
    frozen: bool,
    left: bool,
    offset: usize,
    causal: bool,
    rope: usize,
    bias: usize,
}

fn cases() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        1usize..=3,
        prop_oneof![
            Just((4usize, 2usize)),
            Just((6, 3)),
            Just((8, 2)),
            Just((8, 4)),
            Just((6, 1))
        ],
        0usize..3,
        (
            0usize..3,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            any::<bool>(),
            0usize..3,
            any::<bool>(),
            0usize..3,
            0usize..3,
        ),
    )
        .prop_map(
            |(
                seed,
                batch,
                (d_model, heads),
                vd,
                (positions, scale, affine, dropout, frozen),
                (left, offset, causal, rope, bias),
            )| {
                Case {
                    seed,
                    batch,
                    d_model,
                    heads,
                    vector_dim: [d_model, d_model - 1, d_model + 2][vd],
                    positions,
                    scale,
                    affine,
                    dropout,
                    frozen,
                    left,
                    offset,
                    causal,
                    rope,
                    bias,
                }
            },
        )
}

struct Model {
    input: InputLayer<f64>,
    attention: Attention<f64>,
    seqs: Vec<Vec<u32>>,
    offset: usize,
    mode: Mode,
    g: Array3<f64>,
}

fn build(c: &Case) -> Model {
    let mut rng = StdRng::seed_from_u64(c.seed);
    let tokens: Vec<String> = (0..6).map(|i| format!("t{i}")).collect();
    let vocab = Vocab::from_ordered(tokens, vec![1; 6]).unwrap();
    // a unit-scale table, so LayerNorm is far from its ε
    let embedding = TokenEmbedding::<f64>::random(&vocab, c.vector_dim, 1.0, c.seed).unwrap();
    let config = InputConfig {
        d_model: Some(c.d_model),
        projection: ProjectionMode::Auto,
        scale_embeddings: c.scale,
        positions: [
            AbsoluteConfig::None,
            AbsoluteConfig::sinusoidal(),
            AbsoluteConfig::Learned {
                max_positions: Some(16),
            },
        ][c.positions],
        layer_norm: true,
        layer_norm_affine: c.affine,
        dropout: if c.dropout { 0.3 } else { 0.0 },
        freeze_embeddings: c.frozen,
        batch: embedpos_input::BatchConfig {
            max_len: 8,
            padding: if c.left {
                PadSide::Left
            } else {
                PadSide::Right
            },
            ..Default::default()
        },
        seed: c.seed,
        ..Default::default()
    };
    let mut input = InputLayer::<f64>::new(config, embedding).unwrap();
    // move LayerNorm's γ, β and the learned positions off their initial values
    let grads_shape = {
        let seqs = vec![vec![4u32]];
        let b = input.batch_ids(&seqs, 0).unwrap();
        let (_, cache) = input.forward_with_cache(&b, Mode::Eval).unwrap();
        input
            .backward(&cache, &Array3::ones((1, 1, c.d_model)))
            .unwrap()
    };
    for p in input.params(&grads_shape) {
        if p.name != "input.embedding" {
            for v in p.values.iter_mut() {
                *v += rng.random_range(-0.5..0.5);
            }
        }
    }
    let head_dim = c.d_model / c.heads;
    let rope = match c.rope {
        1 if head_dim >= 2 => Some(RotaryConfig {
            rotary_dim: Some(head_dim - head_dim % 2),
            ..Default::default()
        }),
        2 if head_dim >= 2 => Some(RotaryConfig {
            pairing: Pairing::Interleaved,
            rotary_dim: Some(2),
            scaling: Scaling::Linear { factor: 2.0 },
            ..Default::default()
        }),
        _ => None,
    };
    let attention = Attention::<f64>::new(AttentionConfig {
        d_model: c.d_model,
        heads: c.heads,
        causal: c.causal,
        rope,
        bias: [
            BiasConfig::None,
            BiasConfig::Alibi,
            BiasConfig::T5 {
                num_buckets: 4,
                max_distance: 4,
            },
        ][c.bias],
        seed: c.seed ^ 1,
    })
    .unwrap();
    let seqs: Vec<Vec<u32>> = (0..c.batch)
        .map(|_| {
            let len = rng.random_range(1..=5);
            (0..len).map(|_| rng.random_range(1..10u32)).collect()
        })
        .collect();
    let seq = seqs.iter().map(Vec::len).max().unwrap();
    let g = Array3::from_shape_fn((c.batch, seq, c.d_model), |_| rng.random_range(-1.0..1.0));
    Model {
        input,
        attention,
        seqs,
        offset: c.offset,
        mode: if c.dropout {
            Mode::Train { step: 3 }
        } else {
            Mode::Eval
        },
        g,
    }
}

fn loss(input: &InputLayer<f64>, attention: &Attention<f64>, m: &Model) -> f64 {
    let batch = input.batch_ids(&m.seqs, m.offset).unwrap();
    let x = input.forward(&batch, m.mode).unwrap();
    let y = attention
        .forward(&x.x, &x.mask, Some(batch.positions()))
        .unwrap();
    (&y * &m.g).sum()
}

fn close(analytic: f64, numeric: f64) -> bool {
    (analytic - numeric).abs() <= REL_TOL * analytic.abs().max(numeric.abs()) + ABS_TOL
}

/// Checks sampled entries of every parameter of `layer` (a clone of which
/// `perturbed` evaluates the loss with).
fn check_layer<L: Trainable<f64> + Clone>(
    layer: &L,
    grads: &L::Grads,
    skip: impl Fn(&str, usize) -> bool,
    perturbed: impl Fn(&L) -> f64,
    rng: &mut StdRng,
) -> Result<usize, String> {
    let mut probe = layer.clone();
    let shapes: Vec<(&'static str, usize)> = probe
        .params(grads)
        .iter()
        .map(|p| (p.name, p.values.len()))
        .collect();
    let mut checked = 0;
    for (pi, (name, len)) in shapes.into_iter().enumerate() {
        let picks: Vec<usize> = if len <= SAMPLES {
            (0..len).collect()
        } else {
            (0..SAMPLES).map(|_| rng.random_range(0..len)).collect()
        };
        for j in picks {
            if skip(name, j) {
                continue;
            }
            let eval = |delta: f64| {
                let mut l = layer.clone();
                l.params(grads)[pi].values[j] += delta;
                perturbed(&l)
            };
            let numeric = (eval(H) - eval(-H)) / (2.0 * H);
            let mut l = layer.clone();
            let analytic = match l.params(grads)[pi].grad {
                Grad::Dense(g) => g[j],
                Grad::Rows(r) => r
                    .row((j / r.width()) as u32)
                    .map_or(0.0, |row| row[j % r.width()]),
            };
            if !close(analytic, numeric) {
                return Err(format!(
                    "{name}[{j}]: analytic {analytic:e}, numeric {numeric:e}"
                ));
            }
            checked += 1;
        }
    }
    Ok(checked)
}

fn check(c: &Case) -> Result<(), String> {
    let m = build(c);
    let batch = m
        .input
        .batch_ids(&m.seqs, m.offset)
        .map_err(|e| e.to_string())?;
    let (x, input_cache) = m
        .input
        .forward_with_cache(&batch, m.mode)
        .map_err(|e| e.to_string())?;
    let (_, attn_cache) = m
        .attention
        .forward_with_cache(&x.x, &x.mask, Some(batch.positions()))
        .map_err(|e| e.to_string())?;
    let attn_grads = m
        .attention
        .backward(&attn_cache, &m.g)
        .map_err(|e| e.to_string())?;
    let input_grads = m
        .input
        .backward(&input_cache, &attn_grads.input)
        .map_err(|e| e.to_string())?;
    if c.frozen && input_grads.embedding.is_some() {
        return Err("a frozen embedding got a gradient".into());
    }
    let mut rng = StdRng::seed_from_u64(c.seed ^ 0xfd);
    let width = m.input.embedding().dim();
    let a = check_layer(
        &m.attention,
        &attn_grads,
        |_, _| false,
        |att| loss(&m.input, att, &m),
        &mut rng,
    )?;
    let b = check_layer(
        &m.input,
        &input_grads,
        |name, j| name == "input.embedding" && j < width,
        |inp| loss(inp, &m.attention, &m),
        &mut rng,
    )?;
    // the input layer may have no parameter at all (frozen, no projection,
    // no learned positions, no affine LayerNorm); the attention always has
    if a == 0 {
        return Err(format!(
            "nothing checked ({a} attention, {b} input entries)"
        ));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_gradient_matches_finite_differences(c in cases()) {
        if let Err(e) = check(&c) {
            prop_assert!(false, "{e}\n{c:?}");
        }
    }
}

/// The gradients of `L = Σ G ⊙ attention(input_layer(seqs))` in the scalar
/// type of `g`, with the layers of `cfg` and `att_cfg` drawn from seed 5.
fn gradients<T: Real>(
    vocab: &Vocab,
    cfg: &InputConfig,
    att_cfg: AttentionConfig,
    seqs: &[Vec<u32>],
    g: &Array3<T>,
) -> (AttentionGrads<T>, InputGrads<T>) {
    let embedding = TokenEmbedding::<T>::random(vocab, 8, 1.0, 5).unwrap();
    let input = InputLayer::new(cfg.clone(), embedding).unwrap();
    let attention = Attention::<T>::new(att_cfg).unwrap();
    let b = input.batch_ids(seqs, 0).unwrap();
    let (x, ic) = input.forward_with_cache(&b, Mode::Eval).unwrap();
    let (_, ac) = attention
        .forward_with_cache(&x.x, &x.mask, Some(b.positions()))
        .unwrap();
    let ag = attention.backward(&ac, g).unwrap();
    let ig = input.backward(&ic, &ag.input).unwrap();
    (ag, ig)
}

/// The `f32` path computes the same gradients as the `f64` one up to `f32`
/// rounding: relative error of the whole gradient vector below 1e-3.
#[test]
fn f32_gradients_agree_with_f64() {
    let vocab = Vocab::from_ordered((0..5).map(|i| format!("w{i}")).collect(), vec![1; 5]).unwrap();
    let cfg = InputConfig {
        d_model: Some(8),
        dropout: 0.0,
        ..Default::default()
    };
    let att_cfg = AttentionConfig {
        d_model: 8,
        heads: 2,
        rope: Some(RotaryConfig::default()),
        bias: BiasConfig::t5(),
        ..Default::default()
    };
    let seqs = vec![vec![4u32, 5, 6, 7], vec![8, 4]];
    let g64 = Array3::from_shape_fn((2, 4, 8), |(b, s, j)| {
        ((b * 31 + s * 7 + j) as f64 * 0.37).sin()
    });
    let g32 = g64.mapv(|x| x as f32);

    let (ag64, ig64) = gradients(&vocab, &cfg, att_cfg, &seqs, &g64);
    let (ag32, ig32) = gradients(&vocab, &cfg, att_cfg, &seqs, &g32);

    let rel = |a: &[f64], b: &[f32]| {
        let num: f64 = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - *y as f64).powi(2))
            .sum::<f64>()
            .sqrt();
        let den: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
        num / den
    };
    for (name, a, b) in [
        ("wq", &ag64.wq, &ag32.wq),
        ("wo", &ag64.wo, &ag32.wo),
        ("t5", ag64.t5.as_ref().unwrap(), ag32.t5.as_ref().unwrap()),
        (
            "gamma",
            ig64.gamma.as_ref().unwrap(),
            ig32.gamma.as_ref().unwrap(),
        ),
    ] {
        let r = rel(a, b);
        assert!(r < 1e-3, "{name}: relative error {r:e}");
    }
    let (r64, r32) = (ig64.embedding.unwrap(), ig32.embedding.unwrap());
    assert_eq!(r64.ids(), r32.ids());
    assert!(rel(r64.values(), r32.values()) < 1e-3);
}
