//! Measures byte-level BPE encoding and training speed on a text file.
//!
//! ```text
//! cargo run --release -p embedpos-tokenize --example bpe_throughput -- \
//!     encode tests/fixtures/bpe/cl100k_base.tiktoken.gz CORPUS.txt [MB] [THREADS]
//! cargo run --release -p embedpos-tokenize --example bpe_throughput -- \
//!     train CORPUS.txt [VOCAB] [THREADS]
//! ```
//!
//! `to-json RANKS OUT.json` writes the encoding as an HF `tokenizer.json`.
//!
//! `encode` reads the first MB megabytes (default 50) of lines into memory
//! and encodes them (special tokens as text), reporting wall and CPU time;
//! the rank file's name picks the encoding (r50k or cl100k). `train` learns
//! a GPT-2-pattern vocabulary (default 32000) from the file.

use embedpos_tokenize::bpe::{Bpe, BpeTrainConfig, BpeTrainer, Pattern};
use embedpos_tokenize::CorpusReader;
use std::time::Instant;

/// CPU seconds of this process (user + system), from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 of the whole line are the 12th and 13th after ')'.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

type Res = Result<(), Box<dyn std::error::Error>>;

fn encode(args: &[String]) -> Res {
    let ranks = &args[0];
    let corpus = &args[1];
    let mb: usize = args.get(2).map_or(Ok(50), |s| s.parse())?;
    let threads: usize = args.get(3).map_or(Ok(1), |s| s.parse())?;
    let t = Instant::now();
    let bpe = if ranks.contains("r50k") {
        Bpe::r50k_base(ranks)?
    } else {
        Bpe::cl100k_base(ranks)?
    };
    eprintln!("loaded {} in {:.2} s", ranks, t.elapsed().as_secs_f64());
    let mut reader = CorpusReader::open(&[corpus])?;
    let mut lines = Vec::new();
    let mut bytes = 0;
    let mut line = String::new();
    while bytes < mb << 20 && reader.read_line(&mut line)? {
        bytes += line.len() + 1;
        lines.push(std::mem::take(&mut line));
    }
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    for round in 0..3 {
        let (c0, t0) = (cpu_seconds(), Instant::now());
        let out = bpe.encode_ordinary_batch(&refs, threads);
        let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
        let tokens: usize = out.iter().map(Vec::len).sum();
        println!(
            "round {round}: {:.1} MB, {tokens} tokens, {threads} thread(s): wall {wall:.2} s = {:.1} MB/s, cpu {cpu:.2} s = {:.1} MB/s",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / wall,
            bytes as f64 / 1e6 / cpu.max(1e-9),
        );
    }
    Ok(())
}

fn train(args: &[String]) -> Res {
    let corpus = &args[0];
    let vocab_size: usize = args.get(1).map_or(Ok(32000), |s| s.parse())?;
    let threads: usize = args.get(2).map_or(Ok(2), |s| s.parse())?;
    let cfg = BpeTrainConfig {
        vocab_size,
        pattern: Pattern::Gpt2,
        threads,
        ..Default::default()
    };
    let mut reader = CorpusReader::open(&[corpus])?;
    let (c0, t0) = (cpu_seconds(), Instant::now());
    let (bpe, stats) = BpeTrainer::new(cfg).train(&mut reader, &mut ())?;
    println!(
        "trained {} ids ({} merges, {} distinct pieces of {}) in wall {:.2} s, cpu {:.2} s",
        bpe.vocab_size(),
        stats.merges,
        stats.distinct,
        stats.pieces,
        t0.elapsed().as_secs_f64(),
        cpu_seconds() - c0
    );
    if let Some(out) = args.get(3) {
        bpe.save_tokenizer_json(out)?;
    }
    Ok(())
}

/// Writes a rank file's model as an HF `tokenizer.json`.
fn to_json(args: &[String]) -> Res {
    let bpe = if args[0].contains("r50k") {
        Bpe::r50k_base(&args[0])?
    } else {
        Bpe::cl100k_base(&args[0])?
    };
    bpe.save_tokenizer_json(&args[1])?;
    Ok(())
}

fn main() -> Res {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("encode") if args.len() >= 3 => encode(&args[1..]),
        Some("train") if args.len() >= 2 => train(&args[1..]),
        Some("to-json") if args.len() >= 3 => to_json(&args[1..]),
        _ => Err("usage: bpe_throughput encode RANKS CORPUS [MB] [THREADS] | train CORPUS [VOCAB] [THREADS] [OUT.json] | to-json RANKS OUT.json".into()),
    }
}
