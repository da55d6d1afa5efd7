//! Building the `[8192, 4096]` sinusoidal table: into a buffer that already
//! exists (compute and memory bandwidth), and as a fresh `Tensor` (what
//! `Sinusoidal::table` costs, page faults included), on one and two threads.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use embedpos_posenc::{Layout, Sinusoidal, SinusoidalConfig};

const SEQ: usize = 8192;
const DIM: usize = 4096;

fn sinusoidal(c: &mut Criterion) {
    let mut g = c.benchmark_group("sinusoidal_8192x4096");
    g.throughput(Throughput::Bytes((SEQ * DIM * 4) as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mut out = vec![0.0f32; SEQ * DIM];
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for (layout, name) in [
            (Layout::Interleaved, "interleaved"),
            (Layout::Concatenated, "concatenated"),
        ] {
            let s = Sinusoidal::new(SinusoidalConfig {
                layout,
                ..SinusoidalConfig::new(DIM)
            })
            .unwrap();
            g.bench_function(format!("fill_{name}/{threads}t"), |b| {
                b.iter(|| pool.install(|| s.fill(0, &mut out).unwrap()))
            });
            if layout == Layout::Interleaved {
                g.bench_function(format!("table_{name}/{threads}t"), |b| {
                    b.iter(|| pool.install(|| s.table(0, SEQ).unwrap()))
                });
            }
        }
    }
    g.finish();
}

criterion_group!(benches, sinusoidal);
criterion_main!(benches);
