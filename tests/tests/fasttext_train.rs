//! fastText training end to end on the planted-relation fixture corpus:
//! the planted analogies are learned, unseen inflected and misspelled forms
//! of a word find it among their nearest neighbours through their n-grams,
//! one thread with a seed is bit-for-bit reproducible, bad n-gram settings
//! give clear errors, and `embedpos train fasttext` writes `.vec` files.
//!
//! These tests train real models: run them in release mode
//! (`cargo test --release`), where each takes a few seconds on 2 cores.

use embedpos_embed::train::{FastText, FastTextConfig, Loss, Model};
use embedpos_embed::{AnalogyConfig, Embeddings};
use embedpos_tests::{bits, embedpos_fails, embedpos_ok, fixture, s, train_recorded, write_file};
use std::path::{Path, PathBuf};

/// Inflected forms cut out of the corpus, with the word each comes from.
const HELD_OUT: [(&str, &str); 4] = [
    ("lamps", "lamp"),
    ("horses", "horse"),
    ("candles", "candle"),
    ("baskets", "basket"),
];

/// The planted corpus without the held-out forms (every occurrence of them
/// is dropped, so they are unseen words).
fn corpus_without_held_out(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fixture("planted/corpus.txt")).unwrap();
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let kept: Vec<&str> = line
            .split_whitespace()
            .filter(|w| !HELD_OUT.iter().any(|(h, _)| h == w))
            .collect();
        out.push_str(&kept.join(" "));
        out.push('\n');
    }
    write_file(dir, "corpus.txt", out)
}

/// Settings that learn the planted relations in a few seconds; a small
/// bucket count keeps the dense n-gram matrix small.
fn config(model: Model, loss: Loss) -> FastTextConfig {
    let mut cfg = FastTextConfig::default();
    cfg.word2vec.model = model;
    cfg.word2vec.loss = loss;
    cfg.word2vec.dim = 50;
    cfg.word2vec.sample = 1e-3;
    cfg.word2vec.epochs = 3;
    cfg.word2vec.threads = 2;
    cfg.ngrams.bucket = 100_000;
    cfg
}

fn neighbours(emb: &Embeddings, word: &str) -> Vec<String> {
    let v = emb.word_vector(word).unwrap().into_owned();
    emb.similar_by_vector(&v, 10, None)
        .unwrap()
        .into_iter()
        .map(|n| n.word)
        .collect()
}

/// Trains `model`/`loss` without the held-out forms and checks that at
/// least `min_found` of the 4 unseen inflections, and every misspelling,
/// have their word among their 10 nearest neighbours (of ~1,400 words).
fn check(model: Model, loss: Loss, min_found: usize) {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_without_held_out(dir.path());
    let (emb, curve, took) = train_recorded(|losses| {
        FastText::new(config(model, loss))
            .unwrap()
            .train_with(&[&corpus], losses)
            .unwrap()
    });
    let report = emb
        .evaluate_analogies(fixture("planted/analogies.txt"), &AnalogyConfig::default())
        .unwrap();
    eprintln!(
        "{model:?}/{loss:?}: planted analogy accuracy {:.3} ({} questions with a held-out word skipped), loss per epoch {curve:.4?}, {took:.1?}",
        report.accuracy,
        report.oov,
    );
    let mut found = 0;
    for (unseen, base) in HELD_OUT {
        assert!(emb.vector(unseen).is_none(), "{unseen} was held out");
        let near = neighbours(&emb, unseen);
        eprintln!("  {unseen} (unseen) -> {near:?}");
        found += near.iter().any(|w| w == base) as usize;
    }
    assert!(
        found >= min_found,
        "{model:?}/{loss:?}: only {found} unseen plurals have their singular among their neighbours"
    );
    for (typo, word) in [
        ("rabbbit", "rabbit"),
        ("carpett", "carpet"),
        ("gardne", "garden"),
    ] {
        let near = neighbours(&emb, typo);
        eprintln!("  {typo} (misspelled) -> {near:?}");
        assert!(
            near.iter().any(|w| w == word),
            "{model:?}/{loss:?}: {word} is not among the neighbours of {typo}: {near:?}"
        );
    }
    assert!(
        report.accuracy >= 0.8,
        "{model:?}/{loss:?}: planted analogy accuracy {:.3} < 0.8",
        report.accuracy
    );
    assert!(
        curve.first() > curve.last(),
        "{model:?}/{loss:?}: loss did not fall: {curve:?}"
    );
}

#[test]
fn skipgram_finds_unseen_inflections_and_typos() {
    check(Model::SkipGram, Loss::NegativeSampling, 4);
}

#[test]
fn cbow_finds_unseen_inflections_and_typos() {
    check(Model::Cbow, Loss::NegativeSampling, 4);
}

#[test]
fn skipgram_hierarchical_softmax_finds_unseen_inflections_and_typos() {
    // With hierarchical softmax the plural ending weighs more: "baskets"
    // lands among the other plurals, just outside basket's top 10.
    check(Model::SkipGram, Loss::HierarchicalSoftmax, 3);
}

#[test]
fn one_thread_with_a_seed_is_bit_for_bit_reproducible() {
    for model in [Model::SkipGram, Model::Cbow] {
        let train = |seed| {
            let mut cfg = config(model, Loss::NegativeSampling);
            cfg.word2vec.dim = 16;
            cfg.word2vec.epochs = 1;
            cfg.word2vec.threads = 1;
            cfg.word2vec.seed = seed;
            FastText::new(cfg)
                .unwrap()
                .train(&[fixture("planted/corpus.txt")])
                .unwrap()
        };
        let (a, b, c) = (train(7), train(7), train(8));
        assert!(a.subwords().is_some() && c.subwords().is_some());
        assert!(bits(&a) == bits(&b), "{model:?}: two runs differ");
        assert!(bits(&a) != bits(&c), "{model:?}: the seed changes nothing");
    }
}

#[test]
fn cli_trains_fasttext_and_rejects_bad_ngram_settings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v.vec");
    let corpus = fixture("planted/corpus.txt");
    let base = ["train", "fasttext", s(&corpus), "-o", s(&out), "--quiet"];
    let base = [
        &base[..],
        &["--threads", "2", "--dim", "10", "--epochs", "1"],
    ]
    .concat();
    embedpos_ok(&[&base[..], &["--defaults", "fasttext", "--bucket", "50000"]].concat());
    let emb = Embeddings::load(&out, None).unwrap();
    assert_eq!(emb.dim(), 10);
    assert!(emb.vector("lamps").is_some());
    let before = std::fs::read(&out).unwrap();
    for (args, want) in [
        (
            &["--minn", "7", "--maxn", "6"][..],
            "minn 7 is larger than maxn 6",
        ),
        (&["--bucket", "0"][..], "bucket 0"),
        (&["--minn", "0"][..], "minn must be at least 1"),
    ] {
        embedpos_fails(&[&base[..], args].concat(), &[want]);
        assert_eq!(std::fs::read(&out).unwrap(), before, "output touched");
    }
}
