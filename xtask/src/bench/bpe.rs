//! Byte-level BPE: training against Hugging Face `tokenizers` (BpeTrainer,
//! ByteLevel, GPT-2 pattern), and encoding with the cl100k_base ranks
//! against `tiktoken` and `tokenizers`, all in one run.
//!
//! * Training: the corpus minus its last 1 % of lines, vocabulary 32,000,
//!   min-frequency 2; both tokenizer.json files are then loaded by
//!   `tokenizers` and scored on the held-out lines (tokens per byte), and
//!   their first 10,000 merges are compared.
//! * Encoding: the training text, one line at a time, on 1 and on 2
//!   threads; ids written as little-endian u32 with 0xFFFFFFFF after each
//!   line and compared byte for byte. The table's MB/s is whole-process
//!   (loading the ranks and writing the ids included); "enc MB/s" is the
//!   encoding alone, as each tool timed it in-process (ours: the library's
//!   streaming encoder, timed by this benchmark).

use super::anchors::Tool;
use super::runner::{self, Bench, Contender, Group, Output, Stage, Target};
use super::scores::Metrics;
use super::{Common, Ctx};
use crate::args;
use crate::util::{workspace_root, Result};
use embedpos_tokenize::bpe::Bpe;
use embedpos_tokenize::CorpusReader;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Vocabulary size of the trained tokenizers.
    #[arg(long, default_value_t = 32_000)]
    vocab_size: usize,
    /// Minimum pair frequency of a merge.
    #[arg(long, default_value_t = 2)]
    min_frequency: u64,
    /// Merges compared between the two trained tokenizers.
    #[arg(long, default_value_t = 10_000)]
    compare_merges: usize,
    /// Skip training; only encode.
    #[arg(long)]
    encode_only: bool,
    /// Skip encoding; only train.
    #[arg(long, conflicts_with = "encode_only")]
    train_only: bool,
}

/// The separator after each line's ids in the id files.
const LINE_END: &str = "4294967295";

