//! `embedpos encode` through the binary: the printed summary, the `.npy` it
//! writes (read back by numpy when `EMBEDPOS_PYTHON` names a Python with
//! numpy), agreement with the library, and bad input.

use embedpos_embed::Embeddings;
use embedpos_input::{
    encode, AbsoluteConfig, AttentionConfig, BiasConfig, EncodeConfig, InputConfig, RotaryConfig,
};
use embedpos_tests::{
    dir_names, embedpos_fails, embedpos_ok, embedpos_stdin, read_npy, s, succeeded, write_file,
};
use std::path::Path;
use std::process::Command;

const VECTORS: &str = "5 4\n\
the 0.1 0.2 0.3 0.4\n\
cat 0.5 -0.1 0.2 0.0\n\
sat 0.3 0.3 -0.2 0.1\n\
on -0.4 0.2 0.1 0.9\n\
mat 0.2 0.2 0.2 -0.3\n";

fn vectors(dir: &Path) -> String {
    s(&write_file(dir, "v.txt", VECTORS)).to_string()
}

/// Runs `embedpos encode --vectors v args`, checks that it succeeded and
/// returns its standard output.
fn encode_ok(v: &str, args: &[&str]) -> String {
    embedpos_ok(&[&["encode", "--vectors", v], args].concat())
}

#[test]
fn encode_prints_the_summary_and_writes_what_the_library_computes() {
    let dir = tempfile::tempdir().unwrap();
    let v = vectors(dir.path());
    let out = dir.path().join("x.npy");
    let text = encode_ok(
        &v,
        &[
            "--rope",
            "neox",
            "--bias",
            "alibi",
            "--d-model",
            "8",
            "--padding",
            "left",
            "the cat sat on the mat",
            "the dog sat",
            "-o",
            s(&out),
        ],
    );
    assert!(text.contains("shape [2, 6, 8]"), "{text}");
    assert!(text.contains("mask 0 0 0 1 1 1"), "{text}");
    assert!(text.contains("the [UNK] sat"), "{text}");
    assert!(text.contains("RoPE neox, bias alibi"), "{text}");
    assert!(text.contains("attention entropy per head"), "{text}");

    let npy = read_npy(&out);
    assert_eq!(npy.shape, [2, 6, 8]);
    let emb = Embeddings::load(&v, None).unwrap();
    let config = EncodeConfig {
        input: InputConfig {
            d_model: Some(8),
            positions: AbsoluteConfig::sinusoidal(),
            batch: embedpos_input::BatchConfig {
                padding: embedpos_input::PadSide::Left,
                ..Default::default()
            },
            ..Default::default()
        },
        attention: Some(AttentionConfig {
            heads: 0,
            rope: Some(RotaryConfig::default()),
            bias: BiasConfig::Alibi,
            ..Default::default()
        }),
        offset: 0,
    };
    let lib = encode(&emb, &["the cat sat on the mat", "the dog sat"], &config).unwrap();
    assert_eq!(
        npy.values,
        lib.x.iter().copied().collect::<Vec<_>>(),
        "the CLI is a thin layer over encode()"
    );
    // no temporary file left next to the output
    let names = dir_names(dir.path());
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn numpy_loads_the_tensor() {
    let Some(python) = std::env::var_os("EMBEDPOS_PYTHON") else {
        println!("skipped: set EMBEDPOS_PYTHON to a Python with numpy to check that numpy.load reads the .npy");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let v = vectors(dir.path());
    let out = dir.path().join("x.npy");
    encode_ok(&v, &["the cat sat", "on the mat mat", "-o", s(&out)]);
    let values = read_npy(&out).values;
    let script = "import sys, numpy as np\n\
                  a = np.load(sys.argv[1])\n\
                  assert a.dtype == np.float32 and a.flags['C_CONTIGUOUS'], (a.dtype, a.flags)\n\
                  print(a.shape)\n\
                  print(' '.join(repr(float(x)) for x in a.ravel()))\n";
    let r = Command::new(python)
        .args(["-c", script, s(&out)])
        .output()
        .unwrap();
    let stdout = succeeded(&r);
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("(2, 4, 4)"));
    let got: Vec<f32> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|x| x.parse::<f64>().unwrap() as f32)
        .collect();
    assert_eq!(got, values);
}

#[test]
fn encode_reads_texts_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let v = vectors(dir.path());
    let o = embedpos_stdin(
        &["encode", "--vectors", &v, "--pe", "learned"],
        b"the cat\nsat on the mat\n",
    );
    assert!(succeeded(&o).contains("shape [2, 4, 4]"));
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let v = vectors(dir.path());
    let (none, nowhere) = (dir.path().join("none.txt"), dir.path().join("no/dir/x.npy"));
    for (args, needle) in [
        (vec!["--heads", "3", "the cat"], "must divide d_model = 4"),
        (
            vec!["--max-len", "2", "the cat sat"],
            "more than max_len = 2",
        ),
        (vec!["the", ""], "sequence 1 of the batch has no token"),
        (
            vec!["--d-model", "6", "--rope", "neox", "--heads", "2", "the"],
            "head_dim must be even",
        ),
        (
            vec![
                "--rope",
                "neox",
                "--rope-scaling",
                "linear",
                "--rope-factor",
                "0.5",
                "the",
            ],
            "factor",
        ),
        (vec!["the", "-o", s(&nowhere)], "cannot write"),
    ] {
        embedpos_fails(
            &[&["encode", "--vectors", &v], &args[..]].concat(),
            &[needle],
        );
    }
    embedpos_fails(&["encode", "--vectors", s(&none), "a"], &["no such file"]);
}
