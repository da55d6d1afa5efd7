//! Streaming, parallel vocabulary counting.

use crate::corpus::{recv_shared, CorpusReader, LineBatch, ReadStats, BATCH_BYTES};
use crate::error::{Error, Result};
use crate::tokenizer::{Scratch, Tokenizer};
use crate::vocab::{sort_pairs, Vocab};
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::mpsc;

/// How a vocabulary is counted and cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VocabConfig {
    /// Tokens seen fewer times are dropped (word2vec's `-min-count`, default 5).
    pub min_count: u64,
    /// Keep at most this many tokens, the most frequent (`None`: no limit).
    pub max_size: Option<usize>,
    /// When more distinct tokens than this are held while counting, the
    /// rarest are pruned as word2vec's `ReduceVocab` does: every token with a
    /// count ≤ `r` is removed, then `r` grows by one (starting at 1). Default:
    /// 21 million, word2vec's 0.7 × 30 M hash-table size. Pruned counts are
    /// lost, so a cap that is hit makes counts approximate (as in word2vec).
    pub prune_cap: usize,
}

impl Default for VocabConfig {
    fn default() -> Self {
        VocabConfig {
            min_count: 5,
            max_size: None,
            prune_cap: 21_000_000,
        }
    }
}

impl VocabConfig {
    /// Rejects settings that cannot work.
    pub fn validate(&self) -> Result<()> {
        if self.prune_cap < 2 {
            return Err(Error::Config(
                "prune_cap must be at least 2 distinct tokens".into(),
            ));
        }
        if self.max_size == Some(0) {
            return Err(Error::Config(
                "max_size 0 keeps no token; leave it unset for no limit".into(),
            ));
        }
        Ok(())
    }
}

/// What a counting pass saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct VocabStats {
    /// Tokens read.
    pub tokens: u64,
    /// Distinct tokens still counted at the end (after any pruning).
    pub distinct: u64,
    /// Tokens kept in the vocabulary (after `min_count` and `max_size`).
    pub kept: u64,
    /// Distinct tokens removed while counting because `prune_cap` was hit.
    pub pruned: u64,
    /// What the reader saw (lines, bytes, invalid UTF-8).
    pub read: ReadStats,
}

/// The counting map: tokens up to 23 bytes are stored inline in the table
/// (no pointer to chase on lookup), hashed with foldhash.
type CountMap = HashMap<SmolStr, u64, foldhash::fast::FixedState>;

/// A token -> count map that prunes itself like word2vec's `ReduceVocab`.
#[derive(Debug, Default)]
pub struct TokenCounter {
    map: CountMap,
    tokens: u64,
    pruned: u64,
    min_reduce: u64,
    cap: usize,
}

impl TokenCounter {
    /// An empty counter that prunes past `cap` distinct tokens.
    pub fn new(cap: usize) -> Self {
        TokenCounter {
            map: CountMap::with_capacity_and_hasher(1 << 16, Default::default()),
            tokens: 0,
            pruned: 0,
            min_reduce: 1,
            cap: cap.max(2),
        }
    }

    /// Counts one token (allocates only the first time a token is seen).
    #[inline]
    pub fn add(&mut self, token: &str) {
        self.tokens += 1;
        if let Some(c) = self.map.get_mut(token) {
            *c += 1;
        } else {
            self.map.insert(SmolStr::new(token), 1);
            if self.map.len() > self.cap {
                self.reduce();
            }
        }
    }

    fn reduce(&mut self) {
        while self.map.len() > self.cap {
            let before = self.map.len();
            let r = self.min_reduce;
            self.map.retain(|_, c| *c > r);
            self.pruned += (before - self.map.len()) as u64;
            self.min_reduce += 1;
        }
    }