pub fn run(a: Args) -> Result {
    let ctx = Ctx::new(&a.common, &[Tool::PyTokenizers], None, 1)?;
    let python = ctx.anchors.find(Tool::PyTokenizers);
    let script = workspace_root().join("bench").join("bpe_reference.py");
    let (train_text, heldout) = split(&ctx.corpus, &ctx.out)?;
    let train_bytes = std::fs::metadata(&train_text)?.len() as f64;
    let threads = ctx.threads.to_string();
    let mut groups = Vec::new();
    let mut notes = Vec::new();

    // Training.
    let ours_json = ctx.out.join("bpe-embedpos.json");
    let theirs_json = ctx.out.join("bpe-hf.json");
    if !a.encode_only {
        let score = |tok: PathBuf| -> Output {
            let (python, script, heldout) = (python.clone(), script.clone(), heldout.clone());
            Output::Custom(Box::new(move || {
                // Without the Python side there is nothing to score with;
                // our run still counts (the notes say why).
                let Ok(python) = python.clone() else {
                    return Ok(Vec::new());
                };
                let v = python_json(
                    Command::new(python)
                        .arg(&script)
                        .arg("tpb")
                        .arg("--tokenizer")
                        .arg(&tok)
                        .arg("--heldout")
                        .arg(&heldout),
                )?;
                Ok(vec![("tok/byte", num(&v, "tokens_per_byte")?)])
            }))
        };
        let vocab = a.vocab_size.to_string();
        let minf = a.min_frequency.to_string();
        let theirs = Contender::anchor(
            "HF tokenizers",
            python.clone(),
            python_plan(
                &script,
                args![
                    "train",
                    "--corpus",
                    &train_text,
                    "--vocab-size",
                    &vocab,
                    "--min-frequency",
                    &minf,
                    "--threads",
                    &threads,
                    "--out",
                    &theirs_json,
                ],
                None,
            ),
        )
        .scored(score(theirs_json.clone()));
        let ours = ctx
            .ours(
                args![
                    "--threads",
                    &threads,
                    "bpe",
                    "train",
                    "--quiet",
                    &train_text,
                    "--vocab-size",
                    &vocab,
                    "--min-frequency",
                    &minf,
                    "--pattern",
                    "gpt2",
                    "-o",
                    &ours_json,
                ],
                Output::Nothing,
            )
            .scored(score(ours_json.clone()));
        groups.push(
            Group::new("train", vec![theirs, ours])
                .work("MB/s", train_bytes / 1e6, "training text MB / wall time")
                .targets("HF tokenizers", vec![Target::Speed(2.0), Target::Rss(1.0)]),
        );
    }

    // Encoding with cl100k_base.
    let ranks = ctx.out.join("cl100k_base.tiktoken");
    let cl100k_json = ctx.out.join("cl100k_base.json");
    if !a.train_only {
        unpack_ranks(&ranks)?;
        let status = Command::new(&ctx.ours_bin)
            .args(["--quiet", "bpe", "convert"])
            .arg(&ranks)
            .arg("-o")
            .arg(&cl100k_json)
            .status()?;
        if !status.success() {
            return Err("embedpos bpe convert failed on cl100k_base.tiktoken".into());
        }
        for n in [1usize, 2] {
            let nt = n.to_string();
            let ids = |who: &str| ctx.out.join(format!("bpe-ids-{who}-{n}.u32"));
            let timed = |who: &str| ctx.out.join(format!("bpe-timing-{who}-{n}.json"));
            let py_side = |name: &str, who: &str, model: Vec<std::ffi::OsString>| {
                let mut argv = args![
                    "encode",
                    "--text",
                    &train_text,
                    "--threads",
                    &nt,
                    "--ids-out",
                    ids(who)
                ];
                argv.extend(model);
                let json_out = timed(who);
                Contender::anchor(
                    name,
                    python.clone(),
                    python_plan(&script, argv, Some(json_out.clone())),
                )
                .scored(Output::Custom(Box::new(move || {
                    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json_out)?)?;
                    Ok(vec![("enc MB/s", num(&v, "mb_per_s")?)])
                })))
            };
            let tiktoken = py_side("tiktoken", "tiktoken", args!["--tiktoken", &ranks]);
            let hf = py_side("HF tokenizers", "hf", args!["--tokenizer", &cl100k_json]);
            let ours = ctx
                .ours(
                    args![
                        "--threads",
                        &nt,
                        "bpe",
                        "encode",
                        "--quiet",
                        "--tokenizer",
                        &ranks,
                        &train_text,
                        "--format",
                        "u32",
                        "--separator-id",
                        LINE_END,
                        "-o",
                        ids("embedpos"),
                    ],
                    Output::Nothing,
                )
                .scored(in_process(ranks.clone(), train_text.clone(), n));
            groups.push(
                Group::new(&format!("encode {n}t"), vec![tiktoken, hf, ours])
                    .work(
                        "MB/s",
                        train_bytes / 1e6,
                        "text MB / wall time of the whole process",
                    )
                    .targets("tiktoken", vec![Target::Speed(1.5)]),
            );
        }
    }

    let settings = vec![
        ("vocab-size", json!(a.vocab_size)),
        ("min-frequency", json!(a.min_frequency)),
        ("pattern", json!("gpt2 (training), cl100k_base (encoding)")),
        ("held-out", json!("last 1% of lines")),
    ];
    notes.push(
        "(enc MB/s = the encoding alone, timed in-process by each tool; tok/byte = tokens per byte of the held-out lines, both tokenizer.json files loaded by HF tokenizers)"
            .to_string(),
    );
    let bench = Bench {
        name: "bpe",
        what: "byte-level BPE training and encoding".into(),
        settings,
        groups,
        notes,
    };
    let report = runner::run(bench, &ctx)?;

    if report.ok("train", "HF tokenizers") && report.ok("train", "embedpos") {
        if let Ok(p) = &python {
            let v = python_json(
                Command::new(p)
                    .arg(&script)
                    .arg("compare")
                    .arg("--ours")
                    .arg(&ours_json)
                    .arg("--theirs")
                    .arg(&theirs_json)
                    .arg("--heldout")
                    .arg(&heldout)
                    .arg("--first")
                    .arg(a.compare_merges.to_string()),
            )?;
            let rel = num(&v, "ours_tokens")? / num(&v, "theirs_tokens")? - 1.0;
            println!(
                "trained tokenizers: held-out tokens per byte {:.5} (embedpos) vs {:.5} (HF), {:+.3} %; of the first {} merges {:.2} % identical at the same rank, {:.2} % in both lists; first difference at merge {}",
                num(&v, "ours_tokens_per_byte")?,
                num(&v, "theirs_tokens_per_byte")?,
                rel * 100.0,
                v["merges_compared"],
                num(&v, "identical_merges_same_rank")? * 100.0,
                num(&v, "identical_merges_any_rank")? * 100.0,
                v["first_differing_merge"]
            );
            if let Some(d) = v.get("at_first_difference") {
                println!("  there: embedpos {} vs HF {}", d["ours"], d["theirs"]);
            }
        }
    }
    let mut mismatch = Vec::new();
    for n in [1usize, 2] {
        let g = format!("encode {n}t");
        let ours = ctx.out.join(format!("bpe-ids-embedpos-{n}.u32"));
        if !report.ok(&g, "embedpos") {
            continue;
        }
        for (name, who) in [("tiktoken", "tiktoken"), ("HF tokenizers", "hf")] {
            if !report.ok(&g, name) {
                continue;
            }
            let theirs = ctx.out.join(format!("bpe-ids-{who}-{n}.u32"));
            let same = std::fs::read(&ours)? == std::fs::read(&theirs)?;
            println!(
                "{g}: ids of embedpos and {name} {}",
                if same { "identical" } else { "DIFFER" }
            );
            if !same {
                mismatch.push(format!("{g} vs {name}"));
            }
        }
    }
    if !mismatch.is_empty() {
        return Err(format!("ids differ: {}", mismatch.join(", ")).into());
    }
    report.finish()
}

