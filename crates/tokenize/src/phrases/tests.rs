//! The phrase module against independent string-keyed re-implementations of
//! word2phrase.c and gensim's `Phrases` (brute force, property tests), and
//! its parts one by one.

use super::count::PairCounter;
use super::score::{npmi_score, word2phrase_score};
use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};

fn reader(text: &str) -> CorpusReader {
    CorpusReader::from_reader("mem", std::io::Cursor::new(text.as_bytes().to_vec()))
}

/// Learns from `text` with batches of `batch` bytes.
fn learn(text: &str, cfg: &PhrasesConfig, threads: usize, batch: usize) -> Phrases {
    let open = |_| Ok(reader(text));
    learn_batched(open, &Tokenizer::default(), cfg, threads, batch)
        .unwrap()
        .0
}

/// `text` with the phrases of `p` joined, as [`Phrases::apply_corpus`] writes it.
fn applied(p: &Phrases, text: &str, threads: usize, batch: usize) -> String {
    let mut out = Vec::new();
    let mut r = reader(text);
    let tok = Tokenizer::default();
    if threads > 1 {
        p.apply_parallel(&mut r, &tok, &mut out, threads, batch)
            .unwrap();
    } else {
        p.apply_corpus(&mut r, &tok, &mut out, 1).unwrap();
    }
    String::from_utf8(out).unwrap()
}

fn table_of(t: &PhraseTable) -> BTreeMap<(String, String), f64> {
    t.iter()
        .map(|(a, b, s)| ((a.to_string(), b.to_string()), s))
        .collect()
}

fn w2p(threshold: f64, min_count: u64) -> PhrasesConfig {
    PhrasesConfig {
        threshold,
        min_count,
        ..Default::default()
    }
}

fn npmi(threshold: f64, min_count: u64) -> PhrasesConfig {
    PhrasesConfig {
        scorer: Scorer::Npmi,
        threshold,
        min_count,
        ..Default::default()
    }
}

/// word2phrase.c re-done with its own data structure: one table of byte
/// strings for words (cut to 58 bytes) and pairs (`a_b`, cut to 59 bytes),
/// pairs counted across line ends; then its `TrainModel` loop, statement by
/// statement, for the output. Returns the phrases (every counted pair that
/// scores above the threshold) and the output text. ASCII text only (the
/// references cut bytes, we cut characters).
fn word2phrase_reference(
    text: &str,
    min_count: u64,
    threshold: f32,
) -> (BTreeMap<(String, String), f64>, String) {
    let word = |w: &str| w.as_bytes()[..w.len().min(58)].to_vec();
    let key = |a: &[u8], b: &[u8]| {
        let mut k = a.to_vec();
        k.push(b'_');
        k.extend_from_slice(b);
        k.truncate(59);
        k
    };
    let lines: Vec<Vec<Vec<u8>>> = text
        .lines()
        .map(|l| l.split(' ').filter(|w| !w.is_empty()).map(word).collect())
        .collect();
    let mut vocab: HashMap<Vec<u8>, u64> = HashMap::new();
    let mut train_words = 0u64;
    let mut last: Option<&Vec<u8>> = None;
    for w in lines.iter().flatten() {
        train_words += 1;
        *vocab.entry(w.clone()).or_insert(0) += 1;
        if let Some(l) = last {
            *vocab.entry(key(l, w)).or_insert(0) += 1;
        }
        last = Some(w);
    }
    // SortVocab: what is seen fewer than min_count times is not found.
    let found = |s: &[u8]| vocab.get(s).copied().filter(|&c| c >= min_count);
    let score = |a: &[u8], b: &[u8]| -> Option<f32> {
        let (pa, pb, pab) = (found(a)?, found(b)?, found(&key(a, b))?);
        let s = (pab - min_count) as f32 / (pa as f32 * pb as f32) * train_words as f32;
        (s > threshold).then_some(s)
    };
    let s = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
    let mut phrases = BTreeMap::new();
    let all: Vec<&Vec<u8>> = lines.iter().flatten().collect();
    for w in all.windows(2) {
        if let Some(sc) = score(w[0], w[1]) {
            phrases.insert((s(w[0]), s(w[1])), f64::from(sc));
        }
    }
    // TrainModel.
    let mut out = String::new();
    let (mut pa, mut pb, mut pab) = (0u64, 0u64, 0u64);
    let mut li: Option<()> = None;
    let mut word_now: Vec<u8> = Vec::new();
    for line in &lines {
        for w in line {
            let last_word = std::mem::replace(&mut word_now, w.clone());
            let mut oov = false;
            let i = found(w);
            match i {
                None => oov = true,
                Some(c) => pb = c,
            }
            if li.is_none() {
                oov = true;
            }
            li = i.map(|_| ());
            match found(&key(&last_word, w)) {
                None => oov = true,
                Some(c) => pab = c,
            }
            if pa < min_count || pb < min_count {
                oov = true;
            }
            let score = if oov {
                0.0
            } else {
                (pab - min_count) as f32 / (pa as f32 * pb as f32) * train_words as f32
            };
            if score > threshold {
                out.push('_');
                pb = 0;
            } else {
                out.push(' ');
            }
            out.push_str(&s(w));
            pa = pb;
        }
        // `</s>`: a newline, and `</s>` becomes the last word.
        out.push('\n');
        word_now = b"</s>".to_vec();
    }
    (phrases, out)
}