    /// Adds another counter's counts into this one.
    pub fn merge(&mut self, other: TokenCounter) {
        self.tokens += other.tokens;
        self.pruned += other.pruned;
        self.min_reduce = self.min_reduce.max(other.min_reduce);
        if other.map.len() > self.map.len() {
            let mine = std::mem::replace(&mut self.map, other.map);
            for (k, v) in mine {
                *self.map.entry(k).or_insert(0) += v;
            }
        } else {
            for (k, v) in other.map {
                *self.map.entry(k).or_insert(0) += v;
            }
        }
        if self.map.len() > self.cap {
            self.reduce();
        }
    }

    /// Tokens counted.
    pub fn tokens(&self) -> u64 {
        self.tokens
    }

    /// Distinct tokens removed by pruning so far.
    pub fn pruned(&self) -> u64 {
        self.pruned
    }

    /// The counts, in no particular order.
    pub(crate) fn into_counts(self) -> impl Iterator<Item = (SmolStr, u64)> {
        self.map.into_iter()
    }

    /// Applies `min_count` and `max_size` and builds the sorted vocabulary.
    pub fn finish(self, cfg: &VocabConfig, read: ReadStats) -> Result<(Vocab, VocabStats)> {
        let distinct = self.map.len() as u64;
        let mut pairs: Vec<(SmolStr, u64)> = self
            .map
            .into_iter()
            .filter(|&(_, c)| c >= cfg.min_count)
            .collect();
        sort_pairs(&mut pairs);
        if let Some(m) = cfg.max_size {
            pairs.truncate(m);
        }
        let (tokens, counts): (Vec<String>, Vec<u64>) =
            pairs.into_iter().map(|(t, c)| (String::from(t), c)).unzip();
        let kept = tokens.len() as u64;
        let vocab = Vocab::from_ordered(tokens, counts)?;
        Ok((
            vocab,
            VocabStats {
                tokens: self.tokens,
                distinct,
                kept,
                pruned: self.pruned,
                read,
            },
        ))
    }
}

/// Counts the tokens of a corpus in one streaming pass and builds the
/// vocabulary.
///
/// With `threads > 1` the reader thread hands batches of about 1 MiB of lines
/// to `threads` counting workers whose counts are merged at the end; without
/// pruning the result is identical to a serial count (`threads == 1`),
/// because addition commutes and the final order is a total order. Memory is
/// bounded by the number of distinct tokens (see [`VocabConfig::prune_cap`])
/// and a few batches.
///
/// ```
/// use embedpos_tokenize::{count_corpus, CorpusReader, Tokenizer, VocabConfig};
/// let mut r = CorpusReader::from_reader("mem", &b"a b a\nc a b\n"[..]);
/// let cfg = VocabConfig { min_count: 2, ..Default::default() };
/// let (vocab, stats) = count_corpus(&mut r, &Tokenizer::default(), &cfg, 2).unwrap();
/// assert_eq!(vocab.tokens(), ["a", "b"]);
/// assert_eq!((stats.tokens, stats.distinct, stats.kept), (6, 3, 2));
/// ```
pub fn count_corpus(
    reader: &mut CorpusReader,
    tokenizer: &Tokenizer,
    cfg: &VocabConfig,
    threads: usize,
) -> Result<(Vocab, VocabStats)> {
    cfg.validate()?;
    let counter = count_lines(
        reader,
        cfg.prune_cap,
        threads,
        Scratch::default,
        |scratch, line, counter| tokenizer.for_each_token(line, scratch, |t| counter.add(t)),
        &mut || ControlFlow::Continue(()),
    )?;
    counter.finish(cfg, reader.stats())
}

