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
use super::net::{Net, ThreadState};
use super::observer::Tally;
use super::rng::{splitmix64, SplitMix64};
use super::sampling::Subsampler;
use super::schedule::LinearDecay;
use super::{cbow, skipgram};
use crate::error::{Error, Result};
use crate::kernels::{Kernels, Task};
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
    /// What the thread reads every epoch.
    pub share: Share<'a>,
    pub epochs: usize,
    pub max_sentence_len: usize,
    pub seed: u64,
    /// The id of each word of the file in the training vocabulary.
    pub remap: &'a [u32],
}

/// Which part of the corpus a thread reads each epoch.
#[derive(Debug, Clone)]
pub(crate) enum Share<'a> {
    /// The same range every epoch, in file order (word2vec C, fastText).
    Range(Range<u64>),
    /// Thread `thread` of `threads`: every epoch the blocks are put in a
    /// new random order, the same on every thread (drawn from `seed` and
    /// the epoch), and the thread reads its `1/threads` of that order.
    Shuffled {
        blocks: &'a [Range<u64>],
        thread: usize,
        threads: usize,
        seed: u64,
    },
}

impl Share<'_> {
    /// The ranges to read in epoch `epoch`, in order.
    fn plan(&self, epoch: usize) -> Vec<Range<u64>> {
        match self {
            Share::Range(r) => vec![r.clone()],
            Share::Shuffled {
                blocks,
                thread,
                threads,
                seed,
            } => {
                let n = blocks.len();
                let mut order: Vec<usize> = (0..n).collect();
                let mut rng = SplitMix64::new(splitmix64(seed.wrapping_add(epoch as u64)));
                for i in (1..n).rev() {
                    order.swap(i, rng.below(i + 1));
                }
                let threads = (*threads).max(1);
                let (lo, hi) = (thread * n / threads, (thread + 1) * n / threads);
                order[lo..hi].iter().map(|&b| blocks[b].clone()).collect()
            }
        }
    }
}

/// Reads the ranges of one epoch one after another.
struct Source {
    reader: IdReader,
    plan: Vec<Range<u64>>,
    next_range: usize,
}

impl Source {
    fn start(&mut self, plan: Vec<Range<u64>>) -> Result<()> {
        self.plan = plan;
        self.next_range = 0;
        self.reader.set_range(0..0)
    }

    #[inline(always)]
    fn next(&mut self) -> Result<Option<u32>> {
        loop {
            if let Some(w) = self.reader.next()? {
                return Ok(Some(w));
            }
            let Some(r) = self.plan.get(self.next_range) else {
                return Ok(None);
            };
            self.reader.set_range(r.clone())?;
            self.next_range += 1;
        }
    }
}

/// Marks the slot done even when the thread fails or panics.
struct DoneOnDrop<'a>(&'a Shared, usize);

impl Drop for DoneOnDrop<'_> {
    fn drop(&mut self) {
        self.0.slot(self.1).done = true;
    }
}

impl Task for Worker<'_> {
    type Output = Result<()>;

    #[inline(always)]
    fn run<K: Kernels>(self) -> Result<()> {
        let _done = DoneOnDrop(self.shared, self.id);
        let net = self.net;
        let mut st = ThreadState::new(net, self.seed, self.schedule.at(0));
        let mut reader = Source {
            reader: IdReader::open(self.ids, 0..0)?,
            plan: Vec::new(),
            next_range: 0,
        };
        let mut sen: Vec<u32> = Vec::with_capacity(self.max_sentence_len);
        let mut pending = 0u64; // words not yet added to the global counter
        let mut words = 0u64; // words of this epoch
        for epoch in 0..self.epochs {
            reader.start(self.share.plan(epoch))?;
            {
                let mut slot = self.shared.slot(self.id);
                slot.epoch = epoch;
                slot.current = Tally::default();
            }
            loop {
                // Read one sentence: up to a line end, or max_sentence_len
                // kept words (word2vec) / read tokens (fastText, whose line
                // end is its `</s>` word and belongs to the sentence).
                sen.clear();
                let mut end = false;
                let mut read = 0usize;
                loop {
                    let Some(w) = reader.next()? else {
                        end = true;
                        break;
                    };
                    let line_end = w == EOL;
                    let w = if line_end {
                        match net.eos {
                            Some(eos) => eos,
                            None => break,
                        }
                    } else {
                        match self.remap.get(w as usize) {
                            Some(&w) => w,
                            None => {
                                return Err(Error::io(
                                    self.ids,
                                    std::io::Error::new(
                                        std::io::ErrorKind::InvalidData,
                                        format!(
                                            "temporary id file holds id {w} but the vocabulary has {} words; was it changed while training?",
                                            self.remap.len()
                                        ),
                                    ),
                                ))
                            }
                        }
                    };
                    pending += 1;
                    words += 1;
                    read += 1;
                    if !self.subsampler.enabled() || self.subsampler.keep(w, st.rng.next()) {
                        sen.push(w);
                    }
                    if line_end {
                        break;
                    }
                    let full = if net.eos.is_some() {
                        read >= self.max_sentence_len
                    } else {
                        sen.len() >= self.max_sentence_len
                    };
                    if full {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every epoch the threads' plans together cover every block once;
    /// the order changes from epoch to epoch and is the same on every
    /// thread (their shares never overlap).
    #[test]
    fn shuffled_shares_cover_every_block_once_per_epoch() {
        let blocks: Vec<Range<u64>> = (0..50u64).map(|i| i * 10..(i + 1) * 10).collect();
        let mut orders = Vec::new();
        for epoch in 0..3 {
            let mut all = Vec::new();
            for thread in 0..3 {
                let share = Share::Shuffled {
                    blocks: &blocks,
                    thread,
                    threads: 3,
                    seed: 9,
                };
                let plan = share.plan(epoch);
                assert!((16..=17).contains(&plan.len()), "{}", plan.len());
                all.extend(plan);
            }
            let mut sorted = all.clone();
            sorted.sort_by_key(|r| r.start);
            assert_eq!(sorted, blocks);
            orders.push(all);
        }
        assert_ne!(orders[0], orders[1]);
        assert_ne!(orders[1], orders[2]);
        assert_ne!(orders[0], blocks);
        let range = Share::Range(5..17);
        assert_eq!(range.plan(0), vec![5..17]);
        assert_eq!(range.plan(4), vec![5..17]);
    }
}