/// gensim's `Phrases(scoring="npmi")` re-done: one dict of strings for
/// words and `a_b` pairs within sentences, `score_candidate`, and
/// `analyze_sentence` for the output (written in word2phrase's layout).
fn npmi_reference(
    text: &str,
    min_count: u64,
    threshold: f64,
) -> (BTreeMap<(String, String), f64>, String) {
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let mut vocab: HashMap<String, u64> = HashMap::new();
    let mut total = 0u64;
    for line in &lines {
        for (i, w) in line.iter().enumerate() {
            total += 1;
            *vocab.entry(w.to_string()).or_insert(0) += 1;
            if i > 0 {
                *vocab.entry(format!("{}_{w}", line[i - 1])).or_insert(0) += 1;
            }
        }
    }
    let score = |a: &str, b: &str| -> Option<f64> {
        let (ca, cb) = (*vocab.get(a)?, *vocab.get(b)?);
        let cab = *vocab.get(&format!("{a}_{b}"))?;
        if cab < min_count {
            return None;
        }
        let n = total as f64;
        let (pa, pb, pab) = (ca as f64 / n, cb as f64 / n, cab as f64 / n);
        let s = (pab / (pa * pb)).ln() / -pab.ln();
        (s > threshold).then_some(s)
    };
    let mut phrases = BTreeMap::new();
    let mut out = String::new();
    for line in &lines {
        for w in line.windows(2) {
            if let Some(s) = score(w[0], w[1]) {
                phrases.insert((w[0].to_string(), w[1].to_string()), s);
            }
        }
        let mut start: Option<&str> = None;
        for &w in line {
            match start {
                Some(s) if score(s, w).is_some() => {
                    out.push_str(&format!(" {s}_{w}"));
                    start = None;
                }
                Some(s) => {
                    out.push_str(&format!(" {s}"));
                    start = Some(w);
                }
                None => start = Some(w),
            }
        }
        if let Some(s) = start {
            out.push_str(&format!(" {s}"));
        }
        out.push('\n');
    }
    (phrases, out)
}

/// Words that make the references' string keys coincide: tokens holding
/// `_`, pairs whose keys equal tokens or each other, long words that are cut
/// (and cut to the same word), long pairs whose keys are cut.
const WORDS: [&str; 16] = [
    "a",
    "b",
    "c",
    "d",
    "e",
    "a_b",
    "b_c",
    "_",
    "x_",
    "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmm",
    "mmmmmmmmmmmmmmmmmmmmmmmmmmmm",
    "lllllllllllllllllllllllllllllllllllllllllllllllllllllllll",
    "llllllllllllllllllllllllllllllllllllllllllllllllllllllllll",
    "lllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll",
    "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllq",
    "lllllllllllllllllllllllllllllllllllllllllllllllllllllllllll_a",
];

