//! `embedpos bpe` and `--tokenizer` through the binary: train, encode,
//! decode back to the same text, convert, trainers and `vocab` on BPE
//! tokens, and bad input that must fail before any output is written.

use embedpos_tests::{
    embedpos, embedpos_fails, embedpos_ok, fixture, planted_corpus, s, write_file,
};
use std::path::Path;

/// Text with what a tokenizer must not lose: runs of spaces, tabs, digits,
/// CJK, emoji, accents, and a NUL byte.
const TEXT: &str = "The cat sat  on the mat.\n\
\tindented  code(x, y) = 12345 + 0.5;\n\
naïve café 東京タワー 🎉👩‍👩‍👧 done\n\
\n\
trailing spaces   \n\
nul\u{0}byte and more text the cat the mat\n";

fn trained(dir: &Path) -> String {
    let corpus = write_file(dir, "corpus.txt", TEXT.repeat(30));
    let tok = dir.join("tokenizer.json");
    embedpos_ok(&[
        "--quiet",
        "bpe",
        "train",
        s(&corpus),
        "--vocab-size",
        "300",
        "--special",
        "<|endoftext|>",
        "-o",
        s(&tok),
    ]);
    s(&tok).to_string()
}

#[test]
fn train_encode_decode_round_trip_in_every_id_format() {
    let dir = tempfile::tempdir().unwrap();
    let tok = trained(dir.path());
    let text = write_file(dir.path(), "text.txt", TEXT);
    for format in ["text", "u16", "u32"] {
        let ids = dir.path().join(format!("ids.{format}"));
        let mut encode = vec![
            "--quiet",
            "bpe",
            "encode",
            "--tokenizer",
            &tok,
            s(&text),
            "--format",
            format,
            "-o",
            s(&ids),
        ];
        if format != "text" {
            encode.extend(["--separator-id", "65535"]);
        }
        embedpos_ok(&encode);
        let back = dir.path().join(format!("back.{format}.txt"));
        embedpos_ok(&[
            "--quiet",
            "bpe",
            "decode",
            "--tokenizer",
            &tok,
            s(&ids),
            "--format",
            format,
            "-o",
            s(&back),
        ]);
        let got = std::fs::read(&back).unwrap();
        // Binary ids hold one line per separator: the last separator ends
        // the last line, then an empty stretch follows.
        let want = if format == "text" {
            TEXT.to_string()
        } else {
            format!("{TEXT}\n")
        };
        assert_eq!(String::from_utf8_lossy(&got), want, "{format}");
    }
    // One thread and two give the same ids.
    let one = embedpos_ok(&[
        "--threads",
        "1",
        "bpe",
        "encode",
        "--tokenizer",
        &tok,
        s(&text),
    ]);
    let two = embedpos_ok(&[
        "--threads",
        "2",
        "bpe",
        "encode",
        "--tokenizer",
        &tok,
        s(&text),
    ]);
    assert_eq!(one, two);
    assert_eq!(one.lines().count(), TEXT.lines().count());
    // --tokens spells them as tokenizer files do.
    let tokens = embedpos_ok(&["bpe", "encode", "--tokenizer", &tok, "--tokens", s(&text)]);
    assert!(tokens.lines().next().unwrap().contains("Ġ"), "{tokens}");
}

#[test]
fn rank_files_and_their_conversion_encode_alike() {
    let dir = tempfile::tempdir().unwrap();
    let ranks = fixture("bpe/r50k_base.tiktoken.gz");
    let json = dir.path().join("r50k.json");
    embedpos_ok(&["--quiet", "bpe", "convert", s(&ranks), "-o", s(&json)]);
    let text = write_file(dir.path(), "t.txt", "Hello world, it's 2026!\n");
    let a = embedpos_ok(&["bpe", "encode", "--tokenizer", s(&ranks), s(&text)]);
    let b = embedpos_ok(&["bpe", "encode", "--tokenizer", s(&json), s(&text)]);
    assert_eq!(a, b);
    // tiktoken's r50k_base ids for this line.
    assert_eq!(a.trim(), "15496 995 11 340 338 1160 2075 0");
}

