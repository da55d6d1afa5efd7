//! Watching training: a push-model observer (the shape of ripgrep's
//! `grep_searcher::Sink`).
//!
//! The trainer drives: it calls [`Observer::on_vocab`] once the corpus has
//! been counted, [`Observer::on_progress`] a few times a second and at the
//! end of every epoch, [`Observer::on_epoch_end`] when every thread has
//! finished an epoch, and [`Observer::on_finish`] once. Every method has a
//! default that does nothing, so an observer implements only what it needs;
//! returning [`ControlFlow::Break`] stops training cleanly (the vectors
//! trained so far are returned). A progress bar, a loss recorder in a test,
//! early stopping and checkpointing are all observers.
//!
//! Observers run on the thread that called the trainer, never on a worker:
//! they need not be `Send`, and a slow observer does not slow training
//! (it only makes the reports sparser). Losses are tallied per thread in
//! `f64` and merged when a report is made.

use std::ops::ControlFlow;
use std::time::Duration;

/// What the counting pass found, before training starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct VocabReport {
    /// Tokens read from the corpus.
    pub tokens: u64,
    /// Distinct tokens.
    pub distinct: u64,
    /// Words kept (reaching `min_count`, within `max_vocab`).
    pub vocab: u64,
    /// Corpus words whose word was kept: the words of one epoch.
    pub train_words: u64,
}

/// What the counts of [`Progress`], [`EpochEnd`] and [`Finish`] count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressUnit {
    /// Corpus words, as word2vec counts them: every word of the encoded
    /// corpus a thread reads, before subsampling (word2vec, fastText; for
    /// fastText a line end, its `</s>` word, counts too).
    Words,
    /// Non-zero entries of the co-occurrence matrix (GloVe).
    Entries,
}

impl ProgressUnit {
    /// The unit's name in the plural, for messages: `words`, `entries`.
    pub fn name(self) -> &'static str {
        match self {
            ProgressUnit::Words => "words",
            ProgressUnit::Entries => "entries",
        }
    }
}

/// A snapshot of training, all threads together.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// The epoch the slowest thread is in (0-based).
    pub epoch: usize,
    /// Number of epochs.
    pub epochs: usize,
    /// What [`done`](Self::done) and [`total`](Self::total) count.
    pub unit: ProgressUnit,
    /// Units processed over all epochs.
    pub done: u64,
    /// `epochs × units per epoch`.
    pub total: u64,
    /// The current learning rate.
    pub lr: f32,
    /// Mean loss per (input, output) pair since the start of the current
    /// epoch: `−log σ(v'·h)` for observed words and `−log σ(−v'·h)` for
    /// noise words or tree nodes (see the `sigmoid` module of the trainer);
    /// for GloVe the mean cost `½ f(X_ij) δ²` per entry. `NaN` before any
    /// pair has been trained.
    pub loss: f64,
    /// Time since training started (after counting and encoding).
    pub elapsed: Duration,
}

impl Progress {
    /// Fraction done, in `[0, 1]`.
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            return 1.0;
        }
        (self.done as f64 / self.total as f64).min(1.0)
    }

    /// Units ([`unit`](Self::unit)) per second so far.
    pub fn per_sec(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.done as f64 / s
        } else {
            0.0
        }
    }
}

/// The summary of one finished epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct EpochEnd {
    /// Which epoch (0-based).
    pub epoch: usize,
    /// Mean loss per pair over the epoch (see [`Progress::loss`]).
    pub loss: f64,
    /// Pairs trained in the epoch (GloVe: entries).
    pub pairs: u64,
    /// What [`done`](Self::done) counts.
    pub unit: ProgressUnit,
    /// Units processed in the epoch.
    pub done: u64,
    /// Time since training started.
    pub elapsed: Duration,
}

/// How training ended.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Finish {
    /// What [`done`](Self::done) counts.
    pub unit: ProgressUnit,
    /// Units processed over all epochs.
    pub done: u64,
    /// Epochs completed by every thread.
    pub epochs_done: usize,
    /// Training time (after counting and encoding).
    pub elapsed: Duration,
    /// True when an observer asked to stop before the last epoch ended.
    pub stopped: bool,
}

/// Receives training reports; every method defaults to doing nothing.
pub trait Observer {
    /// The vocabulary is counted; training starts next.
    fn on_vocab(&mut self, _report: &VocabReport) {}

    /// A few times a second, and at the end of every epoch.
    fn on_progress(&mut self, _progress: &Progress) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }

    /// Every thread has finished `epoch`.
    fn on_epoch_end(&mut self, _epoch: &EpochEnd) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }

    /// Training is over (normally or because an observer stopped it).
    fn on_finish(&mut self, _finish: &Finish) {}
}

/// Observes nothing.
impl Observer for () {}

impl<O: Observer + ?Sized> Observer for &mut O {
    fn on_vocab(&mut self, report: &VocabReport) {
        (**self).on_vocab(report)
    }
    fn on_progress(&mut self, progress: &Progress) -> ControlFlow<()> {
        (**self).on_progress(progress)
    }
    fn on_epoch_end(&mut self, epoch: &EpochEnd) -> ControlFlow<()> {
        (**self).on_epoch_end(epoch)
    }
    fn on_finish(&mut self, finish: &Finish) {
        (**self).on_finish(finish)
    }
}

/// Records every epoch summary: the loss curve, for tests and reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LossRecorder {
    /// One entry per finished epoch.
    pub epochs: Vec<EpochEnd>,
}

impl Observer for LossRecorder {
    fn on_epoch_end(&mut self, epoch: &EpochEnd) -> ControlFlow<()> {
        self.epochs.push(*epoch);
        ControlFlow::Continue(())
    }
}

/// Per-thread tallies: what one worker has done in one epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Tally {
    /// Sum of pair losses.
    pub loss: f64,
    /// Pairs trained.
    pub pairs: u64,
    /// Corpus words processed.
    pub words: u64,
}

impl Tally {
    pub(crate) fn merge(&mut self, other: &Tally) {
        self.loss += other.loss;
        self.pairs += other.pairs;
        self.words += other.words;
    }

    pub(crate) fn mean_loss(&self) -> f64 {
        if self.pairs == 0 {
            f64::NAN
        } else {
            self.loss / self.pairs as f64
        }
    }
}
