//! Training: mini-batches, cross-entropy, AdamW under a warm-up + cosine
//! schedule, gradient clipping, held-out evaluation and an [`Observer`].
//!
//! # Threads and reproducibility
//!
//! A step runs in the calling thread's rayon pool (the CLI's `--threads`
//! sizes it): the matrix products split their output rows over tasks, the
//! row-wise passes and the attention split rows and sequences. No sum is
//! split across tasks except in fixed-size chunks added in order, and the
//! batches and dropout masks are hashed from (seed, step), so a run is
//! bit-for-bit reproducible from its seed — for a fixed thread count, and
//! (as the tests check) across thread counts too. A run resumed from a
//! checkpoint is bit-identical to the uninterrupted run.

mod data;
mod observer;

use std::ops::ControlFlow;
use std::time::Instant;

use embedpos_input::{Mode, Real};
use serde::{Deserialize, Serialize};

pub use data::{Dataset, Example};
pub use observer::{EvalReport, Finish, Observer, Progress, Recorder};

use crate::config::Head;
use crate::error::{Error, Result};
use crate::loss::Targets;
use crate::model::Model;
use crate::optim::{clip_grad_norm, AdamW, AdamWConfig, Schedule};
use data::{eval_batches, RawBatch, Sampler};

/// How to train; `Default`: 1000 steps of 16 sequences, PyTorch's AdamW
/// defaults at a peak learning rate of 1e-3, 100 warm-up steps, cosine decay
/// to 1e-4, gradient norm clipped at 1, an evaluation every 100 steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Step training stops at (a resumed run goes on to it).
    pub steps: u64,
    /// Sequences per batch.
    pub batch_size: usize,
    /// Tokens per language-model window, which yields `seq_len − 1`
    /// next-token targets; `None`: the model's context (`batch.max_len`).
    pub seq_len: Option<usize>,
    /// AdamW; its `lr` is the peak of the schedule.
    pub optimizer: AdamWConfig,
    /// Steps of linear warm-up.
    pub warmup_steps: u64,
    /// Learning rate at the end of the cosine decay.
    pub min_lr: f64,
    /// Clip the global gradient norm to this; `None`: no clipping.
    pub grad_clip: Option<f64>,
    /// Evaluate every this many steps (and at the end); 0: only at the end.
    pub eval_every: u64,
    /// Held-out batches per evaluation, at most.
    pub eval_batches: usize,
    /// Seed of the batches.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            steps: 1000,
            batch_size: 16,
            seq_len: None,
            optimizer: AdamWConfig::default(),
            warmup_steps: 100,
            min_lr: 1e-4,
            grad_clip: Some(1.0),
            eval_every: 100,
            eval_batches: 16,
            seed: 0,
        }
    }
}

impl TrainConfig {
    /// Says what is wrong, if anything, for a model of context `context`.
    pub fn validate(&self, context: usize) -> Result<()> {
        self.optimizer.validate()?;
        if self.batch_size == 0 {
            return Err(Error::config("batch_size", 0, "it must be at least 1"));
        }
        if let Some(s) = self.seq_len {
            if s < 2 || s > context {
                return Err(Error::config(
                    "seq_len",
                    s,
                    format!(
                        "a window needs at least 2 tokens and at most the model's context \
                         (batch.max_len = {context})"
                    ),
                ));
            }
        }
        if !(self.min_lr.is_finite() && self.min_lr >= 0.0 && self.min_lr <= self.optimizer.lr) {
            return Err(Error::config(
                "min_lr",
                self.min_lr,
                format!("it must be in [0, lr = {}]", self.optimizer.lr),
            ));
        }
        if let Some(c) = self.grad_clip {
            if !(c.is_finite() && c > 0.0) {
                return Err(Error::config(
                    "grad_clip",
                    c,
                    "it must be a finite number > 0 (1.0 is usual), or absent to turn clipping off",
                ));
            }
        }
        Ok(())
    }

    /// The learning-rate schedule.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            peak: self.optimizer.lr,
            min: self.min_lr,
            warmup: self.warmup_steps,
            total: self.steps,
        }
    }
}

/// The training and held-out data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainData {
    /// What the model learns from.
    pub train: Dataset,
    /// What it is evaluated on, if anything.
    pub eval: Option<Dataset>,
}

