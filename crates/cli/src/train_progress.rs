//! The training progress bar: an observer of `embedpos_embed::train`.

use embedpos_embed::train::{EpochEnd, Finish, Observer, Progress, VocabReport};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::ops::ControlFlow;
use std::time::Duration;

/// Positions of the bar (per mille of all words of all epochs).
const STEPS: u64 = 1000;

/// A spinner while the corpus is counted and encoded, then one bar for the
/// run with epoch, percentage, words/s, learning rate and the running mean
/// loss; one summary line per finished epoch. Draws nothing when quiet (and
/// indicatif draws nothing when stderr is not a terminal).
pub struct TrainBar {
    bar: ProgressBar,
    quiet: bool,
}

/// A ticking spinner with `message` on stderr (hidden when quiet), the
/// first phase of every training bar.
pub fn spinner(quiet: bool, message: &'static str) -> ProgressBar {
    let target = if quiet {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(None, target);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}]") {
        bar.set_style(style);
    }
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

impl TrainBar {
    /// Starts the "counting" spinner.
    pub fn new(quiet: bool) -> Self {
        let bar = spinner(quiet, "counting and encoding the corpus");
        TrainBar { bar, quiet }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn say(&self, line: String) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("{line}"));
        }
    }
}

impl Observer for TrainBar {
    fn on_vocab(&mut self, r: &VocabReport) {
        self.say(format!(
            "corpus: {} tokens, {} distinct; vocabulary {} words covering {} tokens",
            r.tokens, r.distinct, r.vocab, r.train_words
        ));
        self.bar.disable_steady_tick();
        self.bar.set_length(STEPS);
        self.bar.set_position(0);
        if let Ok(style) = ProgressStyle::with_template(
            "epoch {prefix} [{elapsed_precise}] {wide_bar} {percent:>3}% {msg} ETA {eta}",
        ) {
            self.bar.set_style(style);
        }
        self.bar.set_message("");
        self.bar.reset_elapsed();
    }

    fn on_progress(&mut self, p: &Progress) -> ControlFlow<()> {
        self.bar.set_prefix(format!("{}/{}", p.epoch + 1, p.epochs));
        self.bar.set_position((p.fraction() * STEPS as f64) as u64);
        let loss = if p.loss.is_nan() {
            "-".to_string()
        } else {
            format!("{:.4}", p.loss)
        };
        self.bar.set_message(format!(
            "{:.0}k {}/s  lr {:.6}  loss {loss}",
            p.per_sec() / 1e3,
            p.unit.name(),
            p.lr
        ));
        ControlFlow::Continue(())
    }

    fn on_epoch_end(&mut self, e: &EpochEnd) -> ControlFlow<()> {
        let secs = e.elapsed.as_secs_f64();
        self.say(format!(
            "epoch {}: mean loss {:.4} over {} pairs, {} {}, {:.1} s",
            e.epoch + 1,
            e.loss,
            e.pairs,
            e.done,
            e.unit.name(),
            secs
        ));
        ControlFlow::Continue(())
    }

    fn on_finish(&mut self, f: &Finish) {
        let secs = f.elapsed.as_secs_f64().max(1e-9);
        let unit = f.unit.name();
        self.bar.finish_and_clear();
        self.say(format!(
            "trained {} {unit} in {:.1} s ({:.0}k {unit}/s){}",
            f.done,
            secs,
            f.done as f64 / secs / 1e3,
            if f.stopped { ", stopped early" } else { "" }
        ));
    }
}
