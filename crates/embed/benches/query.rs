//! Query speed: `most_similar` (one matrix–vector product and a top-N
//! selection) and 3CosMul on a 100k x 100 matrix, and the one-off
//! normalised copy.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use embedpos_embed::Embeddings;
use embedpos_tokenize::Vocab;
use std::hint::black_box;

fn random_embeddings(n: usize, dim: usize) -> Embeddings {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let matrix = (0..n * dim)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect();
    let words = (0..n).map(|i| format!("w{i}")).collect();
    let counts = (0..n as u64).map(|i| n as u64 - i).collect();
    Embeddings::new(Vocab::from_ordered(words, counts).unwrap(), dim, matrix).unwrap()
}

fn bench(c: &mut Criterion) {
    let raw = random_embeddings(100_000, 100);
    let emb = raw.clone();
    emb.normalized();
    c.bench_function("most_similar 100k x 100, top 10", |b| {
        b.iter(|| {
            emb.most_similar(black_box(&["w17", "w42"]), &["w7"], 10, None)
                .unwrap()
        })
    });
    c.bench_function("most_similar 100k x 100, restrict 30k", |b| {
        b.iter(|| {
            emb.most_similar(black_box(&["w17", "w42"]), &["w7"], 10, Some(30_000))
                .unwrap()
        })
    });
    c.bench_function("most_similar_cosmul 100k x 100", |b| {
        b.iter(|| {
            emb.most_similar_cosmul(black_box(&["w17", "w42"]), &["w7"], 10, None)
                .unwrap()
        })
    });
    c.bench_function("normalized copy 100k x 100", |b| {
        // `raw` never computed its copy, so each clone computes it afresh.
        b.iter_batched(
            || raw.clone(),
            |e| e.normalized().len(),
            BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
