//! Properties the input layer and the attention must have for every input:
//! padding invariance, invariance of relative schemes to a shift of all
//! positions, frozen embeddings staying put, dropout off in eval mode, and
//! determinism with a seed.

use embedpos_input::ndarray::{s, Array3};
use embedpos_input::{
    AbsoluteConfig, Adam, AdamConfig, Attention, AttentionConfig, BatchConfig, BiasConfig,
    InputConfig, InputLayer, Mode, PadSide, RotaryConfig, Sgd, TokenEmbedding, Trainable,
};
use embedpos_posenc::Pairing;
use embedpos_tokenize::Vocab;
use proptest::prelude::*;

const D: usize = 16;
const VOCAB: u32 = 24;

fn vocab() -> Vocab {
    Vocab::from_ordered(
        (0..VOCAB - 4).map(|i| format!("w{i}")).collect(),
        vec![1; (VOCAB - 4) as usize],
    )
    .unwrap()
}

fn layer(positions: AbsoluteConfig, padding: PadSide, dropout: f64, seed: u64) -> InputLayer {
    let embedding = TokenEmbedding::random(&vocab(), 12, 1.0, seed).unwrap();
    InputLayer::new(
        InputConfig {
            d_model: Some(D),
            positions,
            dropout,
            batch: BatchConfig {
                padding,
                max_len: 64,
                ..Default::default()
            },
            seed,
            ..Default::default()
        },
        embedding,
    )
    .unwrap()
}

fn attention(rope: Option<RotaryConfig>, bias: BiasConfig, causal: bool) -> Attention {
    Attention::new(AttentionConfig {
        d_model: D,
        heads: 4,
        causal,
        rope,
        bias,
        seed: 9,
    })
    .unwrap()
}

fn attentions() -> Vec<Attention> {
    let neox = Some(RotaryConfig::default());
    let gptj = Some(RotaryConfig {
        pairing: Pairing::Interleaved,
        ..Default::default()
    });
    vec![
        attention(None, BiasConfig::None, false),
        attention(neox, BiasConfig::None, false),
        attention(gptj, BiasConfig::None, true),
        attention(None, BiasConfig::Alibi, false),
        attention(None, BiasConfig::Alibi, true),
        attention(neox, BiasConfig::t5(), false),
        attention(None, BiasConfig::t5(), true),
    ]
}

fn seqs() -> impl Strategy<Value = Vec<Vec<u32>>> {
    prop::collection::vec(prop::collection::vec(1..VOCAB, 1..10), 1..4)
}

