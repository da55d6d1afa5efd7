//! The training bar of `embedpos model train`: an observer of
//! `embedpos_model::Trainer` that also writes the periodic checkpoints.

use std::ops::ControlFlow;
use std::path::PathBuf;

use embedpos_model::{EvalReport, Finish, Observer, Progress, TrainState};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// One bar over the steps with loss, learning rate and tokens per second;
/// one line per evaluation; a checkpoint every `every` steps when asked.
pub struct ModelBar {
    bar: ProgressBar,
    quiet: bool,
    checkpoint: Option<(PathBuf, u64)>,
    /// The first error of a periodic checkpoint, which stops the run.
    pub error: Option<embedpos_model::Error>,
    /// Stop after this step.
    pub stop_after: Option<u64>,
}

impl ModelBar {
    /// A bar from step `start` to `steps`.
    pub fn new(start: u64, steps: u64, quiet: bool, checkpoint: Option<(PathBuf, u64)>) -> Self {
        let target = if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(steps), target);
        if let Ok(style) = ProgressStyle::with_template(
            "step {pos}/{len} [{elapsed_precise}] {wide_bar} {msg} ETA {eta}",
        ) {
            bar.set_style(style);
        }
        bar.set_position(start);
        ModelBar {
            bar,
            quiet,
            checkpoint,
            error: None,
            stop_after: None,
        }
    }

    fn say(&self, line: String) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("{line}"));
        }
    }
}

impl<T: embedpos_input::Real> Observer<T> for ModelBar {
    fn on_step(&mut self, p: &Progress, state: &TrainState<'_, T>) -> ControlFlow<()> {
        self.bar.set_position(p.step);
        self.bar.set_message(format!(
            "loss {:.4}  lr {:.2e}  |g| {:.2}  {:.0} tok/s",
            p.loss, p.lr, p.grad_norm, p.tokens_per_sec
        ));
        if let Some((dir, every)) = &self.checkpoint {
            if *every > 0 && p.step.is_multiple_of(*every) && p.step < p.steps {
                if let Err(e) = state.save(dir) {
                    self.error = Some(e);
                    return ControlFlow::Break(());
                }
                self.say(format!(
                    "step {}: checkpoint written to {}",
                    p.step,
                    dir.display()
                ));
            }
        }
        ControlFlow::Continue(())
    }

    fn on_eval(&mut self, e: &EvalReport, _: &TrainState<'_, T>) -> ControlFlow<()> {
        self.say(match e.accuracy {
            Some(a) => format!(
                "step {}: held-out loss {:.4}, accuracy {:.3} ({} sequences)",
                e.step, e.loss, a, e.targets
            ),
            None => format!(
                "step {}: held-out loss {:.4}, perplexity {:.2} ({} tokens)",
                e.step,
                e.loss,
                e.loss.exp(),
                e.targets
            ),
        });
        ControlFlow::Continue(())
    }

    fn on_finish(&mut self, f: &Finish) {
        self.bar.finish_and_clear();
        self.say(format!(
            "trained to step {} in {:.1} s{}",
            f.step,
            f.elapsed.as_secs_f64(),
            if f.stopped { " (stopped early)" } else { "" }
        ));
    }
}
