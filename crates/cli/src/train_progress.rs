//! The training progress bar: an observer of `embedpos_embed::train`, for
//! every trainer.

use embedpos_embed::train::{EpochEnd, Finish, Observer, Progress, VocabReport};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::ops::ControlFlow;
use std::time::Duration;

/// Positions of the bar (per mille of all the work of all epochs).
const STEPS: u64 = 1000;

/// Which trainer is observed: it decides the wording of the lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trainer {
    /// word2vec and fastText: epochs over the corpus, words per second,
    /// learning rate and mean loss.
    Word2Vec,
    /// GloVe: counting, then epochs over the co-occurrences with their cost,
    /// one `iter: 001, cost: …` line per epoch as GloVe C prints.
    Glove,
}

/// A spinner while the corpus is counted (and encoded), then one bar for
/// the run with epoch, percentage and the running figures; one summary line
/// per finished epoch. Draws nothing when quiet (and indicatif draws nothing
/// when stderr is not a terminal).
pub struct TrainBar {
    bar: ProgressBar,
    quiet: bool,
    trainer: Trainer,
}

impl TrainBar {
    /// Starts the "counting" spinner.
    pub fn new(trainer: Trainer, quiet: bool) -> Self {
        let target = if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}]") {
            bar.set_style(style);
        }
        bar.set_message(match trainer {
            Trainer::Word2Vec => "counting and encoding the corpus",
            Trainer::Glove => "counting the vocabulary and the co-occurrences",
        });
        bar.enable_steady_tick(Duration::from_millis(100));
        TrainBar {
            bar,
            quiet,
            trainer,
        }
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
        self.say(match self.trainer {
            Trainer::Word2Vec => format!(
                "corpus: {} tokens, {} distinct; vocabulary {} words covering {} tokens",
                r.tokens, r.distinct, r.vocab, r.train_words
            ),
            Trainer::Glove => format!("corpus: {} tokens; vocabulary {} words", r.tokens, r.vocab),
        });
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
        match self.trainer {
            Trainer::Word2Vec => {
                let loss = if p.loss.is_nan() {
                    "-".to_string()
                } else {
                    format!("{:.4}", p.loss)
                };
                self.bar.set_message(format!(
                    "{:.0}k words/s  lr {:.6}  loss {loss}",
                    p.per_sec() / 1e3,
                    p.lr
                ));
            }
            Trainer::Glove if !p.loss.is_nan() => {
                self.bar.set_message(format!("cost {:.4}", p.loss));
            }
            Trainer::Glove => {}
        }
        ControlFlow::Continue(())
    }

    fn on_epoch_end(&mut self, e: &EpochEnd) -> ControlFlow<()> {
        let secs = e.elapsed.as_secs_f64();
        self.say(match self.trainer {
            Trainer::Word2Vec => format!(
                "epoch {}: mean loss {:.4} over {} pairs, {} words, {secs:.1} s",
                e.epoch + 1,
                e.loss,
                e.pairs,
                e.done,
            ),
            Trainer::Glove => format!(
                "iter: {:03}, cost: {:.6} ({} entries, {secs:.1} s)",
                e.epoch + 1,
                e.loss,
                e.pairs,
            ),
        });
        ControlFlow::Continue(())
    }

    fn on_finish(&mut self, f: &Finish) {
        self.bar.finish_and_clear();
        if self.trainer == Trainer::Word2Vec {
            let secs = f.elapsed.as_secs_f64().max(1e-9);
            self.say(format!(
                "trained {} words in {:.1} s ({:.0}k words/s){}",
                f.done,
                secs,
                f.done as f64 / secs / 1e3,
                if f.stopped { ", stopped early" } else { "" }
            ));
        }
    }
}
