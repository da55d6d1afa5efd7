//! `embedpos train glove` through the binary: a run, a saved matrix reused,
//! and every kind of bad input — a clear message, a non-zero exit, no panic,
//! no output file and no temporary file left behind.

use embedpos_embed::Embeddings;
use embedpos_tests::{embedpos, embedpos_bin, fixture};
use std::path::Path;
use std::process::{Command, Output};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A small corpus: the first 3000 lines of the planted fixture.
fn small_corpus(dir: &Path) -> String {
    let text = std::fs::read_to_string(fixture("planted/corpus.txt")).unwrap();
    let part: Vec<&str> = text.lines().take(3000).collect();
    let path = dir.join("corpus.txt");
    std::fs::write(&path, part.join("\n")).unwrap();
    path.display().to_string()
}

fn fails_with(o: &Output, words: &[&str]) {
    let err = stderr(o);
    assert!(!o.status.success(), "should have failed: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for w in words {
        assert!(err.contains(w), "{w:?} missing from: {err}");
    }
}

fn empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_none()
}

#[test]
fn trains_saves_and_reuses_the_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = small_corpus(dir.path());
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let (out, cooc, report) = (
        dir.path().join("v.bin"),
        dir.path().join("m.cooc"),
        dir.path().join("report.json"),
    );
    let o = embedpos(&[
        "--threads",
        "2",
        "train",
        "glove",
        &corpus,
        "-o",
        out.to_str().unwrap(),
        "--dim",
        "16",
        "--window",
        "5",
        "--x-max",
        "10",
        "--epochs",
        "5",
        "--save-cooccur",
        cooc.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--temp-dir",
        tmp.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("iter: 005, cost:") && err.contains("counting"),
        "{err}"
    );
    let emb = Embeddings::load(&out, None).unwrap();
    assert_eq!(emb.dim(), 16);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(json["entries"].as_u64().unwrap() > 1000);
    assert!(json["counting_s"].as_f64().is_some() && json["training_s"].as_f64().is_some());
    assert!(empty(&tmp), "temporary files left");

    let out2 = dir.path().join("v2.txt");
    let o = embedpos(&[
        "-q",
        "train",
        "glove",
        "--cooccur",
        cooc.to_str().unwrap(),
        "-o",
        out2.to_str().unwrap(),
        "--dim",
        "8",
        "--epochs",
        "2",
        "--vectors",
        "word",
        "--symmetric",
        "false",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(Embeddings::load(&out2, None).unwrap().len(), emb.len());
}

#[test]
fn bad_settings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = small_corpus(dir.path());
    let out = dir.path().join("v.txt");
    let o = out.to_str().unwrap();
    for (args, words) in [
        (vec!["--x-max", "0"], vec!["x_max", "positive"]),
        (vec!["--x-max=-5"], vec!["x_max"]),
        (vec!["--window", "0"], vec!["window 0"]),
        (
            vec!["--memory", "0.000001"],
            vec!["too small", "give at least --memory"],
        ),
    ] {
        let mut a = vec!["train", "glove", &corpus, "-o", o];
        a.extend(args);
        fails_with(&embedpos(&a), &words);
        assert!(!out.exists());
    }
}

#[test]
fn unusable_temporary_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = small_corpus(dir.path());
    let out = dir.path().join("v.txt");
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    for temp in [file.clone(), dir.path().join("missing")] {
        let o = embedpos(&[
            "train",
            "glove",
            &corpus,
            "-o",
            out.to_str().unwrap(),
            "--temp-dir",
            temp.to_str().unwrap(),
        ]);
        fails_with(&o, &["--temp-dir"]);
        assert!(!out.exists());
    }
}

/// A full disk, simulated with a file-size limit (`ulimit -f`): the first
/// temporary file that grows past it fails with EFBIG; the message says
/// there is no room, and the folder is left empty.
#[test]
fn full_temporary_folder_is_a_clear_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = small_corpus(dir.path());
    let out = dir.path().join("v.txt");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let script = format!(
        "ulimit -f 64; trap '' XFSZ; exec '{}' train glove '{}' -o '{}' --temp-dir '{}' --epochs 1",
        embedpos_bin().display(),
        corpus,
        out.display(),
        tmp.display()
    );
    let o = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    fails_with(&o, &["no room", "--temp-dir"]);
    assert!(!out.exists());
    assert!(empty(&tmp), "temporary files left in {}", tmp.display());
}

#[test]
fn truncated_or_foreign_cooccurrence_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = small_corpus(dir.path());
    let cooc = dir.path().join("m.cooc");
    let out = dir.path().join("v.txt");
    let o = embedpos(&[
        "-q",
        "train",
        "glove",
        &corpus,
        "-o",
        out.to_str().unwrap(),
        "--epochs",
        "1",
        "--save-cooccur",
        cooc.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_file(&out).unwrap();
    let bytes = std::fs::read(&cooc).unwrap();
    std::fs::write(&cooc, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let o = embedpos(&[
        "train",
        "glove",
        "--cooccur",
        cooc.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    fails_with(&o, &["m.cooc", "truncated", "--save-cooccur"]);
    assert!(!out.exists());
    let o = embedpos(&[
        "train",
        "glove",
        "--cooccur",
        &corpus,
        "-o",
        out.to_str().unwrap(),
    ]);
    fails_with(&o, &["not an embedpos co-occurrence file"]);
}