#[test]
fn trainers_and_vocab_take_a_tokenizer() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = planted_corpus();
    let tok = dir.path().join("tok.json");
    embedpos_ok(&[
        "--quiet",
        "bpe",
        "train",
        s(&corpus),
        "--vocab-size",
        "400",
        "-o",
        s(&tok),
    ]);
    let vocab = dir.path().join("vocab.txt");
    embedpos_ok(&[
        "--quiet",
        "vocab",
        "--tokenizer",
        s(&tok),
        s(&corpus),
        "-o",
        s(&vocab),
    ]);
    let v = std::fs::read_to_string(&vocab).unwrap();
    assert!(v.lines().any(|l| l.starts_with('Ġ')), "{v:.300}");
    let vec = dir.path().join("v.vec");
    embedpos_ok(&[
        "--quiet",
        "--threads",
        "1",
        "train",
        "word2vec",
        "--tokenizer",
        s(&tok),
        s(&corpus),
        "--epochs",
        "1",
        "--dim",
        "8",
        "--format",
        "text",
        "-o",
        s(&vec),
    ]);
    let text = std::fs::read_to_string(&vec).unwrap();
    assert!(
        text.lines().skip(1).any(|l| l.starts_with('Ġ')),
        "{text:.300}"
    );
    // The input layer maps text to the same tokens and finds their rows.
    let first = std::fs::read_to_string(&corpus).unwrap();
    let line = first.lines().next().unwrap().to_string();
    let out = embedpos_ok(&[
        "encode",
        "--vectors",
        s(&vec),
        "--tokenizer",
        s(&tok),
        &line,
    ]);
    assert!(out.contains("tokens: ") && out.contains('Ġ'), "{out}");
    assert!(out.contains(" 0 unknown token(s)"), "{out}");
    // The pre-tokenizer flag and a BPE model do not mix.
    embedpos_fails(
        &[
            "vocab",
            "--tokenizer",
            s(&tok),
            "--pretokenizer",
            "words",
            s(&corpus),
        ],
        &["--pretokenizer"],
    );
}

#[test]
fn bad_input_fails_clearly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = write_file(dir.path(), "c.txt", "a b c\n");
    let out = dir.path().join("t.json");
    embedpos_fails(
        &[
            "bpe",
            "train",
            s(&corpus),
            "--vocab-size",
            "100",
            "-o",
            s(&out),
        ],
        &["vocab", "256"],
    );
    assert!(!out.exists());
    let empty = write_file(dir.path(), "empty.txt", "");
    embedpos_fails(
        &[
            "bpe",
            "train",
            s(&empty),
            "--vocab-size",
            "300",
            "-o",
            s(&out),
        ],
        &["empty.txt"],
    );
    assert!(!out.exists());
    embedpos_fails(
        &[
            "bpe",
            "train",
            s(&corpus),
            "-o",
            s(&dir.path().join("no/such/t.json")),
        ],
        &["does not exist"],
    );
    let wordpiece = write_file(
        dir.path(),
        "wp.json",
        r#"{"model": {"type": "WordPiece", "vocab": {"a": 0}}}"#,
    );
    embedpos_fails(
        &["bpe", "encode", "--tokenizer", s(&wordpiece), s(&corpus)],
        &["wp.json", "WordPiece"],
    );
    let ranks = write_file(dir.path(), "mine.tiktoken", "YQ== 0\n");
    embedpos_fails(
        &["bpe", "encode", "--tokenizer", s(&ranks), s(&corpus)],
        &["cl100k_base.tiktoken"],
    );
    let tok = trained(dir.path());
    let ids = write_file(dir.path(), "ids.txt", "1 2 99999\n");
    let back = dir.path().join("back.txt");
    embedpos_fails(
        &[
            "bpe",
            "decode",
            "--tokenizer",
            &tok,
            s(&ids),
            "-o",
            s(&back),
        ],
        &["ids.txt:1", "99999"],
    );
    assert!(!back.exists());
    let words = write_file(dir.path(), "words.txt", "1 two 3\n");
    embedpos_fails(
        &["bpe", "decode", "--tokenizer", &tok, s(&words)],
        &["words.txt:1", "\"two\""],
    );
    let o = embedpos(&[
        "bpe",
        "encode",
        "--tokenizer",
        &tok,
        "--separator",
        "<|nope|>",
        s(&corpus),
    ]);
    assert!(!o.status.success());
}
