//! GloVe co-occurrence counting against a brute-force count, and the
//! memory-bounded path (spilled runs, merged runs, several threads) against
//! the all-in-memory one.

use embedpos_embed::train::glove::{count_cooccurrences, min_counting_memory_gb, Entry};
use embedpos_embed::train::GloveConfig;
use embedpos_tokenize::synthetic::PlantedCorpus;
use embedpos_tokenize::{count_corpus, CorpusReader, Tokenizer, Vocab, VocabConfig};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn reader(text: &str) -> CorpusReader {
    CorpusReader::from_reader("mem", std::io::Cursor::new(text.to_string()))
}

fn vocab_of(text: &str, min_count: u64) -> Vocab {
    let cfg = VocabConfig {
        min_count,
        ..Default::default()
    };
    count_corpus(&mut reader(text), &Tokenizer::default(), &cfg, 1)
        .unwrap()
        .0
}

/// The definition, in f64: for every pair of in-vocabulary words `d ≤ window`
/// apart in a line (out-of-vocabulary words removed first), `X[left][right]
/// += w(d)`, and `X[right][left] += w(d)` too when symmetric.
fn brute_force(
    text: &str,
    vocab: &Vocab,
    window: usize,
    symmetric: bool,
    weighting: bool,
) -> BTreeMap<(u32, u32), f64> {
    let mut x = BTreeMap::new();
    for line in text.lines() {
        let ids: Vec<u32> = line
            .split_whitespace()
            .filter_map(|t| vocab.id(t))
            .collect();
        for j in 0..ids.len() {
            for i in j.saturating_sub(window)..j {
                let w = if weighting { 1.0 / (j - i) as f64 } else { 1.0 };
                *x.entry((ids[i], ids[j])).or_insert(0.0) += w;
                if symmetric {
                    *x.entry((ids[j], ids[i])).or_insert(0.0) += w;
                }
            }
        }
    }
    x
}

fn assert_same(got: &[Entry], want: &BTreeMap<(u32, u32), f64>) {
    let keys: Vec<(u32, u32)> = got.iter().map(|e| (e.row, e.col)).collect();
    let want_keys: Vec<(u32, u32)> = want.keys().copied().collect();
    assert_eq!(keys, want_keys, "the non-zero entries differ");
    for e in got {
        let w = want[&(e.row, e.col)];
        // f32 output of an f64 sum: half an ulp of f32, plus the f32 rounding
        // of each sparse 1/d summed in another order.
        let tol = 1e-6 * w.max(1.0);
        assert!(
            (e.value as f64 - w).abs() <= tol,
            "X[{}][{}] = {} but the brute force says {w}",
            e.row,
            e.col,
            e.value
        );
    }
}

/// Random lines over a skewed vocabulary of `words` words.
fn corpus_strategy() -> impl Strategy<Value = String> {
    (1usize..40).prop_flat_map(|words| {
        prop::collection::vec(
            prop::collection::vec((0..words, 0..words), 0..40).prop_map(|pairs| {
                pairs
                    .into_iter()
                    // min of two draws: small ids (frequent words) dominate.
                    .map(|(a, b)| format!("w{}", a.min(b)))
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
            1..20,
        )
        .prop_map(|lines| lines.join("\n"))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any corpus, window, direction, weighting, thread count and budget
    /// (from "everything fits" down to the smallest budget accepted, where
    /// there is no dense table and runs are spilled every 1024 pairs) gives
    /// the brute-force matrix.
    #[test]
    fn counts_equal_the_brute_force(
        text in corpus_strategy(),
        window in 1usize..8,
        symmetric in any::<bool>(),
        weighting in any::<bool>(),
        min_count in 1u64..3,
        threads in 1usize..4,
        tight in any::<bool>(),
    ) {
        let vocab = vocab_of(&text, min_count);
        prop_assume!(!vocab.is_empty());
        let dir = tempfile::tempdir().unwrap();
        let cfg = GloveConfig {
            window,
            symmetric,
            distance_weighting: weighting,
            threads,
            memory_gb: if tight { min_counting_memory_gb(vocab.len(), threads) } else { 1.0 },
            temp_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let counted = count_cooccurrences(&mut reader(&text), &Tokenizer::default(), &vocab, &cfg).unwrap();
        let got = counted.to_vec().unwrap();
        assert_same(&got, &brute_force(&text, &vocab, window, symmetric, weighting));
        if tight {
            prop_assert_eq!(counted.stats().dense_pairs, 0);
        }
        drop(counted);
        prop_assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "temporary files left");
    }
}

fn planted_text(tokens: u64) -> String {
    let mut buf = Vec::new();
    PlantedCorpus::new(7)
        .write_corpus(&mut buf, tokens)
        .unwrap();
    String::from_utf8(buf).unwrap()
}

/// 200 000 tokens counted all in memory, and again in the smallest budget
/// with three threads: dozens of runs per thread, merged sixteen at a time
/// while counting, then k-way at the end — the same matrix.
#[test]
fn spilled_and_in_memory_counting_give_the_same_matrix() {
    let text = planted_text(200_000);
    let vocab = vocab_of(&text, 1);
    let dir = tempfile::tempdir().unwrap();
    let base = GloveConfig {
        window: 10,
        temp_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let in_memory = GloveConfig {
        threads: 1,
        memory_gb: 2.0,
        ..base.clone()
    };
    let spilled = GloveConfig {
        threads: 3,
        memory_gb: min_counting_memory_gb(vocab.len(), 3),
        ..base
    };
    let a = count_cooccurrences(
        &mut reader(&text),
        &Tokenizer::default(),
        &vocab,
        &in_memory,
    )
    .unwrap();
    assert_eq!(a.stats().runs_written, 0);
    assert_eq!(a.stats().dense_pairs, a.stats().pairs);
    let b =
        count_cooccurrences(&mut reader(&text), &Tokenizer::default(), &vocab, &spilled).unwrap();
    let s = b.stats();
    eprintln!(
        "spilled: {} pairs, {} dense, {} runs written ({} bytes), {} records per run",
        s.pairs, s.dense_pairs, s.runs_written, s.spilled_bytes, s.run_records
    );
    assert_eq!(s.pairs, a.stats().pairs);
    assert!(
        s.runs_written > 3 * 16,
        "too few runs to exercise merging: {s:?}"
    );
    let (ea, eb) = (a.to_vec().unwrap(), b.to_vec().unwrap());
    assert_eq!(ea.len(), eb.len());
    for (x, y) in ea.iter().zip(&eb) {
        assert_eq!((x.row, x.col), (y.row, y.col));
        let tol = 2e-7 * x.value.abs().max(1.0);
        assert!(
            (x.value - y.value).abs() <= tol,
            "X[{}][{}]: {} in memory, {} spilled",
            x.row,
            x.col,
            x.value,
            y.value
        );
    }
    drop((a, b));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Threads own rows, so the dense part does not depend on their number:
/// with everything in memory, 1 and 3 threads agree bit for bit.
#[test]
fn thread_count_does_not_change_in_memory_counts() {
    let text = planted_text(50_000);
    let vocab = vocab_of(&text, 1);
    let count = |threads| {
        let cfg = GloveConfig {
            window: 5,
            threads,
            memory_gb: 1.0,
            ..Default::default()
        };
        count_cooccurrences(&mut reader(&text), &Tokenizer::default(), &vocab, &cfg)
            .unwrap()
            .to_vec()
            .unwrap()
    };
    assert_eq!(count(1), count(3));
}
