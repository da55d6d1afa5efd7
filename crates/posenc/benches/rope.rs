//! RoPE applied in place to q and k of `[4096 positions, 32 heads, 128 dims]` f32,
//! against a plain copy of the same buffers, on one and two threads.
//!
//! Throughput counts the bytes read and written: q and k are each read once
//! and written once by both RoPE (in place) and the copy (source to
//! destination), so the two figures compare directly.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use embedpos_posenc::{Pairing, Rope, RopeConfig};
use rayon::prelude::*;

const SEQ: usize = 4096;
const HEADS: usize = 32;
const HEAD_DIM: usize = 128;

fn copy(dst: &mut [f32], src: &[f32]) {
    dst.par_chunks_mut(1 << 16)
        .zip(src.par_chunks(1 << 16))
        .for_each(|(d, s)| d.copy_from_slice(s));
}

fn rope(c: &mut Criterion) {
    let n = SEQ * HEADS * HEAD_DIM;
    let init: Vec<f32> = (0..n).map(|i| ((i % 97) as f32 - 48.0) * 0.02).collect();
    let (mut q, mut k) = (init.clone(), init.clone());
    let (mut dq, mut dk) = (vec![0.0f32; n], vec![0.0f32; n]);
    let caches: Vec<_> = [(Pairing::HalfSplit, "neox"), (Pairing::Interleaved, "gptj")]
        .into_iter()
        .map(|(pairing, name)| {
            let rope = Rope::new(RopeConfig {
                pairing,
                ..RopeConfig::new(HEAD_DIM)
            })
            .unwrap();
            (rope.cache(SEQ).unwrap(), name)
        })
        .collect();

    let mut g = c.benchmark_group("rope_qk_4096x32x128");
    g.throughput(Throughput::Bytes((2 * 2 * n * 4) as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(format!("copy/{threads}t"), |b| {
            b.iter(|| {
                pool.install(|| {
                    copy(&mut dq, &q);
                    copy(&mut dk, &k);
                })
            })
        });
        for (cache, name) in &caches {
            g.bench_function(format!("rope_{name}/{threads}t"), |b| {
                b.iter(|| pool.install(|| cache.apply_qk(&mut q, &mut k, HEADS, HEADS, 0).unwrap()))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, rope);
criterion_main!(benches);
