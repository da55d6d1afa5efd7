//! embedpos-model against an independent reference: `tests/python/model_reference.py`,
//! numpy with its own small reverse-mode autodiff, loads the same
//! safetensors weights and must give the same logits, loss and gradient of
//! every parameter.
//!
//! Tolerances, as the largest absolute error over a tensor divided by the
//! largest reference value in it: for `f64` models 1e-12 on the logits and
//! the loss and 1e-11 on gradients (the two sum in different orders; the
//! position tables are the same `f32`-rounded values on both sides; measured:
//! below 5e-15 everywhere); for an `f32` model 1e-5 on all three (single
//! precision against the reference's double; measured: 1.4e-7 on the
//! logits, 4e-7 on the worst gradient).
//!
//! Runs when `$EMBEDPOS_PYTHON` (set by .ci/run) has numpy; skipped with a
//! notice otherwise.

use std::path::{Path, PathBuf};

use embedpos_input::{
    AbsoluteConfig, BatchConfig, BiasConfig, Mode, PadSide, ProjectionMode, Real, RotaryConfig,
    TokenEmbedding,
};
use embedpos_model::{save_model, Head, Model, ModelConfig, Pooling, Targets};
use embedpos_posenc::{Layout, Pairing};
use embedpos_tests::{python_output, python_with};
use embedpos_tokenize::Vocab;
use serde_json::{json, Value};

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/model_reference.py")
}

struct Case {
    name: &'static str,
    config: ModelConfig,
    vector_dim: usize,
}

fn base(d_model: usize, heads: usize) -> ModelConfig {
    ModelConfig {
        d_model,
        heads,
        layers: 2,
        d_ff: Some(3 * d_model),
        dropout: 0.0,
        init_std: 0.3,
        batch: BatchConfig {
            max_len: 8,
            ..Default::default()
        },
        seed: 11,
        ..Default::default()
    }
}

fn cases() -> Vec<Case> {
    let untied = Head::Lm {
        tie_embeddings: false,
    };
    let classify = |pooling| Head::Classify {
        classes: 3,
        pooling,
    };
    vec![
        Case {
            name: "lm tied, learned positions",
            config: base(8, 2),
            vector_dim: 8,
        },
        Case {
            name: "lm untied, sinusoidal interleaved, RoPE neox, scaled, left padding",
            config: ModelConfig {
                positions: AbsoluteConfig::sinusoidal(),
                rope: Some(RotaryConfig::default()),
                scale_embeddings: true,
                head: untied,
                batch: BatchConfig {
                    padding: PadSide::Left,
                    ..base(8, 2).batch
                },
                ..base(8, 2)
            },
            vector_dim: 8,
        },
        Case {
            name: "lm tied, sinusoidal concatenated, ALiBi",
            config: ModelConfig {
                positions: AbsoluteConfig::Sinusoidal {
                    base: 10000.0,
                    layout: Layout::Concatenated,
                },
                bias: BiasConfig::Alibi,
                ..base(8, 4)
            },
            vector_dim: 8,
        },
        Case {
            name: "classify mean, bidirectional, T5, projection",
            config: ModelConfig {
                causal: false,
                bias: BiasConfig::T5 {
                    num_buckets: 8,
                    max_distance: 20,
                },
                projection: ProjectionMode::Auto,
                head: classify(Pooling::Mean),
                ..base(8, 2)
            },
            vector_dim: 6,
        },
        Case {
            name: "classify first, bidirectional, RoPE gptj, no absolute, left padding",
            config: ModelConfig {
                causal: false,
                positions: AbsoluteConfig::None,
                rope: Some(RotaryConfig {
                    pairing: Pairing::Interleaved,
                    base: 100.0,
                    ..Default::default()
                }),
                head: classify(Pooling::First),
                batch: BatchConfig {
                    padding: PadSide::Left,
                    ..base(12, 2).batch
                },
                ..base(12, 2)
            },
            vector_dim: 12,
        },
        Case {
            name: "classify last, causal, ALiBi, T5-free",
            config: ModelConfig {
                bias: BiasConfig::Alibi,
                head: classify(Pooling::Last),
                ..base(8, 2)
            },
            vector_dim: 8,
        },
    ]
}

