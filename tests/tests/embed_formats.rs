//! Word-vector files end to end: `embedpos convert` through every format and
//! back, the query and evaluation commands, bad files through the binary, and
//! files written by gensim read by us.

use embedpos_embed::{Embeddings, Format};
use embedpos_tests::{embedpos, python_with};
use embedpos_tokenize::Vocab;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(args: &[&str]) -> String {
    let o = embedpos(args);
    assert!(
        o.status.success(),
        "embedpos {args:?} failed: {}",
        stderr(&o)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Runs `embedpos` expecting a clean failure whose message contains `want`.
fn fails(args: &[&str], want: &str) {
    let o = embedpos(args);
    let err = stderr(&o);
    assert!(!o.status.success(), "embedpos {args:?} should fail");
    assert!(
        !err.contains("panicked"),
        "embedpos {args:?} panicked: {err}"
    );
    assert!(
        err.contains(want),
        "embedpos {args:?}: expected {want:?} in: {err}"
    );
}

/// A small vocabulary with a planted analogy and awkward values.
fn sample() -> Embeddings {
    let words = [
        "man", "woman", "king", "queen", "apple", "pear", "été", "Ölçü",
    ];
    let rows: [[f32; 4]; 8] = [
        [1.0, 0.0, 0.1, 0.0],
        [1.0, 1.0, 0.1, 0.0],
        [3.0, 0.2, 0.0, 0.1],
        [3.0, 3.2, 0.0, 0.1],
        [-1.0, 0.3, 2.0, 0.0],
        [-1.1, 0.2, 2.1, 0.1],
        [1e-30, -0.0, 123456.79, -7.5e-8],
        [f32::MIN_POSITIVE, f32::MAX, -1.0, 0.333_333_34],
    ];
    let n = words.len() as u64;
    let vocab = Vocab::from_ordered(
        words.map(String::from).to_vec(),
        (0..n).map(|i| n - i).collect(),
    )
    .unwrap();
    Embeddings::new(vocab, 4, rows.iter().flatten().copied().collect()).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn convert_through_every_format_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let e = sample();
    let start = dir.path().join("start.txt");
    e.save(&start, Format::Word2VecText).unwrap();
    let chain = ["a.bin", "b.epv", "c.glove", "d.vec", "e.txt"];
    let mut prev = start.clone();
    for name in chain {
        let next = dir.path().join(name);
        ok(&["--quiet", "convert", s(&prev), s(&next)]);
        assert_eq!(Embeddings::load(&next, None).unwrap(), e, "{name}");
        prev = next;
    }
    // GloVe written under a .txt name, read back with --from.
    let glove_txt = dir.path().join("glove.txt");
    ok(&[
        "--quiet",
        "convert",
        s(&prev),
        s(&glove_txt),
        "--to",
        "glove",
    ]);
    assert_eq!(
        Embeddings::load(&glove_txt, Some(Format::GloveText)).unwrap(),
        e
    );
    let back = dir.path().join("back.epv");
    ok(&[
        "--quiet",
        "convert",
        s(&glove_txt),
        s(&back),
        "--from",
        "glove",
    ]);
    assert_eq!(Embeddings::load(&back, None).unwrap(), e);
    // The native file keeps counts; the vector formats store none and give n - i.
    assert_eq!(
        Embeddings::load(&back, None).unwrap().vocab().counts(),
        e.vocab().counts()
    );

    let npy = dir.path().join("m.npy");
    let st = dir.path().join("m.safetensors");
    let o = embedpos(&["convert", s(&back), s(&npy)]);
    assert!(
        o.status.success() && stderr(&o).contains("matrix only"),
        "{}",
        stderr(&o)
    );
    ok(&["--quiet", "convert", s(&back), s(&st)]);
    fails(
        &["convert", s(&npy), s(&dir.path().join("x.txt"))],
        "holds no words",
    );
    fails(
        &["convert", s(&back), s(&dir.path().join("x.csv"))],
        "cannot tell the vector format",
    );
    fails(
        &["convert", s(&back), s(&dir.path().join("x")), "--to", "xml"],
        "unknown vector format",
    );

    if let Some(py) = python_with("numpy") {
        let script = r#"
import sys, json, struct, numpy as np
a = np.load(sys.argv[1])
raw = open(sys.argv[2], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
h = json.loads(raw[8:8 + n])
t = h["embeddings"]
b = np.frombuffer(raw[8 + n + t["data_offsets"][0]:8 + n + t["data_offsets"][1]], dtype="<f4").reshape(t["shape"])
print(json.dumps({"shape": list(a.shape), "dtype": str(a.dtype), "same": bool(np.array_equal(a, b)),
                  "values": [float(x) for x in a.ravel()]}))
"#;
        let out = Command::new(py)
            .args(["-c", script, s(&npy), s(&st)])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["shape"], serde_json::json!([8, 4]));
        assert_eq!(v["dtype"], "float32");
        assert_eq!(v["same"], true);
        let values: Vec<f32> = v["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        assert_eq!(values, e.matrix());
    }
}

#[test]
fn query_and_eval_commands() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v.bin");
    sample().save(&v, Format::Word2VecBinary).unwrap();
    let out = ok(&["--quiet", "similar", s(&v), "apple", "--topn", "1"]);
    assert!(out.starts_with("pear\t0.99"), "{out}");
    let out = ok(&[
        "--quiet",
        "analogy",
        s(&v),
        "man",
        "king",
        "woman",
        "--topn",
        "1",
    ]);
    assert!(out.starts_with("queen\t"), "{out}");
    let out = ok(&[
        "--quiet",
        "analogy",
        s(&v),
        "man",
        "king",
        "woman",
        "--method",
        "mul",
        "--json",
    ]);
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j[0]["word"], "queen");
    let out = ok(&[
        "--quiet",
        "similar",
        s(&v),
        "king",
        "--negative",
        "man",
        "--restrict",
        "4",
        "--json",
    ]);
    let j: Value = serde_json::from_str(&out).unwrap();
    let found: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["word"].as_str().unwrap())
        .collect();
    assert_eq!(
        found,
        ["queen", "woman"],
        "only the first 4 words are candidates: {out}"
    );
    fails(
        &["similar", s(&v), "banana"],
        "\"banana\" is not in the vocabulary",
    );
    fails(&["similar", s(&v), "King"], "did you mean \"king\"");

    let q = dir.path().join("q.txt");
    std::fs::write(&q, ": family\nman king woman queen\nMAN WOMAN KING QUEEN\n: gram-fruit\napple pear man woman\nx y z w\n")
        .unwrap();
    let out = ok(&["--quiet", "eval", "analogy", s(&v), s(&q), "--json"]);
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["questions"], 4);
    assert_eq!(j["oov"], 1);
    assert_eq!(j["total"]["correct"], 2);
    assert_eq!(j["semantic"]["correct"], 2);
    assert_eq!(j["syntactic"]["incorrect"], 1);
    assert_eq!(j["oov_ratio"], 25.0);
    let out = ok(&["--quiet", "eval", "analogy", s(&v), s(&q)]);
    assert!(
        out.contains("Total accuracy") && out.contains("out of vocabulary: 1 of 4"),
        "{out}"
    );

    let p = dir.path().join("p.tsv");
    std::fs::write(
        &p,
        "# comment\nking\tqueen\t8\napple\tpear\t9\nman\tapple\t1\nking\tbanana\t5\n",
    )
    .unwrap();
    let out = ok(&["--quiet", "eval", "pairs", s(&v), s(&p), "--json"]);
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["pairs"], 3);
    assert_eq!(j["oov"], 1);
    assert_eq!(j["oov_ratio"], 25.0);
    assert!(j["spearman"].as_f64().unwrap() > 0.4, "{out}");
    fails(
        &["eval", "pairs", s(&v), s(&q)],
        "no word pair could be scored",
    );
    fails(
        &["eval", "analogy", s(&v), s(&p)],
        "p.tsv:1: a line before the first",
    );
}

