//! The training observer: a push model (ripgrep's `Sink`). The trainer
//! drives and calls [`Observer::on_step`] after every update,
//! [`Observer::on_eval`] after every evaluation and [`Observer::on_finish`]
//! once; every method has a no-op default, and returning
//! [`ControlFlow::Break`] stops training cleanly after the current step. A
//! progress bar, a loss recorder, early stopping and periodic checkpoints
//! are all observers.

use std::ops::ControlFlow;
use std::time::Duration;

use embedpos_input::Real;

use super::TrainState;

/// After one optimiser step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Steps taken so far (from 1), counting those of a resumed run.
    pub step: u64,
    /// The step training stops at.
    pub steps: u64,
    /// The learning rate of this step.
    pub lr: f64,
    /// The training loss of this step's batch (before the update).
    pub loss: f64,
    /// The gradient norm before clipping.
    pub grad_norm: f64,
    /// Tokens fed to the model by this run so far (padding excluded).
    pub tokens: u64,
    /// Tokens per second over this run so far.
    pub tokens_per_sec: f64,
    /// Time since this run started.
    pub elapsed: Duration,
}

/// After one evaluation on the held-out split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvalReport {
    /// Steps taken when it ran.
    pub step: u64,
    /// Mean cross-entropy over the held-out targets.
    pub loss: f64,
    /// Fraction of held-out sequences classified right (classifiers only).
    pub accuracy: Option<f64>,
    /// Number of targets (tokens or sequences) scored.
    pub targets: usize,
}

/// At the end of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finish {
    /// Steps taken in all (counting those of a resumed run).
    pub step: u64,
    /// The loss of the last training batch, if a step ran.
    pub last_loss: Option<f64>,
    /// The last evaluation, if any ran.
    pub eval: Option<EvalReport>,
    /// True when an observer stopped the run before its last step.
    pub stopped: bool,
    /// Duration of this run.
    pub elapsed: Duration,
}

/// Watches training: the trainer calls `on_step` after every update,
/// `on_eval` after every evaluation and `on_finish` once; each method does
/// nothing by default, and returning [`ControlFlow::Break`] stops training
/// cleanly after the current step (early stopping, a time limit).
pub trait Observer<T: Real> {
    /// After each optimiser step; `state` is the model and optimiser after
    /// the update (what a checkpoint saves).
    fn on_step(&mut self, progress: &Progress, state: &TrainState<'_, T>) -> ControlFlow<()> {
        let _ = (progress, state);
        ControlFlow::Continue(())
    }

    /// After each evaluation.
    fn on_eval(&mut self, eval: &EvalReport, state: &TrainState<'_, T>) -> ControlFlow<()> {
        let _ = (eval, state);
        ControlFlow::Continue(())
    }

    /// Once, at the end of a run that did not fail.
    fn on_finish(&mut self, finish: &Finish) {
        let _ = finish;
    }
}

/// No observer.
impl<T: Real> Observer<T> for () {}

/// Records every progress and evaluation (what a test or a plot wants).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recorder {
    /// Every step's progress.
    pub steps: Vec<Progress>,
    /// Every evaluation.
    pub evals: Vec<EvalReport>,
    /// The end of the run.
    pub finish: Option<Finish>,
}

impl<T: Real> Observer<T> for Recorder {
    fn on_step(&mut self, progress: &Progress, _: &TrainState<'_, T>) -> ControlFlow<()> {
        self.steps.push(*progress);
        ControlFlow::Continue(())
    }

    fn on_eval(&mut self, eval: &EvalReport, _: &TrainState<'_, T>) -> ControlFlow<()> {
        self.evals.push(*eval);
        ControlFlow::Continue(())
    }

    fn on_finish(&mut self, finish: &Finish) {
        self.finish = Some(*finish);
    }
}
