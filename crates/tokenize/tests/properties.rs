//! Properties over arbitrary input: nothing panics, round-trips hold,
//! parallel counting equals serial counting.

use embedpos_tokenize::{
    count_corpus, CorpusReader, NgramConfig, Normalizer, PreTokenizer, Tokenizer, Vocab,
    VocabConfig,
};
use proptest::prelude::*;

fn all_tokenizers() -> Vec<Tokenizer> {
    let mut v = Vec::new();
    for pre in [
        PreTokenizer::Whitespace,
        PreTokenizer::Words {
            keep_punctuation: true,
        },
        PreTokenizer::Words {
            keep_punctuation: false,
        },
        PreTokenizer::Cjk {
            keep_punctuation: true,
        },
    ] {
        for normalizer in [
            Normalizer::default(),
            Normalizer {
                nfkc: true,
                lowercase: true,
                strip_accents: true,
            },
        ] {
            v.push(Tokenizer {
                normalizer,
                pre_tokenizer: pre,
                model: None,
            });
        }
    }
    v
}

fn corpus_text() -> impl Strategy<Value = String> {
    // Words from a small alphabet so that tokens repeat, some multi-byte.
    prop::collection::vec(
        prop::collection::vec(
            prop::sample::select(vec!["a", "b", "é", "中", "x", "ab", "😀", "b"]),
            1..4,
        )
        .prop_map(|p| p.concat()),
        0..200,
    )
    .prop_map(|words| {
        let mut s = String::new();
        for (i, w) in words.iter().enumerate() {
            s.push_str(w);
            s.push(if i % 7 == 6 { '\n' } else { ' ' });
        }
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn tokenizers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400), cap in 16usize..64) {
        for t in all_tokenizers() {
            let mut r = CorpusReader::from_reader("mem", std::io::Cursor::new(bytes.clone())).with_max_line_bytes(cap);
            let cfg = VocabConfig { min_count: 1, prune_cap: 8, ..Default::default() };
            let (vocab, stats) = count_corpus(&mut r, &t, &cfg, 1).unwrap();
            prop_assert!(vocab.len() as u64 <= stats.distinct);
            for tok in vocab.tokens() {
                prop_assert!(!tok.is_empty());
                NgramConfig::default().ngrams(tok);
            }
        }
    }

    #[test]
    fn reader_keeps_every_token(text in corpus_text(), cap in 16usize..40) {
        let mut r = CorpusReader::from_reader("mem", std::io::Cursor::new(text.clone().into_bytes())).with_max_line_bytes(cap);
        let mut line = String::new();
        let mut got = Vec::new();
        while r.read_line(&mut line).unwrap() {
            prop_assert!(line.len() <= cap.max(16));
            got.extend(line.split_whitespace().map(str::to_string));
            line.clear();
        }
        let want: Vec<String> = text.split_whitespace().map(str::to_string).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn parallel_count_equals_serial(text in corpus_text(), threads in 2usize..5) {
        let cfg = VocabConfig { min_count: 1, ..Default::default() };
        let t = Tokenizer::default();
        let mut a = CorpusReader::from_reader("mem", std::io::Cursor::new(text.clone().into_bytes()));
        let mut b = CorpusReader::from_reader("mem", std::io::Cursor::new(text.into_bytes()));
        let (va, sa) = count_corpus(&mut a, &t, &cfg, 1).unwrap();
        let (vb, sb) = count_corpus(&mut b, &t, &cfg, threads).unwrap();
        prop_assert_eq!(va, vb);
        prop_assert_eq!(sa.tokens, sb.tokens);
    }

    #[test]
    fn vocab_round_trips(pairs in prop::collection::hash_map("[a-zé中😀]{1,6}", 0u64..1_000_000, 0..50)) {
        let v = Vocab::from_counts(pairs).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("v.txt");
        let native = dir.path().join("v.bin");
        v.save_text(&text).unwrap();
        v.save_native(&native).unwrap();
        prop_assert_eq!(&Vocab::load_text(&text).unwrap(), &v);
        prop_assert_eq!(&Vocab::load_native(&native).unwrap(), &v);
        // Deterministic order: count descending, then bytes ascending.
        for w in v.counts().windows(2) {
            prop_assert!(w[0] >= w[1]);
        }
    }

    #[test]
    fn vocab_loader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.txt");
        std::fs::write(&p, &bytes).unwrap();
        let _ = Vocab::load_text(&p);
        let _ = Vocab::load_native(&p);
    }
}
