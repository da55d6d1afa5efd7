//! One training thread: streams its part of the encoded corpus every epoch,
//! subsamples, cuts sentences, trains them, and reports.
//!
//! Threads share only the Hogwild matrices (and read-only tables), the
//! global word counter that drives the learning rate, a stop flag, and one
//! report slot each. Every 10 000 words — word2vec C's rhythm — a thread
//! adds its words to the global counter, recomputes its learning rate from
//! it, publishes its loss tally, and checks the stop flag. With one thread
//! nothing here depends on timing, which makes training reproducible.

use super::config::Model;
use super::corpus_ids::{IdReader, EOL};
use super::kernels::{Kernels, Task};
use super::net::{Net, ThreadState};
use super::observer::Tally;
use super::sampling::Subsampler;
use super::schedule::LinearDecay;
use super::{cbow, skipgram};
use crate::error::{Error, Result};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::thread::Thread;

/// Words between two reports of a thread (word2vec C's 10 000).
const REPORT_EVERY: u64 = 10_000;

/// What a thread publishes for the observer.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    /// The epoch the thread is in.
    pub epoch: usize,
    /// Its tally of the current epoch so far.
    pub current: Tally,
    /// Its tallies of the finished epochs.
    pub finished: Vec<Tally>,
    /// Set when the thread has returned.
    pub done: bool,
}

/// State shared by the threads and the observing thread.
pub(crate) struct Shared {
    /// Corpus words processed by all threads (word2vec's `word_count_actual`).
    pub words_done: AtomicU64,
    /// The learning rate last computed by any thread (`f32` bits).
    pub lr: AtomicU32,
    /// Set by the observing thread to stop training.
    pub stop: AtomicBool,
    pub slots: Vec<Mutex<Slot>>,
    /// Woken when a thread finishes an epoch.
    pub observer_thread: Thread,
}

impl Shared {
    pub(crate) fn new(threads: usize, alpha: f32) -> Self {
        Shared {
            words_done: AtomicU64::new(0),
            lr: AtomicU32::new(alpha.to_bits()),
            stop: AtomicBool::new(false),
            slots: (0..threads).map(|_| Mutex::new(Slot::default())).collect(),
            observer_thread: std::thread::current(),
        }
    }

    /// Thread `t`'s slot (a poisoned lock still holds valid tallies).
    pub(crate) fn slot(&self, t: usize) -> MutexGuard<'_, Slot> {
        self.slots[t].lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One thread's job.
pub(crate) struct Worker<'a> {
    pub id: usize,
    pub net: &'a Net,
    pub shared: &'a Shared,
    pub subsampler: &'a Subsampler,
    pub schedule: LinearDecay,
    pub ids: &'a Path,
    pub range: Range<u64>,
    pub epochs: usize,
    pub max_sentence_len: usize,
    pub seed: u64,
    /// The id of each word of the file in the training vocabulary.
    pub remap: &'a [u32],
}

/// Marks the slot done even when the thread fails or panics.
struct DoneOnDrop<'a>(&'a Shared, usize);

impl Drop for DoneOnDrop<'_> {
    fn drop(&mut self) {
        self.0.slot(self.1).done = true;
        self.0.observer_thread.unpark();
    }
}

impl Task for Worker<'_> {
    type Output = Result<()>;

    #[inline(always)]
    fn run<K: Kernels>(self) -> Result<()> {
        let _done = DoneOnDrop(self.shared, self.id);
        let net = self.net;
        let mut st = ThreadState::new(net, self.seed, self.schedule.at(0));
        let mut reader = IdReader::open(self.ids, self.range.clone())?;
        let mut sen: Vec<u32> = Vec::with_capacity(self.max_sentence_len);
        let mut pending = 0u64; // words not yet added to the global counter
        let mut words = 0u64; // words of this epoch
        for epoch in 0..self.epochs {
            reader.rewind()?;
            {
                let mut slot = self.shared.slot(self.id);
                slot.epoch = epoch;
                slot.current = Tally::default();
            }
            loop {
                // Read one sentence: up to a line end or max_sentence_len
                // kept words.
                sen.clear();
                let mut end = false;
                loop {
                    let Some(w) = reader.next()? else {
                        end = true;
                        break;
                    };
                    if w == EOL {
                        break;
                    }
                    let Some(&w) = self.remap.get(w as usize) else {
                        return Err(Error::io(
                            self.ids,
                            std::io::Error::new(
                                std::io::ErrorKind::InvalidData,
                                format!(
                                    "temporary id file holds id {w} but the vocabulary has {} words; was it changed while training?",
                                    self.remap.len()
                                ),
                            ),
                        ));
                    };
                    pending += 1;
                    words += 1;
                    if self.subsampler.enabled() && !self.subsampler.keep(w, st.rng.next()) {
                        continue;
                    }
                    sen.push(w);
                    if sen.len() >= self.max_sentence_len {
                        break;
                    }
                }
                if pending > REPORT_EVERY {
                    let done =
                        self.shared.words_done.fetch_add(pending, Ordering::Relaxed) + pending;
                    pending = 0;
                    st.alpha = self.schedule.at(done);
                    self.shared.lr.store(st.alpha.to_bits(), Ordering::Relaxed);
                    self.shared.slot(self.id).current = Tally {
                        loss: st.loss,
                        pairs: st.pairs,
                        words,
                    };
                    if self.shared.stop.load(Ordering::Relaxed) {
                        return Ok(());
                    }
                }
                if !sen.is_empty() {
                    match net.model {
                        Model::SkipGram => skipgram::train_sentence::<K>(net, &mut st, &sen),
                        Model::Cbow => cbow::train_sentence::<K>(net, &mut st, &sen),
                    }
                }
                if end {
                    break;
                }
            }
            self.shared.words_done.fetch_add(pending, Ordering::Relaxed);
            pending = 0;
            let tally = Tally {
                loss: st.loss,
                pairs: st.pairs,
                words,
            };
            (st.loss, st.pairs, words) = (0.0, 0, 0);
            {
                let mut slot = self.shared.slot(self.id);
                slot.current = Tally::default();
                slot.finished.push(tally);
            }
            self.shared.observer_thread.unpark();
            if self.shared.stop.load(Ordering::Relaxed) {
                return Ok(());
            }
        }
        Ok(())
    }
}