#[test]
fn bad_vector_files_are_clean_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.bin");
    sample().save(&good, Format::Word2VecBinary).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.bin",
            bytes[..bytes.len() - 7].to_vec(),
            "it is truncated",
        ),
        (
            "huge.bin",
            b"9000000000000 300\nabc ".to_vec(),
            "the header claims 9000000000000 words",
        ),
        (
            "huge.txt",
            b"4000000000 4000000000\n".to_vec(),
            "the header claims 4000000000 words",
        ),
        (
            "short.txt",
            b"2 3\nfoo 1 2 3\nbar 1 2\n".to_vec(),
            ":3: row \"bar\" has 2 values, expected 3",
        ),
        (
            "nan.txt",
            b"1 2\nfoo 1 nan\n".to_vec(),
            ":2: row \"foo\": value 2 is NaN",
        ),
        ("inf.txt", b"1 2\nfoo inf 1\n".to_vec(), "value 1 is inf"),
        (
            "dup.txt",
            b"2 1\nfoo 1\nfoo 2\n".to_vec(),
            "\"foo\" appears twice (line 2 and line 3)",
        ),
        (
            "prose.txt",
            b"It was a bright cold day in April.\n".to_vec(),
            "not a word-vector file",
        ),
        ("empty.bin", Vec::new(), "the file is empty"),
        (
            "elf.bin",
            b"\x7fELF\x02\x01\x01\x00"
                .iter()
                .copied()
                .cycle()
                .take(5000)
                .collect(),
            "not a word-vector file",
        ),
    ];
    for (name, data, want) in &cases {
        let p = dir.path().join(name);
        std::fs::write(&p, data).unwrap();
        fails(&["similar", s(&p), "foo"], want);
        let msg = fails_lib(&p);
        assert!(
            msg.contains(name),
            "library error should name the file: {msg}"
        );
    }
    // An explicit wrong format says what it expected.
    fails(
        &["similar", s(&good), "man", "--from", "text"],
        "good.bin:2: not valid UTF-8",
    );
    fails(
        &["similar", s(&dir.path().join("missing.bin")), "man"],
        "no such file",
    );

    // A failed conversion leaves an existing output untouched.
    let out = dir.path().join("out.txt");
    std::fs::write(&out, "keep me").unwrap();
    fails(
        &["convert", s(&dir.path().join("truncated.bin")), s(&out)],
        "truncated",
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

fn fails_lib(p: &Path) -> String {
    Embeddings::load(p, None).unwrap_err().to_string()
}

#[test]
fn files_written_by_gensim_read_the_same() {
    let Some(py) = python_with("gensim") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import sys, numpy as np
from gensim.models import KeyedVectors
rng = np.random.default_rng(7)
words = ["w%d" % i for i in range(300)] + ["naïve", "日本", "Zürich"]
kv = KeyedVectors(vector_size=25)
kv.add_vectors(words, rng.standard_normal((len(words), 25)).astype(np.float32))
d = sys.argv[1]
kv.save_word2vec_format(d + "/g.bin", binary=True)
kv.save_word2vec_format(d + "/g.txt", binary=False)
np.save(d + "/g.npy", kv.vectors)
open(d + "/g.words", "w", encoding="utf8").write("\n".join(kv.index_to_key))
"#;
    let out = Command::new(&py)
        .args(["-c", script, s(dir.path())])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let words: Vec<String> = std::fs::read_to_string(dir.path().join("g.words"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let npy = std::fs::read(dir.path().join("g.npy")).unwrap();
    let header_len = u16::from_le_bytes([npy[8], npy[9]]) as usize + 10;
    let matrix: Vec<f32> = npy[header_len..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    for name in ["g.bin", "g.txt"] {
        let e = Embeddings::load(dir.path().join(name), None).unwrap();
        assert_eq!(e.vocab().tokens(), &words[..], "{name}");
        assert_eq!(e.dim(), 25);
        assert_eq!(
            e.matrix(),
            &matrix[..],
            "{name}: values differ from gensim's"
        );
    }
}
