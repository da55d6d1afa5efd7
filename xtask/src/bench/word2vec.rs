//! word2vec training: `embedpos train word2vec` against word2vec C, same
//! corpus and settings, alternating in one run, both binary outputs scored
//! by bench/score_vectors.py (gensim's evaluators). One group per mode:
//! skip-gram / CBOW × negative sampling / hierarchical softmax.

use super::anchors::Tool;
use super::runner::{self, Bench, Target};
use super::scores::Format;
use super::{training_group, Ctx, Mode, Sampling, Setting, Side};
use crate::args;
use crate::util::Result;
use serde_json::json;

/// Options of `cargo xtask bench word2vec`: the training settings.
pub type Args = Sampling;

pub fn run(a: Args) -> Result {
    // Default: skip-gram and CBOW with negative sampling.
    let modes = Mode::parse_list(
        a.modes.as_deref(),
        &[Mode::new(true, false), Mode::new(false, false)],
    )?;
    let ctx = Ctx::new(&a.training.common, &[Tool::Word2vec, Tool::Gensim], None, 1)?;
    let (t, s) = (&a.training, &a);
    let (window, epochs) = (t.window.unwrap_or(5), t.epochs.unwrap_or(5));
    let mut groups = Vec::new();
    for mode in modes {
        let mut settings = vec![
            Setting("--dim", "-size", t.dim.to_string()),
            Setting("--window", "-window", window.to_string()),
            Setting("--sample", "-sample", s.sample.clone()),
            Setting("--min-count", "-min-count", t.min_count.to_string()),
            Setting("--epochs", "-iter", epochs.to_string()),
            // word2vec C's defaults, given to both sides explicitly.
            Setting("--alpha", "-alpha", alpha(mode).into()),
            Setting("--threads", "-threads", ctx.threads.to_string()),
        ];
        if !mode.hs {
            settings.push(Setting("--negative", "-negative", s.negative.to_string()));
        }

        let theirs_out = ctx.out.join(format!("w2v-c-{}.bin", mode.name()));
        let mut theirs = args![
            "-train",
            &ctx.corpus,
            "-output",
            &theirs_out,
            "-cbow",
            if mode.skipgram { "0" } else { "1" },
            "-hs",
            if mode.hs { "1" } else { "0" },
            "-binary",
            "1",
            "-debug",
            "0",
        ];
        if mode.hs {
            theirs.extend(args!["-negative", "0"]);
        }
        let contenders = ctx.training_pair(
            ("word2vec C", Tool::Word2vec),
            Side {
                args: theirs,
                vectors: theirs_out,
                format: Format::Bin,
            },
            "word2vec",
            Side {
                args: args!["--model", mode.model(), "--loss", mode.loss()],
                vectors: ctx.out.join(format!("w2v-embedpos-{}.bin", mode.name())),
                format: Format::Bin,
            },
            &settings,
        );

        // Targets of the word2vec work: faster than word2vec C (skip-gram
        // twice, CBOW 1.5 times), as accurate, half its memory or less.
        let speed = if mode.skipgram { 2.0 } else { 1.5 };
        let tolerances = [("analogy", -0.005), ("ws353", -0.01), ("simlex", -0.01)];
        let targets = Target::parity(speed, 0.5, &tolerances);
        groups.push(training_group(&ctx, mode, epochs, contenders).targets("word2vec C", targets));
    }
    let bench = Bench {
        name: "word2vec",
        what: "word2vec training".into(),
        settings: s.describe(
            window,
            epochs,
            vec![("alpha", json!("0.025 sg, 0.05 cbow"))],
        ),
        groups,
        notes: vec!["(hs modes draw no noise words)".into()],
    };
    runner::run(bench, &ctx)?.finish()
}

/// word2vec C's default learning rate for the architecture.
fn alpha(mode: Mode) -> &'static str {
    if mode.skipgram {
        "0.025"
    } else {
        "0.05"
    }
}
