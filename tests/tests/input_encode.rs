//! `embedpos encode` through the binary: the printed summary, the `.npy` it
//! writes (read back by numpy when `EMBEDPOS_PYTHON` names a Python with
//! numpy), agreement with the library, and bad input.

use embedpos_embed::Embeddings;
use embedpos_input::{
    encode, AbsoluteConfig, AttentionConfig, BiasConfig, EncodeConfig, InputConfig, RotaryConfig,
};
use embedpos_tests::embedpos;
use std::path::Path;
use std::process::Command;

const VECTORS: &str = "5 4\n\
the 0.1 0.2 0.3 0.4\n\
cat 0.5 -0.1 0.2 0.0\n\
sat 0.3 0.3 -0.2 0.1\n\
on -0.4 0.2 0.1 0.9\n\
mat 0.2 0.2 0.2 -0.3\n";

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn vectors(dir: &Path) -> String {
    let p = dir.join("v.txt");
    std::fs::write(&p, VECTORS).unwrap();
    p.to_string_lossy().into_owned()
}

/// Reads a `.npy` of little-endian f32 written by `save_npy`: shape and values.
fn read_npy(path: &Path) -> (Vec<usize>, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + hlen]).unwrap();
    let shape_str = header
        .split("'shape': (")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let shape = shape_str
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let values = bytes[10 + hlen..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    (shape, values)
}

#[test]
fn encode_prints_the_summary_and_writes_what_the_library_computes() {
    let dir = tempfile::tempdir().unwrap();
    let v = vectors(dir.path());
    let out = dir.path().join("x.npy");
    let o = embedpos(&[
        "encode",
        "--vectors",
        &v,
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
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("shape [2, 6, 8]"), "{text}");
    assert!(text.contains("mask 0 0 0 1 1 1"), "{text}");
    assert!(text.contains("the [UNK] sat"), "{text}");
    assert!(text.contains("RoPE neox, bias alibi"), "{text}");
    assert!(text.contains("attention entropy per head"), "{text}");

    let (shape, values) = read_npy(&out);
    assert_eq!(shape, [2, 6, 8]);
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
        values,
        lib.x.iter().copied().collect::<Vec<_>>(),
        "the CLI is a thin layer over encode()"
    );
    // no temporary file left next to the output
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
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
    let o = embedpos(&[
        "encode",
        "--vectors",
        &v,
        "the cat sat",
        "on the mat mat",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, values) = read_npy(&out);
    let script = "import sys, numpy as np\n\
                  a = np.load(sys.argv[1])\n\
                  assert a.dtype == np.float32 and a.flags['C_CONTIGUOUS'], (a.dtype, a.flags)\n\
                  print(a.shape)\n\
                  print(' '.join(repr(float(x)) for x in a.ravel()))\n";
    let r = Command::new(python)
        .args(["-c", script, out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let stdout = String::from_utf8(r.stdout).unwrap();
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
    let o = embedpos_tests::embedpos_stdin(
        &["encode", "--vectors", &v, "--pe", "learned"],
        b"the cat\nsat on the mat\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("shape [2, 4, 4]"));
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let v = vectors(dir.path());
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
    ] {
        let mut full = vec!["encode", "--vectors", &v];
        full.extend(args.iter().copied());
        let o = embedpos(&full);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
    let o = embedpos(&[
        "encode",
        "--vectors",
        &dir.path().join("none.txt").to_string_lossy(),
        "a",
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("no such file"),
        "{}",
        stderr(&o)
    );
    let o = embedpos(&[
        "encode",
        "--vectors",
        &v,
        "the",
        "-o",
        &dir.path().join("no/dir/x.npy").to_string_lossy(),
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("cannot write"),
        "{}",
        stderr(&o)
    );
}