/// `python SCRIPT ARGS…`, its stdout to `stdout` when given.
fn python_plan(
    script: &Path,
    argv: Vec<std::ffi::OsString>,
    stdout: Option<PathBuf>,
) -> impl Fn(&Path, usize) -> Result<Vec<Stage>> + 'static {
    let script = script.to_path_buf();
    move |python, _| {
        let mut cmd = Command::new(python);
        cmd.arg(&script).args(&argv);
        let st = Stage::new("", cmd);
        Ok(vec![match &stdout {
            Some(p) => st.stdout(p),
            None => st,
        }])
    }
}

/// Runs `cmd` and parses the JSON line it prints.
fn python_json(cmd: &mut Command) -> Result<Value> {
    let out = cmd.output()?;
    if !out.status.success() {
        return Err(format!(
            "{:?} failed: {}",
            cmd,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or("");
    Ok(serde_json::from_str(line)
        .map_err(|e| format!("unexpected output {line:.200?} of {cmd:?}: {e}"))?)
}

fn num(v: &Value, key: &str) -> Result<f64> {
    v[key]
        .as_f64()
        .ok_or_else(|| format!("no number {key:?} in {v}").into())
}

/// Our encoder timed in-process on `text` with `threads` (loading the ranks
/// not timed), as the Python side times itself.
fn in_process(ranks: PathBuf, text: PathBuf, threads: usize) -> Output {
    Output::Custom(Box::new(move || -> Result<Metrics> {
        let bpe = Bpe::cl100k_base(&ranks)?;
        let mut reader = CorpusReader::open(&[&text])?;
        let start = Instant::now();
        let mut n = 0u64;
        bpe.encode_corpus(&mut reader, threads, |ids| {
            n += ids.len() as u64;
            Ok(())
        })?;
        let secs = start.elapsed().as_secs_f64();
        Ok(vec![("enc MB/s", reader.stats().bytes as f64 / 1e6 / secs)])
    }))
}

/// The training text (all but the last 1 % of lines) and the held-out
/// lines, written once into `dir`.
fn split(corpus: &Path, dir: &Path) -> Result<(PathBuf, PathBuf)> {
    let train = dir.join("bpe-train.txt");
    let heldout = dir.join("bpe-heldout.txt");
    let stamp = dir.join("bpe-split.source");
    let source = format!("{} {}", corpus.display(), std::fs::metadata(corpus)?.len());
    if train.is_file()
        && heldout.is_file()
        && std::fs::read_to_string(&stamp).ok().as_deref() == Some(source.as_str())
    {
        return Ok((train, heldout));
    }
    let lines = BufReader::new(std::fs::File::open(corpus)?)
        .split(b'\n')
        .count();
    let keep = lines - lines / 100;
    let mut t = std::io::BufWriter::new(std::fs::File::create(&train)?);
    let mut h = std::io::BufWriter::new(std::fs::File::create(&heldout)?);
    for (i, line) in BufReader::new(std::fs::File::open(corpus)?)
        .split(b'\n')
        .enumerate()
    {
        let line = line?;
        let w: &mut dyn Write = if i < keep { &mut t } else { &mut h };
        w.write_all(&line)?;
        w.write_all(b"\n")?;
    }
    t.flush()?;
    h.flush()?;
    std::fs::write(&stamp, source)?;
    Ok((train, heldout))
}

/// The cl100k_base rank file, unpacked from the repository's test fixture
/// (`tiktoken` reads plain files only).
fn unpack_ranks(to: &Path) -> Result {
    if to.is_file() {
        return Ok(());
    }
    let gz = workspace_root().join("tests/fixtures/bpe/cl100k_base.tiktoken.gz");
    let mut text = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&gz)?),
        &mut text,
    )?;
    crate::util::write_atomic(to, &text)
}