/// What observers see: the model and optimiser after an update, and the
/// settings (everything a checkpoint holds).
#[derive(Debug)]
pub struct TrainState<'a, T: Real> {
    /// The model.
    pub model: &'a Model<T>,
    /// The optimiser (its step count is the number of steps taken).
    pub optimizer: &'a AdamW<T>,
    /// The settings of the run.
    pub config: &'a TrainConfig,
}

/// A model, its optimiser and the settings of its training: what a
/// checkpoint saves and resumes.
#[derive(Debug, Clone)]
pub struct Trainer<T: Real = f32> {
    model: Model<T>,
    optimizer: AdamW<T>,
    config: TrainConfig,
}

impl<T: Real> Trainer<T> {
    /// A trainer with a fresh optimiser.
    pub fn new(model: Model<T>, config: TrainConfig) -> Result<Self> {
        config.validate(model.config().context())?;
        let optimizer = AdamW::new(config.optimizer, &model)?;
        Ok(Trainer {
            model,
            optimizer,
            config,
        })
    }

    /// A trainer from saved parts (see [`crate::checkpoint`]).
    pub fn from_parts(model: Model<T>, optimizer: AdamW<T>, config: TrainConfig) -> Result<Self> {
        config.validate(model.config().context())?;
        Ok(Trainer {
            model,
            optimizer,
            config,
        })
    }

    /// The model.
    pub fn model(&self) -> &Model<T> {
        &self.model
    }

    /// The model, to hand on after training.
    pub fn into_model(self) -> Model<T> {
        self.model
    }

    /// The optimiser.
    pub fn optimizer(&self) -> &AdamW<T> {
        &self.optimizer
    }

    /// The settings.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Changes the step training stops at (to train a finished run
    /// further). The cosine decay spans `steps`, so this changes the
    /// learning rate of the steps still to come: a run stopped early (by an
    /// observer, or killed after a checkpoint) resumes bit-identically only
    /// when `steps` is left as it was.
    pub fn set_steps(&mut self, steps: u64) {
        self.config.steps = steps;
    }

    /// Steps taken so far.
    pub fn step(&self) -> u64 {
        self.optimizer.steps()
    }

    /// The state observers see.
    pub fn state(&self) -> TrainState<'_, T> {
        TrainState {
            model: &self.model,
            optimizer: &self.optimizer,
            config: &self.config,
        }
    }

    /// Tokens per language-model window.
    fn window(&self) -> usize {
        self.config.seq_len.unwrap_or(self.model.config().context())
    }

    /// Trains from the current step to `config.steps`, evaluating on
    /// `data.eval` every `eval_every` steps and at the end. A NaN or
    /// infinite loss or gradient norm stops with [`Error::Diverged`], the
    /// model as it was before that step's update.
    pub fn run(&mut self, data: &TrainData, observer: &mut dyn Observer<T>) -> Result<Finish> {
        self.check_data(&data.train)?;
        if let Some(e) = &data.eval {
            self.check_data(e)?;
            if eval_batches(e, self.config.batch_size, self.window(), 1).is_empty() {
                return Err(Error::Data(format!(
                    "the held-out data ({} tokens or examples) cannot make a batch; hold out more \
                     (a language model needs at least 2 tokens) or leave it out",
                    e.len()
                )));
            }
        }
        let start = Instant::now();
        let mut sampler = Sampler::new(
            &data.train,
            self.config.batch_size,
            self.window(),
            self.config.seed,
        )?;
        let schedule = self.config.schedule();
        let (mut tokens, mut last_loss, mut last_eval, mut stopped) = (0u64, None, None, false);
        while self.optimizer.steps() < self.config.steps {
            let s = self.optimizer.steps();
            let raw = sampler.batch(s);
            let batch = self.model.batch_ids(&raw.seqs)?;
            let targets = match &raw.labels {
                Some(l) => Targets::Labels(l),
                None => Targets::NextToken,
            };
            let (loss, mut grads) =
                self.model
                    .loss_and_grads(&batch, &targets, Mode::Train { step: s })?;
            let step = s + 1;
            if !loss.is_finite() {
                return Err(Error::Diverged {
                    step,
                    what: "loss",
                    value: loss,
                });
            }
            let norm = match self.config.grad_clip {
                Some(c) => clip_grad_norm(&mut grads, c),
                None => grads.norm(),
            };
            if !norm.is_finite() {
                return Err(Error::Diverged {
                    step,
                    what: "gradient norm",
                    value: norm,
                });
            }
            let lr = schedule.lr(s);
            self.optimizer.step(&mut self.model, &grads, lr)?;
            tokens += raw.tokens() as u64;
            last_loss = Some(loss);
            let elapsed = start.elapsed();
            let progress = Progress {
                step,
                steps: self.config.steps,
                lr,
                loss,
                grad_norm: norm,
                tokens,
                tokens_per_sec: tokens as f64 / elapsed.as_secs_f64().max(1e-9),
                elapsed,
            };
            if observer.on_step(&progress, &self.state()).is_break() {
                stopped = step < self.config.steps;
                break;
            }
            let due = self.config.eval_every > 0 && step.is_multiple_of(self.config.eval_every);
            if let (Some(eval), true) = (&data.eval, due || step == self.config.steps) {
                let report = self.evaluate(eval)?;
                last_eval = Some(report);
                if observer.on_eval(&report, &self.state()).is_break() {
                    stopped = step < self.config.steps;
                    break;
                }
            }
        }
        let finish = Finish {
            step: self.optimizer.steps(),
            last_loss,
            eval: last_eval,
            stopped,
            elapsed: start.elapsed(),
        };
        observer.on_finish(&finish);
        Ok(finish)
    }

    /// The mean loss (and, for a classifier, the accuracy) on `data`: at
    /// most `eval_batches` batches, dropout off.
    pub fn evaluate(&self, data: &Dataset) -> Result<EvalReport> {
        self.check_data(data)?;
        let batches = eval_batches(
            data,
            self.config.batch_size,
            self.window(),
            self.config.eval_batches.max(1),
        );
        evaluate_batches(&self.model, &batches, self.optimizer.steps())
    }

    fn check_data(&self, data: &Dataset) -> Result<()> {
        match (self.model.config().head, data) {
            (Head::Lm { .. }, Dataset::Tokens(_)) | (Head::Classify { .. }, Dataset::Examples(_)) => {
                Ok(())
            }
            (Head::Lm { .. }, _) => Err(Error::Data(
                "a language model trains on a token stream (Dataset::Tokens), not on labelled examples"
                    .into(),
            )),
            (Head::Classify { .. }, _) => Err(Error::Data(
                "a classifier trains on labelled examples (Dataset::Examples), not on a token stream"
                    .into(),
            )),
        }
    }
}

