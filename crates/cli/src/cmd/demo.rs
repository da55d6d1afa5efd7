//! `embedpos demo`: the whole pipeline on the embedded synthetic corpus.

use crate::train_progress::{TrainBar, Trainer};
use crate::{CliResult, Global};
use embedpos_embed::train::{Loss, Model, Word2Vec, Word2VecConfig};
use embedpos_embed::AnalogyConfig;
use embedpos_tokenize::synthetic::{PlantedCorpus, DEFAULT_SEED, DEFAULT_TOKENS};
use embedpos_tokenize::{count_corpus, CorpusReader, NgramConfig, Tokenizer, VocabConfig};
use std::time::Instant;

/// Arguments of `embedpos demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Size of the generated corpus, in tokens.
    #[arg(long, default_value_t = DEFAULT_TOKENS)]
    tokens: u64,
    /// Seed of the corpus generator (and of training).
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Training epochs of the word2vec step.
    #[arg(long, default_value_t = 5)]
    epochs: usize,
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
    let threads = g.threads();
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

    // 4. Static vectors: skip-gram with negative sampling.
    let cfg = Word2VecConfig {
        model: Model::SkipGram,
        loss: Loss::NegativeSampling,
        dim: 50,
        epochs: args.epochs,
        threads,
        seed: args.seed,
        ..Default::default()
    };
    let trained = Instant::now();
    let mut bar = TrainBar::new(Trainer::Word2Vec, g.quiet);
    let result = Word2Vec::new(cfg.clone())?.train_with(&[&corpus_path], &mut bar);
    bar.finish();
    let emb = result?;
    let secs = trained.elapsed().as_secs_f64();
    println!(
        "4. word2vec skip-gram (dim {}, window {}, {} negatives, {} epochs, {} threads): {} words in {secs:.1} s ({:.0}k words/s)",
        cfg.dim,
        cfg.window,
        cfg.negative,
        cfg.epochs,
        threads,
        emb.len(),
        (stats.tokens * cfg.epochs as u64) as f64 / secs.max(1e-9) / 1e3
    );

    // 5. Nearest neighbours of the first planted pairs, and the planted analogies.
    let analogies = planted.analogies();
    let probes: Vec<&str> = analogies
        .lines()
        .filter(|l| !l.starts_with(':'))
        .take(1)
        .flat_map(|l| l.split_whitespace())
        .collect();
    println!("5. nearest neighbours (cosine):");
    for w in &probes {
        match emb.most_similar(&[w], &[], 4, None) {
            Ok(n) => {
                let shown: Vec<String> = n
                    .iter()
                    .map(|x| format!("{} {:.3}", x.word, x.similarity))
                    .collect();
                println!("   {w:<14} {}", shown.join(", "));
            }
            Err(e) => println!("   {w:<14} ({e})"),
        }
    }
    let questions = dir.path().join("planted-analogies.txt");
    std::fs::write(&questions, &analogies)?;
    let report = emb.evaluate_analogies(&questions, &AnalogyConfig::default())?;
    println!(
        "6. planted analogies (3CosAdd): {:.3} accuracy ({} / {} questions, {} skipped as out of vocabulary)",
        report.accuracy,
        report.total.correct,
        report.total.correct + report.total.incorrect,
        report.oov
    );
    for sec in &report.sections {
        println!(
            "   {:<20} {:.3}",
            sec.name,
            sec.correct as f64 / (sec.correct + sec.incorrect).max(1) as f64
        );
    }

    // 7. The transformer input: vectors + positions, one attention layer.
    let mut reader = CorpusReader::open(&[&corpus_path])?;
    let mut sentences = Vec::new();
    let mut line = String::new();
    // Two stretches of text around the probe words.
    while sentences.len() < 2 && reader.read_line(&mut line)? {
        let words: Vec<&str> = line.split_whitespace().collect();
        let wanted = probes.get(2 * sentences.len()).copied().unwrap_or_default();
        if let Some(pos) = words.iter().position(|w| *w == wanted) {
            let start = pos.saturating_sub(4);
            sentences.push(words[start..words.len().min(start + 12)].join(" "));
        }
        line.clear();
    }
    let summary = embedpos_input::pipeline_summary(&emb, &sentences)?;
    println!("7. transformer input for two sentences:");
    for l in summary.to_string().lines() {
        println!("   {l}");
    }
    println!("done in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}
