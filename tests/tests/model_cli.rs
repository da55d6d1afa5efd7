//! `embedpos model train | eval | generate` through the binary, on small
//! generated corpora: a language model learns a grammar, a classifier its
//! labels, a run resumes from its checkpoint, and bad settings fail with the
//! option to change.

use embedpos_tests::{embedpos_fails, embedpos_ok, s, write_file};
use std::path::Path;

/// Sentences of a tiny grammar, `n` lines.
fn grammar(n: usize) -> String {
    let subj = ["the cat", "the dog", "a bird", "my friend"];
    let verb = ["sees", "likes", "finds"];
    let obj = ["the ball", "a tree", "the house"];
    (0..n)
        .map(|i| {
            format!(
                "{} {} {} .\n",
                subj[(i * 7) % 4],
                verb[(i * 5 + i / 3) % 3],
                obj[(i * 11 + i / 2) % 3]
            )
        })
        .collect()
}

fn small(dir: &Path, task: &str, corpus: &str, out: &str, extra: &[&str]) -> String {
    let out = dir.join(out);
    let args = [
        &[
            "model",
            "train",
            "--task",
            task,
            corpus,
            "-o",
            s(&out),
            "--d-model",
            "16",
            "--heads",
            "2",
            "--layers",
            "1",
            "--context",
            "16",
            "--batch-size",
            "8",
            "--warmup",
            "5",
            "--lr",
            "0.005",
            "--threads",
            "2",
            "-q",
        ][..],
        extra,
    ]
    .concat();
    embedpos_ok(&args)
}

#[test]
fn a_language_model_trains_evaluates_generates_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = write_file(dir.path(), "lm.txt", grammar(600));
    let corpus = s(&corpus);
    small(
        dir.path(),
        "lm",
        corpus,
        "ck",
        &["--steps", "60", "--rope", "neox", "--pe", "none"],
    );
    let ck = dir.path().join("ck");
    for f in [
        "config.json",
        "vocab.json",
        "model.safetensors",
        "optimizer.safetensors",
        "train.json",
    ] {
        assert!(ck.join(f).exists(), "{f}");
    }
    let eval = embedpos_ok(&["model", "eval", s(&ck), corpus]);
    let ppl: f64 = eval
        .split("perplexity ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // 18 words: a model that learned nothing has a perplexity near 18
    assert!(ppl < 5.0, "{eval}");
    let text = embedpos_ok(&[
        "model",
        "generate",
        s(&ck),
        "the cat",
        "--temperature",
        "0",
        "--tokens",
        "8",
    ]);
    let words: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(&words[..2], ["the", "cat"]);
    assert!(["sees", "likes", "finds"].contains(&words[2]), "{text}");

    // a run of 80 steps stopped after 40 and resumed equals the run in one go
    let arch = ["--rope", "neox", "--pe", "none", "--steps", "80"];
    let stop = [&arch[..], &["--stop-after", "40"]].concat();
    small(dir.path(), "lm", corpus, "part", &stop);
    let part = dir.path().join("part");
    let train = std::fs::read_to_string(part.join("train.json")).unwrap();
    assert!(train.contains("\"steps\": 80"), "{train}");
    small(dir.path(), "lm", corpus, "part", &["--resume", s(&part)]);
    small(dir.path(), "lm", corpus, "straight", &arch);
    let weights = |d: &str| std::fs::read(dir.path().join(d).join("model.safetensors")).unwrap();
    assert!(
        weights("part") == weights("straight"),
        "the resumed run differs"
    );
}

#[test]
fn a_classifier_learns_its_labels_and_keeps_their_names() {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = grammar(400)
        .lines()
        .map(|l| {
            let label = if l.contains("friend") {
                "person"
            } else {
                "animal"
            };
            format!("{label}\t{l}\n")
        })
        .collect();
    let corpus = write_file(dir.path(), "cls.txt", lines);
    small(
        dir.path(),
        "classify",
        s(&corpus),
        "cls",
        &["--steps", "60", "--pooling", "first", "--bias", "alibi"],
    );
    let out = embedpos_ok(&["model", "eval", s(&dir.path().join("cls")), s(&corpus)]);
    let acc: f64 = out
        .split("accuracy ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(acc > 0.95, "{out}");
    let config = std::fs::read_to_string(dir.path().join("cls/config.json")).unwrap();
    assert!(
        config.contains("\"animal\"") && config.contains("\"person\""),
        "{config}"
    );
    embedpos_fails(
        &["model", "generate", s(&dir.path().join("cls"))],
        &["classifier"],
    );
}

#[test]
fn bad_settings_name_the_option_to_change() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = write_file(dir.path(), "lm.txt", grammar(50));
    let out = s(&dir.path().join("x")).to_string();
    embedpos_fails(
        &[
            "model",
            "train",
            "--task",
            "lm",
            s(&corpus),
            "-o",
            &out,
            "--d-model",
            "30",
            "--heads",
            "4",
        ],
        &["must divide d_model = 30", "--heads"],
    );
    embedpos_fails(
        &[
            "model",
            "train",
            "--task",
            "lm",
            s(&corpus),
            "-o",
            &out,
            "--d-model",
            "12",
            "--heads",
            "4",
            "--rope",
            "gptj",
        ],
        &["head_dim must be even", "--rope"],
    );
    let v = write_file(
        dir.path(),
        "v.txt",
        "2 3\nthe 0.1 0.2 0.3\ncat 0.3 0.2 0.1\n",
    );
    embedpos_fails(
        &[
            "model",
            "train",
            "--task",
            "lm",
            s(&corpus),
            "-o",
            &out,
            "--vectors",
            s(&v),
            "--d-model",
            "8",
        ],
        &["tied head", "--untied"],
    );
    embedpos_fails(
        &[
            "model",
            "train",
            "--task",
            "classify",
            s(&corpus),
            "-o",
            &out,
        ],
        &["no tab"],
    );
    let bpe = embedpos_tests::fixture("bpe/hf_trained/tokenizer.json");
    embedpos_fails(
        &[
            "model",
            "train",
            "--task",
            "lm",
            s(&corpus),
            "-o",
            &out,
            "--tokenizer",
            s(&bpe),
        ],
        &["--tokenizer is not supported", "embedpos tokenize"],
    );
    assert!(!dir.path().join("x").exists());
}