fn max_abs_diff(a: impl IntoIterator<Item = f32>, b: impl IntoIterator<Item = f32>) -> f32 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Each sequence alone (no padding) and in a batch padded to a longer
    /// one give the same outputs at its real positions: for the input layer
    /// with every absolute encoding, and for every attention variant, with
    /// right and left padding. Also in training mode, since dropout masks are
    /// keyed by (sequence, position), not by the padded column.
    #[test]
    fn padding_does_not_change_real_outputs(seqs in seqs(), extra in 1usize..8, left in any::<bool>(), train in any::<bool>()) {
        let padding = if left { PadSide::Left } else { PadSide::Right };
        let mode = if train { Mode::Train { step: 5 } } else { Mode::Eval };
        let longest = seqs.iter().map(Vec::len).max().unwrap();
        let mut padded = seqs.clone();
        padded.push(vec![4; longest + extra]);
        for positions in [AbsoluteConfig::None, AbsoluteConfig::sinusoidal(), AbsoluteConfig::Learned { max_positions: None }] {
            let l = layer(positions, padding, 0.2, 1);
            let big = l.batch_ids(&padded, 0).unwrap();
            let out = l.forward(&big, mode).unwrap();
            let atts = attentions();
            let ys: Vec<Array3<f32>> = atts.iter().map(|a| a.forward(&out.x, &out.mask, Some(big.positions())).unwrap()).collect();
            for (b, s) in seqs.iter().enumerate() {
                // alone, at the same batch index so that dropout keys agree
                let mut alone_seqs = vec![vec![4u32]; b];
                alone_seqs.push(s.clone());
                let alone = l.batch_ids(&alone_seqs, 0).unwrap();
                let small = l.forward(&alone, mode).unwrap();
                let cols = |len: usize, total: usize| if left { total - len..total } else { 0..len };
                let (big_cols, small_cols) = (cols(s.len(), big.seq_len()), cols(s.len(), alone.seq_len()));
                let a = out.x.slice(s![b, big_cols.clone(), ..]);
                let c = small.x.slice(s![b, small_cols.clone(), ..]);
                prop_assert_eq!(a, c, "input layer, {}", positions.name());
                for (att, y) in atts.iter().zip(&ys) {
                    let ya = att.forward(&small.x, &small.mask, Some(alone.positions())).unwrap();
                    let diff = max_abs_diff(
                        y.slice(s![b, big_cols.clone(), ..]).iter().copied(),
                        ya.slice(s![b, small_cols.clone(), ..]).iter().copied(),
                    );
                    prop_assert!(diff < 1e-5, "{:?}: {}", att.config(), diff);
                }
            }
        }
    }

    /// Starting every sequence at position t instead of 0 changes no
    /// attention weight under RoPE (both pairings), ALiBi or T5: they see
    /// only position differences. (No absolute encoding, so the attention's
    /// input is the same.) Checked on the rows of real queries.
    #[test]
    fn shifting_positions_leaves_relative_attention_unchanged(seqs in seqs(), t in 1usize..5000, left in any::<bool>()) {
        let padding = if left { PadSide::Left } else { PadSide::Right };
        let l = layer(AbsoluteConfig::None, padding, 0.0, 2);
        let b0 = l.batch_ids(&seqs, 0).unwrap();
        let bt = l.batch_ids(&seqs, t).unwrap();
        let x0 = l.forward(&b0, Mode::Eval).unwrap();
        let xt = l.forward(&bt, Mode::Eval).unwrap();
        prop_assert_eq!(&x0, &xt);
        for att in attentions() {
            let w0 = att.attention_weights(&x0.x, &x0.mask, Some(b0.positions())).unwrap();
            let wt = att.attention_weights(&xt.x, &xt.mask, Some(bt.positions())).unwrap();
            // rows of real queries (a padding query has position 0 in both
            // batches, so its distances to the real keys do change)
            let mut diff = 0.0f32;
            for (((b, _, i, _), &a), &c) in w0.indexed_iter().zip(wt.iter()) {
                if x0.mask[[b, i]] {
                    diff = diff.max((a - c).abs());
                }
            }
            // RoPE: cos/sin are rounded to f32 at each position, so the
            // weights agree to f32 rounding; ALiBi and T5 exactly
            let tol = if att.config().rope.is_some() { 1e-4 } else { 0.0 };
            prop_assert!(diff <= tol, "{:?}: {}", att.config(), diff);
        }
    }
}