/// A corpus of lines of words from [`WORDS`], skewed to the first ones so
/// that pairs repeat, with empty lines and runs of spaces.
fn corpus() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        6 => 0..5usize,
        3 => 5..9usize,
        2 => 9..WORDS.len(),
    ];
    let line = prop::collection::vec((word, any::<bool>()), 0..9);
    prop::collection::vec(line, 1..40).prop_map(|lines| {
        let mut text = String::new();
        for line in lines {
            for (w, wide) in line {
                text.push_str(if wide { "  " } else { " " });
                text.push_str(WORDS[w]);
            }
            text.push('\n');
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Phrases, scores and the joined text equal word2phrase's, re-done
    /// naively with strings, for one and two passes, on one thread and on
    /// three with batches of a few lines (pairs across batches).
    #[test]
    fn word2phrase_equals_a_string_keyed_recount(
        text in corpus(),
        min_count in 1u64..4,
        threshold in prop::sample::select(vec![0.0f64, 0.5, 1.0, 2.0, 4.0, 8.0]),
        passes in 1usize..3,
    ) {
        let cfg = PhrasesConfig { passes, ..w2p(threshold, min_count) };
        let p = learn(&text, &cfg, 1, 1 << 20);
        let mut input = text.clone();
        for pass in 0..passes {
            let (phrases, out) = word2phrase_reference(&input, min_count, threshold as f32);
            prop_assert_eq!(&table_of(&p.passes()[pass]), &phrases, "pass {}", pass + 1);
            input = out;
        }
        prop_assert_eq!(&applied(&p, &text, 1, 0), &input);
        let parallel = learn(&text, &cfg, 3, 7);
        prop_assert_eq!(&parallel, &p);
        prop_assert_eq!(&applied(&p, &text, 3, 7), &input);
    }

    /// The same against gensim's npmi, re-done naively.
    #[test]
    fn npmi_equals_a_string_keyed_recount(
        text in corpus(),
        min_count in 1u64..4,
        threshold in prop::sample::select(vec![-0.5f64, 0.0, 0.3, 0.6, 0.9]),
        passes in 1usize..3,
    ) {
        let cfg = PhrasesConfig { passes, ..npmi(threshold, min_count) };
        let p = learn(&text, &cfg, 1, 1 << 20);
        let mut input = text.clone();
        for pass in 0..passes {
            let (phrases, out) = npmi_reference(&input, min_count, threshold);
            prop_assert_eq!(&table_of(&p.passes()[pass]), &phrases, "pass {}", pass + 1);
            input = out;
        }
        prop_assert_eq!(&applied(&p, &text, 1, 0), &input);
        prop_assert_eq!(&learn(&text, &cfg, 2, 5), &p);
    }

    /// What a table saves, it loads; and any bytes load or fail, never panic.
    #[test]
    fn save_load_round_trip_and_no_panic(text in corpus(), junk in prop::collection::vec(any::<u8>(), 0..200)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.txt");
        for cfg in [w2p(0.5, 1), npmi(0.1, 1)] {
            let p = learn(&text, &PhrasesConfig { passes: 2, ..cfg }, 1, 1 << 20);
            p.save(&path).unwrap();
            prop_assert_eq!(&Phrases::load(&path).unwrap(), &p);
        }
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(junk.len().min(bytes.len()));
        bytes.extend_from_slice(&junk);
        std::fs::write(&path, &bytes).unwrap();
        let _ = Phrases::load(&path);
    }
}

#[test]
fn scores_are_the_references_formulas() {
    // (pab - min_count) / (pa * pb) * words in f32: (12 - 5) / (40 * 30) * 9000.
    assert_eq!(word2phrase_score(40, 30, 12, 5, 9000), 52.5);
    // The f32 arithmetic of word2phrase, not f64's.
    let s = word2phrase_score(7, 3, 6, 5, 1_000_003);
    assert_eq!(s, 1.0f32 / (7.0 * 3.0) * 1_000_003.0);
    // npmi: 1 for words that only occur together, 0 for independent ones.
    assert!((npmi_score(10, 10, 10, 1000) - 1.0).abs() < 1e-12);
    assert!(npmi_score(100, 100, 10, 1000).abs() < 1e-12);
    assert!(npmi_score(500, 500, 1, 1000) < 0.0);
}

#[test]
fn config_rejects_nonsense_with_reasons() {
    assert!(PhrasesConfig::default().validate().is_ok());
    assert!(npmi(0.5, 5).validate().is_ok());
    let cases = [
        (npmi(100.0, 5), "outside [-1, 1]"),
        (w2p(-1.0, 5), "negative"),
        (w2p(f64::NAN, 5), "not a number"),
        (w2p(100.0, 0), "min_count must be at least 1"),
        (
            PhrasesConfig {
                delimiter: "a b".into(),
                ..Default::default()
            },
            "whitespace",
        ),
        (
            PhrasesConfig {
                delimiter: String::new(),
                ..Default::default()
            },
            "non-empty",
        ),
        (
            PhrasesConfig {
                passes: 0,
                ..Default::default()
            },
            "passes",
        ),
    ];
    for (cfg, why) in cases {
        let e = cfg.validate().unwrap_err().to_string();
        assert!(e.contains(why), "{e}");
    }
    let open = |_| Ok(reader("a b\n"));
    assert!(learn_phrases(open, &Tokenizer::default(), &npmi(2.0, 1), 1).is_err());
}

#[test]
fn phrases_are_joined_greedily_left_to_right() {
    let text = "a b c\n".repeat(10);
    let p = learn(&text, &w2p(0.0, 1), 1, 1 << 20);
    let t = &p.passes()[0];
    assert!(t.score("a", "b").is_some() && t.score("b", "c").is_some());
    let mut out = TokenBuf::new();
    p.apply(["a", "b", "c", "b", "c", "a"], &mut out);
    assert_eq!(out.to_vec(), ["a_b", "c", "b_c", "a"]);
    // A second pass joins the pair of a joined word and the next.
    let p = learn(
        &text,
        &PhrasesConfig {
            passes: 2,
            ..w2p(0.0, 1)
        },
        1,
        1 << 20,
    );
    assert!(p.passes()[1].score("a_b", "c").is_some());
    p.apply(["a", "b", "c"], &mut out);
    assert_eq!(out.to_vec(), ["a_b_c"]);
    let mut scratch = Scratch::default();
    p.apply_line(" a  b\tc ", &Tokenizer::default(), &mut scratch, &mut out);
    assert_eq!(out.to_vec(), ["a_b_c"]);
}

#[test]
fn word2phrase_counts_pairs_across_lines_but_joins_within() {
    // "x y" occurs only across line ends: counted by word2phrase (its
    // vocabulary pass never resets the last word), never joined.
    let text = "q x\ny q\n".repeat(20);
    let p = learn(&text, &w2p(0.0, 2), 1, 1 << 20);
    assert!(p.passes()[0].score("x", "y").is_some());
    assert_eq!(applied(&p, &text, 1, 0), " q_x\n y_q\n".repeat(20));
    // gensim counts within sentences only.
    let p = learn(&text, &npmi(0.0, 2), 1, 1 << 20);
    assert!(p.passes()[0].score("x", "y").is_none());
}

#[test]
fn long_words_are_cut_as_word2phrase_does() {
    let long = "é".repeat(40); // 80 bytes: cut at a character boundary, 58 bytes
    let text = format!("{long} z\n").repeat(10);
    let p = learn(&text, &w2p(0.0, 1), 1, 1 << 20);
    let cut = "é".repeat(29);
    assert!(p.passes()[0].score(&cut, "z").is_some());
    assert_eq!(applied(&p, &text, 1, 0), format!(" {cut}_z\n").repeat(10));
    // npmi (gensim) cuts nothing.
    let p = learn(&text, &npmi(0.0, 1), 1, 1 << 20);
    assert!(p.passes()[0].score(&long, "z").is_some());
}

#[test]
fn pruning_is_reduce_vocab() {
    let cfg = PhrasesConfig {
        prune_cap: 5,
        ..w2p(0.0, 1)
    };
    let mut c = PairCounter::new(&cfg);
    for t in ["a", "b", "a", "b", "a"] {
        c.push(t);
    }
    // a:3 b:2, (a,b):2 (b,a):2: 4 entries, under the cap.
    assert_eq!(c.pruned, 0);
    c.push("c"); // c:1 and (a,c):1 make 6 > 5: every count <= 1 goes.
    assert_eq!(c.pruned, 2);
    assert_eq!(c.ids.len() + c.pairs.len(), 4);
    let (t, stats) = score::score_pass(c, &cfg);
    assert_eq!(
        (stats.tokens, stats.words, stats.pairs, stats.pruned),
        (6, 2, 2, 2)
    );
    assert_eq!(t.len(), 2);
    let big = "w1 w2 w3 w4 w5 w6 w7 w8 w9\n".repeat(3) + &"a b\n".repeat(50);
    let cfg = PhrasesConfig {
        prune_cap: 6,
        ..w2p(0.0, 5)
    };
    let (p, stats) = learn_phrases(|_| Ok(reader(&big)), &Tokenizer::default(), &cfg, 1).unwrap();
    assert!(stats[0].pruned > 0);
    assert!(p.passes()[0].score("a", "b").is_some());
}

#[test]
fn a_pass_without_phrases_ends_learning() {
    let mut opened = 0;
    let open = |_| {
        opened += 1;
        Ok(reader("a b c d\n"))
    };
    let cfg = PhrasesConfig {
        passes: 3,
        ..Default::default()
    };
    let (p, stats) = learn_phrases(open, &Tokenizer::default(), &cfg, 2).unwrap();
    assert_eq!(opened, 1);
    assert_eq!((p.passes().len(), stats.len()), (3, 3));
    assert!(p.is_empty());
    assert_eq!(stats[2].tokens, 4);
}

#[test]
fn token_buf_and_empty_phrases_copy_tokens() {
    let p = learn("", &w2p(100.0, 5), 2, 1 << 20);
    let mut out = TokenBuf::new();
    p.apply(["x", "y"], &mut out);
    assert_eq!(out.to_vec(), ["x", "y"]);
    assert_eq!(out.get(1), Some("y"));
    assert_eq!(out.get(2), None);
    out.clear();
    assert!(out.is_empty());
    assert_eq!(applied(&p, "", 2, 3), "");
    assert_eq!(applied(&p, "\n\n a\n", 2, 1), "\n\n a\n");
}

#[test]
fn a_write_error_is_reported() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let text = "a b c\n".repeat(10_000);
    let p = learn(&text, &w2p(0.0, 1), 1, 1 << 20);
    let tok = Tokenizer::default();
    let e = p
        .apply_parallel(&mut reader(&text), &tok, &mut Full, 2, 64)
        .unwrap_err();
    assert!(matches!(e, Error::Output { .. }), "{e}");
    let e = p
        .apply_corpus(&mut reader(&text), &tok, &mut Full, 1)
        .unwrap_err();
    assert!(e.to_string().contains("disk full"), "{e}");
}

/// Loads `text` as a phrase file: the phrases, or the error's message
/// (which must name the file).
fn load_text(text: &str) -> std::result::Result<Phrases, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.txt");
    std::fs::write(&path, text).unwrap();
    Phrases::load(&path).map_err(|e| {
        let m = e.to_string();
        assert!(m.contains("bad.txt:"), "names the file: {m}");
        m
    })
}

