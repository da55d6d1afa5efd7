//! Finite-difference checks of the whole model's backward pass, on small
//! random architectures drawn by proptest: every position scheme, both mask
//! kinds, padding on either side, dropout, a projection, tied and untied LM
//! heads and the three poolings of the classifier.
//!
//! The model runs in `f64`, the loss is the real training loss
//! (cross-entropy of the next token, or of labels), and for each parameter
//! tensor a sample of entries is compared with the central difference
//! `(L(θ + h) − L(θ − h)) / 2h`, `h = 1e-6`.
//!
//! Tolerance: `|analytic − numeric| ≤ 1e-4 · max(|analytic|, |numeric|) + 1e-9`.

use embedpos_input::{
    AbsoluteConfig, BatchConfig, BiasConfig, Mode, PadSide, ProjectionMode, RotaryConfig,
    TokenEmbedding,
};
use embedpos_model::{Head, Model, ModelConfig, Pooling, Targets};
use embedpos_posenc::Layout;
use embedpos_tokenize::Vocab;
use proptest::prelude::*;

const H: f64 = 1e-6;
const REL_TOL: f64 = 1e-4;
const ABS_TOL: f64 = 1e-9;
/// Entries checked per tensor (all of them when it has fewer).
const SAMPLES: usize = 6;

#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    d_model: usize,
    heads: usize,
    layers: usize,
    positions: usize,
    scheme: usize,
    head: usize,
    vector_dim_plus: bool,
    dropout: bool,
    left: bool,
    scale: bool,
}

fn cases() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        prop_oneof![Just((8usize, 2usize)), Just((8, 4)), Just((12, 2))],
        1usize..=2,
        0usize..4,
        0usize..4,
        0usize..5,
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(
                seed,
                (d_model, heads),
                layers,
                positions,
                scheme,
                head,
                (vp, dropout, left, scale),
            )| {
                Case {
                    seed,
                    d_model,
                    heads,
                    layers,
                    positions,
                    scheme,
                    head,
                    // a projection only where the head is not tied
                    vector_dim_plus: vp && head != 0,
                    dropout,
                    left,
                    scale,
                }
            },
        )
}

fn build(c: &Case) -> (Model<f64>, Vec<Vec<u32>>, Vec<u32>, Mode) {
    let tokens: Vec<String> = (0..7).map(|i| format!("t{i}")).collect();
    let vocab = Vocab::from_ordered(tokens, vec![1; 7]).unwrap();
    let head = match c.head {
        0 => Head::Lm {
            tie_embeddings: true,
        },
        1 => Head::Lm {
            tie_embeddings: false,
        },
        k => Head::Classify {
            classes: 3,
            pooling: [Pooling::Mean, Pooling::First, Pooling::Last][k - 2],
        },
    };
    let lm = matches!(head, Head::Lm { .. });
    let config = ModelConfig {
        d_model: c.d_model,
        layers: c.layers,
        heads: c.heads,
        d_ff: Some(10),
        causal: lm || c.seed.is_multiple_of(2),
        positions: [
            AbsoluteConfig::None,
            AbsoluteConfig::sinusoidal(),
            AbsoluteConfig::Sinusoidal {
                base: 10000.0,
                layout: Layout::Concatenated,
            },
            AbsoluteConfig::Learned {
                max_positions: Some(12),
            },
        ][c.positions],
        rope: (c.scheme == 1).then(RotaryConfig::default),
        bias: match c.scheme {
            2 => BiasConfig::Alibi,
            3 => BiasConfig::T5 {
                num_buckets: 8,
                max_distance: 16,
            },
            _ => BiasConfig::None,
        },
        dropout: if c.dropout { 0.2 } else { 0.0 },
        scale_embeddings: c.scale,
        projection: ProjectionMode::Auto,
        head,
        // weights far from 0, so every gradient is well above rounding
        init_std: 0.4,
        batch: BatchConfig {
            max_len: 12,
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
    let dim = c.d_model + if c.vector_dim_plus { 2 } else { 0 };
    let embedding = TokenEmbedding::<f64>::random(&vocab, dim, 0.8, c.seed).unwrap();
    let model = Model::new(config, embedding).unwrap();
    let n = 4 + (c.seed % 7) as u32;
    let seqs = vec![
        (0..5).map(|i| 4 + (i * 3 + n) % 7).collect::<Vec<u32>>(),
        (0..3).map(|i| 4 + (i * 5 + n) % 7).collect(),
    ];
    let labels = vec![(c.seed % 3) as u32, ((c.seed / 3) % 3) as u32];
    let mode = if c.dropout {
        Mode::Train { step: c.seed % 5 }
    } else {
        Mode::Eval
    };
    (model, seqs, labels, mode)
}

fn check(c: &Case) -> Result<(), TestCaseError> {
    let (mut model, seqs, labels, mode) = build(c);
    let batch = model.batch_ids(&seqs).unwrap();
    let targets = if matches!(model.config().head, Head::Lm { .. }) {
        Targets::NextToken
    } else {
        Targets::Labels(&labels)
    };
    let (loss, grads) = model.loss_and_grads(&batch, &targets, mode).unwrap();
    let (again, _) = model.loss(&batch, &targets, mode).unwrap();
    prop_assert!((loss - again).abs() < 1e-12, "{loss} {again}");
    let info = model.param_info();
    prop_assert_eq!(grads.len(), info.len());
    // a check that compares zeros with zeros proves nothing: count the others
    let (mut checked, mut nonzero) = (0usize, 0usize);
    for (i, p) in info.iter().enumerate() {
        let g = grads.get(i).unwrap().to_vec();
        prop_assert_eq!(g.len(), p.len(), "{}", p.name);
        let n = p.len();
        let step = (n / SAMPLES).max(1);
        for j in (0..n).step_by(step).map(|j| (j + c.seed as usize) % n) {
            if p.name == "tok_emb.weight" && j < p.shape[1] {
                // [PAD]'s row is not a parameter
                prop_assert_eq!(g[j], 0.0);
                continue;
            }
            let orig = model.param_values()[i][j];
            let mut at = |x: f64| {
                model.param_values_mut()[i][j] = x;
                model.loss(&batch, &targets, mode).unwrap().0
            };
            let num = (at(orig + H) - at(orig - H)) / (2.0 * H);
            model.param_values_mut()[i][j] = orig;
            let ana = g[j];
            checked += 1;
            nonzero += (num.abs() > 1e-7) as usize;
            let tol = REL_TOL * ana.abs().max(num.abs()) + ABS_TOL;
            prop_assert!(
                (ana - num).abs() <= tol,
                "{}[{j}]: analytic {ana:e}, numeric {num:e} ({c:?})",
                p.name
            );
        }
    }
    // ALiBi's and T5's zero rows, biases of unused paths: some are zero, not most
    prop_assert!(
        3 * nonzero >= 2 * checked,
        "{nonzero} of {checked} derivatives are non-zero"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn every_gradient_matches_finite_differences(c in cases()) {
        check(&c)?;
    }
}
