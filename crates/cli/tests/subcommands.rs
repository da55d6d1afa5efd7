//! The binary's command tree. Having an integration test in this package
//! also makes `cargo test --workspace` build the `embedpos` binary that the
//! end-to-end tests under `tests/` run.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_embedpos"))
        .args(args)
        .arg("--help")
        .output()
        .expect("embedpos runs");
    assert!(out.status.success(), "embedpos {args:?} --help failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_subcommand_is_reachable() {
    let top = help(&[]);
    for cmd in [
        "tokenize", "vocab", "demo", "train", "similar", "analogy", "eval", "convert", "posenc",
        "encode", "model",
    ] {
        assert!(top.contains(cmd), "`{cmd}` missing from:\n{top}");
    }
    let model = help(&["model"]);
    for sub in ["train", "eval", "generate"] {
        assert!(model.contains(sub), "`model {sub}` missing from:\n{model}");
    }
    let train = help(&["train"]);
    for algo in ["word2vec", "glove"] {
        assert!(
            train.contains(algo),
            "`train {algo}` missing from:\n{train}"
        );
    }
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_embedpos"))
        .arg("frobnicate")
        .output()
        .expect("embedpos runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("frobnicate"));
}