/// Writes the checkpoint, the batch and the results of `model` under `dir`
/// and returns what the reference reports.
fn compare<T: Real>(py: &Path, dir: &Path, model: &Model<T>) -> Value {
    let ck = dir.join("ck");
    save_model(model, &ck).unwrap();
    let seqs = [vec![4u32, 5, 6, 7, 8], vec![9, 10, 4], vec![6, 6, 11, 5]];
    let labels = [2u32, 0, 1];
    let batch = model.batch_ids(&seqs).unwrap();
    let targets = match model.config().head {
        Head::Lm { .. } => Targets::NextToken,
        Head::Classify { .. } => Targets::Labels(&labels),
    };
    let logits = model.forward(&batch, Mode::Eval).unwrap();
    let (loss, grads) = model.loss_and_grads(&batch, &targets, Mode::Eval).unwrap();
    let to_f64 = |v: &[T]| v.iter().map(|x| x.to_f64()).collect::<Vec<f64>>();
    let batch_json = json!({
        "ids": batch.ids().outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
        "mask": batch.mask().outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
        "positions": batch.positions().outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
        "labels": labels,
    });
    let grads_json: serde_json::Map<String, Value> = grads
        .iter()
        .map(|(n, g)| (n.to_string(), json!(to_f64(g))))
        .collect();
    let expected = json!({
        "logits": to_f64(logits.as_slice().unwrap()),
        "loss": loss,
        "grads": grads_json,
    });
    let (bp, ep) = (dir.join("batch.json"), dir.join("expected.json"));
    std::fs::write(&bp, batch_json.to_string()).unwrap();
    std::fs::write(&ep, expected.to_string()).unwrap();
    let out = python_output(
        py,
        [
            script().as_os_str(),
            ck.as_os_str(),
            bp.as_os_str(),
            ep.as_os_str(),
        ],
    );
    serde_json::from_str(out.trim()).unwrap()
}

fn check(report: &Value, name: &str, tol_out: f64, tol_grad: f64) {
    let f = |v: &Value| v.as_f64().unwrap();
    let (logits, loss) = (f(&report["logits"]), f(&report["loss"]));
    eprintln!(
        "{name}: loss {:.6}, logits error {logits:.1e}, loss error {loss:.1e}, worst gradient error {:.1e}",
        f(&report["loss_value"]),
        report["grads"]
            .as_object()
            .unwrap()
            .values()
            .map(f)
            .fold(0.0, f64::max)
    );
    assert!(logits <= tol_out, "{name}: logits error {logits:e}");
    assert!(loss <= tol_out, "{name}: loss error {loss:e}");
    for (param, e) in report["grads"].as_object().unwrap() {
        assert!(
            f(e) <= tol_grad,
            "{name}: gradient of {param}: error {}",
            f(e)
        );
    }
    assert_eq!(report["unchecked"], json!([]), "{name}");
}

fn vocab() -> Vocab {
    let tokens: Vec<String> = (0..8).map(|i| format!("w{i}")).collect();
    Vocab::from_ordered(tokens, vec![1; 8]).unwrap()
}

#[test]
fn logits_loss_and_gradients_match_the_numpy_reference() {
    let Some(py) = python_with("numpy") else {
        return;
    };
    for case in cases() {
        let dir = tempfile::tempdir().unwrap();
        let emb = TokenEmbedding::<f64>::random(&vocab(), case.vector_dim, 0.5, 3).unwrap();
        let model = Model::new(case.config, emb).unwrap();
        let report = compare(&py, dir.path(), &model);
        check(&report, case.name, 1e-12, 1e-11);
    }
    // an f32 model, as training runs it
    let dir = tempfile::tempdir().unwrap();
    let case = &cases()[1];
    let emb = TokenEmbedding::<f32>::random(&vocab(), case.vector_dim, 0.5, 3).unwrap();
    let model = Model::new(case.config.clone(), emb).unwrap();
    let report = compare(&py, dir.path(), &model);
    check(&report, "f32: lm untied, RoPE", 1e-5, 1e-5);
}
