//! `embedpos phrases` through the binary: learning, applying, the one-shot
//! `--apply-to`, standard input, bad input; the same bytes as word2phrase
//! (when its binary is found) and the same phrases and scores as gensim's
//! `Phrases(scoring="npmi")` (with `$EMBEDPOS_PYTHON`).

use embedpos_tests::{
    embedpos, embedpos_fails, embedpos_ok, embedpos_stdin, python_output, python_with, s, stderr,
    succeeded, write_file,
};
use embedpos_tokenize::{Phrases, Scorer};
use std::path::{Path, PathBuf};
use std::process::Command;

/// splitmix64, for corpora that are the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A corpus where a few pairs are planted among Zipf-distributed words,
/// with what word2phrase treats specially: empty lines, tabs, runs of
/// spaces, CRLF line ends, tokens holding `_` (`new_york`, which shares its
/// count with the pair `new york`), words longer than 58 bytes (cut), and
/// with `underscores: false` none of the last three.
fn corpus(lines: usize, seed: u64, underscores: bool) -> String {
    const PLANTED: [&[&str]; 6] = [
        &["new", "york"],
        &["prime", "minister"],
        &["hong", "kong"],
        &["los", "angeles"],
        &["united", "states"],
        &["new", "york", "city"],
    ];
    let mut rng = Rng(seed);
    let mut text = String::new();
    for _ in 0..lines {
        if rng.below(40) == 0 {
            text.push('\n');
            continue;
        }
        let n = 3 + rng.below(12) as usize;
        let mut words: Vec<String> = Vec::new();
        while words.len() < n {
            match rng.below(60) {
                0 | 1 => {
                    let planted = PLANTED[rng.below(PLANTED.len() as u64) as usize];
                    words.extend(planted.iter().map(|w| w.to_string()));
                }
                2 if underscores => words.push("new_york".into()),
                3 if underscores && rng.below(8) == 0 => {
                    words.push(format!("{}{}", "z".repeat(66), rng.below(3)))
                }
                _ => {
                    let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
                    words.push(format!("w{}", 1000f64.powf(u) as u64));
                }
            }
        }
        for (i, w) in words.iter().enumerate() {
            if i > 0 {
                text.push_str(match rng.below(30) {
                    0 if underscores => "\t",
                    1 if underscores => "   ",
                    _ => " ",
                });
            }
            text.push_str(w);
        }
        text.push_str(if underscores && rng.below(10) == 0 {
            "\r\n"
        } else {
            "\n"
        });
    }
    text
}

#[test]
fn learn_writes_a_table_and_apply_joins_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_file(dir.path(), "c.txt", corpus(3000, 1, true));
    let table = dir.path().join("p.txt");
    let joined = dir.path().join("joined.txt");
    let o = embedpos(&[
        "phrases",
        "learn",
        s(&input),
        "-o",
        s(&table),
        "--apply-to",
        s(&joined),
        "--threshold",
        "20",
    ]);
    succeeded(&o);
    let err = stderr(&o);
    assert!(err.contains("pass 1: "), "{err}");
    assert!(
        err.contains("words joined to the word before them"),
        "{err}"
    );
    let p = Phrases::load(&table).unwrap();
    assert_eq!(
        (p.scorer(), p.threshold(), p.min_count()),
        (Scorer::Word2Phrase, 20.0, 5)
    );
    let t = &p.passes()[0];
    for (a, b) in [("prime", "minister"), ("hong", "kong"), ("los", "angeles")] {
        assert!(t.score(a, b).is_some_and(|s| s > 20.0), "{a} {b}");
    }
    let text = std::fs::read_to_string(&joined).unwrap();
    assert!(text.contains(" hong_kong"), "{:.200}", text);
    // `phrases apply` with the table writes the same text, to stdout or a file.
    let stdout = embedpos_ok(&["phrases", "apply", "--phrases", s(&table), s(&input)]);
    assert_eq!(stdout, text);
    let out = dir.path().join("applied.txt");
    embedpos_ok(&[
        "phrases",
        "apply",
        "--threads",
        "1",
        "--phrases",
        s(&table),
        s(dir.path()),
        "-o",
        s(&out),
        "-q",
    ]);
    // The folder holds the corpus and what was written into it before.
    let again = std::fs::read_to_string(&out).unwrap();
    assert!(again.starts_with(&text), "the corpus, then the other files");
}