fn train_step<O>(l: &mut InputLayer, att: &Attention, step: u64, mut opt: O)
where
    O: FnMut(Vec<embedpos_input::Param<'_, f32>>),
{
    let batch = l.batch_ids(&[vec![4u32, 5, 6], vec![7, 8]], 0).unwrap();
    let (x, cache) = l.forward_with_cache(&batch, Mode::Train { step }).unwrap();
    let (y, ac) = att
        .forward_with_cache(&x.x, &x.mask, Some(batch.positions()))
        .unwrap();
    let g = att.backward(&ac, &y).unwrap();
    let grads = l.backward(&cache, &g.input).unwrap();
    opt(l.params(&grads));
}

#[test]
fn a_frozen_embedding_receives_no_update() {
    let att = attention(Some(RotaryConfig::default()), BiasConfig::None, false);
    for adam in [false, true] {
        let mut l = layer(
            AbsoluteConfig::Learned {
                max_positions: None,
            },
            PadSide::Right,
            0.1,
            3,
        );
        l.embedding_mut().set_frozen(true);
        let before_table = l.embedding().table().to_vec();
        let before_pos = l.learned_positions().unwrap().to_vec();
        let mut sgd = Sgd::new(0.1).unwrap();
        let mut adam_opt = Adam::new(AdamConfig::default()).unwrap();
        for step in 0..3 {
            train_step(&mut l, &att, step, |p| {
                assert!(p.iter().all(|p| p.name != "input.embedding"));
                if adam {
                    adam_opt.step(p).unwrap()
                } else {
                    sgd.step(p).unwrap()
                }
            });
        }
        assert_eq!(l.embedding().table(), &before_table[..]);
        assert_ne!(
            l.learned_positions().unwrap(),
            &before_pos[..],
            "the other parameters do train"
        );
        // unfrozen, the same steps move the rows the batch used
        l.embedding_mut().set_frozen(false);
        train_step(&mut l, &att, 9, |p| sgd.step(p).unwrap());
        assert_ne!(l.embedding().table(), &before_table[..]);
        assert_eq!(
            l.embedding().row(0),
            Some(&[0.0f32; 12][..]),
            "[PAD] stays zero"
        );
    }
}

#[test]
fn dropout_is_off_in_eval_mode_and_on_in_training() {
    let with = layer(AbsoluteConfig::sinusoidal(), PadSide::Right, 0.5, 4);
    let without = layer(AbsoluteConfig::sinusoidal(), PadSide::Right, 0.0, 4);
    let batch = with.batch_ids(&[vec![4u32, 5, 6, 7, 8, 9]], 0).unwrap();
    let eval = with.forward(&batch, Mode::Eval).unwrap();
    assert_eq!(eval, without.forward(&batch, Mode::Eval).unwrap());
    assert_eq!(eval, with.forward(&batch, Mode::Eval).unwrap());
    let train = with.forward(&batch, Mode::Train { step: 0 }).unwrap();
    let zeros = train.x.iter().filter(|&&x| x == 0.0).count() as f64 / train.x.len() as f64;
    assert!((zeros - 0.5).abs() < 0.2, "{zeros}");
    for (t, e) in train.x.iter().zip(eval.x.iter()) {
        assert!(
            *t == 0.0 || (t - 2.0 * e).abs() < 1e-5,
            "kept values are scaled by 1 / (1 - p)"
        );
    }
    assert_ne!(
        train,
        with.forward(&batch, Mode::Train { step: 1 }).unwrap(),
        "each step has its own mask"
    );
}

#[test]
fn the_same_seed_gives_the_same_layers_outputs_and_gradients_on_any_thread_count() {
    let run = |seed: u64, threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let l = layer(
                AbsoluteConfig::Learned {
                    max_positions: None,
                },
                PadSide::Left,
                0.1,
                seed,
            );
            let att = Attention::<f32>::new(AttentionConfig {
                d_model: D,
                heads: 4,
                rope: Some(RotaryConfig::default()),
                bias: BiasConfig::t5(),
                seed,
                ..Default::default()
            })
            .unwrap();
            let seqs: Vec<Vec<u32>> = (0..70)
                .map(|i| (0..1 + i % 13).map(|j| 4 + (i * 7 + j) % 20).collect())
                .collect();
            let batch = l.batch_ids(&seqs, 0).unwrap();
            let (x, cache) = l
                .forward_with_cache(&batch, Mode::Train { step: 2 })
                .unwrap();
            let (y, ac) = att
                .forward_with_cache(&x.x, &x.mask, Some(batch.positions()))
                .unwrap();
            let g = att.backward(&ac, &y).unwrap();
            let ig = l.backward(&cache, &g.input).unwrap();
            (y, g, ig)
        })
    };
    let a = run(11, 1);
    let b = run(11, 2);
    assert_eq!(a, b);
    let c = run(12, 2);
    assert_ne!(a.0, c.0);
}
