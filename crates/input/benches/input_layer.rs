//! The input layer's benchmarks, in one run:
//!
//! * the input layer forward (embedding gather, × √d, + sinusoidal table,
//!   LayerNorm; eval mode) on a batch of 32 × 512 tokens, d_model 512;
//! * a plain copy of a tensor of the same size, the memory-bound floor: once
//!   into a fresh allocation (what the layer does for its output) and once
//!   into an existing buffer (memcpy alone);
//! * one attention layer (8 heads, NeoX RoPE) forward on the layer's output.
//!
//! Throughput is in tokens (elements = batch · seq). Settings are kept short
//! because the benchmark machines are shared:
//! `cargo bench -p embedpos-input` (add `-- --measurement-time 10` for more).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use embedpos_input::{
    AbsoluteConfig, Attention, AttentionConfig, InputConfig, InputLayer, Mode, RotaryConfig,
    TokenEmbedding,
};
use embedpos_tokenize::Vocab;

const BATCH: usize = 32;
const SEQ: usize = 512;
const D: usize = 512;
const VOCAB: usize = 20_000;

fn setup() -> (InputLayer, embedpos_input::Batch) {
    let vocab = Vocab::from_ordered(
        (0..VOCAB).map(|i| format!("w{i}")).collect(),
        vec![1; VOCAB],
    )
    .unwrap();
    let embedding = TokenEmbedding::random(&vocab, D, 0.5, 1).unwrap();
    let layer = InputLayer::new(
        InputConfig {
            d_model: Some(D),
            positions: AbsoluteConfig::sinusoidal(),
            ..Default::default()
        },
        embedding,
    )
    .unwrap();
    // ids spread over the whole table, as real text would touch it
    let seqs: Vec<Vec<u32>> = (0..BATCH)
        .map(|b| {
            (0..SEQ)
                .map(|s| 4 + ((b * 7919 + s * 104_729) % VOCAB) as u32)
                .collect()
        })
        .collect();
    let batch = layer.batch_ids(&seqs, 0).unwrap();
    (layer, batch)
}

fn benches(c: &mut Criterion) {
    let (layer, batch) = setup();
    let tokens = (BATCH * SEQ) as u64;
    let mut g = c.benchmark_group("input_layer_32x512x512");
    g.throughput(Throughput::Elements(tokens));
    g.bench_function("forward_sinusoidal", |b| {
        b.iter(|| black_box(layer.forward(black_box(&batch), Mode::Eval).unwrap()))
    });
    let out = layer.forward(&batch, Mode::Eval).unwrap();
    g.bench_function("copy_to_new_tensor", |b| {
        b.iter(|| black_box(black_box(&out.x).clone()))
    });
    let mut dst = vec![0.0f32; out.x.len()];
    let src = out.x.as_slice().unwrap();
    g.bench_function("copy_to_existing_buffer", |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(src));
            black_box(&dst);
        })
    });
    g.finish();

    let attention = Attention::<f32>::new(AttentionConfig {
        d_model: D,
        heads: 8,
        rope: Some(RotaryConfig::default()),
        ..Default::default()
    })
    .unwrap();
    let mut g = c.benchmark_group("attention_32x512x512");
    g.throughput(Throughput::Elements(tokens));
    g.sample_size(10);
    g.bench_function("forward_rope_8_heads", |b| {
        b.iter(|| {
            black_box(
                attention
                    .forward(&out.x, &out.mask, Some(batch.positions()))
                    .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group! {
    name = input;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(input);