#[test]
fn passes_from_standard_input_build_longer_phrases() {
    let dir = tempfile::tempdir().unwrap();
    let text = corpus(3000, 2, false);
    let table = dir.path().join("p.txt");
    let joined = dir.path().join("joined.txt");
    let o = embedpos_stdin(
        &[
            "phrases",
            "learn",
            "-",
            "--passes",
            "2",
            "--threshold",
            "10",
            "-o",
            s(&table),
            "--apply-to",
            s(&joined),
        ],
        text.as_bytes(),
    );
    succeeded(&o);
    let p = Phrases::load(&table).unwrap();
    assert_eq!(p.passes().len(), 2);
    assert!(p.passes()[1].score("new_york", "city").is_some());
    let out = std::fs::read_to_string(&joined).unwrap();
    assert!(out.contains(" new_york_city"), "{:.300}", out);
    assert_eq!(out.lines().count(), text.lines().count());
}

#[test]
fn npmi_scorer_and_bad_input_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_file(dir.path(), "c.txt", corpus(500, 3, false));
    let table = dir.path().join("p.txt");
    let e = embedpos_fails(
        &[
            "phrases",
            "learn",
            "--scorer",
            "npmi",
            s(&input),
            "-o",
            s(&table),
        ],
        &["threshold 100 is outside [-1, 1]", "--threshold"],
    );
    assert!(!table.exists(), "{e}");
    embedpos_ok(&[
        "phrases",
        "learn",
        "-q",
        "--scorer",
        "npmi",
        "--threshold",
        "0.5",
        "--min-count",
        "3",
        s(&input),
        "-o",
        s(&table),
    ]);
    let p = Phrases::load(&table).unwrap();
    assert_eq!(p.scorer(), Scorer::Npmi);
    assert!(p.passes()[0].iter().all(|(_, _, s)| s > 0.5 && s <= 1.0));
    embedpos_fails(&["phrases", "learn", s(&input)], &["--output"]);
    embedpos_fails(
        &[
            "phrases",
            "learn",
            "--delimiter",
            "a b",
            s(&input),
            "-o",
            s(&table),
        ],
        &["delimiter", "--delimiter"],
    );
    embedpos_fails(
        &[
            "phrases",
            "learn",
            s(&dir.path().join("none.txt")),
            "-o",
            s(&table),
        ],
        &["none.txt", "no such file"],
    );
    let bad = write_file(dir.path(), "bad.txt", "just some text\n");
    embedpos_fails(
        &["phrases", "apply", "--phrases", s(&bad), s(&input)],
        &["bad.txt:1:", "not a phrase table"],
    );
}

/// word2phrase: `$EMBEDPOS_WORD2PHRASE`, else on PATH, else in the
/// anchors folder the benchmarks install (bench/install_anchors.sh).
fn word2phrase() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("EMBEDPOS_WORD2PHRASE").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("word2phrase"))
            .find(|p| p.is_file())
    });
    let anchors = std::env::var_os("EMBEDPOS_ANCHORS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/anchors"));
    let installed = Some(anchors.join("venv/bin/word2phrase")).filter(|p| p.is_file());
    let found = on_path.or(installed);
    if found.is_none() {
        eprintln!(
            "word2phrase not found (set EMBEDPOS_WORD2PHRASE, put it on PATH, or run \
             bench/install_anchors.sh): skipping the comparison with it"
        );
    }
    found
}

