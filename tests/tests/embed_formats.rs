//! Word-vector files end to end: `embedpos convert` through every format and
//! back, the query and evaluation commands, bad files through the binary, and
//! files written by gensim read by us.

use embedpos_embed::{Embeddings, Format};
use embedpos_tests::{
    dir_names, embedpos, embedpos_fails, embedpos_ok as ok, python_output, python_with, read_npy,
    s, stderr, succeeded, write_file,
};
use embedpos_tokenize::Vocab;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Runs `embedpos` expecting a clean failure whose message contains `want`.
fn fails(args: &[&str], want: &str) {
    embedpos_fails(args, &[want]);
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

/// Saves [`sample`] as `dir/name` in `format` and returns the path.
fn saved_sample(dir: &Path, name: &str, format: Format) -> PathBuf {
    let path = dir.join(name);
    sample().save(&path, format).unwrap();
    path
}

#[test]
fn convert_through_every_format_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let e = sample();
    let start = saved_sample(dir.path(), "start.txt", Format::Word2VecText);
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
    succeeded(&o);
    assert!(stderr(&o).contains("matrix only"), "{}", stderr(&o));
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
        let out = python_output(&py, ["-c", script, s(&npy), s(&st)]);
        let v: Value = serde_json::from_str(&out).unwrap();
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

/// Runs `embedpos --quiet args --json` and returns what it printed.
fn ok_json(args: &[&str]) -> Value {
    let out = ok(&[&["--quiet"], args, &["--json"]].concat());
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

#[test]
fn query_and_eval_commands() {
    let dir = tempfile::tempdir().unwrap();
    let v = saved_sample(dir.path(), "v.bin", Format::Word2VecBinary);
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
    let j = ok_json(&["analogy", s(&v), "man", "king", "woman", "--method", "mul"]);
    assert_eq!(j[0]["word"], "queen");
    let j = ok_json(&[
        "similar",
        s(&v),
        "king",
        "--negative",
        "man",
        "--restrict",
        "4",
    ]);
    let found: Vec<&str> = j
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["word"].as_str().unwrap())
        .collect();
    assert_eq!(
        found,
        ["queen", "woman"],
        "only the first 4 words are candidates: {j}"
    );
    fails(
        &["similar", s(&v), "banana"],
        "\"banana\" is not in the vocabulary",
    );
    fails(&["similar", s(&v), "King"], "did you mean \"king\"");

    let q = write_file(dir.path(), "q.txt", ": family\nman king woman queen\nMAN WOMAN KING QUEEN\n: gram-fruit\napple pear man woman\nx y z w\n");
    let j = ok_json(&["eval", "analogy", s(&v), s(&q)]);
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

    let p = write_file(
        dir.path(),
        "p.tsv",
        "# comment\nking\tqueen\t8\napple\tpear\t9\nman\tapple\t1\nking\tbanana\t5\n",
    );
    let j = ok_json(&["eval", "pairs", s(&v), s(&p)]);
    assert_eq!(j["pairs"], 3);
    assert_eq!(j["oov"], 1);
    assert_eq!(j["oov_ratio"], 25.0);
    assert!(j["spearman"].as_f64().unwrap() > 0.4, "{j}");
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
    let good = saved_sample(dir.path(), "good.bin", Format::Word2VecBinary);
    let bytes = std::fs::read(&good).unwrap();
    let elf: Vec<u8> = b"\x7fELF\x02\x01\x01\x00"
        .iter()
        .copied()
        .cycle()
        .take(5000)
        .collect();
    let cases: [(&str, &[u8], &str); 10] = [
        (
            "truncated.bin",
            &bytes[..bytes.len() - 7],
            "it is truncated",
        ),
        (
            "huge.bin",
            b"9000000000000 300\nabc ",
            "the header claims 9000000000000 words",
        ),
        (
            "huge.txt",
            b"4000000000 4000000000\n",
            "the header claims 4000000000 words",
        ),
        (
            "short.txt",
            b"2 3\nfoo 1 2 3\nbar 1 2\n",
            ":3: row \"bar\" has 2 values, expected 3",
        ),
        (
            "nan.txt",
            b"1 2\nfoo 1 nan\n",
            ":2: row \"foo\": value 2 is NaN",
        ),
        ("inf.txt", b"1 2\nfoo inf 1\n", "value 1 is inf"),
        (
            "dup.txt",
            b"2 1\nfoo 1\nfoo 2\n",
            "\"foo\" appears twice (line 2 and line 3)",
        ),
        (
            "prose.txt",
            b"It was a bright cold day in April.\n",
            "not a word-vector file",
        ),
        ("empty.bin", b"", "the file is empty"),
        ("elf.bin", &elf, "not a word-vector file"),
    ];
    for (name, data, want) in cases {
        let p = write_file(dir.path(), name, data);
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
    let out = write_file(dir.path(), "out.txt", "keep me");
    fails(
        &["convert", s(&dir.path().join("truncated.bin")), s(&out)],
        "truncated",
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
    let leftovers: Vec<_> = dir_names(dir.path())
        .into_iter()
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
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
    python_output(&py, ["-c", script, s(dir.path())]);
    let words: Vec<String> = std::fs::read_to_string(dir.path().join("g.words"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let matrix = read_npy(&dir.path().join("g.npy")).values;
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
