//! Training throughput of a small GPT-like model on a synthetic stream:
//! `cargo run -p embedpos-model --release --example throughput -- [threads] [steps]`.
//! Prints tokens per second and the time of one step.

use embedpos_input::{special::NUM_SPECIAL, vocab_with_specials, BatchConfig};
use embedpos_model::{Dataset, Model, ModelConfig, Recorder, TrainConfig, TrainData, Trainer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let threads: usize = args.next().map_or(Ok(2), |s| s.parse())?;
    let steps: u64 = args.next().map_or(Ok(20), |s| s.parse())?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()?;
    let words: Vec<(String, u64)> = (0..4000).map(|i| (format!("w{i}"), 1)).collect();
    let vocab = vocab_with_specials(words.iter().map(|(w, c)| (w.as_str(), *c)))?;
    let config = ModelConfig {
        d_model: 128,
        layers: 4,
        heads: 4,
        batch: BatchConfig {
            max_len: 128,
            ..Default::default()
        },
        ..Default::default()
    };
    let model: Model = Model::random(config, &vocab)?;
    let stream: Vec<u32> = (0..200_000u64)
        .map(|i| NUM_SPECIAL as u32 + (embedpos_base::splitmix64(i) % 4000) as u32)
        .collect();
    let data = TrainData {
        train: Dataset::Tokens(stream),
        eval: None,
    };
    let train = TrainConfig {
        steps,
        batch_size: 16,
        eval_every: 0,
        ..Default::default()
    };
    let params = model.num_params();
    let mut trainer = Trainer::new(model, train)?;
    let mut rec = Recorder::default();
    trainer.run(&data, &mut rec)?;
    // leave the first step (allocations, caches) out
    let (first, last) = (rec.steps[0], rec.steps[rec.steps.len() - 1]);
    let secs = (last.elapsed - first.elapsed).as_secs_f64();
    let tokens = (last.tokens - first.tokens) as f64;
    println!(
        "{params} parameters, {threads} thread(s): {:.0} tokens/s, {:.1} ms/step (batch 16 × 128)",
        tokens / secs,
        1e3 * secs / (steps - 1) as f64
    );
    Ok(())
}