/// Runs word2phrase on `input` with `args`, returns what it wrote.
fn run_word2phrase(bin: &Path, input: &Path, output: &Path, args: &[&str]) -> Vec<u8> {
    let o = Command::new(bin)
        .args(["-train", s(input), "-output", s(output), "-debug", "0"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    assert!(o.status.success(), "word2phrase failed: {}", stderr(&o));
    std::fs::read(output).unwrap()
}

/// Where two outputs first differ, for the message.
fn first_difference(a: &[u8], b: &[u8]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let line = a[..at].iter().filter(|&&c| c == b'\n').count() + 1;
    let show = |x: &[u8]| {
        String::from_utf8_lossy(&x[at.saturating_sub(40)..(at + 40).min(x.len())]).into_owned()
    };
    format!(
        "lengths {} and {}; first difference at byte {at}, line {line}: {:?} vs {:?}",
        a.len(),
        b.len(),
        show(a),
        show(b)
    )
}

#[test]
fn the_same_bytes_as_word2phrase() {
    let Some(bin) = word2phrase() else { return };
    let dir = tempfile::tempdir().unwrap();
    let input = write_file(dir.path(), "c.txt", corpus(20_000, 4, true));
    for (settings, ours) in [
        (&[][..], &[][..]),
        (
            &["-min-count", "2", "-threshold", "10"][..],
            &["--min-count", "2", "--threshold", "10"][..],
        ),
    ] {
        let theirs = run_word2phrase(&bin, &input, &dir.path().join("theirs.txt"), settings);
        let out = dir.path().join("ours.txt");
        let mut args = vec!["phrases", "learn", "-q", "--threads", "2", s(&input)];
        args.extend(["--apply-to", s(&out)]);
        args.extend(ours);
        embedpos_ok(&args);
        let mine = std::fs::read(&out).unwrap();
        assert!(
            mine == theirs,
            "{settings:?}: {}",
            first_difference(&mine, &theirs)
        );
        let joined = b" prime_minister";
        assert!(
            mine.windows(joined.len()).any(|w| w == joined),
            "{settings:?}: no phrase"
        );
    }
    // Two passes are word2phrase run on its own output.
    let once = dir.path().join("once.txt");
    run_word2phrase(&bin, &input, &once, &[]);
    let twice = run_word2phrase(&bin, &once, &dir.path().join("twice.txt"), &[]);
    let out = dir.path().join("ours2.txt");
    embedpos_ok(&[
        "phrases",
        "learn",
        "-q",
        "--passes",
        "2",
        s(&input),
        "--apply-to",
        s(&out),
    ]);
    let mine = std::fs::read(&out).unwrap();
    assert!(
        mine == twice,
        "two passes: {}",
        first_difference(&mine, &twice)
    );
}

const GENSIM: &str = r#"
import json, struct, sys
from gensim.models.phrases import Phrases
bits = lambda x: struct.unpack("<Q", struct.pack("<d", x))[0]
spec = json.load(open(sys.argv[1]))
sentences = [line.split() for line in open(spec["corpus"], encoding="utf-8").read().split("\n")[:-1]]
out = []
for _ in range(spec["passes"]):
    p = Phrases(sentences, min_count=spec["min_count"], threshold=spec["threshold"], scoring="npmi")
    # Every adjacent pair scored as analyze_sentence scores it (export_phrases
    # would split a joined word of pass 2 into its parts).
    found = {}
    for s in sentences:
        for a, b in zip(s, s[1:]):
            if (a, b) not in found:
                found[(a, b)] = p.score_candidate(a, b, [])[1]
    out.append(sorted([a, b, bits(v)] for (a, b), v in found.items() if v is not None))
    sentences = [p[s] for s in sentences]
print(json.dumps({"phrases": out, "text": "".join("".join(" " + w for w in s) + "\n" for s in sentences)}))
"#;

#[test]
fn the_same_phrases_and_scores_as_gensim_npmi() {
    let Some(py) = python_with("gensim") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = write_file(dir.path(), "c.txt", corpus(5000, 5, false));
    for (min_count, threshold, passes) in [(5, 0.3, 1), (2, 0.1, 2)] {
        let spec = serde_json::json!({
            "corpus": s(&input), "min_count": min_count, "threshold": threshold, "passes": passes,
        });
        let spec_path = write_file(dir.path(), "spec.json", spec.to_string());
        let script = write_file(dir.path(), "gensim_phrases.py", GENSIM);
        let theirs: serde_json::Value =
            serde_json::from_str(&python_output(&py, [s(&script), s(&spec_path)])).unwrap();
        let (table, out) = (dir.path().join("p.txt"), dir.path().join("out.txt"));
        embedpos_ok(&[
            "phrases",
            "learn",
            "-q",
            "--scorer",
            "npmi",
            "--min-count",
            &min_count.to_string(),
            "--threshold",
            &threshold.to_string(),
            "--passes",
            &passes.to_string(),
            s(&input),
            "-o",
            s(&table),
            "--apply-to",
            s(&out),
        ]);
        let p = Phrases::load(&table).unwrap();
        for (k, pass) in p.passes().iter().enumerate() {
            let mut ours: Vec<(String, String, f64)> = pass
                .iter()
                .map(|(a, b, s)| (a.to_string(), b.to_string(), s))
                .collect();
            ours.sort_by(|x, y| (&x.0, &x.1).cmp(&(&y.0, &y.1)));
            let want = theirs["phrases"][k].as_array().unwrap();
            assert_eq!(ours.len(), want.len(), "pass {}: phrases", k + 1);
            assert!(!ours.is_empty(), "pass {}: no phrase", k + 1);
            for ((a, b, score), w) in ours.iter().zip(want) {
                assert_eq!(
                    (a.as_str(), b.as_str()),
                    (w[0].as_str().unwrap(), w[1].as_str().unwrap())
                );
                // The same operations in f64 on the same libm: the same bits.
                let theirs = f64::from_bits(w[2].as_u64().unwrap());
                assert!(*score == theirs, "{a} {b}: {score} vs {theirs}");
            }
        }
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            theirs["text"].as_str().unwrap()
        );
    }
}