/// Evaluates `model` on `data` with batches of `batch_size` (at most
/// `max_batches`), windows of `window` tokens for a language model.
pub fn evaluate<T: Real>(
    model: &Model<T>,
    data: &Dataset,
    batch_size: usize,
    window: usize,
    max_batches: usize,
) -> Result<EvalReport> {
    let batches = eval_batches(data, batch_size.max(1), window, max_batches.max(1));
    evaluate_batches(model, &batches, 0)
}

fn evaluate_batches<T: Real>(
    model: &Model<T>,
    batches: &[RawBatch],
    step: u64,
) -> Result<EvalReport> {
    let (mut sum, mut count, mut right) = (0.0f64, 0usize, 0usize);
    for raw in batches {
        let batch = model.batch_ids(&raw.seqs)?;
        match &raw.labels {
            Some(labels) => {
                let (loss, n, logits) =
                    model.loss_and_logits(&batch, &Targets::Labels(labels), Mode::Eval)?;
                for (row, &l) in logits.rows().into_iter().zip(labels) {
                    let best = row
                        .iter()
                        .enumerate()
                        .fold(
                            (0, T::neg_infinity()),
                            |b, (i, &x)| if x > b.1 { (i, x) } else { b },
                        )
                        .0;
                    right += (best == l as usize) as usize;
                }
                sum += loss * n as f64;
                count += n;
            }
            None => {
                let (loss, n) = model.loss(&batch, &Targets::NextToken, Mode::Eval)?;
                sum += loss * n as f64;
                count += n;
            }
        }
    }
    if count == 0 {
        return Err(Error::Data("the held-out data has nothing to score".into()));
    }
    let classify = batches.first().is_some_and(|b| b.labels.is_some());
    Ok(EvalReport {
        step,
        loss: sum / count as f64,
        accuracy: classify.then(|| right as f64 / count as f64),
        targets: count,
    })
}

/// Stops training when a condition on the progress holds: `StopWhen(|p|
/// p.loss < 0.1)` is early stopping.
pub struct StopWhen<F>(pub F);

impl<T: Real, F: FnMut(&Progress) -> bool> Observer<T> for StopWhen<F> {
    fn on_step(&mut self, progress: &Progress, _: &TrainState<'_, T>) -> ControlFlow<()> {
        if (self.0)(progress) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}
