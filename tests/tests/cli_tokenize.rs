//! `embedpos tokenize` and `embedpos vocab` through the binary, bad input included.

use embedpos_tests::{
    embedpos, embedpos_fails, embedpos_ok, embedpos_stdin, s, stderr, succeeded, write_file,
};
use embedpos_tokenize::Vocab;

#[test]
fn tokenize_stdin_with_normalisation() {
    let o = embedpos_stdin(
        &[
            "tokenize",
            "--lowercase",
            "--nfkc",
            "--pretokenizer",
            "words",
        ],
        "Hello, Ｗorld! ﬁne\nsecond   line\n".as_bytes(),
    );
    assert_eq!(succeeded(&o), "hello world fine\nsecond line\n");
}

#[test]
fn tokenize_invalid_utf8_is_replaced_and_reported() {
    let o = embedpos_stdin(&["tokenize"], b"ok \xff bad\n");
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout), "ok \u{FFFD} bad\n");
    assert!(stderr(&o).contains("1 invalid UTF-8"), "{}", stderr(&o));
}

#[test]
fn tokenize_to_file_and_gzip_input() {
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("in.txt.gz");
    {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).unwrap(),
            flate2::Compression::default(),
        );
        e.write_all("a b\nc\n".as_bytes()).unwrap();
        e.finish().unwrap();
    }
    let out = dir.path().join("out.txt");
    embedpos_ok(&["tokenize", s(&gz), "-o", s(&out)]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "a b\nc\n");
}

#[test]
fn vocab_counts_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_file(dir.path(), "c.txt", "b a b c\nb a a\n");
    let out = dir.path().join("v.txt");
    let o = embedpos(&["vocab", "--min-count", "2", s(&input), "-o", s(&out)]);
    succeeded(&o);
    let err = stderr(&o);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "a 3\nb 3\n");
    assert!(err.contains("tokens read 7, distinct 3, kept 2"), "{err}");
    let v = Vocab::load_text(&out).unwrap();
    assert_eq!(v.total(), 6);
}

#[test]
fn vocab_bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v.txt");
    let missing = dir.path().join("missing.txt");
    let empty = write_file(dir.path(), "empty.txt", "");
    for (args, words) in [
        (vec![s(&missing)], &["missing.txt"][..]),
        (vec![s(&empty)], &["no token reached min-count"]),
        (vec!["--threads", "0", s(&empty)], &[]),
    ] {
        embedpos_fails(&[&["vocab"], &args[..], &["-o", s(&out)]].concat(), words);
    }

    // An unreadable file in a directory is named before any work starts.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let sub = dir.path().join("corpus");
        std::fs::create_dir(&sub).unwrap();
        write_file(&sub, "a.txt", "x y\n");
        let locked = write_file(&sub, "b.txt", "z\n");
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::File::open(&locked).is_err() {
            // (root can read anything; the check only means something otherwise)
            embedpos_fails(&["vocab", s(&sub), "-o", s(&out)], &["b.txt"]);
        }
    }
}

#[test]
fn demo_runs() {
    let out = embedpos_ok(&["demo", "--quiet"]);
    assert!(out.contains("vocabulary"), "{out}");
    // Trains word2vec on the planted corpus and scores the planted analogies.
    let acc: f64 = out
        .lines()
        .find_map(|l| l.split("planted analogies (3CosAdd): ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("no planted-analogy accuracy in:\n{out}"));
    assert!(acc >= 0.9, "planted-analogy accuracy {acc}:\n{out}");
    assert!(out.contains("nearest neighbours"), "{out}");
    assert!(
        out.contains("transformer input") && out.contains("attention entropy"),
        "{out}"
    );
}
