//! `embedpos train glove` through the binary: a run, a saved matrix reused,
//! and every kind of bad input — a clear message, a non-zero exit, no panic,
//! no output file and no temporary file left behind.

use embedpos_embed::Embeddings;
use embedpos_tests::{
    dir_names, embedpos, embedpos_bin, embedpos_fails, embedpos_ok, failed_with, fixture, s,
    stderr, succeeded, write_file,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A temporary folder with a small corpus in it: the first 3000 lines of
/// the planted fixture.
struct Folder {
    dir: tempfile::TempDir,
    corpus: String,
    /// `v.txt` in the folder, for the vectors.
    out: PathBuf,
}

impl Folder {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(fixture("planted/corpus.txt")).unwrap();
        let part: Vec<&str> = text.lines().take(3000).collect();
        let corpus = write_file(dir.path(), "corpus.txt", part.join("\n"));
        Folder {
            corpus: corpus.display().to_string(),
            out: dir.path().join("v.txt"),
            dir,
        }
    }

    /// `name` in the folder.
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A new empty folder `name` in the folder.
    fn subfolder(&self, name: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::create_dir(&path).unwrap();
        path
    }
}

/// Runs `embedpos train glove` with `args`, checks that it fails cleanly
/// naming each of `words`, and that it wrote no `out`.
fn glove_fails(args: &[&str], out: &Path, words: &[&str]) {
    embedpos_fails(&[&["train", "glove"], args].concat(), words);
    assert!(!out.exists());
}

#[test]
fn trains_saves_and_reuses_the_matrix() {
    let f = Folder::new();
    let tmp = f.subfolder("tmp");
    let (out, cooc, report) = (f.path("v.bin"), f.path("m.cooc"), f.path("report.json"));
    let o = embedpos(&[
        "--threads",
        "2",
        "train",
        "glove",
        &f.corpus,
        "-o",
        s(&out),
        "--dim",
        "16",
        "--window",
        "5",
        "--x-max",
        "10",
        "--epochs",
        "5",
        "--save-cooccur",
        s(&cooc),
        "--report",
        s(&report),
        "--temp-dir",
        s(&tmp),
    ]);
    succeeded(&o);
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
    assert!(dir_names(&tmp).is_empty(), "temporary files left");

    let out2 = f.path("v2.txt");
    embedpos_ok(&[
        "-q",
        "train",
        "glove",
        "--cooccur",
        s(&cooc),
        "-o",
        s(&out2),
        "--dim",
        "8",
        "--epochs",
        "2",
        "--vectors",
        "word",
        "--symmetric",
        "false",
    ]);
    assert_eq!(Embeddings::load(&out2, None).unwrap().len(), emb.len());
}

#[test]
fn bad_settings_are_named() {
    let f = Folder::new();
    for (args, words) in [
        (vec!["--x-max", "0"], vec!["x_max", "positive"]),
        (vec!["--x-max=-5"], vec!["x_max"]),
        (vec!["--window", "0"], vec!["window 0"]),
        (
            vec!["--memory", "0.000001"],
            vec!["too small", "give at least --memory"],
        ),
    ] {
        let args = [&[f.corpus.as_str(), "-o", s(&f.out)], &args[..]].concat();
        glove_fails(&args, &f.out, &words);
    }
}

#[test]
fn unusable_temporary_folder_is_a_clear_error() {
    let f = Folder::new();
    let file = write_file(f.dir.path(), "not-a-folder", "x");
    for temp in [file, f.path("missing")] {
        let args = [f.corpus.as_str(), "-o", s(&f.out), "--temp-dir", s(&temp)];
        glove_fails(&args, &f.out, &["--temp-dir"]);
    }
}

/// A full disk, simulated with a file-size limit (`ulimit -f`): the first
/// temporary file that grows past it fails with EFBIG; the message says
/// there is no room, and the folder is left empty.
#[test]
fn full_temporary_folder_is_a_clear_error_and_leaves_nothing() {
    let f = Folder::new();
    let tmp = f.subfolder("tmp");
    let script = format!(
        "ulimit -f 64; trap '' XFSZ; exec '{}' train glove '{}' -o '{}' --temp-dir '{}' --epochs 1",
        embedpos_bin().display(),
        f.corpus,
        f.out.display(),
        tmp.display()
    );
    let o = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    failed_with(&o, &["no room", "--temp-dir"]);
    assert!(!f.out.exists());
    assert!(
        dir_names(&tmp).is_empty(),
        "temporary files left in {}",
        tmp.display()
    );
}

#[test]
fn truncated_or_foreign_cooccurrence_file_is_a_clear_error() {
    let f = Folder::new();
    let (out, cooc) = (s(&f.out), f.path("m.cooc"));
    embedpos_ok(&[
        "-q",
        "train",
        "glove",
        &f.corpus,
        "-o",
        out,
        "--epochs",
        "1",
        "--save-cooccur",
        s(&cooc),
    ]);
    std::fs::remove_file(out).unwrap();
    let bytes = std::fs::read(&cooc).unwrap();
    std::fs::write(&cooc, &bytes[..bytes.len() * 2 / 3]).unwrap();
    for (matrix, words) in [
        (s(&cooc), &["m.cooc", "truncated", "--save-cooccur"][..]),
        (f.corpus.as_str(), &["not an embedpos co-occurrence file"]),
    ] {
        glove_fails(&["--cooccur", matrix, "-o", out], &f.out, words);
    }
}
