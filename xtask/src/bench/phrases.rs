//! Phrase detection: `embedpos phrases learn --apply-to` against
//! word2phrase (word2vec's tool) at its defaults, min-count 5 and threshold
//! 100, alternating in one run. Both write the corpus with its phrases
//! joined; every run of ours is compared with word2phrase's output byte for
//! byte, and a difference is summarised line by line and fails the bench.

use super::anchors::Tool;
use super::runner::{self, Bench, Contender, Group, Output, Stage, Target};
use super::{Common, Ctx};
use crate::util::Result;
use serde_json::json;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// word2phrase's defaults, given to both sides explicitly.
const MIN_COUNT: &str = "5";
const THRESHOLD: &str = "100";

/// A run of `program args…` that first removes `output`, so that a run that
/// writes nothing is not scored on an earlier run's file.
fn writes(
    output: PathBuf,
    args: Vec<OsString>,
) -> impl Fn(&Path, usize) -> Result<Vec<Stage>> + 'static {
    move |program, _| {
        if output.exists() {
            std::fs::remove_file(&output)?;
        }
        let mut cmd = std::process::Command::new(program);
        cmd.args(&args);
        Ok(vec![Stage::new("", cmd)])
    }
}

/// Words joined to the word before them: the `_` in `path` that were not in
/// the corpus.
fn joins(path: &Path, in_corpus: u64) -> Result<f64> {
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let n = memchr_count(&text, b'_');
    Ok(n.saturating_sub(in_corpus) as f64)
}

fn memchr_count(text: &[u8], b: u8) -> u64 {
    text.iter().filter(|&&c| c == b).count() as u64
}

/// What differs between two outputs, line by line: the number of lines
/// that differ and the first few of them.
fn diff_summary(ours: &[u8], theirs: &[u8]) -> Vec<String> {
    let (a, b): (Vec<&[u8]>, Vec<&[u8]>) = (
        ours.split(|&c| c == b'\n').collect(),
        theirs.split(|&c| c == b'\n').collect(),
    );
    let mut out = vec![format!(
        "outputs differ: {} bytes and {} lines (embedpos), {} bytes and {} lines (word2phrase)",
        ours.len(),
        a.len() - 1,
        theirs.len(),
        b.len() - 1
    )];
    let differing: Vec<usize> = (0..a.len().max(b.len()))
        .filter(|&i| a.get(i) != b.get(i))
        .collect();
    out.push(format!("{} lines differ; the first ones:", differing.len()));
    let show = |l: Option<&&[u8]>| {
        l.map_or("(no line)".into(), |l| {
            format!("{:.160?}", String::from_utf8_lossy(l))
        })
    };
    for &i in differing.iter().take(5) {
        out.push(format!("  line {}:", i + 1));
        out.push(format!("    embedpos    {}", show(a.get(i))));
        out.push(format!("    word2phrase {}", show(b.get(i))));
    }
    out
}

pub fn run(c: Common) -> Result {
    let ctx = Ctx::new(&c, &[Tool::Word2phrase], None, 1)?;
    let theirs_out = ctx.out.join("phrases-word2phrase.txt");
    let ours_out = ctx.out.join("phrases-embedpos.txt");
    let in_corpus = memchr_count(&std::fs::read(&ctx.corpus)?, b'_');

    let theirs = {
        let out = theirs_out.clone();
        Contender::anchor(
            "word2phrase",
            ctx.anchors.find(Tool::Word2phrase),
            writes(
                theirs_out.clone(),
                crate::args![
                    "-train",
                    &ctx.corpus,
                    "-output",
                    &theirs_out,
                    "-min-count",
                    MIN_COUNT,
                    "-threshold",
                    THRESHOLD,
                    "-debug",
                    "0",
                ],
            ),
        )
        .scored(Output::Custom(Box::new(move || {
            Ok(vec![("joined", joins(&out, in_corpus)?)])
        })))
    };
    let ours = {
        let mut args = crate::args![
            "phrases",
            "learn",
            "--quiet",
            "--threads",
            ctx.threads.to_string(),
            "--min-count",
            MIN_COUNT,
            "--threshold",
            THRESHOLD,
            &ctx.corpus,
            "--apply-to",
            &ours_out,
        ];
        args.extend(ctx.ours_args.iter().map(OsString::from));
        let (out, theirs) = (ours_out.clone(), theirs_out.clone());
        let only_ours = ctx.only_ours;
        Contender::ours("embedpos", &ctx.ours_bin, writes(ours_out.clone(), args)).scored(
            Output::Custom(Box::new(move || {
                let mut figures = vec![("joined", joins(&out, in_corpus)?)];
                // Against word2phrase's latest run (it runs first in each round).
                if !only_ours && theirs.is_file() {
                    let same = std::fs::read(&out)? == std::fs::read(&theirs)?;
                    figures.push(("identical", if same { 1.0 } else { 0.0 }));
                }
                Ok(figures)
            })),
        )
    };
    let group = Group::new("phrases", vec![theirs, ours])
        .work("MB/s", ctx.bytes as f64 / 1e6, "corpus MB / wall time")
        .targets("word2phrase", vec![Target::Speed(3.0)]);
    let bench = Bench {
        name: "phrases",
        what: "phrase detection, corpus to joined text".into(),
        settings: vec![
            ("min-count", json!(5)),
            ("threshold", json!(100)),
            ("scorer", json!("word2phrase")),
        ],
        groups: vec![group],
        notes: vec![
            "joined: words joined to the word before them; identical: 1 when our output is \
             word2phrase's, byte for byte"
                .into(),
        ],
    };
    let report = runner::run(bench, &ctx)?;

    if report.ok("phrases", "word2phrase") && report.ok("phrases", "embedpos") {
        let (ours, theirs) = (std::fs::read(&ours_out)?, std::fs::read(&theirs_out)?);
        if ours != theirs {
            for line in diff_summary(&ours, &theirs) {
                println!("{line}");
            }
            report.finish()?;
            return Err("our output differs from word2phrase's".into());
        }
        println!(
            "output: identical to word2phrase's, {} bytes ({})",
            ours.len(),
            ours_out.display()
        );
    }
    report.finish()
}

#[cfg(test)]
mod tests {
    use super::diff_summary;

    #[test]
    fn diff_names_the_lines_that_differ() {
        let d = diff_summary(b" a b\n c_d\n e\n", b" a b\n c d\n e\n");
        assert!(d[0].contains("13 bytes and 3 lines (embedpos)"), "{d:?}");
        assert_eq!(d[1], "1 lines differ; the first ones:");
        assert_eq!(d[2], "  line 2:");
        assert!(d[3].contains("c_d") && d[4].contains("c d"), "{d:?}");
    }
}
