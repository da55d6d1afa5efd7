//! `embedpos demo`: the whole pipeline on the embedded synthetic corpus.

use crate::{CliResult, Global};
use embedpos_tokenize::synthetic::{PlantedCorpus, DEFAULT_SEED};
use embedpos_tokenize::{count_corpus, CorpusReader, NgramConfig, Tokenizer, VocabConfig};
use std::time::Instant;

/// Arguments of `embedpos demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Size of the generated corpus, in tokens.
    #[arg(long, default_value_t = 300_000)]
    tokens: u64,
    /// Seed of the corpus generator.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
}

/// Runs the subcommand.
pub fn run(args: Args, g: &Global) -> CliResult {
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let corpus_path = dir.path().join("planted.txt");
    let planted = PlantedCorpus::new(args.seed);
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&corpus_path)?);
        planted.write_corpus(&mut f, args.tokens)?;
        std::io::Write::flush(&mut f)?;
    }
    println!(
        "1. corpus: {} tokens of synthetic English with planted relations (seed {})",
        args.tokens, args.seed
    );
    let mut reader = CorpusReader::open(&[&corpus_path])?;
    let threads = g.threads.unwrap_or_else(rayon::current_num_threads);
    let (vocab, stats) = count_corpus(
        &mut reader,
        &Tokenizer::default(),
        &VocabConfig::default(),
        threads,
    )?;
    println!(
        "2. vocabulary: {} tokens read, {} distinct, {} kept at min-count 5",
        stats.tokens, stats.distinct, stats.kept
    );
    let top: Vec<String> = vocab
        .iter()
        .take(8)
        .map(|(_, t, c)| format!("{t} ({c})"))
        .collect();
    println!("   most frequent: {}", top.join(", "));
    let ngrams = NgramConfig::default();
    let word = vocab
        .tokens()
        .iter()
        .find(|t| t.len() >= 6)
        .cloned()
        .unwrap_or_default();
    let mut ids = Vec::new();
    ngrams.bucket_ids(&word, &mut ids);
    println!(
        "3. fastText n-grams of {word:?}: {} (first bucket ids {:?})",
        ngrams.ngrams(&word).join(" "),
        &ids[..ids.len().min(4)]
    );
    println!("done in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}