/// Counts what `split` adds for every line of `reader`, on `threads`
/// threads, each with its own `init()` state, pruning past `cap` distinct
/// tokens.
///
/// `tick` is called on the calling thread after each batch of about 1 MiB
/// of lines has been read (with one thread: after each such stretch);
/// [`ControlFlow::Break`] stops the reading, and what was read until then
/// is counted.
pub(crate) fn count_lines<S, I, F>(
    reader: &mut CorpusReader,
    cap: usize,
    threads: usize,
    init: I,
    split: F,
    tick: &mut dyn FnMut() -> ControlFlow<()>,
) -> Result<TokenCounter>
where
    I: Fn() -> S + Sync,
    F: Fn(&mut S, &str, &mut TokenCounter) + Sync,
{
    let threads = threads.max(1);
    if threads == 1 {
        let mut counter = TokenCounter::new(cap);
        let mut state = init();
        let mut line = String::new();
        let mut since_tick = 0;
        while reader.read_line(&mut line)? {
            split(&mut state, &line, &mut counter);
            since_tick += line.len() + 1;
            line.clear();
            if since_tick >= BATCH_BYTES {
                since_tick = 0;
                if tick().is_break() {
                    break;
                }
            }
        }
        return Ok(counter);
    }
    let (work_tx, work_rx) = mpsc::sync_channel::<LineBatch>(threads * 2);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (back_tx, back_rx) = mpsc::channel::<LineBatch>();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let work_rx = &work_rx;
                let back_tx = back_tx.clone();
                let (init, split) = (&init, &split);
                s.spawn(move || {
                    let mut counter = TokenCounter::new(cap);
                    let mut state = init();
                    while let Some(batch) = recv_shared(work_rx) {
                        for line in batch.lines() {
                            split(&mut state, line, &mut counter);
                        }
                        let _ = back_tx.send(batch);
                    }
                    counter
                })
            })
            .collect();
        drop(back_tx);
        let read_result = (|| -> Result<()> {
            loop {
                let mut batch = back_rx.try_recv().unwrap_or_default();
                let more = batch.fill(reader, 0, BATCH_BYTES)?;
                if !batch.is_empty() && work_tx.send(batch).is_err() {
                    break;
                }
                if !more || tick().is_break() {
                    break;
                }
            }
            Ok(())
        })();
        drop(work_tx);
        let mut total = TokenCounter::new(cap);
        for w in workers {
            match w.join() {
                Ok(c) => total.merge(c),
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        read_result.map(|()| total)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &str, threads: usize, cfg: &VocabConfig) -> (Vocab, VocabStats) {
        let mut r =
            CorpusReader::from_reader("mem", std::io::Cursor::new(text.as_bytes().to_vec()));
        count_corpus(&mut r, &Tokenizer::default(), cfg, threads).unwrap()
    }

    #[test]
    fn min_count_max_size_and_order() {
        let cfg = VocabConfig {
            min_count: 2,
            max_size: Some(2),
            ..Default::default()
        };
        let (v, s) = count("b b a a c c c d\n", 1, &cfg);
        assert_eq!(v.tokens(), ["c", "a"]);
        assert_eq!(s.kept, 2);
        assert_eq!(s.distinct, 4);
        assert_eq!(s.tokens, 8);
    }

    #[test]
    fn pruning_like_reduce_vocab() {
        let mut c = TokenCounter::new(3);
        for t in ["a", "a", "a", "b", "b", "c", "d"] {
            c.add(t);
        }
        // Adding "d" made 4 > 3 distinct: counts <= 1 (c, d) were removed.
        assert_eq!(c.pruned, 2);
        let (v, _) = c
            .finish(
                &VocabConfig {
                    min_count: 1,
                    ..Default::default()
                },
                ReadStats::default(),
            )
            .unwrap();
        assert_eq!(v.tokens(), ["a", "b"]);
    }

    #[test]
    fn parallel_equals_serial_on_many_batches() {
        let mut text = String::new();
        for i in 0..60_000u32 {
            text.push_str(&format!("w{} w{} common\n", i % 97, (i * 7) % 1013));
        }
        let cfg = VocabConfig {
            min_count: 1,
            ..Default::default()
        };
        let (a, sa) = count(&text, 1, &cfg);
        let (b, sb) = count(&text, 3, &cfg);
        assert_eq!(a, b);
        assert_eq!(sa.tokens, sb.tokens);
    }
}