#[test]
fn bad_phrase_files_say_what_and_where() {
    let head =
        "embedpos-phrases v1 scorer=word2phrase threshold=100 min_count=5 delimiter=_ passes=1\n";
    let pass = "--- pass 1 of 1: 2 phrases ---\n";
    let good = format!("{head}{pass}a b 200\nc d 150\n");
    let p = load_text(&good).unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(
        (p.scorer(), p.threshold(), p.min_count()),
        (Scorer::Word2Phrase, 100.0, 5)
    );
    assert_eq!(p.delimiter(), "_");
    let cases: Vec<(String, &str)> = vec![
        (String::new(), ":1: the file is empty"),
        ("the cat sat\n".into(), ":1: not a phrase table"),
        (
            "embedpos-phrases v9 scorer=npmi\n".into(),
            ":1: unsupported version",
        ),
        (
            good.replace("scorer=word2phrase", "scorer=pmi"),
            ":1: header: scorer=\"pmi\" is not `word2phrase` or `npmi`",
        ),
        (
            good.replace(" min_count=5", ""),
            ":1: the header lacks min_count=",
        ),
        (
            good.replace("passes=1", "passes=1 colour=red"),
            "unknown header field",
        ),
        (
            good.replace("scorer=word2phrase", "scorer=npmi"),
            ":1: header: invalid configuration: threshold 100 is outside [-1, 1]",
        ),
        (
            good.replace("a b 200", "a b"),
            ":3: expected `word_a word_b score`",
        ),
        (
            good.replace("a b 200", "a b 2x"),
            ":3: the score \"2x\" is not a finite number",
        ),
        (good.replace("a b 200", "a b inf"), ":3: the score \"inf\""),
        (
            good.replace("c d 150", "a b 150"),
            ":4: the phrase `a b` is listed twice",
        ),
        (
            good.replace("c d 150\n", ""),
            ":3: the file ends after 1 of the 2 phrases",
        ),
        (
            good.replace(pass, "pass 1\n"),
            ":2: expected `--- pass 1 of 1: N phrases ---`",
        ),
        (head.to_string(), ":1: the file ends before pass 1 of 1"),
        (
            format!("{good}e f 1\n"),
            ":5: unexpected line after the 1 passes",
        ),
    ];
    for (text, want) in &cases {
        let e = load_text(text).unwrap_err();
        assert!(e.contains(want), "{want:?} not in {e:?}");
    }
    let mut bytes = good.into_bytes();
    bytes[head.len() + pass.len()] = 0xff;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.txt");
    std::fs::write(&path, bytes).unwrap();
    let e = Phrases::load(&path).unwrap_err().to_string();
    assert!(e.contains(":3: invalid UTF-8"), "{e}");
    let e = Phrases::load(dir.path().join("none.txt")).unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
    // Blank lines at the end are fine.
    assert!(load_text(&format!("{head}{pass}a b 200\nc d 150\n\n\n")).is_ok());
}

#[test]
fn save_writes_the_documented_format() {
    let text = "new york is big\nnew york is old\n".repeat(5);
    let p = learn(&text, &w2p(0.0, 5), 1, 1 << 20);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.txt");
    p.save(&path).unwrap();
    let saved = std::fs::read_to_string(&path).unwrap();
    let mut lines = saved.lines();
    assert_eq!(
        lines.next(),
        Some("embedpos-phrases v1 scorer=word2phrase threshold=0 min_count=5 delimiter=_ passes=1")
    );
    assert_eq!(lines.next(), Some("--- pass 1 of 1: 2 phrases ---"));
    // (10 - 5) / (10 * 10) * 40 = 2 for both; `is big`, `is old` (and `big
    // new` across lines) are seen 5 times: 0, not above the threshold.
    assert_eq!(lines.collect::<Vec<_>>(), ["new york 2", "york is 2"]);
}
