//! Real fastText models: a `.bin` trained by the Python `fasttext` package on
//! the planted fixture corpus (tests/fixtures/fasttext, made by `cargo xtask
//! fixtures`) loaded as `Embeddings` and through `embedpos vectors`, compared
//! with fastText's own vectors for in-vocabulary and unseen words (≤ 1e-5
//! absolute); `.epv` round trips that keep the subword rows; queries with
//! unseen words; and bad model files, which must fail with a message and
//! never a panic.

use embedpos_embed::io::{FastTextBin, FastTextModelKind};
use embedpos_embed::{Embeddings, Error, Format};
use embedpos_tests::{
    embedpos, embedpos_stdin, fixture, python_output, python_with_optional, s, stderr, write_file,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The tolerance against fastText's own vectors.
const TOL: f32 = 1e-5;

fn model() -> PathBuf {
    fixture("fasttext/small.bin")
}

/// fastText's vectors (Python `get_word_vector`, what `print-word-vectors`
/// computes) for in-vocabulary and unseen words, in full precision.
fn reference() -> (BTreeMap<String, Vec<f32>>, Vec<String>) {
    let text = std::fs::read_to_string(fixture("fasttext/small-vectors.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let vectors = v["vectors"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(w, x)| {
            let x = x.as_array().unwrap();
            (
                w.clone(),
                x.iter().map(|f| f.as_f64().unwrap() as f32).collect(),
            )
        })
        .collect();
    let in_vocab = v["in_vocab"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    (vectors, in_vocab)
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn ok(o: Output, what: &str) -> String {
    assert!(o.status.success(), "{what} failed: {}", stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// Parses `word v1 ... vD` lines.
fn parse_vectors(text: &str) -> Vec<(String, Vec<f32>)> {
    text.lines()
        .map(|l| {
            let mut f = l.split(' ');
            let w = f.next().unwrap().to_string();
            (
                w,
                f.filter(|x| !x.is_empty())
                    .map(|x| x.parse().unwrap())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn loaded_bin_equals_fasttext_for_seen_and_unseen_words() {
    let emb = Embeddings::load(model(), None).unwrap();
    assert_eq!(emb.dim(), 8);
    let sub = emb.subwords().expect("a skip-gram model has subword rows");
    assert_eq!(
        (sub.config().minn, sub.config().maxn, sub.config().bucket),
        (3, 6, 1000)
    );
    let (vectors, in_vocab) = reference();
    let (mut seen, mut unseen) = (0f32, 0f32);
    let mut n_unseen = 0;
    for (word, want) in &vectors {
        let got = emb.word_vector(word).unwrap();
        let d = max_diff(&got, want);
        if in_vocab.contains(word) {
            assert!(emb.vector(word).is_some(), "{word} is in the vocabulary");
            seen = seen.max(d);
        } else {
            assert!(emb.vector(word).is_none(), "{word} is unseen");
            unseen = unseen.max(d);
            n_unseen += 1;
        }
    }
    eprintln!(
        "max |ours - fastText|: in-vocabulary {seen:e}, unseen {unseen:e} ({n_unseen} words)"
    );
    assert!(seen <= TOL && unseen <= TOL, "{seen} {unseen}");
    assert!(n_unseen >= 5);
    // Given explicitly as fastText, or as word2vec binary (both are `.bin`).
    for f in [Format::FastText, Format::Word2VecBinary] {
        assert_eq!(Embeddings::load(model(), Some(f)).unwrap(), emb, "{f}");
    }
}

#[test]
fn printed_vectors_match_fasttext_print_word_vectors() {
    // small-vectors.txt is what the `fasttext` command printed (5 significant
    // digits), so it is compared at that precision; the JSON in full.
    let printed = std::fs::read_to_string(fixture("fasttext/small-vectors.txt")).unwrap();
    let theirs = parse_vectors(&printed);
    let words: Vec<&str> = theirs.iter().map(|(w, _)| w.as_str()).collect();
    let m = model();
    let mut args = vec!["vectors", m.to_str().unwrap()];
    args.extend(&words);
    let ours = parse_vectors(&ok(embedpos(&args), "embedpos vectors"));
    assert_eq!(ours.len(), theirs.len());
    let (full, _) = reference();
    for ((w, a), (w2, b)) in ours.iter().zip(&theirs) {
        assert_eq!(w, w2);
        for (x, y) in a.iter().zip(b) {
            assert!(
                (x - y).abs() <= 5e-5 * y.abs().max(1.0),
                "{w}: {a:?} vs {b:?}"
            );
        }
        if let Some(want) = full.get(w) {
            assert!(max_diff(a, want) <= TOL, "{w}: {a:?} vs {want:?}");
        }
    }
    // Words from stdin when none are given.
    let input = words.join(" ");
    let from_stdin = ok(
        embedpos_stdin(&["vectors", "-q", m.to_str().unwrap()], input.as_bytes()),
        "embedpos vectors < words",
    );
    assert_eq!(parse_vectors(&from_stdin), ours);
}

/// The model as read by [`FastTextBin`] (the reader under
/// `Embeddings::load`): its settings, and fastText's vectors for known and
/// unseen words.
#[test]
fn model_reader_equals_fasttext_for_known_and_unseen_words() {
    let m = FastTextBin::load(&model()).unwrap();
    assert_eq!(m.dim(), 8);
    assert_eq!(m.args.model, FastTextModelKind::SkipGram);
    assert_eq!((m.args.minn, m.args.maxn, m.args.bucket), (3, 6, 1000));
    let (vectors, _) = reference();
    let mut unseen = 0;
    for (word, want) in &vectors {
        let got = m.word_vector(word);
        assert!(max_diff(&got, want) <= TOL, "{word}: {got:?} vs {want:?}");
        if m.word_id(word).is_none() {
            unseen += 1;
        }
    }
    assert!(unseen >= 5, "the fixture checks unseen words too");
}

/// `Embeddings` made from the model answer as the model does for any word:
/// the same vector, or an error where the model's vector is zero.
#[test]
fn embeddings_answer_like_the_model_for_any_word() {
    let p = model();
    let m = FastTextBin::load(&p).unwrap();
    let emb = m.clone().into_embeddings(&p).unwrap();
    assert_eq!(emb.len(), m.words.len());
    assert!(emb.subwords().is_some());
    for w in ["the", "</s>", "zzyzx", "unseenword", "ü"] {
        let want = m.word_vector(w);
        match emb.word_vector(w) {
            Ok(got) => assert_eq!(&got[..], &want[..], "{w}"),
            Err(_) => assert!(want.iter().all(|&x| x == 0.0), "{w}"),
        }
    }
}

#[test]
fn model_reader_refuses_quantized_truncated_and_foreign_files() {
    let e = FastTextBin::load(&fixture("fasttext/small.ftz")).unwrap_err();
    assert!(e.message.contains("quantized"), "{e}");
    // Read errors become `Error::Corrupt`, with the offset.
    let e = Error::from(FastTextBin::load(&fixture("fasttext/small.ftz")).unwrap_err());
    assert!(matches!(e, Error::Corrupt { .. }), "{e}");
    assert!(e.to_string().contains("quantized"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(model()).unwrap();
    for cut in [0, 3, 7, 40, 70, 200, 5000, bytes.len() - 1] {
        let p = write_file(dir.path(), "cut.bin", &bytes[..cut]);
        let e = FastTextBin::load(&p).unwrap_err();
        assert!(e.to_string().contains("cut.bin"), "{e}");
    }
    let p = write_file(dir.path(), "foreign.bin", b"2 3\nword 1 2 3\n");
    assert!(FastTextBin::load(&p).unwrap_err().message.contains("magic"));
    // A header claiming an enormous matrix is refused before allocating.
    let mut huge = bytes.clone();
    let at = bytes.len() - (m_rows_offset_from_end(&bytes));
    huge[at..at + 8].copy_from_slice(&(1i64 << 40).to_le_bytes());
    let p = write_file(dir.path(), "huge.bin", &huge);
    assert!(FastTextBin::load(&p).is_err());
}

/// Offset from the end of the input matrix's row count: the output matrix
/// (i64 rows, i64 cols, f32 data) and the qout byte follow the input data.
fn m_rows_offset_from_end(bytes: &[u8]) -> usize {
    let m = FastTextBin::load(&model()).unwrap();
    let input_bytes = m.rows * m.dim() * 4 + 16;
    // Everything after the input matrix: qout flag + output matrix.
    let out_rows = m.words.len();
    let after = 1 + 16 + out_rows * m.dim() * 4;
    assert!(bytes.len() > input_bytes + after);
    input_bytes + after
}

/// Live check with the Python `fasttext` package (when `EMBEDPOS_PYTHON` has
/// it) on words the fixture does not list: long words, words with more
/// n-grams than any dictionary word, words shorter than minn, non-ASCII.
#[test]
fn unusual_unseen_words_match_python_fasttext() {
    let Some(py) = python_with_optional("fasttext") else {
        return;
    };
    let long = "x".repeat(300);
    let words = [
        "q",
        "qz",
        "antidisestablishmentarianism",
        long.as_str(),
        "ünïcödé",
        "日本語のテキスト",
        "the-city",
    ];
    let script = r#"
import json, sys, fasttext
m = fasttext.load_model(sys.argv[1])
words = json.loads(sys.stdin.read())
print(json.dumps({w: [float(x) for x in m.get_word_vector(w)] for w in words}))
"#;
    let mut child = Command::new(py)
        .args(["-c", script, model().to_str().unwrap()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(serde_json::to_string(&words).unwrap().as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let want: BTreeMap<String, Vec<f32>> = serde_json::from_slice(&out.stdout).unwrap();
    let emb = Embeddings::load(model(), None).unwrap();
    for w in words {
        let got = match emb.word_vector(w) {
            Ok(v) => v.into_owned(),
            // No n-gram at all: fastText prints zeros.
            Err(_) => vec![0.0; emb.dim()],
        };
        assert!(
            max_diff(&got, &want[w]) <= TOL,
            "{w}: {got:?} vs {:?}",
            want[w]
        );
    }
}

#[test]
fn epv_keeps_the_subword_rows_and_text_drops_them() {
    let dir = tempfile::tempdir().unwrap();
    let epv = dir.path().join("m.epv");
    let vec = dir.path().join("m.vec");
    let m = model();
    ok(
        embedpos(&["convert", m.to_str().unwrap(), epv.to_str().unwrap()]),
        "convert",
    );
    let o = embedpos(&["convert", m.to_str().unwrap(), vec.to_str().unwrap()]);
    assert!(
        stderr(&o).contains("in-vocabulary words only"),
        "{}",
        stderr(&o)
    );
    ok(o, "convert to .vec");
    let orig = Embeddings::load(&m, None).unwrap();
    let back = Embeddings::load(&epv, None).unwrap();
    assert_eq!(back, orig);
    // SAFETY: the file is not changed while mapped.
    let mapped = unsafe { Embeddings::load_mmap(&epv) }.unwrap();
    assert_eq!(mapped, orig);
    assert_eq!(
        mapped.word_vector("unseenword").unwrap(),
        orig.word_vector("unseenword").unwrap()
    );
    let text = Embeddings::load(&vec, None).unwrap();
    assert!(text.subwords().is_none());
    assert_eq!(text.matrix(), orig.matrix());
    assert!(text.word_vector("unseenword").is_err());
    // The .epv answers for unseen words through the CLI too.
    let a = ok(
        embedpos(&["vectors", "-q", epv.to_str().unwrap(), "lampss"]),
        "vectors epv",
    );
    let b = ok(
        embedpos(&["vectors", "-q", m.to_str().unwrap(), "lampss"]),
        "vectors bin",
    );
    assert_eq!(a, b);
    let o = embedpos(&["vectors", "-q", vec.to_str().unwrap(), "lampss"]);
    assert!(
        !o.status.success() && stderr(&o).contains("no subword rows"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn similar_and_analogy_accept_unseen_words() {
    let m = model();
    let m = m.to_str().unwrap();
    let emb = Embeddings::load(m, None).unwrap();
    let lib = emb.most_similar(&["cities"], &[], 5, None).unwrap();
    assert_eq!(lib.len(), 5);
    let out = ok(
        embedpos(&["similar", "-q", m, "cities", "--topn", "5", "--json"]),
        "similar",
    );
    let cli: Vec<Value> = serde_json::from_str(&out).unwrap();
    let cli_words: Vec<&str> = cli.iter().map(|n| n["word"].as_str().unwrap()).collect();
    let lib_words: Vec<&str> = lib.iter().map(|n| n.word.as_str()).collect();
    assert_eq!(cli_words, lib_words);
    // An unseen query word excludes nothing: the nearest word may be any.
    let q = emb.word_vector("cities").unwrap().into_owned();
    let by_vector = emb.similar_by_vector(&q, 5, None).unwrap();
    assert_eq!(by_vector, lib);
    ok(
        embedpos(&["analogy", "-q", m, "walkedd", "city", "lampss"]),
        "analogy",
    );
    // Without subwords, the same query names the missing word.
    let dir = tempfile::tempdir().unwrap();
    let vec = dir.path().join("m.vec");
    emb.save(&vec, Format::Word2VecText).unwrap();
    let o = embedpos(&["similar", "-q", vec.to_str().unwrap(), "cities"]);
    assert!(
        !o.status.success() && stderr(&o).contains("cities"),
        "{}",
        stderr(&o)
    );
}

fn load_err(path: &Path) -> String {
    let e = Embeddings::load(path, None).unwrap_err().to_string();
    assert!(
        e.contains(path.file_name().unwrap().to_str().unwrap()),
        "{e}"
    );
    let o = embedpos(&["vectors", "-q", path.to_str().unwrap(), "the"]);
    let err = stderr(&o);
    assert!(!o.status.success() && !err.contains("panicked"), "{err}");
    e
}

/// Byte offsets in the header of a fastText 0.9 `.bin`: magic, version, then
/// dim ws epoch minCount neg wordNgrams loss model bucket minn maxn
/// lrUpdateRate (i32) and t (f64); then the dictionary size.
const VERSION_AT: usize = 4;
const BUCKET_AT: usize = 8 + 8 * 4;
const MINN_AT: usize = BUCKET_AT + 4;
const MAXN_AT: usize = MINN_AT + 4;
const DICT_SIZE_AT: usize = 8 + 12 * 4 + 8;

#[test]
fn bad_model_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(model()).unwrap();
    let write = |name: &str, bytes: &[u8]| write_file(dir.path(), name, bytes);
    let patch = |at: usize, v: i32| {
        let mut b = good.clone();
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        b
    };
    let e = load_err(&fixture("fasttext/small.ftz"));
    assert!(e.contains("quantized"), "{e}");
    for cut in [5, 30, DICT_SIZE_AT + 2, 500, good.len() / 2, good.len() - 3] {
        let e = load_err(&write("cut.bin", &good[..cut]));
        assert!(
            e.contains("truncated") || e.contains("does not fit"),
            "{cut}: {e}"
        );
    }
    let e = load_err(&write("version.bin", &patch(VERSION_AT, 99)));
    assert!(e.contains("version 99"), "{e}");
    // A foreign magic is not taken for fastText: the sniffer says what it is not.
    let mut foreign = good.clone();
    foreign[0] ^= 0xff;
    let e = load_err(&write("foreign.bin", &foreign));
    assert!(
        e.contains("not a word-vector file") || e.contains("magic"),
        "{e}"
    );
    let e = Embeddings::load(write("magic.bin", &foreign), Some(Format::FastText))
        .unwrap_err()
        .to_string();
    assert!(e.contains("magic number"), "{e}");
    // Sizes that do not fit the file are refused before allocating.
    let e = load_err(&write("size.bin", &patch(DICT_SIZE_AT, i32::MAX)));
    assert!(e.contains("does not fit"), "{e}");
    let e = load_err(&write("bucket.bin", &patch(BUCKET_AT, 1 << 30)));
    assert!(e.contains("n-gram rows") || e.contains("bucket"), "{e}");
    // maxn > 0 with bucket 0: no rows for the n-grams.
    let e = load_err(&write("bucket0.bin", &patch(BUCKET_AT, 0)));
    assert!(e.contains("bucket 0"), "{e}");
    // minn > maxn: fastText builds no n-gram; documented: vectors are the
    // words' own rows and there are no subwords.
    let emb = Embeddings::load(write("minmax.bin", &patch(MINN_AT, 7)), None).unwrap();
    assert!(emb.subwords().is_none());
    assert!(emb.word_vector("unseenword").is_err());
    let e = load_err(&write("negative.bin", &patch(MAXN_AT, -1)));
    assert!(e.contains("negative"), "{e}");
}

/// With the Python `fasttext` package at hand: `similar` and `analogy` give
/// fastText's own `get_nearest_neighbors` and `get_analogies` (same words in
/// the same order, scores within 1e-4), unseen query words included.
#[test]
fn queries_match_fasttext_nn_and_analogies() {
    let Some(py) = python_with_optional("fasttext") else {
        return;
    };
    let script = r#"
import json, sys, fasttext
m = fasttext.load_model(sys.argv[1])
nn = {w: [[b, a] for a, b in m.get_nearest_neighbors(w, k=5)] for w in ["cities", "lampss", "the"]}
# fastText's analogy A - B + C is our B : A :: C : ?
an = [[b, a] for a, b in m.get_analogies("city", "walkedd", "lampss", k=3)]
print(json.dumps({"nn": nn, "analogy": an}))
"#;
    let out = python_output(&py, ["-c", script, model().to_str().unwrap()]);
    let want: Value = serde_json::from_str(&out).unwrap();
    let same = |got: &str, want: &Value| {
        let got: Vec<(String, f64)> = got
            .lines()
            .map(|l| {
                let (w, s) = l.split_once('\t').unwrap();
                (w.to_string(), s.parse().unwrap())
            })
            .collect();
        let want = want.as_array().unwrap();
        assert_eq!(got.len(), want.len());
        for ((w, s), x) in got.iter().zip(want) {
            assert_eq!(w, x[0].as_str().unwrap());
            assert!(
                (s - x[1].as_f64().unwrap()).abs() <= 1e-4,
                "{w}: {s} vs {x}"
            );
        }
    };
    let m = model();
    let m = m.to_str().unwrap();
    for (word, list) in want["nn"].as_object().unwrap() {
        let got = ok(
            embedpos(&["similar", "-q", m, word, "--topn", "5"]),
            "similar",
        );
        same(&got, list);
    }
    let got = ok(
        embedpos(&[
            "analogy", "-q", m, "walkedd", "city", "lampss", "--topn", "3",
        ]),
        "analogy",
    );
    same(&got, &want["analogy"]);
}

#[test]
fn encode_gives_unseen_words_their_subword_vectors_not_unk() {
    let m = model();
    let out = ok(
        embedpos(&["encode", "--vectors", s(&m), "the nightzzz came"]),
        "encode with a fastText model",
    );
    assert!(out.contains("tokens: the nightzzz came"), "{out}");
    assert!(out.contains("0 unknown token(s)"), "{out}");
    assert!(!out.contains("[UNK]"), "{out}");
}
