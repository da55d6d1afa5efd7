//! `embedpos tokenize` and `embedpos vocab` through the binary, bad input included.

use embedpos_tests::{embedpos, embedpos_stdin};
use embedpos_tokenize::Vocab;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

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
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "hello world fine\nsecond line\n"
    );
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
    let o = embedpos(&[
        "tokenize",
        gz.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "a b\nc\n");
}

#[test]
fn vocab_counts_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("c.txt");
    std::fs::write(&input, "b a b c\nb a a\n").unwrap();
    let out = dir.path().join("v.txt");
    let o = embedpos(&[
        "vocab",
        "--min-count",
        "2",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "a 3\nb 3\n");
    let err = stderr(&o);
    assert!(err.contains("tokens read 7, distinct 3, kept 2"), "{err}");
    let v = Vocab::load_text(&out).unwrap();
    assert_eq!(v.total(), 6);
}

#[test]
fn vocab_bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v.txt");
    let missing = dir.path().join("missing.txt");
    let o = embedpos(&[
        "vocab",
        missing.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("missing.txt"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));

    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let o = embedpos(&[
        "vocab",
        empty.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no token reached min-count"),
        "{}",
        stderr(&o)
    );

    let o = embedpos(&[
        "vocab",
        "--threads",
        "0",
        empty.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());

    // An unreadable file in a directory is named before any work starts.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let sub = dir.path().join("corpus");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("a.txt"), "x y\n").unwrap();
        let locked = sub.join("b.txt");
        std::fs::write(&locked, "z\n").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::File::open(&locked).is_err() {
            // (root can read anything; the check only means something otherwise)
            let o = embedpos(&["vocab", sub.to_str().unwrap(), "-o", out.to_str().unwrap()]);
            assert!(!o.status.success());
            assert!(stderr(&o).contains("b.txt"), "{}", stderr(&o));
        }
    }
}

#[test]
fn demo_runs() {
    let o = embedpos(&["demo", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
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
