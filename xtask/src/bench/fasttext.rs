//! fastText training: `embedpos train fasttext` against fastText's command
//! line, same corpus and settings, alternating in one run, both `.vec`
//! outputs scored by bench/score_vectors.py (gensim's evaluators).

use super::anchors::Tool;
use super::runner::{self, Bench, Target};
use super::scores::Format;
use super::{training_group, Ctx, Mode, Sampling, Setting, Side};
use crate::args;
use crate::util::Result;
use serde_json::json;
use std::process::{Command, Stdio};

/// Options of `cargo xtask bench fasttext`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub sampling: Sampling,
    /// Shortest n-gram.
    #[arg(long, default_value_t = 3)]
    pub minn: usize,
    /// Longest n-gram.
    #[arg(long, default_value_t = 6)]
    pub maxn: usize,
    /// Hash buckets.
    #[arg(long, default_value_t = 2_000_000)]
    pub bucket: u32,
    /// Learning rate (fastText's default).
    #[arg(long, default_value = "0.05")]
    pub lr: String,
}

pub fn run(a: Args) -> Result {
    // Default: skip-gram with negative sampling (fastText's own default).
    let modes = Mode::parse_list(a.sampling.modes.as_deref(), &[Mode::new(true, false)])?;
    let ctx = Ctx::new(
        &a.sampling.training.common,
        &[Tool::Fasttext, Tool::Gensim],
        None,
        1,
    )?;
    let (t, s) = (&a.sampling.training, &a.sampling);
    let (window, epochs) = (t.window.unwrap_or(5), t.epochs.unwrap_or(5));
    // Every setting is passed to both sides. Where our `train fasttext`
    // still takes `--defaults`, `fasttext` also brings fastText's noise
    // distribution and line length, which have no flags of their own.
    let defaults = if takes_defaults(&ctx) {
        args!["--defaults", "fasttext"]
    } else {
        Vec::new()
    };
    let mut groups = Vec::new();
    for mode in modes {
        let settings = [
            Setting("--dim", "-dim", t.dim.to_string()),
            Setting("--window", "-ws", window.to_string()),
            Setting("--negative", "-neg", s.negative.to_string()),
            Setting("--sample", "-t", s.sample.clone()),
            Setting("--min-count", "-minCount", t.min_count.to_string()),
            Setting("--epochs", "-epoch", epochs.to_string()),
            Setting("--alpha", "-lr", a.lr.clone()),
            Setting("--minn", "-minn", a.minn.to_string()),
            Setting("--maxn", "-maxn", a.maxn.to_string()),
            Setting("--bucket", "-bucket", a.bucket.to_string()),
            Setting("--loss", "-loss", mode.loss().into()),
            Setting("--threads", "-thread", ctx.threads.to_string()),
        ];
        let theirs_prefix = ctx.out.join(format!("ft-c-{}", mode.name()));
        let mut ours = args!["--model", mode.model()];
        ours.extend(defaults.iter().cloned());
        let contenders = ctx.training_pair(
            ("fastText", Tool::Fasttext),
            Side {
                args: args![
                    mode.model(),
                    "-input",
                    &ctx.corpus,
                    "-output",
                    &theirs_prefix,
                    "-verbose",
                    "0",
                ],
                vectors: theirs_prefix.with_extension("vec"),
                format: Format::Text,
            },
            "fasttext",
            Side {
                args: ours,
                vectors: ctx.out.join(format!("ft-embedpos-{}.vec", mode.name())),
                format: Format::Text,
            },
            &settings,
        );

        // Targets of the fastText work: 1.5 times fastText's speed, as
        // accurate (the syntactic analogies too), no more memory.
        let tolerances = [("analogy", -0.01), ("analogy_syn", -0.01), ("ws353", -0.01)];
        let targets = Target::parity(1.5, 1.0, &tolerances);
        groups.push(training_group(&ctx, mode, epochs, contenders).targets("fastText", targets));
    }
    let more = vec![
        ("lr", json!(a.lr)),
        ("minn", json!(a.minn)),
        ("maxn", json!(a.maxn)),
        ("bucket", json!(a.bucket)),
    ];
    let bench = Bench {
        name: "fasttext",
        what: "fastText training".into(),
        settings: s.describe(window, epochs, more),
        groups,
        notes: vec!["(fastText writes .bin and .vec, embedpos .vec only)".into()],
    };
    runner::run(bench, &ctx)?.finish()
}

/// Whether our `train fasttext` still has `--defaults`.
fn takes_defaults(ctx: &Ctx) -> bool {
    Command::new(&ctx.ours_bin)
        .args(["train", "fasttext", "--help"])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("--defaults"))
}
